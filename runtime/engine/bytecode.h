/*
 * bytecode.h — refusing compiled chunks that Lua 5.4.4's own error
 * messages cannot cope with.
 *
 * To name a value in an error message ("attempt to call a nil value
 * (field 'x')"), Lua 5.4.4's getobjname walks back through the code that
 * computed it, recursing once per table read or move and scanning the
 * function's code from its start at each step (ldebug.c; fixed in 5.4.7
 * by 7923dbbf "Recursion in 'getobjname' can stack overflow"). An
 * expression like t.a.a.a... with 100,000 links costs seconds of C work,
 * outside every budget, then overflows the C stack. Nothing in the
 * sandbox can interrupt that walk, so the chunks that could ask for it
 * are refused when they are compiled: every function of the chunk is
 * read from its dump (lua_dump) and the walk any error could start is
 * bounded, in depth and in instructions scanned, before the code runs.
 */
#ifndef EDICT_BYTECODE_H
#define EDICT_BYTECODE_H

#include <stddef.h>
#include <lua.h>

/* Deepest walk allowed: table reads and moves naming one value. */
#define ED_BYTECODE_MAX_NAME_DEPTH 100

/* Most instructions a walk may scan (about a millisecond of C). */
#define ED_BYTECODE_MAX_NAME_COST 1000000

/* Check the Lua function at the top of the stack (as luaL_load left it).
 * Returns 0 when every error it could raise can be named within the
 * bounds; otherwise -1 with "chunk:line: why" in msg. *work receives the
 * size of the dump read, for callers that charge a budget. Raises
 * nothing: the dump is read into a malloc'd buffer freed before it
 * returns. */
int ed_bytecode_check(lua_State *L, char *msg, size_t msglen, size_t *work);

#endif
