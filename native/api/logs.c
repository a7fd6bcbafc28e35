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
static cJSON *step_value(struct logs_budget *b, const cJSON *st, const char *key,
                         const char *bytes_key)
{
    const cJSON *v = cJSON_GetObjectItem(st, key);
    const cJSON *bytes = cJSON_GetObjectItem(st, bytes_key);
    size_t n = cJSON_IsNumber(bytes) ? (size_t)bytes->valuedouble : 0;
    if (v && spend(b, n))
        return cJSON_Duplicate(v, true);
    if (!cJSON_IsNumber(bytes))
        return NULL;
    b->truncated = true;
    return json_truncated_marker(n, NULL, 0);
}

static size_t str_bytes(const cJSON *row, const char *key)
{
    const char *v = json_get_str(row, key);
    return v ? strlen(v) : 0;
}

/* One execution with its steps, in the reference's log shape, within the answer's budget: once it
 * is spent, step data is replaced by truncation markers and further steps are left out (the
 * execution then says "truncated": true). */
cJSON *api_execution_json(struct store *s, const cJSON *x, struct logs_budget *b)
{
    const char *status = json_get_str(x, "status");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "executionId", json_get_str(x, "executionId"));
    cJSON_AddStringToObject(o, "workflowId", json_get_str(x, "installationId"));
    cJSON_AddStringToObject(o, "parentWorkflowId", json_get_str(x, "workflowId"));
    cJSON_AddStringToObject(o, "userId", json_get_str(x, "userId"));
    cJSON_AddNumberToObject(o, "workflowVersion", cJSON_GetObjectItem(x, "version")->valuedouble);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddBoolToObject(o, "finished",
                          strcmp(status, "queued") != 0 && strcmp(status, "running") != 0);
    cJSON_AddNumberToObject(o, "attempt", cJSON_GetObjectItem(x, "attempt")->valuedouble);
    api_add_time(o, "createdAt", x, "createdAt");
    api_add_time(o, "startedAt", x, "startedAt");
    api_add_time(o, "stoppedAt", x, "finishedAt");
    if (json_get_str(x, "error"))
        cJSON_AddStringToObject(o, "error", json_get_str(x, "error"));
    if (json_get_str(x, "errorBlock"))
        cJSON_AddStringToObject(o, "errorBlock", json_get_str(x, "errorBlock"));
    bool was_truncated = b->truncated;
    b->truncated = false;
    spend(b, LOGS_EXECUTION_BYTES + str_bytes(x, "error"));
    cJSON *steps = NULL;
    /* At most the steps the budget can list (one more, to see whether any was left out). */
    store_steps_of_execution(s, json_get_str(x, "executionId"), (int64_t)b->left,
                             (int)(b->left / LOGS_STEP_BYTES) + 1, &steps);
    cJSON *results = cJSON_AddArrayToObject(o, "results");
    cJSON *inputs = cJSON_AddArrayToObject(o, "inputs");
    const cJSON *st;
    cJSON_ArrayForEach(st, steps)
    {
        if (!spend(b, LOGS_STEP_BYTES + 2 * str_bytes(st, "stepKey") + str_bytes(st, "blockId") +
                          str_bytes(st, "blockName") + str_bytes(st, "error")))
            break;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "blockId", json_get_str(st, "blockId"));
        cJSON_AddStringToObject(r, "blockName",
                                json_get_str(st, "blockName") ? json_get_str(st, "blockName")
                                                              : json_get_str(st, "blockId"));
        cJSON_AddStringToObject(r, "blockType", json_get_str(st, "blockType"));
        cJSON_AddStringToObject(r, "stepKey", json_get_str(st, "stepKey"));
        cJSON_AddStringToObject(r, "status", json_get_str(st, "status"));
        cJSON_AddNumberToObject(r, "attempt", cJSON_GetObjectItem(st, "attempt")->valuedouble);
        api_add_time(r, "startedAt", st, "startedAt");
        api_add_time(r, "stoppedAt", st, "stoppedAt");
        cJSON *data = cJSON_AddArrayToObject(r, "data");
        cJSON *out = step_value(b, st, "output", "outputBytes");
        if (out) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddItemToObject(item, "json", out);
            cJSON_AddItemToArray(data, item);
        }
        if (json_get_str(st, "error"))
            cJSON_AddStringToObject(r, "error", json_get_str(st, "error"));
        cJSON_AddItemToArray(results, r);
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "blockId", json_get_str(st, "blockId"));
        cJSON_AddStringToObject(in, "stepKey", json_get_str(st, "stepKey"));
        cJSON *iv = step_value(b, st, "inputs", "inputsBytes");
        cJSON_AddItemToObject(in, "data", iv ? iv : cJSON_CreateObject());
        cJSON_AddItemToArray(inputs, in);
    }
    cJSON_Delete(steps);
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
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (wf) {
        cJSON *rows = NULL;
        int rc = store_executions_of_workflow(req->app->store, json_get_str(wf, "workflowId"),
                                              present ? u.id : NULL, errors_only, ascending,
                                              (int)(page * limit), (int)limit, &rows);
        if (rc != STORE_OK) {
            reply_store_error(req, rc, "execution");
        } else {
            struct logs_budget budget = api_logs_budget(req);
            cJSON *data = cJSON_CreateArray();
            const cJSON *x;
            cJSON_ArrayForEach(x, rows)
                cJSON_AddItemToArray(data, api_execution_json(req->app->store, x, &budget));
            cJSON_Delete(rows);
            api_reply_page(req, data, page, limit, budget.truncated);
        }
        cJSON_Delete(wf);
    }
    store_user_clear(&u);
}

