/*
 * package.c — the regulator package (docs/AUDIT.md, "Regulator
 * packages"): one tar file an inspector checks with sha256sum and openssl
 * alone. It holds a tenant's chain from the first selected entry (the
 * decisions of a period, or of an entity) to the signed checkpoint that
 * covers the last, one file per entry whose SHA-256 is the entry's chain
 * hash (entries/<seq>.bin = the previous hash's 32 bytes, the record, the
 * bytes), the checkpoints' signed messages and signatures, the public key,
 * the evidence the selected entries cite (decrypted), the packs that
 * decided them, a README and SHA256SUMS. Written with libarchive (tar, in
 * the POSIX pax format), streamed: neither the chain nor a blob is held
 * whole. ed_package_verify checks one offline.
 */
#define _GNU_SOURCE /* memmem, mkdtemp */
#define package_c

#include "store_impl.h"

#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stdlib/hash.h"

#define TOP "package/"

/* ------------------------------------------------------------------ */
/* Writing                                                               */
/* ------------------------------------------------------------------ */

typedef struct digest_set {
    char (*d)[ED_SHA512_HEX_LEN + 1];
    size_t n;
} digest_set;

typedef struct writer {
    const ed_package_request *rq;
    struct archive *a;
    time_t mtime;
    ed_buf sums;          /* SHA256SUMS */
    ed_buf chain;         /* chain.txt */
    ed_buf packs;         /* packs.txt: each distinct "packs" value */
    ed_buf catalogs;      /* replay: the catalogs of the selected decisions,
                           * "<hex>\n" each, once */
    size_t events;        /* replay: events/<seq>.json written */
    ed_buf entity_pat;
    digest_set cited;
    uint64_t *sel;        /* the selected seqs, ascending */
    size_t n_sel;
    uint64_t first, last, end;
    int in_range;         /* pass 2: between first and end */
    int failed;
    ed_buf *err;
    ed_package_summary *sum;
} writer;

static int write_file_begin(writer *w, const char *name, int64_t size)
{
    struct archive_entry *e = archive_entry_new();
    ed_buf path = {0};
    ed_buf_printf(&path, TOP "%s", name);
    archive_entry_set_pathname(e, path.data);
    archive_entry_set_size(e, size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, w->mtime, 0);
    int rc = archive_write_header(w->a, e) == ARCHIVE_OK ? 0 : -1;
    if (rc) {
        ed_buf_printf(w->err, "writing the package: %s", archive_error_string(w->a));
    }
    archive_entry_free(e);
    ed_buf_free(&path);
    return rc;
}

static void add_sum(writer *w, const char *name, EVP_MD_CTX *md)
{
    unsigned char raw[32];
    unsigned int n = 0;
    char hex[65];
    EVP_DigestFinal_ex(md, raw, &n);
    ed_hex(raw, 32, hex);
    ed_buf_printf(&w->sums, "%s  %s\n", hex, name);
}

/* a whole small file */
static int write_file(writer *w, const char *name, const void *data, size_t n)
{
    if (write_file_begin(w, name, (int64_t)n) != 0) {
        return -1;
    }
    if (n && archive_write_data(w->a, data, n) != (la_ssize_t)n) {
        ed_buf_printf(w->err, "writing the package: %s", archive_error_string(w->a));
        return -1;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, data, n);
    add_sum(w, name, md);
    EVP_MD_CTX_free(md);
    return 0;
}

static void cite(writer *w, const char *d);

static void cite_cited(void *arg, const char *digest)
{
    cite(arg, digest);
}

static void cite(writer *w, const char *d)
{
    for (size_t i = 0; i < w->cited.n; i++) {
        if (memcmp(w->cited.d[i], d, ED_SHA512_HEX_LEN) == 0) {
            return;
        }
    }
    w->cited.d = ed_xrealloc(w->cited.d, (w->cited.n + 1) * sizeof *w->cited.d);
    memcpy(w->cited.d[w->cited.n], d, ED_SHA512_HEX_LEN);
    w->cited.d[w->cited.n][ED_SHA512_HEX_LEN] = '\0';
    w->cited.n++;
}

/* The value of "packs": in a decision, as written (an array of objects
 * of plain strings), kept once. */
static void note_packs(writer *w, const char *b, size_t n)
{
    const char *p = memmem(b, n, "\"packs\":[", 9);
    if (p == NULL) {
        return;
    }
    const char *end = memchr(p, ']', n - (size_t)(p - b));
    if (end == NULL) {
        return;
    }
    size_t len = (size_t)(end - (p + 8)) + 1;
    if (w->packs.len && memmem(w->packs.data, w->packs.len, p + 8, len)) {
        return;
    }
    ed_buf_append(&w->packs, p + 8, len);
    ed_buf_putc(&w->packs, '\n');
}

static int id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':';
}

/* The bytes name the entity as a whole id: "E-1850" is not in "E-18500". */
static int names_entity(const char *b, size_t n, const char *entity)
{
    size_t k = strlen(entity);
    for (const char *p = b; k && (p = memmem(p, n - (size_t)(p - b), entity, k)) != NULL; p++) {
        int before = p > b && id_char(p[-1]);
        int after = (size_t)(p - b) + k < n && id_char(p[k]);
        if (!before && !after) {
            return 1;
        }
    }
    return 0;
}

static int day_in(const writer *w, const char *occurred_at)
{
    size_t n = strlen(occurred_at);
    if (n < 10) {
        return w->rq->from == NULL && w->rq->to == NULL;
    }
    return (w->rq->from == NULL || strncmp(occurred_at, w->rq->from, 10) >= 0) &&
           (w->rq->to == NULL || strncmp(occurred_at, w->rq->to, 10) <= 0);
}

