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
 *
 * A fixture's `metrc` field stubs what Metrc answers its rules'
 * edict.metrc calls (stub_metrc below): the stubs become a table of
 * answers (engine/answers.c), the one lookup function replay answers
 * from too. Without it, a fixture's rules cannot ask Metrc (every call is
 * "unavailable"), as before.
 *
 * A fixture's line (for messages) is found by scanning the file's Lua
 * tokens: the table holding `name = "<its name>"`, else the N-th element
 * of the file's last top-level `return { ... }`, else a string literal
 * equal to its name; none of these: no line.
 */
#define _POSIX_C_SOURCE 200809L
#define fixtures_c

#include "fixtures.h"
#include "evaluator.h"
#include "decider.h"
#include "decide.h"

#include "engine/answers.h"
#include "engine/context.h"
#include "engine/json.h"
#include "engine/sandbox.h"
#include "util/jsonstr.h"

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
    const ed_fixture_options *opt;
    ed_fixture_coverage *cov; /* NULL unless opt->coverage */
} test_run;

/* ------------------------------------------------------------------ */
/* Where each fixture is written                                         */
/* ------------------------------------------------------------------ */

/* A name literal and the line of the table holding it. */
typedef struct named_line {
    const char *text; /* into the file's source (not terminated) */
    size_t len;
    int line, claimed;
    int field;        /* `name = "..."`: line is its table's; else the
                       * string's own (a helper's argument) */
} named_line;

typedef struct fixture_lines {
    named_line *names;
    size_t n_names, cap_names;
    int *elements;    /* line of each element of the last `return {` */
    size_t n_elements, cap_elements;
} fixture_lines;

static void lines_free(fixture_lines *fl)
{
    free(fl->names);
    free(fl->elements);
    memset(fl, 0, sizeof *fl);
}

static void *grow(void *items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return items;
    }
    *cap = *cap ? *cap * 2 : 16;
    void *more = realloc(items, *cap * size);
    if (more == NULL) {
        abort();
    }
    return more;
}

/* Skip a long bracket [==[ ... ]==] starting at s[i] ('['); returns the
 * index after it, counting newlines into *line. -1 when s[i] starts none. */
static long skip_long(const char *s, size_t n, size_t i, int *line)
{
    size_t j = i + 1, level = 0;
    while (j < n && s[j] == '=') {
        level++, j++;
    }
    if (j >= n || s[j] != '[') {
        return -1;
    }
    for (j++; j < n; j++) {
        if (s[j] == '\n') {
            (*line)++;
        } else if (s[j] == ']') {
            size_t k = j + 1, l = 0;
            while (k < n && s[k] == '=') {
                l++, k++;
            }
            if (l == level && k < n && s[k] == ']') {
                return (long)k + 1;
            }
        }
    }
    return (long)n;
}

/* Scan the Lua source for fixture positions. Tokens are only told apart
 * as far as this needs: names, strings, and single punctuation bytes. */
static void scan_lines(const char *s, size_t n, fixture_lines *fl)
{
    enum { T_NONE, T_WORD, T_STRING, T_PUNCT };
    int line = 1;
    int open[256];              /* line of each open '{' */
    int depth = 0, ret_depth = -1;
    int prev = T_NONE, prev2 = T_NONE;
    char prev_c = 0, prev2_c = 0;
    const char *prev_w = NULL;
    size_t prev_wlen = 0;
    const char *prev2_w = NULL;
    size_t prev2_wlen = 0;
    int after_return = 0;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '\n') {
            line++, i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            i++;
            continue;
        }
        if (c == '-' && i + 1 < n && s[i + 1] == '-') {
            long end = i + 2 < n && s[i + 2] == '[' ? skip_long(s, n, i + 2, &line) : -1;
            if (end < 0) {
                while (i < n && s[i] != '\n') {
                    i++;
                }
            } else {
                i = (size_t)end;
            }
            continue;
        }
        int tok;
        char tc = 0;
        const char *w = NULL;
        size_t wlen = 0;
        int tok_line = line;
        if (c == '"' || c == '\'') {
            size_t j = i + 1;
            while (j < n && s[j] != c && s[j] != '\n') {
                if (s[j] == '\\' && j + 1 < n) {
                    if (s[j + 1] == '\n') {
                        line++;
                    }
                    j++;
                }
                j++;
            }
            tok = T_STRING, w = s + i + 1, wlen = j - i - 1;
            i = j < n ? j + 1 : n;
        } else if (c == '[' && (i + 1 < n && (s[i + 1] == '[' || s[i + 1] == '='))) {
            long end = skip_long(s, n, i, &line);
            if (end < 0) {
                tok = T_PUNCT, tc = c, i++;
            } else {
                tok = T_STRING, i = (size_t)end;
            }
        } else if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9')) {
            size_t j = i;
            while (j < n && (s[j] == '_' || s[j] == '.' || (s[j] >= 'a' && s[j] <= 'z') ||
                             (s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' && s[j] <= '9'))) {
                j++;
            }
            tok = T_WORD, w = s + i, wlen = j - i;
            i = j;
        } else {
            tok = T_PUNCT, tc = c, i++;
        }
        /* an element of the returned list starts here */
        if (ret_depth >= 0 && depth == ret_depth && !(tok == T_PUNCT && tc == '}') &&
            prev == T_PUNCT && (prev_c == '{' || prev_c == ',' || prev_c == ';')) {
            fl->elements = grow(fl->elements, &fl->cap_elements, fl->n_elements,
                                sizeof *fl->elements);
            fl->elements[fl->n_elements++] = tok_line;
        }
        /* name = "literal" inside a table, or any other string */
        if (tok == T_STRING && w) {
            int field = prev == T_PUNCT && prev_c == '=' && prev2 == T_WORD &&
                        prev2_wlen == 4 && memcmp(prev2_w, "name", 4) == 0 && depth > 0 &&
                        depth <= 256;
            fl->names = grow(fl->names, &fl->cap_names, fl->n_names, sizeof *fl->names);
            fl->names[fl->n_names++] =
                (named_line){w, wlen, field ? open[depth - 1] : tok_line, 0, field};
        }
        if (tok == T_PUNCT && tc == '{') {
            if (after_return && depth == 0) {
                ret_depth = 1;
                fl->n_elements = 0;
            }
            if (depth < 256) {
                open[depth] = tok_line;
            }
            depth++;
        } else if (tok == T_PUNCT && tc == '}' && depth > 0) {
            if (--depth == 0) {
                ret_depth = -1;
            }
        }
        after_return = tok == T_WORD && wlen == 6 && memcmp(w, "return", 6) == 0;
        if (after_return && depth == 0) {
            /* only the file's last top-level return counts */
            ret_depth = -1;
            fl->n_elements = 0;
        }
        prev2 = prev, prev2_c = prev_c, prev2_w = prev_w, prev2_wlen = prev_wlen;
        prev = tok, prev_c = tc, prev_w = w, prev_wlen = wlen;
    }
    (void)prev2_c;
}

