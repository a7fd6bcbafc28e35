/*
 * The HTTP server: libwebsockets glue (connections, framing, body limits and deadlines, writing
 * replies, the access log and the request metrics) and the request pipeline every handler sits
 * behind (route -> CORS preflight -> auth -> rate limit -> body limit -> JSON parse -> body schema
 * -> per-user rate limit -> handler). Dashboard pages a browser opens are recognised before
 * routing (http/static.c); the dashboard's session cookie and CSRF check are the auth step's third
 * way in (http/session.c). It does not know any API area: those are rows of the route table it is
 * given (app->routes, generated from the route descriptions in native/api/routes/).
 *
 * Threading: the lws service thread receives a request, routes it and hands it to the API threads
 * (http/pool.c), which run the pipeline and the handler; it writes the reply when they hand it
 * back. Only preflights, unknown routes and ROUTE_INLINE routes are answered on the service thread
 * itself, so nothing a request does can keep it from serving everyone else.
 */
#include "app.h"
#include "base/log.h"

#include "http/chunked.h"
#include "http/conns.h"
#include "http/pool.h"
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
#include <sys/resource.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;
static struct lws_context *signal_context;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void request_free(struct request *req)
{
    if (!req)
        return;
    free(req->query);
    free(req->authorization);
    free(req->user_token);
    free(req->api_version);
    free(req->origin);
    buf_free(&req->body);
    cJSON_Delete(req->json);
    free(req->resp_body);
    buf_free(&req->resp_headers);
    free(req);
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

/* How far past the body limit a declared body is still read (and dropped) before the 413, so that
 * the client reads the answer instead of a broken pipe; beyond it the answer goes at once. */
#define BODY_DRAIN_MAX ((size_t)16 << 20)

/* Environments never change once created, so each thread keeps the few there are. */
#define ENV_CACHE 8
static _Thread_local struct environment env_cache[ENV_CACHE];
static _Thread_local int env_cached;

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

/* Methods lws reads a body for when the request has no Content-Length (until the connection
 * ends: it knows no chunked framing, so this file decodes it). */
static bool body_without_length(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH;
}

/* Where a connection's current transaction is. */
enum phase {
    PHASE_NONE,  /* no request in progress */
    PHASE_BODY,  /* headers received, the body arriving */
    PHASE_WORK,  /* with the API threads, which own the request meanwhile */
    PHASE_REPLY, /* the reply is ready to be written */
};

/* The transaction in progress on an HTTP connection: lws's per-session data of the "http"
 * protocol, which lws allocates afresh for each request (and frees after HTTP_DROP_PROTOCOL). */
struct http_conn {
    struct request *req;
    enum phase phase;
    bool chunked;     /* the body comes with Transfer-Encoding: chunked */
    bool close_after; /* lws could not read another request correctly after this one */
    struct chunked chunks;
    lws_sorted_usec_list_t deadline; /* the whole body must have arrived by then */
};

/* Answers an OPTIONS preflight for any method the path serves, if it is browser-facing. */
static void preflight(struct request *req, const char *path)
{
    const struct route *any = NULL;
    for (size_t i = 0; i < req->app->route_count && !any; i++) {
        int n;
        bool wm;
        char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
        const struct route *r = router_match(&req->app->routes[i], 1, req->app->routes[i].method,
                                             path, params, &n, &wm);
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
}

void http_pipeline_run(struct request *req)
{
    struct app *app = req->app;
    if (!req->route) {
        if (static_serve(req, app->cfg.web_dir, req->route_path))
            add_cors(req);
        else
            reply_error(req, 404, "not_found", "no such route: %s %s",
                        http_method_name(req->method), req->route_path);
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
    if (req->body.oom) {
        reply_error(req, 500, "internal", "out of memory reading the body (request %s)",
                    req->request_id);
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
    req->route->handler(req);
    if (!req->replied && !req->deferred && !req->waiting)
        reply_error(req, 500, "internal", "handler gave no answer (request %s)", req->request_id);
}

/*
 * Routes req on the service thread. Returns true when it was answered here (a preflight, a path
 * nothing serves, a ROUTE_INLINE route), false when it goes to the API threads (an API route, a
 * path the static files may serve, a dashboard page a browser opens).
 */
static bool route(struct request *req)
{
    if (static_claims_dashboard(req, req->app->cfg.web_dir)) {
        req->route_path = req->path; /* a browser opening a dashboard page: its shell */
        return false;
    }
    char version[8];
    const char *path = router_strip_version(req->path, version);
    bool wrong_method = false;
    enum http_method m = req->method == HTTP_OPTIONS ? HTTP_GET : req->method;
    req->route_path = path;
    req->route = router_match(req->app->routes, req->app->route_count, m, path, req->params,
                              &req->nparams, &wrong_method);
    if (req->method == HTTP_OPTIONS) {
        preflight(req, path);
        return true;
    }
    if (!req->route) {
        if (!wrong_method && (req->method == HTTP_GET || req->method == HTTP_HEAD) &&
            static_claims(path))
            return false;
        if (wrong_method)
            reply_error(req, 405, "method_not_allowed", "%s is not allowed on %s",
                        http_method_name(req->method), path);
        else
            reply_error(req, 404, "not_found", "no such route: %s %s",
                        http_method_name(req->method), path);
        return true;
    }
    if (!(req->route->flags & ROUTE_INLINE))
        return false;
    http_pipeline_run(req);
    return true;
}

static void reply_ready(struct http_conn *conn)
{
    conn->phase = PHASE_REPLY;
    lws_callback_on_writable(conn->req->wsi);
}

/* The request has arrived: it is answered here or handed to the API threads. */
static void submit(struct app *app, struct http_conn *conn)
{
    struct request *req = conn->req;
    lws_sul_cancel(&conn->deadline);
    if (route(req)) {
        reply_ready(conn);
        return;
    }
    conn->phase = PHASE_WORK;
    lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, APP_WORK_TIMEOUT_S);
    pool_submit(app->pool, req);
}

/* Answers at once, before routing, for what lws cannot go on reading; the connection closes. */
static void refuse(struct http_conn *conn, int status, const char *code, const char *message)
{
    lws_sul_cancel(&conn->deadline);
    conn->close_after = true;
    reply_error(conn->req, status, code, "%s", message);
    reply_ready(conn);
}

static void body_deadline(lws_sorted_usec_list_t *sul)
{
    struct http_conn *conn = lws_container_of(sul, struct http_conn, deadline);
    if (conn->phase != PHASE_BODY)
        return;
    char msg[96];
    snprintf(msg, sizeof msg, "the request body did not arrive within %d s", APP_BODY_TIMEOUT_S);
    refuse(conn, 408, "request_timeout", msg);
}

static bool is_chunked(const char *te)
{
    while (*te == ' ' || *te == '\t')
        te++;
    size_t n = strlen(te);
    while (n && (te[n - 1] == ' ' || te[n - 1] == '\t'))
        n--;
    return n == 7 && strncasecmp(te, "chunked", 7) == 0;
}

/*
 * Reads how the body is framed. Returns true when the request is complete (no body, or one too
 * large to read); false when the body is awaited or the request was refused.
 */
static bool framing(struct app *app, struct http_conn *conn, struct lws *wsi)
{
    struct request *req = conn->req;
    char cl[32];
    int n = lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (n > 0) {
        char *end;
        req->has_content_length = true;
        req->content_length = strtoull(cl, &end, 10);
        if (*end || cl[0] < '0' || cl[0] > '9') {
            refuse(conn, 400, "bad_request", "Content-Length is not a byte count");
            return false;
        }
    } else if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        refuse(conn, 400, "bad_request", "Content-Length is not a byte count");
        return false;
    }
    char *te = copy_header(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
    if (te) {
        bool chunked = is_chunked(te);
        free(te);
        if (!chunked) {
            refuse(conn, 501, "not_implemented", "only the chunked Transfer-Encoding is supported");
            return false;
        }
        if (req->has_content_length) {
            refuse(conn, 400, "bad_request",
                   "a request may not carry both Content-Length and Transfer-Encoding");
            return false;
        }
        if (!body_without_length(req->method)) {
            refuse(conn, 411, "length_required", "send this request's body with Content-Length");
            return false;
        }
        conn->chunked = true;
        conn->close_after = true; /* lws would go on reading what follows as body */
    }
    if (req->has_content_length && req->content_length > app->cfg.max_body) {
        req->body_too_large = true;
        conn->close_after = true;
        /* A client still sending a body that is somewhat too large would meet a closed connection
         * (EPIPE) instead of the 413: such a body is read and dropped first, under the body
         * deadline; a larger one is answered at once. */
        if (req->content_length - app->cfg.max_body <= BODY_DRAIN_MAX) {
            conn->phase = PHASE_BODY;
            lws_sul_schedule(app->lws, 0, &conn->deadline, body_deadline,
                             (lws_usec_t)APP_BODY_TIMEOUT_S * LWS_US_PER_SEC);
            return false;
        }
        return true;
    }
    if (conn->chunked || (method_has_body(req->method) && req->content_length > 0)) {
        conn->phase = PHASE_BODY;
        lws_sul_schedule(app->lws, 0, &conn->deadline, body_deadline,
                         (lws_usec_t)APP_BODY_TIMEOUT_S * LWS_US_PER_SEC);
        return false;
    }
    if (body_without_length(req->method) && !req->has_content_length)
        conn->close_after = true;
    return true;
}

/* A piece of the body in PHASE_BODY. */
static void body_piece(struct app *app, struct http_conn *conn, const char *in, size_t len)
{
    struct request *req = conn->req;
    if (req->body_too_large && !conn->chunked)
        return; /* a body too large by at most BODY_DRAIN_MAX, dropped until it ends */
    if (conn->chunked) {
        size_t used;
        switch (chunked_feed(&conn->chunks, in, len, &req->body, app->cfg.max_body, &used)) {
        case CHUNKED_MORE:
            break;
        case CHUNKED_DONE:
            submit(app, conn);
            break;
        case CHUNKED_BAD:
            refuse(conn, 400, "bad_request", "the chunked request body is malformed");
            break;
        case CHUNKED_TOO_LARGE:
            req->body_too_large = true;
            buf_free(&req->body);
            submit(app, conn);
            break;
        }
        return;
    }
    if (req->body.len + len > app->cfg.max_body) {
        req->body_too_large = true;
        conn->close_after = true;
        buf_free(&req->body);
        submit(app, conn);
        return;
    }
    buf_append(&req->body, in, len);
}

/* Ends the connection's transaction, if any. A request with the API threads is only marked:
 * it is freed when they hand it back. */
static void conn_end(struct app *app, struct http_conn *conn)
{
    lws_sul_cancel(&conn->deadline);
    struct request *req = conn->req;
    if (req && conn->phase == PHASE_WORK) {
        atomic_store(&req->abandoned, true);
    } else if (req) {
        app->inflight--;
        request_free(req);
    }
    conn->req = NULL;
    conn->phase = PHASE_NONE;
    conn->chunked = false;
    conn->close_after = false;
    memset(&conn->chunks, 0, sizeof conn->chunks);
}

/* Takes back what the API threads finished: replies to write, abandoned requests to free. */
static void take_finished(struct app *app)
{
    if (!app->pool)
        return;
    for (struct request *req = pool_finished(app->pool), *next; req; req = next) {
        next = req->next;
        if (atomic_load(&req->abandoned)) {
            app->inflight--;
            request_free(req);
            continue;
        }
        reply_ready(lws_wsi_user(req->wsi));
    }
}

/* Writes status line, headers and body; returns -1 when the connection must close. */
static int write_reply(struct lws *wsi, struct request *req, bool closing)
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
    if (closing && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                                (const unsigned char *)"close", 5, &p, end))
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

/* A request's headers are complete: its transaction starts. */
static int request_start(struct app *app, struct http_conn *conn, struct lws *wsi, const char *uri)
{
    conns_busy(app->conns, wsi);
    conn_end(app, conn); /* a previous transaction that never got its reply written */
    struct request *req = calloc(1, sizeof *req);
    if (!req)
        return -1;
    atomic_init(&req->abandoned, false);
    conn->req = req;
    app->inflight++;
    req->app = app;
    req->wsi = wsi;
    req->started_us = now_us();
    unsigned char rnd[8];
    plat_random(rnd, sizeof rnd);
    hex_encode(rnd, sizeof rnd, req->request_id);
    snprintf(req->peer, sizeof req->peer, "%s", conns_address(wsi));
    req->method = detect_method(wsi);
    snprintf(req->path, sizeof req->path, "%s", uri ? uri : "/");
    req->query = copy_query(wsi);
    if (!req->query)
        req->query = strdup("");
    req->authorization = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    req->origin = copy_header(wsi, WSI_TOKEN_ORIGIN);
    req->user_token = request_header(req, "x-alloy-user-token");
    req->api_version = request_header(req, "x-api-version");
    if (framing(app, conn, wsi))
        submit(app, conn);
    return 0;
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct http_conn *conn = user;
    struct app *app = lws_context_user(lws_get_context(wsi));

    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
        const struct lws_filter_network_conn_args *f = user;
        return conns_admit(app->conns, (const struct sockaddr *)&f->cli_addr) ? 0 : 1;
    }
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        return conns_opened(app->conns, wsi) ? 0 : -1;
    case LWS_CALLBACK_WSI_DESTROY:
        conns_closed(app->conns, wsi);
        return 0;
    case LWS_CALLBACK_HTTP:
        return conn ? request_start(app, conn, wsi, in) : -1;
    case LWS_CALLBACK_HTTP_BODY:
        if (conn && conn->phase == PHASE_BODY)
            body_piece(app, conn, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (conn && conn->phase == PHASE_BODY && !conn->chunked)
            submit(app, conn);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!conn || conn->phase != PHASE_REPLY)
            return 0;
        struct request *req = conn->req;
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, APP_IO_TIMEOUT_S);
        int rc = write_reply(wsi, req, conn->close_after);
        log_request(req);
        bool close = rc < 0 || conn->close_after || req->body_too_large;
        conn_end(app, conn);
        if (close)
            return -1;
        conns_idle(app->conns, wsi);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (conn)
            conn_end(app, conn);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        take_finished(app);
        if (app->pool)
            pool_answer(app->pool);
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

/* Descriptors the rest of the process may hold besides connections: store files, outbound
 * connections of the workers, pipes. */
#define FD_SLACK 256

/*
 * lws sizes its tables from the descriptor limit: raises the soft limit so that every connection
 * allowed fits, as far as the hard limit permits. Returns the connections that fit.
 */
static int fit_descriptor_limit(int want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    rlim_t need = (rlim_t)want + FD_SLACK;
    if (rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
            return want;
    }
    if (rl.rlim_cur >= need)
        return want;
    int fit = rl.rlim_cur > FD_SLACK + 16 ? (int)(rl.rlim_cur - FD_SLACK) : 16;
    log_error("the descriptor limit (%llu) allows %d connections, not %d\n",
              (unsigned long long)rl.rlim_cur, fit, want);
    return fit;
}

/* Frees what the API threads handed back after the service stopped: nobody waits for it. */
static void free_requests(struct request *list)
{
    for (struct request *req = list, *next; req; req = next) {
        next = req->next;
        request_free(req);
    }
}

int app_run_server(struct app *app)
{
    int max_conns = fit_descriptor_limit(
        app->cfg.max_connections > 0 ? app->cfg.max_connections : APP_DEFAULT_MAX_CONNECTIONS);
    app->conns = conns_new(max_conns, app->cfg.max_per_address);
    if (!app->conns) {
        log_error("out of memory\n");
        return 1;
    }
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = app->cfg.port;
    info.iface = app->cfg.listen_host;
    protocols[0] =
        (struct lws_protocols){"http", http_callback, sizeof(struct http_conn), 0, 0, NULL, 0};
    protocols[1] = ws_protocol();
    info.protocols = protocols;
    info.user = app;
    info.max_http_header_data = APP_MAX_HEADER_BYTES;
    /* One header buffer per admitted connection, and a few for those closing to make room. */
    info.max_http_header_pool = max_conns + 64;
    info.timeout_secs_ah_idle = APP_HEADER_TIMEOUT_S;
    info.keepalive_timeout = APP_KEEPALIVE_S;
    info.timeout_secs = APP_IO_TIMEOUT_S;
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_line);

