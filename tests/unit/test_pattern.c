/*
 * test_pattern.c — stdlib/pattern.c: the budgeted string.find, match,
 * gmatch and gsub behave exactly like the stock Lua 5.4 ones (differential
 * tests, random and fixed), and their work is charged to the sandbox's
 * budget so a pathological pattern is stopped.
 */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include "engine/sandbox.h"
#include "stdlib/pattern.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <time.h>

/* Random combinations per differential run (each gives about four
 * comparisons: find, match, gmatch and gsub). */
#define DIFF_COMBOS 20000
#define DIFF_COMBOS_BUDGETED 5000

/* The differential script. Arguments: the stock string library, edict's
 * functions (nil: the global `string`), the number of random combinations
 * and a seed. Returns comparisons, agreed errors, mismatches, the first
 * mismatch. */
static const char diff_script[] =
    "-- Differential check: S is the stock string library, P edict's (find,\n"
    "-- match, gmatch, gsub). Runs the fixed cases, then N random combinations\n"
    "-- from a seeded generator. Returns comparisons, agreed errors, mismatches\n"
    "-- and the first mismatch.\n"
    "local S, P, N, SEED = ...\n"
    "P = P or string\n"
    "local pack, unpack, concat = table.pack, table.unpack, table.concat\n"
    "local mtype = math.type\n"
    "\n"
    "local seed = SEED\n"
    "local function rnd(n) -- 1..n, a 64-bit LCG (integers wrap)\n"
    "  seed = seed * 6364136223846793005 + 1442695040888963407\n"
    "  return ((seed >> 33) % n) + 1\n"
    "end\n"
    "local function pick(t) return t[rnd(#t)] end\n"
    "\n"
    "local function ser(v)\n"
    "  local tv = type(v)\n"
    "  if tv == \"table\" then\n"
    "    local parts = {}\n"
    "    for i = 1, (v.n or #v) do parts[i] = ser(v[i]) end\n"
    "    return \"{\" .. concat(parts, \",\") .. \"}\"\n"
    "  elseif tv == \"number\" then\n"
    "    return mtype(v) .. \":\" .. tostring(v)\n"
    "  elseif tv == \"string\" then\n"
    "    return (\"%q\"):format(v)\n"
    "  end\n"
    "  return tv .. \":\" .. tostring(v)\n"
    "end\n"
    "\n"
    "local T = {a = \"A\", b = false, ab = \"AB\", c = 2.5, [\"1\"] = 1, [\"(\"] = {},\n"
    "           [1] = \"pos1\", [2] = true, [\" \"] = \"_\"}\n"
    "\n"
    "local function mkF(log)\n"
    "  return function(...)\n"
    "    local args = pack(...)\n"
    "    log[#log + 1] = ser(args)\n"
    "    local a = args[1]\n"
    "    if a == \"a\" then return nil\n"
    "    elseif a == \"b\" then return false\n"
    "    elseif mtype(a) == \"integer\" then return a * 2\n"
    "    elseif a == \"c\" then return {}\n"
    "    elseif a == \"1\" then return 1.5\n"
    "    elseif a == \"(\" then return true\n"
    "    end\n"
    "    return \"<\" .. concat(args, \"|\") .. \">\"\n"
    "  end\n"
    "end\n"
    "\n"
    "-- Call lib's function `name` with the packed args. Each function is called\n"
    "-- as a constant field so both libraries get the same name in errors.\n"
    "local function call(lib, log, name, args)\n"
    "  local a = {}\n"
    "  for i = 1, args.n do\n"
    "    local v = args[i]\n"
    "    if v == \"<F>\" then v = mkF(log) elseif v == \"<T>\" then v = T end\n"
    "    a[i] = v\n"
    "  end\n"
    "  local r\n"
    "  if name == \"find\" then\n"
    "    r = pack(lib.find(unpack(a, 1, args.n)))\n"
    "  elseif name == \"match\" then\n"
    "    r = pack(lib.match(unpack(a, 1, args.n)))\n"
    "  elseif name == \"gsub\" then\n"
    "    r = pack(lib.gsub(unpack(a, 1, args.n)))\n"
    "  else\n"
    "    local it = lib.gmatch(unpack(a, 1, args.n))\n"
    "    r = {}\n"
    "    for k = 1, 40 do\n"
    "      local one = pack(it())\n"
    "      r[k] = one\n"
    "      if one[1] == nil then break end\n"
    "    end\n"
    "  end\n"
    "  return r\n"
    "end\n"
    "\n"
    "local ncomp, nerr, nmis, first = 0, 0, 0, nil\n"
    "local function compare(name, ...)\n"
    "  local args = pack(...)\n"
    "  local logS, logP = {}, {}\n"
    "  local rs = pack(pcall(call, S, logS, name, args))\n"
    "  local rp = pack(pcall(call, P, logP, name, args))\n"
    "  local a = ser(rs) .. ser(logS)\n"
    "  local b = ser(rp) .. ser(logP)\n"
    "  ncomp = ncomp + 1\n"
    "  if not rs[1] then nerr = nerr + 1 end\n"
    "  if a ~= b then\n"
    "    nmis = nmis + 1\n"
    "    first = first or\n"
    "      (name .. ser(args) .. \"\\n  stock: \" .. a .. \"\\n  edict: \" .. b)\n"
    "  end\n"
    "end\n"
    "\n"
    "-- Fixed cases.\n"
    "local C = compare\n"
    "local mi, ma = math.mininteger, math.maxinteger\n"
    "C(\"find\", \"hello world\", \"o w\")\n"
    "C(\"find\", \"abc\", \")\") C(\"match\", \"abc\", \")\") C(\"gsub\", \"abc\", \")\", \"x\")\n"
    "C(\"find\", \"a+b\", \"+\", 1, true) C(\"find\", \"a.b\", \".\", 1)\n"
    "C(\"find\", \"a.b\", \".\", 1, 1)\n"
    "C(\"find\", \"\", \"\") C(\"find\", \"abc\", \"\", 10) C(\"find\", \"abc\", \"\", 4)\n"
    "C(\"find\", \"abc\", \"\", 3)\n"
    "C(\"find\", \"abc\", \"[\", 10) C(\"find\", \"abc\", \"[\", 4) C(\"match\", \"abc\", \"[\", 4)\n"
    "C(\"find\", \"abc\", \"b\", mi) C(\"find\", \"abc\", \"b\", ma)\n"
    "C(\"find\", \"abc\", \"b\", -100)\n"
    "C(\"find\", \"abc\", \"b\", 0) C(\"find\", \"abc\", \"b\", -1)\n"
    "C(\"find\", \"abc\", \"b\", \"2\")\n"
    "C(\"find\", \"abc\", \"b\", 1.0) C(\"find\", \"abc\", \"b\", 1.5)\n"
    "C(\"find\", \"abc\", \"b\", \"x\")\n"
    "C(\"find\", nil, \"a\") C(\"find\", \"a\", nil) C(\"find\", {}, \"a\")\n"
    "C(\"find\", 123, \"2\")\n"
    "C(\"find\", 12.5, \"%.\") C(\"match\", 1e15, \"^%d+$\")\n"
    "C(\"find\", \"a\", \"a\", nil, nil)\n"
    "C(\"match\", \"  x  \", \"^%s*(.-)%s*$\")\n"
    "C(\"match\", \"key = value\", \"(%w+)%s*=%s*(%w+)\")\n"
    "C(\"match\", \"hello\", \"()ll()\") C(\"match\", \"THE (quick) fox\", \"%((%a+)%)\")\n"
    "C(\"find\", \"THE (quick) fox\", \"%f[%a]%a+\", 5) C(\"find\", \"abc\", \"%f[%W]\")\n"
    "C(\"find\", \"THE\", \"%f[%z]\") C(\"find\", \"\\0a\", \"%f[%z]\") C(\"find\", \"\\0a\", \"%f[%Z]\")\n"
    "C(\"gsub\", \"\\0a\\0\", \"%f[%z]\", \"|\") C(\"gsub\", \"\\0a\\0\", \"%f[%Z]\", \"|\")\n"
    "C(\"match\", \"x\", \"()\") C(\"match\", \"\", \"()\")\n"
    "C(\"find\", \"\", \"()\")\n"
    "C(\"match\", \"2024-01-31\", \"^(%d%d%d%d)%-(%d%d)%-(%d%d)$\")\n"
    "C(\"match\", \"[[x]]\", \"%b[]\") C(\"find\", \"((a)\", \"%b()\")\n"
    "C(\"find\", \"''x''\", \"%b''\")\n"
    "C(\"find\", \"x(a(b)c)y\", \"%b()\") C(\"find\", \"abc\", \"%b\")\n"
    "C(\"find\", \"abc\", \"%ba\")\n"
    "C(\"match\", \"aa\", \"()%1\") C(\"match\", \"abab\", \"(ab)%1\")\n"
    "C(\"match\", \"abab\", \"(a)(b)%2\")\n"
    "C(\"match\", \"a\", \"(a%1)\") C(\"match\", \"a\", \"%0\") C(\"match\", \"a\", \"%1\")\n"
    "C(\"find\", \"abc\", \"%\") C(\"find\", \"abc\", \"a%\") C(\"find\", \"abc\", \"[a\")\n"
    "C(\"find\", \"abc\", \"[^\")\n"
    "C(\"find\", \"abc\", \"[]\") C(\"find\", \"abc\", \"[^]\") C(\"find\", \"a]\", \"[]]\")\n"
    "C(\"find\", \"a]\", \"[^]]\")\n"
    "C(\"find\", \"a-\", \"[a-]\") C(\"find\", \"-\", \"[-a]\") C(\"find\", \"]\", \"[%]]\")\n"
    "C(\"find\", \"x\", \"[%a-z]\")\n"
    "C(\"find\", \"abc\", \"%f\") C(\"find\", \"abc\", \"%fa\") C(\"find\", \"abc\", \"%f[a\")\n"
    "C(\"find\", \"abc\", \"(%1)\") C(\"find\", \"abc\", \"%0\") C(\"find\", \"abc\", \"(()\")\n"
    "C(\"find\", \"abc\", \"(a\") C(\"match\", \"abc\", \"(a\") C(\"gsub\", \"abc\", \"(a\", \"x\")\n"
    "C(\"gsub\", \"abc\", \"(a\", \"<T>\") C(\"gsub\", \"abc\", \"(a\", \"<F>\")\n"
    "C(\"gsub\", \"abc\", \"(a\", \"%1\")\n"
    "C(\"match\", \"abc\", \"a)\") C(\"match\", \"abc\", \"(a))\")\n"
    "C(\"match\", (\"a\"):rep(300), (\"a?\"):rep(300))\n"
    "C(\"find\", (\"x\"):rep(250), (\"x*\"):rep(250))\n"
    "for k = 196, 203 do\n"
    "  C(\"match\", (\"a\"):rep(k), (\"a?\"):rep(k))\n"
    "  C(\"match\", (\"a\"):rep(k), (\"a-\"):rep(k) .. \"$\")\n"
    "  C(\"match\", (\"a\"):rep(k), (\"(a)\"):rep(k % 40))\n"
    "end\n"
    "C(\"match\", \"a\", (\"()\"):rep(32)) C(\"match\", \"a\", (\"()\"):rep(33))\n"
    "C(\"match\", \"a\", (\"(\"):rep(33)) C(\"gsub\", \"a\", (\"()\"):rep(33), \"x\")\n"
    "C(\"find\", \"a\\0b\", \"%z\") C(\"find\", \"a\\0b\", \"\\0\") C(\"match\", \"a\\0b\", \"[\\0]\")\n"
    "C(\"gsub\", \"a\\0b\", \"%z\", \"0\") C(\"find\", \"a\\0b\", \"b\\0\")\n"
    "C(\"match\", \"a\\0b\", \"(.)\\0(.)\")\n"
    "C(\"find\", \"a\\0b\", \"%f[%z]\") C(\"match\", \"x\", \"x\\0*\")\n"
    "C(\"gsub\", \"a%b\", \"%%\", \"%%%%\")\n"
    "C(\"gsub\", \"hello world\", \"(%w+)\", \"<%1>\")\n"
    "C(\"gsub\", \"hello world\", \"%w+\", \"%0 %0\", 1)\n"
    "C(\"gsub\", \"abc\", \"\", \"-\") C(\"gsub\", \"abc\", \"%w*\", \"x\")\n"
    "C(\"gsub\", \"abc\", \"b*\", \"-\")\n"
    "C(\"gsub\", \"hello\", \"l+\", {ll = \"LL\"})\n"
    "C(\"gsub\", \"$name is $age\", \"%$(%w+)\", \"<T>\")\n"
    "C(\"gsub\", \"abc\", \"b\", \"%2\") C(\"gsub\", \"abc\", \"b\", \"%\")\n"
    "C(\"gsub\", \"abc\", \"b\", \"x%\")\n"
    "C(\"gsub\", \"abc\", \"(b)\", \"%1%1%0%%\") C(\"gsub\", \"abc\", \"()b()\", \"%1-%2\")\n"
    "C(\"gsub\", \"abc\", \"b\", \"%x\")\n"
    "C(\"gsub\", \"abc\", \"b\", {b = {}}) C(\"gsub\", \"abc\", \"b\", true)\n"
    "C(\"gsub\", \"abc\", \"b\", nil)\n"
    "C(\"gsub\", \"abc\", \"b\") C(\"gsub\", \"abc\", \"^a\", \"X\")\n"
    "C(\"gsub\", \"aaa\", \"^a\", \"X\")\n"
    "C(\"gsub\", \"abc\", \"b\", \"x\", 0) C(\"gsub\", \"abc\", \"b\", \"x\", -1)\n"
    "C(\"gsub\", \"abc\", \"b\", \"x\", 2.5)\n"
    "C(\"gsub\", \"abc\", \"b\", \"x\", \"1\") C(\"gsub\", \"abc\", \"b\", \"x\", \"y\")\n"
    "C(\"gsub\", \"abc\", \"b\", 7)\n"
    "C(\"gsub\", \"abc\", \"b\", 1.5) C(\"gsub\", \"abc\", \".\", \"<F>\")\n"
    "C(\"gsub\", \"a(b)c\", \"%((.)%)\", \"<F>\")\n"
    "C(\"gsub\", \"abc\", \"()\", \"<F>\") C(\"gsub\", \"abc\", \"()\", \"<T>\")\n"
    "C(\"gsub\", \"abc\", \"()\", \"%1\")\n"
    "C(\"gsub\", \"a b c\", \"%a\", \"<T>\") C(\"gsub\", \"a b\", \"(%a)( )\", \"<F>\")\n"
    "C(\"gsub\", \"\", \"\", \"x\")\n"
    "C(\"gsub\", \"\", \"^\", \"x\") C(\"gsub\", \"abc\", \"$\", \"!\")\n"
    "C(\"gsub\", \"abc\", \"^$\", \"!\")\n"
    "C(\"gsub\", \"a,b,,c\", \"[^,]*\", \"[%0]\") C(\"gsub\", \"abc\", \".-\", \"-\")\n"
    "C(\"gmatch\", \"one two three\", \"%a+\") C(\"gmatch\", \"^a^a\", \"^a\")\n"
    "C(\"gmatch\", \"abc\", \"\")\n"
    "C(\"gmatch\", \"abcabc\", \"b\", 4) C(\"gmatch\", \"abc\", \"b\", 10)\n"
    "C(\"gmatch\", \"abc\", \"\", 4)\n"
    "C(\"gmatch\", \"abc\", \"\", -1) C(\"gmatch\", \"k1=v1, k2=v2\", \"(%w+)=(%w+)\")\n"
    "C(\"gmatch\", \"abc\", \"()\")\n"
    "C(\"gmatch\", \"abc\", \"[\") C(\"gmatch\", \"abc\", \"(\") C(\"gmatch\", \"abc\", \"%w*\")\n"
    "C(\"gmatch\", \"a,b,,c\", \"[^,]*\")\n"
    "C(\"gmatch\", nil, \"a\") C(\"gmatch\", \"a\", \"a\", \"x\") C(\"gmatch\", \"abc\", \"b\", mi)\n"
    "C(\"gmatch\", \"abc\", \"b\", ma)\n"
    "C(\"find\", (\"a\"):rep(3000) .. \"b\", \".-b\")\n"
    "C(\"find\", (\"a\"):rep(3000), (\"a\"):rep(500) .. \"b\", 1, true)\n"
    "C(\"match\", (\"(a)\"):rep(50), \"^%b()+$\")\n"
    "C(\"gsub\", (\"ab\"):rep(100), \"(a)(b)\", \"%2%1\", 57)\n"
    "\n"
    "-- Random combinations.\n"
    "local subj_chars = {\"a\", \"a\", \"a\", \"b\", \"b\", \"c\", \"1\", \"2\", \" \", \"(\", \")\",\n"
    "  \"[\", \"]\", \"%\", \".\", \"-\", \"^\", \"$\", \"\\0\", \"A\", \"x\"}\n"
    "local ptoks = {\"a\", \"a\", \"b\", \"b\", \"c\", \"1\", \" \", \"x\", \".\", \".\", \"%a\", \"%d\",\n"
    "  \"%s\", \"%w\", \"%A\", \"%D\", \"%l\", \"%u\", \"%p\", \"%x\", \"%c\", \"%z\", \"%g\", \"%.\",\n"
    "  \"%%\", \"%(\", \"%]\", \"%-\", \"[abc]\", \"[^a]\", \"[a-c]\", \"[%d]\", \"[%a_]\", \"[]]\",\n"
    "  \"[^]]\", \"[a-]\", \"[-a]\", \"[%]]\", \"[\", \"]\", \"[^\", \"^\", \"$\", \"(\", \")\", \"()\",\n"
    "  \"(a)\", \"(.-)\", \"(%a+)\", \"([ab]*)\", \"(()a)\", \"%b()\", \"%b[]\", \"%baa\", \"%b\",\n"
    "  \"%f[%w]\", \"%f[%W]\", \"%f[a]\", \"%f[^%s]\", \"%f[%z]\", \"%f[%Z]\", \"%f\", \"%1\",\n"
    "  \"%2\", \"%0\", \"%\", \"*\", \"+\", \"-\", \"?\", \"\\0\", \"%z\"}\n"
    "local suffixes = {\"*\", \"+\", \"-\", \"?\"}\n"
    "local inits = {1, 2, 3, 0, -1, -2, -4, 5, 8, 13, 14, 20, -30, ma, mi}\n"
    "local repls = {\"x\", \"\", \"%0\", \"%1\", \"<%1|%2>\", \"%%\", \"%\", \"a%\", \"%x\", \"%3\",\n"
    "  \"%9\", \"[%0]\", 7, 1.5, \"<T>\", \"<F>\", \"<F>\", \"<T>\"}\n"
    "local counts = {0, 1, 2, -1, 3}\n"
    "\n"
    "local function gen_subject()\n"
    "  local t = {}\n"
    "  for i = 1, rnd(13) - 1 do t[i] = pick(subj_chars) end\n"
    "  return concat(t)\n"
    "end\n"
    "\n"
    "local function gen_pattern()\n"
    "  local t = {}\n"
    "  if rnd(6) == 1 then t[1] = \"^\" end\n"
    "  for _ = 1, rnd(7) - 1 do\n"
    "    local tok = pick(ptoks)\n"
    "    if rnd(3) == 1 then tok = tok .. pick(suffixes) end\n"
    "    t[#t + 1] = tok\n"
    "  end\n"
    "  if rnd(8) == 1 then t[#t + 1] = \"$\" end\n"
    "  return concat(t)\n"
    "end\n"
    "\n"
    "for _ = 1, N do\n"
    "  local s, p = gen_subject(), gen_pattern()\n"
    "  local init = pick(inits)\n"
    "  if rnd(3) == 1 then\n"
    "    C(\"find\", s, p) C(\"match\", s, p) C(\"gmatch\", s, p)\n"
    "  else\n"
    "    local plain = rnd(4)\n"
    "    if plain == 1 then C(\"find\", s, p, init, true)\n"
    "    elseif plain == 2 then C(\"find\", s, p, init, false)\n"
    "    else C(\"find\", s, p, init) end\n"
    "    C(\"match\", s, p, init) C(\"gmatch\", s, p, init)\n"
    "  end\n"
    "  if rnd(3) == 1 then C(\"gsub\", s, p, pick(repls), pick(counts))\n"
    "  else C(\"gsub\", s, p, pick(repls)) end\n"
    "end\n"
    "\n"
    "return ncomp, nerr, nmis, first\n"
    "\n";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the differential script returned. */
