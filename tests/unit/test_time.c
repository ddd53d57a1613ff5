/*
 * test_time.c — unit tests of stdlib/time.c: the RFC 3339 parser with the
 * exact text of every rejection, the civil arithmetic against glibc's
 * timegm()/gmtime_r() as an independent oracle, US federal holidays
 * against a table written from the statute, business-day arithmetic
 * against naive day-by-day loops, and the Lua module edict.time driven
 * through a real lua_State. Time zones are in test_tz.c.
 */
#define _DEFAULT_SOURCE /* timegm() */

#include "check.h"
#include "stdlib/time.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* CHECK_STR on a char array trips -Waddress (an array is never NULL);
 * going through a pointer keeps the harness's NULL test meaningful. */
static const char *text(const char *p)
{
    return p;
}

/* Parse a NUL-terminated string; the reason (or "") lands in err. */
static int parse(const char *s, int allow_date, ed_time *t, char *err,
                 size_t errlen)
{
    err[0] = '\0';
    return ed_time_parse(s, strlen(s), allow_date, t, err, errlen);
}

static lua_State *new_state(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL)
        return NULL;
    luaL_openlibs(L);
    luaL_requiref(L, "edict.time", luaopen_edict_time, 0);
    lua_pop(L, 1);
    return L;
}

/* Evaluate the Lua expression list `expr` with `time` bound to the module,
 * as if it were line 1 of rules/t.lua. Returns its results as strings
 * joined by ",", or the error message. The chunk name gives errors the
 * same file:line prefix a rule file would. */
static const char *eval(lua_State *L, const char *expr)
{
    static char out[1024];
    char code[1024];
    int base = lua_gettop(L);
    snprintf(code, sizeof code, "local time = require 'edict.time'; return %s",
             expr);
    out[0] = '\0';
    if (luaL_loadbuffer(L, code, strlen(code), "@rules/t.lua") != LUA_OK ||
        lua_pcall(L, 0, LUA_MULTRET, 0) != LUA_OK) {
        snprintf(out, sizeof out, "%s", lua_tostring(L, -1));
        lua_settop(L, base);
        return out;
    }
    for (int i = base + 1; i <= lua_gettop(L); i++) {
        size_t used = strlen(out);
        const char *v = luaL_tolstring(L, i, NULL);
        snprintf(out + used, sizeof out - used, "%s%s", i > base + 1 ? "," : "", v);
        lua_pop(L, 1);
    }
    lua_settop(L, base);
    return out;
}

