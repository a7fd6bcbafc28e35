/*
 * Workflows API. The ISV side: drafts (create, update), release as immutable versions, version
 * lists. The end-user side (with userId or a user token): the user's view of each workflow, and
 * activate, deactivate, upgrade and uninstall of the user's installation.
 */
#include "api/api.h"

#include "engine/definitions.h"
#include "engine/engine.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/runs.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *api_workflow_view(struct request *req, const cJSON *wf, const struct user *u)
{
    struct store *s = req->app->store;
    const char *wid = json_get_str(wf, "workflowId");
    cJSON *ver = NULL;
    struct installation inst = {0};
    store_workflow_version(s, wid, 0, &ver);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "workflowId", wid);
    cJSON_AddStringToObject(o, "integrationId", json_get_str(wf, "integrationId"));
    cJSON_AddStringToObject(o, "name", json_get_str(wf, "name"));
    cJSON_AddItemToObject(
        o, "createdAt", api_time_json((int64_t)cJSON_GetObjectItem(wf, "createdAt")->valuedouble));
    cJSON_AddItemToObject(
        o, "updatedAt", api_time_json((int64_t)cJSON_GetObjectItem(wf, "updatedAt")->valuedouble));
    cJSON_AddNumberToObject(o, "version", cJSON_GetObjectItem(wf, "version")->valuedouble);
    bool installed = u && u->id[0] && store_installation_find(s, wid, u->id, &inst) == STORE_OK;
    cJSON_AddBoolToObject(o, "installed", installed);
    cJSON_AddBoolToObject(o, "active", installed && inst.active);
    if (installed) {
        cJSON_AddNumberToObject(o, "installedVersion", inst.version);
        cJSON_AddStringToObject(o, "childWorkflowId", inst.id);
    }
    cJSON *blocks = ver ? cJSON_DetachItemFromObject(ver, "blocks") : NULL;
    cJSON_AddItemToObject(o, "blocks", blocks ? blocks : cJSON_CreateArray());
    cJSON *fields = ver ? cJSON_DetachItemFromObject(ver, "fields") : NULL;
    cJSON_AddItemToObject(o, "fields", fields ? fields : cJSON_CreateArray());
    cJSON_Delete(ver);
    store_installation_clear(&inst);
    return o;
}

/* Validation result of a definition as {valid, errors?}; *def_out receives the parsed definition
 * (caller frees) when valid and def_out is not NULL. */
static cJSON *validate_definition(const cJSON *definition, struct workflow_def **def_out)
{
    struct workflow_errors errs = {0};
    struct workflow_def *def = workflow_parse(definition, &errs);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "valid", def != NULL);
    if (!def)
        cJSON_AddItemToObject(out, "errors", workflow_errors_json(&errs));
    workflow_errors_free(&errs);
    if (def_out)
        *def_out = def;
    else
        workflow_free(def);
    return out;
}

void api_workflows_create(struct request *req)
{
    const char *integration = json_get_str(req->json, "integrationId");
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(req->json, "definition");
    const char *name = json_get_str(def, "name");
    cJSON *integ = api_load_integration(req, integration);
    if (!integ)
        return;
    int rc;
    char id[ID_LEN + 1];
    id_new(id);
    rc = store_workflow_insert(req->app->store, req->who.env.id, id,
                               json_get_str(integ, "integrationId"), name, def);
    cJSON_Delete(integ);
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "a workflow named '%s' already exists", name);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "workflow");
        return;
    }
    cJSON *out = validate_definition(def, NULL);
    cJSON_AddStringToObject(out, "workflowId", id);
    reply_json(req, 200, out);
}

