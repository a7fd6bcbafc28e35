/* Store: the typed reads of runs.h — installations, install sessions, queued and claimed
 * executions, schedules, errors, counts — with their absent (NULL) columns, and lists freed
 * whole. */
#include "check.h"
#include "store_fixture.h"

#include "json/json.h"
#include "store/runs.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A workflow of a new integration in env; its id into wid. */
static void insert_workflow(struct store *s, const char *env, const char *name,
                            char wid[ID_LEN + 1])
{
    char integ[ID_LEN + 1];
    id_new(integ);
    id_new(wid);
    CHECK_INT(store_query(s,
                          "INSERT INTO integrations(id, env_id, name, created_at, updated_at) "
                          "VALUES (?1, ?2, ?3, 1, 1)",
                          NULL, STORE_ARGS(store_text(integ), store_text(env), store_text(name))),
              STORE_OK);
    CHECK_INT(store_query(s,
                          "INSERT INTO workflows(id, env_id, integration_id, name, draft, version,"
                          " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, '{}', 1, 1, 1)",
                          NULL,
                          STORE_ARGS(store_text(wid), store_text(env), store_text(integ),
                                     store_text(name))),
              STORE_OK);
}

int main(void)
{
    struct store_fixture fx;
    struct store *s = store_fixture_open(&fx, "runs");
    if (!s)
        return check_summary("store_runs");
    struct environment env = fx.dev;

    struct user named = {.username = "ada", .full_name = "Ada L", .created_at = 1},
                anon = {.created_at = 2};
    id_new(named.id);
    id_new(anon.id);
    snprintf(named.env_id, sizeof named.env_id, "%s", env.id);
    snprintf(anon.env_id, sizeof anon.env_id, "%s", env.id);
    CHECK_INT(store_user_insert(s, &named), STORE_OK);
    CHECK_INT(store_user_insert(s, &anon), STORE_OK);
    char wf[ID_LEN + 1], sched[ID_LEN + 1];
    insert_workflow(s, env.id, "orders", wf);
    insert_workflow(s, env.id, "nightly", sched);

    /* Installations: every column filled, a NULL trigger event and credentials left NULL. */
    struct installation inst;
    CHECK_INT(store_installation_find(s, wf, named.id, &inst), STORE_NOT_FOUND);
    CHECK(inst.config == NULL && inst.trigger_type == NULL);
    store_installation_clear(&inst);
    cJSON *config = json_parse("{\"region\":\"eu\"}", 15, 10, NULL);
    char iid[ID_LEN + 1], iid2[ID_LEN + 1];
    CHECK_INT(store_installation_upsert(s, env.id, wf, named.id, "integ", 1, config, "customEvent",
                                        "Order Placed", iid),
              STORE_OK);
    CHECK_INT(store_installation_upsert(s, env.id, wf, anon.id, "integ", 1, config, "customEvent",
                                        NULL, iid2),
              STORE_OK);
    cJSON *creds = json_parse("{\"shopify\":\"c1\"}", 16, 10, NULL);
    CHECK_INT(store_installation_set_credentials(s, iid, creds), STORE_OK);
    CHECK_INT(store_installation_find(s, wf, named.id, &inst), STORE_OK);
    CHECK_STR(inst.id, iid);
    CHECK_STR(inst.workflow_id, wf);
    CHECK_STR(inst.user_id, named.id);
    CHECK_STR(inst.integration_id, "integ");
    CHECK_INT(inst.version, 1);
    CHECK(inst.active);
    CHECK_STR(json_get_str(inst.config, "region"), "eu");
    CHECK_STR(inst.trigger_type, "customEvent");
    CHECK_STR(inst.trigger_event, "Order Placed");
    CHECK_STR(json_get_str(inst.credential_ids, "shopify"), "c1");
    CHECK(inst.installed_at > 0 && inst.updated_at >= inst.installed_at);
    CHECK(inst.username == NULL); /* only listed by workflow */
    store_installation_clear(&inst);
    CHECK_INT(store_installation_find(s, wf, anon.id, &inst), STORE_OK);
    CHECK(inst.trigger_event == NULL && inst.credential_ids == NULL);
    store_installation_clear(&inst);

    struct installation_list list;
    CHECK_INT(store_installations_of_workflow(s, wf, &list), STORE_OK);
    CHECK_INT((int)list.n, 2);
    int with_name = 0;
    for (size_t i = 0; i < list.n; i++) {
        if (strcmp(list.items[i].user_id, named.id) == 0) {
            CHECK_STR(list.items[i].username, "ada");
            CHECK_STR(list.items[i].full_name, "Ada L");
            with_name++;
        } else {
            CHECK(list.items[i].username == NULL && list.items[i].full_name == NULL);
        }
    }
    CHECK_INT(with_name, 1);
    store_installation_list_free(&list);
    CHECK(list.items == NULL && list.n == 0);
    CHECK_INT(store_installations_of_env(s, env.id, &list), STORE_OK);
    CHECK_INT((int)list.n, 2);
    store_installation_list_free(&list);
    CHECK_INT(store_installations_of_workflow(s, sched, &list), STORE_OK);
    CHECK_INT((int)list.n, 0);
    store_installation_list_free(&list);

    /* Install sessions: versions and credentials absent in a session without them. */
    cJSON *ids = cJSON_CreateArray();
    cJSON_AddItemToArray(ids, cJSON_CreateString(wf));
    char sid[ID_LEN + 1];
    id_new(sid);
    CHECK_INT(store_install_session_insert(s, env.id, sid, named.id, "integ", ids, NULL, NULL),
              STORE_OK);
    struct install_session session;
    CHECK_INT(store_install_session_find(s, env.id, sid, &session), STORE_OK);
    CHECK_STR(session.id, sid);
    CHECK_STR(session.user_id, named.id);
    CHECK_STR(session.integration_id, "integ");
    CHECK_INT(cJSON_GetArraySize(session.workflow_ids), 1);
    CHECK(session.versions == NULL && session.credential_ids == NULL);
    CHECK_STR(session.state, "started");
    CHECK(session.created_at > 0);
    store_install_session_clear(&session);
    CHECK_INT(store_install_session_complete(s, sid), STORE_OK);
    CHECK_INT(store_install_session_find(s, env.id, sid, &session), STORE_OK);
    CHECK_STR(session.state, "complete");
    store_install_session_clear(&session);
    CHECK_INT(store_install_session_find(s, "other-env", sid, &session), STORE_NOT_FOUND);
    store_install_session_clear(&session);

    /* Enqueueing: the ids of the executions queued, none for an event nobody listens to. */
    char event_id[ID_LEN + 1];
    struct execution_ids queued;
    CHECK_INT(store_enqueue(s, env.id, named.id, "Order Placed", "customEvent", "Order Placed",
                            NULL, "{\"n\":1}", event_id, &queued),
              STORE_OK);
    CHECK_INT((int)queued.n, 1);
    CHECK(id_valid(queued.ids[0]));
    char exec_id[ID_LEN + 1];
    snprintf(exec_id, sizeof exec_id, "%s", queued.ids[0]);
    store_execution_ids_free(&queued);
    CHECK_INT(store_enqueue(s, env.id, named.id, "Other", "customEvent", "Other", NULL, "{}",
                            event_id, &queued),
              STORE_OK);
    CHECK_INT((int)queued.n, 0);
    store_execution_ids_free(&queued);

    /* The execution, as the logs read it, and as a claim reads it. */
    struct execution x;
    CHECK_INT(store_execution_find(s, exec_id, &x), STORE_OK);
    CHECK_STR(x.id, exec_id);
    CHECK_STR(x.installation_id, iid);
    CHECK_STR(x.workflow_id, wf);
    CHECK_STR(x.status, "queued");
    CHECK_INT(x.attempt, 0);
    CHECK(id_valid(x.event_id));
    CHECK(x.error == NULL && x.error_block == NULL);
    CHECK(x.created_at > 0 && x.started_at == 0 && x.finished_at == 0);
    char first_event[ID_LEN + 1];
    snprintf(first_event, sizeof first_event, "%s", x.event_id);
    store_execution_clear(&x);
    CHECK_INT(store_execution_find(s, "nope", &x), STORE_NOT_FOUND);
    store_execution_clear(&x);

    struct run_event ev;
    CHECK_INT(store_event_payload(s, first_event, &ev), STORE_OK);
    CHECK_STR(ev.name, "Order Placed");
    CHECK_INT(cJSON_GetObjectItem(ev.payload, "n")->valueint, 1);
    store_run_event_clear(&ev);
    CHECK_INT(store_event_payload(s, "nope", &ev), STORE_NOT_FOUND);
    store_run_event_clear(&ev);

    int64_t waiting, running;
    CHECK_INT(store_queue_depth(s, &waiting, &running), STORE_OK);
    CHECK_INT((int)waiting, 1);
    CHECK_INT((int)running, 0);

    struct claimed_execution_list jobs;
    CHECK_INT(store_claim(s, store_now() + 1000, 60000, 8, "owner", &jobs), STORE_OK);
    CHECK_INT((int)jobs.n, 1);
    const struct claimed_execution *job = &jobs.items[0];
    CHECK_STR(job->id, exec_id);
    CHECK_STR(job->env_id, env.id);
    CHECK_STR(job->installation_id, iid);
    CHECK_STR(job->user_id, named.id);
    CHECK_INT(job->attempt, 1);
    CHECK_INT(job->version, 1);
    CHECK(cJSON_IsObject(job->state) && job->state->child == NULL);
    CHECK_INT(cJSON_GetObjectItem(job->event_payload, "n")->valueint, 1);
    CHECK_STR(json_get_str(job->install_config, "region"), "eu");
    CHECK_STR(job->username, "ada");
    CHECK_STR(job->full_name, "Ada L");
    int attempt = job->attempt;
    store_claimed_execution_list_free(&jobs);
    CHECK_INT(store_queue_depth(s, &waiting, &running), STORE_OK);
    CHECK_INT((int)waiting, 0);
    CHECK_INT((int)running, 1);

    /* A failed run: its error, listed for the workflow, unstreamed, and counted. */
    CHECK_INT(store_execution_finish(s, exec_id, attempt, "error", "boom", "Send", NULL), STORE_OK);
    CHECK_INT(store_error_insert(s, env.id, exec_id, wf, iid, named.id, "Send", "boom"), STORE_OK);
    CHECK_INT(store_error_insert(s, env.id, exec_id, wf, iid, named.id, NULL, "no block"),
              STORE_OK);
    struct execution_list execs;
    CHECK_INT(store_executions_of_workflow(s, wf, NULL, true, false, 0, 10, &execs), STORE_OK);
    CHECK_INT((int)execs.n, 1);
    CHECK_STR(execs.items[0].status, "error");
    CHECK_STR(execs.items[0].error, "boom");
    CHECK_STR(execs.items[0].error_block, "Send");
    CHECK(execs.items[0].started_at > 0 && execs.items[0].finished_at > 0);
    store_execution_list_free(&execs);
    CHECK_INT(store_executions_of_workflow(s, wf, anon.id, false, true, 0, 10, &execs), STORE_OK);
    CHECK_INT((int)execs.n, 0);
    store_execution_list_free(&execs);

    struct execution_error_list errors;
    CHECK_INT(store_errors_of_workflow(s, wf, NULL, &errors), STORE_OK);
    CHECK_INT((int)errors.n, 2);
    int blockless = 0;
    for (size_t i = 0; i < errors.n; i++) {
        const struct execution_error *e = &errors.items[i];
        CHECK_STR(e->kind, "execution");
        CHECK_STR(e->execution_id, exec_id);
        CHECK_STR(e->installation_id, iid);
        CHECK_STR(e->status, "failed");
        CHECK(!e->has_attempt && e->next_attempt_at == 0);
        CHECK(e->message != NULL && e->created_at > 0);
        blockless += e->block == NULL;
    }
    CHECK_INT(blockless, 1);
    store_execution_error_list_free(&errors);
    CHECK_INT(store_errors_unstreamed(s, 10, &errors), STORE_OK);
    CHECK_INT((int)errors.n, 2);
    CHECK(id_valid(errors.items[0].id));
    CHECK_STR(errors.items[0].env_id, env.id);
    CHECK(errors.items[0].url == NULL && errors.items[0].secret == NULL &&
          errors.items[0].event_bridge == NULL);
    CHECK_INT(store_error_mark_streamed(s, errors.items[0].id), STORE_OK);
    store_execution_error_list_free(&errors);
    CHECK_INT(store_errors_unstreamed(s, 10, &errors), STORE_OK);
    CHECK_INT((int)errors.n, 1);
    store_execution_error_list_free(&errors);

    struct workflow_counts counts;
    CHECK_INT(store_workflow_counts(s, wf, &counts), STORE_OK);
    CHECK_INT((int)counts.runs, 1);
    CHECK_INT((int)counts.errors, 2);
    CHECK_INT((int)counts.app_actions, 0);

    /* Schedules: unplanned first (next_run_at 0), then due once planned. */
    char sched_inst[ID_LEN + 1];
    CHECK_INT(store_installation_upsert(s, env.id, sched, anon.id, "integ", 1, config, "schedule",
                                        NULL, sched_inst),
              STORE_OK);
    struct schedule_due *due = NULL;
    size_t n_due = 0;
    CHECK_INT(store_schedules_due(s, store_now(), 10, &due, &n_due), STORE_OK);
    CHECK_INT((int)n_due, 1);
    CHECK_STR(due[0].installation_id, sched_inst);
    CHECK_STR(due[0].workflow_id, sched);
    CHECK_STR(due[0].env_id, env.id);
    CHECK_STR(due[0].user_id, anon.id);
    CHECK_INT(due[0].version, 1);
    CHECK(due[0].next_run_at == 0);
    free(due);
    CHECK_INT(store_schedule_set(s, sched_inst, 5000), STORE_OK);
    CHECK_INT(store_schedules_due(s, 4999, 10, &due, &n_due), STORE_OK);
    CHECK_INT((int)n_due, 0);
    free(due);
    CHECK_INT(store_schedules_due(s, 5000, 10, &due, &n_due), STORE_OK);
    CHECK_INT((int)n_due, 1);
    CHECK(due[0].next_run_at == 5000);
    free(due);

    cJSON_Delete(config);
    cJSON_Delete(creds);
    cJSON_Delete(ids);
    store_fixture_close(&fx);
    return check_summary("store_runs");
}
