/*
 * Validating an instance against a compiled schema: one recursive pass over the node graph that
 * evaluates every keyword, tracks the dynamic scope for "$dynamicRef" and, only where an
 * "unevaluated*" keyword needs them, the evaluated properties and items. Errors are collected in
 * JSON Schema's "basic" shape with messages for a person. Every validation first runs a pass that
 * stops at the first failure and builds no locations (shortcuts: "$ref"-only schemas followed
 * directly, "type"-only schemas checked inline); only an invalid instance whose errors were asked
 * for is walked again to collect them.
 *
 * Does not produce annotations as output (only uses them internally) and treats the content*
 * keywords as annotations, as the draft's default is.
 */
#include "schema/internal.h"
#include "json/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One step of a JSON Pointer, kept on the C stack: a keyword (with an optional member name or
 * index below it) for keyword locations, or a member name / index for instance locations. */
struct seg {
    const struct seg *up;
    const char *name;
    const char *key;
    long index;
};

/* Locations already evaluated within one instance value, for unevaluatedItems/Properties. */
struct annot {
    bool all_items;
    size_t items_upto;
    size_t n_bits;
    uint64_t *bits;
    uint64_t small[2];
};

struct vstate {
    const struct schema *s;
    struct schema_result *out;
    size_t cap;
    int depth;
    bool too_deep;
    int n_scope;
    const struct resource *scope[SCHEMA_MAX_DEPTH + 2];
};

static bool v_node(struct vstate *st, const struct node *n, const cJSON *inst, const struct seg *ip,
                   const struct seg *kp, struct annot *ann);
static bool v_fast(struct vstate *st, const struct node *n, const cJSON *inst);
static bool v_leaf(struct vstate *st, const struct node *n, const cJSON *inst, const struct seg *ip,
                   const struct seg *kp);

/* ---- annotations ----------------------------------------------------------------------------- */

static void annot_init(struct annot *a, size_t n)
{
    memset(a, 0, sizeof *a);
    a->n_bits = n;
    size_t words = (n + 63) / 64;
    a->bits = words <= 2 ? a->small : calloc(words, sizeof *a->bits);
    if (!a->bits) {
        a->bits = a->small;
        a->n_bits = 128;
    }
}

static void annot_free(struct annot *a)
{
    if (a->bits != a->small)
        free(a->bits);
}

