/*
 * test_ratelimit.c — unit tests of runtime/ratelimit.c: burst and refusal,
 * refill timing to the exact second, the Retry-After value, independent
 * keys, limits changed between calls, a clock going backwards, many keys
 * (and the dropping of full buckets), bad arguments, and several threads
 * sharing one bucket. Time is always passed in, so nothing here depends on
 * the wall clock.
 */
#include "check.h"
#include "server/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The limiter of the running test, freed at the next test and at exit so
 * a failing CHECK (which returns early) leaks nothing. */
static ed_ratelimit *cur;

static void free_current(void)
{
    ed_ratelimit_free(cur);
    cur = NULL;
}

static ed_ratelimit *fresh(void)
{
    static int registered;
    if (!registered) {
        atexit(free_current);
        registered = 1;
    }
    free_current();
    cur = ed_ratelimit_new();
    return cur;
}

TEST(burst_then_refusal)
{
    ed_ratelimit *rl = fresh();
    double retry = -1;
    for (int i = 0; i < 5; i++) {
        CHECK(ed_ratelimit_take(rl, "acme", 60, 5, 0.0, &retry) == 1, "take %d refused", i);
        CHECK(retry == 0.0, "retry after an allowed take is %g", retry);
    }
    CHECK(ed_ratelimit_take(rl, "acme", 60, 5, 0.0, &retry) == 0, "sixth take allowed");
    CHECK(retry == 1.0, "retry %.17g, want 1", retry);
    /* Refusals take nothing: still one second to wait. */
    CHECK(ed_ratelimit_take(rl, "acme", 60, 5, 0.0, &retry) == 0, "allowed after refusal");
    CHECK(retry == 1.0, "retry %.17g after a second refusal", retry);
    PASS();
}

TEST(exact_refill_timing)
{
    ed_ratelimit *rl = fresh();
    double retry;
    /* 10 a minute: one token every 6 s. */
    CHECK(ed_ratelimit_take(rl, "k", 10, 1, 1000.0, &retry) == 1, "first take refused");
    CHECK(ed_ratelimit_take(rl, "k", 10, 1, 1005.999, &retry) == 0, "allowed before 6 s");
    CHECK(fabs(retry - 0.001) < 1e-9, "retry %.17g, want 0.001", retry);
    CHECK(ed_ratelimit_take(rl, "k", 10, 1, 1006.0, &retry) == 1, "refused at exactly 6 s");
    CHECK(ed_ratelimit_take(rl, "k", 10, 1, 1006.0, &retry) == 0, "two tokens in 6 s");
    CHECK(retry == 6.0, "retry %.17g, want 6", retry);
    /* Continuous refill: 2.5 s at 60/min is 2.5 tokens, two whole ones. */
    CHECK(ed_ratelimit_take(rl, "c", 60, 5, 0.0, &retry) == 1, "c refused");
    for (int i = 0; i < 4; i++) {
        CHECK(ed_ratelimit_take(rl, "c", 60, 5, 0.0, &retry) == 1, "c drain %d", i);
    }
    CHECK(ed_ratelimit_take(rl, "c", 60, 5, 2.5, &retry) == 1, "first of 2.5 refused");
    CHECK(ed_ratelimit_take(rl, "c", 60, 5, 2.5, &retry) == 1, "second of 2.5 refused");
    CHECK(ed_ratelimit_take(rl, "c", 60, 5, 2.5, &retry) == 0, "third of 2.5 allowed");
    CHECK(retry == 0.5, "retry %.17g, want 0.5", retry);
    /* Refill stops at burst: an hour idle gives 5, not 3600. */
    int allowed = 0;
    while (ed_ratelimit_take(rl, "c", 60, 5, 3600.0, &retry) == 1) {
        allowed++;
    }
    CHECK(allowed == 5, "%d taken after an hour, want burst 5", allowed);
    PASS();
}

TEST(waiting_retry_after_exactly_succeeds)
{
    /* Awkward rates and times: the advertised wait must always suffice,
     * and waiting visibly less must not. */
    static const double rates[] = {7, 13, 0.5, 1e6, 59.9, 3};
    ed_ratelimit *rl = fresh();
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        char key[16];
        snprintf(key, sizeof key, "r%zu", i);
        double t = 12345.678 + (double)i / 3.0, retry = 0;
        CHECK(ed_ratelimit_take(rl, key, rates[i], 1, t, &retry) == 1, "rate %g first", rates[i]);
        for (int round = 0; round < 20; round++) {
            CHECK(ed_ratelimit_take(rl, key, rates[i], 1, t, &retry) == 0,
                  "rate %g round %d: empty bucket allowed", rates[i], round);
            CHECK(retry > 0 && fabs(retry - 60.0 / rates[i]) <= 1e-6 * (60.0 / rates[i]),
                  "rate %g: retry %.17g, want %.17g", rates[i], retry, 60.0 / rates[i]);
            if (retry > 1e-3) {
                double too_early = 0;
                CHECK(ed_ratelimit_take(rl, key, rates[i], 1, t + retry * 0.999, &too_early) == 0,
                      "rate %g: allowed before retry", rates[i]);
            }
            t += retry;
            CHECK(ed_ratelimit_take(rl, key, rates[i], 1, t, &retry) == 1,
                  "rate %g round %d: refused after waiting exactly retry", rates[i], round);
        }
    }
    /* What a server sends: ceil, at least 1. */
    double retry;
    CHECK(ed_ratelimit_take(rl, "fast", 6000, 1, 0, &retry) == 1, "fast first");
    CHECK(ed_ratelimit_take(rl, "fast", 6000, 1, 0, &retry) == 0, "fast second");
    CHECK(retry == 0.01, "retry %.17g", retry);
    double header = ceil(retry) < 1 ? 1 : ceil(retry);
    CHECK(header == 1, "Retry-After %g", header);
    PASS();
}

