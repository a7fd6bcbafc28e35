/*
 * `solder map 'EXPR' [FILE]`: evaluates a JSONata expression against JSON read from FILE (or
 * stdin) and prints the result as compact JSON on stdout — nothing when it is undefined. An
 * error prints "CODE: message" on stderr and exits 1.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "json/json.h"
#include "mapping/mapping.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_USAGE "solder map [--vars JSON] [--null-input] 'EXPR' [FILE]"
#define MAP_ABOUT                                                                                  \
    "Evaluates the JSONata expression EXPR against the JSON document in FILE (stdin when FILE\n"   \
    "is absent or \"-\") and prints the result as compact JSON. Prints nothing when the result\n"  \
    "is undefined. On an error prints \"CODE: message\" on stderr and exits 1."

/* Input documents come from users' files: deep enough for any payload, bounded for the parser. */
#define MAP_INPUT_MAX_DEPTH 512

int cli_map(int argc, char **argv)
{
    const char *vars_text = NULL;
    int null_input = 0;
    const struct cli_opt opts[] = {
        {"vars", "JSON", "object whose members become $variables", NULL, &vars_text, NULL, NULL,
         NULL},
        {"null-input", NULL, "evaluate without reading any input (input is undefined)", NULL, NULL,
         &null_input, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[2];
    int npos = 0;
    int rc = cli_parse(argc, argv, opts, MAP_USAGE, MAP_ABOUT, pos, 2, &npos);
    if (rc == CLI_HELP)
        return 0;
    if (rc)
        return rc;
    if (npos < 1) {
        fprintf(stderr, "usage: %s\n", MAP_USAGE);
        return 2;
    }
    cJSON *vars = NULL;
    if (vars_text) {
        struct json_error je;
        vars = json_parse(vars_text, strlen(vars_text), MAP_INPUT_MAX_DEPTH, &je);
        if (!cJSON_IsObject(vars)) {
            fprintf(stderr, "solder map: --vars must be a JSON object\n");
            cJSON_Delete(vars);
            return 2;
        }
    }
    cJSON *input = NULL;
    if (!null_input) {
        const char *path = npos > 1 ? pos[1] : "-";
        size_t len = 0;
        char *text = cli_read_file(path, &len);
        if (!text) {
            fprintf(stderr, "solder map: cannot read %s: %s\n", path, strerror(errno));
            cJSON_Delete(vars);
            return 1;
        }
        struct json_error je;
        input = json_parse(text, len, MAP_INPUT_MAX_DEPTH, &je);
        free(text);
        if (!input) {
            fprintf(stderr, "solder map: input is not JSON: %s at line %d, column %d\n", je.message,
                    je.line, je.column);
            cJSON_Delete(vars);
            return 1;
        }
    }
    struct mapping_error err;
    struct mapping_expr *expr = mapping_compile(pos[0], strlen(pos[0]), &err);
    int status = 0;
    if (!expr) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        status = 1;
    } else {
        struct mapping_bindings b = {.vars = vars};
        char *out = NULL;
        if (mapping_evaluate_text(expr, input, &b, NULL, &out, &err) != 0) {
            fprintf(stderr, "%s: %s\n", err.code, err.message);
            status = 1;
        } else if (out) {
            printf("%s\n", out);
        }
        free(out);
    }
    mapping_free(expr);
    cJSON_Delete(input);
    cJSON_Delete(vars);
    return status;
}