static int claim_name(fixture_lines *fl, const char *name, int field)
{
    size_t len = name ? strlen(name) : 0;
    for (size_t i = 0; name && i < fl->n_names; i++) {
        named_line *nl = &fl->names[i];
        if (!nl->claimed && nl->field == field && nl->len == len &&
            memcmp(nl->text, name, len) == 0) {
            nl->claimed = 1;
            return nl->line;
        }
    }
    return 0;
}

/* The line of fixture number `number` (1-based) named `name`, or 0: the
 * table holding `name = "<name>"`, else the number-th element of the
 * file's last `return { ... }`, else the line of a string "<name>" (the
 * argument of a helper that builds the fixture). */
static int fixture_line(fixture_lines *fl, const char *name, size_t number)
{
    int line = claim_name(fl, name, 1);
    if (line == 0 && number <= fl->n_elements) {
        line = fl->elements[number - 1];
    }
    return line ? line : claim_name(fl, name, 0);
}

static const char *const expect_fields[] = {
    "flag", "findings", "score", "retention_until", "obligations", "errors",
    "waivers", "refused", "messages", "metrc_writes", "unavailable", NULL};

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
    sorted_list(L, want, key, &a); /* strings, or tables naming key */
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

/* A decision's error (the table at idx) as text: "message (rule R at
 * file:line)". Pushes the text, which the caller pops. */
static const char *error_text(lua_State *L, int idx)
{
    lua_getfield(L, idx, "message");
    lua_getfield(L, idx, "rule");
    lua_getfield(L, idx, "where");
    const char *msg = lua_tostring(L, -3), *rule = lua_tostring(L, -2),
               *where = lua_tostring(L, -1);
    if (rule && where && where[0]) {
        lua_pushfstring(L, "%s (rule %s at %s)", msg ? msg : "?", rule, where);
    } else if (rule) {
        lua_pushfstring(L, "%s (rule %s)", msg ? msg : "?", rule);
    } else {
        lua_pushstring(L, msg ? msg : "?");
    }
    lua_replace(L, -4);
    lua_pop(L, 2);
    return lua_tostring(L, -1);
}

/* Does the value at got hold everything the value at want says? Tables:
 * each key of want, recursively; other values: equal. */
static int subset(lua_State *L, int want, int got, int depth)
{
    want = lua_absindex(L, want);
    got = lua_absindex(L, got);
    if (!lua_istable(L, want)) {
        if (lua_type(L, want) == LUA_TNUMBER && lua_type(L, got) == LUA_TNUMBER) {
            return lua_tonumber(L, want) == lua_tonumber(L, got);
        }
        return lua_rawequal(L, want, got);
    }
    if (!lua_istable(L, got) || depth > 64) {
        return 0;
    }
    int ok = 1;
    lua_pushnil(L);
    while (ok && lua_next(L, want) != 0) {
        lua_pushvalue(L, -2);
        lua_rawget(L, got);
        ok = subset(L, -2, -1, depth + 1);
        lua_pop(L, 2);
    }
    if (!ok) {
        lua_pop(L, 1); /* the key */
    }
    return ok;
}

/* Does the finding at fi satisfy the expected finding table at want?
 * When not, appends what differs to diff. */
