/*
 * json.h — JSON in and out of Lua states, through lua-cjson.
 *
 * Decoding is cjson's, configured strictly (no NaN/Infinity, bounded
 * nesting). Encoding is canonical: object keys sorted, so the same decision
 * is the same bytes in every run (Lua 5.4 seeds its string hash per state,
 * so cjson's own table order differs from run to run). Strings are
 * written by ed_json_escape (util/jsonstr.h), which needs no Lua state.
 */
#ifndef EDICT_JSON_H
#define EDICT_JSON_H

#include <stddef.h>
#include <lua.h>

#include "util/buf.h"

/* Deepest nesting accepted on input and produced on output. */
#define ED_JSON_MAX_DEPTH 64

/* Load lua-cjson into L for host use; its functions are kept in the
 * registry, out of reach of rule code. Raises on failure. */
void ed_json_open(lua_State *L);

/* ed_json_open, protected: 0, or -1 when it failed (out of memory). */
int ed_json_open_protected(lua_State *L);

/* A plain host state (not a sandbox) with lua-cjson open, for decoding
 * input; NULL on failure. Close it with lua_close. */
lua_State *ed_json_host_state(void);

/* Decode s. On success pushes the value and returns 0; on failure pushes
 * nothing, writes cjson's message to err and returns -1. Never raises
 * (except on memory exhaustion). */
int ed_json_decode(lua_State *L, const char *s, size_t len, ed_buf *err);

/* Most values and bytes one ed_json_emit may write: a table that refers to
 * the same subtable many times would otherwise be written out in full at
 * every reference, doubling at every level. */
#define ED_JSON_MAX_VALUES 100000
#define ED_JSON_MAX_BYTES ((size_t)1 << 20)

/* Append the value at idx as canonical JSON. Returns 0, or -1 with a
 * message naming the offending path in err (functions, cycles, NaN, more
 * than ED_JSON_MAX_VALUES values or ED_JSON_MAX_BYTES bytes). */
int ed_json_emit(lua_State *L, int idx, ed_buf *out, ed_buf *err);

/* Is the value at idx JSON null (cjson.null)? */
int ed_json_is_null(lua_State *L, int idx);

#endif
