/*
 * cmd_report.c — `edict report monthly`: a tenant's month from its
 * journal, for a compliance manager (README, "Reports"). The chain is
 * walked (and so verified) once; each decision of the month and each
 * evidence upload goes to report_monthly.lua (embedded, report.h), which
 * adds them up, then the store's Metrc data (sync log, outbox, the mirror's
 * packages of the licences the month names) to reconcile against, and
 * renders JSON, CSV, Markdown or one HTML page.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#define cmd_report_c

#include "cli.h"
#include "report.h"

#include "engine/json.h"
#include "store/store.h"

#include <getopt.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: edict report monthly --tenant T --period YYYY-MM [--format F]\n"
    "                            [--as-of DATE] [--out FILE] [--store S]\n"
    "\n"
    "monthly  the tenant's month from its journal: decisions per jurisdiction\n"
    "         by flag, by rule and per day; the obligations they raised with\n"
    "         their due dates (overdue as of --as-of, default today); the\n"
    "         waste decisions and their findings; the waivers; the evidence\n"
    "         uploaded; per licence, the month reconciled with the Metrc data\n"
    "         in the store (waste writes against the outbox, the packages the\n"
    "         events name against the synced mirror; \"not reconciled\" where\n"
    "         there is none). A decision belongs to the month of its\n"
    "         occurred_at (as the event wrote it); an upload to the month it\n"
    "         was made.\n"
    "\n"
    "options:\n"
    "  --format F   html (one self-contained page with tables and bar\n"
    "               charts, for reading and printing; the default), md, json,\n"
    "               or csv (the findings by rule, then the reconciliation)\n"
    "  --out FILE   write there instead of standard output\n"
    "  --store S    the journal: a folder, or postgres://user@host:port/db\n"
    "               (default as `edict audit`); --journal DIR is the same\n"
    "\n"
    "exit status: 0; 1 when the tenant's chain does not verify, its Metrc data\n"
    "cannot be read, or the report cannot be written; 64 on a usage error.\n";

typedef struct walk_arg {
    lua_State *L;
    const char *period;   /* YYYY-MM */
    int failed;
} walk_arg;

