/*
 * store.c — the audit store's one entry point: picks the implementation
 * from the location, dispatches to it, and holds what every
 * implementation shares (the regulator's export format).
 */
#define _POSIX_C_SOURCE 200809L

#include "store_impl.h"
#include "pg_conn.h"

#include "stdlib/hash.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <stdlib.h>
#include <string.h>

const char *ed_store_default_location(void)
{
    const char *env = getenv("EDICT_JOURNAL_DIR");
    if (env && *env) {
        return env;
    }
    /* computed once, by the command's one thread, before any other */
    static char *dir;
    if (dir == NULL) {
        dir = ed_state_path("journal");
    }
    return dir;
}

char *ed_store_display(const char *location)
{
    if (!ed_pg_is_location(location)) {
        return ed_strdup(location);
    }
    ed_pg_target t;
    ed_buf err = {0};
    char *shown;
    if (ed_pg_target_init(&t, location, &err) == 0) {
        shown = ed_strdup(t.shown);
        ed_pg_target_free(&t);
    } else {
        shown = ed_strdup("postgres://"); /* unreadable: show nothing of it */
    }
    ed_buf_free(&err);
    return shown;
}

ed_store *ed_store_open(const char *location, const ed_store_options *opt, ed_buf *err)
{
    if (strncmp(location, "postgres://", 11) == 0 ||
        strncmp(location, "postgresql://", 13) == 0) {
        return ed_pg_store_open(location, opt, err);
    }
    if (strncmp(location, "file:", 5) == 0) {
        location += 5;
    }
    return ed_file_store_open(location, opt, err);
}

void ed_store_close(ed_store *s)
{
    if (s != NULL) {
        s->ops->close(s);
    }
}

int ed_store_append(ed_store *s, const ed_record *rec, ed_ticket *ticket, ed_buf *err)
{
    return s->ops->append(s, rec, NULL, 0, ticket, err);
}

int ed_store_append_writes(ed_store *s, const ed_record *rec, const ed_outbox_op *ops,
                           size_t n_ops, ed_ticket *ticket, ed_buf *err)
{
    for (size_t i = 0; i < n_ops; i++) {
        if (ops[i].tenant == NULL || rec->tenant == NULL ||
            strcmp(ops[i].tenant, rec->tenant) != 0) {
            ed_buf_puts(err, "a decision's Metrc writes must be its tenant's");
            return -1;
        }
    }
    return s->ops->append(s, rec, ops, n_ops, ticket, err);
}

int ed_store_commit(ed_store *s, ed_ticket ticket, ed_buf *err)
{
    return s->ops->commit(s, ticket, err);
}

size_t ed_store_pending(ed_store *s)
{
    return s->ops->pending(s);
}

int ed_store_get(ed_store *s, const char *tenant, const char *decision_id,
                 ed_entry_visitor visit, void *arg, ed_buf *err)
{
    return s->ops->get(s, tenant, decision_id, visit, arg, err);
}

int ed_store_list(ed_store *s, const ed_store_query *q, ed_entry_visitor visit,
                  void *arg, uint64_t *next_after, ed_buf *err)
{
    return s->ops->list(s, q, visit, arg, next_after, err);
}

int ed_store_walk(ed_store *s, const char *tenant, ed_key *pub, ed_entry_visitor visit,
                  void *arg, uint64_t *entries, FILE *msgs)
{
    return s->ops->walk(s, tenant, pub, visit, arg, entries, msgs);
}

int ed_store_checkpoint(ed_store *s, const char *tenant, ed_key *key, FILE *out)
{
    return s->ops->checkpoint(s, tenant, key, out);
}

int ed_store_checkpoints(ed_store *s, const char *tenant, ed_checkpoint_visitor visit,
                         void *arg, ed_buf *err)
{
    return s->ops->checkpoints(s, tenant, visit, arg, err);
}

int ed_store_retention(ed_store *s, const char *tenant, const char *as_of, int archive,
                       FILE *out)
{
    return s->ops->retention(s, tenant, as_of, archive, out);
}

int ed_store_idem_put(ed_store *s, const ed_idem_record *rec, ed_buf *err)
{
    return s->ops->idem_put(s, rec, err);
}

int ed_store_idem_get(ed_store *s, const char *tenant, const char *key, int64_t now,
                      int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                      ed_buf *err)
{
    return s->ops->idem_get ? s->ops->idem_get(s, tenant, key, now, visit, arg, err) : 0;
}

long long ed_store_packs_publish(ed_store *s, const char *dir, const char *by, ed_buf *err)
{
    return s->ops->packs_publish ? s->ops->packs_publish(s, dir, by, err)
                                 : ED_STORE_UNSUPPORTED;
}

