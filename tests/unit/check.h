/*
 * check.h — the tiny harness of edict's C unit tests.
 *
 * Each tests/unit/test_<module>.c defines test functions and lists them in
 * ED_TESTS; every test prints "ok - name" or "FAIL - name: file:line: what"
 * and the program ends with "N passed, N failed" (tests/run.sh adds the
 * counts of every suite). A CHECK that fails ends its test, not the program.
 */
#ifndef EDICT_CHECK_H
#define EDICT_CHECK_H

#include <stdio.h>
#include <string.h>

typedef struct ed_test_case {
    const char *name;
    int (*fn)(char *why, size_t len); /* 0 = pass; fills why on failure */
} ed_test_case;

#define TEST(name) static int name(char *why_, size_t why_len_)

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            int n_ = snprintf(why_, why_len_, "%s:%d: ", __FILE__, __LINE__); \
            if (n_ > 0 && (size_t)n_ < why_len_) {                         \
                snprintf(why_ + n_, why_len_ - (size_t)n_, __VA_ARGS__);    \
            }                                                              \
            return 1;                                                      \
        }                                                                  \
    } while (0)

#define CHECK_STR(got, want)                                               \
    do {                                                                   \
        const char *got_ = (got), *want_ = (want);                         \
        CHECK(got_ != NULL && strcmp(got_, want_) == 0,                    \
              "expected \"%s\", got \"%s\"", want_, got_ ? got_ : "(null)"); \
    } while (0)

/* What the ok/FAIL lines put before a test's name: a suite that runs its
 * tests more than once (test_store.c: once per store) says which run. */
#ifndef ED_TEST_PREFIX
#define ED_TEST_PREFIX ""
#endif

#define PASS() do { (void)why_; (void)why_len_; return 0; } while (0)

#define ED_TEST_MAIN(...)                                                  \
    int main(int argc, char **argv)                                        \
    {                                                                      \
        static const ed_test_case cases[] = {__VA_ARGS__};                 \
        int passed = 0, failed = 0;                                        \
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {     \
            char why[2048] = "";                                           \
            if (argc > 1 && strstr(cases[i].name, argv[1]) == NULL)        \
                continue;                                                  \
            if (cases[i].fn(why, sizeof why) == 0) {                       \
                printf("ok - %s%s\n", ED_TEST_PREFIX, cases[i].name);                        \
                passed++;                                                  \
            } else {                                                       \
                printf("FAIL - %s%s: %s\n", ED_TEST_PREFIX, cases[i].name, why);             \
                failed++;                                                  \
            }                                                              \
        }                                                                  \
        printf("%d passed, %d failed\n", passed, failed);                  \
        return failed != 0;                                                \
    }

#define T(fn) {#fn, fn}

#endif
