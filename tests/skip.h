/*
 * What a C test runner does when something it needs is missing (a suite, a vector file): outside
 * CI it skips with ctest's skip code and says why; in CI (CI=true) nothing may skip, so it fails
 * and says why. The node tests do the same through tests/skip.mjs.
 */
#ifndef SOLDER_TEST_SKIP_H
#define SOLDER_TEST_SKIP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ctest's SKIP_RETURN_CODE for every runner that can skip. */
#define TEST_SKIP_CODE 77

static inline bool test_in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && *ci && strcasecmp(ci, "0") != 0 && strcasecmp(ci, "false") != 0 &&
           strcasecmp(ci, "no") != 0;
}

/* Prints why (with the runner's name) and returns the exit status: 77, or 1 in CI. */
static inline int test_skip(const char *name, const char *why)
{
    if (test_in_ci()) {
        printf("%s: %s (CI=%s: a skipped test fails the run)\n", name, why, getenv("CI"));
        return 1;
    }
    printf("%s: %s; skipped\n", name, why);
    return TEST_SKIP_CODE;
}

#endif
