/*
 * libFuzzer target for the regex engine (shared/regex). Input: a pattern, a NUL byte, then a
 * subject (without the NUL, the input is both pattern and subject). Compiling must end with a
 * program or an error. As JSON Schema compiles it (u flag), a search by the shortcuts for simple
 * patterns (byte automaton, longest runs) must give the general backtracking matcher's answer
 * whenever neither ran out of steps. Compiled again with a set of flags picked by the input's
 * length, a lastIndex loop of exec calls must give spans inside the subject, in order, and its
 * first answer must agree with regex_test.
 */
#include "regex/regex.h"
#include "schema/regex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const FLAG_SETS[] = {"", "i", "u", "iu", "ims", "gimsu", "dsu", "y"};

static void exec_loop(const char *pattern, size_t pattern_len, const char *subject, size_t len,
                      const char *flags)
{
    char err[128] = "";
    struct regex_options opt = {.flags = flags, .max_steps = 200000};
    struct regex *re = regex_compile(pattern, pattern_len, &opt, err, sizeof err);
    if (!re) {
        if (!err[0])
            abort(); /* a refused pattern must say why */
        return;
    }
    struct regex_subject sub;
    long *span = malloc(2 * ((size_t)regex_groups(re) + 1) * sizeof *span);
    if (span && regex_subject_init(&sub, re, subject, len, NULL)) {
        size_t from = 0;
        for (int k = 0; k < 64 && from <= len; k++) {
            enum regex_result r = regex_exec(re, &sub, from, span);
            if (k == 0 && !regex_flag(re, 'y') && r != REGEX_LIMIT) {
                enum regex_result t = regex_test(re, subject, len);
                if (t != REGEX_LIMIT && t != r)
                    abort(); /* exec and test disagree */
            }
            if (r != REGEX_MATCH)
                break;
            if (span[0] < (long)from || span[1] < span[0] || span[1] > (long)len)
                abort(); /* a match outside the subject or before the search's start */
            for (int g = 1; g <= regex_groups(re); g++)
                if ((span[2 * g] < 0) != (span[2 * g + 1] < 0) || span[2 * g + 1] < span[2 * g] ||
                    span[2 * g + 1] > (long)len)
                    abort(); /* a group's span out of order or outside the subject */
            size_t next = (size_t)span[1];
            if (span[1] == span[0]) {
                next++;
                while (next < len && ((unsigned char)subject[next] & 0xc0) == 0x80)
                    next++;
            }
            from = next;
        }
        regex_subject_free(&sub);
    }
    free(span);
    regex_free(re);
}

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
    exec_loop(pattern, pattern_len, subject, subject_len,
              FLAG_SETS[size % (sizeof FLAG_SETS / sizeof FLAG_SETS[0])]);
    free(pattern);
    return 0;
}
