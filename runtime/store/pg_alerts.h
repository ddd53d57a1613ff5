/*
 * pg_alerts.h — deadline alerts in PostgreSQL (private to runtime/store/;
 * store.h's ed_store_deadline_alerts is the face): the obligations of
 * decisions (edict.obligation, filled by a trigger on the journal,
 * migrations/005_obligations.sql) that come due or pass their date.
 */
#ifndef EDICT_PG_ALERTS_H
#define EDICT_PG_ALERTS_H

#include "pg_conn.h"
#include "store.h"

/* In every tenant, mark and report the obligations due from `today`
 * (YYYY-MM-DD) to today + lead_days not yet alerted as due soon, and those
 * due before today not yet alerted as overdue, and visit each: each
 * obligation once per state. The number of alerts, or -1 with err (what a
 * tenant's transaction marked stays marked). */
long ed_pg_deadline_alerts(const ed_pg_target *t, PGconn *c, const char *today,
                           int lead_days, void (*visit)(void *arg, const ed_alert *a),
                           void *arg, ed_buf *err);

#endif
