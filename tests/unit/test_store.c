/*
 * test_store.c — the store conformance suite: what an implementation of
 * store.h must do, through store.h only. It runs against the file store;
 * another implementation joins by giving fresh() its own empty locations
 * (the torn-tail and lost-index cases are the file store's own).
 */
#define _GNU_SOURCE

#include "check.h"

#include "store/store.h"
#include "stdlib/hash.h"
#include "util/fsutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpl[] = "/tmp/edict-store-XXXXXX";
static const char *root;
static int counter;

/* A fresh, empty location for one test. */
static char *fresh(void)
{
    char *p = NULL;
    if (asprintf(&p, "%s/s%d", root, ++counter) < 0) {
        abort();
    }
    return p;
}

static ed_store *open_at(const char *where, ed_store_mode mode, size_t segment_bytes)
{
    ed_store_options o = {mode, segment_bytes};
    ed_buf err = {0};
    ed_store *s = ed_store_open(where, &o, &err);
    if (s == NULL) {
        fprintf(stderr, "open %s: %s\n", where, err.data);
    }
    ed_buf_free(&err);
    return s;
}

/* A decision as the engine writes one; the id is derived from n. */
static void decision(int n, const char *tenant, const char *flag, const char *type,
                     const char *occurred, const char *retain, const char *details,
                     char id[40], ed_buf *out)
{
    char hex[ED_SHA256_HEX_LEN + 1];
    char seed[64];
    snprintf(seed, sizeof seed, "%s-%d", tenant, n);
    ed_sha256_hex(seed, strlen(seed), hex);
    snprintf(id, 40, "dec-%.32s", hex);
    ed_buf_reset(out);
    ed_buf_printf(out, "{\"decision_id\":\"%s\",\"event_id\":\"ev-%d\",\"tenant\":\"%s\","
                  "\"type\":\"%s\",\"occurred_at\":\"%s\",\"flag\":\"%s\",\"findings\":[%s],"
                  "\"retention_until\":%s%s%s}",
                  id, n, tenant, type, occurred, flag, details ? details : "",
                  retain ? "\"" : "", retain ? retain : "null", retain ? "\"" : "");
}

static int append(ed_store *s, int n, const char *tenant, const char *flag,
                  const char *type, const char *occurred, const char *retain,
                  const char *details, char id[40])
{
    ed_buf b = {0}, err = {0};
    char event[32];
    snprintf(event, sizeof event, "ev-%d", n);
    decision(n, tenant, flag, type, occurred, retain, details, id, &b);
    ed_record r = {tenant, id, event, occurred, flag, type, retain, b.data, b.len};
    int rc = ed_store_append(s, &r, NULL, &err);
    if (rc != 0) {
        fprintf(stderr, "append: %s\n", err.data);
    }
    ed_buf_free(&b);
    ed_buf_free(&err);
    return rc;
}

static int keep_bytes(void *arg, const ed_entry *e)
{
    ed_buf *b = arg;
    ed_buf_reset(b);
    if (e->bytes) {
        ed_buf_append(b, e->bytes, e->len);
    }
    return 0;
}

static int verify_quiet(ed_store *s, const char *tenant, uint64_t *entries)
{
    FILE *devnull = fopen("/dev/null", "w");
    int rc = ed_store_walk(s, tenant, NULL, NULL, NULL, entries, devnull);
    fclose(devnull);
    return rc;
}

