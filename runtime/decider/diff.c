/*
 * diff.c — comparing the decisions two catalogs make on the same events
 * (see diff.h).
 *
 * Each event is decided under both catalogs, in tenant contexts the differ
 * keeps (one per tenant and side) and never journaled. Both decisions are
 * then decoded into the differ's own JSON state and compared there:
 *
 *   - findings are grouped by severity and rule id; a group whose count
 *     differs gives "added" or "removed" with the difference, a group with
 *     the same count whose findings differ (message, details, cite) gives
 *     "changed";
 *   - obligations and waivers are compared whole, errors without their
 *     `where` (it names the folder the pack was read from);
 *   - pack versions are compared by name and version, never by digest.
 *
 * The comparison runs inside a protected call that writes only into
 * buffers the differ owns, so a Lua error (out of memory) leaks nothing.
 */
#define _POSIX_C_SOURCE 200809L
#define diff_c

#include "diff.h"

#include "decide.h"
#include "intake.h"
#include "engine/context.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "engine/json.h"
#include "util/jsonstr.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decision nests a finding's details (up to ED_JSON_MAX_DEPTH levels)
 * three levels down: decision, findings, finding. */
#define DECISION_MAX_DEPTH (ED_JSON_MAX_DEPTH + 4)

enum { SIDE_FROM = 0, SIDE_TO = 1, SIDE_COUNT = 2 };

static const char *const side_names[SIDE_COUNT] = {"from", "to"};

/* The groups of a decision that are compared item by item. */
static const char *const group_names[] = {"findings", "obligations", "errors",
                                          "waivers"};
#define GROUP_COUNT (sizeof group_names / sizeof group_names[0])

struct ed_differ {
    const ed_catalog *cat[SIDE_COUNT];
    ed_diff_options opt;
    lua_State *json;                   /* decodes and compares decisions */
    ed_decider *deciders[SIDE_COUNT];  /* NULL for a side without packs */
    ed_buf decision[SIDE_COUNT];       /* decision JSON, or refusal reason */
    int refused[SIDE_COUNT];
    ed_buf report;                     /* the changed event's report */
    ed_buf key;                        /* canonical JSON of one item */
    ed_buf why;
    ed_diff_counts counts;
};

const char *ed_diff_outcome_name(int outcome)
{
    static const char *const names[ED_DIFF_OUTCOMES] = {"green", "yellow", "red",
                                                        "refused"};
    return outcome >= 0 && outcome < ED_DIFF_OUTCOMES ? names[outcome] : "?";
}

static const char *text_of(const ed_buf *b)
{
    return b->data ? b->data : "";
}

/* Let the differ's cjson decode decisions as deep as the engine writes
 * them (its default is the depth accepted for events). */
static int allow_decision_depth(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "cjson");
    lua_getfield(L, -1, "decode_max_depth");
    lua_pushinteger(L, DECISION_MAX_DEPTH);
    lua_call(L, 1, 0);
    return 0;
}

ed_differ *ed_differ_new(const ed_catalog *from, const ed_catalog *to,
                         const ed_diff_options *opt, ed_buf *err)
{
    ed_differ *df = calloc(1, sizeof *df);
    if (df == NULL) {
        abort();
    }
    df->cat[SIDE_FROM] = from;
    df->cat[SIDE_TO] = to;
    df->opt = *opt;
    for (int side = 0; side < SIDE_COUNT; side++) {
        /* each side decides as eval would, never journaling */
        ed_decider_config dc = {.cat = df->cat[side], .tenant = opt->tenant,
                                .as_of = opt->as_of};
        if (df->cat[side] != NULL && (df->deciders[side] = ed_decider_new(&dc, err)) == NULL) {
            ed_differ_free(df);
            return NULL;
        }
    }
    df->json = ed_json_host_state();
    if (df->json != NULL) {
        lua_pushcfunction(df->json, allow_decision_depth);
        if (lua_pcall(df->json, 0, 0, 0) != LUA_OK) {
            lua_close(df->json);
            df->json = NULL;
        }
    }
    if (df->json == NULL) {
        ed_buf_reset(err);
        ed_buf_puts(err, "cannot start the JSON decoder");
        free(df);
        return NULL;
    }
    return df;
}

void ed_differ_free(ed_differ *df)
{
    if (df == NULL) {
        return;
    }
    for (int side = 0; side < SIDE_COUNT; side++) {
        ed_decider_free(df->deciders[side]);
        ed_buf_free(&df->decision[side]);
    }
    lua_close(df->json);
    ed_buf_free(&df->report);
    ed_buf_free(&df->key);
    ed_buf_free(&df->why);
    free(df);
}

const ed_diff_counts *ed_differ_counts(const ed_differ *df)
{
    return &df->counts;
}

/* ------------------------------------------------------------------ */
/* Deciding one event under one catalog                                */
/* ------------------------------------------------------------------ */

enum { SIDE_DECIDED = 0, SIDE_REFUSED = 1, SIDE_BAD_EVENT = 2,
       SIDE_HOST_FAILURE = -1 };

/* Decide the event at the top of `in` (left there) under one catalog,
 * through that side's decider: its decision, or the reason it is refused,
 * goes to df->decision[side]. */
static int decide_side(ed_differ *df, int side, lua_State *in,
                       const ed_event *ev, ed_buf *err)
{
    ed_buf *decision = &df->decision[side];
    ed_buf_reset(decision);
    df->refused[side] = 0;
    ed_buf_reset(err);
    if (df->deciders[side] == NULL) {
        ed_buf_printf(err, "no \"%s\" packs and no \"%s\" decision for event %s",
                      side_names[side], side_names[side], ev->id);
        return SIDE_HOST_FAILURE;
    }
    ed_verdict v = {0};
    ed_outcome outcome;
    lua_pushvalue(in, -1); /* the event is decided under both sides */
    ed_decide_top(df->deciders[side], in, &v, decision, &outcome);
    switch (v.status) {
    case ED_DECIDED:
        return SIDE_DECIDED;
    case ED_HOST_FAILURE:
        ed_buf_printf(err, "%s (the \"%s\" packs)", v.error, side_names[side]);
        return SIDE_HOST_FAILURE;
    case ED_BAD_EVENT:
        ed_buf_puts(err, v.error);
        return SIDE_BAD_EVENT;
    default:
        ed_buf_reset(decision);
        ed_buf_puts(decision, v.error);
        ed_buf_puts(err, v.error);
        df->refused[side] = 1;
        return SIDE_REFUSED;
    }
}

