/*
 * table.c — a chained hash table keyed by byte strings under keyed
 * SipHash (see table.h).
 *
 * An entry is one allocation: the header, the value storage (at an offset
 * aligned for any type, so ed_table_remove finds the header from the
 * value) and the key's bytes with a NUL after them.
 */
#define table_c

#include "table.h"

#include "util/alloc.h"
#include "util/keyhash.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_SLOTS 64 /* a power of two, as every size after it */

typedef struct entry {
    struct entry *next; /* chain in the slot */
    uint64_t hash;
    size_t key_len;
    size_t value_size;
} entry;

/* Where the value storage starts in an entry. */
#define VALUE_OFFSET \
    ((sizeof(entry) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

struct ed_table {
    ed_keyhash keyhash; /* keyed once in ed_table_new, then only read */
    entry **slots;
    size_t n_slots;
    size_t count;
};

static void *value_of(entry *e)
{
    return (char *)e + VALUE_OFFSET;
}

static entry *entry_of(const void *value)
{
    return (entry *)(void *)((char *)value - VALUE_OFFSET);
}

static char *key_of(entry *e)
{
    return (char *)value_of(e) + e->value_size;
}

ed_table *ed_table_new(void)
{
    ed_table *t = ed_xcalloc(1, sizeof *t);
    if (ed_keyhash_init(&t->keyhash) != 0) {
        fputs("edict: no keyed hash (OpenSSL SipHash unavailable)\n", stderr);
        abort();
    }
    t->n_slots = FIRST_SLOTS;
    t->slots = ed_xcalloc(t->n_slots, sizeof *t->slots);
    return t;
}

void ed_table_free(ed_table *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n_slots; i++) {
        entry *e = t->slots[i];
        while (e != NULL) {
            entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(t->slots);
    ed_keyhash_free(&t->keyhash);
    free(t);
}

ed_table_key ed_table_key_of(const ed_table *t, const void *bytes, size_t len)
{
    ed_table_key k = {bytes, len, ed_keyhash_of(&t->keyhash, bytes, len)};
    return k;
}

static entry **slot_of(const ed_table *t, uint64_t hash)
{
    return &t->slots[hash & (t->n_slots - 1)];
}

void *ed_table_find(const ed_table *t, ed_table_key k)
{
    for (entry *e = *slot_of(t, k.hash); e != NULL; e = e->next) {
        if (e->hash == k.hash && e->key_len == k.len &&
            (k.len == 0 || memcmp(key_of(e), k.bytes, k.len) == 0)) {
            return value_of(e);
        }
    }
    return NULL;
}

/* Double the slots and move every entry to its chain there. */
static void grow(ed_table *t)
{
    size_t n = t->n_slots * 2;
    entry **slots = ed_xcalloc(n, sizeof *slots);
    for (size_t i = 0; i < t->n_slots; i++) {
        entry *e = t->slots[i];
        while (e != NULL) {
            entry *next = e->next;
            size_t at = (size_t)(e->hash & (n - 1));
            e->next = slots[at];
            slots[at] = e;
            e = next;
        }
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
}

void *ed_table_insert(ed_table *t, ed_table_key k, size_t value_size)
{
    if (ed_table_find(t, k) != NULL) {
        return NULL;
    }
    if (t->count >= t->n_slots) {
        grow(t);
    }
    entry *e = ed_xcalloc(1, VALUE_OFFSET + value_size + k.len + 1);
    e->hash = k.hash;
    e->key_len = k.len;
    e->value_size = value_size;
    if (k.len > 0) {
        memcpy(key_of(e), k.bytes, k.len);
    }
    entry **slot = slot_of(t, k.hash);
    e->next = *slot;
    *slot = e;
    t->count++;
    return value_of(e);
}

void ed_table_remove(ed_table *t, void *value)
{
    entry *e = entry_of(value);
    entry **link = slot_of(t, e->hash);
    while (*link != NULL && *link != e) {
        link = &(*link)->next;
    }
    if (*link == NULL) {
        return; /* not in t: a caller's bug, but freeing it would be worse */
    }
    *link = e->next;
    t->count--;
    free(e);
}

const char *ed_table_key_bytes(const void *value, size_t *len)
{
    entry *e = entry_of(value);
    if (len != NULL) {
        *len = e->key_len;
    }
    return key_of(e);
}

size_t ed_table_count(const ed_table *t)
{
    return t->count;
}

void ed_table_iter_start(ed_table_iter *it, const ed_table *t)
{
    it->t = t;
    it->slot = 0;
    it->next = NULL;
}

void *ed_table_iter_next(ed_table_iter *it)
{
    while (it->next == NULL && it->slot < it->t->n_slots) {
        it->next = it->t->slots[it->slot++];
    }
    entry *e = it->next;
    if (e == NULL) {
        return NULL;
    }
    it->next = e->next; /* taken now, so the caller may remove e */
    return value_of(e);
}
