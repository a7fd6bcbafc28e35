/*
 * Unicode character properties and case mappings from the Unicode Character Database (tables
 * generated at build time by scripts/unicode-tables.mjs): the \p{...} sets of ECMA-262 regular
 * expressions, simple case folding, and the full default case mappings of String.prototype
 * toUpperCase / toLowerCase. No locale-specific tailoring (Turkish, Lithuanian).
 */
#ifndef SOLDER_UNICODE_H
#define SOLDER_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct unicode_range {
    uint32_t lo, hi;
};

/* A one-to-one mapping. */
struct unicode_pair {
    uint32_t from, to;
};

/* The version of the Unicode Character Database the tables were made from ("15.0.0"). */
const char *unicode_version(void);

/* The result of unicode_property: *n sorted, disjoint ranges (the caller frees ranges). */
enum unicode_lookup { UNICODE_FOUND, UNICODE_UNKNOWN, UNICODE_NO_MEMORY };

/*
 * The code points of \p{name} (value NULL) or \p{name=value} as ECMA-262 reads them: a
 * General_Category value, a binary property, or General_Category / Script / Script_Extensions
 * (and their short names) with a value. On UNICODE_FOUND, *ranges (malloc'd) and *n are set.
 */
enum unicode_lookup unicode_property(const char *name, size_t name_len, const char *value,
                                     size_t value_len, struct unicode_range **ranges, int *n);

/* Whether c is in the n sorted, disjoint ranges r. */
bool unicode_in_ranges(const struct unicode_range *r, int n, uint32_t c);

/* Simple case folding (CaseFolding.txt, statuses C and S). */
uint32_t unicode_fold(uint32_t c);
/* ECMA-262 Canonicalize without the u flag, for one UTF-16 code unit. */
uint32_t unicode_canon_nonu(uint32_t unit);
/* The code points that fold (unicode true) or canonicalise (false) to something else, as
 * (from, to) pairs sorted by from. */
void unicode_case_pairs(bool unicode, const struct unicode_pair **pairs, int *n);

/* Full default uppercase / lowercase of one code point, without context: writes 1 to 3 code
 * points to out and returns how many. */
int unicode_upper(uint32_t c, uint32_t out[3]);
int unicode_lower(uint32_t c, uint32_t out[3]);

/*
 * The full default case mapping of a UTF-8 string (toUpperCase / toLowerCase, with the
 * Final_Sigma rule for lowercase). out holds at least 3 * len bytes; returns the bytes written.
 * Ill-formed input becomes U+FFFD (see utf8_decode).
 */
size_t unicode_case_map(const char *s, size_t len, bool upper, char *out);

#endif
