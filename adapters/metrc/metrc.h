/*
 * metrc.h — the face of adapters/metrc/: a Metrc v2 API client whose
 * requests are libcurl easy handles on one curl multi handle, driven by a
 * libev loop (no thread per request: the loop keeps serving while they are
 * in flight), and the sync and outbox built on it.
 *
 * What the client does for every request (FACTS §1):
 *  - the base URL per state (https://api-{st}.metrc.com, or
 *    sandbox-api-{st} with sandbox), or a base-URL override (the emulator;
 *    plain http only to a loopback address);
 *  - HTTP Basic with the vendor key and the user key, which no message,
 *    log line or error ever contains; TLS verification always on;
 *  - a limiter per facility (licence) and per integrator key: GET calls per
 *    second and concurrent calls (defaults 50/150/10/30);
 *  - retries with exponential back-off and full jitter on 429, 5xx, time-outs
 *    and cut connections, honouring Retry-After;
 *  - a bounded answer body; every error names the endpoint.
 */
#ifndef EDICT_METRC_H
#define EDICT_METRC_H

#include <stddef.h>
#include <time.h>

#include "store/store.h"
#include "util/buf.h"

struct ev_loop;

typedef struct ed_metrc_config {
    const char *state;      /* "or", "md", "ca"… (lowercase two letters) */
    int sandbox;            /* sandbox-api-{st} */
    const char *base_url;   /* overrides both (tests: the emulator) */
    const char *vendor_key; /* integrator key: Basic username */
    const char *user_key;   /* licensee's user key: Basic password */
    double get_per_s_facility;   /* 0: 50 */
    double get_per_s_integrator; /* 0: 150 */
    int concurrent_facility;     /* 0: 10 */
    int concurrent_integrator;   /* 0: 30 */
    int max_attempts;            /* 0: 6 */
    double backoff_s;            /* first back-off, doubled per attempt; 0: 0.25 */
    double backoff_max_s;        /* 0: 30 */
    double timeout_s;            /* per attempt; 0: 30 */
    size_t max_body;             /* 0: 32 MiB */
    int page_size;               /* 0: 20 (Metrc's maximum) */
    int window_hours;            /* lastModified slice; 0: 24 */
    int max_objects;             /* per write body; 0: 10 */
} ed_metrc_config;

typedef struct ed_metrc ed_metrc;

/* A client on loop (its own when NULL: ed_metrc_wait runs it). The keys
 * are copied. NULL with err. MUST BE FREED with ed_metrc_free. */
ed_metrc *ed_metrc_new(struct ev_loop *loop, const ed_metrc_config *cfg, ed_buf *err);
void ed_metrc_free(ed_metrc *m);

/* The keys from a file (lines vendor_key=… and user_key=…; refused
 * unless its mode is 0600 or stricter) or, with file NULL, from
 * $EDICT_METRC_VENDOR_KEY and $EDICT_METRC_USER_KEY. malloc'd into
 * *vendor and *user; 0, or -1 with err (which never holds a key). */
int ed_metrc_keys_load(const char *file, char **vendor, char **user, ed_buf *err);

/* What a request came to. error is NULL when the transport worked and the
 * status is 2xx; else it names the endpoint and says what went wrong
 * (Metrc's message when it gave one). Valid during the callback only. */
typedef struct ed_metrc_answer {
    const char *endpoint; /* "GET /packages/v2/active?licenseNumber=…" */
    long status;          /* 0 when no answer came */
    const char *body;
    size_t len;
    const char *error;
    int attempts;
} ed_metrc_answer;

typedef void (*ed_metrc_done)(void *arg, const ed_metrc_answer *a);

/* Queue a request: method GET/POST/PUT/DELETE, path with its query
 * ("/packages/v2/active?licenseNumber=L&pageSize=20"), license the facility
 * it counts against (limiter), body (NULL for none), idem_key sent as
 * X-Idempotency-Key (NULL: none; the same on every retry). done is called
 * once, from the loop. 0, or -1 with err. */
int ed_metrc_request(ed_metrc *m, const char *method, const char *path, const char *license,
                     const char *body, const char *idem_key, ed_metrc_done done, void *arg,
                     ed_buf *err);

/* Run the client's own loop until nothing is queued or in flight. */
void ed_metrc_wait(ed_metrc *m);

/* What the client did so far. */
typedef struct ed_metrc_stats {
    unsigned long requests;  /* attempts sent */
    unsigned long retries;   /* attempts that were retries */
    unsigned long throttled; /* 429 answers */
    unsigned long failed;    /* requests given up */
} ed_metrc_stats;
void ed_metrc_get_stats(const ed_metrc *m, ed_metrc_stats *out);

/* s escaped for a URL query (a licence number), malloc'd. */
char *ed_metrc_escape(const char *s);

/* The configuration in force, defaults filled in. */
const ed_metrc_config *ed_metrc_cfg(const ed_metrc *m);

/* ---- sync (sync.c) ------------------------------------------------------ */

/* The resources a sync pulls, and their lists (active and inactive). */
#define ED_METRC_RESOURCES 5
extern const char *const ed_metrc_resource_names[ED_METRC_RESOURCES];

typedef struct ed_metrc_sync_report {
    size_t counts[ED_METRC_RESOURCES]; /* objects stored, per resource */
    size_t pages;                      /* list pages fetched */
    size_t errors;
    ed_buf error_text;                 /* one line per error */
} ed_metrc_sync_report;

