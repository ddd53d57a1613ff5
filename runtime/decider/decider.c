/*
 * decider.c — one event to one decision, for every caller (decider.h):
 * the intake's events through the envelope, the tenant's context, the
 * engine and the store, each outcome handed back as a verdict.
 */
#define _GNU_SOURCE /* fmemopen */
#define decider_c

#include "decider.h"
#include "decide.h"

#include "evaluator.h"
#include "intake.h"
#include "engine/context.h"
#include "engine/event.h"
#include "engine/json.h"
#include "engine/sandbox.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"
#include "util/utf8.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ed_decider *ed_decider_new(const ed_decider_config *cfg, ed_buf *err)
{
    ed_decider *d = calloc(1, sizeof *d);
    if (d == NULL) {
        abort();
    }
    d->cfg = *cfg;
    d->intake = ed_json_host_state();
    if (d->intake == NULL) {
        ed_buf_puts(err, "cannot start the JSON decoder");
        free(d);
        return NULL;
    }
    d->cat = cfg->cat;
    if (cfg->gens) {
        ed_decider_refresh(d);
    }
    if (cfg->isolate && (d->evaluator = ed_evaluator_new(d, cfg->deadline_s, err)) == NULL) {
        ed_decider_free(d);
        return NULL;
    }
    return d;
}

void ed_decider_free(ed_decider *d)
{
    if (d == NULL) {
        return;
    }
    ed_evaluator_free(d->evaluator);
    ed_contexts_clear(&d->contexts);
    if (d->gen) {
        ed_gen_release(d->cfg.gens, d->gen);
    }
    for (size_t i = 0; i < d->n_normalisers; i++) {
        ed_sandbox_free(d->normalisers[i]);
    }
    free(d->normalisers);
    lua_close(d->intake);
    ed_buf_free(&d->out);
    ed_buf_free(&d->err);
    ed_buf_free(&d->scratch);
    ed_buf_free(&d->writes);
    free(d);
}

unsigned long ed_decider_refresh(ed_decider *d)
{
    if (d->cfg.gens == NULL) {
        return 0;
    }
    ed_generation *cur = ed_gen_acquire(d->cfg.gens);
    if (cur == d->gen) {
        ed_gen_release(d->cfg.gens, cur);
    } else {
        ed_contexts_clear(&d->contexts);
        if (d->gen) {
            ed_gen_release(d->cfg.gens, d->gen);
        }
        d->gen = cur; /* kept until the next generation */
        d->cat = cur->cat;
        if (d->evaluator) {
            /* its process holds the old generation: the next request
             * starts one on the new */
            ed_evaluator_stop(d->evaluator);
        }
    }
    return d->gen->id;
}

int ed_decider_commit(ed_decider *d, ed_ticket ticket, ed_buf *err)
{
    return d->cfg.store ? ed_store_commit(d->cfg.store, ticket, err) : 0;
}

/* ------------------------------------------------------------------ */
/* Deciding one event                                                   */
/* ------------------------------------------------------------------ */

/* An evidence.stored event (on top of L): does the tenant's vault hold its
 * data.sha512? The host's fact for the rules (the engine has no store). */
static int vault_fact(ed_decider *d, lua_State *L, const ed_event *ev)
{
    if (strcmp(ev->type, "evidence.stored") != 0) {
        return ED_VAULT_UNKNOWN;
    }
    if (d->vault_given != ED_VAULT_UNKNOWN) {
        return d->vault_given; /* replay: what was known then */
    }
    if (d->cfg.vault == NULL || !lua_istable(L, -1)) {
        return ED_VAULT_UNKNOWN;
    }
    char digest[129] = "";
    lua_getfield(L, -1, "data");
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "sha512");
        size_t n;
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
        if (s != NULL && n == 128) {
            for (size_t i = 0; i < n; i++) {
                char c = s[i];
                digest[i] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
            }
            digest[128] = '\0';
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (!ed_vault_digest_ok(digest)) {
        return ED_VAULT_UNKNOWN; /* the rules say what is wrong with it */
    }
    return ed_vault_has(d->cfg.vault, ev->tenant, digest) ? ED_VAULT_HELD : ED_VAULT_MISSING;
}

