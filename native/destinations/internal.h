/*
 * Shared between the destination files only: the error value of a call, the SQL drivers'
 * interface (postgresql.c, mysql.c), statement building and value conversion (sql.c), the
 * connection pools (pool.c), and the HTTP destinations' entry points (snowflake.c,
 * eventbridge_block.c).
 */
#ifndef SOLDER_DESTINATIONS_INTERNAL_H
#define SOLDER_DESTINATIONS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "destinations/destinations.h"
#include "engine/ssrf.h"

/* Default time one statement or request may take, and the longest a block may ask for
 * (timeoutMs): a call never holds a worker longer. */
#define DEST_TIMEOUT_MS     30000L
#define DEST_TIMEOUT_MAX_MS 120000L
/* Time to open a database connection: a dead host must not hold a worker longer per attempt. */
#define DEST_CONNECT_TIMEOUT_S 10
/* Rows a statement's output keeps: one block cannot fill the execution record. */
#define DEST_MAX_ROWS 1000

/* Why a call failed. broken: the connection cannot be used again (it is closed, not pooled). */
struct dest_error {
    char message[320];
    bool retryable;
    bool broken;
};

void dest_error_set(struct dest_error *e, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What every connection of the process shares: where files go, and the SSRF guard's policy (the
 * engine's --allow-private-network and --allow-hosts), which a database host passes too. */
struct dest_env {
    char *files_dir;
    struct ssrf_policy policy;
};

/* The address to connect to for host: resolved, and the first one the SSRF guard permits, as text
 * into ip (n bytes). Returns 0, or -1 with err set (unknown host: retryable; refused: final). */
int dest_resolve(const struct dest_env *env, const char *host, char *ip, size_t n,
                 struct dest_error *err);

/* The file holding a credential's CA certificate (PEM text), written once below dir as
 * ca-<sha256>.pem (0600), since libpq and Connector/C read certificates from files only. Writes its
 * path into path (n bytes) and returns 0, or -1 with err set. */
int dest_ca_file(const char *dir, const char *pem, char *path, size_t n, struct dest_error *err);

/* The block's timeoutMs input within (0, DEST_TIMEOUT_MAX_MS], else DEST_TIMEOUT_MS. */
long dest_timeout_ms(const cJSON *inputs);

/* ---- SQL ---- */

/* How a value is bound. text always holds the value's text (NULL for SQL_NULL). */
enum sql_kind { SQL_NULL, SQL_TEXT, SQL_INT, SQL_REAL, SQL_BOOL };

struct sql_param {
    enum sql_kind kind;
    char *text;
};

/* Parameters of one statement. Lifecycle: zeroed, filled by sql_params_*, sql_params_free. */
struct sql_params {
    struct sql_param *items;
    int count;
};

void sql_params_free(struct sql_params *p);

/* How a dialect writes what the builder needs. */
enum sql_upsert_style { UPSERT_ON_CONFLICT, UPSERT_ON_DUPLICATE_KEY, UPSERT_MERGE };

struct sql_dialect {
    char quote;            /* identifier quote: '"' or '`' */
    bool numbered;         /* placeholders $1, $2... instead of ? */
    bool fold_upper;       /* unquoted-looking names are upper-cased before quoting (snowflake) */
    bool names_ci;         /* column names compare without case (mysql) */
    const char *returning; /* appended to an insert or upsert: " RETURNING *" or "" */
    enum sql_upsert_style upsert;
    bool booleans_as_ints; /* booleans bound as 1 / 0 */
    bool timestamps_plain; /* ISO 8601 strings into DATETIME/TIMESTAMP columns as "Y-m-d H:M:S" */
};

/* A driver's open connection and what it does. Every function runs on the calling worker thread,
 * with a connection no other thread holds. */
struct sql_driver {
    const char *name; /* for messages: "PostgreSQL" */
    const char *app;  /* the credential's app: "postgresql" */
    const struct sql_dialect *dialect;
    void *(*connect)(const cJSON *credential, const struct dest_env *env, struct dest_error *err);
    void (*close)(void *conn);
    /* The columns of schema.table (schema NULL: the connection's default) as an object, column
     * name -> lower-case data type; *cols NULL (and 0 returned) when there is no such table. */
    int (*columns)(void *conn, const char *schema, const char *table, cJSON **cols,
                   struct dest_error *err);
    /* Runs sql with params; *out = {"rowsAffected": n, "rows": [...]} (rows when it returned
     * some; "insertId" where the database has one). Returns 0 or -1 with err. */
    int (*execute)(void *conn, const char *sql, const struct sql_params *params, long timeout_ms,
                   cJSON **out, struct dest_error *err);
};

extern const struct sql_driver postgresql_driver;
extern const struct sql_driver mysql_driver;
/* Connector/C's process-wide set-up, once before any thread connects, and its release. */
void mysql_driver_init(void);
void mysql_driver_end(void);

/* An identifier quoted for the dialect ("ord""ers", `ord``ers`), appended to b. */
struct buf;
void sql_quote(const struct sql_dialect *d, struct buf *b, const char *name);

/* "schema.table" split at its last dot into *schema (NULL when none) and *table; both malloc'd.
 * snowflake's "db.schema.table" keeps "db.schema" as the schema. */
void sql_split_table(const char *qualified, char **schema, char **table);
/* The qualified name quoted part by part. */
void sql_quote_table(const struct sql_dialect *d, struct buf *b, const char *qualified);

/* Binds one JSON value for a column of data type column_type (lower case; NULL when unknown):
 * null, booleans, numbers, strings, and objects or arrays as their JSON text; a string into a json
 * column as JSON; an ISO 8601 string into a DATETIME column in the dialect's form. Returns 0, or
 * -1 when memory ran out. */
int sql_params_add(struct sql_params *p, const struct sql_dialect *d, const cJSON *value,
                   const char *column_type);

/*
 * The INSERT (or upsert, when key is given) of one row of values (an object, column -> value) into
 * table, with values bound in column order into *params. columns (from the live schema) names the
 * table's columns and types: a column not in it is refused with the list of those there. Returns
 * the statement (malloc'd), or NULL with err set.
 */
char *sql_build_write(const struct sql_dialect *d, const char *table, const cJSON *values,
                      const cJSON *columns, char *const *key, int nkey, struct sql_params *params,
                      struct dest_error *err);

/* ---- pools (pool.c) ---- */

struct pools;
struct pool;

/* How many pools (credentials) are kept, and connections per pool. */
#define POOLS_MAX            64
#define POOL_MAX_CONNECTIONS 4
/* An idle connection older than this is closed rather than reused: servers and proxies drop idle
 * connections, and a pool should not hold server slots for an idle credential. */
#define POOL_IDLE_MS (5 * 60 * 1000)
/* How long a call waits for a connection of a busy pool before failing (retryably). */
#define POOL_WAIT_MS 10000
/* How long a table's columns are trusted before they are read again. */
#define POOL_SCHEMA_TTL_MS 60000

/* env is borrowed for the pools' life. */
struct pools *pools_new(const struct dest_env *env);
/* Closes every connection; no pool may be in use (the workers are gone). */
void pools_free(struct pools *p);

/* The pool of credential key (a stable digest of the credential: its id and content) for driver,
 * made when new; held until pools_release. */
struct pool *pools_acquire(struct pools *p, const struct sql_driver *driver, const char *key);
void pools_release(struct pools *p, struct pool *pool);

/* A connection of pool for this thread: an idle one, or a new one (credential) while fewer than
 * POOL_MAX_CONNECTIONS are open, else it waits up to POOL_WAIT_MS. *reused tells which. NULL with
 * err set when none could be had. */
void *pool_checkout(struct pool *pool, const cJSON *credential, bool *reused,
                    struct dest_error *err);
/* Gives conn back (or closes it when broken). */
void pool_checkin(struct pool *pool, void *conn, bool broken);

/* The columns of table as the driver reads them, cached in the pool for POOL_SCHEMA_TTL_MS (read
 * again when refresh). Returns a copy (caller owns) or NULL with err set. */
cJSON *pool_columns(struct pool *pool, void *conn, const char *table, bool refresh,
                    struct dest_error *err);

/* ---- the HTTP destinations ---- */

void snowflake_run(const struct destination_call *call, const struct wf_block *block,
                   const cJSON *credential, const cJSON *inputs, struct wf_call_result *res);
void eventbridge_run(const struct destination_call *call, const struct wf_block *block,
                     const cJSON *credential, const cJSON *inputs, struct wf_call_result *res);

#endif
