/*
 * event.c — event envelope validation and cross-state copy (see event.h).
 */
#define event_c

#include "event.h"

#include "event_types.h"
#include "json.h"
#include "readonly.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

static const char *json_type(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: return "a string";
    case LUA_TNUMBER: return "a number";
    case LUA_TBOOLEAN: return "a boolean";
    case LUA_TTABLE: return "an object or array";
    case LUA_TLIGHTUSERDATA: return "null";
    default: return "missing";
    }
}

/* Copy the string field `name` into out (capacity max+1). */
static int string_field(lua_State *L, int t, const char *name, char *out,
                        size_t max, int required, ed_buf *err)
{
    int type = lua_getfield(L, t, name);
    if (type == LUA_TNIL || ed_json_is_null(L, -1)) {
        lua_pop(L, 1);
        if (required) {
            ed_buf_printf(err, "field '%s' is required", name);
            return -1;
        }
        out[0] = '\0';
        return 1;
    }
    if (type != LUA_TSTRING) {
        ed_buf_printf(err, "field '%s' must be a string, not %s", name,
                      json_type(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len == 0) {
        ed_buf_printf(err, "field '%s' must not be empty", name);
        lua_pop(L, 1);
        return -1;
    }
    if (len > max) {
        ed_buf_printf(err, "field '%s' is longer than %zu bytes", name, max);
        lua_pop(L, 1);
        return -1;
    }
    if (memchr(s, '\0', len) != NULL) {
        ed_buf_printf(err, "field '%s' must not contain a NUL character", name);
        lua_pop(L, 1);
        return -1;
    }
    memcpy(out, s, len + 1);
    lua_pop(L, 1);
    return 0;
}

static int time_field(const char *name, const char *text, ed_time *out,
                      ed_buf *err)
{
    char why[160];
    if (ed_time_parse(text, strlen(text), 0, out, why, sizeof why) != 0) {
        ed_buf_printf(err, "field '%s': %s", name, why);
        return -1;
    }
    return 0;
}

int ed_event_read(lua_State *L, int idx, const char *tenant, const char *as_of,
                  ed_event *ev, ed_buf *err)
{
    idx = lua_absindex(L, idx);
    memset(ev, 0, sizeof *ev);
    ed_buf_reset(err);
    if (lua_type(L, idx) != LUA_TTABLE) {
        ed_buf_printf(err, "an event must be a JSON object, not %s",
                      json_type(L, idx));
        return -1;
    }
    if (lua_rawlen(L, idx) > 0) {
        ed_buf_puts(err, "an event must be a JSON object, not an array");
        return -1;
    }
    if (string_field(L, idx, "id", ev->id, ED_EVENT_ID_MAX, 1, err) < 0 ||
        string_field(L, idx, "type", ev->type, ED_EVENT_NAME_MAX, 1, err) < 0) {
        return -1;
    }
    int rc = string_field(L, idx, "tenant", ev->tenant, ED_EVENT_NAME_MAX,
                          tenant == NULL, err);
    if (rc < 0) {
        return -1;
    }
    if (tenant != NULL) {
        if (rc == 1) {
            snprintf(ev->tenant, sizeof ev->tenant, "%s", tenant);
        } else if (strcmp(ev->tenant, tenant) != 0) {
            ed_buf_printf(err, "field 'tenant': the event belongs to '%s', "
                          "not to tenant '%s'", ev->tenant, tenant);
            return -1;
        }
    }
    if (string_field(L, idx, "jurisdiction", ev->jurisdiction,
                     ED_EVENT_NAME_MAX, 1, err) < 0 ||
        string_field(L, idx, "occurred_at", ev->occurred_at,
                     sizeof ev->occurred_at - 1, 1, err) < 0 ||
        time_field("occurred_at", ev->occurred_at, &ev->occurred, err) < 0) {
        return -1;
    }
    ev->occurred_day = ed_time_day_number(&ev->occurred);
    if (as_of != NULL) {
        snprintf(ev->as_of, sizeof ev->as_of, "%s", as_of);
        if (time_field("as_of", ev->as_of, &ev->when, err) < 0) {
            return -1;
        }
    } else {
        rc = string_field(L, idx, "as_of", ev->as_of, sizeof ev->as_of - 1, 0, err);
        if (rc < 0) {
            return -1;
        }
        if (rc == 1) {
            memcpy(ev->as_of, ev->occurred_at, sizeof ev->as_of);
        }
        if (time_field("as_of", ev->as_of, &ev->when, err) < 0) {
            return -1;
        }
    }
    int type = lua_getfield(L, idx, "data");
    if (type != LUA_TNIL && !ed_json_is_null(L, -1) &&
        (type != LUA_TTABLE || lua_rawlen(L, -1) > 0)) {
        ed_buf_printf(err, "field 'data' must be an object, not %s",
                      type == LUA_TTABLE ? "an array" : json_type(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    /* the type's declared data (events/catalogue.lua), before any rule */
    return ed_event_data_check(L, idx, ev->type, err);
}

typedef struct copy_args {
    lua_State *from;
    int idx;
} copy_args;

static int copy_protected(lua_State *L)
{
    copy_args *a = lua_touserdata(L, 1);
    ed_readonly_copy(a->from, a->idx, L, "event");
    return 1;
}

int ed_event_copy_protected(lua_State *from, int idx, lua_State *to, ed_buf *err)
{
    copy_args a = {from, lua_absindex(from, idx)};
    lua_pushcfunction(to, copy_protected);
    lua_pushlightuserdata(to, &a);
    if (lua_pcall(to, 1, 1, 0) != LUA_OK) {
        ed_buf_reset(err);
        ed_buf_printf(err, "cannot take the event in: %s", lua_tostring(to, -1));
        lua_pop(to, 1);
        return -1;
    }
    return 0;
}
