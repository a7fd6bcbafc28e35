/*
 * JSONata evaluator: walks the compiled tree with JSONata's sequence semantics (singleton
 * unwrapping, flattening of path results, keep-array), tuple streams for focus/index/parent
 * bindings, grouping, sorting, closures, partial application, tail calls (a trampoline in
 * apply_fn) and transforms. Builtin functions live in the builtins_*.c tables.
 */
#include "mapping/internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"

/* How often (in steps) the wall clock is read when a time limit is set. */
#define CLOCK_CHECK_EVERY 1024

_Noreturn void ev_fail(struct ev *e, const char *code, int pos, const char *fmt, ...)
{
    snprintf(e->err->code, sizeof e->err->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err->message, sizeof e->err->message, fmt, ap);
    va_end(ap);
    e->err->position = pos;
    longjmp(e->jmp, 1);
}

int64_t ev_now(struct ev *e)
{
    if (!e->now_set) {
        e->now_ms = plat_now_ms();
        e->now_set = true;
    }
    return e->now_ms;
}

/* ---- frames --------------------------------------------------------------------------------- */

struct frame *frame_new(struct ev *e, struct frame *parent)
{
    struct frame *f = arena_alloc(&e->arena, sizeof *f);
    f->parent = parent;
    f->b = NULL;
    f->n = f->cap = 0;
    return f;
}

static void frame_bind_h(struct ev *e, struct frame *f, const char *name, uint32_t h, val *v)
{
    for (int i = 0; i < f->n; i++) {
        if (f->b[i].hash == h && strcmp(f->b[i].name, name) == 0) {
            f->b[i].v = v;
            return;
        }
    }
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 4;
        struct binding *nb = arena_alloc(&e->arena, (size_t)cap * sizeof *nb);
        if (f->n)
            memcpy(nb, f->b, (size_t)f->n * sizeof *nb);
        f->b = nb;
        f->cap = cap;
    }
    f->b[f->n].name = name;
    f->b[f->n].hash = h;
    f->b[f->n].v = v;
    f->n++;
}

void frame_bind(struct ev *e, struct frame *f, const char *name, val *v)
{
    frame_bind_h(e, f, name, str_hash(name, strlen(name)), v);
}

/* Returns the bound value; *found tells a binding to undefined from no binding. */
static val *frame_find(struct frame *f, const char *name, uint32_t hash, bool *found)
{
    for (; f; f = f->parent) {
        for (int i = f->n - 1; i >= 0; i--) {
            if (f->b[i].hash == hash && strcmp(f->b[i].name, name) == 0) {
                *found = true;
                return f->b[i].v;
            }
        }
    }
    *found = false;
    return NULL;
}

val *frame_lookup(struct frame *f, const char *name, uint32_t hash)
{
    bool found;
    return frame_find(f, name, hash, &found);
}

/* ---- tuples --------------------------------------------------------------------------------- */

static val *tuple_new(struct ev *e, const struct tuple *base, int extra)
{
    val *v = arena_alloc(&e->arena, sizeof *v);
    v->t = T_TUPLE;
    v->flags = 0;
    struct tuple *t = arena_alloc(&e->arena, sizeof *t);
    int n = base ? base->n : 0;
    t->b = arena_alloc(&e->arena, (size_t)(n + extra + 1) * sizeof(struct binding));
    if (n)
        memcpy(t->b, base->b, (size_t)n * sizeof(struct binding));
    t->n = n;
    t->focus = base ? base->focus : NULL;
    v->u.tu = t;
    return v;
}

static void tuple_set(struct tuple *t, const char *name, val *v)
{
    uint32_t h = str_hash(name, strlen(name));
    for (int i = 0; i < t->n; i++) {
        if (t->b[i].hash == h && strcmp(t->b[i].name, name) == 0) {
            t->b[i].v = v;
            return;
        }
    }
    t->b[t->n].name = name;
    t->b[t->n].hash = h;
    t->b[t->n].v = v;
    t->n++;
}

static struct frame *frame_from_tuple(struct ev *e, struct frame *env, const struct tuple *t)
{
    struct frame *f = frame_new(e, env);
    f->b = t->b;
    f->n = f->cap = t->n;
    /* the frame shares the tuple's bindings; frames only grow by copying (frame_bind_h) */
    return f;
}

/* ---- helpers -------------------------------------------------------------------------------- */

static val *unwrap(val *r, bool keep)
{
    if (r && r->t == T_ARR && (r->flags & A_SEQ) && !(r->flags & A_TUPLES)) {
        if (keep)
            r->flags |= A_KEEP;
        if (r->u.a.len == 0)
            return NULL;
        if (r->u.a.len == 1 && !(r->flags & A_KEEP))
            return r->u.a.items[0];
    }
    return r;
}

static bool is_array_of_numbers(const val *v)
{
    if (!is_arr(v))
        return false;
    for (uint32_t i = 0; i < v->u.a.len; i++)
        if (!is_num(v->u.a.items[i]))
            return false;
    return true;
}

