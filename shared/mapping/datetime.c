/*
 * Date/time builtins: $fromMillis and $toMillis with XPath picture strings ([Y0001]-[M01]-[D01],
 * names, words, ordinals, ISO weeks, time zones) and ISO 8601 text, plus format_millis, which
 * $now shares. All calendar arithmetic is proleptic Gregorian in UTC shifted by the requested
 * offset; there is no time-zone database and only English names.
 */
#include "mapping/internal.h"
#include "util/calendar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A(i) (nargs > (i) ? args[i] : NULL)

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};

/* The range of a JavaScript Date: beyond it calendar arithmetic would overflow int64. */
#define DATE_MAX_MS 8.64e15

#define DEFAULT_PICTURE "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"

/* ---- calendar ------------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

struct tm_parts {
    int64_t year;
    int month, day, hour, minute, second, ms;
    int64_t days; /* days since epoch */
    int wday;     /* ISO: Monday 1 .. Sunday 7 */
    int yday;     /* 1-based */
};

static void split_time(double ms, struct tm_parts *t)
{
    int64_t x = (int64_t)floor(ms);
    t->days = floor_div(x, 86400000);
    int64_t rem = x - t->days * 86400000;
    calendar_date_from_days(t->days, &t->year, &t->month, &t->day);
    t->hour = (int)(rem / 3600000);
    t->minute = (int)(rem / 60000 % 60);
    t->second = (int)(rem / 1000 % 60);
    t->ms = (int)(rem % 1000);
    t->wday = calendar_weekday(t->days);
    t->yday = (int)(t->days - calendar_days_from_date(t->year, 1, 1)) + 1;
}

/* ISO week date: the week (and its year) containing this day's Thursday. */
static void iso_week(const struct tm_parts *t, int64_t *wyear, int *week)
{
    int64_t thursday = t->days - (t->wday - 1) + 3;
    int64_t y;
    int m, d;
    calendar_date_from_days(thursday, &y, &m, &d);
    *wyear = y;
    *week = (int)((thursday - calendar_days_from_date(y, 1, 1)) / 7) + 1;
}

/* Week of month: the month containing this week's Thursday, weeks starting on Monday. */
static void month_week(const struct tm_parts *t, int *month, int *week)
{
    int64_t thursday = t->days - (t->wday - 1) + 3;
    int64_t y;
    int m, d;
    calendar_date_from_days(thursday, &y, &m, &d);
    *month = m;
    *week = (d - 1) / 7 + 1;
}

/* ---- picture markers ------------------------------------------------------------------------ */

struct marker {
    char comp;     /* Y M D d F W w X x H h P m s f Z z C E */
    char pres[32]; /* presentation modifier without the trailing o/t */
    bool ordinal;
    bool trad;        /* 't' on Z: "Z" for a zero offset */
    int min_w, max_w; /* -1 when absent */
};

struct piece {
    bool is_marker;
    struct marker m;
    const char *lit;
    size_t litlen;
};

#define MAX_PIECES 64

static bool valid_comp(char c)
{
    return c && strchr("YMDdFWwXxHhPmsfZzCE", c) != NULL;
}