typedef struct diff_stats {
    lua_Integer comparisons, errors, mismatches;
    char first[1024];
} diff_stats;

static void read_stats(lua_State *L, diff_stats *st)
{
    /* Stack now: ... ncomp nerr nmis first */
    st->comparisons = lua_tointeger(L, -4);
    st->errors = lua_tointeger(L, -3);
    st->mismatches = lua_tointeger(L, -2);
    snprintf(st->first, sizeof st->first, "%s",
             lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    lua_pop(L, 4);
}

/* A plain state with the stock library as `string`, and edict's versions
 * in a copy of it. ed_budget_charge() finds its sandbox in the state's
 * extra space, which a plain state leaves uninitialised; point it at an
 * idle (never armed) sandbox, for which a charge does nothing. */
static lua_State *plain_state(ed_sandbox **idle)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    *idle = ed_sandbox_new();
    *(ed_sandbox **)lua_getextraspace(L) = *idle;
    return L;
}

/* Push a copy of the stock string table with edict's four functions. */
static void push_edict_string(lua_State *L)
{
    lua_newtable(L);
    lua_getglobal(L, "string");
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_settable(L, -5);
    }
    lua_pop(L, 1); /* the stock table */
    ed_pattern_install(L);
}

TEST(differential_plain_state)
{
    ed_sandbox *idle;
    lua_State *L = plain_state(&idle);
    diff_stats st;
    CHECK(idle != NULL, "ed_sandbox_new failed");
    int rc = luaL_loadbufferx(L, diff_script, sizeof diff_script - 1,
                              "=diff", "t");
    CHECK(rc == LUA_OK, "load: %s", lua_tostring(L, -1));
    lua_getglobal(L, "string");
    push_edict_string(L);
    lua_pushinteger(L, DIFF_COMBOS);
    lua_pushinteger(L, 20260302);
    rc = lua_pcall(L, 4, 4, 0);
    CHECK(rc == LUA_OK, "run: %s", lua_tostring(L, -1));
    read_stats(L, &st);
    lua_close(L);
    ed_sandbox_free(idle);
    printf("# plain state: %lld comparisons, %lld agreed errors, "
           "%lld mismatches\n", (long long)st.comparisons,
           (long long)st.errors, (long long)st.mismatches);
    CHECK(st.mismatches == 0, "%lld mismatches; first: %s",
          (long long)st.mismatches, st.first);
    CHECK(st.comparisons > 4 * DIFF_COMBOS, "only %lld comparisons",
          (long long)st.comparisons);
    PASS();
}

