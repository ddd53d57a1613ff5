/*
 * cmd_replay.c — `edict replay`: decide journaled decisions again from
 * the event bytes their entries keep and the catalog (pack versions, by
 * digest) the store kept for them, and say whether each came out byte for
 * byte the same (decider.h's replayer does the work). The tenant's chain
 * is verified first: a changed event or decision is a broken chain, and
 * nothing of it is replayed.
 */
#define _GNU_SOURCE /* open_memstream */
#define cmd_replay_c

#include "cli.h"

#include "decider/decider.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: edict replay DECISION_ID [--tenant T] [--store S] [--json]\n"
    "       edict replay --tenant T [--from DATE] [--to DATE] [--store S] [--json]\n"
    "       edict replay --package FILE [--json]\n"
    "\n"
    "Decide journaled decisions again, from the event bytes kept with each\n"
    "decision and the pack versions that decided it (kept in the store by\n"
    "digest, whatever the packs are now), as of the decision's as_of, and\n"
    "say for each whether the decision came out byte for byte the same, or\n"
    "where it differs. Rules that asked Metrc get the answers their decision\n"
    "recorded (metrc_answers); Metrc is never asked. The tenant's chain\n"
    "(every tenant's, for a decision id without --tenant) is verified first:\n"
    "a changed byte anywhere in it is reported and nothing is replayed. With\n"
    "--package, the selected decisions of a regulator package (`edict audit\n"
    "package`), offline, from the event bytes and pack versions it carries;\n"
    "the package is checked first, as `edict audit verify-package` does.\n"
    "\n"
    "options:\n"
    "  --tenant T      the tenant (needed for a range)\n"
    "  --from DATE, --to DATE\n"
    "                  the decisions whose occurred_at falls in this period\n"
    "                  (YYYY-MM-DD, inclusive; either may be left open)\n"
    "  --store S       the journal: a folder, or postgres://user@host:port/db\n"
    "                  (default: $EDICT_JOURNAL_DIR, else $EDICT_HOME/var/journal,\n"
    "                  else $XDG_STATE_HOME/edict/journal, else\n"
    "                  ~/.local/state/edict/journal); --journal DIR is the same\n"
    "  --package FILE  replay a regulator package's decisions, without a store\n"
    "  --json          one JSON object per decision ({\"decision_id\", \"tenant\",\n"
    "                  \"seq\", \"result\": \"identical\"|\"different\"|\"not_replayable\",\n"
    "                  \"why\", and \"replayed\": the decision made again when it\n"
    "                  differs}), then {\"summary\": {…}}\n"
    ED_CLI_LIMIT_HELP
    "  --help          this text\n"
    "\n"
    "exit status: 0 every decision identical; 1 one differs, or the chain does\n"
    "not verify; 2 one could not be replayed (no event kept, archived, its\n"
    "packs missing) or none matched; 64 usage.\n";

typedef struct run {
    ed_replayer *r;
    const char *id, *from, *to;
    int json;
    size_t seen, same, different, cannot;
    ed_buf again, why, line;
} run;

static int in_period(const run *u, const char *occurred_at)
{
    if (strlen(occurred_at) < 10) {
        return u->from == NULL && u->to == NULL;
    }
    return (u->from == NULL || strncmp(occurred_at, u->from, 10) >= 0) &&
           (u->to == NULL || strncmp(occurred_at, u->to, 10) <= 0);
}

static int replay_one(void *arg, const ed_entry *e)
{
    run *u = arg;
    if (e->decision_id[0] == '\0') {
        return 0; /* a host record: a reload, an upload, a package */
    }
    const char *tenant = e->tenant[0] ? e->tenant : "(the decision's)";
    if (u->id ? strcmp(e->decision_id, u->id) != 0 : !in_period(u, e->occurred_at)) {
        return 0;
    }
    u->seen++;
    int rc = ed_replay_entry(u->r, e, &u->again, &u->why);
    const char *result = rc == ED_REPLAY_SAME ? "identical"
                         : rc == ED_REPLAY_DIFFERENT ? "different" : "not_replayable";
    *(rc == ED_REPLAY_SAME ? &u->same : rc == ED_REPLAY_DIFFERENT ? &u->different
                                                                  : &u->cannot) += 1;
    ed_buf *l = &u->line;
    ed_buf_reset(l);
    if (u->json) {
        ed_buf_puts(l, "{\"decision_id\":");
        ed_json_escape(l, e->decision_id, strlen(e->decision_id));
        ed_buf_puts(l, ",\"tenant\":");
        ed_json_escape(l, tenant, strlen(tenant));
        ed_buf_printf(l, ",\"seq\":%llu,\"result\":\"%s\"", (unsigned long long)e->seq,
                      result);
        if (rc != ED_REPLAY_SAME) {
            ed_buf_puts(l, ",\"why\":");
            ed_json_escape(l, u->why.data ? u->why.data : "", u->why.len);
        }
        if (rc == ED_REPLAY_DIFFERENT) {
            ed_buf_puts(l, ",\"replayed\":");
            ed_buf_append(l, u->again.data, u->again.len);
        }
        ed_buf_puts(l, "}\n");
    } else if (rc == ED_REPLAY_SAME) {
        ed_buf_printf(l, "%s (tenant %s, entry %llu): identical\n", e->decision_id, tenant,
                      (unsigned long long)e->seq);
    } else {
        ed_buf_printf(l, "%s (tenant %s, entry %llu): %s: %s\n", e->decision_id, tenant,
                      (unsigned long long)e->seq,
                      rc == ED_REPLAY_DIFFERENT ? "DIFFERENT" : "not replayable",
                      u->why.data ? u->why.data : "");
    }
    fwrite(l->data, 1, l->len, stdout);
    return u->id ? 1 : 0; /* a decision id is found once */
}

