/*
 * Background upkeep: streams execution errors (and failed app-trigger subscriptions) to the ISV's
 * error webhook (signed, retried on the next round until delivered; a sample one on demand, for
 * the dashboard's test button) and to its Amazon EventBridge bus (PutEvents, SigV4; retried
 * likewise while throttled or unreachable), and purges
 * executions past the environment's retention, reclaiming the freed pages so the database does not
 * grow without bound.
 */
#include "engine/engine_internal.h"
#include "base/log.h"

#include "engine/eventbridge.h"
#include "engine/delivery.h"
#include "engine/retry.h"
#include "engine/sealed.h"
#include "json/json.h"
#include "store/catalog.h"
#include "engine/definitions.h"
#include "store/history.h"
#include "store/runs.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors sent per round, and how often retention runs. */
#define STREAM_BATCH       64
#define RETENTION_EVERY_MS (10 * 60 * 1000)

/* What the ISV receives about one error row (the webhook's body, the EventBridge event's detail).
 */
static cJSON *error_body(const struct execution_error *r)
{
    /* A failed app-trigger subscription has no execution: its row names the subscription. */
    bool sub = strcmp(r->kind, "subscription") == 0;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "type", sub ? "subscriptionError" : "executionError");
    cJSON_AddStringToObject(body, sub ? "subscriptionId" : "executionId", r->execution_id);
    cJSON_AddStringToObject(body, "workflowId", r->workflow_id);
    cJSON_AddStringToObject(body, "childWorkflowId", r->installation_id);
    cJSON_AddStringToObject(body, "userId", r->user_id);
    if (r->block)
        cJSON_AddStringToObject(body, "block", r->block);
    cJSON_AddStringToObject(body, "message", r->message);
    cJSON_AddNumberToObject(body, "errorOccurredAtMs", (double)r->created_at);
    return body;
}

/*
 * Sends one error row (execution_errors joined with its environment's webhook url and secret, as
 * store_errors_unstreamed gives it) to the webhook. Returns 0 with *resp filled when it was sent,
 * -1 with err set when its headers could not be made.
 */
static int send_error(struct engine *e, struct http_client *http, const struct execution_error *r,
                      long timeout_ms, struct http_response *resp, char *err, size_t err_len)
{
    const char *id = r->id, *url = r->url;
    cJSON *body = error_body(r);
    /* Stored sealed; one that does not open is reported, never sent unsigned. */
    const char *stored = r->secret;
    char *secret = sealed_setting_open(e->master, stored);
    if (stored && !secret) {
        snprintf(err, err_len, "the webhook secret cannot be opened");
        cJSON_Delete(body);
        return -1;
    }
    char *text = json_print(body);
    cJSON_Delete(body);
    struct delivery d = {
        .workflow_id = r->workflow_id,
        .user_id = r->user_id,
        .block_name = r->block ? r->block : "workflow",
        .block_type = "errorStream",
        .execution_uuid = r->execution_id,
        .idempotency_key = id,
        .timestamp_s = store_now() / 1000,
        .webhook_secret = secret,
        .signer = e->signer,
        .method = "POST",
        .url = url,
        .body = text,
        .body_len = strlen(text),
    };
    struct delivery_headers dh;
    int rc = -1;
    if (delivery_headers(&d, &dh, err, err_len) == 0) {
        struct http_request hreq = {
            "POST", url, (const char *const *)dh.lines, dh.count, text, strlen(text), timeout_ms};
        http_client_send(http, &hreq, resp);
        delivery_headers_free(&dh);
        rc = 0;
    }
    secrets_free(secret);
    free(text);
    return rc;
}

/* Sends one error row to the environment's EventBridge bus (cfg: the stored target, its keys
 * sealed). Returns true when it is done with: accepted, or refused for good (logged). */
