/*
 * The proleptic Gregorian calendar in whole days since 1970-01-01 (negative before it): the one
 * conversion between dates and day numbers that JSONata's date functions, cron schedules and the
 * "date" format check share. No time zones, no clock.
 */
#ifndef SOLDER_CALENDAR_H
#define SOLDER_CALENDAR_H

#include <stdint.h>

/* Day number of year-month-day (month 1..12; day may run past the month's end and counts on). */
int64_t calendar_days_from_date(int64_t year, int month, int day);

/* The date of a day number. */
void calendar_date_from_days(int64_t days, int64_t *year, int *month, int *day);

/* ISO weekday of a day number: Monday 1 .. Sunday 7. */
int calendar_weekday(int64_t days);

/* Days in month (1..12) of year: February has 29 in leap years. */
int calendar_month_days(int64_t year, int month);

#endif
