/*
 * End users' app credentials: create (headless), list, delete. The data is checked against the
 * app's credential form and sealed before it reaches the store; it is never returned by the API.
 */
#include "api/api.h"
#include "api/credentials.h"
#include "connectors/connectors.h"
#include "json/json.h"
#include "store/credentials.h"

#include <stdlib.h>
#include <string.h>

/* Largest credential data accepted: a token set is small; this bounds what gets sealed. */
#define CREDENTIAL_MAX_BYTES 16384

/* The user named by the path (/users/{id}/...) or else by the body or query. */
static bool load_user(struct request *req, const cJSON *body, struct user *u)
{
    if (req->nparams > 0)
        return api_load_user(req, req->params[0], u);
    return api_user_param(req, body, true, u, NULL);
}

static bool check_base_url(struct request *req, const cJSON *data)
{
    const cJSON *base = cJSON_GetObjectItem(data, "baseUrl");
    if (!base)
        return true;
    if (!cJSON_IsString(base) || (strncmp(base->valuestring, "http://", 7) != 0 &&
                                  strncmp(base->valuestring, "https://", 8) != 0)) {
        reply_error(req, 422, "validation_failed",
                    "credential.data.baseUrl must be an http(s) URL");
        return false;
    }
    return true;
}

/* The connector's base URL rendered with the form's values: a value that cannot stand in its host
 * (connector_url) is refused now, with the credential, rather than at every call. Replies 422. */
static bool base_url_ok(struct request *req, const struct connector *c, const cJSON *form)
{
    cJSON *scope = cJSON_CreateObject();
    cJSON_AddItemToObject(scope, "credential", cJSON_Duplicate(form, true));
    char err[256];
    char *url = connector_url(c, c->base_url, scope, err, sizeof err);
    cJSON_Delete(scope);
    free(url);
    if (!url)
        reply_error(req, 422, "validation_failed", "credential.data: %s", err);
    return url != NULL;
}

void api_credentials_create(struct request *req)
{
    const cJSON *body = api_body_object(req);
    if (!body)
        return;
    const cJSON *cred = cJSON_GetObjectItem(body, "credential");
    const char *type = json_get_str(cred, "type");
    const cJSON *data = cJSON_GetObjectItem(cred, "data");
    if (!type || !cJSON_IsObject(data)) {
        reply_error(req, 400, "bad_request", "credential must be {type, data: {...}}");
        return;
    }
    struct user u;
    if (!load_user(req, body, &u))
        return;
    const struct connector *c = connectors_find(req->app->connectors, type);
    if (!c || c->auth == AUTH_NONE) {
        reply_error(req, 422, "unknown_app", "no app with credentials is named %.100s", type);
        store_user_clear(&u);
        return;
    }
    if (!check_base_url(req, data)) {
        store_user_clear(&u);
        return;
    }
    cJSON *form = cJSON_Duplicate(data, true);
    cJSON_DeleteItemFromObject(form, "baseUrl");
    struct schema_result sr = {0};
    if (c->auth_schema && !schema_validate(c->auth_schema, form, &sr)) {
        api_reply_invalid(req, "the credential data does not fit the app's form",
                          schema_result_to_json(&sr));
        schema_result_free(&sr);
        cJSON_Delete(form);
        store_user_clear(&u);
        return;
    }
    if (!cJSON_GetObjectItem(data, "baseUrl") && c->base_url && !base_url_ok(req, c, form)) {
        cJSON_Delete(form);
        store_user_clear(&u);
        return;
    }
    char *text = json_print(data);
    char *name = NULL;
    if (c->credential_name) {
        cJSON *scope = cJSON_CreateObject();
        cJSON_AddItemToObject(scope, "credential", form);
        form = NULL;
        char err[64];
        name = connector_template(c->credential_name, scope, false, err, sizeof err);
        cJSON_Delete(scope);
    }
    cJSON_Delete(form);
    if (!text || strlen(text) > CREDENTIAL_MAX_BYTES) {
        reply_error(req, 413, "too_large", "credential data is larger than %d bytes",
                    CREDENTIAL_MAX_BYTES);
        free(text);
        free(name);
        store_user_clear(&u);
        return;
    }
    char *sealed = secrets_seal(connectors_key(req->app->connectors), text, strlen(text));
    memset(text, 0, strlen(text));
    free(text);
    char id[ID_LEN + 1];
    int rc = sealed ? store_credential_insert(req->app->store, req->who.env.id, u.id, c->app,
                                              name ? name : c->name, sealed, id)
                    : STORE_ERROR;
    free(sealed);
    free(name);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "credential");
        return;
    }
    connectors_notify(req->app->connectors);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "success");
    cJSON_AddStringToObject(out, "credentialId", id);
    reply_json(req, 200, out);
}

void api_credentials_list(struct request *req)
{
    struct user u;
    if (!load_user(req, NULL, &u))
        return;
    cJSON *rows;
    int rc = store_credentials_of_user(req->app->store, req->who.env.id, u.id, &rows);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "credential");
        return;
    }
    cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        const char *keys[] = {"createdAt", "updatedAt"};
        for (int i = 0; i < 2; i++) {
            cJSON *t = cJSON_GetObjectItem(r, keys[i]);
            if (t)
                cJSON_ReplaceItemInObject(r, keys[i], api_time_json((int64_t)t->valuedouble));
        }
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", rows);
    reply_json(req, 200, out);
}

void api_credentials_delete(struct request *req)
{
    struct user u;
    if (!load_user(req, NULL, &u))
        return;
    int rc = store_credential_delete(req->app->store, req->who.env.id, u.id, req->params[1]);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "credential");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "success");
    reply_json(req, 200, out);
}