void api_workflows_update(struct request *req)
{
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(req->json, "definition");
    const char *name = json_get_str(def, "name");
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (!wf)
        return;
    const char *id = json_get_str(wf, "workflowId");
    int rc = store_workflow_update_draft(req->app->store, req->who.env.id, id, name, def);
    if (rc == STORE_CONFLICT)
        reply_error(req, 409, "conflict", "a workflow named '%s' already exists", name);
    else if (rc != STORE_OK)
        reply_store_error(req, rc, "workflow");
    else {
        cJSON *out = validate_definition(def, NULL);
        cJSON_AddStringToObject(out, "workflowId", id);
        reply_json(req, 200, out);
    }
    cJSON_Delete(wf);
}

void api_workflows_release(struct request *req)
{
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (!wf)
        return;
    const cJSON *draft = cJSON_GetObjectItem(wf, "draft");
    struct workflow_def *def = NULL;
    cJSON *check = validate_definition(draft, &def);
    if (!def) {
        cJSON_AddStringToObject(check, "message", "the draft is not a valid workflow");
        cJSON_AddStringToObject(check, "code", "validation_failed");
        reply_json(req, 422, check);
        cJSON_Delete(wf);
        return;
    }
    cJSON_Delete(check);
    if (def->trigger.type == WF_TRIGGER_CUSTOM_EVENT) {
        cJSON *ev = NULL;
        store_event_find(req->app->store, req->who.env.id, def->trigger.event, &ev);
        if (!ev) {
            reply_error(
                req, 422, "validation_failed",
                "the trigger's custom event '%s' does not exist (create it with POST /events)",
                def->trigger.event);
            workflow_free(def);
            cJSON_Delete(wf);
            return;
        }
        cJSON_Delete(ev);
    }
    cJSON *blocks = workflow_blocks_summary(def), *fields = workflow_fields_json(def);
    int version = 0;
    const char *id = json_get_str(wf, "workflowId");
    char actor[API_ACTOR_MAX + 1];
    api_actor(req, actor);
    int rc = store_workflow_release(req->app->store, req->who.env.id, id, draft,
                                    def->trigger.type_name, def->trigger.event, blocks, fields,
                                    actor[0] ? actor : NULL, &version);
    cJSON_Delete(blocks);
    cJSON_Delete(fields);
    workflow_free(def);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "workflow");
    } else {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "workflowId", id);
        cJSON_AddNumberToObject(out, "version", version);
        reply_json(req, 200, out);
    }
    cJSON_Delete(wf);
}

