/*
 * Shortcuts in front of the matcher for regex_test: patterns that are only a sequence of
 * (repeated) ASCII character sets between optional ^ and $ are matched over the bytes of an
 * ASCII subject by longest runs, bounded backtracking or a byte automaton, without decoding.
 * Also the rewrite that turns alternations of single characters into classes, so that repeating
 * them takes the matcher's fast path. Patterns under the i, m or y flags take no shortcut.
 */
#include "regex/internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static bool single_char(const struct rnode *n)
{
    return n && !n->next && (n->type == R_CHAR || n->type == R_CLASS);
}

static int range_cmp(const void *a, const void *b)
{
    const struct unicode_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/* Turns the alternation n of single characters into one class (the union of theirs). */
static bool alt_to_class(struct regex *re, struct rnode *n)
{
    int cap = 0;
    for (int i = 0; i < n->nalts; i++)
        cap += n->alts[i]->type == R_CHAR ? 1 : n->alts[i]->nranges + 1;
    struct unicode_range *r = malloc((size_t)(cap ? cap : 1) * sizeof *r);
    if (!r)
        return false;
    int k = 0;
    for (int i = 0; i < n->nalts; i++) {
        const struct rnode *a = n->alts[i];
        if (a->type == R_CHAR) {
            r[k].lo = r[k].hi = a->cp;
            k++;
        } else if (!a->negate) {
            memcpy(r + k, a->ranges, (size_t)a->nranges * sizeof *r);
            k += a->nranges;
        } else {
            uint32_t lo = 0;
            for (int j = 0; j < a->nranges; j++) {
                if (a->ranges[j].lo > lo)
                    r[k].lo = lo, r[k++].hi = a->ranges[j].lo - 1;
                lo = a->ranges[j].hi + 1;
            }
            if (lo <= 0x10ffff)
                r[k].lo = lo, r[k++].hi = 0x10ffff;
        }
    }
    qsort(r, (size_t)k, sizeof *r, range_cmp);
    int w = 0;
    for (int i = 1; i < k; i++) {
        if (r[i].lo <= r[w].hi + 1) {
            if (r[i].hi > r[w].hi)
                r[w].hi = r[i].hi;
        } else {
            r[++w] = r[i];
        }
    }
    int nr = k ? w + 1 : 0;
    struct unicode_range *kept = regex_mem(re, (size_t)(nr ? nr : 1) * sizeof *kept);
    if (kept)
        memcpy(kept, r, (size_t)nr * sizeof *kept);
    free(r);
    if (!kept)
        return false;
    n->type = R_CLASS;
    n->ranges = kept;
    n->nranges = nr;
    n->negate = false;
    n->alts = n->alts_last = NULL;
    n->nalts = 0;
    return true;
}

static bool simplify(struct regex *re, struct rnode *n);

static bool simplify_list(struct regex *re, struct rnode *n)
{
    for (; n; n = n->next)
        if (!simplify(re, n))
            return false;
    return true;
}

/*
 * Rewrites alternations of single characters ("a|b", "[0-9]|x") and non-capturing groups around
 * one character into classes, so that repeating them takes the matcher's fast path instead of one
 * recursion level per repetition, and lets a quantifier over a non-capturing group repeat the
 * group's contents directly.
 */
static bool simplify(struct regex *re, struct rnode *n)
{
    switch (n->type) {
    case R_ALT: {
        bool all = true;
        for (int i = 0; i < n->nalts; i++) {
            if (!simplify_list(re, n->alts[i]))
                return false;
            all = all && single_char(n->alts[i]);
        }
        return !all || alt_to_class(re, n);
    }
    case R_GROUP:
    case R_LOOK:
    case R_REPEAT:
        if (!simplify_list(re, n->body))
            return false;
        if (n->type == R_REPEAT && n->body->type == R_GROUP && n->body->cap < 0 && n->body->body &&
            !n->body->next) {
            /* (?:ab)+ repeats ab itself: one level of recursion less per iteration */
            const struct rnode *g = n->body;
            n->body = g->body;
            n->body_last = g->body_last;
        }
        if (n->type == R_GROUP && n->cap < 0 && single_char(n->body)) {
            const struct rnode *b = n->body;
            n->type = b->type;
            n->cp = b->cp;
            n->negate = b->negate;
            n->nranges = b->nranges;
            n->ranges = b->ranges;
            n->body = n->body_last = NULL;
        }
        return true;
    default:
        return true;
    }
}

bool regex_simplify(struct regex *re)
{
    return simplify_list(re, re->root);
}

/* The ASCII byte set a single-character node matches (classes carry theirs already). */
static bool ascii_set(const struct regex *re, const struct rnode *n, uint64_t bits[2])
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
        bits[0] = re->dotall ? ~(uint64_t)0 : ~(((uint64_t)1 << '\n') | ((uint64_t)1 << '\r'));
        bits[1] = ~(uint64_t)0;
        return true;
    }
    return false;
}

