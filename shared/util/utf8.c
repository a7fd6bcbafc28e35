/* UTF-8 decoding, counting and encoding (see utf8.h for the rule on ill-formed input). */
#include "util/utf8.h"

/*
 * Reads one sequence at s[*i]: returns its code point and advances *i, or returns -1 after
 * advancing past one maximal ill-formed subpart. *surrogate tells a surrogate code point apart.
 */
static int32_t sequence(const unsigned char *s, size_t n, size_t *i, bool *surrogate)
{
    unsigned char b = s[*i];
    *surrogate = false;
    if (b < 0x80) {
        (*i)++;
        return b;
    }
    int extra;
    uint32_t cp;
    unsigned char lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */
    if (b >= 0xc2 && b <= 0xdf) {
        extra = 1;
        cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        extra = 2;
        cp = b & 0x0f;
        if (b == 0xe0)
            lo = 0xa0;
    } else if (b >= 0xf0 && b <= 0xf4) {
        extra = 3;
        cp = b & 0x07;
        if (b == 0xf0)
            lo = 0x90;
        if (b == 0xf4)
            hi = 0x8f;
    } else {
        (*i)++;
        return -1;
    }
    size_t j = *i + 1;
    for (int k = 0; k < extra; k++, j++) {
        if (j >= n) {
            *i = j;
            return -1;
        }
        unsigned char c = s[j];
        if (c < (k == 0 ? lo : 0x80) || c > (k == 0 ? hi : 0xbf)) {
            *i = j;
            return -1;
        }
        cp = (cp << 6) | (c & 0x3f);
    }
    *i = j;
    *surrogate = cp >= 0xd800 && cp <= 0xdfff;
    return (int32_t)cp;
}

uint32_t utf8_decode(const char *s, size_t n, size_t *i)
{
    bool surrogate;
    int32_t cp = sequence((const unsigned char *)s, n, i, &surrogate);
    return cp < 0 ? 0xfffd : (uint32_t)cp;
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        bool surrogate;
        if (sequence((const unsigned char *)s, n, &i, &surrogate) < 0 || surrogate)
            return false;
    }
    return true;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (unsigned char)s[i] < 0x80)
        i++;
    size_t c = i;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80)
            i++;
        else
            utf8_decode(s, n, &i);
        c++;
    }
    return c;
}

size_t utf8_offset(const char *s, size_t n, size_t cp)
{
    size_t i = 0;
    for (size_t c = 0; c < cp && i < n; c++) {
        if ((unsigned char)s[i] < 0x80)
            i++;
        else
            utf8_decode(s, n, &i);
    }
    return i < n ? i : n;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