/* Pass 1: which entries are selected, what they cite and which packs. */
static int select_visit(void *arg, const ed_entry *e)
{
    writer *w = arg;
    int upload = strcmp(e->type, "edict.evidence") == 0;
    if (e->bytes == NULL || !(e->decision_id[0] || upload) || !day_in(w, e->occurred_at)) {
        return 0;
    }
    if (w->rq->entity) {
        int named = upload ? memmem(e->bytes, e->len, w->entity_pat.data, w->entity_pat.len) != NULL
                           : names_entity(e->bytes, e->len, w->rq->entity);
        if (!named) {
            return 0;
        }
    }
    if (w->n_sel % 1024 == 0) {
        w->sel = ed_xrealloc(w->sel, (w->n_sel + 1024) * sizeof *w->sel);
    }
    w->sel[w->n_sel++] = e->seq;
    if (upload && strlen(e->event_id) == ED_SHA512_HEX_LEN) {
        cite(w, e->event_id);
    }
    ed_vault_each_cited(e->bytes, e->len, cite_cited, w);
    if (e->decision_id[0]) {
        note_packs(w, e->bytes, e->len);
    }
    if (e->catalog && strlen(e->catalog) == 64 &&
        (w->catalogs.len == 0 || strstr(w->catalogs.data, e->catalog) == NULL)) {
        ed_buf_printf(&w->catalogs, "%s\n", e->catalog);
    }
    return 0;
}

static int selected(const writer *w, uint64_t seq)
{
    size_t lo = 0, hi = w->n_sel;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->sel[mid] == seq) {
            return 1;
        }
        if (w->sel[mid] < seq) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return 0;
}

/* Pass 2: every entry from the first selected to the covering checkpoint,
 * one file each. */
static int entry_visit(void *arg, const ed_entry *e)
{
    writer *w = arg;
    if (e->seq < w->first) {
        return 0;
    }
    if (e->seq > w->end) {
        return 1;
    }
    const char *kind = e->bytes == NULL ? "archived" : selected(w, e->seq) ? "selected" : "context";
    ed_buf_printf(&w->chain, "%llu %s %s %s\n", (unsigned long long)e->seq, e->hash, kind,
                  e->decision_id[0] ? e->decision_id : "-");
    w->sum->entries++;
    if (e->bytes == NULL) {
        return 0; /* its bytes are gone past retention: its hash is listed */
    }
    unsigned char prev[32];
    if (ed_unhex(e->prev, 64, prev) != 0) {
        ed_buf_printf(w->err, "entry %llu: no previous hash", (unsigned long long)e->seq);
        return -1;
    }
    char name[48];
    snprintf(name, sizeof name, "entries/%llu.bin", (unsigned long long)e->seq);
    size_t n = 32 + e->record_len + e->len;
    if (write_file_begin(w, name, (int64_t)n) != 0 ||
        archive_write_data(w->a, prev, 32) != 32 ||
        archive_write_data(w->a, e->record, e->record_len) != (la_ssize_t)e->record_len ||
        (e->len && archive_write_data(w->a, e->bytes, e->len) != (la_ssize_t)e->len)) {
        if (w->err->len == 0) {
            ed_buf_printf(w->err, "writing the package: %s", archive_error_string(w->a));
        }
        return -1;
    }
    /* the file's SHA-256 is the entry's hash: the chain's own check */
    ed_buf_printf(&w->sums, "%s  %s\n", e->hash, name);
    if (e->event != NULL && selected(w, e->seq)) {
        /* what replay decides again: the event as received */
        snprintf(name, sizeof name, "events/%llu.json", (unsigned long long)e->seq);
        if (write_file(w, name, e->event, e->event_len) != 0) {
            return -1;
        }
        w->events++;
    }
    return 0;
}

/* Replay: each catalog of the selected decisions (replay/catalogs/<hex>,
 * its manifest) and each pack version it lists, once
 * (replay/versions/<hex>.pack, as the file store keeps them). */
static int write_replay(writer *w, ed_store *s)
{
    if (w->catalogs.len == 0) {
        return 0;
    }
    const char *base = getenv("TMPDIR");
    char *tmp = NULL;
    if (asprintf(&tmp, "%s/edict-package-XXXXXX", base && base[0] ? base : "/tmp") < 0) {
        abort();
    }
    if (mkdtemp(tmp) == NULL) {
        ed_buf_printf(w->err, "cannot make a folder to restore packs in (%s)", tmp);
        free(tmp);
        return -1;
    }
    ed_buf written = {0}, manifest = {0}, text = {0};
    ed_buf_reserve(&written, 0);
    int rc = 0;
    char *cats = ed_strdup(w->catalogs.data);
    char *save = NULL;
    for (char *hex = strtok_r(cats, "\n", &save); rc == 0 && hex;
         hex = strtok_r(NULL, "\n", &save)) {
        char *dest = ed_path_join(tmp, hex);
        ed_buf_reset(&manifest);
        int r = ed_store_catalog_restore(s, hex, dest, &manifest, w->err);
        if (r != 0) {
            if (w->err->len == 0) {
                ed_buf_printf(w->err, "the store has no catalog %.16s… (a decision names it)",
                              hex);
            }
            rc = -1;
        }
        char name[160];
        snprintf(name, sizeof name, "replay/catalogs/%s", hex);
        if (rc == 0) {
            rc = write_file(w, name, manifest.data ? manifest.data : "", manifest.len);
        }
        char *msave = NULL;
        for (char *line = rc == 0 && manifest.data ? strtok_r(manifest.data, "\n", &msave)
                                                   : NULL;
             rc == 0 && line; line = strtok_r(NULL, "\n", &msave)) {
            char kind[16], pack[65], enc[4096];
            if (sscanf(line, "%15s %64s %4095s", kind, pack, enc) != 3) {
                continue;
            }
            if (strstr(written.data, pack) != NULL) {
                continue;
            }
            ed_buf label = {0};
            ed_store_label_decode(enc, &label);
            char *folder = ed_path_join(dest, label.data);
            char got[65];
            ed_buf_reset(&text);
            if (ed_kept_pack_text(folder, &text, got) != 0 || strcmp(got, pack) != 0) {
                ed_buf_printf(w->err, "kept pack %.16s… (%s) did not restore as kept", pack,
                              label.data);
                rc = -1;
            } else {
                snprintf(name, sizeof name, "replay/versions/%s.pack", pack);
                rc = write_file(w, name, text.data, text.len);
                ed_buf_printf(&written, "%s\n", pack);
            }
            free(folder);
            ed_buf_free(&label);
        }
        free(dest);
    }
    free(cats);
    ed_remove_tree(tmp);
    free(tmp);
    ed_buf_free(&written);
    ed_buf_free(&manifest);
    ed_buf_free(&text);
    return rc;
}

