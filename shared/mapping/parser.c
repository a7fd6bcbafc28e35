/*
 * JSONata parser: a top-down operator-precedence (Pratt) parser producing a raw tree, then a second
 * pass that rewrites it into the evaluator's form: location paths as step lists, predicates as
 * stages, focus/index/parent bindings resolved into tuple steps, tail calls marked for the
 * trampoline. Signatures are parsed by signature.c and regex literals compiled by shared/regex.
 */
#include "mapping/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds the backtracking of one regex search (JSONata error D1005 past it). */
#define MAPPING_REGEX_STEPS 10000000L

/* Regex programs live in the expression's arena, as the rest of it does. */
static void *compile_alloc(void *ctx, size_t n)
{
    return arena_alloc(ctx, n);
}

/* Deepest nesting of the recursive descent: keeps hostile expressions off the end of the stack. */
#define PARSE_MAX_DEPTH 400

struct parser {
    struct lexer lx;
    struct token tok;
    struct arena *a;
    struct mapping_error *err;
    jmp_buf *jmp;
    int depth;
    struct node **ancestry; /* parent (%) nodes in creation order */
    int nancestry, capancestry;
    int label_seq;
};

#define FAIL(p, code, pos, ...) compile_fail((p)->err, (p)->jmp, code, pos, __VA_ARGS__)

static struct node *new_node(struct parser *p, enum ntype t, int pos)
{
    struct node *n = arena_alloc(p->a, sizeof *n);
    memset(n, 0, sizeof *n);
    n->type = t;
    n->pos = pos;
    return n;
}

static void push_item(struct parser *p, struct node ***items, int *n, struct node *it)
{
    struct node **ni = arena_alloc(p->a, (size_t)(*n + 1) * sizeof *ni);
    if (*n)
        memcpy(ni, *items, (size_t)*n * sizeof *ni);
    ni[(*n)++] = it;
    *items = ni;
}

static void push_stage(struct parser *p, struct stage **st, int *n, struct stage s)
{
    struct stage *ns = arena_alloc(p->a, (size_t)(*n + 1) * sizeof *ns);
    if (*n)
        memcpy(ns, *st, (size_t)*n * sizeof *ns);
    ns[(*n)++] = s;
    *st = ns;
}

static void push_slot(struct parser *p, struct node *n, struct slot *s)
{
    struct slot **ns = arena_alloc(p->a, (size_t)(n->nseeking + 1) * sizeof *ns);
    if (n->nseeking)
        memcpy(ns, n->seeking, (size_t)n->nseeking * sizeof *ns);
    ns[n->nseeking++] = s;
    n->seeking = ns;
}

static bool tok_is(const struct token *t, const char *op)
{
    return t->type == TK_OP && strcmp(t->op, op) == 0;
}

static const char *tok_text(const struct token *t)
{
    switch (t->type) {
    case TK_END:
        return "(end)";
    case TK_OP:
        return t->op;
    case TK_NUM:
        return "(number)";
    default:
        return t->s ? t->s : "?";
    }
}

static void advance(struct parser *p, const char *op, bool infix)
{
    if (op && !tok_is(&p->tok, op)) {
        if (p->tok.type == TK_END)
            FAIL(p, "S0203", p->tok.pos, "Expected \"%s\" before end of expression", op);
        FAIL(p, "S0202", p->tok.pos, "Expected \"%s\", got \"%s\"", op, tok_text(&p->tok));
    }
    lexer_next(&p->lx, &p->tok, !infix);
}

static int lbp(const struct token *t)
{
    static const struct {
        const char *op;
        int bp;
    } table[] = {{".", 75},  {"[", 80},  {"{", 70},  {"(", 80},  {"@", 80},   {"#", 80},
                 {"?", 20},  {"+", 50},  {"-", 50},  {"*", 60},  {"/", 60},   {"%", 60},
                 {"=", 40},  {"<", 40},  {">", 40},  {"^", 40},  {"!=", 40},  {"<=", 40},
                 {">=", 40}, {"~>", 40}, {"?:", 40}, {"??", 40}, {"and", 30}, {"or", 25},
                 {"in", 40}, {"&", 50},  {":=", 10}, {"**", 60}};
    if (t->type != TK_OP)
        return 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].op, t->op) == 0)
            return table[i].bp;
    return 0;
}

