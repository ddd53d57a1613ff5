/*
 * pg_metrc.h — the PostgreSQL store's Metrc data (private to
 * runtime/store/; store.h's ed_store_metrc_* and ed_store_outbox_* are the
 * face; migrations/004_metrc.sql the tables). Each function works on a
 * connection the caller holds, in a transaction of its own with the
 * tenant set, and leaves it outside any transaction.
 */
#ifndef EDICT_PG_METRC_H
#define EDICT_PG_METRC_H

#include "pg_conn.h"
#include "store.h"

int ed_pg_metrc_put(const ed_pg_target *t, PGconn *c, const char *tenant, const char *license,
                    const ed_metrc_object *o, size_t n, ed_buf *err);
int ed_pg_metrc_count(const ed_pg_target *t, PGconn *c, const char *tenant,
                      const char *license, const char *resource, size_t *count, ed_buf *err);
int ed_pg_metrc_each(const ed_pg_target *t, PGconn *c, const char *tenant,
                     const char *license, const char *resource,
                     int (*visit)(void *arg, const char *id, const char *label,
                                  const char *json),
                     void *arg, ed_buf *err);
int ed_pg_metrc_log(const ed_pg_target *t, PGconn *c, const char *tenant, const char *license,
                    const char *json, ed_buf *err);
int ed_pg_metrc_log_each(const ed_pg_target *t, PGconn *c, const char *tenant,
                         int (*visit)(void *arg, const char *json), void *arg, ed_buf *err);
int ed_pg_outbox_add(const ed_pg_target *t, PGconn *c, const ed_outbox_op *op, ed_buf *err);
int ed_pg_outbox_each(const ed_pg_target *t, PGconn *c, const char *tenant, const char *state,
                      int (*visit)(void *arg, const ed_outbox_op *op), void *arg, ed_buf *err);
int ed_pg_outbox_mark(const ed_pg_target *t, PGconn *c, const char *tenant, const char *key,
                      const char *state, const char *message, ed_buf *err);

#endif
