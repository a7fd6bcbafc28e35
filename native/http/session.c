/*
 * Dashboard sessions (session.h): reading the cookie, expiry, the CSRF check of the pipeline, and
 * starting and ending a session. Not here: who may sign in and throttling (api/auth.c), password
 * hashing (crypto/password.c).
 */
#include "http/session.h"

#include "app.h"
#include "plat.h"
#include "util/base64.h"
#include "util/cookie.h"

#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest Cookie header read: bounds the copy; a browser's cookies for this host are far less. */
#define COOKIE_HEADER_MAX 8192
/* Longest a session's last-seen time may lag: one write a minute per busy session, not one per
 * request (smaller when the idle time is short, so that it still ends on time). */
#define SESSION_TOUCH_MAX_MS 60000

static int64_t idle_ms(const struct app *app)
{
    return app->cfg.session_idle_ms > 0 ? app->cfg.session_idle_ms : SESSION_IDLE_DEFAULT_MS;
}

static int64_t max_ms(const struct app *app)
{
    return app->cfg.session_max_ms > 0 ? app->cfg.session_max_ms : SESSION_MAX_DEFAULT_MS;
}

int64_t http_session_expiry(const struct app *app, const struct dashboard_session *d)
{
    int64_t idle_end = d->last_seen_at + idle_ms(app), hard_end = d->created_at + max_ms(app);
    return idle_end < hard_end ? idle_end : hard_end;
}

void http_session_hash(const char *session, unsigned char out[32])
{
    crypto_sha256(session, strlen(session), out);
}

void http_session_csrf(const char *session, char out[SESSION_CSRF_LEN + 1])
{
    static const char PURPOSE[] = "solder dashboard csrf";
    unsigned char mac[32];
    char *text = NULL;
    if (crypto_hmac_sha256(session, strlen(session), PURPOSE, sizeof PURPOSE - 1, mac) == 0)
        text = base64_encode(mac, sizeof mac, true);
    /* Without a token no state-changing request can pass: "!" never equals a header's token. */
    snprintf(out, SESSION_CSRF_LEN + 1, "%s", text ? text : "!");
    free(text);
}

static bool base64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* The session value of a Cookie header's text, when it has a well-formed one. */
static bool session_cookie(const char *header, char out[SESSION_VALUE_LEN + 1])
{
    bool found = header && strlen(header) <= COOKIE_HEADER_MAX &&
                 cookie_value(header, SESSION_COOKIE, out, SESSION_VALUE_LEN + 1) &&
                 strlen(out) == SESSION_VALUE_LEN;
    for (int i = 0; found && i < SESSION_VALUE_LEN; i++)
        found = base64url_char(out[i]);
    return found;
}

/* The session value of a connection's Cookie header (on the lws service thread). */
static bool read_cookie(struct lws *wsi, char out[SESSION_VALUE_LEN + 1])
{
    int n = wsi ? lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) : 0;
    if (n <= 0 || n > COOKIE_HEADER_MAX)
        return false;
    char *header = malloc((size_t)n + 1);
    bool found = header && lws_hdr_copy(wsi, header, n + 1, WSI_TOKEN_HTTP_COOKIE) >= 0 &&
                 session_cookie(header, out);
    free(header);
    return found;
}

/* http_session_identify for the session value of a cookie. */
static bool identify(struct app *app, const char *value, struct identity *who,
                     struct dashboard_session *out)
{
    unsigned char hash[32];
    http_session_hash(value, hash);
    struct dashboard_session d;
    if (store_dashboard_session_find(app->store, hash, &d) != STORE_OK)
        return false;
    int64_t now = store_now();
    if (now >= http_session_expiry(app, &d)) {
        store_dashboard_session_delete(app->store, hash);
        return false;
    }
    int64_t touch_after =
        idle_ms(app) / 10 < SESSION_TOUCH_MAX_MS ? idle_ms(app) / 10 : SESSION_TOUCH_MAX_MS;
    if (now - d.last_seen_at >= touch_after &&
        store_dashboard_session_touch(app->store, hash, now) == STORE_OK)
        d.last_seen_at = now;
    memset(who, 0, sizeof *who);
    if (store_environment_by_name(app->store, d.environment, &who->env) != STORE_OK)
        return false;
    who->kind = IDENTITY_SESSION;
    snprintf(who->session, sizeof who->session, "%s", value);
    snprintf(who->account, sizeof who->account, "%s", d.account_id);
    if (out)
        *out = d;
    return true;
}

