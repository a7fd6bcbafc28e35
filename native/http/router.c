/*
 * Route matching over a table of patterns. Linear scan: the table is small and each comparison
 * stops at the first differing segment. Does not allocate.
 */
#include "http/http.h"
#include "util/hex.h"

#include <string.h>

const char *http_method_name(enum http_method m)
{
    static const char *const NAMES[] = {"GET",    "POST",    "PUT",  "PATCH",
                                        "DELETE", "OPTIONS", "HEAD", "OTHER"};
    return NAMES[m];
}

bool url_decode(const char *src, size_t len, char *dst, size_t cap, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= len)
                return false;
            int h = hex_digit(src[i + 1]), l = hex_digit(src[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0))
                return false;
            c = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (o + 1 >= cap)
            return false;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return true;
}

const char *router_strip_version(const char *path, char version[8])
{
    version[0] = '\0';
    /* "/YYYY-MM" followed by "/" or the end */
    const char *p = path;
    if (p[0] != '/')
        return path;
    for (int i = 1; i <= 7; i++) {
        char c = p[i];
        bool ok = i == 5 ? c == '-' : (c >= '0' && c <= '9');
        if (!ok)
            return path;
    }
    if (p[8] != '/' && p[8] != '\0')
        return path;
    memcpy(version, p + 1, 7);
    version[7] = '\0';
    return p[8] ? p + 8 : "/";
}

/* Compares one pattern with a path; captures parameters. */
static bool match_pattern(const char *pat, const char *path, char params[][ROUTE_PARAM_MAX],
                          int *nparams)
{
    int n = 0;
    while (*pat && *path) {
        if (*pat != '/' || *path != '/')
            return false;
        pat++;
        path++;
        const char *pend = strchr(pat, '/');
        size_t plen = pend ? (size_t)(pend - pat) : strlen(pat);
        const char *send = strchr(path, '/');
        size_t slen = send ? (size_t)(send - path) : strlen(path);
        if (pat[0] == ':') {
            if (slen == 0 || n >= ROUTE_MAX_PARAMS ||
                !url_decode(path, slen, params[n], ROUTE_PARAM_MAX, false))
                return false;
            n++;
        } else if (plen != slen || memcmp(pat, path, plen) != 0) {
            return false;
        }
        pat += plen;
        path += slen;
    }
    /* Allow one trailing slash on the path. */
    if (*path == '/' && path[1] == '\0')
        path++;
    if (*pat || *path)
        return false;
    *nparams = n;
    return true;
}

const struct route *router_match(const struct route *table, size_t n, enum http_method method,
                                 const char *path, char params[][ROUTE_PARAM_MAX], int *nparams,
                                 bool *wrong_method)
{
    *wrong_method = false;
    *nparams = 0;
    enum http_method want = method == HTTP_HEAD ? HTTP_GET : method;
    for (size_t i = 0; i < n; i++) {
        if (!match_pattern(table[i].pattern, path, params, nparams))
            continue;
        if (table[i].method == want)
            return &table[i];
        *wrong_method = true;
    }
    *nparams = 0;
    return NULL;
}
