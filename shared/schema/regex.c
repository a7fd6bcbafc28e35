/*
 * ECMA-262 regular expressions (Unicode mode) for JSON Schema: a recursive-descent parser to a
 * node graph and a backtracking matcher with explicit continuations over decoded code points.
 *
 * Supported: alternation, greedy and lazy quantifiers, capturing, non-capturing and named groups,
 * backreferences, lookahead and lookbehind, classes with ranges, \d \w \s \b and their negations,
 * \p{...} for the general categories Letter (L, Lu, Ll) and Number (N, Nd) by range tables.
 * Not supported: flags (JSON Schema has none), other Unicode properties (a compile error), and
 * resetting captures of a quantified group on each iteration (only visible through backreferences).
 */
#include "schema/regex.h"
#include "util/hex.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds the work of one search, so catastrophic backtracking ends with SCHEMA_REGEX_LIMIT. */
#define REGEX_MAX_STEPS 1000000L
/* Bounds the matcher's recursion (one level per open group or quantifier iteration), to keep the
 * C stack (1 MiB in the WASM build) from overflowing on long subjects with complex repetitions. */
#define REGEX_MAX_DEPTH 3000
/* Bounds the parser's recursion over nested groups. */
#define REGEX_MAX_NESTING 100

enum rtype {
    R_CHAR,
    R_ANY,
    R_CLASS,
    R_ALT,
    R_GROUP,
    R_REPEAT,
    R_BOL,
    R_EOL,
    R_WORDB,
    R_NWORDB,
    R_LOOK,
    R_BACKREF
};

struct range {
    uint32_t lo, hi;
};

/* One element of a pattern; elements of a sequence are chained through next. */
struct rnode {
    enum rtype type;
    struct rnode *next;
    uint32_t cp;          /* R_CHAR */
    struct range *ranges; /* R_CLASS: sorted, merged */
    int nranges;
    bool negate;         /* R_CLASS, R_LOOK */
    bool behind;         /* R_LOOK */
    struct rnode **alts; /* R_ALT */
    int nalts;
    struct rnode *body; /* R_GROUP, R_REPEAT, R_LOOK */
    uint64_t ascii[2];  /* R_CLASS: membership of code points below 128, negation applied */
    int cap;            /* R_GROUP: capture index, or -1; R_BACKREF: index */
    int min, max;       /* R_REPEAT; max INT_MAX for unbounded */
    bool greedy;
    char *name; /* R_GROUP named / R_BACKREF by name before resolution */
};

/* One step of a "simple" pattern: a set of ASCII bytes repeated min..max times. */
struct simple_item {
    uint8_t set[256]; /* 1 for the bytes (ASCII only) the item accepts */
    int min, max;
    /* The next item needs a byte this one never accepts: only the longest run can match. */
    bool possessive;
};

struct schema_regex {
    struct rnode *root;
    struct rnode **all;
    int nall, capall;
    int ncaps;
    /* The pattern as a list of repeated byte sets, when it is only that (optionally anchored):
     * matched directly over ASCII subjects, without decoding or the general matcher. */
    struct simple_item *simple;
    int nsimple;
    bool simple_bol, simple_eol;
    bool simple_ascii; /* no item accepts a non-ASCII code point: valid for any UTF-8 subject */
    /* Anchored by ^, and every item but the last fixed-length or possessive: one walk decides. */
    bool simple_linear;
    /* A simple_linear, ASCII-only program as a byte automaton (NULL when it would need more than
     * DFA_MAX_STATES states): dfa[state * 256 + byte] is the next state, 0 the dead one, 1 the
     * one past the last item of a program without $ (any rest matches); dfa_accept[state]
     * whether the subject may end there. */
    uint8_t *dfa;
    bool *dfa_accept;
    uint8_t dfa_start;
    /* The program is ^[set]{min,max}$ over ASCII: a length check and a byte-set check decide. */
    bool single_run;
};

#define DFA_MAX_STATES 64

struct parser {
    const char *p;
    const char *end;
    struct schema_regex *re;
    char *err;
    size_t err_size;
    bool failed;
    int nesting;
};

static const struct range SPACE_RANGES[] = {
    {0x09, 0x0d},     {0x20, 0x20},     {0xa0, 0xa0},     {0x1680, 0x1680}, {0x2000, 0x200a},
    {0x2028, 0x2029}, {0x202f, 0x202f}, {0x205f, 0x205f}, {0x3000, 0x3000}, {0xfeff, 0xfeff}};
static const struct range DIGIT_RANGES[] = {{'0', '9'}};
static const struct range WORD_RANGES[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
static const struct range UPPER_RANGES[] = {{'A', 'Z'},       {0xc0, 0xd6},     {0xd8, 0xde},
                                            {0x391, 0x3a9},   {0x400, 0x42f},   {0x531, 0x556},
                                            {0x10a0, 0x10c5}, {0x1e00, 0x1e00}, {0xff21, 0xff3a}};
static const struct range LOWER_RANGES[] = {{'a', 'z'},     {0xb5, 0xb5},     {0xdf, 0xf6},
                                            {0xf8, 0xff},   {0x3b1, 0x3c9},   {0x430, 0x45f},
                                            {0x561, 0x587}, {0x1d00, 0x1d2b}, {0xff41, 0xff5a}};
static const struct range LETTER_RANGES[] = {
    {'A', 'Z'},       {'a', 'z'},         {0xaa, 0xaa},       {0xb5, 0xb5},      {0xba, 0xba},
    {0xc0, 0xd6},     {0xd8, 0xf6},       {0xf8, 0x2c1},      {0x2c6, 0x2d1},    {0x370, 0x374},
    {0x376, 0x377},   {0x37b, 0x37d},     {0x386, 0x386},     {0x388, 0x3ff},    {0x400, 0x481},
    {0x48a, 0x52f},   {0x531, 0x556},     {0x561, 0x587},     {0x5d0, 0x5ea},    {0x620, 0x64a},
    {0x671, 0x6d3},   {0x904, 0x939},     {0x985, 0x9b9},     {0xe01, 0xe30},    {0x10a0, 0x10ff},
    {0x1100, 0x11ff}, {0x1e00, 0x1fbc},   {0x2c00, 0x2ce4},   {0x3041, 0x3096},  {0x30a1, 0x30fa},
    {0x3400, 0x4dbf}, {0x4e00, 0x9fff},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},  {0xff21, 0xff3a},
    {0xff41, 0xff5a}, {0x10400, 0x1044f}, {0x1d400, 0x1d6a5}, {0x20000, 0x2a6df}};
