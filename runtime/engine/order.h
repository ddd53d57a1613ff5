/*
 * order.h — a stable iteration order for tables.
 *
 * Lua 5.4 seeds each state's string hash from the clock and addresses, so
 * `pairs` and `next` visit the same table in a different order in every
 * state. A decision must not depend on that: rules iterate in key order
 * instead (numbers ascending, then strings bytewise, then false, true).
 * Keys of other types (tables, functions...) have no order but their heap
 * addresses: iterating a table that holds one raises.
 */
#ifndef EDICT_ORDER_H
#define EDICT_ORDER_H

#include <lua.h>

/* Push a sequence of the keys of the table at idx (raw) in stable order.
 * Raises when a key is not a number, string or boolean. */
void ed_order_keys(lua_State *L, int idx);

/* pairs(t): t's __pairs when it has one, else its keys in stable order. */
int ed_order_pairs(lua_State *L);

/* next(t [, k]): the key after k in stable order (and its value). */
int ed_order_next(lua_State *L);

/* The iterator ed_order_pairs returns for the table at idx: pushes the
 * function, the table and nil (for read-only proxies, pass the backing
 * table; the proxy can be given as the state instead). */
void ed_order_push_iterator(lua_State *L, int table, int state);

/* Is f the iterator ed_order_pairs returns? (It keeps its position: a
 * pack must not keep one from load time.) */
int ed_order_is_iterator(lua_CFunction f);

#endif