void ed_decide_top(ed_decider *d, lua_State *L, ed_verdict *v, ed_buf *out,
                   ed_outcome *o)
{
    ed_buf *err = &d->err;
    ed_event ev;
    double t0 = now_mono();
    ed_buf_reset(err);
    v->status = ED_REFUSED;
    v->event_id = v->tenant = v->type = "";
    v->decision = NULL;
    v->len = 0;
    v->outcome = NULL;
    v->ticket = 0;
    v->error = "";
    char *id = d->id, *tenant = d->tenant, *type = d->type;
    id[0] = tenant[0] = type[0] = '\0';
    int read = ed_event_read(L, -1, d->cfg.tenant, d->cfg.as_of, &ev, err);
    memcpy(id, ev.id, sizeof d->id);
    v->event_id = id;
    if (read != 0) {
        lua_pop(L, 1);
        v->error = err->data;
        return;
    }
    memcpy(tenant, ev.tenant, sizeof d->tenant);
    memcpy(type, ev.type, sizeof d->type);
    memcpy(d->occurred_at, ev.occurred_at, sizeof d->occurred_at);
    v->tenant = tenant;
    v->type = type;
    if (d->refuse_from > 0 && v->ordinal >= d->refuse_from) {
        lua_pop(L, 1);
        v->error = d->refuse_why;
        return;
    }
    if (d->progress != NULL) {
        /* from here on, rules (and the tenant's load-time code) run */
        ed_progress_begin(d->progress, v, &ev);
    }
    int vault = vault_fact(d, L, &ev);
    ed_diags diags = {0};
    ed_context *ctx = ed_contexts_get(&d->contexts, d->cat, ev.tenant, d->cfg.only_pack,
                                      &diags);
    if (ctx == NULL) {
        if (d->progress != NULL) {
            ed_progress_end(d->progress);
        }
        lua_pop(L, 1);
        ed_buf_printf(err, "cannot build the context of tenant %s: ", ev.tenant);
        ed_diags_text(&diags, err);
        while (err->len && err->data[err->len - 1] == '\n') {
            err->data[--err->len] = '\0';
        }
        ed_diags_free(&diags);
        v->status = ED_HOST_FAILURE;
        v->error = err->data;
        return;
    }
    ed_diags_free(&diags);
    ctx->lookup.fn = d->cfg.lookup;
    ctx->lookup.arg = d->cfg.lookup_arg;
    ctx->lookup.timeout_s = d->cfg.lookup_timeout_s;
    if (ed_event_copy_protected(L, -1, ctx->L, err) != 0) {
        /* too deep or too large for the tenant's state: not readable */
        if (d->progress != NULL) {
            ed_progress_end(d->progress);
        }
        lua_pop(L, 1);
        v->status = ED_BAD_EVENT;
        v->error = err->data;
        return;
    }
    lua_pop(L, 1);
    ed_eval_options opt = {d->cfg.explain, vault};
    ed_buf_reset(out);
    int erc = ed_engine_evaluate(ctx, &ev, &opt, out, o, err);
    if (d->progress != NULL) {
        ed_progress_end(d->progress);
    }
    v->seconds = now_mono() - t0;
    if (erc != 0) {
        v->status = erc > 0 ? ED_REFUSED : ED_HOST_FAILURE;
        v->error = err->data;
        return;
    }
    if (ed_contexts_done(&d->contexts, ctx)) {
        fprintf(stderr, "edict: tenant %s: its Lua state grew past %zu MiB; rebuilding "
                "it\n", ev.tenant, ED_CONTEXT_REBUILD_BYTES >> 20);
    }
    v->status = ED_DECIDED;
    v->decision = out->data;
    v->len = out->len;
    v->outcome = o;
    ed_decider_journal(d, v, ev.occurred_at, o);
}

/* ------------------------------------------------------------------ */
/* Journaling, with the decision's writes for Metrc                     */
/* ------------------------------------------------------------------ */

#define WRITES_MARK "\"metrc_writes\":[{"

/* Protected: the decision (arg 2) decoded, its "metrc_writes" read into a
 * list of {key, license, method, path, body} (strings), pushed; the key
 * is the decision id (arg 3), "/metrc/" and the write's place from 1, so
 * a decision journaled again gives the same keys. Arg 1: the ed_buf the
 * bodies are encoded in (the decider's, not a local: this can raise). */
