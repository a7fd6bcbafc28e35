/*
 * Numeric and aggregation builtins: $number, $abs, $floor, $ceil, $round (half to even),
 * $power, $sqrt, $random, $sum, $max, $min, $average.
 */
#include "mapping/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"

#define A(i) (nargs > (i) ? args[i] : NULL)

static bool is_decimal_text(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d)
        return false;
    if (i < n && s[i] == '.') {
        i++;
        size_t f = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t x = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == x)
            return false;
    }
    return i == n;
}

static bool radix_text(const char *s, size_t n, double *out)
{
    if (n < 3 || s[0] != '0')
        return false;
    int base;
    switch (s[1]) {
    case 'x':
    case 'X':
        base = 16;
        break;
    case 'o':
    case 'O':
        base = 8;
        break;
    case 'b':
    case 'B':
        base = 2;
        break;
    default:
        return false;
    }
    double v = 0;
    for (size_t i = 2; i < n; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return false;
        if (d >= base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

static val *f_number(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *v = A(0);
    if (!v)
        return NULL;
    if (v->t == T_NUM)
        return v;
    if (v->t == T_BOOL)
        return v_num(e, v->u.b ? 1 : 0);
    if (v->t == T_STR) {
        double d;
        if (is_decimal_text(v->u.s.p, v->u.s.len)) {
            d = strtod(v->u.s.p, NULL);
            if (isfinite(d))
                return v_num(e, d);
        } else if (radix_text(v->u.s.p, v->u.s.len, &d)) {
            return v_num(e, d);
        }
    }
    ev_fail(e, "D3030", pos, "Unable to cast value to a number");
}

static val *f_abs(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return A(0) ? v_num(e, fabs(A(0)->u.n)) : NULL;
}

static val *f_floor(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return A(0) ? v_num(e, floor(A(0)->u.n) + 0.0) : NULL;
}

static val *f_ceil(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return A(0) ? v_num(e, ceil(A(0)->u.n) + 0.0) : NULL;
}

static val *f_round(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *v = A(0);
    if (!v)
        return NULL;
    double pr = A(1) ? trunc(A(1)->u.n) : 0;
    int prec = pr > 300 ? 300 : pr < -300 ? -300 : (int)pr;
    if (!isfinite(v->u.n))
        return v;
    return v_num(e, mapping_round(v->u.n, prec));
}

static val *f_power(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(0) || !A(1))
        return NULL;
    double r = pow(A(0)->u.n, A(1)->u.n);
    if (!isfinite(r))
        ev_fail(e, "D3061", pos,
                "The power function has resulted in a value that cannot be "
                "represented as a JSON number");
    return v_num(e, r);
}

static val *f_sqrt(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(0))
        return NULL;
    if (A(0)->u.n < 0)
        ev_fail(e, "D3060", pos, "The sqrt function cannot be applied to a negative number");
    return v_num(e, sqrt(A(0)->u.n));
}

static val *f_random(struct ev *e, val **args, int nargs, val *input, int pos)
{
    uint64_t r = 0;
    if (plat_random(&r, sizeof r) != 0)
        r = (uint64_t)plat_now_ms() * 6364136223846793005ull;
    return v_num(e, (double)(r >> 11) / 9007199254740992.0);
}

static val *f_sum(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    if (!a)
        return NULL;
    double s = 0;
    for (uint32_t i = 0; i < a->u.a.len; i++)
        s += a->u.a.items[i]->u.n;
    return v_num(e, s);
}

static val *minmax(struct ev *e, val **args, int nargs, bool max)
{
    val *a = A(0);
    if (!a || a->u.a.len == 0)
        return NULL;
    double m = a->u.a.items[0]->u.n;
    for (uint32_t i = 1; i < a->u.a.len; i++) {
        double x = a->u.a.items[i]->u.n;
        if (max ? x > m : x < m)
            m = x;
    }
    return v_num(e, m);
}

static val *f_max(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return minmax(e, args, nargs, true);
}

static val *f_min(struct ev *e, val **args, int nargs, val *input, int pos)
{
    return minmax(e, args, nargs, false);
}

static val *f_average(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *a = A(0);
    if (!a || a->u.a.len == 0)
        return NULL;
    double s = 0;
    for (uint32_t i = 0; i < a->u.a.len; i++)
        s += a->u.a.items[i]->u.n;
    return v_num(e, s / a->u.a.len);
}

const struct builtin builtins_numeric[] = {
    {"number", "<(nsb)-:n>", f_number},
    {"abs", "<n-:n>", f_abs},
    {"floor", "<n-:n>", f_floor},
    {"ceil", "<n-:n>", f_ceil},
    {"round", "<n-n?:n>", f_round},
    {"power", "<n-n:n>", f_power},
    {"sqrt", "<n-:n>", f_sqrt},
    {"random", "<:n>", f_random},
    {"sum", "<a<n>:n>", f_sum},
    {"max", "<a<n>:n>", f_max},
    {"min", "<a<n>:n>", f_min},
    {"average", "<a<n>:n>", f_average},
    {NULL, NULL, NULL},
};
