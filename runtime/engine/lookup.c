/*
 * lookup.c — edict.metrc, what a rule may ask Metrc (read-only, a short
 * allowlist):
 *
 *   metrc.package(license, label)         the package, false when Metrc has none
 *   metrc.plant(license, label)           the plant, the same
 *   metrc.tag_available(license, tag [, "package"|"plant"])  true or false
 *   metrc.facility(license)               the facility, false when the keys
 *                                         reach none of that number
 *
 * Each answers nil and a message when Metrc cannot be asked or did not
 * answer (no keys configured for the tenant and that licence, Metrc down,
 * the time-out, an answer that is not what the endpoint gives): the rule
 * can handle it, and the decision lists the fact under "unavailable" (and
 * is at least yellow), so it is never silently wrong.
 *
 * The engine does no I/O: the host does the GET (ed_lookup in context.h:
 * `edict eval` through the Metrc client, waiting; `edict serve`'s
 * evaluator process through its worker). A call waits at most the
 * host's per-call time-out and never past the rule's wall-time limit (the
 * time waited is the rule's: a limit passed while waiting stops the rule
 * as any other time limit does). Answers are kept per evaluation (the
 * same question in one decision gets the same answer, and costs one
 * request); the host keeps a short per-tenant cache of its own.
 *
 * Every answer the host gives is recorded in the decision, in the order
 * asked ("metrc_answers": licence, path, and the status with, for a 200,
 * the body's exact bytes, or the message when no answer came), so that
 * replay answers the rules from the record (answers.c) and decides the
 * same. Answers past ED_LOOKUP_RECORD_MAX bytes are not used: the fact is
 * unavailable, and recorded so.
 */
#define lookup_c

#include "lookup.h"

#include "context.h"
#include "json.h"
#include "readonly.h"
#include "sandbox.h"
#include "util/jsonstr.h"
#include "util/utf8.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#define REGISTRY_CACHE "edict.metrc.cache"
#define DEFAULT_TIMEOUT_S 5.0
#define STEPS_PER_BYTE_DIV 64 /* an answer costs its bytes / 64 in steps */

enum kind { ENTITY, TAGS, FACILITY };

static ed_context *context(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, ED_REGISTRY_CONTEXT);
    ed_context *ctx = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (ctx == NULL || ctx->sink.slot == NULL) {
        luaL_error(L, "edict.metrc can only be called from a check");
    }
    return ctx;
}

/* A licence number, label or tag: 1..64 of [A-Za-z0-9._-], so it can be
 * put in a path as it is. */
static const char *check_name(lua_State *L, int arg, const char *what)
{
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    int ok = len > 0 && len <= 64;
    for (size_t i = 0; ok && i < len; i++) {
        char c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    }
    if (!ok) {
        luaL_error(L, "edict.metrc: %s must be 1 to 64 letters, digits, '.', '_' or '-'", what);
    }
    return s;
}

/* The evaluation's cache table, pushed (a new one for a new evaluation). */
static void push_cache(lua_State *L, const ed_context *ctx)
{
    int top = lua_gettop(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_CACHE) == LUA_TTABLE) {
        int same = lua_getfield(L, -1, "\1seq") == LUA_TNUMBER &&
                   (unsigned long)lua_tointeger(L, -1) == ctx->lookup.seq;
        lua_pop(L, 1);
        if (same) {
            return;
        }
    }
    lua_settop(L, top);
    lua_newtable(L);
    lua_pushinteger(L, (lua_Integer)ctx->lookup.seq);
    lua_setfield(L, -2, "\1seq");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_CACHE);
}

/* Say in the decision that fact could not be had, and why. */
static void unavailable(ed_context *ctx, const char *fact, const char *why)
{
    ed_lookup *lk = &ctx->lookup;
    if (lk->n_unavailable++ > 0) {
        ed_buf_putc(&lk->unavailable, ',');
    }
    ed_buf_puts(&lk->unavailable, "{\"rule\":");
    ed_json_escape(&lk->unavailable, ctx->sink.slot->rule->id, strlen(ctx->sink.slot->rule->id));
    ed_buf_puts(&lk->unavailable, ",\"fact\":");
    ed_json_escape(&lk->unavailable, fact, strlen(fact));
    ed_buf_puts(&lk->unavailable, ",\"message\":");
    ed_json_escape(&lk->unavailable, why, strlen(why));
    ed_buf_putc(&lk->unavailable, '}');
}