static val *eval_filter(struct ev *e, const struct node *pred, val *input, struct frame *env)
{
    val *results = v_seq(e);
    if (input && input->t == T_ARR && (input->flags & A_TUPLES))
        results->flags |= A_TUPLES;
    if (!is_arr(input))
        input = seq_of(e, input);
    uint32_t len = input->u.a.len;
    if (pred->type == N_NUM) {
        double idx = floor(pred->lit->u.n);
        if (idx < 0)
            idx += len;
        if (idx >= 0 && idx < len) {
            val *item = input->u.a.items[(uint32_t)idx];
            if (is_arr(item))
                return item;
            arr_push(e, results, item);
        }
        return results;
    }
    bool tuples = (input->flags & A_TUPLES) != 0;
    for (uint32_t i = 0; i < len; i++) {
        val *item = input->u.a.items[i];
        val *ctx = item;
        struct frame *fenv = env;
        if (tuples) {
            ctx = item->u.tu->focus;
            fenv = frame_from_tuple(e, env, item->u.tu);
        }
        val *res = eval_node(e, pred, ctx, fenv);
        if (is_num(res)) {
            double ii = floor(res->u.n);
            if (ii < 0)
                ii += len;
            if (ii == (double)i)
                arr_push(e, results, item);
        } else if (is_array_of_numbers(res)) {
            for (uint32_t k = 0; k < res->u.a.len; k++) {
                double ii = floor(res->u.a.items[k]->u.n);
                if (ii < 0)
                    ii += len;
                if (ii == (double)i)
                    arr_push(e, results, item);
            }
        } else if (v_truthy(res)) {
            arr_push(e, results, item);
        }
    }
    return results;
}

static val *eval_stages(struct ev *e, const struct node *step, val *input, struct frame *env)
{
    val *r = input;
    for (int s = 0; s < step->nstages; s++) {
        const struct stage *st = &step->stages[s];
        if (!st->is_index) {
            r = eval_filter(e, st->expr, r, env);
        } else if (is_arr(r)) {
            for (uint32_t i = 0; i < r->u.a.len; i++)
                if (r->u.a.items[i]->t == T_TUPLE)
                    tuple_set(r->u.a.items[i]->u.tu, st->name, v_num(e, i));
        }
    }
    return r;
}

/* ---- sorting -------------------------------------------------------------------------------- */

struct sort_ctx {
    struct ev *e;
    const struct node *sortnode;
    struct frame *env;
    bool tuples;
    val *userfn; /* $sort comparator, or NULL */
    int pos;
};

/* Returns true when a must come after b. */
static bool sort_greater(struct sort_ctx *c, val *a, val *b)
{
    struct ev *e = c->e;
    if (c->userfn) {
        val *args[2] = {a, b};
        val *r = apply_fn(e, c->userfn, args, 2, NULL, c->pos);
        return v_truthy(r);
    }
    if (!c->sortnode) {
        if (a->t == T_NUM)
            return a->u.n > b->u.n;
        uint32_t ml = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        int cm = memcmp(a->u.s.p, b->u.s.p, ml);
        return cm ? cm > 0 : a->u.s.len > b->u.s.len;
    }
    int comp = 0;
    for (int i = 0; comp == 0 && i < c->sortnode->nterms; i++) {
        const struct sortterm *term = &c->sortnode->terms[i];
        val *actx = a, *bctx = b;
        struct frame *aenv = c->env, *benv = c->env;
        if (c->tuples) {
            actx = a->u.tu->focus;
            aenv = frame_from_tuple(e, c->env, a->u.tu);
            bctx = b->u.tu->focus;
            benv = frame_from_tuple(e, c->env, b->u.tu);
        }
        val *aa = eval_node(e, term->expr, actx, aenv);
        val *bb = eval_node(e, term->expr, bctx, benv);
        if (!aa) {
            comp = bb ? 1 : 0;
            continue;
        }
        if (!bb) {
            comp = -1;
            continue;
        }
        if (!(aa->t == T_STR || aa->t == T_NUM) || !(bb->t == T_STR || bb->t == T_NUM))
            ev_fail(e, "T2008", c->sortnode->pos,
                    "The expressions within an order-by clause must evaluate to numeric or string "
                    "values");
        if (aa->t != bb->t)
            ev_fail(e, "T2007", c->sortnode->pos,
                    "Type mismatch within order-by clause. All values must be of the same type");
        if (aa->t == T_NUM) {
            comp = aa->u.n == bb->u.n ? 0 : aa->u.n < bb->u.n ? -1 : 1;
        } else {
            uint32_t ml = aa->u.s.len < bb->u.s.len ? aa->u.s.len : bb->u.s.len;
            int cm = memcmp(aa->u.s.p, bb->u.s.p, ml);
            comp = cm                           ? (cm < 0 ? -1 : 1)
                   : aa->u.s.len == bb->u.s.len ? 0
                   : aa->u.s.len < bb->u.s.len  ? -1
                                                : 1;
        }
        if (term->descending)
            comp = -comp;
    }
    return comp == 1;
}

static void merge_sort(struct sort_ctx *c, val **items, val **tmp, uint32_t n)
{
    if (n < 2)
        return;
    uint32_t mid = n / 2;
    merge_sort(c, items, tmp, mid);
    merge_sort(c, items + mid, tmp, n - mid);
    uint32_t i = 0, j = mid, k = 0;
    while (i < mid && j < n) {
        if (sort_greater(c, items[i], items[j]))
            tmp[k++] = items[j++];
        else
            tmp[k++] = items[i++];
    }
    while (i < mid)
        tmp[k++] = items[i++];
    while (j < n)
        tmp[k++] = items[j++];
    memcpy(items, tmp, n * sizeof(val *));
}