static int finding_matches(lua_State *L, int want, int fi, const char *pfx, ed_buf *diff)
{
    int ok = 1;
    if (lua_getfield(L, want, "severity") != LUA_TNIL) {
        lua_getfield(L, fi, "severity");
        if (!lua_rawequal(L, -1, -2)) {
            ed_buf_printf(diff, "%sseverity %s, got %s", pfx,
                          lua_tostring(L, -2) ? lua_tostring(L, -2) : "?",
                          lua_tostring(L, -1) ? lua_tostring(L, -1) : "none");
            ok = 0;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, want, "message") == LUA_TSTRING) {
        lua_getfield(L, fi, "message");
        const char *msg = lua_tostring(L, -1);
        int found = 0;
        if (msg) {
            /* string.find(msg, pattern), protected: a bad pattern is a
             * mismatch, not an error across this C frame */
            lua_pushliteral(L, "");
            luaL_getmetafield(L, -1, "__index");
            lua_getfield(L, -1, "find");
            lua_pushvalue(L, -4);
            lua_pushvalue(L, -6);
            if (lua_pcall(L, 2, 1, 0) == LUA_OK) {
                found = !lua_isnil(L, -1);
                lua_pop(L, 1);
            } else {
                ed_buf_printf(diff, "%sa message pattern that does not work: %s",
                              pfx, lua_tostring(L, -1));
                lua_pop(L, 1);
                ok = 0;
                found = 1;
            }
            lua_pop(L, 2);
        }
        if (!found) {
            ed_buf_printf(diff, "%smessage matching '%s', got '%s'", pfx,
                          lua_tostring(L, -2), msg ? msg : "");
            ok = 0;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, want, "details") != LUA_TNIL) {
        lua_getfield(L, fi, "details");
        if (!subset(L, -2, -1, 0)) {
            ed_buf d = {0}, e = {0};
            if (ed_json_emit(L, lua_gettop(L) - 1, &d, &e) != 0) {
                ed_buf_reset(&d);
                ed_buf_puts(&d, "?");
            }
            ed_buf_reset(&e);
            if (lua_isnil(L, -1) || ed_json_emit(L, lua_gettop(L), &e, &e) != 0) {
                ed_buf_reset(&e);
                ed_buf_puts(&e, "none");
            }
            ed_buf_printf(diff, "%sdetails with %s, got %s", pfx, d.data, e.data);
            ed_buf_free(&d);
            ed_buf_free(&e);
            ok = 0;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return ok;
}

/* Each table in expect.findings ({ rule =, severity =, message = pattern,
 * details = subset }) must be met by a finding of its own. */
static void compare_finding_tables(test_run *t, lua_State *L, int exp, int dec)
{
    if (lua_getfield(L, exp, "findings") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    int want = lua_gettop(L);
    lua_getfield(L, dec, "findings");
    int got = lua_gettop(L);
    size_t ng = lua_istable(L, got) ? lua_rawlen(L, got) : 0;
    char *claimed = calloc(ng + 1, 1);
    if (claimed == NULL) {
        abort();
    }
    for (size_t i = 1; i <= lua_rawlen(L, want); i++) {
        lua_rawgeti(L, want, (lua_Integer)i);
        int w = lua_gettop(L);
        if (!lua_istable(L, w)) {
            lua_pop(L, 1);
            continue;
        }
        lua_getfield(L, w, "rule");
        const char *rule = lua_tostring(L, -1);
        ed_buf first = {0};
        int met = 0, candidates = 0;
        for (size_t j = 1; j <= ng && !met && rule; j++) {
            if (claimed[j]) {
                continue;
            }
            lua_rawgeti(L, got, (lua_Integer)j);
            lua_getfield(L, -1, "rule");
            int same = lua_tostring(L, -1) && strcmp(lua_tostring(L, -1), rule) == 0;
            lua_pop(L, 1);
            if (same) {
                ed_buf diff = {0}, pfx = {0};
                ed_buf_printf(&pfx, "\n    finding %s: expected ", rule);
                int matched = finding_matches(L, w, lua_gettop(L), pfx.data, &diff);
                ed_buf_free(&pfx);
                if (matched) {
                    met = 1;
                    claimed[j] = 1;
                } else if (candidates++ == 0) {
                    ed_buf_puts(&first, diff.data);
                }
                ed_buf_free(&diff);
            }
            lua_pop(L, 1);
        }
        if (!met && rule && candidates > 0) {
            ed_buf_puts(&t->why, first.data);
        } else if (rule == NULL) {
            ed_buf_puts(&t->why, "\n    findings: a finding table needs its rule id (rule = ...)");
        }
        ed_buf_free(&first);
        lua_settop(L, w - 1);
    }
    free(claimed);
    lua_settop(L, want - 1);
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
    compare_finding_tables(t, L, exp, dec);
    compare_lists(t, L, exp, dec, "waivers", "rule");
    compare_lists(t, L, exp, dec, "unavailable", "fact");
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
    /* metrc_writes: "METHOD path licence" of each write, in order, no more */
    if (lua_getfield(L, exp, "metrc_writes") == LUA_TTABLE) {
        int want = lua_gettop(L);
        lua_getfield(L, dec, "metrc_writes");
        int got = lua_gettop(L);
        size_t nw = lua_rawlen(L, want), ng = lua_istable(L, got) ? lua_rawlen(L, got) : 0;
        ed_buf a = {0}, b = {0};
        for (size_t i = 1; i <= nw; i++) {
            lua_rawgeti(L, want, (lua_Integer)i);
            ed_buf_printf(&a, "%s%s", i > 1 ? ", " : "",
                          lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
            lua_pop(L, 1);
        }
        for (size_t i = 1; i <= ng; i++) {
            lua_rawgeti(L, got, (lua_Integer)i);
            lua_getfield(L, -1, "method");
            lua_getfield(L, -2, "path");
            lua_getfield(L, -3, "license");
            ed_buf_printf(&b, "%s%s %s %s", i > 1 ? ", " : "", lua_tostring(L, -3),
                          lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, 4);
        }
        if (strcmp(a.data ? a.data : "", b.data ? b.data : "") != 0) {
            mismatch(t, "metrc_writes", a.data ? a.data : "none", b.data ? b.data : "none");
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
                ed_buf_printf(&have, "%s %s", i == 1 ? ":" : ";",
                              error_text(L, lua_gettop(L)));
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
                ed_buf have = {0};
                for (size_t j = 1; j <= lua_rawlen(L, got); j++) {
                    lua_rawgeti(L, got, (lua_Integer)j);
                    ed_buf_printf(&have, "%s%s", j == 1 ? "" : "; ",
                                  error_text(L, lua_gettop(L)));
                    lua_pop(L, 2);
                }
                mismatch(t, "errors", text, have.data ? have.data : "none");
                ed_buf_free(&have);
            }
            lua_pop(L, 1);
        }
    } else if (lua_rawlen(L, got) > 0) {
        /* no expectation: an unexpected rule error fails the fixture */
        for (size_t i = 1; i <= lua_rawlen(L, got); i++) {
            lua_rawgeti(L, got, (lua_Integer)i);
            ed_buf e = {0};
            ed_buf_puts(&e, error_text(L, lua_gettop(L)));
            mismatch(t, "errors", "none", e.data);
            ed_buf_free(&e);
            lua_pop(L, 2);
        }
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

/* Mark, from the decision's trace (at dec), which rules fired and held. */
static void note_coverage(test_run *t, lua_State *L, int dec)
{
    lua_getfield(L, dec, "explain");
    int ex = lua_gettop(L);
    size_t n = lua_istable(L, ex) ? lua_rawlen(L, ex) : 0;
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, ex, (lua_Integer)i);
        lua_getfield(L, -1, "rule");
        lua_getfield(L, -2, "pack");
        lua_getfield(L, -3, "version");
        lua_getfield(L, -4, "outcome");
        const char *rule = lua_tostring(L, -4), *pack = lua_tostring(L, -3),
                   *version = lua_tostring(L, -2), *outcome = lua_tostring(L, -1);
        int fired = outcome && (strcmp(outcome, "failed") == 0 ||
                                strcmp(outcome, "noted") == 0 ||
                                strcmp(outcome, "waived") == 0);
        int held = outcome && strcmp(outcome, "held") == 0;
        for (size_t j = 0; rule && pack && version && j < t->cov->n; j++) {
            ed_rule_coverage *rc = &t->cov->rules[j];
            if (strcmp(rc->rule, rule) == 0 && strcmp(rc->pack, pack) == 0 &&
                strcmp(rc->version, version) == 0) {
                rc->fired |= fired;
                rc->held |= held;
            }
        }
        lua_pop(L, 5);
    }
    lua_settop(L, ex - 1);
}

static void set_default(lua_State *L, int t, const char *field, const char *value)
{
    if (lua_getfield(L, t, field) == LUA_TNIL && value) {
        lua_pushstring(L, value);
        lua_setfield(L, t, field);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------ */
/* A fixture's Metrc                                                    */
/* ------------------------------------------------------------------ */

#define STUB_UNAVAILABLE "Metrc is unavailable (the fixture's metrc says so)"

/* Is s a licence, label or tag edict.metrc takes (lookup.c's check)? */
static int metrc_name(const char *s, size_t len)
{
    int ok = len > 0 && len <= 64;
    for (size_t i = 0; ok && i < len; i++) {
        char c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    }
    return ok;
}

/* packages or plants (the table at idx): label -> the object, or false
 * (not in Metrc: 404). Adds an answer per label to every GET of
 * /<what>s/v2/<label>?…, any licence. */
static int stub_entities(lua_State *L, int idx, const char *what, ed_answers *a, ed_buf *why)
{
    if (!lua_istable(L, idx)) {
        ed_buf_printf(why, "metrc.%ss: a table of labels, each the %s Metrc gives or false",
                      what, what);
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        size_t len = 0;
        const char *label = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &len) : NULL;
        if (label == NULL || !metrc_name(label, len)) {
            ed_buf_printf(why, "metrc.%ss: each key is a label (1 to 64 letters, digits, '.', "
                          "'_' or '-')", what);
            lua_pop(L, 2);
            return -1;
        }
        ed_buf path = {0};
        ed_buf_printf(&path, "/%ss/v2/%s?", what, label);
        if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
            ed_answers_add(a, NULL, path.data, 1, 404, NULL, 0, NULL);
        } else if (lua_istable(L, -1)) {
            lua_pushliteral(L, "Label");
            if (lua_rawget(L, -2) == LUA_TNIL) {
                lua_pushliteral(L, "Label");
                lua_pushvalue(L, -4);
                lua_rawset(L, -4); /* the label, when the stub leaves it out */
            }
            lua_pop(L, 1);
            ed_buf body = {0}, err = {0};
            int rc = ed_json_emit(L, lua_gettop(L), &body, &err);
            if (rc == 0) {
                ed_answers_add(a, NULL, path.data, 1, 200, body.data, body.len, NULL);
            } else {
                ed_buf_printf(why, "metrc.%ss[\"%s\"]: %s", what, label, err.data);
            }
            ed_buf_free(&body);
            ed_buf_free(&err);
            if (rc != 0) {
                ed_buf_free(&path);
                lua_pop(L, 2);
                return -1;
            }
        } else {
            ed_buf_printf(why, "metrc.%ss[\"%s\"]: the %s as Metrc gives it (a table), or "
                          "false when Metrc has none, not %s", what, label, what,
                          luaL_typename(L, -1));
            ed_buf_free(&path);
            lua_pop(L, 2);
            return -1;
        }
        ed_buf_free(&path);
        lua_pop(L, 1);
    }
    return 0;
}

/* tags: the list of tags available (package and plant alike): one answer
 * to every GET of /tags/v2/…, any licence. */
static int stub_tags(lua_State *L, int idx, ed_answers *a, ed_buf *why)
{
    if (!lua_istable(L, idx)) {
        ed_buf_printf(why, "metrc.tags: the list of tags available, not %s",
                      luaL_typename(L, idx));
        return -1;
    }
    ed_buf body = {0};
    ed_buf_putc(&body, '[');
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        size_t len = 0;
        const char *tag = lua_rawgeti(L, idx, i) == LUA_TSTRING ? lua_tolstring(L, -1, &len)
                                                                : NULL;
        if (tag == NULL || !metrc_name(tag, len)) {
            ed_buf_printf(why, "metrc.tags[%lld]: a tag (1 to 64 letters, digits, '.', '_' "
                          "or '-')", (long long)i);
            lua_pop(L, 1);
            ed_buf_free(&body);
            return -1;
        }
        ed_buf_puts(&body, i > 1 ? ",{\"Label\":" : "{\"Label\":");
        ed_json_escape(&body, tag, len);
        ed_buf_putc(&body, '}');
        lua_pop(L, 1);
    }
    ed_buf_putc(&body, ']');
    ed_answers_add(a, NULL, "/tags/v2/", 1, 200, body.data, body.len, NULL);
    ed_buf_free(&body);
    return 0;
}

/* facilities: licence -> the facility; one answer to GET /facilities/v2/,
 * any licence, listing them all (each given its License.Number). */
static int stub_facilities(lua_State *L, int idx, ed_answers *a, ed_buf *why)
{
    if (!lua_istable(L, idx)) {
        ed_buf_printf(why, "metrc.facilities: a table of licence numbers, each its "
                      "facility, not %s", luaL_typename(L, idx));
        return -1;
    }
    ed_buf body = {0}, err = {0};
    ed_buf_putc(&body, '[');
    int first = 1, rc = 0;
    lua_pushnil(L);
    while (rc == 0 && lua_next(L, idx) != 0) {
        size_t len = 0;
        const char *lic = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &len) : NULL;
        if (lic == NULL || !metrc_name(lic, len)) {
            ed_buf_puts(why, "metrc.facilities: each key is a licence number (1 to 64 "
                        "letters, digits, '.', '_' or '-')");
            rc = -1;
        } else if (!lua_istable(L, -1)) {
            ed_buf_printf(why, "metrc.facilities[\"%s\"]: the facility (a table), not %s",
                          lic, luaL_typename(L, -1));
            rc = -1;
        } else {
            lua_pushliteral(L, "License");
            if (lua_rawget(L, -2) == LUA_TNIL) {
                lua_pushliteral(L, "License");
                lua_createtable(L, 0, 1);
                lua_pushvalue(L, -5);
                lua_setfield(L, -2, "Number");
                lua_rawset(L, -4);
            }
            lua_pop(L, 1);
            if (!first) {
                ed_buf_putc(&body, ',');
            }
            first = 0;
            if (ed_json_emit(L, lua_gettop(L), &body, &err) != 0) {
                ed_buf_printf(why, "metrc.facilities[\"%s\"]: %s", lic, err.data);
                rc = -1;
            }
        }
        lua_pop(L, rc == 0 ? 1 : 2);
    }
    if (rc == 0) {
        ed_buf_putc(&body, ']');
        ed_answers_add(a, NULL, "/facilities/v2/", 0, 200, body.data, body.len, NULL);
    }
    ed_buf_free(&body);
    ed_buf_free(&err);
    return rc;
}

/* The fixture's `metrc` (the table at idx) as answers, added to a:
 *   answers = { {license=, path=, status=, body= | message=} ... }
 *                 as a decision records them ("metrc_answers")
 *   packages = { [label] = {...} | false }, plants = (the same),
 *   tags = { tag, ... }         the tags available
 *   facilities = { [licence] = {...} }
 *   unavailable = true | "message"   every question not answered above
 * A question none of these answers is unavailable. 0, or -1 with what is
 * wrong in why. Fixture code may have set metatables: read raw. */
static int stub_metrc(lua_State *L, int idx, ed_answers *a, ed_buf *why)
{
    static const char *const fields[] = {"answers", "packages", "plants", "tags",
                                         "facilities", "unavailable", NULL};
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx)) {
        ed_buf_printf(why, "metrc: a table (packages, plants, tags, facilities, unavailable, "
                      "answers), not %s", luaL_typename(L, idx));
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        int known = 0;
        for (int i = 0; fields[i] && !known; i++) {
            known = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), fields[i]) == 0;
        }
        if (!known) {
            ed_buf_printf(why, "metrc: unknown field '%s' (expected packages, plants, tags, "
                          "facilities, unavailable or answers)",
                          lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
            lua_pop(L, 1);
            return -1;
        }
    }
    int top = lua_gettop(L), rc = 0;
    for (int i = 0; fields[i] && rc == 0; i++) {
        lua_pushstring(L, fields[i]);
        int type = lua_rawget(L, idx);
        int at = lua_gettop(L);
        if (type == LUA_TNIL) {
            /* not stubbed */
        } else if (i == 0) {
            ed_buf err = {0};
            if (ed_answers_add_list(a, L, at, &err) != 0) {
                ed_buf_printf(why, "metrc.answers%s", err.data);
                rc = -1;
            }
            ed_buf_free(&err);
        } else if (i == 1 || i == 2) {
            rc = stub_entities(L, at, i == 1 ? "package" : "plant", a, why);
        } else if (i == 3) {
            rc = stub_tags(L, at, a, why);
        } else if (i == 4) {
            rc = stub_facilities(L, at, a, why);
        } else if (type == LUA_TSTRING) {
            ed_answers_fallback(a, lua_tostring(L, at));
        } else if (type == LUA_TBOOLEAN) {
            ed_answers_fallback(a, lua_toboolean(L, at) ? STUB_UNAVAILABLE : NULL);
        } else {
            ed_buf_printf(why, "metrc.unavailable: true, or the message every question "
                          "not stubbed gets, not %s", luaL_typename(L, at));
            rc = -1;
        }
        lua_settop(L, top);
    }
    return rc;
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
                          "waivers, refused, messages, metrc_writes, unavailable)",
                          luaL_tolstring(L, -1, NULL));
            lua_pop(L, 2);
            return;
        }
    }
    /* Defaults, so fixtures say only what matters to them. */
    char id[64];
    snprintf(id, sizeof id, "%s#%zu", file, number);
    set_default(L, event, "id", id);
    set_default(L, event, "tenant", default_tenant);
    /* a pack's or tenant's only jurisdiction (several: the fixture says) */
    if (!p->any_jurisdiction && p->n_jurisdictions == 1) {
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
    /* the fixture's Metrc, when it stubs one */
    ed_answers *answers = NULL;
    if (lua_getfield(L, idx, "metrc") != LUA_TNIL) {
        answers = ed_answers_new("the fixture's metrc has");
        ed_buf why = {0};
        if (stub_metrc(L, lua_gettop(L), answers, &why) != 0) {
            ed_buf_printf(&t->why, "\n    %s", why.data);
            ed_buf_free(&why);
            ed_answers_free(answers);
            ed_buf_free(&json);
            lua_pop(L, 1);
            return;
        }
        ed_buf_free(&why);
        decider->cfg.lookup = ed_answers_lookup;
        decider->cfg.lookup_arg = answers;
    }
    lua_pop(L, 1);
    /* the event goes exactly the way `edict eval` takes it: JSON text
     * through the decider */
    ed_buf err = {0};
    fixture_verdict fv = {0};
    ed_decider_read_buffer(decider, json.data, json.len, 1, keep_verdict, &fv);
    decider->cfg.lookup = NULL;
    decider->cfg.lookup_arg = NULL;
    ed_answers_free(answers);
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
        if (t->cov) {
            note_coverage(t, L, lua_gettop(L));
        }
    }