typedef struct cp_arg {
    writer *w;
    ed_buf list;
    uint64_t cover;       /* the first checkpoint at or past last */
} cp_arg;

static int find_cover(void *arg, uint64_t seq, const char *hash, const char *sig)
{
    cp_arg *c = arg;
    (void)hash;
    (void)sig;
    if (seq >= c->w->last && (c->cover == 0 || seq < c->cover)) {
        c->cover = seq;
    }
    return 0;
}

static int write_cp(void *arg, uint64_t seq, const char *hash, const char *sig)
{
    cp_arg *c = arg;
    writer *w = c->w;
    if (seq < w->first || seq > w->end || w->failed) {
        return 0;
    }
    ed_buf msg = {0};
    ed_store_checkpoint_message(&msg, w->rq->tenant, seq, hash);
    unsigned char raw[64];
    char name[64];
    snprintf(name, sizeof name, "checkpoints/%llu.msg", (unsigned long long)seq);
    int rc = write_file(w, name, msg.data, msg.len);
    if (rc == 0 && strlen(sig) == 128 && ed_unhex(sig, 128, raw) == 0) {
        snprintf(name, sizeof name, "checkpoints/%llu.sig", (unsigned long long)seq);
        rc = write_file(w, name, raw, sizeof raw);
    }
    ed_buf_printf(&c->list, "%llu %s %s\n", (unsigned long long)seq, hash, sig);
    w->sum->checkpoints++;
    ed_buf_free(&msg);
    if (rc) {
        w->failed = 1;
    }
    return 0;
}

typedef struct blob_sink {
    writer *w;
    EVP_MD_CTX *md;
} blob_sink;

static int blob_write(void *arg, const void *data, size_t n)
{
    blob_sink *b = arg;
    EVP_DigestUpdate(b->md, data, n);
    return archive_write_data(b->w->a, data, n) == (la_ssize_t)n ? 0 : -1;
}

static int count_only(void *arg, const void *data, size_t n)
{
    (void)arg;
    (void)data;
    (void)n;
    return 0;
}

/* Each cited blob the vault holds, checked whole before it is written. */
static int write_evidence(writer *w, ed_buf *listing)
{
    for (size_t i = 0; i < w->cited.n; i++) {
        const char *d = w->cited.d[i];
        uint64_t size = 0;
        ed_buf verr = {0};
        int rc = w->rq->vault ? ed_vault_read(w->rq->vault, w->rq->tenant, d, count_only, NULL,
                                              &size, &verr)
                              : 1;
        if (rc != 0) {
            ed_buf_printf(listing, "%s missing: %s\n", d,
                          rc == 1 ? (w->rq->vault ? "not in the vault (past retention, or "
                                                    "never uploaded)"
                                                  : "no evidence key was given")
                                  : verr.data);
            w->sum->evidence_missing++;
            ed_buf_free(&verr);
            continue;
        }
        char name[160];
        snprintf(name, sizeof name, "evidence/%s", d);
        blob_sink b = {w, EVP_MD_CTX_new()};
        EVP_DigestInit_ex(b.md, EVP_sha256(), NULL);
        if (write_file_begin(w, name, (int64_t)size) != 0 ||
            ed_vault_read(w->rq->vault, w->rq->tenant, d, blob_write, &b, &size, &verr) != 0) {
            if (w->err->len == 0) {
                ed_buf_printf(w->err, "%s", verr.len ? verr.data : "writing evidence failed");
            }
            EVP_MD_CTX_free(b.md);
            ed_buf_free(&verr);
            return -1;
        }
        add_sum(w, name, b.md);
        EVP_MD_CTX_free(b.md);
        ed_buf_printf(listing, "%s %llu bytes\n", d, (unsigned long long)size);
        w->sum->evidence++;
        ed_buf_free(&verr);
    }
    return 0;
}

