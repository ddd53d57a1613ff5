/*
 * server.c — `edict serve`: the listening socket, the worker threads and
 * their libev loops, HTTP/1.1 connections parsed by http-parser
 * (keep-alive, pipelining, size and time limits), the pack-folder
 * watchers and SIGHUP that trigger reloads, and graceful shutdown.
 * What each endpoint does is api.c's.
 */
#define _GNU_SOURCE /* accept4, memmem */
#define server_c

#include "server.h"

#include "api.h"
#include "jobs.h"
#include "adapters/metrc/metrc.h"
#include "log.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <http_parser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


#define READ_CHUNK 16384
#define MAX_URL 8192
#define MAX_HEADER_VALUE 8192
/* Past this much unsent output a connection's pipelined requests wait:
 * parsing stops (the rest of what was read is kept) until the client has
 * read, so a client that sends and never reads costs at most this plus one
 * response, however cheap its requests are to send; all clients together,
 * max_connections of them, at most 1024 × (64 KiB + a /metrics answer),
 * about 100 MiB at the defaults, whether or not they hold a token. Still
 * enough to keep a pipelining client's socket full. */
#define OUT_HIGH_WATER ((size_t)64 << 10)

/* What the workers share (api.h) and what only the connection layer
 * needs. */
typedef struct ed_worker ed_worker;
typedef struct ed_conn ed_conn;

typedef struct ed_server {
    ed_service svc;
    int listen_fd;
    int port;                 /* bound */
    ed_worker *workers;
    int n_workers;
    struct ev_loop *main_loop;
    ev_timer debounce;        /* pack folders changed: reload after a pause */
    ev_stat *stats;
    size_t n_stats;
    ev_timer jobs;            /* scheduled work on a shared store */
    ed_store_listener *listener; /* published packs (NULL: the file store) */
    ev_io listen_io;          /* its socket, while it is up */
    int listen_io_fd;
    ev_timer packs_poll;      /* and a poll, for what a notification missed */
    long long published_seen;
    char holder[200];         /* this node, as the jobs and leases name it */
    ed_metrc_lookups *lookups; /* rules' edict.metrc GETs (NULL: none) */
} ed_server;

struct ed_worker {
    ed_server *srv;
    ed_api_worker api;        /* its decider: its own Lua states */
    int index;
    struct ev_loop *loop;
    pthread_t thread;
    ev_io accept_watcher;
    ev_async wake;            /* a reload happened, or shutdown began */
    ev_timer grace;           /* shutdown: the in-flight requests' time */
    ed_conn *conns;           /* open connections, a list */
    int n_conns;
    unsigned long requests;   /* for request ids */
    int draining;
    /* Answers waiting for their commit ("Durability" in ARCHITECTURE.md):
     * the loop parks a connection whose answer carries decisions and
     * serves the others; the committer thread commits the parked answers
     * in the order they came (one group commit for all of them, shared
     * with the other workers') and wakes the loop (`committed`), which
     * answers them. Under cmu: todo (parked, for the committer), done
     * (committed or failed, for the loop), stop. */
    pthread_t committer;
    int committer_started;
    pthread_mutex_t cmu;
    pthread_cond_t ccv;
    ed_conn *todo, *todo_tail, *done, *done_tail;
    int stop;
    int committer_idle;       /* waiting for todo: signal it */
    ev_async committed;
    /* requests that decide events, waiting for a lane (every one held by
     * an evaluation that waits for Metrc), in the order they came */
    ed_conn *lane_wait, *lane_wait_tail;
};

/* ------------------------------------------------------------------ */
/* Connections                                                           */
/* ------------------------------------------------------------------ */

enum conn_phase { PHASE_HEADERS, PHASE_BODY, PHASE_IDLE };

struct ed_conn {
    ed_worker *w;
    int fd;
    ev_io rio, wio;
    ev_timer timer;
    http_parser parser;
    enum conn_phase phase;
    int in_message;        /* a request has begun and is not complete */
    /* the request being read */
    ed_buf url, body;
    ed_buf field, value;   /* the header being read (in pieces) */
    int value_seen;
    char *authorization, *idempotency_key, *content_type, *signature,
        *timestamp, *request_id;
    int too_large;         /* body over the limit: answer 413 */
    /* a request whose body is streamed to the endpoint (ed_api_streams):
     * upload is NULL when begin already answered (then in stream_res) */
    int streaming;
    ed_api_upload *upload;
    ed_response stream_res;
    double started;
    /* responses waiting to be written, in order */
    ed_buf out;
    size_t out_off;
    int close_after;       /* close once out is written */
    int held;              /* parsing paused at OUT_HIGH_WATER */
    ed_buf in_rest;        /* what was read and not parsed while held */
    /* an answer waiting for the commit of its decisions (res.commit):
     * nothing more is read or parsed meanwhile, so answers stay in order;
     * the committer thread writes commit_rc and commit_err only */
    int parked;
    int gone;              /* closed meanwhile: freed once committed */
    ed_response parked_res;
    char parked_rid[64];
    const char *parked_method;
    char *parked_path;
    double parked_t0;
    int commit_rc;
    ed_buf commit_err;
    ed_conn *commit_next;
    /* an evaluation waiting for a rule's Metrc GET, made on this loop
     * (fetch in flight); or a request waiting for a lane (in
     * w->lane_wait): as parked, nothing more is read or parsed meanwhile */
    ed_api_pending *pending;
    ed_metrc_call *fetch;
    ed_response pending_res;
    char *pending_path;
    int waiting;
    ed_conn *wait_next;
    ed_conn *next, *prev;
};

/* The answer is not written yet: hold the connection's next requests. */
static int conn_busy(const ed_conn *c)
{
    return c->parked || c->pending != NULL || c->waiting;
}

static http_parser_settings parser_settings;

static void conn_reset_request(ed_conn *c)
{
    ed_buf_reset(&c->url);
    ed_buf_reset(&c->body);
    ed_buf_reset(&c->field);
    ed_buf_reset(&c->value);
    c->value_seen = 0;
    char **hs[] = {&c->authorization, &c->idempotency_key, &c->content_type,
                   &c->signature, &c->timestamp, &c->request_id};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        free(*hs[i]);
        *hs[i] = NULL;
    }
    c->too_large = 0;
    /* an upload not finished (the connection went, or a new request
     * began) keeps nothing */
    ed_api_upload_abort(c->upload);
    c->upload = NULL;
    if (c->streaming) {
        ed_buf_free(&c->stream_res.body);
        ed_buf_free(&c->stream_res.headers);
        c->streaming = 0;
    }
}

static void conn_close(ed_conn *c)
{
    ed_worker *w = c->w;
    ev_io_stop(w->loop, &c->rio);
    ev_io_stop(w->loop, &c->wio);
    ev_timer_stop(w->loop, &c->timer);
    if (c->parked || c->pending) {
        /* the committer or the evaluation still has it: freed when its
         * commit returns, or its evaluation ends */
        c->gone = 1;
        return;
    }
    if (c->waiting) {
        ed_conn **p = &w->lane_wait;
        ed_conn *before = NULL;
        while (*p != c) {
            before = *p;
            p = &(*p)->wait_next;
        }
        *p = c->wait_next;
        if (w->lane_wait_tail == c) {
            w->lane_wait_tail = before;
        }
        c->waiting = 0;
    }
    close(c->fd);
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        w->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    w->n_conns--;
    atomic_fetch_sub(&w->srv->svc.connections, 1);
    conn_reset_request(c);
    ed_buf_free(&c->url);
    ed_buf_free(&c->body);
    ed_buf_free(&c->field);
    ed_buf_free(&c->value);
    ed_buf_free(&c->out);
    ed_buf_free(&c->in_rest);
    free(c);
    if (w->draining && w->n_conns == 0) {
        ev_break(w->loop, EVBREAK_ONE);
    }
}

