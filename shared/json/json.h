/*
 * JSON value helpers over cJSON, shared by the server and the WASM build.
 *
 * Ownership rule for every function here: arguments are borrowed (never freed or kept); a returned
 * cJSON* or char* belongs to the caller, who frees it with cJSON_Delete / free, unless the comment
 * says the pointer is borrowed from an argument (then it lives as long as that argument).
 */
#ifndef SOLDER_JSON_H
#define SOLDER_JSON_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cJSON.h>

/* Nesting limit for untrusted documents: keeps cJSON's recursive descent far from the stack's end.
 */
#define JSON_MAX_DEPTH 64

/* Where and why a parse failed. offset is a byte offset into the text; line and column count
 * from 1. */
struct json_error {
    char message[128];
    size_t offset;
    int line;
    int column;
};

/*
 * Parses len bytes of text (need not be NUL-terminated) as one JSON document, refusing nesting
 * deeper than max_depth and anything but white space after the value. Returns the value, or NULL
 * with *err filled (err may be NULL).
 */
cJSON *json_parse(const char *text, size_t len, int max_depth, struct json_error *err);

/* Borrowed string member of an object, or NULL when absent or not a string. */
const char *json_get_str(const cJSON *obj, const char *key);

/* Compact serialisation (cJSON's number formatting). Returns malloc'd text or NULL on OOM. */
char *json_print(const cJSON *v);

/* True when the two values are equal as JSON (numbers by value, objects ignoring member order). */
bool json_equal(const cJSON *a, const cJSON *b);

/*
 * A hash of v's JSON value under seed: values json_equal finds equal hash alike (1 and 1.0, objects
 * whatever their member order). A seed the sender of v cannot guess keeps v from being built to
 * collide. An object that repeats a member name, or has a member without one, breaks the promise
 * (json_equal's answer then depends on which side comes first): *unhashable is then set (and left
 * alone otherwise), and the caller compares such values itself.
 */
uint64_t json_hash(const cJSON *v, uint64_t seed, bool *unhashable);

/* A value as text: a string's own characters, anything else its JSON (malloc'd, NULL on OOM). */
char *json_text(const cJSON *v);

/* Puts with (taken) where item (a member or element of parent) is, under item's member name, and
 * frees item. Unlike a replacement by name it hits exactly item, also among duplicate names. */
void json_replace(cJSON *parent, cJSON *item, cJSON *with);

/*
 * What stands for a value too large to keep: {"truncated": true, "bytes": N, "preview": P}, N the
 * length of the value's compact JSON text and P that text's first bytes (at most preview_bytes, cut
 * on a UTF-8 character boundary; no preview when text is NULL).
 */
cJSON *json_truncated_marker(size_t bytes, const char *text, size_t preview_bytes);

/* The marker for v when its compact JSON text is longer than max_bytes, or NULL when v fits (or is
 * NULL) and may be kept as it is. */
cJSON *json_truncation(const cJSON *v, size_t max_bytes, size_t preview_bytes);

#endif
