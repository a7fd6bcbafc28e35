/*
 * An OpenAPI 3 document mapped onto a connector (see openapi.h and docs/connectors.md): servers[0]
 * becomes the base URL (its variables credential fields), a security requirement the auth
 * section, each operation an action whose inputs are its path, query and header parameters and
 * its JSON request body. Not mapped: callbacks, webhooks, links, cookie parameters, optional header
 * parameters (a template cannot leave a header out), multipart bodies, non-JSON responses,
 * per-operation security and servers. The JSON schema of the first 2xx response becomes the
 * action's outputSchema.
 */
#include "cli/openapi.h"

#include "json/json.h"
#include "schema/schema.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Schema objects one action's inputs may expand to: a reference graph can grow exponentially, and
 * the server reads connector files of at most a few megabytes. */
#define ACTION_SCHEMA_BUDGET 3000
/* Longest action name the connector schema allows ("^[a-zA-Z][a-zA-Z0-9_]{0,63}$"). */
#define ACTION_NAME_MAX 64
/* JSON nesting of an action's inputs schema in the file: root, actions, the action, inputs. */
#define INPUTS_DEPTH 4

/* HTTP methods a connector action can use, in the order an OpenAPI path item lists them. */
static const char *const METHODS[] = {"get", "put", "post", "delete", "patch", NULL};
/* Methods OpenAPI knows that a connector cannot send. */
static const char *const OTHER_METHODS[] = {"head", "options", "trace", NULL};

/* The state of one conversion. */
struct conv {
    const cJSON *spec;
    const struct openapi_options *o;
    cJSON *warnings;
    bool *tag_used;
    bool *op_used;
};

static void warnf(struct conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct conv *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(c->warnings, cJSON_CreateString(msg));
}

static bool listed(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* ---- names -------------------------------------------------------------------------------- */

/* Appends word to b in camelCase: capitalised unless it is the first; an all-capitals word
 * ("ORDERS") is treated as one word ("Orders"). */
static void put_word(struct buf *b, const char *w, size_t n)
{
    bool caps = true;
    for (size_t i = 0; i < n; i++)
        caps = caps && !islower((unsigned char)w[i]);
    for (size_t i = 0; i < n; i++) {
        char ch = w[i];
        if (i == 0)
            ch = b->len ? (char)toupper((unsigned char)ch) : (char)tolower((unsigned char)ch);
        else if (caps)
            ch = (char)tolower((unsigned char)ch);
        buf_putc(b, ch);
    }
}

/* text in camelCase, words split at anything but letters and digits. */
static void camel(struct buf *b, const char *text)
{
    const char *p = text;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        if (p > start)
            put_word(b, start, (size_t)(p - start));
    }
}

/* The action name of an operation: its operationId in camelCase, else method and path
 * ("getOrdersByOrderId"), made unique among actions. Returns a malloc'd name. */
static char *action_name(const cJSON *actions, const char *op_id, const char *method,
                         const char *path)
{
    struct buf b = {0};
    if (op_id)
        camel(&b, op_id);
    if (!b.len) {
        /* "get /orders/{order_id}" reads "get orders by order_id": getOrdersByOrderId. */
        struct buf words = {0};
        buf_puts(&words, method);
        for (const char *p = path; *p; p++)
            buf_puts(&words, *p == '{' ? " by " : *p == '}' ? " " : (char[2]){*p, 0});
        if (words.data)
            camel(&b, words.data);
        buf_free(&words);
    }
    char *name = buf_take(&b);
    if (!name)
        return NULL;
    if (!isalpha((unsigned char)name[0])) {
        struct buf p = {0};
        buf_printf(&p, "op%s", name);
        free(name);
        name = buf_take(&p);
        if (!name)
            return NULL;
    }
    if (strlen(name) > ACTION_NAME_MAX - 4)
        name[ACTION_NAME_MAX - 4] = '\0';
    char unique[ACTION_NAME_MAX + 1];
    snprintf(unique, sizeof unique, "%s", name);
    for (int i = 2; cJSON_GetObjectItemCaseSensitive(actions, unique) && i < 10000; i++)
        snprintf(unique, sizeof unique, "%s%d", name, i);
    free(name);
    return strdup(unique);
}

/* A name usable inside a template ({inputs.NAME}) or a credential field: letters, digits, '_'
 * and '-'; other characters become '_'. */
static void safe_name(char *out, size_t n, const char *in)
{
    size_t j = 0;
    for (; *in && j + 1 < n; in++)
        out[j++] = (isalnum((unsigned char)*in) || *in == '_' || *in == '-') ? *in : '_';
    out[j] = '\0';
    if (!j)
        snprintf(out, n, "value");
}

/* Appends a JSONata single-quoted string literal. */
static void put_literal(struct buf *b, const char *s)
{
    buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            buf_printf(b, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            buf_printf(b, "\\u%04x", (unsigned char)*s);
        else
            buf_putc(b, *s);
    }
    buf_putc(b, '\'');
}

/* Appends inputs.NAME as JSONata: a plain name as it is, anything else in backquotes. */
static void put_input(struct buf *b, const char *name)
{
    static const char *const WORDS[] = {"and",   "or",   "in",       "true",
                                        "false", "null", "function", NULL};
    bool plain = (isalpha((unsigned char)name[0]) || name[0] == '_') && !listed(name, WORDS);
    for (const char *p = name; plain && *p; p++)
        plain = isalnum((unsigned char)*p) || *p == '_';
    buf_printf(b, plain ? "inputs.%s" : "inputs.`%s`", name);
}

