/*
 * API keys from the dashboard: list an environment's keys, create one (its text is in that answer
 * only), revoke one. Creating and revoking take a signed-in session (ROUTE_SESSION): an API key
 * cannot mint or revoke keys. Not here: key generation and hashing (crypto/apikey.c).
 */
#include "api/api.h"

#include "json/json.h"

#include <stdlib.h>
#include <string.h>

/* The environment a key request is about: ?environment= or the body's "environment" when a
 * session names one (either), else the caller's own. An API key may name only its own. */
static bool target_environment(struct request *req, const char *named, struct environment *out)
{
    *out = req->who.env;
    if (!named || strcmp(named, req->who.env.name) == 0)
        return true;
    if (strcmp(named, "development") != 0 && strcmp(named, "production") != 0) {
        reply_error(req, 400, "bad_request", "environment must be development or production");
        return false;
    }
    if (req->who.kind != IDENTITY_SESSION) {
        reply_error(req, 403, "forbidden", "an API key sees only its own environment's keys");
        return false;
    }
    int rc = store_environment_by_name(req->app->store, named, out);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "environment");
        return false;
    }
    return true;
}

/* Turns a row's millisecond time member into the API's time text (or null). */
static void time_member(cJSON *row, const char *name)
{
    const cJSON *ms = cJSON_GetObjectItem(row, name);
    cJSON *t = cJSON_IsNumber(ms) ? api_time_json((int64_t)ms->valuedouble) : cJSON_CreateNull();
    if (ms)
        cJSON_ReplaceItemInObject(row, name, t);
    else
        cJSON_AddItemToObject(row, name, t);
}

void api_keys_list(struct request *req)
{
    char *named = request_query(req, "environment");
    struct environment env;
    bool ok = target_environment(req, named, &env);
    free(named);
    if (!ok)
        return;
    cJSON *rows = NULL;
    int rc = store_api_keys_of(req->app->store, env.id, &rows);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "API keys");
        return;
    }
    cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        time_member(row, "createdAt");
        time_member(row, "lastUsedAt");
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "keys", rows);
    reply_json(req, 200, out);
}

void api_keys_create(struct request *req)
{
    const char *named = json_get_str(req->json, "environment");
    struct environment env;
    if (!target_environment(req, named, &env))
        return;
    char key[API_KEY_MAX + 1];
    struct api_key rec;
    unsigned char hash[32];
    int rc = crypto_api_key_new(env.name, key, hash) != 0
                 ? STORE_ERROR
                 : store_api_key_create(req->app->store, &env, key, hash, &rec);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "API key");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "id", rec.id);
    cJSON_AddStringToObject(out, "key", key);
    cJSON_AddStringToObject(out, "prefix", rec.prefix);
    cJSON_AddStringToObject(out, "environment", env.name);
    cJSON_AddItemToObject(out, "createdAt", api_time_json(rec.created_at));
    memset(key, 0, sizeof key);
    reply_header(req, "cache-control", "no-store");
    reply_json(req, 201, out);
}

void api_keys_revoke(struct request *req)
{
    int rc = store_api_key_revoke(req->app->store, req->params[0], store_now());
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "API key");
        return;
    }
    reply_raw(req, 204, "text/plain", NULL, 0);
}
