/*
 * journal.c — the embedded audit journal: append, group commit, crash
 * recovery and verification of per-tenant hash chains (see journal.h).
 */
#define _GNU_SOURCE /* flock, O_CLOEXEC, fdatasync */
#define journal_c

#include "journal.h"

#include "util/fsutil.h"
#include "stdlib/hash.h"

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
/* An archived entry ("A1 <seq> <len> <hash> -") keeps its place and its
 * hash in the chain, without the decision: *bytes is NULL for it. */
#define ARCHIVED_TAG "A1 "

static const char *parse_entry(const char *line, size_t n, uint64_t *seq,
                               char hash[ED_SHA256_HEX_LEN + 1],
                               const char **bytes, size_t *len)
{
    int archived = n >= sizeof ARCHIVED_TAG - 1 &&
                   memcmp(line, ARCHIVED_TAG, sizeof ARCHIVED_TAG - 1) == 0;
    if (!archived && (n < sizeof TAG - 1 || memcmp(line, TAG, sizeof TAG - 1) != 0)) {
        return "not an entry (no E1 or A1 tag)";
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
    if (archived) {
        if (end - p != 1 || *p != '-') {
            return "an archived entry must end in '-'";
        }
        *seq = s;
        *bytes = NULL;
        *len = (size_t)l;
        return NULL;
    }
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
    if (why != NULL || ed_unhex(hash, 64, lg->hash) != 0) {
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
    int created = ed_make_dirs(dir, 0750);
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

const char *ed_journal_default_dir(void)
{
    const char *env = getenv("EDICT_JOURNAL_DIR");
    return env && *env ? env : ED_JOURNAL_DEFAULT_DIR;
}

ed_journal *ed_journal_open(const char *dir, ed_buf *err)
{
    if (ed_make_dirs(dir, 0750) < 0) {
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
    int rc = ed_write_all(lg->fd, rec.data, rec.len);
    ed_buf_free(&rec);
    if (rc != 0) {
        ed_buf_printf(err, "writing the journal of tenant %s: %s", tenant,
                      strerror(errno));
        j->broken = 1;
        return -1;
    }
    lg->seq++;
    ed_unhex(hex, 64, lg->hash);
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

#define CHECKPOINTS "checkpoints.log"

typedef struct checkpoint {
    uint64_t seq;
    char hash[ED_SHA256_HEX_LEN + 1];
    char sig[129];
    int matched;
} checkpoint;

static void checkpoint_message(ed_buf *b, const char *tenant, uint64_t seq,
                               const char *hash)
{
    ed_buf_printf(b, "edict-checkpoint-v1\n%s\n%llu\n%s\n", tenant,
                  (unsigned long long)seq, hash);
}

/* Read <tdir>/checkpoints.log (absent: none). -1 when it is malformed. */
static int load_checkpoints(const char *tdir, checkpoint **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char *path = ed_path_join(tdir, CHECKPOINTS);
    FILE *f = fopen(path, "r");
    free(path);
    if (f == NULL) {
        return errno == ENOENT ? 0 : -1;
    }
    char line[512];
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        checkpoint c = {0};
        unsigned long long seq;
        if (sscanf(line, "C1 %llu %64s %128s", &seq, c.hash, c.sig) != 3) {
            rc = -1;
            break;
        }
        c.seq = seq;
        checkpoint *p = realloc(*out, (*n + 1) * sizeof *p);
        if (p == NULL) {
            abort();
        }
        p[(*n)++] = c;
        *out = p;
    }
    fclose(f);
    return rc;
}

typedef ed_journal_entry entry_view;
typedef ed_journal_visitor entry_visitor;

/* Walk one tenant's chain, calling visit (when given) for every entry that
 * verifies. Returns 0 when it verifies, 1 when not (or when visit fails);
 * sets the head (entries and last hash). */
static int walk_tenant(const char *dir, const char *name, ed_key *pub,
                       FILE *out, uint64_t *head_seq,
                       char head[ED_SHA256_HEX_LEN + 1], entry_visitor visit,
                       void *varg)
{
    size_t archived = 0;
    char prev_hex[ED_SHA256_HEX_LEN + 1];
    memset(prev_hex, '0', ED_SHA256_HEX_LEN);
    prev_hex[ED_SHA256_HEX_LEN] = '\0';
    char *tdir = ed_path_join(dir, name);
    char *path = ed_path_join(tdir, SEGMENT);
    char *tenant = tenant_from_dirname(name);
    checkpoint *cps = NULL;
    size_t n_cps = 0;
    FILE *f = fopen(path, "rb");
    int rc = 0;
    strcpy(head, "(none)");
    *head_seq = 0;
    if (f == NULL) {
        fprintf(out, "tenant %s: cannot open %s: %s\n", tenant, path, strerror(errno));
        rc = 1;
        goto done;
    }
    if (load_checkpoints(tdir, &cps, &n_cps) != 0) {
        fprintf(out, "tenant %s: BROKEN: %s/%s is not a list of checkpoints\n",
                tenant, name, CHECKPOINTS);
        fclose(f);
        rc = 1;
        goto done;
    }
    unsigned char prev[32] = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t expect = 1;
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
        if (bytes == NULL) {
            /* archived: its hash stands for the removed decision, and the
             * next entry's link still checks it */
            archived++;
            memcpy(want, hash, sizeof want);
        } else {
            chain_hash(prev, bytes, len, want);
        }
        if (strcmp(want, hash) != 0) {
            fprintf(out, "tenant %s: BROKEN at entry %llu: hash mismatch (stored "
                    "%.16s…, computed %.16s…): the entry or one before it was "
                    "changed\n", tenant, (unsigned long long)seq, hash, want);
            rc = 1;
            break;
        }
        for (size_t i = 0; i < n_cps && rc == 0; i++) {
            if (cps[i].seq != seq) {
                continue;
            }
            if (strcmp(cps[i].hash, hash) != 0) {
                fprintf(out, "tenant %s: BROKEN at entry %llu: it differs from the "
                        "signed checkpoint (the chain was rewritten from here or "
                        "before)\n", tenant, (unsigned long long)seq);
                rc = 1;
            }
            cps[i].matched = 1;
        }
        if (rc) {
            break;
        }
        if (visit != NULL) {
            entry_view ev = {tenant, seq, prev_hex, hash, bytes, len};
            if (visit(varg, &ev) != 0) {
                rc = 1;
                break;
            }
        }
        ed_unhex(hash, 64, prev);
        memcpy(prev_hex, hash, sizeof prev_hex);
        memcpy(head, hash, ED_SHA256_HEX_LEN + 1);
        expect++;
    }
    free(line);
    fclose(f);
    *head_seq = expect - 1;
    for (size_t i = 0; i < n_cps && rc == 0; i++) {
        if (!cps[i].matched) {
            fprintf(out, "tenant %s: BROKEN: the chain ends at entry %llu, before "
                    "the signed checkpoint at entry %llu (entries were removed)\n",
                    tenant, (unsigned long long)*head_seq,
                    (unsigned long long)cps[i].seq);
            rc = 1;
        } else if (pub != NULL) {
            ed_buf msg = {0};
            checkpoint_message(&msg, tenant, cps[i].seq, cps[i].hash);
            int good = ed_key_verify(pub, msg.data, msg.len, cps[i].sig);
            ed_buf_free(&msg);
            if (!good) {
                fprintf(out, "tenant %s: BROKEN: the checkpoint at entry %llu has a "
                        "bad signature (checkpoints forged or from another key)\n",
                        tenant, (unsigned long long)cps[i].seq);
                rc = 1;
            }
        }
    }
    if (rc == 0) {
        fprintf(out, "tenant %s: %llu entries, head %s, ok", tenant,
                (unsigned long long)*head_seq, head);
        if (archived > 0) {
            fprintf(out, "; %zu archived (hash kept, decision removed)", archived);
        }
        if (n_cps > 0) {
            fprintf(out, "; %zu checkpoint%s %s", n_cps, n_cps == 1 ? "" : "s",
                    pub ? "signed and matching" : "matching (signatures not "
                    "checked: give --pub)");
        }
        fputc('\n', out);
    }
done:
    free(cps);
    free(tdir);
    free(path);
    free(tenant);
    return rc;
}

/* Run fn on one tenant or on every tenant folder in dir. */
static int each_tenant(const char *dir, const char *tenant, FILE *out,
                       int (*fn)(const char *, const char *, void *, FILE *),
                       void *arg)
{
    if (tenant != NULL) {
        char *name = ed_journal_tenant_dirname(tenant);
        char *tdir = ed_path_join(dir, name);
        int exists = ed_is_dir(tdir);
        free(tdir);
        int rc = 1;
        if (!exists) {
            fprintf(out, "tenant %s: no journal in %s\n", tenant, dir);
        } else {
            rc = fn(dir, name, arg, out);
        }
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
            rc |= fn(dir, names[i], arg, out);
        }
        free(tdir);
    }
    ed_free_names(names, n);
    if (tenants == 0) {
        fprintf(out, "no tenant journals in %s\n", dir);
    }
    return rc;
}

static int verify_tenant(const char *dir, const char *name, ed_key *pub,
                         FILE *out, uint64_t *head_seq,
                         char head[ED_SHA256_HEX_LEN + 1])
{
    return walk_tenant(dir, name, pub, out, head_seq, head, NULL, NULL);
}

static int verify_one(const char *dir, const char *name, void *pub, FILE *out)
{
    uint64_t seq;
    char head[ED_SHA256_HEX_LEN + 1];
    return verify_tenant(dir, name, pub, out, &seq, head);
}

int ed_journal_each(const char *dir, const char *tenant, ed_journal_visitor visit,
                    void *arg, uint64_t *head_seq, FILE *msgs)
{
    char *name = ed_journal_tenant_dirname(tenant);
    char *tdir = ed_path_join(dir, name);
    int rc = 1;
    *head_seq = 0;
    if (!ed_is_dir(tdir)) {
        rc = 2;
    } else {
        char head[ED_SHA256_HEX_LEN + 1];
        rc = walk_tenant(dir, name, NULL, msgs, head_seq, head, visit, arg);
    }
    free(tdir);
    free(name);
    return rc;
}

int ed_journal_verify(const char *dir, const char *tenant, ed_key *pub, FILE *out)
{
    return each_tenant(dir, tenant, out, verify_one, pub);
}

static int checkpoint_one(const char *dir, const char *name, void *key, FILE *out)
{
    uint64_t seq;
    char head[ED_SHA256_HEX_LEN + 1];
    if (verify_tenant(dir, name, NULL, out, &seq, head) != 0) {
        return 1; /* a broken chain is not signed */
    }
    char *tenant = tenant_from_dirname(name);
    char *tdir = ed_path_join(dir, name);
    char *path = ed_path_join(tdir, CHECKPOINTS);
    int rc = 0;
    if (seq > 0) {
        ed_buf msg = {0}, err = {0};
        char sig[129];
        checkpoint_message(&msg, tenant, seq, head);
        int fd = -1;
        if (ed_key_sign(key, msg.data, msg.len, sig, &err) != 0) {
            fprintf(out, "tenant %s: %s\n", tenant, err.data);
            rc = 1;
        } else if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0) {
            fprintf(out, "tenant %s: cannot open %s: %s\n", tenant, path, strerror(errno));
            rc = 1;
        } else {
            ed_buf line = {0};
            ed_buf_printf(&line, "C1 %llu %s %s\n", (unsigned long long)seq, head, sig);
            if (ed_write_all(fd, line.data, line.len) != 0 || fsync(fd) != 0) {
                fprintf(out, "tenant %s: writing %s: %s\n", tenant, path, strerror(errno));
                rc = 1;
            } else {
                fprintf(out, "tenant %s: checkpoint signed at entry %llu\n", tenant,
                        (unsigned long long)seq);
            }
            ed_buf_free(&line);
        }
        if (fd >= 0) {
            close(fd);
        }
        ed_buf_free(&msg);
        ed_buf_free(&err);
    }
    free(tenant);
    free(tdir);
    free(path);
    return rc;
}

int ed_journal_checkpoint(const char *dir, const char *tenant, ed_key *key, FILE *out)
{
    return each_tenant(dir, tenant, out, checkpoint_one, key);
}

/* ------------------------------------------------------------------ */
/* Export and retention                                                 */
/* ------------------------------------------------------------------ */

/* Copy the string value of "key" in a decision (canonical JSON, whose
 * envelope strings need no unescaping: dates, ids) into out. Returns 1, or
 * 0 when the key is absent or null. */
static int decision_field(const char *bytes, size_t len, const char *key,
                          char *out, size_t outlen)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    size_t plen = strlen(pattern);
    for (size_t i = 0; i + plen <= len; i++) {
        if (memcmp(bytes + i, pattern, plen) == 0) {
            const char *v = bytes + i + plen;
            const char *q = memchr(v, '"', len - (size_t)(v - bytes));
            if (q == NULL || (size_t)(q - v) >= outlen) {
                return 0;
            }
            memcpy(out, v, (size_t)(q - v));
            out[q - v] = '\0';
            return 1;
        }
    }
    return 0;
}