bool http_session_identify(struct app *app, struct lws *wsi, struct identity *who,
                           struct dashboard_session *out)
{
    char value[SESSION_VALUE_LEN + 1];
    return read_cookie(wsi, value) && identify(app, value, who, out);
}

static bool changes_state(enum http_method m)
{
    return m != HTTP_GET && m != HTTP_HEAD && m != HTTP_OPTIONS;
}

bool http_session_authenticate(struct request *req)
{
    char *cookie = request_header(req, "cookie"), value[SESSION_VALUE_LEN + 1];
    bool found = session_cookie(cookie, value) && identify(req->app, value, &req->who, NULL);
    free(cookie);
    if (!found) {
        if ((req->route->flags & ROUTE_SESSION) && (req->authorization || req->user_token))
            reply_error(req, 403, "forbidden",
                        "only a signed-in dashboard session may do this, not an API key");
        else
            reply_error(req, 401, "unauthorized", "Unauthorized");
        return false;
    }
    if (changes_state(req->method)) {
        char want[SESSION_CSRF_LEN + 1];
        http_session_csrf(req->who.session, want);
        char *got = request_header(req, "x-csrf-token");
        bool ok = got && strlen(got) == SESSION_CSRF_LEN &&
                  CRYPTO_memcmp(got, want, SESSION_CSRF_LEN) == 0;
        free(got);
        OPENSSL_cleanse(want, sizeof want);
        if (!ok) {
            reply_error(req, 403, "csrf", "the X-CSRF-Token header is missing or wrong");
            return false;
        }
    }
    return true;
}

static void set_cookie(struct request *req, const char *value, bool clear)
{
    bool secure = strncasecmp(req->app->cfg.public_url, "https://", 8) == 0;
    char line[160];
    snprintf(line, sizeof line, "%s=%s; Path=/;%s HttpOnly; SameSite=Strict%s", SESSION_COOKIE,
             value, clear ? " Max-Age=0;" : "", secure ? "; Secure" : "");
    reply_header(req, "set-cookie", line);
}

int http_session_start(struct request *req, const char *account_id)
{
    struct app *app = req->app;
    unsigned char raw[32];
    if (plat_random(raw, sizeof raw) != 0)
        return STORE_ERROR;
    char *value = base64_encode(raw, sizeof raw, true);
    OPENSSL_cleanse(raw, sizeof raw);
    if (!value || strlen(value) != SESSION_VALUE_LEN) {
        free(value);
        return STORE_ERROR;
    }
    int64_t now = store_now();
    store_dashboard_sessions_purge(app->store, now - max_ms(app), now - idle_ms(app));
    unsigned char hash[32];
    http_session_hash(value, hash);
    int rc = store_dashboard_session_insert(app->store, hash, account_id, "development", now);
    if (rc == STORE_OK)
        rc = store_environment_by_name(app->store, "development", &req->who.env);
    if (rc == STORE_OK) {
        req->who.kind = IDENTITY_SESSION;
        snprintf(req->who.session, sizeof req->who.session, "%s", value);
        snprintf(req->who.account, sizeof req->who.account, "%s", account_id);
        set_cookie(req, value, false);
    }
    OPENSSL_cleanse(value, strlen(value));
    free(value);
    return rc;
}

void http_session_end(struct request *req)
{
    unsigned char hash[32];
    http_session_hash(req->who.session, hash);
    store_dashboard_session_delete(req->app->store, hash);
    set_cookie(req, "", true);
}
