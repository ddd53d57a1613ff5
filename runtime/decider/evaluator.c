/*
 * evaluator.c — the process that runs a server worker's rules
 * (evaluator.h): forking it, the request and verdict frames over a
 * socketpair, the deadline, and answering for the event a lost process
 * was deciding.
 *
 * The child is forked, not exec'd: it holds the very catalog the parent
 * vetted (the same generation, at the same addresses, so the rule and
 * pack pointers of an outcome mean the same thing on both sides), and
 * costs no reload. It touches no lock another thread may have held at
 * the fork (no store, no generations, no log), closes every descriptor
 * but its socket and the standard ones, and dies with its worker.
 */
#define _GNU_SOURCE /* close_range, sigabbrev_np */

#include "evaluator.h"

#include "engine/engine.h"
#include "stdlib/hash.h"
#include "util/fsutil.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* After this many lost processes in one request, its remaining events are
 * refused rather than tried: a body of crashing events must not cost a
 * fork each. */
#define MAX_LOSSES_PER_REQUEST 3
/* A frame larger than this is not a verdict: the child is broken. */
#define MAX_FRAME_BYTES ((size_t)256 << 20)
/* The child sends its verdicts in writes of about this size. */
#define FLUSH_BYTES ((size_t)64 << 10)

/* Written by the child, read by the parent (shared memory). */
struct ed_progress {
    _Atomic long ordinal;       /* the event whose rules run; 0 between */
    _Atomic int64_t started_us; /* since when (CLOCK_MONOTONIC) */
    long where;
    int by_index;
    ed_event ev;                /* its envelope, for its lost decision */
};

/* FRAME_FETCH: a rule's edict.metrc call, for the worker to make (its
 * strings: S_TENANT, S_ID the licence, S_TYPE the path; seconds the
 * time-out); the worker writes a wire_answer back and the child goes on. */
enum { FRAME_VERDICT = 1, FRAME_DONE = 2, FRAME_FETCH = 3 };

typedef struct wire_answer {
    int32_t status;
    uint32_t body_len, err_len;
} wire_answer;

typedef struct wire_request {
    uint64_t body_len, max_events;
    int64_t from, refuse_from;
    uint32_t n_skip, has_tenant, tenant_len, why_len;
} wire_request;

enum { S_ID, S_TENANT, S_TYPE, S_OCCURRED, S_DECISION, S_ERROR, S_COUNT };

typedef struct wire_verdict {
    uint32_t kind;
    int32_t status;             /* FRAME_DONE: what the reading returned */
    int64_t where, ordinal;
    double seconds;
    uint32_t by_index, has_outcome;
    uint32_t len[S_COUNT];      /* the strings that follow, in this order,
                                 * each with a NUL after it */
    ed_outcome outcome;
    uint64_t event_off, event_len; /* the event's bytes in the body (replay);
                                    * event_len 0: not known */
} wire_verdict;

/* An event whose process was lost, answered in its place in the input. */
typedef struct lost_event {
    long ordinal, where;
    int by_index;
    ed_event ev;
    char why[160];
} lost_event;

/* A request under way: where ed_evaluator_read_buffer is, so that it can
 * return while the worker's loop makes a rule's Metrc GET, and go on from
 * there when the answer comes (ed_evaluator_resume). */
typedef struct request_run {
    const char *body;           /* the caller's, alive until the end */
    size_t len, max_events;
    lost_event lost[MAX_LOSSES_PER_REQUEST];
    size_t n_lost, n_emitted;
    long next;                  /* the first ordinal not handed over yet */
    int quiet_retries;          /* a process found dead between requests */
    int sent;                   /* the process has it: read its frames */
    int answered;               /* a verdict came on this attempt */
    int broken;                 /* a fetch's answer could not be written */
} request_run;