typedef struct export_arg {
    const char *from, *to; /* YYYY-MM-DD, inclusive; NULL: open */
    FILE *out;
    size_t written;
} export_arg;

static int export_entry(void *varg, const entry_view *e)
{
    export_arg *a = varg;
    char date[64] = "";
    if (e->bytes != NULL && decision_field(e->bytes, e->len, "occurred_at", date,
                                           sizeof date)) {
        date[10] = '\0';
        if ((a->from && strcmp(date, a->from) < 0) || (a->to && strcmp(date, a->to) > 0)) {
            return 0;
        }
    } else if (a->from || a->to) {
        return 0; /* archived: no date to filter on */
    }
    /* the decision is embedded as its exact bytes, so a regulator can cut
     * them out and re-hash: hash = SHA-256(prev || decision) */
    fprintf(a->out, "{\"tenant\":");
    ed_buf t = {0};
    for (const char *s = e->tenant; *s; s++) {
        if (*s == '"' || *s == '\\') {
            ed_buf_putc(&t, '\\');
        }
        ed_buf_putc(&t, *s);
    }
    fprintf(a->out, "\"%s\",\"seq\":%llu,\"prev\":\"%s\",\"hash\":\"%s\",", t.data ? t.data : "",
            (unsigned long long)e->seq, e->prev, e->hash);
    ed_buf_free(&t);
    if (e->bytes == NULL) {
        fprintf(a->out, "\"archived\":true}\n");
    } else {
        fprintf(a->out, "\"decision\":");
        fwrite(e->bytes, 1, e->len, a->out);
        fputs("}\n", a->out);
    }
    a->written++;
    return ferror(a->out) ? -1 : 0;
}

