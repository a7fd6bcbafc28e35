/*
 * The catalog document (catalog_doc.h): export, the whole-document check, and an import that can
 * also only say what it would do. Not here: reading files and printing (cli/catalog.c), HTTP
 * (api/promote.c), transactions (the caller's).
 */
#include "api/catalog_doc.h"

#include "json/json.h"
#include "schema/schema.h"
#include "store/catalog.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JSON Schema of an event entry (sample style converted). NULL with a message on failure. */
static cJSON *event_schema(const cJSON *ev, char **err)
{
    const cJSON *schema = cJSON_GetObjectItem(ev, "schema"),
                *body = cJSON_GetObjectItem(ev, "body");
    if (schema)
        return cJSON_Duplicate(schema, true);
    if (cJSON_IsObject(body))
        return schema_is_sample(body) ? schema_from_sample(body, err) : cJSON_Duplicate(body, true);
    *err = strdup("needs body (sample schema) or schema (JSON Schema)");
    return NULL;
}

cJSON *catalog_doc_export(struct store *s, const char *env_id)
{
    struct custom_event_list events;
    struct integration_list integs;
    if (store_events(s, env_id, &events) != STORE_OK)
        return NULL;
    if (store_integrations(s, env_id, &integs) != STORE_OK) {
        store_custom_event_list_free(&events);
        return NULL;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *ev_out = cJSON_AddArrayToObject(doc, "events");
    for (size_t i = 0; i < events.n; i++) {
        const struct custom_event *r = &events.items[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", r->name);
        if (r->description)
            cJSON_AddStringToObject(e, "description", r->description);
        cJSON_AddItemToObject(e, "body", cJSON_Duplicate(r->body, true));
        cJSON_AddItemToArray(ev_out, e);
    }
    cJSON *in_out = cJSON_AddArrayToObject(doc, "integrations");
    for (size_t i = 0; i < integs.n; i++) {
        const struct integration *r = &integs.items[i];
        cJSON *o = cJSON_CreateObject();
        const char *keys[] = {"name", "app", "icon", "description"};
        const char *values[] = {r->name, r->app, r->icon, r->description};
        for (size_t k = 0; k < 4; k++)
            if (values[k])
                cJSON_AddStringToObject(o, keys[k], values[k]);
        cJSON *list = cJSON_AddArrayToObject(o, "workflows");
        struct workflow_list wfs;
        store_workflows_of_integration(s, r->id, &wfs);
        for (size_t k = 0; k < wfs.n; k++)
            cJSON_AddItemToArray(list, cJSON_Duplicate(wfs.items[k].draft, true));
        store_workflow_list_free(&wfs);
        cJSON_AddItemToArray(in_out, o);
    }
    store_custom_event_list_free(&events);
    store_integration_list_free(&integs);
    return doc;
}

static void problem(cJSON *list, const char *path, const char *message)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "path", path);
    cJSON_AddStringToObject(p, "message", message);
    cJSON_AddItemToArray(list, p);
}

cJSON *catalog_doc_problems(const cJSON *doc)
{
    cJSON *list = cJSON_CreateArray();
    if (!cJSON_IsObject(doc)) {
        problem(list, "", "the document must be a JSON object");
        return list;
    }
    char where[160];
    const cJSON *ev, *integ, *wf;
    int i = 0;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "events"))
    {
        snprintf(where, sizeof where, "/events/%d", i++);
        char *err = NULL;
        cJSON *schema = json_get_str(ev, "name") ? event_schema(ev, &err) : NULL;
        schema_t *compiled = schema ? schema_compile(schema, NULL, &err) : NULL;
        if (!json_get_str(ev, "name"))
            problem(list, where, "name is required");
        else if (!compiled)
            problem(list, where, err ? err : "invalid schema");
        schema_free(compiled);
        cJSON_Delete(schema);
        free(err);
    }
    i = 0;
    cJSON_ArrayForEach(integ, cJSON_GetObjectItem(doc, "integrations"))
    {
        snprintf(where, sizeof where, "/integrations/%d", i);
        if (!json_get_str(integ, "name"))
            problem(list, where, "name is required");
        int j = 0;
        cJSON_ArrayForEach(wf, cJSON_GetObjectItem(integ, "workflows"))
        {
            struct workflow_errors errs = {0};
            struct workflow_def *def = workflow_parse(wf, &errs);
            for (size_t k = 0; k < errs.count; k++) {
                char at[400];
                snprintf(at, sizeof at, "/integrations/%d/workflows/%d%s", i, j,
                         errs.items[k].path);
                problem(list, at, errs.items[k].message);
            }
            workflow_errors_free(&errs);
            workflow_free(def);
            j++;
        }
        i++;
    }
    return list;
}

/* One import run: where changes and log lines go. */
struct run {
    struct store *s;
    const char *env;
    bool release, dry_run;
    cJSON *changes;
    FILE *log;
    const char *released_by;
};

