/*
 * A small backtracking regular-expression engine for JSONata's regex literals, which follow
 * JavaScript syntax: literals, '.', classes with ranges and \d \w \s, anchors, \b, groups
 * (capturing, (?:…), lookahead (?=…) (?!…)), alternation, greedy and lazy quantifiers including
 * {n,m}, backreferences, and the i and m flags. Patterns compile to code for a recursive
 * backtracking machine working on UTF-8 code points. It has no lookbehind, named groups or
 * Unicode property classes. A step budget and a recursion bound stop catastrophic patterns.
 */
#include "mapping/internal.h"
#include "util/hex.h"

#include <stdlib.h>
#include <string.h>

/* Bounds that keep a hostile pattern from hanging or overflowing the C stack. */
#define RE_MAX_STEPS     10000000
#define RE_MAX_RECURSION 200        /* nested lookaheads */
#define RE_MAX_BACKTRACK (1u << 22) /* saved backtrack points */
#define RE_MAX_CODE      20000
#define RE_MAX_GROUPS    32
#define RE_MAX_LOOPS     64 /* unbounded loops given an empty-iteration check */

enum op {
    O_CHAR,
    O_ANY,
    O_CLASS,
    O_SPLIT,
    O_JMP,
    O_SAVE,
    O_MATCH,
    O_BOL,
    O_EOL,
    O_WORDB,
    O_NWORDB,
    O_LOOK,
    O_NLOOK,
    O_BACKREF,
    O_PROGRESS
};

struct inst {
    uint8_t op;
    int32_t x, y; /* relative jump targets / lookahead length / group number */
    uint32_t ch;
    int cls;
};

struct range {
    uint32_t lo, hi;
};

struct cls {
    struct range *r;
    int n;
    bool neg;
    bool d, D, w, W, s, S; /* shorthand classes inside the brackets */
};

struct regex {
    struct inst *code;
    int ncode;
    struct cls *cls;
    int ncls;
    int ngroups;
    bool icase, multiline;
};

struct rcomp {
    struct arena *a;
    const char *p;
    size_t len, i;
    struct inst *code;
    int n, cap;
    struct cls *cls;
    int ncls, capcls;
    int ngroups;
    int nloops;
    const char *err;
};

static int emit(struct rcomp *c, struct inst in)
{
    if (c->n >= RE_MAX_CODE) {
        c->err = "pattern too large";
        return c->n;
    }
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 32;
        struct inst *nc = arena_alloc(c->a, (size_t)cap * sizeof *nc);
        if (c->n)
            memcpy(nc, c->code, (size_t)c->n * sizeof *nc);
        c->code = nc;
        c->cap = cap;
    }
    c->code[c->n] = in;
    return c->n++;
}

/* Inserts k instructions at position at (jumps are relative, so blocks move freely). */
static void insert_at(struct rcomp *c, int at, const struct inst *ins, int k)
{
    for (int j = 0; j < k; j++)
        emit(c, (struct inst){0});
    if (c->err)
        return;
    memmove(&c->code[at + k], &c->code[at], (size_t)(c->n - k - at) * sizeof(struct inst));
    memcpy(&c->code[at], ins, (size_t)k * sizeof(struct inst));
}

static uint32_t next_cp(struct rcomp *c)
{
    return (uint32_t)utf8_decode(c->p, c->len, &c->i);
}

/* Parses an escape after '\'; returns the code point, or sets *shorthand to d/D/w/W/s/S/b/B or a
 * backreference digit. */
