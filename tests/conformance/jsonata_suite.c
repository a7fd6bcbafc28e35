/*
 * Conformance runner for the official JSONata test suite (native build). Every case goes through
 * mapping_eval_json, the same JSON-text path the WASM runner uses, so both builds are judged alike.
 *
 * Usage: jsonata_suite [--verbose] [--list-failures] [SUITE_DIR]
 * The suite directory defaults to $JSONATA_SUITE, then the copy in tests/conformance/jsonata. Cases
 * named in tests/conformance/jsonata-known-failures.txt may fail; any other failure fails the run
 * (a ratchet). Cases in jsonata-skip.txt are skipped, each with its reason. A missing suite skips
 * the run (exit 77), or fails it in CI (tests/skip.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "json/json.h"
#include "mapping/mapping.h"

#include "../skip.h"

#ifndef JSONATA_SUITE_DEFAULT
#define JSONATA_SUITE_DEFAULT "tests/conformance/jsonata"
#endif
#ifndef JSONATA_LISTS_DIR
#define JSONATA_LISTS_DIR "tests/conformance"
#endif
#ifndef MAPPING_CASES_DIR
#define MAPPING_CASES_DIR "tests/cases/mapping"
#endif

struct idlist {
    char **ids;
    int n, cap;
};

static void list_add(struct idlist *l, const char *id)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->ids = realloc(l->ids, (size_t)l->cap * sizeof(char *));
    }
    l->ids[l->n++] = strdup(id);
}

static bool list_has(const struct idlist *l, const char *id)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->ids[i], id) == 0)
            return true;
    return false;
}

static void list_load(struct idlist *l, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || !*p)
            continue;
        size_t n = strcspn(p, " \t\r\n#");
        p[n] = 0;
        list_add(l, p);
    }
    fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_dir(const char *path, int *n)
{
    DIR *d = opendir(path);
    *n = 0;
    if (!d)
        return NULL;
    char **names = NULL;
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, (size_t)cap * sizeof(char *));
        }
        names[(*n)++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)*n, sizeof(char *), cmp_str);
    return names;
}

struct totals {
    int passed, failed, skipped, regressions;
};

struct run {
    const char *suite;
    struct idlist known, skip;
    bool verbose, list_failures;
    struct totals t;
};

/* Judges one case; returns true when it passes. *why explains a failure. */
static bool run_case(struct run *r, const char *dir, const cJSON *c, char *why, size_t whylen)
{
    const char *expr = json_get_str(c, "expr");
    char *expr_owned = NULL;
    const char *efile = json_get_str(c, "expr-file");
    if (!expr && efile) {
        char path[8192];
        snprintf(path, sizeof path, "%.4000s/%.1000s", dir, efile);
        expr = expr_owned = cli_read_file(path, NULL);
    }
    if (!expr) {
        snprintf(why, whylen, "case has no expr");
        return false;
    }
    char *input_text = NULL;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(c, "data");
    const cJSON *dataset = cJSON_GetObjectItemCaseSensitive(c, "dataset");
    if (data) {
        input_text = cJSON_PrintUnformatted(data);
    } else if (cJSON_IsString(dataset)) {
        char path[4096];
        snprintf(path, sizeof path, "%.3000s/datasets/%.1000s.json", r->suite,
                 dataset->valuestring);
        input_text = cli_read_file(path, NULL);
    }
    char *bind_text = NULL;
    const cJSON *bindings = cJSON_GetObjectItemCaseSensitive(c, "bindings");
    if (cJSON_IsObject(bindings))
        bind_text = cJSON_PrintUnformatted(bindings);
    struct mapping_limits lim = {0};
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(c, "timelimit");
    const cJSON *depth = cJSON_GetObjectItemCaseSensitive(c, "depth");
    if (cJSON_IsNumber(tl))
        lim.time_ms = (int64_t)tl->valuedouble;
    if (cJSON_IsNumber(depth))
        lim.max_depth = depth->valueint;
    char *out = mapping_eval_json(expr, input_text, bind_text, &lim);
    free(input_text);
    free(bind_text);
    cJSON *got = out ? cJSON_Parse(out) : NULL;
    bool ok = false;
    const cJSON *want_result = cJSON_GetObjectItemCaseSensitive(c, "result");
    const cJSON *want_code = cJSON_GetObjectItemCaseSensitive(c, "code");
    const cJSON *want_error = cJSON_GetObjectItemCaseSensitive(c, "error");
    if (!want_code && cJSON_IsObject(want_error))
        want_code = cJSON_GetObjectItemCaseSensitive(want_error, "code");
    const cJSON *want_undef = cJSON_GetObjectItemCaseSensitive(c, "undefinedResult");
    const cJSON *got_result = got ? cJSON_GetObjectItemCaseSensitive(got, "result") : NULL;
    const cJSON *got_err = got ? cJSON_GetObjectItemCaseSensitive(got, "error") : NULL;
    const char *got_code = got_err ? json_get_str(got_err, "code") : NULL;
    if (want_code) {
        ok = got_code && cJSON_IsString(want_code) && strcmp(got_code, want_code->valuestring) == 0;
    } else if (want_result) {
        ok = got_result && json_equal(got_result, want_result);
    } else if (cJSON_IsTrue(want_undef)) {
        ok = got && cJSON_GetObjectItemCaseSensitive(got, "undefined") != NULL;
    }
    if (!ok) {
        char *want = want_code     ? cJSON_PrintUnformatted(want_code)
                     : want_result ? cJSON_PrintUnformatted(want_result)
                                   : strdup("undefined");
        snprintf(why, whylen, "expr %s\n    want %s%s\n    got  %.400s", expr,
                 want_code ? "error " : "", want ? want : "?", out ? out : "(null)");
        free(want);
    }
    free(out);
    free(expr_owned);
    cJSON_Delete(got);
    return ok;
}

