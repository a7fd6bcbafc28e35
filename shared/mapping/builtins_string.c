/*
 * String builtins: $string, $substring*, case, $length, $trim, $pad, $contains, $split, $join,
 * $match, $replace, and the encodings ($base64*, $encodeUrl*, $decodeUrl*). Strings are UTF-8;
 * lengths and offsets count code points.
 */
#include "mapping/internal.h"
#include "unicode/unicode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/hex.h"

#define A(i) (nargs > (i) ? args[i] : NULL)

static val *f_string(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *v = A(0);
    if (!v)
        return NULL;
    bool pretty = A(1) && v_truthy(A(1));
    if (v->t == T_STR)
        return v;
    if (v->t == T_FUNC)
        return v_str(e, "", 0);
    if (v->t == T_NUM && !isfinite(v->u.n))
        ev_fail(e, "D3001", pos, "Attempting to invoke string function on Infinity or NaN");
    struct sb b = {.e = e};
    v_stringify(e, &b, v, pretty ? 2 : 0, true);
    return sb_val(&b);
}

/* JavaScript Array#slice bounds over n code points */
static size_t slice_idx(double x, size_t n)
{
    if (x < 0) {
        x += (double)n;
        return x < 0 ? 0 : (size_t)x;
    }
    return x > (double)n ? n : (size_t)x;
}

static val *f_substring(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0);
    if (!s)
        return NULL;
    size_t n = utf8_count(s->u.s.p, s->u.s.len);
    double start = A(1) ? trunc(A(1)->u.n) : 0;
    if ((double)n + start < 0)
        start = 0;
    size_t b, end;
    b = slice_idx(start, n);
    if (A(2)) {
        double len = trunc(A(2)->u.n);
        if (len <= 0)
            return v_str(e, "", 0);
        double endd = start >= 0 ? start + len : (double)n + start + len;
        end = slice_idx(endd, n);
    } else {
        end = n;
    }
    if (end <= b)
        return v_str(e, "", 0);
    size_t bo = utf8_offset(s->u.s.p, s->u.s.len, b);
    size_t eo = utf8_offset(s->u.s.p, s->u.s.len, end);
    return v_str(e, s->u.s.p + bo, eo - bo);
}

static const char *find_str(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn == 0)
        return h;
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, nd, nn) == 0)
            return h + i;
    return NULL;
}

static val *f_substring_before(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0), *c = A(1);
    if (!s)
        return NULL;
    if (!c)
        return s;
    const char *f = find_str(s->u.s.p, s->u.s.len, c->u.s.p, c->u.s.len);
    if (!f)
        return s;
    return v_str(e, s->u.s.p, (size_t)(f - s->u.s.p));
}

static val *f_substring_after(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0), *c = A(1);
    if (!s)
        return NULL;
    if (!c)
        return s;
    const char *f = find_str(s->u.s.p, s->u.s.len, c->u.s.p, c->u.s.len);
    if (!f)
        return s;
    size_t off = (size_t)(f - s->u.s.p) + c->u.s.len;
    return v_str(e, s->u.s.p + off, s->u.s.len - off);
}

/* $uppercase / $lowercase: the full default case mappings, as toUpperCase / toLowerCase. */
static val *map_case(struct ev *e, val *s, bool upper)
{
    if (!s)
        return NULL;
    char *out = arena_alloc(&e->arena, 3 * (size_t)s->u.s.len + 1);
    size_t n = unicode_case_map(s->u.s.p, s->u.s.len, upper, out);
    out[n] = 0;
    val *r = v_str(e, "", 0);
    r->u.s.p = out;
    r->u.s.len = (uint32_t)n;
    return r;
}

static val *f_lowercase(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return map_case(e, A(0), false);
}

static val *f_uppercase(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return map_case(e, A(0), true);
}

static val *f_length(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0);
    if (!s)
        return NULL;
    return v_num(e, (double)utf8_count(s->u.s.p, s->u.s.len));
}

static val *f_trim(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0);
    if (!s)
        return NULL;
    struct sb b = {.e = e};
    bool in_ws = false;
    for (uint32_t i = 0; i < s->u.s.len; i++) {
        char c = s->u.s.p[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            in_ws = true;
            continue;
        }
        if (in_ws && b.len > 0)
            sb_putc(&b, ' ');
        in_ws = false;
        sb_putc(&b, c);
    }
    return sb_val(&b);
}

