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

int main(void)
{
    run_messages();
    run_samples();
    run_forms();
    run_regex();
    printf("schema cases: %d passed, %d failed\n", total - failures, failures);
    return failures ? 1 : 0;
}
