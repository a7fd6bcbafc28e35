/* Opening stored credentials, choosing the one an installation uses, and a new credential's test
 * request. */
#include "connectors/internal.h"

#include "engine/http_client.h"

#include "json/json.h"
#include "store/credentials.h"

#include <stdlib.h>
#include <string.h>

cJSON *connectors_credential_open(const struct connectors *c, const char *sealed)
{
    size_t n = 0;
    char *plain = secrets_open(&c->key, sealed, &n);
    if (!plain)
        return NULL;
    cJSON *data = json_parse(plain, n, JSON_MAX_DEPTH, NULL);
    memset(plain, 0, n);
    free(plain);
    return data;
}

int connectors_credential_for(const struct connectors *c, struct store *s, const char *env_id,
                              const char *user_id, const char *app, const char *installation_id,
                              cJSON **data, char id[ID_LEN + 1], char *err, size_t err_len)
{
    char chosen[ID_LEN + 1] = "";
    int rc = installation_id ? store_installation_credential_choice(s, installation_id, app, chosen)
                             : STORE_OK;
    if (rc != STORE_OK) {
        *data = NULL;
        id[0] = '\0';
        snprintf(err, err_len, "cannot load the credential: %s", store_errmsg(s));
        return rc;
    }
    return connectors_credential_chosen(c, s, env_id, user_id, app, chosen, data, id, err, err_len);
}

int connectors_credential_chosen(const struct connectors *c, struct store *s, const char *env_id,
                                 const char *user_id, const char *app, const char *chosen,
                                 cJSON **data, char id[ID_LEN + 1], char *err, size_t err_len)
{
    *data = NULL;
    id[0] = '\0';
    struct credential cred;
    int rc = STORE_OK;
    const struct connector *conn = connectors_find(c, app);
    const char *name = conn ? conn->name : app;
    if (chosen && chosen[0]) {
        /* The account chosen at installation, or none: never silently another one. */
        rc = store_credential_find(s, env_id, user_id, chosen, &cred);
        if (rc == STORE_NOT_FOUND) {
            snprintf(id, ID_LEN + 1, "%s", chosen);
            snprintf(err, err_len,
                     "the %s account this installation uses (credential %s) was deleted; the "
                     "user must connect it again",
                     name, chosen);
            return STORE_NOT_FOUND;
        }
    } else {
        rc = store_credential_latest(s, env_id, user_id, app, NULL, &cred);
        if (rc == STORE_NOT_FOUND) {
            snprintf(err, err_len, "the user has no %s credential", name);
            return STORE_NOT_FOUND;
        }
    }
    if (rc != STORE_OK) {
        snprintf(err, err_len, "cannot load the credential: %s", store_errmsg(s));
        return rc;
    }
    snprintf(id, ID_LEN + 1, "%s", cred.id);
    if (cred.error) {
        snprintf(err, err_len, "the %s credential %s is invalid: %s", app, id, cred.error);
        store_credential_clear(&cred);
        return STORE_CONFLICT;
    }
    *data = connectors_credential_open(c, cred.sealed);
    store_credential_clear(&cred);
    /* A credential stored before its form gained a property with a default gets the default. */
    if (*data && conn)
        connector_credential_defaults(conn, *data);
    if (!*data) {
        snprintf(err, err_len, "credential %s cannot be decrypted with this server's master key",
                 id);
        return STORE_ERROR;
    }
    return STORE_OK;
}

cJSON *connectors_credential_scope(const cJSON *data)
{
    cJSON *copy = cJSON_Duplicate(data, true);
    cJSON_DeleteItemFromObject(copy, "baseUrl");
    return copy;
}

/* Budget of the test request's expressions, and how long Connect waits for the app. */
static const struct mapping_limits TEST_LIMITS = {.time_ms = 1000};
#define CREDENTIAL_TEST_TIMEOUT_MS 10000L

bool connectors_credential_test(const struct connector *conn, const cJSON *data,
                                const struct http_client_options *options, char *err, size_t n)
{
    if (!conn->has_test)
        return true;
    cJSON *scope = cJSON_CreateObject();
    cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(data));
    struct connector_http h;
    char msg[256];
    int rc = connector_render(conn, &conn->test, scope, json_get_str(data, "baseUrl"), &TEST_LIMITS,
                              &h, msg, sizeof msg);
    cJSON_Delete(scope);
    if (rc != 0) {
        snprintf(err, n, "%s: the credential cannot be tried: %s", conn->name, msg);
        return false;
    }
    struct http_client_options o = options ? *options : (struct http_client_options){0};
    o.timeout_ms = CREDENTIAL_TEST_TIMEOUT_MS;
    struct http_client *http = http_client_new(&o, msg, sizeof msg);
    bool ok = false;
    if (!http) {
        snprintf(err, n, "%s: %s", conn->name, msg);
    } else {
        struct http_request req = {.method = h.method,
                                   .url = h.url,
                                   .headers = (const char *const *)h.headers,
                                   .header_count = h.nheaders,
                                   .body = h.body,
                                   .body_len = h.body ? strlen(h.body) : 0};
        struct http_response resp;
        http_client_send(http, &req, &resp);
        if (resp.status >= 200 && resp.status < 300) {
            ok = true;
        } else if (!resp.status) {
            snprintf(err, n, "%s could not be reached: %s", conn->name, resp.error);
        } else {
            cJSON *body =
                resp.body_len ? json_parse(resp.body, resp.body_len, JSON_MAX_DEPTH, NULL) : NULL;
            if (!body)
                body = cJSON_CreateString(resp.body ? resp.body : "");
            connector_error_text(conn, resp.status, body, msg, sizeof msg);
            cJSON_Delete(body);
            snprintf(err, n, "%s refused the credential: HTTP %ld %s", conn->name, resp.status,
                     msg);
        }
        http_response_free(&resp);
        http_client_free(http);
    }
    connector_http_clear(&h);
    return ok;
}
