/*
 * Object ids: 24 lowercase hex characters, 12 bytes = 4-byte big-endian Unix seconds + 8 random
 * bytes (the shape Alloy's SDKs recognise as an id rather than a name).
 */
#ifndef SOLDER_ID_H
#define SOLDER_ID_H

#include <stdbool.h>

#define ID_LEN 24

/* Writes a new id and its NUL into out. Returns 0, or -1 when no randomness was available. */
int id_new(char out[ID_LEN + 1]);

/* True when s is exactly 24 lowercase hex characters. */
bool id_valid(const char *s);

#endif
