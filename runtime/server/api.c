/*
 * api.c — the endpoints of `edict serve` (README.md, "edict serve"): who
 * the caller is (bearer token → tenant), the rate limit, Idempotency-Key,
 * evaluation and journaling, webhooks with HMAC signatures and a Lua
 * normaliser per source, decision lookups, audit verify, packs, reload,
 * admin diff (other packs' decisions compared, never journaled), health
 * and metrics. Runs on worker threads (server.h).
 */
#define _GNU_SOURCE /* memmem, open_memstream */
#define api_c

#include "server.h"

#include "decider/diff.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "util/fsutil.h"
#include "engine/json.h"
#include "util/jsonstr.h"
#include "util/utf8.h"

#include <lauxlib.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stdlib/hash.h"
#include "stdlib/time.h"

#define MAX_IDEMPOTENCY_KEY 255
#define LIST_DEFAULT 100
#define LIST_MAX 1000

void ed_api_error(ed_worker *w, ed_response *res, int status, const char *code,
                  const char *message)
{
    res->status = status;
    ed_buf_reset(&res->body);
    ed_buf_printf(&res->body, "{\"error\":{\"code\":\"%s\",\"message\":", code);
    ed_json_escape(&res->body, message, strlen(message));
    ed_buf_puts(&res->body, "}}\n");
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

/* The tenant of the request's token, or NULL after answering 401. */
static const ed_tenant_auth *authenticate(ed_worker *w, const ed_request *req,
                                          ed_response *res)
{
    const char *token = bearer(req);
    const ed_tenant_auth *t = token ? ed_config_tenant_by_token(w->srv->cfg, token) : NULL;
    if (t == NULL) {
        ed_api_error(w, res, 401, "unauthorized",
                     token ? "the bearer token is not valid"
                           : "an Authorization: Bearer <token> header is required");
        ed_buf_puts(&res->headers, "WWW-Authenticate: Bearer realm=\"edict\"\r\n");
        return NULL;
    }
    snprintf(res->tenant, sizeof res->tenant, "%s", t->name);
    return t;
}

static int is_admin(ed_worker *w, const ed_request *req)
{
    const char *token = bearer(req);
    const char *want = w->srv->cfg->admin_token_sha256;
    if (token == NULL || want[0] == '\0') {
        return 0;
    }
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(token, strlen(token), hex);
    return CRYPTO_memcmp(hex, want, 64) == 0;
}

/* 1 when the tenant may go on; 0 after answering 429. */
static int rate_ok(ed_worker *w, const ed_tenant_auth *t, ed_response *res)
{
    double retry = 0;
    if (ed_ratelimit_take(w->srv->rate, t->name, t->rate_per_minute, t->burst,
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
    ed_api_error(w, res, 429, "rate_limited", msg);
    ed_buf_printf(&res->headers, "Retry-After: %ld\r\n", secs);
    ed_buf labels = {0};
    ed_buf_puts(&labels, "tenant=\"");
    ed_metrics_label_escape(t->name, &labels);
    ed_buf_putc(&labels, '"');
    ed_metrics_inc(w->srv->metrics, "edict_rate_limited_total", labels.data, 1);
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

/* Count rule errors and limit stops by pack, from the decision's errors. */
static void count_rule_errors(ed_worker *w, const char *decision, size_t len)
{
    lua_State *L = w->intake;
    ed_buf err = {0};
    if (ed_json_decode(L, decision, len, &err) != 0) {
        ed_buf_free(&err);
        return;
    }
    if (lua_getfield(L, -1, "errors") == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            lua_getfield(L, -1, "rule");
            lua_getfield(L, -2, "limit");
            const char *rule = lua_tostring(L, -2);
            const char *limit = lua_tostring(L, -1);
            char pack[136] = "(none)";
            if (rule) {
                size_t k = strcspn(rule, "/");
                snprintf(pack, sizeof pack, "%.*s", (int)(k < 128 ? k : 128), rule);
            }
            ed_buf labels = {0};
            ed_buf_puts(&labels, "pack=\"");
            ed_metrics_label_escape(pack, &labels);
            ed_buf_putc(&labels, '"');
            ed_metrics_inc(w->srv->metrics, "edict_rule_errors_total", labels.data, 1);
            if (limit) {
                ed_buf_puts(&labels, ",limit=\"");
                ed_metrics_label_escape(limit, &labels);
                ed_buf_putc(&labels, '"');
                ed_metrics_inc(w->srv->metrics, "edict_rule_limit_stops_total",
                               labels.data, 1);
            }
            ed_buf_free(&labels);
            lua_pop(L, 3);
        }
    }
    lua_pop(L, 2);
    ed_buf_free(&err);
}

static int blank_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            return 0;
        }
    }
    return 1;
}

/* Decode body into a list of events at the top of L: a JSON object (one
 * event), an array of them, or NDJSON. Returns the count (the list is
 * pushed), or -1 after answering 400. *single is set for an object body. */
static long decode_events(ed_worker *w, const char *body, size_t len, int *single,
                          ed_response *res)
{
    lua_State *L = w->intake;
    ed_buf err = {0};
    size_t bad;
    *single = 0;
    if (!ed_utf8_valid(body, len, &bad)) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is not UTF-8 at byte offset %zu", bad);
        ed_api_error(w, res, 400, "bad_json", msg);
        return -1;
    }
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
        i++;
    }
    if (i == len) {
        ed_api_error(w, res, 400, "bad_json", "the body is empty: send an event, an array "
                     "of events or NDJSON");
        return -1;
    }
    if (ed_json_decode(L, body, len, &err) == 0) {
        if (lua_type(L, -1) == LUA_TTABLE && body[i] == '{') {
            *single = 1;
            lua_createtable(L, 1, 0);
            lua_insert(L, -2);
            lua_rawseti(L, -2, 1);
            ed_buf_free(&err);
            return 1;
        }
        if (lua_type(L, -1) == LUA_TTABLE && body[i] == '[') {
            ed_buf_free(&err);
            return (long)lua_rawlen(L, -1);
        }
        lua_pop(L, 1);
        ed_api_error(w, res, 400, "bad_json", "the body must be a JSON object, an array of "
                     "objects, or NDJSON");
        ed_buf_free(&err);
        return -1;
    }
    if (body[i] == '[') {
        ed_buf msg = {0};
        ed_buf_printf(&msg, "invalid JSON: %s", err.data);
        ed_api_error(w, res, 400, "bad_json", msg.data);
        ed_buf_free(&msg);
        ed_buf_free(&err);
        return -1;
    }
    /* NDJSON: one event per line; a bad line fails the request with its
     * line number, before anything is decided */
    lua_newtable(L);
    long n = 0, line = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(body + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - body) : len;
        line++;
        if (!blank_text(body + at, end - at)) {
            if (ed_json_decode(L, body + at, end - at, &err) != 0) {
                ed_buf msg = {0};
                ed_buf_printf(&msg, "line %ld (byte offset %zu): invalid JSON: %s", line,
                              at, err.data);
                ed_api_error(w, res, 400, "bad_json", msg.data);
                ed_buf_free(&msg);
                ed_buf_free(&err);
                lua_pop(L, 1);
                return -1;
            }
            lua_rawseti(L, -2, ++n);
        }
        at = end + 1;
    }
    ed_buf_free(&err);
    return n;
}

