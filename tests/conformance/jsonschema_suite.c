/*
 * Runs the official JSON Schema test suite (draft 2020-12) through schema_validate_json, the same
 * entry point the WASM build exports. The suite's remotes/ are registered as served from
 * http://localhost:1234/. Tests under optional/ are reported on their own line and never fail the
 * run; tests under optional/format/ run with format assertion on, as the suite intends.
 *
 * Exit status: 0 when every required test passes or is listed in
 * tests/conformance/jsonschema-known-failures.txt, 1 otherwise, 77 when the suite is missing (1 in
 * CI, tests/skip.h). Usage: jsonschema_suite [SUITE_DIR [KNOWN_FAILURES]]; JSON_SCHEMA_SUITE
 * overrides the default, the copy in tests/conformance/json-schema.
 */
#include "cli/cli.h"
#include "json/json.h"
#include "schema/schema.h"
#include "util/buf.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../skip.h"

#ifndef JSON_SCHEMA_SUITE_DEFAULT
#define JSON_SCHEMA_SUITE_DEFAULT "tests/conformance/json-schema"
#endif
#ifndef SOLDER_KNOWN_FAILURES
#define SOLDER_KNOWN_FAILURES "tests/conformance/jsonschema-known-failures.txt"
#endif

#define REMOTE_BASE "http://localhost:1234/"

struct tally {
    int passed, failed, skipped;
};

struct names {
    char **v;
    int n, cap;
};

static void names_add(struct names *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, (size_t)l->cap * sizeof *l->v);
    }
    l->v[l->n++] = strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Lists the .json files below dir (recursively, relative paths, sorted). */
static void list_json(const char *root, const char *rel, struct names *out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096], full[8192];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat stt;
        if (stat(full, &stt) != 0)
            continue;
        if (S_ISDIR(stt.st_mode))
            list_json(root, sub, out);
        else if (strlen(sub) > 5 && strcmp(sub + strlen(sub) - 5, ".json") == 0)
            names_add(out, sub);
    }
    closedir(d);
    qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_str);
}

static bool is_known(const struct names *known, const char *id)
{
    for (int i = 0; i < known->n; i++)
        if (strcmp(known->v[i], id) == 0)
            return true;
    return false;
}

static void load_known(const char *path, struct names *known)
{
    char *text = cli_read_file(path, NULL);
    if (!text)
        return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ')
            line++;
        if (*line && *line != '#')
            names_add(known, line);
    }
    free(text);
}

/*
 * Serialises v with every number printed exactly (cJSON's printer rounds to 15 significant digits
 * when that is "close enough", which would erase the suite's big-number distinctions).
 */
static void print_exact(struct buf *b, const cJSON *v)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (floor(d) == d && fabs(d) < 1e17)
            buf_printf(b, "%.0f", d);
        else
            buf_printf(b, "%.17g", d);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        bool obj = cJSON_IsObject(v);
        buf_putc(b, obj ? '{' : '[');
        for (const cJSON *c = v->child; c; c = c->next) {
            if (c != v->child)
                buf_putc(b, ',');
            if (obj) {
                cJSON *key = cJSON_CreateString(c->string);
                char *k = cJSON_PrintUnformatted(key);
                buf_puts(b, k);
                buf_putc(b, ':');
                free(k);
                cJSON_Delete(key);
            }
            print_exact(b, c);
        }
        buf_putc(b, obj ? '}' : ']');
    } else {
        char *t = cJSON_PrintUnformatted(v);
        buf_puts(b, t ? t : "null");
        free(t);
    }
}

static char *to_text(const cJSON *v)
{
    struct buf b = {0};
    print_exact(&b, v);
    return buf_take(&b);
}

/* Builds the options object: the remotes as a registry, and format assertion when asked. */
static char *options_json(const char *suite, bool format_assertion)
{
    cJSON *opts = cJSON_CreateObject();
    cJSON *reg = cJSON_AddObjectToObject(opts, "registry");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/remotes", suite);
    struct names files = {0};
    list_json(dir, "", &files);
    for (int i = 0; i < files.n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, files.v[i]);
        char *text = cli_read_file(path, NULL);
        cJSON *doc = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!doc)
            continue;
        char uri[4200];
        snprintf(uri, sizeof uri, REMOTE_BASE "%s", files.v[i]);
        cJSON_AddItemToObject(reg, uri, doc);
    }
    names_free(&files);
    if (format_assertion)
        cJSON_AddTrueToObject(opts, "formatAssertion");
    char *out = to_text(opts);
    cJSON_Delete(opts);
    return out;
}

