/*
 * The Unicode Character Database tables that scripts/unicode-tables.mjs generates into the build
 * tree (unicode_tables.c). Only shared/unicode/ reads them; everything else goes through unicode.h.
 */
#ifndef SOLDER_UNICODE_TABLES_H
#define SOLDER_UNICODE_TABLES_H

#include "unicode/unicode.h"

#include <stdint.h>

enum unicode_kind { UNICODE_GC, UNICODE_SC, UNICODE_SCX, UNICODE_BINARY };

/* One property value's code points: count sorted, disjoint ranges encoded from
 * UNICODE_RANGE_BYTES[offset] on, each as two base-128 numbers (low bits first, high bit set on
 * every byte but a number's last): the gap since the previous range's end and the length less
 * one. */
struct unicode_property {
    enum unicode_kind kind;
    int offset, count;
};

/* A name or alias of a property value, sorted by (kind, name) for a binary search. */
struct unicode_alias {
    enum unicode_kind kind;
    const char *name;
    int property;
};

/* A one-to-many mapping (SpecialCasing.txt, unconditional rows), sorted by from. */
struct unicode_special {
    uint32_t from;
    int n;
    uint32_t to[3];
};

extern const char UNICODE_TABLES_VERSION[];
extern const uint8_t UNICODE_RANGE_BYTES[];
/* Cased and Case_Ignorable once more as plain ranges, for the Final_Sigma rule. */
extern const struct unicode_range UNICODE_CASED[];
extern const int UNICODE_NCASED;
extern const struct unicode_range UNICODE_CASE_IGNORABLE[];
extern const int UNICODE_NCASE_IGNORABLE;
extern const struct unicode_property UNICODE_PROPERTIES[];
extern const int UNICODE_NPROPERTIES;
extern const struct unicode_alias UNICODE_ALIASES[];
extern const int UNICODE_NALIASES;
extern const struct unicode_pair UNICODE_FOLD[];
extern const int UNICODE_NFOLD;
extern const struct unicode_pair UNICODE_CANON_NONU[];
extern const int UNICODE_NCANON_NONU;
extern const struct unicode_pair UNICODE_UPPER[];
extern const int UNICODE_NUPPER;
extern const struct unicode_pair UNICODE_LOWER[];
extern const int UNICODE_NLOWER;
extern const struct unicode_special UNICODE_SPECIAL_UPPER[];
extern const int UNICODE_NSPECIAL_UPPER;
extern const struct unicode_special UNICODE_SPECIAL_LOWER[];
extern const int UNICODE_NSPECIAL_LOWER;

#endif
