/*
 * JSON Schema's `pattern` and `patternProperties` on the shared ECMA-262 engine (regex/regex.h):
 * patterns compile with the u flag, as the specification recommends; searching and freeing are
 * the engine's own (inline in regex.h). Holds no matching logic of its own.
 */
#include "schema/regex.h"

#include <string.h>

struct schema_regex *schema_regex_compile(const char *pattern, char *err, size_t err_size)
{
    struct regex_options opt = {.flags = "u"};
    return (struct schema_regex *)regex_compile(pattern, strlen(pattern), &opt, err, err_size);
}