static void conn_timer_set(ed_conn *c, double seconds)
{
    ev_timer_stop(c->w->loop, &c->timer);
    ev_timer_set(&c->timer, seconds, 0);
    ev_timer_start(c->w->loop, &c->timer);
}

static int feed(ed_conn *c, const char *data, size_t n);

/* Write what is pending. Returns 0, or -1 when the connection was closed. */
static int conn_flush(ed_conn *c)
{
    while (c->out_off < c->out.len) {
        ssize_t n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ev_io_start(c->w->loop, &c->wio);
                /* stop reading until the client reads: backpressure, and
                 * pipelined answers stay in order */
                ev_io_stop(c->w->loop, &c->rio);
                return 0;
            }
            conn_close(c);
            return -1;
        }
        c->out_off += (size_t)n;
    }
    ed_buf_reset(&c->out);
    c->out_off = 0;
    ev_io_stop(c->w->loop, &c->wio);
    if (conn_busy(c)) {
        return 0; /* the rest waits for the answer in the making */
    }
    if (c->close_after || (c->w->draining && !c->in_message)) {
        conn_close(c);
        return -1;
    }
    if (c->held) {
        /* the client has read what was waiting: parse on */
        c->held = 0;
        http_parser_pause(&c->parser, 0);
        ed_buf rest = c->in_rest;
        memset(&c->in_rest, 0, sizeof c->in_rest);
        /* nothing kept: no feed (a parse of 0 bytes means end of input) */
        int rc = rest.len ? feed(c, rest.data, rest.len) : 0;
        ed_buf_free(&rest);
        if (rc == 0 && !c->held && !c->close_after && c->out.len == 0) {
            /* feed stopped reading while held: the next request may be
             * still to come */
            ev_io_start(c->w->loop, &c->rio);
        }
        return rc;
    }
    ev_io_start(c->w->loop, &c->rio);
    return 0;
}

static const char *status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* Queue a response. */
static void conn_respond(ed_conn *c, ed_response *res, const char *request_id)
{
    ed_buf *o = &c->out;
    ed_buf_printf(o, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                  "X-Request-Id: %s\r\n",
                  res->status, status_text(res->status),
                  res->content_type ? res->content_type : "application/json",
                  res->body.len, request_id);
    if (res->headers.len) {
        ed_buf_append(o, res->headers.data, res->headers.len);
    }
    if (c->close_after) {
        ed_buf_puts(o, "Connection: close\r\n");
    }
    ed_buf_puts(o, "\r\n");
    if (res->body.len) {
        ed_buf_append(o, res->body.data, res->body.len);
    }
}

static void make_request_id(ed_worker *w, char out[64])
{
    snprintf(out, 64, "%s-%d-%lu", w->srv->svc.instance, w->index, ++w->requests);
}

static int sane_request_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) {
        return 0;
    }
    for (; *s; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.')) {
            return 0;
        }
    }
    return 1;
}

static void log_request(const char *rid, const char *method, const char *path,
                        const ed_response *res, double ms)
{
    ed_buf x = {0};
    ed_buf_puts(&x, ",\"request_id\":");
    ed_json_escape(&x, rid, strlen(rid));
    ed_buf_printf(&x, ",\"method\":\"%s\",\"path\":", method);
    ed_json_escape(&x, path, strlen(path));
    ed_buf_printf(&x, ",\"status\":%d,\"ms\":%.3f", res->status, ms);
    if (res->tenant[0]) {
        ed_buf_puts(&x, ",\"tenant\":");
        ed_json_escape(&x, res->tenant, strlen(res->tenant));
    }
    ed_log("info", "request", x.data);
    ed_buf_free(&x);
}

static void count_request(ed_worker *w, const ed_response *res, double seconds)
{
    ed_buf labels = {0};
    ed_buf_puts(&labels, "route=\"");
    ed_metrics_label_escape(res->route[0] ? res->route : "other", &labels);
    ed_buf_printf(&labels, "\",status=\"%d\"", res->status);
    ed_metrics_inc(w->srv->svc.metrics, "edict_http_requests_total", labels.data, 1);
    ed_buf_reset(&labels);
    ed_buf_puts(&labels, "route=\"");
    ed_metrics_label_escape(res->route[0] ? res->route : "other", &labels);
    ed_buf_putc(&labels, '"');
    ed_metrics_observe(w->srv->svc.metrics, "edict_http_request_seconds", labels.data, seconds);
    ed_buf_free(&labels);
}

/* Answer a request the parser could not take (400, 408, 413, 431) and
 * close. */
static void conn_fail(ed_conn *c, int status, const char *code, const char *message)
{
    ed_response res;
    memset(&res, 0, sizeof res);
    snprintf(res.route, sizeof res.route, "(protocol)");
    ed_api_error(&res, status, code, message);
    char rid[64];
    make_request_id(c->w, rid);
    c->close_after = 1;
    conn_respond(c, &res, rid);
    count_request(c->w, &res, 0);
    log_request(rid, "-", c->url.len ? c->url.data : "-", &res, 0);
    ed_buf_free(&res.body);
    ed_buf_free(&res.headers);
    ev_io_stop(c->w->loop, &c->rio);
    conn_flush(c);
}

/* Hand c's answer (its decisions not yet durable) to the committer. */
static void park(ed_conn *c, ed_response *res, const char *rid, const char *method,
                 const char *path, double t0)
{
    ed_worker *w = c->w;
    c->parked = 1;
    c->parked_res = *res;
    memset(res, 0, sizeof *res);
    snprintf(c->parked_rid, sizeof c->parked_rid, "%s", rid);
    c->parked_method = method;
    c->parked_path = ed_strdup(path);
    c->parked_t0 = t0;
    c->commit_rc = 0;
    c->commit_next = NULL;
    ev_timer_stop(w->loop, &c->timer);
    pthread_mutex_lock(&w->cmu);
    if (w->todo_tail) {
        w->todo_tail->commit_next = c;
    } else {
        w->todo = c;
    }
    w->todo_tail = c;
    /* a committer at work takes this one when it looks again: no wake */
    int wake = w->committer_idle;
    pthread_mutex_unlock(&w->cmu);
    if (wake) {
        pthread_cond_signal(&w->ccv); /* outside the lock: it wakes to take it */
    }
}

static void fetch_next(ed_conn *c);
static void respond_or_park(ed_conn *c, ed_response *res_in, const char *rid,
                            const char *method, const char *path, double t0);

