/* Base64 (RFC 4648 §4) and base64url (§5) encoding and decoding. */
#ifndef SOLDER_BASE64_H
#define SOLDER_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Encodes n bytes; url selects the URL-safe alphabet without padding. Returns malloc'd text. */
char *base64_encode(const void *data, size_t n, bool url);

/*
 * Decodes text of length len. url: URL-safe alphabet, padding optional; otherwise the standard
 * alphabet with padding optional. Returns malloc'd bytes (NUL-terminated for convenience) and their
 * count in *out_len, or NULL when the text is not valid base64 of that kind.
 */
unsigned char *base64_decode(const char *text, size_t len, bool url, size_t *out_len);

#endif
