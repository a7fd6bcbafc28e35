/*
 * OAuth2 authorization code with PKCE (RFC 7636, S256) for connectors whose auth type is oauth2:
 * the authorize URL, the callback, the code exchange (on the hooks thread, so the API thread never
 * waits on a provider) and token refresh for actions. The client id and secret of each app come
 * from SOLDER_OAUTH_<APP>_CLIENT_ID and SOLDER_OAUTH_<APP>_CLIENT_SECRET (APP upper-cased,
 * non-alphanumerics as '_'). Each authorization's progress is also kept in memory by state (the
 * outcome ring of struct connectors), so the callback page and the install modal can learn the new
 * credential's id or the reason it failed. Not here: the implicit and device flows, token
 * revocation.
 */
#include "connectors/internal.h"
#include "base/log.h"

#include "crypto/crypto.h"
#include "engine/http_client.h"
#include "json/json.h"
#include "plat.h"
#include "store/credentials.h"
#include "util/base64.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Refresh this long before the stated expiry, so a call never starts with a token about to die. */
#define OAUTH_REFRESH_MARGIN_MS 60000

static const char *client_value(const struct connector *conn, const char *what, char *buf, size_t n)
{
    char name[160];
    size_t k = (size_t)snprintf(name, sizeof name, "SOLDER_OAUTH_");
    for (const char *p = conn->app; *p && k + 1 < sizeof name; p++)
        name[k++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    snprintf(name + k, sizeof name - k, "_%s", what);
    const char *v = getenv(name);
    snprintf(buf, n, "%s", v ? v : "");
    return v;
}

static void put_param(struct buf *b, const char *name, const char *value)
{
    if (b->len && b->data[b->len - 1] != '?')
        buf_putc(b, '&');
    buf_put_urlencoded(b, name);
    buf_putc(b, '=');
    buf_put_urlencoded(b, value);
}

/* ---- outcomes, for GET /oauth/status ---- */

/* The live entry for state, or NULL. outcomes_mu held. */
static struct oauth_outcome *outcome_find(struct connectors *c, const char *state)
{
    int64_t oldest = store_now() - OAUTH_STATE_MAX_AGE_MS;
    for (int i = 0; state && i < OAUTH_OUTCOMES; i++) {
        struct oauth_outcome *o = &c->outcomes[i];
        if (o->state[0] && o->at >= oldest && strcmp(o->state, state) == 0)
            return o;
    }
    return NULL;
}

static void outcome_start(struct connectors *c, const char *state, const char *app)
{
    pthread_mutex_lock(&c->outcomes_mu);
    struct oauth_outcome *slot = &c->outcomes[0];
    for (int i = 1; i < OAUTH_OUTCOMES && slot->state[0]; i++)
        if (!c->outcomes[i].state[0] || c->outcomes[i].at < slot->at)
            slot = &c->outcomes[i];
    memset(slot, 0, sizeof *slot);
    snprintf(slot->state, sizeof slot->state, "%s", state);
    snprintf(slot->status.app, sizeof slot->status.app, "%s", app);
    slot->status.phase = OAUTH_AUTHORIZING;
    slot->at = store_now();
    pthread_mutex_unlock(&c->outcomes_mu);
}

/* Moves state's entry to phase; credential_id and error may be NULL. */
static void outcome_set(struct connectors *c, const char *state, enum oauth_phase phase,
                        const char *credential_id, const char *error)
{
    pthread_mutex_lock(&c->outcomes_mu);
    struct oauth_outcome *o = outcome_find(c, state);
    if (o) {
        o->status.phase = phase;
        snprintf(o->status.credential_id, sizeof o->status.credential_id, "%s",
                 credential_id ? credential_id : "");
        snprintf(o->status.error, sizeof o->status.error, "%s", error ? error : "");
        o->at = store_now();
    }
    pthread_mutex_unlock(&c->outcomes_mu);
}

bool connectors_oauth_status(struct connectors *c, const char *state, struct oauth_status *out)
{
    pthread_mutex_lock(&c->outcomes_mu);
    struct oauth_outcome *o = outcome_find(c, state);
    if (o)
        *out = o->status;
    pthread_mutex_unlock(&c->outcomes_mu);
    return o != NULL;
}

/* Appends at most max printable characters of s (a provider's text, untrusted) to b. */
static void put_printable(struct buf *b, const char *s, size_t max)
{
    for (size_t i = 0; s && s[i] && i < max; i++)
        buf_putc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i]);
}