/* Deterministic generator (splitmix64), so a failure reproduces. */
static uint64_t rng_state = 0x5eed2026ULL;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int64_t rng_range(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

TEST(parse_valid)
{
    static const struct {
        const char *s;
        int64_t epoch;
        int32_t ns;
        int offset;
        int y, m, d, hh, mi, ss;
    } cases[] = {
        {"2026-03-02T10:00:00Z", 1772445600, 0, 0, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02t10:00:00z", 1772445600, 0, 0, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02 10:00:00Z", 1772445600, 0, 0, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02T10:00:00-00:00", 1772445600, 0, 0, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02T10:00:00+00:00", 1772445600, 0, 0, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02T10:00:00-08:00", 1772474400, 0, -480, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02T10:00:00+23:59", 1772445600 - 86340, 0, 1439, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02T10:00:00-23:59", 1772445600 + 86340, 0, -1439, 2026, 3, 2, 10, 0, 0},
        {"2000-02-29T12:30:45.5+05:30", 951807645, 500000000, 330, 2000, 2, 29, 12, 30, 45},
        {"2026-03-02T10:00:00.123456789123Z", 1772445600, 123456789, 0, 2026, 3, 2, 10, 0, 0},
        {"2026-03-02T10:00:00.000000001Z", 1772445600, 1, 0, 2026, 3, 2, 10, 0, 0},
        {"1969-12-31T23:59:59Z", -1, 0, 0, 1969, 12, 31, 23, 59, 59},
        {"0001-01-01T00:00:00Z", -62135596800, 0, 0, 1, 1, 1, 0, 0, 0},
        {"9999-12-31T23:59:59Z", 253402300799, 0, 0, 9999, 12, 31, 23, 59, 59},
        {"2024-02-29", 1709164800, 0, 0, 2024, 2, 29, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[128];
        ed_time t;
        int rc = parse(cases[i].s, 1, &t, err, sizeof err);
        CHECK(rc == 0, "%s: rejected: %s", cases[i].s, err);
        CHECK(t.epoch == cases[i].epoch, "%s: epoch %lld, want %lld", cases[i].s,
              (long long)t.epoch, (long long)cases[i].epoch);
        CHECK(t.nanosecond == cases[i].ns, "%s: ns %d", cases[i].s, (int)t.nanosecond);
        CHECK(t.offset_minutes == cases[i].offset, "%s: offset %d", cases[i].s,
              t.offset_minutes);
        CHECK(t.year == cases[i].y && t.month == cases[i].m && t.day == cases[i].d,
              "%s: date %d-%d-%d", cases[i].s, t.year, t.month, t.day);
        CHECK(t.hour == cases[i].hh && t.minute == cases[i].mi &&
                  t.second == cases[i].ss,
              "%s: time %d:%d:%d", cases[i].s, t.hour, t.minute, t.second);
        CHECK(t.has_time == (strlen(cases[i].s) > 10), "%s: has_time", cases[i].s);
    }
    PASS();
}

TEST(parse_errors)
{
    static const struct {
        const char *s;
        int allow_date;
        const char *why;
    } cases[] = {
        /* shape and lengths */
        {"", 1, "empty string"},
        {"26-03-02", 1, "expected a 4-digit year at offset 0"},
        {"20260-03-02", 1, "expected a 4-digit year at offset 0"},
        {" 2026-03-02", 1, "expected a 4-digit year at offset 0"},
        {"2026/03/02", 1, "expected '-' at offset 4"},
        {"2026-3-02", 1, "expected a 2-digit month at offset 5"},
        {"2026-03_02", 1, "expected '-' at offset 7"},
        {"2026-03-2", 1, "expected a 2-digit day at offset 8"},
        {"2026-03-002", 1, "expected a 2-digit day at offset 8"},
        {"2026-03-02", 0, "expected 'T' or a space at offset 10"},
        {"2026-03-02X10:00:00Z", 1, "expected 'T' or a space at offset 10"},
        {"2026-03-02Z", 1, "expected 'T' or a space at offset 10"},
        {"2026-03-02 ", 1, "expected a 2-digit hour at offset 11"},
        {"2026-03-02T1:00:00Z", 0, "expected a 2-digit hour at offset 11"},
        {"2026-03-02T10-00:00Z", 0, "expected ':' at offset 13"},
        {"2026-03-02T10:0:00Z", 0, "expected a 2-digit minute at offset 14"},
        {"2026-03-02T10:00Z", 0, "expected ':' at offset 16"},
        {"2026-03-02T10:00:0Z", 0, "expected a 2-digit second at offset 17"},
        {"2026-03-02T10:00:00", 0, "expected 'Z', '+' or '-' at offset 19"},
        {"2026-03-02T10:00:00 Z", 0, "expected 'Z', '+' or '-' at offset 19"},
        {"2026-03-02T10:00:00,5Z", 0, "expected 'Z', '+' or '-' at offset 19"},
        {"2026-03-02T10:00:00.Z", 0, "expected a digit at offset 20"},
        {"2026-03-02T10:00:00.5", 0, "expected 'Z', '+' or '-' at offset 21"},
        {"2026-03-02T10:00:00+5:00", 0, "expected a 2-digit offset hour at offset 20"},
        {"2026-03-02T10:00:00+0500", 0, "expected ':' at offset 22"},
        {"2026-03-02T10:00:00+05:0", 0, "expected a 2-digit offset minute at offset 23"},
        {"2026-03-02T10:00:00Zjunk", 0, "trailing characters at offset 20"},
        {"2026-03-02T10:00:00Z ", 0, "trailing characters at offset 20"},
        {"2026-03-02T10:00:00+01:00:00", 0, "trailing characters at offset 25"},
        /* ranges */
        {"0000-01-01", 1, "year 0000 is out of range"},
        {"2026-13-01", 1, "month 13 is out of range"},
        {"2026-00-01", 1, "month 0 is out of range"},
        {"2026-01-00", 1, "day 0 is out of range for 2026-01"},
        {"2026-01-32", 1, "day 32 is out of range for 2026-01"},
        {"2026-02-30", 1, "day 30 is out of range for 2026-02"},
        {"2026-02-29", 1, "day 29 is out of range for 2026-02"},
        {"2026-04-31T10:00:00Z", 0, "day 31 is out of range for 2026-04"},
        {"2026-06-31", 1, "day 31 is out of range for 2026-06"},
        {"2026-09-31", 1, "day 31 is out of range for 2026-09"},
        {"2026-11-31", 1, "day 31 is out of range for 2026-11"},
        {"2026-03-02T24:00:00Z", 0, "hour 24 is out of range"},
        {"2026-03-02T10:60:00Z", 0, "minute 60 is out of range"},
        {"2016-12-31T23:59:60Z", 0,
         "second 60 is out of range (leap seconds are not supported)"},
        {"2026-03-02T10:00:61Z", 0, "second 61 is out of range"},
        {"2026-03-02T10:00:00+24:00", 0, "offset hour 24 is out of range"},
        {"2026-03-02T10:00:00-99:00", 0, "offset hour 99 is out of range"},
        {"2026-03-02T10:00:00+05:60", 0, "offset minute 60 is out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[128];
        ed_time t;
        int rc = parse(cases[i].s, cases[i].allow_date, &t, err, sizeof err);
        CHECK(rc == -1, "\"%s\" was accepted", cases[i].s);
        CHECK(strcmp(err, cases[i].why) == 0, "\"%s\": expected \"%s\", got \"%s\"",
              cases[i].s, cases[i].why, err);
    }
    PASS();
}

TEST(parse_edge_inputs)
{
    char err[8];
    ed_time t;
    /* The length is authoritative: an embedded NUL is trailing garbage. */
    static const char nul[] = "2026-03-02T10:00:00Z\0x";
    char big[64];
    CHECK(ed_time_parse(nul, sizeof nul - 1, 0, &t, big, sizeof big) == -1,
          "embedded NUL accepted");
    CHECK_STR(text(big), "trailing characters at offset 20");
    /* A short prefix of a valid string is judged by its length only. */
    CHECK(ed_time_parse("2026-03-02T10:00:00Z", 10, 1, &t, NULL, 0) == 0,
          "prefix of 10 rejected");
    CHECK(t.has_time == 0 && t.epoch == 1772409600, "prefix parsed wrongly");
    /* NULL or small error buffers are allowed; the message is truncated. */
    CHECK(ed_time_parse(NULL, 0, 1, &t, NULL, 0) == -1, "NULL accepted");
    CHECK(ed_time_parse("2026-02-30", 10, 1, &t, err, sizeof err) == -1, "accepted");
    CHECK_STR(text(err), "day 30 ");
    /* out is untouched on failure. */
    t.year = 77;
    CHECK(ed_time_parse("2026-02-30", 10, 1, &t, NULL, 0) == -1, "accepted");
    CHECK(t.year == 77, "out written on failure");
    PASS();
}

TEST(leap_days)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"2024-02-29", 1}, {"2000-02-29", 1}, {"1600-02-29", 1}, {"0004-02-29", 1},
        {"2023-02-29", 0}, {"2100-02-29", 0}, {"1900-02-29", 0}, {"2024-02-30", 0},
        {"2024-02-29T23:59:59+24:00", 0}, /* the offset is wrong, not the day */
        {"2024-02-29T23:59:59+13:00", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[128];
        ed_time t;
        int rc = parse(cases[i].s, 1, &t, err, sizeof err);
        CHECK((rc == 0) == cases[i].ok, "%s: rc %d (%s)", cases[i].s, rc, err);
    }
    PASS();
}

TEST(offsets_keep_date_as_written)
{
    char err[128], buf[11];
    ed_time t;
    CHECK(parse("2026-03-02T10:00:00-08:00", 0, &t, err, sizeof err) == 0, "%s", err);
    CHECK(t.epoch == 1772474400, "epoch %lld", (long long)t.epoch);
    ed_format_date(ed_time_day_number(&t), buf);
    CHECK_STR(text(buf), "2026-03-02");
    /* 23:30 in Los Angeles is already 2026-03-03 in UTC; the date as
     * written is still 2026-03-02. */
    CHECK(parse("2026-03-02T23:30:00-08:00", 0, &t, err, sizeof err) == 0, "%s", err);
    CHECK(t.epoch == 1772523000, "epoch %lld", (long long)t.epoch);
    ed_format_date(ed_time_day_number(&t), buf);
    CHECK_STR(text(buf), "2026-03-02");
    PASS();
}

/* ------------------------------------------------------------------ */
/* Civil arithmetic                                                    */
/* ------------------------------------------------------------------ */

TEST(civil_known_days)
{
    static const struct {
        int y, m, d;
        int64_t days;
    } cases[] = {
        {1970, 1, 1, 0},          {1969, 12, 31, -1},     {2000, 3, 1, 11017},
        {2024, 1, 1, 19723},      {2026, 3, 2, 20514},    {1900, 1, 1, -25567},
        {2100, 3, 1, 47541},      {1600, 2, 29, -135081}, {1, 1, 1, -719162},
        {9999, 12, 31, 2932896},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int y, m, d;
        int64_t n = ed_days_from_civil(cases[i].y, cases[i].m, cases[i].d);
        CHECK(n == cases[i].days, "%d-%d-%d: %lld", cases[i].y, cases[i].m,
              cases[i].d, (long long)n);
        ed_civil_from_days(cases[i].days, &y, &m, &d);
        CHECK(y == cases[i].y && m == cases[i].m && d == cases[i].d,
              "%lld: %d-%d-%d", (long long)cases[i].days, y, m, d);
    }
    CHECK(ED_TIME_DAY_MIN == ed_days_from_civil(1, 1, 1), "ED_TIME_DAY_MIN");
    CHECK(ED_TIME_DAY_MAX == ed_days_from_civil(9999, 12, 31), "ED_TIME_DAY_MAX");
    /* Months and days carry over. */
    CHECK(ed_days_from_civil(2024, 1, 32) == ed_days_from_civil(2024, 2, 1), "day carry");
    CHECK(ed_days_from_civil(2023, 13, 1) == ed_days_from_civil(2024, 1, 1), "month 13");
    CHECK(ed_days_from_civil(2024, 0, 1) == ed_days_from_civil(2023, 12, 1), "month 0");
    /* Proleptic years before 1 and far away still round-trip. */
    int y, m, d;
    ed_civil_from_days(ed_days_from_civil(-4713, 11, 24), &y, &m, &d);
    CHECK(y == -4713 && m == 11 && d == 24, "-4713-11-24: %d-%d-%d", y, m, d);
    ed_civil_from_days(ed_days_from_civil(2000000000, 2, 29), &y, &m, &d);
    CHECK(y == 2000000000 && m == 2 && d == 29, "2e9-02-29: %d-%d-%d", y, m, d);
    PASS();
}

/* Every day of 0001-01-01..9999-12-31: the day after n is the civil
 * successor of n's date, and each date maps back to its number. */
TEST(civil_every_day_in_range)
{
    int py, pm, pd;
    ed_civil_from_days(ED_TIME_DAY_MIN, &py, &pm, &pd);
    CHECK(py == 1 && pm == 1 && pd == 1, "first day %d-%d-%d", py, pm, pd);
    for (int64_t n = ED_TIME_DAY_MIN + 1; n <= ED_TIME_DAY_MAX; n++) {
        int y, m, d;
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (py % 4 == 0 && py % 100 != 0) || py % 400 == 0;
        int last = pm == 2 && leap ? 29 : mdays[pm - 1];
        int ey = py, em = pm, ed = pd + 1;
        if (ed > last) {
            ed = 1;
            if (++em > 12) {
                em = 1;
                ey++;
            }
        }
        ed_civil_from_days(n, &y, &m, &d);
        CHECK(y == ey && m == em && d == ed, "day %lld is %d-%d-%d, want %d-%d-%d",
              (long long)n, y, m, d, ey, em, ed);
        CHECK(ed_days_from_civil(y, m, d) == n, "round trip of %lld", (long long)n);
        py = y, pm = m, pd = d;
    }
    CHECK(py == 9999 && pm == 12 && pd == 31, "last day %d-%d-%d", py, pm, pd);
    PASS();
}

/* Inputs far outside the supported range must not overflow (UBSan is the
 * judge here); results there are only required to be defined. */
TEST(civil_extremes_do_not_overflow)
{
    static const int64_t days[] = {INT64_MAX, INT64_MIN, INT64_MAX - 1,
                                   INT64_MIN + 1, (int64_t)1 << 40,
                                   -((int64_t)1 << 40)};
    int y, m, d;
    char buf[11];
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        ed_civil_from_days(days[i], &y, &m, &d);
        CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31, "%lld: %d-%d",
              (long long)days[i], m, d);
        ed_format_date(days[i], buf);
        CHECK_STR(text(buf), "0000-00-00");
    }
    ed_civil_from_days(INT64_MAX, &y, &m, &d);
    CHECK(y == INT32_MAX, "INT64_MAX days: year %d", y);
    ed_civil_from_days(INT64_MIN, &y, &m, &d);
    CHECK(y == INT32_MIN, "INT64_MIN days: year %d", y);
    (void)ed_days_from_civil(INT64_MAX, 12, INT32_MAX);
    (void)ed_days_from_civil(INT64_MIN, 1, INT32_MIN);
    (void)ed_days_from_civil(0, INT32_MAX, 1);
    (void)ed_days_from_civil(0, INT32_MIN, 1);
    ed_format_date(ED_TIME_DAY_MIN - 1, buf);
    CHECK_STR(text(buf), "0000-00-00");
    ed_format_date(ED_TIME_DAY_MAX, buf);
    CHECK_STR(text(buf), "9999-12-31");
    ed_format_date(ED_TIME_DAY_MIN, buf);
    CHECK_STR(text(buf), "0001-01-01");
    PASS();
}

/* 10,000 random timestamps in 1900-2200 against glibc: timegm() decides
 * whether the date exists (it normalizes a nonexistent one) and gives the
 * epoch; gmtime_r() gives the civil date and weekday of a day number. */
