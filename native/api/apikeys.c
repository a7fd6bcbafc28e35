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

/* A time of a key, or null when it has none (0). */
static cJSON *time_or_null(int64_t ms)
{
    return ms ? api_time_json(ms) : cJSON_CreateNull();
}

void api_keys_list(struct request *req)
{
    char *named = request_query(req, "environment");
    struct environment env;
    bool ok = target_environment(req, named, &env);
    free(named);
    if (!ok)
        return;
    struct api_key_list keys;
    int rc = store_api_keys_of(req->app->store, env.id, &keys);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "API keys");
        return;
    }
    cJSON *rows = cJSON_CreateArray();
    for (size_t i = 0; i < keys.n; i++) {
        const struct api_key *k = &keys.items[i];
        cJSON *row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "id", k->id);
        cJSON_AddStringToObject(row, "prefix", k->prefix);
        cJSON_AddStringToObject(row, "environment", k->env_name);
        cJSON_AddItemToObject(row, "createdAt", time_or_null(k->created_at));
        cJSON_AddItemToObject(row, "lastUsedAt", time_or_null(k->last_used_at));
        cJSON_AddItemToArray(rows, row);
    }
    store_api_key_list_free(&keys);
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