out:
    ed_buf_free(&json);
    ed_buf_free(&err);
    ed_buf_free(&fv.decision);
    ed_buf_free(&fv.reason);
}

/* Load the fixture file f of pack p in the fixture sandbox: leaves its
 * list on the stack and returns 0, or fills why (and *line) and returns
 * -1 with the stack as it was. */
static int load_file(ed_sandbox *sb, const ed_limits *limits, const ed_pack *p,
                     const ed_file *f, ed_buf *why, int *line)
{
    lua_State *L = ed_sandbox_state(sb);
    int top = lua_gettop(L);
    ed_buf chunk = {0};
    ed_buf_printf(&chunk, "@%s/%s", p->label, f->path);
    int status = luaL_loadbufferx(L, f->data, f->len, chunk.data, "t");
    ed_call_result res = {0};
    if (status == LUA_OK) {
        ed_sandbox_push_env(sb);
        lua_setupvalue(L, -2, 1);
        ed_sandbox_call(sb, 0, 1, limits, &res);
        status = res.status;
    } else {
        res.message = lua_tostring(L, -1);
        res.where = "";
    }
    *line = 0;
    int rc = 0;
    if (status != LUA_OK || !lua_istable(L, -1)) {
        ed_buf_reset(why);
        ed_buf_printf(why, "%s%s%s", res.where ? res.where : "",
                      res.where && res.where[0] ? ": " : "",
                      status != LUA_OK ? res.message : "a fixture file must return a "
                                                     "list of fixtures");
        /* the line, from "<chunk>:<line>:" */
        size_t cl = chunk.len - 1;
        if (strncmp(why->data, chunk.data + 1, cl) == 0 && why->data[cl] == ':') {
            *line = atoi(why->data + cl + 1);
            const char *rest = strstr(why->data + cl + 1, ": ");
            if (*line > 0 && rest) {
                ed_buf msg = {0};
                ed_buf_puts(&msg, rest + 2);
                ed_buf_reset(why);
                ed_buf_puts(why, msg.data);
                ed_buf_free(&msg);
            }
        }
        lua_settop(L, top);
        rc = -1;
    }
    ed_buf_free(&chunk);
    return rc;
}

