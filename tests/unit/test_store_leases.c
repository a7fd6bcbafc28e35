/* Store: claims, lease renewal and the fencing of every write of a run's outcome; the synchronous
 * setting; reading steps within a byte budget. */
#include "check.h"
#include "store_fixture.h"

#include "json/json.h"
#include "store/runs.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>

static int count_rows(struct store *s, const char *id)
{
    cJSON *rows = NULL;
    store_query(s, "SELECT count(*) AS n FROM execution_steps WHERE execution_id = ?1", &rows,
                STORE_ARGS(store_text(id)));
    int n = rows && rows->child ? cJSON_GetObjectItem(rows->child, "n")->valueint : -1;
    cJSON_Delete(rows);
    return n;
}

static char *status_of(struct store *s, const char *id, char out[16])
{
    struct execution x;
    int rc = store_execution_find(s, id, &x);
    snprintf(out, 16, "%s", rc == STORE_OK ? x.status : "(none)");
    store_execution_clear(&x);
    return out;
}

static int claimed(struct store *s, int64_t now, const char *owner, int *attempt)
{
    struct claimed_execution_list jobs;
    CHECK_INT(store_claim(s, now, 100, 32, owner, &jobs), STORE_OK);
    int n = (int)jobs.n;
    if (n > 0 && attempt)
        *attempt = jobs.items[0].attempt;
    store_claimed_execution_list_free(&jobs);
    return n;
}

static int synchronous(const char *path)
{
    char err[256];
    struct store *s = store_open(path, err, sizeof err);
    cJSON *rows = NULL;
    store_query(s, "PRAGMA synchronous", &rows, STORE_NO_ARGS);
    int v = rows && rows->child ? cJSON_GetObjectItem(rows->child, "synchronous")->valueint : -1;
    cJSON_Delete(rows);
    store_close(s);
    return v;
}

static void insert_execution(struct store *s, const char *id)
{
    CHECK_INT(
        store_query(s,
                    "INSERT INTO executions(id, env_id, installation_id, workflow_id, user_id,"
                    " version, status, attempt, run_at, state, created_at) VALUES "
                    "(?1, 'env', 'inst', 'wf', 'user', 1, 'queued', 0, 0, '{}', 0)",
                    NULL, STORE_ARGS(store_text(id))),
        STORE_OK);
}

static int step(struct store *s, const char *id, int seq, int attempt, const cJSON *output)
{
    return store_step_insert(s, id, seq, "send", "http", "Send", "send", "success", attempt, 1, 2,
                             NULL, output, NULL);
}

