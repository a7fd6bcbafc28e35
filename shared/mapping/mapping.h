/*
 * JSONata: compile an expression once, evaluate it many times against JSON input.
 *
 * Ownership: arguments are borrowed. A compiled expression (struct mapping_expr) is owned by the
 * caller and released with mapping_free; it is immutable after mapping_compile, so one compiled
 * expression may be evaluated from several threads at once. Results returned as cJSON* or char*
 * belong to the caller (cJSON_Delete / free).
 */
#ifndef SOLDER_MAPPING_H
#define SOLDER_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

/* A compile or evaluation error: JSONata's code (e.g. "S0201", "T2001"), a message and the byte
 * offset in the expression it refers to (-1 when unknown). */
struct mapping_error {
    char code[8];
    char message[256];
    int position;
};

struct mapping_expr;

/*
 * A function the host makes callable from expressions as $name(args…). Arguments arrive as borrowed
 * cJSON values (NULL for undefined); the callback returns an owned result (NULL for undefined) or
 * sets err->code/message and returns NULL to fail the evaluation.
 */
struct mapping_host_fn {
    const char *name; /* without the $ */
    cJSON *(*fn)(void *ctx, cJSON *const *args, int nargs, struct mapping_error *err);
    void *ctx;
};

/* Limits that end a runaway expression with an error instead of a hang or a crash. */
struct mapping_limits {
    int max_depth;      /* nested evaluations (U1001), prevents C stack exhaustion; 0 = default */
    uint64_t max_steps; /* evaluation steps (U1001); 0 = default */
    int64_t time_ms;    /* wall-clock budget (U1001); 0 = none */
    size_t max_memory;  /* bytes in the evaluation arena (U1001); 0 = default */
};

/* Extra variables and host functions for one evaluation. vars is an object whose members become
 * $name variables (borrowed; may be NULL). */
struct mapping_bindings {
    const cJSON *vars;
    const struct mapping_host_fn *fns;
    int nfns;
};

/* Default limits: deep enough for any sane mapping, small enough for a 1 MiB stack. */
#define MAPPING_DEFAULT_MAX_DEPTH  500
#define MAPPING_DEFAULT_MAX_STEPS  50000000ull
#define MAPPING_DEFAULT_MAX_MEMORY ((size_t)1 << 30)

/* Compiles text (len bytes). Returns the expression, or NULL with *err filled. */
struct mapping_expr *mapping_compile(const char *text, size_t len, struct mapping_error *err);

void mapping_free(struct mapping_expr *expr);

/*
 * Evaluates expr against input (NULL = undefined input). Returns 0 with *result set (NULL when the
 * result is undefined), or -1 with *err filled. bindings and limits may be NULL.
 */
int mapping_evaluate(const struct mapping_expr *expr, const cJSON *input,
                     const struct mapping_bindings *bindings, const struct mapping_limits *limits,
                     cJSON **result, struct mapping_error *err);

/*
 * Like mapping_evaluate, but *text receives the result as compact JSON text with JavaScript number
 * formatting (malloc'd; NULL when the result is undefined).
 */
int mapping_evaluate_text(const struct mapping_expr *expr, const cJSON *input,
                          const struct mapping_bindings *bindings,
                          const struct mapping_limits *limits, char **text,
                          struct mapping_error *err);

/*
 * One-shot evaluation over JSON texts, the path the WASM export and the conformance runners share:
 * input_json may be NULL (undefined input), bindings_json NULL or an object of variables.
 * Returns malloc'd JSON text: {"result":…}, {"undefined":true} or
 * {"error":{"code":…,"message":…,"position":…}}.
 */
char *mapping_eval_json(const char *expr, const char *input_json, const char *bindings_json,
                        const struct mapping_limits *limits);

#endif
