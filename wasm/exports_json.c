/* WASM export of shared/json's number printer: the WebAssembly build reads the same number cases
 * as the native one (tests/wasm/json.test.mjs, tests/cases/json/numbers.json). */
#include "json/json.h"

#include <emscripten.h>

/* n as JavaScript prints it, in a static buffer valid until the next call. */
EMSCRIPTEN_KEEPALIVE const char *solder_json_number_text(double n)
{
    static char out[JSON_NUMBER_MAX];
    json_number_text(out, n);
    return out;
}