struct ed_evaluator {
    ed_decider *d;
    double deadline_s;
    pid_t pid;                  /* 0: no process */
    int fd;
    int overran;                /* killed at its deadline */
    ed_progress *progress;      /* shared with the child */
    ed_buf in;                  /* from the child; read up to pos */
    size_t pos;
    unsigned long losses;
    ed_buf text, decision;
    ed_buf request;             /* a request's header, skips, tenant, why */
    request_run run;
    /* suspended on a rule's Metrc call (the decider's suspend_lookups):
     * what to ask, its strings in fetch_text */
    int suspended;
    ed_fetch fetch;
    ed_buf fetch_text;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------------ */
/* The child                                                            */
/* ------------------------------------------------------------------ */

void ed_progress_begin(ed_progress *p, const ed_verdict *v, const ed_event *ev)
{
    p->where = v->where;
    p->by_index = strcmp(v->unit, "index") == 0;
    memcpy(&p->ev, ev, sizeof *ev);
    atomic_store(&p->started_us, now_us());
    atomic_store(&p->ordinal, v->ordinal);
}

void ed_progress_end(ed_progress *p)
{
    atomic_store(&p->ordinal, 0);
}

/* What the child has read of its requests: a request comes in one
 * write, so it is read in as few reads as the socket allows (one, for a
 * body that fits its buffer), not one per part. */
typedef struct child_in {
    int fd;
    ed_buf buf;
    size_t pos;
} child_in;

/* Make n unread bytes available at in->buf.data + in->pos; _exit when the
 * worker is gone. */
static void child_need(child_in *in, size_t n)
{
    if (in->buf.len - in->pos >= n) {
        return;
    }
    if (in->pos > 0) {
        memmove(in->buf.data, in->buf.data + in->pos, in->buf.len - in->pos);
        in->buf.len -= in->pos;
        in->pos = 0;
    }
    while (in->buf.len < n) {
        ed_buf_reserve(&in->buf, (n > FLUSH_BYTES ? n : FLUSH_BYTES) - in->buf.len);
        ssize_t r = read(in->fd, in->buf.data + in->buf.len, in->buf.cap - in->buf.len - 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            _exit(0);
        }
        in->buf.len += (size_t)r;
    }
}

typedef struct child_out {
    ed_decider *d;
    int fd;
    ed_buf frames;
    child_in *in; /* the worker's answers to fetches come in here too */
} child_out;

static int flush_frames(child_out *c)
{
    int rc = ed_write_all(c->fd, c->frames.data, c->frames.len);
    ed_buf_reset(&c->frames);
    return rc;
}

static int child_verdict(void *arg, const ed_verdict *v)
{
    child_out *c = arg;
    const char *s[S_COUNT] = {v->event_id, v->tenant, v->type,
                              v->status == ED_DECIDED ? c->d->occurred_at : "",
                              v->decision ? v->decision : "", v->error ? v->error : ""};
    wire_verdict w;
    memset(&w, 0, sizeof w);
    w.kind = FRAME_VERDICT;
    w.status = (int32_t)v->status;
    w.where = v->where;
    w.ordinal = v->ordinal;
    w.seconds = v->seconds;
    w.by_index = strcmp(v->unit, "index") == 0;
    for (int i = 0; i < S_COUNT; i++) {
        w.len[i] = (uint32_t)(i == S_DECISION ? v->len : s[i] ? strlen(s[i]) : 0);
    }
    if (v->outcome) {
        w.has_outcome = 1;
        w.outcome = *v->outcome;
    }
    if (c->d->event != NULL) {
        w.event_off = c->d->event_off;
        w.event_len = c->d->event_len;
    }
    ed_buf_append(&c->frames, (const char *)&w, sizeof w);
    for (int i = 0; i < S_COUNT; i++) {
        ed_buf_append(&c->frames, s[i] ? s[i] : "", w.len[i]);
        ed_buf_putc(&c->frames, '\0');
    }
    if (c->frames.len >= FLUSH_BYTES && flush_frames(c) != 0) {
        _exit(0); /* the worker is gone */
    }
    return 0;
}

/* Only the standard descriptors and the socket stay: a client connection
 * or the journal held open here would outlive the parent's close. */
static int keep_only(int fd)
{
    if (fd != 3) {
        if (dup2(fd, 3) < 0) {
            return -1;
        }
    }
    if (close_range(4, ~0U, 0) != 0) {
        for (int i = 4; i < 65536; i++) {
            close(i);
        }
    }
    return 3;
}

/* A forked child becomes a process of its own: it dies with the thread
 * that forked it, takes signals as a plain process does, and keeps only
 * fd (returned, renumbered) of the parent's descriptors. */
static int become_child(int fd, pid_t parent, const char *name)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(0);
    }
    prctl(PR_SET_NAME, name);
    static const int defaults[] = {SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        signal(defaults[i], SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    fd = keep_only(fd);
    if (fd < 0) {
        _exit(0);
    }
    return fd;
}

/* In the child: a rule's edict.metrc call, made by the worker (which
 * holds the Metrc client and the keys; this process holds neither). The
 * verdicts written so far go first. */
static int child_lookup(void *arg, const char *tenant, const char *license, const char *path,
                        double timeout_s, ed_buf *body, ed_buf *err)
{
    child_out *c = arg;
    const char *s[S_COUNT] = {license, tenant, path, "", "", ""};
    wire_verdict w;
    memset(&w, 0, sizeof w);
    w.kind = FRAME_FETCH;
    w.seconds = timeout_s;
    for (int i = 0; i < S_COUNT; i++) {
        w.len[i] = (uint32_t)strlen(s[i]);
    }
    ed_buf_append(&c->frames, (const char *)&w, sizeof w);
    for (int i = 0; i < S_COUNT; i++) {
        ed_buf_append(&c->frames, s[i], w.len[i]);
        ed_buf_putc(&c->frames, '\0');
    }
    if (flush_frames(c) != 0) {
        _exit(0); /* the worker is gone */
    }
    wire_answer a;
    child_need(c->in, sizeof a);
    memcpy(&a, c->in->buf.data + c->in->pos, sizeof a);
    c->in->pos += sizeof a;
    if (a.body_len > MAX_FRAME_BYTES || a.err_len > MAX_FRAME_BYTES) {
        _exit(0); /* not an answer the worker writes */
    }
    child_need(c->in, (size_t)a.body_len + a.err_len);
    ed_buf_append(body, c->in->buf.data + c->in->pos, a.body_len);
    ed_buf_append(err, c->in->buf.data + c->in->pos + a.body_len, a.err_len);
    c->in->pos += (size_t)a.body_len + a.err_len;
    return a.status;
}

static _Noreturn void child_main(ed_evaluator *e, int fd, pid_t parent)
{
    ed_decider *d = e->d;
    fd = become_child(fd, parent, "edict-eval");
    /* this process decides, journals nothing and follows no reload */
    d->cfg.gens = NULL;
    d->cfg.store = NULL;
    d->evaluator = NULL;
    d->progress = e->progress;
    child_in in = {fd, {0}, 0};
    child_out c = {d, fd, {0}, &in};
    if (d->cfg.lookup != NULL) {
        d->cfg.lookup = child_lookup;
        d->cfg.lookup_arg = &c;
    }
    for (;;) {
        wire_request rq;
        child_need(&in, sizeof rq);
        memcpy(&rq, in.buf.data + in.pos, sizeof rq);
        in.pos += sizeof rq;
        /* the parts follow one another in the buffer: taken whole, then
         * cut (each NUL-terminated in place) */
        size_t n_skip = rq.n_skip * sizeof(long);
        size_t total = n_skip + rq.tenant_len + rq.why_len + rq.body_len;
        if (rq.n_skip > MAX_LOSSES_PER_REQUEST || total < rq.body_len) {
            _exit(0);
        }
        child_need(&in, total);
        char *parts = malloc(total + 4);
        if (parts == NULL) {
            _exit(0);
        }
        const char *at = in.buf.data + in.pos;
        in.pos += total;
        long *skip = (long *)parts; /* first: aligned as malloc's */
        memcpy(parts, at, n_skip);
        char *tenant = parts + n_skip;
        memcpy(tenant, at + n_skip, rq.tenant_len);
        tenant[rq.tenant_len] = '\0';
        char *why = tenant + rq.tenant_len + 1;
        memcpy(why, at + n_skip + rq.tenant_len, rq.why_len);
        why[rq.why_len] = '\0';
        char *body = why + rq.why_len + 1;
        memcpy(body, at + n_skip + rq.tenant_len + rq.why_len, rq.body_len);
        body[rq.body_len] = '\0';
        d->from = rq.from;
        d->skip = skip;
        d->n_skip = rq.n_skip;
        d->refuse_from = rq.refuse_from;
        d->refuse_why = why;
        ed_decider_set_tenant(d, rq.has_tenant ? tenant : NULL);
        int rc = ed_decider_read_buffer(d, body, rq.body_len, rq.max_events, child_verdict,
                                        &c);
        wire_verdict done;
        memset(&done, 0, sizeof done);
        done.kind = FRAME_DONE;
        done.status = rc;
        ed_buf_append(&c.frames, (const char *)&done, sizeof done);
        if (flush_frames(&c) != 0) {
            _exit(0);
        }
        free(parts);
    }
}

/* ------------------------------------------------------------------ */
/* The parent: the process                                              */
/* ------------------------------------------------------------------ */

/* OpenSSL's digests are fetched once, under pthread_once: done before a
 * fork, not in a child that may inherit the once half-run. */
static void before_fork(void)
{
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex("", 0, hex);
}

/* A socketpair and a fork: in the child 0, in the parent the child's pid,
 * each with *fd its own end and *parent the parent's pid; -1 with err
 * ("cannot start <what>: …") when either fails. */
static pid_t fork_connected(const char *what, int *fd, pid_t *parent, ed_buf *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        ed_buf_printf(err, "cannot start %s: socketpair: %s", what, strerror(errno));
        return -1;
    }
    before_fork();
    *parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        ed_buf_printf(err, "cannot start %s: fork: %s", what, strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    close(sv[pid == 0 ? 0 : 1]);
    *fd = sv[pid == 0 ? 1 : 0];
    return pid;
}

static int spawn(ed_evaluator *e, ed_buf *err)
{
    atomic_store(&e->progress->ordinal, 0);
    int fd;
    pid_t parent;
    pid_t pid = fork_connected("a rule evaluator", &fd, &parent, err);
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        child_main(e, fd, parent);
    }
    /* fill() reads without a poll first: a read waits at most a second,
     * then the deadline is looked at again */
    struct timeval tick = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    e->fd = fd;
    e->pid = pid;
    e->overran = 0;
    ed_buf_reset(&e->in);
    e->pos = 0;
    return 0;
}