static const char readme_text[] =
    "This package was written by edict, a compliance rules engine, for an\n"
    "inspector. It holds a tenant's decisions (and evidence uploads) of a\n"
    "period, the audit journal entries that hold them, the signed\n"
    "checkpoints covering them, the evidence they cite and the rule packs\n"
    "that decided them. Everything in it can be checked with sha256sum and\n"
    "openssl alone, without edict and without trusting whoever sent it,\n"
    "given the tenant's public key from a source of your own.\n"
    "\n"
    "Files\n"
    "  MANIFEST.json   what was asked for (tenant, period, entity), by whom, when,\n"
    "                  and the counts below\n"
    "  chain.txt       one line per journal entry, in chain order:\n"
    "                  <seq> <hash> <selected|context|archived> <decision id>\n"
    "                  selected: a decision (or upload) of the request; context:\n"
    "                  another entry the chain needs between them; archived: past\n"
    "                  its retention, only its hash is left\n"
    "  entries/N.bin   entry N exactly as hashed: the previous entry's hash (32\n"
    "                  bytes), the fields edict wrote beside the decision\n"
    "                  (\"<decision_id> <event_id> <occurred_at> <flag> <type>\n"
    "                  <retention_until> <len> \") and the decision's own bytes\n"
    "                  (one line of JSON). Its SHA-256 is the entry's hash.\n"
    "  checkpoints/N.msg, N.sig   a signed checkpoint at entry N: the message\n"
    "                  (\"edict-checkpoint-v1\", tenant, N, the hash of entry N)\n"
    "                  and its Ed25519 signature\n"
    "  checkpoints.txt <seq> <hash> <signature hex> of each\n"
    "  audit.key.pub   the public key the checkpoints were signed with, if the\n"
    "                  sender gave it (compare it with one you hold)\n"
    "  evidence/D      the evidence whose SHA-512 is D; evidence.txt lists each\n"
    "                  cited digest and whether it is here\n"
    "  packs.txt       the rule packs (name, version, SHA-256 digest) that\n"
    "                  decided the selected decisions\n"
    "  events/N.json   the event entry N's decision was made from, exactly as\n"
    "                  received; entry N holds the same bytes (in its record,\n"
    "                  base64)\n"
    "  replay/catalogs/D   the catalog (every pack version loaded, by digest and\n"
    "                  folder) whose SHA-256 is D, which decided entries naming D\n"
    "  replay/versions/P.pack   pack version P's files (\"edict-pack 1\", then per\n"
    "                  file its path, its length and its bytes); `edict replay`\n"
    "                  decides the events again with them\n"
    "  SHA256SUMS      the SHA-256 of every file above\n"
    "\n"
    "Checking (from the folder holding this README)\n"
    "  1. sha256sum -c SHA256SUMS: every file is as written.\n"
    "  2. For each line of chain.txt (not archived): sha256sum entries/N.bin\n"
    "     is the hash on the line, and the first 32 bytes of entries/N.bin\n"
    "     are the hash of the line before. So no entry was changed, removed\n"
    "     or reordered between the first and the last.\n"
    "  3. For each checkpoint: the hash in N.msg is entry N's in chain.txt, and\n"
    "     openssl pkeyutl -verify -pubin -inkey audit.key.pub -rawin\n"
    "       -in checkpoints/N.msg -sigfile checkpoints/N.sig\n"
    "     says \"Signature Verified Successfully\". The chain up to N is then the\n"
    "     one the key's holder signed.\n"
    "  4. sha512sum evidence/D prints D.\n"
    "  docs/AUDIT.md of edict (\"Regulator packages\") has these steps as one\n"
    "  shell script; `edict audit verify-package FILE` does the same.\n";

/* The package's entry in the tenant's chain: who, when, what, its SHA-256. */
static int journal_package(ed_store *s, const ed_package_request *rq, const char *path,
                           const char *at, ed_package_summary *sum, ed_buf *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    unsigned char buf[1 << 14];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        EVP_DigestUpdate(md, buf, got);
    }
    fclose(f);
    unsigned char raw[32];
    unsigned int rl = 0;
    EVP_DigestFinal_ex(md, raw, &rl);
    EVP_MD_CTX_free(md);
    ed_hex(raw, 32, sum->sha256);
    ed_buf rec = {0};
    ed_buf_printf(&rec, "{\"kind\":\"package\",\"sha256\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
                  "\"entity\":", sum->sha256, rq->from ? rq->from : "", rq->to ? rq->to : "");
    ed_json_escape(&rec, rq->entity ? rq->entity : "", rq->entity ? strlen(rq->entity) : 0);
    ed_buf_printf(&rec, ",\"selected\":%zu,\"by\":", sum->selected);
    ed_json_escape(&rec, rq->by ? rq->by : "", rq->by ? strlen(rq->by) : 0);
    ed_buf_printf(&rec, ",\"at\":\"%s\"}", at);
    ed_record r = {.tenant = rq->tenant, .event_id = sum->sha256, .occurred_at = at,
                   .type = "edict.package", .bytes = rec.data, .len = rec.len};
    ed_ticket ticket = 0;
    int rc = ed_store_append(s, &r, &ticket, err) == 0 && ed_store_commit(s, ticket, err) == 0
                 ? 0
                 : -1;
    ed_buf_free(&rec);
    return rc;
}

