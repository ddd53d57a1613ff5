/*
 * test_table.c — unit tests of runtime/util/table.c: find, insert and
 * remove against a plain reference model over seeded random operations,
 * growth with value storage that stays put, keys as bytes (NUL inside,
 * empty, a NUL after them), value storage zeroed and aligned, walking with
 * removal, and a hash key of each table's own.
 */
#include "check.h"
#include "rng.h"
#include "util/table.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    long id;
    long checks; /* bumped by the walks */
} item;

static ed_table_key key_of(ed_table *t, const char *s)
{
    return ed_table_key_of(t, s, strlen(s));
}

TEST(insert_find_remove)
{
    ed_table *t = ed_table_new();
    CHECK(ed_table_count(t) == 0, "a new table is empty");
    CHECK(ed_table_find(t, key_of(t, "a")) == NULL, "found a key never inserted");
    item *a = ed_table_insert(t, key_of(t, "a"), sizeof *a);
    CHECK(a != NULL && a->id == 0 && a->checks == 0, "value storage not zeroed");
    a->id = 1;
    CHECK(ed_table_insert(t, key_of(t, "a"), sizeof *a) == NULL,
          "inserting a present key must refuse");
    CHECK(ed_table_find(t, key_of(t, "a")) == a, "find gives another value storage");
    CHECK(a->id == 1, "a refused insert changed the value");
    item *b = ed_table_insert(t, key_of(t, "b"), sizeof *b);
    b->id = 2;
    CHECK(ed_table_count(t) == 2, "count %zu, expected 2", ed_table_count(t));
    size_t len;
    CHECK_STR(ed_table_key_bytes(b, &len), "b");
    CHECK(len == 1, "key length %zu", len);
    ed_table_remove(t, a);
    CHECK(ed_table_find(t, key_of(t, "a")) == NULL, "a removed key is still found");
    CHECK(ed_table_find(t, key_of(t, "b")) == b && b->id == 2, "removing a lost b");
    CHECK(ed_table_count(t) == 1, "count %zu after a removal", ed_table_count(t));
    ed_table_free(t);
    PASS();
}

TEST(keys_are_bytes)
{
    ed_table *t = ed_table_new();
    /* "x\0y" and "x\0z" share the C string "x"; "" is a key too */
    static const char k1[] = {'x', '\0', 'y'}, k2[] = {'x', '\0', 'z'};
    item *v1 = ed_table_insert(t, ed_table_key_of(t, k1, 3), sizeof *v1);
    item *v2 = ed_table_insert(t, ed_table_key_of(t, k2, 3), sizeof *v2);
    item *vx = ed_table_insert(t, ed_table_key_of(t, "x", 1), sizeof *vx);
    item *ve = ed_table_insert(t, ed_table_key_of(t, "", 0), sizeof *ve);
    CHECK(v1 && v2 && vx && ve && v1 != v2 && v1 != vx && v2 != vx,
          "keys that differ after a NUL, or by length, were taken as one");
    CHECK(ed_table_find(t, ed_table_key_of(t, k2, 3)) == v2, "a key with a NUL inside");
    CHECK(ed_table_find(t, ed_table_key_of(t, NULL, 0)) == ve, "the empty key");
    CHECK(ed_table_find(t, ed_table_key_of(t, k1, 2)) == NULL, "a prefix matched");
    size_t len;
    const char *stored = ed_table_key_bytes(v1, &len);
    CHECK(len == 3 && memcmp(stored, k1, 3) == 0 && stored[3] == '\0',
          "stored key is not the bytes plus a NUL");
    /* the storage is aligned for any type, whatever the key */
    CHECK((uintptr_t)v1 % alignof(max_align_t) == 0 &&
          (uintptr_t)ve % alignof(max_align_t) == 0, "value storage misaligned");
    ed_table_free(t);
    PASS();
}

TEST(growth_keeps_values_in_place)
{
    enum { N = 50000 };
    ed_table *t = ed_table_new();
    item **where = calloc(N, sizeof *where);
    CHECK(where != NULL, "no memory");
    char key[32];
    for (long i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key-%ld", i);
        where[i] = ed_table_insert(t, key_of(t, key), sizeof(item));
        if (where[i] == NULL) {
            free(where);
            ed_table_free(t);
            CHECK(0, "insert %ld refused", i);
        }
        where[i]->id = i;
    }
    int ok = ed_table_count(t) == N;
    long bad = -1;
    for (long i = 0; i < N && ok; i++) {
        snprintf(key, sizeof key, "key-%ld", i);
        item *v = ed_table_find(t, key_of(t, key));
        ok = v == where[i] && v->id == i;
        bad = ok ? -1 : i;
    }
    free(where);
    ed_table_free(t);
    CHECK(ok, "after growing to %d entries, key %ld moved or was lost", N, bad);
    PASS();
}