/* ------------------------------------------------------------------ */
/* Indexing a decoded decision                                          */
/* ------------------------------------------------------------------ */

typedef struct compare_args {
    ed_differ *df;
    const ed_event *ev;
    int refused[SIDE_COUNT];
    int outcome[SIDE_COUNT];
    int bad_side;  /* set (side + 1) when a decision has no valid flag */
    int versions_changed; /* decided on both sides, by other pack versions */
    int changed;
} compare_args;

/* Stack slots of compare_protected. */
enum {
    SLOT_FROM_DECISION = 1, SLOT_TO_DECISION, SLOT_ARGS,
    SLOT_FROM_SIDE, SLOT_TO_SIDE,
    SLOT_GROUP_DIFFS /* then one slot per group, in group_names order */
};

/* Push the key of a finding: "<severity> <rule id>". */
static void finding_key(lua_State *L, int item, compare_args *a)
{
    if (!lua_istable(L, item)) {
        lua_pushliteral(L, "? ?");
        return;
    }
    int severity = lua_getfield(L, item, "severity");
    int rule = lua_getfield(L, item, "rule");
    lua_pushfstring(L, "%s %s",
                    severity == LUA_TSTRING ? lua_tostring(L, -2) : "?",
                    rule == LUA_TSTRING ? lua_tostring(L, -1) : "?");
    lua_replace(L, -3);
    lua_pop(L, 1);
}

/* Push the canonical JSON of the item as its key. */
static void canonical_key(lua_State *L, int item, compare_args *a)
{
    ed_buf_reset(&a->df->key);
    if (ed_json_emit(L, item, &a->df->key, &a->df->why) != 0) {
        luaL_error(L, "%s", text_of(&a->df->why));
    }
    lua_pushlstring(L, text_of(&a->df->key), a->df->key.len);
}

/* An error's key leaves out `where`: its file part names the folder the
 * pack was read from, which differs between the two catalogs. */
static void error_key(lua_State *L, int item, compare_args *a)
{
    if (!lua_istable(L, item)) {
        canonical_key(L, item, a);
        return;
    }
    lua_getfield(L, item, "where");
    lua_pushnil(L);
    lua_setfield(L, item, "where");
    canonical_key(L, item, a);
    lua_pushvalue(L, -2);
    lua_setfield(L, item, "where");
    lua_remove(L, -2);
}

typedef void (*key_function)(lua_State *L, int item, compare_args *a);

/* Add the item at `item` under the key at `key` to the group at `group`
 * ({keys = {first-seen order}, items = {key -> {item, ...}}}). */
static void group_add(lua_State *L, int group, int key, int item)
{
    lua_getfield(L, group, "items");
    lua_pushvalue(L, key);
    if (lua_rawget(L, -2) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, key);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
        lua_getfield(L, group, "keys");
        lua_pushvalue(L, key);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
    }
    lua_pushvalue(L, item);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 2);
}

/* Group the list decision[name] into side[name]. */
static void group_list(lua_State *L, int decision, int side, const char *name,
                       key_function key_of, compare_args *a)
{
    int top = lua_gettop(L);
    lua_getfield(L, side, name);
    int group = lua_gettop(L);
    if (lua_getfield(L, decision, name) == LUA_TTABLE) {
        int list = lua_gettop(L);
        lua_Integer n = (lua_Integer)lua_rawlen(L, list);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, list, i);
            int item = lua_gettop(L);
            key_of(L, item, a);
            group_add(L, group, lua_gettop(L), item);
            lua_settop(L, list);
        }
    }
    lua_settop(L, top);
}

/* Copy decision[from_name] to side[to_name] when it has this type. */
static void copy_field(lua_State *L, int decision, const char *from_name,
                       int type, int side, const char *to_name)
{
    if (lua_getfield(L, decision, from_name) == type) {
        lua_setfield(L, side, to_name);
    } else {
        lua_pop(L, 1);
    }
}

static int outcome_of(const char *flag)
{
    for (int i = 0; i < ED_DIFF_OUTCOMES; i++) {
        if (strcmp(flag, ed_diff_outcome_name(i)) == 0) {
            return i;
        }
    }
    return -1;
}

/* Push the index of one side: {flag, score, retention, decision_id, packs,
 * refused = reason, and one group per group_names}. */