/* Record in the decision what the host answered to GET path for
 * license: the status, with the body's bytes for a 200 (no other answer's
 * body decides anything), or (status < 0) the message. An answer the
 * record cannot hold (past ED_LOOKUP_RECORD_MAX, or a body that is not
 * UTF-8, which a JSON string cannot carry exactly) is turned into no
 * answer, with why in lk->err, before it is recorded: what a rule is
 * given is always what replay can give it again. */
static void record(ed_lookup *lk, const char *license, const char *path, int *status)
{
    if (lk->n_answers > 0) {
        ed_buf_putc(&lk->answers, ',');
    }
    ed_buf_puts(&lk->answers, "{\"license\":");
    ed_json_escape(&lk->answers, license, strlen(license));
    ed_buf_puts(&lk->answers, ",\"path\":");
    ed_json_escape(&lk->answers, path, strlen(path));
    size_t head = lk->answers.len;
    if (*status == 200 && !ed_utf8_valid(lk->body.data ? lk->body.data : "", lk->body.len,
                                         &(size_t){0})) {
        ed_buf_reset(&lk->err);
        ed_buf_printf(&lk->err, "GET %s: the answer is not UTF-8", path);
        *status = -1;
    }
    if (*status >= 0) {
        char num[32];
        snprintf(num, sizeof num, ",\"status\":%d", *status);
        ed_buf_puts(&lk->answers, num);
        if (*status == 200) {
            ed_buf_puts(&lk->answers, ",\"body\":");
            ed_json_escape(&lk->answers, lk->body.data ? lk->body.data : "", lk->body.len);
        }
        ed_buf_putc(&lk->answers, '}');
        if (lk->answers.len <= ED_LOOKUP_RECORD_MAX) {
            if (*status != 200) {
                /* unrecorded, so not charged to the rule either: replay
                 * charges what it can give again */
                ed_buf_reset(&lk->body);
            }
            lk->n_answers++;
            return;
        }
        lk->answers.len = head;
        lk->answers.data[head] = '\0';
        ed_buf_reset(&lk->err);
        ed_buf_printf(&lk->err, "GET %s: the answer would pass the %zu KiB of answers a "
                      "decision records", path, ED_LOOKUP_RECORD_MAX >> 10);
        *status = -1;
    }
    if (lk->err.len == 0) {
        ed_buf_puts(&lk->err, "no answer");
    }
    ed_buf_reset(&lk->body);
    ed_buf_puts(&lk->answers, ",\"message\":");
    ed_json_escape(&lk->answers, lk->err.data, lk->err.len);
    ed_buf_putc(&lk->answers, '}');
    lk->n_answers++;
}

/* Find, in the list at idx (Metrc's {Data = [...]} or a bare array), the
 * element whose field (or field.sub) is want: pushes it, or nothing. */
static int find_in(lua_State *L, int idx, const char *field, const char *sub, const char *want)
{
    int top = lua_gettop(L);
    if (lua_getfield(L, idx, "Data") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushvalue(L, idx);
    }
    int list = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    ed_budget_charge(L, n);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, list, i) == LUA_TTABLE) {
            int el = lua_gettop(L);
            int t = lua_getfield(L, el, field);
            if (sub != NULL && t == LUA_TTABLE) {
                t = lua_getfield(L, -1, sub);
            }
            if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), want) == 0) {
                lua_pushvalue(L, el);
                lua_replace(L, top + 1);
                lua_settop(L, top + 1);
                return 1;
            }
        }
        lua_settop(L, list);
    }
    lua_settop(L, top);
    return 0;
}

/* Ask, or answer from the evaluation's cache: pushes the answer (a
 * read-only table, or a boolean) and returns 1, or pushes nil and the
 * message and returns 2. */
