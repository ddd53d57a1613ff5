/*
 * context.h — a tenant's evaluation context: one sandboxed Lua state with
 * the packs the tenant uses (every version), its own rules, its params and
 * waivers. Contexts are never shared between tenants.
 */
#ifndef EDICT_CONTEXT_H
#define EDICT_CONTEXT_H

#include <lua.h>

#include "util/buf.h"
#include "catalog.h"
#include "sandbox.h"

/* A rule as loaded in this context. */
typedef struct ed_slot {
    const ed_pack *pack;
    const ed_rule *rule;
    int check_ref;            /* the check function, in the registry */
    const ed_waiver *waiver;  /* set when the tenant waives the rule */
} ed_slot;

/* A pack version as loaded in this context. */
typedef struct ed_loaded {
    const ed_pack *pack;
    int ctx_ref;          /* the read-only ctx its rules receive */
    int ctx_backing_ref;  /* where the host sets as_of & co per event */
    int restore_ref;      /* upvalues set back after each event, or LUA_NOREF */
    size_t first_slot, n_slots;
} ed_loaded;

/* Where ctx.obligation, ctx.retain_until and ctx.metrc_write put what a
 * rule asks for. */
typedef struct ed_sink {
    const ed_slot *slot;  /* the rule running */
    ed_buf obligations;   /* JSON objects, comma-separated */
    size_t n_obligations;
    size_t rule_obligations; /* added by the running rule */
    size_t rule_start;       /* obligations.len when it began */
    char retain[16];      /* latest date the running rule asked for */
    ed_buf metrc;         /* ctx.metrc_write: JSON objects, comma-separated */
    size_t n_metrc;
    size_t rule_metrc;    /* added by the running rule */
} ed_sink;

/* What the host gives rules to ask Metrc with (edict.metrc, lookup.c):
 * fn performs one GET for tenant with the keys configured for (tenant,
 * license), waiting at most timeout_s, and returns the HTTP status with
 * the answer in body, or -1 with err when no answer came (no keys for
 * that tenant and licence, Metrc unreachable, the time-out). NULL: no
 * host can ask (every call answers "unavailable"). */
typedef int (*ed_lookup_fn)(void *arg, const char *tenant, const char *license,
                            const char *path, double timeout_s, ed_buf *body, ed_buf *err);

typedef struct ed_lookup {
    ed_lookup_fn fn;
    void *arg;
    double timeout_s;      /* per call, at most (0: 5 s); never past the
                            * rule's own wall-time limit */
    unsigned long seq;     /* the evaluation: the per-evaluation cache's */
    ed_buf body, err;      /* fn's answer (not locals: a raise may follow) */
    ed_buf unavailable;    /* JSON objects for the decision, comma-separated */
    size_t n_unavailable;
    ed_buf answers;        /* what fn answered, for the decision's
                            * "metrc_answers" (lookup.c): JSON objects,
                            * comma-separated */
    size_t n_answers;
} ed_lookup;

/* Space the engine reuses from one event to the next, so deciding an
 * event allocates nothing that lives outside the Lua state. */
typedef struct ed_scratch {
    ed_buf findings, waivers, errors, packs, explain, bad;
    ed_buf why; /* why a check's result was refused: held across calls
                   that can raise, so it must not be a local */
    char type[136], jurisdiction[136]; /* what the memo below is for */
    unsigned char *slot_applies;       /* per slot: rule applies to them */
    unsigned char *loaded_applies;     /* per loaded pack version */
} ed_scratch;

/* The registry field holding the state's ed_context (light userdata). */
#define ED_REGISTRY_CONTEXT "edict.context"

typedef struct ed_context {
    char *tenant;
    const ed_catalog *cat;
    const ed_pack *policy;  /* NULL: the default policy (every pack) */
    ed_sandbox *sb;
    lua_State *L;
    ed_loaded *loaded;      /* by pack name, then effective_from; tenant last */
    size_t n_loaded;
    ed_slot *slots;
    size_t n_slots;
    ed_limits limits;
    ed_sink sink;
    ed_scratch scratch;
    ed_lookup lookup;       /* set by the host before deciding (may stay empty) */
} ed_context;

/* Build the context of `tenant`. With only_pack set, load only the
 * versions of that pack (fixture runs). Returns NULL with diagnostics. */
ed_context *ed_context_new(const ed_catalog *cat, const char *tenant,
                           const char *only_pack, ed_diags *d);
void ed_context_free(ed_context *ctx);

/* The contexts of several tenants, each built on first use and kept. A
 * rule may keep state in upvalues; each call is bounded, but their sum is
 * not, so a context whose Lua state has grown past
 * ED_CONTEXT_REBUILD_BYTES is freed after use and rebuilt next time. */
#define ED_CONTEXT_REBUILD_BYTES ((size_t)256 << 20)

/* The contexts built so far, found by tenant name through a hash table
 * (util/table.h: keyed SipHash, so tenants cannot pile into one chain;
 * at 50 tenants it costs about what a linear search did, and stays flat
 * as tenants grow). Zeroed is empty. */
typedef struct ed_contexts {
    ed_context **items;
    size_t n;
    struct ed_table *index; /* tenant -> ed_context *, made on first use */
} ed_contexts;

/* The context of tenant, from cat (only_pack as in ed_context_new). NULL
 * with the reasons in d when it cannot be built. */
ed_context *ed_contexts_get(ed_contexts *set, const ed_catalog *cat,
                            const char *tenant, const char *only_pack,
                            ed_diags *d);

/* Call after deciding an event in ctx. Returns 1 when ctx had grown past
 * ED_CONTEXT_REBUILD_BYTES and was freed (do not use it again), else 0. */
int ed_contexts_done(ed_contexts *set, ed_context *ctx);

/* Free every context (the set is empty and reusable afterwards). */
void ed_contexts_clear(ed_contexts *set);

#endif
