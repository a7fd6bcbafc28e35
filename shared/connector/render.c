/*
 * Rendering a connector's request description into a concrete request: templates, the query and
 * body expressions, the credential applied as the auth section says, and the parameters of one page
 * of a paginated call. Produces text only; sending belongs to the server.
 */
#include "connector/connector.h"
#include "connector/internal.h"

#include "json/json.h"
#include "schema/regex.h"
#include "util/base64.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest {path} inside a template. */
#define PATH_MAX_LEN 256

/* The value at a dotted path ("inputs.id") in scope, or NULL. */
static const cJSON *lookup(const cJSON *scope, const char *path, size_t len)
{
    const cJSON *cur = scope;
    size_t i = 0;
    while (cur && i < len) {
        size_t j = i;
        while (j < len && path[j] != '.')
            j++;
        char name[PATH_MAX_LEN + 1];
        snprintf(name, sizeof name, "%.*s", (int)(j - i), path + i);
        if (cJSON_IsArray(cur)) {
            char *end;
            long idx = strtol(name, &end, 10);
            cur = *end || idx < 0 ? NULL : cJSON_GetArrayItem(cur, (int)idx);
        } else {
            cur = cJSON_GetObjectItemCaseSensitive(cur, name);
        }
        i = j + 1;
    }
    return cur;
}

/* The value of the placeholder between p ('{') and end ('}') as text (malloc'd), or NULL with err
 * set when it is missing or empty. *raw tells whether it is a {+path}. */
static char *placeholder(const cJSON *scope, const char *p, const char *end, bool *raw, char *err,
                         size_t n)
{
    /* {+path} (RFC 6570's reserved expansion) keeps '/' and the like unencoded. */
    *raw = p[1] == '+';
    const cJSON *v = lookup(scope, p + 1 + *raw, (size_t)(end - p - 1 - *raw));
    char *text = NULL;
    if (cJSON_IsString(v))
        text = strdup(v->valuestring);
    else if (cJSON_IsNumber(v) || cJSON_IsBool(v))
        text = json_print(v);
    if (!text || !*text) {
        connector_fail(err, n, "no value for {%.*s}", (int)(end - p - 1), p + 1);
        free(text);
        return NULL;
    }
    return text;
}

/* The closing brace of a placeholder starting at p, or NULL when p starts none. */
static const char *placeholder_end(const char *p)
{
    const char *end = strchr(p, '}');
    return end && end - p - 1 <= PATH_MAX_LEN && end != p + 1 ? end : NULL;
}

static char *template_done(struct buf *b, char *err, size_t n)
{
    if (b->len > CONNECTOR_MAX_TEMPLATE) {
        connector_fail(err, n, "a rendered value is longer than %d bytes", CONNECTOR_MAX_TEMPLATE);
        buf_free(b);
        return NULL;
    }
    char *out = buf_take(b);
    if (!out)
        out = strdup("");
    return out;
}

char *connector_template(const char *tmpl, const cJSON *scope, bool encode, char *err, size_t n)
{
    struct buf b = {0};
    for (const char *p = tmpl; *p && b.len <= CONNECTOR_MAX_TEMPLATE;) {
        const char *end = *p == '{' ? placeholder_end(p) : NULL;
        if (!end) {
            buf_putc(&b, *p++);
            continue;
        }
        bool raw;
        char *text = placeholder(scope, p, end, &raw, err, n);
        if (!text) {
            buf_free(&b);
            return NULL;
        }
        if (encode && !raw)
            buf_put_urlencoded(&b, text);
        else
            buf_puts(&b, text);
        free(text);
        p = end + 1;
    }
    return template_done(&b, err, n);
}

/* ---- URL templates: what may stand in a host ---- */

/* Longest host[:port] of a URL: a DNS name is at most 253 characters, plus a port. */
#define HOST_MAX 260
/* Longest DNS label (RFC 1035). */
#define LABEL_MAX 63

/* The authority of url (after "scheme://", up to '/', '?', '#' or the end) and its length; NULL
 * when url has no "scheme://". */
static const char *authority(const char *url, size_t *len)
{
    const char *p = strstr(url, "://");
    if (!p)
        return NULL;
    p += 3;
    *len = strcspn(p, "/?#");
    return p;
}

