/*
 * Inside the engine: the shared state of the worker pool and the per-worker context. One struct
 * engine per server (app->engine), created by engine_start and destroyed by engine_stop.
 */
#ifndef SOLDER_ENGINE_INTERNAL_H
#define SOLDER_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <cJSON.h>

#include "crypto/sign.h"
#include "engine/engine.h"
#include "engine/http_client.h"
#include "store/store.h"

/* A claimed execution's lease: longer than any single attempt (the per-call timeout is 30 s and an
 * execution makes few calls), so a live worker never loses its job to another. */
#define ENGINE_LEASE_MS 120000
/* Executions claimed per store round trip: amortises the claim transaction. */
#define ENGINE_CLAIM_BATCH 32
/* Nice value of worker threads, relative to the API thread's (see worker_main). */
#define ENGINE_WORKER_NICE 5
/* Longest idle wait between polls for due work (retries and delays come due without a wake). */
#define ENGINE_IDLE_POLL_MS 250
/* Attempts of one execution before it fails for good. */
#define ENGINE_MAX_ATTEMPTS 8

struct engine {
    struct app *app;
    struct http_client_options http;
    char **allow_hosts; /* NULL-terminated */
    struct rsa_signer *signer;
    bool sign_rsa; /* add X-Alloy-Signature to workflow calls */
    char *signer_public_pem;
    unsigned long settings_gen; /* bumped (atomically) when a signing secret changes */

    pthread_mutex_t mu;
    pthread_cond_t cv;       /* workers wait here for work (wakes counts engine_wake) */
    pthread_cond_t maint_cv; /* the maintenance thread waits here (maint_wakes) */
    bool stopping;
    unsigned long wakes, maint_wakes;

    int nworkers;
    pthread_t *workers;
    pthread_t maintenance;
    bool maintenance_started;
};

/* One worker thread's resources. */
struct worker {
    struct engine *engine;
    int index;
    struct store *store;
    struct http_client *http;
    /* The last environment's outbound signing secret (opened), so each call does not read
     * settings; dropped when the engine's settings_gen moves past secret_gen. */
    char secret_env[ID_LEN + 1];
    char *secret;
    unsigned long secret_gen;
};

bool engine_stopping(struct engine *e);
/* The maintenance thread: sleeps up to ms, or less when engine_wake_maintenance is called or the
 * engine stops. */
void engine_sleep(struct engine *e, long ms);
/* Wakes the maintenance thread only (an execution error is waiting to be streamed). */
void engine_wake_maintenance(struct engine *e);

/* Runs one claimed execution to its next resting point (done, failed, to be requeued) and returns
 * the outcome to record (owned). worker.c */
cJSON *worker_run_execution(struct worker *w, const cJSON *job);

/* Writes the outcomes of a batch of executions in one transaction, then publishes them. With next,
 * the same transaction claims the worker's next batch into *next (NULL when the write failed). */
void worker_record(struct worker *w, const cJSON *records, cJSON **next);

/* The environment's outbound signing secret (whsec_, opened), cached per worker: NULL when it
 * cannot be loaded or opened. Borrowed until the next call. sealed.c */
const char *worker_signing_secret(struct worker *w, const char *env_id);

/* Streams pending errors to the ISV webhooks and purges old executions. maintenance.c */
void *maintenance_main(void *arg);

#endif
