/*
 * The engine's value type: construction, insertion-ordered objects, conversion
 * from and to cJSON, JSON text output (numbers by json_number_text) and deep equality.
 * It does not evaluate anything; sequence semantics live in eval.c.
 */
#include "mapping/internal.h"
#include "json/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

val V_NULL_ = {.t = T_NULL};
val V_TRUE_ = {.t = T_BOOL, .u.b = true};
val V_FALSE_ = {.t = T_BOOL, .u.b = false};
val V_PLACEHOLDER_ = {.t = T_NULL};

/* ---- string builder ------------------------------------------------------------------------- */

void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = arena_alloc(&b->e->arena, cap);
        if (b->len)
            memcpy(p, b->p, b->len);
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void sb_puts(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

void sb_putc(struct sb *b, char c)
{
    sb_put(b, &c, 1);
}

val *sb_val(struct sb *b)
{
    val *v = arena_alloc(&b->e->arena, sizeof(val));
    v->t = T_STR;
    v->flags = 0;
    v->u.s.p = b->p ? b->p : "";
    v->u.s.len = (uint32_t)b->len;
    return v;
}

/* ---- construction --------------------------------------------------------------------------- */

static val *v_new(struct ev *e, uint8_t t)
{
    val *v = arena_alloc(&e->arena, sizeof(val));
    v->t = t;
    v->flags = 0;
    return v;
}

val *v_num(struct ev *e, double n)
{
    val *v = v_new(e, T_NUM);
    v->u.n = n;
    return v;
}

val *v_bool(bool b)
{
    return b ? V_TRUE : V_FALSE;
}

val *v_str(struct ev *e, const char *p, size_t len)
{
    val *v = v_new(e, T_STR);
    v->u.s.p = arena_strndup(&e->arena, p, len);
    v->u.s.len = (uint32_t)len;
    return v;
}

val *v_cstr(struct ev *e, const char *s)
{
    return v_str(e, s, strlen(s));
}

val *v_arr(struct ev *e, uint8_t flags)
{
    val *v = v_new(e, T_ARR);
    v->flags = flags;
    v->u.a.items = NULL;
    v->u.a.len = v->u.a.cap = 0;
    return v;
}

val *v_seq(struct ev *e)
{
    return v_arr(e, A_SEQ);
}

void arr_push(struct ev *e, val *arr, val *item)
{
    if (arr->u.a.len == arr->u.a.cap) {
        uint32_t cap = arr->u.a.cap ? arr->u.a.cap * 2 : 4;
        val **items = arena_alloc(&e->arena, cap * sizeof(val *));
        if (arr->u.a.len)
            memcpy(items, arr->u.a.items, arr->u.a.len * sizeof(val *));
        arr->u.a.items = items;
        arr->u.a.cap = cap;
    }
    arr->u.a.items[arr->u.a.len++] = item;
}

val *v_obj(struct ev *e)
{
    val *v = v_new(e, T_OBJ);
    v->u.o_ = arena_alloc(&e->arena, sizeof(struct obj));
    memset(v->u.o_, 0, sizeof(struct obj));
    return v;
}

val *v_func(struct ev *e, enum fkind kind)
{
    val *v = v_new(e, T_FUNC);
    v->u.f = arena_alloc(&e->arena, sizeof(struct func));
    memset(v->u.f, 0, sizeof(struct func));
    v->u.f->kind = kind;
    return v;
}

uint32_t str_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* ---- objects -------------------------------------------------------------------------------- */

#define OBJ_INDEX_MIN 8 /* below this, a linear scan beats hashing */

static void obj_reindex(struct arena *a, struct obj *o)
{
    uint32_t cap = 16;
    while (cap < o->len * 2)
        cap *= 2;
    o->index = arena_alloc(a, cap * sizeof(int32_t));
    o->index_cap = cap;
    memset(o->index, 0xff, cap * sizeof(int32_t));
    for (uint32_t i = 0; i < o->len; i++) {
        o->e[i].hash = str_hash(o->e[i].key, o->e[i].klen);
        uint32_t h = o->e[i].hash & (cap - 1);
        while (o->index[h] >= 0)
            h = (h + 1) & (cap - 1);
        o->index[h] = (int32_t)i;
    }
}

static int obj_find(const struct obj *o, const char *k, size_t klen, uint32_t hash)
{
    if (o->index) {
        uint32_t h = hash & (o->index_cap - 1);
        while (o->index[h] >= 0) {
            const struct objent *en = &o->e[o->index[h]];
            if (en->hash == hash && en->klen == klen && memcmp(en->key, k, klen) == 0)
                return o->index[h];
            h = (h + 1) & (o->index_cap - 1);
        }
        return -1;
    }
    /* small objects are scanned by length and bytes; their hashes may not be computed yet */
    for (uint32_t i = 0; i < o->len; i++) {
        const struct objent *en = &o->e[i];
        if (en->klen == klen && memcmp(en->key, k, klen) == 0)
            return (int)i;
    }
    return -1;
}

val *obj_get_hashed(const val *o, const char *k, size_t klen, uint32_t hash)
{
    int i = obj_find(obj_of(o), k, klen, hash);
    return i < 0 ? NULL : ent_val(obj_of(o), i);
}

val *obj_get(const val *o, const char *k, size_t klen)
{
    int i = obj_find(obj_of(o), k, klen, str_hash(k, klen));
    return i < 0 ? NULL : ent_val(obj_of(o), i);
}

static void obj_put(struct arena *a, struct obj *o, const char *k, size_t klen, val *v);

void obj_set(struct ev *e, val *ov, const char *k, size_t klen, val *v)
{
    obj_put(&e->arena, obj_of(ov), k, klen, v);
}

static void obj_put(struct arena *a, struct obj *o, const char *k, size_t klen, val *v)
{
    uint32_t hash = str_hash(k, klen);
    int i = obj_find(o, k, klen, hash);
    if (i >= 0) {
        o->e[i].v = v;
        o->e[i].src = NULL;
        return;
    }
    if (o->len == o->cap) {
        uint32_t cap = o->cap ? o->cap * 2 : 4;
        struct objent *ne = arena_alloc(a, cap * sizeof(*ne));
        if (o->len)
            memcpy(ne, o->e, o->len * sizeof(*ne));
        o->e = ne;
        o->cap = cap;
    }
    struct objent *en = &o->e[o->len++];
    en->key = k;
    en->klen = (uint32_t)klen;
    en->hash = hash;
    en->v = v;
    en->src = NULL;
    if (o->len >= OBJ_INDEX_MIN && (!o->index || o->len * 2 > o->index_cap)) {
        obj_reindex(a, o);
    } else if (o->index) {
        uint32_t h = hash & (o->index_cap - 1);
        while (o->index[h] >= 0)
            h = (h + 1) & (o->index_cap - 1);
        o->index[h] = (int32_t)(o->len - 1);
    }
}

void obj_del(val *ov, const char *k, size_t klen)
{
    struct obj *o = obj_of(ov);
    int i = obj_find(o, k, klen, str_hash(k, klen));
    if (i < 0)
        return;
    memmove(&o->e[i], &o->e[i + 1], (o->len - (uint32_t)i - 1) * sizeof(struct objent));
    o->len--;
    o->index = NULL; /* lookups fall back to scanning; objects that shrink are rare */
}

/* ---- sequences ------------------------------------------------------------------------------ */

val *seq_of(struct ev *e, val *v)
{
    val *s = v_seq(e);
    if (v)
        arr_push(e, s, v);
    return s;
}

/* $append semantics: a plain array holding a then b (each flattened one level if an array). */
val *append_vals(struct ev *e, val *a, val *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    val *r = v_arr(e, 0);
    if (a->t == T_ARR) {
        for (uint32_t i = 0; i < a->u.a.len; i++)
            arr_push(e, r, a->u.a.items[i]);
        r->flags = a->flags & (A_SEQ | A_TUPLES);
    } else {
        r->flags = A_SEQ;
        arr_push(e, r, a);
    }
    if (b->t == T_ARR) {
        for (uint32_t i = 0; i < b->u.a.len; i++)
            arr_push(e, r, b->u.a.items[i]);
    } else {
        arr_push(e, r, b);
    }
    if (a->t == T_ARR && !(a->flags & A_SEQ))
        r->flags &= (uint8_t)~A_SEQ;
    return r;
}

val *flatten_into(struct ev *e, val *out, val *v)
{
    if (is_arr(v)) {
        for (uint32_t i = 0; i < v->u.a.len; i++)
            flatten_into(e, out, v->u.a.items[i]);
    } else if (v) {
        arr_push(e, out, v);
    }
    return out;
}

/* ---- equality and truth --------------------------------------------------------------------- */

bool v_equal(const val *a, const val *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->t != b->t)
        return false;
    switch (a->t) {
    case T_NULL:
        return true;
    case T_BOOL:
        return a->u.b == b->u.b;
    case T_NUM:
        return a->u.n == b->u.n;
    case T_STR:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
    case T_ARR:
        if (a->u.a.len != b->u.a.len)
            return false;
        for (uint32_t i = 0; i < a->u.a.len; i++)
            if (!v_equal(a->u.a.items[i], b->u.a.items[i]))
                return false;
        return true;
    case T_OBJ: {
        const struct obj *oa = obj_of(a), *ob = obj_of(b);
        if (oa->len != ob->len)
            return false;
        for (uint32_t i = 0; i < oa->len; i++) {
            val *bv = obj_get(b, oa->e[i].key, oa->e[i].klen);
            if (!bv || !v_equal(ent_val((struct obj *)oa, i), bv))
                return false;
        }
        return true;
    }
    default:
        return false;
    }
}