/* A property name not yet used in props: want, else want_SUFFIX, want_SUFFIX2... */
static void unique_input(char *out, size_t n, const cJSON *props, const char *want,
                         const char *suffix)
{
    snprintf(out, n, "%s", want);
    for (int i = 1; cJSON_GetObjectItemCaseSensitive(props, out) && i < 1000; i++)
        snprintf(out, n, i == 1 ? "%s_%s" : "%s_%s%d", want, suffix, i);
}

/* ---- base URL and credential fields ---------------------------------------------------------- */

/* The credential form being built: properties and required. */
struct fields {
    cJSON *properties;
    cJSON *required;
};

static void add_field(struct fields *f, const char *name, cJSON *schema)
{
    cJSON_AddItemToObject(f->properties, name, schema);
    cJSON_AddItemToArray(f->required, cJSON_CreateString(name));
}

/* servers[0].url as a template: each {variable} becomes {credential.FIELD} with a credential field
 * for it; a variable before "://" (the scheme) is replaced by its default. Returns the malloc'd
 * template, or NULL (warning given) when there is no usable absolute URL. */
static char *base_url(struct conv *c, struct fields *f, char first_field[128])
{
    const cJSON *server = cJSON_GetArrayItem(cJSON_GetObjectItem(c->spec, "servers"), 0);
    const char *url = json_get_str(server, "url");
    if (!url) {
        warnf(c, "no servers[0].url: the connector has no baseUrl (give --base-url, or a "
                 "credential's baseUrl)");
        return NULL;
    }
    const cJSON *vars = cJSON_GetObjectItem(server, "variables");
    const char *scheme_end = strstr(url, "://");
    struct buf b = {0};
    for (const char *p = url; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (!close) {
            buf_putc(&b, *p++);
            continue;
        }
        char var[200];
        snprintf(var, sizeof var, "%.*s", (int)(close - p - 1 < 199 ? close - p - 1 : 199), p + 1);
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(vars, var);
        const char *dflt = json_get_str(def, "default");
        if (scheme_end && p < scheme_end) {
            buf_puts(&b, dflt ? dflt : "https");
            p = close + 1;
            continue;
        }
        /* "{$$.env.store_hash}" names the field store_hash: the last dotted segment. */
        const char *last = strrchr(var, '.');
        char field[128], want[128];
        safe_name(want, sizeof want, last && last[1] ? last + 1 : var);
        unique_input(field, sizeof field, f->properties, want, "var");
        cJSON *schema = cJSON_CreateObject();
        cJSON_AddStringToObject(schema, "type", "string");
        char title[128];
        for (size_t i = 0; i < sizeof title; i++) {
            char ch = field[i];
            title[i] = ch == '_' || ch == '-' ? ' ' : ch;
            if (i == 0 || (i > 0 && (field[i - 1] == '_' || field[i - 1] == '-')))
                title[i] = (char)toupper((unsigned char)ch);
            if (!ch)
                break;
        }
        cJSON_AddStringToObject(schema, "title", title);
        const char *desc = json_get_str(def, "description");
        cJSON_AddStringToObject(schema, "description",
                                desc ? desc : "A part of the API's URL (a server variable)");
        const cJSON *en = cJSON_GetObjectItem(def, "enum");
        if (cJSON_IsArray(en) && cJSON_GetArraySize(en) > 0) {
            cJSON_AddItemToObject(schema, "enum", cJSON_Duplicate(en, true));
            if (dflt)
                cJSON_AddStringToObject(schema, "default", dflt);
        } else {
            cJSON_AddNumberToObject(schema, "minLength", 1);
        }
        add_field(f, field, schema);
        if (!first_field[0])
            snprintf(first_field, 128, "%s", field);
        buf_printf(&b, "{credential.%s}", field);
        p = close + 1;
    }
    char *t = buf_take(&b);
    if (t && !has_prefix(t, "http://") && !has_prefix(t, "https://")) {
        warnf(c,
              "servers[0].url '%.100s' is not an absolute http(s) URL: the connector has no "
              "baseUrl (give --base-url, or a credential's baseUrl)",
              url);
        free(t);
        return NULL;
    }
    return t;
}

/* ---- auth ------------------------------------------------------------------------------------ */

/* An auth section being assembled from one security requirement. */
struct auth {
    const char *type;   /* "apiKey", "basic", "oauth2" */
    bool authorization; /* the Authorization header is taken */
    cJSON *headers;
    cJSON *query;
    cJSON *extra; /* members beside type/fields/headers/query (username, authorizeUrl...) */
};

