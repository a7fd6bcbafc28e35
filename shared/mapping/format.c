/*
 * Number formatting builtins: $formatNumber (XPath F&O 3.1 decimal-format pictures),
 * $formatBase, $formatInteger and $parseInteger (XPath integer pictures: decimal digit patterns
 * with grouping, Roman numerals, alphabetic sequences, English words, ordinals). The integer
 * picture engine is shared with the date/time formatting in datetime.c. English only.
 */
#include "mapping/internal.h"
#include "json/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A(i) (nargs > (i) ? args[i] : NULL)

/* Pictures are handled as arrays of code points. */
#define PIC_MAX 256

static int to_cps(const char *s, size_t n, uint32_t *out, int max)
{
    size_t i = 0;
    int k = 0;
    while (i < n && k < max)
        out[k++] = (uint32_t)utf8_decode(s, n, &i);
    return k;
}

/* Zero digits of the Unicode decimal digit families JSONata recognises. */
static const uint32_t zeros[] = {0x30,   0x660,  0x6F0,  0x7C0,  0x966,  0x9E6,  0xA66,  0xAE6,
                                 0xB66,  0xBE6,  0xC66,  0xCE6,  0xD66,  0xDE6,  0xE50,  0xED0,
                                 0xF20,  0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
                                 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900,
                                 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

static int digit_family(uint32_t c)
{
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++)
        if (c >= zeros[i] && c <= zeros[i] + 9)
            return (int)i;
    return -1;
}

/* ---- words ---------------------------------------------------------------------------------- */

static const char *const few[] = {"zero",    "one",     "two",       "three",    "four",
                                  "five",    "six",     "seven",     "eight",    "nine",
                                  "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                  "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *const ordinals[] = {
    "zeroth",     "first",     "second",    "third",       "fourth",     "fifth",     "sixth",
    "seventh",    "eighth",    "ninth",     "tenth",       "eleventh",   "twelfth",   "thirteenth",
    "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"};
static const char *const decades[] = {"twenty", "thirty",  "forty",  "fifty",
                                      "sixty",  "seventy", "eighty", "ninety"};
static const char *const ordinal_tens[] = {"twentieth", "thirtieth",  "fortieth",  "fiftieth",
                                           "sixtieth",  "seventieth", "eightieth", "ninetieth"};
static const char *const magnitudes[] = {"thousand", "million", "billion", "trillion"};

static void words(struct sb *b, double num, bool prev, bool ord)
{
    if (num <= 19) {
        if (prev)
            sb_puts(b, " and ");
        sb_puts(b, ord ? ordinals[(int)num] : few[(int)num]);
    } else if (num < 100) {
        int tens = (int)(num / 10), rem = (int)fmod(num, 10);
        if (prev)
            sb_puts(b, " and ");
        sb_puts(b, ord && rem == 0 ? ordinal_tens[tens - 2] : decades[tens - 2]);
        if (rem > 0) {
            sb_putc(b, '-');
            words(b, rem, false, ord);
        }
    } else if (num < 1000) {
        int hundreds = (int)(num / 100), rem = (int)fmod(num, 100);
        if (prev)
            sb_puts(b, ", ");
        sb_puts(b, few[hundreds]);
        sb_puts(b, " hundred");
        if (ord && rem == 0)
            sb_puts(b, "th");
        if (rem > 0)
            words(b, rem, true, ord);
    } else {
        int mag = (int)floor(log10(num));
        int mi = mag / 3;
        if (mi > 4)
            mi = 4;
        double factor = pow(10, mi * 3);
        double mant = floor(num / factor);
        double rem = num - mant * factor;
        if (prev)
            sb_puts(b, ", ");
        words(b, mant, false, false);
        sb_putc(b, ' ');
        sb_puts(b, magnitudes[mi - 1]);
        if (ord && rem == 0)
            sb_puts(b, "th");
        if (rem > 0)
            words(b, rem, true, ord);
    }
}

static double word_value(const char *w, size_t n)
{
    for (int i = 0; i < 20; i++) {
        if (strlen(few[i]) == n && !memcmp(few[i], w, n))
            return i;
        if (strlen(ordinals[i]) == n && !memcmp(ordinals[i], w, n))
            return i;
    }
    for (int i = 0; i < 8; i++) {
        if (strlen(decades[i]) == n && !memcmp(decades[i], w, n))
            return (i + 2) * 10;
        if (strlen(ordinal_tens[i]) == n && !memcmp(ordinal_tens[i], w, n))
            return (i + 2) * 10;
    }
    if ((n == 7 && !memcmp(w, "hundred", 7)) || (n == 9 && !memcmp(w, "hundredth", 9)))
        return 100;
    for (int i = 0; i < 4; i++) {
        size_t ml = strlen(magnitudes[i]);
        if ((n == ml && !memcmp(w, magnitudes[i], ml)) ||
            (n == ml + 2 && !memcmp(w, magnitudes[i], ml) && !memcmp(w + ml, "th", 2)))
            return pow(10, (i + 1) * 3);
    }
    return -1;
}

static double parse_words(const char *s, size_t n)
{
    double segs[64];
    int ns = 1;
    segs[0] = 0;
    size_t i = 0;
    char low[64];
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == '-'))
            i++;
        size_t st = i;
        while (i < n && s[i] != ' ' && s[i] != ',' && s[i] != '-')
            i++;
        size_t wl = i - st;
        if (wl == 0)
            break;
        if (wl >= sizeof low)
            return NAN;
        for (size_t k = 0; k < wl; k++)
            low[k] = (char)((s[st + k] >= 'A' && s[st + k] <= 'Z') ? s[st + k] + 32 : s[st + k]);
        if (wl == 3 && !memcmp(low, "and", 3))
            continue;
        double v = word_value(low, wl);
        if (v < 0)
            return NAN;
        if (v < 100) {
            double top = segs[--ns];
            if (top >= 1000) {
                segs[ns++] = top;
                top = 0;
            }
            if (ns < 63)
                segs[ns++] = top + v;
        } else {
            segs[ns - 1] *= v;
        }
    }
    double sum = 0;
    for (int k = 0; k < ns; k++)
        sum += segs[k];
    return sum;
}