bool v_truthy(const val *v)
{
    if (!v)
        return false;
    switch (v->t) {
    case T_ARR:
        if (v->u.a.len == 1)
            return v_truthy(v->u.a.items[0]);
        for (uint32_t i = 0; i < v->u.a.len; i++)
            if (v_truthy(v->u.a.items[i]))
                return true;
        return false;
    case T_STR:
        return v->u.s.len > 0;
    case T_NUM:
        return v->u.n != 0;
    case T_OBJ:
        return obj_of(v)->len > 0;
    case T_BOOL:
        return v->u.b;
    default:
        return false;
    }
}

const char *v_typename(const val *v)
{
    if (!v)
        return "undefined";
    switch (v->t) {
    case T_NULL:
        return "null";
    case T_BOOL:
        return "boolean";
    case T_NUM:
        return "number";
    case T_STR:
        return "string";
    case T_ARR:
        return "array";
    case T_OBJ:
        return "object";
    case T_FUNC:
        return "function";
    default:
        return "undefined";
    }
}

/* ---- cJSON conversion ----------------------------------------------------------------------- */

static val *from_json(struct ev *e, const cJSON *j, int depth, bool copy);

/* One level of input conversion: scalars and arrays now, objects as lazy shells. */
val *lazy_from_json(struct arena *a, const cJSON *j)
{
    if (!j)
        return NULL;
    int type = j->type & 0xFF;
    if (type == cJSON_NULL)
        return V_NULL;
    if (type == cJSON_True)
        return V_TRUE;
    if (type == cJSON_False)
        return V_FALSE;
    val *v = arena_alloc(a, sizeof(val));
    v->flags = 0;
    if (type == cJSON_Number) {
        v->t = T_NUM;
        v->u.n = j->valuedouble;
    } else if (type == cJSON_String) {
        v->t = T_STR;
        v->u.s.p = j->valuestring;
        v->u.s.len = (uint32_t)strlen(j->valuestring);
    } else if (type == cJSON_Array) {
        v->t = T_ARR;
        uint32_t n = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            n++;
        v->u.a.items = arena_alloc(a, (n + 1) * sizeof(val *));
        v->u.a.len = v->u.a.cap = n;
        uint32_t i = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            v->u.a.items[i++] = lazy_from_json(a, c);
    } else if (type == cJSON_Object) {
        v->t = T_OBJ;
        struct obj *o = arena_alloc(a, sizeof *o);
        memset(o, 0, sizeof *o);
        o->src = j;
        o->arena = a;
        v->u.o_ = o;
    } else {
        return NULL;
    }
    return v;
}

