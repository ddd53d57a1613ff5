/*
 * api.c — the endpoints of `edict serve` (README.md, "edict serve"): who
 * the caller is (bearer token → tenant), the rate limit, Idempotency-Key,
 * evaluation and journaling, webhooks with HMAC signatures and a Lua
 * normaliser per source, decision lookups, audit verify, packs, reload,
 * admin diff (other packs' decisions compared, never journaled), health
 * and metrics. Runs on worker threads (server.c); deciding is the
 * worker's decider's (decider.h), storing the store's (store.h).
 */
#define _GNU_SOURCE /* memmem, open_memstream */
#define api_c

#include "api.h"

#include "log.h"
#include "adapters/metrc/metrc.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stdlib/hash.h"
#include "stdlib/time.h"

#define MAX_IDEMPOTENCY_KEY 255
#define LIST_DEFAULT 100
#define LIST_MAX 1000

void ed_api_error(ed_response *res, int status, const char *code, const char *message)
{
    res->status = status;
    ed_buf_reset(&res->body);
    ed_json_error(&res->body, code, message);
}

void ed_api_not_journaled(ed_response *res, const char *why)
{
    /* acknowledged only once durable; the store failed (a database
     * restarting, a connection cut): nothing of this request may be
     * relied on, and a retry is the client's way out */
    ed_api_error(res, 503, "not_journaled", why ? why : "the commit failed");
    ed_buf_reset(&res->headers);
    ed_buf_puts(&res->headers, "Retry-After: 1\r\n");
    res->commit = 0;
}

int ed_api_commit(ed_api_worker *w, uint64_t ticket, ed_buf *err)
{
    /* any lane: the commit is the store's (this runs on the committer
     * thread, while the loop may be using the others) */
    return ed_decider_commit(w->lanes[0], ticket, err);
}

static void set_route(ed_response *res, const char *route)
{
    snprintf(res->route, sizeof res->route, "%s", route);
}

/* ------------------------------------------------------------------ */
/* Who is calling                                                        */
/* ------------------------------------------------------------------ */

static const char *bearer(const ed_request *req)
{
    const char *a = req->authorization;
    if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0) {
        return NULL;
    }
    a += 7;
    while (*a == ' ') {
        a++;
    }
    return *a ? a : NULL;
}

/* The tenant of the request's token (and the token, *tok, may be NULL),
 * or NULL after answering 401. */
static const ed_tenant_auth *authenticate_as(ed_api_worker *w, const ed_request *req,
                                             ed_response *res, const ed_token **tok)
{
    const char *token = bearer(req);
    const ed_tenant_auth *t = token ? ed_config_token(w->svc->cfg, token, tok) : NULL;
    if (t == NULL) {
        ed_api_error(res, 401, "unauthorized",
                     token ? "the bearer token is not valid"
                           : "an Authorization: Bearer <token> header is required");
        ed_buf_puts(&res->headers, "WWW-Authenticate: Bearer realm=\"edict\"\r\n");
        return NULL;
    }
    snprintf(res->tenant, sizeof res->tenant, "%s", t->name);
    return t;
}

static const ed_tenant_auth *authenticate(ed_api_worker *w, const ed_request *req,
                                          ed_response *res)
{
    return authenticate_as(w, req, res, NULL);
}

#define MAY_EVALUATE (1u << ED_ROLE_EVALUATE)
#define MAY_AUDIT (1u << ED_ROLE_AUDITOR)
#define MAY_ADMIN (1u << ED_ROLE_ADMIN)

/* 1 when the token's role is one of mask; 0 after answering 403. */
static int may(const ed_token *tok, unsigned mask, const char *what, ed_response *res)
{
    if (mask & (1u << tok->role)) {
        return 1;
    }
    char msg[200];
    snprintf(msg, sizeof msg, "a token with role %s may not %s", ed_role_name(tok->role), what);
    ed_api_error(res, 403, "forbidden", msg);
    return 0;
}

/* Who asked, for the journal: "token:<tenant>/<name> (<role>)". */
static void caller_name(const ed_tenant_auth *t, const ed_token *tok, char *out, size_t cap)
{
    snprintf(out, cap, "token:%s/%s (%s)", t->name, tok->name, ed_role_name(tok->role));
}

static int is_admin(ed_api_worker *w, const ed_request *req)
{
    const char *token = bearer(req);
    const char *want = w->svc->cfg->admin_token_sha256;
    const ed_token *tok = NULL;
    if (token && ed_config_token(w->svc->cfg, token, &tok) && tok->role == ED_ROLE_ADMIN) {
        return 1; /* a tenant's token with the admin role */
    }
    if (token == NULL || want[0] == '\0') {
        return 0;
    }
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(token, strlen(token), hex);
    return CRYPTO_memcmp(hex, want, 64) == 0;
}

