/*
 * Running an app action for the engine: connector and action lookup, input check, credential,
 * rendering, the call (or, for a paginated list action, one call per page as connector/paginate.c
 * plans them), and the mapping of the answer into the block's result. Retries are the engine's:
 * this file only says whether a failure is worth one; a paginated call that fails on any page
 * fails as a whole and is retried from its first page.
 */
#include "connectors/internal.h"

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "engine/http_client.h"
#include "engine/outbound.h"
#include "engine/retry.h"
#include "json/json.h"
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Budget of each connector expression, as for workflows and hooks: a definition's mapping cannot
 * hold a worker for long. */
static const struct mapping_limits ACTION_LIMITS = ENGINE_EXPRESSION_LIMITS;

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

/* One page of a paginated call: parameters replacing the action's, or the whole next URL. */
struct page_request {
    const cJSON *query;
    const char *url;
};

/* Renders the action over inputs and the credential (and page, when not NULL), and sends it once
 * through engine/outbound.h. Returns 0 with *resp filled and *verdict set (the caller frees resp)
 * and, when sent_url is not NULL, the URL sent (malloc'd); or -1 with err set when the request
 * cannot be rendered or signed (nothing was sent). */
static int send_action(const struct connector *conn, const struct connector_action *action,
                       const struct connector_call *call, const struct wf_block *block,
                       const cJSON *inputs, const cJSON *data, const struct page_request *page,
                       struct http_response *resp, enum retry_verdict *verdict, char **sent_url,
                       char *err, size_t n)
{
    cJSON *scope = cJSON_CreateObject();
    cJSON_AddItemToObject(scope, "inputs", cJSON_Duplicate(inputs, true));
    if (data)
        cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(data));
    struct connector_http h;
    int rc = connector_render_page(conn, &action->request, scope, json_get_str(data, "baseUrl"),
                                   page ? page->query : NULL, page ? page->url : NULL,
                                   &ACTION_LIMITS, &h, err, n);
    cJSON_Delete(scope);
    if (rc != 0)
        return -1;
    struct outbound_request req = {
        .block = block,
        .step_key = call->step_key,
        .method = h.method,
        .url = h.url,
        .headers = (const char *const *)h.headers,
        .header_count = h.nheaders,
        .body = h.body,
        .body_len = h.body ? strlen(h.body) : 0,
    };
    rc = outbound_send(call->outbound, &req, resp, verdict, err, n);
    if (rc == 0 && sent_url) {
        *sent_url = h.url;
        h.url = NULL;
    }
    connector_http_clear(&h);
    return rc;
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

/* One action call for one block: what every request of it needs. data is the credential's clear
 * data (replaced when a token is refreshed), owned by the call. */
struct action_call {
    struct connectors *c;
    struct store *s;
    struct http_client *http; /* the outbound client, also for a token refresh */
    const struct connector *conn;
    const struct connector_action *action;
    const struct connector_call *call;
    const struct wf_block *block;
    const char *cred_id;
    cJSON *data;
};

/* Sends one request of the call; an OAuth2 token the provider refuses (401) is refreshed once and
 * the request sent again. true with *resp filled (caller frees) and *verdict set, else false with
 * res filled. */
static bool send_request(struct action_call *ac, const cJSON *inputs,
                         const struct page_request *page, struct http_response *resp,
                         enum retry_verdict *verdict, char **sent_url, struct wf_call_result *res)
{
    char err[256];
    const struct connector *conn = ac->conn;
    if (send_action(conn, ac->action, ac->call, ac->block, inputs, ac->data, page, resp, verdict,
                    sent_url, err, sizeof err) != 0) {
        set_failure(res, false, "%.60s %.60s: %.180s", conn->name, ac->action->name, err);
        return false;
    }
    if (conn->auth != AUTH_OAUTH2 || !ac->data || resp->status != 401)
        return true;
    /* The provider may revoke a token before its stated expiry: refresh once and retry. */
    http_response_free(resp);
    if (sent_url) {
        free(*sent_url);
        *sent_url = NULL;
    }
    if (!fresh_token(ac->c, ac->s, ac->http, conn, ac->call, ac->cred_id, &ac->data, true, res))
        return false;
    outbound_secrets_add_all(ac->call->outbound->secrets, ac->data, "baseUrl");
    if (send_action(conn, ac->action, ac->call, ac->block, inputs, ac->data, page, resp, verdict,
                    sent_url, err, sizeof err) != 0) {
        set_failure(res, false, "%.60s %.60s: %.180s", conn->name, ac->action->name, err);
        return false;
    }
    return true;
}

/* A response that is not a success: the provider's status and message, retryable as
 * engine/retry.h decides. Takes body. */