/* ---- roman and alphabetic ------------------------------------------------------------------- */

static void roman(struct sb *b, double num, bool upper)
{
    static const struct {
        int v;
        const char *s;
    } t[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"},
             {40, "xl"},  {10, "x"},   {9, "ix"},  {5, "v"},    {4, "iv"},  {1, "i"}};
    long n = (long)num;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        while (n >= t[i].v) {
            for (const char *p = t[i].s; *p; p++)
                sb_putc(b, upper ? (char)(*p - 32) : *p);
            n -= t[i].v;
        }
    }
}

static double parse_roman(const char *s, size_t n)
{
    double total = 0;
    int prev = 0;
    for (size_t i = n; i > 0; i--) {
        char c = s[i - 1];
        if (c >= 'a')
            c = (char)(c - 32);
        int v = c == 'I'   ? 1
                : c == 'V' ? 5
                : c == 'X' ? 10
                : c == 'L' ? 50
                : c == 'C' ? 100
                : c == 'D' ? 500
                : c == 'M' ? 1000
                           : 0;
        if (!v)
            return NAN;
        if (v < prev)
            total -= v;
        else
            total += v;
        prev = v;
    }
    return total;
}

static void letters(struct sb *b, double num, char base)
{
    char tmp[64];
    int k = 0;
    long n = (long)num;
    while (n > 0 && k < 63) {
        n--;
        tmp[k++] = (char)(base + n % 26);
        n /= 26;
    }
    while (k > 0)
        sb_putc(b, tmp[--k]);
}

/* ---- decimal digit patterns ----------------------------------------------------------------- */

static const char *ordinal_suffix(double n)
{
    long v = (long)fmod(fabs(n), 100);
    if (v % 100 >= 11 && v % 100 <= 13)
        return "th";
    switch (v % 10) {
    case 1:
        return "st";
    case 2:
        return "nd";
    case 3:
        return "rd";
    default:
        return "th";
    }
}

/*
 * Formats an integer with a decimal digit pattern such as "#,##0" or "0001". Returns a D3xxx code
 * when the pattern is invalid, or NULL.
 */
