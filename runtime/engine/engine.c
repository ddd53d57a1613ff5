/*
 * engine.c — deciding one event (see engine.h).
 *
 * The decision is written as JSON while the rules run: findings,
 * obligations, waivers, errors and the trace each go to a buffer, and the
 * envelope is written around them at the end, once flag and score are
 * known. Nothing per event is kept in Lua tables but the event itself.
 * A rule that fails (error, limit, or a result that is not a finding)
 * leaves nothing behind but its error entry: its findings, obligations and
 * retention are dropped, so a decision never holds half a rule.
 */
#define _POSIX_C_SOURCE 200809L
#define engine_c

#include "engine.h"

#include "json.h"
#include "util/jsonstr.h"
#include "readonly.h"
#include "stdlib/hash.h"

#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *ed_flag_name(ed_flag f)
{
    static const char *const names[] = {"green", "yellow", "red"};
    return names[f];
}

typedef struct eval_run {
    ed_context *ctx;
    const ed_event *ev;
    const ed_eval_options *opt;
    ed_outcome *outcome;
    ed_buf *findings, *waivers, *errors, *packs, *explain; /* ctx->scratch */
    size_t n_findings, n_waivers, n_errors, n_packs, n_explain;
    char retain[16];
    ed_buf *bad;         /* why the event is refused, when it is */
    size_t rule_start;   /* findings->len when the running rule began */
    const char *tenant;  /* the context's */
    const ed_buf *obligations;
    const ed_buf *metrc; /* ctx.metrc_write's, NULL: none */
    const ed_buf *unavailable; /* edict.metrc's facts not had, NULL: none */
    const ed_buf *answers; /* what the host answered edict.metrc, NULL: none */
} eval_run;

static void put_string(ed_buf *b, const char *s)
{
    ed_json_escape(b, s, strlen(s));
}

/* Append what b holds (it may never have been written to). */
static void put_buf(ed_buf *out, const ed_buf *b)
{
    if (b->len > 0) {
        ed_buf_append(out, b->data, b->len);
    }
}

