/*
 * pg_conn.h — what the PostgreSQL store's files share (private to
 * runtime/store/): where a location points, shown without its password;
 * connecting; libpq's messages with any password scrubbed out; reading
 * binary result columns.
 */
#ifndef EDICT_PG_CONN_H
#define EDICT_PG_CONN_H

#include <libpq-fe.h>
#include <stdint.h>

#include "util/buf.h"

/* A PostgreSQL location: "postgres://" or "postgresql://". */
int ed_pg_is_location(const char *location);

typedef struct ed_pg_target {
    char *url;      /* as given: may hold a password, so never printed */
    char *shown;    /* postgres://user@host:port/db: what messages name */
    char *secrets[3]; /* passwords to scrub from any message (NULL-ended) */
    char *password; /* from $EDICT_PG_PASSWORD_FILE, or NULL (libpq's own
                       PGPASSWORD / PGPASSFILE need nothing from us) */
} ed_pg_target;

/* Parse location. 0, or -1 with err (which never holds the password). */
int ed_pg_target_init(ed_pg_target *t, const char *location, ed_buf *err);
void ed_pg_target_free(ed_pg_target *t);

/* A new connection, or NULL with err ("store <shown>: <why>"). MUST BE
 * FREED with PQfinish. */
PGconn *ed_pg_connect(const ed_pg_target *t, ed_buf *err);

/* "store <shown>: <what>: <libpq's message>", every secret replaced by
 * "***" and the trailing newline dropped. res may be NULL (then the
 * connection's message is used). */
void ed_pg_error(const ed_pg_target *t, PGconn *c, const PGresult *res, const char *what,
                 ed_buf *err);

/* Run a command with no result rows; 0, or -1 with err. */
int ed_pg_exec(const ed_pg_target *t, PGconn *c, const char *sql, ed_buf *err);

/* A statement with text parameters and text results: the result, or NULL
 * with err ("… <what>: <libpq's message>") when it did not give want. */
PGresult *ed_pg_query(const ed_pg_target *t, PGconn *c, const char *sql, int n,
                      const char *const *vals, ExecStatusType want, const char *what,
                      ed_buf *err);

/* Roll back whatever transaction c has open (nothing when idle). */
void ed_pg_rollback(PGconn *c);

/* Binary-format result columns. */
uint64_t ed_pg_u64(const PGresult *r, int row, int col);
int32_t ed_pg_i32(const PGresult *r, int row, int col);

/* The big-endian 8 bytes of v, for a binary int8 parameter. */
void ed_pg_put_u64(char out[8], uint64_t v);

#endif
