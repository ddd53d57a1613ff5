/*
 * pg_packs.h — pack generations published to PostgreSQL, and the
 * connection a node listens on for new ones (private to runtime/store/;
 * store.h's ed_store_packs_* and ed_store_listener_* are the face).
 */
#ifndef EDICT_PG_PACKS_H
#define EDICT_PG_PACKS_H

#include "pg_conn.h"

/* Store the tree under dir (every regular file; names starting with '.'
 * skipped, symbolic links refused) as a new generation, NOTIFY edict_packs
 * in the same transaction. Its number, or -1 with err. */
long long ed_pg_packs_publish(const ed_pg_target *t, PGconn *c, const char *dir,
                              const char *by, ed_buf *err);

/* The newest generation's number (0: none), or -1 with err. */
long long ed_pg_packs_current(const ed_pg_target *t, PGconn *c, ed_buf *err);

/* Write generation id's files under dest (made; each file's digest
 * checked before it is written). 0, or -1 with err. */
int ed_pg_packs_fetch(const ed_pg_target *t, PGconn *c, long long id, const char *dest,
                      ed_buf *err);

/* Replay's kept catalogs (store.h, migration 006): keep the catalog and
 * the pack versions it lists that are missing, in one transaction (ON
 * CONFLICT DO NOTHING: another node may keep the same at the same time);
 * restore one under dest. As ed_store_catalog_keep / _restore. */
#include "store.h"
int ed_pg_catalog_keep(const ed_pg_target *t, PGconn *c, const char *digest,
                       const char *manifest, const ed_kept_pack *packs, size_t n, ed_buf *err);
int ed_pg_catalog_restore(const ed_pg_target *t, PGconn *c, const char *digest,
                          const char *dest, ed_buf *manifest, ed_buf *err);

/* A listener on edict_packs that connects at its first check (store.h). */
#include "store.h"
ed_store_listener *ed_pg_listener_new(const ed_pg_target *t);

#endif
