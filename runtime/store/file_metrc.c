/*
 * file_metrc.c — the file store's Metrc data (store.h, "Metrc"): under the
 * store's folder, metrc/<tenant>/ holds
 *
 *   objects/<licence>/<resource>/<id>.json   each object as Metrc gave it
 *   sync.log                                  one JSON line per sync run
 *   outbox/<key>/                             one folder per operation:
 *       meta (licence, method, path, created: a line each), body, state,
 *       message, attempts
 *
 * Names are the store's encoding (ed_store_encode_name). Every file is
 * written to a temporary name and renamed, so a reader never sees half of
 * one; an outbox folder is built aside and renamed into place, so an
 * operation is there whole or not at all, and what the outbox says is
 * synced before the call returns (a restart finds it). Mirror objects are
 * not synced one by one: the next sync fetches them again.
 */
#define _POSIX_C_SOURCE 200809L

#include "store_impl.h"

#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A name as a path component: the store's encoding, and a leading '.'
 * encoded too (so "..", and names this file keeps aside, cannot be given). */
static void component(ed_buf *p, const char *name)
{
    char *e = ed_store_encode_name(name);
    ed_buf_printf(p, "/%s%s", e[0] == '.' ? "%2E" : "", e + (e[0] == '.'));
    free(e);
}

/* <dir>/metrc/<tenant>[/a[/b]] (each encoded), malloc'd. */
static char *place(const char *dir, const char *tenant, const char *a, const char *b)
{
    ed_buf p = {0};
    ed_buf_printf(&p, "%s/metrc", dir);
    component(&p, tenant);
    if (a) {
        component(&p, a);
    }
    if (b) {
        component(&p, b);
    }
    return p.data;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* path's contents become data: written aside, synced when durable, renamed. */
static int put_file(const char *path, const char *data, size_t len, int durable, ed_buf *err)
{
    ed_buf tmp = {0};
    ed_buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd >= 0 && ed_write_all(fd, data, len) == 0 && (!durable || fsync(fd) == 0)) {
        rc = 0;
    }
    if (fd >= 0 && close(fd) != 0) {
        rc = -1;
    }
    if (rc == 0 && rename(tmp.data, path) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        unlink(tmp.data);
    }
    ed_buf_free(&tmp);
    return rc;
}

static int make_dirs(const char *d, ed_buf *err)
{
    if (ed_make_dirs(d, 0700) < 0) {
        ed_buf_printf(err, "%s: %s", d, strerror(errno));
        return -1;
    }
    return 0;
}

int ed_file_metrc_put(const char *dir, const char *tenant, const char *license,
                      const ed_metrc_object *o, size_t n, ed_buf *err)
{
    char *last = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *folder = place(dir, tenant, "objects", license);
        ed_buf d = {0}, f = {0};
        ed_buf_puts(&d, folder);
        component(&d, o[i].resource);
        ed_buf_puts(&f, d.data);
        component(&f, o[i].id);
        ed_buf_puts(&f, ".json");
        if (last == NULL || strcmp(last, d.data) != 0) {
            rc = make_dirs(d.data, err);
            free(last);
            last = ed_strdup(d.data);
        }
        if (rc == 0) {
            rc = put_file(f.data, o[i].json, o[i].len, 0, err);
        }
        ed_buf_free(&d);
        ed_buf_free(&f);
        free(folder);
    }
    free(last);
    return rc;
}

int ed_file_metrc_count(const char *dir, const char *tenant, const char *license,
                        const char *resource, size_t *count, ed_buf *err)
{
    char *d = place(dir, tenant, "objects", license);
    ed_buf rb = {0};
    ed_buf_puts(&rb, d);
    component(&rb, resource);
    free(d);
    d = rb.data;
    char **names = NULL;
    int n = ed_list_dir(d, &names);
    *count = 0;
    if (n < 0) {
        int e = errno;
        free(d);
        if (e == ENOENT) {
            return 0;
        }
        ed_buf_printf(err, "Metrc mirror: %s", strerror(e));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        *count += l > 5 && strcmp(names[i] + l - 5, ".json") == 0;
    }
    ed_free_names(names, n);
    free(d);
    return 0;
}

static char *decode_name(const char *s);

int ed_file_metrc_each(const char *dir, const char *tenant, const char *license,
                       const char *resource,
                       int (*visit)(void *arg, const char *id, const char *label,
                                    const char *json),
                       void *arg, ed_buf *err)
{
    char *d = place(dir, tenant, "objects", license);
    ed_buf rb = {0};
    ed_buf_puts(&rb, d);
    component(&rb, resource);
    free(d);
    char **names = NULL;
    int n = ed_list_dir(rb.data, &names);
    if (n < 0) {
        int e = errno;
        if (e != ENOENT) {
            ed_buf_printf(err, "Metrc mirror: %s", strerror(e));
        }
        ed_buf_free(&rb);
        return e == ENOENT ? 0 : -1;
    }
    int stop = 0; /* the listing is sorted (ed_list_dir) */
    for (int i = 0; i < n && !stop; i++) {
        size_t l = strlen(names[i]);
        if (l <= 5 || strcmp(names[i] + l - 5, ".json") != 0) {
            continue;
        }
        char *path = ed_path_join(rb.data, names[i]);
        size_t len = 0;
        char *text = ed_read_file(path, &len);
        free(path);
        if (text == NULL) {
            continue; /* replaced or gone since the listing */
        }
        names[i][l - 5] = '\0';
        char *id = decode_name(names[i]);
        /* the label is in the object (Metrc's "Label"); the report reads it
         * from the JSON, so it is "" here as the file store keeps no index */
        stop = visit(arg, id, "", text) != 0;
        free(id);
        free(text);
    }
    ed_free_names(names, n);
    ed_buf_free(&rb);
    return 0;
}