/* 1 when the tenant may go on; 0 after answering 429. */
static int rate_ok(ed_api_worker *w, const ed_tenant_auth *t, ed_response *res)
{
    double retry = 0;
    if (ed_ratelimit_take(w->svc->rate, t->name, t->rate_per_minute, t->burst,
                          ed_now_mono(), &retry) == 1) {
        return 1;
    }
    long secs = (long)ceil(retry);
    if (secs < 1) {
        secs = 1;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "tenant %s is over its rate limit of %g requests per "
             "minute; retry in %ld s", t->name, t->rate_per_minute, secs);
    ed_api_error(res, 429, "rate_limited", msg);
    ed_buf_printf(&res->headers, "Retry-After: %ld\r\n", secs);
    ed_buf labels = {0};
    ed_buf_puts(&labels, "tenant=\"");
    ed_metrics_label_escape(t->name, &labels);
    ed_buf_putc(&labels, '"');
    ed_metrics_inc(w->svc->metrics, "edict_rate_limited_total", labels.data, 1);
    ed_buf_free(&labels);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                            */
/* ------------------------------------------------------------------ */

static void tenant_label(const char *tenant, ed_buf *labels)
{
    ed_buf_puts(labels, "tenant=\"");
    ed_metrics_label_escape(tenant, labels);
    ed_buf_putc(labels, '"');
}

/* Count rule errors and limit stops by pack, from the outcome. */
static void count_rule_errors(ed_api_worker *w, const ed_outcome *o)
{
    for (size_t i = 0; i < o->n_errored; i++) {
        const char *pack = o->errored[i].pack ? o->errored[i].pack : "(none)";
        ed_buf labels = {0};
        ed_buf_puts(&labels, "pack=\"");
        ed_metrics_label_escape(pack, &labels);
        ed_buf_putc(&labels, '"');
        ed_metrics_inc(w->svc->metrics, "edict_rule_errors_total", labels.data, 1);
        if (o->errored[i].stop != ED_STOP_NONE) {
            ed_buf_puts(&labels, ",limit=\"");
            ed_metrics_label_escape(ed_stop_name(o->errored[i].stop), &labels);
            ed_buf_putc(&labels, '"');
            ed_metrics_inc(w->svc->metrics, "edict_rule_limit_stops_total", labels.data, 1);
        }
        ed_buf_free(&labels);
    }
}

/* What one request's events came to, collected verdict by verdict. */
typedef struct evaluation {
    ed_api_worker *w;
    ed_decider *d;           /* the lane deciding it */
    const char *tenant;
    ed_buf decisions, errors, labels;
    long decided, not_decided, unreadable, wrong_tenant, quarantined, too_costly;
    ed_ticket last;
    const char *failure;     /* a host failure's message */
    ed_buf failure_text;
    ed_buf first_error;      /* the reason of the first event not decided */
} evaluation;

static int on_verdict(void *arg, const ed_verdict *v)
{
    evaluation *e = arg;
    ed_service *srv = e->w->svc;
    ed_buf_reset(&e->labels);
    tenant_label(e->tenant, &e->labels);
    if (v->status == ED_HOST_FAILURE) {
        ed_buf_puts(&e->failure_text, v->error);
        e->failure = e->failure_text.data;
        return 1;
    }
    if (v->status == ED_DECIDED) {
        ed_buf_puts(&e->decisions, e->decided ? "," : "");
        ed_buf_append(&e->decisions, v->decision, v->len);
        e->decided++;
        e->last = v->ticket;
        ed_buf_printf(&e->labels, ",flag=\"%s\"", ed_flag_name(v->outcome->flag));
        ed_metrics_inc(srv->metrics, "edict_decisions_total", e->labels.data, 1);
        ed_metrics_observe(srv->metrics, "edict_evaluation_seconds", "", v->seconds);
        count_rule_errors(e->w, v->outcome);
        return 0;
    }
    /* an event not decided is listed by its line or index, as eval does;
     * the others in the request are still decided */
    if (e->not_decided == 0) {
        ed_buf_puts(&e->first_error, v->error);
    }
    e->not_decided++;
    e->unreadable += v->status == ED_BAD_EVENT;
    e->quarantined += v->status == ED_QUARANTINED;
    e->too_costly += v->status == ED_BAD_EVENT &&
                     (strncmp(v->error, "event too ", 10) == 0 ||
                      strncmp(v->error, "event larger than", 17) == 0);
    e->wrong_tenant += strstr(v->error, "field 'tenant': the event belongs to") != NULL;
    ed_buf_puts(&e->errors, e->errors.len ? "," : "");
    ed_decider_error_json(e->d, v, &e->errors);
    ed_metrics_inc(srv->metrics, "edict_events_refused_total", e->labels.data, 1);
    return 0;
}

/* An evaluation under way: the request's state, kept while a rule's
 * Metrc call is made by the connection layer (ed_api_pending_fetch,
 * ed_api_resume), and how it ends. */
struct ed_api_pending {
    ed_api_worker *w;
    int lane;
    evaluation e;
    char *tenant;
    int defer;
    unsigned long lost_before;
    ed_buf body;             /* the body, copied once suspended */
    /* under an Idempotency-Key: the answer is remembered once it is made */
    int once;
    ed_buf scoped;
    unsigned char digest[ED_SHA256_LEN];
    double now;
};

/* An Idempotency-Key's scope, the body's digest and when it came. */
typedef struct once_key {
    const char *scoped;
    const unsigned char *digest;
    double now;
} once_key;

static void pending_free(ed_api_pending *p)
{
    ed_buf_free(&p->e.decisions);
    ed_buf_free(&p->e.errors);
    ed_buf_free(&p->e.labels);
    ed_buf_free(&p->e.failure_text);
    ed_buf_free(&p->e.first_error);
    ed_buf_free(&p->body);
    ed_buf_free(&p->scoped);
    free(p->tenant);
    free(p);
}

static void remember_answer(ed_api_pending *p, ed_response *res);
static void forget_claim(ed_api_worker *w, const char *tenant, const char *scoped);

/* What a reading that ended (rc) comes to: res, the answer. */
static void finish_evaluation(ed_api_pending *p, int rc, ed_response *res)
{
    ed_api_worker *w = p->w;
    ed_service *srv = w->svc;
    ed_decider *d = p->e.d;
    evaluation *e = &p->e;
    int defer = p->defer;
    unsigned long lost = ed_decider_losses(d) - p->lost_before;
    if (lost > 0) {
        ed_buf x = {0};
        ed_buf_puts(&x, ",\"tenant\":");
        ed_json_escape(&x, p->tenant, strlen(p->tenant));
        ed_buf_printf(&x, ",\"worker\":%d,\"lost\":%lu", w->index, lost);
        ed_log("warn", "a rule evaluator process was lost: the event it was deciding got a "
               "lost decision (errors[].rules = \"all\"); a new process took the rest",
               x.data);
        ed_buf_free(&x);
        ed_metrics_inc(srv->metrics, "edict_evaluator_lost_total", "", (double)lost);
    }
    unsigned long gen = ed_decider_refresh(d);
    ed_buf err = {0};
    long events = e->decided + e->not_decided;
    if (rc == -2) {
        char msg[128];
        snprintf(msg, sizeof msg, "a batch of more than %zu events is over the limit",
                 srv->cfg->max_batch_events);
        ed_api_error(res, 413, "batch_too_large", msg);
    } else if (e->failure != NULL || rc != 0) {
        ed_api_error(res, 500, "not_journaled", e->failure ? e->failure : "evaluation failed");
    } else if (events == 0) {
        ed_api_error(res, 400, "no_events", "the body holds no events: send an event, an "
                     "array of events or NDJSON");
    } else if (e->decided > 0 && !defer && ed_decider_commit(d, e->last, &err) != 0) {
        ed_api_not_journaled(res, err.data);
    } else if (e->decided == 0) {
        ed_buf msg = {0};
        ed_buf_printf(&msg, events == 1 ? "the event was not decided: %s"
                                        : "no event could be decided; the first: %s",
                      e->first_error.data);
        if (e->quarantined > 0) {
            /* the tenant's journal does not verify: edict's problem, not
             * the client's, and not one a retry mends */
            ed_api_error(res, 503, "journal_quarantined", msg.data);
        } else if (e->wrong_tenant == events) {
            ed_api_error(res, 403, "wrong_tenant", msg.data);
        } else if (e->unreadable == events && e->too_costly == events) {
            /* what the events would cost to decode, not their syntax */
            ed_api_error(res, 413, "event_too_large", msg.data);
        } else if (e->unreadable == events) {
            ed_api_error(res, 400, "bad_json", msg.data);
        } else {
            ed_api_error(res, 422, "event_refused", msg.data);
        }
        ed_buf_free(&msg);
        /* the per-event errors too, as a 200 would list them */
        res->body.len -= 3; /* "}}\n" */
        ed_buf_puts(&res->body, "},\"errors\":[");
        ed_buf_append(&res->body, e->errors.data, e->errors.len);
        ed_buf_puts(&res->body, "]}\n");
    } else {
        res->status = 200;
        ed_buf_printf(&res->body, "{\"generation\":%lu,\"decided\":%ld,\"refused\":%ld,"
                      "\"decisions\":[", gen, e->decided, e->not_decided);
        if (e->decisions.len) {
            ed_buf_append(&res->body, e->decisions.data, e->decisions.len);
        }
        ed_buf_puts(&res->body, "],\"errors\":[");
        if (e->errors.len) {
            ed_buf_append(&res->body, e->errors.data, e->errors.len);
        }
        ed_buf_puts(&res->body, "]}\n");
        ed_buf_printf(&res->headers, "X-Edict-Generation: %lu\r\n", gen);
        res->commit = defer ? e->last : 0;
    }
    ed_buf_free(&err);
    if (p->once) {
        remember_answer(p, res);
    }
    pending_free(p);
}

/* Decide the events of body for tenant t on the lane ed_api_handle chose;
 * answer with the decisions once they are durable. 200 when anything was
 * decided (the events that were not are listed in "errors"); 4xx only
 * when nothing could be. With `defer`, a 200 is returned before its
 * commit, with res->commit set: the caller commits it (ed_api_commit)
 * before sending it. With `once`, the answer is remembered under its
 * Idempotency-Key. When a rule asks Metrc, res->pending is set instead
 * and the answer comes from ed_api_resume. */
static void evaluate(ed_api_worker *w, const ed_tenant_auth *t, const char *body,
                     size_t len, int defer, const once_key *once, ed_response *res)
{
    ed_api_pending *p = calloc(1, sizeof *p);
    if (p == NULL) {
        abort();
    }
    p->w = w;
    p->lane = w->lane;
    p->defer = defer;
    p->tenant = ed_strdup(t->name);
    p->e.w = w;
    p->e.d = w->lanes[w->lane];
    p->e.tenant = p->tenant;
    if (once != NULL) {
        p->once = 1;
        ed_buf_puts(&p->scoped, once->scoped);
        memcpy(p->digest, once->digest, sizeof p->digest);
        p->now = once->now;
    }
    ed_decider *d = p->e.d;
    ed_decider_set_tenant(d, t->name);
    p->lost_before = ed_decider_losses(d);
    int rc = ed_decider_read_buffer(d, body, len, w->svc->cfg->max_batch_events, on_verdict,
                                    &p->e);
    if (rc == ED_READ_SUSPENDED) {
        /* the caller's body does not outlive this call */
        ed_buf_append(&p->body, body, len);
        ed_decider_moved(d, p->body.data);
        w->held[p->lane] = p;
        res->pending = p;
        return;
    }
    finish_evaluation(p, rc, res);
}

const ed_fetch *ed_api_pending_fetch(const ed_api_pending *p)
{
    return ed_decider_fetch(p->e.d);
}

int ed_api_resume(ed_api_pending *p, int status, const char *body, size_t len,
                  const char *err, ed_response *res)
{
    int rc = ed_decider_resume(p->e.d, status, body, len, err);
    if (rc == ED_READ_SUSPENDED) {
        res->pending = p;
        return 1;
    }
    p->w->held[p->lane] = NULL;
    res->pending = NULL;
    finish_evaluation(p, rc, res);
    return 0;
}

void ed_api_abandon(ed_api_pending *p)
{
    ed_decider_abandon(p->e.d);
    p->w->held[p->lane] = NULL;
    if (p->once) {
        forget_claim(p->w, p->tenant, p->scoped.data);
    }
    pending_free(p);
}

typedef struct stored_answer {
    int found;
    unsigned char digest[ED_SHA256_LEN];
    int status;
    ed_buf headers, body;
    int64_t expires_at;
} stored_answer;

static int keep_answer(void *arg, const ed_idem_record *rec)
{
    stored_answer *a = arg;
    a->found = 1;
    memcpy(a->digest, rec->digest, sizeof a->digest);
    a->status = rec->status;
    ed_buf_puts(&a->headers, rec->headers ? rec->headers : "");
    ed_buf_append(&a->body, rec->body, rec->body_len);
    a->expires_at = rec->expires_at;
    return 0;
}

/* A read the store could not answer now (its database restarting, every
 * connection busy, a statement timeout): 503, to be retried. */
static void store_unavailable(ed_response *res, const char *why)
{
    ed_api_error(res, 503, "store_unavailable", why);
    ed_buf_puts(&res->headers, "Retry-After: 1\r\n");
}

/* The key was NEW here (and is reserved in memory): ask the store, where
 * another node's answer is. 0: none, evaluate (the reservation stands);
 * else res is the answer (the replay, 422, or 503 when the store cannot
 * be asked) and the reservation is settled. */
static int replay_from_store(ed_api_worker *w, const ed_tenant_auth *t, const char *key,
                             const unsigned char digest[ED_SHA256_LEN], double now,
                             ed_response *res)
{
    stored_answer a = {0};
    ed_buf err = {0};
    int rc = ed_store_idem_get(w->svc->store, t->name, key, (int64_t)now, keep_answer, &a,
                               &err);
    if (rc == 0) {
        ed_buf_free(&err);
        return 0;
    }
    if (rc < 0) {
        ed_idem_abort(w->svc->idem, t->name, key);
        ed_log("warn", err.data, NULL);
        ed_buf why = {0};
        ed_buf_printf(&why, "the store cannot be asked whether this Idempotency-Key was "
                      "answered: %s", err.data ? err.data : "");
        store_unavailable(res, why.data);
        ed_buf_free(&why);
    } else if (memcmp(a.digest, digest, sizeof a.digest) != 0) {
        ed_idem_abort(w->svc->idem, t->name, key);
        ed_api_error(res, 422, "idempotency_key_reused",
                     "this Idempotency-Key was used with a different body");
    } else {
        /* remembered here too, for its remaining window */
        ed_buf_putc(&a.headers, '\0');
        ed_idem_finish(w->svc->idem, t->name, key, a.status, a.headers.data,
                       a.body.data ? a.body.data : "", a.body.len,
                       (double)a.expires_at - w->svc->cfg->idempotency_window_s);
        res->status = a.status;
        ed_buf_append(&res->body, a.body.data ? a.body.data : "", a.body.len);
        ed_buf_puts(&res->headers, a.headers.data);
        ed_buf_puts(&res->headers, "Idempotent-Replayed: true\r\n");
        ed_buf labels = {0};
        tenant_label(t->name, &labels);
        ed_metrics_inc(w->svc->metrics, "edict_idempotent_replays_total", labels.data, 1);
        ed_buf_free(&labels);
    }
    ed_buf_free(&a.headers);
    ed_buf_free(&a.body);
    ed_buf_free(&err);
    return 1;
}

/* Not answered anywhere yet: claim the key in the store, so that another
 * node receiving it meanwhile does not decide it too. 0 claimed (decide);
 * else res is 409 (another node is answering it) or 503, and the
 * reservation here is given up. The claim lasts past any evaluation (a
 * node that dies mid-request holds it no longer after that). */
static int claim_in_store(ed_api_worker *w, const ed_tenant_auth *t, const char *key,
                          const unsigned char digest[ED_SHA256_LEN], ed_response *res)
{
    double ttl = 4 * w->svc->cfg->evaluation_deadline_s;
    if (ttl < 120) {
        ttl = 120;
    }
    ed_buf err = {0};
    int rc = ed_store_idem_claim(w->svc->store, t->name, key, digest, ttl, &err);
    if (rc != 1) {
        ed_idem_abort(w->svc->idem, t->name, key);
        if (rc < 0) {
            ed_log("warn", err.data, NULL);
            ed_buf why = {0};
            ed_buf_printf(&why, "the store cannot be asked whether this Idempotency-Key is "
                          "answered: %s", err.data ? err.data : "");
            ed_api_error(res, 503, "store_unavailable", why.data);
            ed_buf_free(&why);
        } else {
            ed_api_error(res, 409, "idempotency_key_in_progress",
                         "a request with this Idempotency-Key is still being evaluated");
        }
        ed_buf_puts(&res->headers, "Retry-After: 1\r\n");
    }
    ed_buf_free(&err);
    return rc == 1 ? 0 : 1;
}

/* A request under a key failed (or was given up): the key is free again,
 * here and in the store. */
static void forget_claim(ed_api_worker *w, const char *tenant, const char *scoped)
{
    ed_idem_abort(w->svc->idem, tenant, scoped);
    ed_buf rerr = {0};
    if (ed_store_idem_release(w->svc->store, tenant, scoped, &rerr) != 0) {
        ed_log("warn", rerr.data, NULL);
    }
    ed_buf_free(&rerr);
}

/* The answer to a request under a key, once made: remembered as final
 * (here, and in the store, durable with the next commit), or the claim
 * given up when it failed. */
static void remember_answer(ed_api_pending *p, ed_response *res)
{
    ed_api_worker *w = p->w;
    const char *tenant = p->tenant, *scoped = p->scoped.data;
    if (res->status >= 500) {
        forget_claim(w, tenant, scoped);
        return;
    }
    ed_buf_putc(&res->headers, '\0');
    ed_idem_finish(w->svc->idem, tenant, scoped, res->status, res->headers.data,
                   res->body.data ? res->body.data : "", res->body.len, p->now);
    /* kept in the store too, durable with the next commit: a crash before
     * it costs a re-evaluation of this request, never a replay of an
     * answer that was not journaled */
    ed_idem_record rec = {tenant, scoped, {0}, res->status, res->headers.data,
                          res->body.data ? res->body.data : "", res->body.len,
                          (int64_t)(p->now + w->svc->cfg->idempotency_window_s)};
    memcpy(rec.digest, p->digest, sizeof rec.digest);
    ed_buf ierr = {0};
    if (ed_store_idem_put(w->svc->store, &rec, &ierr) != 0) {
        ed_log("warn", ierr.data, NULL);
    }
    ed_buf_free(&ierr);
    res->headers.len--;
}

/* Evaluate under Idempotency-Key (when given): a repeat within the window
 * gets the first response, byte for byte, and journals nothing. `scope`
 * separates key spaces (evaluate, webhook:<source>). */
static void evaluate_once(ed_api_worker *w, const ed_tenant_auth *t, const char *scope,
                          const char *key, const char *body, size_t len, int defer,
                          ed_response *res)
{
    if (key == NULL) {
        evaluate(w, t, body, len, defer, NULL, res);
        return;
    }
    if (key[0] == '\0' || strlen(key) > MAX_IDEMPOTENCY_KEY) {
        ed_api_error(res, 400, "bad_idempotency_key",
                     "Idempotency-Key must be 1 to 255 characters");
        return;
    }
    ed_buf scoped = {0};
    ed_buf_printf(&scoped, "%s:%s", scope, key);
    unsigned char digest[ED_SHA256_LEN];
    ed_sha256_raw(body, len, digest);
    int status = 0;
    char *headers = NULL, *stored = NULL;
    size_t stored_len = 0;
    /* wall clock: the window holds across a restart (the store keeps
     * finished answers with their expiry) */
    double now = ed_now_wall();
    ed_idem_result r = ed_idem_begin(w->svc->idem, t->name, scoped.data, digest, now,
                                     &status, &headers, &stored, &stored_len);
    switch (r) {
    case ED_IDEM_REPLAY:
        res->status = status;
        ed_buf_append(&res->body, stored, stored_len);
        if (headers) {
            ed_buf_puts(&res->headers, headers);
        }
        ed_buf_puts(&res->headers, "Idempotent-Replayed: true\r\n");
        {
            ed_buf labels = {0};
            tenant_label(t->name, &labels);
            ed_metrics_inc(w->svc->metrics, "edict_idempotent_replays_total", labels.data, 1);
            ed_buf_free(&labels);
        }
        break;
    case ED_IDEM_CONFLICT:
        ed_api_error(res, 422, "idempotency_key_reused",
                     "this Idempotency-Key was used with a different body");
        break;
    case ED_IDEM_IN_PROGRESS:
        ed_api_error(res, 409, "idempotency_key_in_progress",
                     "a request with this Idempotency-Key is still being evaluated");
        ed_buf_puts(&res->headers, "Retry-After: 1\r\n");
        break;
    case ED_IDEM_NEW:
        /* not in this node's memory: another node may have answered it
         * (a store shared by nodes keeps every answer at once) */
        if (replay_from_store(w, t, scoped.data, digest, now, res) != 0 ||
            claim_in_store(w, t, scoped.data, digest, res) != 0) {
            break;
        }
        /* the answer is remembered as final (remember_answer): committed
         * first */
        {
            once_key ok = {scoped.data, digest, now};
            evaluate(w, t, body, len, 0, &ok, res);
        }
        break;
    }
    free(headers);
    free(stored);
    ed_buf_free(&scoped);
}

/* ------------------------------------------------------------------ */
/* Webhooks                                                              */
/* ------------------------------------------------------------------ */

static void webhook(ed_api_worker *w, const ed_request *req, const char *source,
                    ed_response *res)
{
    const ed_config *cfg = w->svc->cfg;
    const ed_webhook_source *src = ed_config_webhook(cfg, source);
    if (src == NULL) {
        ed_api_error(res, 404, "unknown_source", "no webhook source by that name");
        return;
    }
    /* 1. signature: HMAC-SHA256(secret, timestamp "." body), within the
     * tolerance of now, compared in constant time */
    const char *sig = req->signature, *ts = req->timestamp;
    if (sig && strncmp(sig, "sha256=", 7) == 0) {
        sig += 7;
    }
    if (sig == NULL || ts == NULL) {
        ed_api_error(res, 401, "signature_missing",
                     "X-Edict-Signature and X-Edict-Timestamp headers are required");
        return;
    }
    char *end = NULL;
    long long stamp = strtoll(ts, &end, 10);
    if (end == ts || *end != '\0') {
        ed_api_error(res, 401, "bad_timestamp",
                     "X-Edict-Timestamp must be Unix seconds");
        return;
    }
    double skew = difftime(time(NULL), (time_t)stamp);
    if (fabs(skew) > src->tolerance_s) {
        char msg[128];
        snprintf(msg, sizeof msg, "the timestamp is %.0f s from now; at most %.0f s is "
                 "accepted (replay protection)", fabs(skew), src->tolerance_s);
        ed_api_error(res, 401, "stale_timestamp", msg);
        return;
    }
    ed_buf signed_text = {0};
    ed_buf_printf(&signed_text, "%s.", ts);
    ed_buf_append(&signed_text, req->body, req->body_len);
    unsigned char mac[ED_SHA256_LEN];
    ed_hmac_sha256(src->secret, strlen(src->secret), signed_text.data, signed_text.len, mac);
    ed_buf_free(&signed_text);
    unsigned char given[ED_SHA256_LEN];
    int ok = strlen(sig) == 2 * ED_SHA256_LEN && ed_unhex(sig, 2 * ED_SHA256_LEN, given) == 0;
    if (!ok || CRYPTO_memcmp(mac, given, ED_SHA256_LEN) != 0) {
        ed_api_error(res, 401, "bad_signature", "the signature does not match the body");
        return;
    }
    const ed_tenant_auth *t = NULL;
    for (size_t i = 0; i < cfg->n_tenants; i++) {
        if (strcmp(cfg->tenants[i].name, src->tenant) == 0) {
            t = &cfg->tenants[i];
        }
    }
    ed_tenant_auth fallback = {0};
    if (t == NULL) {
        fallback.name = src->tenant;
        fallback.rate_per_minute = cfg->default_rate_per_minute;
        fallback.burst = cfg->default_burst;
        t = &fallback;
    }
    snprintf(res->tenant, sizeof res->tenant, "%s", t->name);
    /* 2. parse and 3. normalise (validation is the evaluation's intake) */
    size_t k = (size_t)(src - cfg->webhooks);
    ed_normaliser spec = {src->name, src->normaliser, src->normaliser_code};
    ed_buf err = {0}, events = {0};
    int nrc = ed_decider_normalise(w->lanes[w->lane], k, &spec, &cfg->limits, req->body,
                                   req->body_len, &events, &err);
    if (nrc < 0) {
        ed_api_error(res, 500, "normaliser", err.data);
    } else if (nrc == 1) {
        ed_buf msg = {0};
        ed_buf_printf(&msg, "the payload is not JSON: %s", err.data);
        ed_api_error(res, 400, "bad_json", msg.data);
        ed_buf_free(&msg);
    } else if (nrc == 2) {
        ed_api_error(res, 422, "normaliser_failed", err.data);
    } else if (rate_ok(w, t, res)) { /* 4. rate limit */
        /* a delivery repeated within the tolerance (same signature) is a
         * replay: it gets the first answer and is not decided again */
        /* keyed on the signature as canonical lowercase hex: the same
         * delivery resent with its hex in another case is the same replay */
        char canonical[2 * ED_SHA256_LEN + 1];
        ed_hex(mac, ED_SHA256_LEN, canonical);
        evaluate_once(w, t, "webhook", canonical, events.data, events.len, 0, res);
    }
    ed_buf_free(&events);
    ed_buf_free(&err);
}

/* ------------------------------------------------------------------ */
/* Decisions, audit                                                      */
/* ------------------------------------------------------------------ */

/* A visitor keeping the entry's decision bytes. */
static int keep_decision(void *arg, const ed_entry *e)
{
    ed_buf *found = arg;
    if (e->bytes != NULL) {
        ed_buf_append(found, e->bytes, e->len);
    }
    return 0;
}

static int plain_id(const char *s)
{
    if (*s == '\0' || strlen(s) > 128) {
        return 0;
    }
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':')) {
            return 0;
        }
    }
    return 1;
}

