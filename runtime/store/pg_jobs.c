/*
 * pg_jobs.c — scheduled work and leases shared by the nodes of one
 * PostgreSQL database (migrations/002_jobs.sql says the tables).
 *
 * A due job is claimed with SELECT … FOR UPDATE SKIP LOCKED and, in the
 * same short transaction, the lease 'job:<name>' (a row with a holder and
 * an expiry) is taken for the run. The run holds no transaction. Finishing
 * moves the job's run_at on (or backs off after a failure), records the
 * run and gives the lease up, in one transaction, only while the lease is
 * still ours. So two nodes polling the same job run it once per period; a
 * node that dies mid-run leaves a lease that expires, and the job runs
 * again elsewhere. Both lock the job row before the lease row, so a claim
 * and a finish never wait on each other.
 *
 * A job's lease is taken only when free or expired, never because it is
 * already ours: a node runs its jobs one at a time, so a lease of its own
 * still held at a claim is a run it did whose finish was not recorded
 * (the database refused or went away). Taking it again ran that work a
 * second time at the next poll (two Metrc sync logs for one recorded
 * run); now such a run is handed on as a dead node's is, when its lease
 * expires.
 */
#define _POSIX_C_SOURCE 200809L

#include "pg_jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The lease upsert: taken when free, expired, or already ours (renewed). */
static const char TAKE_LEASE[] =
    "INSERT INTO edict.lease AS l (name, holder, expires_at) "
    "VALUES ($1, $2, now() + make_interval(secs => $3::double precision)) "
    "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
    "WHERE l.expires_at <= now() OR l.holder = EXCLUDED.holder RETURNING 1";

/* A job's lease: taken when free or expired only (the top comment says
 * why not when already ours). */
static const char TAKE_JOB_LEASE[] =
    "INSERT INTO edict.lease AS l (name, holder, expires_at) "
    "VALUES ($1, $2, now() + make_interval(secs => $3::double precision)) "
    "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
    "WHERE l.expires_at <= now() RETURNING 1";