int ed_file_metrc_log(const char *dir, const char *tenant, const char *license,
                      const char *json, ed_buf *err)
{
    (void)license; /* the line names it */
    char *d = place(dir, tenant, NULL, NULL);
    char *f = ed_path_join(d, "sync.log");
    int rc = make_dirs(d, err);
    if (rc == 0) {
        int fd = open(f, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        ed_buf line = {0};
        ed_buf_printf(&line, "%s\n", json);
        if (fd < 0 || ed_write_all(fd, line.data, line.len) != 0 || fdatasync(fd) != 0) {
            ed_buf_printf(err, "%s: %s", f, strerror(errno));
            rc = -1;
        }
        if (fd >= 0) {
            close(fd);
        }
        ed_buf_free(&line);
    }
    free(d);
    free(f);
    return rc;
}

int ed_file_metrc_log_each(const char *dir, const char *tenant,
                           int (*visit)(void *arg, const char *json), void *arg, ed_buf *err)
{
    char *d = place(dir, tenant, NULL, NULL);
    char *f = ed_path_join(d, "sync.log");
    free(d);
    size_t len = 0;
    char *text = ed_read_file(f, &len);
    if (text == NULL) {
        int e = errno;
        if (e != ENOENT) {
            ed_buf_printf(err, "%s: %s", f, strerror(e));
        }
        free(f);
        return e == ENOENT ? 0 : -1;
    }
    free(f);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (visit(arg, line) != 0) {
            break;
        }
    }
    free(text);
    return 0;
}

static int one_line(const char *what, const char *s, ed_buf *err)
{
    if (s == NULL || *s == '\0' || strpbrk(s, "\r\n")) {
        ed_buf_printf(err, "outbox: %s must be one non-empty line", what);
        return -1;
    }
    return 0;
}

