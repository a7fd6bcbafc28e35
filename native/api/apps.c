/* GET /metadata/apps (/apps), GET /metadata/credentials[/{name}]: what the loaded connectors offer.
 */
#include "api/api.h"
#include "api/credentials.h"
#include "connectors/connectors.h"

#include <string.h>

/* 2025-09 names the app "connector"; earlier versions say "name". */
static const char *name_key(struct request *req)
{
    return req->api_version && strcmp(req->api_version, "2025-09") >= 0 ? "connector" : "name";
}

void api_apps_list(struct request *req)
{
    cJSON *data = cJSON_CreateArray();
    for (int i = 0; i < connectors_count(req->app->connectors); i++) {
        const struct connector *c = connectors_at(req->app->connectors, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->app);
        cJSON_AddStringToObject(o, "displayName", c->name);
        if (c->icon)
            cJSON_AddStringToObject(o, "icon", c->icon);
        cJSON_AddStringToObject(o, "type", "app");
        if (c->description)
            cJSON_AddStringToObject(o, "description", c->description);
        cJSON *actions = cJSON_AddArrayToObject(o, "actions");
        for (int k = 0; k < c->nactions; k++) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddStringToObject(a, "name", c->actions[k].name);
            if (c->actions[k].title)
                cJSON_AddStringToObject(a, "title", c->actions[k].title);
            if (c->actions[k].input_schema)
                cJSON_AddItemToObject(a, "inputs",
                                      cJSON_Duplicate(c->actions[k].input_schema, true));
            if (c->actions[k].output_schema)
                cJSON_AddItemToObject(a, "outputSchema",
                                      cJSON_Duplicate(c->actions[k].output_schema, true));
            cJSON_AddItemToArray(actions, a);
        }
        cJSON *triggers = cJSON_AddArrayToObject(o, "triggers");
        for (int k = 0; k < c->ntriggers; k++) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "name", c->triggers[k].name);
            if (c->triggers[k].title)
                cJSON_AddStringToObject(t, "title", c->triggers[k].title);
            cJSON_AddStringToObject(t, "type", "webhook");
            cJSON_AddItemToArray(triggers, t);
        }
        cJSON_AddItemToArray(data, o);
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_credential_metadata_list(struct request *req)
{
    cJSON *data = cJSON_CreateArray();
    for (int i = 0; i < connectors_count(req->app->connectors); i++) {
        const struct connector *c = connectors_at(req->app->connectors, i);
        if (c->auth != AUTH_NONE)
            cJSON_AddItemToArray(data, connector_credential_metadata(c, name_key(req)));
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_credential_metadata_get(struct request *req)
{
    const struct connector *c = connectors_find(req->app->connectors, req->params[0]);
    if (!c || c->auth == AUTH_NONE) {
        reply_error(req, 404, "not_found", "no credential type named %.100s", req->params[0]);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", connector_credential_metadata(c, name_key(req)));
    reply_json(req, 200, out);
}
