/*
 * Compiling a schema: indexes every document it can reach (its "$id"s, "$anchor"s and
 * "$dynamicAnchor"s, per RFC 3986 base URIs), then turns each reachable subschema into a node with
 * its keywords parsed, patterns compiled and references resolved to nodes. Work proceeds through a
 * queue, not recursion, so long reference chains cannot exhaust the stack; only the index walk
 * recurses, bounded by SCHEMA_MAX_COMPILE_DEPTH.
 *
 * Does not fetch anything: a reference resolves to the document itself, the caller's registry or a
 * built-in meta-schema, and is otherwise a compile error.
 */
#include "schema/internal.h"
#include "json/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define META_2020_12 "https://json-schema.org/draft/2020-12/schema"
#define VOCAB_PREFIX "https://json-schema.org/draft/2020-12/vocab/"

struct compiler {
    struct schema *s;
    const struct schema_options *opts;
    char *err;
    struct node **queue;
    size_t n_queue, cap_queue;
};

static const struct {
    const char *name;
    unsigned bit;
} VOCABS[] = {
    {"core", V_CORE},
    {"applicator", V_APPLICATOR},
    {"unevaluated", V_UNEVALUATED},
    {"validation", V_VALIDATION},
    {"meta-data", V_META},
    {"format-annotation", V_FORMAT_ANNOTATION},
    {"format-assertion", V_FORMAT_ASSERTION},
    {"content", V_CONTENT},
};

static const struct {
    const char *name;
    uint32_t bit;
} TYPES[] = {
    {"null", T_NULL},     {"boolean", T_BOOLEAN}, {"object", T_OBJECT},   {"array", T_ARRAY},
    {"number", T_NUMBER}, {"string", T_STRING},   {"integer", T_INTEGER},
};

/* Subschema-valued keywords the index walk descends into, by the shape of their value. */
static const char *const SINGLE_KEYWORDS[] = {"additionalProperties",
                                              "unevaluatedProperties",
                                              "unevaluatedItems",
                                              "items",
                                              "contains",
                                              "propertyNames",
                                              "not",
                                              "if",
                                              "then",
                                              "else",
                                              "contentSchema"};
