/*
 * The small shared utilities: the arena (alignment, the inline region, zeroing, the limit and its
 * callback, running out of memory) and the calendar (every day from 1600 to 2500 against the C
 * library's gmtime, weekdays, month lengths).
 */
#include "check.h"

#include "util/arena.h"
#include "util/calendar.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static jmp_buf limit_jmp;
static int limit_calls;

static void on_limit(void *ctx)
{
    limit_calls++;
    if (ctx)
        longjmp(limit_jmp, 1);
}

static void test_arena(void)
{
    struct arena a = {0};
    unsigned char *p = arena_alloc(&a, 3), *q = arena_alloc(&a, 1);
    CHECK(p && q && ((uintptr_t)p % 16) == 0 && ((uintptr_t)q % 16) == 0 && q != p);
    char *s = arena_strndup(&a, "hello world", 5);
    CHECK_STR(s, "hello");
    CHECK_STR(arena_strdup(&a, "x"), "x");
    unsigned char *z = arena_zalloc(&a, 100000); /* bigger than a block: a block of its own */
    int nonzero = 0;
    for (int i = 0; z && i < 100000; i++)
        nonzero += z[i] != 0;
    CHECK(z != NULL);
    CHECK_INT(nonzero, 0);
    CHECK(!a.oom);
    arena_free(&a);
    CHECK(a.head == NULL && a.used_total == 0);

    /* The inline region serves first, then blocks take over. */
    _Alignas(16) unsigned char inl[64];
    struct arena b = {.inl = inl, .inl_cap = sizeof inl};
    unsigned char *i1 = arena_alloc(&b, 40), *i2 = arena_alloc(&b, 40);
    CHECK(i1 == inl);
    CHECK(i2 && (i2 < inl || i2 >= inl + sizeof inl));
    arena_free(&b);
    CHECK(arena_alloc(&b, 8) == inl); /* freed: the inline region is reused */
    arena_free(&b);

    /* Passing the limit calls the callback; when it returns, the allocation fails with oom set.
     * The limit is checked when a block is added, so it holds to within the last block. */
    struct arena c = {.limit = 50000, .on_limit = on_limit};
    int served = 0;
    while (served < 10 && arena_alloc(&c, 20000))
        served++;
    CHECK(served >= 2 && served < 10);
    CHECK(c.used_total <= 50000 + 40000);
    CHECK_INT(limit_calls, 1);
    CHECK(c.oom);
    arena_free(&c);
    CHECK(!c.oom);

    /* A callback that leaves by longjmp (the JSONata engine's way) never returns to the caller. */
    struct arena d = {.limit = 1000, .on_limit = on_limit, .ctx = &d};
    volatile int reached = 0;
    if (setjmp(limit_jmp) == 0) {
        arena_alloc(&d, 5000);
        reached = 1;
    }
    CHECK_INT(reached, 0);
    CHECK_INT(limit_calls, 2);
    arena_free(&d);

    /* A size malloc can never give fails cleanly. */
    struct arena e = {0};
    CHECK(arena_alloc(&e, SIZE_MAX - 8) == NULL);
    CHECK(e.oom);
    arena_free(&e);
}

static void test_calendar(void)
{
    /* Every day of 1600..2500 against gmtime: date, weekday, month length. */
    int64_t first = calendar_days_from_date(1600, 1, 1),
            last = calendar_days_from_date(2500, 12, 31);
    int bad = 0, bad_len = 0;
    for (int64_t days = first; days <= last; days++) {
        time_t t = (time_t)(days * 86400);
        struct tm tm;
        gmtime_r(&t, &tm);
        int64_t y;
        int m, d;
        calendar_date_from_days(days, &y, &m, &d);
        int wday = calendar_weekday(days);
        if (y != tm.tm_year + 1900 || m != tm.tm_mon + 1 || d != tm.tm_mday ||
            wday % 7 != tm.tm_wday || calendar_days_from_date(y, m, d) != days)
            bad++;
        if (d == 1) {
            time_t next = (time_t)((days + calendar_month_days(y, m)) * 86400);
            struct tm nt;
            gmtime_r(&next, &nt);
            bad_len += nt.tm_mday != 1;
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(bad_len, 0);

    CHECK_INT(calendar_days_from_date(1970, 1, 1), 0);
    CHECK_INT(calendar_days_from_date(2000, 3, 1), 11017);
    CHECK_INT(calendar_days_from_date(1969, 12, 31), -1);
    CHECK_INT(calendar_days_from_date(2024, 1, 32), calendar_days_from_date(2024, 2, 1));
    CHECK_INT(calendar_weekday(0), 4); /* a Thursday */
    CHECK_INT(calendar_month_days(2000, 2), 29);
    CHECK_INT(calendar_month_days(1900, 2), 28);
    CHECK_INT(calendar_month_days(2024, 2), 29);
    CHECK_INT(calendar_month_days(2023, 12), 31);

    /* Far from the epoch on both sides, where era arithmetic turns negative. */
    int64_t y;
    int m, d;
    calendar_date_from_days(calendar_days_from_date(-271821, 4, 20), &y, &m, &d);
    CHECK(y == -271821 && m == 4 && d == 20);
    calendar_date_from_days(calendar_days_from_date(275760, 9, 13), &y, &m, &d);
    CHECK(y == 275760 && m == 9 && d == 13);
}

int main(void)
{
    test_arena();
    test_calendar();
    return check_summary("util");
}
