/*
 * readonly.c — read-only proxies for events, params and the stdlib tables
 * rules share (see readonly.h).
 *
 * A proxy is an empty table whose metatable has __index = the backing table,
 * so reads stay on the VM's fast path (no C call per field). Writes always
 * land on the empty proxy and so always reach __newindex, which raises with
 * the dotted path of the field. The path is not stored as a string per
 * table (that would cost a concatenation per nested table per event); each
 * metatable records its parent metatable and its key, and the path is only
 * assembled when an error is raised.
 *
 * An event's proxies (ed_readonly_copy, once per event per JSON object)
 * get a smaller metatable: __index, __newindex, __len and the parent,
 * 4 fields instead of 7 (building metatables was most of the copy). The
 * key is found in the parent's backing table when an error names the
 * path; the sandbox's pairs reads their backing table without __pairs,
 * and its getmetatable and setmetatable treat every proxy as protected
 * without __metatable (sandbox.c, order.c). Rules see the same.
 */
#define readonly_c

#include "readonly.h"

#include "order.h"
#include "sandbox.h"
#include "stdlib/pattern.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Metatable fields. __metatable hides the metatable (and so the backing
 * table) from getmetatable and forbids setmetatable. */
#define RO_PARENT "__edict_parent"
#define RO_KEY "__edict_key"
#define RO_ROOT "__edict_root"

/* With the metatable of an event's proxy on top, push the key under which
 * its parent's backing table holds it (event proxies record no key). */
static void push_event_key(lua_State *L)
{
    int mt = lua_gettop(L);
    lua_getfield(L, mt, RO_PARENT);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_pushliteral(L, "?");
        return;
    }
    lua_getfield(L, -1, "__index");
    int backing = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, backing) != 0) {
        if (lua_type(L, -1) == LUA_TTABLE && lua_getmetatable(L, -1)) {
            int same = lua_rawequal(L, -1, mt);
            lua_pop(L, 1);
            if (same) {
                lua_pop(L, 1);               /* the value; the key stays */
                lua_replace(L, mt + 1);
                lua_settop(L, mt + 1);
                return;
            }
        }
        lua_pop(L, 1);
    }
    lua_settop(L, mt);
    lua_pushliteral(L, "?");
}

/* Append the path of the proxy whose metatable is at `mt` to buffer `b`. */
static void push_path(lua_State *L, int mt)
{
    int depth = 0;
    mt = lua_absindex(L, mt);
    lua_pushvalue(L, mt);
    /* Stack now: ... mt_k. Walk up to the root, leaving keys on the stack. */
    for (;;) {
        luaL_checkstack(L, 8, "read-only path");
        if (lua_getfield(L, -1, RO_ROOT) == LUA_TSTRING) {
            lua_remove(L, -2); /* root name replaces the metatable */
            break;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, -1, RO_KEY) == LUA_TNIL) {
            lua_pop(L, 1);
            push_event_key(L);
        }
        lua_insert(L, -2);
        lua_getfield(L, -1, RO_PARENT);
        lua_remove(L, -2);
        if (!lua_istable(L, -1) || ++depth > ED_READONLY_MAX_DEPTH) {
            lua_pop(L, 1);
            lua_pushliteral(L, "?");
            break;
        }
    }
    /* Stack now: ... key_n ... key_1 root. Concatenate root..key_n. */
    luaL_Buffer b;
    int top = lua_gettop(L);
    int nkeys = depth;
    luaL_buffinit(L, &b);
    lua_pushvalue(L, top);
    luaL_addvalue(&b);
    for (int i = 1; i <= nkeys; i++) {
        int k = top - i;
        if (lua_type(L, k) == LUA_TNUMBER) {
            lua_pushfstring(L, "[%s]", lua_tostring(L, k));
        } else {
            lua_pushfstring(L, ".%s", lua_tostring(L, k));
        }
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    /* Stack now: ... keys root path: keep only the path. */
    lua_replace(L, top - nkeys);
    lua_settop(L, top - nkeys);
}

