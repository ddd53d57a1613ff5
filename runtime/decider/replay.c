/*
 * replay.c — deciding a journaled decision again (`edict replay`,
 * decider.h): the catalog that decided it is kept in the store by digest
 * (ed_decider_keep_catalog, at a generation's first decision), and its
 * entry keeps the event's exact bytes; replay restores that catalog under
 * the labels it decided with, decides those bytes as of the decision's
 * as_of for its tenant, and compares the bytes. Rules asking Metrc
 * (edict.metrc) are answered from the answers the decision recorded
 * ("metrc_answers", engine/answers.c), never by Metrc: a question it
 * records no answer to is unavailable, and the replay says which.
 */
#define _GNU_SOURCE /* mkdtemp */

#include "decider.h"
#include "decide.h"

#include "engine/answers.h"
#include "engine/json.h"
#include "stdlib/hash.h"
#include "util/fsutil.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Keeping a catalog                                                    */
/* ------------------------------------------------------------------ */

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ed_decider_keep_catalog(ed_store *s, const ed_catalog *cat, char hex[65], ed_buf *err)
{
    size_t n = cat->n_packs + cat->n_tenants;
    char **lines = calloc(n ? n : 1, sizeof *lines);
    ed_kept_pack *packs = calloc(n ? n : 1, sizeof *packs);
    ed_kept_file **files = calloc(n ? n : 1, sizeof *files);
    if (lines == NULL || packs == NULL || files == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const ed_pack *p = i < cat->n_packs ? cat->packs[i] : cat->tenants[i - cat->n_packs];
        const char *digest = strncmp(p->digest, "sha256:", 7) == 0 ? p->digest + 7 : p->digest;
        ed_buf line = {0};
        ed_buf_printf(&line, "%s %s ", p->is_tenant ? "tenant" : "pack", digest);
        ed_store_label_encode(p->label, &line);
        ed_buf_putc(&line, '\n');
        lines[i] = line.data;
        files[i] = calloc(p->n_files ? p->n_files : 1, sizeof *files[i]);
        if (files[i] == NULL) {
            abort();
        }
        for (size_t k = 0; k < p->n_files; k++) {
            files[i][k] = (ed_kept_file){p->files[k].path, p->files[k].data, p->files[k].len};
        }
        packs[i] = (ed_kept_pack){digest, files[i], p->n_files};
    }
    qsort(lines, n, sizeof *lines, compare_lines);
    ed_buf manifest = {0};
    ed_buf_reserve(&manifest, 0);
    for (size_t i = 0; i < n; i++) {
        ed_buf_puts(&manifest, lines[i]);
        free(lines[i]);
    }
    ed_sha256_hex(manifest.data, manifest.len, hex);
    int rc = ed_store_catalog_keep(s, hex, manifest.data, packs, n, err);
    if (rc == ED_STORE_UNSUPPORTED) {
        rc = 0;
    } else if (rc != 0 && err->len == 0) {
        ed_buf_puts(err, "cannot keep the catalog for replay");
    }
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
    }
    free(files);
    free(packs);
    free(lines);
    ed_buf_free(&manifest);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Replaying                                                            */
/* ------------------------------------------------------------------ */

typedef struct restored {
    char hex[65];
    ed_catalog *cat;       /* NULL: it could not be restored (why) */
    char *why;
    ed_decider *d;
} restored;

struct ed_replayer {
    ed_store *store;       /* where catalogs are kept; or */
    char *kept;            /* a folder laid out as the store's packs/ */
    ed_limits limits;
    char *tmp;             /* where catalogs are restored */
    restored *cats;
    size_t n_cats;
    lua_State *J;          /* cjson, to read a decision's as_of */
};

ed_replayer *ed_replayer_new_kept(const char *kept_dir, const ed_limits *limits, ed_buf *err)
{
    ed_replayer *r = ed_replayer_new(NULL, limits, err);
    if (r != NULL) {
        r->kept = ed_strdup(kept_dir);
    }
    return r;
}

ed_replayer *ed_replayer_new(ed_store *s, const ed_limits *limits, ed_buf *err)
{
    ed_replayer *r = calloc(1, sizeof *r);
    if (r == NULL) {
        abort();
    }
    r->store = s;
    r->limits = *limits;
    const char *base = getenv("TMPDIR");
    if (asprintf(&r->tmp, "%s/edict-replay-XXXXXX", base && base[0] ? base : "/tmp") < 0) {
        abort();
    }
    r->J = ed_json_host_state();
    if (mkdtemp(r->tmp) == NULL || r->J == NULL) {
        ed_buf_printf(err, "cannot make a folder to restore packs in (%s)", r->tmp);
        if (r->J) {
            lua_close(r->J);
        }
        free(r->tmp);
        free(r);
        return NULL;
    }
    return r;
}