static val *f_pad(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0);
    if (!s)
        return NULL;
    double width = A(1) ? trunc(A(1)->u.n) : 0;
    const char *ch = " ";
    size_t chl = 1;
    if (A(2) && A(2)->u.s.len > 0) {
        ch = A(2)->u.s.p;
        chl = A(2)->u.s.len;
    }
    double padlen = fabs(width) - (double)utf8_count(s->u.s.p, s->u.s.len);
    if (padlen <= 0)
        return s;
    if (padlen > 1e7)
        ev_fail(e, "D3000", pos, "Padding too long");
    struct sb pad = {.e = e};
    size_t want = (size_t)padlen, have = 0, chcp = utf8_count(ch, chl);
    while (have < want) {
        if (have + chcp <= want) {
            sb_put(&pad, ch, chl);
            have += chcp;
        } else {
            sb_put(&pad, ch, utf8_offset(ch, chl, want - have));
            have = want;
        }
    }
    struct sb b = {.e = e};
    if (width > 0) {
        sb_put(&b, s->u.s.p, s->u.s.len);
        sb_put(&b, pad.p, pad.len);
    } else {
        sb_put(&b, pad.p, pad.len);
        sb_put(&b, s->u.s.p, s->u.s.len);
    }
    return sb_val(&b);
}

/* ---- regex-backed functions ----------------------------------------------------------------- */

/* Subjects are decoded into the evaluation's arena, under its memory limit. */
static void *eval_alloc(void *ctx, size_t n)
{
    return arena_alloc(ctx, n);
}

/* One search from byte offset from; sub (zeroed before the first call) keeps s decoded for the
 * next ones. */
static int exec_or_fail(struct ev *e, const struct regex *re, val *s, size_t from,
                        struct regex_match *m, int pos, struct regex_subject *sub)
{
    if (!sub->unit) {
        struct regex_alloc al = {eval_alloc, &e->arena};
        if (!regex_subject_init(sub, re, s->u.s.p, s->u.s.len, &al))
            ev_fail(e, "D3000", pos, "Out of memory");
    }
    long span[2 * (MAPPING_REGEX_MAX_GROUPS + 1)];
    enum regex_result r = regex_exec(re, sub, from, span);
    if (r == REGEX_LIMIT)
        ev_fail(e, "D1005", pos, "Regular expression is too complex to evaluate");
    if (r != REGEX_MATCH)
        return 0;
    m->start = (int)span[0];
    m->end = (int)span[1];
    m->ngroups = regex_groups(re);
    for (int g = 1; g <= m->ngroups; g++) {
        m->gstart[g] = (int)span[2 * g];
        m->gend[g] = (int)span[2 * g + 1];
    }
    return 1;
}

/* Finds the next match at or after from; a zero-length match after the first is an error (the
 * search resumes where the last match ended, so a zero-length match is found again). */
static int next_match(struct ev *e, const struct regex *re, val *s, size_t *from, bool first,
                      struct regex_match *m, int pos, struct regex_subject *sub)
{
    if (!first && *from >= s->u.s.len)
        return 0;
    int r = exec_or_fail(e, re, s, *from, m, pos, sub);
    if (r && !first && m->end == m->start)
        ev_fail(e, "D1004", pos, "Regular expression matches zero length string");
    if (r)
        *from = (size_t)m->end;
    return r;
}

static val *match_object(struct ev *e, val *s, const struct regex_match *m, bool with_index)
{
    val *o = v_obj(e);
    obj_set(e, o, "match", 5, v_str(e, s->u.s.p + m->start, (size_t)(m->end - m->start)));
    double idx = (double)utf8_count(s->u.s.p, (size_t)m->start);
    if (with_index) {
        obj_set(e, o, "index", 5, v_num(e, idx));
    } else {
        obj_set(e, o, "start", 5, v_num(e, idx));
        obj_set(e, o, "end", 3, v_num(e, (double)utf8_count(s->u.s.p, (size_t)m->end)));
    }
    val *g = v_arr(e, 0);
    for (int i = 1; i <= m->ngroups; i++) {
        if (m->gstart[i] >= 0 && m->gend[i] >= 0)
            arr_push(e, g, v_str(e, s->u.s.p + m->gstart[i], (size_t)(m->gend[i] - m->gstart[i])));
        else
            arr_push(e, g, v_str(e, "", 0));
    }
    obj_set(e, o, "groups", 6, g);
    return o;
}