/* Splits a picture into literals and markers. Returns NULL or an error code. */
static const char *parse_picture(struct ev *e, const char *p, size_t n, struct piece *pieces,
                                 int *npieces)
{
    int k = 0;
    struct sb lit = {.e = e};
    size_t i = 0;
    for (size_t j = 0; j < n; j++) {
        if (p[j] == '[' && j + 1 < n && p[j + 1] == '[') {
            j++;
        } else if (p[j] == '[') {
            while (j < n && p[j] != ']')
                j++;
            if (j >= n)
                return "D3135";
        }
    }
    while (i < n) {
        if (p[i] == '[' && i + 1 < n && p[i + 1] == '[') {
            sb_putc(&lit, '[');
            i += 2;
            continue;
        }
        if (p[i] == ']' && i + 1 < n && p[i + 1] == ']') {
            sb_putc(&lit, ']');
            i += 2;
            continue;
        }
        if (p[i] != '[') {
            sb_putc(&lit, p[i++]);
            continue;
        }
        size_t close = i + 1;
        while (close < n && p[close] != ']')
            close++;
        if (close >= n)
            return "D3135";
        if (lit.len && k < MAX_PIECES) {
            pieces[k].is_marker = false;
            pieces[k].lit = lit.p;
            pieces[k].litlen = lit.len;
            k++;
            lit = (struct sb){.e = e};
        }
        char body[64];
        size_t bl = 0;
        for (size_t j = i + 1; j < close && bl < sizeof body - 1; j++)
            if (!strchr(" \t\n\r", p[j]))
                body[bl++] = p[j];
        body[bl] = 0;
        i = close + 1;
        if (bl == 0 || k >= MAX_PIECES)
            continue;
        struct marker *m = &pieces[k].m;
        memset(m, 0, sizeof *m);
        m->min_w = m->max_w = -1;
        m->comp = body[0];
        if (!valid_comp(m->comp))
            return "D3132";
        char *comma = strrchr(body + 1, ',');
        if (comma && !strchr("0123456789*", comma[1]))
            comma = NULL;
        size_t pl = comma ? (size_t)(comma - body - 1) : bl - 1;
        if (pl >= sizeof m->pres)
            pl = sizeof m->pres - 1;
        memcpy(m->pres, body + 1, pl);
        m->pres[pl] = 0;
        if (comma) {
            char *w = comma + 1;
            char *dash = strchr(w, '-');
            if (*w == '*')
                m->min_w = -1;
            else if (*w && *w != '-')
                m->min_w = atoi(w);
            if (dash) {
                if (dash[1] == '*' || !dash[1])
                    m->max_w = -1;
                else
                    m->max_w = atoi(dash + 1);
            }
        }
        size_t plen = strlen(m->pres);
        /* trailing modifiers: o (ordinal), t (traditional), c (cardinal) */
        if (plen > 1 || (plen == 1 && m->comp != 'Z' && m->comp != 'z')) {
            char last = plen ? m->pres[plen - 1] : 0;
            if (last == 'o' && plen > 1) {
                m->ordinal = true;
                m->pres[--plen] = 0;
            } else if (last == 't' && plen > 1) {
                m->trad = true;
                m->pres[--plen] = 0;
            } else if (last == 'c' && plen > 1) {
                m->pres[--plen] = 0;
            }
        }
        if (plen == 0) {
            const char *def;
            switch (m->comp) {
            case 'F':
            case 'P':
            case 'C':
            case 'E':
                def = "n";
                break;
            case 'm':
            case 's':
                def = "01";
                break;
            case 'Z':
            case 'z':
                def = "01:01";
                break;
            default:
                def = "1";
            }
            snprintf(m->pres, sizeof m->pres, "%s", def);
        }
        bool is_name = !strcmp(m->pres, "N") || !strcmp(m->pres, "n") || !strcmp(m->pres, "Nn");
        if (is_name && !strchr("MFxPCE", m->comp))
            return "D3133";
        pieces[k].is_marker = true;
        k++;
    }
    if (lit.len && k < MAX_PIECES) {
        pieces[k].is_marker = false;
        pieces[k].lit = lit.p;
        pieces[k].litlen = lit.len;
        k++;
    }
    *npieces = k;
    return NULL;
}

static bool is_name_pres(const char *p)
{
    return !strcmp(p, "N") || !strcmp(p, "n") || !strcmp(p, "Nn");
}

static void put_name(struct sb *b, const char *name, const struct marker *m)
{
    size_t n = strlen(name);
    if (m->max_w > 0 && (size_t)m->max_w < n)
        n = (size_t)m->max_w;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!strcmp(m->pres, "N"))
            c = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        else if (!strcmp(m->pres, "n"))
            c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        sb_putc(b, c);
    }
}

