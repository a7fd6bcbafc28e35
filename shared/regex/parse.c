/*
 * ECMA-262 pattern syntax to the node graph of internal.h: a recursive-descent parser for both
 * modes, strict with the u flag and with the web-compatibility grammar of Annex B without it
 * (literal braces and brackets, legacy octal escapes, identity escapes, quantifiable lookahead).
 * Character classes become sorted range sets, canonicalised under the i flag as Canonicalize
 * prescribes, so the matcher compares canonical forms only. It does not match (match.c) and
 * does not know the v flag's class set syntax (refused).
 */
#include "regex/internal.h"
#include "util/hex.h"
#include "util/utf8.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds the parser's recursion over nested groups (the C stack). */
#define REGEX_MAX_NESTING 100

/* A chunk of a program's memory when it owns it. */
struct regex_chunk {
    struct regex_chunk *next;
    max_align_t data[];
};

void *regex_mem(struct regex *re, size_t n)
{
    if (re->alloc.alloc)
        return re->alloc.alloc(re->alloc.ctx, n ? n : 1);
    struct regex_chunk *c = malloc(sizeof *c + n);
    if (!c)
        return NULL;
    c->next = re->chunks;
    re->chunks = c;
    return c->data;
}

struct parser {
    const char *p, *end;
    struct regex *re;
    char *err;
    size_t err_size;
    bool failed;
    int nesting;
    int total_caps;     /* capturing groups in the whole pattern (for \N in Annex B) */
    bool named;         /* the pattern has a named group: \k is a reference */
    uint32_t pending;   /* without u: the low surrogate of a class member outside the BMP */
    struct rnode **all; /* every node, for resolving references */
    int nall, capall;
};

static void fail(struct parser *ps, const char *msg)
{
    if (ps->failed)
        return;
    ps->failed = true;
    if (ps->err && ps->err_size)
        snprintf(ps->err, ps->err_size, "%s", msg);
}

static void *mem(struct parser *ps, size_t n)
{
    void *p = regex_mem(ps->re, n);
    if (!p)
        fail(ps, "out of memory");
    else
        memset(p, 0, n);
    return p;
}

static struct rnode *new_node(struct parser *ps, enum rtype t)
{
    if (ps->nall == ps->capall) {
        int cap = ps->capall ? ps->capall * 2 : 16;
        struct rnode **all = realloc(ps->all, (size_t)cap * sizeof *all);
        if (!all) {
            fail(ps, "out of memory");
            return NULL;
        }
        ps->all = all;
        ps->capall = cap;
    }
    struct rnode *n = mem(ps, sizeof *n);
    if (!n)
        return NULL;
    n->type = t;
    n->cap = -1;
    n->cap_lo = 1;
    n->cap_hi = 0;
    ps->all[ps->nall++] = n;
    return n;
}

static uint32_t next_cp(struct parser *ps)
{
    size_t i = 0;
    uint32_t c = utf8_decode(ps->p, (size_t)(ps->end - ps->p), &i);
    ps->p += i;
    return c;
}

/* ---- code point sets ------------------------------------------------------------------------ */

/* A growable set of ranges (malloc'd while it is built), normalised by set_finish. */
struct set {
    struct unicode_range *r;
    int n, cap;
};

static void set_add(struct parser *ps, struct set *s, uint32_t lo, uint32_t hi)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        struct unicode_range *r = realloc(s->r, (size_t)cap * sizeof *r);
        if (!r) {
            fail(ps, "out of memory");
            return;
        }
        s->r = r;
        s->cap = cap;
    }
    s->r[s->n].lo = lo;
    s->r[s->n].hi = hi;
    s->n++;
}