val *regex_match_value(struct ev *e, const struct regex *re, val *str, size_t from)
{
    struct regex_match m;
    struct regex_subject sub = {0};
    if (!exec_or_fail(e, re, str, from, &m, -1, &sub))
        return NULL;
    return match_object(e, str, &m, false);
}

static const struct regex *as_regex(val *v)
{
    return (v && v->t == T_FUNC && v->u.f->kind == F_REGEX) ? v->u.f->re : NULL;
}

/* A pattern argument: a regex literal, or a custom matcher function returning match objects
 * {match, start, end, groups, next}. */
struct matcher {
    const struct regex *re;
    val *fn;
    val *cur; /* the last match object a custom matcher returned */
    size_t from;
    bool first;
    struct regex_subject sub; /* the subject decoded for re */
};

static bool matcher_init(struct matcher *mt, val *p)
{
    memset(mt, 0, sizeof *mt);
    mt->first = true;
    mt->re = as_regex(p);
    if (!mt->re && is_fn(p))
        mt->fn = p;
    return mt->re || mt->fn;
}

static int matcher_next(struct ev *e, struct matcher *mt, val *s, struct regex_match *m, int pos)
{
    if (mt->re) {
        int r = next_match(e, mt->re, s, &mt->from, mt->first, m, pos, &mt->sub);
        mt->first = false;
        return r;
    }
    val *r;
    if (mt->first) {
        r = apply_fn(e, mt->fn, &s, 1, NULL, pos);
    } else {
        val *next = is_obj(mt->cur) ? obj_get(mt->cur, "next", 4) : NULL;
        if (!is_fn(next))
            return 0;
        r = apply_fn(e, next, NULL, 0, NULL, pos);
    }
    mt->first = false;
    if (!r)
        return 0;
    val *mv = is_obj(r) ? obj_get(r, "match", 5) : NULL;
    val *st = is_obj(r) ? obj_get(r, "start", 5) : NULL;
    val *en = is_obj(r) ? obj_get(r, "end", 3) : NULL;
    val *gr = is_obj(r) ? obj_get(r, "groups", 6) : NULL;
    if (!is_str(mv) || !is_num(st) || !is_num(en) || !is_arr(gr))
        ev_fail(e, "T1010", pos,
                "The matcher function argument passed to function does not "
                "return the correct object structure");
    mt->cur = r;
    m->start = (int)utf8_offset(s->u.s.p, s->u.s.len, (size_t)st->u.n);
    m->end = (int)utf8_offset(s->u.s.p, s->u.s.len, (size_t)en->u.n);
    m->ngroups = 0;
    return 1;
}

/* The match object for $match/$replace; a custom matcher's own groups are kept. */
static val *matcher_object(struct ev *e, struct matcher *mt, val *s, const struct regex_match *m,
                           bool with_index)
{
    val *o = match_object(e, s, m, with_index);
    if (mt->fn && is_obj(mt->cur))
        obj_set(e, o, "groups", 6, obj_get(mt->cur, "groups", 6));
    return o;
}

static val *f_contains(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0), *p = A(1);
    if (!s || !p)
        return NULL;
    if (is_str(p))
        return v_bool(find_str(s->u.s.p, s->u.s.len, p->u.s.p, p->u.s.len) != NULL);
    struct matcher mt;
    if (!matcher_init(&mt, p))
        ev_fail(e, "T0410", pos,
                "Argument 2 of function contains does not match function "
                "signature");
    struct regex_match m;
    return v_bool(matcher_next(e, &mt, s, &m, pos) == 1);
}

static val *f_split(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0), *sep = A(1), *lim = A(2);
    if (!s)
        return NULL;
    if (lim && lim->u.n < 0)
        ev_fail(e, "D3020", pos,
                "Third argument of split function must evaluate to a positive "
                "number");
    val *r = v_arr(e, 0);
    double limit = lim ? floor(lim->u.n) : INFINITY;
    if (limit == 0)
        return r;
    if (is_str(sep)) {
        if (sep->u.s.len == 0) {
            size_t i = 0;
            while (i < s->u.s.len && r->u.a.len < limit) {
                size_t st = i;
                utf8_decode(s->u.s.p, s->u.s.len, &i);
                arr_push(e, r, v_str(e, s->u.s.p + st, i - st));
            }
            return r;
        }
        size_t start = 0;
        for (;;) {
            if (r->u.a.len >= limit)
                break;
            const char *f =
                find_str(s->u.s.p + start, s->u.s.len - start, sep->u.s.p, sep->u.s.len);
            if (!f) {
                arr_push(e, r, v_str(e, s->u.s.p + start, s->u.s.len - start));
                break;
            }
            size_t at = (size_t)(f - s->u.s.p);
            arr_push(e, r, v_str(e, s->u.s.p + start, at - start));
            start = at + sep->u.s.len;
        }
        return r;
    }
    struct matcher mt;
    if (!matcher_init(&mt, sep))
        ev_fail(e, "T0410", pos, "Argument 2 of function split does not match function signature");
    struct regex_match m;
    size_t start = 0;
    double count = 0;
    while (count < limit && matcher_next(e, &mt, s, &m, pos)) {
        arr_push(e, r, v_str(e, s->u.s.p + start, (size_t)m.start - start));
        start = (size_t)m.end;
        count++;
    }
    if (count < limit)
        arr_push(e, r, v_str(e, s->u.s.p + start, s->u.s.len - start));
    return r;
}

