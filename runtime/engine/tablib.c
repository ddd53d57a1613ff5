/*
 * tablib.c — table.insert, remove, concat, unpack, pack, move and sort for
 * rule code (see tablib.h).
 *
 * Each function keeps Lua 5.4's arguments, results, metamethod calls and
 * error messages. What changes:
 *  - every element read, written or compared is one step of an ed_meter,
 *    so a loop of 2^40 stops at the instruction limit (and the wall clock
 *    is looked at every ED_METER_QUANTUM steps) however cheap each step;
 *  - the length (a __len metamethod) is asked once per call: the sandbox
 *    used to ask it to price a sort, and the stock sort then asked again
 *    and could get another answer;
 *  - sort is a bottom-up merge sort: n log n comparisons at worst whatever
 *    the order function, no pivot from the clock, and stable, so equal
 *    elements keep their order and a decision never depends on the run.
 *    It works in two scratch tables of the call (Lua memory, within the
 *    rule's memory limit) and writes the result back once.
 *
 * Nothing here holds C memory: scratch space lives on the Lua stack, so
 * a metamethod, an order function or a charge that raises leaks nothing.
 */
#define tablib_c

#include "tablib.h"

#include "sandbox.h"

#include <lauxlib.h>
#include <limits.h>

/* What an argument must allow, if it is not a table. */
#define TAB_R 1   /* read: __index */
#define TAB_W 2   /* write: __newindex */
#define TAB_L 4   /* length: __len */
#define TAB_RW (TAB_R | TAB_W)

/* Bytes of a string added to a concatenation that count as one step. */
#define CONCAT_BYTES_PER_STEP 16

static int checkfield(lua_State *L, const char *key, int n)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL;
}

/* `arg` is a table, or has a metatable with the metamethods `what` needs
 * (as in Lua 5.4's ltablib.c). */
static void checktab(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) != LUA_TTABLE) {
        int n = 1;
        if (lua_getmetatable(L, arg) &&
            (!(what & TAB_R) || checkfield(L, "__index", ++n)) &&
            (!(what & TAB_W) || checkfield(L, "__newindex", ++n)) &&
            (!(what & TAB_L) || checkfield(L, "__len", ++n))) {
            lua_pop(L, n);
        } else {
            luaL_checktype(L, arg, LUA_TTABLE); /* raises */
        }
    }
}

/* The length of argument `arg`, asked once. */
static lua_Integer getn(lua_State *L, int arg, int what)
{
    checktab(L, arg, what | TAB_L);
    return luaL_len(L, arg);
}

/* table.insert(t, [pos,] v) */
static int t_insert(lua_State *L)
{
    lua_Integer e = getn(L, 1, TAB_RW);
    lua_Integer pos;
    e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty element */
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3: {
        ed_meter m;
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2,
                      "position out of bounds");
        ed_meter_init(&m, L);
        for (lua_Integer i = e; i > pos; i--) {
            ed_meter_add(&m, 1);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i); /* t[i] = t[i - 1] */
        }
        ed_meter_done(&m);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

/* table.remove(t [, pos]) */
static int t_remove(lua_State *L)
{
    lua_Integer size = getn(L, 1, TAB_RW);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    ed_meter m;
    if (pos != size) {
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
                      "position out of bounds");
    }
    ed_meter_init(&m, L);
    lua_geti(L, 1, pos); /* the result */
    for (; pos < size; pos++) {
        ed_meter_add(&m, 1);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos); /* t[pos] = t[pos + 1] */
    }
    ed_meter_done(&m);
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

/* table.move(a1, f, e, t [, a2]) */
static int t_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* destination table */
    checktab(L, 1, TAB_R);
    checktab(L, tt, TAB_W);
    if (e >= f) {
        ed_meter m;
        lua_Integer n;
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3,
                      "too many elements to move");
        n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4,
                      "destination wrap around");
        ed_meter_init(&m, L);
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                ed_meter_add(&m, 1);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                ed_meter_add(&m, 1);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
        ed_meter_done(&m);
    }
    lua_pushvalue(L, tt);
    return 1;
}

static void addfield(lua_State *L, luaL_Buffer *b, lua_Integer i, size_t lsep,
                     ed_meter *m)
{
    size_t len = 0;
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid value (%s) at index %I in table for 'concat'",
                   luaL_typename(L, -1), (LUAI_UACINT)i);
    }
    if (lua_type(L, -1) == LUA_TSTRING) {
        len = lua_rawlen(L, -1);
    }
    ed_meter_add(m, 1 + (int64_t)((len + lsep) / CONCAT_BYTES_PER_STEP));
    luaL_addvalue(b);
}

/* table.concat(t [, sep [, i [, j]]]): the length is asked only when j is
 * not given. */
