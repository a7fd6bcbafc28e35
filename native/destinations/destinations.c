/*
 * The destination blocks' entry point: one table row per destination (block type, credential app,
 * runner), the credential lookup they share, and the run of a database block (pool, schema check,
 * statement, retry verdict). The drivers (postgresql.c, mysql.c), statement building (sql.c) and
 * the HTTP destinations (snowflake.c, eventbridge_block.c) live beside it.
 */
#include "destinations/internal.h"

#include "connectors/connectors.h"
#include "crypto/crypto.h"
#include "engine/outbound.h"
#include "engine/stats.h"
#include "json/json.h"
#include "util/buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct destinations {
    struct dest_env env;
    struct pools *pools;
};

typedef void (*http_runner)(const struct destination_call *, const struct wf_block *, const cJSON *,
                            const cJSON *, struct wf_call_result *);

/* One row per destination block type. */
struct destination_kind {
    enum wf_block_type type;
    const char *app;                 /* the credential's app (connectors/APP.json) */
    const char *name;                /* for messages */
    const struct sql_driver *driver; /* databases */
    http_runner run;                 /* HTTP destinations */
};

static const struct destination_kind KINDS[] = {
    {WF_BLOCK_POSTGRESQL, "postgresql", "PostgreSQL", &postgresql_driver, NULL},
    {WF_BLOCK_MYSQL, "mysql", "MySQL", &mysql_driver, NULL},
    {WF_BLOCK_SNOWFLAKE, "snowflake", "Snowflake", NULL, snowflake_run},
    {WF_BLOCK_EVENTBRIDGE, "eventbridge", "Amazon EventBridge", NULL, eventbridge_run},
};

static const struct destination_kind *kind_of(enum wf_block_type type)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (KINDS[i].type == type)
            return &KINDS[i];
    return NULL;
}

bool destinations_handles(enum wf_block_type type)
{
    return kind_of(type) != NULL;
}

struct destinations *destinations_new(const char *dir, bool allow_private,
                                      const char *const *allow_hosts)
{
    struct destinations *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    mysql_driver_init();
    d->env.files_dir = strdup(dir ? dir : ".");
    d->env.policy.allow_private = allow_private;
    d->env.policy.allow_hosts = allow_hosts;
    if (!d->env.files_dir || !(d->pools = pools_new(&d->env))) {
        free(d->env.files_dir);
        free(d);
        return NULL;
    }
    return d;
}

void destinations_free(struct destinations *d)
{
    if (!d)
        return;
    pools_free(d->pools);
    free(d->env.files_dir);
    free(d);
    mysql_driver_end();
}

void dest_error_set(struct dest_error *e, bool retryable, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    e->retryable = retryable;
}

int dest_resolve(const struct dest_env *env, const char *host, char *ip, size_t n,
                 struct dest_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        dest_error_set(err, rc == EAI_AGAIN, "cannot resolve %.100s: %s", host, gai_strerror(rc));
        return -1;
    }
    char why[200] = "";
    bool found = false;
    for (struct addrinfo *a = res; a && !found; a = a->ai_next) {
        if (!ssrf_permits(&env->policy, host, a->ai_addr, why, sizeof why))
            continue;
        const void *bytes = a->ai_family == AF_INET
                                ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
                                : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
        found = inet_ntop(a->ai_family, bytes, ip, (socklen_t)n) != NULL;
    }
    freeaddrinfo(res);
    if (!found)
        dest_error_set(err, false, "%.100s: %.200s", host, why[0] ? why : "no usable address");
    return found ? 0 : -1;
}

int dest_ca_file(const char *dir, const char *pem, char *path, size_t n, struct dest_error *err)
{
    if (!strstr(pem, "-----BEGIN CERTIFICATE-----")) {
        dest_error_set(err, false, "caCertificate must be a PEM certificate");
        return -1;
    }
    unsigned char h[32];
    crypto_sha256(pem, strlen(pem), h);
    char name[80];
    for (int i = 0; i < 16; i++)
        snprintf(name + 2 * i, sizeof name - 2 * (size_t)i, "%02x", h[i]);
    snprintf(path, n, "%s/ca-%s.pem", dir, name);
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    mkdir(dir, 0700);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)gettid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t len = strlen(pem);
    bool ok = fd >= 0 && write(fd, pem, len) == (ssize_t)len;
    if (fd >= 0)
        close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        dest_error_set(err, true, "cannot write the CA certificate below %.100s: %s", dir,
                       strerror(errno));
        return -1;
    }
    return 0;
}

long dest_timeout_ms(const cJSON *inputs)
{
    const cJSON *t = cJSON_GetObjectItem(inputs, "timeoutMs");
    if (!cJSON_IsNumber(t) || !(t->valuedouble >= 1))
        return DEST_TIMEOUT_MS;
    return t->valuedouble > DEST_TIMEOUT_MAX_MS ? DEST_TIMEOUT_MAX_MS : (long)t->valuedouble;
}

static void fail(struct wf_call_result *res, const char *name, const struct dest_error *e)
{
    res->failed = true;
    res->retryable = e->retryable;
    snprintf(res->message, sizeof res->message, "%s: %.230s", name, e->message);
}

/* Remembers the credential's values under secret-looking names (password, privateKey,
 * secretAccessKey, sessionToken...) as secrets of the execution; hosts and user names stay
 * readable in the log. */
static void learn_secrets(struct outbound_secrets *s, const cJSON *credential)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, credential)
    {
        if (m->string && outbound_secret_name(m->string))
            outbound_secrets_add_all(s, m, NULL);
    }
}

/* The key of a credential's pool: its id and a digest of its content, so a changed credential
 * gets fresh connections. */
