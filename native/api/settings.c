/*
 * Environment settings: the error-stream webhook and its secret, the error stream's Amazon
 * EventBridge bus (region, keys), log retention, the environment's own rate limits (enforced by
 * http/ratelimit.c), and the outbound signing secret. Secrets are sealed before they reach the
 * store (engine/sealed.h) and never answered: GET says only whether each is set; the signing
 * secret is shown once, by the call that rotates it. The body's shape and bounds (retention from
 * 1 to 3650 days among them) are checked by its schema (native/api/routes/settings.json).
 */
#include "api/api.h"

#include "engine/engine.h"
#include "crypto/sign.h"
#include "engine/sealed.h"
#include "http/ratelimit.h"
#include "json/json.h"
#include "store/catalog.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The stored EventBridge target as GET answers it: bus, region, source, endpoint, the access key
 * id's last four characters, and whether the secret key and a session token are set; null when
 * none is. */
static cJSON *eventbridge_shown(const char *stored)
{
    cJSON *cfg = stored ? json_parse(stored, strlen(stored), JSON_MAX_DEPTH, NULL) : NULL;
    if (!cJSON_IsObject(cfg)) {
        cJSON_Delete(cfg);
        return cJSON_CreateNull();
    }
    cJSON *out = cJSON_CreateObject();
    static const char *const SHOWN[] = {"bus", "region", "source", "endpoint"};
    for (size_t i = 0; i < sizeof SHOWN / sizeof SHOWN[0]; i++)
        if (json_get_str(cfg, SHOWN[i]))
            cJSON_AddStringToObject(out, SHOWN[i], json_get_str(cfg, SHOWN[i]));
    const char *id = json_get_str(cfg, "accessKeyId");
    size_t n = id ? strlen(id) : 0;
    cJSON_AddStringToObject(out, "accessKeyIdEnding", n > 4 ? id + n - 4 : "");
    cJSON_AddBoolToObject(out, "secretAccessKeySet", json_get_str(cfg, "secretAccessKey") != NULL);
    cJSON_AddBoolToObject(out, "sessionTokenSet", json_get_str(cfg, "sessionToken") != NULL);
    cJSON_Delete(cfg);
    return out;
}

/* A region, or a bus or source name: what PutEvents accepts, nothing that could reshape a URL. */
static bool eb_name_ok(const char *s, bool region)
{
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || strchr(region ? "-" : "-_.:/", *s)))
            return false;
    return true;
}

/*
 * Reads body.errorEventBridge into *config (JSON text to store, secrets sealed; NULL to remove it)
 * and returns true; or replies 400 and returns false. An omitted secretAccessKey or sessionToken
 * keeps the stored one while the access key id stays the same.
 */
