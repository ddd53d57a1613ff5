/*
 * store.h — the audit store, the one face of runtime/store/: every decision
 * edict makes is appended to its tenant's hash chain here before anyone is
 * told about it, and found here again by id, by time, by flag and type.
 * The host never knows which implementation it holds: the embedded file
 * store (file_store.c, a folder) or PostgreSQL (pg_store.c, a
 * postgres:// URL). One conformance suite (tests/unit/test_store.c) runs
 * against each.
 *
 * A chain is per tenant:
 *
 *     hash_n = SHA-256(hash_{n-1} || record_n),   hash_0 = 32 zero bytes
 *
 * where record_n is the entry's host-written fields and the decision's
 * exact bytes (docs/AUDIT.md gives the byte layout and how to check it
 * with openssl alone). The fields retention and lookups need (tenant, seq,
 * decision id, event id, occurred_at, flag, type, retention_until) are written by
 * the host beside the decision and covered by the hash, so nothing is ever
 * found by searching decision text, and changing one breaks the chain.
 *
 * Durability: ed_store_append() puts an entry in the chain and returns a
 * ticket; ed_store_commit(ticket) returns once that entry (and every one
 * before it) is durable. Concurrent committers share one sync (group
 * commit): whoever arrives first syncs for everyone waiting. Only after a
 * commit may a decision be acknowledged.
 *
 * Thread-safety: one store may be used from several threads at once.
 */
#ifndef EDICT_STORE_H
#define EDICT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"
#include "signing.h"

#define ED_STORE_MAX_ENTRY ((size_t)16 << 20)

/* The store opened when none is named: $EDICT_JOURNAL_DIR, else the
 * user's or installation's journal folder (ed_state_path("journal"):
 * $EDICT_HOME/var/journal, else $XDG_STATE_HOME/edict/journal, else
 * ~/.local/state/edict/journal). */
const char *ed_store_default_location(void);

/* location as messages may show it: a PostgreSQL URL without its
 * password (postgres://user@host:port/db). malloc'd. */
char *ed_store_display(const char *location);

typedef struct ed_store ed_store;

typedef enum ed_store_mode {
    ED_STORE_READ = 0, /* lookups, verify, export: no lock, writes nothing */
    ED_STORE_WRITE     /* the one writer: locks, recovers a torn tail */
} ed_store_mode;

typedef struct ed_store_options {
    ed_store_mode mode;
    /* file store: a segment is closed and the next begun past this size
     * (0: the default, 64 MiB) */
    size_t segment_bytes;
} ed_store_options;

/* Open the store at `location`: a folder (or file:DIR) for the file store,
 * postgres://user@host:port/db for PostgreSQL (the password from
 * PGPASSFILE, PGPASSWORD or the file $EDICT_PG_PASSWORD_FILE names; never
 * in a message). NULL with err set when it cannot be opened. MUST BE CLOSED with ed_store_close. */
ed_store *ed_store_open(const char *location, const ed_store_options *opt,
                        ed_buf *err);

/* Make everything appended durable, then free the store. */
void ed_store_close(ed_store *s);

/* What the host writes with an entry. Strings are NUL-terminated; NULL or
 * "" where the entry has none (a reload record has no decision id). */
typedef struct ed_record {
    const char *tenant;
    const char *decision_id;     /* "dec-" + 32 hex digits */
    const char *event_id;        /* the event's id */
    const char *occurred_at;     /* RFC 3339, as the event wrote it */
    const char *flag;            /* green, yellow, red */
    const char *type;            /* the event type, or "edict.reload" */
    const char *retention_until; /* YYYY-MM-DD */
    const char *bytes;           /* the decision, one line */
    size_t len;
} ed_record;

typedef uint64_t ed_ticket;

/* Append rec to its tenant's chain. *ticket (may be NULL) is what to
 * commit. Returns 0; ED_STORE_QUARANTINED with err when that tenant's
 * chain does not verify (nothing is ever appended to it; other tenants go
 * on); or -1 with err (a write failed: the store refuses further appends,
 * and nothing not yet committed may be acknowledged). */
#define ED_STORE_QUARANTINED (-2)
int ed_store_append(ed_store *s, const ed_record *rec, ed_ticket *ticket,
                    ed_buf *err);

/* Return once every entry up to `ticket` is durable (ED_TICKET_ALL: every
 * entry appended so far). 0, or -1 with err. */
#define ED_TICKET_ALL UINT64_MAX
int ed_store_commit(ed_store *s, ed_ticket ticket, ed_buf *err);

/* Entries appended and not yet durable. */
size_t ed_store_pending(ed_store *s);

/* One entry, as a reader gets it. Strings are "" where the entry has
 * none. bytes is NULL for an archived entry (its decision removed past
 * retention, its place and hash kept). Valid during the callback only. */
typedef struct ed_entry {
    const char *tenant;
    uint64_t seq;
    const char *prev;  /* hex */
    const char *hash;  /* hex */
    const char *decision_id, *event_id, *occurred_at, *flag, *type, *retention_until;
    const char *record; /* the hashed fields before the bytes, as stored */
    size_t record_len;
    const char *bytes;
    size_t len;
} ed_entry;

