/*
 * Decoding an HTTP/1.1 request body sent with "Transfer-Encoding: chunked" (RFC 9112 section 7.1):
 * hex chunk sizes (extensions skipped), the chunks' bytes appended to a buffer, the terminating
 * zero-size chunk and any trailer fields (read and dropped). Incremental: bytes are fed as they
 * arrive, split anywhere.
 *
 * Lifecycle: zero-initialise a struct chunked, feed it, stop at CHUNKED_DONE or an error.
 */
#ifndef SOLDER_CHUNKED_H
#define SOLDER_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Longest chunk-size line (digits and extensions) or trailer field: bounds what a client can send
 * that is neither body nor framing. */
#define CHUNKED_LINE_MAX 4096
/* Largest total of trailer fields. */
#define CHUNKED_TRAILERS_MAX 16384

enum chunked_status {
    CHUNKED_MORE,      /* everything fed was used; the body goes on */
    CHUNKED_DONE,      /* the body ended; *used tells where (bytes after it are not ours) */
    CHUNKED_BAD,       /* malformed framing */
    CHUNKED_TOO_LARGE, /* the decoded body would exceed the limit */
};

struct chunked {
    int state;
    uint64_t remain; /* bytes left in the current chunk */
    int digits;      /* hex digits of the size read so far */
    size_t line;     /* bytes of the current size line or trailer field */
    size_t trailers; /* bytes of trailer fields so far */
};

/*
 * Decodes len bytes of in, appending body bytes to out, which may hold at most max bytes. Sets
 * *used to the bytes of in consumed (all of them unless DONE or an error). On an error the state
 * stays at that error.
 */
enum chunked_status chunked_feed(struct chunked *c, const char *in, size_t len, struct buf *out,
                                 size_t max, size_t *used);

#endif
