/*
 * modules.c — the stdlib modules rules can require (see modules.h). To add
 * a module, add its luaopen_ function to `stdlib_modules`.
 */
#define modules_c

#include "modules.h"

#include "readonly.h"
#include "../stdlib/chain.h"
#include "../stdlib/hash.h"
#include "../stdlib/time.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

static const luaL_Reg stdlib_modules[] = {
    {"edict.chain", luaopen_edict_chain},
    {"edict.hash", luaopen_edict_hash},
    {"edict.time", luaopen_edict_time},
    {NULL, NULL}};

#define REGISTRY_MODULES "edict.modules.loaded"

int ed_modules_require(lua_State *L, const char *name)
{
    for (const luaL_Reg *m = stdlib_modules; m->name; m++) {
        if (strcmp(m->name, name) != 0) {
            continue;
        }
        luaL_getsubtable(L, LUA_REGISTRYINDEX, REGISTRY_MODULES);
        if (lua_getfield(L, -1, name) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushcfunction(L, m->func);
            lua_pushstring(L, name);
            lua_call(L, 1, 1);
            /* Modules are shared by every pack in the state: freeze them
             * so one rule cannot change what another computes. */
            if (lua_istable(L, -1)) {
                ed_readonly_wrap(L, -1, name);
                lua_remove(L, -2);
            }
            lua_pushvalue(L, -1);
            lua_setfield(L, -3, name);
        }
        lua_remove(L, -2);
        return 1;
    }
    return 0;
}

const char *ed_modules_names(void)
{
    /* built from the list, so the message cannot fall behind it */
    static char names[256];
    if (names[0] == '\0') {
        size_t used = 0;
        for (const luaL_Reg *m = stdlib_modules; m->name; m++) {
            int n = snprintf(names + used, sizeof names - used, "%s%s",
                             used ? ", " : "", m->name);
            if (n < 0 || (size_t)n >= sizeof names - used) {
                break;
            }
            used += (size_t)n;
        }
    }
    return names;
}
