/*
 * jsonstr.h — JSON string escaping in plain C, byte-identical to
 * lua-cjson's, for the parts of edict that hold no Lua state.
 */
#ifndef EDICT_JSONSTR_H
#define EDICT_JSONSTR_H

#include <stddef.h>

#include "buf.h"

/* Append s (n bytes) to out as a quoted, escaped JSON string. */
void ed_json_escape(ed_buf *out, const char *s, size_t n);

#endif