static void sep(ed_buf *b, size_t *n)
{
    if ((*n)++ > 0) {
        ed_buf_putc(b, ',');
    }
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void add_error(eval_run *r, const ed_slot *slot, const char *pack,
                      const char *where, const char *message, ed_stop stop)
{
    sep(r->errors, &r->n_errors);
    if (r->outcome->n_errored < ED_OUTCOME_MAX_FIRED) {
        r->outcome->errored[r->outcome->n_errored].pack = slot ? slot->pack->name : pack;
        r->outcome->errored[r->outcome->n_errored++].stop = stop;
    }
    if (slot != NULL) {
        ed_buf_puts(r->errors, "{\"rule\":");
        put_string(r->errors, slot->rule->id);
    } else if (pack != NULL) {
        ed_buf_puts(r->errors, "{\"pack\":");
        put_string(r->errors, pack);
    } else {
        ed_buf_puts(r->errors, "{\"rules\":\"all\"");
    }
    if (where != NULL && where[0]) {
        ed_buf_puts(r->errors, ",\"where\":");
        put_string(r->errors, where);
    }
    ed_buf_puts(r->errors, ",\"message\":");
    put_string(r->errors, message);
    if (stop != ED_STOP_NONE) {
        ed_buf_puts(r->errors, ",\"limit\":");
        put_string(r->errors, ed_stop_name(stop));
    }
    ed_buf_putc(r->errors, '}');
}

static void add_trace(eval_run *r, const ed_slot *slot, const ed_pack *p,
                      const char *outcome, int64_t us, size_t findings)
{
    if (!r->opt->explain) {
        return;
    }
    sep(r->explain, &r->n_explain);
    ed_buf_putc(r->explain, '{');
    if (slot != NULL) {
        ed_buf_puts(r->explain, "\"rule\":");
        put_string(r->explain, slot->rule->id);
        ed_buf_putc(r->explain, ',');
    }
    ed_buf_puts(r->explain, "\"pack\":");
    put_string(r->explain, p->name);
    ed_buf_puts(r->explain, ",\"version\":");
    put_string(r->explain, p->version);
    ed_buf_puts(r->explain, ",\"outcome\":");
    put_string(r->explain, outcome);
    if (slot == NULL) {
        ed_buf_printf(r->explain, ",\"effective\":\"%s..%s\"", p->from_text,
                      p->until_text);
    } else if (us >= 0) {
        ed_buf_printf(r->explain, ",\"findings\":%zu,\"us\":%lld", findings,
                      (long long)us);
    }
    ed_buf_putc(r->explain, '}');
}

/* ------------------------------------------------------------------ */
/* Turning what check returned into findings                             */
/* ------------------------------------------------------------------ */

static int finding_error(ed_buf *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Say why a check's result is not a finding; returns -1. */
static int finding_error(ed_buf *why, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ed_buf_reset(why);
    ed_buf_puts(why, msg);
    return -1;
}

/* Push t[name] without metamethods: a rule's result is data, and host code
 * must not run a rule's __index outside its limits. */
static int rawfield(lua_State *L, int t, const char *name)
{
    lua_pushstring(L, name);
    return lua_rawget(L, t);
}

/* Emit one finding from the string or table at idx. */
static int emit_finding(eval_run *r, int idx, const ed_slot *s, ed_buf *why)
{
    lua_State *L = r->ctx->L;
    ed_severity sev = s->rule->severity;
    int top = lua_gettop(L);
    int message = idx, evidence = 0, details = 0;
    if (lua_type(L, idx) == LUA_TTABLE) {
        ed_readonly_backing(L, idx);
        int t = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, t) != 0) {
            lua_pop(L, 1);
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (strcmp(k, "message") && strcmp(k, "severity") &&
                strcmp(k, "evidence_required") && strcmp(k, "details")) {
                lua_settop(L, top);
                return finding_error(why, "a finding has an unknown field '%s' "
                                     "(expected message, severity, "
                                     "evidence_required, details)",
                                     k[0] ? k : "(not a string)");
            }
        }
        rawfield(L, t, "message");
        message = lua_gettop(L);
        if (rawfield(L, t, "severity") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TSTRING ||
                ed_severity_parse(lua_tostring(L, -1), &sev) != 0) {
                const char *bad = lua_type(L, -1) == LUA_TSTRING
                                      ? lua_tostring(L, -1) : "(not a string)";
                ed_buf_reset(why);
                ed_buf_printf(why, "a finding has severity '%s'; expected "
                              "critical, major, minor or info", bad);
                lua_settop(L, top);
                return -1;
            }
        }
        if (rawfield(L, t, "evidence_required") != LUA_TNIL) {
            evidence = lua_gettop(L);
            ed_readonly_backing(L, evidence);
            lua_replace(L, evidence);
            size_t n = lua_istable(L, evidence) ? lua_rawlen(L, evidence) : 0;
            int ok = n > 0;
            for (size_t i = 1; i <= n && ok; i++) {
                ok = lua_rawgeti(L, evidence, (lua_Integer)i) == LUA_TSTRING;
                lua_pop(L, 1);
            }
            if (!ok) {
                lua_settop(L, top);
                return finding_error(why, "a finding's evidence_required must be "
                                     "a list of strings");
            }
        }
        if (rawfield(L, t, "details") != LUA_TNIL) {
            details = lua_gettop(L);
            if (!lua_istable(L, details)) {
                lua_settop(L, top);
                return finding_error(why, "a finding's details must be a table");
            }
        }
    }
    if (lua_type(L, message) != LUA_TSTRING || lua_rawlen(L, message) == 0) {
        lua_settop(L, top);
        return finding_error(why, "a finding needs a message (a non-empty "
                             "string)");
    }
    if (lua_rawlen(L, message) > ED_MAX_TEXT_BYTES) {
        lua_settop(L, top);
        return finding_error(why, "a finding's message is longer than %d bytes",
                             ED_MAX_TEXT_BYTES);
    }
    size_t mark = r->findings->len;
    sep(r->findings, &r->n_findings);
    ed_buf_puts(r->findings, "{\"rule\":");
    put_string(r->findings, s->rule->id);
    ed_buf_puts(r->findings, ",\"severity\":\"");
    ed_buf_puts(r->findings, ed_severity_name(sev));
    ed_buf_puts(r->findings, "\",\"message\":");
    size_t len;
    const char *msg = lua_tolstring(L, message, &len);
    ed_json_escape(r->findings, msg, len);
    ed_buf_puts(r->findings, ",\"cite\":");
    put_string(r->findings, s->rule->cite);
    if (evidence) {
        ed_buf_puts(r->findings, ",\"evidence_required\":");
        ed_json_emit(L, evidence, r->findings, why);
    }
    if (details) {
        ed_buf_puts(r->findings, ",\"details\":");
        if (ed_json_emit(L, details, r->findings, why) != 0) {
            /* ed_json_emit named the path; say it is the details' */
            ed_buf msg2 = {0};
            ed_buf_printf(&msg2, "a finding's details cannot be encoded: %s",
                          why->data);
            ed_buf_reset(why);
            ed_buf_puts(why, msg2.data);
            ed_buf_free(&msg2);
            r->findings->len = mark;
            r->findings->data[mark] = '\0';
            r->n_findings--;
            lua_settop(L, top);
            return -1;
        }
    }
    ed_buf_putc(r->findings, '}');
    if (r->findings->len - r->rule_start > ED_MAX_RULE_OUTPUT_BYTES) {
        lua_settop(L, top);
        return finding_error(why, "the rule's findings are larger than 1 MiB "
                             "(details included)");
    }
    r->outcome->counts[sev]++;
    if (r->outcome->n_fired < ED_OUTCOME_MAX_FIRED) {
        r->outcome->fired[r->outcome->n_fired].rule = s->rule;
        r->outcome->fired[r->outcome->n_fired++].severity = sev;
    }
    lua_settop(L, top);
    return 0;
}