/* One DNS label: letters, digits and '-', neither first nor last, at most 63 characters. */
static bool is_label(const char *s, size_t len)
{
    if (len == 0 || len > LABEL_MAX || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

/* Dot-separated labels: a host name, or a part of one. */
static bool is_host_name(const char *s)
{
    for (;;) {
        size_t len = strcspn(s, ".");
        if (!is_label(s, len))
            return false;
        if (!s[len])
            return true;
        s += len + 1;
    }
}

/*
 * Whether value may stand for the placeholder at path inside a host: when the credential form
 * declares a pattern for the field, the value must match it and be host-name characters; else it
 * must be one hostname label, so that it cannot add a port, a path, user information or a label.
 */
static bool host_value_ok(const struct connector *c, const char *path, size_t path_len,
                          const char *value, char *err, size_t n)
{
    const char *pattern = NULL;
    char field[PATH_MAX_LEN + 1] = "";
    if (path_len > 11 && strncmp(path, "credential.", 11) == 0) {
        snprintf(field, sizeof field, "%.*s", (int)(path_len - 11), path + 11);
        const cJSON *props = cJSON_GetObjectItem(c ? c->auth_fields : NULL, "properties");
        pattern = json_get_str(cJSON_GetObjectItemCaseSensitive(props, field), "pattern");
    }
    bool ok;
    if (!pattern) {
        ok = is_label(value, strlen(value));
    } else {
        struct schema_regex *re = schema_regex_compile(pattern, NULL, 0);
        ok = re && is_host_name(value) &&
             schema_regex_search(re, value, strlen(value)) == SCHEMA_REGEX_MATCH;
        schema_regex_free(re);
    }
    if (!ok)
        connector_fail(
            err, n, "{%.*s} must be %s to stand in a host; '%.60s' is not", (int)path_len, path,
            pattern ? "a host name matching the field's pattern" : "one hostname label", value);
    return ok;
}

/* Writes the host[:port] of an absolute URL, lower-cased, into out. false (err set) when the URL
 * has none, or its authority holds anything but host characters (user information, escapes). */
static bool url_host(const char *url, char out[HOST_MAX + 1], char *err, size_t n)
{
    size_t len;
    const char *a = authority(url, &len);
    if (!a || len == 0 || len > HOST_MAX) {
        connector_fail(err, n, "'%.80s' is not an absolute URL with a host", url);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)a[i];
        if (!isalnum(ch) && !strchr(".-:[]", ch)) {
            connector_fail(err, n, "the host of '%.80s' holds '%c'", url, ch);
            return false;
        }
        out[i] = (char)tolower(ch);
    }
    out[len] = '\0';
    return true;
}

/* Whether url (whose lower-cased authority is host) is one the connector may call: with declared
 * hosts, one of them or one the server allows (connector_url_permitted); without, derived (the
 * template's own host, '*' where a value was substituted). */
static bool host_allowed(const struct connector *c, const char *derived, const char *host,
                         const char *url, char *err, size_t n)
{
    if (c && c->hosts)
        return connector_url_permitted(c, url, err, n);
    if (connector_host_matches(derived, host))
        return true;
    connector_fail(err, n, "%s is not a host %s may call", host, c ? c->name : "the connector");
    return false;
}

/*
 * A template that starts with "{+credential.NAME}" takes its origin from the credential (a
 * sandbox store's "API URL"): allowed only when the connector declares its hosts, and the value
 * must be a bare http(s) origin. Appends it to b and returns where the rest of the template
 * starts; NULL (err set) when the value is not such an origin; tmpl itself when the template
 * starts otherwise.
 */
static const char *credential_origin(const struct connector *c, const char *tmpl,
                                     const cJSON *scope, struct buf *b, char *err, size_t n)
{
    char field[PATH_MAX_LEN + 1];
    if (!c || !c->hosts || strncmp(tmpl, "{+credential.", 13) != 0 ||
        !connector_base_url_field(c, field, sizeof field))
        return tmpl;
    const char *end = placeholder_end(tmpl);
    bool raw;
    char *text = end ? placeholder(scope, tmpl, end, &raw, err, n) : NULL;
    if (!text)
        return NULL;
    size_t len = strlen(text);
    while (len && text[len - 1] == '/')
        text[--len] = '\0';
    size_t alen;
    const char *a = authority(text, &alen);
    bool ok = a && alen > 0 && a[alen] == '\0' &&
              (strncmp(text, "http://", 7) == 0 || strncmp(text, "https://", 8) == 0);
    if (ok)
        buf_puts(b, text);
    else
        connector_fail(err, n,
                       "credential.%s must be an http(s) origin such as https://host, not "
                       "'%.80s'",
                       field, text);
    free(text);
    return ok ? end + 1 : NULL;
}

char *connector_url(const struct connector *c, const char *tmpl, const cJSON *scope, char *err,
                    size_t n)
{
    struct buf b = {0}, derived = {0};
    const char *rest = tmpl ? credential_origin(c, tmpl, scope, &b, err, n) : NULL;
    if (tmpl && !rest) {
        buf_free(&b);
        return NULL;
    }
    size_t alen = 0;
    const char *auth = rest == tmpl ? authority(tmpl, &alen) : rest;
    if (!auth) {
        connector_fail(err, n, "'%.80s' is not an absolute URL template", tmpl ? tmpl : "");
        return NULL;
    }
    const char *auth_end = auth + alen;
    for (const char *p = rest; *p && b.len <= CONNECTOR_MAX_TEMPLATE;) {
        bool in_host = p >= auth && p < auth_end;
        const char *end = *p == '{' ? placeholder_end(p) : NULL;
        if (!end) {
            if (in_host)
                buf_putc(&derived, *p);
            buf_putc(&b, *p++);
            continue;
        }
        bool raw;
        char *text = placeholder(scope, p, end, &raw, err, n);
        bool ok = text != NULL;
        if (ok && in_host && raw) {
            connector_fail(err, n, "{%.*s}: a raw value cannot stand in a host", (int)(end - p - 1),
                           p + 1);
            ok = false;
        }
        if (ok && in_host)
            ok = host_value_ok(c, p + 1, (size_t)(end - p - 1), text, err, n);
        if (ok && in_host) {
            buf_puts(&b, text);
            buf_putc(&derived, '*');
        } else if (ok && raw) {
            buf_puts(&b, text);
        } else if (ok) {
            buf_put_urlencoded(&b, text);
        }
        free(text);
        if (!ok) {
            buf_free(&b);
            buf_free(&derived);
            return NULL;
        }
        p = end + 1;
    }
    char *url = template_done(&b, err, n);
    char host[HOST_MAX + 1];
    bool ok = url && url_host(url, host, err, n);
    if (ok && !host_allowed(c, derived.data ? derived.data : "", host, url, err, n))
        ok = false;
    buf_free(&derived);
    if (!ok) {
        free(url);
        return NULL;
    }
    return url;
}

int connector_eval(const struct mapping_expr *expr, const cJSON *scope, const cJSON *dflt,
                   const struct mapping_limits *limits, cJSON **result, char *err, size_t n)
{
    *result = NULL;
    if (!expr) {
        *result = dflt ? cJSON_Duplicate(dflt, true) : NULL;
        return 0;
    }
    struct mapping_error me;
    if (mapping_evaluate(expr, scope, NULL, limits, result, &me) != 0) {
        connector_fail(err, n, "%s %s", me.code, me.message);
        return -1;
    }
    return 0;
}

void connector_http_clear(struct connector_http *h)
{
    free(h->method);
    free(h->url);
    for (size_t i = 0; i < h->nheaders; i++)
        free(h->headers[i]);
    free(h->body);
    memset(h, 0, sizeof *h);
}

static int add_header(struct connector_http *out, const char *name, const char *value, char *err,
                      size_t n)
{
    if (out->nheaders >= CONNECTOR_MAX_HEADERS) {
        connector_fail(err, n, "more than %d headers", CONNECTOR_MAX_HEADERS);
        return -1;
    }
    if (strpbrk(name, ":\r\n") || strpbrk(value, "\r\n")) {
        connector_fail(err, n, "header %.60s: a name or value with ':' or a line break", name);
        return -1;
    }
    struct buf b = {0};
    buf_printf(&b, "%s: %s", name, value);
    out->headers[out->nheaders++] = buf_take(&b);
    return 0;
}

static int add_headers(struct connector_http *out, const cJSON *map, const cJSON *scope, char *err,
                       size_t n)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, map)
    {
        char *name = connector_template(h->string, scope, false, err, n);
        char *v = name ? connector_template(h->valuestring, scope, false, err, n) : NULL;
        int rc = v ? add_header(out, name, v, err, n) : -1;
        free(name);
        free(v);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static void add_query(struct buf *url, const char *name, const cJSON *v)
{
    if (!v || cJSON_IsNull(v))
        return;
    char *text = json_text(v);
    if (!text)
        return;
    buf_putc(url, strchr(url->data ? url->data : "", '?') ? '&' : '?');
    buf_put_urlencoded(url, name);
    buf_putc(url, '=');
    buf_put_urlencoded(url, text);
    free(text);
}

/* Whether the query of url already carries parameter name (a provider's next link often repeats
 * the credential's parameters). */
static bool has_param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t len = strlen(name);
    for (const char *p = q; p && *p; p = strchr(p + 1, '&'))
        if (strncmp(p + 1, name, len) == 0 &&
            (p[1 + len] == '=' || p[1 + len] == '&' || !p[1 + len]))
            return true;
    return false;
}

