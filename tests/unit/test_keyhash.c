/*
 * test_keyhash.c — unit tests of runtime/keyhash.c: the SipHash-2-4
 * reference vectors (64-bit output) under a fixed key, random keys that
 * differ per object, a stable hash per object, and several threads
 * hashing through one object at once.
 */
#include "check.h"
#include "util/keyhash.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* From the SipHash reference (vectors.h, vectors_sip64): key 00..0f,
 * message 00..n-1, the 8 output bytes read little-endian. */
static const struct {
    size_t n;
    uint64_t hash;
} vectors[] = {
    {0, 0x726fdb47dd0e0e31ULL},  {1, 0x74f839c593dc67fdULL},
    {8, 0x93f5f5799a932462ULL},  {15, 0xa129ca6149be45e5ULL},
    {63, 0x958a324ceb064572ULL},
};

TEST(reference_vectors)
{
    unsigned char key[16], msg[64];
    for (int i = 0; i < 16; i++) {
        key[i] = (unsigned char)i;
    }
    for (int i = 0; i < 64; i++) {
        msg[i] = (unsigned char)i;
    }
    ed_keyhash k;
    CHECK(ed_keyhash_init_key(&k, key) == 0, "init with a fixed key");
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint64_t got = ed_keyhash_of(&k, msg, vectors[i].n);
        if (got != vectors[i].hash) {
            ed_keyhash_free(&k);
            CHECK(0, "length %zu: expected %016llx, got %016llx", vectors[i].n,
                  (unsigned long long)vectors[i].hash, (unsigned long long)got);
        }
    }
    ed_keyhash_free(&k);
    PASS();
}

TEST(random_keys_differ_and_hash_is_stable)
{
    ed_keyhash a, b;
    CHECK(ed_keyhash_init(&a) == 0, "init a");
    if (ed_keyhash_init(&b) != 0) {
        ed_keyhash_free(&a);
        CHECK(0, "init b");
    }
    static const char s[] = "tenant\0key";
    uint64_t a1 = ed_keyhash_of(&a, s, sizeof s - 1);
    uint64_t a2 = ed_keyhash_of(&a, s, sizeof s - 1);
    uint64_t b1 = ed_keyhash_of(&b, s, sizeof s - 1);
    /* The NUL and what follows it count. */
    uint64_t a_short = ed_keyhash_of(&a, s, strlen(s));
    uint64_t a_empty = ed_keyhash_of(&a, "", 0);
    ed_keyhash_free(&a);
    ed_keyhash_free(&b);
    CHECK(a1 == a2, "same object, same input: %016llx vs %016llx", (unsigned long long)a1,
          (unsigned long long)a2);
    CHECK(a1 != b1, "two objects share a key (or 2^-64 bad luck)");
    CHECK(a1 != a_short, "bytes after a NUL ignored");
    CHECK(a_empty != a1, "empty input hashes like a non-empty one");
    PASS();
}

TEST(free_is_idempotent)
{
    ed_keyhash k;
    memset(&k, 0, sizeof k);
    ed_keyhash_free(&k); /* zeroed */
    CHECK(ed_keyhash_init(&k) == 0, "init");
    ed_keyhash_free(&k);
    ed_keyhash_free(&k); /* already freed */
    CHECK(k.mac == NULL && k.keyed == NULL, "fields cleared");
    ed_keyhash_free(NULL);
    PASS();
}

#define N_THREADS 8
#define N_INPUTS 64
#define ROUNDS 200

typedef struct {
    const ed_keyhash *k;
    const uint64_t *want;
    int mismatches;
} worker_arg;

static void input(int i, char buf[32], size_t *len)
{
    int n = snprintf(buf, 32, "key-%d-%d", i, i * 7919);
    *len = (size_t)n;
}

static void *worker(void *p)
{
    worker_arg *w = p;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N_INPUTS; i++) {
            char buf[32];
            size_t len;
            input(i, buf, &len);
            if (ed_keyhash_of(w->k, buf, len) != w->want[i]) {
                w->mismatches++;
            }
        }
    }
    return NULL;
}

TEST(threads_share_one_object)
{
    ed_keyhash k;
    CHECK(ed_keyhash_init(&k) == 0, "init");
    uint64_t want[N_INPUTS];
    for (int i = 0; i < N_INPUTS; i++) {
        char buf[32];
        size_t len;
        input(i, buf, &len);
        want[i] = ed_keyhash_of(&k, buf, len);
    }
    pthread_t t[N_THREADS];
    worker_arg args[N_THREADS];
    int started = 0;
    for (int i = 0; i < N_THREADS; i++) {
        args[i] = (worker_arg){&k, want, 0};
        if (pthread_create(&t[i], NULL, worker, &args[i]) != 0) {
            break;
        }
        started++;
    }
    int mismatches = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(t[i], NULL);
        mismatches += args[i].mismatches;
    }
    ed_keyhash_free(&k);
    CHECK(started == N_THREADS, "started %d of %d threads", started, N_THREADS);
    CHECK(mismatches == 0, "%d hashes differed under concurrency", mismatches);
    PASS();
}

ED_TEST_MAIN(T(reference_vectors), T(random_keys_differ_and_hash_is_stable),
             T(free_is_idempotent), T(threads_share_one_object))
