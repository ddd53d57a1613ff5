/*
 * store_impl.h — what an implementation of the audit store provides
 * (store.h is the face; store.c dispatches through these). Private to
 * runtime/store/.
 */
#ifndef EDICT_STORE_IMPL_H
#define EDICT_STORE_IMPL_H

#include "store.h"

typedef struct ed_store_ops {
    /* ops: the decision's writes for Metrc (ed_store_append_writes), kept
     * in the outbox with the entry, never without it */
    int (*append)(ed_store *s, const ed_record *rec, const ed_outbox_op *ops, size_t n_ops,
                  ed_ticket *ticket, ed_buf *err);
    int (*commit)(ed_store *s, ed_ticket ticket, ed_buf *err);
    size_t (*pending)(ed_store *s);
    int (*get)(ed_store *s, const char *tenant, const char *decision_id,
               ed_entry_visitor visit, void *arg, ed_buf *err);
    int (*list)(ed_store *s, const ed_store_query *q, ed_entry_visitor visit,
                void *arg, uint64_t *next_after, ed_buf *err);
    int (*walk)(ed_store *s, const char *tenant, ed_key *pub, ed_entry_visitor visit,
                void *arg, uint64_t *entries, FILE *msgs);
    int (*checkpoint)(ed_store *s, const char *tenant, ed_key *key, FILE *out);
    int (*checkpoints)(ed_store *s, const char *tenant, ed_checkpoint_visitor visit,
                       void *arg, ed_buf *err);
    int (*retention)(ed_store *s, const char *tenant, const char *as_of, int archive,
                     FILE *out);
    int (*idem_put)(ed_store *s, const ed_idem_record *rec, ed_buf *err);
    int (*idem_each)(ed_store *s, int64_t now,
                     int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                     ed_buf *err);
    size_t (*quarantined)(ed_store *s,
                          void (*visit)(void *arg, const char *tenant, const char *why),
                          void *arg);
    /* NULL when the store is one node's alone (the file store) */
    int (*idem_claim)(ed_store *s, const char *tenant, const char *key,
                      const unsigned char digest[32], double ttl_s, ed_buf *err);
    int (*idem_release)(ed_store *s, const char *tenant, const char *key, ed_buf *err);
    int (*idem_get)(ed_store *s, const char *tenant, const char *key, int64_t now,
                    int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                    ed_buf *err);
    long (*deadline_alerts)(ed_store *s, const char *today, int lead_days,
                            void (*visit)(void *arg, const ed_alert *a), void *arg,
                            ed_buf *err);
    int (*job_run)(ed_store *s, const ed_job *job, ed_job_fn fn, void *arg, int *failed,
                   ed_buf *msg, ed_buf *err);
    int (*lease_take)(ed_store *s, const char *name, const char *holder, double ttl_s,
                      ed_buf *err);
    int (*lease_release)(ed_store *s, const char *name, const char *holder, ed_buf *err);
    long long (*packs_publish)(ed_store *s, const char *dir, const char *by, ed_buf *err);
    long long (*packs_current)(ed_store *s, ed_buf *err);
    int (*packs_fetch)(ed_store *s, long long id, const char *dest, ed_buf *err);
    ed_store_listener *(*packs_listen)(ed_store *s);
    int (*catalog_keep)(ed_store *s, const char *digest, const char *manifest,
                        const ed_kept_pack *packs, size_t n, ed_buf *err);
    int (*catalog_restore)(ed_store *s, const char *digest, const char *dest,
                           ed_buf *manifest, ed_buf *err);
    int (*metrc_put)(ed_store *s, const char *tenant, const char *license,
                     const ed_metrc_object *o, size_t n, ed_buf *err);
    int (*metrc_count)(ed_store *s, const char *tenant, const char *license,
                       const char *resource, size_t *count, ed_buf *err);
    int (*metrc_each)(ed_store *s, const char *tenant, const char *license,
                      const char *resource,
                      int (*visit)(void *arg, const char *id, const char *label,
                                   const char *json),
                      void *arg, ed_buf *err);
    int (*metrc_log)(ed_store *s, const char *tenant, const char *license, const char *json,
                     ed_buf *err);
    int (*metrc_log_each)(ed_store *s, const char *tenant,
                          int (*visit)(void *arg, const char *json), void *arg, ed_buf *err);
    int (*outbox_add)(ed_store *s, const ed_outbox_op *op, ed_buf *err);
    int (*outbox_each)(ed_store *s, const char *tenant, const char *state,
                       int (*visit)(void *arg, const ed_outbox_op *op), void *arg,
                       ed_buf *err);
    int (*outbox_mark)(ed_store *s, const char *tenant, const char *key, const char *state,
                       const char *message, ed_buf *err);
    void (*close)(ed_store *s);
} ed_store_ops;

/* Every implementation's handle begins with this. */
struct ed_store {
    const ed_store_ops *ops;
};

/* The file store (file_store.c): a folder. */
ed_store *ed_file_store_open(const char *dir, const ed_store_options *opt,
                             ed_buf *err);