int connector_render(const struct connector *c, const struct connector_request *r,
                     const cJSON *scope, const char *base_override,
                     const struct mapping_limits *limits, struct connector_http *out, char *err,
                     size_t n)
{
    return connector_render_page(c, r, scope, base_override, NULL, NULL, limits, out, err, n);
}

/* Base URL, path and query of r into url, page_query's parameters replacing r's own. */
static int request_url(const struct connector *c, const struct connector_request *r,
                       const cJSON *scope, const char *base_override, const cJSON *page_query,
                       const struct mapping_limits *limits, struct buf *url, char *err, size_t n)
{
    bool absolute = strncmp(r->path, "http://", 7) == 0 || strncmp(r->path, "https://", 8) == 0;
    if (absolute) {
        char *full = connector_url(c, r->path, scope, err, n);
        if (!full)
            return -1;
        buf_puts(url, full);
        free(full);
    } else {
        char *base = NULL;
        char host[HOST_MAX + 1], expected[HOST_MAX + 1];
        if (base_override && *base_override)
            base = strdup(base_override);
        else if (c->base_url) {
            cJSON *filled = connector_scope_defaults(c, scope);
            base = connector_url(c, c->base_url, filled ? filled : scope, err, n);
            cJSON_Delete(filled);
        } else
            connector_fail(err, n, "the connector has no baseUrl and the credential gives none");
        if (!base || !url_host(base, expected, err, n)) {
            free(base);
            return -1;
        }
        size_t bl = strlen(base);
        while (bl && base[bl - 1] == '/')
            base[--bl] = '\0';
        buf_puts(url, base);
        free(base);
        char *path = connector_template(r->path, scope, true, err, n);
        if (!path)
            return -1;
        /* Templates encode substituted values, so "/" inside an id cannot climb the path; the
         * template's own slashes stay. A raw value ({+path}) still cannot move the request to
         * another host ("@evil.example/..." right after the base). */
        buf_puts(url, path);
        free(path);
        if (!url_host(url->data, host, err, n))
            return -1;
        if (strcmp(host, expected) != 0) {
            connector_fail(err, n, "the request's path moves it from %s to %s", expected, host);
            return -1;
        }
    }

    cJSON *query = NULL;
    if (connector_eval(r->query, scope, NULL, limits, &query, err, n) != 0)
        return -1;
    const cJSON *q;
    cJSON_ArrayForEach(q, query) if (!cJSON_GetObjectItemCaseSensitive(page_query, q->string))
        add_query(url, q->string, q);
    cJSON_Delete(query);
    cJSON_ArrayForEach(q, page_query) add_query(url, q->string, q);
    return 0;
}

