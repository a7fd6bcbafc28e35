/* WASM exports of shared/token: the browser SDK reads a user token's claims through these. */
#include "token/token.h"

#include <emscripten.h>
#include <stdlib.h>

/* Returns malloc'd JSON (see token_inspect_json); the caller frees it with solder_free. */
EMSCRIPTEN_KEEPALIVE char *solder_token_inspect(const char *token, const char *alg,
                                                const char *audience, const char *issuer,
                                                double now, double leeway)
{
    return token_inspect_json(token, alg, audience, issuer, now, leeway);
}

EMSCRIPTEN_KEEPALIVE void solder_free(void *p)
{
    free(p);
}