static bool header_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+.^_`|~-", *s))
            return false;
    return true;
}

static void secret_field(struct fields *f, const char *want, const char *title, const char *desc)
{
    char name[128];
    unique_input(name, sizeof name, f->properties, want, "key");
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", "string");
    cJSON_AddStringToObject(s, "title", title);
    cJSON_AddNumberToObject(s, "minLength", 1);
    cJSON_AddBoolToObject(s, "writeOnly", true);
    cJSON_AddStringToObject(s, "description", desc);
    add_field(f, name, s);
}

/* Adds one scheme of a requirement to a. Returns false when it cannot be expressed (alone or
 * together with what a already holds); fields are only added when it can. */
static bool add_scheme(struct conv *c, struct auth *a, struct fields *f, const char *name,
                       const cJSON *scheme, const cJSON *scopes, char *why, size_t n)
{
    const char *type = json_get_str(scheme, "type");
    char field[128], tmpl[200], desc[200];
    if (!type) {
        snprintf(why, n, "security scheme %.60s has no type", name);
        return false;
    }
    if (strcmp(type, "apiKey") == 0) {
        const char *in = json_get_str(scheme, "in"), *pname = json_get_str(scheme, "name");
        if (!in || !pname || !header_token(pname)) {
            snprintf(why, n, "apiKey scheme %.60s: no usable 'name' and 'in'", name);
            return false;
        }
        safe_name(tmpl, sizeof tmpl, pname);
        for (char *p = tmpl; *p; p++)
            *p = *p == '-' ? '_' : (char)tolower((unsigned char)*p);
        unique_input(field, sizeof field, f->properties, tmpl, "key");
        char value[200];
        snprintf(value, sizeof value, "{credential.%s}", field);
        if (strcmp(in, "header") == 0) {
            if (strcasecmp(pname, "Authorization") == 0) {
                if (a->authorization) {
                    snprintf(why, n, "two schemes use the Authorization header");
                    return false;
                }
                a->authorization = true;
            }
            cJSON_AddStringToObject(a->headers, pname, value);
            snprintf(desc, sizeof desc, "Sent as the %.60s header", pname);
        } else if (strcmp(in, "query") == 0) {
            cJSON_AddStringToObject(a->query, pname, value);
            snprintf(desc, sizeof desc, "Sent as the %.60s query parameter", pname);
        } else if (strcmp(in, "cookie") == 0) {
            if (cJSON_GetObjectItem(a->headers, "Cookie")) {
                snprintf(why, n, "two apiKey schemes in cookies");
                return false;
            }
            snprintf(tmpl, sizeof tmpl, "%.60s=%.120s", pname, value);
            cJSON_AddStringToObject(a->headers, "Cookie", tmpl);
            snprintf(desc, sizeof desc, "Sent as the %.60s cookie", pname);
        } else {
            snprintf(why, n, "apiKey scheme %.60s: unknown location '%.20s'", name, in);
            return false;
        }
        secret_field(f, field, pname, desc);
        return true;
    }
    if (strcmp(type, "http") == 0) {
        const char *how = json_get_str(scheme, "scheme");
        if (a->authorization || !how) {
            snprintf(why, n, "http scheme %.60s: %s", name,
                     how ? "two schemes use the Authorization header" : "no 'scheme'");
            return false;
        }
        if (strcasecmp(how, "basic") == 0) {
            if (strcmp(a->type, "oauth2") == 0) {
                snprintf(why, n, "basic and oauth2 together");
                return false;
            }
            a->type = "basic";
            a->authorization = true;
            cJSON_AddStringToObject(a->extra, "username", "{credential.username}");
            cJSON_AddStringToObject(a->extra, "password", "{credential.password}");
            cJSON *u = cJSON_CreateObject();
            cJSON_AddStringToObject(u, "type", "string");
            cJSON_AddStringToObject(u, "title", "Username");
            cJSON_AddNumberToObject(u, "minLength", 1);
            add_field(f, "username", u);
            secret_field(f, "password", "Password", "HTTP basic authentication");
            return true;
        }
        if (strcasecmp(how, "bearer") == 0) {
            a->authorization = true;
            unique_input(field, sizeof field, f->properties, "token", "key");
            snprintf(tmpl, sizeof tmpl, "Bearer {credential.%s}", field);
            cJSON_AddStringToObject(a->headers, "Authorization", tmpl);
            secret_field(f, field, "Token", "Sent as Authorization: Bearer");
            return true;
        }
        snprintf(why, n, "http scheme %.60s: '%.20s' is not basic or bearer", name, how);
        return false;
    }
    if (strcmp(type, "oauth2") == 0) {
        const cJSON *flow =
            cJSON_GetObjectItem(cJSON_GetObjectItem(scheme, "flows"), "authorizationCode");
        const char *auth_url = json_get_str(flow, "authorizationUrl");
        const char *token_url = json_get_str(flow, "tokenUrl");
        if (!flow || !auth_url || !token_url || a->authorization || strcmp(a->type, "basic") == 0 ||
            !(has_prefix(auth_url, "http://") || has_prefix(auth_url, "https://")) ||
            !(has_prefix(token_url, "http://") || has_prefix(token_url, "https://"))) {
            snprintf(why, n,
                     "oauth2 scheme %.60s: only the authorizationCode flow with absolute URLs "
                     "(and no other Authorization scheme) maps",
                     name);
            return false;
        }
        a->type = "oauth2";
        a->authorization = true;
        cJSON_AddStringToObject(a->extra, "authorizeUrl", auth_url);
        cJSON_AddStringToObject(a->extra, "tokenUrl", token_url);
        struct buf b = {0};
        const cJSON *s;
        if (cJSON_GetArraySize(scopes) > 0) {
            cJSON_ArrayForEach(s, scopes) if (cJSON_IsString(s))
                buf_printf(&b, "%s%s", b.len ? " " : "", s->valuestring);
        } else {
            const cJSON *all = cJSON_GetObjectItem(flow, "scopes");
            if (!cJSON_IsObject(all))
                all = NULL;
            cJSON_ArrayForEach(s, all) buf_printf(&b, "%s%s", b.len ? " " : "", s->string);
        }
        char *joined = buf_take(&b);
        if (joined)
            cJSON_AddStringToObject(a->extra, "scopes", joined);
        free(joined);
        cJSON_AddStringToObject(a->headers, "Authorization", "Bearer {credential.access_token}");
        return true;
    }
    snprintf(why, n, "security scheme %.60s: type %.30s does not map to a connector's auth", name,
             type);
    return false;
}

/* Tries one security requirement ({scheme: scopes, ...}); on success fills auth and fields. */
static cJSON *try_requirement(struct conv *c, const cJSON *req, const cJSON *base_fields, char *why,
                              size_t n)
{
    const cJSON *schemes =
        cJSON_GetObjectItem(cJSON_GetObjectItem(c->spec, "components"), "securitySchemes");
    struct auth a = {.type = "apiKey",
                     .headers = cJSON_CreateObject(),
                     .query = cJSON_CreateObject(),
                     .extra = cJSON_CreateObject()};
    struct fields f = {cJSON_Duplicate(cJSON_GetObjectItem(base_fields, "properties"), true),
                       cJSON_Duplicate(cJSON_GetObjectItem(base_fields, "required"), true)};
    bool ok = true;
    const cJSON *r;
    cJSON_ArrayForEach(r, req)
    {
        const cJSON *scheme =
            openapi_deref(c->spec, cJSON_GetObjectItemCaseSensitive(schemes, r->string));
        if (!scheme) {
            snprintf(why, n, "security scheme %.60s is not in components.securitySchemes",
                     r->string);
            ok = false;
            break;
        }
        if (!(ok = add_scheme(c, &a, &f, r->string, scheme, r, why, n)))
            break;
    }
    cJSON *auth = NULL;
    if (ok) {
        auth = cJSON_CreateObject();
        cJSON_AddStringToObject(auth, "type", a.type);
        cJSON *fields = cJSON_AddObjectToObject(auth, "fields");
        cJSON_AddStringToObject(fields, "type", "object");
        cJSON_AddItemToObject(fields, "required", f.required);
        cJSON_AddFalseToObject(fields, "additionalProperties");
        cJSON_AddItemToObject(fields, "properties", f.properties);
        f.required = f.properties = NULL;
        if (a.headers->child) {
            cJSON_AddItemToObject(auth, "headers", a.headers);
            a.headers = NULL;
        }
        if (a.query->child) {
            cJSON_AddItemToObject(auth, "query", a.query);
            a.query = NULL;
        }
        cJSON *m;
        while ((m = a.extra->child))
            cJSON_AddItemToObject(auth, m->string, cJSON_DetachItemViaPointer(a.extra, m));
    }
    cJSON_Delete(a.headers);
    cJSON_Delete(a.query);
    cJSON_Delete(a.extra);
    cJSON_Delete(f.properties);
    cJSON_Delete(f.required);
    return auth;
}

/* The auth section: the first requirement of the document's security (or, without one, the first
 * scheme) that a connector can express; without any, "none" — or "apiKey" with only the server
 * variables as fields when the base URL needs them. */
static cJSON *build_auth(struct conv *c, const cJSON *base_fields)
{
    const cJSON *security = cJSON_GetObjectItem(c->spec, "security");
    const cJSON *schemes =
        cJSON_GetObjectItem(cJSON_GetObjectItem(c->spec, "components"), "securitySchemes");
    cJSON *candidates = cJSON_CreateArray();
    const cJSON *s;
    if (cJSON_IsArray(security)) {
        cJSON_ArrayForEach(s, security) if (cJSON_IsObject(s))
            cJSON_AddItemToArray(candidates, cJSON_Duplicate(s, true));
    } else if (cJSON_IsObject(schemes)) {
        cJSON_ArrayForEach(s, schemes)
        {
            cJSON *req = cJSON_CreateObject();
            cJSON_AddItemToObject(req, s->string, cJSON_CreateArray());
            cJSON_AddItemToArray(candidates, req);
        }
    }
    cJSON *auth = NULL;
    char why[300] = "";
    bool open = false;
    cJSON_ArrayForEach(s, candidates)
    {
        if (!s->child) {
            open = true; /* {}: the API may be called without credentials */
            continue;
        }
        char reason[300];
        auth = try_requirement(c, s, base_fields, reason, sizeof reason);
        if (auth)
            break;
        if (!why[0])
            snprintf(why, sizeof why, "%s", reason);
    }
    cJSON_Delete(candidates);
    if (auth)
        return auth;
    if (why[0] && !open)
        warnf(c, "%s: the connector has no auth (edit its auth section)", why);
    auth = cJSON_CreateObject();
    if (!cJSON_GetArraySize(cJSON_GetObjectItem(base_fields, "required"))) {
        cJSON_AddStringToObject(auth, "type", "none");
        return auth;
    }
    cJSON_AddStringToObject(auth, "type", "apiKey");
    cJSON_AddItemToObject(auth, "fields", cJSON_Duplicate(base_fields, true));
    return auth;
}

/* ---- operations ------------------------------------------------------------------------------ */

/* Parameters taken from one operation (path-level and its own together): they are gathered in a
 * fixed array; more are ignored, which no real API comes near. */
#define MAX_PARAMETERS 256

/* Path-level parameters overridden by the operation's own (same name and location), dereferenced,
 * into out (borrowed from spec). Returns how many. */
static int merged_parameters(struct conv *c, const cJSON *item, const cJSON *op,
                             const cJSON *out[MAX_PARAMETERS])
{
    int count = 0;
    const cJSON *lists[2] = {cJSON_GetObjectItem(item, "parameters"),
                             cJSON_GetObjectItem(op, "parameters")};
    for (int l = 0; l < 2; l++) {
        const cJSON *p;
        cJSON_ArrayForEach(p, lists[l])
        {
            const cJSON *param = openapi_deref(c->spec, p);
            const char *name = json_get_str(param, "name"), *in = json_get_str(param, "in");
            if (!name || !in)
                continue;
            int i = 0;
            while (i < count && (strcmp(json_get_str(out[i], "name"), name) != 0 ||
                                 strcmp(json_get_str(out[i], "in"), in) != 0))
                i++;
            if (i < count)
                out[i] = param;
            else if (count < MAX_PARAMETERS)
                out[count++] = param;
        }
    }
    return count;
}

/* The schema of a parameter (its schema, or the schema of its first content type). */
static const cJSON *parameter_schema(const cJSON *param)
{
    const cJSON *s = cJSON_GetObjectItem(param, "schema");
    if (s)
        return s;
    const cJSON *content = cJSON_GetObjectItem(param, "content");
    return content && content->child ? cJSON_GetObjectItem(content->child, "schema") : NULL;
}

/* The media type of a request body to send: JSON first, then anything but multipart. */
static const cJSON *pick_media(const cJSON *content, bool *json)
{
    const cJSON *m;
    *json = true;
    if (!cJSON_IsObject(content))
        return NULL;
    cJSON_ArrayForEach(m, content) if (strstr(m->string, "json")) return m;
    *json = false;
    cJSON_ArrayForEach(m, content) if (!has_prefix(m->string, "multipart/")) return m;
    return NULL;
}

/* One action being built: its inputs schema, and the request parts. */
struct action {
    cJSON *props;
    cJSON *required;
    struct buf query;          /* JSONata object members */
    cJSON *headers;            /* {name: template} */
    cJSON *param_inputs;       /* input names taken by parameters */
    char path_map[64][2][160]; /* path parameter name -> input name */
    int npath;
    bool closed; /* the body allows no other properties */
};

static cJSON *inline_for(struct conv *c, const char *where, const cJSON *schema, bool request,
                         int depth, int *budget)
{
    struct openapi_inline ctx = {.spec = c->spec,
                                 .request = request,
                                 .budget = *budget,
                                 .json_depth = depth,
                                 .where = where,
                                 .warnings = c->warnings};
    cJSON *out = openapi_schema_inline(&ctx, schema);
    *budget = ctx.budget;
    return out;
}

static void add_parameter(struct conv *c, struct action *a, const char *where, const cJSON *param,
                          int *budget)
{
    const char *name = json_get_str(param, "name"), *in = json_get_str(param, "in");
    bool required = cJSON_IsTrue(cJSON_GetObjectItem(param, "required"));
    char want[128], input[140];
    if (strcmp(in, "cookie") == 0) {
        warnf(c, "%s: cookie parameter %.60s left out", where, name);
        return;
    }
    if (strcmp(in, "header") == 0) {
        /* OpenAPI: these three are described elsewhere (content, auth) and ignored here. */
        if (strcasecmp(name, "Accept") == 0 || strcasecmp(name, "Content-Type") == 0 ||
            strcasecmp(name, "Authorization") == 0)
            return;
        if (!required || !header_token(name)) {
            warnf(c, "%s: %s header parameter %.60s left out", where,
                  required ? "unusable" : "optional", name);
            return;
        }
    }
    if (strcmp(in, "path") != 0 && strcmp(in, "query") != 0 && strcmp(in, "header") != 0)
        return;
    if (strcmp(in, "query") == 0) {
        size_t j = 0;
        for (const char *p = name; *p && j + 1 < sizeof want; p++)
            want[j++] = *p == '`' ? '_' : *p;
        want[j] = '\0';
    } else {
        safe_name(want, sizeof want, name);
    }
    unique_input(input, sizeof input, a->props, want, in);
    const cJSON *raw = parameter_schema(param);
    cJSON *schema =
        raw ? inline_for(c, where, raw, false, INPUTS_DEPTH + 2, budget) : cJSON_CreateObject();
    const char *desc = json_get_str(param, "description");
    if (cJSON_IsObject(schema) && desc && !cJSON_GetObjectItem(schema, "description"))
        cJSON_AddStringToObject(schema, "description", desc);
    if (cJSON_IsObject(schema) && cJSON_IsTrue(cJSON_GetObjectItem(param, "deprecated")) &&
        !cJSON_GetObjectItem(schema, "deprecated"))
        cJSON_AddTrueToObject(schema, "deprecated");
    cJSON_AddItemToObject(a->props, input, schema);
    cJSON_AddItemToArray(a->param_inputs, cJSON_CreateString(input));
    if (required || strcmp(in, "path") == 0)
        cJSON_AddItemToArray(a->required, cJSON_CreateString(input));
    if (strcmp(in, "path") == 0) {
        if (a->npath < 64) {
            snprintf(a->path_map[a->npath][0], sizeof a->path_map[0][0], "%s", name);
            snprintf(a->path_map[a->npath][1], sizeof a->path_map[0][1], "%s", input);
            a->npath++;
        }
    } else if (strcmp(in, "header") == 0) {
        char tmpl[160];
        snprintf(tmpl, sizeof tmpl, "{inputs.%s}", input);
        cJSON_AddStringToObject(a->headers, name, tmpl);
    } else {
        /* Arrays go comma-separated (form style, explode false): the renderer sends one value per
         * name, so repeated names (explode true) cannot be produced. */
        const cJSON *type = cJSON_GetObjectItem(schema, "type");
        bool array = cJSON_IsString(type) && strcmp(type->valuestring, "array") == 0;
        if (a->query.len)
            buf_puts(&a->query, ", ");
        put_literal(&a->query, name);
        buf_puts(&a->query, ": ");
        if (array)
            buf_puts(&a->query, "$join(");
        put_input(&a->query, input);
        if (array)
            buf_puts(&a->query, ".$string(), ',')");
    }
}