static const char *const ARRAY_KEYWORDS[] = {"allOf", "anyOf", "oneOf", "prefixItems"};
static const char *const MAP_KEYWORDS[] = {
    "$defs", "definitions", "properties", "patternProperties", "dependentSchemas", "dependencies"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void fail(struct compiler *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct compiler *c, const char *fmt, ...)
{
    if (c->err)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->err = strdup(msg);
    if (!c->err)
        c->err = strdup("out of memory");
}

static bool failed(const struct compiler *c)
{
    return c->err != NULL || c->s->arena.oom;
}

/* ---- the map from schema JSON to node -------------------------------------------------------- */

static size_t slot_hash(const cJSON *p, size_t cap)
{
    uintptr_t v = (uintptr_t)p;
    v ^= v >> 17;
    v *= (uintptr_t)0x9e3779b97f4a7c15ULL;
    return (size_t)(v >> 7) & (cap - 1);
}

static struct node *slot_get(const struct schema *s, const cJSON *key)
{
    if (!s->cap_slots)
        return NULL;
    for (size_t i = slot_hash(key, s->cap_slots);; i = (i + 1) & (s->cap_slots - 1)) {
        if (!s->slots[i].key)
            return NULL;
        if (s->slots[i].key == key)
            return s->slots[i].node;
    }
}

static bool slot_put(struct compiler *c, const cJSON *key, struct node *n)
{
    struct schema *s = c->s;
    if ((s->n_slots + 1) * 2 > s->cap_slots) {
        size_t cap = s->cap_slots ? s->cap_slots * 2 : 64;
        struct node_slot *slots = calloc(cap, sizeof *slots);
        if (!slots) {
            fail(c, "out of memory");
            return false;
        }
        for (size_t i = 0; i < s->cap_slots; i++) {
            if (!s->slots[i].key)
                continue;
            size_t j = slot_hash(s->slots[i].key, cap);
            while (slots[j].key)
                j = (j + 1) & (cap - 1);
            slots[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->cap_slots = cap;
    }
    size_t i = slot_hash(key, s->cap_slots);
    while (s->slots[i].key)
        i = (i + 1) & (s->cap_slots - 1);
    s->slots[i].key = key;
    s->slots[i].node = n;
    s->n_slots++;
    return true;
}

/* ---- the URI index --------------------------------------------------------------------------- */

static const cJSON *uri_find(const struct schema *s, const char *uri)
{
    for (const struct uri_entry *e = s->uris; e; e = e->next)
        if (strcmp(e->uri, uri) == 0)
            return e->schema;
    return NULL;
}

static void uri_add(struct compiler *c, const char *uri, const cJSON *schema)
{
    if (uri_find(c->s, uri))
        return;
    struct uri_entry *e = arena_zalloc(&c->s->arena, sizeof *e);
    if (!e)
        return;
    e->uri = arena_strdup(&c->s->arena, uri);
    e->schema = schema;
    e->next = c->s->uris;
    c->s->uris = e;
}

/* ---- nodes ----------------------------------------------------------------------------------- */

static struct node *node_shell(struct compiler *c, const cJSON *json, const char *base,
                               struct resource *res)
{
    struct node *n = slot_get(c->s, json);
    if (n)
        return n;
    n = arena_zalloc(&c->s->arena, sizeof *n);
    if (!n)
        return NULL;
    n->src = json;
    n->base = base;
    n->res = res;
    n->format = -1;
    n->max_length = n->min_length = n->max_items = n->min_items = -1;
    n->max_props = n->min_props = n->max_contains = -1;
    n->min_contains = 1;
    if (!slot_put(c, json, n))
        return NULL;
    return n;
}

/* ---- vocabularies ---------------------------------------------------------------------------- */

static unsigned vocab_of_meta(struct compiler *c, const char *meta_uri)
{
    if (strcmp(meta_uri, META_2020_12) == 0 || strcmp(meta_uri, META_2020_12 "#") == 0)
        return V_ALL_DEFAULT;
    char *uri = strndup(meta_uri, schema_uri_strip_fragment(meta_uri));
    if (!uri)
        return V_ALL_DEFAULT;
    const cJSON *meta = schema_registry_find(c->opts ? c->opts->registry : NULL, uri);
    cJSON *parsed = NULL;
    if (!meta)
        meta = uri_find(c->s, uri);
    if (!meta) {
        const char *text = schema_meta_lookup(uri);
        if (text)
            meta = parsed = json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
    }
    free(uri);
    unsigned v = V_ALL_DEFAULT;
    const cJSON *vocab =
        cJSON_IsObject(meta) ? cJSON_GetObjectItemCaseSensitive(meta, "$vocabulary") : NULL;
    if (cJSON_IsObject(vocab)) {
        v = V_CORE;
        const cJSON *e;
        cJSON_ArrayForEach(e, vocab)
        {
            bool known = false;
            if (strncmp(e->string, VOCAB_PREFIX, strlen(VOCAB_PREFIX)) == 0) {
                for (size_t i = 0; i < COUNT(VOCABS); i++) {
                    if (strcmp(e->string + strlen(VOCAB_PREFIX), VOCABS[i].name) == 0) {
                        v |= VOCABS[i].bit;
                        known = true;
                    }
                }
            }
            if (!known && cJSON_IsTrue(e))
                fail(c, "the meta-schema requires the unsupported vocabulary '%s'", e->string);
        }
    }
    cJSON_Delete(parsed);
    return v;
}

/* ---- the index walk -------------------------------------------------------------------------- */

static void walk(struct compiler *c, const cJSON *json, const char *base, struct resource *res,
                 int depth);
static void enqueue(struct compiler *c, struct node *n);

static struct resource *new_resource(struct compiler *c, const char *uri, unsigned vocab)
{
    struct resource *r = arena_zalloc(&c->s->arena, sizeof *r);
    if (!r)
        return NULL;
    r->uri = uri;
    r->vocab = vocab;
    return r;
}

static void walk_children(struct compiler *c, const cJSON *json, const char *base,
                          struct resource *res, int depth)
{
    for (size_t i = 0; i < COUNT(SINGLE_KEYWORDS); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, SINGLE_KEYWORDS[i]);
        if (v)
            walk(c, v, base, res, depth + 1);
    }
    for (size_t i = 0; i < COUNT(ARRAY_KEYWORDS); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, ARRAY_KEYWORDS[i]);
        const cJSON *e;
        if (cJSON_IsArray(v))
            cJSON_ArrayForEach(e, v) walk(c, e, base, res, depth + 1);
    }
    for (size_t i = 0; i < COUNT(MAP_KEYWORDS); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, MAP_KEYWORDS[i]);
        const cJSON *e;
        if (cJSON_IsObject(v))
            cJSON_ArrayForEach(e, v) walk(c, e, base, res, depth + 1);
    }
}