void obj_materialize(struct obj *o)
{
    const cJSON *src = o->src;
    o->src = NULL;
    uint32_t n = 0;
    for (const cJSON *c = src->child; c; c = c->next)
        n++;
    if (n >= OBJ_INDEX_MIN) {
        for (const cJSON *c = src->child; c; c = c->next)
            obj_put(o->arena, o, c->string, strlen(c->string), lazy_from_json(o->arena, c));
        return;
    }
    /* small objects: append in order; with a duplicate key in the text, lookups see the first */
    o->e = arena_alloc(o->arena, (n ? n : 1) * sizeof(struct objent));
    o->cap = n;
    for (const cJSON *c = src->child; c; c = c->next) {
        size_t kl = strlen(c->string);
        struct objent *en = &o->e[o->len++];
        en->key = c->string;
        en->klen = (uint32_t)kl;
        en->hash = 0; /* computed if the object is ever indexed */
        en->v = NULL;
        en->src = c;
    }
}

val *v_from_json(struct ev *e, const cJSON *j)
{
    return lazy_from_json(&e->arena, j);
}

val *v_from_json_copy(struct ev *e, const cJSON *j)
{
    return from_json(e, j, 0, true);
}

static val *from_json(struct ev *e, const cJSON *j, int depth, bool copy)
{
    if (!j)
        return NULL;
    if (depth > 1000)
        ev_fail(e, "D1000", -1, "Input nested too deeply");
    if (cJSON_IsNull(j))
        return V_NULL;
    if (cJSON_IsTrue(j))
        return V_TRUE;
    if (cJSON_IsFalse(j))
        return V_FALSE;
    if (cJSON_IsNumber(j))
        return v_num(e, j->valuedouble);
    if (cJSON_IsString(j) && copy)
        return v_cstr(e, j->valuestring);
    if (cJSON_IsString(j)) {
        val *v = v_new(e, T_STR);
        v->u.s.p = j->valuestring;
        v->u.s.len = (uint32_t)strlen(j->valuestring);
        return v;
    }
    if (cJSON_IsArray(j)) {
        val *a = v_arr(e, 0);
        for (const cJSON *c = j->child; c; c = c->next)
            arr_push(e, a, from_json(e, c, depth + 1, copy));
        return a;
    }
    if (cJSON_IsObject(j)) {
        val *o = v_obj(e);
        for (const cJSON *c = j->child; c; c = c->next) {
            size_t kl = strlen(c->string);
            const char *k = copy ? arena_strndup(&e->arena, c->string, kl) : c->string;
            obj_set(e, o, k, kl, from_json(e, c, depth + 1, copy));
        }
        return o;
    }
    return NULL;
}