int connector_render_page(const struct connector *c, const struct connector_request *r,
                          const cJSON *scope, const char *base_override, const cJSON *page_query,
                          const char *page_url, const struct mapping_limits *limits,
                          struct connector_http *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    out->method = strdup(r->method);
    struct buf url = {0};
    if (page_url)
        buf_puts(&url, page_url);
    else if (request_url(c, r, scope, base_override, page_query, limits, &url, err, n) != 0)
        goto fail;
    const cJSON *q;
    const cJSON *credential = cJSON_GetObjectItem(scope, "credential");
    if (credential && c->auth_query) {
        cJSON_ArrayForEach(q, c->auth_query)
        {
            if (page_url && has_param(page_url, q->string))
                continue;
            char *v = connector_template(q->valuestring, scope, false, err, n);
            if (!v)
                goto fail;
            cJSON *s = cJSON_CreateString(v);
            add_query(&url, q->string, s);
            cJSON_Delete(s);
            free(v);
        }
    }
    out->url = buf_take(&url);
    if (!out->url) {
        connector_fail(err, n, "out of memory");
        goto fail;
    }
    if (!connector_url_permitted(c, out->url, err, n))
        goto fail;

    if (add_headers(out, r->headers, scope, err, n) != 0)
        goto fail;
    if (credential && add_headers(out, c->auth_headers, scope, err, n) != 0)
        goto fail;
    if (credential && c->auth == AUTH_BASIC) {
        char *user =
            connector_template(c->basic_username ? c->basic_username : "", scope, false, err, n);
        char *pass = user ? connector_template(c->basic_password ? c->basic_password : "", scope,
                                               false, err, n)
                          : NULL;
        struct buf pair = {0};
        if (pass)
            buf_printf(&pair, "%s:%s", user, pass);
        char *b64 = pass ? base64_encode(pair.data ? pair.data : "", pair.len, false) : NULL;
        buf_free(&pair);
        free(user);
        free(pass);
        if (!b64)
            goto fail;
        struct buf v = {0};
        buf_printf(&v, "Basic %s", b64);
        free(b64);
        char *value = buf_take(&v);
        int rc = value ? add_header(out, "Authorization", value, err, n) : -1;
        free(value);
        if (rc != 0)
            goto fail;
    }

    cJSON *body = NULL;
    if (connector_eval(r->body, scope, NULL, limits, &body, err, n) != 0)
        goto fail;
    if (body) {
        out->body = json_text(body);
        bool json = !cJSON_IsString(body);
        cJSON_Delete(body);
        if (json && add_header(out, "Content-Type", "application/json", err, n) != 0)
            goto fail;
    }
    if (add_header(out, "Accept", "application/json", err, n) != 0)
        goto fail;
    return 0;
fail:
    buf_free(&url);
    connector_http_clear(out);
    return -1;
}

