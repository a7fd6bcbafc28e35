/* Hexadecimal digits: the value of one, and bytes written as lowercase hex. */
#ifndef SOLDER_HEX_H
#define SOLDER_HEX_H

#include <stddef.h>

/* 0..15 for a hex digit (either case), -1 for anything else. */
int hex_digit(char c);

/* Writes n bytes as 2n lowercase hex digits and a NUL into out (2n + 1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
