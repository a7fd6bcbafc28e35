/* Reading one cookie out of a request's Cookie header ("a=1; b=2", RFC 6265 section 4.2). */
#ifndef SOLDER_COOKIE_H
#define SOLDER_COOKIE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies the value of the first cookie called name in header into out (cap bytes, NUL-terminated)
 * and returns true; false when there is none or its value does not fit. Values are taken as they
 * are (no unquoting or decoding): callers check their own format.
 */
bool cookie_value(const char *header, const char *name, char *out, size_t cap);

#endif
