/*
 * The form model of an object schema: the fields the installation modal renders for credentials
 * and configurable fields. Reads the schema JSON directly (no compilation): only "properties",
 * "required" and each property's annotations matter, after following one local "$ref".
 * Does not flatten allOf/anyOf or nested objects: a nested object is one field of type "object".
 */
#include "schema/schema.h"

#include <stdlib.h>
#include <string.h>

/* Follows a local "$ref" ("#/$defs/x" or "#/definitions/x") once; otherwise returns prop. */
static const cJSON *follow_local_ref(const cJSON *root, const cJSON *prop)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(prop, "$ref");
    if (!cJSON_IsString(ref))
        return prop;
    const char *r = ref->valuestring;
    const char *prefixes[] = {"#/$defs/", "#/definitions/"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(r, prefixes[i], n) != 0 || strchr(r + n, '/'))
            continue;
        const cJSON *defs =
            cJSON_GetObjectItemCaseSensitive(root, i == 0 ? "$defs" : "definitions");
        const cJSON *target = cJSON_GetObjectItemCaseSensitive(defs, r + n);
        if (cJSON_IsObject(target))
            return target;
    }
    return prop;
}

/* The field's JSON type: "type" (first non-null of a list), else guessed from const/enum. */
static const char *field_type(const cJSON *p)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "type");
    if (cJSON_IsString(t))
        return t->valuestring;
    if (cJSON_IsArray(t)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, t)
        {
            if (cJSON_IsString(e) && strcmp(e->valuestring, "null") != 0)
                return e->valuestring;
        }
    }
    const cJSON *sample = cJSON_GetObjectItemCaseSensitive(p, "const");
    if (!sample) {
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(p, "enum");
        sample = cJSON_IsArray(en) ? en->child : NULL;
    }
    if (cJSON_IsString(sample))
        return "string";
    if (cJSON_IsBool(sample))
        return "boolean";
    if (cJSON_IsNumber(sample))
        return "number";
    return "string";
}

/* Options of a choice field: "enum", or the "const" of each oneOf/anyOf branch (with titles). */
static cJSON *field_options(const cJSON *p)
{
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(p, "enum");
    if (cJSON_IsArray(en)) {
        cJSON *opts = cJSON_CreateArray();
        const cJSON *e;
        cJSON_ArrayForEach(e, en)
        {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "value", cJSON_Duplicate(e, true));
            cJSON_AddItemToArray(opts, o);
        }
        return opts;
    }
    const char *kws[] = {"oneOf", "anyOf"};
    for (int k = 0; k < 2; k++) {
        const cJSON *branches = cJSON_GetObjectItemCaseSensitive(p, kws[k]);
        if (!cJSON_IsArray(branches))
            continue;
        cJSON *opts = cJSON_CreateArray();
        const cJSON *b;
        bool all_const = true;
        cJSON_ArrayForEach(b, branches)
        {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(b, "const");
            if (!c) {
                all_const = false;
                break;
            }
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "value", cJSON_Duplicate(c, true));
            const cJSON *title = cJSON_GetObjectItemCaseSensitive(b, "title");
            if (cJSON_IsString(title))
                cJSON_AddStringToObject(o, "label", title->valuestring);
            cJSON_AddItemToArray(opts, o);
        }
        if (all_const)
            return opts;
        cJSON_Delete(opts);
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "const");
    if (c) {
        cJSON *opts = cJSON_CreateArray();
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "value", cJSON_Duplicate(c, true));
        cJSON_AddItemToArray(opts, o);
        return opts;
    }
    return NULL;
}

static bool is_required(const cJSON *schema, const char *name)
{
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    const cJSON *e;
    cJSON_ArrayForEach(e, req)
    {
        if (cJSON_IsString(e) && strcmp(e->valuestring, name) == 0)
            return true;
    }
    return false;
}

static void add_string_if(cJSON *field, const char *key, const cJSON *p, const char *from)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, from);
    if (cJSON_IsString(v))
        cJSON_AddStringToObject(field, key, v->valuestring);
}

cJSON *schema_form_fields(const cJSON *schema, char **err)
{
    if (err)
        *err = NULL;
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    if (!cJSON_IsObject(schema) || !cJSON_IsObject(props)) {
        if (err)
            *err = strdup("a form needs an object schema with \"properties\"");
        return NULL;
    }
    cJSON *fields = cJSON_CreateArray();
    const cJSON *raw;
    cJSON_ArrayForEach(raw, props)
    {
        const cJSON *p = follow_local_ref(schema, raw);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", raw->string);
        const cJSON *title = cJSON_GetObjectItemCaseSensitive(raw, "title");
        if (!cJSON_IsString(title))
            title = cJSON_GetObjectItemCaseSensitive(p, "title");
        cJSON_AddStringToObject(f, "title",
                                cJSON_IsString(title) ? title->valuestring : raw->string);
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(raw, "description");
        add_string_if(f, "description", cJSON_IsString(desc) ? raw : p, "description");
        cJSON_AddStringToObject(f, "type", field_type(p));
        cJSON_AddBoolToObject(f, "required", is_required(schema, raw->string));
        cJSON *opts = field_options(p);
        if (opts)
            cJSON_AddItemToObject(f, "options", opts);
        add_string_if(f, "format", p, "format");
        const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(p, "format");
        bool secret = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(raw, "writeOnly")) ||
                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "writeOnly")) ||
                      (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "password") == 0);
        cJSON_AddBoolToObject(f, "secret", secret);
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(raw, "default");
        if (!def)
            def = cJSON_GetObjectItemCaseSensitive(p, "default");
        if (def)
            cJSON_AddItemToObject(f, "default", cJSON_Duplicate(def, true));
        cJSON_AddItemToArray(fields, f);
    }
    return fields;
}