static int range_cmp(const void *a, const void *b)
{
    const struct unicode_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

static void set_finish(struct set *s)
{
    if (s->n == 0)
        return;
    qsort(s->r, (size_t)s->n, sizeof *s->r, range_cmp);
    int w = 0;
    for (int i = 1; i < s->n; i++) {
        if (s->r[i].lo <= s->r[w].hi + 1) {
            if (s->r[i].hi > s->r[w].hi)
                s->r[w].hi = s->r[i].hi;
        } else {
            s->r[++w] = s->r[i];
        }
    }
    s->n = w + 1;
}

/* Adds the sorted, disjoint ranges t (or their complement) to s. */
static void set_add_table(struct parser *ps, struct set *s, const struct unicode_range *t, int n,
                          bool negate)
{
    if (!negate) {
        for (int i = 0; i < n; i++)
            set_add(ps, s, t[i].lo, t[i].hi);
        return;
    }
    uint32_t lo = 0;
    for (int i = 0; i < n; i++) {
        if (t[i].lo > lo)
            set_add(ps, s, lo, t[i].lo - 1);
        lo = t[i].hi + 1;
    }
    if (lo <= 0x10ffff)
        set_add(ps, s, lo, 0x10ffff);
}

/* The set's image under Canonicalize: its members that canonicalise to themselves, and the
 * canonical forms of the others. Normalised. */
static void set_canonicalise(struct parser *ps, struct set *s)
{
    const struct unicode_pair *pairs;
    int np;
    unicode_case_pairs(ps->re->unicode, &pairs, &np);
    set_finish(s);
    struct set out = {0};
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        uint32_t lo = s->r[i].lo, hi = s->r[i].hi;
        while (k < np && pairs[k].from < lo)
            k++;
        for (; k < np && pairs[k].from <= hi; k++) {
            if (pairs[k].from > lo)
                set_add(ps, &out, lo, pairs[k].from - 1);
            set_add(ps, &out, pairs[k].to, pairs[k].to);
            lo = pairs[k].from + 1;
        }
        if (lo <= hi && lo != 0x110000)
            set_add(ps, &out, lo, hi);
    }
    free(s->r);
    *s = out;
    set_finish(s);
}

static const struct unicode_range DIGITS[] = {{'0', '9'}};
static const struct unicode_range WORD[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
/* \w under the u and i flags adds the two characters that canonicalise into it (ſ, K). */
static const struct unicode_range WORD_UI[] = {{'0', '9'}, {'A', 'Z'},     {'_', '_'},
                                               {'a', 'z'}, {0x17f, 0x17f}, {0x212a, 0x212a}};
static const struct unicode_range SPACE[] = {
    {0x09, 0x0d},     {0x20, 0x20},     {0xa0, 0xa0},     {0x1680, 0x1680}, {0x2000, 0x200a},
    {0x2028, 0x2029}, {0x202f, 0x202f}, {0x205f, 0x205f}, {0x3000, 0x3000}, {0xfeff, 0xfeff}};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- escapes -------------------------------------------------------------------------------- */

static bool read_hex(struct parser *ps, int digits, uint32_t *out)
{
    if (ps->end - ps->p < digits)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        if (hex_digit(ps->p[i]) < 0)
            return false;
        v = v * 16 + (uint32_t)hex_digit(ps->p[i]);
    }
    ps->p += digits;
    *out = v;
    return true;
}

/* \u after the 'u': HHHH (with u, a following \uLLLL low surrogate joins it) or, with u, {H...}.
 * False, consuming nothing, when neither follows. */
static bool read_unicode_escape(struct parser *ps, uint32_t *out)
{
    const char *save = ps->p;
    if (ps->re->unicode && ps->p < ps->end && *ps->p == '{') {
        ps->p++;
        uint32_t v = 0;
        int n = 0;
        while (ps->p < ps->end && hex_digit(*ps->p) >= 0) {
            v = v * 16 + (uint32_t)hex_digit(*ps->p++);
            if (v > 0x10ffff) {
                ps->p = save;
                return false;
            }
            n++;
        }
        if (n == 0 || ps->p >= ps->end || *ps->p != '}') {
            ps->p = save;
            return false;
        }
        ps->p++;
        *out = v;
        return true;
    }
    uint32_t v;
    if (!read_hex(ps, 4, &v))
        return false;
    if (ps->re->unicode && v >= 0xd800 && v <= 0xdbff && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
        ps->p[1] == 'u') {
        const char *at = ps->p;
        ps->p += 2;
        uint32_t lo;
        if (read_hex(ps, 4, &lo) && lo >= 0xdc00 && lo <= 0xdfff)
            v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
        else
            ps->p = at;
    }
    *out = v;
    return true;
}

