/*
 * test_idempotency.c — unit tests of runtime/idempotency.c: replay of the
 * exact bytes, conflict, in progress, abort, expiry at exactly the window,
 * abandoned reservations, tenant separation, eviction order (expired, then
 * earliest finished, never in progress), keys with odd bytes, saving and
 * loading, and one key begun from several threads at once. Time is always
 * passed in.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "check.h"
#include "server/idempotency.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW (24 * 3600.0)

/* The objects, replies and temporary files of the running test, released
 * at the next test (by fresh, so make the temporary file after it) and at
 * exit, so a failing CHECK leaks nothing. */
static ed_idem *cur, *cur2;
static char *got_headers, *got_body;
static char tmp_dir[64], tmp_file[128];

static void release(void)
{
    ed_idem_free(cur);
    ed_idem_free(cur2);
    cur = cur2 = NULL;
    free(got_headers);
    free(got_body);
    got_headers = got_body = NULL;
    if (tmp_dir[0]) {
        char tmp[160];
        snprintf(tmp, sizeof tmp, "%s.tmp", tmp_file);
        unlink(tmp_file);
        unlink(tmp);
        rmdir(tmp_dir);
        tmp_dir[0] = '\0';
    }
}

static ed_idem *fresh(double window, size_t max)
{
    static int registered;
    if (!registered) {
        atexit(release);
        registered = 1;
    }
    release();
    cur = ed_idem_new(window, max);
    return cur;
}

