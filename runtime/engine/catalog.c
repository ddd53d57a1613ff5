/*
 * catalog.c — discovering, checking and cross-checking packs and tenant
 * overlays (see catalog.h).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#define catalog_c

#include "catalog.h"

#include "util/buf.h"
#include "util/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DISCOVERY_DEPTH 6

ed_catalog *ed_catalog_new(const ed_limits *limits)
{
    ed_catalog *c = calloc(1, sizeof *c);
    if (c == NULL) {
        abort();
    }
    c->limits = *limits;
    return c;
}

void ed_catalog_free(ed_catalog *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n_packs; i++) {
        ed_pack_free(c->packs[i]);
    }
    for (size_t i = 0; i < c->n_tenants; i++) {
        ed_pack_free(c->tenants[i]);
    }
    for (size_t i = 0; i < c->n_unsound; i++) {
        ed_pack_free(c->unsound[i]);
    }
    free(c->packs);
    free(c->tenants);
    free(c->unsound);
    for (size_t i = 0; i < c->n_places; i++) {
        free(c->places[i].label);
        free(c->places[i].dir);
    }
    free(c->places);
    free(c);
}

static void push_pack(ed_pack ***list, size_t *n, ed_pack *p)
{
    ed_pack **np = realloc(*list, (*n + 1) * sizeof *np);
    if (np == NULL) {
        abort();
    }
    np[(*n)++] = p;
    *list = np;
}

/* How a folder is named in messages: the last two components of its real
 * path ("jurisdictions/us-or"), whatever the current directory. */
static char *label_for(const char *dir)
{
    char real[PATH_MAX];
    if (realpath(dir, real) == NULL) {
        return ed_strdup(dir);
    }
    char *slash = strrchr(real, '/');
    if (slash == NULL || slash == real) {
        return ed_strdup(real[1] ? real + 1 : real);
    }
    *slash = '\0';
    char *parent = strrchr(real, '/');
    *slash = '/';
    return ed_strdup(parent ? parent + 1 : real);
}

static void remember_place(ed_catalog *c, const char *dir, const char *label)
{
    struct ed_place *p = realloc(c->places, (c->n_places + 1) * sizeof *p);
    if (p == NULL) {
        abort();
    }
    c->places = p;
    c->places[c->n_places].label = ed_strdup(label);
    c->places[c->n_places].dir = ed_strdup(dir);
    c->n_places++;
}

void ed_catalog_openable(const ed_catalog *c, const char *where, ed_buf *out)
{
    const struct ed_place *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < c->n_places; i++) {
        size_t n = strlen(c->places[i].label);
        if (n > best_len && strncmp(where, c->places[i].label, n) == 0 &&
            (where[n] == '/' || where[n] == ':' || where[n] == '\0')) {
            best = &c->places[i];
            best_len = n;
        }
    }
    if (best == NULL) {
        ed_buf_puts(out, where);
        return;
    }
    const char *dir = best->dir;
    char cwd[PATH_MAX];
    size_t cl = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (cl > 1 && dir[0] == '/' && strncmp(dir, cwd, cl) == 0 && dir[cl] == '/') {
        dir += cl + 1;
    }
    ed_buf_puts(out, dir);
    ed_buf_puts(out, where + best_len);
}

static void add_one(ed_catalog *c, const char *dir, const char *label,
                    int is_tenant, ed_diags *d)
{
    remember_place(c, dir, label);
    size_t before = d->n;
    ed_pack *p = ed_pack_read(dir, label, is_tenant, d);
    if (p != NULL && ed_pack_inspect(p, &c->limits, d) == 0) {
        if (is_tenant) {
            push_pack(&c->tenants, &c->n_tenants, p);
        } else {
            push_pack(&c->packs, &c->n_packs, p);
        }
    } else if (p != NULL && is_tenant) {
        push_pack(&c->unsound, &c->n_unsound, p); /* cross-checked, never loaded */
    } else {
        ed_pack_free(p);
    }
    c->problems += (int)(d->n - before);
}

void ed_catalog_add_at(ed_catalog *c, const char *dir, const char *label, int is_tenant,
                       ed_diags *d)
{
    add_one(c, dir, label, is_tenant, d);
}

static void discover(ed_catalog *c, const char *dir, const char *label,
                     int depth, ed_diags *d)
{
    char *manifest = ed_path_join(dir, "pack.lua");
    int is_pack = ed_is_file(manifest);
    free(manifest);
    if (is_pack) {
        add_one(c, dir, label, 0, d);
        return;
    }
    remember_place(c, dir, label);
    if (depth >= MAX_DISCOVERY_DEPTH) {
        return;
    }
    char **names;
    int n = ed_list_dir(dir, &names);
    if (n < 0) {
        ed_diags_add(d, label, "cannot read folder %s: %s", dir, strerror(errno));
        c->problems++;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (names[i][0] == '.' || strcmp(names[i], "tests") == 0) {
            continue;
        }
        char *sub = ed_path_join(dir, names[i]);
        if (ed_is_dir(sub)) {
            char *sublabel = ed_path_join(label, names[i]);
            discover(c, sub, sublabel, depth + 1, d);
            free(sublabel);
        }
        free(sub);
    }
    ed_free_names(names, n);
}