static void change(struct run *r, const char *kind, const char *name, const char *action,
                   const char *details)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "kind", kind);
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "action", action);
    if (details)
        cJSON_AddStringToObject(c, "details", details);
    cJSON_AddItemToArray(r->changes, c);
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int import_event(struct run *r, const cJSON *ev)
{
    char *err = NULL;
    cJSON *schema = event_schema(ev, &err);
    free(err);
    const cJSON *body = cJSON_GetObjectItem(ev, "body");
    const char *name = json_get_str(ev, "name"), *description = json_get_str(ev, "description");
    const cJSON *stored_body = body ? body : schema;
    struct custom_event old;
    int rc = store_event_find(r->s, r->env, name, &old);
    bool found = rc == STORE_OK;
    if (rc == STORE_NOT_FOUND)
        rc = STORE_OK;
    const char *action =
        !found                                                                         ? "create"
        : same_text(old.description, description) && json_equal(old.body, stored_body) ? "unchanged"
                                                                                       : "update";
    store_custom_event_clear(&old);
    if (rc == STORE_OK && !r->dry_run && strcmp(action, "unchanged") != 0)
        rc = store_event_upsert(r->s, r->env, name, description, stored_body, schema,
                                strcmp(action, "create") == 0);
    cJSON_Delete(schema);
    if (rc != STORE_OK)
        return rc;
    change(r, "event", name, action, NULL);
    if (r->log && !r->dry_run)
        fprintf(r->log, "event %s: %s\n", name, strcmp(action, "unchanged") ? "saved" : action);
    return STORE_OK;
}

static int import_workflow(struct run *r, const char *integration_id, const cJSON *wf)
{
    const char *name = json_get_str(wf, "name");
    struct workflow row;
    struct workflow_version latest = {0};
    int rc = store_workflow_find(r->s, r->env, name, &row);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return rc;
    bool found = rc == STORE_OK;
    rc = STORE_OK;
    char id[ID_LEN + 1] = "";
    if (found) {
        snprintf(id, sizeof id, "%s", row.id);
        store_workflow_version(r->s, id, 0, &latest);
    }
    bool draft_differs = !found || !json_equal(row.draft, wf);
    bool release = r->release && !(latest.version && json_equal(latest.definition, wf));
    int next = latest.version + 1;
    store_workflow_clear(&row);
    store_workflow_version_clear(&latest);
    const char *action = !id[0] ? "create" : draft_differs || release ? "update" : "unchanged";
    char details[64];
    snprintf(details, sizeof details, "released as version %d", next);
    change(r, "workflow", name, action, release ? details : NULL);
    if (r->dry_run)
        return STORE_OK;
    if (!id[0]) {
        id_new(id);
        rc = store_workflow_insert(r->s, r->env, id, integration_id, name, wf);
    } else if (draft_differs) {
        rc = store_workflow_update_draft(r->s, r->env, id, name, wf);
    }
    if (rc != STORE_OK)
        return rc;
    if (!release) {
        if (r->log)
            fprintf(r->log, "workflow %s: %s\n", name, r->release ? "unchanged" : "draft saved");
        return STORE_OK;
    }
    struct workflow_def *def = workflow_parse(wf, NULL);
    if (!def)
        return STORE_ERROR;
    cJSON *blocks = workflow_blocks_summary(def), *fields = workflow_fields_json(def);
    int version = 0;
    rc = store_workflow_release(r->s, r->env, id, wf, def->trigger.type_name, def->trigger.event,
                                blocks, fields, r->released_by, &version);
    if (rc == STORE_OK && r->log)
        fprintf(r->log, "workflow %s: released version %d (%s)\n", name, version, id);
    cJSON_Delete(blocks);
    cJSON_Delete(fields);
    workflow_free(def);
    return rc;
}

static int import_integration(struct run *r, const cJSON *integ)
{
    const char *name = json_get_str(integ, "name");
    static const char *const FIELDS[] = {"app", "icon", "description"};
    struct integration row;
    int rc = store_integration_find(r->s, r->env, name, &row);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return rc;
    bool found = rc == STORE_OK;
    rc = STORE_OK;
    char id[ID_LEN + 1] = "";
    bool differs = !found;
    if (found) {
        snprintf(id, sizeof id, "%s", row.id);
        const char *have[] = {row.app, row.icon, row.description};
        for (size_t k = 0; k < sizeof FIELDS / sizeof FIELDS[0]; k++) {
            const char *want = json_get_str(integ, FIELDS[k]);
            differs = differs || (want && !same_text(want, have[k]));
        }
    }
    store_integration_clear(&row);
    const char *action = !id[0] ? "create" : differs ? "update" : "unchanged";
    change(r, "integration", name, action, NULL);
    if (!r->dry_run && differs) {
        const char *app = json_get_str(integ, "app");
        if (!id[0]) {
            id_new(id);
            rc = store_integration_insert(r->s, r->env, id, name, app ? app : name,
                                          json_get_str(integ, "icon"),
                                          json_get_str(integ, "description"));
        } else {
            rc = store_integration_update(r->s, r->env, id, name, app, json_get_str(integ, "icon"),
                                          json_get_str(integ, "description"));
        }
        if (rc != STORE_OK)
            return rc;
    }
    if (r->log && !r->dry_run)
        fprintf(r->log, "integration %s: %s (%s)\n", name, differs ? "saved" : "unchanged", id);
    const cJSON *wf;
    cJSON_ArrayForEach(wf, cJSON_GetObjectItem(integ, "workflows"))
    {
        rc = import_workflow(r, id, wf);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

int catalog_doc_import(struct store *s, const char *env_id, const cJSON *doc, bool release,
                       bool dry_run, const char *released_by, cJSON **changes, FILE *log)
{
    struct run r = {s, env_id, release, dry_run, cJSON_CreateArray(), log, released_by};
    int rc = STORE_OK;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "events"))
    {
        if (rc == STORE_OK)
            rc = import_event(&r, item);
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "integrations"))
    {
        if (rc == STORE_OK)
            rc = import_integration(&r, item);
    }
    if (changes)
        *changes = r.changes;
    else
        cJSON_Delete(r.changes);
    return rc;
}