/* Integer components: the integer picture engine plus the width modifiers. */
static const char *put_int(struct ev *e, struct sb *b, double v, const struct marker *m)
{
    char pic[48];
    snprintf(pic, sizeof pic, "%s%s", m->pres, m->ordinal ? ";o" : "");
    struct sb t = {.e = e};
    sb_put(&t, "", 0);
    const char *err = format_integer_pic(&t, v, pic, strlen(pic));
    if (err)
        return err;
    bool decimal = !strchr("AaIiWw", m->pres[0]);
    if (decimal && m->min_w > 0 && !m->ordinal) {
        size_t cps = utf8_count(t.p, t.len);
        for (size_t i = cps; i < (size_t)m->min_w; i++)
            sb_putc(b, '0');
    }
    sb_put(b, t.p, t.len);
    return NULL;
}

static int pres_digits(const char *p)
{
    int k = 0;
    for (; *p; p++)
        if ((*p >= '0' && *p <= '9') || *p == '#')
            k++;
    return k;
}

static const char *put_tz(struct sb *b, int offset, const struct marker *m)
{
    if (m->comp == 'z')
        sb_puts(b, "GMT");
    if (offset == 0 && m->trad) {
        sb_putc(b, 'Z');
        return NULL;
    }
    int a = abs(offset), hh = a / 60, mm = a % 60;
    const char *p = m->pres;
    int nd = 0;
    char sep = 0;
    int before = 0;
    for (const char *q = p; *q; q++) {
        if (*q >= '0' && *q <= '9') {
            nd++;
            if (!sep)
                before++;
        } else if (!sep) {
            sep = *q;
        }
    }
    if (nd > 4 && !sep)
        return "D3134";
    char out[32];
    char sign = offset < 0 ? '-' : '+';
    if (sep) {
        snprintf(out, sizeof out, before >= 2 ? "%c%02d%c%02d" : "%c%d%c%02d", sign, hh, sep, mm);
    } else if (nd <= 2) {
        if (mm)
            snprintf(out, sizeof out, nd == 2 ? "%c%02d:%02d" : "%c%d:%02d", sign, hh, mm);
        else
            snprintf(out, sizeof out, nd == 2 ? "%c%02d" : "%c%d", sign, hh);
    } else {
        snprintf(out, sizeof out, "%c%02d%02d", sign, hh, mm);
    }
    sb_puts(b, out);
    return NULL;
}

static bool parse_tz_text(const char *s, size_t n, int *minutes)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(s, "GMT", 3))
        i = 3;
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        *minutes = 0;
        return true;
    }
    if (i >= n || (s[i] != '+' && s[i] != '-'))
        return false;
    int sign = s[i] == '-' ? -1 : 1;
    i++;
    int digits[4] = {0}, nd = 0;
    for (; i < n && nd < 4; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits[nd++] = s[i] - '0';
        else if (s[i] != ':')
            return false;
    }
    if (nd == 0)
        return false;
    int h, m = 0;
    if (nd <= 2) {
        h = nd == 2 ? digits[0] * 10 + digits[1] : digits[0];
    } else if (nd == 3) {
        h = digits[0];
        m = digits[1] * 10 + digits[2];
    } else {
        h = digits[0] * 10 + digits[1];
        m = digits[2] * 10 + digits[3];
    }
    *minutes = sign * (h * 60 + m);
    return true;
}

