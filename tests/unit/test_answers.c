/*
 * test_answers.c — unit tests of runtime/engine/answers.c, the table of
 * Metrc answers replay and fixtures answer edict.metrc from: answers are
 * given in the order recorded (the same question twice gets the next
 * answer, then the last again), by licence (or any) and by path (exact or
 * a prefix); a question nothing answers gets the fallback or "<source> no
 * answer to GET …" and is remembered; a decision's recorded list is read
 * with its bytes exact, and a malformed one is refused saying where.
 */
#include "check.h"
#include "engine/answers.h"
#include "engine/json.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>

/* Ask a: status, with the body or the message in text. */
static int ask(ed_answers *a, const char *license, const char *path, ed_buf *text)
{
    ed_buf body = {0}, err = {0};
    int status = ed_answers_lookup(a, "acme", license, path, 5.0, &body, &err);
    ed_buf_reset(text);
    ed_buf_puts(text, status < 0 ? (err.data ? err.data : "") : (body.data ? body.data : ""));
    ed_buf_free(&body);
    ed_buf_free(&err);
    return status;
}

TEST(in_order_then_the_last_again)
{
    ed_answers *a = ed_answers_new("the decision records");
    ed_answers_add(a, "L1", "/tags/v2/package/available?licenseNumber=L1", 0, 200, "[1]", 3,
                   NULL);
    ed_answers_add(a, "L1", "/tags/v2/package/available?licenseNumber=L1", 0, -1, NULL, 0,
                   "timed out");
    ed_buf t = {0};
    int s1 = ask(a, "L1", "/tags/v2/package/available?licenseNumber=L1", &t);
    CHECK(s1 == 200 && strcmp(t.data, "[1]") == 0, "first: %d %s", s1, t.data);
    int s2 = ask(a, "L1", "/tags/v2/package/available?licenseNumber=L1", &t);
    CHECK(s2 == -1 && strcmp(t.data, "timed out") == 0, "second: %d %s", s2, t.data);
    int s3 = ask(a, "L1", "/tags/v2/package/available?licenseNumber=L1", &t);
    CHECK(s3 == -1 && strcmp(t.data, "timed out") == 0, "third, the last again: %d %s", s3,
          t.data);
    CHECK(ed_answers_missed(a) == NULL, "nothing missed");
    ed_answers_rewind(a);
    s1 = ask(a, "L1", "/tags/v2/package/available?licenseNumber=L1", &t);
    CHECK(s1 == 200, "rewound: the first again (%d)", s1);
    ed_buf_free(&t);
    ed_answers_free(a);
    PASS();
}

TEST(licence_and_prefix)
{
    ed_answers *a = ed_answers_new("the fixture's metrc has");
    ed_answers_add(a, "L1", "/facilities/v2/", 0, 200, "[]", 2, NULL);
    ed_answers_add(a, NULL, "/packages/v2/P1?", 1, 404, NULL, 0, NULL);
    ed_buf t = {0};
    CHECK(ask(a, "L1", "/facilities/v2/", &t) == 200, "licence L1's facilities");
    int s = ask(a, "L2", "/facilities/v2/", &t);
    CHECK(s == -1, "another licence's: not answered (%d)", s);
    CHECK_STR(t.data, "the fixture's metrc has no answer to GET /facilities/v2/ for licence L2");
    CHECK_STR(ed_answers_missed(a), "GET /facilities/v2/ for licence L2");
    CHECK(ask(a, "L7", "/packages/v2/P1?licenseNumber=L7", &t) == 404, "prefix, any licence");
    CHECK(ask(a, "L7", "/packages/v2/P10?licenseNumber=L7", &t) == -1, "P10 is not P1");
    CHECK_STR(ed_answers_missed(a), "GET /facilities/v2/ for licence L2");
    ed_answers_fallback(a, "Metrc is down");
    CHECK(ask(a, "L7", "/plants/v2/X?licenseNumber=L7", &t) == -1, "fallback");
    CHECK_STR(t.data, "Metrc is down");
    ed_buf_free(&t);
    ed_answers_free(a);
    PASS();
}

TEST(a_decisions_list_exact_bytes)
{
    lua_State *L = ed_json_host_state();
    CHECK(L != NULL, "a host state");
    static const char rec[] =
        "[{\"license\":\"L1\",\"path\":\"/packages/v2/P?licenseNumber=L1\",\"status\":200,"
        "\"body\":\"{\\\"Label\\\": \\\"P\\\",\\n \\\"Name\\\":\\\"caf\\u00e9 \\\\/\\\"}\"},"
        "{\"license\":\"L1\",\"path\":\"/tags/v2/plant/available?licenseNumber=L1\","
        "\"message\":\"no Metrc keys are configured\"}]";
    ed_buf err = {0};
    CHECK(ed_json_decode(L, rec, sizeof rec - 1, &err) == 0, "decode: %s", err.data);
    ed_answers *a = ed_answers_new("the decision records");
    CHECK(ed_answers_add_list(a, L, -1, &err) == 0, "read: %s", err.data);
    ed_buf t = {0};
    CHECK(ask(a, "L1", "/packages/v2/P?licenseNumber=L1", &t) == 200, "the package");
    CHECK_STR(t.data, "{\"Label\": \"P\",\n \"Name\":\"caf\xc3\xa9 \\/\"}");
    CHECK(ask(a, "L1", "/tags/v2/plant/available?licenseNumber=L1", &t) == -1, "no answer");
    CHECK_STR(t.data, "no Metrc keys are configured");
    ed_answers_free(a);
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"\"x\"", ": a list of answers, not string"},
        {"[1]", "[1]: an answer is a table"},
        {"[{\"path\":\"/x\",\"status\":200}]", "[1].license: the licence number (text)"},
        {"[{\"license\":\"L\",\"path\":\"x\",\"status\":200}]", "[1].path: the path asked"},
        {"[{\"license\":\"L\",\"path\":\"/x\",\"status\":99}]", "[1].status: an HTTP status"},
        {"[{\"license\":\"L\",\"path\":\"/x\",\"status\":2.5}]", "[1].status: an HTTP status"},
        {"[{\"license\":\"L\",\"path\":\"/x\"}]", "[1].status or message"},
        {"[{\"license\":\"L\",\"path\":\"/x\",\"status\":200,\"message\":\"m\"}]",
         "[1].message: an answer with a status has no message"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lua_settop(L, 0);
        ed_buf_reset(&err);
        CHECK(ed_json_decode(L, bad[i].json, strlen(bad[i].json), &err) == 0, "decode %zu", i);
        ed_answers *b = ed_answers_new(NULL);
        ed_buf_reset(&err);
        int rc = ed_answers_add_list(b, L, -1, &err);
        ed_answers_free(b);
        CHECK(rc == -1 && err.data && strstr(err.data, bad[i].why) != NULL,
              "%s: expected an error with \"%s\", got %d \"%s\"", bad[i].json, bad[i].why, rc,
              err.data ? err.data : "");
    }
    ed_buf_free(&t);
    ed_buf_free(&err);
    lua_close(L);
    PASS();
}

ED_TEST_MAIN(T(in_order_then_the_last_again), T(licence_and_prefix),
             T(a_decisions_list_exact_bytes))
