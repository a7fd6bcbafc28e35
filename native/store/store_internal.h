/*
 * Inside the store: the connection, the statement table and helpers shared by the table-group
 * files. Every SQL statement Solder runs is one row of STORE_STATEMENTS, prepared once per
 * connection on first use and reset after each use.
 */
#ifndef SOLDER_STORE_INTERNAL_H
#define SOLDER_STORE_INTERNAL_H

#include "store/store.h"

#include <cJSON.h>
#include <sqlite3.h>

#define STORE_STATEMENTS(X)                                                                        \
    X(ACCOUNT_COUNT, "SELECT count(*) FROM accounts")                                              \
    X(ACCOUNT_INSERT, "INSERT INTO accounts(id, name, created_at) VALUES (?1, ?2, ?3)")            \
    X(ENV_INSERT,                                                                                  \
      "INSERT INTO environments(id, account_id, name, created_at) VALUES (?1,?2,?3,?4)")           \
    X(ENV_BY_NAME, "SELECT id, account_id, name FROM environments WHERE name = ?1")                \
    X(ENV_BY_ID, "SELECT id, account_id, name FROM environments WHERE id = ?1")                    \
    X(KEY_INSERT,                                                                                  \
      "INSERT INTO api_keys(id, env_id, hash, prefix, created_at) VALUES (?1,?2,?3,?4,?5)")        \
    X(KEY_LOOKUP,                                                                                  \
      "SELECT k.id, k.env_id, e.name, k.prefix, k.created_at, 0, coalesce(k.last_used_at, 0) "     \
      "FROM api_keys k JOIN environments e ON e.id = k.env_id "                                    \
      "WHERE k.hash = ?1 AND k.revoked_at IS NULL")                                                \
    X(KEY_USED, "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")                             \
    X(KEY_REVOKE, "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")      \
    X(KEY_COUNT, "SELECT count(*) FROM api_keys")                                                  \
    X(KEY_LIST,                                                                                    \
      "SELECT k.id, k.env_id, e.name, k.prefix, k.created_at, coalesce(k.revoked_at, 0), "         \
      "coalesce(k.last_used_at, 0) "                                                               \
      "FROM api_keys k JOIN environments e ON e.id = k.env_id ORDER BY k.created_at DESC, k.id")   \
    X(USER_INSERT, "INSERT INTO users(id, env_id, username, full_name, created_at, updated_at) "   \
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?5)")                                              \
    X(USER_BY_ID, "SELECT id, env_id, username, full_name, created_at, updated_at FROM users "     \
                  "WHERE env_id = ?1 AND id = ?2")                                                 \
    X(USER_BY_NAME, "SELECT id, env_id, username, full_name, created_at, updated_at FROM users "   \
                    "WHERE env_id = ?1 AND username = ?2")                                         \
    X(USER_UPDATE,                                                                                 \
      "UPDATE users SET username = coalesce(?3, username), "                                       \
      "full_name = coalesce(?4, full_name), updated_at = ?5 WHERE env_id = ?1 AND id = ?2")        \
    X(USER_DELETE, "DELETE FROM users WHERE env_id = ?1 AND id = ?2")                              \
    X(USER_LIST, "SELECT id, env_id, username, full_name, created_at, updated_at FROM users "      \
                 "WHERE env_id = ?1 ORDER BY created_at, id")                                      \
    X(SIGNKEY_INSERT, "INSERT INTO signing_keys(id, alg, private_pem, public_pem, created_at) "    \
                      "VALUES (?1, 'ES256', ?2, ?3, ?4)")                                          \
    X(SIGNKEY_CURRENT, "SELECT id, private_pem, public_pem FROM signing_keys "                     \
                       "WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1")       \
    X(BEGIN, "BEGIN IMMEDIATE")                                                                    \
    X(SAVEPOINT, "SAVEPOINT request")                                                              \
    X(RELEASE, "RELEASE request")                                                                  \
    X(ROLLBACK_TO, "ROLLBACK TO request")                                                          \
    X(COMMIT, "COMMIT")                                                                            \
    X(ROLLBACK, "ROLLBACK")

enum store_stmt_id {
#define X(name, sql) STMT_##name,
    STORE_STATEMENTS(X)
#undef X
        STMT_COUNT
};

