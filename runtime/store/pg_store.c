/*
 * pg_store.c — the audit store in PostgreSQL (libpq), for several edict
 * nodes sharing one store. Same chains as the file store, byte for byte:
 *
 *     hash_n = SHA-256(hash_{n-1} || record_n || decision_n)
 *
 * computed here, by the host (ed_store_chain_hash), where record_n is
 * rebuilt from the row's columns by ed_store_record_fields: a column
 * changed in the database breaks the chain like a changed byte in a file.
 * The schema (runtime/store/migrations/) keeps the journal append-only in
 * the database itself and each tenant to its own rows (row-level security,
 * the tenant set per transaction with set_config(..., true)).
 *
 * Appending: ed_store_append queues the entry (after the quarantine
 * check); ed_store_commit makes a group of queued entries durable in one
 * transaction, led by whichever committer comes first (the others wait for
 * it, as with the file store's fdatasync). In that transaction each
 * tenant's chain head row is locked (SELECT … FOR UPDATE): one tenant's
 * appends are serialised across every node, other tenants' go on in
 * parallel; seq and prev come from the locked head, so a chain has no gap
 * whatever the number of nodes. An entry counts as durable only after its
 * COMMIT returned; a group whose transaction fails is not acknowledged
 * (its committers get -1) and leaves nothing behind, and later groups go
 * on.
 *
 * Connections: a small pool, one connection per concurrent user (libpq
 * connections are not shared between threads).
 */
#define _POSIX_C_SOURCE 200809L
#define pg_store_c

#include "store_impl.h"
#include "pg_conn.h"
#include "pg_schema.h"
#include "pg_jobs.h"
#include "pg_alerts.h"
#include "pg_metrc.h"
#include "pg_packs.h"

#include "stdlib/hash.h"
#include "util/fsutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_NAME 256
/* Connections one store holds open at once (store_pool_size): the
 * committer, readers (GET /v1/decisions, audit), jobs. A user that finds
 * them all busy waits store_pool_wait_ms for one, then fails with a clear
 * error (a 503 with Retry-After under serve), never hangs. */
#define POOL_MAX 64
#define POOL_DEFAULT 16
#define POOL_WAIT_DEFAULT_MS 5000
#define FAILED_GROUPS_KEPT 64

/* An appended entry waiting for its group's COMMIT (strings owned). */
typedef struct queued {
    char *tenant, *decision_id, *event_id, *occurred_at, *flag, *type, *retention_until;
    char *bytes;
    size_t len;
    char *catalog;      /* replay fields (ed_record): NULL for the older form */
    char *event;        /* NULL: none */
    size_t event_len;
    ed_ticket ticket;
    char **ops; /* per write for Metrc: key, license, method, path, body */
    size_t n_ops;
    struct queued *next;
} queued;

typedef struct failed_group {
    ed_ticket from, to; /* inclusive */
    char why[400];
} failed_group;

typedef struct quarantine {
    char *tenant, *why;
} quarantine;

typedef struct pg_store {
    ed_store base;
    ed_pg_target target;
    ed_store_mode mode;
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    PGconn *idle[POOL_MAX];
    size_t n_idle;
    size_t n_open;       /* idle and in use */
    size_t pool_size;    /* at most this many open */
    unsigned pool_wait_ms;
    pthread_cond_t free_cv; /* a connection came back, or one closed */
    /* group commit */
    queued *head, *tail;
    ed_ticket appended, done; /* tickets handed out; resolved (committed or failed) */
    int committing;
    failed_group failed[FAILED_GROUPS_KEPT];
    size_t n_failed;
    /* tenants whose chain did not verify when the store was opened */
    quarantine *quarantined;
    size_t n_quarantined;
} pg_store;

static const ed_store_ops pg_ops;

/* ------------------------------------------------------------------ */
/* Connections                                                          */
/* ------------------------------------------------------------------ */

/* Close a connection taken with conn_get that will not be given back. */
static void conn_discard(pg_store *ps, PGconn *c)
{
    PQfinish(c);
    pthread_mutex_lock(&ps->mu);
    ps->n_open--;
    pthread_cond_signal(&ps->free_cv);
    pthread_mutex_unlock(&ps->mu);
}

/* A connection for this thread alone; give it back with conn_put (or
 * conn_discard). An idle one, else a new one while fewer than pool_size
 * are open, else the first to come back within pool_wait_ms. */
static PGconn *conn_get(pg_store *ps, ed_buf *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ps->pool_wait_ms / 1000;
    until.tv_nsec += (long)(ps->pool_wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    PGconn *c = NULL;
    int timed_out = 0;
    pthread_mutex_lock(&ps->mu);
    while (ps->n_idle == 0 && ps->n_open >= ps->pool_size && !timed_out) {
        timed_out = pthread_cond_timedwait(&ps->free_cv, &ps->mu, &until) != 0 &&
                    ps->n_idle == 0 && ps->n_open >= ps->pool_size;
    }
    if (ps->n_idle > 0) {
        c = ps->idle[--ps->n_idle];
    } else if (!timed_out) {
        ps->n_open++; /* reserved: connected below, outside the lock */
    }
    pthread_mutex_unlock(&ps->mu);
    if (timed_out) {
        ed_buf_printf(err, "store %s: all %zu connections of this node are busy (waited "
                      "%u ms for one); raise store_pool_size or lower the load",
                      ps->target.shown ? ps->target.shown : "postgres://", ps->pool_size,
                      ps->pool_wait_ms);
        return NULL;
    }
    if (c != NULL && PQstatus(c) != CONNECTION_OK) {
        PQreset(c); /* the server restarted, or the network broke */
        if (PQstatus(c) != CONNECTION_OK) {
            ed_pg_error(&ps->target, c, NULL, "connection lost", err);
            conn_discard(ps, c);
            return NULL;
        }
    }
    if (c == NULL && (c = ed_pg_connect(&ps->target, err)) == NULL) {
        pthread_mutex_lock(&ps->mu);
        ps->n_open--;
        pthread_cond_signal(&ps->free_cv);
        pthread_mutex_unlock(&ps->mu);
    }
    return c;
}

/* The server went away (a restart, a failover, the network): the idle
 * connections are as dead as the one that found out; close them all, so
 * that the next user connects afresh instead of failing on each in turn. */
static void pool_drop(pg_store *ps)
{
    PGconn *dead[POOL_MAX];
    pthread_mutex_lock(&ps->mu);
    size_t n = ps->n_idle;
    memcpy(dead, ps->idle, n * sizeof *dead);
    ps->n_idle = 0;
    ps->n_open -= n;
    pthread_cond_broadcast(&ps->free_cv);
    pthread_mutex_unlock(&ps->mu);
    for (size_t i = 0; i < n; i++) {
        PQfinish(dead[i]);
    }
}

static void conn_put(pg_store *ps, PGconn *c)
{
    if (c == NULL) {
        return;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        conn_discard(ps, c);
        pool_drop(ps);
        return;
    }
    if (PQtransactionStatus(c) != PQTRANS_IDLE) {
        PQclear(PQexec(c, "ROLLBACK"));
    }
    pthread_mutex_lock(&ps->mu);
    if (ps->n_idle < POOL_MAX && PQstatus(c) == CONNECTION_OK) {
        ps->idle[ps->n_idle++] = c;
        c = NULL;
        pthread_cond_signal(&ps->free_cv);
    }
    pthread_mutex_unlock(&ps->mu);
    if (c != NULL) {
        conn_discard(ps, c);
    }
}

/* A query with text parameters (lens NULL) or some binary ones, results
 * in binary. NULL with err when it did not give `want`. */
static PGresult *query(pg_store *ps, PGconn *c, const char *sql, int n,
                       const char *const *vals, const int *lens, const int *formats,
                       ExecStatusType want, const char *what, ed_buf *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, vals, lens, formats, 1);
    if (PQresultStatus(r) != want) {
        ed_pg_error(&ps->target, c, r, what, err);
        PQclear(r);
        return NULL;
    }
    return r;
}

static int set_tenant(pg_store *ps, PGconn *c, const char *tenant, ed_buf *err);

/* BEGIN and set the tenant for this transaction alone (SET LOCAL): row-
 * level security then shows and takes only that tenant's rows. */
static int begin_tenant(pg_store *ps, PGconn *c, const char *begin, const char *tenant,
                        ed_buf *err)
{
    if (ed_pg_exec(&ps->target, c, begin, err) != 0) {
        return -1;
    }
    return set_tenant(ps, c, tenant, err);
}