static bool eventbridge_config(struct request *req, const cJSON *body, const char *stored,
                               char **config)
{
    *config = NULL;
    const cJSON *eb = cJSON_GetObjectItemCaseSensitive(body, "errorEventBridge");
    if (cJSON_IsNull(eb))
        return true;
    /* Its members' types and lengths are the body schema's (routes/settings.json). */
    const char *bus = json_get_str(eb, "bus"), *region = json_get_str(eb, "region"),
               *key_id = json_get_str(eb, "accessKeyId"),
               *secret = json_get_str(eb, "secretAccessKey"),
               *token = json_get_str(eb, "sessionToken"), *source = json_get_str(eb, "source"),
               *endpoint = json_get_str(eb, "endpoint");
    cJSON *old = stored ? json_parse(stored, strlen(stored), JSON_MAX_DEPTH, NULL) : NULL;
    bool same_key = key_id && json_get_str(old, "accessKeyId") &&
                    strcmp(key_id, json_get_str(old, "accessKeyId")) == 0;
    const char *why = NULL;
    if (!bus || !*bus || !eb_name_ok(bus, false))
        why = "errorEventBridge.bus must be an event bus name or ARN";
    else if (!region || !*region || !eb_name_ok(region, true))
        why = "errorEventBridge.region must be an AWS region such as us-east-1";
    else if (!key_id || !*key_id)
        why = "errorEventBridge.accessKeyId is required";
    else if ((!secret || !*secret) && !same_key)
        why = "errorEventBridge.secretAccessKey is required";
    else if (source && (!*source || !eb_name_ok(source, false)))
        why = "errorEventBridge.source must be a source name such as com.acme.errors";
    else if (endpoint && strncmp(endpoint, "http://", 7) != 0 &&
             strncmp(endpoint, "https://", 8) != 0)
        why = "errorEventBridge.endpoint must be an http or https URL";
    if (why) {
        cJSON_Delete(old);
        reply_error(req, 400, "bad_request", "%s", why);
        return false;
    }
    cJSON *cfg = cJSON_CreateObject();
    cJSON_AddStringToObject(cfg, "bus", bus);
    cJSON_AddStringToObject(cfg, "region", region);
    cJSON_AddStringToObject(cfg, "accessKeyId", key_id);
    if (source)
        cJSON_AddStringToObject(cfg, "source", source);
    if (endpoint)
        cJSON_AddStringToObject(cfg, "endpoint", endpoint);
    bool ok = true;
    const char *const NAMES[] = {"secretAccessKey", "sessionToken"};
    const char *given[] = {secret && *secret ? secret : NULL, token && *token ? token : NULL};
    for (int i = 0; i < 2 && ok; i++) {
        if (given[i]) {
            char *sealed = sealed_setting_seal(&req->app->master, given[i]);
            ok = sealed != NULL;
            if (sealed)
                cJSON_AddStringToObject(cfg, NAMES[i], sealed);
            free(sealed);
        } else if (same_key && json_get_str(old, NAMES[i]) &&
                   !(i == 1 && cJSON_GetObjectItemCaseSensitive(eb, NAMES[i]))) {
            cJSON_AddStringToObject(cfg, NAMES[i], json_get_str(old, NAMES[i]));
        }
    }
    cJSON_Delete(old);
    *config = ok ? json_print(cfg) : NULL;
    cJSON_Delete(cfg);
    if (!*config)
        reply_error(req, 500, "internal", "the EventBridge keys cannot be sealed");
    return *config != NULL;
}

