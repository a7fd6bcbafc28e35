/*
 * WASM exports of shared/schema: the browser validates event payloads and form input, converts
 * sample schemas and builds form models with the same C the server runs. Every function takes
 * NUL-terminated UTF-8 and returns malloc'd JSON text that the caller frees with solder_free.
 */
#include "json/json.h"
#include "schema/schema.h"

#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

/* {"valid": bool, "errors": [...]} | {"schemaError": "..."} | {"jsonError": "..."}; options may be
 * NULL or {"formatAssertion": bool, "registry": {uri: schema}} (see schema_validate_json). */
EMSCRIPTEN_KEEPALIVE char *solder_schema_validate(const char *schema, const char *instance,
                                                  const char *options)
{
    return schema_validate_json(schema, instance, options);
}

static char *answer(cJSON *value, const char *key, const char *error)
{
    cJSON *out = cJSON_CreateObject();
    if (value)
        cJSON_AddItemToObject(out, key, value);
    else
        cJSON_AddStringToObject(out, "error", error ? error : "out of memory");
    char *text = json_print(out);
    cJSON_Delete(out);
    return text;
}

static cJSON *parse(const char *text)
{
    return json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
}

/* {"isSample": bool} | {"error": "..."} when the text is not JSON. */
EMSCRIPTEN_KEEPALIVE char *solder_schema_is_sample(const char *doc)
{
    cJSON *d = parse(doc);
    if (!d)
        return answer(NULL, NULL, "not JSON");
    bool yes = schema_is_sample(d);
    cJSON_Delete(d);
    return answer(cJSON_CreateBool(yes), "isSample", NULL);
}

/* {"schema": {...}} | {"error": "..."}. */
EMSCRIPTEN_KEEPALIVE char *solder_schema_from_sample(const char *sample)
{
    cJSON *d = parse(sample);
    if (!d)
        return answer(NULL, NULL, "not JSON");
    char *err = NULL;
    cJSON *schema = schema_from_sample(d, &err);
    cJSON_Delete(d);
    char *text = answer(schema, "schema", err);
    free(err);
    return text;
}

/* {"fields": [...]} | {"error": "..."}. */
EMSCRIPTEN_KEEPALIVE char *solder_schema_form(const char *schema)
{
    cJSON *d = parse(schema);
    if (!d)
        return answer(NULL, NULL, "not JSON");
    char *err = NULL;
    cJSON *fields = schema_form_fields(d, &err);
    cJSON_Delete(d);
    char *text = answer(fields, "fields", err);
    free(err);
    return text;
}