static void get_decision(ed_api_worker *w, const ed_tenant_auth *t, const char *id,
                         ed_response *res)
{
    ed_buf found = {0}, err = {0};
    /* the store matches the id exactly, in this tenant's chain only: another
     * tenant's id is not there, and answers 404 like any unknown id */
    int rc = plain_id(id) ? ed_store_get(w->svc->store, t->name, id, keep_decision, &found,
                                         &err)
                          : 1;
    if (rc < 0) {
        store_unavailable(res, err.data);
    } else if (found.len == 0) {
        ed_api_error(res, 404, "not_found", "no decision with this id");
    } else {
        res->status = 200;
        ed_buf_append(&res->body, found.data, found.len);
        ed_buf_putc(&res->body, '\n');
    }
    ed_buf_free(&found);
    ed_buf_free(&err);
}

/* The value of name in a query string (URL-decoded into out), or NULL. */
static const char *query_param(const char *query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t o = 0;
            for (size_t i = nl + 1; i < len && o + 1 < cap; i++) {
                unsigned char byte;
                if (p[i] == '%' && i + 2 < len && ed_unhex(p + i + 1, 2, &byte) == 0) {
                    out[o++] = (char)byte;
                    i += 2;
                } else {
                    out[o++] = p[i] == '+' ? ' ' : p[i];
                }
            }
            out[o] = '\0';
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

typedef struct list_arg {
    long count;
    ed_buf *out;
} list_arg;

static int list_decision(void *arg, const ed_entry *e)
{
    list_arg *a = arg;
    ed_buf_puts(a->out, a->count ? ",{\"seq\":" : "{\"seq\":");
    ed_buf_printf(a->out, "%llu,\"decision\":", (unsigned long long)e->seq);
    ed_buf_append(a->out, e->bytes, e->len);
    ed_buf_putc(a->out, '}');
    a->count++;
    return 0;
}

/* NULL (no filter) or a valid YYYY-MM-DD. */
static int valid_day(const char *s)
{
    ed_time t;
    return s == NULL || (strlen(s) == 10 && ed_time_parse(s, 10, 1, &t, NULL, 0) == 0);
}

static void list(ed_api_worker *w, const ed_tenant_auth *t, const char *query,
                 ed_response *res)
{
    char from[32], to[32], flag[16], type[136], limit_s[16], after_s[32];
    ed_store_query q = {0};
    q.tenant = t->name;
    q.from = query_param(query, "from", from, sizeof from);
    q.to = query_param(query, "to", to, sizeof to);
    q.flag = query_param(query, "flag", flag, sizeof flag);
    q.type = query_param(query, "type", type, sizeof type);
    const char *ls = query_param(query, "limit", limit_s, sizeof limit_s);
    const char *as = query_param(query, "after", after_s, sizeof after_s);
    long limit = ls ? strtol(ls, NULL, 10) : LIST_DEFAULT;
    q.after = as ? strtoull(as, NULL, 10) : 0;
    if (!valid_day(q.from) || !valid_day(q.to)) {
        ed_api_error(res, 400, "bad_query", "from and to must be dates, YYYY-MM-DD");
        return;
    }
    if (q.flag && strcmp(q.flag, "green") && strcmp(q.flag, "yellow") && strcmp(q.flag, "red")) {
        ed_api_error(res, 400, "bad_query", "flag must be green, yellow or red");
        return;
    }
    if (limit < 1 || limit > LIST_MAX) {
        ed_api_error(res, 400, "bad_query", "limit must be 1 to 1000");
        return;
    }
    q.limit = (size_t)limit;
    ed_buf items = {0}, err = {0};
    list_arg a = {0, &items};
    uint64_t next = 0;
    if (ed_store_list(w->svc->store, &q, list_decision, &a, &next, &err) != 0) {
        store_unavailable(res, err.data);
    } else {
        res->status = 200;
        ed_buf_puts(&res->body, "{\"items\":[");
        if (items.len) {
            ed_buf_append(&res->body, items.data, items.len);
        }
        ed_buf_printf(&res->body, "],\"count\":%ld,\"next_after\":", a.count);
        if (next) {
            ed_buf_printf(&res->body, "%llu}\n", (unsigned long long)next);
        } else {
            ed_buf_puts(&res->body, "null}\n");
        }
    }
    ed_buf_free(&items);
    ed_buf_free(&err);
}

static void audit_verify(ed_api_worker *w, const ed_tenant_auth *t, ed_response *res)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        ed_api_error(res, 500, "internal", "out of memory");
        return;
    }
    uint64_t head = 0;
    int rc = ed_store_walk(w->svc->store, t->name, NULL, NULL, NULL, &head, f);
    fclose(f);
    res->status = 200;
    ed_buf_puts(&res->body, "{\"tenant\":");
    ed_json_escape(&res->body, t->name, strlen(t->name));
    ed_buf_printf(&res->body, ",\"ok\":%s,\"entries\":%llu,\"report\":[",
                  rc == 1 || rc < 0 ? "false" : "true", (unsigned long long)head);
    int first = 1;
    for (char *s = text; s && *s;) {
        char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n) {
            ed_buf_puts(&res->body, first ? "" : ",");
            ed_json_escape(&res->body, s, n);
            first = 0;
        }
        s = nl ? nl + 1 : s + n;
    }
    ed_buf_puts(&res->body, "]}\n");
    free(text);
}

