/*
 * Lookups in the generated Unicode tables (see unicode.h): property names to code point sets,
 * case folding and case mapping. Binary searches over sorted tables; no allocation. Does not do
 * normalisation, collation or locale-tailored case mapping.
 */
#include "unicode/unicode.h"
#include "unicode/tables.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

const char *unicode_version(void)
{
    return UNICODE_TABLES_VERSION;
}

static int find_alias(enum unicode_kind kind, const char *name, size_t len)
{
    int lo = 0, hi = UNICODE_NALIASES - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const struct unicode_alias *a = &UNICODE_ALIASES[mid];
        int c = (int)a->kind - (int)kind;
        if (c == 0) {
            c = strncmp(a->name, name, len);
            if (c == 0 && a->name[len])
                c = 1;
        }
        if (c == 0)
            return a->property;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static bool is_name(const char *s, size_t len, const char *a, const char *b)
{
    return (strlen(a) == len && memcmp(s, a, len) == 0) || (strlen(b) == len && !memcmp(s, b, len));
}

enum unicode_lookup unicode_property(const char *name, size_t name_len, const char *value,
                                     size_t value_len, struct unicode_range **ranges, int *n)
{
    int p = -1;
    if (!value) {
        p = find_alias(UNICODE_GC, name, name_len);
        if (p < 0)
            p = find_alias(UNICODE_BINARY, name, name_len);
    } else if (is_name(name, name_len, "General_Category", "gc")) {
        p = find_alias(UNICODE_GC, value, value_len);
    } else if (is_name(name, name_len, "Script", "sc")) {
        p = find_alias(UNICODE_SC, value, value_len);
    } else if (is_name(name, name_len, "Script_Extensions", "scx")) {
        p = find_alias(UNICODE_SCX, value, value_len);
    }
    if (p < 0)
        return UNICODE_UNKNOWN;
    const struct unicode_property *pr = &UNICODE_PROPERTIES[p];
    struct unicode_range *r = malloc((size_t)(pr->count ? pr->count : 1) * sizeof *r);
    if (!r)
        return UNICODE_NO_MEMORY;
    const uint8_t *b = &UNICODE_RANGE_BYTES[pr->offset];
    uint32_t next = 0;
    for (int i = 0; i < pr->count; i++) {
        uint32_t v[2];
        for (int k = 0; k < 2; k++) {
            v[k] = 0;
            for (int shift = 0;; shift += 7) {
                v[k] |= (uint32_t)(*b & 0x7f) << shift;
                if (!(*b++ & 0x80))
                    break;
            }
        }
        r[i].lo = next + v[0];
        r[i].hi = r[i].lo + v[1];
        next = r[i].hi + 1;
    }
    *ranges = r;
    *n = pr->count;
    return UNICODE_FOUND;
}

/* The index of code point c in a table of n entries of size bytes, each starting with its uint32_t
 * "from" (struct unicode_pair, struct unicode_special) and sorted by it; -1 when absent. */
static int find_from(const void *table, int n, size_t size, uint32_t c)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        uint32_t from;
        memcpy(&from, (const char *)table + (size_t)mid * size, sizeof from);
        if (from == c)
            return mid;
        if (from < c)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static const struct unicode_pair *find_pair(const struct unicode_pair *t, int n, uint32_t c)
{
    int i = find_from(t, n, sizeof *t, c);
    return i < 0 ? NULL : &t[i];
}

static const struct unicode_special *find_special(const struct unicode_special *t, int n,
                                                  uint32_t c)
{
    int i = find_from(t, n, sizeof *t, c);
    return i < 0 ? NULL : &t[i];
}

uint32_t unicode_fold(uint32_t c)
{
    if (c < 128)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    const struct unicode_pair *p = find_pair(UNICODE_FOLD, UNICODE_NFOLD, c);
    return p ? p->to : c;
}

uint32_t unicode_canon_nonu(uint32_t unit)
{
    if (unit < 128)
        return unit >= 'a' && unit <= 'z' ? unit - 32 : unit;
    const struct unicode_pair *p = find_pair(UNICODE_CANON_NONU, UNICODE_NCANON_NONU, unit);
    return p ? p->to : unit;
}

void unicode_case_pairs(bool unicode, const struct unicode_pair **pairs, int *n)
{
    *pairs = unicode ? UNICODE_FOLD : UNICODE_CANON_NONU;
    *n = unicode ? UNICODE_NFOLD : UNICODE_NCANON_NONU;
}

static int map_one(uint32_t c, bool upper, uint32_t out[3])
{
    const struct unicode_special *s =
        upper ? find_special(UNICODE_SPECIAL_UPPER, UNICODE_NSPECIAL_UPPER, c)
              : find_special(UNICODE_SPECIAL_LOWER, UNICODE_NSPECIAL_LOWER, c);
    if (s) {
        memcpy(out, s->to, (size_t)s->n * sizeof *out);
        return s->n;
    }
    const struct unicode_pair *p = upper ? find_pair(UNICODE_UPPER, UNICODE_NUPPER, c)
                                         : find_pair(UNICODE_LOWER, UNICODE_NLOWER, c);
    out[0] = p ? p->to : c;
    return 1;
}

int unicode_upper(uint32_t c, uint32_t out[3])
{
    return map_one(c, true, out);
}

int unicode_lower(uint32_t c, uint32_t out[3])
{
    return map_one(c, false, out);
}

bool unicode_in_ranges(const struct unicode_range *r, int n, uint32_t c)
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

static bool cased(uint32_t c)
{
    return unicode_in_ranges(UNICODE_CASED, UNICODE_NCASED, c);
}

static bool case_ignorable(uint32_t c)
{
    return unicode_in_ranges(UNICODE_CASE_IGNORABLE, UNICODE_NCASE_IGNORABLE, c);
}

static bool sigma_ends_word(const char *s, size_t len, size_t at)
{
    while (at < len) {
        uint32_t c = utf8_decode(s, len, &at);
        if (cased(c))
            return false;
        if (!case_ignorable(c))
            return true;
    }
    return true;
}

size_t unicode_case_map(const char *s, size_t len, bool upper, char *out)
{
    size_t o = 0, i = 0;
    bool after_cased = false; /* a cased letter, then only case-ignorable ones, precede i */
    while (i < len) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            i++;
            if (upper) {
                out[o++] = (char)((unsigned)(b - 'a') < 26u ? b - 32 : b);
                continue;
            }
            out[o++] = (char)((unsigned)(b - 'A') < 26u ? b + 32 : b);
            bool letter = (unsigned)(b | 32) - 'a' < 26u;
            bool ignorable = b == '\'' || b == '.' || b == ':' || b == '^' || b == '`';
            after_cased = letter || (ignorable && after_cased);
            continue;
        }
        uint32_t c = utf8_decode(s, len, &i);
        uint32_t m[3];
        int k;
        if (!upper && c == 0x3a3 && after_cased && sigma_ends_word(s, len, i)) {
            m[0] = 0x3c2;
            k = 1;
        } else {
            k = map_one(c, upper, m);
        }
        for (int j = 0; j < k; j++)
            o += utf8_encode(m[j], out + o);
        if (!upper)
            after_cased = cased(c) || (after_cased && case_ignorable(c));
    }
    return o;
}
