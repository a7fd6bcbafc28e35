/*
 * Seeing what happened: per-workflow execution logs with each block's inputs and outputs (within a
 * byte budget per answer), errors, analytics, reruns, the account-wide error log, and the GDPR
 * deletion of a user's logs.
 */
#include "api/api.h"

#include "engine/engine.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/history.h"
#include "store/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest page of executions (the reference's limit). */
#define LOGS_MAX_LIMIT 30

/* What one answer spends on an execution or a step besides its inputs and outputs (ids, names,
 * times; step names and keys counted on top): an estimate that keeps the answer near its cap. */
#define LOGS_EXECUTION_BYTES 512
#define LOGS_STEP_BYTES      320

static bool spend(struct logs_budget *b, size_t bytes)
{
    if (bytes > b->left) {
        b->truncated = true;
        return false;
    }
    b->left -= bytes;
    return true;
}

/* A step's inputs or output for the answer: the stored value when the budget allows, else a
 * truncation marker with its size. */
static cJSON *step_value(struct logs_budget *b, const cJSON *v, int64_t bytes)
{
    size_t n = bytes >= 0 ? (size_t)bytes : 0;
    if (v && spend(b, n))
        return cJSON_Duplicate(v, true);
    if (bytes < 0)
        return NULL;
    b->truncated = true;
    return json_truncated_marker(n, NULL, 0);
}

static size_t str_bytes(const char *v)
{
    return v ? strlen(v) : 0;
}

/* One execution with its steps, in the reference's log shape, within the answer's budget: once it
 * is spent, step data is replaced by truncation markers and further steps are left out (the
 * execution then says "truncated": true). */
cJSON *api_execution_json(struct store *s, const struct execution *x, struct logs_budget *b)
{
    const char *status = x->status;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "executionId", x->id);
    cJSON_AddStringToObject(o, "workflowId", x->installation_id);
    cJSON_AddStringToObject(o, "parentWorkflowId", x->workflow_id);
    cJSON_AddStringToObject(o, "userId", x->user_id);
    cJSON_AddNumberToObject(o, "workflowVersion", x->version);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddBoolToObject(o, "finished",
                          strcmp(status, "queued") != 0 && strcmp(status, "running") != 0);
    cJSON_AddNumberToObject(o, "attempt", x->attempt);
    api_add_time_ms(o, "createdAt", x->created_at);
    api_add_time_ms(o, "startedAt", x->started_at);
    api_add_time_ms(o, "stoppedAt", x->finished_at);
    if (x->error)
        cJSON_AddStringToObject(o, "error", x->error);
    if (x->error_block)
        cJSON_AddStringToObject(o, "errorBlock", x->error_block);
    bool was_truncated = b->truncated;
    b->truncated = false;
    spend(b, LOGS_EXECUTION_BYTES + str_bytes(x->error));
    struct execution_step_list steps = {0};
    /* At most the steps the budget can list (one more, to see whether any was left out). */
    store_steps_of_execution(s, x->id, (int64_t)b->left, (int)(b->left / LOGS_STEP_BYTES) + 1,
                             &steps);
    cJSON *results = cJSON_AddArrayToObject(o, "results");
    cJSON *inputs = cJSON_AddArrayToObject(o, "inputs");
    for (size_t i = 0; i < steps.n; i++) {
        const struct execution_step *st = &steps.items[i];
        if (!spend(b, LOGS_STEP_BYTES + 2 * str_bytes(st->step_key) + str_bytes(st->block_id) +
                          str_bytes(st->block_name) + str_bytes(st->error)))
            break;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "blockId", st->block_id);
        cJSON_AddStringToObject(r, "blockName", st->block_name ? st->block_name : st->block_id);
        cJSON_AddStringToObject(r, "blockType", st->block_type);
        cJSON_AddStringToObject(r, "stepKey", st->step_key);
        cJSON_AddStringToObject(r, "status", st->status);
        cJSON_AddNumberToObject(r, "attempt", st->attempt);
        api_add_time_ms(r, "startedAt", st->started_at);
        api_add_time_ms(r, "stoppedAt", st->stopped_at);
        cJSON *data = cJSON_AddArrayToObject(r, "data");
        cJSON *out = step_value(b, st->output, st->output_bytes);
        if (out) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddItemToObject(item, "json", out);
            cJSON_AddItemToArray(data, item);
        }
        if (st->error)
            cJSON_AddStringToObject(r, "error", st->error);
        cJSON_AddItemToArray(results, r);
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "blockId", st->block_id);
        cJSON_AddStringToObject(in, "stepKey", st->step_key);
        cJSON *iv = step_value(b, st->inputs, st->inputs_bytes);
        cJSON_AddItemToObject(in, "data", iv ? iv : cJSON_CreateObject());
        cJSON_AddItemToArray(inputs, in);
    }
    store_execution_step_list_free(&steps);
    if (b->truncated)
        cJSON_AddTrueToObject(o, "truncated");
    b->truncated |= was_truncated;
    return o;
}