static const char *format_decimal(struct sb *b, double value, const uint32_t *pic, int np,
                                  bool ordinal)
{
    int family = -1, mandatory = 0, digits = 0;
    int seppos[64];
    uint32_t sepch[64];
    int nsep = 0;
    for (int i = 0; i < np; i++) {
        int f = digit_family(pic[i]);
        if (f >= 0) {
            if (family >= 0 && f != family)
                return "D3131";
            family = f;
            mandatory++;
            digits++;
        } else if (pic[i] == '#') {
            digits++;
        } else if (nsep < 64) {
            seppos[nsep] = digits;
            sepch[nsep] = pic[i];
            nsep++;
        }
    }
    if (family < 0)
        return "D3130";
    /* separator positions counted from the right, in digits */
    int pos[64];
    for (int i = 0; i < nsep; i++)
        pos[i] = digits - seppos[i];
    int regular = 0;
    if (nsep > 0) {
        bool same = true;
        for (int i = 1; i < nsep; i++)
            if (sepch[i] != sepch[0])
                same = false;
        int first = pos[nsep - 1];
        if (same && first > 0) {
            regular = first;
            for (int i = 0; i < nsep; i++)
                if (pos[i] % first != 0 || pos[nsep - 1 - i] != first * (i + 1))
                    regular = 0;
        }
    }
    char num[400];
    snprintf(num, sizeof num, "%.0f", fabs(trunc(value)));
    int nd = (int)strlen(num);
    char padded[512];
    int pad = mandatory > nd ? mandatory - nd : 0;
    memset(padded, '0', (size_t)pad);
    memcpy(padded + pad, num, (size_t)nd + 1);
    int len = pad + nd;
    if (value < 0)
        sb_putc(b, '-');
    for (int i = 0; i < len; i++) {
        utf8_put(b, zeros[family] + (uint32_t)(padded[i] - '0'));
        int right = len - i - 1; /* digits still to come */
        if (right == 0)
            continue;
        if (regular) {
            if (right % regular == 0)
                utf8_put(b, sepch[0]);
        } else {
            for (int s = 0; s < nsep; s++)
                if (pos[s] == right)
                    utf8_put(b, sepch[s]);
        }
    }
    if (ordinal)
        sb_puts(b, ordinal_suffix(value));
    return NULL;
}

/* The length of the primary part of "primary;modifiers" (up to the last ';'), and whether the
 * modifiers ask for an ordinal ('o'). */
static size_t picture_primary(const char *picture, size_t plen, bool *ordinal)
{
    size_t semi = plen;
    for (size_t i = plen; i > 0; i--)
        if (picture[i - 1] == ';') {
            semi = i - 1;
            break;
        }
    *ordinal = false;
    for (size_t i = semi + 1; i < plen; i++)
        if (picture[i] == 'o')
            *ordinal = true;
    return semi;
}

/* Splits "primary;modifiers" and applies the picture. Returns an error code or NULL. */
const char *format_integer_pic(struct sb *b, double value, const char *picture, size_t plen)
{
    bool ordinal;
    size_t n = picture_primary(picture, plen, &ordinal);
    const char *p = picture;
    /* letters and numerals are defined for counting numbers of sane size only */
    bool small = fabs(value) < 1e15;
    if (!small && n >= 1 && strchr("AaIi", p[0]))
        p = "0", n = 1;
    if (n == 1 && (p[0] == 'A' || p[0] == 'a')) {
        letters(b, value, p[0]);
        return NULL;
    }
    if (n == 1 && (p[0] == 'I' || p[0] == 'i')) {
        roman(b, value, p[0] == 'I');
        return NULL;
    }
    if ((n == 1 && (p[0] == 'W' || p[0] == 'w')) || (n == 2 && p[0] == 'W' && p[1] == 'w')) {
        struct sb w = {.e = b->e};
        if (value < 0) {
            sb_puts(&w, "minus ");
            value = -value;
        }
        words(&w, floor(value), false, ordinal);
        for (size_t i = 0; i < w.len; i++) {
            char c = w.p[i];
            if (n == 1 && p[0] == 'W' && c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            else if (n == 2 && c >= 'a' && c <= 'z' &&
                     (i == 0 || w.p[i - 1] == ' ' || w.p[i - 1] == '-')) {
                bool is_and = i + 3 <= w.len && !memcmp(w.p + i, "and", 3) &&
                              (i + 3 == w.len || w.p[i + 3] == ' ');
                if (!is_and)
                    c = (char)(c - 32);
            }
            sb_putc(b, c);
        }
        return NULL;
    }
    uint32_t cps[PIC_MAX];
    int np = to_cps(p, n, cps, PIC_MAX);
    return format_decimal(b, value, cps, np, ordinal);
}

static val *f_format_integer(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(0) || !A(1))
        return NULL;
    if (!isfinite(A(0)->u.n))
        ev_fail(e, "D3001", pos, "Attempting to format Infinity or NaN");
    struct sb b = {.e = e};
    sb_put(&b, "", 0);
    const char *err = format_integer_pic(&b, A(0)->u.n, A(1)->u.s.p, A(1)->u.s.len);
    if (err)
        ev_fail(e, err, pos, "The format picture string is not valid");
    return sb_val(&b);
}