/* \p{...} / \P{...} after the letter: adds the property's set (or its complement) to s. */
static void property_escape(struct parser *ps, struct set *s, bool negate)
{
    if (ps->p >= ps->end || *ps->p != '{') {
        fail(ps, "invalid property name");
        return;
    }
    const char *name = ++ps->p, *eq = NULL;
    while (ps->p < ps->end && *ps->p != '}') {
        if (*ps->p == '=' && !eq)
            eq = ps->p;
        ps->p++;
    }
    if (ps->p >= ps->end) {
        fail(ps, "invalid property name");
        return;
    }
    const char *close = ps->p++;
    struct unicode_range *r;
    int n;
    enum unicode_lookup found =
        eq ? unicode_property(name, (size_t)(eq - name), eq + 1, (size_t)(close - eq - 1), &r, &n)
           : unicode_property(name, (size_t)(close - name), NULL, 0, &r, &n);
    if (found != UNICODE_FOUND) {
        fail(ps, found == UNICODE_UNKNOWN ? "invalid property name" : "out of memory");
        return;
    }
    set_add_table(ps, s, r, n, negate);
    free(r);
}

/*
 * A class escape after the backslash (\d \D \s \S \w \W, and with u \p{..} \P{..}) added to s.
 * Returns false, consuming nothing, when the escape is not one.
 */
static bool class_escape(struct parser *ps, struct set *s)
{
    char c = *ps->p;
    bool upper = c >= 'A' && c <= 'Z';
    switch (c) {
    case 'd':
    case 'D':
        ps->p++;
        set_add_table(ps, s, DIGITS, COUNT(DIGITS), upper);
        return true;
    case 'w':
    case 'W':
        ps->p++;
        if (ps->re->unicode && ps->re->icase)
            set_add_table(ps, s, WORD_UI, COUNT(WORD_UI), upper);
        else
            set_add_table(ps, s, WORD, COUNT(WORD), upper);
        return true;
    case 's':
    case 'S':
        ps->p++;
        set_add_table(ps, s, SPACE, COUNT(SPACE), upper);
        return true;
    case 'p':
    case 'P':
        if (!ps->re->unicode)
            return false;
        ps->p++;
        property_escape(ps, s, upper);
        return true;
    default:
        return false;
    }
}

/* Annex B's legacy octal escape: up to three octal digits, at most \377. */
static uint32_t legacy_octal(struct parser *ps)
{
    uint32_t v = (uint32_t)(*ps->p++ - '0');
    if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7') {
        v = v * 8 + (uint32_t)(*ps->p++ - '0');
        if (v < 32 && ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7')
            v = v * 8 + (uint32_t)(*ps->p++ - '0');
    }
    return v;
}

static bool syntax_char(uint32_t c)
{
    return c < 128 && c && strchr("^$\\.*+?()[]{}|/", (int)c);
}

/*
 * A character escape after the backslash (not a class escape, not \b outside a class, not a
 * backreference): its code point in *out. False when it is not valid in this mode; without u
 * a lone \c is left for the caller (a literal backslash).
 */
static bool char_escape(struct parser *ps, bool in_class, uint32_t *out)
{
    const char *at = ps->p;
    bool u = ps->re->unicode;
    char c = *ps->p;
    switch (c) {
    case 't':
        ps->p++, *out = '\t';
        return true;
    case 'n':
        ps->p++, *out = '\n';
        return true;
    case 'v':
        ps->p++, *out = '\v';
        return true;
    case 'f':
        ps->p++, *out = '\f';
        return true;
    case 'r':
        ps->p++, *out = '\r';
        return true;
    case 'c':
        if (ps->end - ps->p >= 2 &&
            ((ps->p[1] >= 'a' && ps->p[1] <= 'z') || (ps->p[1] >= 'A' && ps->p[1] <= 'Z') ||
             (!u && in_class && ((ps->p[1] >= '0' && ps->p[1] <= '9') || ps->p[1] == '_')))) {
            *out = (uint32_t)(ps->p[1] % 32);
            ps->p += 2;
            return true;
        }
        return false;
    case '0':
        if (ps->p + 1 >= ps->end || ps->p[1] < '0' || ps->p[1] > '9') {
            ps->p++;
            *out = 0;
            return true;
        }
        if (u)
            return false;
        *out = legacy_octal(ps);
        return true;
    case 'x':
        ps->p++;
        if (read_hex(ps, 2, out))
            return true;
        if (u) {
            ps->p = at;
            return false;
        }
        *out = 'x';
        return true;
    case 'u':
        ps->p++;
        if (read_unicode_escape(ps, out))
            return true;
        if (u) {
            ps->p = at;
            return false;
        }
        *out = 'u';
        return true;
    case 'b':
        if (!in_class)
            return false;
        ps->p++, *out = '\b';
        return true;
    case '-':
        if (u && !in_class)
            return false;
        ps->p++, *out = '-';
        return true;
    default:
        break;
    }
    if (!u && in_class && c >= '1' && c <= '7') {
        *out = legacy_octal(ps);
        return true;
    }
    uint32_t cp = next_cp(ps);
    if (u) {
        if (syntax_char(cp)) {
            *out = cp;
            return true;
        }
        ps->p = at;
        return false;
    }
    if (cp == 'k' && ps->named) {
        ps->p = at;
        return false;
    }
    *out = cp;
    return true;
}