/* __newindex(proxy, key, value): always an error. */
static int ro_newindex(lua_State *L)
{
    lua_getmetatable(L, 1);
    push_path(L, -1);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        return luaL_error(L, "%s is read-only (cannot set [%s])",
                          lua_tostring(L, -1), lua_tostring(L, 2));
    }
    if (lua_type(L, 2) == LUA_TSTRING) {
        return luaL_error(L, "%s is read-only (cannot set field '%s')",
                          lua_tostring(L, -1), lua_tostring(L, 2));
    }
    return luaL_error(L, "%s is read-only", lua_tostring(L, -1));
}

static int ro_len(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* pairs(proxy): the backing table's keys in stable order (order.h); the
 * proxy is the state, so the backing table never reaches rule code. */
static int ro_pairs(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    ed_order_push_iterator(L, lua_gettop(L), 1);
    return 3;
}

/* Push a proxy metatable for the backing table at `backing`. `parent_mt` is
 * the parent's metatable index (0 for a root named `root`). */
static void push_metatable(lua_State *L, int backing, int parent_mt,
                           int key, const char *root)
{
    lua_createtable(L, 0, 8);
    lua_pushvalue(L, backing);
    lua_setfield(L, -2, "__index");
    /* light C functions: no allocation, and equal by address */
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ro_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, ro_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    if (parent_mt) {
        lua_pushvalue(L, parent_mt);
        lua_setfield(L, -2, RO_PARENT);
        lua_pushvalue(L, key);
        lua_setfield(L, -2, RO_KEY);
    } else {
        lua_pushstring(L, root);
        lua_setfield(L, -2, RO_ROOT);
    }
}

/* Push the metatable of an event's proxy for the backing table at
 * `backing`: parent metatable `parent_mt`, or 0 for the root `root`.
 * `keys` is the first of the field names EVENT_MT_KEYS pushed, in that
 * order (rawset with them costs less than setfield interning them). */
#define EVENT_MT_KEYS {"__index", "__newindex", "__len", RO_PARENT, RO_ROOT}
static void push_event_metatable(lua_State *L, int backing, int parent_mt,
                                 const char *root, int keys)
{
    lua_createtable(L, 0, 4);
    int mt = lua_gettop(L);
    lua_pushvalue(L, keys);
    lua_pushvalue(L, backing);
    lua_rawset(L, mt);
    lua_pushvalue(L, keys + 1);
    lua_pushcfunction(L, ro_newindex);
    lua_rawset(L, mt);
    lua_pushvalue(L, keys + 2);
    lua_pushcfunction(L, ro_len);
    lua_rawset(L, mt);
    if (parent_mt) {
        lua_pushvalue(L, keys + 3);
        lua_pushvalue(L, parent_mt);
    } else {
        lua_pushvalue(L, keys + 4);
        lua_pushstring(L, root);
    }
    lua_rawset(L, mt);
}

/* cjson decodes every number as a float: is d integral (and in range),
 * so that rules get it back as an integer and print 1200, not 1200.0? */
static int integral(lua_Number d, lua_Integer *i)
{
    return floor(d) == d && lua_numbertointeger(d, i);
}

/* Wrap the table at `t` (absolute); its proxy's metatable gets parent
 * `parent_mt` and key `key` (absolute indices, 0 for the root). */
static void wrap(lua_State *L, int t, int parent_mt, int key,
                 const char *root, int depth)
{
    if (depth > ED_READONLY_MAX_DEPTH) {
        luaL_error(L, "table nested deeper than %d levels",
                   ED_READONLY_MAX_DEPTH);
    }
    luaL_checkstack(L, 8, "read-only wrap");
    lua_newtable(L);                        /* the proxy */
    push_metatable(L, t, parent_mt, key, root);
    int mt = lua_gettop(L);
    /* Stack now: ... proxy mt. Wrap nested tables, drop nulls. */
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        int vt = lua_type(L, -1);
        if (vt == LUA_TTABLE && !ed_readonly_is(L, -1)) {
            int k = lua_gettop(L) - 1;
            wrap(L, lua_gettop(L), mt, k, root, depth + 1);
            /* Stack now: ... key value proxy: store the proxy in place.
             * Assigning to an existing key during lua_next is allowed. */
            lua_pushvalue(L, k);
            lua_insert(L, -2);
            lua_rawset(L, t);
        } else if (vt == LUA_TNUMBER && !lua_isinteger(L, -1)) {
            lua_Integer i;
            if (integral(lua_tonumber(L, -1), &i)) {
                lua_pushvalue(L, -2);
                lua_pushinteger(L, i);
                lua_rawset(L, t);
            }
        } else if (vt == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == NULL) {
            lua_pushvalue(L, -2);
            lua_pushnil(L);
            lua_rawset(L, t);          /* clearing a field during next is allowed */
        }
        lua_pop(L, 1);
    }
    lua_setmetatable(L, -2);               /* Stack now: ... proxy */
}