static void pool_key(const char *app, const char *id, const cJSON *credential, char *out, size_t n)
{
    char *text = json_print(credential);
    unsigned char h[32];
    crypto_sha256(text ? text : "", text ? strlen(text) : 0, h);
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
    int w = snprintf(out, n, "%s:%s:", app, id);
    for (int i = 0; i < 8 && w > 0 && (size_t)w + 2 < n; i++, w += 2)
        snprintf(out + w, n - (size_t)w, "%02x", h[i]);
}

/* Runs the statement once on conn. Returns 0, or -1 with err (err->broken: conn is unusable). */
static int run_statement(const struct sql_driver *drv, struct pool *pool, void *conn,
                         const struct wf_block *b, const cJSON *inputs, long timeout_ms,
                         cJSON **out, struct dest_error *err)
{
    struct sql_params params = {0};
    char *sql = NULL;
    int rc = -1;
    if (b->db.operation == WF_DB_STATEMENT) {
        const cJSON *list = cJSON_GetObjectItem(inputs, "parameters"), *v;
        if (list && !cJSON_IsArray(list)) {
            dest_error_set(err, false, "input 'parameters' must evaluate to an array");
            return -1;
        }
        cJSON_ArrayForEach(v, list)
        {
            if (sql_params_add(&params, drv->dialect, v, NULL) != 0) {
                dest_error_set(err, true, "out of memory");
                sql_params_free(&params);
                return -1;
            }
        }
        sql = strdup(b->db.sql);
    } else {
        const cJSON *values = cJSON_GetObjectItem(inputs, "values");
        if (!cJSON_IsObject(values) || !values->child) {
            dest_error_set(err, false,
                           "input 'values' must evaluate to an object of column name to value");
            return -1;
        }
        cJSON *columns = pool_columns(pool, conn, b->db.table, false, err);
        if (columns) {
            sql = sql_build_write(drv->dialect, b->db.table, values, columns, b->db.key,
                                  b->db.operation == WF_DB_UPSERT ? b->db.nkey : 0, &params, err);
            cJSON_Delete(columns);
        }
        if (!sql && columns && !err->retryable) {
            /* A column added since the schema was read: read it again, once. */
            struct dest_error again = {0};
            cJSON *fresh = pool_columns(pool, conn, b->db.table, true, &again);
            if (fresh) {
                sql_params_free(&params);
                sql =
                    sql_build_write(drv->dialect, b->db.table, values, fresh, b->db.key,
                                    b->db.operation == WF_DB_UPSERT ? b->db.nkey : 0, &params, err);
                cJSON_Delete(fresh);
            }
        }
    }
    if (sql) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = drv->execute(conn, sql, &params, timeout_ms, out, err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        stats_observe(&ENGINE_STATS.delivery, (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
                                                  (t1.tv_nsec - t0.tv_nsec) / 1000);
    }
    free(sql);
    sql_params_free(&params);
    return rc;
}

static void run_database(struct destinations *d, const struct destination_kind *k,
                         const char *cred_id, const cJSON *credential, const struct wf_block *b,
                         const cJSON *inputs, struct wf_call_result *res)
{
    const struct sql_driver *drv = k->driver;
    char key[160];
    pool_key(k->app, cred_id, credential, key, sizeof key);
    struct pool *pool = pools_acquire(d->pools, drv, key);
    struct dest_error err = {0};
    if (!pool) {
        dest_error_set(&err, true, "no connection pool is free (more than %d credentials in use)",
                       POOLS_MAX);
        fail(res, k->name, &err);
        return;
    }
    long timeout_ms = dest_timeout_ms(inputs);
    cJSON *out = NULL;
    /* A pooled connection the server dropped meanwhile fails at once: one more try on a new one. */
    for (int tries = 0; tries < 2; tries++) {
        bool reused = false;
        memset(&err, 0, sizeof err);
        void *conn = pool_checkout(pool, credential, &reused, &err);
        if (!conn)
            break;
        int rc = run_statement(drv, pool, conn, b, inputs, timeout_ms, &out, &err);
        pool_checkin(pool, conn, rc != 0 && err.broken);
        if (rc == 0 || !(err.broken && reused))
            break;
    }
    pools_release(d->pools, pool);
    if (out) {
        cJSON_AddStringToObject(out, "operation", workflow_db_operation_name(b->db.operation));
        res->output = out;
    } else {
        fail(res, k->name, &err);
    }
}

void destinations_run(struct destinations *d, const struct destination_call *call,
                      const struct wf_block *block, const cJSON *inputs, struct wf_call_result *res)
{
    const struct destination_kind *k = kind_of(block->type);
    if (!k) {
        res->failed = true;
        snprintf(res->message, sizeof res->message, "%s is not a destination", block->type_name);
        return;
    }
    cJSON *credential = NULL;
    char id[ID_LEN + 1] = "", err[256] = "";
    int rc =
        connectors_credential_for(call->connectors, call->store, call->env_id, call->user_id,
                                  k->app, call->installation_id, &credential, id, err, sizeof err);
    if (rc != STORE_OK) {
        res->failed = true;
        res->retryable = rc == STORE_ERROR && !strstr(err, "decrypted");
        if (rc == STORE_NOT_FOUND)
            snprintf(res->message, sizeof res->message,
                     "%s: the user has no %s credential (connect one in the install modal, or "
                     "POST /headless/credentials with type '%s')",
                     k->name, k->name, k->app);
        else
            snprintf(res->message, sizeof res->message, "%s: %.220s", k->name, err);
        return;
    }
    if (call->outbound && call->outbound->secrets)
        learn_secrets(call->outbound->secrets, credential);
    if (k->driver)
        run_database(d, k, id, credential, block, inputs, res);
    else
        k->run(call, block, credential, inputs, res);
    cJSON_Delete(credential);
}
