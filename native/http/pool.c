/*
 * The API threads (see pool.h): two queues, the threads that drain them, the writes handed to the
 * store's writer (app_write), the hand-back of finished requests and the header questions to the
 * service thread. Does not route or write replies: the service thread does both (http/server.c);
 * nor commit: the store's writer does (store/writer.h).
 */
#include "http/pool.h"

#include "app.h"
#include "store/writer.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct queue {
    struct request *head, *tail;
};

/* A header an API thread waits for; lives on the asking thread's stack until done is set. */
struct header_ask {
    struct header_ask *next;
    const struct request *req;
    const char *name;
    char *value;
    bool done;
};

/* One API thread and what it works with; view is its struct app (see pool.h). */
struct api_thread {
    struct api_pool *pool;
    pthread_t tid;
    bool started;
    bool batch; /* takes the ROUTE_BATCH queue */
    struct app view;
};

struct api_pool {
    struct app *app;
    pthread_mutex_t mu;
    pthread_cond_t work, batch_work; /* their queue got a request, or the pool is stopping */
    pthread_cond_t answered;
    struct queue jobs, batch_jobs, finished;
    struct store_writer *writer;
    struct header_ask *asks;
    bool stopping;
    int nthreads;
    struct api_thread threads[];
};

static _Thread_local bool on_api_thread;

bool pool_on_api_thread(void)
{
    return on_api_thread;
}

static void queue_push(struct queue *q, struct request *req)
{
    req->next = NULL;
    if (q->tail)
        q->tail->next = req;
    else
        q->head = req;
    q->tail = req;
}

/* Moves all of from to the end of to. */
static void queue_append(struct queue *to, struct queue *from)
{
    if (!from->head)
        return;
    if (to->tail)
        to->tail->next = from->head;
    else
        to->head = from->head;
    to->tail = from->tail;
    from->head = from->tail = NULL;
}

/* Takes up to max requests from the front of q. */
static struct queue queue_take(struct queue *q, int max)
{
    struct queue out = {q->head, q->head};
    for (int n = 1; n < max && out.tail->next; n++)
        out.tail = out.tail->next;
    q->head = out.tail->next;
    if (!q->head)
        q->tail = NULL;
    out.tail->next = NULL;
    return out;
}

/* A request's write handed to the store's writer (app_write). */
struct pool_write {
    struct store_job job;
    struct api_pool *pool;
    struct request *req;
    int (*write)(struct store *s, void *arg);
    void (*reply)(struct request *req, int status, void *arg);
    void *arg;
    int status;
    bool commit_failed, done; /* done: the writer is through with it */
};

static int write_run(struct store *s, void *arg)
{
    struct pool_write *w = arg;
    return w->write(s, w->arg);
}

/* The write is done and its handler has let go of the request: its final reply. */
static void write_reply(struct request *req)
{
    struct pool_write *w = req->write;
    req->write = NULL;
    req->deferred = req->parked = false;
    w->reply(req, w->status, w->arg);
    if (w->commit_failed) {
        free(req->resp_body);
        req->resp_body = NULL;
        req->replied = false;
        reply_error(req, 500, "internal", "could not store the request (request %s)",
                    req->request_id);
    } else if (!req->replied) {
        reply_error(req, 500, "internal", "no answer (request %s)", req->request_id);
    }
    free(w);
}

/* The writer's thread: the group of w's write is over. */
static void write_done(void *arg, int status, bool commit_failed)
{
    struct pool_write *w = arg;
    struct api_pool *p = w->pool;
    struct request *req = w->req;
    pthread_mutex_lock(&p->mu);
    w->status = status;
    w->commit_failed = commit_failed;
    w->done = true;
    bool let_go = req->parked; /* else the API thread still has it and replies */
    pthread_mutex_unlock(&p->mu);
    if (!let_go)
        return;
    req->app = p->app;
    write_reply(req);
    pthread_mutex_lock(&p->mu);
    bool wake = !p->finished.head; /* else the service thread is woken already */
    queue_push(&p->finished, req);
    if (wake)
        lws_cancel_service(p->app->lws);
    pthread_mutex_unlock(&p->mu);
}