int connectors_oauth_denied(struct connectors *c, struct store *s, const char *state,
                            const char *error, const char *description, char *err, size_t n)
{
    struct buf why = {0};
    buf_puts(&why, "the provider refused the authorization");
    if (error && *error) {
        buf_puts(&why, ": ");
        put_printable(&why, error, 80);
    }
    if (description && *description) {
        buf_puts(&why, error && *error ? " (" : ": ");
        put_printable(&why, description, 160);
        if (error && *error)
            buf_putc(&why, ')');
    }
    char *text = buf_take(&why);
    pthread_mutex_lock(&c->outcomes_mu);
    struct oauth_outcome *o = outcome_find(c, state);
    bool known = o && o->status.phase == OAUTH_AUTHORIZING;
    pthread_mutex_unlock(&c->outcomes_mu);
    if (!known || !text) {
        free(text);
        snprintf(err, n, "this authorization is unknown, already used or expired; start again");
        return 404;
    }
    outcome_set(c, state, OAUTH_FAILED, NULL, text);
    store_oauth_state_delete(s, state, OAUTH_STATE_MAX_AGE_MS);
    snprintf(err, n, "%s", text);
    free(text);
    return 400;
}

/* The form's values as stored while the user is at the provider: sealed like the credential they
 * become ({"$sealed": "v1..."}). NULL when sealing failed. */
static cJSON *params_seal(const struct secrets_key *k, const cJSON *params)
{
    char *text = json_print(params);
    char *sealed = text ? secrets_seal(k, text, strlen(text)) : NULL;
    secrets_free(text);
    cJSON *box = sealed ? cJSON_CreateObject() : NULL;
    if (box)
        cJSON_AddStringToObject(box, "$sealed", sealed);
    free(sealed);
    return box;
}

/* The stored form's values opened (caller owns), also those an older version stored in clear;
 * NULL when they do not open. */
static cJSON *params_open(const struct secrets_key *k, const cJSON *stored)
{
    const char *sealed = json_get_str(stored, "$sealed");
    if (!sealed)
        return cJSON_IsObject(stored) ? cJSON_Duplicate(stored, true) : NULL;
    char *text = secrets_open(k, sealed, NULL);
    cJSON *params = text ? json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL) : NULL;
    secrets_free(text);
    return params;
}

static char *random_token(size_t bytes)
{
    unsigned char raw[64];
    if (bytes > sizeof raw || plat_random(raw, bytes) != 0)
        return NULL;
    return base64_encode(raw, bytes, true);
}