static void walk(struct compiler *c, const cJSON *json, const char *base, struct resource *res,
                 int depth)
{
    if (failed(c))
        return;
    if (depth > SCHEMA_MAX_COMPILE_DEPTH) {
        fail(c, "schema nested deeper than %d levels", SCHEMA_MAX_COMPILE_DEPTH);
        return;
    }
    if (!cJSON_IsObject(json) && !cJSON_IsBool(json))
        return;
    if (slot_get(c->s, json))
        return;
    if (cJSON_IsObject(json)) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "$id");
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(json, "$schema");
        unsigned vocab = res ? res->vocab : V_ALL_DEFAULT;
        if (cJSON_IsString(meta))
            vocab = vocab_of_meta(c, meta->valuestring);
        if (cJSON_IsString(id)) {
            char *full = schema_uri_resolve(base, id->valuestring);
            if (!full) {
                fail(c, "out of memory");
                return;
            }
            base = arena_strndup(&c->s->arena, full, schema_uri_strip_fragment(full));
            free(full);
            if (!base)
                return;
            res = new_resource(c, base, vocab);
            uri_add(c, base, json);
        } else if (!res) {
            res = new_resource(c, base, vocab);
            uri_add(c, base, json);
        } else if (cJSON_IsString(meta)) {
            res->vocab = vocab;
        }
    } else if (!res) {
        res = new_resource(c, base, V_ALL_DEFAULT);
        uri_add(c, base, json);
    }
    if (!res)
        return;
    struct node *n = node_shell(c, json, base, res);
    if (!n || !cJSON_IsObject(json))
        return;
    const char *anchor_keys[2] = {"$anchor", "$dynamicAnchor"};
    for (int k = 0; k < 2; k++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(json, anchor_keys[k]);
        if (!cJSON_IsString(a))
            continue;
        size_t len = strlen(base) + strlen(a->valuestring) + 2;
        char *uri = arena_zalloc(&c->s->arena, len);
        if (!uri)
            return;
        snprintf(uri, len, "%s#%s", base, a->valuestring);
        uri_add(c, uri, json);
        if (k == 1) {
            struct dyn_anchor *d = arena_zalloc(&c->s->arena, sizeof *d);
            if (!d)
                return;
            d->name = a->valuestring;
            d->node = n;
            d->next = res->dyn_anchors;
            res->dyn_anchors = d;
            enqueue(c, n); /* reachable through the dynamic scope alone */
        }
    }
    walk_children(c, json, base, res, depth);
}

/* Takes ownership of doc, indexes it under uri. Returns the stored copy. */
static cJSON *add_document(struct compiler *c, cJSON *doc, const char *uri)
{
    struct schema *s = c->s;
    if (s->n_docs == s->cap_docs) {
        int cap = s->cap_docs ? s->cap_docs * 2 : 4;
        cJSON **docs = realloc(s->docs, (size_t)cap * sizeof *docs);
        if (!docs) {
            cJSON_Delete(doc);
            fail(c, "out of memory");
            return NULL;
        }
        s->docs = docs;
        s->cap_docs = cap;
    }
    s->docs[s->n_docs++] = doc;
    const char *base = arena_strdup(&s->arena, uri);
    if (!base)
        return NULL;
    walk(c, doc, base, NULL, 0);
    uri_add(c, base, doc);
    return doc;
}

/* The root JSON of the document with that URI, loading it from the registry or the built-in
 * meta-schemas on first use; NULL when unknown. */
static const cJSON *document(struct compiler *c, const char *uri)
{
    const cJSON *root = uri_find(c->s, uri);
    if (root)
        return root;
    const cJSON *reg = schema_registry_find(c->opts ? c->opts->registry : NULL, uri);
    cJSON *copy = NULL;
    if (reg) {
        copy = cJSON_Duplicate(reg, true);
    } else {
        const char *text = schema_meta_lookup(uri);
        if (text)
            copy = json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
    }
    if (!copy)
        return NULL;
    if (!add_document(c, copy, uri))
        return NULL;
    return uri_find(c->s, uri);
}