/* ---- character classes ---------------------------------------------------------------------- */

/* One class atom: a code point (false) or a set added to s (true). */
static bool class_atom(struct parser *ps, struct set *s, uint32_t *cp)
{
    if (ps->pending) {
        *cp = ps->pending;
        ps->pending = 0;
        return false;
    }
    if (*ps->p != '\\') {
        *cp = next_cp(ps);
        if (!ps->re->unicode && *cp > 0xffff) {
            ps->pending = 0xdc00 + ((*cp - 0x10000) & 0x3ff);
            *cp = 0xd800 + ((*cp - 0x10000) >> 10);
        }
        return false;
    }
    ps->p++;
    if (ps->p >= ps->end) {
        fail(ps, "\\ at end of pattern");
        return false;
    }
    if (class_escape(ps, s))
        return true;
    if (char_escape(ps, true, cp))
        return false;
    if (!ps->re->unicode && *ps->p == 'c') {
        *cp = '\\';
        return false;
    }
    fail(ps, "invalid escape in character class");
    return false;
}

static struct rnode *finish_class(struct parser *ps, struct set *s, bool negate)
{
    struct rnode *n = new_node(ps, R_CLASS);
    if (!n || ps->failed) {
        free(s->r);
        return NULL;
    }
    if (ps->re->icase)
        set_canonicalise(ps, s);
    else
        set_finish(s);
    struct unicode_range *r = mem(ps, (size_t)s->n * sizeof *r);
    if (r && s->n)
        memcpy(r, s->r, (size_t)s->n * sizeof *r);
    free(s->r);
    n->ranges = r;
    n->nranges = s->n;
    n->negate = negate;
    return n;
}

static struct rnode *parse_class(struct parser *ps)
{
    struct set s = {0};
    bool negate = false;
    if (ps->p < ps->end && *ps->p == '^') {
        negate = true;
        ps->p++;
    }
    for (;;) {
        if (ps->p >= ps->end && !ps->pending) {
            fail(ps, "unterminated character class");
            break;
        }
        if (!ps->pending && *ps->p == ']') {
            ps->p++;
            break;
        }
        uint32_t lo = 0, hi = 0;
        bool lo_set = class_atom(ps, &s, &lo);
        if (ps->failed)
            break;
        if (!ps->pending && ps->end - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] != ']') {
            ps->p++;
            bool hi_set = class_atom(ps, &s, &hi);
            if (ps->failed)
                break;
            if (lo_set || hi_set) {
                if (ps->re->unicode) {
                    fail(ps, "invalid character class");
                    break;
                }
                if (!lo_set)
                    set_add(ps, &s, lo, lo);
                set_add(ps, &s, '-', '-');
                if (!hi_set)
                    set_add(ps, &s, hi, hi);
                continue;
            }
            if (hi < lo) {
                fail(ps, "range out of order in character class");
                break;
            }
            set_add(ps, &s, lo, hi);
        } else if (!lo_set) {
            set_add(ps, &s, lo, lo);
        }
    }
    if (ps->failed) {
        free(s.r);
        return NULL;
    }
    return finish_class(ps, &s, negate);
}

/* ---- groups, atoms, quantifiers ------------------------------------------------------------- */

static void parse_alt(struct parser *ps, struct rnode **first, struct rnode **last);

static bool parse_int(struct parser *ps, int *out)
{
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return false;
    long v = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        v = v * 10 + (*ps->p++ - '0');
        if (v > INT_MAX)
            v = INT_MAX;
    }
    *out = (int)v;
    return true;
}

