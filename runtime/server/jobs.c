/*
 * jobs.c — scheduled work of `edict serve` on a shared store (jobs.h).
 * Each job is claimed through the store (a row locked with SKIP LOCKED and
 * a lease), so polling nodes run it once per period between them. A run
 * and its outcome are logged, and recorded in the database by the store.
 */
#define _POSIX_C_SOURCE 200809L

#include "jobs.h"
#include "log.h"
#include "adapters/metrc/metrc.h"
#include "util/jsonstr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The retention sweep: archive, in every tenant's chain, the decisions
 * past their own retention_until as of today (UTC), keeping their places
 * and hashes, exactly as `edict retention archive` does. */
static int retention_sweep(void *arg, ed_store *s, ed_buf *msg)
{
    (void)arg;
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL) {
        ed_buf_puts(msg, "retention sweep: out of memory");
        return -1;
    }
    int rc = ed_store_retention(s, NULL, today, 1, out);
    fclose(out);
    ed_buf_append(msg, text, len);
    free(text);
    return rc;
}

/* A configured licence's client settings, with its keys read from its
 * file (*vendor and *user, malloc'd, for the caller to free once the
 * settings are used): 0, or -1 with err. */
static int licence_config(const ed_metrc_licence *l, ed_metrc_config *mc, char **vendor,
                          char **user, ed_buf *err)
{
    if (ed_metrc_keys_load(l->keys, vendor, user, err) != 0) {
        return -1;
    }
    memset(mc, 0, sizeof *mc);
    mc->state = l->state;
    mc->base_url = l->base_url;
    mc->sandbox = l->sandbox;
    mc->vendor_key = *vendor;
    mc->user_key = *user;
    return 0;
}

/* A client with a licence's keys, on a loop of its own (the keys are
 * copied into it). NULL with err. */
static ed_metrc *licence_client(const ed_metrc_licence *l, ed_buf *err)
{
    char *vendor = NULL, *user = NULL;
    ed_metrc_config mc;
    if (licence_config(l, &mc, &vendor, &user, err) != 0) {
        return NULL;
    }
    ed_metrc *m = ed_metrc_new(NULL, &mc, err);
    free(vendor);
    free(user);
    return m;
}

/* A licence's Metrc sync: everything modified since one period and an
 * hour ago (the overlap covers a late or slow run; objects are replaced,
 * never doubled). It runs on the main thread with a loop of its own: the
 * workers serve meanwhile. */
struct ed_metrc_lookups *ed_jobs_metrc_lookups(const ed_config *cfg, ed_buf *err)
{
    if (cfg->n_metrc == 0) {
        return NULL;
    }
    ed_metrc_lookups *l = ed_metrc_lookups_new(30);
    for (size_t i = 0; i < cfg->n_metrc; i++) {
        const ed_metrc_licence *m = &cfg->metrc[i];
        char *vendor = NULL, *user = NULL;
        ed_metrc_config mc;
        if (licence_config(m, &mc, &vendor, &user, err) != 0) {
            ed_metrc_lookups_free(l);
            return NULL;
        }
        int rc = ed_metrc_lookups_add(l, m->tenant, m->license, &mc, err);
        free(vendor);
        free(user);
        if (rc != 0) {
            ed_metrc_lookups_free(l);
            return NULL;
        }
    }
    return l;
}

static int metrc_sync(void *arg, ed_store *s, ed_buf *msg)
{
    const ed_metrc_licence *l = arg;
    ed_metrc *m = licence_client(l, msg);
    if (m == NULL) {
        return -1;
    }
    time_t now = time(NULL);
    ed_metrc_sync_report rep;
    int rc = ed_metrc_sync(m, s, l->tenant, l->license, now - (time_t)l->sync_s - 3600, now,
                           &rep, msg);
    /* then the licence's outbox: what could not be sent last time goes now */
    ed_metrc_push_report push = {0};
    int pushed = rc >= 0 ? ed_metrc_outbox_push(m, s, l->tenant, l->license, &push, msg) : -1;
    if (rc >= 0) {
        ed_buf_printf(msg, "metrc sync %s/%s:", l->tenant, l->license);
        for (int i = 0; i < ED_METRC_RESOURCES; i++) {
            ed_buf_printf(msg, "%s %zu %s", i ? "," : "", rep.counts[i],
                          ed_metrc_resource_names[i]);
        }
        ed_buf_printf(msg, "; %zu errors; outbox: %zu sent, %zu dead, %zu still pending\n%s",
                      rep.errors, push.sent, push.dead, push.retry,
                      rep.error_text.data ? rep.error_text.data : "");
    }
    if (pushed < 0) {
        rc = -1;
    }
    ed_buf_free(&rep.error_text);
    ed_metrc_free(m);
    return rc == 0 ? 0 : -1;
}

