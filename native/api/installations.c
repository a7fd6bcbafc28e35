/*
 * Installing without the modal (headless): start a session that lists the fields each workflow
 * needs, complete it with values (validated against each field's schema, 422 with every problem),
 * which creates the user's installations in one transaction (values of password/writeOnly fields
 * sealed). Also the list of installations (without those values, with the state of their
 * app-trigger subscriptions and of the credentials they use) and the bulk deactivation of a user's
 * workflows.
 */
#include "api/api.h"

#include "connectors/connectors.h"
#include "engine/definitions.h"
#include "engine/engine.h"
#include "engine/sealed.h"
#include "json/json.h"
#include "util/buf.h"
#include "store/catalog.h"
#include "store/credentials.h"
#include "store/runs.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The form description of one workflow's fields, as startInstallation returns them. */
static cJSON *fields_form(const struct workflow_def *def)
{
    cJSON *fields = cJSON_CreateArray();
    for (int i = 0; i < def->nfields; i++) {
        const struct wf_field *f = &def->fields[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddStringToObject(o, "displayName", f->title ? f->title : f->name);
        if (f->description)
            cJSON_AddStringToObject(o, "description", f->description);
        const char *type = json_get_str(f->schema, "type");
        cJSON_AddStringToObject(o, "type", type ? type : "string");
        const char *format = json_get_str(f->schema, "format");
        if (format)
            cJSON_AddStringToObject(o, "subType", format);
        cJSON_AddBoolToObject(o, "required", f->required);
        const cJSON *en = cJSON_GetObjectItem(f->schema, "enum");
        if (cJSON_IsArray(en)) {
            cJSON *opts = cJSON_AddArrayToObject(o, "options");
            const cJSON *v;
            cJSON_ArrayForEach(v, en)
            {
                cJSON *opt = cJSON_CreateObject();
                char *label = json_text(v);
                cJSON_AddStringToObject(opt, "displayName", label ? label : "");
                free(label);
                cJSON_AddItemToObject(opt, "value", cJSON_Duplicate(v, true));
                cJSON_AddItemToArray(opts, opt);
            }
        }
        cJSON_AddItemToObject(o, "schema", cJSON_Duplicate(f->schema, true));
        cJSON_AddItemToArray(fields, o);
    }
    return fields;
}

/*
 * credentialIds of startInstallation: {"app": "credentialId"} or ["credentialId", ...] (the shape
 * checked by the route's schema). Each must be a credential of this user; the result is the
 * {app: id} map the installation keeps. Replies 404 and returns false for an unknown credential;
 * *out stays NULL when absent.
 */
static bool credential_choice(struct request *req, const cJSON *body, const struct user *u,
                              cJSON **out)
{
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(body, "credentialIds"), *c;
    *out = NULL;
    if (!given || cJSON_IsNull(given))
        return true;
    cJSON *map = cJSON_CreateObject();
    cJSON_ArrayForEach(c, given)
    {
        cJSON *row = NULL;
        if (store_credential_find(req->app->store, req->who.env.id, u->id, c->valuestring, &row) !=
                STORE_OK ||
            !row || (c->string && strcmp(c->string, json_get_str(row, "type")) != 0)) {
            reply_error(req, 404, "not_found", "the user has no %scredential %s",
                        c->string ? c->string : "", c->valuestring);
            cJSON_Delete(row);
            cJSON_Delete(map);
            return false;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(map, json_get_str(row, "type"));
        cJSON_AddStringToObject(map, json_get_str(row, "type"), c->valuestring);
        cJSON_Delete(row);
    }
    *out = map;
    return true;
}

void api_headless_start(struct request *req)
{
    const cJSON *body = req->json;
    const char *integration_id = json_get_str(body, "integrationId");
    const cJSON *wanted = cJSON_GetObjectItemCaseSensitive(body, "workflowIds");
    /* versionIds pins a released version per workflowIds entry (same order). */
    const cJSON *pinned = cJSON_GetObjectItemCaseSensitive(body, "versionIds");
    bool pins_ok = !pinned || (cJSON_IsArray(wanted) &&
                               cJSON_GetArraySize(pinned) == cJSON_GetArraySize(wanted));
    if (!pins_ok) {
        reply_error(req, 400, "bad_request",
                    "versionIds must be an array of version numbers, one per workflowIds entry");
        return;
    }
    struct user u;
    if (!api_user_param(req, body, true, &u, NULL))
        return;
    struct store *s = req->app->store;
    cJSON *chosen_creds = NULL;
    if (!credential_choice(req, body, &u, &chosen_creds)) {
        store_user_clear(&u);
        return;
    }
    cJSON *wfs = NULL, *integ = api_load_integration(req, integration_id);
    if (!integ) {
        cJSON_Delete(chosen_creds);
        store_user_clear(&u);
        return;
    }
    int rc;
    store_workflows_of_integration(s, json_get_str(integ, "integrationId"), &wfs);
    cJSON *ids = cJSON_CreateArray(), *data = cJSON_CreateArray(), *versions = cJSON_CreateArray();
    const cJSON *wf;
    bool missing_version = false;
    cJSON_ArrayForEach(wf, wfs)
    {
        const char *wid = json_get_str(wf, "workflowId");
        bool chosen = !wanted;
        int version = 0, k = 0, found = 0;
        const cJSON *w;
        cJSON_ArrayForEach(w, wanted)
        {
            if (cJSON_IsString(w) && (strcmp(w->valuestring, wid) == 0 ||
                                      strcmp(w->valuestring, json_get_str(wf, "name")) == 0)) {
                chosen = true;
                version = pinned ? cJSON_GetArrayItem(pinned, k)->valueint : 0;
            }
            k++;
        }
        const struct workflow_def *def = chosen ? definitions_get(s, wid, version, &found) : NULL;
        if (chosen && version > 0 && !def) {
            reply_error(req, 404, "not_found", "workflow %s has no released version %d", wid,
                        version);
            missing_version = true;
            break;
        }
        if (!def)
            continue;
        cJSON_AddItemToArray(ids, cJSON_CreateString(wid));
        cJSON_AddItemToArray(versions, cJSON_CreateNumber(version));
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddStringToObject(entry, "workflowId", wid);
        cJSON_AddStringToObject(entry, "blockId", "config");
        cJSON_AddStringToObject(entry, "app", "configurableFields");
        cJSON_AddNumberToObject(entry, "version", found);
        cJSON_AddItemToObject(entry, "fields", fields_form(def));
        cJSON_AddItemToArray(data, entry);
    }
    cJSON_Delete(wfs);
    if (missing_version) {
        /* answered above */
    } else if (cJSON_GetArraySize(ids) == 0) {
        reply_error(req, 404, "not_found",
                    wanted ? "none of workflowIds is a released workflow of this integration"
                           : "the integration has no released workflows");
    } else {
        char id[ID_LEN + 1];
        id_new(id);
        rc = store_install_session_insert(s, req->who.env.id, id, u.id,
                                          json_get_str(integ, "integrationId"), ids, versions,
                                          chosen_creds);
        if (rc != STORE_OK) {
            reply_store_error(req, rc, "installation");
        } else {
            cJSON *out = cJSON_CreateObject();
            cJSON_AddStringToObject(out, "installationId", id);
            cJSON_AddItemToObject(out, "data", data);
            data = NULL;
            reply_json(req, 200, out);
        }
    }
    cJSON_Delete(data);
    cJSON_Delete(ids);
    cJSON_Delete(versions);
    cJSON_Delete(chosen_creds);
    cJSON_Delete(integ);
    store_user_clear(&u);
}

/* The submitted values for one workflow as a config object (the entries' shape checked by the
 * route's schema). */
static cJSON *config_of(const cJSON *data, const char *workflow_id)
{
    cJSON *config = cJSON_CreateObject();
    const cJSON *entry;
    cJSON_ArrayForEach(entry, data)
    {
        const char *wid = json_get_str(entry, "workflowId");
        if (!wid || strcmp(wid, workflow_id) != 0)
            continue;
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(entry, "fields"))
        {
            const char *name = json_get_str(f, "name");
            const cJSON *value = cJSON_GetObjectItem(f, "value");
            cJSON_DeleteItemFromObjectCaseSensitive(config, name);
            cJSON_AddItemToObject(config, name, cJSON_Duplicate(value, true));
        }
    }
    return config;
}

/* The database blocks of def (workflow_id's released version) against the live schema through the
 * credentials the installation will use; each problem appended to errors, each database not
 * checked to warnings, with workflowId. */
static void schema_check(struct request *req, const struct install_session *session,
                         const char *workflow_id, const struct workflow_def *def, cJSON *errors,
                         cJSON *warnings)
{
    const char *user_id = session->user_id;
    cJSON *found = cJSON_CreateArray(), *noted = cJSON_CreateArray(), *e;
    struct installation inst;
    bool installed =
        store_installation_find(req->app->store, workflow_id, user_id, &inst) == STORE_OK;
    const cJSON *creds = session->credential_ids;
    req->app->check_installation(req->app, req->who.env.id, user_id, installed ? inst.id : NULL,
                                 cJSON_IsObject(creds) ? creds : NULL, def, found, noted);
    cJSON *lists[][2] = {{found, errors}, {noted, warnings}};
    for (size_t k = 0; k < 2; k++) {
        while ((e = cJSON_DetachItemFromArray(lists[k][0], 0)) != NULL) {
            cJSON_AddStringToObject(e, "workflowId", workflow_id);
            cJSON_AddItemToArray(lists[k][1], e);
        }
        cJSON_Delete(lists[k][0]);
    }
    store_installation_clear(&inst);
}

void api_headless_complete(struct request *req)
{
    const char *session_id = json_get_str(req->json, "installationId");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(req->json, "data");
    struct store *s = req->app->store;
    struct install_session session;
    int rc = store_install_session_find(s, req->who.env.id, session_id, &session);
    if (rc != STORE_OK ||
        (req->who.kind == IDENTITY_USER_TOKEN && strcmp(session.user_id, req->who.user_id) != 0)) {
        store_install_session_clear(&session);
        reply_error(req, 404, "not_found", "no installation session %s", session_id);
        return;
    }
    if (!api_integration_allowed(req, session.integration_id)) {
        store_install_session_clear(&session);
        return;
    }
    if (strcmp(session.state, "started") != 0) {
        store_install_session_clear(&session);
        reply_error(req, 409, "conflict", "installation %s is already complete", session_id);
        return;
    }
    const char *user_id = session.user_id;
    const char *integration_id = session.integration_id;
    const cJSON *ids = session.workflow_ids, *w;

    /* Validate every workflow's values first: nothing is written unless all are valid. */
    int n = cJSON_GetArraySize(ids);
    cJSON **configs = calloc((size_t)n + 1, sizeof *configs);
    const struct workflow_def **defs = calloc((size_t)n + 1, sizeof *defs);
    int *versions = calloc((size_t)n + 1, sizeof *versions);
    cJSON *errors = cJSON_CreateArray();
    int i = 0;
    cJSON_ArrayForEach(w, ids)
    {
        const cJSON *pin = cJSON_GetArrayItem(session.versions, i);
        defs[i] = definitions_get(s, w->valuestring, cJSON_IsNumber(pin) ? pin->valueint : 0,
                                  &versions[i]);
        configs[i] = config_of(data, w->valuestring);
        struct workflow_errors errs = {0};
        if (!defs[i]) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "workflowId", w->valuestring);
            cJSON_AddStringToObject(e, "path", "");
            cJSON_AddStringToObject(e, "message", "the workflow has no released version");
            cJSON_AddItemToArray(errors, e);
        } else if (!workflow_config_validate(defs[i], configs[i], &errs)) {
            cJSON *list = workflow_errors_json(&errs), *e;
            cJSON_ArrayForEach(e, list) cJSON_AddStringToObject(e, "workflowId", w->valuestring);
            while (cJSON_GetArraySize(list) > 0)
                cJSON_AddItemToArray(errors, cJSON_DetachItemFromArray(list, 0));
            cJSON_Delete(list);
        }
        workflow_errors_free(&errs);
        i++;
    }
    /* Valid values: the database blocks' table and column names against the live schema. */
    cJSON *warnings = cJSON_CreateArray();
    if (cJSON_GetArraySize(errors) == 0 && req->app->check_installation) {
        i = 0;
        cJSON_ArrayForEach(w, ids)
        {
            schema_check(req, &session, w->valuestring, defs[i++], errors, warnings);
        }
    }
    if (cJSON_GetArraySize(errors) > 0) {
        api_reply_invalid(req, "some field values are invalid", errors);
        errors = NULL;
    } else {
        cJSON *created = cJSON_CreateArray(), *child_ids = cJSON_CreateArray();
        rc = store_begin(s);
        i = 0;
        bool any_on_install = false;
        cJSON_ArrayForEach(w, ids)
        {
            char child[ID_LEN + 1];
            /* Secret field values (password, writeOnly) reach the store sealed only. */
            if (rc == STORE_OK && sealed_config_seal(&req->app->master, defs[i], configs[i]) != 0)
                rc = STORE_ERROR;
            if (rc == STORE_OK)
                rc = store_installation_upsert(
                    s, req->who.env.id, w->valuestring, user_id, integration_id, versions[i],
                    configs[i], defs[i]->trigger.type_name, defs[i]->trigger.event, child);
            const cJSON *creds = session.credential_ids;
            if (rc == STORE_OK && cJSON_IsObject(creds))
                rc = store_installation_set_credentials(s, child, creds);
            if (rc == STORE_OK && defs[i]->trigger.type == WF_TRIGGER_ON_INSTALLATION) {
                char event_id[ID_LEN + 1];
                struct execution_ids execs = {0};
                rc = store_enqueue(s, req->who.env.id, user_id, "installation", "onInstallation",
                                   NULL, w->valuestring, "{}", event_id, &execs);
                store_execution_ids_free(&execs);
                any_on_install = true;
            }
            if (rc == STORE_OK) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "workflowId", w->valuestring);
                cJSON_AddStringToObject(o, "childWorkflowId", child);
                cJSON_AddNumberToObject(o, "version", versions[i]);
                cJSON_AddItemToArray(created, o);
                cJSON_AddItemToArray(child_ids, cJSON_CreateString(w->valuestring));
            }
            i++;
        }
        /* Installing again (Edit) may have fixed what a failed subscription lacked: retry now. */
        if (rc == STORE_OK)
            rc = store_subscriptions_retry_now(s, req->who.env.id, user_id, NULL);
        if (rc == STORE_OK)
            rc = store_install_session_complete(s, session_id);
        if (rc == STORE_OK && req->who.install_link) /* a hosted link installs once */
            rc = store_token_use(s, req->who.jti, req->who.token_exp);
        if (rc == STORE_OK)
            rc = store_commit(s);
        if (rc != STORE_OK) {
            store_rollback(s);
            cJSON_Delete(created);
            cJSON_Delete(child_ids);
            reply_store_error(req, rc, "installation");
        } else {
            cJSON_ArrayForEach(w, ids) engine_notify_installation(req->app->engine, req->who.env.id,
                                                                  user_id, w->valuestring);
            if (any_on_install)
                engine_wake(req->app->engine);
            cJSON *out = cJSON_CreateObject();
            cJSON_AddStringToObject(out, "message", "Installation completed");
            cJSON_AddItemToObject(out, "workflowIds", child_ids);
            cJSON_AddItemToObject(out, "installations", created);
            if (cJSON_GetArraySize(warnings) > 0) {
                cJSON_AddItemToObject(out, "warnings", warnings);
                warnings = NULL;
            }
            reply_json(req, 200, out);
        }
    }
    for (int k = 0; k < n; k++)
        cJSON_Delete(configs[k]);
    free(configs);
    free(defs);
    free(versions);
    cJSON_Delete(errors);
    cJSON_Delete(warnings);
    store_install_session_clear(&session);
}

