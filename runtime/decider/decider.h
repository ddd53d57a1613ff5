/*
 * decider.h — the one path from an event to a decision, the face of
 * runtime/decider/. `edict eval`, `edict test`, `edict diff`, `edict
 * serve` (evaluate, webhooks, admin diff) and a reload's fixture run all
 * decide through it, so an event is read, checked, decided and journaled
 * the same way whoever sends it:
 *
 *     bytes -> intake (an object, an array, NDJSON; per-event errors)
 *           -> envelope -> the tenant's context -> engine -> store
 *
 * A decider owns the tenant contexts (Lua states), the JSON intake, the
 * catalog or generation in force and the webhook normalisers; none of its
 * callers touches a lua_State. It is used by one thread at a time (a
 * server worker has its own); the store it journals to may be shared.
 */
#ifndef EDICT_DECIDER_H
#define EDICT_DECIDER_H

#include <stdio.h>

#include "util/buf.h"
#include "engine/catalog.h"
#include "engine/engine.h"
#include "store/store.h"
#include "generation.h"

typedef struct ed_decider ed_decider;

typedef struct ed_decider_config {
    const ed_catalog *cat;     /* the packs; or NULL with gens */
    ed_generations *gens;      /* serve: decide with the current generation */
    ed_store *store;           /* journal every decision here; NULL: never */
    const char *tenant;        /* events belong to it (--tenant, a token);
                                * one naming another tenant is refused */
    const char *as_of;         /* decide as of this moment (RFC 3339) */
    int explain;               /* add the per-rule trace */
    const char *only_pack;     /* fixtures: load only this pack */
    int isolate;               /* run the rules in a supervised process of
                                * their own (serve): a crash there costs the
                                * event it was deciding, answered with a
                                * lost decision, never the caller. Only
                                * ed_decider_read_buffer goes through it. */
    double deadline_s;         /* isolate: an event's rules get this long
                                * before their process is stopped */
    ed_lookup_fn lookup;       /* how rules' edict.metrc calls are answered
                                * (context.h); NULL: "unavailable". With
                                * isolate, the evaluator process asks its
                                * worker, which calls this. */
    void *lookup_arg;
    double lookup_timeout_s;   /* per call (0: 5 s) */
    int suspend_lookups;       /* isolate: a rule's call for the reading's
                                * tenant is not made by the decider: the
                                * reading returns ED_READ_SUSPENDED and the
                                * caller makes it (ed_decider_fetch,
                                * ed_decider_resume), so a server's loop
                                * serves others meanwhile */
    ed_vault *vault;           /* the evidence vault, or NULL: an
                                * evidence.stored event's rules learn
                                * whether it holds data.sha512
                                * (ctx.evidence_in_vault) */
} ed_decider_config;

/* What became of one event. */
typedef enum ed_status {
    ED_DECIDED = 0,     /* a decision (journaled when there is a store) */
    ED_REFUSED,         /* read, but not decided: the envelope, or no pack
                         * serves it; error says why */
    ED_BAD_EVENT,       /* not readable: not UTF-8, not JSON, too large */
    ED_QUARANTINED,     /* decided, but its tenant's journal does not verify:
                         * not journaled, never told (other tenants go on) */
    ED_HOST_FAILURE     /* edict failed (a context, the journal): stop */
} ed_status;

typedef struct ed_verdict {
    ed_status status;
    const char *unit;         /* "line" or "index" */
    long where;               /* its line (from 1) or array index (from 1) */
    long ordinal;             /* the event's place in the input, from 1 */
    const char *event_id;     /* "" when unknown */
    const char *tenant;       /* "" when unknown */
    const char *type;         /* "" when unknown */
    const char *decision;     /* DECIDED: the decision JSON, one line */
    size_t len;
    const ed_outcome *outcome;/* DECIDED: flag, score, counts, id, retention */
    ed_ticket ticket;         /* DECIDED with a store: commit before telling */
    const char *error;        /* otherwise: why */
    double seconds;           /* time spent deciding */
} ed_verdict;

/* Called for every event, in input order. Nonzero stops the reading. The
 * verdict's strings are valid during the call only. */
typedef int (*ed_verdict_fn)(void *arg, const ed_verdict *v);

/* NULL with err set when the JSON intake cannot be started. MUST BE FREED
 * with ed_decider_free. */
ed_decider *ed_decider_new(const ed_decider_config *cfg, ed_buf *err);
void ed_decider_free(ed_decider *d);

/* Open the input the commands take: a file, or "-" for stdin. A folder
 * is refused (EISDIR). NULL with errno set. */
FILE *ed_decider_open_input(const char *path);

/* Read every event of f (path names it in messages) and decide each.
 * Returns 0, or -1 when f could not be read or a verdict was a host
 * failure. */
int ed_decider_read_file(ed_decider *d, FILE *f, const char *path,
                         ed_verdict_fn fn, void *arg);

/* The same for a buffer (an HTTP body), read whole before anything is
 * decided: with more than max_events events (0: no limit) nothing is
 * decided and -2 is returned. */
int ed_decider_read_buffer(ed_decider *d, const char *body, size_t len,
                           size_t max_events, ed_verdict_fn fn, void *arg);

/* A reading waiting for the answer to a rule's Metrc GET (only with
 * suspend_lookups): the rule's process waits; the caller asks Metrc with
 * lookup's signature (for tenant: the reading's own) and gives the
 * answer to ed_decider_resume, which reads on and returns as
 * ed_decider_read_buffer does (ED_READ_SUSPENDED again at the next call).
 * The body given to read_buffer must stay alive meanwhile, or be moved
 * (ed_decider_moved: the same bytes at a new address). abandon gives the
 * reading up (its process is stopped; what was handed over stands). */
