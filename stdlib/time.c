/*
 * time.c — edict.time: strict RFC 3339 parsing and civil date arithmetic
 * (proleptic Gregorian) for the host and for rules (see time.h).
 *
 * Everything here is a pure function of its arguments. Nothing reads the
 * wall clock or the C library's time zone state (no mktime, localtime or
 * TZ), so a decision computed today and replayed in ten years on another
 * machine gives the same dates. Day numbers count days since 1970-01-01;
 * the conversions are the era-based days-from-civil / civil-from-days
 * algorithms, which need no tables and no loops.
 *
 * The one exception is IANA time zones (local_date, local_day, local_time,
 * from_local, to_zone, business_deadline and add_seconds with a zone): they read the system tz
 * database through tz.c, so their answers follow the installed tzdata
 * version.
 *
 * Layout: civil arithmetic, RFC 3339 parsing, US federal holidays and
 * business days, Lua argument helpers, the Lua functions, and the
 * registration table at the bottom.
 */
#define edict_time_c

#include "time.h"
#include "tz.h"
#include "engine/budget.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#define ED_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ED_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------ */
/* Civil arithmetic                                                    */
/* ------------------------------------------------------------------ */

#define SECS_PER_DAY 86400
#define DAYS_PER_ERA 146097 /* days in 400 Gregorian years */
#define DAYS_0000_03_01 719468 /* 0000-03-01 to 1970-01-01 */

/* Years are clamped to ±this before days_from_civil multiplies, so that
 * era * DAYS_PER_ERA cannot overflow int64 whatever the caller passes.
 * It is far beyond any year an int (and so ed_civil_from_days) can hold. */
#define CIVIL_YEAR_CLAMP ((int64_t)1000000000000000) /* 1e15 */

/* Floor division and modulo for b > 0 (C's / and % truncate toward 0,
 * which would put dates before 1970 or before year 0 in the wrong era). */
int64_t ed_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b < 0)
        q--;
    return q;
}

int64_t ed_floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

int ed_is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1..12) of year y. */
static int days_in_month(int64_t y, int m)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
    return m == 2 && ed_is_leap_year(y) ? 29 : mdays[m - 1];
}

/* Days since 1970-01-01 of y-m-d. A month outside 1..12 carries into the
 * year and a day past the month's end runs on into the next months (both
 * are linear), so callers may pass un-normalized values. Exact for years
 * within ±CIVIL_YEAR_CLAMP; never overflows. */
int64_t ed_days_from_civil(int64_t y, int m, int d)
{
    /* Normalize the month first; m - 1 in int64 cannot overflow. */
    int64_t m0 = (int64_t)m - 1;
    if (y > CIVIL_YEAR_CLAMP)
        y = CIVIL_YEAR_CLAMP;
    else if (y < -CIVIL_YEAR_CLAMP)
        y = -CIVIL_YEAR_CLAMP;
    y += ed_floor_div(m0, 12);
    m0 = ed_floor_mod(m0, 12);

    /* Count years from March so that the leap day is the last day of the
     * counted year: January and February belong to the previous one. */
    if (m0 < 2)
        y--;
    int64_t era = ed_floor_div(y, 400);
    int64_t yoe = y - era * 400;                       /* [0, 399] */
    int64_t mp = (m0 + 10) % 12;                       /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1; /* day of year */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * DAYS_PER_ERA + doe - DAYS_0000_03_01;
}

/* Civil date of a day number. Exact whenever the year fits in an int
 * (|days| up to about 7.8e11); beyond that the year saturates at
 * INT_MIN/INT_MAX. Defined for every int64 input. */