val *sort_values(struct ev *e, val *arr, val *fn, int pos)
{
    struct sort_ctx c = {.e = e, .userfn = fn, .pos = pos};
    val *out = v_arr(e, arr->flags & (A_SEQ | A_TUPLES));
    for (uint32_t i = 0; i < arr->u.a.len; i++)
        arr_push(e, out, arr->u.a.items[i]);
    val **tmp = arena_alloc(&e->arena, (out->u.a.len + 1) * sizeof(val *));
    merge_sort(&c, out->u.a.items, tmp, out->u.a.len);
    return out;
}

static val *eval_sort(struct ev *e, const struct node *n, val *input, struct frame *env)
{
    if (!input)
        return NULL;
    if (!is_arr(input))
        input = seq_of(e, input);
    struct sort_ctx c = {
        .e = e, .sortnode = n, .env = env, .tuples = (input->flags & A_TUPLES) != 0};
    val *out = v_arr(e, A_SEQ | (input->flags & A_TUPLES));
    for (uint32_t i = 0; i < input->u.a.len; i++)
        arr_push(e, out, input->u.a.items[i]);
    val **tmp = arena_alloc(&e->arena, (out->u.a.len + 1) * sizeof(val *));
    merge_sort(&c, out->u.a.items, tmp, out->u.a.len);
    return out;
}

/* ---- grouping and object construction ------------------------------------------------------- */

static val *reduce_tuples(struct ev *e, val *stream)
{
    if (!is_arr(stream))
        return stream;
    val *r = tuple_new(e, stream->u.a.items[0]->u.tu, 0);
    struct tuple *rt = r->u.tu;
    /* every tuple of a stream carries the same binding names */
    struct binding *nb = arena_alloc(&e->arena, (size_t)(rt->n + 1) * sizeof *nb);
    memcpy(nb, rt->b, (size_t)rt->n * sizeof *nb);
    rt->b = nb;
    for (uint32_t i = 1; i < stream->u.a.len; i++) {
        struct tuple *t = stream->u.a.items[i]->u.tu;
        rt->focus = append_vals(e, rt->focus, t->focus);
        for (int k = 0; k < t->n; k++) {
            for (int m = 0; m < rt->n; m++) {
                if (rt->b[m].hash == t->b[k].hash && !strcmp(rt->b[m].name, t->b[k].name)) {
                    rt->b[m].v = append_vals(e, rt->b[m].v, t->b[k].v);
                    break;
                }
            }
        }
    }
    return r;
}

static val *eval_group(struct ev *e, struct node *const *pairs, int npairs, int pos, val *input,
                       struct frame *env)
{
    bool reduce = input && input->t == T_ARR && (input->flags & A_TUPLES);
    if (!is_arr(input))
        input = seq_of(e, input);
    uint32_t len = input->u.a.len;
    val *result = v_obj(e);
    /* groups: key -> (data, expression index), in first-seen order */
    val *keys = v_obj(e);
    struct group {
        val *data;
        int expr;
        const char *key;
        uint32_t klen;
    } *groups = NULL;
    int ngroups = 0, capgroups = 0;
    for (uint32_t it = 0; it < (len ? len : 1); it++) {
        val *item = len ? input->u.a.items[it] : NULL;
        bool tup = reduce && item;
        struct frame *ienv = tup ? frame_from_tuple(e, env, item->u.tu) : env;
        val *ctx = tup ? item->u.tu->focus : item;
        for (int pi = 0; pi < npairs; pi++) {
            val *key = eval_node(e, pairs[2 * pi], ctx, ienv);
            if (!key)
                continue;
            if (key->t != T_STR)
                ev_fail(e, "T1003", pos,
                        "Key in object structure must evaluate to a string; got: "
                        "%s",
                        v_typename(key));
            val *gi = obj_get(keys, key->u.s.p, key->u.s.len);
            if (gi) {
                struct group *g = &groups[(int)gi->u.n];
                if (g->expr != pi)
                    ev_fail(e, "D1009", pos, "Multiple key definitions evaluate to same key: %.*s",
                            (int)key->u.s.len, key->u.s.p);
                g->data = append_vals(e, g->data, item);
            } else {
                if (ngroups == capgroups) {
                    int cap = capgroups ? capgroups * 2 : 8;
                    struct group *ng = arena_alloc(&e->arena, (size_t)cap * sizeof *ng);
                    if (ngroups)
                        memcpy(ng, groups, (size_t)ngroups * sizeof *ng);
                    groups = ng;
                    capgroups = cap;
                }
                groups[ngroups] = (struct group){item, pi, key->u.s.p, key->u.s.len};
                obj_set(e, keys, key->u.s.p, key->u.s.len, v_num(e, ngroups));
                ngroups++;
            }
        }
    }
    for (int g = 0; g < ngroups; g++) {
        val *ctx = groups[g].data;
        struct frame *genv = env;
        if (reduce && groups[g].data) {
            val *t = reduce_tuples(e, groups[g].data);
            ctx = t->u.tu->focus;
            genv = frame_from_tuple(e, env, t->u.tu);
        }
        val *v = eval_node(e, pairs[2 * groups[g].expr + 1], ctx, genv);
        if (v)
            obj_set(e, result, groups[g].key, groups[g].klen, v);
    }
    return result;
}

/* ---- path steps ----------------------------------------------------------------------------- */