static uint32_t parse_escape(struct rcomp *c, char *shorthand)
{
    *shorthand = 0;
    if (c->i >= c->len) {
        c->err = "\\ at end of pattern";
        return 0;
    }
    char e = c->p[c->i];
    switch (e) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S':
    case 'b':
    case 'B':
        c->i++;
        *shorthand = e;
        return 0;
    case 'n':
        c->i++;
        return '\n';
    case 't':
        c->i++;
        return '\t';
    case 'r':
        c->i++;
        return '\r';
    case 'f':
        c->i++;
        return '\f';
    case 'v':
        c->i++;
        return '\v';
    case '0':
        c->i++;
        return 0;
    case 'x':
        if (c->i + 2 < c->len + 1 && hex_digit(c->p[c->i + 1]) >= 0 &&
            hex_digit(c->p[c->i + 2]) >= 0) {
            uint32_t v = (uint32_t)(hex_digit(c->p[c->i + 1]) * 16 + hex_digit(c->p[c->i + 2]));
            c->i += 3;
            return v;
        }
        c->i++;
        return 'x';
    case 'u':
        if (c->i + 4 < c->len + 1) {
            uint32_t v = 0;
            int k;
            for (k = 1; k <= 4; k++) {
                int h = hex_digit(c->p[c->i + (size_t)k]);
                if (h < 0)
                    break;
                v = v * 16 + (uint32_t)h;
            }
            if (k == 5) {
                c->i += 5;
                return v;
            }
        }
        c->i++;
        return 'u';
    default:
        if (e >= '1' && e <= '9') {
            c->i++;
            *shorthand = e;
            return 0;
        }
        return next_cp(c);
    }
}

static void cls_add(struct rcomp *c, struct cls *k, uint32_t lo, uint32_t hi)
{
    struct range *nr = arena_alloc(c->a, (size_t)(k->n + 1) * sizeof *nr);
    if (k->n)
        memcpy(nr, k->r, (size_t)k->n * sizeof *nr);
    nr[k->n].lo = lo;
    nr[k->n].hi = hi;
    k->r = nr;
    k->n++;
}

static void set_shorthand(struct cls *k, char sh)
{
    switch (sh) {
    case 'd':
        k->d = true;
        break;
    case 'D':
        k->D = true;
        break;
    case 'w':
        k->w = true;
        break;
    case 'W':
        k->W = true;
        break;
    case 's':
        k->s = true;
        break;
    case 'S':
        k->S = true;
        break;
    }
}

static int new_cls(struct rcomp *c)
{
    if (c->ncls == c->capcls) {
        int cap = c->capcls ? c->capcls * 2 : 8;
        struct cls *nc = arena_alloc(c->a, (size_t)cap * sizeof *nc);
        if (c->ncls)
            memcpy(nc, c->cls, (size_t)c->ncls * sizeof *nc);
        c->cls = nc;
        c->capcls = cap;
    }
    memset(&c->cls[c->ncls], 0, sizeof(struct cls));
    return c->ncls++;
}

static void parse_class(struct rcomp *c)
{
    int idx = new_cls(c);
    struct cls *k = &c->cls[idx];
    if (c->i < c->len && c->p[c->i] == '^') {
        k->neg = true;
        c->i++;
    }
    bool first = true;
    while (c->i < c->len && (c->p[c->i] != ']' || (first && false))) {
        first = false;
        uint32_t lo;
        char sh = 0;
        if (c->p[c->i] == '\\') {
            c->i++;
            lo = parse_escape(c, &sh);
            if (sh == 'b') {
                sh = 0;
                lo = '\b';
            }
            if (sh) {
                set_shorthand(k, sh);
                continue;
            }
        } else {
            lo = next_cp(c);
        }
        uint32_t hi = lo;
        if (c->i + 1 < c->len && c->p[c->i] == '-' && c->p[c->i + 1] != ']') {
            c->i++;
            if (c->p[c->i] == '\\') {
                c->i++;
                hi = parse_escape(c, &sh);
                if (sh) {
                    cls_add(c, k, lo, lo);
                    cls_add(c, k, '-', '-');
                    set_shorthand(k, sh);
                    continue;
                }
            } else {
                hi = next_cp(c);
            }
            if (hi < lo) {
                c->err = "range out of order in character class";
                return;
            }
        }
        cls_add(c, k, lo, hi);
    }
    if (c->i >= c->len) {
        c->err = "missing ]";
        return;
    }
    c->i++;
    emit(c, (struct inst){.op = O_CLASS, .cls = idx});
}

static void parse_alt(struct rcomp *c, int depth);

