/*
 * The HTTP server: libwebsockets glue and the request pipeline every handler sits behind
 * (route -> CORS preflight -> auth -> rate limit -> body limit -> JSON parse -> body schema ->
 * per-user rate limit -> handler), plus the access log.
 * Dashboard pages a browser opens are answered before routing (http/static.c); the dashboard's
 * session cookie and CSRF check are the auth step's third way in (http/session.c).
 * It does not know any API area: those are rows of API_ROUTES.
 *
 * Threading: everything here runs on the lws service thread; a handler must not block for long.
 */
#include "app.h"
#include "log.h"

#include "engine/engine.h"
#include "http/session.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "http/static.h"
#include "http/validate.h"
#include "store/runs.h"
#include "http/ws.h"
#include "json/json.h"
#include "plat.h"
#include "util/hex.h"

#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;
static struct lws_context *signal_context;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void request_reset(struct request *req)
{
    free(req->query);
    free(req->authorization);
    free(req->user_token);
    free(req->api_version);
    free(req->origin);
    buf_free(&req->body);
    cJSON_Delete(req->json);
    free(req->resp_body);
    buf_free(&req->resp_headers);
    memset(req, 0, sizeof *req);
}

static char *copy_header(struct lws *wsi, enum lws_token_indexes tok)
{
    int n = lws_hdr_total_length(wsi, tok);
    if (n <= 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s && lws_hdr_copy(wsi, s, n + 1, tok) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static enum http_method detect_method(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes tok;
        enum http_method m;
    } MAP[] = {
        {WSI_TOKEN_GET_URI, HTTP_GET},       {WSI_TOKEN_POST_URI, HTTP_POST},
        {WSI_TOKEN_PUT_URI, HTTP_PUT},       {WSI_TOKEN_PATCH_URI, HTTP_PATCH},
        {WSI_TOKEN_DELETE_URI, HTTP_DELETE}, {WSI_TOKEN_OPTIONS_URI, HTTP_OPTIONS},
        {WSI_TOKEN_HEAD_URI, HTTP_HEAD},
    };
    for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
        if (lws_hdr_total_length(wsi, MAP[i].tok) > 0)
            return MAP[i].m;
    return HTTP_OTHER;
}

/* Joins the URI argument fragments lws split at '&' back into one raw query string. */
static char *copy_query(struct lws *wsi)
{
    struct buf q = {0};
    char frag[4096];
    for (int i = 0;; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0)
            break;
        if (q.len)
            buf_putc(&q, '&');
        buf_append(&q, frag, (size_t)n);
    }
    return buf_take(&q);
}

/* The access log line and the request's metrics, once its answer is written. */
static void log_request(const struct request *req)
{
    int64_t took = now_us() - req->started_us;
    metrics_request_done(req, took);
    log_access(plat_now_ms(), req->request_id, http_method_name(req->method), req->path,
               req->status, (double)took / 1000.0);
}

static void add_cors(struct request *req)
{
    reply_header(req, "access-control-allow-origin", req->origin ? req->origin : "*");
    reply_header(req, "vary", "origin");
}

/* Environments never change once created, so the lws thread keeps the few there are. */
#define ENV_CACHE 8
static struct environment env_cache[ENV_CACHE];
static int env_cached;

static int environment_of(struct app *app, const char *id, struct environment *out)
{
    for (int i = 0; i < env_cached; i++)
        if (strcmp(env_cache[i].id, id) == 0) {
            *out = env_cache[i];
            return STORE_OK;
        }
    int rc = store_environment_by_id(app->store, id, out);
    if (rc == STORE_OK && env_cached < ENV_CACHE)
        env_cache[env_cached++] = *out;
    return rc;
}

