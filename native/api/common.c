/* Checks shared by API handlers: loading the addressed user, workflow or integration, query
 * parameters. Body shapes are checked before any handler runs (http/validate.c). */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "store/catalog.h"
#include "store/dashboard.h"

bool api_load_user(struct request *req, const char *id_or_name, struct user *out)
{
    int rc = store_user_find(req->app->store, req->who.env.id, id_or_name, out);
    if (rc == STORE_OK && req->who.kind == IDENTITY_USER_TOKEN &&
        strcmp(out->id, req->who.user_id) != 0) {
        store_user_clear(out);
        rc = STORE_NOT_FOUND;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "user");
        return false;
    }
    return true;
}

cJSON *api_user_json(const struct user *u)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "userId", u->id);
    if (u->username)
        cJSON_AddStringToObject(o, "username", u->username);
    if (u->full_name)
        cJSON_AddStringToObject(o, "fullName", u->full_name);
    return o;
}

void api_actor(struct request *req, char out[API_ACTOR_MAX + 1])
{
    out[0] = '\0';
    if (req->who.kind == IDENTITY_SESSION) {
        struct dashboard_account a;
        if (store_dashboard_account_find(req->app->store, req->who.account, &a) == STORE_OK)
            snprintf(out, API_ACTOR_MAX + 1, "%s", a.email);
        store_dashboard_account_clear(&a);
    } else if (req->who.kind == IDENTITY_API_KEY) {
        char prefix[24];
        if (store_api_key_prefix(req->app->store, req->who.key_id, prefix) == STORE_OK)
            snprintf(out, API_ACTOR_MAX + 1, "API key %s", prefix);
    }
}

const char *api_workflow_ref(struct request *req, const cJSON *body)
{
    const char *wid = json_get_str(body, "workflowId");
    if (!wid)
        wid = json_get_str(body, "workflowName");
    if (!wid || !*wid) {
        reply_error(req, 400, "bad_request", "workflowId or workflowName is required");
        return NULL;
    }
    return wid;
}

void api_reply_invalid(struct request *req, const char *message, cJSON *errors)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "message", message);
    cJSON_AddStringToObject(out, "code", "validation_failed");
    cJSON_AddItemToObject(out, "errors", errors);
    reply_json(req, 422, out);
}

bool api_user_param(struct request *req, const cJSON *body, bool required, struct user *out,
                    bool *present)
{
    char *q = request_query(req, "userId");
    const char *named = q;
    if (!named && body)
        named = json_get_str(body, "userId");
    if (present)
        *present = named != NULL || req->who.kind == IDENTITY_USER_TOKEN;
    if (!named && req->who.kind == IDENTITY_USER_TOKEN)
        named = req->who.user_id;
    if (!named || !*named) {
        free(q);
        if (!required) {
            memset(out, 0, sizeof *out);
            return true;
        }
        reply_error(req, 400, "bad_request", "userId is required");
        return false;
    }
    bool ok = api_load_user(req, named, out);
    free(q);
    return ok;
}

void api_time_text(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

cJSON *api_time_json(int64_t ms)
{
    char t[32];
    api_time_text(ms, t);
    return cJSON_CreateString(t);
}

bool api_query_int(struct request *req, const char *name, long min, long max, long def, long *out)
{
    char *v = request_query(req, name);
    *out = def;
    if (!v)
        return true;
    char *end;
    long n = strtol(v, &end, 10);
    bool ok = *v && !*end && n >= min && n <= max;
    free(v);
    if (!ok) {
        reply_error(req, 400, "bad_request", "%s must be an integer from %ld to %ld", name, min,
                    max);
        return false;
    }
    *out = n;
    return true;
}

bool api_integration_allowed(struct request *req, const char *integration_id)
{
    if (!req->who.install_link ||
        (integration_id && strcmp(integration_id, req->who.integration_id) == 0))
        return true;
    reply_error(req, 403, "forbidden", "this install link is for another integration");
    return false;
}

bool api_load_workflow(struct request *req, const char *id_or_name, struct workflow *out)
{
    int rc = store_workflow_find(req->app->store, req->who.env.id, id_or_name, out);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "workflow");
        return false;
    }
    if (!api_integration_allowed(req, out->integration_id)) {
        store_workflow_clear(out);
        return false;
    }
    return true;
}

bool api_load_integration(struct request *req, const char *id_or_name, struct integration *out)
{
    int rc = store_integration_find(req->app->store, req->who.env.id, id_or_name, out);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "integration");
        return false;
    }
    if (!api_integration_allowed(req, out->id)) {
        store_integration_clear(out);
        return false;
    }
    return true;
}

void api_add_time(cJSON *o, const char *name, const cJSON *row, const char *column)
{
    const cJSON *v = cJSON_GetObjectItem(row, column);
    if (cJSON_IsNumber(v))
        cJSON_AddItemToObject(o, name, api_time_json((int64_t)v->valuedouble));
}

void api_add_time_ms(cJSON *o, const char *name, int64_t ms)
{
    if (ms != 0)
        cJSON_AddItemToObject(o, name, api_time_json(ms));
}

void api_add_str(cJSON *o, const char *name, const char *text)
{
    if (text)
        cJSON_AddStringToObject(o, name, text);
}

void api_reply_page(struct request *req, cJSON *data, long page, long limit, bool truncated)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    cJSON_AddNumberToObject(out, "page", (double)page);
    cJSON_AddNumberToObject(out, "limit", (double)limit);
    if (truncated)
        cJSON_AddTrueToObject(out, "truncated");
    reply_json(req, 200, out);
}

struct logs_budget api_logs_budget(const struct request *req)
{
    size_t cap = req->app->cfg.max_logs_response;
    return (struct logs_budget){cap ? cap : APP_DEFAULT_MAX_LOGS_RESPONSE, false};
}
