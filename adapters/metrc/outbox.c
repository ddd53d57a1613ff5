/*
 * outbox.c — writes for Metrc, each sent exactly once (metrc.h,
 * ed_metrc_outbox_add and _push). An operation is kept in the store's
 * outbox before anything is sent; a push sends every pending one with its
 * key as X-Idempotency-Key (the same key on every attempt and every push,
 * so a receiver that saw it already answers without applying it again),
 * and records the outcome durably: sent with Metrc's answer, dead with
 * Metrc's message, or left pending when Metrc could not be reached (the
 * client's retries spent) for the next push. A process that stops between
 * sending and recording leaves the operation pending: the next push sends
 * it again under the same key.
 */
#define _DEFAULT_SOURCE

#include "metrc.h"

#include <lauxlib.h>
#include <lua-cjson.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The body split into JSON arrays of at most n objects, or nil and why. */
static const char split_body[] =
    "local cjson, body, n = ...\n"
    "local ok, v = pcall(cjson.decode, body)\n"
    "if not ok or type(v) ~= 'table' or (next(v) ~= nil and v[1] == nil) then\n"
    "  return nil, 'the body must be a JSON array of objects' end\n"
    "if #v == 0 then return nil, 'the body holds no object' end\n"
    "local parts = {}\n"
    "for i = 1, #v, n do\n"
    "  local p = {}\n"
    "  for k = i, math.min(i + n - 1, #v) do\n"
    "    if type(v[k]) ~= 'table' then return nil, 'element ' .. (k - 1) .. ' is not an object' end\n"
    "    p[#p + 1] = v[k]\n"
    "  end\n"
    "  parts[#parts + 1] = cjson.encode(p)\n"
    "end\n"
    "return parts\n";

/* A 400's [{row, message}] as "row N (Label L): message; …", naming the
 * object of the operation each row is about; NULL when it is not one. */
static const char rows_text[] =
    "local cjson, answer, body = ...\n"
    "local ok, rows = pcall(cjson.decode, answer)\n"
    "if not ok or type(rows) ~= 'table' or rows[1] == nil then return nil end\n"
    "local ok2, objs = pcall(cjson.decode, body)\n"
    "local out = {}\n"
    "for _, r in ipairs(rows) do\n"
    "  if type(r) ~= 'table' then return nil end\n"
    "  local row = math.tointeger(r.row)\n"
    "  local o = ok2 and row and type(objs) == 'table' and objs[row + 1]\n"
    "  local label = type(o) == 'table' and (o.Label or o.Tag or o.PackageLabel)\n"
    "  out[#out + 1] = 'row ' .. tostring(row) .. (type(label) == 'string' and\n"
    "    (' (' .. label .. ')') or '') .. ': ' .. tostring(r.message)\n"
    "end\n"
    "return table.concat(out, '; ')\n";

static lua_State *json_state(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        return NULL;
    }
    luaL_requiref(L, "_G", luaopen_base, 1);
    luaL_requiref(L, "string", luaopen_string, 1);
    luaL_requiref(L, "math", luaopen_math, 1);
    luaL_requiref(L, "table", luaopen_table, 1);
    luaL_requiref(L, "cjson", luaopen_cjson, 1);
    lua_settop(L, 0);
    return L;
}

/* Run chunk with cjson and the string arguments: the results stay on the
 * stack (nresults), or -1 with err. */
static int call(lua_State *L, const char *chunk, size_t len, const char *name, int nargs,
                const char *const *args, lua_Integer extra, int nresults, ed_buf *err)
{
    if (luaL_loadbuffer(L, chunk, len, name) != LUA_OK) {
        ed_buf_printf(err, "%s: %s", name, lua_tostring(L, -1));
        return -1;
    }
    lua_getglobal(L, "cjson");
    for (int i = 0; i < nargs; i++) {
        lua_pushstring(L, args[i]);
    }
    lua_pushinteger(L, extra);
    if (lua_pcall(L, nargs + 2, nresults, 0) != LUA_OK) {
        ed_buf_printf(err, "%s: %s", name, lua_tostring(L, -1));
        return -1;
    }
    return 0;
}

static int method_ok(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0;
}

