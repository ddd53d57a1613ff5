/*
 * pg_jobs.h — scheduled work and leases in PostgreSQL (private to
 * runtime/store/; store.h's ed_store_job_run and ed_store_lease are the
 * face). Each function works on a connection the caller holds and leaves
 * it outside any transaction.
 */
#ifndef EDICT_PG_JOBS_H
#define EDICT_PG_JOBS_H

#include "pg_conn.h"

/* Due time of a claimed run, as the database wrote it. */
#define ED_PG_DUE_MAX 64

/* Claim job `name` when it is due: it is made (due now) when missing;
 * SELECT … FOR UPDATE SKIP LOCKED, then the lease 'job:<name>' for
 * lease_s (only when free or expired, even if holder has it), counted as
 * an attempt. 1 claimed (due_at, *attempt set), 0 not due, running
 * elsewhere or run by holder with its finish unrecorded, -1 with err. */
int ed_pg_job_claim(const ed_pg_target *t, PGconn *c, const char *name, double period_s,
                    double lease_s, const char *holder, char due_at[ED_PG_DUE_MAX],
                    int *attempt, ed_buf *err);

/* A claimed run ended: ok moves run_at to the first time past now on the
 * schedule due_at + k·period_s; a failure backs off (backoff_s doubled per
 * attempt, at most period_s). The run is recorded in edict.job_runs with
 * message, and the lease given up. 1 done, 0 when the lease was lost
 * meanwhile (another node took the job over: nothing recorded), -1. */
int ed_pg_job_finish(const ed_pg_target *t, PGconn *c, const char *name, const char *holder,
                     const char *due_at, int attempt, double period_s, double backoff_s,
                     int ok, const char *message, ed_buf *err);

/* Take or renew the lease `name` for ttl_s: 1 when holder has it now, 0
 * when another holder's lease has not expired, -1 with err. */
int ed_pg_lease_take(const ed_pg_target *t, PGconn *c, const char *name, const char *holder,
                     double ttl_s, ed_buf *err);

/* Give the lease up if holder has it (it expires now). 0, or -1. */
int ed_pg_lease_release(const ed_pg_target *t, PGconn *c, const char *name,
                        const char *holder, ed_buf *err);

#endif