static void dispatch(ed_conn *c)
{
    ed_worker *w = c->w;
    char rid[64];
    if (c->request_id && sane_request_id(c->request_id)) {
        snprintf(rid, sizeof rid, "%.63s", c->request_id);
    } else {
        make_request_id(w, rid);
    }
    ed_buf_putc(&c->url, '\0');
    c->url.len--;
    char *url = c->url.data ? c->url.data : "";
    char *q = strchr(url, '?');
    const char *query = "";
    if (q) {
        *q = '\0';
        query = q + 1;
    }
    ed_request req = {
        .method = http_method_str((enum http_method)c->parser.method),
        .path = url,
        .query = query,
        .authorization = c->authorization,
        .idempotency_key = c->idempotency_key,
        .content_type = c->content_type,
        .signature = c->signature,
        .timestamp = c->timestamp,
        .body = c->body.data ? c->body.data : "",
        .body_len = c->body.len,
        .request_id = rid,
    };
    ed_response res;
    memset(&res, 0, sizeof res);
    double t0 = ed_now_mono();
    if (c->streaming) {
        /* the body went to the endpoint as it came (on_body) */
        res = c->stream_res;
        memset(&c->stream_res, 0, sizeof c->stream_res);
        c->streaming = 0;
        if (c->upload) {
            ed_api_upload_end(c->upload, &res);
            c->upload = NULL;
        }
    } else {
        req.may_defer_commit = 1;
        ed_api_handle(&w->api, &req, &res);
    }
    if (res.busy) {
        /* every lane waits for Metrc: this one waits its turn, whole */
        ed_metrics_inc(w->srv->svc.metrics, "edict_lane_waits_total", "", 1);
        if (q) {
            *q = '?';
        }
        ed_buf_free(&res.body);
        ed_buf_free(&res.headers);
        ev_timer_stop(w->loop, &c->timer);
        c->waiting = 1;
        c->wait_next = NULL;
        if (w->lane_wait_tail) {
            w->lane_wait_tail->wait_next = c;
        } else {
            w->lane_wait = c;
        }
        w->lane_wait_tail = c;
        return;
    }
    if (!http_should_keep_alive(&c->parser) || w->draining) {
        c->close_after = 1;
    }
    if (res.pending != NULL) {
        /* a rule asks Metrc: the GET is made on this loop, which serves
         * the other connections meanwhile */
        ed_metrics_inc(w->srv->svc.metrics, "edict_metrc_waits_total", "", 1);
        c->pending = res.pending;
        c->pending_res = res;
        snprintf(c->parked_rid, sizeof c->parked_rid, "%s", rid);
        c->parked_method = req.method;
        c->pending_path = ed_strdup(req.path);
        c->parked_t0 = t0;
        ev_timer_stop(w->loop, &c->timer);
        fetch_next(c);
        return;
    }
    respond_or_park(c, &res, rid, req.method, req.path, t0);
}

/* An answer made: to the committer first when it carries decisions, else
 * sent. */
static void respond_or_park(ed_conn *c, ed_response *res_in, const char *rid,
                            const char *method, const char *path, double t0)
{
    ed_worker *w = c->w;
    ed_response res = *res_in;
    memset(res_in, 0, sizeof *res_in);
    if (res.commit != 0) {
        park(c, &res, rid, method, path, t0);
        return;
    }
    double took = ed_now_mono() - t0;
    conn_respond(c, &res, rid);
    count_request(w, &res, took);
    log_request(rid, method, path, &res, took * 1000);
    ed_buf_free(&res.body);
    ed_buf_free(&res.headers);
}

/* --- evaluations waiting for Metrc, requests waiting for a lane ------ */

/* An answer made outside the parser's callbacks (a commit returned, an
 * evaluation resumed, a lane given): write what is queued, which parses
 * the requests held behind it, and once none is in the making the
 * connection idles. */
static void conn_answered(ed_conn *c)
{
    if (!conn_busy(c) && conn_flush(c) == 0 && !conn_busy(c) && c->phase == PHASE_IDLE &&
        !c->in_message) {
        conn_timer_set(c, c->w->srv->svc.cfg->idle_timeout_s);
    }
}

/* Hand each waiting request a lane, in the order they came, while one is
 * free. */
static void run_waiting(ed_worker *w)
{
    while (w->lane_wait != NULL && ed_api_lane_free(&w->api)) {
        ed_conn *c = w->lane_wait;
        w->lane_wait = c->wait_next;
        if (w->lane_wait == NULL) {
            w->lane_wait_tail = NULL;
        }
        c->waiting = 0;
        c->wait_next = NULL;
        dispatch(c);
        conn_answered(c);
    }
}

/* The evaluation ended: its answer goes as any other (to the committer
 * first when it carries decisions, which happens even when the client
 * went: they are journaled), then the next waiting request has the lane. */
static void pending_done(ed_conn *c)
{
    ed_worker *w = c->w;
    char *path = c->pending_path;
    c->pending = NULL;
    c->pending_path = NULL;
    if (c->gone && c->pending_res.commit == 0) {
        ed_buf_free(&c->pending_res.body);
        ed_buf_free(&c->pending_res.headers);
        memset(&c->pending_res, 0, sizeof c->pending_res);
        free(path);
        conn_close(c);
    } else {
        respond_or_park(c, &c->pending_res, c->parked_rid, c->parked_method, path,
                        c->parked_t0);
        free(path);
        conn_answered(c);
    }
    run_waiting(w);
}

static void on_fetched(void *arg, int status, const char *body, size_t len, const char *err)
{
    ed_conn *c = arg;
    c->fetch = NULL;
    if (ed_api_resume(c->pending, status, body, len, err, &c->pending_res) != 0) {
        fetch_next(c);
    } else {
        pending_done(c);
    }
}

/* Ask Metrc what the evaluation waits for: on this loop (on_fetched), or
 * answered at once (the cache, no keys), and so on until it waits for a
 * GET in flight or ends. */
static void fetch_next(ed_conn *c)
{
    ed_server *srv = c->w->srv;
    for (;;) {
        const ed_fetch *f = ed_api_pending_fetch(c->pending);
        ed_buf body = {0}, err = {0};
        int status = -1;
        if (f == NULL) {
            ed_buf_puts(&err, "Metrc cannot be asked here");
        } else {
            status = ed_metrc_lookup_start(srv->lookups, c->w->loop, f->tenant, f->license,
                                           f->path, f->timeout_s, &body, &err, on_fetched, c,
                                           &c->fetch);
        }
        if (status == 0 && c->fetch != NULL) {
            ed_buf_free(&body);
            ed_buf_free(&err);
            return;
        }
        int more = ed_api_resume(c->pending, status, body.data, body.len,
                                 status < 0 ? (err.data ? err.data : "no answer") : NULL,
                                 &c->pending_res);
        ed_buf_free(&body);
        ed_buf_free(&err);
        if (!more) {
            pending_done(c);
            return;
        }
    }
}

/* --- http-parser callbacks ------------------------------------------- */

static int on_message_begin(http_parser *p)
{
    ed_conn *c = p->data;
    conn_reset_request(c);
    c->in_message = 1;
    c->phase = PHASE_HEADERS;
    c->started = ed_now_mono();
    conn_timer_set(c, c->w->srv->svc.cfg->header_timeout_s);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    ed_conn *c = p->data;
    if (c->url.len + len > MAX_URL) {
        return 1;
    }
    ed_buf_append(&c->url, at, len);
    return 0;
}

