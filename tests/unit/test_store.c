/*
 * test_store.c — the store conformance suite: what an implementation of
 * store.h must do, through store.h only. Every common test runs twice:
 * against the file store (a fresh folder each) and against PostgreSQL (a
 * fresh database each, migrated, on the private server tests/pg.sh
 * starts: $EDICT_PG_ADMIN, $EDICT_PG_PORT, $PGPASSFILE). Each store then
 * has cases of its own: the file store's torn tail, lost index and single
 * writer; PostgreSQL's append-only triggers, row-level security, tampering
 * inside the database, two writers on one database and the schema check.
 * Without $EDICT_PG_ADMIN the PostgreSQL run fails (EDICT_PG_SKIP=1 skips
 * it, saying so).
 */
#define _GNU_SOURCE

static const char *backend_prefix = "";
#define ED_TEST_PREFIX backend_prefix

#include "check.h"

#include "store/store.h"
#include "store/signing.h"
#include "stdlib/hash.h"
#include "util/fsutil.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmpl[] = "/tmp/edict-store-XXXXXX";
static const char *root;
static int counter;
static enum { FILE_STORE, PG_STORE } backend;
static const char *pg_admin, *pg_port;
static int run_id;

static char admin_error[512]; /* the last refusal admin_sql met */

/* Run sql as the server's superuser on database db ("postgres" when
 * NULL): setting up and tampering, never what edict does. 0, or -1 with
 * the server's message in admin_error. */
static int admin_sql(const char *db, const char *sql)
{
    char *conninfo = NULL;
    if (asprintf(&conninfo, "%s dbname=%s", pg_admin, db ? db : "postgres") < 0) {
        abort();
    }
    PGconn *c = PQconnectdb(conninfo);
    free(conninfo);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    int ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    if (!ok) {
        snprintf(admin_error, sizeof admin_error, "%s", PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static char *pg_url(const char *role, const char *db)
{
    char *p = NULL;
    if (asprintf(&p, "postgres://%s@127.0.0.1:%s/%s", role, pg_port, db) < 0) {
        abort();
    }
    return p;
}

/* The database a PostgreSQL location names (after the last '/'). */
static const char *db_of(const char *where)
{
    return strrchr(where, '/') + 1;
}

/* A fresh, empty location for one test: a folder, or a new database
 * migrated by its owner for the role edict runs as. */
static char *fresh(void)
{
    char *p = NULL;
    if (backend == FILE_STORE) {
        if (asprintf(&p, "%s/s%d", root, ++counter) < 0) {
            abort();
        }
        return p;
    }
    char db[64], sql[160];
    snprintf(db, sizeof db, "edict_test_%d_%d", run_id, ++counter);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER edict_owner", db);
    char *owner = pg_url("edict_owner", db);
    ed_buf err = {0};
    FILE *devnull = fopen("/dev/null", "w");
    if (admin_sql(NULL, sql) != 0 || ed_store_migrate(owner, devnull, &err) != 0) {
        fprintf(stderr, "fresh database %s: %s\n", db, err.data ? err.data : "");
    }
    fclose(devnull);
    ed_buf_free(&err);
    free(owner);
    return pg_url("edict", db);
}

static ed_store *open_at(const char *where, ed_store_mode mode, size_t segment_bytes)
{
    ed_store_options o = {.mode = mode, .segment_bytes = segment_bytes};
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
    ed_record r = {tenant, id, event, occurred, flag, type, retain, b.data, b.len, NULL, NULL, 0};
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

static int count_op(void *arg, const ed_outbox_op *op)
{
    ed_buf *keys = arg;
    ed_buf_printf(keys, "%s=%s;", op->key, op->state);
    return 0;
}

/* A decision's writes for Metrc go into the outbox with its entry, once
 * however often it is appended, and never for another tenant's entry. */
TEST(writes_for_metrc_go_with_their_entry_once)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "open");
    ed_buf b = {0}, err = {0}, keys = {0};
    char id[40];
    decision(1, "acme", "green", "waste.recorded", "2026-03-06T10:00:00Z", NULL, NULL, id, &b);
    ed_record r = {"acme", id, "ev-1", "2026-03-06T10:00:00Z", "green", "waste.recorded",
                   NULL, b.data, b.len, NULL, NULL, 0};
    char k1[64], k2[64];
    snprintf(k1, sizeof k1, "%s/metrc/1", id);
    snprintf(k2, sizeof k2, "%s/metrc/2", id);
    ed_outbox_op ops[2] = {
        {.tenant = "acme", .key = k1, .license = "OR-LIC-1", .method = "POST",
         .path = "/plants/v2/waste", .body = "[{\"WasteWeight\":1}]", .state = "pending"},
        {.tenant = "acme", .key = k2, .license = "OR-LIC-1", .method = "POST",
         .path = "/packages/v2/adjust", .body = "[{\"Quantity\":-1}]", .state = "pending"}};
    CHECK(ed_store_append_writes(s, &r, ops, 2, NULL, &err) == 0, "append: %s", err.data);
    CHECK(ed_store_append_writes(s, &r, ops, 2, NULL, &err) == 0, "again: %s", err.data);
    CHECK(ed_store_commit(s, ED_TICKET_ALL, &err) == 0, "commit: %s", err.data);
    CHECK(ed_store_outbox_each(s, "acme", "pending", count_op, &keys, &err) == 0, "each");
    char want[200];
    snprintf(want, sizeof want, "%s=pending;%s=pending;", k1, k2);
    CHECK(keys.data && strcmp(keys.data, want) == 0, "two writes, once: %s",
          keys.data ? keys.data : "none");
    /* another tenant's write with acme's entry: refused, nothing kept */
    ed_outbox_op other = ops[0];
    other.tenant = "beta";
    CHECK(ed_store_append_writes(s, &r, &other, 1, NULL, &err) == -1, "another tenant's");
    ed_buf_reset(&keys);
    CHECK(ed_store_outbox_each(s, "beta", NULL, count_op, &keys, &err) == 0, "beta's");
    CHECK(keys.len == 0, "nothing for beta: %s", keys.data);
    ed_store_close(s);
    ed_buf_free(&b);
    ed_buf_free(&err);
    ed_buf_free(&keys);
    free(where);
    PASS();
}

static int collect_object(void *arg, const char *id, const char *label, const char *json)
{
    ed_buf *b = arg; /* the JSON without spaces: PostgreSQL's jsonb spaces it */
    ed_buf_printf(b, "%s=", id);
    for (const char *c = json; *c; c++) {
        if (*c != ' ') {
            ed_buf_putc(b, *c);
        }
    }
    ed_buf_putc(b, ';');
    return strcmp(id, "stop") == 0;
}

TEST(the_metrc_mirror_is_read_back_by_licence_and_resource)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "open");
    ed_buf err = {0}, got = {0};
    ed_metrc_object o[4] = {
        {"packages", "200", "L-2", "", "{\"Label\":\"L-2\"}", 15},
        {"packages", "1/0", "L-1", "", "{\"Label\":\"L-1\"}", 15},
        {"packages", "stop", "L-3", "", "{\"Label\":\"L-3\"}", 15},
        {"plants", "9", "P-9", "", "{\"Label\":\"P-9\"}", 15}};
    CHECK(ed_store_metrc_put(s, "acme", "OR-LIC-1", o, 4, &err) == 0, "put: %s", err.data);
    o[0].json = "{\"Label\":\"L-2\",\"Quantity\":5}";
    o[0].len = strlen(o[0].json);
    CHECK(ed_store_metrc_put(s, "acme", "OR-LIC-1", o, 1, &err) == 0, "replace: %s", err.data);
    CHECK(ed_store_metrc_each(s, "acme", "OR-LIC-1", "packages", collect_object, &got, &err) == 0,
          "each: %s", err.data);
    CHECK(got.data && strcmp(got.data, "1/0={\"Label\":\"L-1\"};200={\"Label\":\"L-2\","
                                       "\"Quantity\":5};stop={\"Label\":\"L-3\"};") == 0,
          "by id, replaced, names decoded: %s", got.data ? got.data : "none");
    ed_buf_reset(&got);
    CHECK(ed_store_metrc_each(s, "acme", "OR-LIC-2", "packages", collect_object, &got, &err) == 0 &&
              got.len == 0, "another licence: none");
    CHECK(ed_store_metrc_each(s, "beta", "OR-LIC-1", "packages", collect_object, &got, &err) == 0 &&
              got.len == 0, "another tenant: none");
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
                       b.data, b.len, NULL, NULL, 0};
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
    if (backend == FILE_STORE) {
        CHECK(asprintf(&seg2, "%s/segment-000002.log", where) > 0 && ed_is_file(seg2),
              "rotated into a second segment");
        CHECK(asprintf(&idx, "%s/index.bin", where) > 0 && unlink(idx) == 0, "index removed");
    }
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

