/*
 * idempotency.c — remembered responses for Idempotency-Key (see
 * idempotency.h).
 *
 * Entries live in a table keyed by "tenant\0key" (NUL cannot occur in
 * either, so the pair is unambiguous), hashed with SipHash under a random
 * key per object (table.h): keys are chosen by clients, and a predictable
 * hash would let one pile every key into a single chain. Each entry is
 * also on one of two lists ordered by time: finished entries by finish
 * time, in-progress ones by begin time. Expired entries are therefore a
 * prefix of their list and "the oldest finished" is its head, so expiry
 * and eviction cost O(1) per entry.
 */
#define _POSIX_C_SOURCE 200809L
#define idempotency_c

#include "idempotency.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/table.h"
#include "stdlib/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILE_MAGIC "edict-idempotency 1"

/* The value of a table entry; its key (tenant, NUL, key) is the table's. */
typedef struct entry {
    struct entry *older, *newer;  /* neighbours on its time list */
    int finished;
    double at;                    /* finish time, or begin time in progress */
    unsigned char body_sha256[32];
    int status;
    char *headers;                /* NULL when none */
    char *body;
    size_t body_len;
} entry;

typedef struct time_list {
    entry *oldest, *newest;
} time_list;

struct ed_idem {
    pthread_mutex_t lock;      /* guards everything below but save_lock */
    pthread_mutex_t save_lock; /* one save at a time: they share path.tmp */
    double window_s;
    size_t max_entries;        /* 0: no bound */
    size_t max_bytes;          /* of finished answers' headers and bodies; 0: none */
    size_t bytes;              /* what the finished answers hold now */
    ed_table *entries;         /* "tenant\0key" -> entry */
    time_list finished;
    time_list in_progress;
};

/* A malloc'd copy of n bytes with a NUL after them. */
static char *copy_bytes(const char *p, size_t n)
{
    char *c = ed_xmalloc(n + 1);
    if (n > 0) {
        memcpy(c, p, n);
    }
    c[n] = '\0';
    return c;
}

/* ------------------------------------------------------------------ */
/* Table and lists                                                      */
/* ------------------------------------------------------------------ */

/* "tenant\0key" in buf when it fits, else malloc'd (*owned set). */
static char *make_id(const char *tenant, const char *key, char *buf, size_t buf_size,
                     size_t *len, char **owned)
{
    size_t lt = strlen(tenant), lk = strlen(key);
    *len = lt + 1 + lk;
    char *id = buf;
    *owned = NULL;
    if (*len + 1 > buf_size) {
        id = *owned = ed_xmalloc(*len + 1);
    }
    memcpy(id, tenant, lt + 1);
    memcpy(id + lt + 1, key, lk + 1);
    return id;
}

/* Insert e by e->at. Callers' clocks agree closely, so this walks back a
 * step or two from the newest end at most. */
static void list_insert(time_list *l, entry *e)
{
    entry *after = l->newest;
    while (after != NULL && after->at > e->at) {
        after = after->older;
    }
    e->older = after;
    e->newer = after ? after->newer : l->oldest;
    if (e->newer) {
        e->newer->older = e;
    } else {
        l->newest = e;
    }
    if (after) {
        after->newer = e;
    } else {
        l->oldest = e;
    }
}

static void list_remove(time_list *l, entry *e)
{
    if (e->older) {
        e->older->newer = e->newer;
    } else {
        l->oldest = e->newer;
    }
    if (e->newer) {
        e->newer->older = e->older;
    } else {
        l->newest = e->older;
    }
    e->older = e->newer = NULL;
}

/* Unlink e from its list and the table, and free it. */
static size_t entry_bytes(const entry *e)
{
    return e->finished ? e->body_len + (e->headers ? strlen(e->headers) : 0) : 0;
}

static void remove_entry(ed_idem *idem, entry *e)
{
    idem->bytes -= entry_bytes(e);
    list_remove(e->finished ? &idem->finished : &idem->in_progress, e);
    free(e->headers);
    free(e->body);
    ed_table_remove(idem->entries, e);
}

