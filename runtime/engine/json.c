/*
 * json.c — lua-cjson glue and the canonical encoder (see json.h).
 */
#define json_c

#include "json.h"

#include "arena.h"
#include "readonly.h"
#include "util/jsonstr.h"

#include <lauxlib.h>
#include <lua-cjson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char decode_key;

void ed_json_open(lua_State *L)
{
    luaL_requiref(L, "cjson", luaopen_cjson, 0);
    /* Strict input: JSON has no NaN, Infinity or hex numbers. */
    lua_getfield(L, -1, "decode_invalid_numbers");
    lua_pushboolean(L, 0);
    lua_call(L, 1, 0);
    lua_getfield(L, -1, "decode_max_depth");
    lua_pushinteger(L, ED_JSON_MAX_DEPTH);
    lua_call(L, 1, 0);
    lua_getfield(L, -1, "decode");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &decode_key);
    lua_pop(L, 1);
    /* Keep cjson out of package.loaded views; rules never see it. */
}

static int open_cfunction(lua_State *L)
{
    ed_json_open(L);
    return 0;
}

int ed_json_open_protected(lua_State *L)
{
    lua_pushcfunction(L, open_cfunction);
    return lua_pcall(L, 0, 0, 0) == LUA_OK ? 0 : (lua_pop(L, 1), -1);
}

lua_State *ed_json_host_state(void)
{
    /* the decoder makes and drops tables and strings for every event:
     * small blocks from a region of its own (arena.h) */
    lua_State *L = ed_arena_state((size_t)2 << 20);
    if (L != NULL && ed_json_open_protected(L) != 0) {
        lua_close(L);
        L = NULL;
    }
    return L;
}

int ed_json_decode(lua_State *L, const char *s, size_t len, ed_buf *err)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &decode_key);
    lua_pushlstring(L, s, len);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        ed_buf_reset(err);
        ed_buf_puts(err, lua_tostring(L, -1) ? lua_tostring(L, -1) : "invalid JSON");
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

int ed_json_is_null(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL;
}

/* One step of the path from the value ed_json_emit was given to the one
 * being written, for error messages: a key (kept alive by the table being
 * walked, which is on the stack) or an index. */
typedef struct path_step {
    const char *key; /* NULL: an array index */
    lua_Integer index;
} path_step;

/* One ed_json_emit call. The walk pushes values, and a push can raise (out
 * of memory), so the path lives here on the C stack rather than in
 * malloc'd memory that a longjmp would leak. */
typedef struct emit_walk {
    ed_buf *out, *err;
    size_t values;
    size_t start; /* out->len when the call began */
    path_step path[ED_JSON_MAX_DEPTH + 1];
} emit_walk;

static int fail(emit_walk *w, int depth, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write "<path>: <message>" into err ("value: ..." at the top); -1. */
static int fail(emit_walk *w, int depth, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ed_buf_reset(w->err);
    for (int i = 0; i < depth; i++) {
        if (w->path[i].key != NULL) {
            ed_buf_printf(w->err, ".%s", w->path[i].key);
        } else {
            ed_buf_printf(w->err, "[%lld]", (long long)w->path[i].index);
        }
    }
    ed_buf_printf(w->err, "%s: %s", depth > 0 ? "" : "value", what);
    return -1;
}

static int compare_keys(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x, *y);
}

static int emit_value(lua_State *L, int idx, emit_walk *w, int depth);

/* Is the table at idx a sequence 1..n with no other keys? Sets *n. */
static int is_array(lua_State *L, int idx, lua_Integer *n)
{
    lua_Integer count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return 0;
        }
        lua_Integer k = lua_tointeger(L, -1);
        if (k > max) {
            max = k;
        }
        count++;
    }
    *n = count;
    return count > 0 && max == count;
}

static int emit_table(lua_State *L, int idx, emit_walk *w, int depth)
{
    if (depth >= ED_JSON_MAX_DEPTH) {
        return fail(w, depth, "nested too deeply (a cycle?)");
    }
    ed_buf *out = w->out;
    lua_Integer n;
    if (is_array(L, idx, &n)) {
        ed_buf_putc(out, '[');
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) {
                ed_buf_putc(out, ',');
            }
            lua_rawgeti(L, idx, i);
            w->path[depth] = (path_step){NULL, i};
            int rc = emit_value(L, lua_gettop(L), w, depth + 1);
            lua_pop(L, 1);
            if (rc != 0) {
                return rc;
            }
        }
        ed_buf_putc(out, ']');
        return 0;
    }
    /* Object: collect and sort the keys. The array lives in a userdata so
     * the collector owns it even if a memory error unwinds through here;
     * the key strings stay alive in the table on the stack. */
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            const char *type = luaL_typename(L, -1);
            lua_pop(L, 1);
            return fail(w, depth, "an object key must be a string, not a %s", type);
        }
        count++;
    }
    const char **keys = lua_newuserdatauv(L, (count ? count : 1) * sizeof *keys, 0);
    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        keys[i++] = lua_tostring(L, -1);
    }
    qsort(keys, count, sizeof *keys, compare_keys);
    ed_buf_putc(out, '{');
    int rc = 0;
    for (i = 0; i < count && rc == 0; i++) {
        if (i > 0) {
            ed_buf_putc(out, ',');
        }
        ed_json_escape(out, keys[i], strlen(keys[i]));
        ed_buf_putc(out, ':');
        lua_pushstring(L, keys[i]);
        lua_rawget(L, idx);
        w->path[depth] = (path_step){keys[i], 0};
        rc = emit_value(L, lua_gettop(L), w, depth + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* the key array */
    if (rc == 0) {
        ed_buf_putc(out, '}');
    }
    return rc;
}

static int emit_value(lua_State *L, int idx, emit_walk *w, int depth)
{
    ed_buf *out = w->out;
    if (++w->values > ED_JSON_MAX_VALUES || out->len - w->start > ED_JSON_MAX_BYTES) {
        return fail(w, depth, "too large to encode (more than 100000 values or 1 MiB)");
    }
    /* Every level of nesting holds a few slots of this one C call's stack. */
    if (!lua_checkstack(L, 8)) {
        return fail(w, depth, "nested too deeply");
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        ed_buf_puts(out, "null");
        return 0;
    case LUA_TBOOLEAN:
        ed_buf_puts(out, lua_toboolean(L, idx) ? "true" : "false");
        return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            ed_buf_printf(out, "%lld", (long long)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            if (!isfinite(d)) {
                return fail(w, depth, "NaN and infinity cannot be encoded as JSON");
            }
            /* cjson's default precision, so decoded and re-encoded
             * numbers look the same. */
            ed_buf_printf(out, "%.14g", d);
        }
        return 0;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        ed_json_escape(out, s, len);
        return 0;
    }
    case LUA_TTABLE: {
        /* A read-only proxy is encoded through its backing table. */
        int top = lua_gettop(L);
        ed_readonly_backing(L, idx);
        int rc = emit_table(L, lua_gettop(L), w, depth);
        lua_settop(L, top);
        return rc;
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            ed_buf_puts(out, "null");
            return 0;
        }
        /* fall through */
    default:
        return fail(w, depth, "a %s cannot be encoded as JSON", luaL_typename(L, idx));
    }
}

int ed_json_emit(lua_State *L, int idx, ed_buf *out, ed_buf *err)
{
    int top = lua_gettop(L);
    emit_walk w;
    w.out = out;
    w.err = err;
    w.values = 0;
    w.start = out->len;
    int rc = emit_value(L, lua_absindex(L, idx), &w, 0);
    lua_settop(L, top);
    return rc;
}