/* Follows a JSON Pointer (already percent-decoded) from root; NULL when it leads nowhere. */
static const cJSON *follow_pointer(const cJSON *root, const char *ptr)
{
    const cJSON *cur = root;
    while (*ptr == '/' && cur) {
        ptr++;
        size_t n = strcspn(ptr, "/");
        char tok[256];
        size_t w = 0;
        for (size_t i = 0; i < n && w < sizeof tok - 1; i++) {
            if (ptr[i] == '~' && i + 1 < n && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
                tok[w++] = ptr[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                tok[w++] = ptr[i];
            }
        }
        tok[w] = '\0';
        if (cJSON_IsArray(cur)) {
            char *end;
            long idx = strtol(tok, &end, 10);
            if (*end || end == tok || idx < 0)
                return NULL;
            cur = cJSON_GetArrayItem(cur, (int)idx);
        } else if (cJSON_IsObject(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
        } else {
            return NULL;
        }
        ptr += n;
    }
    return *ptr ? NULL : cur;
}

/* Resolves a "$ref"/"$dynamicRef" value against base to its node (created if new). */
static struct node *resolve(struct compiler *c, const char *base, const char *ref)
{
    char *full = schema_uri_resolve(base, ref);
    if (!full) {
        fail(c, "out of memory");
        return NULL;
    }
    size_t doc_n = schema_uri_strip_fragment(full);
    char *doc_uri = strndup(full, doc_n);
    const cJSON *root = doc_uri ? document(c, doc_uri) : NULL;
    const cJSON *target = NULL;
    if (root) {
        const char *frag = full[doc_n] == '#' ? full + doc_n + 1 : "";
        if (!*frag) {
            target = root;
        } else if (*frag == '/') {
            char *ptr = schema_uri_unescape(frag, strlen(frag));
            target = ptr ? follow_pointer(root, ptr) : NULL;
            free(ptr);
        } else {
            target = uri_find(c->s, full);
        }
    }
    free(doc_uri);
    if (!target) {
        if (!failed(c))
            fail(c, "cannot resolve the reference '%s'", ref);
        free(full);
        return NULL;
    }
    free(full);
    struct node *n = slot_get(c->s, target);
    if (!n) {
        struct node *r = slot_get(c->s, root);
        walk(c, target, r->base, r->res, 0);
        n = slot_get(c->s, target);
        if (!n && !failed(c))
            fail(c, "the reference '%s' does not point to a schema", ref);
    }
    return n;
}

/* ---- keyword compilation --------------------------------------------------------------------- */

static void enqueue(struct compiler *c, struct node *n)
{
    if (!n || n->compiled)
        return;
    if (c->n_queue == c->cap_queue) {
        size_t cap = c->cap_queue ? c->cap_queue * 2 : 64;
        struct node **q = realloc(c->queue, cap * sizeof *q);
        if (!q) {
            fail(c, "out of memory");
            return;
        }
        c->queue = q;
        c->cap_queue = cap;
    }
    n->compiled = true;
    c->queue[c->n_queue++] = n;
}

/* The node of a subschema-valued keyword, queued for compilation. */
static struct node *sub(struct compiler *c, struct node *parent, const cJSON *json, const char *kw)
{
    if (!cJSON_IsObject(json) && !cJSON_IsBool(json)) {
        fail(c, "'%s' must be a schema (an object or a boolean)", kw);
        return NULL;
    }
    struct node *n = slot_get(c->s, json);
    if (!n) {
        walk(c, json, parent->base, parent->res, 0);
        n = slot_get(c->s, json);
    }
    enqueue(c, n);
    return n;
}

static struct node **sub_array(struct compiler *c, struct node *n, const cJSON *v, const char *kw,
                               int *count)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        fail(c, "'%s' must be a non-empty array of schemas", kw);
        return NULL;
    }
    int len = cJSON_GetArraySize(v);
    struct node **out = arena_zalloc(&c->s->arena, (size_t)len * sizeof *out);
    if (!out)
        return NULL;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v) out[i++] = sub(c, n, e, kw);
    *count = len;
    return out;
}

static struct named_node *sub_map(struct compiler *c, struct node *n, const cJSON *v,
                                  const char *kw, int *count)
{
    if (!cJSON_IsObject(v)) {
        fail(c, "'%s' must be an object of schemas", kw);
        return NULL;
    }
    int len = cJSON_GetArraySize(v);
    struct named_node *out = arena_zalloc(&c->s->arena, (size_t)(len ? len : 1) * sizeof *out);
    if (!out)
        return NULL;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        out[i].name = e->string;
        out[i].node = sub(c, n, e, kw);
        i++;
    }
    *count = len;
    return out;
}

static bool number_kw(struct compiler *c, const cJSON *v, const char *kw, double *out)
{
    if (!cJSON_IsNumber(v)) {
        fail(c, "'%s' must be a number", kw);
        return false;
    }
    *out = v->valuedouble;
    return true;
}

static void count_kw(struct compiler *c, const cJSON *v, const char *kw, double *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || floor(v->valuedouble) != v->valuedouble) {
        fail(c, "'%s' must be a non-negative integer", kw);
        return;
    }
    *out = v->valuedouble;
}

static struct schema_regex *regex(struct compiler *c, const char *src)
{
    char msg[128];
    struct schema_regex *re = schema_regex_compile(src, msg, sizeof msg);
    if (!re) {
        fail(c, "invalid pattern '%s': %s", src, msg);
        return NULL;
    }
    struct schema *s = c->s;
    if (s->n_regexes == s->cap_regexes) {
        int cap = s->cap_regexes ? s->cap_regexes * 2 : 8;
        struct schema_regex **r = realloc(s->regexes, (size_t)cap * sizeof *r);
        if (!r) {
            schema_regex_free(re);
            fail(c, "out of memory");
            return NULL;
        }
        s->regexes = r;
        s->cap_regexes = cap;
    }
    s->regexes[s->n_regexes++] = re;
    return re;
}

static const char **string_array(struct compiler *c, const cJSON *v, const char *kw, int *count)
{
    if (!cJSON_IsArray(v)) {
        fail(c, "'%s' must be an array of strings", kw);
        return NULL;
    }
    int len = cJSON_GetArraySize(v);
    const char **out = arena_zalloc(&c->s->arena, (size_t)(len ? len : 1) * sizeof *out);
    if (!out)
        return NULL;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        if (!cJSON_IsString(e)) {
            fail(c, "'%s' must be an array of strings", kw);
            return NULL;
        }
        out[i++] = e->valuestring;
    }
    *count = len;
    return out;
}

static uint32_t type_bit(const char *name)
{
    for (size_t i = 0; i < COUNT(TYPES); i++)
        if (strcmp(TYPES[i].name, name) == 0)
            return TYPES[i].bit;
    return 0;
}

