/*
 * OpenAPI schema objects to self-contained JSON Schema 2020-12 (see openapi.h): local references
 * are inlined, the 3.0 dialect (nullable, boolean exclusive bounds) is rewritten and what only
 * documents the API (examples, xml, discriminator, extensions) is dropped. External references
 * ("other.yaml#/X") are not fetched: they become {} with a warning.
 */
#include "cli/openapi.h"

#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chained references followed before giving up: a chain that long is a loop. */
#define MAX_REF_HOPS 32
/* References open at once while inlining: the recursion depth of a schema graph walk. */
#define MAX_REF_STACK 64
/* Deepest nesting a generated schema may reach inside the connector file: the server parses
 * connector files with JSON_MAX_DEPTH, and a value copied verbatim (enum, default) needs room. */
#define MAX_SCHEMA_DEPTH (JSON_MAX_DEPTH - 8)

/* Members whose value is an object of schemas, a list of schemas, or one schema. */
static const char *const SCHEMA_MAPS[] = {"properties", "patternProperties", "dependentSchemas",
                                          NULL};
static const char *const SCHEMA_LISTS[] = {"allOf", "anyOf", "oneOf", "prefixItems", NULL};
static const char *const SCHEMA_ONE[] = {"items",
                                         "additionalProperties",
                                         "not",
                                         "contains",
                                         "propertyNames",
                                         "if",
                                         "then",
                                         "else",
                                         "unevaluatedProperties",
                                         "unevaluatedItems",
                                         "additionalItems",
                                         "contentSchema",
                                         NULL};
/* Documentation only, OpenAPI-only, or meaningless once references are inlined. */
static const char *const DROPPED[] = {
    "example",       "examples",       "xml",         "externalDocs",
    "discriminator", "nullable",       "$schema",     "$id",
    "$anchor",       "$dynamicAnchor", "$dynamicRef", "$comment",
    "$defs",         "definitions",    "$ref",        NULL};
static const char *const TYPES[] = {"null",   "boolean", "object",  "array",
                                    "number", "string",  "integer", NULL};

/* The state of one openapi_schema_inline call. */
struct walk {
    struct openapi_inline *ctx;
    const char *refs[MAX_REF_STACK];
    int nrefs;
    bool cut_warned;
};

static bool listed(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static void warn(struct walk *w, const char *fmt, const char *arg)
{
    if (!w->ctx->warnings)
        return;
    char msg[300], what[200];
    snprintf(what, sizeof what, fmt, arg);
    snprintf(msg, sizeof msg, "%s: %s", w->ctx->where ? w->ctx->where : "schema", what);
    cJSON *m;
    cJSON_ArrayForEach(m, w->ctx->warnings) if (strcmp(m->valuestring, msg) == 0) return;
    cJSON_AddItemToArray(w->ctx->warnings, cJSON_CreateString(msg));
}

const cJSON *openapi_pointer(const cJSON *spec, const char *ref)
{
    if (!ref || ref[0] != '#')
        return NULL;
    const cJSON *cur = spec;
    const char *p = ref + 1;
    if (*p && *p != '/')
        return NULL;
    while (cur && *p == '/') {
        p++;
        char seg[256];
        size_t n = 0;
        for (; *p && *p != '/'; p++) {
            char c = *p;
            if (c == '~' && (p[1] == '0' || p[1] == '1'))
                c = *++p == '0' ? '~' : '/';
            else if (c == '%' && p[1] && p[2]) {
                char hex[3] = {p[1], p[2], 0}, *end;
                long v = strtol(hex, &end, 16);
                if (*end == '\0' && v > 0) {
                    c = (char)v;
                    p += 2;
                }
            }
            if (n + 1 >= sizeof seg)
                return NULL;
            seg[n++] = c;
        }
        seg[n] = '\0';
        if (cJSON_IsArray(cur)) {
            char *end;
            long i = strtol(seg, &end, 10);
            cur = *end || n == 0 || i < 0 ? NULL : cJSON_GetArrayItem(cur, (int)i);
        } else {
            cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, seg) : NULL;
        }
    }
    return cur;
}