static void fail_response(const struct action_call *ac, const struct http_response *resp,
                          enum retry_verdict verdict, cJSON *body, struct wf_call_result *res)
{
    const struct connector *conn = ac->conn;
    if (!resp->status) {
        set_failure(res, false, "%.40s %.40s: %.180s", conn->name, ac->action->name, resp->error);
        outbound_fail(res, verdict, resp);
        cJSON_Delete(body);
        return;
    }
    char msg[200];
    connector_error_text(conn, resp->status, body, msg, sizeof msg);
    set_failure(res, false, "%.40s %.40s: HTTP %ld %.150s", conn->name, ac->action->name,
                resp->status, msg);
    outbound_fail(res, verdict, resp);
    res->output = cJSON_CreateObject();
    cJSON_AddNumberToObject(res->output, "status", (double)resp->status);
    cJSON_AddItemToObject(res->output, "body", body);
}

/* One request, its answer mapped through the action's output (default: the body). */
static void run_once(struct action_call *ac, const cJSON *inputs, struct wf_call_result *res)
{
    struct http_response resp;
    enum retry_verdict verdict;
    if (!send_request(ac, inputs, NULL, &resp, &verdict, NULL, res))
        return;
    cJSON *body = resp.status ? parse_body(&resp) : NULL;
    if (verdict == RETRY_SUCCESS) {
        char err[256];
        cJSON *rscope = cJSON_CreateObject();
        cJSON_AddNumberToObject(rscope, "status", (double)resp.status);
        cJSON_AddItemToObject(rscope, "body", cJSON_Duplicate(body, true));
        cJSON_AddItemToObject(rscope, "inputs", cJSON_Duplicate(inputs, true));
        cJSON *out = NULL;
        if (connector_eval(ac->action->request.output, rscope, body, &ACTION_LIMITS, &out, err,
                           sizeof err) != 0)
            set_failure(res, false, "%.60s %.60s: output: %.150s", ac->conn->name, ac->action->name,
                        err);
        else
            res->output = out ? out : cJSON_CreateNull();
        cJSON_Delete(rscope);
        cJSON_Delete(body);
    } else {
        fail_response(ac, &resp, verdict, body, res);
    }
    http_response_free(&resp);
}

/*
 * A paginated list action: one request per page until connector/paginate.c says stop; the output
 * is the items of every page, in order. The maxItems input caps them and is not sent to the app.
 */
static void run_pages(struct action_call *ac, const cJSON *inputs, struct wf_call_result *res)
{
    const cJSON *cap = cJSON_GetObjectItem(inputs, CONNECTOR_MAX_ITEMS_INPUT);
    cJSON *sent = cJSON_Duplicate(inputs, true);
    cJSON_DeleteItemFromObjectCaseSensitive(sent, CONNECTOR_MAX_ITEMS_INPUT);
    /* A file may give maxItems a schema of its own: bound it before the cast. */
    double max_items = cJSON_IsNumber(cap) ? cap->valuedouble : 0;
    struct connector_pages pg;
    connector_pages_begin(&pg, ac->action->pagination,
                          max_items >= 1 && max_items < 1e12 ? (long)max_items : 0);
    while (!pg.done) {
        cJSON *query = connector_pages_query(&pg);
        struct page_request page = {query, connector_pages_url(&pg)};
        struct http_response resp;
        enum retry_verdict verdict;
        char *url = NULL;
        bool sent_ok = send_request(ac, sent, &page, &resp, &verdict, &url, res);
        cJSON_Delete(query);
        if (!sent_ok)
            break;
        cJSON *body = resp.status && resp.body_len ? parse_body(&resp) : NULL;
        char err[256];
        if (verdict != RETRY_SUCCESS) {
            fail_response(ac, &resp, verdict, body, res);
        } else {
            if (connector_pages_take(&pg, resp.status, body, resp.link, url, &ACTION_LIMITS, err,
                                     sizeof err) != 0)
                set_failure(res, false, "%.60s %.60s: page %d: %.150s", ac->conn->name,
                            ac->action->name, pg.fetched, err);
            cJSON_Delete(body);
        }
        free(url);
        http_response_free(&resp);
        if (res->failed)
            break;
    }
    if (!res->failed)
        res->output = connector_pages_result(&pg);
    connector_pages_clear(&pg);
    cJSON_Delete(sent);
}

void connectors_action_run(struct connectors *c, struct store *s, const struct connector_call *call,
                           const struct wf_block *block, const cJSON *inputs,
                           struct wf_call_result *res)
{
    struct http_client *http = call->outbound->http;
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
            set_failure(res, false, "%s", err);
            return;
        }
        if (rc != STORE_OK) {
            /* A store failure may pass; an undecryptable or invalid credential will not. */
            set_failure(res, rc == STORE_ERROR && !strstr(err, "decrypted"), "%s", err);
            return;
        }
    }
    /* Every value of the credential is a secret of this execution, wherever it lands. */
    outbound_secrets_add_all(call->outbound->secrets, data, "baseUrl");
    struct action_call ac = {c, s, http, conn, action, call, block, cred_id, data};
    bool oauth = conn->auth == AUTH_OAUTH2 && ac.data;
    if (oauth && !fresh_token(c, s, http, conn, call, cred_id, &ac.data, false, res)) {
        cJSON_Delete(ac.data);
        return;
    }
    if (action->pagination)
        run_pages(&ac, inputs, res);
    else
        run_once(&ac, inputs, res);
    cJSON_Delete(ac.data);
}
