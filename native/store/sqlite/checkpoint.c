/*
 * Background WAL checkpoints. SQLite's default runs a checkpoint — copying the WAL into the
 * database and syncing it — inside whichever commit pushes the WAL past 1000 pages, so now and then
 * an API request or a worker's batch pays for everyone's writes. Every connection instead reports
 * the WAL size after its commits; when the server runs a checkpointer, that thread does the work on
 * its own connection. Processes without one (the command line) checkpoint as SQLite would.
 */
#include "store/sqlite/sqlite.h"
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* WAL pages after which a checkpoint is due (SQLite's default auto-checkpoint size). */
#define CHECKPOINT_FRAMES 1000
/* A WAL this long after a passive checkpoint means writers have kept it from being fully copied and
 * restarted for a long time: a RESTART checkpoint then holds new writers back while it copies the
 * rest and syncs (tens of ms), and the next writer starts the log from the beginning. Normally the
 * passive checkpoints catch up between group commits and the WAL restarts by itself (the file is
 * cut back to journal_size_limit), so this is a safety valve, not the usual path. */
#define CHECKPOINT_FRAMES_RESTART (CHECKPOINT_FRAMES * 64)
/* Far past due (the checkpointer cannot keep up at all): the committing connection helps. */
#define CHECKPOINT_FRAMES_INLINE (CHECKPOINT_FRAMES * 128)
/* Idle period after which the checkpointer runs anyway. */
#define CHECKPOINT_IDLE_MS 2000

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    atomic_bool running;
    bool stopping, due;
    sqlite3 *db;
    atomic_long background, inline_runs; /* checkpoints run by the thread, by committers */
} ck = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

int store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)arg;
    if (frames < CHECKPOINT_FRAMES)
        return SQLITE_OK;
    if (atomic_load(&ck.running) && frames < CHECKPOINT_FRAMES_INLINE) {
        pthread_mutex_lock(&ck.mu);
        ck.due = true;
        pthread_cond_signal(&ck.cv);
        pthread_mutex_unlock(&ck.mu);
        return SQLITE_OK;
    }
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    atomic_fetch_add(&ck.inline_runs, 1);
    return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "checkpoint");
    pthread_mutex_lock(&ck.mu);
    while (!ck.stopping) {
        if (!ck.due) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += CHECKPOINT_IDLE_MS / 1000;
            if (pthread_cond_timedwait(&ck.cv, &ck.mu, &until) == ETIMEDOUT)
                ck.due = true;
            continue;
        }
        ck.due = false;
        pthread_mutex_unlock(&ck.mu);
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(ck.db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc == SQLITE_OK && log >= CHECKPOINT_FRAMES_RESTART)
            rc = sqlite3_wal_checkpoint_v2(ck.db, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            log_error("checkpoint failed: %s\n", sqlite3_errmsg(ck.db));
        else if (log > 0)
            atomic_fetch_add(&ck.background, 1);
        pthread_mutex_lock(&ck.mu);
    }
    pthread_mutex_unlock(&ck.mu);
    return NULL;
}

int store_sqlite_checkpointer_start(const char *path, char *err, size_t err_len)
{
    if (atomic_load(&ck.running))
        return 0;
    int rc = sqlite3_open_v2(path, &ck.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_len, "checkpointer: cannot open %s: %s", path,
                 ck.db ? sqlite3_errmsg(ck.db) : sqlite3_errstr(rc));
        sqlite3_close(ck.db);
        ck.db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(ck.db, 1000);
    /* A connection learns that the file is in WAL mode only when it first reads it. */
    if (sqlite3_exec(ck.db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "checkpointer: %s", sqlite3_errmsg(ck.db));
        sqlite3_close(ck.db);
        ck.db = NULL;
        return -1;
    }
    ck.stopping = false;
    ck.due = false;
    if (pthread_create(&ck.thread, NULL, checkpointer_main, NULL) != 0) {
        snprintf(err, err_len, "checkpointer: cannot start a thread: %s", strerror(errno));
        sqlite3_close(ck.db);
        ck.db = NULL;
        return -1;
    }
    atomic_store(&ck.running, true);
    return 0;
}

void store_sqlite_checkpointer_stop(void)
{
    if (!atomic_load(&ck.running))
        return;
    atomic_store(&ck.running, false);
    pthread_mutex_lock(&ck.mu);
    ck.stopping = true;
    pthread_cond_signal(&ck.cv);
    pthread_mutex_unlock(&ck.mu);
    pthread_join(ck.thread, NULL);
    sqlite3_close(ck.db);
    ck.db = NULL;
}

void store_checkpoint_counts(long *background, long *inline_runs)
{
    *background = atomic_load(&ck.background);
    *inline_runs = atomic_load(&ck.inline_runs);
}
