/*
 * context.c — building a tenant's evaluation context, and the calls rules
 * make on ctx (see context.h).
 */
#define context_c

#include "context.h"

#include "engine.h"

#include "util/fsutil.h"
#include "json.h"
#include "util/jsonstr.h"
#include "util/table.h"
#include "readonly.h"
#include "stdlib/time.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* ctx.obligation and ctx.retain_until                                   */
/* ------------------------------------------------------------------ */

static ed_context *context_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static void check_date_arg(lua_State *L, int arg, const char *s, int allow_time)
{
    ed_time t;
    char why[160];
    size_t len = strlen(s);
    if ((!allow_time && len != 10) ||
        ed_time_parse(s, len, 1, &t, why, sizeof why) != 0) {
        if (!allow_time && len != 10) {
            snprintf(why, sizeof why, "expected a date YYYY-MM-DD, got '%s'", s);
        }
        luaL_argerror(L, arg, why);
    }
}

/* ctx.obligation{ action = ..., due = ..., cite = ..., note = ... } */
static int l_ctx_obligation(lua_State *L)
{
    ed_context *ctx = context_of(L);
    ed_sink *sink = &ctx->sink;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (sink->slot == NULL) {
        return luaL_error(L, "ctx.obligation can only be called from a check");
    }
    if (sink->obligations.len - sink->rule_start > ED_MAX_RULE_OUTPUT_BYTES) {
        return luaL_error(L, "ctx.obligation: the rule's obligations are larger "
                             "than 1 MiB");
    }
    if (sink->rule_obligations >= ED_MAX_OBLIGATIONS_PER_RULE) {
        return luaL_error(L, "ctx.obligation: one rule may add at most %d "
                             "obligations to a decision", ED_MAX_OBLIGATIONS_PER_RULE);
    }
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        if (strcmp(k, "action") && strcmp(k, "due") && strcmp(k, "cite") &&
            strcmp(k, "note")) {
            return luaL_error(L, "ctx.obligation: unknown field '%s' (expected "
                                 "action, due, cite, note)",
                              lua_type(L, -1) == LUA_TSTRING ? k
                                                              : luaL_typename(L, -1));
        }
    }
    if (lua_getfield(L, 1, "action") != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
        return luaL_error(L, "ctx.obligation: 'action' must name what is to be "
                             "done (e.g. \"submit_monthly_report\")");
    }
    if (lua_getfield(L, 1, "due") != LUA_TSTRING) {
        return luaL_error(L, "ctx.obligation: 'due' must be a date or an RFC 3339 "
                             "timestamp");
    }
    check_date_arg(L, 1, lua_tostring(L, -1), 1);
    int cite_type = lua_getfield(L, 1, "cite");
    int note_type = lua_getfield(L, 1, "note");
    if ((cite_type != LUA_TNIL && cite_type != LUA_TSTRING) ||
        (note_type != LUA_TNIL && note_type != LUA_TSTRING)) {
        return luaL_error(L, "ctx.obligation: 'cite' and 'note' must be strings");
    }
    for (int i = 2; i <= 5; i++) {
        if (lua_type(L, i) == LUA_TSTRING && lua_rawlen(L, i) > ED_MAX_TEXT_BYTES) {
            return luaL_error(L, "ctx.obligation: a field is longer than %d bytes",
                              ED_MAX_TEXT_BYTES);
        }
    }
    /* Stack now: args action due cite note */
    ed_buf *b = &sink->obligations;
    sink->rule_obligations++;
    if (sink->n_obligations++ > 0) {
        ed_buf_putc(b, ',');
    }
    size_t len;
    const char *s;
    ed_buf_puts(b, "{\"action\":");
    s = lua_tolstring(L, 2, &len);
    ed_json_escape(b, s, len);
    ed_buf_puts(b, ",\"due\":");
    s = lua_tolstring(L, 3, &len);
    ed_json_escape(b, s, len);
    ed_buf_puts(b, ",\"cite\":");
    if (cite_type == LUA_TSTRING) {
        s = lua_tolstring(L, 4, &len);
        ed_json_escape(b, s, len);
    } else {
        const char *c = sink->slot->rule->cite;
        ed_json_escape(b, c, strlen(c));
    }
    ed_buf_puts(b, ",\"rule\":");
    ed_json_escape(b, sink->slot->rule->id, strlen(sink->slot->rule->id));
    if (note_type == LUA_TSTRING) {
        ed_buf_puts(b, ",\"note\":");
        s = lua_tolstring(L, 5, &len);
        ed_json_escape(b, s, len);
    }
    ed_buf_putc(b, '}');
    return 0;
}

