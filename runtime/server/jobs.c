/*
 * jobs.c — scheduled work of `edict serve` on a shared store (jobs.h).
 * Each job is claimed through the store (a row locked with SKIP LOCKED and
 * a lease), so polling nodes run it once per period between them. A run
 * and its outcome are logged, and recorded in the database by the store.
 */
#define _POSIX_C_SOURCE 200809L

#include "jobs.h"
#include "log.h"
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

/* Deadline alerts: the obligations decisions carry that come due within
 * deadline_alert_days or have passed their date, each raised once per
 * state as a log line of its own ("obligation due soon" / "obligation
 * overdue", warn) that an operator's log pipeline can route. */
static int deadline_alerts(void *arg, ed_store *s, ed_buf *msg)
{
    const int *lead_days = arg;
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    ed_buf lines = {0}, err = {0};
    long n = ed_store_deadline_alerts(s, today, *lead_days, &lines, &err);
    for (const char *l = lines.data; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        /* the line is an object: its fields join the log line's */
        ed_buf extra = {0};
        ed_buf_putc(&extra, ',');
        ed_buf_append(&extra, l + 1, len - 2);
        const char *overdue = strstr(l, "\"state\":\"overdue\"");
        ed_log("warn", overdue != NULL && overdue < l + len ? "obligation overdue"
                                                            : "obligation due soon",
               extra.data);
        ed_buf_free(&extra);
        l += len + (e != NULL);
    }
    if (n < 0) {
        ed_buf_printf(msg, "deadline alerts: %s", err.data ? err.data : "");
    } else {
        ed_buf_printf(msg, "deadline alerts as of %s: %ld raised", today, n);
    }
    ed_buf_free(&lines);
    ed_buf_free(&err);
    return n < 0 ? -1 : 0;
}

/* Claim and run one job when it is due; its outcome logged. */
static int run_job(ed_store *s, const ed_job *job, ed_job_fn fn, void *arg)
{
    ed_buf msg = {0}, err = {0};
    int failed = 0;
    int rc = ed_store_job_run(s, job, fn, arg, &failed, &msg, &err);
    ed_buf x = {0};
    ed_buf_puts(&x, ",\"job\":");
    ed_json_escape(&x, job->name, strlen(job->name));
    ed_buf_puts(&x, ",\"holder\":");
    ed_json_escape(&x, job->holder, strlen(job->holder));
    if (rc == 1) {
        ed_buf_puts(&x, ",\"output\":");
        ed_json_escape(&x, msg.data ? msg.data : "", msg.len);
        ed_log(failed ? "warn" : "info",
               failed ? "scheduled job failed; it is retried after a back-off"
                      : "scheduled job ran", x.data);
    } else if (rc == -1) {
        ed_buf_puts(&x, ",\"error\":");
        ed_json_escape(&x, err.data ? err.data : "", err.len);
        ed_log("warn", "scheduled jobs could not be claimed or finished", x.data);
    }
    ed_buf_free(&x);
    ed_buf_free(&msg);
    ed_buf_free(&err);
    return rc;
}

int ed_jobs_poll(ed_store *s, const ed_config *cfg, const char *holder)
{
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
    return rc == ED_STORE_UNSUPPORTED ? rc : 0;
}