TEST(random_against_glibc)
{
    int checked = 0, invalid = 0;
    lua_State *L = new_state();
    CHECK(L != NULL, "no Lua state");
    CHECK(sizeof(time_t) == 8, "needs a 64-bit time_t");
    rng_state = 0x5eed2026ULL;
    for (int i = 0; i < 10000; i++) {
        int y = (int)rng_range(1900, 2200), m = (int)rng_range(1, 12);
        int d = (int)rng_range(1, 31), hh = (int)rng_range(0, 23);
        int mi = (int)rng_range(0, 59), ss = (int)rng_range(0, 59);
        int off = rng() % 4 == 0 ? 0 : (int)rng_range(-1439, 1439);
        char s[64], err[128];
        ed_time t;
        if (off == 0)
            snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mi, ss);
        else
            snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d,
                     hh, mi, ss, off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
                     (off < 0 ? -off : off) % 60);

        struct tm tm = {0};
        tm.tm_year = y - 1900, tm.tm_mon = m - 1, tm.tm_mday = d;
        tm.tm_hour = hh, tm.tm_min = mi, tm.tm_sec = ss;
        time_t tt = timegm(&tm);
        int exists = tm.tm_mday == d && tm.tm_mon == m - 1;

        int rc = parse(s, 0, &t, err, sizeof err);
        CHECK((rc == 0) == exists, "%s: parser says %d (%s), glibc says %d", s, rc,
              err, exists);
        if (!exists) {
            char want[64];
            invalid++;
            snprintf(want, sizeof want, "day %d is out of range for %04d-%02d", d, y, m);
            CHECK_STR(text(err), want);
            continue;
        }
        CHECK(t.epoch == (int64_t)tt - off * 60, "%s: epoch %lld, glibc %lld", s,
              (long long)t.epoch, (long long)tt - off * 60);
        int64_t dn = ed_days_from_civil(y, m, d);
        CHECK(dn * 86400 == (int64_t)tt - (hh * 3600 + mi * 60 + ss),
              "%s: day number %lld", s, (long long)dn);

        /* And back: a random day number through gmtime_r. */
        int64_t n = rng_range(ed_days_from_civil(1900, 1, 1),
                              ed_days_from_civil(2200, 12, 31));
        time_t at = (time_t)(n * 86400);
        struct tm g;
        int cy, cm, cd;
        CHECK(gmtime_r(&at, &g) != NULL, "gmtime_r failed");
        ed_civil_from_days(n, &cy, &cm, &cd);
        CHECK(cy == g.tm_year + 1900 && cm == g.tm_mon + 1 && cd == g.tm_mday,
              "day %lld: %d-%d-%d, glibc %d-%d-%d", (long long)n, cy, cm, cd,
              g.tm_year + 1900, g.tm_mon + 1, g.tm_mday);

        /* The Lua side agrees on weekday and epoch. */
        char expr[160], want[32];
        snprintf(expr, sizeof expr, "time.weekday('%04d-%02d-%02d'), time.epoch('%s')",
                 cy, cm, cd, s);
        snprintf(want, sizeof want, "%d,%lld", g.tm_wday == 0 ? 7 : g.tm_wday,
                 (long long)tt - off * 60);
        const char *got = eval(L, expr);
        CHECK(strcmp(got, want) == 0, "%s: got %s, want %s", expr, got, want);
        checked++;
    }
    lua_close(L);
    /* Both paths were exercised (about 1 in 60 random dates is invalid). */
    CHECK(checked > 9000 && invalid > 50, "checked %d, invalid %d", checked, invalid);
    PASS();
}

/* Mutated timestamps (one byte replaced, dropped or inserted): whatever
 * the parser accepts must be a real date and time whose epoch glibc
 * agrees with; nothing it rejects may leave the reason empty. */
TEST(mutations_accept_only_real_instants)
{
    static const char alphabet[] = "0123456789-:TtZz+. x\0";
    int accepted = 0, rejected = 0;
    rng_state = 0xfade2026ULL;
    for (int i = 0; i < 20000; i++) {
        char s[64], err[128];
        ed_time t;
        int n = snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+%02d:%02d",
                         (int)rng_range(1900, 2200), (int)rng_range(1, 12),
                         (int)rng_range(1, 28), (int)rng_range(0, 23),
                         (int)rng_range(0, 59), (int)rng_range(0, 59),
                         (int)rng_range(0, 999), (int)rng_range(0, 23),
                         (int)rng_range(0, 59));
        size_t len = (size_t)n, k = (size_t)rng_range(0, n - 1);
        char c = alphabet[rng() % (sizeof alphabet - 1)];
        switch (rng() % 3) {
        case 0: s[k] = c; break;
        case 1: memmove(s + k, s + k + 1, len - k); len--; break;
        default: memmove(s + k + 1, s + k, len - k + 1); s[k] = c; len++; break;
        }
        err[0] = '\0';
        if (ed_time_parse(s, len, 1, &t, err, sizeof err) != 0) {
            CHECK(err[0] != '\0', "%.*s: rejected without a reason", (int)len, s);
            rejected++;
            continue;
        }
        accepted++;
        struct tm tm = {0};
        tm.tm_year = t.year - 1900, tm.tm_mon = t.month - 1, tm.tm_mday = t.day;
        tm.tm_hour = t.hour, tm.tm_min = t.minute, tm.tm_sec = t.second;
        time_t tt = timegm(&tm);
        CHECK(tm.tm_year == t.year - 1900 && tm.tm_mon == t.month - 1 &&
                  tm.tm_mday == t.day && tm.tm_hour == t.hour &&
                  tm.tm_min == t.minute && tm.tm_sec == t.second,
              "%.*s: accepted a nonexistent time", (int)len, s);
        CHECK(t.epoch == (int64_t)tt - t.offset_minutes * 60, "%.*s: epoch %lld",
              (int)len, s, (long long)t.epoch);
        CHECK(t.offset_minutes > -1440 && t.offset_minutes < 1440 &&
                  t.nanosecond >= 0 && t.nanosecond < 1000000000,
              "%.*s: offset %d ns %d", (int)len, s, t.offset_minutes,
              (int)t.nanosecond);
    }
    CHECK(accepted > 1000 && rejected > 1000, "accepted %d, rejected %d", accepted,
          rejected);
    PASS();
}

/* ------------------------------------------------------------------ */
/* Lua module                                                          */
/* ------------------------------------------------------------------ */

typedef struct lua_case {
    const char *expr;
    const char *want;
} lua_case;

static int run_lua_cases(const lua_case *cases, size_t n, char *why_, size_t why_len_)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no Lua state");
    for (size_t i = 0; i < n; i++) {
        const char *got = eval(L, cases[i].expr);
        if (strcmp(got, cases[i].want) != 0) {
            snprintf(why_, why_len_, "%s\n    expected: %s\n    got:      %s",
                     cases[i].expr, cases[i].want, got);
            lua_close(L);
            return 1;
        }
    }
    lua_close(L);
    PASS();
}

#define RUN_LUA(cases) run_lua_cases(cases, sizeof cases / sizeof cases[0], why_, why_len_)

#define BAD(n, fn, why) "rules/t.lua:1: bad argument #" #n " to '" fn "' (" why ")"

TEST(mod_module_table)
{
    static const lua_case cases[] = {
        {"(function() local n = 0 for k, v in pairs(time) do"
         " assert(type(v) == 'function', k) n = n + 1 end return n end)()",
         "28"},
        {"require('edict.time') == time", "true"},
    };
    return RUN_LUA(cases);
}

TEST(mod_parse)
{
    static const lua_case cases[] = {
        {"(function() local p = time.parse('2026-03-02T10:00:00.25-08:00')"
         " return p.year, p.month, p.day, p.hour, p.min, p.sec, p.nsec, p.offset,"
         " p.epoch, p.date end)()",
         "2026,3,2,10,0,0,250000000,-480,1772474400,2026-03-02"},
        {"(function() local p = time.parse('2024-02-29')"
         " return p.hour, p.min, p.sec, p.offset, p.epoch, p.date end)()",
         "0,0,0,0,1709164800,2024-02-29"},
        {"math.type(time.parse('2024-02-29').epoch)", "integer"},
        {"time.parse('2026-03-02T10:00:00Z', 'timestamp').date", "2026-03-02"},
        {"time.parse('2026-03-02', 'date').date", "2026-03-02"},
        {"time.parse('2026-03-02', 'timestamp')",
         BAD(1, "parse", "expected 'T' or a space at offset 10")},
        {"time.parse('2026-03-02T10:00:00Z', 'date')",
         BAD(1, "parse", "trailing characters at offset 10")},
        {"time.parse('2026-02-30T10:00:00Z', 'date')",
         BAD(1, "parse", "day 30 is out of range for 2026-02")},
        {"time.parse('2026-03-02', 'week')", BAD(2, "parse", "invalid option 'week'")},
        {"time.parse('2026-03-02T24:00:00Z')", BAD(1, "parse", "hour 24 is out of range")},
        {"time.parse()", BAD(1, "parse", "string expected, got no value")},
        {"time.parse({})", BAD(1, "parse", "string expected, got table")},
    };
    return RUN_LUA(cases);
}

TEST(mod_valid)
{
    static const lua_case cases[] = {
        {"time.valid('2024-02-29')", "true"},
        {"time.valid('2026-03-02T10:00:00-08:00')", "true"},
        {"time.valid('2023-02-29')", "false,day 29 is out of range for 2023-02"},
        {"time.valid('2100-02-29')", "false,day 29 is out of range for 2100-02"},
        {"time.valid('2026-03-02T23:59:60Z')",
         "false,second 60 is out of range (leap seconds are not supported)"},
        {"time.valid('')", "false,empty string"},
        {"time.valid(nil)", "false,string expected, got nil"},
        {"time.valid(20260302)", "false,string expected, got number"},
        {"time.valid('2026-03-02', 'timestamp')",
         "false,expected 'T' or a space at offset 10"},
        {"time.valid('2026-03-02T10:00:00Z', 'date')",
         "false,trailing characters at offset 10"},
        {"time.valid('2026-03-02', 'date')", "true"},
        {"time.valid('2026-03-02', 'hour')", BAD(2, "valid", "invalid option 'hour'")},
    };
    return RUN_LUA(cases);
}

