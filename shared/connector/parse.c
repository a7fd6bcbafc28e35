/*
 * Building a struct connector from its JSON document: copies the strings, compiles every JSONata
 * expression and JSON Schema once. The document's shape is checked before this by the connector
 * schema (connectors/connector.schema.json); what is checked here is what a schema cannot say.
 */
#include "connector/connector.h"
#include "connector/internal.h"

#include "json/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void connector_fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static char *dup_str(const cJSON *obj, const char *key)
{
    const char *s = json_get_str(obj, key);
    return s ? strdup(s) : NULL;
}

/* Compiles member key of obj when present. Returns false (err set) when it does not compile. */
static bool compile(const cJSON *obj, const char *key, const char *where, struct mapping_expr **out,
                    char *err, size_t n)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    if (!v)
        return true;
    if (!cJSON_IsString(v)) {
        connector_fail(err, n, "%s.%s: must be a JSONata expression (a string)", where, key);
        return false;
    }
    struct mapping_error me;
    *out = mapping_compile(v->valuestring, strlen(v->valuestring), &me);
    if (!*out) {
        connector_fail(err, n, "%s.%s: %s %s", where, key, me.code, me.message);
        return false;
    }
    return true;
}

static bool string_map(const cJSON *obj, const char *key, const char *where, cJSON **out, char *err,
                       size_t n)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItem(obj, key), *m;
    if (!v)
        return true;
    if (!cJSON_IsObject(v)) {
        connector_fail(err, n, "%s.%s: must be an object of templates", where, key);
        return false;
    }
    cJSON_ArrayForEach(m, v) if (!cJSON_IsString(m) || strpbrk(m->string, ":\r\n "))
    {
        connector_fail(err, n, "%s.%s.%s: must be a template string with a valid name", where, key,
                       m->string);
        return false;
    }
    *out = cJSON_Duplicate(v, true);
    return true;
}

static void request_clear(struct connector_request *r)
{
    free(r->method);
    free(r->path);
    cJSON_Delete(r->headers);
    mapping_free(r->query);
    mapping_free(r->body);
    mapping_free(r->output);
    memset(r, 0, sizeof *r);
}

static bool parse_request(const cJSON *obj, const char *where, struct connector_request *r,
                          char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    if (!cJSON_IsObject(obj)) {
        connector_fail(err, n, "%s: must be a request object", where);
        return false;
    }
    const char *method = json_get_str(obj, "method"), *path = json_get_str(obj, "path");
    if (!method || !path) {
        connector_fail(err, n, "%s: method and path are required", where);
        return false;
    }
    r->method = strdup(method);
    r->path = strdup(path);
    return string_map(obj, "headers", where, &r->headers, err, n) &&
           compile(obj, "query", where, &r->query, err, n) &&
           compile(obj, "body", where, &r->body, err, n) &&
           compile(obj, "output", where, &r->output, err, n);
}

static void pagination_free(struct connector_pagination *p)
{
    if (!p)
        return;
    free(p->param);
    free(p->size_param);
    mapping_free(p->items);
    mapping_free(p->next_cursor);
    mapping_free(p->total_pages);
    free(p);
}

/* An integer member in [min, max], dflt when absent. false (err set) otherwise. */
static bool int_member(const cJSON *obj, const char *key, const char *where, long min, long max,
                       long dflt, long *out, char *err, size_t n)
{
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    *out = dflt;
    if (!v)
        return true;
    /* The range first: casting a double beyond long's range is undefined. */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)min && v->valuedouble <= (double)max) ||
        v->valuedouble != (double)(long)v->valuedouble) {
        connector_fail(err, n, "%s.%s: must be an integer from %ld to %ld", where, key, min, max);
        return false;
    }
    *out = (long)v->valuedouble;
    return true;
}

static const struct {
    const char *name;
    enum connector_page_style style;
} PAGE_STYLES[] = {
    {"page", PAGE_STYLE_PAGE},
    {"offset", PAGE_STYLE_OFFSET},
    {"cursor", PAGE_STYLE_CURSOR},
    {"link", PAGE_STYLE_LINK},
};

/* The pagination member of an action (see struct connector_pagination), checked for what makes
 * it unusable: a style without the parameter it sends, a cursor without nextCursor, bounds. */
