/* Email plausibility (email.h). Not here: normalisation (addresses compare case-insensitively in
 * the store) and any check that needs the network. */
#include "util/email.h"

#include <string.h>

bool email_plausible(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    const char *at = s ? strchr(s, '@') : NULL;
    if (n < 5 || n > EMAIL_MAX || !at || strchr(at + 1, '@'))
        return false;
    size_t local = (size_t)(at - s);
    const char *domain = at + 1, *dot = strchr(domain, '.');
    if (local < 1 || local > 64 || !dot || dot == domain || s[n - 1] == '.')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == ',' || *p == ';')
            return false;
    return true;
}