static void index_side(lua_State *L, int decision, int side_number,
                       compare_args *a)
{
    lua_createtable(L, 0, 10);
    int side = lua_gettop(L);
    for (size_t i = 0; i < GROUP_COUNT; i++) {
        lua_createtable(L, 0, 2);
        lua_newtable(L);
        lua_setfield(L, -2, "keys");
        lua_newtable(L);
        lua_setfield(L, -2, "items");
        lua_setfield(L, side, group_names[i]);
    }
    if (a->refused[side_number]) {
        lua_pushvalue(L, decision);
        lua_setfield(L, side, "refused");
        lua_newtable(L);
        lua_setfield(L, side, "packs");
        a->outcome[side_number] = ED_DIFF_REFUSED_SIDE;
        return;
    }
    int outcome = -1;
    if (lua_getfield(L, decision, "flag") == LUA_TSTRING) {
        outcome = outcome_of(lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    if (outcome < 0 || outcome == ED_DIFF_REFUSED_SIDE) {
        a->bad_side = side_number + 1;
        return;
    }
    a->outcome[side_number] = outcome;
    copy_field(L, decision, "score", LUA_TNUMBER, side, "score");
    copy_field(L, decision, "retention_until", LUA_TSTRING, side, "retention");
    copy_field(L, decision, "decision_id", LUA_TSTRING, side, "decision_id");
    if (lua_getfield(L, decision, "packs") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    lua_setfield(L, side, "packs");
    group_list(L, decision, side, "findings", finding_key, a);
    group_list(L, decision, side, "obligations", canonical_key, a);
    group_list(L, decision, side, "errors", error_key, a);
    group_list(L, decision, side, "waivers", canonical_key, a);
}

/* ------------------------------------------------------------------ */
/* Comparing two indexed sides                                          */
/* ------------------------------------------------------------------ */

/* Are two decoded JSON values equal (tables compared by content)? */
static int deep_equal(lua_State *L, int a, int b, int depth)
{
    if (lua_type(L, a) != lua_type(L, b)) {
        return 0;
    }
    if (lua_type(L, a) != LUA_TTABLE) {
        return lua_rawequal(L, a, b);
    }
    if (depth > 2 * ED_JSON_MAX_DEPTH) {
        luaL_error(L, "a decision is nested too deeply to compare");
    }
    luaL_checkstack(L, 8, "comparing decisions");
    size_t count_a = 0;
    lua_pushnil(L);
    while (lua_next(L, a) != 0) {
        count_a++;
        lua_pushvalue(L, -2);
        lua_rawget(L, b);
        int top = lua_gettop(L);
        int same = deep_equal(L, top - 1, top, depth + 1);
        lua_pop(L, 2);
        if (!same) {
            lua_pop(L, 1);
            return 0;
        }
    }
    size_t count_b = 0;
    lua_pushnil(L);
    while (lua_next(L, b) != 0) {
        lua_pop(L, 1);
        count_b++;
    }
    return count_a == count_b;
}

/* Append {key, count, items} to result[field]. */
static void add_entry(lua_State *L, int result, const char *field, int key,
                      lua_Integer count, int items)
{
    lua_getfield(L, result, field);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, key);
    lua_setfield(L, -2, "key");
    lua_pushinteger(L, count);
    lua_setfield(L, -2, "count");
    lua_pushvalue(L, items);
    lua_setfield(L, -2, "items");
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

static lua_Integer list_length(lua_State *L, int idx)
{
    return lua_istable(L, idx) ? (lua_Integer)lua_rawlen(L, idx) : 0;
}

/* Push {added = {...}, removed = {...}, changed = {...}} for one group,
 * each entry {key, count, items}; "changed" (only when compare_items) are
 * the keys with as many items on both sides that differ, with the first
 * pair that differs as from_item and to_item. */
static void diff_group(lua_State *L, int from_side, int to_side,
                       const char *name, int compare_items)
{
    lua_createtable(L, 0, 3);
    int result = lua_gettop(L);
    lua_newtable(L);
    lua_setfield(L, result, "added");
    lua_newtable(L);
    lua_setfield(L, result, "removed");
    lua_newtable(L);
    lua_setfield(L, result, "changed");
    lua_getfield(L, from_side, name);
    lua_getfield(L, to_side, name);
    int from_group = result + 1, to_group = result + 2;
    lua_getfield(L, from_group, "keys");
    lua_getfield(L, from_group, "items");
    lua_getfield(L, to_group, "keys");
    lua_getfield(L, to_group, "items");
    int from_keys = result + 3, from_items = result + 4;
    int to_keys = result + 5, to_items = result + 6;
    int base = lua_gettop(L);

    lua_Integer n = (lua_Integer)lua_rawlen(L, from_keys);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, from_keys, i);
        int key = lua_gettop(L);
        lua_pushvalue(L, key);
        lua_rawget(L, from_items);
        lua_pushvalue(L, key);
        lua_rawget(L, to_items);
        int from_list = key + 1, to_list = key + 2;
        lua_Integer had = list_length(L, from_list), has = list_length(L, to_list);
        if (had > has) {
            add_entry(L, result, "removed", key, had - has, from_list);
        } else if (had == has && compare_items) {
            for (lua_Integer k = 1; k <= had; k++) {
                lua_rawgeti(L, from_list, k);
                lua_rawgeti(L, to_list, k);
                int same = deep_equal(L, lua_gettop(L) - 1, lua_gettop(L), 0);
                lua_pop(L, 2);
                if (!same) {
                    add_entry(L, result, "changed", key, has, to_list);
                    /* the first pair that differs, to show */
                    lua_getfield(L, result, "changed");
                    lua_rawgeti(L, -1, (lua_Integer)lua_rawlen(L, -1));
                    lua_rawgeti(L, from_list, k);
                    lua_setfield(L, -2, "from_item");
                    lua_rawgeti(L, to_list, k);
                    lua_setfield(L, -2, "to_item");
                    lua_pop(L, 2);
                    break;
                }
            }
        }
        lua_settop(L, base);
    }
    n = (lua_Integer)lua_rawlen(L, to_keys);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, to_keys, i);
        int key = lua_gettop(L);
        lua_pushvalue(L, key);
        lua_rawget(L, from_items);
        lua_pushvalue(L, key);
        lua_rawget(L, to_items);
        int from_list = key + 1, to_list = key + 2;
        lua_Integer had = list_length(L, from_list), has = list_length(L, to_list);
        if (has > had) {
            add_entry(L, result, "added", key, has - had, to_list);
        }
        lua_settop(L, base);
    }
    lua_settop(L, result);
}

/* Length of diff[field] (diff is a diff_group result). */
static lua_Integer entries(lua_State *L, int diff, const char *field)
{
    lua_getfield(L, diff, field);
    lua_Integer n = list_length(L, -1);
    lua_pop(L, 1);
    return n;
}

/* Is field `name` of the two tables different (by raw equality)? */
static int field_differs(lua_State *L, int a, int b, const char *name)
{
    lua_getfield(L, a, name);
    lua_getfield(L, b, name);
    int differs = !lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return differs;
}

