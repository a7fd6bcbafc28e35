/*
 * Dashboard sign-in: whether setup is needed, the first account from the one-time setup token,
 * sign-in with throttling, the session's state and environment, sign-out. Not here: the session
 * cookie and CSRF check (http/session.c), password hashing (crypto/password.c), accounts made on
 * the command line (cli/admin.c).
 */
#include "api/api.h"

#include "crypto/password.h"
#include "http/session.h"
#include "json/json.h"
#include "store/dashboard.h"
#include "util/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Failed sign-ins one account may have within the lockout time before it is refused: bounds
 * password guessing against one account. */
#define LOGIN_ACCOUNT_FAILURES 5
/* Failed sign-ins one client address may have within the lockout time: bounds guessing across
 * accounts, and the password hashing (service-thread time) an address can ask for. */
#define LOGIN_ADDRESS_FAILURES 20
/* Default of app_config's login_lockout_ms. */
#define LOGIN_LOCKOUT_DEFAULT_MS (15 * 60 * 1000LL)

static const char BAD_CREDENTIALS[] = "Wrong email or password.";

static int64_t lockout_ms(const struct app *app)
{
    return app->cfg.login_lockout_ms > 0 ? app->cfg.login_lockout_ms : LOGIN_LOCKOUT_DEFAULT_MS;
}

/*
 * Sign-in and setup read credentials from JSON bodies only: a cross-site form can post text/plain
 * but not application/json without a preflight this server never grants, so no other site can
 * sign a browser in to an account of its choosing.
 */
static bool json_content(struct request *req)
{
    char *type = request_header(req, "content-type");
    bool json = type && strncasecmp(type, "application/json", 16) == 0;
    free(type);
    if (json)
        return true;
    reply_error(req, 415, "unsupported_media_type", "the body must be sent as application/json");
    return false;
}

/* The answer of every sign-in route: who is signed in, where, and the session's CSRF token. */
static void reply_session(struct request *req, int status)
{
    unsigned char hash[32];
    http_session_hash(req->who.session, hash);
    struct dashboard_session d;
    int rc = store_dashboard_session_find(req->app->store, hash, &d);
    if (rc != STORE_OK) {
        reply_store_error(req, rc == STORE_NOT_FOUND ? STORE_ERROR : rc, "session");
        return;
    }
    char csrf[SESSION_CSRF_LEN + 1];
    http_session_csrf(req->who.session, csrf);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "email", d.email);
    cJSON_AddStringToObject(out, "environment", d.environment);
    cJSON_AddStringToObject(out, "csrfToken", csrf);
    cJSON_AddItemToObject(out, "expiresAt", api_time_json(http_session_expiry(req->app, &d)));
    reply_header(req, "cache-control", "no-store");
    reply_json(req, status, out);
}

void api_auth_state(struct request *req)
{
    int n = store_dashboard_account_count(req->app->store);
    if (n < 0) {
        reply_store_error(req, STORE_ERROR, "accounts");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "setupRequired", n == 0);
    reply_json(req, 200, out);
}

void api_auth_setup(struct request *req)
{
    if (!json_content(req))
        return;
    const char *token = json_get_str(req->json, "token");
    const char *email = json_get_str(req->json, "email");
    const char *password = json_get_str(req->json, "password");
    int accounts = store_dashboard_account_count(req->app->store);
    if (accounts != 0) {
        if (accounts > 0)
            reply_error(req, 409, "conflict", "a dashboard account exists already; sign in");
        else
            reply_store_error(req, STORE_ERROR, "accounts");
        return;
    }
    const char *weak = crypto_password_weakness(password);
    if (!email_plausible(email) || weak) {
        cJSON *errors = cJSON_CreateArray(), *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "field", weak ? "password" : "email");
        cJSON_AddStringToObject(e, "message", weak ? weak : "not an email address");
        cJSON_AddItemToArray(errors, e);
        api_reply_invalid(req, weak ? weak : "the email is not an email address", errors);
        return;
    }
    char hash[PASSWORD_HASH_MAX], id[ID_LEN + 1];
    if (crypto_password_hash(password, hash) != 0 || id_new(id) != 0) {
        reply_store_error(req, STORE_ERROR, "account");
        return;
    }
    unsigned char token_hash[32];
    crypto_sha256(token, strlen(token), token_hash);
    struct store *s = req->app->store;
    if (store_begin(s) != STORE_OK) {
        reply_store_error(req, STORE_ERROR, "account");
        return;
    }
    int rc = store_setup_token_take(s, token_hash, store_now());
    if (rc == STORE_NOT_FOUND) {
        store_commit(s); /* a token tried is used up, even an expired one */
        reply_error(req, 403, "forbidden", "the setup link is unknown, used or expired");
        return;
    }
    if (rc == STORE_OK)
        rc = store_dashboard_account_insert(s, id, email, hash);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK) {
        store_rollback(s);
        reply_store_error(req, rc, "account");
        return;
    }
    rc = http_session_start(req, id);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "session");
        return;
    }
    reply_session(req, 201);
}