/* Interpret the value check returned (at idx). Returns the number of
 * findings, or -1 with why filled. */
static int collect(eval_run *r, int idx, const ed_slot *s, ed_buf *why)
{
    lua_State *L = r->ctx->L;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return 0;
    case LUA_TBOOLEAN:
        if (!lua_toboolean(L, idx)) {
            return 0;
        }
        return finding_error(why, "check returned true; return nothing (or "
                             "false) when the rule holds, a message when it "
                             "does not");
    case LUA_TSTRING:
        return emit_finding(r, idx, s, why) == 0 ? 1 : -1;
    case LUA_TTABLE: {
        ed_readonly_backing(L, idx);
        int t = lua_gettop(L);
        rawfield(L, t, "message");
        int single = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (single) {
            lua_pop(L, 1);
            return emit_finding(r, idx, s, why) == 0 ? 1 : -1;
        }
        size_t n = lua_rawlen(L, t);
        if (n > ED_MAX_FINDINGS_PER_RULE) {
            lua_pop(L, 1);
            ed_buf_reset(why);
            ed_buf_printf(why, "check returned %zu findings; one rule may give "
                          "at most %d", n, ED_MAX_FINDINGS_PER_RULE);
            return -1;
        }
        for (size_t i = 1; i <= n; i++) {
            lua_rawgeti(L, t, (lua_Integer)i);
            int et = lua_type(L, -1);
            if ((et != LUA_TSTRING && et != LUA_TTABLE) ||
                emit_finding(r, lua_gettop(L), s, why) != 0) {
                if (et != LUA_TSTRING && et != LUA_TTABLE) {
                    finding_error(why, "check returned a list holding a %s; "
                                  "expected finding tables or messages",
                                  luaL_typename(L, -1));
                }
                lua_settop(L, t - 1);
                return -1;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        return (int)n;
    }
    default:
        return finding_error(why, "check returned a %s; expected nothing, a "
                             "message, a finding table or a list of them",
                             luaL_typename(L, idx));
    }
}

/* ------------------------------------------------------------------ */
/* Running the rules                                                    */
/* ------------------------------------------------------------------ */

static void run_rule(eval_run *r, const ed_slot *s, int event, int ctx_proxy)
{
    ed_context *ctx = r->ctx;
    lua_State *L = ctx->L;
    ed_sink *sink = &ctx->sink;
    size_t obl_len = sink->obligations.len, obl_n = sink->n_obligations;
    size_t metrc_len = sink->metrc.len, metrc_n = sink->n_metrc;
    size_t find_len = r->findings->len, find_n = r->n_findings;
    r->rule_start = find_len;
    ed_outcome saved = *r->outcome;
    sink->slot = s;
    sink->retain[0] = '\0';
    sink->rule_obligations = 0;
    sink->rule_start = sink->obligations.len;
    sink->rule_metrc = 0;

    int64_t start = r->opt->explain ? now_us() : 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->check_ref);
    lua_pushvalue(L, event);
    lua_pushvalue(L, ctx_proxy);
    ed_call_result res;
    ed_sandbox_call(ctx->sb, 2, 1, &ctx->limits, &res);
    sink->slot = NULL;

    int found = 0;
    const char *outcome;
    if (res.status != LUA_OK) {
        add_error(r, s, NULL, res.where, res.message, res.stop);
        outcome = res.stop ? "stopped" : "error";
        found = -1;
    } else {
        /* collect pushes values, which can raise: the message it may
         * write goes to the context's buffer, not to a local one a
         * longjmp would leak */
        ed_buf *why = &ctx->scratch.why;
        ed_buf_reset(why);
        found = collect(r, lua_gettop(L), s, why);
        lua_pop(L, 1);
        if (found < 0) {
            add_error(r, s, NULL, s->rule->where, why->data, ED_STOP_NONE);
            outcome = "error";
        } else {
            /* a rule whose findings are all info did not fail: it noted */
            int graded = 0;
            for (int k = 0; k < ED_SEV_INFO; k++) {
                graded |= r->outcome->counts[k] != saved.counts[k];
            }
            outcome = !found ? "held" : graded ? "failed" : "noted";
        }
    }
    if (found < 0) {
        /* all or nothing: drop what the rule produced before failing */
        sink->obligations.len = obl_len;
        if (sink->obligations.data) {
            sink->obligations.data[obl_len] = '\0';
        }
        sink->n_obligations = obl_n;
        sink->metrc.len = metrc_len;
        if (sink->metrc.data) {
            sink->metrc.data[metrc_len] = '\0';
        }
        sink->n_metrc = metrc_n;
        r->findings->len = find_len;
        if (r->findings->data) {
            r->findings->data[find_len] = '\0';
        }
        r->n_findings = find_n;
        /* the rule's findings go, its error stays */
        memcpy(saved.errored, r->outcome->errored, sizeof saved.errored);
        saved.n_errored = r->outcome->n_errored;
        *r->outcome = saved;
    } else if (strcmp(sink->retain, r->retain) > 0) {
        memcpy(r->retain, sink->retain, sizeof r->retain);
    }
    add_trace(r, s, s->pack, outcome,
              r->opt->explain ? now_us() - start : -1, found > 0 ? (size_t)found : 0);
}

