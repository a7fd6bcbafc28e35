/*
 * End users' app credentials: create (headless), list, delete. The data is checked against the
 * app's credential form and sealed before it reaches the store; it is never returned by the API.
 */
#include "api/api.h"
#include "api/credentials.h"
#include "connectors/connectors.h"
#include "engine/engine.h"
#include "json/json.h"
#include "util/buf.h"
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

/*
 * The base URL a credential gives the connector (its baseUrl override, or the connector's base URL
 * over the credential's values, e.g. a sandbox store's API URL) must be on a host the connector or
 * the server allows; replies 422 at the field that names the host otherwise.
 */
static bool check_hosts(struct request *req, const struct connector *c, const cJSON *form,
                        const char *override, char *elsewhere, size_t elsewhere_len)
{
    char err[256], field[64] = "baseUrl";
    char *base = NULL;
    bool ok = true;
    if (override) {
        base = strdup(override);
        ok = !base || connector_url_permitted(c, base, err, sizeof err);
    } else if (c->base_url) {
        /* Rendered as every call renders it (connector_url): a value that cannot stand in the
         * host, or a host the app may not call, is refused now rather than at every call. */
        cJSON *scope = cJSON_CreateObject();
        cJSON_AddItemReferenceToObject(scope, "credential", (cJSON *)form);
        base = connector_url(c, c->base_url, scope, err, sizeof err);
        cJSON_Delete(scope);
        ok = base != NULL;
        if (!connector_base_url_field(c, field, sizeof field))
            field[0] = '\0';
    }
    if (!ok || !base || !c->hosts || connector_url_own_host(c, base, elsewhere, elsewhere_len))
        elsewhere[0] = '\0';
    free(base);
    if (!ok) {
        cJSON *errors = cJSON_CreateArray(), *e = cJSON_CreateObject();
        char path[80];
        snprintf(path, sizeof path, "%s%s", field[0] ? "/" : "", field);
        cJSON_AddStringToObject(e, "instancePath", path);
        cJSON_AddStringToObject(e, "keyword", "host");
        cJSON_AddStringToObject(e, "message", err);
        cJSON_AddItemToArray(errors, e);
        char message[320];
        snprintf(message, sizeof message, "the credential cannot be used: %s", err);
        api_reply_invalid(req, message, errors);
    }
    return ok;
}

/* Seals text (the credential's JSON) and stores it for user_id under name; replies. */
static void store_credential(struct request *req, const struct connector *c, const char *user_id,
                             const char *text, const char *name)
{
    char *sealed = secrets_seal(connectors_key(req->app->connectors), text, strlen(text));
    char id[ID_LEN + 1];
    int rc = sealed ? store_credential_insert(req->app->store, req->who.env.id, user_id, c->app,
                                              name ? name : c->name, sealed, id)
                    : STORE_ERROR;
    free(sealed);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "credential");
        return;
    }
    connectors_credentials_changed(req->app->connectors, req->app->store, req->who.env.id, user_id,
                                   c->app);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "success");
    cJSON_AddStringToObject(out, "credentialId", id);
    reply_json(req, 200, out);
}

static void clear_text(char *text)
{
    if (text)
        memset(text, 0, strlen(text));
    free(text);
}

/* A credential waiting for the app's answer to its test request (off the service thread). */
struct connect_job {
    const struct connector *conn;
    const struct http_client_options *options;
    cJSON *data; /* clear: wiped with the job */
    char *text;  /* the same as JSON text, to seal */
    char *name;
    char user_id[ID_LEN + 1];
    bool ok;
    char error[320];
};

static void job_free(struct connect_job *job)
{
    char *wipe = json_print(job->data);
    clear_text(wipe);
    cJSON_Delete(job->data);
    clear_text(job->text);
    free(job->name);
    free(job);
}

static void connect_test(void *arg)
{
    struct connect_job *job = arg;
    job->ok = connectors_credential_test(job->conn, job->data, job->options, job->error,
                                         sizeof job->error);
}

/* Back on the service thread: stores the credential the app accepted, or answers 422 with the
 * app's own message, which the modal shows. */
