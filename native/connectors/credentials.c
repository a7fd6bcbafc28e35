/* Opening stored credentials and choosing the one an installation uses. */
#include "connectors/internal.h"

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
    *data = NULL;
    cJSON *row = NULL;
    int rc = store_credential_latest(s, env_id, user_id, app, installation_id, &row);
    if (rc != STORE_OK) {
        snprintf(err, err_len, "cannot load the credential: %s", store_errmsg(s));
        return rc;
    }
    if (!row)
        return STORE_NOT_FOUND;
    snprintf(id, ID_LEN + 1, "%s", json_get_str(row, "credentialId"));
    if (json_get_str(row, "error")) {
        snprintf(err, err_len, "the %s credential %s is invalid: %s", app, id,
                 json_get_str(row, "error"));
        cJSON_Delete(row);
        return STORE_CONFLICT;
    }
    *data = connectors_credential_open(c, json_get_str(row, "sealed"));
    cJSON_Delete(row);
    /* A credential stored before its form gained a property with a default gets the default. */
    const struct connector *conn = connectors_find(c, app);
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