/* The subscription of an app-triggered installation row, for its entry: {workflowId, app, event,
 * status (pending, active, error), error, lastAttemptAt, nextAttemptAt}. */
static cJSON *subscription_view(const struct installation *r, const cJSON *subs,
                                const struct workflow_def *def)
{
    const cJSON *sub = NULL, *x;
    cJSON_ArrayForEach(x, subs)
    {
        if (strcmp(json_get_str(x, "workflowId"), r->workflow_id) == 0 &&
            strcmp(json_get_str(x, "userId"), r->user_id) == 0)
            sub = x;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "workflowId", r->workflow_id);
    const char *app = sub ? json_get_str(sub, "app") : def ? def->trigger.app : NULL;
    const char *event = sub ? json_get_str(sub, "trigger") : def ? def->trigger.app_trigger : NULL;
    cJSON_AddStringToObject(o, "app", app ? app : "");
    cJSON_AddStringToObject(o, "event", event ? event : "");
    cJSON_AddStringToObject(o, "status", sub ? json_get_str(sub, "state") : "pending");
    const char *error = sub ? json_get_str(sub, "error") : NULL;
    cJSON_AddItemToObject(o, "error", error ? cJSON_CreateString(error) : cJSON_CreateNull());
    const cJSON *last = cJSON_GetObjectItem(sub, "lastAttemptAt");
    cJSON_AddItemToObject(o, "lastAttemptAt",
                          cJSON_IsNumber(last) ? api_time_json((int64_t)last->valuedouble)
                                               : cJSON_CreateNull());
    api_add_time(o, "nextAttemptAt", sub, "retryAt");
    return o;
}

