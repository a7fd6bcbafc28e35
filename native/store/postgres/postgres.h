/*
 * Inside the PostgreSQL backend: what its files share. Nothing outside native/store/postgres/
 * includes this header or <libpq-fe.h>.
 */
#ifndef SOLDER_STORE_POSTGRES_H
#define SOLDER_STORE_POSTGRES_H

#include "store/store_internal.h"

/* The libpq connection (PGconn *) of a store opened on PostgreSQL. */
void *store_pg_conn(struct store *s);

#endif
