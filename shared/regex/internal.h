/* The compiled form of a pattern, shared by the parser, the matcher and the shortcuts. */
#ifndef SOLDER_REGEX_INTERNAL_H
#define SOLDER_REGEX_INTERNAL_H

#include "regex/regex.h"
#include "unicode/unicode.h"

#include <stdbool.h>
#include <stdint.h>

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

/* One element of a pattern; elements of a sequence are chained through next and prev. */
struct rnode {
    enum rtype type;
    struct rnode *next, *prev;
    uint32_t cp;                        /* R_CHAR, canonicalised under the i flag */
    const struct unicode_range *ranges; /* R_CLASS: sorted, merged, canonicalised under i */
    int nranges;
    bool negate;         /* R_CLASS, R_LOOK */
    bool behind;         /* R_LOOK */
    struct rnode **alts; /* R_ALT: first and last element of each alternative */
    struct rnode **alts_last;
    int nalts;
    struct rnode *body, *body_last; /* R_GROUP, R_REPEAT, R_LOOK */
    uint64_t ascii[2];  /* R_CLASS: whether each code point below 128 matches, all flags applied */
    int cap;            /* R_GROUP: capture index, or -1; R_BACKREF: the group referred to */
    int cap_lo, cap_hi; /* R_REPEAT, R_LOOK: the groups inside the body (cap_lo > cap_hi: none) */
    int min, max;       /* R_REPEAT; max INT_MAX for unbounded */
    bool greedy;
    const char *name; /* R_GROUP's name; R_BACKREF's before resolution */
};

/* One step of a "simple" pattern: a set of ASCII bytes repeated min..max times. */
struct simple_item {
    uint8_t set[256]; /* 1 for the bytes (ASCII only) the item accepts */
    int min, max;
    /* The next item needs a byte this one never accepts: only the longest run can match. */
    bool possessive;
};

struct regex_chunk;

struct regex {
    struct rnode *root, *root_last;
    int ncaps;
    const char **names; /* names[g] for g in 1..ncaps, NULL when unnamed */
    bool icase, multiline, dotall, unicode, sticky, global, indices;
    long max_steps;
    struct regex_alloc alloc; /* alloc.alloc NULL: malloc'd chunks, freed by regex_free */
    struct regex_chunk *chunks;
    /* The pattern as a list of repeated byte sets, when it is only that (optionally anchored):
     * matched directly over ASCII subjects, without decoding or the general matcher. */
    struct simple_item *simple;
    int nsimple;
    bool simple_bol, simple_eol;
    bool simple_ascii; /* no item accepts a non-ASCII code point: valid for any UTF-8 subject */
    /* Anchored by ^, and every item but the last fixed-length or possessive: one walk decides. */
    bool simple_linear;
    /* A simple_linear, ASCII-only program as a byte automaton (NULL when it would need more than
     * REGEX_DFA_MAX_STATES states): dfa[state * 256 + byte] is the next state, 0 the dead one, 1
     * the one past the last item of a program without $ (any rest matches); dfa_accept[state]
     * whether the subject may end there. */
    uint8_t *dfa;
    bool *dfa_accept;
    uint8_t dfa_start;
    /* The program is ^[set]{min,max}$ over ASCII: a length check and a byte-set check decide. */
    bool single_run;
};

#define REGEX_DFA_MAX_STATES 64

/* Memory of the program: from its allocator, or a malloc'd chunk freed with it. NULL when out
 * of memory. */
void *regex_mem(struct regex *re, size_t n);

/* ECMA-262 Canonicalize for re's mode (simple case folding with u, uppercasing without). */
uint32_t regex_canon(const struct regex *re, uint32_t c);

/* shortcut.c: rewrites alternations of single characters ("a|b") and non-capturing groups around
 * one character into classes, and unwraps non-capturing groups under quantifiers; false when out
 * of memory. */
bool regex_simplify(struct regex *re);
/* shortcut.c: recognises the simple patterns regex_test (also there) can take without the
 * matcher. */
void regex_build_shortcuts(struct regex *re);

#endif