static void reply_settings(struct request *req)
{
    struct settings st;
    int rc = store_signing_secret(req->app->store, req->who.env.id, sealed_new_signing_secret,
                                  &req->app->master, &st);
    if (rc != STORE_OK) {
        reply_store_error(req, rc == STORE_NOT_FOUND ? STORE_ERROR : rc, "settings");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    const char *url = st.error_webhook_url;
    if (url)
        cJSON_AddStringToObject(out, "errorWebhookUrl", url);
    else
        cJSON_AddNullToObject(out, "errorWebhookUrl");
    cJSON_AddBoolToObject(out, "errorWebhookSecretSet", st.error_webhook_secret != NULL);
    /* Receivers verify webhook-signature with it; POST /settings/rotate-signing-secret shows a new
     * one once. */
    cJSON_AddBoolToObject(out, "signingSecretSet", st.signing_secret != NULL);
    const char *pem = engine_signature_public_pem(req->app->engine);
    if (pem)
        cJSON_AddStringToObject(out, "publicKeyPem", pem); /* verifies X-Alloy-Signature */
    else
        cJSON_AddNullToObject(out, "publicKeyPem");
    cJSON_AddNumberToObject(out, "logRetentionDays", st.log_retention_days);
    cJSON_AddItemToObject(out, "rateLimits", ratelimit_environment_json(req));
    cJSON_AddItemToObject(out, "errorEventBridge", eventbridge_shown(st.error_eventbridge));
    store_settings_clear(&st);
    reply_json(req, 200, out);
}

void api_settings_get(struct request *req)
{
    reply_settings(req);
}

void api_settings_update(struct request *req)
{
    const cJSON *body = req->json;
    const char *url = json_get_str(body, "errorWebhookUrl");
    const char *secret = json_get_str(body, "errorWebhookSecret");
    if (url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        reply_error(req, 400, "bad_request", "errorWebhookUrl must be an http or https URL");
        return;
    }
    if (secret && strncmp(secret, "whsec_", 6) != 0) {
        reply_error(req, 400, "bad_request", "errorWebhookSecret must be a whsec_ secret");
        return;
    }
    struct settings st;
    bool cur = store_settings(req->app->store, req->who.env.id, &st) == STORE_OK;
    int retention = cur ? st.log_retention_days : 60;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(body, "logRetentionDays");
    if (r)
        retention = r->valueint;
    /* rateLimits changes the kinds it names (null: back to the server's), keeps the others. */
    const char *had = st.rate_limits;
    cJSON *limits = had ? cJSON_Parse(had) : NULL;
    if (!cJSON_IsObject(limits)) {
        cJSON_Delete(limits);
        limits = cJSON_CreateObject();
    }
    const cJSON *given;
    cJSON_ArrayForEach(given, cJSON_GetObjectItemCaseSensitive(body, "rateLimits"))
    {
        cJSON_DeleteItemFromObjectCaseSensitive(limits, given->string);
        if (!cJSON_IsNull(given))
            cJSON_AddItemToObject(limits, given->string, cJSON_Duplicate(given, true));
    }
    char *limits_text = limits->child ? json_print(limits) : NULL;
    cJSON_Delete(limits);
    if (!cJSON_GetObjectItemCaseSensitive(body, "errorWebhookUrl") && cur)
        url = st.error_webhook_url;
    /* The stored secret is sealed: a new one is sealed here, an unchanged one kept as stored. */
    char *sealed = secret ? sealed_setting_seal(&req->app->master, secret) : NULL;
    const char *stored = sealed;
    if (!cJSON_GetObjectItemCaseSensitive(body, "errorWebhookSecret") && cur)
        stored = st.error_webhook_secret;
    char *eb_config = NULL;
    bool eb_given = cJSON_GetObjectItemCaseSensitive(body, "errorEventBridge") != NULL;
    if (eb_given && !eventbridge_config(req, body, st.error_eventbridge, &eb_config)) {
        free(sealed);
        free(limits_text);
        store_settings_clear(&st);
        return;
    }
    int rc = secret && !sealed ? STORE_ERROR
                               : store_settings_update(req->app->store, req->who.env.id, url,
                                                       stored, retention, limits_text);
    if (rc == STORE_OK && eb_given)
        rc = store_settings_eventbridge_set(req->app->store, req->who.env.id, eb_config);
    free(eb_config);
    free(sealed);
    free(limits_text);
    store_settings_clear(&st);
    ratelimit_environment_changed(req->who.env.id);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "settings");
        return;
    }
    reply_settings(req);
}

void api_settings_rotate_signing_secret(struct request *req)
{
    char *secret = sign_whsec_generate();
    char *sealed = secret ? sealed_setting_seal(&req->app->master, secret) : NULL;
    int rc =
        sealed ? store_signing_secret_set(req->app->store, req->who.env.id, sealed) : STORE_ERROR;
    free(sealed);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "settings");
    } else {
        engine_settings_changed(req->app->engine);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "signingSecret", secret);
        reply_header(req, "cache-control", "no-store");
        reply_json(req, 200, out);
    }
    secrets_free(secret);
}

void api_settings_test_error_webhook(struct request *req)
{
    cJSON *out = engine_error_webhook_test(req->app->engine, req->app->store, req->who.env.id);
    if (!out) {
        reply_error(req, 503, "unavailable", "the engine is not running");
        return;
    }
    reply_json(req, 200, out);
}
