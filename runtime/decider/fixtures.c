/*
 * fixtures.c — running the fixtures of packs and tenant overlays
 * (fixtures.h), for `edict test` and for a reload, which must not serve
 * packs whose fixtures fail.
 *
 * A fixture file (a .lua file in a pack's tests folder) returns a list of
 *   { name = ..., event = {...}, expect = { flag = ..., findings = {...}, ... } }
 * Each event is written as JSON and decided through the decider, exactly
 * the path `edict eval` takes, and the decision JSON is decoded again and
 * compared with `expect`. A pack's fixtures run against the versions of
 * that pack alone; a tenant's against its whole policy.
 */
#define _POSIX_C_SOURCE 200809L
#define fixtures_c

#include "fixtures.h"
#include "evaluator.h"
#include "decider.h"

#include "engine/context.h"
#include "engine/json.h"
#include "engine/sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_run {
    const ed_catalog *cat;
    ed_sandbox *fixtures;   /* where fixture files run */
    int passed, failed;
    ed_buf why;
    ed_fixture_fn report;   /* each result goes here */
    void *arg;
} test_run;

static const char *const expect_fields[] = {
    "flag", "findings", "score", "retention_until", "obligations", "errors",
    "waivers", "refused", "messages", NULL};

/* ------------------------------------------------------------------ */
/* Comparing a decision (decoded, at dec) with expect (at exp)            */
/* ------------------------------------------------------------------ */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the sorted list of strings (field `key` of each element of the
 * list at idx, or the elements themselves when key is NULL) to b. */
static void sorted_list(lua_State *L, int idx, const char *key, ed_buf *b)
{
    size_t n = lua_istable(L, idx) ? lua_rawlen(L, idx) : 0;
    const char **items = lua_newuserdatauv(L, (n ? n : 1) * sizeof *items, 0);
    int keep = lua_gettop(L);
    lua_newtable(L); /* anchors the strings */
    size_t count = 0;
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i);
        if (key && lua_istable(L, -1)) {
            lua_getfield(L, -1, key);
            lua_remove(L, -2);
        }
        if (lua_type(L, -1) == LUA_TSTRING) {
            items[count++] = lua_tostring(L, -1);
            lua_rawseti(L, keep + 1, (lua_Integer)count);
        } else {
            lua_pop(L, 1);
        }
    }
    qsort(items, count, sizeof *items, compare_strings);
    ed_buf_putc(b, '[');
    for (size_t i = 0; i < count; i++) {
        ed_buf_printf(b, "%s%s", i ? ", " : "", items[i]);
    }
    ed_buf_putc(b, ']');
    lua_settop(L, keep - 1);
}

static void mismatch(test_run *t, const char *field, const char *want,
                     const char *got)
{
    ed_buf_printf(&t->why, "\n    %s: expected %s, got %s", field, want, got);
}

static void compare_lists(test_run *t, lua_State *L, int exp, int dec,
                          const char *field, const char *key)
{
    if (lua_getfield(L, exp, field) == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    int want = lua_gettop(L);
    lua_getfield(L, dec, field);
    ed_buf a = {0}, b = {0};
    sorted_list(L, want, NULL, &a);
    sorted_list(L, lua_gettop(L), key, &b);
    if (strcmp(a.data, b.data) != 0) {
        mismatch(t, field, a.data, b.data);
    }
    ed_buf_free(&a);
    ed_buf_free(&b);
    lua_settop(L, want - 1);
}

/* Does some element of list (at idx) have field `key` containing text? */
static int any_contains(lua_State *L, int idx, const char *key, const char *text)
{
    size_t n = lua_istable(L, idx) ? lua_rawlen(L, idx) : 0;
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i);
        lua_getfield(L, -1, key);
        int hit = lua_type(L, -1) == LUA_TSTRING && strstr(lua_tostring(L, -1), text);
        lua_pop(L, 2);
        if (hit) {
            return 1;
        }
    }
    return 0;
}

/* The value at idx as text, for a message. */
static const char *text_of(lua_State *L, int idx, char *buf, size_t len)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        snprintf(buf, len, "%g", lua_tonumber(L, idx));
    } else if (lua_type(L, idx) == LUA_TSTRING) {
        snprintf(buf, len, "%s", lua_tostring(L, idx));
    } else {
        snprintf(buf, len, "%s", luaL_typename(L, idx));
    }
    return buf;
}