/* Do the two pack lists name different packs or versions? */
static int versions_differ(lua_State *L, int from_packs, int to_packs)
{
    lua_Integer n = list_length(L, from_packs);
    if (n != list_length(L, to_packs)) {
        return 1;
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, from_packs, i);
        lua_rawgeti(L, to_packs, i);
        int a = lua_gettop(L) - 1, b = lua_gettop(L);
        int differs = !lua_istable(L, a) || !lua_istable(L, b) ||
                      field_differs(L, a, b, "name") ||
                      field_differs(L, a, b, "version");
        lua_pop(L, 2);
        if (differs) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The report of a changed event: text                                  */
/* ------------------------------------------------------------------ */

#define TEXT_INDENT "               " /* under the first item of a line */

/* Append the string field `name` of the table at t, else `fallback`. */
static void put_field(lua_State *L, int t, const char *name,
                      const char *fallback, ed_buf *out)
{
    if (lua_istable(L, t) && lua_getfield(L, t, name) != LUA_TNIL) {
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            ed_buf_append(out, s, len);
        } else {
            ed_buf_puts(out, fallback);
        }
        lua_pop(L, 1);
        return;
    }
    if (lua_istable(L, t)) {
        lua_pop(L, 1);
    }
    ed_buf_puts(out, fallback);
}

/* Start a line of a block: the label the first time, the indent after. */
static void text_line(ed_buf *out, const char *label, int *first)
{
    if (*first) {
        ed_buf_printf(out, "  %-13s", label);
        *first = 0;
    } else {
        ed_buf_puts(out, TEXT_INDENT);
    }
}

/* Append a finding key "<severity> <rule>" as "<rule> (<severity>)". */
static void put_finding_key(lua_State *L, int key, ed_buf *out)
{
    size_t len;
    const char *k = lua_tolstring(L, key, &len);
    const char *space = memchr(k, ' ', len);
    if (space == NULL) {
        ed_buf_append(out, k, len);
        return;
    }
    ed_buf_append(out, space + 1, len - (size_t)(space - k) - 1);
    ed_buf_puts(out, " (");
    ed_buf_append(out, k, (size_t)(space - k));
    ed_buf_putc(out, ')');
}

/* What differs in a finding: the message ("old" → "new"), else the
 * details or the rest. */
static void changed_finding_text(lua_State *L, int entry, ed_buf *out)
{
    lua_getfield(L, entry, "from_item");
    lua_getfield(L, entry, "to_item");
    int from = lua_gettop(L) - 1, to = lua_gettop(L);
    if (lua_istable(L, from) && lua_istable(L, to) &&
        field_differs(L, from, to, "message")) {
        ed_buf_puts(out, ": \"");
        put_field(L, from, "message", "", out);
        ed_buf_puts(out, "\" → \"");
        put_field(L, to, "message", "", out);
        ed_buf_putc(out, '"');
    } else {
        ed_buf_puts(out, ": details changed");
    }
    lua_pop(L, 2);
}

typedef void (*item_text)(lua_State *L, int item, ed_buf *out);

static void obligation_text(lua_State *L, int item, ed_buf *out)
{
    put_field(L, item, "rule", "?", out);
    ed_buf_puts(out, ": ");
    put_field(L, item, "action", "?", out);
    ed_buf_puts(out, ", due ");
    put_field(L, item, "due", "?", out);
}

static void error_text(lua_State *L, int item, ed_buf *out)
{
    if (lua_istable(L, item) && lua_getfield(L, item, "rule") == LUA_TSTRING) {
        lua_pop(L, 1);
        put_field(L, item, "rule", "?", out);
    } else {
        if (lua_istable(L, item)) {
            lua_pop(L, 1);
        }
        ed_buf_puts(out, "pack ");
        put_field(L, item, "pack", "?", out);
    }
    ed_buf_puts(out, ": ");
    put_field(L, item, "message", "?", out);
    if (lua_istable(L, item) && lua_getfield(L, item, "where") == LUA_TSTRING) {
        ed_buf_puts(out, " (at ");
        put_field(L, item, "where", "", out);
        ed_buf_putc(out, ')');
    }
    if (lua_istable(L, item)) {
        lua_pop(L, 1);
    }
}

static void waiver_text(lua_State *L, int item, ed_buf *out)
{
    put_field(L, item, "rule", "?", out);
    ed_buf_puts(out, ": ");
    put_field(L, item, "reason", "?", out);
}

/* The lines of one group: "+ …" added, "- …" removed, "~ …" changed. */
static void group_text(lua_State *L, int diff, const char *label,
                       item_text describe, ed_buf *out)
{
    static const struct {
        const char *field;
        char mark;
    } parts[] = {{"added", '+'}, {"removed", '-'}, {"changed", '~'}};
    int first = 1;
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
        lua_getfield(L, diff, parts[p].field);
        int list = lua_gettop(L);
        lua_Integer n = (lua_Integer)lua_rawlen(L, list);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, list, i);
            int entry = lua_gettop(L);
            lua_getfield(L, entry, "key");
            lua_getfield(L, entry, "count");
            lua_getfield(L, entry, "items");
            int key = entry + 1, items = entry + 3;
            lua_Integer count = lua_tointeger(L, entry + 2);
            if (describe == NULL) {
                /* findings: one line per rule and severity, with a count */
                text_line(out, label, &first);
                ed_buf_printf(out, "%c ", parts[p].mark);
                put_finding_key(L, key, out);
                if (count > 1) {
                    ed_buf_printf(out, " ×%lld", (long long)count);
                }
                if (parts[p].mark == '~') {
                    changed_finding_text(L, entry, out);
                }
                ed_buf_putc(out, '\n');
            } else {
                /* one line per item added or removed */
                for (lua_Integer k = 1; k <= count; k++) {
                    text_line(out, label, &first);
                    ed_buf_printf(out, "%c ", parts[p].mark);
                    lua_rawgeti(L, items, k);
                    describe(L, lua_gettop(L), out);
                    lua_pop(L, 1);
                    ed_buf_putc(out, '\n');
                }
            }
            lua_settop(L, list);
        }
        lua_pop(L, 1);
    }
}

/* Find the pack named like the one at `pack` in the list at `packs`:
 * pushes it and returns 1, or pushes nothing and returns 0. */