TEST(get_matches_ids_exactly_and_per_tenant)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "open");
    char a1[40], a2[40], b1[40];
    /* a's second decision names a's first id inside its text: a lookup
     * must never find it by that */
    char details[128];
    CHECK(append(s, 1, "alpha", "green", "t.a", "2026-01-01T00:00:00Z", NULL, NULL, a1) == 0, "a1");
    snprintf(details, sizeof details, "{\"details\":{\"decision_id\":\"%s\"}}", a1);
    CHECK(append(s, 2, "alpha", "red", "t.a", "2026-01-02T00:00:00Z", NULL, details, a2) == 0, "a2");
    CHECK(append(s, 3, "beta", "green", "t.b", "2026-01-03T00:00:00Z", NULL, NULL, b1) == 0, "b1");
    ed_buf err = {0}, got = {0};
    CHECK(ed_store_commit(s, ED_TICKET_ALL, &err) == 0, "commit: %s", err.data);
    CHECK(ed_store_get(s, "alpha", a1, keep_bytes, &got, &err) == 0, "a1 found");
    CHECK(strstr(got.data, "\"event_id\":\"ev-1\"") != NULL, "a1 is ev-1: %s", got.data);
    CHECK(ed_store_get(s, "alpha", b1, keep_bytes, &got, &err) == 1, "beta's id under alpha: none");
    char prefix[40];
    snprintf(prefix, sizeof prefix, "%.20s", a1);
    CHECK(ed_store_get(s, "alpha", prefix, keep_bytes, &got, &err) == 1, "a prefix: none");
    CHECK(ed_store_get(s, "nobody", a1, keep_bytes, &got, &err) == 1, "unknown tenant: none");
    ed_store_close(s);
    /* and after a restart, read-only */
    s = open_at(where, ED_STORE_READ, 0);
    CHECK(s != NULL, "reopen");
    CHECK(ed_store_get(s, "alpha", a2, keep_bytes, &got, &err) == 0, "a2 after reopen");
    CHECK(strstr(got.data, "\"event_id\":\"ev-2\"") != NULL, "a2 is ev-2");
    ed_store_close(s);
    ed_buf_free(&err);
    ed_buf_free(&got);
    free(where);
    PASS();
}

typedef struct listed {
    char ids[64][8];
    int n;
} listed;

static int list_ids(void *arg, const ed_entry *e)
{
    listed *l = arg;
    snprintf(l->ids[l->n++], 8, "%s", e->event_id + 3);
    return 0;
}

static int list_all(ed_store *s, ed_store_query *q, char *out, size_t cap)
{
    listed l = {0};
    uint64_t next = 0;
    ed_buf err = {0};
    out[0] = '\0';
    do {
        q->after = next;
        if (ed_store_list(s, q, list_ids, &l, &next, &err) != 0) {
            ed_buf_free(&err);
            return -1;
        }
    } while (next != 0);
    for (int i = 0; i < l.n; i++) {
        strncat(out, l.ids[i], cap - strlen(out) - 2);
        strncat(out, ",", cap - strlen(out) - 1);
    }
    ed_buf_free(&err);
    return 0;
}

TEST(list_filters_and_pages)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "open");
    char id[40];
    static const char *flags[] = {"green", "red", "yellow", "red"};
    for (int i = 1; i <= 12; i++) {
        char at[48];
        snprintf(at, sizeof at, "2026-03-%02dT12:00:00-07:00", i);
        CHECK(append(s, i, "acme", flags[i % 4], i % 3 ? "waste.recorded" : "plant.tagged",
                     at, NULL, NULL, id) == 0, "append %d", i);
        CHECK(append(s, 100 + i, "other", "red", "waste.recorded", at, NULL, NULL, id) == 0,
              "other");
    }
    ed_record reload = {.tenant = "acme", .occurred_at = "2026-03-05T00:00:00Z",
                        .type = "edict.reload", .bytes = "{\"kind\":\"reload\"}", .len = 17};
    ed_buf err = {0};
    CHECK(ed_store_append(s, &reload, NULL, &err) == 0, "a host record");
    char out[512];
    ed_store_query q = {.tenant = "acme", .limit = 5};
    CHECK(list_all(s, &q, out, sizeof out) == 0, "list");
    CHECK_STR(out, "1,2,3,4,5,6,7,8,9,10,11,12,");
    q = (ed_store_query){.tenant = "acme", .flag = "red", .limit = 2};
    list_all(s, &q, out, sizeof out);
    CHECK_STR(out, "1,3,5,7,9,11,");
    q = (ed_store_query){.tenant = "acme", .type = "plant.tagged", .limit = 100};
    list_all(s, &q, out, sizeof out);
    CHECK_STR(out, "3,6,9,12,");
    q = (ed_store_query){.tenant = "acme", .from = "2026-03-04", .to = "2026-03-06", .limit = 1};
    list_all(s, &q, out, sizeof out);
    CHECK_STR(out, "4,5,6,");
    ed_store_close(s);
    ed_buf_free(&err);
    free(where);
    PASS();
}

