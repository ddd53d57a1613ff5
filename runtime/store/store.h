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
    /* PostgreSQL store: connections open at once (0: 16, at most 64), how
     * long a user waits for a busy one before failing (0: 5000 ms), and
     * the statement timeout of each connection (0: 30000 ms) */
    unsigned pool_size;
    unsigned pool_wait_ms;
    unsigned statement_timeout_ms;
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
    /* Replay (docs/AUDIT.md, "Replay"): a decision's entry also keeps the
     * event's exact bytes and the digest of the catalog that decided it
     * (ed_store_catalog_keep); both hashed with the record. NULL for a
     * host record (reload, evidence), which keeps the older form. */
    const char *catalog;         /* 64 hex digits, or "" when unknown */
    const char *event;
    size_t event_len;
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
    /* a decision's replay fields (ed_record): catalog "" and event NULL
     * when the entry has none (a host record, an older entry) or the
     * event is archived with its decision */
    const char *catalog;
    const char *event;
    size_t event_len;
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

/* The signed checkpoints of tenant, in the order signed: visit gets each
 * (seq, hash hex, signature hex; return nonzero to stop). Not verified
 * here (ed_store_walk does). 0, or -1 with err. */
typedef int (*ed_checkpoint_visitor)(void *arg, uint64_t seq, const char *hash_hex,
                                     const char *sig_hex);
int ed_store_checkpoints(ed_store *s, const char *tenant, ed_checkpoint_visitor visit,
                         void *arg, ed_buf *err);

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

/* The record of (tenant, key) not expired at `now`, where the store keeps
 * records that other nodes' answers (PostgreSQL): visit gets the first
 * one kept. 1 found, 0 none (the file store always: its one writer holds
 * every record in memory), -1 with err. */
int ed_store_idem_get(ed_store *s, const char *tenant, const char *key, int64_t now,
                      int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                      ed_buf *err);

/* Claim (tenant, key) for ttl_s before deciding a request with that
 * Idempotency-Key, where nodes share the store: 1 claimed, 0 another node
 * is answering it (its claim has not expired or been given up), -1 with
 * err. The file store: 1 (its one writer's memory decides). Release: give
 * the claim up (the request failed; a retry may decide). 0, or -1. */
int ed_store_idem_claim(ed_store *s, const char *tenant, const char *key,
                        const unsigned char digest[32], double ttl_s, ed_buf *err);
int ed_store_idem_release(ed_store *s, const char *tenant, const char *key, ed_buf *err);

/* Scheduled work shared by every node on one store (PostgreSQL:
 * pg_jobs.c; the file store has one node and none of this, and answers
 * ED_STORE_UNSUPPORTED). A job is run at most once per period across the
 * nodes: claimed with SELECT … FOR UPDATE SKIP LOCKED under a lease that
 * lasts lease_s, run outside any transaction, then rescheduled (or, after a
 * failure, retried after backoff_s doubled per attempt, at most a period).
 * A node that dies mid-run leaves a lease that expires: the job runs again
 * elsewhere then (at least once). */
#define ED_STORE_UNSUPPORTED (-3)
typedef struct ed_job {
    const char *name;
    double period_s, lease_s, backoff_s;
    const char *holder;   /* this node, as the tables name it */
} ed_job;

/* The work: 0 when it succeeded, else failed; msg (what it did, or why it
 * failed) is recorded with the run. */
typedef int (*ed_job_fn)(void *arg, ed_store *s, ed_buf *msg);

/* Run job with fn if it is due and no other node runs it. 1 ran (*failed,
 * may be NULL, says how it went; msg holds fn's text), 0 nothing to do,
 * -1 with err, ED_STORE_UNSUPPORTED. */
int ed_store_job_run(ed_store *s, const ed_job *job, ed_job_fn fn, void *arg, int *failed,
                     ed_buf *msg, ed_buf *err);

/* Deadline alerts (a scheduled job of serve): mark, in every tenant, the
 * obligations of its decisions due from today (YYYY-MM-DD) to today +
 * lead_days, or past due, that were not alerted in that state yet, and
 * visit each. How many, -1 with err, or ED_STORE_UNSUPPORTED (the file
 * store). */
