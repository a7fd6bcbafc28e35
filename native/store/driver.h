/*
 * Inside the store: what a database backend gives the table-group files. A backend (store/sqlite/,
 * store/postgres/) opens a connection, runs one statement with bound values handing each result row
 * to a reader, runs a script of statements, and says how many rows the last write changed. The
 * table-group files hold the SQL, in SQLite's dialect with numbered parameters (?1, ?2, …); where
 * PostgreSQL needs other text, STORE_SQL picks it. Nothing outside native/store includes this.
 */
#ifndef SOLDER_STORE_DRIVER_H
#define SOLDER_STORE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct store;

/* One result row of either backend; read with store_col_* (query.c). */
struct store_row_ops {
    bool (*null)(const void *h, int row, int col);
    int64_t (*int64)(const void *h, int row, int col);
    double (*real)(const void *h, int row, int col);
    /* NULL for SQL NULL; valid until the reader returns. */
    const char *(*text)(const void *h, int row, int col);
    size_t (*bytes)(const void *h, int row, int col);
    /* Whether the value is a number (store_query's JSON rows keep numbers as numbers). */
    bool (*numeric)(const void *h, int row, int col);
    int (*count)(const void *h);
    const char *(*name)(const void *h, int col);
};

struct store_row {
    const struct store_row_ops *ops;
    const void *h; /* the backend's statement or result */
    int i;         /* the row within h, for backends that hold all rows at once */
};

/* One bound value: 's' text (NULL text binds NULL), 'i' int64, 'd' double, 'b' bytes; null binds
 * SQL NULL of that type. 'j' (a JSON document, stored as its text) never reaches a backend: the
 * store prints it into an 's' first. Made by store_text, store_int, … (store_internal.h). */
struct store_arg {
    char type;
    bool null;
    const struct cJSON *json;
    const char *text;
    int64_t i;
    double d;
    const void *blob;
    size_t len;
};

/* The most values one statement binds. */
#define STORE_ARGS_MAX 32

/* Reads one result row into the caller's state (arg); STORE_OK to go on, anything else stops the
 * statement with that result (after setting the store's message). */
typedef int store_row_fn(const struct store_row *row, void *arg);

enum store_dialect { STORE_DIALECT_SQLITE, STORE_DIALECT_POSTGRES };

struct store_driver {
    enum store_dialect dialect;
    /* Runs sql (a string literal: backends cache its prepared form by its address) with args,
     * handing each row to fn when fn is not NULL. STORE_OK, STORE_CONFLICT (a unique key is taken)
     * or STORE_ERROR, with the message in the store. */
    int (*run)(struct store *s, const char *sql, const struct store_arg *args, int n,
               store_row_fn *fn, void *arg);
    /* Runs a script of statements without parameters. */
    int (*exec)(struct store *s, const char *script);
    /* Rows changed by the last INSERT, UPDATE or DELETE. */
    int (*changes)(struct store *s);
    /* Whether a transaction is open on the connection. */
    bool (*in_transaction)(struct store *s);
    int (*schema_version)(struct store *s);
    void (*busy_timeout)(struct store *s, int ms);
    /* After a purge: makes sure no copy of deleted rows survives outside the tables (SQLite's WAL
     * is folded back and truncated); STORE_OK where there is nothing to do. */
    int (*fold_log)(struct store *s);
    void (*close)(struct store *s);
};

struct store {
    const struct store_driver *drv;
    void *conn; /* the backend's connection */
    char errmsg[256];
    int busy_ms;      /* set by store_set_busy_timeout */
    int savepoints;   /* store_savepoint depth */
    bool release_due; /* PostgreSQL: a kept savepoint's RELEASE, sent with the next statement */
};

/* The channels nodes sharing a PostgreSQL store signal each other on (store/postgres/bus.c). */
#define STORE_CHANNEL_WORK          "solder_work" /* executions were queued: idle workers look */
#define STORE_CHANNEL_AUTH          "solder_auth" /* a key was revoked or a user deleted */
#define STORE_CHANNEL_LIVE          "solder_live" /* a live update, for another node's websockets */
#define STORE_CHANNEL_SUBS          "solder_subs" /* a node has websocket subscribers */
#define STORE_CHANNEL_INSTALLATIONS "solder_installations" /* installations changed */

/* Signals channel to every node when the current transaction (or statement) commits; nothing on
 * SQLite, whose processes share one machine's engine wake-ups. */
int store_signal(struct store *s, const char *channel);

/* The text for the store's backend: lite for SQLite, pg for PostgreSQL. Both must be literals. */
#define STORE_SQL(s, lite, pg) ((s)->drv->dialect == STORE_DIALECT_POSTGRES ? (pg) : (lite))

/* The backends' openers: a connection with the schema migrated to the latest version. */
struct store *store_sqlite_open(const char *path, char *err, size_t err_len);
struct store *store_pg_open(const char *url, char *err, size_t err_len);

/* The backends' versions, for --version. */
void store_sqlite_version(char *out, size_t cap);
void store_pg_version(char *out, size_t cap);

/* SQLite's background WAL checkpoints of the database at path (sqlite/checkpoint.c). */
int store_sqlite_checkpointer_start(const char *path, char *err, size_t err_len);
void store_sqlite_checkpointer_stop(void);

/* Number of migrations each backend's schema has (they are numbered apart). */
int store_sqlite_schema_latest(void);
int store_pg_schema_latest(void);

#endif
