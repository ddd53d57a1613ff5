/*
 * cmd_evidence.c — `edict evidence put|get|list`: the evidence vault from
 * the command line (store.h, "Evidence"; docs/AUDIT.md). put stores a
 * file's bytes and journals the upload; get checks a blob whole before
 * writing any of it out; list shows a tenant's uploads from its chain.
 */
#define _POSIX_C_SOURCE 200809L /* getpwuid_r, gmtime_r */
#define cmd_evidence_c

#include "cli.h"

#include "store/store.h"
#include "stdlib/time.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: edict evidence put FILE --tenant T --type TYPE --entity ENTITY [options]\n"
    "       edict evidence get DIGEST --tenant T [--out FILE] [options]\n"
    "       edict evidence list --tenant T [--entity E] [--type TYPE]\n"
    "                           [--from DATE] [--to DATE] [options]\n"
    "\n"
    "put   store FILE's bytes (- for standard input) in the tenant's evidence\n"
    "      vault, content-addressed by their SHA-512 and encrypted with\n"
    "      AES-256-GCM under the tenant's key; the same bytes twice are kept\n"
    "      once. The upload (who, when, digest, size, type, entity) is\n"
    "      journaled in the tenant's hash chain. Prints the digest.\n"
    "get   the bytes of a blob, to standard output or --out FILE, checked\n"
    "      whole (GCM tag and SHA-512) before any is written; a damaged blob\n"
    "      is an error naming its digest. The read is journaled.\n"
    "list  the tenant's uploads, one JSON line each (digest, size, type,\n"
    "      entity, by, at), filtered by entity, type and date (YYYY-MM-DD of\n"
    "      the upload, inclusive)\n"
    "\n"
    "options:\n"
    "  --store S           the journal: a folder, or postgres://user@host:port/db\n"
    "                      (default as `edict audit`); --journal DIR is the same\n"
    "  --evidence-dir DIR  the vault (default: $EDICT_EVIDENCE_DIR, else the\n"
    "                      journal folder's evidence/; a PostgreSQL store needs\n"
    "                      one, on storage every node shares)\n"
    "  --evidence-keys F   the key file: lines \"TENANT <64 hex>\" or \"* <64 hex>\"\n"
    "                      (a master key each tenant's key is derived from),\n"
    "                      kept outside the vault (default:\n"
    "                      $EDICT_EVIDENCE_KEY_FILE, else the master key in\n"
    "                      $EDICT_EVIDENCE_KEY)\n"
    "  --help              this text\n"
    "\n"
    "exit status: 0; 1 when the blob is missing or damaged, or storing failed;\n"
    "64 on a usage error.\n";

