/* Liveness, the public keys that verify user tokens, and the API's OpenAPI document. */
#include "api/api.h"

#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

void api_healthz(struct request *req)
{
    int version = store_schema_version(req->app->store);
    bool ok = version > 0;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", ok ? "ok" : "degraded");
    cJSON_AddNumberToObject(body, "schemaVersion", version);
    reply_json(req, ok ? 200 : 503, body);
}

void api_jwks(struct request *req)
{
    char *doc = strdup(req->app->jwks);
    reply_raw(req, 200, "application/json", doc, doc ? strlen(doc) : 0);
}

void api_signature_key(struct request *req)
{
    const char *pem = engine_signature_public_pem(req->app->engine);
    if (!pem) {
        reply_error(req, 503, "unavailable", "the signature key is not loaded yet");
        return;
    }
    char *doc = strdup(pem);
    reply_raw(req, 200, "application/x-pem-file", doc, doc ? strlen(doc) : 0);
}

void api_openapi(struct request *req)
{
    char *doc = strdup(API_OPENAPI_JSON);
    reply_raw(req, 200, "application/json", doc, doc ? strlen(doc) : 0);
}