void api_workflows_versions(struct request *req)
{
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (!wf)
        return;
    cJSON *rows;
    int rc = store_workflow_versions(req->app->store, json_get_str(wf, "workflowId"), &rows);
    cJSON_Delete(wf);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "workflow");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        int v = cJSON_GetObjectItem(r, "version")->valueint;
        char vname[32];
        snprintf(vname, sizeof vname, "Version %d", v);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "versionId", v);
        cJSON_AddStringToObject(o, "versionName", vname);
        cJSON_AddItemToObject(
            o, "lastModified",
            api_time_json((int64_t)cJSON_GetObjectItem(r, "releasedAt")->valuedouble));
        cJSON_AddStringToObject(o, "status", "released");
        if (json_get_str(r, "releasedBy"))
            cJSON_AddStringToObject(o, "releasedBy", json_get_str(r, "releasedBy"));
        cJSON_AddItemToArray(data, o);
    }
    cJSON_Delete(rows);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_workflows_list(struct request *req)
{
    struct user u;
    bool present;
    if (!api_user_param(req, NULL, false, &u, &present))
        return;
    cJSON *rows;
    int rc = store_workflows(req->app->store, req->who.env.id, &rows);
    if (rc != STORE_OK) {
        store_user_clear(&u);
        reply_store_error(req, rc, "workflow");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    const cJSON *wf;
    cJSON_ArrayForEach(wf, rows)
    {
        if (present && cJSON_GetObjectItem(wf, "version")->valuedouble < 1)
            continue; /* end users see released workflows only */
        cJSON_AddItemToArray(data, api_workflow_view(req, wf, present ? &u : NULL));
    }
    cJSON_Delete(rows);
    store_user_clear(&u);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_workflows_get(struct request *req)
{
    struct user u;
    bool present;
    if (!api_user_param(req, NULL, false, &u, &present))
        return;
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (wf) {
        if (present && cJSON_GetObjectItem(wf, "version")->valuedouble < 1) {
            reply_error(req, 404, "not_found", "workflow not found (it has no released version)");
        } else {
            cJSON *view = api_workflow_view(req, wf, present ? &u : NULL);
            if (!present && req->who.kind == IDENTITY_API_KEY)
                cJSON_AddItemToObject(view, "draft",
                                      cJSON_Duplicate(cJSON_GetObjectItem(wf, "draft"), true));
            cJSON *out = cJSON_CreateObject();
            cJSON_AddItemToObject(out, "data", view);
            reply_json(req, 200, out);
        }
        cJSON_Delete(wf);
    }
    store_user_clear(&u);
}

/* The user and workflow of an activate/deactivate body: userId and workflowId or workflowName. */
static bool user_and_workflow(struct request *req, const cJSON *body, struct user *u, cJSON **wf)
{
    const char *wid = api_workflow_ref(req, body);
    if (!wid)
        return false;
    if (!api_user_param(req, body, true, u, NULL))
        return false;
    *wf = api_load_workflow(req, wid);
    if (!*wf) {
        store_user_clear(u);
        return false;
    }
    return true;
}

static void set_active(struct request *req, bool active)
{
    struct user u;
    cJSON *wf;
    if (!user_and_workflow(req, req->json, &u, &wf))
        return;
    const char *wid = json_get_str(wf, "workflowId");
    int rc = store_installation_set_active(req->app->store, wid, u.id, active);
    if (rc == STORE_NOT_FOUND) {
        reply_error(req, 404, "not_found", "the user has not installed this workflow");
    } else if (rc != STORE_OK) {
        reply_store_error(req, rc, "installation");
    } else {
        engine_notify_installation(req->app->engine, req->who.env.id, u.id, wid);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddBoolToObject(out, "activated", active);
        if (!active)
            cJSON_AddTrueToObject(out, "deactivated");
        reply_json(req, 200, out);
    }
    cJSON_Delete(wf);
    store_user_clear(&u);
}

void api_workflows_activate(struct request *req)
{
    set_active(req, true);
}

void api_workflows_deactivate(struct request *req)
{
    set_active(req, false);
}

/* The workflow of path parameter 0 and the user of ?userId; the user's installation of it. */
static bool load_installation(struct request *req, struct user *u, cJSON **wf,
                              struct installation *inst)
{
    if (!api_user_param(req, NULL, true, u, NULL))
        return false;
    *wf = api_load_workflow(req, req->params[0]);
    if (!*wf) {
        store_user_clear(u);
        return false;
    }
    if (store_installation_find(req->app->store, json_get_str(*wf, "workflowId"), u->id, inst) !=
        STORE_OK) {
        reply_error(req, 404, "not_found", "the user has not installed this workflow");
        cJSON_Delete(*wf);
        store_user_clear(u);
        return false;
    }
    return true;
}

void api_workflows_upgrade(struct request *req)
{
    struct user u;
    cJSON *wf;
    struct installation inst;
    if (!load_installation(req, &u, &wf, &inst))
        return;
    struct store *s = req->app->store;
    const char *wid = json_get_str(wf, "workflowId");
    int have = inst.version, latest = 0;
    const struct workflow_def *from = definitions_get(s, wid, have, NULL);
    const struct workflow_def *to = definitions_get(s, wid, 0, &latest);
    char reason[256] = "";
    cJSON *errors = cJSON_CreateArray(), *warnings = cJSON_CreateArray(), *e;
    if (from && to && latest != have && req->app->check_installation)
        req->app->check_installation(req->app, req->who.env.id, u.id, inst.id, NULL, to, errors,
                                     warnings);
    cJSON *lists[] = {errors, warnings};
    for (size_t k = 0; k < 2; k++)
        cJSON_ArrayForEach(e, lists[k]) cJSON_AddStringToObject(e, "workflowId", wid);
    if (!from || !to) {
        reply_error(req, 500, "internal", "cannot load the workflow's versions (request %s)",
                    req->request_id);
    } else if (latest == have) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddFalseToObject(out, "upgraded");
        cJSON_AddNumberToObject(out, "version", have);
        cJSON_AddStringToObject(out, "message", "already on the latest version");
        reply_json(req, 200, out);
    } else if (!workflow_fields_compatible(from, to, reason, sizeof reason)) {
        reply_error(req, 409, "conflict",
                    "version %d cannot replace version %d without reinstalling: %s", latest, have,
                    reason);
    } else if (cJSON_GetArraySize(errors) > 0) {
        api_reply_invalid(req, "the new version names tables or columns the database lacks",
                          errors);
        errors = NULL;
    } else {
        int rc = store_installation_set_version(s, wid, u.id, latest, to->trigger.type_name,
                                                to->trigger.event);
        if (rc != STORE_OK) {
            reply_store_error(req, rc, "installation");
        } else {
            engine_notify_installation(req->app->engine, req->who.env.id, u.id, wid);
            cJSON *out = cJSON_CreateObject();
            cJSON_AddTrueToObject(out, "upgraded");
            cJSON_AddNumberToObject(out, "previousVersion", have);
            cJSON_AddNumberToObject(out, "version", latest);
            if (cJSON_GetArraySize(warnings) > 0) {
                cJSON_AddItemToObject(out, "warnings", warnings);
                warnings = NULL;
            }
            reply_json(req, 200, out);
        }
    }
    cJSON_Delete(errors);
    cJSON_Delete(warnings);
    store_installation_clear(&inst);
    cJSON_Delete(wf);
    store_user_clear(&u);
}

void api_workflows_uninstall(struct request *req)
{
    struct user u;
    cJSON *wf;
    struct installation inst;
    if (!load_installation(req, &u, &wf, &inst))
        return;
    const char *wid = json_get_str(wf, "workflowId");
    int rc = store_installation_delete(req->app->store, wid, u.id);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "installation");
    } else {
        engine_notify_installation(req->app->engine, req->who.env.id, u.id, wid);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddTrueToObject(out, "deleted");
        reply_json(req, 200, out);
    }
    store_installation_clear(&inst);
    cJSON_Delete(wf);
    store_user_clear(&u);
}