static void judge(struct run *r, const char *dir, const char *id, const cJSON *c)
{
    if (list_has(&r->skip, id)) {
        r->t.skipped++;
        return;
    }
    char why[2048];
    if (run_case(r, dir, c, why, sizeof why)) {
        r->t.passed++;
        return;
    }
    r->t.failed++;
    bool known = list_has(&r->known, id);
    if (!known)
        r->t.regressions++;
    if (r->list_failures)
        printf("%s\n", id);
    else if (r->verbose || !known)
        printf("%s %s\n    %s\n", known ? "FAIL (known)" : "FAIL", id, why);
}

/*
 * Our own regression cases (the .json files of tests/cases/mapping, arrays of cases in the suite's
 * format) run after the suite; every one must pass. Returns the number that failed.
 */
static int run_own_cases(struct run *r, int *passed)
{
    int nfiles, failed = 0;
    char **files = list_dir(MAPPING_CASES_DIR, &nfiles);
    for (int f = 0; f < nfiles; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%.3000s/%.1000s", MAPPING_CASES_DIR, files[f]);
        char *text = cli_read_file(path, NULL);
        cJSON *doc = text ? cJSON_Parse(text) : NULL;
        free(text);
        int i = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, doc)
        {
            char why[2048];
            if (run_case(r, MAPPING_CASES_DIR, c, why, sizeof why)) {
                (*passed)++;
            } else {
                failed++;
                printf("FAIL cases/mapping/%s[%d] %s\n    %s\n", files[f], i,
                       json_get_str(c, "name") ? json_get_str(c, "name") : "", why);
            }
            i++;
        }
        if (!doc) {
            failed++;
            printf("FAIL cases/mapping/%s: not a JSON array of cases\n", files[f]);
        }
        cJSON_Delete(doc);
        free(files[f]);
    }
    free(files);
    return failed;
}

int main(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof r);
    const char *suite = getenv("JSONATA_SUITE");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--verbose"))
            r.verbose = true;
        else if (!strcmp(argv[i], "--list-failures"))
            r.list_failures = true;
        else
            suite = argv[i];
    }
    if (!suite || !*suite)
        suite = JSONATA_SUITE_DEFAULT;
    r.suite = suite;
    static char path[8192];
    snprintf(path, sizeof path, "%.4000s/groups", suite);
    int ngroups;
    char **groups = list_dir(path, &ngroups);
    if (!groups) {
        char why[4200];
        snprintf(why, sizeof why, "suite not found at %.4000s (set JSONATA_SUITE)", suite);
        return test_skip("jsonata", why);
    }
    list_load(&r.known, JSONATA_LISTS_DIR "/jsonata-known-failures.txt");
    list_load(&r.skip, JSONATA_LISTS_DIR "/jsonata-skip.txt");
    for (int g = 0; g < ngroups; g++) {
        snprintf(path, sizeof path, "%.4000s/groups/%.1000s", suite, groups[g]);
        int nfiles;
        char **files = list_dir(path, &nfiles);
        for (int f = 0; f < nfiles; f++) {
            size_t fl = strlen(files[f]);
            if (fl < 5 || strcmp(files[f] + fl - 5, ".json") != 0) {
                free(files[f]);
                continue;
            }
            char fpath[16384];
            snprintf(fpath, sizeof fpath, "%.8000s/%.1000s", path, files[f]);
            char *text = cli_read_file(fpath, NULL);
            cJSON *doc = text ? cJSON_Parse(text) : NULL;
            free(text);
            char id[1024];
            files[f][fl - 5] = 0;
            if (cJSON_IsArray(doc)) {
                int i = 0;
                for (const cJSON *c = doc->child; c; c = c->next, i++) {
                    snprintf(id, sizeof id, "%.400s/%.400s[%d]", groups[g], files[f], i);
                    judge(&r, path, id, c);
                }
            } else if (doc) {
                snprintf(id, sizeof id, "%.400s/%.400s", groups[g], files[f]);
                judge(&r, path, id, doc);
            } else {
                /* a case file cJSON cannot read still counts: skipped if listed, else failed */
                snprintf(id, sizeof id, "%.400s/%.400s", groups[g], files[f]);
                if (list_has(&r.skip, id)) {
                    r.t.skipped++;
                } else {
                    r.t.failed++;
                    if (!list_has(&r.known, id))
                        r.t.regressions++;
                    printf("FAIL %s\n    case file is not valid JSON for cJSON\n", id);
                }
            }
            cJSON_Delete(doc);
            free(files[f]);
        }
        free(files);
        free(groups[g]);
    }
    free(groups);
    for (int i = 0; i < r.known.n; i++)
        free(r.known.ids[i]);
    for (int i = 0; i < r.skip.n; i++)
        free(r.skip.ids[i]);
    free(r.known.ids);
    free(r.skip.ids);
    int own_passed = 0, own_failed = 0;
    if (!r.list_failures) {
        own_failed = run_own_cases(&r, &own_passed);
        printf("mapping cases: %d passed, %d failed\n", own_passed, own_failed);
        if (r.t.regressions)
            printf("%d failure(s) not in jsonata-known-failures.txt\n", r.t.regressions);
        printf("jsonata: %d passed, %d failed, %d skipped\n", r.t.passed, r.t.failed, r.t.skipped);
    }
    return (r.t.regressions || own_failed) ? 1 : 0;
}