/* Load `code` as a rule chunk with a fresh sandbox env. */
static int load_rule(ed_sandbox *sb, const char *code)
{
    lua_State *L = ed_sandbox_state(sb);
    if (luaL_loadbufferx(L, code, strlen(code), "=test", "t") != LUA_OK) {
        return 0;
    }
    ed_sandbox_push_env(sb);
    lua_setupvalue(L, -2, 1);
    return 1;
}

TEST(differential_in_budgeted_sandbox)
{
    /* The same script as rule code, under a budget large enough never to
     * stop it: charging must not change any result. The stock library is
     * the one the sandbox copied from (package.loaded.string). */
    static const ed_limits limits = {256 << 20, INT64_MAX / 4, 120000};
    ed_sandbox *sb = ed_sandbox_new();
    ed_call_result res;
    diff_stats st;
    CHECK(sb != NULL, "ed_sandbox_new failed");
    lua_State *L = ed_sandbox_state(sb);
    CHECK(load_rule(sb, diff_script), "load: %s", lua_tostring(L, -1));
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_STRLIBNAME);
    lua_remove(L, -2);
    lua_pushnil(L); /* edict's: the env's string */
    lua_pushinteger(L, DIFF_COMBOS_BUDGETED);
    lua_pushinteger(L, 7);
    ed_sandbox_call(sb, 4, 4, &limits, &res);
    CHECK(res.status == LUA_OK, "run: %s: %s", res.where, res.message);
    read_stats(L, &st);
    ed_sandbox_free(sb);
    printf("# sandbox: %lld comparisons, %lld instructions charged\n",
           (long long)st.comparisons, (long long)res.instructions);
    CHECK(st.mismatches == 0, "%lld mismatches; first: %s",
          (long long)st.mismatches, st.first);
    PASS();
}

