/*
 * pg_schema.c — `edict db migrate` and `edict db status`, and the check a
 * node makes before it touches a database. Each numbered migration runs in
 * a transaction of its own and is recorded in edict.schema_version in that
 * same transaction, so a migration is applied whole or not at all, and
 * migrating twice (or from two nodes at once: a transaction-level advisory
 * lock orders them) applies nothing the second time.
 */
#define _POSIX_C_SOURCE 200809L
#define pg_schema_c

#include "pg_schema.h"
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

/* Any constant will do: taken only by migrations, released at COMMIT. */
#define MIGRATE_LOCK "7301990421"

#define BOOTSTRAP_SQL                                                          \
    "CREATE SCHEMA IF NOT EXISTS edict;"                                       \
    "CREATE TABLE IF NOT EXISTS edict.schema_version ("                        \
    " version integer PRIMARY KEY, name text NOT NULL,"                        \
    " applied_at timestamptz NOT NULL DEFAULT now())"

int ed_pg_schema_known(void)
{
    int v = 0;
    for (const ed_pg_migration *m = ed_pg_migrations; m->name != NULL; m++) {
        v = m->version;
    }
    return v;
}

int ed_pg_schema_version(const ed_pg_target *t, PGconn *c, ed_buf *err)
{
    PGresult *r = PQexec(c, "SELECT to_regclass('edict.schema_version') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ed_pg_error(t, c, r, "reading the schema version", err);
        PQclear(r);
        return -1;
    }
    int exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!exists) {
        return 0;
    }
    r = PQexec(c, "SELECT coalesce(max(version), 0) FROM edict.schema_version");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ed_pg_error(t, c, r, "reading the schema version", err);
        PQclear(r);
        return -1;
    }
    int v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

int ed_pg_schema_check(const ed_pg_target *t, PGconn *c, ed_buf *err)
{
    int have = ed_pg_schema_version(t, c, err), known = ed_pg_schema_known();
    if (have < 0) {
        return -1;
    }
    if (have == known) {
        return 0;
    }
    if (have == 0) {
        ed_buf_printf(err, "store %s: the database has no edict schema: run `edict db "
                      "migrate --store %s` as the schema's owner", t->shown, t->shown);
    } else if (have < known) {
        ed_buf_printf(err, "store %s: schema version %d, this edict needs %d: run `edict db "
                      "migrate --store %s` as the schema's owner", t->shown, have, known,
                      t->shown);
    } else {
        ed_buf_printf(err, "store %s: schema version %d is newer than this edict knows (%d): "
                      "refusing it (run the edict that migrated it)", t->shown, have, known);
    }
    return -1;
}

/* Apply m unless it is applied. 1 when applied now, 0 when it was, -1. */
static int apply(const ed_pg_target *t, PGconn *c, const ed_pg_migration *m, ed_buf *err)
{
    if (ed_pg_exec(t, c, "BEGIN", err) != 0) {
        return -1;
    }
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[2] = {version, m->name};
    PGresult *r = NULL;
    int rc = -1;
    if (ed_pg_exec(t, c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", err) != 0 ||
        ed_pg_exec(t, c, BOOTSTRAP_SQL, err) != 0) {
        goto out;
    }
    r = PQexecParams(c, "SELECT 1 FROM edict.schema_version WHERE version = $1", 1, NULL,
                     params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ed_pg_error(t, c, r, "reading the schema version", err);
        goto out;
    }
    if (PQntuples(r) > 0) {
        rc = 0;
        goto out;
    }
    PQclear(r);
    /* the file's statements, as one simple query: libpq runs them in order
     * inside our transaction */
    r = PQexec(c, m->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        char what[128];
        snprintf(what, sizeof what, "migration %s failed (nothing of it applied)", m->name);
        ed_pg_error(t, c, r, what, err);
        goto out;
    }
    PQclear(r);
    r = PQexecParams(c, "INSERT INTO edict.schema_version (version, name) VALUES ($1, $2)",
                     2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        ed_pg_error(t, c, r, "recording the schema version", err);
        goto out;
    }
    rc = 1;
out:
    PQclear(r);
    if (rc == 1) {
        if (ed_pg_exec(t, c, "COMMIT", err) != 0) {
            rc = -1;
        }
    } else {
        PQclear(PQexec(c, "ROLLBACK"));
    }
    return rc;
}

int ed_store_migrate(const char *location, FILE *out, ed_buf *err)
{
    if (!ed_pg_is_location(location)) {
        ed_buf_printf(err, "%s: the file store has no schema to migrate (only a postgres:// "
                      "store has)", location);
        return -1;
    }
    ed_pg_target t;
    if (ed_pg_target_init(&t, location, err) != 0) {
        return -1;
    }
    PGconn *c = ed_pg_connect(&t, err);
    int rc = c ? 0 : -1;
    if (c != NULL) {
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        int have = ed_pg_schema_version(&t, c, err);
        if (have < 0) {
            rc = -1;
        } else if (have > ed_pg_schema_known()) {
            ed_buf_printf(err, "store %s: schema version %d is newer than this edict knows "
                          "(%d): nothing applied", t.shown, have, ed_pg_schema_known());
            rc = -1;
        }
    }
    size_t applied = 0;
    for (const ed_pg_migration *m = ed_pg_migrations; rc == 0 && m->name != NULL; m++) {
        int a = apply(&t, c, m, err);
        if (a < 0) {
            rc = -1;
        } else if (a == 1) {
            fprintf(out, "applied %s\n", m->name);
            applied++;
        }
    }
    if (rc == 0) {
        fprintf(out, "store %s: schema version %d%s\n", t.shown, ed_pg_schema_known(),
                applied ? "" : " (already up to date)");
    }
    if (c != NULL) {
        PQfinish(c);
    }
    ed_pg_target_free(&t);
    return rc;
}

int ed_store_schema_status(const char *location, FILE *out, ed_buf *err)
{
    if (!ed_pg_is_location(location)) {
        fprintf(out, "store %s: the file store (no schema)\n", location);
        return 0;
    }
    ed_pg_target t;
    if (ed_pg_target_init(&t, location, err) != 0) {
        return -1;
    }
    PGconn *c = ed_pg_connect(&t, err);
    int rc = -1;
    if (c == NULL) {
        goto done;
    }
    int have = ed_pg_schema_version(&t, c, err);
    if (have < 0) {
        goto done;
    }
    fprintf(out, "store %s: schema version %d; this edict knows %d\n", t.shown, have,
            ed_pg_schema_known());
    if (have > 0) {
        PGresult *r = PQexec(c, "SELECT version, name, to_char(applied_at AT TIME ZONE 'UTC', "
                             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM edict.schema_version "
                             "ORDER BY version");
        for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
            fprintf(out, "  %s applied %s\n", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        }
        PQclear(r);
    }
    for (const ed_pg_migration *m = ed_pg_migrations; m->name != NULL; m++) {
        if (m->version > have) {
            fprintf(out, "  %s pending\n", m->name);
        }
    }
    rc = have == ed_pg_schema_known() ? 0 : 1;
    fprintf(out, "%s\n", rc == 0 ? "up to date"
                         : have < ed_pg_schema_known() ? "behind: run `edict db migrate`"
                                                       : "ahead of this edict: it refuses "
                                                         "this database");
done:
    if (c != NULL) {
        PQfinish(c);
    }
    ed_pg_target_free(&t);
    return rc;
}