static bool send_error_event(struct engine *e, struct http_client *http,
                             const struct execution_error *r, const cJSON *cfg)
{
    char *secret = sealed_setting_open(e->master, json_get_str(cfg, "secretAccessKey"));
    char *token = sealed_setting_open(e->master, json_get_str(cfg, "sessionToken"));
    struct eventbridge_target t = {
        .region = json_get_str(cfg, "region"),
        .access_key_id = json_get_str(cfg, "accessKeyId"),
        .secret_access_key = secret,
        .session_token = token,
        .endpoint = json_get_str(cfg, "endpoint"),
    };
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "source",
                            json_get_str(cfg, "source") ? json_get_str(cfg, "source") : "solder");
    bool sub = strcmp(r->kind, "subscription") == 0;
    cJSON_AddStringToObject(in, "detailType", sub ? "Subscription Error" : "Execution Error");
    cJSON_AddItemToObject(in, "detail", error_body(r));
    cJSON_AddStringToObject(in, "eventBusName", json_get_str(cfg, "bus"));
    char err[256] = "";
    cJSON *entry = eventbridge_entry(in, NULL, err, sizeof err);
    cJSON_Delete(in);
    cJSON *entries = cJSON_CreateArray();
    if (entry)
        cJSON_AddItemToArray(entries, entry);
    struct eventbridge_request req;
    bool done = true;
    if (!secret) {
        snprintf(err, sizeof err, "the secret access key cannot be opened");
    } else if (entry &&
               eventbridge_request(&t, entries, store_now() / 1000, &req, err, sizeof err) == 0) {
        struct http_request hreq = {"POST",    req.url,  (const char *const *)req.lines,
                                    req.count, req.body, strlen(req.body),
                                    10000};
        struct http_response resp;
        http_client_send(http, &hreq, &resp);
        enum eventbridge_verdict v = eventbridge_answer(&resp, 1, NULL, NULL, err, sizeof err);
        done = v == EVENTBRIDGE_OK || v == EVENTBRIDGE_FAIL;
        if (v == EVENTBRIDGE_OK)
            err[0] = 0;
        http_response_free(&resp);
        eventbridge_request_free(&req);
    }
    if (err[0] && done)
        log_error("error stream to EventBridge: %s\n", err);
    secrets_free(secret);
    secrets_free(token);
    cJSON_Delete(entries);
    return done;
}

static void stream_errors(struct engine *e, struct store *s, struct http_client *http)
{
    struct execution_error_list rows = {0};
    if (store_errors_unstreamed(s, STREAM_BATCH, &rows) != STORE_OK)
        return;
    for (size_t i = 0; i < rows.n; i++) {
        const struct execution_error *r = &rows.items[i];
        const char *id = r->id, *eb = r->event_bridge;
        /* Each configured target must be done with the error (delivered, or refused for good)
         * before it is marked; one that is not gets it again, at least once, on the next round. */
        bool done = true;
        if (r->url) {
            struct http_response resp;
            char err[256];
            if (send_error(e, http, r, 10000, &resp, err, sizeof err) == 0) {
                enum retry_verdict v = retry_classify(&resp);
                done = v == RETRY_SUCCESS || v == RETRY_FAIL; /* a 4xx will not get better */
                http_response_free(&resp);
            } else {
                log_error("error stream: %s\n", err);
            }
        }
        cJSON *cfg = eb ? json_parse(eb, strlen(eb), JSON_MAX_DEPTH, NULL) : NULL;
        if (cJSON_IsObject(cfg))
            done = send_error_event(e, http, r, cfg) && done;
        cJSON_Delete(cfg);
        if (done)
            store_error_mark_streamed(s, id);
    }
    store_execution_error_list_free(&rows);
}

