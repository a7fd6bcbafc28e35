/* WASM implementation of shared/plat.h: the JavaScript host's clock and crypto.getRandomValues. */
#include "plat.h"

#include <emscripten.h>

/* clang-format off: EM_JS bodies are JavaScript, which clang-format would rewrite. */
// clang-format off
EM_JS(double, plat_js_now, (void), { return Date.now(); });

EM_JS(int, plat_js_random, (void *buf, int n), {
    var c = globalThis.crypto ? globalThis.crypto : null;
    if (!c && typeof require == 'function') {
        try { c = require('crypto').webcrypto; } catch (e) { c = null; }
    }
    if (!c || !c.getRandomValues) return -1;
    c.getRandomValues(HEAPU8.subarray(buf, buf + n));
    return 0;
});
// clang-format on

int64_t plat_now_ms(void)
{
    return (int64_t)plat_js_now();
}

int plat_random(void *buf, size_t n)
{
    return plat_js_random(buf, (int)n);
}