typedef struct replay_seen {
    ed_buf event;
    char catalog[65];
    int found, has_event;
} replay_seen;

static int keep_replay(void *arg, const ed_entry *e)
{
    replay_seen *r = arg;
    r->found++;
    snprintf(r->catalog, sizeof r->catalog, "%s", e->catalog ? e->catalog : "");
    r->has_event = e->event != NULL;
    ed_buf_reset(&r->event);
    if (e->event) {
        ed_buf_append(&r->event, e->event, e->event_len);
    }
    return 0;
}

TEST(a_decision_keeps_its_event_bytes_and_catalog_and_both_are_hashed)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "open");
    static const char event[] = "{\n  \"id\": \"ev-1\", \"note\": \"50% \\\"off\\\"  \xc3\xa9\"\t}";
    const char *cat = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char id[40];
    ed_buf b = {0}, err = {0};
    decision(1, "acme", "green", "t", "2026-02-01T00:00:00Z", "2030-01-01", NULL, id, &b);
    ed_record r = {"acme", id, "ev-1", "2026-02-01T00:00:00Z", "green", "t", "2030-01-01",
                   b.data, b.len, cat, event, sizeof event - 1};
    CHECK(ed_store_append(s, &r, NULL, &err) == 0, "append: %s", err.data);
    append(s, 2, "acme", "green", "t", "2026-02-02T00:00:00Z", NULL, NULL, id); /* no replay fields */
    char id1[40];
    decision(1, "acme", "green", "t", "2026-02-01T00:00:00Z", "2030-01-01", NULL, id1, &b);
    replay_seen seen = {{0}, "", 0, 0};
    CHECK(ed_store_get(s, "acme", id1, keep_replay, &seen, &err) == 0, "get: %s",
          err.data ? err.data : "");
    CHECK(seen.has_event && seen.event.len == sizeof event - 1 &&
              memcmp(seen.event.data, event, seen.event.len) == 0,
          "the event came back as %zu bytes", seen.event.len);
    CHECK_STR(seen.catalog, cat);
    CHECK(ed_store_get(s, "acme", id, keep_replay, &seen, &err) == 0, "get 2");
    CHECK(!seen.has_event && seen.catalog[0] == '\0', "an entry without replay fields has none");
    export_check c = {0, 0};
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(ed_store_walk(s, "acme", NULL, check_export, &c, NULL, devnull) == 0, "walk");
    fclose(devnull);
    CHECK(c.lines == 2 && c.bad == 0, "%d lines, %d do not re-hash from record and bytes",
          c.lines, c.bad);

    /* the catalog and its pack version, kept once, restored whole */
    ed_kept_file files[2] = {{"pack.lua", "return {}\n", 10}, {"rules/a.lua", "-- a\n", 5}};
    char pack[65], catalog[65];
    ed_buf man = {0};
    ed_kept_digest(files, 2, pack);
    ed_buf_printf(&man, "pack %s packs/demo\n", pack);
    ed_sha256_hex(man.data, man.len, catalog);
    ed_kept_pack kp = {pack, files, 2};
    CHECK(ed_store_catalog_keep(s, catalog, man.data, &kp, 1, &err) == 0, "keep: %s",
          err.data ? err.data : "");
    CHECK(ed_store_catalog_keep(s, catalog, man.data, &kp, 1, &err) == 0, "keep twice");
    char *dest = NULL;
    CHECK(asprintf(&dest, "%s/restored-%d", root, ++counter) > 0, "path");
    ed_buf got = {0};
    CHECK(ed_store_catalog_restore(s, catalog, dest, &got, &err) == 0, "restore: %s",
          err.data ? err.data : "");
    CHECK(got.len == man.len && memcmp(got.data, man.data, man.len) == 0, "the manifest");
    char *f = NULL;
    CHECK(asprintf(&f, "%s/packs/demo/rules/a.lua", dest) > 0, "path");
    size_t n = 0;
    char *text = ed_read_file(f, &n);
    CHECK(text != NULL && n == 5 && memcmp(text, "-- a\n", 5) == 0, "a restored file");
    free(text);
    ed_buf_reset(&got);
    CHECK(ed_store_catalog_restore(s, pack, dest, &got, &err) == 1, "an unknown catalog: 1");
    free(f);
    free(dest);
    ed_buf_free(&got);
    ed_buf_free(&man);
    ed_buf_free(&seen.event);
    ed_buf_free(&b);
    ed_buf_free(&err);
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

typedef struct idem_got {
    int n;
    unsigned char digest[32];
    char body[64];
} idem_got;

