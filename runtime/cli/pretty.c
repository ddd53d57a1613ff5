/*
 * pretty.c — a decision as a person reads it (`edict eval --format
 * pretty`): the event on one line, then the flag and score, each finding
 * with its severity, rule, message and cite, the obligations, waivers and
 * rule errors, and the --explain trace as a table. The decision JSON is
 * decoded with lua-cjson in a host state (no tenant code runs here).
 */
#include "pretty.h"

#include "engine/json.h"

#include <lauxlib.h>
#include <string.h>

/* t[key] as a string ("" when absent or neither string nor number; a
 * whole number without ".0", as the decision JSON wrote it). */
static const char *field(lua_State *L, int t, const char *key)
{
    int type = lua_getfield(L, t, key);
    if (type == LUA_TNUMBER) {
        lua_Number v = lua_tonumber(L, -1);
        if (v == (lua_Number)(lua_Integer)v) {
            lua_pushfstring(L, "%I", (LUA_INTEGER)v);
        } else {
            lua_pushfstring(L, "%f", v);
        }
        lua_replace(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, t, key); /* t keeps the text alive */
    }
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_pop(L, 1); /* s stays valid: t holds the string */
    return s;
}

static void upper(ed_buf *out, const char *s)
{
    for (; *s; s++) {
        ed_buf_putc(out, *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s);
    }
}

/* Call each(L, item index, out) for every element of the list t[key]. */
static void each(lua_State *L, int t, const char *key, ed_buf *out,
                 void (*fn)(lua_State *L, int item, ed_buf *out))
{
    lua_getfield(L, t, key);
    if (lua_istable(L, -1)) {
        int list = lua_gettop(L);
        for (lua_Integer i = 1;; i++) {
            if (lua_rawgeti(L, list, i) != LUA_TTABLE) {
                lua_pop(L, 1);
                break;
            }
            fn(L, lua_gettop(L), out);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static void finding(lua_State *L, int f, ed_buf *out)
{
    ed_buf_printf(out, "  %-9s %s\n", field(L, f, "severity"), field(L, f, "rule"));
    ed_buf_printf(out, "            %s\n", field(L, f, "message"));
    ed_buf_printf(out, "            cite: %s\n", field(L, f, "cite"));
}

static void obligation(lua_State *L, int o, ed_buf *out)
{
    ed_buf_printf(out, "  to do     %s, due %s (%s)\n", field(L, o, "action"),
                  field(L, o, "due"), field(L, o, "rule"));
}

static void waiver(lua_State *L, int w, ed_buf *out)
{
    ed_buf_printf(out, "  waived    %s: %s\n", field(L, w, "rule"), field(L, w, "reason"));
}

static void rule_error(lua_State *L, int e, ed_buf *out)
{
    const char *who = field(L, e, "rule");
    if (!*who) {
        who = field(L, e, "pack");
    }
    if (!*who) {
        who = "every rule";
    }
    const char *where = field(L, e, "where");
    const char *limit = field(L, e, "limit");
    ed_buf_printf(out, "  ERROR     %s%s%s: %s%s%s\n", who, *where ? " at " : "", where,
                  field(L, e, "message"), *limit ? " (limit: " : "", *limit ? limit : "");
    if (*limit) {
        ed_buf_putc(out, ')');
    }
}

static void trace(lua_State *L, int x, ed_buf *out)
{
    const char *rule = field(L, x, "rule");
    const char *us = field(L, x, "us");
    ed_buf_printf(out, "    %-40s %-10s %s %s", *rule ? rule : field(L, x, "pack"),
                  field(L, x, "outcome"), field(L, x, "pack"), field(L, x, "version"));
    if (*us) {
        ed_buf_printf(out, ", %s findings, %s us", field(L, x, "findings"), us);
    } else if (*field(L, x, "effective")) {
        ed_buf_printf(out, ", in force %s", field(L, x, "effective"));
    }
    ed_buf_putc(out, '\n');
}

static int list_len(lua_State *L, int t, const char *key)
{
    lua_getfield(L, t, key);
    int n = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : 0;
    lua_pop(L, 1);
    return n;
}

int ed_pretty_decision(lua_State *L, const char *json, size_t len, ed_buf *out, ed_buf *err)
{
    int top = lua_gettop(L);
    if (ed_json_decode(L, json, len, err) != 0 || !lua_istable(L, -1)) {
        lua_settop(L, top);
        return -1;
    }
    int d = lua_gettop(L);
    ed_buf_printf(out, "%s  tenant %s  %s  %s  %s\n", field(L, d, "event_id"),
                  field(L, d, "tenant"), field(L, d, "type"), field(L, d, "jurisdiction"),
                  field(L, d, "occurred_at"));
    ed_buf_puts(out, "  ");
    upper(out, field(L, d, "flag"));
    ed_buf_printf(out, "  score %s  %s", field(L, d, "score"), field(L, d, "decision_id"));
    const char *retain = field(L, d, "retention_until");
    if (*retain) {
        ed_buf_printf(out, "  kept until %s", retain);
    }
    ed_buf_putc(out, '\n');
    if (list_len(L, d, "findings") + list_len(L, d, "errors") == 0) {
        ed_buf_puts(out, "  no findings\n");
    }
    each(L, d, "findings", out, finding);
    each(L, d, "obligations", out, obligation);
    each(L, d, "waivers", out, waiver);
    each(L, d, "errors", out, rule_error);
    if (list_len(L, d, "explain") > 0) {
        ed_buf_puts(out, "  explain:\n");
        each(L, d, "explain", out, trace);
    }
    lua_settop(L, top);
    return 0;
}
