/*
 * Array and object builtins: $count, $append, $reverse, $shuffle, $distinct, $sort, $zip,
 * $exists, $keys, $lookup, $spread, $merge, $each, $sift, $clone.
 */
#include "mapping/internal.h"

#include <math.h>
#include <string.h>

#include "plat.h"

#define A(i) (nargs > (i) ? args[i] : NULL)

static val *f_count(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    return v_num(e, a ? a->u.a.len : 0);
}

static val *f_append(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0), *b = A(1);
    if (!a)
        return b;
    if (!b)
        return a;
    val *r = v_arr(e, 0);
    if (is_arr(a))
        for (uint32_t i = 0; i < a->u.a.len; i++)
            arr_push(e, r, a->u.a.items[i]);
    else
        arr_push(e, r, a);
    if (is_arr(b))
        for (uint32_t i = 0; i < b->u.a.len; i++)
            arr_push(e, r, b->u.a.items[i]);
    else
        arr_push(e, r, b);
    return r;
}

static val *f_reverse(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    if (!a)
        return NULL;
    if (a->u.a.len <= 1)
        return a;
    val *r = v_arr(e, 0);
    for (uint32_t i = a->u.a.len; i > 0; i--)
        arr_push(e, r, a->u.a.items[i - 1]);
    return r;
}

static val *f_shuffle(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    if (!a)
        return NULL;
    if (a->u.a.len <= 1)
        return a;
    val *r = v_arr(e, 0);
    for (uint32_t i = 0; i < a->u.a.len; i++)
        arr_push(e, r, a->u.a.items[i]);
    for (uint32_t i = r->u.a.len - 1; i > 0; i--) {
        uint32_t rnd = 0;
        plat_random(&rnd, sizeof rnd);
        uint32_t j = rnd % (i + 1);
        val *t = r->u.a.items[i];
        r->u.a.items[i] = r->u.a.items[j];
        r->u.a.items[j] = t;
    }
    return r;
}

static val *f_distinct(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    if (!is_arr(a) || a->u.a.len <= 1)
        return a;
    val *r = v_arr(e, a->flags & A_SEQ); /* a sequence stays a sequence, an array an array */
    for (uint32_t i = 0; i < a->u.a.len; i++) {
        bool dup = false;
        for (uint32_t k = 0; k < r->u.a.len && !dup; k++)
            dup = v_equal(a->u.a.items[i], r->u.a.items[k]);
        if (!dup)
            arr_push(e, r, a->u.a.items[i]);
    }
    return r;
}

static val *f_sort(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0), *fn = A(1);
    if (!a)
        return NULL;
    if (a->u.a.len <= 1)
        return a;
    if (!fn) {
        bool nums = true, strs = true;
        for (uint32_t i = 0; i < a->u.a.len; i++) {
            if (!is_num(a->u.a.items[i]))
                nums = false;
            if (!is_str(a->u.a.items[i]))
                strs = false;
        }
        if (!nums && !strs)
            ev_fail(e, "D3070", pos,
                    "The single argument form of the sort function can only be "
                    "applied to an array of strings or an array of numbers.  "
                    "Use the second argument to specify a comparison function");
    }
    val *r = sort_values(e, a, fn, pos);
    r->flags = 0;
    return r;
}

static val *f_zip(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *r = v_arr(e, 0);
    if (nargs == 0)
        return r;
    uint32_t len = UINT32_MAX;
    for (int i = 0; i < nargs; i++) {
        uint32_t l = args[i] ? args[i]->u.a.len : 0;
        if (l < len)
            len = l;
    }
    for (uint32_t k = 0; k < len; k++) {
        val *t = v_arr(e, 0);
        for (int i = 0; i < nargs; i++)
            arr_push(e, t, args[i]->u.a.items[k]);
        arr_push(e, r, t);
    }
    return r;
}

static val *f_exists(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return v_bool(A(0) != NULL);
}

static void collect_keys(struct ev *e, val *v, val *seen, val *out)
{
    if (is_arr(v)) {
        for (uint32_t i = 0; i < v->u.a.len; i++)
            collect_keys(e, v->u.a.items[i], seen, out);
    } else if (is_obj(v)) {
        for (uint32_t i = 0; i < obj_of(v)->len; i++) {
            const struct objent *en = &obj_of(v)->e[i];
            if (obj_get(seen, en->key, en->klen))
                continue;
            obj_set(e, seen, en->key, en->klen, V_TRUE);
            arr_push(e, out, v_str(e, en->key, en->klen));
        }
    }
}