typedef struct ed_alert {
    const char *tenant;
    const char *state;       /* "due_soon" or "overdue" */
    const char *due, *action, *decision_id, *event_id, *cite; /* cite: "" if none */
} ed_alert;
long ed_store_deadline_alerts(ed_store *s, const char *today, int lead_days,
                              void (*visit)(void *arg, const ed_alert *a), void *arg,
                              ed_buf *err);

/* Singleton work: take or renew the lease `name` for ttl_s (a row with a
 * holder and an expiry, not a session lock). 1 held by holder, 0 held by
 * another, -1 with err, ED_STORE_UNSUPPORTED. Release: it expires now. */
int ed_store_lease_take(ed_store *s, const char *name, const char *holder, double ttl_s,
                        ed_buf *err);
int ed_store_lease_release(ed_store *s, const char *name, const char *holder, ed_buf *err);

/* Pack generations published to a store nodes share (`edict packs
 * publish`; PostgreSQL: pg_packs.c; the file store answers
 * ED_STORE_UNSUPPORTED). Publish stores every file under dir with its
 * SHA-256 as a new generation and notifies the listening nodes when it
 * commits: its number, or -1 with err. Current: the newest number (0:
 * none). Fetch: generation id's files written under dest, each checked
 * against its digest; 0, or -1 with err. */
long long ed_store_packs_publish(ed_store *s, const char *dir, const char *by, ed_buf *err);
long long ed_store_packs_current(ed_store *s, ed_buf *err);
int ed_store_packs_fetch(ed_store *s, long long id, const char *dest, ed_buf *err);

/* A connection listening for published generations, of its own (never
 * the pool's). NULL when the store has none (the file store). It connects
 * at the first check. Check (never blocks): 1 when a generation was
 * published, or the connection was made again (a notification may have
 * been lost while it was down): read the current one; 0 nothing; -1 with
 * err when it is down (the next check tries again). fd: the socket to
 * wait on, -1 while down; it may change after a check. */
typedef struct ed_store_listener ed_store_listener;
ed_store_listener *ed_store_packs_listen(ed_store *s);
int ed_store_listener_fd(ed_store_listener *l);
int ed_store_listener_check(ed_store_listener *l, ed_buf *err);
void ed_store_listener_close(ed_store_listener *l);

/* Every catalog (pack generation) that served, kept by digest so that a
 * decision can be made again (`edict replay`): the file store under
 * <dir>/packs/, PostgreSQL in tables every node shares (migration 006).
 * A catalog is its manifest, one line per pack version, sorted:
 *
 *     <pack|tenant> <sha256 hex of the pack> <label>
 *
 * and the catalog's digest is the SHA-256 of the manifest. Each pack
 * version's files are kept once, by the pack's digest. */
typedef struct ed_kept_file {
    const char *path;   /* relative, '/'-separated */
    const char *data;
    size_t len;
} ed_kept_file;

typedef struct ed_kept_pack {
    const char *digest; /* 64 hex: the pack's digest */
    const ed_kept_file *files;
    size_t n_files;
} ed_kept_pack;

/* The same from a folder laid out as the file store's packs/ (and a
 * regulator package's replay/): catalogs/<hex>, versions/<hex>.pack. */
int ed_kept_restore(const char *packs_dir, const char *digest, const char *dest,
                    ed_buf *manifest, ed_buf *err);

/* The decisions a regulator package selected (entries/N.bin of chain.txt's
 * "selected" lines that hold an event), each as an entry replay decides
 * again: decision id, occurred_at, catalog, event and bytes from its
 * record; tenant "" (the decision names it). kept_dir (made) gets the
 * package's replay/ folder for ed_kept_restore. Check the package first
 * (ed_package_verify). 0, or -1 with err. */
int ed_package_each_decision(const char *path, const char *kept_dir, ed_entry_visitor visit,
                             void *arg, ed_buf *err);

/* A pack version's digest over its files in path order (the framing
 * engine/pack.c hashes: path NUL length NUL bytes), 64 hex digits. */
void ed_kept_digest(const ed_kept_file *files, size_t n, char hex[65]);

/* Keep the catalog (manifest, its digest hex) and the pack versions it
 * lists that the store lacks, durably. 0, or -1 with err. */
