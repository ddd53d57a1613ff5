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
#include "intake.h"
#include "engine/context.h"
#include "engine/event.h"
#include "engine/sandbox.h"

typedef struct ed_evaluator ed_evaluator; /* evaluator.h */
typedef struct ed_progress ed_progress;

struct ed_decider {
    ed_decider_config cfg;
    const ed_catalog *cat;       /* in force */
    ed_generation *gen;          /* held, with cfg.gens */
    ed_contexts contexts;
    lua_State *intake;           /* cjson, to decode events into */
    ed_buf out, err, scratch;
    ed_buf writes;               /* a Metrc write's body, being encoded */
    /* the envelope of the event being decided, for its verdict */
    char id[ED_EVENT_ID_MAX + 1], tenant[ED_EVENT_NAME_MAX + 1], type[ED_EVENT_NAME_MAX + 1];
    char occurred_at[64];
    ed_sandbox **normalisers;
    size_t n_normalisers;
    /* the reading under way */
    ed_verdict_fn fn;
    void *arg;
    long ordinal;
    int failed;
    /* with cfg.isolate, in the server: the process that runs the rules */
    ed_evaluator *evaluator;
    /* in that process: what the request asks of this reading */
    ed_progress *progress;       /* where it says which event it is on */
    long from;                   /* decide no event before this ordinal */
    const long *skip;            /* nor these (their evaluation crashed) */
    size_t n_skip;
    long refuse_from;            /* refuse every event from this one (0: none) */
    const char *refuse_why;
    /* replay: the exact bytes of the event being decided (NULL: not
     * known), their offset in a buffer read, and the catalog kept in the
     * store (its digest), journaled with each decision */
    ed_intake_span span;
    const char *event;
    size_t event_len, event_off;
    const ed_catalog *kept;
    char kept_hex[65];
    int vault_given;             /* replay: the vault fact the decision
                                  * recorded (ED_VAULT_*), else 0 */
};

/* Decide the decoded event on top of L (popped): fills v (status, error,
 * event id, ...); a decision goes to out, its outcome to o, and into the
 * store when the decider has one. v->unit/where/ordinal are the
 * caller's. */
void ed_decide_top(ed_decider *d, lua_State *L, ed_verdict *v, ed_buf *out,
                   ed_outcome *o);

/* Journal the decision of v (DECIDED, its outcome o): fills v->ticket,
 * or turns v into QUARANTINED or HOST_FAILURE. */
void ed_decider_journal(ed_decider *d, ed_verdict *v, const char *occurred_at,
                        const ed_outcome *o);

/* Give v to the reading's callback. Nonzero: stop reading. */
int ed_decider_hand_over(ed_decider *d, ed_verdict *v);

/* The decider's JSON state, to decode events into for ed_decide_top. */
lua_State *ed_decider_intake(ed_decider *d);

/* Decode the events of text (an object, an array, NDJSON: as evaluate
 * reads a body) into a list pushed on the decider's intake state. The
 * count, or -1 with the first unreadable event's place and reason in err
 * (nothing pushed). */
long ed_decider_decode_list(ed_decider *d, const char *text, size_t len, ed_buf *err);

#endif