static bool id_char(struct parser *ps, uint32_t c, bool start)
{
    if (c < 128)
        return c == '$' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (!start && c >= '0' && c <= '9');
    if (!start && (c == 0x200c || c == 0x200d))
        return true;
    struct unicode_range *r;
    int n;
    const char *prop = start ? "ID_Start" : "ID_Continue";
    enum unicode_lookup found = unicode_property(prop, strlen(prop), NULL, 0, &r, &n);
    if (found != UNICODE_FOUND) {
        fail(ps, "out of memory");
        return false;
    }
    bool in = unicode_in_ranges(r, n, c);
    free(r);
    return in;
}

/* A group name after '<', through the closing '>', its \u escapes decoded (read as with u in
 * either mode); NULL (failed) when it is not an identifier. */
static const char *group_name(struct parser *ps)
{
    const char *close = memchr(ps->p, '>', (size_t)(ps->end - ps->p));
    if (!close || close == ps->p) {
        fail(ps, "invalid capture group name");
        return NULL;
    }
    char *name = mem(ps, (size_t)(close - ps->p) + 1);
    if (!name)
        return NULL;
    size_t len = 0;
    while (ps->p < close) {
        uint32_t c;
        if (*ps->p == '\\' && ps->p + 1 < close && ps->p[1] == 'u') {
            bool unicode = ps->re->unicode;
            ps->re->unicode = true;
            ps->p += 2;
            bool ok = read_unicode_escape(ps, &c);
            ps->re->unicode = unicode;
            if (!ok || ps->p > close)
                c = '\\'; /* not an identifier character */
        } else {
            c = next_cp(ps);
        }
        if (!id_char(ps, c, len == 0)) {
            fail(ps, "invalid capture group name");
            return NULL;
        }
        len += utf8_encode(c, name + len);
    }
    ps->p = close + 1;
    return name;
}

static struct rnode *parse_group(struct parser *ps)
{
    struct rnode *n;
    if (ps->end - ps->p >= 2 && ps->p[0] == '?') {
        char k = ps->p[1];
        if (k == ':') {
            ps->p += 2;
            n = new_node(ps, R_GROUP);
        } else if (k == '=' || k == '!') {
            ps->p += 2;
            n = new_node(ps, R_LOOK);
            if (n)
                n->negate = k == '!';
        } else if (k == '<' && ps->end - ps->p >= 3 && (ps->p[2] == '=' || ps->p[2] == '!')) {
            n = new_node(ps, R_LOOK);
            if (n) {
                n->behind = true;
                n->negate = ps->p[2] == '!';
            }
            ps->p += 3;
        } else if (k == '<') {
            ps->p += 2;
            const char *name = group_name(ps);
            if (!name)
                return NULL;
            n = new_node(ps, R_GROUP);
            if (!n)
                return NULL;
            n->name = name;
            n->cap = ++ps->re->ncaps;
        } else {
            fail(ps, "invalid group");
            return NULL;
        }
    } else {
        n = new_node(ps, R_GROUP);
        if (n)
            n->cap = ++ps->re->ncaps;
    }
    if (!n)
        return NULL;
    if (++ps->nesting > REGEX_MAX_NESTING) {
        fail(ps, "groups nested too deeply");
        return NULL;
    }
    int caps_before = ps->re->ncaps;
    parse_alt(ps, &n->body, &n->body_last);
    n->cap_lo = caps_before + 1;
    n->cap_hi = ps->re->ncaps;
    ps->nesting--;
    if (ps->failed)
        return NULL;
    if (ps->p >= ps->end || *ps->p != ')') {
        fail(ps, "missing )");
        return NULL;
    }
    ps->p++;
    return n;
}

