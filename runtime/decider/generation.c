/*
 * generation.c — building, swapping, releasing and persisting pack
 * generations (see generation.h).
 */
#define _XOPEN_SOURCE 700 /* nftw, open_memstream */
#define generation_c

#include "generation.h"

#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LAST_GOOD "last-good"

void ed_utc_now(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------------ */
/* Building a generation                                                 */
/* ------------------------------------------------------------------ */

static void packs_json(const ed_catalog *cat, ed_buf *out)
{
    ed_buf_putc(out, '[');
    for (size_t i = 0; i < cat->n_packs; i++) {
        const ed_pack *p = cat->packs[i];
        ed_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        ed_json_escape(out, p->name, strlen(p->name));
        ed_buf_puts(out, ",\"version\":");
        ed_json_escape(out, p->version, strlen(p->version));
        ed_buf_printf(out, ",\"digest\":\"%s\",\"effective_from\":", p->digest);
        if (p->from_text[0]) {
            ed_buf_printf(out, "\"%s\"", p->from_text);
        } else {
            ed_buf_puts(out, "null");
        }
        ed_buf_puts(out, ",\"effective_until\":");
        if (p->until_text[0]) {
            ed_buf_printf(out, "\"%s\"", p->until_text);
        } else {
            ed_buf_puts(out, "null");
        }
        ed_buf_puts(out, ",\"jurisdictions\":[");
        for (size_t j = 0; j < p->n_jurisdictions; j++) {
            if (j) {
                ed_buf_putc(out, ',');
            }
            ed_json_escape(out, p->jurisdictions[j], strlen(p->jurisdictions[j]));
        }
        ed_buf_printf(out, "],\"rules\":%zu}", p->n_rules);
    }
    ed_buf_putc(out, ']');
}

/* What decides: every pack's and tenant's folder, name, version and
 * digest (over exactly its files' bytes), in the catalog's order. */
static char *content_of(const ed_catalog *cat)
{
    ed_buf b = {0};
    for (size_t i = 0; i < cat->n_packs; i++) {
        const ed_pack *p = cat->packs[i];
        ed_buf_printf(&b, "pack %s %s %s %s\n", p->label, p->name, p->version, p->digest);
    }
    for (size_t i = 0; i < cat->n_tenants; i++) {
        const ed_pack *p = cat->tenants[i];
        ed_buf_printf(&b, "tenant %s %s %s\n", p->label, p->name, p->digest);
    }
    return b.data ? b.data : ed_strdup("");
}

/* Read, check and (when configured) test the packs under pack_dirs and
 * tenants_dir. NULL with the reasons in err. When `same_as` (may be NULL)
 * is the content of what was read, NULL with *unchanged set and nothing
 * vetted. */
static ed_generation *build(const ed_gen_config *cfg, char **pack_dirs, size_t n_dirs,
                            const char *tenants_dir, int run_fixtures, const char *same_as,
                            int *unchanged, ed_buf *err)
{
    ed_diags d = {0};
    ed_catalog *cat = ed_catalog_load(&cfg->limits, pack_dirs, n_dirs, tenants_dir, 0, &d);
    if (cat->problems > 0 || cat->n_packs == 0) {
        ed_diags_text(&d, err);
        if (cat->n_packs == 0 && cat->problems == 0) {
            ed_buf_puts(err, "no packs found\n");
        }
        ed_diags_free(&d);
        ed_catalog_free(cat);
        return NULL;
    }
    ed_diags_free(&d);
    char *content = content_of(cat);
    if (same_as != NULL && strcmp(content, same_as) == 0) {
        *unchanged = 1;
        free(content);
        ed_catalog_free(cat);
        return NULL;
    }
    if ((cfg->vet && cfg->vet(cfg->vet_arg, cat, run_fixtures, err) != 0) || err->len > 0) {
        free(content);
        ed_catalog_free(cat);
        return NULL;
    }
    ed_generation *gen = calloc(1, sizeof *gen);
    if (gen == NULL) {
        abort();
    }
    gen->cat = cat;
    gen->content = content;
    ed_utc_now(gen->loaded_at);
    ed_buf pj = {0};
    packs_json(cat, &pj);
    gen->packs_json = pj.data;
    return gen;
}

static void gen_free(ed_generation *gen)
{
    if (gen) {
        ed_catalog_free(gen->cat);
        free(gen->packs_json);
        free(gen->content);
        free(gen);
    }
}

/* ------------------------------------------------------------------ */
/* Last known good                                                       */
/* ------------------------------------------------------------------ */

/* Write a file (and the folders above it) durably. */
static int write_file(const char *path, const char *data, size_t len)
{
    char *dir = ed_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    int made = slash == NULL ? 0 : ed_make_dirs(dir, 0755);
    free(dir);
    if (made < 0) {
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return -1;
    }
    int rc = ed_write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

static int write_pack(const char *root, const ed_pack *p)
{
    for (size_t i = 0; i < p->n_files; i++) {
        char *path = ed_path_join(root, p->files[i].path);
        int rc = write_file(path, p->files[i].data, p->files[i].len);
        free(path);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* Write the generation's exact files (the bytes its digests cover) to
 * <state>/last-good, replacing the previous copy atomically. */
static void persist(const ed_gen_config *cfg, const ed_generation *gen)
{
    if (cfg->state_dir == NULL) {
        return;
    }
    char *tmp = ed_path_join(cfg->state_dir, LAST_GOOD ".tmp");
    char *dst = ed_path_join(cfg->state_dir, LAST_GOOD);
    char *old = ed_path_join(cfg->state_dir, LAST_GOOD ".old");
    ed_remove_tree(tmp);
    int rc = 0;
    for (size_t i = 0; i < gen->cat->n_packs && rc == 0; i++) {
        char name[32];
        snprintf(name, sizeof name, "packs/p%04zu", i);
        char *root = ed_path_join(tmp, name);
        rc = write_pack(root, gen->cat->packs[i]);
        free(root);
    }
    for (size_t i = 0; i < gen->cat->n_tenants && rc == 0; i++) {
        char *t = ed_path_join(tmp, "tenants");
        char *root = ed_path_join(t, gen->cat->tenants[i]->name);
        rc = write_pack(root, gen->cat->tenants[i]);
        free(root);
        free(t);
    }
    if (rc == 0) {
        ed_remove_tree(old);
        if (ed_is_dir(dst)) {
            rc = rename(dst, old);
        }
        if (rc == 0) {
            rc = rename(tmp, dst);
        }
        ed_remove_tree(old);
    }
    if (rc != 0) {
        fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"cannot persist the last "
                "known good packs under %s: %s\"}\n", cfg->state_dir, strerror(errno));
        ed_remove_tree(tmp);
    }
    free(tmp);
    free(dst);
    free(old);
}

/* ------------------------------------------------------------------ */
/* The registry                                                          */
/* ------------------------------------------------------------------ */

static void set_last(ed_generations *g, int ok, const char *by, const char *errors)
{
    pthread_mutex_lock(&g->mu);
    g->last_ok = ok;
    ed_utc_now(g->last_at);
    snprintf(g->last_by, sizeof g->last_by, "%s", by);
    free(g->last_errors);
    g->last_errors = errors && errors[0] ? ed_strdup(errors) : NULL;
    if (ok) {
        g->reloads_ok++;
    } else {
        g->reloads_failed++;
    }
    pthread_mutex_unlock(&g->mu);
}

int ed_gens_start(ed_generations *g, const ed_gen_config *config, ed_buf *err)
{
    memset(g, 0, sizeof *g);
    g->cfg = *config;
    const ed_gen_config *cfg = &g->cfg;
    pthread_mutex_init(&g->mu, NULL);
    pthread_mutex_init(&g->reload_mu, NULL);
    g->next_id = 1;
    ed_generation *gen = build(cfg, cfg->pack_dirs, cfg->n_pack_dirs,
                               cfg->tenants_dir, cfg->run_fixtures, NULL, NULL, err);
    if (gen != NULL) {
        snprintf(gen->source, sizeof gen->source, "packs");
        persist(cfg, gen);
    } else if (cfg->state_dir) {
        char *lg = ed_path_join(cfg->state_dir, LAST_GOOD);
        char *packs = ed_path_join(lg, "packs");
        char *tenants = ed_path_join(lg, "tenants");
        if (ed_is_dir(packs)) {
            ed_buf lerr = {0};
            gen = build(cfg, &packs, 1, tenants, 0, NULL, NULL, &lerr);
            if (gen) {
                snprintf(gen->source, sizeof gen->source, "last-known-good");
                fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"the configured packs do "
                        "not pass; serving the last known good ones from %s\"}\n", lg);
                set_last(g, 0, "start", err->data);
                ed_buf_reset(err);
            } else {
                ed_buf_printf(err, "last known good packs in %s: %s", lg,
                              lerr.data ? lerr.data : "");
            }
            ed_buf_free(&lerr);
        }
        free(lg);
        free(packs);
        free(tenants);
    }
    if (gen == NULL) {
        pthread_mutex_destroy(&g->mu);
        pthread_mutex_destroy(&g->reload_mu);
        return -1;
    }
    gen->id = g->next_id++;
    gen->refs = 1; /* the registry's own */
    g->current = gen;
    if (g->last_at[0] == '\0') {
        g->last_ok = 1;
        ed_utc_now(g->last_at);
        snprintf(g->last_by, sizeof g->last_by, "start");
    }
    return 0;
}

void ed_gens_stop(ed_generations *g)
{
    if (g->current) {
        ed_gen_release(g, g->current);
        g->current = NULL;
    }
    free(g->last_errors);
    free(g->published_dir);
    pthread_mutex_destroy(&g->mu);
    pthread_mutex_destroy(&g->reload_mu);
}

ed_generation *ed_gen_acquire(ed_generations *g)
{
    pthread_mutex_lock(&g->mu);
    ed_generation *gen = g->current;
    gen->refs++;
    pthread_mutex_unlock(&g->mu);
    return gen;
}

void ed_gen_release(ed_generations *g, ed_generation *gen)
{
    pthread_mutex_lock(&g->mu);
    int last = --gen->refs == 0;
    pthread_mutex_unlock(&g->mu);
    if (last) {
        gen_free(gen);
    }
}

/* Under reload_mu: build from dir (a published generation's) or the
 * configured folders, and swap. */
static unsigned long reload_locked(ed_generations *g, const char *dir, long long published,
                                   const char *by, ed_buf *err, char **before, char **after,
                                   int *unchanged)
{
    const ed_gen_config *cfg = &g->cfg;
    char *dirs[1] = {(char *)dir};
    /* g->current changes only under reload_mu, which the caller holds */
    const char *same_as = g->current ? g->current->content : NULL;
    int same = 0;
    ed_generation *gen = dir ? build(cfg, dirs, 1, cfg->tenants_dir, cfg->run_fixtures,
                                     same_as, &same, err)
                             : build(cfg, cfg->pack_dirs, cfg->n_pack_dirs, cfg->tenants_dir,
                                     cfg->run_fixtures, same_as, &same, err);
    if (unchanged) {
        *unchanged = same;
    }
    unsigned long id = 0;
    if (same) {
        pthread_mutex_lock(&g->mu);
        id = g->current->id;
        pthread_mutex_unlock(&g->mu);
        set_last(g, 1, by, NULL);
    } else if (gen == NULL) {
        set_last(g, 0, by, err->data);
    } else {
        snprintf(gen->source, sizeof gen->source, dir ? "published" : "packs");
        gen->published = dir ? published : 0;
        persist(cfg, gen);
        pthread_mutex_lock(&g->mu);
        gen->id = id = g->next_id++;
        gen->refs = 1;
        ed_generation *old = g->current;
        g->current = gen;
        if (before) {
            *before = ed_strdup(old->packs_json);
        }
        if (after) {
            *after = ed_strdup(gen->packs_json);
        }
        pthread_mutex_unlock(&g->mu);
        ed_gen_release(g, old);
        set_last(g, 1, by, NULL);
    }
    return id;
}

unsigned long ed_gen_reload(ed_generations *g, const char *by, ed_buf *err,
                            char **before, char **after, int *unchanged)
{
    pthread_mutex_lock(&g->reload_mu);
    unsigned long id = reload_locked(g, g->published_dir, g->published, by, err, before, after,
                                     unchanged);
    pthread_mutex_unlock(&g->reload_mu);
    return id;
}

unsigned long ed_gen_reload_published(ed_generations *g, const char *dir, long long published,
                                      const char *by, ed_buf *err, char **before,
                                      char **after, int *unchanged)
{
    pthread_mutex_lock(&g->reload_mu);
    unsigned long id = reload_locked(g, dir, published, by, err, before, after, unchanged);
    if (id != 0) {
        free(g->published_dir);
        g->published_dir = ed_strdup(dir);
        g->published = published;
    }
    pthread_mutex_unlock(&g->reload_mu);
    return id;
}

void ed_gen_last_reload_json(ed_generations *g, ed_buf *out)
{
    pthread_mutex_lock(&g->mu);
    ed_buf_printf(out, "{\"ok\":%s,\"at\":\"%s\",\"by\":", g->last_ok ? "true" : "false",
                  g->last_at);
    ed_json_escape(out, g->last_by, strlen(g->last_by));
    ed_buf_puts(out, ",\"errors\":[");
    int first = 1;
    for (const char *s = g->last_errors; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n > 0) {
            if (!first) {
                ed_buf_putc(out, ',');
            }
            ed_json_escape(out, s, n);
            first = 0;
        }
        s = nl ? nl + 1 : s + n;
    }
    ed_buf_printf(out, "],\"reloads_ok\":%ld,\"reloads_failed\":%ld}", g->reloads_ok,
                  g->reloads_failed);
    pthread_mutex_unlock(&g->mu);
}