void api_workflow_errors(struct request *req)
{
    struct user u;
    bool present;
    if (!api_user_param(req, NULL, false, &u, &present))
        return;
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (wf) {
        cJSON *rows = NULL;
        int rc = store_errors_of_workflow(req->app->store, json_get_str(wf, "workflowId"),
                                          present ? u.id : NULL, &rows);
        if (rc != STORE_OK) {
            reply_store_error(req, rc, "error");
        } else {
            cJSON *data = cJSON_CreateArray();
            const cJSON *e;
            cJSON_ArrayForEach(e, rows)
            {
                /* A failed app-trigger subscription names its subscription, not an execution. */
                const char *kind = json_get_str(e, "kind");
                bool sub = kind && strcmp(kind, "subscription") == 0;
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "workflowId", json_get_str(e, "workflowId"));
                cJSON_AddStringToObject(o, "childWorkflowId", json_get_str(e, "installationId"));
                cJSON_AddStringToObject(o, sub ? "subscriptionId" : "executionId",
                                        json_get_str(e, "executionId"));
                cJSON_AddStringToObject(o, "userId", json_get_str(e, "userId"));
                cJSON_AddStringToObject(o, "block",
                                        json_get_str(e, "block") ? json_get_str(e, "block") : "");
                api_add_time(o, "errorOccurredAt", e, "createdAt");
                cJSON_AddStringToObject(o, "message", json_get_str(e, "message"));
                cJSON_AddStringToObject(o, "type", sub ? "subscription" : "execution");
                cJSON_AddStringToObject(o, "status", json_get_str(e, "status"));
                const cJSON *attempt = cJSON_GetObjectItem(e, "attempt");
                if (cJSON_IsNumber(attempt))
                    cJSON_AddNumberToObject(o, "attempt", attempt->valuedouble);
                api_add_time(o, "nextAttemptAt", e, "nextAttemptAt");
                cJSON_AddItemToArray(data, o);
            }
            cJSON_Delete(rows);
            cJSON *out = cJSON_CreateObject();
            cJSON_AddItemToObject(out, "data", data);
            reply_json(req, 200, out);
        }
        cJSON_Delete(wf);
    }
    store_user_clear(&u);
}

void api_workflow_analytics(struct request *req)
{
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (!wf)
        return;
    cJSON *row = NULL;
    int rc = store_workflow_counts(req->app->store, json_get_str(wf, "workflowId"), &row);
    cJSON_Delete(wf);
    if (rc != STORE_OK || !row) {
        reply_store_error(req, rc == STORE_OK ? STORE_ERROR : rc, "workflow");
        return;
    }
    reply_json(req, 200, row);
}

void api_workflow_rerun(struct request *req)
{
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (!wf)
        return;
    struct store *s = req->app->store;
    cJSON *x = NULL, *ev = NULL;
    store_execution_find(s, req->params[1], &x);
    if (!x || strcmp(json_get_str(x, "workflowId"), json_get_str(wf, "workflowId")) != 0 ||
        (req->who.kind == IDENTITY_USER_TOKEN &&
         strcmp(json_get_str(x, "userId"), req->who.user_id) != 0)) {
        reply_error(req, 404, "not_found", "no execution %s of this workflow", req->params[1]);
    } else {
        const char *event_id = json_get_str(x, "eventId");
        if (event_id)
            store_event_payload(s, event_id, &ev);
        const cJSON *payload = ev ? cJSON_GetObjectItem(ev, "payload") : NULL;
        char *text = payload ? json_print(payload) : strdup("{}");
        char exec_id[ID_LEN + 1];
        int rc = store_enqueue_installation(s, json_get_str(x, "installationId"), text, exec_id);
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
    cJSON_Delete(ev);
    cJSON_Delete(x);
    cJSON_Delete(wf);
}

void api_logs(struct request *req)
{
    long skip, limit;
    if (!api_query_int(req, "skip", 0, 100000000, 0, &skip) ||
        !api_query_int(req, "limit", 1, 100, 10, &limit))
        return;
    char *workflow = request_query(req, "workflowId");
    char *user = request_query(req, "associatedUserId");
    struct execution_error_filter f = {.workflow_id = workflow, .user = user};
    struct execution_error_list errors;
    int64_t count;
    int rc =
        store_execution_errors(req->app->store, req->who.env.id, &f, skip, limit, &errors, &count);
    free(workflow);
    free(user);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "log");
        return;
    }
    cJSON *notes = cJSON_CreateArray();
    for (size_t i = 0; i < errors.n; i++) {
        const struct execution_error *e = &errors.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "_id", e->id);
        cJSON_AddStringToObject(o, "message", "executionError");
        cJSON *d = cJSON_AddObjectToObject(o, "data");
        cJSON_AddStringToObject(d, "executionId", e->execution_id);
        cJSON_AddStringToObject(d, "executionUuid", e->execution_id);
        cJSON_AddStringToObject(d, "error", e->message);
        api_add_str(d, "block", e->block);
        api_add_ms(o, "startedAt", e->started_at);
        api_add_ms(o, "completedAt", e->finished_at);
        api_add_ms(o, "createdAt", e->created_at);
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
    store_execution_error_list_free(&errors);
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