static void summary(const run *u)
{
    if (u->json) {
        printf("{\"summary\":{\"replayed\":%zu,\"identical\":%zu,\"different\":%zu,"
               "\"not_replayable\":%zu}}\n", u->seen, u->same, u->different, u->cannot);
    } else if (u->id == NULL) {
        printf("%zu decision%s replayed: %zu identical, %zu different, %zu not replayable\n",
               u->seen, u->seen == 1 ? "" : "s", u->same, u->different, u->cannot);
    }
}

/* A regulator package: checked whole first, then its selected decisions
 * decided again from what it carries. */
static int replay_package(const char *path, run *u, ed_cli *cli)
{
    char *msgs = NULL;
    size_t msgs_len = 0;
    FILE *m = open_memstream(&msgs, &msgs_len);
    int verified = m ? ed_package_verify(path, m) : -1;
    if (m) {
        fclose(m);
    }
    if (verified != 0) {
        fputs(msgs ? msgs : "", stderr);
        fprintf(stderr, "edict replay: %s does not verify: nothing replayed\n", path);
        free(msgs);
        return ED_EXIT_HOST;
    }
    free(msgs);
    ed_buf err = {0};
    int status = ED_EXIT_OK;
    const char *base = getenv("TMPDIR");
    char *kept = NULL;
    if (asprintf(&kept, "%s/edict-package-XXXXXX", base && base[0] ? base : "/tmp") < 0 ||
        mkdtemp(kept) == NULL) {
        fprintf(stderr, "edict replay: cannot make a folder to unpack into\n");
        free(kept);
        return ED_EXIT_HOST;
    }
    u->r = ed_replayer_new_kept(kept, &cli->limits, &err);
    if (u->r == NULL || ed_package_each_decision(path, kept, replay_one, u, &err) != 0) {
        fprintf(stderr, "edict replay: %s\n", err.data ? err.data : "cannot replay");
        status = ED_EXIT_HOST;
    } else {
        summary(u);
        status = u->different ? ED_EXIT_HOST : u->cannot || u->seen == 0 ? ED_EXIT_BAD_INPUT
                                                                         : ED_EXIT_OK;
    }
    ed_replayer_free(u->r);
    u->r = NULL;
    ed_remove_tree(kept);
    free(kept);
    ed_buf_free(&err);
    ed_buf_free(&u->again);
    ed_buf_free(&u->why);
    ed_buf_free(&u->line);
    return status;
}