static val *lookup_name(struct ev *e, val *input, const struct node *n)
{
    if (!input)
        return NULL;
    if (input->t == T_OBJ)
        return obj_get_hashed(input, n->str, n->slen, n->hash);
    if (input->t == T_ARR) {
        val *r = v_seq(e);
        for (uint32_t i = 0; i < input->u.a.len; i++) {
            val *res = lookup_name(e, input->u.a.items[i], n);
            if (!res)
                continue;
            if (res->t == T_ARR) {
                for (uint32_t k = 0; k < res->u.a.len; k++)
                    arr_push(e, r, res->u.a.items[k]);
            } else {
                arr_push(e, r, res);
            }
        }
        return r;
    }
    return NULL;
}

static val *eval_wildcard(struct ev *e, val *input)
{
    val *r = v_seq(e);
    if (is_arr(input) && (input->flags & A_OUTER) && input->u.a.len > 0)
        input = input->u.a.items[0];
    if (is_arr(input)) {
        for (uint32_t i = 0; i < input->u.a.len; i++) {
            val *v = input->u.a.items[i];
            if (is_arr(v))
                flatten_into(e, r, v);
            else if (v)
                arr_push(e, r, v);
        }
    } else if (is_obj(input)) {
        for (uint32_t i = 0; i < obj_of(input)->len; i++) {
            val *v = ent_val(obj_of(input), i);
            if (is_arr(v))
                flatten_into(e, r, v);
            else if (v)
                arr_push(e, r, v);
        }
    }
    return r;
}

static void descend(struct ev *e, val *v, val *out)
{
    if (!v)
        return;
    if (v->t != T_ARR)
        arr_push(e, out, v);
    if (v->t == T_ARR) {
        for (uint32_t i = 0; i < v->u.a.len; i++)
            descend(e, v->u.a.items[i], out);
    } else if (v->t == T_OBJ) {
        for (uint32_t i = 0; i < obj_of(v)->len; i++)
            descend(e, ent_val(obj_of(v), i), out);
    }
}

static val *eval_descendants(struct ev *e, val *input)
{
    if (!input)
        return NULL;
    val *r = v_seq(e);
    descend(e, input, r);
    if (r->u.a.len == 1)
        return r->u.a.items[0];
    return r;
}

static val *eval_step(struct ev *e, const struct node *step, val *input, struct frame *env,
                      bool last)
{
    if (step->type == N_SORT) {
        val *r = eval_sort(e, step, input, env);
        if (step->nstages)
            r = eval_stages(e, step, r, env);
        return r;
    }
    uint32_t n = input->u.a.len;
    val **res = arena_alloc(&e->arena, (n + 1) * sizeof(val *));
    uint32_t nres = 0;
    for (uint32_t i = 0; i < n; i++) {
        val *r = eval_node(e, step, input->u.a.items[i], env);
        for (int s = 0; s < step->nstages; s++)
            r = eval_filter(e, step->stages[s].expr, r, env);
        if (r)
            res[nres++] = r;
    }
    if (last && nres == 1 && is_arr(res[0]) && !(res[0]->flags & A_SEQ))
        return res[0];
    val *out = v_seq(e);
    for (uint32_t i = 0; i < nres; i++) {
        val *r = res[i];
        if (!is_arr(r) || (r->flags & A_CONS)) {
            arr_push(e, out, r);
        } else {
            for (uint32_t k = 0; k < r->u.a.len; k++)
                arr_push(e, out, r->u.a.items[k]);
        }
    }
    return out;
}

static val *eval_tuple_step(struct ev *e, const struct node *step, val *input, val *tb,
                            struct frame *env)
{
    if (step->type == N_SORT) {
        val *r;
        if (tb) {
            r = eval_sort(e, step, tb, env);
        } else {
            val *sorted = eval_sort(e, step, input, env);
            r = v_arr(e, A_SEQ | A_TUPLES);
            for (uint32_t i = 0; sorted && i < sorted->u.a.len; i++) {
                val *t = tuple_new(e, NULL, 1);
                t->u.tu->focus = sorted->u.a.items[i];
                if (step->index)
                    tuple_set(t->u.tu, step->index, v_num(e, i));
                arr_push(e, r, t);
            }
        }
        if (step->nstages)
            r = eval_stages(e, step, r, env);
        return r;
    }
    val *result = v_arr(e, A_SEQ | A_TUPLES);
    if (!tb) {
        tb = v_arr(e, A_SEQ | A_TUPLES);
        for (uint32_t i = 0; is_arr(input) && i < input->u.a.len; i++) {
            val *t = tuple_new(e, NULL, 0);
            t->u.tu->focus = input->u.a.items[i];
            arr_push(e, tb, t);
        }
    }
    for (uint32_t ti = 0; ti < tb->u.a.len; ti++) {
        struct tuple *cur = tb->u.a.items[ti]->u.tu;
        struct frame *senv = frame_from_tuple(e, env, cur);
        val *res = eval_node(e, step, cur->focus, senv);
        if (!res)
            continue;
        if (!is_arr(res))
            res = seq_of(e, res);
        bool rtuples = (res->flags & A_TUPLES) != 0;
        for (uint32_t b = 0; b < res->u.a.len; b++) {
            val *item = res->u.a.items[b];
            val *t;
            if (rtuples) {
                t = tuple_new(e, cur, item->u.tu->n);
                for (int k = 0; k < item->u.tu->n; k++)
                    tuple_set(t->u.tu, item->u.tu->b[k].name, item->u.tu->b[k].v);
                t->u.tu->focus = item->u.tu->focus;
            } else {
                t = tuple_new(e, cur, 3);
                if (step->focus) {
                    tuple_set(t->u.tu, step->focus, item);
                    t->u.tu->focus = cur->focus;
                } else {
                    t->u.tu->focus = item;
                }
                if (step->index)
                    tuple_set(t->u.tu, step->index, v_num(e, b));
                if (step->ancestor)
                    tuple_set(t->u.tu, step->ancestor->label, cur->focus);
            }
            arr_push(e, result, t);
        }
    }
    if (step->nstages)
        result = eval_stages(e, step, result, env);
    return result;
}

