/*
 * test_metrics.c — unit tests of runtime/metrics.c: the exposition text
 * byte for byte (counter, gauge, histogram, escaping of help text and
 * label values), cumulative buckets at exact bounds (le is <=), number
 * forms, sorting, the per-metric series cap and the dropped counter, calls
 * that do not fit, describe's checks, and increments from four threads.
 */
#include "check.h"
#include "server/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The object and buffers of the running test, freed at the next test and
 * at exit so a failing CHECK leaks nothing. */
static ed_metrics *cur;
static ed_buf text, labels;

static void release(void)
{
    ed_metrics_free(cur);
    cur = NULL;
    ed_buf_free(&text);
    ed_buf_free(&labels);
}

static ed_metrics *fresh(void)
{
    static int registered;
    if (!registered) {
        atexit(release);
        registered = 1;
    }
    release();
    cur = ed_metrics_new();
    return cur;
}

static const char *render(ed_metrics *m)
{
    ed_buf_reset(&text);
    ed_metrics_render(m, &text);
    return text.data ? text.data : "";
}

/* The rendered line that starts with prefix, without its newline, in a
 * static buffer; "" when there is none. */
static const char *line_of(const char *all, const char *prefix)
{
    static char line[512];
    line[0] = '\0';
    for (const char *p = all; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0 && n < sizeof line) {
            memcpy(line, p, n);
            line[n] = '\0';
            return line;
        }
        p = nl ? nl + 1 : NULL;
    }
    return line;
}

#define DROPPED_HEADER                                                                    \
    "# HELP edict_metrics_dropped_series_total metric updates dropped: a new series past " \
    "the per-metric cap, an undescribed metric, or a call or value that does not fit the " \
    "metric\n"                                                                             \
    "# TYPE edict_metrics_dropped_series_total counter\n"

TEST(render_byte_for_byte)
{
    ed_metrics *m = fresh();
    static const double bounds[] = {0.125, 0.5, 1};
    /* Described out of order: the output is sorted by name. */
    CHECK(ed_metrics_describe(m, "temperature", "gauge", "Temp", NULL, 0) == 0, "gauge");
    CHECK(ed_metrics_describe(m, "latency_seconds", "histogram", "Latency", bounds, 3) == 0,
          "histogram");
    CHECK(ed_metrics_describe(m, "http_requests_total", "counter",
                              "Requests by route\nand status, \\ \"quoted\"", NULL, 0) == 0,
          "counter");

    /* Labels built the way the server should build them. */
    ed_buf_puts(&labels, "route=\"");
    ed_metrics_label_escape("/b\"x\\y\nz", &labels);
    ed_buf_puts(&labels, "\",status=\"500\"");
    ed_metrics_inc(m, "http_requests_total", labels.data, 1);
    ed_metrics_inc(m, "http_requests_total", "route=\"/a\",status=\"200\"", 1);
    ed_metrics_inc(m, "http_requests_total", "route=\"/a\",status=\"200\"", 2);

    ed_metrics_set(m, "temperature", "zone=\"x\"", 1e20);
    ed_metrics_set(m, "temperature", "", 7);
    ed_metrics_set(m, "temperature", "", -3.5); /* set replaces */

    /* Exactly representable values, so _sum is exact too. */
    ed_metrics_observe(m, "latency_seconds", "", 0.125); /* at a bound: in le="0.125" */
    ed_metrics_observe(m, "latency_seconds", "", 0.0625);
    ed_metrics_observe(m, "latency_seconds", "", 0.5);
    ed_metrics_observe(m, "latency_seconds", "", 0.75);
    ed_metrics_observe(m, "latency_seconds", "", 2);
    ed_metrics_observe(m, "latency_seconds", "route=\"/x\"", 1);

    const char *want =
        DROPPED_HEADER
        "edict_metrics_dropped_series_total 0\n"
        "# HELP http_requests_total Requests by route\\nand status, \\\\ \"quoted\"\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{route=\"/a\",status=\"200\"} 3\n"
        "http_requests_total{route=\"/b\\\"x\\\\y\\nz\",status=\"500\"} 1\n"
        "# HELP latency_seconds Latency\n"
        "# TYPE latency_seconds histogram\n"
        "latency_seconds_bucket{le=\"0.125\"} 2\n"
        "latency_seconds_bucket{le=\"0.5\"} 3\n"
        "latency_seconds_bucket{le=\"1\"} 4\n"
        "latency_seconds_bucket{le=\"+Inf\"} 5\n"
        "latency_seconds_sum 3.4375\n"
        "latency_seconds_count 5\n"
        "latency_seconds_bucket{route=\"/x\",le=\"0.125\"} 0\n"
        "latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 0\n"
        "latency_seconds_bucket{route=\"/x\",le=\"1\"} 1\n"
        "latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 1\n"
        "latency_seconds_sum{route=\"/x\"} 1\n"
        "latency_seconds_count{route=\"/x\"} 1\n"
        "# HELP temperature Temp\n"
        "# TYPE temperature gauge\n"
        "temperature -3.5\n"
        "temperature{zone=\"x\"} 1e+20\n";
    CHECK_STR(render(m), want);
    /* Rendering changes nothing: twice is the same bytes. */
    CHECK_STR(render(m), want);
    PASS();
}