int ed_package_write(ed_store *s, const ed_package_request *rq, const char *out_path,
                     ed_package_summary *sum, ed_buf *err)
{
    memset(sum, 0, sizeof *sum);
    writer w = {.rq = rq, .err = err, .sum = sum, .mtime = time(NULL)};
    if (rq->entity) {
        ed_buf_puts(&w.entity_pat, ",\"entity\":");
        ed_json_escape(&w.entity_pat, rq->entity, strlen(rq->entity));
        ed_buf_putc(&w.entity_pat, ',');
    }
    FILE *quiet = fopen("/dev/null", "w");
    FILE *msgs = quiet ? quiet : stderr;
    int rc = -1;
    cp_arg cps = {.w = &w};
    ed_buf evidence = {0}, manifest = {0};
    int wrc = ed_store_walk(s, rq->tenant, NULL, select_visit, &w, NULL, msgs);
    if (wrc == 2 || (wrc == 0 && w.n_sel == 0)) {
        ed_buf_printf(err, "tenant %s has no decisions in that selection", rq->tenant);
        goto out;
    }
    if (wrc != 0) {
        ed_buf_printf(err, "the journal of tenant %s does not verify: run `edict audit verify "
                           "--tenant %s`", rq->tenant, rq->tenant);
        goto out;
    }
    w.first = w.sel[0];
    w.last = w.sel[w.n_sel - 1];
    if (ed_store_checkpoints(s, rq->tenant, find_cover, &cps, err) != 0) {
        goto out;
    }
    w.end = cps.cover ? cps.cover : w.last;
    sum->first = w.first;
    sum->last = w.last;
    sum->covered_by = cps.cover;
    sum->selected = w.n_sel;
    w.a = archive_write_new();
    if (w.a == NULL || archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
        archive_write_open_filename(w.a, out_path) != ARCHIVE_OK) {
        ed_buf_printf(err, "%s: %s", out_path, w.a ? archive_error_string(w.a) : "no memory");
        goto out;
    }
    if (write_file(&w, "README.txt", readme_text, sizeof readme_text - 1) != 0) {
        goto out;
    }
    wrc = ed_store_walk(s, rq->tenant, NULL, entry_visit, &w, NULL, msgs);
    if (wrc != 0 || err->len) {
        if (err->len == 0) {
            ed_buf_printf(err, "the journal of tenant %s changed or broke while packaging",
                          rq->tenant);
        }
        goto out;
    }
    if (write_file(&w, "chain.txt", w.chain.data ? w.chain.data : "", w.chain.len) != 0 ||
        ed_store_checkpoints(s, rq->tenant, write_cp, &cps, err) != 0 || w.failed ||
        write_file(&w, "checkpoints.txt", cps.list.data ? cps.list.data : "", cps.list.len) != 0 ||
        write_evidence(&w, &evidence) != 0 ||
        write_file(&w, "evidence.txt", evidence.data ? evidence.data : "", evidence.len) != 0 ||
        write_file(&w, "packs.txt", w.packs.data ? w.packs.data : "", w.packs.len) != 0 ||
        write_replay(&w, s) != 0) {
        goto out;
    }
    if (rq->pub_path) {
        size_t n;
        char *pub = ed_read_file(rq->pub_path, &n);
        if (pub == NULL) {
            ed_buf_printf(err, "%s: %s", rq->pub_path, strerror(errno));
            goto out;
        }
        int prc = write_file(&w, "audit.key.pub", pub, n);
        free(pub);
        if (prc != 0) {
            goto out;
        }
    }
    char made[32];
    struct tm tm;
    gmtime_r(&w.mtime, &tm);
    strftime(made, sizeof made, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ed_buf_puts(&manifest, "{\"format\":\"edict-package-1\",\"tenant\":");
    ed_json_escape(&manifest, rq->tenant, strlen(rq->tenant));
    ed_buf_puts(&manifest, ",\"from\":");
    ed_json_escape(&manifest, rq->from ? rq->from : "", rq->from ? strlen(rq->from) : 0);
    ed_buf_puts(&manifest, ",\"to\":");
    ed_json_escape(&manifest, rq->to ? rq->to : "", rq->to ? strlen(rq->to) : 0);
    ed_buf_puts(&manifest, ",\"entity\":");
    ed_json_escape(&manifest, rq->entity ? rq->entity : "", rq->entity ? strlen(rq->entity) : 0);
    ed_buf_puts(&manifest, ",\"by\":");
    ed_json_escape(&manifest, rq->by ? rq->by : "", rq->by ? strlen(rq->by) : 0);
    ed_buf_printf(&manifest, ",\"made_at\":\"%s\",\"selected\":%zu,\"entries\":%zu,"
                  "\"first_seq\":%llu,\"last_seq\":%llu,\"covered_by_checkpoint\":%llu,"
                  "\"checkpoints\":%zu,\"evidence\":%zu,\"evidence_missing\":%zu}\n", made,
                  sum->selected, sum->entries, (unsigned long long)sum->first,
                  (unsigned long long)sum->last, (unsigned long long)sum->covered_by,
                  sum->checkpoints, sum->evidence, sum->evidence_missing);
    if (write_file(&w, "MANIFEST.json", manifest.data, manifest.len) != 0 ||
        write_file_begin(&w, "SHA256SUMS", (int64_t)w.sums.len) != 0 ||
        archive_write_data(w.a, w.sums.data, w.sums.len) != (la_ssize_t)w.sums.len) {
        goto out;
    }
    if (archive_write_close(w.a) != ARCHIVE_OK) {
        ed_buf_printf(err, "%s: %s", out_path, archive_error_string(w.a));
        goto out;
    }
    if (journal_package(s, rq, out_path, made, sum, err) != 0) {
        goto out; /* no package goes out unjournaled */
    }
    rc = 0;
out:
    if (w.a) {
        archive_write_free(w.a);
    }
    if (rc != 0) {
        unlink(out_path);
    }
    if (quiet) {
        fclose(quiet);
    }
    free(w.sel);
    free(w.cited.d);
    ed_buf_free(&w.sums);
    ed_buf_free(&w.chain);
    ed_buf_free(&w.packs);
    ed_buf_free(&w.catalogs);
    ed_buf_free(&w.entity_pat);
    ed_buf_free(&cps.list);
    ed_buf_free(&evidence);
    ed_buf_free(&manifest);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Verifying, offline                                                    */
/* ------------------------------------------------------------------ */

typedef struct got_file {
    char *name;            /* without TOP */
    char sha256[65];
    char event_sha[65];    /* entries: the SHA-256 of the event it holds ("": none) */
    char catalog[65];      /* entries: the catalog it names ("": none) */
    int bad_pack;          /* replay/versions: does not match its digest */
    unsigned char head[32];/* an entry's first 32 bytes */
    size_t size;
    char *text;            /* small files kept whole: chain, sums, messages, key */
} got_file;

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const got_file *)a)->name, ((const got_file *)b)->name);
}

/* files are sorted by name once read */
static got_file *find_file(got_file *f, size_t n, const char *name)
{
    got_file key = {.name = (char *)name};
    return n ? bsearch(&key, f, n, sizeof *f, cmp_file) : NULL;
}

static int keep_text(const char *name)
{
    return strcmp(name, "chain.txt") == 0 || strcmp(name, "SHA256SUMS") == 0 ||
           strcmp(name, "audit.key.pub") == 0 || strncmp(name, "checkpoints/", 12) == 0 ||
           strcmp(name, "MANIFEST.json") == 0 || strncmp(name, "replay/catalogs/", 16) == 0;
}

/* Read whole while hashing (then looked into): entries, kept packs. */
static int keep_whole(const char *name)
{
    return strncmp(name, "entries/", 8) == 0 || strncmp(name, "replay/versions/", 16) == 0;
}

/* An entry file (prev, record, decision): the event its record holds
 * (an E3 record: "<6 fields> <catalog> <event> <len> "), hashed into f. */