static bool parse_pagination(const cJSON *doc, const char *action,
                             struct connector_pagination **out, char *err, size_t n)
{
    char where[200];
    snprintf(where, sizeof where, "%s.pagination", action);
    *out = NULL;
    if (!cJSON_IsObject(doc)) {
        connector_fail(err, n, "%s: must be an object", where);
        return false;
    }
    const char *style = json_get_str(doc, "style");
    size_t i = 0;
    while (i < sizeof PAGE_STYLES / sizeof PAGE_STYLES[0] &&
           (!style || strcmp(style, PAGE_STYLES[i].name) != 0))
        i++;
    if (i == sizeof PAGE_STYLES / sizeof PAGE_STYLES[0]) {
        connector_fail(err, n, "%s.style: must be page, offset, cursor or link", where);
        return false;
    }
    struct connector_pagination *p = calloc(1, sizeof *p);
    if (!p) {
        connector_fail(err, n, "out of memory");
        return false;
    }
    p->style = PAGE_STYLES[i].style;
    p->param = dup_str(doc, "param");
    p->size_param = dup_str(doc, "sizeParam");
    long size = 0, start = 0, max_pages = 0;
    bool ok = int_member(doc, "size", where, 1, CONNECTOR_MAX_PAGE_SIZE,
                         CONNECTOR_DEFAULT_PAGE_SIZE, &size, err, n) &&
              int_member(doc, "start", where, 0, 1000000, p->style == PAGE_STYLE_PAGE ? 1 : 0,
                         &start, err, n) &&
              int_member(doc, "maxPages", where, 1, CONNECTOR_MAX_PAGES,
                         CONNECTOR_DEFAULT_MAX_PAGES, &max_pages, err, n) &&
              compile(doc, "itemsPath", where, &p->items, err, n) &&
              compile(doc, "nextCursor", where, &p->next_cursor, err, n) &&
              compile(doc, "totalPages", where, &p->total_pages, err, n);
    p->size = (int)size;
    p->start = start;
    p->max_pages = (int)max_pages;
    if (ok && p->style != PAGE_STYLE_LINK && (!p->param || !*p->param)) {
        connector_fail(err, n, "%s: style %s needs param, the query parameter it sets", where,
                       style);
        ok = false;
    }
    if (ok && p->style == PAGE_STYLE_LINK && p->param) {
        connector_fail(err, n, "%s: style link follows the Link header and takes no param", where);
        ok = false;
    }
    if (ok && p->style == PAGE_STYLE_CURSOR && !p->next_cursor) {
        connector_fail(err, n, "%s: style cursor needs nextCursor, where the next cursor is read",
                       where);
        ok = false;
    }
    if (ok && p->style != PAGE_STYLE_CURSOR && p->next_cursor) {
        connector_fail(err, n, "%s: nextCursor belongs to style cursor", where);
        ok = false;
    }
    if (ok && p->size_param &&
        (!*p->size_param || (p->param && !strcmp(p->param, p->size_param)))) {
        connector_fail(err, n, "%s: sizeParam must be a parameter name other than param", where);
        ok = false;
    }
    if (!ok) {
        pagination_free(p);
        return false;
    }
    *out = p;
    return true;
}

/* A paginated action's inputs accept maxItems, the block's cap, unless the file defines it. */
static cJSON *with_max_items(const cJSON *schema)
{
    cJSON *s = schema ? cJSON_Duplicate(schema, true) : cJSON_CreateObject();
    if (!cJSON_IsObject(s))
        return s;
    cJSON *props = cJSON_GetObjectItem(s, "properties");
    if (!props)
        props = cJSON_AddObjectToObject(s, "properties");
    if (cJSON_IsObject(props) && !cJSON_GetObjectItem(props, CONNECTOR_MAX_ITEMS_INPUT)) {
        cJSON *m = cJSON_AddObjectToObject(props, CONNECTOR_MAX_ITEMS_INPUT);
        cJSON_AddStringToObject(m, "type", "integer");
        cJSON_AddNumberToObject(m, "minimum", 1);
        cJSON_AddStringToObject(m, "title", "At most this many items (all pages together)");
    }
    return s;
}