cJSON *engine_error_webhook_test(struct engine *e, struct store *s, const char *env_id)
{
    if (!e)
        return NULL;
    struct settings settings;
    store_settings(s, env_id, &settings);
    const char *url = settings.error_webhook_url;
    cJSON *out = cJSON_CreateObject();
    char err[256] = "";
    if (!url) {
        snprintf(err, sizeof err, "no error webhook URL is set");
    } else {
        char id[ID_LEN + 1];
        id_new(id);
        struct execution_error r = {
            .kind = "execution",
            .workflow_id = "test",
            .installation_id = "test",
            .user_id = "test",
            .block = strdup("test"),
            .message = strdup("A test of the error webhook, sent from the dashboard"),
            .created_at = store_now(),
            .url = strdup(url),
        };
        const char *secret = settings.error_webhook_secret;
        r.secret = secret ? strdup(secret) : NULL;
        snprintf(r.id, sizeof r.id, "%s", id);
        snprintf(r.execution_id, sizeof r.execution_id, "%s", id);
        struct http_client_options opts = e->http;
        opts.connect_timeout_ms = opts.timeout_ms = ENGINE_WEBHOOK_TEST_TIMEOUT_MS;
        struct http_client *http = http_client_new(&opts, err, sizeof err);
        struct http_response resp;
        if (http &&
            send_error(e, http, &r, ENGINE_WEBHOOK_TEST_TIMEOUT_MS, &resp, err, sizeof err) == 0) {
            if (resp.status)
                cJSON_AddNumberToObject(out, "httpStatus", (double)resp.status);
            if (resp.status >= 200 && resp.status < 300)
                cJSON_AddStringToObject(out, "status", "delivered");
            else if (resp.status)
                snprintf(err, sizeof err, "the webhook answered HTTP %ld", resp.status);
            else
                snprintf(err, sizeof err, "%s", resp.error[0] ? resp.error : "no answer");
            http_response_free(&resp);
        }
        http_client_free(http);
        store_execution_error_clear(&r);
    }
    store_settings_clear(&settings);
    if (!cJSON_GetObjectItem(out, "status")) {
        cJSON_AddStringToObject(out, "status", "failed");
        cJSON_AddStringToObject(out, "error", err[0] ? err : "not sent");
    }
    return out;
}

/* Schedules due per round: bounds one round's work; the rest run on the next. */
#define SCHEDULE_BATCH 256

/*
 * Runs schedule triggers: an installation without a planned run gets its next cron time; one whose
 * time has come gets an execution and its following time, in one transaction. A run missed while
 * the server was down happens once at start, not once per missed tick.
 */
static void run_schedules(struct engine *e, struct store *s)
{
    int64_t now = store_now();
    struct schedule_due *rows = NULL;
    size_t n = 0;
    if (store_schedules_due(s, now, SCHEDULE_BATCH, &rows, &n) != STORE_OK)
        return;
    bool queued = false;
    for (size_t i = 0; i < n; i++) {
        const struct schedule_due *r = &rows[i];
        const char *wid = r->workflow_id;
        const struct workflow_def *def = definitions_get(s, wid, r->version, NULL);
        if (!def || def->trigger.type != WF_TRIGGER_SCHEDULE)
            continue;
        int64_t next = cron_next(&def->trigger.cron, now / 1000);
        if (next < 0)
            continue;
        const char *id = r->installation_id;
        if (!r->next_run_at) {
            store_schedule_set(s, id, next * 1000);
            continue;
        }
        char payload[96], event_id[ID_LEN + 1];
        snprintf(payload, sizeof payload, "{\"scheduledAt\":%lld}", (long long)r->next_run_at);
        struct execution_ids execs = {0};
        int rc = store_begin(s);
        if (rc == STORE_OK)
            rc = store_enqueue(s, r->env_id, r->user_id, "schedule", "schedule", NULL, wid, payload,
                               event_id, &execs);
        if (rc == STORE_OK)
            rc = store_schedule_set(s, id, next * 1000);
        if (rc == STORE_OK)
            rc = store_commit(s);
        if (rc != STORE_OK)
            store_rollback(s);
        queued |= rc == STORE_OK;
        store_execution_ids_free(&execs);
    }
    free(rows);
    if (queued)
        engine_wake(e);
}

void *maintenance_main(void *arg)
{
    struct engine *e = arg;
    char err[512];
    pthread_setname_np(pthread_self(), "maintenance");
    struct store *s = store_open(e->db_path, err, sizeof err);
    struct http_client *http = http_client_new(&e->http, err, sizeof err);
    int64_t last_retention = 0;
    while (s && http && !engine_stopping(e)) {
        /* Nodes sharing a PostgreSQL store: one of them runs each pass. */
        if (store_lead(s, STORE_LEAD_MAINTENANCE)) {
            stream_errors(e, s, http);
            run_schedules(e, s);
            if (store_now() - last_retention > RETENTION_EVERY_MS) {
                store_logs_expire(s, store_now());
                last_retention = store_now();
            }
        }
        engine_sleep(e, 1000);
    }
    http_client_free(http);
    store_close(s);
    return NULL;
}