/* Run `code` in a fresh sandbox with the brief's limits; fills res and
 * the elapsed milliseconds. Leaves nothing on the stack. */
static int run_limited(const char *code, ed_call_result *res, int64_t *ms)
{
    static const ed_limits limits = {16 << 20, 5000000, 2000};
    ed_sandbox *sb = ed_sandbox_new();
    if (sb == NULL || !load_rule(sb, code)) {
        ed_sandbox_free(sb);
        return 0;
    }
    int64_t t0 = now_ms();
    ed_sandbox_call(sb, 0, 0, &limits, res);
    *ms = now_ms() - t0;
    /* res->message is owned by the sandbox: keep a copy for the caller. */
    static char message[1024];
    snprintf(message, sizeof message, "%s", res->message);
    res->message = message;
    res->where = "";
    ed_sandbox_free(sb);
    return 1;
}

/* Stopped by a limit that only charging can trip: without it the count
 * hook never fires inside the C matcher and nothing stops it. */
static int stopped(const ed_call_result *res)
{
    return res->status != LUA_OK && (res->stop == ED_STOP_INSTRUCTIONS ||
                                     res->stop == ED_STOP_TIME);
}

TEST(budget_stops_pathological_find)
{
    ed_call_result res;
    int64_t ms;
    CHECK(run_limited("local s = ('a'):rep(40000)\n"
                      "return s:find(('a-'):rep(40) .. 'b')\n",
                      &res, &ms),
          "could not load");
    printf("# pathological find: stopped by %s after %lld ms, %lld "
           "instructions\n", ed_stop_name(res.stop), (long long)ms,
           (long long)res.instructions);
    CHECK(stopped(&res), "stop %s, status %d: %s", ed_stop_name(res.stop),
          res.status, res.message);
    PASS();
}