/* ctx.retain_until(date): the decision and its evidence are kept at least
 * until this date; the decision keeps the latest date any rule asks for. */
static int l_ctx_retain_until(lua_State *L)
{
    ed_context *ctx = context_of(L);
    const char *s = luaL_checkstring(L, 1);
    check_date_arg(L, 1, s, 1);
    if (ctx->sink.slot == NULL) {
        return luaL_error(L, "ctx.retain_until can only be called from a check");
    }
    /* Keep the civil date as written; YYYY-MM-DD compares as text. */
    if (strncmp(s, ctx->sink.retain, 10) > 0) {
        memcpy(ctx->sink.retain, s, 10);
        ctx->sink.retain[10] = '\0';
    }
    return 0;
}

/* A licence number or a path as a rule may give it: 1..max bytes of
 * [A-Za-z0-9._-] (and '/' when slash), so that neither can carry a query,
 * a header or a line of its own. */
static int plain_text(const char *s, size_t len, size_t max, int slash)
{
    if (len == 0 || len > max) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || (slash && c == '/'))) {
            return 0;
        }
    }
    return 1;
}

/* ctx.metrc_write{ license = ..., path = ..., method = ..., objects = {...} }:
 * a write for Metrc that the host puts in the store's outbox when, and
 * only when, the decision is journaled (RULES.md "Writes to Metrc"). The
 * decision carries it in "metrc_writes"; the outbox key is the decision id
 * and the write's place in the decision, so a decision journaled twice
 * queues it once. */
