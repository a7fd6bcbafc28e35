/*
 * The worker pool: start, stop, wake, the claim loop each worker runs and the heartbeat that renews
 * the process's leases. What a worker does with a claimed execution is in worker.c, the writing of
 * outcomes in recorder.c, error streaming and retention in maintenance.c.
 */
#include "engine/engine_internal.h"
#include "base/log.h"

#include "crypto/secrets.h"
#include "engine/definitions.h"
#include "engine/ssrf.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/runs.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* The absolute CLOCK_REALTIME time ms from now, for pthread_cond_timedwait. */
static struct timespec deadline_after(long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    return until;
}

/* Waits up to ms for *counter to move past seen (a wake signalled on cv) or for the engine to
 * stop; returns at once when it has moved already. */
static void wait_since(struct engine *e, pthread_cond_t *cv, const unsigned long *counter,
                       unsigned long seen, long ms)
{
    struct timespec until = deadline_after(ms);
    pthread_mutex_lock(&e->mu);
    while (!e->stopping && *counter == seen)
        if (pthread_cond_timedwait(cv, &e->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&e->mu);
}

static unsigned long counter_now(struct engine *e, const unsigned long *counter)
{
    pthread_mutex_lock(&e->mu);
    unsigned long n = *counter;
    pthread_mutex_unlock(&e->mu);
    return n;
}

static void wait_on(struct engine *e, pthread_cond_t *cv, const unsigned long *counter, long ms)
{
    wait_since(e, cv, counter, counter_now(e, counter), ms);
}

static bool stopping(struct engine *e)
{
    pthread_mutex_lock(&e->mu);
    bool s = e->stopping;
    pthread_mutex_unlock(&e->mu);
    return s;
}

/*
 * Whether the worker still holds a claimed job, checked before running it. A batch claimed less
 * than a third of a lease ago is held (its lease cannot have run out). An older one — slow blocks
 * ran before it, or the process was stopped and resumed — renews this job's lease first, which
 * fails when another claim took it over meanwhile. When the store cannot answer, the job runs: its
 * outcome is fenced anyway, and at worst the call is sent twice (delivery is at least once).
 */
static bool still_held(struct worker *w, const struct claimed_execution *job, int64_t claimed_at)
{
    struct engine *e = w->engine;
    int64_t now = store_now();
    if (now - claimed_at < e->lease_ms / 3)
        return true;
    const char *id = job->id;
    int attempt = job->attempt;
    int rc = store_lease_renew(w->store, id, attempt, now + e->lease_ms);
    if (rc == STORE_NOT_FOUND)
        log_error("worker %d: execution %s (attempt %d) was taken over while it waited in "
                  "this worker's batch; not run here\n",
                  w->index, id, attempt);
    return rc != STORE_NOT_FOUND;
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
        log_error("worker %d: cannot lower its priority: %s\n", w->index, strerror(errno));
    w->store = store_open(e->db_path, err, sizeof err);
    w->http = http_client_new(&e->http, err, sizeof err);
    if (!w->store || !w->http) {
        log_error("worker %d cannot start: %s\n", w->index, err);
        goto out;
    }
    /* Each outcome goes to the recorder when its execution ends. On stop, what is held is run and
     * handed over, and nothing more is claimed. */
    for (;;) {
        if (stopping(e))
            break;
        struct claimed_execution_list jobs = {0};
        /* Read before claiming: work enqueued while the claim runs (its wake comes before this
         * worker waits) ends the wait at once instead of after ENGINE_IDLE_POLL_MS. */
        unsigned long wakes = counter_now(e, &e->wakes);
        int64_t claimed_at = store_now();
        if (store_claim(w->store, claimed_at, e->lease_ms, ENGINE_CLAIM_BATCH, e->owner, &jobs) !=
            STORE_OK) {
            log_error("worker %d: claim failed: %s\n", w->index, store_errmsg(w->store));
            wait_since(e, &e->cv, &e->wakes, wakes, ENGINE_IDLE_POLL_MS);
            continue;
        }
        for (size_t i = 0; i < jobs.n; i++)
            if (still_held(w, &jobs.items[i], claimed_at))
                recorder_push(e, worker_run_execution(w, &jobs.items[i]));
        if (jobs.n == 0)
            wait_since(e, &e->cv, &e->wakes, wakes, ENGINE_IDLE_POLL_MS);
        store_claimed_execution_list_free(&jobs);
    }
out:
    free(w->secret);
    http_client_free(w->http);
    store_close(w->store);
    free(w);
    return NULL;
}

/* The heartbeat of this process's claims: every third of a lease, extends the lease of every
 * execution it still holds, until the recorder has written the last outcome. Runs at the API
 * thread's priority, so busy workers cannot starve it. */
static void *leases_main(void *arg)
{
    struct engine *e = arg;
    pthread_setname_np(pthread_self(), "leases");
    char err[512];
    struct store *s = store_open(e->db_path, err, sizeof err);
    if (!s) {
        log_error("the lease keeper cannot start: %s\n", err);
        return NULL;
    }
    pthread_mutex_lock(&e->mu);
    while (!e->leases_stopping) {
        struct timespec until = deadline_after(e->lease_ms / 3);
        while (!e->leases_stopping &&
               pthread_cond_timedwait(&e->leases_cv, &e->mu, &until) != ETIMEDOUT)
            ;
        if (e->leases_stopping)
            break;
        pthread_mutex_unlock(&e->mu);
        if (store_leases_renew(s, e->owner, store_now() + e->lease_ms) < 0)
            log_error("cannot renew the leases of running executions: %s\n", store_errmsg(s));
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    store_close(s);
    return NULL;
}

/*
 * Whether this is the only process serving the store. Every serving process holds a shared lock on
 * the store's lock file (store_lock_file) for as long as its engine runs; a process that gets the
 * lock exclusively at start-up is alone, so claims left in the store are those of a process that
 * died. Leaves the shared lock held in e->lock_fd. Never alone on PostgreSQL: claims of other nodes
 * are taken over only when their leases run out.
 */
static bool lock_alone(struct engine *e)
{
    char path[1100];
    store_lock_file(e->db_path, path, sizeof path);
    if (!*path) /* PostgreSQL: other nodes may hold claims, whatever this machine runs */
        return false;
    e->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (e->lock_fd < 0) {
        log_error("cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    return flock(e->lock_fd, LOCK_EX | LOCK_NB) == 0;
}

/* The X-Alloy-Signature key: one RSA pair per server, created on first start, stored sealed under
 * the master key (a clear one from an older version is sealed here). */
static int load_signer(struct engine *e, struct store *s, char *err, size_t err_len)
{
    const struct secrets_key *master = e->master;
    struct server_key key;
    int found = store_server_key(s, "alloy-signature", NULL, NULL, &key);
    if (found == STORE_NOT_FOUND) {
        char *priv = NULL, *pub = NULL;
        if (sign_rsa_generate(&priv, &pub, err, err_len) != 0)
            return -1;
        char *sealed = secrets_seal(master, priv, strlen(priv));
        OPENSSL_cleanse(priv, strlen(priv));
        free(priv);
        found = sealed ? store_server_key(s, "alloy-signature", sealed, pub, &key) : STORE_ERROR;
        free(sealed);
        free(pub);
    }
    if (found != STORE_OK) {
        snprintf(err, err_len, "cannot store the signature key: %s", store_errmsg(s));
        return -1;
    }
    bool was_clear;
    char *pem = secrets_key_open_stored(master, key.private_pem, &was_clear, err, err_len);
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
    e->signer_public_pem = e->signer && key.public_pem ? strdup(key.public_pem) : NULL;
    store_server_key_clear(&key);
    return e->signer ? 0 : -1;
}

struct engine *engine_start(const struct engine_config *cfg, struct store *s)
{
    struct engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->db_path = cfg->db_path;
    e->master = cfg->master;
    e->hooks = cfg->hooks;
    e->lock_fd = -1;
    e->lease_ms = cfg->lease_ms > 0 ? cfg->lease_ms : ENGINE_LEASE_MS;
    e->max_step_output =
        cfg->max_step_output > 0 ? cfg->max_step_output : ENGINE_DEFAULT_MAX_STEP_OUTPUT;
    if (id_new(e->owner) != 0) {
        free(e);
        return NULL;
    }
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    pthread_cond_init(&e->maint_cv, NULL);
    pthread_cond_init(&e->leases_cv, NULL);
    pthread_cond_init(&e->records_cv, NULL);
    pthread_cond_init(&e->records_space_cv, NULL);
    e->records = cJSON_CreateArray();
    e->allow_hosts = ssrf_hosts_parse(cfg->allow_hosts);
    e->http.allow_private = cfg->allow_private;
    e->sign_rsa = !cfg->no_rsa_signature;
    e->http.allow_hosts = (const char *const *)e->allow_hosts;
    char err[256];
    if (load_signer(e, s, err, sizeof err) != 0) {
        log_error("%s\n", err);
        engine_stop(e);
        return NULL;
    }
    /* Claims left by a process that died are void when no other process serves the store; with
     * others running, a claim is reclaimable only once its lease ran out. */
    if (lock_alone(e)) {
        int orphans = store_requeue_orphans(s);
        if (orphans > 0)
            log_info("requeued %d executions interrupted by the last shutdown\n", orphans);
    }
    if (e->lock_fd >= 0)
        flock(e->lock_fd, LOCK_SH);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    e->nworkers = cfg->workers >= 0 ? cfg->workers : (cores > 0 ? (int)cores : 2);
    e->workers = calloc((size_t)e->nworkers, sizeof *e->workers);
    e->leases_started = pthread_create(&e->leases, NULL, leases_main, e) == 0;
    if (e->nworkers > 0) {
        /* Without the recorder no outcome would be written: the engine does not start. */
        e->recorder_store = store_open(e->db_path, err, sizeof err);
        int rc = e->recorder_store ? pthread_create(&e->recorder, NULL, recorder_main, e) : -1;
        e->recorder_started = rc == 0;
        if (!e->recorder_started) {
            log_error("the recorder cannot start: %s\n", e->recorder_store ? strerror(rc) : err);
            e->nworkers = 0;
            engine_stop(e);
            return NULL;
        }
    }
    for (int i = 0; i < e->nworkers; i++) {
        struct worker *w = calloc(1, sizeof *w);
        w->engine = e;
        w->index = i;
        pthread_create(&e->workers[i], NULL, worker_main, w);
    }
    e->maintenance_started = pthread_create(&e->maintenance, NULL, maintenance_main, e) == 0;
    return e;
}

/* Sets a thread's stop flag, wakes it where it waits (cv) and waits for it to end. */
static void stop_thread(struct engine *e, bool *flag, pthread_cond_t *cv, pthread_t thread)
{
    pthread_mutex_lock(&e->mu);
    *flag = true;
    pthread_cond_signal(cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(thread, NULL);
}

void engine_stop(struct engine *e)
{
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
    if (e->recorder_started)
        stop_thread(e, &e->recorder_stopping, &e->records_cv, e->recorder);
    store_close(e->recorder_store);
    cJSON_Delete(e->records);
    if (e->leases_started)
        stop_thread(e, &e->leases_stopping, &e->leases_cv, e->leases);
    if (e->lock_fd >= 0)
        close(e->lock_fd); /* releases the lock */
    free(e->workers);
    ssrf_hosts_free(e->allow_hosts);
    sign_rsa_free(e->signer);
    free(e->signer_public_pem);
    pthread_cond_destroy(&e->cv);
    pthread_cond_destroy(&e->maint_cv);
    pthread_cond_destroy(&e->leases_cv);
    pthread_cond_destroy(&e->records_cv);
    pthread_cond_destroy(&e->records_space_cv);
    pthread_mutex_destroy(&e->mu);
    free(e);
    definitions_shutdown();
}

void engine_wake(struct engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->wakes++;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

void engine_notify_installation(struct engine *e, const char *env_id, const char *user_id,
                                const char *workflow_id)
{
    if (!e)
        return;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "type", "installation");
    cJSON_AddStringToObject(ev, "userId", user_id);
    if (workflow_id)
        cJSON_AddStringToObject(ev, "workflowId", workflow_id);
    if (e->hooks.publish)
        e->hooks.publish(e->hooks.ctx, env_id, user_id, ev);
    cJSON_Delete(ev);
    if (e->hooks.installation_changed)
        e->hooks.installation_changed(e->hooks.ctx);
}

const struct http_client_options *engine_http_options(struct engine *e)
{
    return e ? &e->http : NULL;
}

const char *engine_signature_public_pem(struct engine *e)
{
    return e ? e->signer_public_pem : NULL;
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
