/*
 * engine.h — deciding one event in a tenant's context: pick the pack
 * versions in force, run each applicable rule under the sandbox limits,
 * and assemble the decision (DESIGN.md "Core data") as canonical JSON.
 */
#ifndef EDICT_ENGINE_H
#define EDICT_ENGINE_H

#include "util/buf.h"
#include "context.h"
#include "event.h"

typedef enum ed_flag { ED_FLAG_GREEN = 0, ED_FLAG_YELLOW, ED_FLAG_RED } ed_flag;

const char *ed_flag_name(ed_flag f);

/* What the host found in the evidence vault for an evidence.stored
 * event's data.sha512 (a fact it passes down: the engine has no store). */
#define ED_VAULT_UNKNOWN 0 /* not asked: no vault, or not evidence.stored */
#define ED_VAULT_MISSING 1 /* the tenant's vault does not hold it */
#define ED_VAULT_HELD 2    /* it does */

typedef struct ed_eval_options {
    int explain; /* add the per-rule trace (with timings) */
    int vault;   /* ED_VAULT_*: rules read it as ctx.evidence_in_vault (nil,
                  * false, true); a known one is written in the decision */
} ed_eval_options;

#define ED_OUTCOME_MAX_FIRED 64

/* What one rule may put in one decision. More is an error of the rule:
 * a decision must stay small enough to read, store and send. */
#define ED_MAX_FINDINGS_PER_RULE 1000
#define ED_MAX_OBLIGATIONS_PER_RULE 100
#define ED_MAX_TEXT_BYTES (16 * 1024)         /* a message, action, note */
#define ED_MAX_RULE_OUTPUT_BYTES (1024 * 1024) /* findings + obligations */
#define ED_MAX_METRC_WRITES_PER_RULE 10       /* ctx.metrc_write calls */
#define ED_MAX_METRC_OBJECTS 10               /* objects per write (Metrc's) */

/* What the caller may want to know about a decision without parsing it. */
typedef struct ed_outcome {
    ed_flag flag;
    int score;
    int counts[ED_SEV_COUNT];
    size_t n_errors;
    struct {
        const ed_rule *rule;
        ed_severity severity;
    } fired[ED_OUTCOME_MAX_FIRED]; /* one per finding, the first ones */
    size_t n_fired;
    struct {
        const char *pack;     /* the pack whose rule failed (the catalog's) */
        ed_stop stop;         /* the limit that stopped it, if any */
    } errored[ED_OUTCOME_MAX_FIRED]; /* one per error, the first ones */
    size_t n_errored;
    char decision_id[40];     /* "dec-" + 32 hex digits */
    char retention_until[16]; /* YYYY-MM-DD, or "" when none */
} ed_outcome;

/* Decide the event whose decoded table (plain, or already read-only as
 * ed_event_copy_protected leaves it) is on top of ctx's stack (it is
 * popped) and whose envelope is ev. Appends the decision JSON (one line,
 * no newline) to out. Returns 0 when decided; 1 when the event is refused
 * (err names the field); -1 on a host failure (err says what). */
int ed_engine_evaluate(ed_context *ctx, const ed_event *ev,
                       const ed_eval_options *opt, ed_buf *out,
                       ed_outcome *outcome, ed_buf *err);

/* The decision for an event whose rules never answered (the process
 * evaluating them stopped): no findings, no packs, one error entry
 * {"rules":"all","message":why}, so yellow: a person must look, and the
 * event may be sent again. Needs no context. */
void ed_engine_lost(const ed_event *ev, const ed_eval_options *opt, const char *why,
                    ed_buf *out, ed_outcome *outcome);

#endif