static int l_ctx_metrc_write(lua_State *L)
{
    ed_context *ctx = context_of(L);
    ed_sink *sink = &ctx->sink;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (sink->slot == NULL) {
        return luaL_error(L, "ctx.metrc_write can only be called from a check");
    }
    if (sink->rule_metrc >= ED_MAX_METRC_WRITES_PER_RULE) {
        return luaL_error(L, "ctx.metrc_write: one rule may ask for at most %d writes "
                             "in a decision", ED_MAX_METRC_WRITES_PER_RULE);
    }
    lua_settop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        if (strcmp(k, "license") && strcmp(k, "path") && strcmp(k, "method") &&
            strcmp(k, "objects")) {
            return luaL_error(L, "ctx.metrc_write: unknown field '%s' (expected license, "
                                 "path, method, objects)",
                              lua_type(L, -1) == LUA_TSTRING ? k : luaL_typename(L, -1));
        }
    }
    size_t len = 0;
    const char *s = lua_getfield(L, 1, "license") == LUA_TSTRING ? lua_tolstring(L, 2, &len)
                                                                : "";
    if (!plain_text(s, len, 64, 0)) {
        return luaL_error(L, "ctx.metrc_write: 'license' must be the facility's licence "
                             "number (letters, digits, '.', '_' or '-')");
    }
    len = 0;
    s = lua_getfield(L, 1, "path") == LUA_TSTRING ? lua_tolstring(L, 3, &len) : "";
    if (s[0] != '/' || !plain_text(s, len, 200, 1) || strstr(s, "..") != NULL) {
        return luaL_error(L, "ctx.metrc_write: 'path' must be a Metrc path such as "
                             "\"/plants/v2/waste\" (no query: the licence is added)");
    }
    int mt = lua_getfield(L, 1, "method");
    const char *method = mt == LUA_TNIL ? "POST" : mt == LUA_TSTRING ? lua_tostring(L, 4) : "";
    if (strcmp(method, "POST") && strcmp(method, "PUT") && strcmp(method, "DELETE")) {
        return luaL_error(L, "ctx.metrc_write: 'method' must be POST (the default), PUT "
                             "or DELETE");
    }
    if (lua_getfield(L, 1, "objects") != LUA_TTABLE) {
        return luaL_error(L, "ctx.metrc_write: 'objects' must be a list of 1 to %d "
                             "objects (Metrc's limit per request)", ED_MAX_METRC_OBJECTS);
    }
    ed_readonly_backing(L, 5);
    int objects = lua_gettop(L);
    size_t n = lua_rawlen(L, objects);
    if (n == 0 || n > ED_MAX_METRC_OBJECTS) {
        return luaL_error(L, "ctx.metrc_write: 'objects' must be a list of 1 to %d "
                             "objects (Metrc's limit per request), not %d",
                          ED_MAX_METRC_OBJECTS, (int)(n > 1000000 ? 1000000 : n));
    }
    for (size_t i = 1; i <= n; i++) {
        if (lua_rawgeti(L, objects, (lua_Integer)i) != LUA_TTABLE) {
            return luaL_error(L, "ctx.metrc_write: objects[%d] is a %s, not an object",
                              (int)i, luaL_typename(L, -1));
        }
        lua_pop(L, 1);
    }
    /* Stack now: args license path method objects backing */
    ed_buf *b = &sink->metrc;
    size_t mark = b->len;
    if (sink->n_metrc > 0) {
        ed_buf_putc(b, ',');
    }
    ed_buf_puts(b, "{\"rule\":");
    ed_json_escape(b, sink->slot->rule->id, strlen(sink->slot->rule->id));
    ed_buf_puts(b, ",\"license\":");
    s = lua_tolstring(L, 2, &len);
    ed_json_escape(b, s, len);
    ed_buf_puts(b, ",\"method\":\"");
    ed_buf_puts(b, method);
    ed_buf_puts(b, "\",\"path\":");
    s = lua_tolstring(L, 3, &len);
    ed_json_escape(b, s, len);
    ed_buf_puts(b, ",\"objects\":");
    ed_buf *why = &ctx->scratch.why;
    ed_buf_reset(why);
    if (ed_json_emit(L, objects, b, why) != 0 ||
        b->len - mark > ED_MAX_RULE_OUTPUT_BYTES) {
        b->len = mark;
        if (b->data) {
            b->data[mark] = '\0';
        }
        return luaL_error(L, "ctx.metrc_write: the objects cannot be written as JSON: %s",
                          why->len ? why->data : "larger than 1 MiB");
    }
    ed_buf_putc(b, '}');
    sink->n_metrc++;
    sink->rule_metrc++;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Building a context                                                   */
/* ------------------------------------------------------------------ */

typedef struct build_args {
    ed_context *ctx;
    const char *only_pack;
    ed_diags *d;
    int failed;
} build_args;

static int uses_pack(const ed_context *ctx, const ed_pack *p,
                     const char *only_pack)
{
    if (only_pack != NULL) {
        return strcmp(p->name, only_pack) == 0;
    }
    if (ctx->policy == NULL || ctx->policy->n_jurisdictions == 0 ||
        p->any_jurisdiction) {
        return 1;
    }
    for (size_t i = 0; i < ctx->policy->n_jurisdictions; i++) {
        if (ed_pack_serves(p, ctx->policy->jurisdictions[i])) {
            return 1;
        }
    }
    return 0;
}

