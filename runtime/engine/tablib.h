/*
 * tablib.h — the table library for rule code: insert, remove, concat,
 * unpack, pack, move and sort as Lua 5.4 defines them, with every loop
 * charged to the evaluation budget as it goes, a table's length read once
 * per call, and a sort that is deterministic and stable.
 *
 * Why: the count hook never fires inside a C function, and the stock
 * functions loop on a count the rule controls (a __len answering 2^40
 * keeps table.remove(t, 1) going for days); the stock sort picks pivots
 * from clock() and time(), so equal elements came out in a different
 * order from run to run.
 */
#ifndef EDICT_TABLIB_H
#define EDICT_TABLIB_H

#include <lua.h>

/* Set concat, insert, move, pack, remove, sort and unpack in the table at
 * the top of the stack to the budgeted versions. */
void ed_tablib_install(lua_State *L);

#endif
