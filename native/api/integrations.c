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
static cJSON *integration_view(struct request *req, const struct integration *integ,
                               const struct user *u)
{
    struct workflow_list wfs;
    store_workflows_of_integration(req->app->store, integ->id, &wfs);
    cJSON *list = cJSON_CreateArray();
    bool any_installed = false;
    for (size_t k = 0; k < wfs.n; k++) {
        if (wfs.items[k].version < 1)
            continue; /* drafts are not installable */
        cJSON *v = api_workflow_view(req, &wfs.items[k], u);
        any_installed |= cJSON_IsTrue(cJSON_GetObjectItem(v, "installed"));
        cJSON_AddItemToArray(list, v);
    }
    store_workflow_list_free(&wfs);
    const char *app = integ->app ? integ->app : integ->name;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "integrationId", integ->id);
    cJSON_AddStringToObject(o, "app", app);
    cJSON_AddStringToObject(o, "name", integ->name);
    cJSON_AddBoolToObject(o, "installed", any_installed);
    /* Without an icon of its own, an integration shows its app's (the connector's). */
    const struct connector *conn = connectors_find(req->app->connectors, app);
    const char *icon = integ->icon ? integ->icon : conn ? conn->icon : NULL;
    if (icon)
        cJSON_AddStringToObject(o, "icon", icon);
    cJSON_AddStringToObject(o, "description", integ->description ? integ->description : "");
    cJSON_AddItemToObject(o, "workflows", list);
    return o;
}

void api_integrations_list(struct request *req)
{
    struct user u;
    if (!api_user_param(req, NULL, false, &u, NULL))
        return;
    struct integration_list integs;
    int rc = store_integrations(req->app->store, req->who.env.id, &integs);
    if (rc != STORE_OK) {
        store_user_clear(&u);
        reply_store_error(req, rc, "integration");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    for (size_t k = 0; k < integs.n; k++)
        cJSON_AddItemToArray(data, integration_view(req, &integs.items[k], &u));
    store_integration_list_free(&integs);
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
    struct integration integ;
    if (api_load_integration(req, req->params[0], &integ)) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "data", integration_view(req, &integ, &u));
        reply_json(req, 200, out);
        store_integration_clear(&integ);
    }
    store_user_clear(&u);
}

void api_integrations_update(struct request *req)
{
    struct integration_fields f = read_fields(req->json);
    const char *name = f.name, *app = f.app, *icon = f.icon, *description = f.description;
    struct integration integ;
    if (!api_load_integration(req, req->params[0], &integ))
        return;
    int rc = store_integration_update(req->app->store, req->who.env.id, integ.id, name, app, icon,
                                      description);
    store_integration_clear(&integ);
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "an integration named '%s' already exists", name);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "integration");
        return;
    }
    if (api_load_integration(req, req->params[0], &integ)) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "data", integration_view(req, &integ, NULL));
        reply_json(req, 200, out);
        store_integration_clear(&integ);
    }
}

void api_integrations_delete(struct request *req)
{
    struct integration integ;
    if (!api_load_integration(req, req->params[0], &integ))
        return;
    int rc = store_integration_delete(req->app->store, req->who.env.id, integ.id);
    store_integration_clear(&integ);
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