static int expired(const ed_idem *idem, const entry *e, double now)
{
    /* >=: the window is [at, at + window_s). */
    return now >= e->at + idem->window_s;
}

/* Drop the expired prefix of both lists (abandoned reservations too). */
static void drop_expired(ed_idem *idem, double now)
{
    while (idem->finished.oldest && expired(idem, idem->finished.oldest, now)) {
        remove_entry(idem, idem->finished.oldest);
    }
    while (idem->in_progress.oldest && expired(idem, idem->in_progress.oldest, now)) {
        remove_entry(idem, idem->in_progress.oldest);
    }
}

/* Evict finished entries, earliest first, until one more fits or none is
 * left (in-progress entries are never evicted). */
static void make_room(ed_idem *idem)
{
    while (idem->max_entries > 0 && ed_table_count(idem->entries) >= idem->max_entries &&
           idem->finished.oldest != NULL) {
        remove_entry(idem, idem->finished.oldest);
    }
}

/* ------------------------------------------------------------------ */
/* The API                                                              */
/* ------------------------------------------------------------------ */

ed_idem *ed_idem_new(double window_s, size_t max_entries)
{
    if (!isfinite(window_s) || window_s <= 0) {
        return NULL;
    }
    ed_idem *idem = ed_xcalloc(1, sizeof *idem);
    pthread_mutex_init(&idem->lock, NULL);
    pthread_mutex_init(&idem->save_lock, NULL);
    idem->window_s = window_s;
    idem->max_entries = max_entries;
    idem->entries = ed_table_new();
    return idem;
}

void ed_idem_set_max_bytes(ed_idem *idem, size_t max_bytes)
{
    pthread_mutex_lock(&idem->lock);
    idem->max_bytes = max_bytes;
    pthread_mutex_unlock(&idem->lock);
}

size_t ed_idem_bytes(ed_idem *idem)
{
    pthread_mutex_lock(&idem->lock);
    size_t n = idem->bytes;
    pthread_mutex_unlock(&idem->lock);
    return n;
}

void ed_idem_free(ed_idem *idem)
{
    if (idem == NULL) {
        return;
    }
    ed_table_iter it;
    ed_table_iter_start(&it, idem->entries);
    for (entry *e; (e = ed_table_iter_next(&it)) != NULL;) {
        free(e->headers);
        free(e->body);
    }
    ed_table_free(idem->entries);
    pthread_mutex_destroy(&idem->lock);
    pthread_mutex_destroy(&idem->save_lock);
    free(idem);
}

ed_idem_result ed_idem_begin(ed_idem *idem, const char *tenant, const char *key,
                             const unsigned char body_sha256[32], double now, int *status,
                             char **headers, char **body, size_t *body_len)
{
    /* Outputs the caller does not want go to locals; copies are made only
     * for the ones it does, so nothing leaks. */
    int status_ignored;
    char *headers_ignored, *body_ignored;
    size_t len_ignored;
    int want_headers = headers != NULL, want_body = body != NULL;
    status = status ? status : &status_ignored;
    headers = headers ? headers : &headers_ignored;
    body = body ? body : &body_ignored;
    body_len = body_len ? body_len : &len_ignored;
    *status = 0;
    *headers = *body = NULL;
    *body_len = 0;
    if (idem == NULL || tenant == NULL || key == NULL || body_sha256 == NULL || !isfinite(now)) {
        return ED_IDEM_NEW;
    }

    char buf[256], *owned;
    size_t len;
    const char *id = make_id(tenant, key, buf, sizeof buf, &len, &owned);
    ed_table_key k = ed_table_key_of(idem->entries, id, len); /* no lock needed */

    pthread_mutex_lock(&idem->lock);
    drop_expired(idem, now);
    ed_idem_result result = ED_IDEM_NEW;
    entry *e = ed_table_find(idem->entries, k);
    if (e != NULL && expired(idem, e, now)) {
        /* Not at the head of its list (a caller's clock lagging behind
         * another's), but expired all the same. */
        remove_entry(idem, e);
        e = NULL;
    }
    if (e != NULL) {
        if (memcmp(e->body_sha256, body_sha256, 32) != 0) {
            result = ED_IDEM_CONFLICT;
        } else if (!e->finished) {
            result = ED_IDEM_IN_PROGRESS;
        } else {
            result = ED_IDEM_REPLAY;
            *status = e->status;
            if (want_headers && e->headers != NULL) {
                *headers = copy_bytes(e->headers, strlen(e->headers));
            }
            if (want_body) {
                *body = copy_bytes(e->body, e->body_len);
            }
            *body_len = e->body_len;
        }
    } else {
        make_room(idem);
        e = ed_table_insert(idem->entries, k, sizeof *e);
        memcpy(e->body_sha256, body_sha256, 32);
        e->at = now;
        list_insert(&idem->in_progress, e);
    }
    pthread_mutex_unlock(&idem->lock);
    free(owned);
    return result;
}