static int set_tenant(pg_store *ps, PGconn *c, const char *tenant, ed_buf *err)
{
    const char *vals[1] = {tenant};
    PGresult *r = query(ps, c, "SELECT set_config('edict.tenant', $1, true)", 1, vals, NULL,
                        NULL, PGRES_TUPLES_OK, "setting the tenant", err);
    PQclear(r);
    return r ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Open, close                                                          */
/* ------------------------------------------------------------------ */

static int verify_for_quarantine(pg_store *ps, ed_buf *err);

ed_store *ed_pg_store_open(const char *url, const ed_store_options *opt, ed_buf *err)
{
    pg_store *ps = calloc(1, sizeof *ps);
    if (ps == NULL) {
        abort();
    }
    ps->base.ops = &pg_ops;
    ps->mode = opt ? opt->mode : ED_STORE_READ;
    pthread_mutex_init(&ps->mu, NULL);
    pthread_cond_init(&ps->done_cv, NULL);
    pthread_cond_init(&ps->free_cv, NULL);
    ps->pool_size = opt && opt->pool_size ? opt->pool_size : POOL_DEFAULT;
    ps->pool_size = ps->pool_size > POOL_MAX ? POOL_MAX : ps->pool_size;
    ps->pool_wait_ms = opt && opt->pool_wait_ms ? opt->pool_wait_ms : POOL_WAIT_DEFAULT_MS;
    if (ed_pg_target_init(&ps->target, url, err) != 0) {
        free(ps);
        return NULL;
    }
    ps->target.statement_timeout_ms = opt ? opt->statement_timeout_ms : 0;
    PGconn *c = ed_pg_connect(&ps->target, err);
    ps->n_open = c != NULL;
    if (c == NULL || ed_pg_schema_check(&ps->target, c, err) != 0) {
        if (c) {
            PQfinish(c);
        }
        ps->n_idle = 0;
        ed_store_close(&ps->base);
        return NULL;
    }
    conn_put(ps, c);
    /* a writer appends to no chain that does not verify */
    if (ps->mode == ED_STORE_WRITE && verify_for_quarantine(ps, err) != 0) {
        ed_store_close(&ps->base);
        return NULL;
    }
    return &ps->base;
}

static void free_queued(queued *q)
{
    while (q != NULL) {
        queued *next = q->next;
        free(q->tenant);
        free(q->decision_id);
        free(q->event_id);
        free(q->occurred_at);
        free(q->flag);
        free(q->type);
        free(q->retention_until);
        free(q->bytes);
        for (size_t i = 0; i < 5 * q->n_ops; i++) {
            free(q->ops[i]);
        }
        free(q->ops);
        free(q->catalog);
        free(q->event);
        free(q);
        q = next;
    }
}

static int pg_commit(ed_store *s, ed_ticket ticket, ed_buf *err);

static void pg_close(ed_store *s)
{
    pg_store *ps = (pg_store *)s;
    ed_buf err = {0};
    if (ps->head != NULL && pg_commit(s, ED_TICKET_ALL, &err) != 0) {
        fprintf(stderr, "edict: %s\n", err.data);
    }
    ed_buf_free(&err);
    free_queued(ps->head);
    for (size_t i = 0; i < ps->n_idle; i++) {
        PQfinish(ps->idle[i]);
    }
    for (size_t i = 0; i < ps->n_quarantined; i++) {
        free(ps->quarantined[i].tenant);
        free(ps->quarantined[i].why);
    }
    free(ps->quarantined);
    ed_pg_target_free(&ps->target);
    pthread_mutex_destroy(&ps->mu);
    pthread_cond_destroy(&ps->done_cv);
    pthread_cond_destroy(&ps->free_cv);
    free(ps);
}

/* ------------------------------------------------------------------ */
/* Append, commit                                                       */
/* ------------------------------------------------------------------ */

static const char *quarantined_why(pg_store *ps, const char *tenant)
{
    for (size_t i = 0; i < ps->n_quarantined; i++) {
        if (strcmp(ps->quarantined[i].tenant, tenant) == 0) {
            return ps->quarantined[i].why;
        }
    }
    return NULL;
}

static char *dup_or_empty(const char *s)
{
    return ed_strdup(s ? s : "");
}

static int pg_append(ed_store *s, const ed_record *rec, const ed_outbox_op *ops, size_t n_ops,
                     ed_ticket *ticket, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    if (ps->mode != ED_STORE_WRITE) {
        ed_buf_printf(err, "store %s: opened for reading", ps->target.shown);
        return -1;
    }
    if (rec->len + rec->event_len > ED_STORE_MAX_ENTRY ||
        memchr(rec->bytes, '\n', rec->len) != NULL) {
        ed_buf_puts(err, "a journal entry must be one line of at most 16 MiB");
        return -1;
    }
    if (rec->tenant == NULL || rec->tenant[0] == '\0' || strlen(rec->tenant) > MAX_NAME) {
        ed_buf_puts(err, "a journal entry needs a tenant");
        return -1;
    }
    queued *q = calloc(1, sizeof *q);
    if (q == NULL) {
        abort();
    }
    q->tenant = ed_strdup(rec->tenant);
    q->decision_id = dup_or_empty(rec->decision_id);
    q->event_id = dup_or_empty(rec->event_id);
    q->occurred_at = dup_or_empty(rec->occurred_at);
    q->flag = dup_or_empty(rec->flag);
    q->type = dup_or_empty(rec->type);
    q->retention_until = dup_or_empty(rec->retention_until);
    q->bytes = malloc(rec->len + 1);
    if (q->bytes == NULL) {
        abort();
    }
    memcpy(q->bytes, rec->bytes, rec->len);
    q->bytes[rec->len] = '\0';
    q->len = rec->len;
    if (n_ops > 0) {
        q->ops = calloc(5 * n_ops, sizeof *q->ops);
        if (q->ops == NULL) {
            abort();
        }
        q->n_ops = n_ops;
        for (size_t i = 0; i < n_ops; i++) {
            q->ops[5 * i] = dup_or_empty(ops[i].key);
            q->ops[5 * i + 1] = dup_or_empty(ops[i].license);
            q->ops[5 * i + 2] = dup_or_empty(ops[i].method);
            q->ops[5 * i + 3] = dup_or_empty(ops[i].path);
            q->ops[5 * i + 4] = dup_or_empty(ops[i].body);
        }
    }
    if (rec->catalog != NULL || rec->event != NULL) {
        q->catalog = dup_or_empty(rec->catalog);
        if (rec->event != NULL) {
            q->event = malloc(rec->event_len + 1);
            if (q->event == NULL) {
                abort();
            }
            memcpy(q->event, rec->event, rec->event_len);
            q->event[rec->event_len] = '\0';
            q->event_len = rec->event_len;
        }
    }
    pthread_mutex_lock(&ps->mu);
    const char *why = quarantined_why(ps, rec->tenant);
    if (why != NULL) {
        ed_buf_printf(err, "the journal of tenant %s does not verify (%s): nothing is "
                      "appended to it until it is repaired (docs/AUDIT.md, \"Quarantine "
                      "and repair\")", rec->tenant, why);
        pthread_mutex_unlock(&ps->mu);
        free_queued(q);
        return ED_STORE_QUARANTINED;
    }
    q->ticket = ++ps->appended;
    if (ps->tail) {
        ps->tail->next = q;
    } else {
        ps->head = q;
    }
    ps->tail = q;
    if (ticket) {
        *ticket = q->ticket;
    }
    pthread_mutex_unlock(&ps->mu);
    return 0;
}

static int by_tenant(const void *a, const void *b)
{
    const queued *x = *(queued *const *)a, *y = *(queued *const *)b;
    int c = strcmp(x->tenant, y->tenant);
    /* within a tenant, append order */
    return c ? c : (x->ticket > y->ticket) - (x->ticket < y->ticket);
}

static const char INSERT_ENTRY[] =
    "INSERT INTO edict.journal (tenant, seq, prev, hash, decision_id, event_id, "
    "occurred_at, day, flag, type, retention_until, len, bytes, catalog, event) "
    "VALUES ($1, $2::bigint, $3, $4, $5, $6, $7, $8::integer, $9, $10, $11, $12::bigint, $13, "
    "$14, $15)";

/* A pipeline (libpq's pipeline mode): statements sent one after the other
 * without waiting, their results read after one Sync. A group costs two
 * round trips whatever its size: one to lock the chain heads, one to write
 * the entries, move the heads and COMMIT. */
typedef struct pipeline {
    pg_store *ps;
    PGconn *c;
    int sent;
    int failed; /* a send failed: nothing more is sent */
} pipeline;

static void pipe_send(pipeline *p, const char *sql, int n, const char *const *vals,
                      const int *lens, const int *formats)
{
    if (!p->failed && PQsendQueryParams(p->c, sql, n, NULL, vals, lens, formats, 1)) {
        p->sent++;
    } else {
        p->failed = 1;
    }
}

/* Sync and read every result in order; keep[i] (may be NULL) receives the
 * i-th statement's result when it returned rows (the caller PQclears it).
 * 0 when every statement succeeded, or -1 with the first error in err. */
static int pipe_run(pipeline *p, PGresult **keep, const char *what, ed_buf *err)
{
    int rc = p->failed ? -1 : 0;
    if (p->failed) {
        ed_pg_error(&p->ps->target, p->c, NULL, what, err);
    }
    if (!PQpipelineSync(p->c)) {
        if (rc == 0) {
            ed_pg_error(&p->ps->target, p->c, NULL, what, err);
        }
        return -1;
    }
    for (int i = 0; i < p->sent; i++) {
        PGresult *r = PQgetResult(p->c);
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (rc == 0) {
                ed_pg_error(&p->ps->target, p->c, r, what, err);
            }
            rc = -1;
        }
        if (keep != NULL && st == PGRES_TUPLES_OK) {
            keep[i] = r;
        } else {
            PQclear(r);
        }
        if (r == NULL) {
            rc = -1;
            break; /* the connection is gone */
        }
        PQclear(PQgetResult(p->c)); /* the NULL that ends a statement's results */
    }
    PGresult *r;
    while ((r = PQgetResult(p->c)) != NULL) { /* up to the Sync */
        int sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync) {
            break;
        }
    }
    p->sent = 0;
    return rc;
}

