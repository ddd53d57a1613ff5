/*
 * test_leak.c — the host's C heap must not grow with the events decided,
 * even when a rule works at the edge of its memory limit: a raise (longjmp)
 * out of host code that holds malloc'd memory leaks it, and only a rule near
 * its limit makes host code raise.
 *
 * At 86c1066 ctx.obligation leaked 32 KiB per event this way: writing an
 * action that needed both UTF-8 repair and escaping, ed_json_emit_string
 * held the repaired copy (malloc'd) across lua_pushlstring and a lua_call
 * into cjson, and the rule's memory limit made the push raise. The heap
 * is measured with mallinfo2() (glibc), or with the sanitizer's own count
 * in `make SANITIZE=1`, whose allocator mallinfo2 does not see.
 *
 * The same for the canonical encoder on its own: at 86c1066 ed_json_emit
 * kept the path it was at (for error messages) in malloc'd memory while
 * pushing keys and creating key arrays, so running out of memory part way
 * leaked it.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include "check.h"
#include "engine/catalog.h"
#include "engine/context.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "engine/json.h"
#include "util/buf.h"
#include "util/diag.h"

#include <ftw.h>
#include <lauxlib.h>
#include <lualib.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which gcc
 * does not install). */
size_t __sanitizer_get_current_allocated_bytes(void);
#define UNDER_ASAN 1
#endif

/* Bytes malloc has handed out and not had back. */
static size_t heap_in_use(void)
{
#ifdef UNDER_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd; /* arena chunks + mmap'd blocks */
#endif
}

/* The rule's memory limit: small, so that reaching it is quick. */
#define RULE_MEMORY ((size_t)256 << 10)
/* What the heap may grow by over the measured events. At 86c1066 it
 * grew by 32 KiB for each event that stopped inside ctx.obligation. */
#define GROWTH_BOUND ((size_t)512 << 10)
#define ROUNDS 4

static const char MANIFEST[] =
    "return {\n"
    "  name = \"p\", version = \"1\", jurisdiction = \"ZZ-TEST\",\n"
    "  effective_from = \"2000-01-01\", rules = { \"rules.lua\" },\n"
    "}\n";

/* Fill the rule's memory with data.fill KiB it keeps alive, then ask for
 * an obligation whose action the host must both repair (0xff is not
 * UTF-8) and escape ('"'): 16,000 bytes, just under the 16 KiB a text may
 * have. With data.obligation false the rule only fills: that finds where
 * the limit is. */
static const char RULES[] =
    "rule { id = 'p/near-limit', on = 'leak.probe', severity = 'info', cite = 'c',\n"
    "  check = function(e, ctx)\n"
    "    local action = string.rep('\\255\"', 8000)\n"
    "    local keep\n"
    "    for i = 1, e.data.fill do keep = { keep, string.rep('x', 1000) } end\n"
    "    if e.data.obligation then\n"
    "      ctx.obligation{ action = action, due = '2026-12-31' }\n"
    "    end\n"
    "  end }\n";

static char root[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int write_text(const char *dir, const char *name, const char *text)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    fputs(text, f);
    return fclose(f);
}

/* Write pack "p" under a fresh temporary folder; returns the pack
 * folder, or NULL. */
static const char *make_pack(void)
{
    static char dir[96];
    snprintf(root, sizeof root, "/tmp/edict-test-leak-XXXXXX");
    if (mkdtemp(root) == NULL) {
        root[0] = '\0';
        return NULL;
    }
    snprintf(dir, sizeof dir, "%s/p", root);
    if (mkdir(dir, 0700) != 0 || write_text(dir, "pack.lua", MANIFEST) != 0 ||
        write_text(dir, "rules.lua", RULES) != 0) {
        return NULL;
    }
    return dir;
}

typedef struct harness {
    ed_catalog *cat;
    ed_context *ctx;
    lua_State *intake;
    ed_buf out, err;
    ed_diags d;
    long next_id;
} harness;

static int harness_open(harness *h, const char *dir)
{
    memset(h, 0, sizeof *h);
    ed_limits lim = {RULE_MEMORY, 50000000, 5000};
    h->cat = ed_catalog_new(&lim);
    ed_catalog_add_packs(h->cat, dir, &h->d);
    ed_catalog_finish(h->cat, &h->d);
    if (h->cat->problems != 0) {
        ed_diags_print(&h->d, stderr, 0);
        return -1;
    }
    h->intake = ed_json_host_state();
    h->ctx = ed_context_new(h->cat, "t", "p", &h->d);
    return h->intake != NULL && h->ctx != NULL ? 0 : -1;
}

