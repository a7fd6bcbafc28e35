/*
 * Running an app action for the engine: connector and action lookup, input check, credential,
 * rendering, the call, and the mapping of the answer into the block's result. Retries are the
 * engine's: this file only says whether a failure is worth one.
 */
#include "connectors/internal.h"

#include "crypto/crypto.h"
#include "engine/delivery.h"
#include "engine/http_client.h"
#include "engine/retry.h"
#include "json/json.h"
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Budget of each connector expression: a definition's mapping cannot hold a worker for long. */
static const struct mapping_limits ACTION_LIMITS = {.time_ms = 1000};

static void set_failure(struct wf_call_result *res, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_failure(struct wf_call_result *res, bool retryable, const char *fmt, ...)
{
    res->failed = true;
    res->retryable = retryable;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
}

static cJSON *parse_body(const struct http_response *resp)
{
    cJSON *body =
        resp->body_len ? json_parse(resp->body, resp->body_len, JSON_MAX_DEPTH, NULL) : NULL;
    return body ? body : cJSON_CreateString(resp->body ? resp->body : "");
}

/* Renders the action over inputs and the credential, and sends it once. Returns 0 with *resp
 * filled (the caller frees it), or -1 with err set when the request cannot be rendered. */
static int send_action(struct http_client *http, const struct connector *conn,
                       const struct connector_action *action, const struct connector_call *call,
                       const struct wf_block *block, const cJSON *inputs, const cJSON *data,
                       struct http_response *resp, char *err, size_t n)
{
    cJSON *scope = cJSON_CreateObject();
    cJSON_AddItemToObject(scope, "inputs", cJSON_Duplicate(inputs, true));
    if (data)
        cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(data));
    struct connector_http h;
    int rc = connector_render(conn, &action->request, scope, json_get_str(data, "baseUrl"),
                              &ACTION_LIMITS, &h, err, n);
    cJSON_Delete(scope);
    if (rc != 0)
        return -1;
    char key[33];
    delivery_idempotency_key(call->execution_id, call->step_key, key);
    struct delivery d = {
        .workflow_id = call->workflow_id,
        .user_id = call->user_id,
        .block_name = block->name ? block->name : block->id,
        .block_type = block->type_name,
        .execution_uuid = call->execution_id,
        .idempotency_key = key,
        .timestamp_s = store_now() / 1000,
        .method = h.method,
        .url = h.url,
        .body = h.body ? h.body : "",
        .body_len = h.body ? strlen(h.body) : 0,
    };
    struct delivery_headers dh = {0};
    char derr[128];
    if (delivery_headers(&d, &dh, derr, sizeof derr) != 0)
        dh.count = 0;
    const char *lines[CONNECTOR_MAX_HEADERS + DELIVERY_MAX_HEADERS];
    size_t nlines = 0;
    for (size_t i = 0; i < h.nheaders; i++)
        lines[nlines++] = h.headers[i];
    for (size_t i = 0; i < dh.count; i++)
        lines[nlines++] = dh.lines[i];
    struct http_request hreq = {
        .method = h.method,
        .url = h.url,
        .headers = lines,
        .header_count = nlines,
        .body = h.body,
        .body_len = h.body ? strlen(h.body) : 0,
    };
    http_client_send(http, &hreq, resp);
    delivery_headers_free(&dh);
    connector_http_clear(&h);
    return 0;
}

/* Before an OAuth2 call: refreshes a token about to expire. false (res filled) when it cannot. */
static bool fresh_token(struct connectors *c, struct store *s, struct http_client *http,
                        const struct connector *conn, const struct connector_call *call,
                        const char *cred_id, cJSON **data, bool force, struct wf_call_result *res)
{
    char err[256];
    bool retryable = false;
    if (connectors_oauth_refresh(c, s, http, conn, call->env_id, call->user_id, cred_id, data,
                                 force, &retryable, err, sizeof err) == 0)
        return true;
    set_failure(res, retryable, "%.60s: %.180s", conn->name, err);
    return false;
}