static bool parse_int(struct rcomp *c, int *out)
{
    size_t st = c->i;
    int v = 0;
    while (c->i < c->len && c->p[c->i] >= '0' && c->p[c->i] <= '9') {
        v = v * 10 + (c->p[c->i] - '0');
        if (v > 1000)
            v = 1000;
        c->i++;
    }
    *out = v;
    return c->i > st;
}

static void parse_seq(struct rcomp *c, int depth)
{
    while (c->i < c->len && !c->err) {
        char ch = c->p[c->i];
        if (ch == '|' || ch == ')')
            return;
        int start = c->n;
        switch (ch) {
        case '(': {
            c->i++;
            if (c->i + 1 < c->len && c->p[c->i] == '?') {
                char kind = c->p[c->i + 1];
                c->i += 2;
                if (kind == ':') {
                    parse_alt(c, depth + 1);
                } else if (kind == '=' || kind == '!') {
                    int at = emit(c, (struct inst){.op = kind == '=' ? O_LOOK : O_NLOOK});
                    parse_alt(c, depth + 1);
                    emit(c, (struct inst){.op = O_MATCH});
                    if (!c->err)
                        c->code[at].x = c->n - at;
                } else {
                    c->err = "unsupported group";
                    return;
                }
            } else {
                int g = ++c->ngroups;
                if (g >= RE_MAX_GROUPS) {
                    c->err = "too many groups";
                    return;
                }
                emit(c, (struct inst){.op = O_SAVE, .x = 2 * g});
                parse_alt(c, depth + 1);
                emit(c, (struct inst){.op = O_SAVE, .x = 2 * g + 1});
            }
            if (c->i >= c->len || c->p[c->i] != ')') {
                c->err = "missing )";
                return;
            }
            c->i++;
            break;
        }
        case '[':
            c->i++;
            parse_class(c);
            break;
        case '.':
            c->i++;
            emit(c, (struct inst){.op = O_ANY});
            break;
        case '^':
            c->i++;
            emit(c, (struct inst){.op = O_BOL});
            continue;
        case '$':
            c->i++;
            emit(c, (struct inst){.op = O_EOL});
            continue;
        case '\\': {
            c->i++;
            char sh;
            uint32_t cp = parse_escape(c, &sh);
            if (sh == 'b' || sh == 'B') {
                emit(c, (struct inst){.op = sh == 'b' ? O_WORDB : O_NWORDB});
                continue;
            }
            if (sh >= '1' && sh <= '9') {
                emit(c, (struct inst){.op = O_BACKREF, .x = sh - '0'});
            } else if (sh) {
                int idx = new_cls(c);
                set_shorthand(&c->cls[idx], sh);
                emit(c, (struct inst){.op = O_CLASS, .cls = idx});
            } else {
                emit(c, (struct inst){.op = O_CHAR, .ch = cp});
            }
            break;
        }
        case '*':
        case '+':
        case '?':
            c->err = "nothing to repeat";
            return;
        default:
            emit(c, (struct inst){.op = O_CHAR, .ch = next_cp(c)});
        }
        if (c->err)
            return;
        /* quantifier */
        if (c->i >= c->len)
            continue;
        char q = c->p[c->i];
        int min, max; /* max -1 = unbounded */
        if (q == '*') {
            min = 0;
            max = -1;
            c->i++;
        } else if (q == '+') {
            min = 1;
            max = -1;
            c->i++;
        } else if (q == '?') {
            min = 0;
            max = 1;
            c->i++;
        } else if (q == '{') {
            size_t save = c->i;
            c->i++;
            if (!parse_int(c, &min)) {
                c->i = save;
                continue;
            }
            max = min;
            if (c->i < c->len && c->p[c->i] == ',') {
                c->i++;
                if (!parse_int(c, &max))
                    max = -1;
            }
            if (c->i >= c->len || c->p[c->i] != '}') {
                c->i = save;
                continue;
            }
            c->i++;
        } else {
            continue;
        }
        bool lazy = false;
        if (c->i < c->len && c->p[c->i] == '?') {
            lazy = true;
            c->i++;
        }
        int alen = c->n - start;
        struct inst *atom = arena_alloc(c->a, (size_t)alen * sizeof *atom + 1);
        memcpy(atom, &c->code[start], (size_t)alen * sizeof *atom);
        c->n = start;
        for (int r = 0; r < min && !c->err; r++)
            for (int k = 0; k < alen; k++)
                emit(c, atom[k]);
        if (max < 0) {
            /* L0: SPLIT L1, L3; L1: [SAVE r] atom [PROGRESS r]; JMP L0; L3: — the register r
             * stops an iteration that consumed nothing, as JavaScript does */
            int reg = c->nloops < RE_MAX_LOOPS ? 2 * RE_MAX_GROUPS + c->nloops++ : -1;
            int l0 = emit(c, (struct inst){.op = O_SPLIT});
            if (reg >= 0)
                emit(c, (struct inst){.op = O_SAVE, .x = reg});
            for (int k = 0; k < alen; k++)
                emit(c, atom[k]);
            if (reg >= 0)
                emit(c, (struct inst){.op = O_PROGRESS, .x = reg});
            int j = emit(c, (struct inst){.op = O_JMP});
            if (c->err)
                return;
            c->code[j].x = l0 - j;
            c->code[l0].x = lazy ? c->n - l0 : 1;
            c->code[l0].y = lazy ? 1 : c->n - l0;
        } else {
            int opt = max - min;
            int splits[1001];
            int ns = 0;
            for (int r = 0; r < opt && !c->err; r++) {
                splits[ns++] = emit(c, (struct inst){.op = O_SPLIT});
                for (int k = 0; k < alen; k++)
                    emit(c, atom[k]);
            }
            if (c->err)
                return;
            for (int s = 0; s < ns; s++) {
                c->code[splits[s]].x = lazy ? c->n - splits[s] : 1;
                c->code[splits[s]].y = lazy ? 1 : c->n - splits[s];
            }
        }
    }
}

