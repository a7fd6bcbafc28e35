/*
 * YAML to cJSON over libyaml's event parser (see yaml.h). The parser does the syntax; this file
 * builds the tree, resolves plain scalars with the YAML 1.2 core schema, expands aliases and
 * enforces the limits. It does not do YAML 1.1's merge keys ("<<" is an ordinary key), custom tags,
 * complex keys (a mapping or sequence as a key) or more than one document per stream.
 */
#include "cli/yaml.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

/* An open-addressing set of strings with an int each: a mapping's keys (duplicate detection) and
 * the anchors by name. Keys are borrowed; they must outlive the table. */
struct table {
    const char **keys;
    int *vals;
    size_t cap;
    size_t count;
};

/* One anchor seen so far. A collection's node is in the tree (borrowed); a scalar's is a copy the
 * anchor owns, with its text for use as a key. Lifecycle: added at the anchored event, complete at
 * its end event (open until then), freed with the reader. */
struct anchor {
    char *name;
    cJSON *node;
    char *text;
    bool open;
    size_t nodes;
    size_t bytes;
    int depth;
};

/* One collection being read. key is the pending key of a mapping (NULL while a key is expected). */
struct frame {
    cJSON *node;
    bool mapping;
    char *key;
    struct table keys;
    int anchor;
    size_t nodes_at_start;
    size_t bytes_at_start;
};

/* The state of one cli_yaml_parse call. */
struct reader {
    const char *text;
    size_t len;
    struct frame stack[CLI_YAML_MAX_DEPTH];
    int depth;
    cJSON *root;
    struct anchor *anchors;
    int nanchors;
    int anchors_cap;
    struct table anchor_names;
    size_t nodes;
    size_t bytes;
    int documents;
    bool failed;
    struct cli_yaml_error *err;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot of key, or of the empty slot where it would go. */
static size_t table_slot(const struct table *t, const char *key)
{
    size_t i = (size_t)hash(key) & (t->cap - 1);
    while (t->keys[i] && strcmp(t->keys[i], key) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* The value stored for key, or -1. */
static int table_get(const struct table *t, const char *key)
{
    if (!t->cap)
        return -1;
    size_t i = table_slot(t, key);
    return t->keys[i] ? t->vals[i] : -1;
}

/* Stores key -> val (replacing an existing entry). false when memory ran out. */
static bool table_put(struct table *t, const char *key, int val)
{
    if ((t->count + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct table bigger = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(int)), cap, 0};
        if (!bigger.keys || !bigger.vals) {
            free(bigger.keys);
            free(bigger.vals);
            return false;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->keys[i])
                continue;
            size_t j = table_slot(&bigger, t->keys[i]);
            bigger.keys[j] = t->keys[i];
            bigger.vals[j] = t->vals[i];
            bigger.count++;
        }
        free(t->keys);
        free(t->vals);
        *t = bigger;
    }
    size_t i = table_slot(t, key);
    if (!t->keys[i])
        t->count++;
    t->keys[i] = key;
    t->vals[i] = val;
    return true;
}

static void table_free(struct table *t)
{
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
}

static void fail_at(struct reader *r, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_at(struct reader *r, int line, int column, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    if (!r->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err->message, sizeof r->err->message, fmt, ap);
    va_end(ap);
    r->err->line = line;
    r->err->column = column;
}

#define FAIL(r, mark, ...) fail_at((r), (int)(mark).line + 1, (int)(mark).column + 1, __VA_ARGS__)

/* ---- scalars: the core schema ------------------------------------------------------------- */

static bool all_of(const char *s, size_t n, const char *set)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(set, s[i]))
            return false;
    return true;
}

static bool one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0)
            return true;
    return false;
}

static const char *const NULLS[] = {"null", "Null", "NULL", "~", NULL};
static const char *const TRUES[] = {"true", "True", "TRUE", NULL};
static const char *const FALSES[] = {"false", "False", "FALSE", NULL};
static const char *const INFS[] = {".inf", ".Inf", ".INF", NULL};
static const char *const NANS[] = {".nan", ".NaN", ".NAN", NULL};

