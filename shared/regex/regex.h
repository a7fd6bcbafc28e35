/*
 * ECMA-262 regular expressions over UTF-8 text: the one engine behind JSONata's regex literals and
 * JSON Schema's `pattern`. Flags d g i m s u y (v is refused); lookahead and lookbehind, named
 * groups and \k<name>, \p{...} and \P{...} for General_Category, Script, Script_Extensions and the
 * binary properties ECMA-262 lists, case-insensitive matching by ECMA-262's Canonicalize (simple
 * case folding with u, uppercasing of code units without). Without u the subject is matched as
 * UTF-16 code units, as JavaScript does.
 *
 * Lifecycle: regex_compile returns an immutable program (shareable between threads) that any
 * number of regex_subject / regex_exec / regex_test calls use; regex_free releases it unless its
 * memory came from the caller's allocator. A regex_subject is one subject decoded for repeated
 * regex_exec calls (a global search), released with regex_subject_free; it refers to the text,
 * which must outlive it.
 */
#ifndef SOLDER_REGEX_H
#define SOLDER_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct regex;

/* An allocator that owns what it hands out (an arena): nothing it returns is ever freed. */
struct regex_alloc {
    void *(*alloc)(void *ctx, size_t n);
    void *ctx;
};

struct regex_options {
    const char *flags; /* any of "dgimsuy", each at most once; NULL for none */
    long max_steps;    /* backtracking budget of one search; 0 for REGEX_DEFAULT_STEPS */
    /* NULL: malloc, released by regex_free. Otherwise every allocation of the program comes
     * from here, and regex_free does nothing. */
    const struct regex_alloc *alloc;
};

/* Bounds the backtracking of one search, so a catastrophic pattern ends with REGEX_LIMIT. */
#define REGEX_DEFAULT_STEPS 1000000L

/*
 * Compiles pattern (len bytes of UTF-8). Returns the program, or NULL with a message in err
 * (err_size bytes, may be 0) when the pattern or the flags are not valid.
 */
struct regex *regex_compile(const char *pattern, size_t len, const struct regex_options *opt,
                            char *err, size_t err_size);
void regex_free(struct regex *re);

/* Capturing groups in the pattern (group 0, the whole match, not counted). */
int regex_groups(const struct regex *re);
/* The name of group g (1-based), or NULL when it has none. */
const char *regex_group_name(const struct regex *re, int g);
/* Whether the program was compiled with flag f (one of "dgimsuy"). */
bool regex_flag(const struct regex *re, char f);

enum regex_result { REGEX_NOMATCH = 0, REGEX_MATCH = 1, REGEX_LIMIT = -1 };

/* One subject decoded (code points with u, UTF-16 code units without) for regex_exec. */
struct regex_subject {
    const char *text;
    size_t len;
    uint32_t *unit;
    size_t *offset; /* byte offset of each unit, and of the end (n + 1 entries) */
    size_t n;
    bool owned; /* unit and offset came from malloc */
};

/* Decodes text for re, with memory from alloc (NULL: malloc, released by regex_subject_free);
 * false when out of memory. */
bool regex_subject_init(struct regex_subject *sub, const struct regex *re, const char *text,
                        size_t len, const struct regex_alloc *alloc);
void regex_subject_free(struct regex_subject *sub);

/*
 * Searches sub for the first match starting at or after byte offset from (exactly at from with
 * the y flag). On REGEX_MATCH, span[2g] and span[2g+1] are the byte offsets of group g for g in
 * 0..regex_groups(re), or -1 for a group that did not take part; span holds 2 * (groups + 1)
 * entries. A position inside a surrogate pair (only without u) is given as the pair's start.
 */
enum regex_result regex_exec(const struct regex *re, const struct regex_subject *sub, size_t from,
                             long *span);

/* regex_exec in the subject's units: from and span are indices into sub->unit. */
enum regex_result regex_exec_units(const struct regex *re, const struct regex_subject *sub,
                                   size_t from, long *span);

/*
 * Whether re matches anywhere in text, like RegExp.prototype.test without g or y. Patterns that
 * are only repeated character sets between optional anchors take shortcuts (a byte automaton,
 * longest runs) in front of the backtracking matcher.
 */
enum regex_result regex_test(const struct regex *re, const char *text, size_t len);
/* regex_test by the backtracking matcher alone, for tests that check the shortcuts against it. */
enum regex_result regex_test_general(const struct regex *re, const char *text, size_t len);

#endif
