/*
 * test_utf8.c — unit tests of runtime/util/utf8.c: known well-formed and
 * ill-formed sequences (RFC 3629's edges), and ed_utf8_valid against Lua
 * 5.4's strict decoder (utf8.len) on seeded random byte strings, first bad
 * offset included.
 */
#include "check.h"
#include "rng.h"
#include "util/utf8.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <string.h>

TEST(sequences)
{
    static const struct {
        const char *s;
        size_t len; /* expected ed_utf8_sequence */
    } cases[] = {
        {"a", 1},
        {"\xc2\x80", 2},         /* U+0080, the first two-byte */
        {"\xdf\xbf", 2},         /* U+07FF */
        {"\xe0\xa0\x80", 3},     /* U+0800 */
        {"\xed\x9f\xbf", 3},     /* U+D7FF, just below the surrogates */
        {"\xee\x80\x80", 3},     /* U+E000, just above */
        {"\xf0\x90\x80\x80", 4}, /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 4}, /* U+10FFFF, the last */
        {"\x80", 0},             /* a continuation byte alone */
        {"\xc0\x80", 0},         /* overlong NUL */
        {"\xc1\xbf", 0},         /* overlong */
        {"\xe0\x9f\xbf", 0},     /* overlong three-byte */
        {"\xed\xa0\x80", 0},     /* U+D800 */
        {"\xf0\x8f\xbf\xbf", 0}, /* overlong four-byte */
        {"\xf4\x90\x80\x80", 0}, /* U+110000 */
        {"\xf5\x80\x80\x80", 0},
        {"\xe2\x82", 0},         /* cut short */
        {"\xe2\x28\xa1", 0},     /* a non-continuation inside */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s);
        size_t got = ed_utf8_sequence(cases[i].s, n);
        CHECK(got == cases[i].len, "case %zu: expected %zu, got %zu", i, cases[i].len, got);
        size_t bad = 99;
        int valid = ed_utf8_valid(cases[i].s, n, &bad);
        CHECK(valid == (cases[i].len == n), "case %zu: ed_utf8_valid said %d", i, valid);
        CHECK(valid || bad == 0, "case %zu: first bad byte at %zu, not 0", i, bad);
    }
    size_t bad = 99;
    CHECK(!ed_utf8_valid("ok \xc3\xa9 \xff!", 8, &bad) && bad == 6,
          "the offset of the first bad byte: got %zu, expected 6", bad);
    CHECK(ed_utf8_valid("", 0, &bad), "the empty string is UTF-8");
    PASS();
}

TEST(random_strings_match_lua)
{
    lua_State *L = luaL_newstate();
    CHECK(L != NULL, "no Lua state");
    luaL_openlibs(L);
    lua_getglobal(L, "utf8");
    lua_getfield(L, -1, "len");
    int len_fn = lua_gettop(L);
    test_rng rng = {0xfeedface1234ULL};
    char s[32];
    int fails = 0;
    for (int round = 0; round < 20000 && !fails; round++) {
        size_t n = test_rng_next(&rng) % sizeof s;
        for (size_t i = 0; i < n; i++) {
            /* weighted to lead and continuation bytes, so that some
             * strings are well-formed */
            uint32_t kind = test_rng_next(&rng) % 4, r = test_rng_next(&rng);
            s[i] = (char)(kind == 0 ? r % 0x80 : kind == 1 ? 0x80 + r % 0x40 : 0xc0 + r % 0x40);
        }
        lua_pushvalue(L, len_fn);
        lua_pushlstring(L, s, n);
        lua_call(L, 1, 2); /* utf8.len(s): count, or fail and the position */
        int lua_valid = !lua_isnil(L, -2);
        size_t lua_bad = lua_valid ? 0 : (size_t)lua_tointeger(L, -1) - 1;
        lua_pop(L, 2);
        size_t bad = 0;
        int valid = ed_utf8_valid(s, n, &bad);
        if (valid != lua_valid || (!valid && bad != lua_bad)) {
            snprintf(why_, why_len_, "round %d: ed_utf8_valid %d at %zu, Lua %d at %zu",
                     round, valid, bad, lua_valid, lua_bad);
            fails++;
        }
    }
    lua_close(L);
    if (fails) {
        return 1;
    }
    PASS();
}

ED_TEST_MAIN(T(sequences), T(random_strings_match_lua))
