/*
 * store_bench.c — appends per second into one store (a folder or a
 * postgres:// URL), as `edict serve` makes them: each worker thread appends
 * one decision and commits it before the next (a request acknowledged
 * after its COMMIT / fdatasync), so throughput comes from group commit
 * across threads. Two runs: every thread on one tenant (its chain is
 * serialised), and the threads over 50 tenants. Then a tenant's history of
 * 10,000 entries read back through ed_store_list (pages of 1,000; seed
 * 002's target: under 500 ms). Numbers only, never pass/fail.
 *
 *   store_bench LOCATION [THREADS] [APPENDS_PER_THREAD]
 */
#define _GNU_SOURCE /* clock_gettime, asprintf */

#include "store/store.h"
#include "stdlib/hash.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct worker {
    ed_store *s;
    int id, each, tenants, failures;
    const char *run;
} worker;

/* A decision of the size the shipped packs write (~600 bytes). */
static void *work(void *p)
{
    worker *w = p;
    char tenant[32], id[48], event[48], hex[ED_SHA256_HEX_LEN + 1];
    ed_buf b = {0}, err = {0};
    for (int i = 0; i < w->each; i++) {
        snprintf(tenant, sizeof tenant, "tenant-%02d", (w->id * w->each + i) % w->tenants);
        snprintf(event, sizeof event, "%s-%d-%d", w->run, w->id, i);
        ed_sha256_hex(event, strlen(event), hex);
        snprintf(id, sizeof id, "dec-%.32s", hex);
        ed_buf_reset(&b);
        ed_buf_printf(&b, "{\"decision_id\":\"%s\",\"event_id\":\"%s\",\"tenant\":\"%s\","
                      "\"type\":\"employee.compliance\",\"flag\":\"yellow\",\"score\":90,"
                      "\"findings\":[{\"rule\":\"employee-flags/cert-expiring\",\"severity\":"
                      "\"major\",\"message\":\"certificate DOT_MEDICAL expires in 28 days\","
                      "\"cite\":\"49 CFR 391.45\"}],\"obligations\":[],\"retention_until\":"
                      "\"2033-03-02\",\"packs\":[{\"name\":\"employee-flags\",\"version\":"
                      "\"2026.1\",\"digest\":\"sha256:%s\"}],\"waivers\":[],\"errors\":[]}",
                      id, event, tenant, hex);
        char day[32];
        snprintf(day, sizeof day, "2026-%02d-%02dT10:00:00Z", 1 + i % 12, 1 + i % 28);
        ed_record r = {tenant, id, event, day, "yellow", "employee.compliance",
                       "2033-03-02", b.data, b.len, NULL, NULL, 0};
        ed_ticket t;
        if (ed_store_append(w->s, &r, &t, &err) != 0 || ed_store_commit(w->s, t, &err) != 0) {
            if (w->failures++ == 0) {
                fprintf(stderr, "append: %s\n", err.data);
            }
        }
    }
    ed_buf_free(&b);
    ed_buf_free(&err);
    return NULL;
}

static void run(ed_store *s, const char *name, int threads, int each, int tenants)
{
    pthread_t th[64];
    worker w[64];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){s, i, each, tenants, 0, name};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    int failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    double dt = now_s() - t0;
    int n = threads * each;
    printf("  %-34s %6d appends in %6.2f s: %8.0f appends/s%s\n", name, n, dt, n / dt,
           failures ? " (FAILURES)" : "");
}

static int count_entry(void *arg, const ed_entry *e)
{
    (void)e;
    ++*(long *)arg;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: store_bench LOCATION [THREADS] [APPENDS_PER_THREAD]\n");
        return 64;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 8;
    int each = argc > 3 ? atoi(argv[3]) : 500;
    if (threads < 1 || threads > 64 || each < 1) {
        fprintf(stderr, "store_bench: 1-64 threads, at least one append each\n");
        return 64;
    }
    ed_store_options o = {.mode = ED_STORE_WRITE};
    ed_buf err = {0};
    ed_store *s = ed_store_open(argv[1], &o, &err);
    if (s == NULL) {
        fprintf(stderr, "store_bench: %s\n", err.data);
        return 1;
    }
    printf("store %s, %d threads, each appends and commits one decision at a time\n",
           strncmp(argv[1], "postgres", 8) == 0 ? "postgres" : "file", threads);
    run(s, "one tenant", threads, each, 1);
    run(s, "50 tenants", threads, each, 50);
    /* a history of 10,000 entries for one tenant, then read it back */
    run(s, "history: 10,000 for one tenant", 1, 10000, 1);
    double t0 = now_s();
    long seen = 0;
    uint64_t next = 0;
    ed_store_query q = {.tenant = "tenant-00", .limit = 1000};
    do {
        q.after = next;
        if (ed_store_list(s, &q, count_entry, &seen, &next, &err) != 0) {
            fprintf(stderr, "list: %s\n", err.data);
            break;
        }
    } while (next != 0);
    printf("  history query: %ld entries of tenant-00 in pages of 1,000: %.0f ms\n", seen,
           (now_s() - t0) * 1000);
    ed_store_close(s);
    ed_buf_free(&err);
    return 0;
}