val *format_millis(struct ev *e, double ms, val *picture, val *tz, int pos);
val *format_millis(struct ev *e, double ms, val *picture, val *tz, int pos)
{
    int offset = 0;
    if (tz && tz->u.s.len > 0 && !parse_tz_text(tz->u.s.p, tz->u.s.len, &offset)) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "+%.*s", (int)(tz->u.s.len < 8 ? tz->u.s.len : 8), tz->u.s.p);
        if (!parse_tz_text(tmp, strlen(tmp), &offset))
            offset = 0;
    }
    const char *pic = picture ? picture->u.s.p : DEFAULT_PICTURE;
    size_t plen = picture ? picture->u.s.len : strlen(DEFAULT_PICTURE);
    struct piece pieces[MAX_PIECES];
    int np = 0;
    const char *err = parse_picture(e, pic, plen, pieces, &np);
    if (err)
        ev_fail(e, err, pos, "Invalid date/time picture string");
    if (!(fabs(ms) <= DATE_MAX_MS))
        ev_fail(e, "D3110", pos, "The timestamp is outside the representable range");
    struct tm_parts t;
    split_time(ms + offset * 60000.0, &t);
    struct sb b = {.e = e};
    sb_put(&b, "", 0);
    for (int i = 0; i < np; i++) {
        if (!pieces[i].is_marker) {
            sb_put(&b, pieces[i].lit, pieces[i].litlen);
            continue;
        }
        const struct marker *m = &pieces[i].m;
        err = NULL;
        switch (m->comp) {
        case 'Y': {
            double y = (double)t.year;
            int w = pres_digits(m->pres);
            int nlast = -1;
            if (m->max_w > 0)
                nlast = m->max_w;
            else if (w >= 2)
                nlast = w;
            else if (m->min_w > 0 && !strchr("AaIiWw", m->pres[0]))
                nlast = m->min_w;
            if (nlast > 0 && !strchr("AaIiWw", m->pres[0]))
                y = fmod(y, pow(10, nlast));
            struct marker mm = *m;
            if (nlast > 0 && !strchr("AaIiWw", m->pres[0])) {
                mm.min_w = nlast;
                if (w > nlast) {
                    memset(mm.pres, '0', (size_t)nlast - 1);
                    mm.pres[nlast - 1] = '1';
                    mm.pres[nlast] = 0;
                }
            }
            err = put_int(e, &b, y, &mm);
            break;
        }
        case 'M':
            if (is_name_pres(m->pres))
                put_name(&b, month_names[t.month - 1], m);
            else
                err = put_int(e, &b, t.month, m);
            break;
        case 'D':
            err = put_int(e, &b, t.day, m);
            break;
        case 'd':
            err = put_int(e, &b, t.yday, m);
            break;
        case 'F':
            if (is_name_pres(m->pres))
                put_name(&b, day_names[t.wday - 1], m);
            else
                err = put_int(e, &b, t.wday, m);
            break;
        case 'W':
        case 'X': {
            int64_t wy;
            int wk;
            iso_week(&t, &wy, &wk);
            err = put_int(e, &b, m->comp == 'W' ? wk : (double)wy, m);
            break;
        }
        case 'w':
        case 'x': {
            int mon, wk;
            month_week(&t, &mon, &wk);
            if (m->comp == 'x' && is_name_pres(m->pres))
                put_name(&b, month_names[mon - 1], m);
            else
                err = put_int(e, &b, m->comp == 'w' ? wk : mon, m);
            break;
        }
        case 'H':
            err = put_int(e, &b, t.hour, m);
            break;
        case 'h':
            err = put_int(e, &b, t.hour % 12 == 0 ? 12 : t.hour % 12, m);
            break;
        case 'P':
            put_name(&b, t.hour < 12 ? "am" : "pm", m);
            break;
        case 'm':
            err = put_int(e, &b, t.minute, m);
            break;
        case 's':
            err = put_int(e, &b, t.second, m);
            break;
        case 'f': {
            int nd = pres_digits(m->pres);
            if (nd < 1)
                nd = 1;
            char digs[8];
            snprintf(digs, sizeof digs, "%03d", t.ms);
            for (int k = 0; k < nd; k++)
                sb_putc(&b, k < 3 ? digs[k] : '0');
            break;
        }
        case 'Z':
        case 'z':
            err = put_tz(&b, offset, m);
            break;
        case 'C':
        case 'E':
            sb_puts(&b, "ISO");
            break;
        }
        if (err)
            ev_fail(e, err, pos, "Invalid date/time picture string");
    }
    return sb_val(&b);
}

static val *f_from_millis(struct ev *e, val **args, int nargs, val *input, int pos)
{
    if (!A(0))
        return NULL;
    return format_millis(e, A(0)->u.n, A(1), A(2), pos);
}

/* ---- parsing -------------------------------------------------------------------------------- */