TEST(buckets_at_exact_bounds)
{
    ed_metrics *m = fresh();
    static const double bounds[] = {0.005, 0.01, 0.1, 1, 10};
    CHECK(ed_metrics_describe(m, "h", "histogram", "h", bounds, 5) == 0, "describe");
    /* One observation at each bound, one just above each, one below all. */
    for (int i = 0; i < 5; i++) {
        ed_metrics_observe(m, "h", "", bounds[i]);
        ed_metrics_observe(m, "h", "", nextafter(bounds[i], INFINITY));
    }
    ed_metrics_observe(m, "h", "", -1);
    ed_metrics_observe(m, "h", "", INFINITY); /* +Inf only */
    const char *all = render(m);
    CHECK_STR(line_of(all, "h_bucket{le=\"0.005\"}"), "h_bucket{le=\"0.005\"} 2");
    CHECK_STR(line_of(all, "h_bucket{le=\"0.01\"}"), "h_bucket{le=\"0.01\"} 4");
    CHECK_STR(line_of(all, "h_bucket{le=\"0.1\"}"), "h_bucket{le=\"0.1\"} 6");
    CHECK_STR(line_of(all, "h_bucket{le=\"1\"}"), "h_bucket{le=\"1\"} 8");
    CHECK_STR(line_of(all, "h_bucket{le=\"10\"}"), "h_bucket{le=\"10\"} 10");
    CHECK_STR(line_of(all, "h_bucket{le=\"+Inf\"}"), "h_bucket{le=\"+Inf\"} 12");
    CHECK_STR(line_of(all, "h_count"), "h_count 12");
    CHECK_STR(line_of(all, "h_sum"), "h_sum +Inf");

    /* A histogram with no bounds has +Inf alone. */
    CHECK(ed_metrics_describe(m, "only_inf", "histogram", "x", NULL, 0) == 0, "describe");
    ed_metrics_observe(m, "only_inf", "a=\"1\"", 0.25);
    all = render(m);
    CHECK(strstr(all, "only_inf_bucket{a=\"1\",le=\"+Inf\"} 1\n"
                      "only_inf_sum{a=\"1\"} 0.25\n"
                      "only_inf_count{a=\"1\"} 1\n") != NULL,
          "%s", all);
    PASS();
}

TEST(number_forms)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {-0.0, "0"},
        {12, "12"},
        {-7, "-7"},
        {123456789012.0, "123456789012"},
        {9007199254740992.0, "9007199254740992"},
        {1e300, "1e+300"},
        {0.1, "0.1"},
        {2.5, "2.5"},
        {1e-05, "1e-05"},
        {0.0005, "0.0005"},
        {1.0 / 3, "0.3333333333333333"},
        {0.1 + 0.2, "0.30000000000000004"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
        {NAN, "NaN"},
    };
    ed_metrics *m = fresh();
    CHECK(ed_metrics_describe(m, "g", "gauge", "g", NULL, 0) == 0, "describe");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char label[32], prefix[48], want[96];
        snprintf(label, sizeof label, "i=\"%02zu\"", i);
        ed_metrics_set(m, "g", label, cases[i].v);
        snprintf(prefix, sizeof prefix, "g{%s}", label);
        snprintf(want, sizeof want, "g{%s} %s", label, cases[i].text);
        CHECK_STR(line_of(render(m), prefix), want);
        if (isfinite(cases[i].v) && cases[i].v != 0) {
            CHECK(strtod(cases[i].text, NULL) == cases[i].v, "%s does not read back", cases[i].text);
        }
    }
    PASS();
}