/* ------------------------------------------------------------------ */
/* Metrc outbox                                                          */
/* ------------------------------------------------------------------ */

/* POST /v1/metrc/outbox: keep a write for Metrc in the tenant's outbox
 * (adapters/metrc/outbox.c), to be sent once by the licence's scheduled
 * sync. Only for a licence the configuration names for this tenant: its
 * keys are the ones the write will go out with. */
static void metrc_outbox(ed_api_worker *w, const ed_tenant_auth *t, const ed_request *req,
                         ed_response *res)
{
    ed_metrc_op_request op;
    ed_buf err = {0};
    if (ed_metrc_op_parse(req->body, req->body_len, &op, &err) != 0) {
        ed_api_error(res, 400, "bad_request", err.data);
        ed_buf_free(&err);
        return;
    }
    const ed_config *cfg = w->svc->cfg;
    int configured = 0;
    for (size_t i = 0; i < cfg->n_metrc && !configured; i++) {
        configured = strcmp(cfg->metrc[i].tenant, t->name) == 0 &&
                     strcmp(cfg->metrc[i].license, op.license) == 0;
    }
    const char *key = op.key ? op.key : req->idempotency_key;
    if (!configured) {
        ed_buf_printf(&err, "no Metrc licence %s is configured for tenant %s", op.license,
                      t->name);
        ed_api_error(res, 403, "forbidden", err.data);
    } else if (key == NULL || *key == '\0') {
        ed_api_error(res, 400, "bad_request", "/key: required (or an Idempotency-Key header): "
                                              "it makes the write go out once");
    } else {
        int n = ed_metrc_outbox_queue(w->svc->store, t->name, op.license, op.method, op.path,
                                      op.objects, key, 10, &err);
        if (n < 0) {
            ed_api_error(res, 400, "bad_request", err.data);
        } else {
            res->status = 202;
            ed_buf_printf(&res->body, "{\"queued\":%d,\"key\":", n);
            ed_json_escape(&res->body, key, strlen(key));
            ed_buf_puts(&res->body, "}");
        }
    }
    ed_metrc_op_free(&op);
    ed_buf_free(&err);
}