int ed_store_catalog_keep(ed_store *s, const char *digest, const char *manifest,
                          const ed_kept_pack *packs, size_t n, ed_buf *err);

/* The catalog `digest`: its manifest into manifest, and each pack version
 * it lists written under dest/<label>/ (dest made if missing). 0; 1 when
 * the store has no such catalog; -1 with err. */
int ed_store_catalog_restore(ed_store *s, const char *digest, const char *dest,
                             ed_buf *manifest, ed_buf *err);

/* An event's bytes as a record field: base64 (RFC 4648, padded; "-" for
 * none), so the field has no space, quote or backslash and an export's
 * record needs no unescaping. Decode appends the bytes: 0, or -1 when
 * field is not base64. */
void ed_store_event_encode(const char *bytes, size_t len, ed_buf *out);
int ed_store_event_decode(const char *field, size_t len, ed_buf *out);

/* A label in a catalog manifest: '%', space and control bytes as %XX
 * (decode leaves out->data set). */
void ed_store_label_encode(const char *s, ed_buf *out);
void ed_store_label_decode(const char *s, ed_buf *out);

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

/* ---- Metrc (adapters/metrc): the mirror a sync pulls, its log, and the
 * outbox of writes for Metrc. Every row is a tenant's (row-level security
 * in PostgreSQL, a folder per tenant in the file store: <dir>/metrc/). */

/* One object as Metrc gave it: its JSON text, under (licence, resource,
 * id); a later sync replaces it. */
typedef struct ed_metrc_object {
    const char *resource;      /* packages, plants, plantbatches, harvests, transfers */
    const char *id;
    const char *label;         /* "" when it has none */
    const char *last_modified; /* as Metrc wrote it, "" when absent */
    const char *json;
    size_t len;
} ed_metrc_object;

/* Keep n objects of tenant's licence (insert or replace). 0, or -1. */
int ed_store_metrc_put(ed_store *s, const char *tenant, const char *license,
                       const ed_metrc_object *o, size_t n, ed_buf *err);

/* How many objects of resource the mirror holds for (tenant, licence). */
int ed_store_metrc_count(ed_store *s, const char *tenant, const char *license,
                         const char *resource, size_t *count, ed_buf *err);

/* Visit the objects of resource the mirror holds for (tenant, licence),
 * by id; visit gets each one's id, label ("" from the file store, which
 * keeps none aside: read it from the JSON) and JSON text (NUL-terminated;
 * PostgreSQL gives it back as jsonb prints it).
 * Non-zero from visit stops. 0 (none is 0 too), or -1 with err. */
int ed_store_metrc_each(ed_store *s, const char *tenant, const char *license,
                        const char *resource,
                        int (*visit)(void *arg, const char *id, const char *label,
                                     const char *json),
                        void *arg, ed_buf *err);

/* The sync log: one JSON object per run (licence, started, finished,
 * counts, errors), appended. Each: the runs of tenant, oldest first. */
int ed_store_metrc_log(ed_store *s, const char *tenant, const char *license,
                       const char *json, ed_buf *err);
int ed_store_metrc_log_each(ed_store *s, const char *tenant,
                            int (*visit)(void *arg, const char *json), void *arg,
                            ed_buf *err);

/* An operation for Metrc in the outbox: kept before it is sent, sent with
 * its key, and marked sent (with Metrc's answer) or dead (with its message). */
typedef struct ed_outbox_op {
    const char *tenant;
    const char *key;     /* the idempotency key: unique per tenant */
    const char *license;
    const char *method;  /* POST, PUT, DELETE */
    const char *path;    /* "/packages/v2/adjust" (the licence is added) */
    const char *body;    /* a JSON array of at most 10 objects */
    const char *state;   /* pending, sent, dead */
    const char *message; /* Metrc's answer (sent) or error (dead); "" */
    const char *created_at;
    int attempts;        /* pushes that tried it */
} ed_outbox_op;

/* Keep op (state pending), durably. 1 kept, 0 the key is there already,
 * -1 with err. */
int ed_store_outbox_add(ed_store *s, const ed_outbox_op *op, ed_buf *err);

