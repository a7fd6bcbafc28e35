/*
 * Store core: opening the database, pragmas, numbered migrations and the prepared-statement cache.
 * The table-group files (account.c, keys.c, users.c) hold the queries; this file holds none.
 */
#include "store/store_internal.h"

#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Migration n brings the schema from version n to n+1; applied in order, each in its transaction.
 */
static const char *const MIGRATIONS[] = {
    /* 1: identity */
    "CREATE TABLE accounts(id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE environments(id TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES accounts(id), name TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, UNIQUE(account_id, name));"
    "CREATE TABLE api_keys(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES environments(id),"
    "  hash BLOB NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER);"
    "CREATE TABLE users(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES environments(id),"
    "  username TEXT, full_name TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX users_env_username ON users(env_id, username);"
    "CREATE INDEX users_env_created ON users(env_id, created_at);"
    "CREATE TABLE signing_keys(id TEXT PRIMARY KEY, alg TEXT NOT NULL, private_pem TEXT NOT NULL,"
    "  public_pem TEXT NOT NULL, created_at INTEGER NOT NULL, retired_at INTEGER);",

    /* 2: integrations, versioned workflows, events, installations, executions */
    "CREATE TABLE integrations(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES "
    "environments(id),"
    "  name TEXT NOT NULL, app TEXT, icon TEXT, description TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(env_id, name));"
    "CREATE TABLE workflows(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES environments(id),"
    "  integration_id TEXT NOT NULL REFERENCES integrations(id), name TEXT NOT NULL,"
    "  draft TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(env_id, name));"
    "CREATE INDEX workflows_integration ON workflows(integration_id);"
    "CREATE TABLE workflow_versions(workflow_id TEXT NOT NULL REFERENCES workflows(id),"
    "  version INTEGER NOT NULL, definition TEXT NOT NULL, trigger_type TEXT NOT NULL,"
    "  trigger_event TEXT, blocks TEXT NOT NULL, fields TEXT NOT NULL, released_at INTEGER NOT "
    "NULL,"
    "  PRIMARY KEY(workflow_id, version));"
    "CREATE TABLE events(env_id TEXT NOT NULL REFERENCES environments(id), name TEXT NOT NULL,"
    "  description TEXT, body TEXT NOT NULL, schema TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(env_id, name));"
    "CREATE TABLE installations(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  workflow_id TEXT NOT NULL REFERENCES workflows(id),"
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  integration_id TEXT NOT NULL, version INTEGER NOT NULL, active INTEGER NOT NULL,"
    "  config TEXT NOT NULL DEFAULT '{}', trigger_type TEXT NOT NULL, trigger_event TEXT,"
    "  installed_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(workflow_id, user_id));"
    "CREATE INDEX installations_trigger ON installations(user_id, trigger_type, trigger_event);"
    "CREATE TABLE install_sessions(id TEXT PRIMARY KEY, env_id TEXT NOT NULL, user_id TEXT NOT "
    "NULL,"
    "  integration_id TEXT NOT NULL, workflow_ids TEXT NOT NULL, state TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE run_events(id TEXT PRIMARY KEY, env_id TEXT NOT NULL, user_id TEXT NOT NULL,"
    "  name TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE INDEX run_events_user ON run_events(user_id);"
    "CREATE TABLE executions(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  installation_id TEXT NOT NULL, workflow_id TEXT NOT NULL, user_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL, event_id TEXT, status TEXT NOT NULL, attempt INTEGER NOT NULL,"
    "  run_at INTEGER NOT NULL, lease_until INTEGER, state TEXT NOT NULL,"
    "  error TEXT, error_block TEXT, created_at INTEGER NOT NULL, started_at INTEGER,"
    "  finished_at INTEGER);"
    "CREATE INDEX executions_due ON executions(run_at) WHERE status = 'queued';"
    "CREATE INDEX executions_leased ON executions(lease_until) WHERE status = 'running';"
    "CREATE INDEX executions_installation ON executions(installation_id, created_at);"
    "CREATE INDEX executions_workflow ON executions(workflow_id, created_at);"
    "CREATE INDEX executions_user ON executions(user_id);"
    "CREATE INDEX executions_created ON executions(env_id, created_at);"
    "CREATE TABLE execution_steps(execution_id TEXT NOT NULL REFERENCES executions(id)"
    "  ON DELETE CASCADE, seq INTEGER NOT NULL, block_id TEXT NOT NULL, block_type TEXT NOT NULL,"
    "  block_name TEXT, step_key TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL, stopped_at INTEGER NOT NULL, inputs TEXT, output TEXT,"
    "  error TEXT, PRIMARY KEY(execution_id, seq));"
    "CREATE TABLE execution_errors(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  execution_id TEXT NOT NULL, workflow_id TEXT NOT NULL, installation_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL, block TEXT, message TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  streamed INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX execution_errors_workflow ON execution_errors(workflow_id, created_at);"
    "CREATE INDEX execution_errors_user ON execution_errors(user_id);"
    "CREATE INDEX execution_errors_unstreamed ON execution_errors(created_at) WHERE streamed = 0;"
    "CREATE TABLE settings(env_id TEXT PRIMARY KEY REFERENCES environments(id),"
    "  error_webhook_url TEXT, error_webhook_secret TEXT, signing_secret TEXT,"
    "  log_retention_days INTEGER NOT NULL DEFAULT 60);"
    "CREATE TABLE server_keys(name TEXT PRIMARY KEY, private_pem TEXT NOT NULL,"
    "  public_pem TEXT NOT NULL, created_at INTEGER NOT NULL);",

    /* 3: app credentials (sealed), webhook subscriptions of app triggers, inbound deliveries */
    "CREATE TABLE credentials(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, app TEXT NOT NULL,"
    "  name TEXT NOT NULL, sealed TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX credentials_user_app ON credentials(user_id, app, created_at);"
    "CREATE TABLE app_subscriptions(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL, workflow_id TEXT NOT NULL, app TEXT NOT NULL,"
    "  trigger_name TEXT NOT NULL, credential_id TEXT, sealed_secret TEXT NOT NULL,"
    "  remote TEXT, state TEXT NOT NULL, error TEXT, created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL, UNIQUE(workflow_id, user_id));"
    "CREATE TABLE app_deliveries(id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL,"
    "  payload TEXT NOT NULL, created_at INTEGER NOT NULL);",

    /* 4: schedule triggers' next run, single-use install links */
    "ALTER TABLE installations ADD COLUMN next_run_at INTEGER;"
    "CREATE INDEX installations_schedule ON installations(next_run_at) "
    "  WHERE trigger_type = 'schedule' AND active = 1;"
    "CREATE TABLE used_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);",

    /* 5: OAuth2 — a credential can be marked invalid; authorization requests in flight */
    "ALTER TABLE credentials ADD COLUMN error TEXT;"
    "CREATE TABLE oauth_states(state TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL, app TEXT NOT NULL, sealed_verifier TEXT NOT NULL,"
    "  params TEXT NOT NULL, redirect_uri TEXT NOT NULL, sealed_code TEXT,"
    "  created_at INTEGER NOT NULL);",

    /* 6: polling app triggers: the item keys already run, per subscription */
    "CREATE TABLE poll_seen(subscription_id TEXT NOT NULL, key TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, PRIMARY KEY(subscription_id, key));",

    /* 7: a plain index for schedules: a partial index whose condition names trigger_type made
     * SQLite re-prepare every statement binding trigger_type (the hot INSERT of /run/event) */
    "DROP INDEX installations_schedule;"
    "CREATE INDEX installations_schedule ON installations(trigger_type, next_run_at);",

    /* 8: an install session may pin workflow versions (versionIds) */
    "ALTER TABLE install_sessions ADD COLUMN versions TEXT;",

    /* 9: credentials chosen at installation (credentialIds: app -> credential id) */
    "ALTER TABLE install_sessions ADD COLUMN credential_ids TEXT;"
    "ALTER TABLE installations ADD COLUMN credential_ids TEXT;",

    /* 10: no query looks executions up by installation; the index only cost every enqueue */
    "DROP INDEX executions_installation;",

    /* 11: dashboard sign-in: operator accounts (Argon2id hashes), sessions and the one-time setup
     * token (both stored as SHA-256 hashes), failed sign-ins per account and per address; when an
     * API key was last used */
    "CREATE TABLE dashboard_accounts(id TEXT PRIMARY KEY,"
    "  email TEXT NOT NULL COLLATE NOCASE UNIQUE, password_hash TEXT NOT NULL, created_at INTEGER "
    "NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE dashboard_sessions(id_hash TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES dashboard_accounts(id) ON DELETE CASCADE,"
    "  environment TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);"
    "CREATE INDEX dashboard_sessions_account ON dashboard_sessions(account_id);"
    "CREATE TABLE dashboard_setup_tokens(hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);"
    "CREATE TABLE login_failures(key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
    "  first_at INTEGER NOT NULL);"
    "ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;",

    /* 12: the process holding an execution's lease, which renews it while it lives */
    "ALTER TABLE executions ADD COLUMN lease_owner TEXT;",

    /* 13: a failed app-trigger subscription is retried with backoff (attempts, retry_at, set only
     * while it is in error) and shown (last_attempt_at); an error row is an execution's or a
     * subscription's (kind; execution_id then holds the subscription's id) */
    "ALTER TABLE app_subscriptions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE app_subscriptions ADD COLUMN retry_at INTEGER;"
    "ALTER TABLE app_subscriptions ADD COLUMN last_attempt_at INTEGER;"
    "CREATE INDEX app_subscriptions_retry ON app_subscriptions(retry_at);"
    "ALTER TABLE execution_errors ADD COLUMN kind TEXT NOT NULL DEFAULT 'execution';",

    /* 14: who released each workflow version: a dashboard account's email, "API key <prefix>", or
     * the command that imported it */
    "ALTER TABLE workflow_versions ADD COLUMN released_by TEXT;",

    /* 15: error streaming to Amazon EventBridge: bus, region, keys (the secret ones sealed), as
     * JSON */
    "ALTER TABLE settings ADD COLUMN error_eventbridge TEXT;",

    /* 16: an environment's own rate limits (JSON: {key, user, event} buckets), http/ratelimit.c */
    "ALTER TABLE settings ADD COLUMN rate_limits TEXT;",
};

