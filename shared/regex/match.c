/*
 * The backtracking matcher: explicit continuations over a decoded subject (code points with u,
 * UTF-16 code units without), in either direction, since a lookbehind matches its body
 * backwards as ECMA-262 specifies (which decides what its captures hold). Captures inside a
 * quantified group are cleared at each iteration; an iteration that matches empty ends the
 * repetition. A step budget and a recursion bound stop catastrophic patterns with REGEX_LIMIT.
 * It does not parse (parse.c) or take the shortcuts for simple patterns (shortcut.c).
 */
#include "regex/internal.h"
#include "util/utf8.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Bounds the matcher's recursion (one level per open group or quantifier iteration), to keep the
 * C stack (1 MiB in the WASM build) from overflowing on long subjects with complex repetitions. */
#define REGEX_MAX_DEPTH 3000

uint32_t regex_canon(const struct regex *re, uint32_t c)
{
    return re->unicode ? unicode_fold(c) : unicode_canon_nonu(c);
}

/* ---- subjects ------------------------------------------------------------------------------- */

/* Decodes text into unit/offset (each with room for len + 1 entries); returns the unit count. */
static size_t decode(const struct regex *re, const char *text, size_t len, uint32_t *unit,
                     size_t *offset)
{
    size_t n = 0, i = 0;
    while (i < len) {
        size_t at = i;
        uint32_t c;
        if ((unsigned char)text[i] < 0x80)
            c = (unsigned char)text[i++];
        else
            c = utf8_decode(text, len, &i);
        if (!re->unicode && c > 0xffff) {
            unit[n] = 0xd800 + ((c - 0x10000) >> 10);
            offset[n++] = at;
            unit[n] = 0xdc00 + ((c - 0x10000) & 0x3ff);
        } else {
            unit[n] = c;
        }
        offset[n++] = at;
    }
    offset[n] = len;
    return n;
}

bool regex_subject_init(struct regex_subject *sub, const struct regex *re, const char *text,
                        size_t len, const struct regex_alloc *alloc)
{
    memset(sub, 0, sizeof *sub);
    sub->text = text;
    sub->len = len;
    size_t cap = len + 1;
    if (alloc) {
        sub->unit = alloc->alloc(alloc->ctx, cap * sizeof *sub->unit);
        sub->offset = alloc->alloc(alloc->ctx, cap * sizeof *sub->offset);
    } else {
        sub->owned = true;
        sub->unit = malloc(cap * sizeof *sub->unit);
        sub->offset = malloc(cap * sizeof *sub->offset);
    }
    if (!sub->unit || !sub->offset) {
        regex_subject_free(sub);
        return false;
    }
    sub->n = decode(re, text, len, sub->unit, sub->offset);
    return true;
}

void regex_subject_free(struct regex_subject *sub)
{
    if (sub->owned) {
        free(sub->unit);
        free(sub->offset);
    }
    sub->unit = NULL;
    sub->offset = NULL;
}

/* ---- matching ------------------------------------------------------------------------------- */

enum kkind { K_NEXT, K_CAPTURE, K_REPEAT, K_ACCEPT };

/* A continuation: what to do when the sequence being matched ends. Lives on the C stack. */
struct kont {
    enum kkind kind;
    bool back; /* the direction of the sequence it continues */
    const struct rnode *node;
    const struct kont *up;
    size_t start;
    int count;
};

/* One capture slot's value before a change, so that a failed path can put it back. */
struct undo {
    int slot;
    long old;
};

struct mstate {
    const struct regex *re;
    const uint32_t *s;
    size_t n;
    long *caps; /* 2 per group, -1 when unset */
    /* Every change to caps since the search began; a run that fails undoes those made after it
     * started, so a capture costs no level of recursion. */
    struct undo *trail;
    size_t ntrail, captrail;
    size_t end; /* where the top-level match ended */
    long steps;
    int depth;
    bool aborted;
};

