/*
 * test_hash.c — unit tests of stdlib/hash.c: the host API against published
 * vectors (FIPS 180-4 / NIST examples for SHA-256 and SHA-512, RFC 4231 for
 * HMAC-SHA256), the Lua module edict.hash driven through a plain lua_State
 * (vectors, streaming against one-shot, hasher life cycle, exact error
 * text, equal/hex/unhex), and the module as rules get it: frozen, inside a
 * real sandbox, charging the instruction budget and the memory limit.
 *
 * Run under ASan (make SANITIZE=1 build/san/tests/test_hash) for the leak
 * checks: hashers left to __gc, closed by <close>, or stopped mid-update.
 */
#include "check.h"
#include "engine/modules.h"
#include "engine/sandbox.h"
#include "stdlib/hash.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* CHECK_STR on a char array trips -Waddress; go through a pointer. */
static const char *text(const char *p)
{
    return p;
}

/* Lowercase hex of n raw bytes into out (2n + 1 bytes). */
static const char *hexof(const unsigned char *raw, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    }
    out[2 * n] = '\0';
    return out;
}

/* Deterministic generator (splitmix64), so a failure reproduces. */
static uint64_t rng_state = 0x6a09e667f3bcc908ULL;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The state or sandbox of the running test, freed when the next one is
 * made and at exit, so a failing CHECK (which returns early) leaks nothing
 * LeakSanitizer would report. */
static lua_State *cur_state;
static ed_sandbox *cur_sandbox;

static void free_current(void)
{
    if (cur_state != NULL) {
        lua_close(cur_state);
        cur_state = NULL;
    }
    if (cur_sandbox != NULL) {
        ed_sandbox_free(cur_sandbox);
        cur_sandbox = NULL;
    }
}

static void track(void)
{
    static int registered;
    if (!registered) {
        atexit(free_current);
        registered = 1;
    }
    free_current();
}

/* A plain state with the standard libraries and the module as global
 * `hash` (not frozen: the sandbox tests cover the frozen table). */
static lua_State *new_state(void)
{
    track();
    lua_State *L = cur_state = luaL_newstate();
    if (L == NULL) {
        return NULL;
    }
    luaL_openlibs(L);
    luaL_requiref(L, "edict.hash", luaopen_edict_hash, 0);
    lua_setglobal(L, "hash");
    return L;
}

/* Run `code` as the rule file rules/t.lua with the `nargs` values on top
 * of the stack as `...`. Returns its results as strings joined by ",", or
 * the error message (static buffer). */