const cJSON *openapi_deref(const cJSON *spec, const cJSON *node)
{
    for (int hops = 0; node && hops <= MAX_REF_HOPS; hops++) {
        const char *ref = json_get_str(node, "$ref");
        if (!ref)
            return node;
        node = openapi_pointer(spec, ref);
    }
    return NULL;
}

static int depth_of(const cJSON *v)
{
    int d = 0;
    const cJSON *c;
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return 0;
    cJSON_ArrayForEach(c, v)
    {
        int cd = depth_of(c);
        if (cd > d)
            d = cd;
    }
    return d + 1;
}

static cJSON *walk_schema(struct walk *w, const cJSON *s, int depth);

/* A schema cut short: {} accepts anything, which is the honest answer for "not described". */
static cJSON *cut(struct walk *w, const char *why)
{
    if (!w->cut_warned) {
        warn(w, "%s; the rest is left open ({})", why);
        w->cut_warned = true;
    }
    return cJSON_CreateObject();
}

static cJSON *walk_ref(struct walk *w, const cJSON *s, const char *ref, int depth)
{
    for (int i = 0; i < w->nrefs; i++)
        if (strcmp(w->refs[i], ref) == 0)
            return cJSON_CreateObject(); /* a recursive schema: one level is described */
    const cJSON *target = openapi_pointer(w->ctx->spec, ref);
    if (!target) {
        warn(w, "$ref %.120s does not resolve in this document", ref);
        return cJSON_CreateObject();
    }
    if (w->nrefs == MAX_REF_STACK)
        return cut(w, "references nest too deeply");
    w->refs[w->nrefs++] = ref;
    cJSON *r = walk_schema(w, target, depth);
    w->nrefs--;
    /* Members beside $ref: 3.0 ignores them, 3.1 applies them. A description or title says what
     * this use of the target means; other scalar keywords apply where the target is silent. */
    const cJSON *m;
    cJSON_ArrayForEach(m, s)
    {
        const char *k = m->string;
        if (!cJSON_IsObject(r) || strncmp(k, "x-", 2) == 0 || listed(k, DROPPED) ||
            strcmp(k, "summary") == 0 || cJSON_IsObject(m) || cJSON_IsArray(m))
            continue;
        if (strcmp(k, "description") == 0 || strcmp(k, "title") == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(r, k);
        if (!cJSON_GetObjectItemCaseSensitive(r, k))
            cJSON_AddItemToObject(r, k, cJSON_Duplicate(m, false));
    }
    return r;
}

static bool valid_type(const cJSON *t)
{
    if (cJSON_IsString(t))
        return listed(t->valuestring, TYPES);
    if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) == 0)
        return false;
    const cJSON *e;
    cJSON_ArrayForEach(e, t) if (!cJSON_IsString(e) || !listed(e->valuestring, TYPES)) return false;
    return true;
}

/* OpenAPI 3.0's nullable: true adds null to the type (and to an enum). */
static void apply_nullable(cJSON *out)
{
    cJSON *type = cJSON_GetObjectItemCaseSensitive(out, "type");
    if (cJSON_IsString(type)) {
        if (strcmp(type->valuestring, "null") != 0) {
            cJSON *both = cJSON_CreateArray();
            cJSON_AddItemToArray(both, cJSON_CreateString(type->valuestring));
            cJSON_AddItemToArray(both, cJSON_CreateString("null"));
            cJSON_ReplaceItemInObjectCaseSensitive(out, "type", both);
        }
    } else if (cJSON_IsArray(type)) {
        const cJSON *e;
        bool has = false;
        cJSON_ArrayForEach(e, type) has = has || strcmp(e->valuestring, "null") == 0;
        if (!has)
            cJSON_AddItemToArray(type, cJSON_CreateString("null"));
    }
    cJSON *en = cJSON_GetObjectItemCaseSensitive(out, "enum");
    if (cJSON_IsArray(en)) {
        const cJSON *e;
        bool has = false;
        cJSON_ArrayForEach(e, en) has = has || cJSON_IsNull(e);
        if (!has)
            cJSON_AddItemToArray(en, cJSON_CreateNull());
    }
}