/* Visit tenant's operations in the order they were added; state NULL:
 * every state. Return non-zero from visit to stop. 0, or -1. */
int ed_store_outbox_each(ed_store *s, const char *tenant, const char *state,
                         int (*visit)(void *arg, const ed_outbox_op *op), void *arg,
                         ed_buf *err);

/* ed_store_append, and with the entry the decision's writes for Metrc
 * (ops[0..n_ops), state pending, each op's tenant the entry's): they are
 * in the outbox once the entry is, never for an entry that was not
 * appended, and a key already there is not queued again (a decision
 * journaled twice queues its writes once). PostgreSQL: in the transaction
 * that inserts the entry. The file store: kept (synced) in state "staged"
 * before the entry is appended, made pending once it is (before this
 * returns, so before any commit acknowledges it); after a crash between
 * the two, ed_store_outbox_each makes pending a staged write whose
 * decision is in the journal and leaves (never sends) one whose decision
 * is not. Returns as ed_store_append. */
int ed_store_append_writes(ed_store *s, const ed_record *rec, const ed_outbox_op *ops,
                           size_t n_ops, ed_ticket *ticket, ed_buf *err);

/* Record what a push did with (tenant, key): state, message, attempts +1,
 * durably. 0, or -1. */
int ed_store_outbox_mark(ed_store *s, const char *tenant, const char *key,
                         const char *state, const char *message, ed_buf *err);
/* ------------------------------------------------------------------ */
/* Evidence (evidence.c): blobs kept content-addressed by the SHA-512 of
 * their bytes, once per tenant, AES-256-GCM encrypted at rest under the
 * tenant's key, in a folder (for the PostgreSQL store, on storage every
 * node shares). Each upload is journaled in the tenant's chain (type
 * "edict.evidence", event_id the digest), which is also the index that
 * listing walks. docs/AUDIT.md, "Evidence vault".                        */
/* ------------------------------------------------------------------ */

typedef struct ed_vault ed_vault;
typedef struct ed_vault_put ed_vault_put;

#define ED_VAULT_RETENTION_YEARS 7
#define ED_VAULT_STORED "evidence.stored"
#define ED_VAULT_READ "evidence.read"

/* $EDICT_EVIDENCE_DIR, else a folder store's <folder>/evidence, else NULL
 * (a PostgreSQL store names none: the blobs need shared storage). */
const char *ed_vault_default_dir(const char *store_location);

/* Open the vault in dir (made if missing) with the keys of key_file (NULL:
 * $EDICT_EVIDENCE_KEY_FILE, else the master key $EDICT_EVIDENCE_KEY).
 * A key file holds lines "TENANT <64 hex>" and/or "* <64 hex>" (a master
 * from which each tenant's key is derived) and must not lie in dir. NULL
 * with err. MUST BE CLOSED with ed_vault_close. */
ed_vault *ed_vault_open(const char *dir, const char *key_file, ed_buf *err);
void ed_vault_close(ed_vault *v);
const char *ed_vault_dir(const ed_vault *v);

/* 1 when digest is 128 lowercase hex digits. */
int ed_vault_digest_ok(const char *digest);

/* Call fn for each digest bytes[0..len) cites: a run of exactly 128
 * lower-case hex digits (never part of a longer run). Retention keeps
 * those blobs as long as the entry; a package carries them. */
void ed_vault_each_cited(const char *bytes, size_t len,
                         void (*fn)(void *arg, const char *digest), void *arg);

/* A streamed upload: begin, write the bytes in pieces, finish (the digest,
 * the size, whether the blob was there already; the blob is durable and
 * in place) or abort (nothing is left). finish and abort free p. Memory
 * is bounded whatever the size. */
ed_vault_put *ed_vault_put_begin(ed_vault *v, const char *tenant, ed_buf *err);
int ed_vault_put_write(ed_vault_put *p, const void *data, size_t n, ed_buf *err);
int ed_vault_put_finish(ed_vault_put *p, char digest[129], uint64_t *size, int *existed,
                        ed_buf *err);
void ed_vault_put_abort(ed_vault_put *p);
/* The same from a stream. */
int ed_vault_put_file(ed_vault *v, const char *tenant, FILE *in, char digest[129],
                      uint64_t *size, int *existed, ed_buf *err);

