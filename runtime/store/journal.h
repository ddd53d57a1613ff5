/*
 * journal.h — the audit journal, embedded store: per-tenant append-only
 * files of decisions, each entry chained to the one before by SHA-256.
 *
 * An entry is one line:
 *
 *     E1 <seq> <len> <hash> <bytes>\n
 *
 * where <bytes> are exactly the decision as written (len bytes, never a
 * newline: decisions are single-line JSON) and
 *
 *     hash_n = SHA-256(hash_{n-1} || bytes_n),   hash_0 = 32 zero bytes
 *
 * (raw 32-byte hashes; <hash> is hash_n in hex). A tenant's entries live
 * in <dir>/<tenant>/segment-000001.log; the tenant name is percent-encoded
 * for the file system. docs/AUDIT.md shows how to re-verify a journal with
 * standard tools.
 *
 * Durability: ed_journal_append() writes (to the page cache);
 * ed_journal_sync() makes everything appended so far durable (fdatasync),
 * which is when callers may acknowledge those decisions.
 */
#ifndef EDICT_JOURNAL_H
#define EDICT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"
#include "signing.h"

#define ED_JOURNAL_DEFAULT_DIR "var/journal"
#define ED_JOURNAL_MAX_ENTRY ((size_t)16 << 20)

typedef struct ed_journal ed_journal;

/* The journal folder when none is named: $EDICT_JOURNAL_DIR, else
 * ED_JOURNAL_DEFAULT_DIR. */
const char *ed_journal_default_dir(void);

/* Open (creating it if need be) the journal in dir. NULL with err set when
 * the folder cannot be made. MUST BE CLOSED with ed_journal_close. */
ed_journal *ed_journal_open(const char *dir, ed_buf *err);

/* Append a decision to tenant's chain. The first append for a tenant opens
 * its file, takes an exclusive lock (one writer at a time), and cuts a torn
 * last entry (a crash during a write) with a warning on stderr. Returns 0,
 * or -1 with err (the journal is unusable then: stop acknowledging). */
int ed_journal_append(ed_journal *j, const char *tenant, const char *bytes,
                      size_t len, ed_buf *err);

/* Entries appended and not yet made durable. */
size_t ed_journal_pending(const ed_journal *j);

/* Make every appended entry durable. 0, or -1 with err. */
int ed_journal_sync(ed_journal *j, ed_buf *err);

/* One verified entry, as a walk of a chain hands it to a visitor. */
typedef struct ed_journal_entry {
    const char *tenant;
    uint64_t seq;
    const char *prev;   /* hex */
    const char *hash;   /* hex */
    const char *bytes;  /* NULL for an archived entry */
    size_t len;
} ed_journal_entry;

/* Return 0 to go on, anything else to stop the walk (it is then "broken"). */
typedef int (*ed_journal_visitor)(void *arg, const ed_journal_entry *e);

/* Walk tenant's chain in dir, verifying it, and call visit for every
 * entry that verifies. Problems are described on msgs. Returns 0 when the
 * chain verifies, 1 when not, 2 when the tenant has no journal; *head_seq
 * is the last good entry. Safe while a writer appends (a half-written
 * last line is a torn tail, not a failure). */
int ed_journal_each(const char *dir, const char *tenant, ed_journal_visitor visit,
                    void *arg, uint64_t *head_seq, FILE *msgs);

/* Sync and close. */
void ed_journal_close(ed_journal *j);

/* Walk the chains in dir (one tenant, or all when tenant is NULL) and print
 * one line per tenant to out: entries, head hash, or the first broken link
 * (sequence number and what is wrong). Every signed checkpoint
 * (<tenant>/checkpoints.log) must match the entry it names; with `pub`,
 * its signature is checked too, so a chain rewritten whole, hashes
 * recomputed, is caught. Returns 0 when every chain verifies, 1 when one
 * does not, -1 when the journal cannot be read. */
int ed_journal_verify(const char *dir, const char *tenant, ed_key *pub,
                      FILE *out);

/* Verify each tenant's chain and sign its head with `key`, appending
 * "C1 <seq> <hash> <signature>" to <tenant>/checkpoints.log. The signed
 * message is "edict-checkpoint-v1\n<tenant>\n<seq>\n<hash>\n". Returns 0,
 * or 1 when a chain does not verify (it is not signed). */
int ed_journal_checkpoint(const char *dir, const char *tenant, ed_key *key,
                          FILE *out);

/* Write a tenant's entries as JSON lines for a regulator: tenant, seq,
 * prev, hash and the decision's exact bytes (or "archived": true), so that
 * hash = SHA-256(prev || decision) can be checked entry by entry. from/to
 * (YYYY-MM-DD, inclusive, may be NULL) select by the decision's
 * occurred_at. Messages go to msgs. 0, or 1 when the chain is broken. */
int ed_journal_export(const char *dir, const char *tenant, const char *from,
                      const char *to, FILE *out, FILE *msgs);

/* Per tenant: entries past their retention_until on as_of (YYYY-MM-DD),
 * entries without one, and the next date anything may go. With archive,
 * the decisions past retention are removed from the segment (rewritten
 * atomically, under the writers' lock), each leaving "A1 <seq> <len>
 * <hash> -": the chain still verifies, and nothing not yet past its date
 * is touched. 0, or 1 when a chain is broken or in use. */
int ed_journal_retention(const char *dir, const char *tenant, const char *as_of,
                         int archive, FILE *out);

/* The file-system name of a tenant (percent-encoded), malloc'd. */
char *ed_journal_tenant_dirname(const char *tenant);

#endif