/* 3.0's exclusiveMinimum: true (a flag on minimum) becomes 2020-12's exclusiveMinimum: number. */
static void apply_exclusive(cJSON *out, const cJSON *flag, const char *bound, const char *kw)
{
    if (!cJSON_IsBool(flag))
        return;
    cJSON *b = cJSON_GetObjectItemCaseSensitive(out, bound);
    if (cJSON_IsTrue(flag) && cJSON_IsNumber(b)) {
        cJSON_AddNumberToObject(out, kw, b->valuedouble);
        cJSON_DeleteItemFromObjectCaseSensitive(out, bound);
    }
}

/* Request bodies: a readOnly property is the server's to set, so it is not an input. */
static void drop_read_only(cJSON *out)
{
    cJSON *props = cJSON_GetObjectItemCaseSensitive(out, "properties");
    cJSON *req = cJSON_GetObjectItemCaseSensitive(out, "required");
    cJSON *p = props ? props->child : NULL;
    while (p) {
        cJSON *next = p->next;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "readOnly"))) {
            for (int i = cJSON_GetArraySize(req) - 1; i >= 0; i--) {
                const cJSON *r = cJSON_GetArrayItem(req, i);
                if (cJSON_IsString(r) && strcmp(r->valuestring, p->string) == 0)
                    cJSON_DeleteItemFromArray(req, i);
            }
            cJSON_DeleteItemFromObjectCaseSensitive(props, p->string);
        }
        p = next;
    }
    if (req && cJSON_GetArraySize(req) == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(out, "required");
}

static cJSON *walk_schema(struct walk *w, const cJSON *s, int depth)
{
    if (cJSON_IsBool(s))
        return cJSON_Duplicate(s, false);
    if (!cJSON_IsObject(s))
        return cJSON_CreateObject();
    if (depth > MAX_SCHEMA_DEPTH)
        return cut(w, "the schema nests too deeply for a connector file");
    if (w->ctx->budget <= 0)
        return cut(w, "the schema is too large (its references expand too far)");
    w->ctx->budget--;
    const char *ref = json_get_str(s, "$ref");
    if (ref)
        return walk_ref(w, s, ref, depth);
    cJSON *out = cJSON_CreateObject();
    const cJSON *m;
    cJSON_ArrayForEach(m, s)
    {
        const char *k = m->string;
        if (strncmp(k, "x-", 2) == 0 || listed(k, DROPPED))
            continue;
        if (listed(k, SCHEMA_MAPS)) {
            if (!cJSON_IsObject(m))
                continue;
            cJSON *map = cJSON_AddObjectToObject(out, k);
            const cJSON *e;
            cJSON_ArrayForEach(e, m)
                cJSON_AddItemToObject(map, e->string, walk_schema(w, e, depth + 2));
        } else if (listed(k, SCHEMA_LISTS) || (strcmp(k, "items") == 0 && cJSON_IsArray(m))) {
            /* An array "items" is draft 4's tuple form: 2020-12 calls it prefixItems. */
            if (!cJSON_IsArray(m) ||
                (strcmp(k, "items") == 0 && cJSON_GetObjectItemCaseSensitive(s, "prefixItems")))
                continue;
            cJSON *list = cJSON_AddArrayToObject(out, strcmp(k, "items") == 0 ? "prefixItems" : k);
            const cJSON *e;
            cJSON_ArrayForEach(e, m) cJSON_AddItemToArray(list, walk_schema(w, e, depth + 2));
        } else if (listed(k, SCHEMA_ONE)) {
            cJSON_AddItemToObject(out, k, walk_schema(w, m, depth + 1));
        } else if (strcmp(k, "type") == 0) {
            if (valid_type(m))
                cJSON_AddItemToObject(out, k, cJSON_Duplicate(m, true));
            else
                warn(w, "a schema's type %.60s is not JSON Schema's; dropped",
                     cJSON_IsString(m) ? m->valuestring : "(not a string)");
        } else if (strcmp(k, "required") == 0) {
            if (!cJSON_IsArray(m))
                continue;
            cJSON *req = cJSON_AddArrayToObject(out, k);
            const cJSON *e;
            cJSON_ArrayForEach(e, m) if (cJSON_IsString(e))
                cJSON_AddItemToArray(req, cJSON_CreateString(e->valuestring));
        } else if ((strcmp(k, "exclusiveMinimum") == 0 || strcmp(k, "exclusiveMaximum") == 0) &&
                   cJSON_IsBool(m)) {
            continue;
        } else if (depth + 1 + depth_of(m) <= MAX_SCHEMA_DEPTH + 4) {
            cJSON_AddItemToObject(out, k, cJSON_Duplicate(m, true));
        }
    }
    apply_exclusive(out, cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum"), "minimum",
                    "exclusiveMinimum");
    apply_exclusive(out, cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum"), "maximum",
                    "exclusiveMaximum");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "nullable")))
        apply_nullable(out);
    if (w->ctx->request)
        drop_read_only(out);
    return out;
}

