/*
 * The native side of the differential tests against node (regex.mjs, case.mjs).
 *
 *   regex_driver regex  reads JSON lines {"p": pattern, "f": flags, "s": [subjects]} and answers
 *                       each with {"e": message} or {"r": [one result per subject]}, a result
 *                       being {"m": first match or null, "a": every match of a lastIndex loop}
 *                       (the loop only with g or y); a match is [start, end] per group (null
 *                       when the group did not take part), in UTF-16 code units as JavaScript
 *                       counts them, or the string "limit" when the step budget ran out.
 *   regex_driver case   writes, for every code point, $uppercase and $lowercase of it through the
 *                       JSONata engine as "CP UPPER LOWER ASSIGNED" lines: hex, the code points of
 *                       a mapping separated by '.', and 1 or 0 for whether the tables have the
 *                       code point assigned.
 *   regex_driver map    reads JSON lines holding one string and answers each with
 *                       [$uppercase, $lowercase] of it.
 *   regex_driver version prints the Unicode version of the tables.
 * REGEX_MAX_STEPS overrides the engine's step budget for the regex mode.
 */
#include "mapping/mapping.h"
#include "regex/regex.h"
#include "unicode/unicode.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds the lastIndex loop of one subject (a subject is at most a few dozen units). */
#define MAX_LOOP 200

/* UTF-16 length of the units before index i (code points with u, code units without). */
static long utf16_index(const struct regex *re, const struct regex_subject *sub, long i)
{
    if (i < 0)
        return -1;
    if (!regex_flag(re, 'u'))
        return i;
    long n = 0;
    for (long k = 0; k < i; k++)
        n += sub->unit[k] > 0xffff ? 2 : 1;
    return n;
}

static cJSON *match_json(const struct regex *re, const struct regex_subject *sub, const long *span)
{
    cJSON *m = cJSON_CreateArray();
    for (int g = 0; g <= regex_groups(re); g++) {
        if (span[2 * g] < 0) {
            cJSON_AddItemToArray(m, cJSON_CreateNull());
            continue;
        }
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)utf16_index(re, sub, span[2 * g])));
        cJSON_AddItemToArray(pair,
                             cJSON_CreateNumber((double)utf16_index(re, sub, span[2 * g + 1])));
        cJSON_AddItemToArray(m, pair);
    }
    return m;
}

static cJSON *one_subject(const struct regex *re, const char *text)
{
    struct regex_subject sub;
    cJSON *r = cJSON_CreateObject();
    if (!regex_subject_init(&sub, re, text, strlen(text), NULL)) {
        cJSON_AddStringToObject(r, "m", "out of memory");
        return r;
    }
    long *span = malloc(2 * ((size_t)regex_groups(re) + 1) * sizeof *span);
    enum regex_result x = regex_exec_units(re, &sub, 0, span);
    if (x == REGEX_LIMIT)
        cJSON_AddStringToObject(r, "m", "limit");
    else
        cJSON_AddItemToObject(r, "m",
                              x == REGEX_MATCH ? match_json(re, &sub, span) : cJSON_CreateNull());
    if (regex_flag(re, 'g') || regex_flag(re, 'y')) {
        cJSON *all = cJSON_CreateArray();
        size_t last = 0;
        for (int k = 0; k < MAX_LOOP; k++) {
            x = regex_exec_units(re, &sub, last, span);
            if (x == REGEX_LIMIT) {
                cJSON_AddItemToArray(all, cJSON_CreateString("limit"));
                break;
            }
            if (x != REGEX_MATCH)
                break;
            cJSON_AddItemToArray(all, match_json(re, &sub, span));
            last = (size_t)span[1] + (span[1] == span[0]);
            if (last > sub.n)
                break;
        }
        cJSON_AddItemToObject(r, "a", all);
    }
    free(span);
    regex_subject_free(&sub);
    return r;
}

static int run_regex(void)
{
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        cJSON *in = cJSON_Parse(line);
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(in, "p");
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(in, "f");
        const cJSON *subjects = cJSON_GetObjectItemCaseSensitive(in, "s");
        if (!cJSON_IsString(p) || !cJSON_IsString(f) || !cJSON_IsArray(subjects)) {
            fprintf(stderr, "regex_driver: bad input line\n");
            return 2;
        }
        cJSON *out = cJSON_CreateObject();
        char err[128] = "";
        const char *steps = getenv("REGEX_MAX_STEPS");
        struct regex_options opt = {.flags = f->valuestring, .max_steps = steps ? atol(steps) : 0};
        struct regex *re =
            regex_compile(p->valuestring, strlen(p->valuestring), &opt, err, sizeof err);
        if (!re) {
            cJSON_AddStringToObject(out, "e", err);
        } else {
            cJSON *results = cJSON_AddArrayToObject(out, "r");
            const cJSON *s;
            cJSON_ArrayForEach(s, subjects)
            {
                cJSON_AddItemToArray(results, one_subject(re, s->valuestring));
            }
            regex_free(re);
        }
        char *text = cJSON_PrintUnformatted(out);
        puts(text);
        free(text);
        cJSON_Delete(out);
        cJSON_Delete(in);
    }
    free(line);
    return 0;
}

