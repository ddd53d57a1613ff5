/*
 * lookup.c — the GETs rules' edict.metrc calls make (metrc.h, "lookups
 * for rules"), for the host to hand the engine as its ed_lookup function.
 *
 * Keys are per (tenant, licence) as the host configured them: a tenant's
 * call for a licence it has no keys for is answered "no Metrc keys are
 * configured" without a request, so no tenant ever uses another's keys.
 * Each call is one attempt (no retry: its time is the rule's) on a client
 * of its own, waiting at most the time-out it is given. 200 and 404
 * answers are kept for ttl_s per (tenant, licence, path), shared by the
 * threads of a server (a mutex around the cache, never around a request).
 *
 * Rules' calls share a gate per licence, across every thread: at most
 * LOOKUP_CONCURRENT in flight and LOOKUP_PER_S started per second, half of
 * what Metrc allows a facility (FACTS §1: 10 at once, 50 GET/s), the other
 * half left to the licence's sync and outbox. Metrc answers a call past
 * its limits 429, which a rule would see as "unavailable" (a yellow it did
 * not earn): a call over the gate waits for it instead, within its
 * time-out, and is unavailable only when the time-out passes first.
 */
#define _DEFAULT_SOURCE

#include "metrc.h"
#include "util/fsutil.h"

#include <ev.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CACHED 512
#define MAX_ANSWER ((size_t)4 << 20)
#define LOOKUP_CONCURRENT 5
#define LOOKUP_PER_S 25.0
#define GATE_POLL_S 0.005 /* a call at a full gate looks again this often */

typedef struct creds {
    char *tenant, *license, *state, *base_url, *vendor, *user;
    int sandbox;
    size_t gate;               /* its licence's, in l->gates */
} creds;

/* A licence's share of Metrc's limits for rules' calls (under l->mu). */
typedef struct gate {
    char *license;
    int in_flight;
    double tokens, refilled;   /* calls that may start now; when counted */
} gate;

typedef struct cached {
    char *key;
    long status;
    char *body;
    size_t len;
    double expires;
} cached;

