/*
 * pg_packs.c — `edict packs publish` into PostgreSQL, and what a node
 * needs to follow it: the newest generation's number, its files, and a
 * connection that LISTENs on edict_packs (migrations/003_packs.sql).
 *
 * A listener's connection can break (a restart, the network); a
 * notification sent meanwhile is lost. So a check that finds it broken
 * connects again, LISTENs again, and reports that the caller must re-read
 * the current generation, as after a notification.
 */
#define _XOPEN_SOURCE 700

#include "pg_packs.h"
#include "store_impl.h"

#include "stdlib/hash.h"
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pack_file {
    char *path;     /* relative to the published folder */
    char *bytes;
    size_t len;
    char digest[ED_SHA256_HEX_LEN + 1];
} pack_file;

typedef struct tree {
    pack_file *files;
    size_t n, cap;
    size_t root_len;
    ed_buf *err;
} tree;

/* nftw has no argument for its callback */
static tree *walking;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    tree *t = walking;
    const char *name = path + ftw->base;
    if (ftw->level > 0 && name[0] == '.') {
        return 0; /* .git and the like: not a pack's (nftw still enters a
                   * skipped folder; its files are skipped by the test below) */
    }
    const char *rel = path + t->root_len;
    while (*rel == '/') {
        rel++;
    }
    if (strstr(rel, "/.") != NULL) {
        return 0;
    }
    if (flag == FTW_SL || flag == FTW_SLN) {
        ed_buf_printf(t->err, "%s: a symbolic link: publish the files themselves", path);
        return 1;
    }
    if (flag == FTW_DNR || flag == FTW_NS) {
        ed_buf_printf(t->err, "%s: cannot be read", path);
        return 1;
    }
    if (flag != FTW_F || !S_ISREG(st->st_mode)) {
        return 0;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->files = realloc(t->files, t->cap * sizeof *t->files);
        if (t->files == NULL) {
            abort();
        }
    }
    pack_file *f = &t->files[t->n];
    f->bytes = ed_read_file(path, &f->len);
    if (f->bytes == NULL) {
        ed_buf_printf(t->err, "%s: %s", path, strerror(errno));
        return 1;
    }
    f->path = ed_strdup(rel);
    ed_sha256_hex(f->bytes, f->len, f->digest);
    t->n++;
    return 0;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const pack_file *)a)->path, ((const pack_file *)b)->path);
}

static void tree_free(tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->files[i].path);
        free(t->files[i].bytes);
    }
    free(t->files);
}

static void rollback(PGconn *c)
{
    if (PQtransactionStatus(c) != PQTRANS_IDLE) {
        PQclear(PQexec(c, "ROLLBACK"));
    }
}

long long ed_pg_packs_publish(const ed_pg_target *t, PGconn *c, const char *dir,
                              const char *by, ed_buf *err)
{
    if (!ed_is_dir(dir)) {
        ed_buf_printf(err, "%s: not a folder", dir);
        return -1;
    }
    tree tr = {NULL, 0, 0, strlen(dir), err};
    walking = &tr;
    int rc = nftw(dir, collect, 16, FTW_PHYS);
    walking = NULL;
    if (rc != 0 || tr.n == 0) {
        if (rc == 0) {
            ed_buf_printf(err, "%s: no files to publish", dir);
        } else if (err->len == 0) {
            ed_buf_printf(err, "%s: cannot be read", dir);
        }
        tree_free(&tr);
        return -1;
    }
    qsort(tr.files, tr.n, sizeof *tr.files, by_path);
    ed_sha256 *h = ed_sha256_new();
    if (h == NULL) {
        abort();
    }
    for (size_t i = 0; i < tr.n; i++) {
        ed_sha256_update(h, tr.files[i].path, strlen(tr.files[i].path) + 1);
        ed_sha256_update(h, tr.files[i].digest, ED_SHA256_HEX_LEN);
        ed_sha256_update(h, "\n", 1);
    }
    char digest[ED_SHA256_HEX_LEN + 1], files[24];
    ed_sha256_final(h, digest);
    snprintf(files, sizeof files, "%zu", tr.n);
    long long id = -1;
    const char *gv[3] = {digest, files, by};
    PGresult *r = NULL;
    if (ed_pg_exec(t, c, "BEGIN", err) != 0) {
        goto out;
    }
    r = PQexecParams(c, "INSERT INTO edict.pack_generation (digest, files, published_by) "
                     "VALUES ($1, $2::integer, $3) RETURNING id::text", 3, NULL, gv, NULL,
                     NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ed_pg_error(t, c, r, "publishing packs", err);
        goto out;
    }
    char gen[24];
    snprintf(gen, sizeof gen, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    r = NULL;
    for (size_t i = 0; i < tr.n; i++) {
        const char *fv[4] = {gen, tr.files[i].path, tr.files[i].digest, tr.files[i].bytes};
        const int fl[4] = {0, 0, 0, (int)tr.files[i].len}, ff[4] = {0, 0, 0, 1};
        r = PQexecParams(c, "INSERT INTO edict.pack_file (generation, path, digest, bytes) "
                         "VALUES ($1::bigint, $2, $3, $4)", 4, NULL, fv, fl, ff, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            ed_pg_error(t, c, r, "publishing packs", err);
            goto out;
        }
        PQclear(r);
        r = NULL;
    }
    /* sent at COMMIT, to every listening node */
    const char *nv[1] = {gen};
    r = PQexecParams(c, "SELECT pg_notify('edict_packs', $1)", 1, NULL, nv, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ed_pg_error(t, c, r, "publishing packs", err);
        goto out;
    }
    PQclear(r);
    r = NULL;
    if (ed_pg_exec(t, c, "COMMIT", err) == 0) {
        id = atoll(gen);
    }
out:
    PQclear(r);
    rollback(c);
    tree_free(&tr);
    return id;
}

long long ed_pg_packs_current(const ed_pg_target *t, PGconn *c, ed_buf *err)
{
    PGresult *r = PQexec(c, "SELECT coalesce(max(id), 0)::text FROM edict.pack_generation");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ed_pg_error(t, c, r, "reading the published packs", err);
        PQclear(r);
        return -1;
    }
    long long id = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return id;
}