static int t_concat(lua_State *L)
{
    luaL_Buffer b;
    size_t lsep;
    lua_Integer i, last;
    ed_meter m;
    if (lua_isnoneornil(L, 4)) {
        last = getn(L, 1, TAB_R);
    } else {
        checktab(L, 1, TAB_R);
        last = 0;
    }
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    ed_meter_init(&m, L);
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        addfield(L, &b, i, lsep, &m);
        luaL_addlstring(&b, sep, lsep);
    }
    if (i == last) {
        addfield(L, &b, i, 0, &m);
    }
    ed_meter_done(&m);
    luaL_pushresult(&b);
    return 1;
}

/* table.pack(...) */
static int t_pack(lua_State *L)
{
    int n = lua_gettop(L);
    ed_budget_charge(L, n);
    lua_createtable(L, n, 1);
    lua_insert(L, 1);
    for (int i = n; i >= 1; i--) {
        lua_seti(L, 1, i);
    }
    lua_pushinteger(L, n);
    lua_setfield(L, 1, "n");
    return 1;
}

/* table.unpack(t [, i [, j]]): the length is asked only when j is not
 * given. Each element is charged before it is pushed, so a stop always
 * finds room on the stack for its message. */
static int t_unpack(lua_State *L)
{
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
    lua_Unsigned n;
    ed_meter m;
    if (i > e) {
        return 0;
    }
    n = (lua_Unsigned)e - (lua_Unsigned)i; /* elements minus 1 */
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n))) {
        return luaL_error(L, "too many results to unpack");
    }
    ed_meter_init(&m, L);
    for (; i < e; i++) {
        ed_meter_add(&m, 1);
        lua_geti(L, 1, i);
    }
    ed_meter_done(&m);
    lua_geti(L, 1, e);
    return (int)n;
}

/* Is the value at a less than the value at b, in the order of the sort
 * (argument 2: an order function, or nil for <)? */
static int sort_less(lua_State *L, int a, int b)
{
    if (lua_isnil(L, 2)) {
        return lua_compare(L, a, b, LUA_OPLT);
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, a);
    lua_pushvalue(L, b);
    lua_call(L, 2, 1);
    int res = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return res;
}

/* Merge src[lo..mid] and src[mid+1..hi] (each sorted) into dst[lo..hi].
 * On a tie the left element goes first, so the sort is stable. */
static void merge(lua_State *L, int src, int dst, lua_Integer lo,
                  lua_Integer mid, lua_Integer hi, ed_meter *m)
{
    lua_Integer i = lo, j = mid + 1, k = lo;
    while (i <= mid && j <= hi) {
        ed_meter_add(m, 2);
        lua_rawgeti(L, src, i);
        lua_rawgeti(L, src, j);
        int top = lua_gettop(L);
        if (sort_less(L, top, top - 1)) { /* right < left: right first */
            lua_rawseti(L, dst, k++);
            lua_pop(L, 1);
            j++;
        } else {
            lua_pop(L, 1);
            lua_rawseti(L, dst, k++);
            i++;
        }
    }
    for (; i <= mid; i++) {
        ed_meter_add(m, 1);
        lua_rawgeti(L, src, i);
        lua_rawseti(L, dst, k++);
    }
    for (; j <= hi; j++) {
        ed_meter_add(m, 1);
        lua_rawgeti(L, src, j);
        lua_rawseti(L, dst, k++);
    }
}

/* table.sort(t [, comp]) */
static int t_sort(lua_State *L)
{
    lua_Integer n = getn(L, 1, TAB_RW);
    if (n > 1) {
        ed_meter m;
        int src = 3, dst = 4;
        luaL_argcheck(L, n < INT_MAX, 1, "array too big");
        if (!lua_isnoneornil(L, 2)) {
            luaL_checktype(L, 2, LUA_TFUNCTION);
        }
        lua_settop(L, 2);
        ed_meter_init(&m, L);
        lua_createtable(L, (int)n, 0); /* 3 */
        lua_createtable(L, (int)n, 0); /* 4 */
        for (lua_Integer i = 1; i <= n; i++) {
            ed_meter_add(&m, 1);
            lua_geti(L, 1, i);
            lua_rawseti(L, src, i);
        }
        for (lua_Integer width = 1; width < n; width *= 2) {
            for (lua_Integer lo = 1; lo <= n; lo += 2 * width) {
                lua_Integer mid = lo + width - 1 < n ? lo + width - 1 : n;
                lua_Integer hi = lo + 2 * width - 1 < n ? lo + 2 * width - 1 : n;
                merge(L, src, dst, lo, mid, hi, &m);
            }
            int swap = src;
            src = dst;
            dst = swap;
        }
        for (lua_Integer i = 1; i <= n; i++) {
            ed_meter_add(&m, 1);
            lua_rawgeti(L, src, i);
            lua_seti(L, 1, i);
        }
        ed_meter_done(&m);
    }
    return 0;
}

void ed_tablib_install(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"concat", t_concat},
        {"insert", t_insert},
        {"move", t_move},
        {"pack", t_pack},
        {"remove", t_remove},
        {"sort", t_sort},
        {"unpack", t_unpack},
        {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}
