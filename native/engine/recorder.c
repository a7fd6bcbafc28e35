/*
 * The recorder: one thread per engine that writes the outcomes the workers hand it — each
 * execution's steps, its status or requeue, its error row — in group commits, each outcome fenced
 * by the claim it ran under. An outcome is written at most RECORD_LINGER_MS after its execution
 * ended, whatever its worker runs next; a transaction holds up to RECORD_GROUP_MAX of them. It does
 * not claim work (workers do) nor run anything.
 */
#include "engine/engine_internal.h"
#include "base/log.h"
#include "base/stats.h"

#include "json/json.h"
#include "store/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long an outcome may wait for others to share its commit. A commit, with the page reloads
 * that follow another connection's write, costs about as much CPU as running a short execution:
 * one transaction per outcome would double the cost of each. */
#define RECORD_LINGER_MS 5
/* Outcomes written in one transaction at most: bounds the time the write lock is held. */
#define RECORD_GROUP_MAX 64
/* Outcomes waiting at most: past it workers wait, so a store slower than the workers (--sync full
 * on a slow disk) holds back new runs instead of letting memory grow. */
#define RECORD_QUEUE_MAX 256

static int64_t monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void recorder_push(struct engine *e, cJSON *record)
{
    pthread_mutex_lock(&e->mu);
    while (e->recorder_started && e->records_count >= RECORD_QUEUE_MAX)
        pthread_cond_wait(&e->records_space_cv, &e->mu);
    int waiting = e->records_count++;
    if (waiting == 0)
        e->records_oldest_ms = monotonic_ms();
    cJSON_AddItemToArray(e->records, record);
    /* The recorder wakes for the first outcome and for a full group; in between it lingers. */
    if (waiting == 0 || waiting + 1 == RECORD_GROUP_MAX)
        pthread_cond_signal(&e->records_cv);
    pthread_mutex_unlock(&e->mu);
}

/* Writes one execution's steps and outcome (inside the caller's transaction), each write fenced by
 * the claim the run had: STORE_NOT_FOUND, with nothing written, when it was taken over. */
static int record_one(struct store *s, const cJSON *rec)
{
    const char *id = json_get_str(rec, "id"), *status = json_get_str(rec, "status");
    const char *error = json_get_str(rec, "error"), *error_block = json_get_str(rec, "errorBlock");
    const cJSON *state = cJSON_GetObjectItem(rec, "state"),
                *run_at = cJSON_GetObjectItem(rec, "runAt");
    int attempt = cJSON_GetObjectItem(rec, "attempt")->valueint;
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItem(rec, "steps"))
    {
        int rc = store_step_insert(s, id, cJSON_GetObjectItem(st, "seq")->valueint,
                                   json_get_str(st, "id"), json_get_str(st, "type"),
                                   json_get_str(st, "name"), json_get_str(st, "key"),
                                   json_get_str(st, "status"), attempt,
                                   (int64_t)cJSON_GetObjectItem(st, "started")->valuedouble,
                                   (int64_t)cJSON_GetObjectItem(st, "stopped")->valuedouble,
                                   cJSON_GetObjectItem(st, "inputs"),
                                   cJSON_GetObjectItem(st, "output"), json_get_str(st, "error"));
        if (rc != STORE_OK)
            return rc;
    }
    int rc = run_at ? store_execution_requeue(s, id, attempt, (int64_t)run_at->valuedouble, state,
                                              error, error_block)
                    : store_execution_finish(s, id, attempt, status, error, error_block, state);
    if (rc == STORE_OK && status && strcmp(status, "error") == 0)
        rc = store_error_insert(s, json_get_str(rec, "envId"), id, json_get_str(rec, "workflowId"),
                                json_get_str(rec, "installationId"), json_get_str(rec, "userId"),
                                error_block, error ? error : "execution failed");
    return rc;
}

/* Counts a written outcome for the metrics: requeued (a retry when it carries the error that
 * caused it, else a delay) or finished with its status. */
