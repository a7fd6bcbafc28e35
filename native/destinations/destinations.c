/*
 * The destination blocks' entry point: one table row per destination (block type, credential app,
 * runner), the credential lookup they share, the run of a database block (pool, schema check,
 * statement, retry verdict), and the check of a workflow's database blocks against the live schema
 * when it is installed. The drivers (postgresql.c, mysql.c), statement building (sql.c) and
 * the HTTP destinations (snowflake.c, eventbridge_block.c) live beside it.
 */
#include "destinations/internal.h"

#include "connectors/connectors.h"
#include "crypto/crypto.h"
#include "engine/engine.h"
#include "engine/outbound.h"
#include "base/stats.h"
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

typedef void (*http_runner)(const struct engine_block_call *, const struct wf_block *,
                            const cJSON *, const cJSON *, struct wf_call_result *);

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

void destinations_run(struct destinations *d, struct connectors *c,
                      const struct engine_block_call *call, const struct wf_block *block,
                      const cJSON *inputs, struct wf_call_result *res)
{
    const struct destination_kind *k = kind_of(block->type);
    if (!k) {
        res->failed = true;
        snprintf(res->message, sizeof res->message, "%s is not a destination", block->type_name);
        return;
    }
    cJSON *credential = NULL;
    char id[ID_LEN + 1] = "", err[256] = "";
    int rc = connectors_credential_for(c, call->store, call->env_id, call->user_id, k->app,
                                       call->installation_id, &credential, id, err, sizeof err);
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

/* ---- names checked when an installation is completed ---- */

/* One database destination's state during a check: a connection through the credential the
 * installation uses, taken at its first block; once it cannot be had, one warning and no more
 * checks of that destination. */
struct check_db {
    bool tried;
    struct pool *pool;
    void *conn;
};

struct check {
    struct destinations *d;
    struct connectors *c;
    struct store *s;
    const char *env_id, *user_id, *installation_id;
    const cJSON *chosen;
    struct check_db dbs[sizeof KINDS / sizeof KINDS[0]];
    cJSON *errors, *warnings;
};

static void check_note(cJSON *list, const struct buf *path, const char *member, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

static void check_note(cJSON *list, const struct buf *path, const char *member, const char *fmt,
                       ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    struct buf p = {0};
    buf_append(&p, path->data, path->len);
    buf_puts(&p, member);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", p.data ? p.data : "");
    cJSON_AddStringToObject(o, "message", message);
    cJSON_AddItemToArray(list, o);
    buf_free(&p);
}

/* "/" then name as a JSON Pointer token (~ as ~0, / as ~1). */
static void pointer_token(struct buf *b, const char *name)
{
    buf_putc(b, '/');
    for (const char *s = name; *s; s++)
        buf_puts(b, *s == '~' ? "~0" : *s == '/' ? "~1" : (char[]){*s, 0});
}

static void check_connect(struct check *ck, const struct destination_kind *k, struct check_db *db,
                          const struct buf *path)
{
    db->tried = true;
    cJSON *credential = NULL;
    char id[ID_LEN + 1] = "", why[256] = "";
    const char *chosen = cJSON_IsObject(ck->chosen) ? json_get_str(ck->chosen, k->app) : NULL;
    int rc = chosen
                 ? connectors_credential_chosen(ck->c, ck->s, ck->env_id, ck->user_id, k->app,
                                                chosen, &credential, id, why, sizeof why)
                 : connectors_credential_for(ck->c, ck->s, ck->env_id, ck->user_id, k->app,
                                             ck->installation_id, &credential, id, why, sizeof why);
    struct dest_error err = {0};
    if (rc == STORE_OK) {
        char key[160];
        pool_key(k->app, id, credential, key, sizeof key);
        db->pool = pools_acquire(ck->d->pools, k->driver, key);
        bool reused = false;
        if (!db->pool)
            dest_error_set(&err, true, "no connection pool is free");
        else
            db->conn = pool_checkout(db->pool, credential, &reused, &err);
        snprintf(why, sizeof why, "%.250s", err.message);
    }
    cJSON_Delete(credential);
    if (!db->conn)
        check_note(ck->warnings, path, "",
                   "%s: table and column names could not be checked against the database now "
                   "(%.240s); they are checked when the workflow runs",
                   k->name, why);
}

static void check_block(struct check *ck, const struct wf_block *b, const struct buf *path)
{
    const struct destination_kind *k = kind_of(b->type);
    if (!k || !k->driver || b->db.operation == WF_DB_STATEMENT || !b->db.table)
        return;
    struct check_db *db = &ck->dbs[k - KINDS];
    if (!db->tried)
        check_connect(ck, k, db, path);
    if (!db->conn)
        return;
    char *schema, *table;
    sql_split_table(b->db.table, &schema, &table);
    cJSON *cols = NULL;
    struct dest_error err = {0};
    int rc = table ? k->driver->columns(db->conn, schema, table, &cols, &err) : -1;
    free(schema);
    free(table);
    if (rc != 0) {
        pool_checkin(db->pool, db->conn, true);
        db->conn = NULL;
        check_note(ck->warnings, path, "",
                   "%s: table and column names could not be checked against the database now "
                   "(%.240s); they are checked when the workflow runs",
                   k->name, err.message);
        return;
    }
    if (!cols) {
        check_note(ck->errors, path, "/table",
                   "%s: table %.120s does not exist (or the credential's user cannot see it)",
                   k->name, b->db.table);
        return;
    }
    const struct wf_value *values = NULL;
    for (int i = 0; i < b->inputs.count; i++)
        if (b->inputs.items[i].key && strcmp(b->inputs.items[i].key, "values") == 0)
            values = &b->inputs.items[i];
    /* values written as one expression name their columns only when they run */
    for (int i = 0; values && values->kind == WF_VALUE_OBJECT && i < values->count; i++) {
        const char *name = values->items[i].key;
        if (!name || sql_has_column(k->driver->dialect, cols, name))
            continue;
        sql_unknown_column(cols, b->db.table, name, &err);
        struct buf member = {0};
        buf_puts(&member, "/inputs/values");
        pointer_token(&member, name);
        check_note(ck->errors, path, member.data ? member.data : "", "%s: %s", k->name,
                   err.message);
        buf_free(&member);
    }
    for (int i = 0; b->db.operation == WF_DB_UPSERT && i < b->db.nkey; i++) {
        if (sql_has_column(k->driver->dialect, cols, b->db.key[i]))
            continue;
        sql_unknown_column(cols, b->db.table, b->db.key[i], &err);
        char member[32];
        snprintf(member, sizeof member, "/key/%d", i);
        check_note(ck->errors, path, member, "%s: %s", k->name, err.message);
    }
    cJSON_Delete(cols);
}

static void check_sequence(struct check *ck, const struct wf_sequence *seq, struct buf *path)
{
    size_t base = path->len;
    for (int i = 0; i < seq->count; i++) {
        const struct wf_block *b = &seq->blocks[i];
        path->len = base;
        buf_printf(path, "/%d", i);
        check_block(ck, b, path);
        size_t at = path->len;
        static const char *const NESTED[] = {"/then", "/else", "/blocks"};
        const struct wf_sequence *nested[] = {&b->then_blocks, &b->else_blocks, &b->body};
        for (size_t n = 0; n < sizeof NESTED / sizeof NESTED[0]; n++) {
            path->len = at;
            buf_puts(path, NESTED[n]);
            check_sequence(ck, nested[n], path);
        }
        for (int a = 0; a < b->narms; a++) {
            path->len = at;
            buf_printf(path, "/branches/%d/blocks", a);
            check_sequence(ck, &b->arms[a].blocks, path);
        }
    }
    path->len = base;
    if (path->data)
        path->data[base] = '\0';
}

void destinations_check(struct destinations *d, struct connectors *c, struct store *s,
                        const struct destinations_check_call *call, const struct workflow_def *def,
                        cJSON *errors, cJSON *warnings)
{
    struct check ck = {.d = d,
                       .c = c,
                       .s = s,
                       .env_id = call->env_id,
                       .user_id = call->user_id,
                       .installation_id = call->installation_id,
                       .chosen = call->credential_ids,
                       .errors = errors,
                       .warnings = warnings};
    struct buf path = {0};
    buf_puts(&path, "/blocks");
    check_sequence(&ck, &def->blocks, &path);
    buf_free(&path);
    for (size_t i = 0; i < sizeof ck.dbs / sizeof ck.dbs[0]; i++) {
        if (ck.dbs[i].conn)
            pool_checkin(ck.dbs[i].pool, ck.dbs[i].conn, false);
        if (ck.dbs[i].pool)
            pools_release(d->pools, ck.dbs[i].pool);
    }
}
