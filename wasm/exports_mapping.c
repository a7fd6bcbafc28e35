/*
 * WASM exports of the JSONata engine. JavaScript passes UTF-8 strings and receives a JSON text
 * it must release with solder_free: {"result":…}, {"undefined":true} or
 * {"error":{"code","message","position"}} — the same text mapping_eval_json gives natively.
 */
#include <emscripten.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "mapping/mapping.h"

/* input_json and bindings_json may be NULL (0 from JavaScript). time_ms and max_depth 0 mean the
 * engine's defaults. */
EMSCRIPTEN_KEEPALIVE
char *solder_mapping_eval(const char *expr, const char *input_json, const char *bindings_json,
                          double time_ms, int max_depth)
{
    struct mapping_limits lim = {0};
    lim.time_ms = (int64_t)time_ms;
    lim.max_depth = max_depth;
    return mapping_eval_json(expr, input_json, bindings_json, &lim);
}

EMSCRIPTEN_KEEPALIVE
void solder_mapping_free(char *p)
{
    free(p);
}

/*
 * For benchmarks: compiles expr once, parses input_json once, then evaluates `iterations` times,
 * discarding results — the loop tests/bench/bench_jsonata.c runs natively, so the two builds are
 * timed on the same code. Returns 0, or -1 when the expression or input is invalid or an
 * evaluation fails.
 */
EMSCRIPTEN_KEEPALIVE
int solder_mapping_repeat(const char *expr, const char *input_json, int iterations)
{
    struct mapping_error err;
    struct mapping_expr *e = mapping_compile(expr, strlen(expr), &err);
    cJSON *input =
        input_json ? json_parse(input_json, strlen(input_json), JSON_MAX_DEPTH, NULL) : NULL;
    int rc = e && (input || !input_json) ? 0 : -1;
    for (int i = 0; i < iterations && rc == 0; i++) {
        cJSON *out = NULL;
        rc = mapping_evaluate(e, input, NULL, NULL, &out, &err) == 0 ? 0 : -1;
        cJSON_Delete(out);
    }
    cJSON_Delete(input);
    mapping_free(e);
    return rc;
}
