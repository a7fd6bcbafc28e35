/* Store: the writer's group commit — jobs share one transaction, a failing job is undone alone,
 * done runs after the COMMIT, a failed COMMIT fails every job of its group, the group and queue
 * limits, and stop drains what is queued. */
#include "check.h"
#include "store_fixture.h"

#include "store/store_internal.h"
#include "store/writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct store *reader; /* the test's own connection */
static atomic_int commits;   /* groups committed (the writer's committed hook) */

/* A job: writes row key (into wc, a row that needs its parent in wp, when orphan), then returns
 * result; done records what it was told. */
struct job {
    struct store_job job;
    char key[32];
    bool orphan;
    int result;
    int group;    /* commits seen by run: jobs of one group see the same */
    bool visible; /* done: the row could be read from another connection */
    int committed_at_done;
    atomic_bool done;
    int status;
    bool commit_failed;
};

/* A job that holds the writer until released, so that what is queued meanwhile forms one group. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open, gate_entered;

static bool row_exists(const char *key)
{
    cJSON *rows = NULL;
    store_query(reader, "SELECT 1 AS n FROM wk WHERE k = ?1", &rows, STORE_ARGS(store_text(key)));
    bool found = rows && rows->child;
    cJSON_Delete(rows);
    return found;
}

static int job_run(struct store *s, void *arg)
{
    struct job *j = arg;
    j->group = atomic_load(&commits);
    int rc = store_query(s, "INSERT INTO wk(k) VALUES (?1)", NULL, STORE_ARGS(store_text(j->key)));
    if (rc == STORE_OK && j->orphan)
        rc = store_query(s, "INSERT INTO wc(p) VALUES (424242)", NULL, STORE_NO_ARGS);
    return rc == STORE_OK ? j->result : rc;
}

static void job_done(void *arg, int status, bool commit_failed)
{
    struct job *j = arg;
    j->status = status;
    j->commit_failed = commit_failed;
    j->visible = row_exists(j->key);
    j->committed_at_done = atomic_load(&commits);
    atomic_store(&j->done, true);
}

static int gate_run(struct store *s, void *arg)
{
    (void)s;
    (void)arg;
    pthread_mutex_lock(&gate_mu);
    gate_entered = true;
    pthread_cond_broadcast(&gate_cv);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    return STORE_OK;
}

static void gate_done(void *arg, int status, bool commit_failed)
{
    (void)arg;
    (void)status;
    (void)commit_failed;
}

static struct store_job gate_job = {.run = gate_run, .done = gate_done};

/* Queues the gate and waits until the writer holds it. */
static void gate_close(struct store_writer *w)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = gate_entered = false;
    pthread_mutex_unlock(&gate_mu);
    CHECK_INT(store_writer_submit(w, &gate_job), STORE_OK);
    pthread_mutex_lock(&gate_mu);
    while (!gate_entered)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