typedef struct worker_arg {
    ed_store *s;
    int id, n, failures;
} worker_arg;

static void *append_and_commit(void *p)
{
    worker_arg *a = p;
    char tenant[16], id[40];
    snprintf(tenant, sizeof tenant, "t%d", a->id % 3);
    for (int i = 0; i < a->n; i++) {
        ed_buf b = {0}, err = {0};
        char event[32];
        snprintf(event, sizeof event, "w%d-%d", a->id, i);
        decision(a->id * 1000 + i, tenant, "green", "t.x", "2026-01-01T00:00:00Z", NULL,
                 NULL, id, &b);
        ed_record r = {tenant, id, event, "2026-01-01T00:00:00Z", "green", "t.x", NULL,
                       b.data, b.len};
        ed_ticket t;
        if (ed_store_append(a->s, &r, &t, &err) != 0 || ed_store_commit(a->s, t, &err) != 0) {
            a->failures++;
        }
        ed_buf_free(&b);
        ed_buf_free(&err);
    }
    return NULL;
}

TEST(group_commit_from_threads_keeps_every_chain_whole)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "open");
    enum { THREADS = 6, EACH = 50 };
    pthread_t th[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){s, i, EACH, 0};
        pthread_create(&th[i], NULL, append_and_commit, &args[i]);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += args[i].failures;
    }
    CHECK(failures == 0, "%d appends failed", failures);
    CHECK(ed_store_pending(s) == 0, "all durable");
    ed_store_close(s);
    s = open_at(where, ED_STORE_READ, 0);
    uint64_t n0 = 0, n1 = 0, n2 = 0;
    CHECK(verify_quiet(s, "t0", &n0) == 0 && verify_quiet(s, "t1", &n1) == 0 &&
          verify_quiet(s, "t2", &n2) == 0, "chains verify");
    CHECK(n0 + n1 + n2 == THREADS * EACH, "%llu entries", (unsigned long long)(n0 + n1 + n2));
    ed_store_close(s);
    free(where);
    PASS();
}

TEST(reopen_continues_chains_and_rebuilds_a_lost_index)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 2048); /* several segments */
    CHECK(s != NULL, "open");
    char id[40], first[40];
    for (int i = 1; i <= 30; i++) {
        CHECK(append(s, i, i % 2 ? "a" : "b", "green", "t", "2026-02-01T00:00:00Z", NULL,
                     NULL, i == 1 ? first : id) == 0, "append");
    }
    ed_store_close(s);
    char *seg2 = NULL, *idx = NULL;
    CHECK(asprintf(&seg2, "%s/segment-000002.log", where) > 0 && ed_is_file(seg2),
          "rotated into a second segment");
    CHECK(asprintf(&idx, "%s/index.bin", where) > 0 && unlink(idx) == 0, "index removed");
    s = open_at(where, ED_STORE_WRITE, 2048);
    CHECK(s != NULL, "reopen without index");
    CHECK(append(s, 31, "a", "green", "t", "2026-02-01T00:00:00Z", NULL, NULL, id) == 0, "append");
    ed_buf got = {0}, err = {0};
    CHECK(ed_store_get(s, "a", first, keep_bytes, &got, &err) == 0, "the first, by id");
    ed_store_close(s);
    s = open_at(where, ED_STORE_READ, 0);
    uint64_t na = 0;
    CHECK(verify_quiet(s, "a", &na) == 0 && na == 16, "a: %llu entries", (unsigned long long)na);
    CHECK(verify_quiet(s, NULL, NULL) == 0, "all verify");
    ed_store_close(s);
    ed_buf_free(&got);
    ed_buf_free(&err);
    free(seg2);
    free(idx);
    free(where);
    PASS();
}