static struct node *expression(struct parser *p, int rbp);

static val *lit_val(struct parser *p, uint8_t t)
{
    val *v = arena_alloc(p->a, sizeof *v);
    memset(v, 0, sizeof *v);
    v->t = t;
    return v;
}

static void parse_pairs(struct parser *p, struct node *n)
{
    if (!tok_is(&p->tok, "}")) {
        for (;;) {
            struct node *k = expression(p, 0);
            advance(p, ":", false);
            struct node *v = expression(p, 0);
            push_item(p, &n->items, &n->nitems, k);
            push_item(p, &n->items, &n->nitems, v);
            if (!tok_is(&p->tok, ","))
                break;
            advance(p, ",", false);
        }
    }
    advance(p, "}", true);
}

static struct node *nud(struct parser *p, const struct token *t)
{
    struct node *n;
    switch (t->type) {
    case TK_END:
        FAIL(p, "S0207", t->pos, "Unexpected end of expression");
    case TK_NUM:
        n = new_node(p, N_NUM, t->pos);
        n->lit = lit_val(p, T_NUM);
        n->lit->u.n = t->num;
        return n;
    case TK_STR:
        n = new_node(p, N_STR, t->pos);
        n->lit = lit_val(p, T_STR);
        n->lit->u.s.p = t->s;
        n->lit->u.s.len = (uint32_t)t->len;
        n->str = t->s;
        n->slen = (uint32_t)t->len;
        return n;
    case TK_VALUE:
        n = new_node(p, N_VALUE, t->pos);
        n->lit = t->s[0] == 't' ? V_TRUE : t->s[0] == 'f' ? V_FALSE : V_NULL;
        return n;
    case TK_REGEX: {
        n = new_node(p, N_REGEX, t->pos);
        char msg[128] = "";
        struct regex_alloc al = {compile_alloc, p->a};
        struct regex_options opt = {
            .flags = t->flags, .max_steps = MAPPING_REGEX_STEPS, .alloc = &al};
        struct regex *re = regex_compile(t->s, t->len, &opt, msg, sizeof msg);
        if (re && regex_groups(re) > MAPPING_REGEX_MAX_GROUPS)
            FAIL(p, "S0303", t->pos, "Invalid regular expression: too many groups");
        if (!re)
            FAIL(p, "S0303", t->pos, "Invalid regular expression: %s", msg);
        n->re = re;
        return n;
    }
    case TK_NAME:
    case TK_VAR:
        n = new_node(p, t->type == TK_NAME ? N_NAME : N_VAR, t->pos);
        n->str = t->s;
        n->slen = (uint32_t)t->len;
        n->hash = str_hash(t->s, t->len);
        if (t->type == TK_VAR)
            n->bi = builtin_find(t->s, t->len);
        return n;
    case TK_OP:
        break;
    default:
        FAIL(p, "S0201", t->pos, "Syntax error");
    }
    const char *op = t->op;
    if (!strcmp(op, "and") || !strcmp(op, "or") || !strcmp(op, "in")) {
        n = new_node(p, N_NAME, t->pos);
        n->str = op;
        n->slen = (uint32_t)strlen(op);
        n->hash = str_hash(op, n->slen);
        return n;
    }
    if (!strcmp(op, "-")) {
        n = new_node(p, N_NEG, t->pos);
        n->lhs = expression(p, 70);
        return n;
    }
    if (!strcmp(op, "*"))
        return new_node(p, N_WILDCARD, t->pos);
    if (!strcmp(op, "**"))
        return new_node(p, N_DESCENDANT, t->pos);
    if (!strcmp(op, "%"))
        return new_node(p, N_PARENT, t->pos);
    if (!strcmp(op, "(")) {
        n = new_node(p, N_BLOCK, t->pos);
        while (!tok_is(&p->tok, ")")) {
            push_item(p, &n->items, &n->nitems, expression(p, 0));
            if (!tok_is(&p->tok, ";"))
                break;
            advance(p, ";", false);
        }
        advance(p, ")", true);
        return n;
    }
    if (!strcmp(op, "[")) {
        n = new_node(p, N_ARRAY, t->pos);
        if (!tok_is(&p->tok, "]")) {
            for (;;) {
                struct node *item = expression(p, 0);
                if (tok_is(&p->tok, "..")) {
                    struct node *r = new_node(p, N_BINARY, p->tok.pos);
                    r->op = OP_RANGE;
                    r->lhs = item;
                    advance(p, "..", false);
                    r->rhs = expression(p, 0);
                    item = r;
                }
                push_item(p, &n->items, &n->nitems, item);
                if (!tok_is(&p->tok, ","))
                    break;
                advance(p, ",", false);
            }
        }
        advance(p, "]", true);
        return n;
    }
    if (!strcmp(op, "{")) {
        n = new_node(p, N_OBJECT, t->pos);
        parse_pairs(p, n);
        return n;
    }
    if (!strcmp(op, "|")) {
        n = new_node(p, N_TRANSFORM, t->pos);
        n->lhs = expression(p, 0);
        advance(p, "|", false);
        n->rhs = expression(p, 0);
        if (tok_is(&p->tok, ",")) {
            advance(p, ",", false);
            n->third = expression(p, 0);
        }
        advance(p, "|", true);
        return n;
    }
    FAIL(p, "S0211", t->pos, "The symbol \"%s\" cannot be used as a unary operator", op);
}

