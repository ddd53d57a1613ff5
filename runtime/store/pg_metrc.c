/*
 * pg_metrc.c — Metrc's mirror, sync log and outbox in PostgreSQL
 * (pg_metrc.h). Every statement runs in a transaction with edict.tenant
 * set, so row-level security shows and takes only that tenant's rows.
 */
#define _POSIX_C_SOURCE 200809L

#include "pg_metrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int begin(const ed_pg_target *t, PGconn *c, const char *tenant, ed_buf *err)
{
    if (ed_pg_exec(t, c, "BEGIN", err) != 0) {
        return -1;
    }
    const char *v[1] = {tenant};
    PGresult *r = ed_pg_query(t, c, "SELECT set_config('edict.tenant', $1, true)", 1, v,
                    PGRES_TUPLES_OK, "setting the tenant", err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return -1;
    }
    PQclear(r);
    return 0;
}

static int commit(const ed_pg_target *t, PGconn *c, ed_buf *err)
{
    if (ed_pg_exec(t, c, "COMMIT", err) != 0) {
        ed_pg_rollback(c);
        return -1;
    }
    return 0;
}

/* One statement in its own tenant transaction: the result (NULL, err). */
static PGresult *one(const ed_pg_target *t, PGconn *c, const char *tenant, const char *sql,
                     int n, const char *const *vals, ExecStatusType want, const char *what,
                     ed_buf *err)
{
    if (begin(t, c, tenant, err) != 0) {
        return NULL;
    }
    PGresult *r = ed_pg_query(t, c, sql, n, vals, want, what, err);
    if (r == NULL) {
        ed_pg_rollback(c);
        return NULL;
    }
    if (commit(t, c, err) != 0) {
        PQclear(r);
        return NULL;
    }
    return r;
}