/* Stop process pid (if it still runs) and say how it ended into why. */
static void end_process(pid_t pid, int overran, double deadline_s, char *why, size_t n)
{
    int status = 0;
    pid_t got;
    while ((got = waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR) {
    }
    if (got == 0) {
        /* alive: a broken frame, or the deadline */
        kill(pid, SIGKILL);
        while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
        }
    }
    if (overran) {
        snprintf(why, n, "ran past its deadline of %g s and was stopped", deadline_s);
    } else if (got == pid && WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(why, n, "was killed by signal %d (SIG%s)", WTERMSIG(status),
                 abbrev ? abbrev : "?");
    } else if (got == pid && WIFEXITED(status)) {
        snprintf(why, n, "exited with status %d", WEXITSTATUS(status));
    } else {
        snprintf(why, n, "stopped");
    }
}

static void reap(ed_evaluator *e, char *why, size_t n)
{
    if (e->pid == 0) {
        snprintf(why, n, "was not running");
        return;
    }
    close(e->fd);
    e->fd = -1;
    end_process(e->pid, e->overran, e->deadline_s, why, n);
    e->pid = 0;
}

ed_evaluator *ed_evaluator_new(ed_decider *d, double deadline_s, ed_buf *err)
{
    ed_evaluator *e = calloc(1, sizeof *e);
    if (e == NULL) {
        abort();
    }
    e->d = d;
    e->deadline_s = deadline_s > 0 ? deadline_s : 30;
    e->fd = -1;
    e->progress = mmap(NULL, sizeof *e->progress, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (e->progress == MAP_FAILED) {
        ed_buf_printf(err, "cannot start a rule evaluator: mmap: %s", strerror(errno));
        free(e);
        return NULL;
    }
    if (spawn(e, err) != 0) {
        munmap(e->progress, sizeof *e->progress);
        free(e);
        return NULL;
    }
    return e;
}

/* A process stopped between requests: told by its socket closing, it
 * exits on its own (and a profiler it runs under writes its figures);
 * one that has not within a second is killed. */
void ed_evaluator_stop(ed_evaluator *e)
{
    if (e->pid == 0) {
        return;
    }
    close(e->fd);
    e->fd = -1;
    for (int ms = 0; ms < 1000; ms++) {
        pid_t got = waitpid(e->pid, NULL, WNOHANG);
        if (got == e->pid || (got < 0 && errno != EINTR)) {
            e->pid = 0;
            return;
        }
        struct timespec tick = {0, 1000000};
        nanosleep(&tick, NULL);
    }
    char why[64];
    end_process(e->pid, 0, e->deadline_s, why, sizeof why);
    e->pid = 0;
}

/* Stop it now, in the middle of a request. */
static void stop_now(ed_evaluator *e)
{
    char why[64];
    reap(e, why, sizeof why);
}

void ed_evaluator_free(ed_evaluator *e)
{
    if (e == NULL) {
        return;
    }
    ed_evaluator_stop(e);
    munmap(e->progress, sizeof *e->progress);
    ed_buf_free(&e->in);
    ed_buf_free(&e->text);
    ed_buf_free(&e->request);
    ed_buf_free(&e->decision);
    ed_buf_free(&e->fetch_text);
    free(e);
}

unsigned long ed_evaluator_losses(const ed_evaluator *e)
{
    return e->losses;
}

/* Wait until `need` unread bytes from the child are in e->in. -1 when the
 * child is gone (it closed, died, or was stopped at its deadline). */
static int fill(ed_evaluator *e, size_t need)
{
    while (e->in.len - e->pos < need) {
        if (e->pos > 0) {
            /* what is unread goes to the front */
            memmove(e->in.data, e->in.data + e->pos, e->in.len - e->pos);
            e->in.len -= e->pos;
            e->in.data[e->in.len] = '\0';
            e->pos = 0;
        }
        int timeout_ms = 1000;
        long ordinal = atomic_load(&e->progress->ordinal);
        if (ordinal != 0 && !e->overran) {
            int64_t left = atomic_load(&e->progress->started_us) +
                           (int64_t)(e->deadline_s * 1e6) - now_us();
            if (left <= 0) {
                kill(e->pid, SIGKILL);
                e->overran = 1;
            } else if (left / 1000 < timeout_ms) {
                timeout_ms = (int)(left / 1000) + 1;
            }
        }
        if (timeout_ms < 1000) {
            /* the deadline is nearer than a read's wait (SO_RCVTIMEO) */
            struct pollfd pfd = {e->fd, POLLIN, 0};
            int ready = poll(&pfd, 1, timeout_ms);
            if (ready < 0 && errno != EINTR) {
                return -1;
            }
            if (ready <= 0) {
                continue;
            }
        }
        size_t want = need - (e->in.len - e->pos);
        ed_buf_reserve(&e->in, want > FLUSH_BYTES ? want : FLUSH_BYTES);
        ssize_t r = read(e->fd, e->in.data + e->in.len, e->in.cap - e->in.len - 1);
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
            continue; /* a signal, or a second without a byte */
        }
        if (r <= 0) {
            return -1;
        }
        e->in.len += (size_t)r;
        e->in.data[e->in.len] = '\0';
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The parent: a request                                                */
/* ------------------------------------------------------------------ */

static int within(const void *p, const void *base, size_t n, size_t size)
{
    uintptr_t x = (uintptr_t)p, b = (uintptr_t)base;
    return x >= b && x < b + n * size && (x - b) % size == 0;
}

/* An outcome's pointers name rules and packs of the catalog both
 * processes share; anything else (a child gone wrong) is dropped. */
static void keep_known(const ed_catalog *cat, ed_outcome *o)
{
    if (o->n_fired > ED_OUTCOME_MAX_FIRED) {
        o->n_fired = 0;
    }
    if (o->n_errored > ED_OUTCOME_MAX_FIRED) {
        o->n_errored = 0;
    }
    for (size_t i = 0; i < o->n_fired; i++) {
        int known = 0;
        for (size_t k = 0; cat && k < cat->n_packs + cat->n_tenants && !known; k++) {
            const ed_pack *p = k < cat->n_packs ? cat->packs[k] : cat->tenants[k - cat->n_packs];
            known = within(o->fired[i].rule, p->rules, p->n_rules, sizeof *p->rules);
        }
        if (!known) {
            o->n_fired = i;
            break;
        }
    }
    for (size_t i = 0; i < o->n_errored; i++) {
        int known = o->errored[i].pack == NULL;
        for (size_t k = 0; cat && k < cat->n_packs + cat->n_tenants && !known; k++) {
            const ed_pack *p = k < cat->n_packs ? cat->packs[k] : cat->tenants[k - cat->n_packs];
            known = o->errored[i].pack == p->name;
        }
        if (!known) {
            o->errored[i].pack = NULL;
        }
    }
}

static int emit_lost(ed_evaluator *e, const lost_event *l)
{
    ed_decider *d = e->d;
    ed_outcome o;
    ed_buf_reset(&e->text);
    ed_buf_printf(&e->text, "the process evaluating this event's rules %s; no rule's result "
                  "is known (send the event again to decide it)", l->why);
    ed_buf_reset(&e->decision);
    ed_eval_options opt = {d->cfg.explain, ED_VAULT_UNKNOWN};
    ed_engine_lost(&l->ev, &opt, e->text.data, &e->decision, &o);
    ed_verdict v = {0};
    v.status = ED_DECIDED;
    v.unit = l->by_index ? "index" : "line";
    v.where = l->where;
    v.ordinal = l->ordinal;
    v.event_id = l->ev.id;
    v.tenant = l->ev.tenant;
    v.type = l->ev.type;
    v.decision = e->decision.data;
    v.len = e->decision.len;
    v.outcome = &o;
    v.error = "";
    ed_decider_journal(d, &v, l->ev.occurred_at, &o);
    return ed_decider_hand_over(d, &v);
}

/* The answer to a fetch, to the child: 0, or -1 when it is gone. */
static int write_answer(ed_evaluator *e, int status, const char *body, size_t len,
                        const char *err)
{
    size_t err_len = err ? strlen(err) : 0;
    if (len > MAX_FRAME_BYTES || err_len > MAX_FRAME_BYTES) {
        status = -1;
        len = 0;
        err = "the answer is too large";
        err_len = strlen(err);
    }
    wire_answer a = {status, (uint32_t)len, (uint32_t)err_len};
    /* one write: the child reads it whole (e->request is free between
     * requests) */
    ed_buf_reset(&e->request);
    ed_buf_append(&e->request, &a, sizeof a);
    ed_buf_append(&e->request, body ? body : "", len);
    ed_buf_append(&e->request, err ? err : "", err_len);
    return ed_write_all(e->fd, e->request.data, e->request.len);
}

/* A rule's edict.metrc call, from the child (FRAME_FETCH at e->pos, its
 * strings after it). With the decider's suspend_lookups, a call for the
 * request's tenant is left to the caller: the strings are kept in
 * e->fetch and 1 is returned (the caller's loop makes the GET, then
 * ed_evaluator_resume). Otherwise it is made here, with the decider's
 * lookup, and the worker waits for it: 0, or -1 when the frame is not one
 * or the child is gone. */
static int take_fetch(ed_evaluator *e, const wire_verdict *w)
{
    const char *s[S_COUNT];
    const char *p = e->in.data + e->pos;
    for (int i = 0; i < S_COUNT; i++) {
        s[i] = p;
        p += w->len[i];
        if (*p++ != '\0') {
            return -1;
        }
    }
    ed_decider *d = e->d;
    /* the request's tenant is the one authenticated here, whatever a
     * process running tenants' code says: never another's keys */
    int own = d->cfg.tenant != NULL && strcmp(s[S_TENANT], d->cfg.tenant) == 0;
    if (own && d->cfg.lookup != NULL && d->cfg.suspend_lookups) {
        ed_buf_reset(&e->fetch_text);
        size_t at[3];
        const int which[3] = {S_TENANT, S_ID, S_TYPE};
        for (int i = 0; i < 3; i++) {
            at[i] = e->fetch_text.len;
            ed_buf_append(&e->fetch_text, s[which[i]], strlen(s[which[i]]) + 1);
        }
        e->fetch.tenant = e->fetch_text.data + at[0];
        e->fetch.license = e->fetch_text.data + at[1];
        e->fetch.path = e->fetch_text.data + at[2];
        e->fetch.timeout_s = w->seconds;
        e->suspended = 1;
        return 1;
    }
    ed_buf_reset(&e->text);
    ed_buf_reset(&e->decision);
    int status = -1;
    if (d->cfg.lookup == NULL) {
        ed_buf_puts(&e->text, "Metrc cannot be asked here");
    } else if (!own) {
        ed_buf_puts(&e->text, "Metrc can be asked only for the request's own tenant");
    } else {
        status = d->cfg.lookup(d->cfg.lookup_arg, s[S_TENANT], s[S_ID], s[S_TYPE], w->seconds,
                               &e->decision, &e->text);
    }
    return write_answer(e, status, e->decision.data, e->decision.len,
                        e->text.len ? e->text.data : NULL);
}

static int host_failure(ed_evaluator *e, const char *fmt, const char *why)
{
    ed_buf_reset(&e->text);
    ed_buf_printf(&e->text, fmt, why);
    ed_verdict v = {0};
    v.status = ED_HOST_FAILURE;
    v.unit = "line";
    v.event_id = v.tenant = v.type = "";
    v.error = e->text.data;
    ed_decider_hand_over(e->d, &v);
    return -1;
}

static int send_request(ed_evaluator *e, const char *body, size_t len, size_t max_events,
                        long from, const lost_event *lost, size_t n_lost)
{
    ed_decider *d = e->d;
    const char *tenant = d->cfg.tenant;
    char why[200] = "";
    wire_request rq;
    memset(&rq, 0, sizeof rq);
    rq.body_len = len;
    rq.max_events = max_events;
    rq.from = from;
    rq.n_skip = (uint32_t)n_lost;
    if (n_lost >= MAX_LOSSES_PER_REQUEST) {
        rq.refuse_from = lost[n_lost - 1].ordinal + 1;
        snprintf(why, sizeof why, "not decided: the rule evaluator was lost %d times on this "
                 "request; send this event again", MAX_LOSSES_PER_REQUEST);
    }
    rq.has_tenant = tenant != NULL;
    rq.tenant_len = tenant ? (uint32_t)strlen(tenant) : 0;
    rq.why_len = (uint32_t)strlen(why);
    long skip[MAX_LOSSES_PER_REQUEST];
    for (size_t i = 0; i < n_lost; i++) {
        skip[i] = lost[i].ordinal;
    }
    /* one write: the child reads it whole, and wakes once */
    ed_buf_reset(&e->request);
    ed_buf_append(&e->request, &rq, sizeof rq);
    ed_buf_append(&e->request, skip, n_lost * sizeof skip[0]);
    ed_buf_append(&e->request, tenant ? tenant : "", rq.tenant_len);
    ed_buf_append(&e->request, why, rq.why_len);
    struct iovec iov[] = {{e->request.data, e->request.len}, {(void *)body, len}};
    size_t k = 0, n_iov = sizeof iov / sizeof iov[0];
    while (k < n_iov) {
        ssize_t w = writev(e->fd, iov + k, (int)(n_iov - k));
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return -1;
        }
        size_t done = (size_t)w;
        while (k < n_iov && done >= iov[k].iov_len) {
            done -= iov[k].iov_len;
            k++;
        }
        if (k < n_iov) {
            iov[k].iov_base = (char *)iov[k].iov_base + done;
            iov[k].iov_len -= done;
        }
    }
    return 0;
}

/* Read the request's frames and hand its verdicts over, from where
 * e->run is: 0 (or the reading's status) when its last frame came,
 * ED_READ_SUSPENDED when a rule's Metrc call waits for the caller, -1 on
 * a host failure. A process lost on the way is replaced and the request
 * sent again from its next event. */
static int run(ed_evaluator *e)
{
    ed_decider *d = e->d;
    request_run *r = &e->run;
    char why[160];
    for (;;) {
        if (!r->sent) {
            /* a process that died idle is found when its socket refuses
             * the request (or closes before an answer): it is reaped and
             * replaced below, quietly (no waitpid here: a system call per
             * request) */
            ed_buf err = {0};
            if (e->pid == 0 && spawn(e, &err) != 0) {
                int rc = host_failure(e, "%s", err.data);
                ed_buf_free(&err);
                return rc;
            }
            ed_buf_free(&err);
            r->answered = 0;
            r->broken = 0;
            r->sent = send_request(e, r->body, r->len, r->max_events, r->next, r->lost,
                                   r->n_lost) == 0;
        }
        while (r->sent && !r->broken) {
            wire_verdict w;
            if (fill(e, sizeof w) != 0) {
                break;
            }
            memcpy(&w, e->in.data + e->pos, sizeof w);
            size_t payload = 0;
            for (int i = 0; w.kind != FRAME_DONE && i < S_COUNT; i++) {
                payload += (size_t)w.len[i] + 1;
            }
            if ((w.kind != FRAME_VERDICT && w.kind != FRAME_DONE && w.kind != FRAME_FETCH) ||
                payload > MAX_FRAME_BYTES || fill(e, sizeof w + payload) != 0) {
                break;
            }
            e->pos += sizeof w;
            if (w.kind == FRAME_FETCH) {
                int taken = take_fetch(e, &w);
                if (taken < 0) {
                    break;
                }
                e->pos += payload;
                if (taken == 1) {
                    return ED_READ_SUSPENDED;
                }
                continue;
            }
            if (w.kind == FRAME_DONE) {
                r->sent = 0;
                for (; r->n_emitted < r->n_lost; r->n_emitted++) {
                    if (emit_lost(e, &r->lost[r->n_emitted]) != 0) {
                        stop_now(e);
                        return -1;
                    }
                }
                return w.status != 0 ? w.status : d->failed ? -1 : 0;
            }
            char *s[S_COUNT];
            char *p = e->in.data + e->pos;
            int framed = 1;
            for (int i = 0; i < S_COUNT; i++) {
                s[i] = p;
                p += w.len[i];
                framed &= *p++ == '\0';
            }
            if (!framed) {
                break;
            }
            for (; r->n_emitted < r->n_lost && r->lost[r->n_emitted].ordinal < w.ordinal;
                 r->n_emitted++) {
                if (emit_lost(e, &r->lost[r->n_emitted]) != 0) {
                    stop_now(e);
                    return -1;
                }
            }
            ed_verdict v = {0};
            v.status = (ed_status)w.status;
            v.unit = w.by_index ? "index" : "line";
            v.where = (long)w.where;
            v.ordinal = (long)w.ordinal;
            v.seconds = w.seconds;
            v.event_id = s[S_ID];
            v.tenant = s[S_TENANT];
            v.type = s[S_TYPE];
            v.error = s[S_ERROR];
            if (v.status == ED_DECIDED && w.has_outcome) {
                keep_known(d->cat, &w.outcome);
                v.decision = s[S_DECISION];
                v.len = w.len[S_DECISION];
                v.outcome = &w.outcome;
                int spanned = w.event_len > 0 && w.event_off <= r->len &&
                              w.event_len <= r->len - w.event_off;
                d->event = spanned ? r->body + w.event_off : NULL;
                d->event_len = spanned ? (size_t)w.event_len : 0;
                ed_decider_journal(d, &v, s[S_OCCURRED], &w.outcome);
                d->event = NULL;
            } else if (v.status == ED_DECIDED) {
                v.status = ED_HOST_FAILURE;
                v.error = "the rule evaluator sent a decision without its outcome";
            }
            int stop = ed_decider_hand_over(d, &v);
            e->pos += payload;
            r->answered = 1;
            r->next = v.ordinal + 1;
            if (stop) {
                /* the child is still writing: it goes, with its rest */
                r->sent = 0;
                stop_now(e);
                return -1;
            }
        }
        /* the process is lost */
        r->sent = 0;
        reap(e, why, sizeof why);
        long k = atomic_load(&e->progress->ordinal);
        if (k == 0 || k < r->next) {
            /* not in a rule: dead before the request, or in reading it */
            if (!r->answered && r->quiet_retries-- > 0) {
                continue;
            }
            return host_failure(e, "the rule evaluator %s while reading the body", why);
        }
        e->losses++;
        if (r->n_lost == MAX_LOSSES_PER_REQUEST) {
            return host_failure(e, "the rule evaluator %s again", why);
        }
        lost_event *l = &r->lost[r->n_lost++];
        l->ordinal = k;
        l->where = e->progress->where;
        l->by_index = e->progress->by_index;
        memcpy(&l->ev, &e->progress->ev, sizeof l->ev);
        l->ev.id[sizeof l->ev.id - 1] = '\0';
        l->ev.tenant[sizeof l->ev.tenant - 1] = '\0';
        l->ev.type[sizeof l->ev.type - 1] = '\0';
        l->ev.jurisdiction[sizeof l->ev.jurisdiction - 1] = '\0';
        l->ev.occurred_at[sizeof l->ev.occurred_at - 1] = '\0';
        l->ev.as_of[sizeof l->ev.as_of - 1] = '\0';
        snprintf(l->why, sizeof l->why, "%s", why);
    }
}

int ed_evaluator_read_buffer(ed_evaluator *e, const char *body, size_t len,
                             size_t max_events)
{
    memset(&e->run, 0, sizeof e->run);
    e->run.body = body;
    e->run.len = len;
    e->run.max_events = max_events;
    e->run.next = 1;
    e->run.quiet_retries = 1;
    e->suspended = 0;
    return run(e);
}

const ed_fetch *ed_evaluator_fetch(const ed_evaluator *e)
{
    return e->suspended ? &e->fetch : NULL;
}

void ed_evaluator_moved(ed_evaluator *e, const char *body)
{
    e->run.body = body;
}

int ed_evaluator_resume(ed_evaluator *e, int status, const char *body, size_t len,
                        const char *err)
{
    if (!e->suspended) {
        return -1;
    }
    e->suspended = 0;
    if (write_answer(e, status, body, len, err) != 0) {
        e->run.broken = 1; /* the process is gone: found lost in run */
    }
    return run(e);
}

void ed_evaluator_abandon(ed_evaluator *e)
{
    if (e->suspended) {
        e->suspended = 0;
        e->run.sent = 0;
        stop_now(e); /* in the middle of the request: its rest is not wanted */
    }
}

/* ------------------------------------------------------------------ */
/* One call apart                                                       */
/* ------------------------------------------------------------------ */

int ed_evaluator_call(int (*fn)(void *arg, ed_buf *out), void *arg, double deadline_s,
                      ed_buf *out)
{
    int sock;
    pid_t parent;
    pid_t pid = fork_connected("a process", &sock, &parent, out);
    if (pid < 0) {
        ed_buf_putc(out, '\n');
        return -1;
    }
    if (pid == 0) {
        int fd = become_child(sock, parent, "edict-vet");
        ed_buf text = {0};
        int32_t rc = fn(arg, &text);
        if (ed_write_all(fd, &rc, sizeof rc) != 0 || ed_write_all(fd, text.data ? text.data : "",
                                                                   text.len) != 0) {
            _exit(1);
        }
        _exit(0);
    }
    /* the answer: its status, then its text until the child closes */
    ed_buf got = {0};
    int64_t end = now_us() + (int64_t)(deadline_s * 1e6);
    int overran = 0;
    for (;;) {
        int64_t left = end - now_us();
        if (left <= 0) {
            overran = 1;
            break;
        }
        struct pollfd pfd = {sock, POLLIN, 0};
        int ready = poll(&pfd, 1, left / 1000 > 1000 ? 1000 : (int)(left / 1000) + 1);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        if (ready <= 0) {
            continue;
        }
        ed_buf_reserve(&got, FLUSH_BYTES);
        ssize_t r = read(sock, got.data + got.len, got.cap - got.len - 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got.len += (size_t)r;
        got.data[got.len] = '\0';
    }
    close(sock);
    char why[160];
    end_process(pid, overran, deadline_s, why, sizeof why);
    int32_t rc;
    if (overran || got.len < sizeof rc) {
        ed_buf_printf(out, "the process checking the packs %s\n", why);
        ed_buf_free(&got);
        return -1;
    }
    memcpy(&rc, got.data, sizeof rc);
    ed_buf_append(out, got.data + sizeof rc, got.len - sizeof rc);
    ed_buf_free(&got);
    return rc;
}
