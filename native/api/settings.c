/*
 * Environment settings: the error-stream webhook and its secret, log retention, and the outbound
 * signing secret. Secrets are sealed before they reach the store (engine/sealed.h) and never
 * answered: GET says only whether each is set; the signing secret is shown once, by the call that
 * rotates it.
 */
#include "api/api.h"

#include "engine/engine.h"
#include "crypto/sign.h"
#include "engine/sealed.h"
#include "json/json.h"
#include "store/catalog.h"

#include <stdlib.h>
#include <string.h>

/* Retention bounds in days: at least a day of history, at most ten years. */
#define RETENTION_MIN 1
#define RETENTION_MAX 3650

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
    cJSON_Delete(row);
    reply_json(req, 200, out);
}

void api_settings_get(struct request *req)
{
    reply_settings(req);
}

void api_settings_update(struct request *req)
{
    const cJSON *body = api_body_object(req);
    const char *url, *secret;
    if (!body || !api_optional_string(req, body, "errorWebhookUrl", 2048, &url) ||
        !api_optional_string(req, body, "errorWebhookSecret", 256, &secret))
        return;
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
    if (r) {
        if (!cJSON_IsNumber(r) || r->valuedouble != (int)r->valuedouble ||
            r->valuedouble < RETENTION_MIN || r->valuedouble > RETENTION_MAX) {
            cJSON_Delete(cur);
            reply_error(req, 400, "bad_request",
                        "logRetentionDays must be an integer from %d to %d", RETENTION_MIN,
                        RETENTION_MAX);
            return;
        }
        retention = r->valueint;
    }
    if (!cJSON_GetObjectItemCaseSensitive(body, "errorWebhookUrl") && cur)
        url = json_get_str(cur, "errorWebhookUrl");
    /* The stored secret is sealed: a new one is sealed here, an unchanged one kept as stored. */
    char *sealed = secret ? sealed_setting_seal(&req->app->master, secret) : NULL;
    const char *stored = sealed;
    if (!cJSON_GetObjectItemCaseSensitive(body, "errorWebhookSecret") && cur)
        stored = json_get_str(cur, "errorWebhookSecret");
    int rc = secret && !sealed
                 ? STORE_ERROR
                 : store_settings_update(req->app->store, req->who.env.id, url, stored, retention);
    free(sealed);
    cJSON_Delete(cur);
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
