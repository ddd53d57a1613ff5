/*
 * rng.h — a seeded pseudo-random generator for unit tests (xorshift64*),
 * so that random inputs are the same on every run and a failure can be
 * replayed. Not for anything but tests.
 */
#ifndef EDICT_TEST_RNG_H
#define EDICT_TEST_RNG_H

#include <stdint.h>

typedef struct test_rng {
    uint64_t state; /* any value but 0 */
} test_rng;

static inline uint32_t test_rng_next(test_rng *r)
{
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return (uint32_t)((r->state * 0x2545F4914F6CDD1DULL) >> 32);
}

#endif
