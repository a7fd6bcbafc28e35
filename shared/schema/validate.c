/*
 * Validating an instance against a compiled schema: one recursive pass over the node graph that
 * evaluates every keyword, tracks the dynamic scope for "$dynamicRef" and, only where an
 * "unevaluated*" keyword needs them, the evaluated properties and items. Errors are collected in
 * JSON Schema's "basic" shape with messages for a person. Every validation first runs a pass that
 * stops at the first failure and builds no locations (shortcuts: "$ref"-only schemas followed
 * directly, leaf schemas checked inline, plain object and array schemas in one tight loop); only
 * an invalid instance whose errors were asked for is walked again to collect them. That pass
 * grows the instance path and keyword location as it descends (so an error copies them), skips
 * leaf subschemas that a quick check passes, and keeps the errors' text in one buffer, handed to
 * the caller as a single allocation.
 *
 * Does not produce annotations as output (only uses them internally) and treats the content*
 * keywords as annotations, as the draft's default is.
 */
#include "schema/internal.h"
#include "json/json.h"
#include "plat.h"
#include "util/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A JSON Pointer grown while the collecting pass descends: each applicator appends its token on
 * the way down and cuts it off on the way back, so recording an error copies the current text.
 * Lifecycle: lives in the vstate of one collecting pass; text is small until it outgrows it.
 */
struct ptr {
    char *text;
    size_t len, cap;
    char small[256];
};

/* An error of the collecting pass: offsets in vstate.text of its four NUL-terminated strings
 * (instance path, keyword location, keyword, message), which lie back to back from start to end.
 */
struct pending {
    size_t start, kl, kw, msg, end;
};

/* Locations already evaluated within one instance value, for unevaluatedItems/Properties. */
struct annot {
    bool all_items;
    size_t items_upto;
    size_t n_bits;
    uint64_t *bits;
    uint64_t small[2];
};

/*
 * One validation pass. The first-error pass (collect false) touches only the fields up to
 * too_deep and the scope; the collecting pass also builds both pointers and the pending errors,
 * which run_validation turns into the caller's schema_result (one allocation) at the end.
 */
struct vstate {
    const struct schema *s;
    bool collect;
    bool too_deep;
    bool oom;         /* an error could not be recorded: later ones are dropped too */
    bool out_of_time; /* the deadline passed; too_deep is set too, so both passes stop */
    int64_t deadline; /* plat_now_ms() past which the validation gives up; 0: none */
    unsigned ticks;   /* steps since the clock was last read */
    int depth;
    int n_scope;
    const char *via; /* the keyword applying the subschema being entered (collecting pass) */
    /* A property whose pointer steps are pushed only if its (leaf) subschema records an error. */
    const struct named_node *defer_prop;
    struct ptr ip, kp;
    struct pending *errs;
    size_t n_errs, cap_errs;
    char *text;
    size_t text_len, text_cap;
    struct pending small_errs[32];
    char small_text[4096];
    const struct resource *scope[SCHEMA_MAX_DEPTH + 2];
};

static bool v_node(struct vstate *st, const struct node *n, const cJSON *inst, struct annot *ann);
static inline bool v_fast(struct vstate *st, const struct node *n, const cJSON *inst);
static bool v_leaf(struct vstate *st, const struct node *n, const cJSON *inst);

/* ---- the time budget ------------------------------------------------------------------------- */

/* Steps between two looks at the clock. A step is one value checked against one subschema, which
 * is quick, except a regular-expression search (bounded at a million steps of its own), which
 * counts as a whole stride: so the deadline is overrun by milliseconds at most, and reading the
 * clock costs little beside the work. */
#define CLOCK_STRIDE 16

static __attribute__((noinline)) bool clock_says_stop(struct vstate *st, unsigned weight)
{
    if (st->out_of_time)
        return true;
    st->ticks += weight;
    if (st->ticks < CLOCK_STRIDE)
        return false;
    st->ticks = 0;
    if (plat_now_ms() <= st->deadline)
        return false;
    st->out_of_time = st->too_deep = true;
    return true;
}

/* Counts a step of checking against n (NULL: a step of no subschema, such as one comparison);
 * true once the validation's deadline has passed (never without a deadline). */
static inline bool out_of_time(struct vstate *st, const struct node *n)
{
    return st->deadline &&
           clock_says_stop(st, n && (n->pattern || n->n_pattern_props) ? CLOCK_STRIDE : 1);
}

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

/* Grows buf (which starts as small) to hold at least need elements of size bytes; NULL on OOM. */
static void *grow(void *buf, const void *small, size_t *cap, size_t need, size_t size)
{
    size_t cap2 = *cap ? *cap * 2 : 16;
    while (cap2 < need)
        cap2 *= 2;
    void *p = buf == small ? malloc(cap2 * size) : realloc(buf, cap2 * size);
    if (!p)
        return NULL;
    if (buf == small)
        memcpy(p, small, *cap * size);
    *cap = cap2;
    return p;
}

/* memcpy for the short strings pointers are made of, without a call for up to 16 bytes. */
static inline void copy(char *d, const char *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        memcpy(d, s, n);
    }
}

/* Grows p to hold n more bytes; false (and st->oom) when memory ran out. */
static __attribute__((noinline)) bool ptr_grow(struct vstate *st, struct ptr *p, size_t n)
{
    char *t = grow(p->text, p->small, &p->cap, p->len + n, 1);
    if (!t) {
        st->oom = true;
        return false;
    }
    p->text = t;
    return true;
}

static inline bool ptr_reserve(struct vstate *st, struct ptr *p, size_t n)
{
    return p->len + n <= p->cap || ptr_grow(st, p, n);
}

static inline void ptr_append(struct vstate *st, struct ptr *p, const char *s, size_t n)
{
    if (ptr_reserve(st, p, n)) {
        copy(p->text + p->len, s, n);
        p->len += n;
    }
}

/* Appends "/" and name as a JSON Pointer token (~ and / escaped). */
static void ptr_name(struct vstate *st, struct ptr *p, const char *name)
{
    size_t n = 0, extra = 0;
    for (const char *c = name; *c; c++, n++)
        extra += *c == '~' || *c == '/';
    if (!ptr_reserve(st, p, n + extra + 1))
        return;
    char *w = p->text + p->len;
    *w++ = '/';
    if (!extra) {
        copy(w, name, n);
        w += n;
    } else {
        for (const char *c = name; *c; c++) {
            if (*c == '~' || *c == '/') {
                *w++ = '~';
                *w++ = *c == '~' ? '0' : '1';
            } else {
                *w++ = *c;
            }
        }
    }
    p->len = (size_t)(w - p->text);
}

