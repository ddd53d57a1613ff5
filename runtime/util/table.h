/*
 * table.h — a hash table keyed by byte strings, for the host's tables
 * whose keys clients choose (tenants, Idempotency-Keys, metric labels).
 *
 * Keys are hashed with SipHash under a random key per table (keyhash.h),
 * so a client cannot pick keys that pile into one chain. Chained; the
 * slots double when the entries outnumber them.
 *
 * The table owns each entry's value storage: ed_table_insert hands out
 * zeroed bytes of the size asked for, which stay at the same address
 * until the entry is removed (values may point at each other, or be on
 * lists of their own). What a value points to is its owner's to free,
 * before ed_table_remove or ed_table_free.
 *
 * Threads: ed_table_key_of may be called by any number of threads at once
 * (hash outside your lock, then take it); everything else needs the
 * caller's own lock around it. Out of memory aborts (alloc.h).
 */
#ifndef EDICT_TABLE_H
#define EDICT_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ed_table ed_table;

/* A key with its hash in this table (from ed_table_key_of). bytes are
 * the caller's and only read during the call that takes the key. */
typedef struct ed_table_key {
    const void *bytes;
    size_t len;
    uint64_t hash;
} ed_table_key;

/* A new, empty table under a fresh random hash key. Aborts when OpenSSL
 * has no SipHash or no randomness. MUST BE FREED with ed_table_free. */
ed_table *ed_table_new(void);

/* Free the table and every entry's value storage. */
void ed_table_free(ed_table *t);

/* Hash len bytes at bytes for t. Safe without the caller's lock. */
ed_table_key ed_table_key_of(const ed_table *t, const void *bytes, size_t len);

/* The value stored under k, or NULL. */
void *ed_table_find(const ed_table *t, ed_table_key k);

/* Add k with value_size zeroed bytes of value storage (aligned for any
 * type) and return them; NULL, changing nothing, when k is present. The
 * key's bytes are copied. */
void *ed_table_insert(ed_table *t, ed_table_key k, size_t value_size);

/* Remove the entry whose value storage is value (from ed_table_insert or
 * ed_table_find on t) and free that storage. */
void ed_table_remove(ed_table *t, void *value);

/* The key of the entry whose value storage is value: its bytes (followed
 * by a NUL the key does not count, so a string key reads as a C string)
 * and their number in *len (may be NULL). Valid until the entry is
 * removed. */
const char *ed_table_key_bytes(const void *value, size_t *len);

/* How many entries t holds. */
size_t ed_table_count(const ed_table *t);

/* Walking every entry, in no particular order:
 *     ed_table_iter it;
 *     ed_table_iter_start(&it, t);
 *     for (void *v; (v = ed_table_iter_next(&it)) != NULL;) ...
 * The value just returned may be removed; nothing may be inserted until
 * the walk ends (growing moves the entries between chains). */
typedef struct ed_table_iter {
    const ed_table *t;
    size_t slot;         /* the next slot to start a chain from */
    struct entry *next;  /* the entry after the one returned */
} ed_table_iter;

void ed_table_iter_start(ed_table_iter *it, const ed_table *t);
void *ed_table_iter_next(ed_table_iter *it);

#endif