int ed_metrc_outbox_queue(ed_store *s, const char *tenant, const char *license,
                          const char *method, const char *path, const char *body,
                          const char *key, int max_objects, ed_buf *err)
{
    if (!method_ok(method)) {
        ed_buf_printf(err, "outbox: method %s: POST, PUT or DELETE", method);
        return -1;
    }
    if (path[0] != '/' || strchr(path, '?')) {
        ed_buf_printf(err, "outbox: path %s: begins with / and has no query (the licence "
                           "is added)", path);
        return -1;
    }
    if (key == NULL || *key == '\0') {
        ed_buf_puts(err, "outbox: an operation needs a key");
        return -1;
    }
    lua_State *L = json_state();
    if (L == NULL) {
        ed_buf_puts(err, "out of memory");
        return -1;
    }
    const char *args[1] = {body};
    int queued = 0;
    if (call(L, split_body, sizeof split_body - 1, "=outbox-split", 1, args,
             max_objects > 0 && max_objects <= 10 ? max_objects : 10, 2, err) != 0) {
        queued = -1;
    } else if (lua_isnil(L, 1)) {
        ed_buf_printf(err, "outbox %s: %s", key, lua_tostring(L, 2));
        queued = -1;
    }
    lua_Integer parts = queued == 0 ? luaL_len(L, 1) : 0;
    for (lua_Integer i = 1; i <= parts && queued >= 0; i++) {
        lua_rawgeti(L, 1, i);
        ed_buf k = {0};
        if (i == 1) {
            ed_buf_puts(&k, key);
        } else {
            ed_buf_printf(&k, "%s#%lld", key, (long long)i);
        }
        ed_outbox_op op = {tenant, k.data, license, method, path, lua_tostring(L, -1),
                           "pending", "", "", 0};
        int rc = ed_store_outbox_add(s, &op, err);
        queued = rc < 0 ? -1 : queued + rc;
        ed_buf_free(&k);
        lua_pop(L, 1);
    }
    lua_close(L);
    return queued;
}

int ed_metrc_outbox_add(ed_metrc *m, ed_store *s, const char *tenant, const char *license,
                        const char *method, const char *path, const char *body,
                        const char *key, ed_buf *err)
{
    return ed_metrc_outbox_queue(s, tenant, license, method, path, body, key,
                                 ed_metrc_cfg(m)->max_objects, err);
}

/* An outbox request's body -> licence, method, path, key (false when
 * none), the objects as JSON; or nil and what is wrong, by JSON pointer. */
static const char parse_request[] =
    "local cjson, body = ...\n"
    "local ok, v = pcall(cjson.decode, body)\n"
    "if not ok or type(v) ~= 'table' or v[1] ~= nil then return nil, 'the body is not a JSON object' end\n"
    "local function str(k) local x = v[k] if type(x) == 'string' and x ~= '' and not x:find('[\\r\\n]') then return x end end\n"
    "if not str('license') then return nil, '/license: the licence number, a string' end\n"
    "if not str('path') then return nil, '/path: a Metrc path such as /packages/v2/adjust' end\n"
    "if v.method ~= nil and not str('method') then return nil, '/method: POST, PUT or DELETE' end\n"
    "if v.key ~= nil and not str('key') then return nil, '/key: a string' end\n"
    "if type(v.objects) ~= 'table' then return nil, '/objects: a JSON array of objects' end\n"
    "return v.license, v.method or 'POST', v.path, v.key or false, cjson.encode(v.objects)\n";

int ed_metrc_op_parse(const char *body, size_t len, ed_metrc_op_request *out, ed_buf *err)
{
    memset(out, 0, sizeof *out);
    lua_State *L = json_state();
    if (L == NULL) {
        ed_buf_puts(err, "out of memory");
        return -1;
    }
    int rc = -1;
    if (luaL_loadbuffer(L, parse_request, sizeof parse_request - 1, "=outbox-request") ==
        LUA_OK) {
        lua_getglobal(L, "cjson");
        lua_pushlstring(L, body ? body : "", body ? len : 0);
        if (lua_pcall(L, 2, 5, 0) == LUA_OK) {
            if (lua_isnil(L, 1)) {
                ed_buf_puts(err, lua_tostring(L, 2));
            } else {
                out->license = strdup(lua_tostring(L, 1));
                out->method = strdup(lua_tostring(L, 2));
                out->path = strdup(lua_tostring(L, 3));
                out->key = lua_isstring(L, 4) ? strdup(lua_tostring(L, 4)) : NULL;
                out->objects = strdup(lua_tostring(L, 5));
                rc = 0;
            }
        } else {
            ed_buf_puts(err, "the body could not be read");
        }
    }
    lua_close(L);
    return rc;
}

void ed_metrc_op_free(ed_metrc_op_request *r)
{
    free(r->license);
    free(r->method);
    free(r->path);
    free(r->key);
    free(r->objects);
    memset(r, 0, sizeof *r);
}

typedef struct pushing {
    ed_store *s;
    lua_State *L;
    ed_metrc_push_report *rep;
    int store_failed;
    ed_buf *err;
} pushing;

