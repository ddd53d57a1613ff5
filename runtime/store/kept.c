/*
 * kept.c — what replay needs besides the journal (store.h, "Every catalog
 * that served"): the file store's kept catalogs and pack versions, the
 * writing of a restored pack (shared with PostgreSQL's), and the encoding
 * of an event's bytes as a record field.
 *
 *     <dir>/packs/catalogs/<sha256>       a catalog's manifest
 *     <dir>/packs/versions/<sha256>.pack  a pack version's files:
 *         "edict-pack 1\n", then per file "<path>\n<len>\n<bytes>\n"
 *
 * Each is written once (to a temporary file, synced, renamed into place)
 * and never changed; a pack version is checked against its digest (the
 * framing engine/pack.c hashes) when it is restored.
 */
#define _GNU_SOURCE /* mkstemp, fdatasync */

#include "store_impl.h"

#include "stdlib/hash.h"
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* An event's bytes as a record field; a label in a manifest            */
/* ------------------------------------------------------------------ */

void ed_store_event_encode(const char *bytes, size_t len, ed_buf *out)
{
    if (len == 0) {
        ed_buf_putc(out, '-');
        return;
    }
    size_t n = 4 * ((len + 2) / 3);
    ed_buf_reserve(out, n + 1);
    int w = EVP_EncodeBlock((unsigned char *)out->data + out->len, (const unsigned char *)bytes,
                            (int)len);
    out->len += (size_t)(w > 0 ? w : 0);
    out->data[out->len] = '\0';
}

int ed_store_event_decode(const char *field, size_t len, ed_buf *out)
{
    if (len == 0 || len % 4 != 0) {
        return -1;
    }
    ed_buf_reserve(out, len / 4 * 3 + 1);
    int n = EVP_DecodeBlock((unsigned char *)out->data + out->len, (const unsigned char *)field,
                            (int)len);
    if (n < 0) {
        return -1;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes */
    n -= (field[len - 1] == '=') + (field[len - 2] == '=');
    out->len += (size_t)n;
    out->data[out->len] = '\0';
    return 0;
}

void ed_store_label_encode(const char *s, ed_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '%' || *p <= ' ' || *p == 0x7f) {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            ed_buf_append(out, e, 3);
        } else {
            ed_buf_putc(out, (char)*p);
        }
    }
}

void ed_store_label_decode(const char *s, ed_buf *out)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        unsigned char byte;
        if (s[i] == '%' && i + 2 < len && ed_unhex(s + i + 1, 2, &byte) == 0) {
            ed_buf_append(out, (const char *)&byte, 1);
            i += 2;
        } else {
            ed_buf_putc(out, s[i]);
        }
    }
    ed_buf_reserve(out, 0);
}

/* ------------------------------------------------------------------ */
/* Writing a restored pack                                              */
/* ------------------------------------------------------------------ */

/* Relative, and never climbing out. */
int ed_kept_write_pack(const char *dest, const char *label, const ed_kept_file *files,
                       size_t n, ed_buf *err)
{
    if (!ed_path_is_inside(label)) {
        ed_buf_printf(err, "a kept catalog names the folder %s: not a path inside it", label);
        return -1;
    }
    char *root = ed_path_join(dest, label);
    int rc = ed_make_dirs(root, 0755) < 0 ? -1 : 0;
    if (rc != 0) {
        ed_buf_printf(err, "%s: cannot make it: %s", root, strerror(errno));
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!ed_path_is_inside(files[i].path)) {
            ed_buf_printf(err, "a kept pack names the file %s: not a path inside it",
                          files[i].path);
            rc = -1;
            break;
        }
        char *full = ed_path_join(root, files[i].path);
        rc = ed_write_file(full, files[i].data, files[i].len, err);
        free(full);
    }
    free(root);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The file store's                                                     */
/* ------------------------------------------------------------------ */

