/*
 * `solder schema`: validate an instance against a JSON Schema (or an Alloy sample schema), convert
 * a sample schema to JSON Schema, list the form fields of an object schema.
 * Exit status of validate: 0 valid, 1 invalid (or the instance is not JSON), 2 the schema is
 * invalid or the command line is wrong.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "json/json.h"
#include "schema/schema.h"
#include "util/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_USAGE                                                                               \
    "solder schema validate [--ref FILE]... [--format-assertion] SCHEMA [INSTANCE]\n"              \
    "       solder schema from-sample SAMPLE\n"                                                    \
    "       solder schema form SCHEMA"
#define SCHEMA_ABOUT                                                                               \
    "validate     checks INSTANCE (a file, or stdin when absent or \"-\") against SCHEMA and\n"    \
    "             prints each error as \"instancePath: message (keyword)\". SCHEMA may be a "      \
    "JSON\n"                                                                                       \
    "             Schema (draft 2020-12) or an Alloy sample schema ({\"orderId\": \"String\"}).\n" \
    "             Exit status: 0 valid, 1 invalid, 2 the schema itself is invalid.\n"              \
    "from-sample  prints the JSON Schema equivalent to an Alloy sample schema.\n"                  \
    "form         prints the form fields (JSON) of an object schema."

/* Collected --ref files, in order. */
struct refs {
    const char *paths[64];
    int n;
    bool overflow;
};

static void add_ref(const char *value, void *arg)
{
    struct refs *r = arg;
    if (r->n < (int)(sizeof r->paths / sizeof r->paths[0]))
        r->paths[r->n++] = value;
    else
        r->overflow = true;
}

/* Reads and parses a JSON file ("-" = stdin); prints why on failure. */
static cJSON *load_json(const char *path, const char *what)
{
    size_t len = 0;
    char *text = cli_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "solder schema: cannot read %s %s: %s\n", what, path, strerror(errno));
        return NULL;
    }
    struct json_error e;
    cJSON *v = json_parse(text, len, JSON_MAX_DEPTH, &e);
    free(text);
    if (!v)
        fprintf(stderr, "solder schema: %s %s is not JSON: %s at line %d, column %d\n", what,
                strcmp(path, "-") == 0 ? "(stdin)" : path, e.message, e.line, e.column);
    return v;
}

/* Converts a sample-style document in place to its JSON Schema; prints why on failure. */
static cJSON *as_json_schema(cJSON *doc)
{
    if (!schema_is_sample(doc))
        return doc;
    char *err = NULL;
    cJSON *converted = schema_from_sample(doc, &err);
    cJSON_Delete(doc);
    if (!converted) {
        fprintf(stderr, "solder schema: invalid sample schema: %s\n", err ? err : "out of memory");
        free(err);
    }
    return converted;
}

