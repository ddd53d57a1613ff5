/*
 * budget.h — what a stdlib module written in C may use of the engine, and
 * nothing more: charging work to the running rule's budget, and reading
 * through the read-only proxies in which rules receive tables. stdlib/
 * includes no other header of runtime/ (util/ aside), so the engine can
 * change behind this line without the modules noticing.
 *
 * Implemented by sandbox.c (the budget) and readonly.c (the proxies);
 * sandbox.h and readonly.h include this header.
 */
#ifndef EDICT_BUDGET_H
#define EDICT_BUDGET_H

#include <stdint.h>
#include <lua.h>

/* Charge `steps` units of work done inside a C function to the running
 * call's instruction budget, and check the wall clock. Raises a Lua error
 * (longjmp) when a limit is exceeded: call it only where no C resource is
 * held. Outside ed_sandbox_call(), or in a state that is not a sandbox,
 * it does nothing. */
void ed_budget_charge(lua_State *L, int64_t steps);

/* Is the value at `idx` a read-only proxy? */
int ed_readonly_is(lua_State *L, int idx);

/* Push the backing table of the read-only proxy at `idx` (host use only:
 * it is writable), or the value itself when it is not a proxy. */
void ed_readonly_backing(lua_State *L, int idx);

#endif
