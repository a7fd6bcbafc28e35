/*
 * The SQLite backend: opening a database file (WAL mode, pragmas, migrations), running the store's
 * statements on it — each prepared once per connection, cached by the address of its SQL literal —
 * and reading their rows. Not here: any statement of the store's own (the table-group files).
 */
#include "store/sqlite/sqlite.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Statements of one connection, cached by the address of their SQL literal. */
#define SQLITE_STATEMENT_CACHE 256

struct sqlite_conn {
    sqlite3 *db;
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[SQLITE_STATEMENT_CACHE];
};

/* Set once by the server before it opens connections (store_set_sync). */
static enum store_sync sync_mode = STORE_SYNC_NORMAL;

void store_set_sync(enum store_sync mode)
{
    sync_mode = mode;
}

static struct sqlite_conn *conn(struct store *s)
{
    return s->conn;
}

sqlite3 *store_sqlite_db(struct store *s)
{
    return conn(s)->db;
}

/* Records sqlite's message; STORE_CONFLICT for a unique key taken, else STORE_ERROR. */
static int fail(struct store *s, int rc)
{
    sqlite3 *db = conn(s)->db;
    snprintf(s->errmsg, sizeof s->errmsg, "%s", sqlite3_errmsg(db));
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        int ext = sqlite3_extended_errcode(db);
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return STORE_CONFLICT;
    }
    return STORE_ERROR;
}

static sqlite3_stmt *cached(struct store *s, const char *sql)
{
    struct sqlite_conn *c = conn(s);
    size_t h = ((uintptr_t)sql >> 3) % SQLITE_STATEMENT_CACHE;
    for (size_t i = 0; i < SQLITE_STATEMENT_CACHE; i++) {
        size_t k = (h + i) % SQLITE_STATEMENT_CACHE;
        if (c->cache[k].sql == sql)
            return c->cache[k].stmt;
        if (!c->cache[k].sql) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                SQLITE_OK) {
                fail(s, SQLITE_ERROR);
                return NULL;
            }
            c->cache[k].sql = sql;
            c->cache[k].stmt = st;
            return st;
        }
    }
    /* Cache full: a programming error (more distinct statements than slots). */
    snprintf(s->errmsg, sizeof s->errmsg, "statement cache full");
    return NULL;
}

static bool col_null(const void *h, int row, int col)
{
    (void)row;
    return sqlite3_column_type((sqlite3_stmt *)h, col) == SQLITE_NULL;
}

static int64_t col_int64(const void *h, int row, int col)
{
    (void)row;
    return sqlite3_column_int64((sqlite3_stmt *)h, col);
}

static double col_real(const void *h, int row, int col)
{
    (void)row;
    return sqlite3_column_double((sqlite3_stmt *)h, col);
}

static const char *col_text(const void *h, int row, int col)
{
    (void)row;
    return (const char *)sqlite3_column_text((sqlite3_stmt *)h, col);
}

static size_t col_bytes(const void *h, int row, int col)
{
    (void)row;
    return (size_t)sqlite3_column_bytes((sqlite3_stmt *)h, col);
}

static bool col_numeric(const void *h, int row, int col)
{
    (void)row;
    int t = sqlite3_column_type((sqlite3_stmt *)h, col);
    return t == SQLITE_INTEGER || t == SQLITE_FLOAT;
}

static int col_count(const void *h)
{
    return sqlite3_column_count((sqlite3_stmt *)h);
}

static const char *col_name(const void *h, int col)
{
    return sqlite3_column_name((sqlite3_stmt *)h, col);
}

static const struct store_row_ops ROW_OPS = {
    col_null, col_int64, col_real, col_text, col_bytes, col_numeric, col_count, col_name,
};

static void bind(sqlite3_stmt *st, int idx, const struct store_arg *a)
{
    if (a->null) {
        sqlite3_bind_null(st, idx);
        return;
    }
    switch (a->type) {
    case 'i':
        sqlite3_bind_int64(st, idx, a->i);
        break;
    case 'd':
        sqlite3_bind_double(st, idx, a->d);
        break;
    case 'b':
        sqlite3_bind_blob(st, idx, a->blob, (int)a->len, SQLITE_STATIC);
        break;
    default: /* texts ('s', and 'J' for JSON) */
        if (a->text)
            sqlite3_bind_text(st, idx, a->text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, idx);
    }
}

