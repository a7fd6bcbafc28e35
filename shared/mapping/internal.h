/*
 * Private declarations shared by the JSONata engine's files: the value type, the syntax tree and
 * the evaluator state (allocation is util/arena.h). Nothing here is part of the public API (see
 * mapping.h).
 *
 * Error handling inside the engine: a failure records its code, message and position in the current
 * evaluation (or compilation) and longjmps back to the entry point. Every byte an evaluation
 * touches lives in its arena, so unwinding needs no cleanup beyond releasing the arena.
 */
#ifndef SOLDER_MAPPING_INTERNAL_H
#define SOLDER_MAPPING_INTERNAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapping/mapping.h"
#include "regex/regex.h"
#include "util/arena.h"
#include "util/utf8.h"

/* ---- values --------------------------------------------------------------------------------- */

enum vtype { T_NULL = 1, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_FUNC, T_TUPLE };

/* Array flags: JSONata distinguishes result sequences from arrays the data or expression built. */
#define A_SEQ    1  /* a sequence: unwrapped when it holds one item, dropped when empty */
#define A_KEEP   2  /* keep a singleton sequence as an array ([] on a path step) */
#define A_CONS   4  /* built by an array constructor: not flattened by path steps */
#define A_OUTER  8  /* the outer wrapper put around an input array */
#define A_TUPLES 16 /* a stream of tuples (focus/index/ancestor bindings) */

typedef struct val val;

struct objent {
    const char *key;
    uint32_t klen;
    uint32_t hash;
    val *v;
    const cJSON *src; /* input member not converted yet (v is then NULL); see ent_val */
};

struct obj {
    struct objent *e;
    uint32_t len, cap;
    int32_t *index; /* open-addressing hash of entry numbers, built once len passes a threshold */
    uint32_t index_cap;
    /* An object converted from input JSON lazily: its members are read from src on first use,
     * into arena (the evaluation's). Only what an expression touches is ever converted. */
    const cJSON *src;
    struct arena *arena;
};

void obj_materialize(struct obj *o);

struct binding {
    const char *name;
    uint32_t hash;
    val *v;
};

/* A tuple in a tuple stream: the focus ('@') plus named bindings. */
struct tuple {
    val *focus;
    struct binding *b;
    int n;
};

enum fkind { F_LAMBDA, F_BUILTIN, F_PARTIAL, F_TRANSFORM, F_REGEX, F_HOST, F_CHAIN };

struct node;
struct frame;
struct builtin;
struct sig;
struct regex;

struct func {
    enum fkind kind;
    int arity;
    const struct sig *sig;
    const struct node *node;  /* lambda, transform, or thunk call node */
    struct frame *env;        /* closure environment */
    val *input;               /* closure input */
    const struct builtin *bi; /* builtin */
    val *target;              /* partial: function applied */
    val **bound;              /* partial: arguments, NULL for each placeholder */
    int nbound;
    const struct regex *re; /* regex literal */
    const struct mapping_host_fn *host;
    val **thunk_args; /* thunk: evaluated args for a tail call */
    int thunk_nargs;
};

struct val {
    uint8_t t;
    uint8_t flags;
    union {
        bool b;
        double n;
        struct {
            const char *p;
            uint32_t len;
        } s;
        struct {
            val **items;
            uint32_t len, cap;
        } a;
        struct obj *o_; /* read through obj_of() */
        struct func *f;
        struct tuple *tu;
    } u;
};

struct ev;

extern val V_NULL_, V_TRUE_, V_FALSE_, V_PLACEHOLDER_;
#define V_PLACEHOLDER (&V_PLACEHOLDER_)
#define V_NULL        (&V_NULL_)
#define V_TRUE        (&V_TRUE_)
#define V_FALSE       (&V_FALSE_)

val *v_num(struct ev *e, double n);
val *v_bool(bool b);
val *v_str(struct ev *e, const char *p, size_t len);
val *v_cstr(struct ev *e, const char *s);
val *v_arr(struct ev *e, uint8_t flags);
val *v_seq(struct ev *e);
void arr_push(struct ev *e, val *arr, val *item);
val *v_obj(struct ev *e);
val *obj_get(const val *o, const char *k, size_t klen);
val *obj_get_hashed(const val *o, const char *k, size_t klen, uint32_t hash);
void obj_set(struct ev *e, val *o, const char *k, size_t klen, val *v);
void obj_del(val *o, const char *k, size_t klen);
val *v_func(struct ev *e, enum fkind kind);
uint32_t str_hash(const char *s, size_t n);

static inline struct obj *obj_of(const val *v)
{
    struct obj *o = v->u.o_;
    if (o->src)
        obj_materialize(o);
    return o;
}

val *lazy_from_json(struct arena *a, const cJSON *j);