static val *f_join(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    if (!a)
        return NULL;
    struct sb b = {.e = e};
    sb_put(&b, "", 0);
    for (uint32_t i = 0; i < a->u.a.len; i++) {
        if (i && A(1))
            sb_put(&b, A(1)->u.s.p, A(1)->u.s.len);
        val *it = a->u.a.items[i];
        sb_put(&b, it->u.s.p, it->u.s.len);
    }
    return sb_val(&b);
}

static val *f_match(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0), *lim = A(2);
    if (!s)
        return NULL;
    if (lim && lim->u.n < 0)
        ev_fail(e, "D3040", pos,
                "Third argument of match function must evaluate to a positive "
                "number");
    struct matcher mt;
    if (!matcher_init(&mt, A(1)))
        ev_fail(e, "T0410", pos, "Argument 2 of function match does not match function signature");
    val *r = v_seq(e);
    double limit = lim ? lim->u.n : INFINITY;
    struct regex_match m;
    while (r->u.a.len < limit && matcher_next(e, &mt, s, &m, pos))
        arr_push(e, r, matcher_object(e, &mt, s, &m, true));
    return r;
}

static void substitute(struct ev *e, struct sb *b, val *rep, val *s, const struct regex_match *m)
{
    const char *p = rep->u.s.p;
    size_t n = rep->u.s.len, i = 0;
    int ng = m->ngroups;
    while (i < n) {
        if (p[i] != '$') {
            sb_putc(b, p[i++]);
            continue;
        }
        i++;
        if (i < n && p[i] == '$') {
            sb_putc(b, '$');
            i++;
            continue;
        }
        if (i < n && p[i] == '0') {
            sb_put(b, s->u.s.p + m->start, (size_t)(m->end - m->start));
            i++;
            continue;
        }
        int maxdigits = ng == 0 ? 1 : (int)floor(log10((double)ng)) + 1;
        int k = 0, idx = 0;
        while (k < maxdigits && i + (size_t)k < n && p[i + (size_t)k] >= '0' &&
               p[i + (size_t)k] <= '9') {
            idx = idx * 10 + (p[i + (size_t)k] - '0');
            k++;
        }
        if (k > 1 && idx > ng) {
            idx /= 10;
            k--;
        }
        if (k == 0) {
            sb_putc(b, '$');
            continue;
        }
        if (ng > 0 && idx >= 1 && idx <= ng && m->gstart[idx] >= 0)
            sb_put(b, s->u.s.p + m->gstart[idx], (size_t)(m->gend[idx] - m->gstart[idx]));
        i += (size_t)k;
    }
}