/* ------------------------------------------------------------------ */
/* Evidence (store.h, "Evidence"): uploads streamed into the vault,       */
/* reads checked whole, listings from the tenant's chain                  */
/* ------------------------------------------------------------------ */

struct ed_api_upload {
    ed_api_worker *w;
    const ed_tenant_auth *t;
    const ed_token *tok;
    ed_vault_put *put;
    char type[136], entity[264];
    uint64_t size;
    int too_large;
    ed_buf err;
};

int ed_api_streams(const char *method, const char *path)
{
    return strcmp(method, "POST") == 0 && strcmp(path, "/v1/evidence") == 0;
}

static int vault_ready(ed_api_worker *w, ed_response *res)
{
    if (w->svc->vault == NULL) {
        ed_api_error(res, 503, "evidence_unavailable",
                     "this server has no evidence vault: configure evidence_keys (or "
                     "EDICT_EVIDENCE_KEY_FILE / EDICT_EVIDENCE_KEY) and, with a "
                     "PostgreSQL store, evidence_dir");
        return 0;
    }
    return 1;
}


ed_api_upload *ed_api_upload_begin(ed_api_worker *w, const ed_request *req, ed_response *res)
{
    set_route(res, "/v1/evidence");
    const ed_token *tok = NULL;
    const ed_tenant_auth *t = authenticate_as(w, req, res, &tok);
    /* every role may upload evidence (README, "Roles") */
    if (t == NULL || !rate_ok(w, t, res) || !vault_ready(w, res)) {
        return NULL;
    }
    ed_api_upload *u = ed_xcalloc(1, sizeof *u);
    u->w = w;
    u->t = t;
    u->tok = tok;
    if (query_param(req->query, "type", u->type, sizeof u->type) == NULL ||
        query_param(req->query, "entity", u->entity, sizeof u->entity) == NULL ||
        u->type[0] == '\0' || u->entity[0] == '\0') {
        ed_api_error(res, 400, "bad_query",
                     "POST /v1/evidence?type=TYPE&entity=ENTITY: both are required "
                     "(e.g. type=photo&entity=waste:W-1)");
        free(u);
        return NULL;
    }
    u->put = ed_vault_put_begin(w->svc->vault, t->name, &u->err);
    if (u->put == NULL) {
        ed_api_error(res, 500, "evidence", u->err.data);
        ed_buf_free(&u->err);
        free(u);
        return NULL;
    }
    return u;
}

