/*
 * ratelimit.h — per-key token buckets for `edict serve` (a key is a tenant
 * name, or whatever the server chooses to limit by).
 *
 * Each key has a bucket that holds at most `burst` tokens and refills
 * continuously at rate_per_minute / 60 tokens per second. A request takes
 * one token or is refused with the time until one is available. The
 * current time is always an argument (monotonic seconds), never read here,
 * so behaviour is deterministic and testable.
 *
 * Threads: one ed_ratelimit may be shared by any number of threads; every
 * call takes the object's own mutex (held only for a hash lookup and a
 * little arithmetic).
 *
 * Memory: a bucket that has refilled to full is indistinguishable from a
 * key never seen, so such buckets are dropped when the table grows
 * (amortised, during ed_ratelimit_take). The number of keys kept is thus
 * bounded by the keys active within about burst / rate minutes.
 */
#ifndef EDICT_RATELIMIT_H
#define EDICT_RATELIMIT_H

#include <stddef.h>

typedef struct ed_ratelimit ed_ratelimit;

/* A new, empty limiter. Aborts on allocation failure (as ed_buf does). */
ed_ratelimit *ed_ratelimit_new(void);
void ed_ratelimit_free(ed_ratelimit *rl);

/* Take one token from key's bucket at time now (monotonic seconds).
 *
 *   1   allowed: a token was taken; *retry_after_s = 0.
 *   0   refused: *retry_after_s = seconds until one token is available
 *       (> 0). Send Retry-After as ceil(*retry_after_s), at least 1.
 *  -1   invalid arguments: key NULL, rate_per_minute not finite or <= 0,
 *       burst not finite or < 1, now not finite. Nothing is recorded;
 *       *retry_after_s = 0. This is a configuration error of the caller.
 *
 * A key seen for the first time starts full (burst tokens). rate and
 * burst may differ from call to call for the same key (a tenant's limits
 * were reloaded): the time elapsed since the previous call refills at the
 * previous rate (the one in force then), then the new burst caps the
 * tokens at once and the new rate applies from now on. Raising burst does
 * not grant tokens; they refill.
 *
 * Time going backwards (now earlier than a previous call for this key)
 * adds nothing: refill resumes only once now passes the latest time seen.
 *
 * A token is granted when the bucket holds at least 1 - 1e-9 tokens, so a
 * client that waits exactly *retry_after_s is not refused again by
 * floating-point rounding; the sliver given away is never carried over.
 * retry_after_s may be NULL. */
int ed_ratelimit_take(ed_ratelimit *rl, const char *key, double rate_per_minute,
                      double burst, double now, double *retry_after_s);

/* How many keys have a bucket right now (for tests and a gauge). */
size_t ed_ratelimit_size(ed_ratelimit *rl);

#endif