/* Decide the events of body for tenant t; answer with the decisions. */
static void evaluate(ed_worker *w, const ed_tenant_auth *t, const char *body,
                     size_t len, ed_response *res)
{
    lua_State *L = w->intake;
    int top = lua_gettop(L);
    int single;
    long n = decode_events(w, body, len, &single, res);
    if (n < 0) {
        lua_settop(L, top);
        return;
    }
    ed_server *srv = w->srv;
    if (n == 0) {
        ed_api_error(w, res, 400, "no_events", "the body holds no events");
        goto done;
    }
    if ((size_t)n > srv->cfg->max_batch_events) {
        char msg[128];
        snprintf(msg, sizeof msg, "a batch of %ld events is over the limit of %zu", n,
                 srv->cfg->max_batch_events);
        ed_api_error(w, res, 413, "batch_too_large", msg);
        goto done;
    }
    /* the tenant comes from the token: an event claiming another tenant
     * refuses the whole request, before anything is decided */
    for (long i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_type(L, -1) == LUA_TTABLE && lua_getfield(L, -1, "tenant") == LUA_TSTRING &&
            strcmp(lua_tostring(L, -1), t->name) != 0) {
            ed_buf msg = {0};
            ed_buf_printf(&msg, "event %ld belongs to tenant '%s'; the token is tenant '%s'",
                          single ? 0 : i - 1, lua_tostring(L, -1), t->name);
            ed_api_error(w, res, 403, "wrong_tenant", msg.data);
            ed_buf_free(&msg);
            goto done;
        }
        lua_settop(L, top + 1);
    }
    ed_worker_sync_generation(w);
    ed_buf err = {0};
    ed_context *ctx = ed_worker_context(w, t->name, &err);
    if (ctx == NULL) {
        ed_api_error(w, res, 500, "context", err.data);
        ed_buf_free(&err);
        goto done;
    }
    ed_buf decisions = {0}, errors = {0}, out = {0};
    ed_eval_options opt = {0};
    long decided = 0, refused = 0;
    int failed = 0;
    ed_buf labels = {0};
    for (long i = 1; i <= n && !failed; i++) {
        lua_rawgeti(L, -1, i);
        ed_event ev;
        ed_buf_reset(&err);
        int rc = 1;
        double t0 = ed_now_mono();
        if (lua_type(L, -1) != LUA_TTABLE) {
            ed_buf_puts(&err, "an event must be a JSON object");
            memset(&ev, 0, sizeof ev);
        } else if (ed_event_read(L, -1, t->name, NULL, &ev, &err) == 0 &&
                   ed_event_copy_protected(L, -1, ctx->L, &err) == 0) {
            ed_outcome o;
            ed_buf_reset(&out);
            rc = ed_engine_evaluate(ctx, &ev, &opt, &out, &o, &err);
            if (rc == 0) {
                if (ed_server_journal(srv, t->name, out.data, out.len, &err) != 0) {
                    failed = 1;
                } else {
                    ed_buf_puts(&decisions, decided ? "," : "");
                    ed_buf_append(&decisions, out.data, out.len);
                    decided++;
                    ed_buf_reset(&labels);
                    tenant_label(t->name, &labels);
                    ed_buf_printf(&labels, ",flag=\"%s\"", ed_flag_name(o.flag));
                    ed_metrics_inc(srv->metrics, "edict_decisions_total", labels.data, 1);
                    if (o.n_errors) {
                        count_rule_errors(w, out.data, out.len);
                    }
                }
            } else if (rc < 0) {
                failed = 1;
            }
        }
        lua_settop(L, top + 1);
        ed_metrics_observe(srv->metrics, "edict_evaluation_seconds", "", ed_now_mono() - t0);
        if (rc == 1) {
            refused++;
            ed_buf_puts(&errors, errors.len ? ",{\"index\":" : "{\"index\":");
            ed_buf_printf(&errors, "%ld", i - 1);
            if (ev.id[0]) {
                ed_buf_puts(&errors, ",\"event_id\":");
                ed_json_escape(&errors, ev.id, strlen(ev.id));
            }
            ed_buf_puts(&errors, ",\"error\":");
            ed_json_escape(&errors, err.data ? err.data : "refused", err.len);
            ed_buf_putc(&errors, '}');
            ed_buf_reset(&labels);
            tenant_label(t->name, &labels);
            ed_metrics_inc(srv->metrics, "edict_events_refused_total", labels.data, 1);
        }
    }
    /* a state grown too large is rebuilt for the next request */
    ed_contexts_done(&w->ctxs, ctx);
    /* acknowledged only once durable */
    if (!failed && decided > 0 && ed_server_journal_sync(srv, &err) != 0) {
        failed = 1;
    }
    if (failed) {
        ed_api_error(w, res, 500, "not_journaled", err.len ? err.data : "evaluation failed");
    } else if (single && decided == 0) {
        /* one event, refused: the error is the answer */
        ed_buf msg = {0};
        ed_buf_printf(&msg, "the event was refused: %s", err.data ? err.data : "");
        ed_api_error(w, res, 422, "event_refused", msg.data);
        ed_buf_free(&msg);
    } else {
        res->status = 200;
        ed_buf_printf(&res->body, "{\"generation\":%lu,\"decided\":%ld,\"refused\":%ld,"
                      "\"decisions\":[", w->gen->id, decided, refused);
        if (decisions.len) {
            ed_buf_append(&res->body, decisions.data, decisions.len);
        }
        ed_buf_puts(&res->body, "],\"errors\":[");
        if (errors.len) {
            ed_buf_append(&res->body, errors.data, errors.len);
        }
        ed_buf_puts(&res->body, "]}\n");
        ed_buf_printf(&res->headers, "X-Edict-Generation: %lu\r\n", w->gen->id);
    }
    ed_buf_free(&labels);
    ed_buf_free(&decisions);
    ed_buf_free(&errors);
    ed_buf_free(&out);
    ed_buf_free(&err);