/* Between syncs, the licence's outbox alone: the writes decisions asked
 * for go out within push_s, not at the next hourly sync. */
static int metrc_push(void *arg, ed_store *s, ed_buf *msg)
{
    const ed_metrc_licence *l = arg;
    ed_metrc *m = licence_client(l, msg);
    if (m == NULL) {
        return -1;
    }
    ed_metrc_push_report push = {0};
    int rc = ed_metrc_outbox_push(m, s, l->tenant, l->license, &push, msg);
    if (rc == 0) {
        ed_buf_printf(msg, "metrc outbox %s/%s: %zu sent, %zu dead, %zu still pending",
                      l->tenant, l->license, push.sent, push.dead, push.retry);
    }
    ed_metrc_free(m);
    return rc == 0 ? 0 : -1;
}

/* Deadline alerts: the obligations decisions carry that come due within
 * deadline_alert_days or have passed their date, each raised once per
 * state as a log line of its own ("obligation due soon" / "obligation
 * overdue", warn) that an operator's log pipeline can route. */
static void log_alert(void *arg, const ed_alert *a)
{
    (void)arg;
    const char *names[] = {"tenant", "state", "due", "action", "decision_id", "event_id",
                           "cite"};
    const char *values[] = {a->tenant, a->state, a->due, a->action, a->decision_id,
                            a->event_id, a->cite};
    ed_buf extra = {0};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        ed_buf_printf(&extra, ",\"%s\":", names[i]);
        ed_json_escape(&extra, values[i], strlen(values[i]));
    }
    ed_log("warn", strcmp(a->state, "overdue") == 0 ? "obligation overdue"
                                                    : "obligation due soon",
           extra.data);
    ed_buf_free(&extra);
}

static int deadline_alerts(void *arg, ed_store *s, ed_buf *msg)
{
    const int *lead_days = arg;
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    ed_buf err = {0};
    long n = ed_store_deadline_alerts(s, today, *lead_days, log_alert, NULL, &err);
    if (n < 0) {
        ed_buf_printf(msg, "deadline alerts: %s", err.data ? err.data : "");
    } else {
        ed_buf_printf(msg, "deadline alerts as of %s: %ld raised", today, n);
    }
    ed_buf_free(&err);
    return n < 0 ? -1 : 0;
}

static void log_run(const char *name, const char *holder, int rc, int failed, const ed_buf *msg,
                    const ed_buf *err)
{
    ed_buf x = {0};
    ed_buf_puts(&x, ",\"job\":");
    ed_json_escape(&x, name, strlen(name));
    ed_buf_puts(&x, ",\"holder\":");
    ed_json_escape(&x, holder, strlen(holder));
    if (rc == 1) {
        ed_buf_puts(&x, ",\"output\":");
        ed_json_escape(&x, msg->data ? msg->data : "", msg->len);
        ed_log(failed ? "warn" : "info",
               failed ? "scheduled job failed; it is retried after a back-off"
                      : "scheduled job ran", x.data);
    } else if (rc == -1) {
        ed_buf_puts(&x, ",\"error\":");
        ed_json_escape(&x, err->data ? err->data : "", err->len);
        ed_log("warn", "scheduled jobs could not be claimed or finished", x.data);
    }
    ed_buf_free(&x);
}

/* The file store has one node and no jobs table: its Metrc syncs and
 * pushes are due by this process's own clock (the main thread alone calls
 * the poll): per licence, [2i] its sync, [2i + 1] its push. */
static double *local_due;
static size_t n_local_due;

typedef struct outbox_tally {
    const char *license;
    size_t pending, sent, dead;
} outbox_tally;

static int tally_op(void *arg, const ed_outbox_op *op)
{
    outbox_tally *t = arg;
    if (strcmp(op->license, t->license) == 0) {
        t->pending += strcmp(op->state, "pending") == 0;
        t->sent += strcmp(op->state, "sent") == 0;
        t->dead += strcmp(op->state, "dead") == 0;
    }
    return 0;
}