/* Pull every resource of licence `license` modified in [since, until)
 * into the store under tenant, window by window (window_hours each) and
 * page by page, all pages in flight together under the limiter; the run
 * goes to the store's sync log. Returns 0 when everything came, 1 when
 * some requests failed (what came is stored; report says what did not),
 * -1 with err when the store refused. Free report->error_text. */
int ed_metrc_sync(ed_metrc *m, ed_store *s, const char *tenant, const char *license,
                  time_t since, time_t until, ed_metrc_sync_report *report, ed_buf *err);

/* ---- outbox (outbox.c) -------------------------------------------------- */

/* Queue writes for Metrc: body, a JSON array of objects, is split into
 * operations of at most max_objects objects, each kept in the store's
 * outbox under key (key, key#2, key#3… for the further parts) before
 * anything is sent. A key already there is not queued again. The number
 * of operations queued, or -1 with err. */
int ed_metrc_outbox_add(ed_metrc *m, ed_store *s, const char *tenant, const char *license,
                        const char *method, const char *path, const char *body,
                        const char *key, ed_buf *err);

/* The same without a client: split at max_objects (at most 10). */
int ed_metrc_outbox_queue(ed_store *s, const char *tenant, const char *license,
                          const char *method, const char *path, const char *body,
                          const char *key, int max_objects, ed_buf *err);

/* An operation asked for over the API (POST /v1/metrc/outbox):
 * {"license", "path", "method" (POST), "key", "objects": [...]}. */
typedef struct ed_metrc_op_request {
    char *license, *method, *path, *key /* NULL when absent */, *objects;
} ed_metrc_op_request;

/* Read body into out: 0, or -1 with err naming the field (JSON pointer). */
int ed_metrc_op_parse(const char *body, size_t len, ed_metrc_op_request *out, ed_buf *err);
void ed_metrc_op_free(ed_metrc_op_request *r);

typedef struct ed_metrc_push_report {
    size_t sent, dead, retry; /* retry: left pending (Metrc unreachable) */
} ed_metrc_push_report;

/* Send every pending operation of tenant (of licence license only, unless
 * NULL: the keys are a user's, and a user may not hold every licence), each with
 * its key as X-Idempotency-Key, and record the outcome: sent (with Metrc's
 * Ids), dead (a 4xx, with Metrc's message: a 400 row names the object),
 * or still pending (retries spent on 429/5xx/time-outs: the next push
 * tries again). 0, or -1 with err. */
int ed_metrc_outbox_push(ed_metrc *m, ed_store *s, const char *tenant, const char *license,
                         ed_metrc_push_report *report, ed_buf *err);

/* ---- lookups for rules (lookup.c) ------------------------------------ */

/* What rules' edict.metrc calls may ask, with whose keys: the host makes
 * one, adds the (tenant, licence) pairs it has keys for, and hands
 * ed_metrc_lookup (with the object as its arg) to the decider. Answers
 * 200 and 404 are kept ttl_s seconds per (tenant, licence, path) (0: not
 * kept). Every call, on any thread, passes its licence's gate: at most 5
 * in flight and 25 started per second (half of Metrc's per-facility
 * limits; the sync and outbox keep the other half), waiting for a place
 * within its time-out. Thread-safe once set up. MUST BE FREED with
 * ed_metrc_lookups_free. */
typedef struct ed_metrc_lookups ed_metrc_lookups;
ed_metrc_lookups *ed_metrc_lookups_new(double ttl_s);

/* (tenant, license) may be asked, with cfg's state or base URL and keys
 * (copied). 0, or -1 with err. */
int ed_metrc_lookups_add(ed_metrc_lookups *l, const char *tenant, const char *license,
                         const ed_metrc_config *cfg, ed_buf *err);
void ed_metrc_lookups_free(ed_metrc_lookups *l);

/* Requests made so far (answers from the cache not counted). */
unsigned long ed_metrc_lookups_requests(ed_metrc_lookups *l);

/* One GET of path (with its query) for tenant with the keys of (tenant,
 * license), at most timeout_s, one attempt: the HTTP status with the
 * answer appended to body, or -1 with err (no keys configured for that
 * pair: nothing is sent; no answer came). lookups: an ed_metrc_lookups;
 * the signature is the engine's ed_lookup_fn. */
int ed_metrc_lookup(void *lookups, const char *tenant, const char *license, const char *path,
                    double timeout_s, ed_buf *body, ed_buf *err);

/* The same GET without waiting, on loop (a server worker's): the status
 * (> 0, body appended) or -1 (err) when it is answered at once (from the
 * cache, no keys for the pair, no time left); or 0 when it was sent:
 * done(arg, status, body, len, err) is then called once, from loop
 * (status -1: no answer, err says why), and until then *call may be
 * given to ed_metrc_lookup_cancel (never from within done). A loop that
 * goes must first be released: its calls are freed. */
typedef struct ed_metrc_call ed_metrc_call;
typedef void (*ed_metrc_looked_up)(void *arg, int status, const char *body, size_t len,
                                   const char *err);
int ed_metrc_lookup_start(ed_metrc_lookups *l, struct ev_loop *loop, const char *tenant,
                          const char *license, const char *path, double timeout_s,
                          ed_buf *body, ed_buf *err, ed_metrc_looked_up done, void *arg,
                          ed_metrc_call **call);
void ed_metrc_lookup_cancel(ed_metrc_call *call);
void ed_metrc_lookups_release(ed_metrc_lookups *l, struct ev_loop *loop);

#endif