char *connectors_oauth_url(struct connectors *c, struct store *s, const char *env_id,
                           const char *user_id, const struct connector *conn, const cJSON *params,
                           const char *public_url, int *status, char *err, size_t n)
{
    char client_id[256];
    if (conn->auth != AUTH_OAUTH2) {
        *status = 422;
        snprintf(err, n, "%s does not use OAuth2", conn->name);
        return NULL;
    }
    if (!client_value(conn, "CLIENT_ID", client_id, sizeof client_id)) {
        *status = 422;
        snprintf(err, n, "no OAuth2 client is configured for %s", conn->name);
        return NULL;
    }
    /* Both URLs are checked now: the token URL receives the client secret, so a parameter that
     * would send it elsewhere is refused before the user is sent anywhere. */
    cJSON *scope = cJSON_CreateObject();
    cJSON_AddItemToObject(scope, "credential", cJSON_Duplicate(params, true));
    char *authorize = connector_url(conn, conn->oauth_authorize_url, scope, err, n);
    char *token_url = authorize ? connector_url(conn, conn->oauth_token_url, scope, err, n) : NULL;
    cJSON_Delete(scope);
    free(token_url);
    if (!authorize || !token_url) {
        free(authorize);
        *status = 400;
        return NULL;
    }
    char *state = random_token(24), *verifier = random_token(32);
    unsigned char hash[32];
    if (verifier)
        crypto_sha256(verifier, strlen(verifier), hash);
    char *challenge = verifier ? base64_encode(hash, sizeof hash, true) : NULL;
    char *sealed = verifier ? secrets_seal(&c->key, verifier, strlen(verifier)) : NULL;
    struct buf redirect = {0};
    buf_printf(&redirect, "%s/oauth/callback", public_url);
    char *redirect_uri = buf_take(&redirect);
    cJSON *stored = params_seal(&c->key, params);
    int rc = state && challenge && sealed && redirect_uri && stored
                 ? store_oauth_state_insert(s, state, env_id, user_id, conn->app, sealed, stored,
                                            redirect_uri)
                 : STORE_ERROR;
    cJSON_Delete(stored);
    char *url = NULL;
    if (rc == STORE_OK) {
        struct buf u = {0};
        buf_puts(&u, authorize);
        buf_putc(&u, strchr(authorize, '?') ? '&' : '?');
        put_param(&u, "response_type", "code");
        put_param(&u, "client_id", client_id);
        put_param(&u, "redirect_uri", redirect_uri);
        if (conn->oauth_scopes)
            put_param(&u, "scope", conn->oauth_scopes);
        put_param(&u, "state", state);
        put_param(&u, "code_challenge", challenge);
        put_param(&u, "code_challenge_method", "S256");
        url = buf_take(&u);
        if (url)
            outcome_start(c, state, conn->app);
    } else {
        *status = 500;
        snprintf(err, n, "cannot start the authorization");
    }
    free(authorize);
    free(state);
    free(verifier);
    free(challenge);
    free(sealed);
    free(redirect_uri);
    return url;
}

int connectors_oauth_callback(struct connectors *c, struct store *s, const char *state,
                              const char *code, char *err, size_t n)
{
    if (!state || !code || !*state || !*code) {
        snprintf(err, n, "the provider sent no code and state");
        return 400;
    }
    char *sealed = secrets_seal(&c->key, code, strlen(code));
    int rc =
        sealed ? store_oauth_state_code(s, state, sealed, OAUTH_STATE_MAX_AGE_MS) : STORE_ERROR;
    free(sealed);
    if (rc == STORE_NOT_FOUND) {
        snprintf(err, n, "this authorization is unknown, already used or expired; start again");
        return 404;
    }
    if (rc != STORE_OK) {
        snprintf(err, n, "cannot record the authorization");
        return 500;
    }
    outcome_set(c, state, OAUTH_EXCHANGING, NULL, NULL);
    pthread_mutex_lock(&c->mu);
    c->work_wanted = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return 200;
}

/* POSTs a form to the token endpoint. Returns the parsed JSON answer of a 2xx, else NULL with err
 * set and *retryable telling whether the provider may answer better later. */
static cJSON *token_request(struct http_client *http, const struct connector *conn,
                            const cJSON *params, const char *form, bool *retryable, char *err,
                            size_t n)
{
    *retryable = false;
    cJSON *scope = cJSON_CreateObject();
    cJSON_AddItemToObject(scope, "credential", cJSON_Duplicate(params, true));
    char *url = connector_url(conn, conn->oauth_token_url, scope, err, n);
    cJSON_Delete(scope);
    if (!url)
        return NULL;
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
                             "Accept: application/json"};
    struct http_request req = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .header_count = 2,
        .body = form,
        .body_len = strlen(form),
    };
    struct http_response resp;
    http_client_send(http, &req, &resp);
    cJSON *out = NULL;
    if (resp.status >= 200 && resp.status < 300) {
        out = json_parse(resp.body ? resp.body : "", resp.body_len, JSON_MAX_DEPTH, NULL);
        if (!json_get_str(out, "access_token")) {
            cJSON_Delete(out);
            out = NULL;
            snprintf(err, n, "the token endpoint answered without an access_token");
        }
    } else if (resp.status) {
        cJSON *body = json_parse(resp.body ? resp.body : "", resp.body_len, JSON_MAX_DEPTH, NULL);
        const char *e = json_get_str(body, "error");
        snprintf(err, n, "the token endpoint answered HTTP %ld %s", resp.status, e ? e : "");
        cJSON_Delete(body);
        *retryable = resp.status >= 500 || resp.status == 429 || resp.status == 408;
    } else {
        snprintf(err, n, "the token endpoint is unreachable: %s", resp.error);
        *retryable = true;
    }
    http_response_free(&resp);
    free(url);
    return out;
}