static void ptr_index(struct vstate *st, struct ptr *p, size_t index)
{
    char digits[24];
    char *d = digits + sizeof digits;
    do {
        *--d = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    *--d = '/';
    ptr_append(st, p, d, (size_t)(digits + sizeof digits - d));
}

/*
 * Pointer steps of the collecting pass (no-ops in the first-error pass). Each push returns the
 * length to cut back to once the subschema has been evaluated. KP pushes a keyword given as a
 * literal; the *_name and *_index forms add a member name or index below what was pushed.
 */
static inline size_t kp_push(struct vstate *st, const char *via, const char *token, size_t n)
{
    size_t old = st->kp.len;
    if (st->collect) {
        st->via = via;
        ptr_append(st, &st->kp, token, n);
    }
    return old;
}

#define KP(st, keyword) kp_push(st, keyword, "/" keyword, sizeof(keyword))

static void kp_name(struct vstate *st, const char *name)
{
    if (st->collect)
        ptr_name(st, &st->kp, name);
}

static void kp_index(struct vstate *st, size_t index)
{
    if (st->collect)
        ptr_index(st, &st->kp, index);
}

static size_t ip_name(struct vstate *st, const char *name)
{
    size_t old = st->ip.len;
    if (st->collect)
        ptr_name(st, &st->ip, name);
    return old;
}

static size_t ip_index(struct vstate *st, size_t index)
{
    size_t old = st->ip.len;
    if (st->collect)
        ptr_index(st, &st->ip, index);
    return old;
}

static void kp_cut(struct vstate *st, size_t len)
{
    st->kp.len = len;
}

static void ip_cut(struct vstate *st, size_t len)
{
    st->ip.len = len;
}

/*
 * Records an error at the current instance path, with the keyword location being the current one
 * plus "/" keyword (or just the current one when in_location is false).
 */
static void record(struct vstate *st, const char *keyword, size_t kw_len, bool in_location,
                   const char *msg, size_t msg_len)
{
    if (!st->collect || st->too_deep || st->oom)
        return;
    if (st->defer_prop) {
        const struct named_node *pr = st->defer_prop;
        st->defer_prop = NULL;
        ptr_append(st, &st->ip, pr->loc + PROPERTIES_TOKEN, pr->loc_len - PROPERTIES_TOKEN);
        kp_push(st, "properties", pr->loc, pr->loc_len);
    }
    size_t ip_len = st->ip.len, kp_len = st->kp.len;
    size_t kl_len = kp_len + (in_location ? kw_len + 1 : 0);
    size_t need = ip_len + kl_len + kw_len + msg_len + 4;
    if (st->n_errs == st->cap_errs) {
        struct pending *e =
            grow(st->errs, st->small_errs, &st->cap_errs, st->n_errs + 1, sizeof *st->errs);
        if (!e) {
            st->oom = true;
            return;
        }
        st->errs = e;
    }
    if (st->text_len + need > st->text_cap) {
        char *t = grow(st->text, st->small_text, &st->text_cap, st->text_len + need, 1);
        if (!t) {
            st->oom = true;
            return;
        }
        st->text = t;
    }
    struct pending *e = &st->errs[st->n_errs++];
    char *t = st->text + st->text_len;
    e->start = st->text_len;
    copy(t, st->ip.text, ip_len);
    t[ip_len] = '\0';
    e->kl = e->start + ip_len + 1;
    t = st->text + e->kl;
    memcpy(t, st->kp.text, kp_len);
    if (in_location) {
        t[kp_len] = '/';
        copy(t + kp_len + 1, keyword, kw_len);
    }
    t[kl_len] = '\0';
    e->kw = e->kl + kl_len + 1;
    t = st->text + e->kw;
    copy(t, keyword, kw_len);
    t[kw_len] = '\0';
    e->msg = e->kw + kw_len + 1;
    t = st->text + e->msg;
    memcpy(t, msg, msg_len);
    t[msg_len] = '\0';
    e->end = e->msg + msg_len + 1;
    st->text_len = e->end;
}

/* An error whose message is fixed (a literal keyword and a message string). */
#define ERR(st, keyword, msg) error_msg(st, keyword, sizeof(keyword) - 1, msg)

static void error_msg(struct vstate *st, const char *keyword, size_t kw_len, const char *msg)
{
    if (st->collect)
        record(st, keyword, kw_len, true, msg, strlen(msg));
}

/* An error whose message is formatted (at most 399 bytes of it are kept). */
static void errorf(struct vstate *st, const char *keyword, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void errorf(struct vstate *st, const char *keyword, const char *fmt, ...)
{
    if (!st->collect)
        return;
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t mlen = w < 0 ? 0 : (size_t)w >= sizeof buf ? sizeof buf - 1 : (size_t)w;
    record(st, keyword, strlen(keyword), true, buf, mlen);
}

/* An error with the message a + b + c, without printf. */
static void error_cat(struct vstate *st, const char *keyword, const char *a, const char *b,
                      const char *c)
{
    if (!st->collect)
        return;
    char msg[400];
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    if (la + lb + lc >= sizeof msg) {
        errorf(st, keyword, "%s%.300s%s", a, b, c);
        return;
    }
    memcpy(msg, a, la);
    memcpy(msg + la, b, lb);
    memcpy(msg + la + lb, c, lc + 1);
    record(st, keyword, strlen(keyword), true, msg, la + lb + lc);
}

static size_t mark(const struct vstate *st)
{
    return st->n_errs;
}

static void swap_pending(struct pending *a, struct pending *b)
{
    struct pending t = *a;
    *a = *b;
    *b = t;
}

/* Drops the errors recorded since mark m. Marks nest (each is taken before a subschema is
 * evaluated and used right after it), so errors from m on own the text from errs[m].start. */
static void truncate_to(struct vstate *st, size_t m)
{
    if (st->n_errs > m) {
        st->text_len = st->errs[m].start;
        st->n_errs = m;
    }
}

/* Compact JSON of v, shortened with "..." past max bytes, into out. */
void schema_json_excerpt(char *out, size_t size, const cJSON *v)
{
    char *t = json_print(v);
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
    /* below 2^52 in magnitude the conversion is exact; every finite double beyond is whole */
    if (fabs(d) < 4503599627370496.0)
        return (double)(int64_t)d == d;
    return isfinite(d);
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

/* Index of the entry named name in v[0..n) (indexed by ix), or -1; the first one when several
 * have that name. A few entries are scanned, comparing first bytes before whole names. */
static int find_name(const struct named_node *v, int n, const struct name_index *ix,
                     const char *name)
{
    if (n <= 12) {
        for (int i = 0; i < n; i++)
            if (v[i].name[0] == name[0] && strcmp(v[i].name, name) == 0)
                return i;
        return -1;
    }
    size_t len = strlen(name);
    uint32_t h = schema_name_hash(name, len);
    for (uint32_t j = h & ix->mask;; j = (j + 1) & ix->mask) {
        int32_t i = ix->slots[j];
        if (i < 0)
            return -1;
        if (ix->hash[i] == h && v[i].len == len && memcmp(v[i].name, name, len) == 0)
            return i;
    }
}

/* Index in n->props of member name, trying *cursor first (members usually come in the schema's
 * order) and moving it past the match; -1 when name is not a property. */
static inline int match_prop(const struct node *n, const char *name, int *cursor)
{
    int p;
    if (*cursor < n->n_props && strcmp(n->props[*cursor].name, name) == 0)
        p = *cursor;
    else if (n->n_props)
        p = find_name(n->props, n->n_props, &n->prop_index, name);
    else
        return -1;
    if (p >= 0)
        *cursor = p + 1;
    return p;
}

/* ---- keyword groups -------------------------------------------------------------------------- */

static bool v_number(struct vstate *st, const struct node *n, double x)
{
    bool valid = true;
    if (n->has_maximum && !(x <= n->maximum)) {
        ERR(st, "maximum", n->msg[M_MAXIMUM]);
        valid = false;
    }
    if (n->has_exclusive_maximum && !(x < n->exclusive_maximum)) {
        ERR(st, "exclusiveMaximum", n->msg[M_EXCLUSIVE_MAXIMUM]);
        valid = false;
    }
    if (n->has_minimum && !(x >= n->minimum)) {
        ERR(st, "minimum", n->msg[M_MINIMUM]);
        valid = false;
    }
    if (n->has_exclusive_minimum && !(x > n->exclusive_minimum)) {
        ERR(st, "exclusiveMinimum", n->msg[M_EXCLUSIVE_MINIMUM]);
        valid = false;
    }
    if (n->has_multiple_of && !is_multiple(x, n->multiple_of)) {
        ERR(st, "multipleOf", n->msg[M_MULTIPLE_OF]);
        valid = false;
    }
    return valid;
}

static bool v_string(struct vstate *st, const struct node *n, const cJSON *inst)
{
    bool valid = true;
    const char *s = inst->valuestring;
    size_t bytes = n->need_bytes ? strlen(s) : 0;
    /* code points lie between bytes / 4 and bytes: count them only when that cannot decide */
    if (bytes > n->surely_max_bytes || bytes < n->surely_min_bytes) {
        double len = (double)utf8_count(s, bytes);
        if (n->max_length >= 0 && len > n->max_length) {
            ERR(st, "maxLength", n->msg[M_MAX_LENGTH]);
            valid = false;
        }
        if (n->min_length >= 0 && len < n->min_length) {
            ERR(st, "minLength", n->msg[M_MIN_LENGTH]);
            valid = false;
        }
    }
    if (n->pattern) {
        enum schema_regex_result r = schema_regex_search(n->pattern, s, bytes);
        if (r == SCHEMA_REGEX_LIMIT) {
            errorf(st, "pattern", "is too complex to check against pattern \"%.200s\"",
                   n->pattern_source);
            valid = false;
        } else if (r == SCHEMA_REGEX_NOMATCH) {
            ERR(st, "pattern", n->msg[M_PATTERN]);
            valid = false;
        }
    }
    if (n->format >= 0 && !schema_format_check(n->format, s)) {
        ERR(st, "format", n->msg[M_FORMAT]);
        valid = false;
    }
    return valid;
}

static bool v_enum_const(struct vstate *st, const struct node *n, const cJSON *inst)
{
    bool valid = true;
    if (n->enum_strings) {
        if (!(inst->type & cJSON_String) ||
            find_name(n->enum_strings, n->n_enum_strings, &n->enum_index, inst->valuestring) < 0) {
            ERR(st, "enum", n->enum_msg);
            valid = false;
        }
    } else if (n->enum_) {
        bool found = false;
        const cJSON *e;
        cJSON_ArrayForEach(e, n->enum_)
        {
            if (json_equal(e, inst)) {
                found = true;
                break;
            }
        }
        if (!found) {
            ERR(st, "enum", n->enum_msg);
            valid = false;
        }
    }
    if (n->has_const && !json_equal(n->const_, inst)) {
        ERR(st, "const", n->const_msg);
        valid = false;
    }
    return valid;
}

/* ---- the first-error pass's leaf checks: the same keywords as above, without errors ---------- */

static bool number_ok(const struct node *n, double x)
{
    return (!n->has_maximum || x <= n->maximum) &&
           (!n->has_exclusive_maximum || x < n->exclusive_maximum) &&
           (!n->has_minimum || x >= n->minimum) &&
           (!n->has_exclusive_minimum || x > n->exclusive_minimum) &&
           (!n->has_multiple_of || is_multiple(x, n->multiple_of));
}

static bool string_ok(const struct node *n, const char *s)
{
    size_t bytes = n->need_bytes ? strlen(s) : 0;
    if (bytes > n->surely_max_bytes || bytes < n->surely_min_bytes) {
        double len = (double)utf8_count(s, bytes);
        if ((n->max_length >= 0 && len > n->max_length) ||
            (n->min_length >= 0 && len < n->min_length))
            return false;
    }
    if (n->pattern && schema_regex_search(n->pattern, s, bytes) != SCHEMA_REGEX_MATCH)
        return false;
    return n->format < 0 || schema_format_check(n->format, s);
}

static bool enum_const_ok(const struct node *n, const cJSON *inst)
{
    if (n->enum_strings) {
        if (!(inst->type & cJSON_String) ||
            find_name(n->enum_strings, n->n_enum_strings, &n->enum_index, inst->valuestring) < 0)
            return false;
    } else if (n->enum_) {
        const cJSON *e;
        cJSON_ArrayForEach(e, n->enum_)
        {
            if (json_equal(e, inst))
                goto found;
        }
        return false;
    }
found:
    return !n->has_const || json_equal(n->const_, inst);
}

/* A leaf's keywords other than "type" (t is the instance's type bits). */
static inline __attribute__((always_inline)) bool leaf_rest_ok(const struct node *n,
                                                               const cJSON *inst, uint32_t t)
{
    unsigned g = n->groups;
    if ((g & G_ENUM_CONST) && !enum_const_ok(n, inst))
        return false;
    if ((g & G_NUMBER) && (t & T_NUMBER) && !number_ok(n, inst->valuedouble))
        return false;
    return !(g & G_STRING) || t != T_STRING || string_ok(n, inst->valuestring);
}

/* Whether inst passes leaf n (a node with n->leaf set). */
static inline bool leaf_ok(const struct node *n, const cJSON *inst)
{
    uint32_t t = type_of(inst);
    if (n->has_types && !type_ok(n->types, t, inst))
        return false;
    return !n->groups || leaf_rest_ok(n, inst, t);
}

/* Message for a value refused by a `false` subschema, by the keyword that applied it. */
static const char *false_message(const char *kw)
{
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
                       struct annot *ann, size_t fields)
{
    bool valid = true;
    for (int i = 0; i < n->n_all_of; i++) {
        size_t k = KP(st, "allOf");
        kp_index(st, (size_t)i);
        bool ok = v_node(st, n->all_of[i], inst, ann);
        kp_cut(st, k);
        if (!ok) {
            valid = false;
            if (!st->collect)
                return false;
        }
    }
    if (n->n_any_of) {
        size_t m = mark(st);
        bool any = false;
        for (int i = 0; i < n->n_any_of; i++) {
            struct annot a;
            if (ann)
                annot_init(&a, fields);
            size_t k = KP(st, "anyOf");
            kp_index(st, (size_t)i);
            bool ok = v_node(st, n->any_of[i], inst, ann ? &a : NULL);
            kp_cut(st, k);
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
            ERR(st, "anyOf", "must match at least one of the schemas in anyOf");
            valid = false;
            if (!st->collect)
                return false;
        }
    }
    if (n->n_one_of) {
        size_t m = mark(st);
        int matched = 0, first = -1, second = -1;
        for (int i = 0; i < n->n_one_of; i++) {
            struct annot a;
            if (ann)
                annot_init(&a, fields);
            size_t k = KP(st, "oneOf");
            kp_index(st, (size_t)i);
            bool ok = v_node(st, n->one_of[i], inst, ann ? &a : NULL);
            kp_cut(st, k);
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
            ERR(st, "oneOf", "must match exactly one of the schemas in oneOf");
            valid = false;
        } else {
            truncate_to(st, m);
            errorf(st, "oneOf",
                   "must match exactly one of the schemas in oneOf, but matches %d and %d", first,
                   second);
            valid = false;
        }
        if (!valid && !st->collect)
            return false;
    }
    if (n->not_) {
        size_t m = mark(st);
        size_t k = KP(st, "not");
        bool ok = v_node(st, n->not_, inst, NULL);
        kp_cut(st, k);
        truncate_to(st, m);
        if (ok) {
            ERR(st, "not", "must not match the schema in not");
            valid = false;
            if (!st->collect)
                return false;
        }
    }
    if (n->if_) {
        size_t m = mark(st);
        struct annot a;
        if (ann)
            annot_init(&a, fields);
        size_t k = KP(st, "if");
        bool ok = v_node(st, n->if_, inst, ann ? &a : NULL);
        kp_cut(st, k);
        truncate_to(st, m);
        if (ok && ann)
            annot_merge(ann, &a);
        if (ann)
            annot_free(&a);
        const struct node *branch = ok ? n->then_ : n->else_;
        if (branch) {
            k = ok ? KP(st, "then") : KP(st, "else");
            bool branch_ok = v_node(st, branch, inst, ann);
            kp_cut(st, k);
            if (!branch_ok) {
                valid = false;
                if (!st->collect)
                    return false;
            }
        }
    }
    if (n->ref) {
        size_t k = KP(st, "$ref");
        bool ok = v_node(st, n->ref, inst, ann);
        kp_cut(st, k);
        if (!ok) {
            valid = false;
            if (!st->collect)
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
        size_t k = KP(st, "$dynamicRef");
        bool ok = v_node(st, target, inst, ann);
        kp_cut(st, k);
        if (!ok) {
            valid = false;
            if (!st->collect)
                return false;
        }
    }
    return valid;
}

/* Reports a propertyNames failure: the sub-errors since mk, restated about the name (at the
 * current locations). */
static void restate_name_errors(struct vstate *st, size_t mk, const char *name)
{
    if (!st->collect)
        return;
    size_t end = mark(st);
    for (size_t e = mk; e < end && !st->oom; e++) {
        char keyword[64], msg[400];
        snprintf(keyword, sizeof keyword, "%s", st->text + st->errs[e].kw);
        snprintf(msg, sizeof msg, "%s", st->text + st->errs[e].msg);
        errorf(st, keyword, "property name '%s' %s", name, msg);
    }
    size_t added = st->n_errs - end;
    memmove(&st->errs[mk], &st->errs[end], added * sizeof *st->errs);
    st->n_errs = mk + added;
}

/*
 * The collecting pass for member m against property pr. A leaf subschema runs with the member's
 * pointer steps deferred to its first error; one that is a leaf past "$ref" hops is checked first
 * without errors: most values pass, and then nothing needs recording.
 */
static bool v_prop(struct vstate *st, const struct named_node *pr, const cJSON *m)
{
    const struct node *c = pr->node;
    size_t ip = st->ip.len;
    if (c->leaf) {
        size_t k = st->kp.len;
        st->defer_prop = pr;
        bool ok = v_leaf(st, c, m);
        st->defer_prop = NULL;
        kp_cut(st, k);
        ip_cut(st, ip);
        return ok;
    }
    if (pr->fast->leaf && !out_of_time(st, pr->fast) && leaf_ok(pr->fast, m))
        return true;
    ptr_append(st, &st->ip, pr->loc + PROPERTIES_TOKEN, pr->loc_len - PROPERTIES_TOKEN);
    size_t k = kp_push(st, "properties", pr->loc, pr->loc_len);
    bool ok = c->leaf ? v_leaf(st, c, m) : v_node(st, c, m, NULL);
    kp_cut(st, k);
    ip_cut(st, ip);
    return ok;
}

/* Validates one member against properties, patternProperties, additionalProperties and
 * propertyNames; prop is its index in n->props or -1. Sets *evaluated for the annotations. */
static bool v_member(struct vstate *st, const struct node *n, const cJSON *m, int prop,
                     bool *evaluated)
{
    bool valid = true;
    *evaluated = false;
    if (prop >= 0 && !st->collect) {
        *evaluated = true;
        if (!v_fast(st, n->props[prop].node, m))
            return false;
    }
    if (prop >= 0 && st->collect) {
        *evaluated = true;
        if (!v_prop(st, &n->props[prop], m))
            valid = false;
    }
    if (n->n_pattern_props && out_of_time(st, n))
        return false;
    size_t ip = ip_name(st, m->string);
    for (int i = 0; i < n->n_pattern_props; i++) {
        enum schema_regex_result r =
            schema_regex_search(n->pattern_props[i].re, m->string, strlen(m->string));
        if (r == SCHEMA_REGEX_NOMATCH)
            continue;
        size_t k = KP(st, "patternProperties");
        kp_name(st, n->pattern_props[i].source);
        if (r == SCHEMA_REGEX_LIMIT) {
            ERR(st, "patternProperties", "is too complex to check against the pattern");
            valid = false;
        } else {
            *evaluated = true;
            if (!v_node(st, n->pattern_props[i].node, m, NULL))
                valid = false;
        }
        kp_cut(st, k);
        if (!valid && !st->collect)
            goto done;
    }
    if (!*evaluated && n->additional_props) {
        *evaluated = true;
        size_t k = KP(st, "additionalProperties");
        bool ok = v_node(st, n->additional_props, m, NULL);
        kp_cut(st, k);
        if (!ok) {
            valid = false;
            if (!st->collect)
                goto done;
        }
    }
    ip_cut(st, ip);
    if (n->property_names) {
        cJSON name;
        memset(&name, 0, sizeof name);
        name.type = cJSON_String;
        name.valuestring = m->string;
        size_t mk = mark(st);
        size_t k = KP(st, "propertyNames");
        if (!v_node(st, n->property_names, &name, NULL)) {
            restate_name_errors(st, mk, m->string);
            valid = false;
        }
        kp_cut(st, k);
    }
done:
    ip_cut(st, ip);
    return valid;
}

#define SMALL_MEMBERS 64

static bool plain_object_ok(struct vstate *st, const struct node *n, const cJSON *inst);
static bool plain_array_ok(struct vstate *st, const struct node *n, const cJSON *inst);

/*
 * v_node for the first-error mode (no error list, no annotations) on f, a node already past its
 * "$ref"-only hops (node.fast): a leaf is checked inline, and a plain object or array of the
 * resource in scope (so the dynamic scope stays as it is) directly.
 */
static inline bool v_at(struct vstate *st, const struct node *f, const cJSON *inst)
{
    if (out_of_time(st, f))
        return false;
    if (f->leaf)
        return leaf_ok(f, inst);
    if ((f->plain_object || f->plain_array) && st->scope[st->n_scope - 1] == f->res &&
        st->depth < SCHEMA_MAX_DEPTH) {
        st->depth++;
        bool ok = f->plain_object ? plain_object_ok(st, f, inst) : plain_array_ok(st, f, inst);
        st->depth--;
        return ok;
    }
    return v_node(st, f, inst, NULL);
}

/* v_at from the first node past n's "$ref"-only hops. */
static inline bool v_fast(struct vstate *st, const struct node *n, const cJSON *inst)
{
    return v_at(st, n->fast, inst);
}

/* v_object without an error list: one pass, stopping at the first failure. */
static bool v_object_fast(struct vstate *st, const struct node *n, const cJSON *inst,
                          struct annot *ann)
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
        int p = match_prop(n, m->string, &cursor);
        if (p >= 0)
            seen[p / 64] |= (uint64_t)1 << (p % 64);
        if (simple_members) {
            if (p >= 0) {
                valid = v_fast(st, n->props[p].node, m);
                annot_set(ann, i);
            }
        } else if (members) {
            bool evaluated;
            valid = v_member(st, n, m, p, &evaluated);
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
        valid = v_node(st, n->dep_schemas[d].node, inst, ann);
    }
    if (seen != small_seen)
        free(seen);
    return valid;
}

static bool v_object(struct vstate *st, const struct node *n, const cJSON *inst, struct annot *ann)
{
    if (!st->collect)
        return v_object_fast(st, n, inst, ann);
    bool valid = true;
    size_t count = 0;
    for (const cJSON *m = inst->child; m; m = m->next)
        count++;
    if ((n->max_props >= 0 && (double)count > n->max_props)) {
        errorf(st, "maxProperties", "must have at most %.0f propert%s", n->max_props,
               n->max_props == 1 ? "y" : "ies");
        valid = false;
    }
    if (n->min_props >= 0 && (double)count < n->min_props) {
        errorf(st, "minProperties", "must have at least %.0f propert%s", n->min_props,
               n->min_props == 1 ? "y" : "ies");
        valid = false;
    }
    if (!valid && !st->collect)
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
        ERR(st, "properties", "could not be validated: out of memory");
        return false;
    }
    size_t i = 0;
    int cursor = 0;
    for (const cJSON *m = inst->child; m; m = m->next, i++) {
        idx[i] = match_prop(n, m->string, &cursor);
        if (idx[i] >= 0)
            seen[idx[i] / 64] |= (uint64_t)1 << (idx[i] % 64);
    }
    for (int r = 0; r < n->n_required; r++) {
        int p = n->required_prop[r];
        bool present = p >= 0 ? (seen[p / 64] >> (p % 64)) & 1
                              : cJSON_GetObjectItemCaseSensitive(inst, n->required[r]) != NULL;
        if (!present) {
            error_cat(st, "required", "'", n->required[r], "' is a required property");
            valid = false;
            if (!st->collect)
                goto done;
        }
    }
    for (int d = 0; d < n->n_dep_required; d++) {
        const struct dep_required *dr = &n->dep_required[d];
        if (!cJSON_GetObjectItemCaseSensitive(inst, dr->name))
            continue;
        for (int j = 0; j < dr->n; j++) {
            if (!cJSON_GetObjectItemCaseSensitive(inst, dr->required[j])) {
                errorf(st, "dependentRequired", "'%s' is a required property when '%s' is present",
                       dr->required[j], dr->name);
                valid = false;
                if (!st->collect)
                    goto done;
            }
        }
    }
    for (int d = 0; d < n->n_dep_schemas; d++) {
        if (!cJSON_GetObjectItemCaseSensitive(inst, n->dep_schemas[d].name))
            continue;
        size_t k = KP(st, "dependentSchemas");
        kp_name(st, n->dep_schemas[d].name);
        bool ok = v_node(st, n->dep_schemas[d].node, inst, ann);
        kp_cut(st, k);
        if (!ok)
            valid = false;
    }
    if (!n->n_pattern_props && !n->property_names && !n->additional_props) {
        i = 0;
        for (const cJSON *m = inst->child; m; m = m->next, i++) {
            if (idx[i] < 0)
                continue;
            if (!v_prop(st, &n->props[idx[i]], m))
                valid = false;
            annot_set(ann, i);
        }
    } else {
        i = 0;
        for (const cJSON *m = inst->child; m; m = m->next, i++) {
            bool evaluated;
            if (!v_member(st, n, m, idx[i], &evaluated))
                valid = false;
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

/* maxItems and minItems for an array of size items; records their errors. */
static bool v_item_count(struct vstate *st, const struct node *n, size_t size)
{
    bool valid = true;
    if (n->max_items >= 0 && (double)size > n->max_items) {
        errorf(st, "maxItems", "must have at most %.0f item%s", n->max_items,
               n->max_items == 1 ? "" : "s");
        valid = false;
    }
    if (n->min_items >= 0 && (double)size < n->min_items) {
        errorf(st, "minItems", "must have at least %.0f item%s", n->min_items,
               n->min_items == 1 ? "" : "s");
        valid = false;
    }
    return valid;
}

/* Arrays up to this size are checked for duplicates pair by pair, larger ones by hashing. */
#define UNIQUE_PAIRWISE_MAX 16

/* The earliest item with an equal later one, and the first such later one, pair by pair. */
static bool duplicate_pairwise(struct vstate *st, const cJSON *arr, size_t *i, size_t *j)
{
    size_t x = 0;
    for (const cJSON *a = arr->child; a; a = a->next, x++) {
        size_t y = x + 1;
        for (const cJSON *b = a->next; b; b = b->next, y++) {
            if (out_of_time(st, NULL))
                return false;
            if (json_equal(a, b)) {
                *i = x;
                *j = y;
                return true;
            }
        }
    }
    return false;
}

/* An item of an array being checked for duplicates: its canonical hash and position. */
struct hashed_item {
    uint64_t hash;
    size_t index;
    const cJSON *item;
};

static int hashed_cmp(const void *x, const void *y)
{
    const struct hashed_item *a = x, *b = y;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/*
 * Finds what duplicate_pairwise finds, in n log n: items sorted by the hash of their canonical form
 * (then by position), so equal items are neighbours; within a run of equal hashes, the earliest
 * item equal to a later one gives the run's candidate pair, and the earliest candidate wins. Falls
 * back to pairs when an item holds an object that repeats a member name (json_equal is not
 * symmetric then) or memory runs out.
 */
static bool first_duplicate(struct vstate *st, const cJSON *arr, size_t size, size_t *i, size_t *j)
{
    struct hashed_item *v = size > UNIQUE_PAIRWISE_MAX ? malloc(size * sizeof *v) : NULL;
    if (!v)
        return duplicate_pairwise(st, arr, i, j);
    uint64_t seed = 0x2545f4914f6cdd1dull;
    plat_random(&seed, sizeof seed);
    bool unhashable = false;
    size_t k = 0;
    for (const cJSON *e = arr->child; e; e = e->next, k++)
        v[k] = (struct hashed_item){json_hash(e, seed, &unhashable), k, e};
    if (unhashable) {
        free(v);
        return duplicate_pairwise(st, arr, i, j);
    }
    qsort(v, size, sizeof *v, hashed_cmp);
    bool found = false;
    for (size_t start = 0, end; start < size; start = end) {
        for (end = start + 1; end < size && v[end].hash == v[start].hash; end++)
            ;
        for (size_t a = start; a + 1 < end && (!found || v[a].index < *i); a++) {
            size_t b = a + 1;
            while (b < end && !out_of_time(st, NULL) && !json_equal(v[a].item, v[b].item))
                b++;
            if (st->out_of_time) {
                free(v);
                return false;
            }
            if (b < end) {
                *i = v[a].index;
                *j = v[b].index;
                found = true;
                break;
            }
        }
    }
    free(v);
    return found;
}

static bool v_array(struct vstate *st, const struct node *n, const cJSON *inst, struct annot *ann,
                    size_t size)
{
    bool valid = v_item_count(st, n, size);
    if (!valid && !st->collect)
        return false;
    if (n->unique_items && size > 1) {
        size_t i, j;
        bool dup = first_duplicate(st, inst, size, &i, &j);
        if (dup)
            errorf(st, "uniqueItems",
                   "must not contain duplicate items (items %zu and %zu are equal)", i, j);
        if (dup || st->out_of_time) {
            valid = false;
            if (!st->collect)
                return false;
        }
    }
    if (n->n_prefix_items || n->items) {
        size_t i = 0;
        for (const cJSON *e = inst->child; e; e = e->next, i++) {
            const struct node *sn;
            bool prefix = (int)i < n->n_prefix_items;
            if (prefix)
                sn = n->prefix_items[i];
            else if (n->items)
                sn = n->items;
            else
                break;
            if (!st->collect) {
                if (!v_fast(st, sn, e))
                    return false;
                continue;
            }
            if (sn->fast->leaf && !out_of_time(st, sn->fast) && leaf_ok(sn->fast, e))
                continue;
            size_t ip = ip_index(st, i);
            size_t k = prefix ? KP(st, "prefixItems") : KP(st, "items");
            if (prefix)
                kp_index(st, i);
            if (!v_node(st, sn, e, NULL))
                valid = false;
            kp_cut(st, k);
            ip_cut(st, ip);
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
            size_t ip = ip_index(st, i);
            size_t k = KP(st, "contains");
            bool ok = v_node(st, n->contains, e, NULL);
            kp_cut(st, k);
            ip_cut(st, ip);
            if (ok) {
                matched++;
                annot_set(ann, i);
                if (stop_early && (double)matched >= n->min_contains)
                    break;
            }
        }
        truncate_to(st, m);
        if ((double)matched < n->min_contains) {
            if (n->has_min_contains)
                errorf(st, "minContains",
                       "must contain at least %.0f items matching the contains schema",
                       n->min_contains);
            else
                errorf(st, "contains",
                       "must contain at least one item matching the contains schema");
            valid = false;
        }
        if (n->max_contains >= 0 && (double)matched > n->max_contains) {
            errorf(st, "maxContains",
                   "must contain at most %.0f items matching the contains schema", n->max_contains);
            valid = false;
        }
        if (!valid && !st->collect)
            return false;
    }
    return valid;
}

static bool v_unevaluated(struct vstate *st, const struct node *n, const cJSON *inst,
                          struct annot *local)
{
    bool valid = true;
    if (n->unevaluated_props && cJSON_IsObject(inst)) {
        size_t idx = 0;
        for (const cJSON *m = inst->child; m; m = m->next, idx++) {
            if (annot_has(local, idx))
                continue;
            size_t ip = ip_name(st, m->string);
            size_t k = KP(st, "unevaluatedProperties");
            bool ok = v_node(st, n->unevaluated_props, m, NULL);
            kp_cut(st, k);
            ip_cut(st, ip);
            if (!ok) {
                valid = false;
                if (!st->collect)
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
                size_t ip = ip_index(st, i);
                size_t k = KP(st, "unevaluatedItems");
                bool ok = v_node(st, n->unevaluated_items, e, NULL);
                kp_cut(st, k);
                ip_cut(st, ip);
                if (!ok) {
                    valid = false;
                    if (!st->collect)
                        return false;
                }
            }
        }
        local->all_items = true;
    }
    return valid;
}

/* "type" for an instance of type bits t; records its error. */
static inline bool v_type(struct vstate *st, const struct node *n, uint32_t t, const cJSON *inst)
{
    if (!n->has_types || type_ok(n->types, t, inst))
        return true;
    ERR(st, "type", n->type_msg);
    return false;
}

/* The keywords of a leaf node (no applicators, no object or array keywords): never recurses. */
static bool v_leaf(struct vstate *st, const struct node *n, const cJSON *inst)
{
    if (out_of_time(st, n))
        return false;
    uint32_t t = type_of(inst);
    bool valid = v_type(st, n, t, inst);
    if (!valid && !st->collect)
        return false;
    unsigned g = n->groups;
    if ((g & G_ENUM_CONST) && !v_enum_const(st, n, inst)) {
        if (!st->collect)
            return false;
        valid = false;
    }
    if ((g & G_NUMBER) && (t & T_NUMBER) && !v_number(st, n, inst->valuedouble)) {
        if (!st->collect)
            return false;
        valid = false;
    }
    if ((g & G_STRING) && t == T_STRING && !v_string(st, n, inst))
        valid = false;
    return valid;
}

/* The first-error pass over a node with plain_object set (no annotations wanted). */
static bool plain_object_ok(struct vstate *st, const struct node *n, const cJSON *inst)
{
    uint32_t t = type_of(inst);
    if (n->has_types && !type_ok(n->types, t, inst))
        return false;
    if (t != T_OBJECT)
        return true;
    uint64_t seen = 0;
    int cursor = 0;
    for (const cJSON *m = inst->child; m; m = m->next) {
        int p = match_prop(n, m->string, &cursor);
        if (p >= 0) {
            seen |= (uint64_t)1 << p;
            if (!v_at(st, n->props[p].fast, m))
                return false;
        } else if (n->additional_props && !v_node(st, n->additional_props, m, NULL)) {
            return false;
        }
    }
    return (seen & n->required_mask) == n->required_mask;
}

/* The first-error pass over a node with plain_array set (no annotations wanted). */
static bool plain_array_ok(struct vstate *st, const struct node *n, const cJSON *inst)
{
    uint32_t t = type_of(inst);
    if (n->has_types && !type_ok(n->types, t, inst))
        return false;
    if (t != T_ARRAY)
        return true;
    if (n->max_items >= 0 || n->min_items >= 0) {
        size_t size = count_members(inst);
        if ((n->max_items >= 0 && (double)size > n->max_items) ||
            (n->min_items >= 0 && (double)size < n->min_items))
            return false;
    }
    if (n->items) {
        const struct node *f = n->items->fast;
        for (const cJSON *e = inst->child; e; e = e->next)
            if (!v_at(st, f, e))
                return false;
    }
    return true;
}

/* Swaps the error ranges [a, b) and [b, c). */
static void rotate_errors(struct vstate *st, size_t a, size_t b, size_t c)
{
    struct pending *e = st->errs;
    for (size_t i = a, j = b; i < j;)
        swap_pending(&e[i++], &e[--j]);
    for (size_t i = b, j = c; i < j;)
        swap_pending(&e[i++], &e[--j]);
    for (size_t i = a, j = c; i < j;)
        swap_pending(&e[i++], &e[--j]);
}

/*
 * The collecting pass over a node with plain_object set (no annotations wanted): members are
 * checked in one loop; "required" errors, which come before the members' in the error list, are
 * found after it and moved in front.
 */
static bool plain_object_all(struct vstate *st, const struct node *n, const cJSON *inst)
{
    uint32_t t = type_of(inst);
    bool valid = v_type(st, n, t, inst);
    if (t != T_OBJECT)
        return valid;
    size_t m0 = mark(st);
    uint64_t seen = 0;
    int cursor = 0;
    for (const cJSON *m = inst->child; m; m = m->next) {
        int p = match_prop(n, m->string, &cursor);
        if (p >= 0) {
            seen |= (uint64_t)1 << p;
            if (!v_prop(st, &n->props[p], m))
                valid = false;
        } else if (n->additional_props) {
            size_t ip = ip_name(st, m->string);
            size_t k = KP(st, "additionalProperties");
            if (!v_node(st, n->additional_props, m, NULL))
                valid = false;
            kp_cut(st, k);
            ip_cut(st, ip);
        }
    }
    if ((seen & n->required_mask) != n->required_mask) {
        size_t m1 = mark(st);
        for (int r = 0; r < n->n_required; r++)
            if (!(seen >> n->required_prop[r] & 1))
                error_cat(st, "required", "'", n->required[r], "' is a required property");
        if (m1 > m0)
            rotate_errors(st, m0, m1, mark(st));
        valid = false;
    }
    return valid;
}

/* The collecting pass over a node with plain_array set (no annotations wanted). */
static bool plain_array_all(struct vstate *st, const struct node *n, const cJSON *inst)
{
    uint32_t t = type_of(inst);
    bool valid = v_type(st, n, t, inst);
    if (t != T_ARRAY)
        return valid;
    if ((n->max_items >= 0 || n->min_items >= 0) && !v_item_count(st, n, count_members(inst)))
        valid = false;
    if (!n->items)
        return valid;
    const struct node *f = n->items->fast;
    size_t i = 0;
    for (const cJSON *e = inst->child; e; e = e->next, i++) {
        if (f->leaf && !out_of_time(st, f) && leaf_ok(f, e))
            continue;
        size_t ip = ip_index(st, i);
        size_t k = KP(st, "items");
        if (!v_node(st, n->items, e, NULL))
            valid = false;
        kp_cut(st, k);
        ip_cut(st, ip);
    }
    return valid;
}

static bool v_body(struct vstate *st, const struct node *n, const cJSON *inst, struct annot *ann)
{
    if (n->pure_ref) {
        size_t k = KP(st, "$ref");
        bool ok = v_node(st, n->ref, inst, ann);
        kp_cut(st, k);
        return ok;
    }
    if (st->collect && !ann) {
        if (n->plain_object)
            return plain_object_all(st, n, inst);
        if (n->plain_array)
            return plain_array_all(st, n, inst);
    }
    if (!st->collect && !ann) {
        if (n->plain_object)
            return plain_object_ok(st, n, inst);
        if (n->plain_array)
            return plain_array_ok(st, n, inst);
    }
    if (n->is_bool) {
        if (n->bool_value)
            return true;
        if (st->collect) {
            const char *kw = st->via ? st->via : "false";
            const char *msg = false_message(st->via);
            record(st, kw, strlen(kw), false, msg, strlen(msg));
        }
        return false;
    }
    uint32_t t = type_of(inst);
    bool valid = v_type(st, n, t, inst);
    if (!valid && !st->collect)
        return false;
    unsigned g = n->groups;
    if ((g & G_ENUM_CONST) && !v_enum_const(st, n, inst)) {
        if (!st->collect)
            return false;
        valid = false;
    }
    if ((g & G_NUMBER) && (t & T_NUMBER) && !v_number(st, n, inst->valuedouble)) {
        if (!st->collect)
            return false;
        valid = false;
    }
    if ((g & G_STRING) && t == T_STRING && !v_string(st, n, inst)) {
        if (!st->collect)
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
    if ((g & G_IN_PLACE) && !v_in_place(st, n, inst, a, fields)) {
        valid = false;
        if (!st->collect)
            goto done;
    }
    if ((g & G_OBJECT) && t == T_OBJECT && !v_object(st, n, inst, a)) {
        valid = false;
        if (!st->collect)
            goto done;
    }
    if ((g & G_ARRAY) && t == T_ARRAY && !v_array(st, n, inst, a, count_members(inst))) {
        valid = false;
        if (!st->collect)
            goto done;
    }
    if (collect) {
        if (!v_unevaluated(st, n, inst, &local))
            valid = false;
        if (valid)
            annot_merge(ann, &local);
    }
done:
    if (collect)
        annot_free(&local);
    return valid;
}

static bool v_node(struct vstate *st, const struct node *n, const cJSON *inst, struct annot *ann)
{
    if (out_of_time(st, n))
        return false;
    if (n->leaf)
        return v_leaf(st, n, inst);
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
    bool valid = v_body(st, n, inst, ann);
    st->depth--;
    if (pushed)
        st->n_scope--;
    return valid;
}

/* Moves the pending errors into out: one allocation holding the array and the text (dropped
 * errors' text included, which is cheaper to copy along than to leave out). */
static void deliver(struct vstate *st, struct schema_result *out)
{
    struct schema_error *v = st->n_errs ? malloc(st->n_errs * sizeof *v + st->text_len) : NULL;
    if (!v)
        return;
    char *t = (char *)(v + st->n_errs);
    memcpy(t, st->text, st->text_len);
    for (size_t i = 0; i < st->n_errs; i++) {
        const struct pending *e = &st->errs[i];
        v[i].instance_path = t + e->start;
        v[i].keyword_location = t + e->kl;
        v[i].keyword = t + e->kw;
        v[i].message = t + e->msg;
    }
    out->errors = v;
    out->count = st->n_errs;
}

/* One pass over the instance: the first-error pass when out is NULL, else the collecting pass,
 * whose errors go to out. With a deadline (0: none), *late tells whether it passed first (the
 * answer is false then, with no errors). */
static bool run_validation(const schema_t *s, const cJSON *instance, struct schema_result *out,
                           int64_t deadline, bool *late)
{
    struct vstate st;
    st.s = s;
    st.collect = out != NULL;
    st.too_deep = false;
    st.oom = false;
    st.out_of_time = false;
    st.deadline = deadline;
    st.ticks = 0;
    st.depth = 0;
    st.n_scope = 0;
    st.via = NULL;
    st.defer_prop = NULL;
    st.ip.len = st.kp.len = 0;
    st.n_errs = 0;
    if (out) {
        st.ip.text = st.ip.small;
        st.kp.text = st.kp.small;
        st.ip.cap = st.kp.cap = sizeof st.ip.small;
        st.errs = st.small_errs;
        st.cap_errs = sizeof st.small_errs / sizeof st.small_errs[0];
        st.text = st.small_text;
        st.text_len = 0;
        st.text_cap = sizeof st.small_text;
    }
    bool valid = v_node(&st, s->root, instance, NULL);
    if (st.out_of_time) {
        valid = false;
        st.n_errs = 0;
        *late = true;
    } else if (st.too_deep) {
        valid = false;
        st.too_deep = false;
        st.ip.len = st.kp.len = 0;
        errorf(&st, "$ref", "could not be validated: the schema recurses deeper than %d levels",
               SCHEMA_MAX_DEPTH);
    }
    if (out) {
        deliver(&st, out);
        if (st.ip.text != st.ip.small)
            free(st.ip.text);
        if (st.kp.text != st.kp.small)
            free(st.kp.text);
        if (st.errs != st.small_errs)
            free(st.errs);
        if (st.text != st.small_text)
            free(st.text);
    }
    return valid;
}

enum schema_verdict schema_validate_within(const schema_t *s, const cJSON *instance,
                                           struct schema_result *out, int64_t budget_ms)
{
    if (out)
        memset(out, 0, sizeof *out);
    int64_t deadline = budget_ms > 0 ? plat_now_ms() + budget_ms : 0;
    bool late = false;
    /* Most instances are valid: answer those with the first-error pass, which is cheaper, and
     * collect errors only for the others. */
    bool valid = run_validation(s, instance, NULL, deadline, &late);
    if (!valid && out && !late)
        valid = run_validation(s, instance, out, deadline, &late);
    return late ? SCHEMA_OVER_BUDGET : valid ? SCHEMA_VALID : SCHEMA_INVALID;
}

bool schema_validate(const schema_t *s, const cJSON *instance, struct schema_result *out)
{
    return schema_validate_within(s, instance, out, 0) == SCHEMA_VALID;
}

void schema_result_free(struct schema_result *r)
{
    if (!r)
        return;
    free(r->errors); /* one allocation holds the array and all its strings */
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
