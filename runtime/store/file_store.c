/*
 * file_store.c — the embedded audit store: one folder, every tenant's
 * chain in shared append-only segments, so one fdatasync covers a group of
 * decisions whatever the number of tenants. docs/AUDIT.md is the format's
 * reference for auditors; store.h is the interface.
 *
 *     <dir>/FORMAT               "edict-journal 2"
 *     <dir>/lock                 held (flock) by the one writer
 *     <dir>/segment-000001.log   entries of every tenant, in append order;
 *     <dir>/segment-000002.log   a new one is begun past segment_bytes
 *     <dir>/checkpoints.log      signed chain heads
 *     <dir>/idempotency.log      remembered answers (Idempotency-Key)
 *     <dir>/index.bin, tenants   derived: where each entry is, rebuilt
 *                                from the segments when missing or behind
 *
 * An entry is one line:
 *
 *     E2 <seq> <tenant> <hash> <decision_id> <event_id> <occurred_at> <flag> <type> <retention_until> <len> <bytes>
 *     E3 <seq> <tenant> <hash> <decision_id> <event_id> <occurred_at> <flag> <type> <retention_until> <catalog> <event> <len> <bytes>
 *
 * E3 is a decision with what replay needs (store.h): the digest of the
 * catalog that decided it and the event's exact bytes, encoded as one
 * field (ed_store_event_encode).
 * Names are percent-encoded (ed_store_encode_name), a missing field is
 * '-'. Everything after <hash> and its space, up to the newline, is the
 * record the chain hashes: hash_n = SHA-256(hash_{n-1} || record_n). An
 * entry archived past its retention keeps its line up to <len>, with '-'
 * for the bytes and the tag A2 (A3: its event, too, becomes '-').
 */
#define _GNU_SOURCE /* flock, O_CLOEXEC, fdatasync, getline */
#define file_store_c

#include "store_impl.h"

#include "util/alloc.h"
#include "util/fsutil.h"
#include "stdlib/hash.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define FORMAT_FILE "FORMAT"
#define FORMAT_TEXT "edict-journal 2\n"
#define LOCK_FILE "lock"
#define INDEX_FILE "index.bin"
#define TENANTS_FILE "tenants"
#define CHECKPOINTS_FILE "checkpoints.log"
#define IDEM_FILE "idempotency.log"
#define SEGMENT_FMT "segment-%06u.log"
#define DEFAULT_SEGMENT_BYTES ((size_t)64 << 20)
#define INDEX_MAGIC "EDIX0001"
#define INDEX_RECORD 88
#define MAX_NAME 256
#define ED_STORE_FIELD_MAX 264 /* an event id (256) decoded, and its NUL */

enum { FLAG_NONE = 0, FLAG_GREEN, FLAG_YELLOW, FLAG_RED };
static const char *const flag_names[] = {"", "green", "yellow", "red"};

/* Where one entry is, and what lookups filter on, in memory. */
typedef struct ix_entry {
    uint64_t offset;        /* of the line in its segment */
    uint32_t segment;       /* segment number, from 1 */
    uint32_t line_len;      /* with the newline */
    int32_t day;            /* occurred_at as yyyymmdd; 0 when none */
    uint8_t flag;
    uint8_t archived;
    uint8_t has_id;
    unsigned char id[16];   /* the decision id's 32 hex digits, raw */
} ix_entry;

typedef struct tenant_ix {
    char *name;             /* decoded */
    char *token;            /* as stored (encoded) */
    ix_entry *v;            /* v[seq - 1] */
    size_t n, cap;
    unsigned char head[32]; /* hash of the last entry */
    uint32_t *ids;          /* open addressing: position + 1, 0 empty */
    size_t ids_cap;
    char *quarantine;       /* why its chain does not verify: never appended to */
} tenant_ix;

typedef struct file_store {
    ed_store base;
    char *dir;
    ed_store_mode mode;
    size_t segment_bytes;
    pthread_mutex_t mu;
    pthread_mutex_t kept_mu;   /* kept catalogs are written by one thread at a time */
    pthread_cond_t synced_cv;
    int lock_fd;
    /* segments: numbers 1..n_segments; read fds opened lazily */
    uint32_t n_segments;
    int *read_fds;
    int write_fd;           /* the last segment, O_APPEND (write mode) */
    uint64_t write_size;    /* its size */
    int dirty_old_fd;       /* a segment closed by rotation, unsynced */
    /* index */
    tenant_ix *tenants;
    size_t n_tenants;
    int index_fd, tenants_fd; /* write mode: derived files appended */
    ed_buf index_pending;   /* records not yet written to index.bin */
    ed_buf tenants_pending;
    /* group commit */
    ed_ticket appended, synced;
    int syncing;
    int broken;             /* a write failed: no more appends */
    char broken_why[256];
    /* idempotency */
    int idem_fd;
    int idem_dirty;
} file_store;

/* ------------------------------------------------------------------ */
/* Names                                                                */
/* ------------------------------------------------------------------ */

char *ed_store_encode_name(const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name);
    char *out = malloc(3 * n + 4);
    if (out == NULL) {
        abort();
    }
    if (n == 0 || strcmp(name, "-") == 0) {
        /* '-' means "none" in a line, so a name never is '-' or empty */
        strcpy(out, n == 0 ? "%00" : "%2D");
        return out;
    }
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                    c == ':';
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

/* Decode a stored token (n bytes) into out (cap bytes). "-" is "". */
static void decode_token(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (n == 1 && s[0] == '-') {
        out[0] = '\0';
        return;
    }
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char byte;
        if (s[i] == '%' && i + 2 < n &&
            ed_unhex(s + i + 1, 2, &byte) == 0) {
            if (byte != 0) {
                out[o++] = (char)byte;
            }
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

static void put_token(ed_buf *b, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        ed_buf_putc(b, '-');
        return;
    }
    char *enc = ed_store_encode_name(value);
    ed_buf_puts(b, enc);
    free(enc);
}

void ed_store_record_fields(const ed_record *rec, ed_buf *out)
{
    const char *const fields[] = {rec->decision_id, rec->event_id, rec->occurred_at,
                                  rec->flag, rec->type, rec->retention_until};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        put_token(out, fields[i]);
        ed_buf_putc(out, ' ');
    }
    if (rec->catalog != NULL || rec->event != NULL) {
        ed_buf_puts(out, rec->catalog && rec->catalog[0] ? rec->catalog : "-");
        ed_buf_putc(out, ' ');
        if (rec->event != NULL) {
            ed_store_event_encode(rec->event, rec->event_len, out);
        } else {
            ed_buf_putc(out, '-');
        }
        ed_buf_putc(out, ' ');
    }
    ed_buf_printf(out, "%zu ", rec->len);
}

/* ------------------------------------------------------------------ */
/* Parsing a line                                                       */
/* ------------------------------------------------------------------ */

/* One line split into its fields (pointers into the line). */
typedef struct parsed {
    int archived;
    int v3;             /* E3/A3: catalog and event fields */
    const char *catalog; size_t catalog_len;
    const char *event; size_t event_len;     /* encoded; "-" when none */
    uint64_t seq;
    const char *tenant; size_t tenant_len;
    const char *hash;   /* 64 hex */
    const char *record; size_t record_len;   /* hashed part (with bytes) */
    const char *fields[6]; size_t field_len[6]; /* id, event id, occurred, flag, type, retention */
    const char *bytes;  size_t len;          /* NULL when archived */
} parsed;

