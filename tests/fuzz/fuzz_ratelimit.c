/*
 * libFuzzer target for the --rate-limit parser (native/http/ratelimit_spec.c). Input: the option's
 * text. An accepted spec leaves every kind either unlimited (rate 0) or with a rate from 0 to
 * 1000000 and a whole burst from 1 to 10000000; a refused one says why; parsing the same text
 * again gives the same limits. Anything else, or any sanitizer report, is a bug.
 */
#include "http/ratelimit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    struct rate_limits a = RATE_LIMITS_DEFAULT, b = RATE_LIMITS_DEFAULT;
    char err[400] = "";
    bool ok = ratelimit_parse(spec, &a, err, sizeof err);
    if (!ok && !err[0])
        abort();
    if (ok) {
        for (int k = 0; k < RATE_KINDS; k++) {
            const struct rate_bucket *r = &a.kind[k];
            bool off = r->rate == 0 && r->burst == 0;
            bool bounded = isfinite(r->rate) && r->rate >= 0 && r->rate <= 1e6 && r->burst >= 1 &&
                           r->burst <= 1e7 && r->burst == floor(r->burst);
            if (!off && !bounded)
                abort();
        }
        if (!ratelimit_parse(spec, &b, err, sizeof err) || memcmp(&a, &b, sizeof a) != 0)
            abort();
    }
    free(spec);
    return 0;
}
