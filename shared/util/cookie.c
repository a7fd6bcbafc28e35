/* Cookie header reading (cookie.h). Not here: writing Set-Cookie (http/session.c). */
#include "util/cookie.h"

#include <string.h>

bool cookie_value(const char *header, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len > nlen && p[nlen] == '=' && strncmp(p, name, nlen) == 0) {
            size_t vlen = len - nlen - 1;
            if (vlen >= cap)
                return false;
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}