int ed_file_outbox_add(const char *dir, const ed_outbox_op *op, ed_buf *err)
{
    if (one_line("key", op->key, err) || one_line("licence", op->license, err) ||
        one_line("method", op->method, err) || one_line("path", op->path, err)) {
        return -1;
    }
    char *box = place(dir, op->tenant, "outbox", NULL);
    char *key = ed_store_encode_name(op->key);
    ed_buf final = {0}, tmp = {0};
    ed_buf_puts(&final, box);
    component(&final, op->key);
    ed_buf_printf(&tmp, "%s/.%s.new%ld", box, key, (long)getpid());
    free(key);
    int rc = make_dirs(box, err);
    if (rc == 0 && ed_is_dir(final.data)) {
        rc = 1; /* there already */
    }
    if (rc == 0 && mkdir(tmp.data, 0700) != 0 && errno != EEXIST) {
        ed_buf_printf(err, "%s: %s", tmp.data, strerror(errno));
        rc = -1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char created[64];
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    size_t cl = strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(created + cl, sizeof created - cl, ".%09ldZ", now.tv_nsec);
    ed_buf meta = {0};
    ed_buf_printf(&meta, "%s\n%s\n%s\n%s\n", op->license, op->method, op->path, created);
    const char *const names[] = {"meta", "body", "state", "message", "attempts"};
    /* "staged": a decision's write, kept before its entry is appended and
     * made pending once it is (file_store.c) */
    const char *state = op->state && strcmp(op->state, "staged") == 0 ? "staged" : "pending";
    const char *const vals[] = {meta.data, op->body ? op->body : "[]", state, "", "0"};
    for (size_t i = 0; rc == 0 && i < 5; i++) {
        ed_buf f = {0};
        ed_buf_printf(&f, "%s/%s", tmp.data, names[i]);
        rc = put_file(f.data, vals[i], strlen(vals[i]), 1, err);
        ed_buf_free(&f);
    }
    if (rc == 0) {
        sync_dir(tmp.data);
        if (rename(tmp.data, final.data) != 0) {
            /* another writer put the same key there first: theirs stands */
            rc = (errno == ENOTEMPTY || errno == EEXIST) ? 1 : -1;
            if (rc < 0) {
                ed_buf_printf(err, "%s: %s", final.data, strerror(errno));
            }
        } else {
            sync_dir(box);
        }
    }
    if (rc != 0) { /* remove what was built aside */
        for (size_t i = 0; i < 5; i++) {
            ed_buf f = {0};
            ed_buf_printf(&f, "%s/%s", tmp.data, names[i]);
            unlink(f.data);
            ed_buf_free(&f);
        }
        rmdir(tmp.data);
    }
    ed_buf_free(&meta);
    ed_buf_free(&final);
    ed_buf_free(&tmp);
    free(box);
    return rc < 0 ? -1 : rc == 1 ? 0 : 1;
}

typedef struct loaded_op {
    char *key, *meta, *body, *state, *message, *attempts;
    const char *license, *method, *path, *created;
} loaded_op;

static char *read_in(const char *folder, const char *name)
{
    char *f = ed_path_join(folder, name);
    size_t len = 0;
    char *t = ed_read_file(f, &len);
    free(f);
    return t ? t : ed_strdup("");
}

static int by_created(const void *a, const void *b)
{
    const loaded_op *x = a, *y = b;
    int c = strcmp(x->created, y->created);
    return c ? c : strcmp(x->key, y->key);
}

/* Decode a stored name back (the inverse of ed_store_encode_name). */
static char *decode_name(const char *s)
{
    ed_buf b = {0};
    for (size_t i = 0; s[i]; i++) {
        unsigned int v;
        if (s[i] == '%' && s[i + 1] && s[i + 2] && sscanf(s + i + 1, "%2x", &v) == 1) {
            ed_buf_putc(&b, (char)v);
            i += 2;
        } else {
            ed_buf_putc(&b, s[i]);
        }
    }
    return b.data ? b.data : ed_strdup("");
}

int ed_file_outbox_each(const char *dir, const char *tenant, const char *state,
                        int (*visit)(void *arg, const ed_outbox_op *op), void *arg,
                        ed_buf *err)
{
    char *box = place(dir, tenant, "outbox", NULL);
    char **names = NULL;
    int n = ed_list_dir(box, &names);
    if (n < 0) {
        int e = errno;
        free(box);
        if (e == ENOENT) {
            return 0;
        }
        ed_buf_printf(err, "outbox: %s", strerror(e));
        return -1;
    }
    loaded_op *ops = calloc((size_t)n + 1, sizeof *ops);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (names[i][0] == '.') {
            continue; /* one being built */
        }
        char *folder = ed_path_join(box, names[i]);
        loaded_op *o = &ops[k++];
        o->key = decode_name(names[i]);
        o->meta = read_in(folder, "meta");
        o->body = read_in(folder, "body");
        o->state = read_in(folder, "state");
        o->message = read_in(folder, "message");
        o->attempts = read_in(folder, "attempts");
        free(folder);
        char *save = NULL;
        o->license = strtok_r(o->meta, "\n", &save);
        o->method = o->license ? strtok_r(NULL, "\n", &save) : NULL;
        o->path = o->method ? strtok_r(NULL, "\n", &save) : NULL;
        o->created = o->path ? strtok_r(NULL, "\n", &save) : NULL;
        if (o->created == NULL) {
            o->license = o->method = o->path = o->created = "";
        }
    }
    ed_free_names(names, n);
    qsort(ops, k, sizeof *ops, by_created);
    for (size_t i = 0; i < k; i++) {
        loaded_op *o = &ops[i];
        if (state && strcmp(state, o->state) != 0) {
            continue;
        }
        ed_outbox_op op = {tenant, o->key, o->license, o->method, o->path, o->body,
                           o->state, o->message, o->created, atoi(o->attempts)};
        if (visit(arg, &op) != 0) {
            break;
        }
    }
    for (size_t i = 0; i < k; i++) {
        free(ops[i].key);
        free(ops[i].meta);
        free(ops[i].body);
        free(ops[i].state);
        free(ops[i].message);
        free(ops[i].attempts);
    }
    free(ops);
    free(box);
    return 0;
}

int ed_file_outbox_promote(const char *dir, const char *tenant, const char *key, ed_buf *err)
{
    char *box = place(dir, tenant, "outbox", key);
    char *state = read_in(box, "state");
    int rc = 0;
    if (strcmp(state, "staged") == 0) {
        char *f = ed_path_join(box, "state");
        rc = put_file(f, "pending", 7, 1, err);
        free(f);
        sync_dir(box);
    }
    free(state);
    free(box);
    return rc;
}

int ed_file_outbox_mark(const char *dir, const char *tenant, const char *key,
                        const char *state, const char *message, ed_buf *err)
{
    char *box = place(dir, tenant, "outbox", key);
    if (!ed_is_dir(box)) {
        ed_buf_printf(err, "outbox: no operation %s", key);
        free(box);
        return -1;
    }
    char *att = read_in(box, "attempts");
    char next[32];
    snprintf(next, sizeof next, "%d", atoi(att) + 1);
    free(att);
    /* the state last: a crash between leaves the old state, and the push
     * that finds it pending sends it again with the same key */
    const char *const names[] = {"message", "attempts", "state"};
    const char *const vals[] = {message ? message : "", next, state};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        char *f = ed_path_join(box, names[i]);
        rc = put_file(f, vals[i], strlen(vals[i]), 1, err);
        free(f);
    }
    sync_dir(box);
    free(box);
    return rc;
}
