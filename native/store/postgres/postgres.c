/*
 * The PostgreSQL backend (libpq): connecting to a database URL, migrating its schema under an
 * advisory lock (so that nodes starting together migrate once), and running the store's statements.
 * The table-group files write SQL in SQLite's dialect with numbered parameters; this file turns
 * ?N into $N and prepares each statement once per connection with the types of its bound values,
 * cached by the address of its SQL literal. Rows are read as text. Not here: any statement of the
 * store's own, and the few whose PostgreSQL text differs (STORE_SQL in the table-group files).
 */
#include "store/postgres/postgres.h"

#include "store/postgres/schema.h"
#include "store/postgres/wire.h"

#include <libpq-fe.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statements of one connection, cached by the address of their SQL literal. */
#define PG_STATEMENT_CACHE 256

/* The advisory lock migrations run under: nodes that start together migrate once. */
#define PG_MIGRATE_LOCK "4242270002"

/* Every session's settings: UTC, quiet notices, and waits for a lock of about 5 s as on SQLite
 * (store_set_busy_timeout changes it). */
#define PG_SESSION_SETUP                                                                           \
    "SET client_min_messages = error; SET TIME ZONE 'UTC'; SET lock_timeout = 5000"

/* Type oids of the values the store binds and reads. */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
};

struct pg_conn {
    PGconn *db;
    int changes;  /* rows changed by the last statement */
    int prepared; /* statements prepared so far: names them */
    struct {
        const char *sql;
        char name[16];
    } cache[PG_STATEMENT_CACHE];
};

static struct pg_conn *conn(struct store *s)
{
    return s->conn;
}

void *store_pg_conn(struct store *s)
{
    return conn(s)->db;
}

/* Records the message of a failed result (or of the connection); STORE_CONFLICT for a unique key
 * taken (SQLSTATE 23505), else STORE_ERROR. */
static int fail(struct store *s, const PGresult *res)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(conn(s)->db);
    snprintf(s->errmsg, sizeof s->errmsg, "%s", msg && *msg ? msg : "PostgreSQL error");
    size_t n = strlen(s->errmsg);
    while (n && s->errmsg[n - 1] == '\n')
        s->errmsg[--n] = '\0';
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state && strcmp(state, "23505") == 0 ? STORE_CONFLICT : STORE_ERROR;
}

static Oid arg_type(const struct store_arg *a)
{
    switch (a->type) {
    case 'i':
        return OID_INT8;
    case 'd':
        return OID_FLOAT8;
    case 'b':
        return OID_BYTEA;
    default:
        return OID_TEXT;
    }
}

/* The name sql is prepared under on this connection, preparing it on first use; NULL on failure. */
static const char *prepared(struct store *s, const char *sql, const struct store_arg *args, int n)
{
    struct pg_conn *c = conn(s);
    size_t h = ((uintptr_t)sql >> 3) % PG_STATEMENT_CACHE;
    size_t k = h;
    for (size_t i = 0; i < PG_STATEMENT_CACHE; i++) {
        k = (h + i) % PG_STATEMENT_CACHE;
        if (c->cache[k].sql == sql)
            return c->cache[k].name;
        if (!c->cache[k].sql)
            break;
    }
    if (c->cache[k].sql) {
        snprintf(s->errmsg, sizeof s->errmsg, "statement cache full");
        return NULL;
    }
    char *text = store_pg_dollar_params(sql);
    if (!text) {
        snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
        return NULL;
    }
    Oid types[STORE_ARGS_MAX];
    for (int i = 0; i < n; i++)
        types[i] = arg_type(&args[i]);
    char name[16];
    snprintf(name, sizeof name, "s%d", c->prepared);
    PGresult *res = PQprepare(c->db, name, text, n, types);
    free(text);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fail(s, res);
    PQclear(res);
    if (!ok)
        return NULL;
    c->prepared++;
    c->cache[k].sql = sql;
    snprintf(c->cache[k].name, sizeof c->cache[k].name, "%s", name);
    return c->cache[k].name;
}

static bool col_null(const void *h, int row, int col)
{
    return PQgetisnull(h, row, col);
}

