/*
 * Store on PostgreSQL: the numbered migrations of its schema, each one SQL script run in its own
 * transaction, in order, by the PostgreSQL driver.
 *
 * PostgreSQL migration N is not SQLite migration N. The PostgreSQL list starts where SQLite's
 * migrations (store/sqlite/schema.c) stand after migration 16: its migration 1 creates that whole
 * schema at once. Every later schema change is added to both lists, each in its own numbering.
 *
 * The translation: INTEGER columns are BIGINT (times are milliseconds, counters may pass 2^31),
 * TEXT stays TEXT (JSON documents included: text, not jsonb, as SQLite stores them), BLOB is BYTEA.
 * Differences a query has to know about:
 * - users and executions have a column seq (an identity) that their listings order by where SQLite
 *   orders by rowid; the indexes SQLite serves such a listing from (which end in the implicit rowid
 *   there) end in seq here.
 * - dashboard_accounts.email is unique by lower(email) (SQLite: COLLATE NOCASE), so a query
 *   comparing an email compares lower(email) with lower(?).
 */
#ifndef SOLDER_STORE_POSTGRES_SCHEMA_H
#define SOLDER_STORE_POSTGRES_SCHEMA_H

/* Migration n + 1 is store_pg_migrations[n]; store_pg_migration_count is the latest version. */
extern const char *const store_pg_migrations[];
extern const int store_pg_migration_count;

#endif