int ed_journal_export(const char *dir, const char *tenant, const char *from,
                      const char *to, FILE *out, FILE *msgs)
{
    char *name = ed_journal_tenant_dirname(tenant);
    char *tdir = ed_path_join(dir, name);
    int rc = 1;
    if (!ed_is_dir(tdir)) {
        fprintf(msgs, "tenant %s: no journal in %s\n", tenant, dir);
    } else {
        export_arg a = {from, to, out, 0};
        uint64_t seq;
        char head[ED_SHA256_HEX_LEN + 1];
        rc = walk_tenant(dir, name, NULL, msgs, &seq, head, export_entry, &a);
        fprintf(msgs, "exported %zu entr%s\n", a.written, a.written == 1 ? "y" : "ies");
    }
    free(tdir);
    free(name);
    return rc;
}

typedef struct retention_arg {
    const char *as_of;       /* YYYY-MM-DD */
    size_t entries, past, undated, archived;
    char next[16];           /* earliest retention date not yet past */
    FILE *rewrite;           /* archive: the new segment, or NULL */
} retention_arg;

static int retention_entry(void *varg, const entry_view *e)
{
    retention_arg *a = varg;
    char until[64];
    int expired = 0;
    a->entries++;
    if (e->bytes == NULL) {
        a->archived++;
    } else if (!decision_field(e->bytes, e->len, "retention_until", until,
                               sizeof until)) {
        a->undated++;
    } else if (strcmp(until, a->as_of) < 0) {
        a->past++;
        expired = 1;
    } else if (a->next[0] == '\0' || strcmp(until, a->next) < 0) {
        snprintf(a->next, sizeof a->next, "%.10s", until);
    }
    if (a->rewrite != NULL) {
        if (e->bytes == NULL || expired) {
            fprintf(a->rewrite, ARCHIVED_TAG "%llu %zu %s -\n",
                    (unsigned long long)e->seq, e->len, e->hash);
        } else {
            fprintf(a->rewrite, TAG "%llu %zu %s ", (unsigned long long)e->seq,
                    e->len, e->hash);
            fwrite(e->bytes, 1, e->len, a->rewrite);
            fputc('\n', a->rewrite);
        }
        if (ferror(a->rewrite)) {
            return -1;
        }
    }
    return 0;
}