int ed_api_upload_data(ed_api_upload *u, const char *data, size_t n)
{
    if (u->put == NULL) {
        return -1;
    }
    size_t max = u->w->svc->cfg->max_evidence_bytes;
    if (u->size + n > max) {
        u->too_large = 1;
    } else if (ed_vault_put_write(u->put, data, n, &u->err) == 0) {
        u->size += n;
        return 0;
    }
    ed_vault_put_abort(u->put); /* nothing half-stored stays */
    u->put = NULL;
    return -1;
}

void ed_api_upload_abort(ed_api_upload *u)
{
    if (u == NULL) {
        return;
    }
    ed_vault_put_abort(u->put);
    ed_buf_free(&u->err);
    free(u);
}

void ed_api_upload_end(ed_api_upload *u, ed_response *res)
{
    set_route(res, "/v1/evidence");
    snprintf(res->tenant, sizeof res->tenant, "%s", u->t->name);
    if (u->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "the evidence is larger than max_evidence_bytes (%zu)",
                 u->w->svc->cfg->max_evidence_bytes);
        ed_api_error(res, 413, "body_too_large", msg);
        ed_api_upload_abort(u);
        return;
    }
    char digest[129];
    uint64_t size = 0;
    int existed = 0;
    ed_vault_put *put = u->put;
    u->put = NULL;
    if (put == NULL || ed_vault_put_finish(put, digest, &size, &existed, &u->err) != 0) {
        ed_api_error(res, 500, "evidence", u->err.len ? u->err.data : "storing failed");
        ed_api_upload_abort(u);
        return;
    }
    char by[300], at[32];
    caller_name(u->t, u->tok, by, sizeof by);
    ed_utc_now(at);
    ed_vault_event ev = {.kind = ED_VAULT_STORED, .tenant = u->t->name, .digest = digest,
                         .type = u->type, .entity = u->entity, .by = by, .at = at,
                         .size = size, .existed = existed};
    ed_ticket ticket = 0;
    if (ed_vault_journal(u->w->svc->store, &ev, &ticket, &u->err) != 0 ||
        ed_store_commit(u->w->svc->store, ticket, &u->err) != 0) {
        /* the blob is in place but its upload is not journaled: not
         * acknowledged, and a retry journals it (the bytes are kept once) */
        ed_api_error(res, 503, "journal", u->err.data);
        ed_api_upload_abort(u);
        return;
    }
    res->status = existed ? 200 : 201;
    ed_buf_printf(&res->body, "{\"digest\":\"%s\",\"algorithm\":\"sha512\",\"size\":%llu,"
                  "\"stored\":%s,\"type\":", digest, (unsigned long long)size,
                  existed ? "false" : "true");
    ed_json_escape(&res->body, u->type, strlen(u->type));
    ed_buf_puts(&res->body, ",\"entity\":");
    ed_json_escape(&res->body, u->entity, strlen(u->entity));
    ed_buf_printf(&res->body, ",\"at\":\"%s\"}\n", at);
    ed_api_upload_abort(u);
}

static int sink_buf(void *arg, const void *data, size_t n)
{
    ed_buf_append(arg, data, n);
    return 0;
}

static void get_evidence(ed_api_worker *w, const ed_tenant_auth *t, const ed_token *tok,
                         const char *digest, ed_response *res)
{
    if (!vault_ready(w, res)) {
        return;
    }
    ed_buf err = {0};
    uint64_t size = 0;
    /* another tenant's digest is not in this tenant's vault: 404 alike */
    int rc = ed_vault_read(w->svc->vault, t->name, digest, sink_buf, &res->body, &size, &err);
    if (rc == 1) {
        ed_api_error(res, 404, "not_found", "no evidence with this digest");
    } else if (rc != 0) {
        ed_log("error", err.data, NULL);
        ed_api_error(res, 500, "evidence_damaged", err.data); /* resets what was read */
    } else {
        char by[300], at[32];
        caller_name(t, tok, by, sizeof by);
        ed_utc_now(at);
        ed_vault_event ev = {.kind = ED_VAULT_READ, .tenant = t->name, .digest = digest,
                             .by = by, .at = at};
        ed_ticket ticket = 0;
        if (ed_vault_journal(w->svc->store, &ev, &ticket, &err) != 0 ||
            ed_store_commit(w->svc->store, ticket, &err) != 0) {
            ed_api_error(res, 503, "journal", err.data); /* no read unjournaled */
        } else {
            res->status = 200;
            res->content_type = "application/octet-stream";
            ed_buf_printf(&res->headers, "X-Evidence-Sha512: %s\r\n", digest);
        }
    }
    ed_buf_free(&err);
}

static int list_evidence_entry(void *arg, const ed_entry *e)
{
    list_arg *a = arg;
    ed_buf_puts(a->out, a->count ? "," : "");
    ed_buf_append(a->out, e->bytes, e->len);
    a->count++;
    return 0;
}

static void list_evidence(ed_api_worker *w, const ed_tenant_auth *t, const char *query,
                          ed_response *res)
{
    char from[32], to[32], type[136], entity[264];
    ed_vault_query q = {.tenant = t->name};
    q.from = query_param(query, "from", from, sizeof from);
    q.to = query_param(query, "to", to, sizeof to);
    q.type = query_param(query, "type", type, sizeof type);
    q.entity = query_param(query, "entity", entity, sizeof entity);
    if (!valid_day(q.from) || !valid_day(q.to)) {
        ed_api_error(res, 400, "bad_query", "from and to must be dates, YYYY-MM-DD");
        return;
    }
    ed_buf items = {0};
    list_arg a = {0, &items};
    if (ed_vault_list(w->svc->store, &q, list_evidence_entry, &a) != 0) {
        ed_api_error(res, 503, "journal_quarantined", "this tenant's journal does not verify");
    } else {
        res->status = 200;
        ed_buf_puts(&res->body, "{\"items\":[");
        if (items.len) {
            ed_buf_append(&res->body, items.data, items.len);
        }
        ed_buf_printf(&res->body, "],\"count\":%ld}\n", a.count);
    }
    ed_buf_free(&items);
}

/* POST /v1/audit/packages?from=&to=&entity=: a regulator package of the
 * token's tenant (store.h), written to a temporary file, journaled, and
 * answered as application/x-tar. */
static void audit_package(ed_api_worker *w, const ed_tenant_auth *t, const ed_token *tok,
                          const char *query, ed_response *res)
{
    char from[32], to[32], entity[264], by[300];
    ed_package_request rq = {.tenant = t->name};
    rq.from = query_param(query, "from", from, sizeof from);
    rq.to = query_param(query, "to", to, sizeof to);
    rq.entity = query_param(query, "entity", entity, sizeof entity);
    if (!valid_day(rq.from) || !valid_day(rq.to)) {
        ed_api_error(res, 400, "bad_query", "from and to must be dates, YYYY-MM-DD");
        return;
    }
    if (rq.entity && rq.entity[0] == '\0') {
        rq.entity = NULL;
    }
    caller_name(t, tok, by, sizeof by);
    rq.by = by;
    rq.vault = w->svc->vault;
    char path[] = "/tmp/edict-package-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        ed_api_error(res, 500, "internal", "cannot make a temporary file");
        return;
    }
    close(fd);
    ed_buf err = {0};
    ed_package_summary sum;
    if (ed_package_write(w->svc->store, &rq, path, &sum, &err) != 0) {
        int none = strstr(err.data ? err.data : "", "has no decisions") != NULL;
        ed_api_error(res, none ? 404 : 500, none ? "not_found" : "package", err.data);
    } else {
        size_t n = 0;
        char *bytes = ed_read_file(path, &n);
        if (bytes == NULL) {
            ed_api_error(res, 500, "internal", "cannot read the package back");
        } else {
            res->status = 200;
            res->content_type = "application/x-tar";
            ed_buf_append(&res->body, bytes, n);
            ed_buf_printf(&res->headers, "X-Package-Sha256: %s\r\nX-Package-Selected: %zu\r\n",
                          sum.sha256, sum.selected);
            free(bytes);
        }
    }
    unlink(path);
    ed_buf_free(&err);
}