static const ed_waiver *waiver_for(const ed_context *ctx, const char *rule)
{
    if (ctx->policy == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < ctx->policy->n_waivers; i++) {
        if (strcmp(ctx->policy->waivers[i].rule, rule) == 0) {
            return &ctx->policy->waivers[i];
        }
    }
    return NULL;
}

/* Set the key/value pair on top of the stack (key at -2, value at -1)
 * into the table at t, popping both: a table value over a table already
 * there is merged into a copy of it, key by key (a tenant that tightens
 * one tier of an alert table keeps the pack's other tiers); anything else
 * replaces. The pack's tables are never changed in place. Params are data
 * nested at most ED_READONLY_MAX_DEPTH deep (pack.c), so the recursion is
 * bounded. */
static void merge_param(lua_State *L, int t)
{
    int v = lua_gettop(L);
    lua_pushvalue(L, v - 1);
    int old = lua_rawget(L, t);
    if (old != LUA_TTABLE || lua_type(L, v) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_rawset(L, t);
        return;
    }
    int base = lua_gettop(L);
    lua_newtable(L); /* the merged copy */
    int copy = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, base) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, copy);
    }
    lua_pushnil(L);
    while (lua_next(L, v) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        merge_param(L, copy);
    }
    lua_replace(L, v);  /* value = the copy */
    lua_settop(L, v);
    lua_rawset(L, t);
}

/* Load pack p; `overrides` is the stack index of the tenant's overrides
 * (pack name -> params) or 0. */
static int load_one(ed_context *ctx, const ed_pack *p, int overrides,
                    ed_diags *d)
{
    lua_State *L = ctx->L;
    if (ed_pack_load(ctx->sb, p, &ctx->limits, d) != 0) {
        return -1;
    }
    int out = lua_gettop(L);
    ed_loaded *ld = &ctx->loaded[ctx->n_loaded++];
    ld->pack = p;
    ld->first_slot = ctx->n_slots;
    ld->n_slots = p->n_rules;
    ld->restore_ref = LUA_NOREF;
    if (lua_getfield(L, out, "restore") == LUA_TTABLE && lua_rawlen(L, -1) > 0) {
        ld->restore_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, out, "checks");
    for (size_t i = 0; i < p->n_rules; i++) {
        ed_slot *s = &ctx->slots[ctx->n_slots++];
        s->pack = p;
        s->rule = &p->rules[i];
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        s->check_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        s->waiver = waiver_for(ctx, p->rules[i].id);
    }
    lua_pop(L, 1);

    /* params: the pack's, with the tenant's overrides on top */
    lua_getfield(L, out, "params");
    int params = lua_gettop(L);
    lua_pushstring(L, p->name);
    if (overrides && !p->is_tenant &&
        lua_rawget(L, overrides) == LUA_TTABLE) { /* raw: an author table */
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            merge_param(L, params);
        }
    }
    lua_settop(L, params);
    ed_readonly_wrap(L, params, "ctx.params");

    /* ctx: fixed fields now, per-event fields set by the engine */
    lua_createtable(L, 0, 12);
    int backing = lua_gettop(L);
    lua_pushstring(L, ctx->tenant);
    lua_setfield(L, backing, "tenant");
    lua_pushstring(L, p->name);
    lua_setfield(L, backing, "pack");
    lua_pushstring(L, p->version);
    lua_setfield(L, backing, "version");
    /* ctx.bounds: the statute behind each bounded param (pack.c), so a
     * message can quote both the tenant's figure and the law's */
    lua_getfield(L, out, "bounds");
    ed_readonly_wrap(L, lua_gettop(L), "ctx.bounds"); /* pushes the proxy */
    lua_setfield(L, backing, "bounds");
    lua_pop(L, 1); /* the table itself */
    if (p->zone != NULL) {
        lua_pushstring(L, p->zone);
        lua_setfield(L, backing, "zone");
    }
    lua_pushvalue(L, -2);
    lua_setfield(L, backing, "params");
    lua_pushlightuserdata(L, ctx);
    lua_pushcclosure(L, l_ctx_obligation, 1);
    lua_setfield(L, backing, "obligation");
    lua_pushlightuserdata(L, ctx);
    lua_pushcclosure(L, l_ctx_retain_until, 1);
    lua_setfield(L, backing, "retain_until");
    lua_pushlightuserdata(L, ctx);
    lua_pushcclosure(L, l_ctx_metrc_write, 1);
    lua_setfield(L, backing, "metrc_write");
    lua_pushvalue(L, backing);
    ld->ctx_backing_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    ed_readonly_wrap(L, backing, "ctx");
    ld->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_settop(L, out - 1);
    return 0;
}