/* Parses s against an integer picture; NAN when it does not fit. */
double parse_integer_pic(const char *s, size_t n, const char *picture, size_t plen,
                         const char **err)
{
    *err = NULL;
    bool ordinal;
    size_t semi = picture_primary(picture, plen, &ordinal);
    const char *p = picture;
    if (semi == 1 && (p[0] == 'A' || p[0] == 'a')) {
        double v = 0;
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            if (c < 'A' || c > 'Z')
                return NAN;
            v = v * 26 + (c - 'A' + 1);
        }
        return v;
    }
    if (semi == 1 && (p[0] == 'I' || p[0] == 'i'))
        return parse_roman(s, n);
    if ((semi == 1 && (p[0] == 'W' || p[0] == 'w')) || (semi == 2 && p[0] == 'W' && p[1] == 'w'))
        return parse_words(s, n);
    uint32_t cps[PIC_MAX];
    int np = to_cps(p, semi, cps, PIC_MAX);
    int family = -1;
    for (int i = 0; i < np; i++) {
        int f = digit_family(cps[i]);
        if (f >= 0)
            family = f;
    }
    if (family < 0) {
        *err = "D3130";
        return NAN;
    }
    double v = 0;
    bool any = false;
    size_t i = 0;
    while (i < n) {
        size_t st = i;
        uint32_t c = (uint32_t)utf8_decode(s, n, &i);
        int f = digit_family(c);
        if (f >= 0) {
            v = v * 10 + (c - zeros[f]);
            any = true;
        } else if (ordinal && c >= 'a' && c <= 'z' && st + 2 == n) {
            break;
        }
    }
    return any ? v : NAN;
}

static val *f_parse_integer(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(0) || !A(1))
        return NULL;
    const char *err;
    double v = parse_integer_pic(A(0)->u.s.p, A(0)->u.s.len, A(1)->u.s.p, A(1)->u.s.len, &err);
    if (err)
        ev_fail(e, err, pos, "The format picture string is not valid");
    if (isnan(v))
        return NULL;
    return v_num(e, v);
}

/* ---- $formatBase ---------------------------------------------------------------------------- */

static double round_half_even(double x)
{
    if (fabs(x) >= 4503599627370496.0) /* 2^52: already an integer */
        return x;
    double r = floor(x + 0.5);
    if (fabs(r - x) == 0.5 && fabs(fmod(r, 2)) == 1)
        r -= 1;
    return r;
}

static val *f_format_base(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(0))
        return NULL;
    if (!isfinite(A(0)->u.n))
        ev_fail(e, "D3001", pos, "Attempting to format Infinity or NaN");
    double v = round_half_even(A(0)->u.n);
    double rd = A(1) ? round_half_even(A(1)->u.n) : 10;
    int radix = rd >= 2 && rd <= 36 ? (int)rd : 0;
    if (radix < 2 || radix > 36)
        ev_fail(e, "D3100", pos, "The radix of the formatBase function must be between 2 and 36");
    char tmp[1100];
    int k = 0;
    double a = fabs(v);
    if (a == 0)
        tmp[k++] = '0';
    while (a >= 1 && k < 1090) {
        int d = (int)fmod(a, radix);
        tmp[k++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        a = floor(a / radix);
    }
    struct sb b = {.e = e};
    if (v < 0)
        sb_putc(&b, '-');
    while (k > 0)
        sb_putc(&b, tmp[--k]);
    return sb_val(&b);
}

/* ---- $formatNumber -------------------------------------------------------------------------- */

struct numfmt {
    uint32_t dec, grp, exp, minus, pct, pml, zero, digit, patsep;
};