static void set_cap(struct mstate *st, int slot, long v)
{
    if (st->ntrail == st->captrail) {
        size_t cap = st->captrail ? 2 * st->captrail : 64;
        struct undo *t = realloc(st->trail, cap * sizeof *t);
        if (!t) {
            st->aborted = true;
            return;
        }
        st->trail = t;
        st->captrail = cap;
    }
    st->trail[st->ntrail].slot = slot;
    st->trail[st->ntrail++].old = st->caps[slot];
    st->caps[slot] = v;
}

static void undo_to(struct mstate *st, size_t mark)
{
    while (st->ntrail > mark) {
        st->ntrail--;
        st->caps[st->trail[st->ntrail].slot] = st->trail[st->ntrail].old;
    }
}

static bool is_lt(uint32_t c)
{
    return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

static bool single_match(const struct regex *re, const struct rnode *n, uint32_t c)
{
    switch (n->type) {
    case R_CHAR:
        return (re->icase ? regex_canon(re, c) : c) == n->cp;
    case R_ANY:
        return re->dotall || !is_lt(c);
    case R_CLASS:
        if (c < 128)
            return (n->ascii[c / 64] >> (c % 64)) & 1;
        return unicode_in_ranges(n->ranges, n->nranges, re->icase ? regex_canon(re, c) : c) !=
               n->negate;
    default:
        return false;
    }
}

static bool is_word(const struct mstate *st, size_t i)
{
    uint32_t c = st->s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
        return true;
    return st->re->unicode && st->re->icase && (c == 0x17f || c == 0x212a);
}

static const struct rnode *first_of(const struct rnode *body, const struct rnode *last, bool back)
{
    return back ? last : body;
}

static const struct rnode *after(const struct rnode *n, bool back)
{
    return back ? n->prev : n->next;
}

static bool run(struct mstate *st, const struct rnode *n, size_t pos, const struct kont *k,
                bool back);

/* One more iteration of the quantifier n (count done so far), or what follows it. */
static bool repeat(struct mstate *st, const struct rnode *n, size_t pos, int count,
                   const struct kont *k, bool back)
{
    const struct rnode *b = n->body;
    if (count == 0 && !b->next && (b->type == R_CHAR || b->type == R_ANY || b->type == R_CLASS)) {
        size_t most = 0, limit = back ? pos : st->n - pos;
        if ((long)limit > (long)n->max)
            limit = (size_t)n->max;
        if (back) {
            while (most < limit && single_match(st->re, b, st->s[pos - 1 - most]))
                most++;
        } else if (b->type == R_CLASS && !st->re->icase) {
            while (most < limit) {
                uint32_t c = st->s[pos + most];
                if (c < 128 ? !((b->ascii[c / 64] >> (c % 64)) & 1)
                            : unicode_in_ranges(b->ranges, b->nranges, c) == b->negate)
                    break;
                most++;
            }
        } else {
            while (most < limit && single_match(st->re, b, st->s[pos + most]))
                most++;
        }
        if ((long)most < (long)n->min)
            return false;
        const struct rnode *next = after(n, back);
        if (n->greedy) {
            for (size_t i = most + 1; i-- > (size_t)n->min;) {
                if (run(st, next, back ? pos - i : pos + i, k, back))
                    return true;
                if (st->aborted)
                    return false;
            }
        } else {
            for (size_t i = (size_t)n->min; i <= most; i++) {
                if (run(st, next, back ? pos - i : pos + i, k, back))
                    return true;
                if (st->aborted)
                    return false;
            }
        }
        return false;
    }
    struct kont kk = {K_REPEAT, back, n, k, pos, count + 1};
    const struct rnode *body = first_of(n->body, n->body_last, back);
    bool more = count < n->max, done = count >= n->min;
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0) == n->greedy) {
            if (!more)
                continue;
            /* each iteration starts with the captures inside it cleared */
            size_t mark = st->ntrail;
            for (int g = n->cap_lo; g <= n->cap_hi; g++) {
                set_cap(st, 2 * g, -1);
                set_cap(st, 2 * g + 1, -1);
            }
            if (run(st, body, pos, &kk, back))
                return true;
            undo_to(st, mark);
        } else if (done && run(st, after(n, back), pos, k, back)) {
            return true;
        }
        if (st->aborted)
            return false;
    }
    return false;
}