static const char *message_of(const cJSON *body)
{
    static const char *const KEYS[] = {"title", "message", "error", "errors", "detail"};
    if (cJSON_IsString(body))
        return body->valuestring;
    if (cJSON_IsArray(body))
        return message_of(cJSON_GetArrayItem(body, 0));
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        const cJSON *v = cJSON_GetObjectItem(body, KEYS[i]);
        if (cJSON_IsString(v) && *v->valuestring)
            return v->valuestring;
        if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
            const char *m = message_of(cJSON_IsArray(v) ? cJSON_GetArrayItem(v, 0) : v);
            if (m)
                return m;
        }
    }
    return NULL;
}

void connector_error_text(const struct connector *c, long status, const cJSON *body, char *out,
                          size_t n)
{
    out[0] = '\0';
    if (c && c->error_message) {
        cJSON *scope = cJSON_CreateObject(), *res = NULL;
        cJSON_AddNumberToObject(scope, "status", (double)status);
        if (body)
            cJSON_AddItemToObject(scope, "body", cJSON_Duplicate(body, true));
        char err[64];
        if (connector_eval(c->error_message, scope, NULL, NULL, &res, err, sizeof err) == 0 &&
            cJSON_IsString(res))
            snprintf(out, n, "%s", res->valuestring);
        cJSON_Delete(res);
        cJSON_Delete(scope);
        if (out[0])
            return;
    }
    const char *m = message_of(body);
    if (m) {
        snprintf(out, n, "%s", m);
        return;
    }
    char *text = body ? json_print(body) : NULL;
    snprintf(out, n, "%s", text ? text : "");
    free(text);
}