TEST(sorted_by_name_then_labels)
{
    ed_metrics *m = fresh();
    static const char *const names[] = {"zeta_total", "alpha_total", "mid_total", "alpha"};
    for (int i = 0; i < 4; i++) {
        CHECK(ed_metrics_describe(m, names[i], "counter", "x", NULL, 0) == 0, "%s", names[i]);
    }
    static const char *const label_sets[] = {"t=\"b\"", "t=\"a\"", "", "t=\"B\"", "u=\"a\"",
                                             "t=\"a\",z=\"1\""};
    for (int i = 0; i < 4; i++) {
        for (int j = 5; j >= 0; j--) {
            ed_metrics_inc(m, names[i], label_sets[j], 1);
        }
    }
    const char *all = render(m);
    /* Collect the sample lines' names and labels in order. */
    char seen[64][64];
    int n = 0;
    for (const char *p = all; *p && n < 64;) {
        const char *nl = strchr(p, '\n');
        if (*p != '#' && strncmp(p, "edict_", 6) != 0) {
            const char *space = nl;
            while (space > p && *space != ' ') {
                space--;
            }
            snprintf(seen[n++], sizeof seen[0], "%.*s", (int)(space - p), p);
        }
        p = nl + 1;
    }
    static const char *const want[] = {"alpha", "alpha{t=\"B\"}", "alpha{t=\"a\"}",
                                       "alpha{t=\"a\",z=\"1\"}", "alpha{t=\"b\"}", "alpha{u=\"a\"}"};
    CHECK(n == 24, "%d samples", n);
    for (int i = 0; i < 6; i++) {
        CHECK_STR(seen[i], want[i]);
    }
    CHECK_STR(seen[6], "alpha_total");
    CHECK_STR(seen[12], "mid_total");
    CHECK_STR(seen[18], "zeta_total");
    /* "alpha" < "alpha_total" < "edict_..." < "mid_total" in the text. */
    const char *a = strstr(all, "# TYPE alpha counter"), *at = strstr(all, "# TYPE alpha_total");
    const char *e = strstr(all, "# TYPE edict_"), *mt = strstr(all, "# TYPE mid_total");
    CHECK(a && at && e && mt && a < at && at < e && e < mt, "families out of order");
    PASS();
}

TEST(series_cap_and_dropped_counter)
{
    ed_metrics *m = fresh();
    CHECK(ed_metrics_describe(m, "per_tenant_total", "counter", "x", NULL, 0) == 0, "describe");
    CHECK(ed_metrics_describe(m, "other_total", "counter", "x", NULL, 0) == 0, "describe");
    char label[64];
    for (int i = 0; i < ED_METRICS_MAX_SERIES; i++) {
        snprintf(label, sizeof label, "tenant=\"t%d\"", i);
        ed_metrics_inc(m, "per_tenant_total", label, 1);
    }
    const char *all = render(m);
    CHECK_STR(line_of(all, "edict_metrics_dropped_series_total "),
              "edict_metrics_dropped_series_total 0");
    /* Past the cap: new series dropped and counted, old ones still work. */
    ed_metrics_inc(m, "per_tenant_total", "tenant=\"flood-1\"", 1);
    ed_metrics_inc(m, "per_tenant_total", "tenant=\"flood-2\"", 1);
    ed_metrics_inc(m, "per_tenant_total", "tenant=\"flood-1\"", 1);
    ed_metrics_inc(m, "per_tenant_total", "tenant=\"t0\"", 41);
    /* The cap is per metric. */
    ed_metrics_inc(m, "other_total", "tenant=\"flood-1\"", 1);
    all = render(m);
    CHECK_STR(line_of(all, "edict_metrics_dropped_series_total "),
              "edict_metrics_dropped_series_total 3");
    CHECK(strstr(all, "flood-1\"} 1\n") != NULL && strstr(all, "other_total{tenant=\"flood-1\"} 1"),
          "other_total capped too");
    CHECK(strstr(all, "per_tenant_total{tenant=\"flood") == NULL, "a series past the cap");
    CHECK_STR(line_of(all, "per_tenant_total{tenant=\"t0\"}"),
              "per_tenant_total{tenant=\"t0\"} 42");
    size_t samples = 0;
    for (const char *p = strstr(all, "per_tenant_total{"); p; p = strstr(p + 1, "\nper_tenant_total{")) {
        samples++;
    }
    CHECK(samples == ED_METRICS_MAX_SERIES, "%zu series", samples);
    PASS();
}

