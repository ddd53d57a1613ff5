/*
 * answers.c — Metrc answers from a table (answers.h): what replay and
 * fixtures answer rules' edict.metrc calls with, so that neither ever
 * reaches Metrc. A table is a list of answers, each to GET <path> for a
 * licence (or any), matched in the order they were added: a decision's
 * recorded answers are consumed in the order they were asked, so deciding
 * the event again asks the same questions and gets the same bytes.
 */
#define answers_c

#include "answers.h"

#include "util/buf.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct answer {
    char *license;  /* NULL: any */
    char *path;
    int prefix;
    int status;     /* -1: no answer (message) */
    char *body;     /* status >= 0 */
    size_t len;
    char *message;  /* status -1 */
    int used;
} answer;

struct ed_answers {
    char *source;
    char *fallback; /* NULL: "<source> records no answer to ..." */
    answer *items;
    size_t n, cap;
    ed_buf missed;  /* the first question nothing matched */
};

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL) {
        abort();
    }
    if (n > 0) {
        memcpy(d, s, n);
    }
    d[n] = '\0';
    return d;
}

static char *dup_or_null(const char *s)
{
    return s ? dup_n(s, strlen(s)) : NULL;
}

ed_answers *ed_answers_new(const char *source)
{
    ed_answers *a = calloc(1, sizeof *a);
    if (a == NULL) {
        abort();
    }
    a->source = dup_or_null(source ? source : "the table has");
    return a;
}

void ed_answers_free(ed_answers *a)
{
    if (a == NULL) {
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        free(a->items[i].license);
        free(a->items[i].path);
        free(a->items[i].body);
        free(a->items[i].message);
    }
    free(a->items);
    free(a->source);
    free(a->fallback);
    ed_buf_free(&a->missed);
    free(a);
}

void ed_answers_add(ed_answers *a, const char *license, const char *path, int prefix,
                    int status, const char *body, size_t len, const char *message)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        answer *more = realloc(a->items, a->cap * sizeof *more);
        if (more == NULL) {
            abort();
        }
        a->items = more;
    }
    answer *an = &a->items[a->n++];
    memset(an, 0, sizeof *an);
    an->license = dup_or_null(license);
    an->path = dup_or_null(path ? path : "");
    an->prefix = prefix;
    an->status = status < 0 ? -1 : status;
    if (an->status >= 0) {
        an->body = dup_n(body ? body : "", body ? len : 0);
        an->len = body ? len : 0;
    } else {
        an->message = dup_or_null(message ? message : "no answer");
    }
}

void ed_answers_fallback(ed_answers *a, const char *message)
{
    free(a->fallback);
    a->fallback = dup_or_null(message);
}

/* The string field `name` of the table at t (raw), or NULL. */
static const char *raw_string(lua_State *L, int t, const char *name, size_t *len)
{
    lua_pushstring(L, name);
    int type = lua_rawget(L, t);
    const char *s = type == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
    lua_pop(L, 1); /* the string stays alive: t holds it */
    return s;
}

int ed_answers_add_list(ed_answers *a, lua_State *L, int idx, ed_buf *err)
{
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 4)) {
        ed_buf_puts(err, "out of stack");
        return -1;
    }
    if (lua_type(L, idx) != LUA_TTABLE) {
        ed_buf_printf(err, ": a list of answers, not %s", luaL_typename(L, idx));
        return -1;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, idx, i) != LUA_TTABLE) {
            ed_buf_printf(err, "[%lld]: an answer is a table {license, path, status, body} "
                          "or {license, path, message}", (long long)i);
            lua_pop(L, 1);
            return -1;
        }
        int t = lua_gettop(L);
        size_t len = 0, ignored;
        const char *license = raw_string(L, t, "license", &ignored);
        const char *path = raw_string(L, t, "path", &ignored);
        const char *message = raw_string(L, t, "message", &ignored);
        const char *body = raw_string(L, t, "body", &len);
        lua_pushliteral(L, "status");
        int st = lua_rawget(L, t);
        int isnum = 0;
        lua_Integer status = lua_tointegerx(L, -1, &isnum);
        lua_pop(L, 1);
        const char *bad = NULL;
        if (license == NULL) {
            bad = "license: the licence number (text)";
        } else if (path == NULL || path[0] != '/') {
            bad = "path: the path asked, from '/' (text)";
        } else if (st != LUA_TNIL && (!isnum || status < 100 || status > 599)) {
            bad = "status: an HTTP status (an integer from 100 to 599)";
        } else if (st == LUA_TNIL && message == NULL) {
            bad = "status or message: an answer has a status, or a message saying why "
                  "none came";
        } else if (st != LUA_TNIL && message != NULL) {
            bad = "message: an answer with a status has no message";
        } else if (st == LUA_TNIL && body != NULL) {
            bad = "body: an answer without a status has no body";
        }
        if (bad != NULL) {
            ed_buf_printf(err, "[%lld].%s", (long long)i, bad);
            lua_pop(L, 1);
            return -1;
        }
        if (st != LUA_TNIL) {
            ed_answers_add(a, license, path, 0, (int)status, body, len, NULL);
        } else {
            ed_answers_add(a, license, path, 0, -1, NULL, 0, message);
        }
        lua_pop(L, 1);
    }
    return 0;
}

static int matches(const answer *an, const char *license, const char *path)
{
    if (an->license != NULL && strcmp(an->license, license) != 0) {
        return 0;
    }
    return an->prefix ? strncmp(path, an->path, strlen(an->path)) == 0
                      : strcmp(path, an->path) == 0;
}

int ed_answers_lookup(void *arg, const char *tenant, const char *license, const char *path,
                      double timeout_s, ed_buf *body, ed_buf *err)
{
    (void)tenant;
    (void)timeout_s;
    ed_answers *a = arg;
    answer *hit = NULL, *again = NULL;
    for (size_t i = 0; i < a->n && hit == NULL; i++) {
        if (matches(&a->items[i], license, path)) {
            if (!a->items[i].used) {
                hit = &a->items[i];
            } else {
                again = &a->items[i];
            }
        }
    }
    if (hit == NULL) {
        hit = again;
    }
    if (hit == NULL) {
        if (a->missed.len == 0) {
            ed_buf_printf(&a->missed, "GET %s for licence %s", path, license);
        }
        if (a->fallback != NULL) {
            ed_buf_puts(err, a->fallback);
        } else {
            ed_buf_printf(err, "%s no answer to GET %s for licence %s", a->source, path,
                          license);
        }
        return -1;
    }
    hit->used = 1;
    if (hit->status < 0) {
        ed_buf_puts(err, hit->message);
        return -1;
    }
    ed_buf_append(body, hit->body, hit->len);
    return hit->status;
}

const char *ed_answers_missed(const ed_answers *a)
{
    return a->missed.len ? a->missed.data : NULL;
}

void ed_answers_rewind(ed_answers *a)
{
    for (size_t i = 0; i < a->n; i++) {
        a->items[i].used = 0;
    }
    ed_buf_reset(&a->missed);
}