typedef struct sent {
    pushing *p;
    char *tenant, *key, *body;
} sent;

static void mark(pushing *p, sent *x, const char *state, const char *message)
{
    ed_buf e = {0};
    if (ed_store_outbox_mark(p->s, x->tenant, x->key, state, message, &e) != 0) {
        p->store_failed = 1;
        if (p->err->len == 0) {
            ed_buf_puts(p->err, e.data);
        }
    }
    ed_buf_free(&e);
}

static void push_done(void *arg, const ed_metrc_answer *a)
{
    sent *x = arg;
    pushing *p = x->p;
    if (a->error == NULL) {
        ed_buf msg = {0};
        ed_buf_append(&msg, a->body, a->len > 4000 ? 4000 : a->len);
        mark(p, x, "sent", msg.data ? msg.data : "");
        ed_buf_free(&msg);
        p->rep->sent++;
    } else if (a->status >= 400 && a->status < 500 && a->status != 429) {
        /* Metrc refused it: sending it again would be refused again */
        ed_buf msg = {0};
        const char *args[2] = {a->body, x->body};
        ed_buf ignored = {0};
        lua_settop(p->L, 0);
        if (a->status == 400 &&
            call(p->L, rows_text, sizeof rows_text - 1, "=outbox-rows", 2, args, 0, 1,
                 &ignored) == 0 &&
            lua_isstring(p->L, -1)) {
            ed_buf_printf(&msg, "%s: HTTP 400: %s", a->endpoint, lua_tostring(p->L, -1));
        } else {
            ed_buf_puts(&msg, a->error);
        }
        lua_settop(p->L, 0);
        ed_buf_free(&ignored);
        mark(p, x, "dead", msg.data);
        ed_buf_free(&msg);
        p->rep->dead++;
    } else {
        mark(p, x, "pending", a->error);
        p->rep->retry++;
    }
    free(x->tenant);
    free(x->key);
    free(x->body);
    free(x);
}

typedef struct collect {
    const char *license; /* NULL: every licence */
    ed_outbox_op *ops;
    size_t n;
} collect;

static int keep_op(void *arg, const ed_outbox_op *op)
{
    collect *c = arg;
    if (c->license && strcmp(c->license, op->license) != 0) {
        return 0;
    }
    ed_outbox_op *grown = realloc(c->ops, (c->n + 1) * sizeof *grown);
    if (grown == NULL) {
        abort();
    }
    c->ops = grown;
    ed_outbox_op *o = &c->ops[c->n++];
    memset(o, 0, sizeof *o);
    o->tenant = strdup(op->tenant);
    o->key = strdup(op->key);
    o->license = strdup(op->license);
    o->method = strdup(op->method);
    o->path = strdup(op->path);
    o->body = strdup(op->body);
    return 0;
}

int ed_metrc_outbox_push(ed_metrc *m, ed_store *s, const char *tenant, const char *license,
                         ed_metrc_push_report *report, ed_buf *err)
{
    memset(report, 0, sizeof *report);
    collect c = {license, NULL, 0};
    if (ed_store_outbox_each(s, tenant, "pending", keep_op, &c, err) != 0) {
        return -1;
    }
    lua_State *L = json_state();
    if (L == NULL) {
        abort();
    }
    pushing p = {s, L, report, 0, err};
    for (size_t i = 0; i < c.n; i++) {
        ed_outbox_op *o = &c.ops[i];
        sent *x = calloc(1, sizeof *x);
        if (x == NULL) {
            abort();
        }
        x->p = &p;
        x->tenant = strdup(o->tenant);
        x->key = strdup(o->key);
        x->body = strdup(o->body);
        char *lic = ed_metrc_escape(o->license);
        ed_buf path = {0};
        ed_buf_printf(&path, "%s?licenseNumber=%s", o->path, lic);
        free(lic);
        ed_buf e = {0};
        if (ed_metrc_request(m, o->method, path.data, o->license, o->body, o->key, push_done,
                             x, &e) != 0) {
            ed_metrc_answer a = {path.data, 0, "", 0, e.data, 0};
            push_done(x, &a);
        }
        ed_buf_free(&e);
        ed_buf_free(&path);
    }
    ed_metrc_wait(m);
    lua_close(L);
    for (size_t i = 0; i < c.n; i++) {
        free((char *)c.ops[i].tenant);
        free((char *)c.ops[i].key);
        free((char *)c.ops[i].license);
        free((char *)c.ops[i].method);
        free((char *)c.ops[i].path);
        free((char *)c.ops[i].body);
    }
    free(c.ops);
    return p.store_failed ? -1 : 0;
}