TEST(budget_stop_survives_pcall)
{
    ed_call_result res;
    int64_t ms;
    CHECK(run_limited(
              "local s, p = ('a'):rep(40000), ('a-'):rep(40) .. 'b'\n"
              "local ok, err = pcall(string.find, s, p)\n"
              "for _ = 1, 100 do pcall(string.gsub, s, p, 'x') end\n"
              "local n = 0\n"
              "for i = 1, 10 do n = n + i end\n"
              "return ok, err, n\n",
              &res, &ms),
          "could not load");
    /* The chunk's own return never happens: the stop wins. */
    CHECK(stopped(&res), "stop %s, status %d: %s", ed_stop_name(res.stop),
          res.status, res.message);
    CHECK(strstr(res.message, "limit exceeded") != NULL, "message: %s",
          res.message);
    PASS();
}

TEST(budget_stops_other_pathologies)
{
    static const char *const codes[] = {
        /* the same inside a coroutine (its own lua_State) */
        "local co = coroutine.wrap(function()\n"
        "  return ('a'):rep(40000):find(('a-'):rep(40) .. 'b') end)\n"
        "return co()\n",
        /* through gmatch's iterator and gsub */
        "for m in ('a'):rep(40000):gmatch(('a-'):rep(40) .. 'b') do end\n",
        "return (('a'):rep(40000):gsub(('a-'):rep(40) .. 'b', 'x'))\n",
        /* quadratic: lazy scan, %b, back-references, plain find */
        "return ('a'):rep(200000):find('.-b')\n",
        "return ('('):rep(200000):find('%b()')\n",
        "return ('a'):rep(100000):find('(a*)%1b')\n",
        "return ('a'):rep(400000):find(('a'):rep(100000) .. 'b', 1, true)\n",
        /* a long set tried at every byte */
        "return ('a'):rep(1000000):find('[' .. ('b'):rep(100000) .. ']')\n",
        "return ('a'):rep(1000000):find('%f[' .. ('b'):rep(100000) .. ']')\n",
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        ed_call_result res;
        int64_t ms;
        CHECK(run_limited(codes[i], &res, &ms), "could not load #%zu", i);
        printf("# pathology #%zu: stopped by %s after %lld ms\n", i,
               ed_stop_name(res.stop), (long long)ms);
        CHECK(stopped(&res), "#%zu not stopped: stop %s, status %d: %s", i,
              ed_stop_name(res.stop), res.status, res.message);
    }
    PASS();
}