static void annot_set(struct annot *a, size_t i)
{
    if (a && i < a->n_bits)
        a->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool annot_has(const struct annot *a, size_t i)
{
    return i < a->n_bits && (a->bits[i / 64] >> (i % 64)) & 1;
}

static void annot_merge(struct annot *into, const struct annot *from)
{
    if (!into)
        return;
    into->all_items |= from->all_items;
    if (from->items_upto > into->items_upto)
        into->items_upto = from->items_upto;
    size_t into_words = (into->n_bits + 63) / 64, from_words = (from->n_bits + 63) / 64;
    size_t words = into_words < from_words ? into_words : from_words;
    for (size_t i = 0; i < words; i++)
        into->bits[i] |= from->bits[i];
}

/* ---- errors ---------------------------------------------------------------------------------- */

/*
 * JSON Pointers are written backwards, from the innermost segment to the root, into the end of a
 * buffer: one pass over the segment chain, no recursion. Each function returns the new start, or
 * NULL when the buffer (whose first byte is lo) is too small.
 */
static char *back_token(char *p, char *lo, const char *t)
{
    size_t n = strlen(t);
    if (!memchr(t, '~', n) && !memchr(t, '/', n)) {
        if ((size_t)(p - lo) < n + 1)
            return NULL;
        p -= n;
        memcpy(p, t, n);
        *--p = '/';
        return p;
    }
    for (size_t i = n; i-- > 0;) {
        char c = t[i];
        if (p - lo < 2)
            return NULL;
        if (c == '~' || c == '/') {
            *--p = c == '~' ? '0' : '1';
            *--p = '~';
        } else {
            *--p = c;
        }
    }
    if (p == lo)
        return NULL;
    *--p = '/';
    return p;
}

static char *back_index(char *p, char *lo, long index)
{
    do {
        if (p == lo)
            return NULL;
        *--p = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    if (p == lo)
        return NULL;
    *--p = '/';
    return p;
}

static char *back_pointer(char *p, char *lo, const struct seg *s, const char *last)
{
    if (last && !(p = back_token(p, lo, last)))
        return NULL;
    for (; s; s = s->up) {
        if (s->key)
            p = back_token(p, lo, s->key);
        else if (s->index >= 0)
            p = back_index(p, lo, s->index);
        if (p && s->name)
            p = back_token(p, lo, s->name);
        if (!p)
            return NULL;
    }
    return p;
}

/* Bytes the pointer takes (exact), for chains too long for the stack buffer. */
static size_t pointer_size(const struct seg *s, const char *last)
{
    size_t n = 0;
    const char *tokens[3];
    for (bool first = true; first || s; first = false) {
        int k = 0;
        if (first) {
            if (last)
                tokens[k++] = last;
        } else {
            if (s->name)
                tokens[k++] = s->name;
            if (s->key)
                tokens[k++] = s->key;
            else if (s->index >= 0)
                n += 22;
            s = s->up;
        }
        for (int i = 0; i < k; i++) {
            n++;
            for (const char *t = tokens[i]; *t; t++)
                n += (*t == '~' || *t == '/') ? 2 : 1;
        }
    }
    return n;
}

/* One JSON Pointer being built: in buf when it fits, else in heap (exact size). */
struct built_pointer {
    char buf[1024];
    char *heap;
    const char *start;
    size_t len;
};

static bool build_pointer(struct built_pointer *bp, const struct seg *s, const char *last)
{
    bp->heap = NULL;
    char *start = back_pointer(bp->buf + sizeof bp->buf, bp->buf, s, last);
    if (start) {
        bp->start = start;
        bp->len = (size_t)(bp->buf + sizeof bp->buf - start);
        return true;
    }
    size_t n = pointer_size(s, last);
    bp->heap = malloc(n + 1);
    if (!bp->heap)
        return false;
    start = back_pointer(bp->heap + n, bp->heap, s, last);
    bp->start = start;
    bp->len = (size_t)(bp->heap + n - start);
    return start != NULL;
}

static void error_release(struct schema_error *e)
{
    free(e->instance_path); /* one allocation holds all four strings */
}

/* Records an error at keyword location kp + "/" + last (just kp when last is NULL). */
static void add_error_at(struct vstate *st, const struct seg *ip, const struct seg *kp,
                         const char *keyword, const char *last, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void add_error_at(struct vstate *st, const struct seg *ip, const struct seg *kp,
                         const char *keyword, const char *last, const char *fmt, ...)
{
    struct schema_result *r = st->out;
    if (!r || st->too_deep)
        return;
    if (r->count == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        struct schema_error *e = realloc(r->errors, cap * sizeof *e);
        if (!e)
            return;
        r->errors = e;
        st->cap = cap;
    }
    char buf[400];
    const char *msg = buf;
    size_t mlen;
    va_list ap;
    va_start(ap, fmt);
    if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) {
        msg = va_arg(ap, const char *);
        mlen = strlen(msg);
    } else {
        int w = vsnprintf(buf, sizeof buf, fmt, ap);
        mlen = w < 0 ? 0 : (size_t)w >= sizeof buf ? sizeof buf - 1 : (size_t)w;
    }
    va_end(ap);
    struct built_pointer bi, bk;
    bool ok_i = build_pointer(&bi, ip, NULL);
    bool ok_k = build_pointer(&bk, kp, last);
    size_t kwlen = strlen(keyword);
    char *block = ok_i && ok_k ? malloc(bi.len + bk.len + kwlen + mlen + 4) : NULL;
    if (block) {
        struct schema_error *e = &r->errors[r->count++];
        e->instance_path = block;
        memcpy(block, bi.start, bi.len);
        block[bi.len] = '\0';
        e->keyword_location = block + bi.len + 1;
        memcpy(e->keyword_location, bk.start, bk.len);
        e->keyword_location[bk.len] = '\0';
        e->keyword = e->keyword_location + bk.len + 1;
        memcpy(e->keyword, keyword, kwlen + 1);
        e->message = e->keyword + kwlen + 1;
        memcpy(e->message, msg, mlen);
        e->message[mlen] = '\0';
    }
    free(bi.heap);
    free(bk.heap);
}

#define add_error(st, ip, kp, keyword, ...) add_error_at(st, ip, kp, keyword, keyword, __VA_ARGS__)

/* add_error with the message a + b + c, without printf. */
static void add_error_cat(struct vstate *st, const struct seg *ip, const struct seg *kp,
                          const char *keyword, const char *a, const char *b, const char *c)
{
    if (!st->out)
        return;
    char msg[400];
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    if (la + lb + lc >= sizeof msg) {
        add_error(st, ip, kp, keyword, "%s%.300s%s", a, b, c);
        return;
    }
    memcpy(msg, a, la);
    memcpy(msg + la, b, lb);
    memcpy(msg + la + lb, c, lc + 1);
    add_error(st, ip, kp, keyword, "%s", msg);
}

static size_t mark(const struct vstate *st)
{
    return st->out ? st->out->count : 0;
}

static void truncate_to(struct vstate *st, size_t m)
{
    if (!st->out)
        return;
    while (st->out->count > m)
        error_release(&st->out->errors[--st->out->count]);
}

/* Formats a number the way JSON would show it. */
void schema_format_number(char *out, size_t size, double d)
{
    if (floor(d) == d && fabs(d) < 1e15) {
        snprintf(out, size, "%lld", (long long)d);
        return;
    }
    snprintf(out, size, "%.15g", d);
    if (strtod(out, NULL) != d)
        snprintf(out, size, "%.17g", d);
}

/* Compact JSON of v, shortened with "..." past max bytes, into out. */
void schema_json_excerpt(char *out, size_t size, const cJSON *v)
{
    char *t = cJSON_PrintUnformatted(v);
    if (!t) {
        snprintf(out, size, "(value)");
        return;
    }
    if (strlen(t) >= size && size > 4)
        snprintf(out, size, "%.*s...", (int)(size - 4), t);
    else
        snprintf(out, size, "%s", t);
    free(t);
}

static const struct {
    uint32_t bit;
    const char *phrase;
} TYPE_PHRASES[] = {{T_OBJECT, "an object"}, {T_ARRAY, "an array"},     {T_STRING, "a string"},
                    {T_NUMBER, "a number"},  {T_INTEGER, "an integer"}, {T_BOOLEAN, "a boolean"},
                    {T_NULL, "null"}};

void schema_type_message(char *out, size_t size, uint32_t types)
{
    const char *parts[8];
    int n = 0;
    for (size_t i = 0; i < sizeof TYPE_PHRASES / sizeof TYPE_PHRASES[0]; i++) {
        if (!(types & TYPE_PHRASES[i].bit))
            continue;
        if (TYPE_PHRASES[i].bit == T_INTEGER && (types & T_NUMBER))
            continue;
        parts[n++] = TYPE_PHRASES[i].phrase;
    }
    size_t w = (size_t)snprintf(out, size, "must be ");
    for (int i = 0; i < n && w < size; i++) {
        const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
        w += (size_t)snprintf(out + w, size - w, "%s%s", sep, parts[i]);
    }
}

/* ---- instance helpers ------------------------------------------------------------------------ */

/* T_* bits of v by cJSON's type byte (cJSON_Invalid, NULL, False, True, Number, String, Array,
 * Object, Raw). Numbers are T_NUMBER only; is_integer tells whether one is also T_INTEGER. */
static const uint32_t TYPE_BITS[256] = {
    [cJSON_NULL] = T_NULL,     [cJSON_True] = T_BOOLEAN,  [cJSON_False] = T_BOOLEAN,
    [cJSON_Number] = T_NUMBER, [cJSON_String] = T_STRING, [cJSON_Array] = T_ARRAY,
    [cJSON_Object] = T_OBJECT,
};

static inline bool is_integer(double d)
{
    return isfinite(d) && floor(d) == d;
}

static inline uint32_t type_of(const cJSON *v)
{
    return TYPE_BITS[v->type & 0xff];
}

/* Whether a value of bits t matches the allowed types (integers are numbers with no fraction). */
static inline bool type_ok(uint32_t allowed, uint32_t t, const cJSON *v)
{
    if (allowed & t)
        return true;
    return t == T_NUMBER && (allowed & T_INTEGER) && is_integer(v->valuedouble);
}

static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static bool is_multiple(double x, double m)
{
    if (!isfinite(x))
        return false;
    if (fmod(x, m) == 0)
        return true;
    double q = x / m;
    if (!isfinite(q))
        return false;
    return fabs(q - nearbyint(q)) < 1e-9 * fmax(1.0, fabs(q));
}

static size_t count_members(const cJSON *v)
{
    size_t n = 0;
    for (const cJSON *c = v->child; c; c = c->next)
        n++;
    return n;
}

/* ---- keyword groups -------------------------------------------------------------------------- */

static bool v_number(struct vstate *st, const struct node *n, double x, const struct seg *ip,
                     const struct seg *kp)
{
    bool valid = true;
    if (n->has_maximum && !(x <= n->maximum)) {
        add_error(st, ip, kp, "maximum", "%s", n->msg[M_MAXIMUM]);
        valid = false;
    }
    if (n->has_exclusive_maximum && !(x < n->exclusive_maximum)) {
        add_error(st, ip, kp, "exclusiveMaximum", "%s", n->msg[M_EXCLUSIVE_MAXIMUM]);
        valid = false;
    }
    if (n->has_minimum && !(x >= n->minimum)) {
        add_error(st, ip, kp, "minimum", "%s", n->msg[M_MINIMUM]);
        valid = false;
    }
    if (n->has_exclusive_minimum && !(x > n->exclusive_minimum)) {
        add_error(st, ip, kp, "exclusiveMinimum", "%s", n->msg[M_EXCLUSIVE_MINIMUM]);
        valid = false;
    }
    if (n->has_multiple_of && !is_multiple(x, n->multiple_of)) {
        add_error(st, ip, kp, "multipleOf", "%s", n->msg[M_MULTIPLE_OF]);
        valid = false;
    }
    return valid;
}

static bool v_string(struct vstate *st, const struct node *n, const cJSON *inst,
                     const struct seg *ip, const struct seg *kp)
{
    bool valid = true;
    const char *s = inst->valuestring;
    if (n->max_length >= 0 || n->min_length >= 0) {
        /* code points lie between bytes / 4 and bytes: count them only when that cannot decide */
        size_t bytes = strlen(s);
        bool max_ok = n->max_length < 0 || (double)bytes <= n->max_length;
        bool min_ok = n->min_length < 0 || (double)((bytes + 3) / 4) >= n->min_length;
        if (!max_ok || !min_ok) {
            double len = (double)utf8_length(s);
            if (n->max_length >= 0 && len > n->max_length) {
                add_error(st, ip, kp, "maxLength", "%s", n->msg[M_MAX_LENGTH]);
                valid = false;
            }
            if (n->min_length >= 0 && len < n->min_length) {
                add_error(st, ip, kp, "minLength", "%s", n->msg[M_MIN_LENGTH]);
                valid = false;
            }
        }
    }
    if (n->pattern) {
        enum schema_regex_result r = schema_regex_search(n->pattern, s, strlen(s));
        if (r == SCHEMA_REGEX_LIMIT) {
            add_error(st, ip, kp, "pattern", "is too complex to check against pattern \"%.200s\"",
                      n->pattern_source);
            valid = false;
        } else if (r == SCHEMA_REGEX_NOMATCH) {
            add_error(st, ip, kp, "pattern", "%s", n->msg[M_PATTERN]);
            valid = false;
        }
    }
    if (n->format >= 0 && !schema_format_check(n->format, s)) {
        add_error(st, ip, kp, "format", "%s", n->msg[M_FORMAT]);
        valid = false;
    }
    return valid;
}

static bool v_enum_const(struct vstate *st, const struct node *n, const cJSON *inst,
                         const struct seg *ip, const struct seg *kp)
{
    bool valid = true;
    if (n->enum_) {
        bool found = false;
        const cJSON *e;
        bool is_string = cJSON_IsString(inst);
        cJSON_ArrayForEach(e, n->enum_)
        {
            if (is_string ? cJSON_IsString(e) && e->valuestring[0] == inst->valuestring[0] &&
                                strcmp(e->valuestring, inst->valuestring) == 0
                          : json_equal(e, inst)) {
                found = true;
                break;
            }
        }
        if (!found) {
            add_error(st, ip, kp, "enum", "%s", n->enum_msg);
            valid = false;
        }
    }
    if (n->has_const && !json_equal(n->const_, inst)) {
        add_error(st, ip, kp, "const", "%s", n->const_msg);
        valid = false;
    }
    return valid;
}

/* Message for a value refused by a `false` subschema, by the keyword that applied it. */
static const char *false_message(const struct seg *kp)
{
    const char *kw = kp ? kp->name : NULL;
    if (!kw)
        return "is not allowed (the schema is false)";
    if (!strcmp(kw, "additionalProperties") || !strcmp(kw, "unevaluatedProperties") ||
        !strcmp(kw, "properties") || !strcmp(kw, "patternProperties"))
        return "is not an allowed property";
    if (!strcmp(kw, "items") || !strcmp(kw, "prefixItems") || !strcmp(kw, "unevaluatedItems"))
        return "is not an allowed item";
    if (!strcmp(kw, "propertyNames"))
        return "is not an allowed property name";
    return "is not allowed here";
}

static bool v_in_place(struct vstate *st, const struct node *n, const cJSON *inst,
                       const struct seg *ip, const struct seg *kp, struct annot *ann, size_t fields)
{
    bool valid = true;
    for (int i = 0; i < n->n_all_of; i++) {
        struct seg k = {kp, "allOf", NULL, i};
        if (!v_node(st, n->all_of[i], inst, ip, &k, ann)) {
            valid = false;
            if (!st->out)
                return false;
        }
    }
    if (n->n_any_of) {
        size_t m = mark(st);
        bool any = false;
        for (int i = 0; i < n->n_any_of; i++) {
            struct seg k = {kp, "anyOf", NULL, i};
            struct annot a;
            if (ann)
                annot_init(&a, fields);
            bool ok = v_node(st, n->any_of[i], inst, ip, &k, ann ? &a : NULL);
            if (ok && ann)
                annot_merge(ann, &a);
            if (ann)
                annot_free(&a);
            any |= ok;
            if (any && !ann)
                break;
        }
        if (any) {
            truncate_to(st, m);
        } else {
            add_error(st, ip, kp, "anyOf", "must match at least one of the schemas in anyOf");
            valid = false;
            if (!st->out)
                return false;
        }
    }
    if (n->n_one_of) {
        size_t m = mark(st);
        int matched = 0, first = -1, second = -1;
        for (int i = 0; i < n->n_one_of; i++) {
            struct seg k = {kp, "oneOf", NULL, i};
            struct annot a;
            if (ann)
                annot_init(&a, fields);
            bool ok = v_node(st, n->one_of[i], inst, ip, &k, ann ? &a : NULL);
            if (ok) {
                matched++;
                if (first < 0)
                    first = i;
                else if (second < 0)
                    second = i;
                if (ann && matched == 1)
                    annot_merge(ann, &a);
            }
            if (ann)
                annot_free(&a);
            if (matched > 1)
                break;
        }
        if (matched == 1) {
            truncate_to(st, m);
        } else if (matched == 0) {
            add_error(st, ip, kp, "oneOf", "must match exactly one of the schemas in oneOf");
            valid = false;
        } else {
            truncate_to(st, m);
            add_error(st, ip, kp, "oneOf",
                      "must match exactly one of the schemas in oneOf, but matches %d and %d",
                      first, second);
            valid = false;
        }
        if (!valid && !st->out)
            return false;
    }
    if (n->not_) {
        size_t m = mark(st);
        struct seg k = {kp, "not", NULL, -1};
        bool ok = v_node(st, n->not_, inst, ip, &k, NULL);
        truncate_to(st, m);
        if (ok) {
            add_error(st, ip, kp, "not", "must not match the schema in not");
            valid = false;
            if (!st->out)
                return false;
        }
    }
    if (n->if_) {
        size_t m = mark(st);
        struct seg k = {kp, "if", NULL, -1};
        struct annot a;
        if (ann)
            annot_init(&a, fields);
        bool ok = v_node(st, n->if_, inst, ip, &k, ann ? &a : NULL);
        truncate_to(st, m);
        if (ok && ann)
            annot_merge(ann, &a);
        if (ann)
            annot_free(&a);
        const struct node *branch = ok ? n->then_ : n->else_;
        if (branch) {
            struct seg kb = {kp, ok ? "then" : "else", NULL, -1};
            if (!v_node(st, branch, inst, ip, &kb, ann)) {
                valid = false;
                if (!st->out)
                    return false;
            }
        }
    }
    if (n->ref) {
        struct seg k = {kp, "$ref", NULL, -1};
        if (!v_node(st, n->ref, inst, ip, &k, ann)) {
            valid = false;
            if (!st->out)
                return false;
        }
    }
    if (n->dyn_ref) {
        const struct node *target = n->dyn_ref;
        if (n->dyn_anchor_name) {
            for (int i = 0; i < st->n_scope; i++) {
                for (const struct dyn_anchor *d = st->scope[i]->dyn_anchors; d; d = d->next) {
                    if (strcmp(d->name, n->dyn_anchor_name) == 0) {
                        target = d->node;
                        goto found;
                    }
                }
            }
        }
    found:;
        struct seg k = {kp, "$dynamicRef", NULL, -1};
        if (!v_node(st, target, inst, ip, &k, ann)) {
            valid = false;
            if (!st->out)
                return false;
        }
    }
    return valid;
}

/* Index in n->props of the property named name, or -1. */
static int find_prop(const struct node *n, const char *name)
{
    uint32_t h = schema_name_hash(name);
    for (uint32_t j = h & n->prop_mask;; j = (j + 1) & n->prop_mask) {
        int32_t i = n->prop_slots[j];
        if (i < 0)
            return -1;
        if (n->prop_hash[i] == h && strcmp(n->props[i].name, name) == 0)
            return i;
    }
}

/* Reports a propertyNames failure: the sub-errors since mk, restated about the name. */
static void restate_name_errors(struct vstate *st, size_t mk, const struct seg *ip,
                                const struct seg *k, const char *name)
{
    if (!st->out)
        return;
    size_t end = mark(st);
    for (size_t e = mk; e < end; e++) {
        const struct schema_error *se = &st->out->errors[e];
        add_error(st, ip, k, se->keyword, "property name '%s' %s", name, se->message);
    }
    size_t added = st->out->count - end;
    for (size_t e = mk; e < end; e++)
        error_release(&st->out->errors[e]);
    memmove(&st->out->errors[mk], &st->out->errors[end], added * sizeof *st->out->errors);
    st->out->count = mk + added;
}

/* Validates one member against properties, patternProperties, additionalProperties and
 * propertyNames; prop is its index in n->props or -1. Sets *evaluated for the annotations. */
static bool v_member(struct vstate *st, const struct node *n, const cJSON *m, int prop,
                     const struct seg *ip, const struct seg *kp, bool *evaluated)
{
    bool valid = true;
    struct seg child = {ip, NULL, m->string, -1};
    *evaluated = false;
    if (prop >= 0 && !st->out) {
        *evaluated = true;
        if (!v_fast(st, n->props[prop].node, m))
            return false;
    } else if (prop >= 0) {
        *evaluated = true;
        struct seg k = {kp, "properties", m->string, -1};
        if (!v_node(st, n->props[prop].node, m, &child, &k, NULL)) {
            valid = false;
            if (!st->out)
                return false;
        }
    }
    for (int i = 0; i < n->n_pattern_props; i++) {
        enum schema_regex_result r =
            schema_regex_search(n->pattern_props[i].re, m->string, strlen(m->string));
        if (r == SCHEMA_REGEX_NOMATCH)
            continue;
        struct seg k = {kp, "patternProperties", n->pattern_props[i].source, -1};
        if (r == SCHEMA_REGEX_LIMIT) {
            add_error(st, &child, &k, "patternProperties",
                      "is too complex to check against the pattern");
            valid = false;
        } else {
            *evaluated = true;
            if (!v_node(st, n->pattern_props[i].node, m, &child, &k, NULL))
                valid = false;
        }
        if (!valid && !st->out)
            return false;
    }
    if (!*evaluated && n->additional_props) {
        *evaluated = true;
        struct seg k = {kp, "additionalProperties", NULL, -1};
        if (!v_node(st, n->additional_props, m, &child, &k, NULL)) {
            valid = false;
            if (!st->out)
                return false;
        }
    }
    if (n->property_names) {
        cJSON name;
        memset(&name, 0, sizeof name);
        name.type = cJSON_String;
        name.valuestring = m->string;
        size_t mk = mark(st);
        struct seg k = {kp, "propertyNames", NULL, -1};
        if (!v_node(st, n->property_names, &name, ip, &k, NULL)) {
            restate_name_errors(st, mk, ip, &k, m->string);
            valid = false;
        }
    }
    return valid;
}

#define SMALL_MEMBERS 64

/*
 * v_node for the first-error mode (no error list, no annotations): follows a "$ref"-only schema
 * within one resource directly (the dynamic scope cannot change) and checks a "type"-only schema
 * inline.
 */
static bool v_fast(struct vstate *st, const struct node *n, const cJSON *inst)
{
    for (int hops = 0; n->pure_ref && n->ref->res == n->res && hops < 8; hops++)
        n = n->ref; /* bounded: a cycle of references is left to v_node's depth limit */
    if (n->type_only)
        return type_ok(n->types, type_of(inst), inst);
    if (n->leaf)
        return v_leaf(st, n, inst, NULL, NULL);
    return v_node(st, n, inst, NULL, NULL, NULL);
}

/* v_object without an error list: one pass, stopping at the first failure. */
static bool v_object_fast(struct vstate *st, const struct node *n, const cJSON *inst,
                          const struct seg *ip, const struct seg *kp, struct annot *ann)
{
    if (n->max_props >= 0 || n->min_props >= 0) {
        size_t count = 0;
        for (const cJSON *m = inst->child; m; m = m->next)
            count++;
        if ((n->max_props >= 0 && (double)count > n->max_props) ||
            (n->min_props >= 0 && (double)count < n->min_props))
            return false;
    }
    uint64_t small_seen[4] = {0};
    size_t seen_words = ((size_t)n->n_props + 63) / 64;
    uint64_t *seen = seen_words <= 4 ? small_seen : calloc(seen_words, sizeof *seen);
    if (!seen)
        return false;
    bool valid = true;
    bool members = n->n_props || n->n_pattern_props || n->additional_props || n->property_names;
    bool simple_members = !n->n_pattern_props && !n->additional_props && !n->property_names;
    size_t i = 0;
    int cursor = 0;
    for (const cJSON *m = inst->child; m && valid; m = m->next, i++) {
        int p;
        if (cursor < n->n_props && strcmp(n->props[cursor].name, m->string) == 0)
            p = cursor;
        else
            p = n->n_props ? find_prop(n, m->string) : -1;
        if (p >= 0) {
            cursor = p + 1;
            seen[p / 64] |= (uint64_t)1 << (p % 64);
        }
        if (simple_members) {
            if (p >= 0) {
                valid = v_fast(st, n->props[p].node, m);
                annot_set(ann, i);
            }
        } else if (members) {
            bool evaluated;
            valid = v_member(st, n, m, p, ip, kp, &evaluated);
            if (evaluated)
                annot_set(ann, i);
        }
    }
    for (int r = 0; valid && r < n->n_required; r++) {
        int p = n->required_prop[r];
        valid = p >= 0 ? (seen[p / 64] >> (p % 64)) & 1
                       : cJSON_GetObjectItemCaseSensitive(inst, n->required[r]) != NULL;
    }
    for (int d = 0; valid && d < n->n_dep_required; d++) {
        const struct dep_required *dr = &n->dep_required[d];
        if (!cJSON_GetObjectItemCaseSensitive(inst, dr->name))
            continue;
        for (int j = 0; valid && j < dr->n; j++)
            valid = cJSON_GetObjectItemCaseSensitive(inst, dr->required[j]) != NULL;
    }
    for (int d = 0; valid && d < n->n_dep_schemas; d++) {
        if (!cJSON_GetObjectItemCaseSensitive(inst, n->dep_schemas[d].name))
            continue;
        struct seg k = {kp, "dependentSchemas", n->dep_schemas[d].name, -1};
        valid = v_node(st, n->dep_schemas[d].node, inst, ip, &k, ann);
    }
    if (seen != small_seen)
        free(seen);
    return valid;
}

static bool v_object(struct vstate *st, const struct node *n, const cJSON *inst,
                     const struct seg *ip, const struct seg *kp, struct annot *ann)
{
    if (!st->out)
        return v_object_fast(st, n, inst, ip, kp, ann);
    bool valid = true;
    size_t count = 0;
    for (const cJSON *m = inst->child; m; m = m->next)
        count++;
    if ((n->max_props >= 0 && (double)count > n->max_props)) {
        add_error(st, ip, kp, "maxProperties", "must have at most %.0f propert%s", n->max_props,
                  n->max_props == 1 ? "y" : "ies");
        valid = false;
    }
    if (n->min_props >= 0 && (double)count < n->min_props) {
        add_error(st, ip, kp, "minProperties", "must have at least %.0f propert%s", n->min_props,
                  n->min_props == 1 ? "y" : "ies");
        valid = false;
    }
    if (!valid && !st->out)
        return false;
    /* Which props each member names, and which props are present, in one pass. */
    int small_idx[SMALL_MEMBERS];
    uint64_t small_seen[4] = {0};
    int *idx = count <= SMALL_MEMBERS ? small_idx : malloc(count * sizeof *idx);
    size_t seen_words = ((size_t)n->n_props + 63) / 64;
    uint64_t *seen = seen_words <= 4 ? small_seen : calloc(seen_words, sizeof *seen);
    if (!idx || !seen) {
        if (idx != small_idx)
            free(idx);
        if (seen != small_seen)
            free(seen);
        add_error(st, ip, kp, "properties", "could not be validated: out of memory");
        return false;
    }
    size_t i = 0;
    int cursor = 0; /* members usually come in the schema's order: try the next prop first */
    for (const cJSON *m = inst->child; m; m = m->next, i++) {
        if (cursor < n->n_props && strcmp(n->props[cursor].name, m->string) == 0)
            idx[i] = cursor++;
        else
            idx[i] = n->n_props ? find_prop(n, m->string) : -1;
        if (idx[i] >= 0)
            cursor = idx[i] + 1;
        if (idx[i] >= 0)
            seen[idx[i] / 64] |= (uint64_t)1 << (idx[i] % 64);
    }
    for (int r = 0; r < n->n_required; r++) {
        int p = n->required_prop[r];
        bool present = p >= 0 ? (seen[p / 64] >> (p % 64)) & 1
                              : cJSON_GetObjectItemCaseSensitive(inst, n->required[r]) != NULL;
        if (!present) {
            add_error_cat(st, ip, kp, "required", "'", n->required[r], "' is a required property");
            valid = false;
            if (!st->out)
                goto done;
        }
    }
    for (int d = 0; d < n->n_dep_required; d++) {
        const struct dep_required *dr = &n->dep_required[d];
        if (!cJSON_GetObjectItemCaseSensitive(inst, dr->name))
            continue;
        for (int j = 0; j < dr->n; j++) {
            if (!cJSON_GetObjectItemCaseSensitive(inst, dr->required[j])) {
                add_error(st, ip, kp, "dependentRequired",
                          "'%s' is a required property when '%s' is present", dr->required[j],
                          dr->name);
                valid = false;
                if (!st->out)
                    goto done;
            }
        }
    }
    for (int d = 0; d < n->n_dep_schemas; d++) {
        if (!cJSON_GetObjectItemCaseSensitive(inst, n->dep_schemas[d].name))
            continue;
        struct seg k = {kp, "dependentSchemas", n->dep_schemas[d].name, -1};
        if (!v_node(st, n->dep_schemas[d].node, inst, ip, &k, ann)) {
            valid = false;
            if (!st->out)
                goto done;
        }
    }
    if (n->n_props || n->n_pattern_props || n->additional_props || n->property_names) {
        i = 0;
        for (const cJSON *m = inst->child; m; m = m->next, i++) {
            bool evaluated;
            if (!v_member(st, n, m, idx[i], ip, kp, &evaluated)) {
                valid = false;
                if (!st->out)
                    goto done;
            }
            if (evaluated)
                annot_set(ann, i);
        }
    }
done:
    if (idx != small_idx)
        free(idx);
    if (seen != small_seen)
        free(seen);
    return valid;
}

static bool v_array(struct vstate *st, const struct node *n, const cJSON *inst,
                    const struct seg *ip, const struct seg *kp, struct annot *ann, size_t size)
{
    bool valid = true;
    if (n->max_items >= 0 && (double)size > n->max_items) {
        add_error(st, ip, kp, "maxItems", "must have at most %.0f item%s", n->max_items,
                  n->max_items == 1 ? "" : "s");
        valid = false;
    }
    if (n->min_items >= 0 && (double)size < n->min_items) {
        add_error(st, ip, kp, "minItems", "must have at least %.0f item%s", n->min_items,
                  n->min_items == 1 ? "" : "s");
        valid = false;
    }
    if (!valid && !st->out)
        return false;
    if (n->unique_items && size > 1) {
        size_t i = 0;
        bool dup = false;
        for (const cJSON *a = inst->child; a && !dup; a = a->next, i++) {
            size_t j = i + 1;
            for (const cJSON *b = a->next; b; b = b->next, j++) {
                if (json_equal(a, b)) {
                    add_error(st, ip, kp, "uniqueItems",
                              "must not contain duplicate items (items %zu and %zu are equal)", i,
                              j);
                    dup = true;
                    break;
                }
            }
        }
        if (dup) {
            valid = false;
            if (!st->out)
                return false;
        }
    }
    if (n->n_prefix_items || n->items) {
        size_t i = 0;
        for (const cJSON *e = inst->child; e; e = e->next, i++) {
            struct seg child = {ip, NULL, NULL, (long)i};
            const struct node *sn;
            struct seg k;
            if ((int)i < n->n_prefix_items) {
                sn = n->prefix_items[i];
                k = (struct seg){kp, "prefixItems", NULL, (long)i};
            } else if (n->items) {
                sn = n->items;
                k = (struct seg){kp, "items", NULL, -1};
            } else {
                break;
            }
            if (!st->out) {
                if (!v_fast(st, sn, e))
                    return false;
                continue;
            }
            if (!v_node(st, sn, e, &child, &k, NULL))
                valid = false;
        }
        if (ann) {
            size_t upto = (size_t)n->n_prefix_items < size ? (size_t)n->n_prefix_items : size;
            if (upto > ann->items_upto)
                ann->items_upto = upto;
            if (n->items)
                ann->all_items = true;
        }
    }
    if (n->contains) {
        size_t m = mark(st);
        size_t matched = 0, i = 0;
        bool stop_early = !ann && n->max_contains < 0;
        for (const cJSON *e = inst->child; e; e = e->next, i++) {
            struct seg child = {ip, NULL, NULL, (long)i};
            struct seg k = {kp, "contains", NULL, -1};
            if (v_node(st, n->contains, e, &child, &k, NULL)) {
                matched++;
                annot_set(ann, i);
                if (stop_early && (double)matched >= n->min_contains)
                    break;
            }
        }
        truncate_to(st, m);
        if ((double)matched < n->min_contains) {
            if (n->has_min_contains)
                add_error(st, ip, kp, "minContains",
                          "must contain at least %.0f items matching the contains schema",
                          n->min_contains);
            else
                add_error(st, ip, kp, "contains",
                          "must contain at least one item matching the contains schema");
            valid = false;
        }
        if (n->max_contains >= 0 && (double)matched > n->max_contains) {
            add_error(st, ip, kp, "maxContains",
                      "must contain at most %.0f items matching the contains schema",
                      n->max_contains);
            valid = false;
        }
        if (!valid && !st->out)
            return false;
    }
    return valid;
}

static bool v_unevaluated(struct vstate *st, const struct node *n, const cJSON *inst,
                          const struct seg *ip, const struct seg *kp, struct annot *local)
{
    bool valid = true;
    if (n->unevaluated_props && cJSON_IsObject(inst)) {
        size_t idx = 0;
        for (const cJSON *m = inst->child; m; m = m->next, idx++) {
            if (annot_has(local, idx))
                continue;
            struct seg child = {ip, NULL, m->string, -1};
            struct seg k = {kp, "unevaluatedProperties", NULL, -1};
            if (!v_node(st, n->unevaluated_props, m, &child, &k, NULL)) {
                valid = false;
                if (!st->out)
                    return false;
            }
            annot_set(local, idx);
        }
    }
    if (n->unevaluated_items && cJSON_IsArray(inst)) {
        size_t i = 0;
        if (!local->all_items) {
            for (const cJSON *e = inst->child; e; e = e->next, i++) {
                if (i < local->items_upto || annot_has(local, i))
                    continue;
                struct seg child = {ip, NULL, NULL, (long)i};
                struct seg k = {kp, "unevaluatedItems", NULL, -1};
                if (!v_node(st, n->unevaluated_items, e, &child, &k, NULL)) {
                    valid = false;
                    if (!st->out)
                        return false;
                }
            }
        }
        local->all_items = true;
    }
    return valid;
}

/* The keywords of a leaf node (no applicators, no object or array keywords): never recurses. */
static bool v_leaf(struct vstate *st, const struct node *n, const cJSON *inst, const struct seg *ip,
                   const struct seg *kp)
{
    bool valid = true;
    uint32_t t = type_of(inst);
    if (n->has_types && !type_ok(n->types, t, inst)) {
        add_error(st, ip, kp, "type", "%s", n->type_msg);
        if (!st->out)
            return false;
        valid = false;
    }
    unsigned g = n->groups;
    if ((g & G_ENUM_CONST) && !v_enum_const(st, n, inst, ip, kp)) {
        if (!st->out)
            return false;
        valid = false;
    }
    if ((g & G_NUMBER) && (t & T_NUMBER) && !v_number(st, n, inst->valuedouble, ip, kp)) {
        if (!st->out)
            return false;
        valid = false;
    }
    if ((g & G_STRING) && t == T_STRING && !v_string(st, n, inst, ip, kp))
        valid = false;
    return valid;
}

static bool v_body(struct vstate *st, const struct node *n, const cJSON *inst, const struct seg *ip,
                   const struct seg *kp, struct annot *ann)
{
    if (n->is_bool) {
        if (n->bool_value)
            return true;
        add_error_at(st, ip, kp, kp && kp->name ? kp->name : "false", NULL, "%s",
                     false_message(kp));
        return false;
    }
    bool valid = true;
    uint32_t t = type_of(inst);
    if (n->has_types && !type_ok(n->types, t, inst)) {
        add_error(st, ip, kp, "type", "%s", n->type_msg);
        if (!st->out)
            return false;
        valid = false;
    }
    unsigned g = n->groups;
    if ((g & G_ENUM_CONST) && !v_enum_const(st, n, inst, ip, kp)) {
        if (!st->out)
            return false;
        valid = false;
    }
    if ((g & G_NUMBER) && (t & T_NUMBER) && !v_number(st, n, inst->valuedouble, ip, kp)) {
        if (!st->out)
            return false;
        valid = false;
    }
    if ((g & G_STRING) && t == T_STRING && !v_string(st, n, inst, ip, kp)) {
        if (!st->out)
            return false;
        valid = false;
    }
    bool container = t == T_OBJECT || t == T_ARRAY;
    bool collect = (g & G_UNEVALUATED) && container;
    size_t fields = (collect || ann) && container ? count_members(inst) : 0;
    struct annot local;
    struct annot *a = ann;
    if (collect) {
        annot_init(&local, fields);
        a = &local;
    }
    if ((g & G_IN_PLACE) && !v_in_place(st, n, inst, ip, kp, a, fields)) {
        valid = false;
        if (!st->out)
            goto done;
    }
    if ((g & G_OBJECT) && t == T_OBJECT && !v_object(st, n, inst, ip, kp, a)) {
        valid = false;
        if (!st->out)
            goto done;
    }
    if ((g & G_ARRAY) && t == T_ARRAY && !v_array(st, n, inst, ip, kp, a, count_members(inst))) {
        valid = false;
        if (!st->out)
            goto done;
    }
    if (collect) {
        if (!v_unevaluated(st, n, inst, ip, kp, &local))
            valid = false;
        if (valid)
            annot_merge(ann, &local);
    }
done:
    if (collect)
        annot_free(&local);
    return valid;
}

static bool v_node(struct vstate *st, const struct node *n, const cJSON *inst, const struct seg *ip,
                   const struct seg *kp, struct annot *ann)
{
    if (n->leaf)
        return v_leaf(st, n, inst, ip, kp);
    if (st->too_deep)
        return false;
    if (st->depth >= SCHEMA_MAX_DEPTH) {
        st->too_deep = true;
        return false;
    }
    bool pushed = st->n_scope == 0 || st->scope[st->n_scope - 1] != n->res;
    if (pushed)
        st->scope[st->n_scope++] = n->res;
    st->depth++;
    bool valid = v_body(st, n, inst, ip, kp, ann);
    st->depth--;
    if (pushed)
        st->n_scope--;
    return valid;
}

static bool run_validation(const schema_t *s, const cJSON *instance, struct schema_result *out)
{
    struct vstate st;
    st.s = s;
    st.out = out;
    st.cap = 0;
    st.depth = 0;
    st.too_deep = false;
    st.n_scope = 0;
    bool valid = v_node(&st, s->root, instance, NULL, NULL, NULL);
    if (st.too_deep) {
        valid = false;
        st.too_deep = false;
        add_error(&st, NULL, NULL, "$ref",
                  "could not be validated: the schema recurses deeper than %d levels",
                  SCHEMA_MAX_DEPTH);
    }
    return valid;
}

bool schema_validate(const schema_t *s, const cJSON *instance, struct schema_result *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    /* Most instances are valid: answer those with the first-error pass, which is cheaper, and
     * collect errors only for the others. */
    bool valid = run_validation(s, instance, NULL);
    if (valid || !out)
        return valid;
    return run_validation(s, instance, out);
}

void schema_result_free(struct schema_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        error_release(&r->errors[i]);
    free(r->errors);
    r->errors = NULL;
    r->count = 0;
}

cJSON *schema_result_to_json(const struct schema_result *r)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && r && i < r->count; i++) {
        cJSON *e = cJSON_CreateObject();
        if (!e) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddStringToObject(e, "instancePath", r->errors[i].instance_path);
        cJSON_AddStringToObject(e, "keywordLocation", r->errors[i].keyword_location);
        cJSON_AddStringToObject(e, "keyword", r->errors[i].keyword);
        cJSON_AddStringToObject(e, "message", r->errors[i].message);
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}