/* Whether a braced quantifier {n}, {n,} or {n,m} starts at p. */
static bool braced_quantifier(const char *p, const char *end)
{
    if (p >= end || *p != '{')
        return false;
    p++;
    const char *d = p;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    if (p == d)
        return false;
    if (p < end && *p == ',') {
        p++;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    return p < end && *p == '}';
}

static struct rnode *char_node(struct parser *ps, uint32_t cp)
{
    struct rnode *n = new_node(ps, R_CHAR);
    if (n)
        n->cp = ps->re->icase ? regex_canon(ps->re, cp) : cp;
    return n;
}

static struct rnode *parse_atom_escape(struct parser *ps)
{
    if (ps->p >= ps->end) {
        fail(ps, "\\ at end of pattern");
        return NULL;
    }
    char e = *ps->p;
    struct rnode *n;
    if (e == 'b' || e == 'B') {
        ps->p++;
        return new_node(ps, e == 'b' ? R_WORDB : R_NWORDB);
    }
    if (e >= '1' && e <= '9') {
        const char *at = ps->p;
        int idx;
        parse_int(ps, &idx);
        if (idx <= ps->total_caps) {
            n = new_node(ps, R_BACKREF);
            if (n)
                n->cap = idx;
            return n;
        }
        if (ps->re->unicode) {
            fail(ps, "invalid escape");
            return NULL;
        }
        ps->p = at;
        if (e >= '8')
            return char_node(ps, next_cp(ps));
        return char_node(ps, legacy_octal(ps));
    }
    if (e == 'k' && (ps->re->unicode || ps->named)) {
        ps->p++;
        if (ps->p >= ps->end || *ps->p != '<') {
            fail(ps, "invalid named reference");
            return NULL;
        }
        ps->p++;
        const char *name = group_name(ps);
        if (!name)
            return NULL;
        n = new_node(ps, R_BACKREF);
        if (n)
            n->name = name;
        return n;
    }
    struct set s = {0};
    if (class_escape(ps, &s))
        return finish_class(ps, &s, false);
    if (ps->failed)
        return NULL;
    uint32_t cp;
    if (char_escape(ps, false, &cp))
        return char_node(ps, cp);
    if (!ps->re->unicode && e == 'c')
        return char_node(ps, '\\');
    fail(ps, "invalid escape");
    return NULL;
}

static struct rnode *parse_atom(struct parser *ps)
{
    char c = *ps->p;
    bool u = ps->re->unicode;
    switch (c) {
    case '.':
        ps->p++;
        return new_node(ps, R_ANY);
    case '^':
        ps->p++;
        return new_node(ps, R_BOL);
    case '$':
        ps->p++;
        return new_node(ps, R_EOL);
    case '(':
        ps->p++;
        return parse_group(ps);
    case '[':
        ps->p++;
        return parse_class(ps);
    case '\\':
        ps->p++;
        return parse_atom_escape(ps);
    case '*':
    case '+':
    case '?':
        fail(ps, "nothing to repeat");
        return NULL;
    case '{':
        if (u || braced_quantifier(ps->p, ps->end)) {
            fail(ps, "nothing to repeat");
            return NULL;
        }
        break;
    case ')':
        fail(ps, "unmatched )");
        return NULL;
    case ']':
    case '}':
        if (u) {
            fail(ps, "lone quantifier brackets");
            return NULL;
        }
        break;
    default:
        break;
    }
    uint32_t cp = next_cp(ps);
    if (!u && cp > 0xffff) {
        /* without u a character outside the BMP is its two UTF-16 code units */
        struct rnode *hi = char_node(ps, 0xd800 + ((cp - 0x10000) >> 10));
        struct rnode *lo = char_node(ps, 0xdc00 + ((cp - 0x10000) & 0x3ff));
        if (!hi || !lo)
            return NULL;
        hi->next = lo; /* the caller links lo after hi (see parse_seq) */
        return hi;
    }
    return char_node(ps, cp);
}

/* Parses an optional quantifier after atom; returns the atom or a repeat node around it. */
static struct rnode *parse_quantifier(struct parser *ps, struct rnode *atom)
{
    if (ps->p >= ps->end)
        return atom;
    int min, max;
    switch (*ps->p) {
    case '*':
        min = 0, max = INT_MAX;
        ps->p++;
        break;
    case '+':
        min = 1, max = INT_MAX;
        ps->p++;
        break;
    case '?':
        min = 0, max = 1;
        ps->p++;
        break;
    case '{':
        if (!braced_quantifier(ps->p, ps->end)) {
            if (ps->re->unicode) {
                fail(ps, "incomplete quantifier");
                return NULL;
            }
            return atom;
        }
        ps->p++;
        parse_int(ps, &min);
        max = min;
        if (*ps->p == ',') {
            ps->p++;
            if (!parse_int(ps, &max))
                max = INT_MAX;
        }
        ps->p++;
        if (max < min) {
            fail(ps, "numbers out of order in {} quantifier");
            return NULL;
        }
        break;
    default:
        return atom;
    }
    bool assertion = atom->type == R_BOL || atom->type == R_EOL || atom->type == R_WORDB ||
                     atom->type == R_NWORDB || atom->type == R_LOOK;
    if (assertion && (ps->re->unicode || atom->type != R_LOOK || atom->behind)) {
        fail(ps, "nothing to repeat");
        return NULL;
    }
    struct rnode *r = new_node(ps, R_REPEAT);
    if (!r)
        return NULL;
    r->body = r->body_last = atom;
    r->min = min;
    r->max = max;
    r->greedy = true;
    if (atom->type == R_GROUP || atom->type == R_LOOK) {
        r->cap_lo = atom->cap >= 0 ? atom->cap : atom->cap_lo;
        r->cap_hi = atom->cap_hi;
    }
    if (ps->p < ps->end && *ps->p == '?') {
        r->greedy = false;
        ps->p++;
    }
    return r;
}

static void parse_seq(struct parser *ps, struct rnode **first, struct rnode **last)
{
    struct rnode *head = NULL, *tail = NULL;
    while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')' && !ps->failed) {
        struct rnode *a = parse_atom(ps);
        if (!a)
            break;
        struct rnode *extra = NULL;
        if (a->type == R_CHAR && a->next) {
            /* a surrogate pair without u: the quantifier applies to the low half only */
            extra = a;
            a = a->next;
            extra->next = NULL;
        }
        a = parse_quantifier(ps, a);
        if (!a)
            break;
        for (struct rnode *x = extra ? extra : a; x; x = x == extra ? a : NULL) {
            x->prev = tail;
            if (tail)
                tail->next = x;
            else
                head = x;
            tail = x;
        }
    }
    *first = head;
    *last = tail;
}