TEST(mod_date_and_epoch)
{
    static const lua_case cases[] = {
        {"time.date('2026-03-02T23:30:00-08:00')", "2026-03-02"},
        {"time.date('2026-03-02T00:30:00+09:00')", "2026-03-02"},
        {"time.date('2026-03-02')", "2026-03-02"},
        {"time.epoch('1970-01-01')", "0"},
        {"time.epoch('2026-03-02T10:00:00-08:00')", "1772474400"},
        {"time.epoch('2026-03-02T18:00:00Z')", "1772474400"},
        {"time.epoch('0001-01-01')", "-62135596800"},
        {"math.type(time.epoch('2026-03-02T10:00:00.9Z'))", "integer"},
        {"time.date('2026-02-30')", BAD(1, "date", "day 30 is out of range for 2026-02")},
        {"time.date(20260302)", BAD(1, "date", "string expected, got number")},
        {"time.date()", BAD(1, "date", "string expected, got no value")},
        {"time.epoch('2026-03-02T24:00:00Z')", BAD(1, "epoch", "hour 24 is out of range")},
    };
    return RUN_LUA(cases);
}

TEST(mod_between)
{
    static const lua_case cases[] = {
        {"time.days_between('2025-12-31', '2026-01-01')", "1"},
        {"time.days_between('2026-01-01', '2025-12-31')", "-1"},
        {"time.days_between('2026-01-01', '2025-01-01')", "-365"},
        {"time.days_between('2024-01-01', '2025-01-01')", "366"},
        {"time.days_between('2024-02-28', '2024-03-01')", "2"},
        {"time.days_between('2023-02-28', '2023-03-01')", "1"},
        {"time.days_between('1999-12-31', '2000-12-31')", "366"},
        {"time.days_between('2100-01-01', '2101-01-01')", "365"},
        {"time.days_between('1900-02-28', '1900-03-01')", "1"},
        {"time.days_between('0001-01-01', '9999-12-31')", "3652058"},
        {"time.days_between('2026-03-02', '2026-03-02T23:59:59Z')", "0"},
        /* Civil dates as written: b is two hours earlier in UTC but a day
         * later on its own calendar. */
        {"time.days_between('2026-03-02T23:00:00-08:00', '2026-03-03T14:00:00+09:00')",
         "1"},
        {"time.seconds_between('2026-03-02T10:00:00-08:00', '2026-03-02T18:00:00Z')",
         "0"},
        {"time.seconds_between('2026-03-02', '2026-03-03')", "86400"},
        {"time.seconds_between('2026-03-03', '2026-03-02')", "-86400"},
        {"time.seconds_between('2026-03-02T10:00:00.9Z', '2026-03-02T10:00:01.1Z')", "1"},
        {"time.hours_between('2026-03-02T00:00:00Z', '2026-03-02T01:30:00Z')", "1.5"},
        {"time.hours_between('2026-03-02T01:30:00Z', '2026-03-02T00:00:00Z')", "-1.5"},
        {"time.hours_between('2026-03-02', '2026-03-03')", "24.0"},
        {"math.type(time.hours_between('2026-03-02', '2026-03-02'))", "float"},
        {"time.days_between('2026-01-01', 'soon')",
         BAD(2, "days_between", "expected a 4-digit year at offset 0")},
        {"time.seconds_between(nil, '2026-01-01')",
         BAD(1, "seconds_between", "string expected, got nil")},
        {"time.hours_between('2026-01-01')",
         BAD(2, "hours_between", "string expected, got no value")},
    };
    return RUN_LUA(cases);
}

TEST(mod_add_days)
{
    static const lua_case cases[] = {
        {"time.add_days('2024-02-28', 1)", "2024-02-29"},
        {"time.add_days('2023-02-28', 1)", "2023-03-01"},
        {"time.add_days('2025-12-31', 1)", "2026-01-01"},
        {"time.add_days('2026-01-01', -1)", "2025-12-31"},
        {"time.add_days('2026-03-02T23:30:00-08:00', 0)", "2026-03-02"},
        {"time.add_days('2026-01-01', 2.0)", "2026-01-03"},
        {"time.add_days('0001-01-01', 3652058)", "9999-12-31"},
        {"time.add_days('9999-12-31', 1)",
         BAD(2, "add_days", "date out of range (after 9999-12-31)")},
        {"time.add_days('0001-01-01', -1)",
         BAD(2, "add_days", "date out of range (before 0001-01-01)")},
        {"time.add_days('2026-01-01', math.maxinteger)",
         BAD(2, "add_days", "date out of range (after 9999-12-31)")},
        {"time.add_days('2026-01-01', math.mininteger)",
         BAD(2, "add_days", "date out of range (before 0001-01-01)")},
        {"time.add_days('2026-01-01', 1.5)",
         BAD(2, "add_days", "number has no integer representation")},
        {"time.add_days('2026-01-01')", BAD(2, "add_days", "number expected, got no value")},
    };
    return RUN_LUA(cases);
}

TEST(mod_add_months_and_years)
{
    static const lua_case cases[] = {
        {"time.add_months('2024-01-31', 1)", "2024-02-29"},
        {"time.add_months('2023-01-31', 1)", "2023-02-28"},
        {"time.add_months('2024-03-31', -1)", "2024-02-29"},
        {"time.add_months('2024-05-31', 1)", "2024-06-30"},
        {"time.add_months('2024-01-31', 2)", "2024-03-31"},
        {"time.add_months('2025-11-15', 2)", "2026-01-15"},
        {"time.add_months('2026-01-15', -13)", "2024-12-15"},
        {"time.add_months('2024-01-31', 12)", "2025-01-31"},
        {"time.add_months('2024-01-31', 0)", "2024-01-31"},
        {"time.add_months('2100-01-31', 1)", "2100-02-28"},
        {"time.add_months('0001-01-31', 119987)", "9999-12-31"},
        {"time.add_months('9999-12-01', 1)",
         BAD(2, "add_months", "date out of range (after 9999-12-31)")},
        {"time.add_months('0001-01-01', -1)",
         BAD(2, "add_months", "date out of range (before 0001-01-01)")},
        {"time.add_months('2026-01-01', math.maxinteger)",
         BAD(2, "add_months", "date out of range (after 9999-12-31)")},
        {"time.add_months('2026-01-01', math.mininteger)",
         BAD(2, "add_months", "date out of range (before 0001-01-01)")},
        {"time.add_months('2026-01-01', 0.5)",
         BAD(2, "add_months", "number has no integer representation")},
        {"time.add_years('2024-02-29', 1)", "2025-02-28"},
        {"time.add_years('2024-02-29', 4)", "2028-02-29"},
        {"time.add_years('2024-02-29', -100)", "1924-02-29"},
        {"time.add_years('2000-02-29', 100)", "2100-02-28"},
        {"time.add_years('2026-03-02T23:30:00-08:00', 7)", "2033-03-02"},
        {"time.add_years('9999-01-01', 1)",
         BAD(2, "add_years", "date out of range (after 9999-12-31)")},
        {"time.add_years('0001-06-01', -1)",
         BAD(2, "add_years", "date out of range (before 0001-01-01)")},
        {"time.add_years('2026-01-01', math.maxinteger)",
         BAD(2, "add_years", "date out of range (after 9999-12-31)")},
        {"time.add_years('2026-01-01', math.mininteger)",
         BAD(2, "add_years", "date out of range (before 0001-01-01)")},
        {"time.add_years('2026-01-01', '1.5')",
         BAD(2, "add_years", "number has no integer representation")},
        {"time.add_years('2026-13-01', 1)", BAD(1, "add_years", "month 13 is out of range")},
    };
    return RUN_LUA(cases);
}

TEST(mod_month_bounds)
{
    static const lua_case cases[] = {
        {"time.start_of_month('2026-03-17')", "2026-03-01"},
        {"time.start_of_month('2026-03-01T00:30:00+01:00')", "2026-03-01"},
        {"time.start_of_month('0001-01-01')", "0001-01-01"},
        {"time.end_of_month('2024-02-10')", "2024-02-29"},
        {"time.end_of_month('2023-02-10')", "2023-02-28"},
        {"time.end_of_month('2000-02-01')", "2000-02-29"},
        {"time.end_of_month('1900-02-01')", "1900-02-28"},
        {"time.end_of_month('2100-02-15')", "2100-02-28"},
        {"time.end_of_month('2400-02-15')", "2400-02-29"},
        {"time.end_of_month('2026-04-01')", "2026-04-30"},
        {"time.end_of_month('2026-12-05')", "2026-12-31"},
        {"time.end_of_month('9999-12-31')", "9999-12-31"},
        {"time.end_of_month('2026-03-31T23:30:00-08:00')", "2026-03-31"},
        {"time.end_of_month('2026-04')",
         BAD(1, "end_of_month", "expected '-' at offset 7")},
    };
    return RUN_LUA(cases);
}

TEST(mod_weekday_and_is_leap)
{
    static const lua_case cases[] = {
        {"time.weekday('1970-01-01')", "4"},
        {"time.weekday('2000-01-01')", "6"},
        {"time.weekday('2024-01-01')", "1"},
        {"time.weekday('2026-03-02')", "1"},
        {"time.weekday('2026-03-08')", "7"},
        {"time.weekday('1600-02-29')", "2"},
        {"time.weekday('0001-01-01')", "1"},
        {"time.weekday('9999-12-31')", "5"},
        /* Sunday as written, already Monday in UTC. */
        {"time.weekday('2026-03-08T23:00:00-08:00')", "7"},
        {"time.is_leap(2024), time.is_leap(2023), time.is_leap(2000), time.is_leap(1900)",
         "true,false,true,false"},
        {"time.is_leap(2100), time.is_leap(2400), time.is_leap(0), time.is_leap(-4)",
         "false,true,true,true"},
        {"time.is_leap(math.mininteger), time.is_leap(math.maxinteger)", "true,false"},
        {"time.is_leap(2024.0)", "true"},
        {"time.is_leap(2024.5)", BAD(1, "is_leap", "number has no integer representation")},
        {"time.is_leap('x')", BAD(1, "is_leap", "number expected, got string")},
    };
    return RUN_LUA(cases);
}

