/*
 * admin_diff.c — POST /v1/admin/diff's work (decider.h,
 * ed_decider_admin_diff): read the request, build the "to" packs off to
 * the side, find each event's journaled decision by the event id the
 * store keeps beside it, and compare through diff.c. Nothing is journaled.
 */
#define _GNU_SOURCE /* memmem */
#define admin_diff_c

#include "decider.h"
#include "evaluator.h"
#include "decide.h"
#include "diff.h"

#include "engine/context.h"
#include "engine/event.h"
#include "engine/json.h"
#include "util/jsonstr.h"
#include "util/utf8.h"
#include "util/fsutil.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the handler works with. */
typedef struct admin {
    lua_State *intake;
    ed_decider *d;
    const ed_admin_diff_env *env;
} admin;

typedef struct diff_body {
    const char *body;
    size_t body_len;
} diff_body;

static void answer_error(ed_answer *res, int status, const char *code, const char *message)
{
    res->status = status;
    ed_buf_reset(&res->body);
    ed_json_error(&res->body, code, message);
}


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
 * admin reload: a rare request, not a hot path. The journal is read there;
 * with env->isolate the rest (the "to" packs' code, every rule of both
 * sides) runs in a process of its own, as serve's evaluations do.
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
static int diff_read_request(admin *w, const diff_body *req, diff_request *dr,
                             ed_answer *res)
{
    static const char *const known[] = {"tenant", "to", "events", "tenants_dir",
                                        "limit"};
    lua_State *L = w->intake;
    ed_buf err = {0};
    size_t bad;
    if (!ed_utf8_valid(req->body, req->body_len, &bad)) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is not UTF-8 at byte offset %zu", bad);
        answer_error(res, 400, "bad_json", msg);
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
        answer_error(res, 400, "bad_json", msg.data);
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
            const char *dir = w->env->default_tenants_dir;
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
            ed_buf why = {0};
            long n = ed_decider_decode_list(w->d, text, len, &why);
            if (n < 0) {
                answer_error(res, 400, "bad_json", why.data);
                ed_buf_free(&why);
                lua_settop(L, body - 1);
                ed_buf_free(&msg);
                return -1;
            }
            ed_buf_free(&why);
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
        answer_error(res, 400, "bad_request", problem);
        ed_buf_free(&msg);
        lua_settop(L, body - 1);
        return -1;
    }
    ed_buf_free(&msg);
    if ((size_t)dr->n_events > w->env->max_events) {
        char text[128];
        snprintf(text, sizeof text, "%ld events are over the limit of %zu", dr->n_events,
                 w->env->max_events);
        answer_error(res, 413, "batch_too_large", text);
        lua_settop(L, body - 1);
        return -1;
    }
    /* keep only the list of events */
    lua_replace(L, body);
    lua_settop(L, body);
    return 0;
}

