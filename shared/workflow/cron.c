/*
 * Cron: parses the five-field form into bit sets and finds the next firing time by walking the
 * calendar field by field (month, day, hour, minute), skipping whole months or days that cannot
 * match. UTC only: there is no time-zone or daylight-saving logic here, and no seconds field.
 */
#include "workflow/cron.h"
#include "util/calendar.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Any accepted expression fires within this span (a February 29th needs 8 years, the 1st of a
 * month falling on one weekday at most 12); the bound turns a logic error into -1, not a hang. */
#define CRON_SEARCH_YEARS 28

struct cron_field {
    const char *label;
    int min, max;
    const char *const *names; /* names[i] stands for min + i */
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                          "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const weekday_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

/* Day of week allows 7 so that both 0 and 7 mean Sunday. */
static const struct cron_field fields[5] = {
    {"minute", 0, 59, NULL},
    {"hour", 0, 23, NULL},
    {"day-of-month", 1, 31, NULL},
    {"month", 1, 12, month_names},
    {"day-of-week", 0, 7, weekday_names},
};

static const struct {
    const char *name;
    const char *expansion;
} shorthands[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

static int fail(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
    if (err && n)
        snprintf(err, n, fmt, a, b);
    return -1;
}

/* Reads a number or a name at *p. Returns the value or -1. */
static int read_value(const struct cron_field *f, const char **p)
{
    const char *s = *p;
    if (*s >= '0' && *s <= '9') {
        int v = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (*s - '0');
            if (v > 1000)
                return -1;
            s++;
        }
        *p = s;
        return v;
    }
    if (f->names) {
        for (int i = 0; f->names[i]; i++) {
            if (strncasecmp(s, f->names[i], 3) == 0) {
                *p = s + 3;
                return f->min + i;
            }
        }
    }
    return -1;
}

/* Parses one comma-separated element (len bytes at s) into *bits. */
static int parse_element(const struct cron_field *f, const char *s, size_t len, uint64_t *bits,
                         char *err, size_t n)
{
    char text[64];
    if (len == 0 || len >= sizeof text)
        return fail(err, n, "%s: empty or overlong element%s", f->label, "");
    memcpy(text, s, len);
    text[len] = 0;
    const char *p = text;
    int lo, hi, step = 1;
    bool star = false, range = false;
    if (*p == '*') {
        star = true;
        lo = f->min;
        hi = f->max == 7 ? 6 : f->max;
        p++;
    } else {
        lo = read_value(f, &p);
        if (lo < 0)
            return fail(err, n, "%s: '%s' is not a valid value", f->label, text);
        hi = lo;
        if (*p == '-') {
            range = true;
            p++;
            hi = read_value(f, &p);
            if (hi < 0)
                return fail(err, n, "%s: '%s' has an invalid range end", f->label, text);
        }
    }
    if (*p == '/') {
        p++;
        step = 0;
        while (*p >= '0' && *p <= '9' && step <= f->max)
            step = step * 10 + (*p++ - '0');
        if (step <= 0 || step > f->max)
            return fail(err, n, "%s: '%s' has an invalid step", f->label, text);
        if (!star && !range)
            hi = f->max == 7 ? 6 : f->max;
    }
    if (*p)
        return fail(err, n, "%s: unexpected characters in '%s'", f->label, text);
    if (lo < f->min || hi > f->max || lo > f->max)
        return fail(err, n, "%s: '%s' is out of range", f->label, text);
    if (lo > hi)
        return fail(err, n, "%s: range '%s' runs backwards", f->label, text);
    for (int v = lo; v <= hi; v += step)
        *bits |= (uint64_t)1 << (f->max == 7 && v == 7 ? 0 : v);
    return 0;
}

static int parse_field(const struct cron_field *f, const char *s, size_t len, uint64_t *bits,
                       char *err, size_t n)
{
    *bits = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == ',') {
            if (parse_element(f, s + start, i - start, bits, err, n) < 0)
                return -1;
            start = i + 1;
        }
    }
    return 0;
}