static const struct range DECIMAL_RANGES[] = {
    {'0', '9'},         {0x660, 0x669},    {0x6f0, 0x6f9},   {0x7c0, 0x7c9},   {0x966, 0x96f},
    {0x9e6, 0x9ef},     {0xa66, 0xa6f},    {0xae6, 0xaef},   {0xb66, 0xb6f},   {0xbe6, 0xbef},
    {0xc66, 0xc6f},     {0xce6, 0xcef},    {0xd66, 0xd6f},   {0xe50, 0xe59},   {0xed0, 0xed9},
    {0xf20, 0xf29},     {0x1040, 0x1049},  {0x17e0, 0x17e9}, {0x1810, 0x1819}, {0xff10, 0xff19},
    {0x104a0, 0x104a9}, {0x1d7ce, 0x1d7ff}};
static const struct range NUMBER_EXTRA_RANGES[] = {
    {0xb2, 0xb3}, {0xb9, 0xb9}, {0xbc, 0xbe}, {0x2150, 0x2189}, {0x2460, 0x249b}};

struct property {
    const char *names[4];
    const struct range *ranges;
    int n;
    const struct range *extra;
    int nextra;
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
static const struct property PROPERTIES[] = {
    {{"L", "Letter", "General_Category=Letter", "gc=L"},
     LETTER_RANGES,
     COUNT(LETTER_RANGES),
     NULL,
     0},
    {{"Lu", "Uppercase_Letter", "gc=Lu"}, UPPER_RANGES, COUNT(UPPER_RANGES), NULL, 0},
    {{"Ll", "Lowercase_Letter", "gc=Ll"}, LOWER_RANGES, COUNT(LOWER_RANGES), NULL, 0},
    {{"Nd", "Decimal_Number", "digit", "gc=Nd"}, DECIMAL_RANGES, COUNT(DECIMAL_RANGES), NULL, 0},
    {{"N", "Number", "gc=N"},
     DECIMAL_RANGES,
     COUNT(DECIMAL_RANGES),
     NUMBER_EXTRA_RANGES,
     COUNT(NUMBER_EXTRA_RANGES)},
};

static bool in_ranges(const struct range *r, int n, uint32_t c);

/* ---- parsing --------------------------------------------------------------------------------- */

static void fail(struct parser *ps, const char *msg)
{
    if (ps->failed)
        return;
    ps->failed = true;
    if (ps->err && ps->err_size)
        snprintf(ps->err, ps->err_size, "%s", msg);
}

static struct rnode *new_node(struct parser *ps, enum rtype t)
{
    struct schema_regex *re = ps->re;
    if (re->nall == re->capall) {
        int cap = re->capall ? re->capall * 2 : 16;
        struct rnode **all = realloc(re->all, (size_t)cap * sizeof *all);
        if (!all) {
            fail(ps, "out of memory");
            return NULL;
        }
        re->all = all;
        re->capall = cap;
    }
    struct rnode *n = calloc(1, sizeof *n);
    if (!n) {
        fail(ps, "out of memory");
        return NULL;
    }
    n->type = t;
    n->cap = -1;
    re->all[re->nall++] = n;
    return n;
}

/* Decodes one UTF-8 sequence at *p (< end); invalid bytes decode as themselves. */
static uint32_t utf8_next(const char **p, const char *end)
{
    const unsigned char *s = (const unsigned char *)*p;
    uint32_t c = s[0];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (len > 1 && (const char *)s + len <= end) {
        uint32_t v = c & (0x3f >> (len - 1));
        for (int i = 1; i < len; i++) {
            if ((s[i] & 0xc0) != 0x80) {
                len = 1;
                v = c;
                break;
            }
            v = (v << 6) | (s[i] & 0x3f);
        }
        /* an overlong form counts as invalid: each of its bytes stands for itself, so that no
         * byte at or above 0x80 ever decodes to an ASCII character */
        static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (len > 1 && v >= least[len]) {
            *p += len;
            return v;
        }
    }
    *p += 1;
    return c;
}

/* A growable set of code point ranges, normalised (sorted, merged) by set_finish. */
struct set {
    struct range *r;
    int n, cap;
};

static void set_add(struct parser *ps, struct set *s, uint32_t lo, uint32_t hi)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        struct range *r = realloc(s->r, (size_t)cap * sizeof *r);
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
    const struct range *x = a, *y = b;
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

static void set_add_table(struct parser *ps, struct set *s, const struct range *t, int n,
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

static void set_add_property(struct parser *ps, struct set *s, const struct property *pr,
                             bool negate)
{
    struct set tmp = {0};
    set_add_table(ps, &tmp, pr->ranges, pr->n, false);
    if (pr->extra)
        set_add_table(ps, &tmp, pr->extra, pr->nextra, false);
    set_finish(&tmp);
    set_add_table(ps, s, tmp.r, tmp.n, negate);
    free(tmp.r);
}

static bool read_hex(struct parser *ps, int digits, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        if (ps->p >= ps->end || hex_digit(*ps->p) < 0)
            return false;
        v = v * 16 + (uint32_t)hex_digit(*ps->p++);
    }
    *out = v;
    return true;
}

/* Parses \u escapes after the 'u': HHHH (with a following low surrogate joined) or {H...}. */
static bool read_unicode_escape(struct parser *ps, uint32_t *out)
{
    if (ps->p < ps->end && *ps->p == '{') {
        ps->p++;
        uint32_t v = 0;
        int n = 0;
        while (ps->p < ps->end && hex_digit(*ps->p) >= 0) {
            v = v * 16 + (uint32_t)hex_digit(*ps->p++);
            if (v > 0x10ffff)
                return false;
            n++;
        }
        if (n == 0 || ps->p >= ps->end || *ps->p != '}')
            return false;
        ps->p++;
        *out = v;
        return true;
    }
    uint32_t v;
    if (!read_hex(ps, 4, &v))
        return false;
    if (v >= 0xd800 && v <= 0xdbff && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
        const char *save = ps->p;
        ps->p += 2;
        uint32_t lo;
        if (read_hex(ps, 4, &lo) && lo >= 0xdc00 && lo <= 0xdfff)
            v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
        else
            ps->p = save;
    }
    *out = v;
    return true;
}

static const struct property *find_property(const char *name, size_t len)
{
    for (int i = 0; i < COUNT(PROPERTIES); i++)
        for (int j = 0; j < 4 && PROPERTIES[i].names[j]; j++)
            if (strlen(PROPERTIES[i].names[j]) == len &&
                memcmp(PROPERTIES[i].names[j], name, len) == 0)
                return &PROPERTIES[i];
    return NULL;
}

/*
 * Parses a class escape (\d \D \w \W \s \S \p{..} \P{..}) after the backslash into set s.
 * Returns true when one was found (and consumed).
 */
static bool class_escape(struct parser *ps, struct set *s)
{
    char c = *ps->p;
    switch (c) {
    case 'd':
    case 'D':
        ps->p++;
        set_add_table(ps, s, DIGIT_RANGES, COUNT(DIGIT_RANGES), c == 'D');
        return true;
    case 'w':
    case 'W':
        ps->p++;
        set_add_table(ps, s, WORD_RANGES, COUNT(WORD_RANGES), c == 'W');
        return true;
    case 's':
    case 'S':
        ps->p++;
        set_add_table(ps, s, SPACE_RANGES, COUNT(SPACE_RANGES), c == 'S');
        return true;
    case 'p':
    case 'P': {
        ps->p++;
        if (ps->p >= ps->end || *ps->p != '{') {
            fail(ps, "invalid Unicode property escape");
            return true;
        }
        const char *name = ++ps->p;
        while (ps->p < ps->end && *ps->p != '}')
            ps->p++;
        if (ps->p >= ps->end) {
            fail(ps, "invalid Unicode property escape");
            return true;
        }
        const struct property *pr = find_property(name, (size_t)(ps->p - name));
        ps->p++;
        if (!pr) {
            fail(ps, "unsupported Unicode property");
            return true;
        }
        set_add_property(ps, s, pr, c == 'P');
        return true;
    }
    default:
        return false;
    }
}

/* Parses a character escape (after the backslash) to its code point; in_class allows \b and \-. */
static bool char_escape(struct parser *ps, bool in_class, uint32_t *out)
{
    char c = *ps->p++;
    switch (c) {
    case 't':
        *out = '\t';
        return true;
    case 'n':
        *out = '\n';
        return true;
    case 'v':
        *out = '\v';
        return true;
    case 'f':
        *out = '\f';
        return true;
    case 'r':
        *out = '\r';
        return true;
    case '0':
        if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            return false;
        *out = 0;
        return true;
    case 'c':
        if (ps->p < ps->end &&
            ((*ps->p >= 'a' && *ps->p <= 'z') || (*ps->p >= 'A' && *ps->p <= 'Z'))) {
            *out = (uint32_t)(*ps->p++ % 32);
            return true;
        }
        return false;
    case 'x':
        return read_hex(ps, 2, out);
    case 'u':
        return read_unicode_escape(ps, out);
    case 'b':
        if (in_class) {
            *out = '\b';
            return true;
        }
        return false;
    case '-':
        if (in_class) {
            *out = '-';
            return true;
        }
        return false;
    default:
        if (c && strchr("^$\\.*+?()[]{}|/", c)) {
            *out = (uint32_t)c;
            return true;
        }
        return false;
    }
}

static struct rnode *parse_class(struct parser *ps)
{
    struct rnode *n = new_node(ps, R_CLASS);
    if (!n)
        return NULL;
    struct set s = {0};
    if (ps->p < ps->end && *ps->p == '^') {
        n->negate = true;
        ps->p++;
    }
    for (;;) {
        if (ps->p >= ps->end) {
            fail(ps, "unterminated character class");
            break;
        }
        if (*ps->p == ']') {
            ps->p++;
            break;
        }
        uint32_t lo;
        bool lo_is_set = false;
        if (*ps->p == '\\') {
            ps->p++;
            if (ps->p >= ps->end) {
                fail(ps, "\\ at end of pattern");
                break;
            }
            if (class_escape(ps, &s)) {
                lo_is_set = true;
                lo = 0;
            } else if (!char_escape(ps, true, &lo)) {
                fail(ps, "invalid escape in character class");
                break;
            }
        } else {
            lo = utf8_next(&ps->p, ps->end);
        }
        if (ps->failed)
            break;
        if (ps->end - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] != ']') {
            ps->p++;
            uint32_t hi;
            bool hi_is_set = false;
            if (*ps->p == '\\') {
                ps->p++;
                if (ps->p >= ps->end) {
                    fail(ps, "\\ at end of pattern");
                    break;
                }
                if (class_escape(ps, &s))
                    hi_is_set = true;
                else if (!char_escape(ps, true, &hi)) {
                    fail(ps, "invalid escape in character class");
                    break;
                }
            } else {
                hi = utf8_next(&ps->p, ps->end);
            }
            if (lo_is_set || hi_is_set) {
                fail(ps, "invalid character class range");
                break;
            }
            if (hi < lo) {
                fail(ps, "range out of order in character class");
                break;
            }
            set_add(ps, &s, lo, hi);
        } else if (!lo_is_set) {
            set_add(ps, &s, lo, lo);
        }
    }
    set_finish(&s);
    n->ranges = s.r;
    n->nranges = s.n;
    return n;
}

