/*
 * Data-driven tests of the schema module: error messages and locations, sample-schema conversion,
 * form models and the regular-expression engine, from the JSON files in tests/cases/schema/; and
 * two properties: uniqueItems agrees with comparing every pair, and a budget bounds validation.
 */
#include "json/json.h"
#include "plat.h"
#include "schema/regex.h"
#include "schema/schema.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SOLDER_CASES_DIR
#define SOLDER_CASES_DIR "tests/cases"
#endif

static int failures, total;

static cJSON *load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/schema/%s", SOLDER_CASES_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    buf_append(&b, "", 0);
    char *text = buf_take(&b);
    cJSON *v = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsArray(v)) {
        fprintf(stderr, "%s is not a JSON array\n", path);
        exit(1);
    }
    return v;
}

static void check(bool ok, const char *file, const char *desc, const char *what, const cJSON *got,
                  const cJSON *want)
{
    total++;
    if (ok)
        return;
    failures++;
    char *g = got ? cJSON_PrintUnformatted(got) : NULL;
    char *w = want ? cJSON_PrintUnformatted(want) : NULL;
    printf("FAIL %s: %s: %s\n  got:  %s\n  want: %s\n", file, desc, what, g ? g : "-", w ? w : "-");
    free(g);
    free(w);
}

static void run_messages(void)
{
    cJSON *cases = load("messages.json");
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *desc = json_get_str(c, "description");
        char *schema = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "schema"));
        char *data = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "data"));
        cJSON *opts = cJSON_CreateObject();
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "formatAssertion")))
            cJSON_AddTrueToObject(opts, "formatAssertion");
        const cJSON *reg = cJSON_GetObjectItemCaseSensitive(c, "registry");
        if (reg)
            cJSON_AddItemToObject(opts, "registry", cJSON_Duplicate(reg, true));
        char *opt_text = cJSON_PrintUnformatted(opts);
        char *out = schema_validate_json(schema, data, opt_text);
        cJSON *res = cJSON_Parse(out);
        const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(c, "schemaError");
        if (want_err) {
            const cJSON *got = cJSON_GetObjectItemCaseSensitive(res, "schemaError");
            check(got && json_equal(got, want_err), "messages.json", desc, "schemaError", got,
                  want_err);
        } else {
            const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "errors");
            const cJSON *got = cJSON_GetObjectItemCaseSensitive(res, "errors");
            check(got && json_equal(got, want), "messages.json", desc, "errors", got, want);
            const cJSON *valid = cJSON_GetObjectItemCaseSensitive(res, "valid");
            cJSON *expect_valid = cJSON_CreateBool(cJSON_GetArraySize(want) == 0);
            check(valid && json_equal(valid, expect_valid), "messages.json", desc, "valid", valid,
                  expect_valid);
            cJSON_Delete(expect_valid);
        }
        cJSON_Delete(res);
        free(out);
        free(opt_text);
        cJSON_Delete(opts);
        free(schema);
        free(data);
    }
    cJSON_Delete(cases);
}

static void run_samples(void)
{
    cJSON *cases = load("sample.json");
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *desc = json_get_str(c, "description");
        const cJSON *sample = cJSON_GetObjectItemCaseSensitive(c, "sample");
        const cJSON *want_is = cJSON_GetObjectItemCaseSensitive(c, "isSample");
        cJSON *got_is = cJSON_CreateBool(schema_is_sample(sample));
        check(json_equal(got_is, want_is), "sample.json", desc, "isSample", got_is, want_is);
        cJSON_Delete(got_is);
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "schema");
        const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(c, "error");
        if (!want && !want_err)
            continue;
        char *err = NULL;
        cJSON *got = schema_from_sample(sample, &err);
        if (want) {
            check(got && json_equal(got, want), "sample.json", desc, "schema", got, want);
            if (got) {
                char *msg = NULL;
                schema_t *s = schema_compile(got, NULL, &msg);
                check(s != NULL, "sample.json", desc, "converted schema compiles", NULL, NULL);
                schema_free(s);
                free(msg);
            }
        } else {
            cJSON *got_err = err ? cJSON_CreateString(err) : NULL;
            check(!got && got_err && json_equal(got_err, want_err), "sample.json", desc, "error",
                  got_err, want_err);
            cJSON_Delete(got_err);
        }
        cJSON_Delete(got);
        free(err);
    }
    cJSON_Delete(cases);
}