void ed_readonly_wrap(lua_State *L, int idx, const char *path)
{
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    wrap(L, idx, 0, 0, path, 0);
}

static void freeze(lua_State *L, int idx, const char *path);

void ed_readonly_freeze_in_place(lua_State *L, int idx, const char *path)
{
    freeze(L, idx, path);
}

/* Copy onto the proxy metatable at `mt` what the view at `view` (the
 * metatable setmetatable gave the table) does besides indexing:
 * arithmetic, comparison, __call, __tostring, __close, __len, __pairs...
 * so a frozen object still works as one. */
static void copy_view_metamethods(lua_State *L, int view, int mt)
{
    lua_pushnil(L);
    while (lua_next(L, view) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        if (strncmp(k, "__", 2) == 0 && strcmp(k, "__index") != 0 &&
            strcmp(k, "__newindex") != 0 && strcmp(k, "__metatable") != 0 &&
            strncmp(k, "__edict_", 8) != 0) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, mt);
        } else {
            lua_pop(L, 1);
        }
    }
}

static void freeze(lua_State *L, int idx, const char *path)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);                        /* backing */
    int backing = lua_gettop(L);
    /* Keep the original metatable (e.g. the fallback to the globals, or
     * the view setmetatable made) on the backing table. */
    int view = 0;
    if (lua_getmetatable(L, idx)) {
        if (ed_sandbox_is_view(L, -1)) {
            view = lua_gettop(L);
            lua_pushvalue(L, view);
        }
        lua_setmetatable(L, backing);
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, backing);
    }
    /* Empty the original: collect its keys first, then clear them. */
    lua_newtable(L);
    int keys = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++n);
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, keys, i);
        lua_pushnil(L);
        lua_rawset(L, idx);
    }
    lua_pop(L, 1);
    push_metatable(L, backing, 0, 0, path);
    if (view) {
        copy_view_metamethods(L, view, lua_gettop(L));
    }
    lua_setmetatable(L, idx);
    lua_settop(L, backing - 1);             /* backing (and view) */
}

int ed_readonly_is(lua_State *L, int idx)
{
    int is = 0;
    if (lua_type(L, idx) == LUA_TTABLE && lua_getmetatable(L, idx)) {
        lua_pushliteral(L, "__newindex");
        lua_rawget(L, -2);
        is = lua_tocfunction(L, -1) == ro_newindex;
        lua_pop(L, 2);
    }
    return is;
}

void ed_readonly_backing(lua_State *L, int idx)
{
    if (ed_readonly_is(L, idx)) {
        lua_getmetatable(L, idx);
        lua_getfield(L, -1, "__index");
        lua_remove(L, -2);
    } else {
        lua_pushvalue(L, idx);
    }
}

/* Copy the value at `idx` of `from` onto `to`, tables as read-only
 * proxies (see ed_readonly_copy). */
