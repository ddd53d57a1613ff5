/*
 * time.h — civil time for rules and the host: RFC 3339 parsing and civil
 * date arithmetic (proleptic Gregorian, no wall clock). Exposed to rules as
 * the Lua module `edict.time`.
 */
#ifndef EDICT_TIME_H
#define EDICT_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>

/* The dates edict.time accepts and produces: 0001-01-01 .. 9999-12-31,
 * as years and as day numbers (days since 1970-01-01). */
#define ED_TIME_YEAR_MIN 1
#define ED_TIME_YEAR_MAX 9999
#define ED_TIME_DAY_MIN ((int64_t)-719162) /* 0001-01-01 */
#define ED_TIME_DAY_MAX ((int64_t)2932896) /* 9999-12-31 */

/* A parsed RFC 3339 timestamp or full date. Fields are as written: the
 * civil date and time in the timestamp's own offset. */
typedef struct ed_time {
    int year, month, day;   /* civil date as written */
    int hour, minute, second;
    int32_t nanosecond;
    int offset_minutes;     /* east of UTC; 0 for 'Z' and for plain dates */
    int has_time;           /* 0 for "YYYY-MM-DD" */
    int64_t epoch;          /* seconds since 1970-01-01T00:00:00Z */
} ed_time;

/* Parse "YYYY-MM-DD" (when allow_date) or a full RFC 3339 timestamp.
 * Returns 0 on success; on failure returns -1 and writes a message that
 * names what is wrong (e.g. "day 30 is out of range for 2026-02") to err.
 * Strict: fixed-width fields, years 0001-9999, 'T', 't' or ' ' between date
 * and time, 'Z', 'z' or ±HH:MM (up to ±23:59). A leap second (:60) is
 * rejected: epoch seconds cannot represent it. Fraction digits past the
 * ninth are truncated. err may be NULL; out is written only on success. */
int ed_time_parse(const char *s, size_t len, int allow_date, ed_time *out,
                  char *err, size_t errlen);

/* Floor division and modulo for b > 0 (C's / and % truncate toward zero),
 * and the Gregorian leap-year rule: shared by the civil and zone code. */
int64_t ed_floor_div(int64_t a, int64_t b);
int64_t ed_floor_mod(int64_t a, int64_t b);
int ed_is_leap_year(int64_t y);

/* Days since 1970-01-01 of a civil date, and back. Never overflow for any
 * argument. days_from_civil is exact for |y| <= 1e15 (a month outside
 * 1..12 or a day past the month's end carries over); civil_from_days is
 * exact while the year fits in an int, else the year saturates. */
int64_t ed_days_from_civil(int64_t y, int m, int d);
void ed_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Days since 1970-01-01 of a timestamp's civil date as written. */
int64_t ed_time_day_number(const ed_time *t);

/* Format a day number as "YYYY-MM-DD" into buf (at least 11 bytes).
 * Outside ED_TIME_DAY_MIN..ED_TIME_DAY_MAX it writes "0000-00-00", which
 * (month 00) is never a date. */
void ed_format_date(int64_t days, char *buf);

/* ---- US federal holidays and business days ------------------------- */

/* Years with a federal holiday calendar, and the day numbers of the days
 * business-day arithmetic accepts and produces (1900-01-01..2200-12-31). */
#define ED_HOLIDAY_YEAR_MIN 1900
#define ED_HOLIDAY_YEAR_MAX 2200
#define ED_BUSINESS_DAY_MIN ((int64_t)-25567) /* 1900-01-01 */
#define ED_BUSINESS_DAY_MAX ((int64_t)84370)  /* 2200-12-31 */
#define ED_HOLIDAYS_MAX 11                    /* holidays in one year */

/* One legal public holiday (5 U.S.C. 6103(a)) of a year. */
typedef struct ed_holiday {
    int64_t date;     /* the day the statute names (day number) */
    int64_t observed; /* the day off (6103(b), E.O. 11582): Saturday ->
                       * Friday before, Sunday -> Monday after; may be in
                       * the previous year (New Year's Day on a Saturday) */
    const char *name; /* static, e.g. "Independence Day" */
} ed_holiday;

/**
 * The federal holidays of `year`, in date order, into out (room for
 * ED_HOLIDAYS_MAX). Returns their number, or -1 when year is outside
 * ED_HOLIDAY_YEAR_MIN..ED_HOLIDAY_YEAR_MAX.
 */
int ed_us_holidays(int year, ed_holiday *out);

/**
 * Name of the federal holiday observed on `day`, or NULL (also outside
 * ED_BUSINESS_DAY_MIN..ED_BUSINESS_DAY_MAX). Only observed days count:
 * a Saturday July 4 gives NULL, the Friday before gives the name.
 */
const char *ed_us_holiday_on(int64_t day);

/**
 * 1 when `day` is Monday..Friday and no federal holiday is observed on it,
 * 0 when not, -1 outside ED_BUSINESS_DAY_MIN..ED_BUSINESS_DAY_MAX.
 */
int ed_is_business_day(int64_t day);

/**
 * Business-day arithmetic. *out is always a business day:
 *   n > 0: the n-th business day strictly after day;
 *   n < 0: the |n|-th business day strictly before day;
 *   n = 0: day itself when it is a business day, else the next one.
 * Returns 0, or -1 when day or the result is outside the business range
 * (*out untouched).
 */
int ed_add_business_days(int64_t day, int64_t n, int64_t *out);

/**
 * Business days after a up to and including b; for b < a, minus the
 * business days after b up to and including a. Both days must be in the
 * business range (else 0 is returned; check first).
 */
int64_t ed_business_days_between(int64_t a, int64_t b);

/* Lua module entry point: require "edict.time". */
int luaopen_edict_time(lua_State *L);

#endif