/* Return 0 to go on, 1 to stop quietly, anything else to fail. */
typedef int (*ed_entry_visitor)(void *arg, const ed_entry *e);

/* The entry of `tenant` whose decision id is exactly `decision_id`: the
 * visitor is called with it. Returns 0 when found, 1 when there is none
 * (another tenant's id is none too), -1 with err. */
int ed_store_get(ed_store *s, const char *tenant, const char *decision_id,
                 ed_entry_visitor visit, void *arg, ed_buf *err);

/* A page of a tenant's decisions, in chain order. */
typedef struct ed_store_query {
    const char *tenant;
    const char *from, *to;   /* YYYY-MM-DD of occurred_at, inclusive; NULL: open */
    const char *flag, *type; /* NULL: any */
    uint64_t after;          /* entries after this seq */
    size_t limit;            /* at most this many (>= 1) */
} ed_store_query;

/* Call visit for each decision of the page. *next_after is the seq to ask
 * after for the next page, or 0 when this page is the last. Archived
 * entries and host records (no decision id) are not listed. 0, or -1. */
int ed_store_list(ed_store *s, const ed_store_query *q, ed_entry_visitor visit,
                  void *arg, uint64_t *next_after, ed_buf *err);

/* Walk tenant's chain (every tenant when NULL), verifying it, and call
 * visit (may be NULL) for every entry that verifies. Problems and, for
 * each tenant, a summary line ("tenant T: N entries, head H, ok…") go to
 * msgs. Every signed checkpoint must match its entry; with pub its
 * signature must hold. Returns 0 when every chain verifies, 1 when one
 * does not, 2 when the tenant has no chain, -1 when the store cannot be
 * read. *entries (may be NULL): the tenant's last good seq. */
int ed_store_walk(ed_store *s, const char *tenant, ed_key *pub,
                  ed_entry_visitor visit, void *arg, uint64_t *entries,
                  FILE *msgs);

/* Verify each chain (one tenant, or all) and sign its head with key. A
 * broken chain is not signed. 0, or 1. */
int ed_store_checkpoint(ed_store *s, const char *tenant, ed_key *key, FILE *out);

/* Write a tenant's entries as JSON lines for a regulator (docs/AUDIT.md):
 * tenant, seq, prev, hash, the hashed record fields and the decision's
 * exact bytes. from/to (YYYY-MM-DD, may be NULL) select by occurred_at.
 * 0, or 1 when the chain is broken. */
int ed_store_export(ed_store *s, const char *tenant, const char *from,
                    const char *to, FILE *out, FILE *msgs);

/* Per tenant: entries past their own retention_until on as_of
 * (YYYY-MM-DD), entries without one, the next date anything may go. With
 * archive, the decisions past retention are removed, each keeping its
 * place, fields and hash: the chains still verify, and nothing is removed
 * before its own retention_until. 0, or 1. */
int ed_store_retention(ed_store *s, const char *tenant, const char *as_of,
                       int archive, FILE *out);

/* Idempotency records: the first answer to a request with an
 * Idempotency-Key, kept until expires_at (Unix seconds, wall clock) so
 * that a repeat after a restart gets the same answer. */
typedef struct ed_idem_record {
    const char *tenant;
    const char *key;              /* scope:key */
    unsigned char digest[32];     /* SHA-256 of the request body */
    int status;
    const char *headers;          /* "Name: value\r\n" lines */
    const char *body;
    size_t body_len;
    int64_t expires_at;
} ed_idem_record;

/* Keep rec; it is durable at the next commit. 0, or -1 with err. */
int ed_store_idem_put(ed_store *s, const ed_idem_record *rec, ed_buf *err);

/* Call visit for every record not expired at `now` (Unix seconds). */
int ed_store_idem_each(ed_store *s, int64_t now,
                       int (*visit)(void *arg, const ed_idem_record *rec),
                       void *arg, ed_buf *err);

/* The tenants whose chains did not verify when the writer opened the
 * store (a byte changed, an entry missing, a checkpoint contradicted):
 * visit (may be NULL) gets each with the first thing wrong. Their count. */
size_t ed_store_quarantined(ed_store *s,
                            void (*visit)(void *arg, const char *tenant, const char *why),
                            void *arg);

/* A PostgreSQL store's schema (pg_schema.c): apply the migrations this
 * edict knows that the database lacks, each in one transaction, saying
 * each to out; 0, or -1 with err. Status: where the database stands, to
 * out; 0 when up to date, 1 when behind or ahead, -1 with err. A file
 * location has no schema (migrate fails, status says so). */
int ed_store_migrate(const char *location, FILE *out, ed_buf *err);
int ed_store_schema_status(const char *location, FILE *out, ed_buf *err);

/* The stored form of a name (tenant, type) in the file store: bytes
 * outside [A-Za-z0-9._-] percent-encoded, never empty. malloc'd. */
char *ed_store_encode_name(const char *name);

#endif
