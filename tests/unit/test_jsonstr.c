/*
 * test_jsonstr.c — unit tests of runtime/util/jsonstr.c: ed_json_escape
 * against lua-cjson's encoder itself, for every byte value and for
 * thousands of seeded random strings (control bytes, quotes, backslashes,
 * '/', DEL, well-formed and broken UTF-8), with the two documented
 * differences ('/' stays plain; bytes that are not UTF-8 become U+FFFD)
 * applied to cjson's output by a Lua oracle that shares no code with the
 * C under test.
 */
#include "check.h"
#include "rng.h"
#include "util/jsonstr.h"

#include <lauxlib.h>
#include <lua-cjson.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* oracle(s): cjson.encode(s) with the differences jsonstr.h documents,
 * computed with Lua's own strict UTF-8 decoder (utf8.len); raw(s): plain
 * cjson.encode(s). */
static const char oracle_src[] =
    "local cjson = ...\n"
    "local function repair(s)\n"
    "  local out, i = {}, 1\n"
    "  while i <= #s do\n"
    "    local n, bad = utf8.len(s, i)\n"
    "    if n then out[#out + 1] = s:sub(i); break end\n"
    "    out[#out + 1] = s:sub(i, bad - 1)\n"
    "    out[#out + 1] = '\\u{FFFD}'\n"
    "    i = bad + 1\n"
    "  end\n"
    "  return table.concat(out)\n"
    "end\n"
    "local function unslash(e)\n"
    "  return (e:gsub('\\\\(.)', function(c) if c == '/' then return '/' end end))\n"
    "end\n"
    "return function(s) return unslash(cjson.encode(repair(s))) end,\n"
    "       function(s) return cjson.encode(s) end\n";

typedef struct oracle {
    lua_State *L;
    int expected, raw; /* stack slots of the two functions */
} oracle;

static int oracle_open(oracle *o)
{
    o->L = luaL_newstate();
    if (o->L == NULL) {
        return -1;
    }
    luaL_openlibs(o->L);
    luaL_requiref(o->L, "cjson", luaopen_cjson, 0);
    if (luaL_loadstring(o->L, oracle_src) != LUA_OK) {
        return -1;
    }
    lua_insert(o->L, -2);
    if (lua_pcall(o->L, 1, 2, 0) != LUA_OK) {
        return -1;
    }
    o->expected = lua_gettop(o->L) - 1;
    o->raw = lua_gettop(o->L);
    return 0;
}

/* The oracle's (which = expected) or cjson's (which = raw) encoding of s,
 * into want. */
static void oracle_run(oracle *o, int which, const char *s, size_t n, ed_buf *want)
{
    lua_pushvalue(o->L, which);
    lua_pushlstring(o->L, s, n);
    lua_call(o->L, 1, 1);
    size_t len;
    const char *e = lua_tolstring(o->L, -1, &len);
    ed_buf_reset(want);
    ed_buf_append(want, e, len);
    lua_pop(o->L, 1);
}

/* Printable form of bytes for a failure message. */
static const char *show(const char *s, size_t n, char *to, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            to[j++] = (char)c;
        } else {
            j += (size_t)snprintf(to + j, cap - j, "\\x%02x", c);
        }
    }
    to[j] = '\0';
    return to;
}