static void run_forms(void)
{
    cJSON *cases = load("form.json");
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *desc = json_get_str(c, "description");
        char *err = NULL;
        cJSON *got = schema_form_fields(cJSON_GetObjectItemCaseSensitive(c, "schema"), &err);
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "fields");
        if (want) {
            check(got && json_equal(got, want), "form.json", desc, "fields", got, want);
        } else {
            const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(c, "error");
            cJSON *got_err = err ? cJSON_CreateString(err) : NULL;
            check(!got && got_err && json_equal(got_err, want_err), "form.json", desc, "error",
                  got_err, want_err);
            cJSON_Delete(got_err);
        }
        cJSON_Delete(got);
        free(err);
    }
    cJSON_Delete(cases);
}

static void run_regex(void)
{
    cJSON *cases = load("regex.json");
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *pattern = json_get_str(c, "pattern");
        const char *unit = json_get_str(c, "subject");
        const char *want = json_get_str(c, "result");
        const cJSON *repeat = cJSON_GetObjectItemCaseSensitive(c, "repeat");
        struct buf sb = {0};
        for (int r = 0; r < (cJSON_IsNumber(repeat) ? repeat->valueint : 1); r++)
            buf_puts(&sb, unit);
        buf_append(&sb, "", 0);
        char *subject = buf_take(&sb);
        char err[128];
        struct schema_regex *re = schema_regex_compile(pattern, err, sizeof err);
        const char *got = "invalid";
        if (re) {
            enum schema_regex_result r = schema_regex_search(re, subject, strlen(subject));
            got = r == SCHEMA_REGEX_MATCH     ? "match"
                  : r == SCHEMA_REGEX_NOMATCH ? "nomatch"
                                              : "limit";
        }
        schema_regex_free(re);
        cJSON *g = cJSON_CreateString(got);
        cJSON *w = cJSON_CreateString(want);
        char desc[512];
        snprintf(desc, sizeof desc, "/%s/ on \"%.60s\"", pattern, subject);
        check(strcmp(got, want) == 0, "regex.json", desc, "result", g, w);
        cJSON_Delete(g);
        cJSON_Delete(w);
        free(subject);
    }
    cJSON_Delete(cases);
}

/*
 * The matcher's shortcuts for simple patterns (byte automaton, longest runs, bounded backtracking)
 * against its general backtracking matcher, over every subject of up to five units from an
 * alphabet that each pattern's sets split differently (a two-byte UTF-8 character included).
 */
static void run_regex_shortcuts(void)
{
    static const char *const patterns[] = {
        "^-?[0-9]+\\.[0-9]{2,4}$",
        "^[A-Z]{3}$",
        "^[A-Z0-9]{2,4}$",
        "^a*$",
        "^a?5$",
        "^[0-9]{0,2}a",
        "^0",
        "^$",
        "^a{2}",
        "^[a-z]+[0-9]*$",
        "^.a",
        "^[^a]{1,3}$",
        "^-?0*.?$",
        "^[0-9A]{1,2}[A-a]{0,3}$",
        "^a{0,2}a$",
        "[0-9]{2}$",
        "^[-.]{1,}[0-9]{2}",
        "^(?:a)$",
        "^[A-Z0-9]{2,30}$",
        "^[a5]{2,100}$",
        "^[0-9]{70}",
        "^a[5.]{0,80}$",
    };
    static const char *const units[] = {"-", ".", "0", "5", "A", "a", "\xc3\xa9"};
    enum { N_UNITS = sizeof units / sizeof units[0], MAX_UNITS = 5 };
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        char err[128];
        struct schema_regex *re = schema_regex_compile(patterns[p], err, sizeof err);
        if (!re) {
            check(false, "shortcuts", patterns[p], "compiles", NULL, NULL);
            continue;
        }
        int mismatches = 0, subjects = 0;
        char example[64] = "";
        for (int n = 0; n <= MAX_UNITS; n++) {
            int digits[MAX_UNITS] = {0};
            for (;;) {
                char subject[64];
                size_t len = 0;
                for (int i = 0; i < n; i++) {
                    size_t l = strlen(units[digits[i]]);
                    memcpy(subject + len, units[digits[i]], l);
                    len += l;
                }
                subject[len] = '\0';
                subjects++;
                if (schema_regex_search(re, subject, len) !=
                    schema_regex_search_general(re, subject, len)) {
                    if (!mismatches++)
                        snprintf(example, sizeof example, "%s", subject);
                }
                int i = 0;
                while (i < n && ++digits[i] == N_UNITS)
                    digits[i++] = 0;
                if (i == n)
                    break;
            }
        }
        cJSON *got = cJSON_CreateString(example);
        char desc[160];
        snprintf(desc, sizeof desc, "/%s/ shortcut and general matcher agree", patterns[p]);
        check(mismatches == 0, "shortcuts", desc, "first subject where they differ", got, NULL);
        check(subjects == 19608, "shortcuts", desc, "subjects tried", NULL, NULL);
        cJSON_Delete(got);
        schema_regex_free(re);
    }
}