static const char *make_tmp_file(void)
{
    strcpy(tmp_dir, "/tmp/edict-idem-XXXXXX");
    if (mkdtemp(tmp_dir) == NULL) {
        tmp_dir[0] = '\0';
        return NULL;
    }
    snprintf(tmp_file, sizeof tmp_file, "%s/idem.txt", tmp_dir);
    return tmp_file;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A stand-in for a body's SHA-256: n repeated (the module only compares). */
static const unsigned char *sha(int n)
{
    static unsigned char hashes[8][32];
    memset(hashes[n & 7], n, 32);
    return hashes[n & 7];
}

static int status;
static size_t got_len;

/* ed_idem_begin into the file-level reply variables, freeing the last. */
static ed_idem_result begin(ed_idem *idem, const char *tenant, const char *key, int body,
                            double now)
{
    free(got_headers);
    free(got_body);
    got_headers = got_body = NULL;
    return ed_idem_begin(idem, tenant, key, sha(body), now, &status, &got_headers, &got_body,
                         &got_len);
}

TEST(replay_returns_exact_bytes)
{
    ed_idem *idem = fresh(WINDOW, 100);
    CHECK(idem != NULL, "ed_idem_new");
    CHECK(begin(idem, "acme", "k1", 1, 1000) == ED_IDEM_NEW, "first begin");
    CHECK(status == 0 && got_headers == NULL && got_body == NULL && got_len == 0,
          "outputs not cleared on NEW");
    static const char body[] = "{\"a\":1}\0after NUL \xff\xfe\n\r\t end";
    const char *headers = "Content-Type: application/json\r\nX-Edict: 1\r\n";
    ed_idem_finish(idem, "acme", "k1", 201, headers, body, sizeof body - 1, 1001);
    for (int round = 0; round < 2; round++) {
        CHECK(begin(idem, "acme", "k1", 1, 2000 + round) == ED_IDEM_REPLAY, "round %d", round);
        CHECK(status == 201, "status %d", status);
        CHECK_STR(got_headers, headers);
        CHECK(got_len == sizeof body - 1, "length %zu, want %zu", got_len, sizeof body - 1);
        CHECK(memcmp(got_body, body, sizeof body - 1) == 0, "body bytes differ");
        CHECK(got_body[got_len] == '\0', "body not NUL-terminated");
    }
    /* No headers and an empty body. */
    CHECK(begin(idem, "acme", "k2", 2, 1000) == ED_IDEM_NEW, "k2");
    ed_idem_finish(idem, "acme", "k2", 204, NULL, NULL, 0, 1000);
    CHECK(begin(idem, "acme", "k2", 2, 1000) == ED_IDEM_REPLAY, "k2 replay");
    CHECK(status == 204 && got_headers == NULL && got_len == 0 && got_body != NULL &&
              got_body[0] == '\0',
          "k2: status %d headers %p len %zu", status, (void *)got_headers, got_len);
    /* NULL out pointers are allowed. */
    CHECK(ed_idem_begin(idem, "acme", "k1", sha(1), 2000, NULL, NULL, NULL, NULL) ==
              ED_IDEM_REPLAY,
          "NULL outputs");
    PASS();
}

TEST(conflict_on_another_body)
{
    ed_idem *idem = fresh(WINDOW, 100);
    CHECK(begin(idem, "acme", "k", 1, 0) == ED_IDEM_NEW, "first");
    CHECK(begin(idem, "acme", "k", 2, 0) == ED_IDEM_CONFLICT, "in progress, other body");
    ed_idem_finish(idem, "acme", "k", 200, NULL, "x", 1, 1);
    CHECK(begin(idem, "acme", "k", 2, 2) == ED_IDEM_CONFLICT, "finished, other body");
    CHECK(got_body == NULL && status == 0, "a conflict returned a body");
    CHECK(begin(idem, "acme", "k", 1, 3) == ED_IDEM_REPLAY, "the first body still replays");
    PASS();
}

TEST(in_progress_then_finish)
{
    ed_idem *idem = fresh(WINDOW, 100);
    CHECK(begin(idem, "acme", "k", 1, 0) == ED_IDEM_NEW, "first");
    CHECK(begin(idem, "acme", "k", 1, 0.5) == ED_IDEM_IN_PROGRESS, "second while running");
    CHECK(status == 0 && got_body == NULL && got_headers == NULL, "outputs on IN_PROGRESS");
    ed_idem_finish(idem, "acme", "k", 200, "H: v\r\n", "first", 5, 1);
    /* A finish without a reservation (already finished) changes nothing. */
    ed_idem_finish(idem, "acme", "k", 500, NULL, "second", 6, 2);
    ed_idem_finish(idem, "acme", "never-begun", 200, NULL, "x", 1, 2);
    CHECK(begin(idem, "acme", "k", 1, 3) == ED_IDEM_REPLAY, "replay");
    CHECK(status == 200 && got_len == 5 && memcmp(got_body, "first", 5) == 0,
          "first response not kept: %d %.*s", status, (int)got_len, got_body);
    CHECK(begin(idem, "acme", "never-begun", 1, 3) == ED_IDEM_NEW, "finish created an entry");
    PASS();
}

TEST(abort_forgets_the_reservation)
{
    ed_idem *idem = fresh(WINDOW, 100);
    CHECK(begin(idem, "acme", "k", 1, 0) == ED_IDEM_NEW, "first");
    ed_idem_abort(idem, "acme", "k");
    CHECK(ed_idem_size(idem) == 0, "size %zu after abort", ed_idem_size(idem));
    /* After an abort even another body is NEW: nothing was promised. */
    CHECK(begin(idem, "acme", "k", 2, 1) == ED_IDEM_NEW, "after abort");
    ed_idem_finish(idem, "acme", "k", 200, NULL, "ok", 2, 2);
    ed_idem_abort(idem, "acme", "k"); /* finished: untouched */
    ed_idem_abort(idem, "acme", "nothing");
    CHECK(begin(idem, "acme", "k", 2, 3) == ED_IDEM_REPLAY, "abort removed a finished entry");
    /* A finish after an abort is ignored. */
    CHECK(begin(idem, "acme", "j", 1, 4) == ED_IDEM_NEW, "j");
    ed_idem_abort(idem, "acme", "j");
    ed_idem_finish(idem, "acme", "j", 200, NULL, "late", 4, 5);
    CHECK(begin(idem, "acme", "j", 1, 6) == ED_IDEM_NEW, "finish after abort recorded");
    PASS();
}

TEST(expiry_at_exactly_the_window)
{
    ed_idem *idem = fresh(100, 100);
    CHECK(begin(idem, "acme", "k", 1, 900) == ED_IDEM_NEW, "first");
    /* The window runs from the finish, not the begin. */
    ed_idem_finish(idem, "acme", "k", 200, NULL, "x", 1, 1000);
    CHECK(begin(idem, "acme", "k", 1, 1099.999) == ED_IDEM_REPLAY, "just inside");
    CHECK(begin(idem, "acme", "k", 2, 1099.999) == ED_IDEM_CONFLICT, "conflict inside");
    CHECK(begin(idem, "acme", "k", 2, 1100) == ED_IDEM_NEW, "at exactly 100 s: expired");
    CHECK(ed_idem_size(idem) == 1, "size %zu", ed_idem_size(idem));
    /* A reservation never finished is abandoned after the window. */
    CHECK(begin(idem, "acme", "stuck", 1, 2000) == ED_IDEM_NEW, "stuck");
    CHECK(begin(idem, "acme", "stuck", 1, 2099) == ED_IDEM_IN_PROGRESS, "still running");
    CHECK(begin(idem, "acme", "stuck", 1, 2100) == ED_IDEM_NEW, "abandoned");
    /* Expired entries are dropped by any call, not only by their key's. */
    CHECK(begin(idem, "acme", "other", 1, 10000) == ED_IDEM_NEW, "other");
    CHECK(ed_idem_size(idem) == 1, "size %zu: expired entries kept", ed_idem_size(idem));
    PASS();
}

TEST(tenants_are_separate)
{
    ed_idem *idem = fresh(WINDOW, 100);
    CHECK(begin(idem, "acme", "k", 1, 0) == ED_IDEM_NEW, "acme");
    CHECK(begin(idem, "globex", "k", 2, 0) == ED_IDEM_NEW, "globex: same key, another tenant");
    ed_idem_finish(idem, "acme", "k", 200, NULL, "acme's", 6, 1);
    CHECK(begin(idem, "globex", "k", 2, 2) == ED_IDEM_IN_PROGRESS, "globex's own reservation");
    ed_idem_finish(idem, "globex", "k", 201, NULL, "globex's", 8, 2);
    CHECK(begin(idem, "acme", "k", 1, 3) == ED_IDEM_REPLAY && status == 200 &&
              memcmp(got_body, "acme's", 6) == 0,
          "acme got %d", status);
    CHECK(begin(idem, "globex", "k", 2, 3) == ED_IDEM_REPLAY && status == 201, "globex");
    /* tenant|key must not be confused by moving the boundary. */
    CHECK(begin(idem, "a", "bc", 1, 0) == ED_IDEM_NEW, "a/bc");
    CHECK(begin(idem, "ab", "c", 1, 0) == ED_IDEM_NEW, "ab/c taken for a/bc");
    CHECK(begin(idem, "", "abc", 1, 0) == ED_IDEM_NEW, "/abc");
    CHECK(begin(idem, "abc", "", 1, 0) == ED_IDEM_NEW, "abc/");
    PASS();
}

TEST(eviction_order)
{
    ed_idem *idem = fresh(100, 3);
    /* Begun A, B, C; finished C, A, B: C finished earliest. */
    CHECK(begin(idem, "t", "A", 1, 1) == ED_IDEM_NEW, "A");
    CHECK(begin(idem, "t", "B", 1, 2) == ED_IDEM_NEW, "B");
    CHECK(begin(idem, "t", "C", 1, 3) == ED_IDEM_NEW, "C");
    ed_idem_finish(idem, "t", "C", 200, NULL, "c", 1, 10);
    ed_idem_finish(idem, "t", "A", 200, NULL, "a", 1, 11);
    ed_idem_finish(idem, "t", "B", 200, NULL, "b", 1, 12);
    CHECK(begin(idem, "t", "D", 1, 13) == ED_IDEM_NEW, "D");
    CHECK(ed_idem_size(idem) == 3, "size %zu", ed_idem_size(idem));
    CHECK(begin(idem, "t", "A", 1, 14) == ED_IDEM_REPLAY, "A evicted");
    CHECK(begin(idem, "t", "B", 1, 14) == ED_IDEM_REPLAY, "B evicted");
    CHECK(begin(idem, "t", "D", 1, 14) == ED_IDEM_IN_PROGRESS, "D evicted");
    /* C was evicted: NEW again, which evicts A (now the earliest). */
    CHECK(begin(idem, "t", "C", 1, 14) == ED_IDEM_NEW, "C kept");
    CHECK(begin(idem, "t", "B", 1, 14) == ED_IDEM_REPLAY, "B evicted before A");

    /* Expired entries go first: at 112.5 (window 100) B, finished at 12,
     * is expired, so E fits without evicting D or C, though full. */
    ed_idem_finish(idem, "t", "D", 200, NULL, "d", 1, 50);
    ed_idem_finish(idem, "t", "C", 200, NULL, "c", 1, 60);
    CHECK(begin(idem, "t", "E", 1, 112.5) == ED_IDEM_NEW, "E");
    CHECK(begin(idem, "t", "D", 1, 112.5) == ED_IDEM_REPLAY, "D kept");
    CHECK(begin(idem, "t", "C", 1, 112.5) == ED_IDEM_REPLAY, "C kept");
    CHECK(ed_idem_size(idem) == 3, "size %zu", ed_idem_size(idem));
    PASS();
}

TEST(in_progress_is_never_evicted)
{
    ed_idem *idem = fresh(WINDOW, 2);
    CHECK(begin(idem, "t", "A", 1, 0) == ED_IDEM_NEW, "A");
    CHECK(begin(idem, "t", "B", 1, 0) == ED_IDEM_NEW, "B");
    CHECK(begin(idem, "t", "C", 1, 0) == ED_IDEM_NEW, "C admitted past the bound");
    CHECK(ed_idem_size(idem) == 3, "size %zu", ed_idem_size(idem));
    CHECK(begin(idem, "t", "A", 1, 0) == ED_IDEM_IN_PROGRESS, "A lost");
    CHECK(begin(idem, "t", "B", 1, 0) == ED_IDEM_IN_PROGRESS, "B lost");
    CHECK(begin(idem, "t", "C", 1, 0) == ED_IDEM_IN_PROGRESS, "C lost");
    /* Once some are finished, the bound is restored by evicting them. */
    ed_idem_finish(idem, "t", "A", 200, NULL, "a", 1, 1);
    ed_idem_finish(idem, "t", "B", 200, NULL, "b", 1, 2);
    CHECK(begin(idem, "t", "D", 1, 3) == ED_IDEM_NEW, "D");
    CHECK(ed_idem_size(idem) == 2, "size %zu: bound not restored", ed_idem_size(idem));
    CHECK(begin(idem, "t", "C", 1, 3) == ED_IDEM_IN_PROGRESS, "C evicted");
    CHECK(begin(idem, "t", "D", 1, 3) == ED_IDEM_IN_PROGRESS, "D evicted");
    PASS();
}

TEST(bounded_by_bytes_too)
{
    ed_idem *idem = fresh(WINDOW, 1000);
    ed_idem_set_max_bytes(idem, 250);
    char body[100];
    memset(body, 'x', sizeof body);
    /* three answers of 100 bytes under a 250-byte bound: the earliest goes */
    CHECK(begin(idem, "t", "A", 1, 0) == ED_IDEM_NEW, "A");
    ed_idem_finish(idem, "t", "A", 200, NULL, body, sizeof body, 1);
    CHECK(begin(idem, "t", "B", 1, 2) == ED_IDEM_NEW, "B");
    ed_idem_finish(idem, "t", "B", 200, NULL, body, sizeof body, 3);
    CHECK(begin(idem, "t", "C", 1, 4) == ED_IDEM_NEW, "C");
    ed_idem_finish(idem, "t", "C", 200, NULL, body, sizeof body, 5);
    CHECK(ed_idem_bytes(idem) == 200, "%zu bytes held", ed_idem_bytes(idem));
    CHECK(begin(idem, "t", "A", 1, 6) == ED_IDEM_NEW, "A, the earliest, forgotten");
    CHECK(begin(idem, "t", "B", 1, 6) == ED_IDEM_REPLAY, "B kept");
    CHECK(begin(idem, "t", "C", 1, 6) == ED_IDEM_REPLAY, "C kept");
    /* one answer larger than the whole bound is still kept, alone */
    char big[400];
    memset(big, 'y', sizeof big);
    ed_idem_finish(idem, "t", "A", 200, NULL, big, sizeof big, 7);
    CHECK(ed_idem_bytes(idem) == sizeof big, "%zu bytes held", ed_idem_bytes(idem));
    CHECK(begin(idem, "t", "A", 1, 8) == ED_IDEM_REPLAY, "the newest answer is kept");
    PASS();
}

static const char *const odd_keys[] = {
    "with space",
    "new\nline\r\n",
    "tab\there",
    "100%25 %zz %",
    "=starts-with-equals",
    "-",
    "",
    "caf\xc3\xa9 \xe2\x9c\x93",
    "\x01\x02\x7f\x80\xff",
    "a\\b\"c'd",
};

TEST(keys_with_odd_bytes)
{
    ed_idem *idem = fresh(WINDOW, 1000);
    size_t n = sizeof odd_keys / sizeof odd_keys[0];
    for (size_t i = 0; i < n; i++) {
        CHECK(begin(idem, "t", odd_keys[i], 1, 0) == ED_IDEM_NEW, "key %zu", i);
    }
    char long_key[5000];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    CHECK(begin(idem, "t", long_key, 1, 0) == ED_IDEM_NEW, "long key");
    for (size_t i = 0; i < n; i++) {
        char body[16];
        int len = snprintf(body, sizeof body, "body %zu", i);
        ed_idem_finish(idem, "t", odd_keys[i], 200, NULL, body, (size_t)len, 1);
    }
    for (size_t i = 0; i < n; i++) {
        char body[16];
        snprintf(body, sizeof body, "body %zu", i);
        CHECK(begin(idem, "t", odd_keys[i], 1, 2) == ED_IDEM_REPLAY, "key %zu", i);
        CHECK_STR(got_body, body);
    }
    long_key[4000] = '\0';
    CHECK(begin(idem, "t", long_key, 1, 0) == ED_IDEM_NEW, "a prefix of the long key");
    PASS();
}

TEST(save_and_load_round_trip)
{
    ed_idem *idem = fresh(100, 1000);
    const char *path = make_tmp_file();
    CHECK(path != NULL, "mkdtemp");
    size_t n = sizeof odd_keys / sizeof odd_keys[0];
    static const char body[] = "{\"decision\":\"x y\"}\0\n\r%41 \xff";
    for (size_t i = 0; i < n; i++) {
        CHECK(begin(idem, odd_keys[i], odd_keys[i], (int)i, 1000) == ED_IDEM_NEW, "%zu", i);
        ed_idem_finish(idem, odd_keys[i], odd_keys[i], 200 + (int)i,
                       i % 2 ? NULL : "Content-Type: application/json\r\n", body,
                       sizeof body - 1, 1000 + (double)i / 3);
    }
    CHECK(begin(idem, "t", "old", 1, 900) == ED_IDEM_NEW, "old");
    ed_idem_finish(idem, "t", "old", 200, NULL, "old", 3, 950);
    CHECK(begin(idem, "t", "running", 1, 1000) == ED_IDEM_NEW, "running");

    ed_buf err = {0};
    /* At 1050 "old" (finished at 950, window 100) is expired: not saved. */
    int rc = ed_idem_save(idem, path, 1050, &err);
    CHECK(rc == 0, "save: %s", err.data ? err.data : "");
    ed_buf_free(&err);

    cur2 = ed_idem_new(100, 1000);
    rc = ed_idem_load(cur2, path, 1060, &err);
    CHECK(rc == 0, "load: %s", err.data ? err.data : "");
    ed_buf_free(&err);
    CHECK(ed_idem_size(cur2) == n, "loaded %zu, want %zu", ed_idem_size(cur2), n);
    for (size_t i = 0; i < n; i++) {
        CHECK(begin(cur2, odd_keys[i], odd_keys[i], (int)i, 1060) == ED_IDEM_REPLAY, "%zu", i);
        CHECK(status == 200 + (int)i, "status %d", status);
        CHECK(got_len == sizeof body - 1 && memcmp(got_body, body, got_len) == 0, "body %zu", i);
        if (i % 2) {
            CHECK(got_headers == NULL, "headers for %zu", i);
        } else {
            CHECK_STR(got_headers, "Content-Type: application/json\r\n");
        }
        CHECK(begin(cur2, odd_keys[i], odd_keys[i], (int)i + 1, 1060) == ED_IDEM_CONFLICT,
              "hash not kept for %zu", i);
    }
    CHECK(begin(cur2, "t", "running", 1, 1060) == ED_IDEM_NEW, "in-progress entry was saved");
    /* Finish times are kept exactly: key 2, finished at 1000 + 2/3,
     * expires at exactly that + 100 after the reload too. */
    double finished2 = 1000 + (double)2 / 3;
    CHECK(begin(cur2, odd_keys[2], odd_keys[2], 2, finished2 + 100 - 1e-9) == ED_IDEM_REPLAY,
          "expired early");
    CHECK(begin(cur2, odd_keys[2], odd_keys[2], 2, finished2 + 100) == ED_IDEM_NEW,
          "not expired at the exact time");

    /* Loading past the window loads nothing; entries present win. */
    ed_idem_free(cur2);
    cur2 = ed_idem_new(100, 1000);
    CHECK(ed_idem_load(cur2, path, 1200, &err) == 0, "late load");
    CHECK(ed_idem_size(cur2) == 0, "loaded %zu expired entries", ed_idem_size(cur2));
    CHECK(begin(cur2, odd_keys[0], odd_keys[0], 7, 1010) == ED_IDEM_NEW, "live");
    CHECK(ed_idem_load(cur2, path, 1010, &err) == 0, "load over live");
    CHECK(begin(cur2, odd_keys[0], odd_keys[0], 7, 1010) == ED_IDEM_IN_PROGRESS,
          "the file replaced a live entry");
    ed_buf_free(&err);
    PASS();
}

TEST(load_respects_the_bound)
{
    ed_idem *idem = fresh(100, 100);
    const char *path = make_tmp_file();
    CHECK(path != NULL, "mkdtemp");
    char key[16];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(begin(idem, "t", key, 1, i) == ED_IDEM_NEW, "%s", key);
        ed_idem_finish(idem, "t", key, 200, NULL, key, strlen(key), i);
    }
    ed_buf err = {0};
    CHECK(ed_idem_save(idem, path, 10, &err) == 0, "save: %s", err.data ? err.data : "");
    /* Room for 4: the 4 latest of the file are kept. */
    cur2 = ed_idem_new(100, 4);
    CHECK(ed_idem_load(cur2, path, 10, &err) == 0, "load: %s", err.data ? err.data : "");
    CHECK(ed_idem_size(cur2) == 4, "size %zu", ed_idem_size(cur2));
    /* Newest first: a NEW reservation may evict the oldest finished. */
    for (int i = 9; i >= 0; i--) {
        snprintf(key, sizeof key, "k%d", i);
        ed_idem_result r = begin(cur2, "t", key, 1, 10);
        CHECK(r == (i >= 6 ? ED_IDEM_REPLAY : ED_IDEM_NEW), "%s: %d", key, (int)r);
        if (r == ED_IDEM_NEW) {
            ed_idem_abort(cur2, "t", key);
        }
    }
    /* Entries finished later than the file's are not evicted for them. */
    ed_idem_free(cur2);
    cur2 = ed_idem_new(100, 2);
    CHECK(begin(cur2, "t", "x", 1, 50) == ED_IDEM_NEW, "x");
    ed_idem_finish(cur2, "t", "x", 200, NULL, "x", 1, 50);
    CHECK(begin(cur2, "t", "y", 1, 50) == ED_IDEM_NEW, "y");
    ed_idem_finish(cur2, "t", "y", 200, NULL, "y", 1, 50);
    CHECK(ed_idem_load(cur2, path, 50, &err) == 0, "load: %s", err.data ? err.data : "");
    CHECK(begin(cur2, "t", "x", 1, 50) == ED_IDEM_REPLAY, "x evicted by older");
    CHECK(begin(cur2, "t", "y", 1, 50) == ED_IDEM_REPLAY, "y evicted by older");
    ed_buf_free(&err);
    PASS();
}

