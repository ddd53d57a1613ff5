/*
 * hash_bench.c — throughput of edict.hash.sha256 as a rule calls it: the
 * frozen module inside a real sandbox, with the budget armed, hashing one
 * 8 KiB block per call in a Lua loop. Prints "<MB/s>" (10^6 bytes per
 * second, the unit `openssl speed` reports in) on stdout; built and run
 * by tests/bench/hash.sh.
 *
 *   hash_bench [seconds] [block bytes]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "engine/modules.h"
#include "engine/sandbox.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Calls per sandboxed call: 8192 * 20000 bytes is 2.56M budget steps,
 * far below the host ceiling. */
#define CALLS_PER_BATCH 20000

static const char chunk[] =
    "local block, n = ...\n"
    "for _ = 1, n do hash.sha256(block) end\n"
    "return n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One sandboxed call hashing `n` blocks; returns 0 on success. */
static int batch(ed_sandbox *sb, const char *block, size_t len, lua_Integer n)
{
    static const ed_limits lim = {ED_LIMIT_MEMORY_DEFAULT, ED_LIMIT_INSTRUCTIONS_MAX,
                                  ED_LIMIT_TIME_MAX_MS};
    lua_State *L = ed_sandbox_state(sb);
    ed_call_result res;
    if (luaL_loadbufferx(L, chunk, strlen(chunk), "@hash_bench.lua", "t") != LUA_OK) {
        fprintf(stderr, "hash_bench: %s\n", lua_tostring(L, -1));
        return -1;
    }
    ed_sandbox_push_env(sb);
    if (!ed_modules_require(L, "edict.hash")) {
        fprintf(stderr, "hash_bench: no module edict.hash\n");
        return -1;
    }
    lua_setfield(L, -2, "hash");
    lua_setupvalue(L, -2, 1);
    lua_pushlstring(L, block, len);
    lua_pushinteger(L, n);
    ed_sandbox_call(sb, 2, 1, &lim, &res);
    if (res.status != LUA_OK) {
        fprintf(stderr, "hash_bench: %s: %s\n", res.where, res.message);
        return -1;
    }
    lua_pop(L, 1);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    size_t len = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 8192;
    char *block = malloc(len ? len : 1);
    ed_sandbox *sb = ed_sandbox_new();
    if (block == NULL || sb == NULL || seconds <= 0) {
        fprintf(stderr, "hash_bench: cannot start\n");
        return 1;
    }
    for (size_t i = 0; i < len; i++) {
        block[i] = (char)(i * 131 + 7);
    }
    lua_Integer per = CALLS_PER_BATCH;
    if (batch(sb, block, len, 1000) != 0) { /* warm up */
        return 1;
    }
    double start = now_s(), elapsed;
    double calls = 0;
    do {
        if (batch(sb, block, len, per) != 0) {
            return 1;
        }
        calls += (double)per;
        elapsed = now_s() - start;
        /* aim for about ten batches per run */
        if (calls / elapsed * seconds / 10 < (double)per && per > 100) {
            per /= 2;
        }
    } while (elapsed < seconds);
    printf("%.2f\n", calls * (double)len / elapsed / 1e6);
    ed_sandbox_free(sb);
    free(block);
    return 0;
}
