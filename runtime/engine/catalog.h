/*
 * catalog.h — every pack version and tenant overlay the host has read and
 * checked: the state-independent half of a pack generation. Tenant
 * contexts (context.h) load from it.
 */
#ifndef EDICT_CATALOG_H
#define EDICT_CATALOG_H

#include "util/diag.h"
#include "pack.h"

typedef struct ed_catalog {
    ed_pack **packs;   /* sorted by name, then effective_from */
    size_t n_packs;
    ed_pack **tenants; /* sorted by name */
    size_t n_tenants;
    ed_pack **unsound; /* overlays with problems of their own: kept only
                        * until ed_catalog_finish has cross-checked them
                        * too, so that one pass reports everything */
    size_t n_unsound;
    ed_limits limits;  /* defaults for every evaluation */
    int problems;      /* how many diagnostics reading and checking gave */
    /* every folder read, as messages name it (label) and as it was given
     * (dir), so a command can show a message's file where it opens */
    struct ed_place {
        char *label, *dir;
    } *places;
    size_t n_places;
} ed_catalog;

/* where ("label/file.lua:7") with its label replaced by the folder as it
 * was given (relative to the current directory when it is under it), into
 * out: a path that opens from where the command runs. Unchanged when no
 * folder of c names it. Decisions keep labels (the same wherever edict
 * runs); only what a command prints for a person uses this. */
void ed_catalog_openable(const ed_catalog *c, const char *where, ed_buf *out);

/* Create an empty catalog with these default limits. */
ed_catalog *ed_catalog_new(const ed_limits *limits);
void ed_catalog_free(ed_catalog *c);

/* Add the packs under dir: dir itself when it holds pack.lua, else every
 * folder below it that does (not descending into a pack or a tests
 * folder). Problems go to diags; sound packs are added. */
void ed_catalog_add_packs(ed_catalog *c, const char *dir, ed_diags *d);

/* Add the one pack (or, is_tenant, overlay) in dir under the label given
 * (replay: a kept pack restored elsewhere keeps the label it decided
 * under, which decisions quote). */
void ed_catalog_add_at(ed_catalog *c, const char *dir, const char *label, int is_tenant,
                       ed_diags *d);

/* Add every tenants/<name>/policy.lua under dir. */
void ed_catalog_add_tenants(ed_catalog *c, const char *dir, ed_diags *d);

/* Sort, then check across packs: duplicate versions, overlapping effective
 * windows of one pack, tenant overrides and waivers that name nothing. */
void ed_catalog_finish(ed_catalog *c, ed_diags *d);

/* All of the above in one: a new catalog with the packs under each of
 * dirs and the overlays under tenants_dir (NULL: none), finished. A
 * tenants_dir that is not a folder is a problem when tenants_required,
 * else it is skipped. The catalog is returned even when it has problems
 * (c->problems); diagnostics go to d. */
ed_catalog *ed_catalog_load(const ed_limits *limits, char *const *dirs, size_t n_dirs,
                            const char *tenants_dir, int tenants_required, ed_diags *d);

const ed_pack *ed_catalog_tenant(const ed_catalog *c, const char *name);

/* Does any version of pack `name` declare rule `id`? */
int ed_catalog_has_rule(const ed_catalog *c, const char *id);

#endif
