/*
 * Store: a whole installation copied from one store into another, across backends (`solder
 * migrate-store`: SQLite to PostgreSQL, PostgreSQL to SQLite, or SQLite to SQLite). Every table of
 * the schema is copied as it is — sealed values too, which only the same master key opens — in
 * foreign-key order, each table's rows in the order they were inserted, so that what the API lists
 * in insertion order (users, executions) comes back in the same order. Return values follow
 * store.h.
 */
#ifndef SOLDER_STORE_MIGRATE_H
#define SOLDER_STORE_MIGRATE_H

#include "store/store.h"

/* One column copied: its name and how it is read and written ('s' text, 'i' integer, 'b' bytes). */
struct store_migrate_column {
    const char *name;
    char type;
};

/* One table copied. seq: PostgreSQL numbers its rows in a column of its own (seq), which orders
 * them by insertion as SQLite's rowid does; the copy never writes it, the target numbers them. */
struct store_migrate_table {
    const char *name;
    bool seq;
    const struct store_migrate_column *columns;
    size_t ncolumns;
};

/* The tables store_migrate copies, in foreign-key order: *n of them, static. */
const struct store_migrate_table *store_migrate_tables(size_t *n);

/* Most tables a report holds: more than the schema has. */
#define STORE_MIGRATE_TABLES_MAX 64

/* What store_migrate copied: rows per table (tables[i] is store_migrate_tables' i-th), and all. */
struct store_migrate_report {
    size_t n;
    struct {
        const char *table;
        int64_t rows;
    } tables[STORE_MIGRATE_TABLES_MAX];
    int64_t rows;
};

/*
 * Copies every table of from (an open store) into to (an open store with the same schema, holding
 * no row), in one transaction on to: either everything is copied or to is left as it was. from is
 * read in one read transaction (a snapshot); no server should be writing it meanwhile. A
 * PostgreSQL source is read in batches, so no table is ever held in memory whole.
 * STORE_OK with *report filled; STORE_CONFLICT when to already holds rows (an account, or any
 * other), nothing written; STORE_ERROR when a read or a write fails. err (never NULL) gets the
 * reason, naming the side (source or target) and the table.
 */
int store_migrate(struct store *from, struct store *to, struct store_migrate_report *report,
                  char *err, size_t err_len);

#endif