static int read_writes(lua_State *L)
{
    ed_buf *body = lua_touserdata(L, 1);
    size_t len;
    const char *text = lua_tolstring(L, 2, &len);
    ed_buf_reset(body);
    if (ed_json_decode(L, text, len, body) != 0 || !lua_istable(L, -1)) {
        return luaL_error(L, "the decision cannot be read back");
    }
    int dec = lua_gettop(L);
    lua_newtable(L);
    int out = lua_gettop(L);
    if (lua_getfield(L, dec, "metrc_writes") != LUA_TTABLE) {
        lua_settop(L, out);
        return 1;
    }
    int list = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, list, i) != LUA_TTABLE) {
            return luaL_error(L, "metrc_writes[%d] is not an object", (int)i);
        }
        int w = lua_gettop(L);
        lua_createtable(L, 5, 0);
        lua_pushfstring(L, "%s/metrc/%d", lua_tostring(L, 3), (int)i);
        lua_rawseti(L, -2, 1);
        static const char *const fields[3] = {"license", "method", "path"};
        for (int k = 0; k < 3; k++) {
            if (lua_getfield(L, w, fields[k]) != LUA_TSTRING) {
                return luaL_error(L, "metrc_writes[%d] has no %s", (int)i, fields[k]);
            }
            lua_rawseti(L, -2, k + 2);
        }
        lua_getfield(L, w, "objects");
        ed_buf_reset(body);
        if (!lua_istable(L, -1) || ed_json_emit(L, lua_gettop(L), body, body) != 0) {
            return luaL_error(L, "metrc_writes[%d] has no objects", (int)i);
        }
        lua_pop(L, 1);
        lua_pushlstring(L, body->data, body->len);
        lua_rawseti(L, -2, 5);
        lua_rawseti(L, out, i);
        lua_settop(L, w - 1);
    }
    lua_settop(L, out);
    return 1;
}