#define MIGRATION_COUNT ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

int store_schema_latest(void)
{
    return MIGRATION_COUNT;
}

void store_backend_version(char *out, size_t cap)
{
    snprintf(out, cap, "SQLite %s", sqlite3_libversion());
}

static const char *const STATEMENT_SQL[] = {
#define X(name, sql) sql,
    STORE_STATEMENTS(X)
#undef X
};

/* Set once by the server before it opens connections (store_set_sync). */
static enum store_sync sync_mode = STORE_SYNC_NORMAL;

void store_set_sync(enum store_sync mode)
{
    sync_mode = mode;
}

int64_t store_now(void)
{
    return plat_now_ms();
}

int store_fail(struct store *s, int rc)
{
    snprintf(s->errmsg, sizeof s->errmsg, "%s", sqlite3_errmsg(s->db));
    if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT) {
        int ext = sqlite3_extended_errcode(s->db);
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return STORE_CONFLICT;
    }
    return STORE_ERROR;
}

const char *store_errmsg(struct store *s)
{
    return s->errmsg;
}

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id)
{
    sqlite3_stmt *st = s->stmts[id];
    if (!st) {
        if (sqlite3_prepare_v3(s->db, STATEMENT_SQL[id], -1, SQLITE_PREPARE_PERSISTENT, &st,
                               NULL) != SQLITE_OK) {
            store_fail(s, SQLITE_ERROR);
            return NULL;
        }
        s->stmts[id] = st;
    }
    return st;
}