TEST(load_errors)
{
    ed_idem *idem = fresh(100, 100);
    const char *path = make_tmp_file();
    CHECK(path != NULL, "mkdtemp");
    ed_buf err = {0};
    CHECK(ed_idem_load(idem, path, 0, &err) == 0 && err.len == 0, "missing file");

    write_text(path, "something else\n");
    CHECK(ed_idem_load(idem, path, 0, &err) == -1, "bad magic accepted");
    CHECK(strstr(err.data, ":1: not an edict idempotency file") != NULL, "%s", err.data);

    static const char *const bad[] = {
        "1 200 0000000000000000000000000000000000000000000000000000000000000000 =t =k - =b extra\n",
        "1 200 0000000000000000000000000000000000000000000000000000000000000000 =t =k -\n",
        "x 200 0000000000000000000000000000000000000000000000000000000000000000 =t =k - =b\n",
        "1 20 0000000000000000000000000000000000000000000000000000000000000000 =t =k - =b\n",
        "1 200 00 =t =k - =b\n",
        "1 200 0000000000000000000000000000000000000000000000000000000000000000 t =k - =b\n",
        "1 200 0000000000000000000000000000000000000000000000000000000000000000 =t =k%2 - =b\n",
        "1 200 0000000000000000000000000000000000000000000000000000000000000000 =t =k%00 - =b\n",
        "1 200 0000000000000000000000000000000000000000000000000000000000000000 =t =k - =b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "edict-idempotency 1\n"
                 "1 200 1111111111111111111111111111111111111111111111111111111111111111 "
                 "=t =good - =%%7B%%7D\n%s",
                 bad[i]);
        write_text(path, text);
        ed_buf_reset(&err);
        ed_idem *fresh_one = ed_idem_new(100, 100);
        int rc = ed_idem_load(fresh_one, path, 0, &err);
        size_t size = ed_idem_size(fresh_one);
        ed_idem_result r = ed_idem_begin(fresh_one, "t", "good", sha(0x11), 0, NULL, NULL,
                                         NULL, NULL);
        ed_idem_free(fresh_one);
        CHECK(rc == -1, "bad line %zu accepted", i);
        CHECK(strstr(err.data, ":3: ") != NULL, "line %zu: %s", i, err.data);
        CHECK(size == 1 && r == ED_IDEM_REPLAY, "line %zu: the good line before was lost", i);
    }
    ed_buf_free(&err);

    /* A file that cannot be written: the error names it. */
    CHECK(ed_idem_save(idem, "/nonexistent-dir/idem.txt", 0, &err) == -1, "saved nowhere");
    CHECK(strstr(err.data, "/nonexistent-dir/idem.txt.tmp: ") != NULL, "%s", err.data);
    ed_buf_free(&err);
    PASS();
}