static int cmd_validate(int argc, char **argv)
{
    struct refs refs = {0};
    int format_assertion = 0;
    const struct cli_opt opts[] = {
        {"ref", "FILE", "register another schema under its $id (repeatable)", NULL, NULL, NULL,
         add_ref, &refs},
        {"format-assertion", NULL, "make \"format\" an assertion, not an annotation", NULL, NULL,
         &format_assertion, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[2];
    int npos = 0;
    int rc = cli_parse(argc, argv, opts, SCHEMA_USAGE, SCHEMA_ABOUT, pos, 2, &npos);
    if (rc == CLI_HELP)
        return 0;
    if (rc)
        return rc;
    if (npos < 1) {
        fprintf(stderr, "solder schema validate: missing SCHEMA (see solder schema --help)\n");
        return 2;
    }
    if (refs.overflow) {
        fprintf(stderr, "solder schema validate: too many --ref files\n");
        return 2;
    }
    struct schema_registry *reg = schema_registry_new();
    for (int i = 0; reg && i < refs.n; i++) {
        cJSON *doc = load_json(refs.paths[i], "reference");
        if (!doc) {
            schema_registry_free(reg);
            return 2;
        }
        if (schema_registry_add(reg, NULL, doc) != 0) {
            fprintf(stderr, "solder schema: %s has no \"$id\" to register it under\n",
                    refs.paths[i]);
            cJSON_Delete(doc);
            schema_registry_free(reg);
            return 2;
        }
        cJSON_Delete(doc);
    }
    cJSON *doc = load_json(pos[0], "schema");
    doc = doc ? as_json_schema(doc) : NULL;
    if (!doc) {
        schema_registry_free(reg);
        return 2;
    }
    struct schema_options o = {.registry = reg, .format_assertion = format_assertion != 0};
    char *err = NULL;
    schema_t *s = schema_compile(doc, &o, &err);
    cJSON_Delete(doc);
    schema_registry_free(reg);
    if (!s) {
        fprintf(stderr, "solder schema: invalid schema: %s\n", err ? err : "out of memory");
        free(err);
        return 2;
    }
    cJSON *inst = load_json(npos > 1 ? pos[1] : "-", "instance");
    if (!inst) {
        schema_free(s);
        return 1;
    }
    struct schema_result r;
    bool valid = schema_validate(s, inst, &r);
    for (size_t i = 0; i < r.count; i++)
        printf("%s: %s (%s)\n", r.errors[i].instance_path[0] ? r.errors[i].instance_path : "/",
               r.errors[i].message, r.errors[i].keyword);
    schema_result_free(&r);
    cJSON_Delete(inst);
    schema_free(s);
    return valid ? 0 : 1;
}

static int print_json(cJSON *v)
{
    struct buf b = {0};
    cli_json_text(&b, v);
    cJSON_Delete(v);
    if (!b.data) {
        fprintf(stderr, "solder schema: out of memory\n");
        return 1;
    }
    fputs(b.data, stdout);
    buf_free(&b);
    return 0;
}

static int cmd_from_sample(int argc, char **argv)
{
    const struct cli_opt opts[] = {{NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
    char *pos[1];
    int npos = 0;
    int rc = cli_parse(argc, argv, opts, SCHEMA_USAGE, SCHEMA_ABOUT, pos, 1, &npos);
    if (rc == CLI_HELP)
        return 0;
    if (rc)
        return rc;
    if (npos < 1) {
        fprintf(stderr, "solder schema from-sample: missing SAMPLE (see solder schema --help)\n");
        return 2;
    }
    cJSON *sample = load_json(pos[0], "sample");
    if (!sample)
        return 1;
    char *err = NULL;
    cJSON *schema = schema_from_sample(sample, &err);
    cJSON_Delete(sample);
    if (!schema) {
        fprintf(stderr, "solder schema: invalid sample schema: %s\n", err ? err : "out of memory");
        free(err);
        return 1;
    }
    return print_json(schema);
}

static int cmd_form(int argc, char **argv)
{
    const struct cli_opt opts[] = {{NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
    char *pos[1];
    int npos = 0;
    int rc = cli_parse(argc, argv, opts, SCHEMA_USAGE, SCHEMA_ABOUT, pos, 1, &npos);
    if (rc == CLI_HELP)
        return 0;
    if (rc)
        return rc;
    if (npos < 1) {
        fprintf(stderr, "solder schema form: missing SCHEMA (see solder schema --help)\n");
        return 2;
    }
    cJSON *doc = load_json(pos[0], "schema");
    doc = doc ? as_json_schema(doc) : NULL;
    if (!doc)
        return 2;
    char *err = NULL;
    cJSON *fields = schema_form_fields(doc, &err);
    cJSON_Delete(doc);
    if (!fields) {
        fprintf(stderr, "solder schema form: %s\n", err ? err : "out of memory");
        free(err);
        return 1;
    }
    return print_json(fields);
}

static const struct cli_subcommand SCHEMA_COMMANDS[] = {
    {"validate", cmd_validate},
    {"from-sample", cmd_from_sample},
    {"form", cmd_form},
};

int cli_schema(int argc, char **argv)
{
    return cli_subcommands("schema", SCHEMA_COMMANDS,
                           sizeof SCHEMA_COMMANDS / sizeof SCHEMA_COMMANDS[0], SCHEMA_USAGE,
                           SCHEMA_ABOUT, argc, argv);
}
