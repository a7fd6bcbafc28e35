/*
 * Running one claimed execution: build (or resume) its context, run the workflow executor with this
 * file's host (outgoing HTTP for streamData and http blocks), then record the steps and the outcome
 * in one transaction: done, stopped, failed (with an error row), or requeued for a retry or a
 * delay. Connector app actions are not run here (they need connectors).
 */
#include "engine/engine_internal.h"

#include "app.h"
#include "connectors/connectors.h"
#include "crypto/crypto.h"
#include "engine/definitions.h"
#include "engine/delivery.h"
#include "engine/retry.h"
#include "http/ws.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/runs.h"
#include "util/base64.h"
#include "util/buf.h"
#include "workflow/workflow.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One execution's run: what the host callbacks need and the steps they collect. */
struct run {
    struct worker *w;
    const cJSON *job;
    const char *exec_id;
    const char *env_id;
    const char *workflow_id;
    const char *user_id;
    const struct wf_state *state;
    const char *signing_secret; /* the environment's whsec_ (the worker's cached copy) */
    cJSON *steps;               /* recorded steps, written when the run ends */
    int seq;
};

static const char *const SECRET_HEADER_WORDS[] = {"authorization", "token",  "secret",  "password",
                                                  "api-key",       "apikey", "api_key", "cookie"};

static bool secret_name(const char *name)
{
    char lower[128];
    size_t n = strlen(name);
    if (n >= sizeof lower)
        n = sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[n] = '\0';
    for (size_t i = 0; i < sizeof SECRET_HEADER_WORDS / sizeof SECRET_HEADER_WORDS[0]; i++)
        if (strstr(lower, SECRET_HEADER_WORDS[i]))
            return true;
    return false;
}

/* A copy of a block's inputs with credentials replaced, for the execution record. */
static cJSON *redacted(const cJSON *inputs)
{
    cJSON *copy = cJSON_Duplicate(inputs, true);
    cJSON *headers = cJSON_GetObjectItem(copy, "headers");
    for (cJSON *h = cJSON_IsObject(headers) ? headers->child : NULL, *next; h; h = next) {
        next = h->next; /* h is freed when replaced */
        if (h->string && secret_name(h->string))
            cJSON_ReplaceItemInObjectCaseSensitive(headers, h->string,
                                                   cJSON_CreateString("[redacted]"));
    }
    cJSON *auth = cJSON_GetObjectItem(copy, "auth");
    for (cJSON *a = cJSON_IsObject(auth) ? auth->child : NULL, *next; a; a = next) {
        next = a->next;
        if (a->string && strcmp(a->string, "type") != 0 && strcmp(a->string, "username") != 0 &&
            strcmp(a->string, "name") != 0)
            cJSON_ReplaceItemInObjectCaseSensitive(auth, a->string,
                                                   cJSON_CreateString("[redacted]"));
    }
    return copy;
}

/* Pushes one progress event to live-update subscribers of the execution's user. */
static void publish(struct run *r, const char *type, const char *status, const char *block_id,
                    const char *error)
{
    if (!ws_has_subscribers(r->w->engine->app))
        return;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "type", type);
    cJSON_AddStringToObject(ev, "executionId", r->exec_id);
    cJSON_AddStringToObject(ev, "workflowId", r->workflow_id);
    cJSON_AddStringToObject(ev, "userId", r->user_id);
    cJSON_AddStringToObject(ev, "status", status);
    if (block_id)
        cJSON_AddStringToObject(ev, "blockId", block_id);
    if (error)
        cJSON_AddStringToObject(ev, "error", error);
    ws_publish(r->w->engine->app, r->env_id, r->user_id, ev);
    cJSON_Delete(ev);
}

static void on_step(void *ctx, const struct wf_step *st)
{
    struct run *r = ctx;
    publish(r, "step", st->status, st->id, st->error);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", r->seq++);
    cJSON_AddStringToObject(o, "id", st->id);
    cJSON_AddStringToObject(o, "type", st->type);
    cJSON_AddStringToObject(o, "name", st->name ? st->name : st->id);
    cJSON_AddStringToObject(o, "key", st->step_key);
    cJSON_AddStringToObject(o, "status", st->status);
    cJSON_AddNumberToObject(o, "started", (double)st->started_ms);
    cJSON_AddNumberToObject(o, "stopped", (double)st->stopped_ms);
    if (st->inputs)
        cJSON_AddItemToObject(o, "inputs", redacted(st->inputs));
    if (st->output)
        cJSON_AddItemToObject(o, "output", cJSON_Duplicate(st->output, true));
    if (st->error)
        cJSON_AddStringToObject(o, "error", st->error);
    cJSON_AddItemToArray(r->steps, o);
}