struct subpic {
    uint32_t *pic;
    int n;
    int prefix_len, suffix_len; /* code points */
    int act_start, act_end;     /* active part [start, end) */
    int mant_end;               /* end of the mantissa within the picture */
    bool has_exp;
    int exp_start;
    int int_start, int_end, frac_start, frac_end;
};

static bool is_digit_of(const struct numfmt *f, uint32_t c)
{
    return c >= f->zero && c <= f->zero + 9;
}

static bool is_active(const struct numfmt *f, uint32_t c)
{
    return is_digit_of(f, c) || c == f->dec || c == f->grp || c == f->digit || c == f->patsep ||
           c == f->exp;
}

static int count_in(const uint32_t *p, int from, int to, uint32_t c)
{
    int k = 0;
    for (int i = from; i < to; i++)
        if (p[i] == c)
            k++;
    return k;
}

static const char *analyse(const struct numfmt *f, struct subpic *s)
{
    const uint32_t *p = s->pic;
    int n = s->n;
    int first = -1, last = -1;
    for (int i = 0; i < n; i++)
        if (is_active(f, p[i]) && p[i] != f->exp) {
            if (first < 0)
                first = i;
            last = i;
        }
    if (first < 0) {
        s->act_start = 0;
        s->act_end = n;
        s->prefix_len = 0;
        s->suffix_len = 0;
    } else {
        s->act_start = first;
        s->act_end = last + 1;
        s->prefix_len = first;
        s->suffix_len = n - last - 1;
    }
    /* the exponent separator counts only between the mantissa and trailing digits */
    s->has_exp = false;
    s->mant_end = s->act_end;
    for (int i = s->act_start; i < n; i++) {
        if (p[i] == f->exp && i > s->act_start) {
            int k = i + 1;
            while (k < n && is_active(f, p[k]) && p[k] != f->exp)
                k++;
            if (first >= 0 && i >= s->act_end) {
                /* exponent separator after the last active char: exponent part of digits */
                if (k > i + 1) {
                    s->has_exp = true;
                    s->mant_end = i;
                    s->exp_start = i + 1;
                    s->act_end = k;
                    s->suffix_len = n - k;
                }
            } else {
                s->has_exp = true;
                s->mant_end = i;
                s->exp_start = i + 1;
            }
            break;
        }
    }
    int dp = -1;
    for (int i = s->act_start; i < s->mant_end; i++)
        if (p[i] == f->dec) {
            dp = i;
            break;
        }
    s->int_start = s->act_start;
    if (dp < 0) {
        s->int_end = s->mant_end;
        s->frac_start = s->frac_end = s->mant_end;
    } else {
        s->int_end = dp;
        s->frac_start = dp + 1;
        s->frac_end = s->mant_end;
    }
    /* validation: later checks win, as in the reference behaviour */
    const char *err = NULL;
    if (count_in(p, 0, n, f->dec) > 1)
        err = "D3081";
    if (count_in(p, 0, n, f->pct) > 1)
        err = "D3082";
    if (count_in(p, 0, n, f->pml) > 1)
        err = "D3083";
    if (count_in(p, 0, n, f->pct) && count_in(p, 0, n, f->pml))
        err = "D3084";
    bool valid = false;
    for (int i = s->act_start; i < s->mant_end; i++)
        if (is_digit_of(f, p[i]) || p[i] == f->digit)
            valid = true;
    if (!valid)
        err = "D3085";
    for (int i = s->act_start; i < s->act_end; i++)
        if (!is_active(f, p[i]))
            err = "D3086";
    if (dp >= 0) {
        if ((dp > 0 && p[dp - 1] == f->grp) || (dp + 1 < n && p[dp + 1] == f->grp))
            err = "D3087";
    } else if (s->int_end > s->int_start && p[s->int_end - 1] == f->grp) {
        err = "D3088";
    }
    for (int i = 0; i + 1 < n; i++)
        if (p[i] == f->grp && p[i + 1] == f->grp)
            err = "D3089";
    int od = -1;
    for (int i = s->int_start; i < s->int_end; i++)
        if (p[i] == f->digit) {
            od = i;
            break;
        }
    if (od >= 0)
        for (int i = s->int_start; i < od; i++)
            if (is_digit_of(f, p[i]))
                err = "D3090";
    od = -1;
    for (int i = s->frac_start; i < s->frac_end; i++)
        if (p[i] == f->digit)
            od = i;
    if (od >= 0)
        for (int i = od; i < s->frac_end; i++)
            if (is_digit_of(f, p[i]))
                err = "D3091";
    if (s->has_exp) {
        int el = s->act_end - s->exp_start;
        if (el > 0 && (count_in(p, 0, n, f->pct) || count_in(p, 0, n, f->pml)))
            err = "D3092";
        bool bad = el == 0;
        for (int i = s->exp_start; i < s->act_end; i++)
            if (!is_digit_of(f, p[i]))
                bad = true;
        if (bad)
            err = "D3093";
    }
    return err;
}

