/*
 * AWS Signature Version 4: canonical request (normalised path, sorted query, folded and sorted
 * headers, payload hash), string to sign, derived signing key and Authorization value. It does not
 * send anything, pick the headers to sign or read the clock: callers (destinations/eventbridge.c)
 * do, and pass the date in.
 */
#include "crypto/sigv4.h"

#include "crypto/crypto.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Path segments kept while normalising: bounds the segment stack of one path. */
#define PATH_MAX_SEGMENTS 256
/* Query parameters one request may carry: bounds the sort. */
#define QUERY_MAX_PARAMS 256

static void hex(const unsigned char *b, size_t n, struct buf *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        buf_putc(out, digits[b[i] >> 4]);
        buf_putc(out, digits[b[i] & 15]);
    }
}

static void sha256_hex(const void *data, size_t n, struct buf *out)
{
    unsigned char h[32];
    crypto_sha256(data, n, h);
    hex(h, sizeof h, out);
}

/* ---- the path ---- */

/* Removes empty, "." and ".." segments (RFC 3986 section 5.2.4, with empty segments dropped as
 * AWS does for every service but S3) and encodes each remaining byte outside the unreserved set. */
static int canonical_path(const char *path, struct buf *out)
{
    if (!path || !*path)
        path = "/";
    const char *seg[PATH_MAX_SEGMENTS];
    size_t len[PATH_MAX_SEGMENTS];
    int n = 0;
    bool trailing = false;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        size_t l = (size_t)(p - start);
        if (l > 0)
            trailing = *p == '/' || (l == 1 && start[0] == '.') ||
                       (l == 2 && start[0] == '.' && start[1] == '.');
        if (l == 0 || (l == 1 && start[0] == '.'))
            continue;
        if (l == 2 && start[0] == '.' && start[1] == '.') {
            if (n > 0)
                n--;
            continue;
        }
        if (n == PATH_MAX_SEGMENTS)
            return -1;
        seg[n] = start;
        len[n++] = l;
    }
    buf_putc(out, '/');
    for (int i = 0; i < n; i++) {
        char *s = strndup(seg[i], len[i]);
        if (!s)
            return -1;
        buf_put_urlencoded(out, s);
        free(s);
        if (i + 1 < n || trailing)
            buf_putc(out, '/');
    }
    return 0;
}

/* ---- the query ---- */

struct param {
    char *name, *value; /* encoded */
};

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* n bytes of s with %XX escapes decoded, then encoded the one way AWS compares. */
static char *reencode(const char *s, size_t n)
{
    char *raw = malloc(n + 1);
    if (!raw)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            raw[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            raw[k++] = s[i];
        }
    }
    raw[k] = 0;
    struct buf b = {0};
    buf_put_urlencoded(&b, raw);
    free(raw);
    char *out = buf_take(&b);
    return out ? out : strdup("");
}

static int param_cmp(const void *a, const void *b)
{
    const struct param *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static int canonical_query(const char *query, struct buf *out)
{
    struct param params[QUERY_MAX_PARAMS];
    int n = 0, rc = 0;
    for (const char *p = query; p && *p;) {
        size_t l = strcspn(p, "&");
        if (l > 0) {
            if (n == QUERY_MAX_PARAMS) {
                rc = -1;
                break;
            }
            const char *eq = memchr(p, '=', l);
            size_t nl = eq ? (size_t)(eq - p) : l;
            params[n].name = reencode(p, nl);
            params[n].value = eq ? reencode(eq + 1, l - nl - 1) : strdup("");
            if (!params[n].name || !params[n].value) {
                free(params[n].name);
                free(params[n].value);
                rc = -1;
                break;
            }
            n++;
        }
        p += l;
        if (*p == '&')
            p++;
    }
    qsort(params, (size_t)n, sizeof params[0], param_cmp);
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            buf_printf(out, "%s%s=%s", i ? "&" : "", params[i].name, params[i].value);
        free(params[i].name);
        free(params[i].value);
    }
    return rc;
}

/* ---- headers ---- */

struct header {
    char *name; /* lower case */
    const char *value;
    size_t order;
};

static int header_cmp(const void *a, const void *b)
{
    const struct header *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

/* value trimmed, every run of white space (folded lines included) as one space. */
static void put_trimmed(struct buf *out, const char *value)
{
    const char *p = value;
    while (*p && isspace((unsigned char)*p))
        p++;
    bool space = false;
    for (; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = true;
            continue;
        }
        if (space)
            buf_putc(out, ' ');
        space = false;
        buf_putc(out, *p);
    }
}