static int find_pack(lua_State *L, int packs, int pack)
{
    lua_Integer n = list_length(L, packs);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, packs, i);
        if (lua_istable(L, -1) && lua_istable(L, pack) &&
            !field_differs(L, lua_gettop(L), pack, "name")) {
            return 1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* "name 2026.1 → 2026.2, other 1.0, new (none) → 3" */
static void packs_text(lua_State *L, int from_packs, int to_packs, ed_buf *out)
{
    size_t written = 0;
    lua_Integer n = list_length(L, from_packs);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, from_packs, i);
        int old = lua_gettop(L);
        ed_buf_puts(out, written++ ? ", " : "");
        put_field(L, old, "name", "?", out);
        ed_buf_putc(out, ' ');
        put_field(L, old, "version", "?", out);
        if (!find_pack(L, to_packs, old)) {
            ed_buf_puts(out, " → (none)");
        } else if (field_differs(L, old, old + 1, "version")) {
            ed_buf_puts(out, " → ");
            put_field(L, old + 1, "version", "?", out);
        } else if (field_differs(L, old, old + 1, "digest")) {
            ed_buf_puts(out, " (changed without a new version)");
        }
        lua_settop(L, old - 1);
    }
    n = list_length(L, to_packs);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, to_packs, i);
        int added = lua_gettop(L);
        if (!find_pack(L, from_packs, added)) {
            ed_buf_puts(out, written++ ? ", " : "");
            put_field(L, added, "name", "?", out);
            ed_buf_puts(out, " (none) → ");
            put_field(L, added, "version", "?", out);
        }
        lua_settop(L, added - 1);
    }
    if (written == 0) {
        ed_buf_puts(out, "(none)");
    }
}

static void score_text(lua_State *L, int side, ed_buf *out)
{
    if (lua_getfield(L, side, "score") == LUA_TNUMBER) {
        ed_buf_printf(out, "%lld", (long long)lua_tonumber(L, -1));
    } else {
        ed_buf_puts(out, "-");
    }
    lua_pop(L, 1);
}

static void render_text(lua_State *L, compare_args *a, ed_buf *out)
{
    const ed_event *ev = a->ev;
    int from = SLOT_FROM_SIDE, to = SLOT_TO_SIDE;
    ed_buf_printf(out, "event %s (tenant %s, %s, %s, occurred %s)\n", ev->id,
                  ev->tenant, ev->jurisdiction, ev->type, ev->occurred_at);
    ed_buf_printf(out, "  %-13s%s", "flag:", ed_diff_outcome_name(a->outcome[0]));
    if (a->outcome[0] != a->outcome[1]) {
        ed_buf_printf(out, " → %s", ed_diff_outcome_name(a->outcome[1]));
    }
    ed_buf_printf(out, "\n  %-13s", "score:");
    score_text(L, from, out);
    if (field_differs(L, from, to, "score")) {
        ed_buf_puts(out, " → ");
        score_text(L, to, out);
    }
    ed_buf_putc(out, '\n');
    int first = 1;
    for (int side = 0; side < SIDE_COUNT; side++) {
        if (a->refused[side]) {
            text_line(out, "refused:", &first);
            ed_buf_printf(out, "under \"%s\": ", side_names[side]);
            put_field(L, SLOT_FROM_SIDE + side, "refused", "?", out);
            ed_buf_putc(out, '\n');
        }
    }
    group_text(L, SLOT_GROUP_DIFFS + 0, "findings:", NULL, out);
    group_text(L, SLOT_GROUP_DIFFS + 1, "obligations:", obligation_text, out);
    if (field_differs(L, from, to, "retention")) {
        ed_buf_printf(out, "  %-13s", "retention:");
        put_field(L, from, "retention", "none", out);
        ed_buf_puts(out, " → ");
        put_field(L, to, "retention", "none", out);
        ed_buf_putc(out, '\n');
    }
    group_text(L, SLOT_GROUP_DIFFS + 2, "errors:", error_text, out);
    group_text(L, SLOT_GROUP_DIFFS + 3, "waivers:", waiver_text, out);
    ed_buf_printf(out, "  %-13s", "packs:");
    lua_getfield(L, from, "packs");
    lua_getfield(L, to, "packs");
    packs_text(L, lua_gettop(L) - 1, lua_gettop(L), out);
    lua_pop(L, 2);
    ed_buf_puts(out, "\n\n");
}

/* ------------------------------------------------------------------ */
/* The report of a changed event: JSON                                  */
/* ------------------------------------------------------------------ */

static void json_text(const char *s, ed_buf *out)
{
    ed_json_escape(out, s, strlen(s));
}

/* Append the value at idx (a decoded table or string) as JSON. */
static void json_value(lua_State *L, int idx, compare_args *a, ed_buf *out)
{
    if (lua_istable(L, idx) && lua_rawlen(L, idx) == 0) {
        /* cjson decodes [] and {} alike; every table emitted here is an
         * object holding fields, so an empty one is an empty list */
        lua_pushnil(L);
        int empty = lua_next(L, idx) == 0;
        if (!empty) {
            lua_pop(L, 2);
        } else {
            ed_buf_puts(out, "[]");
            return;
        }
    }
    if (ed_json_emit(L, idx, out, &a->df->why) != 0) {
        luaL_error(L, "%s", text_of(&a->df->why));
    }
}

/* Append field `name` of the table at t as JSON, null when absent. */
static void json_field(lua_State *L, int t, const char *name, compare_args *a,
                       ed_buf *out)
{
    if (lua_getfield(L, t, name) == LUA_TNIL) {
        ed_buf_puts(out, "null");
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
        ed_buf_printf(out, "%lld", (long long)lua_tonumber(L, -1));
    } else {
        json_value(L, lua_gettop(L), a, out);
    }
    lua_pop(L, 1);
}

/* Append the finding at idx as the engine writes it: its details are
 * emitted on their own, so they may be as deep as the engine allows. */
static void json_finding(lua_State *L, int idx, compare_args *a, ed_buf *out)
{
    static const char *const fields[] = {"rule", "severity", "message", "cite",
                                         "evidence_required"};
    if (!lua_istable(L, idx)) {
        json_value(L, idx, a, out);
        return;
    }
    size_t written = 0;
    ed_buf_putc(out, '{');
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (lua_getfield(L, idx, fields[i]) != LUA_TNIL) {
            ed_buf_puts(out, written++ ? "," : "");
            json_text(fields[i], out);
            ed_buf_putc(out, ':');
            json_value(L, lua_gettop(L), a, out);
        }
        lua_pop(L, 1);
    }
    if (lua_getfield(L, idx, "details") != LUA_TNIL) {
        ed_buf_puts(out, written++ ? ",\"details\":" : "\"details\":");
        if (ed_json_emit(L, lua_gettop(L), out, &a->df->why) != 0) {
            luaL_error(L, "%s", text_of(&a->df->why));
        }
    }
    lua_pop(L, 1);
    ed_buf_putc(out, '}');
}