cJSON *api_workflow_installers(struct request *req, const char *workflow, bool detail)
{
    cJSON *wf = api_load_workflow(req, workflow);
    if (!wf)
        return NULL;
    struct installation_list rows;
    int rc =
        store_installations_of_workflow(req->app->store, json_get_str(wf, "workflowId"), &rows);
    cJSON_Delete(wf);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "installation");
        return NULL;
    }
    cJSON *data = cJSON_CreateArray();
    for (size_t i = 0; i < rows.n; i++) {
        const struct installation *r = &rows.items[i];
        cJSON *o = cJSON_CreateObject();
        if (r->username)
            cJSON_AddStringToObject(o, "username", r->username);
        if (r->full_name || !detail)
            cJSON_AddStringToObject(o, "fullName", r->full_name ? r->full_name : "");
        cJSON_AddStringToObject(o, "userId", r->user_id);
        if (detail) {
            cJSON_AddBoolToObject(o, "workflowActive", r->active);
            cJSON_AddNumberToObject(o, "installedVersion", r->version);
            cJSON_AddItemToObject(o, "installedAt", api_time_json(r->installed_at));
        }
        cJSON_AddItemToArray(data, o);
    }
    store_installation_list_free(&rows);
    return data;
}

void api_workflows_users(struct request *req)
{
    cJSON *data = api_workflow_installers(req, req->params[0], true);
    if (!data)
        return;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}