long long ed_store_packs_current(ed_store *s, ed_buf *err)
{
    return s->ops->packs_current ? s->ops->packs_current(s, err) : ED_STORE_UNSUPPORTED;
}

int ed_store_packs_fetch(ed_store *s, long long id, const char *dest, ed_buf *err)
{
    return s->ops->packs_fetch ? s->ops->packs_fetch(s, id, dest, err) : ED_STORE_UNSUPPORTED;
}

ed_store_listener *ed_store_packs_listen(ed_store *s)
{
    return s->ops->packs_listen ? s->ops->packs_listen(s) : NULL;
}

int ed_store_idem_claim(ed_store *s, const char *tenant, const char *key,
                        const unsigned char digest[32], double ttl_s, ed_buf *err)
{
    return s->ops->idem_claim ? s->ops->idem_claim(s, tenant, key, digest, ttl_s, err) : 1;
}

int ed_store_idem_release(ed_store *s, const char *tenant, const char *key, ed_buf *err)
{
    return s->ops->idem_release ? s->ops->idem_release(s, tenant, key, err) : 0;
}

int ed_store_job_run(ed_store *s, const ed_job *job, ed_job_fn fn, void *arg, int *failed,
                     ed_buf *msg, ed_buf *err)
{
    return s->ops->job_run ? s->ops->job_run(s, job, fn, arg, failed, msg, err)
                           : ED_STORE_UNSUPPORTED;
}

long ed_store_deadline_alerts(ed_store *s, const char *today, int lead_days,
                              void (*visit)(void *arg, const ed_alert *a), void *arg,
                              ed_buf *err)
{
    return s->ops->deadline_alerts
               ? s->ops->deadline_alerts(s, today, lead_days, visit, arg, err)
               : ED_STORE_UNSUPPORTED;
}

int ed_store_lease_take(ed_store *s, const char *name, const char *holder, double ttl_s,
                        ed_buf *err)
{
    return s->ops->lease_take ? s->ops->lease_take(s, name, holder, ttl_s, err)
                              : ED_STORE_UNSUPPORTED;
}

int ed_store_lease_release(ed_store *s, const char *name, const char *holder, ed_buf *err)
{
    return s->ops->lease_release ? s->ops->lease_release(s, name, holder, err)
                                 : ED_STORE_UNSUPPORTED;
}

int ed_store_idem_each(ed_store *s, int64_t now,
                       int (*visit)(void *arg, const ed_idem_record *rec), void *arg,
                       ed_buf *err)
{
    return s->ops->idem_each(s, now, visit, arg, err);
}

size_t ed_store_quarantined(ed_store *s,
                            void (*visit)(void *arg, const char *tenant, const char *why),
                            void *arg)
{
    return s->ops->quarantined(s, visit, arg);
}

void ed_store_chain_hash(const unsigned char prev[32], const char *record, size_t record_len,
                         const char *bytes, size_t len, unsigned char out[32])
{
    ed_buf b = {0};
    ed_buf_reserve(&b, 32 + record_len + len);
    ed_buf_append(&b, prev, 32);
    ed_buf_append(&b, record, record_len);
    if (bytes != NULL) {
        ed_buf_append(&b, bytes, len);
    }
    ed_sha256_raw(b.data, b.len, out);
    ed_buf_free(&b);
}

void ed_store_checkpoint_message(ed_buf *b, const char *tenant, uint64_t seq,
                                 const char *hash_hex)
{
    ed_buf_printf(b, "edict-checkpoint-v1\n%s\n%llu\n%s\n", tenant, (unsigned long long)seq,
                  hash_hex);
}

/* ------------------------------------------------------------------ */
/* Export                                                               */
/* ------------------------------------------------------------------ */

void ed_store_export_line(const ed_entry *e, ed_buf *out)
{
    /* the decision is embedded as its exact bytes and the hashed fields
     * as they were hashed, so a regulator can re-hash:
     * hash = SHA-256(prev || record || decision) */
    ed_buf_puts(out, "{\"tenant\":");
    ed_json_escape(out, e->tenant, strlen(e->tenant));
    ed_buf_printf(out, ",\"seq\":%llu,\"prev\":\"%s\",\"hash\":\"%s\",\"record\":",
                  (unsigned long long)e->seq, e->prev, e->hash);
    ed_json_escape(out, e->record, e->record_len);
    if (e->bytes == NULL) {
        ed_buf_puts(out, ",\"archived\":true}\n");
    } else {
        ed_buf_puts(out, ",\"decision\":");
        ed_buf_append(out, e->bytes, e->len);
        ed_buf_puts(out, "}\n");
    }
}

typedef struct export_arg {
    const char *from, *to;
    FILE *out;
    size_t written;
    ed_buf line;
} export_arg;

