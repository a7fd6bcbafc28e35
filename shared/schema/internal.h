/*
 * Internals shared by the schema module's files: the compiled form of a schema, the arena it lives
 * in, URI resolution, formats and the built-in meta-schemas. Not part of the public API.
 */
#ifndef SOLDER_SCHEMA_INTERNAL_H
#define SOLDER_SCHEMA_INTERNAL_H

#include "schema/regex.h"
#include "schema/schema.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds the nesting of subschemas that compile walks, against a stack overflow on deep input. */
#define SCHEMA_MAX_COMPILE_DEPTH 200
/* Bounds validation recursion (subschema entered per level, $ref included) so that schemas which
 * recurse without consuming the instance end with an error instead of overflowing the stack. */
#define SCHEMA_MAX_DEPTH 300

/* ---- arena: every allocation of a compiled schema, freed at once ----------------------------- */

struct schema_arena_block;
struct schema_arena {
    struct schema_arena_block *head;
    bool oom;
};
void *schema_arena_alloc(struct schema_arena *a, size_t n);
char *schema_arena_strdup(struct schema_arena *a, const char *s);
char *schema_arena_strndup(struct schema_arena *a, const char *s, size_t n);
void schema_arena_free(struct schema_arena *a);

/* ---- URIs (RFC 3986) ------------------------------------------------------------------------- */

/* Resolves ref against base (either may be "") and drops an empty fragment. Returns malloc'd text.
 */
char *schema_uri_resolve(const char *base, const char *ref);
/* Length of uri without its fragment. */
size_t schema_uri_strip_fragment(const char *uri);
/* Decodes %XX escapes of a fragment into a malloc'd string. */
char *schema_uri_unescape(const char *s, size_t n);

/* ---- formats --------------------------------------------------------------------------------- */

/* Index of a known format name, or -1 (unknown formats always pass). */
int schema_format_lookup(const char *name);
/* True when s conforms to the format with that index. */
bool schema_format_check(int format, const char *s);

/* ---- registry -------------------------------------------------------------------------------- */

/* The document registered under uri (no fragment), borrowed from reg, or NULL. */
const cJSON *schema_registry_find(const struct schema_registry *reg, const char *uri);

/* ---- built-in meta-schemas ------------------------------------------------------------------- */

/* The text of a built-in document with that URI (no fragment), or NULL. Static storage. */
const char *schema_meta_lookup(const char *uri);

/* ---- compiled form --------------------------------------------------------------------------- */

enum {
    T_NULL = 1,
    T_BOOLEAN = 2,
    T_OBJECT = 4,
    T_ARRAY = 8,
    T_NUMBER = 16,
    T_STRING = 32,
    T_INTEGER = 64
};

/* Vocabularies a resource's meta-schema enables. */
enum {
    V_CORE = 1,
    V_APPLICATOR = 2,
    V_UNEVALUATED = 4,
    V_VALIDATION = 8,
    V_META = 16,
    V_FORMAT_ANNOTATION = 32,
    V_FORMAT_ASSERTION = 64,
    V_CONTENT = 128,
    V_ALL_DEFAULT = V_CORE | V_APPLICATOR | V_UNEVALUATED | V_VALIDATION | V_META |
                    V_FORMAT_ANNOTATION | V_CONTENT
};

struct node;

/* Keyword messages a node fixes at compile time (node.msg[]). */
enum {
    M_MAXIMUM,
    M_EXCLUSIVE_MAXIMUM,
    M_MINIMUM,
    M_EXCLUSIVE_MINIMUM,
    M_MULTIPLE_OF,
    M_MAX_LENGTH,
    M_MIN_LENGTH,
    M_PATTERN,
    M_FORMAT,
    M_COUNT
};

/* One schema resource (a document root or a subschema with "$id"): the unit of dynamic scope. */
struct resource {
    const char *uri;
    unsigned vocab;
    struct dyn_anchor {
        const char *name;
        struct node *node;
        struct dyn_anchor *next;
    } * dyn_anchors;
};

struct named_node {
    const char *name;
    struct node *node;
};