static int got_idem(void *arg, const ed_idem_record *r)
{
    idem_got *g = arg;
    g->n++;
    memcpy(g->digest, r->digest, 32);
    snprintf(g->body, sizeof g->body, "%.*s", (int)r->body_len, r->body);
    return 0;
}

TEST(a_record_is_found_by_its_key_where_nodes_share_the_store)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    ed_idem_record r = {"acme", "evaluate:k-1", {7, 7}, 200, "", "{\"ok\":1}\n", 9, 2000};
    ed_buf err = {0};
    CHECK(ed_store_idem_put(s, &r, &err) == 0, "put: %s", err.data);
    CHECK(ed_store_commit(s, ED_TICKET_ALL, &err) == 0, "commit");
    idem_got g = {0};
    int rc = ed_store_idem_get(s, "acme", "evaluate:k-1", 1500, got_idem, &g, &err);
    if (backend == PG_STORE) {
        CHECK(rc == 1 && g.n == 1 && g.digest[1] == 7, "found by key: rc %d", rc);
        CHECK_STR(g.body, "{\"ok\":1}\n");
        /* another node's store sees it at once */
        ed_store *t = open_at(where, ED_STORE_READ, 0);
        g.n = 0;
        CHECK(ed_store_idem_get(t, "acme", "evaluate:k-1", 1500, got_idem, &g, &err) == 1,
              "from another store");
        CHECK(ed_store_idem_get(t, "acme", "evaluate:k-1", 2000, got_idem, &g, &err) == 0,
              "expired at its expiry");
        CHECK(ed_store_idem_get(t, "beta", "evaluate:k-1", 1500, got_idem, &g, &err) == 0,
              "another tenant's key is none");
        /* a key being answered is claimed by one node at a time */
        static const unsigned char d[32] = {1};
        CHECK(ed_store_idem_claim(s, "acme", "evaluate:k-9", d, 60, &err) == 1, "claimed");
        CHECK(ed_store_idem_claim(t, "acme", "evaluate:k-9", d, 60, &err) == 0,
              "not by another node meanwhile");
        CHECK(ed_store_idem_claim(t, "beta", "evaluate:k-9", d, 60, &err) == 1,
              "another tenant's key is another key");
        CHECK(ed_store_idem_release(s, "acme", "evaluate:k-9", &err) == 0, "given up");
        CHECK(ed_store_idem_claim(t, "acme", "evaluate:k-9", d, 0.2, &err) == 1,
              "then another node may");
        usleep(300000);
        CHECK(ed_store_idem_claim(s, "acme", "evaluate:k-9", d, 60, &err) == 1,
              "and past its expiry, anyone");
        ed_store_close(t);
    } else {
        CHECK(rc == 0 && g.n == 0, "the file store's one writer holds them in memory");
        static const unsigned char d[32] = {1};
        CHECK(ed_store_idem_claim(s, "acme", "evaluate:k-9", d, 60, &err) == 1 &&
                  ed_store_idem_claim(s, "acme", "evaluate:k-9", d, 60, &err) == 1,
              "and has no claims to take");
    }
    ed_store_close(s);
    ed_buf_free(&err);
    free(where);
    PASS();
}

static int job_calls;

static int job_ok(void *arg, ed_store *s, ed_buf *msg)
{
    (void)arg;
    (void)s;
    job_calls++;
    ed_buf_puts(msg, "did it");
    return 0;
}

static int job_fails(void *arg, ed_store *s, ed_buf *msg)
{
    (void)arg;
    (void)s;
    job_calls++;
    ed_buf_puts(msg, "could not");
    return 1;
}

TEST(a_job_runs_once_per_period_and_a_lease_has_one_holder)
{
    char *where = fresh();
    ed_store *a = open_at(where, ED_STORE_WRITE, 0);
    ed_buf msg = {0}, err = {0};
    ed_job job = {"sweep", 3600, 60, 5, "node-a"};
    if (backend == FILE_STORE) {
        CHECK(ed_store_job_run(a, &job, job_ok, NULL, NULL, &msg, &err) ==
                  ED_STORE_UNSUPPORTED, "the file store has no shared jobs");
        CHECK(ed_store_lease_take(a, "x", "node-a", 60, &err) == ED_STORE_UNSUPPORTED,
              "nor leases");
        ed_store_close(a);
        free(where);
        PASS();
    }
    ed_store *b = open_at(where, ED_STORE_WRITE, 0);
    ed_job job_b = job;
    job_b.holder = "node-b";
    int failed = -1;
    job_calls = 0;
    CHECK(ed_store_job_run(a, &job, job_ok, NULL, &failed, &msg, &err) == 1 && failed == 0,
          "due at once: ran (%s)", err.data ? err.data : "");
    CHECK(ed_store_job_run(b, &job_b, job_ok, NULL, &failed, &msg, &err) == 0,
          "another node: not due again this period");
    CHECK(ed_store_job_run(a, &job, job_ok, NULL, &failed, &msg, &err) == 0, "nor here");
    CHECK(job_calls == 1, "the work ran once, %d times", job_calls);
    ed_job bad = {"flaky", 3600, 60, 5, "node-a"};
    CHECK(ed_store_job_run(a, &bad, job_fails, NULL, &failed, &msg, &err) == 1 && failed == 1,
          "a failing run is a run");
    CHECK(ed_store_job_run(b, &bad, job_fails, NULL, &failed, &msg, &err) == 0,
          "and is retried after a back-off, not at once");
    CHECK(admin_sql(db_of(where), "UPDATE edict.jobs SET run_at = now() WHERE name = 'flaky'")
              == 0, "%s", admin_error);
    CHECK(ed_store_job_run(b, &bad, job_fails, NULL, &failed, &msg, &err) == 1, "retried");
    CHECK(job_calls == 3, "%d calls", job_calls);
    /* leases */
    CHECK(ed_store_lease_take(a, "singleton", "node-a", 60, &err) == 1, "taken");
    CHECK(ed_store_lease_take(b, "singleton", "node-b", 60, &err) == 0, "held by another");
    CHECK(ed_store_lease_take(a, "singleton", "node-a", 60, &err) == 1, "renewed");
    CHECK(ed_store_lease_release(a, "singleton", "node-a", &err) == 0, "released");
    CHECK(ed_store_lease_take(b, "singleton", "node-b", 0.2, &err) == 1, "free again");
    usleep(300000);
    CHECK(ed_store_lease_take(a, "singleton", "node-a", 60, &err) == 1, "expired: taken over");
    ed_store_close(b);
    ed_store_close(a);
    ed_buf_free(&msg);
    ed_buf_free(&err);
    free(where);
    PASS();
}

TEST(one_writer_at_a_time)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "first writer");
    ed_store_options o = {.mode = ED_STORE_WRITE};
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