void ed_catalog_add_packs(ed_catalog *c, const char *dir, ed_diags *d)
{
    if (!ed_is_dir(dir)) {
        ed_diags_add(d, dir, "no such pack folder");
        c->problems++;
        return;
    }
    char *manifest = ed_path_join(dir, "pack.lua");
    int is_pack = ed_is_file(manifest);
    free(manifest);
    char *label = is_pack ? label_for(dir) : ed_path_base(dir);
    if (!is_pack && strcmp(label, ".") == 0) {
        free(label);
        label = label_for(dir);
        char *slash = strchr(label, '/');
        if (slash) {
            memmove(label, slash + 1, strlen(slash));
        }
    }
    discover(c, dir, label, 0, d);
    free(label);
}

ed_catalog *ed_catalog_load(const ed_limits *limits, char *const *dirs, size_t n_dirs,
                            const char *tenants_dir, int tenants_required, ed_diags *d)
{
    ed_catalog *c = ed_catalog_new(limits);
    for (size_t i = 0; i < n_dirs; i++) {
        ed_catalog_add_packs(c, dirs[i], d);
    }
    if (tenants_dir != NULL) {
        if (ed_is_dir(tenants_dir)) {
            ed_catalog_add_tenants(c, tenants_dir, d);
        } else if (tenants_required) {
            ed_diags_add(d, tenants_dir, "no such tenants folder");
            c->problems++;
        }
    }
    ed_catalog_finish(c, d);
    return c;
}

void ed_catalog_add_tenants(ed_catalog *c, const char *dir, ed_diags *d)
{
    char **names;
    int n = ed_list_dir(dir, &names);
    if (n < 0) {
        ed_diags_add(d, dir, "cannot read tenants folder: %s", strerror(errno));
        c->problems++;
        return;
    }
    char *base = ed_path_base(dir);
    for (int i = 0; i < n; i++) {
        char *sub = ed_path_join(dir, names[i]);
        char *policy = ed_path_join(sub, "policy.lua");
        if (names[i][0] != '.' && ed_is_file(policy)) {
            char *label = ed_path_join(base, names[i]);
            add_one(c, sub, label, 1, d);
            free(label);
        }
        free(policy);
        free(sub);
    }
    free(base);
    ed_free_names(names, n);
}

static int compare_packs(const void *a, const void *b)
{
    const ed_pack *x = *(ed_pack *const *)a, *y = *(ed_pack *const *)b;
    int c = strcmp(x->name, y->name);
    if (c != 0) {
        return c;
    }
    return (x->from_day > y->from_day) - (x->from_day < y->from_day);
}

static void window_text(const ed_pack *p, ed_buf *b)
{
    ed_buf_printf(b, "%s..%s", p->from_text[0] ? p->from_text : "",
                  p->until_text[0] ? p->until_text : "");
}

static const char *type_name(int type)
{
    switch (type) {
    case LUA_TBOOLEAN: return "a boolean";
    case LUA_TNUMBER: return "a number";
    case LUA_TSTRING: return "a string";
    case LUA_TTABLE: return "a table";
    default: return "another type";
    }
}

