/*
 * journal.c — the embedded audit journal: append, group commit, crash
 * recovery and verification of per-tenant hash chains (see journal.h).
 */
#define _GNU_SOURCE /* flock, O_CLOEXEC, fdatasync */
#define journal_c

#include "journal.h"

#include "fsutil.h"
#include "../stdlib/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEGMENT "segment-000001.log"
#define TAG "E1 "

typedef struct tenant_log {
    char *tenant;
    int fd;
    uint64_t seq;             /* of the last entry; 0 for none */
    unsigned char hash[32];   /* of the last entry; zeros for none */
    int dirty;                /* appended since the last sync */
} tenant_log;

struct ed_journal {
    char *dir;
    tenant_log *logs;
    size_t n_logs;
    size_t pending;
    int broken;               /* a write failed: refuse further appends */
};

/* ------------------------------------------------------------------ */
/* Names and hashes                                                     */
/* ------------------------------------------------------------------ */

char *ed_journal_tenant_dirname(const char *tenant)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(tenant);
    char *out = malloc(3 * n + 1);
    if (out == NULL) {
        abort();
    }
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tenant[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    (c == '.' && i > 0);
        if (plain) {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    return out;
}

static char *tenant_from_dirname(const char *name)
{
    char *out = ed_strdup(name);
    char *p = out;
    for (const char *s = name; *s; s++) {
        unsigned int v;
        if (s[0] == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
            *p++ = (char)v;
            s += 2;
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    return out;
}

static int unhex(const char *hex, unsigned char out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned int v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* hash_n = SHA-256(prev || bytes), as hex. */
static void chain_hash(const unsigned char prev[32], const char *bytes,
                       size_t len, char hex[ED_SHA256_HEX_LEN + 1])
{
    ed_sha256 *h = ed_sha256_new();
    if (h == NULL) {
        abort();
    }
    ed_sha256_update(h, prev, 32);
    ed_sha256_update(h, bytes, len);
    ed_sha256_final(h, hex);
}

/* Parse one entry line (without its newline). Returns NULL, or what is
 * wrong with it. */
static const char *parse_entry(const char *line, size_t n, uint64_t *seq,
                               char hash[ED_SHA256_HEX_LEN + 1],
                               const char **bytes, size_t *len)
{
    if (n < sizeof TAG - 1 || memcmp(line, TAG, sizeof TAG - 1) != 0) {
        return "not an entry (no E1 tag)";
    }
    const char *p = line + sizeof TAG - 1, *end = line + n;
    char *q;
    errno = 0;
    unsigned long long s = strtoull(p, &q, 10);
    if (errno || q == p || q >= end || *q != ' ') {
        return "bad sequence number";
    }
    p = q + 1;
    unsigned long long l = strtoull(p, &q, 10);
    if (errno || q == p || q >= end || *q != ' ') {
        return "bad length";
    }
    p = q + 1;
    if (end - p < ED_SHA256_HEX_LEN + 1 || p[ED_SHA256_HEX_LEN] != ' ') {
        return "bad hash field";
    }
    for (int i = 0; i < ED_SHA256_HEX_LEN; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return "bad hash field";
        }
    }
    memcpy(hash, p, ED_SHA256_HEX_LEN);
    hash[ED_SHA256_HEX_LEN] = '\0';
    p += ED_SHA256_HEX_LEN + 1;
    if ((unsigned long long)(end - p) != l) {
        return "length does not match the bytes stored";
    }
    *seq = s;
    *bytes = p;
    *len = (size_t)l;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Opening a tenant's log                                               */
/* ------------------------------------------------------------------ */

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0750) == 0) {
        return 1;
    }
    return errno == EEXIST && ed_is_dir(path) ? 0 : -1;
}

/* Make dir and its parents (like mkdir -p). */
static int make_dirs(const char *dir)
{
    char *copy = ed_strdup(dir);
    for (char *p = copy + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (make_dir(copy) < 0) {
                free(copy);
                return -1;
            }
            *p = '/';
        }
    }
    int rc = make_dir(copy) < 0 ? -1 : 0;
    free(copy);
    return rc;
}