/* ------------------------------------------------------------------ */
/* PostgreSQL's own cases                                               */
/* ------------------------------------------------------------------ */

/* A connection as the role edict runs as (the password from PGPASSFILE). */
static PGconn *connect_as(const char *where)
{
    PGconn *c = PQconnectdb(where);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s\n", PQerrorMessage(c));
    }
    return c;
}

/* Run sql; the first row's first value into out (may be NULL). 0 when the
 * server accepted it, -1 when it refused (its message into out). */
static int run_sql(PGconn *c, const char *sql, char *out, size_t cap)
{
    PGresult *r = PQexec(c, sql);
    int st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (out != NULL) {
        snprintf(out, cap, "%s", ok ? (PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "")
                                    : PQresultErrorMessage(r));
    }
    PQclear(r);
    return ok ? 0 : -1;
}

static int fill(ed_store *s, const char *tenant, int from, int to)
{
    char id[40];
    for (int i = from; i <= to; i++) {
        if (append(s, i, tenant, i % 2 ? "red" : "green", "t", "2026-02-01T00:00:00Z",
                   "2020-01-01", NULL, id) != 0) {
            return -1;
        }
    }
    ed_buf err = {0};
    int rc = ed_store_commit(s, ED_TICKET_ALL, &err);
    ed_buf_free(&err);
    return rc;
}

TEST(the_database_refuses_update_delete_and_truncate)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL && fill(s, "acme", 1, 3) == 0, "three entries");
    ed_store_close(s);
    char out[512];
    PGconn *c = connect_as(where);
    /* as edict: no UPDATE, DELETE or TRUNCATE privilege at all */
    run_sql(c, "BEGIN", NULL, 0);
    run_sql(c, "SELECT set_config('edict.tenant', 'acme', true)", NULL, 0);
    CHECK(run_sql(c, "UPDATE edict.journal SET flag = 'green' WHERE seq = 1", out,
                  sizeof out) != 0 && strstr(out, "permission denied"), "update: %s", out);
    run_sql(c, "ROLLBACK", NULL, 0);
    CHECK(run_sql(c, "DELETE FROM edict.journal", out, sizeof out) != 0 &&
          strstr(out, "permission denied"), "delete: %s", out);
    CHECK(run_sql(c, "TRUNCATE edict.journal", out, sizeof out) != 0 &&
          strstr(out, "permission denied"), "truncate: %s", out);
    CHECK(run_sql(c, "SELECT edict.archive('acme', '2999-01-01')", out, sizeof out) == 0,
          "the archive function is edict's: %s", out);
    PQfinish(c);
    /* and for a role that has the privileges (the superuser): the triggers */
    const char *db = db_of(where);
    CHECK(admin_sql(db, "UPDATE edict.journal SET flag = 'green'") != 0, "update refused");
    CHECK(admin_sql(db, "UPDATE edict.journal SET bytes = NULL")
          != 0, "no body removed but by edict.archive");
    CHECK(admin_sql(db, "DELETE FROM edict.journal") != 0, "delete refused");
    CHECK(admin_sql(db, "TRUNCATE edict.journal") != 0 &&
          strstr(admin_error, "TRUNCATE refused: the audit store is append-only"),
          "truncate refused (statement trigger): %s", admin_error);
    CHECK(admin_sql(db, "INSERT INTO edict.checkpoint (tenant, seq, hash, signature) "
                    "SELECT tenant, seq, hash, 'x' FROM edict.journal WHERE seq = 1") == 0 &&
          admin_sql(db, "DELETE FROM edict.checkpoint") != 0 &&
          strstr(admin_error, "edict.checkpoint: DELETE refused"), "checkpoints too: %s",
          admin_error);
    CHECK(admin_sql(db, "UPDATE edict.chain_head SET seq = 1") != 0, "a head never goes back");
    s = open_at(where, ED_STORE_READ, 0);
    uint64_t n = 0;
    CHECK(verify_quiet(s, "acme", &n) == 0 && n == 3, "still 3 entries, verified");
    ed_store_close(s);
    free(where);
    PASS();
}

TEST(row_level_security_shows_a_tenant_only_its_own_rows)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL && fill(s, "alpha", 1, 2) == 0 && fill(s, "beta", 3, 5) == 0, "fill");
    ed_store_close(s);
    char out[512];
    PGconn *c = connect_as(where);
    run_sql(c, "BEGIN", NULL, 0);
    run_sql(c, "SELECT set_config('edict.tenant', 'alpha', true)", NULL, 0);
    /* crafted to match every row: the policy still holds */
    run_sql(c, "SELECT count(*) FROM edict.journal WHERE tenant = 'beta' OR true", out,
            sizeof out);
    CHECK_STR(out, "2");
    run_sql(c, "SELECT count(*) FROM edict.journal WHERE tenant = 'beta'", out, sizeof out);
    CHECK_STR(out, "0");
    run_sql(c, "SELECT count(*) FROM edict.journal j1 JOIN edict.journal j2 USING (seq) "
            "WHERE j2.tenant <> 'alpha'", out, sizeof out);
    CHECK_STR(out, "0");
    CHECK(run_sql(c, "INSERT INTO edict.checkpoint (tenant, seq, hash, signature) VALUES "
                  "('beta', 1, decode(repeat('00', 32), 'hex'), 'x')", out, sizeof out) != 0 &&
          strstr(out, "row-level security"), "writing as another tenant: %s", out);
    run_sql(c, "ROLLBACK", NULL, 0);
    /* the setting lasts one transaction (SET LOCAL): after it, nothing */
    run_sql(c, "BEGIN", NULL, 0);
    run_sql(c, "SELECT set_config('edict.tenant', 'alpha', true)", NULL, 0);
    run_sql(c, "COMMIT", NULL, 0);
    run_sql(c, "SELECT count(*) FROM edict.journal", out, sizeof out);
    CHECK_STR(out, "0");
    PQfinish(c);
    /* FORCE: the owner of the tables is held to the policy too */
    char *owner = pg_url("edict_owner", db_of(where));
    c = connect_as(owner);
    run_sql(c, "SELECT count(*) FROM edict.journal", out, sizeof out);
    CHECK_STR(out, "0");
    PQfinish(c);
    free(owner);
    free(where);
    PASS();
}