static void connect_done(struct request *req, void *arg)
{
    struct connect_job *job = arg;
    if (req && job->ok) {
        store_credential(req, job->conn, job->user_id, job->text, job->name);
    } else if (req) {
        cJSON *errors = cJSON_CreateArray(), *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "instancePath", "");
        cJSON_AddStringToObject(e, "keyword", "test");
        cJSON_AddStringToObject(e, "message", job->error);
        cJSON_AddItemToArray(errors, e);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "message", job->error);
        cJSON_AddStringToObject(out, "code", "credential_rejected");
        cJSON_AddItemToObject(out, "errors", errors);
        reply_json(req, 422, out);
    }
    job_free(job);
}

void api_credentials_create(struct request *req)
{
    const cJSON *body = req->json;
    const cJSON *cred = cJSON_GetObjectItem(body, "credential");
    const char *type = json_get_str(cred, "type");
    const cJSON *data = cJSON_GetObjectItem(cred, "data");
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
    cJSON *stored = cJSON_Duplicate(data, true);
    connector_credential_defaults(c, form);
    connector_credential_defaults(c, stored);
    char elsewhere[300];
    if (!check_hosts(req, c, form, json_get_str(data, "baseUrl"), elsewhere, sizeof elsewhere)) {
        cJSON_Delete(stored);
        cJSON_Delete(form);
        store_user_clear(&u);
        return;
    }
    data = stored;
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
    if (elsewhere[0]) { /* a sandbox's credential is told apart from the real store's by host */
        struct buf b = {0};
        buf_printf(&b, "%s (%s)", name ? name : c->name, elsewhere);
        free(name);
        name = buf_take(&b);
    }
    cJSON_Delete(form);
    cJSON_Delete(stored);
    if (!text || strlen(text) > CREDENTIAL_MAX_BYTES) {
        reply_error(req, 413, "too_large", "credential data is larger than %d bytes",
                    CREDENTIAL_MAX_BYTES);
        free(text);
        free(name);
        store_user_clear(&u);
        return;
    }
    bool verify = !cJSON_IsFalse(cJSON_GetObjectItem(body, "verify"));
    struct connect_job *job = verify && c->has_test ? calloc(1, sizeof *job) : NULL;
    if (job) {
        job->conn = c;
        job->data = json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
        job->text = text;
        job->name = name;
        job->options = engine_http_options(req->app->engine);
        snprintf(job->user_id, sizeof job->user_id, "%s", u.id);
        store_user_clear(&u);
        if (http_defer(req, connect_test, connect_done, job))
            return;
        job_free(job);
        reply_error(req, 503, "busy", "too many credentials are being tried; try again shortly");
        return;
    }
    store_credential(req, c, u.id, text, name);
    store_user_clear(&u);
    clear_text(text);
    free(name);
}

void api_credentials_list(struct request *req)
{
    struct user u;
    if (!load_user(req, NULL, &u))
        return;
    struct credential_list creds;
    int rc = store_credentials_of_user(req->app->store, req->who.env.id, u.id, &creds);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "credential");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    for (size_t k = 0; k < creds.n; k++) {
        const struct credential *c = &creds.items[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "credentialId", c->id);
        cJSON_AddStringToObject(o, "type", c->type);
        if (c->name)
            cJSON_AddStringToObject(o, "name", c->name);
        cJSON_AddItemToObject(o, "createdAt", api_time_json(c->created_at));
        cJSON_AddItemToObject(o, "updatedAt", api_time_json(c->updated_at));
        cJSON_AddItemToArray(data, o);
    }
    store_credential_list_free(&creds);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_credentials_delete(struct request *req)
{
    struct user u;
    if (!load_user(req, NULL, &u))
        return;
    int rc = store_credential_delete(req->app->store, req->who.env.id, u.id, req->params[1]);
    if (rc == STORE_OK)
        connectors_credentials_changed(req->app->connectors, req->app->store, req->who.env.id, u.id,
                                       NULL);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "credential");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "success");
    reply_json(req, 200, out);
}
