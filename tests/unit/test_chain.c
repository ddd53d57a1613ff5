/*
 * test_chain.c — unit tests of stdlib/chain.c (the edict.chain module):
 * trace, cycles, dangling references, temporal gaps, mass balance and the
 * exact text of argument errors, driven through a plain lua_State; then the
 * same module inside a real sandbox, where a huge trace must be stopped by
 * the instruction budget.
 *
 * Chunks are loaded as "@chain.lua", so errors read "chain.lua:<line>: …".
 * Results are compared as text made by the Lua function show() (sorted
 * keys, array part first).
 */
#define _XOPEN_SOURCE 700 /* clock_gettime */

#include "check.h"
#include "engine/readonly.h"
#include "engine/sandbox.h"
#include "engine/modules.h"
#include "stdlib/chain.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static const char SHOW[] =
    "function show(v)\n"
    "  if type(v) == 'string' then return string.format('%q', v) end\n"
    "  if type(v) ~= 'table' then return tostring(v) end\n"
    "  local n, keys, parts = #v, {}, {}\n"
    "  for k in pairs(v) do\n"
    "    if not (math.type(k) == 'integer' and k >= 1 and k <= n) then keys[#keys + 1] = k end\n"
    "  end\n"
    "  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)\n"
    "  for i = 1, n do parts[#parts + 1] = show(v[i]) end\n"
    "  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. '=' .. show(v[k]) end\n"
    "  return '{' .. table.concat(parts, ',') .. '}'\n"
    "end\n";

/* freeze(t): t as a read-only proxy, the way events reach rules. */
static int l_freeze(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    ed_readonly_wrap(L, 1, "event");
    return 1;
}

static lua_State *L_;

static void close_state(void)
{
    if (L_ != NULL) {
        lua_close(L_);
        L_ = NULL;
    }
}

/* A fresh plain state with `chain`, `show` and `freeze` as globals. */
static lua_State *state(void)
{
    static int registered;
    if (!registered) {
        atexit(close_state);
        registered = 1;
    }
    close_state();
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "edict.chain", luaopen_edict_chain, 0);
    lua_setglobal(L, "chain");
    lua_register(L, "freeze", l_freeze);
    if (luaL_dostring(L, SHOW) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        abort();
    }
    L_ = L;
    return L;
}

/* Run `code` (as "@chain.lua") in a fresh plain state; the text of its
 * first result, or "error: <message>", in a static buffer. */
static const char *run(const char *code)
{
    static char out[8192];
    lua_State *L = state();
    int st = luaL_loadbufferx(L, code, strlen(code), "@chain.lua", "t");
    if (st == LUA_OK) {
        st = lua_pcall(L, 0, 1, 0);
    }
    const char *s = luaL_tolstring(L, -1, NULL);
    snprintf(out, sizeof out, "%s%s", st == LUA_OK ? "" : "error: ", s);
    return out;
}

#define CHECK_LUA(code, want) CHECK_STR(run(code), want)

/* Lua that builds graph g from a list of "from>to" strings; nodes are the
 * names listed in `ns`. */
#define G(ns, es)                                                          \
    "local nodes, edges = {}, {}\n"                                       \
    "for id in (" ns "):gmatch('%S+') do nodes[#nodes + 1] = {id = id} end\n" \
    "for f, t in (" es "):gmatch('(%S+)>(%S+)') do\n"                     \
    "  edges[#edges + 1] = {from = f, to = t}\n"                          \
    "end\n"                                                               \
    "local g = chain.graph{nodes = nodes, edges = edges}\n"

/* ------------------------------------------------------------------ */
/* trace                                                               */
/* ------------------------------------------------------------------ */

TEST(trace_diamond)
{
    CHECK_LUA(G("'p1 a b batch'", "'p1>a p1>b a>batch b>batch'")
              "return show({g:trace('batch')})", "{{\"p1\"},{}}");
    PASS();
}