/* ------------------------------------------------------------------ */
/* Packs, reload, health, metrics                                        */
/* ------------------------------------------------------------------ */

static void packs(ed_api_worker *w, ed_response *res)
{
    ed_generation *gen = ed_gen_acquire(&w->svc->gens);
    res->status = 200;
    ed_buf_printf(&res->body, "{\"generation\":%lu,\"loaded_at\":\"%s\",\"source\":\"%s\",",
                  gen->id, gen->loaded_at, gen->source);
    if (gen->published > 0) {
        ed_buf_printf(&res->body, "\"published\":%lld,", gen->published);
    } else {
        ed_buf_puts(&res->body, "\"published\":null,");
    }
    ed_buf_printf(&res->body, "\"packs\":%s,\"last_reload\":", gen->packs_json);
    ed_gen_last_reload_json(&w->svc->gens, &res->body);
    ed_buf_puts(&res->body, "}\n");
    ed_gen_release(&w->svc->gens, gen);
}

/* Vetting runs every fixture: it gets this many evaluation deadlines. */
#define VET_DEADLINE_FACTOR 10

int ed_api_vet(void *arg, const ed_catalog *cat, int run_fixtures, ed_buf *err)
{
    const ed_service *srv = arg;
    size_t n = srv->cfg->n_tenants;
    char **names = ed_xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        names[i] = srv->cfg->tenants[i].name;
    }
    /* tenants' load-time code and fixtures run here: apart, like rules */
    int rc = srv->cfg->isolate_rules
                 ? ed_decider_vet_apart(cat, names, n, run_fixtures,
                                        VET_DEADLINE_FACTOR * srv->cfg->evaluation_deadline_s, err)
                 : ed_decider_vet(cat, names, n, run_fixtures, err);
    free(names);
    return rc;
}

unsigned long ed_api_reload(ed_service *srv, const char *by, ed_buf *err, int *unchanged)
{
    return ed_api_reload_published(srv, by, NULL, 0, err, unchanged);
}

unsigned long ed_api_reload_published(ed_service *srv, const char *by, const char *dir,
                                      long long published, ed_buf *err, int *same)
{
    char *before = NULL, *after = NULL;
    int unchanged = 0;
    double t0 = ed_now_mono();
    unsigned long id = dir ? ed_gen_reload_published(&srv->gens, dir, published, by, err,
                                                     &before, &after, &unchanged)
                           : ed_gen_reload(&srv->gens, by, err, &before, &after, &unchanged);
    ed_buf x = {0};
    ed_buf_puts(&x, ",\"by\":");
    ed_json_escape(&x, by, strlen(by));
    ed_buf_printf(&x, ",\"seconds\":%.3f", ed_now_mono() - t0);
    if (id == 0) {
        ed_metrics_inc(srv->metrics, "edict_reloads_total", "result=\"failed\"", 1);
        ed_buf_puts(&x, ",\"errors\":");
        ed_json_escape(&x, err->data ? err->data : "", err->len);
        ed_log("error", "reload failed; the current generation stays", x.data);
    } else if (unchanged) {
        /* the same files: the same decisions; nothing to vet, swap,
         * journal or rebuild */
        ed_metrics_inc(srv->metrics, "edict_reloads_total", "result=\"unchanged\"", 1);
        ed_buf_printf(&x, ",\"generation\":%lu,\"unchanged\":true", id);
        ed_log("info", "reloaded", x.data);
    } else {
        ed_metrics_inc(srv->metrics, "edict_reloads_total", "result=\"ok\"", 1);
        ed_buf_printf(&x, ",\"generation\":%lu", id);
        if (dir) {
            ed_buf_printf(&x, ",\"published\":%lld", published);
        }
        ed_log("info", "reloaded", x.data);
        /* an auditor must see which rules were in force when: the reload
         * goes into every configured tenant's chain */
        char at[32];
        ed_utc_now(at);
        ed_buf rec = {0};
        ed_buf_printf(&rec, "{\"kind\":\"reload\",\"generation\":%lu,\"at\":\"%s\",\"by\":",
                      id, at);
        ed_json_escape(&rec, by, strlen(by));
        if (dir) {
            ed_buf_printf(&rec, ",\"published\":%lld", published);
        }
        ed_buf_printf(&rec, ",\"packs_before\":%s,\"packs_after\":%s}", before, after);
        ed_buf jerr = {0};
        for (size_t i = 0; i < srv->cfg->n_tenants; i++) {
            ed_record r = {.tenant = srv->cfg->tenants[i].name, .occurred_at = at,
                           .type = "edict.reload", .bytes = rec.data, .len = rec.len};
            if (ed_store_append(srv->store, &r, NULL, &jerr) != 0) {
                break;
            }
        }
        if (jerr.len == 0) {
            double s0 = ed_now_mono();
            ed_store_commit(srv->store, ED_TICKET_ALL, &jerr);
            ed_metrics_observe(srv->metrics, "edict_journal_fsync_seconds", "",
                               ed_now_mono() - s0);
        }
        if (jerr.len) {
            ed_log("error", jerr.data, NULL);
        }
        ed_buf_free(&jerr);
        ed_buf_free(&rec);
        if (srv->wake_workers) {
            srv->wake_workers(srv->wake_arg);
        }
    }
    ed_buf_free(&x);
    free(before);
    free(after);
    if (same) {
        *same = unchanged;
    }
    return id;
}

static void reload(ed_api_worker *w, ed_response *res)
{
    ed_buf err = {0};
    int unchanged = 0;
    unsigned long id = ed_api_reload(w->svc, "admin", &err, &unchanged);
    if (id == 0) {
        ed_api_error(res, 422, "reload_failed", err.data ? err.data : "reload failed");
    } else {
        res->status = 200;
        ed_buf_printf(&res->body, "{\"ok\":true,\"generation\":%lu%s}\n", id,
                      unchanged ? ",\"unchanged\":true" : "");
    }
    ed_buf_free(&err);
}

/* One quarantined tenant, as a JSON object in a list. */
static void list_quarantined(void *arg, const char *tenant, const char *why)
{
    ed_buf *out = arg;
    if (out->data[out->len - 1] != '[') {
        ed_buf_putc(out, ',');
    }
    ed_buf_puts(out, "{\"tenant\":");
    ed_json_escape(out, tenant, strlen(tenant));
    ed_buf_puts(out, ",\"why\":");
    ed_json_escape(out, why, strlen(why));
    ed_buf_putc(out, '}');
}

/* One quarantined tenant, as a gauge. */
static void gauge_quarantined(void *arg, const char *tenant, const char *why)
{
    ed_service *srv = arg;
    ed_buf labels = {0};
    tenant_label(tenant, &labels);
    ed_metrics_set(srv->metrics, "edict_journal_quarantined", labels.data, 1);
    ed_buf_free(&labels);
}

static void metrics(ed_api_worker *w, ed_response *res)
{
    ed_service *srv = w->svc;
    ed_store_quarantined(srv->store, gauge_quarantined, srv);
    ed_generation *gen = ed_gen_acquire(&srv->gens);
    ed_metrics_set(srv->metrics, "edict_generation", "", (double)gen->id);
    ed_gen_release(&srv->gens, gen);
    pthread_mutex_lock(&srv->gens.mu);
    ed_metrics_set(srv->metrics, "edict_last_reload_ok", "", srv->gens.last_ok ? 1 : 0);
    pthread_mutex_unlock(&srv->gens.mu);
    ed_metrics_set(srv->metrics, "edict_connections", "",
                   (double)atomic_load(&srv->connections));
    res->status = 200;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    ed_metrics_render(srv->metrics, &res->body);
}