/* The path as a template: {name} -> {inputs.INPUT}; a placeholder without a declared parameter
 * gets a required string input of its own. */
static char *path_template(struct action *a, const char *path)
{
    struct buf b = {0};
    for (const char *p = path; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (!close) {
            buf_putc(&b, *p++);
            continue;
        }
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(close - p - 1 < 127 ? close - p - 1 : 127),
                 p + 1);
        const char *input = NULL;
        for (int i = 0; i < a->npath && !input; i++)
            if (strcmp(a->path_map[i][0], name) == 0)
                input = a->path_map[i][1];
        char made[140];
        if (!input) {
            char want[128];
            safe_name(want, sizeof want, name);
            unique_input(made, sizeof made, a->props, want, "path");
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "type", "string");
            cJSON_AddItemToObject(a->props, made, s);
            cJSON_AddItemToArray(a->required, cJSON_CreateString(made));
            cJSON_AddItemToArray(a->param_inputs, cJSON_CreateString(made));
            input = made;
        }
        buf_printf(&b, "{inputs.%s}", input);
        p = close + 1;
    }
    char *t = buf_take(&b);
    return t ? t : strdup("");
}

static bool collides(const cJSON *flat, const cJSON *props)
{
    const cJSON *p;
    cJSON_ArrayForEach(
        p, cJSON_GetObjectItem(
               flat, "properties")) if (cJSON_GetObjectItemCaseSensitive(props,
                                                                         p->string)) return true;
    return false;
}