static struct node *led(struct parser *p, const struct token *t, struct node *left)
{
    const char *op = t->op;
    static const struct {
        const char *op;
        enum binop b;
    } bins[] = {{"+", OP_ADD}, {"-", OP_SUB},    {"*", OP_MUL}, {"/", OP_DIV}, {"%", OP_MOD},
                {"=", OP_EQ},  {"!=", OP_NE},    {"<", OP_LT},  {"<=", OP_LE}, {">", OP_GT},
                {">=", OP_GE}, {"&", OP_CONCAT}, {"in", OP_IN}};
    int bp = lbp(t);
    struct node *n;
    for (size_t i = 0; i < sizeof bins / sizeof bins[0]; i++) {
        if (!strcmp(op, bins[i].op)) {
            n = new_node(p, N_BINARY, t->pos);
            n->op = bins[i].b;
            n->lhs = left;
            n->rhs = expression(p, bp);
            return n;
        }
    }
    if (!strcmp(op, ".") || !strcmp(op, "and") || !strcmp(op, "or") || !strcmp(op, "?:") ||
        !strcmp(op, "??") || !strcmp(op, "~>")) {
        enum ntype ty = op[0] == '.'        ? R_DOT
                        : op[0] == 'a'      ? N_AND
                        : op[0] == 'o'      ? N_OR
                        : !strcmp(op, "?:") ? N_ELVIS
                        : !strcmp(op, "??") ? N_COALESCE
                                            : N_APPLY;
        n = new_node(p, ty, t->pos);
        n->lhs = left;
        n->rhs = expression(p, bp);
        return n;
    }
    if (!strcmp(op, ":=")) {
        if (left->type != N_VAR)
            FAIL(p, "S0212", t->pos, "The left side of := must be a variable name (start with $)");
        n = new_node(p, N_BIND, t->pos);
        n->lhs = left;
        n->rhs = expression(p, bp - 1);
        return n;
    }
    if (!strcmp(op, "@") || !strcmp(op, "#")) {
        n = new_node(p, op[0] == '@' ? R_FOCUS : R_INDEX, t->pos);
        n->lhs = left;
        struct node *r = expression(p, bp);
        if (r->type != N_VAR)
            FAIL(p, "S0214", t->pos, "The right side of %s must be a variable name (start with $)",
                 op);
        n->str = r->str;
        return n;
    }
    if (!strcmp(op, "?")) {
        n = new_node(p, N_CONDITION, t->pos);
        n->lhs = left;
        n->rhs = expression(p, 0);
        if (tok_is(&p->tok, ":")) {
            advance(p, ":", false);
            n->third = expression(p, 0);
        }
        return n;
    }
    if (!strcmp(op, "(")) {
        n = new_node(p, N_FUNCTION, t->pos);
        n->lhs = left;
        if (!tok_is(&p->tok, ")")) {
            for (;;) {
                if (tok_is(&p->tok, "?")) {
                    n->type = N_PARTIAL;
                    push_item(p, &n->items, &n->nitems, new_node(p, N_PLACEHOLDER, p->tok.pos));
                    advance(p, "?", false);
                } else {
                    push_item(p, &n->items, &n->nitems, expression(p, 0));
                }
                if (!tok_is(&p->tok, ","))
                    break;
                advance(p, ",", false);
            }
        }
        advance(p, ")", true);
        if (left->type == N_NAME && ((left->slen == 8 && !memcmp(left->str, "function", 8)) ||
                                     (left->slen == 2 && !memcmp(left->str, "\xce\xbb", 2)))) {
            n->type = N_LAMBDA;
            n->params = arena_alloc(p->a, (size_t)(n->nitems + 1) * sizeof(char *));
            n->nparams = n->nitems;
            for (int i = 0; i < n->nitems; i++) {
                if (n->items[i]->type != N_VAR)
                    FAIL(p, "S0208", n->items[i]->pos,
                         "Parameter %d of function definition must be a variable name (start "
                         "with $)",
                         i + 1);
                n->params[i] = n->items[i]->str;
            }
            n->items = NULL;
            n->nitems = 0;
            if (tok_is(&p->tok, "<")) {
                /* the signature is raw text up to the matching '>' */
                size_t start = p->lx.i - 1;
                size_t i = p->lx.i;
                int depth = 1;
                while (i < p->lx.len && depth > 0) {
                    if (p->lx.src[i] == '<')
                        depth++;
                    else if (p->lx.src[i] == '>')
                        depth--;
                    else if (p->lx.src[i] == '{')
                        break;
                    i++;
                }
                if (depth)
                    FAIL(p, "S0401", (int)start, "Malformed function signature");
                const char *code;
                n->sig = sig_parse(p->a, p->lx.src + start, i - start, &code);
                if (!n->sig)
                    FAIL(p, code, (int)start, "Malformed function signature");
                p->lx.i = i;
                lexer_next(&p->lx, &p->tok, true);
            }
            advance(p, "{", false);
            n->lhs = expression(p, 0);
            advance(p, "}", true);
        }
        return n;
    }
    if (!strcmp(op, "[")) {
        if (tok_is(&p->tok, "]")) {
            struct node *step = left;
            while (step && step->type == R_PRED)
                step = step->lhs;
            step->keep_array = true;
            advance(p, "]", true);
            return left;
        }
        n = new_node(p, R_PRED, t->pos);
        n->lhs = left;
        n->rhs = expression(p, 0);
        advance(p, "]", true);
        return n;
    }
    if (!strcmp(op, "{")) {
        n = new_node(p, R_GROUP, t->pos);
        n->lhs = left;
        parse_pairs(p, n);
        return n;
    }
    if (!strcmp(op, "^")) {
        n = new_node(p, R_SORT, t->pos);
        n->lhs = left;
        advance(p, "(", false);
        for (;;) {
            bool desc = false;
            if (tok_is(&p->tok, "<")) {
                advance(p, "<", false);
            } else if (tok_is(&p->tok, ">")) {
                desc = true;
                advance(p, ">", false);
            }
            struct sortterm *nt = arena_alloc(p->a, (size_t)(n->nterms + 1) * sizeof *nt);
            if (n->nterms)
                memcpy(nt, n->terms, (size_t)n->nterms * sizeof *nt);
            nt[n->nterms].expr = expression(p, 0);
            nt[n->nterms].descending = desc;
            n->terms = nt;
            n->nterms++;
            if (!tok_is(&p->tok, ","))
                break;
            advance(p, ",", false);
        }
        advance(p, ")", true);
        return n;
    }
    FAIL(p, "S0201", t->pos, "Syntax error: \"%s\"", op);
}