/* A lookaround at pos, then the rest (next, k, back) of the sequence it stands in. The captures
 * a positive one sets stay while the rest matches; the caller's failure undoes them. */
static bool look(struct mstate *st, const struct rnode *n, size_t pos, const struct rnode *next,
                 const struct kont *k, bool back)
{
    struct kont acc = {K_ACCEPT, n->behind, NULL, NULL, 0, 0};
    size_t mark = st->ntrail;
    bool found = run(st, first_of(n->body, n->body_last, n->behind), pos, &acc, n->behind);
    if (st->aborted || found == n->negate)
        return false;
    if (n->negate)
        undo_to(st, mark);
    return run(st, next, pos, k, back);
}

static bool backref(struct mstate *st, const struct rnode *n, size_t *pos, bool back)
{
    long s0 = st->caps[2 * n->cap], s1 = st->caps[2 * n->cap + 1];
    if (s0 < 0 || s1 < 0)
        return true;
    size_t len = (size_t)(s1 - s0);
    if (back ? *pos < len : *pos + len > st->n)
        return false;
    size_t at = back ? *pos - len : *pos;
    for (size_t i = 0; i < len; i++) {
        uint32_t a = st->s[(size_t)s0 + i], b = st->s[at + i];
        if (a != b && !(st->re->icase && regex_canon(st->re, a) == regex_canon(st->re, b)))
            return false;
    }
    *pos = back ? at : at + len;
    return true;
}

static bool run(struct mstate *st, const struct rnode *n, size_t pos, const struct kont *k,
                bool back)
{
    if (st->aborted)
        return false;
    if (++st->steps > st->re->max_steps || st->depth >= REGEX_MAX_DEPTH) {
        st->aborted = true;
        return false;
    }
    st->depth++;
    size_t mark = st->ntrail;
    bool result = false;
    for (;;) {
        if (!n) {
            if (!k) {
                st->end = pos;
                result = true;
                break;
            }
            if (k->kind == K_NEXT) {
                back = k->back;
                n = after(k->node, back);
                k = k->up;
                continue;
            }
            if (k->kind == K_CAPTURE) {
                int i = k->node->cap;
                set_cap(st, 2 * i, (long)(k->back ? pos : k->start));
                set_cap(st, 2 * i + 1, (long)(k->back ? k->start : pos));
                if (st->aborted)
                    break;
                back = k->back;
                n = after(k->node, back);
                k = k->up;
                continue;
            }
            if (k->kind == K_REPEAT) {
                if (pos == k->start && k->count > k->node->min)
                    break;
                result = repeat(st, k->node, pos, k->count, k->up, k->back);
                break;
            }
            result = true; /* K_ACCEPT: the lookaround's body matched */
            break;
        }
        if (n->type == R_CHAR || n->type == R_ANY || n->type == R_CLASS) {
            if (back ? pos > 0 && single_match(st->re, n, st->s[pos - 1])
                     : pos < st->n && single_match(st->re, n, st->s[pos])) {
                pos = back ? pos - 1 : pos + 1;
                n = after(n, back);
                continue;
            }
            break;
        }
        if (n->type == R_BOL) {
            if (pos != 0 && !(st->re->multiline && is_lt(st->s[pos - 1])))
                break;
            n = after(n, back);
            continue;
        }
        if (n->type == R_EOL) {
            if (pos != st->n && !(st->re->multiline && is_lt(st->s[pos])))
                break;
            n = after(n, back);
            continue;
        }
        if (n->type == R_WORDB || n->type == R_NWORDB) {
            bool a = pos > 0 && is_word(st, pos - 1);
            bool b = pos < st->n && is_word(st, pos);
            if ((a != b) != (n->type == R_WORDB))
                break;
            n = after(n, back);
            continue;
        }
        if (n->type == R_BACKREF) {
            if (!backref(st, n, &pos, back))
                break;
            n = after(n, back);
            continue;
        }
        if (n->type == R_LOOK) {
            result = look(st, n, pos, after(n, back), k, back);
            break;
        }
        if (n->type == R_GROUP) {
            struct kont kk = {n->cap >= 0 ? K_CAPTURE : K_NEXT, back, n, k, pos, 0};
            result = run(st, first_of(n->body, n->body_last, back), pos, &kk, back);
            break;
        }
        if (n->type == R_ALT) {
            struct kont kk = {K_NEXT, back, n, k, pos, 0};
            for (int i = 0; i < n->nalts && !result && !st->aborted; i++)
                result = run(st, first_of(n->alts[i], n->alts_last[i], back), pos, &kk, back);
            break;
        }
        result = repeat(st, n, pos, 0, k, back);
        break;
    }
    if (!result)
        undo_to(st, mark);
    st->depth--;
    return result;
}