static void run_file(const char *dir, const char *rel, const char *opts, const struct names *known,
                     bool optional, struct tally *t, int *unexpected)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *text = cli_read_file(path, NULL);
    cJSON *groups = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!cJSON_IsArray(groups)) {
        fprintf(stderr, "cannot read %s\n", path);
        t->failed++;
        if (!optional)
            (*unexpected)++;
        cJSON_Delete(groups);
        return;
    }
    const cJSON *g;
    cJSON_ArrayForEach(g, groups)
    {
        const char *gdesc = json_get_str(g, "description");
        char *schema = to_text(cJSON_GetObjectItemCaseSensitive(g, "schema"));
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(g, "tests");
        const cJSON *tc;
        cJSON_ArrayForEach(tc, tests)
        {
            const char *tdesc = json_get_str(tc, "description");
            bool expect = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tc, "valid"));
            char *data = to_text(cJSON_GetObjectItemCaseSensitive(tc, "data"));
            char *res_text = schema_validate_json(schema, data, opts);
            cJSON *res = res_text ? cJSON_Parse(res_text) : NULL;
            const cJSON *valid = cJSON_GetObjectItemCaseSensitive(res, "valid");
            bool ok = cJSON_IsBool(valid) && cJSON_IsTrue(valid) == expect;
            char id[2048];
            snprintf(id, sizeof id, "%s | %s | %s", rel, gdesc ? gdesc : "", tdesc ? tdesc : "");
            if (ok) {
                t->passed++;
            } else {
                t->failed++;
                bool listed = is_known(known, id);
                if (!optional && !listed)
                    (*unexpected)++;
                const cJSON *se = cJSON_GetObjectItemCaseSensitive(res, "schemaError");
                printf("%s %s (expected %s%s%s)\n",
                       optional ? "FAIL(optional)"
                       : listed ? "FAIL(known)"
                                : "FAIL",
                       id, expect ? "valid" : "invalid", se ? "; schema error: " : "",
                       se ? se->valuestring : "");
            }
            cJSON_Delete(res);
            free(res_text);
            free(data);
        }
        free(schema);
    }
    cJSON_Delete(groups);
}

int main(int argc, char **argv)
{
    const char *env = getenv("JSON_SCHEMA_SUITE");
    char suite[4096];
    if (argc > 1)
        snprintf(suite, sizeof suite, "%s", argv[1]);
    else if (env && *env)
        snprintf(suite, sizeof suite, "%s", env);
    else
        snprintf(suite, sizeof suite, "%s", JSON_SCHEMA_SUITE_DEFAULT);
    const char *known_path = argc > 2 ? argv[2] : SOLDER_KNOWN_FAILURES;
    char tests[4200];
    snprintf(tests, sizeof tests, "%s/tests/draft2020-12", suite);
    struct stat stt;
    if (stat(tests, &stt) != 0 || !S_ISDIR(stt.st_mode)) {
        char why[4400];
        snprintf(why, sizeof why, "suite not found at %s (set JSON_SCHEMA_SUITE)", tests);
        return test_skip("json-schema", why);
    }
    struct names known = {0};
    load_known(known_path, &known);
    char *plain = options_json(suite, false);
    char *asserting = options_json(suite, true);
    struct names files = {0};
    list_json(tests, "", &files);
    struct tally req = {0}, opt = {0};
    int unexpected = 0;
    for (int i = 0; i < files.n; i++) {
        bool optional = strncmp(files.v[i], "optional/", 9) == 0;
        bool format = strncmp(files.v[i], "optional/format/", 16) == 0;
        run_file(tests, files.v[i], format ? asserting : plain, &known, optional,
                 optional ? &opt : &req, &unexpected);
    }
    printf("json-schema: %d passed, %d failed, %d skipped\n", req.passed, req.failed, req.skipped);
    printf("json-schema-optional: %d passed, %d failed, %d skipped\n", opt.passed, opt.failed,
           opt.skipped);
    names_free(&files);
    names_free(&known);
    free(plain);
    free(asserting);
    return unexpected ? 1 : 0;
}