static val *eval_path(struct ev *e, const struct node *n, val *input, struct frame *env)
{
    val *inseq;
    if (is_arr(input) && n->items[0]->type != N_VAR) {
        inseq = input;
    } else {
        /* an undefined input still gives the first step one (undefined) item to work on */
        inseq = v_seq(e);
        arr_push(e, inseq, input);
    }
    val *result = NULL, *tb = NULL;
    bool tuples = false;
    for (int i = 0; i < n->nitems; i++) {
        const struct node *step = n->items[i];
        if (step->tuple)
            tuples = true;
        if (i == 0 && step->consarray) {
            result = eval_node(e, step, inseq, env);
        } else if (tuples) {
            tb = eval_tuple_step(e, step, inseq, tb, env);
        } else {
            if (!is_arr(inseq))
                inseq = seq_of(e, inseq);
            result = eval_step(e, step, inseq, env, i == n->nitems - 1);
        }
        if (!tuples && (!result || (is_arr(result) && result->u.a.len == 0)))
            break;
        if (!step->focus)
            inseq = result;
    }
    if (tuples) {
        if (n->tuple) {
            result = tb;
        } else {
            result = v_seq(e);
            for (uint32_t i = 0; tb && i < tb->u.a.len; i++)
                arr_push(e, result, tb->u.a.items[i]->u.tu->focus);
        }
    }
    if (n->keep_singleton && result) {
        if (is_arr(result) && (result->flags & A_CONS) && !(result->flags & A_SEQ))
            result = seq_of(e, result);
        if (is_arr(result))
            result->flags |= A_KEEP;
    }
    if (n->group)
        result = eval_group(e, n->group, n->ngroup / 2, n->group_pos, tuples ? tb : result, env);
    return result;
}

/* ---- operators ------------------------------------------------------------------------------ */

static val *eval_binary(struct ev *e, const struct node *n, val *input, struct frame *env)
{
    val *l = eval_node(e, n->lhs, input, env);
    val *r = eval_node(e, n->rhs, input, env);
    switch (n->op) {
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD: {
        if ((is_num(l) && !isfinite(l->u.n)) || (is_num(r) && !isfinite(r->u.n)))
            ev_fail(e, "D1001", n->pos, "Number out of range");
        if (l && !is_num(l))
            ev_fail(e, "T2001", n->pos,
                    "The left side of the arithmetic expression is not a number");
        if (r && !is_num(r))
            ev_fail(e, "T2002", n->pos,
                    "The right side of the arithmetic expression is not a number");
        if (!l || !r)
            return NULL;
        double a = l->u.n, b = r->u.n, x;
        switch (n->op) {
        case OP_ADD:
            x = a + b;
            break;
        case OP_SUB:
            x = a - b;
            break;
        case OP_MUL:
            x = a * b;
            break;
        case OP_DIV:
            x = a / b;
            break;
        default:
            x = fmod(a, b);
        }
        return v_num(e, x);
    }
    case OP_EQ:
    case OP_NE:
        if (!l || !r)
            return V_FALSE;
        return v_bool(v_equal(l, r) == (n->op == OP_EQ));
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        bool lc = !l || l->t == T_STR || l->t == T_NUM;
        bool rc = !r || r->t == T_STR || r->t == T_NUM;
        if (!lc || !rc)
            ev_fail(e, "T2010", n->pos,
                    "The expressions either side of operator must evaluate to numeric or string "
                    "values");
        if (!l || !r)
            return NULL;
        if (l->t != r->t)
            ev_fail(e, "T2009", n->pos,
                    "The values either side of operator must be of the same data type");
        int c;
        if (l->t == T_NUM) {
            c = l->u.n < r->u.n ? -1 : l->u.n > r->u.n ? 1 : 0;
        } else {
            uint32_t ml = l->u.s.len < r->u.s.len ? l->u.s.len : r->u.s.len;
            c = memcmp(l->u.s.p, r->u.s.p, ml);
            if (!c)
                c = l->u.s.len < r->u.s.len ? -1 : l->u.s.len > r->u.s.len ? 1 : 0;
        }
        switch (n->op) {
        case OP_LT:
            return v_bool(c < 0);
        case OP_LE:
            return v_bool(c <= 0);
        case OP_GT:
            return v_bool(c > 0);
        default:
            return v_bool(c >= 0);
        }
    }
    case OP_CONCAT: {
        val *ls = l ? v_string(e, l) : NULL;
        val *rs = r ? v_string(e, r) : NULL;
        struct sb b = {.e = e};
        if (ls)
            sb_put(&b, ls->u.s.p, ls->u.s.len);
        if (rs)
            sb_put(&b, rs->u.s.p, rs->u.s.len);
        return sb_val(&b);
    }
    case OP_IN: {
        if (!l || !r)
            return V_FALSE;
        if (!is_arr(r))
            return v_bool(l->t != T_ARR && l->t != T_OBJ && v_equal(l, r));
        for (uint32_t i = 0; i < r->u.a.len; i++) {
            val *it = r->u.a.items[i];
            if (it && it->t != T_ARR && it->t != T_OBJ && v_equal(l, it))
                return V_TRUE;
        }
        return V_FALSE;
    }
    case OP_RANGE: {
        if (l && (!is_num(l) || l->u.n != floor(l->u.n)))
            ev_fail(e, "T2003", n->pos,
                    "The left side of the range operator (..) must evaluate "
                    "to an integer");
        if (r && (!is_num(r) || r->u.n != floor(r->u.n)))
            ev_fail(e, "T2004", n->pos,
                    "The right side of the range operator (..) must "
                    "evaluate to an integer");
        if (!l || !r || l->u.n > r->u.n)
            return NULL;
        double size = r->u.n - l->u.n + 1;
        if (size > 1e7)
            ev_fail(e, "D2014", n->pos,
                    "The size of the sequence allocated by the range "
                    "operator (..) must not exceed 1e7");
        val *out = v_arr(e, A_SEQ);
        uint32_t cnt = (uint32_t)size;
        val *block = arena_alloc(&e->arena, cnt * sizeof(val));
        out->u.a.items = arena_alloc(&e->arena, cnt * sizeof(val *));
        out->u.a.cap = out->u.a.len = cnt;
        for (uint32_t i = 0; i < cnt; i++) {
            block[i].t = T_NUM;
            block[i].flags = 0;
            block[i].u.n = l->u.n + i;
            out->u.a.items[i] = &block[i];
        }
        return out;
    }
    }
    return NULL;
}

