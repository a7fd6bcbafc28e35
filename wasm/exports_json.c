/* WASM exports of shared/json's reader and writer, for the tests that run the same case files
 * natively and in WebAssembly (tests/wasm/json.test.mjs, tests/cases/json/). */
#include "json/json.h"

#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

/* n as JavaScript prints it, in a static buffer valid until the next call. */
EMSCRIPTEN_KEEPALIVE const char *solder_json_number_text(double n)
{
    static char out[JSON_NUMBER_MAX];
    json_number_text(out, n);
    return out;
}

/* text read by json_parse and written back by json_print, as JSON (malloc'd, free with
 * solder_free): {"result": TEXT} or {"error": MESSAGE, "line": N, "column": N}. */
EMSCRIPTEN_KEEPALIVE char *solder_json_reprint(const char *text)
{
    struct json_error err;
    cJSON *v = json_parse(text, strlen(text), JSON_MAX_DEPTH, &err);
    cJSON *out = cJSON_CreateObject();
    if (v) {
        char *printed = json_print(v);
        cJSON_AddStringToObject(out, "result", printed ? printed : "");
        free(printed);
    } else {
        cJSON_AddStringToObject(out, "error", err.message);
        cJSON_AddNumberToObject(out, "line", err.line);
        cJSON_AddNumberToObject(out, "column", err.column);
    }
    cJSON_Delete(v);
    char *answer = json_print(out);
    cJSON_Delete(out);
    return answer;
}