TEST(torn_tail_is_cut_and_a_flipped_byte_is_caught)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    char id[40];
    for (int i = 1; i <= 3; i++) {
        append(s, i, "acme", "green", "t", "2026-02-01T00:00:00Z", NULL, NULL, id);
    }
    ed_store_close(s);
    char *seg = NULL;
    CHECK(asprintf(&seg, "%s/segment-000001.log", where) > 0, "path");
    int fd = open(seg, O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "E2 4 acme 00", 12) == 12, "torn write");
    close(fd);
    s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "reopen cuts the torn tail");
    CHECK(append(s, 4, "acme", "green", "t", "2026-02-01T00:00:00Z", NULL, NULL, id) == 0,
          "append after the cut");
    ed_store_close(s);
    s = open_at(where, ED_STORE_READ, 0);
    uint64_t n = 0;
    CHECK(verify_quiet(s, "acme", &n) == 0 && n == 4, "4 entries verify");
    ed_store_close(s);
    /* flip one byte of the second decision */
    size_t len = 0;
    char *text = ed_read_file(seg, &len);
    char *second = strstr(text, "\"event_id\":\"ev-2\"");
    CHECK(second != NULL, "found ev-2");
    second[12] = 'X';
    fd = open(seg, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && ed_write_all(fd, text, len) == 0, "rewrite");
    close(fd);
    free(text);
    s = open_at(where, ED_STORE_READ, 0);
    CHECK(verify_quiet(s, "acme", &n) == 1, "a flipped byte breaks the chain");
    CHECK(n == 1, "the last good entry is 1, not %llu", (unsigned long long)n);
    ed_store_close(s);
    free(seg);
    free(where);
    PASS();
}

TEST(retention_never_removes_before_the_decisions_own_date)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    char keep[40], old[40], undated[40];
    /* the rule wrote an earlier retention_until into its findings' details:
     * only the decision's own field counts */
    CHECK(append(s, 1, "acme", "green", "t", "2019-01-01T00:00:00Z", "2099-01-01",
                 "{\"details\":{\"retention_until\":\"1999-01-01\"}}", keep) == 0, "keep");
    CHECK(append(s, 2, "acme", "green", "t", "2019-01-01T00:00:00Z", "2020-01-01", NULL,
                 old) == 0, "old");
    CHECK(append(s, 3, "acme", "green", "t", "2019-01-01T00:00:00Z", NULL, NULL, undated) == 0,
          "undated");
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(ed_store_retention(s, NULL, "2026-06-01", 1, devnull) == 0, "archive");
    fclose(devnull);
    ed_buf got = {0}, err = {0};
    CHECK(ed_store_get(s, "acme", keep, keep_bytes, &got, &err) == 0,
          "a decision kept until 2099 is still there");
    CHECK(ed_store_get(s, "acme", old, keep_bytes, &got, &err) == 1, "the 2020 one is gone");
    CHECK(ed_store_get(s, "acme", undated, keep_bytes, &got, &err) == 0, "undated is kept");
    CHECK(append(s, 4, "acme", "green", "t", "2026-01-01T00:00:00Z", NULL, NULL, old) == 0,
          "appends go on after archiving");
    ed_store_close(s);
    s = open_at(where, ED_STORE_READ, 0);
    uint64_t n = 0;
    CHECK(verify_quiet(s, "acme", &n) == 0 && n == 4, "the chain still verifies (%llu)",
          (unsigned long long)n);
    ed_store_close(s);
    ed_buf_free(&got);
    ed_buf_free(&err);
    free(where);
    PASS();
}

typedef struct export_check {
    int lines, bad;
} export_check;

static int check_export(void *arg, const ed_entry *e)
{
    export_check *c = arg;
    /* hash = SHA-256(prev || record || decision), as docs/AUDIT.md says */
    unsigned char prev[32];
    ed_buf b = {0};
    ed_unhex(e->prev, 64, prev);
    ed_buf_append(&b, prev, 32);
    ed_buf_append(&b, e->record, e->record_len);
    ed_buf_append(&b, e->bytes, e->len);
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(b.data, b.len, hex);
    c->bad += strcmp(hex, e->hash) != 0;
    c->lines++;
    ed_buf_free(&b);
    return 0;
}