static void utc_now(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int date_ok(const char *s)
{
    ed_time t;
    char why[128];
    return strlen(s) == 10 && ed_time_parse(s, 10, 1, &t, why, sizeof why) == 0;
}

static int write_out(void *arg, const void *data, size_t n)
{
    return fwrite(data, 1, n, arg) == n ? 0 : -1;
}

static int print_entry(void *arg, const ed_entry *e)
{
    (void)arg;
    fwrite(e->bytes, 1, e->len, stdout);
    putchar('\n');
    return 0;
}

/* journal what happened and make it durable: 0, or -1 with err */
static int journal(ed_store *s, const ed_vault_event *ev, ed_buf *err)
{
    if (ed_vault_journal(s, ev, NULL, err) != 0) {
        return -1;
    }
    return ed_store_commit(s, ED_TICKET_ALL, err);
}

static int put(ed_store *s, ed_vault *v, const char *file, const char *tenant,
               const char *type, const char *entity, ed_buf *err)
{
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (in == NULL) {
        ed_buf_printf(err, "%s: cannot open", file);
        return -1;
    }
    char digest[129], by[300], at[32];
    uint64_t size = 0;
    int existed = 0;
    int rc = ed_vault_put_file(v, tenant, in, digest, &size, &existed, err);
    if (in != stdin) {
        fclose(in);
    }
    if (rc != 0) {
        return -1;
    }
    ed_cli_who(by, sizeof by);
    utc_now(at);
    ed_vault_event ev = {.kind = ED_VAULT_STORED, .tenant = tenant, .digest = digest,
                         .type = type, .entity = entity, .by = by, .at = at, .size = size,
                         .existed = existed};
    if (journal(s, &ev, err) != 0) {
        return -1;
    }
    printf("%s\n", digest);
    fprintf(stderr, "evidence %.16s… for tenant %s: %llu bytes%s\n", digest, tenant,
            (unsigned long long)size, existed ? " (already in the vault: kept once)" : "");
    return 0;
}

static int get(ed_store *s, ed_vault *v, const char *digest, const char *tenant,
               const char *out_path, ed_buf *err)
{
    uint64_t size = 0;
    /* the whole blob is checked before a byte of it goes out */
    int rc = ed_vault_read(v, tenant, digest, NULL, NULL, &size, err);
    if (rc == 1) {
        ed_buf_printf(err, "tenant %s has no evidence %s", tenant, digest);
        return -1;
    }
    if (rc != 0) {
        return -1;
    }
    FILE *out = stdout;
    char *tmp = NULL;
    if (out_path) {
        size_t n = strlen(out_path) + 8;
        tmp = malloc(n);
        if (tmp == NULL) {
            return -1;
        }
        snprintf(tmp, n, "%s.part", out_path);
        out = fopen(tmp, "wb");
        if (out == NULL) {
            ed_buf_printf(err, "%s: cannot write", tmp);
            free(tmp);
            return -1;
        }
    }
    rc = ed_vault_read(v, tenant, digest, write_out, out, &size, err);
    if (out_path) {
        if (fclose(out) != 0 && rc == 0) {
            ed_buf_printf(err, "%s: writing failed", tmp);
            rc = -1;
        }
        if (rc == 0 && rename(tmp, out_path) != 0) {
            ed_buf_printf(err, "%s: cannot rename into place", out_path);
            rc = -1;
        }
        if (rc != 0) {
            remove(tmp);
        }
        free(tmp);
    } else if (fflush(stdout) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        return -1;
    }
    char by[300], at[32];
    ed_cli_who(by, sizeof by);
    utc_now(at);
    ed_vault_event ev = {.kind = ED_VAULT_READ, .tenant = tenant, .digest = digest,
                         .by = by, .at = at};
    return journal(s, &ev, err);
}

int ed_cmd_evidence(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? ED_EXIT_USAGE : ED_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "put") && strcmp(sub, "get") && strcmp(sub, "list")) {
        fprintf(stderr, "edict evidence: unknown subcommand '%s'\n\n%s", sub, usage);
        return ED_EXIT_USAGE;
    }
    enum { O_TENANT = ED_OPT_OWN, O_JOURNAL, O_TYPE, O_ENTITY, O_FROM, O_TO, O_OUT,
           O_DIR, O_KEYS, O_HELP };
    static const struct option options[] = {
        {"tenant", required_argument, 0, O_TENANT},
        {"journal", required_argument, 0, O_JOURNAL},
        {"store", required_argument, 0, O_JOURNAL},
        {"type", required_argument, 0, O_TYPE},
        {"entity", required_argument, 0, O_ENTITY},
        {"from", required_argument, 0, O_FROM},
        {"to", required_argument, 0, O_TO},
        {"out", required_argument, 0, O_OUT},
        {"evidence-dir", required_argument, 0, O_DIR},
        {"evidence-keys", required_argument, 0, O_KEYS},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *tenant = NULL, *type = NULL, *entity = NULL, *from = NULL, *to = NULL;
    const char *out = NULL, *vdir = NULL, *keys = NULL;
    const char *location = ed_store_default_location();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (opt) {
        case O_TENANT: tenant = optarg; break;
        case O_JOURNAL: location = optarg; break;
        case O_TYPE: type = optarg; break;
        case O_ENTITY: entity = optarg; break;
        case O_FROM: from = optarg; break;
        case O_TO: to = optarg; break;
        case O_OUT: out = optarg; break;
        case O_DIR: vdir = optarg; break;
        case O_KEYS: keys = optarg; break;
        case O_HELP: fputs(usage, stdout); return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    const char *arg = optind < argc - 1 ? argv[optind + 1] : NULL;
    int list = strcmp(sub, "list") == 0;
    int extra = optind + (list ? 0 : 1) < argc - 1;
    if (tenant == NULL || extra || (!list && arg == NULL) ||
        (strcmp(sub, "put") == 0 && (type == NULL || entity == NULL)) ||
        (from && !date_ok(from)) || (to && !date_ok(to))) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    if (strcmp(sub, "get") == 0 && !ed_vault_digest_ok(arg)) {
        fprintf(stderr, "edict: '%s' is not a SHA-512 digest (128 lowercase hex digits)\n",
                arg);
        return ED_EXIT_USAGE;
    }
    ed_buf err = {0};
    int rc = -1;
    ed_store_options so = {.mode = list ? ED_STORE_READ : ED_STORE_WRITE};
    ed_store *store = ed_store_open(location, &so, &err);
    ed_vault *vault = NULL;
    if (store == NULL) {
        goto out;
    }
    if (list) {
        ed_vault_query q = {.tenant = tenant, .entity = entity, .type = type, .from = from,
                            .to = to};
        rc = ed_vault_list(store, &q, print_entry, NULL);
        if (rc != 0) {
            ed_buf_printf(&err, "the journal of tenant %s does not verify: run `edict audit "
                                "verify --tenant %s`", tenant, tenant);
        }
        goto out;
    }
    vault = ed_vault_open(vdir ? vdir : ed_vault_default_dir(location), keys, &err);
    if (vault == NULL) {
        goto out;
    }
    rc = strcmp(sub, "put") == 0 ? put(store, vault, arg, tenant, type, entity, &err)
                                 : get(store, vault, arg, tenant, out, &err);
out:
    if (rc != 0 && err.len) {
        fprintf(stderr, "edict: %s\n", err.data);
    }
    ed_vault_close(vault);
    if (store) {
        ed_store_close(store);
    }
    ed_buf_free(&err);
    return rc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}