cJSON *v_to_json(const val *v)
{
    if (!v)
        return NULL;
    switch (v->t) {
    case T_NULL:
        return cJSON_CreateNull();
    case T_BOOL:
        return cJSON_CreateBool(v->u.b);
    case T_NUM:
        return cJSON_CreateNumber(v->u.n == 0 ? 0 : v->u.n);
    case T_STR: {
        cJSON *s = cJSON_CreateString("");
        if (s) {
            char *p = malloc(v->u.s.len + 1);
            if (!p) {
                cJSON_Delete(s);
                return NULL;
            }
            memcpy(p, v->u.s.p, v->u.s.len);
            p[v->u.s.len] = 0;
            cJSON_free(s->valuestring);
            s->valuestring = p;
        }
        return s;
    }
    case T_ARR: {
        cJSON *a = cJSON_CreateArray();
        for (uint32_t i = 0; a && i < v->u.a.len; i++) {
            cJSON *c = v_to_json(v->u.a.items[i]);
            if (c)
                cJSON_AddItemToArray(a, c);
        }
        return a;
    }
    case T_OBJ: {
        cJSON *o = cJSON_CreateObject();
        for (uint32_t i = 0; o && i < obj_of(v)->len; i++) {
            const struct objent *en = &obj_of(v)->e[i];
            cJSON *c = v_to_json(ent_val(obj_of(v), i));
            if (!c)
                continue;
            char *k = malloc(en->klen + 1);
            if (!k) {
                cJSON_Delete(c);
                continue;
            }
            memcpy(k, en->key, en->klen);
            k[en->klen] = 0;
            cJSON_AddItemToObject(o, k, c);
            free(k);
        }
        return o;
    }
    case T_FUNC:
        return cJSON_CreateString("");
    default:
        return NULL;
    }
}

val *v_clone(struct ev *e, const val *v)
{
    if (!v)
        return NULL;
    if (v->t == T_ARR) {
        val *a = v_arr(e, v->flags);
        for (uint32_t i = 0; i < v->u.a.len; i++)
            arr_push(e, a, v_clone(e, v->u.a.items[i]));
        return a;
    }
    if (v->t == T_OBJ) {
        val *o = v_obj(e);
        for (uint32_t i = 0; i < obj_of(v)->len; i++)
            obj_set(e, o, obj_of(v)->e[i].key, obj_of(v)->e[i].klen,
                    v_clone(e, ent_val(obj_of(v), i)));
        return o;
    }
    return (val *)v;
}

/* ---- text output ---------------------------------------------------------------------------- */

static void put_json_string(struct sb *b, const char *s, size_t n)
{
    sb_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char ubuf[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            if (c < 0x20) {
                snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
                esc = ubuf;
            }
        }
        if (esc) {
            sb_put(b, s + run, i - run);
            sb_puts(b, esc);
            run = i + 1;
        }
    }
    sb_put(b, s + run, n - run);
    sb_putc(b, '"');
}

/*
 * n to 15 significant digits the way JavaScript's toPrecision(15) does: printf rounds an exact
 * tie to even, JavaScript away from zero, so a tie is detected and rounded up by hand.
 */