static void json_side(lua_State *L, int side_number, compare_args *a,
                      ed_buf *out)
{
    int side = SLOT_FROM_SIDE + side_number;
    ed_buf_puts(out, "{\"flag\":");
    json_text(ed_diff_outcome_name(a->outcome[side_number]), out);
    if (a->refused[side_number]) {
        ed_buf_puts(out, ",\"reason\":");
        json_field(L, side, "refused", a, out);
    } else {
        ed_buf_puts(out, ",\"score\":");
        json_field(L, side, "score", a, out);
        ed_buf_puts(out, ",\"decision_id\":");
        json_field(L, side, "decision_id", a, out);
        ed_buf_puts(out, ",\"packs\":[");
        lua_getfield(L, side, "packs");
        int packs = lua_gettop(L);
        lua_Integer n = list_length(L, packs);
        for (lua_Integer i = 1; i <= n; i++) {
            ed_buf_puts(out, i > 1 ? "," : "");
            lua_rawgeti(L, packs, i);
            json_value(L, lua_gettop(L), a, out);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        ed_buf_putc(out, ']');
    }
    ed_buf_putc(out, '}');
}

/* ,"<prefix>_<part>":[...] for the entries of diff[part]: findings as
 * {"rule","severity","count"}, other items whole, once per count. */
static void json_group(lua_State *L, int diff, const char *prefix,
                       const char *part, int findings, compare_args *a,
                       ed_buf *out)
{
    ed_buf_printf(out, ",\"%s_%s\":[", prefix, part);
    lua_getfield(L, diff, part);
    int list = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    size_t written = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        int entry = lua_gettop(L);
        lua_getfield(L, entry, "count");
        lua_getfield(L, entry, "items");
        lua_Integer count = lua_tointeger(L, entry + 1);
        int items = entry + 2;
        if (findings) {
            ed_buf_puts(out, written++ ? "," : "");
            lua_rawgeti(L, items, 1);
            ed_buf_puts(out, "{\"rule\":");
            json_field(L, lua_gettop(L), "rule", a, out);
            ed_buf_puts(out, ",\"severity\":");
            json_field(L, lua_gettop(L), "severity", a, out);
            ed_buf_printf(out, ",\"count\":%lld", (long long)count);
            if (strcmp(part, "changed") == 0) {
                /* the first pair of findings that differs */
                ed_buf_puts(out, ",\"from\":");
                lua_getfield(L, entry, "from_item");
                json_finding(L, lua_gettop(L), a, out);
                ed_buf_puts(out, ",\"to\":");
                lua_getfield(L, entry, "to_item");
                json_finding(L, lua_gettop(L), a, out);
            }
            ed_buf_putc(out, '}');
        } else {
            for (lua_Integer k = 1; k <= count; k++) {
                ed_buf_puts(out, written++ ? "," : "");
                lua_rawgeti(L, items, k);
                json_value(L, lua_gettop(L), a, out);
                lua_pop(L, 1);
            }
        }
        lua_settop(L, list);
    }
    lua_pop(L, 1);
    ed_buf_putc(out, ']');
}

static void render_json(lua_State *L, compare_args *a, int versions_changed,
                        ed_buf *out)
{
    const ed_event *ev = a->ev;
    ed_buf_puts(out, "{\"event_id\":");
    json_text(ev->id, out);
    ed_buf_puts(out, ",\"tenant\":");
    json_text(ev->tenant, out);
    ed_buf_puts(out, ",\"jurisdiction\":");
    json_text(ev->jurisdiction, out);
    ed_buf_puts(out, ",\"type\":");
    json_text(ev->type, out);
    ed_buf_puts(out, ",\"occurred_at\":");
    json_text(ev->occurred_at, out);
    ed_buf_puts(out, ",\"as_of\":");
    json_text(ev->as_of, out);
    ed_buf_puts(out, ",\"from\":");
    json_side(L, SIDE_FROM, a, out);
    ed_buf_puts(out, ",\"to\":");
    json_side(L, SIDE_TO, a, out);
    int findings = SLOT_GROUP_DIFFS + 0, obligations = SLOT_GROUP_DIFFS + 1;
    int errors = SLOT_GROUP_DIFFS + 2, waivers = SLOT_GROUP_DIFFS + 3;
    json_group(L, findings, "findings", "added", 1, a, out);
    json_group(L, findings, "findings", "removed", 1, a, out);
    json_group(L, findings, "findings", "changed", 1, a, out);
    json_group(L, obligations, "obligations", "added", 0, a, out);
    json_group(L, obligations, "obligations", "removed", 0, a, out);
    ed_buf_puts(out, ",\"retention_until\":{\"from\":");
    json_field(L, SLOT_FROM_SIDE, "retention", a, out);
    ed_buf_puts(out, ",\"to\":");
    json_field(L, SLOT_TO_SIDE, "retention", a, out);
    ed_buf_putc(out, '}');
    json_group(L, errors, "errors", "added", 0, a, out);
    json_group(L, errors, "errors", "removed", 0, a, out);
    json_group(L, waivers, "waivers", "added", 0, a, out);
    json_group(L, waivers, "waivers", "removed", 0, a, out);
    ed_buf_printf(out, ",\"versions_changed\":%s}\n",
                  versions_changed ? "true" : "false");
}

/* ------------------------------------------------------------------ */
/* One event                                                            */
/* ------------------------------------------------------------------ */

/* Stack: from decision (table, or refusal reason), to decision, args.
 * Writes the report of a changed event to df->report. */