/* A deterministic generator for the random cases below (xorshift64). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* A small random JSON value from a pool where equal values come in several spellings: 2 and 2.0,
 * objects with their members in either order, nested arrays. */
static cJSON *random_value(int depth)
{
    switch (rnd(depth > 1 ? 5 : 7)) {
    case 0:
        return cJSON_CreateNumber(rnd(6));
    case 1:
        return cJSON_CreateNumber(rnd(6) + (rnd(2) ? 0.0 : 0.5));
    case 2: {
        char t[2] = {(char)('a' + rnd(4)), 0};
        return cJSON_CreateString(t);
    }
    case 3:
        return rnd(3) ? cJSON_CreateBool(rnd(2)) : cJSON_CreateNull();
    case 4:
        return cJSON_CreateNumber(-(double)rnd(3));
    case 5: {
        cJSON *a = cJSON_CreateArray();
        for (unsigned i = 0, n = rnd(3); i < n; i++)
            cJSON_AddItemToArray(a, random_value(depth + 1));
        return a;
    }
    default: {
        cJSON *o = cJSON_CreateObject();
        const char *names[] = {"x", "y", "z"};
        unsigned first = rnd(3), n = rnd(3);
        for (unsigned i = 0; i < n; i++)
            cJSON_AddItemToObject(o, names[(first + i) % 3], random_value(depth + 1));
        return o;
    }
    }
}

/* uniqueItems finds, for random arrays of every size around the point where it stops comparing
 * pair by pair, the same first duplicate pair as comparing every pair in order. */