void ed_idem_finish(ed_idem *idem, const char *tenant, const char *key, int status,
                    const char *headers, const char *body, size_t body_len, double now)
{
    if (idem == NULL || tenant == NULL || key == NULL || !isfinite(now) ||
        (body == NULL && body_len > 0)) {
        return;
    }
    char buf[256], *owned;
    size_t len;
    const char *id = make_id(tenant, key, buf, sizeof buf, &len, &owned);
    ed_table_key k = ed_table_key_of(idem->entries, id, len);

    /* Copy outside the lock: bodies can be large. */
    char *headers_copy = headers ? copy_bytes(headers, strlen(headers)) : NULL;
    char *body_copy = copy_bytes(body, body_len);

    pthread_mutex_lock(&idem->lock);
    entry *e = ed_table_find(idem->entries, k);
    if (e != NULL && !e->finished) {
        list_remove(&idem->in_progress, e);
        e->finished = 1;
        e->at = now;
        e->status = status;
        e->headers = headers_copy;
        e->body = body_copy;
        e->body_len = body_len;
        list_insert(&idem->finished, e);
        headers_copy = body_copy = NULL;
        idem->bytes += entry_bytes(e);
        /* bounded by bytes too: the answers finished earliest go first
         * (never this one, which its request is about to send) */
        while (idem->max_bytes > 0 && idem->bytes > idem->max_bytes &&
               idem->finished.oldest != NULL && idem->finished.oldest != e) {
            remove_entry(idem, idem->finished.oldest);
        }
    }
    pthread_mutex_unlock(&idem->lock);
    free(headers_copy);
    free(body_copy);
    free(owned);
}

void ed_idem_abort(ed_idem *idem, const char *tenant, const char *key)
{
    if (idem == NULL || tenant == NULL || key == NULL) {
        return;
    }
    char buf[256], *owned;
    size_t len;
    const char *id = make_id(tenant, key, buf, sizeof buf, &len, &owned);
    ed_table_key k = ed_table_key_of(idem->entries, id, len);
    pthread_mutex_lock(&idem->lock);
    entry *e = ed_table_find(idem->entries, k);
    if (e != NULL && !e->finished) {
        remove_entry(idem, e);
    }
    pthread_mutex_unlock(&idem->lock);
    free(owned);
}

size_t ed_idem_size(ed_idem *idem)
{
    pthread_mutex_lock(&idem->lock);
    size_t n = ed_table_count(idem->entries);
    pthread_mutex_unlock(&idem->lock);
    return n;
}

/* ------------------------------------------------------------------ */
/* Persistence                                                          */
/* ------------------------------------------------------------------ */

static void put_escaped(ed_buf *out, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    ed_buf_putc(out, '=');
    size_t plain = 0; /* start of the run of bytes needing no escape */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f || c == '%') {
            ed_buf_append(out, p + plain, i - plain);
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            ed_buf_append(out, esc, 3);
            plain = i + 1;
        }
    }
    ed_buf_append(out, p + plain, n - plain);
}