/* After a run: the licence's outbox by state, and the run, as metrics. */
static void metrc_metrics(ed_store *s, const ed_metrc_licence *l, int rc, int failed,
                          int sync, ed_metrics *metrics)
{
    if (metrics == NULL || rc != 1) {
        return;
    }
    ed_buf labels = {0};
    ed_buf_puts(&labels, "tenant=\"");
    ed_metrics_label_escape(l->tenant, &labels);
    ed_buf_puts(&labels, "\",license=\"");
    ed_metrics_label_escape(l->license, &labels);
    ed_buf_puts(&labels, "\"");
    ed_buf run = {0};
    ed_buf_printf(&run, "%s,result=\"%s\"", labels.data, failed ? "failed" : "ok");
    if (sync) {
        ed_metrics_inc(metrics, "edict_metrc_syncs_total", run.data, 1);
    }
    outbox_tally t = {l->license, 0, 0, 0};
    ed_buf err = {0};
    if (ed_store_outbox_each(s, l->tenant, NULL, tally_op, &t, &err) == 0) {
        const char *names[3] = {"pending", "sent", "dead"};
        size_t counts[3] = {t.pending, t.sent, t.dead};
        for (int i = 0; i < 3; i++) {
            ed_buf st = {0};
            ed_buf_printf(&st, "%s,state=\"%s\"", labels.data, names[i]);
            ed_metrics_set(metrics, "edict_metrc_outbox", st.data, (double)counts[i]);
            ed_buf_free(&st);
        }
    }
    ed_buf_free(&err);
    ed_buf_free(&run);
    ed_buf_free(&labels);
}

static void poll_metrc(ed_store *s, const ed_config *cfg, const char *holder,
                       ed_metrics *metrics)
{
    for (size_t j = 0; j < 2 * cfg->n_metrc; j++) {
        const ed_metrc_licence *l = &cfg->metrc[j / 2];
        int push = j % 2;
        ed_buf name = {0}, msg = {0}, err = {0};
        ed_buf_printf(&name, "metrc-%s:%s:%s", push ? "push" : "sync", l->tenant, l->license);
        double period = push ? l->push_s : l->sync_s;
        ed_job_fn fn = push ? metrc_push : metrc_sync;
        /* once per licence across the nodes: the job row is the licence's */
        ed_job job = {name.data, period, push ? 600 : 3600, push ? 10 : 60, holder};
        int failed = 0;
        int rc = ed_store_job_run(s, &job, fn, (void *)l, &failed, &msg, &err);
        if (rc == ED_STORE_UNSUPPORTED) {
            if (n_local_due < 2 * cfg->n_metrc) {
                double *grown = realloc(local_due, 2 * cfg->n_metrc * sizeof *grown);
                if (grown == NULL) {
                    abort();
                }
                for (size_t k = n_local_due; k < 2 * cfg->n_metrc; k++) {
                    /* the first push one period after the start (the
                     * first sync pushes) */
                    grown[k] = k % 2 ? (double)time(NULL) + cfg->metrc[k / 2].push_s : 0;
                }
                local_due = grown;
                n_local_due = 2 * cfg->n_metrc;
            }
            double now = (double)time(NULL);
            rc = 0;
            if (now >= local_due[j]) {
                failed = fn((void *)l, s, &msg) != 0;
                local_due[j] = now + (failed ? (push ? 10 : 60) : period);
                rc = 1;
            }
        }
        /* a push that sent nothing says nothing */
        if (!(push && rc == 1 && !failed && strstr(msg.data ? msg.data : "", ": 0 sent, 0 dead, 0 still") != NULL)) {
            log_run(name.data, holder, rc, failed, &msg, &err);
        }
        metrc_metrics(s, l, rc, failed, !push, metrics);
        ed_buf_free(&name);
        ed_buf_free(&msg);
        ed_buf_free(&err);
    }
}

/* Claim and run one shared job when it is due; its outcome logged. */
static int run_job(ed_store *s, const ed_job *job, ed_job_fn fn, void *arg)
{
    ed_buf msg = {0}, err = {0};
    int failed = 0;
    int rc = ed_store_job_run(s, job, fn, arg, &failed, &msg, &err);
    log_run(job->name, job->holder, rc, failed, &msg, &err);
    ed_buf_free(&msg);
    ed_buf_free(&err);
    return rc;
}

int ed_jobs_poll(ed_store *s, const ed_config *cfg, const char *holder, ed_metrics *metrics)
{
    poll_metrc(s, cfg, holder, metrics);
    int rc = 0;
    if (cfg->retention_sweep_s > 0) {
        /* a sweep reads every chain: its lease covers a long one, and a
         * node that dies mid-sweep hands it on after that */
        ed_job job = {"retention", cfg->retention_sweep_s, 3600, 60, holder};
        rc = run_job(s, &job, retention_sweep, NULL);
    }
    if (rc != ED_STORE_UNSUPPORTED && cfg->deadline_alerts_s > 0) {
        ed_job job = {"deadline_alerts", cfg->deadline_alerts_s, 600, 60, holder};
        int lead_days = (int)cfg->deadline_alert_days;
        rc = run_job(s, &job, deadline_alerts, &lead_days);
    }
    /* the file store has no shared jobs: the caller stops polling, unless
     * Metrc syncs are due by this node's clock */
    return rc == ED_STORE_UNSUPPORTED && cfg->n_metrc == 0 ? rc : 0;
}