int ed_pg_job_claim(const ed_pg_target *t, PGconn *c, const char *name, double period_s,
                    double lease_s, const char *holder, char due_at[ED_PG_DUE_MAX],
                    int *attempt, ed_buf *err)
{
    char period[32], lease[32], lease_name[256];
    snprintf(period, sizeof period, "%.3f", period_s);
    snprintf(lease, sizeof lease, "%.3f", lease_s);
    snprintf(lease_name, sizeof lease_name, "job:%s", name);
    const char *v2[2] = {name, period};
    PGresult *r = ed_pg_query(t, c, "INSERT INTO edict.jobs (name, period_s, run_at) VALUES "
                    "($1, $2::double precision, now()) ON CONFLICT (name) DO NOTHING", 2, v2,
                    PGRES_COMMAND_OK, "adding a job", err);
    if (r == NULL) {
        return -1;
    }
    PQclear(r);
    if (ed_pg_exec(t, c, "BEGIN", err) != 0) {
        return -1;
    }
    const char *v1[1] = {name};
    r = ed_pg_query(t, c, "SELECT run_at::text, attempts FROM edict.jobs WHERE name = $1 AND "
          "run_at <= now() FOR UPDATE SKIP LOCKED", 1, v1, PGRES_TUPLES_OK,
          "claiming a job", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    if (PQntuples(r) == 0) { /* not due, or another node is claiming it */
        PQclear(r);
        ed_pg_rollback(c);
        return 0;
    }
    snprintf(due_at, ED_PG_DUE_MAX, "%s", PQgetvalue(r, 0, 0));
    *attempt = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    const char *lv[3] = {lease_name, holder, lease};
    r = ed_pg_query(t, c, TAKE_JOB_LEASE, 3, lv, PGRES_TUPLES_OK, "taking a job's lease", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    int took = PQntuples(r) == 1;
    PQclear(r);
    if (!took) { /* running elsewhere, or run here unrecorded: its lease has not expired */
        ed_pg_rollback(c);
        return 0;
    }
    const char *uv[2] = {name, holder};
    r = ed_pg_query(t, c, "UPDATE edict.jobs SET attempts = attempts + 1, last_holder = $2, "
          "last_started_at = now() WHERE name = $1", 2, uv, PGRES_COMMAND_OK,
          "claiming a job", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    PQclear(r);
    if (ed_pg_exec(t, c, "COMMIT", err) != 0) {
        ed_pg_rollback(c);
        return -1;
    }
    *attempt += 1;
    return 1;
}

int ed_pg_job_finish(const ed_pg_target *t, PGconn *c, const char *name, const char *holder,
                     const char *due_at, int attempt, double period_s, double backoff_s,
                     int ok, const char *message, ed_buf *err)
{
    char period[32], backoff[32], att[16], lease_name[256];
    snprintf(period, sizeof period, "%.3f", period_s);
    snprintf(backoff, sizeof backoff, "%.3f", backoff_s);
    snprintf(att, sizeof att, "%d", attempt);
    snprintf(lease_name, sizeof lease_name, "job:%s", name);
    if (ed_pg_exec(t, c, "BEGIN", err) != 0) {
        return -1;
    }
    /* the job row before the lease row, in the order a claim takes them:
     * in the other order, a claim that had just selected the job and a
     * finish that had just locked the lease would wait on each other
     * until PostgreSQL aborted one */
    const char *jv[1] = {name};
    PGresult *r = ed_pg_query(t, c, "SELECT 1 FROM edict.jobs WHERE name = $1 FOR UPDATE", 1, jv,
                              PGRES_TUPLES_OK, "finishing a job", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    PQclear(r);
    const char *lv[2] = {lease_name, holder};
    r = ed_pg_query(t, c, "SELECT 1 FROM edict.lease WHERE name = $1 AND holder = $2 AND "
                    "expires_at > now() FOR UPDATE", 2, lv, PGRES_TUPLES_OK,
                    "finishing a job", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    int held = PQntuples(r) == 1;
    PQclear(r);
    if (!held) {
        ed_pg_rollback(c);
        return 0;
    }
    /* ok: the first time past now on the schedule due + k·period, so a
     * node that was down for periods runs once, not once per period
     * missed; failed: backoff · 2^(attempts-1), at most a period */
    const char *okv[3] = {name, due_at, period};
    const char *failv[4] = {name, message, period, backoff};
    if (ok) {
        r = ed_pg_query(t, c, "UPDATE edict.jobs SET run_at = $2::timestamptz + make_interval(secs => "
              "$3::double precision * (floor(extract(epoch FROM now() - $2::timestamptz) / "
              "$3::double precision) + 1)), attempts = 0, last_error = NULL, "
              "last_done_at = now(), period_s = $3::double precision WHERE name = $1",
              3, okv, PGRES_COMMAND_OK, "finishing a job", err);
    } else {
        r = ed_pg_query(t, c, "UPDATE edict.jobs SET run_at = now() + make_interval(secs => "
              "least($3::double precision, $4::double precision * "
              "power(2, least(greatest(attempts - 1, 0), 30)))), last_error = $2 "
              "WHERE name = $1", 4, failv, PGRES_COMMAND_OK, "finishing a job", err);
    }
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    PQclear(r);
    const char *rv[6] = {name, due_at, holder, att, ok ? "true" : "false", message};
    r = ed_pg_query(t, c, "INSERT INTO edict.job_runs (name, due_at, holder, attempt, ok, message) "
          "VALUES ($1, $2::timestamptz, $3, $4::integer, $5::boolean, $6)", 6, rv,
          PGRES_COMMAND_OK, "recording a job's run", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    PQclear(r);
    r = ed_pg_query(t, c, "UPDATE edict.lease SET expires_at = now() WHERE name = $1 AND holder = $2", 2,
          lv, PGRES_COMMAND_OK, "giving a job's lease up", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    PQclear(r);
    if (ed_pg_exec(t, c, "COMMIT", err) != 0) {
        ed_pg_rollback(c);
        return -1;
    }
    return 1;
}

int ed_pg_lease_take(const ed_pg_target *t, PGconn *c, const char *name, const char *holder,
                     double ttl_s, ed_buf *err)
{
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%.3f", ttl_s);
    const char *v[3] = {name, holder, ttl};
    PGresult *r = ed_pg_query(t, c, TAKE_LEASE, 3, v, PGRES_TUPLES_OK, "taking a lease", err);
    if (r == NULL) {
        return -1;
    }
    int took = PQntuples(r) == 1;
    PQclear(r);
    return took;
}

int ed_pg_lease_release(const ed_pg_target *t, PGconn *c, const char *name,
                        const char *holder, ed_buf *err)
{
    const char *v[2] = {name, holder};
    PGresult *r = ed_pg_query(t, c, "UPDATE edict.lease SET expires_at = now() WHERE name = $1 AND "
                    "holder = $2 AND expires_at > now()", 2, v, PGRES_COMMAND_OK,
                    "giving a lease up", err);
    if (r == NULL) {
        return -1;
    }
    PQclear(r);
    return 0;
}