TEST(independent_keys)
{
    ed_ratelimit *rl = fresh();
    double retry;
    CHECK(ed_ratelimit_take(rl, "acme", 60, 1, 0, &retry) == 1, "acme first");
    CHECK(ed_ratelimit_take(rl, "acme", 60, 1, 0, &retry) == 0, "acme second");
    CHECK(ed_ratelimit_take(rl, "globex", 60, 1, 0, &retry) == 1, "globex starts full");
    CHECK(ed_ratelimit_take(rl, "acme ", 60, 1, 0, &retry) == 1, "'acme ' is another key");
    CHECK(ed_ratelimit_take(rl, "", 60, 1, 0, &retry) == 1, "empty key is a key");
    CHECK(ed_ratelimit_take(rl, "", 60, 1, 0, &retry) == 0, "empty key second");
    CHECK(ed_ratelimit_take(rl, "globex", 60, 1, 0, &retry) == 0, "globex second");
    CHECK(ed_ratelimit_size(rl) == 4, "size %zu", ed_ratelimit_size(rl));
    PASS();
}

TEST(rate_and_burst_change)
{
    ed_ratelimit *rl = fresh();
    double retry;
    /* Burst lowered from 10 to 2: the 9 tokens left are capped at once. */
    CHECK(ed_ratelimit_take(rl, "t", 60, 10, 0, &retry) == 1, "first");
    CHECK(ed_ratelimit_take(rl, "t", 60, 2, 0, &retry) == 1, "after cap, 1");
    CHECK(ed_ratelimit_take(rl, "t", 60, 2, 0, &retry) == 1, "after cap, 2");
    CHECK(ed_ratelimit_take(rl, "t", 60, 2, 0, &retry) == 0, "cap 2 not applied");
    /* Burst raised back: no tokens granted, they refill. */
    CHECK(ed_ratelimit_take(rl, "t", 60, 10, 0, &retry) == 0, "raising burst granted a token");
    CHECK(retry == 1.0, "retry %.17g", retry);
    /* Rate lowered to 6/min: the wait follows the new rate at once. */
    CHECK(ed_ratelimit_take(rl, "t", 6, 10, 0, &retry) == 0, "allowed");
    CHECK(retry == 10.0, "retry %.17g, want 10", retry);
    /* Time that passed under a rate refills at that rate: 1 s at 60/min
     * (the rate of the previous call) is a token, whatever comes next. */
    CHECK(ed_ratelimit_take(rl, "u", 60, 1, 0, &retry) == 1, "u first");
    CHECK(ed_ratelimit_take(rl, "u", 60, 1, 0.5, &retry) == 0, "u early");
    CHECK(ed_ratelimit_take(rl, "u", 6, 1, 1.0, &retry) == 1, "u: 0.5 s at 60 + 0.5 s at 60");
    CHECK(ed_ratelimit_take(rl, "u", 6, 1, 1.0, &retry) == 0, "u second");
    CHECK(retry == 10.0, "retry %.17g at the new rate", retry);
    /* Raised rate: faster from now on. */
    CHECK(ed_ratelimit_take(rl, "u", 600, 1, 1.0, &retry) == 0, "u at 600");
    CHECK(retry == 0.1, "retry %.17g, want 0.1", retry);
    CHECK(ed_ratelimit_take(rl, "u", 600, 1, 1.1, &retry) == 1, "u refilled at 600/min");
    PASS();
}

TEST(backwards_clock_adds_nothing)
{
    ed_ratelimit *rl = fresh();
    double retry;
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, 100, &retry) == 1, "first");
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, 50, &retry) == 0, "back 50 s allowed");
    CHECK(retry == 51.0, "retry %.17g: 50 s to get back + 1 s refill", retry);
    /* Back at 100: the 50 s between 50 and 100 are not credited again. */
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, 100, &retry) == 0, "time going back granted a token");
    CHECK(retry == 1.0, "retry %.17g", retry);
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, 100.5, &retry) == 0, "half a second");
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, 101, &retry) == 1, "refill resumes after 100");
    /* A new key seen first at an earlier time is unaffected. */
    CHECK(ed_ratelimit_take(rl, "other", 60, 1, 10, &retry) == 1, "other key");
    PASS();
}

