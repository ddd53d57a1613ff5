/*
 * modules.c — the stdlib modules rules can require (see modules.h). To add
 * a module written in C, add its luaopen_ function to `stdlib_modules`; to
 * add one written in Lua, add stdlib/lua/edict/<name>.lua (the Makefile
 * embeds every file there into ed_stdlib_lua).
 *
 * A Lua module runs like pack code: a text chunk named after its file (so
 * errors read "stdlib/lua/edict/window.lua:12: ..."), in a fresh
 * environment over the sandbox's safe globals, on the budget of the call
 * that first requires it. Its own `require` reaches the stdlib only. Once
 * it has run, everything it returns and keeps (its tables, upvalues and
 * environment) is frozen, as a pack's data is.
 */
#define modules_c

#include "modules.h"

#include "lookup.h"
#include "readonly.h"
#include "sandbox.h"
#include "stdlib/chain.h"
#include "stdlib/hash.h"
#include "stdlib/time.h"

#include <lauxlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const luaL_Reg stdlib_modules[] = {
    {"edict.chain", luaopen_edict_chain},
    {"edict.hash", luaopen_edict_hash},
    {"edict.metrc", luaopen_edict_metrc},
    {"edict.time", luaopen_edict_time},
    {NULL, NULL}};

#define REGISTRY_MODULES "edict.modules.loaded"

/* Stands in the loaded table for a Lua module whose chunk is running, so
 * that a require cycle raises instead of recursing. */
static const char loading_marker;

/* require inside a stdlib Lua module: the stdlib, nothing else. */
static int l_stdlib_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (!ed_modules_require(L, name)) {
        return luaL_error(L, "module '%s' not found (a stdlib module can "
                             "require only the stdlib: %s)", name,
                          ed_modules_names());
    }
    return 1;
}

/* __index of a Lua module's environment outside a sandbox (unit tests,
 * benchmarks): the host's globals, through a C closure so that freezing
 * the module never reaches (and freezes) them. */
static int index_host_globals(lua_State *L)
{
    lua_gettable(L, lua_upvalueindex(1));
    return 1;
}

/* Run the Lua module given as argument 1 (a light userdata: its
 * ed_lua_module) and freeze what it made; returns its value. Called
 * protected, so that a failure can clear the loading marker. */
static int open_lua_module(lua_State *L)
{
    const ed_lua_module *m = lua_touserdata(L, 1);
    lua_pushfstring(L, "@%s", m->path);
    if (luaL_loadbufferx(L, m->source, m->len, lua_tostring(L, -1), "t") !=
        LUA_OK) {
        return lua_error(L);
    }
    ed_sandbox *sb = ed_sandbox_of(L);
    if (sb != NULL) {
        ed_sandbox_push_env(sb);
    } else {
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushglobaltable(L);
        lua_pushcclosure(L, index_host_globals, 1);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
    }
    int env = lua_gettop(L);
    lua_pushcfunction(L, l_stdlib_require);
    lua_setfield(L, env, "require");
    lua_pushvalue(L, env);
    lua_setupvalue(L, env - 1, 1); /* the chunk's _ENV */
    lua_pushvalue(L, env - 1);
    lua_pushstring(L, m->name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    /* Shared by every pack in the state, like the C modules: nothing it
     * holds may change after this, so no rule can change what another
     * computes. The environment too: a function that assigns a global
     * gets an error instead of leaving state for the next event. */
    char what[128] = "";
    int kept = ed_readonly_freeze_deep(L, -1, m->name, 0, what, sizeof what);
    kept += ed_readonly_freeze_deep(L, env, m->name, 0, what, kept ? 0 : sizeof what);
    if (kept > 0) {
        return luaL_error(L, "%s keeps %s made while it loaded", m->path, what);
    }
    return 1;
}

static const ed_lua_module *find_lua_module(const char *name)
{
    for (const ed_lua_module *m = ed_stdlib_lua; m->name; m++) {
        if (strcmp(m->name, name) == 0) {
            return m;
        }
    }
    return NULL;
}

int ed_modules_require(lua_State *L, const char *name)
{
    const luaL_Reg *c = stdlib_modules;
    while (c->name && strcmp(c->name, name) != 0) {
        c++;
    }
    const ed_lua_module *lm = c->name ? NULL : find_lua_module(name);
    if (c->name == NULL && lm == NULL) {
        return 0;
    }
    luaL_getsubtable(L, LUA_REGISTRYINDEX, REGISTRY_MODULES);
    int loaded = lua_gettop(L);
    int type = lua_getfield(L, loaded, name);
    if (type == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == &loading_marker) {
        return luaL_error(L, "require '%s': a require cycle (the module "
                             "requires itself, directly or not)", name);
    }
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        if (c->name != NULL) {
            lua_pushcfunction(L, c->func);
            lua_pushstring(L, name);
            lua_call(L, 1, 1);
            /* Modules are shared by every pack in the state: freeze them
             * so one rule cannot change what another computes. */
            if (lua_istable(L, -1)) {
                ed_readonly_wrap(L, -1, name);
                lua_remove(L, -2);
            }
        } else {
            lua_pushlightuserdata(L, (void *)&loading_marker);
            lua_setfield(L, loaded, name);
            lua_pushcfunction(L, open_lua_module);
            lua_pushlightuserdata(L, (void *)lm);
            if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
                lua_pushnil(L);
                lua_setfield(L, loaded, name);
                return lua_error(L);
            }
        }
        lua_pushvalue(L, -1);
        lua_setfield(L, loaded, name);
    }
    lua_remove(L, loaded);
    return 1;
}

/* "edict.chain, edict.hash, ...": built from the lists, so the message
 * cannot fall behind them; once, under pthread_once, since worker
 * threads build contexts (and their error messages) at the same time. */
static char module_names[512];
static pthread_once_t module_names_once = PTHREAD_ONCE_INIT;

/* Append name to module_names after *used bytes; 0 once it no longer
 * fits (the list is then cut at the last whole name). */
static int append_name(size_t *used, const char *name)
{
    size_t room = sizeof module_names - *used;
    int n = snprintf(module_names + *used, room, "%s%s", *used ? ", " : "", name);
    if (n < 0 || (size_t)n >= room) {
        module_names[*used] = '\0';
        return 0;
    }
    *used += (size_t)n;
    return 1;
}

static void build_module_names(void)
{
    size_t used = 0;
    int fits = 1;
    for (const luaL_Reg *m = stdlib_modules; m->name && fits; m++) {
        fits = append_name(&used, m->name);
    }
    for (const ed_lua_module *m = ed_stdlib_lua; m->name && fits; m++) {
        fits = append_name(&used, m->name);
    }
}

const char *ed_modules_names(void)
{
    pthread_once(&module_names_once, build_module_names);
    return module_names;
}