TEST(trace_two_origins_and_disconnected)
{
    /* p3 -> c is not on any path into batch; p0 is alone. */
    CHECK_LUA(G("'p2 p1 a b batch p3 c p0'",
                "'p1>a p2>b a>batch b>batch p3>c'")
              "return show({{g:trace('batch')}, {g:trace('c')}, {g:trace('p0')},"
              " {g:trace('a')}})",
              "{{{\"p1\",\"p2\"},{}},{{\"p3\"},{}},{{\"p0\"},{}},{{\"p1\"},{}}}");
    PASS();
}

TEST(trace_sorted_numbers_before_strings)
{
    CHECK_LUA("local g = chain.graph{nodes = {{id = 'z'}, {id = 10}, {id = 9},"
              " {id = 'a'}, {id = 'x'}},\n"
              "  edges = {{from = 'z', to = 'x'}, {from = 10, to = 'x'},"
              " {from = 9, to = 'x'}, {from = 'a', to = 'x'}}}\n"
              "return show(g:trace('x'))",
              "{9,10,\"a\",\"z\"}");
    PASS();
}

TEST(trace_unknown_node)
{
    CHECK_LUA(G("'a b'", "'a>b'") "return show({g:trace('zz')})",
              "{nil,\"no node \\\"zz\\\" in the graph\"}");
    /* ids only an edge names are not nodes either */
    CHECK_LUA(G("'a'", "'ghost>a'") "return show({g:trace('ghost')})",
              "{nil,\"no node \\\"ghost\\\" in the graph\"}");
    CHECK_LUA(G("'a'", "''") "return select(2, g:trace(7))",
              "no node 7 in the graph");
    PASS();
}

/* The walk's scratch is kept by the graph and reused: many walks in a
 * row, on different parts of the graph, still answer correctly. */
TEST(trace_repeated_walks)
{
    CHECK_LUA(G("'p1 a b batch p3 c'", "'p1>a p1>b a>batch b>batch p3>c'")
              "local out = {}\n"
              "for i = 1, 3000 do\n"
              "  local id = ({'batch', 'c', 'a', 'p3'})[i % 4 + 1]\n"
              "  out[id] = table.concat(g:trace(id), ',') .. '/' .. #g:gaps(id)\n"
              "end\n"
              "return show(out)",
              "{a=\"p1/0\",batch=\"p1/0\",c=\"p3/0\",p3=\"p3/0\"}");
    PASS();
}

/* 1,000,000 links: iterative, so no C stack grows with depth (a
 * recursive walk would overflow it and crash here). How fast is
 * tests/bench/chain.sh's business, not this test's. */
TEST(trace_million_link_chain)
{
    CHECK_LUA("local n = 1000000\n"
              "local nodes, edges = {}, {}\n"
              "for i = 0, n do nodes[i + 1] = {id = i} end\n"
              "for i = 1, n do edges[i] = {from = i - 1, to = i, date = '2026-01-01'} end\n"
              "local g = chain.graph{nodes = nodes, edges = edges}\n"
              "local o, u = g:trace(n)\n"
              "local s = g:stats()\n"
              "return show({o, u, s, #g:cycles(), #g:gaps(n)})",
              "{{0},{},{dangling=0,edges=1000000,nodes=1000001},0,999999}");
    PASS();
}

/* ------------------------------------------------------------------ */
/* cycles                                                              */
/* ------------------------------------------------------------------ */

TEST(cycles_none)
{
    CHECK_LUA(G("'p1 a b batch'", "'p1>a p1>b a>batch b>batch'")
              "return show(g:cycles())", "{}");
    CHECK_LUA(G("''", "''") "return show({g:cycles(), g:stats()})",
              "{{},{dangling=0,edges=0,nodes=0}}");
    PASS();
}

TEST(cycles_self_loop)
{
    CHECK_LUA(G("'a b'", "'a>b b>b'") "return show(g:cycles())",
              "{{\"b\"}}");
    PASS();
}