void ed_replayer_free(ed_replayer *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->n_cats; i++) {
        ed_decider_free(r->cats[i].d);
        ed_catalog_free(r->cats[i].cat);
        free(r->cats[i].why);
    }
    free(r->cats);
    ed_remove_tree(r->tmp);
    free(r->tmp);
    free(r->kept);
    lua_close(r->J);
    free(r);
}

/* Restore catalog hex from the store and load it, once. */
static restored *catalog_of(ed_replayer *r, const char *hex)
{
    for (size_t i = 0; i < r->n_cats; i++) {
        if (strcmp(r->cats[i].hex, hex) == 0) {
            return &r->cats[i];
        }
    }
    restored *p = realloc(r->cats, (r->n_cats + 1) * sizeof *p);
    if (p == NULL) {
        abort();
    }
    r->cats = p;
    restored *c = &r->cats[r->n_cats++];
    memset(c, 0, sizeof *c);
    snprintf(c->hex, sizeof c->hex, "%s", hex);
    char *dest = ed_path_join(r->tmp, hex);
    ed_buf manifest = {0}, err = {0};
    int rc = r->kept ? ed_kept_restore(r->kept, hex, dest, &manifest, &err)
                     : ed_store_catalog_restore(r->store, hex, dest, &manifest, &err);
    if (rc != 0) {
        if (rc == 1 || rc == ED_STORE_UNSUPPORTED) {
            ed_buf_printf(&err, "the store has no catalog %.16s…", hex);
        }
        c->why = ed_strdup(err.data);
        goto out;
    }
    ed_catalog *cat = ed_catalog_new(&r->limits);
    ed_diags diags = {0};
    char *save = NULL;
    ed_buf_reserve(&manifest, 0);
    for (char *line = strtok_r(manifest.data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char kind[16], digest[65], enc[4096];
        if (sscanf(line, "%15s %64s %4095s", kind, digest, enc) != 3) {
            continue; /* the store checked the manifest's form */
        }
        ed_buf label = {0};
        ed_store_label_decode(enc, &label);
        char *dir = ed_path_join(dest, label.data);
        size_t before = cat->n_packs + cat->n_tenants;
        ed_catalog_add_at(cat, dir, label.data, strcmp(kind, "tenant") == 0, &diags);
        if (cat->n_packs + cat->n_tenants == before + 1) {
            /* the pack just added (sorted only by ed_catalog_finish) */
            const ed_pack *added = strcmp(kind, "tenant") == 0 ? cat->tenants[cat->n_tenants - 1]
                                                               : cat->packs[cat->n_packs - 1];
            if (strcmp(added->digest + 7, digest) != 0) {
                ed_diags_add(&diags, label.data, "restored with digest %s, kept as %s",
                             added->digest, digest);
                cat->problems++;
            }
        }
        free(dir);
        ed_buf_free(&label);
    }
    ed_catalog_finish(cat, &diags);
    if (cat->problems > 0) {
        ed_buf_printf(&err, "catalog %.16s… does not load again: ", hex);
        ed_diags_text(&diags, &err);
        while (err.len && err.data[err.len - 1] == '\n') {
            err.data[--err.len] = '\0';
        }
        c->why = ed_strdup(err.data);
        ed_catalog_free(cat);
    } else {
        c->cat = cat;
        ed_decider_config cfg = {.cat = cat};
        c->d = ed_decider_new(&cfg, &err);
        if (c->d == NULL) {
            c->why = ed_strdup(err.data);
        }
    }
    ed_diags_free(&diags);
out:
    free(dest);
    ed_buf_free(&manifest);
    ed_buf_free(&err);
    return c;
}

typedef struct again {
    ed_buf *out, *why;
    int decided;
} again;

static int take_verdict(void *arg, const ed_verdict *v)
{
    again *a = arg;
    if (v->status == ED_DECIDED) {
        ed_buf_append(a->out, v->decision, v->len);
        a->decided = 1;
    } else {
        ed_buf_printf(a->why, "not decided again: %s", v->error ? v->error : "");
    }
    return 0;
}

/* The decision's as_of, as it wrote it, into out (cap bytes), its tenant
 * into tenant, the vault fact it recorded (ED_VAULT_*), and the Metrc
 * answers it recorded into answers. 0; -1 without an as_of; -2 when its
 * metrc_answers cannot be read (why). */
static int decision_as_of(ed_replayer *r, const ed_entry *e, char *out, size_t cap,
                          char tenant[ED_EVENT_NAME_MAX + 1], int *vault,
                          ed_answers *answers, ed_buf *why)
{
    ed_buf err = {0};
    int rc = -1;
    lua_settop(r->J, 0);
    if (ed_json_decode(r->J, e->bytes, e->len, &err) == 0 && lua_istable(r->J, -1)) {
        lua_getfield(r->J, -1, "as_of");
        size_t n;
        const char *s = lua_tolstring(r->J, -1, &n);
        if (s != NULL && lua_type(r->J, -1) == LUA_TSTRING && n < cap) {
            memcpy(out, s, n + 1);
            rc = 0;
        }
        lua_pop(r->J, 1);
        lua_getfield(r->J, -1, "tenant");
        s = lua_type(r->J, -1) == LUA_TSTRING ? lua_tolstring(r->J, -1, &n) : NULL;
        if (s != NULL && n <= ED_EVENT_NAME_MAX) {
            memcpy(tenant, s, n + 1);
        }
        lua_pop(r->J, 1);
        lua_getfield(r->J, -1, "evidence_in_vault");
        *vault = lua_type(r->J, -1) != LUA_TBOOLEAN ? ED_VAULT_UNKNOWN
                 : lua_toboolean(r->J, -1)          ? ED_VAULT_HELD
                                                    : ED_VAULT_MISSING;
        lua_pop(r->J, 1);
        if (rc == 0 && lua_getfield(r->J, -1, "metrc_answers") != LUA_TNIL) {
            ed_buf msg = {0};
            if (ed_answers_add_list(answers, r->J, -1, &msg) != 0) {
                ed_buf_printf(why, "the stored decision's metrc_answers%s", msg.data);
                rc = -2;
            }
            ed_buf_free(&msg);
        }
    }
    lua_settop(r->J, 0);
    ed_buf_free(&err);
    return rc;
}

int ed_replay_entry(ed_replayer *r, const ed_entry *e, ed_buf *out, ed_buf *why)
{
    ed_buf_reset(out);
    ed_buf_reset(why);
    if (e->bytes == NULL) {
        ed_buf_puts(why, "archived past its retention: nothing left to decide again");
        return ED_REPLAY_CANNOT;
    }
    if (e->event == NULL) {
        ed_buf_puts(why, "the entry keeps no event bytes (journaled before replay was "
                    "kept, or its evaluator was lost)");
        return ED_REPLAY_CANNOT;
    }
    if (e->catalog == NULL || e->catalog[0] == '\0') {
        ed_buf_puts(why, "the entry names no kept catalog");
        return ED_REPLAY_CANNOT;
    }
    char as_of[96];
    int vault = ED_VAULT_UNKNOWN;
    char tenant[ED_EVENT_NAME_MAX + 1] = "";
    ed_answers *answers = ed_answers_new("the decision records");
    int got = decision_as_of(r, e, as_of, sizeof as_of, tenant, &vault, answers, why);
    if (got != 0) {
        if (got == -1) {
            ed_buf_puts(why, "the stored decision has no as_of");
        }
        ed_answers_free(answers);
        return ED_REPLAY_CANNOT;
    }
    restored *c = catalog_of(r, e->catalog);
    if (c->d == NULL) {
        ed_buf_puts(why, c->why ? c->why : "its catalog cannot be restored");
        ed_answers_free(answers);
        return ED_REPLAY_CANNOT;
    }
    /* the entry's tenant (a package's entries name none: the decision's) */
    c->d->cfg.tenant = e->tenant[0] ? e->tenant : tenant;
    c->d->cfg.as_of = as_of;
    c->d->vault_given = vault;
    /* Metrc is never asked again: the rules get what it answered then */
    c->d->cfg.lookup = ed_answers_lookup;
    c->d->cfg.lookup_arg = answers;
    again a = {out, why, 0};
    int rc = ed_decider_read_buffer(c->d, e->event, e->event_len, 1, take_verdict, &a);
    c->d->cfg.tenant = NULL;
    c->d->cfg.as_of = NULL;
    c->d->vault_given = ED_VAULT_UNKNOWN;
    c->d->cfg.lookup = NULL;
    c->d->cfg.lookup_arg = NULL;
    ed_buf missed = {0};
    if (ed_answers_missed(answers) != NULL) {
        ed_buf_printf(&missed, " (a rule asked Metrc what the decision records no answer "
                      "to: %s)", ed_answers_missed(answers));
    }
    ed_answers_free(answers);
    if (!a.decided) {
        if (why->len == 0) {
            ed_buf_printf(why, "not decided again (%d)", rc);
        }
        ed_buf_free(&missed);
        return ED_REPLAY_CANNOT;
    }
    if (out->len == e->len && memcmp(out->data, e->bytes, e->len) == 0) {
        ed_buf_free(&missed);
        return ED_REPLAY_SAME;
    }
    size_t at = 0;
    while (at < out->len && at < e->len && out->data[at] == e->bytes[at]) {
        at++;
    }
    size_t from = at > 40 ? at - 40 : 0;
    int sl = (int)((e->len - from) < 120 ? e->len - from : 120);
    int rl = (int)((out->len - from) < 120 ? out->len - from : 120);
    ed_buf_printf(why, "differs from byte %zu: stored …%.*s…, decided again …%.*s…%s", at + 1,
                  sl, e->bytes + from, rl, out->data + from, missed.len ? missed.data : "");
    ed_buf_free(&missed);
    return ED_REPLAY_DIFFERENT;
}