int http_identify_api_key(struct app *app, const char *key, size_t klen, struct identity *who)
{
    if (klen == 0 || klen > API_KEY_MAX)
        return STORE_NOT_FOUND;
    unsigned char hash[32];
    crypto_sha256(key, klen, hash);
    struct api_key k;
    int rc = store_api_key_lookup(app->store, hash, &k);
    if (rc != STORE_OK)
        return rc;
    rc = environment_of(app, k.env_id, &who->env);
    if (rc != STORE_OK)
        return rc;
    who->kind = IDENTITY_API_KEY;
    snprintf(who->key_id, sizeof who->key_id, "%s", k.id);
    return STORE_OK;
}

bool http_identify_user_token(struct app *app, const char *token, struct identity *who, char *msg,
                              size_t msg_len)
{
    struct token t;
    struct token_expect want = {"ES256", APP_TOKEN_AUDIENCE, app->cfg.public_url,
                                plat_now_ms() / 1000, 5};
    if (crypto_token_verify(&app->signing_key, token, &want, &t, msg, msg_len) != TOKEN_OK)
        return false;
    msg[0] = '\0';
    bool ok = t.env && t.sub && id_valid(t.sub) &&
              store_environment_by_name(app->store, t.env, &who->env) == STORE_OK;
    if (ok) {
        /* By id only: a token binds its user, never a name another user may take later. */
        struct user u;
        ok = store_user_find_id(app->store, who->env.id, t.sub, &u) == STORE_OK;
        if (ok) {
            who->kind = IDENTITY_USER_TOKEN;
            snprintf(who->user_id, sizeof who->user_id, "%s", u.id);
            snprintf(who->jti, sizeof who->jti, "%s", t.jti ? t.jti : "");
            who->token_exp = t.exp;
            store_user_clear(&u);
        } else {
            snprintf(msg, msg_len, "the token's user no longer exists");
        }
    }
    if (ok) {
        const char *scope = json_get_str(t.payload, "scope");
        const char *integration = json_get_str(t.payload, "integrationId");
        who->install_link = scope && strcmp(scope, "install") == 0;
        snprintf(who->integration_id, sizeof who->integration_id, "%s",
                 who->install_link && integration && id_valid(integration) ? integration : "");
        if (who->install_link && !who->integration_id[0]) {
            snprintf(msg, msg_len, "an install link's token names no integration");
            ok = false;
        }
    }
    if (ok && who->install_link && store_token_used(app->store, who->jti)) {
        snprintf(msg, msg_len, "this install link was already used");
        ok = false;
    }
    token_free(&t);
    if (!ok && !msg[0])
        snprintf(msg, msg_len, "the token's environment no longer exists");
    return ok;
}

/* Authenticates by API key, else by user token when the route allows it. */
static bool authenticate(struct request *req)
{
    struct app *app = req->app;
    if (req->route->flags & ROUTE_PUBLIC)
        return true;
    if (req->route->flags & ROUTE_METRICS)
        return metrics_authenticate(req);
    if ((req->route->flags & ROUTE_SESSION) ||
        (!req->authorization && !(req->user_token && (req->route->flags & ROUTE_USER_TOKEN))))
        return http_session_authenticate(req); /* the dashboard's cookie */
    if (req->authorization) {
        const char *a = req->authorization;
        if (strncasecmp(a, "bearer ", 7) == 0) {
            const char *key = a + 7;
            while (*key == ' ')
                key++;
            size_t klen = strlen(key);
            while (klen && key[klen - 1] == ' ')
                klen--;
            int rc = http_identify_api_key(app, key, klen, &req->who);
            if (rc == STORE_OK)
                return true;
            if (rc != STORE_NOT_FOUND) {
                reply_store_error(req, rc, "key");
                return false;
            }
        }
        reply_error(req, 401, "unauthorized", "Unauthorized");
        return false;
    }
    if (req->user_token && (req->route->flags & ROUTE_USER_TOKEN)) {
        char msg[160];
        if (!http_identify_user_token(app, req->user_token, &req->who, msg, sizeof msg)) {
            reply_error(req, 401, "unauthorized", "Unauthorized: %s", msg);
            return false;
        }
        if (req->who.install_link && !(req->route->flags & ROUTE_INSTALL_LINK)) {
            reply_error(req, 403, "forbidden",
                        "an install link's token may only read and install its integration");
            return false;
        }
        return true;
    }
    reply_error(req, 401, "unauthorized", "Unauthorized");
    return false;
}