void ed_civil_from_days(int64_t days, int *y, int *m, int *d)
{
    /* Split into eras before shifting to the 0000-03-01 origin, so that
     * the shift cannot overflow near INT64_MAX. */
    int64_t era = ed_floor_div(days, DAYS_PER_ERA);
    int64_t doe = ed_floor_mod(days, DAYS_PER_ERA) + DAYS_0000_03_01;
    era += doe / DAYS_PER_ERA;
    doe %= DAYS_PER_ERA;                                    /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                       /* March = 0 */
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    int64_t yy = era * 400 + yoe + (mm <= 2);

    *y = yy > INT_MAX ? INT_MAX : yy < INT_MIN ? INT_MIN : (int)yy;
    *m = (int)mm;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int64_t ed_time_day_number(const ed_time *t)
{
    return ed_days_from_civil(t->year, t->month, t->day);
}

void ed_format_date(int64_t days, char *buf)
{
    int y, m, d;
    if (days < ED_TIME_DAY_MIN || days > ED_TIME_DAY_MAX) {
        /* Callers range-check first; an impossible date (month 00) is
         * safer than a five-digit year overrunning the 11-byte buffer. */
        memcpy(buf, "0000-00-00", 11);
        return;
    }
    ed_civil_from_days(days, &y, &m, &d);
    /* by hand, not snprintf: rules format several dates per event */
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
}

/* ISO 8601 weekday of a day number: 1 = Monday .. 7 = Sunday.
 * 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    return (int)ed_floor_mod(days + 3, 7) + 1;
}

/* ------------------------------------------------------------------ */
/* RFC 3339 parsing                                                    */
/* ------------------------------------------------------------------ */

static int fail(char *err, size_t errlen, const char *fmt, ...) ED_PRINTF(3, 4);

/* Write the reason to err (when there is room) and return -1. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Check a civil date; on failure write why and return the position of the
 * bad field (1 year, 2 month, 3 day), else 0. Shared by the parser and
 * format_date so both say the same thing about the same date. */
static int check_civil(int64_t y, int64_t m, int64_t d, char *err,
                       size_t errlen)
{
    if (y < ED_TIME_YEAR_MIN || y > ED_TIME_YEAR_MAX) {
        fail(err, errlen, "year %04lld is out of range", (long long)y);
        return 1;
    }
    if (m < 1 || m > 12) {
        fail(err, errlen, "month %lld is out of range", (long long)m);
        return 2;
    }
    if (d < 1 || d > days_in_month(y, (int)m)) {
        fail(err, errlen, "day %lld is out of range for %04d-%02d",
             (long long)d, (int)y, (int)m);
        return 3;
    }
    return 0;
}

/* Digits only in ASCII; isdigit() would depend on the C locale. */
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read exactly n digits at pos: a shorter or a longer run of digits is a
 * wrong-length field ("2026-3-02", "20260-03-02"). */
static int take_digits(const char *s, size_t len, size_t pos, int n,
                       int *value)
{
    int v = 0, run = 0;
    for (; pos < len && run <= n && is_digit(s[pos]); pos++, run++) {
        if (run < n)
            v = v * 10 + (s[pos] - '0');
    }
    if (run != n)
        return -1;
    *value = v;
    return 0;
}

static int at(const char *s, size_t len, size_t pos, char c)
{
    return pos < len && s[pos] == c;
}

/*
 * Why a leap second (:60) is rejected rather than accepted: epoch seconds
 * (POSIX time) have no value for 23:59:60, so accepting it would mean
 * folding it onto :59 or onto the next minute, making two different
 * instants compare equal or moving a deadline. Whether a given :60 was a
 * real leap second needs the IERS table, which a pure function cannot know
 * for the future. Real event sources practically never emit one; failing
 * with a clear reason lets the producer fix the data instead of the rules
 * silently guessing.
 */
int ed_time_parse(const char *s, size_t len, int allow_date, ed_time *out,
                  char *err, size_t errlen)
{
    ed_time t;
    size_t pos;
    int sign, oh, om;

    memset(&t, 0, sizeof t);
    if (s == NULL || len == 0)
        return fail(err, errlen, "empty string");

    /* Date: YYYY-MM-DD */
    if (take_digits(s, len, 0, 4, &t.year) != 0)
        return fail(err, errlen, "expected a 4-digit year at offset 0");
    if (!at(s, len, 4, '-'))
        return fail(err, errlen, "expected '-' at offset 4");
    if (take_digits(s, len, 5, 2, &t.month) != 0)
        return fail(err, errlen, "expected a 2-digit month at offset 5");
    if (!at(s, len, 7, '-'))
        return fail(err, errlen, "expected '-' at offset 7");
    if (take_digits(s, len, 8, 2, &t.day) != 0)
        return fail(err, errlen, "expected a 2-digit day at offset 8");
    if (check_civil(t.year, t.month, t.day, err, errlen) != 0)
        return -1;
    pos = 10;

    if (pos == len && allow_date) {
        t.epoch = ed_time_day_number(&t) * SECS_PER_DAY;
        *out = t;
        return 0;
    }

    /* RFC 3339 §5.6 lets 'T' be lowercase or, by its note, a space. */
    if (!(at(s, len, pos, 'T') || at(s, len, pos, 't') || at(s, len, pos, ' ')))
        return fail(err, errlen, "expected 'T' or a space at offset %zu", pos);

    /* Time: HH:MM:SS */
    if (take_digits(s, len, 11, 2, &t.hour) != 0)
        return fail(err, errlen, "expected a 2-digit hour at offset 11");
    if (!at(s, len, 13, ':'))
        return fail(err, errlen, "expected ':' at offset 13");
    if (take_digits(s, len, 14, 2, &t.minute) != 0)
        return fail(err, errlen, "expected a 2-digit minute at offset 14");
    if (!at(s, len, 16, ':'))
        return fail(err, errlen, "expected ':' at offset 16");
    if (take_digits(s, len, 17, 2, &t.second) != 0)
        return fail(err, errlen, "expected a 2-digit second at offset 17");
    if (t.hour > 23)
        return fail(err, errlen, "hour %d is out of range", t.hour);
    if (t.minute > 59)
        return fail(err, errlen, "minute %d is out of range", t.minute);
    if (t.second == 60)
        return fail(err, errlen, "second 60 is out of range "
                                 "(leap seconds are not supported)");
    if (t.second > 59)
        return fail(err, errlen, "second %d is out of range", t.second);
    pos = 19;

    /* Fraction: any number of digits; nanoseconds keep the first nine
     * (the rest is truncated, never rounded, so no carry into seconds). */
    if (at(s, len, pos, '.')) {
        size_t first = ++pos;
        int ndig = 0;
        for (; pos < len && is_digit(s[pos]); pos++) {
            if (ndig < 9) {
                t.nanosecond = t.nanosecond * 10 + (s[pos] - '0');
                ndig++;
            }
        }
        if (pos == first)
            return fail(err, errlen, "expected a digit at offset %zu", pos);
        for (; ndig < 9; ndig++)
            t.nanosecond *= 10;
    }

    /* Offset: Z or ±HH:MM. "-00:00" (offset unknown, RFC 3339 §4.3) is
     * the same instant as Z. */
    if (at(s, len, pos, 'Z') || at(s, len, pos, 'z')) {
        pos++;
    } else if (at(s, len, pos, '+') || at(s, len, pos, '-')) {
        sign = s[pos] == '-' ? -1 : 1;
        /* Only two digits are read here, so ISO 8601's basic "+0500"
         * is reported as the missing ':' it is. */
        if (take_digits(s, pos + 3 < len ? pos + 3 : len, pos + 1, 2, &oh) != 0)
            return fail(err, errlen, "expected a 2-digit offset hour "
                                     "at offset %zu", pos + 1);
        if (!at(s, len, pos + 3, ':'))
            return fail(err, errlen, "expected ':' at offset %zu", pos + 3);
        if (take_digits(s, len, pos + 4, 2, &om) != 0)
            return fail(err, errlen,
                        "expected a 2-digit offset minute at offset %zu",
                        pos + 4);
        if (oh > 23)
            return fail(err, errlen, "offset hour %d is out of range", oh);
        if (om > 59)
            return fail(err, errlen, "offset minute %d is out of range", om);
        t.offset_minutes = sign * (oh * 60 + om);
        pos += 6;
    } else {
        return fail(err, errlen, "expected 'Z', '+' or '-' at offset %zu", pos);
    }
    if (pos != len)
        return fail(err, errlen, "trailing characters at offset %zu", pos);

    t.has_time = 1;
    /* Local civil time minus the offset is UTC. */
    t.epoch = ed_time_day_number(&t) * SECS_PER_DAY + t.hour * 3600 +
              t.minute * 60 + t.second - (int64_t)t.offset_minutes * 60;
    *out = t;
    return 0;
}

/* ------------------------------------------------------------------ */
/* US federal holidays and business days                               */
/* ------------------------------------------------------------------ */

/*
 * The legal public holidays of 5 U.S.C. 6103(a), with the dates each rule
 * took effect:
 *   - New Year's Day, Independence Day, Christmas Day: every year here.
 *   - Washington's Birthday: Feb 22; 3rd Monday of February from 1971
 *     (Uniform Monday Holiday Act, Pub. L. 90-363).
 *   - Memorial Day: May 30; last Monday of May from 1971.
 *   - Labor Day: 1st Monday of September.
 *   - Columbus Day: 2nd Monday of October from 1971. Pub. L. 90-363 made
 *     it a legal public holiday; before, it was only proclaimed, so no
 *     Columbus Day is listed before 1971. [U: whether federal offices
 *     closed on Oct 12 in 1937-1970]
 *   - Armistice Day, Nov 11, from 1938 (Act of May 13, 1938), renamed
 *     Veterans Day in 1954; 4th Monday of October 1971-1977, Nov 11 again
 *     from 1978 (Pub. L. 94-97).
 *   - Thanksgiving Day: 4th Thursday of November from 1942 (Pub. L.
 *     77-379). Before, the day was proclaimed each year: the last
 *     Thursday, except the second-to-last in 1939-1941. [U]
 *   - Birthday of Martin Luther King, Jr.: 3rd Monday of January from
 *     1986.
 *   - Juneteenth National Independence Day: June 19 from 2021.
 * Inauguration Day (DC area only) is not a nationwide holiday and is
 * left out.
 *
 * Observed days (6103(b); Executive Order 11582 of 1971 for the Saturday
 * rule): a holiday on a Saturday is observed on the Friday before, one
 * on a Sunday on the Monday after. The rule is applied to every year
 * here, also before 1971 [U]. New Year's Day on a Saturday is observed on
 * Friday Dec 31 of the previous year, so that Dec 31 is a holiday of the
 * previous year's calendar too (2021-12-31 for 2022). No two holidays
 * ever share an observed day.
 */

/* Day number of the n-th (1..5) ISO weekday wd of month m of year y. */
static int64_t nth_weekday(int64_t y, int m, int wd, int n)
{
    int64_t first = ed_days_from_civil(y, m, 1);
    return first + (wd - weekday(first) + 7) % 7 + 7 * (n - 1);
}

/* Day number of the last ISO weekday wd of month m of year y. */
static int64_t last_weekday(int64_t y, int m, int wd)
{
    int64_t last = ed_days_from_civil(y, m, days_in_month(y, m));
    return last - (weekday(last) - wd + 7) % 7;
}

static int add_holiday(ed_holiday *out, int n, int64_t date, const char *name)
{
    int wd = weekday(date);
    out[n].date = date;
    out[n].observed = wd == 6 ? date - 1 : wd == 7 ? date + 1 : date;
    out[n].name = name;
    return n + 1;
}

/* The holidays of any year (the range is checked by callers; business
 * arithmetic looks one year beyond each end), in date order. */
static int holidays_of(int64_t y, ed_holiday *out)
{
    int n = 0;
    n = add_holiday(out, n, ed_days_from_civil(y, 1, 1), "New Year's Day");
    if (y >= 1986)
        n = add_holiday(out, n, nth_weekday(y, 1, 1, 3),
                        "Birthday of Martin Luther King, Jr.");
    n = add_holiday(out, n, y >= 1971 ? nth_weekday(y, 2, 1, 3)
                                      : ed_days_from_civil(y, 2, 22),
                    "Washington's Birthday");
    n = add_holiday(out, n, y >= 1971 ? last_weekday(y, 5, 1)
                                      : ed_days_from_civil(y, 5, 30),
                    "Memorial Day");
    if (y >= 2021)
        n = add_holiday(out, n, ed_days_from_civil(y, 6, 19),
                        "Juneteenth National Independence Day");
    n = add_holiday(out, n, ed_days_from_civil(y, 7, 4), "Independence Day");
    n = add_holiday(out, n, nth_weekday(y, 9, 1, 1), "Labor Day");
    if (y >= 1971)
        n = add_holiday(out, n, nth_weekday(y, 10, 1, 2), "Columbus Day");
    if (y >= 1971 && y <= 1977)
        n = add_holiday(out, n, nth_weekday(y, 10, 1, 4), "Veterans Day");
    else if (y >= 1938)
        n = add_holiday(out, n, ed_days_from_civil(y, 11, 11),
                        y >= 1954 ? "Veterans Day" : "Armistice Day");
    int64_t thanks;
    if (y >= 1942)
        thanks = nth_weekday(y, 11, 4, 4);
    else if (y >= 1939)
        thanks = last_weekday(y, 11, 4) - 7;
    else
        thanks = last_weekday(y, 11, 4);
    n = add_holiday(out, n, thanks, "Thanksgiving Day");
    n = add_holiday(out, n, ed_days_from_civil(y, 12, 25), "Christmas Day");
    return n;
}

int ed_us_holidays(int year, ed_holiday *out)
{
    if (year < ED_HOLIDAY_YEAR_MIN || year > ED_HOLIDAY_YEAR_MAX)
        return -1;
    return holidays_of(year, out);
}

/* The holiday observed on day (any year), or NULL. Only the day's own
 * year and, on Dec 31, next year's New Year's Day can be observed on it. */
static const char *observed_on(int64_t day)
{
    ed_holiday h[ED_HOLIDAYS_MAX];
    int y, m, d;
    ed_civil_from_days(day, &y, &m, &d);
    int n = holidays_of(y, h);
    for (int i = 0; i < n; i++) {
        if (h[i].observed == day)
            return h[i].name;
    }
    if (m == 12 && d == 31) {
        holidays_of((int64_t)y + 1, h);
        if (h[0].observed == day)
            return h[0].name;
    }
    return NULL;
}

static int in_business_range(int64_t day)
{
    return day >= ED_BUSINESS_DAY_MIN && day <= ED_BUSINESS_DAY_MAX;
}

const char *ed_us_holiday_on(int64_t day)
{
    return in_business_range(day) ? observed_on(day) : NULL;
}

static int business_day(int64_t day)
{
    return weekday(day) <= 5 && observed_on(day) == NULL;
}

int ed_is_business_day(int64_t day)
{
    return in_business_range(day) ? business_day(day) : -1;
}

/* Mondays..Fridays before day x, counted from the Monday 1969-12-29
 * (day -3); only differences of it mean anything. */
static int64_t weekdays_before(int64_t x)
{
    int64_t r = ed_floor_mod(x + 3, 7);
    return 5 * ed_floor_div(x + 3, 7) + (r < 5 ? r : 5);
}

/* Business days in (a, b] for a <= b, any years: weekdays minus the
 * observed holidays in the span (always weekdays, never shared). The
 * holiday lists of year(a)..year(b)+1 hold every day observed in it. */
static int64_t business_between(int64_t a, int64_t b)
{
    ed_holiday h[ED_HOLIDAYS_MAX];
    int ya, yb, m, d;
    int64_t count = weekdays_before(b + 1) - weekdays_before(a + 1);
    ed_civil_from_days(a, &ya, &m, &d);
    ed_civil_from_days(b, &yb, &m, &d);
    for (int64_t y = ya; y <= (int64_t)yb + 1; y++) {
        int n = holidays_of(y, h);
        for (int i = 0; i < n; i++) {
            if (h[i].observed > a && h[i].observed <= b)
                count--;
        }
    }
    return count;
}

int64_t ed_business_days_between(int64_t a, int64_t b)
{
    if (!in_business_range(a) || !in_business_range(b))
        return 0;
    return a <= b ? business_between(a, b) : -business_between(b, a);
}

/*
 * Forward: skip whole years while the rest of the current year has fewer
 * business days than still needed, then step day by day inside the last
 * year (at most 366 steps), so the cost is bounded by the range, not n.
 * Backward mirrors it with the business days in [Jan 1, x).
 */
int ed_add_business_days(int64_t day, int64_t n, int64_t *out)
{
    int64_t x = day;
    int y, m, d;
    if (!in_business_range(day))
        return -1;
    if (n == 0) {
        while (x <= ED_BUSINESS_DAY_MAX && !business_day(x))
            x++;
        if (x > ED_BUSINESS_DAY_MAX)
            return -1;
        *out = x;
        return 0;
    }
    if (n > 0) {
        for (;;) {
            if (x >= ED_BUSINESS_DAY_MAX)
                return -1;
            ed_civil_from_days(x + 1, &y, &m, &d);
            int64_t end = ed_days_from_civil(y, 12, 31); /* <= the max */
            int64_t rest = business_between(x, end);    /* (x, end] */
            if (rest >= n)
                break;
            n -= rest;
            x = end;
        }
        while (n > 0) {
            x++;
            n -= business_day(x);
        }
    } else {
        /* n may be INT64_MIN: add to it, never negate it. */
        for (;;) {
            if (x <= ED_BUSINESS_DAY_MIN)
                return -1;
            ed_civil_from_days(x - 1, &y, &m, &d);
            int64_t start = ed_days_from_civil(y, 1, 1);          /* >= the min */
            int64_t rest = business_between(start - 1, x - 1); /* [start, x) */
            if (rest + n >= 0)
                break;
            n += rest;
            x = start;
        }
        while (n < 0) {
            x--;
            n += business_day(x);
        }
    }
    *out = x;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Lua argument helpers                                                */
/* ------------------------------------------------------------------ */

#define ERRLEN 128

/* What parse and valid accept; the default "any" is what every "date"
 * argument accepts. */
enum { ACCEPT_ANY, ACCEPT_TIMESTAMP, ACCEPT_DATE, ACCEPT_COUNT };
static const char *const accept_names[ACCEPT_COUNT + 1] = {"any", "timestamp",
                                                           "date", NULL};

/* Parse s as the given kind. Returns 0, or -1 with the reason in err. */
static int parse_as(const char *s, size_t len, int kind, ed_time *t,
                    char *err, size_t errlen)
{
    if (kind == ACCEPT_DATE && len > 10) {
        /* Check the date part first, so its own faults are named. */
        if (ed_time_parse(s, 10, 1, t, err, errlen) != 0)
            return -1;
        return fail(err, errlen, "trailing characters at offset 10");
    }
    return ed_time_parse(s, len, kind != ACCEPT_TIMESTAMP, t, err, errlen);
}

/* Dates are strings: a number is refused rather than coerced, since
 * 20260302 is not a date in any sense a rule means. */
static const char *check_string(lua_State *L, int arg, size_t *len)
{
    if (lua_type(L, arg) != LUA_TSTRING)
        luaL_typeerror(L, arg, "string");
    return lua_tolstring(L, arg, len);
}

/* A date or timestamp argument; raises "bad argument #arg to 'fn' (why)". */
static void check_time(lua_State *L, int arg, ed_time *t)
{
    char err[ERRLEN];
    size_t len;
    const char *s = check_string(L, arg, &len);
    if (ed_time_parse(s, len, 1, t, err, sizeof err) != 0)
        luaL_argerror(L, arg, err);
}

/* The day number of a date argument's civil date as written. */
static int64_t check_day(lua_State *L, int arg)
{
    ed_time t;
    check_time(L, arg, &t);
    return ed_time_day_number(&t);
}

/* Raise unless day lies in 0001-01-01..9999-12-31; blame argument arg
 * (the count that carried the date out). */
static void check_result_day(lua_State *L, int arg, int64_t day)
{
    if (day > ED_TIME_DAY_MAX)
        luaL_argerror(L, arg, "date out of range (after 9999-12-31)");
    if (day < ED_TIME_DAY_MIN)
        luaL_argerror(L, arg, "date out of range (before 0001-01-01)");
}

static void push_date(lua_State *L, int64_t day)
{
    char buf[11];
    ed_format_date(day, buf);
    lua_pushstring(L, buf);
}

/* Shift a civil date by whole months, clamping the day to the end of the
 * target month (2024-01-31 + 1 month = 2024-02-29). n is bounded first so
 * that y * 12 + n cannot overflow. */
static int64_t add_months(lua_State *L, int arg, int64_t day, lua_Integer n)
{
    int y, m, d;
    const lua_Integer span = (lua_Integer)(ED_TIME_YEAR_MAX + 1) * 12;
    ed_civil_from_days(day, &y, &m, &d);
    if (n > span)
        check_result_day(L, arg, ED_TIME_DAY_MAX + 1);
    if (n < -span)
        check_result_day(L, arg, ED_TIME_DAY_MIN - 1);
    int64_t total = (int64_t)y * 12 + (m - 1) + n;
    int64_t ny = ed_floor_div(total, 12);
    int nm = (int)ed_floor_mod(total, 12) + 1;
    if (ny > ED_TIME_YEAR_MAX)
        check_result_day(L, arg, ED_TIME_DAY_MAX + 1);
    if (ny < ED_TIME_YEAR_MIN)
        check_result_day(L, arg, ED_TIME_DAY_MIN - 1);
    int dim = days_in_month(ny, nm);
    return ed_days_from_civil(ny, nm, d < dim ? d : dim);
}

/* ------------------------------------------------------------------ */
/* Lua functions                                                       */
/* ------------------------------------------------------------------ */

/* parse(s [, "any"|"timestamp"|"date"]) -> {year, month, day, hour, min,
 * sec, nsec, offset, epoch, date}; raises on invalid input. */
static int l_time_parse(lua_State *L)
{
    char err[ERRLEN], buf[11];
    size_t len;
    ed_time t;
    const char *s = check_string(L, 1, &len);
    int kind = luaL_checkoption(L, 2, "any", accept_names);
    if (parse_as(s, len, kind, &t, err, sizeof err) != 0)
        return luaL_argerror(L, 1, err);

    lua_createtable(L, 0, 10);
    lua_pushinteger(L, t.year);
    lua_setfield(L, -2, "year");
    lua_pushinteger(L, t.month);
    lua_setfield(L, -2, "month");
    lua_pushinteger(L, t.day);
    lua_setfield(L, -2, "day");
    lua_pushinteger(L, t.hour);
    lua_setfield(L, -2, "hour");
    lua_pushinteger(L, t.minute);
    lua_setfield(L, -2, "min");
    lua_pushinteger(L, t.second);
    lua_setfield(L, -2, "sec");
    lua_pushinteger(L, t.nanosecond);
    lua_setfield(L, -2, "nsec");
    lua_pushinteger(L, t.offset_minutes);
    lua_setfield(L, -2, "offset");
    lua_pushinteger(L, t.epoch);
    lua_setfield(L, -2, "epoch");
    ed_format_date(ed_time_day_number(&t), buf);
    lua_pushstring(L, buf);
    lua_setfield(L, -2, "date");
    return 1;
}

/* valid(s [, kind]) -> true | false, reason. Event data is data: a missing
 * or non-string field gives false and a reason rather than an error, so
 * `if not time.valid(e.data.x)` works on absent fields. */
static int l_time_valid(lua_State *L)
{
    char err[ERRLEN];
    size_t len;
    ed_time t;
    int kind = luaL_checkoption(L, 2, "any", accept_names);
    if (lua_type(L, 1) != LUA_TSTRING) {
        lua_pushboolean(L, 0);
        lua_pushfstring(L, "string expected, got %s", luaL_typename(L, 1));
        return 2;
    }
    const char *s = lua_tolstring(L, 1, &len);
    if (parse_as(s, len, kind, &t, err, sizeof err) != 0) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* date(s) -> "YYYY-MM-DD", the civil date as written in s's own offset. */
static int l_time_date(lua_State *L)
{
    push_date(L, check_day(L, 1));
    return 1;
}

/* epoch(s) -> integer seconds since 1970-01-01T00:00:00Z. */
static int l_time_epoch(lua_State *L)
{
    ed_time t;
    check_time(L, 1, &t);
    lua_pushinteger(L, t.epoch);
    return 1;
}

/* days_between(a, b) -> civil date of b minus civil date of a. */
static int l_time_days_between(lua_State *L)
{
    int64_t a = check_day(L, 1);
    int64_t b = check_day(L, 2);
    lua_pushinteger(L, b - a);
    return 1;
}

/* seconds_between(a, b) -> epoch(b) - epoch(a); fractions are ignored. */
static int l_time_seconds_between(lua_State *L)
{
    ed_time a, b;
    check_time(L, 1, &a);
    check_time(L, 2, &b);
    lua_pushinteger(L, b.epoch - a.epoch);
    return 1;
}

/* hours_between(a, b) -> seconds_between(a, b) / 3600 as a float, so the
 * two never disagree about the same pair. */
static int l_time_hours_between(lua_State *L)
{
    ed_time a, b;
    check_time(L, 1, &a);
    check_time(L, 2, &b);
    lua_pushnumber(L, (lua_Number)(b.epoch - a.epoch) / 3600.0);
    return 1;
}

/* add_days(d, n) -> "YYYY-MM-DD". */
static int l_time_add_days(lua_State *L)
{
    int64_t day = check_day(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    /* Compare before adding: day + n may overflow for a huge n. */
    if (n > ED_TIME_DAY_MAX - day)
        check_result_day(L, 2, ED_TIME_DAY_MAX + 1);
    if (n < ED_TIME_DAY_MIN - day)
        check_result_day(L, 2, ED_TIME_DAY_MIN - 1);
    push_date(L, day + n);
    return 1;
}

/* add_months(d, n) -> "YYYY-MM-DD", day clamped to the month's end. */
static int l_time_add_months(lua_State *L)
{
    int64_t day = check_day(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    push_date(L, add_months(L, 2, day, n));
    return 1;
}

/* add_years(d, n) -> "YYYY-MM-DD"; 12·n months, so Feb 29 clamps to 28. */
static int l_time_add_years(lua_State *L)
{
    int64_t day = check_day(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    const lua_Integer span = ED_TIME_YEAR_MAX + 1;
    if (n > span)
        check_result_day(L, 2, ED_TIME_DAY_MAX + 1);
    if (n < -span)
        check_result_day(L, 2, ED_TIME_DAY_MIN - 1);
    push_date(L, add_months(L, 2, day, n * 12));
    return 1;
}

/* start_of_month(d) -> first day of d's month. */
static int l_time_start_of_month(lua_State *L)
{
    int y, m, d;
    ed_civil_from_days(check_day(L, 1), &y, &m, &d);
    push_date(L, ed_days_from_civil(y, m, 1));
    return 1;
}

/* end_of_month(d) -> last day of d's month. */
static int l_time_end_of_month(lua_State *L)
{
    int y, m, d;
    ed_civil_from_days(check_day(L, 1), &y, &m, &d);
    push_date(L, ed_days_from_civil(y, m, days_in_month(y, m)));
    return 1;
}

/* weekday(d) -> 1 (Monday) .. 7 (Sunday), ISO 8601. */
static int l_time_weekday(lua_State *L)
{
    lua_pushinteger(L, weekday(check_day(L, 1)));
    return 1;
}

/* ed_is_leap_year(year) -> boolean, proleptic Gregorian for any integer year. */
static int l_time_is_leap(lua_State *L)
{
    lua_Integer y = luaL_checkinteger(L, 1);
    lua_pushboolean(L, ed_is_leap_year(y));
    return 1;
}

/* compare(a, b) -> -1, 0 or 1 comparing the instants (epoch, then
 * nanoseconds); a plain date is its midnight UTC. */
static int l_time_compare(lua_State *L)
{
    ed_time a, b;
    int c;
    check_time(L, 1, &a);
    check_time(L, 2, &b);
    if (a.epoch != b.epoch)
        c = a.epoch < b.epoch ? -1 : 1;
    else
        c = (a.nanosecond > b.nanosecond) - (a.nanosecond < b.nanosecond);
    lua_pushinteger(L, c);
    return 1;
}

/* format_date(y, m, d) -> "YYYY-MM-DD"; the faulty argument is named. */
static int l_time_format_date(lua_State *L)
{
    char err[ERRLEN];
    lua_Integer y = luaL_checkinteger(L, 1);
    lua_Integer m = luaL_checkinteger(L, 2);
    lua_Integer d = luaL_checkinteger(L, 3);
    int bad = check_civil(y, m, d, err, sizeof err);
    if (bad != 0)
        return luaL_argerror(L, bad, err);
    push_date(L, ed_days_from_civil(y, (int)m, (int)d));
    return 1;
}

/* ---- Federal holidays and business days ---------------------------- */

/* A date argument of the business-day functions: its civil date as
 * written, which must lie in 1900-01-01..2200-12-31. */
static void check_business_range(lua_State *L, int arg, int64_t day)
{
    char err[ERRLEN];
    int y, m, d;
    if (ed_is_business_day(day) < 0) {
        ed_civil_from_days(day, &y, &m, &d);
        snprintf(err, sizeof err,
                 "year %04d is out of range for federal holidays (%d..%d)", y,
                 ED_HOLIDAY_YEAR_MIN, ED_HOLIDAY_YEAR_MAX);
        luaL_argerror(L, arg, err);
    }
}

static int64_t check_business_day(lua_State *L, int arg)
{
    int64_t day = check_day(L, arg);
    check_business_range(L, arg, day);
    return day;
}

/* Raise for a business-day result outside the range; blame argument arg
 * (the count), naming the end it passed. */
static void business_result_error(lua_State *L, int arg, lua_Integer n)
{
    luaL_argerror(L, arg, n >= 0 ? "date out of range (after 2200-12-31)"
                                 : "date out of range (before 1900-01-01)");
}

/* holidays(year) -> { {date=, observed=, name=}, ... } in date order. */
static int l_time_holidays(lua_State *L)
{
    ed_holiday h[ED_HOLIDAYS_MAX];
    char err[ERRLEN];
    lua_Integer y = luaL_checkinteger(L, 1);
    if (y < ED_HOLIDAY_YEAR_MIN || y > ED_HOLIDAY_YEAR_MAX) {
        snprintf(err, sizeof err,
                 "year %lld is out of range for federal holidays (%d..%d)",
                 (long long)y, ED_HOLIDAY_YEAR_MIN, ED_HOLIDAY_YEAR_MAX);
        return luaL_argerror(L, 1, err);
    }
    int n = ed_us_holidays((int)y, h);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_createtable(L, 0, 3);
        push_date(L, h[i].date);
        lua_setfield(L, -2, "date");
        push_date(L, h[i].observed);
        lua_setfield(L, -2, "observed");
        lua_pushstring(L, h[i].name);
        lua_setfield(L, -2, "name");
        lua_rawseti(L, -2, i + 1); /* list[i + 1] = entry */
    }
    return 1;
}

/* is_holiday(d) -> true, name | false. Observed days only: a Saturday
 * July 4 is false, the Friday before is true. */
static int l_time_is_holiday(lua_State *L)
{
    const char *name = ed_us_holiday_on(check_business_day(L, 1));
    lua_pushboolean(L, name != NULL);
    if (name == NULL)
        return 1;
    lua_pushstring(L, name);
    return 2;
}

/* is_business_day(d) -> Monday..Friday and no federal holiday observed. */
static int l_time_is_business_day(lua_State *L)
{
    lua_pushboolean(L, ed_is_business_day(check_business_day(L, 1)) == 1);
    return 1;
}

/* Business-day arithmetic walks the years it spans (holidays computed
 * for each, about 100 ns a year): charge that, as rules' loops are. */
#define STEPS_PER_YEAR 16

static void charge_span(lua_State *L, int64_t a, int64_t b)
{
    int64_t days = a <= b ? b - a : a - b;
    ed_budget_charge(L, (days / 365 + 1) * STEPS_PER_YEAR);
}

/* add_business_days(d, n) -> "YYYY-MM-DD", always a business day: the
 * n-th business day after d (before d for n < 0); for n = 0, d itself
 * when it is a business day, else the next one. */
static int l_time_add_business_days(lua_State *L)
{
    int64_t day = check_business_day(L, 1), out;
    lua_Integer n = luaL_checkinteger(L, 2);
    if (ed_add_business_days(day, n, &out) != 0)
        business_result_error(L, 2, n);
    charge_span(L, day, out);
    push_date(L, out);
    return 1;
}

/* business_days_between(a, b) -> business days after a up to and
 * including b; negative (the same count, negated) when b is before a. */
static int l_time_business_days_between(lua_State *L)
{
    int64_t a = check_business_day(L, 1);
    int64_t b = check_business_day(L, 2);
    charge_span(L, a, b);
    lua_pushinteger(L, ed_business_days_between(a, b));
    return 1;
}

/* ---- IANA time zones ------------------------------------------------ */

#define TZ_ERRLEN 256

/* An instant argument: an RFC 3339 string (a plain date is its midnight
 * UTC) or an integer count of seconds since 1970-01-01T00:00:00Z. Sets
 * *nsec to the string's fraction (0 for integers). */
static int64_t check_instant(lua_State *L, int arg, int32_t *nsec)
{
    int64_t epoch;
    *nsec = 0;
    if (lua_type(L, arg) == LUA_TNUMBER) {
        epoch = luaL_checkinteger(L, arg);
    } else {
        ed_time t;
        check_time(L, arg, &t);
        epoch = t.epoch;
        *nsec = t.nanosecond;
    }
    if (epoch < ED_TIME_DAY_MIN * SECS_PER_DAY ||
        epoch >= (ED_TIME_DAY_MAX + 1) * SECS_PER_DAY)
        luaL_argerror(L, arg, "instant out of range (0001-01-01 .. 9999-12-31 UTC)");
    return epoch;
}

/* The zone argument's local time type at epoch; raises "unknown time zone
 * 'X'", "invalid time zone name 'X'", ... on argument arg. */
static void check_zone(lua_State *L, int arg, int64_t epoch, ed_tz_info *info)
{
    char err[TZ_ERRLEN];
    size_t len;
    const char *zone = check_string(L, arg, &len);
    if (ed_tz_lookup_len(zone, len, epoch, info, err, sizeof err) != ED_TZ_OK)
        luaL_argerror(L, arg, err);
}

/* Local wall-clock seconds of an instant at a UTC offset, range-checked
 * (blaming the instant, argument 1) so its date is 0001..9999. */
static int64_t local_seconds(lua_State *L, int64_t epoch, int offset)
{
    int64_t local = epoch + offset;
    check_result_day(L, 1, ed_floor_div(local, SECS_PER_DAY));
    return local;
}

/* local_date(ts, zone) -> "YYYY-MM-DD", the civil date of the instant ts
 * on the zone's wall clock. */
static int l_time_local_date(lua_State *L)
{
    ed_tz_info info;
    int32_t nsec;
    int64_t epoch = check_instant(L, 1, &nsec);
    check_zone(L, 2, epoch, &info);
    push_date(L, ed_floor_div(local_seconds(L, epoch, info.offset_seconds), SECS_PER_DAY));
    return 1;
}

/* local_time(ts, zone) -> {year, month, day, hour, min, sec, offset, date,
 * dst}: the zone's wall clock at ts; offset in minutes east of UTC
 * (truncated for the few pre-1972 offsets with seconds, as in to_zone),
 * dst true in daylight saving time. */
static int l_time_local_time(lua_State *L)
{
    ed_tz_info info;
    int32_t nsec;
    int y, m, d;
    int64_t epoch = check_instant(L, 1, &nsec);
    check_zone(L, 2, epoch, &info);
    int64_t local = local_seconds(L, epoch, info.offset_seconds);
    int64_t day = ed_floor_div(local, SECS_PER_DAY);
    int64_t sod = ed_floor_mod(local, SECS_PER_DAY);
    ed_civil_from_days(day, &y, &m, &d);

    lua_createtable(L, 0, 9);
    lua_pushinteger(L, y);
    lua_setfield(L, -2, "year");
    lua_pushinteger(L, m);
    lua_setfield(L, -2, "month");
    lua_pushinteger(L, d);
    lua_setfield(L, -2, "day");
    lua_pushinteger(L, sod / 3600);
    lua_setfield(L, -2, "hour");
    lua_pushinteger(L, sod / 60 % 60);
    lua_setfield(L, -2, "min");
    lua_pushinteger(L, sod % 60);
    lua_setfield(L, -2, "sec");
    lua_pushinteger(L, info.offset_seconds / 60);
    lua_setfield(L, -2, "offset");
    push_date(L, day);
    lua_setfield(L, -2, "date");
    lua_pushboolean(L, info.isdst);
    lua_setfield(L, -2, "dst");
    return 1;
}

/* Push the RFC 3339 text of the wall clock `local` (seconds since
 * 1970-01-01T00:00:00 on that clock) at UTC offset off_min (minutes east),
 * with fraction nsec (trailing zeros dropped). `zero` is how a zero offset
 * is written: 'Z' for "Z", '+' for "+00:00", '-' for "-00:00". The caller
 * has range-checked local's date. */
static void push_rfc3339(lua_State *L, int64_t local, int32_t nsec,
                         int off_min, char zero)
{
    int y, m, d;
    char frac[11] = "", off[8], buf[48];
    int64_t day = ed_floor_div(local, SECS_PER_DAY);
    int64_t sod = ed_floor_mod(local, SECS_PER_DAY);
    ed_civil_from_days(day, &y, &m, &d);
    if (nsec != 0) {
        int digits = 9;
        int32_t f = nsec;
        while (f % 10 == 0) {
            f /= 10;
            digits--;
        }
        snprintf(frac, sizeof frac, ".%0*d", digits, (int)f);
    }
    if (off_min == 0 && zero == 'Z') {
        memcpy(off, "Z", 2);
    } else {
        int a = off_min < 0 ? -off_min : off_min;
        char sign = off_min < 0 ? '-' : off_min > 0 ? '+' : zero;
        snprintf(off, sizeof off, "%c%02d:%02d", sign, a / 60 % 100, a % 60);
    }
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, m, d,
             (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), frac,
             off);
    lua_pushstring(L, buf);
}

/* local_day(d, zone) -> "YYYY-MM-DD", the local date a rule compares: a
 * plain date is that day as written (it already is a local date, and no
 * instant); a timestamp is the date on the zone's clock at its instant,
 * whatever offset it was written in. So "2024-01-01T07:30:00Z" and
 * "2023-12-31T23:30:00-08:00" are both 2023-12-31 in America/Los_Angeles,
 * and "2023-12-31" is 2023-12-31 in every zone. */
static int l_time_local_day(lua_State *L)
{
    ed_time t;
    ed_tz_info info;
    check_time(L, 1, &t);
    check_zone(L, 2, t.epoch, &info);
    if (!t.has_time) {
        push_date(L, ed_time_day_number(&t));
        return 1;
    }
    push_date(L, ed_floor_div(local_seconds(L, t.epoch, info.offset_seconds),
                              SECS_PER_DAY));
    return 1;
}

/* from_local(wall, zone) -> the RFC 3339 instant at which the zone's wall
 * clock reads `wall` ("YYYY-MM-DDTHH:MM:SS" without an offset, or a plain
 * date for its midnight), written in the zone's offset then. A wall time
 * that occurs twice (the hour repeated when clocks go back) is its first
 * occurrence; one that never occurs (the hour skipped when clocks go
 * forward) is read on the clock before the change, so 02:30 on the
 * spring-forward day in America/Los_Angeles is 03:30 PDT. */
static int l_time_from_local(lua_State *L)
{
    char err[TZ_ERRLEN], buf[24];
    size_t len, zlen;
    ed_time t;
    ed_tz_info before, after, check;
    const char *s = check_string(L, 1, &len);
    const char *zone = check_string(L, 2, &zlen);
    if (len != 10 && len != 19)
        return luaL_argerror(L, 1, "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS without an offset");
    memcpy(buf, s, len);
    buf[len] = 'Z';
    if (ed_time_parse(buf, len == 10 ? 10 : 20, 1, &t, err, sizeof err) != 0)
        return luaL_argerror(L, 1, err);
    int64_t wall = t.epoch; /* the wall clock's seconds, as if it were UTC */
    /* The offsets a day either side: at most one change lies between in
     * any real zone, so the wall time is at one of them (or in a gap). */
    if (ed_tz_lookup_len(zone, zlen, wall - SECS_PER_DAY, &before, err, sizeof err) != ED_TZ_OK ||
        ed_tz_lookup_len(zone, zlen, wall + SECS_PER_DAY, &after, err, sizeof err) != ED_TZ_OK)
        return luaL_argerror(L, 2, err);
    int64_t a = wall - before.offset_seconds, b = wall - after.offset_seconds;
    int64_t epoch = a; /* a gap: read on the clock before the change */
    if (ed_tz_lookup_len(zone, zlen, a, &check, err, sizeof err) != ED_TZ_OK)
        return luaL_argerror(L, 2, err);
    int a_ok = check.offset_seconds == before.offset_seconds;
    if (ed_tz_lookup_len(zone, zlen, b, &check, err, sizeof err) != ED_TZ_OK)
        return luaL_argerror(L, 2, err);
    int b_ok = check.offset_seconds == after.offset_seconds;
    if (a_ok && b_ok)
        epoch = a < b ? a : b;
    else if (b_ok)
        epoch = b;
    if (ed_tz_lookup_len(zone, zlen, epoch, &check, err, sizeof err) != ED_TZ_OK)
        return luaL_argerror(L, 2, err);
    int off_min = check.offset_seconds / 60;
    push_rfc3339(L, local_seconds(L, epoch, off_min * 60), 0, off_min, '+');
    return 1;
}

/* to_zone(ts, zone) -> RFC 3339 string of the same instant at the zone's
 * offset, e.g. "2026-03-08T01:59:59-08:00"; "+00:00" for a zero offset,
 * the fraction of ts kept (trailing zeros dropped). RFC 3339 offsets
 * have no seconds, so an offset such as LMT -4:56:02 is truncated to
 * whole minutes (-04:56) and the wall clock shifted to match: the string
 * always denotes exactly the instant ts. */
static int l_time_to_zone(lua_State *L)
{
    ed_tz_info info;
    int32_t nsec;
    int64_t epoch = check_instant(L, 1, &nsec);
    check_zone(L, 2, epoch, &info);
    int off_min = info.offset_seconds / 60;
    push_rfc3339(L, local_seconds(L, epoch, off_min * 60), nsec, off_min, '+');
    return 1;
}

/* add_seconds(ts, n [, zone]) -> the RFC 3339 instant n seconds after the
 * timestamp ts (before it for n < 0), fraction kept. Instant arithmetic:
 * a DST change in between moves the wall clock, never the instant.
 *
 * Written in ts's own offset as ts writes it ("Z" stays "Z", "-00:00"
 * stays "-00:00"), or, when zone is given, in that zone's offset at the
 * result (truncated to whole minutes, as in to_zone). ts must be a full
 * timestamp: a plain date has no offset of its own. A result whose date
 * on its clock falls outside 0001-01-01..9999-12-31 blames n. */
static int l_time_add_seconds(lua_State *L)
{
    char err[ERRLEN];
    size_t len;
    ed_time t;
    const char *s = check_string(L, 1, &len);
    if (ed_time_parse(s, len, 0, &t, err, sizeof err) != 0)
        return luaL_argerror(L, 1, err);
    lua_Integer n = luaL_checkinteger(L, 2);
    /* Bound n before adding (t.epoch + n must not overflow): any n past
     * the whole span of years lands outside the range anyway. */
    const int64_t span = (ED_TIME_DAY_MAX - ED_TIME_DAY_MIN + 2) * SECS_PER_DAY;
    if (n > span)
        check_result_day(L, 2, ED_TIME_DAY_MAX + 1);
    if (n < -span)
        check_result_day(L, 2, ED_TIME_DAY_MIN - 1);
    int64_t epoch = t.epoch + n;
    int off_min = t.offset_minutes;
    char zero = s[len - 1] == 'Z' || s[len - 1] == 'z' ? 'Z' : s[len - 6];
    if (!lua_isnoneornil(L, 3)) {
        ed_tz_info info;
        /* The zone is asked about the result, so keep that in range. */
        check_result_day(L, 2, ed_floor_div(epoch, SECS_PER_DAY));
        check_zone(L, 3, epoch, &info);
        off_min = info.offset_seconds / 60;
        zero = '+';
    }
    int64_t local = epoch + (int64_t)off_min * 60;
    check_result_day(L, 2, ed_floor_div(local, SECS_PER_DAY));
    push_rfc3339(L, local, t.nanosecond, off_min, zero);
    return 1;
}

/* business_deadline(d, n [, zone]) -> "YYYY-MM-DD".
 *
 * Reading of "by the close of the n-th business day after" (49 CFR
 * 382.705(b): employers report "by the close of the third business day
 * following the date on which they obtained that information"): the day
 * of learning does not count, whatever its hour; the deadline is the
 * whole n-th business day strictly after it, i.e. add_business_days with
 * n >= 1. The day of learning is d's civil date as written or, when zone
 * is given and d is a timestamp, its civil date on that zone's clock (an
 * event at 2026-07-03T02:00:00Z is July 2 in America/Chicago). A plain
 * date is already a civil date and is taken as is. Example: learned
 * Thursday 2026-07-02, n = 3: July 3 is the observed Independence Day
 * (July 4 is a Saturday), so July 6, 7, 8 count: 2026-07-08. */
static int l_time_business_deadline(lua_State *L)
{
    ed_time t;
    int64_t day, out;
    check_time(L, 1, &t);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1, 2, "business day count must be at least 1");
    day = ed_time_day_number(&t);
    if (!lua_isnoneornil(L, 3)) {
        ed_tz_info info;
        check_zone(L, 3, t.epoch, &info);
        if (t.has_time)
            day = ed_floor_div(local_seconds(L, t.epoch, info.offset_seconds),
                            SECS_PER_DAY);
    }
    check_business_range(L, 1, day);
    if (ed_add_business_days(day, n, &out) != 0)
        business_result_error(L, 2, n);
    charge_span(L, day, out);
    push_date(L, out);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

static const luaL_Reg time_funcs[] = {
    {"parse", l_time_parse},
    {"valid", l_time_valid},
    {"date", l_time_date},
    {"epoch", l_time_epoch},
    {"days_between", l_time_days_between},
    {"seconds_between", l_time_seconds_between},
    {"hours_between", l_time_hours_between},
    {"add_days", l_time_add_days},
    {"add_months", l_time_add_months},
    {"add_years", l_time_add_years},
    {"start_of_month", l_time_start_of_month},
    {"end_of_month", l_time_end_of_month},
    {"weekday", l_time_weekday},
    {"is_leap", l_time_is_leap},
    {"compare", l_time_compare},
    {"format_date", l_time_format_date},
    {"holidays", l_time_holidays},
    {"is_holiday", l_time_is_holiday},
    {"is_business_day", l_time_is_business_day},
    {"add_business_days", l_time_add_business_days},
    {"business_days_between", l_time_business_days_between},
    {"business_deadline", l_time_business_deadline},
    {"local_date", l_time_local_date},
    {"local_time", l_time_local_time},
    {"local_day", l_time_local_day},
    {"from_local", l_time_from_local},
    {"to_zone", l_time_to_zone},
    {"add_seconds", l_time_add_seconds},
    {NULL, NULL},
};

int luaopen_edict_time(lua_State *L)
{
    luaL_newlib(L, time_funcs);
    return 1;
}
