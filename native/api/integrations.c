/*
 * Integrations API: the ISV's integrations (create, update, delete) and the end user's view of them
 * (GET with userId: which workflows are installed, at which version, active or not). An integration
 * without an icon of its own shows its app's.
 */
#include "api/api.h"

#include "connectors/connectors.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/runs.h"

#include <string.h>

/* The members of an integration body (their types and lengths checked by the route's schema). */
struct integration_fields {
    const char *name, *app, *icon, *description;
};

static struct integration_fields read_fields(const cJSON *body)
{
    return (struct integration_fields){json_get_str(body, "name"), json_get_str(body, "app"),
                                       json_get_str(body, "icon"),
                                       json_get_str(body, "description")};
}

void api_integrations_create(struct request *req)
{
    struct integration_fields f = read_fields(req->json);
    const char *name = f.name, *app = f.app, *icon = f.icon, *description = f.description;
    char id[ID_LEN + 1];
    id_new(id);
    int rc = store_integration_insert(req->app->store, req->who.env.id, id, name, app ? app : name,
                                      icon, description);
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "an integration named '%s' already exists", name);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "integration");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "integrationId", id);
    reply_json(req, 200, out);
}

/* One integration with its released workflows, as the reference's Integration object. */
static cJSON *integration_view(struct request *req, cJSON *row, const struct user *u)
{
    cJSON *wfs = NULL;
    store_workflows_of_integration(req->app->store, json_get_str(row, "integrationId"), &wfs);
    cJSON *list = cJSON_CreateArray();
    bool any_installed = false;
    const cJSON *wf;
    cJSON_ArrayForEach(wf, wfs)
    {
        if (cJSON_GetObjectItem(wf, "version")->valuedouble < 1)
            continue; /* drafts are not installable */
        cJSON *v = api_workflow_view(req, wf, u);
        any_installed |= cJSON_IsTrue(cJSON_GetObjectItem(v, "installed"));
        cJSON_AddItemToArray(list, v);
    }
    cJSON_Delete(wfs);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "integrationId", json_get_str(row, "integrationId"));
    cJSON_AddStringToObject(
        o, "app", json_get_str(row, "app") ? json_get_str(row, "app") : json_get_str(row, "name"));
    cJSON_AddStringToObject(o, "name", json_get_str(row, "name"));
    cJSON_AddBoolToObject(o, "installed", any_installed);
    /* Without an icon of its own, an integration shows its app's (the connector's). */
    const struct connector *conn =
        connectors_find(req->app->connectors, json_get_str(row, "app") ? json_get_str(row, "app")
                                                                       : json_get_str(row, "name"));
    const char *icon = json_get_str(row, "icon") ? json_get_str(row, "icon")
                       : conn                    ? conn->icon
                                                 : NULL;
    if (icon)
        cJSON_AddStringToObject(o, "icon", icon);
    cJSON_AddStringToObject(
        o, "description", json_get_str(row, "description") ? json_get_str(row, "description") : "");
    cJSON_AddItemToObject(o, "workflows", list);
    return o;
}

void api_integrations_list(struct request *req)
{
    struct user u;
    if (!api_user_param(req, NULL, false, &u, NULL))
        return;
    cJSON *rows;
    int rc = store_integrations(req->app->store, req->who.env.id, &rows);
    if (rc != STORE_OK) {
        store_user_clear(&u);
        reply_store_error(req, rc, "integration");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    cJSON *row;
    cJSON_ArrayForEach(row, rows) cJSON_AddItemToArray(data, integration_view(req, row, &u));
    cJSON_Delete(rows);
    store_user_clear(&u);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_integrations_get(struct request *req)
{
    struct user u;
    if (!api_user_param(req, NULL, false, &u, NULL))
        return;
    cJSON *row = api_load_integration(req, req->params[0]);
    if (row) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "data", integration_view(req, row, &u));
        reply_json(req, 200, out);
    }
    cJSON_Delete(row);
    store_user_clear(&u);
}

void api_integrations_update(struct request *req)
{
    struct integration_fields f = read_fields(req->json);
    const char *name = f.name, *app = f.app, *icon = f.icon, *description = f.description;
    cJSON *row = api_load_integration(req, req->params[0]);
    if (!row)
        return;
    int rc =
        store_integration_update(req->app->store, req->who.env.id,
                                 json_get_str(row, "integrationId"), name, app, icon, description);
    cJSON_Delete(row);
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "an integration named '%s' already exists", name);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "integration");
        return;
    }
    row = api_load_integration(req, req->params[0]);
    if (row) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "data", integration_view(req, row, NULL));
        reply_json(req, 200, out);
        cJSON_Delete(row);
    }
}

void api_integrations_delete(struct request *req)
{
    cJSON *row = api_load_integration(req, req->params[0]);
    if (!row)
        return;
    int rc = store_integration_delete(req->app->store, req->who.env.id,
                                      json_get_str(row, "integrationId"));
    cJSON_Delete(row);
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "the integration still has workflows");
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "integration");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "success");
    reply_json(req, 200, out);
}
