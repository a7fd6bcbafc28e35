/*
 * The public face of the JSONata engine (mapping.h): compilation into an immutable tree, and
 * evaluation in a fresh arena per call with limits, variable bindings and host functions. Also the
 * JSON-text entry point shared by the WASM export, the CLI and the conformance runners.
 */
#include "mapping/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "plat.h"

/* Nesting accepted in input documents and bindings: deeper than any real payload, far from the
 * stack's end in cJSON's recursive parser. */
#define MAPPING_INPUT_MAX_DEPTH 512

/* Where a compilation that runs out of memory leaves to. */
struct compile_oom {
    jmp_buf *jmp;
    struct mapping_error *err;
};

static void on_compile_oom(void *ctx)
{
    struct compile_oom *c = ctx;
    compile_fail(c->err, c->jmp, "U1002", -1, "Out of memory");
}

struct mapping_expr *mapping_compile(const char *text, size_t len, struct mapping_error *err)
{
    builtins_init();
    struct mapping_expr *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err->code, sizeof err->code, "U1002");
        snprintf(err->message, sizeof err->message, "Out of memory");
        err->position = -1;
        return NULL;
    }
    jmp_buf jb;
    memset(err, 0, sizeof *err);
    err->position = -1;
    struct compile_oom oom = {&jb, err};
    x->arena.on_limit = on_compile_oom;
    x->arena.ctx = &oom;
    if (setjmp(jb) != 0) {
        arena_free(&x->arena);
        free(x);
        return NULL;
    }
    x->source = arena_strndup(&x->arena, text, len);
    x->root = parse_expression(&x->arena, x->source, len, err, &jb);
    x->arena.on_limit = NULL;
    x->arena.ctx = NULL;
    return x;
}

void mapping_free(struct mapping_expr *expr)
{
    if (!expr)
        return;
    arena_free(&expr->arena);
    free(expr);
}

static void on_memory_limit(void *ctx)
{
    struct ev *e = ctx;
    e->arena.limit = 0; /* let the failure path itself allocate nothing more */
    ev_fail(e, "U1001", -1, "Expression evaluation exceeded its memory limit");
}

/* Prepares e for one evaluation; the caller does setjmp(e->jmp) next. */
/* One allocation per evaluation: the state plus a first arena region that small mappings never
 * outgrow. */
#define EV_INLINE_ARENA 32768

struct ev_alloc {
    struct ev e;
    _Alignas(16) unsigned char inl[EV_INLINE_ARENA];
};

static struct ev *ev_new(void)
{
    struct ev_alloc *a = malloc(sizeof *a);
    return a ? &a->e : NULL;
}

static void ev_release(struct ev *e)
{
    arena_free(&e->arena);
    free(e);
}

static void ev_setup(struct ev *e, const struct mapping_limits *limits,
                     const struct mapping_bindings *bindings, struct mapping_error *err)
{
    memset(e, 0, sizeof *e);
    e->arena.inl = ((struct ev_alloc *)e)->inl;
    e->arena.inl_cap = EV_INLINE_ARENA;
    memset(err, 0, sizeof *err);
    err->position = -1;
    e->err = err;
    e->max_depth = limits && limits->max_depth ? limits->max_depth : MAPPING_DEFAULT_MAX_DEPTH;
    e->max_steps = limits && limits->max_steps ? limits->max_steps : MAPPING_DEFAULT_MAX_STEPS;
    e->arena.limit = limits && limits->max_memory ? limits->max_memory : MAPPING_DEFAULT_MAX_MEMORY;
    e->arena.on_limit = on_memory_limit;
    e->arena.ctx = e;
    if (limits && limits->time_ms > 0)
        e->deadline_ms = ev_now(e) + limits->time_ms;
    e->bindings = bindings;
}

/* Runs the evaluation proper; on failure longjmps to e->jmp. */
static val *ev_run(struct ev *e, const struct mapping_expr *expr, const cJSON *input)
{
    val *in = v_from_json(e, input);
    if (is_arr(in)) {
        val *w = v_arr(e, A_SEQ | A_OUTER);
        arr_push(e, w, in);
        in = w;
    }
    e->root = in;
    e->global = frame_new(e, NULL);
    const struct mapping_bindings *b = e->bindings;
    if (b && b->vars && cJSON_IsObject(b->vars)) {
        for (const cJSON *c = b->vars->child; c; c = c->next)
            frame_bind(e, e->global, c->string, v_from_json(e, c));
    }
    for (int i = 0; b && i < b->nfns; i++) {
        val *f = v_func(e, F_HOST);
        f->u.f->host = &b->fns[i];
        frame_bind(e, e->global, b->fns[i].name, f);
    }
    return eval_node(e, expr->root, in, e->global);
}

