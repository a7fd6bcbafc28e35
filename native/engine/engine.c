/*
 * The worker pool: start, stop, wake, and the claim loop each worker runs. What a worker does with
 * a claimed execution is in worker.c; error streaming and retention in maintenance.c.
 */
#include "engine/engine_internal.h"

#include "app.h"
#include "connectors/connectors.h"
#include "engine/definitions.h"
#include "http/ws.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/runs.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Waits up to ms for *counter to move (a wake signalled on cv) or for the engine to stop. */
static void wait_on(struct engine *e, pthread_cond_t *cv, const unsigned long *counter, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&e->mu);
    unsigned long seen = *counter;
    while (!e->stopping && *counter == seen)
        if (pthread_cond_timedwait(cv, &e->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&e->mu);
}

static void wait_for_work(struct engine *e, long ms)
{
    wait_on(e, &e->cv, &e->wakes, ms);
}

static bool stopping(struct engine *e)
{
    pthread_mutex_lock(&e->mu);
    bool s = e->stopping;
    pthread_mutex_unlock(&e->mu);
    return s;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct engine *e = w->engine;
    char err[512];
    char name[16];
    snprintf(name, sizeof name, "worker-%d", w->index);
    pthread_setname_np(pthread_self(), name); /* seen in top -H, perf and gdb */
    /* Answering /run/event comes first: when the cores are busy, the API thread runs before the
     * workers, whose backlog waits durably in the queue (Linux nice values are per thread). */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), ENGINE_WORKER_NICE) != 0)
        fprintf(stderr, "solder: worker %d: cannot lower its priority: %s\n", w->index,
                strerror(errno));
    w->store = store_open(e->app->db_path, err, sizeof err);
    w->http = http_client_new(&e->http, err, sizeof err);
    if (!w->store || !w->http) {
        fprintf(stderr, "solder: worker %d cannot start: %s\n", w->index, err);
        goto out;
    }
    /* Each batch's outcomes and the claim of the next batch share one transaction. On stop, what
     * is held is run and recorded, and nothing more is claimed. */
    cJSON *jobs = NULL;
    for (;;) {
        bool stop = stopping(e);
        if (!jobs) {
            if (stop)
                break;
            if (store_claim(w->store, store_now(), ENGINE_LEASE_MS, ENGINE_CLAIM_BATCH, &jobs) !=
                STORE_OK) {
                fprintf(stderr, "solder: worker %d: claim failed: %s\n", w->index,
                        store_errmsg(w->store));
                wait_for_work(e, ENGINE_IDLE_POLL_MS);
                continue;
            }
        }
        int n = cJSON_GetArraySize(jobs);
        const cJSON *job;
        cJSON *records = cJSON_CreateArray();
        cJSON_ArrayForEach(job, jobs) cJSON_AddItemToArray(records, worker_run_execution(w, job));
        cJSON_Delete(jobs);
        jobs = NULL;
        worker_record(w, records, stop ? NULL : &jobs);
        cJSON_Delete(records);
        if (n == 0)
            wait_for_work(e, ENGINE_IDLE_POLL_MS);
    }
out:
    free(w->secret);
    http_client_free(w->http);
    store_close(w->store);
    free(w);
    return NULL;
}

/* Splits "a,b,c" into a NULL-terminated array. */
static char **split_hosts(const char *list)
{
    int n = 1;
    for (const char *p = list; p && *p; p++)
        n += *p == ',';
    char **out = calloc((size_t)n + 1, sizeof *out);
    int i = 0;
    const char *p = list;
    while (p && *p && out) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len)
            out[i++] = strndup(p, len);
        p = comma ? comma + 1 : NULL;
    }
    return out;
}

/* The X-Alloy-Signature key: one RSA pair per server, created on first start, stored sealed under
 * the master key (a clear one from an older version is sealed here). */