void ed_decider_journal(ed_decider *d, ed_verdict *v, const char *occurred_at,
                        const ed_outcome *o)
{
    if (d->cfg.store == NULL) {
        return;
    }
    ed_buf_reset(&d->err);
    if (d->kept != d->cat && d->cat != NULL) {
        /* a catalog not kept yet (the first decision, a reload): keep it
         * and its pack versions, so that this decision can be made again */
        if (ed_decider_keep_catalog(d->cfg.store, d->cat, d->kept_hex, &d->err) != 0) {
            v->status = ED_HOST_FAILURE;
            v->error = d->err.data;
            v->decision = NULL;
            v->len = 0;
            v->outcome = NULL;
            return;
        }
        d->kept = d->cat;
    }
    ed_record rec = {v->tenant, o->decision_id, v->event_id, occurred_at,
                     ed_flag_name(o->flag), v->type, o->retention_until, v->decision, v->len,
                     d->kept == d->cat ? d->kept_hex : "", d->event,
                     d->event ? d->event_len : 0};
    lua_State *L = d->intake;
    int top = lua_gettop(L);
    ed_outbox_op *ops = NULL;
    size_t n_ops = 0;
    int rc = 0;
    if (v->len >= sizeof WRITES_MARK && memmem(v->decision, v->len, WRITES_MARK,
                                               sizeof WRITES_MARK - 1) != NULL) {
        /* a rule asked for writes: they go in with the entry, never
         * without it (ed_store_append_writes) */
        lua_pushcfunction(L, read_writes);
        lua_pushlightuserdata(L, &d->writes);
        lua_pushlstring(L, v->decision, v->len);
        lua_pushstring(L, o->decision_id);
        if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
            ed_buf_printf(&d->err, "decision %s: its Metrc writes: %s", o->decision_id,
                          lua_isstring(L, -1) ? lua_tostring(L, -1) : "cannot be read");
            rc = -1;
        } else {
            n_ops = lua_rawlen(L, -1);
            ops = calloc(n_ops + 1, sizeof *ops);
            if (ops == NULL) {
                abort();
            }
            for (size_t i = 0; i < n_ops; i++) {
                lua_rawgeti(L, top + 1, (lua_Integer)i + 1);
                const char *f[5];
                for (int k = 0; k < 5; k++) {
                    lua_rawgeti(L, -1 - k, k + 1);
                    f[k] = lua_tostring(L, -1);
                }
                /* the strings stay reachable from the list on the stack */
                lua_settop(L, top + 1);
                ops[i] = (ed_outbox_op){.tenant = v->tenant, .key = f[0], .license = f[1],
                                        .method = f[2], .path = f[3], .body = f[4],
                                        .state = "pending", .message = ""};
            }
        }
    }
    if (rc == 0) {
        rc = ed_store_append_writes(d->cfg.store, &rec, ops, n_ops, &v->ticket, &d->err);
    }
    free(ops);
    lua_settop(L, top);
    if (rc != 0) {
        v->status = rc == ED_STORE_QUARANTINED ? ED_QUARANTINED : ED_HOST_FAILURE;
        v->error = d->err.data;
        v->decision = NULL;
        v->len = 0;
        v->outcome = NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */

int ed_decider_hand_over(ed_decider *d, ed_verdict *v)
{
    if (v->status == ED_HOST_FAILURE) {
        d->failed = 1;
    }
    int stop = d->fn(d->arg, v) != 0;
    return stop || v->status == ED_HOST_FAILURE;
}

/* In an evaluator process, resuming a request after a crash: the events
 * before `from` were answered already, the ones in skip crashed it. */
static int skipped(const ed_decider *d, long ordinal)
{
    if (ordinal < d->from) {
        return 1;
    }
    for (size_t i = 0; i < d->n_skip; i++) {
        if (d->skip[i] == ordinal) {
            return 1;
        }
    }
    return 0;
}

static int decide_one(ed_decider *d, lua_State *L, const char *unit, long where)
{
    ed_verdict v = {0};
    ed_outcome o;
    v.unit = unit;
    v.where = where;
    v.ordinal = ++d->ordinal;
    if (skipped(d, v.ordinal)) {
        lua_pop(L, 1);
        return 0;
    }
    ed_decide_top(d, L, &v, &d->out, &o);
    int rc = ed_decider_hand_over(d, &v);
    d->event = NULL;
    d->event_len = d->event_off = 0;
    return rc;
}

/* The intake's callback (a file read): the event's bytes are its span. */
static int intake_decide(void *arg, lua_State *L, const char *unit, long where)
{
    ed_decider *d = arg;
    d->event = d->span.len ? d->span.text : NULL;
    d->event_len = d->span.len;
    d->event_off = d->span.offset;
    return decide_one(d, L, unit, where);
}

static int intake_bad(void *arg, const char *unit, long where, const char *event_id,
                      const char *message)
{
    ed_decider *d = arg;
    ed_verdict v = {0};
    v.status = ED_BAD_EVENT;
    v.unit = unit;
    v.where = where;
    v.ordinal = ++d->ordinal;
    if (skipped(d, v.ordinal)) {
        return 0;
    }
    v.event_id = event_id ? event_id : "";
    v.tenant = v.type = "";
    v.error = message;
    return ed_decider_hand_over(d, &v);
}

/* A reading starts on the generation in force, counting events from 1. */
static void begin_reading(ed_decider *d, ed_verdict_fn fn, void *arg)
{
    d->fn = fn;
    d->arg = arg;
    d->ordinal = 0;
    d->failed = 0;
    if (d->cfg.gens) {
        ed_decider_refresh(d);
    }
}

int ed_decider_read_file(ed_decider *d, FILE *f, const char *path, ed_verdict_fn fn,
                         void *arg)
{
    begin_reading(d, fn, arg);
    ed_intake in = {.L = d->intake, .err = &d->scratch, .decide = intake_decide,
                    .bad = intake_bad, .arg = d, .span = &d->span};
    int rc = ed_intake_read(&in, f, path);
    lua_settop(d->intake, 0);
    return rc != 0 || d->failed ? -1 : 0;
}

/* A buffer is read whole before anything is decided, so that a request
 * over its event limit is refused without a decision journaled. */
typedef struct pending_event {
    const char *unit;
    long where;
    char *bad;        /* the reason it could not be read, or NULL */
    size_t off, len;  /* its bytes in the body (len 0: not known) */
} pending_event;

typedef struct collector {
    ed_decider *d;
    pending_event *items;
    size_t n, cap, max;
    int too_many;
} collector;

static pending_event *collect_one(collector *c, const char *unit, long where)
{
    if (c->n == c->max) {
        c->too_many = 1;
        return NULL;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        pending_event *p = realloc(c->items, c->cap * sizeof *p);
        if (p == NULL) {
            abort();
        }
        c->items = p;
    }
    pending_event *e = &c->items[c->n++];
    e->unit = unit;
    e->where = where;
    e->bad = NULL;
    e->off = c->d->span.offset;
    e->len = c->d->span.len;
    return e;
}

static int collect_decoded(void *arg, lua_State *L, const char *unit, long where)
{
    collector *c = arg;
    if (collect_one(c, unit, where) == NULL) {
        lua_pop(L, 1);
        return 1;
    }
    lua_rawseti(L, 1, (lua_Integer)c->n); /* the list at index 1 */
    return 0;
}

static int collect_bad(void *arg, const char *unit, long where, const char *event_id,
                       const char *message)
{
    collector *c = arg;
    pending_event *e = collect_one(c, unit, where);
    if (e == NULL) {
        return 1;
    }
    e->bad = ed_strdup(message);
    return 0;
}

const ed_fetch *ed_decider_fetch(const ed_decider *d)
{
    return d->evaluator ? ed_evaluator_fetch(d->evaluator) : NULL;
}

int ed_decider_resume(ed_decider *d, int status, const char *body, size_t len,
                      const char *err)
{
    return d->evaluator ? ed_evaluator_resume(d->evaluator, status, body, len, err) : -1;
}

void ed_decider_moved(ed_decider *d, const char *body)
{
    if (d->evaluator) {
        ed_evaluator_moved(d->evaluator, body);
    }
}

void ed_decider_abandon(ed_decider *d)
{
    if (d->evaluator) {
        ed_evaluator_abandon(d->evaluator);
    }
}

int ed_decider_read_buffer(ed_decider *d, const char *body, size_t len, size_t max_events,
                           ed_verdict_fn fn, void *arg)
{
    begin_reading(d, fn, arg);
    if (d->evaluator) {
        return ed_evaluator_read_buffer(d->evaluator, body, len, max_events);
    }
    lua_State *L = d->intake;
    collector c = {d, NULL, 0, 0, max_events ? max_events : SIZE_MAX, 0};
    lua_settop(L, 0);
    lua_newtable(L);
    int rc = 0;
    if (len > 0) {
        FILE *f = fmemopen((void *)body, len, "r");
        if (f == NULL) {
            return -1;
        }
        ed_intake in = {.L = L, .err = &d->scratch, .decide = collect_decoded,
                        .bad = collect_bad, .arg = &c, .max_events = max_events,
                        .too_many = &c.too_many, .span = &d->span};
        rc = ed_intake_read(&in, f, "the body");
        fclose(f);
    }
    if (c.too_many) {
        rc = -2;
    }
    for (size_t i = 0; i < c.n; i++) {
        if (rc == 0 && !d->failed) {
            if (c.items[i].bad) {
                intake_bad(d, c.items[i].unit, c.items[i].where, NULL, c.items[i].bad);
            } else {
                lua_rawgeti(L, 1, (lua_Integer)i + 1);
                d->event = c.items[i].len ? body + c.items[i].off : NULL;
                d->event_len = c.items[i].len;
                d->event_off = c.items[i].off;
                decide_one(d, L, c.items[i].unit, c.items[i].where);
            }
        }
        free(c.items[i].bad);
    }
    free(c.items);
    lua_settop(L, 0);
    return rc != 0 ? rc : d->failed ? -1 : 0;
}

typedef struct list_decode {
    long n;
    int list;          /* its stack index */
    ed_buf *err;
} list_decode;

static int list_decoded(void *arg, lua_State *L, const char *unit, long where)
{
    list_decode *ld = arg;
    lua_rawseti(L, ld->list, ++ld->n);
    return 0;
}

static int list_bad(void *arg, const char *unit, long where, const char *event_id,
                    const char *message)
{
    list_decode *ld = arg;
    ed_buf_printf(ld->err, "%s %ld: %s", unit, where, message);
    return 1;
}

long ed_decider_decode_list(ed_decider *d, const char *text, size_t len, ed_buf *err)
{
    lua_State *L = d->intake;
    lua_newtable(L);
    list_decode ld = {0, lua_gettop(L), err};
    FILE *f = len ? fmemopen((void *)text, len, "r") : NULL;
    if (f != NULL) {
        ed_intake in = {.L = L, .err = &d->scratch, .decide = list_decoded, .bad = list_bad,
                        .arg = &ld};
        ed_intake_read(&in, f, "the events");
        fclose(f);
    }
    lua_settop(L, ld.list);
    if (err->len > 0) {
        lua_pop(L, 1);
        return -1;
    }
    return ld.n;
}

void ed_decider_error_json(ed_decider *d, const ed_verdict *v, ed_buf *out)
{
    ed_buf_printf(out, "{\"%s\":%ld", v->unit, v->where);
    if (v->event_id && v->event_id[0]) {
        ed_buf_puts(out, ",\"event_id\":");
        ed_json_escape(out, v->event_id, strlen(v->event_id));
    }
    ed_buf_puts(out, ",\"error\":");
    ed_json_escape(out, v->error, strlen(v->error));
    ed_buf_putc(out, '}');
}

FILE *ed_decider_open_input(const char *path)
{
    return ed_intake_open(path);
}

void ed_decider_set_tenant(ed_decider *d, const char *tenant)
{
    d->cfg.tenant = tenant;
}

unsigned long ed_decider_losses(const ed_decider *d)
{
    return d->evaluator ? ed_evaluator_losses(d->evaluator) : 0;
}

const ed_catalog *ed_decider_catalog(ed_decider *d)
{
    return d->cat;
}

lua_State *ed_decider_intake(ed_decider *d)
{
    return d->intake;
}

/* ------------------------------------------------------------------ */
/* Webhook normalisers                                                  */
/* ------------------------------------------------------------------ */

static ed_sandbox *normaliser(ed_decider *d, size_t k, const ed_normaliser *src,
                              const ed_limits *limits, ed_buf *err)
{
    if (k >= d->n_normalisers) {
        ed_sandbox **p = realloc(d->normalisers, (k + 1) * sizeof *p);
        if (p == NULL) {
            abort();
        }
        for (size_t i = d->n_normalisers; i <= k; i++) {
            p[i] = NULL;
        }
        d->normalisers = p;
        d->n_normalisers = k + 1;
    }
    if (d->normalisers[k]) {
        return d->normalisers[k];
    }
    ed_sandbox *sb = ed_sandbox_new();
    if (sb == NULL) {
        ed_buf_puts(err, "out of memory");
        return NULL;
    }
    lua_State *L = ed_sandbox_state(sb);
    ed_buf chunk = {0};
    ed_buf_printf(&chunk, "@%s", src->chunkname);
    if (ed_json_open_protected(L) != 0 ||
        luaL_loadbufferx(L, src->code, strlen(src->code), chunk.data, "t") != LUA_OK) {
        ed_buf_printf(err, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "cannot load");
        ed_buf_free(&chunk);
        ed_sandbox_free(sb);
        return NULL;
    }
    ed_buf_free(&chunk);
    ed_sandbox_push_env(sb);
    lua_setupvalue(L, -2, 1);
    ed_call_result cr;
    ed_sandbox_call(sb, 0, 1, limits, &cr);
    if (cr.status != LUA_OK || !lua_isfunction(L, -1)) {
        ed_buf_printf(err, "%s%s%s", cr.where ? cr.where : "",
                      cr.where && cr.where[0] ? ": " : "",
                      cr.status != LUA_OK ? cr.message : "the normaliser must return a function");
        ed_sandbox_free(sb);
        return NULL;
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "edict.normaliser");
    d->normalisers[k] = sb;
    return sb;
}

int ed_decider_normalise(ed_decider *d, size_t k, const ed_normaliser *src,
                         const ed_limits *limits, const char *payload, size_t len,
                         ed_buf *events, ed_buf *err)
{
    ed_sandbox *sb = normaliser(d, k, src, limits, err);
    if (sb == NULL) {
        return -1;
    }
    lua_State *L = ed_sandbox_state(sb);
    int top = lua_gettop(L);
    size_t bad;
    if (!ed_utf8_valid(payload, len, &bad)) {
        ed_buf_printf(err, "the payload is not UTF-8 at byte offset %zu", bad);
        return 1;
    }
    if (ed_json_decode(L, payload, len, err) != 0) {
        lua_settop(L, top);
        return 1;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "edict.normaliser");
    lua_insert(L, -2);
    ed_call_result cr;
    ed_sandbox_call(sb, 1, 1, limits, &cr);
    int rc = 0;
    if (cr.status != LUA_OK) {
        ed_buf_printf(err, "the %s normaliser failed: %s%s%s", src->name, cr.where,
                      cr.where[0] ? ": " : "", cr.message);
        rc = 2;
    } else if (!lua_istable(L, -1) || ed_json_emit(L, -1, events, err) != 0) {
        if (err->len == 0) {
            ed_buf_puts(err, "the normaliser must return an event or a list");
        }
        rc = 2;
    }
    lua_settop(L, top);
    return rc;
}