/* ev_run behind its own setjmp, so callers keep no locals across a longjmp. */
static int run_guarded(struct ev *e, const struct mapping_expr *expr, const cJSON *input, val **r)
{
    if (setjmp(e->jmp) != 0)
        return -1;
    *r = ev_run(e, expr, input);
    return 0;
}

int mapping_evaluate(const struct mapping_expr *expr, const cJSON *input,
                     const struct mapping_bindings *bindings, const struct mapping_limits *limits,
                     cJSON **result, struct mapping_error *err)
{
    struct ev *e = ev_new();
    if (!e)
        return -1;
    ev_setup(e, limits, bindings, err);
    *result = NULL;
    val *r;
    int rc = run_guarded(e, expr, input, &r);
    if (rc == 0)
        *result = v_to_json(r);
    ev_release(e);
    return rc;
}

static char *take(struct sb *b);

int mapping_evaluate_text(const struct mapping_expr *expr, const cJSON *input,
                          const struct mapping_bindings *bindings,
                          const struct mapping_limits *limits, char **text,
                          struct mapping_error *err)
{
    struct ev *e = ev_new();
    *text = NULL;
    if (!e)
        return -1;
    ev_setup(e, limits, bindings, err);
    val *r;
    int rc = run_guarded(e, expr, input, &r);
    if (rc == 0 && r) {
        struct sb out = {.e = e};
        v_stringify(e, &out, r, 0, false);
        *text = take(&out);
    }
    ev_release(e);
    return rc;
}

static void put_err(struct sb *b, const struct mapping_error *err)
{
    sb_puts(b, "{\"error\":{\"code\":");
    struct ev *e = b->e;
    val code = {.t = T_STR, .u.s = {err->code, (uint32_t)strlen(err->code)}};
    val msg = {.t = T_STR, .u.s = {err->message, (uint32_t)strlen(err->message)}};
    v_stringify(e, b, &code, 0, false);
    sb_puts(b, ",\"message\":");
    v_stringify(e, b, &msg, 0, false);
    char pos[32];
    snprintf(pos, sizeof pos, ",\"position\":%d}}", err->position);
    sb_puts(b, pos);
}

static char *take(struct sb *b)
{
    char *out = malloc(b->len + 1);
    if (out) {
        memcpy(out, b->p, b->len);
        out[b->len] = 0;
    }
    return out;
}

char *mapping_eval_json(const char *expr_text, const char *input_json, const char *bindings_json,
                        const struct mapping_limits *limits)
{
    struct mapping_error err, compile_err;
    cJSON *input = NULL, *bind = NULL;
    struct mapping_expr *expr = mapping_compile(expr_text, strlen(expr_text), &compile_err);
    struct ev *e = ev_new();
    if (!e) {
        mapping_free(expr);
        return NULL;
    }
    struct mapping_bindings b = {0};
    ev_setup(e, limits, &b, &err);
    struct sb out = {.e = e};
    char *text = NULL;
    if (!expr) {
        e->arena.limit = 0;
        put_err(&out, &compile_err);
        text = take(&out);
        ev_release(e);
        return text;
    }
    if (input_json) {
        struct json_error jerr;
        input = json_parse(input_json, strlen(input_json), MAPPING_INPUT_MAX_DEPTH, &jerr);
        if (!input) {
            snprintf(err.code, sizeof err.code, "D0001");
            snprintf(err.message, sizeof err.message, "Invalid input JSON: %s", jerr.message);
            err.position = -1;
            put_err(&out, &err);
            goto done;
        }
    }
    if (bindings_json && *bindings_json) {
        bind = json_parse(bindings_json, strlen(bindings_json), MAPPING_INPUT_MAX_DEPTH, NULL);
        b.vars = bind;
    }
    val *r;
    if (run_guarded(e, expr, input, &r) != 0) {
        e->arena.limit = 0;
        out.p = NULL;
        out.len = out.cap = 0;
        put_err(&out, &err);
        goto done;
    }
    if (!r) {
        sb_puts(&out, "{\"undefined\":true}");
    } else {
        sb_puts(&out, "{\"result\":");
        v_stringify(e, &out, r, 0, false);
        sb_puts(&out, "}");
    }
done:
    text = take(&out);
    ev_release(e);
    cJSON_Delete(input);
    cJSON_Delete(bind);
    mapping_free(expr);
    return text;
}