static int export_entry(void *varg, const ed_entry *e)
{
    export_arg *a = varg;
    if (a->from || a->to) {
        char day[11] = "";
        if (e->bytes == NULL || strlen(e->occurred_at) < 10) {
            return 0; /* nothing to filter on */
        }
        memcpy(day, e->occurred_at, 10);
        if ((a->from && strcmp(day, a->from) < 0) || (a->to && strcmp(day, a->to) > 0)) {
            return 0;
        }
    }
    ed_buf_reset(&a->line);
    ed_store_export_line(e, &a->line);
    fwrite(a->line.data, 1, a->line.len, a->out);
    a->written++;
    return ferror(a->out) ? -1 : 0;
}

int ed_store_export(ed_store *s, const char *tenant, const char *from, const char *to,
                    FILE *out, FILE *msgs)
{
    export_arg a = {from, to, out, 0, {0}};
    FILE *quiet = fopen("/dev/null", "w");
    int rc = ed_store_walk(s, tenant, NULL, export_entry, &a, NULL, quiet ? quiet : msgs);
    if (quiet) {
        fclose(quiet);
    }
    if (rc == 2) {
        fprintf(msgs, "tenant %s: no journal\n", tenant);
    } else if (rc != 0) {
        fprintf(msgs, "tenant %s: the chain does not verify past entry %zu: run `edict "
                "audit verify`\n", tenant, a.written);
    }
    fprintf(msgs, "exported %zu entr%s\n", a.written, a.written == 1 ? "y" : "ies");
    ed_buf_free(&a.line);
    return rc == 0 ? 0 : 1;
}

/* ---- Metrc: both implementations have these (a store without them would
 * be a programming error, said plainly rather than crashed on) ---- */

static void no_metrc(ed_buf *err)
{
    ed_buf_puts(err, "this store keeps no Metrc data");
}

int ed_store_metrc_put(ed_store *s, const char *tenant, const char *license,
                       const ed_metrc_object *o, size_t n, ed_buf *err)
{
    if (s->ops->metrc_put == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->metrc_put(s, tenant, license, o, n, err);
}

int ed_store_metrc_count(ed_store *s, const char *tenant, const char *license,
                         const char *resource, size_t *count, ed_buf *err)
{
    if (s->ops->metrc_count == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->metrc_count(s, tenant, license, resource, count, err);
}

int ed_store_metrc_log(ed_store *s, const char *tenant, const char *license,
                       const char *json, ed_buf *err)
{
    if (s->ops->metrc_log == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->metrc_log(s, tenant, license, json, err);
}

int ed_store_metrc_each(ed_store *s, const char *tenant, const char *license,
                        const char *resource,
                        int (*visit)(void *arg, const char *id, const char *label,
                                     const char *json),
                        void *arg, ed_buf *err)
{
    if (s->ops->metrc_each == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->metrc_each(s, tenant, license, resource, visit, arg, err);
}

int ed_store_metrc_log_each(ed_store *s, const char *tenant,
                            int (*visit)(void *arg, const char *json), void *arg, ed_buf *err)
{
    if (s->ops->metrc_log_each == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->metrc_log_each(s, tenant, visit, arg, err);
}

int ed_store_outbox_add(ed_store *s, const ed_outbox_op *op, ed_buf *err)
{
    if (s->ops->outbox_add == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->outbox_add(s, op, err);
}

int ed_store_outbox_each(ed_store *s, const char *tenant, const char *state,
                         int (*visit)(void *arg, const ed_outbox_op *op), void *arg,
                         ed_buf *err)
{
    if (s->ops->outbox_each == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->outbox_each(s, tenant, state, visit, arg, err);
}

int ed_store_outbox_mark(ed_store *s, const char *tenant, const char *key,
                         const char *state, const char *message, ed_buf *err)
{
    if (s->ops->outbox_mark == NULL) {
        no_metrc(err);
        return -1;
    }
    return s->ops->outbox_mark(s, tenant, key, state, message, err);
}

int ed_store_catalog_keep(ed_store *s, const char *digest, const char *manifest,
                          const ed_kept_pack *packs, size_t n, ed_buf *err)
{
    return s->ops->catalog_keep ? s->ops->catalog_keep(s, digest, manifest, packs, n, err)
                                : ED_STORE_UNSUPPORTED;
}

int ed_store_catalog_restore(ed_store *s, const char *digest, const char *dest,
                             ed_buf *manifest, ed_buf *err)
{
    return s->ops->catalog_restore ? s->ops->catalog_restore(s, digest, dest, manifest, err)
                                   : ED_STORE_UNSUPPORTED;
}