static int compare_protected(lua_State *L)
{
    compare_args *a = lua_touserdata(L, SLOT_ARGS);
    index_side(L, SLOT_FROM_DECISION, SIDE_FROM, a);
    index_side(L, SLOT_TO_DECISION, SIDE_TO, a);
    if (a->bad_side) {
        return 0;
    }
    diff_group(L, SLOT_FROM_SIDE, SLOT_TO_SIDE, "findings", 1);
    diff_group(L, SLOT_FROM_SIDE, SLOT_TO_SIDE, "obligations", 0);
    diff_group(L, SLOT_FROM_SIDE, SLOT_TO_SIDE, "errors", 0);
    diff_group(L, SLOT_FROM_SIDE, SLOT_TO_SIDE, "waivers", 0);
    lua_getfield(L, SLOT_FROM_SIDE, "packs");
    lua_getfield(L, SLOT_TO_SIDE, "packs");
    int versions_changed = versions_differ(L, lua_gettop(L) - 1, lua_gettop(L));
    lua_pop(L, 2);
    a->versions_changed = versions_changed && !a->refused[SIDE_FROM] &&
                          !a->refused[SIDE_TO];
    /* other versions deciding alike is no change; it shows in the
     * report of an event that changes, and in the summary */
    int changed = a->outcome[0] != a->outcome[1] ||
                  field_differs(L, SLOT_FROM_SIDE, SLOT_TO_SIDE, "score") ||
                  field_differs(L, SLOT_FROM_SIDE, SLOT_TO_SIDE, "retention");
    for (size_t g = 0; g < GROUP_COUNT && !changed; g++) {
        int diff = SLOT_GROUP_DIFFS + (int)g;
        changed = entries(L, diff, "added") || entries(L, diff, "removed") ||
                  entries(L, diff, "changed");
    }
    if (!changed) {
        return 0;
    }
    a->changed = 1;
    if (a->df->opt.format == ED_DIFF_JSON) {
        render_json(L, a, versions_changed, &a->df->report);
    } else {
        render_text(L, a, &a->df->report);
    }
    return 0;
}

void ed_differ_refuse(ed_differ *df, const char *unit, long where,
                      const char *event_id, const char *message, ed_buf *out)
{
    df->counts.events++;
    df->counts.refused++;
    if (df->opt.format == ED_DIFF_JSON) {
        ed_buf_printf(out, "{\"%s\":%ld", unit, where);
        if (event_id && event_id[0]) {
            ed_buf_puts(out, ",\"event_id\":");
            json_text(event_id, out);
        }
        ed_buf_puts(out, ",\"error\":");
        json_text(message, out);
        ed_buf_puts(out, "}\n");
    } else if (event_id && event_id[0]) {
        ed_buf_printf(out, "%s %ld (event %s): refused: %s\n\n", unit, where,
                      event_id, message);
    } else {
        ed_buf_printf(out, "%s %ld: refused: %s\n\n", unit, where, message);
    }
}

/* Refuse the event with the message in df->why, which is also left in err. */
static ed_diff_result refuse_event(ed_differ *df, const char *unit, long where,
                                   const char *event_id, ed_buf *out, ed_buf *err)
{
    ed_buf_reset(err);
    ed_buf_puts(err, text_of(&df->why));
    ed_differ_refuse(df, unit, where, event_id, text_of(err), out);
    return ED_DIFF_REFUSED;
}

/* Compare df->decision[] (decided or refused, per df->refused[]). */
static ed_diff_result compare(ed_differ *df, const ed_event *ev,
                              const char *unit, long where, ed_buf *out,
                              ed_buf *err)
{
    lua_State *L = df->json;
    lua_settop(L, 0);
    lua_pushcfunction(L, compare_protected);
    for (int side = 0; side < SIDE_COUNT; side++) {
        const ed_buf *d = &df->decision[side];
        if (df->refused[side]) {
            lua_pushlstring(L, text_of(d), d->len);
            continue;
        }
        if (ed_json_decode(L, text_of(d), d->len, &df->why) != 0 ||
            lua_type(L, -1) != LUA_TTABLE) {
            ed_buf_reset(&df->why);
            ed_buf_printf(&df->why, "the \"%s\" decision is not a JSON object",
                          side_names[side]);
            lua_settop(L, 0);
            return refuse_event(df, unit, where, ev->id, out, err);
        }
    }
    compare_args a;
    memset(&a, 0, sizeof a);
    a.df = df;
    a.ev = ev;
    a.refused[SIDE_FROM] = df->refused[SIDE_FROM];
    a.refused[SIDE_TO] = df->refused[SIDE_TO];
    lua_pushlightuserdata(L, &a);
    ed_buf_reset(&df->report);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
        ed_buf_reset(err);
        ed_buf_printf(err, "comparing the decisions on event %s: %s", ev->id,
                      lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        lua_settop(L, 0);
        return ED_DIFF_HOST_FAILURE;
    }
    lua_settop(L, 0);
    if (a.bad_side) {
        ed_buf_reset(&df->why);
        ed_buf_printf(&df->why, "the \"%s\" decision has no flag green, yellow "
                      "or red", side_names[a.bad_side - 1]);
        return refuse_event(df, unit, where, ev->id, out, err);
    }
    df->counts.events++;
    df->counts.versions_changed += a.versions_changed;
    if (!a.changed) {
        df->counts.unchanged++;
        return ED_DIFF_UNCHANGED;
    }
    df->counts.changed++;
    df->counts.transitions[a.outcome[SIDE_FROM]][a.outcome[SIDE_TO]]++;
    ed_buf_append(out, text_of(&df->report), df->report.len);
    return ED_DIFF_CHANGED;
}