TEST(walk_sees_each_once_and_may_remove)
{
    enum { N = 3000 };
    ed_table *t = ed_table_new();
    char key[32];
    for (long i = 0; i < N; i++) {
        snprintf(key, sizeof key, "%ld", i);
        item *v = ed_table_insert(t, key_of(t, key), sizeof *v);
        v->id = i;
    }
    /* one walk removing the odd ids as it goes */
    ed_table_iter it;
    ed_table_iter_start(&it, t);
    long seen = 0;
    for (item *v; (v = ed_table_iter_next(&it)) != NULL;) {
        v->checks++;
        seen++;
        if (v->id % 2) {
            ed_table_remove(t, v);
        }
    }
    CHECK(seen == N, "the walk saw %ld entries of %d", seen, N);
    CHECK(ed_table_count(t) == N / 2, "count %zu after removing half", ed_table_count(t));
    /* a second walk: exactly the even ones, each seen once before */
    ed_table_iter_start(&it, t);
    long evens = 0, wrong = 0;
    for (item *v; (v = ed_table_iter_next(&it)) != NULL;) {
        evens++;
        wrong += v->id % 2 != 0 || v->checks != 1;
    }
    ed_table_free(t);
    CHECK(evens == N / 2 && wrong == 0, "second walk: %ld entries, %ld wrong", evens, wrong);
    ed_table *empty = ed_table_new();
    ed_table_iter_start(&it, empty);
    int none = ed_table_iter_next(&it) == NULL;
    ed_table_free(empty);
    CHECK(none, "walking an empty table gave an entry");
    PASS();
}

TEST(random_operations_match_a_model)
{
    enum { KEYS = 700, OPS = 200000 };
    ed_table *t = ed_table_new();
    item *model[KEYS] = {0}; /* the value storage each key has, or NULL */
    size_t present = 0;
    test_rng rng = {0x7ab1e5eedULL};
    char key[32];
    long failed_at = -1;
    for (long op = 0; op < OPS && failed_at < 0; op++) {
        uint32_t k = test_rng_next(&rng) % KEYS;
        /* lengths vary, so some keys are prefixes of others */
        int len = snprintf(key, sizeof key, "%u%.*s", k, (int)(k % 7), "///////");
        ed_table_key tk = ed_table_key_of(t, key, (size_t)len);
        switch (test_rng_next(&rng) % 3) {
        case 0: {
            item *v = ed_table_insert(t, tk, sizeof *v);
            if ((v == NULL) != (model[k] != NULL)) {
                failed_at = op;
            } else if (v != NULL) {
                v->id = (long)k;
                model[k] = v;
                present++;
            }
            break;
        }
        case 1: {
            item *v = ed_table_find(t, tk);
            if (v != model[k] || (v != NULL && v->id != (long)k)) {
                failed_at = op;
            }
            break;
        }
        default:
            if (model[k] != NULL) {
                ed_table_remove(t, model[k]);
                model[k] = NULL;
                present--;
            }
            break;
        }
        if (ed_table_count(t) != present) {
            failed_at = op;
        }
    }
    ed_table_free(t);
    CHECK(failed_at < 0, "the table and the model differ at operation %ld", failed_at);
    PASS();
}

TEST(each_table_has_its_own_hash_key)
{
    ed_table *a = ed_table_new(), *b = ed_table_new();
    ed_table_key ka = key_of(a, "tenant-1"), kb = key_of(b, "tenant-1");
    ed_table_key ka2 = key_of(a, "tenant-1");
    ed_table_free(a);
    ed_table_free(b);
    CHECK(ka.hash == ka2.hash, "one table hashed one key two ways");
    /* 2^-64 odds of a false failure */
    CHECK(ka.hash != kb.hash, "two tables hash alike: the hash key is not random");
    PASS();
}

ED_TEST_MAIN(T(insert_find_remove), T(keys_are_bytes), T(growth_keeps_values_in_place),
             T(walk_sees_each_once_and_may_remove), T(random_operations_match_a_model),
             T(each_table_has_its_own_hash_key))