/* params + the token answer: the credential's data. expires_in becomes expires_at (ms). */
static cJSON *credential_data(const cJSON *params, const cJSON *tokens, const char *old_refresh)
{
    cJSON *data = cJSON_Duplicate(params, true);
    const char *keys[] = {"access_token", "refresh_token", "token_type", "scope"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = json_get_str(tokens, keys[i]);
        cJSON_DeleteItemFromObject(data, keys[i]);
        if (v)
            cJSON_AddStringToObject(data, keys[i], v);
    }
    if (!json_get_str(data, "refresh_token") && old_refresh)
        cJSON_AddStringToObject(data, "refresh_token", old_refresh);
    cJSON_DeleteItemFromObject(data, "expires_at");
    const cJSON *in = cJSON_GetObjectItem(tokens, "expires_in");
    if (cJSON_IsNumber(in))
        cJSON_AddNumberToObject(data, "expires_at",
                                (double)(store_now() + (int64_t)(in->valuedouble * 1000)));
    return data;
}

void connectors_oauth_exchange(struct connectors *c, struct store *s, struct http_client *http)
{
    struct oauth_state_list ready;
    if (store_oauth_states_ready(s, &ready) != STORE_OK)
        return;
    for (size_t k = 0; k < ready.n; k++) {
        const struct oauth_state *r = &ready.items[k];
        const struct connector *conn = connectors_find(c, r->app);
        char *verifier = secrets_open(&c->key, r->sealed_verifier, NULL);
        char *code = secrets_open(&c->key, r->sealed_code, NULL);
        char client_id[256], client_secret[512], err[256] = "";
        cJSON *params = params_open(&c->key, r->params);
        cJSON *tokens = NULL;
        bool retryable = false;
        if (conn && verifier && code && params) {
            client_value(conn, "CLIENT_ID", client_id, sizeof client_id);
            client_value(conn, "CLIENT_SECRET", client_secret, sizeof client_secret);
            struct buf form = {0};
            put_param(&form, "grant_type", "authorization_code");
            put_param(&form, "code", code);
            put_param(&form, "redirect_uri", r->redirect_uri);
            put_param(&form, "client_id", client_id);
            if (client_secret[0])
                put_param(&form, "client_secret", client_secret);
            put_param(&form, "code_verifier", verifier);
            char *text = buf_take(&form);
            tokens =
                text ? token_request(http, conn, params, text, &retryable, err, sizeof err) : NULL;
            free(text);
        }
        if (tokens) {
            cJSON *data = credential_data(params, tokens, NULL);
            char *plain = json_print(data), *sealed = NULL, *name = NULL;
            if (plain)
                sealed = secrets_seal(&c->key, plain, strlen(plain));
            if (conn->credential_name) {
                cJSON *scope = cJSON_CreateObject();
                cJSON_AddItemToObject(scope, "credential", cJSON_Duplicate(params, true));
                name = connector_template(conn->credential_name, scope, false, err, sizeof err);
                cJSON_Delete(scope);
            }
            char id[ID_LEN + 1];
            int rc = sealed ? store_credential_insert(s, r->env_id, r->user_id, conn->app,
                                                      name ? name : conn->name, sealed, id)
                            : STORE_ERROR;
            if (rc == STORE_OK) {
                outcome_set(c, r->state, OAUTH_CONNECTED, id, NULL);
                store_subscriptions_retry_now(s, r->env_id, r->user_id, conn->app);
            } else
                outcome_set(c, r->state, OAUTH_FAILED, NULL, "cannot store the credential");
            free(name);
            free(sealed);
            if (plain) {
                memset(plain, 0, strlen(plain));
                free(plain);
            }
            cJSON_Delete(data);
            pthread_mutex_lock(&c->mu);
            c->sync_wanted = true; /* subscriptions waiting for this credential may now succeed */
            pthread_mutex_unlock(&c->mu);
        } else {
            if (!err[0])
                snprintf(err, sizeof err, "the authorization is unusable");
            log_error("oauth2 %s for user %s: %s\n", r->app, r->user_id, err);
            outcome_set(c, r->state, retryable ? OAUTH_EXCHANGING : OAUTH_FAILED, NULL, err);
        }
        if (!retryable)
            store_oauth_state_delete(s, r->state, OAUTH_STATE_MAX_AGE_MS);
        cJSON_Delete(tokens);
        cJSON_Delete(params);
        free(verifier);
        free(code);
    }
    store_oauth_state_list_free(&ready);
}