static const int month_days[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

int cron_parse(const char *text, struct cron *out, char *err, size_t n)
{
    if (!text)
        return fail(err, n, "cron expression missing%s%s", "", "");
    while (*text == ' ' || *text == '\t')
        text++;
    if (*text == '@') {
        size_t len = strcspn(text, " \t");
        for (size_t i = 0; i < sizeof shorthands / sizeof shorthands[0]; i++) {
            if (strlen(shorthands[i].name) == len &&
                strncasecmp(text, shorthands[i].name, len) == 0 &&
                !text[len + strspn(text + len, " \t")])
                return cron_parse(shorthands[i].expansion, out, err, n);
        }
        if (err && n)
            snprintf(err, n, "unknown cron shorthand '%.*s'", (int)(len > 32 ? 32 : len), text);
        return -1;
    }
    uint64_t bits[5];
    const char *p = text;
    int count = 0;
    memset(out, 0, sizeof *out);
    while (*p) {
        size_t len = strcspn(p, " \t");
        if (count == 5)
            return fail(err, n, "cron expression has more than 5 fields%s%s", "", "");
        if (parse_field(&fields[count], p, len, &bits[count], err, n) < 0)
            return -1;
        if (count == 2)
            out->days_star = *p == '*';
        if (count == 4)
            out->weekdays_star = *p == '*';
        count++;
        p += len;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (count != 5)
        return fail(err, n,
                    "cron expression needs 5 fields (minute hour day-of-month month "
                    "day-of-week)%s%s",
                    "", "");
    out->minutes = bits[0];
    out->hours = (uint32_t)bits[1];
    out->days = (uint32_t)bits[2];
    out->months = (uint16_t)bits[3];
    out->weekdays = (uint8_t)bits[4];
    /* With the weekday unrestricted the day must exist in at least one chosen month ("31 2"). */
    if (out->weekdays_star) {
        bool possible = false;
        for (int m = 1; m <= 12; m++) {
            if (!(out->months >> m & 1))
                continue;
            for (int d = 1; d <= month_days[m]; d++)
                possible = possible || (out->days >> d & 1);
        }
        if (!possible)
            return fail(err, n, "day-of-month: no chosen day exists in the chosen months%s%s", "",
                        "");
    }
    return 0;
}

static bool day_matches(const struct cron *c, int64_t days, int mday)
{
    int wday = calendar_weekday(days) % 7; /* cron counts Sunday as 0 */
    bool dom = c->days >> mday & 1, dow = c->weekdays >> wday & 1;
    if (c->days_star || c->weekdays_star)
        return dom && dow;
    return dom || dow;
}

/* 9999-12-31T23:59:59Z: keeps the search's arithmetic far from overflow. */
#define CRON_LAST_SECOND 253402300799LL

int64_t cron_next(const struct cron *c, int64_t after)
{
    if (after < 0 || after > CRON_LAST_SECOND)
        return -1;
    int64_t t = (after / 60 + 1) * 60;
    int64_t limit = t + (int64_t)CRON_SEARCH_YEARS * 366 * 86400;
    while (t < limit) {
        int64_t days = t / 86400;
        int64_t y;
        int m, d;
        calendar_date_from_days(days, &y, &m, &d);
        if (!(c->months >> m & 1)) {
            int ny = (int)y + (m == 12), nm = m == 12 ? 1 : m + 1;
            t = calendar_days_from_date(ny, nm, 1) * 86400;
            continue;
        }
        if (!day_matches(c, days, d)) {
            t = (days + 1) * 86400;
            continue;
        }
        int secs = (int)(t % 86400), h = secs / 3600, min = secs % 3600 / 60;
        if (!(c->hours >> h & 1)) {
            t = days * 86400 + (int64_t)(h + 1) * 3600;
            continue;
        }
        if (!(c->minutes >> min & 1)) {
            t += 60;
            continue;
        }
        return t;
    }
    return -1;
}