int ed_catalog_has_rule(const ed_catalog *c, const char *id)
{
    for (size_t i = 0; i < c->n_packs; i++) {
        for (size_t j = 0; j < c->packs[i]->n_rules; j++) {
            if (strcmp(c->packs[i]->rules[j].id, id) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* Does tenant t waive rule id (with the reason a waiver must carry)? */
static int waives(const ed_pack *t, const char *id)
{
    for (size_t i = 0; i < t->n_waivers; i++) {
        if (strcmp(t->waivers[i].rule, id) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The override o of tenant t goes past the bound of the declaration q of
 * pack p: a check problem at the tenant's line, unless t waives every rule
 * the param governs (then the loosened figure decides nothing). */
static void check_bound(const ed_pack *t, const ed_pack *p, const ed_param *q,
                        const ed_param *o, ed_diags *d)
{
    int below = q->has_min && o->num < q->min, above = q->has_max && o->num > q->max;
    if (!o->has_num || (!below && !above)) {
        return;
    }
    ed_buf rules = {0};
    int all_waived = 1;
    size_t n = q->n_rules ? q->n_rules : p->n_rules;
    for (size_t i = 0; i < n; i++) {
        const char *id = q->n_rules ? q->rules[i] : p->rules[i].id;
        all_waived = all_waived && waives(t, id);
        ed_buf_printf(&rules, "%s%s", i ? ", " : "", id);
    }
    if (!all_waived || n == 0) {
        ed_diags_add(d, o->where, "params: '%s.%s' = %g loosens the statute: %s %g "
                     "(%s). A tenant may tighten it, not loosen it; to depart from "
                     "the law, waive %s with a written reason",
                     o->pack, o->key, o->num, below ? "at least" : "at most",
                     below ? q->min : q->max, q->cite ? q->cite : "the pack's bound",
                     rules.data ? rules.data : "its rules");
    }
    ed_buf_free(&rules);
}

static void check_tenant(ed_catalog *c, const ed_pack *t, ed_diags *d)
{
    size_t before = d->n;
    for (size_t i = 0; i < t->n_jurisdictions; i++) {
        int served = 0;
        for (size_t k = 0; k < c->n_packs && !served; k++) {
            served = !c->packs[k]->any_jurisdiction &&
                     ed_pack_serves(c->packs[k], t->jurisdictions[i]);
        }
        if (!served) {
            char *where = ed_pack_field_where(t, "jurisdictions");
            ed_diags_add(d, where, "jurisdictions: no loaded pack serves '%s'",
                         t->jurisdictions[i]);
            free(where);
        }
    }
    for (size_t i = 0; i < t->n_params; i++) {
        const ed_param *o = &t->params[i];
        int found_pack = 0, found_key = 0, type_ok = 0;
        if (strcmp(o->pack, t->name) == 0) {
            continue; /* the params of the tenant's own rules */
        }
        for (size_t k = 0; k < c->n_packs; k++) {
            const ed_pack *p = c->packs[k];
            if (strcmp(p->name, o->pack) != 0) {
                continue;
            }
            found_pack = 1;
            for (size_t j = 0; j < p->n_params; j++) {
                if (strcmp(p->params[j].key, o->key) == 0) {
                    found_key = 1;
                    type_ok = type_ok || p->params[j].type == o->type;
                    if (p->params[j].type == o->type && p->params[j].integer &&
                        !o->integer) {
                        ed_diags_add(d, o->where, "params: '%s.%s' must be a whole "
                                     "number, not %g", o->pack, o->key, o->num);
                    } else if (p->params[j].type == o->type) {
                        check_bound(t, p, &p->params[j], o, d);
                    }
                }
            }
        }
        if (!found_pack) {
            ed_diags_add(d, o->where, "params: no loaded pack is named '%s'", o->pack);
        } else if (!found_key) {
            ed_diags_add(d, o->where, "params: pack '%s' has no param '%s'",
                         o->pack, o->key);
        } else if (!type_ok) {
            ed_diags_add(d, o->where, "params: '%s.%s' must keep the type the pack "
                         "gives it, not %s", o->pack, o->key, type_name(o->type));
        }
    }
    for (size_t i = 0; i < t->n_waivers; i++) {
        const ed_waiver *w = &t->waivers[i];
        if (!ed_catalog_has_rule(c, w->rule)) {
            ed_diags_add(d, w->where, "waivers: no loaded pack has a rule '%s'",
                         w->rule);
        }
    }
    c->problems += (int)(d->n - before);
}

void ed_catalog_finish(ed_catalog *c, ed_diags *d)
{
    if (c->n_packs > 1) {
        qsort(c->packs, c->n_packs, sizeof *c->packs, compare_packs);
    }
    if (c->n_tenants > 1) {
        qsort(c->tenants, c->n_tenants, sizeof *c->tenants, compare_packs);
    }
    size_t before = d->n;
    for (size_t i = 0; i < c->n_packs; i++) {
        for (size_t j = i + 1; j < c->n_packs; j++) {
            const ed_pack *a = c->packs[i], *b = c->packs[j];
            if (strcmp(a->name, b->name) != 0) {
                break;
            }
            ed_buf wa = {0}, wb = {0};
            window_text(a, &wa);
            window_text(b, &wb);
            ed_buf where = {0};
            char *line = ed_pack_field_where(b, "effective_from");
            ed_buf_puts(&where, line);
            free(line);
            if (strcmp(a->version, b->version) == 0) {
                ed_diags_add(d, where.data, "pack %s version %s is also loaded "
                             "from %s", b->name, b->version, a->label);
            } else if (b->from_day <= a->until_day && a->from_day <= b->until_day) {
                ed_diags_add(d, where.data, "pack %s version %s (%s) overlaps "
                             "version %s (%s) in %s: the windows of two versions "
                             "must not share a day", b->name, b->version, wb.data,
                             a->version, wa.data, a->label);
            }
            ed_buf_free(&wa);
            ed_buf_free(&wb);
            ed_buf_free(&where);
        }
    }
    c->problems += (int)(d->n - before);
    for (size_t i = 0; i < c->n_tenants; i++) {
        check_tenant(c, c->tenants[i], d);
    }
    /* an overlay with problems of its own gets the cross-checks too: the
     * author sees every problem in one pass, not the next ones after a fix */
    for (size_t i = 0; i < c->n_unsound; i++) {
        check_tenant(c, c->unsound[i], d);
        ed_pack_free(c->unsound[i]);
    }
    free(c->unsound);
    c->unsound = NULL;
    c->n_unsound = 0;
}

const ed_pack *ed_catalog_tenant(const ed_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->n_tenants; i++) {
        if (strcmp(c->tenants[i]->name, name) == 0) {
            return c->tenants[i];
        }
    }
    return NULL;
}