static bool expires_soon(const cJSON *data)
{
    const cJSON *at = cJSON_GetObjectItem(data, "expires_at");
    return cJSON_IsNumber(at) && (int64_t)at->valuedouble <= store_now() + OAUTH_REFRESH_MARGIN_MS;
}

int connectors_oauth_refresh(struct connectors *c, struct store *s, struct http_client *http,
                             const struct connector *conn, const char *env_id, const char *user_id,
                             const char *credential_id, cJSON **data, bool force, bool *retryable,
                             char *err, size_t n)
{
    *retryable = false;
    if (!force && !expires_soon(*data))
        return 0;
    pthread_mutex_lock(&c->refresh_mu);
    int result = -1;
    struct credential cred;
    cJSON *current = NULL, *tokens = NULL;
    if (store_credential_find(s, env_id, user_id, credential_id, &cred) != STORE_OK) {
        snprintf(err, n, "the credential was removed");
        goto out;
    }
    if (cred.error) {
        snprintf(err, n, "the credential is invalid: %s", cred.error);
        goto out;
    }
    current = connectors_credential_open(c, cred.sealed);
    if (!current) {
        snprintf(err, n, "the credential cannot be decrypted");
        goto out;
    }
    const char *mine = json_get_str(*data, "access_token"),
               *stored = json_get_str(current, "access_token");
    if (stored && (!mine || strcmp(mine, stored) != 0) && !expires_soon(current)) {
        /* Another caller refreshed while this one waited. */
        cJSON_Delete(*data);
        *data = current;
        current = NULL;
        result = 0;
        goto out;
    }
    const char *refresh = json_get_str(current, "refresh_token");
    if (!refresh) {
        snprintf(err, n, "the access token expired and there is no refresh token");
        store_credential_set_error(s, credential_id, err);
        goto out;
    }
    char client_id[256], client_secret[512];
    client_value(conn, "CLIENT_ID", client_id, sizeof client_id);
    client_value(conn, "CLIENT_SECRET", client_secret, sizeof client_secret);
    struct buf form = {0};
    put_param(&form, "grant_type", "refresh_token");
    put_param(&form, "refresh_token", refresh);
    put_param(&form, "client_id", client_id);
    if (client_secret[0])
        put_param(&form, "client_secret", client_secret);
    char *text = buf_take(&form);
    tokens = text ? token_request(http, conn, current, text, retryable, err, n) : NULL;
    free(text);
    if (!tokens) {
        if (!*retryable) {
            char reason[300];
            snprintf(reason, sizeof reason, "refresh refused: %s", err);
            store_credential_set_error(s, credential_id, reason);
            snprintf(err, n, "%s; the credential is now marked invalid", reason);
        }
        goto out;
    }
    cJSON *fresh = credential_data(current, tokens, refresh);
    char *plain = json_print(fresh);
    char *sealed = plain ? secrets_seal(&c->key, plain, strlen(plain)) : NULL;
    if (plain) {
        memset(plain, 0, strlen(plain));
        free(plain);
    }
    if (!sealed || store_credential_reseal(s, credential_id, sealed) != STORE_OK) {
        snprintf(err, n, "cannot store the refreshed token");
        *retryable = true;
        cJSON_Delete(fresh);
        free(sealed);
        goto out;
    }
    free(sealed);
    cJSON_Delete(*data);
    *data = fresh;
    result = 0;
out:
    pthread_mutex_unlock(&c->refresh_mu);
    cJSON_Delete(tokens);
    cJSON_Delete(current);
    store_credential_clear(&cred);
    return result;
}