/* ------------------------------------------------------------------ */
/* Admin: what other packs would change (decider/admin_diff.c)           */
/* ------------------------------------------------------------------ */

static void admin_diff(ed_api_worker *w, const ed_request *req, ed_response *res)
{
    const ed_config *cfg = w->svc->cfg;
    ed_admin_diff_env env = {w->svc->store, &cfg->limits, cfg->tenants_dir,
                             cfg->max_batch_events, cfg->isolate_rules,
                             VET_DEADLINE_FACTOR * cfg->evaluation_deadline_s};
    ed_answer answer = {0, {0}};
    ed_decider_admin_diff(w->lanes[w->lane], &env, req->body, req->body_len, &answer);
    res->status = answer.status;
    ed_buf_reset(&res->body);
    ed_buf_append(&res->body, answer.body.data, answer.body.len);
    ed_buf_free(&answer.body);
}

/* ------------------------------------------------------------------ */
/* Routing                                                               */
/* ------------------------------------------------------------------ */

static int method_is(const ed_request *req, const char *m)
{
    return strcmp(req->method, m) == 0;
}

static void wrong_method(ed_api_worker *w, ed_response *res, const char *allow)
{
    ed_api_error(res, 405, "method_not_allowed", "this path does not take that method");
    ed_buf_printf(&res->headers, "Allow: %s\r\n", allow);
}

/* The requests that decide events (and so take a lane): the others
 * are answered whatever the lanes are doing. */
static int decides(const char *path)
{
    return strcmp(path, "/v1/evaluate") == 0 || strncmp(path, "/v1/webhooks/", 13) == 0 ||
           strcmp(path, "/v1/admin/diff") == 0;
}

int ed_api_lane_free(const ed_api_worker *w)
{
    for (int i = 0; i < w->n_lanes; i++) {
        if (w->held[i] == NULL) {
            return 1;
        }
    }
    return 0;
}

void ed_api_refresh(ed_api_worker *w)
{
    for (int i = 0; i < w->n_lanes; i++) {
        if (w->held[i] == NULL) {
            ed_decider_refresh(w->lanes[i]);
        }
    }
}

void ed_api_handle(ed_api_worker *w, const ed_request *req, ed_response *res)
{
    const char *path = req->path;
    if (decides(path)) {
        /* a lane not waiting for Metrc; none: the request waits (before
         * anything of it is counted, so it is handled once) */
        w->lane = -1;
        for (int i = 0; i < w->n_lanes && w->lane < 0; i++) {
            if (w->held[i] == NULL) {
                w->lane = i;
            }
        }
        if (w->lane < 0) {
            res->busy = 1;
            return;
        }
    }
    if (strcmp(path, "/healthz") == 0) {
        set_route(res, "/healthz");
        res->status = 200;
        ed_buf_puts(&res->body, "{\"status\":\"ok\"}\n");
        return;
    }
    if (strcmp(path, "/readyz") == 0) {
        set_route(res, "/readyz");
        if (atomic_load(&w->svc->draining)) {
            ed_api_error(res, 503, "draining", "shutting down");
        } else {
            /* ready for every tenant but those whose journal does not
             * verify: they are named, so that an operator sees them */
            res->status = 200;
            ed_buf_printf(&res->body, "{\"status\":\"ready\",\"generation\":%lu,"
                          "\"quarantined\":[", w->svc->gens.current ? w->svc->gens.current->id
                                                                   : 0UL);
            ed_store_quarantined(w->svc->store, list_quarantined, &res->body);
            ed_buf_puts(&res->body, "]}\n");
        }
        return;
    }
    if (strcmp(path, "/metrics") == 0) {
        set_route(res, "/metrics");
        metrics(w, res);
        return;
    }
    if (strcmp(path, "/v1/admin/reload") == 0) {
        set_route(res, "/v1/admin/reload");
        if (!method_is(req, "POST")) {
            wrong_method(w, res, "POST");
        } else if (!is_admin(w, req)) {
            ed_api_error(res, 401, "unauthorized", "the admin token is required");
        } else {
            reload(w, res);
        }
        return;
    }
    if (strcmp(path, "/v1/admin/diff") == 0) {
        set_route(res, "/v1/admin/diff");
        if (!method_is(req, "POST")) {
            wrong_method(w, res, "POST");
        } else if (!is_admin(w, req)) {
            ed_api_error(res, 401, "unauthorized", "the admin token is required");
        } else {
            admin_diff(w, req, res);
        }
        return;
    }
    if (strncmp(path, "/v1/webhooks/", 13) == 0) {
        set_route(res, "/v1/webhooks/{source}");
        if (!method_is(req, "POST")) {
            wrong_method(w, res, "POST");
        } else {
            webhook(w, req, path + 13, res);
        }
        return;
    }
    if (strcmp(path, "/v1/packs") == 0) {
        set_route(res, "/v1/packs");
        if (!is_admin(w, req) && authenticate(w, req, res) == NULL) {
            return;
        }
        packs(w, res);
        return;
    }
    /* the tenant's own endpoints */
    const char *route = strcmp(path, "/v1/evaluate") == 0           ? "/v1/evaluate"
                        : strcmp(path, "/v1/decisions") == 0        ? "/v1/decisions"
                        : strncmp(path, "/v1/decisions/", 14) == 0  ? "/v1/decisions/{id}"
                        : strcmp(path, "/v1/audit/verify") == 0     ? "/v1/audit/verify"
                        : strcmp(path, "/v1/metrc/outbox") == 0     ? "/v1/metrc/outbox"
                        : strcmp(path, "/v1/audit/packages") == 0   ? "/v1/audit/packages"
                        : strcmp(path, "/v1/evidence") == 0         ? "/v1/evidence"
                        : strncmp(path, "/v1/evidence/", 13) == 0   ? "/v1/evidence/{digest}"
                                                                     : NULL;
    if (route == NULL) {
        set_route(res, "(unknown)");
        ed_api_error(res, 404, "not_found", "no such endpoint");
        return;
    }
    set_route(res, route);
    int post = strcmp(route, "/v1/evaluate") == 0 || strcmp(route, "/v1/metrc/outbox") == 0;
    if (strcmp(route, "/v1/audit/packages") == 0) {
        const ed_token *tk = NULL;
        const ed_tenant_auth *ta = NULL;
        if (!method_is(req, "POST")) {
            wrong_method(w, res, "POST");
        } else if ((ta = authenticate_as(w, req, res, &tk)) != NULL && rate_ok(w, ta, res) &&
                   may(tk, MAY_AUDIT | MAY_ADMIN, "produce audit packages", res)) {
            audit_package(w, ta, tk, req->query, res);
        }
        return;
    }
    if (!method_is(req, post ? "POST" : "GET")) {
        wrong_method(w, res, post ? "POST" : "GET");
        return;
    }
    const ed_token *tok = NULL;
    const ed_tenant_auth *t = authenticate_as(w, req, res, &tok);
    if (t == NULL || !rate_ok(w, t, res)) {
        return;
    }
    if (post ? !may(tok, MAY_EVALUATE | MAY_ADMIN,
                    strcmp(route, "/v1/metrc/outbox") == 0 ? "queue writes for Metrc" : "evaluate",
                    res)
             : strncmp(route, "/v1/evidence", 12) == 0 &&
                   !may(tok, MAY_AUDIT | MAY_ADMIN, "read evidence", res)) {
        return;
    }
    if (strcmp(route, "/v1/metrc/outbox") == 0) {
        metrc_outbox(w, t, req, res);
    } else if (post) {
        evaluate_once(w, t, "evaluate", req->idempotency_key, req->body, req->body_len,
                      req->may_defer_commit, res);
    } else if (strcmp(route, "/v1/decisions") == 0) {
        list(w, t, req->query, res);
    } else if (strcmp(route, "/v1/audit/verify") == 0) {
        audit_verify(w, t, res);
    } else if (strcmp(route, "/v1/evidence") == 0) {
        list_evidence(w, t, req->query, res);
    } else if (strcmp(route, "/v1/evidence/{digest}") == 0) {
        get_evidence(w, t, tok, path + 13, res);
    } else {
        get_decision(w, t, path + 14, res);
    }
}