/* Is fixture `name` of file selected by --run? */
static int selected(const test_run *t, const char *file, const char *name)
{
    if (t->opt == NULL || t->opt->n_run == 0) {
        return 1;
    }
    ed_buf full = {0};
    ed_buf_printf(&full, "%s: %s", file, name);
    int hit = 0;
    for (size_t i = 0; i < t->opt->n_run && !hit; i++) {
        hit = strstr(full.data, t->opt->run[i]) != NULL;
    }
    ed_buf_free(&full);
    return hit;
}

/* Load the fixture file f of pack p in the fixture sandbox and run each. */
static void run_file(test_run *t, ed_decider *decider, const ed_pack *p,
                     const ed_file *f)
{
    lua_State *L = ed_sandbox_state(t->fixtures);
    int top = lua_gettop(L);
    ed_buf chunk = {0};
    ed_buf_printf(&chunk, "%s/%s", p->label, f->path);
    const char *name = chunk.data;
    int line = 0;
    if (load_file(t->fixtures, &t->cat->limits, p, f, &t->why, &line) != 0) {
        if (selected(t, name, "")) {
            ed_fixture_result r = {name, line, NULL, 0, t->why.data};
            t->report(t->arg, &r);
            t->failed++;
        }
        ed_buf_free(&chunk);
        return;
    }
    fixture_lines fl = {0};
    scan_lines(f->data, f->len, &fl);
    const char *tenant = p->is_tenant ? p->name : "fixtures";
    int list = lua_gettop(L);
    size_t n = lua_rawlen(L, list);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i);
        int fx = lua_gettop(L);
        ed_buf_reset(&t->why);
        const char *fname = "?";
        if (lua_istable(L, fx)) {
            lua_getfield(L, fx, "name");
            fname = lua_tostring(L, -1) ? lua_tostring(L, -1) : "(unnamed)";
        }
        int fline = fixture_line(&fl, lua_istable(L, fx) ? fname : NULL, i);
        if (!selected(t, name, fname)) {
            lua_settop(L, list);
            continue;
        }
        if (!lua_istable(L, fx)) {
            ed_buf_puts(&t->why, "\n    a fixture must be a table");
        } else {
            run_fixture(t, decider, p, tenant, fx, i, f->path);
        }
        ed_fixture_result r = {name, fline, fname, t->why.len == 0,
                               t->why.data ? t->why.data : ""};
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
    lines_free(&fl);
    lua_settop(L, top);
    ed_buf_free(&chunk);
}