/* Statements of store_query, cached by the address of their SQL literal. */
#define STORE_QUERY_CACHE 256

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmts[STMT_COUNT];
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[STORE_QUERY_CACHE];
    char errmsg[256];
    int busy_ms; /* 0 until store_set_busy_timeout: STORE_BUSY_MS */
};

/* The prepared statement for id, reset and with bindings cleared; NULL on prepare failure. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id);

/* Resets a statement after use and clears its bindings. */
void store_done(sqlite3_stmt *st);

/* Records sqlite's message and returns STORE_ERROR, or STORE_CONFLICT for a unique violation. */
int store_fail(struct store *s, int rc);

/* Reports a connection's WAL size after each commit (checkpoint.c); installed by store_open. */
int store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames);

/* First row of rows (detached, caller owns) or NULL; frees rows. */
cJSON *store_first_row(cJSON *rows);
/* For a query that finds at most one row: *row gets it (or NULL); rows is consumed. Returns rc. */
int store_one_row(int rc, cJSON *rows, cJSON **row);
/* rc, or STORE_NOT_FOUND when a successful statement changed no row. */
int store_changed(struct store *s, int rc);

/*
 * Runs one SQL statement of the store's own (sql must be a string literal: its prepared statement
 * is cached by the literal's address). Parameters are bound in order according to types: 's' const
 * char* (NULL binds NULL), 'i' int64_t, 'd' double, 'j' const cJSON* stored as compact JSON text
 * (NULL binds NULL). When rows is not NULL it receives an array with one object per result row,
 * keyed by column name; a column named "x_json" is parsed as JSON and appears as "x"; SQL NULL
 * columns are left out. Returns STORE_OK, STORE_CONFLICT or STORE_ERROR.
 */
int store_query(struct store *s, const char *sql, cJSON **rows, const char *types, ...);

/* Reads one result row of store_rows into the caller's struct (arg); returns STORE_OK to go on,
 * anything else to stop with that result (after setting the store's message). */
typedef int store_row_fn(sqlite3_stmt *st, void *arg);
/* store_query's statement and bindings, each row handed to fn instead of turned into JSON. */
int store_rows(struct store *s, const char *sql, store_row_fn *fn, void *arg, const char *types,
               ...);

/* A store_row_fn reading a row's first column into the int64_t at arg (a count, a sum). */
int store_row_int64(sqlite3_stmt *st, void *arg);

/* Fills the zeroed element at item from one result row of store_rows_list. */
typedef void store_fill_fn(sqlite3_stmt *st, void *item);
/* Runs sql as store_query does and gives the rows as an array of elements of size bytes, one per
 * row filled by fill: *items (void ** in truth: the address of the caller's array pointer) gets
 * the array (malloc'd, NULL when no row) and *n its length. On failure the elements read so far
 * stay there for the caller to free. */
int store_rows_list(struct store *s, const char *sql, store_fill_fn *fill, size_t size, void *items,
                    size_t *n, const char *types, ...);
/* Frees a list of store_rows_list (items and n as there), calling clear (when not NULL) on each
 * element first. */
void store_items_free(void *items, size_t *n, size_t size, void (*clear)(void *item));
/* Runs sql as store_query does and fills the zeroed *out from its first row with fill.
 * STORE_NOT_FOUND when there is no row. */
int store_rows_one(struct store *s, const char *sql, store_fill_fn *fill, void *out,
                   const char *types, ...);

/* How deep a JSON document stored in a column may nest: beyond any the product writes; bounds the
 * parse of a damaged one. */
#define STORE_JSON_MAX_DEPTH 1000
/* A column holding a JSON document, parsed (caller owns): NULL for SQL NULL, a JSON null when the
 * text does not parse. */
cJSON *store_column_json(sqlite3_stmt *st, int col);
/* Frees text after zeroing it: a sealed value, or a secret in clear. */
void store_secret_free(char *text);

/* Records "out of memory" as the store's message and returns STORE_ERROR. */
int store_out_of_memory(struct store *s);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int store_changes(struct store *s);

/* Binds text or NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);

/* malloc'd copy of a text column, NULL for SQL NULL. */
char *store_column_strdup(sqlite3_stmt *st, int col);

/* Copies a text column into a fixed buffer (truncating). */
void store_column_copy(sqlite3_stmt *st, int col, char *dst, size_t cap);

/* Steps a statement that returns no row. Returns 0, STORE_CONFLICT or STORE_ERROR. */
int store_exec_stmt(struct store *s, sqlite3_stmt *st);

#endif
