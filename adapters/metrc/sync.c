/*
 * sync.c — `edict metrc sync` (metrc.h, ed_metrc_sync): every list of
 * every resource, window by window of lastModified (at most 24 hours
 * each: Metrc refuses longer), page by page (pageSize 20, the most Metrc
 * allows). The first page of each window says how many pages there are;
 * the rest are queued at once, and the client's limiter decides how many
 * fly together. Pages are decoded with lua-cjson in a host state of this
 * run's own (no rule code runs in it) and stored as they arrive.
 */
#define _DEFAULT_SOURCE

#include "metrc.h"

#include "util/jsonstr.h"

#include <lauxlib.h>
#include <lua-cjson.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ed_metrc_resource_names[ED_METRC_RESOURCES] = {
    "packages", "plants", "plantbatches", "harvests", "transfers"};

/* The lists of each resource a sync reads: active ones and inactive ones
 * (FACTS §1's table; transfers are listed by direction). */
static const char *const lists[ED_METRC_RESOURCES][4] = {
    {"active", "inactive", NULL},
    {"vegetative", "flowering", "inactive", NULL},
    {"active", "inactive", NULL},
    {"active", "inactive", NULL},
    {"incoming", "outgoing", NULL},
};

/* A page's body -> rows {id, label, lastModified, json} and TotalPages,
 * or nil and what is wrong with it. Bare arrays are one page. */
static const char decode_page[] =
    "local cjson, body = ...\n"
    "local ok, v = pcall(cjson.decode, body)\n"
    "if not ok then return nil, 'the answer is not JSON' end\n"
    "local rows, pages\n"
    "if type(v) ~= 'table' then return nil, 'the answer is not a list' end\n"
    "if v.Data ~= nil then\n"
    "  if type(v.Data) ~= 'table' then return nil, 'Data is not a list' end\n"
    "  rows, pages = v.Data, math.tointeger(v.TotalPages)\n"
    "  if pages == nil or pages < 0 or pages > 100000 then\n"
    "    return nil, 'a paged answer without a sound TotalPages' end\n"
    "elseif next(v) == nil or v[1] ~= nil then rows, pages = v, 1\n"
    "else return nil, 'neither a list nor {Data, TotalPages}' end\n"
    "local out = {}\n"
    "for i, o in ipairs(rows) do\n"
    "  if type(o) ~= 'table' then return nil, 'row ' .. i .. ' is not an object' end\n"
    "  local id = o.Id\n"
    "  if type(id) == 'number' then id = math.tointeger(id) and string.format('%d', math.tointeger(id)) end\n"
    "  if type(id) ~= 'string' or id == '' then return nil, 'row ' .. i .. ' has no Id' end\n"
    "  out[i] = {id, type(o.Label) == 'string' and o.Label or '',\n"
    "            type(o.LastModified) == 'string' and o.LastModified or '', cjson.encode(o)}\n"
    "end\n"
    "return out, pages\n";

typedef struct run {
    ed_metrc *m;
    ed_store *s;
    const char *tenant, *license;
    lua_State *L;
    ed_metrc_sync_report *rep;
    int store_failed;
    ed_buf *err;
} run;

typedef struct page {
    run *r;
    int res;
    const char *list;
    char start[32], end[32];
    int number;
} page;

static void fetch(run *r, int res, const char *list, const char *start, const char *end,
                  int number);

static void error_line(run *r, const char *text)
{
    r->rep->errors++;
    ed_buf_printf(&r->rep->error_text, "%s\n", text);
}

static int store_rows(lua_State *L)
{
    /* rows at 1, run at upvalue via light userdata 2, res 3 */
    run *r = lua_touserdata(L, 2);
    int res = (int)lua_tointeger(L, 3);
    lua_Integer n = luaL_len(L, 1);
    ed_metrc_object *o = calloc((size_t)n + 1, sizeof *o);
    if (o == NULL) {
        return luaL_error(L, "out of memory");
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        const char *f[4];
        size_t len[4];
        for (int k = 0; k < 4; k++) {
            lua_rawgeti(L, -1 - k, k + 1);
            f[k] = lua_tolstring(L, -1, &len[k]);
        }
        o[i - 1] = (ed_metrc_object){ed_metrc_resource_names[res], f[0], f[1], f[2], f[3],
                                     len[3]};
        lua_pop(L, 4); /* the strings stay reachable from the row table */
        lua_pop(L, 1);
    }
    /* the row tables stay reachable from rows at 1 while the store runs */
    int rc = ed_store_metrc_put(r->s, r->tenant, r->license, o, (size_t)n, r->err);
    free(o);
    lua_pushboolean(L, rc == 0);
    return 1;
}