TEST(mod_compare)
{
    static const lua_case cases[] = {
        {"time.compare('2026-03-02T10:00:00-08:00', '2026-03-02T18:00:00Z')", "0"},
        {"time.compare('2026-03-02T18:00:00.5Z', '2026-03-02T18:00:00.25Z')", "1"},
        {"time.compare('2026-03-02T18:00:00.25Z', '2026-03-02T18:00:00.5Z')", "-1"},
        {"time.compare('2026-03-02T18:00:00Z', '2026-03-02T18:00:00.000000001Z')", "-1"},
        {"time.compare('2026-03-02', '2026-03-02T00:00:00Z')", "0"},
        {"time.compare('2026-03-01T23:59:59Z', '2026-03-02')", "-1"},
        {"time.compare('2026-03-03T00:30:00+01:00', '2026-03-02T23:59:59Z')", "-1"},
        {"time.compare('2026-03-02')", BAD(2, "compare", "string expected, got no value")},
    };
    return RUN_LUA(cases);
}

TEST(mod_format_date)
{
    static const lua_case cases[] = {
        {"time.format_date(2026, 3, 2)", "2026-03-02"},
        {"time.format_date(1, 1, 1)", "0001-01-01"},
        {"time.format_date(2024, 2, 29)", "2024-02-29"},
        {"time.format_date(9999, 12, 31)", "9999-12-31"},
        {"time.format_date(2026, 2, 29)",
         BAD(3, "format_date", "day 29 is out of range for 2026-02")},
        {"time.format_date(2026, 4, 31)",
         BAD(3, "format_date", "day 31 is out of range for 2026-04")},
        {"time.format_date(2026, 13, 1)", BAD(2, "format_date", "month 13 is out of range")},
        {"time.format_date(10000, 1, 1)", BAD(1, "format_date", "year 10000 is out of range")},
        {"time.format_date(0, 1, 1)", BAD(1, "format_date", "year 0000 is out of range")},
        {"time.format_date(math.mininteger, 1, 1)",
         BAD(1, "format_date", "year -9223372036854775808 is out of range")},
        {"time.format_date(2026, 1, math.maxinteger)",
         BAD(3, "format_date", "day 9223372036854775807 is out of range for 2026-01")},
        {"time.format_date(2026, 1.5, 1)",
         BAD(2, "format_date", "number has no integer representation")},
        {"time.format_date(2026, 1)", BAD(3, "format_date", "number expected, got no value")},
    };
    return RUN_LUA(cases);
}

/* ------------------------------------------------------------------ */
/* Federal holidays and business days                                  */
/* ------------------------------------------------------------------ */

/* Every holiday of 2021-2027, written out from the rules of 5 U.S.C.
 * 6103 (see time.c) and the observed-day rule, and matching OPM's
 * published tables: statute date, observed date, name. */
static const struct {
    const char *date, *observed, *name;
} holiday_table[] = {
    {"2021-01-01", "2021-01-01", "New Year's Day"},
    {"2021-01-18", "2021-01-18", "Birthday of Martin Luther King, Jr."},
    {"2021-02-15", "2021-02-15", "Washington's Birthday"},
    {"2021-05-31", "2021-05-31", "Memorial Day"},
    {"2021-06-19", "2021-06-18", "Juneteenth National Independence Day"},
    {"2021-07-04", "2021-07-05", "Independence Day"},
    {"2021-09-06", "2021-09-06", "Labor Day"},
    {"2021-10-11", "2021-10-11", "Columbus Day"},
    {"2021-11-11", "2021-11-11", "Veterans Day"},
    {"2021-11-25", "2021-11-25", "Thanksgiving Day"},
    {"2021-12-25", "2021-12-24", "Christmas Day"},
    {"2022-01-01", "2021-12-31", "New Year's Day"}, /* Saturday */
    {"2022-01-17", "2022-01-17", "Birthday of Martin Luther King, Jr."},
    {"2022-02-21", "2022-02-21", "Washington's Birthday"},
    {"2022-05-30", "2022-05-30", "Memorial Day"},
    {"2022-06-19", "2022-06-20", "Juneteenth National Independence Day"},
    {"2022-07-04", "2022-07-04", "Independence Day"},
    {"2022-09-05", "2022-09-05", "Labor Day"},
    {"2022-10-10", "2022-10-10", "Columbus Day"},
    {"2022-11-11", "2022-11-11", "Veterans Day"},
    {"2022-11-24", "2022-11-24", "Thanksgiving Day"},
    {"2022-12-25", "2022-12-26", "Christmas Day"},
    {"2023-01-01", "2023-01-02", "New Year's Day"},
    {"2023-01-16", "2023-01-16", "Birthday of Martin Luther King, Jr."},
    {"2023-02-20", "2023-02-20", "Washington's Birthday"},
    {"2023-05-29", "2023-05-29", "Memorial Day"},
    {"2023-06-19", "2023-06-19", "Juneteenth National Independence Day"},
    {"2023-07-04", "2023-07-04", "Independence Day"},
    {"2023-09-04", "2023-09-04", "Labor Day"},
    {"2023-10-09", "2023-10-09", "Columbus Day"},
    {"2023-11-11", "2023-11-10", "Veterans Day"},
    {"2023-11-23", "2023-11-23", "Thanksgiving Day"},
    {"2023-12-25", "2023-12-25", "Christmas Day"},
    {"2024-01-01", "2024-01-01", "New Year's Day"},
    {"2024-01-15", "2024-01-15", "Birthday of Martin Luther King, Jr."},
    {"2024-02-19", "2024-02-19", "Washington's Birthday"},
    {"2024-05-27", "2024-05-27", "Memorial Day"},
    {"2024-06-19", "2024-06-19", "Juneteenth National Independence Day"},
    {"2024-07-04", "2024-07-04", "Independence Day"},
    {"2024-09-02", "2024-09-02", "Labor Day"},
    {"2024-10-14", "2024-10-14", "Columbus Day"},
    {"2024-11-11", "2024-11-11", "Veterans Day"},
    {"2024-11-28", "2024-11-28", "Thanksgiving Day"},
    {"2024-12-25", "2024-12-25", "Christmas Day"},
    {"2025-01-01", "2025-01-01", "New Year's Day"},
    {"2025-01-20", "2025-01-20", "Birthday of Martin Luther King, Jr."},
    {"2025-02-17", "2025-02-17", "Washington's Birthday"},
    {"2025-05-26", "2025-05-26", "Memorial Day"},
    {"2025-06-19", "2025-06-19", "Juneteenth National Independence Day"},
    {"2025-07-04", "2025-07-04", "Independence Day"},
    {"2025-09-01", "2025-09-01", "Labor Day"},
    {"2025-10-13", "2025-10-13", "Columbus Day"},
    {"2025-11-11", "2025-11-11", "Veterans Day"},
    {"2025-11-27", "2025-11-27", "Thanksgiving Day"},
    {"2025-12-25", "2025-12-25", "Christmas Day"},
    {"2026-01-01", "2026-01-01", "New Year's Day"},
    {"2026-01-19", "2026-01-19", "Birthday of Martin Luther King, Jr."},
    {"2026-02-16", "2026-02-16", "Washington's Birthday"},
    {"2026-05-25", "2026-05-25", "Memorial Day"},
    {"2026-06-19", "2026-06-19", "Juneteenth National Independence Day"},
    {"2026-07-04", "2026-07-03", "Independence Day"}, /* Saturday */
    {"2026-09-07", "2026-09-07", "Labor Day"},
    {"2026-10-12", "2026-10-12", "Columbus Day"},
    {"2026-11-11", "2026-11-11", "Veterans Day"},
    {"2026-11-26", "2026-11-26", "Thanksgiving Day"},
    {"2026-12-25", "2026-12-25", "Christmas Day"},
    {"2027-01-01", "2027-01-01", "New Year's Day"},
    {"2027-01-18", "2027-01-18", "Birthday of Martin Luther King, Jr."},
    {"2027-02-15", "2027-02-15", "Washington's Birthday"},
    {"2027-05-31", "2027-05-31", "Memorial Day"},
    {"2027-06-19", "2027-06-18", "Juneteenth National Independence Day"},
    {"2027-07-04", "2027-07-05", "Independence Day"},
    {"2027-09-06", "2027-09-06", "Labor Day"},
    {"2027-10-11", "2027-10-11", "Columbus Day"},
    {"2027-11-11", "2027-11-11", "Veterans Day"},
    {"2027-11-25", "2027-11-25", "Thanksgiving Day"},
    {"2027-12-25", "2027-12-24", "Christmas Day"},
    {"2028-01-01", "2027-12-31", "New Year's Day"}, /* Saturday */
};

#define N_HOLIDAY_TABLE (sizeof holiday_table / sizeof holiday_table[0])

static int64_t day_of(const char *s)
{
    ed_time t;
    if (ed_time_parse(s, strlen(s), 1, &t, NULL, 0) != 0)
        return INT64_MIN;
    return ed_time_day_number(&t);
}

static const char *date_text(int64_t day)
{
    static char buf[4][11];
    static int k;
    k = (k + 1) % 4;
    ed_format_date(day, buf[k]);
    return buf[k];
}

/* ed_us_holidays for 2021-2027 is exactly the table, in order. */
TEST(holidays_2021_2027_table)
{
    size_t row = 0;
    for (int y = 2021; y <= 2027; y++) {
        ed_holiday h[ED_HOLIDAYS_MAX];
        int n = ed_us_holidays(y, h);
        CHECK(n == 11, "%d: %d holidays", y, n);
        for (int i = 0; i < n; i++, row++) {
            CHECK(row < N_HOLIDAY_TABLE, "more holidays than the table");
            CHECK_STR(date_text(h[i].date), holiday_table[row].date);
            CHECK_STR(date_text(h[i].observed), holiday_table[row].observed);
            CHECK_STR(h[i].name, holiday_table[row].name);
        }
    }
    /* The last row is 2028's New Year's Day, observed in 2027. */
    CHECK(row == N_HOLIDAY_TABLE - 1, "table rows %zu, listed %zu", N_HOLIDAY_TABLE, row);
    PASS();
}