typedef struct {
    ed_idem *idem;
    int results[4];
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    unsigned char hash[32]; /* not sha(): its buffers are shared */
    memset(hash, 1, sizeof hash);
    for (int i = 0; i < 2000; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        ed_idem_result res = ed_idem_begin(r->idem, "t", key, hash, 0, NULL, NULL, NULL, NULL);
        r->results[res]++;
        if (res == ED_IDEM_NEW) {
            ed_idem_finish(r->idem, "t", key, 200, NULL, "done", 4, 0);
        }
    }
    return NULL;
}

TEST(one_winner_among_threads)
{
    ed_idem *idem = fresh(WINDOW, 0);
    pthread_t th[4];
    racer r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (racer){idem, {0}};
        CHECK(pthread_create(&th[i], NULL, race, &r[i]) == 0, "pthread_create");
    }
    int totals[4] = {0};
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        for (int j = 0; j < 4; j++) {
            totals[j] += r[i].results[j];
        }
    }
    CHECK(totals[ED_IDEM_NEW] == 2000, "%d NEW for 2000 keys", totals[ED_IDEM_NEW]);
    CHECK(totals[ED_IDEM_CONFLICT] == 0, "%d conflicts", totals[ED_IDEM_CONFLICT]);
    CHECK(totals[ED_IDEM_REPLAY] + totals[ED_IDEM_IN_PROGRESS] == 6000, "others");
    PASS();
}