static int digits_at(const char *s, size_t n, size_t i, int max, int64_t *v)
{
    int k = 0;
    *v = 0;
    while (i + (size_t)k < n && s[i + (size_t)k] >= '0' && s[i + (size_t)k] <= '9' &&
           (max < 0 || k < max)) {
        *v = *v * 10 + (s[i + (size_t)k] - '0');
        k++;
    }
    return k;
}

/* ISO 8601: YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|±hh[:mm]]]]]. Returns false when malformed. */
static bool parse_iso(const char *s, size_t n, double *out)
{
    int64_t y, mo = 1, d = 1, h = 0, mi = 0, se = 0;
    double frac = 0;
    int tz = 0;
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    if (digits_at(s, n, i, 5, &y) != 4)
        return false;
    if (neg)
        y = -y;
    i += 4;
    if (i < n && s[i] == '-') {
        if (digits_at(s, n, i + 1, 2, &mo) != 2)
            return false;
        i += 3;
        if (i < n && s[i] == '-') {
            if (digits_at(s, n, i + 1, 2, &d) != 2)
                return false;
            i += 3;
            if (i < n && (s[i] == 'T' || s[i] == 't')) {
                if (digits_at(s, n, i + 1, 2, &h) != 2 || i + 3 >= n || s[i + 3] != ':' ||
                    digits_at(s, n, i + 4, 2, &mi) != 2)
                    return false;
                i += 6;
                if (i < n && s[i] == ':') {
                    if (digits_at(s, n, i + 1, 2, &se) != 2)
                        return false;
                    i += 3;
                    if (i < n && s[i] == '.') {
                        i++;
                        double scale = 0.1;
                        size_t st = i;
                        while (i < n && s[i] >= '0' && s[i] <= '9') {
                            frac += (s[i] - '0') * scale;
                            scale /= 10;
                            i++;
                        }
                        if (i == st)
                            return false;
                    }
                }
                if (i < n) {
                    if (!parse_tz_text(s + i, n - i, &tz))
                        return false;
                    i = n;
                }
            }
        }
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60)
        return false;
    double days = (double)calendar_days_from_date(y, (int)mo, (int)d);
    *out = days * 86400000.0 + h * 3600000.0 + mi * 60000.0 + se * 1000.0 +
           floor(frac * 1000 + 1e-9) - tz * 60000.0;
    return true;
}

static bool is_wordish(const char *w, size_t n)
{
    char low[32];
    if (n == 0 || n >= sizeof low)
        return false;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)((w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i]);
    low[n] = 0;
    static const char *const parts[] = {
        "and",      "one",      "two",     "three",     "four",     "five",     "six",
        "seven",    "eight",    "nine",    "ten",       "eleven",   "twelve",   "thirteen",
        "fourteen", "fifteen",  "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        "thirty",   "forty",    "fifty",   "sixty",     "seventy",  "eighty",   "ninety",
        "hundred",  "thousand", "million", "billion",   "trillion", "first",    "second",
        "third",    "fifth",    "eighth",  "ninth",     "twelfth",  "zero"};
    /* a number word, possibly hyphenated or ordinal */
    char *save = NULL;
    for (char *tok = strtok_r(low, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
        bool ok = false;
        size_t tl = strlen(tok);
        for (size_t k = 0; k < sizeof parts / sizeof parts[0] && !ok; k++) {
            size_t pl = strlen(parts[k]);
            if (!strncmp(tok, parts[k], pl) &&
                (tl == pl || !strcmp(tok + pl, "th") || !strcmp(tok + pl, "h")))
                ok = true;
        }
        if (!ok && tl > 4 && !strcmp(tok + tl - 4, "ieth"))
            ok = true;
        if (!ok)
            return false;
    }
    return true;
}