done:
    lua_settop(L, top);
}

/* Evaluate under Idempotency-Key (when given): a repeat within the window
 * gets the first response, byte for byte, and journals nothing. `scope`
 * separates key spaces (evaluate, webhook:<source>). */
static void evaluate_once(ed_worker *w, const ed_tenant_auth *t, const char *scope,
                          const char *key, const char *body, size_t len,
                          ed_response *res)
{
    if (key == NULL) {
        evaluate(w, t, body, len, res);
        return;
    }
    if (key[0] == '\0' || strlen(key) > MAX_IDEMPOTENCY_KEY) {
        ed_api_error(w, res, 400, "bad_idempotency_key",
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
    double now = ed_now_mono();
    ed_idem_result r = ed_idem_begin(w->srv->idem, t->name, scoped.data, digest, now,
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
            ed_metrics_inc(w->srv->metrics, "edict_idempotent_replays_total", labels.data, 1);
            ed_buf_free(&labels);
        }
        break;
    case ED_IDEM_CONFLICT:
        ed_api_error(w, res, 422, "idempotency_key_reused",
                     "this Idempotency-Key was used with a different body");
        break;
    case ED_IDEM_IN_PROGRESS:
        ed_api_error(w, res, 409, "idempotency_key_in_progress",
                     "a request with this Idempotency-Key is still being evaluated");
        ed_buf_puts(&res->headers, "Retry-After: 1\r\n");
        break;
    case ED_IDEM_NEW:
        evaluate(w, t, body, len, res);
        if (res->status >= 500) {
            ed_idem_abort(w->srv->idem, t->name, scoped.data);
        } else {
            ed_buf_putc(&res->headers, '\0');
            ed_idem_finish(w->srv->idem, t->name, scoped.data, res->status,
                           res->headers.data, res->body.data ? res->body.data : "",
                           res->body.len, ed_now_mono());
            res->headers.len--;
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

/* The normaliser of source k, loaded in its own sandbox on first use:
 * its file returns function(payload) -> event | { event, ... }. */
static ed_sandbox *normaliser(ed_worker *w, size_t k, ed_buf *err)
{
    if (w->normalisers[k]) {
        return w->normalisers[k];
    }
    const ed_webhook_source *src = &w->srv->cfg->webhooks[k];
    ed_sandbox *sb = ed_sandbox_new();
    if (sb == NULL) {
        ed_buf_puts(err, "out of memory");
        return NULL;
    }
    lua_State *L = ed_sandbox_state(sb);
    ed_buf chunk = {0};
    ed_buf_printf(&chunk, "@%s", src->normaliser);
    if (ed_json_open_protected(L) != 0 ||
        luaL_loadbufferx(L, src->normaliser_code, strlen(src->normaliser_code),
                         chunk.data, "t") != LUA_OK) {
        ed_buf_printf(err, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "cannot load");
        ed_buf_free(&chunk);
        ed_sandbox_free(sb);
        return NULL;
    }
    ed_buf_free(&chunk);
    ed_sandbox_push_env(sb);
    lua_setupvalue(L, -2, 1);
    ed_call_result cr;
    ed_sandbox_call(sb, 0, 1, &w->srv->cfg->limits, &cr);
    if (cr.status != LUA_OK || !lua_isfunction(L, -1)) {
        ed_buf_printf(err, "%s%s%s", cr.where ? cr.where : "", cr.where && cr.where[0] ? ": " : "",
                      cr.status != LUA_OK ? cr.message : "the normaliser must return a function");
        ed_sandbox_free(sb);
        return NULL;
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "edict.normaliser");
    w->normalisers[k] = sb;
    return sb;
}

static void webhook(ed_worker *w, const ed_request *req, const char *source,
                    ed_response *res)
{
    const ed_config *cfg = w->srv->cfg;
    const ed_webhook_source *src = ed_config_webhook(cfg, source);
    if (src == NULL) {
        ed_api_error(w, res, 404, "unknown_source", "no webhook source by that name");
        return;
    }
    /* 1. signature: HMAC-SHA256(secret, timestamp "." body), within the
     * tolerance of now, compared in constant time */
    const char *sig = req->signature, *ts = req->timestamp;
    if (sig && strncmp(sig, "sha256=", 7) == 0) {
        sig += 7;
    }
    if (sig == NULL || ts == NULL) {
        ed_api_error(w, res, 401, "signature_missing",
                     "X-Edict-Signature and X-Edict-Timestamp headers are required");
        return;
    }
    char *end = NULL;
    long long stamp = strtoll(ts, &end, 10);
    if (end == ts || *end != '\0') {
        ed_api_error(w, res, 401, "bad_timestamp",
                     "X-Edict-Timestamp must be Unix seconds");
        return;
    }
    double skew = difftime(time(NULL), (time_t)stamp);
    if (fabs(skew) > src->tolerance_s) {
        char msg[128];
        snprintf(msg, sizeof msg, "the timestamp is %.0f s from now; at most %.0f s is "
                 "accepted (replay protection)", fabs(skew), src->tolerance_s);
        ed_api_error(w, res, 401, "stale_timestamp", msg);
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
        ed_api_error(w, res, 401, "bad_signature", "the signature does not match the body");
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
    ed_buf err = {0};
    ed_sandbox *sb = normaliser(w, k, &err);
    if (sb == NULL) {
        ed_api_error(w, res, 500, "normaliser", err.data);
        ed_buf_free(&err);
        return;
    }
    lua_State *L = ed_sandbox_state(sb);
    int top = lua_gettop(L);
    size_t bad;
    if (!ed_utf8_valid(req->body, req->body_len, &bad) ||
        ed_json_decode(L, req->body, req->body_len, &err) != 0) {
        ed_buf msg = {0};
        ed_buf_printf(&msg, "the payload is not JSON: %s",
                      err.len ? err.data : "not UTF-8");
        ed_api_error(w, res, 400, "bad_json", msg.data);
        ed_buf_free(&msg);
        ed_buf_free(&err);
        lua_settop(L, top);
        return;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "edict.normaliser");
    lua_insert(L, -2);
    ed_call_result cr;
    ed_sandbox_call(sb, 1, 1, &cfg->limits, &cr);
    ed_buf events = {0};
    if (cr.status != LUA_OK) {
        ed_buf msg = {0};
        ed_buf_printf(&msg, "the %s normaliser failed: %s%s%s", src->name, cr.where,
                      cr.where[0] ? ": " : "", cr.message);
        ed_api_error(w, res, 422, "normaliser_failed", msg.data);
        ed_buf_free(&msg);
    } else if (!lua_istable(L, -1) || ed_json_emit(L, -1, &events, &err) != 0) {
        ed_api_error(w, res, 422, "normaliser_failed",
                     err.len ? err.data : "the normaliser must return an event or a list");
    } else if (rate_ok(w, t, res)) { /* 4. rate limit */
        /* a delivery repeated within the tolerance (same signature) is a
         * replay: it gets the first answer and is not decided again */
        evaluate_once(w, t, "webhook", sig, events.data, events.len, res);
    }
    lua_settop(L, top);
    ed_buf_free(&events);
    ed_buf_free(&err);
}

/* ------------------------------------------------------------------ */
/* Decisions, audit                                                      */
/* ------------------------------------------------------------------ */

typedef struct find_arg {
    const char *needle;
    size_t needle_len;
    ed_buf *found;
} find_arg;

static int find_decision(void *arg, const ed_journal_entry *e)
{
    find_arg *a = arg;
    if (e->bytes && a->found->len == 0 &&
        memmem(e->bytes, e->len, a->needle, a->needle_len) != NULL) {
        ed_buf_append(a->found, e->bytes, e->len);
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

static void get_decision(ed_worker *w, const ed_tenant_auth *t, const char *id,
                         ed_response *res)
{
    ed_buf found = {0}, needle = {0};
    if (plain_id(id)) {
        ed_buf_printf(&needle, "\"decision_id\":\"%s\"", id);
        find_arg a = {needle.data, needle.len, &found};
        uint64_t head;
        FILE *devnull = fopen("/dev/null", "w");
        /* only this tenant's chain is read: another tenant's id is not
         * there, and answers 404 like any unknown id */
        ed_journal_each(w->srv->cfg->journal_dir, t->name, find_decision, &a, &head,
                        devnull ? devnull : stderr);
        if (devnull) {
            fclose(devnull);
        }
    }
    if (found.len == 0) {
        ed_api_error(w, res, 404, "not_found", "no decision with this id");
    } else {
        res->status = 200;
        ed_buf_append(&res->body, found.data, found.len);
        ed_buf_putc(&res->body, '\n');
    }
    ed_buf_free(&found);
    ed_buf_free(&needle);
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
    lua_State *L;
    const char *from, *to, *flag, *type; /* filters, NULL: any */
    unsigned long long after;
    long limit, count;
    unsigned long long last;
    int more;
    ed_buf *out;
} list_arg;

static int list_decisions(void *arg, const ed_journal_entry *e)
{
    list_arg *a = arg;
    if (e->bytes == NULL || e->seq <= a->after || a->more) {
        return 0;
    }
    lua_State *L = a->L;
    ed_buf err = {0};
    if (ed_json_decode(L, e->bytes, e->len, &err) != 0) {
        ed_buf_free(&err);
        return 0;
    }
    ed_buf_free(&err);
    int keep = lua_getfield(L, -1, "decision_id") == LUA_TSTRING;
    lua_pop(L, 1);
    if (keep && a->flag) {
        lua_getfield(L, -1, "flag");
        keep = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), a->flag) == 0;
        lua_pop(L, 1);
    }
    if (keep && a->type) {
        lua_getfield(L, -1, "type");
        keep = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), a->type) == 0;
        lua_pop(L, 1);
    }
    if (keep && (a->from || a->to)) {
        lua_getfield(L, -1, "occurred_at");
        const char *at = lua_tostring(L, -1);
        char day[11] = "";
        if (at && strlen(at) >= 10) {
            memcpy(day, at, 10);
        }
        keep = day[0] && (!a->from || strcmp(day, a->from) >= 0) &&
               (!a->to || strcmp(day, a->to) <= 0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (!keep) {
        return 0;
    }
    if (a->count == a->limit) {
        a->more = 1;
        return 0;
    }
    ed_buf_puts(a->out, a->count ? ",{\"seq\":" : "{\"seq\":");
    ed_buf_printf(a->out, "%llu,\"decision\":", (unsigned long long)e->seq);
    ed_buf_append(a->out, e->bytes, e->len);
    ed_buf_putc(a->out, '}');
    a->count++;
    a->last = e->seq;
    return 0;
}

/* NULL (no filter) or a valid YYYY-MM-DD. */
static int valid_day(const char *s)
{
    ed_time t;
    return s == NULL || (strlen(s) == 10 && ed_time_parse(s, 10, 1, &t, NULL, 0) == 0);
}

static void list(ed_worker *w, const ed_tenant_auth *t, const char *query,
                 ed_response *res)
{
    char from[32], to[32], flag[16], type[136], limit_s[16], after_s[32];
    list_arg a = {0};
    a.L = w->intake;
    a.from = query_param(query, "from", from, sizeof from);
    a.to = query_param(query, "to", to, sizeof to);
    a.flag = query_param(query, "flag", flag, sizeof flag);
    a.type = query_param(query, "type", type, sizeof type);
    const char *ls = query_param(query, "limit", limit_s, sizeof limit_s);
    const char *as = query_param(query, "after", after_s, sizeof after_s);
    a.limit = ls ? strtol(ls, NULL, 10) : LIST_DEFAULT;
    a.after = as ? strtoull(as, NULL, 10) : 0;
    if (!valid_day(a.from) || !valid_day(a.to)) {
        ed_api_error(w, res, 400, "bad_query", "from and to must be dates, YYYY-MM-DD");
        return;
    }
    if (a.flag && strcmp(a.flag, "green") && strcmp(a.flag, "yellow") && strcmp(a.flag, "red")) {
        ed_api_error(w, res, 400, "bad_query", "flag must be green, yellow or red");
        return;
    }
    if (a.limit < 1 || a.limit > LIST_MAX) {
        ed_api_error(w, res, 400, "bad_query", "limit must be 1 to 1000");
        return;
    }
    ed_buf items = {0};
    a.out = &items;
    uint64_t head;
    FILE *devnull = fopen("/dev/null", "w");
    ed_journal_each(w->srv->cfg->journal_dir, t->name, list_decisions, &a, &head,
                    devnull ? devnull : stderr);
    if (devnull) {
        fclose(devnull);
    }
    res->status = 200;
    ed_buf_puts(&res->body, "{\"items\":[");
    if (items.len) {
        ed_buf_append(&res->body, items.data, items.len);
    }
    ed_buf_printf(&res->body, "],\"count\":%ld,\"next_after\":", a.count);
    if (a.more) {
        ed_buf_printf(&res->body, "%llu}\n", a.last);
    } else {
        ed_buf_puts(&res->body, "null}\n");
    }
    ed_buf_free(&items);
}

static void audit_verify(ed_worker *w, const ed_tenant_auth *t, ed_response *res)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        ed_api_error(w, res, 500, "internal", "out of memory");
        return;
    }
    uint64_t head = 0;
    int rc = ed_journal_each(w->srv->cfg->journal_dir, t->name, NULL, NULL, &head, f);
    fclose(f);
    res->status = 200;
    ed_buf_puts(&res->body, "{\"tenant\":");
    ed_json_escape(&res->body, t->name, strlen(t->name));
    ed_buf_printf(&res->body, ",\"ok\":%s,\"entries\":%llu,\"report\":[",
                  rc == 1 ? "false" : "true", (unsigned long long)head);
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
/* Packs, reload, health, metrics                                        */
/* ------------------------------------------------------------------ */

static void packs(ed_worker *w, ed_response *res)
{
    ed_generation *gen = ed_gen_acquire(&w->srv->gens);
    res->status = 200;
    ed_buf_printf(&res->body, "{\"generation\":%lu,\"loaded_at\":\"%s\",\"source\":\"%s\","
                  "\"packs\":%s,\"last_reload\":", gen->id, gen->loaded_at, gen->source,
                  gen->packs_json);
    ed_gen_last_reload_json(&w->srv->gens, &res->body);
    ed_buf_puts(&res->body, "}\n");
    ed_gen_release(&w->srv->gens, gen);
}

static void reload(ed_worker *w, ed_response *res)
{
    ed_buf err = {0};
    unsigned long id = ed_server_reload(w->srv, "admin", &err);
    if (id == 0) {
        ed_api_error(w, res, 422, "reload_failed", err.data ? err.data : "reload failed");
    } else {
        res->status = 200;
        ed_buf_printf(&res->body, "{\"ok\":true,\"generation\":%lu}\n", id);
    }
    ed_buf_free(&err);
}

static void metrics(ed_worker *w, ed_response *res)
{
    ed_server *srv = w->srv;
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
/* Admin: what other packs would change                                  */
/* ------------------------------------------------------------------ */

/*
 * POST /v1/admin/diff: for one tenant, the decisions that would change if
 * the packs under `to` replaced the ones serving, as `edict diff --json`
 * reports them (diff.h).
 *
 * Why the caller sends the events. The journal keeps decisions, not
 * events: a decision names its event (id, type, jurisdiction,
 * occurred_at, as_of) and the packs that decided it, but not the event's
 * `data`, which is what rules read. Re-deciding journaled decisions
 * without it would decide other events (empty data) and report changes
 * that are not there. The server keeps nothing more, so re-decision needs
 * the events: the body carries them (the ones once sent to /v1/evaluate),
 * and each one's journaled decision, found by event id in the tenant's
 * chain (the most recent among its last `limit` decisions), is the "from"
 * side; only the "to" side is decided. An event with no journaled
 * decision there is decided under the generation serving now, as "from".
 * The journal cannot confirm that an event's data is what was decided
 * then: the caller vouches for that.
 *
 * Nothing is journaled. The work is bounded: the body by max_body_bytes,
 * the events by max_batch_events, the look-back by `limit` (at most
 * DIFF_LIMIT_MAX; finding it still walks and verifies the whole chain,
 * like GET /v1/decisions). It runs on the worker that took it, like an
 * admin reload: a rare request, not a hot path.
 */

#define DIFF_LIMIT_DEFAULT 1000
#define DIFF_LIMIT_MAX 10000
#define DIFF_MAX_TO_DIRS 32

typedef struct diff_request {
    char *tenant;
    char *to[DIFF_MAX_TO_DIRS];
    size_t n_to;
    char *tenants_dir;       /* NULL: no overlays */
    int tenants_dir_given;   /* named in the body: it must exist */
    long limit;
    long n_events;           /* the list is at the top of the intake stack */
} diff_request;

static void diff_request_free(diff_request *dr)
{
    free(dr->tenant);
    for (size_t i = 0; i < dr->n_to; i++) {
        free(dr->to[i]);
    }
    free(dr->tenants_dir);
}

static char *dup_string(const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL) {
        abort();
    }
    return copy;
}

/* A non-empty string without NUL of at most max bytes at idx, or NULL. */
static const char *plain_string(lua_State *L, int idx, size_t max)
{
    size_t len;
    if (lua_type(L, idx) != LUA_TSTRING) {
        return NULL;
    }
    const char *s = lua_tolstring(L, idx, &len);
    return len > 0 && len <= max && memchr(s, '\0', len) == NULL ? s : NULL;
}

/* An absolute folder path at idx, or NULL. */
static const char *folder_path(lua_State *L, int idx)
{
    const char *s = plain_string(L, idx, 4096);
    return s && s[0] == '/' ? s : NULL;
}

/* Read the body into dr, leaving the list of events at the top of the
 * intake stack. 0, or -1 after answering (400, 413). */
static int diff_read_request(ed_worker *w, const ed_request *req, diff_request *dr,
                             ed_response *res)
{
    static const char *const known[] = {"tenant", "to", "events", "tenants_dir",
                                        "limit"};
    lua_State *L = w->intake;
    ed_buf err = {0};
    size_t bad;
    if (!ed_utf8_valid(req->body, req->body_len, &bad)) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is not UTF-8 at byte offset %zu", bad);
        ed_api_error(w, res, 400, "bad_json", msg);
        return -1;
    }
    size_t i = 0;
    while (i < req->body_len && strchr(" \t\r\n", req->body[i]) != NULL) {
        i++;
    }
    if (i == req->body_len || req->body[i] != '{' ||
        ed_json_decode(L, req->body, req->body_len, &err) != 0) {
        ed_buf msg = {0};
        ed_buf_printf(&msg, "the body must be a JSON object {\"tenant\", \"to\", \"events\", "
                      "\"tenants_dir\", \"limit\"}%s%s", err.len ? ": " : "",
                      err.len ? err.data : "");
        ed_api_error(w, res, 400, "bad_json", msg.data);
        ed_buf_free(&msg);
        ed_buf_free(&err);
        return -1;
    }
    ed_buf_free(&err);
    int body = lua_gettop(L);
    const char *problem = NULL;
    ed_buf msg = {0};
    /* an unknown field is most likely a typo: say so rather than ignore it */
    lua_pushnil(L);
    while (problem == NULL && lua_next(L, body) != 0) {
        int found = 0;
        if (lua_type(L, -2) == LUA_TSTRING) {
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
                found |= strcmp(lua_tostring(L, -2), known[k]) == 0;
            }
        }
        if (!found) {
            ed_buf_puts(&msg, "unknown field ");
            if (lua_type(L, -2) == LUA_TSTRING) {
                size_t n;
                const char *key = lua_tolstring(L, -2, &n);
                ed_json_escape(&msg, key, n);
            } else {
                ed_buf_puts(&msg, "(not a name)");
            }
            ed_buf_puts(&msg, ": the fields are tenant, to, events, tenants_dir and limit");
            problem = msg.data;
            lua_pop(L, 2);
            break;
        }
        lua_pop(L, 1);
    }
    if (problem == NULL) {
        lua_getfield(L, body, "tenant");
        const char *tenant = plain_string(L, -1, ED_EVENT_NAME_MAX);
        if (tenant == NULL) {
            problem = "\"tenant\" must be a tenant name (1 to 128 bytes)";
        } else {
            dr->tenant = dup_string(tenant);
            snprintf(res->tenant, sizeof res->tenant, "%s", tenant);
        }
        lua_settop(L, body);
    }
    if (problem == NULL) {
        /* "to": a folder, or a list of them */
        int type = lua_getfield(L, body, "to");
        lua_Integer n = type == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, -1) : 0;
        if (type == LUA_TSTRING) {
            const char *dir = folder_path(L, -1);
            if (dir) {
                dr->to[dr->n_to++] = dup_string(dir);
            }
        } else if (n > 0 && n <= DIFF_MAX_TO_DIRS) {
            for (lua_Integer k = 1; k <= n; k++) {
                lua_rawgeti(L, -1, k);
                const char *dir = folder_path(L, -1);
                if (dir == NULL) {
                    lua_pop(L, 1);
                    for (size_t j = 0; j < dr->n_to; j++) {
                        free(dr->to[j]);
                    }
                    dr->n_to = 0;
                    break;
                }
                dr->to[dr->n_to++] = dup_string(dir);
                lua_pop(L, 1);
            }
        }
        if (dr->n_to == 0) {
            problem = "\"to\" must be a list of 1 to 32 absolute paths of pack folders "
                      "(on the server)";
        }
        lua_settop(L, body);
    }
    if (problem == NULL) {
        int type = lua_getfield(L, body, "tenants_dir");
        if (type == LUA_TNIL || ed_json_is_null(L, -1)) {
            const char *dir = w->srv->cfg->tenants_dir;
            dr->tenants_dir = dir ? dup_string(dir) : NULL;
        } else if (type == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
            dr->tenants_dir = NULL; /* no overlays, as in the configuration */
        } else if (folder_path(L, -1) != NULL) {
            dr->tenants_dir = dup_string(lua_tostring(L, -1));
            dr->tenants_dir_given = 1;
        } else {
            problem = "\"tenants_dir\" must be an absolute path, or false for no overlays";
        }
        lua_settop(L, body);
    }
    if (problem == NULL) {
        int type = lua_getfield(L, body, "limit");
        dr->limit = DIFF_LIMIT_DEFAULT;
        if (type != LUA_TNIL) {
            int is_num = 0;
            lua_Number v = lua_tonumberx(L, -1, &is_num);
            if (type != LUA_TNUMBER || !is_num || v != floor(v) || v < 1 ||
                v > DIFF_LIMIT_MAX) {
                problem = "\"limit\" must be a whole number from 1 to 10000";
            } else {
                dr->limit = (long)v;
            }
        }
        lua_settop(L, body);
    }
    if (problem == NULL) {
        int type = lua_getfield(L, body, "events");
        if (type == LUA_TSTRING) {
            /* NDJSON, or the text of an array: read as /v1/evaluate reads a body
             * (the string stays anchored in the body table meanwhile) */
            size_t len;
            const char *text = lua_tolstring(L, -1, &len);
            int single;
            long n = decode_events(w, text, len, &single, res);
            if (n < 0) {
                lua_settop(L, body - 1);
                ed_buf_free(&msg);
                return -1;
            }
            dr->n_events = n;
        } else if (type == LUA_TTABLE) {
            dr->n_events = (long)lua_rawlen(L, -1);
        } else if (type == LUA_TNIL) {
            problem = "\"events\" is required: the journal keeps decisions, not the events' "
                      "data, so the events to re-decide must be sent (an array, or NDJSON "
                      "in a string)";
        } else {
            problem = "\"events\" must be an array of events, or NDJSON in a string";
        }
        if (problem == NULL && dr->n_events == 0) {
            problem = "\"events\" holds no events (an array of event objects, or NDJSON "
                      "in a string)";
        }
    }
    if (problem != NULL) {
        ed_api_error(w, res, 400, "bad_request", problem);
        ed_buf_free(&msg);
        lua_settop(L, body - 1);
        return -1;
    }
    ed_buf_free(&msg);
    if ((size_t)dr->n_events > w->srv->cfg->max_batch_events) {
        char text[128];
        snprintf(text, sizeof text, "%ld events are over the limit of %zu", dr->n_events,
                 w->srv->cfg->max_batch_events);
        ed_api_error(w, res, 413, "batch_too_large", text);
        lua_settop(L, body - 1);
        return -1;
    }
    /* keep only the list of events */
    lua_replace(L, body);
    lua_settop(L, body);
    return 0;
}

/* Answer 422 with the diagnostics as a list of "file:line: message". */
static void diff_refuse_packs(ed_response *res, const char *code, const char *message,
                              const ed_diags *d)
{
    res->status = 422;
    ed_buf_reset(&res->body);
    ed_buf_printf(&res->body, "{\"error\":{\"code\":\"%s\",\"message\":", code);
    ed_json_escape(&res->body, message, strlen(message));
    ed_buf_puts(&res->body, ",\"errors\":[");
    for (size_t i = 0; i < d->n; i++) {
        ed_buf line = {0};
        ed_diag_text(&d->items[i], &line);
        ed_buf_puts(&res->body, i ? "," : "");
        ed_json_escape(&res->body, line.data, line.len);
        ed_buf_free(&line);
    }
    ed_buf_puts(&res->body, "]}}\n");
}

/* Read and check the "to" packs off to the side, as a reload builds a
 * generation (generation.c), and the tenant's context on them. The
 * catalog, or NULL after answering 422 with the file:line diagnostics. */
static ed_catalog *diff_to_catalog(ed_worker *w, const diff_request *dr, ed_response *res)
{
    ed_diags d = {0};
    ed_catalog *cat = ed_catalog_load(&w->srv->cfg->limits, dr->to, dr->n_to,
                                      dr->tenants_dir, dr->tenants_dir_given, &d);
    if (cat->problems == 0 && cat->n_packs == 0) {
        ed_diags_add(&d, "", "no packs found under \"to\"");
        cat->problems++;
    }
    if (cat->problems > 0) {
        char message[160];
        snprintf(message, sizeof message, "%d problem%s in the \"to\" packs; nothing was "
                 "compared", cat->problems, cat->problems == 1 ? "" : "s");
        diff_refuse_packs(res, "bad_packs", message, &d);
        ed_diags_free(&d);
        ed_catalog_free(cat);
        return NULL;
    }
    ed_diags_free(&d);
    ed_context *ctx = ed_context_new(cat, dr->tenant, NULL, &d);
    if (ctx == NULL) {
        ed_buf message = {0};
        ed_buf_printf(&message, "the context of tenant %s cannot be built on the \"to\" "
                      "packs; nothing was compared", dr->tenant);
        diff_refuse_packs(res, "bad_packs", message.data, &d);
        ed_buf_free(&message);
        ed_diags_free(&d);
        ed_catalog_free(cat);
        return NULL;
    }
    ed_context_free(ctx);
    ed_diags_free(&d);
    return cat;
}

/* The journal walk: the latest decision of each event asked about. */
typedef struct diff_lookup {
    lua_State *L;
    int ids;                     /* {event id -> slot} on L */
    unsigned long long decisions; /* decisions seen so far */
    unsigned long long *seen_at;  /* per slot: its decision's ordinal, 0: none */
    ed_buf *found;               /* per slot: its journaled bytes */
    ed_buf err;
} diff_lookup;

#define DECISION_PREFIX "{\"decision_id\":"

static int diff_lookup_entry(void *arg, const ed_journal_entry *e)
{
    diff_lookup *a = arg;
    static const char key[] = "\"event_id\":\"";
    /* decisions only: their keys come in a fixed order, decision_id first
     * (other records, such as "kind":"reload", do not count) */
    if (e->bytes == NULL || e->len < sizeof DECISION_PREFIX - 1 ||
        memcmp(e->bytes, DECISION_PREFIX, sizeof DECISION_PREFIX - 1) != 0) {
        return 0;
    }
    a->decisions++;
    /* event_id comes second, so its first occurrence is the decision's own */
    const char *at = memmem(e->bytes, e->len, key, sizeof key - 1);
    if (at == NULL) {
        return 0;
    }
    const char *start = at + sizeof key - 2; /* the opening quote */
    const char *end = e->bytes + e->len;
    const char *p = start + 1;
    int escaped = 0;
    while (p < end && *p != '"') {
        if (*p == '\\') {
            escaped = 1;
            if (end - p < 2) {
                return 0;
            }
            p++;
        }
        p++;
    }
    if (p >= end) {
        return 0;
    }
    lua_State *L = a->L;
    if (escaped) {
        ed_buf_reset(&a->err);
        if (ed_json_decode(L, start, (size_t)(p + 1 - start), &a->err) != 0) {
            return 0;
        }
    } else {
        lua_pushlstring(L, start + 1, (size_t)(p - start - 1));
    }
    if (lua_type(L, -1) == LUA_TSTRING && lua_rawget(L, a->ids) == LUA_TNUMBER) {
        lua_Integer slot = lua_tointeger(L, -1);
        ed_buf_reset(&a->found[slot]);
        ed_buf_append(&a->found[slot], e->bytes, e->len);
        a->seen_at[slot] = a->decisions;
    }
    lua_pop(L, 1);
    return 0;
}

static void admin_diff(ed_worker *w, const ed_request *req, ed_response *res)
{
    lua_State *L = w->intake;
    int top = lua_gettop(L);
    diff_request dr;
    memset(&dr, 0, sizeof dr);
    if (diff_read_request(w, req, &dr, res) != 0) {
        diff_request_free(&dr);
        lua_settop(L, top);
        return;
    }
    int events = lua_gettop(L);
    ed_catalog *to = diff_to_catalog(w, &dr, res);
    if (to == NULL) {
        diff_request_free(&dr);
        lua_settop(L, top);
        return;
    }
    ed_server *srv = w->srv;

    /* each event's slot: the events asked about, by id (one slot per id) */
    long n = dr.n_events;
    lua_Integer *slot_of = calloc((size_t)n, sizeof *slot_of);
    unsigned long long *seen_at = calloc((size_t)n + 1, sizeof *seen_at);
    ed_buf *found = calloc((size_t)n + 1, sizeof *found);
    if (slot_of == NULL || seen_at == NULL || found == NULL) {
        abort();
    }
    lua_newtable(L);
    int ids = lua_gettop(L);
    lua_Integer slots = 0;
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, events, i + 1);
        if (lua_type(L, -1) == LUA_TTABLE && lua_getfield(L, -1, "id") == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            if (lua_rawget(L, ids) == LUA_TNUMBER) {
                slot_of[i] = lua_tointeger(L, -1);
            } else {
                slot_of[i] = ++slots;
                lua_pushvalue(L, -2);
                lua_pushinteger(L, slots);
                lua_rawset(L, ids);
            }
        }
        lua_settop(L, ids);
    }

    /* the journaled decisions: only this tenant's chain is read */
    diff_lookup look = {L, ids, 0, seen_at, found, {0}};
    uint64_t head = 0;
    FILE *devnull = fopen("/dev/null", "w");
    int walked = ed_journal_each(srv->cfg->journal_dir, dr.tenant, diff_lookup_entry, &look,
                                 &head, devnull ? devnull : stderr);
    if (devnull) {
        fclose(devnull);
    }
    ed_buf_free(&look.err);
    lua_settop(L, events);

    ed_generation *gen = ed_gen_acquire(&srv->gens);
    ed_diff_options opt = {dr.tenant, NULL, ED_DIFF_JSON};
    ed_buf out = {0}, err = {0};
    ed_differ *df = NULL;
    long from_journal = 0, from_generation = 0;
    if (walked == 1) {
        ed_api_error(w, res, 500, "journal_broken", "the tenant's journal does not verify "
                     "(see GET /v1/audit/verify); nothing was compared");
        goto done;
    }
    df = ed_differ_new(gen->cat, to, &opt, &err);
    if (df == NULL) {
        ed_api_error(w, res, 500, "internal", err.len ? err.data : "cannot compare");
        goto done;
    }
    for (long i = 0; i < n; i++) {
        lua_Integer s = slot_of[i];
        /* the event's latest decision, when it is among the last `limit` */
        int journaled = s > 0 && seen_at[s] > 0 &&
                        seen_at[s] + (unsigned long long)dr.limit > look.decisions;
        lua_rawgeti(L, events, i + 1);
        ed_buf_reset(&err);
        ed_diff_result r = ed_differ_event(df, L, "index", i, journaled ? found[s].data : NULL,
                                           journaled ? found[s].len : 0, &out, &err);
        if (r == ED_DIFF_HOST_FAILURE) {
            ed_api_error(w, res, 500, "diff_failed", err.len ? err.data : "diff failed");
            goto done;
        }
        if (r != ED_DIFF_REFUSED) {
            if (journaled) {
                from_journal++;
            } else {
                from_generation++;
            }
        }
    }
    const ed_diff_counts *c = ed_differ_counts(df);
    res->status = 200;
    ed_buf_puts(&res->body, "{\"tenant\":");
    ed_json_escape(&res->body, dr.tenant, strlen(dr.tenant));
    ed_buf_printf(&res->body, ",\"generation\":%lu,\"events\":%ld,\"changed\":%ld,"
                  "\"unchanged\":%ld,\"refused\":%ld,\"from_journal\":%ld,"
                  "\"from_generation\":%ld,\"summary\":", gen->id, c->events, c->changed,
                  c->unchanged, c->refused, from_journal, from_generation);
    /* the differ's summary line is {"summary":{...}}: keep the inner object */
    ed_buf summary = {0};
    ed_differ_summary(df, &summary);
    static const char outer[] = "{\"summary\":";
    if (summary.len > sizeof outer + 1 && memcmp(summary.data, outer, sizeof outer - 1) == 0) {
        ed_buf_append(&res->body, summary.data + sizeof outer - 1,
                      summary.len - (sizeof outer - 1) - 2);
    } else {
        ed_buf_puts(&res->body, "null");
    }
    ed_buf_free(&summary);
    /* the report: the differ's JSON lines, as a list */
    ed_buf_puts(&res->body, ",\"report\":[");
    int first = 1;
    for (size_t at = 0; at < out.len;) {
        const char *nl = memchr(out.data + at, '\n', out.len - at);
        size_t end = nl ? (size_t)(nl - out.data) : out.len;
        if (end > at) {
            ed_buf_puts(&res->body, first ? "" : ",");
            ed_buf_append(&res->body, out.data + at, end - at);
            first = 0;
        }
        at = end + 1;
    }
    ed_buf_puts(&res->body, "]}\n");