/* ---- functions ------------------------------------------------------------------------------ */

int fn_arity(const val *fn)
{
    if (!is_fn(fn))
        return 1; /* applying it fails with T1006 */
    const struct func *f = fn->u.f;
    switch (f->kind) {
    case F_LAMBDA:
        return f->node->nparams;
    case F_BUILTIN:
        return f->sig ? sig_arity(f->sig) : 1;
    case F_PARTIAL: {
        int k = 0;
        for (int i = 0; i < f->nbound; i++)
            if (f->bound[i] == V_PLACEHOLDER)
                k++;
        return k;
    }
    case F_HOST:
        return 3;
    default:
        return 1;
    }
}

static val *apply_transform(struct ev *e, const struct func *f, val *arg)
{
    if (!arg)
        return NULL;
    const struct node *n = f->node;
    val *result = v_clone(e, arg);
    val *matches = eval_node(e, n->lhs, result, f->env);
    if (matches) {
        if (!is_arr(matches))
            matches = seq_of(e, matches);
        for (uint32_t i = 0; i < matches->u.a.len; i++) {
            val *m = matches->u.a.items[i];
            val *upd = eval_node(e, n->rhs, m, f->env);
            if (upd) {
                if (upd->t != T_OBJ)
                    ev_fail(e, "T2011", n->rhs->pos,
                            "The insert/update clause of the transform expression must evaluate "
                            "to an object");
                if (is_obj(m))
                    for (uint32_t k = 0; k < obj_of(upd)->len; k++)
                        obj_set(e, m, obj_of(upd)->e[k].key, obj_of(upd)->e[k].klen,
                                ent_val(obj_of(upd), k));
            }
            if (n->third) {
                val *del = eval_node(e, n->third, m, f->env);
                if (del) {
                    if (!is_arr(del))
                        del = seq_of(e, del);
                    for (uint32_t k = 0; k < del->u.a.len; k++)
                        if (!is_str(del->u.a.items[k]))
                            ev_fail(e, "T2012", n->third->pos,
                                    "The delete clause of the transform expression must evaluate "
                                    "to a string or array of strings");
                    if (is_obj(m))
                        for (uint32_t k = 0; k < del->u.a.len; k++)
                            obj_del(m, del->u.a.items[k]->u.s.p, del->u.a.items[k]->u.s.len);
                }
            }
        }
    }
    return result;
}

static val *apply_host(struct ev *e, const struct mapping_host_fn *h, val **args, int nargs)
{
    cJSON *jargs[16] = {0};
    if (nargs > 16)
        nargs = 16;
    for (int i = 0; i < nargs; i++)
        jargs[i] = v_to_json(args[i]);
    struct mapping_error herr = {{0}, {0}, -1};
    cJSON *r = h->fn(h->ctx, jargs, nargs, &herr);
    for (int i = 0; i < nargs; i++)
        cJSON_Delete(jargs[i]);
    if (herr.code[0]) {
        cJSON_Delete(r);
        ev_fail(e, herr.code, -1, "%s", herr.message);
    }
    val *v = v_from_json_copy(e, r);
    cJSON_Delete(r);
    return v;
}