static void keep_header(ed_conn *c)
{
    if (!c->value_seen) {
        return;
    }
    ed_buf_putc(&c->field, '\0');
    ed_buf_putc(&c->value, '\0');
    const char *f = c->field.data;
    static const struct {
        const char *name;
        size_t offset;
    } wanted[] = {
        {"authorization", offsetof(ed_conn, authorization)},
        {"idempotency-key", offsetof(ed_conn, idempotency_key)},
        {"content-type", offsetof(ed_conn, content_type)},
        {"x-edict-signature", offsetof(ed_conn, signature)},
        {"x-edict-timestamp", offsetof(ed_conn, timestamp)},
        {"x-request-id", offsetof(ed_conn, request_id)},
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        if (strcasecmp(f, wanted[i].name) == 0) {
            char **slot = (char **)((char *)c + wanted[i].offset);
            free(*slot);
            *slot = ed_strdup(c->value.data);
        }
    }
    ed_buf_reset(&c->field);
    ed_buf_reset(&c->value);
    c->value_seen = 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    ed_conn *c = p->data;
    keep_header(c);
    if (c->field.len + len > MAX_HEADER_VALUE) {
        return 1;
    }
    ed_buf_append(&c->field, at, len);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    ed_conn *c = p->data;
    if (c->value.len + len > MAX_HEADER_VALUE) {
        return 1;
    }
    ed_buf_append(&c->value, at, len);
    c->value_seen = 1;
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    ed_conn *c = p->data;
    keep_header(c);
    c->phase = PHASE_BODY;
    conn_timer_set(c, c->w->srv->svc.cfg->body_timeout_s);
    /* an upload's body goes to its endpoint piece by piece */
    ed_buf path = {0};
    ed_buf_append(&path, c->url.data ? c->url.data : "", c->url.len);
    char *q = strchr(path.data, '?');
    if (q) {
        *q = '\0';
    }
    const char *method = http_method_str((enum http_method)p->method);
    if (ed_api_streams(method, path.data)) {
        c->streaming = 1;
        memset(&c->stream_res, 0, sizeof c->stream_res);
        ed_request req = {.method = method, .path = path.data, .query = q ? q + 1 : "",
                          .authorization = c->authorization,
                          .idempotency_key = c->idempotency_key,
                          .content_type = c->content_type, .body = "", .body_len = 0};
        c->upload = ed_api_upload_begin(&c->w->api, &req, &c->stream_res);
        ed_buf_free(&path);
        return 0;
    }
    ed_buf_free(&path);
    /* a declared body over the limit is refused before it is read */
    if ((p->flags & F_CONTENTLENGTH) &&
        p->content_length > (uint64_t)c->w->srv->svc.cfg->max_body_bytes) {
        c->too_large = 1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    ed_conn *c = p->data;
    if (c->streaming) {
        if (c->upload && ed_api_upload_data(c->upload, at, len) != 0) {
            /* refused from here on: the answer comes at the end */
        }
        return 0;
    }
    if (c->too_large || c->body.len + len > c->w->srv->svc.cfg->max_body_bytes) {
        c->too_large = 1;
        return 0;
    }
    ed_buf_append(&c->body, at, len);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    ed_conn *c = p->data;
    c->in_message = 0;
    c->phase = PHASE_IDLE;
    if (c->too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is larger than %zu bytes",
                 c->w->srv->svc.cfg->max_body_bytes);
        c->close_after = 1;
        ed_response res;
        memset(&res, 0, sizeof res);
        snprintf(res.route, sizeof res.route, "(protocol)");
        ed_api_error(&res, 413, "body_too_large", msg);
        char rid[64];
        make_request_id(c->w, rid);
        conn_respond(c, &res, rid);
        count_request(c->w, &res, 0);
        ed_buf_free(&res.body);
        ed_buf_free(&res.headers);
        http_parser_pause(p, 1);
        return 0;
    }
    dispatch(c);
    if (conn_busy(c)) {
        /* the next pipelined request waits for this answer */
        c->held = 1;
        http_parser_pause(p, 1);
        return 0;
    }
    conn_timer_set(c, c->w->srv->svc.cfg->idle_timeout_s);
    if (c->close_after) {
        http_parser_pause(p, 1);
    } else if (c->out.len - c->out_off >= OUT_HIGH_WATER) {
        c->held = 1; /* the next pipelined request waits for the client */
        http_parser_pause(p, 1);
    }
    return 0;
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    ed_conn *c = io->data;
    char buf[READ_CHUNK];
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
            return;
        }
        conn_close(c);
        return;
    }
    if (n == 0) {
        if (conn_busy(c)) {
            /* the client is done sending (or gone): its answer still goes,
             * then the connection closes */
            c->close_after = 1;
            ev_io_stop(loop, &c->rio);
            return;
        }
        conn_close(c);
        return;
    }
    if (c->close_after) {
        return; /* a response that ends the connection is on its way */
    }
    feed(c, buf, (size_t)n);
}

/* Parse what was read, answering each complete request. Returns 0, or -1
 * when the connection was closed. */
static int feed(ed_conn *c, const char *data, size_t n)
{
    size_t used = http_parser_execute(&c->parser, &parser_settings, data, n);
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e == HPE_PAUSED) {
        if (c->held && !c->close_after) {
            /* over the high water: keep the rest, read nothing more */
            ed_buf_append(&c->in_rest, data + used, n - used);
            ev_io_stop(c->w->loop, &c->rio);
        }
        /* else paused to close after the response: what follows is ignored */
    } else if (e != HPE_OK) {
        if (e == HPE_HEADER_OVERFLOW) {
            conn_fail(c, 431, "headers_too_large", "the request headers are too large");
        } else if (e == HPE_CB_url || e == HPE_CB_header_field ||
                   e == HPE_CB_header_value) {
            conn_fail(c, 431, "headers_too_large", "the URL or a header is too long");
        } else {
            char msg[160];
            snprintf(msg, sizeof msg, "malformed HTTP request at byte %zu: %s",
                     used, http_errno_description(e));
            conn_fail(c, 400, "bad_request", msg);
        }
        return -1;
    }
    if (c->out.len) {
        return conn_flush(c);
    }
    return 0;
}

static void on_writable(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    conn_flush(io->data);
}

static void on_conn_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    ed_conn *c = t->data;
    if (c->in_message || c->phase != PHASE_IDLE || c->w->draining) {
        if (c->out.len == 0 && (c->in_message || c->phase == PHASE_HEADERS)) {
            conn_fail(c, 408, "request_timeout",
                      c->phase == PHASE_BODY ? "the body did not arrive in time"
                                             : "the request headers did not arrive in time");
            return;
        }
    }
    conn_close(c); /* idle keep-alive connection */
}

static void on_accept(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)revents;
    ed_worker *w = io->data;
    ed_server *srv = w->srv;
    for (int burst = 0; burst < 64; burst++) {
        int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return; /* EAGAIN: another worker took it, or nothing left */
        }
        if (atomic_fetch_add(&srv->svc.connections, 1) >= srv->svc.cfg->max_connections) {
            atomic_fetch_sub(&srv->svc.connections, 1);
            static const char busy[] =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                "Content-Length: 80\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
                "{\"error\":{\"code\":\"too_many_connections\",\"message\":\"try again shortly\"}}\n";
            ssize_t ignored = write(fd, busy, sizeof busy - 1);
            (void)ignored;
            close(fd);
            ed_metrics_inc(srv->svc.metrics, "edict_connections_refused_total", "", 1);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ed_conn *c = calloc(1, sizeof *c);
        if (c == NULL) {
            abort();
        }
        c->w = w;
        c->fd = fd;
        http_parser_init(&c->parser, HTTP_REQUEST);
        c->parser.data = c;
        ev_io_init(&c->rio, on_readable, fd, EV_READ);
        ev_io_init(&c->wio, on_writable, fd, EV_WRITE);
        ev_init(&c->timer, on_conn_timer);
        c->rio.data = c->wio.data = c->timer.data = c;
        c->next = w->conns;
        if (w->conns) {
            w->conns->prev = c;
        }
        w->conns = c;
        w->n_conns++;
        ed_metrics_inc(srv->svc.metrics, "edict_connections_accepted_total", "", 1);
        c->phase = PHASE_HEADERS; /* a client that connects must speak */
        conn_timer_set(c, srv->svc.cfg->header_timeout_s);
        ev_io_start(loop, &c->rio);
    }
}