static void entry_event(got_file *f, const char *b, size_t n)
{
    const char *p = b + 32, *end = b + n;
    const char *tok[9];
    size_t len[9];
    if (n < 32) {
        return;
    }
    for (int i = 0; i < 9; i++) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (sp == NULL) {
            return;
        }
        tok[i] = p;
        len[i] = (size_t)(sp - p);
        p = sp + 1;
        if (i == 6) {
            /* E2: the 7th is the decision's length, and the rest is it */
            char num[24];
            if (len[6] < sizeof num) {
                memcpy(num, tok[6], len[6]);
                num[len[6]] = '\0';
                char *q;
                unsigned long long dl = strtoull(num, &q, 10);
                if (*q == '\0' && len[6] > 0 && dl == (unsigned long long)(end - p)) {
                    return;
                }
            }
        }
    }
    if (len[6] == 64) {
        memcpy(f->catalog, tok[6], 64);
        f->catalog[64] = '\0';
    }
    if (len[7] == 1 && tok[7][0] == '-') {
        return;
    }
    ed_buf ev = {0};
    if (ed_store_event_decode(tok[7], len[7], &ev) == 0) {
        ed_sha256_hex(ev.data ? ev.data : "", ev.len, f->event_sha);
    }
    ed_buf_free(&ev);
}

