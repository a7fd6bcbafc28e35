/*
 * Inside the engine: the shared state of the worker pool and the per-worker context. One struct
 * engine per server, created by engine_start and destroyed by engine_stop.
 */
#ifndef SOLDER_ENGINE_INTERNAL_H
#define SOLDER_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <cJSON.h>

#include "crypto/sign.h"
#include "engine/engine.h"
#include "engine/http_client.h"
#include "store/runs.h"
#include "store/store.h"

/* Executions claimed per store round trip: amortises the claim transaction. */
#define ENGINE_CLAIM_BATCH 32
/* Nice value of worker threads, relative to the API thread's (see worker_main). */
#define ENGINE_WORKER_NICE 5
/* Longest idle wait between polls for due work (retries and delays come due without a wake). */
#define ENGINE_IDLE_POLL_MS 250
/* Attempts of one execution before it fails for good. */
#define ENGINE_MAX_ATTEMPTS 8

struct engine {
    const char *db_path;              /* borrowed from engine_config */
    const struct secrets_key *master; /* borrowed from engine_config */
    struct engine_hooks hooks;
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

    long lease_ms;
    char owner[ID_LEN + 1]; /* this process's lease owner token, new at each start */
    size_t max_step_output; /* bytes of a step's recorded inputs or output */
    int lock_fd;            /* the store's lock file, held shared while the engine runs */
    pthread_t leases;       /* renews the leases held, until the recorder is done */
    pthread_cond_t leases_cv;
    bool leases_started;
    bool leases_stopping;

    /* Outcomes handed to the recorder (recorder.c), under mu: a cJSON array, oldest first. */
    cJSON *records;
    int records_count;
    int64_t records_oldest_ms;       /* CLOCK_MONOTONIC time the oldest waiting one arrived */
    pthread_cond_t records_cv;       /* the recorder waits here for outcomes */
    pthread_cond_t records_space_cv; /* workers wait here while the queue is full */
    struct store *recorder_store;
    pthread_t recorder; /* writes outcomes until the workers are gone and the queue is empty */
    bool recorder_started;
    bool recorder_stopping;
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

/* Runs one claimed execution to its next resting point (done, failed, to be requeued) and returns
 * the outcome to record (owned). worker.c */
cJSON *worker_run_execution(struct worker *w, const struct claimed_execution *job);

/* Tells live-update subscribers the recorded outcome of an execution. worker.c */
void worker_publish_outcome(struct engine *e, const cJSON *record);

/* Hands an outcome (owned) to the recorder, which writes it, fenced by the claim it ran under,
 * within a few milliseconds; an outcome whose claim was taken over is dropped and logged. Waits
 * while too many outcomes are waiting. recorder.c */
void recorder_push(struct engine *e, cJSON *record);
void *recorder_main(void *arg);

/* The environment's outbound signing secret (whsec_, opened), cached per worker: NULL when it
 * cannot be loaded or opened. Borrowed until the next call. sealed.c */
const char *worker_signing_secret(struct worker *w, const char *env_id);

/* Streams pending errors to the ISV webhooks and purges old executions. maintenance.c */
void *maintenance_main(void *arg);

#endif