static void harness_close(harness *h)
{
    ed_context_free(h->ctx);
    if (h->intake) {
        lua_close(h->intake);
    }
    ed_catalog_free(h->cat);
    ed_diags_free(&h->d);
    ed_buf_free(&h->out);
    ed_buf_free(&h->err);
}

/* Decide one probe event; the decision is in h->out. 0, or -1 when the
 * host failed (the reason on stderr). */
static int decide(harness *h, long fill, int obligation)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"id\":\"e%ld\",\"type\":\"leak.probe\",\"tenant\":\"t\","
             "\"jurisdiction\":\"ZZ-TEST\",\"occurred_at\":\"2026-01-01T00:00:00Z\","
             "\"data\":{\"fill\":%ld,\"obligation\":%s}}",
             h->next_id++, fill, obligation ? "true" : "false");
    int rc = -1;
    ed_event ev;
    ed_buf_reset(&h->out);
    /* A rule's limit counts from the state's size when it starts, garbage
     * included: collect first, so that the same fill always meets the
     * limit at the same place. */
    lua_gc(h->ctx->L, LUA_GCCOLLECT);
    if (ed_json_decode(h->intake, json, strlen(json), &h->err) == 0) {
        if (ed_event_read(h->intake, -1, NULL, NULL, &ev, &h->err) == 0 &&
            ed_event_copy_protected(h->intake, -1, h->ctx->L, &h->err) == 0) {
            ed_eval_options opt = {0};
            ed_outcome o;
            rc = ed_engine_evaluate(h->ctx, &ev, &opt, &h->out, &o, &h->err);
        }
        lua_pop(h->intake, 1);
    }
    if (rc != 0) {
        fprintf(stderr, "test_leak: %s\n", h->err.data ? h->err.data : "no decision");
        return -1;
    }
    return 0;
}

static int stopped_by_memory(const harness *h)
{
    return strstr(h->out.data, "\"limit\":\"memory\"") != NULL;
}

/* Bytes the heap holds once both Lua states have collected their
 * garbage: what is left to grow is live Lua data or leaked C memory. */
static size_t heap_settled(harness *h)
{
    lua_gc(h->ctx->L, LUA_GCCOLLECT);
    lua_gc(h->intake, LUA_GCCOLLECT);
    return heap_in_use();
}

TEST(obligation_at_the_memory_limit_leaks_nothing)
{
    const char *dir = make_pack();
    CHECK(dir != NULL, "cannot write the test pack");
    harness h;
    int ok = harness_open(&h, dir) == 0;
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (!ok) {
        harness_close(&h);
        CHECK(0, "cannot build the tenant context");
    }
    /* Where is the limit? The smallest fill the rule cannot keep. */
    long limit_fill = 0;
    for (long fill = 16; fill < 1024 && limit_fill == 0; fill++) {
        if (decide(&h, fill, 0) != 0) {
            break;
        }
        if (stopped_by_memory(&h)) {
            limit_fill = fill;
        }
    }
    if (limit_fill == 0) {
        harness_close(&h);
        CHECK(0, "the rule never reached its memory limit");
    }
    /* Sweep the fills just below the limit, where the rule's data fits
     * but little room is left for what ctx.obligation allocates. The
     * first round warms up the host's reusable buffers. */
    long lo = limit_fill > 100 ? limit_fill - 100 : 1, hi = limit_fill + 2;
    size_t before = 0, made = 0, stops = 0;
    int failed = 0;
    for (int round = 0; round <= ROUNDS && !failed; round++) {
        if (round == 1) {
            before = heap_settled(&h);
        }
        for (long fill = lo; fill <= hi && !failed; fill++) {
            failed = decide(&h, fill, 1) != 0;
            if (!failed && round > 0) {
                stops += (size_t)stopped_by_memory(&h);
                made += strstr(h.out.data, "\"obligations\":[{\"action\"") != NULL;
            }
        }
    }
    size_t after = heap_settled(&h);
    long events = (hi - lo + 1) * ROUNDS;
    harness_close(&h);
    CHECK(!failed, "the host failed to decide a probe event");
    /* the sweep must straddle the limit, or it proved nothing */
    CHECK(made > 0 && stops > 0,
          "expected both obligations and memory stops: %zu and %zu", made, stops);
    CHECK(after <= before + GROWTH_BOUND,
          "the heap grew by %zu KiB over %ld events at the memory limit "
          "(%zu obligations made, %zu memory stops)",
          (after - before) / 1024, events, made, stops);
    PASS();
}