/* 1 when tenant's vault holds digest (not checked: ed_vault_read checks). */
int ed_vault_has(ed_vault *v, const char *tenant, const char *digest);

/* Decrypt tenant's blob, giving sink (may be NULL: check only) its bytes
 * in pieces, and check the GCM tag and the SHA-512 against digest at the
 * end. 0 when whole and right; 1 when the tenant has no such blob; -1 with
 * err naming the digest (damaged, or unreadable): whatever sink got must
 * then be thrown away. */
int ed_vault_read(ed_vault *v, const char *tenant, const char *digest,
                  int (*sink)(void *arg, const void *data, size_t n), void *arg,
                  uint64_t *size, ed_buf *err);

/* What the journal records of an upload (kind ED_VAULT_STORED: size,
 * type, entity, existed) or of a read (ED_VAULT_READ): who, when. */
typedef struct ed_vault_event {
    const char *kind, *tenant, *digest, *type, *entity, *by, *at;
    uint64_t size;
    int existed;
} ed_vault_event;
int ed_vault_journal(ed_store *s, const ed_vault_event *ev, ed_ticket *ticket, ed_buf *err);

/* The uploads of a tenant (their journal entries, bytes the JSON
 * ed_vault_journal wrote), filtered; NULL: any. from/to YYYY-MM-DD of the
 * upload, inclusive. 0, or 1 when the chain does not verify. */
typedef struct ed_vault_query {
    const char *tenant, *entity, *type, *from, *to, *digest;
} ed_vault_query;
int ed_vault_list(ed_store *s, const ed_vault_query *q, ed_entry_visitor visit, void *arg);

/* Retention of the blobs in the vault folder dir (no key needed): a blob
 * is kept until the latest retention_until of its upload entries (7
 * years) and of every entry whose bytes name its digest; one named by an
 * entry without a retention date, or by no upload entry, is kept. A
 * report line per tenant to out; with archive, the blobs past retention
 * on as_of are removed (their journal entries stay, digest and all). A
 * tenant whose chain does not verify is not touched. 0, or 1. */
int ed_vault_retention(const char *dir, ed_store *s, const char *tenant, const char *as_of,
                       int archive, FILE *out);

/* ------------------------------------------------------------------ */
/* Regulator packages (package.c; docs/AUDIT.md): a tar file with a
 * tenant's selected decisions, the chain entries from the first to the
 * checkpoint covering the last (one file each, whose SHA-256 is the
 * entry's hash), the checkpoints' messages and signatures, the cited
 * evidence, the packs, a README and SHA256SUMS.                          */
/* ------------------------------------------------------------------ */

typedef struct ed_package_request {
    const char *tenant;
    const char *from, *to;    /* YYYY-MM-DD of occurred_at, inclusive; NULL: open */
    const char *entity;       /* NULL: all; else the uploads of that entity and
                               * the decisions whose bytes name it */
    const char *by;           /* who asked, for MANIFEST.json */
    const char *pub_path;     /* the checkpoints' public key to include; NULL: none */
    ed_vault *vault;          /* NULL: cited evidence listed, not included */
} ed_package_request;

typedef struct ed_package_summary {
    size_t selected, entries, checkpoints, evidence, evidence_missing;
    uint64_t first, last, covered_by; /* covered_by: the checkpoint's seq, 0: none */
    char sha256[65];                  /* the package file's */
} ed_package_summary;

/* Write the package to out_path and journal it in the tenant's chain
 * (type edict.package: who, when, the selection, its SHA-256); the store
 * must be open for writing. The file is removed on failure: no package
 * goes out unjournaled. 0, or -1 with err (nothing selected, a chain that
 * does not verify, a write that failed). */
int ed_package_write(ed_store *s, const ed_package_request *rq, const char *out_path,
                     ed_package_summary *sum, ed_buf *err);

/* Check a package offline, as docs/AUDIT.md does with sha256sum and
 * openssl; what is wrong (or one "ok" line) to out. 0 ok, 1 not, -1 not
 * a package. */
int ed_package_verify(const char *path, FILE *out);

#endif
