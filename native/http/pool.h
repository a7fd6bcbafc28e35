/*
 * API threads: where the pipeline and the handlers run, so that nothing a request does (a database
 * wait, a large body, a heavy schema, reading a file) holds the lws service thread, which keeps
 * accepting, reading and writing for everyone.
 *
 * The service thread hands over a request whose headers and body it has received. ROUTE_BATCH
 * requests go to the batch thread, one API thread of their own (what they cache needs no lock),
 * which takes every waiting one at once and gives their writes to the store's writer together;
 * every other request goes to the next free one of APP_API_THREADS threads. Each thread has its own
 * store connection and its own view of struct app (the same configuration and services, that
 * connection), which it puts in req->app while it works. A handler's group-committed write
 * (app_write) goes to the store's writer (store/writer.h, started and stopped with the pool); the
 * request is answered once that write's group has committed. A finished request is handed back and
 * the service thread woken (lws_cancel_service), which writes the reply.
 *
 * Lifecycle: pool_start once the lws context exists, pool_stop (on the service thread, which keeps
 * answering header questions meanwhile) before it is destroyed, then pool_free.
 */
#ifndef SOLDER_POOL_H
#define SOLDER_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct api_pool;
struct request;

/* Starts the threads with a store connection each, and the store's writer. Returns NULL with err
 * set on failure. */
struct api_pool *pool_start(struct app *app, int threads, char *err, size_t err_len);

/* Queues req (routed, body complete). The pool owns it until pool_finished returns it. */
void pool_submit(struct api_pool *p, struct request *req);

/* A job's thread (http/defer.c): req's work is done; done(req, arg) is to run on an API thread
 * as soon as the handler that deferred it has returned. */
void pool_resume(struct api_pool *p, struct request *req,
                 void (*done)(struct request *req, void *arg), void *arg);

/* Service thread: takes the requests whose reply is ready (or that were abandoned), linked by
 * req->next; req->app is the server's own struct app again. */
struct request *pool_finished(struct api_pool *p);

/* Service thread: answers the API threads' pending request_header questions. */
void pool_answer(struct api_pool *p);

/* API thread: asks the service thread for a header of req and waits (request_header). */
char *pool_header(struct api_pool *p, const struct request *req, const char *name);

/* True on an API thread. */
bool pool_on_api_thread(void);

/*
 * Service thread: lets each thread finish the requests it is running, answers the ones still
 * queued with 503 and joins the threads, then stops the writer once it has committed every write
 * handed to it. Their requests are then in pool_finished.
 */
void pool_stop(struct api_pool *p);
void pool_free(struct api_pool *p);

/* Runs the pipeline and the handler for a routed request (http/server.c), on any thread. */
void http_pipeline_run(struct request *req);

#endif
