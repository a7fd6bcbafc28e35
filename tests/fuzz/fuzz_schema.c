/*
 * libFuzzer target for schema compile + validate. Input: a schema's JSON text, optionally followed
 * by a NUL byte and an instance's JSON text (without one, the schema validates itself). An odd
 * first byte turns format assertion on. The target also runs the sample-schema conversion and the
 * form model over the schema document. Any crash, leak, sanitizer report or hang is a bug, and so
 * is a validation whose error list disagrees with its yes/no answer; deep or endlessly recursive
 * schemas must end with an error.
 */
#include "json/json.h"
#include "schema/schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const uint8_t *nul = memchr(data, 0, size);
    size_t schema_len = nul ? (size_t)(nul - data) : size;
    cJSON *schema = json_parse(text, schema_len, JSON_MAX_DEPTH, NULL);
    if (!schema)
        return 0;
    cJSON *instance =
        nul ? json_parse((const char *)nul + 1, size - schema_len - 1, JSON_MAX_DEPTH, NULL) : NULL;
    struct schema_options opts = {.format_assertion = size > 0 && (data[0] & 1)};
    char *err = NULL;
    schema_t *s = schema_compile(schema, &opts, &err);
    if (s) {
        struct schema_result r;
        const cJSON *target = instance ? instance : schema;
        bool full = schema_validate(s, target, &r);
        cJSON *json = schema_result_to_json(&r);
        cJSON_Delete(json);
        bool consistent = full == (r.count == 0) && full == schema_validate(s, target, NULL);
        schema_result_free(&r);
        schema_free(s);
        if (!consistent)
            abort(); /* the error list and the yes/no answer must agree */
    }
    free(err);
    if (schema_is_sample(schema)) {
        cJSON *converted = schema_from_sample(schema, &err);
        cJSON_Delete(converted);
        free(err);
    }
    cJSON *fields = schema_form_fields(schema, &err);
    cJSON_Delete(fields);
    free(err);
    cJSON_Delete(instance);
    cJSON_Delete(schema);
    return 0;
}