/* At most this many statements in flight before their results are read
 * (their results must fit the socket buffers while we are still sending). */
#define PIPELINE_STATEMENTS 512
#define PIPELINE_TENANTS (PIPELINE_STATEMENTS / 3)

static const char INSERT_OUTBOX[] =
    "INSERT INTO edict.metrc_outbox (tenant, key, license, method, path, body) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, key) DO NOTHING";
static const char SET_TENANT[] = "SELECT set_config('edict.tenant', $1, true)";

/* One attempt at writing sorted[0..n) (n_tenants tenants, each from
 * starts[t]) in one transaction. 0 once COMMIT returned, or -1 with err;
 * *retry when it failed on a dead connection before COMMIT was sent (then
 * nothing of it can have been committed, and trying again is safe). */
static int write_sorted(pg_store *ps, queued **sorted, size_t n, const size_t *starts,
                        size_t n_tenants, int *retry, ed_buf *err)
{
    static const unsigned char zero[32] = {0};
    *retry = 0;
    PGconn *c = conn_get(ps, err);
    if (c == NULL || !PQenterPipelineMode(c)) {
        if (c != NULL) {
            ed_pg_error(&ps->target, c, NULL, "entering pipeline mode", err);
        }
        conn_put(ps, c);
        return -1;
    }
    pipeline p = {ps, c, 0, 0};
    /* 1: lock each tenant's head (made at seq 0 the first time): the row
     * lock that serialises a tenant's appends across every node */
    PGresult **results = calloc(3 * n_tenants + 1, sizeof *results);
    if (results == NULL) {
        abort();
    }
    /* statement k of the whole phase is results[k]: BEGIN is 0, tenant t's
     * three are 1 + 3t, 2 + 3t, 3 + 3t (its head) */
    int rc = 0;
    pipe_send(&p, "BEGIN", 0, NULL, NULL, NULL);
    for (size_t t0 = 0; t0 < n_tenants && rc == 0; t0 += PIPELINE_TENANTS) {
        for (size_t t = t0; t < n_tenants && t < t0 + PIPELINE_TENANTS; t++) {
            const char *tenant = sorted[starts[t]]->tenant;
            const char *hv[2] = {tenant, (const char *)zero};
            const int hl[2] = {0, 32}, hf[2] = {0, 1};
            pipe_send(&p, SET_TENANT, 1, hv, NULL, NULL);
            pipe_send(&p, "INSERT INTO edict.chain_head (tenant, seq, hash) VALUES ($1, 0, $2) "
                      "ON CONFLICT (tenant) DO NOTHING", 2, hv, hl, hf);
            pipe_send(&p, "SELECT seq, hash FROM edict.chain_head WHERE tenant = $1 "
                      "FOR UPDATE", 1, hv, NULL, NULL);
        }
        rc = pipe_run(&p, results + (t0 == 0 ? 0 : 1 + 3 * t0), "locking the chain heads", err);
    }
    *retry = rc != 0 && PQstatus(c) != CONNECTION_OK;
    /* 2: chain every entry on, move the heads, COMMIT */
    char (*nums)[3][24] = calloc(n + n_tenants + 1, sizeof *nums);
    unsigned char (*hashes)[32] = calloc(n + 1, sizeof *hashes);
    ed_buf *records = calloc(n + 1, sizeof *records);
    if (nums == NULL || hashes == NULL || records == NULL) {
        abort();
    }
    for (size_t t = 0; t < n_tenants && rc == 0; t++) {
        const PGresult *head = results[3 + 3 * t];
        const char *tenant = sorted[starts[t]]->tenant;
        if (head == NULL || PQntuples(head) != 1 || PQgetlength(head, 0, 1) != 32) {
            ed_buf_printf(err, "store %s: tenant %s: its chain head is missing or malformed",
                          ps->target.shown, tenant);
            rc = -1;
            break;
        }
        uint64_t seq = ed_pg_u64(head, 0, 0);
        const unsigned char *prev = (const unsigned char *)PQgetvalue(head, 0, 1);
        const char *tv[1] = {tenant};
        pipe_send(&p, SET_TENANT, 1, tv, NULL, NULL);
        for (size_t i = starts[t]; i < starts[t + 1]; i++) {
            const queued *q = sorted[i];
            ed_record rec = {q->tenant, q->decision_id, q->event_id, q->occurred_at, q->flag,
                             q->type, q->retention_until, q->bytes, q->len, q->catalog,
                             q->event, q->event_len};
            ed_store_record_fields(&rec, &records[i]);
            ed_store_chain_hash(prev, records[i].data, records[i].len, q->bytes, q->len,
                                hashes[i]);
            snprintf(nums[i][0], sizeof nums[i][0], "%llu", (unsigned long long)++seq);
            snprintf(nums[i][1], sizeof nums[i][1], "%d",
                     (int)ed_store_day_of(q->occurred_at, strlen(q->occurred_at)));
            snprintf(nums[i][2], sizeof nums[i][2], "%zu", q->len);
            const char *v[15] = {q->tenant, nums[i][0], (const char *)prev,
                                 (const char *)hashes[i], q->decision_id, q->event_id,
                                 q->occurred_at, nums[i][1], q->flag, q->type,
                                 q->retention_until, nums[i][2], q->bytes, q->catalog,
                                 q->event};
            const int l[15] = {0, 0, 32, 32, 0, 0, 0, 0, 0, 0, 0, 0, (int)q->len, 0,
                               (int)q->event_len};
            const int f[15] = {0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
            pipe_send(&p, INSERT_ENTRY, 15, v, l, f);
            for (size_t k = 0; k < q->n_ops; k++) {
                /* the decision's writes for Metrc, in its transaction */
                const char *ov[6] = {q->tenant, q->ops[5 * k], q->ops[5 * k + 1],
                                     q->ops[5 * k + 2], q->ops[5 * k + 3], q->ops[5 * k + 4]};
                pipe_send(&p, INSERT_OUTBOX, 6, ov, NULL, NULL);
            }
            prev = hashes[i];
            if (p.sent >= PIPELINE_STATEMENTS) {
                /* read what is answered so far (a Sync inside BEGIN ends no
                 * transaction): neither side's buffers fill up */
                rc = pipe_run(&p, NULL, "appending", err);
                if (rc != 0) {
                    break;
                }
            }
        }
        if (rc != 0) {
            break;
        }
        char *seq_s = nums[n + t][0];
        snprintf(seq_s, sizeof nums[0][0], "%llu", (unsigned long long)seq);
        const char *v[3] = {tenant, seq_s, (const char *)prev};
        const int l[3] = {0, 0, 32}, f[3] = {0, 0, 1};
        pipe_send(&p, "UPDATE edict.chain_head SET seq = $2::bigint, hash = $3 "
                  "WHERE tenant = $1", 3, v, l, f);
    }
    if (rc == 0) {
        /* synchronous_commit as the server has it (on by default): COMMIT
         * returns once the group is durable */
        pipe_send(&p, "COMMIT", 0, NULL, NULL, NULL);
        rc = pipe_run(&p, NULL, "appending", err);
    }
    for (size_t i = 0; i < 3 * n_tenants + 1; i++) {
        PQclear(results[i]);
    }
    for (size_t i = 0; i < n; i++) {
        ed_buf_free(&records[i]);
    }
    free(results);
    free(records);
    free(hashes);
    free(nums);
    if (!PQexitPipelineMode(c)) {
        conn_discard(ps, c); /* results still pending: this connection is not reused */
        c = NULL;
    }
    conn_put(ps, c); /* rolls back what is left open */
    return rc;
}

/* One group in one transaction. 0 once COMMIT returned, or -1 with err
 * (then none of the group may be acknowledged). */
static int write_group(pg_store *ps, queued *group, ed_buf *err)
{
    size_t n = 0;
    for (queued *q = group; q; q = q->next) {
        n++;
    }
    queued **sorted = malloc(n * sizeof *sorted);
    size_t *starts = malloc((n + 1) * sizeof *starts); /* each tenant's first */
    if (sorted == NULL || starts == NULL) {
        abort();
    }
    n = 0;
    for (queued *q = group; q; q = q->next) {
        sorted[n++] = q;
    }
    /* tenants always locked in the same order: two nodes' groups never
     * wait for each other in a cycle */
    qsort(sorted, n, sizeof *sorted, by_tenant);
    size_t n_tenants = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(sorted[i]->tenant, sorted[i - 1]->tenant) != 0) {
            starts[n_tenants++] = i;
        }
    }
    starts[n_tenants] = n;
    int retry = 0;
    int rc = write_sorted(ps, sorted, n, starts, n_tenants, &retry, err);
    if (rc != 0 && retry) {
        /* the server restarted since this connection was last used: once
         * more, on a new connection (the failed one took the pool along) */
        ed_buf_reset(err);
        rc = write_sorted(ps, sorted, n, starts, n_tenants, &retry, err);
    }
    free(sorted);
    free(starts);
    return rc;
}

