/*
 * pg_schema.h — the PostgreSQL store's schema: the numbered migrations
 * (runtime/store/migrations/NNN_name.sql, embedded by the Makefile),
 * applying them, and the check a node makes before it uses a database.
 * Private to runtime/store/; store.h has the public face (ed_store_migrate,
 * ed_store_schema_status).
 */
#ifndef EDICT_PG_SCHEMA_H
#define EDICT_PG_SCHEMA_H

#include <stdio.h>

#include "pg_conn.h"

typedef struct ed_pg_migration {
    int version;      /* NNN of the file name */
    const char *name; /* the file name */
    const char *sql;
} ed_pg_migration;

/* Every migration this edict knows, in order; ends with {0, NULL, NULL}. */
extern const ed_pg_migration ed_pg_migrations[];

/* The last version this edict knows. */
int ed_pg_schema_known(void);

/* The version the database is at (0: never migrated), or -1 with err. */
int ed_pg_schema_version(const ed_pg_target *t, PGconn *c, ed_buf *err);

/* 0 when the database's schema is exactly the one this edict knows; -1
 * with err saying what to do otherwise (a node refuses a schema it does
 * not know, newer or older). */
int ed_pg_schema_check(const ed_pg_target *t, PGconn *c, ed_buf *err);

#endif