static struct node *expression(struct parser *p, int rbp)
{
    if (++p->depth > PARSE_MAX_DEPTH)
        FAIL(p, "S0200", p->tok.pos, "Expression nested too deeply");
    struct token t = p->tok;
    advance(p, NULL, true);
    struct node *left = nud(p, &t);
    while (rbp < lbp(&p->tok)) {
        t = p->tok;
        advance(p, NULL, false);
        left = led(p, &t, left);
    }
    p->depth--;
    return left;
}

/* ---- second pass ---------------------------------------------------------------------------- */

static struct node *process(struct parser *p, struct node *r);

/* Appends v's unresolved parent slots to res's, in one allocation (chains of operators over
 * many % would otherwise copy quadratically often). */
static void push_ancestry(struct parser *p, struct node *res, struct node *v)
{
    if (!v)
        return;
    int add = v->nseeking + (v->type == N_PARENT ? 1 : 0);
    if (add == 0)
        return;
    struct slot **ns = arena_alloc(p->a, (size_t)(res->nseeking + add) * sizeof *ns);
    if (res->nseeking)
        memcpy(ns, res->seeking, (size_t)res->nseeking * sizeof *ns);
    if (v->nseeking)
        memcpy(ns + res->nseeking, v->seeking, (size_t)v->nseeking * sizeof *ns);
    if (v->type == N_PARENT)
        ns[res->nseeking + v->nseeking] = v->slot;
    res->seeking = ns;
    res->nseeking += add;
}

