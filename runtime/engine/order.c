/*
 * order.c — stable iteration order for tables (see order.h).
 */
#define order_c

#include "order.h"

#include "sandbox.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The order: numbers ascending (integers and floats compared exactly,
 * not as doubles: 2^53 and 2^53 + 1 are two keys), then strings bytewise,
 * then false, true. Keys of any other type (tables, functions, coroutines,
 * userdata) have no order but their heap addresses: iterating a table that
 * holds one raises, naming the type, rather than give a decision that
 * depends on where the heap is. Distinct keys never compare equal, so
 * qsort's result is the same every run. */
typedef struct key_ref {
    int cls;          /* 0 number, 1 string, 2 boolean */
    int isint;
    lua_Integer i;
    lua_Number num;
    const char *str;  /* borrowed from the keys table, alive while it is */
    size_t len;
    int boolean;
    lua_Integer pos;  /* position in the unsorted keys table */
} key_ref;

/* -1, 0, 1 as integer i is below, equal to, above float f (not NaN). */
static int compare_int_float(lua_Integer i, lua_Number f)
{
    if (f >= 9223372036854775808.0) {
        return -1;
    }
    if (f < -9223372036854775808.0) {
        return 1;
    }
    lua_Number fl = floor(f);
    lua_Integer fi = (lua_Integer)fl;
    if (i != fi) {
        return i < fi ? -1 : 1;
    }
    return fl < f ? -1 : 0;
}

static int compare_numbers(const key_ref *x, const key_ref *y)
{
    if (x->isint && y->isint) {
        return (x->i > y->i) - (x->i < y->i);
    }
    if (!x->isint && !y->isint) {
        return (x->num > y->num) - (x->num < y->num);
    }
    return x->isint ? compare_int_float(x->i, y->num)
                    : -compare_int_float(y->i, x->num);
}

static int compare_refs(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    if (x->cls != y->cls) {
        return x->cls - y->cls;
    }
    switch (x->cls) {
    case 0:
        return compare_numbers(x, y);
    case 1: {
        size_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(x->str, y->str, n);
        return c ? c : (x->len > y->len) - (x->len < y->len);
    }
    default:
        return x->boolean - y->boolean;
    }
}

void ed_order_keys(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 6, "ordering keys");
    lua_newtable(L);                       /* keys, in table order */
    int raw = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        int t = lua_type(L, -1);
        if (t != LUA_TNUMBER && t != LUA_TSTRING && t != LUA_TBOOLEAN) {
            luaL_error(L, "cannot iterate over a table with a key of type %s: "
                          "only numbers, strings and booleans have a stable order",
                       luaL_typename(L, -1));
        }
        lua_pushvalue(L, -1);
        lua_rawseti(L, raw, ++n);
    }
    /* sorting costs n log n: charge it like table.sort */
    int64_t steps = n;
    for (lua_Integer m = n; m > 1; m >>= 1) {
        steps += n;
    }
    ed_budget_charge(L, steps);
    key_ref *refs = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *refs, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        key_ref *r = &refs[i - 1];
        memset(r, 0, sizeof *r);
        r->pos = i;
        lua_rawgeti(L, raw, i);
        switch (lua_type(L, -1)) {
        case LUA_TNUMBER:
            r->cls = 0;
            r->isint = lua_isinteger(L, -1);
            if (r->isint) {
                r->i = lua_tointeger(L, -1);
            } else {
                r->num = lua_tonumber(L, -1);
            }
            break;
        case LUA_TSTRING:
            r->cls = 1;
            r->str = lua_tolstring(L, -1, &r->len);
            break;
        default:
            r->cls = 2;
            r->boolean = lua_toboolean(L, -1);
            break;
        }
        lua_pop(L, 1);
    }
    qsort(refs, (size_t)n, sizeof *refs, compare_refs);
    lua_createtable(L, (int)n, 0);         /* keys, sorted */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, raw, refs[i - 1].pos);
        lua_rawseti(L, -2, i);
    }
    lua_replace(L, raw);
    lua_pop(L, 1);                         /* refs */
}

/* Iterator: upvalues are the table and its sorted keys; the control value
 * is the previous key, found again by position (upvalue 3). */
static int iterate(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;
    if (lua_rawgeti(L, lua_upvalueindex(2), i) == LUA_TNIL) {
        return 1;
    }
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushvalue(L, -1);
    lua_rawget(L, lua_upvalueindex(1));
    return 2;
}

/* Iterator over a table whose keys were exactly 1..n: upvalues are the
 * table, n and the last position. The sorted order is 1..n, so there is
 * nothing to sort (a list, such as an event's certificates). */
static int iterate_sequence(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;
    if (i > lua_tointeger(L, lua_upvalueindex(2))) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushinteger(L, i);
    lua_rawgeti(L, lua_upvalueindex(1), i);
    return 2;
}

int ed_order_is_iterator(lua_CFunction f)
{
    return f == iterate || f == iterate_sequence;
}

/* n when the keys of the table at idx are exactly 1..n (n = its border),
 * else -1. */
static lua_Integer sequence_length(lua_State *L, int idx)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
            lua_tointeger(L, -1) > n || ++count > n) {
            lua_pop(L, 1);
            return -1;
        }
    }
    return count == n ? n : -1;
}

void ed_order_push_iterator(lua_State *L, int table, int state)
{
    table = lua_absindex(L, table);
    state = lua_absindex(L, state);
    luaL_checkstack(L, 6, "ordering keys");
    lua_Integer n = sequence_length(L, table);
    lua_pushvalue(L, table);
    if (n >= 0) {
        ed_budget_charge(L, n);
        lua_pushinteger(L, n);
        lua_pushinteger(L, 0);
        lua_pushcclosure(L, iterate_sequence, 3);
    } else {
        ed_order_keys(L, table);
        lua_pushinteger(L, 0);
        lua_pushcclosure(L, iterate, 3);
    }
    lua_pushvalue(L, state);
    lua_pushnil(L);
}

int ed_order_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    if (ed_readonly_is(L, 1)) {
        /* an event's proxy has no __pairs (readonly.c): its backing
         * table's keys, the proxy as the state, as ro_pairs gives */
        ed_readonly_backing(L, 1);
        ed_order_push_iterator(L, lua_gettop(L), 1);
        return 3;
    }
    ed_order_push_iterator(L, 1, 1);
    return 3;
}

int ed_order_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    ed_order_keys(L, 1);
    int keys = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, keys), at = 0;
    if (!lua_isnil(L, 2)) {
        for (lua_Integer i = 1; i <= n && at == 0; i++) {
            lua_rawgeti(L, keys, i);
            if (lua_rawequal(L, -1, 2)) {
                at = i;
            }
            lua_pop(L, 1);
        }
        if (at == 0) {
            return luaL_error(L, "invalid key to 'next'");
        }
    }
    if (lua_rawgeti(L, keys, at + 1) == LUA_TNIL) {
        return 1;
    }
    lua_pushvalue(L, -1);
    lua_rawget(L, 1);
    return 2;
}