TEST(each_entry_rehashes_from_its_record_and_bytes)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    char id[40];
    for (int i = 1; i <= 5; i++) {
        append(s, i, "t a/b", "yellow", "odd type", "2026-02-01T00:00:00Z", "2030-01-01",
               NULL, id);
    }
    export_check c = {0, 0};
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(ed_store_walk(s, "t a/b", NULL, check_export, &c, NULL, devnull) == 0, "walk");
    fclose(devnull);
    CHECK(c.lines == 5 && c.bad == 0, "%d lines, %d bad", c.lines, c.bad);
    ed_store_close(s);
    free(where);
    PASS();
}

typedef struct idem_seen {
    int n;
    char body[64];
    int status;
} idem_seen;

static int seen_idem(void *arg, const ed_idem_record *r)
{
    idem_seen *s = arg;
    s->n++;
    snprintf(s->body, sizeof s->body, "%.*s", (int)r->body_len, r->body);
    s->status = r->status;
    return 0;
}

TEST(idempotency_records_survive_a_restart_until_they_expire)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    ed_idem_record r = {"acme", "evaluate:k-1", {1, 2, 3}, 200, "X-A: 1\r\n", "{\"ok\":1}\n",
                        9, 2000};
    ed_idem_record gone = {"acme", "evaluate:k-2", {4}, 200, "", "{}", 2, 1000};
    ed_buf err = {0};
    CHECK(ed_store_idem_put(s, &r, &err) == 0 && ed_store_idem_put(s, &gone, &err) == 0,
          "put");
    CHECK(ed_store_commit(s, ED_TICKET_ALL, &err) == 0, "commit");
    ed_store_close(s);
    s = open_at(where, ED_STORE_WRITE, 0);
    idem_seen seen = {0};
    CHECK(ed_store_idem_each(s, 1500, seen_idem, &seen, &err) == 0, "each");
    CHECK(seen.n == 1 && seen.status == 200, "one unexpired record, got %d", seen.n);
    CHECK_STR(seen.body, "{\"ok\":1}\n");
    ed_store_close(s);
    ed_buf_free(&err);
    free(where);
    PASS();
}

TEST(one_writer_at_a_time)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "first writer");
    ed_store_options o = {ED_STORE_WRITE, 0};
    ed_buf err = {0};
    ed_store *t = ed_store_open(where, &o, &err);
    CHECK(t == NULL && strstr(err.data, "in use") != NULL, "a second writer is refused");
    ed_store *r = open_at(where, ED_STORE_READ, 0);
    CHECK(r != NULL, "a reader is not");
    ed_store_close(r);
    ed_store_close(s);
    ed_buf_free(&err);
    free(where);
    PASS();
}

static int run_all(void);

int main(int argc, char **argv)
{
    root = mkdtemp(tmpl);
    if (root == NULL) {
        perror("mkdtemp");
        return 1;
    }
    int rc = run_all();
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", root);
    }
    (void)argc;
    (void)argv;
    return rc;
}

int run_all_main(int argc, char **argv);
#define main run_all_main
ED_TEST_MAIN(T(get_matches_ids_exactly_and_per_tenant), T(list_filters_and_pages),
             T(group_commit_from_threads_keeps_every_chain_whole),
             T(reopen_continues_chains_and_rebuilds_a_lost_index),
             T(torn_tail_is_cut_and_a_flipped_byte_is_caught),
             T(retention_never_removes_before_the_decisions_own_date),
             T(each_entry_rehashes_from_its_record_and_bytes),
             T(idempotency_records_survive_a_restart_until_they_expire),
             T(one_writer_at_a_time))
#undef main

static int run_all(void)
{
    char *argv[] = {"test_store", NULL};
    return run_all_main(1, argv);
}