static struct slot *seek_parent(struct parser *p, struct node *n, struct slot *slot)
{
    switch (n->type) {
    case N_NAME:
    case N_WILDCARD:
        slot->level--;
        if (slot->level == 0) {
            if (n->ancestor)
                slot->label = n->ancestor->label;
            n->ancestor = slot;
            n->tuple = true;
        }
        break;
    case N_PARENT:
        slot->level++;
        break;
    case N_BLOCK:
        if (n->nitems > 0) {
            n->tuple = true;
            slot = seek_parent(p, n->items[n->nitems - 1], slot);
        }
        break;
    case N_PATH: {
        n->tuple = true;
        int i = n->nitems - 1;
        slot = seek_parent(p, n->items[i--], slot);
        while (slot->level > 0 && i >= 0)
            slot = seek_parent(p, n->items[i--], slot);
        break;
    }
    default:
        FAIL(p, "S0217", n->pos,
             "The object representing the 'parent' cannot be derived from this "
             "expression");
    }
    return slot;
}

static void resolve_ancestry(struct parser *p, struct node *path)
{
    struct node *last = path->items[path->nitems - 1];
    int nslots = last->nseeking + (last->type == N_PARENT ? 1 : 0);
    for (int is = 0; is < nslots; is++) {
        struct slot *slot = is < last->nseeking ? last->seeking[is] : last->slot;
        int i = path->nitems - 2;
        while (slot->level > 0) {
            if (i < 0) {
                push_slot(p, path, slot);
                break;
            }
            struct node *step = path->items[i--];
            while (i >= 0 && step->focus && path->items[i]->focus)
                step = path->items[i--];
            slot = seek_parent(p, step, slot);
        }
    }
}

static struct node *as_path(struct parser *p, struct node *n)
{
    if (n->type == N_PATH)
        return n;
    struct node *path = new_node(p, N_PATH, n->pos);
    push_item(p, &path->items, &path->nitems, n);
    return path;
}

static struct node *tail_call(struct node *n, struct parser *p)
{
    if (n->type == N_FUNCTION && n->npreds == 0) {
        struct node *th = new_node(p, N_LAMBDA, n->pos);
        th->thunk = true;
        th->lhs = n;
        return th;
    }
    if (n->type == N_CONDITION) {
        n->rhs = tail_call(n->rhs, p);
        if (n->third)
            n->third = tail_call(n->third, p);
    } else if (n->type == N_BLOCK && n->nitems > 0) {
        n->items[n->nitems - 1] = tail_call(n->items[n->nitems - 1], p);
    }
    return n;
}