static struct rnode *parse_alt(struct parser *ps);

static bool parse_int(struct parser *ps, int *out)
{
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return false;
    long v = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        v = v * 10 + (*ps->p++ - '0');
        if (v > 100000)
            v = 100000;
    }
    *out = (int)v;
    return true;
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
            const char *name = ps->p;
            while (ps->p < ps->end && *ps->p != '>')
                ps->p++;
            if (ps->p >= ps->end || ps->p == name) {
                fail(ps, "invalid group name");
                return NULL;
            }
            n = new_node(ps, R_GROUP);
            if (!n)
                return NULL;
            n->name = strndup(name, (size_t)(ps->p - name));
            n->cap = ++ps->re->ncaps;
            ps->p++;
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
    n->body = parse_alt(ps);
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

static struct rnode *parse_atom(struct parser *ps)
{
    char c = *ps->p;
    struct rnode *n;
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
    case '*':
    case '+':
    case '?':
    case '{':
        fail(ps, "nothing to repeat");
        return NULL;
    case ')':
        fail(ps, "unmatched )");
        return NULL;
    case ']':
    case '}':
        fail(ps, "lone quantifier bracket");
        return NULL;
    case '\\': {
        ps->p++;
        if (ps->p >= ps->end) {
            fail(ps, "\\ at end of pattern");
            return NULL;
        }
        char e = *ps->p;
        if (e == 'b' || e == 'B') {
            ps->p++;
            return new_node(ps, e == 'b' ? R_WORDB : R_NWORDB);
        }
        if (e >= '1' && e <= '9') {
            int idx;
            parse_int(ps, &idx);
            n = new_node(ps, R_BACKREF);
            if (n)
                n->cap = idx;
            return n;
        }
        if (e == 'k') {
            ps->p++;
            if (ps->p >= ps->end || *ps->p != '<') {
                fail(ps, "invalid named reference");
                return NULL;
            }
            const char *name = ++ps->p;
            while (ps->p < ps->end && *ps->p != '>')
                ps->p++;
            if (ps->p >= ps->end) {
                fail(ps, "invalid named reference");
                return NULL;
            }
            n = new_node(ps, R_BACKREF);
            if (n)
                n->name = strndup(name, (size_t)(ps->p - name));
            ps->p++;
            return n;
        }
        struct set s = {0};
        if (class_escape(ps, &s)) {
            set_finish(&s);
            n = new_node(ps, R_CLASS);
            if (!n) {
                free(s.r);
                return NULL;
            }
            n->ranges = s.r;
            n->nranges = s.n;
            return n;
        }
        uint32_t cp;
        if (!char_escape(ps, false, &cp)) {
            fail(ps, "invalid escape");
            return NULL;
        }
        n = new_node(ps, R_CHAR);
        if (n)
            n->cp = cp;
        return n;
    }
    default:
        n = new_node(ps, R_CHAR);
        if (n)
            n->cp = utf8_next(&ps->p, ps->end);
        return n;
    }
}