static val *f_keys(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *r = v_seq(e);
    val *v = A(0);
    collect_keys(e, v, v_obj(e), r);
    return r;
}

static val *lookup(struct ev *e, val *v, val *key)
{
    if (is_obj(v))
        return obj_get(v, key->u.s.p, key->u.s.len);
    if (is_arr(v)) {
        val *r = v_seq(e);
        for (uint32_t i = 0; i < v->u.a.len; i++) {
            val *x = lookup(e, v->u.a.items[i], key);
            if (is_arr(x))
                for (uint32_t k = 0; k < x->u.a.len; k++)
                    arr_push(e, r, x->u.a.items[k]);
            else if (x)
                arr_push(e, r, x);
        }
        return r;
    }
    return NULL;
}

static val *f_lookup(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(1))
        return NULL;
    return lookup(e, A(0), A(1));
}

static val *spread(struct ev *e, val *v)
{
    if (is_arr(v)) {
        /* appending to the initial empty sequence makes a plain array, as in the reference */
        val *r = v_arr(e, v->u.a.len ? 0 : A_SEQ);
        for (uint32_t i = 0; i < v->u.a.len; i++) {
            val *x = spread(e, v->u.a.items[i]);
            if (is_arr(x))
                for (uint32_t k = 0; k < x->u.a.len; k++)
                    arr_push(e, r, x->u.a.items[k]);
            else if (x)
                arr_push(e, r, x);
        }
        return r;
    }
    if (is_obj(v)) {
        val *r = v_seq(e);
        for (uint32_t i = 0; i < obj_of(v)->len; i++) {
            val *o = v_obj(e);
            obj_set(e, o, obj_of(v)->e[i].key, obj_of(v)->e[i].klen, ent_val(obj_of(v), i));
            arr_push(e, r, o);
        }
        return r;
    }
    return v;
}

static val *f_spread(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return spread(e, A(0));
}

static val *f_merge(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    if (!a)
        return NULL;
    val *r = v_obj(e);
    for (uint32_t i = 0; i < a->u.a.len; i++) {
        val *o = a->u.a.items[i];
        for (uint32_t k = 0; k < obj_of(o)->len; k++)
            obj_set(e, r, obj_of(o)->e[k].key, obj_of(o)->e[k].klen, ent_val(obj_of(o), k));
    }
    return r;
}

static val *call_kv(struct ev *e, val *fn, val *v, const struct objent *en, val *obj, int pos)
{
    val *a[3] = {v, v_str(e, en->key, en->klen), obj};
    int ar = fn_arity(fn);
    return apply_fn(e, fn, a, ar < 3 ? (ar < 1 ? 1 : ar) : 3, NULL, pos);
}

static val *f_each(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *o = A(0), *fn = A(1);
    if (!o)
        return NULL;
    val *r = v_seq(e);
    for (uint32_t i = 0; i < obj_of(o)->len; i++) {
        val *x = call_kv(e, fn, ent_val(obj_of(o), i), &obj_of(o)->e[i], o, pos);
        if (x)
            arr_push(e, r, x);
    }
    return r;
}

static val *f_sift(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *o = A(0), *fn = A(1);
    if (!o)
        return NULL;
    val *r = v_obj(e);
    for (uint32_t i = 0; i < obj_of(o)->len; i++) {
        val *x = call_kv(e, fn, ent_val(obj_of(o), i), &obj_of(o)->e[i], o, pos);
        if (v_truthy(x))
            obj_set(e, r, obj_of(o)->e[i].key, obj_of(o)->e[i].klen, ent_val(obj_of(o), i));
    }
    if (obj_of(r)->len == 0)
        return NULL;
    return r;
}

static val *f_clone(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return v_clone(e, A(0));
}

const struct builtin builtins_array[] = {
    {"count", "<a:n>", f_count},
    {"append", "<xx:a>", f_append},
    {"reverse", "<a:a>", f_reverse},
    {"shuffle", "<a:a>", f_shuffle},
    {"distinct", "<x:x>", f_distinct},
    {"sort", "<af?:a>", f_sort},
    {"zip", "<a+>", f_zip},
    {"exists", "<x:b>", f_exists},
    {NULL, NULL, NULL},
};

const struct builtin builtins_object[] = {
    {"keys", "<x-:a<s>>", f_keys},     {"lookup", "<x-s:x>", f_lookup},
    {"spread", "<x-:a<o>>", f_spread}, {"merge", "<a<o>:o>", f_merge},
    {"each", "<o-f:a>", f_each},       {"sift", "<o-f?:o>", f_sift},
    {"clone", "<(oa)-:o>", f_clone},   {NULL, NULL, NULL},
};