static void format_entries(ed_idem *idem, double now, ed_buf *out)
{
    ed_buf_puts(out, FILE_MAGIC "\n");
    for (entry *e = idem->finished.oldest; e != NULL; e = e->newer) {
        if (expired(idem, e, now)) {
            continue;
        }
        ed_buf_printf(out, "%.17g %d ", e->at, e->status);
        for (int i = 0; i < 32; i++) {
            ed_buf_printf(out, "%02x", e->body_sha256[i]);
        }
        size_t id_len;
        const char *id = ed_table_key_bytes(e, &id_len);
        size_t tenant_len = strlen(id);
        ed_buf_putc(out, ' ');
        put_escaped(out, id, tenant_len);
        ed_buf_putc(out, ' ');
        put_escaped(out, id + tenant_len + 1, id_len - tenant_len - 1);
        ed_buf_putc(out, ' ');
        if (e->headers) {
            put_escaped(out, e->headers, strlen(e->headers));
        } else {
            ed_buf_putc(out, '-');
        }
        ed_buf_putc(out, ' ');
        put_escaped(out, e->body, e->body_len);
        ed_buf_putc(out, '\n');
    }
}

/* fsync the folder holding path, so the rename itself is durable. */
static int fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? ed_strdup(".")
                : slash == path ? ed_strdup("/")
                                : copy_bytes(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    free(dir);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int ed_idem_save(ed_idem *idem, const char *path, double now, ed_buf *err)
{
    ed_buf text = {0};
    pthread_mutex_lock(&idem->save_lock);
    pthread_mutex_lock(&idem->lock);
    format_entries(idem, now, &text);
    pthread_mutex_unlock(&idem->lock);

    ed_buf tmp = {0};
    ed_buf_printf(&tmp, "%s.tmp", path);
    const char *failed = NULL;
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        failed = tmp.data;
    } else {
        int ok = ed_write_all(fd, text.data, text.len) == 0 && fsync(fd) == 0;
        int saved = errno;
        if (close(fd) != 0 && ok) {
            ok = 0;
            saved = errno;
        }
        errno = saved;
        if (!ok) {
            failed = tmp.data;
        } else if (rename(tmp.data, path) != 0 || fsync_parent(path) != 0) {
            failed = path;
        }
        if (failed != NULL) {
            saved = errno;
            unlink(tmp.data);
            errno = saved;
        }
    }
    if (failed != NULL && err != NULL) {
        ed_buf_printf(err, "%s: %s", failed, strerror(errno));
    }
    pthread_mutex_unlock(&idem->save_lock);
    ed_buf_free(&tmp);
    ed_buf_free(&text);
    return failed != NULL ? -1 : 0;
}

/* Cut the next space-separated field off *line (a NUL replaces the
 * space); NULL when there is none. */
static char *next_field(char **line)
{
    char *start = *line;
    if (start == NULL || *start == '\0') {
        return NULL;
    }
    char *space = strchr(start, ' ');
    if (space) {
        *space = '\0';
        *line = space + 1;
    } else {
        *line = NULL;
    }
    return start;
}

