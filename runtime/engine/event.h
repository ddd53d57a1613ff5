/*
 * event.h — the envelope of an incoming event: validating the required
 * fields (so a bad event is reported with the field that is wrong) and
 * moving the decoded event into the tenant's state.
 */
#ifndef EDICT_EVENT_H
#define EDICT_EVENT_H

#include <lua.h>

#include "util/buf.h"
#include "stdlib/time.h"

#define ED_EVENT_ID_MAX 256
#define ED_EVENT_NAME_MAX 128

/* The envelope, copied out of the Lua table. */
typedef struct ed_event {
    char id[ED_EVENT_ID_MAX + 1];
    char type[ED_EVENT_NAME_MAX + 1];
    char tenant[ED_EVENT_NAME_MAX + 1];
    char jurisdiction[ED_EVENT_NAME_MAX + 1];
    char occurred_at[64];
    char as_of[64];        /* the event's as_of, the override, or occurred_at */
    ed_time occurred;
    ed_time when;          /* parsed as_of */
    int64_t occurred_day;  /* civil date of occurred_at as written */
} ed_event;

/* Check the decoded event at idx and fill ev. `tenant` (may be NULL) is
 * the tenant the caller already knows (--tenant, a bearer token): an event
 * without a tenant takes it, one with another tenant is refused.
 * `as_of` (may be NULL) overrides the event's own as_of. Returns 0, or -1
 * with a message naming the field in err. The event id is filled in as
 * soon as it is known, even on failure. */
int ed_event_read(lua_State *L, int idx, const char *tenant, const char *as_of,
                  ed_event *ev, ed_buf *err);

/* Copy the event into `to` as the read-only table rules receive
 * (ed_readonly_copy), protected: returns 0 with it pushed on `to`, or -1
 * with nothing pushed and the reason in err. */
int ed_event_copy_protected(lua_State *from, int idx, lua_State *to, ed_buf *err);

#endif