/* PostgreSQL (pg_store.c): a postgres:// URL. */
ed_store *ed_pg_store_open(const char *url, const ed_store_options *opt, ed_buf *err);

/* file_metrc.c: the Metrc operations of a file store kept in folder dir
 * (the store's own folder). */
int ed_file_metrc_put(const char *dir, const char *tenant, const char *license,
                      const ed_metrc_object *o, size_t n, ed_buf *err);
int ed_file_metrc_count(const char *dir, const char *tenant, const char *license,
                        const char *resource, size_t *count, ed_buf *err);
int ed_file_metrc_each(const char *dir, const char *tenant, const char *license,
                       const char *resource,
                       int (*visit)(void *arg, const char *id, const char *label,
                                    const char *json),
                       void *arg, ed_buf *err);
int ed_file_metrc_log(const char *dir, const char *tenant, const char *license,
                      const char *json, ed_buf *err);
int ed_file_metrc_log_each(const char *dir, const char *tenant,
                           int (*visit)(void *arg, const char *json), void *arg, ed_buf *err);
int ed_file_outbox_add(const char *dir, const ed_outbox_op *op, ed_buf *err);
/* A "staged" operation (op->state "staged" at add: a decision's write,
 * kept before its entry) made pending; one in any other state is left. */
int ed_file_outbox_promote(const char *dir, const char *tenant, const char *key, ed_buf *err);
int ed_file_outbox_each(const char *dir, const char *tenant, const char *state,
                        int (*visit)(void *arg, const ed_outbox_op *op), void *arg,
                        ed_buf *err);
int ed_file_outbox_mark(const char *dir, const char *tenant, const char *key,
                        const char *state, const char *message, ed_buf *err);

/* The chain's one formula, for every implementation:
 *     out = SHA-256(prev || record || bytes)
 * record: the hashed fields (ed_store_record_fields); bytes: the decision
 * (may be NULL when record already ends with it). */
void ed_store_chain_hash(const unsigned char prev[32], const char *record, size_t record_len,
                         const char *bytes, size_t len, unsigned char out[32]);

/* Shared by the implementations: the message a checkpoint signs. */
void ed_store_checkpoint_message(ed_buf *b, const char *tenant, uint64_t seq,
                                 const char *hash_hex);

/* Shared by the implementations: the hashed record of an entry, as the
 * chain covers it ("<decision_id> <event_id> <occurred_at> <flag>
 * <type> <retention_until> <len> "; '-' for a field the entry does not
 * have). A record with replay fields (rec->event or rec->catalog set,
 * tag E3) has "<catalog> <event>" before <len>, the event encoded by
 * ed_store_event_encode (base64). */
void ed_store_record_fields(const ed_record *rec, ed_buf *out);

/* The file store's catalogs (kept.c): under folder dir/packs/. */
int ed_file_catalog_keep(const char *dir, const char *digest, const char *manifest,
                         const ed_kept_pack *packs, size_t n, ed_buf *err);
int ed_file_catalog_restore(const char *dir, const char *digest, const char *dest,
                            ed_buf *manifest, ed_buf *err);
/* Write the pack files of a restored catalog under dest/<label>/ for each
 * manifest line, from get (the files of a pack digest into files). */
int ed_kept_write_pack(const char *dest, const char *label, const ed_kept_file *files,
                       size_t n, ed_buf *err);


/* A restored pack's folder as a kept pack text ("edict-pack 1\n", then
 * per file in path order "<path>\n<len>\n<bytes>\n") and its digest;
 * 0, or -1. Check such a text against its digest hex: 0, or -1 with err. */
int ed_kept_pack_text(const char *folder, ed_buf *out, char hex[65]);
int ed_kept_pack_check(const char *hex, const char *text, size_t len, ed_buf *err);

/* retention.c: an RFC 3339 text's date as yyyymmdd, or 0. */
int32_t ed_store_day_of(const char *s, size_t n);

/* Past retention: the entry's own retention_until (a field the host wrote
 * and the chain covers, n bytes) is before as_of. Never anything else. */
int ed_store_past_retention(const char *until, size_t n, const char *as_of);

/* What a retention report says of one tenant, added up entry by entry. */
typedef struct ed_retention_count {
    char *name;
    size_t entries, past, undated, archived;
    char next[16];         /* the earliest retention date not yet past */
} ed_retention_count;

typedef struct ed_retention_tally {
    const char *as_of;
    ed_retention_count *t;
    size_t n;
} ed_retention_tally;

/* The tenant's count (made on first use). */
ed_retention_count *ed_retention_of(ed_retention_tally *r, const char *name);
/* An ed_entry_visitor adding each entry to the tally arg. */
int ed_retention_visit(void *arg, const ed_entry *e);
/* The report's line for t; archived: the entries archived, these included. */
void ed_retention_report(FILE *out, const ed_retention_count *t, const char *as_of,
                         int archived_now, size_t archived);
void ed_retention_free(ed_retention_tally *r);

/* A tenant's entry as a JSON export line (docs/AUDIT.md). */
void ed_store_export_line(const ed_entry *e, ed_buf *out);

#endif
