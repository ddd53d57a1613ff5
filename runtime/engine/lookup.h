/*
 * lookup.h — edict.metrc, the module through which rules ask Metrc
 * (lookup.c). The host does the requests: see ed_lookup in context.h.
 */
#ifndef EDICT_LOOKUP_H
#define EDICT_LOOKUP_H

#include <lua.h>

/* Most bytes of Metrc answers one decision records ("metrc_answers",
 * RULES.md): an answer past them is not used (the fact is unavailable). */
#define ED_LOOKUP_RECORD_MAX ((size_t)1 << 20)

int luaopen_edict_metrc(lua_State *L);

#endif