/* A stored path is relative and never climbs (the table checks it too). */
int ed_pg_packs_fetch(const ed_pg_target *t, PGconn *c, long long id, const char *dest,
                      ed_buf *err)
{
    char gen[24];
    snprintf(gen, sizeof gen, "%lld", id);
    const char *v[1] = {gen};
    PGresult *r = PQexecParams(c, "SELECT path, digest, bytes FROM edict.pack_file WHERE "
                               "generation = $1::bigint ORDER BY path", 1, NULL, v, NULL,
                               NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ed_pg_error(t, c, r, "reading published packs", err);
        PQclear(r);
        return -1;
    }
    int rc = PQntuples(r) > 0 ? 0 : -1;
    if (rc != 0) {
        ed_buf_printf(err, "store %s: published generation %lld has no files", t->shown, id);
    }
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        /* binary text is the text itself, without a NUL: copy it */
        char *path = strndup(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
        char *want = strndup(PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
        const char *bytes = PQgetvalue(r, i, 2);
        size_t len = (size_t)PQgetlength(r, i, 2);
        char got[ED_SHA256_HEX_LEN + 1];
        ed_sha256_hex(bytes, len, got);
        if (path == NULL || want == NULL) {
            abort();
        }
        if (!ed_path_is_inside(path)) {
            ed_buf_printf(err, "published generation %lld: %s: not a path inside the packs",
                          id, path);
            rc = -1;
        } else if (strcmp(got, want) != 0) {
            ed_buf_printf(err, "published generation %lld: %s: its bytes do not match its "
                          "digest", id, path);
            rc = -1;
        } else {
            char *full = ed_path_join(dest, path);
            rc = ed_write_file(full, bytes, len, err);
            free(full);
        }
        free(path);
        free(want);
    }
    PQclear(r);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The listener                                                          */
/* ------------------------------------------------------------------ */

struct ed_store_listener {
    const ed_pg_target *t; /* the store's, which outlives this */
    PGconn *c;             /* NULL while down */
};

ed_store_listener *ed_pg_listener_new(const ed_pg_target *t)
{
    ed_store_listener *l = calloc(1, sizeof *l);
    if (l == NULL) {
        abort();
    }
    l->t = t;
    return l;
}

int ed_store_listener_fd(ed_store_listener *l)
{
    return l && l->c ? PQsocket(l->c) : -1;
}

int ed_store_listener_check(ed_store_listener *l, ed_buf *err)
{
    if (l->c != NULL && PQstatus(l->c) == CONNECTION_OK && PQconsumeInput(l->c) == 1) {
        int got = 0;
        PGnotify *n;
        while ((n = PQnotifies(l->c)) != NULL) {
            got = 1;
            PQfreemem(n);
        }
        return got;
    }
    /* down (or never up): whatever was sent meanwhile is lost, so listen
     * again and have the caller read the current generation again */
    if (l->c != NULL) {
        PQfinish(l->c);
        l->c = NULL;
    }
    PGconn *c = ed_pg_connect(l->t, err);
    if (c == NULL) {
        return -1;
    }
    if (ed_pg_exec(l->t, c, "LISTEN edict_packs", err) != 0 || PQsetnonblocking(c, 1) != 0) {
        PQfinish(c);
        return -1;
    }
    l->c = c;
    return 1;
}

void ed_store_listener_close(ed_store_listener *l)
{
    if (l) {
        if (l->c) {
            PQfinish(l->c);
        }
        free(l);
    }
}

/* ------------------------------------------------------------------ */
/* Kept catalogs (replay)                                               */
/* ------------------------------------------------------------------ */

/* binary results when out is given (bytea as its bytes; text is its text) */
static int exec_params(const ed_pg_target *t, PGconn *c, const char *sql, int n,
                       const char *const *v, const int *l, const int *f, ExecStatusType want,
                       const char *doing, PGresult **out, ed_buf *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, l, f, out != NULL);
    if (PQresultStatus(r) != want) {
        ed_pg_error(t, c, r, doing, err);
        PQclear(r);
        return -1;
    }
    if (out) {
        *out = r;
    } else {
        PQclear(r);
    }
    return 0;
}

int ed_pg_catalog_keep(const ed_pg_target *t, PGconn *c, const char *digest,
                       const char *manifest, const ed_kept_pack *packs, size_t n, ed_buf *err)
{
    const char *dv[1] = {digest};
    PGresult *r = NULL;
    if (exec_params(t, c, "SELECT 1 FROM edict.kept_catalog WHERE digest = $1", 1, dv, NULL,
                    NULL, PGRES_TUPLES_OK, "looking up a kept catalog", &r, err) != 0) {
        return -1;
    }
    int have = PQntuples(r) > 0;
    PQclear(r);
    if (have) {
        return 0;
    }
    int rc = ed_pg_exec(t, c, "BEGIN", err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (size_t k = 0; rc == 0 && k < packs[i].n_files; k++) {
            const ed_kept_file *f = &packs[i].files[k];
            const char *v[3] = {packs[i].digest, f->path, f->data};
            const int l[3] = {0, 0, (int)f->len}, fm[3] = {0, 0, 1};
            rc = exec_params(t, c, "INSERT INTO edict.kept_pack_file (pack, path, bytes) "
                             "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", 3, v, l, fm,
                             PGRES_COMMAND_OK, "keeping a pack version", NULL, err);
        }
    }
    if (rc == 0) {
        const char *v[2] = {digest, manifest};
        rc = exec_params(t, c, "INSERT INTO edict.kept_catalog (digest, manifest) VALUES "
                         "($1, $2) ON CONFLICT DO NOTHING", 2, v, NULL, NULL,
                         PGRES_COMMAND_OK, "keeping a catalog", NULL, err);
    }
    if (rc == 0) {
        rc = ed_pg_exec(t, c, "COMMIT", err);
    }
    rollback(c);
    return rc;
}

static int by_kept_path(const void *a, const void *b)
{
    return strcmp(((const ed_kept_file *)a)->path, ((const ed_kept_file *)b)->path);
}

int ed_pg_catalog_restore(const ed_pg_target *t, PGconn *c, const char *digest,
                          const char *dest, ed_buf *manifest, ed_buf *err)
{
    const char *dv[1] = {digest};
    PGresult *r = NULL;
    if (exec_params(t, c, "SELECT manifest FROM edict.kept_catalog WHERE digest = $1", 1, dv,
                    NULL, NULL, PGRES_TUPLES_OK, "reading a kept catalog", &r, err) != 0) {
        return -1;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 1;
    }
    char *text = strndup(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    if (text == NULL) {
        abort();
    }
    char got[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(text, strlen(text), got);
    if (strcmp(got, digest) != 0) {
        ed_buf_printf(err, "kept catalog %.16s… is damaged: its manifest does not match its "
                      "digest", digest);
        free(text);
        return -1;
    }
    ed_buf_puts(manifest, text);
    int rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); rc == 0 && line;
         line = strtok_r(NULL, "\n", &save)) {
        char kind[16], hex[ED_SHA256_HEX_LEN + 1], label[4096];
        if (sscanf(line, "%15s %64s %4095s", kind, hex, label) != 3) {
            ed_buf_printf(err, "kept catalog %.16s…: a line is not '<kind> <digest> <label>'",
                          digest);
            rc = -1;
            break;
        }
        const char *pv[1] = {hex};
        if (exec_params(t, c, "SELECT path, bytes FROM edict.kept_pack_file WHERE pack = $1",
                        1, pv, NULL, NULL, PGRES_TUPLES_OK, "reading a kept pack", &r,
                        err) != 0) {
            rc = -1;
            break;
        }
        int n = PQntuples(r);
        ed_kept_file *files = calloc(n ? (size_t)n : 1, sizeof *files);
        if (files == NULL) {
            abort();
        }
        for (int i = 0; i < n; i++) {
            files[i] = (ed_kept_file){PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                                      (size_t)PQgetlength(r, i, 1)};
        }
        qsort(files, (size_t)n, sizeof *files, by_kept_path);
        ed_kept_digest(files, (size_t)n, got);
        if (n == 0 || strcmp(got, hex) != 0) {
            ed_buf_printf(err, "kept pack %.16s… (%s) is %s", hex, label,
                          n == 0 ? "missing" : "damaged: its files do not match its digest");
            rc = -1;
        } else {
            ed_buf shown = {0};
            ed_store_label_decode(label, &shown);
            rc = ed_kept_write_pack(dest, shown.data, files, (size_t)n, err);
            ed_buf_free(&shown);
        }
        free(files);
        PQclear(r);
    }
    free(text);
    return rc;
}
