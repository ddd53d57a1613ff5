/*
 * test_time.c — unit tests of stdlib/time.c: the RFC 3339 parser with the
 * exact text of every rejection, the civil arithmetic against glibc's
 * timegm()/gmtime_r() as an independent oracle, and the Lua module
 * edict.time driven through a real lua_State.
 */
#define _DEFAULT_SOURCE /* timegm() */

#include "check.h"
#include "../../stdlib/time.h"

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
         "16"},
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
             T(mod_compare), T(mod_format_date), T(mod_errors_name_caller))