/* Appends ?k=v&… from an object of query parameters, percent-encoding values. */
static void append_query(struct buf *url, const cJSON *query)
{
    bool first = !strchr(url->data ? url->data : "", '?');
    const cJSON *q;
    cJSON_ArrayForEach(q, query)
    {
        char *v = json_text(q);
        buf_putc(url, first ? '?' : '&');
        first = false;
        buf_put_urlencoded(url, q->string);
        buf_putc(url, '=');
        buf_put_urlencoded(url, v);
        free(v);
    }
}

/* The response as a block output: {status, body} with the body parsed when it is JSON. */
static cJSON *response_output(const struct http_response *resp)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "status", (double)resp->status);
    cJSON *body =
        resp->body_len ? json_parse(resp->body, resp->body_len, JSON_MAX_DEPTH, NULL) : NULL;
    if (!body)
        body = cJSON_CreateString(resp->body ? resp->body : "");
    cJSON_AddItemToObject(out, "body", body);
    return out;
}

/* Longest per-block timeout a workflow may ask for: a call never holds a worker longer. */
#define BLOCK_TIMEOUT_MAX_MS 120000

/* The block's own timeout (input timeoutMs, 1 ms to 2 min), or 0 for the client's default. */
static long block_timeout_ms(const cJSON *in)
{
    const cJSON *t = cJSON_GetObjectItem(in, "timeoutMs");
    if (!cJSON_IsNumber(t) || t->valuedouble < 1)
        return 0;
    return t->valuedouble > BLOCK_TIMEOUT_MAX_MS ? BLOCK_TIMEOUT_MAX_MS : (long)t->valuedouble;
}

