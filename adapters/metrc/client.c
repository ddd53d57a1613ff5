/*
 * client.c — the Metrc HTTP client (metrc.h): libcurl's multi interface
 * on a libev loop (curl tells us which sockets to watch and when to wake;
 * the loop tells curl what happened), with a request queue in front of it
 * that the limiter and the back-off timers release from.
 */
#define _DEFAULT_SOURCE

#include "metrc.h"
#include "util/fsutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Calls allowed per second: the start times of the last `cap` calls, so
 * that no 1-second window holds more than cap (what Metrc counts). */
typedef struct window {
    double *t;
    size_t cap, head, n;
} window;

typedef struct limiter {
    char *name; /* the licence; "" for the integrator */
    window w;
    int inflight, max_inflight;
    double paused_until; /* a 429's Retry-After holds every call back */
} limiter;

typedef struct request request;
struct request {
    ed_metrc *m;
    char *method, *path, *license, *body, *idem, *endpoint;
    int is_get, attempts, throttled;
    double not_before; /* back-off: not sent again before this (ev_now) */
    ed_metrc_done done;
    void *arg;
    CURL *easy;
    struct curl_slist *headers;
    ed_buf answer;
    int too_big;
    char curl_err[CURL_ERROR_SIZE];
    limiter *facility;
    request *next;
};

struct ed_metrc {
    struct ev_loop *loop;
    int own_loop;
    ed_metrc_config cfg;
    char *base, *vendor, *user;
    CURLM *multi;
    ev_timer curl_timer, pump_timer;
    request *queue, *queue_tail; /* waiting to be sent */
    size_t inflight;
    limiter integrator;
    limiter **facilities;
    size_t n_facilities;
    ed_metrc_stats stats;
    unsigned int seed;
};

typedef struct sock_watch {
    ev_io io;
    ed_metrc *m;
} sock_watch;

static int curl_ready;

static void window_init(window *w, double per_s)
{
    w->cap = per_s < 1 ? 1 : (size_t)per_s;
    w->t = calloc(w->cap, sizeof *w->t);
    w->head = w->n = 0;
    if (w->t == NULL) {
        abort();
    }
}

/* When the next call may start (now, or when the oldest of the last cap
 * calls is a second old). */
static double window_next(const window *w, double now)
{
    if (w->n < w->cap) {
        return now;
    }
    /* a margin: calls started a second apart may arrive closer together */
    double oldest = w->t[w->head];
    return oldest + 1.05 > now ? oldest + 1.05 : now;
}

static void window_add(window *w, double now)
{
    size_t at = (w->head + w->n) % w->cap;
    if (w->n == w->cap) {
        at = w->head;
        w->head = (w->head + 1) % w->cap;
    } else {
        w->n++;
    }
    w->t[at] = now;
}

static limiter *facility_of(ed_metrc *m, const char *license)
{
    const char *name = license ? license : "";
    for (size_t i = 0; i < m->n_facilities; i++) {
        if (strcmp(m->facilities[i]->name, name) == 0) {
            return m->facilities[i];
        }
    }
    limiter *l = calloc(1, sizeof *l);
    limiter **grown = realloc(m->facilities, (m->n_facilities + 1) * sizeof *grown);
    if (l == NULL || grown == NULL) {
        abort();
    }
    m->facilities = grown;
    l->name = ed_strdup_or_null(name);
    window_init(&l->w, m->cfg.get_per_s_facility);
    l->max_inflight = m->cfg.concurrent_facility;
    m->facilities[m->n_facilities++] = l;
    return l;
}