/* $uppercase(s) or $lowercase(s) through the JSONata engine; NULL on an error. */
static char *jsonata_case(const char *fn, const char *s)
{
    struct mapping_error err;
    struct mapping_expr *x = mapping_compile(fn, strlen(fn), &err);
    cJSON *in = cJSON_CreateString(s);
    cJSON *result = NULL;
    char *out = NULL;
    if (x && mapping_evaluate(x, in, NULL, NULL, &result, &err) == 0 && cJSON_IsString(result))
        out = strdup(result->valuestring);
    cJSON_Delete(result);
    cJSON_Delete(in);
    mapping_free(x);
    return out;
}

/* Appends the code points of the space-separated item at *p as hex joined by '.'. */
static void put_item(struct buf *b, const char **p)
{
    const char *s = *p;
    size_t n = strcspn(s, " ");
    for (size_t i = 0; i < n;) {
        if (i)
            buf_putc(b, '.');
        buf_printf(b, "%X", (unsigned)utf8_decode(s, n, &i));
    }
    *p = s[n] ? s + n + 1 : s + n;
}

/*
 * Every code point, 4096 at a time: one string of them separated by spaces (a space is neither
 * cased nor case-ignorable, so no code point's mapping depends on its neighbours), mapped once.
 */
static int run_case(void)
{
    enum { CHUNK = 4096 };
    struct unicode_range *assigned;
    int nassigned;
    if (unicode_property("Assigned", 8, NULL, 0, &assigned, &nassigned) != UNICODE_FOUND)
        return 1;
    int next = 0; /* the first range of assigned not below the code point */
    for (uint32_t base = 0; base <= 0x10ffff; base += CHUNK) {
        struct buf in = {0};
        for (uint32_t c = base; c < base + CHUNK && c <= 0x10ffff; c++) {
            char enc[4];
            if (c != base)
                buf_putc(&in, ' ');
            if (c == ' ' || c == 0)
                buf_putc(&in, '_'); /* a placeholder: see below */
            else
                buf_append(&in, enc, utf8_encode(c, enc));
        }
        char *text = buf_take(&in);
        char *upper = jsonata_case("$uppercase($)", text);
        char *lower = jsonata_case("$lowercase($)", text);
        if (!upper || !lower) {
            fprintf(stderr, "regex_driver: $uppercase/$lowercase failed near U+%04X\n", base);
            free(assigned);
            return 1;
        }
        const char *u = upper, *l = lower;
        for (uint32_t c = base; c < base + CHUNK && c <= 0x10ffff; c++) {
            struct buf line = {0};
            buf_printf(&line, "%X ", c);
            if (c == ' ' || c == 0) {
                /* NUL cannot be in this string and the space separates: these two come from the
                 * case tables $uppercase reads, directly */
                uint32_t m[3];
                unicode_upper(c, m);
                buf_printf(&line, "%X ", (unsigned)m[0]);
                unicode_lower(c, m);
                buf_printf(&line, "%X", (unsigned)m[0]);
                struct buf skip = {0};
                put_item(&skip, &u);
                put_item(&skip, &l);
                buf_free(&skip);
            } else {
                put_item(&line, &u);
                buf_putc(&line, ' ');
                put_item(&line, &l);
            }
            while (next < nassigned && assigned[next].hi < c)
                next++;
            buf_printf(&line, " %d", next < nassigned && assigned[next].lo <= c);
            char *t = buf_take(&line);
            puts(t);
            free(t);
        }
        free(text);
        free(upper);
        free(lower);
    }
    free(assigned);
    return 0;
}

static int run_map(void)
{
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        cJSON *in = cJSON_Parse(line);
        if (!cJSON_IsString(in)) {
            fprintf(stderr, "regex_driver: bad input line\n");
            return 2;
        }
        char *upper = jsonata_case("$uppercase($)", in->valuestring);
        char *lower = jsonata_case("$lowercase($)", in->valuestring);
        cJSON *out = cJSON_CreateArray();
        cJSON_AddItemToArray(out, upper ? cJSON_CreateString(upper) : cJSON_CreateNull());
        cJSON_AddItemToArray(out, lower ? cJSON_CreateString(lower) : cJSON_CreateNull());
        char *text = cJSON_PrintUnformatted(out);
        puts(text);
        free(text);
        free(upper);
        free(lower);
        cJSON_Delete(out);
        cJSON_Delete(in);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "regex") == 0)
        return run_regex();
    if (strcmp(mode, "case") == 0)
        return run_case();
    if (strcmp(mode, "map") == 0)
        return run_map();
    if (strcmp(mode, "version") == 0)
        return puts(unicode_version()) < 0;
    fprintf(stderr, "usage: regex_driver regex|case|map|version\n");
    return 2;
}