TEST(calls_that_do_not_fit_are_dropped)
{
    ed_metrics *m = fresh();
    static const double b[] = {1};
    CHECK(ed_metrics_describe(m, "c_total", "counter", "c", NULL, 0) == 0, "c");
    CHECK(ed_metrics_describe(m, "g", "gauge", "g", NULL, 0) == 0, "g");
    CHECK(ed_metrics_describe(m, "h", "histogram", "h", b, 1) == 0, "h");
    ed_metrics_inc(m, "undescribed_total", "", 1);    /* 1 */
    ed_metrics_set(m, "c_total", "", 5);              /* 2: set on a counter */
    ed_metrics_inc(m, "c_total", "", -1);             /* 3: counters only go up */
    ed_metrics_inc(m, "c_total", "", NAN);            /* 4 */
    ed_metrics_inc(m, "c_total", "", INFINITY);       /* 5 */
    ed_metrics_observe(m, "c_total", "", 1);          /* 6 */
    ed_metrics_inc(m, "h", "", 1);                    /* 7 */
    ed_metrics_set(m, "h", "", 1);                    /* 8 */
    ed_metrics_observe(m, "h", "", NAN);              /* 9 */
    ed_metrics_observe(m, "g", "", 1);                /* 10 */
    ed_metrics_inc(m, "c_total", "a=\"x\ny\"", 1);    /* 11: unescaped newline */
    ed_metrics_inc(m, NULL, "", 1);                   /* 12 */
    ed_metrics_inc(m, "c_total", NULL, 2);            /* NULL labels: the unlabelled series */
    ed_metrics_inc(m, "c_total", "", 0);
    ed_metrics_inc(m, "g", "", 5);                    /* gauges go both ways */
    ed_metrics_inc(m, "g", "", -7.5);
    ed_metrics_inc(m, "edict_metrics_dropped_series_total", "", 0);
    const char *all = render(m);
    CHECK_STR(line_of(all, "edict_metrics_dropped_series_total "),
              "edict_metrics_dropped_series_total 12");
    CHECK_STR(line_of(all, "c_total "), "c_total 2");
    CHECK_STR(line_of(all, "g "), "g -2.5");
    CHECK_STR(line_of(all, "h_count"), "h_count 0");
    CHECK(strstr(all, "undescribed_total") == NULL, "an undescribed metric was rendered");
    PASS();
}

TEST(describe_checks)
{
    ed_metrics *m = fresh();
    static const double up[] = {1, 2, 3}, flat[] = {1, 1}, down[] = {2, 1},
                        with_inf[] = {1, INFINITY}, with_nan[] = {NAN};
    CHECK(ed_metrics_describe(m, "ok:name_1", "counter", "x", NULL, 0) == 0, "colon and digit");
    CHECK(ed_metrics_describe(m, "1abc", "counter", "x", NULL, 0) == -1, "leading digit");
    CHECK(ed_metrics_describe(m, "a-b", "counter", "x", NULL, 0) == -1, "dash");
    CHECK(ed_metrics_describe(m, "", "counter", "x", NULL, 0) == -1, "empty");
    CHECK(ed_metrics_describe(m, NULL, "counter", "x", NULL, 0) == -1, "NULL");
    CHECK(ed_metrics_describe(m, "s", "summary", "x", NULL, 0) == -1, "summary");
    CHECK(ed_metrics_describe(m, "s", NULL, "x", NULL, 0) == -1, "NULL type");
    CHECK(ed_metrics_describe(m, "h1", "histogram", "x", flat, 2) == -1, "equal bounds");
    CHECK(ed_metrics_describe(m, "h2", "histogram", "x", down, 2) == -1, "descending");
    CHECK(ed_metrics_describe(m, "h3", "histogram", "x", with_inf, 2) == -1, "+Inf listed");
    CHECK(ed_metrics_describe(m, "h4", "histogram", "x", with_nan, 1) == -1, "NaN bound");
    CHECK(ed_metrics_describe(m, "h5", "histogram", "x", NULL, 2) == -1, "NULL bounds");
    CHECK(ed_metrics_describe(m, "h", "histogram", "x", up, 3) == 0, "histogram");
    CHECK(ed_metrics_describe(m, "h", "histogram", "x", up, 3) == 0, "same again");
    CHECK(ed_metrics_describe(m, "h", "histogram", "x", up, 2) == -1, "other bounds");
    CHECK(ed_metrics_describe(m, "h", "gauge", "x", NULL, 0) == -1, "other type");
    CHECK(ed_metrics_describe(m, "h", "histogram", "y", up, 3) == -1, "other help");
    CHECK(ed_metrics_describe(m, "edict_metrics_dropped_series_total", "gauge", "x", NULL, 0) ==
              -1,
          "the dropped counter redefined");
    /* Buckets ignored for a counter. */
    CHECK(ed_metrics_describe(m, "c_total", "counter", "x", down, 2) == 0, "counter with bounds");
    const char *all = render(m);
    CHECK(strstr(all, "# TYPE h histogram\n") != NULL, "%s", all);
    CHECK(strstr(all, "h1") == NULL && strstr(all, "summary") == NULL, "an invalid one rendered");
    /* No series yet: HELP and TYPE only. */
    CHECK(strstr(all, "# HELP c_total x\n# TYPE c_total counter\n# HELP edict_") != NULL, "%s",
          all);
    PASS();
}