/* ------------------------------------------------------------------ */
/* Workers                                                               */
/* ------------------------------------------------------------------ */

static void on_grace_over(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    (void)t;
    ev_break(loop, EVBREAK_ONE);
}

static void on_wake(struct ev_loop *loop, ev_async *a, int revents)
{
    (void)revents;
    ed_worker *w = a->data;
    if (atomic_load(&w->srv->svc.draining) && !w->draining) {
        w->draining = 1;
        ev_io_stop(loop, &w->accept_watcher);
        /* idle connections go now; busy ones after their response */
        ed_conn *c = w->conns;
        while (c) {
            ed_conn *next = c->next;
            if (!c->in_message && c->out.len == 0 && !conn_busy(c)) {
                conn_close(c);
            } else {
                c->close_after = 1;
            }
            c = next;
        }
        if (w->n_conns == 0) {
            ev_break(loop, EVBREAK_ONE);
            return;
        }
        ev_timer_init(&w->grace, on_grace_over, w->srv->svc.cfg->shutdown_grace_s, 0);
        ev_timer_start(loop, &w->grace);
        return;
    }
    /* a reload: let go of the old generation now, not at the next request
     * (a lane held by an evaluation lets go when it ends) */
    ed_api_refresh(&w->api);
}

static void *committer_main(void *arg)
{
    ed_worker *w = arg;
    pthread_setname_np(pthread_self(), "edict-commit"); /* top -H, perf */
    pthread_mutex_lock(&w->cmu);
    for (;;) {
        while (w->todo == NULL && !w->stop) {
            w->committer_idle = 1;
            pthread_cond_wait(&w->ccv, &w->cmu);
            w->committer_idle = 0;
        }
        if (w->todo == NULL) {
            break;
        }
        ed_conn *first = w->todo, *last = w->todo_tail;
        w->todo = w->todo_tail = NULL;
        pthread_mutex_unlock(&w->cmu);
        /* in order: the first commit syncs what every one of them (and
         * every other worker) appended; the rest find theirs durable, or
         * learn that their group failed */
        for (ed_conn *c = first; c; c = c->commit_next) {
            c->commit_rc = ed_api_commit(&w->api, c->parked_res.commit, &c->commit_err);
        }
        pthread_mutex_lock(&w->cmu);
        if (w->done_tail) {
            w->done_tail->commit_next = first;
        } else {
            w->done = first;
        }
        w->done_tail = last;
        pthread_mutex_unlock(&w->cmu);
        /* outside the lock, which the woken loop takes at once */
        ev_async_send(w->loop, &w->committed);
        pthread_mutex_lock(&w->cmu);
    }
    pthread_mutex_unlock(&w->cmu);
    return NULL;
}

/* Answer the parked connections whose commits returned, in order. */
static void answer_committed(ed_worker *w)
{
    pthread_mutex_lock(&w->cmu);
    ed_conn *c = w->done;
    w->done = w->done_tail = NULL;
    pthread_mutex_unlock(&w->cmu);
    while (c) {
        ed_conn *next = c->commit_next;
        ed_response *res = &c->parked_res;
        c->parked = 0;
        if (c->commit_rc != 0) {
            ed_api_not_journaled(res, c->commit_err.data);
        }
        ed_buf_free(&c->commit_err);
        double took = ed_now_mono() - c->parked_t0;
        if (!c->gone) {
            conn_respond(c, res, c->parked_rid);
        }
        count_request(w, res, took);
        log_request(c->parked_rid, c->parked_method, c->parked_path, res, took * 1000);
        ed_buf_free(&res->body);
        ed_buf_free(&res->headers);
        free(c->parked_path);
        c->parked_path = NULL;
        if (c->gone) {
            conn_close(c);
        } else {
            conn_answered(c);
        }
        c = next;
    }
}

static void on_committed(struct ev_loop *loop, ev_async *a, int revents)
{
    (void)loop;
    (void)revents;
    answer_committed(a->data);
}

static void *worker_main(void *arg)
{
    ed_worker *w = arg;
    pthread_setname_np(pthread_self(), "edict-worker");
    w->committer_started = pthread_create(&w->committer, NULL, committer_main, w) == 0;
    if (!w->committer_started) {
        fputs("edict: cannot start a worker's committer thread\n", stderr);
        abort();
    }
    ev_run(w->loop, 0);
    /* what is parked is committed (or fails) and answered if it can be */
    pthread_mutex_lock(&w->cmu);
    w->stop = 1;
    pthread_cond_signal(&w->ccv);
    pthread_mutex_unlock(&w->cmu);
    pthread_join(w->committer, NULL);
    answer_committed(w);
    /* whatever is left after the grace period is cut */
    while (w->conns) {
        ed_conn *c = w->conns;
        if (c->pending) {
            /* still waiting for Metrc after the grace period: given up
             * (its process is stopped; what it journaled stands) */
            ed_metrc_lookup_cancel(c->fetch);
            c->fetch = NULL;
            ed_api_abandon(c->pending);
            c->pending = NULL;
            ed_buf_free(&c->pending_res.body);
            ed_buf_free(&c->pending_res.headers);
            free(c->pending_path);
            c->pending_path = NULL;
        }
        if (c->parked) {
            /* parked again after the committer stopped: never answered */
            c->parked = 0;
            ed_buf_free(&c->parked_res.body);
            ed_buf_free(&c->parked_res.headers);
            free(c->parked_path);
            c->parked_path = NULL;
        }
        conn_close(c);
    }
    ed_metrc_lookups_release(w->srv->lookups, w->loop);
    return NULL;
}

static void wake_workers(void *arg)
{
    ed_server *srv = arg;
    for (int i = 0; i < srv->n_workers; i++) {
        ev_async_send(srv->workers[i].loop, &srv->workers[i].wake);
    }
}

/* ------------------------------------------------------------------ */
/* Journal, reload                                                       */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Main thread: signals, watchers                                        */
/* ------------------------------------------------------------------ */

static void watch_packs(ed_server *srv);

static void reload_now(ed_server *srv, const char *by)
{
    ed_buf err = {0};
    ed_api_reload(&srv->svc, by, &err, NULL);
    ed_buf_free(&err);
    watch_packs(srv); /* files may have come or gone */
}

static void on_sighup(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)loop;
    (void)revents;
    reload_now(s->data, "signal:SIGHUP");
}

static void on_sigterm(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)revents;
    ed_server *srv = s->data;
    ed_log("info", "shutting down: no new connections; finishing in-flight requests", NULL);
    atomic_store(&srv->svc.draining, 1);
    wake_workers(srv);
    ev_break(loop, EVBREAK_ALL);
}

/* Due jobs run here, on the main thread, as reloads do: nothing a worker
 * serves waits for them. */
static void on_jobs(struct ev_loop *loop, ev_timer *t, int revents)
{
    ed_server *srv = t->data;
    if (ed_jobs_poll(srv->svc.store, srv->svc.cfg, srv->holder, srv->svc.metrics) == ED_STORE_UNSUPPORTED) {
        ev_timer_stop(loop, t);
    }
}

