/*
 * A YAML 1.2 reader that yields cJSON, for documents that are JSON in YAML's clothing (OpenAPI
 * specs): mappings become objects, sequences arrays, plain scalars are resolved the way YAML 1.2's
 * core schema says (null, booleans, integers, floats; everything else a string) and quoted or block
 * scalars stay strings. Anchors and aliases are expanded into copies, within a budget.
 *
 * Ownership rule: the text is borrowed; the returned value belongs to the caller (cJSON_Delete).
 */
#ifndef SOLDER_CLI_YAML_H
#define SOLDER_CLI_YAML_H

#include <stddef.h>

#include <cJSON.h>

/* Nesting limit: cJSON frees, copies and prints recursively, so depth is stack. */
#define CLI_YAML_MAX_DEPTH 64
/* Values one document may produce, aliases counted as the copies they become: stops an alias bomb
 * ("billion laughs") from turning a few hundred bytes into gigabytes. */
#define CLI_YAML_MAX_NODES 1000000
/* Bytes of scalar text one document may produce, aliases counted the same way. */
#define CLI_YAML_MAX_TEXT (64 * 1024 * 1024)

/* Why a document was refused; line and column count from 1 (0 when there is no position). */
struct cli_yaml_error {
    char message[200];
    int line;
    int column;
};

/*
 * Parses len bytes of text as one YAML document. Returns the value, or NULL with *err filled (err
 * may be NULL): a syntax error, a second document, a duplicate mapping key, a key that is not a
 * scalar, an unknown or recursive alias, a tag other than the core schema's, a value JSON cannot
 * hold (.inf, .nan, a NUL character), nesting beyond CLI_YAML_MAX_DEPTH or an expansion beyond the
 * budgets above.
 */
cJSON *cli_yaml_parse(const char *text, size_t len, struct cli_yaml_error *err);

#endif
