/* UTF-8 basics shared by the JSONata engine and the JSON Schema validator. */
#ifndef SOLDER_UTF8_H
#define SOLDER_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Code points in the n bytes at s (continuation bytes are not counted). */
size_t utf8_count(const char *s, size_t n);

/* Writes cp (at most U+10FFFF) as UTF-8 into out; returns the byte count (1 to 4). */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