static int load_signer(struct engine *e, struct store *s, char *err, size_t err_len)
{
    const struct secrets_key *master = &e->app->master;
    cJSON *row = NULL;
    store_server_key(s, "alloy-signature", NULL, NULL, &row);
    if (!row) {
        char *priv = NULL, *pub = NULL;
        if (sign_rsa_generate(&priv, &pub, err, err_len) != 0)
            return -1;
        char *sealed = secrets_seal(master, priv, strlen(priv));
        OPENSSL_cleanse(priv, strlen(priv));
        free(priv);
        if (sealed)
            store_server_key(s, "alloy-signature", sealed, pub, &row);
        free(sealed);
        free(pub);
    }
    if (!row) {
        snprintf(err, err_len, "cannot store the signature key: %s", store_errmsg(s));
        return -1;
    }
    bool was_clear;
    char *pem =
        secrets_key_open_stored(master, json_get_str(row, "privatePem"), &was_clear, err, err_len);
    if (pem && was_clear) {
        char *sealed = secrets_seal(master, pem, strlen(pem));
        if (!sealed || store_server_key_set_private(s, "alloy-signature", sealed) != STORE_OK) {
            snprintf(err, err_len, "cannot seal the signature key: %s", store_errmsg(s));
            OPENSSL_cleanse(pem, strlen(pem));
            free(pem);
            pem = NULL;
        }
        free(sealed);
    }
    e->signer = pem ? sign_rsa_new(pem, err, err_len) : NULL;
    if (pem) {
        OPENSSL_cleanse(pem, strlen(pem));
        free(pem);
    }
    e->signer_public_pem = e->signer ? strdup(json_get_str(row, "publicPem")) : NULL;
    cJSON_Delete(row);
    return e->signer ? 0 : -1;
}

int engine_start(struct app *app, const struct engine_config *cfg)
{
    struct engine *e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    e->app = app;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    pthread_cond_init(&e->maint_cv, NULL);
    e->allow_hosts = split_hosts(cfg->allow_hosts);
    e->http.allow_private = cfg->allow_private;
    e->sign_rsa = !cfg->no_rsa_signature;
    e->http.allow_hosts = (const char *const *)e->allow_hosts;
    char err[256];
    if (load_signer(e, app->store, err, sizeof err) != 0) {
        fprintf(stderr, "solder: %s\n", err);
        app->engine = e;
        engine_stop(app);
        return -1;
    }
    /* One process owns the SQLite store: claims left by a process that died are void. */
    int orphans = store_requeue_orphans(app->store);
    if (orphans > 0)
        printf("solder: requeued %d executions interrupted by the last shutdown\n", orphans);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    e->nworkers = cfg->workers >= 0 ? cfg->workers : (cores > 0 ? (int)cores : 2);
    e->workers = calloc((size_t)e->nworkers, sizeof *e->workers);
    app->engine = e;
    for (int i = 0; i < e->nworkers; i++) {
        struct worker *w = calloc(1, sizeof *w);
        w->engine = e;
        w->index = i;
        pthread_create(&e->workers[i], NULL, worker_main, w);
    }
    e->maintenance_started = pthread_create(&e->maintenance, NULL, maintenance_main, e) == 0;
    return 0;
}

void engine_stop(struct app *app)
{
    struct engine *e = app->engine;
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->stopping = true;
    pthread_cond_broadcast(&e->cv);
    pthread_cond_signal(&e->maint_cv);
    pthread_mutex_unlock(&e->mu);
    for (int i = 0; i < e->nworkers; i++)
        pthread_join(e->workers[i], NULL);
    if (e->maintenance_started)
        pthread_join(e->maintenance, NULL);
    free(e->workers);
    for (char **h = e->allow_hosts; h && *h; h++)
        free(*h);
    free(e->allow_hosts);
    sign_rsa_free(e->signer);
    free(e->signer_public_pem);
    pthread_cond_destroy(&e->cv);
    pthread_cond_destroy(&e->maint_cv);
    pthread_mutex_destroy(&e->mu);
    free(e);
    app->engine = NULL;
    definitions_shutdown();
}

void engine_wake(struct app *app)
{
    struct engine *e = app->engine;
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->wakes++;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

void engine_notify_installation(struct app *app, const char *env_id, const char *user_id,
                                const char *workflow_id)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "type", "installation");
    cJSON_AddStringToObject(ev, "userId", user_id);
    if (workflow_id)
        cJSON_AddStringToObject(ev, "workflowId", workflow_id);
    ws_publish(app, env_id, user_id, ev);
    cJSON_Delete(ev);
    connectors_notify(app->connectors);
}

const struct http_client_options *engine_http_options(struct app *app)
{
    return app->engine ? &app->engine->http : NULL;
}

const char *engine_signature_public_pem(struct app *app)
{
    return app->engine ? app->engine->signer_public_pem : NULL;
}

bool engine_stopping(struct engine *e)
{
    return stopping(e);
}

void engine_sleep(struct engine *e, long ms)
{
    wait_on(e, &e->maint_cv, &e->maint_wakes, ms);
}

void engine_wake_maintenance(struct engine *e)
{
    pthread_mutex_lock(&e->mu);
    e->maint_wakes++;
    pthread_cond_signal(&e->maint_cv);
    pthread_mutex_unlock(&e->mu);
}