#define DIGITS "0123456789"

static bool is_null(const char *s, size_t n)
{
    return n == 0 || one_of(s, n, NULLS);
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+, with its value. */
static bool is_int(const char *s, size_t n, double *out)
{
    int base = 0;
    if (n > 2 && s[0] == '0' && s[1] == 'o' && all_of(s + 2, n - 2, "01234567"))
        base = 8;
    else if (n > 2 && s[0] == '0' && s[1] == 'x' && all_of(s + 2, n - 2, DIGITS "abcdefABCDEF"))
        base = 16;
    if (base) {
        double v = 0;
        for (size_t i = 2; i < n; i++) {
            char c = s[i];
            int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
            v = v * base + d;
        }
        *out = v;
        return true;
    }
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (!all_of(s + i, n - i, DIGITS))
        return false;
    *out = strtod(s, NULL);
    return true;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_float(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t exp = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, exp++;
        if (exp == 0)
            return false;
    }
    return i == n;
}

static bool is_inf_or_nan(const char *s, size_t n)
{
    size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    return one_of(s + i, n - i, INFS) || one_of(s, n, NANS);
}

enum core_type { CORE_ANY, CORE_STR, CORE_NULL, CORE_BOOL, CORE_INT, CORE_FLOAT };

/* The core-schema type a tag demands (CORE_ANY: resolve by content), or -1 when unsupported. */
static int tag_type(const char *tag)
{
    static const struct {
        const char *name;
        enum core_type type;
    } TAGS[] = {
        {"str", CORE_STR},     {"null", CORE_NULL},  {"bool", CORE_BOOL},     {"int", CORE_INT},
        {"float", CORE_FLOAT}, {"binary", CORE_STR}, {"timestamp", CORE_STR},
    };
    if (!tag)
        return CORE_ANY;
    if (strcmp(tag, "!") == 0)
        return CORE_STR;
    if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
        return -1;
    for (size_t i = 0; i < sizeof TAGS / sizeof TAGS[0]; i++)
        if (strcmp(tag + strlen(TAG_PREFIX), TAGS[i].name) == 0)
            return (int)TAGS[i].type;
    return -1;
}

/* The JSON value of a scalar event, or NULL with the reader failed. */
static cJSON *resolve(struct reader *r, const yaml_event_t *e)
{
    const char *s = (const char *)e->data.scalar.value;
    size_t n = e->data.scalar.length;
    int type = tag_type((const char *)e->data.scalar.tag);
    if (type < 0) {
        FAIL(r, e->start_mark, "unsupported tag %.60s (only the YAML core schema's)",
             (const char *)e->data.scalar.tag);
        return NULL;
    }
    if (type == CORE_ANY && e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        type = CORE_STR;
    if (type == CORE_STR)
        return cJSON_CreateString(s);
    double num;
    if ((type == CORE_ANY || type == CORE_NULL) && is_null(s, n))
        return cJSON_CreateNull();
    if ((type == CORE_ANY || type == CORE_BOOL) && one_of(s, n, TRUES))
        return cJSON_CreateTrue();
    if ((type == CORE_ANY || type == CORE_BOOL) && one_of(s, n, FALSES))
        return cJSON_CreateFalse();
    if ((type == CORE_ANY || type == CORE_INT || type == CORE_FLOAT) && is_int(s, n, &num))
        return cJSON_CreateNumber(num);
    if ((type == CORE_ANY || type == CORE_FLOAT) && (is_float(s, n) || is_inf_or_nan(s, n))) {
        num = is_float(s, n) ? strtod(s, NULL) : 0;
        if (!is_float(s, n) || num - num != 0) {
            FAIL(r, e->start_mark, "%.*s cannot be represented in JSON", (int)(n > 40 ? 40 : n), s);
            return NULL;
        }
        return cJSON_CreateNumber(num);
    }
    if (type == CORE_ANY)
        return cJSON_CreateString(s);
    FAIL(r, e->start_mark, "'%.*s' is not a valid %s", (int)(n > 40 ? 40 : n), s,
         (const char *)e->data.scalar.tag + strlen(TAG_PREFIX));
    return NULL;
}

/* ---- the tree ------------------------------------------------------------------------------ */

static int depth_of(const cJSON *v)
{
    int d = 0;
    for (const cJSON *c = (cJSON_IsArray(v) || cJSON_IsObject(v)) ? v->child : NULL; c;
         c = c->next) {
        int cd = depth_of(c);
        if (cd > d)
            d = cd;
    }
    return d + ((cJSON_IsArray(v) || cJSON_IsObject(v)) ? 1 : 0);
}

static bool within_budget(struct reader *r, const yaml_mark_t *m, size_t nodes, size_t bytes)
{
    if (r->nodes + nodes > CLI_YAML_MAX_NODES) {
        fail_at(r, (int)m->line + 1, (int)m->column + 1,
                "the document expands to more than %d values (an alias bomb?)", CLI_YAML_MAX_NODES);
        return false;
    }
    if (r->bytes + bytes > CLI_YAML_MAX_TEXT) {
        fail_at(r, (int)m->line + 1, (int)m->column + 1,
                "the document expands to more than %d bytes of text (an alias bomb?)",
                CLI_YAML_MAX_TEXT);
        return false;
    }
    r->nodes += nodes;
    r->bytes += bytes;
    return true;
}

static bool expecting_key(const struct reader *r)
{
    return r->depth > 0 && r->stack[r->depth - 1].mapping && !r->stack[r->depth - 1].key;
}

/* Takes v into the tree: the root, the next item of a sequence or the pending key's value. */
static bool place(struct reader *r, cJSON *v, const yaml_mark_t *m)
{
    if (!v) {
        fail_at(r, (int)m->line + 1, (int)m->column + 1, "out of memory");
        return false;
    }
    if (r->depth == 0) {
        r->root = v;
        return true;
    }
    struct frame *f = &r->stack[r->depth - 1];
    if (!f->mapping) {
        cJSON_AddItemToArray(f->node, v);
        return true;
    }
    cJSON_AddItemToObject(f->node, f->key, v);
    free(f->key);
    f->key = NULL;
    if (!v->string || !table_put(&f->keys, v->string, 0)) {
        fail_at(r, (int)m->line + 1, (int)m->column + 1, "out of memory");
        return false;
    }
    return true;
}

/* Makes key the pending key of the innermost mapping; refuses a duplicate. key is consumed. */
static bool set_key(struct reader *r, char *key, const yaml_mark_t *m)
{
    struct frame *f = &r->stack[r->depth - 1];
    if (!key) {
        fail_at(r, (int)m->line + 1, (int)m->column + 1, "out of memory");
        return false;
    }
    if (table_get(&f->keys, key) >= 0) {
        fail_at(r, (int)m->line + 1, (int)m->column + 1, "duplicate key '%.80s'", key);
        free(key);
        return false;
    }
    f->key = key;
    return true;
}

/* Registers an anchor for node (in the tree) or a scalar copy; returns its index or -1. */
static int add_anchor(struct reader *r, const char *name, cJSON *node, const char *text,
                      const yaml_mark_t *m)
{
    if (r->nanchors == r->anchors_cap) {
        int cap = r->anchors_cap ? r->anchors_cap * 2 : 16;
        struct anchor *a = realloc(r->anchors, (size_t)cap * sizeof *a);
        if (!a) {
            fail_at(r, (int)m->line + 1, (int)m->column + 1, "out of memory");
            return -1;
        }
        r->anchors = a;
        r->anchors_cap = cap;
    }
    struct anchor *a = &r->anchors[r->nanchors];
    memset(a, 0, sizeof *a);
    a->name = strdup(name);
    a->text = text ? strdup(text) : NULL;
    a->node = text ? cJSON_Duplicate(node, true) : node;
    a->open = !text;
    a->nodes = 1;
    a->bytes = text ? strlen(text) : 0;
    if (!a->name || (text && (!a->text || !a->node)) ||
        !table_put(&r->anchor_names, a->name, r->nanchors)) {
        free(a->name);
        free(a->text);
        if (text)
            cJSON_Delete(a->node);
        fail_at(r, (int)m->line + 1, (int)m->column + 1, "out of memory");
        return -1;
    }
    return r->nanchors++;
}

static bool on_scalar(struct reader *r, const yaml_event_t *e)
{
    const char *s = (const char *)e->data.scalar.value;
    size_t n = e->data.scalar.length;
    if (memchr(s, '\0', n)) {
        FAIL(r, e->start_mark, "a NUL character cannot be represented in JSON");
        return false;
    }
    if (!within_budget(r, &e->start_mark, 1, n))
        return false;
    const char *anchor = (const char *)e->data.scalar.anchor;
    bool key = expecting_key(r);
    if (key && !anchor) {
        /* A key is its text: "200", ".inf" and "~" are names here, not values. */
        if (tag_type((const char *)e->data.scalar.tag) < 0) {
            FAIL(r, e->start_mark, "unsupported tag %.60s (only the YAML core schema's)",
                 (const char *)e->data.scalar.tag);
            return false;
        }
        return set_key(r, strdup(s), &e->start_mark);
    }
    cJSON *v = resolve(r, e);
    if (!v)
        return false;
    if (anchor && add_anchor(r, anchor, v, s, &e->start_mark) < 0) {
        cJSON_Delete(v);
        return false;
    }
    if (key) {
        cJSON_Delete(v);
        return set_key(r, strdup(s), &e->start_mark);
    }
    return place(r, v, &e->start_mark);
}

static bool on_alias(struct reader *r, const yaml_event_t *e)
{
    const char *name = (const char *)e->data.alias.anchor;
    int i = table_get(&r->anchor_names, name);
    if (i < 0) {
        FAIL(r, e->start_mark, "unknown alias *%.60s", name);
        return false;
    }
    const struct anchor *a = &r->anchors[i];
    if (a->open) {
        FAIL(r, e->start_mark, "alias *%.60s refers to a node that contains it", name);
        return false;
    }
    if (expecting_key(r)) {
        if (!a->text) {
            FAIL(r, e->start_mark, "alias *%.60s as a key: a key must be a scalar", name);
            return false;
        }
        return within_budget(r, &e->start_mark, 1, a->bytes) &&
               set_key(r, strdup(a->text), &e->start_mark);
    }
    if (r->depth + a->depth > CLI_YAML_MAX_DEPTH) {
        FAIL(r, e->start_mark, "alias *%.60s nests deeper than %d levels", name,
             CLI_YAML_MAX_DEPTH);
        return false;
    }
    return within_budget(r, &e->start_mark, a->nodes, a->bytes) &&
           place(r, cJSON_Duplicate(a->node, true), &e->start_mark);
}

static bool on_start(struct reader *r, const yaml_event_t *e, bool mapping)
{
    const char *tag =
        (const char *)(mapping ? e->data.mapping_start.tag : e->data.sequence_start.tag);
    const char *anchor =
        (const char *)(mapping ? e->data.mapping_start.anchor : e->data.sequence_start.anchor);
    if (expecting_key(r)) {
        FAIL(r, e->start_mark, "a %s as a mapping key: keys must be scalars",
             mapping ? "mapping" : "sequence");
        return false;
    }
    if (tag && strcmp(tag, "!") != 0 &&
        strcmp(tag, mapping ? TAG_PREFIX "map" : TAG_PREFIX "seq")) {
        FAIL(r, e->start_mark, "unsupported tag %.60s (only the YAML core schema's)", tag);
        return false;
    }
    if (r->depth >= CLI_YAML_MAX_DEPTH) {
        FAIL(r, e->start_mark, "nesting deeper than %d levels", CLI_YAML_MAX_DEPTH);
        return false;
    }
    if (!within_budget(r, &e->start_mark, 1, 0))
        return false;
    cJSON *node = mapping ? cJSON_CreateObject() : cJSON_CreateArray();
    if (!place(r, node, &e->start_mark))
        return false;
    struct frame *f = &r->stack[r->depth++];
    memset(f, 0, sizeof *f);
    f->node = node;
    f->mapping = mapping;
    f->anchor = anchor ? add_anchor(r, anchor, node, NULL, &e->start_mark) : -1;
    f->nodes_at_start = r->nodes;
    f->bytes_at_start = r->bytes;
    return !anchor || f->anchor >= 0;
}

static void on_end(struct reader *r)
{
    struct frame *f = &r->stack[--r->depth];
    if (f->anchor >= 0) {
        struct anchor *a = &r->anchors[f->anchor];
        a->open = false;
        a->nodes = 1 + r->nodes - f->nodes_at_start;
        a->bytes = r->bytes - f->bytes_at_start;
        a->depth = depth_of(a->node);
    }
    free(f->key);
    table_free(&f->keys);
}

/* The libyaml parser's own complaint, with the position it gives (or one derived from the byte
 * offset for encoding errors, which carry no mark). */
static void parser_error(struct reader *r, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        fail_at(r, 0, 0, "out of memory");
        return;
    }
    int line = (int)p->problem_mark.line + 1, column = (int)p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) {
        line = 1;
        column = 1;
        for (size_t i = 0; i < p->problem_offset && i < r->len; i++, column++)
            if (r->text[i] == '\n') {
                line++;
                column = 0;
            }
    }
    if (p->context)
        fail_at(r, line, column, "%s %s started at %d:%d", p->problem ? p->problem : "invalid YAML",
                p->context, (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    else
        fail_at(r, line, column, "%s", p->problem ? p->problem : "invalid YAML");
}

static bool on_event(struct reader *r, const yaml_event_t *e)
{
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (r->documents++ > 0) {
            FAIL(r, e->start_mark, "a second document: one YAML document per file");
            return false;
        }
        return true;
    case YAML_SCALAR_EVENT:
        return on_scalar(r, e);
    case YAML_ALIAS_EVENT:
        return on_alias(r, e);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(r, e, false);
    case YAML_MAPPING_START_EVENT:
        return on_start(r, e, true);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        on_end(r);
        return true;
    default:
        return true;
    }
}

cJSON *cli_yaml_parse(const char *text, size_t len, struct cli_yaml_error *err)
{
    struct reader *r = calloc(1, sizeof *r);
    if (err)
        memset(err, 0, sizeof *err);
    if (!r) {
        if (err)
            snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    r->text = text;
    r->len = len;
    r->err = err;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fail_at(r, 0, 0, "out of memory");
    } else {
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        bool done = false;
        while (!done && !r->failed) {
            yaml_event_t e;
            if (!yaml_parser_parse(&parser, &e)) {
                parser_error(r, &parser);
                break;
            }
            done = e.type == YAML_STREAM_END_EVENT;
            on_event(r, &e);
            yaml_event_delete(&e);
        }
        yaml_parser_delete(&parser);
    }
    if (!r->failed && r->documents == 0)
        fail_at(r, 1, 1, "no YAML document (the file is empty)");
    while (r->depth > 0)
        on_end(r);
    for (int i = 0; i < r->nanchors; i++) {
        free(r->anchors[i].name);
        if (r->anchors[i].text) {
            free(r->anchors[i].text);
            cJSON_Delete(r->anchors[i].node);
        }
    }
    free(r->anchors);
    table_free(&r->anchor_names);
    cJSON *root = r->failed ? NULL : r->root;
    if (r->failed)
        cJSON_Delete(r->root);
    free(r);
    return root;
}
