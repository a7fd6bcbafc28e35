/*
 * JSON Schema (draft 2020-12) validation, Alloy sample-schema conversion and form models.
 *
 * A schema is compiled once (schema_compile) into an immutable program that may be shared between
 * threads and used for any number of validations (schema_validate). References to other documents
 * resolve through a registry the caller fills; nothing is ever fetched from a network. The draft
 * 2020-12 meta-schemas are built in.
 *
 * Ownership rule: arguments are borrowed (never freed or kept: compile copies what it needs);
 * everything returned belongs to the caller and is released with the matching *_free function,
 * cJSON_Delete or free, as each comment says.
 */
#ifndef SOLDER_SCHEMA_H
#define SOLDER_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>

/* ---- registry of documents that $ref may name ------------------------------------------------ */

struct schema_registry;

/* Returns an empty registry (caller frees with schema_registry_free), or NULL on OOM. */
struct schema_registry *schema_registry_new(void);

/*
 * Registers a copy of doc under uri; uri NULL means the document's own "$id". Returns 0, or -1 when
 * there is no usable URI or memory ran out. A later registration of the same URI replaces the
 * first.
 */
int schema_registry_add(struct schema_registry *reg, const char *uri, const cJSON *doc);

void schema_registry_free(struct schema_registry *reg);

/* ---- compile and validate -------------------------------------------------------------------- */

struct schema_options {
    /* Documents that references may resolve to (may be NULL). Only read during schema_compile. */
    const struct schema_registry *registry;
    /* Makes "format" an assertion (the default is an annotation, as the draft says). */
    bool format_assertion;
};

/* A compiled schema: immutable, shareable between threads. */
typedef struct schema schema_t;

/*
 * Compiles doc (a JSON Schema: object or boolean). opts may be NULL. Returns the compiled schema
 * (caller frees with schema_free), or NULL with a malloc'd message in *err (caller frees; err may
 * be NULL) when the schema is invalid: a malformed keyword, an unresolvable reference, an invalid
 * pattern or a schema nested too deeply.
 */
schema_t *schema_compile(const cJSON *doc, const struct schema_options *opts, char **err);

void schema_free(schema_t *s);

/* One failed assertion, in the shape of JSON Schema's "basic" output unit. Its strings share one
 * allocation with the result's error array, owned by the schema_result that holds them. */
struct schema_error {
    char *instance_path;    /* JSON Pointer into the instance, "" for the root */
    char *keyword_location; /* JSON Pointer through the schema as evaluated, e.g.
                               "/properties/a/type" */
    char *keyword;          /* the failing keyword, e.g. "type" */
    char *message;          /* for a person: "must be a string", "'id' is a required property" */
};

/* The errors of one validation. Lifecycle: zero-initialised, filled by schema_validate, released
 * with schema_result_free. */
struct schema_result {
    struct schema_error *errors;
    size_t count;
};

/*
 * Validates instance against s. With out NULL, stops at the first failure (fastest); otherwise
 * collects every error into *out (which the caller releases with schema_result_free). Returns true
 * when the instance is valid. Recursion is bounded: a schema that recurses without end produces an
 * error, not a stack overflow.
 */
bool schema_validate(const schema_t *s, const cJSON *instance, struct schema_result *out);

enum schema_verdict { SCHEMA_INVALID, SCHEMA_VALID, SCHEMA_OVER_BUDGET };

/*
 * schema_validate with a time budget: gives up once budget_ms milliseconds of wall-clock time
 * (plat_now_ms) have passed and returns SCHEMA_OVER_BUDGET, with no errors in *out. For callers
 * that validate untrusted data against untrusted schemas and must not be held by pathological ones.
 * budget_ms 0 means no budget.
 */
enum schema_verdict schema_validate_within(const schema_t *s, const cJSON *instance,
                                           struct schema_result *out, int64_t budget_ms);

void schema_result_free(struct schema_result *r);

/* Returns the errors as a JSON array of {instancePath, keywordLocation, keyword, message}. */
cJSON *schema_result_to_json(const struct schema_result *r);

/*
 * The one-call form used by the WASM export and the conformance runners (same code, same answers).
 * schema and instance are JSON texts; options_json may be NULL or an object with
 * "formatAssertion": bool and "registry": {uri: schema, ...}. Returns malloc'd JSON text:
 * {"valid": bool, "errors": [...]}, or {"schemaError": "..."} when the schema does not compile, or
 * {"jsonError": "..."} when a text is not JSON. NULL only when memory ran out.
 */
char *schema_validate_json(const char *schema, const char *instance, const char *options_json);

/* ---- Alloy sample schemas -------------------------------------------------------------------- */

/*
 * True when doc is written in Alloy's sample style ({"orderId": "String", "items": [{...}]}) rather
 * than as a JSON Schema: an object whose every member is a type name (String, Number, Integer,
 * Boolean, Object, Array, Date), a nested sample object, or an array of one sample, and which uses
 * no JSON Schema keyword as a member name with a schema-like value.
 */
bool schema_is_sample(const cJSON *doc);

/*
 * Converts a sample schema to the equivalent JSON Schema: every sample key becomes a required
 * property; String/Number/Integer/Boolean/Object/Array map to their JSON types, Date to a string
 * with format "date-time"; nested objects recurse; [sample] becomes an array whose items follow the
 * sample; [] an array of anything. Additional properties stay allowed. Returns the schema (caller
 * frees with cJSON_Delete), or NULL with a malloc'd message in *err (caller frees; may be NULL).
 */
cJSON *schema_from_sample(const cJSON *sample, char **err);

/* ---- form model ------------------------------------------------------------------------------ */

/*
 * The fields a form needs to fill an object schema, in property order: a JSON array of
 * {name, title, description, type, required, options?, format?, secret, default?}. "type" is the
 * JSON type (the first non-null one when several are allowed); "options" the enum values (or the
 * const / oneOf consts); "secret" is true for writeOnly or format "password". A local "$ref" to
 * "#/$defs/..." is followed once per field. Returns NULL with a message in *err when schema is not
 * an object schema with properties.
 */
cJSON *schema_form_fields(const cJSON *schema, char **err);

#endif