ed_diff_result ed_differ_event(ed_differ *df, lua_State *L, const char *unit,
                               long where, const char *from_decision,
                               size_t from_len, ed_buf *out, ed_buf *err)
{
    ed_event ev;
    if (ed_event_read(L, -1, df->opt.tenant, df->opt.as_of, &ev, err) != 0) {
        lua_pop(L, 1);
        ed_buf_reset(&df->why);
        ed_buf_puts(&df->why, text_of(err));
        return refuse_event(df, unit, where, ev.id, out, err);
    }
    for (int side = 0; side < SIDE_COUNT; side++) {
        if (side == SIDE_FROM && from_decision != NULL) {
            ed_buf_reset(&df->decision[side]);
            ed_buf_append(&df->decision[side], from_decision, from_len);
            df->refused[side] = 0;
            continue;
        }
        int rc = decide_side(df, side, L, &ev, err);
        if (rc == SIDE_HOST_FAILURE) {
            lua_pop(L, 1);
            return ED_DIFF_HOST_FAILURE;
        }
        if (rc == SIDE_BAD_EVENT) {
            lua_pop(L, 1);
            ed_buf_reset(&df->why);
            ed_buf_puts(&df->why, text_of(err));
            return refuse_event(df, unit, where, ev.id, out, err);
        }
    }
    lua_pop(L, 1);
    if (df->refused[SIDE_FROM] && df->refused[SIDE_TO]) {
        const ed_buf *from = &df->decision[SIDE_FROM], *to = &df->decision[SIDE_TO];
        ed_buf_reset(&df->why);
        if (strcmp(text_of(from), text_of(to)) == 0) {
            ed_buf_puts(&df->why, text_of(from));
        } else {
            ed_buf_printf(&df->why, "under \"from\": %s; under \"to\": %s",
                          text_of(from), text_of(to));
        }
        return refuse_event(df, unit, where, ev.id, out, err);
    }
    return compare(df, &ev, unit, where, out, err);
}

/* ------------------------------------------------------------------ */
/* Summary and the whole run                                            */
/* ------------------------------------------------------------------ */

void ed_differ_summary(const ed_differ *df, ed_buf *out)
{
    const ed_diff_counts *c = &df->counts;
    int json = df->opt.format == ED_DIFF_JSON;
    if (json) {
        ed_buf_printf(out, "{\"summary\":{\"events\":%ld,\"changed\":%ld,"
                      "\"unchanged\":%ld,\"refused\":%ld,\"versions_changed\":%ld,"
                      "\"transitions\":[", c->events, c->changed, c->unchanged,
                      c->refused, c->versions_changed);
    } else {
        if (c->versions_changed > 0) {
            ed_buf_printf(out, "other pack versions decided %ld event%s (changed "
                          "or not)\n", c->versions_changed,
                          c->versions_changed == 1 ? "" : "s");
        }
        ed_buf_printf(out, "%ld event%s, %ld changed", c->events,
                      c->events == 1 ? "" : "s", c->changed);
    }
    size_t written = 0;
    for (int from = 0; from < ED_DIFF_OUTCOMES; from++) {
        for (int to = 0; to < ED_DIFF_OUTCOMES; to++) {
            long n = c->transitions[from][to];
            if (n == 0) {
                continue;
            }
            if (json) {
                ed_buf_printf(out, "%s{\"from\":\"%s\",\"to\":\"%s\",\"count\":%ld}",
                              written++ ? "," : "", ed_diff_outcome_name(from),
                              ed_diff_outcome_name(to), n);
            } else {
                ed_buf_printf(out, "%s%s→%s: %ld", written++ ? ", " : " (",
                              ed_diff_outcome_name(from),
                              ed_diff_outcome_name(to), n);
            }
        }
    }
    if (json) {
        ed_buf_puts(out, "]}}\n");
    } else {
        ed_buf_printf(out, "%s, %ld unchanged, %ld refused\n",
                      written ? ")" : "", c->unchanged, c->refused);
    }
}

int ed_diff_events(const ed_catalog *from, const ed_catalog *to,
                   const ed_diff_options *opt, lua_State *L, int idx,
                   ed_buf *out, ed_diff_counts *counts, ed_buf *err)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx)) {
        ed_buf_reset(err);
        ed_buf_puts(err, "the events must be a JSON array");
        return -1;
    }
    ed_differ *df = ed_differ_new(from, to, opt, err);
    if (df == NULL) {
        return -1;
    }
    int rc = 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (ed_differ_event(df, L, "index", (long)i, NULL, 0, out, err) ==
            ED_DIFF_HOST_FAILURE) {
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        ed_differ_summary(df, out);
    }
    if (counts != NULL) {
        *counts = df->counts;
    }
    ed_differ_free(df);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reading a file of events                                             */
/* ------------------------------------------------------------------ */

typedef struct diff_reading {
    ed_differ *df;
    FILE *out, *msgs;
    ed_buf report, err;
    int failed;
} diff_reading;

static void flush_report(diff_reading *r)
{
    if (r->report.len > 0) {
        fwrite(r->report.data, 1, r->report.len, r->out);
        ed_buf_reset(&r->report);
    }
}

/* An event the intake could not read (intake.h's bad). */
static int reading_bad(void *arg, const char *unit, long where, const char *event_id,
                       const char *message)
{
    diff_reading *r = arg;
    ed_differ_refuse(r->df, unit, where, event_id, message, &r->report);
    flush_report(r);
    fprintf(r->msgs, "edict: %s %ld: %s\n", unit, where, message);
    return r->failed;
}

/* Compare the decoded event at the top of L (popped); intake.h's decide. */
static int reading_decide(void *arg, lua_State *L, const char *unit, long where)
{
    diff_reading *r = arg;
    ed_diff_result res = ed_differ_event(r->df, L, unit, where, NULL, 0, &r->report,
                                         &r->err);
    flush_report(r);
    if (res == ED_DIFF_REFUSED) {
        fprintf(r->msgs, "edict: %s %ld: %s\n", unit, where, r->err.data);
    } else if (res == ED_DIFF_HOST_FAILURE) {
        fprintf(r->msgs, "edict: %s\n", r->err.data);
        r->failed = 1;
    }
    return r->failed;
}

int ed_differ_read_file(ed_differ *df, FILE *in, const char *path, FILE *out, FILE *msgs)
{
    diff_reading r = {df, out, msgs, {0}, {0}, 0};
    lua_State *L = ed_json_host_state();
    if (L == NULL) {
        fputs("edict: cannot start the JSON decoder\n", msgs);
        return -1;
    }
    ed_intake intake = {.L = L, .err = &r.err, .decide = reading_decide,
                        .bad = reading_bad, .arg = &r};
    if (ed_intake_read(&intake, in, path) != 0) {
        r.failed = 1;
    }
    if (!r.failed) {
        ed_differ_summary(df, &r.report);
        flush_report(&r);
    }
    lua_close(L);
    ed_buf_free(&r.report);
    ed_buf_free(&r.err);
    return r.failed ? -1 : 0;
}