static void compare(test_run *t, lua_State *L, int exp, int dec)
{
    char want_text[64], got_text[64];
    if (lua_getfield(L, exp, "flag") != LUA_TNIL) {
        lua_getfield(L, dec, "flag");
        if (!lua_rawequal(L, -1, -2)) {
            mismatch(t, "flag", text_of(L, -2, want_text, sizeof want_text),
                     text_of(L, -1, got_text, sizeof got_text));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    compare_lists(t, L, exp, dec, "findings", "rule");
    compare_lists(t, L, exp, dec, "waivers", "rule");
    if (lua_getfield(L, exp, "score") != LUA_TNIL) {
        lua_getfield(L, dec, "score");
        if (!lua_isnumber(L, -2) || lua_tonumber(L, -1) != lua_tonumber(L, -2)) {
            mismatch(t, "score", text_of(L, -2, want_text, sizeof want_text),
                     text_of(L, -1, got_text, sizeof got_text));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    int rt = lua_getfield(L, exp, "retention_until");
    if (rt != LUA_TNIL) {
        lua_getfield(L, dec, "retention_until");
        int got_null = ed_json_is_null(L, -1);
        int want_none = rt == LUA_TBOOLEAN && !lua_toboolean(L, -2);
        if (want_none ? !got_null : !lua_rawequal(L, -1, -2)) {
            mismatch(t, "retention_until", want_none ? "none" : lua_tostring(L, -2),
                     got_null ? "none" : lua_tostring(L, -1));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* obligations: each expected {action, due} must be there, and no more */
    if (lua_getfield(L, exp, "obligations") == LUA_TTABLE) {
        int want = lua_gettop(L);
        lua_getfield(L, dec, "obligations");
        int got = lua_gettop(L);
        size_t nw = lua_rawlen(L, want), ng = lua_rawlen(L, got);
        ed_buf a = {0}, b = {0};
        for (size_t i = 1; i <= nw; i++) {
            lua_rawgeti(L, want, (lua_Integer)i);
            lua_getfield(L, -1, "action");
            lua_getfield(L, -2, "due");
            ed_buf_printf(&a, "%s%s@%s", i > 1 ? ", " : "",
                          lua_tostring(L, -2) ? lua_tostring(L, -2) : "?",
                          lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
            lua_pop(L, 3);
        }
        for (size_t i = 1; i <= ng; i++) {
            lua_rawgeti(L, got, (lua_Integer)i);
            lua_getfield(L, -1, "action");
            lua_getfield(L, -2, "due");
            ed_buf_printf(&b, "%s%s@%s", i > 1 ? ", " : "", lua_tostring(L, -2),
                          lua_tostring(L, -1));
            lua_pop(L, 3);
        }
        if (strcmp(a.data ? a.data : "", b.data ? b.data : "") != 0) {
            mismatch(t, "obligations", a.data ? a.data : "none",
                     b.data ? b.data : "none");
        }
        ed_buf_free(&a);
        ed_buf_free(&b);
        lua_settop(L, want);
    }
    lua_pop(L, 1);
    /* errors: a count, or texts each some error message must contain */
    int et = lua_getfield(L, exp, "errors");
    lua_getfield(L, dec, "errors");
    int got = lua_gettop(L);
    if (et == LUA_TNUMBER) {
        if ((lua_Integer)lua_rawlen(L, got) != lua_tointeger(L, got - 1)) {
            ed_buf want = {0}, have = {0};
            ed_buf_printf(&want, "%lld errors", (long long)lua_tointeger(L, got - 1));
            ed_buf_printf(&have, "%zu", (size_t)lua_rawlen(L, got));
            for (size_t i = 1; i <= lua_rawlen(L, got); i++) {
                lua_rawgeti(L, got, (lua_Integer)i);
                lua_getfield(L, -1, "message");
                ed_buf_printf(&have, "%s %s", i == 1 ? ":" : ";", lua_tostring(L, -1));
                lua_pop(L, 2);
            }
            mismatch(t, "errors", want.data, have.data);
            ed_buf_free(&want);
            ed_buf_free(&have);
        }
    } else if (et == LUA_TTABLE) {
        for (size_t i = 1; i <= lua_rawlen(L, got - 1); i++) {
            lua_rawgeti(L, got - 1, (lua_Integer)i);
            const char *text = lua_tostring(L, -1);
            if (text && !any_contains(L, got, "message", text)) {
                mismatch(t, "errors", text, lua_rawlen(L, got) ? "other errors" : "none");
            }
            lua_pop(L, 1);
        }
    } else if (lua_rawlen(L, got) > 0) {
        /* no expectation: an unexpected rule error fails the fixture */
        lua_rawgeti(L, got, 1);
        lua_getfield(L, -1, "message");
        mismatch(t, "errors", "none", lua_tostring(L, -1));
        lua_pop(L, 2);
    }
    lua_settop(L, got - 2);
    /* messages: texts some finding message must contain */
    if (lua_getfield(L, exp, "messages") == LUA_TTABLE) {
        lua_getfield(L, dec, "findings");
        for (size_t i = 1; i <= lua_rawlen(L, -2); i++) {
            lua_rawgeti(L, -2, (lua_Integer)i);
            const char *text = lua_tostring(L, -1);
            if (text && !any_contains(L, lua_gettop(L) - 1, "message", text)) {
                mismatch(t, "messages", text, "no finding saying it");
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------ */
/* Running one fixture                                                   */
/* ------------------------------------------------------------------ */

static void set_default(lua_State *L, int t, const char *field, const char *value)
{
    if (lua_getfield(L, t, field) == LUA_TNIL && value) {
        lua_pushstring(L, value);
        lua_setfield(L, t, field);
    }
    lua_pop(L, 1);
}

/* Run the fixture at idx (of the fixture state). Fills t->why on failure. */
/* What the decider made of the fixture's event. */
typedef struct fixture_verdict {
    int seen, refused, failed;
    ed_buf decision, reason;
} fixture_verdict;

static int keep_verdict(void *arg, const ed_verdict *v)
{
    fixture_verdict *fv = arg;
    fv->seen = 1;
    if (v->status == ED_DECIDED) {
        ed_buf_append(&fv->decision, v->decision, v->len);
    } else {
        fv->refused = v->status != ED_HOST_FAILURE;
        fv->failed = v->status == ED_HOST_FAILURE;
        ed_buf_puts(&fv->reason, v->error);
    }
    return 0;
}

static void run_fixture(test_run *t, ed_decider *decider, const ed_pack *p,
                        const char *default_tenant, int idx, size_t number,
                        const char *file)
{
    lua_State *L = ed_sandbox_state(t->fixtures);
    lua_getfield(L, idx, "event");
    int event = lua_gettop(L);
    lua_getfield(L, idx, "expect");
    int exp = lua_gettop(L);
    if (!lua_istable(L, event) || !lua_istable(L, exp)) {
        ed_buf_puts(&t->why, "\n    a fixture needs an event table and an expect table");
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, exp) != 0) {
        lua_pop(L, 1);
        int known = 0;
        for (int i = 0; expect_fields[i]; i++) {
            known = known || (lua_type(L, -1) == LUA_TSTRING &&
                              strcmp(lua_tostring(L, -1), expect_fields[i]) == 0);
        }
        if (!known) {
            ed_buf_printf(&t->why, "\n    expect: unknown field '%s' (expected flag, "
                          "findings, score, retention_until, obligations, errors, "
                          "waivers, refused, messages)", luaL_tolstring(L, -1, NULL));
            lua_pop(L, 2);
            return;
        }
    }
    /* Defaults, so fixtures say only what matters to them. */
    char id[64];
    snprintf(id, sizeof id, "%s#%zu", file, number);
    set_default(L, event, "id", id);
    set_default(L, event, "tenant", default_tenant);
    if (!p->is_tenant && !p->any_jurisdiction && p->n_jurisdictions > 0) {
        set_default(L, event, "jurisdiction", p->jurisdictions[0]);
    }
    ed_buf json = {0};
    if (ed_json_emit(L, event, &json, &t->why) != 0) {
        ed_buf msg = {0};
        ed_buf_printf(&msg, "\n    the event cannot be encoded: %s", t->why.data);
        ed_buf_reset(&t->why);
        ed_buf_puts(&t->why, msg.data);
        ed_buf_free(&msg);
        ed_buf_free(&json);
        return;
    }
    /* the event goes exactly the way `edict eval` takes it: JSON text
     * through the decider */
    ed_buf err = {0};
    fixture_verdict fv = {0};
    ed_decider_read_buffer(decider, json.data, json.len, 1, keep_verdict, &fv);
    int refused = fv.refused;
    ed_buf_puts(&err, fv.reason.data ? fv.reason.data : "");
    ed_buf *decision = &fv.decision;
    if (fv.failed || !fv.seen) {
        ed_buf_printf(&t->why, "\n    %s", fv.seen ? fv.reason.data : "no event was read");
        goto out;
    }
    int rt = lua_getfield(L, exp, "refused");
    if (refused) {
        if (rt != LUA_TSTRING || strstr(err.data, lua_tostring(L, -1)) == NULL) {
            ed_buf_printf(&t->why, "\n    the event was refused: %s", err.data);
        }
    } else if (rt != LUA_TNIL) {
        mismatch(t, "refused", lua_tostring(L, -1), "a decision");
    } else if (ed_json_decode(L, decision->data, decision->len, &err) != 0) {
        ed_buf_printf(&t->why, "\n    the decision is not JSON: %s", err.data);
    } else {
        compare(t, L, exp, lua_gettop(L));
    }
out:
    ed_buf_free(&json);
    ed_buf_free(&err);
    ed_buf_free(&fv.decision);
    ed_buf_free(&fv.reason);
}

/* Load the fixture file f of pack p in the fixture sandbox and run each. */
static void run_file(test_run *t, ed_decider *decider, const ed_pack *p,
                     const ed_file *f)
{
    lua_State *L = ed_sandbox_state(t->fixtures);
    int top = lua_gettop(L);
    ed_buf chunk = {0};
    ed_buf_printf(&chunk, "@%s/%s", p->label, f->path);
    const char *name = chunk.data + 1;
    int status = luaL_loadbufferx(L, f->data, f->len, chunk.data, "t");
    ed_call_result res = {0};
    if (status == LUA_OK) {
        ed_sandbox_push_env(t->fixtures);
        lua_setupvalue(L, -2, 1);
        ed_sandbox_call(t->fixtures, 0, 1, &t->cat->limits, &res);
        status = res.status;
    } else {
        res.message = lua_tostring(L, -1);
        res.where = "";
    }
    if (status != LUA_OK || !lua_istable(L, -1)) {
        ed_buf_reset(&t->why);
        ed_buf_printf(&t->why, "%s%s%s", res.where ? res.where : "",
                      res.where && res.where[0] ? ": " : "",
                      status != LUA_OK ? res.message : "a fixture file must return a "
                                                       "list of fixtures");
        ed_fixture_result r = {name, NULL, 0, t->why.data};
        t->report(t->arg, &r);
        t->failed++;
        lua_settop(L, top);
        ed_buf_free(&chunk);
        return;
    }
    const char *tenant = p->is_tenant ? p->name : "fixtures";
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i);
        int fx = lua_gettop(L);
        ed_buf_reset(&t->why);
        const char *fname = "?";
        if (!lua_istable(L, fx)) {
            ed_buf_puts(&t->why, "\n    a fixture must be a table");
        } else {
            lua_getfield(L, fx, "name");
            fname = lua_tostring(L, -1) ? lua_tostring(L, -1) : "(unnamed)";
            run_fixture(t, decider, p, tenant, fx, i, f->path);
        }
        ed_fixture_result r = {name, fname, t->why.len == 0, t->why.data ? t->why.data : ""};
        t->report(t->arg, &r);
        if (r.ok) {
            t->passed++;
        } else {
            t->failed++;
        }
        lua_settop(L, list);
        /* the fixture sandbox grows with every decoded decision */
        lua_gc(L, LUA_GCSTEP, 0);
    }
    lua_settop(L, top);
    ed_buf_free(&chunk);
}

static int run_pack(test_run *t, const ed_pack *p)
{
    /* a pack's fixtures run against that pack's versions alone, a tenant's
     * against its whole policy; never journaled */
    ed_decider_config dc = {.cat = t->cat, .only_pack = p->is_tenant ? NULL : p->name};
    ed_buf err = {0};
    ed_decider *decider = ed_decider_new(&dc, &err);
    ed_buf_free(&err);
    if (decider == NULL) {
        return -1;
    }
    for (size_t i = 0; i < p->n_files; i++) {
        const char *path = p->files[i].path;
        size_t len = strlen(path);
        if (strncmp(path, "tests/", 6) == 0 && len > 4 &&
            strcmp(path + len - 4, ".lua") == 0) {
            run_file(t, decider, p, &p->files[i]);
        }
    }
    ed_decider_free(decider);
    return 0;
}

int ed_fixtures_run(const ed_catalog *cat, ed_fixture_fn report, void *arg, int *passed,
                    int *failed)
{
    test_run t;
    memset(&t, 0, sizeof t);
    t.cat = cat;
    t.report = report;
    t.arg = arg;
    t.fixtures = ed_sandbox_new();
    int rc = -1;
    if (t.fixtures == NULL || ed_json_open_protected(ed_sandbox_state(t.fixtures)) != 0) {
        goto done;
    }
    for (size_t i = 0; i < cat->n_packs; i++) {
        if (run_pack(&t, cat->packs[i]) != 0) {
            goto done;
        }
    }
    for (size_t i = 0; i < cat->n_tenants; i++) {
        if (run_pack(&t, cat->tenants[i]) != 0) {
            goto done;
        }
    }
    *passed = t.passed;
    *failed = t.failed;
    rc = 0;
done:
    ed_sandbox_free(t.fixtures);
    ed_buf_free(&t.why);
    return rc;
}


/* ------------------------------------------------------------------ */
/* Vetting a catalog before it serves                                   */
/* ------------------------------------------------------------------ */

/* Keep each failing fixture: its file, its name, what was expected and
 * got. */
static void keep_failure(void *arg, const ed_fixture_result *r)
{
    ed_buf *err = arg;
    if (!r->ok) {
        ed_buf_printf(err, "FAIL - %s: %s%s\n", r->file, r->name ? r->name : "", r->why);
    }
}

int ed_decider_vet(const ed_catalog *cat, char *const *tenants, size_t n_tenants,
                   int run_fixtures, ed_buf *err)
{
    size_t before = err->len;
    /* every configured tenant's context must build on the new packs */
    for (size_t i = 0; i < n_tenants; i++) {
        ed_diags cd = {0};
        ed_context *ctx = ed_context_new(cat, tenants[i], NULL, &cd);
        if (ctx == NULL) {
            ed_buf_printf(err, "tenant %s: ", tenants[i]);
            ed_diags_text(&cd, err);
        }
        ed_context_free(ctx);
        ed_diags_free(&cd);
    }
    if (err->len == before && run_fixtures) {
        int passed = 0, failed = 0;
        if (ed_fixtures_run(cat, keep_failure, err, &passed, &failed) != 0) {
            ed_buf_puts(err, "the fixtures could not be run\n");
        } else if (failed > 0) {
            ed_buf_printf(err, "%d fixtures passed, %d failed\n", passed, failed);
        }
    }
    return err->len == before ? 0 : -1;
}

typedef struct vet_args {
    const ed_catalog *cat;
    char *const *tenants;
    size_t n_tenants;
    int run_fixtures;
} vet_args;

static int vet_call(void *arg, ed_buf *out)
{
    const vet_args *a = arg;
    return ed_decider_vet(a->cat, a->tenants, a->n_tenants, a->run_fixtures, out);
}

int ed_decider_vet_apart(const ed_catalog *cat, char *const *tenants, size_t n_tenants,
                         int run_fixtures, double deadline_s, ed_buf *err)
{
    vet_args a = {cat, tenants, n_tenants, run_fixtures};
    return ed_evaluator_call(vet_call, &a, deadline_s, err) == 0 ? 0 : -1;
}