/* The value of entry i, converting a lazily-read input member on first use. */
static inline val *ent_val(struct obj *o, uint32_t i)
{
    struct objent *en = &o->e[i];
    if (en->src) {
        en->v = lazy_from_json(o->arena, en->src);
        en->src = NULL;
    }
    return en->v;
}

static inline bool is_arr(const val *v)
{
    return v && v->t == T_ARR;
}
static inline bool is_num(const val *v)
{
    return v && v->t == T_NUM;
}
static inline bool is_str(const val *v)
{
    return v && v->t == T_STR;
}
static inline bool is_fn(const val *v)
{
    return v && v->t == T_FUNC;
}
static inline bool is_obj(const val *v)
{
    return v && v->t == T_OBJ;
}

bool v_equal(const val *a, const val *b);
bool v_truthy(const val *v);                         /* JSONata $boolean; undefined gives false */
val *v_from_json(struct ev *e, const cJSON *j);      /* lazily converted; strings borrowed */
val *v_from_json_copy(struct ev *e, const cJSON *j); /* strings copied */
cJSON *v_to_json(const val *v);
val *v_clone(struct ev *e, const val *v);
/* Appends the JSON text of v (JSONata $string rules: numbers to 15 significant digits, functions
 * as ""); indent 0 = compact. Fails with D1001 on a non-finite number. */
/* A string builder whose storage lives in the evaluation arena (safe to abandon on failure). */
struct sb {
    struct ev *e;
    char *p;
    size_t len, cap;
};
void sb_put(struct sb *b, const char *s, size_t n);
void sb_puts(struct sb *b, const char *s);
void sb_putc(struct sb *b, char c);
val *sb_val(struct sb *b); /* the built string as a value */
void v_stringify(struct ev *e, struct sb *b, const val *v, int indent, bool round15);
/* $string(v): NULL for undefined. */
val *v_string(struct ev *e, const val *v);
const char *v_typename(const val *v);
val *seq_of(struct ev *e, val *v); /* wrap a non-array in a sequence */
val *append_vals(struct ev *e, val *a, val *b);
val *flatten_into(struct ev *e, val *out, val *v);

/* ---- syntax tree ---------------------------------------------------------------------------- */

enum ntype {
    N_NUM,
    N_STR,
    N_VALUE,
    N_REGEX,
    N_NAME,
    N_VAR,
    N_WILDCARD,
    N_DESCENDANT,
    N_PARENT,
    N_PATH,
    N_BINARY,
    N_NEG,
    N_ARRAY,
    N_OBJECT,
    N_CONDITION,
    N_BLOCK,
    N_BIND,
    N_FUNCTION,
    N_PARTIAL,
    N_LAMBDA,
    N_APPLY,
    N_TRANSFORM,
    N_SORT,
    N_PLACEHOLDER,
    N_ELVIS,
    N_COALESCE,
    N_AND,
    N_OR,
    /* raw parse nodes, rewritten by the parser's second pass */
    R_DOT,
    R_PRED,
    R_GROUP,
    R_FOCUS,
    R_INDEX,
    R_SORT
};

enum binop {
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_CONCAT,
    OP_IN,
    OP_RANGE
};

struct stage {
    int is_index; /* 0: filter predicate expr; 1: index binding name */
    struct node *expr;
    const char *name;
};

struct slot {
    const char *label;
    int level;
    int index;
};

struct sortterm {
    struct node *expr;
    bool descending;
};

struct node {
    enum ntype type;
    int pos;
    /* literal */
    val *lit;
    /* names, variables, operators */
    const char *str;
    uint32_t slen;
    uint32_t hash;
    enum binop op;
    /* children */
    struct node *lhs, *rhs, *third; /* binary / condition (lhs ? rhs : third) / transform */
    struct node **items;            /* path steps, array items, block exprs, args, object pairs */
    int nitems;
    /* path */
    bool keep_singleton;
    bool tuple;
    /* step annotations */
    bool keep_array;
    bool consarray;
    struct stage *stages; /* path step: filters and index bindings applied to the step result */
    int nstages;
    struct stage *preds; /* any other node: filters applied to its value */
    int npreds;
    struct node **group; /* group-by object: pairs (key, value) flattened */
    int ngroup;
    int group_pos;
    const char *focus;
    const char *index;
    struct slot *ancestor;
    struct slot **seeking;
    int nseeking;
    struct slot *slot; /* parent */
    /* lambda */
    const char **params;
    int nparams;
    const struct sig *sig;
    bool thunk;    /* lambda whose body is a tail call */
    bool tailcall; /* function call in tail position */
    /* sort */
    struct sortterm *terms;
    int nterms;
    /* regex */
    const struct regex *re;
    /* builtin resolved at compile time for $name( ) */
    const struct builtin *bi;
};

/* ---- compile and evaluation state ----------------------------------------------------------- */

struct mapping_expr {
    struct arena arena;
    struct node *root;
    char *source;
};