void api_workflow_logs(struct request *req)
{
    long page, limit;
    if (!api_query_int(req, "page", 0, 1000000, 0, &page) ||
        !api_query_int(req, "limit", 1, LOGS_MAX_LIMIT, 10, &limit))
        return;
    char *order = request_query(req, "order"), *errq = request_query(req, "error");
    bool ascending = order && strcmp(order, "asc") == 0;
    bool bad_order = order && !ascending && strcmp(order, "desc") != 0;
    bool errors_only = errq && (strcmp(errq, "true") == 0 || strcmp(errq, "1") == 0);
    free(order);
    free(errq);
    if (bad_order) {
        reply_error(req, 400, "bad_request", "order must be asc or desc");
        return;
    }
    struct user u;
    bool present;
    if (!api_user_param(req, NULL, false, &u, &present))
        return;
    struct workflow wf;
    if (api_load_workflow(req, req->params[0], &wf)) {
        struct execution_list rows;
        int rc =
            store_executions_of_workflow(req->app->store, wf.id, present ? u.id : NULL, errors_only,
                                         ascending, (int)(page * limit), (int)limit, &rows);
        if (rc != STORE_OK) {
            reply_store_error(req, rc, "execution");
        } else {
            struct logs_budget budget = api_logs_budget(req);
            cJSON *data = cJSON_CreateArray();
            for (size_t i = 0; i < rows.n; i++)
                cJSON_AddItemToArray(data,
                                     api_execution_json(req->app->store, &rows.items[i], &budget));
            store_execution_list_free(&rows);
            api_reply_page(req, data, page, limit, budget.truncated);
        }
        store_workflow_clear(&wf);
    }
    store_user_clear(&u);
}

void api_workflow_errors(struct request *req)
{
    struct user u;
    bool present;
    if (!api_user_param(req, NULL, false, &u, &present))
        return;
    struct workflow wf;
    if (api_load_workflow(req, req->params[0], &wf)) {
        struct execution_error_list rows;
        int rc = store_errors_of_workflow(req->app->store, wf.id, present ? u.id : NULL, &rows);
        if (rc != STORE_OK) {
            reply_store_error(req, rc, "error");
        } else {
            cJSON *data = cJSON_CreateArray();
            for (size_t i = 0; i < rows.n; i++) {
                const struct execution_error *e = &rows.items[i];
                /* A failed app-trigger subscription names its subscription, not an execution. */
                bool sub = strcmp(e->kind, "subscription") == 0;
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "workflowId", e->workflow_id);
                cJSON_AddStringToObject(o, "childWorkflowId", e->installation_id);
                cJSON_AddStringToObject(o, sub ? "subscriptionId" : "executionId", e->execution_id);
                cJSON_AddStringToObject(o, "userId", e->user_id);
                cJSON_AddStringToObject(o, "block", e->block ? e->block : "");
                api_add_time_ms(o, "errorOccurredAt", e->created_at);
                cJSON_AddStringToObject(o, "message", e->message);
                cJSON_AddStringToObject(o, "type", sub ? "subscription" : "execution");
                cJSON_AddStringToObject(o, "status", e->status);
                if (e->has_attempt)
                    cJSON_AddNumberToObject(o, "attempt", e->attempt);
                api_add_time_ms(o, "nextAttemptAt", e->next_attempt_at);
                cJSON_AddItemToArray(data, o);
            }
            store_execution_error_list_free(&rows);
            cJSON *out = cJSON_CreateObject();
            cJSON_AddItemToObject(out, "data", data);
            reply_json(req, 200, out);
        }
        store_workflow_clear(&wf);
    }
    store_user_clear(&u);
}

void api_workflow_analytics(struct request *req)
{
    struct workflow wf;
    if (!api_load_workflow(req, req->params[0], &wf))
        return;
    struct workflow_counts counts;
    int rc = store_workflow_counts(req->app->store, wf.id, &counts);
    store_workflow_clear(&wf);
    if (rc != STORE_OK) {
        reply_store_error(req, rc == STORE_NOT_FOUND ? STORE_ERROR : rc, "workflow");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "totalWorkflowRuns", (double)counts.runs);
    cJSON_AddNumberToObject(out, "totalErrors", (double)counts.errors);
    cJSON_AddNumberToObject(out, "totalAppActions", (double)counts.app_actions);
    reply_json(req, 200, out);
}