static int is_fixture_file(const char *path)
{
    size_t len = strlen(path);
    return strncmp(path, "tests/", 6) == 0 && len > 4 && strcmp(path + len - 4, ".lua") == 0;
}

static int run_pack(test_run *t, const ed_pack *p)
{
    /* a pack's fixtures run against that pack's versions alone, a tenant's
     * against its whole policy; never journaled */
    ed_decider_config dc = {.cat = t->cat, .only_pack = p->is_tenant ? NULL : p->name,
                            .explain = t->cov != NULL};
    ed_buf err = {0};
    ed_decider *decider = ed_decider_new(&dc, &err);
    ed_buf_free(&err);
    if (decider == NULL) {
        return -1;
    }
    for (size_t i = 0; i < p->n_files; i++) {
        if (is_fixture_file(p->files[i].path)) {
            run_file(t, decider, p, &p->files[i]);
        }
    }
    ed_decider_free(decider);
    return 0;
}

static void add_coverage(ed_fixture_coverage *cov, const ed_pack *p)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        ed_rule_coverage *more = realloc(cov->rules, (cov->n + 1) * sizeof *more);
        if (more == NULL) {
            abort();
        }
        cov->rules = more;
        cov->rules[cov->n++] = (ed_rule_coverage){p->label, p->name, p->version,
                                                  p->rules[i].id, p->rules[i].where, 0, 0};
    }
}