/* Answer 422 with the diagnostics as a list of "file:line: message". */
static void diff_refuse_packs(ed_answer *res, const char *code, const char *message,
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
static ed_catalog *diff_to_catalog(admin *w, const diff_request *dr, ed_answer *res)
{
    ed_diags d = {0};
    ed_catalog *cat = ed_catalog_load(w->env->limits, dr->to, dr->n_to,
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

static int diff_lookup_entry(void *arg, const ed_entry *e)
{
    diff_lookup *a = arg;
    /* decisions only (a reload record has no decision id), found by the
     * event id the host wrote beside each one */
    if (e->bytes == NULL || e->decision_id[0] == '\0') {
        return 0;
    }
    a->decisions++;
    lua_State *L = a->L;
    lua_pushstring(L, e->event_id);
    if (lua_rawget(L, a->ids) == LUA_TNUMBER) {
        lua_Integer slot = lua_tointeger(L, -1);
        ed_buf_reset(&a->found[slot]);
        ed_buf_append(&a->found[slot], e->bytes, e->len);
        a->seen_at[slot] = a->decisions;
    }
    lua_pop(L, 1);
    return 0;
}

/* What the comparison needs once the journal has been read: everything
 * in it is the caller's memory, which a forked process sees as it was. */
typedef struct comparison {
    admin *w;
    diff_request *dr;
    int events;                 /* the list's index on the intake stack */
    long n;
    lua_Integer *slot_of;
    unsigned long long *seen_at;
    ed_buf *found;
    unsigned long long decisions;
    const ed_catalog *serving;
    unsigned long gen_id;
} comparison;

/* Build the "to" packs and decide every event under both: where tenants'
 * and the admin's pack code runs. Fills res. */
static void compare(comparison *cmp, ed_answer *res)
{
    admin *w = cmp->w;
    diff_request *dr = cmp->dr;
    lua_State *L = w->intake;
    ed_catalog *to = diff_to_catalog(w, dr, res);
    if (to == NULL) {
        return;
    }
    ed_diff_options opt = {dr->tenant, NULL, ED_DIFF_JSON};
    ed_buf out = {0}, err = {0};
    long from_journal = 0, from_generation = 0;
    ed_differ *df = ed_differ_new(cmp->serving, to, &opt, &err);
    if (df == NULL) {
        answer_error(res, 500, "internal", err.len ? err.data : "cannot compare");
        goto done;
    }
    for (long i = 0; i < cmp->n; i++) {
        lua_Integer s = cmp->slot_of[i];
        /* the event's latest decision, when it is among the last `limit` */
        int journaled = s > 0 && cmp->seen_at[s] > 0 &&
                        cmp->seen_at[s] + (unsigned long long)dr->limit > cmp->decisions;
        lua_rawgeti(L, cmp->events, i + 1);
        ed_buf_reset(&err);
        ed_diff_result r = ed_differ_event(df, L, "index", i,
                                           journaled ? cmp->found[s].data : NULL,
                                           journaled ? cmp->found[s].len : 0, &out, &err);
        if (r == ED_DIFF_HOST_FAILURE) {
            answer_error(res, 500, "diff_failed", err.len ? err.data : "diff failed");
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
    ed_json_escape(&res->body, dr->tenant, strlen(dr->tenant));
    ed_buf_printf(&res->body, ",\"generation\":%lu,\"events\":%ld,\"changed\":%ld,"
                  "\"unchanged\":%ld,\"refused\":%ld,\"from_journal\":%ld,"
                  "\"from_generation\":%ld,\"summary\":", cmp->gen_id, c->events, c->changed,
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
    ed_catalog_free(to);
    ed_buf_free(&out);
    ed_buf_free(&err);
}

/* compare() in an evaluator process: the answer comes back as
 * "<status>\n<body>". */
static int compare_apart(void *arg, ed_buf *out)
{
    ed_answer res;
    memset(&res, 0, sizeof res);
    compare(arg, &res);
    ed_buf_printf(out, "%d\n", res.status);
    ed_buf_append(out, res.body.data ? res.body.data : "", res.body.len);
    ed_buf_free(&res.body);
    return 0;
}

int ed_decider_admin_diff(ed_decider *d, const ed_admin_diff_env *env, const char *body,
                          size_t len, ed_answer *res)
{
    admin aw = {ed_decider_intake(d), d, env};
    admin *w = &aw;
    diff_body rq = {body, len};
    lua_State *L = w->intake;
    int top = lua_gettop(L);
    diff_request dr;
    memset(&dr, 0, sizeof dr);
    if (diff_read_request(w, &rq, &dr, res) != 0) {
        diff_request_free(&dr);
        lua_settop(L, top);
        return res->status;
    }
    int events = lua_gettop(L);

    /* each event's slot: the events asked about, by id (one slot per id) */
    long n = dr.n_events;
    lua_Integer *slot_of = calloc((size_t)n + 1, sizeof *slot_of);
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

    /* the journaled decisions, read here (a forked process must not touch
     * the store): only this tenant's chain is read */
    diff_lookup look = {L, ids, 0, seen_at, found, {0}};
    uint64_t head = 0;
    FILE *devnull = fopen("/dev/null", "w");
    int walked = ed_store_walk(w->env->store, dr.tenant, NULL, diff_lookup_entry, &look,
                               &head, devnull ? devnull : stderr);
    if (devnull) {
        fclose(devnull);
    }
    ed_buf_free(&look.err);
    lua_settop(L, events);

    comparison cmp = {w, &dr, events, n, slot_of, seen_at, found, look.decisions, NULL, 0};
    cmp.gen_id = ed_decider_refresh(w->d);
    cmp.serving = ed_decider_catalog(w->d);
    if (walked == 1) {
        answer_error(res, 500, "journal_broken", "the tenant's journal does not verify "
                     "(see GET /v1/audit/verify); nothing was compared");
    } else if (env->isolate) {
        /* the "to" packs' code and every rule run apart, as serve's rules
         * do: a crash costs this answer, not the server */
        ed_buf got = {0};
        int rc = ed_evaluator_call(compare_apart, &cmp, env->deadline_s, &got);
        char *nl = got.data ? memchr(got.data, '\n', got.len) : NULL;
        if (rc != 0 || nl == NULL) {
            while (got.len && got.data[got.len - 1] == '\n') {
                got.data[--got.len] = '\0';
            }
            answer_error(res, 500, "diff_failed", got.len ? got.data : "the comparison failed");
        } else {
            res->status = atoi(got.data);
            ed_buf_append(&res->body, nl + 1, got.len - (size_t)(nl + 1 - got.data));
        }
        ed_buf_free(&got);
    } else {
        compare(&cmp, res);
    }
    for (long i = 0; i <= n; i++) {
        ed_buf_free(&found[i]);
    }
    free(found);
    free(seen_at);
    free(slot_of);
    diff_request_free(&dr);
    lua_settop(L, top);
    return res->status;
}
