/*
 * Numbers as text the way ECMAScript's Number::toString writes them, so that every number Solder
 * writes reads the same as a JavaScript runtime would print it: the shortest digits that read back
 * as the same double (the closest of them when several qualify), plain notation from 1e-7 up to
 * 1e21, otherwise d.ddde±x with no zero padding in the exponent, -0 as "0", integers without a
 * fraction.
 *
 * The digits come from the first of three ways that applies: an integer below 2^53 is printed
 * exactly; a number that is a short decimal (k fraction digits with fewer than 16 significant
 * ones) is found by scaling with an exact power of ten and checking the division back, which IEEE
 * arithmetic rounds exactly as a decimal reader does; anything else takes C's correctly rounded
 * printf at 15, 16 and 17 significant digits (every length for a subnormal), read back with
 * strtod. Does not do radixes other than 10 or any locale.
 */
#include "json/json.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2^53: every integer below it is a double, exactly. */
#define EXACT_INT_LIMIT 9007199254740992.0
/* Bound on the scaled value in the short-decimal way: keeps the rounding interval of the number
 * (under a quarter of a unit of the last decimal digit there) from holding two candidates. */
#define SHORT_DECIMAL_LIMIT 1125899906842624.0 /* 2^50 */
/* Fraction digits the short-decimal way tries; 10^k is exact in a double up to k = 22. */
#define SHORT_DECIMAL_MAX_K 17

static const double pow10_exact[SHORT_DECIMAL_MAX_K + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                                                            1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                                            1e12, 1e13, 1e14, 1e15, 1e16, 1e17};

/* Writes u's decimal digits (u > 0) into digits; returns their count. */
static int utoa_digits(uint64_t u, char *digits)
{
    char tmp[24];
    int n = 0;
    while (u) {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    }
    for (int i = 0; i < n; i++)
        digits[i] = tmp[n - 1 - i];
    return n;
}

/* The decimal in tmp ("d.ddd…e±x" from printf, positive) as digits and decimal point position. */
static int from_exponent_form(const char *tmp, char *digits, int *point)
{
    int nd = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    *point = atoi(p + 1) + 1;
    return nd;
}

/* Adds delta (+1 or -1) to the last of nd digits, carrying; returns false when the digit count
 * would change (the neighbour then has another length and is no candidate). */
static bool step_last_digit(char *digits, int nd, int delta)
{
    for (int i = nd - 1; i >= 0; i--) {
        int d = digits[i] - '0' + delta;
        if (d >= 0 && d <= 9) {
            digits[i] = (char)('0' + d);
            return !(i == 0 && d == 0);
        }
        digits[i] = delta > 0 ? '0' : '9';
    }
    return false;
}

/* Writes e (>= 0) in decimal at t; returns the end. */
static char *put_exponent(char *t, int e)
{
    char rev[8];
    int k = 0;
    do {
        rev[k++] = (char)('0' + e % 10);
        e /= 10;
    } while (e);
    while (k)
        *t++ = rev[--k];
    return t;
}

/* The double nearest to 0.DIGITS × 10^point (nd digits), as strtod reads it. */
static double read_back(const char *digits, int nd, int point)
{
    char text[48], *t = text;
    *t++ = digits[0];
    *t++ = '.';
    memcpy(t, digits + 1, (size_t)(nd - 1));
    t += nd - 1;
    *t++ = 'e';
    if (point - 1 < 0) {
        *t++ = '-';
        t = put_exponent(t, 1 - point);
    } else {
        t = put_exponent(t, point - 1);
    }
    *t = '\0';
    return strtod(text, NULL);
}

/*
 * x rounded to len (< 17) significant digits, from its correctly rounded 17 digits d17: the same
 * as rounding x itself unless the dropped digits are exactly a half ("5", "50"), where the 17-digit
 * rounding may have moved x onto the midpoint; then printf rounds x itself.
 */
static void round_to(double x, const char *d17, int p17, int len, char *out, int *point)
{
    const char *drop = d17 + len;
    bool half = drop[0] == '5';
    for (int i = 1; half && i < 17 - len; i++)
        half = drop[i] == '0';
    if (half) {
        char tmp[48];
        snprintf(tmp, sizeof tmp, "%.*e", len - 1, x);
        from_exponent_form(tmp, out, point);
        return;
    }
    memcpy(out, d17, (size_t)len);
    *point = p17;
    if (drop[0] < '5')
        return;
    int i = len - 1;
    while (i >= 0 && out[i] == '9')
        out[i--] = '0';
    if (i >= 0) {
        out[i]++;
    } else {
        out[0] = '1';
        (*point)++;
    }
}