/* {app, credentialId, name, status} of the credential an entry uses for app: the one chosen at
 * installation ("connected", "invalid" after a refused refresh, "deleted" when it is gone), else
 * the user's newest ("missing" when there is none). */
static cJSON *credential_view(struct request *req, const char *user_id, const char *app,
                              const cJSON *chosen_ids)
{
    struct store *s = req->app->store;
    const char *chosen = json_get_str(chosen_ids, app);
    cJSON *row = NULL;
    int rc = chosen ? store_credential_find(s, req->who.env.id, user_id, chosen, &row)
                    : store_credential_latest(s, req->who.env.id, user_id, app, NULL, &row);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "app", app);
    const char *id = row ? json_get_str(row, "credentialId") : chosen;
    cJSON_AddItemToObject(o, "credentialId", id ? cJSON_CreateString(id) : cJSON_CreateNull());
    if (row)
        cJSON_AddStringToObject(o, "name", json_get_str(row, "name"));
    const char *status = row ? (json_get_str(row, "error") ? "invalid" : "connected")
                         : rc == STORE_NOT_FOUND ? "deleted"
                                                 : "missing";
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddBoolToObject(o, "chosen", chosen != NULL);
    cJSON_Delete(row);
    return o;
}

/* The credentials of an entry: its integration's app and every app it chose one for. */
static void add_credentials(struct request *req, cJSON *entry, const cJSON *integrations)
{
    const cJSON *chosen = cJSON_GetObjectItem(entry, "credentialIds"), *i, *c;
    const char *user = json_get_str(entry, "userId");
    const char *app = NULL;
    cJSON_ArrayForEach(i, integrations)
    {
        if (strcmp(json_get_str(i, "integrationId"), json_get_str(entry, "integrationId")) == 0)
            app = json_get_str(i, "app");
    }
    cJSON *list = cJSON_AddArrayToObject(entry, "credentials");
    const struct connector *conn = app ? connectors_find(req->app->connectors, app) : NULL;
    if (conn && conn->auth != AUTH_NONE && !json_get_str(chosen, conn->app))
        cJSON_AddItemToArray(list, credential_view(req, user, conn->app, chosen));
    cJSON_ArrayForEach(c, chosen)
        cJSON_AddItemToArray(list, credential_view(req, user, c->string, chosen));
}

