/*
 * cmd_audit.c — `edict audit`: work on the audit journal. `verify` walks
 * the per-tenant hash chains and names the first broken link.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#define cmd_audit_c

#include "cli.h"

#include "store/store.h"
#include "stdlib/hash.h"
#include "stdlib/time.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: edict audit verify [--tenant T] [--store S] [--pub FILE]\n"
    "       edict audit keygen --key FILE\n"
    "       edict audit checkpoint --key FILE [--tenant T] [--store S]\n"
    "       edict audit export --tenant T [--from DATE] [--to DATE] [--store S]\n"
    "       edict audit package --tenant T [--from DATE] [--to DATE] [--entity E]\n"
    "                           --out FILE [--pub FILE] [--store S]\n"
    "       edict audit verify-package FILE\n"
    "\n"
    "verify      walk the journal's hash chains (every tenant, or T): per tenant\n"
    "            the number of entries and the head hash; on damage, the entry\n"
    "            where the chain breaks and what is wrong. Every signed\n"
    "            checkpoint must match its entry; with --pub (the public key),\n"
    "            its signature is checked too, which catches a chain rewritten\n"
    "            whole. A torn last entry (an interrupted write) is noted.\n"
    "keygen      make an Ed25519 key pair: FILE (private, mode 0600) and\n"
    "            FILE.pub\n"
    "checkpoint  verify each chain and sign its head into\n"
    "            the store (checkpoints.log, or the checkpoint table)\n"
    "export      a tenant's entries as JSON lines for a regulator: seq, prev,\n"
    "            hash and the decision's exact bytes, so that every entry can\n"
    "            be re-hashed independently (docs/AUDIT.md); --from/--to select\n"
    "            by occurred_at (YYYY-MM-DD, inclusive)\n"
    "package     a regulator package (tar): the tenant's decisions of the period\n"
    "            (and evidence uploads; --entity: those naming the entity), the\n"
    "            chain entries from the first to the signed checkpoint covering\n"
    "            the last, the checkpoints, the public key (--pub), the evidence\n"
    "            they cite (decrypted; needs the evidence key), the packs that\n"
    "            decided them, a README for the inspector and SHA256SUMS. It is\n"
    "            journaled (who, what, the package's SHA-256). docs/AUDIT.md shows\n"
    "            how to check one with sha256sum and openssl alone\n"
    "verify-package  check a package offline: every file against SHA256SUMS,\n"
    "            every entry's hash and link, every checkpoint and signature\n"
    "\n"
    "options:\n"
    "  --tenant T      only this tenant\n"
    "  --store S       the journal: a folder, or postgres://user@host:port/db\n"
    "                  (default: $EDICT_JOURNAL_DIR, else $EDICT_HOME/var/journal,\n"
    "                  else $XDG_STATE_HOME/edict/journal, else\n"
    "                  ~/.local/state/edict/journal: the last line names it);\n"
    "                  --journal DIR is the same option\n"
    "  --key FILE      the private key (keygen, checkpoint)\n"
    "  --pub FILE      the public key (verify; package: put in the package)\n"
    "  --entity E      package: only what names this entity (waste:W-1, a batch)\n"
    "  --out FILE      package: where to write it\n"
    "  --evidence-dir DIR, --evidence-keys FILE   package: the evidence vault and\n"
    "                  its keys, as `edict evidence` takes them\n"
    "  --help          this text\n"
    "\n"
    "exit status: 0 when everything verifies (or was made), 1 otherwise.\n";

static int date_ok(const char *s)
{
    ed_time t;
    char why[128];
    return strlen(s) == 10 && ed_time_parse(s, 10, 1, &t, why, sizeof why) == 0;
}

/* edict audit package: written and journaled (who, what, its SHA-256) */
static int package(const char *location, ed_package_request *rq, const char *out,
                   const char *edir, const char *ekeys)
{
    ed_buf err = {0};
    int rc = ED_EXIT_HOST;
    ed_store_options so = {.mode = ED_STORE_WRITE};
    ed_store *store = ed_store_open(location, &so, &err);
    ed_vault *vault = NULL;
    char by[300];
    ed_cli_who(by, sizeof by);
    rq->by = by;
    if (store == NULL) {
        goto done;
    }
    const char *vdir = edir ? edir : ed_vault_default_dir(location);
    if ((ekeys || getenv("EDICT_EVIDENCE_KEY_FILE") || getenv("EDICT_EVIDENCE_KEY")) &&
        vdir && (vault = ed_vault_open(vdir, ekeys, &err)) == NULL) {
        goto done;
    }
    rq->vault = vault;
    ed_package_summary sum;
    if (ed_package_write(store, rq, out, &sum, &err) != 0) {
        goto done;
    }
    printf("wrote %s: %zu decision%s selected, entries %llu to %llu, %s; %zu evidence "
           "file%s%s; sha256 %s\n", out, sum.selected, sum.selected == 1 ? "" : "s",
           (unsigned long long)sum.first,
           (unsigned long long)(sum.covered_by ? sum.covered_by : sum.last),
           sum.covered_by ? "covered by a signed checkpoint"
                          : "NOT covered by a signed checkpoint (run `edict audit checkpoint` "
                            "first)",
           sum.evidence, sum.evidence == 1 ? "" : "s",
           sum.evidence_missing ? " (some cited evidence missing: see evidence.txt)" : "",
           sum.sha256);
    rc = ED_EXIT_OK;
done:
    if (err.len) {
        fprintf(stderr, "edict: %s\n", err.data);
    }
    ed_vault_close(vault);
    if (store) {
        ed_store_close(store);
    }
    ed_buf_free(&err);
    return rc;
}