/* The batch thread, while it runs the requests it took together: the writes their handlers handed
 * over, given to the writer at once afterwards (submit_held) so that they share a group commit. */
static _Thread_local struct {
    bool on;
    struct store_job *head, *tail;
} held;

bool app_write(struct request *req, int (*write)(struct store *s, void *arg),
               void (*reply)(struct request *req, int status, void *arg), void *arg)
{
    struct api_pool *p = req->app->pool;
    struct pool_write *w = p ? calloc(1, sizeof *w) : NULL;
    if (!w)
        return false;
    *w = (struct pool_write){.pool = p, .req = req, .write = write, .reply = reply, .arg = arg};
    w->job = (struct store_job){.run = write_run, .done = write_done, .arg = w};
    req->deferred = true; /* before the write can be done */
    req->write = w;
    if (held.on) {
        if (held.tail)
            held.tail->next = &w->job;
        else
            held.head = &w->job;
        held.tail = &w->job;
        return true;
    }
    if (store_writer_submit(p->writer, &w->job) != STORE_OK) {
        req->deferred = false;
        req->write = NULL;
        free(w);
        return false;
    }
    return true;
}

/* Gives the held writes to the writer; one it refuses (full or stopping) fails its request. */
static void submit_held(struct api_pool *p)
{
    struct store_job *refused = held.head ? store_writer_submit_list(p->writer, held.head) : NULL;
    held.on = false;
    held.head = held.tail = NULL;
    for (struct store_job *job = refused, *next; job; job = next) {
        next = job->next;
        write_done(job->arg, STORE_ERROR, false);
    }
}

/* The handler of a request waiting for its write has returned: true when the write is done (the
 * reply is then this thread's to make), else the writer makes it. */
static bool let_go(struct api_pool *p, struct request *req)
{
    pthread_mutex_lock(&p->mu);
    req->parked = true;
    bool done = req->write->done;
    pthread_mutex_unlock(&p->mu);
    return done;
}

/* A request whose handler deferred it (http_defer) has been let go of: it runs again once its
 * job is done, which may have happened already. */