static int pg_commit(ed_store *s, ed_ticket ticket, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    if (ps->mode != ED_STORE_WRITE) {
        return 0;
    }
    pthread_mutex_lock(&ps->mu);
    /* ED_TICKET_ALL answers for what was not yet resolved when it was
     * asked; a ticket for its own entry */
    ed_ticket since = ticket == ED_TICKET_ALL ? ps->done + 1 : ticket;
    if (ticket == ED_TICKET_ALL) {
        ticket = ps->appended;
    }
    while (ps->done < ticket) {
        if (ps->committing) {
            pthread_cond_wait(&ps->done_cv, &ps->mu);
            continue;
        }
        /* lead: everything queued so far goes in one transaction */
        ps->committing = 1;
        queued *group = ps->head;
        ed_ticket from = ps->done + 1, to = ps->appended;
        ps->head = ps->tail = NULL;
        pthread_mutex_unlock(&ps->mu);
        ed_buf why = {0};
        int failed = group ? write_group(ps, group, &why) != 0 : 0;
        free_queued(group);
        pthread_mutex_lock(&ps->mu);
        if (failed) {
            failed_group *g = &ps->failed[ps->n_failed++ % FAILED_GROUPS_KEPT];
            g->from = from;
            g->to = to;
            snprintf(g->why, sizeof g->why, "%s", why.data ? why.data : "");
        }
        ed_buf_free(&why);
        ps->done = to;
        ps->committing = 0;
        pthread_cond_broadcast(&ps->done_cv);
    }
    int rc = 0;
    size_t kept = ps->n_failed < FAILED_GROUPS_KEPT ? ps->n_failed : FAILED_GROUPS_KEPT;
    for (size_t i = 0; i < kept; i++) {
        const failed_group *g = &ps->failed[i];
        if (g->from <= ticket && since <= g->to) {
            ed_buf_printf(err, "%s: not acknowledged", g->why);
            rc = -1;
            break;
        }
    }
    pthread_mutex_unlock(&ps->mu);
    return rc;
}

static size_t pg_pending(ed_store *s)
{
    pg_store *ps = (pg_store *)s;
    pthread_mutex_lock(&ps->mu);
    size_t n = (size_t)(ps->appended - ps->done);
    pthread_mutex_unlock(&ps->mu);
    return n;
}

/* Reads see what this store appended: what is queued is committed first. */
static int flush_for_read(pg_store *ps, ed_buf *err)
{
    return ps->mode == ED_STORE_WRITE && pg_pending(&ps->base) > 0
               ? pg_commit(&ps->base, ED_TICKET_ALL, err)
               : 0;
}

/* ------------------------------------------------------------------ */
/* Reading rows                                                         */
/* ------------------------------------------------------------------ */

#define ENTRY_COLUMNS                                                          \
    "seq, prev, hash, decision_id, event_id, occurred_at, flag, type, "        \
    "retention_until, len, bytes, catalog, event"

/* One result row as an ed_entry; record is rebuilt into *record. */
typedef struct row_entry {
    ed_entry e;
    char prev_hex[ED_SHA256_HEX_LEN + 1], hash_hex[ED_SHA256_HEX_LEN + 1];
    const unsigned char *prev, *hash;
    int malformed;
} row_entry;

static void read_row(const PGresult *r, int row, const char *tenant, ed_buf *record,
                     row_entry *out)
{
    memset(out, 0, sizeof *out);
    out->malformed = PQgetlength(r, row, 1) != 32 || PQgetlength(r, row, 2) != 32;
    out->prev = (const unsigned char *)PQgetvalue(r, row, 1);
    out->hash = (const unsigned char *)PQgetvalue(r, row, 2);
    if (!out->malformed) {
        ed_hex(out->prev, 32, out->prev_hex);
        ed_hex(out->hash, 32, out->hash_hex);
    }
    ed_entry *e = &out->e;
    e->tenant = tenant;
    e->seq = ed_pg_u64(r, row, 0);
    e->prev = out->prev_hex;
    e->hash = out->hash_hex;
    e->decision_id = PQgetvalue(r, row, 3);
    e->event_id = PQgetvalue(r, row, 4);
    e->occurred_at = PQgetvalue(r, row, 5);
    e->flag = PQgetvalue(r, row, 6);
    e->type = PQgetvalue(r, row, 7);
    e->retention_until = PQgetvalue(r, row, 8);
    uint64_t len = ed_pg_u64(r, row, 9);
    e->bytes = PQgetisnull(r, row, 10) ? NULL : PQgetvalue(r, row, 10);
    e->len = e->bytes ? (size_t)PQgetlength(r, row, 10) : 0;
    out->malformed |= e->bytes != NULL && e->len != len;
    e->catalog = PQgetisnull(r, row, 11) ? "" : PQgetvalue(r, row, 11);
    e->event = PQgetisnull(r, row, 12) ? NULL : PQgetvalue(r, row, 12);
    e->event_len = e->event ? (size_t)PQgetlength(r, row, 12) : 0;
    ed_record rec = {tenant, e->decision_id, e->event_id, e->occurred_at, e->flag,
                     e->type, e->retention_until, NULL, (size_t)len,
                     PQgetisnull(r, row, 11) ? NULL : e->catalog, e->event, e->event_len};
    ed_buf_reset(record);
    ed_store_record_fields(&rec, record);
    e->record = record->data;
    e->record_len = record->len;
}

static int pg_get(ed_store *s, const char *tenant, const char *decision_id,
                  ed_entry_visitor visit, void *arg, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    if (flush_for_read(ps, err) != 0) {
        return -1;
    }
    PGconn *c = conn_get(ps, err);
    if (c == NULL || begin_tenant(ps, c, "BEGIN READ ONLY", tenant, err) != 0) {
        conn_put(ps, c);
        return -1;
    }
    const char *v[2] = {tenant, decision_id};
    /* the tenant in the WHERE as well as in the policy: the index leads
     * with it */
    PGresult *r = query(ps, c, "SELECT " ENTRY_COLUMNS " FROM edict.journal WHERE tenant = $1 "
                        "AND decision_id = $2 ORDER BY seq LIMIT 1", 2, v, NULL, NULL,
                        PGRES_TUPLES_OK, "looking up a decision", err);
    int rc = r ? 1 : -1;
    if (r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 10)) {
        ed_buf record = {0};
        row_entry re;
        read_row(r, 0, tenant, &record, &re);
        re.e.prev = "";
        rc = visit(arg, &re.e) < 0 ? -1 : 0;
        ed_buf_free(&record);
    }
    PQclear(r);
    conn_put(ps, c);
    return rc;
}

static int pg_checkpoints(ed_store *s, const char *tenant, ed_checkpoint_visitor visit,
                          void *arg, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    if (c == NULL || begin_tenant(ps, c, "BEGIN READ ONLY", tenant, err) != 0) {
        conn_put(ps, c);
        return -1;
    }
    const char *v[1] = {tenant};
    PGresult *r = query(ps, c, "SELECT seq, hash, signature FROM edict.checkpoint WHERE "
                        "tenant = $1 ORDER BY signed_at, seq", 1, v, NULL, NULL,
                        PGRES_TUPLES_OK, "reading checkpoints", err);
    int rc = r ? 0 : -1;
    for (int i = 0; r && i < PQntuples(r); i++) {
        char hash[ED_SHA256_HEX_LEN + 1] = "";
        if (PQgetlength(r, i, 1) == 32) {
            ed_hex((const unsigned char *)PQgetvalue(r, i, 1), 32, hash);
        }
        if (visit(arg, ed_pg_u64(r, i, 0), hash, PQgetvalue(r, i, 2)) != 0) {
            break;
        }
    }
    PQclear(r);
    conn_put(ps, c);
    return rc;
}