int ed_metrc_keys_load(const char *file, char **vendor, char **user, ed_buf *err)
{
    *vendor = *user = NULL;
    if (file == NULL) {
        const char *v = getenv("EDICT_METRC_VENDOR_KEY");
        const char *u = getenv("EDICT_METRC_USER_KEY");
        if (v == NULL || *v == '\0' || u == NULL || *u == '\0') {
            ed_buf_puts(err, "no Metrc keys: give --keys FILE, or set EDICT_METRC_VENDOR_KEY "
                             "and EDICT_METRC_USER_KEY");
            return -1;
        }
        *vendor = ed_strdup_or_null(v);
        *user = ed_strdup_or_null(u);
        return 0;
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        ed_buf_printf(err, "%s: %s", file, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    if ((st.st_mode & 077) != 0) {
        ed_buf_printf(err, "%s: mode %04o lets others read the Metrc keys; chmod 600 it",
                      file, (unsigned)(st.st_mode & 07777));
        close(fd);
        return -1;
    }
    char text[8192];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0) {
        ed_buf_printf(err, "%s: %s", file, strerror(errno));
        return -1;
    }
    text[n] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ')) {
            line[--len] = '\0';
        }
        if (strncmp(line, "vendor_key=", 11) == 0 && *vendor == NULL) {
            *vendor = ed_strdup_or_null(line + 11);
        } else if (strncmp(line, "user_key=", 9) == 0 && *user == NULL) {
            *user = ed_strdup_or_null(line + 9);
        }
    }
    explicit_bzero(text, sizeof text);
    if (*vendor == NULL || **vendor == '\0' || *user == NULL || **user == '\0') {
        ed_buf_printf(err, "%s: needs a line vendor_key=… and a line user_key=…", file);
        free(*vendor);
        free(*user);
        *vendor = *user = NULL;
        return -1;
    }
    return 0;
}

/* Plain http only to this machine: the keys travel in every request. */
static int loopback_http(const char *url)
{
    static const char *const ok[] = {"http://127.0.0.1:", "http://127.0.0.1/",
                                     "http://localhost:", "http://localhost/", "http://[::1]"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (strncmp(url, ok[i], strlen(ok[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

static void pump(ed_metrc *m);
static void check_done(ed_metrc *m);

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    /* curl may drop the socket (and so free this watcher) in the call */
    ed_metrc *m = ((sock_watch *)w)->m;
    int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
                 (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running = 0;
    curl_multi_socket_action(m->multi, w->fd, action, &running);
    check_done(m);
}

static void curl_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    ed_metrc *m = w->data;
    int running = 0;
    curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(m);
}

static void pump_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    pump(w->data);
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    ed_metrc *m = userp;
    sock_watch *sw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sw) {
            ev_io_stop(m->loop, &sw->io);
            free(sw);
            curl_multi_assign(m->multi, s, NULL);
        }
        return 0;
    }
    int kind = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    if (sw == NULL) {
        sw = calloc(1, sizeof *sw);
        if (sw == NULL) {
            abort();
        }
        sw->m = m;
        ev_io_init(&sw->io, io_cb, s, kind);
        curl_multi_assign(m->multi, s, sw);
    } else {
        ev_io_stop(m->loop, &sw->io);
        ev_io_set(&sw->io, s, kind);
    }
    ev_io_start(m->loop, &sw->io);
    return 0;
}

static int curl_timer_set(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    ed_metrc *m = userp;
    ev_timer_stop(m->loop, &m->curl_timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&m->curl_timer, (double)timeout_ms / 1000.0, 0.0);
        ev_timer_start(m->loop, &m->curl_timer);
    }
    return 0;
}

ed_metrc *ed_metrc_new(struct ev_loop *loop, const ed_metrc_config *cfg, ed_buf *err)
{
    if (cfg->vendor_key == NULL || cfg->user_key == NULL) {
        ed_buf_puts(err, "Metrc: no keys configured");
        return NULL;
    }
    ed_metrc *m = calloc(1, sizeof *m);
    if (m == NULL) {
        abort();
    }
    m->cfg = *cfg;
    ed_metrc_config *c = &m->cfg;
    c->get_per_s_facility = c->get_per_s_facility > 0 ? c->get_per_s_facility : 50;
    c->get_per_s_integrator = c->get_per_s_integrator > 0 ? c->get_per_s_integrator : 150;
    c->concurrent_facility = c->concurrent_facility > 0 ? c->concurrent_facility : 10;
    c->concurrent_integrator = c->concurrent_integrator > 0 ? c->concurrent_integrator : 30;
    c->max_attempts = c->max_attempts > 0 ? c->max_attempts : 6;
    c->backoff_s = c->backoff_s > 0 ? c->backoff_s : 0.25;
    c->backoff_max_s = c->backoff_max_s > 0 ? c->backoff_max_s : 30;
    c->timeout_s = c->timeout_s > 0 ? c->timeout_s : 30;
    c->max_body = c->max_body > 0 ? c->max_body : (size_t)32 << 20;
    c->page_size = c->page_size > 0 && c->page_size <= 20 ? c->page_size : 20;
    c->window_hours = c->window_hours > 0 && c->window_hours <= 24 ? c->window_hours : 24;
    c->max_objects = c->max_objects > 0 && c->max_objects <= 10 ? c->max_objects : 10;
    ed_buf base = {0};
    if (cfg->base_url && *cfg->base_url) {
        if (strncmp(cfg->base_url, "https://", 8) != 0 && !loopback_http(cfg->base_url)) {
            ed_buf_printf(err, "Metrc base URL %s: https only (plain http only to this "
                               "machine's loopback, for the emulator)", cfg->base_url);
            free(m);
            return NULL;
        }
        ed_buf_puts(&base, cfg->base_url);
        while (base.len > 0 && base.data[base.len - 1] == '/') {
            base.data[--base.len] = '\0';
        }
    } else {
        const char *st = cfg->state ? cfg->state : "";
        if (strlen(st) != 2 || strspn(st, "abcdefghijklmnopqrstuvwxyz") != 2) {
            ed_buf_printf(err, "Metrc state '%s': two lowercase letters (or, ca, md…)", st);
            free(m);
            return NULL;
        }
        ed_buf_printf(&base, "https://%sapi-%s.metrc.com", cfg->sandbox ? "sandbox-" : "", st);
    }
    m->base = base.data;
    m->vendor = ed_strdup_or_null(cfg->vendor_key);
    m->user = ed_strdup_or_null(cfg->user_key);
    c->vendor_key = c->user_key = NULL; /* only m->vendor and m->user hold them */
    c->base_url = m->base;
    if (!curl_ready) { /* the CLI and serve are single-threaded at this point */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    m->multi = curl_multi_init();
    if (m->multi == NULL) {
        abort();
    }
    if (loop == NULL) {
        m->loop = ev_loop_new(EVFLAG_AUTO);
        m->own_loop = 1;
    } else {
        m->loop = loop;
    }
    ev_init(&m->curl_timer, curl_timer_cb);
    m->curl_timer.data = m;
    ev_init(&m->pump_timer, pump_timer_cb);
    m->pump_timer.data = m;
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, curl_timer_set);
    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
    curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)c->concurrent_integrator);
    m->integrator.name = ed_strdup_or_null("");
    window_init(&m->integrator.w, c->get_per_s_integrator);
    m->integrator.max_inflight = c->concurrent_integrator;
    m->seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
    return m;
}

