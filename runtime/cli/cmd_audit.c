/*
 * cmd_audit.c — `edict audit`: work on the audit journal. `verify` walks
 * the per-tenant hash chains and names the first broken link.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#define cmd_audit_c

#include "cli.h"

#include "store/store.h"
#include "stdlib/time.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: edict audit verify [--tenant T] [--store S] [--pub FILE]\n"
    "       edict audit keygen --key FILE\n"
    "       edict audit checkpoint --key FILE [--tenant T] [--store S]\n"
    "       edict audit export --tenant T [--from DATE] [--to DATE] [--store S]\n"
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
    "\n"
    "options:\n"
    "  --tenant T      only this tenant\n"
    "  --store S       the journal: a folder, or postgres://user@host:port/db\n"
    "                  (default: $EDICT_JOURNAL_DIR, else $EDICT_HOME/var/journal,\n"
    "                  else $XDG_STATE_HOME/edict/journal, else\n"
    "                  ~/.local/state/edict/journal: the last line names it);\n"
    "                  --journal DIR is the same option\n"
    "  --key FILE      the private key (keygen, checkpoint)\n"
    "  --pub FILE      the public key (verify)\n"
    "  --help          this text\n"
    "\n"
    "exit status: 0 when everything verifies (or was made), 1 otherwise.\n";

static int date_ok(const char *s)
{
    ed_time t;
    char why[128];
    return strlen(s) == 10 && ed_time_parse(s, 10, 1, &t, why, sizeof why) == 0;
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
    if (strcmp(sub, "verify") && strcmp(sub, "keygen") && strcmp(sub, "checkpoint") &&
        strcmp(sub, "export")) {
        fprintf(stderr, "edict audit: unknown subcommand '%s'\n\n%s", sub, usage);
        return ED_EXIT_USAGE;
    }
    enum { O_TENANT = ED_OPT_OWN, O_JOURNAL, O_KEY, O_PUB, O_HELP, O_FROM, O_TO };
    static const struct option options[] = {
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
    const char *from = NULL, *to = NULL;
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
        (from && !date_ok(from)) || (to && !date_ok(to))) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
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