static void compile_types(struct compiler *c, struct node *n, const cJSON *v)
{
    n->has_types = true;
    if (cJSON_IsString(v)) {
        n->types = type_bit(v->valuestring);
        if (!n->types)
            fail(c, "'type' names an unknown type '%s'", v->valuestring);
        return;
    }
    if (!cJSON_IsArray(v)) {
        fail(c, "'type' must be a type name or an array of them");
        return;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        uint32_t bit = cJSON_IsString(e) ? type_bit(e->valuestring) : 0;
        if (!bit) {
            fail(c, "'type' must be a type name or an array of them");
            return;
        }
        n->types |= bit;
    }
}

/*
 * The pre-2019 "dependencies" keyword, kept for compatibility: array members act as
 * dependentRequired, schema members as dependentSchemas (when the node has neither of those).
 */
static void compile_dependencies(struct compiler *c, struct node *n, const cJSON *v)
{
    if (!cJSON_IsObject(v) || n->n_dep_required)
        return;
    int len = cJSON_GetArraySize(v);
    n->dep_schemas = arena_zalloc(&c->s->arena, (size_t)(len ? len : 1) * sizeof *n->dep_schemas);
    n->dep_required = arena_zalloc(&c->s->arena, (size_t)(len ? len : 1) * sizeof *n->dep_required);
    if (!n->dep_schemas || !n->dep_required)
        return;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        if (cJSON_IsArray(e)) {
            struct dep_required *d = &n->dep_required[n->n_dep_required++];
            d->name = e->string;
            d->required = string_array(c, e, "dependencies", &d->n);
        } else {
            struct named_node *d = &n->dep_schemas[n->n_dep_schemas++];
            d->name = e->string;
            d->node = sub(c, n, e, "dependencies");
        }
    }
}

static void compile_applicators(struct compiler *c, struct node *n, const cJSON *j)
{
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "allOf")))
        n->all_of = sub_array(c, n, v, "allOf", &n->n_all_of);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "anyOf")))
        n->any_of = sub_array(c, n, v, "anyOf", &n->n_any_of);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "oneOf")))
        n->one_of = sub_array(c, n, v, "oneOf", &n->n_one_of);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "not")))
        n->not_ = sub(c, n, v, "not");
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "if"))) {
        n->if_ = sub(c, n, v, "if");
        if ((v = cJSON_GetObjectItemCaseSensitive(j, "then")))
            n->then_ = sub(c, n, v, "then");
        if ((v = cJSON_GetObjectItemCaseSensitive(j, "else")))
            n->else_ = sub(c, n, v, "else");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "properties")))
        n->props = sub_map(c, n, v, "properties", &n->n_props);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "patternProperties"))) {
        int count = 0;
        struct named_node *m = sub_map(c, n, v, "patternProperties", &count);
        if (m) {
            n->pattern_props =
                arena_zalloc(&c->s->arena, (size_t)(count ? count : 1) * sizeof *n->pattern_props);
            for (int i = 0; n->pattern_props && i < count; i++) {
                n->pattern_props[i].source = m[i].name;
                n->pattern_props[i].node = m[i].node;
                n->pattern_props[i].re = regex(c, m[i].name);
            }
            n->n_pattern_props = count;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "additionalProperties")))
        n->additional_props = sub(c, n, v, "additionalProperties");
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "dependentSchemas")))
        n->dep_schemas = sub_map(c, n, v, "dependentSchemas", &n->n_dep_schemas);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "dependencies")) && !n->n_dep_schemas)
        compile_dependencies(c, n, v);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "propertyNames")))
        n->property_names = sub(c, n, v, "propertyNames");
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "prefixItems")))
        n->prefix_items = sub_array(c, n, v, "prefixItems", &n->n_prefix_items);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "items")))
        n->items = sub(c, n, v, "items");
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "contains")))
        n->contains = sub(c, n, v, "contains");
}

