/*
 * A growable byte buffer. Lifecycle: zero-initialise (struct buf b = {0}), append, then either take
 * the bytes with buf_take (caller frees) or release them with buf_free. After an allocation failure
 * the buffer sets oom and ignores further appends, so callers check once at the end.
 */
#ifndef SOLDER_BUF_H
#define SOLDER_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
};

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
/* Appends s (NULL: nothing) percent-encoded for a URL: letters, digits and -_.~ as they are,
 * every other byte as %XX (RFC 3986 unreserved characters). */
void buf_put_urlencoded(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the NUL-terminated contents (caller frees) and empties b; NULL after an allocation
 * failure. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

#endif
