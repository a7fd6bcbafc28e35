/*
 * Workflow definitions: the data cases in tests/cases/workflow (valid definitions with their block
 * summaries, invalid ones with every expected error path), field compatibility, configurable field
 * values, the JSON-in/JSON-out validation, and the parse limits.
 */
#include "check.h"

#include "cli/cli.h"
#include "json/json.h"
#include "workflow/workflow.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *parse_text(const char *text)
{
    cJSON *doc = json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
    if (!doc)
        fprintf(stderr, "bad JSON in test: %s\n", text);
    return doc;
}

static struct workflow_def *parse_def(const char *text)
{
    cJSON *doc = parse_text(text);
    struct workflow_errors errs = {0};
    struct workflow_def *def = workflow_parse(doc, &errs);
    for (size_t i = 0; !def && i < errs.count; i++)
        fprintf(stderr, "  unexpected error %s: %s\n", errs.items[i].path, errs.items[i].message);
    workflow_errors_free(&errs);
    cJSON_Delete(doc);
    return def;
}

/* Compares the expected summary entries member by member (missing "icon" in the case = any). */
static void check_summary_matches(const char *name, const cJSON *got, const cJSON *want)
{
    CHECK_INT(cJSON_GetArraySize(got), cJSON_GetArraySize(want));
    const cJSON *w;
    int i = 0;
    cJSON_ArrayForEach(w, want)
    {
        const cJSON *g = cJSON_GetArrayItem(got, i++), *m;
        cJSON_ArrayForEach(m, w)
        {
            const cJSON *gm = cJSON_GetObjectItemCaseSensitive(g, m->string);
            if (!json_equal(gm, m)) {
                char *a = json_print(g), *b = json_print(w);
                fprintf(stderr, "  case %s: summary entry %d\n    got  %s\n    want %s\n", name,
                        i - 1, a, b);
                free(a);
                free(b);
                CHECK(false);
                break;
            }
        }
    }
}

static void run_case(const char *file, const cJSON *c)
{
    const char *name = json_get_str(c, "name") ? json_get_str(c, "name") : file;
    const cJSON *definition = cJSON_GetObjectItem(c, "definition");
    struct workflow_errors errs = {0};
    struct workflow_def *def = workflow_parse(definition, &errs);
    if (cJSON_IsTrue(cJSON_GetObjectItem(c, "valid"))) {
        CHECK(def != NULL);
        for (size_t i = 0; !def && i < errs.count; i++)
            fprintf(stderr, "  case %s: %s: %s\n", name, errs.items[i].path, errs.items[i].message);
        if (def) {
            cJSON *summary = workflow_blocks_summary(def);
            check_summary_matches(name, summary, cJSON_GetObjectItem(c, "blocks"));
            cJSON_Delete(summary);
            const cJSON *want_fields = cJSON_GetObjectItem(c, "fields");
            if (want_fields) {
                cJSON *fields = workflow_fields_json(def);
                bool same = json_equal(fields, want_fields);
                if (!same) {
                    char *a = json_print(fields);
                    fprintf(stderr, "  case %s: fields %s\n", name, a);
                    free(a);
                }
                CHECK(same);
                cJSON_Delete(fields);
            }
        }
    } else {
        CHECK(def == NULL);
        const cJSON *want = cJSON_GetObjectItem(c, "errors");
        bool same = (int)errs.count == cJSON_GetArraySize(want);
        for (size_t i = 0; same && i < errs.count; i++)
            same = strcmp(errs.items[i].path, cJSON_GetArrayItem(want, (int)i)->valuestring) == 0;
        if (!same) {
            fprintf(stderr, "  case %s: got %zu errors:\n", name, errs.count);
            for (size_t i = 0; i < errs.count; i++)
                fprintf(stderr, "    '%s': %s\n", errs.items[i].path, errs.items[i].message);
        }
        CHECK(same);
        const char *contains = json_get_str(c, "contains");
        if (contains) {
            bool found = errs.count && strstr(errs.items[0].message, contains);
            if (!found)
                fprintf(stderr, "  case %s: first message lacks '%s'\n", name, contains);
            CHECK(found);
        }
    }
    workflow_free(def);
    workflow_errors_free(&errs);
}

