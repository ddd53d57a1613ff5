/*
 * evidence.c — the evidence vault (store.h, "Evidence"): blobs (photos,
 * manifests, scans) kept content-addressed by the SHA-512 of their bytes,
 * once per tenant, encrypted at rest with AES-256-GCM under the tenant's
 * key, written through a temporary file and renamed into place only once
 * complete and synced, so that an upload cut short leaves nothing that is
 * served. Every read decrypts the whole blob, checks the GCM tag and the
 * SHA-512 of the plaintext against the name, and fails naming the digest
 * when either does not hold. The keys never live in the vault: they come
 * from a key file outside it, or from the environment.
 *
 * A blob on disk: "EDEVID1\n", a 12-byte random nonce, the ciphertext
 * (as long as the plaintext), the 16-byte tag. The additional data is
 * "edict-evidence-v1\n<tenant>\n", so a blob moved to another tenant's
 * folder does not decrypt.
 */
#define _GNU_SOURCE /* memmem; mkstemp, fsync, realpath */
#define evidence_c

#include "store.h"

#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stdlib/hash.h"

#define MAGIC "EDEVID1\n"
#define MAGIC_LEN 8
#define NONCE_LEN 12
#define TAG_LEN 16
#define KEY_LEN 32
#define CHUNK (64 * 1024)

typedef struct vault_key {
    char *tenant;            /* NULL: the master, keys derived per tenant */
    unsigned char key[KEY_LEN];
} vault_key;

struct ed_vault {
    char *dir;
    vault_key *keys;
    size_t n_keys;
};

struct ed_vault_put {
    ed_vault *v;
    char *tenant_dir;
    char *tmp;
    int fd;
    EVP_CIPHER_CTX *enc;
    EVP_MD_CTX *md;
    uint64_t size;
    unsigned char out[CHUNK + 32];
};

const char *ed_vault_default_dir(const char *store_location)
{
    static char path[PATH_MAX];
    const char *env = getenv("EDICT_EVIDENCE_DIR");
    if (env && *env) {
        return env;
    }
    if (store_location == NULL || strncmp(store_location, "postgres://", 11) == 0 ||
        strncmp(store_location, "postgresql://", 13) == 0) {
        return NULL;
    }
    if (strncmp(store_location, "file:", 5) == 0) {
        store_location += 5;
    }
    snprintf(path, sizeof path, "%s/evidence", store_location);
    return path;
}

static int parse_key_line(const char *line, size_t n, vault_key *k, ed_buf *err,
                          const char *where, int lineno)
{
    const char *sp = memchr(line, ' ', n);
    if (sp == NULL || sp == line) {
        ed_buf_printf(err, "%s:%d: a key line is TENANT (or *) and 64 hex digits", where,
                      lineno);
        return -1;
    }
    const char *hex = sp + 1;
    size_t hn = n - (size_t)(hex - line);
    while (hn && (hex[hn - 1] == ' ' || hex[hn - 1] == '\r')) {
        hn--;
    }
    if (hn != 2 * KEY_LEN || ed_unhex(hex, hn, k->key) != 0) {
        ed_buf_printf(err, "%s:%d: the key is not 64 hex digits (32 bytes)", where, lineno);
        return -1;
    }
    size_t tn = (size_t)(sp - line);
    k->tenant = (tn == 1 && line[0] == '*') ? NULL : ed_xmalloc(tn + 1);
    if (k->tenant) {
        memcpy(k->tenant, line, tn);
        k->tenant[tn] = '\0';
    }
    return 0;
}

