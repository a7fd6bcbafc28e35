/*
 * JSON Schema's regular expressions: ECMA-262 syntax with Unicode ("u" flag) semantics, as
 * `pattern` and `patternProperties` require, on the shared engine (regex/regex.h).
 *
 * Lifecycle: schema_regex_compile returns an immutable program (shareable between threads), used
 * by any number of schema_regex_search calls, released with schema_regex_free.
 */
#ifndef SOLDER_SCHEMA_REGEX_H
#define SOLDER_SCHEMA_REGEX_H

#include "regex/regex.h"

#include <stdbool.h>
#include <stddef.h>

/* A JSON Schema pattern is a program of the shared engine compiled with the u flag; this type
 * only keeps the two APIs apart. */
struct schema_regex;

/*
 * Compiles the NUL-terminated pattern. Returns the program (caller frees with schema_regex_free),
 * or NULL with a message in err (err_size bytes, may be 0) when the pattern is not valid.
 */
struct schema_regex *schema_regex_compile(const char *pattern, char *err, size_t err_size);

/* Result of a search: a match somewhere in the subject, none, or the step budget ran out. */
enum schema_regex_result {
    SCHEMA_REGEX_NOMATCH = REGEX_NOMATCH,
    SCHEMA_REGEX_MATCH = REGEX_MATCH,
    SCHEMA_REGEX_LIMIT = REGEX_LIMIT
};

/*
 * Searches the UTF-8 subject (len bytes) for the first match anywhere, like RegExp.prototype.test.
 * Backtracking is bounded by a step budget so hostile patterns end with SCHEMA_REGEX_LIMIT instead
 * of running for ever.
 */
static inline enum schema_regex_result schema_regex_search(const struct schema_regex *re,
                                                           const char *subject, size_t len)
{
    return (enum schema_regex_result)regex_test((const struct regex *)re, subject, len);
}

/*
 * schema_regex_search by the general backtracking matcher alone, without the shortcuts it takes
 * for simple patterns (a byte automaton, longest runs). Same answers, slower: for tests that check
 * the shortcuts against it.
 */
static inline enum schema_regex_result schema_regex_search_general(const struct schema_regex *re,
                                                                   const char *subject, size_t len)
{
    return (enum schema_regex_result)regex_test_general((const struct regex *)re, subject, len);
}

static inline void schema_regex_free(struct schema_regex *re)
{
    regex_free((struct regex *)re);
}

#endif