done:
    ed_differ_free(df);
    ed_gen_release(&srv->gens, gen);
    ed_catalog_free(to);
    for (long i = 0; i <= n; i++) {
        ed_buf_free(&found[i]);
    }
    free(found);
    free(seen_at);
    free(slot_of);
    ed_buf_free(&out);
    ed_buf_free(&err);
    diff_request_free(&dr);
    lua_settop(L, top);
}

/* ------------------------------------------------------------------ */
/* Routing                                                               */
/* ------------------------------------------------------------------ */

static int method_is(const ed_request *req, const char *m)
{
    return strcmp(req->method, m) == 0;
}

static void wrong_method(ed_worker *w, ed_response *res, const char *allow)
{
    ed_api_error(w, res, 405, "method_not_allowed", "this path does not take that method");
    ed_buf_printf(&res->headers, "Allow: %s\r\n", allow);
}

void ed_api_handle(ed_worker *w, const ed_request *req, ed_response *res)
{
    const char *path = req->path;
    if (strcmp(path, "/healthz") == 0) {
        set_route(res, "/healthz");
        res->status = 200;
        ed_buf_puts(&res->body, "{\"status\":\"ok\"}\n");
        return;
    }
    if (strcmp(path, "/readyz") == 0) {
        set_route(res, "/readyz");
        if (atomic_load(&w->srv->draining)) {
            ed_api_error(w, res, 503, "draining", "shutting down");
        } else {
            res->status = 200;
            ed_buf_printf(&res->body, "{\"status\":\"ready\",\"generation\":%lu}\n",
                          w->srv->gens.current ? w->srv->gens.current->id : 0UL);
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
            ed_api_error(w, res, 401, "unauthorized", "the admin token is required");
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
            ed_api_error(w, res, 401, "unauthorized", "the admin token is required");
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
                                                                     : NULL;
    if (route == NULL) {
        set_route(res, "(unknown)");
        ed_api_error(w, res, 404, "not_found", "no such endpoint");
        return;
    }
    set_route(res, route);
    int post = strcmp(route, "/v1/evaluate") == 0;
    if (!method_is(req, post ? "POST" : "GET")) {
        wrong_method(w, res, post ? "POST" : "GET");
        return;
    }
    const ed_tenant_auth *t = authenticate(w, req, res);
    if (t == NULL || !rate_ok(w, t, res)) {
        return;
    }
    if (post) {
        evaluate_once(w, t, "evaluate", req->idempotency_key, req->body, req->body_len, res);
    } else if (strcmp(route, "/v1/decisions") == 0) {
        list(w, t, req->query, res);
    } else if (strcmp(route, "/v1/audit/verify") == 0) {
        audit_verify(w, t, res);
    } else {
        get_decision(w, t, path + 14, res);
    }
}
