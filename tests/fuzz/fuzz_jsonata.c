/*
 * libFuzzer target for the JSONata engine: compile and evaluate arbitrary expressions against
 * arbitrary JSON. The input is the expression, optionally followed by a line "\n--\n" and the JSON
 * input document. Tight limits keep each run short; any crash, sanitizer report or leak is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    size_t exprlen = strlen(text); /* an embedded NUL ends the expression */
    char *sep = strstr(text, "\n--\n");
    const char *input_json = NULL;
    if (sep && (size_t)(sep - text) < exprlen) {
        *sep = 0;
        input_json = sep + 4;
    }
    struct mapping_limits lim = {
        .max_depth = 200, .max_steps = 200000, .time_ms = 2000, .max_memory = 64 << 20};
    char *out = mapping_eval_json(text, input_json, "{\"v\": [1, \"two\", {\"three\": 3}]}", &lim);
    free(out);
    free(text);
    return 0;
}