static int64_t col_int64(const void *h, int row, int col)
{
    if (PQgetisnull(h, row, col))
        return 0;
    const char *v = PQgetvalue(h, row, col);
    if (PQftype(h, col) == OID_BOOL)
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static double col_real(const void *h, int row, int col)
{
    return PQgetisnull(h, row, col) ? 0.0 : strtod(PQgetvalue(h, row, col), NULL);
}

static const char *col_text(const void *h, int row, int col)
{
    return PQgetisnull(h, row, col) ? NULL : PQgetvalue(h, row, col);
}

static size_t col_bytes(const void *h, int row, int col)
{
    return (size_t)PQgetlength(h, row, col);
}

static bool col_numeric(const void *h, int row, int col)
{
    (void)row;
    Oid t = PQftype(h, col);
    return t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_FLOAT4 || t == OID_FLOAT8 ||
           t == OID_NUMERIC;
}

static int col_count(const void *h)
{
    return PQnfields(h);
}

static const char *col_name(const void *h, int col)
{
    return PQfname(h, col);
}

static const struct store_row_ops ROW_OPS = {
    col_null, col_int64, col_real, col_text, col_bytes, col_numeric, col_count, col_name,
};

/* Whether sql writes rows, so that it may break a unique key (its first word). */
static bool writes(const char *sql)
{
    return strncmp(sql, "INSERT", 6) == 0 || strncmp(sql, "UPDATE", 6) == 0 ||
           strncmp(sql, "WITH", 4) == 0;
}

static int run_prepared(struct store *s, const char *sql, const struct store_arg *args, int n,
                        store_row_fn *fn, void *arg);
static int exec_script(struct store *s, const char *sql);
static void busy_timeout(struct store *s, int ms);

/*
 * On SQLite a failed statement leaves its transaction open, and callers go on after a taken unique
 * key (STORE_CONFLICT); PostgreSQL aborts the whole transaction instead. A write inside a
 * transaction therefore runs in a savepoint of its own, undone alone when it fails, unless the
 * caller's own savepoint (store_savepoint) already bounds it.
 */
static int run(struct store *s, const char *sql, const struct store_arg *args, int n,
               store_row_fn *fn, void *arg)
{
    if (s->savepoints > 0 || !writes(sql) || PQtransactionStatus(conn(s)->db) != PQTRANS_INTRANS)
        return run_prepared(s, sql, args, n, fn, arg);
    if (exec_script(s, "SAVEPOINT statement") != STORE_OK)
        return STORE_ERROR;
    int rc = run_prepared(s, sql, args, n, fn, arg);
    char saved[sizeof s->errmsg];
    memcpy(saved, s->errmsg, sizeof saved);
    int end = exec_script(s, rc == STORE_OK ? "RELEASE SAVEPOINT statement"
                                            : "ROLLBACK TO SAVEPOINT statement");
    if (rc != STORE_OK)
        memcpy(s->errmsg, saved, sizeof saved);
    return rc != STORE_OK ? rc : end;
}

/*
 * A connection the server closed (a restart, a failover, an idle timeout) is opened again before
 * a statement outside a transaction; its prepared statements went with it. Inside a transaction the
 * statement fails, and so does the transaction, as it must.
 */
static void reopen_if_lost(struct store *s)
{
    struct pg_conn *c = conn(s);
    if (PQstatus(c->db) != CONNECTION_BAD)
        return;
    PQreset(c->db);
    memset(c->cache, 0, sizeof c->cache);
    if (PQstatus(c->db) == CONNECTION_OK) {
        exec_script(s, PG_SESSION_SETUP);
        if (s->busy_ms)
            busy_timeout(s, s->busy_ms);
    }
}

static int run_prepared(struct store *s, const char *sql, const struct store_arg *args, int n,
                        store_row_fn *fn, void *arg)
{
    struct pg_conn *c = conn(s);
    reopen_if_lost(s);
    const char *name = prepared(s, sql, args, n);
    if (!name)
        return STORE_ERROR;
    const char *values[STORE_ARGS_MAX];
    int lengths[STORE_ARGS_MAX], formats[STORE_ARGS_MAX];
    char numbers[STORE_ARGS_MAX][32];
    for (int i = 0; i < n; i++) {
        const struct store_arg *a = &args[i];
        lengths[i] = 0;
        formats[i] = 0;
        if (a->null) {
            values[i] = NULL;
            continue;
        }
        switch (a->type) {
        case 'i':
            snprintf(numbers[i], sizeof numbers[i], "%" PRId64, a->i);
            values[i] = numbers[i];
            break;
        case 'd':
            snprintf(numbers[i], sizeof numbers[i], "%.17g", a->d);
            values[i] = numbers[i];
            break;
        case 'b':
            values[i] = a->blob;
            lengths[i] = (int)a->len;
            formats[i] = 1; /* binary: the bytes as they are */
            break;
        default:
            values[i] = a->text;
        }
    }
    PGresult *res = PQexecPrepared(c->db, name, n, values, lengths, formats, 0);
    ExecStatusType status = PQresultStatus(res);
    int result = STORE_OK;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        const char *tuples = PQcmdTuples(res);
        c->changes = tuples && *tuples ? atoi(tuples) : 0;
        struct store_row row = {&ROW_OPS, res, 0};
        int rows = PQntuples(res);
        for (int i = 0; fn && i < rows && result == STORE_OK; i++) {
            row.i = i;
            result = fn(&row, arg);
        }
    } else {
        result = fail(s, res);
    }
    PQclear(res);
    return result;
}

static int exec_script(struct store *s, const char *sql)
{
    PGresult *res = PQexec(conn(s)->db, sql);
    ExecStatusType status = PQresultStatus(res);
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? STORE_OK : fail(s, res);
    PQclear(res);
    return rc;
}

