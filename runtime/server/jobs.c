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

int ed_jobs_poll(ed_store *s, const ed_config *cfg, const char *holder)
{
    if (cfg->retention_sweep_s <= 0) {
        return 0;
    }
    /* a sweep reads every chain: its lease covers a long one, and a node
     * that dies mid-sweep hands it on after that */
    ed_job job = {"retention", cfg->retention_sweep_s, 3600, 60, holder};
    ed_buf msg = {0}, err = {0};
    int failed = 0;
    int rc = ed_store_job_run(s, &job, retention_sweep, NULL, &failed, &msg, &err);
    ed_buf x = {0};
    ed_buf_puts(&x, ",\"job\":\"retention\",\"holder\":");
    ed_json_escape(&x, holder, strlen(holder));
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
    return rc == ED_STORE_UNSUPPORTED ? rc : 0;
}