static void host_call(void *ctx, const struct wf_call *call, struct wf_call_result *res)
{
    struct run *r = ctx;
    const struct wf_block *b = call->block;
    const cJSON *in = call->inputs;
    if (b->type == WF_BLOCK_APP_ACTION) {
        struct connector_call cc = {
            r->env_id,      r->user_id, json_get_str(r->job, "installationId"),
            r->workflow_id, r->exec_id, call->step_key};
        connectors_action_run(r->w->engine->app->connectors, r->w->store, r->w->http, &cc, b, in,
                              res);
        return;
    }
    const char *url = json_get_str(in, "url");
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        res->failed = true;
        snprintf(res->message, sizeof res->message, "input 'url' must be an http(s) URL");
        return;
    }
    const char *method = json_get_str(in, "method");
    if (!method)
        method = b->type == WF_BLOCK_STREAM_DATA ? "POST" : "GET";

    /* Body: a string is sent as it is; anything else as JSON. Stream Data defaults to the event. */
    const cJSON *body = cJSON_GetObjectItem(in, "body");
    if (!body && b->type == WF_BLOCK_STREAM_DATA)
        body = cJSON_GetObjectItem(r->state->context, "event");
    char *payload = NULL;
    if (cJSON_IsString(body))
        payload = strdup(body->valuestring);
    else if (body)
        payload = json_print(body);

    struct buf full_url = {0};
    buf_puts(&full_url, url);
    append_query(&full_url, cJSON_GetObjectItem(in, "query"));
    char *target = buf_take(&full_url);

    if (!r->signing_secret) {
        struct worker *w = r->w;
        if (!w->secret || strcmp(w->secret_env, r->env_id) != 0 ||
            w->secret_generation != engine_secret_generation()) {
            w->secret_generation = engine_secret_generation();
            cJSON *row = NULL;
            store_signing_secret(w->store, r->env_id, sign_whsec_generate, &row);
            const char *secret = row ? json_get_str(row, "signingSecret") : NULL;
            free(w->secret);
            w->secret = secret ? strdup(secret) : NULL;
            snprintf(w->secret_env, sizeof w->secret_env, "%s", r->env_id);
            cJSON_Delete(row);
        }
        r->signing_secret = w->secret;
    }
    char key[33];
    delivery_idempotency_key(r->exec_id, call->step_key, key);
    struct delivery d = {
        .workflow_id = r->workflow_id,
        .user_id = r->user_id,
        .block_name = b->name ? b->name : b->id,
        .block_type = b->type_name,
        .execution_uuid = r->exec_id,
        .idempotency_key = key,
        .timestamp_s = store_now() / 1000,
        .webhook_secret = r->signing_secret,
        .signer = r->w->engine->sign_rsa ? r->w->engine->signer : NULL,
        .method = method,
        .url = target,
        .body = payload ? payload : "",
        .body_len = payload ? strlen(payload) : 0,
    };
    struct delivery_headers dh;
    char err[256];
    if (delivery_headers(&d, &dh, err, sizeof err) != 0) {
        res->failed = true;
        snprintf(res->message, sizeof res->message, "cannot sign the request: %.200s", err);
        free(payload);
        free(target);
        return;
    }
    /* The block's own headers, then authentication, then ours. */
    const char *lines[HTTP_MAX_HEADERS];
    char *owned[HTTP_MAX_HEADERS];
    size_t nlines = 0, nowned = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(in, "headers"))
    {
        if (nlines + dh.count + 2 >= HTTP_MAX_HEADERS || !h->string || strchr(h->string, ':') ||
            strpbrk(h->string, "\r\n"))
            continue;
        char *v = json_text(h);
        if (!v || strpbrk(v, "\r\n")) {
            free(v);
            continue;
        }
        struct buf line = {0};
        buf_printf(&line, "%s: %s", h->string, v);
        free(v);
        lines[nlines++] = owned[nowned++] = buf_take(&line);
    }
    const cJSON *auth = cJSON_GetObjectItem(in, "auth");
    const char *auth_type = json_get_str(auth, "type");
    if (auth_type && strcmp(auth_type, "basic") == 0) {
        struct buf cred = {0};
        buf_printf(&cred, "%s:%s",
                   json_get_str(auth, "username") ? json_get_str(auth, "username") : "",
                   json_get_str(auth, "password") ? json_get_str(auth, "password") : "");
        char *b64 = base64_encode(cred.data ? cred.data : "", cred.len, false);
        buf_free(&cred);
        struct buf line = {0};
        buf_printf(&line, "Authorization: Basic %s", b64 ? b64 : "");
        free(b64);
        lines[nlines++] = owned[nowned++] = buf_take(&line);
    } else if (auth_type &&
               (strcmp(auth_type, "header") == 0 || strcmp(auth_type, "bearer") == 0)) {
        const char *name =
            strcmp(auth_type, "bearer") == 0 ? "Authorization" : json_get_str(auth, "name");
        const char *value =
            json_get_str(auth, strcmp(auth_type, "bearer") == 0 ? "token" : "value");
        if (name && value && !strpbrk(name, ":\r\n") && !strpbrk(value, "\r\n")) {
            struct buf line = {0};
            buf_printf(&line, "%s: %s%s", name, strcmp(auth_type, "bearer") == 0 ? "Bearer " : "",
                       value);
            lines[nlines++] = owned[nowned++] = buf_take(&line);
        }
    }
    for (size_t i = 0; i < dh.count; i++)
        lines[nlines++] = dh.lines[i];

    struct http_request hreq = {
        .method = method,
        .url = target,
        .headers = lines,
        .header_count = nlines,
        .body = payload,
        .body_len = payload ? strlen(payload) : 0,
        .timeout_ms = block_timeout_ms(in),
    };
    struct http_response resp;
    http_client_send(r->w->http, &hreq, &resp);
    enum retry_verdict verdict = retry_classify(&resp);
    if (verdict == RETRY_SUCCESS) {
        res->output = response_output(&resp);
    } else {
        res->failed = true;
        res->retryable = verdict == RETRY_AGAIN;
        if (res->retryable)
            res->retry_after_ms = resp.retry_after_ms > 0 ? resp.retry_after_ms : 0;
        else if (resp.status)
            res->output = response_output(&resp);
        if (resp.status)
            snprintf(res->message, sizeof res->message, "%.10s %.120s: HTTP %ld %.100s", method,
                     url, resp.status, resp.body ? resp.body : "");
        else
            snprintf(res->message, sizeof res->message, "%.10s %.120s: %.100s", method, url,
                     resp.error);
    }
    http_response_free(&resp);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    delivery_headers_free(&dh);
    free(payload);
    free(target);
}

/* The context of a fresh execution: event payload, installation config, user — all carried by the
 * claimed job (store_claim reads them in the same statement). */
