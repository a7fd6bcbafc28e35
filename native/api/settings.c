/*
 * Environment settings: the error-stream webhook and its secret, log retention, the
 * environment's own rate limits (enforced by http/ratelimit.c), and the outbound signing secret.
 * Secrets are sealed before they reach the store (engine/sealed.h) and never answered: GET says
 * only whether each is set; the signing secret is shown once, by the call that rotates it.
 */
#include "api/api.h"

#include "engine/engine.h"
#include "crypto/sign.h"
#include "engine/sealed.h"
#include "http/ratelimit.h"
#include "json/json.h"
#include "store/catalog.h"

#include <stdlib.h>
#include <string.h>

static void reply_settings(struct request *req)
{
    cJSON *row = NULL;
    int rc = store_signing_secret(req->app->store, req->who.env.id, sealed_new_signing_secret,
                                  &req->app->master, &row);
    if (rc != STORE_OK || !row) {
        reply_store_error(req, rc == STORE_OK ? STORE_ERROR : rc, "settings");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    const char *url = json_get_str(row, "errorWebhookUrl");
    if (url)
        cJSON_AddStringToObject(out, "errorWebhookUrl", url);
    else
        cJSON_AddNullToObject(out, "errorWebhookUrl");
    cJSON_AddBoolToObject(out, "errorWebhookSecretSet",
                          json_get_str(row, "errorWebhookSecret") != NULL);
    /* Receivers verify webhook-signature with it; POST /settings/rotate-signing-secret shows a new
     * one once. */
    cJSON_AddBoolToObject(out, "signingSecretSet", json_get_str(row, "signingSecret") != NULL);
    const char *pem = engine_signature_public_pem(req->app);
    if (pem)
        cJSON_AddStringToObject(out, "publicKeyPem", pem); /* verifies X-Alloy-Signature */
    else
        cJSON_AddNullToObject(out, "publicKeyPem");
    cJSON_AddNumberToObject(out, "logRetentionDays",
                            cJSON_GetObjectItem(row, "logRetentionDays")->valuedouble);
    cJSON_AddItemToObject(out, "rateLimits", ratelimit_environment_json(req));
    cJSON_Delete(row);
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
    cJSON *cur = NULL;
    store_settings(req->app->store, req->who.env.id, &cur);
    int retention = cur ? cJSON_GetObjectItem(cur, "logRetentionDays")->valueint : 60;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(body, "logRetentionDays");
    if (r)
        retention = r->valueint;
    /* rateLimits changes the kinds it names (null: back to the server's), keeps the others. */
    const char *had = cur ? json_get_str(cur, "rateLimits") : NULL;
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
        url = json_get_str(cur, "errorWebhookUrl");
    /* The stored secret is sealed: a new one is sealed here, an unchanged one kept as stored. */
    char *sealed = secret ? sealed_setting_seal(&req->app->master, secret) : NULL;
    const char *stored = sealed;
    if (!cJSON_GetObjectItemCaseSensitive(body, "errorWebhookSecret") && cur)
        stored = json_get_str(cur, "errorWebhookSecret");
    int rc = secret && !sealed ? STORE_ERROR
                               : store_settings_update(req->app->store, req->who.env.id, url,
                                                       stored, retention, limits_text);
    free(sealed);
    free(limits_text);
    cJSON_Delete(cur);
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
        engine_settings_changed(req->app);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "signingSecret", secret);
        reply_header(req, "cache-control", "no-store");
        reply_json(req, 200, out);
    }
    secrets_free(secret);
}

void api_settings_test_error_webhook(struct request *req)
{
    cJSON *out = engine_error_webhook_test(req->app, req->who.env.id);
    if (!out) {
        reply_error(req, 503, "unavailable", "the engine is not running");
        return;
    }
    reply_json(req, 200, out);
}