/* Recognises patterns that are a sequence of (optionally repeated) single characters between
 * optional ^ and $, and stores them as a simple program. */
static void build_simple(struct regex *re)
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
        if (!atom || (q->type == R_REPEAT && atom->next) || !ascii_set(re, atom, bits))
            return;
        n++;
    }
    struct simple_item *items = regex_mem(re, (size_t)(n ? n : 1) * sizeof *items);
    if (!items)
        return;
    int i = 0;
    bool ascii = true;
    for (const struct rnode *q = p; q && i < n; q = q->next, i++) {
        const struct rnode *atom = q->type == R_REPEAT ? q->body : q;
        uint64_t bits[2] = {0, 0};
        ascii_set(re, atom, bits);
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
static void build_dfa(struct regex *re)
{
    if (!re->simple || !re->simple_linear || !re->simple_ascii || re->nsimple == 0)
        return;
    int n = re->nsimple, base[REGEX_DFA_MAX_STATES + 1], total = 2, done = 1;
    for (int i = 0; i < n; i++) {
        const struct simple_item *it = &re->simple[i];
        int cap = it->max == INT_MAX ? it->min : it->max;
        if (cap >= REGEX_DFA_MAX_STATES || total + cap + 2 > REGEX_DFA_MAX_STATES)
            return;
        base[i] = total;
        total += cap + 1;
    }
    uint8_t *t = regex_mem(re, (size_t)total * 256);
    bool *accept = regex_mem(re, (size_t)total * sizeof *accept);
    if (!t || !accept)
        return;
    memset(t, 0, (size_t)total * 256);
    memset(accept, 0, (size_t)total * sizeof *accept);
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

/* Matches items[i..] of a simple program at pos; *steps bounds the backtracking. */
static int simple_match(const struct regex *re, int i, const unsigned char *s, size_t len,
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
            if (++*steps > re->max_steps)
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
static enum regex_result simple_walk(const struct regex *re, const unsigned char *s, size_t len)
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
            return REGEX_NOMATCH;
        pos += run;
    }
    return !re->simple_eol || pos == len ? REGEX_MATCH : REGEX_NOMATCH;
}

static enum regex_result simple_search(const struct regex *re, const unsigned char *s, size_t len)
{
    if (re->simple_linear)
        return simple_walk(re, s, len);
    long steps = 0;
    for (size_t start = 0; start <= len; start++) {
        if (++steps > re->max_steps)
            return REGEX_LIMIT;
        int r = simple_match(re, 0, s, len, start, &steps);
        if (r < 0)
            return REGEX_LIMIT;
        if (r > 0)
            return REGEX_MATCH;
        if (re->simple_bol)
            break;
    }
    return REGEX_NOMATCH;
}

enum regex_result regex_test(const struct regex *re, const char *subject, size_t len)
{
    if (re->single_run) {
        /* over ASCII, bytes are characters; any other byte is outside the set */
        const struct simple_item *it = re->simple;
        const unsigned char *s = (const unsigned char *)subject;
        if (len < (size_t)it->min || (it->max != INT_MAX && len > (size_t)it->max))
            return REGEX_NOMATCH;
        unsigned outside = 0;
        for (size_t i = 0; i < len; i++)
            outside |= !it->set[s[i]];
        return outside ? REGEX_NOMATCH : REGEX_MATCH;
    }
    if (re->dfa) {
        const unsigned char *s = (const unsigned char *)subject;
        const uint8_t *t = re->dfa;
        unsigned state = re->dfa_start, stop = re->simple_eol ? 0 : 1;
        for (size_t i = 0; i < len && state > stop; i++)
            state = t[state * 256 + s[i]];
        return re->dfa_accept[state] ? REGEX_MATCH : REGEX_NOMATCH;
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
    return regex_test_general(re, subject, len);
}

void regex_build_shortcuts(struct regex *re)
{
    if (re->icase || re->multiline || re->sticky)
        return;
    build_simple(re);
    build_dfa(re);
}