int ed_cmd_replay(int argc, char **argv)
{
    enum { OPT_TENANT = ED_OPT_OWN, OPT_FROM, OPT_TO, OPT_STORE, OPT_JSON, OPT_PACKAGE };
    static const struct option opts[] = {
        {"tenant", required_argument, 0, OPT_TENANT},
        {"from", required_argument, 0, OPT_FROM},
        {"to", required_argument, 0, OPT_TO},
        {"store", required_argument, 0, OPT_STORE},
        {"journal", required_argument, 0, OPT_STORE},
        {"json", no_argument, 0, OPT_JSON},
        {"package", required_argument, 0, OPT_PACKAGE},
        {"limit-instructions", required_argument, 0, ED_OPT_LIMIT_INSTRUCTIONS},
        {"limit-memory", required_argument, 0, ED_OPT_LIMIT_MEMORY},
        {"limit-time", required_argument, 0, ED_OPT_LIMIT_TIME},
        {"help", no_argument, 0, ED_OPT_HELP},
        {0, 0, 0, 0}};
    const char *tenant = NULL, *location = NULL, *package = NULL;
    run u;
    memset(&u, 0, sizeof u);
    ed_cli cli;
    ed_cli_init(&cli);
    int opt, status = ED_EXIT_OK;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_TENANT: tenant = optarg; break;
        case OPT_FROM: u.from = optarg; break;
        case OPT_TO: u.to = optarg; break;
        case OPT_STORE: location = optarg; break;
        case OPT_JSON: u.json = 1; break;
        case OPT_PACKAGE: package = optarg; break;
        case ED_OPT_HELP:
            fputs(usage, stdout);
            ed_cli_free(&cli);
            return ED_EXIT_OK;
        default:
            if (opt >= ED_OPT_LIMIT_INSTRUCTIONS && opt <= ED_OPT_LIMIT_TIME) {
                if (ed_cli_option(&cli, opt, optarg) < 0) {
                    ed_cli_free(&cli);
                    return ED_EXIT_USAGE;
                }
                break;
            }
            fputs(usage, stderr);
            ed_cli_free(&cli);
            return ED_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        u.id = argv[optind++];
    }
    if (package != NULL) {
        if (optind < argc || u.id || tenant || u.from || u.to || location) {
            fputs("edict replay: --package FILE takes no decision id, tenant, period or "
                  "store\n", stderr);
            ed_cli_free(&cli);
            return ED_EXIT_USAGE;
        }
        status = replay_package(package, &u, &cli);
        ed_cli_free(&cli);
        return status;
    }
    if (optind < argc || (u.id == NULL && tenant == NULL) ||
        (u.id != NULL && (u.from || u.to))) {
        fputs(u.id == NULL && tenant == NULL
                  ? "edict replay: give a decision id, or --tenant (with --from/--to)\n"
                  : "edict replay: a decision id, or --from/--to: not both\n",
              stderr);
        ed_cli_free(&cli);
        return ED_EXIT_USAGE;
    }
    for (const char *d = u.from; d; d = d == u.from ? u.to : NULL) {
        if (strlen(d) != 10 || d[4] != '-' || d[7] != '-') {
            fprintf(stderr, "edict replay: %s: not a date (YYYY-MM-DD)\n", d);
            ed_cli_free(&cli);
            return ED_EXIT_USAGE;
        }
    }
    if (location == NULL) {
        location = ed_store_default_location();
    }
    ed_buf err = {0};
    ed_store_options so = {.mode = ED_STORE_READ};
    ed_store *store = ed_store_open(location, &so, &err);
    if (store == NULL) {
        fprintf(stderr, "edict replay: %s\n", err.data);
        ed_buf_free(&err);
        ed_cli_free(&cli);
        return ED_EXIT_HOST;
    }
    /* verify first: nothing of a chain that does not verify is replayed */
    char *msgs = NULL;
    size_t msgs_len = 0;
    FILE *m = open_memstream(&msgs, &msgs_len);
    int walked = m ? ed_store_walk(store, tenant, NULL, NULL, NULL, NULL, m) : -1;
    if (m) {
        fclose(m);
    }
    if (walked != 0) {
        if (walked == 2) {
            fprintf(stderr, "edict replay: tenant %s has no journal in %s\n", tenant,
                    location);
            status = ED_EXIT_BAD_INPUT;
        } else {
            fputs(msgs ? msgs : "", stderr);
            fprintf(stderr, "edict replay: the journal does not verify: nothing replayed\n");
            status = ED_EXIT_HOST;
        }
        goto out;
    }
    u.r = ed_replayer_new(store, &cli.limits, &err);
    if (u.r == NULL) {
        fprintf(stderr, "edict replay: %s\n", err.data);
        status = ED_EXIT_HOST;
        goto out;
    }
    FILE *quiet = fopen("/dev/null", "w");
    walked = ed_store_walk(store, tenant, NULL, replay_one, &u, NULL, quiet ? quiet : stderr);
    if (quiet) {
        fclose(quiet);
    }
    summary(&u);
    if (walked != 0) {
        fprintf(stderr, "edict replay: the journal changed while it was read\n");
        status = ED_EXIT_HOST;
    } else if (u.different > 0) {
        status = ED_EXIT_HOST;
    } else if (u.cannot > 0) {
        status = ED_EXIT_BAD_INPUT;
    } else if (u.seen == 0) {
        if (u.id) {
            fprintf(stderr, "edict replay: no decision %s%s%s\n", u.id,
                    tenant ? " of tenant " : "", tenant ? tenant : "");
        } else {
            fprintf(stderr, "edict replay: no decision of tenant %s in that period\n", tenant);
        }
        status = ED_EXIT_BAD_INPUT;
    }
out:
    ed_replayer_free(u.r);
    free(msgs);
    ed_buf_free(&u.again);
    ed_buf_free(&u.why);
    ed_buf_free(&u.line);
    ed_store_close(store);
    ed_buf_free(&err);
    ed_cli_free(&cli);
    return status;
}