int ed_pg_metrc_put(const ed_pg_target *t, PGconn *c, const char *tenant, const char *license,
                    const ed_metrc_object *o, size_t n, ed_buf *err)
{
    if (begin(t, c, tenant, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        ed_buf json = {0};
        ed_buf_append(&json, o[i].json, o[i].len);
        const char *v[7] = {tenant, license, o[i].resource, o[i].id,
                            o[i].label ? o[i].label : "",
                            o[i].last_modified ? o[i].last_modified : "", json.data};
        PGresult *r = ed_pg_query(t, c,
                        "INSERT INTO edict.metrc_object (tenant, license, resource, id, label, "
                        "last_modified, body) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) "
                        "ON CONFLICT (tenant, license, resource, id) DO UPDATE SET "
                        "label = EXCLUDED.label, last_modified = EXCLUDED.last_modified, "
                        "body = EXCLUDED.body, synced_at = now()",
                        7, v, PGRES_COMMAND_OK, "keeping a Metrc object", err);
        ed_buf_free(&json);
        if (r == NULL) {
            ed_pg_rollback(c);
            return -1;
        }
        PQclear(r);
    }
    return commit(t, c, err);
}

int ed_pg_metrc_count(const ed_pg_target *t, PGconn *c, const char *tenant,
                      const char *license, const char *resource, size_t *count, ed_buf *err)
{
    const char *v[3] = {tenant, license, resource};
    PGresult *r = one(t, c, tenant,
                      "SELECT count(*) FROM edict.metrc_object WHERE tenant = $1 AND "
                      "license = $2 AND resource = $3",
                      3, v, PGRES_TUPLES_OK, "counting Metrc objects", err);
    if (r == NULL) {
        return -1;
    }
    *count = (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int ed_pg_metrc_each(const ed_pg_target *t, PGconn *c, const char *tenant,
                     const char *license, const char *resource,
                     int (*visit)(void *arg, const char *id, const char *label,
                                  const char *json),
                     void *arg, ed_buf *err)
{
    const char *v[3] = {tenant, license, resource};
    PGresult *r = one(t, c, tenant,
                      "SELECT id, label, body::text FROM edict.metrc_object WHERE tenant = $1 "
                      "AND license = $2 AND resource = $3 ORDER BY id",
                      3, v, PGRES_TUPLES_OK, "reading the Metrc mirror", err);
    if (r == NULL) {
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        if (visit(arg, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)) != 0) {
            break;
        }
    }
    PQclear(r);
    return 0;
}

int ed_pg_metrc_log(const ed_pg_target *t, PGconn *c, const char *tenant, const char *license,
                    const char *json, ed_buf *err)
{
    const char *v[3] = {tenant, license, json};
    PGresult *r = one(t, c, tenant,
                      "INSERT INTO edict.metrc_sync (tenant, license, run) "
                      "VALUES ($1, $2, $3::jsonb)",
                      3, v, PGRES_COMMAND_OK, "logging a Metrc sync", err);
    PQclear(r);
    return r ? 0 : -1;
}

int ed_pg_metrc_log_each(const ed_pg_target *t, PGconn *c, const char *tenant,
                         int (*visit)(void *arg, const char *json), void *arg, ed_buf *err)
{
    const char *v[1] = {tenant};
    PGresult *r = one(t, c, tenant,
                      "SELECT run::text FROM edict.metrc_sync WHERE tenant = $1 ORDER BY n",
                      1, v, PGRES_TUPLES_OK, "reading the Metrc sync log", err);
    if (r == NULL) {
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        if (visit(arg, PQgetvalue(r, i, 0)) != 0) {
            break;
        }
    }
    PQclear(r);
    return 0;
}

int ed_pg_outbox_add(const ed_pg_target *t, PGconn *c, const ed_outbox_op *op, ed_buf *err)
{
    const char *v[6] = {op->tenant, op->key, op->license, op->method, op->path,
                        op->body ? op->body : "[]"};
    PGresult *r = one(t, c, op->tenant,
                      "INSERT INTO edict.metrc_outbox (tenant, key, license, method, path, body) "
                      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, key) DO NOTHING "
                      "RETURNING 1",
                      6, v, PGRES_TUPLES_OK, "adding to the Metrc outbox", err);
    if (r == NULL) {
        return -1;
    }
    int added = PQntuples(r) == 1;
    PQclear(r);
    return added;
}

int ed_pg_outbox_each(const ed_pg_target *t, PGconn *c, const char *tenant, const char *state,
                      int (*visit)(void *arg, const ed_outbox_op *op), void *arg, ed_buf *err)
{
    const char *v[2] = {tenant, state};
    PGresult *r = one(t, c, tenant,
                      "SELECT key, license, method, path, body, state, message, "
                      "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                      "attempts FROM edict.metrc_outbox WHERE tenant = $1 AND "
                      "($2::text IS NULL OR state = $2) ORDER BY n",
                      2, v, PGRES_TUPLES_OK, "reading the Metrc outbox", err);
    if (r == NULL) {
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        ed_outbox_op op = {tenant, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                           PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                           PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), PQgetvalue(r, i, 7),
                           atoi(PQgetvalue(r, i, 8))};
        if (visit(arg, &op) != 0) {
            break;
        }
    }
    PQclear(r);
    return 0;
}

int ed_pg_outbox_mark(const ed_pg_target *t, PGconn *c, const char *tenant, const char *key,
                      const char *state, const char *message, ed_buf *err)
{
    const char *v[4] = {tenant, key, state, message ? message : ""};
    PGresult *r = one(t, c, tenant,
                      "UPDATE edict.metrc_outbox SET state = $3, message = $4, "
                      "attempts = attempts + 1, done_at = CASE WHEN $3 = 'pending' THEN NULL "
                      "ELSE now() END WHERE tenant = $1 AND key = $2 RETURNING 1",
                      4, v, PGRES_TUPLES_OK, "marking a Metrc outbox operation", err);
    if (r == NULL) {
        return -1;
    }
    int found = PQntuples(r) == 1;
    PQclear(r);
    if (!found) {
        ed_buf_printf(err, "outbox: no operation %s", key);
        return -1;
    }
    return 0;
}