static void parse_alt(struct rcomp *c, int depth)
{
    if (depth > 200) {
        c->err = "pattern nested too deeply";
        return;
    }
    int start = c->n;
    parse_seq(c, depth);
    while (!c->err && c->i < c->len && c->p[c->i] == '|') {
        c->i++;
        /* SPLIT to (first alternative) / (rest); first alternative ends with JMP to end */
        struct inst sp = {.op = O_SPLIT, .x = 1};
        insert_at(c, start, &sp, 1);
        int j = emit(c, (struct inst){.op = O_JMP});
        int second = c->n;
        parse_seq(c, depth);
        if (c->err)
            return;
        c->code[start].y = second - start;
        c->code[j].x = c->n - j;
    }
}

const struct regex *regex_compile(struct arena *a, const char *pat, size_t len, const char *flags,
                                  const char **errmsg)
{
    struct rcomp c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.p = pat;
    c.len = len;
    parse_alt(&c, 0);
    if (!c.err && c.i < c.len)
        c.err = "unmatched )";
    emit(&c, (struct inst){.op = O_MATCH});
    if (c.err) {
        *errmsg = c.err;
        return NULL;
    }
    struct regex *re = arena_alloc(a, sizeof *re);
    re->code = c.code;
    re->ncode = c.n;
    re->cls = c.cls;
    re->ncls = c.ncls;
    re->ngroups = c.ngroups;
    re->icase = flags && strchr(flags, 'i');
    re->multiline = flags && strchr(flags, 'm');
    return re;
}

/* ---- matching ------------------------------------------------------------------------------- */

struct btrack;

struct rrun {
    const struct regex *re;
    const char *s;
    size_t len;
    int caps[2 * RE_MAX_GROUPS + RE_MAX_LOOPS]; /* group bounds, then loop registers */
    long steps;
    int depth;
    bool overflow;
    size_t end;
    struct btrack *bt; /* backtrack stack, shared by nested lookahead runs */
    size_t nbt, capbt;
};

static uint32_t fold(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x391 && c <= 0x3A9)
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    return c;
}