/* The request body: a plain JSON object's properties become inputs of their own (sent as every
 * input that is not a parameter), anything else one input "body". */
static void add_body(struct conv *c, struct action *a, cJSON *action, const char *where,
                     const cJSON *op, int *budget)
{
    const cJSON *rb = openapi_deref(c->spec, cJSON_GetObjectItem(op, "requestBody"));
    if (!rb)
        return;
    bool json;
    const cJSON *content = cJSON_GetObjectItem(rb, "content");
    const cJSON *media = pick_media(content, &json);
    if (!media && cJSON_GetArraySize(content) > 0) {
        warnf(c, "%s: a multipart request body is not supported; left out", where);
        return;
    }
    if (!media)
        return;
    bool required = cJSON_IsTrue(cJSON_GetObjectItem(rb, "required"));
    const cJSON *raw = cJSON_GetObjectItem(media, "schema");
    cJSON *schema =
        raw ? inline_for(c, where, raw, true, INPUTS_DEPTH + 2, budget) : cJSON_CreateObject();
    cJSON *flat = json ? openapi_schema_flatten(schema) : NULL;
    if (flat && !collides(flat, a->props)) {
        cJSON *p;
        while ((p = cJSON_GetObjectItem(flat, "properties")->child))
            cJSON_AddItemToObject(
                a->props, p->string,
                cJSON_DetachItemViaPointer(cJSON_GetObjectItem(flat, "properties"), p));
        if (required) {
            cJSON_ArrayForEach(p, cJSON_GetObjectItem(flat, "required"))
                cJSON_AddItemToArray(a->required, cJSON_CreateString(p->valuestring));
        }
        a->closed = cJSON_IsFalse(cJSON_GetObjectItem(flat, "additionalProperties"));
        struct buf b = {0};
        if (cJSON_GetArraySize(a->param_inputs) == 0) {
            buf_puts(&b, "inputs");
        } else {
            buf_puts(&b, "$sift(inputs, function($v, $k) {$not($k in [");
            const cJSON *n;
            cJSON_ArrayForEach(n, a->param_inputs)
            {
                put_literal(&b, n->valuestring);
                if (n->next)
                    buf_puts(&b, ", ");
            }
            buf_puts(&b, "])})");
        }
        char *expr = buf_take(&b);
        cJSON_AddStringToObject(action, "body", expr ? expr : "inputs");
        free(expr);
        cJSON_Delete(flat);
        cJSON_Delete(schema);
        return;
    }
    cJSON_Delete(flat);
    char input[140];
    unique_input(input, sizeof input, a->props, "body", "input");
    const char *desc = json_get_str(rb, "description");
    if (cJSON_IsObject(schema) && desc && !cJSON_GetObjectItem(schema, "description"))
        cJSON_AddStringToObject(schema, "description", desc);
    if (!json) {
        cJSON_Delete(schema);
        schema = cJSON_CreateObject();
        cJSON_AddStringToObject(schema, "type", "string");
        char d[200];
        snprintf(d, sizeof d, "The request body, sent as %.100s", media->string);
        cJSON_AddStringToObject(schema, "description", d);
        cJSON_AddStringToObject(a->headers, "Content-Type", media->string);
    }
    cJSON_AddItemToObject(a->props, input, schema);
    if (required)
        cJSON_AddItemToArray(a->required, cJSON_CreateString(input));
    struct buf b = {0};
    put_input(&b, input);
    char *expr = buf_take(&b);
    cJSON_AddStringToObject(action, "body", expr ? expr : "inputs.body");
    free(expr);
}

