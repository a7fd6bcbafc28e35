/*
 * JSON Schema's `pattern` and `patternProperties` on the shared ECMA-262 engine (regex/regex.h):
 * patterns compile with the u flag, as the specification recommends, and are searched like
 * RegExp.prototype.test. Holds no matching logic of its own.
 */
#include "schema/regex.h"
#include "regex/regex.h"

#include <stdlib.h>
#include <string.h>

struct schema_regex {
    struct regex *re;
};

struct schema_regex *schema_regex_compile(const char *pattern, char *err, size_t err_size)
{
    struct schema_regex *s = malloc(sizeof *s);
    if (!s) {
        if (err && err_size)
            err[0] = '\0', strncat(err, "out of memory", err_size - 1);
        return NULL;
    }
    struct regex_options opt = {.flags = "u"};
    s->re = regex_compile(pattern, strlen(pattern), &opt, err, err_size);
    if (!s->re) {
        free(s);
        return NULL;
    }
    return s;
}

enum schema_regex_result schema_regex_search(const struct schema_regex *re, const char *subject,
                                             size_t len)
{
    return (enum schema_regex_result)regex_test(re->re, subject, len);
}

enum schema_regex_result schema_regex_search_general(const struct schema_regex *re,
                                                     const char *subject, size_t len)
{
    return (enum schema_regex_result)regex_test_general(re->re, subject, len);
}

void schema_regex_free(struct schema_regex *re)
{
    if (!re)
        return;
    regex_free(re->re);
    free(re);
}