    app->lws = lws_create_context(&info);
    if (!app->lws) {
        log_error("cannot listen on %s:%d\n", app->cfg.listen_host, app->cfg.port);
        conns_free(app->conns);
        app->conns = NULL;
        return 1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(app->lws, "default");
    int port = vh ? lws_get_vhost_listen_port(vh) : app->cfg.port;
    if (app->cfg.public_url[0] == '\0')
        snprintf(app->cfg.public_url, sizeof app->cfg.public_url, "http://%s:%d",
                 app->cfg.listen_host, port);
    /* The service thread answers only what needs no write lock: it never waits for one. */
    store_set_busy_timeout(app->store, 0);
    char err[256];
    app->pool = pool_start(app, APP_API_THREADS, err, sizeof err);
    if (!app->pool) {
        log_error("%s\n", err);
        lws_context_destroy(app->lws);
        app->lws = NULL;
        conns_free(app->conns);
        app->conns = NULL;
        return 1;
    }
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
        fflush(stdout); /* the access log: one write per service round, not per request */
    }
    /* Drain: give requests already received up to 5 s to be answered. */
    int64_t deadline = now_us() + 5000000;
    while (app->inflight > 0 && now_us() < deadline)
        lws_service(app->lws, 0);
    http_defer_drain();
    pool_stop(app->pool);
    /* Taken before lws goes: closing their connections only marks them abandoned. */
    struct request *left = pool_finished(app->pool);
    signal_context = NULL;
    lws_context_destroy(app->lws);
    app->lws = NULL;
    free_requests(left);
    pool_free(app->pool);
    app->pool = NULL;
    conns_free(app->conns);
    app->conns = NULL;
    log_info("stopped\n");
    return 0;
}
