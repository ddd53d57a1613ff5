/*
 * modules.h — the one list of stdlib modules rules can require
 * ("edict.time", "edict.hash", ...). Each is opened at most once per
 * state, frozen, and shared by every pack in that state.
 */
#ifndef EDICT_MODULES_H
#define EDICT_MODULES_H

#include <lua.h>

/* Push the frozen module `name` and return 1, or push nothing and return
 * 0 when no stdlib module has that name. */
int ed_modules_require(lua_State *L, const char *name);

/* The names, for error messages: "edict.hash, edict.time". */
const char *ed_modules_names(void);

#endif