/* 1 when path is dir or lies under it (both resolved). */
static int path_inside(const char *path, const char *dir)
{
    char rp[PATH_MAX], rd[PATH_MAX];
    if (realpath(path, rp) == NULL || realpath(dir, rd) == NULL) {
        return 0;
    }
    size_t n = strlen(rd);
    return strncmp(rp, rd, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
}

/* Uploads a crash (or a killed process) left in <tenant>/tmp/: never
 * renamed into place, never served; removed once older than an hour (a
 * node sharing the vault may be streaming one now). */
#define STALE_UPLOAD_S 3600

static void sweep_stale_uploads(const char *dir)
{
    char **tenants;
    int n = ed_list_dir(dir, &tenants);
    time_t now = time(NULL);
    for (int i = 0; i < n; i++) {
        char *tmp = NULL;
        if (asprintf(&tmp, "%s/%s/tmp", dir, tenants[i]) < 0) {
            continue;
        }
        char **names;
        int m = ed_is_dir(tmp) ? ed_list_dir(tmp, &names) : -1;
        for (int k = 0; k < m; k++) {
            char *path = ed_path_join(tmp, names[k]);
            struct stat st;
            if (strncmp(names[k], "upload-", 7) == 0 && lstat(path, &st) == 0 &&
                S_ISREG(st.st_mode) && now - st.st_mtime > STALE_UPLOAD_S) {
                unlink(path);
            }
            free(path);
        }
        if (m >= 0) {
            ed_free_names(names, m);
        }
        free(tmp);
    }
    if (n >= 0) {
        ed_free_names(tenants, n);
    }
}

ed_vault *ed_vault_open(const char *dir, const char *key_file, ed_buf *err)
{
    if (dir == NULL || *dir == '\0') {
        ed_buf_puts(err, "no evidence folder: give --evidence-dir DIR or set "
                         "EDICT_EVIDENCE_DIR (a PostgreSQL store keeps blobs on storage "
                         "every node shares)");
        return NULL;
    }
    if (key_file == NULL || *key_file == '\0') {
        key_file = getenv("EDICT_EVIDENCE_KEY_FILE");
    }
    if (ed_make_dirs(dir, 0700) < 0) {
        ed_buf_printf(err, "%s: cannot make the evidence folder: %s", dir, strerror(errno));
        return NULL;
    }
    ed_vault *v = ed_xcalloc(1, sizeof *v);
    v->dir = ed_strdup(dir);
    if (key_file && *key_file) {
        if (path_inside(key_file, dir)) {
            ed_buf_printf(err, "%s: the evidence key file must not be kept in the evidence "
                               "folder %s", key_file, dir);
            ed_vault_close(v);
            return NULL;
        }
        size_t len;
        char *text = ed_read_file(key_file, &len);
        if (text == NULL) {
            ed_buf_printf(err, "%s: cannot read the evidence key file: %s", key_file,
                          strerror(errno));
            ed_vault_close(v);
            return NULL;
        }
        int lineno = 0;
        for (char *p = text; p < text + len;) {
            char *nl = memchr(p, '\n', (size_t)(text + len - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
            lineno++;
            if (n && p[0] != '#') {
                v->keys = ed_xrealloc(v->keys, (v->n_keys + 1) * sizeof *v->keys);
                if (parse_key_line(p, n, &v->keys[v->n_keys], err, key_file, lineno) != 0) {
                    OPENSSL_cleanse(text, len);
                    free(text);
                    ed_vault_close(v);
                    return NULL;
                }
                v->n_keys++;
            }
            p += n + 1;
        }
        OPENSSL_cleanse(text, len);
        free(text);
    } else {
        const char *hex = getenv("EDICT_EVIDENCE_KEY");
        if (hex && *hex) {
            v->keys = ed_xcalloc(1, sizeof *v->keys);
            if (strlen(hex) != 2 * KEY_LEN || ed_unhex(hex, 2 * KEY_LEN, v->keys[0].key) != 0) {
                ed_buf_puts(err, "EDICT_EVIDENCE_KEY is not 64 hex digits (32 bytes)");
                free(v->keys);
                v->keys = NULL;
                ed_vault_close(v);
                return NULL;
            }
            v->n_keys = 1;
        }
    }
    if (v->n_keys == 0) {
        ed_buf_puts(err, "no evidence key: give --evidence-keys FILE (lines \"TENANT "
                         "<64 hex>\" or \"* <64 hex>\"), or set EDICT_EVIDENCE_KEY_FILE or "
                         "EDICT_EVIDENCE_KEY (64 hex digits)");
        ed_vault_close(v);
        return NULL;
    }
    sweep_stale_uploads(v->dir);
    return v;
}

void ed_vault_close(ed_vault *v)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->n_keys; i++) {
        free(v->keys[i].tenant);
    }
    if (v->keys) {
        OPENSSL_cleanse(v->keys, v->n_keys * sizeof *v->keys);
    }
    free(v->keys);
    free(v->dir);
    free(v);
}

const char *ed_vault_dir(const ed_vault *v)
{
    return v->dir;
}

/* The tenant's key: its own line, else derived from the master
 * (HMAC-SHA256(master, "edict-evidence-v1\n" tenant)). 0, or -1. */
static int tenant_key(const ed_vault *v, const char *tenant, unsigned char key[KEY_LEN],
                      ed_buf *err)
{
    const vault_key *master = NULL;
    for (size_t i = 0; i < v->n_keys; i++) {
        if (v->keys[i].tenant == NULL) {
            master = &v->keys[i];
        } else if (strcmp(v->keys[i].tenant, tenant) == 0) {
            memcpy(key, v->keys[i].key, KEY_LEN);
            return 0;
        }
    }
    if (master == NULL) {
        ed_buf_printf(err, "no evidence key for tenant %s", tenant);
        return -1;
    }
    ed_buf msg = {0};
    ed_buf_printf(&msg, "edict-evidence-v1\n%s", tenant);
    int rc = ed_hmac_sha256(master->key, KEY_LEN, msg.data, msg.len, key);
    ed_buf_free(&msg);
    if (rc != 0) {
        ed_buf_puts(err, "cannot derive the tenant's evidence key");
        return -1;
    }
    return 0;
}

static void aad_of(const char *tenant, ed_buf *out)
{
    ed_buf_printf(out, "edict-evidence-v1\n%s\n", tenant);
}

static char *tenant_dir(const ed_vault *v, const char *tenant)
{
    char *enc = ed_store_encode_name(tenant);
    char *d = ed_path_join(v->dir, enc);
    free(enc);
    return d;
}

int ed_vault_digest_ok(const char *digest)
{
    if (digest == NULL || strlen(digest) != ED_SHA512_HEX_LEN) {
        return 0;
    }
    for (const char *p = digest; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static char *blob_path(const ed_vault *v, const char *tenant, const char *digest)
{
    char *d = tenant_dir(v, tenant);
    ed_buf b = {0};
    ed_buf_printf(&b, "%s/%.2s/%s", d, digest, digest);
    free(d);
    return b.data;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    close(fd);
    return rc;
}

ed_vault_put *ed_vault_put_begin(ed_vault *v, const char *tenant, ed_buf *err)
{
    unsigned char key[KEY_LEN], nonce[NONCE_LEN];
    if (tenant_key(v, tenant, key, err) != 0) {
        return NULL;
    }
    ed_vault_put *p = ed_xcalloc(1, sizeof *p);
    p->v = v;
    p->fd = -1;
    p->tenant_dir = tenant_dir(v, tenant);
    char *tmpdir = ed_path_join(p->tenant_dir, "tmp");
    if (ed_make_dirs(tmpdir, 0700) < 0) {
        ed_buf_printf(err, "%s: %s", tmpdir, strerror(errno));
        free(tmpdir);
        goto fail;
    }
    ed_buf t = {0};
    ed_buf_printf(&t, "%s/upload-XXXXXX", tmpdir);
    free(tmpdir);
    p->tmp = t.data;
    p->fd = mkstemp(p->tmp);
    if (p->fd < 0) {
        ed_buf_printf(err, "%s: %s", p->tmp, strerror(errno));
        free(p->tmp);
        p->tmp = NULL;
        goto fail;
    }
    p->enc = EVP_CIPHER_CTX_new();
    p->md = EVP_MD_CTX_new();
    ed_buf aad = {0};
    aad_of(tenant, &aad);
    int outl = 0;
    int ok = p->enc && p->md && RAND_bytes(nonce, NONCE_LEN) == 1 &&
             EVP_EncryptInit_ex(p->enc, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(p->enc, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
             EVP_EncryptInit_ex(p->enc, NULL, NULL, key, nonce) == 1 &&
             EVP_EncryptUpdate(p->enc, NULL, &outl, (const unsigned char *)aad.data,
                               (int)aad.len) == 1 &&
             EVP_DigestInit_ex(p->md, EVP_sha512(), NULL) == 1;
    ed_buf_free(&aad);
    OPENSSL_cleanse(key, sizeof key);
    if (!ok) {
        ed_buf_puts(err, "cannot start AES-256-GCM and SHA-512 (OpenSSL)");
        goto fail;
    }
    if (ed_write_all(p->fd, MAGIC, MAGIC_LEN) != 0 || ed_write_all(p->fd, nonce, NONCE_LEN) != 0) {
        ed_buf_printf(err, "%s: %s", p->tmp, strerror(errno));
        goto fail;
    }
    return p;
fail:
    OPENSSL_cleanse(key, sizeof key);
    ed_vault_put_abort(p);
    return NULL;
}

int ed_vault_put_write(ed_vault_put *p, const void *data, size_t n, ed_buf *err)
{
    const unsigned char *in = data;
    while (n > 0) {
        size_t k = n < CHUNK ? n : CHUNK;
        int outl = 0;
        if (EVP_DigestUpdate(p->md, in, k) != 1 ||
            EVP_EncryptUpdate(p->enc, p->out, &outl, in, (int)k) != 1) {
            ed_buf_puts(err, "encrypting the evidence failed (OpenSSL)");
            return -1;
        }
        if (ed_write_all(p->fd, p->out, (size_t)outl) != 0) {
            ed_buf_printf(err, "%s: %s", p->tmp, strerror(errno));
            return -1;
        }
        p->size += k;
        in += k;
        n -= k;
    }
    return 0;
}

void ed_vault_put_abort(ed_vault_put *p)
{
    if (p == NULL) {
        return;
    }
    if (p->fd >= 0) {
        close(p->fd);
    }
    if (p->tmp) {
        unlink(p->tmp);
    }
    EVP_CIPHER_CTX_free(p->enc);
    EVP_MD_CTX_free(p->md);
    free(p->tmp);
    free(p->tenant_dir);
    free(p);
}

int ed_vault_put_finish(ed_vault_put *p, char digest[ED_SHA512_HEX_LEN + 1], uint64_t *size,
                        int *existed, ed_buf *err)
{
    unsigned char md[64], tag[TAG_LEN];
    unsigned int mdl = 0;
    int outl = 0;
    if (EVP_DigestFinal_ex(p->md, md, &mdl) != 1 ||
        EVP_EncryptFinal_ex(p->enc, p->out, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(p->enc, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1) {
        ed_buf_puts(err, "finishing the evidence's encryption failed (OpenSSL)");
        ed_vault_put_abort(p);
        return -1;
    }
    ed_hex(md, 64, digest);
    *size = p->size;
    if ((outl > 0 && ed_write_all(p->fd, p->out, (size_t)outl) != 0) ||
        ed_write_all(p->fd, tag, TAG_LEN) != 0 || fsync(p->fd) != 0) {
        ed_buf_printf(err, "%s: %s", p->tmp, strerror(errno));
        ed_vault_put_abort(p);
        return -1;
    }
    close(p->fd);
    p->fd = -1;
    ed_buf sub = {0};
    ed_buf_printf(&sub, "%s/%.2s", p->tenant_dir, digest);
    char *final = NULL;
    int rc = -1;
    if (ed_make_dirs(sub.data, 0700) < 0) {
        ed_buf_printf(err, "%s: %s", sub.data, strerror(errno));
        goto out;
    }
    final = ed_path_join(sub.data, digest);
    struct stat st;
    *existed = stat(final, &st) == 0;
    if (*existed) {
        rc = 0; /* the same bytes are kept once: this copy goes */
        goto out;
    }
    if (rename(p->tmp, final) != 0) {
        ed_buf_printf(err, "%s: %s", final, strerror(errno));
        goto out;
    }
    free(p->tmp);
    p->tmp = NULL;
    if (sync_dir(sub.data) != 0) {
        ed_buf_printf(err, "%s: %s", sub.data, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(final);
    ed_buf_free(&sub);
    ed_vault_put_abort(p);
    return rc;
}

int ed_vault_put_file(ed_vault *v, const char *tenant, FILE *in,
                      char digest[ED_SHA512_HEX_LEN + 1], uint64_t *size, int *existed,
                      ed_buf *err)
{
    ed_vault_put *p = ed_vault_put_begin(v, tenant, err);
    if (p == NULL) {
        return -1;
    }
    unsigned char *buf = ed_xmalloc(CHUNK);
    size_t n;
    while ((n = fread(buf, 1, CHUNK, in)) > 0) {
        if (ed_vault_put_write(p, buf, n, err) != 0) {
            free(buf);
            ed_vault_put_abort(p);
            return -1;
        }
    }
    free(buf);
    if (ferror(in)) {
        ed_buf_printf(err, "reading the evidence failed: %s", strerror(errno));
        ed_vault_put_abort(p);
        return -1;
    }
    return ed_vault_put_finish(p, digest, size, existed, err);
}

int ed_vault_has(ed_vault *v, const char *tenant, const char *digest)
{
    if (!ed_vault_digest_ok(digest)) {
        return 0;
    }
    char *path = blob_path(v, tenant, digest);
    int yes = ed_is_file(path);
    free(path);
    return yes;
}

int ed_vault_read(ed_vault *v, const char *tenant, const char *digest,
                  int (*sink)(void *arg, const void *data, size_t n), void *arg,
                  uint64_t *size, ed_buf *err)
{
    if (!ed_vault_digest_ok(digest)) {
        return 1;
    }
    char *path = blob_path(v, tenant, digest);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        int missing = errno == ENOENT;
        if (!missing) {
            ed_buf_printf(err, "evidence %s: %s", digest, strerror(errno));
        }
        free(path);
        return missing ? 1 : -1;
    }
    free(path);
    int rc = -1;
    unsigned char key[KEY_LEN], head[MAGIC_LEN + NONCE_LEN];
    unsigned char *in = ed_xmalloc(CHUNK + TAG_LEN), *out = ed_xmalloc(CHUNK + 32);
    EVP_CIPHER_CTX *dec = EVP_CIPHER_CTX_new();
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    struct stat st;
    ed_buf aad = {0};
    aad_of(tenant, &aad);
    int outl = 0;
    if (tenant_key(v, tenant, key, err) != 0) {
        goto out;
    }
    if (fstat(fd, &st) != 0 || st.st_size < MAGIC_LEN + NONCE_LEN + TAG_LEN ||
        read(fd, head, sizeof head) != (ssize_t)sizeof head ||
        memcmp(head, MAGIC, MAGIC_LEN) != 0) {
        ed_buf_printf(err, "evidence %s is damaged: not a blob this vault wrote", digest);
        goto out;
    }
    if (!dec || !md || EVP_DecryptInit_ex(dec, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
        EVP_DecryptInit_ex(dec, NULL, NULL, key, head + MAGIC_LEN) != 1 ||
        EVP_DecryptUpdate(dec, NULL, &outl, (const unsigned char *)aad.data,
                          (int)aad.len) != 1 ||
        EVP_DigestInit_ex(md, EVP_sha512(), NULL) != 1) {
        ed_buf_puts(err, "cannot start AES-256-GCM and SHA-512 (OpenSSL)");
        goto out;
    }
    uint64_t left = (uint64_t)st.st_size - MAGIC_LEN - NONCE_LEN - TAG_LEN;
    *size = left;
    while (left > 0) {
        size_t want = left < CHUNK ? (size_t)left : CHUNK;
        ssize_t got = read(fd, in, want);
        if (got <= 0) {
            ed_buf_printf(err, "evidence %s: reading failed: %s", digest,
                          got < 0 ? strerror(errno) : "the file is shorter than it was");
            goto out;
        }
        if (EVP_DecryptUpdate(dec, out, &outl, in, (int)got) != 1 ||
            EVP_DigestUpdate(md, out, (size_t)outl) != 1) {
            ed_buf_printf(err, "evidence %s: decrypting failed", digest);
            goto out;
        }
        if (sink && outl > 0 && sink(arg, out, (size_t)outl) != 0) {
            ed_buf_printf(err, "evidence %s: writing it out failed", digest);
            goto out;
        }
        left -= (uint64_t)got;
    }
    unsigned char tag[TAG_LEN], mdv[64];
    unsigned int mdl = 0;
    char hex[ED_SHA512_HEX_LEN + 1];
    if (read(fd, tag, TAG_LEN) != TAG_LEN ||
        EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1 ||
        EVP_DecryptFinal_ex(dec, out, &outl) != 1) {
        ed_buf_printf(err, "evidence %s is damaged: its bytes on disk were changed (the "
                           "AES-GCM tag does not match)", digest);
        goto out;
    }
    EVP_DigestFinal_ex(md, mdv, &mdl);
    ed_hex(mdv, 64, hex);
    if (strcmp(hex, digest) != 0) {
        ed_buf_printf(err, "evidence %s is damaged: its bytes hash to %.16s…", digest, hex);
        goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(key, sizeof key);
    ed_buf_free(&aad);
    EVP_CIPHER_CTX_free(dec);
    EVP_MD_CTX_free(md);
    free(in);
    free(out);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The trail in the journal                                             */
/* ------------------------------------------------------------------ */

/* at + years, as YYYY-MM-DD (29 February becomes 28 February). */
static void date_plus_years(const char *at, int years, char out[32])
{
    int y = 0, m = 0, d = 0;
    if (sscanf(at, "%4d-%2d-%2d", &y, &m, &d) != 3) {
        snprintf(out, 32, "9999-12-31");
        return;
    }
    y += years;
    if (m == 2 && d == 29) {
        d = 28;
    }
    if (y < 0 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
        snprintf(out, 32, "9999-12-31");
        return;
    }
    snprintf(out, 32, "%04d-%02d-%02d", y, m, d);
}

static void put_json_str(ed_buf *b, const char *key, const char *v)
{
    ed_buf_printf(b, ",\"%s\":", key);
    ed_json_escape(b, v ? v : "", v ? strlen(v) : 0);
}

int ed_vault_journal(ed_store *s, const ed_vault_event *ev, ed_ticket *ticket, ed_buf *err)
{
    ed_buf b = {0};
    ed_buf_printf(&b, "{\"kind\":\"%s\",\"digest\":\"%s\"", ev->kind, ev->digest);
    if (strcmp(ev->kind, ED_VAULT_STORED) == 0) {
        ed_buf_printf(&b, ",\"size\":%llu", (unsigned long long)ev->size);
        put_json_str(&b, "type", ev->type);
        put_json_str(&b, "entity", ev->entity);
        ed_buf_printf(&b, ",\"new\":%s", ev->existed ? "false" : "true");
    }
    put_json_str(&b, "by", ev->by);
    put_json_str(&b, "at", ev->at);
    ed_buf_putc(&b, '}');
    char until[32];
    date_plus_years(ev->at, ED_VAULT_RETENTION_YEARS, until);
    ed_record r = {.tenant = ev->tenant, .event_id = ev->digest, .occurred_at = ev->at,
                   .type = strcmp(ev->kind, ED_VAULT_STORED) == 0 ? "edict.evidence"
                                                                  : "edict.evidence.read",
                   .retention_until = until, .bytes = b.data, .len = b.len};
    int rc = ed_store_append(s, &r, ticket, err);
    ed_buf_free(&b);
    return rc;
}

typedef struct list_arg {
    const ed_vault_query *q;
    ed_buf type_pat, entity_pat;
    ed_entry_visitor visit;
    void *arg;
} list_arg;

static int list_entry(void *arg, const ed_entry *e)
{
    list_arg *a = arg;
    if (e->bytes == NULL || strcmp(e->type, "edict.evidence") != 0) {
        return 0;
    }
    /* the bytes are the vault's own canonical JSON (ed_vault_journal):
     * a field is matched by its exact encoding, never by parsing */
    if (a->type_pat.len && !memmem(e->bytes, e->len, a->type_pat.data, a->type_pat.len)) {
        return 0;
    }
    if (a->entity_pat.len &&
        !memmem(e->bytes, e->len, a->entity_pat.data, a->entity_pat.len)) {
        return 0;
    }
    if (a->q->digest && strcmp(e->event_id, a->q->digest) != 0) {
        return 0;
    }
    size_t n = strlen(e->occurred_at);
    if ((a->q->from && strncmp(e->occurred_at, a->q->from, n < 10 ? n : 10) < 0) ||
        (a->q->to && strncmp(e->occurred_at, a->q->to, 10) > 0)) {
        return 0;
    }
    return a->visit(a->arg, e);
}

int ed_vault_list(ed_store *s, const ed_vault_query *q, ed_entry_visitor visit, void *arg)
{
    list_arg a = {.q = q, .visit = visit, .arg = arg};
    if (q->type) {
        put_json_str(&a.type_pat, "type", q->type);
        ed_buf_putc(&a.type_pat, ',');
    }
    if (q->entity) {
        put_json_str(&a.entity_pat, "entity", q->entity);
        ed_buf_putc(&a.entity_pat, ',');
    }
    FILE *quiet = fopen("/dev/null", "w");
    int rc = ed_store_walk(s, q->tenant, NULL, list_entry, &a, NULL, quiet ? quiet : stderr);
    if (quiet) {
        fclose(quiet);
    }
    ed_buf_free(&a.type_pat);
    ed_buf_free(&a.entity_pat);
    return rc == 2 ? 0 : rc;
}

/* ------------------------------------------------------------------ */
/* Retention: a blob is kept while its upload's entry (7 years) or any   */
/* decision naming its digest is within its retention_until              */
/* ------------------------------------------------------------------ */

typedef struct blob_keep {
    char digest[ED_SHA512_HEX_LEN + 1];
    char until[11];   /* the latest retention_until that covers it; "" none yet */
    int forever;      /* cited by an entry without a retention date */
} blob_keep;

typedef struct keep_walk {
    blob_keep *b;
    size_t n;
} keep_walk;

static int cmp_blob(const void *a, const void *b)
{
    return strcmp(((const blob_keep *)a)->digest, ((const blob_keep *)b)->digest);
}

static void cover(keep_walk *k, const char *digest, const char *until)
{
    blob_keep key;
    memcpy(key.digest, digest, ED_SHA512_HEX_LEN);
    key.digest[ED_SHA512_HEX_LEN] = '\0';
    blob_keep *b = bsearch(&key, k->b, k->n, sizeof *k->b, cmp_blob);
    if (b == NULL) {
        return;
    }
    if (until[0] == '\0') {
        b->forever = 1;
    } else if (strncmp(until, b->until, 10) > 0) {
        snprintf(b->until, sizeof b->until, "%.10s", until);
    }
}

static int is_hex_lower(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

void ed_vault_each_cited(const char *bytes, size_t len,
                         void (*fn)(void *arg, const char *digest), void *arg)
{
    for (size_t i = 0; bytes != NULL && i + ED_SHA512_HEX_LEN <= len;) {
        if (!is_hex_lower(bytes[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && is_hex_lower(bytes[j])) {
            j++;
        }
        if (j - i == ED_SHA512_HEX_LEN) {
            fn(arg, bytes + i);
        }
        i = j;
    }
}

typedef struct cover_arg {
    keep_walk *k;
    const char *until;
} cover_arg;

static void cover_cited(void *arg, const char *digest)
{
    cover_arg *c = arg;
    cover(c->k, digest, c->until);
}

/* Every upload entry covers its blob; every other entry covers the blobs
 * whose digests (a run of exactly 128 hex digits) its bytes name. */
static int keep_visit(void *arg, const ed_entry *e)
{
    keep_walk *k = arg;
    if (strcmp(e->type, "edict.evidence") == 0 && ed_vault_digest_ok(e->event_id)) {
        cover(k, e->event_id, e->retention_until);
        return 0;
    }
    if (e->bytes == NULL || strcmp(e->type, "edict.evidence.read") == 0) {
        return 0;
    }
    cover_arg c = {k, e->retention_until};
    ed_vault_each_cited(e->bytes, e->len, cover_cited, &c);
    return 0;
}

static void list_blobs(const char *tdir, keep_walk *k)
{
    char **subs = NULL;
    int ns = ed_list_dir(tdir, &subs);
    for (int i = 0; i < ns; i++) {
        if (strlen(subs[i]) != 2) {
            continue; /* tmp/ and anything else */
        }
        char *sub = ed_path_join(tdir, subs[i]);
        char **names = NULL;
        int nn = ed_list_dir(sub, &names);
        for (int j = 0; j < nn; j++) {
            if (ed_vault_digest_ok(names[j])) {
                k->b = ed_xrealloc(k->b, (k->n + 1) * sizeof *k->b);
                memset(&k->b[k->n], 0, sizeof k->b[k->n]);
                memcpy(k->b[k->n].digest, names[j], ED_SHA512_HEX_LEN + 1);
                k->n++;
            }
        }
        if (nn > 0) {
            ed_free_names(names, nn);
        }
        free(sub);
    }
    if (ns > 0) {
        ed_free_names(subs, ns);
    }
}

static int tenant_blobs(const char *vdir, const char *enc, const char *tenant, ed_store *s,
                        const char *as_of, int archive, FILE *out)
{
    char *tdir = ed_path_join(vdir, enc);
    keep_walk k = {0};
    list_blobs(tdir, &k);
    int rc = 0;
    if (k.n > 0) {
        qsort(k.b, k.n, sizeof *k.b, cmp_blob);
        FILE *quiet = fopen("/dev/null", "w");
        int wrc = ed_store_walk(s, tenant, NULL, keep_visit, &k, NULL, quiet ? quiet : stderr);
        if (quiet) {
            fclose(quiet);
        }
        if (wrc != 0 && wrc != 2) {
            fprintf(out, "tenant %s: evidence: the chain does not verify; no blob is "
                         "touched\n", tenant);
            rc = 1;
            goto done;
        }
        size_t past = 0, forever = 0, unknown = 0, removed = 0;
        char next[11] = "";
        for (size_t i = 0; i < k.n; i++) {
            blob_keep *b = &k.b[i];
            if (b->forever) {
                forever++;
            } else if (b->until[0] == '\0') {
                unknown++; /* no upload entry names it: kept */
            } else if (strcmp(b->until, as_of) < 0) {
                past++;
                if (archive) {
                    ed_buf p = {0};
                    ed_buf_printf(&p, "%s/%.2s/%s", tdir, b->digest, b->digest);
                    if (unlink(p.data) == 0) {
                        removed++;
                    } else {
                        fprintf(out, "tenant %s: evidence %s: cannot remove: %s\n", tenant,
                                b->digest, strerror(errno));
                        rc = 1;
                    }
                    ed_buf_free(&p);
                }
            } else if (next[0] == '\0' || strcmp(b->until, next) < 0) {
                memcpy(next, b->until, sizeof next);
            }
        }
        fprintf(out, "tenant %s: evidence: %zu blobs; %zu past retention on %s%s; %zu "
                "cited by a decision without a retention date (kept); %zu without an "
                "upload entry (kept); %s%s\n", tenant, k.n, past, as_of,
                archive ? (removed == past ? " (removed now; their journal entries stay)"
                                           : " (not all removed)")
                        : "",
                forever, unknown, next[0] ? "the next may go after " : "nothing else has a date",
                next);
    }
done:
    free(k.b);
    free(tdir);
    return rc;
}

/* The tenant name of an encoded folder name (ed_store_encode_name). */
static char *decode_name(const char *enc)
{
    size_t n = strlen(enc);
    char *out = ed_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char byte;
        if (enc[i] == '%' && i + 2 < n && ed_unhex(enc + i + 1, 2, &byte) == 0) {
            out[o++] = (char)byte;
            i += 2;
        } else {
            out[o++] = enc[i];
        }
    }
    out[o] = '\0';
    return out;
}

int ed_vault_retention(const char *dir, ed_store *s, const char *tenant, const char *as_of,
                       int archive, FILE *out)
{
    if (dir == NULL || !ed_is_dir(dir)) {
        return 0;
    }
    if (tenant) {
        char *enc = ed_store_encode_name(tenant);
        int rc = tenant_blobs(dir, enc, tenant, s, as_of, archive, out);
        free(enc);
        return rc;
    }
    char **names = NULL;
    int n = ed_list_dir(dir, &names);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char *path = ed_path_join(dir, names[i]);
        if (ed_is_dir(path)) {
            char *name = decode_name(names[i]);
            rc |= tenant_blobs(dir, names[i], name, s, as_of, archive, out);
            free(name);
        }
        free(path);
    }
    if (n > 0) {
        ed_free_names(names, n);
    }
    return rc;
}
