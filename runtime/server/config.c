/*
 * config.c — the `edict serve` configuration as the server holds it
 * (config.h): freeing it and the lookups the endpoints make. Reading it
 * from its file is the CLI's (cli/serve_config.c): the server holds no
 * Lua.
 */
#define _POSIX_C_SOURCE 200809L
#define config_c

#include "config.h"

#include "stdlib/hash.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i]);
    }
    free(list);
}

void ed_config_free(ed_config *cfg)
{
    free(cfg->path);
    free(cfg->host);
    free(cfg->port_file);
    free_list(cfg->pack_dirs, cfg->n_pack_dirs);
    free(cfg->tenants_dir);
    free(cfg->journal_dir);
    free(cfg->state_dir);
    free(cfg->evidence_dir);
    free(cfg->evidence_keys);
    for (size_t i = 0; i < cfg->n_tenants; i++) {
        free(cfg->tenants[i].name);
    }
    free(cfg->tenants);
    for (size_t i = 0; i < cfg->n_tokens; i++) {
        free(cfg->tokens[i].name);
    }
    free(cfg->tokens);
    for (size_t i = 0; i < cfg->n_webhooks; i++) {
        ed_webhook_source *w = &cfg->webhooks[i];
        free(w->name);
        free(w->tenant);
        free(w->secret);
        free(w->normaliser);
        free(w->normaliser_code);
    }
    free(cfg->webhooks);
    for (size_t i = 0; i < cfg->n_metrc; i++) {
        ed_metrc_licence *m = &cfg->metrc[i];
        free(m->tenant);
        free(m->license);
        free(m->state);
        free(m->base_url);
        free(m->keys);
    }
    free(cfg->metrc);
    memset(cfg, 0, sizeof *cfg);
}

const ed_tenant_auth *ed_config_token(const ed_config *cfg, const char *token,
                                      const ed_token **which)
{
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(token, strlen(token), hex);
    const ed_token *found = NULL;
    /* every entry is compared, in constant time, so the time taken says
     * nothing about which tenant (if any) came close */
    for (size_t i = 0; i < cfg->n_tokens; i++) {
        if (CRYPTO_memcmp(hex, cfg->tokens[i].sha256, 64) == 0) {
            found = &cfg->tokens[i];
        }
    }
    if (which) {
        *which = found;
    }
    return found ? &cfg->tenants[found->tenant] : NULL;
}

const ed_tenant_auth *ed_config_tenant_by_token(const ed_config *cfg,
                                                const char *token)
{
    return ed_config_token(cfg, token, NULL);
}

const char *ed_role_name(ed_role role)
{
    return role == ED_ROLE_ADMIN ? "admin" : role == ED_ROLE_AUDITOR ? "auditor" : "evaluate";
}

int ed_role_parse(const char *s, ed_role *out)
{
    static const ed_role all[] = {ED_ROLE_EVALUATE, ED_ROLE_AUDITOR, ED_ROLE_ADMIN};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, ed_role_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -1;
}

const ed_webhook_source *ed_config_webhook(const ed_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_webhooks; i++) {
        if (strcmp(cfg->webhooks[i].name, name) == 0) {
            return &cfg->webhooks[i];
        }
    }
    return NULL;
}
