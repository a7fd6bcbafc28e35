/*
 * The one-call, text-in text-out form of compile + validate, shared by the WASM export, the
 * conformance runners and the CLI so that every build answers the same way.
 */
#include "schema/schema.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Documents given to schema_validate_json are untrusted: parse them with the usual depth bound. */
static cJSON *parse(const char *text, const char *what, cJSON *result)
{
    struct json_error e;
    cJSON *v = json_parse(text, strlen(text), JSON_MAX_DEPTH, &e);
    if (!v) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: %s at line %d, column %d", what, e.message, e.line,
                 e.column);
        cJSON_AddStringToObject(result, "jsonError", msg);
    }
    return v;
}

static struct schema_registry *registry_from(const cJSON *opts)
{
    const cJSON *reg = cJSON_GetObjectItemCaseSensitive(opts, "registry");
    if (!cJSON_IsObject(reg))
        return NULL;
    struct schema_registry *r = schema_registry_new();
    const cJSON *e;
    cJSON_ArrayForEach(e, reg)
    {
        if (r)
            schema_registry_add(r, e->string, e);
    }
    return r;
}

char *schema_validate_json(const char *schema, const char *instance, const char *options_json)
{
    cJSON *result = cJSON_CreateObject();
    if (!result)
        return NULL;
    cJSON *doc = NULL, *inst = NULL, *opts = NULL;
    struct schema_registry *reg = NULL;
    schema_t *s = NULL;
    if (options_json && *options_json && !(opts = parse(options_json, "options", result)))
        goto done;
    if (!(doc = parse(schema, "schema", result)) || !(inst = parse(instance, "instance", result)))
        goto done;
    reg = registry_from(opts);
    struct schema_options o = {
        .registry = reg,
        .format_assertion = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "formatAssertion")),
    };
    char *err = NULL;
    s = schema_compile(doc, &o, &err);
    if (!s) {
        cJSON_AddStringToObject(result, "schemaError", err ? err : "out of memory");
        free(err);
        goto done;
    }
    struct schema_result r;
    bool valid = schema_validate(s, inst, &r);
    cJSON_AddBoolToObject(result, "valid", valid);
    cJSON *errors = schema_result_to_json(&r);
    if (errors)
        cJSON_AddItemToObject(result, "errors", errors);
    schema_result_free(&r);
done:
    schema_free(s);
    schema_registry_free(reg);
    cJSON_Delete(doc);
    cJSON_Delete(inst);
    cJSON_Delete(opts);
    char *text = json_print(result);
    cJSON_Delete(result);
    return text;
}