/* R[fn](bytes[, event]) for an entry of the month */
static int call(lua_State *L, const char *fn, const char *bytes, size_t len, const char *event,
                size_t event_len)
{
    lua_getfield(L, 1, fn);
    lua_pushlstring(L, bytes, len);
    if (event) {
        lua_pushlstring(L, event, event_len);
    } else {
        lua_pushnil(L);
    }
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        fprintf(stderr, "edict: report: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

static int visit(void *arg, const ed_entry *e)
{
    walk_arg *a = arg;
    if (e->bytes == NULL || strncmp(e->occurred_at, a->period, 7) != 0) {
        return 0;
    }
    int rc = 0;
    if (e->decision_id[0]) {
        rc = call(a->L, "decision", e->bytes, e->len, e->event, e->event_len);
    } else if (strcmp(e->type, "edict.evidence") == 0) {
        rc = call(a->L, "upload", e->bytes, e->len, NULL, 0);
    }
    if (rc != 0) {
        a->failed = 1;
        return -1;
    }
    return 0;
}

/* The store's Metrc data, to R: each visitor calls R[fn] with what it got;
 * a Lua error is kept in failed (the store's walk then stops). */
typedef struct metrc_arg {
    lua_State *L;
    const char *license;
    int failed;
} metrc_arg;

static int metrc_call(metrc_arg *a, int nargs)
{
    if (lua_pcall(a->L, nargs, 0, 0) != LUA_OK) {
        fprintf(stderr, "edict: report: %s\n", lua_tostring(a->L, -1));
        lua_pop(a->L, 1);
        a->failed = 1;
        return 1;
    }
    return 0;
}

static int on_sync(void *arg, const char *json)
{
    metrc_arg *a = arg;
    lua_getfield(a->L, 1, "sync");
    lua_pushstring(a->L, json);
    return metrc_call(a, 1);
}

static int on_outbox(void *arg, const ed_outbox_op *op)
{
    metrc_arg *a = arg;
    lua_getfield(a->L, 1, "outbox");
    lua_pushstring(a->L, op->key);
    lua_pushstring(a->L, op->license ? op->license : "");
    lua_pushstring(a->L, op->state ? op->state : "");
    lua_pushstring(a->L, op->message ? op->message : "");
    lua_pushstring(a->L, op->path ? op->path : "");
    return metrc_call(a, 5);
}

static int on_package(void *arg, const char *id, const char *label, const char *json)
{
    metrc_arg *a = arg;
    lua_getfield(a->L, 1, "mirror");
    lua_pushstring(a->L, a->license);
    lua_pushstring(a->L, json);
    return metrc_call(a, 2);
}

/* Hand R the tenant's sync log and outbox, then the mirror's packages of
 * each licence R.mirrored() names. 0, or -1 (said on stderr). */
static int metrc_data(lua_State *L, ed_store *store, const char *tenant)
{
    metrc_arg a = {L, NULL, 0};
    ed_buf err = {0};
    int rc = ed_store_metrc_log_each(store, tenant, on_sync, &a, &err);
    if (rc == 0 && !a.failed) {
        rc = ed_store_outbox_each(store, tenant, NULL, on_outbox, &a, &err);
    }
    if (rc == 0 && !a.failed) {
        lua_getfield(L, 1, "mirrored");
        if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
            fprintf(stderr, "edict: report: %s\n", lua_tostring(L, -1));
            lua_pop(L, 1);
            a.failed = 1;
        } else {
            lua_Integer n = luaL_len(L, -1);
            for (lua_Integer i = 1; i <= n && rc == 0 && !a.failed; i++) {
                lua_geti(L, -1, i);
                a.license = lua_tostring(L, -1); /* kept alive by the list below */
                rc = ed_store_metrc_each(store, tenant, a.license, "packages", on_package, &a,
                                         &err);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "edict: report: the Metrc data of tenant %s: %s\n", tenant,
                err.data ? err.data : "cannot be read");
    }
    ed_buf_free(&err);
    return rc != 0 || a.failed ? -1 : 0;
}

static int period_ok(const char *p)
{
    return strlen(p) == 7 && p[4] == '-' && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' &&
           p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] >= '0' && p[3] <= '9' &&
           ((p[5] == '0' && p[6] >= '1' && p[6] <= '9') ||
            (p[5] == '1' && p[6] >= '0' && p[6] <= '2'));
}

int ed_cmd_report(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "monthly") != 0) {
        int help = argc >= 2 && strcmp(argv[1], "--help") == 0;
        fputs(usage, help ? stdout : stderr);
        return help ? ED_EXIT_OK : ED_EXIT_USAGE;
    }
    enum { O_TENANT = ED_OPT_OWN, O_PERIOD, O_FORMAT, O_AS_OF, O_OUT, O_JOURNAL, O_HELP };
    static const struct option options[] = {
        {"tenant", required_argument, 0, O_TENANT},
        {"period", required_argument, 0, O_PERIOD},
        {"format", required_argument, 0, O_FORMAT},
        {"as-of", required_argument, 0, O_AS_OF},
        {"out", required_argument, 0, O_OUT},
        {"journal", required_argument, 0, O_JOURNAL},
        {"store", required_argument, 0, O_JOURNAL},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *tenant = NULL, *period = NULL, *format = "html", *as_of = NULL, *out = NULL;
    const char *location = ed_store_default_location();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (opt) {
        case O_TENANT: tenant = optarg; break;
        case O_PERIOD: period = optarg; break;
        case O_FORMAT: format = optarg; break;
        case O_AS_OF: as_of = optarg; break;
        case O_OUT: out = optarg; break;
        case O_JOURNAL: location = optarg; break;
        case O_HELP: fputs(usage, stdout); return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    if (optind < argc - 1 || tenant == NULL || period == NULL) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    if (!period_ok(period)) {
        fprintf(stderr, "edict: --period takes a month YYYY-MM, not '%s'\n", period);
        return ED_EXIT_USAGE;
    }
    if (strcmp(format, "html") && strcmp(format, "md") && strcmp(format, "json") &&
        strcmp(format, "csv")) {
        fprintf(stderr, "edict: --format is html, md, json or csv, not '%s'\n", format);
        return ED_EXIT_USAGE;
    }
    char today[16], now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (as_of && (strlen(as_of) != 10 || as_of[4] != '-' || as_of[7] != '-')) {
        fprintf(stderr, "edict: --as-of takes a date YYYY-MM-DD, not '%s'\n", as_of);
        return ED_EXIT_USAGE;
    }
    ed_buf err = {0};
    ed_store_options so = {.mode = ED_STORE_READ};
    ed_store *store = ed_store_open(location, &so, &err);
    if (store == NULL) {
        fprintf(stderr, "edict: %s\n", err.data);
        ed_buf_free(&err);
        return ED_EXIT_HOST;
    }
    int rc = ED_EXIT_HOST;
    lua_State *L = ed_json_host_state();
    if (L == NULL) {
        fputs("edict: out of memory\n", stderr);
        goto done;
    }
    luaL_openlibs(L);
    if (luaL_loadbuffer(L, ed_report_monthly_lua, ed_report_monthly_lua_len,
                        "=report_monthly.lua") != LUA_OK ||
        lua_pcall(L, 0, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
        fprintf(stderr, "edict: report: %s\n", lua_tostring(L, -1));
        goto done;
    }
    lua_getfield(L, 1, "begin");
    lua_pushstring(L, tenant);
    lua_pushstring(L, period);
    lua_pushstring(L, as_of ? as_of : today);
    lua_pushstring(L, now);
    if (lua_pcall(L, 4, 0, 0) != LUA_OK) {
        fprintf(stderr, "edict: report: %s\n", lua_tostring(L, -1));
        goto done;
    }
    walk_arg a = {L, period, 0};
    FILE *quiet = fopen("/dev/null", "w");
    int wrc = ed_store_walk(store, tenant, NULL, visit, &a, NULL, quiet ? quiet : stderr);
    if (quiet) {
        fclose(quiet);
    }
    if (a.failed) {
        goto done;
    }
    if (wrc != 0 && wrc != 2) {
        fprintf(stderr, "edict: the journal of tenant %s does not verify: run `edict audit "
                        "verify --tenant %s`\n", tenant, tenant);
        goto done;
    }
    if (metrc_data(L, store, tenant) != 0) {
        goto done;
    }
    lua_getfield(L, 1, "render");
    lua_pushstring(L, format);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        fprintf(stderr, "edict: report: %s\n", lua_tostring(L, -1));
        goto done;
    }
    size_t n;
    const char *text = lua_tolstring(L, -1, &n);
    FILE *f = out ? fopen(out, "w") : stdout;
    if (f == NULL) {
        fprintf(stderr, "edict: %s: cannot write\n", out);
        goto done;
    }
    int ok = fwrite(text, 1, n, f) == n;
    ok &= (out ? fclose(f) : fflush(f)) == 0;
    if (!ok) {
        fprintf(stderr, "edict: writing the report failed\n");
        goto done;
    }
    rc = ED_EXIT_OK;
done:
    if (L) {
        lua_close(L);
    }
    ed_store_close(store);
    ed_buf_free(&err);
    return rc;
}