/* Decode a "=..." field in place; its length in *len. -1 if malformed. */
static int unescape(char *field, size_t *len)
{
    if (field == NULL || field[0] != '=') {
        return -1;
    }
    char *out = field;
    for (const char *p = field + 1; *p; p++) {
        if (*p == '%') {
            unsigned char byte;
            if (ed_unhex(p + 1, 2, &byte) != 0) {
                return -1;
            }
            *out++ = (char)byte;
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *len = (size_t)(out - field);
    *out = '\0';
    return 0;
}

/* Parse one entry line (modified in place) and add it. NULL, or what is
 * wrong with it. */
static const char *load_line(ed_idem *idem, char *line, double now)
{
    char *f_at = next_field(&line), *f_status = next_field(&line);
    char *f_sha = next_field(&line), *f_tenant = next_field(&line);
    char *f_key = next_field(&line), *f_headers = next_field(&line);
    char *f_body = next_field(&line);
    if (f_body == NULL || line != NULL) {
        return "expected 7 fields";
    }
    char *end;
    double at = strtod(f_at, &end);
    if (*end != '\0' || end == f_at || !isfinite(at)) {
        return "bad finish time";
    }
    long status = strtol(f_status, &end, 10);
    if (*end != '\0' || end == f_status || status < 100 || status > 999) {
        return "bad status";
    }
    unsigned char sha[32];
    if (strlen(f_sha) != 64) {
        return "bad body hash";
    }
    if (ed_unhex(f_sha, 64, sha) != 0) {
        return "bad body hash";
    }
    size_t tenant_len, key_len, headers_len = 0, body_len;
    if (unescape(f_tenant, &tenant_len) != 0 || strlen(f_tenant) != tenant_len) {
        return "bad tenant";
    }
    if (unescape(f_key, &key_len) != 0 || strlen(f_key) != key_len) {
        return "bad key";
    }
    int has_headers = strcmp(f_headers, "-") != 0;
    if (has_headers && (unescape(f_headers, &headers_len) != 0 || strlen(f_headers) != headers_len)) {
        return "bad headers";
    }
    if (unescape(f_body, &body_len) != 0) {
        return "bad body";
    }
    if (now >= at + idem->window_s) {
        return NULL; /* expired while the server was down */
    }

    char buf[256], *owned;
    size_t len;
    const char *id = make_id(f_tenant, f_key, buf, sizeof buf, &len, &owned);
    ed_table_key k = ed_table_key_of(idem->entries, id, len);
    pthread_mutex_lock(&idem->lock);
    drop_expired(idem, now);
    int full = idem->max_entries > 0 && ed_table_count(idem->entries) >= idem->max_entries;
    entry *oldest = idem->finished.oldest;
    /* Present already: the live entry wins. Full: only evict an entry
     * that finished before this one. */
    if (ed_table_find(idem->entries, k) == NULL &&
        (!full || (oldest != NULL && oldest->at < at))) {
        make_room(idem);
        entry *e = ed_table_insert(idem->entries, k, sizeof *e);
        memcpy(e->body_sha256, sha, 32);
        e->finished = 1;
        e->at = at;
        e->status = (int)status;
        e->headers = has_headers ? copy_bytes(f_headers, headers_len) : NULL;
        e->body = copy_bytes(f_body, body_len);
        e->body_len = body_len;
        list_insert(&idem->finished, e);
        idem->bytes += entry_bytes(e);
    }
    pthread_mutex_unlock(&idem->lock);
    free(owned);
    return NULL;
}

int ed_idem_load(ed_idem *idem, const char *path, double now, ed_buf *err)
{
    size_t size;
    char *text = ed_read_file(path, &size);
    if (text == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        if (err != NULL) {
            ed_buf_printf(err, "%s: %s", path, strerror(errno));
        }
        return -1;
    }
    const char *problem = NULL;
    size_t line_no = 0;
    char *line = text;
    while (problem == NULL && line < text + size) {
        line_no++;
        char *nl = memchr(line, '\n', (size_t)(text + size - line));
        if (nl == NULL) {
            problem = "last line not terminated (truncated file?)";
            break;
        }
        *nl = '\0';
        if (strlen(line) != (size_t)(nl - line)) {
            problem = "NUL byte in line";
        } else if (line_no == 1) {
            if (strcmp(line, FILE_MAGIC) != 0) {
                problem = "not an edict idempotency file (first line is not \"" FILE_MAGIC "\")";
            }
        } else {
            problem = load_line(idem, line, now);
        }
        line = nl + 1;
    }
    if (problem == NULL && line_no == 0) {
        problem = "empty file";
        line_no = 1;
    }
    if (problem != NULL && err != NULL) {
        ed_buf_printf(err, "%s:%zu: %s", path, line_no, problem);
    }
    free(text);
    return problem != NULL ? -1 : 0;
}
