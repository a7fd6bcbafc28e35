/*
 * libFuzzer target for the pattern engine. Input: a pattern, a NUL byte, then a subject (without
 * the NUL, the input is both pattern and subject). Compiling must end with a program or an error,
 * and a search by the shortcuts for simple patterns (byte automaton, longest runs) must give the
 * general backtracking matcher's answer whenever neither ran out of steps.
 */
#include "schema/regex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t pattern_len = nul ? (size_t)(nul - data) : size;
    char *pattern = malloc(pattern_len + 1);
    if (!pattern)
        return 0;
    memcpy(pattern, data, pattern_len);
    pattern[pattern_len] = '\0';
    const char *subject = nul ? (const char *)nul + 1 : pattern;
    size_t subject_len = nul ? size - pattern_len - 1 : pattern_len;
    char err[128] = "";
    struct schema_regex *re = schema_regex_compile(pattern, err, sizeof err);
    if (re) {
        enum schema_regex_result fast = schema_regex_search(re, subject, subject_len);
        enum schema_regex_result general = schema_regex_search_general(re, subject, subject_len);
        if (fast != SCHEMA_REGEX_LIMIT && general != SCHEMA_REGEX_LIMIT && fast != general)
            abort(); /* a shortcut disagrees with the general matcher */
        schema_regex_free(re);
    } else if (!err[0]) {
        abort(); /* a refused pattern must say why */
    }
    free(pattern);
    return 0;
}