static void request_free(request *r)
{
    if (r->easy) {
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->headers);
    free(r->method);
    free(r->path);
    free(r->license);
    free(r->body);
    free(r->idem);
    free(r->endpoint);
    ed_buf_free(&r->answer);
    free(r);
}

void ed_metrc_free(ed_metrc *m)
{
    if (m == NULL) {
        return;
    }
    /* anything still queued is dropped unanswered: its owner is gone */
    for (request *r = m->queue, *next; r; r = next) {
        next = r->next;
        request_free(r);
    }
    curl_multi_cleanup(m->multi);
    ev_timer_stop(m->loop, &m->curl_timer);
    ev_timer_stop(m->loop, &m->pump_timer);
    if (m->own_loop) {
        ev_loop_destroy(m->loop);
    }
    for (size_t i = 0; i < m->n_facilities; i++) {
        free(m->facilities[i]->name);
        free(m->facilities[i]->w.t);
        free(m->facilities[i]);
    }
    free(m->facilities);
    free(m->integrator.name);
    free(m->integrator.w.t);
    if (m->vendor) {
        explicit_bzero(m->vendor, strlen(m->vendor));
    }
    if (m->user) {
        explicit_bzero(m->user, strlen(m->user));
    }
    free(m->vendor);
    free(m->user);
    free(m->base);
    free(m);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    request *r = arg;
    size_t len = size * n;
    if (r->answer.len + len > r->m->cfg.max_body) {
        r->too_big = 1;
        return 0; /* curl stops the transfer: CURLE_WRITE_ERROR */
    }
    ed_buf_append(&r->answer, p, len);
    return len;
}

static double retry_after_of(CURL *easy)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h) {
        char *end = NULL;
        double s = strtod(h->value, &end);
        if (end != h->value && s >= 0 && s < 3600) {
            return s;
        }
    }
    return 0;
}