cJSON *openapi_schema_inline(struct openapi_inline *ctx, const cJSON *schema)
{
    struct walk w = {.ctx = ctx};
    return walk_schema(&w, schema, ctx->json_depth);
}

/* Keywords a plain object schema may carry and still be spread into an action's inputs. */
static const char *const FLAT_OK[] = {
    "type",          "properties",    "required",  "additionalProperties", "allOf",   "description",
    "title",         "readOnly",      "writeOnly", "deprecated",           "default", "format",
    "minProperties", "maxProperties", NULL};

static bool merge_into(cJSON *flat, const cJSON *s, int depth)
{
    if (!cJSON_IsObject(s) || depth > 8)
        return false;
    const cJSON *m;
    cJSON_ArrayForEach(m, s) if (!listed(m->string, FLAT_OK)) return false;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type");
    if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "object") == 0))
        return false;
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(s, "allOf"), *e;
    cJSON_ArrayForEach(e, all) if (!merge_into(flat, e, depth + 1)) return false;
    cJSON *props = cJSON_GetObjectItemCaseSensitive(flat, "properties");
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(s, "properties"))
    {
        cJSON_DeleteItemFromObjectCaseSensitive(props, m->string);
        cJSON_AddItemToObject(props, m->string, cJSON_Duplicate(m, true));
    }
    cJSON *req = cJSON_GetObjectItemCaseSensitive(flat, "required");
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(s, "required"))
    {
        bool has = false;
        const cJSON *r;
        cJSON_ArrayForEach(r, req) has = has || strcmp(r->valuestring, m->valuestring) == 0;
        if (!has)
            cJSON_AddItemToArray(req, cJSON_CreateString(m->valuestring));
    }
    const cJSON *ap = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
    if (cJSON_IsFalse(ap) && !cJSON_GetObjectItemCaseSensitive(flat, "additionalProperties"))
        cJSON_AddFalseToObject(flat, "additionalProperties");
    return true;
}

cJSON *openapi_schema_flatten(const cJSON *schema)
{
    if (!cJSON_IsObject(schema) || (!cJSON_GetObjectItemCaseSensitive(schema, "properties") &&
                                    !cJSON_GetObjectItemCaseSensitive(schema, "allOf")))
        return NULL;
    cJSON *flat = cJSON_CreateObject();
    cJSON_AddObjectToObject(flat, "properties");
    cJSON_AddArrayToObject(flat, "required");
    if (!merge_into(flat, schema, 0)) {
        cJSON_Delete(flat);
        return NULL;
    }
    return flat;
}

void openapi_schema_strip_patterns(cJSON *schema)
{
    if (!cJSON_IsObject(schema))
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(schema, "pattern");
    cJSON_DeleteItemFromObjectCaseSensitive(schema, "patternProperties");
    cJSON_DeleteItemFromObjectCaseSensitive(schema, "format");
    cJSON *m, *e;
    cJSON_ArrayForEach(m, schema)
    {
        if (listed(m->string, SCHEMA_MAPS) || listed(m->string, SCHEMA_LISTS)) {
            cJSON_ArrayForEach(e, m) openapi_schema_strip_patterns(e);
        } else if (listed(m->string, SCHEMA_ONE)) {
            openapi_schema_strip_patterns(m);
        }
    }
}