static val *f_replace(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0), *pat = A(1), *rep = A(2), *lim = A(3);
    if (!s)
        return NULL;
    if (is_str(pat) && pat->u.s.len == 0)
        ev_fail(e, "D3010", pos, "Second argument of replace function cannot be an empty string");
    if (lim && lim->u.n < 0)
        ev_fail(e, "D3011", pos,
                "Fourth argument of replace function must evaluate to a "
                "positive number");
    if (!rep)
        ev_fail(e, "T0410", pos,
                "Argument 3 of function replace does not match function "
                "signature");
    double limit = lim ? lim->u.n : INFINITY;
    struct sb b = {.e = e};
    sb_put(&b, "", 0);
    double count = 0;
    if (is_str(pat)) {
        size_t start = 0;
        while (count < limit) {
            const char *f =
                find_str(s->u.s.p + start, s->u.s.len - start, pat->u.s.p, pat->u.s.len);
            if (!f)
                break;
            size_t at = (size_t)(f - s->u.s.p);
            sb_put(&b, s->u.s.p + start, at - start);
            if (is_str(rep))
                sb_put(&b, rep->u.s.p, rep->u.s.len);
            start = at + pat->u.s.len;
            count++;
        }
        sb_put(&b, s->u.s.p + start, s->u.s.len - start);
        return sb_val(&b);
    }
    struct matcher mt;
    if (!matcher_init(&mt, pat))
        ev_fail(e, "T0410", pos,
                "Argument 2 of function replace does not match function "
                "signature");
    struct regex_match m;
    size_t start = 0;
    while (count < limit && matcher_next(e, &mt, s, &m, pos)) {
        sb_put(&b, s->u.s.p + start, (size_t)m.start - start);
        if (is_str(rep)) {
            substitute(e, &b, rep, s, &m);
        } else {
            val *mo = matcher_object(e, &mt, s, &m, false);
            obj_set(e, mo, "index", 5, obj_get(mo, "start", 5));
            val *r = apply_fn(e, rep, &mo, 1, NULL, pos);
            if (!is_str(r))
                ev_fail(e, "D3012", pos,
                        "Attempted to replace a matched string with a "
                        "non-string value");
            sb_put(&b, r->u.s.p, r->u.s.len);
        }
        start = (size_t)m.end;
        count++;
    }
    sb_put(&b, s->u.s.p + start, s->u.s.len - start);
    return sb_val(&b);
}

/* ---- encodings ------------------------------------------------------------------------------ */

static val *f_base64encode(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0);
    if (!s)
        return NULL;
    /* JSONata encodes the string's characters as Latin-1 bytes (a code point's low byte) */
    struct sb bytes = {.e = e};
    sb_put(&bytes, "", 0);
    for (size_t i = 0; i < s->u.s.len;) {
        uint32_t cp = (uint32_t)utf8_decode(s->u.s.p, s->u.s.len, &i);
        sb_putc(&bytes, (char)(cp & 0xFF));
    }
    /* arena space first: nothing may fail (and unwind) while enc is held */
    size_t outlen = (bytes.len + 2) / 3 * 4;
    char *dst = arena_alloc(&e->arena, outlen + 1);
    char *enc = base64_encode(bytes.p, bytes.len, false);
    if (!enc)
        ev_fail(e, "D3000", pos, "Out of memory");
    size_t n = strlen(enc);
    memcpy(dst, enc, n < outlen ? n : outlen);
    dst[n < outlen ? n : outlen] = 0;
    free(enc);
    val *r = v_str(e, "", 0);
    r->u.s.p = dst;
    r->u.s.len = (uint32_t)(n < outlen ? n : outlen);
    return r;
}

static val *f_base64decode(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0);
    if (!s)
        return NULL;
    size_t n;
    /* arena space first (each byte becomes at most two UTF-8 bytes): nothing may fail while dec
     * is held */
    char *dst = arena_alloc(&e->arena, 2 * s->u.s.len + 1);
    val *r = v_str(e, "", 0);
    unsigned char *dec = base64_decode(s->u.s.p, s->u.s.len, false, &n);
    if (!dec)
        ev_fail(e, "D3137", pos, "Invalid base64 string");
    /* each decoded byte is one Latin-1 character, as $base64encode produced them */
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 <= 2 * s->u.s.len; i++) {
        if (dec[i] < 0x80) {
            dst[o++] = (char)dec[i];
        } else {
            dst[o++] = (char)(0xC0 | (dec[i] >> 6));
            dst[o++] = (char)(0x80 | (dec[i] & 0x3F));
        }
    }
    dst[o] = 0;
    free(dec);
    r->u.s.p = dst;
    r->u.s.len = (uint32_t)o;
    return r;
}

static val *url_encode(struct ev *e, val *s, const char *keep, int pos)
{
    if (!s)
        return NULL;
    struct sb b = {.e = e};
    sb_put(&b, "", 0);
    size_t i = 0;
    while (i < s->u.s.len) {
        size_t st = i;
        uint32_t cp = (uint32_t)utf8_decode(s->u.s.p, s->u.s.len, &i);
        if (cp >= 0xD800 && cp <= 0xDFFF)
            ev_fail(e, "D3140", pos, "Malformed URL passed to ${encodeUrl}(): %.*s",
                    (int)s->u.s.len, s->u.s.p);
        unsigned char c = (unsigned char)s->u.s.p[st];
        if (cp < 0x80 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || strchr(keep, c))) {
            sb_putc(&b, (char)c);
            continue;
        }
        for (size_t k = st; k < i; k++) {
            char hex[4];
            snprintf(hex, sizeof hex, "%%%02X", (unsigned char)s->u.s.p[k]);
            sb_puts(&b, hex);
        }
    }
    return sb_val(&b);
}

