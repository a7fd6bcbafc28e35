/* Checks shared by API handlers: body shape, typed fields, loading the addressed user. */
#include "api/api.h"

#include <string.h>

const cJSON *api_body_object(struct request *req)
{
    if (!cJSON_IsObject(req->json)) {
        reply_error(req, 400, "bad_request", "request body must be a JSON object");
        return NULL;
    }
    return req->json;
}

bool api_optional_string(struct request *req, const cJSON *obj, const char *field, size_t max_len,
                         const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsString(v)) {
        reply_error(req, 400, "bad_request", "%s must be a string", field);
        return false;
    }
    if (strlen(v->valuestring) > max_len) {
        reply_error(req, 400, "bad_request", "%s must be at most %zu characters", field, max_len);
        return false;
    }
    *out = v->valuestring;
    return true;
}

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