/* The trees of generations published before `cur`: a generation is read
 * into memory when it is built (and the last known good copied apart), so
 * older fetched trees only fill the disk. */
static void forget_published(ed_server *srv, long long cur)
{
    char *root = ed_path_join(srv->svc.cfg->state_dir, "published");
    char **names;
    int n = ed_list_dir(root, &names);
    for (int i = 0; i < n; i++) {
        char *end;
        long long g = strtoll(names[i], &end, 10);
        if (*end == '\0' && end != names[i] && g < cur) {
            char *old = ed_path_join(root, names[i]);
            ed_remove_tree(old);
            free(old);
        }
    }
    if (n >= 0) {
        ed_free_names(names, n);
    }
    free(root);
}

/* A published generation newer than the last one seen: fetch its files
 * into <state_dir>/published/<n>/ and reload from them. A failed fetch is
 * tried again at the next look; a generation that does not pass is not
 * (the reload logs why, the current generation stays). */
static void sync_packs(ed_server *srv)
{
    ed_buf err = {0};
    long long cur = ed_store_packs_current(srv->svc.store, &err);
    if (cur < 0) {
        ed_log("warn", err.data ? err.data : "cannot read the published packs", NULL);
    } else if (cur > 0 && cur != srv->published_seen) {
        char name[48];
        snprintf(name, sizeof name, "published/%lld", cur);
        char *dir = ed_path_join(srv->svc.cfg->state_dir, name);
        if (ed_store_packs_fetch(srv->svc.store, cur, dir, &err) != 0) {
            ed_log("warn", err.data ? err.data : "cannot fetch the published packs", NULL);
        } else {
            srv->published_seen = cur;
            ed_buf_reset(&err);
            char by[48];
            snprintf(by, sizeof by, "publish:%lld", cur);
            ed_api_reload_published(&srv->svc, by, dir, cur, &err, NULL);
            forget_published(srv, cur);
        }
        free(dir);
    }
    ed_buf_free(&err);
}

/* Read what the listener has; after a notification, or once it connected
 * again (what was sent meanwhile is lost), look at the current generation. */
static void check_listener(ed_server *srv)
{
    ed_buf err = {0};
    int rc = ed_store_listener_check(srv->listener, &err);
    int fd = ed_store_listener_fd(srv->listener);
    /* a new connection may have the old one's number: watch it anew */
    if (fd != srv->listen_io_fd || rc != 0) {
        ev_io_stop(srv->main_loop, &srv->listen_io);
        if (fd >= 0) {
            ev_io_set(&srv->listen_io, fd, EV_READ);
            ev_io_start(srv->main_loop, &srv->listen_io);
        }
        srv->listen_io_fd = fd;
    }
    if (rc < 0) {
        ed_log("warn", err.data ? err.data : "cannot listen for published packs", NULL);
    } else if (rc == 1) {
        sync_packs(srv);
    }
    ed_buf_free(&err);
}

static void on_listen_io(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    check_listener(io->data);
}

static void on_packs_poll(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    ed_server *srv = t->data;
    check_listener(srv);
    sync_packs(srv);
}

static void on_debounced(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    reload_now(t->data, "watch");
}

static void on_stat(struct ev_loop *loop, ev_stat *st, int revents)
{
    (void)revents;
    ed_server *srv = st->data;
    /* many files change at once when a pack is replaced: wait for quiet */
    ev_timer_stop(loop, &srv->debounce);
    ev_timer_set(&srv->debounce, srv->svc.cfg->reload_debounce_s, 0);
    ev_timer_start(loop, &srv->debounce);
}

static void add_stat(ed_server *srv, const char *path, size_t *cap)
{
    if (srv->n_stats == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        /* watchers are started: they must not move; rebuilt from scratch */
        ev_stat *p = calloc(*cap, sizeof *p);
        if (p == NULL) {
            abort();
        }
        for (size_t i = 0; i < srv->n_stats; i++) {
            ev_stat_stop(srv->main_loop, &srv->stats[i]);
            ev_stat_init(&p[i], on_stat, srv->stats[i].path, 0.5);
            p[i].data = srv;
            ev_stat_start(srv->main_loop, &p[i]);
        }
        free(srv->stats);
        srv->stats = p;
    }
    char *copy = ed_strdup(path);
    ev_stat *s = &srv->stats[srv->n_stats++];
    ev_stat_init(s, on_stat, copy, 0.5);
    s->data = srv;
    ev_stat_start(srv->main_loop, s);
}

static void unwatch(ed_server *srv)
{
    for (size_t i = 0; i < srv->n_stats; i++) {
        ev_stat_stop(srv->main_loop, &srv->stats[i]);
        free((char *)srv->stats[i].path);
    }
    free(srv->stats);
    srv->stats = NULL;
    srv->n_stats = 0;
}

/* Watch every folder under root (new, removed and renamed files change a
 * folder) and every file in it (edits in place). */
static void watch_tree(ed_server *srv, const char *root, size_t *cap, int depth)
{
    if (depth > 6 || srv->n_stats > 4096) {
        return;
    }
    add_stat(srv, root, cap);
    char **names;
    int n = ed_list_dir(root, &names);
    for (int i = 0; i < n; i++) {
        if (names[i][0] == '.') {
            continue;
        }
        char *p = ed_path_join(root, names[i]);
        if (ed_is_dir(p)) {
            watch_tree(srv, p, cap, depth + 1);
        } else {
            add_stat(srv, p, cap);
        }
        free(p);
    }
    if (n > 0) {
        ed_free_names(names, n);
    }
}

