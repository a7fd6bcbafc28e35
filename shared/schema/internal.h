/*
 * Internals shared by the schema module's files: the compiled form of a schema (allocated in a
 * util/arena.h arena), URI resolution, formats and the built-in meta-schemas. Not part of the
 * public API.
 */
#ifndef SOLDER_SCHEMA_INTERNAL_H
#define SOLDER_SCHEMA_INTERNAL_H

#include "schema/regex.h"
#include "schema/schema.h"
#include "util/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds the nesting of subschemas that compile walks, against a stack overflow on deep input. */
#define SCHEMA_MAX_COMPILE_DEPTH 200
/* Bounds validation recursion (subschema entered per level, $ref included) so that schemas which
 * recurse without consuming the instance end with an error instead of overflowing the stack. */
#define SCHEMA_MAX_DEPTH 300

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
    const struct node *fast; /* node->fast, one load nearer */
    uint32_t len;            /* strlen(name) */
    /* For properties: "/properties/NAME" with NAME as a JSON Pointer token (its last loc_len -
     * PROPERTIES_TOKEN bytes are the member's instance token), built for error locations. */
    uint32_t loc_len;
    const char *loc;
};

#define PROPERTIES_TOKEN (sizeof "/properties" - 1)

/* An open-addressing index over an array of named_node: the hash of each name, and slots holding
 * array indexes (-1 empty; mask + 1 slots). */
struct name_index {
    uint32_t *hash;
    int32_t *slots;
    uint32_t mask;
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

/* One compiled (sub)schema. Built by compile.c, read-only afterwards. The fields every visit
 * reads come first, to share cache lines. */
struct node {
    /* Where the first-error pass starts for this node: past "$ref"-only hops that stay within
     * the resource (so the dynamic scope cannot change), at most 8 of them. */
    const struct node *fast;
    uint32_t types;  /* "type" as T_* bits; 0 when absent */
    unsigned groups; /* G_* bits: which keyword groups this node has, to skip the rest quickly */
    bool has_types;
    bool is_bool;
    bool bool_value;
    bool leaf;     /* only type/enum/const/number/string keywords: validated without recursion */
    bool pure_ref; /* "$ref" is the only keyword that checks anything */
    /* Only "type", "properties" (at most 64), "additionalProperties" and "required" naming
     * properties: the first-error pass checks it in one tight loop. required_mask has the bit of
     * each required property. */
    bool plain_object;
    /* Only "type", "items", "minItems" and "maxItems": likewise. */
    bool plain_array;
    int n_props;
    struct named_node *props;
    /* Lookup index over props; required_prop[i] is the props index of required[i] or -1. */
    struct name_index prop_index;
    uint64_t required_mask;
    struct node *additional_props;
    struct node *items;
    double max_length, min_length, max_items, min_items, max_props, min_props; /* < 0: none */
    /* String lengths in bytes that surely meet maxLength and minLength (a code point takes one
     * to four bytes): outside them the code points are counted. need_bytes: the string checks
     * want the length in bytes at all. */
    size_t surely_max_bytes, surely_min_bytes;
    bool need_bytes;
    struct schema_regex *pattern;
    int format; /* -1: none or not asserted */
    int n_enum_strings;
    /* An enum of strings only: its values as an indexed set (enum_strings NULL otherwise). */
    struct named_node *enum_strings;
    struct name_index enum_index;

    const cJSON *src;
    struct resource *res;
    const char *base; /* base URI for references inside this schema */
    bool compiled;

    struct node *ref;
    struct node *dyn_ref;        /* initial target of $dynamicRef */
    const char *dyn_anchor_name; /* non-NULL when the $dynamicRef is really dynamic */

    struct node **all_of, **any_of, **one_of;
    int n_all_of, n_any_of, n_one_of;
    struct node *not_, *if_, *then_, *else_;
    struct pattern_node *pattern_props;
    int n_pattern_props;
    struct named_node *dep_schemas;
    int n_dep_schemas;
    struct node *property_names;
    struct node **prefix_items;
    int n_prefix_items;
    struct node *contains;
    double min_contains, max_contains; /* max < 0: none */
    bool has_min_contains;
    struct node *unevaluated_items, *unevaluated_props;

    const cJSON *enum_;
    const cJSON *const_;
    bool has_const;
    double multiple_of, maximum, exclusive_maximum, minimum, exclusive_minimum;
    bool has_multiple_of, has_maximum, has_exclusive_maximum, has_minimum, has_exclusive_minimum;
    const char *pattern_source;
    bool unique_items;
    const char **required;
    int n_required;
    struct dep_required *dep_required;
    int n_dep_required;
    const char *format_name;
    int *required_prop;

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

/* Hash of a name of len bytes (a property or an enum string) for a name_index: its length and
 * three of its bytes, so that it costs the same for any length (collisions only cost a memcmp). */
static inline uint32_t schema_name_hash(const char *s, size_t len)
{
    uint32_t h = (uint32_t)len * 0x9e3779b1u;
    if (len) {
        h ^= (uint32_t)(unsigned char)s[0] | (uint32_t)(unsigned char)s[len / 2] << 8 |
             (uint32_t)(unsigned char)s[len - 1] << 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
    }
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
    struct arena arena; /* every allocation of the compiled form, freed at once */
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
