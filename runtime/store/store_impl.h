/*
 * store_impl.h — what an implementation of the audit store provides
 * (store.h is the face; store.c dispatches through these). Private to
 * runtime/store/.
 */
#ifndef EDICT_STORE_IMPL_H
#define EDICT_STORE_IMPL_H

#include "store.h"

typedef struct ed_store_ops {
    int (*append)(ed_store *s, const ed_record *rec, ed_ticket *ticket, ed_buf *err);
    int (*commit)(ed_store *s, ed_ticket ticket, ed_buf *err);
    size_t (*pending)(ed_store *s);
    int (*get)(ed_store *s, const char *tenant, const char *decision_id,
               ed_entry_visitor visit, void *arg, ed_buf *err);
    int (*list)(ed_store *s, const ed_store_query *q, ed_entry_visitor visit,
                void *arg, uint64_t *next_after, ed_buf *err);
    int (*walk)(ed_store *s, const char *tenant, ed_key *pub, ed_entry_visitor visit,
                void *arg, uint64_t *entries, FILE *msgs);
    int (*checkpoint)(ed_store *s, const char *tenant, ed_key *key, FILE *out);
    int (*retention)(ed_store *s, const char *tenant, const char *as_of, int archive,
                     FILE *out);
    int (*idem_put)(ed_store *s, const ed_idem_record *rec, ed_buf *err);
    int (*idem_each)(ed_store *s, int64_t now,
                     int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                     ed_buf *err);
    size_t (*quarantined)(ed_store *s,
                          void (*visit)(void *arg, const char *tenant, const char *why),
                          void *arg);
    void (*close)(ed_store *s);
} ed_store_ops;

/* Every implementation's handle begins with this. */
struct ed_store {
    const ed_store_ops *ops;
};

/* The file store (file_store.c): a folder. */
ed_store *ed_file_store_open(const char *dir, const ed_store_options *opt,
                             ed_buf *err);

/* Shared by the implementations: the hashed record of an entry, as the
 * chain covers it ("<decision_id> <event_id> <occurred_at> <flag>
 * <type> <retention_until> <len> "; '-' for a field the entry does not have). */
void ed_store_record_fields(const ed_record *rec, ed_buf *out);

/* A tenant's entry as a JSON export line (docs/AUDIT.md). */
void ed_store_export_line(const ed_entry *e, ed_buf *out);

#endif
