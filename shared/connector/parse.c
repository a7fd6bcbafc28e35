/*
 * Building a struct connector from its JSON document: copies the strings, compiles every JSONata
 * expression and JSON Schema once. The document's shape is checked before this by the connector
 * schema (connectors/connector.schema.json); what is checked here is what a schema cannot say.
 */
#include "connector/connector.h"

#include "json/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t n, const char *fmt, ...)
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
        fail(err, n, "%s.%s: must be a JSONata expression (a string)", where, key);
        return false;
    }
    struct mapping_error me;
    *out = mapping_compile(v->valuestring, strlen(v->valuestring), &me);
    if (!*out) {
        fail(err, n, "%s.%s: %s %s", where, key, me.code, me.message);
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
        fail(err, n, "%s.%s: must be an object of templates", where, key);
        return false;
    }
    cJSON_ArrayForEach(m, v) if (!cJSON_IsString(m) || strpbrk(m->string, ":\r\n "))
    {
        fail(err, n, "%s.%s.%s: must be a template string with a valid name", where, key,
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
        fail(err, n, "%s: must be a request object", where);
        return false;
    }
    const char *method = json_get_str(obj, "method"), *path = json_get_str(obj, "path");
    if (!method || !path) {
        fail(err, n, "%s: method and path are required", where);
        return false;
    }
    r->method = strdup(method);
    r->path = strdup(path);
    return string_map(obj, "headers", where, &r->headers, err, n) &&
           compile(obj, "query", where, &r->query, err, n) &&
           compile(obj, "body", where, &r->body, err, n) &&
           compile(obj, "output", where, &r->output, err, n);
}

static bool parse_action(const cJSON *doc, struct connector_action *a, char *err, size_t n)
{
    char where[160];
    snprintf(where, sizeof where, "actions.%.100s", doc->string);
    a->name = strdup(doc->string);
    a->title = dup_str(doc, "title");
    a->description = dup_str(doc, "description");
    const cJSON *schema = cJSON_GetObjectItem(doc, "inputs");
    if (schema) {
        char *msg = NULL;
        a->inputs = schema_compile(schema, NULL, &msg);
        if (!a->inputs) {
            fail(err, n, "%s.inputs: %s", where, msg ? msg : "not a valid JSON Schema");
            free(msg);
            return false;
        }
        a->input_schema = cJSON_Duplicate(schema, true);
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
            fail(err, n, "%s: a polling trigger needs items and key", where);
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
            fail(err, n, "%s.verify.type: unknown scheme '%.40s'", where, vtype);
            return false;
        }
        t->verify_header = dup_str(verify, "header");
        t->verify_secret = dup_str(verify, "secret");
        const char *enc = json_get_str(verify, "encoding");
        t->verify_hex = enc && strcmp(enc, "hex") == 0;
        if (t->verify != VERIFY_NONE && (!t->verify_header || !t->verify_secret)) {
            fail(err, n, "%s.verify: header and secret are required", where);
            return false;
        }
    }
    return compile(doc, "filter", where, &t->filter, err, n) &&
           compile(doc, "payload", where, &t->payload, err, n);
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
        fail(err, n, "a connector is an object with app and name");
        return NULL;
    }
    struct connector *c = calloc(1, sizeof *c);
    if (!c) {
        fail(err, n, "out of memory");
        return NULL;
    }
    c->app = dup_str(doc, "app");
    c->name = dup_str(doc, "name");
    c->icon = dup_str(doc, "icon");
    c->description = dup_str(doc, "description");
    c->base_url = dup_str(doc, "baseUrl");
    const cJSON *auth = cJSON_GetObjectItem(doc, "auth");
    c->auth = auth_type(json_get_str(auth, "type"));
    c->basic_username = dup_str(auth, "username");
    c->basic_password = dup_str(auth, "password");
    c->credential_name = dup_str(auth, "credentialName");
    c->oauth_authorize_url = dup_str(auth, "authorizeUrl");
    c->oauth_token_url = dup_str(auth, "tokenUrl");
    c->oauth_scopes = dup_str(auth, "scopes");
    if (c->auth == AUTH_OAUTH2 && (!c->oauth_authorize_url || !c->oauth_token_url)) {
        fail(err, n, "auth: oauth2 needs authorizeUrl and tokenUrl");
        connector_free(c);
        return NULL;
    }
    bool ok = string_map(auth, "headers", "auth", &c->auth_headers, err, n) &&
              string_map(auth, "query", "auth", &c->auth_query, err, n) &&
              compile(doc, "errorMessage", "connector", &c->error_message, err, n);
    const cJSON *fields = cJSON_GetObjectItem(auth, "fields");
    if (ok && fields) {
        char *msg = NULL;
        c->auth_schema = schema_compile(fields, NULL, &msg);
        if (!c->auth_schema) {
            fail(err, n, "auth.fields: %s", msg ? msg : "not a valid JSON Schema");
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
        fail(err, n, "out of memory");
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
        schema_free(a->inputs);
        request_clear(&a->request);
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
        cJSON_AddItemToArray(props, e);
    }
    return o;
}
