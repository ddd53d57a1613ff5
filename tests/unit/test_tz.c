/*
 * test_tz.c — unit tests of stdlib/tz.c (IANA time zones) and of the
 * zone functions of edict.time (local_date, local_time, to_zone):
 * DST transition days in both directions, instants past the last stored
 * transition (the TZif footer rule), refused zone names, concurrent
 * first loads, and random instants against glibc's localtime_r as an
 * independent oracle. glibc needs TZ set in the environment, so it runs
 * in a forked child: the test process itself never touches TZ.
 *
 * Needs the tzdata package (/usr/share/zoneinfo).
 */
#define _DEFAULT_SOURCE /* fork, setenv, tm_gmtoff, tm_zone */

#include "check.h"
#include "stdlib/time.h"
#include "stdlib/tz.h"

#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

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

/* Evaluate a Lua expression list as line 1 of rules/t.lua; its results
 * joined by ",", or the error message. */
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

/* Deterministic generator (splitmix64), so a failure reproduces. */
static uint64_t rng_state = 0x7a2026ULL;

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

static int64_t epoch_of(const char *s)
{
    ed_time t;
    if (ed_time_parse(s, strlen(s), 1, &t, NULL, 0) != 0)
        return INT64_MIN;
    return t.epoch;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* ------------------------------------------------------------------ */
/* glibc in a child process                                            */
/* ------------------------------------------------------------------ */

typedef struct local_tm {
    int64_t gmtoff;
    int isdst, year, month, day, hour, min, sec;
    char abbr[16];
} local_tm;

/* localtime_r of each instant in zone, computed by a forked child that
 * sets TZ; the parent reads the answers from a pipe. Returns 0, or -1 if
 * the child failed. */
static int glibc_local(const char *zone, const int64_t *t, size_t n, local_tm *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        char tz[160];
        snprintf(tz, sizeof tz, ":%s", zone);
        setenv("TZ", tz, 1);
        tzset();
        for (size_t i = 0; i < n; i++) {
            time_t tt = (time_t)t[i];
            struct tm tm;
            local_tm r;
            memset(&r, 0, sizeof r);
            if (localtime_r(&tt, &tm) == NULL)
                _exit(2);
            r.gmtoff = tm.tm_gmtoff;
            r.isdst = tm.tm_isdst > 0;
            r.year = tm.tm_year + 1900, r.month = tm.tm_mon + 1, r.day = tm.tm_mday;
            r.hour = tm.tm_hour, r.min = tm.tm_min, r.sec = tm.tm_sec;
            snprintf(r.abbr, sizeof r.abbr, "%s", tm.tm_zone ? tm.tm_zone : "");
            const char *p = (const char *)&r;
            for (size_t left = sizeof r; left > 0;) {
                ssize_t w = write(fds[1], p, left);
                if (w <= 0)
                    _exit(3);
                p += w;
                left -= (size_t)w;
            }
        }
        _exit(0);
    }
    close(fds[1]);
    char *p = (char *)out;
    size_t want = n * sizeof *out, got = 0;
    while (got < want) {
        ssize_t r = read(fds[0], p + got, want - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    return got == want && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Compare ed_tz_lookup with glibc for n random instants in [lo, hi]. */
static int compare_with_glibc(const char *zone, int64_t lo, int64_t hi, size_t n,
                              char *why_, size_t why_len_)
{
    int64_t *t = malloc(n * sizeof *t);
    local_tm *want = malloc(n * sizeof *want);
    CHECK(t != NULL && want != NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        t[i] = rng_range(lo, hi);
    if (glibc_local(zone, t, n, want) != 0) {
        free(t);
        free(want);
        CHECK(0, "%s: the glibc child failed", zone);
    }
    for (size_t i = 0; i < n; i++) {
        ed_tz_info info;
        char err[256];
        int y, m, d;
        int rc = ed_tz_lookup(zone, t[i], &info, err, sizeof err);
        int64_t local = t[i] + info.offset_seconds;
        int64_t sod = local - floor_div(local, 86400) * 86400;
        ed_civil_from_days(floor_div(local, 86400), &y, &m, &d);
        const local_tm *w = &want[i];
        int ok = rc == ED_TZ_OK && info.offset_seconds == w->gmtoff &&
                 info.isdst == w->isdst && y == w->year && m == w->month &&
                 d == w->day && sod == w->hour * 3600 + w->min * 60 + w->sec &&
                 strcmp(info.abbr, w->abbr) == 0;
        if (!ok) {
            snprintf(why_, why_len_,
                     "%s at %lld: ours rc %d off %d dst %d %s, glibc off %lld dst %d %s "
                     "%04d-%02d-%02d %02d:%02d:%02d",
                     zone, (long long)t[i], rc, info.offset_seconds, info.isdst,
                     rc == ED_TZ_OK ? info.abbr : err, (long long)w->gmtoff, w->isdst,
                     w->abbr, w->year, w->month, w->day, w->hour, w->min, w->sec);
            free(t);
            free(want);
            return 1;
        }
    }
    free(t);
    free(want);
    PASS();
}

#define T1970 ((int64_t)0)
#define T2038 ((int64_t)2145916800) /* 2038-01-01 */
#define T2200 ((int64_t)7289654399) /* 2200-12-31T23:59:59Z */

/* ------------------------------------------------------------------ */
/* C API                                                               */
/* ------------------------------------------------------------------ */

/* First loads of several zones from many threads at once: every thread
 * sees the answers a single thread sees afterwards. Runs first, while
 * these zones are not yet cached. */
#define THREADS 8
static const char *const thread_zones[] = {"Asia/Tokyo", "Africa/Cairo",
                                           "America/Sao_Paulo", "Pacific/Chatham",
                                           "Europe/Dublin", "Australia/Lord_Howe"};
#define N_THREAD_ZONES (sizeof thread_zones / sizeof thread_zones[0])
#define THREAD_LOOKUPS 3000

typedef struct thread_job {
    uint64_t seed;
    int64_t t[THREAD_LOOKUPS];
    int zone[THREAD_LOOKUPS];
    int offset[THREAD_LOOKUPS];
    int failed;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *job = arg;
    uint64_t s = job->seed;
    for (int i = 0; i < THREAD_LOOKUPS; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        job->zone[i] = (int)((s >> 33) % N_THREAD_ZONES);
        job->t[i] = (int64_t)((s >> 20) % (uint64_t)T2200);
        if (ed_tz_offset(thread_zones[job->zone[i]], job->t[i], &job->offset[i], NULL,
                         0) != ED_TZ_OK)
            job->failed++;
    }
    return NULL;
}

TEST(tz_threads_first_load)
{
    static thread_job jobs[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].seed = 0x1234 + (uint64_t)i;
        CHECK(pthread_create(&th[i], NULL, thread_main, &jobs[i]) == 0, "thread");
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        CHECK(jobs[i].failed == 0, "thread %d: %d lookups failed", i, jobs[i].failed);
        for (int k = 0; k < THREAD_LOOKUPS; k++) {
            int off;
            CHECK(ed_tz_offset(thread_zones[jobs[i].zone[k]], jobs[i].t[k], &off, NULL,
                               0) == ED_TZ_OK,
                  "lookup");
            CHECK(off == jobs[i].offset[k], "%s at %lld: %d in a thread, %d after",
                  thread_zones[jobs[i].zone[k]], (long long)jobs[i].t[k],
                  jobs[i].offset[k], off);
        }
    }
    PASS();
}

/* The offset and DST flag one second either side of each 2026
 * transition. */
TEST(tz_dst_transitions_2026)
{
    static const struct {
        const char *zone, *at;
        int offset, isdst;
        const char *abbr;
    } cases[] = {
        /* Los Angeles: 2026-03-08 02:00 PST -> 03:00 PDT; 2026-11-01
         * 02:00 PDT -> 01:00 PST. */
        {"America/Los_Angeles", "2026-03-08T09:59:59Z", -28800, 0, "PST"},
        {"America/Los_Angeles", "2026-03-08T10:00:00Z", -25200, 1, "PDT"},
        {"America/Los_Angeles", "2026-11-01T08:59:59Z", -25200, 1, "PDT"},
        {"America/Los_Angeles", "2026-11-01T09:00:00Z", -28800, 0, "PST"},
        {"America/New_York", "2026-03-08T06:59:59Z", -18000, 0, "EST"},
        {"America/New_York", "2026-03-08T07:00:00Z", -14400, 1, "EDT"},
        {"America/New_York", "2026-11-01T05:59:59Z", -14400, 1, "EDT"},
        {"America/New_York", "2026-11-01T06:00:00Z", -18000, 0, "EST"},
        /* Brussels: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25
         * 03:00 CEST -> 02:00 CET, both at 01:00 UTC. */
        {"Europe/Brussels", "2026-03-29T00:59:59Z", 3600, 0, "CET"},
        {"Europe/Brussels", "2026-03-29T01:00:00Z", 7200, 1, "CEST"},
        {"Europe/Brussels", "2026-10-25T00:59:59Z", 7200, 1, "CEST"},
        {"Europe/Brussels", "2026-10-25T01:00:00Z", 3600, 0, "CET"},
        /* Southern hemisphere: Sydney's DST spans New Year. */
        {"Australia/Sydney", "2026-01-15T00:00:00Z", 39600, 1, "AEDT"},
        {"Australia/Sydney", "2026-04-04T15:59:59Z", 39600, 1, "AEDT"},
        {"Australia/Sydney", "2026-04-04T16:00:00Z", 36000, 0, "AEST"},
        {"Australia/Sydney", "2026-10-03T15:59:59Z", 36000, 0, "AEST"},
        {"Australia/Sydney", "2026-10-03T16:00:00Z", 39600, 1, "AEDT"},
        /* Fixed offsets, quoted designations, negative "DST". */
        {"UTC", "2026-07-01T00:00:00Z", 0, 0, "UTC"},
        {"Asia/Kolkata", "2026-07-01T00:00:00Z", 19800, 0, "IST"},
        {"Asia/Kathmandu", "2026-07-01T00:00:00Z", 20700, 0, "+0545"},
        {"America/Sao_Paulo", "2026-01-01T00:00:00Z", -10800, 0, "-03"},
        {"Europe/Dublin", "2026-01-15T00:00:00Z", 0, 1, "GMT"},
        {"Europe/Dublin", "2026-07-15T00:00:00Z", 3600, 0, "IST"},
        {"Etc/GMT+5", "2026-07-01T00:00:00Z", -18000, 0, "-05"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ed_tz_info info;
        char err[256] = "";
        int off = 12345;
        int64_t t = epoch_of(cases[i].at);
        CHECK(ed_tz_lookup(cases[i].zone, t, &info, err, sizeof err) == ED_TZ_OK,
              "%s: %s", cases[i].zone, err);
        CHECK(info.offset_seconds == cases[i].offset && info.isdst == cases[i].isdst &&
                  strcmp(info.abbr, cases[i].abbr) == 0,
              "%s at %s: %d %d %s", cases[i].zone, cases[i].at, info.offset_seconds,
              info.isdst, info.abbr);
        CHECK(ed_tz_offset(cases[i].zone, t, &off, NULL, 0) == ED_TZ_OK &&
                  off == cases[i].offset,
              "ed_tz_offset %s: %d", cases[i].zone, off);
    }
    PASS();
}

/* Past 2037 (and past the last transition stored in the file) the
 * footer's POSIX rule decides. */
TEST(tz_footer_rule_past_2037)
{
    static const struct {
        const char *zone, *at;
        int offset, isdst;
    } cases[] = {
        {"America/Los_Angeles", "2100-07-01T12:00:00Z", -25200, 1},
        {"America/Los_Angeles", "2100-01-01T12:00:00Z", -28800, 0},
        /* 2100-03-14 (2nd Sunday) 02:00 PST = 10:00 UTC */
        {"America/Los_Angeles", "2100-03-14T09:59:59Z", -28800, 0},
        {"America/Los_Angeles", "2100-03-14T10:00:00Z", -25200, 1},
        {"America/New_York", "2050-11-06T05:59:59Z", -14400, 1},
        {"America/New_York", "2050-11-06T06:00:00Z", -18000, 0},
        /* Brussels 2200: last Sunday of March is 2200-03-30. */
        {"Europe/Brussels", "2200-03-30T00:59:59Z", 3600, 0},
        {"Europe/Brussels", "2200-03-30T01:00:00Z", 7200, 1},
        {"Australia/Sydney", "2150-01-01T00:00:00Z", 39600, 1},
        {"Australia/Sydney", "2150-07-01T00:00:00Z", 36000, 0},
        {"Pacific/Chatham", "2090-01-01T00:00:00Z", 49500, 1},
        {"Pacific/Chatham", "2090-07-01T00:00:00Z", 45900, 0},
        {"Europe/Dublin", "2090-01-01T00:00:00Z", 0, 1},
        {"Asia/Tokyo", "9999-12-31T23:59:59Z", 32400, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ed_tz_info info;
        char err[256] = "";
        CHECK(ed_tz_lookup(cases[i].zone, epoch_of(cases[i].at), &info, err,
                           sizeof err) == ED_TZ_OK,
              "%s: %s", cases[i].zone, err);
        CHECK(info.offset_seconds == cases[i].offset && info.isdst == cases[i].isdst,
              "%s at %s: %d %d", cases[i].zone, cases[i].at, info.offset_seconds,
              info.isdst);
    }
    PASS();
}

/* 10,000 random instants 1970-2037 per zone against glibc, then 2,000
 * in 2038-2200 (both sides evaluating the footer rule). */
TEST(tz_random_against_glibc)
{
    static const char *const zones[] = {"America/Los_Angeles", "America/New_York",
                                        "Europe/Brussels"};
    rng_state = 0x91bcULL;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (compare_with_glibc(zones[i], T1970, T2038 - 1, 10000, why_, why_len_) != 0)
            return 1;
        if (compare_with_glibc(zones[i], T2038, T2200, 2000, why_, why_len_) != 0)
            return 1;
    }
    PASS();
}

/* Every zone of zone1970.tab (every footer form tzdata uses: quoted
 * names, minutes in offsets, negative and >24h rule times, negative DST),
 * 300 random instants 1900-2200 each, against glibc. */
TEST(tz_every_zone_against_glibc)
{
    FILE *f = fopen(ED_TZ_DIR "/zone1970.tab", "r");
    char line[512];
    int zones = 0;
    CHECK(f != NULL, "cannot open zone1970.tab (is tzdata installed?)");
    rng_state = 0x2e0e5ULL;
    while (fgets(line, sizeof line, f) != NULL) {
        char *save = NULL, *name;
        if (line[0] == '#')
            continue;
        strtok_r(line, "\t\n", &save);
        strtok_r(NULL, "\t\n", &save);
        name = strtok_r(NULL, "\t\n", &save);
        if (name == NULL)
            continue;
        /* -2177452800 = 1901-01-01: glibc and RFC 9636 pick the type
         * before the first transition differently (both LMT in practice,
         * but not worth depending on). */
        if (compare_with_glibc(name, -2177452800LL, T2200, 300, why_, why_len_) != 0) {
            fclose(f);
            return 1;
        }
        zones++;
    }
    fclose(f);
    CHECK(zones > 250, "only %d zones", zones);
    PASS();
}

/* Names that are not zone names are refused before any file is opened;
 * names of files that are not zones are refused after. */
TEST(tz_names_refused)
{
    static const struct {
        const char *name;
        int code;
        const char *err;
    } cases[] = {
        {"Mars/Olympus", ED_TZ_EUNKNOWN, "unknown time zone 'Mars/Olympus'"},
        {"America", ED_TZ_EUNKNOWN, "unknown time zone 'America'"},
        {"localtime", ED_TZ_EUNKNOWN, "unknown time zone 'localtime'"},
        {"america/new_york", ED_TZ_EUNKNOWN, "unknown time zone 'america/new_york'"},
        {"../etc/passwd", ED_TZ_EINVAL, "invalid time zone name '../etc/passwd'"},
        {"/etc/passwd", ED_TZ_EINVAL, "invalid time zone name '/etc/passwd'"},
        {"America/../../etc/passwd", ED_TZ_EINVAL,
         "invalid time zone name 'America/../../etc/passwd'"},
        {"..", ED_TZ_EINVAL, "invalid time zone name '..'"},
        {".", ED_TZ_EINVAL, "invalid time zone name '.'"},
        {"", ED_TZ_EINVAL, "invalid time zone name ''"},
        {"America//New_York", ED_TZ_EINVAL, "invalid time zone name 'America//New_York'"},
        {"America/New_York/", ED_TZ_EINVAL, "invalid time zone name 'America/New_York/'"},
        {"America/New York", ED_TZ_EINVAL, "invalid time zone name 'America/New York'"},
        {"zone.tab", ED_TZ_EINVAL, "invalid time zone name 'zone.tab'"},
        {"%s%n%s", ED_TZ_EINVAL, "invalid time zone name '%s%n%s'"},
        {"Europe/Brussels\n", ED_TZ_EINVAL, "invalid time zone name 'Europe/Brussels?'"},
        {"Europe\\Brussels", ED_TZ_EINVAL, "invalid time zone name 'Europe\\Brussels'"},
        {"leapseconds", ED_TZ_EBADFILE,
         "time zone 'leapseconds' is not a usable TZif file (not a TZif file)"},
        {"right/UTC", ED_TZ_EBADFILE,
         "time zone 'right/UTC' is not a usable TZif file "
         "(leap second tables are not supported)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ed_tz_info info;
        char err[256] = "";
        int rc = ed_tz_lookup(cases[i].name, 0, &info, err, sizeof err);
        CHECK(rc == cases[i].code, "%s: rc %d (%s)", cases[i].name, rc, err);
        CHECK_STR(err, cases[i].err);
    }
    char long_name[ED_TZ_NAME_MAX + 2], err[256];
    ed_tz_info info;
    memset(long_name, 'A', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK(ed_tz_lookup(long_name, 0, &info, err, sizeof err) == ED_TZ_EINVAL,
          "129 bytes accepted");
    CHECK(strstr(err, "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'") != NULL, "%s", err);
    CHECK(ed_tz_lookup(NULL, 0, &info, err, sizeof err) == ED_TZ_EINVAL, "NULL");
    CHECK(ed_tz_lookup("UTC", INT64_MAX, &info, err, sizeof err) == ED_TZ_ERANGE,
          "INT64_MAX");
    CHECK(ed_tz_lookup("UTC", INT64_MIN, &info, NULL, 0) == ED_TZ_ERANGE, "INT64_MIN");
    CHECK(ed_tz_valid_name("Etc/GMT+5") && ed_tz_valid_name("America/Port-au-Prince") &&
              !ed_tz_valid_name("a/../b") && !ed_tz_valid_name(NULL),
          "ed_tz_valid_name");
    /* Links resolve like their targets. */
    int a, b;
    CHECK(ed_tz_offset("US/Eastern", 1782000000, &a, NULL, 0) == ED_TZ_OK &&
              ed_tz_offset("America/New_York", 1782000000, &b, NULL, 0) == ED_TZ_OK &&
              a == b && a == -14400,
          "US/Eastern");
    PASS();
}

/* ------------------------------------------------------------------ */
/* Lua functions                                                       */
/* ------------------------------------------------------------------ */

TEST(mod_local_date_transition_days)
{
    static const lua_case cases[] = {
        /* Los Angeles, spring forward (2026-03-08) and fall back (11-01),
         * around local midnight on both sides and around 02:00. */
        {"time.local_date('2026-03-08T07:59:59Z', 'America/Los_Angeles')", "2026-03-07"},
        {"time.local_date('2026-03-08T08:00:00Z', 'America/Los_Angeles')", "2026-03-08"},
        {"time.local_date('2026-03-08T09:59:59Z', 'America/Los_Angeles')", "2026-03-08"},
        {"time.local_date('2026-03-08T10:00:00Z', 'America/Los_Angeles')", "2026-03-08"},
        {"time.local_date('2026-03-09T06:59:59Z', 'America/Los_Angeles')", "2026-03-08"},
        {"time.local_date('2026-03-09T07:00:00Z', 'America/Los_Angeles')", "2026-03-09"},
        {"time.local_date('2026-11-01T06:59:59Z', 'America/Los_Angeles')", "2026-10-31"},
        {"time.local_date('2026-11-01T07:00:00Z', 'America/Los_Angeles')", "2026-11-01"},
        {"time.local_date('2026-11-02T07:59:59Z', 'America/Los_Angeles')", "2026-11-01"},
        {"time.local_date('2026-11-02T08:00:00Z', 'America/Los_Angeles')", "2026-11-02"},
        /* New York */
        {"time.local_date('2026-03-08T04:59:59Z', 'America/New_York')", "2026-03-07"},
        {"time.local_date('2026-03-08T05:00:00Z', 'America/New_York')", "2026-03-08"},
        {"time.local_date('2026-03-09T03:59:59Z', 'America/New_York')", "2026-03-08"},
        {"time.local_date('2026-03-09T04:00:00Z', 'America/New_York')", "2026-03-09"},
        {"time.local_date('2026-11-01T03:59:59Z', 'America/New_York')", "2026-10-31"},
        {"time.local_date('2026-11-01T04:00:00Z', 'America/New_York')", "2026-11-01"},
        {"time.local_date('2026-11-02T04:59:59Z', 'America/New_York')", "2026-11-01"},
        {"time.local_date('2026-11-02T05:00:00Z', 'America/New_York')", "2026-11-02"},
        /* Brussels (2026-03-29, 2026-10-25) */
        {"time.local_date('2026-03-28T22:59:59Z', 'Europe/Brussels')", "2026-03-28"},
        {"time.local_date('2026-03-28T23:00:00Z', 'Europe/Brussels')", "2026-03-29"},
        {"time.local_date('2026-03-29T21:59:59Z', 'Europe/Brussels')", "2026-03-29"},
        {"time.local_date('2026-03-29T22:00:00Z', 'Europe/Brussels')", "2026-03-30"},
        {"time.local_date('2026-10-24T21:59:59Z', 'Europe/Brussels')", "2026-10-24"},
        {"time.local_date('2026-10-24T22:00:00Z', 'Europe/Brussels')", "2026-10-25"},
        {"time.local_date('2026-10-25T22:59:59Z', 'Europe/Brussels')", "2026-10-25"},
        {"time.local_date('2026-10-25T23:00:00Z', 'Europe/Brussels')", "2026-10-26"},
        /* Any offset in the input: the instant is what counts. */
        {"time.local_date('2026-03-08T00:30:00+01:00', 'America/New_York')",
         "2026-03-07"},
        {"time.local_date('2026-03-08', 'Asia/Tokyo')", "2026-03-08"},
        {"time.local_date('2026-03-08', 'America/New_York')", "2026-03-07"},
        {"time.local_date(1772953200, 'America/Los_Angeles')", "2026-03-07"},
        {"time.local_date('2100-07-01T06:59:59Z', 'America/Los_Angeles')", "2100-06-30"},
        {"time.local_date('2100-07-01T07:00:00Z', 'America/Los_Angeles')", "2100-07-01"},
    };
    return RUN_LUA(cases);
}

#define LOCAL_TIME(ts, zone)                                                   \
    "(function() local t = time.local_time(" ts ", '" zone "')"                \
    " return t.year, t.month, t.day, t.hour, t.min, t.sec, t.offset, t.date,"  \
    " t.dst end)()"

TEST(mod_local_time)
{
    static const lua_case cases[] = {
        {LOCAL_TIME("'2026-03-08T09:59:59Z'", "America/Los_Angeles"),
         "2026,3,8,1,59,59,-480,2026-03-08,false"},
        {LOCAL_TIME("'2026-03-08T10:00:00Z'", "America/Los_Angeles"),
         "2026,3,8,3,0,0,-420,2026-03-08,true"},
        /* 01:30 happens twice on 2026-11-01 */
        {LOCAL_TIME("'2026-11-01T08:30:00Z'", "America/Los_Angeles"),
         "2026,11,1,1,30,0,-420,2026-11-01,true"},
        {LOCAL_TIME("'2026-11-01T09:30:00Z'", "America/Los_Angeles"),
         "2026,11,1,1,30,0,-480,2026-11-01,false"},
        {LOCAL_TIME("'2026-10-25T00:30:00Z'", "Europe/Brussels"),
         "2026,10,25,2,30,0,120,2026-10-25,true"},
        {LOCAL_TIME("'2026-10-25T01:30:00Z'", "Europe/Brussels"),
         "2026,10,25,2,30,0,60,2026-10-25,false"},
        {LOCAL_TIME("0", "Asia/Kolkata"), "1970,1,1,5,30,0,330,1970-01-01,false"},
        {LOCAL_TIME("-1", "UTC"), "1969,12,31,23,59,59,0,1969-12-31,false"},
        {"math.type(time.local_time(0, 'UTC').offset)", "integer"},
    };
    return RUN_LUA(cases);
}

TEST(mod_to_zone)
{
    static const lua_case cases[] = {
        {"time.to_zone('2026-03-08T09:59:59Z', 'America/Los_Angeles')",
         "2026-03-08T01:59:59-08:00"},
        {"time.to_zone('2026-03-08T10:00:00Z', 'America/Los_Angeles')",
         "2026-03-08T03:00:00-07:00"},
        {"time.to_zone('2026-10-25T00:30:00Z', 'Europe/Brussels')",
         "2026-10-25T02:30:00+02:00"},
        {"time.to_zone('2026-10-25T01:30:00Z', 'Europe/Brussels')",
         "2026-10-25T02:30:00+01:00"},
        {"time.to_zone('2026-07-01T12:00:00.250Z', 'America/St_Johns')",
         "2026-07-01T09:30:00.25-02:30"},
        {"time.to_zone('2026-07-01T12:00:00.000000001Z', 'Asia/Kathmandu')",
         "2026-07-01T17:45:00.000000001+05:45"},
        {"time.to_zone('2026-07-01T14:00:00+02:00', 'UTC')", "2026-07-01T12:00:00+00:00"},
        {"time.to_zone(0, 'Europe/London')", "1970-01-01T01:00:00+01:00"},
        {"time.to_zone('2200-07-04T16:00:00Z', 'America/New_York')",
         "2200-07-04T12:00:00-04:00"},
        /* LMT -4:56:02 truncated to -04:56; still the same instant. */
        {"time.to_zone('1850-07-01T12:00:00Z', 'America/New_York')",
         "1850-07-01T07:04:00-04:56"},
        {"time.epoch(time.to_zone('1850-07-01T12:00:00Z', 'America/New_York'))",
         "-3771144000"},
        {"time.compare(time.to_zone('2026-11-01T09:30:00Z', 'America/Los_Angeles'),"
         " '2026-11-01T09:30:00Z')",
         "0"},
    };
    return RUN_LUA(cases);
}

TEST(mod_zone_errors)
{
    static const lua_case cases[] = {
        {"time.local_date('2026-03-08T10:00:00Z', 'Mars/Olympus')",
         BAD(2, "local_date", "unknown time zone 'Mars/Olympus'")},
        {"time.local_time('2026-03-08T10:00:00Z', '../../etc/passwd')",
         BAD(2, "local_time", "invalid time zone name '../../etc/passwd'")},
        {"time.to_zone('2026-03-08T10:00:00Z', '/etc/passwd')",
         BAD(2, "to_zone", "invalid time zone name '/etc/passwd'")},
        {"time.local_date(0, 'America/New_York\\0../x')",
         BAD(2, "local_date", "invalid time zone name 'America/New_York?../x'")},
        {"time.local_date(0, 'localtime')",
         BAD(2, "local_date", "unknown time zone 'localtime'")},
        {"time.local_date(0, 'right/UTC')",
         BAD(2, "local_date",
             "time zone 'right/UTC' is not a usable TZif file "
             "(leap second tables are not supported)")},
        {"time.local_date(0)", BAD(2, "local_date", "string expected, got no value")},
        {"time.local_date(0, 5)", BAD(2, "local_date", "string expected, got number")},
        {"time.local_date(nil, 'UTC')", BAD(1, "local_date", "string expected, got nil")},
        {"time.local_date(1.5, 'UTC')",
         BAD(1, "local_date", "number has no integer representation")},
        {"time.local_date('2026-02-30T10:00:00Z', 'UTC')",
         BAD(1, "local_date", "day 30 is out of range for 2026-02")},
        {"time.local_date(math.maxinteger, 'UTC')",
         BAD(1, "local_date", "instant out of range (0001-01-01 .. 9999-12-31 UTC)")},
        {"time.to_zone('0001-01-01T00:00:00+01:00', 'UTC')",
         BAD(1, "to_zone", "instant out of range (0001-01-01 .. 9999-12-31 UTC)")},
        {"time.local_date('9999-12-31T23:00:00Z', 'Asia/Tokyo')",
         BAD(1, "local_date", "date out of range (after 9999-12-31)")},
        {"time.local_date('0001-01-01T01:00:00Z', 'America/New_York')",
         BAD(1, "local_date", "date out of range (before 0001-01-01)")},
    };
    return RUN_LUA(cases);
}

/* local_day: the local date a rule compares. A plain date is that day in
 * every zone; a timestamp is its date on the zone's clock, whatever offset
 * it was written in (midnight on both sides, a zone west and one east of
 * UTC, both DST changes). */
TEST(mod_local_day)
{
    static const lua_case cases[] = {
        {"time.local_day('2026-03-08', 'America/New_York')", "2026-03-08"},
        {"time.local_day('2026-03-08', 'Asia/Tokyo')", "2026-03-08"},
        {"time.local_day('2024-01-01T07:30:00Z', 'America/Los_Angeles')", "2023-12-31"},
        {"time.local_day('2023-12-31T23:30:00-08:00', 'America/Los_Angeles')", "2023-12-31"},
        {"time.local_day('2024-01-01T08:00:00Z', 'America/Los_Angeles')", "2024-01-01"},
        {"time.local_day('2026-06-30T14:59:59Z', 'Asia/Tokyo')", "2026-06-30"},
        {"time.local_day('2026-06-30T15:00:00Z', 'Asia/Tokyo')", "2026-07-01"},
        {"time.local_day('2026-07-01T00:00:00+09:00', 'Asia/Tokyo')", "2026-07-01"},
        {"time.local_day('2026-03-09T06:59:59Z', 'America/Los_Angeles')", "2026-03-08"},
        {"time.local_day('2026-11-02T07:59:59Z', 'America/Los_Angeles')", "2026-11-01"},
        {"time.local_day('2026-11-02T08:00:00Z', 'America/Los_Angeles')", "2026-11-02"},
        {"time.local_day('2026-02-30', 'UTC')",
         BAD(1, "local_day", "day 30 is out of range for 2026-02")},
        {"time.local_day('2026-02-03', 'Mars/Olympus')",
         BAD(2, "local_day", "unknown time zone 'Mars/Olympus'")},
    };
    return RUN_LUA(cases);
}

/* from_local: a wall-clock reading in a zone to its instant, across both
 * DST changes (the skipped hour read on the old clock, the repeated hour
 * at its first occurrence). */
TEST(mod_from_local)
{
    static const lua_case cases[] = {
        {"time.from_local('2026-03-06T14:00:00', 'America/Los_Angeles')",
         "2026-03-06T14:00:00-08:00"},
        {"time.from_local('2026-03-11T14:00:00', 'America/Los_Angeles')",
         "2026-03-11T14:00:00-07:00"},
        {"time.from_local('2026-03-08T02:30:00', 'America/Los_Angeles')",
         "2026-03-08T03:30:00-07:00"},
        {"time.from_local('2026-03-08T01:59:59', 'America/Los_Angeles')",
         "2026-03-08T01:59:59-08:00"},
        {"time.from_local('2026-03-08T03:00:00', 'America/Los_Angeles')",
         "2026-03-08T03:00:00-07:00"},
        {"time.from_local('2026-11-01T01:30:00', 'America/Los_Angeles')",
         "2026-11-01T01:30:00-07:00"},
        {"time.from_local('2026-11-01T02:00:00', 'America/Los_Angeles')",
         "2026-11-01T02:00:00-08:00"},
        {"time.from_local('2026-11-02', 'America/Los_Angeles')", "2026-11-02T00:00:00-08:00"},
        {"time.from_local('2026-07-01T00:00:00', 'Asia/Tokyo')", "2026-07-01T00:00:00+09:00"},
        {"time.from_local('2026-07-01T00:00:00', 'UTC')", "2026-07-01T00:00:00+00:00"},
        {"time.from_local('2026-03-29T02:30:00', 'Europe/Brussels')",
         "2026-03-29T03:30:00+02:00"},
        {"time.from_local('2026-03-06T14:00:00Z', 'UTC')",
         BAD(1, "from_local", "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS without an offset")},
        {"time.from_local('2026-03-06T25:00:00', 'UTC')",
         BAD(1, "from_local", "hour 25 is out of range")},
        {"time.from_local('2026-03-06', 'Mars/Olympus')",
         BAD(2, "from_local", "unknown time zone 'Mars/Olympus'")},
    };
    return RUN_LUA(cases);
}

/* Round trip for random instants: to_zone gives the same instant, and
 * its date part is local_date's answer. */
TEST(mod_to_zone_round_trip)
{
    static const char fn[] =
        "local time = require 'edict.time'\n"
        "return function(ts, zone)\n"
        "  local s = time.to_zone(ts, zone)\n"
        "  return time.epoch(s) == ts and s:sub(1, 10) == time.local_date(ts, zone)\n"
        "     and time.local_time(ts, zone).date == time.date(s), s\n"
        "end\n";
    static const char *const zones[] = {"America/Los_Angeles", "Europe/Brussels",
                                        "Australia/Adelaide", "Asia/Kathmandu", "UTC"};
    lua_State *L = new_state();
    CHECK(L != NULL, "no Lua state");
    CHECK(luaL_loadbuffer(L, fn, sizeof fn - 1, "@rules/t.lua") == LUA_OK &&
              lua_pcall(L, 0, 1, 0) == LUA_OK,
          "load: %s", lua_tostring(L, -1));
    rng_state = 0x70207eULL;
    for (int i = 0; i < 5000; i++) {
        int64_t t = rng_range(-2177452800LL, T2200);
        const char *zone = zones[i % 5];
        lua_pushvalue(L, -1);
        lua_pushinteger(L, t);
        lua_pushstring(L, zone);
        CHECK(lua_pcall(L, 2, 2, 0) == LUA_OK, "%lld %s: %s", (long long)t, zone,
              lua_tostring(L, -1));
        CHECK(lua_toboolean(L, -2), "%lld %s: %s", (long long)t, zone,
              lua_tostring(L, -1));
        lua_pop(L, 2);
    }
    lua_close(L);
    PASS();
}

ED_TEST_MAIN(T(tz_threads_first_load), T(tz_dst_transitions_2026),
             T(tz_footer_rule_past_2037), T(tz_random_against_glibc),
             T(tz_every_zone_against_glibc), T(tz_names_refused),
             T(mod_local_date_transition_days), T(mod_local_time), T(mod_to_zone),
             T(mod_zone_errors), T(mod_to_zone_round_trip), T(mod_local_day),
             T(mod_from_local))