static void parse_alt(struct parser *ps, struct rnode **first, struct rnode **last)
{
    struct rnode *f, *l;
    parse_seq(ps, &f, &l);
    if (ps->failed || ps->p >= ps->end || *ps->p != '|') {
        *first = f;
        *last = l;
        return;
    }
    struct rnode *alt = new_node(ps, R_ALT);
    *first = *last = alt;
    if (!alt)
        return;
    int cap = 4;
    struct rnode **fs = malloc((size_t)cap * sizeof *fs), **ls = malloc((size_t)cap * sizeof *ls);
    if (!fs || !ls) {
        free(fs);
        free(ls);
        fail(ps, "out of memory");
        return;
    }
    fs[0] = f;
    ls[0] = l;
    int n = 1;
    while (!ps->failed && ps->p < ps->end && *ps->p == '|') {
        ps->p++;
        parse_seq(ps, &f, &l);
        if (ps->failed)
            break;
        if (n == cap) {
            cap *= 2;
            struct rnode **a = realloc(fs, (size_t)cap * sizeof *a);
            if (a)
                fs = a;
            struct rnode **b = a ? realloc(ls, (size_t)cap * sizeof *b) : NULL;
            if (b)
                ls = b;
            if (!a || !b) {
                fail(ps, "out of memory");
                break;
            }
        }
        fs[n] = f;
        ls[n] = l;
        n++;
    }
    if (!ps->failed) {
        alt->alts = mem(ps, (size_t)n * sizeof *alt->alts);
        alt->alts_last = mem(ps, (size_t)n * sizeof *alt->alts_last);
        if (alt->alts && alt->alts_last) {
            memcpy(alt->alts, fs, (size_t)n * sizeof *fs);
            memcpy(alt->alts_last, ls, (size_t)n * sizeof *ls);
            alt->nalts = n;
        }
    }
    free(fs);
    free(ls);
}

/* Resolves \k<name> references, checks that group names are unique, and records them. */
static void resolve_names(struct parser *ps)
{
    struct regex *re = ps->re;
    re->names = mem(ps, (size_t)(re->ncaps + 1) * sizeof *re->names);
    if (!re->names)
        return;
    for (int i = 0; i < ps->nall; i++) {
        struct rnode *g = ps->all[i];
        if (g->type != R_GROUP || !g->name)
            continue;
        for (int j = 1; j < g->cap; j++)
            if (re->names[j] && strcmp(re->names[j], g->name) == 0)
                fail(ps, "duplicate capture group name");
        re->names[g->cap] = g->name;
    }
    for (int i = 0; i < ps->nall; i++) {
        struct rnode *b = ps->all[i];
        if (b->type != R_BACKREF || !b->name)
            continue;
        for (int j = 1; j <= re->ncaps; j++)
            if (re->names[j] && strcmp(re->names[j], b->name) == 0)
                b->cap = j;
        if (b->cap < 0)
            fail(ps, "invalid named capture referenced");
    }
}

