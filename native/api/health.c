/* Liveness and the public keys that verify user tokens. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

void api_healthz(struct request *req)
{
    bool ok = store_schema_version(req->app->store) > 0;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", ok ? "ok" : "degraded");
    cJSON_AddNumberToObject(body, "schemaVersion", store_schema_version(req->app->store));
    reply_json(req, ok ? 200 : 503, body);
}

void api_jwks(struct request *req)
{
    char *doc = strdup(req->app->jwks);
    reply_raw(req, 200, "application/json", doc, doc ? strlen(doc) : 0);
}
