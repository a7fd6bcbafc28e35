/*
 * WASM exports of the JSONata engine. JavaScript passes UTF-8 strings and receives a JSON text
 * it must release with solder_free: {"result":…}, {"undefined":true} or
 * {"error":{"code","message","position"}} — the same text mapping_eval_json gives natively.
 */
#include <emscripten.h>
#include <stdint.h>
#include <stdlib.h>

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
