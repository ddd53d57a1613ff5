/*
 * readonly.h — read-only views of Lua tables.
 *
 * Rules receive the event, their params and the standard library as
 * read-only tables: an empty proxy whose metatable reads through to a
 * hidden backing table and raises on every write, naming the field. Nested
 * tables are wrapped too, so `e.data.witness.name = x` fails as clearly as
 * `e.id = x`.
 */
#ifndef EDICT_READONLY_H
#define EDICT_READONLY_H

#include <stddef.h>
#include <lua.h>

#include "budget.h"

/* Replace the table at `idx` by a deep read-only proxy of it. The table is
 * taken over as the backing store: nested tables in it are replaced by their
 * own proxies, integral floats become integers (cjson decodes every
 * number as a float), and JSON nulls (cjson.null, a NULL light userdata)
 * are dropped, so they read as nil. `path` names the root in error messages
 * ("event", "ctx.params"). Pushes the proxy. Raises on tables nested deeper
 * than ED_READONLY_MAX_DEPTH. */
void ed_readonly_wrap(lua_State *L, int idx, const char *path);

/* Copy the value at `idx` of state `from` onto the top of state `to`, as
 * ed_readonly_wrap would leave it: tables become read-only proxies, nulls
 * are left out, integral floats become integers. One pass instead of a
 * copy and then a wrap. Raises in `to` (memory, nesting). */
void ed_readonly_copy(lua_State *from, int idx, lua_State *to, const char *root);

/* Freeze the table at `idx` in place, keeping its identity: its contents
 * move to a backing table and every later write raises. Nested tables are
 * left as they are (callers wrap them first when needed). */
void ed_readonly_freeze_in_place(lua_State *L, int idx, const char *path);

/* Freeze, in place, every table reachable from the value at `idx`:
 * through table keys and values, metatables, and the upvalues of Lua
 * functions. Identity is kept, so every reference (a global, a local a
 * function closes over) sees the frozen table. Every field moves to the
 * backing table, `__*` ones too, so none stays writable: the objects that
 * use a frozen table as their metatable read the view setmetatable made
 * of it (sandbox.c), and a frozen object keeps its view's metamethods.
 * C functions, views and tables that are already read-only are looked
 * into but not changed.
 *
 * Upvalues holding plain values (nil, booleans, numbers, strings) cannot be
 * frozen; when `restore` is a table index, each such upvalue (once, however
 * many closures share it) is appended to it as three entries: function,
 * upvalue number, value at load time. ed_readonly_restore() puts those
 * values back. Returns the number of values found that hold state no
 * freeze or restore can reach: coroutines, the iterators of pairs and
 * string.gmatch, userdata other than edict.chain graphs (a hasher); the
 * first is described in `what` ("a coroutine", "an edict.hash.hasher"). */
int ed_readonly_freeze_deep(lua_State *L, int idx, const char *path,
                            int restore, char *what, size_t whatlen);

/* Set every upvalue listed in the restore table at `idx` back to its
 * recorded value. */
void ed_readonly_restore(lua_State *L, int idx);

/* ed_readonly_is and ed_readonly_backing (is it a proxy; its backing
 * table) are declared in budget.h, with what else stdlib modules use. */

#define ED_READONLY_MAX_DEPTH 64

#endif
