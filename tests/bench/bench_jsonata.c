/*
 * JSONata benchmark: evaluations per second of compiled expressions over a typical workflow
 * context (tests/bench/jsonata-cases.json). Each case is compiled once and evaluated repeatedly
 * for about a second on one thread, cJSON input to cJSON output, as the engine runs in a block.
 * Prints one "name<TAB>evals_per_second" line per case; tests/bench/jsonata.sh pairs these with
 * the jsonata npm package measured in the same run. Reports only; never fails on a number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "json/json.h"
#include "mapping/mapping.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "tests/bench/jsonata-cases.json";
    double seconds = argc > 2 ? atof(argv[2]) : 1.0;
    char *text = cli_read_file(path, NULL);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!doc) {
        fprintf(stderr, "bench_jsonata: cannot read %s\n", path);
        return 1;
    }
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(doc, "input");
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *name = json_get_str(c, "name");
        const char *src = json_get_str(c, "expr");
        struct mapping_error err;
        struct mapping_expr *expr = mapping_compile(src, strlen(src), &err);
        if (!expr) {
            fprintf(stderr, "bench_jsonata: %s: %s: %s\n", name, err.code, err.message);
            return 1;
        }
        long iters = 0;
        double start = now_s(), elapsed = 0;
        do {
            for (int k = 0; k < 256; k++) {
                cJSON *out = NULL;
                if (mapping_evaluate(expr, input, NULL, NULL, &out, &err) != 0) {
                    fprintf(stderr, "bench_jsonata: %s: %s: %s\n", name, err.code, err.message);
                    return 1;
                }
                cJSON_Delete(out);
            }
            iters += 256;
            elapsed = now_s() - start;
        } while (elapsed < seconds);
        printf("%s\t%.0f\n", name, iters / elapsed);
        mapping_free(expr);
    }
    cJSON_Delete(doc);
    return 0;
}