/* ------------------------------------------------------------------ */
/* ed_json_emit running out of memory part way                          */
/* ------------------------------------------------------------------ */

/* A lua_Alloc that counts what it holds and, once armed, refuses every
 * growth after `grants_left` more. */
typedef struct failing_alloc {
    size_t bytes;
    long grants_left; /* < 0: never refuse */
    long grants;      /* growths granted so far */
} failing_alloc;

static void *failing_alloc_f(void *ud, void *ptr, size_t osize, size_t nsize)
{
    failing_alloc *fa = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        fa->bytes -= old;
        return NULL;
    }
    if (nsize > old) {
        if (fa->grants_left == 0) {
            return NULL;
        }
        if (fa->grants_left > 0) {
            fa->grants_left--;
        }
        fa->grants++;
    }
    void *p = realloc(ptr, nsize);
    if (p != NULL) {
        fa->bytes = fa->bytes - old + nsize;
    }
    return p;
}

typedef struct emit_args {
    ed_buf out, err;
} emit_args;

static int emit_protected(lua_State *L)
{
    emit_args *a = lua_touserdata(L, 2);
    ed_buf_reset(&a->out);
    ed_json_emit(L, 1, &a->out, &a->err);
    return 0;
}

/* Encode the global `doc` under pcall; the status. */
static int emit_doc(lua_State *L, emit_args *a)
{
    lua_pushcfunction(L, emit_protected);
    lua_getglobal(L, "doc");
    lua_pushlightuserdata(L, a);
    int status = lua_pcall(L, 2, 0, 0);
    lua_settop(L, 0);
    return status;
}

/* Keys longer than Lua's short strings (40 bytes), so that pushing one
 * allocates; objects in arrays in objects, so that several key arrays
 * are made. */
static const char DOC[] =
    "local k = string.rep('k', 48)\n"
    "doc = {}\n"
    "for i = 1, 4 do\n"
    "  doc[k .. i] = { { [k .. 'a'] = i, [k .. 'b'] = { [k .. 'c'] = 'x' } }, i }\n"
    "end\n";

TEST(json_emit_out_of_memory_leaks_nothing)
{
    failing_alloc fa = {0, -1, 0};
    lua_State *L = lua_newstate(failing_alloc_f, &fa);
    CHECK(L != NULL, "no Lua state");
    emit_args a = {{0}, {0}};
    luaL_openlibs(L);
    int ok = luaL_dostring(L, DOC) == LUA_OK;
    /* a full run: how many growths it needs, and warm buffers */
    long before_run = fa.grants;
    ok = ok && emit_doc(L, &a) == LUA_OK && strstr(a.out.data, "\"x\"") != NULL;
    long needed = fa.grants - before_run;
    if (!ok || needed < 4) {
        lua_close(L);
        ed_buf_free(&a.out);
        ed_buf_free(&a.err);
        CHECK(0, "the document did not encode (%ld growths)", needed);
    }
    lua_gc(L, LUA_GCCOLLECT);
    size_t before = heap_in_use() - fa.bytes;
    long refused = 0;
    for (int round = 0; round < 50; round++) {
        for (long n = 0; n < needed; n++) {
            fa.grants_left = n;
            refused += emit_doc(L, &a) == LUA_ERRMEM;
            fa.grants_left = -1;
        }
    }
    lua_gc(L, LUA_GCCOLLECT);
    size_t after = heap_in_use() - fa.bytes;
    lua_close(L);
    ed_buf_free(&a.out);
    ed_buf_free(&a.err);
    CHECK(refused > 0, "no run ran out of memory: the test proves nothing");
    CHECK(after <= before + ((size_t)16 << 10),
          "the C heap grew by %zu bytes over %ld encodings that ran out of memory",
          after - before, refused);
    PASS();
}

ED_TEST_MAIN(T(obligation_at_the_memory_limit_leaks_nothing),
             T(json_emit_out_of_memory_leaks_nothing))
