/*
 * api.h — the endpoints of `edict serve` (api.c): what every worker
 * shares (ed_service: the configuration, the pack generations, the store,
 * rate limits, idempotency keys, metrics) and what each worker brings (its
 * decider). The connection layer (server.c) calls down into this; nothing
 * here calls back up, except through the wake_workers hook it is given.
 */
#ifndef EDICT_API_H
#define EDICT_API_H

#include <stdatomic.h>

#include "http.h"
#include "config.h"
#include "idempotency.h"
#include "metrics.h"
#include "ratelimit.h"
#include "decider/decider.h"

typedef struct ed_service {
    ed_config *cfg;
    ed_generations gens;
    ed_store *store;
    ed_vault *vault;          /* NULL: no evidence keys configured */
    ed_ratelimit *rate;
    ed_idem *idem;
    ed_metrics *metrics;
    atomic_int draining;
    atomic_int connections;
    char started_at[32];
    char instance[24];        /* request id prefix */
    /* after a reload: tell every worker (set by the connection layer) */
    void (*wake_workers)(void *arg);
    void *wake_arg;
} ed_service;

/* A worker's lanes: deciders of its own (each its own Lua states, and
 * its own evaluator process). A lane whose evaluation waits for a rule's
 * Metrc call is held by it; the others go on deciding. */
#define ED_API_MAX_LANES 9

typedef struct ed_api_worker {
    ed_service *svc;
    ed_decider *lanes[ED_API_MAX_LANES];
    int n_lanes;
    ed_api_pending *held[ED_API_MAX_LANES]; /* the evaluation waiting on it */
    int lane;                 /* the one ed_api_handle chose */
    int index;
} ed_api_worker;

/* Decide the request. Runs on a worker thread. A request that decides
 * events answers in res at once, or:
 *  - res->busy: every lane is held; nothing was done, handle it again
 *    once an evaluation ended (ed_api_resume returned 0, or abandon);
 *  - res->pending: a rule asked Metrc (ed_api_pending_fetch says what);
 *    the caller makes the GET on its loop, serving others meanwhile, and
 *    gives the answer to ed_api_resume, which returns 1 while the
 *    evaluation waits for another, and 0 once res is the answer (as
 *    ed_api_handle would have filled it). The same res is to be given
 *    each time. ed_api_abandon gives the evaluation up (the connection
 *    layer stops). */
void ed_api_handle(ed_api_worker *w, const ed_request *req, ed_response *res);
const ed_fetch *ed_api_pending_fetch(const ed_api_pending *p);
int ed_api_resume(ed_api_pending *p, int status, const char *body, size_t len,
                  const char *err, ed_response *res);
void ed_api_abandon(ed_api_pending *p);

/* Is a lane free (a request that decides would not be busy)? */
int ed_api_lane_free(const ed_api_worker *w);

/* After a reload: every lane not held moves to the new generation now. */
void ed_api_refresh(ed_api_worker *w);

/* POST /v1/evidence takes its body as a stream, never whole in memory:
 * streams says which requests do (from the request line); begin
 * authenticates from the headers (NULL after filling res: the body is
 * then read and dropped); data gives each piece of the body (-1: stop
 * keeping it, the answer comes at the end); end answers and frees; abort
 * (the connection went mid-body) frees and keeps nothing. */
typedef struct ed_api_upload ed_api_upload;
int ed_api_streams(const char *method, const char *path);
ed_api_upload *ed_api_upload_begin(ed_api_worker *w, const ed_request *req, ed_response *res);
int ed_api_upload_data(ed_api_upload *u, const char *data, size_t n);
void ed_api_upload_end(ed_api_upload *u, ed_response *res);
void ed_api_upload_abort(ed_api_upload *u);

/* A deferred answer (res->commit): make every decision up to ticket
 * durable; 0, or -1 with err. Safe from any thread (the store's group
 * commit): the connection layer calls it from its committer thread. */
int ed_api_commit(ed_api_worker *w, uint64_t ticket, ed_buf *err);
/* The answer when the commit covering res's decisions failed: 503
 * not_journaled with Retry-After: 1, whatever res held. */
void ed_api_not_journaled(ed_response *res, const char *why);

/* Set res to {"error":{"code":..,"message":..}} with status. */
void ed_api_error(ed_response *res, int status, const char *code, const char *message);

/* Reload the packs and journal the reload in every configured tenant's
 * chain. `by` says who asked. The new generation's id, or 0 (err); when
 * nothing changed, the serving one's with *unchanged set (may be NULL). */
unsigned long ed_api_reload(ed_service *svc, const char *by, ed_buf *err, int *unchanged);
/* The same from a published generation's files in dir (NULL: the
 * configured folders, as ed_api_reload). */
unsigned long ed_api_reload_published(ed_service *svc, const char *by, const char *dir,
                                      long long published, ed_buf *err, int *unchanged);

/* May a catalog serve the configured tenants (generation.h's vet, given
 * the service as arg)? */
int ed_api_vet(void *svc, const ed_catalog *cat, int run_fixtures, ed_buf *err);

#endif
