/*
 * The chunked body decoder (see chunked.h): a byte-at-a-time state machine over the framing and
 * bulk copies of chunk data. Accepts a bare LF where CRLF is due, as RFC 9112 allows a recipient
 * to; refuses a chunk size without digits, with more than 16 hex digits, or followed by anything
 * but an extension, and chunk data not followed by a line end.
 */
#include "http/chunked.h"

#include "util/hex.h"

enum {
    S_SIZE,     /* chunk-size hex digits */
    S_EXT,      /* after the size: optional whitespace and ";extension" until the line end */
    S_SIZE_LF,  /* CR seen after the size line */
    S_DATA,     /* chunk data */
    S_DATA_END, /* the CRLF after chunk data */
    S_DATA_LF,  /* CR seen after chunk data */
    S_TRAILER,  /* a trailer field line, or the empty line ending the body */
    S_TRAIL_LF, /* CR seen in the trailer section */
    S_DONE,
    S_BAD,
    S_TOO_LARGE,
};

/* Hex digits of a chunk size: 16 fit in 64 bits. */
#define SIZE_DIGITS_MAX 16

static enum chunked_status status_of(int state)
{
    return state == S_DONE        ? CHUNKED_DONE
           : state == S_BAD       ? CHUNKED_BAD
           : state == S_TOO_LARGE ? CHUNKED_TOO_LARGE
                                  : CHUNKED_MORE;
}

/* The size line ended: a zero size starts the trailer section, any other one its data. */
static int size_line_end(struct chunked *c)
{
    c->line = 0;
    return c->remain == 0 ? S_TRAILER : S_DATA;
}

enum chunked_status chunked_feed(struct chunked *c, const char *in, size_t len, struct buf *out,
                                 size_t max, size_t *used)
{
    size_t i = 0;
    while (i < len && c->state < S_DONE) {
        if (c->state == S_DATA) {
            size_t n = len - i;
            if ((uint64_t)n > c->remain)
                n = (size_t)c->remain;
            if (out->len + n > max) {
                c->state = S_TOO_LARGE;
                break;
            }
            buf_append(out, in + i, n);
            i += n;
            c->remain -= n;
            if (c->remain == 0)
                c->state = S_DATA_END;
            continue;
        }
        char ch = in[i++];
        switch (c->state) {
        case S_SIZE: {
            int d = hex_digit(ch);
            if (d >= 0 && c->digits < SIZE_DIGITS_MAX) {
                c->remain = c->remain * 16 + (uint64_t)d;
                c->digits++;
                c->line++;
            } else if (d >= 0 || c->digits == 0) {
                c->state = S_BAD;
            } else if (ch == '\r') {
                c->state = S_SIZE_LF;
            } else if (ch == '\n') {
                c->state = size_line_end(c);
            } else if (ch == ';' || ch == ' ' || ch == '\t') {
                c->state = S_EXT;
                c->line++;
            } else {
                c->state = S_BAD;
            }
            break;
        }
        case S_EXT:
            if (ch == '\r')
                c->state = S_SIZE_LF;
            else if (ch == '\n')
                c->state = size_line_end(c);
            else if (++c->line > CHUNKED_LINE_MAX || (unsigned char)ch < 0x09)
                c->state = S_BAD;
            break;
        case S_SIZE_LF:
            c->state = ch == '\n' ? size_line_end(c) : S_BAD;
            break;
        case S_DATA_END:
            if (ch == '\r')
                c->state = S_DATA_LF;
            else if (ch == '\n')
                c->state = S_SIZE;
            else
                c->state = S_BAD;
            c->digits = 0;
            break;
        case S_DATA_LF:
            c->state = ch == '\n' ? S_SIZE : S_BAD;
            break;
        case S_TRAILER:
            if (ch == '\r') {
                c->state = S_TRAIL_LF;
            } else if (ch == '\n') {
                c->state = c->line == 0 ? S_DONE : S_TRAILER;
                c->line = 0;
            } else if (++c->line > CHUNKED_LINE_MAX || ++c->trailers > CHUNKED_TRAILERS_MAX) {
                c->state = S_BAD;
            }
            break;
        case S_TRAIL_LF:
            if (ch != '\n') {
                c->state = S_BAD;
                break;
            }
            c->state = c->line == 0 ? S_DONE : S_TRAILER;
            c->line = 0;
            break;
        }
    }
    *used = i;
    return status_of(c->state);
}