/* Counts capturing groups and notes named ones before parsing: Annex B reads \N and \k by them. */
static void prescan(struct parser *ps)
{
    bool in_class = false;
    for (const char *p = ps->p; p < ps->end; p++) {
        if (*p == '\\') {
            p++;
        } else if (in_class) {
            in_class = *p != ']';
        } else if (*p == '[') {
            in_class = true;
        } else if (*p == '(') {
            if (p + 1 < ps->end && p[1] == '?') {
                if (p + 3 < ps->end && p[2] == '<' && p[3] != '=' && p[3] != '!') {
                    ps->total_caps++;
                    ps->named = true;
                }
            } else {
                ps->total_caps++;
            }
        }
    }
}

static bool parse_flags(struct regex *re, const char *flags)
{
    for (const char *f = flags ? flags : ""; *f; f++) {
        bool *slot = *f == 'i'   ? &re->icase
                     : *f == 'm' ? &re->multiline
                     : *f == 's' ? &re->dotall
                     : *f == 'u' ? &re->unicode
                     : *f == 'y' ? &re->sticky
                     : *f == 'g' ? &re->global
                     : *f == 'd' ? &re->indices
                                 : NULL;
        if (!slot || *slot)
            return false;
        *slot = true;
    }
    return true;
}

struct regex *regex_compile(const char *pattern, size_t len, const struct regex_options *opt,
                            char *err, size_t err_size)
{
    struct regex tmp = {0};
    if (opt && opt->alloc)
        tmp.alloc = *opt->alloc;
    struct regex *re = tmp.alloc.alloc ? tmp.alloc.alloc(tmp.alloc.ctx, sizeof *re) : NULL;
    if (!tmp.alloc.alloc)
        re = calloc(1, sizeof *re);
    if (!re) {
        if (err && err_size)
            snprintf(err, err_size, "out of memory");
        return NULL;
    }
    *re = tmp;
    re->max_steps = opt && opt->max_steps > 0 ? opt->max_steps : REGEX_DEFAULT_STEPS;
    struct parser ps = {
        .p = pattern, .end = pattern + len, .re = re, .err = err, .err_size = err_size};
    const char *flags = opt ? opt->flags : NULL;
    if (flags && strchr(flags, 'v'))
        fail(&ps, "the v flag is not supported");
    else if (!parse_flags(re, flags))
        fail(&ps, "invalid flags");
    if (!ps.failed) {
        prescan(&ps);
        if (re->unicode)
            ps.named = true;
        parse_alt(&ps, &re->root, &re->root_last);
        if (!ps.failed && ps.p < ps.end)
            fail(&ps, *ps.p == ')' ? "unmatched )" : "unexpected character");
    }
    if (!ps.failed)
        resolve_names(&ps);
    if (!ps.failed && !regex_simplify(re))
        fail(&ps, "out of memory");
    for (int i = 0; !ps.failed && i < ps.nall; i++) {
        struct rnode *n = ps.all[i];
        if (n->type != R_CLASS)
            continue;
        for (uint32_t c = 0; c < 128; c++) {
            uint32_t k = re->icase ? regex_canon(re, c) : c;
            if (unicode_in_ranges(n->ranges, n->nranges, k) != n->negate)
                n->ascii[c / 64] |= (uint64_t)1 << (c % 64);
        }
    }
    free(ps.all);
    if (ps.failed) {
        regex_free(re);
        return NULL;
    }
    regex_build_shortcuts(re);
    return re;
}

void regex_free(struct regex *re)
{
    if (!re || re->alloc.alloc)
        return;
    for (struct regex_chunk *c = re->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(re);
}

int regex_groups(const struct regex *re)
{
    return re->ncaps;
}

const char *regex_group_name(const struct regex *re, int g)
{
    return g >= 1 && g <= re->ncaps && re->names ? re->names[g] : NULL;
}

bool regex_flag(const struct regex *re, char f)
{
    switch (f) {
    case 'i':
        return re->icase;
    case 'm':
        return re->multiline;
    case 's':
        return re->dotall;
    case 'u':
        return re->unicode;
    case 'y':
        return re->sticky;
    case 'g':
        return re->global;
    case 'd':
        return re->indices;
    default:
        return false;
    }
}