static uint32_t opt_char(val *opts, const char *key, uint32_t def)
{
    if (!is_obj(opts))
        return def;
    val *v = obj_get(opts, key, strlen(key));
    if (!is_str(v) || v->u.s.len == 0)
        return def;
    size_t i = 0;
    return (uint32_t)utf8_decode(v->u.s.p, v->u.s.len, &i);
}

static void put_cps(struct sb *b, const uint32_t *p, int n)
{
    for (int i = 0; i < n; i++)
        utf8_put(b, p[i]);
}

/* Prefix and suffix text, with percent/per-mille signs given as strings written back in full. */
static void put_affix(struct sb *b, const uint32_t *p, int n, const struct numfmt *f, val *pct,
                      val *pml)
{
    for (int i = 0; i < n; i++) {
        if (p[i] == f->pct && is_str(pct) && pct->u.s.len > 1)
            sb_put(b, pct->u.s.p, pct->u.s.len);
        else if (p[i] == f->pml && is_str(pml) && pml->u.s.len > 1)
            sb_put(b, pml->u.s.p, pml->u.s.len);
        else
            utf8_put(b, p[i]);
    }
}

double mapping_round(double x, int prec)
{
    char buf[64], out[80];
    /* Fast path: away from a tie, scaling in binary rounds the same way as shifting the decimal
     * text, and an integer divided by an exact power of ten is correctly rounded. */
    static const double p10[] = {1,   1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    if (prec >= 0 && prec < 16 && fabs(x) < 1e15 / p10[prec]) {
        double y = x * p10[prec];
        double frac = y - floor(y);
        if (fabs(frac - 0.5) > 1e-6 + fabs(y) * 1e-14) {
            double r = round_half_even(y) / p10[prec];
            return r == 0 ? 0 : r;
        }
    }
    if (prec) {
        json_number_text(buf, x);
        char *ep = strchr(buf, 'e');
        int ex = 0;
        if (ep) {
            ex = atoi(ep + 1);
            *ep = 0;
        }
        snprintf(out, sizeof out, "%se%d", buf, ex + prec);
        x = strtod(out, NULL);
    }
    double r = round_half_even(x);
    if (prec) {
        json_number_text(buf, r);
        char *ep = strchr(buf, 'e');
        int ex = 0;
        if (ep) {
            ex = atoi(ep + 1);
            *ep = 0;
        }
        snprintf(out, sizeof out, "%se%d", buf, ex - prec);
        r = strtod(out, NULL);
    }
    return r == 0 ? 0 : r;
}

static val *f_format_number(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(0) || !A(1))
        return NULL;
    double value = A(0)->u.n;
    if (!isfinite(value))
        ev_fail(e, "D3001", pos, "Attempting to format Infinity or NaN");
    val *opts = A(2);
    struct numfmt f = {
        .dec = opt_char(opts, "decimal-separator", '.'),
        .grp = opt_char(opts, "grouping-separator", ','),
        .exp = opt_char(opts, "exponent-separator", 'e'),
        .minus = opt_char(opts, "minus-sign", '-'),
        .pct = opt_char(opts, "percent", '%'),
        .pml = opt_char(opts, "per-mille", 0x2030),
        .zero = opt_char(opts, "zero-digit", '0'),
        .digit = opt_char(opts, "digit", '#'),
        .patsep = opt_char(opts, "pattern-separator", ';'),
    };
    /* multi-character percent/per-mille strings are replaced as whole strings in the picture */
    uint32_t pic[PIC_MAX];
    int np = 0;
    {
        val *pv = A(1);
        val *pct = is_obj(opts) ? obj_get(opts, "percent", 7) : NULL;
        val *pml = is_obj(opts) ? obj_get(opts, "per-mille", 9) : NULL;
        size_t i = 0;
        while (i < pv->u.s.len && np < PIC_MAX) {
            if (is_str(pct) && pct->u.s.len > 1 && i + pct->u.s.len <= pv->u.s.len &&
                !memcmp(pv->u.s.p + i, pct->u.s.p, pct->u.s.len)) {
                pic[np++] = f.pct;
                i += pct->u.s.len;
                continue;
            }
            if (is_str(pml) && pml->u.s.len > 1 && i + pml->u.s.len <= pv->u.s.len &&
                !memcmp(pv->u.s.p + i, pml->u.s.p, pml->u.s.len)) {
                pic[np++] = f.pml;
                i += pml->u.s.len;
                continue;
            }
            pic[np++] = (uint32_t)utf8_decode(pv->u.s.p, pv->u.s.len, &i);
        }
    }
    int nsub = 1;
    int split = -1;
    for (int i = 0; i < np; i++)
        if (pic[i] == f.patsep) {
            nsub++;
            if (split < 0)
                split = i;
        }
    if (nsub > 2)
        ev_fail(e, "D3080", pos,
                "The format picture string must not contain more than one "
                "pattern separator");
    struct subpic subs[2];
    subs[0].pic = pic;
    subs[0].n = split < 0 ? np : split;
    if (split >= 0) {
        subs[1].pic = pic + split + 1;
        subs[1].n = np - split - 1;
    }
    for (int i = 0; i < nsub; i++) {
        const char *err = analyse(&f, &subs[i]);
        if (err)
            ev_fail(e, err, pos, "Invalid picture string for formatNumber");
    }
    struct subpic *s = (value >= 0 || nsub == 1) ? &subs[0] : &subs[1];
    bool add_minus = value < 0 && nsub == 1;
    const uint32_t *p = s->pic;
    /* picture properties */
    int grp_pos[64], ngrp = 0;
    int digits_right = 0;
    for (int i = s->int_end - 1; i >= s->int_start; i--) {
        if (p[i] == f.grp && ngrp < 64)
            grp_pos[ngrp++] = digits_right;
        else if (is_digit_of(&f, p[i]) || p[i] == f.digit)
            digits_right++;
    }
    int regular = 0;
    if (ngrp > 0) {
        int g = grp_pos[0];
        for (int i = 1; i < ngrp; i++) {
            int a = g, b = grp_pos[i];
            while (b) {
                int t = a % b;
                a = b;
                b = t;
            }
            g = a;
        }
        regular = g;
        for (int k = 1; k <= ngrp; k++) {
            bool found = false;
            for (int i = 0; i < ngrp; i++)
                if (grp_pos[i] == k * g)
                    found = true;
            if (!found)
                regular = 0;
        }
    }
    int frac_grp[64], nfrac_grp = 0, dl = 0;
    for (int i = s->frac_start; i < s->frac_end; i++) {
        if (p[i] == f.grp && nfrac_grp < 64)
            frac_grp[nfrac_grp++] = dl;
        else if (is_digit_of(&f, p[i]) || p[i] == f.digit)
            dl++;
    }
    int min_int = 0, min_frac = 0, max_frac = 0, min_exp = 0;
    for (int i = s->int_start; i < s->int_end; i++)
        if (is_digit_of(&f, p[i]))
            min_int++;
    int scaling = min_int;
    for (int i = s->frac_start; i < s->frac_end; i++) {
        if (is_digit_of(&f, p[i]))
            min_frac++;
        if (is_digit_of(&f, p[i]) || p[i] == f.digit)
            max_frac++;
    }
    if (min_int == 0 && max_frac == 0) {
        if (s->has_exp) {
            min_frac = max_frac = 1;
        } else {
            min_int = 1;
        }
    }
    if (s->has_exp && min_int == 0) {
        for (int i = s->int_start; i < s->int_end; i++)
            if (p[i] == f.digit)
                min_int = 1;
    }
    if (min_int == 0 && min_frac == 0)
        min_frac = 1;
    if (s->has_exp)
        for (int i = s->exp_start; i < s->act_end; i++)
            if (is_digit_of(&f, p[i]))
                min_exp++;
    double adj = fabs(value);
    if (count_in(s->pic, 0, s->n, f.pct))
        adj *= 100;
    else if (count_in(s->pic, 0, s->n, f.pml))
        adj *= 1000;
    double mant = adj;
    int exponent = 0;
    if (s->has_exp && mant != 0) {
        double maxm = pow(10, scaling), minm = pow(10, scaling - 1);
        while (mant < minm) {
            mant *= 10;
            exponent--;
        }
        while (mant > maxm) {
            mant /= 10;
            exponent++;
        }
    }
    double rounded = mapping_round(mant, max_frac);
    char txt[1024];
    snprintf(txt, sizeof txt, "%.*f", max_frac, fabs(rounded));
    /* digits as code points with '.' for the decimal point; sizes bound by PIC_MAX and txt */
    uint32_t d[1100];
    int nd = 0;
    for (char *c = txt; *c && nd < 1090; c++)
        d[nd++] = *c == '.' ? f.dec : (uint32_t)(f.zero + (uint32_t)(*c - '0'));
    bool has_point = false;
    for (int i = 0; i < nd; i++)
        if (d[i] == f.dec)
            has_point = true;
    if (!has_point)
        d[nd++] = f.dec;
    int st = 0;
    while (st < nd && d[st] == f.zero)
        st++;
    int en = nd;
    while (en > st && d[en - 1] == f.zero)
        en--;
    uint32_t out[2048];
    int no = 0;
    int point = -1;
    for (int i = st; i < en; i++)
        if (d[i] == f.dec)
            point = i - st;
    int pad_left = min_int - point;
    for (int i = 0; i < pad_left; i++)
        out[no++] = f.zero;
    for (int i = st; i < en; i++)
        out[no++] = d[i];
    int cur_frac = no - (point + (pad_left > 0 ? pad_left : 0)) - 1;
    for (int i = cur_frac; i < min_frac; i++)
        out[no++] = f.zero;
    /* grouping in the integer part */
    uint32_t res[4200];
    int nr = 0;
    int dpos = 0;
    while (dpos < no && out[dpos] != f.dec)
        dpos++;
    for (int i = 0; i < dpos; i++) {
        res[nr++] = out[i];
        int right = dpos - i - 1;
        if (right == 0)
            continue;
        if (regular > 0) {
            if (right % regular == 0)
                res[nr++] = f.grp;
        } else {
            for (int k = 0; k < ngrp; k++)
                if (grp_pos[k] == right)
                    res[nr++] = f.grp;
        }
    }
    res[nr++] = f.dec;
    int fd = 0;
    for (int i = dpos + 1; i < no; i++) {
        for (int k = 0; k < nfrac_grp; k++)
            if (frac_grp[k] == fd && fd > 0)
                res[nr++] = f.grp;
        res[nr++] = out[i];
        fd++;
    }
    if (res[nr - 1] == f.dec)
        nr--;
    struct sb b = {.e = e};
    sb_put(&b, "", 0);
    if (add_minus)
        utf8_put(&b, f.minus);
    val *pml_str = is_obj(opts) ? obj_get(opts, "per-mille", 9) : NULL;
    val *pct_str = is_obj(opts) ? obj_get(opts, "percent", 7) : NULL;
    put_affix(&b, s->pic, s->prefix_len, &f, pct_str, pml_str);
    put_cps(&b, res, nr);
    if (s->has_exp) {
        utf8_put(&b, f.exp);
        if (exponent < 0)
            utf8_put(&b, f.minus);
        char et[32];
        snprintf(et, sizeof et, "%d", abs(exponent));
        int el = (int)strlen(et);
        for (int i = el; i < min_exp; i++)
            utf8_put(&b, f.zero);
        for (int i = 0; i < el; i++)
            utf8_put(&b, f.zero + (uint32_t)(et[i] - '0'));
    }
    put_affix(&b, s->pic + s->n - s->suffix_len, s->suffix_len, &f, pct_str, pml_str);
    return sb_val(&b);
}

const struct builtin builtins_format[] = {
    {"formatNumber", "<n-so?:s>", f_format_number},
    {"formatBase", "<n-n?:s>", f_format_base},
    {"formatInteger", "<n-s:s>", f_format_integer},
    {"parseInteger", "<s-s:n>", f_parse_integer},
    {NULL, NULL, NULL},
};