/* The shortest digits of x (finite, > 0) and where the decimal point goes: x reads as
 * 0.DIGITS × 10^point. Returns the digit count, without trailing zeros. */
static int shortest_digits(double x, char *digits, int *point)
{
    int nd;
    if (x < EXACT_INT_LIMIT && x == floor(x)) {
        nd = utoa_digits((uint64_t)x, digits);
        *point = nd;
    } else {
        nd = 0;
        if (x < SHORT_DECIMAL_LIMIT) {
            for (int k = 1; k <= SHORT_DECIMAL_MAX_K; k++) {
                double scaled = x * pow10_exact[k];
                if (scaled >= SHORT_DECIMAL_LIMIT)
                    break;
                double r = floor(scaled + 0.5);
                if (r > 0 && r / pow10_exact[k] == x) {
                    nd = utoa_digits((uint64_t)r, digits);
                    *point = nd - k;
                    break;
                }
            }
        }
        if (nd == 0 && x < DBL_MIN) {
            /* Subnormal: fewer bits, so short candidates abound; the correctly rounded one at
             * each length in turn (the interval around x is symmetric here). */
            char tmp[48];
            for (int prec = 0; prec <= 16; prec++) {
                snprintf(tmp, sizeof tmp, "%.*e", prec, x);
                nd = from_exponent_form(tmp, digits, point);
                if (read_back(digits, nd, *point) == x)
                    break;
            }
        } else if (nd == 0) {
            /* From x's correctly rounded 17 digits (which always read back): 15 significant
             * digits first, where at most one candidate of this length or shorter reads back and,
             * when one does, the rounding is it; then 16, the rounded candidate or else the one
             * on the other side of x (near a power of two the interval that reads back as x is
             * lopsided); else the 17. */
            char tmp[48], d17[24];
            int p17;
            snprintf(tmp, sizeof tmp, "%.16e", x);
            from_exponent_form(tmp, d17, &p17);
            round_to(x, d17, p17, 15, digits, point);
            nd = 15;
            if (read_back(digits, 15, *point) != x) {
                nd = 16;
                round_to(x, d17, p17, 16, digits, point);
                double back = read_back(digits, 16, *point);
                char other[24];
                memcpy(other, digits, 16);
                if (back != x && (!step_last_digit(other, 16, back < x ? 1 : -1) ||
                                  read_back(other, 16, *point) != x)) {
                    nd = 17;
                    memcpy(digits, d17, 17);
                    *point = p17;
                } else if (back != x) {
                    memcpy(digits, other, 16);
                }
            }
        }
    }
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    return nd;
}

size_t json_number_text(char *out, double n)
{
    if (isnan(n))
        return (size_t)snprintf(out, JSON_NUMBER_MAX, "NaN");
    if (isinf(n))
        return (size_t)snprintf(out, JSON_NUMBER_MAX, n < 0 ? "-Infinity" : "Infinity");
    if (n == 0) {
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    char *o = out;
    if (n < 0) {
        *o++ = '-';
        n = -n;
    }
    char digits[24];
    int point;
    int nd = shortest_digits(n, digits, &point);
    if (nd <= point && point <= 21) {
        memcpy(o, digits, (size_t)nd);
        o += nd;
        memset(o, '0', (size_t)(point - nd));
        o += point - nd;
    } else if (0 < point && point <= 21) {
        memcpy(o, digits, (size_t)point);
        o += point;
        *o++ = '.';
        memcpy(o, digits + point, (size_t)(nd - point));
        o += nd - point;
    } else if (-6 < point && point <= 0) {
        *o++ = '0';
        *o++ = '.';
        memset(o, '0', (size_t)-point);
        o += -point;
        memcpy(o, digits, (size_t)nd);
        o += nd;
    } else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(nd - 1));
            o += nd - 1;
        }
        o += snprintf(o, 8, "e%c%d", point > 0 ? '+' : '-', abs(point - 1));
    }
    *o = '\0';
    return (size_t)(o - out);
}