static int changes(struct store *s)
{
    return conn(s)->changes;
}

static bool in_transaction(struct store *s)
{
    return PQtransactionStatus(conn(s)->db) != PQTRANS_IDLE;
}

static int schema_version(struct store *s)
{
    PGresult *res = PQexec(conn(s)->db, "SELECT coalesce(max(version), 0) FROM solder_schema");
    int v = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                ? atoi(PQgetvalue(res, 0, 0))
                : (fail(s, res), -1);
    PQclear(res);
    return v;
}

/* Applies the migrations the database lacks, each in its transaction, holding PG_MIGRATE_LOCK. */
static int migrate(struct store *s)
{
    if (exec_script(s, "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")") != STORE_OK)
        return STORE_ERROR;
    int rc = exec_script(s, "SET client_min_messages = error;"
                            "CREATE TABLE IF NOT EXISTS solder_schema(version INTEGER NOT NULL, "
                            "applied_at BIGINT NOT NULL)");
    int version = rc == STORE_OK ? schema_version(s) : -1;
    if (version > store_pg_migration_count) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "database schema version %d is newer than this build (%d)", version,
                 store_pg_migration_count);
        rc = STORE_ERROR;
    } else if (version < 0) {
        rc = STORE_ERROR;
    }
    for (int v = version; rc == STORE_OK && v < store_pg_migration_count; v++) {
        char bump[160];
        snprintf(bump, sizeof bump,
                 "INSERT INTO solder_schema(version, applied_at) VALUES (%d, "
                 "(extract(epoch from now()) * 1000)::bigint)",
                 v + 1);
        if (exec_script(s, "BEGIN") != STORE_OK)
            rc = STORE_ERROR;
        else if (exec_script(s, store_pg_migrations[v]) != STORE_OK ||
                 exec_script(s, bump) != STORE_OK || exec_script(s, "COMMIT") != STORE_OK) {
            char saved[sizeof s->errmsg];
            memcpy(saved, s->errmsg, sizeof saved);
            exec_script(s, "ROLLBACK");
            snprintf(s->errmsg, sizeof s->errmsg, "migration %d: %.200s", v + 1, saved);
            rc = STORE_ERROR;
        }
    }
    char saved[sizeof s->errmsg];
    memcpy(saved, s->errmsg, sizeof saved);
    exec_script(s, "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK ")");
    memcpy(s->errmsg, saved, sizeof saved);
    return rc;
}

static void busy_timeout(struct store *s, int ms)
{
    /* PostgreSQL has no "never wait": the shortest wait is a millisecond. */
    char set[64];
    snprintf(set, sizeof set, "SET lock_timeout = %d", ms > 0 ? ms : 1);
    s->busy_ms = ms;
    exec_script(s, set);
}

static int fold_log(struct store *s)
{
    (void)s; /* deleted rows' space is reclaimed by PostgreSQL's vacuum */
    return STORE_OK;
}

static void close_conn(struct store *s)
{
    struct pg_conn *c = conn(s);
    if (!c)
        return;
    PQfinish(c->db);
    free(c);
    s->conn = NULL;
}

static const struct store_driver PG_DRIVER = {
    .dialect = STORE_DIALECT_POSTGRES,
    .run = run,
    .exec = exec_script,
    .changes = changes,
    .in_transaction = in_transaction,
    .schema_version = schema_version,
    .busy_timeout = busy_timeout,
    .fold_log = fold_log,
    .close = close_conn,
};

/* How long a node waits for the database server when it connects. */
#define PG_CONNECT_TIMEOUT "10"

struct store *store_pg_open(const char *url, char *err, size_t err_len)
{
    struct store *s = calloc(1, sizeof *s);
    struct pg_conn *c = calloc(1, sizeof *c);
    if (!s || !c) {
        free(s);
        free(c);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->drv = &PG_DRIVER;
    s->conn = c;
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *values[] = {url, PG_CONNECT_TIMEOUT, "solder", NULL};
    c->db = PQconnectdbParams(keys, values, 1);
    if (!c->db || PQstatus(c->db) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password. */
        const char *why = c->db ? PQerrorMessage(c->db) : "out of memory";
        snprintf(err, err_len, "cannot connect to PostgreSQL: %.*s", (int)strcspn(why, "\n"), why);
        store_close(s);
        return NULL;
    }
    if (exec_script(s, PG_SESSION_SETUP) != STORE_OK || migrate(s) != STORE_OK) {
        snprintf(err, err_len, "PostgreSQL: %s", s->errmsg);
        store_close(s);
        return NULL;
    }
    return s;
}

void store_pg_version(char *out, size_t cap)
{
    int v = PQlibVersion();
    snprintf(out, cap, "libpq %d.%d", v / 10000, v % 10000);
}

int store_pg_schema_latest(void)
{
    return store_pg_migration_count;
}