static cJSON *fresh_context(const cJSON *job, int attempt)
{
    cJSON *user = cJSON_CreateObject();
    cJSON_AddStringToObject(user, "userId", json_get_str(job, "userId"));
    if (json_get_str(job, "username"))
        cJSON_AddStringToObject(user, "username", json_get_str(job, "username"));
    if (json_get_str(job, "fullName"))
        cJSON_AddStringToObject(user, "fullName", json_get_str(job, "fullName"));
    cJSON *ctx = workflow_context_new(cJSON_GetObjectItem(job, "eventPayload"),
                                      cJSON_GetObjectItem(job, "installConfig"), user,
                                      json_get_str(job, "id"), attempt);
    cJSON_Delete(user);
    return ctx;
}

/* Saved between runs: context, resume index, step counters. */
static cJSON *saved_state(const struct wf_state *st, int seq)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "context", cJSON_Duplicate(st->context, true));
    cJSON_AddNumberToObject(o, "resume", st->resume_index);
    cJSON_AddNumberToObject(o, "stepsRun", st->steps_run);
    cJSON_AddNumberToObject(o, "seq", seq);
    return o;
}

cJSON *worker_run_execution(struct worker *w, const cJSON *job)
{
    struct store *s = w->store;
    const char *exec_id = json_get_str(job, "id");
    int attempt = cJSON_GetObjectItem(job, "attempt")->valueint;
    int version = cJSON_GetObjectItem(job, "version")->valueint;
    const struct workflow_def *def =
        definitions_get(s, json_get_str(job, "workflowId"), version, NULL);
    bool inst = cJSON_GetObjectItem(job, "installConfig") != NULL;

    struct run r = {
        .w = w,
        .job = job,
        .exec_id = exec_id,
        .env_id = json_get_str(job, "envId"),
        .workflow_id = json_get_str(job, "workflowId"),
        .user_id = json_get_str(job, "userId"),
        .steps = cJSON_CreateArray(),
    };
    struct wf_state st;
    memset(&st, 0, sizeof st);
    const cJSON *saved = cJSON_GetObjectItem(job, "state");
    if (cJSON_GetObjectItem(saved, "context")) {
        st.context = cJSON_Duplicate(cJSON_GetObjectItem(saved, "context"), true);
        st.resume_index = cJSON_GetObjectItem(saved, "resume")->valueint;
        st.steps_run = cJSON_GetObjectItem(saved, "stepsRun")->valueint;
        r.seq = cJSON_GetObjectItem(saved, "seq")->valueint;
        cJSON *ex = cJSON_GetObjectItem(st.context, "execution");
        if (ex)
            cJSON_ReplaceItemInObject(ex, "attempt", cJSON_CreateNumber(attempt));
    } else {
        st.context = fresh_context(job, attempt);
    }
    r.state = &st;
    publish(&r, "execution", "started", NULL, NULL);

    enum wf_outcome outcome;
    const char *status = NULL, *error = NULL, *error_block = NULL;
    char message[600];
    if (!def || !inst) {
        outcome = WF_FAILED;
        snprintf(message, sizeof message, "%s",
                 !inst ? "the installation was removed before the execution ran"
                       : "the workflow version cannot be loaded");
        error = message;
    } else {
        struct wf_host host = {host_call, on_step, &r, NULL};
        outcome = workflow_execute(def, &st, &host);
    }
    int64_t now = store_now();
    int64_t run_at = -1;
    if (def && inst) {
        const struct wf_block *fb =
            st.failed_block[0] ? workflow_find_block(def, st.failed_block) : NULL;
        error_block =
            fb ? (fb->name ? fb->name : fb->id) : (st.failed_block[0] ? st.failed_block : NULL);
        switch (outcome) {
        case WF_DONE:
            status = "success";
            break;
        case WF_STOPPED:
            status = "stopped";
            break;
        case WF_DELAYED:
            run_at = st.resume_at_ms;
            break;
        case WF_RETRY:
            if (attempt < ENGINE_MAX_ATTEMPTS) {
                run_at = now + retry_delay_ms(attempt, st.retry_after_ms, retry_random());
                error = st.message;
                break;
            }
            snprintf(message, sizeof message, "gave up after %d attempts: %s", attempt, st.message);
            error = message;
            status = "error";
            break;
        case WF_FAILED:
            status = "error";
            error = st.message;
            break;
        }
    } else {
        status = "error";
    }

    /* The outcome, written with the rest of the batch by worker_record. */
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "id", exec_id);
    cJSON_AddStringToObject(rec, "envId", r.env_id);
    cJSON_AddStringToObject(rec, "workflowId", r.workflow_id);
    cJSON_AddStringToObject(rec, "installationId", json_get_str(job, "installationId"));
    cJSON_AddStringToObject(rec, "userId", r.user_id);
    cJSON_AddNumberToObject(rec, "attempt", attempt);
    cJSON_AddItemToObject(rec, "steps", r.steps);
    if (run_at >= 0) { /* a finished execution's state is not kept: nothing resumes it */
        cJSON_AddItemToObject(rec, "state", saved_state(&st, r.seq));
        cJSON_AddNumberToObject(rec, "runAt", (double)run_at);
    }
    if (status)
        cJSON_AddStringToObject(rec, "status", status);
    if (error)
        cJSON_AddStringToObject(rec, "error", error);
    if (error_block)
        cJSON_AddStringToObject(rec, "errorBlock", error_block);
    workflow_state_clear(&st);
    return rec;
}

