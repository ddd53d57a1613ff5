/*
 * lookup.h — edict.metrc, the module through which rules ask Metrc
 * (lookup.c). The host does the requests: see ed_lookup in context.h.
 */
#ifndef EDICT_LOOKUP_H
#define EDICT_LOOKUP_H

#include <lua.h>

int luaopen_edict_metrc(lua_State *L);

#endif
