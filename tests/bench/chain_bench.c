/*
 * chain_bench.c — timings of the edict.chain module (stdlib/chain.c) on
 * generated custody graphs of 10^4, 10^5 and 10^6 edges: a long chain of
 * batches c0 -> c1 -> ... with every ninth batch also fed by its own origin
 * plot (branching), string ids as events carry them, every edge dated.
 * For each size it prints the time to make the input tables (Lua side,
 * for scale), to build the graph (chain.graph), and to trace back from the
 * last batch (best of 3; target: 10^6 edges in < 1 s), plus cycles() and
 * gaps() on the same graph. Numbers only, never pass/fail.
 *
 *   sh tests/bench/chain.sh
 */
#define _XOPEN_SOURCE 700 /* clock_gettime */

#include "stdlib/chain.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Push {nodes = {...}, edges = {...}} with n_edges edges; sets *last to
 * the index of the last chain batch and *plots to the number of origin
 * plots. */
static void push_spec(lua_State *L, long n_edges, long *last, long *plots)
{
    long branches = n_edges / 10;
    long links = n_edges - branches;
    char id[32], id2[32];
    lua_createtable(L, 0, 2);
    lua_createtable(L, (int)(links + 1 + branches), 0);   /* nodes */
    lua_createtable(L, (int)n_edges, 0);                   /* edges */
    long nn = 0, ne = 0;
    for (long i = 0; i <= links; i++) {
        snprintf(id, sizeof id, "c%ld", i);
        lua_createtable(L, 0, 2);
        lua_pushstring(L, id);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, i == 0 ? "plot" : "batch");
        lua_setfield(L, -2, "kind");
        lua_rawseti(L, -3, ++nn);
        if (i == 0) {
            continue;
        }
        snprintf(id2, sizeof id2, "c%ld", i - 1);
        lua_createtable(L, 0, 5);
        lua_pushstring(L, id2);
        lua_setfield(L, -2, "from");
        lua_pushstring(L, id);
        lua_setfield(L, -2, "to");
        lua_pushstring(L, (i % 2) ? "2026-01-05" : "2026-02-20");
        lua_setfield(L, -2, "date");
        lua_pushnumber(L, 1000.0);
        lua_setfield(L, -2, "quantity");
        lua_rawseti(L, -2, ++ne);
    }
    for (long k = 0; k < branches; k++) {
        snprintf(id, sizeof id, "p%ld", k);
        snprintf(id2, sizeof id2, "c%ld", (k * 9) % links + 1);
        lua_createtable(L, 0, 2);
        lua_pushstring(L, id);
        lua_setfield(L, -2, "id");
        lua_pushliteral(L, "plot");
        lua_setfield(L, -2, "kind");
        lua_rawseti(L, -3, ++nn);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, id);
        lua_setfield(L, -2, "from");
        lua_pushstring(L, id2);
        lua_setfield(L, -2, "to");
        lua_pushliteral(L, "2025-12-01");
        lua_setfield(L, -2, "date");
        lua_pushnumber(L, 50.0);
        lua_setfield(L, -2, "quantity");
        lua_rawseti(L, -2, ++ne);
    }
    lua_setfield(L, -3, "edges");
    lua_setfield(L, -2, "nodes");
    *last = links;
    *plots = branches + 1;
}

/* Call method `name` of the graph at index g with the optional string
 * argument; returns seconds, leaves the result count of #result in *n. */
static double call_method(lua_State *L, int g, const char *name,
                          const char *arg, long *n)
{
    double t0 = now_s();
    lua_getfield(L, g, name);
    lua_pushvalue(L, g);
    if (arg != NULL) {
        lua_pushstring(L, arg);
    }
    if (lua_pcall(L, arg != NULL ? 2 : 1, 1, 0) != LUA_OK) {
        fprintf(stderr, "chain_bench: %s: %s\n", name, lua_tostring(L, -1));
        exit(1);
    }
    double dt = now_s() - t0;
    *n = (long)lua_rawlen(L, -1);
    lua_pop(L, 1);
    return dt;
}

int main(void)
{
    static const long sizes[] = {10000, 100000, 1000000};
    printf("%9s %9s %9s %9s %9s %9s %9s\n", "edges", "input_s", "build_s",
           "trace_s", "origins", "cycles_s", "gaps_s");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        lua_State *L = luaL_newstate();
        luaL_openlibs(L);
        luaL_requiref(L, "edict.chain", luaopen_edict_chain, 0);
        int chain = lua_gettop(L);
        long last, plots, n;
        double t0 = now_s();
        push_spec(L, sizes[s], &last, &plots);
        double input_s = now_s() - t0;
        int spec = lua_gettop(L);

        t0 = now_s();
        lua_getfield(L, chain, "graph");
        lua_pushvalue(L, spec);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            fprintf(stderr, "chain_bench: graph: %s\n", lua_tostring(L, -1));
            return 1;
        }
        double build_s = now_s() - t0;
        int g = lua_gettop(L);

        char target[32];
        snprintf(target, sizeof target, "c%ld", last);
        double trace_s = 1e9;
        for (int r = 0; r < 3; r++) {
            double dt = call_method(L, g, "trace", target, &n);
            trace_s = dt < trace_s ? dt : trace_s;
        }
        if (n != plots) {
            fprintf(stderr, "chain_bench: trace found %ld origins, want %ld\n",
                    n, plots);
            return 1;
        }
        long ncyc, ngaps;
        double cycles_s = call_method(L, g, "cycles", NULL, &ncyc);
        double gaps_s = call_method(L, g, "gaps", target, &ngaps);
        printf("%9ld %9.3f %9.3f %9.4f %9ld %9.3f %9.3f\n", sizes[s], input_s,
               build_s, trace_s, n, cycles_s, gaps_s);
        lua_close(L);
    }
    return 0;
}