static int ask(lua_State *L, const char *fact, const char *license, const char *path,
               enum kind kind, const char *want)
{
    ed_context *ctx = context(L);
    push_cache(L, ctx);
    int cache = lua_gettop(L);
    if (lua_getfield(L, cache, fact) != LUA_TNIL) {
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushnil(L);
            lua_insert(L, -2);
            return 2;
        }
        return 1;
    }
    lua_pop(L, 1);
    ed_lookup *lk = &ctx->lookup;
    ed_budget_charge(L, 0); /* a rule out of time does not wait */
    double left = ed_sandbox_time_left(L);
    double timeout = lk->timeout_s > 0 ? lk->timeout_s : DEFAULT_TIMEOUT_S;
    if (left >= 0 && left < timeout) {
        timeout = left;
    }
    ed_buf_reset(&lk->body);
    ed_buf_reset(&lk->err);
    int status = -1;
    if (lk->fn == NULL) {
        ed_buf_puts(&lk->err, "Metrc cannot be asked here");
    } else {
        status = lk->fn(lk->arg, ctx->tenant, license, path, timeout, &lk->body, &lk->err);
    }
    record(lk, license, path, &status);
    /* the wait was the rule's time; the answer's bytes its work */
    ed_budget_charge(L, (int64_t)(lk->body.len / STEPS_PER_BYTE_DIV));
    const char *why = NULL;
    char msg[200];
    if (status < 0) {
        why = lk->err.len ? lk->err.data : "no answer";
    } else if (status == 404 && kind != FACILITY) {
        lua_pushboolean(L, 0);
    } else if (status != 200) {
        snprintf(msg, sizeof msg, "GET %s: HTTP %d", path, status);
        why = msg;
    } else if (ed_json_decode(L, lk->body.data ? lk->body.data : "", lk->body.len,
                              &lk->err) != 0 ||
               !lua_istable(L, -1)) {
        snprintf(msg, sizeof msg, "GET %s: the answer is not what Metrc gives", path);
        lua_settop(L, cache);
        why = msg;
    } else if (kind == ENTITY) {
        ed_readonly_wrap(L, lua_gettop(L), fact);
    } else if (kind == TAGS) {
        int found = find_in(L, lua_gettop(L), "Label", NULL, want);
        lua_settop(L, cache);
        lua_pushboolean(L, found);
    } else if (find_in(L, lua_gettop(L), "License", "Number", want)) {
        ed_readonly_wrap(L, lua_gettop(L), fact);
    } else {
        lua_settop(L, cache);
        lua_pushboolean(L, 0);
    }
    if (why != NULL) {
        unavailable(ctx, fact, why);
        lua_pushstring(L, why);
        lua_pushvalue(L, -1);
        lua_setfield(L, cache, fact);
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, cache, fact);
    return 1;
}

static int entity(lua_State *L, const char *what)
{
    const char *license = check_name(L, 1, "the licence");
    const char *label = check_name(L, 2, "the label");
    char fact[200], path[200];
    snprintf(fact, sizeof fact, "metrc.%s(%s, %s)", what, license, label);
    snprintf(path, sizeof path, "/%ss/v2/%s?licenseNumber=%s", what, label, license);
    return ask(L, fact, license, path, ENTITY, NULL);
}

static int l_package(lua_State *L)
{
    return entity(L, "package");
}

static int l_plant(lua_State *L)
{
    return entity(L, "plant");
}

static int l_tag_available(lua_State *L)
{
    const char *license = check_name(L, 1, "the licence");
    const char *tag = check_name(L, 2, "the tag");
    static const char *const kinds[] = {"package", "plant", NULL};
    int k = luaL_checkoption(L, 3, "package", kinds);
    char fact[200], path[200];
    snprintf(fact, sizeof fact, "metrc.tag_available(%s, %s, %s)", license, tag, kinds[k]);
    snprintf(path, sizeof path, "/tags/v2/%s/available?licenseNumber=%s", kinds[k], license);
    return ask(L, fact, license, path, TAGS, tag);
}

static int l_facility(lua_State *L)
{
    const char *license = check_name(L, 1, "the licence");
    char fact[200];
    snprintf(fact, sizeof fact, "metrc.facility(%s)", license);
    return ask(L, fact, license, "/facilities/v2/", FACILITY, license);
}

int luaopen_edict_metrc(lua_State *L)
{
    static const luaL_Reg fns[] = {{"package", l_package},
                                   {"plant", l_plant},
                                   {"tag_available", l_tag_available},
                                   {"facility", l_facility},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}
