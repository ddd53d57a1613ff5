/*
 * evaluator.h — a decider's rules in a process of their own (internal to
 * runtime/decider/; others use decider.h's `isolate`).
 *
 * Tenants write rules, and the Lua interpreter has crashes nobody knows
 * yet. A server's decider therefore keeps the store and hands each body
 * to an evaluator: a child forked from it that holds the Lua states
 * (intake, tenant contexts, engine) and answers with verdicts over a
 * socketpair. When the child dies or overruns its deadline, the event it
 * was deciding (it says which in shared memory) is answered with a lost
 * decision (ed_engine_lost), a new child takes up the rest of the body,
 * and nothing else in the server notices.
 */
#ifndef EDICT_EVALUATOR_H
#define EDICT_EVALUATOR_H

#include "decide.h"

/* An evaluator for d, started now (the fork happens here: call it before
 * the threads start where possible). NULL with err set when no process
 * can be started. MUST BE FREED with ed_evaluator_free. */
ed_evaluator *ed_evaluator_new(ed_decider *d, double deadline_s, ed_buf *err);

/* Stop the process; the evaluator starts a new one when next used (after
 * a reload, so that the new one holds the new generation). */
void ed_evaluator_stop(ed_evaluator *e);

/* Stops the process too. */
void ed_evaluator_free(ed_evaluator *e);

/* ed_decider_read_buffer through the evaluator: the same verdicts, in the
 * same order, handed to d's reading callback; decisions are journaled
 * here, in the caller's process. */
int ed_evaluator_read_buffer(ed_evaluator *e, const char *body, size_t len,
                             size_t max_events);

/* With the decider's suspend_lookups, ed_evaluator_read_buffer (and
 * resume) return ED_READ_SUSPENDED when a rule's edict.metrc call waits:
 * fetch says what to ask (NULL when not suspended); resume gives the
 * answer (status < 0: none, err why) and reads on; moved says the body
 * now lives at a new address (the same bytes); abandon stops the process
 * mid-request (the caller gives the request up). */
const ed_fetch *ed_evaluator_fetch(const ed_evaluator *e);
int ed_evaluator_resume(ed_evaluator *e, int status, const char *body, size_t len,
                        const char *err);
void ed_evaluator_moved(ed_evaluator *e, const char *body);
void ed_evaluator_abandon(ed_evaluator *e);

/* How many times a process was lost (crashed, or stopped at its
 * deadline) since the evaluator was made. */
unsigned long ed_evaluator_losses(const ed_evaluator *e);

/* fn(arg, out) in a process of its own (named edict-vet), for work that
 * runs tenants' code outside a request (a reload's vetting): its return
 * and what it wrote to out come back. -1 with the reason in out when the
 * process is lost or runs past deadline_s. */
int ed_evaluator_call(int (*fn)(void *arg, ed_buf *out), void *arg, double deadline_s,
                      ed_buf *out);

/* In the child: the event whose rules are about to run (v's ordinal and
 * place, ev's envelope), and that they are done. */
void ed_progress_begin(ed_progress *p, const ed_verdict *v, const ed_event *ev);
void ed_progress_end(ed_progress *p);

#endif
