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
/* Captures saved on the C stack around a quantified group or a lookaround; more are malloc'd. */
#define SAVED_INLINE 4

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

struct mstate {
    const struct regex *re;
    const uint32_t *s;
    size_t n;
    long *caps; /* 2 per group, -1 when unset */
    size_t end; /* where the top-level match ended */
    long steps;
    int depth;
    bool aborted;
};

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

/* Saved captures lo..hi (inclusive group numbers) of a quantified group or a lookaround. */
struct saved {
    long inl[2 * SAVED_INLINE];
    long *v;
};

static bool save_caps(struct mstate *st, struct saved *sv, int lo, int hi, bool clear)
{
    sv->v = NULL;
    if (lo > hi)
        return true;
    size_t n = 2 * (size_t)(hi - lo + 1);
    sv->v = n <= 2 * SAVED_INLINE ? sv->inl : malloc(n * sizeof *sv->v);
    if (!sv->v) {
        st->aborted = true;
        return false;
    }
    memcpy(sv->v, st->caps + 2 * lo, n * sizeof *sv->v);
    if (clear)
        for (size_t i = 0; i < n; i++)
            st->caps[2 * lo + i] = -1;
    return true;
}

static void restore_caps(struct mstate *st, struct saved *sv, int lo, int hi, bool restore)
{
    if (!sv->v)
        return;
    if (restore)
        memcpy(st->caps + 2 * lo, sv->v, 2 * (size_t)(hi - lo + 1) * sizeof *sv->v);
    if (sv->v != sv->inl)
        free(sv->v);
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
    if (n->greedy) {
        if (count < n->max) {
            struct saved sv;
            if (!save_caps(st, &sv, n->cap_lo, n->cap_hi, true))
                return false;
            bool ok = run(st, body, pos, &kk, back);
            restore_caps(st, &sv, n->cap_lo, n->cap_hi, !ok);
            if (ok)
                return true;
        }
        if (st->aborted)
            return false;
        return count >= n->min && run(st, after(n, back), pos, k, back);
    }
    if (count >= n->min && run(st, after(n, back), pos, k, back))
        return true;
    if (st->aborted || count >= n->max)
        return false;
    struct saved sv;
    if (!save_caps(st, &sv, n->cap_lo, n->cap_hi, true))
        return false;
    bool ok = run(st, body, pos, &kk, back);
    restore_caps(st, &sv, n->cap_lo, n->cap_hi, !ok);
    return ok;
}

/* A lookaround at pos, then the rest (next, k, back) of the sequence it stands in. */
static bool look(struct mstate *st, const struct rnode *n, size_t pos, const struct rnode *next,
                 const struct kont *k, bool back)
{
    struct saved sv;
    if (!save_caps(st, &sv, n->cap_lo, n->cap_hi, false))
        return false;
    struct kont acc = {K_ACCEPT, n->behind, NULL, NULL, 0, 0};
    bool found = run(st, first_of(n->body, n->body_last, n->behind), pos, &acc, n->behind);
    bool ok = false;
    if (!st->aborted && found != n->negate)
        ok = run(st, next, pos, k, back);
    /* a positive lookaround's captures hold while the rest of the match does; a negative one
     * that let the match go on had failed inside, which restored them already */
    restore_caps(st, &sv, n->cap_lo, n->cap_hi, !ok);
    return ok;
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
                long s0 = st->caps[2 * i], s1 = st->caps[2 * i + 1];
                st->caps[2 * i] = (long)(k->back ? pos : k->start);
                st->caps[2 * i + 1] = (long)(k->back ? k->start : pos);
                result = run(st, after(k->node, k->back), pos, k->up, k->back);
                if (!result) {
                    st->caps[2 * i] = s0;
                    st->caps[2 * i + 1] = s1;
                }
                break;
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
        if (run(&st, r, at, NULL, false)) {
            caps[0] = (long)at;
            caps[1] = (long)st.end;
            return REGEX_MATCH;
        }
        if (st.aborted)
            return REGEX_LIMIT;
        if (re->sticky || anchored)
            break;
    }
    return REGEX_NOMATCH;
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