static bool parse_action(const cJSON *doc, struct connector_action *a, char *err, size_t n)
{
    char where[160];
    snprintf(where, sizeof where, "actions.%.100s", doc->string);
    a->name = strdup(doc->string);
    a->title = dup_str(doc, "title");
    a->description = dup_str(doc, "description");
    const cJSON *pagination = cJSON_GetObjectItem(doc, "pagination");
    if (pagination && !parse_pagination(pagination, where, &a->pagination, err, n))
        return false;
    if (pagination && cJSON_GetObjectItem(doc, "output")) {
        connector_fail(err, n,
                       "%s: output cannot be combined with pagination (the output is the items)",
                       where);
        return false;
    }
    const cJSON *given = cJSON_GetObjectItem(doc, "inputs");
    cJSON *schema = pagination ? with_max_items(given) : cJSON_Duplicate(given, true);
    if (schema) {
        char *msg = NULL;
        a->inputs = schema_compile(schema, NULL, &msg);
        if (!a->inputs) {
            connector_fail(err, n, "%s.inputs: %s", where, msg ? msg : "not a valid JSON Schema");
            free(msg);
            cJSON_Delete(schema);
            return false;
        }
        a->input_schema = schema;
    }
    const cJSON *output = cJSON_GetObjectItem(doc, "outputSchema");
    if (output) {
        char *msg = NULL;
        schema_t *compiled = schema_compile(output, NULL, &msg);
        if (!compiled) {
            connector_fail(err, n, "%s.outputSchema: %s", where,
                           msg ? msg : "not a valid JSON Schema");
            free(msg);
            return false;
        }
        schema_free(compiled);
        a->output_schema = cJSON_Duplicate(output, true);
    }
    return parse_request(doc, where, &a->request, err, n);
}

static bool parse_trigger(const cJSON *doc, struct connector_trigger *t, char *err, size_t n)
{
    char where[160], sub[200];
    snprintf(where, sizeof where, "triggers.%.100s", doc->string);
    t->name = strdup(doc->string);
    t->title = dup_str(doc, "title");
    t->event = dup_str(doc, "event");
    const char *type = json_get_str(doc, "type");
    t->polling = type && strcmp(type, "polling") == 0;
    if (t->polling) {
        snprintf(sub, sizeof sub, "%s.poll", where);
        if (!parse_request(cJSON_GetObjectItem(doc, "poll"), sub, &t->poll, err, n))
            return false;
        const cJSON *iv = cJSON_GetObjectItem(doc, "intervalSeconds");
        t->interval_s = cJSON_IsNumber(iv) ? (int)iv->valuedouble : CONNECTOR_DEFAULT_POLL_SECONDS;
        if (t->interval_s < CONNECTOR_MIN_POLL_SECONDS)
            t->interval_s = CONNECTOR_MIN_POLL_SECONDS;
        if (!compile(doc, "items", where, &t->items, err, n) ||
            !compile(doc, "key", where, &t->key, err, n) ||
            !compile(doc, "cursor", where, &t->cursor, err, n))
            return false;
        if (!t->items || !t->key) {
            connector_fail(err, n, "%s: a polling trigger needs items and key", where);
            return false;
        }
        return compile(doc, "payload", where, &t->payload, err, n);
    }
    snprintf(sub, sizeof sub, "%s.subscribe", where);
    if (!parse_request(cJSON_GetObjectItem(doc, "subscribe"), sub, &t->subscribe, err, n))
        return false;
    const cJSON *unsub = cJSON_GetObjectItem(doc, "unsubscribe");
    if (unsub) {
        snprintf(sub, sizeof sub, "%s.unsubscribe", where);
        t->has_unsubscribe = true;
        if (!parse_request(unsub, sub, &t->unsubscribe, err, n))
            return false;
    }
    const cJSON *enrich = cJSON_GetObjectItem(doc, "enrich");
    if (enrich) {
        snprintf(sub, sizeof sub, "%s.enrich", where);
        t->has_enrich = true;
        if (!parse_request(enrich, sub, &t->enrich, err, n))
            return false;
    }
    const cJSON *verify = cJSON_GetObjectItem(doc, "verify");
    const char *vtype = json_get_str(verify, "type");
    if (vtype) {
        if (strcmp(vtype, "secretHeader") == 0)
            t->verify = VERIFY_SECRET_HEADER;
        else if (strcmp(vtype, "hmacSha256") == 0)
            t->verify = VERIFY_HMAC_SHA256;
        else if (strcmp(vtype, "none") != 0) {
            connector_fail(err, n, "%s.verify.type: unknown scheme '%.40s'", where, vtype);
            return false;
        }
        t->verify_header = dup_str(verify, "header");
        t->verify_secret = dup_str(verify, "secret");
        const char *enc = json_get_str(verify, "encoding");
        t->verify_hex = enc && strcmp(enc, "hex") == 0;
        if (t->verify != VERIFY_NONE && (!t->verify_header || !t->verify_secret)) {
            connector_fail(err, n, "%s.verify: header and secret are required", where);
            return false;
        }
    }
    return compile(doc, "filter", where, &t->filter, err, n) &&
           compile(doc, "payload", where, &t->payload, err, n);
}