static void copy_value(lua_State *from, int idx, lua_State *to, int parent_mt,
                       const char *root, int keys, int depth)
{
    switch (lua_type(from, idx)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(from, idx, &len);
        lua_pushlstring(to, s, len);
        break;
    }
    case LUA_TNUMBER: {
        lua_Integer i;
        if (lua_isinteger(from, idx)) {
            lua_pushinteger(to, lua_tointeger(from, idx));
        } else {
            lua_Number d = lua_tonumber(from, idx);
            if (integral(d, &i)) {
                lua_pushinteger(to, i);
            } else {
                lua_pushnumber(to, d);
            }
        }
        break;
    }
    case LUA_TBOOLEAN:
        lua_pushboolean(to, lua_toboolean(from, idx));
        break;
    case LUA_TTABLE: {
        if (depth > ED_READONLY_MAX_DEPTH) {
            luaL_error(to, "table nested deeper than %d levels",
                       ED_READONLY_MAX_DEPTH);
        }
        luaL_checkstack(to, 8, "read-only copy");
        if (!lua_checkstack(from, 4)) {
            luaL_error(to, "read-only copy: stack overflow");
        }
        lua_createtable(to, (int)lua_rawlen(from, idx), 4); /* backing */
        int backing = lua_gettop(to);
        lua_newtable(to);                                   /* proxy */
        push_event_metatable(to, backing, parent_mt, root, keys);
        int mt = lua_gettop(to);
        lua_pushnil(from);
        while (lua_next(from, idx) != 0) {
            int top = lua_gettop(from);
            if (lua_type(from, top) == LUA_TLIGHTUSERDATA &&
                lua_touserdata(from, top) == NULL) {
                lua_pop(from, 1); /* JSON null: leave the field out */
                continue;
            }
            copy_value(from, top - 1, to, 0, root, keys, depth + 1);
            copy_value(from, top, to, mt, root, keys, depth + 1);
            lua_rawset(to, backing);
            lua_pop(from, 1);
        }
        lua_setmetatable(to, -2);   /* Stack now: ... backing proxy */
        lua_remove(to, backing);
        break;
    }
    default:
        lua_pushnil(to);
        break;
    }
}

void ed_readonly_copy(lua_State *from, int idx, lua_State *to, const char *root)
{
    static const char *const names[] = EVENT_MT_KEYS;
    int n = (int)(sizeof names / sizeof names[0]);
    luaL_checkstack(to, n + 8, "read-only copy");
    int keys = lua_gettop(to) + 1;
    for (int i = 0; i < n; i++) {
        lua_pushstring(to, names[i]);
    }
    copy_value(from, lua_absindex(from, idx), to, 0, root, keys, 0);
    lua_replace(to, keys);         /* the copy where the first key was */
    lua_settop(to, keys);
}

/* Push v on the work list (a sequence at `work`) unless already seen. */
static void push_work(lua_State *L, int work, int seen, int v)
{
    int t = lua_type(L, v);
    if (t != LUA_TTABLE && t != LUA_TFUNCTION && t != LUA_TTHREAD &&
        t != LUA_TUSERDATA) {
        return;
    }
    lua_pushvalue(L, v);
    if (lua_rawget(L, seen) != LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, v);
    lua_pushboolean(L, 1);
    lua_rawset(L, seen);
    lua_pushvalue(L, v);
    lua_rawseti(L, work, (lua_Integer)lua_rawlen(L, work) + 1);
}

/* Note a value that holds state no freeze or restore can reach: count it,
 * and describe the first one met in what. */
static void stateful(int *count, char *what, size_t whatlen, const char *desc)
{
    if ((*count)++ == 0 && whatlen > 0) {
        snprintf(what, whatlen, "%s", desc);
    }
}