#define ED_READ_SUSPENDED 1
typedef struct ed_fetch {
    const char *tenant, *license, *path;
    double timeout_s;
} ed_fetch;
const ed_fetch *ed_decider_fetch(const ed_decider *d); /* NULL: not waiting */
int ed_decider_resume(ed_decider *d, int status, const char *body, size_t len,
                      const char *err);
void ed_decider_moved(ed_decider *d, const char *body);
void ed_decider_abandon(ed_decider *d);

/* The error entry of an event not decided, as eval prints it and the
 * HTTP API lists it: {"line":N,"event_id":"…","error":"…"} ("index" for an
 * array element; event_id when known). */
void ed_decider_error_json(ed_decider *d, const ed_verdict *v, ed_buf *out);

/* Make what was journaled up to ticket durable (ED_TICKET_ALL: all). */
int ed_decider_commit(ed_decider *d, ed_ticket ticket, ed_buf *err);

/* With gens: move to the current generation now (a reload happened),
 * dropping the contexts of the old one. Returns its id. */
unsigned long ed_decider_refresh(ed_decider *d);

/* A webhook source's normaliser: Lua code (file named `chunkname`) that
 * returns function(payload) -> event | { event, ... }. */
typedef struct ed_normaliser {
    const char *name;
    const char *chunkname;
    const char *code;
} ed_normaliser;

/* Run normaliser k (loaded in its own sandbox on first use, kept) on a
 * JSON payload; the events it makes are written to events as JSON, for
 * ed_decider_read_buffer. Returns 0; 1 when the payload is not JSON
 * (err); 2 when the normaliser failed on it (err, with file:line); -1
 * when it cannot be loaded (err). */
int ed_decider_normalise(ed_decider *d, size_t k, const ed_normaliser *src,
                         const ed_limits *limits, const char *payload,
                         size_t len, ed_buf *events, ed_buf *err);

/* A JSON answer for the HTTP API: a status and its body. */
typedef struct ed_answer {
    int status;
    ed_buf body;
} ed_answer;

/* What POST /v1/admin/diff may use. */
typedef struct ed_admin_diff_env {
    ed_store *store;                /* where the tenant's decisions are */
    const ed_limits *limits;
    const char *default_tenants_dir; /* the configured overlays, or NULL */
    size_t max_events;
    int isolate;                    /* the "to" packs and the rules in an
                                     * evaluator process (serve's
                                     * isolate_rules) */
    double deadline_s;              /* that process's time */
} ed_admin_diff_env;

/* POST /v1/admin/diff (README.md): what the packs under "to" would
 * change for a tenant's events, as `edict diff --json` reports it. Fills
 * answer (200, or 4xx/5xx with {"error":…}) and returns its status. */
int ed_decider_admin_diff(ed_decider *d, const ed_admin_diff_env *env, const char *body,
                          size_t len, ed_answer *answer);

/* The events' tenant from now on (a bearer token's), or NULL. */
void ed_decider_set_tenant(ed_decider *d, const char *tenant);

/* May cat serve? Every tenant's context builds on it and, with
 * run_fixtures, every fixture passes (a reload's test; generation.h's
 * ed_gen_vet_fn calls it). 0, or -1 with the reasons in err. */
int ed_decider_vet(const ed_catalog *cat, char *const *tenants, size_t n_tenants,
                   int run_fixtures, ed_buf *err);

/* With isolate: how many evaluator processes were lost (crashed, or
 * stopped at the deadline) so far. */
unsigned long ed_decider_losses(const ed_decider *d);

/* ed_decider_vet in a process of its own (serve, isolate_rules): packs or
 * overlays whose code crashes the interpreter fail the reload, not the
 * server; deadline_s bounds it. */
int ed_decider_vet_apart(const ed_catalog *cat, char *const *tenants, size_t n_tenants,
                         int run_fixtures, double deadline_s, ed_buf *err);

/* Replay (docs/AUDIT.md, "Replay"). Keep cat in the store s (its
 * manifest and the pack versions it lists, by digest): hex gets the
 * catalog's digest, which each decision's entry names. 0, or -1 with err
 * (a store that keeps no catalogs: 0). The decider does this itself at
 * the first decision it journals on a catalog. */
int ed_decider_keep_catalog(ed_store *s, const ed_catalog *cat, char hex[65], ed_buf *err);

/* Deciding journaled decisions again: each entry's event bytes, by the
 * catalog its entry names (restored from the store, under the labels it
 * decided with; loaded once per replayer), as of the decision's as_of,
 * for its tenant; limits are the catalog's defaults. */
typedef struct ed_replayer ed_replayer;
ed_replayer *ed_replayer_new(ed_store *s, const ed_limits *limits, ed_buf *err);
/* The same with the catalogs of a folder laid out as the file store's
 * packs/ (a regulator package's replay/, ed_package_each_decision). */
ed_replayer *ed_replayer_new_kept(const char *kept_dir, const ed_limits *limits, ed_buf *err);
void ed_replayer_free(ed_replayer *r);

/* Decide e again: the decision into out. ED_REPLAY_SAME (byte for byte),
 * ED_REPLAY_DIFFERENT (why says from which byte), ED_REPLAY_CANNOT (why:
 * no event kept, archived, its catalog missing or not loading). */
#define ED_REPLAY_SAME 0
#define ED_REPLAY_DIFFERENT 1
#define ED_REPLAY_CANNOT 2
int ed_replay_entry(ed_replayer *r, const ed_entry *e, ed_buf *out, ed_buf *why);

/* The catalog in force (with gens: the current generation's). */
const ed_catalog *ed_decider_catalog(ed_decider *d);

#endif