static void count_outcome(const cJSON *rec)
{
    const char *status = json_get_str(rec, "status");
    if (cJSON_GetObjectItem(rec, "runAt"))
        stats_outcome(json_get_str(rec, "error") ? STATS_RETRY : STATS_DELAYED);
    else if (status && strcmp(status, "success") == 0)
        stats_outcome(STATS_SUCCESS);
    else if (status && strcmp(status, "stopped") == 0)
        stats_outcome(STATS_STOPPED);
    else
        stats_outcome(STATS_ERROR);
}

/* What became of one outcome of a group. */
enum written { WRITTEN, DROPPED, FAILED };

static int attempt_of(const cJSON *rec)
{
    return cJSON_GetObjectItem(rec, "attempt")->valueint;
}

/* Writes a group of outcomes in one transaction, each inside its own savepoint so that one that is
 * fenced off or fails leaves the others; then logs what was dropped, lets the executions whose
 * outcome could not be written be claimed again, and publishes the rest. */
static void write_group(struct engine *e, struct store *s, const cJSON *group)
{
    int n = cJSON_GetArraySize(group), i = 0;
    enum written *fate = calloc((size_t)n, sizeof *fate);
    if (!fate)
        return;
    int rc = store_begin(s);
    const cJSON *rec;
    cJSON_ArrayForEach(rec, group)
    {
        int one = rc == STORE_OK ? store_savepoint(s) : rc;
        if (one == STORE_OK)
            one = record_one(s, rec);
        fate[i++] = one == STORE_OK ? WRITTEN : one == STORE_NOT_FOUND ? DROPPED : FAILED;
        if (rc == STORE_OK && store_savepoint_end(s, one == STORE_OK) != STORE_OK)
            rc = STORE_ERROR;
        if (one != STORE_OK && one != STORE_NOT_FOUND)
            log_error("cannot record the outcome of execution %s: %s\n", json_get_str(rec, "id"),
                      store_errmsg(s));
    }
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK) {
        log_error("cannot record %d execution outcomes: %s\n", n, store_errmsg(s));
        store_rollback(s);
    }
    bool errors = false;
    i = 0;
    cJSON_ArrayForEach(rec, group)
    {
        enum written f = rc == STORE_OK ? fate[i] : FAILED;
        i++;
        const char *id = json_get_str(rec, "id"), *status = json_get_str(rec, "status");
        if (f == DROPPED) {
            log_error("execution %s: the outcome of attempt %d (%s) is dropped: another "
                      "worker took the execution over\n",
                      id, attempt_of(rec), status ? status : "queued again");
        } else if (f == FAILED) {
            /* No longer renewed: its lease runs out and it is claimed again. */
            store_lease_release(s, id, attempt_of(rec));
        } else {
            errors |= status && strcmp(status, "error") == 0;
            count_outcome(rec);
            worker_publish_outcome(e, rec);
        }
    }
    free(fate);
    if (errors)
        engine_wake_maintenance(e); /* it streams errors to the ISV */
}

void *recorder_main(void *arg)
{
    struct engine *e = arg;
    struct store *s = e->recorder_store;
    pthread_setname_np(pthread_self(), "recorder");
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (e->records_count == 0 && !e->recorder_stopping)
            pthread_cond_wait(&e->records_cv, &e->mu);
        if (e->records_count == 0)
            break; /* stopping, and everything is written */
        int64_t until = e->records_oldest_ms + RECORD_LINGER_MS;
        while (e->records_count < RECORD_GROUP_MAX && !e->recorder_stopping &&
               monotonic_ms() < until) {
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_nsec += 1000000L * (long)(until - monotonic_ms());
            if (t.tv_nsec >= 1000000000L) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&e->records_cv, &e->mu, &t);
        }
        cJSON *group = cJSON_CreateArray();
        for (int i = 0; i < RECORD_GROUP_MAX && e->records->child; i++, e->records_count--)
            cJSON_AddItemToArray(group, cJSON_DetachItemViaPointer(e->records, e->records->child));
        pthread_cond_broadcast(&e->records_space_cv);
        pthread_mutex_unlock(&e->mu);
        write_group(e, s, group);
        cJSON_Delete(group);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}
