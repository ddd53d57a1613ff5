/*
 * server.h — `edict serve`, shared between the connection layer
 * (server.c: libev loops, sockets, http-parser, time-outs, shutdown) and
 * the endpoints (api.c). Not a public API.
 *
 * Threads: one main thread (signals, pack-folder watchers, reload
 * debouncing) and N workers, each with its own libev loop, its own Lua
 * states (a context per tenant, per generation) and its own connections,
 * all accepting from one listening socket. What the workers share — the
 * journal, the pack generations, rate limits, idempotency keys, metrics —
 * is behind a mutex each.
 */
#ifndef EDICT_SERVER_H
#define EDICT_SERVER_H

#include <ev.h>
#include <lua.h>
#include <pthread.h>
#include <stdatomic.h>

#include "util/buf.h"
#include "config.h"
#include "engine/context.h"
#include "decider/generation.h"
#include "idempotency.h"
#include "store/journal.h"
#include "metrics.h"
#include "ratelimit.h"
#include "engine/sandbox.h"

typedef struct ed_server ed_server;
typedef struct ed_conn ed_conn;

typedef struct ed_worker {
    ed_server *srv;
    int index;
    struct ev_loop *loop;
    pthread_t thread;
    ev_io accept_watcher;
    ev_async wake;            /* a reload happened, or shutdown began */
    ev_timer grace;           /* shutdown: the in-flight requests' time */
    ed_conn *conns;           /* open connections, a list */
    int n_conns;
    ed_generation *gen;       /* the generation ctxs belong to (held) */
    ed_contexts ctxs;
    lua_State *intake;        /* JSON decoding and encoding */
    ed_sandbox **normalisers; /* per webhook source, built lazily */
    unsigned long requests;   /* for request ids */
    int draining;
} ed_worker;

struct ed_server {
    ed_config *cfg;
    int listen_fd;
    int port;                 /* bound */
    ed_worker *workers;
    int n_workers;
    ed_generations gens;
    ed_journal *journal;
    pthread_mutex_t journal_mu;
    ed_ratelimit *rate;
    ed_idem *idem;
    ed_metrics *metrics;
    atomic_int draining;
    atomic_int connections;
    struct ev_loop *main_loop;
    ev_async reload_async;    /* a worker asks main to reload (unused by admin) */
    ev_timer debounce;        /* pack folders changed: reload after a pause */
    ev_stat *stats;
    size_t n_stats;
    char started_at[32];
    char instance[24];        /* request id prefix */
};

typedef struct ed_request {
    const char *method;
    const char *path;         /* without the query */
    const char *query;        /* after '?', or "" */
    const char *authorization;
    const char *idempotency_key;
    const char *content_type;
    const char *signature;    /* X-Edict-Signature */
    const char *timestamp;    /* X-Edict-Timestamp */
    const char *body;
    size_t body_len;
    const char *request_id;
} ed_request;

typedef struct ed_response {
    int status;
    ed_buf body;
    ed_buf headers;           /* extra "Name: value\r\n" lines */
    const char *content_type; /* default application/json */
    char route[48];           /* the route template, for metrics */
    char tenant[136];         /* for the log line, when known */
} ed_response;

/* Decide the request. Runs on a worker thread, synchronously. */
void ed_api_handle(ed_worker *w, const ed_request *req, ed_response *res);

/* Set res to {"error":{"code":..,"message":..}} with status. */
void ed_api_error(ed_worker *w, ed_response *res, int status, const char *code,
                  const char *message);

/* The worker's context of tenant on its current generation. NULL with the
 * reason in err. */
ed_context *ed_worker_context(ed_worker *w, const char *tenant, ed_buf *err);

/* Make the worker's generation the current one, dropping contexts of an
 * older one. */
void ed_worker_sync_generation(ed_worker *w);

/* Tell every worker that a reload happened. */
void ed_server_wake_workers(ed_server *srv);

/* Append to the journal (locked) and make it durable. 0, or -1 with err. */
int ed_server_journal(ed_server *srv, const char *tenant, const char *bytes,
                      size_t len, ed_buf *err);
int ed_server_journal_sync(ed_server *srv, ed_buf *err);

/* Reload and journal the reload in every configured tenant's chain. */
unsigned long ed_server_reload(ed_server *srv, const char *by, ed_buf *err);

/* Monotonic seconds. */
double ed_now_mono(void);


#endif
