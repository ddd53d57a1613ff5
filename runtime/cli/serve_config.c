/*
 * serve_config.c — reading the `edict serve` configuration (server/config.h)
 * for the CLI, which hands the server a filled ed_config.
 *
 * The file is Lua because analysts already write Lua, and a table with
 * comments reads better than JSON; it runs in a bare state (no libraries,
 * no globals but its own) under an instruction cap, so a config file can
 * compute a value but cannot touch anything.
 */
#define _POSIX_C_SOURCE 200809L
#define serve_config_c

#include "cli.h"

#include "server/config.h"
#include "store/store.h"
#include "util/fsutil.h"
#include "stdlib/hash.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_INSTRUCTIONS 1000000

void ed_config_defaults(ed_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->host = ed_strdup("127.0.0.1");
    cfg->port = 8080;
    /* Four workers per CPU: a worker waits in its journal commit before it
     * serves its next connection, so the syncs of single events overlap
     * only across workers (tests/bench/serve.sh, 8 connections on 2 CPUs:
     * 2 workers 2,551 requests/s, 4 workers 3,227, 8 workers 3,843). Each
     * holds its own tenant states, so at most 32. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->workers = cpus > 0 ? (int)(cpus < 8 ? 4 * cpus : 32) : 8;
    const char *home = ed_home();
    cfg->pack_dirs = calloc(2, sizeof *cfg->pack_dirs);
    if (cfg->pack_dirs == NULL) {
        abort();
    }
    cfg->pack_dirs[0] = ed_path_join(home, "rules");
    cfg->pack_dirs[1] = ed_path_join(home, "jurisdictions");
    cfg->n_pack_dirs = 2;
    cfg->tenants_dir = ed_path_join(home, "tenants");
    cfg->journal_dir = ed_strdup(ed_store_default_location());
    cfg->state_dir = ed_state_path("state");
    cfg->watch = 1;
    cfg->reload_debounce_s = 0.3;
    cfg->retention_sweep_s = 24 * 3600;
    cfg->deadline_alerts_s = 3600;
    cfg->deadline_alert_days = 7;
    cfg->jobs_poll_s = 30;
    cfg->packs_poll_s = 30;
    cfg->reload_runs_fixtures = 1;
    cfg->max_body_bytes = (size_t)1 << 20;
    cfg->max_evidence_bytes = (size_t)1 << 30;
    cfg->max_batch_events = 1000;
    cfg->max_connections = 1024;
    cfg->header_timeout_s = 10;
    cfg->body_timeout_s = 30;
    cfg->idle_timeout_s = 60;
    cfg->shutdown_grace_s = 10;
    cfg->idempotency_window_s = 24 * 3600;
    cfg->default_rate_per_minute = 100;
    cfg->default_burst = 20;
    cfg->isolate_rules = 1;
    cfg->metrc_waits = 2;
    cfg->evaluation_deadline_s = 30;
    cfg->limits.memory_bytes = ED_LIMIT_MEMORY_DEFAULT;
    cfg->limits.instructions = ED_LIMIT_INSTRUCTIONS_DEFAULT;
    cfg->limits.time_ms = ED_LIMIT_TIME_DEFAULT_MS;
}

/* ------------------------------------------------------------------ */
/* Reading fields                                                        */
/* ------------------------------------------------------------------ */

typedef struct reader {
    lua_State *L;
    const char *path;
    ed_buf *err;
    int problems;
} reader;

static void problem(reader *r, const char *field, const char *what)
{
    ed_buf_printf(r->err, "%s: %s: %s\n", r->path, field, what);
    r->problems++;
}

/* Push field `key` of the table at idx; returns its type (LUA_TNIL when
 * absent). */
static int field(reader *r, int idx, const char *key)
{
    return lua_getfield(r->L, idx, key);
}

static void read_string(reader *r, int idx, const char *key, const char *label,
                        char **out)
{
    int t = field(r, idx, key);
    if (t == LUA_TSTRING) {
        free(*out);
        *out = ed_strdup(lua_tostring(r->L, -1));
    } else if (t != LUA_TNIL) {
        problem(r, label, "expected a string");
    }
    lua_pop(r->L, 1);
}

static void read_number(reader *r, int idx, const char *key, const char *label,
                        double min, double max, double *out)
{
    int t = field(r, idx, key);
    if (t == LUA_TNUMBER) {
        double v = lua_tonumber(r->L, -1);
        if (!(v >= min && v <= max)) {
            ed_buf b = {0};
            ed_buf_printf(&b, "%g is out of range [%g, %g]", v, min, max);
            problem(r, label, b.data);
            ed_buf_free(&b);
        } else {
            *out = v;
        }
    } else if (t != LUA_TNIL) {
        problem(r, label, "expected a number");
    }
    lua_pop(r->L, 1);
}

static void read_bool(reader *r, int idx, const char *key, const char *label, int *out)
{
    int t = field(r, idx, key);
    if (t == LUA_TBOOLEAN) {
        *out = lua_toboolean(r->L, -1);
    } else if (t != LUA_TNIL) {
        problem(r, label, "expected true or false");
    }
    lua_pop(r->L, 1);
}

static int is_hex64(const char *s)
{
    if (strlen(s) != 64) {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static void read_hash(reader *r, int idx, const char *key, const char *label,
                      char out[65])
{
    char *s = NULL;
    read_string(r, idx, key, label, &s);
    if (s != NULL) {
        if (!is_hex64(s)) {
            problem(r, label, "expected 64 lower-case hex digits (the SHA-256 of "
                    "the token: edict serve --hash-token)");
        } else {
            memcpy(out, s, 65);
        }
        free(s);
    }
}

static void read_listen(reader *r, ed_config *cfg)
{
    char *listen = NULL;
    read_string(r, -1, "listen", "listen", &listen);
    if (listen == NULL) {
        return;
    }
    char *colon = strrchr(listen, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (colon == NULL || colon == listen || end == colon + 1 || *end != '\0' ||
        port < 0 || port > 65535) {
        problem(r, "listen", "expected \"host:port\" (port 0: any free port)");
    } else {
        *colon = '\0';
        free(cfg->host);
        cfg->host = ed_strdup(listen);
        cfg->port = (int)port;
    }
    free(listen);
}

static void read_packs(reader *r, ed_config *cfg)
{
    int t = field(r, -1, "packs");
    if (t == LUA_TTABLE) {
        size_t n = lua_rawlen(r->L, -1);
        char **dirs = calloc(n + 1, sizeof *dirs);
        if (dirs == NULL) {
            abort();
        }
        size_t got = 0;
        for (size_t i = 1; i <= n; i++) {
            if (lua_rawgeti(r->L, -1, (lua_Integer)i) == LUA_TSTRING) {
                dirs[got++] = ed_strdup(lua_tostring(r->L, -1));
            } else {
                problem(r, "packs", "expected a list of folders");
            }
            lua_pop(r->L, 1);
        }
        for (size_t i = 0; i < cfg->n_pack_dirs; i++) {
            free(cfg->pack_dirs[i]); /* the defaults give way */
        }
        free(cfg->pack_dirs);
        cfg->pack_dirs = dirs;
        cfg->n_pack_dirs = got;
    } else if (t != LUA_TNIL) {
        problem(r, "packs", "expected a list of folders");
    }
    lua_pop(r->L, 1);
    /* tenants = false: no overlays at all */
    if (field(r, -1, "tenants_dir") == LUA_TBOOLEAN && !lua_toboolean(r->L, -1)) {
        free(cfg->tenants_dir);
        cfg->tenants_dir = NULL;
        lua_pop(r->L, 1);
    } else {
        lua_pop(r->L, 1);
        read_string(r, -1, "tenants_dir", "tenants_dir", &cfg->tenants_dir);
    }
}

static void read_role(reader *r, int idx, const char *label, ed_role *out)
{
    char *s = NULL;
    read_string(r, idx, "role", label, &s);
    if (s && ed_role_parse(s, out) != 0) {
        problem(r, label, "expected \"evaluate\", \"auditor\" or \"admin\"");
    }
    free(s);
}

static void add_token(ed_config *cfg, const char *sha, ed_role role, size_t tenant,
                      const char *name)
{
    ed_token *p = realloc(cfg->tokens, (cfg->n_tokens + 1) * sizeof *p);
    if (p == NULL) {
        abort();
    }
    ed_token *t = &p[cfg->n_tokens++];
    memcpy(t->sha256, sha, 65);
    t->role = role;
    t->tenant = tenant;
    t->name = ed_strdup(name);
    cfg->tokens = p;
}

/* tenants.T.tokens = { name = { token_sha256 =, role = } }: more tokens
 * of one tenant, each with its role */
static void read_tokens(reader *r, ed_config *cfg, const char *tenant_label)
{
    int t = field(r, -1, "tokens");
    if (t != LUA_TTABLE) {
        if (t != LUA_TNIL) {
            ed_buf l = {0};
            ed_buf_printf(&l, "%s.tokens", tenant_label);
            problem(r, l.data, "expected a table: name = { token_sha256 =, role = }");
            ed_buf_free(&l);
        }
        lua_pop(r->L, 1);
        return;
    }
    lua_pushnil(r->L);
    while (lua_next(r->L, -2) != 0) {
        ed_buf l = {0};
        if (lua_type(r->L, -2) != LUA_TSTRING || lua_type(r->L, -1) != LUA_TTABLE) {
            ed_buf_printf(&l, "%s.tokens", tenant_label);
            problem(r, l.data, "expected name = { token_sha256 =, role = }");
        } else {
            const char *name = lua_tostring(r->L, -2);
            char sha[65] = "";
            ed_role role = ED_ROLE_EVALUATE;
            ed_buf_printf(&l, "%s.tokens.%s.token_sha256", tenant_label, name);
            read_hash(r, -1, "token_sha256", l.data, sha);
            if (sha[0] == '\0') {
                problem(r, l.data, "required");
            }
            ed_buf_reset(&l);
            ed_buf_printf(&l, "%s.tokens.%s.role", tenant_label, name);
            read_role(r, -1, l.data, &role);
            if (sha[0]) {
                add_token(cfg, sha, role, cfg->n_tenants, name);
            }
        }
        ed_buf_free(&l);
        lua_pop(r->L, 1);
    }
    lua_pop(r->L, 1);
}

static void read_tenants(reader *r, ed_config *cfg)
{
    int t = field(r, -1, "tenants");
    if (t != LUA_TTABLE) {
        if (t != LUA_TNIL) {
            problem(r, "tenants", "expected a table: name = { token_sha256 = ... }");
        }
        lua_pop(r->L, 1);
        return;
    }
    /* sorted, so lookups and logs do not depend on table order */
    lua_pushnil(r->L);
    while (lua_next(r->L, -2) != 0) {
        if (lua_type(r->L, -2) != LUA_TSTRING || lua_type(r->L, -1) != LUA_TTABLE) {
            problem(r, "tenants", "expected name = { token_sha256 = ... }");
            lua_pop(r->L, 1);
            continue;
        }
        const char *name = lua_tostring(r->L, -2);
        ed_buf label = {0};
        ed_buf_printf(&label, "tenants.%s", name);
        ed_tenant_auth a = {0};
        a.name = ed_strdup(name);
        a.rate_per_minute = cfg->default_rate_per_minute;
        a.burst = cfg->default_burst;
        ed_buf l2 = {0};
        ed_buf_printf(&l2, "%s.token_sha256", label.data);
        read_hash(r, -1, "token_sha256", l2.data, a.token_sha256);
        ed_buf_reset(&l2);
        ed_buf_printf(&l2, "%s.role", label.data);
        read_role(r, -1, l2.data, &a.role);
        if (a.token_sha256[0]) {
            add_token(cfg, a.token_sha256, a.role, cfg->n_tenants, "default");
        }
        size_t had = cfg->n_tokens;
        read_tokens(r, cfg, label.data);
        if (a.token_sha256[0] == '\0' && cfg->n_tokens == had) {
            ed_buf_reset(&l2);
            ed_buf_printf(&l2, "%s.token_sha256", label.data);
            problem(r, l2.data, "required (or tokens = { name = { token_sha256 =, role = } })");
        }
        ed_buf_reset(&l2);
        ed_buf_printf(&l2, "%s.rate_per_minute", label.data);
        read_number(r, -1, "rate_per_minute", l2.data, 0.001, 1e9, &a.rate_per_minute);
        ed_buf_reset(&l2);
        ed_buf_printf(&l2, "%s.burst", label.data);
        read_number(r, -1, "burst", l2.data, 1, 1e9, &a.burst);
        ed_buf_free(&l2);
        ed_buf_free(&label);
        ed_tenant_auth *p = realloc(cfg->tenants, (cfg->n_tenants + 1) * sizeof *p);
        if (p == NULL) {
            abort();
        }
        p[cfg->n_tenants++] = a;
        cfg->tenants = p;
        lua_pop(r->L, 1);
    }
    lua_pop(r->L, 1);
}

/* A path in the config is relative to the config file's folder. */
static char *relative_to(const char *config_path, const char *p)
{
    if (p[0] == '/' || config_path == NULL) {
        return ed_strdup(p);
    }
    char *dir = ed_strdup(config_path);
    char *slash = strrchr(dir, '/');
    char *out;
    if (slash == NULL) {
        out = ed_strdup(p);
    } else {
        *slash = '\0';
        out = ed_path_join(dir, p);
    }
    free(dir);
    return out;
}

static void read_webhooks(reader *r, ed_config *cfg)
{
    int t = field(r, -1, "webhooks");
    if (t != LUA_TTABLE) {
        if (t != LUA_TNIL) {
            problem(r, "webhooks", "expected a table: source = { tenant =, secret =, normaliser = }");
        }
        lua_pop(r->L, 1);
        return;
    }
    lua_pushnil(r->L);
    while (lua_next(r->L, -2) != 0) {
        if (lua_type(r->L, -2) != LUA_TSTRING || lua_type(r->L, -1) != LUA_TTABLE) {
            problem(r, "webhooks", "expected source = { ... }");
            lua_pop(r->L, 1);
            continue;
        }
        ed_webhook_source w = {0};
        w.name = ed_strdup(lua_tostring(r->L, -2));
        w.tolerance_s = 300;
        ed_buf label = {0};
        ed_buf_printf(&label, "webhooks.%s", w.name);
        read_string(r, -1, "tenant", label.data, &w.tenant);
        read_string(r, -1, "secret", label.data, &w.secret);
        char *secret_env = NULL;
        read_string(r, -1, "secret_env", label.data, &secret_env);
        if (secret_env) {
            const char *v = getenv(secret_env);
            if (v == NULL || v[0] == '\0') {
                problem(r, label.data, "secret_env names an unset variable");
            } else {
                free(w.secret);
                w.secret = ed_strdup(v);
            }
            free(secret_env);
        }
        char *norm = NULL;
        read_string(r, -1, "normaliser", label.data, &norm);
        read_number(r, -1, "tolerance_s", label.data, 1, 86400, &w.tolerance_s);
        if (w.tenant == NULL || w.secret == NULL || norm == NULL) {
            problem(r, label.data, "needs tenant, secret (or secret_env) and normaliser");
        }
        if (w.secret && strlen(w.secret) < 16) {
            problem(r, label.data, "secret must be at least 16 bytes");
        }
        if (norm) {
            w.normaliser = relative_to(r->path, norm);
            size_t len;
            w.normaliser_code = ed_read_file(w.normaliser, &len);
            if (w.normaliser_code == NULL) {
                problem(r, label.data, "normaliser file cannot be read");
            }
            free(norm);
        }
        ed_buf_free(&label);
        ed_webhook_source *p = realloc(cfg->webhooks, (cfg->n_webhooks + 1) * sizeof *p);
        if (p == NULL) {
            abort();
        }
        p[cfg->n_webhooks++] = w;
        cfg->webhooks = p;
        lua_pop(r->L, 1);
    }
    lua_pop(r->L, 1);
}

/* metrc = { {tenant =, license =, state = | base_url =, keys =, sync_s =,
 * push_s =}, … } */
static void read_metrc(reader *r, ed_config *cfg)
{
    int t = field(r, -1, "metrc");
    if (t != LUA_TTABLE) {
        if (t != LUA_TNIL) {
            problem(r, "metrc", "expected a list: { {tenant =, license =, state =, keys =}, … }");
        }
        lua_pop(r->L, 1);
        return;
    }
    lua_Integer n = luaL_len(r->L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        ed_buf label = {0};
        ed_buf_printf(&label, "metrc[%lld]", (long long)i);
        if (lua_rawgeti(r->L, -1, i) != LUA_TTABLE) {
            problem(r, label.data, "expected { tenant =, license =, state =, keys = }");
            lua_pop(r->L, 1);
            ed_buf_free(&label);
            continue;
        }
        ed_metrc_licence m = {0};
        m.sync_s = 3600;
        m.push_s = 60;
        read_string(r, -1, "tenant", label.data, &m.tenant);
        read_string(r, -1, "license", label.data, &m.license);
        read_string(r, -1, "state", label.data, &m.state);
        read_string(r, -1, "base_url", label.data, &m.base_url);
        char *keys = NULL;
        read_string(r, -1, "keys", label.data, &keys);
        read_bool(r, -1, "sandbox", label.data, &m.sandbox);
        read_number(r, -1, "sync_s", label.data, 1, 3e7, &m.sync_s);
        read_number(r, -1, "push_s", label.data, 1, 3e7, &m.push_s);
        if (m.tenant == NULL || m.license == NULL || (m.state == NULL && m.base_url == NULL)) {
            problem(r, label.data, "needs tenant, license and state (or base_url)");
        }
        if (keys) {
            m.keys = relative_to(r->path, keys);
            free(keys);
        }
        lua_pop(r->L, 1);
        ed_buf_free(&label);
        ed_metrc_licence *p = realloc(cfg->metrc, (cfg->n_metrc + 1) * sizeof *p);
        if (p == NULL) {
            abort();
        }
        p[cfg->n_metrc++] = m;
        cfg->metrc = p;
    }
    lua_pop(r->L, 1);
}

static const char *const known_fields[] = {
    "listen", "port_file", "workers", "packs", "tenants_dir", "journal", "store",
    "state_dir", "watch", "reload_debounce_ms", "reload_runs_fixtures",
    "admin_token_sha256", "tenants", "webhooks", "max_body_bytes",
    "max_batch_events", "max_connections", "header_timeout_ms",
    "body_timeout_ms", "idle_timeout_ms", "shutdown_grace_ms",
    "idempotency_window_s", "rate_per_minute", "burst", "limits", "isolate_rules",
    "evaluation_deadline_ms", "metrc_waits", "retention_sweep_s", "deadline_alerts_s",
    "deadline_alert_days", "jobs_poll_ms",
    "packs_poll_ms", "store_pool_size", "store_pool_wait_ms", "store_statement_timeout_ms",
    "metrc", "evidence_dir", "evidence_keys", "max_evidence_bytes", NULL};

static void read_all(reader *r, ed_config *cfg)
{
    /* a typo is reported, not ignored */
    lua_pushnil(r->L);
    while (lua_next(r->L, -2) != 0) {
        lua_pop(r->L, 1);
        const char *k = lua_type(r->L, -1) == LUA_TSTRING ? lua_tostring(r->L, -1) : NULL;
        int known = 0;
        for (size_t i = 0; k && known_fields[i]; i++) {
            known |= strcmp(k, known_fields[i]) == 0;
        }
        if (!known) {
            problem(r, k ? k : "(key)", "unknown field");
        }
    }
    double v;
    read_listen(r, cfg);
    read_string(r, -1, "port_file", "port_file", &cfg->port_file);
    v = cfg->workers;
    read_number(r, -1, "workers", "workers", 1, 64, &v);
    cfg->workers = (int)v;
    read_packs(r, cfg);
    read_string(r, -1, "journal", "journal", &cfg->journal_dir);
    /* store = "postgres://user@host:port/db" (or a folder): the same
     * setting under the name the PostgreSQL store is known by; the
     * password never in the file (docs/DEPLOY.md) */
    read_string(r, -1, "store", "store", &cfg->journal_dir);
    read_string(r, -1, "state_dir", "state_dir", &cfg->state_dir);
    read_number(r, -1, "store_pool_size", "store_pool_size", 1, 64, &cfg->store_pool_size);
    read_number(r, -1, "store_pool_wait_ms", "store_pool_wait_ms", 1, 600000,
                &cfg->store_pool_wait_ms);
    read_number(r, -1, "store_statement_timeout_ms", "store_statement_timeout_ms", 100,
                3.6e6, &cfg->store_statement_timeout_ms);
    read_string(r, -1, "evidence_dir", "evidence_dir", &cfg->evidence_dir);
    read_string(r, -1, "evidence_keys", "evidence_keys", &cfg->evidence_keys);
    read_bool(r, -1, "watch", "watch", &cfg->watch);
    v = cfg->reload_debounce_s * 1000;
    read_number(r, -1, "reload_debounce_ms", "reload_debounce_ms", 0, 60000, &v);
    cfg->reload_debounce_s = v / 1000;
    read_number(r, -1, "retention_sweep_s", "retention_sweep_s", 0, 3e7,
                &cfg->retention_sweep_s);
    read_number(r, -1, "deadline_alerts_s", "deadline_alerts_s", 0, 3e7,
                &cfg->deadline_alerts_s);
    read_number(r, -1, "deadline_alert_days", "deadline_alert_days", 0, 366,
                &cfg->deadline_alert_days);
    v = cfg->jobs_poll_s * 1000;
    read_number(r, -1, "jobs_poll_ms", "jobs_poll_ms", 50, 3.6e6, &v);
    cfg->jobs_poll_s = v / 1000;
    v = cfg->packs_poll_s * 1000;
    read_number(r, -1, "packs_poll_ms", "packs_poll_ms", 50, 3.6e6, &v);
    cfg->packs_poll_s = v / 1000;
    read_bool(r, -1, "reload_runs_fixtures", "reload_runs_fixtures",
              &cfg->reload_runs_fixtures);
    read_hash(r, -1, "admin_token_sha256", "admin_token_sha256", cfg->admin_token_sha256);
    read_number(r, -1, "rate_per_minute", "rate_per_minute", 0.001, 1e9,
                &cfg->default_rate_per_minute);
    read_number(r, -1, "burst", "burst", 1, 1e9, &cfg->default_burst);
    read_tenants(r, cfg);
    read_webhooks(r, cfg);
    read_metrc(r, cfg);
    v = (double)cfg->max_body_bytes;
    read_number(r, -1, "max_body_bytes", "max_body_bytes", 1024, 1 << 30, &v);
    cfg->max_body_bytes = (size_t)v;
    v = (double)cfg->max_evidence_bytes;
    read_number(r, -1, "max_evidence_bytes", "max_evidence_bytes", 0, 64.0 * (1 << 30), &v);
    cfg->max_evidence_bytes = (size_t)v;
    v = (double)cfg->max_batch_events;
    read_number(r, -1, "max_batch_events", "max_batch_events", 1, 1e6, &v);
    cfg->max_batch_events = (size_t)v;
    v = cfg->max_connections;
    read_number(r, -1, "max_connections", "max_connections", 1, 1e6, &v);
    cfg->max_connections = (int)v;
    v = cfg->header_timeout_s * 1000;
    read_number(r, -1, "header_timeout_ms", "header_timeout_ms", 10, 3.6e6, &v);
    cfg->header_timeout_s = v / 1000;
    v = cfg->body_timeout_s * 1000;
    read_number(r, -1, "body_timeout_ms", "body_timeout_ms", 10, 3.6e6, &v);
    cfg->body_timeout_s = v / 1000;
    v = cfg->idle_timeout_s * 1000;
    read_number(r, -1, "idle_timeout_ms", "idle_timeout_ms", 10, 3.6e6, &v);
    cfg->idle_timeout_s = v / 1000;
    v = cfg->shutdown_grace_s * 1000;
    read_number(r, -1, "shutdown_grace_ms", "shutdown_grace_ms", 0, 3.6e6, &v);
    cfg->shutdown_grace_s = v / 1000;
    read_number(r, -1, "idempotency_window_s", "idempotency_window_s", 1, 3e7,
                &cfg->idempotency_window_s);
    read_bool(r, -1, "isolate_rules", "isolate_rules", &cfg->isolate_rules);
    v = cfg->evaluation_deadline_s * 1000;
    read_number(r, -1, "evaluation_deadline_ms", "evaluation_deadline_ms", 10, 3.6e6, &v);
    cfg->evaluation_deadline_s = v / 1000;
    v = cfg->metrc_waits;
    read_number(r, -1, "metrc_waits", "metrc_waits", 0, 8, &v);
    cfg->metrc_waits = (int)v;
    if (field(r, -1, "limits") == LUA_TTABLE) {
        double ins = (double)cfg->limits.instructions;
        double mem = (double)(cfg->limits.memory_bytes >> 20);
        double ms = (double)cfg->limits.time_ms;
        read_number(r, -1, "instructions", "limits.instructions", 1,
                    (double)ED_LIMIT_INSTRUCTIONS_MAX, &ins);
        read_number(r, -1, "memory_mb", "limits.memory_mb", 1,
                    (double)(ED_LIMIT_MEMORY_MAX >> 20), &mem);
        read_number(r, -1, "time_ms", "limits.time_ms", 1,
                    (double)ED_LIMIT_TIME_MAX_MS, &ms);
        cfg->limits.instructions = (int64_t)ins;
        cfg->limits.memory_bytes = (size_t)mem << 20;
        cfg->limits.time_ms = (int64_t)ms;
    }
    lua_pop(r->L, 1);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    luaL_error(L, "the configuration runs too long");
}

int ed_config_load(ed_config *cfg, const char *path, ed_buf *err)
{
    size_t len;
    char *text = ed_read_file(path, &len);
    if (text == NULL) {
        ed_buf_printf(err, "%s: cannot read the configuration\n", path);
        return -1;
    }
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        free(text);
        ed_buf_printf(err, "%s: out of memory\n", path);
        return -1;
    }
    free(cfg->path);
    cfg->path = ed_strdup(path);
    ed_buf chunk = {0};
    ed_buf_printf(&chunk, "@%s", path);
    int rc = -1;
    /* text only, an empty environment: no libraries, no globals */
    if (luaL_loadbufferx(L, text, len, chunk.data, "t") != LUA_OK) {
        ed_buf_printf(err, "%s\n", lua_tostring(L, -1));
        goto done;
    }
    lua_newtable(L);
    lua_setupvalue(L, -2, 1);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, CONFIG_INSTRUCTIONS);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        ed_buf_printf(err, "%s\n", lua_tostring(L, -1));
        goto done;
    }
    lua_sethook(L, NULL, 0, 0);
    if (!lua_istable(L, -1)) {
        ed_buf_printf(err, "%s: must return a table\n", path);
        goto done;
    }
    reader r = {L, path, err, 0};
    read_all(&r, cfg);
    if (r.problems == 0) {
        /* relative folders in the file are relative to the file */
        for (size_t i = 0; i < cfg->n_pack_dirs; i++) {
            char *p = relative_to(path, cfg->pack_dirs[i]);
            free(cfg->pack_dirs[i]);
            cfg->pack_dirs[i] = p;
        }
        char **dirs[] = {&cfg->tenants_dir, &cfg->journal_dir, &cfg->state_dir,
                         &cfg->port_file, &cfg->evidence_dir, &cfg->evidence_keys};
        for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
            /* a postgres:// store is no folder */
            if (*dirs[i] && strstr(*dirs[i], "://") == NULL) {
                char *p = relative_to(path, *dirs[i]);
                free(*dirs[i]);
                *dirs[i] = p;
            }
        }
        rc = 0;
    }
done:
    ed_buf_free(&chunk);
    lua_close(L);
    free(text);
    return rc;
}