/* Every day 2021-01-01..2027-12-31: a holiday is observed on it exactly
 * when the table says so, with that name; business day = Mon-Fri and
 * not observed. */
TEST(holidays_every_day_2021_2027)
{
    int observed = 0;
    for (int64_t day = day_of("2021-01-01"); day <= day_of("2027-12-31"); day++) {
        const char *want = NULL;
        for (size_t i = 0; i < N_HOLIDAY_TABLE; i++) {
            if (day_of(holiday_table[i].observed) == day)
                want = holiday_table[i].name;
        }
        const char *got = ed_us_holiday_on(day);
        CHECK((got == NULL) == (want == NULL), "%s: got %s, want %s", date_text(day),
              got ? got : "none", want ? want : "none");
        if (want != NULL) {
            CHECK_STR(got, want);
            observed++;
        }
        int wd = (int)(((day + 3) % 7 + 7) % 7) + 1;
        CHECK(ed_is_business_day(day) == (wd <= 5 && want == NULL), "%s",
              date_text(day));
    }
    CHECK(observed == (int)N_HOLIDAY_TABLE, "observed %d", observed);
    PASS();
}

/* The rule changes: dates each holiday took effect or moved. */
TEST(holidays_history)
{
    static const struct {
        int year;
        int count;
        const char *has; /* "date observed name" of one holiday */
    } cases[] = {
        {1900, 7, "1900-05-30 1900-05-30 Memorial Day"},
        {1900, 7, "1900-02-22 1900-02-22 Washington's Birthday"},
        {1937, 7, "1937-11-25 1937-11-25 Thanksgiving Day"}, /* last Thu */
        {1938, 8, "1938-11-11 1938-11-11 Armistice Day"},
        {1938, 8, "1938-11-24 1938-11-24 Thanksgiving Day"},
        {1939, 8, "1939-11-23 1939-11-23 Thanksgiving Day"}, /* 2nd-to-last */
        {1940, 8, "1940-11-21 1940-11-21 Thanksgiving Day"},
        {1941, 8, "1941-11-20 1941-11-20 Thanksgiving Day"},
        {1942, 8, "1942-11-26 1942-11-26 Thanksgiving Day"}, /* 4th Thu */
        {1954, 8, "1954-11-11 1954-11-11 Veterans Day"},
        {1970, 8, "1970-02-22 1970-02-23 Washington's Birthday"},
        {1970, 8, "1970-05-30 1970-05-29 Memorial Day"},
        {1971, 9, "1971-02-15 1971-02-15 Washington's Birthday"},
        {1971, 9, "1971-05-31 1971-05-31 Memorial Day"},
        {1971, 9, "1971-10-11 1971-10-11 Columbus Day"},
        {1971, 9, "1971-10-25 1971-10-25 Veterans Day"},
        {1977, 9, "1977-10-24 1977-10-24 Veterans Day"},
        {1978, 9, "1978-11-11 1978-11-10 Veterans Day"},
        {1985, 9, "1985-11-28 1985-11-28 Thanksgiving Day"},
        {1986, 10, "1986-01-20 1986-01-20 Birthday of Martin Luther King, Jr."},
        {2020, 10, "2020-07-04 2020-07-03 Independence Day"},
        {2021, 11, "2021-06-19 2021-06-18 Juneteenth National Independence Day"},
        {2200, 11, "2200-01-01 2200-01-01 New Year's Day"},
        {2200, 11, "2200-12-25 2200-12-25 Christmas Day"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ed_holiday h[ED_HOLIDAYS_MAX];
        int n = ed_us_holidays(cases[i].year, h), found = 0;
        CHECK(n == cases[i].count, "%d: %d holidays", cases[i].year, n);
        for (int k = 0; k < n; k++) {
            char line[96];
            snprintf(line, sizeof line, "%s %s %s", date_text(h[k].date),
                     date_text(h[k].observed), h[k].name);
            found |= strcmp(line, cases[i].has) == 0;
            CHECK(k == 0 || h[k].date > h[k - 1].date, "%d: out of order", cases[i].year);
        }
        CHECK(found, "%d: missing %s", cases[i].year, cases[i].has);
    }
    ed_holiday h[ED_HOLIDAYS_MAX];
    CHECK(ed_us_holidays(1899, h) == -1 && ed_us_holidays(2201, h) == -1, "range");
    CHECK(ED_BUSINESS_DAY_MIN == day_of("1900-01-01"), "ED_BUSINESS_DAY_MIN");
    CHECK(ED_BUSINESS_DAY_MAX == day_of("2200-12-31"), "ED_BUSINESS_DAY_MAX");
    CHECK(ed_is_business_day(ED_BUSINESS_DAY_MIN - 1) == -1, "before range");
    CHECK(ed_is_business_day(ED_BUSINESS_DAY_MAX + 1) == -1, "after range");
    CHECK(ed_us_holiday_on(ED_BUSINESS_DAY_MAX + 1) == NULL, "after range");
    PASS();
}

/* Naive references: step one day at a time. */
static int64_t naive_add(int64_t day, int64_t n)
{
    if (n == 0) {
        while (ed_is_business_day(day) == 0)
            day++;
        return day;
    }
    for (int64_t step = n > 0 ? 1 : -1; n != 0;) {
        day += step;
        int b = ed_is_business_day(day);
        if (b < 0)
            return INT64_MIN;
        n -= b * step;
    }
    return day;
}

static int64_t naive_between(int64_t a, int64_t b)
{
    int64_t lo = a < b ? a : b, hi = a < b ? b : a, n = 0;
    for (int64_t d = lo + 1; d <= hi; d++)
        n += ed_is_business_day(d);
    return a <= b ? n : -n;
}

/* Random days across the whole range against the naive loops, including
 * spans of several years (the year-skipping path). */
TEST(business_random_against_naive)
{
    rng_state = 0xb0d1e5ULL;
    for (int i = 0; i < 10000; i++) {
        int64_t day = rng_range(ED_BUSINESS_DAY_MIN + 800, ED_BUSINESS_DAY_MAX - 800);
        int64_t n = i % 10 == 0 ? rng_range(-500, 500) : rng_range(-25, 25);
        int64_t got, want = naive_add(day, n);
        CHECK(ed_add_business_days(day, n, &got) == 0, "%s %+lld failed", date_text(day),
              (long long)n);
        CHECK(got == want, "%s %+lld: %s, want %s", date_text(day), (long long)n,
              date_text(got), date_text(want));
        CHECK(ed_is_business_day(got) == 1, "%s not a business day", date_text(got));
        int64_t other = day + rng_range(-700, 700);
        CHECK(ed_business_days_between(day, other) == naive_between(day, other),
              "between %s %s", date_text(day), date_text(other));
        /* Between and add are inverse when day is a business day. */
        if (ed_is_business_day(day) == 1)
            CHECK(ed_business_days_between(day, got) == n, "%s %+lld: between",
                  date_text(day), (long long)n);
    }
    /* The ends of the range: 1900-01-01 is a holiday (a Monday), and
     * 2200-12-31 a business day (a Wednesday). */
    int64_t out;
    int64_t total = naive_between(ED_BUSINESS_DAY_MIN, ED_BUSINESS_DAY_MAX);
    CHECK(ed_business_days_between(ED_BUSINESS_DAY_MIN, ED_BUSINESS_DAY_MAX) == total,
          "whole range");
    CHECK(ed_add_business_days(ED_BUSINESS_DAY_MIN, total, &out) == 0 &&
              out == ED_BUSINESS_DAY_MAX,
          "to the end");
    CHECK(ed_add_business_days(ED_BUSINESS_DAY_MIN, total + 1, &out) == -1, "past the end");
    CHECK(ed_add_business_days(ED_BUSINESS_DAY_MAX, 1 - total, &out) == 0 &&
              out == day_of("1900-01-02"),
          "to the start");
    CHECK(ed_add_business_days(ED_BUSINESS_DAY_MAX, -total, &out) == -1,
          "past the start");
    CHECK(ed_add_business_days(ED_BUSINESS_DAY_MAX, 1, &out) == -1, "after max");
    CHECK(ed_add_business_days(ED_BUSINESS_DAY_MIN, -1, &out) == -1, "before min");
    CHECK(ed_add_business_days(day_of("2026-01-01"), INT64_MAX, &out) == -1, "INT64_MAX");
    CHECK(ed_add_business_days(day_of("2026-01-01"), INT64_MIN, &out) == -1, "INT64_MIN");
    CHECK(ed_add_business_days(ED_BUSINESS_DAY_MAX + 1, 0, &out) == -1, "day out of range");
    PASS();
}

/* 10,000 random dates through Lua: is_business_day agrees with weekday()
 * and the holidays() lists (this year's, and next year's New Year's Day
 * observed on Dec 31), and is_holiday with the same lists. */
TEST(mod_business_day_random_consistency)
{
    static const char fn[] =
        "local time = require 'edict.time'\n"
        "return function(d)\n"
        "  local y = tonumber(d:sub(1, 4))\n"
        "  local listed\n"
        "  for _, yy in ipairs({y, y + 1}) do\n"
        "    if yy <= 2200 then\n"
        "      for _, h in ipairs(time.holidays(yy)) do\n"
        "        if h.observed == d then listed = h.name end\n"
        "      end\n"
        "    end\n"
        "  end\n"
        "  local want = time.weekday(d) <= 5 and listed == nil\n"
        "  local is_h, name = time.is_holiday(d)\n"
        "  return time.is_business_day(d) == want and is_h == (listed ~= nil)\n"
        "     and name == listed\n"
        "end\n";
    lua_State *L = new_state();
    int holidays = 0;
    CHECK(L != NULL, "no Lua state");
    CHECK(luaL_loadbuffer(L, fn, sizeof fn - 1, "@rules/t.lua") == LUA_OK &&
              lua_pcall(L, 0, 1, 0) == LUA_OK,
          "load: %s", lua_tostring(L, -1));
    rng_state = 0xda7e5ULL;
    for (int i = 0; i < 10000; i++) {
        int64_t day = rng_range(ED_BUSINESS_DAY_MIN, ED_BUSINESS_DAY_MAX);
        lua_pushvalue(L, -1);
        lua_pushstring(L, date_text(day));
        CHECK(lua_pcall(L, 1, 1, 0) == LUA_OK, "%s: %s", date_text(day),
              lua_tostring(L, -1));
        CHECK(lua_toboolean(L, -1), "%s: inconsistent", date_text(day));
        lua_pop(L, 1);
        holidays += ed_us_holiday_on(day) != NULL;
    }
    lua_close(L);
    /* About 10 holidays in 261 weekdays: both kinds were seen. */
    CHECK(holidays > 200, "only %d holidays drawn", holidays);
    PASS();
}

TEST(mod_holidays)
{
    static const lua_case cases[] = {
        {"#time.holidays(2026), #time.holidays(2020), #time.holidays(1900)", "11,10,7"},
        {"(function() local h = time.holidays(2026)[6]"
         " return h.date, h.observed, h.name end)()",
         "2026-07-04,2026-07-03,Independence Day"},
        {"(function() local h = time.holidays(2022)[1]"
         " return h.date, h.observed, h.name end)()",
         "2022-01-01,2021-12-31,New Year's Day"},
        {"time.is_holiday('2021-12-31')", "true,New Year's Day"},
        {"time.is_holiday('2022-06-20')", "true,Juneteenth National Independence Day"},
        {"time.is_holiday('2022-06-19')", "false"},
        {"time.is_holiday('2026-07-03')", "true,Independence Day"},
        {"time.is_holiday('2026-07-04')", "false"},
        {"time.is_holiday('2027-12-24'), time.is_holiday('2027-12-31')",
         "true,true,New Year's Day"},
        {"time.is_holiday('2026-07-03T23:30:00-07:00')", "true,Independence Day"},
        {"time.is_business_day('2026-07-03'), time.is_business_day('2026-07-06')",
         "false,true"},
        {"time.is_business_day('2026-07-04'), time.is_business_day('2026-07-05')",
         "false,false"},
        {"time.is_business_day('2200-12-31'), time.is_business_day('1900-01-01')",
         "true,false"},
        {"time.holidays(1899)",
         BAD(1, "holidays", "year 1899 is out of range for federal holidays (1900..2200)")},
        {"time.holidays(2201)",
         BAD(1, "holidays", "year 2201 is out of range for federal holidays (1900..2200)")},
        {"time.holidays(2026.5)", BAD(1, "holidays", "number has no integer representation")},
        {"type(time.holidays('2026'))", "table"},
        {"time.is_holiday('2201-01-01')",
         BAD(1, "is_holiday", "year 2201 is out of range for federal holidays (1900..2200)")},
        {"time.is_business_day('1899-12-31')",
         BAD(1, "is_business_day",
             "year 1899 is out of range for federal holidays (1900..2200)")},
        {"time.is_business_day('2026-02-30')",
         BAD(1, "is_business_day", "day 30 is out of range for 2026-02")},
        {"time.is_business_day(20260302)",
         BAD(1, "is_business_day", "string expected, got number")},
    };
    return RUN_LUA(cases);
}

TEST(mod_business_days)
{
    static const lua_case cases[] = {
        /* across a weekend */
        {"time.add_business_days('2026-01-02', 1)", "2026-01-05"},
        {"time.add_business_days('2026-03-02', 5)", "2026-03-09"},
        {"time.add_business_days('2026-03-02', -5)", "2026-02-23"},
        {"time.add_business_days('2026-03-07', 1)", "2026-03-09"},
        {"time.add_business_days('2026-03-07', -1)", "2026-03-06"},
        /* across holidays */
        {"time.add_business_days('2026-07-02', 1)", "2026-07-06"},
        {"time.add_business_days('2026-07-06', -1)", "2026-07-02"},
        {"time.add_business_days('2021-12-30', 1)", "2022-01-03"},
        {"time.add_business_days('2022-01-03', -1)", "2021-12-30"},
        {"time.add_business_days('2026-11-25', 1)", "2026-11-27"},
        {"time.add_business_days('2026-02-17', -1)", "2026-02-13"},
        {"time.add_business_days('2027-12-23', 1)", "2027-12-27"},
        {"time.add_business_days('2027-12-30', 1)", "2028-01-03"},
        /* n = 0: d itself when a business day, else the next one */
        {"time.add_business_days('2026-07-06', 0)", "2026-07-06"},
        {"time.add_business_days('2026-07-03', 0)", "2026-07-06"},
        {"time.add_business_days('2026-07-04', 0)", "2026-07-06"},
        {"time.add_business_days('2026-07-06T23:00:00-10:00', 1)", "2026-07-07"},
        {"time.add_business_days('2026-01-01', 250)", "2026-12-31"},
        {"time.add_business_days('2200-12-31', 1)",
         BAD(2, "add_business_days", "date out of range (after 2200-12-31)")},
        {"time.add_business_days('1900-01-02', -1)",
         BAD(2, "add_business_days", "date out of range (before 1900-01-01)")},
        {"time.add_business_days('2026-01-01', math.maxinteger)",
         BAD(2, "add_business_days", "date out of range (after 2200-12-31)")},
        {"time.add_business_days('2026-01-01', math.mininteger)",
         BAD(2, "add_business_days", "date out of range (before 1900-01-01)")},
        {"time.add_business_days('2026-01-01', 1.5)",
         BAD(2, "add_business_days", "number has no integer representation")},
        {"time.add_business_days('2026-01-01')",
         BAD(2, "add_business_days", "number expected, got no value")},
        {"time.add_business_days('2250-01-01', 1)",
         BAD(1, "add_business_days",
             "year 2250 is out of range for federal holidays (1900..2200)")},
        /* between: after a, up to and including b */
        {"time.business_days_between('2026-07-02', '2026-07-08')", "3"},
        {"time.business_days_between('2026-07-08', '2026-07-02')", "-3"},
        {"time.business_days_between('2026-07-02', '2026-07-02')", "0"},
        {"time.business_days_between('2026-07-03', '2026-07-06')", "1"},
        {"time.business_days_between('2026-07-03', '2026-07-05')", "0"},
        {"time.business_days_between('2026-01-01', '2026-12-31')", "250"},
        {"time.business_days_between('2025-12-31', '2026-12-31')", "250"},
        {"time.business_days_between('2021-12-30', '2022-01-03')", "1"},
        {"time.business_days_between('2026-07-02', '2199-07-02T10:00:00Z') > 0", "true"},
        {"time.business_days_between('2026-07-02', '2201-01-01')",
         BAD(2, "business_days_between",
             "year 2201 is out of range for federal holidays (1900..2200)")},
    };
    return RUN_LUA(cases);
}

TEST(mod_business_deadline)
{
    static const lua_case cases[] = {
        /* FMCSA 382.705(b): by the close of the 3rd business day after */
        {"time.business_deadline('2026-03-04', 3)", "2026-03-09"}, /* Wed: weekend */
        {"time.business_deadline('2026-03-06', 3)", "2026-03-11"}, /* Fri */
        {"time.business_deadline('2026-03-07', 3)", "2026-03-11"}, /* Sat */
        {"time.business_deadline('2026-07-02', 3)", "2026-07-08"}, /* July 3 off */
        {"time.business_deadline('2026-11-25', 2)", "2026-11-30"}, /* Thanksgiving */
        {"time.business_deadline('2021-12-29', 3)", "2022-01-04"}, /* Dec 31 off */
        {"time.business_deadline('2026-07-03', 1)", "2026-07-06"}, /* on a holiday */
        /* The hour does not matter; the date is as written... */
        {"time.business_deadline('2026-07-02T23:59:59-05:00', 3)", "2026-07-08"},
        {"time.business_deadline('2026-07-07T03:00:00Z', 3)", "2026-07-10"},
        /* ...or on the zone's clock: July 6 in Chicago. */
        {"time.business_deadline('2026-07-07T03:00:00Z', 3, 'America/Chicago')",
         "2026-07-09"},
        {"time.business_deadline('2026-07-07', 3, 'America/Chicago')", "2026-07-10"},
        {"time.business_deadline('2026-07-07T03:00:00Z', 3, nil)", "2026-07-10"},
        {"time.business_deadline('2026-07-02', 0)",
         BAD(2, "business_deadline", "business day count must be at least 1")},
        {"time.business_deadline('2026-07-02', -3)",
         BAD(2, "business_deadline", "business day count must be at least 1")},
        {"time.business_deadline('2200-12-30', 3)",
         BAD(2, "business_deadline", "date out of range (after 2200-12-31)")},
        {"time.business_deadline('1899-12-29', 3)",
         BAD(1, "business_deadline",
             "year 1899 is out of range for federal holidays (1900..2200)")},
        {"time.business_deadline('2026-07-02', 3, 'Mars/Olympus')",
         BAD(3, "business_deadline", "unknown time zone 'Mars/Olympus'")},
        {"time.business_deadline('2026-07-02')",
         BAD(2, "business_deadline", "number expected, got no value")},
    };
    return RUN_LUA(cases);
}

TEST(mod_add_seconds)
{
    static const lua_case cases[] = {
        /* In ts's own offset, as ts writes it */
        {"time.add_seconds('2026-03-02T10:00:00Z', 1)", "2026-03-02T10:00:01Z"},
        {"time.add_seconds('2026-03-02t10:00:00z', 1)", "2026-03-02T10:00:01Z"},
        {"time.add_seconds('2026-03-02 10:00:00+00:00', 60)", "2026-03-02T10:01:00+00:00"},
        {"time.add_seconds('2026-03-02T10:00:00-00:00', 3600)", "2026-03-02T11:00:00-00:00"},
        {"time.add_seconds('2026-01-01T00:00:00+05:30', -1)", "2025-12-31T23:59:59+05:30"},
        {"time.add_seconds('2024-02-28T23:00:00-08:00', 3600)", "2024-02-29T00:00:00-08:00"},
        {"time.add_seconds('2026-03-02T10:00:00-08:00', 0)", "2026-03-02T10:00:00-08:00"},
        {"time.add_seconds('2026-03-02T10:00:00-08:00', 2.0)", "2026-03-02T10:00:02-08:00"},
        {"time.add_seconds('2026-03-02T10:00:00.250Z', 60)", "2026-03-02T10:01:00.25Z"},
        {"time.add_seconds('2026-03-02T10:00:00.000000001+01:00', -1)",
         "2026-03-02T09:59:59.000000001+01:00"},
        /* A DST change moves the wall clock, not the instant: 24 h of real
         * time from 10:00 PST ends at 11:00 PDT, from 10:00 PDT in the
         * autumn at 09:00 PST. The offset is the zone's at the result. */
        {"time.add_seconds('2026-03-07T10:00:00-08:00', 86400)", "2026-03-08T10:00:00-08:00"},
        {"time.add_seconds('2026-03-07T10:00:00-08:00', 86400, 'America/Los_Angeles')",
         "2026-03-08T11:00:00-07:00"},
        {"time.add_seconds('2026-10-31T10:00:00-07:00', 86400, 'America/Los_Angeles')",
         "2026-11-01T09:00:00-08:00"},
        {"time.add_seconds('2026-03-08T01:59:59-08:00', 1, 'America/Los_Angeles')",
         "2026-03-08T03:00:00-07:00"},
        {"time.add_seconds('2026-07-01T14:00:00+02:00', 0, 'UTC')", "2026-07-01T12:00:00+00:00"},
        {"time.add_seconds('2026-07-01T12:00:00.5Z', 0, 'Asia/Kathmandu')",
         "2026-07-01T17:45:00.5+05:45"},
        {"time.add_seconds('2026-03-07T10:00:00-08:00', 86400, nil)", "2026-03-08T10:00:00-08:00"},
        /* The same instant, whichever way it is written */
        {"time.seconds_between('2026-03-07T10:00:00-08:00',"
         " time.add_seconds('2026-03-07T10:00:00-08:00', 90061, 'Asia/Tokyo'))", "90061"},
        {"time.add_seconds('0001-01-01T00:00:00Z', 315537897599)", "9999-12-31T23:59:59Z"},
        {"time.add_seconds('9999-12-31T23:59:59Z', -315537897599)", "0001-01-01T00:00:00Z"},
        /* Errors */
        {"time.add_seconds('9999-12-31T23:59:59Z', 1)",
         BAD(2, "add_seconds", "date out of range (after 9999-12-31)")},
        {"time.add_seconds('0001-01-01T00:00:00Z', -1)",
         BAD(2, "add_seconds", "date out of range (before 0001-01-01)")},
        {"time.add_seconds('9999-12-31T23:00:00+01:00', 3600)",
         BAD(2, "add_seconds", "date out of range (after 9999-12-31)")},
        {"time.add_seconds('9999-12-31T23:30:00Z', 0, 'Asia/Tokyo')",
         BAD(2, "add_seconds", "date out of range (after 9999-12-31)")},
        {"time.add_seconds('9999-12-31T23:30:00Z', 3600, 'Asia/Tokyo')",
         BAD(2, "add_seconds", "date out of range (after 9999-12-31)")},
        {"time.add_seconds('2026-01-01T00:00:00Z', math.maxinteger)",
         BAD(2, "add_seconds", "date out of range (after 9999-12-31)")},
        {"time.add_seconds('2026-01-01T00:00:00Z', math.mininteger)",
         BAD(2, "add_seconds", "date out of range (before 0001-01-01)")},
        {"time.add_seconds('2026-01-01T00:00:00Z', 1.5)",
         BAD(2, "add_seconds", "number has no integer representation")},
        {"time.add_seconds('2026-01-01T00:00:00Z')",
         BAD(2, "add_seconds", "number expected, got no value")},
        {"time.add_seconds('2026-01-01', 1)",
         BAD(1, "add_seconds", "expected 'T' or a space at offset 10")},
        {"time.add_seconds('2026-02-30T00:00:00Z', 1)",
         BAD(1, "add_seconds", "day 30 is out of range for 2026-02")},
        {"time.add_seconds(1772474400, 1)", BAD(1, "add_seconds", "string expected, got number")},
        {"time.add_seconds()", BAD(1, "add_seconds", "string expected, got no value")},
        {"time.add_seconds('2026-01-01T00:00:00Z', 1, 'Mars/Olympus')",
         BAD(3, "add_seconds", "unknown time zone 'Mars/Olympus'")},
        {"time.add_seconds('2026-01-01T00:00:00Z', 1, '/etc/passwd')",
         BAD(3, "add_seconds", "invalid time zone name '/etc/passwd'")},
        {"time.add_seconds('2026-01-01T00:00:00Z', 1, 5)",
         BAD(3, "add_seconds", "string expected, got number")},
    };
    return RUN_LUA(cases);
}

/* Random timestamps, offsets and counts: the result parses, denotes the
 * instant epoch + n, and keeps ts's offset and fraction. */
TEST(mod_add_seconds_random)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no Lua state");
    for (int i = 0; i < 3000; i++) {
        char ts[64], expr[160], err[128];
        int off = (int)rng_range(-1439, 1439);
        int64_t epoch = rng_range(ED_TIME_DAY_MIN * 86400 + 86400,
                                  ED_TIME_DAY_MAX * 86400 - 86400);
        int64_t n = i % 3 == 0 ? rng_range(-86400 * 3, 86400 * 3)
                               : rng_range(-(int64_t)1e10, (int64_t)1e10);
        int64_t local = epoch + off * 60;
        int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
        int64_t sod = local - day * 86400;
        int y, m, d, a = off < 0 ? -off : off;
        ed_civil_from_days(day, &y, &m, &d);
        int nsec = i % 2 ? (int)rng_range(0, 999) * 1000000 : 0;
        snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%09d%c%02d:%02d", y, m,
                 d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), nsec,
                 off < 0 ? '-' : '+', a / 60, a % 60);
        snprintf(expr, sizeof expr, "time.add_seconds('%s', %lld)", ts, (long long)n);
        const char *got = eval(L, expr);
        ed_time in, out;
        CHECK(parse(ts, 0, &in, err, sizeof err) == 0, "%s: %s", ts, err);
        if (strstr(got, "bad argument") != NULL) {
            /* only when the result leaves 0001..9999 on ts's clock */
            int64_t r = epoch + n + off * 60;
            CHECK(r < ED_TIME_DAY_MIN * 86400 || r >= (ED_TIME_DAY_MAX + 1) * 86400,
                  "%s: %s", expr, got);
            continue;
        }
        CHECK(parse(got, 0, &out, err, sizeof err) == 0, "%s -> %s: %s", expr, got, err);
        CHECK(out.epoch == in.epoch + n && out.offset_minutes == in.offset_minutes &&
                  out.nanosecond == in.nanosecond,
              "%s -> %s", expr, got);
    }
    lua_close(L);
    PASS();
}

