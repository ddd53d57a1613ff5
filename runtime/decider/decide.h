/*
 * decide.h — the decider's one-event step, for the parts of
 * runtime/decider/ that read events their own way (diff.c compares two
 * deciders on one decoded event; fixtures.c). Not for other folders: they
 * use decider.h.
 */
#ifndef EDICT_DECIDE_H
#define EDICT_DECIDE_H

#include <lua.h>

#include "decider.h"

/* Decide the decoded event on top of L (popped): fills v (status, error,
 * event id, ...); a decision goes to out, its outcome to o, and into the
 * store when the decider has one. v->unit/where/ordinal are the
 * caller's. */
void ed_decide_top(ed_decider *d, lua_State *L, ed_verdict *v, ed_buf *out,
                   ed_outcome *o);

/* The decider's JSON state, to decode events into for ed_decide_top. */
lua_State *ed_decider_intake(ed_decider *d);

/* Decode the events of text (an object, an array, NDJSON: as evaluate
 * reads a body) into a list pushed on the decider's intake state. The
 * count, or -1 with the first unreadable event's place and reason in err
 * (nothing pushed). */
long ed_decider_decode_list(ed_decider *d, const char *text, size_t len, ed_buf *err);

#endif
