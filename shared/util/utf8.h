/*
 * UTF-8 for every part of the core: one decoder, so that the JSONata engine, the regex engine,
 * the JSON Schema validator and the case mappings read ill-formed text the same way.
 *
 * The rule: well-formed UTF-8 decodes as itself, and so does a surrogate code point written in
 * three bytes (how a lone \uD800 escape of a JSONata string is stored, as JavaScript keeps it).
 * Anything else (an overlong form, a code point above U+10FFFF, a stray continuation byte, a
 * truncated sequence) decodes to U+FFFD, one for each maximal ill-formed subpart (Unicode 3.9,
 * "U+FFFD substitution of maximal subparts", as TextDecoder does).
 */
#ifndef SOLDER_UTF8_H
#define SOLDER_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[*i] (*i < n) by the rule above and advances *i past it. */
uint32_t utf8_decode(const char *s, size_t n, size_t *i);

/* Whether the n bytes at s are well-formed UTF-8 (no surrogates). */
bool utf8_valid(const char *s, size_t n);

/* Code points in the n bytes at s, as utf8_decode reads them. */
size_t utf8_count(const char *s, size_t n);

/* The byte offset of code point cp (counted as utf8_decode reads them) in the n bytes at s, or n
 * when there are fewer. */
size_t utf8_offset(const char *s, size_t n, size_t cp);

/* Writes cp (at most U+10FFFF) as UTF-8 into out; returns the byte count (1 to 4). */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
