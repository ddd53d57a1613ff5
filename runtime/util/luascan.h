/*
 * luascan.h — finding field reads in Lua source text without running it:
 * `ctx.parms`, `e.data.weight_kg`, for the warnings of `edict check` and
 * `edict lint` (file:line). Plain text: comments are skipped, strings are
 * not parsed, so it is a lint, not a proof.
 */
#ifndef EDICT_LUASCAN_H
#define EDICT_LUASCAN_H

#include <stddef.h>

/* Called for each `BASE.NAME` in the source: its line (from 1) and NAME. */
typedef void (*ed_lua_read_fn)(void *arg, int line, const char *name, size_t len);

/* Call fn for every read of a field of `base` (a dotted name such as
 * "ctx" or "e.data") outside comments, where base is not itself part of a
 * longer name (x.ctx.a and myctx.a are not reads of ctx). Also for reads
 * through a local bound to base (`local d = e.data` ... `d.x`). */
void ed_lua_field_reads(const char *src, size_t len, const char *base, ed_lua_read_fn fn,
                        void *arg);

#endif
