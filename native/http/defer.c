/*
 * Work a handler cannot do on the service thread (an outbound call that may take seconds): the
 * work runs on a thread of its own, the request waits (deferred, no reply written), and the
 * finishing step runs back on the service thread, where it replies. The service thread is woken
 * with lws_cancel_service when a job is done. One table per process: one server runs per process.
 * Not a worker pool: jobs are rare (a credential's Connect), so each gets a thread, and at most
 * DEFER_MAX run at once.
 */
#include "app.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Jobs running at once: bounds the threads that callers can make the server start. */
#define DEFER_MAX 16

struct defer_job {
    bool used, finished;
    struct request *req; /* NULL once its connection closed */
    struct lws_context *lws;
    pthread_t thread;
    void (*work)(void *arg);
    void (*done)(struct request *req, void *arg);
    void *arg;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct defer_job jobs[DEFER_MAX];

static void *job_main(void *p)
{
    struct defer_job *j = p;
    j->work(j->arg);
    pthread_mutex_lock(&mu);
    j->finished = true;
    struct lws_context *lws = j->lws;
    pthread_mutex_unlock(&mu);
    if (lws)
        lws_cancel_service(lws);
    return NULL;
}

bool http_defer(struct request *req, void (*work)(void *arg),
                void (*done)(struct request *req, void *arg), void *arg)
{
    pthread_mutex_lock(&mu);
    struct defer_job *j = NULL;
    for (int i = 0; i < DEFER_MAX && !j; i++)
        if (!jobs[i].used)
            j = &jobs[i];
    if (j) {
        *j = (struct defer_job){true, false, req, req->app->lws, 0, work, done, arg};
        if (pthread_create(&j->thread, NULL, job_main, j) != 0)
            j->used = false, j = NULL;
    }
    pthread_mutex_unlock(&mu);
    if (j)
        req->deferred = true;
    return j != NULL;
}

void http_defer_forget(struct request *req)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < DEFER_MAX; i++)
        if (jobs[i].used && jobs[i].req == req)
            jobs[i].req = NULL;
    pthread_mutex_unlock(&mu);
}

/* Finishes the jobs that are done (all of them, waiting for each, when wait is true). */
static void finish(bool wait)
{
    for (int i = 0; i < DEFER_MAX; i++) {
        pthread_mutex_lock(&mu);
        struct defer_job j = jobs[i];
        bool ready = j.used && (j.finished || wait);
        pthread_mutex_unlock(&mu);
        if (!ready)
            continue;
        pthread_join(j.thread, NULL);
        pthread_mutex_lock(&mu);
        struct request *req = jobs[i].req;
        jobs[i].used = false;
        pthread_mutex_unlock(&mu);
        j.done(req, j.arg);
        if (req) {
            req->deferred = false;
            lws_callback_on_writable(req->wsi);
        }
    }
}

void http_defer_flush(void)
{
    finish(false);
}

void http_defer_drain(void)
{
    finish(true);
}