TEST(a_change_inside_the_database_is_caught_and_quarantined)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL && fill(s, "acme", 1, 3) == 0 && fill(s, "other", 4, 4) == 0, "fill");
    ed_store_close(s);
    /* someone who can disable triggers changes a column of entry 2 */
    CHECK(admin_sql(db_of(where), "ALTER TABLE edict.journal DISABLE TRIGGER USER;"
                    "UPDATE edict.journal SET flag = 'yellow' WHERE tenant = 'acme' AND seq = 2;"
                    "ALTER TABLE edict.journal ENABLE TRIGGER USER") == 0, "tamper");
    s = open_at(where, ED_STORE_READ, 0);
    uint64_t n = 0;
    CHECK(verify_quiet(s, "acme", &n) == 1 && n == 1, "broken after entry 1 (%llu)",
          (unsigned long long)n);
    CHECK(verify_quiet(s, "other", &n) == 0, "the other tenant verifies");
    ed_store_close(s);
    s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "a writer opens");
    CHECK(ed_store_quarantined(s, NULL, NULL) == 1, "one tenant quarantined");
    char id[40];
    ed_buf b = {0}, err = {0};
    decision(9, "acme", "green", "t", "2026-02-01T00:00:00Z", NULL, NULL, id, &b);
    ed_record r = {"acme", id, "ev-9", "2026-02-01T00:00:00Z", "green", "t", NULL, b.data, b.len, NULL, NULL, 0};
    CHECK(ed_store_append(s, &r, NULL, &err) == ED_STORE_QUARANTINED &&
          strstr(err.data, "does not verify"), "nothing appended to acme: %s", err.data);
    CHECK(fill(s, "other", 5, 5) == 0, "other tenants go on");
    ed_store_close(s);
    /* a chain head set back, past its trigger */
    CHECK(admin_sql(db_of(where), "ALTER TABLE edict.chain_head DISABLE TRIGGER USER;"
                    "UPDATE edict.chain_head SET seq = 1 WHERE tenant = 'other';"
                    "ALTER TABLE edict.chain_head ENABLE TRIGGER USER") == 0, "head back");
    s = open_at(where, ED_STORE_READ, 0);
    CHECK(verify_quiet(s, "other", &n) == 1, "a head behind its chain is caught");
    ed_store_close(s);
    ed_buf_free(&b);
    ed_buf_free(&err);
    free(where);
    PASS();
}

TEST(a_signed_checkpoint_catches_a_chain_rewritten_in_the_database)
{
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL && fill(s, "acme", 1, 3) == 0, "fill");
    char *key = NULL, *pub = NULL;
    CHECK(asprintf(&key, "%s/key-%d", root, counter) > 0 &&
          asprintf(&pub, "%s.pub", key) > 0, "paths");
    ed_buf err = {0};
    CHECK(ed_key_generate(key, &err) == 0, "keygen: %s", err.data);
    ed_key *priv = ed_key_load_private(key, &err), *public = ed_key_load_public(pub, &err);
    CHECK(priv && public, "keys");
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(ed_store_checkpoint(s, "acme", priv, devnull) == 0, "checkpoint at 3");
    ed_store_close(s);
    /* the chain rewritten whole: removed, then made again with other
     * decisions and hashes that link */
    const char *db = db_of(where);
    CHECK(admin_sql(db, "ALTER TABLE edict.journal DISABLE TRIGGER USER;"
                    "ALTER TABLE edict.chain_head DISABLE TRIGGER USER;"
                    "DELETE FROM edict.journal; DELETE FROM edict.chain_head;"
                    "ALTER TABLE edict.journal ENABLE TRIGGER USER;"
                    "ALTER TABLE edict.chain_head ENABLE TRIGGER USER") == 0, "removed");
    s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL && fill(s, "acme", 11, 13) == 0, "rewritten");
    ed_store_close(s);
    s = open_at(where, ED_STORE_READ, 0);
    CHECK(ed_store_walk(s, "acme", NULL, NULL, NULL, NULL, devnull) == 1,
          "the checkpoint's hash does not match the new entry 3");
    ed_store_close(s);
    /* and with the checkpoint's hash forged too: its signature fails */
    CHECK(admin_sql(db, "ALTER TABLE edict.checkpoint DISABLE TRIGGER USER;"
                    "UPDATE edict.checkpoint c SET hash = h.hash FROM edict.chain_head h "
                    "WHERE h.tenant = c.tenant;"
                    "ALTER TABLE edict.checkpoint ENABLE TRIGGER USER") == 0, "forged");
    s = open_at(where, ED_STORE_READ, 0);
    CHECK(ed_store_walk(s, "acme", NULL, NULL, NULL, NULL, devnull) == 0,
          "without the public key the forgery matches");
    CHECK(ed_store_walk(s, "acme", public, NULL, NULL, NULL, devnull) == 1,
          "with it, the signature does not");
    ed_store_close(s);
    fclose(devnull);
    ed_key_free(priv);
    ed_key_free(public);
    ed_buf_free(&err);
    free(key);
    free(pub);
    free(where);
    PASS();
}

TEST(two_writers_share_one_database_and_every_chain_stays_whole)
{
    char *where = fresh();
    ed_store *a = open_at(where, ED_STORE_WRITE, 0), *b = open_at(where, ED_STORE_WRITE, 0);
    CHECK(a != NULL && b != NULL, "two writers, as two nodes");
    enum { THREADS = 6, EACH = 30 };
    pthread_t th[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){i % 2 ? a : b, i, EACH, 0};
        pthread_create(&th[i], NULL, append_and_commit, &args[i]);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += args[i].failures;
    }
    CHECK(failures == 0, "%d appends failed", failures);
    ed_store_close(a);
    ed_store_close(b);
    ed_store *s = open_at(where, ED_STORE_READ, 0);
    uint64_t n0 = 0, n1 = 0, n2 = 0;
    CHECK(verify_quiet(s, "t0", &n0) == 0 && verify_quiet(s, "t1", &n1) == 0 &&
          verify_quiet(s, "t2", &n2) == 0, "chains verify (gapless, linked)");
    CHECK(n0 == 2 * EACH && n1 == 2 * EACH && n2 == 2 * EACH, "%llu %llu %llu",
          (unsigned long long)n0, (unsigned long long)n1, (unsigned long long)n2);
    ed_store_close(s);
    free(where);
    PASS();
}

TEST(a_node_refuses_a_schema_it_does_not_know)
{
    char *where = fresh();
    FILE *devnull = fopen("/dev/null", "w");
    ed_buf err = {0};
    char *owner = pg_url("edict_owner", db_of(where));
    CHECK(ed_store_migrate(owner, devnull, &err) == 0, "migrating again applies nothing: %s",
          err.data);
    CHECK(ed_store_schema_status(where, devnull, &err) == 0, "up to date");
    CHECK(admin_sql(db_of(where), "INSERT INTO edict.schema_version VALUES (999, "
                    "'999_future.sql')") == 0, "a newer edict migrated");
    ed_store_options o = {.mode = ED_STORE_WRITE};
    ed_store *s = ed_store_open(where, &o, &err);
    CHECK(s == NULL && strstr(err.data, "newer than this edict knows"), "refused: %s",
          err.data);
    ed_buf_reset(&err);
    CHECK(ed_store_migrate(owner, devnull, &err) != 0, "and not migrated back");
    ed_buf_reset(&err);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE edict_test_%d_bare OWNER edict_owner", run_id);
    CHECK(admin_sql(NULL, sql) == 0, "a bare database");
    snprintf(sql, sizeof sql, "edict_test_%d_bare", run_id);
    char *bare = pg_url("edict", sql);
    s = ed_store_open(bare, &o, &err);
    CHECK(s == NULL && strstr(err.data, "edict db migrate"), "not migrated: %s", err.data);
    fclose(devnull);
    ed_buf_free(&err);
    free(bare);
    free(owner);
    free(where);
    PASS();
}