TEST(cycles_two)
{
    CHECK_LUA(G("'a b c'", "'a>b b>a b>c'") "return show(g:cycles())",
              "{{\"a\",\"b\"}}");
    PASS();
}

TEST(cycles_three_inside_bigger_graph)
{
    /* p -> a -> b -> c -> d, d -> b closes b c d; x -> x; the rest is
     * acyclic. One cycle per component, from its first node. */
    CHECK_LUA(G("'p a x b c d e f'",
                "'p>a a>b b>c c>d d>b d>e e>f x>x p>f'")
              "return show(g:cycles())",
              "{{\"x\"},{\"b\",\"c\",\"d\"}}");
    /* a component with two cycles reports the shortest through its first
     * node: a->b->a, not a->b->c->a */
    CHECK_LUA(G("'a b c'", "'a>b b>c c>a b>a'") "return show(g:cycles())",
              "{{\"a\",\"b\"}}");
    PASS();
}

/* A deep cycle: Tarjan is iterative too. */
TEST(cycles_deep)
{
    CHECK_LUA("local n = 200000\n"
              "local nodes, edges = {}, {}\n"
              "for i = 1, n do nodes[i] = {id = i}; edges[i] = {from = i, to = i % n + 1} end\n"
              "local c = chain.graph{nodes = nodes, edges = edges}:cycles()\n"
              "return #c .. ' ' .. #c[1] .. ' ' .. c[1][1] .. ' ' .. c[1][n]",
              "1 200000 1 200000");
    PASS();
}

/* ------------------------------------------------------------------ */
/* dangling                                                            */
/* ------------------------------------------------------------------ */

TEST(dangling_references)
{
    CHECK_LUA("local g = chain.graph{nodes = {{id = 'p1'}, {id = 'b'}},\n"
              "  edges = {{from = 'p1', to = 'b', id = 'T1'},\n"
              "           {from = 'ghost', to = 'b', id = 'T2'},\n"
              "           {from = 'b', to = 'nowhere'},\n"
              "           {from = 'ghost', to = 'ghost2'}}}\n"
              "return show({g:dangling(), g:stats(), g:trace('b')})",
              "{{{edge=\"T2\",missing=\"ghost\",side=\"from\"},"
              "{edge=3,missing=\"nowhere\",side=\"to\"},"
              "{edge=4,missing=\"ghost\",side=\"from\"},"
              "{edge=4,missing=\"ghost2\",side=\"to\"}},"
              "{dangling=4,edges=4,nodes=2},{\"p1\"},{\"ghost\"}}");
    CHECK_LUA(G("'a b'", "'a>b'") "return show(g:dangling())", "{}");
    PASS();
}

/* ------------------------------------------------------------------ */
/* gaps                                                                */
/* ------------------------------------------------------------------ */

TEST(gaps_days_across_leap_day)
{
    /* 2028 is a leap year: 02-28 -> 03-29 is 30 days; then 31, 89, 90.
     * 2027-02-28 -> 2027-03-29 is 29 days. Edge T9 leaves the path
     * (c -> off) and undated T5 adds nothing. */
    CHECK_LUA("local g = chain.graph{\n"
              "  nodes = {{id = 'p'}, {id = 'a'}, {id = 'b'}, {id = 'c'},"
              " {id = 'd'}, {id = 'e'}, {id = 'off'}},\n"
              "  edges = {\n"
              "    {id = 'T1', from = 'p', to = 'a', date = '2028-02-28'},\n"
              "    {id = 'T2', from = 'a', to = 'b', date = '2028-03-29'},\n"
              "    {id = 'T3', from = 'b', to = 'c', date = '2028-04-29'},\n"
              "    {id = 'T4', from = 'c', to = 'd', date = '2028-07-27'},\n"
              "    {id = 'T9', from = 'c', to = 'off', date = '2028-05-01'},\n"
              "    {from = 'd', to = 'e', date = '2028-10-25'},\n"
              "    {id = 'T5', from = 'p', to = 'e'},\n"
              "  }}\n"
              "return show(g:gaps('e'))",
              "{{days=90,from_edge=\"T4\",node=\"d\",to_edge=6},"
              "{days=89,from_edge=\"T3\",node=\"c\",to_edge=\"T4\"},"
              "{days=31,from_edge=\"T2\",node=\"b\",to_edge=\"T3\"},"
              "{days=30,from_edge=\"T1\",node=\"a\",to_edge=\"T2\"}}");
    CHECK_LUA("local g = chain.graph{nodes = {{id = 'p'}, {id = 'a'}, {id = 'b'}},\n"
              "  edges = {{from = 'p', to = 'a', date = '2027-02-28'},\n"
              "           {from = 'a', to = 'b', date = '2027-03-29'}}}\n"
              "return show({g:gaps('b'), g:gaps('a'), g:gaps('nope')})",
              "{{{days=29,from_edge=1,node=\"a\",to_edge=2}},{},nil,"
              "\"no node \\\"nope\\\" in the graph\"}");
    PASS();
}

