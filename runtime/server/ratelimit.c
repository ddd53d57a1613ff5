/*
 * ratelimit.c — per-key token buckets (see ratelimit.h), in a table keyed
 * by SipHash with a random key per limiter (table.h), since keys may come
 * from requests and a predictable hash would let a client pile every key
 * into one chain.
 */
#define _POSIX_C_SOURCE 200809L
#define ratelimit_c

#include "ratelimit.h"
#include "util/alloc.h"
#include "util/table.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Tokens short of 1 that still count as a whole one: absorbs the rounding
 * of (1 - tokens) * 60 / rate and back, so waiting exactly the advertised
 * retry time succeeds. */
#define TOKEN_SLACK 1e-9

/* No pruning of full buckets below this many keys: not worth a scan. */
#define MIN_PRUNE_AT 1024

/* A key's bucket: the value of its entry in the table. */
typedef struct bucket {
    double tokens;
    double last;          /* latest time seen for this key; never decreases */
    double rate_per_min;  /* the limits of the previous call, which refill */
    double burst;         /*   the time elapsed since it */
} bucket;

struct ed_ratelimit {
    pthread_mutex_t lock; /* guards buckets and prune_at */
    ed_table *buckets;    /* key -> bucket */
    size_t prune_at;      /* count at which full buckets are next dropped */
};

ed_ratelimit *ed_ratelimit_new(void)
{
    ed_ratelimit *rl = ed_xcalloc(1, sizeof *rl);
    pthread_mutex_init(&rl->lock, NULL);
    rl->buckets = ed_table_new();
    rl->prune_at = MIN_PRUNE_AT;
    return rl;
}

void ed_ratelimit_free(ed_ratelimit *rl)
{
    if (rl == NULL) {
        return;
    }
    ed_table_free(rl->buckets);
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* The tokens b holds at now under the limits it was last used with. */
static double refilled(const bucket *b, double now)
{
    double elapsed = now > b->last ? now - b->last : 0.0;
    /* elapsed * rate first, then / 60: exact for whole-number rates and
     * times, where rate / 60 first would not be (60 * (10 / 60.0) != 10). */
    double t = b->tokens + elapsed * b->rate_per_min / 60.0;
    return t < b->burst ? t : b->burst;
}

/* Drop every bucket that is full at now: taking from it later behaves
 * exactly as taking from a new key (except that a raised burst applies in
 * full at once, which only ever errs towards the client). */
static void prune_full(ed_ratelimit *rl, double now)
{
    ed_table_iter it;
    ed_table_iter_start(&it, rl->buckets);
    for (bucket *b; (b = ed_table_iter_next(&it)) != NULL;) {
        if (refilled(b, now) >= b->burst) {
            ed_table_remove(rl->buckets, b);
        }
    }
    size_t count = ed_table_count(rl->buckets);
    rl->prune_at = count * 2 > MIN_PRUNE_AT ? count * 2 : MIN_PRUNE_AT;
}

int ed_ratelimit_take(ed_ratelimit *rl, const char *key, double rate_per_minute,
                      double burst, double now, double *retry_after_s)
{
    double ignored;
    if (retry_after_s == NULL) {
        retry_after_s = &ignored;
    }
    *retry_after_s = 0.0;
    if (rl == NULL || key == NULL || !isfinite(rate_per_minute) || rate_per_minute <= 0 ||
        !isfinite(burst) || burst < 1 || !isfinite(now)) {
        return -1;
    }
    ed_table_key k = ed_table_key_of(rl->buckets, key, strlen(key)); /* no lock needed */

    pthread_mutex_lock(&rl->lock);
    bucket *b = ed_table_find(rl->buckets, k);
    if (b == NULL) {
        if (ed_table_count(rl->buckets) >= rl->prune_at) {
            prune_full(rl, now);
        }
        b = ed_table_insert(rl->buckets, k, sizeof *b);
        b->tokens = burst;
        b->last = now;
    } else {
        b->tokens = refilled(b, now);
        if (now > b->last) {
            b->last = now;
        }
    }
    /* The new limits from here on. */
    b->rate_per_min = rate_per_minute;
    b->burst = burst;
    if (b->tokens > burst) {
        b->tokens = burst;
    }

    int allowed = b->tokens >= 1.0 - TOKEN_SLACK;
    if (allowed) {
        b->tokens -= 1.0;
        if (b->tokens < 0.0) {
            b->tokens = 0.0; /* the slack is a gift, not a debt */
        }
    } else {
        /* If now is behind the latest time seen, refill starts only when
         * the clock gets back there. */
        double lag = b->last > now ? b->last - now : 0.0;
        *retry_after_s = lag + (1.0 - b->tokens) * 60.0 / rate_per_minute;
    }
    pthread_mutex_unlock(&rl->lock);
    return allowed;
}

size_t ed_ratelimit_size(ed_ratelimit *rl)
{
    pthread_mutex_lock(&rl->lock);
    size_t n = ed_table_count(rl->buckets);
    pthread_mutex_unlock(&rl->lock);
    return n;
}
