/*
 * generation.h — pack generations for `edict serve`: an immutable catalog
 * (every pack version and tenant overlay, checked and with passing
 * fixtures) that evaluations hold a reference to. A reload builds the next
 * generation off to the side and swaps it in atomically; the old one is
 * freed when its last holder lets go. The last good generation's files
 * are kept under the state folder, so a restart after a bad edit still
 * serves the rules that were last known to be good.
 */
#ifndef EDICT_GENERATION_H
#define EDICT_GENERATION_H

#include <pthread.h>

#include "util/buf.h"
#include "engine/catalog.h"

/* Whether a catalog may serve beyond passing `check`: every configured
 * tenant's context builds on it and (with run_fixtures) every fixture
 * passes. 0, or -1 with the reasons in err. Given by whoever starts the
 * registry (the server passes ed_decider_vet's), so this registry needs
 * nothing above it. */
typedef int (*ed_gen_vet_fn)(void *arg, const ed_catalog *cat, int run_fixtures,
                             ed_buf *err);

typedef struct ed_gen_config {
    ed_limits limits;
    char **pack_dirs;
    size_t n_pack_dirs;
    const char *tenants_dir;   /* NULL: no overlays */
    const char *state_dir;     /* the last-known-good copy; NULL: none */
    int run_fixtures;          /* a reload must pass the fixtures */
    ed_gen_vet_fn vet;         /* may be NULL */
    void *vet_arg;
} ed_gen_config;

typedef struct ed_generation {
    unsigned long id;        /* 1, 2, ... in this process */
    ed_catalog *cat;
    int refs;                /* guarded by ed_generations.mu */
    char loaded_at[32];      /* UTC, RFC 3339 */
    char source[32];         /* "packs" or "last-known-good" */
    char *packs_json;        /* [{name, version, digest, ...}] */
    char *content;           /* every pack's and tenant's folder and digest:
                              * equal content decides every event alike */
    long long published;     /* the store's generation it was built from (0: files) */
} ed_generation;

typedef struct ed_generations {
    ed_gen_config cfg;
    pthread_mutex_t mu;        /* current, refs and the last result */
    pthread_mutex_t reload_mu; /* one reload at a time */
    ed_generation *current;
    unsigned long next_id;
    /* the last reload, for /v1/packs and /metrics */
    int last_ok;
    char last_at[32];
    char last_by[96];
    char *last_errors;         /* file:line messages of a failed reload */
    long reloads_ok, reloads_failed;
    /* once a published generation serves, reloads read its folder */
    char *published_dir;
    long long published;
} ed_generations;

/* Load the first generation from the configured folders, falling back to
 * the persisted last-known-good one when they do not pass. 0, or -1 with
 * the reasons in err. */
int ed_gens_start(ed_generations *g, const ed_gen_config *cfg, ed_buf *err);
void ed_gens_stop(ed_generations *g);

/* The current generation, held: release it when done. */
ed_generation *ed_gen_acquire(ed_generations *g);
void ed_gen_release(ed_generations *g, ed_generation *gen);

/* Build, check and test a new generation and make it current. `by` says
 * who asked (signal, watch, admin:<tenant>). Returns the new generation's
 * id, or 0 when the reload failed (the current one stays; err holds the
 * file:line messages). With before/after set, fills them with the packs
 * JSON of the generation replaced and its successor (malloc'd).
 * When what was read is, file for file, what the current generation holds,
 * nothing is vetted or swapped: the current id is returned, *unchanged
 * (may be NULL) set, and before/after left NULL. A reload under load is
 * then nearly free (SIGHUP with nothing changed, a watcher's touch). */
unsigned long ed_gen_reload(ed_generations *g, const char *by, ed_buf *err,
                            char **before, char **after, int *unchanged);

/* A reload from a published generation's files, fetched into dir: built
 * and vetted as any reload, current when it passes, and from then on what
 * every reload reads (the configured pack folders are no longer read).
 * As ed_gen_reload. */
unsigned long ed_gen_reload_published(ed_generations *g, const char *dir, long long published,
                                      const char *by, ed_buf *err, char **before,
                                      char **after, int *unchanged);

/* The last reload as a JSON object {ok, at, by, errors, ok_count,
 * failed_count}. */
void ed_gen_last_reload_json(ed_generations *g, ed_buf *out);

/* UTC now as RFC 3339 with seconds. */
void ed_utc_now(char out[32]);

#endif
