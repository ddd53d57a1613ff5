/*
 * pg_alerts.c — deadline alerts (pg_alerts.h). One short transaction per
 * tenant, under row-level security like every other access: the UPDATE
 * ... RETURNING both marks and reads, so two nodes running it at once
 * (a lost lease) still raise each alert once.
 */
#define _POSIX_C_SOURCE 200809L

#include "pg_alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const marks[2][2] = {
    {"due_soon",
     "UPDATE edict.obligation SET due_soon_alerted_at = now() "
     "WHERE due_day BETWEEN $1::date AND $1::date + $2::integer "
     "AND due_soon_alerted_at IS NULL AND overdue_alerted_at IS NULL "
     "RETURNING due, action, decision_id, event_id, coalesce(cite, '')"},
    {"overdue",
     "UPDATE edict.obligation SET overdue_alerted_at = now() "
     "WHERE due_day < $1::date AND overdue_alerted_at IS NULL "
     "RETURNING due, action, decision_id, event_id, coalesce(cite, '')"},
};

static long tenant_alerts(const ed_pg_target *t, PGconn *c, const char *tenant,
                          const char *today, const char *lead,
                          void (*visit)(void *arg, const ed_alert *a), void *arg,
                          ed_buf *err)
{
    const char *tv[1] = {tenant};
    PGresult *r = ed_pg_query(t, c, "BEGIN", 0, NULL, PGRES_COMMAND_OK, "deadline alerts", err);
    PQclear(r);
    if (r == NULL) {
        return -1;
    }
    r = ed_pg_query(t, c, "SELECT set_config('edict.tenant', $1, true)", 1, tv,
                    PGRES_TUPLES_OK, "deadline alerts", err);
    PQclear(r);
    long n = 0;
    for (int m = 0; r != NULL && m < 2; m++) {
        const char *v[2] = {today, lead};
        r = ed_pg_query(t, c, marks[m][1], m == 0 ? 2 : 1, v, PGRES_TUPLES_OK,
                        "marking obligations due", err);
        for (int i = 0; r != NULL && i < PQntuples(r); i++) {
            ed_alert a = {tenant, marks[m][0], PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                          PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4)};
            visit(arg, &a);
            n++;
        }
        PQclear(r);
    }
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    r = ed_pg_query(t, c, "COMMIT", 0, NULL, PGRES_COMMAND_OK, "deadline alerts", err);
    PQclear(r);
    return r == NULL ? -1 : n;
}

long ed_pg_deadline_alerts(const ed_pg_target *t, PGconn *c, const char *today,
                           int lead_days, void (*visit)(void *arg, const ed_alert *a),
                           void *arg, ed_buf *err)
{
    char lead[16];
    snprintf(lead, sizeof lead, "%d", lead_days);
    PGresult *r = ed_pg_query(t, c, "SELECT tenant FROM edict.chain_head ORDER BY tenant", 0,
                              NULL, PGRES_TUPLES_OK, "listing the chains", err);
    if (r == NULL) {
        return -1;
    }
    long total = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        long n = tenant_alerts(t, c, PQgetvalue(r, i, 0), today, lead, visit, arg, err);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    PQclear(r);
    return total;
}
