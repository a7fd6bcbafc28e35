/*
 * The store's writer (see writer.h): its queue, its thread and the group transaction, with a
 * savepoint per job and the done callbacks after the COMMIT. Does not know what the jobs write or
 * who waits for them.
 */
#include "store/writer.h"

#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct store_writer {
    struct store *store;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or the writer is stopping */
    struct store_job *head, *tail;
    size_t queued;
    bool stopping, started;
    void (*committed)(void *ctx);
    void *ctx;
};

/* Takes up to STORE_WRITER_GROUP_MAX jobs from the front of the queue (w->mu held). */
static struct store_job *take_group(struct store_writer *w)
{
    struct store_job *first = w->head, *last = first;
    size_t n = 1;
    while (n < STORE_WRITER_GROUP_MAX && last->next) {
        last = last->next;
        n++;
    }
    w->head = last->next;
    if (!w->head)
        w->tail = NULL;
    last->next = NULL;
    w->queued -= n;
    return first;
}

/* Runs one job in a savepoint of the open transaction. */
static int run_job(struct store *s, struct store_job *job)
{
    if (store_savepoint(s) != STORE_OK)
        return STORE_ERROR;
    int rc = job->run(s, job->arg);
    if (store_savepoint_end(s, rc == STORE_OK) != STORE_OK && rc == STORE_OK)
        rc = STORE_ERROR;
    return rc;
}

static void run_group(struct store_writer *w, struct store_job *jobs)
{
    int begun = store_begin(w->store);
    for (struct store_job *job = jobs; job; job = job->next)
        job->status = begun == STORE_OK ? run_job(w->store, job) : begun;
    int committed = begun;
    if (begun == STORE_OK) {
        committed = store_commit(w->store);
        if (committed != STORE_OK)
            store_rollback(w->store);
        else if (w->committed)
            w->committed(w->ctx);
    }
    bool commit_failed = begun == STORE_OK && committed != STORE_OK;
    for (struct store_job *job = jobs, *next; job; job = next) {
        next = job->next; /* done may free job */
        job->done(job->arg, commit_failed ? committed : job->status, commit_failed);
    }
}

static void *writer_main(void *arg)
{
    struct store_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->work, &w->mu);
        if (!w->head)
            break;
        struct store_job *jobs = take_group(w);
        pthread_mutex_unlock(&w->mu);
        run_group(w, jobs);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct store_writer *store_writer_start(const char *path, void (*committed)(void *ctx), void *ctx,
                                        char *err, size_t err_len)
{
    struct store_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    w->committed = committed;
    w->ctx = ctx;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    w->store = store_open(path, err, err_len);
    if (!w->store) {
        store_writer_free(w);
        return NULL;
    }
    if (pthread_create(&w->tid, NULL, writer_main, w) != 0) {
        snprintf(err, err_len, "cannot start the store's writer thread");
        store_writer_free(w);
        return NULL;
    }
    w->started = true;
    return w;
}

struct store_job *store_writer_submit_list(struct store_writer *w, struct store_job *jobs)
{
    pthread_mutex_lock(&w->mu);
    bool any = false;
    while (jobs && !w->stopping && w->queued < STORE_WRITER_QUEUE_MAX) {
        struct store_job *job = jobs;
        jobs = job->next;
        job->next = NULL;
        if (w->tail)
            w->tail->next = job;
        else
            w->head = job;
        w->tail = job;
        w->queued++;
        any = true;
    }
    if (any)
        pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    return jobs;
}

int store_writer_submit(struct store_writer *w, struct store_job *job)
{
    job->next = NULL;
    return store_writer_submit_list(w, job) ? STORE_ERROR : STORE_OK;
}

void store_writer_stop(struct store_writer *w)
{
    if (!w || !w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    w->started = false;
}

void store_writer_free(struct store_writer *w)
{
    if (!w)
        return;
    store_writer_stop(w);
    store_close(w->store);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    free(w);
}