void api_workflow_rerun(struct request *req)
{
    struct workflow wf;
    if (!api_load_workflow(req, req->params[0], &wf))
        return;
    struct store *s = req->app->store;
    struct execution x;
    struct run_event ev = {0};
    if (store_execution_find(s, req->params[1], &x) != STORE_OK ||
        strcmp(x.workflow_id, wf.id) != 0 ||
        (req->who.kind == IDENTITY_USER_TOKEN && strcmp(x.user_id, req->who.user_id) != 0)) {
        reply_error(req, 404, "not_found", "no execution %s of this workflow", req->params[1]);
    } else {
        if (x.event_id[0])
            store_event_payload(s, x.event_id, &ev);
        const cJSON *payload = ev.payload;
        char *text = payload ? json_print(payload) : strdup("{}");
        char exec_id[ID_LEN + 1];
        int rc = store_enqueue_installation(s, x.installation_id, text, exec_id);
        free(text);
        if (rc != STORE_OK) {
            reply_store_error(req, rc, "installation");
        } else {
            engine_wake(req->app->engine);
            cJSON *out = cJSON_CreateObject();
            cJSON_AddStringToObject(out, "message", "Execution queued");
            cJSON_AddStringToObject(out, "executionUuid", exec_id);
            reply_json(req, 200, out);
        }
    }
    store_run_event_clear(&ev);
    store_execution_clear(&x);
    store_workflow_clear(&wf);
}

void api_logs(struct request *req)
{
    long skip, limit;
    if (!api_query_int(req, "skip", 0, 100000000, 0, &skip) ||
        !api_query_int(req, "limit", 1, 100, 10, &limit))
        return;
    char *workflow = request_query(req, "workflowId");
    char *user = request_query(req, "associatedUserId");
    struct error_log_filter f = {.workflow_id = workflow, .user = user};
    struct error_log_list errors;
    int64_t count;
    int rc = store_error_log(req->app->store, req->who.env.id, &f, skip, limit, &errors, &count);
    free(workflow);
    free(user);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "log");
        return;
    }
    cJSON *notes = cJSON_CreateArray();
    for (size_t i = 0; i < errors.n; i++) {
        const struct error_log_entry *e = &errors.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "_id", e->id);
        cJSON_AddStringToObject(o, "message", "executionError");
        cJSON *d = cJSON_AddObjectToObject(o, "data");
        cJSON_AddStringToObject(d, "executionId", e->execution_id);
        cJSON_AddStringToObject(d, "executionUuid", e->execution_id);
        cJSON_AddStringToObject(d, "error", e->message);
        api_add_str(d, "block", e->block);
        api_add_time_ms(o, "startedAt", e->started_at);
        api_add_time_ms(o, "completedAt", e->finished_at);
        api_add_time_ms(o, "createdAt", e->created_at);
        cJSON_AddFalseToObject(o, "customVersion");
        cJSON_AddNumberToObject(o, "workflowVersion", (double)e->version);
        cJSON_AddStringToObject(o, "forgeWorkflowId", e->workflow_id);
        cJSON_AddStringToObject(o, "workflowId", e->installation_id);
        cJSON_AddStringToObject(o, "userId", e->user_id);
        cJSON *u = cJSON_AddObjectToObject(o, "user");
        api_add_str(u, "username", e->username);
        api_add_str(u, "fullName", e->full_name);
        cJSON *fw = cJSON_AddObjectToObject(o, "forgeWorkflow");
        cJSON_AddStringToObject(fw, "name", e->workflow_name);
        cJSON *integ = cJSON_AddObjectToObject(fw, "integrationId");
        cJSON_AddStringToObject(integ, "_id", e->integration_id);
        cJSON_AddItemToArray(notes, o);
    }
    store_error_log_list_free(&errors);
    double total = (double)count;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "notifications", notes);
    cJSON_AddItemToObject(out, "lastFetched", api_time_json(store_now()));
    cJSON *pg = cJSON_AddObjectToObject(out, "pagination");
    cJSON_AddNumberToObject(pg, "totalItems", total);
    cJSON_AddNumberToObject(pg, "totalPages",
                            total > 0 ? (double)(((long)total + limit - 1) / limit) : 0);
    cJSON_AddNumberToObject(pg, "currentPage", (double)(skip / limit + 1));
    cJSON_AddNumberToObject(pg, "pageSize", (double)limit);
    reply_json(req, 200, out);
}

void api_users_delete_logs(struct request *req)
{
    struct user u;
    if (!api_load_user(req, req->params[0], &u))
        return;
    int rc = store_user_logs_delete(req->app->store, u.id);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "log");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "message", "Success");
    reply_json(req, 200, out);
}