static void compile_validation(struct compiler *c, struct node *n, const cJSON *j)
{
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "type")))
        compile_types(c, n, v);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "enum"))) {
        if (!cJSON_IsArray(v))
            fail(c, "'enum' must be an array");
        n->enum_ = v;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "const"))) {
        n->const_ = v;
        n->has_const = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "multipleOf"))) {
        n->has_multiple_of = number_kw(c, v, "multipleOf", &n->multiple_of);
        if (n->has_multiple_of && n->multiple_of <= 0)
            fail(c, "'multipleOf' must be greater than 0");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "maximum")))
        n->has_maximum = number_kw(c, v, "maximum", &n->maximum);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "exclusiveMaximum")))
        n->has_exclusive_maximum = number_kw(c, v, "exclusiveMaximum", &n->exclusive_maximum);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "minimum")))
        n->has_minimum = number_kw(c, v, "minimum", &n->minimum);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "exclusiveMinimum")))
        n->has_exclusive_minimum = number_kw(c, v, "exclusiveMinimum", &n->exclusive_minimum);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "maxLength")))
        count_kw(c, v, "maxLength", &n->max_length);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "minLength")))
        count_kw(c, v, "minLength", &n->min_length);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "pattern"))) {
        if (!cJSON_IsString(v)) {
            fail(c, "'pattern' must be a string");
        } else {
            n->pattern = regex(c, v->valuestring);
            n->pattern_source = v->valuestring;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "maxItems")))
        count_kw(c, v, "maxItems", &n->max_items);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "minItems")))
        count_kw(c, v, "minItems", &n->min_items);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "uniqueItems"))) {
        if (!cJSON_IsBool(v))
            fail(c, "'uniqueItems' must be a boolean");
        n->unique_items = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "maxContains")))
        count_kw(c, v, "maxContains", &n->max_contains);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "minContains"))) {
        count_kw(c, v, "minContains", &n->min_contains);
        n->has_min_contains = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "maxProperties")))
        count_kw(c, v, "maxProperties", &n->max_props);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "minProperties")))
        count_kw(c, v, "minProperties", &n->min_props);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "required")))
        n->required = string_array(c, v, "required", &n->n_required);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "dependentRequired"))) {
        if (!cJSON_IsObject(v)) {
            fail(c, "'dependentRequired' must be an object of string arrays");
            return;
        }
        int len = cJSON_GetArraySize(v);
        n->dep_required =
            arena_zalloc(&c->s->arena, (size_t)(len ? len : 1) * sizeof *n->dep_required);
        const cJSON *e;
        int i = 0;
        cJSON_ArrayForEach(e, v)
        {
            if (!n->dep_required)
                break;
            n->dep_required[i].name = e->string;
            n->dep_required[i].required =
                string_array(c, e, "dependentRequired", &n->dep_required[i].n);
            i++;
        }
        n->n_dep_required = len;
    }
}

/* Fills v[i].len and an index over v[0..n). */
static void build_index(struct compiler *c, struct named_node *v, int n, struct name_index *ix)
{
    uint32_t size = 4;
    while (size < (uint32_t)n * 2)
        size *= 2;
    ix->mask = size - 1;
    ix->hash = arena_zalloc(&c->s->arena, (size_t)n * sizeof *ix->hash);
    ix->slots = arena_zalloc(&c->s->arena, size * sizeof *ix->slots);
    if (!ix->hash || !ix->slots)
        return;
    for (uint32_t i = 0; i < size; i++)
        ix->slots[i] = -1;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(v[i].name);
        uint32_t h = schema_name_hash(v[i].name, len);
        v[i].len = (uint32_t)len;
        ix->hash[i] = h;
        uint32_t j = h & ix->mask;
        while (ix->slots[j] >= 0)
            j = (j + 1) & ix->mask;
        ix->slots[j] = i;
    }
}

/* "/properties/" + name escaped as a JSON Pointer token, in the arena. */
static void property_location(struct compiler *c, struct named_node *p)
{
    size_t extra = 0;
    for (const char *q = p->name; *q; q++)
        extra += *q == '~' || *q == '/';
    size_t n = PROPERTIES_TOKEN + 1 + p->len + extra;
    char *loc = arena_zalloc(&c->s->arena, n + 1);
    if (!loc)
        return;
    memcpy(loc, "/properties/", PROPERTIES_TOKEN + 1);
    char *w = loc + PROPERTIES_TOKEN + 1;
    for (const char *q = p->name; *q; q++) {
        if (*q == '~' || *q == '/') {
            *w++ = '~';
            *w++ = *q == '~' ? '0' : '1';
        } else {
            *w++ = *q;
        }
    }
    *w = '\0';
    p->loc = loc;
    p->loc_len = (uint32_t)n;
}

/* Builds the props hash index, maps required names to props indexes and indexes an enum made of
 * strings only. */
static void index_props(struct compiler *c, struct node *n)
{
    if (n->n_props) {
        build_index(c, n->props, n->n_props, &n->prop_index);
        for (int i = 0; i < n->n_props; i++)
            property_location(c, &n->props[i]);
    }
    if (n->n_required) {
        n->required_prop =
            arena_zalloc(&c->s->arena, (size_t)n->n_required * sizeof *n->required_prop);
        for (int i = 0; n->required_prop && i < n->n_required; i++) {
            n->required_prop[i] = -1;
            for (int j = 0; j < n->n_props; j++)
                if (strcmp(n->props[j].name, n->required[i]) == 0)
                    n->required_prop[i] = j;
        }
    }
    if (cJSON_IsArray(n->enum_) && n->enum_->child) {
        int count = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, n->enum_)
        {
            if (!cJSON_IsString(e))
                return;
            count++;
        }
        n->enum_strings = arena_zalloc(&c->s->arena, (size_t)count * sizeof *n->enum_strings);
        if (!n->enum_strings)
            return;
        int i = 0;
        cJSON_ArrayForEach(e, n->enum_) n->enum_strings[i++].name = e->valuestring;
        n->n_enum_strings = count;
        build_index(c, n->enum_strings, count, &n->enum_index);
    }
}