TEST(bad_arguments)
{
    CHECK(ed_idem_new(0, 10) == NULL, "window 0");
    CHECK(ed_idem_new(-1, 10) == NULL, "negative window");
    CHECK(ed_idem_new(INFINITY, 10) == NULL, "infinite window");
    ed_idem *idem = fresh(WINDOW, 10);
    CHECK(begin(idem, NULL, "k", 1, 0) == ED_IDEM_NEW, "NULL tenant");
    CHECK(begin(idem, "t", NULL, 1, 0) == ED_IDEM_NEW, "NULL key");
    CHECK(ed_idem_begin(idem, "t", "k", NULL, 0, NULL, NULL, NULL, NULL) == ED_IDEM_NEW,
          "NULL hash");
    CHECK(ed_idem_size(idem) == 0, "an invalid begin reserved something");
    ed_idem_finish(idem, NULL, "k", 200, NULL, "x", 1, 0);
    ed_idem_abort(idem, "t", NULL);
    ed_idem_free(NULL);
    PASS();
}

ED_TEST_MAIN(T(replay_returns_exact_bytes), T(conflict_on_another_body),
             T(in_progress_then_finish), T(abort_forgets_the_reservation),
             T(expiry_at_exactly_the_window), T(tenants_are_separate), T(eviction_order),
             T(in_progress_is_never_evicted), T(bounded_by_bytes_too), T(keys_with_odd_bytes),
             T(save_and_load_round_trip), T(load_respects_the_bound), T(load_errors),
             T(one_winner_among_threads), T(bad_arguments))
