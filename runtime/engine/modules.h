/*
 * modules.h — the one list of stdlib modules rules can require
 * ("edict.time", "edict.hash", ...). Each is opened at most once per
 * state, frozen, and shared by every pack in that state.
 *
 * Two kinds: modules written in C (luaopen_ functions, listed in
 * modules.c) and modules written in Lua (stdlib/lua/edict/<name>.lua is
 * "edict.<name>"), which the Makefile embeds into the binary at build time
 * as the table ed_stdlib_lua ($(BUILD)/gen/stdlib_lua.c).
 */
#ifndef EDICT_MODULES_H
#define EDICT_MODULES_H

#include <stddef.h>
#include <lua.h>

/* Push the frozen module `name` and return 1, or push nothing and return
 * 0 when no stdlib module has that name. Opening a Lua module runs its
 * chunk (errors propagate, "stdlib/lua/edict/x.lua:12: ..."); in a sandbox
 * it runs in the safe environment and on the running call's budget. */
int ed_modules_require(lua_State *L, const char *name);

/* The names, for error messages: "edict.hash, edict.time". */
const char *ed_modules_names(void);

/* A stdlib module written in Lua, as embedded by the Makefile. */
typedef struct ed_lua_module {
    const char *name;   /* "edict.window" */
    const char *path;   /* "stdlib/lua/edict/window.lua", its chunk name */
    const char *source; /* the file's bytes (NUL-terminated) */
    size_t len;         /* without the NUL */
} ed_lua_module;

/* The embedded Lua modules, in path order, ended by a NULL name. */
extern const ed_lua_module ed_stdlib_lua[];

#endif
