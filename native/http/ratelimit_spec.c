/*
 * The --rate-limit option's text (see ratelimit.h): the default limits, the kinds' names and the
 * parser, apart from the buckets so that the parser has a fuzz target of its own
 * (tests/fuzz/fuzz_ratelimit.c). No I/O, no state.
 */
#include "http/ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct rate_limits RATE_LIMITS_DEFAULT = {{
    [RATE_KEY] = {1000, 2000},
    [RATE_USER] = {50, 100},
    [RATE_ADDRESS] = {50, 100},
    [RATE_EVENT] = {10000, 20000},
}};

const char *const RATE_KIND_NAMES[RATE_KINDS] = {"key", "user", "address", "event"};

bool ratelimit_parse(const char *spec, struct rate_limits *out, char *err, size_t err_len)
{
    if (strcmp(spec, "off") == 0) {
        for (int k = 0; k < RATE_KINDS; k++)
            out->kind[k] = (struct rate_bucket){0, 0};
        return true;
    }
    char *copy = strdup(spec), *save = NULL;
    bool ok = copy != NULL;
    if (!ok)
        snprintf(err, err_len, "out of memory");
    for (char *part = copy ? strtok_r(copy, ",", &save) : NULL; ok && part;
         part = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(part, '=');
        int k = 0;
        if (eq) {
            *eq = '\0';
            while (k < RATE_KINDS && strcmp(part, RATE_KIND_NAMES[k]) != 0)
                k++;
        }
        char *end;
        double rate = eq ? strtod(eq + 1, &end) : -1, burst = 0;
        if (eq && end != eq + 1 && *end == '/')
            burst = strtod(end + 1, &end);
        else if (eq && end != eq + 1)
            burst = rate * 2 < 1 ? 1 : ceil(rate * 2);
        ok = eq && k < RATE_KINDS && !*end && isfinite(rate) && rate >= 0 && rate <= 1e6 &&
             isfinite(burst) && burst >= 1 && burst <= 1e7;
        if (ok)
            out->kind[k] = (struct rate_bucket){rate, floor(burst)};
        else
            snprintf(err, err_len,
                     "--rate-limit takes off or KIND=RATE[/BURST],... with KIND key, user, address "
                     "or event, RATE per second up to 1000000, BURST from 1; got '%s'",
                     spec);
    }
    free(copy);
    return ok;
}
