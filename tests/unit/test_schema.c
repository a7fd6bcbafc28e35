/*
 * Data-driven tests of the schema module: error messages and locations, sample-schema conversion,
 * form models and the regular-expression engine, from the JSON files in tests/cases/schema/.
 */
#include "json/json.h"
#include "schema/regex.h"
#include "schema/schema.h"
#include "util/buf.h"

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

int main(void)
{
    run_messages();
    run_samples();
    run_forms();
    run_regex();
    run_regex_shortcuts();
    printf("schema cases: %d passed, %d failed\n", total - failures, failures);
    return failures ? 1 : 0;
}