static void run_cases(void)
{
    DIR *d = opendir(SOLDER_CASES_DIR "/workflow");
    CHECK(d != NULL);
    if (!d)
        return;
    int files = 0, cases = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/workflow/%s", SOLDER_CASES_DIR, e->d_name);
        cJSON *doc = cli_read_json(path);
        CHECK(doc != NULL);
        const cJSON *list = cJSON_GetObjectItem(doc, "cases"), *c;
        if (list) {
            cJSON_ArrayForEach(c, list)
            {
                run_case(e->d_name, c);
                cases++;
            }
        } else if (doc) {
            run_case(e->d_name, doc);
            cases++;
        }
        cJSON_Delete(doc);
        files++;
    }
    closedir(d);
    CHECK(files >= 5);
    CHECK(cases >= 35);
}

static const char *fields_a =
    "{\"name\":\"a\",\"trigger\":{\"type\":\"manual\"},\"blocks\":[],\"fields\":["
    "{\"name\":\"url\",\"required\":true,\"schema\":{\"type\":\"string\",\"format\":\"uri\"}},"
    "{\"name\":\"n\",\"title\":\"Count\",\"schema\":{\"type\":\"integer\",\"minimum\":1}}]}";

static void test_fields_compatible(void)
{
    struct workflow_def *a = parse_def(fields_a);
    /* Same fields, other order, other title: compatible. */
    struct workflow_def *same = parse_def(
        "{\"name\":\"b\",\"trigger\":{\"type\":\"manual\"},\"blocks\":[],\"fields\":["
        "{\"name\":\"n\",\"title\":\"How many\",\"schema\":{\"minimum\":1,\"type\":\"integer\"}},"
        "{\"name\":\"url\",\"required\":true,\"schema\":{\"format\":\"uri\",\"type\":\"string\"}}]"
        "}");
    struct workflow_def *added = parse_def(
        "{\"name\":\"b\",\"trigger\":{\"type\":\"manual\"},\"blocks\":[],\"fields\":["
        "{\"name\":\"url\",\"required\":true,\"schema\":{\"type\":\"string\",\"format\":\"uri\"}},"
        "{\"name\":\"n\",\"schema\":{\"type\":\"integer\",\"minimum\":1}},"
        "{\"name\":\"extra\"}]}");
    struct workflow_def *changed = parse_def(
        "{\"name\":\"b\",\"trigger\":{\"type\":\"manual\"},\"blocks\":[],\"fields\":["
        "{\"name\":\"url\",\"required\":true,\"schema\":{\"type\":\"string\",\"format\":\"uri\"}},"
        "{\"name\":\"n\",\"schema\":{\"type\":\"integer\",\"minimum\":2}}]}");
    struct workflow_def *required =
        parse_def("{\"name\":\"b\",\"trigger\":{\"type\":\"manual\"},\"blocks\":[],\"fields\":["
                  "{\"name\":\"url\",\"schema\":{\"type\":\"string\",\"format\":\"uri\"}},"
                  "{\"name\":\"n\",\"schema\":{\"type\":\"integer\",\"minimum\":1}}]}");
    struct workflow_def *none =
        parse_def("{\"name\":\"b\",\"trigger\":{\"type\":\"manual\"},\"blocks\":[]}");
    CHECK(a && same && added && changed && required && none);
    if (!(a && same && added && changed && required && none))
        goto out;
    char reason[128];
    CHECK(workflow_fields_compatible(a, same, reason, sizeof reason));
    CHECK_STR(reason, "");
    CHECK(workflow_fields_compatible(a, a, NULL, 0));
    CHECK(!workflow_fields_compatible(a, added, reason, sizeof reason));
    CHECK_STR(reason, "configurable field 'extra' was added");
    CHECK(!workflow_fields_compatible(added, a, reason, sizeof reason));
    CHECK_STR(reason, "configurable field 'extra' was removed");
    CHECK(!workflow_fields_compatible(a, changed, reason, sizeof reason));
    CHECK_STR(reason, "configurable field 'n' changed its schema");
    CHECK(!workflow_fields_compatible(a, required, reason, sizeof reason));
    CHECK_STR(reason, "configurable field 'url' is no longer required");
    CHECK(!workflow_fields_compatible(a, none, reason, sizeof reason));
    CHECK_STR(reason, "configurable field 'url' was removed");
    CHECK(workflow_fields_compatible(none, none, reason, sizeof reason));
out:
    workflow_free(a);
    workflow_free(same);
    workflow_free(added);
    workflow_free(changed);
    workflow_free(required);
    workflow_free(none);
}