static void set_groups(struct node *n)
{
    if (n->has_maximum || n->has_exclusive_maximum || n->has_minimum || n->has_exclusive_minimum ||
        n->has_multiple_of)
        n->groups |= G_NUMBER;
    if (n->max_length >= 0 || n->min_length >= 0 || n->pattern || n->format >= 0)
        n->groups |= G_STRING;
    n->need_bytes = n->max_length >= 0 || n->min_length >= 0 || n->pattern;
    n->surely_max_bytes = n->max_length < 0 || n->max_length >= (double)(SIZE_MAX / 8)
                              ? SIZE_MAX
                              : (size_t)n->max_length;
    n->surely_min_bytes = n->min_length <= 0                        ? 0
                          : n->min_length >= (double)(SIZE_MAX / 8) ? SIZE_MAX
                                                                    : (size_t)n->min_length * 4 - 3;
    if (n->n_all_of || n->n_any_of || n->n_one_of || n->not_ || n->if_ || n->ref || n->dyn_ref)
        n->groups |= G_IN_PLACE;
    if (n->max_props >= 0 || n->min_props >= 0 || n->n_required || n->n_dep_required ||
        n->n_dep_schemas || n->n_props || n->n_pattern_props || n->additional_props ||
        n->property_names)
        n->groups |= G_OBJECT;
    if (n->max_items >= 0 || n->min_items >= 0 || n->unique_items || n->n_prefix_items ||
        n->items || n->contains)
        n->groups |= G_ARRAY;
    if (n->enum_ || n->has_const)
        n->groups |= G_ENUM_CONST;
    if (n->unevaluated_items || n->unevaluated_props)
        n->groups |= G_UNEVALUATED;
    n->leaf = !n->is_bool && !(n->groups & (G_IN_PLACE | G_OBJECT | G_ARRAY | G_UNEVALUATED));
    n->plain_object = !n->is_bool && n->groups == G_OBJECT && n->max_props < 0 &&
                      n->min_props < 0 && !n->n_dep_required && !n->n_dep_schemas &&
                      !n->n_pattern_props && !n->property_names && n->n_props <= 64;
    for (int i = 0; n->plain_object && i < n->n_required; i++) {
        if (!n->required_prop || n->required_prop[i] < 0)
            n->plain_object = false;
        else
            n->required_mask |= (uint64_t)1 << n->required_prop[i];
    }
    n->plain_array = !n->is_bool && n->groups == G_ARRAY && !n->unique_items &&
                     !n->n_prefix_items && !n->contains;
    n->pure_ref = !n->is_bool && n->ref && !n->has_types && n->groups == G_IN_PLACE &&
                  !n->n_all_of && !n->n_any_of && !n->n_one_of && !n->not_ && !n->if_ &&
                  !n->dyn_ref;
}

static void compile_messages(struct compiler *c, struct node *n)
{
    char text[256], json[200];
    if (n->has_types) {
        schema_type_message(text, sizeof text, n->types);
        n->type_msg = arena_strdup(&c->s->arena, text);
    }
    if (n->enum_) {
        schema_json_excerpt(json, sizeof json, n->enum_);
        snprintf(text, sizeof text, "must be one of the allowed values %s", json);
        n->enum_msg = arena_strdup(&c->s->arena, text);
    }
    if (n->has_const) {
        schema_json_excerpt(json, sizeof json, n->const_);
        snprintf(text, sizeof text, "must be equal to %s", json);
        n->const_msg = arena_strdup(&c->s->arena, text);
    }
    const struct {
        int id;
        bool present;
        double value;
        const char *fmt;
    } numbers[] = {
        {M_MAXIMUM, n->has_maximum, n->maximum, "must be less than or equal to %s"},
        {M_EXCLUSIVE_MAXIMUM, n->has_exclusive_maximum, n->exclusive_maximum,
         "must be less than %s"},
        {M_MINIMUM, n->has_minimum, n->minimum, "must be greater than or equal to %s"},
        {M_EXCLUSIVE_MINIMUM, n->has_exclusive_minimum, n->exclusive_minimum,
         "must be greater than %s"},
        {M_MULTIPLE_OF, n->has_multiple_of, n->multiple_of, "must be a multiple of %s"},
        {M_MAX_LENGTH, n->max_length >= 0, n->max_length,
         n->max_length == 1 ? "must be at most %s character long"
                            : "must be at most %s characters long"},
        {M_MIN_LENGTH, n->min_length >= 0, n->min_length,
         n->min_length == 1 ? "must be at least %s character long"
                            : "must be at least %s characters long"},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (!numbers[i].present)
            continue;
        char num[JSON_NUMBER_MAX];
        json_number_text(num, numbers[i].value);
        snprintf(text, sizeof text, numbers[i].fmt, num);
        n->msg[numbers[i].id] = arena_strdup(&c->s->arena, text);
    }
    if (n->pattern) {
        snprintf(text, sizeof text, "must match pattern \"%.200s\"", n->pattern_source);
        n->msg[M_PATTERN] = arena_strdup(&c->s->arena, text);
    }
    if (n->format >= 0) {
        snprintf(text, sizeof text, "must be a valid %.200s", n->format_name);
        n->msg[M_FORMAT] = arena_strdup(&c->s->arena, text);
    }
}