int ed_readonly_freeze_deep(lua_State *L, int idx, const char *path,
                            int restore, char *what, size_t whatlen)
{
    idx = lua_absindex(L, idx);
    restore = restore ? lua_absindex(L, restore) : 0;
    int found = 0;
    luaL_checkstack(L, 8, "deep freeze");
    lua_newtable(L);
    int work = lua_gettop(L);
    lua_newtable(L);
    int seen = lua_gettop(L);
    push_work(L, work, seen, idx);
    lua_Integer n;
    while ((n = (lua_Integer)lua_rawlen(L, work)) > 0) {
        lua_rawgeti(L, work, n);
        lua_pushnil(L);
        lua_rawseti(L, work, n);
        int v = lua_gettop(L);
        if (lua_type(L, v) == LUA_TFUNCTION) {
            /* a Lua function's upvalues are the state it keeps; a C
             * function's belong to the host, except the coroutine that
             * coroutine.wrap keeps there, and the iterators that keep
             * their position (pairs, string.gmatch) */
            if (lua_iscfunction(L, v)) {
                lua_CFunction f = lua_tocfunction(L, v);
                if (ed_order_is_iterator(f)) {
                    stateful(&found, what, whatlen, "a pairs iterator");
                } else if (ed_pattern_is_iterator(f)) {
                    stateful(&found, what, whatlen, "a string.gmatch iterator");
                }
                for (int i = 1; lua_getupvalue(L, v, i) != NULL; i++) {
                    if (lua_type(L, -1) == LUA_TTHREAD) {
                        stateful(&found, what, whatlen, "a coroutine.wrap function");
                    }
                    lua_pop(L, 1);
                }
            } else {
                for (int i = 1; lua_getupvalue(L, v, i) != NULL; i++) {
                    int u = lua_gettop(L);
                    int ut = lua_type(L, u);
                    if (restore && (ut == LUA_TNIL || ut == LUA_TBOOLEAN ||
                                           ut == LUA_TNUMBER || ut == LUA_TSTRING)) {
                        /* once per upvalue, however many closures share it */
                        lua_pushlightuserdata(L, lua_upvalueid(L, v, i));
                        if (lua_rawget(L, seen) == LUA_TNIL) {
                            lua_pushlightuserdata(L, lua_upvalueid(L, v, i));
                            lua_pushboolean(L, 1);
                            lua_rawset(L, seen);
                            lua_Integer len = (lua_Integer)lua_rawlen(L, restore);
                            lua_pushvalue(L, v);
                            lua_rawseti(L, restore, len + 1);
                            lua_pushinteger(L, i);
                            lua_rawseti(L, restore, len + 2);
                            lua_pushvalue(L, u);
                            lua_rawseti(L, restore, len + 3);
                        }
                        lua_pop(L, 1);
                    } else {
                        push_work(L, work, seen, u);
                    }
                    lua_settop(L, u - 1);
                }
            }
        } else if (lua_type(L, v) == LUA_TTHREAD) {
            stateful(&found, what, whatlen, "a coroutine");
        } else if (lua_type(L, v) == LUA_TUSERDATA) {
            /* a custody graph never changes once built; anything else (a
             * hasher) holds state the next event would see */
            if (luaL_testudata(L, v, "edict.chain.graph") == NULL) {
                char desc[96];
                if (luaL_getmetafield(L, v, "__name") == LUA_TSTRING) {
                    const char *name = lua_tostring(L, -1);
                    snprintf(desc, sizeof desc, "%s %s",
                             strchr("aeiouAEIOU", name[0]) && name[0] ? "an" : "a", name);
                    lua_pop(L, 1);
                } else {
                    snprintf(desc, sizeof desc, "a userdata");
                }
                stateful(&found, what, whatlen, desc);
            }
        } else if (ed_readonly_is(L, v) || ed_sandbox_is_view(L, v)) {
            /* already read-only (or a metatable view, which no rule can
             * reach): look inside, but leave it be */
            ed_readonly_backing(L, v);
            int b = lua_gettop(L);
            lua_pushvalue(L, b);
            lua_pushboolean(L, 1);
            lua_rawset(L, seen);
            lua_pushnil(L);
            while (lua_next(L, b) != 0) {
                push_work(L, work, seen, lua_gettop(L));
                lua_pop(L, 1);
            }
        } else {
            lua_pushnil(L);
            while (lua_next(L, v) != 0) {
                push_work(L, work, seen, lua_gettop(L) - 1);
                push_work(L, work, seen, lua_gettop(L));
                lua_pop(L, 1);
            }
            /* a view (what setmetatable made) is looked into; any other
             * metatable is the host's (an environment's fallback to the
             * safe globals) and stays as it is */
            if (lua_getmetatable(L, v)) {
                if (ed_sandbox_is_view(L, -1)) {
                    push_work(L, work, seen, lua_gettop(L));
                }
                lua_pop(L, 1);
            }
            /* every field, `__*` ones too: the objects that use this table
             * as a metatable read their views (sandbox.c), not it */
            freeze(L, v, path);
        }
        lua_settop(L, seen);
    }
    lua_pop(L, 2);
    return found;
}

void ed_readonly_restore(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i + 2 <= n; i += 3) {
        lua_rawgeti(L, idx, i);          /* the function */
        lua_rawgeti(L, idx, i + 1);      /* its upvalue number */
        int up = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_rawgeti(L, idx, i + 2);      /* the value at load time */
        lua_setupvalue(L, -2, up);       /* pops the value */
        lua_pop(L, 1);
    }
}