struct pattern_node {
    struct schema_regex *re;
    const char *source;
    struct node *node;
};

struct dep_required {
    const char *name;
    const char **required;
    int n;
};

/* One compiled (sub)schema. Built by compile.c, read-only afterwards. */
struct node {
    const cJSON *src;
    struct resource *res;
    const char *base; /* base URI for references inside this schema */
    bool compiled;
    bool is_bool;
    bool bool_value;

    uint32_t types; /* "type" as T_* bits; 0 when absent */
    bool has_types;

    struct node *ref;
    struct node *dyn_ref;        /* initial target of $dynamicRef */
    const char *dyn_anchor_name; /* non-NULL when the $dynamicRef is really dynamic */

    struct node **all_of, **any_of, **one_of;
    int n_all_of, n_any_of, n_one_of;
    struct node *not_, *if_, *then_, *else_;
    struct named_node *props;
    int n_props;
    struct pattern_node *pattern_props;
    int n_pattern_props;
    struct node *additional_props;
    struct named_node *dep_schemas;
    int n_dep_schemas;
    struct node *property_names;
    struct node **prefix_items;
    int n_prefix_items;
    struct node *items;
    struct node *contains;
    double min_contains, max_contains; /* max < 0: none */
    bool has_min_contains;
    struct node *unevaluated_items, *unevaluated_props;

    const cJSON *enum_;
    const cJSON *const_;
    bool has_const;
    double multiple_of, maximum, exclusive_maximum, minimum, exclusive_minimum;
    bool has_multiple_of, has_maximum, has_exclusive_maximum, has_minimum, has_exclusive_minimum;
    double max_length, min_length, max_items, min_items, max_props, min_props; /* < 0: none */
    struct schema_regex *pattern;
    const char *pattern_source;
    bool unique_items;
    const char **required;
    int n_required;
    struct dep_required *dep_required;
    int n_dep_required;
    int format; /* -1: none or not asserted */
    const char *format_name;

    /* Lookup index over props: hash of each name, and an open-addressing table of prop indexes
     * (-1 empty, size prop_mask + 1); required_prop[i] is the props index of required[i] or -1. */
    uint32_t *prop_hash;
    int32_t *prop_slots;
    uint32_t prop_mask;
    int *required_prop;

    unsigned groups; /* G_* bits: which keyword groups this node has, to skip the rest quickly */
    bool leaf;       /* only type/enum/const/number/string keywords: validated without recursion */
    bool type_only;  /* a leaf with "type" and nothing else to check */
    bool pure_ref;   /* "$ref" is the only keyword that checks anything */
    /* Messages fixed at compile time: "must be a string", "must be one of ...", "must be equal to"
     */
    const char *type_msg, *enum_msg, *const_msg;
    const char *msg[M_COUNT];
};

enum {
    G_NUMBER = 1,
    G_STRING = 2,
    G_IN_PLACE = 4,
    G_OBJECT = 8,
    G_ARRAY = 16,
    G_ENUM_CONST = 32,
    G_UNEVALUATED = 64
};

/* Message helpers (validate.c), also used by compile.c to precompute per-node messages. */
void schema_type_message(char *out, size_t size, uint32_t types);
void schema_json_excerpt(char *out, size_t size, const cJSON *v);
void schema_format_number(char *out, size_t size, double d);

/* FNV-1a hash of a property name, for the props index. */
static inline uint32_t schema_name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* An index entry: a URI (resource or anchor) and the schema JSON it names. */
struct uri_entry {
    const char *uri;
    const cJSON *schema;
    struct uri_entry *next;
};

struct node_slot {
    const cJSON *key;
    struct node *node;
};

struct schema {
    struct schema_arena arena;
    struct node *root;
    cJSON **docs; /* owned copies of every document indexed */
    int n_docs, cap_docs;
    struct schema_regex **regexes;
    int n_regexes, cap_regexes;
    struct uri_entry *uris;
    struct node_slot *slots; /* open-addressing map from schema JSON to its node */
    size_t n_slots, cap_slots;
    bool format_assertion;
};

#endif
