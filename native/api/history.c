/*
 * The dashboard's view of what ran, across workflows: GET /logs/executions (filtered, newest
 * first), GET /logs/executions/{id} (one run with its steps and trigger payload) and GET
 * /logs/analytics (runs and errors per hour or day, the blocks that fail most). API key or
 * dashboard session, one environment. The per-workflow log of the Alloy API is logs.c.
 */
#include "api/api.h"

#include "json/json.h"
#include "store/catalog.h"
#include "store/history.h"
#include "store/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest page of the execution list: a screenful of rows, not an export. */
#define HISTORY_MAX_LIMIT 100
/* Most buckets one analytics answer holds: two weeks of hours or a year of days. Bounds the
 * answer and the zero-filling loop. */
#define ANALYTICS_MAX_BUCKETS 366
/* Most failing blocks listed. */
#define ANALYTICS_TOP_BLOCKS 10

static const struct {
    const char *name;
    int64_t ms;
    long default_count;
} BUCKETS[] = {
    {"hour", 3600000, 24},
    {"day", 86400000, 30},
};

static const char *const STATUSES[] = {"queued", "running", "success", "stopped", "error"};

/* The workflow named by ?workflowId= (id or name) into id; true when absent. Replies 404 and
 * returns false when it names no workflow of the caller's environment. */
static bool workflow_param(struct request *req, char id[ID_LEN + 1], bool *present)
{
    char *q = request_query(req, "workflowId");
    *present = q && *q;
    struct workflow wf = {0};
    bool found = *present && api_load_workflow(req, q, &wf);
    free(q);
    if (*present && !found)
        return false;
    if (found)
        snprintf(id, ID_LEN + 1, "%s", wf.id);
    store_workflow_clear(&wf);
    return true;
}

static cJSON *summary_json(const struct execution_summary *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "executionId", x->id);
    cJSON_AddStringToObject(o, "workflowId", x->workflow_id);
    api_add_str(o, "workflowName", x->workflow_name);
    cJSON_AddStringToObject(o, "childWorkflowId", x->installation_id);
    cJSON_AddStringToObject(o, "userId", x->user_id);
    api_add_str(o, "username", x->username);
    cJSON_AddNumberToObject(o, "workflowVersion", (double)x->version);
    cJSON_AddStringToObject(o, "status", x->status);
    cJSON_AddNumberToObject(o, "attempt", (double)x->attempt);
    api_add_time_ms(o, "createdAt", x->created_at);
    api_add_time_ms(o, "startedAt", x->started_at);
    api_add_time_ms(o, "stoppedAt", x->finished_at);
    api_add_str(o, "error", x->error);
    api_add_str(o, "errorBlock", x->error_block);
    return o;
}

void api_history_executions(struct request *req)
{
    long page, limit, since, until;
    if (!api_query_int(req, "page", 0, 1000000, 0, &page) ||
        !api_query_int(req, "limit", 1, HISTORY_MAX_LIMIT, 30, &limit) ||
        !api_query_int(req, "since", 0, 253402300799999L, 0, &since) ||
        !api_query_int(req, "until", 0, 253402300799999L, 0, &until))
        return;
    char *status = request_query(req, "status");
    bool known = !status || !*status;
    for (size_t i = 0; !known && i < sizeof STATUSES / sizeof STATUSES[0]; i++)
        known = strcmp(status, STATUSES[i]) == 0;
    if (!known) {
        free(status);
        reply_error(req, 400, "bad_request",
                    "status must be queued, running, success, stopped or error");
        return;
    }
    char wid[ID_LEN + 1] = "";
    bool has_wf;
    struct user u;
    bool has_user;
    if (!workflow_param(req, wid, &has_wf)) {
        free(status);
        return;
    }
    if (!api_user_param(req, NULL, false, &u, &has_user)) {
        free(status);
        return;
    }
    struct execution_filter f = {
        .workflow_id = has_wf ? wid : NULL,
        .user_id = has_user ? u.id : NULL,
        .status = status && *status ? status : NULL,
        .since_ms = since,
        .until_ms = until,
    };
    struct execution_summary_list rows;
    int rc = store_executions_filtered(req->app->store, req->who.env.id, &f, (int)(page * limit),
                                       (int)limit, &rows);
    free(status);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "execution");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    for (size_t i = 0; i < rows.n; i++)
        cJSON_AddItemToArray(data, summary_json(&rows.items[i]));
    store_execution_summary_list_free(&rows);
    api_reply_page(req, data, page, limit, false);
}