TEST(budget_charges_real_work)
{
    /* ".-b" over n bytes tries about n*n/2 single chars: all of it is
     * charged, while a small match costs next to nothing. */
    static const ed_limits limits = {16 << 20, INT64_MAX / 4, 60000};
    ed_sandbox *sb = ed_sandbox_new();
    ed_call_result big, small;
    CHECK(sb != NULL, "ed_sandbox_new failed");
    CHECK(load_rule(sb, "return ('a'):rep(3000):find('.-b')"), "load");
    ed_sandbox_call(sb, 0, 0, &limits, &big);
    CHECK(big.status == LUA_OK, "%s", big.message);
    CHECK(load_rule(sb, "return ('hello world'):find('o w')"), "load");
    ed_sandbox_call(sb, 0, 0, &limits, &small);
    CHECK(small.status == LUA_OK, "%s", small.message);
    ed_sandbox_free(sb);
    printf("# charged: %lld for 3000 bytes of '.-b', %lld for a small "
           "find\n", (long long)big.instructions,
           (long long)small.instructions);
    CHECK(big.instructions >= 3000 * 3000 / 2, "only %lld charged",
          (long long)big.instructions);
    CHECK(small.instructions < 2000, "%lld charged",
          (long long)small.instructions);
    PASS();
}