static const char *next_field(const char **p, const char *end, size_t *n)
{
    const char *s = *p;
    const char *sp = memchr(s, ' ', (size_t)(end - s));
    if (sp == NULL || sp == s) {
        return NULL;
    }
    *n = (size_t)(sp - s);
    *p = sp + 1;
    return s;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* Parse one line (without its newline). NULL, or what is wrong. */
static const char *parse_line(const char *line, size_t n, parsed *out)
{
    const char *p = line, *end = line + n;
    memset(out, 0, sizeof *out);
    if (n < 3 || (line[0] != 'E' && line[0] != 'A') || (line[1] != '2' && line[1] != '3') ||
        line[2] != ' ') {
        return "not an entry (no E2, E3, A2 or A3 tag)";
    }
    out->archived = line[0] == 'A';
    out->v3 = line[1] == '3';
    p += 3;
    size_t fl;
    const char *f = next_field(&p, end, &fl);
    char num[24];
    if (f == NULL || fl >= sizeof num) {
        return "bad sequence number";
    }
    memcpy(num, f, fl);
    num[fl] = '\0';
    char *q;
    errno = 0;
    out->seq = strtoull(num, &q, 10);
    if (errno || *q || out->seq == 0) {
        return "bad sequence number";
    }
    out->tenant = next_field(&p, end, &out->tenant_len);
    if (out->tenant == NULL) {
        return "bad tenant field";
    }
    out->hash = next_field(&p, end, &fl);
    if (out->hash == NULL || fl != ED_SHA256_HEX_LEN || !all_hex(out->hash, fl)) {
        return "bad hash field";
    }
    out->record = p;
    out->record_len = (size_t)(end - p);
    for (int i = 0; i < 6; i++) {
        out->fields[i] = next_field(&p, end, &out->field_len[i]);
        if (out->fields[i] == NULL) {
            return "missing fields";
        }
    }
    if (out->v3) {
        out->catalog = next_field(&p, end, &out->catalog_len);
        out->event = next_field(&p, end, &out->event_len);
        if (out->catalog == NULL || out->event == NULL) {
            return "missing fields";
        }
    }
    f = next_field(&p, end, &fl);
    if (f == NULL || fl >= sizeof num) {
        return "bad length";
    }
    memcpy(num, f, fl);
    num[fl] = '\0';
    errno = 0;
    unsigned long long len = strtoull(num, &q, 10);
    if (errno || *q) {
        return "bad length";
    }
    out->len = (size_t)len;
    if (out->archived) {
        if (end - p != 1 || *p != '-') {
            return "an archived entry must end in '-'";
        }
        out->record_len -= 1; /* the '-' stands for bytes no longer there */
        out->bytes = NULL;
        return NULL;
    }
    if ((unsigned long long)(end - p) != len) {
        return "length does not match the bytes stored";
    }
    out->bytes = p;
    return NULL;
}

static int flag_code(const char *s, size_t n)
{
    for (int i = FLAG_GREEN; i <= FLAG_RED; i++) {
        if (strlen(flag_names[i]) == n && memcmp(flag_names[i], s, n) == 0) {
            return i;
        }
    }
    return FLAG_NONE;
}

/* The 16 raw bytes of "dec-<32 hex>", or -1. */
static int id_bytes(const char *s, size_t n, unsigned char out[16])
{
    if (n != 36 || memcmp(s, "dec-", 4) != 0 || !all_hex(s + 4, 32)) {
        return -1;
    }
    return ed_unhex(s + 4, 32, out);
}

/* ------------------------------------------------------------------ */
/* The index in memory                                                  */
/* ------------------------------------------------------------------ */

static tenant_ix *find_tenant(file_store *fs, const char *token, size_t n)
{
    for (size_t i = 0; i < fs->n_tenants; i++) {
        if (strlen(fs->tenants[i].token) == n && memcmp(fs->tenants[i].token, token, n) == 0) {
            return &fs->tenants[i];
        }
    }
    return NULL;
}

static tenant_ix *add_tenant(file_store *fs, const char *token, size_t n)
{
    tenant_ix *t = realloc(fs->tenants, (fs->n_tenants + 1) * sizeof *t);
    if (t == NULL) {
        abort();
    }
    fs->tenants = t;
    t = &fs->tenants[fs->n_tenants++];
    memset(t, 0, sizeof *t);
    t->token = malloc(n + 1);
    t->name = malloc(n + 1);
    if (t->token == NULL || t->name == NULL) {
        abort();
    }
    memcpy(t->token, token, n);
    t->token[n] = '\0';
    decode_token(token, n, t->name, n + 1);
    return t;
}

static uint32_t id_slot_hash(const unsigned char id[16])
{
    /* decision ids are SHA-256 output: their bytes are already uniform */
    return (uint32_t)id[0] | (uint32_t)id[1] << 8 | (uint32_t)id[2] << 16 |
           (uint32_t)id[3] << 24;
}

static void ids_insert(tenant_ix *t, uint32_t pos)
{
    size_t mask = t->ids_cap - 1;
    for (size_t i = id_slot_hash(t->v[pos].id) & mask;; i = (i + 1) & mask) {
        if (t->ids[i] == 0) {
            t->ids[i] = pos + 1;
            return;
        }
    }
}

static void ids_grow(tenant_ix *t)
{
    size_t cap = t->ids_cap ? t->ids_cap * 2 : 64;
    free(t->ids);
    t->ids = calloc(cap, sizeof *t->ids);
    if (t->ids == NULL) {
        abort();
    }
    t->ids_cap = cap;
    for (size_t p = 0; p < t->n; p++) {
        if (t->v[p].has_id) {
            ids_insert(t, (uint32_t)p);
        }
    }
}

/* Position of the entry with this id, or -1. */
static long ids_find(const tenant_ix *t, const unsigned char id[16])
{
    if (t->ids_cap == 0) {
        return -1;
    }
    size_t mask = t->ids_cap - 1;
    for (size_t i = id_slot_hash(id) & mask; t->ids[i] != 0; i = (i + 1) & mask) {
        const ix_entry *e = &t->v[t->ids[i] - 1];
        if (memcmp(e->id, id, 16) == 0) {
            return (long)t->ids[i] - 1;
        }
    }
    return -1;
}

static void index_add(tenant_ix *t, const ix_entry *e, const unsigned char hash[32])
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        ix_entry *v = realloc(t->v, t->cap * sizeof *v);
        if (v == NULL) {
            abort();
        }
        t->v = v;
    }
    t->v[t->n++] = *e;
    memcpy(t->head, hash, 32);
    if (e->has_id) {
        if (2 * t->n > t->ids_cap) {
            ids_grow(t); /* inserts every id, this one too */
        } else {
            ids_insert(t, (uint32_t)(t->n - 1));
        }
    }
}