void ed_fixture_coverage_free(ed_fixture_coverage *c)
{
    free(c->rules);
    c->rules = NULL;
    c->n = 0;
}

int ed_fixtures_run_with(const ed_catalog *cat, const ed_fixture_options *opt,
                         ed_fixture_fn report, void *arg, int *passed, int *failed,
                         ed_fixture_coverage *cov)
{
    test_run t;
    memset(&t, 0, sizeof t);
    t.cat = cat;
    t.report = report;
    t.arg = arg;
    t.opt = opt;
    if (opt && opt->coverage && cov) {
        t.cov = cov;
        for (size_t i = 0; i < cat->n_packs; i++) {
            add_coverage(cov, cat->packs[i]);
        }
        for (size_t i = 0; i < cat->n_tenants; i++) {
            add_coverage(cov, cat->tenants[i]);
        }
    }
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

int ed_fixtures_run(const ed_catalog *cat, ed_fixture_fn report, void *arg, int *passed,
                    int *failed)
{
    return ed_fixtures_run_with(cat, NULL, report, arg, passed, failed, NULL);
}

/* Check the fixture files of p: each loads and returns a list of tables. */
static int check_pack(ed_sandbox *sb, const ed_catalog *cat, const ed_pack *p, ed_diags *d,
                      ed_buf *missing, ed_buf *broken)
{
    lua_State *L = ed_sandbox_state(sb);
    int problems = 0, files = 0;
    ed_buf why = {0};
    for (size_t i = 0; i < p->n_files; i++) {
        const ed_file *f = &p->files[i];
        if (!is_fixture_file(f->path)) {
            continue;
        }
        files++;
        char where[1024];
        int line = 0;
        if (load_file(sb, &cat->limits, p, f, &why, &line) != 0) {
            if (line > 0) {
                snprintf(where, sizeof where, "%s/%s:%d", p->label, f->path, line);
            } else {
                snprintf(where, sizeof where, "%s/%s", p->label, f->path);
            }
            ed_diags_add(d, where, "%s", why.data);
            problems++;
            continue;
        }
        fixture_lines fl = {0};
        scan_lines(f->data, f->len, &fl);
        int list = lua_gettop(L);
        size_t n = lua_rawlen(L, list);
        for (size_t j = 1; j <= n; j++) {
            lua_rawgeti(L, list, (lua_Integer)j);
            const char *problem = NULL;
            const char *fname = NULL;
            if (!lua_istable(L, -1)) {
                problem = "a fixture must be a table";
            } else {
                lua_getfield(L, -1, "name");
                fname = lua_tostring(L, -1);
                lua_getfield(L, -2, "event");
                lua_getfield(L, -3, "expect");
                if (!lua_istable(L, -1) || !lua_istable(L, -2)) {
                    problem = "a fixture needs an event table and an expect table";
                } else if (lua_getfield(L, -4, "metrc") != LUA_TNIL) {
                    ed_answers *a = ed_answers_new(NULL);
                    ed_buf_reset(&why);
                    if (stub_metrc(L, lua_gettop(L), a, &why) != 0) {
                        problem = why.data;
                    }
                    ed_answers_free(a);
                }
            }
            int fline = fixture_line(&fl, fname, j);
            if (problem) {
                if (fline > 0) {
                    snprintf(where, sizeof where, "%s/%s:%d", p->label, f->path, fline);
                } else {
                    snprintf(where, sizeof where, "%s/%s", p->label, f->path);
                }
                ed_diags_add(d, where, "fixture %zu%s%s%s: %s", j, fname ? " '" : "",
                             fname ? fname : "", fname ? "'" : "", problem);
                problems++;
            }
            lua_settop(L, list);
        }
        lines_free(&fl);
        lua_pop(L, 1);
    }
    if (files == 0 && missing) {
        ed_buf_printf(missing, "%s\n", p->label);
    }
    if (problems > 0 && broken) {
        ed_buf_printf(broken, "%s\n", p->label);
    }
    ed_buf_free(&why);
    return problems;
}

int ed_fixtures_check(const ed_catalog *cat, ed_diags *d, ed_buf *missing, ed_buf *broken)
{
    ed_sandbox *sb = ed_sandbox_new();
    if (sb == NULL || ed_json_open_protected(ed_sandbox_state(sb)) != 0) {
        ed_sandbox_free(sb);
        ed_diags_add(d, "", "the fixture files could not be loaded");
        return 1;
    }
    int problems = 0;
    for (size_t i = 0; i < cat->n_packs; i++) {
        problems += check_pack(sb, cat, cat->packs[i], d, missing, broken);
    }
    for (size_t i = 0; i < cat->n_tenants; i++) {
        problems += check_pack(sb, cat, cat->tenants[i], d, missing, broken);
    }
    ed_sandbox_free(sb);
    return problems;
}

/* ------------------------------------------------------------------ */
/* Vetting a catalog before it serves                                   */
/* ------------------------------------------------------------------ */

/* Keep each failing fixture: its file, its name, what was expected and
 * got. */
static void keep_failure(void *arg, const ed_fixture_result *r)
{
    ed_buf *err = arg;
    if (!r->ok && r->line > 0) {
        ed_buf_printf(err, "FAIL - %s:%d: %s%s\n", r->file, r->line, r->name ? r->name : "",
                      r->why);
    } else if (!r->ok) {
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