static val *apply_inner(struct ev *e, val *fn, val **args, int nargs, val *input, int pos)
{
    if (!is_fn(fn))
        ev_fail(e, "T1006", pos, "Attempted to invoke a non-function");
    const struct func *f = fn->u.f;
    if (f->sig)
        nargs = sig_validate(e, f->sig, args, nargs, &args, input, pos);
    switch (f->kind) {
    case F_LAMBDA: {
        struct frame *fr = frame_new(e, f->env);
        const struct node *n = f->node;
        for (int i = 0; i < n->nparams; i++)
            frame_bind(e, fr, n->params[i], i < nargs ? args[i] : NULL);
        return eval_node(e, n->lhs, f->input, fr);
    }
    case F_BUILTIN:
        return f->bi->fn(e, args, nargs, input, pos);
    case F_PARTIAL: {
        val **all = arena_alloc(&e->arena, (size_t)(f->nbound + nargs + 1) * sizeof(val *));
        int k = 0, ai = 0;
        for (int i = 0; i < f->nbound; i++)
            all[k++] =
                f->bound[i] == V_PLACEHOLDER ? (ai < nargs ? args[ai++] : NULL) : f->bound[i];
        return apply_inner(e, f->target, all, k, input, pos);
    }
    case F_CHAIN: {
        val *mid = apply_fn(e, f->target, args, nargs, input, pos);
        return apply_fn(e, f->bound[0], &mid, 1, input, pos);
    }
    case F_TRANSFORM:
        if (nargs > 0 && args[0] && args[0]->t != T_OBJ && args[0]->t != T_ARR)
            ev_fail(e, "T0410", pos,
                    "Argument 1 of function transform does not match "
                    "function signature");
        return apply_transform(e, f, nargs > 0 ? args[0] : NULL);
    case F_REGEX:
        if (nargs < 1 || !is_str(args[0]))
            return NULL;
        return regex_match_value(e, f->re, args[0], 0);
    case F_HOST:
        return apply_host(e, f->host, args, nargs);
    }
    return NULL;
}

val *apply_fn(struct ev *e, val *fn, val **args, int nargs, val *input, int pos)
{
    val *r = apply_inner(e, fn, args, nargs, input, pos);
    while (r && r->t == T_FUNC && r->u.f->kind == F_LAMBDA && r->u.f->node->thunk) {
        const struct func *th = r->u.f;
        const struct node *call = th->node->lhs;
        val *next = eval_node(e, call->lhs, th->input, th->env);
        val **a = arena_alloc(&e->arena, (size_t)(call->nitems + 1) * sizeof(val *));
        for (int i = 0; i < call->nitems; i++)
            a[i] = eval_node(e, call->items[i], th->input, th->env);
        r = apply_inner(e, next, a, call->nitems, input, call->pos);
    }
    return r;
}

static val *eval_call(struct ev *e, const struct node *n, val *input, struct frame *env, val *ctx,
                      bool has_ctx)
{
    val *proc = eval_node(e, n->lhs, input, env);
    if (!proc && n->lhs->type == N_PATH && n->lhs->items[0]->type == N_NAME) {
        const struct node *s = n->lhs->items[0];
        bool found;
        char *nm = arena_alloc(&e->arena, s->slen + 1);
        memcpy(nm, s->str, s->slen);
        nm[s->slen] = 0;
        frame_find(env, nm, str_hash(nm, s->slen), &found);
        if (found || builtin_find(s->str, s->slen)) {
            if (n->type == N_PARTIAL)
                ev_fail(e, "T1007", n->pos,
                        "Attempted to partially apply a non-function. Did you mean ${%s}?", nm);
            ev_fail(e, "T1005", n->pos, "Attempted to invoke a non-function. Did you mean ${%s}?",
                    nm);
        }
    }
    int nargs = n->nitems + (has_ctx ? 1 : 0);
    val **args = arena_alloc(&e->arena, (size_t)(nargs + 1) * sizeof(val *));
    int k = 0;
    if (has_ctx)
        args[k++] = ctx;
    for (int i = 0; i < n->nitems; i++)
        args[k++] = eval_node(e, n->items[i], input, env);
    if (n->type == N_PARTIAL) {
        if (!is_fn(proc))
            ev_fail(e, "T1008", n->pos, "Attempted to partially apply a non-function");
        val *pf = v_func(e, F_PARTIAL);
        pf->u.f->target = proc;
        pf->u.f->bound = args;
        pf->u.f->nbound = nargs;
        for (int i = 0; i < n->nitems; i++)
            if (n->items[i]->type == N_PLACEHOLDER)
                args[i + (has_ctx ? 1 : 0)] = V_PLACEHOLDER;
        return pf;
    }
    return apply_fn(e, proc, args, nargs, input, n->pos);
}

static val *eval_apply(struct ev *e, const struct node *n, val *input, struct frame *env)
{
    val *lhs = eval_node(e, n->lhs, input, env);
    if (n->rhs->type == N_FUNCTION)
        return eval_call(e, n->rhs, input, env, lhs, true);
    val *fn = eval_node(e, n->rhs, input, env);
    if (!is_fn(fn))
        ev_fail(e, "T2006", n->pos,
                "The right side of the function application operator ~> must "
                "be a function");
    if (is_fn(lhs)) {
        val *c = v_func(e, F_CHAIN);
        c->u.f->target = lhs;
        c->u.f->bound = arena_alloc(&e->arena, sizeof(val *));
        c->u.f->bound[0] = fn;
        c->u.f->nbound = 1;
        return c;
    }
    return apply_fn(e, fn, &lhs, 1, input, n->pos);
}

/* ---- the dispatcher ------------------------------------------------------------------------- */

