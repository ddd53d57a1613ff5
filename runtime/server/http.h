/*
 * http.h — one HTTP request as the endpoints see it, and the response
 * they fill in: what passes between the connection layer (server.c) and
 * the endpoints (api.c).
 */
#ifndef EDICT_HTTP_H
#define EDICT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct ed_api_pending ed_api_pending;

typedef struct ed_request {
    const char *method;
    const char *path;         /* without the query */
    const char *query;        /* after '?', or "" */
    const char *authorization;
    const char *idempotency_key;
    const char *content_type;
    const char *signature;    /* X-Edict-Signature */
    const char *timestamp;    /* X-Edict-Timestamp */
    const char *body;
    size_t body_len;
    const char *request_id;
    /* the connection layer can hold the answer until the store's commit
     * covers it (ed_response.commit): the endpoint then does not wait in
     * the commit itself */
    int may_defer_commit;
} ed_request;

typedef struct ed_response {
    int status;
    ed_buf body;
    ed_buf headers;           /* extra "Name: value\r\n" lines */
    const char *content_type; /* default application/json */
    char route[48];           /* the route template, for metrics */
    char tenant[136];         /* for the log line, when known */
    /* nonzero (only when the request allowed it): the answer carries
     * decisions not yet durable; it may be sent only once
     * ed_api_commit(commit) returns 0, and becomes ed_api_not_journaled
     * otherwise */
    uint64_t commit;
    /* not answered yet (api.h, ed_api_handle): a rule waits for Metrc
     * (pending), or every lane of the worker is held (busy) */
    struct ed_api_pending *pending;
    int busy;
} ed_response;

#endif
