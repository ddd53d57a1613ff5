/*
 * pretty.h — a decision rendered for a person (`edict eval --format
 * pretty`); the JSON stays the record.
 */
#ifndef EDICT_PRETTY_H
#define EDICT_PRETTY_H

#include <lua.h>
#include <stddef.h>

#include "util/buf.h"

/* Append the decision JSON (one line, as the engine writes it) as text to
 * out, decoding it in L (a host state, ed_json_host_state). 0, or -1 with
 * err set when it is not a decision. */
int ed_pretty_decision(lua_State *L, const char *json, size_t len, ed_buf *out, ed_buf *err);

#endif