static void start(ed_metrc *m, request *r)
{
    double now = ev_now(m->loop);
    if (r->is_get) {
        window_add(&r->facility->w, now);
        window_add(&m->integrator.w, now);
    }
    r->facility->inflight++;
    m->integrator.inflight++;
    m->inflight++;
    r->attempts++;
    m->stats.requests++;
    if (r->attempts > 1) {
        m->stats.retries++;
    }
    ed_buf_reset(&r->answer);
    r->too_big = 0;
    r->curl_err[0] = '\0';
    if (r->easy) {
        curl_easy_cleanup(r->easy);
    }
    CURL *e = curl_easy_init();
    if (e == NULL) {
        abort();
    }
    r->easy = e;
    ed_buf url = {0};
    ed_buf_printf(&url, "%s%s", m->base, r->path);
    curl_easy_setopt(e, CURLOPT_URL, url.data);
    ed_buf_free(&url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_USERNAME, m->vendor);
    curl_easy_setopt(e, CURLOPT_PASSWORD, m->user);
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(m->cfg.timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(m->cfg.timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)m->cfg.max_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_err);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "edict-metrc/1");
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    if (r->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
    } else if (!r->is_get) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    }
    if (r->headers == NULL) {
        r->headers = curl_slist_append(NULL, "Content-Type: application/json");
        r->headers = curl_slist_append(r->headers, "Accept: application/json");
        if (r->idem) {
            ed_buf h = {0};
            ed_buf_printf(&h, "X-Idempotency-Key: %s", r->idem);
            r->headers = curl_slist_append(r->headers, h.data);
            ed_buf_free(&h);
        }
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_multi_add_handle(m->multi, e);
}

/* Send what the limiter and the back-off let go; wake again when the
 * next one may. */
static void pump(ed_metrc *m)
{
    double now = ev_now(m->loop);
    double wake = -1;
    request **link = &m->queue;
    while (*link) {
        request *r = *link;
        double at = r->not_before > now ? r->not_before : now;
        at = at > r->facility->paused_until ? at : r->facility->paused_until;
        int blocked = r->facility->inflight >= r->facility->max_inflight ||
                      m->integrator.inflight >= m->integrator.max_inflight;
        if (r->is_get) {
            double f = window_next(&r->facility->w, now);
            double i = window_next(&m->integrator.w, now);
            at = at > f ? at : f;
            at = at > i ? at : i;
        }
        if (!blocked && at <= now) {
            *link = r->next;
            if (m->queue_tail == r) {
                m->queue_tail = NULL;
                for (request *t = m->queue; t; t = t->next) {
                    m->queue_tail = t;
                }
            }
            r->next = NULL;
            start(m, r);
            continue;
        }
        if (!blocked && (wake < 0 || at < wake)) {
            wake = at;
        }
        link = &r->next;
    }
    ev_timer_stop(m->loop, &m->pump_timer);
    if (wake >= 0) {
        ev_timer_set(&m->pump_timer, wake - now > 0.001 ? wake - now : 0.001, 0.0);
        ev_timer_start(m->loop, &m->pump_timer);
    }
}

static void enqueue(ed_metrc *m, request *r)
{
    r->next = NULL;
    if (m->queue_tail) {
        m->queue_tail->next = r;
    } else {
        m->queue = r;
    }
    m->queue_tail = r;
}

/* Metrc's own words from an error body: {"Message":…}, [{row, message}…]
 * (kept whole: the caller maps rows), or plain text; bounded. */