static char *lower(const char *s)
{
    char *l = strdup(s);
    for (char *c = l; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return l;
}

/* Appends the canonical header block and the signed-header list. */
static int canonical_headers(const struct sigv4_request *req, const char *token, struct buf *block,
                             struct buf *signed_list)
{
    struct header h[SIGV4_MAX_HEADERS + 1];
    size_t n = 0;
    bool has_token = false;
    int rc = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        if (n == SIGV4_MAX_HEADERS || !req->headers[i].name || !req->headers[i].value) {
            rc = -1;
            break;
        }
        h[n].name = lower(req->headers[i].name);
        h[n].value = req->headers[i].value;
        h[n].order = i;
        if (!h[n].name) {
            rc = -1;
            break;
        }
        has_token |= strcmp(h[n].name, "x-amz-security-token") == 0;
        n++;
    }
    if (rc == 0 && token && !has_token) {
        h[n].name = strdup("x-amz-security-token");
        h[n].value = token;
        h[n].order = n;
        if (!h[n].name)
            rc = -1;
        else
            n++;
    }
    qsort(h, n, sizeof h[0], header_cmp);
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool continues = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
        if (continues) {
            buf_putc(block, ',');
        } else {
            if (i > 0) {
                buf_putc(block, '\n');
                buf_putc(signed_list, ';');
            }
            buf_printf(block, "%s:", h[i].name);
            buf_puts(signed_list, h[i].name);
        }
        put_trimmed(block, h[i].value);
    }
    if (n > 0)
        buf_putc(block, '\n');
    for (size_t i = 0; i < n; i++)
        free(h[i].name);
    return rc;
}

/* ---- signing ---- */

static bool valid_date(const char *d)
{
    if (!d || strlen(d) != SIGV4_DATE_LEN || d[8] != 'T' || d[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !isdigit((unsigned char)d[i]))
            return false;
    return true;
}

static int hmac(const void *key, size_t key_len, const char *data, unsigned char out[32])
{
    return crypto_hmac_sha256(key, key_len, data, strlen(data), out);
}

int sigv4_sign(const struct sigv4_credentials *creds, const struct sigv4_request *req,
               struct sigv4_signature *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    if (!creds || !creds->access_key_id || !*creds->access_key_id || !creds->secret_access_key ||
        !*creds->secret_access_key) {
        snprintf(err, n, "an access key id and a secret access key are needed");
        return -1;
    }
    if (!req->region || !*req->region || !req->service || !*req->service || !req->method) {
        snprintf(err, n, "a method, a region and a service are needed");
        return -1;
    }
    if (!valid_date(req->amz_date)) {
        snprintf(err, n, "the date must be in the form 20150830T123600Z");
        return -1;
    }
    struct buf creq = {0}, block = {0}, signed_list = {0};
    buf_printf(&creq, "%s\n", req->method);
    int rc = canonical_path(req->path, &creq);
    buf_putc(&creq, '\n');
    if (rc == 0)
        rc = canonical_query(req->query, &creq);
    buf_putc(&creq, '\n');
    if (rc == 0)
        rc = canonical_headers(
            req, creds->session_token && *creds->session_token ? creds->session_token : NULL,
            &block, &signed_list);
    if (rc != 0) {
        buf_free(&creq);
        buf_free(&block);
        buf_free(&signed_list);
        snprintf(err, n,
                 "the request has too many path segments, parameters or headers (or a "
                 "header without a value)");
        return -1;
    }
    buf_append(&creq, block.data ? block.data : "", block.len);
    buf_putc(&creq, '\n');
    buf_append(&creq, signed_list.data ? signed_list.data : "", signed_list.len);
    buf_putc(&creq, '\n');
    sha256_hex(req->body ? req->body : "", req->body ? req->body_len : 0, &creq);
    buf_free(&block);

    char date[9];
    memcpy(date, req->amz_date, 8);
    date[8] = 0;
    struct buf scope = {0}, sts = {0};
    buf_printf(&scope, "%s/%s/%s/aws4_request", date, req->region, req->service);
    buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n", req->amz_date, scope.data ? scope.data : "");
    sha256_hex(creq.data ? creq.data : "", creq.len, &sts);

    struct buf secret = {0};
    buf_printf(&secret, "AWS4%s", creds->secret_access_key);
    unsigned char k[32], sig[32];
    bool ok = !secret.oom && hmac(secret.data, secret.len, date, k) == 0 &&
              hmac(k, sizeof k, req->region, k) == 0 && hmac(k, sizeof k, req->service, k) == 0 &&
              hmac(k, sizeof k, "aws4_request", k) == 0 &&
              hmac(k, sizeof k, sts.data ? sts.data : "", sig) == 0;
    if (secret.data)
        memset(secret.data, 0, secret.len);
    buf_free(&secret);
    memset(k, 0, sizeof k);

    struct buf auth = {0};
    buf_printf(&auth, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=",
               creds->access_key_id, scope.data ? scope.data : "",
               signed_list.data ? signed_list.data : "");
    hex(sig, sizeof sig, &auth);
    buf_free(&scope);
    buf_free(&signed_list);
    out->canonical_request = buf_take(&creq);
    out->string_to_sign = buf_take(&sts);
    out->authorization = buf_take(&auth);
    if (!ok || !out->canonical_request || !out->string_to_sign || !out->authorization) {
        sigv4_signature_free(out);
        snprintf(err, n, "signing failed (out of memory or no HMAC)");
        return -1;
    }
    return 0;
}

void sigv4_signature_free(struct sigv4_signature *sig)
{
    free(sig->canonical_request);
    free(sig->string_to_sign);
    free(sig->authorization);
    memset(sig, 0, sizeof *sig);
}

void sigv4_date(int64_t unix_s, char out[SIGV4_DATE_LEN + 1])
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);
}