static int pg_list(ed_store *s, const ed_store_query *q, ed_entry_visitor visit, void *arg,
                   uint64_t *next_after, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    *next_after = 0;
    if (flush_for_read(ps, err) != 0) {
        return -1;
    }
    PGconn *c = conn_get(ps, err);
    if (c == NULL || begin_tenant(ps, c, "BEGIN READ ONLY", q->tenant, err) != 0) {
        conn_put(ps, c);
        return -1;
    }
    char after[24], from[16], to[16], limit[24];
    snprintf(after, sizeof after, "%llu", (unsigned long long)q->after);
    snprintf(from, sizeof from, "%d",
             q->from ? (int)ed_store_day_of(q->from, strlen(q->from)) : 0);
    snprintf(to, sizeof to, "%d", q->to ? (int)ed_store_day_of(q->to, strlen(q->to)) : 0);
    snprintf(limit, sizeof limit, "%zu", q->limit + 1); /* one more: is there a next page */
    /* a filter not asked for is a NULL parameter, which the planner folds
     * away (each query is planned with its values): the page is then a
     * range of the primary key (tenant, seq), not a scan */
    const char *v[7] = {q->tenant, after, q->from ? from : NULL, q->to ? to : NULL, q->flag,
                        q->type, limit};
    PGresult *r = query(ps, c, "SELECT " ENTRY_COLUMNS " FROM edict.journal WHERE tenant = $1 "
                        "AND seq > $2::bigint AND ($3::integer IS NULL OR day >= $3) "
                        "AND ($4::integer IS NULL OR day <= $4) "
                        "AND ($5::text IS NULL OR flag = $5) AND ($6::text IS NULL OR type = $6) "
                        "AND decision_id LIKE 'dec-%' AND bytes IS NOT NULL "
                        "ORDER BY seq LIMIT $7::bigint", 7, v, NULL, NULL, PGRES_TUPLES_OK,
                        "listing decisions", err);
    int rc = r ? 0 : -1;
    ed_buf record = {0};
    for (int i = 0; r && i < PQntuples(r) && rc == 0; i++) {
        if ((size_t)i == q->limit) {
            *next_after = ed_pg_u64(r, i, 0) - 1;
            break;
        }
        row_entry re;
        read_row(r, i, q->tenant, &record, &re);
        re.e.prev = "";
        int vr = visit(arg, &re.e);
        if (vr < 0) {
            rc = -1;
        } else if (vr > 0) {
            break;
        }
    }
    ed_buf_free(&record);
    PQclear(r);
    conn_put(ps, c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Walking and verifying                                                */
/* ------------------------------------------------------------------ */

typedef struct checkpoint {
    uint64_t seq;
    char hash[ED_SHA256_HEX_LEN + 1];
    char sig[129];
    int matched;
} checkpoint;

/* One tenant's verdict. */
typedef struct chain {
    char *name;
    uint64_t expect;         /* the next seq; expect - 1 entries verified */
    unsigned char prev[32];
    char prev_hex[ED_SHA256_HEX_LEN + 1];
    int broken;
    char why[320];
    size_t archived;
    size_t n_cps;
} chain;

typedef struct walk {
    chain *chains;
    size_t n_chains;
    int stopped, failed, unreadable;
} walk;

static void chain_broken(chain *c, FILE *msgs, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void chain_broken(chain *c, FILE *msgs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    fprintf(msgs, "tenant %s: %s\n", c->name, c->why);
    c->broken = 1;
}

/* The tenants with a chain, in byte order (as the file store sorts them). */
static int list_tenants(pg_store *ps, PGconn *c, const char *only, char ***out, size_t *n,
                        ed_buf *err)
{
    const char *v[1] = {only};
    PGresult *r = query(ps, c, "SELECT tenant FROM edict.chain_head WHERE seq > 0 AND "
                        "($1::text IS NULL OR tenant = $1) ORDER BY tenant COLLATE \"C\"", 1,
                        v, NULL, NULL, PGRES_TUPLES_OK, "listing the chains", err);
    if (r == NULL) {
        return -1;
    }
    *n = (size_t)PQntuples(r);
    *out = calloc(*n + 1, sizeof **out);
    if (*out == NULL) {
        abort();
    }
    for (size_t i = 0; i < *n; i++) {
        (*out)[i] = ed_strdup(PQgetvalue(r, (int)i, 0));
    }
    PQclear(r);
    return 0;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

/* Verify one chain, row by row (single-row mode: a long chain is never
 * held whole), and visit each entry that verifies. */
static void walk_chain(pg_store *ps, PGconn *c, walk *w, chain *ch, ed_key *pub,
                       ed_entry_visitor visit, void *arg, FILE *msgs)
{
    ed_buf err = {0};
    checkpoint *cps = NULL;
    size_t n_cps = 0;
    uint64_t head_seq = 0;
    /* a long chain is read as long as it takes: it locks nothing */
    if (begin_tenant(ps, c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ch->name,
                     &err) != 0 ||
        ed_pg_exec(&ps->target, c, "SET LOCAL statement_timeout = 0", &err) != 0) {
        goto unreadable;
    }
    const char *v[1] = {ch->name};
    PGresult *r = query(ps, c, "SELECT seq, hash, signature FROM edict.checkpoint WHERE "
                        "tenant = $1 ORDER BY seq", 1, v, NULL, NULL, PGRES_TUPLES_OK,
                        "reading checkpoints", &err);
    if (r == NULL) {
        goto unreadable;
    }
    n_cps = (size_t)PQntuples(r);
    cps = calloc(n_cps + 1, sizeof *cps);
    if (cps == NULL) {
        abort();
    }
    for (size_t i = 0; i < n_cps; i++) {
        cps[i].seq = ed_pg_u64(r, (int)i, 0);
        if (PQgetlength(r, (int)i, 1) == 32) {
            ed_hex((const unsigned char *)PQgetvalue(r, (int)i, 1), 32, cps[i].hash);
        }
        snprintf(cps[i].sig, sizeof cps[i].sig, "%s", PQgetvalue(r, (int)i, 2));
    }
    PQclear(r);
    r = query(ps, c, "SELECT seq FROM edict.chain_head WHERE tenant = $1", 1, v, NULL, NULL,
              PGRES_TUPLES_OK, "reading the chain head", &err);
    if (r == NULL) {
        goto unreadable;
    }
    head_seq = PQntuples(r) == 1 ? ed_pg_u64(r, 0, 0) : 0;
    PQclear(r);
    if (!PQsendQueryParams(c, "SELECT " ENTRY_COLUMNS " FROM edict.journal WHERE tenant = $1 "
                           "ORDER BY seq", 1, NULL, v, NULL, NULL, 1) ||
        !PQsetSingleRowMode(c)) {
        ed_pg_error(&ps->target, c, NULL, "reading the chain", &err);
        goto unreadable;
    }
    ed_buf record = {0};
    int done = 0;
    while ((r = PQgetResult(c)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && !done && !w->stopped && !ch->broken) {
            row_entry re;
            read_row(r, 0, ch->name, &record, &re);
            re.e.prev = ch->prev_hex;
            if (re.e.seq != ch->expect) {
                chain_broken(ch, msgs, "BROKEN at entry %llu: sequence number %llu (an entry "
                             "is missing, repeated or out of order)",
                             (unsigned long long)ch->expect, (unsigned long long)re.e.seq);
            } else if (re.malformed || memcmp(re.prev, ch->prev, 32) != 0) {
                chain_broken(ch, msgs, "BROKEN at entry %llu: its stored prev or length does "
                             "not match (the entry or one before it was changed)",
                             (unsigned long long)re.e.seq);
            } else {
                unsigned char want[32];
                if (re.e.bytes == NULL) {
                    /* archived: its hash stands for the removed decision; the
                     * next entry's link still checks it */
                    ch->archived++;
                    memcpy(want, re.hash, 32);
                } else {
                    ed_store_chain_hash(ch->prev, re.e.record, re.e.record_len, re.e.bytes,
                                        re.e.len, want);
                }
                char want_hex[ED_SHA256_HEX_LEN + 1];
                ed_hex(want, 32, want_hex);
                if (memcmp(want, re.hash, 32) != 0) {
                    chain_broken(ch, msgs, "BROKEN at entry %llu: hash mismatch (stored "
                                 "%.16s…, computed %.16s…): the entry or one before it was "
                                 "changed", (unsigned long long)re.e.seq, re.hash_hex, want_hex);
                }
                for (size_t i = 0; i < n_cps && !ch->broken; i++) {
                    if (cps[i].seq != re.e.seq) {
                        continue;
                    }
                    if (strcmp(cps[i].hash, re.hash_hex) != 0) {
                        chain_broken(ch, msgs, "BROKEN at entry %llu: it differs from the "
                                     "signed checkpoint (the chain was rewritten from here or "
                                     "before)", (unsigned long long)re.e.seq);
                    }
                    cps[i].matched = 1;
                }
                if (!ch->broken && visit != NULL) {
                    int vr = visit(arg, &re.e);
                    if (vr != 0) {
                        w->stopped = 1;
                        w->failed |= vr != 1;
                        ch->broken |= vr != 1;
                    }
                }
                if (!ch->broken) {
                    memcpy(ch->prev, re.hash, 32);
                    memcpy(ch->prev_hex, re.hash_hex, sizeof ch->prev_hex);
                    ch->expect++;
                }
            }
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
            ed_pg_error(&ps->target, c, r, "reading the chain", &err);
            done = 1;
            w->unreadable = 1;
        }
        PQclear(r);
    }
    ed_buf_free(&record);
    PQclear(PQexec(c, "COMMIT"));
    if (w->unreadable) {
        goto unreadable;
    }
    /* the chain's end against its head and its checkpoints */
    if (!ch->broken && !w->stopped && head_seq > ch->expect - 1) {
        chain_broken(ch, msgs, "BROKEN: the chain ends at entry %llu, its head is at entry "
                     "%llu (entries were removed)", (unsigned long long)(ch->expect - 1),
                     (unsigned long long)head_seq);
    } else if (!ch->broken && !w->stopped && head_seq < ch->expect - 1) {
        /* a head set back (past the trigger) would make the next append
         * collide with an entry: the chain is not to be written to */
        chain_broken(ch, msgs, "BROKEN: the chain ends at entry %llu, its head says entry "
                     "%llu (the head was set back)", (unsigned long long)(ch->expect - 1),
                     (unsigned long long)head_seq);
    }
    for (size_t k = 0; k < n_cps && !ch->broken; k++) {
        ch->n_cps++;
        if (!cps[k].matched && !w->stopped) {
            chain_broken(ch, msgs, "BROKEN: the chain ends at entry %llu, before the signed "
                         "checkpoint at entry %llu (entries were removed)",
                         (unsigned long long)(ch->expect - 1), (unsigned long long)cps[k].seq);
        } else if (pub != NULL) {
            ed_buf msg = {0};
            ed_store_checkpoint_message(&msg, ch->name, cps[k].seq, cps[k].hash);
            int good = ed_key_verify(pub, msg.data, msg.len, cps[k].sig);
            ed_buf_free(&msg);
            if (!good) {
                chain_broken(ch, msgs, "BROKEN: the checkpoint at entry %llu has a bad "
                             "signature (checkpoints forged or from another key)",
                             (unsigned long long)cps[k].seq);
            }
        }
    }
    free(cps);
    ed_buf_free(&err);
    return;
unreadable:
    fprintf(msgs, "%s\n", err.data ? err.data : "");
    w->unreadable = 1;
    free(cps);
    ed_buf_free(&err);
}

static void free_walk(walk *w)
{
    for (size_t i = 0; i < w->n_chains; i++) {
        free(w->chains[i].name);
    }
    free(w->chains);
}

/* Walk and report as the file store does; w keeps each chain's verdict and
 * head until free_walk. */
static int run_walk(pg_store *ps, walk *w, const char *tenant, ed_key *pub,
                    ed_entry_visitor visit, void *arg, uint64_t *entries, FILE *msgs)
{
    memset(w, 0, sizeof *w);
    if (entries) {
        *entries = 0;
    }
    ed_buf err = {0};
    if (flush_for_read(ps, &err) != 0) {
        fprintf(msgs, "%s\n", err.data);
        ed_buf_free(&err);
        return -1;
    }
    PGconn *c = conn_get(ps, &err);
    char **names = NULL;
    size_t n = 0;
    if (c == NULL || list_tenants(ps, c, tenant, &names, &n, &err) != 0) {
        fprintf(msgs, "%s\n", err.data);
        ed_buf_free(&err);
        conn_put(ps, c);
        return -1;
    }
    ed_buf_free(&err);
    w->chains = calloc(n + 1, sizeof *w->chains);
    if (w->chains == NULL) {
        abort();
    }
    for (size_t i = 0; i < n && !w->stopped && !w->unreadable; i++) {
        chain *ch = &w->chains[w->n_chains++];
        ch->name = names[i];
        names[i] = NULL;
        ch->expect = 1;
        memset(ch->prev_hex, '0', ED_SHA256_HEX_LEN);
        walk_chain(ps, c, w, ch, pub, visit, arg, msgs);
    }
    free_names(names, n);
    conn_put(ps, c);
    if (w->unreadable) {
        return -1;
    }
    if (tenant != NULL && w->n_chains == 0) {
        fprintf(msgs, "tenant %s: no journal in %s\n", tenant, ps->target.shown);
        return 2;
    }
    if (w->n_chains == 0) {
        fprintf(msgs, "no tenant journals in %s\n", ps->target.shown);
    }
    int rc = 0;
    for (size_t i = 0; i < w->n_chains; i++) {
        chain *ch = &w->chains[i];
        if (entries && (tenant != NULL || w->n_chains == 1)) {
            *entries = ch->expect - 1;
        }
        if (ch->broken) {
            rc = 1;
            continue;
        }
        if (w->stopped && !w->failed) {
            continue; /* a visitor had what it wanted: no verdict to give */
        }
        fprintf(msgs, "tenant %s: %llu entries, head %s, ok", ch->name,
                (unsigned long long)(ch->expect - 1), ch->expect > 1 ? ch->prev_hex : "(none)");
        if (ch->archived > 0) {
            fprintf(msgs, "; %zu archived (hash kept, decision removed)", ch->archived);
        }
        if (ch->n_cps > 0) {
            fprintf(msgs, "; %zu checkpoint%s %s", ch->n_cps, ch->n_cps == 1 ? "" : "s",
                    pub ? "signed and matching" : "matching (signatures not checked: "
                    "give --pub)");
        }
        fputc('\n', msgs);
    }
    return w->failed ? 1 : rc;
}

static int pg_walk(ed_store *s, const char *tenant, ed_key *pub, ed_entry_visitor visit,
                   void *arg, uint64_t *entries, FILE *msgs)
{
    walk w;
    int rc = run_walk((pg_store *)s, &w, tenant, pub, visit, arg, entries, msgs);
    free_walk(&w);
    return rc;
}

/* At open, for a writer: every chain walked, a broken one quarantined with
 * the first thing wrong with it. */
static int verify_for_quarantine(pg_store *ps, ed_buf *err)
{
    FILE *devnull = fopen("/dev/null", "w");
    walk w;
    int rc = run_walk(ps, &w, NULL, NULL, NULL, NULL, NULL, devnull ? devnull : stderr);
    if (devnull) {
        fclose(devnull);
    }
    if (rc < 0) {
        ed_buf_printf(err, "store %s: cannot be read to verify it", ps->target.shown);
    }
    for (size_t i = 0; i < w.n_chains && rc >= 0; i++) {
        if (!w.chains[i].broken) {
            continue;
        }
        quarantine *q = realloc(ps->quarantined, (ps->n_quarantined + 1) * sizeof *q);
        if (q == NULL) {
            abort();
        }
        ps->quarantined = q;
        q[ps->n_quarantined].tenant = ed_strdup(w.chains[i].name);
        q[ps->n_quarantined].why = ed_strdup(w.chains[i].why[0] ? w.chains[i].why : "BROKEN");
        ps->n_quarantined++;
    }
    free_walk(&w);
    return rc < 0 ? -1 : 0;
}

static size_t pg_quarantined(ed_store *s, void (*visit)(void *arg, const char *tenant,
                                                       const char *why),
                             void *arg)
{
    pg_store *ps = (pg_store *)s;
    pthread_mutex_lock(&ps->mu);
    size_t n = ps->n_quarantined;
    for (size_t i = 0; visit && i < n; i++) {
        visit(arg, ps->quarantined[i].tenant, ps->quarantined[i].why);
    }
    pthread_mutex_unlock(&ps->mu);
    return n;
}

static int pg_checkpoint(ed_store *s, const char *tenant, ed_key *key, FILE *out)
{
    pg_store *ps = (pg_store *)s;
    walk w;
    int rc = run_walk(ps, &w, tenant, NULL, NULL, NULL, NULL, out);
    if (rc < 0 || rc == 2) {
        free_walk(&w);
        return 1;
    }
    ed_buf err = {0};
    PGconn *c = conn_get(ps, &err);
    if (c == NULL) {
        fprintf(out, "%s\n", err.data);
        rc = 1;
    }
    for (size_t i = 0; i < w.n_chains && c != NULL; i++) {
        chain *ch = &w.chains[i];
        if (ch->broken || ch->expect == 1) {
            continue; /* a broken chain is not signed */
        }
        uint64_t seq = ch->expect - 1;
        ed_buf msg = {0};
        char sig[129], seq_s[24];
        ed_store_checkpoint_message(&msg, ch->name, seq, ch->prev_hex);
        ed_buf_reset(&err);
        if (ed_key_sign(key, msg.data, msg.len, sig, &err) != 0) {
            fprintf(out, "tenant %s: %s\n", ch->name, err.data);
            rc = 1;
            ed_buf_free(&msg);
            continue;
        }
        snprintf(seq_s, sizeof seq_s, "%llu", (unsigned long long)seq);
        const char *v[4] = {ch->name, seq_s, (const char *)ch->prev, sig};
        const int l[4] = {0, 0, 32, 0}, f[4] = {0, 0, 1, 0};
        PGresult *r = NULL;
        if (begin_tenant(ps, c, "BEGIN", ch->name, &err) == 0 &&
            (r = query(ps, c, "INSERT INTO edict.checkpoint (tenant, seq, hash, signature) "
                       "VALUES ($1, $2::bigint, $3, $4)", 4, v, l, f, PGRES_COMMAND_OK,
                       "storing a checkpoint", &err)) != NULL &&
            ed_pg_exec(&ps->target, c, "COMMIT", &err) == 0) {
            fprintf(out, "tenant %s: checkpoint signed at entry %llu\n", ch->name,
                    (unsigned long long)seq);
        } else {
            fprintf(out, "tenant %s: %s\n", ch->name, err.data);
            PQclear(PQexec(c, "ROLLBACK"));
            rc = 1;
        }
        PQclear(r);
        ed_buf_free(&msg);
    }
    conn_put(ps, c);
    ed_buf_free(&err);
    free_walk(&w);
    return rc ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Retention                                                            */
/* ------------------------------------------------------------------ */


/* Archive through the database's one way out (edict.archive: past the
 * entry's own retention_until, judged by the database's date too). The
 * number archived, or -1 with err. */
static long long archive_tenant(pg_store *ps, PGconn *c, const char *tenant, const char *as_of,
                                ed_buf *err)
{
    const char *v[2] = {tenant, as_of};
    PGresult *r = NULL;
    long long n = -1;
    if (begin_tenant(ps, c, "BEGIN", tenant, err) == 0 &&
        (r = query(ps, c, "SELECT edict.archive($1, $2::date)", 2, v, NULL, NULL,
                   PGRES_TUPLES_OK, "archiving", err)) != NULL &&
        ed_pg_exec(&ps->target, c, "COMMIT", err) == 0) {
        n = (long long)ed_pg_u64(r, 0, 0);
    }
    PQclear(r);
    return n;
}

static int pg_retention(ed_store *s, const char *tenant, const char *as_of, int archive,
                        FILE *out)
{
    pg_store *ps = (pg_store *)s;
    ed_retention_tally r = {as_of, NULL, 0};
    FILE *quiet = fopen("/dev/null", "w");
    walk w;
    int rc = run_walk(ps, &w, tenant, NULL, ed_retention_visit, &r, NULL, quiet ? quiet : out);
    if (quiet) {
        fclose(quiet);
    }
    if (rc == 2 || rc < 0) {
        if (rc == 2) {
            fprintf(out, "tenant %s: no journal in %s\n", tenant, ps->target.shown);
        } else {
            fprintf(out, "store %s: cannot be read\n", ps->target.shown);
        }
        free_walk(&w);
        ed_retention_free(&r);
        return 1;
    }
    ed_buf err = {0};
    PGconn *c = archive ? conn_get(ps, &err) : NULL;
    int failed = archive && c == NULL;
    if (failed) {
        fprintf(out, "%s\n", err.data);
    }
    for (size_t i = 0; i < w.n_chains; i++) {
        const chain *ch = &w.chains[i];
        ed_retention_count *t = ed_retention_of(&r, ch->name);
        if (ch->broken) {
            fprintf(out, "tenant %s: the chain does not verify: run `edict audit verify`\n",
                    ch->name);
            continue;
        }
        long long now = 0;
        if (archive && c != NULL && t->past > 0) {
            ed_buf_reset(&err);
            now = archive_tenant(ps, c, ch->name, as_of, &err);
            if (now < 0) {
                fprintf(out, "tenant %s: archiving failed: %s\n", ch->name, err.data);
                failed = 1;
                now = 0;
            }
        }
        ed_retention_report(out, t, as_of, archive && !failed, t->archived + (size_t)now);
    }
    conn_put(ps, c);
    ed_buf_free(&err);
    free_walk(&w);
    ed_retention_free(&r);
    return rc || failed ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Idempotency records                                                  */
/* ------------------------------------------------------------------ */

/* Kept at once, in a transaction of its own (durable when this returns). */
static int pg_idem_put(ed_store *s, const ed_idem_record *rec, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    if (ps->mode != ED_STORE_WRITE) {
        ed_buf_printf(err, "store %s: opened for reading", ps->target.shown);
        return -1;
    }
    static const unsigned char zero[32] = {0};
    PGconn *c = conn_get(ps, err);
    if (c == NULL || begin_tenant(ps, c, "BEGIN", rec->tenant, err) != 0) {
        conn_put(ps, c);
        return -1;
    }
    char status[16], expires[24];
    snprintf(status, sizeof status, "%d", rec->status);
    snprintf(expires, sizeof expires, "%lld", (long long)rec->expires_at);
    /* the tenant is listed among the chains (seq 0 until it has one), so
     * that idem_each finds its records */
    const char *hv[2] = {rec->tenant, (const char *)zero};
    const int hl[2] = {0, 32}, hf[2] = {0, 1};
    const char *v[7] = {rec->tenant, rec->key, (const char *)rec->digest, status,
                        rec->headers ? rec->headers : "", rec->body ? rec->body : "", expires};
    const int l[7] = {0, 0, 32, 0, 0, (int)rec->body_len, 0};
    const int f[7] = {0, 0, 1, 0, 0, 1, 0};
    PGresult *r1 = query(ps, c, "INSERT INTO edict.chain_head (tenant, seq, hash) VALUES "
                         "($1, 0, $2) ON CONFLICT (tenant) DO NOTHING", 2, hv, hl, hf,
                         PGRES_COMMAND_OK, "adding a tenant", err);
    PGresult *r2 = r1 ? query(ps, c, "INSERT INTO edict.idempotency (tenant, key, digest, "
                              "status, headers, body, expires_at) VALUES ($1, $2, $3, "
                              "$4::integer, $5, $6, $7::bigint)", 7, v, l, f, PGRES_COMMAND_OK,
                              "keeping an idempotency record", err)
                      : NULL;
    int rc = r2 && ed_pg_exec(&ps->target, c, "COMMIT", err) == 0 ? 0 : -1;
    PQclear(r1);
    PQclear(r2);
    conn_put(ps, c);
    return rc;
}

static int pg_idem_each(ed_store *s, int64_t now,
                        int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                        ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    if (c == NULL) {
        return -1;
    }
    PGresult *r = query(ps, c, "SELECT tenant FROM edict.chain_head ORDER BY tenant", 0, NULL,
                        NULL, NULL, PGRES_TUPLES_OK, "listing tenants", err);
    int rc = r ? 0 : -1;
    char now_s[24];
    snprintf(now_s, sizeof now_s, "%lld", (long long)now);
    for (int i = 0; r && i < PQntuples(r) && rc == 0; i++) {
        const char *tenant = PQgetvalue(r, i, 0);
        const char *v[2] = {tenant, now_s};
        PGresult *k = NULL;
        if (begin_tenant(ps, c, "BEGIN READ ONLY", tenant, err) != 0 ||
            (k = query(ps, c, "SELECT key, digest, status, headers, body, expires_at FROM "
                       "edict.idempotency WHERE tenant = $1 AND expires_at > $2::bigint "
                       "ORDER BY stored_at", 2, v, NULL, NULL, PGRES_TUPLES_OK,
                       "reading idempotency records", err)) == NULL) {
            rc = -1;
            break;
        }
        for (int j = 0; j < PQntuples(k) && rc == 0; j++) {
            ed_idem_record rec = {tenant, PQgetvalue(k, j, 0), {0}, ed_pg_i32(k, j, 2),
                                  PQgetvalue(k, j, 3), PQgetvalue(k, j, 4),
                                  (size_t)PQgetlength(k, j, 4), (int64_t)ed_pg_u64(k, j, 5)};
            if (PQgetlength(k, j, 1) == 32) {
                memcpy(rec.digest, PQgetvalue(k, j, 1), 32);
            }
            rc = visit(arg, &rec);
        }
        PQclear(k);
        PQclear(PQexec(c, "COMMIT"));
    }
    PQclear(r);
    conn_put(ps, c);
    return rc;
}

/* One record by its key, for a node whose memory lacks it (another node
 * may have answered): the (tenant, key) index of migration 002. */
static int pg_idem_get(ed_store *s, const char *tenant, const char *key, int64_t now,
                       int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                       ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    if (c == NULL) {
        return -1;
    }
    char now_s[24];
    snprintf(now_s, sizeof now_s, "%lld", (long long)now);
    const char *v[3] = {tenant, key, now_s};
    PGresult *k = NULL;
    int rc = -1;
    if (begin_tenant(ps, c, "BEGIN READ ONLY", tenant, err) == 0 &&
        (k = query(ps, c, "SELECT key, digest, status, headers, body, expires_at FROM "
                   "edict.idempotency WHERE tenant = $1 AND key = $2 AND expires_at > "
                   "$3::bigint ORDER BY stored_at LIMIT 1", 3, v, NULL, NULL,
                   PGRES_TUPLES_OK, "reading an idempotency record", err)) != NULL) {
        rc = 0;
        if (PQntuples(k) == 1) {
            ed_idem_record rec = {tenant, PQgetvalue(k, 0, 0), {0}, ed_pg_i32(k, 0, 2),
                                  PQgetvalue(k, 0, 3), PQgetvalue(k, 0, 4),
                                  (size_t)PQgetlength(k, 0, 4), (int64_t)ed_pg_u64(k, 0, 5)};
            if (PQgetlength(k, 0, 1) == 32) {
                memcpy(rec.digest, PQgetvalue(k, 0, 1), 32);
            }
            rc = visit(arg, &rec) == 0 ? 1 : -1;
        }
    }
    PQclear(k);
    PQclear(PQexec(c, "COMMIT"));
    conn_put(ps, c);
    return rc;
}

/* A claim row per key being answered: taken when free or expired. */
static int pg_idem_claim(ed_store *s, const char *tenant, const char *key,
                         const unsigned char digest[32], double ttl_s, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    if (c == NULL) {
        return -1;
    }
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%.3f", ttl_s);
    const char *v[4] = {tenant, key, (const char *)digest, ttl};
    const int l[4] = {0, 0, 32, 0}, f[4] = {0, 0, 1, 0};
    PGresult *r = NULL;
    int rc = -1;
    if (begin_tenant(ps, c, "BEGIN", tenant, err) == 0 &&
        (r = query(ps, c, "INSERT INTO edict.idempotency_claim AS k (tenant, key, digest, "
                   "expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => "
                   "$4::double precision)) ON CONFLICT (tenant, key) DO UPDATE SET digest = "
                   "EXCLUDED.digest, expires_at = EXCLUDED.expires_at WHERE k.expires_at <= "
                   "now() RETURNING 1", 4, v, l, f, PGRES_TUPLES_OK,
                   "claiming an idempotency key", err)) != NULL &&
        ed_pg_exec(&ps->target, c, "COMMIT", err) == 0) {
        rc = PQntuples(r) == 1 ? 1 : 0;
    }
    PQclear(r);
    conn_put(ps, c);
    return rc;
}

static int pg_idem_release(ed_store *s, const char *tenant, const char *key, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    if (c == NULL) {
        return -1;
    }
    const char *v[2] = {tenant, key};
    PGresult *r = NULL;
    int rc = -1;
    if (begin_tenant(ps, c, "BEGIN", tenant, err) == 0 &&
        (r = query(ps, c, "UPDATE edict.idempotency_claim SET expires_at = now() WHERE "
                   "tenant = $1 AND key = $2", 2, v, NULL, NULL, PGRES_COMMAND_OK,
                   "giving an idempotency key up", err)) != NULL &&
        ed_pg_exec(&ps->target, c, "COMMIT", err) == 0) {
        rc = 0;
    }
    PQclear(r);
    conn_put(ps, c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Scheduled work and leases (pg_jobs.c)                                */
/* ------------------------------------------------------------------ */

static long pg_deadline_alerts(ed_store *s, const char *today, int lead_days,
                               void (*visit)(void *arg, const ed_alert *a), void *arg,
                               ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    if (c == NULL) {
        return -1;
    }
    long n = ed_pg_deadline_alerts(&ps->target, c, today, lead_days, visit, arg, err);
    conn_put(ps, c);
    return n;
}

static int pg_job_run(ed_store *s, const ed_job *job, ed_job_fn fn, void *arg, int *failed,
                      ed_buf *msg, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    char due[ED_PG_DUE_MAX];
    int attempt = 0;
    PGconn *c = conn_get(ps, err);
    if (c == NULL) {
        return -1;
    }
    int rc = ed_pg_job_claim(&ps->target, c, job->name, job->period_s, job->lease_s,
                             job->holder, due, &attempt, err);
    /* the connection goes back while the work runs: it may need the pool */
    conn_put(ps, c);
    if (rc != 1) {
        return rc;
    }
    int bad = fn(arg, s, msg) != 0;
    if (failed) {
        *failed = bad;
    }
    /* The work is done: its finish is tried again after a refusal that
     * may pass (a connection lost, a deadlock aborted), each time on a
     * connection from the pool (a lost one is not given back). A finish
     * never recorded leaves the lease to expire; only then does the job
     * run again, here or elsewhere. */
    static const long pause_ms[] = {0, 100, 400};
    rc = -1;
    int refused = 0;
    for (size_t i = 0; i < sizeof pause_ms / sizeof *pause_ms && rc == -1; i++) {
        if (pause_ms[i] != 0) {
            struct timespec ts = {0, pause_ms[i] * 1000000L};
            nanosleep(&ts, NULL);
            ed_buf_puts(err, "; tried again: ");
        }
        c = conn_get(ps, err);
        if (c == NULL) {
            refused = 1;
            continue;
        }
        rc = ed_pg_job_finish(&ps->target, c, job->name, job->holder, due, attempt,
                              job->period_s, job->backoff_s, !bad, msg->data ? msg->data : "",
                              err);
        conn_put(ps, c);
        refused |= rc == -1;
    }
    if (rc == 1 && refused) {
        ed_buf_reset(err); /* recorded after all */
    }
    if (rc == 0) {
        ed_buf_printf(err, "store %s: job %s ran past its lease (%.0f s)%s; another node may "
                      "have run it too", ps->target.shown, job->name, job->lease_s,
                      refused ? ", or a finish refused above was recorded after all" : "");
        return -1;
    }
    return rc;
}

static int pg_lease_take(ed_store *s, const char *name, const char *holder, double ttl_s,
                         ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    int rc = c ? ed_pg_lease_take(&ps->target, c, name, holder, ttl_s, err) : -1;
    conn_put(ps, c);
    return rc;
}

static int pg_lease_release(ed_store *s, const char *name, const char *holder, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    int rc = c ? ed_pg_lease_release(&ps->target, c, name, holder, err) : -1;
    conn_put(ps, c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Published packs (pg_packs.c)                                         */
/* ------------------------------------------------------------------ */

static long long pg_packs_publish(ed_store *s, const char *dir, const char *by, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    long long id = c ? ed_pg_packs_publish(&ps->target, c, dir, by, err) : -1;
    conn_put(ps, c);
    return id;
}

static long long pg_packs_current(ed_store *s, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    long long id = c ? ed_pg_packs_current(&ps->target, c, err) : -1;
    conn_put(ps, c);
    return id;
}

static int pg_packs_fetch(ed_store *s, long long id, const char *dest, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    int rc = c ? ed_pg_packs_fetch(&ps->target, c, id, dest, err) : -1;
    conn_put(ps, c);
    return rc;
}

static int pg_catalog_keep(ed_store *s, const char *digest, const char *manifest,
                           const ed_kept_pack *packs, size_t n, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    int rc = c ? ed_pg_catalog_keep(&ps->target, c, digest, manifest, packs, n, err) : -1;
    conn_put(ps, c);
    return rc;
}

static int pg_catalog_restore(ed_store *s, const char *digest, const char *dest,
                              ed_buf *manifest, ed_buf *err)
{
    pg_store *ps = (pg_store *)s;
    PGconn *c = conn_get(ps, err);
    int rc = c ? ed_pg_catalog_restore(&ps->target, c, digest, dest, manifest, err) : -1;
    conn_put(ps, c);
    return rc;
}

static ed_store_listener *pg_packs_listen(ed_store *s)
{
    return ed_pg_listener_new(&((pg_store *)s)->target);
}

/* Metrc data (pg_metrc.c): a pooled connection per call */
#define WITH_CONN(call)                                                                \
    pg_store *ps = (pg_store *)s;                                                      \
    PGconn *c = conn_get(ps, err);                                                     \
    int rc = c ? (call) : -1;                                                          \
    conn_put(ps, c);                                                                   \
    return rc

static int pg_metrc_put(ed_store *s, const char *tenant, const char *license,
                        const ed_metrc_object *o, size_t n, ed_buf *err)
{
    WITH_CONN(ed_pg_metrc_put(&ps->target, c, tenant, license, o, n, err));
}

static int pg_metrc_count(ed_store *s, const char *tenant, const char *license,
                          const char *resource, size_t *count, ed_buf *err)
{
    WITH_CONN(ed_pg_metrc_count(&ps->target, c, tenant, license, resource, count, err));
}

static int pg_metrc_each(ed_store *s, const char *tenant, const char *license,
                         const char *resource,
                         int (*visit)(void *arg, const char *id, const char *label,
                                      const char *json),
                         void *arg, ed_buf *err)
{
    WITH_CONN(ed_pg_metrc_each(&ps->target, c, tenant, license, resource, visit, arg, err));
}

static int pg_metrc_log(ed_store *s, const char *tenant, const char *license,
                        const char *json, ed_buf *err)
{
    WITH_CONN(ed_pg_metrc_log(&ps->target, c, tenant, license, json, err));
}

static int pg_metrc_log_each(ed_store *s, const char *tenant,
                             int (*visit)(void *arg, const char *json), void *arg,
                             ed_buf *err)
{
    WITH_CONN(ed_pg_metrc_log_each(&ps->target, c, tenant, visit, arg, err));
}

static int pg_outbox_add(ed_store *s, const ed_outbox_op *op, ed_buf *err)
{
    WITH_CONN(ed_pg_outbox_add(&ps->target, c, op, err));
}

static int pg_outbox_each(ed_store *s, const char *tenant, const char *state,
                          int (*visit)(void *arg, const ed_outbox_op *op), void *arg,
                          ed_buf *err)
{
    WITH_CONN(ed_pg_outbox_each(&ps->target, c, tenant, state, visit, arg, err));
}

static int pg_outbox_mark(ed_store *s, const char *tenant, const char *key,
                          const char *state, const char *message, ed_buf *err)
{
    WITH_CONN(ed_pg_outbox_mark(&ps->target, c, tenant, key, state, message, err));
}

static const ed_store_ops pg_ops = {
    .metrc_put = pg_metrc_put,
    .metrc_count = pg_metrc_count,
    .metrc_each = pg_metrc_each,
    .metrc_log = pg_metrc_log,
    .metrc_log_each = pg_metrc_log_each,
    .outbox_add = pg_outbox_add,
    .outbox_each = pg_outbox_each,
    .outbox_mark = pg_outbox_mark,
    .packs_publish = pg_packs_publish,
    .packs_current = pg_packs_current,
    .packs_fetch = pg_packs_fetch,
    .packs_listen = pg_packs_listen,
    .catalog_keep = pg_catalog_keep,
    .catalog_restore = pg_catalog_restore,
    .idem_get = pg_idem_get,
    .idem_claim = pg_idem_claim,
    .idem_release = pg_idem_release,
    .deadline_alerts = pg_deadline_alerts,
    .job_run = pg_job_run,
    .lease_take = pg_lease_take,
    .lease_release = pg_lease_release,
    .quarantined = pg_quarantined,
    .append = pg_append,
    .commit = pg_commit,
    .pending = pg_pending,
    .get = pg_get,
    .list = pg_list,
    .walk = pg_walk,
    .checkpoint = pg_checkpoint,
    .checkpoints = pg_checkpoints,
    .retention = pg_retention,
    .idem_put = pg_idem_put,
    .idem_each = pg_idem_each,
    .close = pg_close,
};