TEST(many_keys)
{
    /* 200,000 keys: a list scan would take minutes; the table, moments. */
    enum { N = 200000 };
    ed_ratelimit *rl = fresh();
    char key[32];
    double retry;
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "tenant-%d", i);
        CHECK(ed_ratelimit_take(rl, key, 1, 2, 0, &retry) == 1, "%s first", key);
    }
    CHECK(ed_ratelimit_size(rl) == N, "size %zu", ed_ratelimit_size(rl));
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "tenant-%d", i);
        CHECK(ed_ratelimit_take(rl, key, 1, 2, 0, &retry) == 1, "%s second", key);
        CHECK(ed_ratelimit_take(rl, key, 1, 2, 0, &retry) == 0, "%s third", key);
        CHECK(retry == 60.0, "%s retry %g", key, retry);
    }
    PASS();
}

TEST(full_buckets_are_dropped)
{
    ed_ratelimit *rl = fresh();
    char key[32];
    double retry;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "ip-%d", i);
        CHECK(ed_ratelimit_take(rl, key, 60, 3, 0, &retry) == 1, "%s", key);
    }
    size_t before = ed_ratelimit_size(rl);
    CHECK(before == 5000, "size %zu before", before);
    /* An hour later every bucket is full again: new keys prune them. */
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "late-%d", i);
        CHECK(ed_ratelimit_take(rl, key, 60, 3, 3600, &retry) == 1, "%s", key);
    }
    size_t after = ed_ratelimit_size(rl);
    CHECK(after < 10000 && after >= 5000, "size %zu after: nothing pruned", after);
    /* A dropped key behaves as a new one: a full burst of 3. */
    for (int i = 0; i < 3; i++) {
        CHECK(ed_ratelimit_take(rl, "ip-0", 60, 3, 3600, &retry) == 1, "ip-0 take %d", i);
    }
    CHECK(ed_ratelimit_take(rl, "ip-0", 60, 3, 3600, &retry) == 0, "ip-0 fourth");
    /* A bucket that is not full is never dropped. */
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "later-%d", i);
        CHECK(ed_ratelimit_take(rl, key, 60, 3, 3600, &retry) == 1, "%s", key);
    }
    CHECK(ed_ratelimit_take(rl, "ip-0", 60, 3, 3600, &retry) == 0, "ip-0 was forgotten");
    PASS();
}

TEST(bad_arguments)
{
    ed_ratelimit *rl = fresh();
    double retry = 7;
    CHECK(ed_ratelimit_take(rl, NULL, 60, 1, 0, &retry) == -1, "NULL key");
    CHECK(retry == 0, "retry %g on error", retry);
    CHECK(ed_ratelimit_take(rl, "k", 0, 1, 0, &retry) == -1, "rate 0");
    CHECK(ed_ratelimit_take(rl, "k", -5, 1, 0, &retry) == -1, "negative rate");
    CHECK(ed_ratelimit_take(rl, "k", NAN, 1, 0, &retry) == -1, "NaN rate");
    CHECK(ed_ratelimit_take(rl, "k", INFINITY, 1, 0, &retry) == -1, "infinite rate");
    CHECK(ed_ratelimit_take(rl, "k", 60, 0.5, 0, &retry) == -1, "burst below 1");
    CHECK(ed_ratelimit_take(rl, "k", 60, NAN, 0, &retry) == -1, "NaN burst");
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, NAN, &retry) == -1, "NaN time");
    CHECK(ed_ratelimit_size(rl) == 0, "an invalid call recorded a key");
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, 0, NULL) == 1, "NULL retry pointer");
    CHECK(ed_ratelimit_take(rl, "k", 60, 1, 0, NULL) == 0, "NULL retry pointer, refused");
    PASS();
}

typedef struct {
    ed_ratelimit *rl;
    int allowed;
} taker;

static void *take_many(void *arg)
{
    taker *t = arg;
    for (int i = 0; i < 5000; i++) {
        /* Two keys, interleaved, so the table is contended too. */
        if (ed_ratelimit_take(t->rl, i % 2 ? "shared" : "also-shared", 60, 3000, 0, NULL) == 1) {
            t->allowed++;
        }
    }
    return NULL;
}

TEST(threads_share_a_bucket)
{
    ed_ratelimit *rl = fresh();
    pthread_t th[4];
    taker t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (taker){rl, 0};
        CHECK(pthread_create(&th[i], NULL, take_many, &t[i]) == 0, "pthread_create");
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        total += t[i].allowed;
    }
    CHECK(total == 6000, "%d tokens taken from two buckets of 3000", total);
    PASS();
}

ED_TEST_MAIN(T(burst_then_refusal), T(exact_refill_timing),
             T(waiting_retry_after_exactly_succeeds), T(independent_keys),
             T(rate_and_burst_change), T(backwards_clock_adds_nothing), T(many_keys),
             T(full_buckets_are_dropped), T(bad_arguments), T(threads_share_a_bucket))