static int retention_one(const char *dir, const char *name, void *varg, FILE *out)
{
    const retention_arg *tmpl = varg;
    retention_arg a = *tmpl;
    char *tenant = tenant_from_dirname(name);
    char *tdir = ed_path_join(dir, name);
    char *path = ed_path_join(tdir, SEGMENT);
    char *tmp = ed_path_join(tdir, SEGMENT ".archive");
    int rc = 0, lock = -1;
    if (tmpl->rewrite != NULL) {
        /* archiving rewrites the segment: no writer may be appending */
        lock = open(path, O_RDWR | O_CLOEXEC);
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
            fprintf(out, "tenant %s: the journal is in use (or unreadable); not "
                    "archived\n", tenant);
            rc = 1;
            goto done;
        }
        a.rewrite = fopen(tmp, "wb");
        if (a.rewrite == NULL) {
            fprintf(out, "tenant %s: cannot write %s: %s\n", tenant, tmp, strerror(errno));
            rc = 1;
            goto done;
        }
    }
    uint64_t seq;
    char head[ED_SHA256_HEX_LEN + 1];
    FILE *quiet = fopen("/dev/null", "w");
    rc = walk_tenant(dir, name, NULL, quiet ? quiet : out, &seq, head,
                     retention_entry, &a);
    if (quiet) {
        fclose(quiet);
    }
    if (rc != 0) {
        fprintf(out, "tenant %s: the chain does not verify: run `edict audit verify`\n",
                tenant);
    } else {
        fprintf(out, "tenant %s: %zu entries; %zu past retention on %s%s; %zu "
                "without a retention date (kept); %zu archived; %s%s\n", tenant,
                a.entries, a.past, a.as_of, tmpl->rewrite ? " (archived now)" : "",
                a.undated, a.archived + (tmpl->rewrite ? a.past : 0),
                a.next[0] ? "the next may go after " : "nothing else has a date",
                a.next);
    }
    if (a.rewrite != NULL) {
        int ok = rc == 0 && fflush(a.rewrite) == 0 && fsync(fileno(a.rewrite)) == 0;
        fclose(a.rewrite);
        if (ok && rename(tmp, path) == 0 && fsync_dir(tdir) == 0) {
            rc = 0;
        } else {
            unlink(tmp);
            if (rc == 0) {
                fprintf(out, "tenant %s: cannot replace %s: %s\n", tenant, path,
                        strerror(errno));
                rc = 1;
            }
        }
    }
done:
    if (lock >= 0) {
        close(lock);
    }
    free(tenant);
    free(tdir);
    free(path);
    free(tmp);
    return rc;
}

int ed_journal_retention(const char *dir, const char *tenant, const char *as_of,
                         int archive, FILE *out)
{
    retention_arg a;
    memset(&a, 0, sizeof a);
    a.as_of = as_of;
    a.rewrite = archive ? stdout : NULL; /* a marker: each tenant opens its own */
    return each_tenant(dir, tenant, out, retention_one, &a);
}