static void watch_packs(ed_server *srv)
{
    if (!srv->svc.cfg->watch) {
        return;
    }
    unwatch(srv);
    size_t cap = 0;
    for (size_t i = 0; i < srv->svc.cfg->n_pack_dirs; i++) {
        watch_tree(srv, srv->svc.cfg->pack_dirs[i], &cap, 0);
    }
    if (srv->svc.cfg->tenants_dir) {
        watch_tree(srv, srv->svc.cfg->tenants_dir, &cap, 0);
    }
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                        */
/* ------------------------------------------------------------------ */

static int listen_on(ed_server *srv, ed_buf *err)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[16];
    snprintf(port, sizeof port, "%d", srv->svc.cfg->port);
    int gai = getaddrinfo(srv->svc.cfg->host, port, &hints, &res);
    if (gai != 0) {
        ed_buf_printf(err, "listen %s:%d: %s", srv->svc.cfg->host, srv->svc.cfg->port,
                      gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        ed_buf_printf(err, "listen %s:%d: %s", srv->svc.cfg->host, srv->svc.cfg->port,
                      strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    srv->listen_fd = fd;
    return 0;
}

static void describe_metrics(ed_metrics *m)
{
    static const double latency[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    size_t nl = sizeof latency / sizeof latency[0];
    ed_metrics_describe(m, "edict_http_requests_total", "counter",
                        "HTTP requests by route and status", NULL, 0);
    ed_metrics_describe(m, "edict_metrc_syncs_total", "counter",
                        "Metrc syncs this node ran, by tenant, licence and result", NULL, 0);
    ed_metrics_describe(m, "edict_metrc_waits_total", "counter",
                        "requests whose rules waited for Metrc while the worker served "
                        "others (metrc_waits)", NULL, 0);
    ed_metrics_describe(m, "edict_lane_waits_total", "counter",
                        "requests that waited for a lane: every one of their worker's was "
                        "waiting for Metrc", NULL, 0);
    ed_metrics_describe(m, "edict_metrc_outbox", "gauge",
                        "Metrc outbox operations by tenant, licence and state (pending, "
                        "sent, dead), as of this node's last sync", NULL, 0);
    ed_metrics_describe(m, "edict_http_request_seconds", "histogram",
                        "time to answer a request, by route", latency, nl);
    ed_metrics_describe(m, "edict_evaluation_seconds", "histogram",
                        "time to decide one event", latency, nl);
    ed_metrics_describe(m, "edict_decisions_total", "counter",
                        "decisions made, by tenant and flag", NULL, 0);
    ed_metrics_describe(m, "edict_events_refused_total", "counter",
                        "events refused, by tenant", NULL, 0);
    ed_metrics_describe(m, "edict_rule_errors_total", "counter",
                        "rule errors, by pack", NULL, 0);
    ed_metrics_describe(m, "edict_rule_limit_stops_total", "counter",
                        "rules stopped by a sandbox limit, by pack and limit", NULL, 0);
    ed_metrics_describe(m, "edict_reloads_total", "counter",
                        "pack reloads, by result", NULL, 0);
    ed_metrics_describe(m, "edict_generation", "gauge",
                        "the pack generation serving new evaluations", NULL, 0);
    ed_metrics_describe(m, "edict_last_reload_ok", "gauge",
                        "1 when the last reload succeeded", NULL, 0);
    ed_metrics_describe(m, "edict_journal_fsync_seconds", "histogram",
                        "time to make journal appends durable", latency, nl);
    ed_metrics_describe(m, "edict_connections", "gauge", "open connections", NULL, 0);
    ed_metrics_describe(m, "edict_evaluator_lost_total", "counter",
                        "rule evaluator processes lost (crashed, or stopped at "
                        "evaluation_deadline_ms); each cost one event a lost decision",
                        NULL, 0);
    ed_metrics_describe(m, "edict_journal_quarantined", "gauge",
                        "1 for a tenant whose journal did not verify at start: nothing is "
                        "appended to it (docs/AUDIT.md)", NULL, 0);
    ed_metrics_describe(m, "edict_connections_accepted_total", "counter",
                        "connections accepted", NULL, 0);
    ed_metrics_describe(m, "edict_connections_refused_total", "counter",
                        "connections refused over max_connections", NULL, 0);
    ed_metrics_describe(m, "edict_rate_limited_total", "counter",
                        "requests refused by the rate limit, by tenant", NULL, 0);
    ed_metrics_describe(m, "edict_idempotent_replays_total", "counter",
                        "responses replayed for a repeated Idempotency-Key, by tenant",
                        NULL, 0);
}

/* One remembered answer back into the table: reserved and finished at the
 * moment it was first given. */
static int restore_idem(void *arg, const ed_idem_record *r)
{
    ed_service *svc = arg;
    double finished = (double)r->expires_at - svc->cfg->idempotency_window_s;
    if (ed_idem_begin(svc->idem, r->tenant, r->key, r->digest, finished, NULL, NULL, NULL,
                      NULL) == ED_IDEM_NEW) {
        ed_idem_finish(svc->idem, r->tenant, r->key, r->status, r->headers, r->body,
                       r->body_len, finished);
    }
    return 0;
}

/* Say at start which tenants' journals do not verify (they are refused). */
static void log_quarantined(void *arg, const char *tenant, const char *why)
{
    ed_buf x = {0};
    ed_buf_puts(&x, ",\"tenant\":");
    ed_json_escape(&x, tenant, strlen(tenant));
    ed_buf_puts(&x, ",\"why\":");
    ed_json_escape(&x, why, strlen(why));
    ed_log("error", "the tenant's journal does not verify: its events are refused until "
           "it is repaired (docs/AUDIT.md, \"Quarantine and repair\")", x.data);
    ed_buf_free(&x);
}

static void server_free(ed_server *srv)
{
    for (int i = 0; i < srv->n_workers; i++) {
        ed_worker *w = &srv->workers[i];
        for (int k = 0; k < w->api.n_lanes; k++) {
            ed_decider_free(w->api.lanes[k]);
        }
        if (w->loop) {
            ev_loop_destroy(w->loop);
        }
    }
    free(srv->workers);
    if (srv->listen_fd > 0) {
        close(srv->listen_fd);
    }
    unwatch(srv);
    ed_store_close(srv->svc.store);
    ed_vault_close(srv->svc.vault);
    ed_ratelimit_free(srv->svc.rate);
    ed_idem_free(srv->svc.idem);
    ed_metrics_free(srv->svc.metrics);
}

int ed_serve(ed_config *cfg, int only_check)
{
    ed_buf err = {0};
    ed_server srv;
    memset(&srv, 0, sizeof srv);
    srv.svc.cfg = cfg;
    srv.svc.wake_workers = wake_workers;
    srv.svc.wake_arg = &srv;
    srv.listen_fd = -1;
    srv.svc.rate = ed_ratelimit_new();
    srv.svc.idem = ed_idem_new(cfg->idempotency_window_s, 100000);
    /* by bytes too: 100,000 answers of a whole batch each would not fit */
    ed_idem_set_max_bytes(srv.svc.idem, (size_t)256 << 20);
    srv.svc.metrics = ed_metrics_new();
    describe_metrics(srv.svc.metrics);
    ed_utc_now(srv.svc.started_at);
    snprintf(srv.svc.instance, sizeof srv.svc.instance, "%lx%x", (unsigned long)time(NULL),
             (unsigned)getpid());
    int status = 1;
    ed_metrc_lookups *lookups = NULL;
    ed_gen_config gc = {cfg->limits, cfg->pack_dirs, cfg->n_pack_dirs, cfg->tenants_dir,
                        cfg->state_dir, cfg->reload_runs_fixtures, ed_api_vet, &srv.svc};
    if (ed_gens_start(&srv.svc.gens, &gc, &err) != 0) {
        fprintf(stderr, "edict: the packs do not pass and there is no last known good "
                "generation:\n%s", err.data ? err.data : "");
        goto out_nogens;
    }
    if (only_check) {
        printf("configuration and packs ok (generation from %s)\n", srv.svc.gens.current->source);
        status = 0;
        goto out;
    }
    ed_store_options so = {.mode = ED_STORE_WRITE,
                           .pool_size = (unsigned)cfg->store_pool_size,
                           .pool_wait_ms = (unsigned)cfg->store_pool_wait_ms,
                           .statement_timeout_ms = (unsigned)cfg->store_statement_timeout_ms};
    if ((srv.svc.store = ed_store_open(cfg->journal_dir, &so, &err)) == NULL ||
        listen_on(&srv, &err) != 0) {
        fprintf(stderr, "edict: %s\n", err.data);
        goto out;
    }
    ed_store_quarantined(srv.svc.store, log_quarantined, NULL);
    /* the evidence vault, where keys are configured: a vault configured
     * and unusable stops the start, none configured answers 503 */
    const char *ekeys = cfg->evidence_keys;
    if ((ekeys && *ekeys) || getenv("EDICT_EVIDENCE_KEY_FILE") ||
        getenv("EDICT_EVIDENCE_KEY")) {
        const char *edir = cfg->evidence_dir ? cfg->evidence_dir
                                             : ed_vault_default_dir(cfg->journal_dir);
        if ((srv.svc.vault = ed_vault_open(edir, ekeys, &err)) == NULL) {
            fprintf(stderr, "edict: %s\n", err.data);
            goto out;
        }
    }
    /* the Idempotency-Key answers of before a restart, still in their window */
    double wall = ed_now_wall();
    if (ed_store_idem_each(srv.svc.store, (int64_t)wall, restore_idem, &srv.svc, &err) != 0) {
        fprintf(stderr, "edict: %s\n", err.data);
        goto out;
    }
    if (cfg->n_tenants == 0) {
        ed_log("warn", "no tenant tokens are configured: every /v1 request will be 401 (see README, edict serve)", NULL);
    }
    /* the workers must not take signals: the main loop handles them */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    signal(SIGPIPE, SIG_IGN);
    srv.n_workers = cfg->workers;
    srv.workers = calloc((size_t)cfg->workers, sizeof *srv.workers);
    if (srv.workers == NULL) {
        abort();
    }
    memset(&parser_settings, 0, sizeof parser_settings);
    parser_settings.on_message_begin = on_message_begin;
    parser_settings.on_url = on_url;
    parser_settings.on_header_field = on_header_field;
    parser_settings.on_header_value = on_header_value;
    parser_settings.on_headers_complete = on_headers_complete;
    parser_settings.on_body = on_body;
    parser_settings.on_message_complete = on_message_complete;
    /* rules' edict.metrc calls: the configured licences' keys, each for
     * its own tenant only */
    if (cfg->n_metrc > 0 && (lookups = ed_jobs_metrc_lookups(cfg, &err)) == NULL) {
        fprintf(stderr, "edict: %s\n", err.data);
        goto out;
    }
    srv.lookups = lookups;
    for (int i = 0; i < srv.n_workers; i++) {
        ed_worker *w = &srv.workers[i];
        w->srv = &srv;
        w->index = i;
        w->loop = ev_loop_new(EVFLAG_AUTO);
        w->api.svc = &srv.svc;
        w->api.index = i;
        /* with isolate_rules the evaluator processes are forked here,
         * while this is the only thread: one per lane, and a lane more
         * for each evaluation that may wait for Metrc (metrc_waits) */
        int lanes = 1 + (lookups && cfg->isolate_rules ? cfg->metrc_waits : 0);
        ed_decider_config dc = {.gens = &srv.svc.gens, .store = srv.svc.store,
                                .isolate = cfg->isolate_rules,
                                .deadline_s = cfg->evaluation_deadline_s,
                                .lookup = lookups ? ed_metrc_lookup : NULL,
                                .lookup_arg = lookups,
                                .suspend_lookups = lanes > 1,
                                .vault = srv.svc.vault};
        for (int k = 0; k < lanes && (k == 0 || w->api.lanes[k - 1] != NULL); k++) {
            w->api.lanes[k] = ed_decider_new(&dc, &err);
            w->api.n_lanes = k + 1;
        }
        if (w->loop == NULL || w->api.lanes[w->api.n_lanes - 1] == NULL) {
            fprintf(stderr, "edict: cannot start a worker%s%s\n", err.len ? ": " : "",
                    err.len ? err.data : "");
            goto out;
        }
        ev_io_init(&w->accept_watcher, on_accept, srv.listen_fd, EV_READ);
        w->accept_watcher.data = w;
        ev_io_start(w->loop, &w->accept_watcher);
        ev_async_init(&w->wake, on_wake);
        w->wake.data = w;
        ev_async_start(w->loop, &w->wake);
        pthread_mutex_init(&w->cmu, NULL);
        pthread_cond_init(&w->ccv, NULL);
        ev_async_init(&w->committed, on_committed);
        w->committed.data = w;
        ev_async_start(w->loop, &w->committed);
    }
    for (int i = 0; i < srv.n_workers; i++) {
        if (pthread_create(&srv.workers[i].thread, NULL, worker_main, &srv.workers[i]) != 0) {
            fputs("edict: cannot start a worker thread\n", stderr);
            abort();
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* not libev's default loop: its SIGCHLD handler would reap the
     * evaluator processes before their workers learn how they ended */
    srv.main_loop = ev_loop_new(EVFLAG_AUTO);
    ev_signal sighup, sigterm, sigint;
    ev_signal_init(&sighup, on_sighup, SIGHUP);
    ev_signal_init(&sigterm, on_sigterm, SIGTERM);
    ev_signal_init(&sigint, on_sigterm, SIGINT);
    sighup.data = sigterm.data = sigint.data = &srv;
    ev_signal_start(srv.main_loop, &sighup);
    ev_signal_start(srv.main_loop, &sigterm);
    ev_signal_start(srv.main_loop, &sigint);
    ev_init(&srv.debounce, on_debounced);
    srv.debounce.data = &srv;
    watch_packs(&srv);
    {
        char host[128] = "";
        gethostname(host, sizeof host - 1);
        snprintf(srv.holder, sizeof srv.holder, "%s/%d/%s", host, (int)getpid(),
                 srv.svc.instance);
    }
    /* the first look at once, then every jobs_poll_ms */
    ev_timer_init(&srv.jobs, on_jobs, 0.0, cfg->jobs_poll_s);
    srv.jobs.data = &srv;
    if (cfg->retention_sweep_s > 0 || cfg->deadline_alerts_s > 0 || cfg->n_metrc > 0) {
        ev_timer_start(srv.main_loop, &srv.jobs);
    }
    /* published packs: listen, and look at once, then every packs_poll_ms */
    srv.listen_io_fd = -1;
    ev_init(&srv.listen_io, on_listen_io);
    srv.listen_io.data = &srv;
    ev_timer_init(&srv.packs_poll, on_packs_poll, cfg->packs_poll_s, cfg->packs_poll_s);
    srv.packs_poll.data = &srv;
    if ((srv.listener = ed_store_packs_listen(srv.svc.store)) != NULL) {
        check_listener(&srv);
        ev_timer_start(srv.main_loop, &srv.packs_poll);
    }
    if (cfg->port_file) {
        FILE *pf = fopen(cfg->port_file, "w");
        if (pf) {
            fprintf(pf, "%d\n", srv.port);
            fclose(pf);
        }
    }
    {
        ed_buf x = {0};
        ed_buf_printf(&x, ",\"host\":\"%s\",\"port\":%d,\"workers\":%d,\"generation\":%lu",
                      cfg->host, srv.port, srv.n_workers, srv.svc.gens.current->id);
        ed_log("info", "listening", x.data);
        ed_buf_free(&x);
    }
    ev_run(srv.main_loop, 0);
    /* draining: the workers finish what they have, then stop */
    for (int i = 0; i < srv.n_workers; i++) {
        pthread_join(srv.workers[i].thread, NULL);
    }
    ev_timer_stop(srv.main_loop, &srv.debounce);
    ev_timer_stop(srv.main_loop, &srv.jobs);
    ev_timer_stop(srv.main_loop, &srv.packs_poll);
    ev_io_stop(srv.main_loop, &srv.listen_io);
    ed_store_listener_close(srv.listener);
    srv.listener = NULL;
    status = 0;
    ed_log("info", "stopped; the journal is flushed", NULL);
out:
    server_free(&srv);
    ed_metrc_lookups_free(lookups);
    ed_gens_stop(&srv.svc.gens);
    ed_buf_free(&err);
    return status;
out_nogens:
    ed_ratelimit_free(srv.svc.rate);
    ed_idem_free(srv.svc.idem);
    ed_metrics_free(srv.svc.metrics);
    ed_buf_free(&err);
    return status;
}