static void test_config_validate(void)
{
    struct workflow_def *def = parse_def(fields_a);
    CHECK(def != NULL);
    if (!def)
        return;
    struct {
        const char *config;
        const char *paths; /* expected error paths joined by spaces, "" when valid */
    } cases[] = {
        {"{\"url\":\"https://x.example/\",\"n\":3}", ""},
        {"{\"url\":\"https://x.example/\"}", ""},
        {"{}", "/url"},
        {"{\"url\":\"https://x.example/\",\"n\":0}", "/n"},
        {"{\"url\":5,\"n\":\"x\",\"zzz\":1}", "/url /n /zzz"},
        {"[1]", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *config = parse_text(cases[i].config);
        struct workflow_errors errs = {0};
        bool ok = workflow_config_validate(def, config, &errs);
        char got[256] = "";
        for (size_t e = 0; e < errs.count; e++) {
            if (e)
                strcat(got, " ");
            strncat(got, errs.items[e].path, 64);
        }
        if (cJSON_IsArray(config)) {
            CHECK(!ok);
            CHECK_INT(errs.count, 1);
        } else {
            CHECK(ok == (cases[i].paths[0] == 0));
            CHECK_STR(got, cases[i].paths);
        }
        workflow_errors_free(&errs);
        cJSON_Delete(config);
    }
    workflow_free(def);
}

static void test_validate_json(void)
{
    char *out = workflow_validate_json(
        "{\"name\":\"x\",\"trigger\":{\"type\":\"customEvent\",\"event\":\"E\"},"
        "\"fields\":[{\"name\":\"f\"}],"
        "\"blocks\":[{\"id\":\"s\",\"type\":\"streamData\",\"inputs\":{\"url\":\"config.f\"}}]}");
    cJSON *got = out ? cJSON_Parse(out) : NULL;
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(got, "valid")));
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(got, "blocks")), 2);
    CHECK_STR(json_get_str(cJSON_GetArrayItem(cJSON_GetObjectItem(got, "blocks"), 0), "name"),
              "Custom Event");
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(got, "fields")), 1);
    CHECK(!cJSON_GetObjectItem(got, "errors"));
    cJSON_Delete(got);
    free(out);

    out = workflow_validate_json("{\"name\":\"x\",\"trigger\":{\"type\":\"manual\"},"
                                 "\"blocks\":[{\"id\":\"s\",\"type\":\"streamData\"}]}");
    got = out ? cJSON_Parse(out) : NULL;
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(got, "valid")));
    const cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(got, "errors"), 0);
    CHECK_STR(json_get_str(e0, "path"), "/blocks/0/inputs");
    CHECK_STR(json_get_str(e0, "message"), "missing required input 'url'");
    cJSON_Delete(got);
    free(out);

    out = workflow_validate_json("{\"name\": ");
    got = out ? cJSON_Parse(out) : NULL;
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(got, "valid")));
    e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(got, "errors"), 0);
    CHECK_STR(json_get_str(e0, "path"), "");
    CHECK(json_get_str(e0, "message") && strstr(json_get_str(e0, "message"), "not valid JSON"));
    cJSON_Delete(got);
    free(out);

    out = workflow_validate_json(NULL);
    CHECK(out && strstr(out, "\"valid\":false"));
    free(out);
}

