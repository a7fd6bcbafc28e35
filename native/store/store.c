/*
 * Store core: where the store lives (a database URL), opening it on its backend (store/sqlite/,
 * store/postgres/), transactions, and what every backend shares. The table-group files (account.c,
 * users.c, runs.c, …) hold the queries; this file holds none of theirs.
 */
#include "store/store_internal.h"

#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Every explicit transaction on PostgreSQL holds this advisory lock until it ends, so that
 * transactions of all nodes write one after another, as SQLite's BEGIN IMMEDIATE makes them; single
 * statements (claims, steps, outcomes) do not take it. */
#define STORE_PG_WRITE_LOCK "4242270001"

int store_schema_latest(void)
{
    return store_sqlite_schema_latest();
}

void store_backend_version(char *out, size_t cap)
{
    char lite[64], pg[64];
    store_sqlite_version(lite, sizeof lite);
    store_pg_version(pg, sizeof pg);
    snprintf(out, cap, "%s, %s", lite, pg);
}

int64_t store_now(void)
{
    return plat_now_ms();
}

const char *store_errmsg(struct store *s)
{
    return s->errmsg;
}

int store_schema_version(struct store *s)
{
    return s->drv->schema_version(s);
}

void store_set_busy_timeout(struct store *s, int ms)
{
    s->drv->busy_timeout(s, ms);
}

bool store_is_postgres(const char *target)
{
    return target && (strncasecmp(target, "postgres://", 11) == 0 ||
                      strncasecmp(target, "postgresql://", 13) == 0);
}

int store_locate(const char *url, const char *data_dir, char *path, size_t path_len, char *err,
                 size_t err_len)
{
    int n;
    if (!url || !*url)
        n = snprintf(path, path_len, "%s/solder.db", data_dir);
    else if (strncmp(url, "sqlite:", 7) == 0 && url[7])
        n = snprintf(path, path_len, "%s", url + 7);
    else if (store_is_postgres(url))
        n = snprintf(path, path_len, "%s", url);
    else {
        /* Only the scheme is repeated: the rest of a URL may hold a password. */
        snprintf(err, err_len,
                 "database URL must be sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB, not a "
                 "\"%.*s\" URL",
                 (int)strcspn(url, ":/@"), url);
        return STORE_ERROR;
    }
    if (n < 0 || (size_t)n >= path_len) {
        snprintf(err, err_len, "database URL too long");
        return STORE_ERROR;
    }
    return STORE_OK;
}

void store_lock_file(const char *path, char *out, size_t out_len)
{
    if (store_is_postgres(path))
        snprintf(out, out_len, "%s", "");
    else
        snprintf(out, out_len, "%s.lock", path);
}

struct store *store_open(const char *path, char *err, size_t err_len)
{
    return store_is_postgres(path) ? store_pg_open(path, err, err_len)
                                   : store_sqlite_open(path, err, err_len);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    s->drv->close(s);
    free(s);
}

int store_checkpointer_start(const char *path, char *err, size_t err_len)
{
    return store_is_postgres(path) ? 0 : store_sqlite_checkpointer_start(path, err, err_len);
}

void store_checkpointer_stop(void)
{
    store_sqlite_checkpointer_stop();
}

/* The advisory locks of the leads (store_lead): the first of them plus the lead. */
#define STORE_PG_LEAD_LOCKS 4242270010

bool store_lead(struct store *s, enum store_lead what)
{
    int64_t lead = 0;
    int rc = store_rows(
        s, STORE_SQL(s, "SELECT 1 WHERE ?1 >= 0", "SELECT pg_try_advisory_lock(?1)"),
        store_row_int64, &lead, STORE_ARGS(store_int((int64_t)(STORE_PG_LEAD_LOCKS + what))));
    return rc == STORE_OK && lead;
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

void store_disk_usage(struct store *s, const char *target, int64_t *db, int64_t *log)
{
    *db = *log = 0;
    if (store_is_postgres(target)) {
        if (s)
            store_rows(s, "SELECT pg_database_size(current_database())", store_row_int64, db,
                       STORE_NO_ARGS);
        return;
    }
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", target);
    *db = file_size(target);
    *log = file_size(wal);
}

int store_signal(struct store *s, const char *channel)
{
    if (s->drv->dialect != STORE_DIALECT_POSTGRES)
        return STORE_OK;
    return store_query(s, "SELECT pg_notify(?1, '')", NULL, STORE_ARGS(store_text(channel)));
}

int store_begin(struct store *s)
{
    return s->drv->exec(s,
                        STORE_SQL(s, "BEGIN IMMEDIATE",
                                  "BEGIN; SELECT pg_advisory_xact_lock(" STORE_PG_WRITE_LOCK ")"));
}

/*
 * A kept savepoint is released at once on SQLite. On PostgreSQL each statement is a round trip to
 * the server, and a writer's group keeps one savepoint per request: there the RELEASE waits and
 * goes with the next request's SAVEPOINT in one exchange, or is left to the COMMIT, which releases
 * every savepoint. A statement run meanwhile belongs to the kept savepoint, which changes nothing.
 */
int store_commit(struct store *s)
{
    s->release_due = false;
    return store_query(s, "COMMIT", NULL, STORE_NO_ARGS);
}

void store_rollback(struct store *s)
{
    s->release_due = false;
    store_query(s, "ROLLBACK", NULL, STORE_NO_ARGS);
}

int store_savepoint(struct store *s)
{
    int rc;
    if (s->release_due) {
        s->release_due = false;
        rc = s->drv->exec(s, "RELEASE request; SAVEPOINT request");
    } else {
        rc = store_query(s, "SAVEPOINT request", NULL, STORE_NO_ARGS);
    }
    s->savepoints += rc == STORE_OK;
    return rc;
}

int store_savepoint_end(struct store *s, bool keep)
{
    if (s->savepoints > 0)
        s->savepoints--;
    if (keep && s->drv->dialect == STORE_DIALECT_POSTGRES) {
        s->release_due = true;
        return STORE_OK;
    }
    if (!keep && store_query(s, "ROLLBACK TO request", NULL, STORE_NO_ARGS) != STORE_OK)
        return STORE_ERROR;
    return store_query(s, "RELEASE request", NULL, STORE_NO_ARGS);
}