enum { RESTART_MAX = 2000, AFTER_RESTART = 40 };

typedef struct restart_worker {
    ed_store *s;
    int id, n, acked_after_restart;
    const volatile int *restarted;
    char ids[RESTART_MAX][40];
    int acked[RESTART_MAX];
} restart_worker;

/* Append and commit, one at a time, until AFTER_RESTART appends were
 * tried after the restart (or RESTART_MAX in all). */
static void *append_through_restart(void *p)
{
    restart_worker *w = p;
    char tenant[16];
    snprintf(tenant, sizeof tenant, "r%d", w->id % 2);
    ed_buf b = {0}, err = {0};
    int tried_after = 0;
    for (w->n = 0; w->n < RESTART_MAX && tried_after < AFTER_RESTART; w->n++) {
        int i = w->n;
        char event[32];
        snprintf(event, sizeof event, "rs%d-%d", w->id, i);
        decision(w->id * 1000 + i, tenant, "green", "t", "2026-01-01T00:00:00Z", NULL, NULL,
                 w->ids[i], &b);
        ed_record r = {tenant, w->ids[i], event, "2026-01-01T00:00:00Z", "green", "t", NULL,
                       b.data, b.len, NULL, NULL, 0};
        ed_ticket t;
        int after = *w->restarted;
        w->acked[i] = ed_store_append(w->s, &r, &t, &err) == 0 &&
                      ed_store_commit(w->s, t, &err) == 0;
        w->acked_after_restart += after && w->acked[i];
        tried_after += after;
        ed_buf_reset(&err);
        usleep(10000);
    }
    ed_buf_free(&b);
    ed_buf_free(&err);
    return NULL;
}

TEST(a_server_restarted_under_load_loses_no_acknowledged_decision)
{
    const char *dir = getenv("EDICT_PG_DIR"), *bin = getenv("PG_BIN");
    CHECK(dir && bin, "EDICT_PG_DIR and PG_BIN (tests/pg.sh exports them)");
    char *where = fresh();
    ed_store *s = open_at(where, ED_STORE_WRITE, 0);
    CHECK(s != NULL, "open");
    enum { WORKERS = 4 };
    static restart_worker w[WORKERS];
    volatile int restarted = 0;
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].s = s;
        w[i].id = i;
        w[i].restarted = &restarted;
        pthread_create(&th[i], NULL, append_through_restart, &w[i]);
    }
    usleep(400000);
    char *cmd = NULL;
    /* the server's output to its log, never to anything of ours */
    CHECK(asprintf(&cmd, "%s'%s/pg_ctl' -D '%s/data' -l '%s/server.log' -m fast -w restart "
                   "</dev/null >/dev/null 2>&1", getuid() == 0 ? "cd / && runuser -u postgres -- "
                   : "", bin, dir, dir) > 0, "command");
    int restart_rc = system(cmd);
    restarted = 1;
    free(cmd);
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(th[i], NULL);
    }
    CHECK(restart_rc == 0, "the server restarted");
    int acked = 0, after = 0;
    for (int i = 0; i < WORKERS; i++) {
        for (int k = 0; k < w[i].n; k++) {
            acked += w[i].acked[k];
        }
        after += w[i].acked_after_restart;
    }
    fprintf(stderr, "# restart: %d acknowledged, %d after the restart\n", acked, after);
    CHECK(after > 0, "appends are acknowledged again after the restart, without reopening");
    ed_buf got = {0}, err = {0};
    int missing = 0;
    for (int i = 0; i < WORKERS; i++) {
        for (int k = 0; k < w[i].n; k++) {
            char tenant[16];
            snprintf(tenant, sizeof tenant, "r%d", i % 2);
            if (w[i].acked[k] && ed_store_get(s, tenant, w[i].ids[k], keep_bytes, &got,
                                              &err) != 0) {
                missing++;
            }
        }
    }
    CHECK(missing == 0, "%d of %d acknowledged decisions missing", missing, acked);
    ed_store_close(s);
    s = open_at(where, ED_STORE_READ, 0);
    CHECK(verify_quiet(s, NULL, NULL) == 0, "every chain verifies");
    ed_store_close(s);
    ed_buf_free(&got);
    ed_buf_free(&err);
    free(where);
    PASS();
}

/* A job's work that, as it ends, makes its finish fail: "cut" ends the
 * store's connections (its finish meets a dead one, as after a network
 * break or a deadlock abort: a refusal that passes), "revoke" takes the
 * right to update the jobs table (a refusal that lasts). */
typedef struct finish_breaker {
    const char *db, *how;
} finish_breaker;