static void metrc_words(const request *r, ed_buf *out)
{
    const char *b = r->answer.data ? r->answer.data : "";
    size_t n = r->answer.len;
    if (n == 0) {
        ed_buf_puts(out, "(no body)");
        return;
    }
    const char *key = strstr(b, "\"Message\"");
    if (key && b[0] == '{') {
        const char *q = strchr(key + 9, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        if (q && e) {
            ed_buf_append(out, q + 1, (size_t)(e - q - 1));
            return;
        }
    }
    size_t keep = n > 400 ? 400 : n;
    for (size_t i = 0; i < keep; i++) {
        char c = b[i];
        ed_buf_putc(out, c == '\n' || c == '\r' ? ' ' : c);
    }
    if (keep < n) {
        ed_buf_puts(out, "…");
    }
}

static int transient_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

static void finish(ed_metrc *m, request *r, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    r->facility->inflight--;
    m->integrator.inflight--;
    m->inflight--;
    int ok = rc == CURLE_OK && status >= 200 && status < 300;
    int transient = (rc != CURLE_OK && transient_curl(rc) && !r->too_big &&
                     rc != CURLE_FILESIZE_EXCEEDED) ||
                    (rc == CURLE_OK && (status == 429 || status >= 500));
    double retry_after = 0;
    int throttled = rc == CURLE_OK && status == 429;
    if (throttled) {
        m->stats.throttled++;
        r->throttled++;
        retry_after = retry_after_of(r->easy);
        /* Metrc said the facility is over its limit: hold all of its calls */
        double until = ev_now(m->loop) + (retry_after > 0 ? retry_after : m->cfg.backoff_s);
        if (until > r->facility->paused_until) {
            r->facility->paused_until = until;
        }
    }
    /* 429s are Metrc pacing us, not failures: they have an allowance of
     * their own (4 x attempts), so a busy facility slows a sync down but
     * does not fail it */
    int failures = r->attempts - r->throttled;
    int may_retry = throttled ? r->throttled < 4 * m->cfg.max_attempts
                              : failures < m->cfg.max_attempts;
    if (!ok && transient && may_retry) {
        /* full jitter over an exponential ceiling; never sooner than
         * Metrc's Retry-After */
        double ceiling = m->cfg.backoff_s * pow(2.0, r->attempts - 1);
        if (ceiling > m->cfg.backoff_max_s) {
            ceiling = m->cfg.backoff_max_s;
        }
        double delay = ceiling * (0.5 + 0.5 * ((double)rand_r(&m->seed) / RAND_MAX));
        if (delay < retry_after) {
            delay = retry_after;
        }
        r->not_before = ev_now(m->loop) + delay;
        curl_multi_remove_handle(m->multi, r->easy);
        enqueue(m, r);
        return;
    }
    ed_buf error = {0};
    if (!ok) {
        ed_buf_printf(&error, "%s: ", r->endpoint);
        if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            ed_buf_printf(&error, "the answer passed %zu bytes", m->cfg.max_body);
        } else if (rc != CURLE_OK) {
            ed_buf_printf(&error, "%s", r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc));
        } else {
            ed_buf_printf(&error, "HTTP %ld: ", status);
            metrc_words(r, &error);
        }
        if (r->attempts > 1) {
            ed_buf_printf(&error, " (after %d attempts)", r->attempts);
        }
        m->stats.failed++;
    }
    ed_metrc_answer a = {r->endpoint, rc == CURLE_OK ? status : 0,
                         r->answer.data ? r->answer.data : "", r->answer.len,
                         ok ? NULL : error.data, r->attempts};
    curl_multi_remove_handle(m->multi, r->easy);
    r->done(r->arg, &a);
    ed_buf_free(&error);
    request_free(r);
}

static void check_done(ed_metrc *m)
{
    CURLMsg *msg;
    int left = 0;
    int any = 0;
    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        request *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode rc = msg->data.result;
        finish(m, r, rc);
        any = 1;
    }
    if (any || m->queue) {
        pump(m);
    }
}

int ed_metrc_request(ed_metrc *m, const char *method, const char *path, const char *license,
                     const char *body, const char *idem_key, ed_metrc_done done, void *arg,
                     ed_buf *err)
{
    if (path == NULL || path[0] != '/') {
        ed_buf_printf(err, "Metrc path '%s': begins with /", path ? path : "");
        return -1;
    }
    request *r = calloc(1, sizeof *r);
    if (r == NULL) {
        abort();
    }
    r->m = m;
    r->method = ed_strdup_or_null(method);
    r->path = ed_strdup_or_null(path);
    r->license = ed_strdup_or_null(license ? license : "");
    r->body = ed_strdup_or_null(body);
    r->idem = ed_strdup_or_null(idem_key);
    r->is_get = strcmp(method, "GET") == 0;
    r->done = done;
    r->arg = arg;
    r->facility = facility_of(m, license);
    ed_buf ep = {0};
    ed_buf_printf(&ep, "%s %s", method, path);
    r->endpoint = ep.data;
    enqueue(m, r);
    if (!ev_is_active(&m->pump_timer)) {
        ev_timer_set(&m->pump_timer, 0.0, 0.0);
        ev_timer_start(m->loop, &m->pump_timer);
    }
    return 0;
}

void ed_metrc_wait(ed_metrc *m)
{
    while (m->queue || m->inflight > 0) {
        ev_run(m->loop, EVRUN_ONCE);
    }
}

void ed_metrc_get_stats(const ed_metrc *m, ed_metrc_stats *out)
{
    *out = m->stats;
}

const ed_metrc_config *ed_metrc_cfg(const ed_metrc *m)
{
    return &m->cfg;
}

char *ed_metrc_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    if (e == NULL) {
        abort();
    }
    char *out = ed_strdup_or_null(e);
    curl_free(e);
    return out;
}
