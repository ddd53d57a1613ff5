/*
 * ratelimit.c — per-key token buckets (see ratelimit.h): a chained hash
 * table of buckets keyed by SipHash with a random key per limiter, since
 * keys may come from requests and a predictable hash would let a client
 * pile every key into one chain.
 */
#define _POSIX_C_SOURCE 200809L
#define ratelimit_c

#include "ratelimit.h"
#include "util/keyhash.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tokens short of 1 that still count as a whole one: absorbs the rounding
 * of (1 - tokens) * 60 / rate and back, so waiting exactly the advertised
 * retry time succeeds. */
#define TOKEN_SLACK 1e-9

/* No pruning of full buckets below this many keys: not worth a scan. */
#define MIN_PRUNE_AT 1024

typedef struct bucket {
    struct bucket *next; /* chain in the slot */
    uint64_t hash;
    double tokens;
    double last;          /* latest time seen for this key; never decreases */
    double rate_per_min;  /* the limits of the previous call, which refill */
    double burst;         /*   the time elapsed since it */
    char key[];
} bucket;

struct ed_ratelimit {
    pthread_mutex_t lock; /* guards everything below but keyhash */
    ed_keyhash keyhash;   /* keyed once in ed_ratelimit_new, then only read */
    bucket **slots;
    size_t n_slots;       /* a power of two */
    size_t count;
    size_t prune_at;      /* count at which full buckets are next dropped */
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL) {
        fputs("edict: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* ------------------------------------------------------------------ */
/* The table                                                            */
/* ------------------------------------------------------------------ */

ed_ratelimit *ed_ratelimit_new(void)
{
    ed_ratelimit *rl = xcalloc(1, sizeof *rl);
    pthread_mutex_init(&rl->lock, NULL);
    if (ed_keyhash_init(&rl->keyhash) != 0) {
        fputs("edict: no keyed hash (OpenSSL SipHash unavailable)\n", stderr);
        abort();
    }
    rl->n_slots = 64;
    rl->slots = xcalloc(rl->n_slots, sizeof *rl->slots);
    rl->prune_at = MIN_PRUNE_AT;
    return rl;
}

void ed_ratelimit_free(ed_ratelimit *rl)
{
    if (rl == NULL) {
        return;
    }
    for (size_t i = 0; i < rl->n_slots; i++) {
        bucket *b = rl->slots[i];
        while (b != NULL) {
            bucket *next = b->next;
            free(b);
            b = next;
        }
    }
    free(rl->slots);
    ed_keyhash_free(&rl->keyhash);
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static void grow(ed_ratelimit *rl)
{
    size_t n = rl->n_slots * 2;
    bucket **slots = xcalloc(n, sizeof *slots);
    for (size_t i = 0; i < rl->n_slots; i++) {
        bucket *b = rl->slots[i];
        while (b != NULL) {
            bucket *next = b->next;
            size_t at = (size_t)(b->hash & (n - 1));
            b->next = slots[at];
            slots[at] = b;
            b = next;
        }
    }
    free(rl->slots);
    rl->slots = slots;
    rl->n_slots = n;
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
    for (size_t i = 0; i < rl->n_slots; i++) {
        bucket **link = &rl->slots[i];
        while (*link != NULL) {
            bucket *b = *link;
            if (refilled(b, now) >= b->burst) {
                *link = b->next;
                free(b);
                rl->count--;
            } else {
                link = &b->next;
            }
        }
    }
    rl->prune_at = rl->count * 2 > MIN_PRUNE_AT ? rl->count * 2 : MIN_PRUNE_AT;
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
    size_t key_len = strlen(key);
    uint64_t hash = ed_keyhash_of(&rl->keyhash, key, key_len); /* no lock needed */

    pthread_mutex_lock(&rl->lock);
    bucket *b = rl->slots[hash & (rl->n_slots - 1)];
    while (b != NULL && !(b->hash == hash && strcmp(b->key, key) == 0)) {
        b = b->next;
    }
    if (b == NULL) {
        if (rl->count >= rl->prune_at) {
            prune_full(rl, now);
        }
        if (rl->count >= rl->n_slots) {
            grow(rl);
        }
        b = xcalloc(1, sizeof *b + key_len + 1);
        memcpy(b->key, key, key_len + 1);
        b->hash = hash;
        b->tokens = burst;
        b->last = now;
        size_t at = (size_t)(hash & (rl->n_slots - 1));
        b->next = rl->slots[at];
        rl->slots[at] = b;
        rl->count++;
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
    size_t n = rl->count;
    pthread_mutex_unlock(&rl->lock);
    return n;
}