void api_installations_list(struct request *req)
{
    cJSON *subs = NULL, *integrations = NULL;
    struct installation_list rows;
    int rc = store_installations_of_env(req->app->store, req->who.env.id, &rows);
    if (rc == STORE_OK)
        rc = store_subscriptions_of_env(req->app->store, req->who.env.id, &subs);
    if (rc == STORE_OK)
        rc = store_integrations(req->app->store, req->who.env.id, &integrations);
    if (rc != STORE_OK) {
        store_installation_list_free(&rows);
        cJSON_Delete(subs);
        reply_store_error(req, rc, "installation");
        return;
    }
    /* One entry per user and integration, as the reference groups them. */
    cJSON *data = cJSON_CreateArray(), *cur = NULL;
    for (size_t k = 0; k < rows.n; k++) {
        const struct installation *r = &rows.items[k];
        const char *user = r->user_id, *integ = r->integration_id;
        if (req->who.kind == IDENTITY_USER_TOKEN && strcmp(user, req->who.user_id) != 0)
            continue;
        if (req->who.install_link && strcmp(integ, req->who.integration_id) != 0)
            continue;
        if (!cur || strcmp(json_get_str(cur, "userId"), user) != 0 ||
            strcmp(json_get_str(cur, "integrationId"), integ) != 0) {
            cur = cJSON_CreateObject();
            cJSON_AddStringToObject(cur, "installationId", r->id);
            cJSON_AddStringToObject(cur, "integrationId", integ);
            cJSON_AddStringToObject(cur, "userId", user);
            cJSON_AddArrayToObject(cur, "workflowIds");
            cJSON_AddArrayToObject(cur, "formData");
            cJSON_AddItemToObject(cur, "installedAt", api_time_json(r->installed_at));
            cJSON_AddFalseToObject(cur, "enabled");
            const cJSON *creds = r->credential_ids;
            cJSON_AddItemToObject(cur, "credentialIds",
                                  creds ? cJSON_Duplicate(creds, true) : cJSON_CreateObject());
            cJSON_AddArrayToObject(cur, "subscriptions");
            cJSON_AddItemToArray(data, cur);
        }
        cJSON_AddItemToArray(cJSON_GetObjectItem(cur, "workflowIds"),
                             cJSON_CreateString(r->workflow_id));
        cJSON *fd = cJSON_CreateObject();
        cJSON_AddStringToObject(fd, "workflowId", r->workflow_id);
        cJSON_AddStringToObject(fd, "app", "configurableFields");
        cJSON_AddStringToObject(fd, "blockId", "config");
        /* Secret field values are never answered, not even sealed. */
        cJSON *values = cJSON_Duplicate(r->config, true);
        const struct workflow_def *def =
            definitions_get(req->app->store, r->workflow_id, r->version, NULL);
        sealed_config_hide(def, values);
        cJSON_AddItemToObject(fd, "values", values);
        /* Alloy's fields[]: the form of the installed version, as startInstallation gives it. */
        cJSON_AddItemToObject(fd, "fields", def ? fields_form(def) : cJSON_CreateArray());
        cJSON_AddItemToArray(cJSON_GetObjectItem(cur, "formData"), fd);
        bool active = r->active;
        if (active)
            cJSON_ReplaceItemInObject(cur, "enabled", cJSON_CreateTrue());
        const char *trigger = r->trigger_type;
        if (active && trigger && strcmp(trigger, "app") == 0)
            cJSON_AddItemToArray(cJSON_GetObjectItem(cur, "subscriptions"),
                                 subscription_view(r, subs, def));
    }
    store_installation_list_free(&rows);
    cJSON_Delete(subs);
    cJSON_ArrayForEach(cur, data) add_credentials(req, cur, integrations);
    cJSON_Delete(integrations);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_users_deactivate_workflows(struct request *req)
{
    struct user u;
    if (!api_load_user(req, req->params[0], &u))
        return;
    int rc = store_installations_deactivate_user(req->app->store, u.id);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "installation");
    } else {
        engine_notify_installation(req->app->engine, req->who.env.id, u.id, NULL);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "message", "Success");
        reply_json(req, 200, out);
    }
    store_user_clear(&u);
}

/* Hosted install links live a week (the reference's "links expire after 7 days"). */
#define INSTALL_LINK_TTL (7 * 86400)

void api_users_install_url(struct request *req)
{
    struct user u;
    if (!api_load_user(req, req->params[0], &u))
        return;
    cJSON *integ = api_load_integration(req, req->params[1]);
    if (!integ) {
        store_user_clear(&u);
        return;
    }
    const char *integration_id = json_get_str(integ, "integrationId");
    char *token = api_mint_token(req, &u, INSTALL_LINK_TTL, "install", integration_id);
    if (!token) {
        reply_error(req, 500, "internal", "could not sign the link (request %s)", req->request_id);
    } else {
        struct buf url = {0};
        buf_printf(&url, "%s/embedded-install?integrationId=%s&token=%s", req->app->cfg.public_url,
                   integration_id, token);
        char *text = buf_take(&url);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "url", text ? text : "");
        free(text);
        reply_json(req, 200, out);
    }
    free(token);
    cJSON_Delete(integ);
    store_user_clear(&u);
}
