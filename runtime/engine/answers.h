/*
 * answers.h — Metrc answers from a table (answers.c): the ed_lookup_fn
 * (context.h) that answers rules' edict.metrc calls from answers given
 * beforehand, never from Metrc. Replay answers from the answers a
 * decision recorded ("metrc_answers"), `edict test` from a fixture's
 * `metrc` stubs: both through this one function.
 */
#ifndef EDICT_ANSWERS_H
#define EDICT_ANSWERS_H

#include <lua.h>
#include <stddef.h>

#include "util/buf.h"

typedef struct ed_answers ed_answers;

/* An empty table; `source` says where its answers come from, in the
 * message of a question it cannot answer ("<source> no answer to GET …
 * for licence …": "the decision records", "the fixture's metrc has").
 * MUST BE FREED with ed_answers_free. */
ed_answers *ed_answers_new(const char *source);
void ed_answers_free(ed_answers *a);

/* Add an answer to GET path for license (NULL: any licence). With
 * prefix, it answers every path that starts with path. status >= 0 with
 * body (len bytes, copied), or status -1 with message (copied): no answer
 * came, and why. */
void ed_answers_add(ed_answers *a, const char *license, const char *path, int prefix,
                    int status, const char *body, size_t len, const char *message);

/* Questions no answer matches get "no answer" with this message (copied)
 * instead of "<source> no answer to GET …". NULL: that again. */
void ed_answers_fallback(ed_answers *a, const char *message);

/* Add the answers of the list at idx of L, each as a decision records
 * them: {license =, path =, status =, body =} or {license =, path =,
 * message =}. Reads with raw access only (no metamethod runs) and never
 * raises. 0, or -1 with what is wrong (where, as "[N].field: ...") in err. */
int ed_answers_add_list(ed_answers *a, lua_State *L, int idx, ed_buf *err);

/* The ed_lookup_fn: arg is an ed_answers. Answers each question with the
 * first unused answer that matches it (license and path), else the last
 * used one that matches (the same question asked again), else the
 * fallback. Never waits. */
int ed_answers_lookup(void *arg, const char *tenant, const char *license, const char *path,
                      double timeout_s, ed_buf *body, ed_buf *err);

/* The first question since ed_answers_rewind that nothing matched ("GET
 * <path> for licence <license>"), or NULL. */
const char *ed_answers_missed(const ed_answers *a);

/* Mark every answer unused and forget the missed question (before each
 * evaluation the table answers). */
void ed_answers_rewind(ed_answers *a);

#endif