static int hex64(const char *s)
{
    if (s == NULL || strlen(s) != ED_SHA256_HEX_LEN) {
        return 0;
    }
    for (const char *p = s; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* Write bytes to path once: a temporary file beside it, synced, renamed. */
static int write_once(const char *folder, const char *path, const ed_buf *b, ed_buf *err)
{
    if (access(path, F_OK) == 0) {
        return 0;
    }
    if (ed_make_dirs(folder, 0755) < 0) {
        ed_buf_printf(err, "%s: cannot make it: %s", folder, strerror(errno));
        return -1;
    }
    char *tmp = ed_path_join(folder, ".tmp-XXXXXX");
    int fd = mkstemp(tmp);
    int rc = fd >= 0 && ed_write_all(fd, b->data, b->len) == 0 && fdatasync(fd) == 0 ? 0 : -1;
    if (rc != 0) {
        ed_buf_printf(err, "%s: cannot write: %s", path, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        ed_buf_printf(err, "%s: cannot write: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(tmp);
    } else {
        int dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(tmp);
    return rc;
}

int ed_file_catalog_keep(const char *dir, const char *digest, const char *manifest,
                         const ed_kept_pack *packs, size_t n, ed_buf *err)
{
    if (!hex64(digest)) {
        ed_buf_puts(err, "a catalog digest is 64 hex digits");
        return -1;
    }
    char *cats = NULL, *vers = NULL;
    if (asprintf(&cats, "%s/packs/catalogs", dir) < 0 ||
        asprintf(&vers, "%s/packs/versions", dir) < 0) {
        abort();
    }
    int rc = 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", cats, digest);
    if (access(path, F_OK) != 0) {
        ed_buf b = {0};
        for (size_t i = 0; rc == 0 && i < n; i++) {
            char vpath[PATH_MAX];
            if (!hex64(packs[i].digest)) {
                ed_buf_puts(err, "a pack digest is 64 hex digits");
                rc = -1;
                break;
            }
            snprintf(vpath, sizeof vpath, "%s/%s.pack", vers, packs[i].digest);
            if (access(vpath, F_OK) == 0) {
                continue;
            }
            ed_buf_reset(&b);
            ed_buf_puts(&b, "edict-pack 1\n");
            for (size_t k = 0; k < packs[i].n_files; k++) {
                ed_buf_printf(&b, "%s\n%zu\n", packs[i].files[k].path, packs[i].files[k].len);
                ed_buf_append(&b, packs[i].files[k].data, packs[i].files[k].len);
                ed_buf_putc(&b, '\n');
            }
            rc = write_once(vers, vpath, &b, err);
        }
        if (rc == 0) {
            ed_buf_reset(&b);
            ed_buf_puts(&b, manifest);
            rc = write_once(cats, path, &b, err);
        }
        ed_buf_free(&b);
    }
    free(cats);
    free(vers);
    return rc;
}

void ed_kept_digest(const ed_kept_file *files, size_t n, char hex[ED_SHA256_HEX_LEN + 1])
{
    ed_sha256 *h = ed_sha256_new();
    if (h == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        char lens[32];
        int ln = snprintf(lens, sizeof lens, "%zu", files[i].len);
        ed_sha256_update(h, files[i].path, strlen(files[i].path) + 1);
        ed_sha256_update(h, lens, (size_t)ln + 1);
        ed_sha256_update(h, files[i].data, files[i].len);
    }
    ed_sha256_final(h, hex);
}

/* Parse a kept pack version (text, len) into files pointing into it; check
 * it against its digest as engine/pack.c frames it. 0, or -1 with err. */
static int parse_version(const char *digest, char *text, size_t len, ed_kept_file **out,
                         size_t *n, ed_buf *err)
{
    static const char magic[] = "edict-pack 1\n";
    size_t pos = sizeof magic - 1, cap = 0;
    *out = NULL;
    *n = 0;
    if (len < pos || memcmp(text, magic, pos) != 0) {
        ed_buf_printf(err, "kept pack %.16s…: not a kept pack", digest);
        return -1;
    }
    while (pos < len) {
        char *nl = memchr(text + pos, '\n', len - pos);
        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        char *path = text + pos;
        pos = (size_t)(nl - text) + 1;
        char *nl2 = memchr(text + pos, '\n', len - pos);
        if (nl2 == NULL) {
            break;
        }
        *nl2 = '\0';
        char *end;
        unsigned long long fl = strtoull(text + pos, &end, 10);
        pos = (size_t)(nl2 - text) + 1;
        if (*end != '\0' || fl >= len - pos || text[pos + fl] != '\n') {
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            ed_kept_file *p = realloc(*out, cap * sizeof *p);
            if (p == NULL) {
                abort();
            }
            *out = p;
        }
        (*out)[*n] = (ed_kept_file){path, text + pos, (size_t)fl};
        (*n)++;
        pos += (size_t)fl + 1;
    }
    char got[ED_SHA256_HEX_LEN + 1];
    ed_kept_digest(*out, *n, got);
    if (pos != len || strcmp(got, digest) != 0) {
        ed_buf_printf(err, "kept pack %.16s… is damaged: its files do not match its digest",
                      digest);
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int ed_file_catalog_restore(const char *dir, const char *digest, const char *dest,
                            ed_buf *manifest, ed_buf *err)
{
    char packs[PATH_MAX];
    snprintf(packs, sizeof packs, "%s/packs", dir);
    return ed_kept_restore(packs, digest, dest, manifest, err);
}

int ed_kept_restore(const char *packs, const char *digest, const char *dest, ed_buf *manifest,
                    ed_buf *err)
{
    const char *dir = packs;
    if (!hex64(digest)) {
        return 1;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/catalogs/%s", dir, digest);
    size_t len;
    char *text = ed_read_file(path, &len);
    if (text == NULL) {
        if (errno == ENOENT) {
            return 1;
        }
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    char got[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(text, len, got);
    if (strcmp(got, digest) != 0) {
        ed_buf_printf(err, "kept catalog %.16s… is damaged: its manifest does not match "
                      "its digest", digest);
        free(text);
        return -1;
    }
    ed_buf_append(manifest, text, len);
    int rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); rc == 0 && line;
         line = strtok_r(NULL, "\n", &save)) {
        char kind[16], hex[ED_SHA256_HEX_LEN + 1], label[PATH_MAX];
        if (sscanf(line, "%15s %64s %4095s", kind, hex, label) != 3 || !hex64(hex)) {
            ed_buf_printf(err, "kept catalog %.16s…: a line is not '<kind> <digest> <label>'",
                          digest);
            rc = -1;
            break;
        }
        snprintf(path, sizeof path, "%s/versions/%s.pack", dir, hex);
        size_t vlen;
        char *v = ed_read_file(path, &vlen);
        if (v == NULL) {
            ed_buf_printf(err, "kept pack %.16s… (%s) is missing: %s", hex, label,
                          strerror(errno));
            rc = -1;
            break;
        }
        ed_kept_file *files;
        size_t n;
        rc = parse_version(hex, v, vlen, &files, &n, err);
        if (rc == 0) {
            ed_buf shown = {0};
            ed_store_label_decode(label, &shown);
            rc = ed_kept_write_pack(dest, shown.data, files, n, err);
            ed_buf_free(&shown);
        }
        free(files);
        free(v);
    }
    free(text);
    return rc;
}

/* ------------------------------------------------------------------ */
/* A restored pack as one text (packages carry them so)                 */
/* ------------------------------------------------------------------ */

typedef struct file_list {
    ed_kept_file *f;
    size_t n;
} file_list;

static int list_tree(const char *root, const char *rel, file_list *l, int depth)
{
    char *dir = rel[0] ? ed_path_join(root, rel) : ed_strdup(root);
    char **names;
    int n = ed_list_dir(dir, &names);
    int rc = n < 0 || depth > 32 ? -1 : 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        char *sub = rel[0] ? ed_path_join(rel, names[i]) : ed_strdup(names[i]);
        char *full = ed_path_join(root, sub);
        if (ed_is_dir(full)) {
            rc = list_tree(root, sub, l, depth + 1);
            free(sub);
        } else {
            size_t len;
            char *data = ed_read_file(full, &len);
            if (data == NULL) {
                rc = -1;
                free(sub);
            } else {
                ed_kept_file *p = realloc(l->f, (l->n + 1) * sizeof *p);
                if (p == NULL) {
                    abort();
                }
                l->f = p;
                l->f[l->n++] = (ed_kept_file){sub, data, len};
            }
        }
        free(full);
    }
    if (n >= 0) {
        ed_free_names(names, n);
    }
    free(dir);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const ed_kept_file *)a)->path, ((const ed_kept_file *)b)->path);
}

int ed_kept_pack_text(const char *folder, ed_buf *out, char hex[ED_SHA256_HEX_LEN + 1])
{
    file_list l = {NULL, 0};
    int rc = list_tree(folder, "", &l, 0);
    if (rc == 0) {
        qsort(l.f, l.n, sizeof *l.f, by_path);
        ed_kept_digest(l.f, l.n, hex);
        ed_buf_puts(out, "edict-pack 1\n");
        for (size_t i = 0; i < l.n; i++) {
            ed_buf_printf(out, "%s\n%zu\n", l.f[i].path, l.f[i].len);
            ed_buf_append(out, l.f[i].data, l.f[i].len);
            ed_buf_putc(out, '\n');
        }
    }
    for (size_t i = 0; i < l.n; i++) {
        free((char *)l.f[i].path);
        free((char *)l.f[i].data);
    }
    free(l.f);
    return rc;
}

int ed_kept_pack_check(const char *hex, const char *text, size_t len, ed_buf *err)
{
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        abort();
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    ed_kept_file *files;
    size_t n;
    int rc = parse_version(hex, copy, len, &files, &n, err);
    if (rc == 0) {
        free(files);
    }
    free(copy);
    return rc;
}
