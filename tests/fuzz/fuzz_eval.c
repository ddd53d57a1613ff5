/*
 * fuzz_eval.c — libFuzzer harness for the eval path: one input is the JSON
 * text of one event, taken through exactly what `edict eval` does with it
 * (cmd_eval.c): intake decode -> ed_event_read -> the tenant's context ->
 * ed_event_copy_protected -> ed_engine_evaluate, with and without explain,
 * against the shipped rules/ folder.
 *
 * Invariants checked (a violation aborts, so libFuzzer saves the input):
 *  - no crash, leak or UB (ASan/UBSan/LSan);
 *  - the Lua stacks of the intake and of the tenant's state are back at
 *    their height after every step (a stack leak grows without bound over
 *    an NDJSON stream);
 *  - a decided event gives one line of JSON that decodes, whose flag is
 *    green/yellow/red and whose score is an integer 0..100, both equal to
 *    what ed_outcome says, and whose event_id, tenant, type and
 *    jurisdiction are the event's, byte for byte;
 *  - the decision with explain is the one without it plus an "explain"
 *    member (nothing else changes), and both agree on refusal;
 *  - ed_engine_evaluate never reports a host failure (-1).
 *
 * The explain comparison also catches output that differs from run to run
 * (ARCHITECTURE.md "Determinism"), e.g. a heap address from tostring() of
 * a table in a finding message.
 *
 * The rules folder is EDICT_FUZZ_RULES, else <source root>/rules.
 */
#define _POSIX_C_SOURCE 200809L

#include "engine/catalog.h"
#include "engine/context.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "engine/json.h"
#include "util/utf8.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EDICT_SOURCE_ROOT
#define EDICT_SOURCE_ROOT "."
#endif

#define MAX_CONTEXTS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ed_catalog *cat;
static lua_State *intake;
static ed_context *contexts[MAX_CONTEXTS];
static size_t n_contexts, next_evict;
static ed_buf out, out_explain, err;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_eval: INVARIANT BROKEN: %s%s%s\n", what,
            detail ? ": " : "", detail ? detail : "");
    abort();
}

static void check_top(lua_State *L, int want, const char *where)
{
    int got = lua_gettop(L);
    if (got != want) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: stack height %d, expected %d", where,
                 got, want);
        die("Lua stack leak", msg);
    }
}

static int open_intake(lua_State *L)
{
    ed_json_open(L);
    return 0;
}

static void init(void)
{
    const char *rules = getenv("EDICT_FUZZ_RULES");
    static char path[4096];
    if (rules == NULL) {
        snprintf(path, sizeof path, "%s/rules", EDICT_SOURCE_ROOT);
        rules = path;
    }
    ed_limits limits = {ED_LIMIT_MEMORY_DEFAULT, ED_LIMIT_INSTRUCTIONS_DEFAULT,
                        ED_LIMIT_TIME_DEFAULT_MS};
    ed_diags d = {0};
    cat = ed_catalog_new(&limits);
    ed_catalog_add_packs(cat, rules, &d);
    ed_catalog_finish(cat, &d);
    if (cat->problems > 0 || cat->n_packs == 0) {
        ed_diags_print(&d, stderr, 0);
        fprintf(stderr, "fuzz_eval: no sound packs in %s\n", rules);
        exit(1);
    }
    ed_diags_free(&d);
    intake = luaL_newstate();
    if (intake == NULL) {
        exit(1);
    }
    lua_pushcfunction(intake, open_intake);
    if (lua_pcall(intake, 0, 0, 0) != LUA_OK) {
        fprintf(stderr, "fuzz_eval: cannot open cjson\n");
        exit(1);
    }
}

/* The cached context of tenant; at most MAX_CONTEXTS, then the oldest is
 * freed and its slot reused (so ed_context_free runs too). */
static ed_context *context_for(const char *tenant)
{
    for (size_t i = 0; i < n_contexts; i++) {
        if (strcmp(contexts[i]->tenant, tenant) == 0) {
            return contexts[i];
        }
    }
    ed_diags d = {0};
    ed_context *ctx = ed_context_new(cat, tenant, NULL, &d);
    if (ctx == NULL) {
        ed_diags_print(&d, stderr, 0);
        die("ed_context_new failed for a sound catalog", tenant);
    }
    ed_diags_free(&d);
    if (n_contexts < MAX_CONTEXTS) {
        contexts[n_contexts++] = ctx;
    } else {
        ed_context_free(contexts[next_evict]);
        contexts[next_evict] = ctx;
        next_evict = (next_evict + 1) % MAX_CONTEXTS;
    }
    return ctx;
}