int ed_package_verify(const char *path, FILE *out)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    got_file *files = NULL;
    size_t n = 0;
    int problems = 0;
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        fprintf(out, "%s: not a package: %s\n", path, archive_error_string(a));
        archive_read_free(a);
        return -1;
    }
    struct archive_entry *e;
    unsigned char *buf = ed_xmalloc(1 << 16);
    int rrc;
    while ((rrc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (strncmp(name, TOP, strlen(TOP)) != 0 || archive_entry_filetype(e) != AE_IFREG) {
            fprintf(out, "%s: not part of a package\n", name);
            problems++;
            continue;
        }
        files = ed_xrealloc(files, (n + 1) * sizeof *files);
        got_file *f = &files[n++];
        memset(f, 0, sizeof *f);
        f->name = ed_strdup(name + strlen(TOP));
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        ed_buf text = {0};
        la_ssize_t got;
        while ((got = archive_read_data(a, buf, 1 << 16)) > 0) {
            EVP_DigestUpdate(md, buf, (size_t)got);
            if (f->size < 32) {
                size_t k = (size_t)got < 32 - f->size ? (size_t)got : 32 - f->size;
                memcpy(f->head + f->size, buf, k);
            }
            if (keep_text(f->name) || keep_whole(f->name)) {
                ed_buf_append(&text, buf, (size_t)got);
            }
            f->size += (size_t)got;
        }
        unsigned char raw[32];
        unsigned int rl = 0;
        EVP_DigestFinal_ex(md, raw, &rl);
        EVP_MD_CTX_free(md);
        ed_hex(raw, 32, f->sha256);
        if (got < 0) {
            fprintf(out, "%s: cannot be read: %s\n", f->name, archive_error_string(a));
            problems++;
        }
        if (keep_text(f->name)) {
            ed_buf_putc(&text, '\0');
            f->text = text.data;
        } else if (strncmp(f->name, "entries/", 8) == 0) {
            entry_event(f, text.data ? text.data : "", text.len);
            ed_buf_free(&text);
        } else if (strncmp(f->name, "replay/versions/", 16) == 0) {
            char hex[65] = "";
            size_t nl = strlen(f->name);
            if (nl == 16 + 64 + 5) {
                memcpy(hex, f->name + 16, 64);
                hex[64] = '\0';
            }
            ed_buf perr = {0};
            f->bad_pack = ed_kept_pack_check(hex, text.data ? text.data : "", text.len, &perr) != 0;
            ed_buf_free(&perr);
            ed_buf_free(&text);
        }
    }
    if (rrc != ARCHIVE_EOF) {
        fprintf(out, "%s: the archive is damaged: %s\n", path, archive_error_string(a));
        problems++;
    }
    free(buf);
    archive_read_free(a);
    if (n) {
        qsort(files, n, sizeof *files, cmp_file);
    }
    /* 1. every file as SHA256SUMS says, and nothing unlisted */
    got_file *sums = find_file(files, n, "SHA256SUMS");
    size_t listed = 0;
    if (sums == NULL || sums->text == NULL) {
        fprintf(out, "SHA256SUMS: missing\n");
        problems++;
    } else {
        for (char *line = sums->text; *line;) {
            char *nl = strchr(line, '\n');
            if (nl) {
                *nl = '\0';
            }
            if (strlen(line) > 66 && line[64] == ' ' && line[65] == ' ') {
                got_file *f = find_file(files, n, line + 66);
                listed++;
                if (f == NULL) {
                    fprintf(out, "%s: listed in SHA256SUMS, missing\n", line + 66);
                    problems++;
                } else if (strncmp(f->sha256, line, 64) != 0) {
                    fprintf(out, "%s: SHA-256 %.16s…, SHA256SUMS says %.16s…: changed\n",
                            f->name, f->sha256, line);
                    problems++;
                }
            }
            if (nl == NULL) {
                break;
            }
            *nl = '\n';
            line = nl + 1;
        }
        if (listed + 1 != n) {
            fprintf(out, "SHA256SUMS lists %zu files, the package holds %zu besides it\n",
                    listed, n - 1);
            problems++;
        }
    }
    /* 2. each entry's file hashes to its hash, and begins with the one
     * before */
    got_file *chain = find_file(files, n, "chain.txt");
    size_t entries = 0;
    char prev[65] = "";
    if (chain == NULL || chain->text == NULL) {
        fprintf(out, "chain.txt: missing\n");
        problems++;
    } else {
        char *save = NULL;
        for (char *line = strtok_r(chain->text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            unsigned long long seq;
            char hash[65], kind[16];
            if (sscanf(line, "%llu %64s %15s", &seq, hash, kind) != 3) {
                fprintf(out, "chain.txt: a malformed line: %s\n", line);
                problems++;
                break;
            }
            entries++;
            if (strcmp(kind, "archived") != 0) {
                char name[48];
                snprintf(name, sizeof name, "entries/%llu.bin", seq);
                got_file *f = find_file(files, n, name);
                char head[65];
                if (f) {
                    ed_hex(f->head, 32, head);
                }
                if (f == NULL) {
                    fprintf(out, "entry %llu: its file is missing\n", seq);
                    problems++;
                } else if (strcmp(f->sha256, hash) != 0) {
                    fprintf(out, "entry %llu: hash mismatch (chain.txt %.16s…, its bytes "
                            "%.16s…): the entry was changed\n", seq, hash, f->sha256);
                    problems++;
                } else if (prev[0] && strcmp(head, prev) != 0) {
                    fprintf(out, "entry %llu: does not follow the entry before it\n", seq);
                    problems++;
                }
            }
            memcpy(prev, hash, sizeof prev);
        }
    }
    /* 3. checkpoints: the message names an entry's hash; the signature holds */
    got_file *pub = find_file(files, n, "audit.key.pub");
    ed_key *key = NULL;
    if (pub && pub->text) {
        char tmpl[] = "/tmp/edict-pub-XXXXXX";
        int fd = mkstemp(tmpl);
        ed_buf kerr = {0};
        if (fd >= 0 && ed_write_all(fd, pub->text, strlen(pub->text)) == 0) {
            key = ed_key_load_public(tmpl, &kerr);
        }
        if (fd >= 0) {
            close(fd);
            unlink(tmpl);
        }
        if (key == NULL) {
            fprintf(out, "audit.key.pub: not a public key: %s\n", kerr.data ? kerr.data : "");
            problems++;
        }
        ed_buf_free(&kerr);
    }
    size_t signed_ok = 0, cps = 0;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(files[i].name);
        if (strncmp(files[i].name, "checkpoints/", 12) != 0 || nl < 4 ||
            strcmp(files[i].name + nl - 4, ".msg") != 0) {
            continue;
        }
        cps++;
        const char *msg = files[i].text ? files[i].text : "";
        unsigned long long seq = 0;
        char tenant[512], hash[65];
        if (sscanf(msg, "edict-checkpoint-v1\n%511[^\n]\n%llu\n%64s", tenant, &seq, hash) != 3) {
            fprintf(out, "%s: not a checkpoint message\n", files[i].name);
            problems++;
            continue;
        }
        /* chain.txt was cut into lines above: look for "<seq> <hash> " */
        int found = 0;
        char want[96];
        snprintf(want, sizeof want, "%llu %s ", seq, hash);
        for (char *p = chain && chain->text ? chain->text : NULL;
             p && p < chain->text + chain->size; p += strlen(p) + 1) {
            if (strncmp(p, want, strlen(want)) == 0) {
                found = 1;
                break;
            }
        }
        if (!found) {
            fprintf(out, "checkpoint %llu: names no entry of the package with hash %.16s…\n",
                    seq, hash);
            problems++;
        }
        char signame[64];
        snprintf(signame, sizeof signame, "checkpoints/%llu.sig", seq);
        got_file *sig = find_file(files, n, signame);
        if (key && sig && sig->text && sig->size == 64) {
            char hex[129];
            ed_hex((const unsigned char *)sig->text, 64, hex);
            if (ed_key_verify(key, msg, strlen(msg), hex)) {
                signed_ok++;
            } else {
                fprintf(out, "checkpoint %llu: the signature does not hold\n", seq);
                problems++;
            }
        }
    }
    ed_key_free(key);
    /* 4. replay: each event is the one its entry holds; each catalog those
     * entries name is here, and each pack version it lists, whole */
    size_t events = 0, catalogs = 0, versions = 0;
    for (size_t i = 0; i < n; i++) {
        const char *nm = files[i].name;
        if (strncmp(nm, "events/", 7) == 0) {
            events++;
            char entry[64];
            snprintf(entry, sizeof entry, "entries/%.*s.bin", (int)strcspn(nm + 7, "."), nm + 7);
            got_file *ef = find_file(files, n, entry);
            if (ef == NULL || strcmp(ef->event_sha, files[i].sha256) != 0) {
                fprintf(out, "%s: not the event its entry holds\n", nm);
                problems++;
            } else if (ef->catalog[0]) {
                char cat[96];
                snprintf(cat, sizeof cat, "replay/catalogs/%s", ef->catalog);
                if (find_file(files, n, cat) == NULL) {
                    fprintf(out, "%s: the catalog %.16s… that decided it is missing\n", nm,
                            ef->catalog);
                    problems++;
                }
            }
        } else if (strncmp(nm, "replay/versions/", 16) == 0) {
            versions++;
            if (files[i].bad_pack) {
                fprintf(out, "%s: its files do not match its digest\n", nm);
                problems++;
            }
        } else if (strncmp(nm, "replay/catalogs/", 16) == 0) {
            catalogs++;
            if (strcmp(files[i].sha256, nm + 16) != 0) {
                fprintf(out, "%s: its SHA-256 is not its name\n", nm);
                problems++;
            }
            char *save = NULL;
            char *copy = ed_strdup(files[i].text ? files[i].text : "");
            for (char *line = strtok_r(copy, "\n", &save); line;
                 line = strtok_r(NULL, "\n", &save)) {
                char kind[16], pack[65], v[96];
                if (sscanf(line, "%15s %64s", kind, pack) != 2) {
                    continue;
                }
                snprintf(v, sizeof v, "replay/versions/%s.pack", pack);
                if (find_file(files, n, v) == NULL) {
                    fprintf(out, "%s: lists pack %.16s…, missing\n", nm, pack);
                    problems++;
                }
            }
            free(copy);
        }
    }
    if (problems == 0) {
        fprintf(out, "package %s: %zu files as listed; %zu entries linked and hashed; %zu "
                "checkpoint%s%s; %zu event%s, %zu catalog%s and %zu pack version%s for "
                "replay; ok\n", path, listed, entries, cps, cps == 1 ? "" : "s",
                key ? (signed_ok == cps ? ", signatures verified" : ", NOT all signed")
                    : " (no public key in the package: signatures not checked)",
                events, events == 1 ? "" : "s", catalogs, catalogs == 1 ? "" : "s", versions,
                versions == 1 ? "" : "s");
    }
    for (size_t i = 0; i < n; i++) {
        free(files[i].name);
        free(files[i].text);
    }
    free(files);
    return problems ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Replaying from a package                                              */
/* ------------------------------------------------------------------ */

/* A file name inside the package we extract: no folder, nothing hidden. */
static int plain_name(const char *s)
{
    return s[0] != '\0' && s[0] != '.' && strchr(s, '/') == NULL;
}

static int extract_to(struct archive *a, const char *path, ed_buf *err)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[1 << 14];
    la_ssize_t got;
    int rc = 0;
    while ((got = archive_read_data(a, buf, sizeof buf)) > 0) {
        if (fwrite(buf, 1, (size_t)got, f) != (size_t)got) {
            rc = -1;
        }
    }
    if (got < 0 || fclose(f) != 0 || rc != 0) {
        ed_buf_printf(err, "%s: cannot be extracted", path);
        return -1;
    }
    return 0;
}

