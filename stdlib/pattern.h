/*
 * pattern.h — Lua 5.4 string patterns with a step budget.
 *
 * The count hook never fires inside a C function, so the stock matcher can
 * run for hours on a pathological pattern (("a"):rep(40000):find(("a-"):rep(40).."b")).
 * These replacements for string.find, string.match, string.gmatch and
 * string.gsub behave exactly like Lua 5.4's, but charge every matching step
 * to the running evaluation's budget (ed_budget_charge), so the instruction
 * and wall-time limits stop them.
 */
#ifndef EDICT_PATTERN_H
#define EDICT_PATTERN_H

#include <lua.h>

/* Set find, match, gmatch and gsub in the table at the top of the stack to
 * the budgeted versions. */
void ed_pattern_install(lua_State *L);

/* Is f the iterator string.gmatch returns? (It keeps its position: a
 * pack must not keep one from load time.) */
int ed_pattern_is_iterator(lua_CFunction f);

#endif
