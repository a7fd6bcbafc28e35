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

#include "util/buf.h"

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
 * Parses len bytes of text (need not be NUL-terminated) as one JSON document (RFC 8259, as strictly
 * as JSON.parse), refusing nesting deeper than max_depth and anything but white space after the
 * value. Returns the value, or NULL with *err filled (err may be NULL). Never calls cJSON's parser,
 * whose shared error pointer makes parsing on several threads at once a data race: nothing in
 * Solder may call cJSON_Parse*.
 */
cJSON *json_parse(const char *text, size_t len, int max_depth, struct json_error *err);

/* Borrowed string member of an object, or NULL when absent or not a string. */
const char *json_get_str(const cJSON *obj, const char *key);

/* Compact JSON text of v, numbers as JavaScript prints them (json_number_text; NaN and infinities
 * as null). Returns malloc'd text, or NULL on OOM or when v is NULL (as cJSON_PrintUnformatted).
 * Every JSON Solder writes goes through here or json_write, never through cJSON_Print*, so that the
 * same number reads the same everywhere. */
char *json_print(const cJSON *v);

/* Appends v's compact JSON text to out (as json_print); a string or a number alone likewise. */
void json_write(struct buf *out, const cJSON *v);
void json_write_string(struct buf *out, const char *s);
void json_write_number(struct buf *out, double n);

/* Longest text json_number_text writes, NUL included ("-0.0000012345678901234567" is 25). */
#define JSON_NUMBER_MAX 32

/*
 * n as ECMAScript's Number::toString writes it: the shortest digits that read back as n, plain
 * from 1e-7 to 1e21 ("0.0000001", "123456789012345680000"), else "1e-7", "1.5e+300"; -0 as "0";
 * "NaN", "Infinity", "-Infinity". Writes into out (JSON_NUMBER_MAX bytes); returns the length.
 */
size_t json_number_text(char *out, double n);

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