static int run(struct store *s, const char *sql, const struct store_arg *args, int n,
               store_row_fn *fn, void *arg)
{
    sqlite3_stmt *st = cached(s, sql);
    if (!st)
        return STORE_ERROR;
    for (int i = 0; i < n; i++)
        bind(st, i + 1, &args[i]);
    struct store_row row = {&ROW_OPS, st, 0};
    int rc, result = STORE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn && (result = fn(&row, arg)) != STORE_OK)
            break;
    }
    if (result == STORE_OK && rc != SQLITE_DONE)
        result = fail(s, rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

static int exec_script(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(conn(s)->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return STORE_ERROR;
    }
    return STORE_OK;
}

static int changes(struct store *s)
{
    return sqlite3_changes(conn(s)->db);
}

static bool in_transaction(struct store *s)
{
    return sqlite3_get_autocommit(conn(s)->db) == 0;
}

static int schema_version(struct store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(conn(s)->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int migrate(struct store *s)
{
    int version = schema_version(s);
    if (version < 0)
        return STORE_ERROR;
    if (version > store_sqlite_migration_count) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "database schema version %d is newer than this build (%d)", version,
                 store_sqlite_migration_count);
        return STORE_ERROR;
    }
    for (int v = version; v < store_sqlite_migration_count; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
        if (exec_script(s, "BEGIN IMMEDIATE") != STORE_OK)
            return STORE_ERROR;
        if (exec_script(s, store_sqlite_migrations[v]) != STORE_OK ||
            exec_script(s, bump) != STORE_OK) {
            char saved[sizeof s->errmsg];
            memcpy(saved, s->errmsg, sizeof saved);
            exec_script(s, "ROLLBACK");
            snprintf(s->errmsg, sizeof s->errmsg, "migration %d: %.200s", v + 1, saved);
            return STORE_ERROR;
        }
        if (exec_script(s, "COMMIT") != STORE_OK)
            return STORE_ERROR;
    }
    return STORE_OK;
}

/*
 * Waits for another connection's write lock. SQLite's own busy timeout sleeps in steps of
 * milliseconds, which caps a busy server at a few hundred transactions per second; write
 * transactions here last microseconds, so poll finely at first and back off after, giving up
 * after about STORE_BUSY_MS.
 */
#define STORE_BUSY_MS 5000

static int busy_wait(void *arg, int count)
{
    const struct store *s = arg;
    long limit_ms = s ? s->busy_ms : STORE_BUSY_MS;
    long waited_us = count < 200 ? count * 20L : 200 * 20L + (count - 200) * 1000L;
    if (limit_ms <= 0 || waited_us > limit_ms * 1000L)
        return 0;
    usleep(count < 200 ? 20 : 1000);
    return 1;
}

static void busy_timeout(struct store *s, int ms)
{
    s->busy_ms = ms;
    sqlite3_busy_handler(conn(s)->db, busy_wait, s);
}

static int fold_log(struct store *s)
{
    return exec_script(s, "PRAGMA wal_checkpoint(TRUNCATE)");
}

static void close_conn(struct store *s)
{
    struct sqlite_conn *c = conn(s);
    if (!c)
        return;
    for (int i = 0; i < SQLITE_STATEMENT_CACHE; i++)
        sqlite3_finalize(c->cache[i].stmt);
    sqlite3_close(c->db);
    free(c);
    s->conn = NULL;
}

static const struct store_driver SQLITE_DRIVER = {
    .dialect = STORE_DIALECT_SQLITE,
    .run = run,
    .exec = exec_script,
    .changes = changes,
    .in_transaction = in_transaction,
    .schema_version = schema_version,
    .busy_timeout = busy_timeout,
    .fold_log = fold_log,
    .close = close_conn,
};

struct store *store_sqlite_open(const char *path, char *err, size_t err_len)
{
    struct store *s = calloc(1, sizeof *s);
    struct sqlite_conn *c = calloc(1, sizeof *c);
    if (!s || !c) {
        free(s);
        free(c);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->drv = &SQLITE_DRIVER;
    s->conn = c;
    int rc = sqlite3_open_v2(
        path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        store_close(s);
        return NULL;
    }
    sqlite3_busy_handler(c->db, busy_wait, NULL);
    if (exec_script(s, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                       "PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"
                       "PRAGMA journal_size_limit=67108864;") != STORE_OK ||
        exec_script(s, sync_mode == STORE_SYNC_FULL ? "PRAGMA synchronous=FULL"
                                                    : "PRAGMA synchronous=NORMAL") != STORE_OK ||
        (schema_version(s) == 0 && exec_script(s, "PRAGMA auto_vacuum=INCREMENTAL") != STORE_OK) ||
        migrate(s) != STORE_OK) {
        snprintf(err, err_len, "%s: %s", path, s->errmsg);
        store_close(s);
        return NULL;
    }
    sqlite3_wal_hook(c->db, store_wal_hook, NULL); /* replaces SQLite's inline auto-checkpoint */
    return s;
}

void store_sqlite_version(char *out, size_t cap)
{
    snprintf(out, cap, "SQLite %s", sqlite3_libversion());
}

int store_sqlite_schema_latest(void)
{
    return store_sqlite_migration_count;
}