void connectors_action_run(struct connectors *c, struct store *s, struct http_client *http,
                           const struct connector_call *call, const struct wf_block *block,
                           const cJSON *inputs, struct wf_call_result *res)
{
    const struct connector *conn = connectors_find(c, block->app);
    if (!conn) {
        set_failure(res, false, "app '%.60s' has no connector on this server", block->app);
        return;
    }
    const struct connector_action *action = connector_action(conn, block->action);
    if (!action) {
        set_failure(res, false, "%.60s has no action '%.60s'", conn->name, block->action);
        return;
    }
    struct schema_result sr = {0};
    if (action->inputs && !schema_validate(action->inputs, inputs, &sr)) {
        set_failure(res, false, "%.60s %.60s: input %.80s %.100s", conn->name, action->name,
                    sr.count ? sr.errors[0].instance_path : "",
                    sr.count ? sr.errors[0].message : "is invalid");
        schema_result_free(&sr);
        return;
    }
    cJSON *data = NULL;
    char cred_id[ID_LEN + 1] = "", err[256] = "";
    if (conn->auth != AUTH_NONE) {
        int rc = connectors_credential_for(c, s, call->env_id, call->user_id, conn->app,
                                           call->installation_id, &data, cred_id, err, sizeof err);
        if (rc == STORE_NOT_FOUND) {
            set_failure(res, false, "the user has no %.60s credential", conn->name);
            return;
        }
        if (rc != STORE_OK) {
            /* A store failure may pass; an undecryptable or invalid credential will not. */
            set_failure(res, rc == STORE_ERROR && !strstr(err, "decrypted"), "%s", err);
            return;
        }
    }
    bool oauth = conn->auth == AUTH_OAUTH2 && data;
    if (oauth && !fresh_token(c, s, http, conn, call, cred_id, &data, false, res)) {
        cJSON_Delete(data);
        return;
    }
    struct http_response resp;
    if (send_action(http, conn, action, call, block, inputs, data, &resp, err, sizeof err) != 0) {
        set_failure(res, false, "%.60s %.60s: %.180s", conn->name, action->name, err);
        cJSON_Delete(data);
        return;
    }
    if (oauth && resp.status == 401) {
        /* The provider may revoke a token before its stated expiry: refresh once and retry. */
        http_response_free(&resp);
        if (!fresh_token(c, s, http, conn, call, cred_id, &data, true, res)) {
            cJSON_Delete(data);
            return;
        }
        if (send_action(http, conn, action, call, block, inputs, data, &resp, err, sizeof err) !=
            0) {
            set_failure(res, false, "%.60s %.60s: %.180s", conn->name, action->name, err);
            cJSON_Delete(data);
            return;
        }
    }
    cJSON_Delete(data);

    enum retry_verdict verdict = retry_classify(&resp);
    cJSON *body = resp.status ? parse_body(&resp) : NULL;
    if (verdict == RETRY_SUCCESS) {
        cJSON *rscope = cJSON_CreateObject();
        cJSON_AddNumberToObject(rscope, "status", (double)resp.status);
        cJSON_AddItemToObject(rscope, "body", cJSON_Duplicate(body, true));
        cJSON_AddItemToObject(rscope, "inputs", cJSON_Duplicate(inputs, true));
        cJSON *out = NULL;
        if (connector_eval(action->request.output, rscope, body, &ACTION_LIMITS, &out, err,
                           sizeof err) != 0)
            set_failure(res, false, "%.60s %.60s: output: %.150s", conn->name, action->name, err);
        else
            res->output = out ? out : cJSON_CreateNull();
        cJSON_Delete(rscope);
    } else if (resp.status) {
        char msg[200];
        connector_error_text(conn, resp.status, body, msg, sizeof msg);
        set_failure(res, verdict == RETRY_AGAIN, "%.40s %.40s: HTTP %ld %.150s", conn->name,
                    action->name, resp.status, msg);
        res->output = cJSON_CreateObject();
        cJSON_AddNumberToObject(res->output, "status", (double)resp.status);
        cJSON_AddItemToObject(res->output, "body", body);
        body = NULL;
        if (verdict == RETRY_AGAIN && resp.retry_after_ms > 0)
            res->retry_after_ms = resp.retry_after_ms;
    } else {
        set_failure(res, verdict == RETRY_AGAIN, "%.40s %.40s: %.180s", conn->name, action->name,
                    resp.error);
    }
    cJSON_Delete(body);
    http_response_free(&resp);
}