static const char *run_args(lua_State *L, const char *code, int nargs)
{
    static char out[2048];
    int base = lua_gettop(L) - nargs;
    out[0] = '\0';
    if (luaL_loadbuffer(L, code, strlen(code), "@rules/t.lua") != LUA_OK) {
        snprintf(out, sizeof out, "%s", lua_tostring(L, -1));
        lua_settop(L, base);
        return out;
    }
    lua_insert(L, base + 1);
    if (lua_pcall(L, nargs, LUA_MULTRET, 0) != LUA_OK) {
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

static const char *run(lua_State *L, const char *code)
{
    return run_args(L, code, 0);
}

/* Expect `code` to return exactly `want` (or fail with exactly it). */
#define EXPECT(L, code, want)                                              \
    do {                                                                   \
        const char *got_ = run((L), (code));                               \
        CHECK(strcmp(got_, (want)) == 0, "%s\n  expected \"%s\"\n  got      \"%s\"", \
              (code), (want), got_);                                       \
    } while (0)

/* ------------------------------------------------------------------ */
/* Published vectors                                                   */
/* ------------------------------------------------------------------ */

#define MSG_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG_896                                                            \
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"             \
    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

/* FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values"),
 * plus the empty string. */
static const struct {
    const char *msg;
    const char *sha256;
    const char *sha512;
} fips[] = {
    {"abc",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {MSG_448,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
     "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"},
    {MSG_896,
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
    {"",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
};

#define MILLION_A_SHA256 \
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define MILLION_A_SHA512                                                   \
    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"     \
    "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"

/* RFC 4231 section 4, HMAC-SHA-256 (hex key and data). Case 5 is
 * truncated to 128 bits: only its prefix is given. */
static const struct {
    int number;
    const char *key;
    const char *data;
    const char *mac;
} rfc4231[] = {
    {1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {2, "4a656665",
     "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
     "dddddddddddddddddddddddddddddddddddd",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {4, "0102030405060708090a0b0c0d0e0f10111213141516171819",
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {5, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
     "546573742057697468205472756e636174696f6e",
     "a3b6167473100ee06e0c796c2955552b"},
    {6,
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaa",
     "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
     "65204b6579202d2048617368204b6579204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {7,
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaa",
     "5468697320697320612074657374207573696e672061206c6172676572207468"
     "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
     "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
     "647320746f20626520686173686564206265666f7265206265696e6720757365"
     "642062792074686520484d414320616c676f726974686d2e",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

/* Decode a hex literal of the tables above (test data: trusted). */
static size_t unhex_c(const char *hex, unsigned char *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* Host API                                                            */
/* ------------------------------------------------------------------ */

TEST(host_sha256_fips_vectors)
{
    char hex[ED_SHA256_HEX_LEN + 1];
    for (size_t i = 0; i < sizeof fips / sizeof fips[0]; i++) {
        ed_sha256_hex(fips[i].msg, strlen(fips[i].msg), hex);
        CHECK(strcmp(hex, fips[i].sha256) == 0, "SHA-256(\"%s\") = %s", fips[i].msg, hex);
    }
    /* one million 'a', streamed 1000 at a time */
    char block[1000];
    memset(block, 'a', sizeof block);
    ed_sha256 *h = ed_sha256_new();
    CHECK(h != NULL, "ed_sha256_new failed");
    for (int i = 0; i < 1000; i++) {
        ed_sha256_update(h, block, sizeof block);
    }
    ed_sha256_final(h, hex);
    CHECK_STR(text(hex), MILLION_A_SHA256);
    PASS();
}

TEST(host_sha512_fips_vectors)
{
    char hex[ED_SHA512_HEX_LEN + 1];
    for (size_t i = 0; i < sizeof fips / sizeof fips[0]; i++) {
        ed_sha512_hex(fips[i].msg, strlen(fips[i].msg), hex);
        CHECK(strcmp(hex, fips[i].sha512) == 0, "SHA-512(\"%s\") = %s", fips[i].msg, hex);
    }
    char *million = malloc(1000000);
    CHECK(million != NULL, "out of memory");
    memset(million, 'a', 1000000);
    ed_sha512_hex(million, 1000000, hex);
    free(million);
    CHECK_STR(text(hex), MILLION_A_SHA512);
    PASS();
}

TEST(host_hmac_sha256_rfc4231)
{
    for (size_t i = 0; i < sizeof rfc4231 / sizeof rfc4231[0]; i++) {
        unsigned char key[256], data[256], mac[ED_SHA256_LEN];
        char hex[2 * ED_SHA256_LEN + 1];
        size_t kl = unhex_c(rfc4231[i].key, key), dl = unhex_c(rfc4231[i].data, data);
        CHECK(ed_hmac_sha256(key, kl, data, dl, mac) == 0, "case %d failed",
              rfc4231[i].number);
        hexof(mac, sizeof mac, hex);
        size_t want = strlen(rfc4231[i].mac); /* case 5: the 128-bit prefix */
        CHECK(strncmp(hex, rfc4231[i].mac, want) == 0, "case %d: %s",
              rfc4231[i].number, hex);
    }
    /* empty key and message, NULL pointers allowed with length 0 */
    unsigned char mac[ED_SHA256_LEN];
    char hex[2 * ED_SHA256_LEN + 1];
    CHECK(ed_hmac_sha256(NULL, 0, NULL, 0, mac) == 0, "empty HMAC failed");
    CHECK_STR(hexof(mac, sizeof mac, hex),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CHECK(ed_hmac_sha256("", 0, "", 0, mac) == 0, "empty HMAC failed");
    CHECK_STR(hexof(mac, sizeof mac, hex),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    PASS();
}

/* ------------------------------------------------------------------ */
/* Lua: one-shot functions                                             */
/* ------------------------------------------------------------------ */

TEST(lua_digest_vectors)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    for (size_t i = 0; i < sizeof fips / sizeof fips[0]; i++) {
        char want[512];
        lua_pushstring(L, fips[i].msg);
        snprintf(want, sizeof want, "%s,%s,true,true,32,64", fips[i].sha256,
                 fips[i].sha512);
        const char *got = run_args(L,
            "local s = ...\n"
            "return hash.sha256(s), hash.sha512(s),\n"
            "  hash.sha256_raw(s) == hash.unhex(hash.sha256(s)),\n"
            "  hash.hex(hash.sha512_raw(s)) == hash.sha512(s),\n"
            "  #hash.sha256_raw(s), #hash.sha512_raw(s)", 1);
        CHECK(strcmp(got, want) == 0, "\"%s\": %s", fips[i].msg, got);
    }
    /* strings with NULs and numbers (converted, as every Lua string API) */
    const char *got = run(L, "return hash.sha256('a\\0b') ~= hash.sha256('a'),"
                             " hash.sha256(12) == hash.sha256('12')");
    CHECK_STR(got, "true,true");
    PASS();
}

TEST(lua_hmac_rfc4231)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    for (size_t i = 0; i < sizeof rfc4231 / sizeof rfc4231[0]; i++) {
        char want[256];
        lua_pushstring(L, rfc4231[i].key);
        lua_pushstring(L, rfc4231[i].data);
        const char *got = run_args(L,
            "local k, d = ...\n"
            "k, d = hash.unhex(k), hash.unhex(d)\n"
            "local mac = hash.hmac_sha256(k, d)\n"
            "return mac, hash.hmac_sha256_raw(k, d) == hash.unhex(mac)", 2);
        snprintf(want, sizeof want, "%s", rfc4231[i].mac);
        size_t n = strlen(want); /* case 5: the 128-bit prefix */
        int ok = strncmp(got, want, n) == 0 && strcmp(got + 64, ",true") == 0;
        CHECK(ok, "case %d: %s", rfc4231[i].number, got);
    }
    const char *got = run(L, "return hash.hmac_sha256('', '')");
    CHECK_STR(got, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    PASS();
}

TEST(lua_equal_semantics)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    const char *got = run(L,
        "return hash.equal('abc', 'abc'), hash.equal('abc', 'abd'),\n"
        "  hash.equal('abc', 'abcd'), hash.equal('abcd', 'abc'),\n"
        "  hash.equal('', ''), hash.equal('', 'a'),\n"
        "  hash.equal('a\\0b', 'a\\0c'), hash.equal('a\\0b', 'a\\0b'),\n"
        "  hash.equal('xbc', 'abc'), hash.equal(hash.sha256('x'), hash.sha256('x'))");
    CHECK_STR(got, "true,false,false,false,true,false,false,true,false,true");
    PASS();
}

TEST(lua_hex_unhex)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    const char *got = run(L,
        "local t = {}\n"
        "for i = 0, 255 do t[#t + 1] = string.char(i) end\n"
        "local all = table.concat(t)\n"
        "local h = hash.hex(all)\n"
        "return #h, h:sub(1, 8), h:sub(-8), hash.unhex(h) == all,\n"
        "  hash.unhex(h:upper()) == all, hash.hex(''), hash.unhex('') == '',\n"
        "  hash.unhex('4a656665'), hash.unhex('4A65') ");
    CHECK_STR(got, "512,00010203,fcfdfeff,true,true,,true,Jefe,Je");
    PASS();
}

/* ------------------------------------------------------------------ */
/* Lua: streaming hashers                                              */
/* ------------------------------------------------------------------ */

TEST(lua_hasher_million_a)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    const char *got = run(L,
        "local block = ('a'):rep(1000)\n"
        "local out = {}\n"
        "for _, alg in ipairs{'sha256', 'sha512'} do\n"
        "  local h = hash.hasher(alg)\n"
        "  for _ = 1, 1000 do h:update(block) end\n"
        "  out[#out + 1] = h:final()\n"
        "end\n"
        "return table.unpack(out)");
    CHECK_STR(got, MILLION_A_SHA256 "," MILLION_A_SHA512);
    PASS();
}

/* Random data, random prefixes, random split points (empty pieces and
 * block boundaries included): streaming must equal one-shot. */
TEST(lua_hasher_random_splits_equal_one_shot)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    char data[3000];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (char)(rng() & 0xff);
    }
    lua_pushlstring(L, data, sizeof data);
    lua_pushinteger(L, (lua_Integer)(rng() & 0x7fffffff));
    const char *got = run_args(L,
        "local data, seed = ...\n"
        "math.randomseed(seed)\n"
        "local edges = {0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 256}\n"
        "for _, alg in ipairs{'sha256', 'sha512'} do\n"
        "  for trial = 1, 300 do\n"
        "    local n = edges[trial] or math.random(0, #data)\n"
        "    local msg = data:sub(1, n)\n"
        "    local h = hash.hasher(alg)\n"
        "    local i = 1\n"
        "    while i <= n do\n"
        "      local piece = math.random(0, 200)\n"
        "      if math.random(4) == 1 then piece = math.random(0, 2) end\n"
        "      h:update(data:sub(i, math.min(n, i + piece - 1)))\n"
        "      i = i + piece\n"
        "    end\n"
        "    local raw = trial % 2 == 0\n"
        "    local want = raw and hash[alg .. '_raw'](msg) or hash[alg](msg)\n"
        "    local got = h:final(raw and 'raw' or nil)\n"
        "    if got ~= want then return alg .. ' differs at length ' .. n end\n"
        "  end\n"
        "end\n"
        "return 'same'", 2);
    CHECK_STR(got, "same");
    PASS();
}

TEST(lua_hasher_life_cycle)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    /* chaining, final("raw"), reset after final, reset mid-stream */
    EXPECT(L,
        "local h = hash.hasher('sha256')\n"
        "local a = h:update('a'):update('bc'):final()\n"
        "h:reset()\n"
        "local raw = h:update('abc'):final('raw')\n"
        "h:reset():update('junk'):reset():update('ab')\n"
        "return a == hash.sha256('abc'), raw == hash.sha256_raw('abc'),\n"
        "  h:update('c'):final('hex') == hash.sha256('abc'),\n"
        "  hash.hasher('sha512'):final() == hash.sha512(''),\n"
        "  select(2, pcall(setmetatable, h, {})), getmetatable(h)",
        "true,true,true,true,bad argument #1 to 'setmetatable' (table expected, "
        "got edict.hash.hasher),edict.hash.hasher");
    /* after final: update and final raise until reset */
    EXPECT(L,
        "local h = hash.hasher('sha512')\n"
        "h:final()\n"
        "h:update('x')",
        "rules/t.lua:3: hasher already finalized");
    EXPECT(L,
        "local h = hash.hasher('sha512')\n"
        "h:final()\n"
        "return h:final()",
        "rules/t.lua:3: hasher already finalized");
    PASS();
}

/* <close> and __gc free the context; a closed hasher says so. Leaks are
 * caught by LeakSanitizer in the SANITIZE=1 build. */
TEST(lua_hasher_close_and_gc)
{
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    EXPECT(L,
        "local kept\n"
        "do\n"
        "  local h <close> = hash.hasher('sha512')\n"
        "  h:update('x')\n"
        "  kept = h\n"
        "end\n"
        "return pcall(function() return kept:update('y') end)",
        "false,rules/t.lua:7: hasher is closed");
    /* closed while unwinding an error */
    EXPECT(L,
        "local kept\n"
        "local ok, err = pcall(function()\n"
        "  local h <close> = hash.hasher('sha256')\n"
        "  kept = h\n"
        "  h:update('x')\n"
        "  error('boom')\n"
        "end)\n"
        "return ok, err, select(2, pcall(kept.final, kept))",
        "false,rules/t.lua:6: boom,hasher is closed");
    /* closing twice, then the collector: each frees at most once */
    EXPECT(L,
        "local h = hash.hasher('sha256')\n"
        "do local a <close> = h end\n"
        "do local b <close> = h end\n"
        "for i = 1, 2000 do hash.hasher(i % 2 == 0 and 'sha256' or 'sha512'):update('x') end\n"
        "collectgarbage()\n"
        "return select(2, pcall(h.reset, h))",
        "hasher is closed");
    /* unreachable hashers still alive at lua_close: __gc frees them */
    EXPECT(L, "keep = {} for i = 1, 100 do keep[i] = hash.hasher('sha512') end return #keep",
           "100");
    PASS();
}

/* ------------------------------------------------------------------ */
/* Lua: error messages                                                 */
/* ------------------------------------------------------------------ */

TEST(lua_errors_name_argument_and_function)
{
    static const struct {
        const char *code;
        const char *want;
    } cases[] = {
        {"hash.sha512(nil)",
         "rules/t.lua:1: bad argument #1 to 'sha512' (string expected, got nil)"},
        {"hash.sha256({})",
         "rules/t.lua:1: bad argument #1 to 'sha256' (string expected, got table)"},
        {"hash.sha256_raw()",
         "rules/t.lua:1: bad argument #1 to 'sha256_raw' (string expected, got no value)"},
        {"hash.sha512_raw(true)",
         "rules/t.lua:1: bad argument #1 to 'sha512_raw' (string expected, got boolean)"},
        {"hash.hmac_sha256('key')",
         "rules/t.lua:1: bad argument #2 to 'hmac_sha256' (string expected, got no value)"},
        {"hash.hmac_sha256_raw(nil, 'msg')",
         "rules/t.lua:1: bad argument #1 to 'hmac_sha256_raw' (string expected, got nil)"},
        {"hash.equal('a')",
         "rules/t.lua:1: bad argument #2 to 'equal' (string expected, got no value)"},
        {"hash.hex(nil)",
         "rules/t.lua:1: bad argument #1 to 'hex' (string expected, got nil)"},
        {"hash.unhex('abc')",
         "rules/t.lua:1: bad argument #1 to 'unhex' (not a hex string)"},
        {"hash.unhex('zz')",
         "rules/t.lua:1: bad argument #1 to 'unhex' (not a hex string)"},
        {"hash.unhex('0g')",
         "rules/t.lua:1: bad argument #1 to 'unhex' (not a hex string)"},
        {"hash.unhex(' 0')",
         "rules/t.lua:1: bad argument #1 to 'unhex' (not a hex string)"},
        {"hash.hasher('md5')",
         "rules/t.lua:1: bad argument #1 to 'hasher' (invalid option 'md5')"},
        {"hash.hasher()",
         "rules/t.lua:1: bad argument #1 to 'hasher' (string expected, got no value)"},
        {"hash.hasher('sha256'):update(nil)",
         "rules/t.lua:1: bad argument #1 to 'update' (string expected, got nil)"},
        {"hash.hasher('sha256'):update('a', 'b')",
         "rules/t.lua:1: bad argument #2 to 'update' (no value expected)"},
        {"hash.hasher('sha256'):final('base64')",
         "rules/t.lua:1: bad argument #1 to 'final' (invalid option 'base64')"},
        {"hash.hasher('sha256'):reset(1)",
         "rules/t.lua:1: bad argument #1 to 'reset' (no value expected)"},
        {"local h = hash.hasher('sha256'); h.update('x', 'y')",
         "rules/t.lua:1: bad argument #1 to 'update' (edict.hash.hasher expected, got string)"},
        {"local h = hash.hasher('sha256'); h.final()",
         "rules/t.lua:1: bad argument #1 to 'final' (edict.hash.hasher expected, got no value)"},
    };
    lua_State *L = new_state();
    CHECK(L != NULL, "no state");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = run(L, cases[i].code);
        CHECK(strcmp(got, cases[i].want) == 0, "%s\n  expected \"%s\"\n  got      \"%s\"", cases[i].code,
              cases[i].want, got);
    }
    PASS();
}

/* ------------------------------------------------------------------ */
/* Inside a real sandbox                                               */
/* ------------------------------------------------------------------ */

static const ed_limits LIM = {(size_t)16 << 20, 1000000, 5000};

static ed_sandbox *new_sandbox(void)
{
    track();
    return cur_sandbox = ed_sandbox_new();
}
static const ed_limits LIM_SMALL = {(size_t)16 << 20, 100000, 5000};

/* Run `code` (as "@rules/t.lua") in the sandbox with a fresh environment
 * holding `hash` = the module exactly as rules get it (frozen, shared by
 * every pack), and the `nargs` values on the stack as `...`. The single
 * result, as a string, goes to *out (static buffer). */
static int sb_run(ed_sandbox *sb, const char *code, int nargs, const ed_limits *lim,
                  ed_call_result *res, const char **out)
{
    static char buf[1024];
    lua_State *L = ed_sandbox_state(sb);
    buf[0] = '\0';
    *out = buf;
    memset(res, 0, sizeof *res);
    if (luaL_loadbufferx(L, code, strlen(code), "@rules/t.lua", "t") != LUA_OK) {
        snprintf(buf, sizeof buf, "%s", lua_tostring(L, -1));
        lua_pop(L, 1 + nargs);
        res->status = LUA_ERRSYNTAX;
        res->message = buf;
        res->where = "";
        return res->status;
    }
    ed_sandbox_push_env(sb);
    if (!ed_modules_require(L, "edict.hash")) {
        lua_pop(L, 2 + nargs);
        res->status = LUA_ERRRUN;
        res->message = "edict.hash is not a stdlib module";
        res->where = "";
        return res->status;
    }
    lua_setfield(L, -2, "hash");
    lua_setupvalue(L, -2, 1);
    lua_insert(L, -1 - nargs);
    ed_sandbox_call(sb, nargs, 1, lim, res);
    if (res->status == LUA_OK) {
        snprintf(buf, sizeof buf, "%s", luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
    }
    return res->status;
}

#define SB_EXPECT(sb, code, want)                                          \
    do {                                                                   \
        ed_call_result r_;                                                 \
        const char *o_;                                                    \
        int st_ = sb_run((sb), (code), 0, &LIM, &r_, &o_);                 \
        CHECK(st_ == LUA_OK, "%s: failed: %s: %s (%s)", (code), r_.where,  \
              r_.message, ed_stop_name(r_.stop));                          \
        CHECK(strcmp(o_, (want)) == 0, "%s: returned \"%s\", expected \"%s\"", \
              (code), o_, (want));                                         \
    } while (0)

#define SB_EXPECT_ERROR(sb, code, want_msg, want_where)                    \
    do {                                                                   \
        ed_call_result r_;                                                 \
        const char *o_;                                                    \
        int st_ = sb_run((sb), (code), 0, &LIM, &r_, &o_);                 \
        CHECK(st_ != LUA_OK, "%s: ran, returning \"%s\"", (code), o_);     \
        CHECK(r_.stop == ED_STOP_NONE, "%s: stopped by %s", (code),        \
              ed_stop_name(r_.stop));                                      \
        CHECK(strcmp(r_.message, (want_msg)) == 0 &&                       \
                  strcmp(r_.where, (want_where)) == 0,                     \
              "%s: expected \"%s: %s\", got \"%s: %s\"", (code), (want_where), \
              (want_msg), r_.where, r_.message);                           \
    } while (0)

TEST(sandbox_module_as_rules_get_it)
{
    ed_sandbox *sb = new_sandbox();
    CHECK(sb != NULL, "no sandbox");
    SB_EXPECT(sb, "return hash.sha256('abc')", fips[0].sha256);
    SB_EXPECT(sb,
        "local h <close> = hash.hasher('sha512')\n"
        "h:update('a'):update('bc')\n"
        "return h:final() == hash.sha512('abc') and tostring(h)",
        "edict.hash.hasher");
    SB_EXPECT(sb,
        "local mac = hash.hmac_sha256_raw('Jefe', 'what do ya want for nothing?')\n"
        "return hash.equal(mac, hash.unhex("
        "'5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'))",
        "true");
    SB_EXPECT_ERROR(sb, "\nreturn hash.sha512(nil)",
                    "bad argument #1 to 'sha512' (string expected, got nil)",
                    "rules/t.lua:2");
    SB_EXPECT_ERROR(sb, "hash.unhex('x')",
                    "bad argument #1 to 'unhex' (not a hex string)", "rules/t.lua:1");
    SB_EXPECT_ERROR(sb, "local h <close> = hash.hasher('sha256')\nh:final()\nh:update('x')",
                    "hasher already finalized", "rules/t.lua:3");
    /* the module is frozen, and so is the hasher's metatable */
    SB_EXPECT_ERROR(sb, "hash.sha256 = nil", "edict.hash is read-only (cannot set field "
                    "'sha256')", "rules/t.lua:1");
    SB_EXPECT(sb, "return getmetatable(hash.hasher('sha256'))", "edict.hash.hasher");
    SB_EXPECT_ERROR(sb, "setmetatable(hash.hasher('sha256'), {})",
                    "bad argument #1 to 'setmetatable' (table expected, got edict.hash.hasher)",
                    "rules/t.lua:1");
    PASS();
}

/* Hashing charges the instruction budget: 8 MiB is 131072 steps, past a
 * limit of 100000, whether one-shot, streamed (the stopped hasher is then
 * freed by <close> or the collector) or compared. */
TEST(sandbox_budget_charged_for_large_inputs)
{
    static const char *const attacks[] = {
        "local s = ...\nreturn hash.sha256(s)",
        "local s = ...\nreturn hash.sha512_raw(s)",
        "local s = ...\nreturn hash.hmac_sha256('k', s)",
        "local s = ...\nlocal h <close> = hash.hasher('sha512')\nreturn h:update(s)",
        "local s = ...\nlocal h = hash.hasher('sha256')\nreturn h:update(s)",
        "local s = ...\nreturn hash.equal(s, s)",
        "local s = ...\nreturn hash.hex(s)",
    };
    static char data[(size_t)8 << 20];
    const size_t big = sizeof data;
    memset(data, 'a', big);
    ed_sandbox *sb = new_sandbox();
    CHECK(sb != NULL, "no sandbox");
    lua_State *L = ed_sandbox_state(sb);
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        ed_call_result res;
        const char *out;
        lua_pushlstring(L, data, big);
        int st = sb_run(sb, attacks[i], 1, &LIM_SMALL, &res, &out);
        CHECK(st != LUA_OK && res.stop == ED_STOP_INSTRUCTIONS,
              "%s: not stopped (status %d, stop %s, %s)", attacks[i], st,
              ed_stop_name(res.stop), res.message);
        CHECK_STR(res.message, "instruction limit exceeded (100000 instructions)");
        CHECK(strncmp(res.where, "rules/t.lua:", 12) == 0, "where \"%s\"", res.where);
    }
    /* the same input within a limit: the count shows the charge */
    ed_call_result res;
    const char *out;
    lua_pushlstring(L, data, big);
    int st = sb_run(sb, "local s = ...\nreturn #hash.sha256(s)", 1, &LIM, &res, &out);
    CHECK(st == LUA_OK, "8 MiB within 1000000: %s", res.message);
    CHECK_STR(text(out), "64");
    CHECK(res.instructions >= 131072, "charged only %lld instructions",
          (long long)res.instructions);
    /* and the sandbox still works */
    SB_EXPECT(sb, "return hash.sha256('abc')", fips[0].sha256);
    PASS();
}

/* Each hasher reserves Lua memory for what OpenSSL mallocs on its behalf,
 * so 100000 live hashers (about 30 MB of OpenSSL memory) meet a 16 MiB
 * limit. Without the reserve they would fit in about 8 MiB of Lua memory. */
TEST(sandbox_hashers_count_against_memory_limit)
{
    const ed_limits lim = {(size_t)16 << 20, 50000000, 10000};
    ed_sandbox *sb = new_sandbox();
    CHECK(sb != NULL, "no sandbox");
    ed_call_result res;
    const char *out;
    int st = sb_run(sb,
        "local t = {}\n"
        "for i = 1, 100000 do t[i] = hash.hasher('sha512') end\n"
        "return #t", 0, &lim, &res, &out);
    CHECK(st != LUA_OK && res.stop == ED_STOP_MEMORY,
          "100000 hashers: status %d, stop %s, returned %s", st,
          ed_stop_name(res.stop), out);
    SB_EXPECT(sb, "return hash.sha256('abc')", fips[0].sha256);
    PASS();
}

ED_TEST_MAIN(
    T(host_sha256_fips_vectors),
    T(host_sha512_fips_vectors),
    T(host_hmac_sha256_rfc4231),
    T(lua_digest_vectors),
    T(lua_hmac_rfc4231),
    T(lua_equal_semantics),
    T(lua_hex_unhex),
    T(lua_hasher_million_a),
    T(lua_hasher_random_splits_equal_one_shot),
    T(lua_hasher_life_cycle),
    T(lua_hasher_close_and_gc),
    T(lua_errors_name_argument_and_function),
    T(sandbox_module_as_rules_get_it),
    T(sandbox_budget_charged_for_large_inputs),
    T(sandbox_hashers_count_against_memory_limit))
