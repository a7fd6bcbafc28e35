/*
 * Inside the PostgreSQL backend: its schema as numbered migrations (schema.c). PostgreSQL migration
 * n is not SQLite migration n: PostgreSQL's first holds the whole schema SQLite reached at its
 * 16th, and every later change of the schema is added to both lists.
 */
#ifndef SOLDER_STORE_POSTGRES_SCHEMA_H
#define SOLDER_STORE_POSTGRES_SCHEMA_H

extern const char *const store_pg_migrations[];
extern const int store_pg_migration_count;

#endif
