/*
 * What the API and the builder learn about a parsed definition: the block summary, the declared
 * fields, whether two versions' fields allow an upgrade, whether an installation's field values
 * fit, and the JSON-in/JSON-out validation the WASM build exports. Nothing here runs a workflow.
 */
#include "workflow/internal.h"

#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_summary(cJSON *arr, const char *name, const char *id, const char *type,
                        const char *icon)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "name", name ? name : "");
    cJSON_AddStringToObject(o, "id", id ? id : "");
    cJSON_AddStringToObject(o, "type", type ? type : "");
    if (icon)
        cJSON_AddStringToObject(o, "icon", icon);
}

static void summarise(cJSON *arr, const struct wf_sequence *s)
{
    for (int i = 0; i < s->count; i++) {
        const struct wf_block *b = &s->blocks[i];
        const struct wf_block_kind *kind = wf_block_kind_of(b->type);
        const char *type = b->type == WF_BLOCK_APP_ACTION ? b->app : b->type_name;
        add_summary(arr, b->name, b->id, type, b->icon ? b->icon : kind->icon);
        summarise(arr, &b->then_blocks);
        summarise(arr, &b->else_blocks);
        summarise(arr, &b->body);
        for (int a = 0; a < b->narms; a++)
            summarise(arr, &b->arms[a].blocks);
    }
}

cJSON *workflow_blocks_summary(const struct workflow_def *def)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr || !def)
        return arr;
    const struct wf_trigger *t = &def->trigger;
    const struct wf_trigger_kind *kind = wf_trigger_kind_of(t->type);
    if (t->type == WF_TRIGGER_APP)
        add_summary(arr, t->name ? t->name : t->app, t->id, t->app, kind->icon);
    else
        add_summary(arr, t->name ? t->name : kind->default_name, t->id, kind->type_name,
                    kind->icon);
    summarise(arr, &def->blocks);
    return arr;
}

static cJSON *field_json(const struct wf_field *f)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "name", f->name);
    cJSON_AddStringToObject(o, "title", f->title ? f->title : f->name);
    if (f->description)
        cJSON_AddStringToObject(o, "description", f->description);
    cJSON_AddBoolToObject(o, "required", f->required);
    cJSON_AddItemToObject(o, "schema", cJSON_Duplicate(f->schema, true));
    return o;
}

cJSON *workflow_fields_json(const struct workflow_def *def)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && def && i < def->nfields; i++)
        cJSON_AddItemToArray(arr, field_json(&def->fields[i]));
    return arr;
}

static const struct wf_field *find_field(const struct workflow_def *def, const char *name)
{
    for (int i = 0; i < def->nfields; i++)
        if (strcmp(def->fields[i].name, name) == 0)
            return &def->fields[i];
    return NULL;
}

bool workflow_fields_compatible(const struct workflow_def *from, const struct workflow_def *to,
                                char *reason, size_t n)
{
    char dummy[1];
    if (!reason || !n) {
        reason = dummy;
        n = sizeof dummy;
    }
    reason[0] = 0;
    for (int i = 0; i < to->nfields; i++) {
        const struct wf_field *t = &to->fields[i], *f = find_field(from, t->name);
        if (!f) {
            snprintf(reason, n, "configurable field '%s' was added", t->name);
            return false;
        }
        if (!json_equal(f->schema, t->schema)) {
            snprintf(reason, n, "configurable field '%s' changed its schema", t->name);
            return false;
        }
        if (f->required != t->required) {
            snprintf(reason, n, "configurable field '%s' is %s required", t->name,
                     t->required ? "now" : "no longer");
            return false;
        }
    }
    for (int i = 0; i < from->nfields; i++) {
        if (!find_field(to, from->fields[i].name)) {
            snprintf(reason, n, "configurable field '%s' was removed", from->fields[i].name);
            return false;
        }
    }
    return true;
}

/* "/name" followed by the schema error's instance path. */
static void config_error(struct workflow_errors *errs, const char *name, const char *sub,
                         const char *msg)
{
    char path[512];
    snprintf(path, sizeof path, "/%s%s", name, sub ? sub : "");
    wf_error_add(errs, path, "%s", msg);
}

bool workflow_config_validate(const struct workflow_def *def, const cJSON *config,
                              struct workflow_errors *errs)
{
    bool ok = true;
    if (config && !cJSON_IsObject(config)) {
        wf_error_add(errs, "", "configurable field values must be an object");
        return false;
    }
    for (int i = 0; i < def->nfields; i++) {
        const struct wf_field *f = &def->fields[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(config, f->name);
        if (!v || cJSON_IsNull(v)) {
            if (f->required) {
                config_error(errs, f->name, NULL, "a value is required");
                ok = false;
            }
            continue;
        }
        struct schema_result r = {0};
        if (!schema_validate(f->compiled, v, &r)) {
            ok = false;
            for (size_t e = 0; e < r.count; e++)
                config_error(errs, f->name, r.errors[e].instance_path, r.errors[e].message);
            if (r.count == 0)
                config_error(errs, f->name, NULL, "invalid value");
        }
        schema_result_free(&r);
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, config)
    {
        if (!find_field(def, m->string)) {
            config_error(errs, m->string, NULL, "not a configurable field of this workflow");
            ok = false;
        }
    }
    return ok;
}

char *workflow_validate_json(const char *json)
{
    struct workflow_errors errs = {0};
    cJSON *out = cJSON_CreateObject();
    if (!out)
        return NULL;
    struct json_error jerr;
    cJSON *doc = json ? json_parse(json, strlen(json), JSON_MAX_DEPTH, &jerr) : NULL;
    struct workflow_def *def = NULL;
    if (!doc) {
        char msg[256];
        if (json)
            snprintf(msg, sizeof msg, "not valid JSON (line %d, column %d): %s", jerr.line,
                     jerr.column, jerr.message);
        else
            snprintf(msg, sizeof msg, "no definition given");
        wf_error_add(&errs, "", "%s", msg);
    } else {
        def = workflow_parse(doc, &errs);
    }
    cJSON_AddBoolToObject(out, "valid", def != NULL);
    if (def) {
        cJSON_AddItemToObject(out, "blocks", workflow_blocks_summary(def));
        cJSON_AddItemToObject(out, "fields", workflow_fields_json(def));
    } else {
        cJSON_AddItemToObject(out, "errors", workflow_errors_json(&errs));
    }
    char *text = json_print(out);
    cJSON_Delete(out);
    cJSON_Delete(doc);
    workflow_free(def);
    workflow_errors_free(&errs);
    return text;
}
