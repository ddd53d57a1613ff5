/*
 * json.c — lua-cjson glue and the canonical encoder (see json.h).
 */
#define json_c

#include "json.h"

#include "readonly.h"

#include <lauxlib.h>
#include <lua-cjson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char decode_key, encode_key;

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
    lua_getfield(L, -1, "encode");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &encode_key);
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
    lua_State *L = luaL_newstate();
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

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if malformed. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned long cp, min;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

int ed_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_sequence(u + i, len - i);
        if (n == 0) {
            *bad = i;
            return 0;
        }
        i += n;
    }
    return 1;
}

/* Does s need cjson's escaping (1), or UTF-8 repair (2)? */
static int needs_escape(const char *s, size_t len)
{
    int need = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\' || c == '/' || c == 0x7f) {
            need |= 1;
        } else if (c >= 0x80) {
            need |= 4;
        }
    }
    if (need & 4) {
        size_t bad;
        need = (need & 1) | (ed_utf8_valid(s, len, &bad) ? 0 : 2);
    }
    return need;
}

void ed_json_emit_string(lua_State *L, const char *s, size_t len, ed_buf *out)
{
    int need = needs_escape(s, len);
    ed_buf repaired = {0};
    if (need & 2) {
        const unsigned char *u = (const unsigned char *)s;
        for (size_t i = 0; i < len;) {
            size_t n = utf8_sequence(u + i, len - i);
            if (n == 0) {
                ed_buf_puts(&repaired, "\xef\xbf\xbd"); /* U+FFFD */
                i++;
            } else {
                ed_buf_append(&repaired, s + i, n);
                i += n;
            }
        }
        s = repaired.data;
        len = repaired.len;
    }
    if (!(need & 1)) {
        ed_buf_putc(out, '"');
        ed_buf_append(out, s, len);
        ed_buf_putc(out, '"');
        ed_buf_free(&repaired);
        return;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &encode_key);
    lua_pushlstring(L, s, len);
    lua_call(L, 1, 1);
    size_t n;
    const char *enc = lua_tolstring(L, -1, &n);
    /* cjson writes '/' as "\/"; both are valid JSON, and plain '/' is what
     * the fast path above writes, so undo that one escape. */
    for (size_t i = 0; i < n; i++) {
        if (enc[i] == '\\' && i + 1 < n) {
            if (enc[i + 1] == '/') {
                ed_buf_putc(out, '/');
            } else {
                ed_buf_append(out, enc + i, 2);
            }
            i++;
        } else {
            ed_buf_putc(out, enc[i]);
        }
    }
    lua_pop(L, 1);
    ed_buf_free(&repaired);
}

static int fail(ed_buf *err, const char *path, const char *what)
{
    ed_buf_reset(err);
    ed_buf_printf(err, "%s: %s", path[0] ? path : "value", what);
    return -1;
}

static int compare_keys(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x, *y);
}

/* What one ed_json_emit call has written so far. */
typedef struct emit_budget {
    size_t values;
    size_t start; /* out->len when the call began */
} emit_budget;

static int emit_value(lua_State *L, int idx, ed_buf *out, ed_buf *err,
                      ed_buf *path, int depth, emit_budget *eb);

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

static int emit_table(lua_State *L, int idx, ed_buf *out, ed_buf *err,
                      ed_buf *path, int depth, emit_budget *eb)
{
    if (depth >= ED_JSON_MAX_DEPTH) {
        return fail(err, path->data ? path->data : "", "nested too deeply (a cycle?)");
    }
    lua_Integer n;
    size_t mark = path->len;
    if (is_array(L, idx, &n)) {
        ed_buf_putc(out, '[');
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) {
                ed_buf_putc(out, ',');
            }
            lua_rawgeti(L, idx, i);
            ed_buf_printf(path, "[%lld]", (long long)i);
            int rc = emit_value(L, lua_gettop(L), out, err, path, depth + 1, eb);
            path->len = mark;
            path->data[mark] = '\0';
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
            ed_buf e = {0};
            ed_buf_printf(&e, "an object key must be a string, not a %s",
                          luaL_typename(L, -1));
            lua_pop(L, 1);
            int rc = fail(err, path->data ? path->data : "", e.data);
            ed_buf_free(&e);
            return rc;
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
        ed_json_emit_string(L, keys[i], strlen(keys[i]), out);
        ed_buf_putc(out, ':');
        lua_pushstring(L, keys[i]);
        lua_rawget(L, idx);
        ed_buf_printf(path, ".%s", keys[i]);
        rc = emit_value(L, lua_gettop(L), out, err, path, depth + 1, eb);
        path->len = mark;
        path->data[mark] = '\0';
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* the key array */
    if (rc == 0) {
        ed_buf_putc(out, '}');
    }
    return rc;
}

static int emit_value(lua_State *L, int idx, ed_buf *out, ed_buf *err,
                      ed_buf *path, int depth, emit_budget *eb)
{
    if (++eb->values > ED_JSON_MAX_VALUES || out->len - eb->start > ED_JSON_MAX_BYTES) {
        return fail(err, path->data ? path->data : "",
                    "too large to encode (more than 100000 values or 1 MiB)");
    }
    /* Every level of nesting holds a few slots of this one C call's stack. */
    if (!lua_checkstack(L, 8)) {
        return fail(err, path->data ? path->data : "", "nested too deeply");
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
                return fail(err, path->data ? path->data : "",
                            "NaN and infinity cannot be encoded as JSON");
            }
            /* cjson's default precision, so decoded and re-encoded
             * numbers look the same. */
            ed_buf_printf(out, "%.14g", d);
        }
        return 0;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        ed_json_emit_string(L, s, len, out);
        return 0;
    }
    case LUA_TTABLE: {
        /* A read-only proxy is encoded through its backing table. */
        int top = lua_gettop(L);
        ed_readonly_backing(L, idx);
        int rc = emit_table(L, lua_gettop(L), out, err, path, depth, eb);
        lua_settop(L, top);
        return rc;
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            ed_buf_puts(out, "null");
            return 0;
        }
        /* fall through */
    default: {
        ed_buf e = {0};
        ed_buf_printf(&e, "a %s cannot be encoded as JSON", luaL_typename(L, idx));
        int rc = fail(err, path->data ? path->data : "", e.data);
        ed_buf_free(&e);
        return rc;
    }
    }
}

int ed_json_emit(lua_State *L, int idx, ed_buf *out, ed_buf *err)
{
    ed_buf path = {0};
    ed_buf_puts(&path, "");
    int top = lua_gettop(L);
    emit_budget eb = {0, out->len};
    int rc = emit_value(L, lua_absindex(L, idx), out, err, &path, 0, &eb);
    lua_settop(L, top);
    ed_buf_free(&path);
    return rc;
}