/* A declared host: lower-case labels of letters, digits, '-' and '*' (one label's characters),
 * optionally ":port". */
static bool host_pattern_ok(const cJSON *h)
{
    if (!cJSON_IsString(h) || !h->valuestring[0])
        return false;
    const char *s = h->valuestring;
    size_t host_len = strcspn(s, ":");
    for (size_t i = 0; i < host_len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr("-.*", s[i])))
            return false;
    if (s[0] == '.' || s[host_len - 1] == '.' || strstr(s, ".."))
        return false;
    if (!s[host_len])
        return true;
    const char *port = s + host_len + 1;
    return *port && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5;
}

static enum connector_auth auth_type(const char *s)
{
    if (!s || strcmp(s, "none") == 0)
        return AUTH_NONE;
    if (strcmp(s, "basic") == 0)
        return AUTH_BASIC;
    if (strcmp(s, "oauth2") == 0)
        return AUTH_OAUTH2;
    return AUTH_API_KEY;
}

struct connector *connector_parse(const cJSON *doc, char *err, size_t n)
{
    if (!cJSON_IsObject(doc) || !json_get_str(doc, "app") || !json_get_str(doc, "name")) {
        connector_fail(err, n, "a connector is an object with app and name");
        return NULL;
    }
    struct connector *c = calloc(1, sizeof *c);
    if (!c) {
        connector_fail(err, n, "out of memory");
        return NULL;
    }
    c->app = dup_str(doc, "app");
    c->name = dup_str(doc, "name");
    c->icon = dup_str(doc, "icon");
    c->description = dup_str(doc, "description");
    c->base_url = dup_str(doc, "baseUrl");
    const cJSON *hosts = cJSON_GetObjectItem(doc, "hosts"), *h;
    cJSON_ArrayForEach(h, hosts)
    {
        if (!host_pattern_ok(h)) {
            connector_fail(err, n,
                           "hosts: '%.80s' is not a host pattern (labels, '*' for one label)",
                           cJSON_IsString(h) ? h->valuestring : "");
            connector_free(c);
            return NULL;
        }
    }
    if (cJSON_IsArray(hosts) && cJSON_GetArraySize(hosts) > 0) {
        c->hosts = calloc((size_t)cJSON_GetArraySize(hosts) + 1, sizeof *c->hosts);
        int nh = 0;
        cJSON_ArrayForEach(h, hosts) if (c->hosts) c->hosts[nh++] = strdup(h->valuestring);
    }
    const cJSON *auth = cJSON_GetObjectItem(doc, "auth");
    c->auth = auth_type(json_get_str(auth, "type"));
    c->basic_username = dup_str(auth, "username");
    c->basic_password = dup_str(auth, "password");
    c->credential_name = dup_str(auth, "credentialName");
    c->oauth_authorize_url = dup_str(auth, "authorizeUrl");
    c->oauth_token_url = dup_str(auth, "tokenUrl");
    c->oauth_scopes = dup_str(auth, "scopes");
    if (c->auth == AUTH_OAUTH2 && (!c->oauth_authorize_url || !c->oauth_token_url)) {
        connector_fail(err, n, "auth: oauth2 needs authorizeUrl and tokenUrl");
        connector_free(c);
        return NULL;
    }
    bool ok = string_map(auth, "headers", "auth", &c->auth_headers, err, n) &&
              string_map(auth, "query", "auth", &c->auth_query, err, n) &&
              compile(doc, "errorMessage", "connector", &c->error_message, err, n);
    if (ok && cJSON_GetObjectItem(auth, "test")) {
        c->has_test = true;
        ok = parse_request(cJSON_GetObjectItem(auth, "test"), "auth.test", &c->test, err, n);
    }
    const cJSON *fields = cJSON_GetObjectItem(auth, "fields");
    if (ok && fields) {
        char *msg = NULL;
        static const struct schema_options formats = {.format_assertion = true};
        c->auth_schema = schema_compile(fields, &formats, &msg);
        if (!c->auth_schema) {
            connector_fail(err, n, "auth.fields: %s", msg ? msg : "not a valid JSON Schema");
            ok = false;
        }
        free(msg);
        c->auth_fields = cJSON_Duplicate(fields, true);
    }
    const cJSON *actions = cJSON_GetObjectItem(doc, "actions"), *a;
    int na = cJSON_GetArraySize(actions);
    if (ok && na > 0) {
        c->actions = calloc((size_t)na, sizeof *c->actions);
        cJSON_ArrayForEach(a, actions)
        {
            if (!ok || !c->actions)
                break;
            ok = parse_action(a, &c->actions[c->nactions++], err, n);
        }
    }
    const cJSON *triggers = cJSON_GetObjectItem(doc, "triggers"), *t;
    int nt = cJSON_GetArraySize(triggers);
    if (ok && nt > 0) {
        c->triggers = calloc((size_t)nt, sizeof *c->triggers);
        cJSON_ArrayForEach(t, triggers)
        {
            if (!ok || !c->triggers)
                break;
            ok = parse_trigger(t, &c->triggers[c->ntriggers++], err, n);
        }
    }
    if (ok && ((na > 0 && !c->actions) || (nt > 0 && !c->triggers))) {
        connector_fail(err, n, "out of memory");
        ok = false;
    }
    if (!ok) {
        connector_free(c);
        return NULL;
    }
    return c;
}