int main(void)
{
    struct store_fixture fx;
    struct store *s = store_fixture_open(&fx, "leases");
    if (!s)
        return check_summary("store_leases");
    const char *path = fx.path;
    char st[16];

    /* A claims; B cannot while A's lease runs, renewed or not. */
    insert_execution(s, "x1");
    int a_attempt = 0, b_attempt = 0;
    CHECK_INT(claimed(s, 1000, "A", &a_attempt), 1);
    CHECK_INT(a_attempt, 1);
    CHECK_INT(claimed(s, 1050, "B", NULL), 0);
    CHECK_INT(store_leases_renew(s, "A", 1200), 1);
    CHECK_INT(store_leases_renew(s, "B", 5000), 0);
    CHECK_INT(claimed(s, 1150, "B", NULL), 0);

    /* Once A's lease ran out, B takes the execution over as the next attempt. */
    CHECK_INT(claimed(s, 1300, "B", &b_attempt), 1);
    CHECK_INT(b_attempt, 2);

    /* Everything A writes now is fenced off: 0 rows, STORE_NOT_FOUND, nothing stored. */
    cJSON *out = cJSON_CreateObject();
    CHECK_INT(step(s, "x1", 0, a_attempt, out), STORE_NOT_FOUND);
    CHECK_INT(count_rows(s, "x1"), 0);
    CHECK_INT(store_execution_finish(s, "x1", a_attempt, "error", "late", NULL, NULL),
              STORE_NOT_FOUND);
    CHECK_INT(store_execution_requeue(s, "x1", a_attempt, 0, out, NULL, NULL), STORE_NOT_FOUND);
    CHECK_INT(store_lease_renew(s, "x1", a_attempt, 9000), STORE_NOT_FOUND);
    CHECK_INT(store_lease_release(s, "x1", a_attempt), STORE_NOT_FOUND);
    CHECK_INT(store_leases_renew(s, "A", 9000), 0);
    CHECK_STR(status_of(s, "x1", st), "running");

    /* B's outcome is written, once. */
    CHECK_INT(store_lease_renew(s, "x1", b_attempt, 2000), STORE_OK);
    CHECK_INT(step(s, "x1", 0, b_attempt, out), STORE_OK);
    CHECK_INT(store_execution_finish(s, "x1", b_attempt, "success", NULL, NULL, NULL), STORE_OK);
    CHECK_STR(status_of(s, "x1", st), "success");
    CHECK_INT(count_rows(s, "x1"), 1);
    CHECK_INT(step(s, "x1", 1, b_attempt, out), STORE_NOT_FOUND);
    CHECK_INT(store_execution_finish(s, "x1", b_attempt, "error", NULL, NULL, NULL),
              STORE_NOT_FOUND);
    CHECK_STR(status_of(s, "x1", st), "success");
    cJSON_Delete(out);

    /* A released claim is no longer renewed: its lease runs out and it is claimed again. */
    insert_execution(s, "x2");
    CHECK_INT(claimed(s, 3000, "A", &a_attempt), 1);
    CHECK_INT(store_lease_release(s, "x2", a_attempt), STORE_OK);
    CHECK_INT(store_leases_renew(s, "A", 9000), 0);
    CHECK_INT(claimed(s, 3200, "B", &b_attempt), 1);
    CHECK_INT(b_attempt, a_attempt + 1);

    /* Requeued orphans: the old claim is void, the next claim counts a new attempt. */
    CHECK_INT(store_requeue_orphans(s), 1);
    CHECK_STR(status_of(s, "x2", st), "queued");
    CHECK_INT(store_execution_finish(s, "x2", b_attempt, "success", NULL, NULL, NULL),
              STORE_NOT_FOUND);
    CHECK_INT(claimed(s, 3300, "C", &a_attempt), 1);
    CHECK_INT(a_attempt, b_attempt + 1);

    /* Steps read within a byte budget: a value over it is left out, its size given. */
    char *big = malloc(5001);
    memset(big, 'z', 5000);
    big[5000] = 0;
    cJSON *bigv = cJSON_CreateString(big);
    CHECK_INT(step(s, "x2", 0, a_attempt, bigv), STORE_OK);
    struct execution_step_list steps;
    CHECK_INT(store_steps_of_execution(s, "x2", 4096, 10, &steps), STORE_OK);
    CHECK_INT((int)steps.n, 1);
    CHECK(steps.items[0].output == NULL);
    CHECK_INT((int)steps.items[0].output_bytes, 5002);
    CHECK(steps.items[0].inputs == NULL);
    CHECK_INT((int)steps.items[0].inputs_bytes, -1);
    CHECK_STR(steps.items[0].block_id, "send");
    CHECK_STR(steps.items[0].block_name, "Send");
    CHECK(steps.items[0].error == NULL);
    store_execution_step_list_free(&steps);
    CHECK_INT(store_steps_of_execution(s, "x2", 8192, 10, &steps), STORE_OK);
    CHECK(cJSON_IsString(steps.items[0].output));
    store_execution_step_list_free(&steps);
    CHECK_INT((int)steps.n, 0);
    cJSON_Delete(bigv);
    free(big);
    store_close(s);
    fx.s = NULL;

    /* --sync: connections opened after store_set_sync use it (SQLite's setting). */
    if (!store_is_postgres(path)) {
        CHECK_INT(synchronous(path), 1);
        store_set_sync(STORE_SYNC_FULL);
        CHECK_INT(synchronous(path), 2);
        store_set_sync(STORE_SYNC_NORMAL);
        CHECK_INT(synchronous(path), 1);
    }

    store_fixture_close(&fx);
    return check_summary("store_leases");
}
