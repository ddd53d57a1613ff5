/*
 * config.h — the configuration of `edict serve` (README.md, "edict
 * serve"). The CLI fills it (cli/serve_config.c: the defaults, then a Lua
 * file returning one table, read in a bare state and checked field by
 * field); the server only reads it. Every option has a default that works
 * on a laptop.
 */
#ifndef EDICT_CONFIG_H
#define EDICT_CONFIG_H

#include <stddef.h>

#include "util/buf.h"
#include "engine/sandbox.h"

/* What a bearer token may do (README, "Roles"): evaluate (send events,
 * upload evidence, read its tenant's decisions), auditor (read its
 * tenant's decisions, evidence, packages and reports; evaluate nothing),
 * admin (reload, diff, publish, and everything of its tenant). */
typedef enum ed_role { ED_ROLE_EVALUATE = 0, ED_ROLE_AUDITOR, ED_ROLE_ADMIN } ed_role;

typedef struct ed_tenant_auth {
    char *name;
    char token_sha256[65];   /* hex SHA-256 of the bearer token ("": none) */
    ed_role role;            /* that token's */
    double rate_per_minute;  /* token bucket refill */
    double burst;            /* bucket size */
} ed_tenant_auth;

/* Every tenant token: the tenant's own token_sha256 and each of its
 * `tokens = { name = { token_sha256 =, role = } }`. */
typedef struct ed_token {
    char sha256[65];
    ed_role role;
    size_t tenant;           /* index into ed_config.tenants */
    char *name;              /* "default" for the tenant's own token */
} ed_token;

typedef struct ed_webhook_source {
    char *name;              /* the {source} of /v1/webhooks/{source} */
    char *tenant;            /* whose events the payloads become */
    char *secret;            /* HMAC-SHA256 key */
    char *normaliser;        /* Lua file: payload -> catalogue events */
    char *normaliser_code;   /* its text, read at start */
    double tolerance_s;      /* replay window for the timestamp header */
} ed_webhook_source;

/* A licence whose Metrc data `edict serve` syncs on a schedule (once per
 * period across the nodes of a shared store). */
typedef struct ed_metrc_licence {
    char *tenant, *license;
    char *state, *base_url; /* one of them */
    char *keys;             /* a 0600 file: vendor_key=, user_key= */
    int sandbox;
    double sync_s;          /* the period (default an hour) */
    double push_s;          /* the outbox's push between syncs, so that the
                             * writes decisions ask for go out soon (60 s) */
} ed_metrc_licence;

typedef struct ed_config {
    char *path;              /* the file, or NULL for the defaults */
    char *host;              /* listen address */
    int port;                /* 0: an ephemeral port (see port_file) */
    char *port_file;         /* write the bound port here, if set */
    int workers;             /* event-loop threads */
    char **pack_dirs;
    size_t n_pack_dirs;
    char *tenants_dir;       /* may be NULL: no overlays */
    char *journal_dir;
    /* PostgreSQL store: connections open at once, the wait for a busy one,
     * the statement timeout (0: the store's defaults, ed_store_options) */
    double store_pool_size, store_pool_wait_ms, store_statement_timeout_ms;
    char *state_dir;         /* last-known-good packs, idempotency keys */
    /* the evidence vault (store.h, "Evidence"): its folder (NULL: the
     * store's default), its key file (NULL: the environment's), the
     * largest upload POST /v1/evidence takes (streamed, never whole in
     * memory) */
    char *evidence_dir;
    char *evidence_keys;
    size_t max_evidence_bytes;
    int watch;               /* reload on changes under the pack folders */
    double reload_debounce_s;
    int reload_runs_fixtures;
    char admin_token_sha256[65]; /* "" = admin endpoints disabled */
    ed_tenant_auth *tenants;
    size_t n_tenants;
    ed_token *tokens;
    size_t n_tokens;
    ed_webhook_source *webhooks;
    size_t n_webhooks;
    size_t max_body_bytes;
    size_t max_batch_events;
    int max_connections;
    double header_timeout_s; /* request line + headers must arrive within */
    double body_timeout_s;   /* the body within, once headers are in */
    double idle_timeout_s;   /* a keep-alive connection may idle */
    double shutdown_grace_s; /* in-flight requests get this long on SIGTERM */
    double idempotency_window_s;
    double default_rate_per_minute, default_burst;
    ed_limits limits;        /* per rule call */
    int isolate_rules;       /* rules run in supervised evaluator processes */
    double evaluation_deadline_s; /* an event's rules, before their process
                                   * is stopped */
    int metrc_waits;         /* per worker, evaluations that may wait for a
                              * rule's Metrc GET while the worker decides
                              * others (a lane, an evaluator process, each);
                              * 0: the worker waits with them */
    /* scheduled work, on a store shared by nodes (PostgreSQL; ignored on
     * the file store): the retention sweep's period (0: never) and how
     * often a node looks for due jobs */
    double retention_sweep_s;
    double deadline_alerts_s;   /* the deadline-alerts job's period (0: never) */
    double deadline_alert_days; /* "due soon": within this many days */
    double jobs_poll_s;
    /* published packs (`edict packs publish`, PostgreSQL): how often a
     * node looks for a new generation besides listening for one */
    double packs_poll_s;
    /* Metrc licences to sync (`metrc = { {tenant=, license=, …}, … }`) */
    ed_metrc_licence *metrc;
    size_t n_metrc;
} ed_config;

/* Fill cfg with the defaults (packs and tenants from ed_home()). */
void ed_config_defaults(ed_config *cfg);

/* Read path over the defaults. 0, or -1 with "path: field: problem"
 * messages in err (one per line). */
int ed_config_load(ed_config *cfg, const char *path, ed_buf *err);

void ed_config_free(ed_config *cfg);

const ed_tenant_auth *ed_config_tenant_by_token(const ed_config *cfg,
                                                const char *token);
/* The tenant of a bearer token, and which token it is (*which, may be
 * NULL); NULL when none. Every token is compared, in constant time. */
const ed_tenant_auth *ed_config_token(const ed_config *cfg, const char *token,
                                      const ed_token **which);
/* "evaluate", "auditor", "admin"; parse: 0, or -1 for another name. */
const char *ed_role_name(ed_role role);
int ed_role_parse(const char *s, ed_role *out);

const ed_webhook_source *ed_config_webhook(const ed_config *cfg,
                                           const char *name);

#endif