void connector_free(struct connector *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nactions; i++) {
        struct connector_action *a = &c->actions[i];
        free(a->name);
        free(a->title);
        free(a->description);
        cJSON_Delete(a->input_schema);
        cJSON_Delete(a->output_schema);
        schema_free(a->inputs);
        request_clear(&a->request);
        pagination_free(a->pagination);
    }
    free(c->actions);
    for (int i = 0; i < c->ntriggers; i++) {
        struct connector_trigger *t = &c->triggers[i];
        free(t->name);
        free(t->title);
        free(t->event);
        request_clear(&t->subscribe);
        request_clear(&t->unsubscribe);
        request_clear(&t->enrich);
        request_clear(&t->poll);
        mapping_free(t->items);
        mapping_free(t->key);
        mapping_free(t->cursor);
        free(t->verify_header);
        free(t->verify_secret);
        mapping_free(t->filter);
        mapping_free(t->payload);
    }
    free(c->triggers);
    free(c->app);
    free(c->name);
    free(c->icon);
    free(c->description);
    free(c->base_url);
    for (char **h = c->hosts; h && *h; h++)
        free(*h);
    free(c->hosts);
    if (c->has_test)
        request_clear(&c->test);
    cJSON_Delete(c->auth_fields);
    schema_free(c->auth_schema);
    cJSON_Delete(c->auth_headers);
    cJSON_Delete(c->auth_query);
    free(c->basic_username);
    free(c->basic_password);
    free(c->credential_name);
    free(c->oauth_authorize_url);
    free(c->oauth_token_url);
    free(c->oauth_scopes);
    mapping_free(c->error_message);
    free(c);
}

const struct connector_action *connector_action(const struct connector *c, const char *name)
{
    for (int i = 0; name && i < c->nactions; i++)
        if (strcmp(c->actions[i].name, name) == 0)
            return &c->actions[i];
    return NULL;
}

const struct connector_trigger *connector_trigger(const struct connector *c, const char *name)
{
    for (int i = 0; name && i < c->ntriggers; i++)
        if (strcmp(c->triggers[i].name, name) == 0)
            return &c->triggers[i];
    return NULL;
}

cJSON *connector_credential_metadata(const struct connector *c, const char *key)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, key, c->app);
    cJSON_AddStringToObject(o, "displayName", c->name);
    if (c->icon)
        cJSON_AddStringToObject(o, "icon", c->icon);
    cJSON_AddBoolToObject(o, "isOauth", c->auth == AUTH_OAUTH2);
    cJSON *props = cJSON_AddArrayToObject(o, "properties"), *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(c->auth_fields, "properties"))
    {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", p->string);
        const char *title = json_get_str(p, "title"), *desc = json_get_str(p, "description");
        cJSON_AddStringToObject(e, "displayName", title ? title : p->string);
        if (desc)
            cJSON_AddStringToObject(e, "description", desc);
        const cJSON *dflt = cJSON_GetObjectItem(p, "default");
        if (dflt)
            cJSON_AddItemToObject(e, "default", cJSON_Duplicate(dflt, true));
        const char *format = json_get_str(p, "format");
        if (cJSON_IsTrue(cJSON_GetObjectItem(p, "writeOnly")) ||
            (format && strcmp(format, "password") == 0))
            cJSON_AddTrueToObject(e, "secret");
        cJSON_AddItemToArray(props, e);
    }
    return o;
}