/* The inputs schema must compile where the server compiles it; a vendor's regular expression
 * or format the validator rejects is dropped rather than losing the action. */
/* The JSON schema of the operation's success answer (200, else the first other 2xx), inlined as
 * the inputs are, or NULL when it has none or it does not compile. */
static cJSON *output_schema(struct conv *c, const char *where, const cJSON *op, int *budget)
{
    const cJSON *responses = cJSON_GetObjectItem(op, "responses"), *r, *pick = NULL;
    cJSON_ArrayForEach(r, responses)
    {
        if (!r->string || r->string[0] != '2')
            continue;
        if (!pick || strcmp(r->string, "200") == 0)
            pick = r;
        if (strcmp(r->string, "200") == 0)
            break;
    }
    const cJSON *resp = pick ? openapi_deref(c->spec, pick) : NULL;
    bool json;
    const cJSON *media = resp ? pick_media(cJSON_GetObjectItem(resp, "content"), &json) : NULL;
    const cJSON *raw = media && json ? cJSON_GetObjectItem(media, "schema") : NULL;
    if (!raw)
        return NULL;
    cJSON *schema = inline_for(c, where, raw, false, INPUTS_DEPTH, budget);
    char *msg = NULL;
    schema_t *s = schema ? schema_compile(schema, NULL, &msg) : NULL;
    if (!s) {
        warnf(c, "%s: the response schema does not compile (%.120s); no outputSchema", where,
              msg ? msg : "?");
        cJSON_Delete(schema);
        schema = NULL;
    }
    free(msg);
    schema_free(s);
    return schema;
}