static bool method_has_body(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

bool app_batch_join(struct request *req)
{
    struct app *app = req->app;
    struct batch *b = &app->batch;
    if (b->count == b->cap) {
        int cap = b->cap ? b->cap * 2 : 64;
        struct request **r = realloc(b->reqs, (size_t)cap * sizeof *r);
        if (!r)
            return false;
        b->reqs = r;
        b->cap = cap;
    }
    if (!b->open) {
        if (store_begin(app->store) != STORE_OK)
            return false;
        b->open = true;
    }
    if (store_savepoint(app->store) != STORE_OK)
        return false;
    req->deferred = true;
    b->reqs[b->count++] = req;
    return true;
}

void app_batch_leave(struct request *req, bool keep)
{
    store_savepoint_end(req->app->store, keep);
}

/* Commits the group transaction and releases the replies that waited for it. */
static void batch_flush(struct app *app)
{
    struct batch *b = &app->batch;
    if (!b->open)
        return;
    bool ok = store_commit(app->store) == STORE_OK;
    if (!ok)
        store_rollback(app->store);
    b->open = false;
    for (int i = 0; i < b->count; i++) {
        struct request *req = b->reqs[i];
        if (!req)
            continue; /* its connection closed meanwhile */
        if (!ok) {
            free(req->resp_body);
            req->resp_body = NULL;
            req->replied = false;
            reply_error(req, 500, "internal", "could not store the request (request %s)",
                        req->request_id);
        }
        req->deferred = false;
        lws_callback_on_writable(req->wsi);
    }
    if (b->count > 0)
        engine_wake(app);
    b->count = 0;
}

/* Forgets a request whose connection closed before its group commit. */
static void batch_forget(struct app *app, struct request *req)
{
    for (int i = 0; i < app->batch.count; i++)
        if (app->batch.reqs[i] == req)
            app->batch.reqs[i] = NULL;
}

/* The pipeline: everything between "request fully received" and "reply ready". */
static void dispatch(struct request *req)
{
    struct app *app = req->app;
    char version[8];
    const char *path = router_strip_version(req->path, version);
    bool wrong_method = false;
    enum http_method m = req->method == HTTP_OPTIONS ? HTTP_GET : req->method;
    if (static_serve_dashboard(req, app->cfg.web_dir))
        return; /* a browser opening a dashboard page */

    req->route = router_match(API_ROUTES, API_ROUTE_COUNT, m, path, req->params, &req->nparams,
                              &wrong_method);
    if (req->method == HTTP_OPTIONS) {
        /* A preflight: answer for any method the path serves, if it is browser-facing. */
        const struct route *any = NULL;
        for (size_t i = 0; i < API_ROUTE_COUNT && !any; i++) {
            int n;
            bool wm;
            char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
            const struct route *r =
                router_match(&API_ROUTES[i], 1, API_ROUTES[i].method, path, params, &n, &wm);
            if (r && (r->flags & ROUTE_BROWSER))
                any = r;
        }
        if (!any) {
            reply_error(req, 404, "not_found", "no such route: OPTIONS %s", path);
            return;
        }
        add_cors(req);
        reply_header(req, "access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        reply_header(req, "access-control-allow-headers",
                     "authorization, content-type, x-alloy-user-token, x-alloy-userid, "
                     "x-api-version");
        reply_header(req, "access-control-max-age", "600");
        reply_raw(req, 204, "text/plain", NULL, 0);
        return;
    }
    if (!req->route && !wrong_method && static_serve(req, app->cfg.web_dir, path)) {
        add_cors(req);
        return;
    }
    if (!req->route) {
        if (wrong_method)
            reply_error(req, 405, "method_not_allowed", "%s is not allowed on %s",
                        http_method_name(req->method), path);
        else
            reply_error(req, 404, "not_found", "no such route: %s %s",
                        http_method_name(req->method), path);
        return;
    }
    if (req->route->flags & ROUTE_BROWSER)
        add_cors(req);
    if (!authenticate(req) || !ratelimit_check(req))
        return;
    if (req->body_too_large) {
        reply_error(req, 413, "payload_too_large", "request body is larger than %zu bytes",
                    app->cfg.max_body);
        return;
    }
    if (method_has_body(req->method) && req->body.len > 0) {
        struct json_error err;
        req->json = json_parse(req->body.data, req->body.len, JSON_MAX_DEPTH, &err);
        if (!req->json) {
            reply_error(req, 400, "invalid_json",
                        "request body is not valid JSON: %s at line %d, "
                        "column %d",
                        err.message, err.line, err.column);
            return;
        }
    }
    if (!http_validate_body(req) || !ratelimit_check_user(req))
        return;
    if (app->batch.open && !(req->route->flags & ROUTE_BATCH))
        batch_flush(app); /* other handlers run outside the shared transaction */
    req->route->handler(req);
    if (!req->replied && !req->deferred)
        reply_error(req, 500, "internal", "handler gave no answer (request %s)", req->request_id);
    if (app->batch.count >= APP_BATCH_MAX)
        batch_flush(app);
}

/* Writes status line, headers and body; returns -1 when the connection must close. */
static int write_reply(struct lws *wsi, struct request *req)
{
    size_t hdr_cap = 1024 + req->resp_headers.len;
    size_t body_len = req->method == HTTP_HEAD ? 0 : req->resp_len;
    unsigned char *buf = malloc(LWS_PRE + hdr_cap + body_len);
    if (!buf)
        return -1;
    unsigned char *start = buf + LWS_PRE, *p = start, *end = start + hdr_cap;
    int rc = -1;
    if (lws_add_http_header_status(wsi, (unsigned)req->status, &p, end))
        goto out;
    if (req->resp_type && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                                       (const unsigned char *)req->resp_type,
                                                       (int)strlen(req->resp_type), &p, end))
        goto out;
    if (lws_add_http_header_content_length(wsi, req->resp_len, &p, end))
        goto out;
    char rid[40];
    int rid_len = snprintf(rid, sizeof rid, "%s", req->request_id);
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"x-request-id:",
                                    (const unsigned char *)rid, rid_len, &p, end))
        goto out;
    if (req->resp_headers.len) {
        memcpy(p, req->resp_headers.data, req->resp_headers.len);
        p += req->resp_headers.len;
    }
    if (lws_finalize_http_header(wsi, &p, end))
        goto out;
    if (body_len) {
        memcpy(p, req->resp_body, body_len);
        p += body_len;
    }
    if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL) != (int)(p - start))
        goto out;
    rc = 0;
