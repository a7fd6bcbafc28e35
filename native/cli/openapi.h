/*
 * OpenAPI 3.0/3.1 to Solder connector conversion, for `solder connector import-openapi` (see
 * docs/connectors.md, "Starting from an OpenAPI spec"). openapi.c maps the document (servers,
 * security schemes, operations); openapi_schema.c turns OpenAPI schema objects into self-contained
 * JSON Schema 2020-12 (references inlined, 3.0 dialect rewritten). No I/O: the command reads and
 * writes, these build values.
 *
 * Ownership rule: arguments are borrowed; returned values belong to the caller (cJSON_Delete).
 */
#ifndef SOLDER_CLI_OPENAPI_H
#define SOLDER_CLI_OPENAPI_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

/* What to convert and how to name it. tags and operations select a subset (an operation is taken
 * when it carries one of the tags or its operationId or action name is listed); none selects all.
 */
struct openapi_options {
    const char *app;      /* connector id, also its display name unless name is set */
    const char *name;     /* display name, or NULL */
    const char *base_url; /* replaces servers[0].url, or NULL */
    const char **tags;
    int ntags;
    const char **operations;
    int noperations;
};

/*
 * Builds the connector for spec. Returns it, or NULL with err set when spec is not an OpenAPI 3
 * document or a tag or operation asked for matches nothing. What could not be expressed (an auth
 * scheme, a cookie parameter, a cut reference...) is appended to warnings (an array of strings).
 */
cJSON *openapi_to_connector(const cJSON *spec, const struct openapi_options *o, cJSON *warnings,
                            char *err, size_t err_len);

/* ---- openapi_schema.c ---- */

/* The node a local reference ("#/components/schemas/Order") names in spec, or NULL (external
 * references, missing targets). */
const cJSON *openapi_pointer(const cJSON *spec, const char *ref);

/* node, or what its chain of "$ref"s leads to (bounded); NULL when a reference does not resolve. */
const cJSON *openapi_deref(const cJSON *spec, const cJSON *node);

/* How one schema is inlined. budget counts schema objects still allowed for one action (a schema
 * graph can expand exponentially); where names the action in warnings. */
struct openapi_inline {
    const cJSON *spec;
    bool request;   /* drop readOnly properties: they are not sent */
    int budget;     /* schema objects still allowed */
    int json_depth; /* nesting of the schema's position in the connector file */
    const char *where;
    cJSON *warnings; /* array of strings, or NULL */
};

/*
 * A self-contained JSON Schema 2020-12 copy of an OpenAPI schema: local $refs inlined (a cycle, a
 * nesting beyond the connector file's depth limit or an exhausted budget becomes {}), nullable,
 * boolean exclusiveMinimum/Maximum and invalid types rewritten, examples, discriminators, xml and
 * x- extensions dropped.
 */
cJSON *openapi_schema_inline(struct openapi_inline *ctx, const cJSON *schema);

/* When schema (inlined) describes a plain object — properties, required, additionalProperties,
 * possibly spread over allOf — that object merged into one; NULL otherwise. */
cJSON *openapi_schema_flatten(const cJSON *schema);

/* Removes the keywords a schema most often fails to compile on (pattern, patternProperties,
 * format), everywhere in it. */
void openapi_schema_strip_patterns(cJSON *schema);

#endif