/* Parses an optional quantifier after atom; returns the atom or a repeat node around it. */
static struct rnode *parse_quantifier(struct parser *ps, struct rnode *atom)
{
    if (ps->p >= ps->end)
        return atom;
    int min, max;
    const char *save = ps->p;
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
        ps->p++;
        if (!parse_int(ps, &min)) {
            ps->p = save;
            fail(ps, "incomplete quantifier");
            return NULL;
        }
        max = min;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            if (!parse_int(ps, &max))
                max = INT_MAX;
        }
        if (ps->p >= ps->end || *ps->p != '}') {
            fail(ps, "incomplete quantifier");
            return NULL;
        }
        ps->p++;
        if (max < min) {
            fail(ps, "numbers out of order in quantifier");
            return NULL;
        }
        break;
    default:
        return atom;
    }
    if (atom->type == R_BOL || atom->type == R_EOL || atom->type == R_WORDB ||
        atom->type == R_NWORDB || (atom->type == R_LOOK)) {
        fail(ps, "nothing to repeat");
        return NULL;
    }
    struct rnode *r = new_node(ps, R_REPEAT);
    if (!r)
        return NULL;
    r->body = atom;
    r->min = min;
    r->max = max;
    r->greedy = true;
    if (ps->p < ps->end && *ps->p == '?') {
        r->greedy = false;
        ps->p++;
    }
    return r;
}

static struct rnode *parse_seq(struct parser *ps)
{
    struct rnode *head = NULL, *tail = NULL;
    while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')' && !ps->failed) {
        struct rnode *a = parse_atom(ps);
        if (!a)
            return NULL;
        a = parse_quantifier(ps, a);
        if (!a)
            return NULL;
        if (tail)
            tail->next = a;
        else
            head = a;
        tail = a;
    }
    return head;
}

static struct rnode *parse_alt(struct parser *ps)
{
    struct rnode *first = parse_seq(ps);
    if (ps->failed || ps->p >= ps->end || *ps->p != '|')
        return first;
    struct rnode *alt = new_node(ps, R_ALT);
    if (!alt)
        return NULL;
    int cap = 4;
    alt->alts = malloc((size_t)cap * sizeof *alt->alts);
    if (!alt->alts) {
        fail(ps, "out of memory");
        return NULL;
    }
    alt->alts[alt->nalts++] = first;
    while (!ps->failed && ps->p < ps->end && *ps->p == '|') {
        ps->p++;
        struct rnode *s = parse_seq(ps);
        if (ps->failed)
            return NULL;
        if (alt->nalts == cap) {
            cap *= 2;
            struct rnode **a = realloc(alt->alts, (size_t)cap * sizeof *a);
            if (!a) {
                fail(ps, "out of memory");
                return NULL;
            }
            alt->alts = a;
        }
        alt->alts[alt->nalts++] = s;
    }
    return alt;
}