TEST(label_escape)
{
    ed_buf out = {0};
    size_t n = ed_metrics_label_escape("a\\b\"c\nd", &out);
    int ok = out.data != NULL && strcmp(out.data, "a\\\\b\\\"c\\nd") == 0 && n == out.len &&
             n == 10;
    size_t n2 = ed_metrics_label_escape("", &out);
    size_t n3 = ed_metrics_label_escape("caf\xc3\xa9\t\r", &out);
    int ok2 = n2 == 0 && n3 == 7 && strcmp(out.data + 10, "caf\xc3\xa9\t\r") == 0;
    ed_buf_free(&out);
    CHECK(ok, "escaped wrongly or returned %zu", n);
    CHECK(ok2, "n2 %zu n3 %zu", n2, n3);
    PASS();
}

typedef struct {
    ed_metrics *m;
    int id;
} worker_arg;

enum { PER_THREAD = 100000 };

static void *hammer(void *arg)
{
    worker_arg *w = arg;
    char own[32];
    snprintf(own, sizeof own, "thread=\"%d\"", w->id);
    for (int i = 0; i < PER_THREAD; i++) {
        ed_metrics_inc(w->m, "hits_total", "", 1);
        ed_metrics_inc(w->m, "hits_total", own, 0.5);
        if (i % 10 == 0) {
            ed_metrics_observe(w->m, "lat", "", (double)(i % 4));
            ed_metrics_inc(w->m, "inflight", "", 1);
            ed_metrics_inc(w->m, "inflight", "", -1);
        }
    }
    return NULL;
}

TEST(four_threads_sum_correctly)
{
    ed_metrics *m = fresh();
    static const double b[] = {0, 1, 2};
    CHECK(ed_metrics_describe(m, "hits_total", "counter", "x", NULL, 0) == 0, "describe");
    CHECK(ed_metrics_describe(m, "lat", "histogram", "x", b, 3) == 0, "describe");
    CHECK(ed_metrics_describe(m, "inflight", "gauge", "x", NULL, 0) == 0, "describe");
    pthread_t th[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){m, i};
        CHECK(pthread_create(&th[i], NULL, hammer, &args[i]) == 0, "pthread_create");
    }
    /* Render while they run: must not crash or tear (checked under ASan). */
    for (int i = 0; i < 20; i++) {
        render(m);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    const char *all = render(m);
    CHECK_STR(line_of(all, "hits_total "), "hits_total 400000");
    for (int i = 0; i < 4; i++) {
        char prefix[48], want[64];
        snprintf(prefix, sizeof prefix, "hits_total{thread=\"%d\"}", i);
        snprintf(want, sizeof want, "%s 50000", prefix);
        CHECK_STR(line_of(all, prefix), want);
    }
    /* 10,000 observations per thread, i % 4 over i = 0, 10, 20, ...:
     * values 0, 2, 0, 2, ... (i % 4 of multiples of 10 is 0 or 2). */
    CHECK_STR(line_of(all, "lat_count"), "lat_count 40000");
    CHECK_STR(line_of(all, "lat_bucket{le=\"0\"}"), "lat_bucket{le=\"0\"} 20000");
    CHECK_STR(line_of(all, "lat_bucket{le=\"1\"}"), "lat_bucket{le=\"1\"} 20000");
    CHECK_STR(line_of(all, "lat_bucket{le=\"2\"}"), "lat_bucket{le=\"2\"} 40000");
    CHECK_STR(line_of(all, "lat_sum"), "lat_sum 40000");
    CHECK_STR(line_of(all, "inflight "), "inflight 0");
    PASS();
}

ED_TEST_MAIN(T(render_byte_for_byte), T(buckets_at_exact_bounds), T(number_forms),
             T(sorted_by_name_then_labels), T(series_cap_and_dropped_counter),
             T(calls_that_do_not_fit_are_dropped), T(describe_checks), T(label_escape),
             T(four_threads_sum_correctly))