static int same(const ed_buf *a, const ed_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

TEST(every_byte_matches_cjson)
{
    oracle o;
    CHECK(oracle_open(&o) == 0, "could not set up cjson");
    ed_buf got = {0}, want = {0}, raw = {0};
    int fails = 0;
    char a[64], b[64], c[64];
    for (int byte = 0; byte < 256; byte++) {
        char s[3] = {'x', (char)byte, 'y'};
        ed_buf_reset(&got);
        ed_json_escape(&got, s, sizeof s);
        oracle_run(&o, o.expected, s, sizeof s, &want);
        oracle_run(&o, o.raw, s, sizeof s, &raw);
        /* the oracle's differences from cjson are exactly the two
         * documented ones, and only for those bytes */
        int differs = !same(&want, &raw);
        int documented = byte == '/' || byte >= 0x80;
        if (!same(&got, &want) || differs != documented) {
            fails++;
            snprintf(why_, why_len_, "byte 0x%02x: got %s, oracle %s, cjson %s", byte,
                     show(got.data, got.len, a, sizeof a),
                     show(want.data, want.len, b, sizeof b),
                     show(raw.data, raw.len, c, sizeof c));
            break;
        }
    }
    ed_buf_free(&got);
    ed_buf_free(&want);
    ed_buf_free(&raw);
    lua_close(o.L);
    if (fails) {
        return 1;
    }
    PASS();
}

TEST(exact_text)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        {"", 0, "\"\""},
        {"a/b", 3, "\"a/b\""},
        {"say \"hi\"\\", 9, "\"say \\\"hi\\\"\\\\\""},
        {"\b\t\n\f\r", 5, "\"\\b\\t\\n\\f\\r\""},
        {"\x00\x01\x1f\x7f", 4, "\"\\u0000\\u0001\\u001f\\u007f\""},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
        /* a lone byte, a surrogate, an overlong '/', a truncated euro */
        {"\xff", 1, "\"\xef\xbf\xbd\""},
        {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xe2\x82", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ed_buf got = {0};
        ed_json_escape(&got, cases[i].in, cases[i].n);
        int ok = strcmp(got.data, cases[i].out) == 0;
        char a[128], b[128];
        show(got.data, got.len, a, sizeof a);
        ed_buf_free(&got);
        CHECK(ok, "case %zu: expected %s, got %s", i,
              show(cases[i].out, strlen(cases[i].out), b, sizeof b), a);
    }
    /* appends: what out held is kept */
    ed_buf b = {0};
    ed_buf_puts(&b, "k:");
    ed_json_escape(&b, "v", 1);
    int ok = strcmp(b.data, "k:\"v\"") == 0;
    ed_buf_free(&b);
    CHECK(ok, "ed_json_escape replaced what the buffer held");
    ed_buf e = {0};
    ed_json_escape(&e, NULL, 0);
    ok = strcmp(e.data, "\"\"") == 0;
    ed_buf_free(&e);
    CHECK(ok, "an empty string given as NULL");
    PASS();
}

/* Append one random piece to s: mostly the bytes escaping cares about. */
static size_t random_piece(test_rng *rng, char *s)
{
    static const char specials[] = "\"\\/\b\t\n\f\r\x7f";
    switch (test_rng_next(rng) % 8) {
    case 0: /* printable ASCII */
        s[0] = (char)(0x20 + test_rng_next(rng) % 95);
        return 1;
    case 1:
        s[0] = specials[test_rng_next(rng) % (sizeof specials - 1)];
        return 1;
    case 2: /* any control byte, NUL included */
        s[0] = (char)(test_rng_next(rng) % 0x20);
        return 1;
    case 3: /* any byte at all */
        s[0] = (char)(test_rng_next(rng) % 256);
        return 1;
    case 4: /* a two-byte character */
    {
        uint32_t cp = 0x80 + test_rng_next(rng) % (0x800 - 0x80);
        s[0] = (char)(0xc0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    case 5: /* a three-byte form, surrogates included (not UTF-8) */
    {
        uint32_t cp = 0x800 + test_rng_next(rng) % (0x10000 - 0x800);
        s[0] = (char)(0xe0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    case 6: /* a four-byte form, some past U+10FFFF */
    {
        uint32_t cp = 0x10000 + test_rng_next(rng) % (0x140000 - 0x10000);
        s[0] = (char)(0xf0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
    }
    default: /* a cut sequence: a lead byte alone */
        s[0] = (char)(0xc2 + test_rng_next(rng) % (0xf5 - 0xc2));
        return 1;
    }
}

TEST(random_strings_match_cjson)
{
    oracle o;
    CHECK(oracle_open(&o) == 0, "could not set up cjson");
    test_rng rng = {0x5eed1234abcdULL};
    ed_buf got = {0}, want = {0};
    char s[256];
    int fails = 0;
    for (int round = 0; round < 5000 && !fails; round++) {
        size_t n = 0, pieces = test_rng_next(&rng) % 48;
        for (size_t p = 0; p < pieces; p++) {
            n += random_piece(&rng, s + n);
        }
        ed_buf_reset(&got);
        ed_json_escape(&got, s, n);
        oracle_run(&o, o.expected, s, n, &want);
        if (!same(&got, &want)) {
            char a[512], b[512], c[512];
            snprintf(why_, why_len_, "round %d, input %s: got %s, oracle %s", round,
                     show(s, n, c, sizeof c), show(got.data, got.len, a, sizeof a),
                     show(want.data, want.len, b, sizeof b));
            fails++;
        }
    }
    ed_buf_free(&got);
    ed_buf_free(&want);
    lua_close(o.L);
    if (fails) {
        return 1;
    }
    PASS();
}

ED_TEST_MAIN(T(every_byte_matches_cjson), T(exact_text), T(random_strings_match_cjson))