static int rule_applies(const ed_slot *s, const ed_event *ev)
{
    if (!ed_rule_on(s->rule, ev->type)) {
        return 0;
    }
    if (s->rule->n_jurisdictions == 0) {
        return 1;
    }
    for (size_t i = 0; i < s->rule->n_jurisdictions; i++) {
        if (strcmp(s->rule->jurisdictions[i], ev->jurisdiction) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Work out which rules and pack versions apply to events of this type and
 * jurisdiction; streams repeat both, so the answer is kept until they
 * change. */
static void memoize(ed_context *ctx, const ed_event *ev)
{
    ed_scratch *sc = &ctx->scratch;
    if (strcmp(sc->type, ev->type) == 0 &&
        strcmp(sc->jurisdiction, ev->jurisdiction) == 0) {
        return;
    }
    snprintf(sc->type, sizeof sc->type, "%s", ev->type);
    snprintf(sc->jurisdiction, sizeof sc->jurisdiction, "%s", ev->jurisdiction);
    for (size_t i = 0; i < ctx->n_loaded; i++) {
        const ed_loaded *ld = &ctx->loaded[i];
        int any = 0;
        int serves = ed_pack_serves(ld->pack, ev->jurisdiction);
        for (size_t k = 0; k < ld->n_slots; k++) {
            size_t slot = ld->first_slot + k;
            sc->slot_applies[slot] = serves && rule_applies(&ctx->slots[slot], ev);
            any = any || sc->slot_applies[slot];
        }
        sc->loaded_applies[i] = (unsigned char)any;
    }
}

static int slot_applies(const ed_context *ctx, const ed_slot *s)
{
    return ctx->scratch.slot_applies[s - ctx->slots];
}

/* Does this loaded pack version decide events like the current one? */
static int loaded_applies(const ed_context *ctx, const ed_loaded *ld)
{
    return ctx->scratch.loaded_applies[ld - ctx->loaded];
}

/* Is the event one this tenant's packs can decide? Fills r->bad if not. */
static int refuse(eval_run *r)
{
    const ed_context *ctx = r->ctx;
    const ed_event *ev = r->ev;
    const ed_pack *policy = ctx->policy;
    if (policy && policy->n_jurisdictions > 0 &&
        !ed_pack_serves(policy, ev->jurisdiction)) {
        ed_buf_printf(r->bad, "field 'jurisdiction': tenant '%s' does not use "
                      "jurisdiction '%s' (its policy lists", ctx->tenant,
                      ev->jurisdiction);
        for (size_t i = 0; i < policy->n_jurisdictions; i++) {
            ed_buf_printf(r->bad, "%s %s", i ? "," : "", policy->jurisdictions[i]);
        }
        ed_buf_puts(r->bad, ")");
        return 1;
    }
    int served = 0;
    for (size_t i = 0; i < ctx->n_loaded; i++) {
        const ed_loaded *ld = &ctx->loaded[i];
        if (loaded_applies(ctx, ld)) {
            return 0;
        }
        served = served || (!ld->pack->any_jurisdiction && !ld->pack->is_tenant &&
                            ed_pack_serves(ld->pack, ev->jurisdiction));
    }
    if (!served) {
        ed_buf_printf(r->bad, "field 'jurisdiction': no loaded pack serves "
                      "jurisdiction '%s'", ev->jurisdiction);
    } else {
        ed_buf_printf(r->bad, "field 'type': no loaded pack decides events of "
                      "type '%s' in jurisdiction '%s'", ev->type, ev->jurisdiction);
    }
    return 1;
}

static void set_event_fields(lua_State *L, const ed_loaded *ld,
                             const ed_event *ev, int vault)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->ctx_backing_ref);
    lua_pushstring(L, ev->as_of);
    lua_setfield(L, -2, "as_of");
    char day[11]; /* as_of's date on the pack's clock */
    ed_format_date(ed_pack_local_day(ld->pack, &ev->when), day);
    lua_pushstring(L, day);
    lua_setfield(L, -2, "as_of_date");
    lua_pushstring(L, ev->jurisdiction);
    lua_setfield(L, -2, "jurisdiction");
    if (vault == ED_VAULT_UNKNOWN) {
        lua_pushnil(L);
    } else {
        lua_pushboolean(L, vault == ED_VAULT_HELD);
    }
    lua_setfield(L, -2, "evidence_in_vault");
    lua_pop(L, 1);
}

static void decide(eval_run *r, int event)
{
    ed_context *ctx = r->ctx;
    lua_State *L = ctx->L;
    const ed_event *ev = r->ev;
    size_t i = 0;
    while (i < ctx->n_loaded) {
        /* versions of one pack are adjacent, by effective_from */
        size_t end = i + 1;
        while (end < ctx->n_loaded && !ctx->loaded[i].pack->is_tenant &&
               !ctx->loaded[end].pack->is_tenant &&
               strcmp(ctx->loaded[end].pack->name, ctx->loaded[i].pack->name) == 0) {
            end++;
        }
        const ed_loaded *chosen = NULL;
        int applies = 0;
        for (size_t k = i; k < end; k++) {
            /* an overlay whose params or waivers shape the decision is part
             * of what made it, even when none of its own rules apply: the
             * decision names it (and its digest) so it can be replayed */
            const ed_pack *kp = ctx->loaded[k].pack;
            int shapes = kp->is_tenant && r->n_packs > 0 &&
                         (kp->n_params > 0 || kp->n_waivers > 0);
            if (shapes || loaded_applies(ctx, &ctx->loaded[k])) {
                applies = 1;
                /* the date of occurred_at on the pack's clock */
                const ed_pack *vp = ctx->loaded[k].pack;
                if (ed_pack_in_force(vp, ed_pack_local_day(vp, &ev->occurred))) {
                    chosen = &ctx->loaded[k];
                }
            }
        }
        if (applies && r->opt->explain) {
            for (size_t k = i; k < end; k++) {
                if (&ctx->loaded[k] != chosen &&
                    loaded_applies(ctx, &ctx->loaded[k])) {
                    add_trace(r, NULL, ctx->loaded[k].pack, "not_in_force", -1, 0);
                }
            }
        }
        if (applies && chosen == NULL) {
            ed_buf msg = {0};
            char on[11];
            ed_format_date(ed_pack_local_day(ctx->loaded[i].pack, &ev->occurred), on);
            ed_buf_printf(&msg, "no version of pack %s is in force on %s "
                          "(versions:", ctx->loaded[i].pack->name, on);
            for (size_t k = i; k < end; k++) {
                const ed_pack *p = ctx->loaded[k].pack;
                ed_buf_printf(&msg, "%s %s %s..%s", k > i ? ";" : "", p->version,
                              p->from_text, p->until_text);
            }
            ed_buf_puts(&msg, ")");
            add_error(r, NULL, ctx->loaded[i].pack->name, NULL, msg.data,
                      ED_STOP_NONE);
            ed_buf_free(&msg);
        }
        if (chosen != NULL) {
            sep(r->packs, &r->n_packs);
            ed_buf_puts(r->packs, "{\"name\":");
            if (chosen->pack->is_tenant) {
                /* the overlay's rules and digest are part of the decision */
                ed_buf name = {0};
                ed_buf_printf(&name, "tenant:%s", chosen->pack->name);
                put_string(r->packs, name.data);
                ed_buf_free(&name);
            } else {
                put_string(r->packs, chosen->pack->name);
            }
            ed_buf_puts(r->packs, ",\"version\":");
            put_string(r->packs, chosen->pack->version);
            ed_buf_puts(r->packs, ",\"digest\":\"");
            ed_buf_puts(r->packs, chosen->pack->digest);
            ed_buf_puts(r->packs, "\"}");
            set_event_fields(L, chosen, ev, r->opt->vault);
            lua_rawgeti(L, LUA_REGISTRYINDEX, chosen->ctx_ref);
            int ctx_proxy = lua_gettop(L);
            for (size_t k = 0; k < chosen->n_slots; k++) {
                const ed_slot *s = &ctx->slots[chosen->first_slot + k];
                if (!slot_applies(ctx, s)) {
                    continue;
                }
                if (s->waiver != NULL) {
                    sep(r->waivers, &r->n_waivers);
                    ed_buf_puts(r->waivers, "{\"rule\":");
                    put_string(r->waivers, s->rule->id);
                    ed_buf_puts(r->waivers, ",\"reason\":");
                    put_string(r->waivers, s->waiver->reason);
                    ed_buf_putc(r->waivers, '}');
                    add_trace(r, s, s->pack, "waived", -1, 0);
                    continue;
                }
                run_rule(r, s, event, ctx_proxy);
            }
            lua_pop(L, 1);
            if (chosen->restore_ref != LUA_NOREF) {
                /* what the checks changed in the pack's plain upvalues
                 * must not reach the next event */
                lua_rawgeti(L, LUA_REGISTRYINDEX, chosen->restore_ref);
                ed_readonly_restore(L, -1);
                lua_pop(L, 1);
            }
        }
        i = end;
    }
}

/* ------------------------------------------------------------------ */
/* The decision                                                         */
/* ------------------------------------------------------------------ */

static void assemble(eval_run *r, ed_buf *out)
{
    const ed_event *ev = r->ev;
    ed_outcome *o = r->outcome;
    o->n_errors = r->n_errors;
    int score = 100 - 25 * o->counts[ED_SEV_CRITICAL] -
                10 * o->counts[ED_SEV_MAJOR] - 5 * o->counts[ED_SEV_MINOR];
    o->score = score < 0 ? 0 : score;
    if (o->counts[ED_SEV_CRITICAL] > 0) {
        o->flag = ED_FLAG_RED;
    } else if (o->counts[ED_SEV_MAJOR] + o->counts[ED_SEV_MINOR] > 0 ||
               r->n_errors > 0 || (r->unavailable != NULL && r->unavailable->len > 0)) {
        o->flag = ED_FLAG_YELLOW;
    } else {
        o->flag = ED_FLAG_GREEN;
    }

    /* Deterministic id: the same event decided by the same packs at the
     * same as_of is the same decision: SHA-256 of tenant, id, as_of (each
     * followed by a NUL) and the packs list. The key is put together on
     * the stack when it fits (it nearly always does), not in a heap
     * buffer per event. */
    const char *packs = r->packs->data ? r->packs->data : "";
    size_t lens[4] = {strlen(r->tenant), strlen(ev->id), strlen(ev->as_of),
                      r->packs->len};
    const char *parts[4] = {r->tenant, ev->id, ev->as_of, packs};
    size_t key_len = lens[0] + lens[1] + lens[2] + lens[3] + 3;
    char stack_key[2048];
    ed_buf heap_key = {0};
    char *key = stack_key;
    if (key_len > sizeof stack_key) {
        ed_buf_reserve(&heap_key, key_len);
        key = heap_key.data;
    }
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        memcpy(key + at, parts[i], lens[i]);
        at += lens[i];
        if (i < 3) {
            key[at++] = '\0';
        }
    }
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(key, key_len, hex);
    ed_buf_free(&heap_key);

    /* the envelope, by puts and memcpy: no printf per event */
    memcpy(o->decision_id, "dec-", 4);
    memcpy(o->decision_id + 4, hex, 32);
    o->decision_id[36] = '\0';
    memcpy(o->retention_until, r->retain, sizeof o->retention_until);
    ed_buf_puts(out, "{\"decision_id\":\"");
    ed_buf_puts(out, o->decision_id);
    ed_buf_puts(out, "\",\"event_id\":");
    put_string(out, ev->id);
    ed_buf_puts(out, ",\"tenant\":");
    put_string(out, ev->tenant);
    ed_buf_puts(out, ",\"jurisdiction\":");
    put_string(out, ev->jurisdiction);
    ed_buf_puts(out, ",\"type\":");
    put_string(out, ev->type);
    ed_buf_puts(out, ",\"occurred_at\":");
    put_string(out, ev->occurred_at);
    ed_buf_puts(out, ",\"as_of\":");
    put_string(out, ev->as_of);
    char score_text[16];
    char *p = score_text + sizeof score_text;
    *--p = '\0';
    int sc = o->score; /* 0..100 */
    do {
        *--p = (char)('0' + sc % 10);
        sc /= 10;
    } while (sc > 0);
    ed_buf_puts(out, ",\"flag\":\"");
    ed_buf_puts(out, ed_flag_name(o->flag));
    ed_buf_puts(out, "\",\"score\":");
    ed_buf_puts(out, p);
    ed_buf_puts(out, ",\"findings\":[");
    put_buf(out, r->findings);
    ed_buf_puts(out, "],\"obligations\":[");
    put_buf(out, r->obligations);
    if (r->metrc != NULL && r->metrc->len > 0) {
        /* only when a rule asked: every other decision keeps its bytes */
        ed_buf_puts(out, "],\"metrc_writes\":[");
        put_buf(out, r->metrc);
    }
    if (r->retain[0]) {
        ed_buf_puts(out, "],\"retention_until\":\"");
        ed_buf_puts(out, r->retain);
        ed_buf_puts(out, "\"");
    } else {
        ed_buf_puts(out, "],\"retention_until\":null");
    }
    ed_buf_puts(out, ",\"packs\":[");
    put_buf(out, r->packs);
    ed_buf_puts(out, "],\"waivers\":[");
    put_buf(out, r->waivers);
    if (r->answers != NULL && r->answers->len > 0) {
        /* what Metrc answered the rules, so that replay answers the same */
        ed_buf_puts(out, "],\"metrc_answers\":[");
        put_buf(out, r->answers);
    }
    if (r->unavailable != NULL && r->unavailable->len > 0) {
        /* facts a rule asked Metrc for and could not have */
        ed_buf_puts(out, "],\"unavailable\":[");
        put_buf(out, r->unavailable);
    }
    ed_buf_puts(out, "],\"errors\":[");
    put_buf(out, r->errors);
    ed_buf_putc(out, ']');
    if (r->opt->vault != ED_VAULT_UNKNOWN) {
        /* what the host knew of the vault, so that replay knows it too */
        ed_buf_puts(out, r->opt->vault == ED_VAULT_HELD ? ",\"evidence_in_vault\":true"
                                                        : ",\"evidence_in_vault\":false");
    }
    if (r->opt->explain) {
        ed_buf_printf(out, ",\"explain\":[%s]", r->explain->data ? r->explain->data : "");
    }
    ed_buf_putc(out, '}');
}