static void compile_node(struct compiler *c, struct node *n)
{
    const cJSON *j = n->src;
    if (cJSON_IsBool(j)) {
        n->is_bool = true;
        n->bool_value = cJSON_IsTrue(j);
        return;
    }
    unsigned vocab = n->res->vocab;
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "$ref"))) {
        if (!cJSON_IsString(v)) {
            fail(c, "'$ref' must be a string");
            return;
        }
        n->ref = resolve(c, n->base, v->valuestring);
        enqueue(c, n->ref);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "$dynamicRef"))) {
        if (!cJSON_IsString(v)) {
            fail(c, "'$dynamicRef' must be a string");
            return;
        }
        n->dyn_ref = resolve(c, n->base, v->valuestring);
        enqueue(c, n->dyn_ref);
        const char *hash = strchr(v->valuestring, '#');
        if (n->dyn_ref && hash && hash[1] && hash[1] != '/' && cJSON_IsObject(n->dyn_ref->src)) {
            const cJSON *anchor =
                cJSON_GetObjectItemCaseSensitive(n->dyn_ref->src, "$dynamicAnchor");
            if (cJSON_IsString(anchor) && strcmp(anchor->valuestring, hash + 1) == 0)
                n->dyn_anchor_name = anchor->valuestring;
        }
    }
    if (vocab & V_APPLICATOR)
        compile_applicators(c, n, j);
    if (vocab & V_UNEVALUATED) {
        if ((v = cJSON_GetObjectItemCaseSensitive(j, "unevaluatedItems")))
            n->unevaluated_items = sub(c, n, v, "unevaluatedItems");
        if ((v = cJSON_GetObjectItemCaseSensitive(j, "unevaluatedProperties")))
            n->unevaluated_props = sub(c, n, v, "unevaluatedProperties");
    }
    if (vocab & V_VALIDATION)
        compile_validation(c, n, j);
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "format")) && cJSON_IsString(v)) {
        n->format_name = v->valuestring;
        bool assert = c->s->format_assertion || (vocab & V_FORMAT_ASSERTION);
        if (assert)
            n->format = schema_format_lookup(v->valuestring);
    }
    index_props(c, n);
    set_groups(n);
    compile_messages(c, n);
}

void schema_free(schema_t *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_regexes; i++)
        schema_regex_free(s->regexes[i]);
    free(s->regexes);
    for (int i = 0; i < s->n_docs; i++)
        cJSON_Delete(s->docs[i]);
    free(s->docs);
    free(s->slots);
    arena_free(&s->arena);
    free(s);
}

schema_t *schema_compile(const cJSON *doc, const struct schema_options *opts, char **err)
{
    if (err)
        *err = NULL;
    struct schema *s = calloc(1, sizeof *s);
    cJSON *copy = doc ? cJSON_Duplicate(doc, true) : NULL;
    if (!s || !copy) {
        free(s);
        cJSON_Delete(copy);
        if (err)
            *err = strdup(doc ? "out of memory" : "no schema");
        return NULL;
    }
    s->format_assertion = opts && opts->format_assertion;
    struct compiler c = {.s = s, .opts = opts};
    if (!cJSON_IsObject(copy) && !cJSON_IsBool(copy)) {
        cJSON_Delete(copy);
        fail(&c, "a schema must be an object or a boolean");
    } else if (add_document(&c, copy, "")) {
        s->root = slot_get(s, copy);
        enqueue(&c, s->root);
        for (size_t i = 0; i < c.n_queue && !failed(&c); i++)
            compile_node(&c, c.queue[i]);
        for (size_t i = 0; i < c.n_queue && !failed(&c); i++) {
            const struct node *f = c.queue[i];
            /* bounded: a cycle of references is left to validation's depth limit */
            for (int hops = 0; f->pure_ref && f->ref->res == f->res && hops < 8; hops++)
                f = f->ref;
            c.queue[i]->fast = f;
        }
        for (size_t i = 0; i < c.n_queue && !failed(&c); i++)
            for (int j = 0; j < c.queue[i]->n_props; j++)
                c.queue[i]->props[j].fast = c.queue[i]->props[j].node->fast;
    }
    free(c.queue);
    if (!failed(&c) && !s->root)
        fail(&c, "no schema");
    if (failed(&c)) {
        if (!c.err)
            c.err = strdup("out of memory");
        if (err)
            *err = c.err;
        else
            free(c.err);
        schema_free(s);
        return NULL;
    }
    return s;
}