/* Consumes the text of one marker at s[*i]; returns false on mismatch. */
static bool consume(const struct marker *m, const char *s, size_t n, size_t *i, bool adjacent,
                    const char **tok, size_t *toklen)
{
    size_t st = *i, j = st;
    const char *p = m->pres;
    if (m->comp == 'Z' || m->comp == 'z') {
        if (m->comp == 'z' && j + 3 <= n && !memcmp(s + j, "GMT", 3))
            j += 3;
        if (j < n && (s[j] == 'Z')) {
            j++;
        } else {
            if (j < n && (s[j] == '+' || s[j] == '-'))
                j++;
            while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == ':'))
                j++;
        }
    } else if (is_name_pres(p) || m->comp == 'P') {
        while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
            j++;
    } else if (p[0] == 'W' || p[0] == 'w') {
        for (;;) {
            size_t ws = j;
            while (j < n &&
                   ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || s[j] == '-'))
                j++;
            if (j == ws || !is_wordish(s + ws, j - ws)) {
                j = ws;
                break;
            }
            size_t after = j;
            while (after < n && (s[after] == ' ' || s[after] == ','))
                after++;
            size_t ns = after;
            while (ns < n && ((s[ns] >= 'a' && s[ns] <= 'z') || (s[ns] >= 'A' && s[ns] <= 'Z') ||
                              s[ns] == '-'))
                ns++;
            if (ns > after && is_wordish(s + after, ns - after))
                j = after;
            else
                break;
        }
        /* trim trailing separators */
        while (j > st && (s[j - 1] == ' ' || s[j - 1] == ','))
            j--;
    } else if (p[0] == 'I' || p[0] == 'i') {
        while (j < n && strchr("IVXLCDMivxlcdm", s[j]) && s[j])
            j++;
    } else if ((p[0] == 'A' || p[0] == 'a') && !p[1]) {
        while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
            j++;
    } else {
        int maxd = -1;
        if (m->max_w > 0)
            maxd = m->max_w;
        else if (adjacent)
            maxd = pres_digits(p) > 0 ? pres_digits(p) : -1;
        int k = 0;
        while (j < n && (((s[j] >= '0' && s[j] <= '9')) || (s[j] == ',' && strchr(p, ','))) &&
               (maxd < 0 || k < maxd)) {
            j++;
            k++;
        }
        if (m->ordinal && j + 2 <= n)
            j += 2;
    }
    if (j == st)
        return false;
    *tok = s + st;
    *toklen = j - st;
    *i = j;
    return true;
}

static int name_index(const char *const *names, int count, const char *s, size_t n)
{
    for (int k = 0; k < count; k++) {
        size_t nl = strlen(names[k]);
        if (n > nl || n < 2)
            continue;
        bool eq = true;
        for (size_t c = 0; c < n && eq; c++) {
            char a = s[c], b = names[k][c];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a + 32);
            if (b >= 'A' && b <= 'Z')
                b = (char)(b + 32);
            eq = a == b;
        }
        if (eq)
            return k;
    }
    return -1;
}