TEST(sandbox_normal_patterns)
{
    static const ed_limits limits = {16 << 20, 5000000, 2000};
    ed_sandbox *sb = ed_sandbox_new();
    ed_call_result res;
    CHECK(sb != NULL, "ed_sandbox_new failed");
    lua_State *L = ed_sandbox_state(sb);
    int top = lua_gettop(L);
    CHECK(load_rule(sb,
                    "local a, b = ('hello world'):find('o w')\n"
                    "local k, v = ('key = val'):match('(%w+)%s*=%s*(%w+)')\n"
                    "local g, n = string.gsub('a-b-c', '-', '+')\n"
                    "local t = {}\n"
                    "for w in ('one two'):gmatch('%a+') do t[#t+1] = w end\n"
                    "local ok, err = pcall(string.find, 'x', '[a')\n"
                    "return a, b, k .. v, g, n, table.concat(t, ','), err\n"),
          "load: %s", lua_tostring(L, -1));
    ed_sandbox_call(sb, 0, LUA_MULTRET, &limits, &res);
    CHECK(res.status == LUA_OK, "%s: %s", res.where, res.message);
    CHECK(lua_gettop(L) == top + 7, "%d results", lua_gettop(L) - top);
    CHECK(lua_tointeger(L, top + 1) == 5 && lua_tointeger(L, top + 2) == 7,
          "find gave %s %s", lua_tostring(L, top + 1),
          lua_tostring(L, top + 2));
    CHECK_STR(lua_tostring(L, top + 3), "keyval");
    CHECK_STR(lua_tostring(L, top + 4), "a+b+c");
    CHECK(lua_tointeger(L, top + 5) == 2, "gsub count");
    CHECK_STR(lua_tostring(L, top + 6), "one,two");
    CHECK_STR(lua_tostring(L, top + 7), "malformed pattern (missing ']')");
    lua_settop(L, top);
    ed_sandbox_free(sb);
    PASS();
}

ED_TEST_MAIN(T(differential_plain_state), T(differential_in_budgeted_sandbox),
             T(budget_stops_pathological_find), T(budget_stop_survives_pcall),
             T(budget_stops_other_pathologies), T(budget_charges_real_work),
             T(sandbox_normal_patterns))