out:
    free(buf);
    return rc;
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct request *req = user;
    struct app *app = lws_context_user(lws_get_context(wsi));

    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        if (req->app) { /* a previous transaction that never got its reply written */
            app->inflight--;
            request_reset(req);
        }
        req->app = app;
        req->wsi = wsi;
        req->started_us = now_us();
        app->inflight++;
        unsigned char rnd[8];
        plat_random(rnd, sizeof rnd);
        hex_encode(rnd, sizeof rnd, req->request_id);
        req->method = detect_method(wsi);
        snprintf(req->path, sizeof req->path, "%s", in ? (const char *)in : "/");
        req->query = copy_query(wsi);
        if (!req->query)
            req->query = strdup("");
        req->authorization = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
        req->origin = copy_header(wsi, WSI_TOKEN_ORIGIN);
        req->user_token = request_header(req, "x-alloy-user-token");
        req->api_version = request_header(req, "x-api-version");
        char cl[32];
        if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
            req->has_content_length = true;
            req->content_length = strtoull(cl, NULL, 10);
            if (req->content_length > app->cfg.max_body)
                req->body_too_large = true;
        }
        bool chunked = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
        if (method_has_body(req->method) &&
            ((req->has_content_length && req->content_length > 0) || chunked) &&
            !req->body_too_large)
            return 0; /* wait for the body */
        dispatch(req);
        if (!req->deferred)
            lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (!req->app || req->replied)
            return 0;
        if (req->body.len + len > app->cfg.max_body) {
            req->body_too_large = true;
            buf_free(&req->body);
            return 0;
        }
        if (!req->body_too_large)
            buf_append(&req->body, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!req->app || req->replied)
            return 0;
        dispatch(req);
        if (!req->deferred)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!req->app || !req->replied || req->deferred)
            return 0;
        int rc = write_reply(wsi, req);
        log_request(req);
        app->inflight--;
        bool too_large = req->body_too_large;
        request_reset(req);
        if (rc < 0 || too_large)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (req && req->app) {
            if (req->deferred) {
                batch_forget(app, req);
                http_defer_forget(req);
            }
            app->inflight--;
            request_reset(req);
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        http_defer_flush();
        ws_flush(app);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Filled at start: "http", then the websocket channel's entry, then the terminator. */
static struct lws_protocols protocols[3];

static void on_signal(int sig)
{
    stop_requested = 1;
    if (signal_context)
        lws_cancel_service(signal_context);
}

static void lws_log_line(int level, const char *line)
{
    log_error("lws: %s", line);
}

void app_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int app_run_server(struct app *app)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = app->cfg.port;
    info.iface = app->cfg.listen_host;
    protocols[0] =
        (struct lws_protocols){"http", http_callback, sizeof(struct request), 0, 0, NULL, 0};
    protocols[1] = ws_protocol();
    info.protocols = protocols;
    info.user = app;
    info.max_http_header_data = APP_MAX_HEADER_BYTES;
    info.max_http_header_pool = 256;
    info.keepalive_timeout = 30;
    info.timeout_secs = 30;
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_line);

    app->lws = lws_create_context(&info);
    if (!app->lws) {
        log_error("cannot listen on %s:%d\n", app->cfg.listen_host, app->cfg.port);
        return 1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(app->lws, "default");
    int port = vh ? lws_get_vhost_listen_port(vh) : app->cfg.port;
    if (app->cfg.public_url[0] == '\0')
        snprintf(app->cfg.public_url, sizeof app->cfg.public_url, "http://%s:%d",
                 app->cfg.listen_host, port);
    log_info("listening on http://%s:%d\n", app->cfg.listen_host, port);
    log_info("API        %s/2024-03/users\n", app->cfg.public_url);
    log_info("health     %s/healthz\n", app->cfg.public_url);
    log_info("dashboard  %s/\n", app->cfg.public_url);
    log_info("SDK        %s/sdk/embedded.js\n", app->cfg.public_url);
    log_info("modal      %s/forge-install\n", app->cfg.public_url);
    if (app->setup_token[0]) {
        log_info("dashboard setup (one time, valid 1 hour):\n\n    %s/setup?token=%s\n\n",
                 app->cfg.public_url, app->setup_token);
        memset(app->setup_token, 0, sizeof app->setup_token);
    }
    fflush(stdout);

    signal_context = app->lws;

    while (!stop_requested) {
        if (lws_service(app->lws, 0) < 0)
            break;
        batch_flush(app);
        fflush(stdout); /* the access log: one write per service round, not per request */
    }
    /* Drain: give requests already received up to 5 s to be answered. */
    int64_t deadline = now_us() + 5000000;
    while (app->inflight > 0 && now_us() < deadline) {
        lws_service(app->lws, 0);
        batch_flush(app);
    }
    batch_flush(app);
    http_defer_drain();
    free(app->batch.reqs);
    signal_context = NULL;
    lws_context_destroy(app->lws);
    app->lws = NULL;
    log_info("stopped\n");
    return 0;
}