static void check_inputs(struct conv *c, const char *where, cJSON *inputs)
{
    char *msg = NULL;
    schema_t *s = schema_compile(inputs, NULL, &msg);
    if (!s) {
        free(msg);
        msg = NULL;
        openapi_schema_strip_patterns(inputs);
        s = schema_compile(inputs, NULL, &msg);
        if (s)
            warnf(c, "%s: patterns and formats dropped from the inputs (they did not compile)",
                  where);
    }
    if (!s) {
        warnf(c,
              "%s: the inputs schema does not compile (%.120s); replaced by {\"type\": "
              "\"object\"}",
              where, msg ? msg : "?");
        cJSON *p;
        while ((p = inputs->child))
            cJSON_Delete(cJSON_DetachItemViaPointer(inputs, p));
        cJSON_AddStringToObject(inputs, "type", "object");
    }
    free(msg);
    schema_free(s);
}

static cJSON *build_action(struct conv *c, const char *name, const char *path, const char *method,
                           const cJSON *item, const cJSON *op)
{
    char where[200];
    snprintf(where, sizeof where, "actions.%s (%s %.120s)", name, method, path);
    int budget = ACTION_SCHEMA_BUDGET;
    struct action *a = calloc(1, sizeof *a);
    cJSON *action = cJSON_CreateObject();
    if (!a || !action) {
        free(a);
        cJSON_Delete(action);
        return NULL;
    }
    const char *summary = json_get_str(op, "summary"), *desc = json_get_str(op, "description");
    const char *op_id = json_get_str(op, "operationId");
    char upper[8];
    snprintf(upper, sizeof upper, "%s", method);
    for (char *p = upper; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    char fallback[300];
    snprintf(fallback, sizeof fallback, "%s %.200s", upper, path);
    cJSON_AddStringToObject(action, "title",
                            summary && *summary ? summary
                            : op_id             ? op_id
                                                : fallback);
    if (desc && *desc) {
        size_t n = strlen(desc);
        while (n && isspace((unsigned char)desc[n - 1]))
            n--;
        char *d = strndup(desc, n);
        cJSON_AddStringToObject(action, "description", d ? d : "");
        free(d);
    }
    cJSON_AddStringToObject(action, "method", upper);
    a->props = cJSON_CreateObject();
    a->required = cJSON_CreateArray();
    a->headers = cJSON_CreateObject();
    a->param_inputs = cJSON_CreateArray();
    const cJSON *params[MAX_PARAMETERS];
    int nparams = merged_parameters(c, item, op, params);
    for (int i = 0; i < nparams; i++)
        add_parameter(c, a, where, params[i], &budget);
    char *tmpl = path_template(a, path);
    cJSON_AddStringToObject(action, "path", tmpl);
    free(tmpl);
    if (a->query.len) {
        struct buf q = {0};
        buf_printf(&q, "{%s}", a->query.data);
        char *expr = buf_take(&q);
        cJSON_AddStringToObject(action, "query", expr ? expr : "{}");
        free(expr);
    }
    add_body(c, a, action, where, op, &budget);
    if (a->headers->child) {
        cJSON_AddItemToObject(action, "headers", a->headers);
        a->headers = NULL;
    }
    cJSON *inputs = cJSON_CreateObject();
    cJSON_AddStringToObject(inputs, "type", "object");
    if (cJSON_GetArraySize(a->required) > 0) {
        cJSON_AddItemToObject(inputs, "required", a->required);
        a->required = NULL;
    }
    cJSON_AddItemToObject(inputs, "properties", a->props);
    a->props = NULL;
    if (a->closed)
        cJSON_AddFalseToObject(inputs, "additionalProperties");
    check_inputs(c, where, inputs);
    cJSON *output = output_schema(c, where, op, &budget);
    /* The schemas come last: they are the long part of an action. */
    cJSON_AddItemToObject(action, "inputs", inputs);
    if (output)
        cJSON_AddItemToObject(action, "outputSchema", output);
    if (budget <= 0)
        warnf(c, "%s: its schemas were cut at %d schema objects", where, ACTION_SCHEMA_BUDGET);
    cJSON_Delete(a->props);
    cJSON_Delete(a->required);
    cJSON_Delete(a->headers);
    cJSON_Delete(a->param_inputs);
    buf_free(&a->query);
    free(a);
    return action;
}

static bool selected(struct conv *c, const cJSON *op, const char *name)
{
    if (c->o->ntags == 0 && c->o->noperations == 0)
        return true;
    bool hit = false;
    const char *op_id = json_get_str(op, "operationId");
    for (int i = 0; i < c->o->noperations; i++)
        if ((op_id && strcmp(op_id, c->o->operations[i]) == 0) ||
            strcmp(name, c->o->operations[i]) == 0)
            hit = c->op_used[i] = true;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(op, "tags"))
    {
        for (int i = 0; cJSON_IsString(t) && i < c->o->ntags; i++)
            if (strcmp(t->valuestring, c->o->tags[i]) == 0)
                hit = c->tag_used[i] = true;
    }
    return hit;
}