/* Resolves \k<name> references to capture indexes and checks numbered references exist. */
static void resolve_backrefs(struct parser *ps)
{
    struct schema_regex *re = ps->re;
    for (int i = 0; i < re->nall; i++) {
        struct rnode *b = re->all[i];
        if (b->type != R_BACKREF)
            continue;
        if (b->name) {
            for (int j = 0; j < re->nall; j++)
                if (re->all[j]->type == R_GROUP && re->all[j]->name &&
                    strcmp(re->all[j]->name, b->name) == 0)
                    b->cap = re->all[j]->cap;
            if (b->cap < 0)
                fail(ps, "reference to an undefined group name");
        } else if (b->cap > re->ncaps) {
            fail(ps, "reference to an undefined group");
        }
    }
}

/* The ASCII byte set a single-character node matches (classes carry theirs already). */
static bool ascii_set(const struct rnode *n, uint64_t bits[2])
{
    if (n->type == R_CLASS) {
        bits[0] = n->ascii[0];
        bits[1] = n->ascii[1];
        return true;
    }
    if (n->type == R_CHAR) {
        if (n->cp >= 128)
            return false;
        bits[0] = bits[1] = 0;
        bits[n->cp / 64] |= (uint64_t)1 << (n->cp % 64);
        return true;
    }
    if (n->type == R_ANY) {
        bits[0] = ~(((uint64_t)1 << '\n') | ((uint64_t)1 << '\r'));
        bits[1] = ~(uint64_t)0;
        return true;
    }
    return false;
}

/* Recognises patterns that are a sequence of (optionally repeated) single characters between
 * optional ^ and $, and stores them as a simple program. */
static void build_simple(struct schema_regex *re)
{
    int n = 0;
    const struct rnode *p = re->root;
    bool bol = false, eol = false;
    if (p && p->type == R_BOL) {
        bol = true;
        p = p->next;
    }
    for (const struct rnode *q = p; q; q = q->next) {
        if (q->type == R_EOL && !q->next) {
            eol = true;
            break;
        }
        const struct rnode *atom = q->type == R_REPEAT ? q->body : q;
        uint64_t bits[2];
        if (!atom || (q->type == R_REPEAT && atom->next) || !ascii_set(atom, bits))
            return;
        n++;
    }
    struct simple_item *items = malloc((size_t)(n ? n : 1) * sizeof *items);
    if (!items)
        return;
    int i = 0;
    bool ascii = true;
    for (const struct rnode *q = p; q && i < n; q = q->next, i++) {
        const struct rnode *atom = q->type == R_REPEAT ? q->body : q;
        uint64_t bits[2] = {0, 0};
        ascii_set(atom, bits);
        memset(items[i].set, 0, sizeof items[i].set);
        for (int c = 0; c < 128; c++)
            items[i].set[c] = (bits[c / 64] >> (c % 64)) & 1;
        if (atom->type == R_ANY ||
            (atom->type == R_CLASS &&
             (atom->negate || (atom->nranges && atom->ranges[atom->nranges - 1].hi >= 128))))
            ascii = false;
        items[i].min = q->type == R_REPEAT ? q->min : 1;
        items[i].max = q->type == R_REPEAT ? q->max : 1;
        items[i].possessive = false;
    }
    for (i = 0; i + 1 < n; i++) {
        bool disjoint = items[i + 1].min >= 1;
        for (int c = 0; c < 256 && disjoint; c++)
            disjoint = !(items[i].set[c] && items[i + 1].set[c]);
        items[i].possessive = disjoint;
    }
    re->simple_linear = bol;
    for (i = 0; i + 1 < n; i++)
        if (items[i].min != items[i].max && !items[i].possessive)
            re->simple_linear = false;
    re->simple = items;
    re->nsimple = n;
    re->simple_bol = bol;
    re->simple_eol = eol;
    re->simple_ascii = ascii;
    re->single_run = re->simple_linear && ascii && n == 1 && eol;
}

/*
 * Builds the byte automaton of a simple_linear, ASCII-only program. A state is an item and how
 * many bytes it has taken (counted up to its maximum, or up to its minimum when unbounded); a
 * byte the item cannot take ends the item, which must then have its minimum, and goes to the next
 * one, exactly as simple_walk's longest runs do.
 */
static void build_dfa(struct schema_regex *re)
{
    if (!re->simple || !re->simple_linear || !re->simple_ascii || re->nsimple == 0)
        return;
    int n = re->nsimple, base[DFA_MAX_STATES + 1], total = 2, done = 1;
    for (int i = 0; i < n; i++) {
        const struct simple_item *it = &re->simple[i];
        int cap = it->max == INT_MAX ? it->min : it->max;
        if (cap >= DFA_MAX_STATES || total + cap + 2 > DFA_MAX_STATES)
            return;
        base[i] = total;
        total += cap + 1;
    }
    uint8_t *t = calloc((size_t)total, 256);
    bool *accept = calloc((size_t)total, sizeof *accept);
    if (!t || !accept) {
        free(t);
        free(accept);
        return;
    }
    for (int b = 0; b < 256; b++)
        t[done * 256 + b] = re->simple_eol ? 0 : (uint8_t)done;
    accept[done] = !re->simple_eol;
    for (int i = 0; i < n; i++) {
        const struct simple_item *it = &re->simple[i];
        int cap = it->max == INT_MAX ? it->min : it->max;
        bool rest_empty = true; /* the items after this one may take nothing */
        for (int j = i + 1; j < n; j++)
            rest_empty = rest_empty && re->simple[j].min == 0;
        for (int c = 0; c <= cap; c++) {
            int state = base[i] + c;
            accept[state] = c >= it->min && rest_empty;
            for (int b = 0; b < 256; b++) {
                int k = i, count = c, next = 0;
                for (;;) {
                    const struct simple_item *ik = &re->simple[k];
                    int capk = ik->max == INT_MAX ? ik->min : ik->max;
                    if (count < ik->max && ik->set[b]) {
                        next = base[k] + (count + 1 < capk ? count + 1 : capk);
                        break;
                    }
                    if (count < ik->min)
                        break;
                    if (++k == n) {
                        next = re->simple_eol ? 0 : done;
                        break;
                    }
                    count = 0;
                }
                t[state * 256 + b] = (uint8_t)next;
            }
        }
    }
    re->dfa = t;
    re->dfa_accept = accept;
    re->dfa_start = (uint8_t)base[0];
}