typedef struct protected_args {
    eval_run *run;
    ed_buf *out;
    int refused;
} protected_args;

static int evaluate_protected(lua_State *L)
{
    protected_args *a = lua_touserdata(L, 2);
    eval_run *r = a->run;
    lua_settop(L, 1);
    memoize(r->ctx, r->ev);
    if (refuse(r)) {
        a->refused = 1;
        return 0;
    }
    if (!ed_readonly_is(L, 1)) {
        ed_readonly_wrap(L, 1, "event");
    }
    decide(r, lua_gettop(L));
    assemble(r, a->out);
    return 0;
}

int ed_engine_evaluate(ed_context *ctx, const ed_event *ev,
                       const ed_eval_options *opt, ed_buf *out,
                       ed_outcome *outcome, ed_buf *err)
{
    lua_State *L = ctx->L;
    eval_run r;
    memset(&r, 0, sizeof r);
    memset(outcome, 0, sizeof *outcome);
    r.ctx = ctx;
    r.ev = ev;
    r.opt = opt;
    r.outcome = outcome;
    r.tenant = ctx->tenant;
    r.obligations = &ctx->sink.obligations;
    r.metrc = &ctx->sink.metrc;
    r.unavailable = &ctx->lookup.unavailable;
    r.answers = &ctx->lookup.answers;
    ed_scratch *sc = &ctx->scratch;
    r.findings = &sc->findings;
    r.waivers = &sc->waivers;
    r.errors = &sc->errors;
    r.packs = &sc->packs;
    r.explain = &sc->explain;
    r.bad = &sc->bad;
    ed_buf_reset(r.findings);
    ed_buf_reset(r.waivers);
    ed_buf_reset(r.errors);
    ed_buf_reset(r.packs);
    ed_buf_reset(r.explain);
    ed_buf_reset(r.bad);
    ed_buf_reset(&ctx->sink.obligations);
    ctx->sink.n_obligations = 0;
    ed_buf_reset(&ctx->sink.metrc);
    ctx->sink.n_metrc = 0;
    ed_buf_reset(&ctx->lookup.unavailable);
    ctx->lookup.n_unavailable = 0;
    ed_buf_reset(&ctx->lookup.answers);
    ctx->lookup.n_answers = 0;
    ctx->lookup.seq++; /* edict.metrc's answers are per evaluation */
    ctx->sink.slot = NULL;

    protected_args a = {&r, out, 0};
    lua_pushcfunction(L, evaluate_protected);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, &a);
    int status = lua_pcall(L, 2, 0, 0);
    int rc = 0;
    ed_buf_reset(err);
    if (status != LUA_OK) {
        ed_buf_printf(err, "evaluating event %s: %s", ev->id,
                      lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        lua_pop(L, 1);
        rc = -1;
    } else if (a.refused) {
        ed_buf_puts(err, r.bad->data);
        rc = 1;
    }
    return rc;
}

void ed_engine_lost(const ed_event *ev, const ed_eval_options *opt, const char *why,
                    ed_buf *out, ed_outcome *outcome)
{
    eval_run r;
    memset(&r, 0, sizeof r);
    memset(outcome, 0, sizeof *outcome);
    ed_buf findings = {0}, waivers = {0}, errors = {0}, packs = {0}, explain = {0},
           obligations = {0};
    r.ev = ev;
    r.opt = opt;
    r.outcome = outcome;
    r.tenant = ev->tenant;
    r.obligations = &obligations;
    r.findings = &findings;
    r.waivers = &waivers;
    r.errors = &errors;
    r.packs = &packs;
    r.explain = &explain;
    add_error(&r, NULL, NULL, NULL, why, ED_STOP_NONE);
    assemble(&r, out);
    ed_buf_free(&errors);
}