static void put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get_u32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get_u64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The index.bin record of entry seq of tenant number tno. */
static void encode_index_record(unsigned char r[INDEX_RECORD], uint32_t tno,
                                uint64_t seq, const ix_entry *e,
                                const unsigned char hash[32])
{
    memset(r, 0, INDEX_RECORD);
    put_u32(r, tno);
    put_u32(r + 4, e->segment);
    put_u64(r + 8, e->offset);
    put_u32(r + 16, e->line_len);
    r[20] = e->flag;
    r[21] = e->archived;
    r[22] = e->has_id;
    put_u64(r + 24, seq);
    put_u32(r + 32, (uint32_t)e->day);
    memcpy(r + 40, e->id, 16);
    memcpy(r + 56, hash, 32);
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

static char *store_path(const file_store *fs, const char *name)
{
    return ed_path_join(fs->dir, name);
}

static char *segment_path(const file_store *fs, uint32_t no)
{
    char name[64];
    snprintf(name, sizeof name, SEGMENT_FMT, no);
    return ed_path_join(fs->dir, name);
}

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

static int read_fd(file_store *fs, uint32_t no)
{
    if (no == 0 || no > fs->n_segments) {
        return -1;
    }
    if (fs->read_fds[no - 1] < 0) {
        char *path = segment_path(fs, no);
        fs->read_fds[no - 1] = open(path, O_RDONLY | O_CLOEXEC);
        free(path);
    }
    return fs->read_fds[no - 1];
}

static int pread_all(int fd, void *buf, size_t n, off_t at)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, at + (off_t)got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static int64_t file_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* How many segment files there are (1..n with no hole). */
static uint32_t count_segments(const file_store *fs)
{
    uint32_t n = 0;
    for (;;) {
        char *path = segment_path(fs, n + 1);
        int exists = ed_is_file(path);
        free(path);
        if (!exists) {
            return n;
        }
        n++;
    }
}

/* A folder written by edict before the shared segments: one folder per
 * tenant. Never appended to nor read as this format. */
static int legacy_layout(const char *dir)
{
    char **names;
    int n = ed_list_dir(dir, &names);
    int legacy = 0;
    for (int i = 0; i < n && !legacy; i++) {
        char *sub = ed_path_join(dir, names[i]);
        char *seg = ed_path_join(sub, "segment-000001.log");
        legacy = names[i][0] != '.' && ed_is_file(seg);
        free(sub);
        free(seg);
    }
    if (n >= 0) {
        ed_free_names(names, n);
    }
    return legacy;
}

/* Offset just after the last '\n' before end (0 when none). */
static int64_t line_start(int fd, int64_t end)
{
    char chunk[4096];
    while (end > 0) {
        int64_t from = end > (int64_t)sizeof chunk ? end - (int64_t)sizeof chunk : 0;
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

/* The writer's start: a last line without its newline was a write cut
 * short (never acknowledged): cut it, saying so. */
static int cut_torn_tail(file_store *fs, int fd, uint32_t no, ed_buf *err)
{
    int64_t size = file_size(fd);
    char last;
    if (size <= 0) {
        return size < 0 ? -1 : 0;
    }
    if (pread(fd, &last, 1, size - 1) != 1) {
        ed_buf_printf(err, "%s: cannot read segment %u: %s", fs->dir, no, strerror(errno));
        return -1;
    }
    if (last == '\n') {
        return 0;
    }
    int64_t keep = line_start(fd, size);
    if (keep < 0 || ftruncate(fd, keep) != 0 || fsync(fd) != 0) {
        ed_buf_printf(err, "%s: cannot cut a torn last entry: %s", fs->dir, strerror(errno));
        return -1;
    }
    fprintf(stderr, "edict: journal %s: cut a torn last entry (%lld bytes at offset "
            "%lld of " SEGMENT_FMT ") left by an interrupted write\n", fs->dir,
            (long long)(size - keep), (long long)keep, no);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Loading the index                                                    */
/* ------------------------------------------------------------------ */

/* Index the entry whose line (without newline) is at (no, offset). */
static int index_line(file_store *fs, const char *line, size_t n, uint32_t no,
                      uint64_t offset, ed_buf *err)
{
    parsed p;
    const char *why = parse_line(line, n, &p);
    if (why != NULL) {
        ed_buf_printf(err, "journal %s: " SEGMENT_FMT " at offset %llu: %s: run "
                      "`edict audit verify`", fs->dir, no, (unsigned long long)offset, why);
        return -1;
    }
    tenant_ix *t = find_tenant(fs, p.tenant, p.tenant_len);
    if (t == NULL) {
        t = add_tenant(fs, p.tenant, p.tenant_len);
        if (fs->mode == ED_STORE_WRITE) {
            ed_buf_printf(&fs->tenants_pending, "%s\n", t->token);
        }
    }
    if (t->quarantine) {
        return 0; /* past its break nothing of it is indexed */
    }
    if (p.seq != t->n + 1) {
        /* an entry missing, repeated or out of order: this tenant's chain
         * stops here for lookups, and no writer appends to it */
        ed_buf msg = {0};
        ed_buf_printf(&msg, "BROKEN at entry %zu: sequence number %llu (an entry is "
                      "missing, repeated or out of order)", t->n + 1,
                      (unsigned long long)p.seq);
        t->quarantine = msg.data;
        return 0;
    }
    ix_entry e = {0};
    e.offset = offset;
    e.segment = no;
    e.line_len = (uint32_t)(n + 1);
    e.day = ed_store_day_of(p.fields[2], p.field_len[2]);
    e.flag = (uint8_t)flag_code(p.fields[3], p.field_len[3]);
    e.archived = (uint8_t)p.archived;
    e.has_id = id_bytes(p.fields[0], p.field_len[0], e.id) == 0;
    unsigned char hash[32];
    ed_unhex(p.hash, 64, hash);
    index_add(t, &e, hash);
    if (fs->mode == ED_STORE_WRITE) {
        unsigned char r[INDEX_RECORD];
        encode_index_record(r, (uint32_t)(t - fs->tenants), p.seq, &e, hash);
        ed_buf_append(&fs->index_pending, r, sizeof r);
    }
    return 0;
}

/* Read the lines of segment no from offset on into the index. A last line
 * without its newline is left alone (a reader may see a write under way). */
static int scan_segment(file_store *fs, uint32_t no, uint64_t from, ed_buf *err)
{
    char *path = segment_path(fs, no);
    FILE *f = fopen(path, "rb");
    free(path);
    if (f == NULL) {
        ed_buf_printf(err, "journal %s: cannot open segment %u: %s", fs->dir, no,
                      strerror(errno));
        return -1;
    }
    if (from > 0 && fseeko(f, (off_t)from, SEEK_SET) != 0) {
        fclose(f);
        ed_buf_printf(err, "journal %s: cannot read segment %u", fs->dir, no);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t at = from;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n') {
            break;
        }
        if (index_line(fs, line, (size_t)n - 1, no, at, err) != 0) {
            if (fs->mode == ED_STORE_WRITE) {
                rc = -1; /* never append to a journal that does not read */
                break;
            }
            /* a reader goes on: verify is there to say what is wrong */
            ed_buf_reset(err);
        }
        at += (uint64_t)n;
    }
    free(line);
    fclose(f);
    return rc;
}

/* Load index.bin and tenants as far as they agree with the segments;
 * returns where the segments must be read from to catch up. 1 when both
 * files were taken whole (they can be appended to as they are), else 0. */
static int load_index(file_store *fs, uint32_t *from_seg, uint64_t *from_off)
{
    *from_seg = 1;
    *from_off = 0;
    char *tpath = store_path(fs, TENANTS_FILE), *ipath = store_path(fs, INDEX_FILE);
    size_t tlen = 0, ilen = 0;
    char *tenants = ed_read_file(tpath, &tlen);
    char *index = ed_read_file(ipath, &ilen);
    free(tpath);
    free(ipath);
    if (tenants == NULL || index == NULL || ilen < 8 || memcmp(index, INDEX_MAGIC, 8) != 0) {
        free(tenants);
        free(index);
        return 0;
    }
    /* tenant numbers are line numbers of `tenants` */
    char **tokens = NULL;
    size_t n_tokens = 0;
    for (char *s = tenants; s < tenants + tlen;) {
        char *nl = memchr(s, '\n', (size_t)(tenants + tlen - s));
        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        char **p = realloc(tokens, (n_tokens + 1) * sizeof *p);
        if (p == NULL) {
            abort();
        }
        tokens = p;
        tokens[n_tokens++] = s;
        s = nl + 1;
    }
    int64_t *sizes = calloc(fs->n_segments + 1, sizeof *sizes);
    if (sizes == NULL) {
        abort();
    }
    for (uint32_t i = 1; i <= fs->n_segments; i++) {
        int fd = read_fd(fs, i);
        sizes[i] = fd < 0 ? -1 : file_size(fd);
    }
    const unsigned char *r = (const unsigned char *)index + 8;
    size_t records = (ilen - 8) / INDEX_RECORD, k;
    for (k = 0; k < records; k++, r += INDEX_RECORD) {
        uint32_t tno = get_u32(r);
        ix_entry e = {0};
        e.segment = get_u32(r + 4);
        e.offset = get_u64(r + 8);
        e.line_len = get_u32(r + 16);
        e.flag = r[20];
        e.archived = r[21];
        e.has_id = r[22];
        uint64_t seq = get_u64(r + 24);
        e.day = (int32_t)get_u32(r + 32);
        memcpy(e.id, r + 40, 16);
        /* a record the segments do not back (a crash before they were
         * synced, a tenants line lost): stop, and read on from there */
        if (tno >= n_tokens || e.segment == 0 || e.segment > fs->n_segments ||
            (int64_t)(e.offset + e.line_len) > sizes[e.segment] || e.flag > FLAG_RED ||
            (e.segment < *from_seg) || (e.segment == *from_seg && e.offset < *from_off)) {
            break;
        }
        size_t tl = strlen(tokens[tno]);
        tenant_ix *t = find_tenant(fs, tokens[tno], tl);
        if (t == NULL) {
            if (tno != fs->n_tenants) {
                break;
            }
            t = add_tenant(fs, tokens[tno], tl);
        }
        if (seq != t->n + 1) {
            break;
        }
        index_add(t, &e, r + 56);
        *from_seg = e.segment;
        *from_off = e.offset + e.line_len;
    }
    int whole = k == records && (ilen - 8) % INDEX_RECORD == 0 && n_tokens == fs->n_tenants &&
                (tlen == 0 || tenants[tlen - 1] == '\0');
    free(sizes);
    free(tokens);
    free(tenants);
    free(index);
    return whole;
}

/* Write the derived files anew from the index in memory (write mode, when
 * they were missing, behind or damaged). */
static int rewrite_index_files(file_store *fs)
{
    char *tpath = store_path(fs, TENANTS_FILE), *ipath = store_path(fs, INDEX_FILE);
    ed_buf t = {0}, ix = {0};
    ed_buf_append(&ix, INDEX_MAGIC, 8);
    /* records in append order: merge the tenants' entries by position */
    size_t total = 0;
    for (size_t i = 0; i < fs->n_tenants; i++) {
        ed_buf_printf(&t, "%s\n", fs->tenants[i].token);
        total += fs->tenants[i].n;
    }
    size_t *next = calloc(fs->n_tenants + 1, sizeof *next);
    if (next == NULL) {
        abort();
    }
    for (size_t k = 0; k < total; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < fs->n_tenants; i++) {
            const tenant_ix *ti = &fs->tenants[i];
            if (next[i] == ti->n) {
                continue;
            }
            const ix_entry *e = &ti->v[next[i]];
            if (best == SIZE_MAX) {
                best = i;
                continue;
            }
            const ix_entry *b = &fs->tenants[best].v[next[best]];
            if (e->segment < b->segment || (e->segment == b->segment && e->offset < b->offset)) {
                best = i;
            }
        }
        tenant_ix *ti = &fs->tenants[best];
        const ix_entry *e = &ti->v[next[best]];
        unsigned char r[INDEX_RECORD];
        /* the hash of a middle entry is not kept in memory: only a head is
         * ever needed, and a writer takes each head from the chain it
         * verifies at open */
        unsigned char zero[32] = {0};
        int last = next[best] + 1 == ti->n;
        encode_index_record(r, (uint32_t)best, next[best] + 1, e, last ? ti->head : zero);
        ed_buf_append(&ix, r, sizeof r);
        next[best]++;
    }
    free(next);
    int rc = -1;
    char *ttmp = NULL, *itmp = NULL;
    if (asprintf(&ttmp, "%s.tmp", tpath) >= 0 && asprintf(&itmp, "%s.tmp", ipath) >= 0) {
        int tfd = open(ttmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        int ifd = open(itmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (tfd >= 0 && ifd >= 0 && ed_write_all(tfd, t.data ? t.data : "", t.len) == 0 &&
            ed_write_all(ifd, ix.data, ix.len) == 0 && rename(ttmp, tpath) == 0 &&
            rename(itmp, ipath) == 0) {
            rc = 0;
        }
        if (tfd >= 0) {
            close(tfd);
        }
        if (ifd >= 0) {
            close(ifd);
        }
    }
    free(ttmp);
    free(itmp);
    ed_buf_free(&t);
    ed_buf_free(&ix);
    if (rc == 0) {
        fs->tenants_fd = open(tpath, O_WRONLY | O_APPEND | O_CLOEXEC);
        fs->index_fd = open(ipath, O_WRONLY | O_APPEND | O_CLOEXEC);
        rc = fs->tenants_fd >= 0 && fs->index_fd >= 0 ? 0 : -1;
    }
    free(tpath);
    free(ipath);
    return rc;
}

/* Read the line of entry e (with its newline) into out. */
static int read_entry(file_store *fs, const ix_entry *e, ed_buf *out)
{
    int fd = read_fd(fs, e->segment);
    ed_buf_reset(out);
    ed_buf_reserve(out, e->line_len + 1);
    if (fd < 0 || pread_all(fd, out->data, e->line_len, (off_t)e->offset) != 0 ||
        out->data[e->line_len - 1] != '\n') {
        return -1;
    }
    out->len = e->line_len - 1;
    out->data[out->len] = '\0';
    return 0;
}

/* ------------------------------------------------------------------ */
/* Open, close                                                          */
/* ------------------------------------------------------------------ */

static const ed_store_ops file_ops;
static int quarantine_broken_chains(file_store *fs, ed_buf *err);

static void free_tenants(file_store *fs)
{
    for (size_t i = 0; i < fs->n_tenants; i++) {
        free(fs->tenants[i].name);
        free(fs->tenants[i].token);
        free(fs->tenants[i].v);
        free(fs->tenants[i].ids);
        free(fs->tenants[i].quarantine);
    }
    free(fs->tenants);
    fs->tenants = NULL;
    fs->n_tenants = 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void close_read_fds(file_store *fs)
{
    for (uint32_t i = 0; i < fs->n_segments; i++) {
        close_fd(&fs->read_fds[i]);
    }
    free(fs->read_fds);
    fs->read_fds = NULL;
}

static void open_read_fds(file_store *fs)
{
    fs->read_fds = malloc((fs->n_segments + 1) * sizeof *fs->read_fds);
    if (fs->read_fds == NULL) {
        abort();
    }
    for (uint32_t i = 0; i <= fs->n_segments; i++) {
        fs->read_fds[i] = -1;
    }
}

/* Build the index: the derived files as far as they hold, then the
 * segments from there. */
static int build_index(file_store *fs, ed_buf *err)
{
    uint32_t seg;
    uint64_t off;
    int whole = load_index(fs, &seg, &off);
    for (uint32_t no = seg; no <= fs->n_segments; no++) {
        if (scan_segment(fs, no, no == seg ? off : 0, err) != 0) {
            return -1;
        }
    }
    if (fs->mode != ED_STORE_WRITE) {
        return 0;
    }
    if (whole && fs->index_pending.len == 0 && fs->tenants_pending.len == 0) {
        /* the derived files are up to date: append to them as they are */
        char *tpath = store_path(fs, TENANTS_FILE), *ipath = store_path(fs, INDEX_FILE);
        fs->tenants_fd = open(tpath, O_WRONLY | O_APPEND | O_CLOEXEC);
        fs->index_fd = open(ipath, O_WRONLY | O_APPEND | O_CLOEXEC);
        free(tpath);
        free(ipath);
        if (fs->tenants_fd >= 0 && fs->index_fd >= 0) {
            return 0;
        }
        close_fd(&fs->tenants_fd);
        close_fd(&fs->index_fd);
    }
    /* the derived files start over from memory, so that they agree */
    ed_buf_reset(&fs->index_pending);
    ed_buf_reset(&fs->tenants_pending);
    if (rewrite_index_files(fs) != 0) {
        ed_buf_printf(err, "journal %s: cannot write its index: %s", fs->dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_write_segment(file_store *fs, ed_buf *err)
{
    char *path = segment_path(fs, fs->n_segments);
    fs->write_fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    free(path);
    if (fs->write_fd < 0) {
        ed_buf_printf(err, "journal %s: cannot open segment %u: %s", fs->dir,
                      fs->n_segments, strerror(errno));
        return -1;
    }
    int64_t size = file_size(fs->write_fd);
    fs->write_size = size < 0 ? 0 : (uint64_t)size;
    return 0;
}

ed_store *ed_file_store_open(const char *dir, const ed_store_options *opt, ed_buf *err)
{
    ed_store_mode mode = opt ? opt->mode : ED_STORE_READ;
    if (mode == ED_STORE_WRITE && ed_make_dirs(dir, 0750) < 0) {
        ed_buf_printf(err, "cannot make the journal folder %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (!ed_is_dir(dir)) {
        ed_buf_printf(err, "no journal in %s", dir);
        return NULL;
    }
    if (legacy_layout(dir)) {
        ed_buf_printf(err, "%s holds a journal in the format of edict before 2026-12 (a "
                      "folder per tenant); it is never appended to: verify and keep it "
                      "with the edict that wrote it, and journal into a new folder", dir);
        return NULL;
    }
    file_store *fs = calloc(1, sizeof *fs);
    if (fs == NULL) {
        abort();
    }
    fs->base.ops = &file_ops;
    fs->dir = ed_strdup(dir);
    fs->mode = mode;
    fs->segment_bytes = opt && opt->segment_bytes ? opt->segment_bytes : DEFAULT_SEGMENT_BYTES;
    fs->lock_fd = fs->write_fd = fs->dirty_old_fd = fs->index_fd = fs->tenants_fd = -1;
    fs->idem_fd = -1;
    pthread_mutex_init(&fs->mu, NULL);
    pthread_mutex_init(&fs->kept_mu, NULL);
    pthread_cond_init(&fs->synced_cv, NULL);
    if (mode == ED_STORE_WRITE) {
        char *lock = store_path(fs, LOCK_FILE);
        fs->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
        free(lock);
        if (fs->lock_fd < 0 || flock(fs->lock_fd, LOCK_EX | LOCK_NB) != 0) {
            ed_buf_printf(err, "the journal %s is in use by another edict (one writer "
                          "per journal)", dir);
            goto fail;
        }
        char *format = store_path(fs, FORMAT_FILE);
        int created = !ed_is_file(format);
        if (created) {
            int fd = open(format, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
            int ok = fd >= 0 && ed_write_all(fd, FORMAT_TEXT, strlen(FORMAT_TEXT)) == 0 &&
                     fsync(fd) == 0;
            if (fd >= 0) {
                close(fd);
            }
            if (!ok || fsync_dir(dir) != 0) {
                ed_buf_printf(err, "cannot write %s: %s", format, strerror(errno));
                free(format);
                goto fail;
            }
        }
        free(format);
    }
    fs->n_segments = count_segments(fs);
    if (mode == ED_STORE_WRITE && fs->n_segments == 0) {
        fs->n_segments = 1;
    }
    open_read_fds(fs);
    if (mode == ED_STORE_WRITE) {
        if (open_write_segment(fs, err) != 0 ||
            cut_torn_tail(fs, fs->write_fd, fs->n_segments, err) != 0) {
            goto fail;
        }
        int64_t size = file_size(fs->write_fd);
        fs->write_size = size < 0 ? 0 : (uint64_t)size;
        if (fsync_dir(dir) != 0) {
            ed_buf_printf(err, "cannot sync %s: %s", dir, strerror(errno));
            goto fail;
        }
    }
    if (build_index(fs, err) != 0) {
        goto fail;
    }
    if (mode == ED_STORE_WRITE && quarantine_broken_chains(fs, err) != 0) {
        goto fail;
    }
    if (mode == ED_STORE_WRITE) {
        char *idem = store_path(fs, IDEM_FILE);
        fs->idem_fd = open(idem, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        free(idem);
        if (fs->idem_fd < 0) {
            ed_buf_printf(err, "journal %s: cannot open %s: %s", dir, IDEM_FILE,
                          strerror(errno));
            goto fail;
        }
    }
    return &fs->base;
fail:
    fs->base.ops->close(&fs->base);
    return NULL;
}

static int sync_locked_io(file_store *fs, ed_buf *err);

static void file_close(ed_store *s)
{
    file_store *fs = (file_store *)s;
    if (fs->mode == ED_STORE_WRITE && !fs->broken && fs->write_fd >= 0) {
        ed_buf err = {0};
        if (sync_locked_io(fs, &err) != 0) {
            fprintf(stderr, "edict: %s\n", err.data);
        }
        ed_buf_free(&err);
    }
    close_read_fds(fs);
    close_fd(&fs->write_fd);
    close_fd(&fs->dirty_old_fd);
    close_fd(&fs->index_fd);
    close_fd(&fs->tenants_fd);
    close_fd(&fs->idem_fd);
    close_fd(&fs->lock_fd);
    free_tenants(fs);
    ed_buf_free(&fs->index_pending);
    ed_buf_free(&fs->tenants_pending);
    pthread_mutex_destroy(&fs->mu);
    pthread_mutex_destroy(&fs->kept_mu);
    pthread_cond_destroy(&fs->synced_cv);
    free(fs->dir);
    free(fs);
}

/* ------------------------------------------------------------------ */
/* Append, commit                                                       */
/* ------------------------------------------------------------------ */

static int set_broken(file_store *fs, ed_buf *err, const char *what)
{
    fs->broken = 1;
    snprintf(fs->broken_why, sizeof fs->broken_why, "%s: %s", what, strerror(errno));
    ed_buf_printf(err, "journal %s: %s", fs->dir, fs->broken_why);
    return -1;
}

/* Begin the next segment when this entry would take the current one past
 * its size. The closed one is synced at the next commit. */
static int rotate(file_store *fs, size_t line_len, ed_buf *err)
{
    if (fs->write_size == 0 || fs->write_size + line_len <= fs->segment_bytes) {
        return 0;
    }
    if (fs->dirty_old_fd >= 0) {
        /* two rotations within one group: sync the older one now */
        if (fdatasync(fs->dirty_old_fd) != 0) {
            return set_broken(fs, err, "syncing a closed segment");
        }
        close_fd(&fs->dirty_old_fd);
    }
    fs->dirty_old_fd = fs->write_fd;
    fs->write_fd = -1;
    fs->n_segments++;
    int *fds = realloc(fs->read_fds, (fs->n_segments + 1) * sizeof *fds);
    if (fds == NULL) {
        abort();
    }
    fs->read_fds = fds;
    fs->read_fds[fs->n_segments - 1] = -1;
    fs->read_fds[fs->n_segments] = -1;
    if (open_write_segment(fs, err) != 0 || fsync_dir(fs->dir) != 0) {
        fs->broken = 1;
        snprintf(fs->broken_why, sizeof fs->broken_why, "cannot begin a new segment");
        return -1;
    }
    return 0;
}

static int file_append(ed_store *s, const ed_record *rec, const ed_outbox_op *ops,
                       size_t n_ops, ed_ticket *ticket, ed_buf *err)
{
    file_store *fs = (file_store *)s;
    if (fs->mode != ED_STORE_WRITE) {
        ed_buf_printf(err, "journal %s: opened for reading", fs->dir);
        return -1;
    }
    if (rec->len + rec->event_len > ED_STORE_MAX_ENTRY ||
        memchr(rec->bytes, '\n', rec->len) != NULL) {
        ed_buf_puts(err, "a journal entry must be one line of at most 16 MiB");
        return -1;
    }
    if (rec->tenant == NULL || rec->tenant[0] == '\0' || strlen(rec->tenant) > MAX_NAME) {
        ed_buf_puts(err, "a journal entry needs a tenant");
        return -1;
    }
    /* the decision's writes for Metrc, kept (synced) "staged" before the
     * entry, and made pending once it is appended: a crash between leaves
     * them staged, and a reader of the outbox makes pending the ones whose
     * decision is in the journal (file_outbox_each). So a write is never
     * lost for an entry, nor sent for one that is not there. */
    for (size_t i = 0; i < n_ops; i++) {
        ed_outbox_op staged = ops[i];
        staged.state = "staged";
        if (ed_file_outbox_add(fs->dir, &staged, err) < 0) {
            return -1;
        }
    }
    /* the record part, preceded by room for the previous hash: hashed in
     * one piece, then written after the line's head */
    ed_buf hashed = {0};
    ed_buf_append(&hashed, "0123456789abcdef0123456789abcdef", 32);
    ed_store_record_fields(rec, &hashed);
    ed_buf_append(&hashed, rec->bytes, rec->len);
    char *token = ed_store_encode_name(rec->tenant);

    pthread_mutex_lock(&fs->mu);
    int rc = -1;
    if (fs->broken) {
        ed_buf_printf(err, "journal %s failed earlier (%s); nothing more is appended",
                      fs->dir, fs->broken_why);
        goto out;
    }
    tenant_ix *t = find_tenant(fs, token, strlen(token));
    int new_tenant = t == NULL;
    if (new_tenant) {
        t = add_tenant(fs, token, strlen(token));
    }
    if (t->quarantine != NULL) {
        ed_buf_printf(err, "the journal of tenant %s does not verify (%s): nothing is "
                      "appended to it until it is repaired (docs/AUDIT.md, \"Quarantine "
                      "and repair\")", t->name, t->quarantine);
        rc = ED_STORE_QUARANTINED;
        goto out;
    }
    unsigned char hash[32];
    ed_store_chain_hash(t->head, hashed.data + 32, hashed.len - 32, NULL, 0, hash);
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_hex(hash, sizeof hash, hex);
    char head[MAX_NAME * 3 + 128];
    int hl = snprintf(head, sizeof head, "%s %llu %s %s ",
                      rec->catalog || rec->event ? "E3" : "E2", (unsigned long long)t->n + 1,
                      token, hex);
    size_t line_len = (size_t)hl + hashed.len - 32 + 1;
    if (rotate(fs, line_len, err) != 0) {
        goto out;
    }
    struct iovec iov[3] = {{head, (size_t)hl},
                           {hashed.data + 32, hashed.len - 32},
                           {"\n", 1}};
    size_t done = 0;
    while (done < line_len) {
        /* writev to an O_APPEND file: one write in practice; a short one
         * is finished below (a crash in between is a torn tail) */
        ssize_t w;
        if (done == 0) {
            w = writev(fs->write_fd, iov, 3);
        } else {
            ed_buf rest = {0};
            ed_buf_append(&rest, head, (size_t)hl);
            ed_buf_append(&rest, hashed.data + 32, hashed.len - 32);
            ed_buf_putc(&rest, '\n');
            int wr = ed_write_all(fs->write_fd, rest.data + done, line_len - done);
            ed_buf_free(&rest);
            w = wr == 0 ? (ssize_t)(line_len - done) : -1;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            set_broken(fs, err, "writing a segment");
            goto out;
        }
        done += (size_t)w;
    }
    ix_entry e = {0};
    e.offset = fs->write_size;
    e.segment = fs->n_segments;
    e.line_len = (uint32_t)line_len;
    e.day = rec->occurred_at ? ed_store_day_of(rec->occurred_at, strlen(rec->occurred_at)) : 0;
    e.flag = rec->flag ? (uint8_t)flag_code(rec->flag, strlen(rec->flag)) : 0;
    e.has_id = rec->decision_id &&
               id_bytes(rec->decision_id, strlen(rec->decision_id), e.id) == 0;
    fs->write_size += line_len;
    index_add(t, &e, hash);
    if (new_tenant) {
        ed_buf_printf(&fs->tenants_pending, "%s\n", token);
    }
    unsigned char r[INDEX_RECORD];
    encode_index_record(r, (uint32_t)(t - fs->tenants), t->n, &e, hash);
    ed_buf_append(&fs->index_pending, r, sizeof r);
    fs->appended++;
    if (ticket) {
        *ticket = fs->appended;
    }
    rc = 0;
out:
    pthread_mutex_unlock(&fs->mu);
    free(token);
    ed_buf_free(&hashed);
    /* the entry is there: its writes are pending (synced before this
     * returns, so before a commit acknowledges it); a write that cannot be
     * marked fails the store like a segment that cannot be written */
    for (size_t i = 0; rc == 0 && i < n_ops; i++) {
        ed_buf why = {0};
        if (ed_file_outbox_promote(fs->dir, ops[i].tenant, ops[i].key, &why) != 0) {
            pthread_mutex_lock(&fs->mu);
            fs->broken = 1;
            snprintf(fs->broken_why, sizeof fs->broken_why, "keeping a Metrc write: %s",
                     why.data ? why.data : "failed");
            ed_buf_printf(err, "journal %s: %s", fs->dir, fs->broken_why);
            pthread_mutex_unlock(&fs->mu);
            rc = -1;
        }
        ed_buf_free(&why);
    }
    return rc;
}

/* What one sync covers, taken under fs->mu and written without it, so
 * that appends go on (into the next group) while the disk works. */
typedef struct sync_job {
    int segment_fd;      /* a dup of the segment written to */
    int closed_fd;       /* a segment closed by rotation, or -1 */
    int idem_fd;         /* a dup, or -1 */
    ed_buf tenants, index;
} sync_job;

static void take_job(file_store *fs, sync_job *job)
{
    memset(job, 0, sizeof *job);
    job->segment_fd = fs->appended != fs->synced ? dup(fs->write_fd) : -1;
    job->closed_fd = fs->dirty_old_fd;
    fs->dirty_old_fd = -1;
    job->idem_fd = fs->idem_dirty && fs->idem_fd >= 0 ? dup(fs->idem_fd) : -1;
    fs->idem_dirty = 0;
    job->tenants = fs->tenants_pending;
    job->index = fs->index_pending;
    memset(&fs->tenants_pending, 0, sizeof fs->tenants_pending);
    memset(&fs->index_pending, 0, sizeof fs->index_pending);
}

/* Without fs->mu: make the segments and the idempotency log durable, then
 * hand the derived files what they lack (never ahead of what is durable;
 * not synced: a lost tail is read again from the segments). 0, or -1
 * with what failed in *what. */
static int run_job(file_store *fs, sync_job *job, const char **what)
{
    int rc = 0;
    if (job->closed_fd >= 0 && fdatasync(job->closed_fd) != 0) {
        *what = "syncing a closed segment";
        rc = -1;
    } else if (job->segment_fd >= 0 && fdatasync(job->segment_fd) != 0) {
        *what = "syncing a segment";
        rc = -1;
    } else if (job->idem_fd >= 0 && fdatasync(job->idem_fd) != 0) {
        *what = "syncing the idempotency log";
        rc = -1;
    } else if ((job->tenants.len &&
                ed_write_all(fs->tenants_fd, job->tenants.data, job->tenants.len) != 0) ||
               (job->index.len &&
                ed_write_all(fs->index_fd, job->index.data, job->index.len) != 0)) {
        *what = "writing the index";
        rc = -1;
    }
    close_fd(&job->segment_fd);
    close_fd(&job->closed_fd);
    close_fd(&job->idem_fd);
    ed_buf_free(&job->tenants);
    ed_buf_free(&job->index);
    return rc;
}

/* At close (no other thread): sync what is left. */
static int sync_locked_io(file_store *fs, ed_buf *err)
{
    sync_job job;
    const char *what = NULL;
    take_job(fs, &job);
    if (run_job(fs, &job, &what) != 0) {
        return set_broken(fs, err, what);
    }
    fs->synced = fs->appended;
    return 0;
}

static int file_commit(ed_store *s, ed_ticket ticket, ed_buf *err)
{
    file_store *fs = (file_store *)s;
    if (fs->mode != ED_STORE_WRITE) {
        return 0;
    }
    pthread_mutex_lock(&fs->mu);
    if (ticket == ED_TICKET_ALL) {
        ticket = fs->appended;
    }
    int rc = 0;
    for (;;) {
        if (fs->broken) {
            ed_buf_printf(err, "journal %s failed (%s): not acknowledged", fs->dir,
                          fs->broken_why);
            rc = -1;
            break;
        }
        if (fs->synced >= ticket && !fs->idem_dirty) {
            break;
        }
        if (fs->syncing) {
            /* another thread is syncing: its sync may cover this ticket */
            pthread_cond_wait(&fs->synced_cv, &fs->mu);
            continue;
        }
        /* lead: sync everything appended so far, for every waiter */
        fs->syncing = 1;
        ed_ticket target = fs->appended;
        sync_job job;
        take_job(fs, &job);
        pthread_mutex_unlock(&fs->mu);
        const char *what = NULL;
        int failed = run_job(fs, &job, &what);
        pthread_mutex_lock(&fs->mu);
        if (failed) {
            set_broken(fs, err, what);
            ed_buf_reset(err); /* said below, for every waiter */
        } else if (fs->synced < target) {
            fs->synced = target;
        }
        fs->syncing = 0;
        pthread_cond_broadcast(&fs->synced_cv);
    }
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

static size_t file_pending(ed_store *s)
{
    file_store *fs = (file_store *)s;
    pthread_mutex_lock(&fs->mu);
    size_t n = (size_t)(fs->appended - fs->synced);
    pthread_mutex_unlock(&fs->mu);
    return n;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                              */
/* ------------------------------------------------------------------ */

/* An entry's replay fields: the catalog ("" when none) and the event
 * decoded into ev (left empty, data NULL, when none). */
static void entry_replay(const parsed *p, char catalog[ED_SHA256_HEX_LEN + 1], ed_buf *ev)
{
    catalog[0] = '\0';
    if (!p->v3) {
        return;
    }
    if (p->catalog_len == ED_SHA256_HEX_LEN) {
        memcpy(catalog, p->catalog, ED_SHA256_HEX_LEN);
        catalog[ED_SHA256_HEX_LEN] = '\0';
    }
    if (!(p->event_len == 1 && p->event[0] == '-') &&
        ed_store_event_decode(p->event, p->event_len, ev) == 0) {
        ed_buf_reserve(ev, 0); /* data set even for an empty event */
    }
}

/* Hand the entry at position pos of t to visit. */
static int visit_entry(file_store *fs, tenant_ix *t, size_t pos, ed_buf *line,
                       ed_entry_visitor visit, void *arg, ed_buf *err)
{
    parsed p;
    if (read_entry(fs, &t->v[pos], line) != 0 ||
        parse_line(line->data, line->len, &p) != NULL || p.seq != pos + 1) {
        ed_buf_printf(err, "journal %s: tenant %s: entry %zu cannot be read: run "
                      "`edict audit verify`", fs->dir, t->name, pos + 1);
        return -1;
    }
    char fields[6][ED_STORE_FIELD_MAX];
    for (int i = 0; i < 6; i++) {
        decode_token(p.fields[i], p.field_len[i], fields[i], sizeof fields[i]);
    }
    char hash[ED_SHA256_HEX_LEN + 1];
    memcpy(hash, p.hash, 64);
    hash[64] = '\0';
    ed_buf ev = {0};
    char catalog[ED_SHA256_HEX_LEN + 1];
    entry_replay(&p, catalog, &ev);
    ed_entry e = {t->name, p.seq, "", hash, fields[0], fields[1], fields[2], fields[3],
                  fields[4], fields[5], p.record, p.record_len - (p.bytes ? p.len : 0),
                  p.bytes, p.len, catalog, ev.data, ev.len};
    int rc = visit(arg, &e);
    ed_buf_free(&ev);
    return rc;
}

static int file_get(ed_store *s, const char *tenant, const char *decision_id,
                    ed_entry_visitor visit, void *arg, ed_buf *err)
{
    file_store *fs = (file_store *)s;
    unsigned char id[16];
    if (id_bytes(decision_id, strlen(decision_id), id) != 0) {
        return 1; /* not an id edict makes: none */
    }
    char *token = ed_store_encode_name(tenant);
    pthread_mutex_lock(&fs->mu);
    int rc = 1;
    tenant_ix *t = find_tenant(fs, token, strlen(token));
    long pos = t ? ids_find(t, id) : -1;
    if (pos >= 0 && !t->v[pos].archived) {
        ed_buf line = {0};
        rc = visit_entry(fs, t, (size_t)pos, &line, visit, arg, err) < 0 ? -1 : 0;
        ed_buf_free(&line);
    }
    pthread_mutex_unlock(&fs->mu);
    free(token);
    return rc;
}

static int32_t query_day(const char *s, int32_t none)
{
    return s ? ed_store_day_of(s, strlen(s)) : none;
}

static int file_list(ed_store *s, const ed_store_query *q, ed_entry_visitor visit,
                     void *arg, uint64_t *next_after, ed_buf *err)
{
    file_store *fs = (file_store *)s;
    *next_after = 0;
    int32_t from = query_day(q->from, 0), to = query_day(q->to, 99999999);
    int flag = q->flag ? flag_code(q->flag, strlen(q->flag)) : -1;
    char *type = q->type ? ed_store_encode_name(q->type) : NULL;
    char *token = ed_store_encode_name(q->tenant);
    pthread_mutex_lock(&fs->mu);
    tenant_ix *t = find_tenant(fs, token, strlen(token));
    ed_buf line = {0};
    size_t count = 0;
    int rc = 0;
    for (size_t pos = q->after; t && pos < t->n && rc == 0; pos++) {
        const ix_entry *e = &t->v[pos];
        if (!e->has_id || e->archived || e->day < from || e->day > to ||
            (flag >= 0 && e->flag != flag)) {
            continue;
        }
        if (type) {
            parsed p;
            if (read_entry(fs, e, &line) != 0 || parse_line(line.data, line.len, &p) != NULL) {
                rc = -1;
                ed_buf_printf(err, "journal %s: tenant %s: entry %zu cannot be read",
                              fs->dir, t->name, pos + 1);
                break;
            }
            if (p.field_len[4] != strlen(type) || memcmp(p.fields[4], type, p.field_len[4])) {
                continue;
            }
        }
        if (count == q->limit) {
            *next_after = pos; /* the seq of the last one listed */
            break;
        }
        int v = visit_entry(fs, t, pos, &line, visit, arg, err);
        if (v < 0) {
            rc = -1;
        } else if (v > 0) {
            break;
        }
        count++;
    }
    pthread_mutex_unlock(&fs->mu);
    ed_buf_free(&line);
    free(type);
    free(token);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Walking and verifying                                                */
/* ------------------------------------------------------------------ */

typedef struct checkpoint {
    char *tenant;           /* token */
    uint64_t seq;
    char hash[ED_SHA256_HEX_LEN + 1];
    char sig[129];
    int matched;
} checkpoint;

typedef struct chain {
    char *token;
    char name[MAX_NAME + 1];
    uint64_t expect;
    unsigned char prev[32];
    char prev_hex[ED_SHA256_HEX_LEN + 1];
    int broken;
    char why[320];           /* the first BROKEN message, when broken */
    size_t archived;
} chain;

typedef struct walk {
    file_store *fs;
    const char *only;        /* token, or NULL */
    chain *chains;
    size_t n_chains;
    checkpoint *cps;
    size_t n_cps;
    FILE *msgs;
    ed_entry_visitor visit;
    void *arg;
    int stopped, failed;
    ed_buf event;            /* the entry's event, decoded for visit */
} walk;

/* Say why c does not verify (once, to msgs as "tenant T: BROKEN…") and
 * keep it: a writer quarantines that tenant with this reason. */
static void chain_broken(chain *c, FILE *msgs, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void chain_broken(chain *c, FILE *msgs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    fprintf(msgs, "tenant %s: %s\n", c->name, c->why);
    c->broken = 1;
}

/* checkpoints.log: "C2 <tenant> <seq> <hash> <signature>". -1 when it is
 * malformed (that is a broken journal: checkpoints are evidence too). */
static int load_checkpoints(file_store *fs, walk *w)
{
    char *path = store_path(fs, CHECKPOINTS_FILE);
    FILE *f = fopen(path, "r");
    free(path);
    if (f == NULL) {
        return errno == ENOENT ? 0 : -1;
    }
    char line[1024];
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        checkpoint c = {0};
        char tenant[MAX_NAME * 3 + 1];
        unsigned long long seq;
        if (sscanf(line, "C2 %768s %llu %64s %128s", tenant, &seq, c.hash, c.sig) != 4) {
            rc = -1;
            break;
        }
        c.tenant = ed_strdup(tenant);
        c.seq = seq;
        checkpoint *p = realloc(w->cps, (w->n_cps + 1) * sizeof *p);
        if (p == NULL) {
            abort();
        }
        p[w->n_cps++] = c;
        w->cps = p;
    }
    fclose(f);
    return rc;
}

static int file_checkpoints(ed_store *s, const char *tenant, ed_checkpoint_visitor visit,
                            void *arg, ed_buf *err)
{
    file_store *fs = (file_store *)s;
    walk w = {0};
    if (load_checkpoints(fs, &w) != 0) {
        ed_buf_printf(err, "%s/%s cannot be read or is malformed", fs->dir, CHECKPOINTS_FILE);
        for (size_t i = 0; i < w.n_cps; i++) {
            free(w.cps[i].tenant);
        }
        free(w.cps);
        return -1;
    }
    char *token = ed_store_encode_name(tenant);
    int stop = 0;
    for (size_t i = 0; i < w.n_cps; i++) {
        if (!stop && strcmp(w.cps[i].tenant, token) == 0) {
            stop = visit(arg, w.cps[i].seq, w.cps[i].hash, w.cps[i].sig) != 0;
        }
        free(w.cps[i].tenant);
    }
    free(w.cps);
    free(token);
    return 0;
}

static chain *walk_chain(walk *w, const char *token, size_t n)
{
    for (size_t i = 0; i < w->n_chains; i++) {
        if (strlen(w->chains[i].token) == n && memcmp(w->chains[i].token, token, n) == 0) {
            return &w->chains[i];
        }
    }
    chain *c = realloc(w->chains, (w->n_chains + 1) * sizeof *c);
    if (c == NULL) {
        abort();
    }
    w->chains = c;
    c = &w->chains[w->n_chains++];
    memset(c, 0, sizeof *c);
    c->token = malloc(n + 1);
    if (c->token == NULL) {
        abort();
    }
    memcpy(c->token, token, n);
    c->token[n] = '\0';
    decode_token(token, n, c->name, sizeof c->name);
    c->expect = 1;
    memset(c->prev_hex, '0', ED_SHA256_HEX_LEN);
    return c;
}

/* One line of a segment: check it against its chain, then visit it. */
static void walk_line(walk *w, const char *line, size_t n, uint32_t no)
{
    parsed p;
    const char *why = parse_line(line, n, &p);
    if (why != NULL) {
        /* with no tenant to pin it on, every chain is in doubt */
        fprintf(w->msgs, "journal %s: BROKEN in " SEGMENT_FMT ": %s\n", w->fs->dir, no, why);
        w->failed = 1;
        w->stopped = 1;
        return;
    }
    if (w->only && (strlen(w->only) != p.tenant_len ||
                    memcmp(w->only, p.tenant, p.tenant_len) != 0)) {
        return;
    }
    chain *c = walk_chain(w, p.tenant, p.tenant_len);
    if (c->broken) {
        return;
    }
    if (p.seq != c->expect) {
        chain_broken(c, w->msgs, "BROKEN at entry %llu: sequence number %llu (an entry "
                     "is missing, repeated or out of order)", (unsigned long long)c->expect,
                     (unsigned long long)p.seq);
        return;
    }
    char hash[ED_SHA256_HEX_LEN + 1], want[ED_SHA256_HEX_LEN + 1];
    memcpy(hash, p.hash, 64);
    hash[64] = '\0';
    if (p.archived) {
        /* its hash stands for the removed decision; the next entry's link
         * still checks it */
        c->archived++;
        memcpy(want, hash, sizeof want);
    } else {
        unsigned char raw[32];
        ed_store_chain_hash(c->prev, p.record, p.record_len, NULL, 0, raw);
        ed_hex(raw, sizeof raw, want);
    }
    if (strcmp(want, hash) != 0) {
        chain_broken(c, w->msgs, "BROKEN at entry %llu: hash mismatch (stored %.16s…, "
                     "computed %.16s…): the entry or one before it was changed",
                     (unsigned long long)p.seq, hash, want);
        return;
    }
    for (size_t i = 0; i < w->n_cps; i++) {
        if (w->cps[i].seq != p.seq || strcmp(w->cps[i].tenant, c->token) != 0) {
            continue;
        }
        if (strcmp(w->cps[i].hash, hash) != 0) {
            chain_broken(c, w->msgs, "BROKEN at entry %llu: it differs from the signed "
                         "checkpoint (the chain was rewritten from here or before)",
                         (unsigned long long)p.seq);
            return;
        }
        w->cps[i].matched = 1;
    }
    if (w->visit != NULL) {
        char fields[6][ED_STORE_FIELD_MAX];
        for (int i = 0; i < 6; i++) {
            decode_token(p.fields[i], p.field_len[i], fields[i], sizeof fields[i]);
        }
        char catalog[ED_SHA256_HEX_LEN + 1];
        ed_buf_reset(&w->event);
        entry_replay(&p, catalog, &w->event);
        ed_entry e = {c->name, p.seq, c->prev_hex, hash, fields[0], fields[1], fields[2],
                      fields[3], fields[4], fields[5], p.record,
                      p.record_len - (p.bytes ? p.len : 0), p.bytes, p.len, catalog,
                      w->event.len ? w->event.data : NULL, w->event.len};
        int v = w->visit(w->arg, &e);
        if (v != 0) {
            w->stopped = 1;
            w->failed |= v != 1;
            if (v != 1) {
                c->broken = 1;
            }
        }
    }
    ed_unhex(hash, 64, c->prev);
    memcpy(c->prev_hex, hash, sizeof c->prev_hex);
    c->expect++;
}

static int compare_chains(const void *a, const void *b)
{
    return strcmp(((const chain *)a)->name, ((const chain *)b)->name);
}

/* Walk and report; w keeps the chains (their heads and verdicts) until
 * free_walk. */
static int run_walk(file_store *fs, walk *w_out, const char *tenant, ed_key *pub,
                    ed_entry_visitor visit, void *arg, uint64_t *entries, FILE *msgs)
{
    walk w = {0};
    w.fs = fs;
    w.msgs = msgs;
    w.visit = visit;
    w.arg = arg;
    char *only = tenant ? ed_store_encode_name(tenant) : NULL;
    w.only = only;
    if (entries) {
        *entries = 0;
    }
    int rc = 0;
    if (load_checkpoints(fs, &w) != 0) {
        fprintf(msgs, "journal %s: BROKEN: %s is not a list of checkpoints\n", fs->dir,
                CHECKPOINTS_FILE);
        rc = 1;
        goto done;
    }
    uint32_t n_segments = count_segments(fs);
    char *line = NULL;
    size_t cap = 0;
    for (uint32_t no = 1; no <= n_segments && !w.stopped; no++) {
        char *path = segment_path(fs, no);
        FILE *f = fopen(path, "rb");
        free(path);
        if (f == NULL) {
            fprintf(msgs, "journal %s: cannot open " SEGMENT_FMT ": %s\n", fs->dir, no,
                    strerror(errno));
            rc = -1;
            break;
        }
        ssize_t n;
        while (!w.stopped && (n = getline(&line, &cap, f)) >= 0) {
            if (n == 0 || line[n - 1] != '\n') {
                if (no == n_segments) {
                    fprintf(msgs, "journal %s: note: a torn last entry at the end of "
                            SEGMENT_FMT " (an interrupted write, never acknowledged; it is "
                            "cut when the journal is next written)\n", fs->dir, no);
                } else {
                    fprintf(msgs, "journal %s: BROKEN: " SEGMENT_FMT " ends inside an "
                            "entry, and segments follow it\n", fs->dir, no);
                    w.failed = 1;
                }
                break;
            }
            walk_line(&w, line, (size_t)n - 1, no);
        }
        fclose(f);
    }
    free(line);
    if (rc != 0) {
        goto done;
    }
    if (tenant != NULL && w.n_chains == 0) {
        fprintf(msgs, "tenant %s: no journal in %s\n", tenant, fs->dir);
        rc = 2;
        goto done;
    }
    if (w.n_chains > 1) {
        qsort(w.chains, w.n_chains, sizeof *w.chains, compare_chains);
    }
    if (w.n_chains == 0 && !w.failed) {
        fprintf(msgs, "no tenant journals in %s\n", fs->dir);
    }
    for (size_t i = 0; i < w.n_chains; i++) {
        chain *c = &w.chains[i];
        size_t n_cps = 0;
        for (size_t k = 0; k < w.n_cps && !c->broken; k++) {
            checkpoint *cp = &w.cps[k];
            if (strcmp(cp->tenant, c->token) != 0) {
                continue;
            }
            n_cps++;
            if (!cp->matched && !w.stopped) {
                chain_broken(c, msgs, "BROKEN: the chain ends at entry %llu, before the "
                             "signed checkpoint at entry %llu (entries were removed)",
                             (unsigned long long)(c->expect - 1), (unsigned long long)cp->seq);
            } else if (pub != NULL) {
                ed_buf msg = {0};
                ed_store_checkpoint_message(&msg, c->name, cp->seq, cp->hash);
                int good = ed_key_verify(pub, msg.data, msg.len, cp->sig);
                ed_buf_free(&msg);
                if (!good) {
                    chain_broken(c, msgs, "BROKEN: the checkpoint at entry %llu has a bad "
                                 "signature (checkpoints forged or from another key)",
                                 (unsigned long long)cp->seq);
                }
            }
        }
        if (entries && (tenant != NULL || w.n_chains == 1)) {
            *entries = c->expect - 1;
        }
        if (c->broken) {
            rc = 1;
            continue;
        }
        if (w.stopped && !w.failed) {
            continue; /* a visitor had what it wanted: no verdict to give */
        }
        fprintf(msgs, "tenant %s: %llu entries, head %s, ok", c->name,
                (unsigned long long)(c->expect - 1),
                c->expect > 1 ? c->prev_hex : "(none)");
        if (c->archived > 0) {
            fprintf(msgs, "; %zu archived (hash kept, decision removed)", c->archived);
        }
        if (n_cps > 0) {
            fprintf(msgs, "; %zu checkpoint%s %s", n_cps, n_cps == 1 ? "" : "s",
                    pub ? "signed and matching" : "matching (signatures not checked: "
                    "give --pub)");
        }
        fputc('\n', msgs);
    }
    if (w.failed) {
        rc = 1;
    }
done:
    free(only);
    w.only = NULL;
    *w_out = w;
    return rc;
}

static void free_walk(walk *w)
{
    for (size_t i = 0; i < w->n_chains; i++) {
        free(w->chains[i].token);
    }
    free(w->chains);
    for (size_t i = 0; i < w->n_cps; i++) {
        free(w->cps[i].tenant);
    }
    free(w->cps);
    ed_buf_free(&w->event);
}

static int file_walk(ed_store *s, const char *tenant, ed_key *pub, ed_entry_visitor visit,
                     void *arg, uint64_t *entries, FILE *msgs)
{
    walk w;
    int rc = run_walk((file_store *)s, &w, tenant, pub, visit, arg, entries, msgs);
    free_walk(&w);
    return rc;
}

static int file_checkpoint(ed_store *s, const char *tenant, ed_key *key, FILE *out)
{
    file_store *fs = (file_store *)s;
    walk w;
    int rc = run_walk(fs, &w, tenant, NULL, NULL, NULL, NULL, out);
    if (rc < 0 || rc == 2) {
        free_walk(&w);
        return 1;
    }
    char *path = store_path(fs, CHECKPOINTS_FILE);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        fprintf(out, "journal %s: cannot open %s: %s\n", fs->dir, CHECKPOINTS_FILE,
                strerror(errno));
        rc = 1;
    }
    for (size_t i = 0; i < w.n_chains && fd >= 0; i++) {
        chain *c = &w.chains[i];
        if (c->broken || c->expect == 1) {
            continue; /* a broken chain is not signed */
        }
        uint64_t seq = c->expect - 1;
        ed_buf msg = {0}, err = {0}, line = {0};
        char sig[129];
        ed_store_checkpoint_message(&msg, c->name, seq, c->prev_hex);
        if (ed_key_sign(key, msg.data, msg.len, sig, &err) != 0) {
            fprintf(out, "tenant %s: %s\n", c->name, err.data);
            rc = 1;
        } else {
            ed_buf_printf(&line, "C2 %s %llu %s %s\n", c->token, (unsigned long long)seq,
                          c->prev_hex, sig);
            if (ed_write_all(fd, line.data, line.len) != 0 || fsync(fd) != 0) {
                fprintf(out, "tenant %s: writing %s: %s\n", c->name, CHECKPOINTS_FILE,
                        strerror(errno));
                rc = 1;
            } else {
                fprintf(out, "tenant %s: checkpoint signed at entry %llu\n", c->name,
                        (unsigned long long)seq);
            }
        }
        ed_buf_free(&msg);
        ed_buf_free(&err);
        ed_buf_free(&line);
    }
    if (fd >= 0) {
        close(fd);
    }
    free(path);
    free_walk(&w);
    return rc ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Retention                                                            */
/* ------------------------------------------------------------------ */


/* Rewrite segment no with the entries of the tenants in `which` (tokens;
 * all when NULL) past retention archived. 0, or -1 (nothing replaced). */
static int archive_segment(file_store *fs, uint32_t no, const walk *verified,
                           const char *as_of, size_t *archived)
{
    char *path = segment_path(fs, no), *tmp = NULL;
    if (asprintf(&tmp, "%s.archive", path) < 0) {
        free(path);
        return -1;
    }
    FILE *in = fopen(path, "rb"), *out = fopen(tmp, "wb");
    int rc = in && out ? 0 : -1;
    char *line = NULL;
    size_t cap = 0, changed = 0;
    ssize_t n;
    while (rc == 0 && (n = getline(&line, &cap, in)) > 0) {
        parsed p;
        const chain *c = NULL;
        if (line[n - 1] == '\n' && parse_line(line, (size_t)n - 1, &p) == NULL && !p.archived) {
            for (size_t i = 0; i < verified->n_chains; i++) {
                const chain *k = &verified->chains[i];
                if (strlen(k->token) == p.tenant_len &&
                    memcmp(k->token, p.tenant, p.tenant_len) == 0) {
                    c = k;
                }
            }
        }
        if (c != NULL && !c->broken && p.seq < c->expect &&
            ed_store_past_retention(p.fields[5], p.field_len[5], as_of)) {
            /* keep everything up to <len>, drop the bytes (and, E3, the
             * event: it has the decision's retention) */
            size_t keep = (size_t)(p.bytes - line);
            line[0] = 'A';
            if (p.v3) {
                size_t head = (size_t)(p.event - line);
                const char *rest = p.event + p.event_len; /* " <len> " */
                size_t rest_len = (size_t)(p.bytes - rest);
                if (fwrite(line, 1, head, out) != head || fputc('-', out) == EOF ||
                    fwrite(rest, 1, rest_len, out) != rest_len || fputs("-\n", out) < 0) {
                    rc = -1;
                }
            } else if (fwrite(line, 1, keep, out) != keep || fputs("-\n", out) < 0) {
                rc = -1;
            }
            changed++;
        } else if (fwrite(line, 1, (size_t)n, out) != (size_t)n) {
            rc = -1;
        }
    }
    free(line);
    if (in) {
        fclose(in);
    }
    if (out) {
        if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
            rc = -1;
        }
        fclose(out);
    }
    if (rc == 0 && changed > 0) {
        rc = rename(tmp, path) == 0 && fsync_dir(fs->dir) == 0 ? 0 : -1;
    }
    if (rc != 0 || changed == 0) {
        unlink(tmp);
    }
    if (rc == 0) {
        *archived += changed;
    }
    free(tmp);
    free(path);
    return rc;
}

static int file_retention(ed_store *s, const char *tenant, const char *as_of, int archive,
                          FILE *out)
{
    file_store *fs = (file_store *)s;
    if (archive && fs->mode != ED_STORE_WRITE) {
        fprintf(out, "journal %s: archiving needs the writer's lock\n", fs->dir);
        return 1;
    }
    ed_buf err = {0};
    if (archive && file_commit(s, ED_TICKET_ALL, &err) != 0) {
        fprintf(out, "%s\n", err.data);
        ed_buf_free(&err);
        return 1;
    }
    ed_buf_free(&err);
    ed_retention_tally r = {as_of, NULL, 0};
    FILE *quiet = fopen("/dev/null", "w");
    walk w;
    int rc = run_walk(fs, &w, tenant, NULL, ed_retention_visit, &r, NULL, quiet ? quiet : out);
    if (quiet) {
        fclose(quiet);
    }
    if (rc == 2 || rc < 0) {
        fprintf(out, rc == 2 ? "tenant %s: no journal in %s\n" : "%s%s: cannot be read\n",
                rc == 2 ? tenant : "journal ", fs->dir);
        free_walk(&w);
        ed_retention_free(&r);
        return 1;
    }
    size_t archived = 0;
    int failed = 0;
    if (archive) {
        pthread_mutex_lock(&fs->mu);
        for (uint32_t no = 1; no <= fs->n_segments && !failed; no++) {
            failed = archive_segment(fs, no, &w, as_of, &archived) != 0;
        }
        /* offsets moved: the index and the writer's file start over */
        char *ipath = store_path(fs, INDEX_FILE);
        unlink(ipath);
        free(ipath);
        close_fd(&fs->index_fd);
        close_fd(&fs->tenants_fd);
        close_fd(&fs->write_fd);
        close_read_fds(fs);
        free_tenants(fs);
        open_read_fds(fs);
        ed_buf e2 = {0};
        if (open_write_segment(fs, &e2) != 0 || build_index(fs, &e2) != 0 ||
            quarantine_broken_chains(fs, &e2) != 0) {
            fprintf(out, "%s\n", e2.data);
            fs->broken = 1;
            snprintf(fs->broken_why, sizeof fs->broken_why, "the index after archiving");
            failed = 1;
        }
        ed_buf_free(&e2);
        pthread_mutex_unlock(&fs->mu);
        if (failed) {
            fprintf(out, "journal %s: archiving failed: %s\n", fs->dir, strerror(errno));
        }
    }
    for (size_t i = 0; i < w.n_chains; i++) {
        const chain *c = &w.chains[i];
        ed_retention_count *t = ed_retention_of(&r, c->name);
        if (c->broken) {
            fprintf(out, "tenant %s: the chain does not verify: run `edict audit verify`\n",
                    c->name);
            continue;
        }
        ed_retention_report(out, t, as_of, archive && !failed,
                            t->archived + (archive && !failed ? t->past : 0));
    }
    free_walk(&w);
    ed_retention_free(&r);
    return rc || failed ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Idempotency records                                                  */
/* ------------------------------------------------------------------ */

/* idempotency.log: per record a head line, then exactly its headers and
 * body bytes and a newline:
 *   K1 <expires_at> <tenant> <key> <digest-hex> <status> <headers_len> <body_len>\n */

static int file_idem_put(ed_store *s, const ed_idem_record *rec, ed_buf *err)
{
    file_store *fs = (file_store *)s;
    if (fs->mode != ED_STORE_WRITE) {
        ed_buf_printf(err, "journal %s: opened for reading", fs->dir);
        return -1;
    }
    char *tenant = ed_store_encode_name(rec->tenant), *key = ed_store_encode_name(rec->key);
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_hex(rec->digest, sizeof rec->digest, hex);
    size_t hl = rec->headers ? strlen(rec->headers) : 0;
    ed_buf b = {0};
    ed_buf_printf(&b, "K1 %lld %s %s %s %d %zu %zu\n", (long long)rec->expires_at, tenant, key,
                  hex, rec->status, hl, rec->body_len);
    ed_buf_append(&b, rec->headers ? rec->headers : "", hl);
    ed_buf_append(&b, rec->body ? rec->body : "", rec->body_len);
    ed_buf_putc(&b, '\n');
    pthread_mutex_lock(&fs->mu);
    int rc = ed_write_all(fs->idem_fd, b.data, b.len);
    if (rc != 0) {
        ed_buf_printf(err, "journal %s: writing %s: %s", fs->dir, IDEM_FILE, strerror(errno));
    } else {
        fs->idem_dirty = 1;
    }
    pthread_mutex_unlock(&fs->mu);
    ed_buf_free(&b);
    free(tenant);
    free(key);
    return rc;
}

static int file_idem_each(ed_store *s, int64_t now,
                          int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                          ed_buf *err)
{
    file_store *fs = (file_store *)s;
    char *path = store_path(fs, IDEM_FILE);
    size_t len = 0;
    char *all = ed_read_file(path, &len);
    free(path);
    if (all == NULL) {
        return 0;
    }
    int rc = 0;
    for (size_t at = 0; at < len && rc == 0;) {
        char *nl = memchr(all + at, '\n', len - at);
        if (nl == NULL) {
            break; /* a torn record: never answered from */
        }
        *nl = '\0';
        long long expires;
        char tenant[MAX_NAME * 3 + 1], key[2048], hex[65];
        int status;
        size_t hl, bl;
        if (sscanf(all + at, "K1 %lld %768s %2047s %64s %d %zu %zu", &expires, tenant, key,
                   hex, &status, &hl, &bl) != 7) {
            break;
        }
        size_t body_at = (size_t)(nl - all) + 1;
        if (hl > len || bl > len || body_at + hl + bl + 1 > len ||
            all[body_at + hl + bl] != '\n') {
            break;
        }
        if (expires > now) {
            char t[MAX_NAME + 1], k[1024];
            decode_token(tenant, strlen(tenant), t, sizeof t);
            decode_token(key, strlen(key), k, sizeof k);
            char *headers = malloc(hl + 1);
            if (headers == NULL) {
                abort();
            }
            memcpy(headers, all + body_at, hl);
            headers[hl] = '\0';
            ed_idem_record r = {t, k, {0}, status, headers, all + body_at + hl, bl,
                                (int64_t)expires};
            if (ed_unhex(hex, 64, r.digest) == 0) {
                rc = visit(arg, &r);
            }
            free(headers);
        }
        at = body_at + hl + bl + 1;
    }
    (void)err;
    free(all);
    return rc;
}

static size_t file_pending(ed_store *s);

static size_t file_quarantined(ed_store *s, void (*visit)(void *arg, const char *tenant,
                                                         const char *why),
                               void *arg)
{
    file_store *fs = (file_store *)s;
    size_t n = 0;
    pthread_mutex_lock(&fs->mu);
    for (size_t i = 0; i < fs->n_tenants; i++) {
        if (fs->tenants[i].quarantine != NULL) {
            n++;
            if (visit) {
                visit(arg, fs->tenants[i].name, fs->tenants[i].quarantine);
            }
        }
    }
    pthread_mutex_unlock(&fs->mu);
    return n;
}

/* A writer appends to no chain that does not verify: every chain is walked
 * at open (hashes, sequence, signed checkpoints), a broken one is
 * quarantined with the first thing wrong with it, and each sound one's head
 * is taken from what the walk verified, not from the derived index. */
static int quarantine_broken_chains(file_store *fs, ed_buf *err)
{
    FILE *devnull = fopen("/dev/null", "w");
    walk w;
    int rc = run_walk(fs, &w, NULL, NULL, NULL, NULL, NULL, devnull ? devnull : stderr);
    if (devnull) {
        fclose(devnull);
    }
    if (rc < 0) {
        ed_buf_printf(err, "journal %s: cannot be read to verify it", fs->dir);
    }
    for (size_t i = 0; i < w.n_chains && rc >= 0; i++) {
        const chain *c = &w.chains[i];
        tenant_ix *t = find_tenant(fs, c->token, strlen(c->token));
        if (t == NULL || t->quarantine != NULL) {
            continue;
        }
        if (c->broken) {
            t->quarantine = ed_strdup(c->why[0] ? c->why : "BROKEN");
        } else {
            memcpy(t->head, c->prev, 32);
        }
    }
    free_walk(&w);
    return rc < 0 ? -1 : 0;
}

/* Metrc data: kept beside the journal, in the store's folder (file_metrc.c) */
static int file_metrc_put(ed_store *s, const char *tenant, const char *license,
                          const ed_metrc_object *o, size_t n, ed_buf *err)
{
    return ed_file_metrc_put(((file_store *)s)->dir, tenant, license, o, n, err);
}

static int file_metrc_count(ed_store *s, const char *tenant, const char *license,
                            const char *resource, size_t *count, ed_buf *err)
{
    return ed_file_metrc_count(((file_store *)s)->dir, tenant, license, resource, count, err);
}

static int file_metrc_each(ed_store *s, const char *tenant, const char *license,
                           const char *resource,
                           int (*visit)(void *arg, const char *id, const char *label,
                                        const char *json),
                           void *arg, ed_buf *err)
{
    return ed_file_metrc_each(((file_store *)s)->dir, tenant, license, resource, visit, arg,
                              err);
}

static int file_metrc_log(ed_store *s, const char *tenant, const char *license,
                          const char *json, ed_buf *err)
{
    return ed_file_metrc_log(((file_store *)s)->dir, tenant, license, json, err);
}

static int file_metrc_log_each(ed_store *s, const char *tenant,
                               int (*visit)(void *arg, const char *json), void *arg,
                               ed_buf *err)
{
    return ed_file_metrc_log_each(((file_store *)s)->dir, tenant, visit, arg, err);
}

static int file_outbox_add(ed_store *s, const ed_outbox_op *op, ed_buf *err)
{
    return ed_file_outbox_add(((file_store *)s)->dir, op, err);
}

typedef struct staged_filter {
    ed_store *s;
    const char *state;
    int (*visit)(void *arg, const ed_outbox_op *op);
    void *arg;
} staged_filter;

static int found_entry(void *arg, const ed_entry *e)
{
    (void)arg;
    (void)e;
    return 0;
}

/* A staged write (file_append) whose decision is in the journal is
 * pending (made so now: its append was cut short); one whose decision is
 * not stays staged, never sent. */
static int visit_staged(void *arg, const ed_outbox_op *op)
{
    staged_filter *f = arg;
    ed_outbox_op o = *op;
    const char *cut = strstr(op->key, "/metrc/");
    if (strcmp(op->state, "staged") == 0 && cut != NULL) {
        char id[64];
        size_t n = (size_t)(cut - op->key);
        ed_buf err = {0};
        if (n < sizeof id) {
            memcpy(id, op->key, n);
            id[n] = '\0';
            if (ed_store_get(f->s, op->tenant, id, found_entry, NULL, &err) == 0 &&
                ed_file_outbox_promote(((file_store *)f->s)->dir, op->tenant, op->key,
                                       &err) == 0) {
                o.state = "pending";
            }
        }
        ed_buf_free(&err);
    }
    if (f->state != NULL && strcmp(f->state, o.state) != 0) {
        return 0;
    }
    return f->visit(f->arg, &o);
}

static int file_outbox_each(ed_store *s, const char *tenant, const char *state,
                            int (*visit)(void *arg, const ed_outbox_op *op), void *arg,
                            ed_buf *err)
{
    staged_filter f = {s, state, visit, arg};
    return ed_file_outbox_each(((file_store *)s)->dir, tenant, NULL, visit_staged, &f, err);
}

static int file_outbox_mark(ed_store *s, const char *tenant, const char *key,
                            const char *state, const char *message, ed_buf *err)
{
    return ed_file_outbox_mark(((file_store *)s)->dir, tenant, key, state, message, err);
}

static int file_catalog_keep(ed_store *s, const char *digest, const char *manifest,
                             const ed_kept_pack *packs, size_t n, ed_buf *err)
{
    file_store *fs = (file_store *)s;
    pthread_mutex_lock(&fs->kept_mu);
    int rc = ed_file_catalog_keep(fs->dir, digest, manifest, packs, n, err);
    pthread_mutex_unlock(&fs->kept_mu);
    return rc;
}

static int file_catalog_restore(ed_store *s, const char *digest, const char *dest,
                                ed_buf *manifest, ed_buf *err)
{
    return ed_file_catalog_restore(((file_store *)s)->dir, digest, dest, manifest, err);
}

static const ed_store_ops file_ops = {
    .catalog_keep = file_catalog_keep,
    .catalog_restore = file_catalog_restore,
    .metrc_put = file_metrc_put,
    .metrc_count = file_metrc_count,
    .metrc_each = file_metrc_each,
    .metrc_log = file_metrc_log,
    .metrc_log_each = file_metrc_log_each,
    .outbox_add = file_outbox_add,
    .outbox_each = file_outbox_each,
    .outbox_mark = file_outbox_mark,
    .quarantined = file_quarantined,
    .append = file_append,
    .commit = file_commit,
    .pending = file_pending,
    .get = file_get,
    .list = file_list,
    .walk = file_walk,
    .checkpoint = file_checkpoint,
    .checkpoints = file_checkpoints,
    .retention = file_retention,
    .idem_put = file_idem_put,
    .idem_each = file_idem_each,
    .close = file_close,
};