static bool single_char(const struct rnode *n)
{
    return n && !n->next && (n->type == R_CHAR || n->type == R_CLASS);
}

static void simplify(struct parser *ps, struct rnode *n);

static void simplify_list(struct parser *ps, struct rnode *n)
{
    for (; n && !ps->failed; n = n->next)
        simplify(ps, n);
}

/*
 * Rewrites alternations of single characters ("a|b", "[0-9]|x") and non-capturing groups around
 * one character into classes, so that repeating them takes the matcher's fast path instead of one
 * recursion level per repetition.
 */
static void simplify(struct parser *ps, struct rnode *n)
{
    switch (n->type) {
    case R_ALT: {
        bool all = true;
        for (int i = 0; i < n->nalts; i++) {
            simplify_list(ps, n->alts[i]);
            all = all && single_char(n->alts[i]);
        }
        if (!all || ps->failed)
            return;
        struct set set = {0};
        for (int i = 0; i < n->nalts; i++) {
            const struct rnode *a = n->alts[i];
            if (a->type == R_CHAR)
                set_add(ps, &set, a->cp, a->cp);
            else
                set_add_table(ps, &set, a->ranges, a->nranges, a->negate);
        }
        set_finish(&set);
        free(n->alts);
        n->alts = NULL;
        n->nalts = 0;
        n->type = R_CLASS;
        n->ranges = set.r;
        n->nranges = set.n;
        n->negate = false;
        return;
    }
    case R_GROUP:
    case R_LOOK:
    case R_REPEAT:
        simplify_list(ps, n->body);
        if (n->type == R_GROUP && n->cap < 0 && single_char(n->body)) {
            const struct rnode *b = n->body;
            n->type = b->type;
            n->cp = b->cp;
            n->negate = b->negate;
            n->nranges = b->nranges;
            n->ranges = NULL;
            if (b->nranges) {
                n->ranges = malloc((size_t)b->nranges * sizeof *n->ranges);
                if (!n->ranges) {
                    fail(ps, "out of memory");
                    return;
                }
                memcpy(n->ranges, b->ranges, (size_t)b->nranges * sizeof *n->ranges);
            }
            n->body = NULL;
        }
        return;
    default:
        return;
    }
}

struct schema_regex *schema_regex_compile(const char *pattern, char *err, size_t err_size)
{
    struct schema_regex *re = calloc(1, sizeof *re);
    if (!re) {
        if (err && err_size)
            snprintf(err, err_size, "out of memory");
        return NULL;
    }
    struct parser ps = {
        .p = pattern, .end = pattern + strlen(pattern), .re = re, .err = err, .err_size = err_size};
    re->root = parse_alt(&ps);
    if (!ps.failed && ps.p < ps.end)
        fail(&ps, *ps.p == ')' ? "unmatched )" : "unexpected character");
    if (!ps.failed)
        resolve_backrefs(&ps);
    if (!ps.failed)
        simplify_list(&ps, re->root);
    for (int i = 0; !ps.failed && i < re->nall; i++) {
        struct rnode *n = re->all[i];
        if (n->type != R_CLASS)
            continue;
        for (uint32_t c = 0; c < 128; c++)
            if (in_ranges(n->ranges, n->nranges, c) != n->negate)
                n->ascii[c / 64] |= (uint64_t)1 << (c % 64);
    }
    if (ps.failed) {
        schema_regex_free(re);
        return NULL;
    }
    build_simple(re);
    build_dfa(re);
    return re;
}

void schema_regex_free(struct schema_regex *re)
{
    if (!re)
        return;
    free(re->simple);
    free(re->dfa);
    free(re->dfa_accept);
    for (int i = 0; i < re->nall; i++) {
        free(re->all[i]->ranges);
        free(re->all[i]->alts);
        free(re->all[i]->name);
        free(re->all[i]);
    }
    free(re->all);
    free(re);
}

/* ---- matching -------------------------------------------------------------------------------- */

enum kkind { K_NEXT, K_CAPTURE, K_REPEAT, K_ACCEPT, K_ACCEPT_AT };

/* A continuation: what to do when the sequence being matched ends. Lives on the C stack. */
struct kont {
    enum kkind kind;
    const struct rnode *node;
    const struct kont *up;
    size_t start;
    int count;
};

struct mstate {
    const uint32_t *s;
    size_t n;
    size_t *caps; /* 2 per group, SIZE_MAX when unset */
    long steps;
    int depth;
    bool aborted;
};