static int job_breaks_finish(void *arg, ed_store *s, ed_buf *msg)
{
    const finish_breaker *fb = arg;
    (void)s;
    job_calls++;
    ed_buf_puts(msg, "did it");
    if (strcmp(fb->how, "cut") == 0) {
        return admin_sql(fb->db, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND usename = 'edict'");
    }
    return admin_sql(fb->db, "REVOKE UPDATE ON edict.jobs FROM edict_app");
}

/* A connection as the server's superuser to db. */
static PGconn *admin_conn(const char *db)
{
    char *conninfo = NULL;
    if (asprintf(&conninfo, "%s dbname=%s", pg_admin, db) < 0) {
        abort();
    }
    PGconn *c = PQconnectdb(conninfo);
    free(conninfo);
    return c;
}

/* The first value of sql run as the superuser on db, into out. */
static int admin_value(const char *db, const char *sql, char *out, size_t cap)
{
    PGconn *c = admin_conn(db);
    int rc = PQstatus(c) == CONNECTION_OK ? run_sql(c, sql, out, cap) : -1;
    PQfinish(c);
    return rc;
}

/* The flake behind two Metrc sync logs for one recorded run: a node whose
 * finish was refused still held the job's lease, and its next poll took
 * that lease again as its own and ran the work a second time. */
TEST(a_run_whose_finish_was_refused_is_not_run_again_at_once)
{
    char *where = fresh();
    const char *db = db_of(where);
    ed_store *a = open_at(where, ED_STORE_WRITE, 0);
    CHECK(a != NULL, "opened");
    ed_buf msg = {0}, err = {0};
    char v[256];
    int failed = -1;
    job_calls = 0;
    /* a refusal that passes: the finish is tried again and recorded */
    finish_breaker cut = {db, "cut"};
    ed_job job = {"sync", 3600, 3600, 60, "node-a"};
    ed_job job_b = job;
    job_b.holder = "node-b";
    int rc = ed_store_job_run(a, &job, job_breaks_finish, &cut, &failed, &msg, &err);
    CHECK(rc == 1 && failed == 0, "ran and recorded after the connection was cut: %d (%s)", rc,
          err.data ? err.data : "");
    CHECK(admin_value(db, "SELECT count(*) FROM edict.job_runs WHERE name = 'sync' AND ok", v,
                      sizeof v) == 0 && strcmp(v, "1") == 0, "one run recorded: %s", v);
    ed_buf_reset(&err);
    /* another node (opened after the cut, which ended every connection of the role) */
    ed_store *b = open_at(where, ED_STORE_WRITE, 0);
    CHECK(b != NULL, "opened");
    CHECK(ed_store_job_run(a, &job, job_ok, NULL, &failed, &msg, &err) == 0, "not due here");
    CHECK(ed_store_job_run(b, &job_b, job_ok, NULL, &failed, &msg, &err) == 0, "nor there");
    CHECK(job_calls == 1, "the work ran once, %d times", job_calls);
    /* a refusal that lasts: the run stays unrecorded and its lease held */
    finish_breaker revoke = {db, "revoke"};
    ed_job held = {"held", 3600, 3600, 60, "node-a"};
    ed_job held_b = held;
    held_b.holder = "node-b";
    rc = ed_store_job_run(a, &held, job_breaks_finish, &revoke, &failed, &msg, &err);
    CHECK(rc == -1 && strstr(err.data ? err.data : "", "permission denied") != NULL,
          "its finish was refused: %d (%s)", rc, err.data ? err.data : "");
    CHECK(admin_sql(db, "GRANT UPDATE ON edict.jobs TO edict_app") == 0, "%s", admin_error);
    ed_buf_reset(&err);
    rc = ed_store_job_run(a, &held, job_ok, NULL, &failed, &msg, &err);
    CHECK(rc == 0, "the node that ran it does not run it again at once: %d (%s)", rc,
          err.data ? err.data : "");
    CHECK(ed_store_job_run(b, &held_b, job_ok, NULL, &failed, &msg, &err) == 0,
          "nor does another while the lease holds");
    CHECK(job_calls == 2, "%d calls", job_calls);
    /* as when a node dies mid-run: the lease expires and the job is handed on */
    CHECK(admin_sql(db, "UPDATE edict.lease SET expires_at = now() WHERE name = 'job:held'") == 0,
          "%s", admin_error);
    rc = ed_store_job_run(b, &held_b, job_ok, NULL, &failed, &msg, &err);
    CHECK(rc == 1 && failed == 0, "then it runs again: %d (%s)", rc, err.data ? err.data : "");
    CHECK(job_calls == 3, "%d calls", job_calls);
    CHECK(admin_value(db, "SELECT count(*) FROM edict.job_runs WHERE name = 'held'", v,
                      sizeof v) == 0 && strcmp(v, "1") == 0, "one run recorded: %s", v);
    ed_store_close(b);
    ed_store_close(a);
    ed_buf_free(&msg);
    ed_buf_free(&err);
    free(where);
    PASS();
}

/* Another node's claim, caught holding the job row (as between its
 * SELECT … FOR UPDATE and its lease upsert) while this node finishes: once
 * the finish waits, is the lease row free? (The finish used to lock the
 * lease first; then the claim's upsert waited on it and PostgreSQL broke
 * the deadlock by aborting the finish.) */
typedef struct claim_holder {
    const char *db;
    PGconn *x;
    pthread_t thread;
    int waited, lease_free;
    char said[256];
} claim_holder;

static void *watch_the_finish(void *p)
{
    claim_holder *h = p;
    PGconn *y = admin_conn(h->db);
    char v[64] = "0";
    for (int i = 0; i < 1000 && strcmp(v, "0") == 0; i++) {
        usleep(10000);
        run_sql(y, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND usename = 'edict' AND wait_event_type = 'Lock'", v, sizeof v);
    }
    h->waited = strcmp(v, "0") != 0;
    h->lease_free = run_sql(y, "BEGIN", NULL, 0) == 0 &&
                    run_sql(y, "SELECT 1 FROM edict.lease WHERE name = 'job:order' FOR UPDATE "
                               "NOWAIT", h->said, sizeof h->said) == 0;
    run_sql(y, "ROLLBACK", NULL, 0);
    PQfinish(y);
    run_sql(h->x, "ROLLBACK", NULL, 0); /* the claim gives up: the finish goes on */
    return NULL;
}

static int job_then_claim_elsewhere(void *arg, ed_store *s, ed_buf *msg)
{
    claim_holder *h = arg;
    (void)s;
    job_calls++;
    ed_buf_puts(msg, "did it");
    h->x = admin_conn(h->db);
    if (run_sql(h->x, "BEGIN", NULL, 0) != 0 ||
        run_sql(h->x, "SELECT 1 FROM edict.jobs WHERE name = 'order' FOR UPDATE", h->said,
                sizeof h->said) != 0 ||
        pthread_create(&h->thread, NULL, watch_the_finish, h) != 0) {
        return 1;
    }
    return 0;
}

TEST(a_finish_waits_for_a_claim_without_holding_the_lease)
{
    char *where = fresh();
    ed_store *a = open_at(where, ED_STORE_WRITE, 0);
    CHECK(a != NULL, "opened");
    ed_buf msg = {0}, err = {0};
    claim_holder h = {.db = db_of(where)};
    ed_job job = {"order", 3600, 3600, 60, "node-a"};
    int failed = -1;
    job_calls = 0;
    int rc = ed_store_job_run(a, &job, job_then_claim_elsewhere, &h, &failed, &msg, &err);
    CHECK(failed == 0, "the other claim held the job row: %s", h.said);
    pthread_join(h.thread, NULL);
    PQfinish(h.x);
    CHECK(h.waited, "the finish waited for the job row");
    CHECK(h.lease_free, "while it waited, the lease row was free: %s", h.said);
    CHECK(rc == 1, "then it finished: %d (%s)", rc, err.data ? err.data : "");
    CHECK(job_calls == 1, "%d calls", job_calls);
    ed_store_close(a);
    ed_buf_free(&msg);
    ed_buf_free(&err);
    free(where);
    PASS();
}

TEST(a_locked_chain_head_gives_a_clear_error_not_a_hang)
{
    char *where = fresh();
    char *url = NULL;
    /* a short statement timeout, given in the URL as libpq reads it */
    CHECK(asprintf(&url, "%s?options=-c%%20statement_timeout%%3D800", where) > 0, "url");
    ed_store *s = open_at(url, ED_STORE_WRITE, 0);
    CHECK(s != NULL && fill(s, "acme", 1, 1) == 0, "one entry");
    /* a stuck node holds acme's chain head */
    char *conninfo = NULL;
    CHECK(asprintf(&conninfo, "%s dbname=%s", pg_admin, db_of(where)) > 0, "conninfo");
    PGconn *stuck = PQconnectdb(conninfo);
    CHECK(run_sql(stuck, "BEGIN", NULL, 0) == 0 &&
          run_sql(stuck, "SELECT seq FROM edict.chain_head WHERE tenant = 'acme' FOR UPDATE",
                  NULL, 0) == 0, "the head locked elsewhere");
    char id[40];
    ed_buf b = {0}, err = {0};
    decision(2, "acme", "green", "t", "2026-02-01T00:00:00Z", NULL, NULL, id, &b);
    ed_record r = {"acme", id, "ev-2", "2026-02-01T00:00:00Z", "green", "t", NULL, b.data, b.len, NULL, NULL, 0};
    ed_ticket t = 0;
    time_t t0 = time(NULL);
    CHECK(ed_store_append(s, &r, &t, &err) == 0, "queued");
    CHECK(ed_store_commit(s, t, &err) == -1, "not acknowledged");
    CHECK(time(NULL) - t0 < 10, "within the timeout, not a hang");
    CHECK(strstr(err.data, "statement timeout") && strstr(err.data, "not acknowledged"),
          "a clear error: %s", err.data);
    run_sql(stuck, "ROLLBACK", NULL, 0);
    PQfinish(stuck);
    CHECK(fill(s, "acme", 3, 3) == 0, "once the lock is gone, appends go on");
    ed_store_close(s);
    s = open_at(url, ED_STORE_READ, 0);
    uint64_t n = 0;
    CHECK(verify_quiet(s, "acme", &n) == 0 && n == 2, "entries 1 and 3 (as seq 1, 2): %llu",
          (unsigned long long)n);
    ed_store_close(s);
    ed_buf_free(&b);
    ed_buf_free(&err);
    free(conninfo);
    free(url);
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

#define COMMON_TESTS                                                                       \
    T(get_matches_ids_exactly_and_per_tenant), T(list_filters_and_pages),                 \
        T(group_commit_from_threads_keeps_every_chain_whole),                              \
        T(reopen_continues_chains_and_rebuilds_a_lost_index),                              \
        T(retention_never_removes_before_the_decisions_own_date),                         \
        T(each_entry_rehashes_from_its_record_and_bytes),                                  \
        T(a_decision_keeps_its_event_bytes_and_catalog_and_both_are_hashed),              \
        T(idempotency_records_survive_a_restart_until_they_expire),                       \
        T(a_record_is_found_by_its_key_where_nodes_share_the_store),                       \
        T(a_job_runs_once_per_period_and_a_lease_has_one_holder),                         \
        T(writes_for_metrc_go_with_their_entry_once),                                      \
        T(the_metrc_mirror_is_read_back_by_licence_and_resource)

int file_main(int argc, char **argv);
#define main file_main
ED_TEST_MAIN(COMMON_TESTS, T(torn_tail_is_cut_and_a_flipped_byte_is_caught),
             T(one_writer_at_a_time))
#undef main

int pg_main(int argc, char **argv);
#define main pg_main
ED_TEST_MAIN(COMMON_TESTS, T(the_database_refuses_update_delete_and_truncate),
             T(row_level_security_shows_a_tenant_only_its_own_rows),
             T(a_change_inside_the_database_is_caught_and_quarantined),
             T(a_signed_checkpoint_catches_a_chain_rewritten_in_the_database),
             T(two_writers_share_one_database_and_every_chain_stays_whole),
             T(a_node_refuses_a_schema_it_does_not_know),
             T(a_server_restarted_under_load_loses_no_acknowledged_decision),
             T(a_locked_chain_head_gives_a_clear_error_not_a_hang),
             T(a_run_whose_finish_was_refused_is_not_run_again_at_once),
             T(a_finish_waits_for_a_claim_without_holding_the_lease))
#undef main

/* The counts of one ED_TEST_MAIN run, from its last line. */
static void count(const char *path, int *passed, int *failed)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int p = 0, q = 1;
    while (f && fgets(line, sizeof line, f)) {
        fputs(line, stdout);
        sscanf(line, "%d passed, %d failed", &p, &q);
    }
    if (f) {
        fclose(f);
    }
    *passed += p;
    *failed += q;
}

/* Each run's lines go through a file, so that the last line of the
 * program is the total of both (tests/run.sh reads the last one). */
static int run_one(int (*run)(int, char **), const char *prefix, int *passed, int *failed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/out-%s", root, prefix);
    fflush(stdout);
    /* close-on-exec: a server a test restarts must not hold our stdout */
    int saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    dup2(fd, 1);
    close(fd);
    char *argv[] = {"test_store", getenv("TEST_STORE_ONLY"), NULL};
    backend_prefix = prefix;
    run(argv[1] ? 2 : 1, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    count(path, passed, failed);
    return 0;
}

static int run_all(void)
{
    int passed = 0, failed = 0;
    backend = FILE_STORE;
    run_one(file_main, "file: ", &passed, &failed);
    pg_admin = getenv("EDICT_PG_ADMIN");
    pg_port = getenv("EDICT_PG_PORT");
    if (pg_admin == NULL || pg_port == NULL) {
        if (getenv("EDICT_PG_SKIP") != NULL) {
            printf("# postgres: skipped (EDICT_PG_SKIP)\n");
        } else {
            printf("FAIL - postgres: no server: $EDICT_PG_ADMIN and $EDICT_PG_PORT are not "
                   "set (tests/run.sh starts one; or . tests/pg.sh; pg_start; pg_migrate)\n");
            failed++;
        }
    } else {
        backend = PG_STORE;
        counter = 0;
        run_id = (int)getpid();
        admin_sql(NULL, "SET client_min_messages = warning; GRANT edict_app TO edict");
        run_one(pg_main, "postgres: ", &passed, &failed);
        /* the test databases go; the server itself is tests/pg.sh's */
        for (int i = 1; i <= counter; i++) {
            char sql[128];
            snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS edict_test_%d_%d WITH (FORCE)", run_id, i);
            admin_sql(NULL, sql);
        }
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS edict_test_%d_bare WITH (FORCE)", run_id);
        admin_sql(NULL, sql);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