/* Builds {"name":…,"trigger":…,"blocks":[ifElse{then:[ifElse{…[stop]}]}]} nested `levels` deep. */
static char *nested_definition(int levels)
{
    size_t cap = (size_t)levels * 160 + 256;
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap,
                                  "{\"name\":\"deep\",\"trigger\":{\"type\":\"manual\"},"
                                  "\"blocks\":[");
    for (int i = 0; i < levels - 1; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "{\"id\":\"c%d\",\"type\":\"ifElse\",\"inputs\":{\"condition\":"
                                "\"true\"},\"then\":[",
                                i);
    len += (size_t)snprintf(s + len, cap - len, "{\"id\":\"leaf\",\"type\":\"stop\"}");
    for (int i = 0; i < levels - 1; i++)
        len += (size_t)snprintf(s + len, cap - len, "]}");
    snprintf(s + len, cap - len, "]}");
    return s;
}

static void test_limits(void)
{
    char *ok = nested_definition(WF_MAX_DEPTH);
    struct workflow_def *def = parse_def(ok);
    CHECK(def != NULL);
    CHECK(def && def->total_blocks == WF_MAX_DEPTH);
    CHECK(workflow_find_block(def, "leaf") != NULL);
    CHECK(workflow_find_block(def, "nope") == NULL);
    workflow_free(def);
    free(ok);

    char *deep = nested_definition(WF_MAX_DEPTH + 1);
    char *out = workflow_validate_json(deep);
    CHECK(out && strstr(out, "nested deeper than 16 levels"));
    free(out);
    free(deep);

    /* WF_MAX_BLOCKS + 1 stop blocks: one error, not one per block. */
    size_t cap = (size_t)(WF_MAX_BLOCKS + 1) * 40 + 128;
    char *many = malloc(cap);
    size_t len = (size_t)snprintf(many, cap,
                                  "{\"name\":\"many\",\"trigger\":{\"type\":\"manual\"}"
                                  ",\"blocks\":[");
    for (int i = 0; i <= WF_MAX_BLOCKS; i++)
        len += (size_t)snprintf(many + len, cap - len, "%s{\"id\":\"b%d\",\"type\":\"stop\"}",
                                i ? "," : "", i);
    snprintf(many + len, cap - len, "]}");
    cJSON *doc = parse_text(many);
    struct workflow_errors errs = {0};
    CHECK(workflow_parse(doc, &errs) == NULL);
    CHECK_INT(errs.count, 1);
    CHECK(errs.count == 1 && strstr(errs.items[0].message, "more than 1000 blocks"));
    workflow_errors_free(&errs);
    cJSON_Delete(doc);
    free(many);

    /* More than WF_MAX_ERRORS problems: the list stops there and says so. */
    cap = 200 * 40 + 128;
    char *bad = malloc(cap);
    len = (size_t)snprintf(bad, cap,
                           "{\"name\":\"bad\",\"trigger\":{\"type\":\"manual\"},"
                           "\"blocks\":[");
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(bad + len, cap - len, "%s{\"id\":\"b%d\",\"type\":\"x\"}",
                                i ? "," : "", i);
    snprintf(bad + len, cap - len, "]}");
    doc = parse_text(bad);
    CHECK(workflow_parse(doc, &errs) == NULL);
    CHECK_INT(errs.count, WF_MAX_ERRORS);
    CHECK(errs.truncated);
    cJSON *list = workflow_errors_json(&errs);
    CHECK_INT(cJSON_GetArraySize(list), WF_MAX_ERRORS + 1);
    CHECK_STR(json_get_str(cJSON_GetArrayItem(list, WF_MAX_ERRORS), "message"),
              "too many errors; the rest are not listed");
    cJSON_Delete(list);
    workflow_errors_free(&errs);
    workflow_free(workflow_parse(doc, NULL));
    cJSON_Delete(doc);
    free(bad);
}

int main(void)
{
    run_cases();
    test_fields_compatible();
    test_config_validate();
    test_validate_json();
    test_limits();
    return check_summary("test_workflow");
}
