/*
 * Tests of the mapping.h API beyond what the language suite covers: variable bindings, host
 * functions, the limits that stop runaway expressions, error positions, text output, and one
 * compiled expression evaluated from several threads at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "mapping/mapping.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* Evaluates expr over input_json with optional bindings/limits; returns the text result or
 * "ERR:<code>" (malloc'd), "undefined" for undefined. */
static char *run(const char *expr, const char *input_json, const struct mapping_bindings *b,
                 const struct mapping_limits *lim)
{
    struct mapping_error err;
    struct mapping_expr *x = mapping_compile(expr, strlen(expr), &err);
    char *out = NULL;
    if (!x) {
        out = malloc(16);
        snprintf(out, 16, "ERR:%s", err.code);
        return out;
    }
    cJSON *in =
        input_json ? json_parse(input_json, strlen(input_json), JSON_MAX_DEPTH, NULL) : NULL;
    char *text = NULL;
    if (mapping_evaluate_text(x, in, b, lim, &text, &err) != 0) {
        out = malloc(16);
        snprintf(out, 16, "ERR:%s", err.code);
    } else {
        out = text ? text : strdup("undefined");
    }
    cJSON_Delete(in);
    mapping_free(x);
    return out;
}

static void expect(const char *expr, const char *input, const struct mapping_bindings *b,
                   const struct mapping_limits *lim, const char *want)
{
    char *got = run(expr, input, b, lim);
    CHECK(strcmp(got, want) == 0, "%s: want %s, got %s", expr, want, got);
    free(got);
}

static cJSON *host_greet(void *ctx, cJSON *const *args, int nargs, struct mapping_error *err)
{
    const char *prefix = ctx;
    if (nargs < 1 || !cJSON_IsString(args[0])) {
        snprintf(err->code, sizeof err->code, "H0001");
        snprintf(err->message, sizeof err->message, "greet needs a string");
        return NULL;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%s %s", prefix, args[0]->valuestring);
    return cJSON_CreateString(buf);
}

struct thread_job {
    const struct mapping_expr *x;
    int n;
    int bad;
};

static void *thread_main(void *arg)
{
    struct thread_job *job = arg;
    for (int i = 0; i < job->n; i++) {
        char input[64];
        snprintf(input, sizeof input, "{\"v\": [%d, %d, %d]}", i, i + 1, i + 2);
        cJSON *in = json_parse(input, strlen(input), JSON_MAX_DEPTH, NULL); /* thread-safe */
        struct mapping_error err;
        char *text = NULL;
        char want[32];
        snprintf(want, sizeof want, "%d", 3 * i + 3);
        if (mapping_evaluate_text(job->x, in, NULL, NULL, &text, &err) != 0 || !text ||
            strcmp(text, want) != 0)
            job->bad++;
        free(text);
        cJSON_Delete(in);
    }
    return NULL;
}

int main(void)
{
    /* text output: JavaScript number formatting, compact JSON, undefined */
    expect("0.1 + 0.2", NULL, NULL, NULL, "0.30000000000000004");
    expect("1e21 + 0", NULL, NULL, NULL, "1e+21");
    expect("-0", NULL, NULL, NULL, "0");
    expect("{\"a\": [1, \"x\", true, null]}", NULL, NULL, NULL, "{\"a\":[1,\"x\",true,null]}");
    expect("nothing", "{}", NULL, NULL, "undefined");

    /* bindings: variables from an object */
    cJSON *vars = cJSON_Parse("{\"rate\": 0.5, \"names\": [\"a\", \"b\"]}");
    struct mapping_bindings b = {.vars = vars};
    expect("price * $rate", "{\"price\": 10}", &b, NULL, "5");
    expect("$join($names, '+')", NULL, &b, NULL, "\"a+b\"");

    /* host functions, including a failing one */
    struct mapping_host_fn fns[] = {{"greet", host_greet, "hello"}};
    struct mapping_bindings hb = {.vars = vars, .fns = fns, .nfns = 1};
    expect("$greet(name)", "{\"name\": \"ada\"}", &hb, NULL, "\"hello ada\"");
    expect("$map(['x', 'y'], $greet)", NULL, &hb, NULL, "[\"hello x\",\"hello y\"]");
    expect("$greet(1)", NULL, &hb, NULL, "ERR:H0001");
    cJSON_Delete(vars);

    /* limits end runaway expressions with U1001 */
    struct mapping_limits steps = {.max_steps = 100000};
    expect("($f := function(){$f()}; $f())", NULL, NULL, &steps, "ERR:U1001");
    struct mapping_limits depth = {.max_depth = 50};
    expect("($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(1000))", NULL, NULL, &depth,
           "ERR:U1001");
    struct mapping_limits time = {.time_ms = 50};
    expect("($f := function($n){$f($n + 1)}; $f(0))", NULL, NULL, &time, "ERR:U1001");
    struct mapping_limits mem = {.max_memory = 1 << 20};
    expect("$count([1..1000000])", NULL, NULL, &mem, "ERR:U1001");
    expect("$count([1..1000000])", NULL, NULL, NULL, "1000000");

    /* errors carry codes and positions */
    struct mapping_error err;
    struct mapping_expr *x = mapping_compile("a.b +", 5, &err);
    CHECK(!x && strcmp(err.code, "S0207") == 0, "syntax error code %s", err.code);
    x = mapping_compile("1 + 'a'", 7, &err);
    CHECK(x != NULL, "compiles");
    cJSON *out = NULL;
    CHECK(mapping_evaluate(x, NULL, NULL, NULL, &out, &err) == -1 &&
              strcmp(err.code, "T2002") == 0 && err.position > 0,
          "T2002 with a position, got %s at %d", err.code, err.position);
    mapping_free(x);

    /* JSON-text entry point used by the WASM export */
    char *t = mapping_eval_json("$.a", "{\"a\": 1}", NULL, NULL);
    CHECK(t && strcmp(t, "{\"result\":1}") == 0, "eval_json result %s", t);
    free(t);
    t = mapping_eval_json("$.b", "{\"a\": 1}", NULL, NULL);
    CHECK(t && strcmp(t, "{\"undefined\":true}") == 0, "eval_json undefined %s", t);
    free(t);
    t = mapping_eval_json("$x", NULL, "{\"x\": \"bound\"}", NULL);
    CHECK(t && strcmp(t, "{\"result\":\"bound\"}") == 0, "eval_json bindings %s", t);
    free(t);
    t = mapping_eval_json("(", NULL, NULL, NULL);
    CHECK(t && strstr(t, "\"code\":\"S0207\"") != NULL, "eval_json error %s", t);
    free(t);

    /* one compiled expression shared by several threads */
    x = mapping_compile("$sum(v)", 7, &err);
    struct thread_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct thread_job){.x = x, .n = 2000};
        pthread_create(&th[i], NULL, thread_main, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].bad == 0, "thread %d had %d wrong results", i, jobs[i].bad);
    }
    mapping_free(x);

    printf("mapping_api: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