/* The unit index of byte offset from (the first unit at or after it). */
static size_t unit_at(const struct regex_subject *sub, size_t from)
{
    size_t lo = 0, hi = sub->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sub->offset[mid] < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Searches units s[0..n) from unit start; on a match fills caps (unit positions). */
static enum regex_result search(const struct regex *re, const uint32_t *s, size_t n, size_t start,
                                long *caps)
{
    struct mstate st = {.re = re, .s = s, .n = n, .caps = caps};
    enum regex_result result = REGEX_NOMATCH;
    size_t ncaps = 2 * ((size_t)re->ncaps + 1);
    bool anchored = re->root && re->root->type == R_BOL && !re->multiline;
    const struct rnode *r = re->root;
    bool first_char = r && r->type == R_CHAR && !re->icase;
    for (size_t at = start; at <= n; at++) {
        if (first_char && (at >= n || s[at] != r->cp)) {
            if (re->sticky)
                break;
            continue;
        }
        for (size_t i = 0; i < ncaps; i++)
            caps[i] = -1;
        st.ntrail = 0;
        if (run(&st, r, at, NULL, false)) {
            caps[0] = (long)at;
            caps[1] = (long)st.end;
            result = REGEX_MATCH;
            break;
        }
        if (st.aborted) {
            result = REGEX_LIMIT;
            break;
        }
        if (re->sticky || anchored)
            break;
    }
    free(st.trail);
    return result;
}

enum regex_result regex_exec_units(const struct regex *re, const struct regex_subject *sub,
                                   size_t from, long *span)
{
    if (from > sub->n)
        return REGEX_NOMATCH;
    return search(re, sub->unit, sub->n, from, span);
}

enum regex_result regex_exec(const struct regex *re, const struct regex_subject *sub, size_t from,
                             long *span)
{
    if (from > sub->len)
        return REGEX_NOMATCH;
    enum regex_result r = search(re, sub->unit, sub->n, unit_at(sub, from), span);
    if (r == REGEX_MATCH)
        for (size_t i = 0; i < 2 * ((size_t)re->ncaps + 1); i++)
            span[i] = span[i] < 0 ? -1 : (long)sub->offset[span[i]];
    return r;
}

enum regex_result regex_test_general(const struct regex *re, const char *text, size_t len)
{
    uint32_t small_unit[256];
    size_t small_offset[256];
    long small_caps[32];
    bool small = len < 256;
    uint32_t *unit = small ? small_unit : malloc((len + 1) * sizeof *unit);
    size_t *offset = small ? small_offset : malloc((len + 1) * sizeof *offset);
    size_t ncaps = 2 * ((size_t)re->ncaps + 1);
    long *caps = ncaps <= 32 ? small_caps : malloc(ncaps * sizeof *caps);
    enum regex_result r = REGEX_LIMIT;
    if (unit && offset && caps) {
        size_t n = decode(re, text, len, unit, offset);
        r = search(re, unit, n, 0, caps);
    }
    if (!small) {
        free(unit);
        free(offset);
    }
    if (caps != small_caps)
        free(caps);
    return r;
}