static bool in_ranges(const struct range *r, int n, uint32_t c)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < r[mid].lo)
            hi = mid - 1;
        else if (c > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static bool single_match(const struct rnode *n, uint32_t c)
{
    switch (n->type) {
    case R_CHAR:
        return c == n->cp;
    case R_ANY:
        return c != '\n' && c != '\r' && c != 0x2028 && c != 0x2029;
    case R_CLASS:
        if (c < 128)
            return (n->ascii[c / 64] >> (c % 64)) & 1;
        return in_ranges(n->ranges, n->nranges, c) != n->negate;
    default:
        return false;
    }
}

static bool is_word(const struct mstate *st, size_t i)
{
    if (i >= st->n)
        return false;
    uint32_t c = st->s[i];
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool run(struct mstate *st, const struct rnode *n, size_t pos, const struct kont *k);

static bool repeat(struct mstate *st, const struct rnode *n, size_t pos, int count,
                   const struct kont *k)
{
    const struct rnode *b = n->body;
    if (count == 0 && !b->next && (b->type == R_CHAR || b->type == R_ANY || b->type == R_CLASS)) {
        size_t most = 0, limit = st->n - pos;
        if ((long)limit > (long)n->max)
            limit = (size_t)n->max;
        if (b->type == R_CLASS) {
            while (most < limit) {
                uint32_t c = st->s[pos + most];
                if (c < 128 ? !((b->ascii[c / 64] >> (c % 64)) & 1)
                            : in_ranges(b->ranges, b->nranges, c) == b->negate)
                    break;
                most++;
            }
        } else {
            while (most < limit && single_match(b, st->s[pos + most]))
                most++;
        }
        if ((long)most < (long)n->min)
            return false;
        if (n->greedy) {
            for (size_t i = most + 1; i-- > (size_t)n->min;) {
                if (run(st, n->next, pos + i, k))
                    return true;
                if (st->aborted)
                    return false;
            }
        } else {
            for (size_t i = (size_t)n->min; i <= most; i++) {
                if (run(st, n->next, pos + i, k))
                    return true;
                if (st->aborted)
                    return false;
            }
        }
        return false;
    }
    struct kont kk = {K_REPEAT, n, k, pos, count + 1};
    if (n->greedy) {
        if (count < n->max && run(st, b, pos, &kk))
            return true;
        if (st->aborted)
            return false;
        return count >= n->min && run(st, n->next, pos, k);
    }
    if (count >= n->min && run(st, n->next, pos, k))
        return true;
    if (st->aborted)
        return false;
    return count < n->max && run(st, b, pos, &kk);
}

static bool look(struct mstate *st, const struct rnode *n, size_t pos)
{
    bool ok = false;
    if (!n->behind) {
        struct kont acc = {K_ACCEPT, NULL, NULL, 0, 0};
        ok = run(st, n->body, pos, &acc);
    } else {
        struct kont acc = {K_ACCEPT_AT, NULL, NULL, pos, 0};
        for (size_t s = pos + 1; s-- > 0 && !ok && !st->aborted;)
            ok = run(st, n->body, s, &acc);
    }
    return n->negate ? !ok : ok;
}

static bool run(struct mstate *st, const struct rnode *n, size_t pos, const struct kont *k)
{
    if (st->aborted)
        return false;
    if (++st->steps > REGEX_MAX_STEPS || st->depth >= REGEX_MAX_DEPTH) {
        st->aborted = true;
        return false;
    }
    st->depth++;
    bool result = false;
    for (;;) {
        if (!n) {
            if (!k) {
                result = true;
                break;
            }
            if (k->kind == K_NEXT) {
                n = k->node->next;
                k = k->up;
                continue;
            }
            if (k->kind == K_CAPTURE) {
                int i = k->node->cap;
                size_t s0 = st->caps[2 * i], s1 = st->caps[2 * i + 1];
                st->caps[2 * i] = k->start;
                st->caps[2 * i + 1] = pos;
                result = run(st, k->node->next, pos, k->up);
                if (!result) {
                    st->caps[2 * i] = s0;
                    st->caps[2 * i + 1] = s1;
                }
                break;
            }
            if (k->kind == K_REPEAT) {
                if (pos == k->start && k->count > k->node->min)
                    break;
                result = repeat(st, k->node, pos, k->count, k->up);
                break;
            }
            if (k->kind == K_ACCEPT) {
                result = true;
                break;
            }
            result = pos == k->start;
            break;
        }
        if (n->type == R_CHAR || n->type == R_ANY || n->type == R_CLASS) {
            if (pos < st->n && single_match(n, st->s[pos])) {
                pos++;
                n = n->next;
                continue;
            }
            break;
        }
        if (n->type == R_BOL) {
            if (pos != 0)
                break;
            n = n->next;
            continue;
        }
        if (n->type == R_EOL) {
            if (pos != st->n)
                break;
            n = n->next;
            continue;
        }
        if (n->type == R_WORDB || n->type == R_NWORDB) {
            bool at = is_word(st, pos) != (pos > 0 && is_word(st, pos - 1));
            if (at != (n->type == R_WORDB))
                break;
            n = n->next;
            continue;
        }
        if (n->type == R_BACKREF) {
            size_t s0 = st->caps[2 * n->cap], s1 = st->caps[2 * n->cap + 1];
            if (s0 != (size_t)-1 && s1 != (size_t)-1) {
                size_t len = s1 - s0;
                if (pos + len > st->n || memcmp(st->s + s0, st->s + pos, len * sizeof *st->s))
                    break;
                pos += len;
            }
            n = n->next;
            continue;
        }
        if (n->type == R_LOOK) {
            if (!look(st, n, pos))
                break;
            n = n->next;
            continue;
        }
        if (n->type == R_GROUP) {
            struct kont kk = {n->cap >= 0 ? K_CAPTURE : K_NEXT, n, k, pos, 0};
            result = run(st, n->body, pos, &kk);
            break;
        }
        if (n->type == R_ALT) {
            struct kont kk = {K_NEXT, n, k, pos, 0};
            for (int i = 0; i < n->nalts && !result && !st->aborted; i++)
                result = run(st, n->alts[i], pos, &kk);
            break;
        }
        result = repeat(st, n, pos, 0, k);
        break;
    }
    st->depth--;
    return result;
}

/* Decodes UTF-8 into code points; returns the count. out must hold len entries. */
static size_t decode_all(const char *s, size_t len, uint32_t *out)
{
    const char *p = s, *end = s + len;
    size_t n = 0;
    while (p < end) {
        if ((unsigned char)*p < 0x80)
            out[n++] = (unsigned char)*p++;
        else
            out[n++] = utf8_next(&p, end);
    }
    return n;
}

/* Matches items[i..] of a simple program at pos; *steps bounds the backtracking. */
static int simple_match(const struct schema_regex *re, int i, const unsigned char *s, size_t len,
                        size_t pos, long *steps)
{
    for (; i < re->nsimple; i++) {
        const struct simple_item *it = &re->simple[i];
        size_t most = 0, limit = len - pos;
        if ((long)limit > (long)it->max)
            limit = (size_t)it->max;
        while (most < limit && it->set[s[pos + most]])
            most++;
        if ((long)most < (long)it->min)
            return 0;
        /* Whether some match exists does not depend on greediness, so lengths are tried
         * longest first; the last item can take its longest run (which reaches $ if any does). */
        if (it->min == it->max || i + 1 == re->nsimple || it->possessive) {
            pos += most;
            continue;
        }
        for (size_t k = most + 1; k-- > (size_t)it->min;) {
            if (++*steps > REGEX_MAX_STEPS)
                return -1;
            int r = simple_match(re, i + 1, s, len, pos + k, steps);
            if (r)
                return r;
        }
        return 0;
    }
    return !re->simple_eol || pos == len;
}

/* simple_search for a simple_linear program: each item takes its longest run. */
static enum schema_regex_result simple_walk(const struct schema_regex *re, const unsigned char *s,
                                            size_t len)
{
    size_t pos = 0;
    for (int i = 0; i < re->nsimple; i++) {
        const struct simple_item *it = &re->simple[i];
        size_t limit = len - pos;
        if ((long)limit > (long)it->max)
            limit = (size_t)it->max;
        size_t run = 0;
        while (run < limit && it->set[s[pos + run]])
            run++;
        if ((long)run < (long)it->min)
            return SCHEMA_REGEX_NOMATCH;
        pos += run;
    }
    return !re->simple_eol || pos == len ? SCHEMA_REGEX_MATCH : SCHEMA_REGEX_NOMATCH;
}

static enum schema_regex_result simple_search(const struct schema_regex *re, const unsigned char *s,
                                              size_t len)
{
    if (re->simple_linear)
        return simple_walk(re, s, len);
    long steps = 0;
    for (size_t start = 0; start <= len; start++) {
        if (++steps > REGEX_MAX_STEPS)
            return SCHEMA_REGEX_LIMIT;
        int r = simple_match(re, 0, s, len, start, &steps);
        if (r < 0)
            return SCHEMA_REGEX_LIMIT;
        if (r > 0)
            return SCHEMA_REGEX_MATCH;
        if (re->simple_bol)
            break;
    }
    return SCHEMA_REGEX_NOMATCH;
}

enum schema_regex_result schema_regex_search(const struct schema_regex *re, const char *subject,
                                             size_t len)
{
    if (re->single_run) {
        /* over ASCII, bytes are characters; any other byte is outside the set */
        const struct simple_item *it = re->simple;
        const unsigned char *s = (const unsigned char *)subject;
        if (len < (size_t)it->min || (it->max != INT_MAX && len > (size_t)it->max))
            return SCHEMA_REGEX_NOMATCH;
        unsigned outside = 0;
        for (size_t i = 0; i < len; i++)
            outside |= !it->set[s[i]];
        return outside ? SCHEMA_REGEX_NOMATCH : SCHEMA_REGEX_MATCH;
    }
    if (re->dfa) {
        const unsigned char *s = (const unsigned char *)subject;
        const uint8_t *t = re->dfa;
        unsigned state = re->dfa_start, stop = re->simple_eol ? 0 : 1;
        for (size_t i = 0; i < len && state > stop; i++)
            state = t[state * 256 + s[i]];
        return re->dfa_accept[state] ? SCHEMA_REGEX_MATCH : SCHEMA_REGEX_NOMATCH;
    }
    if (re->simple) {
        const unsigned char *s = (const unsigned char *)subject;
        size_t i = 0;
        if (!re->simple_ascii)
            while (i < len && s[i] < 0x80)
                i++;
        if (re->simple_ascii || i == len)
            return simple_search(re, s, len);
    }
    return schema_regex_search_general(re, subject, len);
}

enum schema_regex_result schema_regex_search_general(const struct schema_regex *re,
                                                     const char *subject, size_t len)
{
    uint32_t small[256];
    size_t small_caps[32];
    uint32_t *cps = len <= 256 ? small : malloc(len * sizeof *cps);
    size_t ncaps = 2 * ((size_t)re->ncaps + 1);
    size_t *caps = ncaps <= 32 ? small_caps : malloc(ncaps * sizeof *caps);
    if (!cps || !caps) {
        if (cps != small)
            free(cps);
        if (caps != small_caps)
            free(caps);
        return SCHEMA_REGEX_LIMIT;
    }
    struct mstate st = {.s = cps, .n = decode_all(subject, len, cps), .caps = caps};
    bool anchored = re->root && re->root->type == R_BOL;
    bool found = false;
    for (size_t start = 0; start <= st.n && !found && !st.aborted; start++) {
        if (re->root && re->root->type == R_CHAR &&
            (start >= st.n || st.s[start] != re->root->cp)) {
            continue;
        }
        for (size_t i = 0; i < ncaps; i++)
            caps[i] = (size_t)-1;
        found = run(&st, re->root, start, NULL);
        if (anchored)
            break;
    }
    if (cps != small)
        free(cps);
    if (caps != small_caps)
        free(caps);
    if (st.aborted)
        return SCHEMA_REGEX_LIMIT;
    return found ? SCHEMA_REGEX_MATCH : SCHEMA_REGEX_NOMATCH;
}
