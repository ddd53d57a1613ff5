/*
 * keyhash.h — keyed hashing of hash-table keys, so that clients who choose
 * the keys (tenant names, Idempotency-Keys, label values) cannot force
 * collisions: each table draws its own random key, and the hash is
 * OpenSSL's SipHash-2-4 (EVP_MAC "SIPHASH", 64-bit output).
 *
 * Threads: after ed_keyhash_init, any number of threads may call
 * ed_keyhash_of on one object at once without a lock (each call hashes
 * its own copy of the keyed state). Init and free must not race with use.
 */
#ifndef EDICT_KEYHASH_H
#define EDICT_KEYHASH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

typedef struct ed_keyhash {
    EVP_MAC *mac;        /* SIPHASH, fetched once */
    EVP_MAC_CTX *keyed;  /* keyed, never updated: each call hashes a copy */
} ed_keyhash;

/* Set k up under a fresh random key (RAND_bytes). 0, or -1 when OpenSSL
 * has no SipHash or no randomness; k is then left freed (ed_keyhash_free
 * is harmless on it). */
int ed_keyhash_init(ed_keyhash *k);

/* The same under a given 16-byte key: for tests (known-answer vectors).
 * Tables must use ed_keyhash_init. */
int ed_keyhash_init_key(ed_keyhash *k, const unsigned char key[16]);

/* The 64-bit SipHash of len bytes at data under k's key (the 8 output
 * bytes read little-endian). Aborts if OpenSSL fails (out of memory), as
 * the tables do when an allocation fails: a hash that changed from call to
 * call would silently break them. */
uint64_t ed_keyhash_of(const ed_keyhash *k, const void *data, size_t len);

/* Release k's OpenSSL objects; k may be zeroed or already freed. */
void ed_keyhash_free(ed_keyhash *k);

#endif