static void run_unique_items(void)
{
    cJSON *doc = cJSON_Parse("{\"uniqueItems\": true}");
    schema_t *s = schema_compile(doc, NULL, NULL);
    int agreed = 0, duplicates = 0;
    for (int round = 0; round < 600; round++) {
        cJSON *arr = cJSON_CreateArray();
        size_t size = 2 + rnd(round < 300 ? 40 : 400);
        for (size_t i = 0; i < size; i++)
            cJSON_AddItemToArray(arr, random_value(0));
        long want_i = -1, want_j = -1, i = 0;
        for (const cJSON *a = arr->child; a && want_i < 0; a = a->next, i++) {
            long j = i + 1;
            for (const cJSON *b = a->next; b; b = b->next, j++)
                if (json_equal(a, b)) {
                    want_i = i;
                    want_j = j;
                    break;
                }
        }
        struct schema_result r = {0};
        bool valid = schema_validate(s, arr, &r);
        char want[128] = "", got[128] = "";
        if (want_i >= 0)
            snprintf(want, sizeof want,
                     "must not contain duplicate items (items %ld and %ld are equal)", want_i,
                     want_j);
        if (!valid && r.count == 1)
            snprintf(got, sizeof got, "%s", r.errors[0].message);
        bool same = (want_i < 0) == valid && strcmp(want, got) == 0;
        agreed += same;
        duplicates += want_i >= 0;
        if (!same) {
            char *text = cJSON_PrintUnformatted(arr);
            cJSON *g = cJSON_CreateString(got), *w = cJSON_CreateString(want);
            check(false, "uniqueItems", text, "first duplicate", g, w);
            cJSON_Delete(g);
            cJSON_Delete(w);
            free(text);
        }
        schema_result_free(&r);
        cJSON_Delete(arr);
    }
    check(agreed == 600, "uniqueItems", "random arrays", "agree with pairwise comparison", NULL,
          NULL);
    /* An object that repeats a member name is equal to one that does not, but not the other way
     * round: such arrays are compared pair by pair, earlier item first, as before. (Not in
     * messages.json: JavaScript's JSON.parse keeps one of the repeated members.) */
    char text[512] = "[";
    for (int i = 0; i < 20; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,", 100 + i);
    for (int order = 0; order < 2; order++) {
        char doc_text[600];
        snprintf(doc_text, sizeof doc_text, "%s%s]", text,
                 order ? "{\"k\":1,\"j\":1},{\"k\":1,\"k\":1}"
                       : "{\"k\":1,\"k\":1},{\"k\":1,\"j\":1}");
        cJSON *arr = cJSON_Parse(doc_text);
        struct schema_result r = {0};
        bool valid = schema_validate(s, arr, &r);
        check(order ? valid : !valid && r.count == 1 && strstr(r.errors[0].message, "20 and 21"),
              "uniqueItems", doc_text, "repeated member names compared in order", NULL, NULL);
        schema_result_free(&r);
        cJSON_Delete(arr);
    }
    check(duplicates > 200 && duplicates < 600, "uniqueItems", "random arrays",
          "a fair share have duplicates", NULL, NULL);
    schema_free(s);
    cJSON_Delete(doc);
}

/* A validation with a budget ends soon after it, however much work the schema would take; without
 * one it runs to the end; a quick one is unaffected. */
static void run_budget(void)
{
    cJSON *doc = cJSON_Parse("{\"items\": {\"pattern\": \"^(a|aa)+$\"}}");
    schema_t *s = schema_compile(doc, NULL, NULL);
    cJSON *words = cJSON_CreateArray();
    for (int i = 0; i < 5000; i++)
        cJSON_AddItemToArray(words, cJSON_CreateString("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
    struct schema_result r = {0};
    int64_t t0 = plat_now_ms();
    enum schema_verdict v = schema_validate_within(s, words, &r, 50);
    int64_t took = plat_now_ms() - t0;
    check(v == SCHEMA_OVER_BUDGET, "budget", "pathological pattern over 5,000 strings",
          "over budget", NULL, NULL);
    check(r.count == 0, "budget", "pathological pattern over 5,000 strings", "no errors kept", NULL,
          NULL);
    check(took < 2000, "budget", "pathological pattern over 5,000 strings",
          "ends near its 50 ms budget", NULL, NULL);
    printf("budget: a 50 ms budget ended after %lld ms\n", (long long)took);
    schema_result_free(&r);
    cJSON *few = cJSON_CreateArray();
    cJSON_AddItemToArray(few, cJSON_CreateString("aaaa"));
    cJSON_AddItemToArray(few, cJSON_CreateString("aab"));
    check(schema_validate_within(s, few, &r, 1000) == SCHEMA_INVALID, "budget", "two strings",
          "invalid within the budget", NULL, NULL);
    check(r.count == 1, "budget", "two strings", "its error", NULL, NULL);
    schema_result_free(&r);
    cJSON_DeleteItemFromArray(few, 1);
    check(schema_validate_within(s, few, NULL, 1000) == SCHEMA_VALID, "budget", "one string",
          "valid within the budget", NULL, NULL);
    cJSON_Delete(few);
    cJSON_Delete(words);
    schema_free(s);
    cJSON_Delete(doc);
}

int main(void)
{
    run_messages();
    run_samples();
    run_forms();
    run_regex();
    run_regex_shortcuts();
    run_unique_items();
    run_budget();
    printf("schema cases: %d passed, %d failed\n", total - failures, failures);
    return failures ? 1 : 0;
}