static int build(lua_State *L)
{
    build_args *a = lua_touserdata(L, 1);
    ed_context *ctx = a->ctx;
    const ed_catalog *cat = ctx->cat;
    lua_settop(L, 0);
    ed_json_open(L);
    lua_pushlightuserdata(L, ctx); /* for edict.metrc (lookup.c) */
    lua_setfield(L, LUA_REGISTRYINDEX, ED_REGISTRY_CONTEXT);

    size_t n_packs = 0, n_rules = 0;
    for (size_t i = 0; i < cat->n_packs; i++) {
        if (uses_pack(ctx, cat->packs[i], a->only_pack)) {
            n_packs++;
            n_rules += cat->packs[i]->n_rules;
        }
    }
    if (ctx->policy && a->only_pack == NULL) {
        n_packs++;
        n_rules += ctx->policy->n_rules;
    }
    ctx->loaded = calloc(n_packs ? n_packs : 1, sizeof *ctx->loaded);
    ctx->slots = calloc(n_rules ? n_rules : 1, sizeof *ctx->slots);
    ctx->scratch.loaded_applies = calloc(n_packs ? n_packs : 1, 1);
    ctx->scratch.slot_applies = calloc(n_rules ? n_rules : 1, 1);
    if (ctx->loaded == NULL || ctx->slots == NULL ||
        ctx->scratch.loaded_applies == NULL || ctx->scratch.slot_applies == NULL) {
        return luaL_error(L, "out of memory");
    }

    int overrides = 0;
    if (ctx->policy && a->only_pack == NULL) {
        /* The overlay is loaded first for its overrides, but listed last:
         * a tenant's own rules run after the packs'. */
        if (ed_pack_load(ctx->sb, ctx->policy, &ctx->limits, a->d) != 0) {
            a->failed = 1;
            return 0;
        }
        lua_getfield(L, -1, "overrides");
        overrides = lua_gettop(L);
    }
    for (size_t i = 0; i < cat->n_packs; i++) {
        if (uses_pack(ctx, cat->packs[i], a->only_pack) &&
            load_one(ctx, cat->packs[i], overrides, a->d) != 0) {
            a->failed = 1;
            return 0;
        }
    }
    if (ctx->policy && a->only_pack == NULL &&
        load_one(ctx, ctx->policy, 0, a->d) != 0) {
        a->failed = 1;
    }
    lua_settop(L, 0);
    return 0;
}