static void park(struct api_pool *p, struct request *req)
{
    pthread_mutex_lock(&p->mu);
    req->parked = true;
    if (req->resume_ready) {
        queue_push(&p->jobs, req);
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Runs one request of those the thread took; when its reply is ready it joins done. */
static void run(struct api_thread *t, struct request *req, bool stopping, struct queue *done)
{
    req->app = &t->view;
    bool abandoned = atomic_load(&req->abandoned);
    if (req->resume) {
        void (*resume)(struct request *, void *) = req->resume;
        req->resume = NULL;
        req->waiting = req->parked = req->resume_ready = false;
        resume(abandoned ? NULL : req, req->resume_arg); /* it frees what it was given */
        if (!abandoned && !req->replied && !req->waiting)
            reply_error(req, 500, "internal", "no answer (request %s)", req->request_id);
    } else if (abandoned) {
        /* nobody waits for it: not run */
    } else if (stopping) {
        reply_error(req, 503, "unavailable", "the server is stopping");
    } else {
        http_pipeline_run(req);
    }
    if (req->waiting) {
        park(t->pool, req);
    } else if (req->deferred) {
        if (let_go(t->pool, req)) {
            write_reply(req);
            queue_push(done, req);
        }
    } else {
        queue_push(done, req);
    }
}

static void *api_main(void *arg)
{
    struct api_thread *t = arg;
    struct api_pool *p = t->pool;
    on_api_thread = true;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct queue *q = t->batch ? &p->batch_jobs : &p->jobs;
        while (!q->head && !p->stopping)
            pthread_cond_wait(t->batch ? &p->batch_work : &p->work, &p->mu);
        if (!q->head)
            break;
        struct queue work = queue_take(q, t->batch ? STORE_WRITER_GROUP_MAX : 1);
        bool stopping = p->stopping;
        pthread_mutex_unlock(&p->mu);

        struct queue done = {0};
        held.on = t->batch;
        for (struct request *req = work.head, *next; req; req = next) {
            next = req->next;
            run(t, req, stopping, &done);
        }
        if (t->batch)
            submit_held(p);
        for (struct request *r = done.head; r; r = r->next)
            r->app = p->app;

        pthread_mutex_lock(&p->mu);
        bool wake = !p->finished.head && done.head; /* else the service thread is woken already */
        queue_append(&p->finished, &done);
        if (wake)
            lws_cancel_service(p->app->lws);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The writer's thread, after each group commit: the engine may have new work. */
static void work_committed(void *ctx)
{
    struct app *app = ctx;
    if (app->work_committed)
        app->work_committed(app->engine);
}

struct api_pool *pool_start(struct app *app, int threads, char *err, size_t err_len)
{
    int n = threads + 1; /* and the batch thread */
    struct api_pool *p = calloc(1, sizeof *p + (size_t)n * sizeof p->threads[0]);
    if (!p) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    p->app = app;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->batch_work, NULL);
    pthread_cond_init(&p->answered, NULL);
    p->writer = store_writer_start(app->db_path, work_committed, app, err, err_len);
    if (!p->writer) {
        pool_free(p);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        struct api_thread *t = &p->threads[i];
        t->pool = p;
        t->batch = i == 0;
        t->view = *app;
        t->view.pool = p;
        t->view.store = store_open(app->db_path, err, err_len);
        if (!t->view.store || pthread_create(&t->tid, NULL, api_main, t) != 0) {
            if (t->view.store)
                snprintf(err, err_len, "cannot start an API thread");
            store_close(t->view.store);
            pool_stop(p);
            pool_free(p);
            return NULL;
        }
        t->started = true;
        p->nthreads++;
    }
    return p;
}

void pool_submit(struct api_pool *p, struct request *req)
{
    bool batch = req->route && (req->route->flags & ROUTE_BATCH);
    pthread_mutex_lock(&p->mu);
    queue_push(batch ? &p->batch_jobs : &p->jobs, req);
    pthread_cond_signal(batch ? &p->batch_work : &p->work);
    pthread_mutex_unlock(&p->mu);
}

void pool_resume(struct api_pool *p, struct request *req,
                 void (*done)(struct request *req, void *arg), void *arg)
{
    pthread_mutex_lock(&p->mu);
    req->resume = done;
    req->resume_arg = arg;
    req->resume_ready = true;
    if (req->parked) {
        queue_push(&p->jobs, req);
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
}

struct request *pool_finished(struct api_pool *p)
{
    pthread_mutex_lock(&p->mu);
    struct request *list = p->finished.head;
    p->finished.head = p->finished.tail = NULL;
    pthread_mutex_unlock(&p->mu);
    return list;
}

void pool_answer(struct api_pool *p)
{
    pthread_mutex_lock(&p->mu);
    struct header_ask *list = p->asks;
    p->asks = NULL;
    pthread_mutex_unlock(&p->mu);
    if (!list)
        return;
    for (struct header_ask *a = list; a; a = a->next)
        a->value = atomic_load(&a->req->abandoned) ? NULL : request_header(a->req, a->name);
    pthread_mutex_lock(&p->mu);
    for (struct header_ask *a = list, *next; a; a = next) {
        next = a->next;
        a->done = true;
    }
    pthread_cond_broadcast(&p->answered);
    pthread_mutex_unlock(&p->mu);
}

char *pool_header(struct api_pool *p, const struct request *req, const char *name)
{
    struct header_ask a = {.req = req, .name = name};
    pthread_mutex_lock(&p->mu);
    a.next = p->asks;
    p->asks = &a;
    lws_cancel_service(p->app->lws);
    while (!a.done)
        pthread_cond_wait(&p->answered, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return a.value;
}

void pool_stop(struct api_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_cond_broadcast(&p->batch_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++) {
        struct api_thread *t = &p->threads[i];
        if (!t->started)
            continue;
        /* A thread may wait on a header question: answer them until it is gone. */
        while (pthread_tryjoin_np(t->tid, NULL) != 0) {
            pool_answer(p);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        t->started = false;
    }
    /* The threads are gone: the writes they handed over are committed and their requests join
     * pool_finished. */
    store_writer_stop(p->writer);
}

void pool_free(struct api_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nthreads; i++)
        store_close(p->threads[i].view.store);
    store_writer_free(p->writer);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->batch_work);
    pthread_cond_destroy(&p->answered);
    free(p);
}