static bool is_word(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_space(uint32_t c)
{
    return c == ' ' || (c >= 9 && c <= 13) || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

static bool cls_match(const struct regex *re, const struct cls *k, uint32_t c)
{
    bool m = false;
    if ((k->d && c >= '0' && c <= '9') || (k->D && !(c >= '0' && c <= '9')) ||
        (k->w && is_word(c)) || (k->W && !is_word(c)) || (k->s && is_space(c)) ||
        (k->S && !is_space(c)))
        m = true;
    for (int i = 0; !m && i < k->n; i++) {
        if (c >= k->r[i].lo && c <= k->r[i].hi)
            m = true;
        else if (re->icase) {
            uint32_t f = fold(c);
            for (uint32_t x = k->r[i].lo; x <= k->r[i].hi && x - k->r[i].lo < 512; x++)
                if (fold(x) == f) {
                    m = true;
                    break;
                }
        }
    }
    return m != k->neg;
}

static uint32_t prev_cp(const struct rrun *r, size_t sp)
{
    if (sp == 0)
        return 0;
    size_t i = sp - 1;
    while (i > 0 && ((unsigned char)r->s[i] & 0xC0) == 0x80)
        i--;
    size_t j = i;
    return (uint32_t)utf8_decode(r->s, r->len, &j);
}

static bool is_lt(uint32_t c)
{
    return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

/* A backtrack point: resume at (pc, sp), or (pc < 0) restore capture slot -pc-1 to sp. */
struct btrack {
    int pc;
    int sp;
};

static bool bt_push(struct rrun *r, int pc, int sp)
{
    if (r->nbt == r->capbt) {
        size_t cap = r->capbt ? r->capbt * 2 : 64;
        if (cap > RE_MAX_BACKTRACK) {
            r->overflow = true;
            return false;
        }
        struct btrack *nb = realloc(r->bt, cap * sizeof *nb);
        if (!nb) {
            r->overflow = true;
            return false;
        }
        r->bt = nb;
        r->capbt = cap;
    }
    r->bt[r->nbt].pc = pc;
    r->bt[r->nbt].sp = sp;
    r->nbt++;
    return true;
}

/* Runs the program from pc at sp with an explicit backtrack stack (no C recursion except one
 * level per nested lookahead). Returns 1 on a match (r->end set), 0 otherwise. */
static int run(struct rrun *r, int pc0, size_t sp0)
{
    if (++r->depth > RE_MAX_RECURSION) {
        r->overflow = true;
        r->depth--;
        return 0;
    }
    const struct inst *code = r->re->code;
    size_t base = r->nbt;
    int result = 0;
    if (!bt_push(r, pc0, (int)sp0))
        goto out;
    while (r->nbt > base && !r->overflow) {
        struct btrack b = r->bt[--r->nbt];
        if (b.pc < 0) {
            r->caps[-b.pc - 1] = b.sp;
            continue;
        }
        int pc = b.pc;
        size_t sp = (size_t)b.sp;
        for (;;) {
            if (++r->steps > RE_MAX_STEPS) {
                r->overflow = true;
                break;
            }
            const struct inst *in = &code[pc];
            bool fail = false;
            switch (in->op) {
            case O_CHAR: {
                if (sp >= r->len) {
                    fail = true;
                    break;
                }
                size_t j = sp;
                uint32_t c = (uint32_t)utf8_decode(r->s, r->len, &j);
                if (c != in->ch && !(r->re->icase && fold(c) == fold(in->ch))) {
                    fail = true;
                    break;
                }
                sp = j;
                pc++;
                break;
            }
            case O_ANY: {
                if (sp >= r->len) {
                    fail = true;
                    break;
                }
                size_t j = sp;
                uint32_t c = (uint32_t)utf8_decode(r->s, r->len, &j);
                if (is_lt(c)) {
                    fail = true;
                    break;
                }
                sp = j;
                pc++;
                break;
            }
            case O_CLASS: {
                if (sp >= r->len) {
                    fail = true;
                    break;
                }
                size_t j = sp;
                uint32_t c = (uint32_t)utf8_decode(r->s, r->len, &j);
                if (!cls_match(r->re, &r->re->cls[in->cls], c)) {
                    fail = true;
                    break;
                }
                sp = j;
                pc++;
                break;
            }
            case O_SPLIT:
                if (!bt_push(r, pc + in->y, (int)sp)) {
                    fail = true;
                    break;
                }
                pc += in->x;
                break;
            case O_JMP:
                pc += in->x;
                break;
            case O_SAVE:
                if (!bt_push(r, -in->x - 1, r->caps[in->x])) {
                    fail = true;
                    break;
                }
                r->caps[in->x] = (int)sp;
                pc++;
                break;
            case O_MATCH:
                r->end = sp;
                result = 1;
                goto out;
            case O_BOL:
                if (!(sp == 0 || (r->re->multiline && is_lt(prev_cp(r, sp))))) {
                    fail = true;
                    break;
                }
                pc++;
                break;
            case O_EOL: {
                if (sp != r->len) {
                    size_t j = sp;
                    if (!r->re->multiline || !is_lt((uint32_t)utf8_decode(r->s, r->len, &j))) {
                        fail = true;
                        break;
                    }
                }
                pc++;
                break;
            }
            case O_WORDB:
            case O_NWORDB: {
                bool a = sp > 0 && is_word(prev_cp(r, sp));
                size_t j = sp;
                bool bb = sp < r->len && is_word((uint32_t)utf8_decode(r->s, r->len, &j));
                if ((a != bb) != (in->op == O_WORDB)) {
                    fail = true;
                    break;
                }
                pc++;
                break;
            }
            case O_LOOK:
            case O_NLOOK: {
                size_t save_end = r->end;
                int m = run(r, pc + 1, sp);
                r->end = save_end;
                if ((m != 0) != (in->op == O_LOOK)) {
                    fail = true;
                    break;
                }
                pc += in->x;
                break;
            }
            case O_PROGRESS:
                if (r->caps[in->x] == (int)sp) {
                    fail = true;
                    break;
                }
                pc++;
                break;
            case O_BACKREF: {
                int g = in->x;
                if (g <= r->re->ngroups && r->caps[2 * g] >= 0 && r->caps[2 * g + 1] >= 0) {
                    size_t gl = (size_t)(r->caps[2 * g + 1] - r->caps[2 * g]);
                    if (sp + gl > r->len || memcmp(r->s + sp, r->s + r->caps[2 * g], gl) != 0) {
                        fail = true;
                        break;
                    }
                    sp += gl;
                }
                pc++;
                break;
            }
            }
            if (fail || r->overflow)
                break;
        }
    }
out:
    /* unwind this level's backtrack points, restoring captures a failed path changed */
    while (r->nbt > base) {
        struct btrack b = r->bt[--r->nbt];
        if (b.pc < 0 && !result)
            r->caps[-b.pc - 1] = b.sp;
    }
    r->depth--;
    return result;
}

int regex_exec(const struct regex *re, const char *s, size_t len, size_t from,
               struct regex_match *m)
{
    struct rrun r;
    memset(&r, 0, sizeof r);
    r.re = re;
    r.s = s;
    r.len = len;
    for (size_t start = from; start <= len;) {
        for (int k = 0; k < 2 * RE_MAX_GROUPS + RE_MAX_LOOPS; k++)
            r.caps[k] = -1;
        r.depth = 0;
        if (run(&r, 0, start)) {
            m->start = (int)start;
            m->end = (int)r.end;
            m->ngroups = re->ngroups;
            for (int g = 1; g <= re->ngroups && g < RE_MAX_GROUPS; g++) {
                m->gstart[g] = r.caps[2 * g];
                m->gend[g] = r.caps[2 * g + 1];
            }
            free(r.bt);
            return 1;
        }
        if (r.overflow) {
            free(r.bt);
            return -1;
        }
        if (start == len)
            break;
        start++;
        while (start < len && ((unsigned char)s[start] & 0xC0) == 0x80)
            start++;
    }
    free(r.bt);
    return 0;
}
