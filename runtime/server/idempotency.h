/*
 * idempotency.h — the responses `edict serve` remembers for the
 * Idempotency-Key header, per tenant, for a window (24 h in the server),
 * so a client that retries a request gets the first answer again instead
 * of a second evaluation.
 *
 * An entry is (tenant, key) -> the SHA-256 of the request body and, once
 * the first request finished, its status, headers and body. The current
 * time is always an argument, never read here. If entries are persisted
 * (ed_idem_save / ed_idem_load) that time must be wall-clock unix seconds,
 * since a monotonic clock restarts at boot; without persistence either
 * clock works, as long as it is the same one on every call.
 *
 * Threads: one ed_idem may be shared by any number of threads; every call
 * takes the object's own mutex. Nothing returned points into the object.
 *
 * Out of memory aborts the process (as ed_buf does).
 */
#ifndef EDICT_IDEMPOTENCY_H
#define EDICT_IDEMPOTENCY_H

#include <stddef.h>

#include "util/buf.h"

typedef struct ed_idem ed_idem;

typedef enum {
    ED_IDEM_NEW,         /* not seen: now reserved for the caller */
    ED_IDEM_REPLAY,      /* seen and finished: here is the first response */
    ED_IDEM_CONFLICT,    /* seen with another body (answer 422) */
    ED_IDEM_IN_PROGRESS, /* same body, still being evaluated (answer 409) */
} ed_idem_result;

/* Entries are kept window_s seconds after they finish (must be finite and
 * > 0, else NULL). max_entries bounds finished and in-progress entries
 * together; 0 means no bound. */
ed_idem *ed_idem_new(double window_s, size_t max_entries);

/* Bound the bytes the finished answers may hold (headers and bodies;
 * 0: no bound): past it, the answers finished earliest are forgotten
 * first, as past max_entries, and the newest is always kept. */
void ed_idem_set_max_bytes(ed_idem *idem, size_t max_bytes);

/* What the finished answers hold now, in bytes. */
size_t ed_idem_bytes(ed_idem *idem);
void ed_idem_free(ed_idem *idem);

/* Look up (tenant, key) for a request whose body hashes to body_sha256.
 *
 * NEW: the key is now reserved (in progress) for this tenant. The caller
 *   evaluates, then MUST call ed_idem_finish, or ed_idem_abort if it will
 *   not produce a response to remember (failure, 5xx), which forgets the
 *   reservation so a retry evaluates again.
 * REPLAY: same tenant, key and body hash, finished within the window:
 *   *status, *headers (malloc'd copy, NULL if none were stored), *body
 *   (malloc'd copy, NUL-terminated for convenience, *body_len bytes) are
 *   the first response. The caller frees *headers and *body.
 * CONFLICT: same tenant and key, different body hash (finished or not).
 * IN_PROGRESS: same tenant, key and body, not finished yet.
 * On every result but REPLAY: *status = 0, *headers = *body = NULL,
 * *body_len = 0. Any of the four out pointers may be NULL.
 *
 * Expiry: an entry finished at time f is replayed while now < f +
 * window_s; from f + window_s on (exactly the window included) it is
 * absent, so the key is NEW again. The window is half-open: [f, f + w).
 * A reservation neither finished nor aborted within window_s of its
 * begin is taken as abandoned (a bug in the caller) and is absent too.
 *
 * The same key under two tenants is two entries. Keys and tenants are
 * compared as bytes; any byte but NUL may appear in them.
 *
 * Bound: when a NEW entry would exceed max_entries, expired entries go
 * first (they are dropped on every call anyway), then the finished entries
 * that finished earliest. In-progress entries are never evicted: if every
 * entry is in progress, the new one is reserved anyway, past the bound.
 * That keeps the promise (no request is evaluated twice) and costs at most
 * one entry per request in flight, which the server bounds already;
 * refusing instead would turn a full table into an outage.
 *
 * tenant, key and body_sha256 must not be NULL and now must be finite;
 * otherwise NEW is returned with nothing reserved (finish/abort are then
 * no-ops). */
ed_idem_result ed_idem_begin(ed_idem *idem, const char *tenant, const char *key,
                             const unsigned char body_sha256[32], double now, int *status,
                             char **headers, char **body, size_t *body_len);

/* Record the response of a reservation made by ed_idem_begin: the entry
 * is replayable from now for window_s. headers may be NULL; body may be
 * NULL when body_len is 0. The bytes are copied. A finish without a
 * reservation (never begun, aborted, or already finished) does nothing:
 * the first response stays. */
void ed_idem_finish(ed_idem *idem, const char *tenant, const char *key, int status,
                    const char *headers, const char *body, size_t body_len, double now);

/* Forget a reservation (the request failed and should be evaluable again).
 * A finished entry is not touched. */
void ed_idem_abort(ed_idem *idem, const char *tenant, const char *key);

/* How many entries (finished and in progress) are kept, expired ones
 * included until the next call drops them (for tests and a gauge). */
size_t ed_idem_size(ed_idem *idem);

/* Persistence, so a restart keeps the window's promise.
 *
 * ed_idem_save writes every finished entry not expired at now to path,
 * atomically (a temporary file, fsync, rename, fsync of the folder), mode
 * 0600 since bodies are tenants' data. In-progress entries are not saved:
 * their request dies with the process. Returns 0, or -1 with a message in
 * err. The lock is held only while the file's bytes are assembled in
 * memory, not during the I/O.
 *
 * ed_idem_load adds the entries of a file written by ed_idem_save that
 * are not expired at now. A missing file is not an error (first start):
 * 0, nothing loaded. Entries already present win over the file's. The
 * bound applies as for begin, except that a loaded entry never evicts an
 * entry that finished later than it. On a malformed file: -1 with
 * "path:line: what" in err; the entries before that line stay loaded.
 *
 * The format is text, one entry per line, oldest first, after the line
 * "edict-idempotency 1":
 *   <finished_at> <status> <sha256 hex> <tenant> <key> <headers> <body>
 * finished_at is %.17g (exact). Each string is "=" followed by its bytes
 * with '%', bytes <= 0x20 and bytes >= 0x7f written as %XX; headers is
 * "-" when there are none. */
int ed_idem_save(ed_idem *idem, const char *path, double now, ed_buf *err);
int ed_idem_load(ed_idem *idem, const char *path, double now, ed_buf *err);

#endif