void store_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

char *store_column_strdup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? strdup((const char *)t) : NULL;
}

void store_column_copy(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

int store_exec_stmt(struct store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int out = rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_fail(s, rc);
    store_done(st);
    return out;
}

static int exec_sql(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return STORE_ERROR;
    }
    return STORE_OK;
}

int store_schema_version(struct store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int migrate(struct store *s)
{
    int version = store_schema_version(s);
    if (version < 0)
        return STORE_ERROR;
    if (version > MIGRATION_COUNT) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "database schema version %d is newer than this build (%d)", version,
                 MIGRATION_COUNT);
        return STORE_ERROR;
    }
    for (int v = version; v < MIGRATION_COUNT; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
        if (exec_sql(s, "BEGIN IMMEDIATE") != STORE_OK)
            return STORE_ERROR;
        if (exec_sql(s, MIGRATIONS[v]) != STORE_OK || exec_sql(s, bump) != STORE_OK) {
            char saved[sizeof s->errmsg];
            memcpy(saved, s->errmsg, sizeof saved);
            exec_sql(s, "ROLLBACK");
            snprintf(s->errmsg, sizeof s->errmsg, "migration %d: %.200s", v + 1, saved);
            return STORE_ERROR;
        }
        if (exec_sql(s, "COMMIT") != STORE_OK)
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

void store_set_busy_timeout(struct store *s, int ms)
{
    s->busy_ms = ms;
    sqlite3_busy_handler(s->db, busy_wait, s);
}

int store_locate(const char *url, const char *data_dir, char *path, size_t path_len, char *err,
                 size_t err_len)
{
    int n;
    if (!url || !*url)
        n = snprintf(path, path_len, "%s/solder.db", data_dir);
    else if (strncmp(url, "sqlite:", 7) == 0 && url[7])
        n = snprintf(path, path_len, "%s", url + 7);
    else if (strncasecmp(url, "postgres://", 11) == 0 ||
             strncasecmp(url, "postgresql://", 13) == 0) {
        snprintf(err, err_len,
                 "a postgres:// database is not available in this build: it stores "
                 "into SQLite only (sqlite:PATH)");
        return STORE_ERROR;
    } else {
        /* Only the scheme is repeated: the rest of a URL may hold a password. */
        snprintf(err, err_len, "database URL must be sqlite:PATH, not a \"%.*s\" URL",
                 (int)strcspn(url, ":/@"), url);
        return STORE_ERROR;
    }
    if (n < 0 || (size_t)n >= path_len) {
        snprintf(err, err_len, "database path too long");
        return STORE_ERROR;
    }
    return STORE_OK;
}

void store_lock_file(const char *path, char *out, size_t out_len)
{
    snprintf(out, out_len, "%s.lock", path);
}

struct store *store_open(const char *path, char *err, size_t err_len)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite3_close(s->db);
        free(s);
        return NULL;
    }
    sqlite3_busy_handler(s->db, busy_wait, NULL);
    if (exec_sql(s, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                    "PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"
                    "PRAGMA journal_size_limit=67108864;") != STORE_OK ||
        exec_sql(s, sync_mode == STORE_SYNC_FULL ? "PRAGMA synchronous=FULL"
                                                 : "PRAGMA synchronous=NORMAL") != STORE_OK ||
        (store_schema_version(s) == 0 &&
         exec_sql(s, "PRAGMA auto_vacuum=INCREMENTAL") != STORE_OK) ||
        migrate(s) != STORE_OK) {
        snprintf(err, err_len, "%s: %s", path, s->errmsg);
        store_close(s);
        return NULL;
    }
    sqlite3_wal_hook(s->db, store_wal_hook, NULL); /* replaces SQLite's inline auto-checkpoint */
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    for (int i = 0; i < STORE_QUERY_CACHE; i++)
        sqlite3_finalize(s->cache[i].stmt);
    sqlite3_close(s->db);
    free(s);
}

int store_begin(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, STMT_BEGIN);
    return st ? store_exec_stmt(s, st) : STORE_ERROR;
}

int store_commit(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, STMT_COMMIT);
    return st ? store_exec_stmt(s, st) : STORE_ERROR;
}

void store_rollback(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, STMT_ROLLBACK);
    if (st)
        store_exec_stmt(s, st);
}

int store_savepoint(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, STMT_SAVEPOINT);
    return st ? store_exec_stmt(s, st) : STORE_ERROR;
}

int store_savepoint_end(struct store *s, bool keep)
{
    sqlite3_stmt *st;
    if (!keep && (st = store_stmt(s, STMT_ROLLBACK_TO)) && store_exec_stmt(s, st) != STORE_OK)
        return STORE_ERROR;
    st = store_stmt(s, STMT_RELEASE);
    return st ? store_exec_stmt(s, st) : STORE_ERROR;
}