static val *f_encode_url_component(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return url_encode(e, A(0), "-_.!~*'()", pos);
}

static val *f_encode_url(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return url_encode(e, A(0), "-_.!~*'();,/?:@&=+$#", pos);
}

static val *url_decode(struct ev *e, val *s, const char *reserved, int pos)
{
    if (!s)
        return NULL;
    struct sb b = {.e = e};
    sb_put(&b, "", 0);
    const char *p = s->u.s.p;
    size_t n = s->u.s.len;
    for (size_t i = 0; i < n;) {
        if (p[i] != '%') {
            sb_putc(&b, p[i++]);
            continue;
        }
        if (i + 2 >= n + 0 || hex_digit(p[i + 1]) < 0 || hex_digit(p[i + 2]) < 0)
            ev_fail(e, "D3140", pos, "Malformed URL passed to ${decodeUrl}(): %.*s", (int)n, p);
        unsigned char c = (unsigned char)(hex_digit(p[i + 1]) * 16 + hex_digit(p[i + 2]));
        int extra = c < 0x80             ? 0
                    : (c & 0xE0) == 0xC0 ? 1
                    : (c & 0xF0) == 0xE0 ? 2
                    : (c & 0xF8) == 0xF0 ? 3
                                         : -1;
        if (extra < 0)
            ev_fail(e, "D3140", pos, "Malformed URL passed to ${decodeUrl}(): %.*s", (int)n, p);
        if (extra == 0 && reserved && strchr(reserved, (char)c) && c) {
            sb_put(&b, p + i, 3);
            i += 3;
            continue;
        }
        char bytes[4];
        bytes[0] = (char)c;
        size_t j = i + 3;
        for (int k = 1; k <= extra; k++) {
            if (j + 2 >= n + 1 || p[j] != '%' || hex_digit(p[j + 1]) < 0 || hex_digit(p[j + 2]) < 0)
                ev_fail(e, "D3140", pos, "Malformed URL passed to ${decodeUrl}(): %.*s", (int)n, p);
            bytes[k] = (char)(hex_digit(p[j + 1]) * 16 + hex_digit(p[j + 2]));
            j += 3;
        }
        if (!utf8_valid(bytes, (size_t)extra + 1))
            ev_fail(e, "D3140", pos, "Malformed URL passed to ${decodeUrl}(): %.*s", (int)n, p);
        sb_put(&b, bytes, (size_t)extra + 1);
        i = j;
    }
    return sb_val(&b);
}

static val *f_decode_url_component(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return url_decode(e, A(0), NULL, pos);
}

static val *f_decode_url(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return url_decode(e, A(0), ";,/?:@&=+$#", pos);
}

const struct builtin builtins_string[] = {
    {"string", "<x-b?:s>", f_string},
    {"substring", "<s-nn?:s>", f_substring},
    {"substringBefore", "<s-s:s>", f_substring_before},
    {"substringAfter", "<s-s:s>", f_substring_after},
    {"lowercase", "<s-:s>", f_lowercase},
    {"uppercase", "<s-:s>", f_uppercase},
    {"length", "<s-:n>", f_length},
    {"trim", "<s-:s>", f_trim},
    {"pad", "<s-ns?:s>", f_pad},
    {"match", "<s-f<s:o>n?:a<o>>", f_match},
    {"contains", "<s-(sf):b>", f_contains},
    {"replace", "<s-(sf)(sf)n?:s>", f_replace},
    {"split", "<s-(sf)n?:a<s>>", f_split},
    {"join", "<a<s>s?:s>", f_join},
    {"base64encode", "<s-:s>", f_base64encode},
    {"base64decode", "<s-:s>", f_base64decode},
    {"encodeUrlComponent", "<s-:s>", f_encode_url_component},
    {"encodeUrl", "<s-:s>", f_encode_url},
    {"decodeUrlComponent", "<s-:s>", f_decode_url_component},
    {"decodeUrl", "<s-:s>", f_decode_url},
    {NULL, NULL, NULL},
};