/* Read [from, to) of fd into a malloc'd buffer. */
static char *read_range(int fd, off_t from, off_t to)
{
    size_t n = (size_t)(to - from);
    char *buf = malloc(n + 1);
    if (buf == NULL) {
        return NULL;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, from + (off_t)got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) {
                continue;
            }
            free(buf);
            return NULL;
        }
        got += (size_t)r;
    }
    buf[n] = '\0';
    return buf;
}

/* Offset just after the last '\n' before `end` (0 when there is none). */
static off_t line_start(int fd, off_t end)
{
    char chunk[4096];
    while (end > 0) {
        off_t from = end > (off_t)sizeof chunk ? end - (off_t)sizeof chunk : 0;
        ssize_t r = pread(fd, chunk, (size_t)(end - from), from);
        if (r <= 0) {
            return -1;
        }
        for (ssize_t i = r - 1; i >= 0; i--) {
            if (chunk[i] == '\n') {
                return from + i + 1;
            }
        }
        end = from;
    }
    return 0;
}

/* Find the chain head of an open log; cut a torn tail. */
static int recover(tenant_log *lg, const char *path, ed_buf *err)
{
    struct stat st;
    if (fstat(lg->fd, &st) != 0) {
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    off_t size = st.st_size;
    if (size == 0) {
        return 0;
    }
    char last;
    if (pread(lg->fd, &last, 1, size - 1) != 1) {
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (last != '\n') {
        /* an interrupted write: that entry was never acknowledged */
        off_t keep = line_start(lg->fd, size);
        if (keep < 0 || ftruncate(lg->fd, keep) != 0 || fsync(lg->fd) != 0) {
            ed_buf_printf(err, "%s: cannot cut a torn last entry: %s", path,
                          strerror(errno));
            return -1;
        }
        fprintf(stderr, "edict: journal of tenant %s: cut a torn last entry "
                "(%lld bytes at offset %lld) left by an interrupted write\n",
                lg->tenant, (long long)(size - keep), (long long)keep);
        size = keep;
        if (size == 0) {
            return 0;
        }
    }
    off_t start = line_start(lg->fd, size - 1);
    if (start < 0 || size - start > (off_t)ED_JOURNAL_MAX_ENTRY + 128) {
        ed_buf_printf(err, "%s: cannot read the last entry", path);
        return -1;
    }
    char *line = read_range(lg->fd, start, size - 1);
    if (line == NULL) {
        ed_buf_printf(err, "%s: cannot read the last entry", path);
        return -1;
    }
    uint64_t seq;
    char hash[ED_SHA256_HEX_LEN + 1];
    const char *bytes;
    size_t len;
    const char *why = parse_entry(line, (size_t)(size - 1 - start), &seq, hash,
                                  &bytes, &len);
    free(line);
    if (why != NULL || unhex(hash, lg->hash) != 0) {
        ed_buf_printf(err, "journal of tenant %s is damaged at its last entry "
                      "(%s): run `edict audit verify`", lg->tenant,
                      why ? why : "bad hash");
        return -1;
    }
    lg->seq = seq;
    return 0;
}

static tenant_log *open_log(ed_journal *j, const char *tenant, ed_buf *err)
{
    for (size_t i = 0; i < j->n_logs; i++) {
        if (strcmp(j->logs[i].tenant, tenant) == 0) {
            return &j->logs[i];
        }
    }
    char *name = ed_journal_tenant_dirname(tenant);
    char *dir = ed_path_join(j->dir, name);
    char *path = ed_path_join(dir, SEGMENT);
    free(name);
    tenant_log lg = {ed_strdup(tenant), -1, 0, {0}, 0};
    int created = make_dir(dir);
    if (created < 0) {
        ed_buf_printf(err, "cannot make %s: %s", dir, strerror(errno));
        goto fail;
    }
    lg.fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (lg.fd < 0) {
        ed_buf_printf(err, "cannot open %s: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(lg.fd, LOCK_EX | LOCK_NB) != 0) {
        ed_buf_printf(err, "%s is in use by another edict (one writer per "
                      "journal)", path);
        goto fail;
    }
    if (recover(&lg, path, err) != 0) {
        goto fail;
    }
    if (created && (fsync_dir(dir) != 0 || fsync_dir(j->dir) != 0)) {
        ed_buf_printf(err, "cannot sync %s: %s", dir, strerror(errno));
        goto fail;
    }
    tenant_log *logs = realloc(j->logs, (j->n_logs + 1) * sizeof *logs);
    if (logs == NULL) {
        abort();
    }
    j->logs = logs;
    j->logs[j->n_logs] = lg;
    free(dir);
    free(path);
    return &j->logs[j->n_logs++];
fail:
    if (lg.fd >= 0) {
        close(lg.fd);
    }
    free(lg.tenant);
    free(dir);
    free(path);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Appending                                                            */
/* ------------------------------------------------------------------ */

ed_journal *ed_journal_open(const char *dir, ed_buf *err)
{
    if (make_dirs(dir) != 0) {
        ed_buf_printf(err, "cannot make the journal folder %s: %s", dir,
                      strerror(errno));
        return NULL;
    }
    ed_journal *j = calloc(1, sizeof *j);
    if (j == NULL) {
        abort();
    }
    j->dir = ed_strdup(dir);
    return j;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int ed_journal_append(ed_journal *j, const char *tenant, const char *bytes,
                      size_t len, ed_buf *err)
{
    if (j->broken) {
        ed_buf_puts(err, "the journal failed earlier; nothing more is appended");
        return -1;
    }
    if (len > ED_JOURNAL_MAX_ENTRY || memchr(bytes, '\n', len) != NULL) {
        ed_buf_puts(err, "a journal entry must be one line of at most 16 MiB");
        return -1;
    }
    tenant_log *lg = open_log(j, tenant, err);
    if (lg == NULL) {
        return -1;
    }
    char hex[ED_SHA256_HEX_LEN + 1];
    chain_hash(lg->hash, bytes, len, hex);
    ed_buf rec = {0};
    ed_buf_printf(&rec, TAG "%llu %zu %s ", (unsigned long long)lg->seq + 1, len, hex);
    ed_buf_append(&rec, bytes, len);
    ed_buf_putc(&rec, '\n');
    int rc = write_all(lg->fd, rec.data, rec.len);
    ed_buf_free(&rec);
    if (rc != 0) {
        ed_buf_printf(err, "writing the journal of tenant %s: %s", tenant,
                      strerror(errno));
        j->broken = 1;
        return -1;
    }
    lg->seq++;
    unhex(hex, lg->hash);
    lg->dirty = 1;
    j->pending++;
    return 0;
}

size_t ed_journal_pending(const ed_journal *j)
{
    return j->pending;
}

int ed_journal_sync(ed_journal *j, ed_buf *err)
{
    for (size_t i = 0; i < j->n_logs; i++) {
        tenant_log *lg = &j->logs[i];
        if (lg->dirty && fdatasync(lg->fd) != 0) {
            ed_buf_printf(err, "syncing the journal of tenant %s: %s", lg->tenant,
                          strerror(errno));
            j->broken = 1;
            return -1;
        }
        lg->dirty = 0;
    }
    j->pending = 0;
    return 0;
}

void ed_journal_close(ed_journal *j)
{
    if (j == NULL) {
        return;
    }
    ed_buf err = {0};
    if (ed_journal_sync(j, &err) != 0) {
        fprintf(stderr, "edict: %s\n", err.data);
    }
    ed_buf_free(&err);
    for (size_t i = 0; i < j->n_logs; i++) {
        close(j->logs[i].fd);
        free(j->logs[i].tenant);
    }
    free(j->logs);
    free(j->dir);
    free(j);
}

/* ------------------------------------------------------------------ */
/* Verifying                                                            */
/* ------------------------------------------------------------------ */

/* Walk one tenant's chain. Returns 0 when it verifies, 1 when not. */
static int verify_tenant(const char *dir, const char *name, FILE *out)
{
    char *tdir = ed_path_join(dir, name);
    char *path = ed_path_join(tdir, SEGMENT);
    char *tenant = tenant_from_dirname(name);
    FILE *f = fopen(path, "rb");
    int rc = 0;
    if (f == NULL) {
        fprintf(out, "tenant %s: cannot open %s: %s\n", tenant, path, strerror(errno));
        rc = 1;
        goto done;
    }
    unsigned char prev[32] = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t expect = 1;
    char head[ED_SHA256_HEX_LEN + 1] = "(none)";
    while ((n = getline(&line, &cap, f)) >= 0) {
        if (n == 0 || line[n - 1] != '\n') {
            fprintf(out, "tenant %s: note: a torn last entry after entry %llu (an "
                    "interrupted write, never acknowledged; it is cut when the "
                    "journal is next written)\n", tenant,
                    (unsigned long long)(expect - 1));
            break;
        }
        uint64_t seq;
        char hash[ED_SHA256_HEX_LEN + 1], want[ED_SHA256_HEX_LEN + 1];
        const char *bytes;
        size_t len;
        const char *why = parse_entry(line, (size_t)n - 1, &seq, hash, &bytes, &len);
        if (why != NULL) {
            fprintf(out, "tenant %s: BROKEN at entry %llu: %s\n", tenant,
                    (unsigned long long)expect, why);
            rc = 1;
            break;
        }
        if (seq != expect) {
            fprintf(out, "tenant %s: BROKEN at entry %llu: sequence number %llu "
                    "(an entry is missing, repeated or out of order)\n", tenant,
                    (unsigned long long)expect, (unsigned long long)seq);
            rc = 1;
            break;
        }
        chain_hash(prev, bytes, len, want);
        if (strcmp(want, hash) != 0) {
            fprintf(out, "tenant %s: BROKEN at entry %llu: hash mismatch (stored "
                    "%.16s…, computed %.16s…): the entry or one before it was "
                    "changed\n", tenant, (unsigned long long)seq, hash, want);
            rc = 1;
            break;
        }
        unhex(hash, prev);
        memcpy(head, hash, sizeof head);
        expect++;
    }
    free(line);
    fclose(f);
    if (rc == 0) {
        fprintf(out, "tenant %s: %llu entries, head %s, ok\n", tenant,
                (unsigned long long)(expect - 1), head);
    }
done:
    free(tdir);
    free(path);
    free(tenant);
    return rc;
}

int ed_journal_verify(const char *dir, const char *tenant, FILE *out)
{
    if (tenant != NULL) {
        char *name = ed_journal_tenant_dirname(tenant);
        char *tdir = ed_path_join(dir, name);
        int exists = ed_is_dir(tdir);
        free(tdir);
        if (!exists) {
            fprintf(out, "tenant %s: no journal in %s\n", tenant, dir);
            free(name);
            return 1;
        }
        int rc = verify_tenant(dir, name, out);
        free(name);
        return rc;
    }
    char **names;
    int n = ed_list_dir(dir, &names);
    if (n < 0) {
        fprintf(out, "cannot read the journal folder %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0, tenants = 0;
    for (int i = 0; i < n; i++) {
        char *tdir = ed_path_join(dir, names[i]);
        if (names[i][0] != '.' && ed_is_dir(tdir)) {
            tenants++;
            rc |= verify_tenant(dir, names[i], out);
        }
        free(tdir);
    }
    ed_free_names(names, n);
    if (tenants == 0) {
        fprintf(out, "no tenant journals in %s\n", dir);
    }
    return rc;
}