/* Argument errors name the argument and the function, and carry the
 * caller's file:line, whichever way the rule calls the function. */
TEST(mod_errors_name_caller)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no Lua state");
    static const char code[] =
        "local time = require 'edict.time'\n"
        "local function check(e)\n"
        "  return time.add_days(e.due, 30)\n"
        "end\n"
        "return check({due = '2026-02-30'})\n";
    CHECK(luaL_loadbuffer(L, code, sizeof code - 1, "@jurisdictions/us-or/waste.lua") ==
              LUA_OK, "load");
    CHECK(lua_pcall(L, 0, 1, 0) != LUA_OK, "no error raised");
    CHECK_STR(lua_tostring(L, -1),
              "jurisdictions/us-or/waste.lua:3: bad argument #1 to 'add_days' "
              "(day 30 is out of range for 2026-02)");
    lua_pop(L, 1);
    /* Through pcall there is no Lua caller line; Lua names the function by
     * its place in package.loaded. */
    const char *got = eval(L, "select(2, pcall(time.date, '2026-02-30'))");
    CHECK_STR(got, "bad argument #1 to 'edict.time.date' "
                   "(day 30 is out of range for 2026-02)");
    lua_close(L);
    PASS();
}

ED_TEST_MAIN(T(parse_valid), T(parse_errors), T(parse_edge_inputs), T(leap_days),
             T(offsets_keep_date_as_written), T(civil_known_days),
             T(civil_every_day_in_range), T(civil_extremes_do_not_overflow),
             T(random_against_glibc), T(mutations_accept_only_real_instants), T(mod_module_table), T(mod_parse), T(mod_valid),
             T(mod_date_and_epoch), T(mod_between), T(mod_add_days),
             T(mod_add_months_and_years), T(mod_month_bounds), T(mod_weekday_and_is_leap),
             T(mod_compare), T(mod_format_date), T(mod_errors_name_caller),
             T(holidays_2021_2027_table), T(holidays_every_day_2021_2027),
             T(holidays_history), T(business_random_against_naive),
             T(mod_business_day_random_consistency), T(mod_holidays),
             T(mod_business_days), T(mod_business_deadline), T(mod_add_seconds),
             T(mod_add_seconds_random))