/* The throttling keys of a sign-in: the account (by its email's hash: the table holds no email)
 * and the client's address. */
static void throttle_keys(struct request *req, const char *email, char account[80],
                          char address[80])
{
    char lower[EMAIL_MAX + 1];
    size_t n = 0;
    for (; email[n] && n < EMAIL_MAX; n++)
        lower[n] = (char)((email[n] >= 'A' && email[n] <= 'Z') ? email[n] + 32 : email[n]);
    lower[n] = '\0';
    unsigned char h[32];
    char hex[65];
    crypto_sha256(lower, n, h);
    hex_encode(h, 16, hex);
    snprintf(account, 80, "account:%s", hex);
    snprintf(address, 80, "address:%s", req->peer);
}

/* Seconds until key may sign in again, 0 when it may now. */
static int64_t throttled(struct request *req, const char *key, int limit)
{
    int failures;
    int64_t first_at, now = store_now(), until;
    if (store_login_failures(req->app->store, key, &failures, &first_at) != STORE_OK ||
        failures < limit || (until = first_at + lockout_ms(req->app)) <= now)
        return 0;
    return (until - now + 999) / 1000;
}

void api_auth_login(struct request *req)
{
    if (!json_content(req))
        return;
    const char *email = json_get_str(req->json, "email");
    const char *password = json_get_str(req->json, "password");
    char account_key[80], address_key[80];
    throttle_keys(req, email, account_key, address_key);
    int64_t wait_account = throttled(req, account_key, LOGIN_ACCOUNT_FAILURES),
            wait_address = throttled(req, address_key, LOGIN_ADDRESS_FAILURES);
    int64_t wait = wait_account > wait_address ? wait_account : wait_address;
    if (wait > 0) {
        char secs[24];
        snprintf(secs, sizeof secs, "%lld", (long long)wait);
        reply_header(req, "retry-after", secs);
        reply_error(req, 429, "rate_limited",
                    "Too many failed sign-ins; try again in %lld seconds.", (long long)wait);
        return;
    }
    struct dashboard_account a;
    int rc = strlen(email) <= EMAIL_MAX && strlen(password) <= PASSWORD_MAX_BYTES
                 ? store_dashboard_account_find(req->app->store, email, &a)
                 : STORE_NOT_FOUND;
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        reply_store_error(req, rc, "account");
        return;
    }
    bool ok;
    if (rc == STORE_OK) {
        ok = crypto_password_verify(a.password_hash, password);
    } else {
        crypto_password_verify_none(password);
        ok = false;
    }
    if (!ok) {
        if (rc == STORE_OK)
            store_dashboard_account_clear(&a);
        int64_t now = store_now();
        store_login_failure_add(req->app->store, account_key, now, lockout_ms(req->app));
        store_login_failure_add(req->app->store, address_key, now, lockout_ms(req->app));
        reply_error(req, 401, "bad_credentials", "%s", BAD_CREDENTIALS);
        return;
    }
    store_login_failures_clear(req->app->store, account_key);
    rc = http_session_start(req, a.id);
    store_dashboard_account_clear(&a);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "session");
        return;
    }
    reply_session(req, 200);
}

void api_auth_session_get(struct request *req)
{
    reply_session(req, 200);
}

void api_auth_session_put(struct request *req)
{
    const char *env = json_get_str(req->json, "environment");
    unsigned char hash[32];
    http_session_hash(req->who.session, hash);
    int rc = store_dashboard_session_set_environment(req->app->store, hash, env);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "session");
        return;
    }
    reply_session(req, 200);
}

void api_auth_logout(struct request *req)
{
    http_session_end(req);
    reply_raw(req, 204, "text/plain", NULL, 0);
}