/* Decode the decision text in the intake and check its envelope. */
static void check_decision(const ed_buf *dec, const ed_event *ev,
                           const ed_outcome *o, int event)
{
    int top = lua_gettop(intake);
    if (dec->data == NULL || dec->len == 0) {
        die("empty decision", ev->id);
    }
    if (memchr(dec->data, '\n', dec->len) != NULL) {
        die("decision is not one line", dec->data);
    }
    if (ed_json_decode(intake, dec->data, dec->len, &err) != 0) {
        fprintf(stderr, "decision: %s\n", dec->data);
        die("decision is not JSON", err.data);
    }
    int t = lua_gettop(intake);
    if (!lua_istable(intake, t)) {
        die("decision is not an object", dec->data);
    }
    lua_getfield(intake, t, "flag");
    const char *flag = lua_tostring(intake, -1);
    if (lua_type(intake, -1) != LUA_TSTRING ||
        (strcmp(flag, "green") && strcmp(flag, "yellow") && strcmp(flag, "red"))) {
        die("flag is not green/yellow/red", dec->data);
    }
    if (strcmp(flag, ed_flag_name(o->flag)) != 0) {
        die("flag differs from the outcome's", dec->data);
    }
    lua_getfield(intake, t, "score");
    if (lua_type(intake, -1) != LUA_TNUMBER) {
        die("score is not a number", dec->data);
    }
    double score = lua_tonumber(intake, -1);
    if (!(score >= 0 && score <= 100) || score != (double)(int)score ||
        (int)score != o->score) {
        die("score is not an integer 0..100 equal to the outcome's", dec->data);
    }
    /* the envelope names the event exactly as sent (byte for byte: an
     * id cut at an embedded NUL would name another event) */
    static const char *const same[][2] = {{"event_id", "id"}, {"tenant", "tenant"},
        {"type", "type"}, {"jurisdiction", "jurisdiction"}};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        lua_getfield(intake, t, same[i][0]);
        lua_getfield(intake, event, same[i][1]);
        if (lua_type(intake, -1) != LUA_TSTRING || !lua_rawequal(intake, -1, -2)) {
            fprintf(stderr, "decision: %s\n", dec->data);
            die("the decision's envelope differs from the event's", same[i][0]);
        }
        lua_pop(intake, 2);
    }
    lua_getfield(intake, t, "decision_id");
    if (lua_type(intake, -1) != LUA_TSTRING) {
        die("no decision_id", dec->data);
    }
    lua_settop(intake, top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (cat == NULL) {
        init();
    }
    if (size > ((size_t)1 << 20)) {
        return 0;
    }
    int in_top = lua_gettop(intake);
    size_t bad;
    if (!ed_utf8_valid((const char *)data, size, &bad)) {
        return 0; /* cmd_eval.c refuses input that is not UTF-8 first */
    }
    if (ed_json_decode(intake, (const char *)data, size, &err) != 0) {
        check_top(intake, in_top, "after a failed ed_json_decode");
        return 0;
    }
    check_top(intake, in_top + 1, "after ed_json_decode");
    ed_event ev;
    if (ed_event_read(intake, -1, NULL, NULL, &ev, &err) != 0) {
        check_top(intake, in_top + 1, "after a failed ed_event_read");
        lua_settop(intake, in_top);
        return 0;
    }
    check_top(intake, in_top + 1, "after ed_event_read");
    ed_context *ctx = context_for(ev.tenant);
    check_top(intake, in_top + 1, "after ed_context_new");
    int rc_of[2] = {0, 0};
    for (int explain = 0; explain <= 1; explain++) {
        ed_buf *o_buf = explain ? &out_explain : &out;
        int ctx_top = lua_gettop(ctx->L);
        if (ed_event_copy_protected(intake, -1, ctx->L, &err) != 0) {
            check_top(ctx->L, ctx_top, "after a failed ed_event_copy_protected");
            check_top(intake, in_top + 1, "intake after a failed copy");
            rc_of[explain] = 2;
            continue;
        }
        check_top(ctx->L, ctx_top + 1, "after ed_event_copy_protected");
        check_top(intake, in_top + 1, "intake after ed_event_copy_protected");
        ed_eval_options opt = {explain, ED_VAULT_UNKNOWN};
        ed_outcome o;
        ed_buf_reset(o_buf);
        int rc = ed_engine_evaluate(ctx, &ev, &opt, o_buf, &o, &err);
        rc_of[explain] = rc;
        check_top(ctx->L, ctx_top, "after ed_engine_evaluate");
        check_top(intake, in_top + 1, "intake after ed_engine_evaluate");
        if (rc < 0) {
            die("ed_engine_evaluate: host failure", err.data);
        }
        if (rc == 1 && (err.data == NULL || err.len == 0)) {
            die("refused without a reason", ev.id);
        }
        if (rc == 0) {
            check_decision(o_buf, &ev, &o, in_top + 1);
            if (o.score < 0 || o.score > 100 || o.flag > ED_FLAG_RED) {
                die("outcome out of range", ev.id);
            }
        }
        check_top(intake, in_top + 1, "intake after checking the decision");
    }
    if (rc_of[0] != rc_of[1]) {
        die("explain on and off disagree on refusal", ev.id);
    }
    if (rc_of[0] == 0) {
        /* same decision, plus ,"explain":[...] before the closing brace */
        static const char tail[] = ",\"explain\":[";
        size_t n = out.len - 1; /* without the closing brace */
        if (out_explain.len < n + sizeof tail ||
            memcmp(out.data, out_explain.data, n) != 0 ||
            memcmp(out_explain.data + n, tail, sizeof tail - 1) != 0) {
            fprintf(stderr, "without: %s\nwith:    %s\n", out.data,
                    out_explain.data);
            die("explain changed the decision", ev.id);
        }
    }
    lua_settop(intake, in_top);
    return 0;
}