/* Visit entry file path (prev, record, decision) as a decision. */
static int visit_entry_file(const char *path, uint64_t seq, ed_entry_visitor visit, void *arg,
                            ed_buf *err)
{
    size_t n;
    char *b = ed_read_file(path, &n);
    if (b == NULL) {
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    const char *p = b + (n >= 32 ? 32 : n), *end = b + n;
    const char *tok[9];
    size_t len[9];
    int ok = n >= 32;
    for (int i = 0; ok && i < 9; i++) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        ok = sp != NULL;
        if (ok) {
            tok[i] = p;
            len[i] = (size_t)(sp - p);
            p = sp + 1;
        }
    }
    ed_buf f[4] = {{0}}, event = {0};
    int rc = 0;
    if (!ok || len[6] != 64 || ed_store_event_decode(tok[7], len[7], &event) != 0) {
        rc = 0; /* no replay fields: nothing to decide again (not selected as such) */
    } else {
        const int which[4] = {0, 1, 2, 6}; /* decision id, event id, occurred_at, catalog */
        for (int i = 0; i < 4; i++) {
            char tmp[300];
            size_t k = len[which[i]] < sizeof tmp - 1 ? len[which[i]] : sizeof tmp - 1;
            memcpy(tmp, tok[which[i]], k);
            tmp[k] = '\0';
            if (strcmp(tmp, "-") == 0) {
                tmp[0] = '\0';
            }
            ed_store_label_decode(tmp, &f[i]);
        }
        ed_entry e;
        memset(&e, 0, sizeof e);
        e.tenant = "";
        e.seq = seq;
        e.prev = e.hash = "";
        e.decision_id = f[0].data;
        e.event_id = f[1].data;
        e.occurred_at = f[2].data;
        e.flag = e.type = e.retention_until = "";
        e.record = b + 32;
        e.record_len = (size_t)(p - (b + 32));
        e.bytes = p;
        e.len = (size_t)(end - p);
        e.catalog = f[3].data;
        e.event = event.data;
        e.event_len = event.len;
        int v = visit(arg, &e);
        rc = v == 0 || v == 1 ? v : -1;
    }
    for (int i = 0; i < 4; i++) {
        ed_buf_free(&f[i]);
    }
    ed_buf_free(&event);
    free(b);
    return rc;
}

int ed_package_each_decision(const char *path, const char *kept_dir, ed_entry_visitor visit,
                             void *arg, ed_buf *err)
{
    char *cats = ed_path_join(kept_dir, "catalogs"), *vers = ed_path_join(kept_dir, "versions"),
         *ents = ed_path_join(kept_dir, "entries");
    int rc = ed_make_dirs(cats, 0700) < 0 || ed_make_dirs(vers, 0700) < 0 ||
                     ed_make_dirs(ents, 0700) < 0
                 ? -1
                 : 0;
    if (rc != 0) {
        ed_buf_printf(err, "%s: cannot make it: %s", kept_dir, strerror(errno));
    }
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    ed_buf chain = {0};
    if (rc == 0 && archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        ed_buf_printf(err, "%s: not a package: %s", path, archive_error_string(a));
        rc = -1;
    }
    struct archive_entry *ae;
    while (rc == 0 && archive_read_next_header(a, &ae) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(ae);
        const char *rel = strncmp(name, TOP, strlen(TOP)) == 0 ? name + strlen(TOP) : "";
        const char *folder = NULL, *leaf = NULL;
        if (strncmp(rel, "replay/catalogs/", 16) == 0) {
            folder = cats, leaf = rel + 16;
        } else if (strncmp(rel, "replay/versions/", 16) == 0) {
            folder = vers, leaf = rel + 16;
        } else if (strncmp(rel, "entries/", 8) == 0) {
            folder = ents, leaf = rel + 8;
        } else if (strcmp(rel, "chain.txt") == 0) {
            char buf[1 << 14];
            la_ssize_t got;
            while ((got = archive_read_data(a, buf, sizeof buf)) > 0) {
                ed_buf_append(&chain, buf, (size_t)got);
            }
            continue;
        }
        if (folder && plain_name(leaf)) {
            char *to = ed_path_join(folder, leaf);
            rc = extract_to(a, to, err);
            free(to);
        }
    }
    archive_read_free(a);
    ed_buf_reserve(&chain, 0);
    char *save = NULL;
    for (char *line = rc == 0 ? strtok_r(chain.data, "\n", &save) : NULL; rc == 0 && line;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned long long seq;
        char hash[65], kind[16];
        if (sscanf(line, "%llu %64s %15s", &seq, hash, kind) != 3 ||
            strcmp(kind, "selected") != 0) {
            continue;
        }
        char leaf[48];
        snprintf(leaf, sizeof leaf, "%llu.bin", seq);
        char *from = ed_path_join(ents, leaf);
        rc = visit_entry_file(from, seq, visit, arg, err);
        free(from);
    }
    ed_buf_free(&chain);
    free(cats);
    free(vers);
    free(ents);
    return rc < 0 ? -1 : 0;
}
