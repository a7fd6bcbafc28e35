/*
 * Day-number arithmetic of calendar.h, by counting 400-year eras from March 1st so that the leap
 * day falls at the end of each counted year (146,097 days per era). Valid for every year whose day
 * number fits in int64; callers bound their inputs far inside that.
 */
#include "util/calendar.h"

#include <stdbool.h>

/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT 719468
#define ERA_DAYS    146097

int64_t calendar_days_from_date(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * ERA_DAYS + doe - EPOCH_SHIFT;
}

void calendar_date_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    days += EPOCH_SHIFT;
    int64_t era = (days >= 0 ? days : days - (ERA_DAYS - 1)) / ERA_DAYS;
    int64_t doe = days - era * ERA_DAYS;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

int calendar_weekday(int64_t days)
{
    return (int)((days % 7 + 7 + 3) % 7) + 1; /* 1970-01-01 was a Thursday */
}

int calendar_month_days(int64_t year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[month - 1] + (month == 2 && leap);
}