static void gate_release(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = true;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void job_init(struct job *j, const char *prefix, int i, int result)
{
    memset(j, 0, sizeof *j);
    snprintf(j->key, sizeof j->key, "%s-%d", prefix, i);
    j->result = result;
    j->job = (struct store_job){.run = job_run, .done = job_done, .arg = j};
}

static void wait_done(struct job *jobs, int n)
{
    for (int i = 0; i < n; i++)
        while (!atomic_load(&jobs[i].done)) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
}

static atomic_int wrong_ctx; /* committed hooks called with another ctx (checked by main) */

/* Runs on the writer's thread: it only counts (CHECK's tallies belong to the main thread). */
static void count_commit(void *ctx)
{
    if (ctx != &commits)
        atomic_fetch_add(&wrong_ctx, 1);
    atomic_fetch_add(&commits, 1);
}

int main(void)
{
    struct store_fixture fx;
    reader = store_fixture_open(&fx, "writer");
    if (!reader)
        return check_summary("test_store_writer");
    const char *path = fx.path;
    char err[256];
    CHECK_INT(store_query(reader, "CREATE TABLE wk(k TEXT PRIMARY KEY)", NULL, STORE_NO_ARGS),
              STORE_OK);
    CHECK_INT(store_query(reader, "CREATE TABLE wp(id INTEGER PRIMARY KEY)", NULL, STORE_NO_ARGS),
              STORE_OK);
    CHECK_INT(store_query(reader,
                          "CREATE TABLE wc(p INTEGER REFERENCES wp(id) DEFERRABLE INITIALLY "
                          "DEFERRED)",
                          NULL, STORE_NO_ARGS),
              STORE_OK);
    struct store_writer *w = store_writer_start(path, count_commit, &commits, err, sizeof err);
    CHECK(w != NULL);

    /* Six jobs queued behind the gate form one group; the failing one alone is undone, and done
     * runs once the others' rows are committed (visible to another connection). */
    struct job a[6];
    gate_close(w);
    for (int i = 0; i < 6; i++)
        job_init(&a[i], "a", i, i == 3 ? STORE_CONFLICT : STORE_OK);
    a[0].job.next = &a[1].job; /* a list given at once, then one by one */
    a[1].job.next = &a[2].job;
    CHECK(store_writer_submit_list(w, &a[0].job) == NULL);
    for (int i = 3; i < 6; i++)
        CHECK_INT(store_writer_submit(w, &a[i].job), STORE_OK);
    int before = atomic_load(&commits);
    gate_release();
    wait_done(a, 6);
    for (int i = 0; i < 6; i++) {
        CHECK_INT(a[i].group, before + 1); /* the gate's group committed first, then one group */
        CHECK_INT(a[i].committed_at_done, before + 2);
        CHECK(!a[i].commit_failed);
        CHECK_INT(a[i].status, i == 3 ? STORE_CONFLICT : STORE_OK);
        CHECK(a[i].visible == (i != 3));
        CHECK(row_exists(a[i].key) == (i != 3));
    }

    /* A group whose COMMIT fails (a deferred foreign key): every job is told so, none is kept. */
    struct job b[4];
    gate_close(w);
    for (int i = 0; i < 4; i++) {
        job_init(&b[i], "b", i, STORE_OK);
        b[i].orphan = i == 2;
        CHECK_INT(store_writer_submit(w, &b[i].job), STORE_OK);
    }
    before = atomic_load(&commits);
    gate_release();
    wait_done(b, 4);
    for (int i = 0; i < 4; i++) {
        CHECK(b[i].commit_failed);
        CHECK(b[i].status != STORE_OK);
        CHECK(!b[i].visible);
        CHECK(!row_exists(b[i].key));
    }
    CHECK_INT(atomic_load(&commits), before + 1); /* only the gate's group */

    /* The writer goes on after a failed commit; a group holds at most STORE_WRITER_GROUP_MAX. */
    int n = STORE_WRITER_GROUP_MAX + 88;
    struct job *c = calloc((size_t)n, sizeof *c);
    gate_close(w);
    for (int i = 0; i < n; i++) {
        job_init(&c[i], "c", i, STORE_OK);
        CHECK_INT(store_writer_submit(w, &c[i].job), STORE_OK);
    }
    before = atomic_load(&commits);
    gate_release();
    wait_done(c, n);
    int first = 0, second = 0;
    for (int i = 0; i < n; i++) {
        first += c[i].group == before + 1;
        second += c[i].group == before + 2;
        CHECK(c[i].visible && c[i].status == STORE_OK);
    }
    CHECK_INT(first, STORE_WRITER_GROUP_MAX);
    CHECK_INT(second, n - STORE_WRITER_GROUP_MAX);
    free(c);

    /* The queue refuses past STORE_WRITER_QUEUE_MAX waiting jobs. */
    struct job *d = calloc(STORE_WRITER_QUEUE_MAX + 1, sizeof *d);
    gate_close(w);
    for (int i = 0; i < STORE_WRITER_QUEUE_MAX - 1; i++) {
        job_init(&d[i], "d", i, STORE_OK);
        CHECK_INT(store_writer_submit(w, &d[i].job), STORE_OK);
    }
    job_init(&d[STORE_WRITER_QUEUE_MAX - 1], "d", STORE_WRITER_QUEUE_MAX - 1, STORE_OK);
    job_init(&d[STORE_WRITER_QUEUE_MAX], "d", STORE_WRITER_QUEUE_MAX, STORE_OK);
    d[STORE_WRITER_QUEUE_MAX - 1].job.next = &d[STORE_WRITER_QUEUE_MAX].job;
    CHECK(store_writer_submit_list(w, &d[STORE_WRITER_QUEUE_MAX - 1].job) ==
          &d[STORE_WRITER_QUEUE_MAX].job);
    CHECK_INT(store_writer_submit(w, &d[STORE_WRITER_QUEUE_MAX].job), STORE_ERROR);
    gate_release();
    wait_done(d, STORE_WRITER_QUEUE_MAX);
    CHECK(!atomic_load(&d[STORE_WRITER_QUEUE_MAX].done));
    free(d);

    /* Stop runs and commits everything queued before it returns, then refuses. */
    struct job e[40];
    for (int i = 0; i < 40; i++) {
        job_init(&e[i], "e", i, STORE_OK);
        CHECK_INT(store_writer_submit(w, &e[i].job), STORE_OK);
    }
    store_writer_stop(w);
    for (int i = 0; i < 40; i++) {
        CHECK(atomic_load(&e[i].done));
        CHECK(e[i].visible && row_exists(e[i].key));
    }
    struct job late;
    job_init(&late, "late", 0, STORE_OK);
    CHECK_INT(store_writer_submit(w, &late.job), STORE_ERROR);
    store_writer_free(w);
    CHECK_INT(atomic_load(&wrong_ctx), 0); /* every committed hook got the writer's ctx */

    store_fixture_close(&fx);
    return check_summary("test_store_writer");
}