static void build_actions(struct conv *c, cJSON *actions)
{
    int skipped = 0;
    const cJSON *path;
    cJSON_ArrayForEach(path, cJSON_GetObjectItem(c->spec, "paths"))
    {
        const cJSON *item = openapi_deref(c->spec, path);
        if (!cJSON_IsObject(item))
            continue;
        const cJSON *m;
        cJSON_ArrayForEach(m, item)
        {
            if (listed(m->string, OTHER_METHODS)) {
                skipped++;
                continue;
            }
            if (!listed(m->string, METHODS) || !cJSON_IsObject(m))
                continue;
            char *name =
                action_name(actions, json_get_str(m, "operationId"), m->string, path->string);
            if (!name)
                continue;
            if (selected(c, m, name)) {
                cJSON *action = build_action(c, name, path->string, m->string, item, m);
                if (action)
                    cJSON_AddItemToObject(actions, name, action);
            }
            free(name);
        }
    }
    if (skipped)
        warnf(c,
              "%d HEAD, OPTIONS or TRACE operations left out (a connector sends GET, POST, "
              "PUT, PATCH, DELETE)",
              skipped);
}

cJSON *openapi_to_connector(const cJSON *spec, const struct openapi_options *o, cJSON *warnings,
                            char *err, size_t n)
{
    const char *version = json_get_str(spec, "openapi");
    if (!cJSON_IsObject(spec) || !version) {
        if (cJSON_GetObjectItem(spec, "swagger"))
            snprintf(err, n,
                     "a Swagger 2.0 document: only OpenAPI 3.0 and 3.1 are supported "
                     "(convert it first, e.g. with swagger2openapi)");
        else
            snprintf(err, n, "not an OpenAPI document: no top-level \"openapi\" member");
        return NULL;
    }
    if (!has_prefix(version, "3.")) {
        snprintf(err, n, "OpenAPI %.20s: only 3.0 and 3.1 are supported", version);
        return NULL;
    }
    const cJSON *paths = cJSON_GetObjectItem(spec, "paths");
    if (paths && !cJSON_IsObject(paths)) {
        snprintf(err, n, "\"paths\" is not an object");
        return NULL;
    }
    struct conv c = {.spec = spec, .o = o, .warnings = warnings};
    c.tag_used = calloc((size_t)o->ntags + 1, sizeof(bool));
    c.op_used = calloc((size_t)o->noperations + 1, sizeof(bool));
    cJSON *conn = cJSON_CreateObject();
    cJSON_AddStringToObject(conn, "app", o->app);
    cJSON_AddStringToObject(conn, "name", o->name ? o->name : o->app);
    const cJSON *info = cJSON_GetObjectItem(spec, "info");
    const char *title = json_get_str(info, "title"), *summary = json_get_str(info, "summary");
    if ((summary && *summary) || (title && *title))
        cJSON_AddStringToObject(conn, "description", summary && *summary ? summary : title);

    struct fields f = {cJSON_CreateObject(), cJSON_CreateArray()};
    char first_field[128] = "";
    char *url = o->base_url ? strdup(o->base_url) : base_url(&c, &f, first_field);
    if (url)
        cJSON_AddStringToObject(conn, "baseUrl", url);
    free(url);
    cJSON *base_fields = cJSON_CreateObject();
    cJSON_AddItemToObject(base_fields, "type", cJSON_CreateString("object"));
    cJSON_AddItemToObject(base_fields, "required", f.required);
    cJSON_AddFalseToObject(base_fields, "additionalProperties");
    cJSON_AddItemToObject(base_fields, "properties", f.properties);
    cJSON *auth = build_auth(&c, base_fields);
    if (first_field[0] && cJSON_GetObjectItem(auth, "fields")) {
        char cred_name[300];
        snprintf(cred_name, sizeof cred_name, "%.100s {credential.%.100s}",
                 o->name ? o->name : o->app, first_field);
        cJSON_AddStringToObject(auth, "credentialName", cred_name);
    }
    cJSON_AddItemToObject(conn, "auth", auth);
    cJSON_Delete(base_fields);

    cJSON *actions = cJSON_AddObjectToObject(conn, "actions");
    build_actions(&c, actions);
    bool unmatched = false;
    for (int i = 0; i < o->ntags && !unmatched; i++)
        if (!c.tag_used[i]) {
            snprintf(err, n, "no operation has the tag '%.100s'", o->tags[i]);
            unmatched = true;
        }
    for (int i = 0; i < o->noperations && !unmatched; i++)
        if (!c.op_used[i]) {
            snprintf(err, n, "no operation '%.100s' (give an operationId or an action name)",
                     o->operations[i]);
            unmatched = true;
        }
    free(c.tag_used);
    free(c.op_used);
    if (unmatched) {
        cJSON_Delete(conn);
        return NULL;
    }
    if (!actions->child)
        warnf(&c, "the document has no operations: the connector has no actions");
    return conn;
}