struct ed_metrc_lookups {
    double ttl_s;
    creds *creds;
    size_t n_creds;
    pthread_mutex_t mu;
    cached cache[MAX_CACHED];
    size_t n_cached;
    unsigned long requests;
    struct ed_metrc_call *calls; /* in flight or finished, not freed yet */
    gate *gates;
    size_t n_gates;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ed_metrc_lookups *ed_metrc_lookups_new(double ttl_s)
{
    ed_metrc_lookups *l = calloc(1, sizeof *l);
    if (l == NULL) {
        abort();
    }
    l->ttl_s = ttl_s >= 0 ? ttl_s : 30;
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

int ed_metrc_lookups_add(ed_metrc_lookups *l, const char *tenant, const char *license,
                         const ed_metrc_config *cfg, ed_buf *err)
{
    if (tenant == NULL || license == NULL || cfg->vendor_key == NULL ||
        cfg->user_key == NULL || (cfg->state == NULL && cfg->base_url == NULL)) {
        ed_buf_puts(err, "metrc lookups: a tenant, a licence, the keys and a state or "
                         "base URL are needed");
        return -1;
    }
    creds *grown = realloc(l->creds, (l->n_creds + 1) * sizeof *grown);
    if (grown == NULL) {
        abort();
    }
    l->creds = grown;
    creds *c = &l->creds[l->n_creds++];
    c->tenant = ed_strdup_or_null(tenant);
    c->license = ed_strdup_or_null(license);
    c->state = ed_strdup_or_null(cfg->state);
    c->base_url = ed_strdup_or_null(cfg->base_url);
    c->vendor = ed_strdup_or_null(cfg->vendor_key);
    c->user = ed_strdup_or_null(cfg->user_key);
    c->sandbox = cfg->sandbox;
    c->gate = l->n_gates;
    for (size_t i = 0; i < l->n_gates; i++) {
        if (strcmp(l->gates[i].license, license) == 0) {
            c->gate = i;
        }
    }
    if (c->gate == l->n_gates) {
        gate *more = realloc(l->gates, (l->n_gates + 1) * sizeof *more);
        if (more == NULL) {
            abort();
        }
        l->gates = more;
        l->gates[l->n_gates++] = (gate){ed_strdup(license), 0, LOOKUP_CONCURRENT, now_s()};
    }
    return 0;
}

/* Take a place at the licence's gate: 1, or 0 when it is full now. */
static int gate_take(ed_metrc_lookups *l, size_t gi)
{
    pthread_mutex_lock(&l->mu);
    gate *g = &l->gates[gi];
    double now = now_s();
    g->tokens += (now - g->refilled) * LOOKUP_PER_S;
    if (g->tokens > LOOKUP_CONCURRENT) {
        g->tokens = LOOKUP_CONCURRENT; /* a burst: as many as may fly */
    }
    g->refilled = now;
    int took = g->in_flight < LOOKUP_CONCURRENT && g->tokens >= 1;
    if (took) {
        g->in_flight++;
        g->tokens -= 1;
    }
    pthread_mutex_unlock(&l->mu);
    return took;
}

static void gate_give(ed_metrc_lookups *l, size_t gi)
{
    pthread_mutex_lock(&l->mu);
    l->gates[gi].in_flight--;
    pthread_mutex_unlock(&l->mu);
}

/* The message of a call that found the gate full for its whole time. */
static void gate_full(const creds *c, const char *path, ed_buf *err)
{
    ed_buf_printf(err, "GET %s: %d calls for licence %s were in flight (edict's share of "
                  "Metrc's limits) for the whole time-out", path, LOOKUP_CONCURRENT,
                  c->license);
}

void ed_metrc_lookups_free(ed_metrc_lookups *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n_creds; i++) {
        creds *c = &l->creds[i];
        free(c->tenant);
        free(c->license);
        free(c->state);
        free(c->base_url);
        if (c->vendor) {
            memset(c->vendor, 0, strlen(c->vendor));
        }
        if (c->user) {
            memset(c->user, 0, strlen(c->user));
        }
        free(c->vendor);
        free(c->user);
    }
    free(l->creds);
    for (size_t i = 0; i < l->n_gates; i++) {
        free(l->gates[i].license);
    }
    free(l->gates);
    for (size_t i = 0; i < l->n_cached; i++) {
        free(l->cache[i].key);
        free(l->cache[i].body);
    }
    pthread_mutex_destroy(&l->mu);
    free(l);
}

unsigned long ed_metrc_lookups_requests(ed_metrc_lookups *l)
{
    pthread_mutex_lock(&l->mu);
    unsigned long n = l->requests;
    pthread_mutex_unlock(&l->mu);
    return n;
}

typedef struct answer {
    long status;
    ed_buf body, error;
} answer;

static void got(void *arg, const ed_metrc_answer *a)
{
    answer *r = arg;
    r->status = a->status;
    ed_buf_append(&r->body, a->body ? a->body : "", a->body ? a->len : 0);
    if (a->error) {
        ed_buf_puts(&r->error, a->error);
    }
}

/* The cached answer for key, copied into body: its status, or 0. */
static long from_cache(ed_metrc_lookups *l, const char *key, ed_buf *body)
{
    long status = 0;
    double now = now_s();
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->n_cached; i++) {
        if (strcmp(l->cache[i].key, key) == 0 && l->cache[i].expires > now) {
            status = l->cache[i].status;
            ed_buf_append(body, l->cache[i].body, l->cache[i].len);
            break;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return status;
}

static void to_cache(ed_metrc_lookups *l, const char *key, long status, const ed_buf *body)
{
    if (l->ttl_s <= 0) {
        return;
    }
    double now = now_s();
    pthread_mutex_lock(&l->mu);
    size_t slot = l->n_cached;
    for (size_t i = 0; i < l->n_cached; i++) {
        if (strcmp(l->cache[i].key, key) == 0 || l->cache[i].expires <= now) {
            slot = i;
            break;
        }
    }
    if (slot == MAX_CACHED) {
        slot = 0; /* full of live answers: the one closest to expiring goes */
        for (size_t i = 1; i < l->n_cached; i++) {
            if (l->cache[i].expires < l->cache[slot].expires) {
                slot = i;
            }
        }
    }
    if (slot == l->n_cached) {
        l->n_cached++;
    } else {
        free(l->cache[slot].key);
        free(l->cache[slot].body);
    }
    cached *c = &l->cache[slot];
    c->key = ed_strdup_or_null(key);
    c->status = status;
    c->len = body->len;
    c->body = malloc(body->len + 1);
    if (c->body == NULL) {
        abort();
    }
    memcpy(c->body, body->data ? body->data : "", body->len);
    c->expires = now + l->ttl_s;
    pthread_mutex_unlock(&l->mu);
}

/* What is known before asking: 0 when path must be asked (*cp the keys,
 * key the cache key), else the answer now: a cached status (body
 * appended) or -1 (err: no keys for the pair, no time left). */
static int prepare(ed_metrc_lookups *l, const char *tenant, const char *license,
                   const char *path, double timeout_s, const creds **cp, ed_buf *key,
                   ed_buf *body, ed_buf *err)
{
    const creds *c = NULL;
    for (size_t i = 0; l != NULL && i < l->n_creds && c == NULL; i++) {
        if (strcmp(l->creds[i].tenant, tenant) == 0 &&
            strcmp(l->creds[i].license, license) == 0) {
            c = &l->creds[i];
        }
    }
    if (c == NULL) {
        ed_buf_printf(err, "no Metrc keys are configured for tenant %s and licence %s",
                      tenant, license);
        return -1;
    }
    if (timeout_s < 0.001) {
        ed_buf_printf(err, "GET %s: no time left to ask", path);
        return -1;
    }
    ed_buf_printf(key, "%s%c%s%c%s", tenant, 0x1f, license, 0x1f, path);
    long status = from_cache(l, key->data, body);
    *cp = c;
    return (int)status;
}

/* A client for one GET with c's keys, on loop: one attempt, at most
 * timeout_s. */
static ed_metrc *client_for(const creds *c, struct ev_loop *loop, double timeout_s,
                            ed_buf *err)
{
    ed_metrc_config mc = {0};
    mc.state = c->state;
    mc.base_url = c->base_url;
    mc.sandbox = c->sandbox;
    mc.vendor_key = c->vendor;
    mc.user_key = c->user;
    mc.timeout_s = timeout_s;
    mc.max_attempts = 1;
    mc.max_body = MAX_ANSWER;
    return ed_metrc_new(loop, &mc, err);
}

/* What the GET came to: the status with the answer appended to body (200
 * and 404 kept in the cache), or -1 with err. */
static int settle(ed_metrc_lookups *l, const char *key, const answer *a, ed_buf *body,
                  ed_buf *err)
{
    pthread_mutex_lock(&l->mu);
    l->requests++;
    pthread_mutex_unlock(&l->mu);
    if (a->status <= 0) {
        ed_buf_puts(err, a->error.len ? a->error.data : "no answer");
        return -1;
    }
    ed_buf_append(body, a->body.data ? a->body.data : "", a->body.len);
    if (a->status == 200 || a->status == 404) {
        to_cache(l, key, a->status, &a->body);
    }
    return (int)a->status;
}

/* ---- the same without waiting, on a caller's loop ------------------------ */

struct ed_metrc_call {
    ed_metrc_lookups *l;
    struct ev_loop *loop;
    const creds *cr;
    char *path;
    double deadline;
    ed_metrc *m;               /* once sent */
    ed_buf key;
    answer a;
    ed_metrc_looked_up done;
    void *arg;
    int holds_gate;            /* a place at its licence's gate */
    int waiting;               /* for the gate: `wait` runs */
    ev_timer wait;
    int finished;              /* done was called: freed by reap */
    ed_metrc_call *next;       /* l->calls, under l->mu */
};

static void call_free(ed_metrc_call *c)
{
    if (c->waiting) {
        ev_timer_stop(c->loop, &c->wait);
    }
    if (c->holds_gate) {
        gate_give(c->l, c->cr->gate);
    }
    ed_metrc_free(c->m);
    free(c->path);
    ed_buf_free(&c->key);
    ed_buf_free(&c->a.body);
    ed_buf_free(&c->a.error);
    free(c);
}

/* Free loop's finished calls (all of them with every_one: the loop is
 * going), never one whose client is in its own callback. */
static void reap(ed_metrc_lookups *l, struct ev_loop *loop, int every_one)
{
    ed_metrc_call *gone = NULL;
    pthread_mutex_lock(&l->mu);
    for (ed_metrc_call **p = &l->calls; *p;) {
        ed_metrc_call *c = *p;
        if (c->loop == loop && (c->finished || every_one)) {
            *p = c->next;
            c->next = gone;
            gone = c;
        } else {
            p = &c->next;
        }
    }
    pthread_mutex_unlock(&l->mu);
    while (gone) {
        ed_metrc_call *next = gone->next;
        call_free(gone);
        gone = next;
    }
}

static void call_got(void *arg, const ed_metrc_answer *ma)
{
    ed_metrc_call *c = arg;
    got(&c->a, ma);
    c->holds_gate = 0;
    gate_give(c->l, c->cr->gate);
    ed_buf body = {0}, err = {0};
    int status = settle(c->l, c->key.data, &c->a, &body, &err);
    c->done(c->arg, status, body.data ? body.data : "", body.len,
            status < 0 ? err.data : NULL);
    ed_buf_free(&body);
    ed_buf_free(&err);
    /* its client is still in this callback: freed at the loop's next
     * call, or when the loop goes (not before done returned: done may
     * start the next call on this loop) */
    c->finished = 1;
}

/* Send c, which holds a place at the gate, with the time it has left. */
static int call_send(ed_metrc_call *c, ed_buf *err)
{
    double left = c->deadline - now_s();
    if (left < 0.001) {
        ed_buf_printf(err, "GET %s: no time left to ask", c->path);
        return -1;
    }
    c->m = client_for(c->cr, c->loop, left, err);
    return c->m != NULL && ed_metrc_request(c->m, "GET", c->path, c->cr->license, NULL, NULL,
                                            call_got, c, err) == 0
               ? 0
               : -1;
}

/* A call waiting for its licence's gate looks again. */
static void call_wait(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    ed_metrc_call *c = t->data;
    ed_buf err = {0};
    int failed = 0;
    if (gate_take(c->l, c->cr->gate)) {
        ev_timer_stop(loop, t);
        c->waiting = 0;
        c->holds_gate = 1;
        failed = call_send(c, &err) != 0;
    } else if (now_s() >= c->deadline) {
        ev_timer_stop(loop, t);
        c->waiting = 0;
        gate_full(c->cr, c->path, &err);
        failed = 1;
    }
    if (failed) {
        if (c->holds_gate) {
            c->holds_gate = 0;
            gate_give(c->l, c->cr->gate);
        }
        c->done(c->arg, -1, "", 0, err.data);
        c->finished = 1;
    }
    ed_buf_free(&err);
}

int ed_metrc_lookup_start(ed_metrc_lookups *l, struct ev_loop *loop, const char *tenant,
                          const char *license, const char *path, double timeout_s,
                          ed_buf *body, ed_buf *err, ed_metrc_looked_up done, void *arg,
                          ed_metrc_call **call)
{
    reap(l, loop, 0);
    *call = NULL;
    const creds *cr = NULL;
    ed_buf key = {0};
    int rc = prepare(l, tenant, license, path, timeout_s, &cr, &key, body, err);
    if (rc != 0) {
        ed_buf_free(&key);
        return rc;
    }
    ed_metrc_call *c = calloc(1, sizeof *c);
    if (c == NULL) {
        abort();
    }
    c->l = l;
    c->loop = loop;
    c->cr = cr;
    c->path = ed_strdup(path);
    c->deadline = now_s() + timeout_s;
    c->key = key;
    c->done = done;
    c->arg = arg;
    if (gate_take(l, cr->gate)) {
        c->holds_gate = 1;
        if (call_send(c, err) != 0) {
            call_free(c);
            return -1;
        }
    } else {
        ev_timer_init(&c->wait, call_wait, GATE_POLL_S, GATE_POLL_S);
        c->wait.data = c;
        ev_timer_start(loop, &c->wait);
        c->waiting = 1;
    }
    pthread_mutex_lock(&l->mu);
    c->next = l->calls;
    l->calls = c;
    pthread_mutex_unlock(&l->mu);
    *call = c;
    return 0;
}

void ed_metrc_lookup_cancel(ed_metrc_call *call)
{
    if (call == NULL) {
        return;
    }
    ed_metrc_lookups *l = call->l;
    pthread_mutex_lock(&l->mu);
    for (ed_metrc_call **p = &l->calls; *p; p = &(*p)->next) {
        if (*p == call) {
            *p = call->next;
            break;
        }
    }
    pthread_mutex_unlock(&l->mu);
    call_free(call);
}

void ed_metrc_lookups_release(ed_metrc_lookups *l, struct ev_loop *loop)
{
    if (l != NULL) {
        reap(l, loop, 1);
    }
}

/* ---- the same, waiting: the call above on a loop of its own ------------ */

typedef struct waited {
    int done, status;
    ed_buf *body, *err;
} waited;

static void waited_done(void *arg, int status, const char *body, size_t len, const char *err)
{
    waited *w = arg;
    w->done = 1;
    w->status = status;
    ed_buf_append(w->body, body, len);
    if (err != NULL) {
        ed_buf_puts(w->err, err);
    }
}

int ed_metrc_lookup(void *lookups, const char *tenant, const char *license, const char *path,
                    double timeout_s, ed_buf *body, ed_buf *err)
{
    ed_metrc_lookups *l = lookups;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    if (loop == NULL) {
        ed_buf_printf(err, "GET %s: cannot make an event loop", path);
        return -1;
    }
    waited w = {0, -1, body, err};
    ed_metrc_call *call = NULL;
    int rc = ed_metrc_lookup_start(l, loop, tenant, license, path, timeout_s, body, err,
                                   waited_done, &w, &call);
    if (rc == 0) {
        while (!w.done) {
            ev_run(loop, EVRUN_ONCE);
        }
        rc = w.status;
    }
    ed_metrc_lookups_release(l, loop);
    ev_loop_destroy(loop);
    return rc;
}