val *eval_node(struct ev *e, const struct node *n, val *input, struct frame *env)
{
    if (++e->depth > e->max_depth)
        ev_fail(e, "U1001", n->pos,
                "Stack overflow error: Check for non-terminating recursive "
                "function.  Consider rewriting as tail-recursive.");
    if (++e->steps > e->max_steps)
        ev_fail(e, "U1001", n->pos, "Expression evaluation exceeded its step limit");
    if (e->deadline_ms && (e->steps % CLOCK_CHECK_EVERY) == 0 && plat_now_ms() > e->deadline_ms)
        ev_fail(e, "U1001", n->pos, "Expression evaluation timeout: Check for infinite loop");
    val *r = NULL;
    switch (n->type) {
    case N_PATH:
        r = eval_path(e, n, input, env);
        break;
    case N_NUM:
    case N_STR:
    case N_VALUE:
        r = n->lit;
        break;
    case N_NAME:
        r = lookup_name(e, input, n);
        break;
    case N_VAR:
        if (n->slen == 0) {
            r = (is_arr(input) && (input->flags & A_OUTER)) ? input->u.a.items[0] : input;
        } else if (n->slen == 1 && n->str[0] == '$') {
            r = e->root;
        } else {
            bool found;
            r = frame_find(env, n->str, n->hash, &found);
            if (!found && n->bi)
                r = builtin_val(n->bi);
        }
        break;
    case N_WILDCARD:
        r = eval_wildcard(e, input);
        break;
    case N_DESCENDANT:
        r = eval_descendants(e, input);
        break;
    case N_PARENT:
        r = frame_lookup(env, n->slot->label, str_hash(n->slot->label, strlen(n->slot->label)));
        break;
    case N_BINARY:
        r = eval_binary(e, n, input, env);
        break;
    case N_AND: {
        bool l = v_truthy(eval_node(e, n->lhs, input, env));
        r = v_bool(l && v_truthy(eval_node(e, n->rhs, input, env)));
        break;
    }
    case N_OR: {
        bool l = v_truthy(eval_node(e, n->lhs, input, env));
        r = v_bool(l || v_truthy(eval_node(e, n->rhs, input, env)));
        break;
    }
    case N_ELVIS: {
        val *l = eval_node(e, n->lhs, input, env);
        r = v_truthy(l) ? l : eval_node(e, n->rhs, input, env);
        break;
    }
    case N_COALESCE: {
        val *l = eval_node(e, n->lhs, input, env);
        r = l ? l : eval_node(e, n->rhs, input, env);
        break;
    }
    case N_NEG: {
        val *v = eval_node(e, n->lhs, input, env);
        if (!v)
            r = NULL;
        else if (is_num(v))
            r = v_num(e, -v->u.n);
        else
            ev_fail(e, "D1002", n->pos, "Cannot negate a non-numeric value");
        break;
    }
    case N_ARRAY: {
        r = v_arr(e, n->consarray ? A_CONS : 0);
        for (int i = 0; i < n->nitems; i++) {
            const struct node *it = n->items[i];
            val *v = eval_node(e, it, input, env);
            if (!v)
                continue;
            if (it->type == N_ARRAY) {
                arr_push(e, r, v);
            } else if (is_arr(v)) {
                for (uint32_t k = 0; k < v->u.a.len; k++)
                    arr_push(e, r, v->u.a.items[k]);
            } else {
                arr_push(e, r, v);
            }
        }
        break;
    }
    case N_OBJECT:
        r = eval_group(e, n->items, n->nitems / 2, n->pos, input, env);
        break;
    case N_CONDITION: {
        val *c = eval_node(e, n->lhs, input, env);
        if (v_truthy(c))
            r = eval_node(e, n->rhs, input, env);
        else if (n->third)
            r = eval_node(e, n->third, input, env);
        break;
    }
    case N_BLOCK: {
        struct frame *f = frame_new(e, env);
        for (int i = 0; i < n->nitems; i++)
            r = eval_node(e, n->items[i], input, f);
        break;
    }
    case N_BIND:
        r = eval_node(e, n->rhs, input, env);
        frame_bind_h(e, env, n->lhs->str, n->lhs->hash, r);
        break;
    case N_REGEX: {
        r = v_func(e, F_REGEX);
        r->u.f->re = n->re;
        break;
    }
    case N_FUNCTION:
    case N_PARTIAL:
        r = eval_call(e, n, input, env, NULL, false);
        break;
    case N_LAMBDA: {
        r = v_func(e, F_LAMBDA);
        r->u.f->node = n;
        r->u.f->env = env;
        r->u.f->input = input;
        r->u.f->sig = n->sig;
        break;
    }
    case N_APPLY:
        r = eval_apply(e, n, input, env);
        break;
    case N_TRANSFORM: {
        r = v_func(e, F_TRANSFORM);
        r->u.f->node = n;
        r->u.f->env = env;
        break;
    }
    case N_SORT:
        r = eval_sort(e, n, input, env);
        break;
    case N_PLACEHOLDER:
        break;
    default:
        ev_fail(e, "S0206", n->pos, "Unknown expression type");
    }
    for (int i = 0; i < n->npreds; i++)
        r = eval_filter(e, n->preds[i].expr, r, env);
    if (n->type != N_PATH && n->group)
        r = eval_group(e, n->group, n->ngroup / 2, n->group_pos, r, env);
    r = unwrap(r, n->keep_array);
    e->depth--;
    return r;
}