static struct node *process_dot(struct parser *p, struct node *r)
{
    struct node *l = process(p, r->lhs);
    struct node *res = l->type == N_PATH ? l : as_path(p, l);
    if (l->type == N_PARENT)
        push_slot(p, res, l->slot);
    struct node *rest = process(p, r->rhs);
    if (rest->type == N_PATH) {
        for (int i = 0; i < rest->nitems; i++)
            push_item(p, &res->items, &res->nitems, rest->items[i]);
    } else {
        if (rest->npreds) {
            rest->stages = rest->preds;
            rest->nstages = rest->npreds;
            rest->preds = NULL;
            rest->npreds = 0;
        }
        push_item(p, &res->items, &res->nitems, rest);
    }
    for (int i = 0; i < res->nitems; i++) {
        struct node *s = res->items[i];
        if (s->type == N_NUM || s->type == N_VALUE)
            FAIL(p, "S0213", s->pos,
                 "The literal value cannot be used as a step within a path "
                 "expression");
        if (s->type == N_STR) {
            s->type = N_NAME;
            s->hash = str_hash(s->str, s->slen);
        }
        if (s->keep_array)
            res->keep_singleton = true;
    }
    if (res->items[0]->type == N_ARRAY)
        res->items[0]->consarray = true;
    if (res->items[res->nitems - 1]->type == N_ARRAY)
        res->items[res->nitems - 1]->consarray = true;
    resolve_ancestry(p, res);
    return res;
}

