/*
 * Work a handler should not hold an API thread for (an outbound call that may take seconds): the
 * work runs on a thread of its own while the request waits (deferred, no reply written), then the
 * request goes back to the API threads (http/pool.c), where the finishing step runs and replies.
 * One table per process: one server runs per process. Not a worker pool: jobs are rare (a
 * credential's Connect), so each gets a thread, and at most DEFER_MAX run at once.
 */
#include "app.h"

#include "http/pool.h"

#include <pthread.h>
#include <stdlib.h>

/* Jobs running at once: bounds the threads that callers can make the server start. */
#define DEFER_MAX 16

struct defer_job {
    struct api_pool *pool;
    struct request *req;
    void (*work)(void *arg);
    void (*done)(struct request *req, void *arg);
    void *arg;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static int running;

static void *job_main(void *p)
{
    struct defer_job *j = p;
    j->work(j->arg);
    pool_resume(j->pool, j->req, j->done, j->arg);
    free(j);
    pthread_mutex_lock(&mu);
    running--;
    pthread_cond_broadcast(&idle);
    pthread_mutex_unlock(&mu);
    return NULL;
}

bool http_defer(struct request *req, void (*work)(void *arg),
                void (*done)(struct request *req, void *arg), void *arg)
{
    if (!pool_on_api_thread())
        return false;
    struct defer_job *j = malloc(sizeof *j);
    if (!j)
        return false;
    *j = (struct defer_job){req->app->pool, req, work, done, arg};
    req->waiting = true; /* before the job can end */
    pthread_mutex_lock(&mu);
    bool started = running < DEFER_MAX;
    pthread_t thread;
    pthread_attr_t attr;
    if (started) {
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&thread, &attr, job_main, j) == 0;
        pthread_attr_destroy(&attr);
    }
    if (started)
        running++;
    pthread_mutex_unlock(&mu);
    if (!started) {
        req->waiting = false;
        free(j);
    }
    return started;
}

void http_defer_drain(void)
{
    pthread_mutex_lock(&mu);
    while (running > 0)
        pthread_cond_wait(&idle, &mu);
    pthread_mutex_unlock(&mu);
}