ed_context *ed_context_new(const ed_catalog *cat, const char *tenant,
                           const char *only_pack, ed_diags *d)
{
    ed_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        abort();
    }
    ctx->tenant = ed_strdup(tenant);
    ctx->cat = cat;
    ctx->policy = only_pack ? NULL : ed_catalog_tenant(cat, tenant);
    ctx->limits = cat->limits;
    if (ctx->policy) {
        /* the host's limits (options, the server's configuration) are
         * ceilings: a tenant may lower them for its rules, never raise
         * them, or one overlay could spend what every tenant shares */
        const ed_limits *pl = &ctx->policy->limits;
        if (pl->instructions && pl->instructions < ctx->limits.instructions) {
            ctx->limits.instructions = pl->instructions;
        }
        if (pl->memory_bytes && pl->memory_bytes < ctx->limits.memory_bytes) {
            ctx->limits.memory_bytes = pl->memory_bytes;
        }
        if (pl->time_ms && pl->time_ms < ctx->limits.time_ms) {
            ctx->limits.time_ms = pl->time_ms;
        }
    }
    ctx->sb = ed_sandbox_new();
    if (ctx->sb == NULL) {
        ed_diags_add(d, "", "tenant %s: out of memory creating its sandbox", tenant);
        ed_context_free(ctx);
        return NULL;
    }
    ctx->L = ed_sandbox_state(ctx->sb);
    build_args a = {ctx, only_pack, d, 0};
    lua_pushcfunction(ctx->L, build);
    lua_pushlightuserdata(ctx->L, &a);
    if (lua_pcall(ctx->L, 1, 0, 0) != LUA_OK) {
        ed_diags_add(d, "", "tenant %s: %s", tenant, lua_tostring(ctx->L, -1));
        a.failed = 1;
    }
    if (a.failed) {
        ed_context_free(ctx);
        return NULL;
    }
    return ctx;
}

void ed_context_free(ed_context *ctx)
{
    if (ctx == NULL) {
        return;
    }
    ed_sandbox_free(ctx->sb);
    ed_buf_free(&ctx->sink.obligations);
    ed_buf_free(&ctx->sink.metrc);
    ed_buf_free(&ctx->lookup.body);
    ed_buf_free(&ctx->lookup.err);
    ed_buf_free(&ctx->lookup.unavailable);
    ed_buf_free(&ctx->lookup.answers);
    ed_scratch *sc = &ctx->scratch;
    ed_buf_free(&sc->findings);
    ed_buf_free(&sc->waivers);
    ed_buf_free(&sc->errors);
    ed_buf_free(&sc->packs);
    ed_buf_free(&sc->explain);
    ed_buf_free(&sc->bad);
    ed_buf_free(&sc->why);
    free(sc->slot_applies);
    free(sc->loaded_applies);
    free(ctx->loaded);
    free(ctx->slots);
    free(ctx->tenant);
    free(ctx);
}

ed_context *ed_contexts_get(ed_contexts *set, const ed_catalog *cat,
                            const char *tenant, const char *only_pack,
                            ed_diags *d)
{
    if (set->index == NULL) {
        set->index = ed_table_new();
    }
    ed_table_key key = ed_table_key_of(set->index, tenant, strlen(tenant));
    ed_context **found = ed_table_find(set->index, key);
    if (found != NULL) {
        return *found;
    }
    ed_context *ctx = ed_context_new(cat, tenant, only_pack, d);
    if (ctx == NULL) {
        return NULL;
    }
    ed_context **grown = realloc(set->items, (set->n + 1) * sizeof *grown);
    if (grown == NULL) {
        abort();
    }
    grown[set->n++] = ctx;
    set->items = grown;
    *(ed_context **)ed_table_insert(set->index, key, sizeof ctx) = ctx;
    return ctx;
}

int ed_contexts_done(ed_contexts *set, ed_context *ctx)
{
    if (ed_sandbox_memory(ctx->sb) <= ED_CONTEXT_REBUILD_BYTES) {
        return 0;
    }
    for (size_t i = 0; i < set->n; i++) {
        if (set->items[i] == ctx) {
            set->items[i] = set->items[--set->n];
            break;
        }
    }
    void *entry = ed_table_find(set->index,
                                ed_table_key_of(set->index, ctx->tenant,
                                                strlen(ctx->tenant)));
    if (entry != NULL) {
        ed_table_remove(set->index, entry);
    }
    ed_context_free(ctx);
    return 1;
}

void ed_contexts_clear(ed_contexts *set)
{
    for (size_t i = 0; i < set->n; i++) {
        ed_context_free(set->items[i]);
    }
    free(set->items);
    set->items = NULL;
    set->n = 0;
    ed_table_free(set->index);
    set->index = NULL;
}
