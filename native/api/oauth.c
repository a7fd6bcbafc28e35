/*
 * GET /headless/oauthUrl: the provider URL that starts an OAuth2 authorization for a user; GET
 * /oauth/callback: where the provider sends the user back; GET /oauth/status: how that
 * authorization ended. The code is exchanged on the hooks thread, so the callback answers at once
 * (a page for a browser, JSON for an API client) and the page learns the outcome from the status.
 */
#include "api/api.h"
#include "api/credentials.h"
#include "connectors/connectors.h"
#include "json/json.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

/* Query parameters other than userId and app: the credential form's values. */
static cJSON *form_params(struct request *req)
{
    cJSON *params = cJSON_CreateObject();
    for (char *p = req->query; p && *p;) {
        char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        char *eq = memchr(p, '=', len);
        char name[128], value[1024];
        if (eq && (size_t)(eq - p) < sizeof name &&
            url_decode(p, (size_t)(eq - p), name, sizeof name, true) &&
            url_decode(eq + 1, len - (size_t)(eq - p) - 1, value, sizeof value, true) &&
            strcmp(name, "userId") != 0 && strcmp(name, "app") != 0 &&
            strcmp(name, "integrationId") != 0 && !cJSON_GetObjectItem(params, name))
            cJSON_AddStringToObject(params, name, value);
        p = amp ? amp + 1 : NULL;
    }
    return params;
}

/* Also GET /users/{userId}/credentials/{app} (alloy-node's getUserOauthRedirect, API 2023-01): the
 * user and app from the path, the same answer. */
void api_oauth_url(struct request *req)
{
    struct user u;
    bool legacy = req->nparams == 2;
    if (legacy ? !api_load_user(req, req->params[0], &u)
               : !api_user_param(req, NULL, true, &u, NULL))
        return;
    char *app = legacy ? strdup(req->params[1]) : request_query(req, "app");
    const struct connector *conn = connectors_find(req->app->connectors, app);
    if (conn && conn->auth != AUTH_OAUTH2) {
        reply_error(req, 422, "not_oauth",
                    "%.60s does not connect with OAuth2: store its credential with POST "
                    "/headless/credentials",
                    conn->name);
        free(app);
        store_user_clear(&u);
        return;
    }
    if (!conn) {
        reply_error(req, 422, "unknown_app", "app must name an OAuth2 app");
        free(app);
        store_user_clear(&u);
        return;
    }
    free(app);
    cJSON *params = form_params(req);
    struct schema_result sr = {0};
    if (conn->auth_schema && !schema_validate(conn->auth_schema, params, &sr)) {
        api_reply_invalid(req, "the parameters do not fit the app's form",
                          schema_result_to_json(&sr));
        schema_result_free(&sr);
        cJSON_Delete(params);
        store_user_clear(&u);
        return;
    }
    int status = 500;
    char err[256];
    char *url =
        connectors_oauth_url(req->app->connectors, req->app->store, req->who.env.id, u.id, conn,
                             params, req->app->cfg.public_url, &status, err, sizeof err);
    cJSON_Delete(params);
    store_user_clear(&u);
    if (!url) {
        reply_error(req, status,
                    status == 422   ? "validation_failed"
                    : status == 400 ? "bad_request"
                                    : "internal",
                    "%s", err);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "oauthUrl", url);
    free(url);
    reply_json(req, 200, out);
}

/* An API client asks for JSON (Accept: application/json without text/html, or ?format=json); a
 * browser navigation gets the page. */
static bool wants_json(struct request *req)
{
    char *format = request_query(req, "format");
    bool json = format && strcmp(format, "json") == 0;
    free(format);
    char *accept = json ? NULL : request_header(req, "accept");
    if (accept)
        json = strstr(accept, "application/json") && !strstr(accept, "text/html");
    free(accept);
    return json;
}

static void put_html(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

/*
 * The page the provider's redirect lands on, usually in the install modal's popup. It carries the
 * outcome in data attributes (the state only when it is one of ours); /modal/callback.js (no inline
 * script) waits for the code exchange through GET /oauth/status and posts the result to its opener
 * on this origin only.
 */
static void reply_callback_page(struct request *req, int status, const char *state, bool known,
                                const char *phase, const char *text)
{
    const char *title = status == 200 ? "Connecting" : "Not connected";
    struct buf b = {0};
    buf_puts(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    buf_puts(&b, title);
    buf_puts(&b, "</title><link rel=\"stylesheet\" href=\"/modal/modal.css\"></head><body>"
                 "<main id=\"oauth\" class=\"body\" data-state=\"");
    put_html(&b, known && state ? state : "");
    buf_puts(&b, "\" data-phase=\"");
    buf_puts(&b, phase);
    buf_puts(&b, "\" data-error=\"");
    put_html(&b, status == 200 ? "" : text);
    buf_puts(&b, "\"><h1 id=\"title\">");
    buf_puts(&b, title);
    buf_puts(&b, "</h1><p id=\"text\">");
    put_html(&b, text);
    buf_puts(&b, "</p></main><script type=\"module\" src=\"/modal/callback.js\"></script>"
                 "</body></html>");
    size_t len = b.len;
    char *page = buf_take(&b);
    if (!page) {
        reply_error(req, 500, "internal", "out of memory");
        return;
    }
    reply_header(req, "Cache-Control", "no-store");
    reply_raw(req, status, "text/html; charset=utf-8", page, len);
}

void api_oauth_callback(struct request *req)
{
    char *state = request_query(req, "state"), *code = request_query(req, "code");
    char *denied = request_query(req, "error");
    char *description = request_query(req, "error_description");
    char err[512] = "";
    struct connectors *c = req->app->connectors;
    int status = denied
                     ? connectors_oauth_denied(c, req->app->store, state, denied, description, err,
                                               sizeof err)
                     : connectors_oauth_callback(c, req->app->store, state, code, err, sizeof err);
    if (wants_json(req)) {
        if (status == 200) {
            cJSON *out = cJSON_CreateObject();
            cJSON_AddStringToObject(out, "status", "pending");
            reply_json(req, 200, out);
        } else {
            reply_error(req, status,
                        status == 404   ? "not_found"
                        : denied        ? "authorization_refused"
                        : status == 400 ? "bad_request"
                                        : "internal",
                        "%s", err);
        }
    } else {
        /* The state is echoed only when it was ours: a made-up link gets no message posted. */
        bool known = status == 200 || (denied && status == 400);
        reply_callback_page(req, status, state, known, status == 200 ? "pending" : "failed",
                            status == 200 ? "The app is being connected." : err);
    }
    free(state);
    free(code);
    free(denied);
    free(description);
}

static const char *const PHASE_NAMES[] = {
    [OAUTH_AUTHORIZING] = "authorizing",
    [OAUTH_EXCHANGING] = "pending",
    [OAUTH_CONNECTED] = "connected",
    [OAUTH_FAILED] = "failed",
};

void api_oauth_status(struct request *req)
{
    char *state = request_query(req, "state");
    struct oauth_status st;
    bool known = state && connectors_oauth_status(req->app->connectors, state, &st);
    free(state);
    if (!known) {
        reply_error(req, 404, "not_found",
                    "this authorization is unknown or expired (or the server restarted)");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "status", PHASE_NAMES[st.phase]);
    cJSON_AddStringToObject(out, "app", st.app);
    if (st.phase == OAUTH_CONNECTED)
        cJSON_AddStringToObject(out, "credentialId", st.credential_id);
    if (st.error[0])
        cJSON_AddStringToObject(out, "error", st.error);
    reply_header(req, "Cache-Control", "no-store");
    reply_json(req, 200, out);
}