int ed_cmd_audit(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        if (argc >= 2) {
            printf("\nThe journal by default: %s\n", ed_store_default_location());
        }
        return argc < 2 ? ED_EXIT_USAGE : ED_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "verify-package") == 0) {
        if (argc != 3 || argv[2][0] == '-') {
            fputs(usage, strcmp(argv[argc - 1], "--help") == 0 ? stdout : stderr);
            return strcmp(argv[argc - 1], "--help") == 0 ? ED_EXIT_OK : ED_EXIT_USAGE;
        }
        int vrc = ed_package_verify(argv[2], stdout);
        return vrc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
    }
    if (strcmp(sub, "verify") && strcmp(sub, "keygen") && strcmp(sub, "checkpoint") &&
        strcmp(sub, "export") && strcmp(sub, "package")) {
        fprintf(stderr, "edict audit: unknown subcommand '%s'\n\n%s", sub, usage);
        return ED_EXIT_USAGE;
    }
    enum { O_TENANT = ED_OPT_OWN, O_JOURNAL, O_KEY, O_PUB, O_HELP, O_FROM, O_TO, O_ENTITY,
           O_OUT, O_EDIR, O_EKEYS };
    static const struct option options[] = {
        {"entity", required_argument, 0, O_ENTITY},
        {"out", required_argument, 0, O_OUT},
        {"evidence-dir", required_argument, 0, O_EDIR},
        {"evidence-keys", required_argument, 0, O_EKEYS},
        {"from", required_argument, 0, O_FROM},
        {"to", required_argument, 0, O_TO},
        {"tenant", required_argument, 0, O_TENANT},
        {"journal", required_argument, 0, O_JOURNAL},
        {"store", required_argument, 0, O_JOURNAL},
        {"key", required_argument, 0, O_KEY},
        {"pub", required_argument, 0, O_PUB},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *tenant = NULL, *key_path = NULL, *pub_path = NULL;
    const char *from = NULL, *to = NULL, *entity = NULL, *out = NULL, *edir = NULL,
               *ekeys = NULL;
    const char *dir = ed_store_default_location();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (opt) {
        case O_TENANT: tenant = optarg; break;
        case O_JOURNAL: dir = optarg; break;
        case O_KEY: key_path = optarg; break;
        case O_PUB: pub_path = optarg; break;
        case O_FROM: from = optarg; break;
        case O_TO: to = optarg; break;
        case O_ENTITY: entity = optarg; break;
        case O_OUT: out = optarg; break;
        case O_EDIR: edir = optarg; break;
        case O_EKEYS: ekeys = optarg; break;
        case O_HELP:
            fputs(usage, stdout);
            printf("\nThe journal by default: %s\n", ed_store_default_location());
            return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    int needs_key = strcmp(sub, "keygen") == 0 || strcmp(sub, "checkpoint") == 0;
    if (optind < argc - 1 || (needs_key && key_path == NULL) ||
        (strcmp(sub, "export") == 0 && tenant == NULL) ||
        (strcmp(sub, "package") == 0 && (tenant == NULL || out == NULL)) ||
        (from && !date_ok(from)) || (to && !date_ok(to))) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    if (strcmp(sub, "package") == 0) {
        ed_package_request rq = {.tenant = tenant, .from = from, .to = to, .entity = entity,
                                 .pub_path = pub_path};
        return package(dir, &rq, out, edir, ekeys);
    }
    ed_buf err = {0};
    int rc;
    ed_store *store = NULL;
    if (strcmp(sub, "keygen") != 0) {
        /* verify, checkpoint and export read: they never take the writer's
         * lock, so they run beside `edict serve` */
        ed_store_options so = {.mode = ED_STORE_READ};
        store = ed_store_open(dir, &so, &err);
        if (store == NULL) {
            fprintf(stderr, "edict: %s\n", err.data);
            ed_buf_free(&err);
            return ED_EXIT_HOST;
        }
    }
    if (strcmp(sub, "export") == 0) {
        rc = ed_store_export(store, tenant, from, to, stdout, stderr);
    } else if (strcmp(sub, "keygen") == 0) {
        rc = ed_key_generate(key_path, &err) == 0 ? 0 : 1;
        if (rc) {
            fprintf(stderr, "edict: %s\n", err.data);
        } else {
            printf("wrote %s (private, 0600) and %s.pub\n", key_path, key_path);
        }
    } else {
        ed_key *key = NULL;
        const char *path = strcmp(sub, "verify") == 0 ? pub_path : key_path;
        if (path != NULL) {
            key = strcmp(sub, "verify") == 0 ? ed_key_load_public(path, &err)
                                             : ed_key_load_private(path, &err);
            if (key == NULL) {
                fprintf(stderr, "edict: %s\n", err.data);
                ed_buf_free(&err);
                ed_store_close(store);
                return ED_EXIT_HOST;
            }
        }
        rc = strcmp(sub, "verify") == 0
                 ? ed_store_walk(store, tenant, key, NULL, NULL, NULL, stdout)
                 : ed_store_checkpoint(store, tenant, key, stdout);
        ed_key_free(key);
    }
    ed_store_close(store);
    ed_buf_free(&err);
    return rc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}

static const char retention_usage[] =
    "usage: edict retention status [--as-of DATE] [--tenant T] [--store S]\n"
    "       edict retention archive --as-of DATE [--tenant T] [--store S]\n"
    "\n"
    "status   per tenant: entries past their retention_until on DATE (default:\n"
    "         today, UTC), entries without a retention date (kept), and the\n"
    "         next date anything may go\n"
    "archive  remove the decisions past retention on DATE from the journal;\n"
    "         each leaves its sequence number and hash, so the chain still\n"
    "         verifies. Nothing is removed before its retention_until, nor\n"
    "         anything without one. DATE must be given.\n"
    "\n"
    "Evidence blobs (edict evidence) are covered too: a blob is kept until\n"
    "the latest retention_until of its upload (7 years) and of every decision\n"
    "naming its digest; archive removes the blobs past that (their journal\n"
    "entries, digest included, stay).\n"
    "\n"
    "--store S (or --journal DIR): the journal, a folder or postgres://…\n"
    "--evidence-dir DIR: the evidence vault (default: $EDICT_EVIDENCE_DIR,\n"
    "else the journal folder's evidence/)\n"
    "\n"
    "exit status: 0, or 1 when a chain does not verify or is in use.\n";

int ed_cmd_retention(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "status") && strcmp(argv[1], "archive"))) {
        int help = argc >= 2 && strcmp(argv[1], "--help") == 0;
        fputs(retention_usage, help ? stdout : stderr);
        return help ? ED_EXIT_OK : ED_EXIT_USAGE;
    }
    int archive = strcmp(argv[1], "archive") == 0;
    enum { O_TENANT = ED_OPT_OWN, O_JOURNAL, O_AS_OF, O_HELP, O_EVIDENCE };
    static const struct option options[] = {
        {"evidence-dir", required_argument, 0, O_EVIDENCE},
        {"tenant", required_argument, 0, O_TENANT},
        {"journal", required_argument, 0, O_JOURNAL},
        {"store", required_argument, 0, O_JOURNAL},
        {"as-of", required_argument, 0, O_AS_OF},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *tenant = NULL, *as_of = NULL, *evidence = NULL;
    const char *dir = ed_store_default_location();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (opt) {
        case O_TENANT: tenant = optarg; break;
        case O_JOURNAL: dir = optarg; break;
        case O_AS_OF: as_of = optarg; break;
        case O_EVIDENCE: evidence = optarg; break;
        case O_HELP: fputs(retention_usage, stdout); return ED_EXIT_OK;
        default: fputs(retention_usage, stderr); return ED_EXIT_USAGE;
        }
    }
    char today[16];
    if (as_of == NULL) {
        if (archive) {
            fputs("edict retention archive: give --as-of DATE (what is removed "
                  "cannot be brought back)\n", stderr);
            return ED_EXIT_USAGE;
        }
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        as_of = today;
    } else if (!date_ok(as_of)) {
        fprintf(stderr, "edict: --as-of takes a date YYYY-MM-DD, not '%s'\n", as_of);
        return ED_EXIT_USAGE;
    }
    ed_buf err = {0};
    ed_store_options so = {.mode = archive ? ED_STORE_WRITE : ED_STORE_READ};
    ed_store *store = ed_store_open(dir, &so, &err);
    if (store == NULL) {
        fprintf(stdout, "edict: %s\n", err.data);
        ed_buf_free(&err);
        return ED_EXIT_HOST;
    }
    int rc = ed_store_retention(store, tenant, as_of, archive, stdout);
    /* the blobs after the entries: what the decisions still cite is known
     * only once the chains verify */
    if (rc == 0) {
        rc = ed_vault_retention(evidence ? evidence : ed_vault_default_dir(dir), store, tenant,
                                as_of, archive, stdout);
    }
    ed_store_close(store);
    ed_buf_free(&err);
    return rc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}