static double round_sig15(double n)
{
    char nb[48], big[96];
    snprintf(nb, sizeof nb, "%.15e", n);
    const char *d = nb + (n < 0);
    if (d[16] == '5') { /* d is "D.DDDDDDDDDDDDDDDe…": the 16th significant digit is d[16] */
        snprintf(big, sizeof big, "%.60e", fabs(n));
        bool tie = big[16] == '5';
        for (int i = 17; tie && big[i] && big[i] != 'e'; i++)
            if (big[i] != '0')
                tie = false;
        if (tie) {
            char digits[16];
            memcpy(digits, big, 1);
            memcpy(digits + 1, big + 2, 14);
            int i = 14;
            while (i >= 0 && digits[i] == '9')
                digits[i--] = '0';
            int exp10 = atoi(strchr(big, 'e') + 1);
            char out[64];
            if (i < 0) {
                snprintf(out, sizeof out, "1e%d", exp10 + 1);
            } else {
                digits[i]++;
                snprintf(out, sizeof out, "%c.%.14se%d", digits[0], digits + 1, exp10);
            }
            double r = strtod(out, NULL);
            return n < 0 ? -r : r;
        }
    }
    snprintf(nb, sizeof nb, "%.14e", n);
    return strtod(nb, NULL);
}

static void put_indent(struct sb *b, int indent, int level)
{
    sb_putc(b, '\n');
    for (int i = 0; i < indent * level; i++)
        sb_putc(b, ' ');
}

static void stringify_at(struct ev *e, struct sb *b, const val *v, int indent, bool round15,
                         int level)
{
    char nb[JSON_NUMBER_MAX];
    switch (v->t) {
    case T_NULL:
        sb_puts(b, "null");
        break;
    case T_BOOL:
        sb_puts(b, v->u.b ? "true" : "false");
        break;
    case T_NUM: {
        double n = v->u.n;
        if (!isfinite(n))
            ev_fail(e, "D1001", -1, "Number out of range");
        if (round15 && n != floor(n))
            n = round_sig15(n);
        json_number_text(nb, n);
        sb_puts(b, nb);
        break;
    }
    case T_STR:
        put_json_string(b, v->u.s.p, v->u.s.len);
        break;
    case T_FUNC:
        sb_puts(b, "\"\"");
        break;
    case T_ARR: {
        sb_putc(b, '[');
        bool first = true;
        for (uint32_t i = 0; i < v->u.a.len; i++) {
            const val *c = v->u.a.items[i];
            if (!c)
                continue;
            if (!first)
                sb_putc(b, ',');
            first = false;
            if (indent)
                put_indent(b, indent, level + 1);
            stringify_at(e, b, c, indent, round15, level + 1);
        }
        if (indent && !first)
            put_indent(b, indent, level);
        sb_putc(b, ']');
        break;
    }
    case T_OBJ: {
        sb_putc(b, '{');
        bool first = true;
        for (uint32_t i = 0; i < obj_of(v)->len; i++) {
            const struct objent *en = &obj_of(v)->e[i];
            if (!ent_val(obj_of(v), i))
                continue;
            if (!first)
                sb_putc(b, ',');
            first = false;
            if (indent)
                put_indent(b, indent, level + 1);
            put_json_string(b, en->key, en->klen);
            sb_putc(b, ':');
            if (indent)
                sb_putc(b, ' ');
            stringify_at(e, b, en->v, indent, round15, level + 1); /* converted above */
        }
        if (indent && !first)
            put_indent(b, indent, level);
        sb_putc(b, '}');
        break;
    }
    default:
        sb_puts(b, "null");
    }
}

void v_stringify(struct ev *e, struct sb *b, const val *v, int indent, bool round15)
{
    if (v && v->t == T_ARR && (v->flags & A_OUTER) && v->u.a.len > 0)
        v = v->u.a.items[0];
    if (v)
        stringify_at(e, b, v, indent, round15, 0);
}

val *v_string(struct ev *e, const val *v)
{
    if (!v)
        return NULL;
    if (v->t == T_STR)
        return (val *)v;
    if (v->t == T_FUNC)
        return v_str(e, "", 0);
    if (v->t == T_NUM && !isfinite(v->u.n))
        ev_fail(e, "D3001", -1, "Attempting to invoke string function on Infinity or NaN");
    struct sb b = {.e = e};
    v_stringify(e, &b, v, 0, true);
    return sb_val(&b);
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

void utf8_put(struct sb *b, uint32_t cp)
{
    char o[4];
    sb_put(b, o, utf8_encode(cp, o));
}
