/*
 * Inside the SQLite backend: what its files share. Nothing outside native/store/sqlite/ includes
 * this header or <sqlite3.h>.
 */
#ifndef SOLDER_STORE_SQLITE_H
#define SOLDER_STORE_SQLITE_H

#include "store/store_internal.h"

#include <sqlite3.h>

/* The schema's migrations, in order (schema.c). */
extern const char *const store_sqlite_migrations[];
extern const int store_sqlite_migration_count;

/* The connection of a store opened on SQLite. */
sqlite3 *store_sqlite_db(struct store *s);

/* Reports a connection's WAL size after each commit (checkpoint.c); installed by the opener. */
int store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames);

#endif