struct frame {
    struct frame *parent;
    struct binding *b;
    int n, cap;
};

struct ev {
    struct arena arena;
    jmp_buf jmp;
    struct mapping_error *err;
    val *root;
    int depth, max_depth;
    uint64_t steps, max_steps;
    int64_t deadline_ms;
    int64_t now_ms; /* $now and $millis read one clock value per evaluation: see ev_now */
    bool now_set;
    const struct mapping_bindings *bindings;
    struct frame *global;
};

_Noreturn void ev_fail(struct ev *e, const char *code, int pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The evaluation's timestamp, read from the clock on first use. */
int64_t ev_now(struct ev *e);

/* Evaluator entry points used by builtins. */
val *eval_node(struct ev *e, const struct node *n, val *input, struct frame *env);
val *apply_fn(struct ev *e, val *fn, val **args, int nargs, val *input, int pos);
int fn_arity(const val *fn);
struct frame *frame_new(struct ev *e, struct frame *parent);
void frame_bind(struct ev *e, struct frame *f, const char *name, val *v);
val *frame_lookup(struct frame *f, const char *name, uint32_t hash);

/* ---- builtins ------------------------------------------------------------------------------- */

typedef val *(*builtin_fn)(struct ev *e, val **args, int nargs, val *input, int pos);

struct builtin {
    const char *name;
    const char *signature;
    builtin_fn fn;
};

const struct builtin *builtin_find(const char *name, size_t len);
val *builtin_val(const struct builtin *bi); /* the shared immutable function value */
void builtins_init(void);

/* Each builtins_*.c file exports its table. */
extern const struct builtin builtins_string[];
extern const struct builtin builtins_numeric[];
extern const struct builtin builtins_array[];
extern const struct builtin builtins_object[];
extern const struct builtin builtins_hof[];
extern const struct builtin builtins_datetime[];
extern const struct builtin builtins_format[];
extern const struct builtin builtins_misc[];

/* ---- signatures ----------------------------------------------------------------------------- */

/* Parses a signature like "<s-nn?:s>" into compile arena a; NULL on a malformed signature. */
const struct sig *sig_parse(struct arena *a, const char *text, size_t len, const char **code);
/* Validates and coerces args against sig; may insert the context. Returns the new arg count. */
int sig_validate(struct ev *e, const struct sig *s, val **args, int nargs, val ***out, val *input,
                 int pos);
int sig_arity(const struct sig *s);

/* ---- regex (shared/regex) ------------------------------------------------------------------ */

/* JSONata's regex literals: at most this many groups, as its match objects carry them. */
#define MAPPING_REGEX_MAX_GROUPS 31

struct regex_match {
    int start, end; /* byte offsets */
    int ngroups;
    int gstart[MAPPING_REGEX_MAX_GROUPS + 1], gend[MAPPING_REGEX_MAX_GROUPS + 1];
};

/* ---- utf-8 helpers -------------------------------------------------------------------------- */

void utf8_put(struct sb *b, uint32_t cp);

/* ---- parser and lexer ----------------------------------------------------------------------- */

enum tok_type { TK_END, TK_NAME, TK_VAR, TK_STR, TK_NUM, TK_VALUE, TK_REGEX, TK_OP };

struct token {
    enum tok_type type;
    const char *op; /* interned operator text for TK_OP */
    const char *s;  /* decoded text (names, strings, regex pattern) */
    size_t len;
    double num;
    const char *flags; /* regex flags */
    int pos;           /* offset just past the token, as JSONata reports it */
};

struct lexer {
    const char *src;
    size_t len, i;
    struct arena *arena;
    struct mapping_error *err;
    jmp_buf *jmp;
};

void lexer_next(struct lexer *lx, struct token *t, bool prefix);
_Noreturn void compile_fail(struct mapping_error *err, jmp_buf *jmp, const char *code, int pos,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

struct node *parse_expression(struct arena *a, const char *src, size_t len,
                              struct mapping_error *err, jmp_buf *jmp);

/* ---- helpers shared between the builtin files ---- */

/* format.c: integer pictures of $formatInteger / $parseInteger (also used by date pictures).
 * Returns an error code or NULL; the parser returns NAN when s does not fit. */
const char *format_integer_pic(struct sb *b, double value, const char *picture, size_t plen);
double parse_integer_pic(const char *s, size_t n, const char *picture, size_t plen,
                         const char **err);
/* format.c: half-to-even rounding at a decimal place. */
double mapping_round(double x, int prec);
/* builtins_array.c: $sort's ordering (fn NULL: natural order). */
val *sort_values(struct ev *e, val *arr, val *fn, int pos);
/* datetime.c: $fromMillis. */
val *format_millis(struct ev *e, double ms, val *picture, val *tz, int pos);
/* builtins_string.c: one regex match as JSONata's match object. */
val *regex_match_value(struct ev *e, const struct regex *re, val *str, size_t from);

#endif
