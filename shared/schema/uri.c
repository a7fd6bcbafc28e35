/*
 * URI reference resolution (RFC 3986 §5.2) as JSON Schema's "$id" and "$ref" need it, on strings.
 * Does not normalise case or percent-encoding and does not validate; see format.c for that.
 */
#include "schema/internal.h"
#include "util/buf.h"
#include "util/hex.h"

#include <stdlib.h>
#include <string.h>

/* The five components of a URI reference, as spans of the original text (NULL when absent). */
struct uri_parts {
    const char *scheme, *authority, *path, *query, *fragment;
    size_t scheme_n, authority_n, path_n, query_n, fragment_n;
};

static void split(const char *s, struct uri_parts *u)
{
    memset(u, 0, sizeof *u);
    const char *p = s;
    const char *colon = p + strcspn(p, ":/?#");
    if (*colon == ':' && colon > p) {
        u->scheme = p;
        u->scheme_n = (size_t)(colon - p);
        p = colon + 1;
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        u->authority = p;
        u->authority_n = strcspn(p, "/?#");
        p += u->authority_n;
    }
    u->path = p;
    u->path_n = strcspn(p, "?#");
    p += u->path_n;
    if (*p == '?') {
        u->query = ++p;
        u->query_n = strcspn(p, "#");
        p += u->query_n;
    }
    if (*p == '#') {
        u->fragment = ++p;
        u->fragment_n = strlen(p);
    }
}

/* Removes "." and ".." segments (RFC 3986 §5.2.4) from a path, in place. */
static void remove_dots(char *path)
{
    char *out = path;
    char *in = path;
    while (*in) {
        if (strncmp(in, "../", 3) == 0) {
            in += 3;
        } else if (strncmp(in, "./", 2) == 0) {
            in += 2;
        } else if (strncmp(in, "/./", 3) == 0) {
            in += 2;
        } else if (strcmp(in, "/.") == 0) {
            in += 1;
            *in = '/';
        } else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
            in += 3;
            if (*in == '\0') {
                in--;
                *in = '/';
            }
            while (out > path && *--out != '/')
                ;
        } else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
            in += strlen(in);
        } else {
            if (*in == '/')
                *out++ = *in++;
            while (*in && *in != '/')
                *out++ = *in++;
        }
    }
    *out = '\0';
}

static void put_span(struct buf *b, const char *p, size_t n)
{
    buf_append(b, p, n);
}

char *schema_uri_resolve(const char *base, const char *ref)
{
    struct uri_parts r, bs;
    split(ref, &r);
    split(base, &bs);
    struct buf out = {0};
    struct buf path = {0};
    const char *query = NULL;
    size_t query_n = 0;
    const char *scheme, *auth;
    size_t scheme_n, auth_n;
    if (r.scheme) {
        scheme = r.scheme, scheme_n = r.scheme_n;
        auth = r.authority, auth_n = r.authority_n;
        put_span(&path, r.path, r.path_n);
        query = r.query, query_n = r.query_n;
    } else {
        scheme = bs.scheme, scheme_n = bs.scheme_n;
        if (r.authority) {
            auth = r.authority, auth_n = r.authority_n;
            put_span(&path, r.path, r.path_n);
            query = r.query, query_n = r.query_n;
        } else {
            auth = bs.authority, auth_n = bs.authority_n;
            if (r.path_n == 0) {
                put_span(&path, bs.path, bs.path_n);
                if (r.query)
                    query = r.query, query_n = r.query_n;
                else
                    query = bs.query, query_n = bs.query_n;
            } else {
                if (r.path[0] == '/') {
                    put_span(&path, r.path, r.path_n);
                } else {
                    if (bs.authority && bs.path_n == 0) {
                        buf_putc(&path, '/');
                    } else {
                        const char *slash = NULL;
                        for (size_t i = 0; i < bs.path_n; i++)
                            if (bs.path[i] == '/')
                                slash = bs.path + i;
                        if (slash)
                            put_span(&path, bs.path, (size_t)(slash - bs.path) + 1);
                    }
                    put_span(&path, r.path, r.path_n);
                }
                query = r.query, query_n = r.query_n;
            }
        }
    }
    char *p = buf_take(&path);
    if (!p)
        p = strdup("");
    if (!p)
        return NULL;
    if (scheme || auth)
        remove_dots(p);
    if (scheme) {
        put_span(&out, scheme, scheme_n);
        buf_putc(&out, ':');
    }
    if (auth) {
        buf_puts(&out, "//");
        put_span(&out, auth, auth_n);
    }
    buf_puts(&out, p);
    free(p);
    if (query) {
        buf_putc(&out, '?');
        put_span(&out, query, query_n);
    }
    if (r.fragment && r.fragment_n > 0) {
        buf_putc(&out, '#');
        put_span(&out, r.fragment, r.fragment_n);
    }
    char *res = buf_take(&out);
    return res ? res : strdup("");
}

size_t schema_uri_strip_fragment(const char *uri)
{
    return strcspn(uri, "#");
}

char *schema_uri_unescape(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
            out[w++] = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
            i += 2;
        } else {
            out[w++] = s[i];
        }
    }
    out[w] = '\0';
    return out;
}
