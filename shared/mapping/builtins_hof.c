/*
 * Higher-order builtins ($map, $filter, $single, $reduce) and the rest that fit no other
 * family: $boolean, $not, $type, $error, $assert, $eval, $now, $millis.
 */
#include "mapping/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define A(i) (nargs > (i) ? args[i] : NULL)

/* Calls fn with (value, index, array), trimmed to the function's arity. */
static val *call_hof(struct ev *e, val *fn, val *v, uint32_t i, val *arr, int pos)
{
    val *a[3] = {v, v_num(e, i), arr};
    int ar = fn_arity(fn);
    if (ar < 1)
        ar = 1;
    if (ar > 3)
        ar = 3;
    return apply_fn(e, fn, a, ar, NULL, pos);
}

static val *f_map(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0), *fn = A(1);
    if (!a)
        return NULL;
    val *r = v_seq(e);
    for (uint32_t i = 0; i < a->u.a.len; i++) {
        val *x = call_hof(e, fn, a->u.a.items[i], i, a, pos);
        if (x)
            arr_push(e, r, x);
    }
    return r;
}

static val *f_filter(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0), *fn = A(1);
    if (!a)
        return NULL;
    val *r = v_seq(e);
    for (uint32_t i = 0; i < a->u.a.len; i++)
        if (v_truthy(call_hof(e, fn, a->u.a.items[i], i, a, pos)))
            arr_push(e, r, a->u.a.items[i]);
    return r;
}

static val *f_single(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0), *fn = A(1);
    if (!a)
        return NULL;
    val *found = NULL;
    bool have = false;
    for (uint32_t i = 0; i < a->u.a.len; i++) {
        bool ok = fn ? v_truthy(call_hof(e, fn, a->u.a.items[i], i, a, pos)) : true;
        if (!ok)
            continue;
        if (have)
            ev_fail(e, "D3138", pos,
                    "The $single() function expected exactly 1 matching result.  "
                    "Instead it matched more.");
        found = a->u.a.items[i];
        have = true;
    }
    if (!have)
        ev_fail(e, "D3139", pos,
                "The $single() function expected exactly 1 matching result.  "
                "Instead it matched 0.");
    return found;
}

static val *f_reduce(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0), *fn = A(1), *init = A(2);
    if (!a)
        return NULL;
    int ar = fn_arity(fn);
    if (ar < 2)
        ev_fail(e, "D3050", pos,
                "The second argument of reduce function must be a function with "
                "at least two arguments");
    uint32_t i = 0;
    val *acc = init;
    if (!init && a->u.a.len > 0) {
        acc = a->u.a.items[0];
        i = 1;
    }
    for (; i < a->u.a.len; i++) {
        val *cargs[4] = {acc, a->u.a.items[i], v_num(e, i), a};
        acc = apply_fn(e, fn, cargs, ar > 4 ? 4 : ar, NULL, pos);
    }
    return acc;
}

static val *f_boolean(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *v = A(0);
    if (!v)
        return NULL;
    return v_bool(v_truthy(v));
}

static val *f_not(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *v = A(0);
    if (!v)
        return NULL;
    return v_bool(!v_truthy(v));
}

static val *f_type(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *v = A(0);
    if (!v)
        return NULL;
    return v_cstr(e, v_typename(v));
}

static val *f_error(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *m = A(0);
    if (m)
        ev_fail(e, "D3137", pos, "%.*s", (int)m->u.s.len, m->u.s.p);
    ev_fail(e, "D3137", pos, "$error() function evaluated");
}

static val *f_assert(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *c = A(0), *m = A(1);
    if (!c || c->t != T_BOOL)
        ev_fail(e, "T0410", pos,
                "Argument 1 of function assert does not match function "
                "signature");
    if (!c->u.b) {
        if (m)
            ev_fail(e, "D3141", pos, "%.*s", (int)m->u.s.len, m->u.s.p);
        ev_fail(e, "D3141", pos, "$assert() statement failed");
    }
    return NULL;
}

static int eval_guarded(struct ev *e, const struct node *root, val *ctx, val **r)
{
    if (setjmp(e->jmp) != 0)
        return -1;
    *r = eval_node(e, root, ctx, e->global);
    return 0;
}

static val *f_eval(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *src = A(0);
    if (!src)
        return NULL;
    struct mapping_error perr = {{0}, {0}, -1};
    jmp_buf jb;
    struct node *volatile root = NULL;
    if (setjmp(jb) == 0)
        root = parse_expression(&e->arena, src->u.s.p, src->u.s.len, &perr, &jb);
    if (!root)
        ev_fail(e, "D3120", pos, "Syntax error in expression passed to function eval: %s",
                perr.message);
    val *ctx = nargs > 1 && args[1] ? args[1] : input;
    /* failures inside the evaluated expression surface as D3121 */
    jmp_buf saved;
    memcpy(saved, e->jmp, sizeof saved);
    int depth = e->depth;
    val *r;
    int failed = eval_guarded(e, root, ctx, &r);
    memcpy(e->jmp, saved, sizeof saved);
    if (!failed)
        return r;
    e->depth = depth;
    if (!strcmp(e->err->code, "U1001"))
        longjmp(e->jmp, 1);
    char msg[sizeof e->err->message];
    snprintf(msg, sizeof msg, "%s", e->err->message);
    ev_fail(e, "D3121", pos, "Dynamic error evaluating the expression passed to function eval: %s",
            msg);
}

static val *f_now(struct ev *e, val **args, int nargs, val *input, int pos);
static val *f_millis(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return v_num(e, (double)ev_now(e));
}

static val *f_now(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return format_millis(e, (double)ev_now(e), A(0), A(1), pos);
}

const struct builtin builtins_hof[] = {
    {"map", "<af>", f_map},           {"filter", "<af>", f_filter}, {"single", "<af?>", f_single},
    {"reduce", "<afj?:j>", f_reduce}, {NULL, NULL, NULL},
};

const struct builtin builtins_misc[] = {
    {"boolean", "<x-:b>", f_boolean}, {"not", "<x-:b>", f_not},        {"type", "<x:s>", f_type},
    {"error", "<s?:x>", f_error},     {"assert", "<bs?:x>", f_assert}, {"eval", "<sx?:x>", f_eval},
    {"now", "<s?s?:s>", f_now},       {"millis", "<:n>", f_millis},    {NULL, NULL, NULL},
};