static struct node *process(struct parser *p, struct node *r)
{
    if (!r)
        return NULL;
    struct node *res = r;
    switch ((int)r->type) {
    case R_DOT:
        res = process_dot(p, r);
        break;
    case R_PRED: {
        res = process(p, r->lhs);
        struct node *step = res;
        bool stages = false;
        if (res->type == N_PATH) {
            step = res->items[res->nitems - 1];
            stages = true;
        }
        if (step->group)
            FAIL(p, "S0209", r->pos, "A predicate cannot follow a grouping expression in a step");
        struct node *pred = process(p, r->rhs);
        if (pred->nseeking) {
            for (int i = 0; i < pred->nseeking; i++) {
                struct slot *slot = pred->seeking[i];
                if (slot->level == 1)
                    seek_parent(p, step, slot);
                else
                    slot->level--;
            }
            push_ancestry(p, step, pred);
        }
        struct stage st = {.expr = pred};
        if (stages)
            push_stage(p, &step->stages, &step->nstages, st);
        else
            push_stage(p, &step->preds, &step->npreds, st);
        break;
    }
    case R_GROUP: {
        res = process(p, r->lhs);
        if (res->group)
            FAIL(p, "S0210", r->pos, "Each step can only have one grouping expression");
        res->group = arena_alloc(p->a, (size_t)r->nitems * sizeof(struct node *) + 1);
        res->ngroup = r->nitems;
        res->group_pos = r->pos;
        for (int i = 0; i < r->nitems; i++)
            res->group[i] = process(p, r->items[i]);
        break;
    }
    case R_FOCUS: {
        res = process(p, r->lhs);
        struct node *step = res;
        if (res->type == N_PATH)
            step = res->items[res->nitems - 1];
        if (step->nstages || step->npreds)
            FAIL(p, "S0215", r->pos,
                 "A context variable binding must precede any predicates on "
                 "a step");
        if (step->type == N_SORT)
            FAIL(p, "S0216", r->pos,
                 "A context variable binding must precede the 'order-by' "
                 "clause on a step");
        if (r->keep_array)
            step->keep_array = true;
        step->focus = r->str;
        step->tuple = true;
        break;
    }
    case R_INDEX: {
        res = process(p, r->lhs);
        struct node *step = res;
        if (res->type == N_PATH) {
            step = res->items[res->nitems - 1];
        } else {
            res = as_path(p, res);
            if (step->npreds) {
                step->stages = step->preds;
                step->nstages = step->npreds;
                step->preds = NULL;
                step->npreds = 0;
            }
        }
        if (!step->nstages) {
            step->index = r->str;
        } else {
            struct stage st = {.is_index = 1, .name = r->str};
            push_stage(p, &step->stages, &step->nstages, st);
        }
        step->tuple = true;
        break;
    }
    case R_SORT: {
        res = as_path(p, process(p, r->lhs));
        struct node *s = new_node(p, N_SORT, r->pos);
        s->terms = r->terms;
        s->nterms = r->nterms;
        for (int i = 0; i < s->nterms; i++) {
            s->terms[i].expr = process(p, r->terms[i].expr);
            push_ancestry(p, s, s->terms[i].expr);
        }
        push_item(p, &res->items, &res->nitems, s);
        resolve_ancestry(p, res);
        break;
    }
    case N_NEG:
        res->lhs = process(p, r->lhs);
        if (res->lhs->type == N_NUM) {
            struct node *num = res->lhs;
            val *v = arena_alloc(p->a, sizeof *v);
            *v = *num->lit;
            v->u.n = -v->u.n;
            num->lit = v;
            res = num;
        } else {
            push_ancestry(p, res, res->lhs);
        }
        break;
    case N_ARRAY:
    case N_OBJECT:
    case N_BLOCK:
        for (int i = 0; i < r->nitems; i++) {
            r->items[i] = process(p, r->items[i]);
            push_ancestry(p, r, r->items[i]);
        }
        break;
    case N_BINARY:
    case N_AND:
    case N_OR:
    case N_ELVIS:
    case N_COALESCE:
        r->lhs = process(p, r->lhs);
        r->rhs = process(p, r->rhs);
        push_ancestry(p, r, r->lhs);
        push_ancestry(p, r, r->rhs);
        break;
    case N_APPLY:
        r->lhs = process(p, r->lhs);
        r->rhs = process(p, r->rhs);
        r->keep_array = r->lhs->keep_array || r->rhs->keep_array;
        push_ancestry(p, r, r->lhs);
        push_ancestry(p, r, r->rhs);
        break;
    case N_BIND:
        r->rhs = process(p, r->rhs);
        push_ancestry(p, r, r->rhs);
        break;
    case N_CONDITION:
        r->lhs = process(p, r->lhs);
        r->rhs = process(p, r->rhs);
        r->third = process(p, r->third);
        push_ancestry(p, r, r->lhs);
        push_ancestry(p, r, r->rhs);
        push_ancestry(p, r, r->third);
        break;
    case N_FUNCTION:
    case N_PARTIAL:
        r->lhs = process(p, r->lhs);
        for (int i = 0; i < r->nitems; i++) {
            r->items[i] = process(p, r->items[i]);
            push_ancestry(p, r, r->items[i]);
        }
        if (r->lhs->type == N_VAR)
            r->bi = builtin_find(r->lhs->str, r->lhs->slen);
        break;
    case N_LAMBDA:
        r->lhs = tail_call(process(p, r->lhs), p);
        break;
    case N_TRANSFORM:
        r->lhs = process(p, r->lhs);
        r->rhs = process(p, r->rhs);
        r->third = process(p, r->third);
        break;
    case N_NAME: {
        struct node *path = as_path(p, r);
        if (r->keep_array)
            path->keep_singleton = true;
        res = path;
        break;
    }
    case N_PARENT: {
        struct slot *s = arena_alloc(p->a, sizeof *s);
        char lbl[16];
        int len = snprintf(lbl, sizeof lbl, "!%d", p->label_seq++);
        s->label = arena_strndup(p->a, lbl, (size_t)len);
        s->level = 1;
        s->index = p->nancestry;
        r->slot = s;
        if (p->nancestry == p->capancestry) {
            int cap = p->capancestry ? p->capancestry * 2 : 8;
            struct node **na = arena_alloc(p->a, (size_t)cap * sizeof *na);
            if (p->nancestry)
                memcpy(na, p->ancestry, (size_t)p->nancestry * sizeof *na);
            p->ancestry = na;
            p->capancestry = cap;
        }
        p->ancestry[p->nancestry++] = r;
        break;
    }
    default:
        break;
    }
    if (r->keep_array && res != r)
        res->keep_array = true;
    return res;
}

struct node *parse_expression(struct arena *a, const char *src, size_t len,
                              struct mapping_error *err, jmp_buf *jmp)
{
    struct parser p;
    memset(&p, 0, sizeof p);
    p.a = a;
    p.err = err;
    p.jmp = jmp;
    p.lx.src = src;
    p.lx.len = len;
    p.lx.arena = a;
    p.lx.err = err;
    p.lx.jmp = jmp;
    lexer_next(&p.lx, &p.tok, true);
    struct node *raw = expression(&p, 0);
    if (p.tok.type != TK_END)
        FAIL(&p, "S0201", p.tok.pos, "Syntax error: \"%s\"", tok_text(&p.tok));
    struct node *root = process(&p, raw);
    if (root->type == N_PARENT || root->nseeking)
        FAIL(&p, "S0217", root->pos,
             "The object representing the 'parent' cannot be derived from this expression");
    return root;
}
