/*
 * libFuzzer target for the untrusted-text parsers in front of every request: compact JWTs
 * (token_parse, token_check, token_inspect_json), base64/base64url, and the depth-bounded JSON
 * parse. Any crash, leak, sanitizer report or hang is a bug.
 */
#include "json/json.h"
#include "token/token.h"
#include "util/base64.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct token t;
    char msg[160];
    if (token_parse(text, size, &t, msg, sizeof msg) == TOKEN_OK) {
        struct token_expect want = {"ES256", "solder-embedded", "http://127.0.0.1:8080", 1000, 5};
        token_check(&t, &want, msg, sizeof msg);
        token_free(&t);
    }
    free(token_inspect_json(text, NULL, NULL, NULL, 1000, 0));

    size_t n;
    free(base64_decode(text, size, true, &n));
    unsigned char *raw = base64_decode(text, size, false, &n);
    if (raw) {
        char *again = base64_encode(raw, n, false);
        free(again);
        free(raw);
    }

    struct json_error err;
    cJSON *v = json_parse(text, size, JSON_MAX_DEPTH, &err);
    cJSON_Delete(v);
    free(text);
    return 0;
}
