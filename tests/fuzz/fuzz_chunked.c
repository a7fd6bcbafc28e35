/*
 * libFuzzer target for the chunked request-body decoder (native/http/chunked.c). Input: the first
 * byte picks how the rest is cut into pieces, the rest is fed as the bytes after a request's
 * headers. Fed whole or in pieces, the decoder must reach the same outcome and the same body, never
 * exceed its limit, and never claim bytes it was not given; anything else, or any sanitizer report,
 * is a bug.
 */
#include "http/chunked.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The limit the body is decoded under: small, so the too-large path is reached too. */
#define FUZZ_MAX_BODY 4096

static enum chunked_status decode(const char *in, size_t len, size_t piece, struct buf *out,
                                  size_t *consumed)
{
    struct chunked c;
    memset(&c, 0, sizeof c);
    enum chunked_status st = CHUNKED_MORE;
    *consumed = 0;
    for (size_t off = 0; off < len && st == CHUNKED_MORE;) {
        size_t n = len - off < piece ? len - off : piece, used;
        st = chunked_feed(&c, in + off, n, out, FUZZ_MAX_BODY, &used);
        if (used > n || (st == CHUNKED_MORE && used != n))
            abort();
        off += used;
        *consumed = off;
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t piece = (size_t)data[0] % 17 + 1;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    struct buf whole = {0}, cut = {0};
    size_t used_whole, used_cut;
    enum chunked_status a = decode(in, len, len ? len : 1, &whole, &used_whole);
    enum chunked_status b = decode(in, len, piece, &cut, &used_cut);
    if (a != b || whole.len != cut.len || whole.len > FUZZ_MAX_BODY ||
        (whole.len && memcmp(whole.data, cut.data, whole.len) != 0))
        abort();
    if (a == CHUNKED_DONE && used_whole != used_cut)
        abort();
    buf_free(&whole);
    buf_free(&cut);
    return 0;
}
