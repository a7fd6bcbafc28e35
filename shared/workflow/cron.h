/*
 * Five-field cron expressions (minute hour day-of-month month day-of-week), always in UTC, and the
 * next time one fires. A parsed struct cron is a plain value: copy it, share it, no cleanup.
 */
#ifndef SOLDER_CRON_H
#define SOLDER_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One bit per allowed value of each field. Sunday is weekday 0 (a 7 in the text also means
 * Sunday). */
struct cron {
    uint64_t minutes; /* bits 0..59 */
    uint32_t hours;   /* bits 0..23 */
    uint32_t days;    /* bits 1..31 */
    uint16_t months;  /* bits 1..12 */
    uint8_t weekdays; /* bits 0..6 */
    /* A day field written starting with '*' is unrestricted: when both day fields are restricted
     * a day matches if either one matches (the traditional cron rule). */
    bool days_star;
    bool weekdays_star;
};

/*
 * Parses text: five fields separated by blanks, each "*", a value, a range "a-b", a step "x/n"
 * (x is "*", a value or a range) or a comma list of these; months and weekdays also take names
 * (JAN..DEC, SUN..SAT, any case). The shorthands @yearly, @annually, @monthly, @weekly, @daily,
 * @midnight and @hourly stand for their five-field forms. Returns 0, or -1 with a message naming
 * the offending field in err (n bytes; err may be NULL).
 */
int cron_parse(const char *text, struct cron *out, char *err, size_t n);

/*
 * Returns the first time strictly after `after` (Unix seconds, UTC) at which c fires, in Unix
 * seconds, or -1 when `after` lies outside 1970..9999 or nothing fires within 28 years (which
 * does not happen for an expression cron_parse accepted: it refuses days no chosen month has).
 */
int64_t cron_next(const struct cron *c, int64_t after);

#endif