TEST(gaps_merge_and_negative)
{
    /* two inputs into m, one output: one pair each; goods leaving before
     * they arrived give negative days. Full timestamps use their date. */
    CHECK_LUA("local g = chain.graph{nodes = {{id = 'p1'}, {id = 'p2'}, {id = 'm'}, {id = 'out'}},\n"
              "  edges = {{from = 'p1', to = 'm', date = '2026-01-10'},\n"
              "           {from = 'p2', to = 'm', date = '2026-03-01T23:00:00+05:00'},\n"
              "           {from = 'm', to = 'out', date = '2026-02-01'}}}\n"
              "return show(g:gaps('out'))",
              "{{days=22,from_edge=1,node=\"m\",to_edge=3},"
              "{days=-28,from_edge=2,node=\"m\",to_edge=3}}");
    PASS();
}

/* ------------------------------------------------------------------ */
/* mass balance                                                        */
/* ------------------------------------------------------------------ */

TEST(mass_balance_tolerance)
{
    CHECK_LUA("return show(chain.mass_balance({\n"
              "  {id = 'X1', input_kg = 1000, output_kg = 805, yield_ratio = 0.8},\n"
              "  {id = 'X2', input_kg = 1000, output_kg = 790, yield_ratio = 0.8},\n"
              "  {id = 'X3', input_kg = 1000, output_kg = 700, yield_ratio = 0.8},\n"
              "  {id = 'X4', input_kg = 0, output_kg = 0, yield_ratio = 0.8},\n"
              "  {id = 'X5', input_kg = 0, output_kg = 1, yield_ratio = 0.8},\n"
              "}, 0.01))",
              "{{actual_kg=805.0,expected_kg=800.0,id=\"X1\",ok=true,ratio=1.00625},"
              "{actual_kg=790.0,expected_kg=800.0,id=\"X2\",ok=false,ratio=0.9875},"
              "{actual_kg=700.0,expected_kg=800.0,id=\"X3\",ok=false,ratio=0.875},"
              "{actual_kg=0.0,expected_kg=0.0,id=\"X4\",ok=true},"
              "{actual_kg=1.0,expected_kg=0.0,id=\"X5\",ok=false}}");
    /* default tolerance 0.01; a wider one accepts X2 */
    CHECK_LUA("local t = {{id = 1, input_kg = 1000, output_kg = 790, yield_ratio = 0.8}}\n"
              "return show({chain.mass_balance(t)[1].ok, chain.mass_balance(t, 0.02)[1].ok})",
              "{false,true}");
    PASS();
}