/* Writes one execution's steps and outcome (inside the caller's transaction). */
static int record_one(struct store *s, const cJSON *rec)
{
    const char *id = json_get_str(rec, "id"), *status = json_get_str(rec, "status");
    const char *error = json_get_str(rec, "error"), *error_block = json_get_str(rec, "errorBlock");
    const cJSON *state = cJSON_GetObjectItem(rec, "state"),
                *run_at = cJSON_GetObjectItem(rec, "runAt");
    int attempt = cJSON_GetObjectItem(rec, "attempt")->valueint;
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItem(rec, "steps"))
    {
        int rc = store_step_insert(s, id, cJSON_GetObjectItem(st, "seq")->valueint,
                                   json_get_str(st, "id"), json_get_str(st, "type"),
                                   json_get_str(st, "name"), json_get_str(st, "key"),
                                   json_get_str(st, "status"), attempt,
                                   (int64_t)cJSON_GetObjectItem(st, "started")->valuedouble,
                                   (int64_t)cJSON_GetObjectItem(st, "stopped")->valuedouble,
                                   cJSON_GetObjectItem(st, "inputs"),
                                   cJSON_GetObjectItem(st, "output"), json_get_str(st, "error"));
        if (rc != STORE_OK)
            return rc;
    }
    int rc = run_at ? store_execution_requeue(s, id, (int64_t)run_at->valuedouble, state, error,
                                              error_block)
                    : store_execution_finish(s, id, status, error, error_block, state);
    if (rc == STORE_OK && status && strcmp(status, "error") == 0)
        rc = store_error_insert(s, json_get_str(rec, "envId"), id, json_get_str(rec, "workflowId"),
                                json_get_str(rec, "installationId"), json_get_str(rec, "userId"),
                                error_block, error ? error : "execution failed");
    return rc;
}

void worker_record(struct worker *w, const cJSON *records, cJSON **next)
{
    struct store *s = w->store;
    if (cJSON_GetArraySize(records) == 0)
        return;
    int rc = store_begin(s);
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) if (rc == STORE_OK) rc = record_one(s, rec);
    if (rc == STORE_OK && next)
        rc = store_claim(s, store_now(), ENGINE_LEASE_MS, ENGINE_CLAIM_BATCH, next);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK) {
        if (next) {
            cJSON_Delete(*next);
            *next = NULL;
        }
        /* Left running: the leases run out and the executions are claimed again. */
        fprintf(stderr, "solder: cannot record %d execution outcomes: %s\n",
                cJSON_GetArraySize(records), store_errmsg(s));
        store_rollback(s);
        return;
    }
    bool errors = false;
    cJSON_ArrayForEach(rec, records)
    {
        const char *status = json_get_str(rec, "status");
        errors |= status && strcmp(status, "error") == 0;
        struct run r = {.w = w,
                        .exec_id = json_get_str(rec, "id"),
                        .env_id = json_get_str(rec, "envId"),
                        .workflow_id = json_get_str(rec, "workflowId"),
                        .user_id = json_get_str(rec, "userId")};
        publish(&r, "execution", status ? status : "queued", json_get_str(rec, "errorBlock"),
                json_get_str(rec, "error"));
    }
    if (errors)
        engine_wake_maintenance(w->engine); /* it streams errors to the ISV */
}