void api_history_execution(struct request *req)
{
    struct store *s = req->app->store;
    struct execution x;
    int rc = store_execution_find(s, req->params[0], &x);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        reply_store_error(req, rc, "execution");
        return;
    }
    /* The execution's workflow must be of the caller's environment (404 otherwise). */
    struct workflow wf;
    if (rc != STORE_OK || !api_load_workflow(req, x.workflow_id, &wf)) {
        if (!req->replied)
            reply_error(req, 404, "not_found", "no execution %.64s", req->params[0]);
        store_execution_clear(&x);
        return;
    }
    struct logs_budget budget = api_logs_budget(req);
    cJSON *o = api_execution_json(s, &x, &budget);
    if (budget.truncated)
        cJSON_AddTrueToObject(o, "truncated");
    cJSON_AddStringToObject(o, "workflowName", wf.name);
    struct user u;
    if (store_user_find(s, req->who.env.id, x.user_id, &u) == STORE_OK) {
        if (u.username)
            cJSON_AddStringToObject(o, "username", u.username);
        store_user_clear(&u);
    }
    struct run_event ev = {0};
    if (x.event_id[0] && store_event_payload(s, x.event_id, &ev) == STORE_OK) {
        cJSON *trigger = cJSON_AddObjectToObject(o, "trigger");
        if (ev.name)
            cJSON_AddStringToObject(trigger, "name", ev.name);
        cJSON_AddItemToObject(trigger, "payload", ev.payload ? ev.payload : cJSON_CreateNull());
        ev.payload = NULL;
    }
    store_run_event_clear(&ev);
    store_workflow_clear(&wf);
    store_execution_clear(&x);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", o);
    reply_json(req, 200, out);
}

void api_history_analytics(struct request *req)
{
    char *bq = request_query(req, "bucket");
    size_t b = 0;
    while (bq && b < sizeof BUCKETS / sizeof BUCKETS[0] && strcmp(bq, BUCKETS[b].name) != 0)
        b++;
    free(bq);
    if (b == sizeof BUCKETS / sizeof BUCKETS[0]) {
        reply_error(req, 400, "bad_request", "bucket must be hour or day");
        return;
    }
    long count;
    if (!api_query_int(req, "count", 1, ANALYTICS_MAX_BUCKETS, BUCKETS[b].default_count, &count))
        return;
    char wid[ID_LEN + 1] = "";
    bool has_wf;
    if (!workflow_param(req, wid, &has_wf))
        return;
    int64_t step = BUCKETS[b].ms;
    int64_t first = (store_now() / step - (count - 1)) * step;
    struct execution_bucket_list rows = {0};
    struct failing_block_list blocks = {0};
    int rc = store_execution_buckets(req->app->store, req->who.env.id, has_wf ? wid : NULL, first,
                                     step, &rows);
    if (rc == STORE_OK)
        rc = store_failing_blocks(req->app->store, req->who.env.id, has_wf ? wid : NULL, first,
                                  ANALYTICS_TOP_BLOCKS, &blocks);
    if (rc != STORE_OK) {
        store_execution_bucket_list_free(&rows);
        reply_store_error(req, rc, "execution");
        return;
    }
    cJSON *series = cJSON_CreateArray();
    double runs = 0, errors = 0;
    size_t next = 0;
    for (long i = 0; i < count; i++) {
        int64_t t = first + i * step;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "t", (double)t);
        double r = 0, e = 0;
        if (next < rows.n && rows.items[next].t == t) {
            r = (double)rows.items[next].runs;
            e = (double)rows.items[next].errors;
            next++;
        }
        cJSON_AddNumberToObject(p, "runs", r);
        cJSON_AddNumberToObject(p, "errors", e);
        runs += r;
        errors += e;
        cJSON_AddItemToArray(series, p);
    }
    store_execution_bucket_list_free(&rows);
    cJSON *top = cJSON_CreateArray();
    for (size_t i = 0; i < blocks.n; i++) {
        const struct failing_block *bl = &blocks.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workflowId", bl->workflow_id);
        api_add_str(o, "workflowName", bl->workflow_name);
        api_add_str(o, "block", bl->block);
        cJSON_AddNumberToObject(o, "errors", (double)bl->errors);
        api_add_time_ms(o, "lastAt", bl->last_at);
        cJSON_AddItemToArray(top, o);
    }
    store_failing_block_list_free(&blocks);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "bucket", BUCKETS[b].name);
    cJSON_AddItemToObject(out, "series", series);
    cJSON *totals = cJSON_AddObjectToObject(out, "totals");
    cJSON_AddNumberToObject(totals, "runs", runs);
    cJSON_AddNumberToObject(totals, "errors", errors);
    cJSON_AddItemToObject(out, "topFailingBlocks", top);
    reply_json(req, 200, out);
}
