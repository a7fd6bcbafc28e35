/*
 * The store's writer: one thread with its own connection that runs the jobs it is given inside a
 * shared write transaction (group commit), so that many small writes pay for one COMMIT (one
 * fsync under --sync full) instead of one each, and no caller waits on the database for them.
 *
 * A job is a function run with the writer's struct store inside the current group transaction, in
 * a savepoint of its own: kept when it returns STORE_OK, undone otherwise, so a failing job leaves
 * the others of its group whole. Once the group's COMMIT is durable, or has failed, every job's
 * done callback runs (on the writer's thread): with the job's own status, or with the commit's
 * failure for every job of the group (none of them was kept, none half-applied). done is how a
 * caller learns of it; the writer knows nothing of who waits (http wakes its service thread).
 *
 * Lifecycle: store_writer_start, store_writer_submit from any thread, store_writer_stop (runs
 * every job already queued, then joins the thread), store_writer_free.
 */
#ifndef SOLDER_STORE_WRITER_H
#define SOLDER_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>

struct store;
struct store_writer;

/* Most jobs one group transaction holds before it is committed: bounds how long the first job of a
 * group waits for its COMMIT and how much one failed commit reports failed. */
#define STORE_WRITER_GROUP_MAX 512
/* Jobs waiting at once: bounds the memory and the wait of callers when writes come faster than the
 * disk commits them; past it store_writer_submit refuses. */
#define STORE_WRITER_QUEUE_MAX 8192

/* One job; the caller owns it (and arg) until done has been called, which may free it. */
struct store_job {
    /* On the writer's thread, inside its transaction: returns STORE_OK to keep its writes. */
    int (*run)(struct store *s, void *arg);
    /* On the writer's thread, once the group is over: status is run's result (or the store's
     * failure to start the job), unless commit_failed: then the group's COMMIT failed, status is
     * that failure and nothing of the job was kept. */
    void (*done)(void *arg, int status, bool commit_failed);
    void *arg;
    struct store_job *next; /* the writer's */
    int status;             /* the writer's */
};

/* Starts the writer on its own connection to the database at path. committed(ctx), when not NULL,
 * runs on the writer's thread after each group whose COMMIT succeeded, before its jobs' done.
 * Returns NULL with err set on failure. */
struct store_writer *store_writer_start(const char *path, void (*committed)(void *ctx), void *ctx,
                                        char *err, size_t err_len);

/* Queues job. Returns STORE_OK, or STORE_ERROR (done will not be called) when the queue is full
 * (STORE_WRITER_QUEUE_MAX) or the writer is stopping. */
int store_writer_submit(struct store_writer *w, struct store_job *job);
/* Queues jobs, a list linked by next, in order and at once (a caller that gathered them keeps them
 * in one group). Returns the first job refused (it and those after it are not queued: done will
 * not be called for them), or NULL when all were. */
struct store_job *store_writer_submit_list(struct store_writer *w, struct store_job *jobs);

/* Runs every job already queued, committing their groups and calling their done, then joins the
 * thread; submissions meanwhile are refused. */
void store_writer_stop(struct store_writer *w);
void store_writer_free(struct store_writer *w);

#endif
