/*
 * test_modules.c — unit tests of runtime/modules.c's stdlib modules
 * written in Lua (stdlib/lua/edict/, embedded by the Makefile): the
 * embedded list, loading in a sandbox (safe environment, budget, frozen,
 * errors at the module's file:line, a failed load that can be retried),
 * loading outside one, and edict.window's generic check; the list of
 * module names, built once when many threads ask for it first at once.
 *
 * Chunks run as "@rules/t.lua" with `require` reaching the stdlib only.
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t */

#include "check.h"
#include "engine/modules.h"
#include "engine/sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const ed_limits LIM = {(size_t)16 << 20, 1000000, 5000};

#define MODULE_NAMES "edict.chain, edict.hash, edict.metrc, edict.time, edict.read, edict.window"

/* require for the test chunks: the stdlib, as a pack's require gives it. */
static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (!ed_modules_require(L, name)) {
        return luaL_error(L, "module '%s' not found", name);
    }
    return 1;
}

/* Run `code` as rules/t.lua in a fresh environment of sb under lim; the
 * result (or the error) as text in out, the call's outcome in *res. */
static void run(ed_sandbox *sb, const char *code, const ed_limits *lim,
                ed_call_result *res, char *out, size_t outlen)
{
    lua_State *L = ed_sandbox_state(sb);
    out[0] = '\0';
    if (luaL_loadbufferx(L, code, strlen(code), "@rules/t.lua", "t") != LUA_OK) {
        snprintf(out, outlen, "load: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        res->status = LUA_ERRSYNTAX;
        return;
    }
    ed_sandbox_push_env(sb);
    lua_pushcfunction(L, l_require);
    lua_setfield(L, -2, "require");
    lua_setupvalue(L, -2, 1);
    ed_sandbox_call(sb, 0, 1, lim, res);
    if (res->status == LUA_OK) {
        snprintf(out, outlen, "%s", luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
    } else {
        snprintf(out, outlen, "%s", res->message);
    }
}

TEST(embedded_list)
{
    int found = 0;
    for (const ed_lua_module *m = ed_stdlib_lua; m->name; m++) {
        char want[256];
        /* stdlib/lua/edict/x.lua is edict.x */
        CHECK(strncmp(m->path, "stdlib/lua/", 11) == 0, "%s", m->path);
        snprintf(want, sizeof want, "%s", m->path + 11);
        size_t n = strlen(want);
        CHECK(n > 4 && strcmp(want + n - 4, ".lua") == 0, "%s", m->path);
        want[n - 4] = '\0';
        for (char *p = want; *p; p++) {
            *p = *p == '/' ? '.' : *p;
        }
        CHECK_STR(m->name, want);
        CHECK(strncmp(m->name, "edict.", 6) == 0, "%s", m->name);
        CHECK(m->source[m->len] == '\0' && strlen(m->source) == m->len,
              "%s: %zu bytes", m->path, m->len);
        found += strcmp(m->name, "edict.window") == 0;
        /* every embedded module is valid Lua text */
        lua_State *L = luaL_newstate();
        CHECK(L != NULL, "no Lua state");
        int st = luaL_loadbufferx(L, m->source, m->len, m->path, "t");
        char err[256];
        snprintf(err, sizeof err, "%s", st == LUA_OK ? "" : lua_tostring(L, -1));
        lua_close(L);
        CHECK(st == LUA_OK, "%s", err);
    }
    CHECK(found == 1, "edict.window embedded %d times", found);
    const char *names = ed_modules_names();
    CHECK_STR(names, MODULE_NAMES);
    PASS();
}

TEST(loads_in_the_sandbox_frozen_and_shared)
{
    char out[1024];
    ed_call_result res;
    ed_sandbox *sb = ed_sandbox_new();
    CHECK(sb != NULL, "no sandbox");
    run(sb,
        "local window = require 'edict.window'\n"
        "assert(require('edict.window') == window)\n"
        "local ok, err = pcall(function() window.extra = 1 end)\n"
        "assert(not ok and err:find(\"edict.window is read-only (cannot set field 'extra')\","
        " 1, true), err)\n"
        "ok, err = pcall(function() window.span = nil end)\n"
        "assert(not ok, 'a function of the module was replaced')\n"
        "assert(getmetatable(window) == 'read-only')\n"
        "return window.deadline('2026-03-07T10:00:00.9-08:00', 86400, 'America/Los_Angeles')"
        " .. ' ' .. window.span(86461) .. ' | ' .. window.show({}) .. ' | '"
        " .. window.record({ id = 'e1', data = {} }, 'waste_id')",
        &LIM, &res, out, sizeof out);
    CHECK(res.status == LUA_OK, "%s at %s", out, res.where);
    CHECK_STR(out, "2026-03-08T11:00:00-07:00 24 h 01 min 01 s | a list or object"
                   " | (no waste_id, event e1)");
    /* A second environment (another pack) gets the same frozen module. */
    run(sb,
        "local window = require 'edict.window'\n"
        "return window.extra == nil and window.hours_text(1.5)",
        &LIM, &res, out, sizeof out);
    CHECK(res.status == LUA_OK, "%s", out);
    CHECK_STR(out, "1.5");
    ed_sandbox_free(sb);
    PASS();
}

/* Errors inside the module point at its file and line; a misuse by the
 * caller points at the caller. */
TEST(errors_name_the_place)
{
    char out[1024];
    ed_call_result res;
    ed_sandbox *sb = ed_sandbox_new();
    CHECK(sb != NULL, "no sandbox");
    run(sb,
        "local window = require 'edict.window'\n"
        "return window.deadline('soon', 60, 'UTC')\n",
        &LIM, &res, out, sizeof out);
    CHECK(res.status != LUA_OK, "no error: %s", out);
    CHECK(strncmp(res.where, "stdlib/lua/edict/window.lua:", 28) == 0, "where %s",
          res.where);
    CHECK_STR(out, "bad argument #1 to 'epoch' (expected a 4-digit year at offset 0)");
    run(sb,
        "local window = require 'edict.window'\n"
        "local f = window.check({ occurred_at = '2026-03-02T10:00:00Z', data = {} }, {},\n"
        "  { what = 'w', window_name = 'n', action = 'a', hours = 0, zone = 'UTC',\n"
        "    system = 'S', field = 'f' })\n"
        "return f\n",
        &LIM, &res, out, sizeof out);
    CHECK(res.status != LUA_OK, "no error: %s", out);
    CHECK_STR(res.where, "rules/t.lua:2");
    CHECK_STR(out, "edict.window.check: spec.hours must be a positive number of hours");
    run(sb,
        "local window = require 'edict.window'\n"
        "return window.hours_param({ params = { h = -1 } }, 'h')\n",
        &LIM, &res, out, sizeof out);
    CHECK_STR(out, "params.h must be a positive number of hours");
    run(sb,
        "local window = require 'edict.window'\n"
        "return window.zone_param({ params = {} }, 'zone', 'America/New_York')\n",
        &LIM, &res, out, sizeof out);
    CHECK_STR(out, "params.zone must be an IANA time zone name such as \"America/New_York\"");
    ed_sandbox_free(sb);
    PASS();
}

/* Loading is rule work: it counts against the call that requires the
 * module first, a limit stops it, and a stopped load can be retried. */
TEST(load_is_charged_and_retryable)
{
    char out[1024];
    ed_call_result res;
    ed_sandbox *sb = ed_sandbox_new();
    CHECK(sb != NULL, "no sandbox");
    run(sb, "return 1", &LIM, &res, out, sizeof out);
    int64_t empty = res.instructions;
    size_t empty_mem = res.memory_peak;
    run(sb, "return require('edict.window') ~= nil", &LIM, &res, out, sizeof out);
    CHECK(res.status == LUA_OK, "%s", out);
    int64_t first = res.instructions;
    size_t first_mem = res.memory_peak;
    run(sb, "return require('edict.window') ~= nil", &LIM, &res, out, sizeof out);
    int64_t again = res.instructions;
    CHECK(first > empty + 100 && first > again + 100 && first_mem > empty_mem + 4096,
          "instructions: empty %lld, first load %lld, cached %lld; memory %zu, %zu",
          (long long)empty, (long long)first, (long long)again, empty_mem, first_mem);
    ed_sandbox_free(sb);

    sb = ed_sandbox_new();
    CHECK(sb != NULL, "no sandbox");
    const ed_limits tiny = {4096, 1000000, 5000};
    run(sb, "return require('edict.window') ~= nil", &tiny, &res, out, sizeof out);
    CHECK(res.status != LUA_OK && res.stop == ED_STOP_MEMORY, "stop %s: %s",
          ed_stop_name(res.stop), out);
    run(sb, "return require('edict.window').span(60)", &LIM, &res, out, sizeof out);
    CHECK(res.status == LUA_OK, "retry: %s", out);
    CHECK_STR(out, "1 min");
    ed_sandbox_free(sb);
    PASS();
}

/* Outside a sandbox (tests, benchmarks) the module reads the host's
 * globals and freezing it leaves them alone. */
TEST(loads_outside_a_sandbox)
{
    lua_State *L = luaL_newstate();
    CHECK(L != NULL, "no Lua state");
    luaL_openlibs(L);
    CHECK(ed_modules_require(L, "edict.window") == 1, "not found");
    lua_setglobal(L, "window");
    CHECK(ed_modules_require(L, "edict.nothing") == 0, "found edict.nothing");
    static const char code[] =
        "x = 1; string.extra = 2; math.extra = 3\n"
        "return window.span(3600) .. ', ' .. tostring(x + string.extra + math.extra)";
    int st = luaL_loadstring(L, code) || lua_pcall(L, 0, 1, 0);
    char got[256];
    snprintf(got, sizeof got, "%s", lua_tostring(L, -1));
    lua_close(L);
    CHECK(st == LUA_OK, "%s", got);
    CHECK_STR(got, "1 h 00 min, 6");
    PASS();
}

/* check() with another system's names: the wording follows the spec. */
TEST(window_check_generic)
{
    char out[2048];
    ed_call_result res;
    ed_sandbox *sb = ed_sandbox_new();
    CHECK(sb != NULL, "no sandbox");
    static const char prelude[] =
        "local window = require 'edict.window'\n"
        "local obligations = {}\n"
        "local function ctx(as_of)\n"
        "  return { as_of = as_of, params = {},\n"
        "           obligation = function(o) obligations[#obligations + 1] = o end }\n"
        "end\n"
        "local spec = { what = 'entry of lot L-1', window_name = 'policy window',\n"
        "  action = 'enter_in_cts', hours = 1.5, zone = 'America/Chicago',\n"
        "  system = 'CTS', field = 'cts_at' }\n"
        "local function ev(at) return { id = 'e9', occurred_at = '2026-03-08T01:30:00-06:00',\n"
        "  data = { cts_at = at } } end\n";
    static const struct {
        const char *code, *want;
    } cases[] = {
        /* 90 min of real time across the spring-forward gap: 04:00 CDT */
        {"local f = window.check(ev(nil), ctx('2026-03-08T01:45:00-06:00'), spec)\n"
         "local o = obligations[1]\n"
         "return tostring(f) .. ' | ' .. o.action .. ' | ' .. o.due .. ' | ' .. o.note",
         "nil | enter_in_cts | 2026-03-08T04:00:00-05:00 | record entry of lot L-1 in CTS"
         " by 2026-03-08T04:00:00-05:00 (1.5 h after 2026-03-08T01:30:00-06:00)"},
        /* exactly at the deadline is on time; one second later is late */
        {"return tostring(window.check(ev('2026-03-08T09:00:00Z'), ctx('2026-03-09T00:00:00Z'), spec))",
         "nil"},
        {"local f = window.check(ev('2026-03-08T09:00:01Z'), ctx('2026-03-09T00:00:00Z'), spec)\n"
         "return f.message .. ' | ' .. tostring(f.evidence_required) .. ' | ' .. f.details.cts_at"
         " .. ' | ' .. f.details.late_seconds",
         "entry of lot L-1 was recorded in CTS at 2026-03-08T09:00:01Z, 1 h 30 min 01 s after"
         " it occurred at 2026-03-08T01:30:00-06:00: later than the 1.5 h policy window"
         " (deadline 2026-03-08T04:00:00-05:00, 1 s late). Document the cause of the delay"
         " and correct the recording process | nil | 2026-03-08T09:00:01Z | 1"},
        {"local f = window.check(ev(nil), ctx('2026-03-08T04:00:01-05:00'), spec)\n"
         "return f.message .. ' | ' .. f.details.overdue_seconds",
         "entry of lot L-1 is not recorded in CTS (no cts_at) and is overdue: due by"
         " 2026-03-08T04:00:00-05:00, 1.5 h after it occurred at 2026-03-08T01:30:00-06:00;"
         " 1 s past due as of 2026-03-08T04:00:01-05:00. Record it in CTS now and document"
         " why it is late | 1"},
        {"spec.evidence = 'cts_record'\n"
         "local f = window.check(ev('late on the 8th'), ctx('2026-03-09T00:00:00Z'), spec)\n"
         "return f.message .. ' | ' .. f.evidence_required[1] .. ' | ' .. f.details.cts_at",
         "entry of lot L-1: cts_at is \"late on the 8th\" (text), not a timestamp, so the 1.5 h"
         " policy window (deadline 2026-03-08T04:00:00-05:00) cannot be checked; record when"
         " the CTS entry was made as an RFC 3339 timestamp | cts_record | late on the 8th"},
        /* a date without a time: on the day it happened, on time whatever
         * the hour; after the deadline's day, late */
        {"return tostring(window.check(ev('2026-03-08'), ctx('2026-03-09T00:00:00Z'), spec))",
         "nil"},
        {"spec.evidence = 'cts_record'\n"
         "local f = window.check(ev('2026-03-09'), ctx('2026-03-09T00:00:00Z'), spec)\n"
         "return f.message .. ' | ' .. f.details.cts_at",
         "entry of lot L-1 was recorded in CTS on 2026-03-09 (a date without a time), after the"
         " 1.5 h policy window ended (deadline 2026-03-08T04:00:00-05:00, from"
         " 2026-03-08T01:30:00-06:00). Document the cause of the delay and correct the"
         " recording process | 2026-03-09"},
        /* recorded before it occurred: on time */
        {"return tostring(window.check(ev('2026-03-07T00:00:00Z'), ctx('2026-03-09T00:00:00Z'), spec))",
         "nil"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char code[4096];
        snprintf(code, sizeof code, "%s%s", prelude, cases[i].code);
        run(sb, code, &LIM, &res, out, sizeof out);
        CHECK(res.status == LUA_OK, "case %zu: %s at %s", i, out, res.where);
        CHECK_STR(out, cases[i].want);
    }
    ed_sandbox_free(sb);
    PASS();
}

/* Worker threads build contexts, and with them this list (for "module
 * not found" messages), at the same time. Built lazily without
 * pthread_once, a thread could see it half written. Must run before any
 * other test asks for the names. A plain run catches the race only
 * sometimes; ThreadSanitizer catches it every time. */
enum { NAME_THREADS = 8 };

typedef struct names_race {
    pthread_barrier_t start;
    const char *got[NAME_THREADS];
    char copy[NAME_THREADS][128];
} names_race;

static names_race race;

static void *ask_names(void *arg)
{
    size_t i = (size_t)arg;
    pthread_barrier_wait(&race.start);
    race.got[i] = ed_modules_names();
    snprintf(race.copy[i], sizeof race.copy[i], "%s", race.got[i]);
    return NULL;
}

TEST(names_built_once_for_many_threads)
{
    pthread_t threads[NAME_THREADS];
    CHECK(pthread_barrier_init(&race.start, NULL, NAME_THREADS) == 0, "no barrier");
    size_t started = 0;
    for (; started < NAME_THREADS; started++) {
        if (pthread_create(&threads[started], NULL, ask_names, (void *)started) != 0) {
            break;
        }
    }
    CHECK(started == NAME_THREADS, "could start only %zu threads", started);
    for (size_t i = 0; i < NAME_THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    pthread_barrier_destroy(&race.start);
    for (size_t i = 0; i < NAME_THREADS; i++) {
        CHECK(strcmp(race.copy[i], MODULE_NAMES) == 0,
              "thread %zu saw \"%s\"", i, race.copy[i]);
        CHECK(race.got[i] == race.got[0], "thread %zu got another copy", i);
    }
    PASS();
}

ED_TEST_MAIN(T(names_built_once_for_many_threads), T(embedded_list), T(loads_in_the_sandbox_frozen_and_shared),
             T(errors_name_the_place), T(load_is_charged_and_retryable),
             T(loads_outside_a_sandbox), T(window_check_generic))