static void page_done(void *arg, const ed_metrc_answer *a)
{
    page *p = arg;
    run *r = p->r;
    if (a->error) {
        error_line(r, a->error);
        free(p);
        return;
    }
    lua_State *L = r->L;
    int top = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, decode_page);
    lua_getglobal(L, "cjson");
    lua_pushlstring(L, a->body, a->len);
    if (lua_pcall(L, 2, 2, 0) != LUA_OK || lua_isnil(L, -2)) {
        ed_buf e = {0};
        ed_buf_printf(&e, "%s: %s", a->endpoint,
                      lua_isstring(L, -1) ? lua_tostring(L, -1) : "the answer could not be read");
        error_line(r, e.data);
        ed_buf_free(&e);
        lua_settop(L, top);
        free(p);
        return;
    }
    lua_Integer pages = lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_Integer n = luaL_len(L, -1);
    lua_pushcfunction(L, store_rows);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, r);
    lua_pushinteger(L, p->res);
    if (lua_pcall(L, 3, 1, 0) != LUA_OK || !lua_toboolean(L, -1)) {
        r->store_failed = 1;
        if (r->err->len == 0) {
            ed_buf_printf(r->err, "storing %s: %s", a->endpoint,
                          lua_isstring(L, -1) ? lua_tostring(L, -1) : "failed");
        }
    } else {
        r->rep->counts[p->res] += (size_t)n;
    }
    lua_settop(L, top);
    r->rep->pages++;
    if (p->number == 1 && !r->store_failed) {
        for (lua_Integer k = 2; k <= pages; k++) {
            fetch(r, p->res, p->list, p->start, p->end, (int)k);
        }
    }
    free(p);
}

static void fetch(run *r, int res, const char *list, const char *start, const char *end,
                  int number)
{
    page *p = calloc(1, sizeof *p);
    if (p == NULL) {
        abort();
    }
    p->r = r;
    p->res = res;
    p->list = list;
    snprintf(p->start, sizeof p->start, "%s", start);
    snprintf(p->end, sizeof p->end, "%s", end);
    p->number = number;
    ed_buf path = {0};
    char *lic = ed_metrc_escape(r->license);
    ed_buf_printf(&path, "/%s/v2/%s?licenseNumber=%s&lastModifiedStart=%s&lastModifiedEnd=%s"
                         "&pageSize=%d&pageNumber=%d",
                  ed_metrc_resource_names[res], list, lic, start, end,
                  ed_metrc_cfg(r->m)->page_size, number);
    free(lic);
    ed_buf e = {0};
    if (ed_metrc_request(r->m, "GET", path.data, r->license, NULL, NULL, page_done, p, &e) !=
        0) {
        error_line(r, e.data);
        free(p);
    }
    ed_buf_free(&e);
    ed_buf_free(&path);
}

static void iso(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ed_metrc_sync(ed_metrc *m, ed_store *s, const char *tenant, const char *license,
                  time_t since, time_t until, ed_metrc_sync_report *report, ed_buf *err)
{
    memset(report, 0, sizeof *report);
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        ed_buf_puts(err, "out of memory");
        return -1;
    }
    luaL_requiref(L, "_G", luaopen_base, 1);
    luaL_requiref(L, "string", luaopen_string, 1);
    luaL_requiref(L, "math", luaopen_math, 1);
    luaL_requiref(L, "cjson", luaopen_cjson, 1);
    lua_settop(L, 0);
    if (luaL_loadbuffer(L, decode_page, sizeof decode_page - 1, "=metrc-page") != LUA_OK) {
        ed_buf_printf(err, "metrc sync: %s", lua_tostring(L, -1));
        lua_close(L);
        return -1;
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, decode_page);
    run r = {m, s, tenant, license, L, report, 0, err};
    char started[32];
    iso(time(NULL), started);
    double slice = 3600.0 * ed_metrc_cfg(m)->window_hours;
    for (int res = 0; res < ED_METRC_RESOURCES; res++) {
        for (int k = 0; lists[res][k]; k++) {
            for (time_t from = since; from < until; from += (time_t)slice) {
                time_t to = from + (time_t)slice < until ? from + (time_t)slice : until;
                char a[32], b[32];
                iso(from, a);
                iso(to, b);
                fetch(&r, res, lists[res][k], a, b, 1);
            }
        }
    }
    ed_metrc_wait(m);
    lua_close(L);
    char finished[32], from_s[32], to_s[32];
    iso(time(NULL), finished);
    iso(since, from_s);
    iso(until, to_s);
    ed_buf line = {0};
    ed_buf_puts(&line, "{\"license\":");
    ed_json_escape(&line, license, strlen(license));
    ed_buf_printf(&line, ",\"started\":\"%s\",\"finished\":\"%s\",\"since\":\"%s\","
                         "\"until\":\"%s\",\"counts\":{",
                  started, finished, from_s, to_s);
    for (int res = 0; res < ED_METRC_RESOURCES; res++) {
        ed_buf_printf(&line, "%s\"%s\":%zu", res ? "," : "", ed_metrc_resource_names[res],
                      report->counts[res]);
    }
    ed_buf_printf(&line, "},\"pages\":%zu,\"errors\":[", report->pages);
    const char *e = report->error_text.data;
    for (int first = 1; e && *e; first = 0) {
        const char *nl = strchr(e, '\n');
        size_t n = nl ? (size_t)(nl - e) : strlen(e);
        ed_buf_puts(&line, first ? "" : ",");
        ed_json_escape(&line, e, n);
        e += n + (nl != NULL);
    }
    ed_buf_puts(&line, "]}");
    int rc = r.store_failed ? -1 : report->errors ? 1 : 0;
    ed_buf logerr = {0};
    if (ed_store_metrc_log(s, tenant, license, line.data, &logerr) != 0) {
        if (err->len == 0) {
            ed_buf_printf(err, "the sync log: %s", logerr.data);
        }
        rc = -1;
    }
    ed_buf_free(&logerr);
    ed_buf_free(&line);
    return rc;
}