static val *f_to_millis(struct ev *e, val **args, int nargs, val *input, int pos)
{
    val *s = A(0), *pic = A(1);
    if (!s)
        return NULL;
    if (!pic) {
        double ms;
        if (!parse_iso(s->u.s.p, s->u.s.len, &ms))
            ev_fail(e, "D3110", pos, "The timestamp %.*s cannot be parsed", (int)s->u.s.len,
                    s->u.s.p);
        return v_num(e, ms);
    }
    struct piece pieces[MAX_PIECES];
    int np = 0;
    const char *err = parse_picture(e, pic->u.s.p, pic->u.s.len, pieces, &np);
    if (err)
        ev_fail(e, err, pos, "Invalid date/time picture string");
    /* which components are present decides whether the picture can give a time at all */
    bool has[128] = {false};
    for (int i = 0; i < np; i++)
        if (pieces[i].is_marker)
            has[(unsigned char)pieces[i].m.comp] = true;
    if (has['X'] || has['W'] || has['x'] || has['w'])
        ev_fail(e, "D3136", pos,
                "The date/time picture string is missing specifiers required "
                "to parse the timestamp");
    if ((has['D'] && !has['M'] && has['Y']) || (has['m'] && !has['H'] && !has['h']) ||
        (has['s'] && !has['m']) || (has['f'] && !has['s']) ||
        (has['M'] && has['D'] && !has['Y'] && has['m'] && !has['H']))
        ev_fail(e, "D3136", pos,
                "The date/time picture string is missing specifiers required "
                "to parse the timestamp");
    struct tm_parts now;
    split_time((double)ev_now(e), &now);
    int64_t year = now.year;
    int month = 1, day = 1, yday = -1, hour = 0, minute = 0, second = 0, ms = 0, tz = 0;
    bool pm = false, have_p = false, any = false;
    if (!has['Y'] && !has['M'] && !has['D'] && !has['d']) {
        month = now.month;
        day = now.day;
    }
    size_t i = 0;
    const char *str = s->u.s.p;
    size_t n = s->u.s.len;
    for (int k = 0; k < np; k++) {
        if (!pieces[k].is_marker) {
            if (i + pieces[k].litlen > n || memcmp(str + i, pieces[k].lit, pieces[k].litlen))
                return NULL;
            i += pieces[k].litlen;
            continue;
        }
        const struct marker *m = &pieces[k].m;
        bool adjacent = k + 1 < np && pieces[k + 1].is_marker;
        const char *tok;
        size_t tl;
        if (!consume(m, str, n, &i, adjacent, &tok, &tl))
            return NULL;
        any = true;
        double v = 0;
        if (m->comp == 'Z' || m->comp == 'z') {
            if (!parse_tz_text(tok, tl, &tz))
                return NULL;
            continue;
        }
        if (m->comp == 'P') {
            have_p = true;
            pm = (tl >= 1 && (tok[0] == 'p' || tok[0] == 'P'));
            continue;
        }
        if (is_name_pres(m->pres)) {
            if (m->comp == 'M') {
                int idx = name_index(month_names, 12, tok, tl);
                if (idx < 0)
                    return NULL;
                month = idx + 1;
            }
            continue;
        }
        if (m->comp == 'f') {
            double frac = 0, scale = 100;
            for (size_t c = 0; c < tl; c++) {
                frac += (tok[c] - '0') * scale;
                scale /= 10;
            }
            ms = (int)floor(frac + 1e-9);
            continue;
        }
        char picbuf[48];
        snprintf(picbuf, sizeof picbuf, "%s%s", m->pres, m->ordinal ? ";o" : "");
        const char *perr;
        const char *ptok = tok;
        size_t ptl = tl;
        char tmp[128];
        if (m->ordinal && (m->pres[0] != 'W' && m->pres[0] != 'w') && tl > 2 && tl < sizeof tmp) {
            memcpy(tmp, tok, tl - 2);
            ptok = tmp;
            ptl = tl - 2;
        }
        v = parse_integer_pic(ptok, ptl, picbuf, strlen(picbuf), &perr);
        if (perr)
            ev_fail(e, perr, pos, "Invalid date/time picture string");
        if (isnan(v) || fabs(v) > 1e7)
            return NULL;
        switch (m->comp) {
        case 'Y':
            year = (int64_t)v;
            break;
        case 'M':
            month = (int)v;
            break;
        case 'D':
            day = (int)v;
            break;
        case 'd':
            yday = (int)v;
            break;
        case 'H':
            hour = (int)v;
            break;
        case 'h':
            hour = (int)v;
            break;
        case 'm':
            minute = (int)v;
            break;
        case 's':
            second = (int)v;
            break;
        default:
            break;
        }
    }
    if (!any)
        return NULL;
    if (have_p || has['h']) {
        hour %= 12;
        if (pm)
            hour += 12;
    }
    if (year > 275760 || year < -271821)
        return NULL;
    double days = yday > 0 ? (double)(calendar_days_from_date(year, 1, 1) + yday - 1)
                           : (double)calendar_days_from_date(year, month, day);
    double r = days * 86400000.0 + hour * 3600000.0 + minute * 60000.0 + second * 1000.0 + ms -
               tz * 60000.0;
    return v_num(e, r);
}

const struct builtin builtins_datetime[] = {
    {"fromMillis", "<n-s?s?:s>", f_from_millis},
    {"toMillis", "<s-s?:n>", f_to_millis},
    {NULL, NULL, NULL},
};