TEST(mass_balance_errors)
{
    CHECK_LUA("return chain.mass_balance({{id = 'X', input_kg = 1, yield_ratio = 1}})",
              "error: chain.lua:1: bad argument #1 to 'mass_balance' "
              "(transformations[1].output_kg must be a number (got nil))");
    CHECK_LUA("return chain.mass_balance({{input_kg = -1, output_kg = 1, yield_ratio = 1}})",
              "error: chain.lua:1: bad argument #1 to 'mass_balance' "
              "(transformations[1].input_kg must be a finite number >= 0)");
    CHECK_LUA("return chain.mass_balance({}, -1)",
              "error: chain.lua:1: bad argument #2 to 'mass_balance' "
              "(tolerance must be a finite number >= 0)");
    CHECK_LUA("return chain.mass_balance({5})",
              "error: chain.lua:1: bad argument #1 to 'mass_balance' "
              "(transformations[1] must be a table (got number))");
    PASS();
}

/* ------------------------------------------------------------------ */
/* argument errors, raw reads, proxies                                 */
/* ------------------------------------------------------------------ */

TEST(graph_argument_errors)
{
    CHECK_LUA("return chain.graph{}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(nodes must be a table (got nil))");
    CHECK_LUA("return chain.graph{nodes = {}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(edges must be a table (got nil))");
    CHECK_LUA("return chain.graph()",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(table expected, got no value)");
    CHECK_LUA("local g = chain.graph{nodes = {{id = 'a'}, {id = 'b'}},\n"
              "  edges = {{from = 'a', to = 'b', date = '2026-02-30'}}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(edges[1].date: day 30 is out of range for 2026-02)");
    CHECK_LUA("chain.graph{nodes = {{id = 'a'}}, edges = {{from = 'a', to = 'a', date = 20260101}}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(edges[1].date must be a string (got number))");
    CHECK_LUA("chain.graph{nodes = {{id = 'a'}}, edges = {{from = 'a'}}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(edges[1].to must be a string or number (got nil))");
    CHECK_LUA("chain.graph{nodes = {{id = 'a'}}, edges = {{from = 'a', to = 'a', quantity = '5'}}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(edges[1].quantity must be a number (got string))");
    CHECK_LUA("chain.graph{nodes = {{id = 'a'}, {id = 'b'}, {id = 'a'}}, edges = {}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(nodes[3].id \"a\" is also nodes[1].id)");
    CHECK_LUA("chain.graph{nodes = {{id = 0/0}}, edges = {}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(nodes[1].id must be a string or number (got number))");
    CHECK_LUA("chain.graph{nodes = {'a'}, edges = {}}",
              "error: chain.lua:1: bad argument #1 to 'graph' "
              "(nodes[1] must be a table (got string))");
    PASS();
}

TEST(method_argument_errors)
{
    CHECK_LUA(G("'a'", "''") "return g:trace({})",
              "error: chain.lua:7: bad argument #1 to 'trace' "
              "(node id (string or number) expected, got table)");
    CHECK_LUA(G("'a'", "''") "return g.trace()",
              "error: chain.lua:7: bad argument #1 to 'trace' "
              "(edict.chain.graph expected, got no value)");
    CHECK_LUA(G("'a'", "''") "return g:trace()",
              "error: chain.lua:7: bad argument #1 to 'trace' "
              "(node id (string or number) expected, got no value)");
    CHECK_LUA(G("'a'", "''") "return g.cycles({})",
              "error: chain.lua:7: bad argument #1 to 'cycles' "
              "(edict.chain.graph expected, got table)");
    PASS();
}

TEST(inputs_read_raw)
{
    /* metamethods of the caller's tables never run: an __index that
     * would supply the edges is not consulted */
    CHECK_LUA("local called = false\n"
              "local spec = setmetatable({nodes = {}}, {__index = function()\n"
              "  called = true; return {} end})\n"
              "local ok, err = pcall(chain.graph, spec)\n"
              "local n = setmetatable({}, {__len = function() called = true; return 5 end})\n"
              "local g = chain.graph{nodes = n, edges = {}}\n"
              "return show({ok, called, g:stats().nodes})",
              "{false,false,0}");
    PASS();
}

TEST(read_only_proxies)
{
    /* events reach rules as read-only proxies: read through them */
    CHECK_LUA("local e = freeze{nodes = {{id = 'p'}, {id = 'b'}},\n"
              "  edges = {{from = 'p', to = 'b', date = '2026-01-01'}},\n"
              "  tr = {{id = 'X', input_kg = 10, output_kg = 9, yield_ratio = 0.9}}}\n"
              "local g = chain.graph{nodes = e.nodes, edges = e.edges}\n"
              "return show({g:trace('b'), chain.graph(e):stats(),"
              " chain.mass_balance(e.tr)[1].ok})",
              "{{\"p\"},{dangling=0,edges=1,nodes=2},true}");
    PASS();
}

TEST(metatable_hidden)
{
    CHECK_LUA(G("'a'", "''")
              "return show({getmetatable(g), {pcall(setmetatable, g, {})},"
              " tostring(g)})",
              "{\"edict.chain.graph\",{false,"
              "\"bad argument #1 to 'setmetatable' (table expected, got edict.chain.graph)\"},"
              "\"edict.chain.graph (1 nodes, 0 edges)\"}");
    PASS();
}

/* ------------------------------------------------------------------ */
/* In a sandbox                                                        */
/* ------------------------------------------------------------------ */

static const ed_limits LIM_BIG = {(size_t)1 << 30, 1000000000, 30000};

/* Load `code` as "@chain.lua" in env `env` (a registry ref) and call it
 * with the chain module as its argument. Returns the status; on success
 * the text of the result is in *out. */
static int sb_run(ed_sandbox *sb, int env, const char *code,
                  const ed_limits *lim, ed_call_result *res, const char **out)
{
    static char buf[1024];
    lua_State *L = ed_sandbox_state(sb);
    buf[0] = '\0';
    *out = buf;
    if (luaL_loadbufferx(L, code, strlen(code), "@chain.lua", "t") != LUA_OK) {
        snprintf(buf, sizeof buf, "load: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, env);
    lua_setupvalue(L, -2, 1);
    if (!ed_modules_require(L, "edict.chain")) {
        lua_pop(L, 1);
        snprintf(buf, sizeof buf, "edict.chain is not a stdlib module");
        return -1;
    }
    ed_sandbox_call(sb, 1, 1, lim, res);
    if (res->status == LUA_OK) {
        snprintf(buf, sizeof buf, "%s", luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
    }
    return res->status;
}

TEST(sandbox_budget_stops_huge_trace)
{
    ed_sandbox *sb = ed_sandbox_new();
    CHECK(sb != NULL, "no sandbox");
    lua_State *L = ed_sandbox_state(sb);
    ed_sandbox_push_env(sb);
    int env = luaL_ref(L, LUA_REGISTRYINDEX);
    ed_call_result res;
    const char *out;
    char why[512] = "";

    /* Build 300,000 links with a large budget, kept in a global. */
    int st = sb_run(sb, env,
                    "local chain = ...\n"
                    "local n = 300000\n"
                    "local nodes, edges = {}, {}\n"
                    "for i = 0, n do nodes[i + 1] = {id = i} end\n"
                    "for i = 1, n do edges[i] = {from = i - 1, to = i} end\n"
                    "G = chain.graph{nodes = nodes, edges = edges}\n"
                    "return G:stats().edges",
                    &LIM_BIG, &res, &out);
    if (st != LUA_OK || strcmp(out, "300000") != 0) {
        snprintf(why, sizeof why, "build: %s %s", out, res.message ? res.message : "");
    }
    /* The trace itself runs a handful of VM instructions: only the
     * charged C work can exceed 100,000. */
    static const ed_limits small = {(size_t)64 << 20, 100000, 30000};
    if (!why[0]) {
        st = sb_run(sb, env, "local chain = ...\nreturn #G:trace(300000)",
                    &small, &res, &out);
        if (st == LUA_OK || res.stop != ED_STOP_INSTRUCTIONS ||
            strcmp(res.where, "chain.lua:2") != 0) {
            snprintf(why, sizeof why, "small budget: status %d stop %s where %s msg %s",
                     st, ed_stop_name(res.stop), res.where,
                     res.message ? res.message : "");
        }
    }
    /* Enough budget: the same trace succeeds, and was charged. */
    if (!why[0]) {
        st = sb_run(sb, env, "local chain = ...\nreturn G:trace(300000)[1]",
                    &LIM_BIG, &res, &out);
        if (st != LUA_OK || strcmp(out, "0") != 0 || res.instructions < 300000) {
            snprintf(why, sizeof why, "big budget: status %d out %s instructions %lld",
                     st, out, (long long)res.instructions);
        }
    }
    /* Errors from rules read file:line. */
    if (!why[0]) {
        st = sb_run(sb, env, "local chain = ...\n\nreturn chain.graph{nodes = {}}",
                    &LIM_BIG, &res, &out);
        if (st == LUA_OK || strcmp(res.where, "chain.lua:3") != 0 ||
            strstr(res.message, "(edges must be a table (got nil))") == NULL) {
            snprintf(why, sizeof why, "error: where %s msg %s", res.where,
                     res.message ? res.message : "");
        }
    }
    /* The module is frozen like the other stdlib modules. */
    if (!why[0]) {
        st = sb_run(sb, env, "local chain = ...\nreturn (pcall(function() chain.graph = nil end))",
                    &LIM_BIG, &res, &out);
        if (st != LUA_OK || strcmp(out, "false") != 0) {
            snprintf(why, sizeof why, "frozen: %d %s", st, out);
        }
    }
    luaL_unref(L, LUA_REGISTRYINDEX, env);
    ed_sandbox_free(sb);
    CHECK(!why[0], "%s", why);
    PASS();
}

TEST(sandbox_memory_limit_during_build)
{
    /* A graph too big for the memory limit fails cleanly (no leak under
     * ASan: every byte belongs to the collector). */
    ed_sandbox *sb = ed_sandbox_new();
    CHECK(sb != NULL, "no sandbox");
    lua_State *L = ed_sandbox_state(sb);
    ed_sandbox_push_env(sb);
    int env = luaL_ref(L, LUA_REGISTRYINDEX);
    ed_call_result res;
    const char *out;
    static const ed_limits lim = {(size_t)24 << 20, 1000000000, 30000};
    int st = sb_run(sb, env,
                    "local chain = ...\n"
                    "local nodes, edges = {}, {}\n"
                    "for i = 1, 100000 do nodes[i] = {id = i}; edges[i] = {from = i, to = i % 100000 + 1} end\n"
                    "local gs = {}\n"
                    "for k = 1, 100 do gs[k] = chain.graph{nodes = nodes, edges = edges}; gs[k]:cycles() end\n"
                    "return #gs",
                    &lim, &res, &out);
    ed_stop stop = res.stop;
    luaL_unref(L, LUA_REGISTRYINDEX, env);
    ed_sandbox_free(sb);
    CHECK(st != LUA_OK && stop == ED_STOP_MEMORY, "status %d stop %s out %s",
          st, ed_stop_name(stop), out);
    PASS();
}

ED_TEST_MAIN(T(trace_diamond), T(trace_two_origins_and_disconnected),
             T(trace_sorted_numbers_before_strings), T(trace_unknown_node),
             T(trace_repeated_walks),
             T(trace_million_link_chain), T(cycles_none), T(cycles_self_loop),
             T(cycles_two), T(cycles_three_inside_bigger_graph), T(cycles_deep),
             T(dangling_references), T(gaps_days_across_leap_day),
             T(gaps_merge_and_negative), T(mass_balance_tolerance),
             T(mass_balance_errors), T(graph_argument_errors),
             T(method_argument_errors), T(inputs_read_raw),
             T(read_only_proxies), T(metatable_hidden),
             T(sandbox_budget_stops_huge_trace),
             T(sandbox_memory_limit_during_build))
