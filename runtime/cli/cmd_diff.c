/*
 * cmd_diff.c — `edict diff`: decide the same events under two sets of packs
 * (--from and --to) and report every decision that would change, for a
 * person (text blocks) or a machine (--json). The comparison itself is
 * diff.c's, and reading the events intake.c's; this file reads the options.
 *
 * Input is what `edict eval` takes: a JSON object, a JSON array of
 * objects, or NDJSON (an event may span lines when its first line is a lone
 * "{"). A bad event gets an error line and the rest are compared. Nothing
 * is journaled.
 */
#define _POSIX_C_SOURCE 200809L
#define cmd_diff_c

#include "cli.h"

#include "decider/diff.h"
#include "decider/decider.h"
#include "stdlib/time.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: edict diff --from DIR --to DIR [options] [FILE|-]\n"
    "\n"
    "Decide the events in FILE (or stdin) under two sets of packs, those in\n"
    "--from and those in --to, and report every decision that would change:\n"
    "flag, score, findings added and removed (by rule and severity, with\n"
    "counts), findings whose message or details changed, obligations,\n"
    "retention_until, errors, waivers, and the pack versions in force.\n"
    "Decision ids and pack digests alone are not a change. Nothing is\n"
    "journaled. Input: a JSON object, an array of objects, or NDJSON, as for\n"
    "edict eval.\n"
    "\n"
    "options:\n"
    "  --from DIR              a folder of packs deciding before (repeatable)\n"
    "  --to DIR                a folder of packs deciding after (repeatable)\n"
    "  --tenants DIR           tenant overlays, the same for both sides\n"
    "                          (default: none)\n"
    "  --tenant NAME           events belong to NAME: an event without a\n"
    "                          tenant takes it, one with another is refused\n"
    "  --as-of RFC3339         decide every event as of this moment (overrides\n"
    "                          the events' own as_of)\n"
    "  --json                  one JSON object per line for each changed\n"
    "                          event, then {\"summary\":{...}}\n"
    ED_CLI_LIMIT_HELP
    "  --help                  this text\n"
    "\n"
    "The text report has one block per changed event, then the line\n"
    "\"N events, N changed (green→red: n, ...), N unchanged, N refused\".\n"
    "An event refused on one side and decided on the other is a change; one\n"
    "that is bad, or refused on both sides, gets an error line in the report\n"
    "(as edict eval writes them) and on stderr, and counts as refused.\n"
    "\n"
    "exit status: 0 no decision changed; 4 some decision changed; 2 some\n"
    "events were bad or refused on both sides; 1 edict could not run\n"
    "(unreadable input, packs with problems: each is reported as file:line);\n"
    "64 bad usage. When several apply, the lowest of 1, 2, 4 wins.\n";

/* Read the packs of one side; print its problems. Returns the catalog
 * (never NULL); its `problems` say whether it can be used. */
static ed_catalog *side_catalog(ed_cli *cli, const char *option)
{
    ed_diags d = {0};
    ed_catalog *cat = ed_cli_catalog(cli, &d);
    if (cat->problems > 0) {
        ed_diags_print(&d, stderr, 0);
        fprintf(stderr, "edict: %d problem%s in the %s packs; nothing was "
                "compared (see `edict check`)\n", cat->problems,
                cat->problems == 1 ? "" : "s", option);
    }
    ed_diags_free(&d);
    return cat;
}

int ed_cmd_diff(int argc, char **argv)
{
    enum { O_FROM = ED_OPT_OWN, O_TO, O_TENANT, O_AS_OF, O_JSON };
    static const struct option options[] = {
        {"from", required_argument, 0, O_FROM},
        {"to", required_argument, 0, O_TO},
        {"tenants", required_argument, 0, ED_OPT_TENANTS},
        {"tenant", required_argument, 0, O_TENANT},
        {"as-of", required_argument, 0, O_AS_OF},
        {"json", no_argument, 0, O_JSON},
        {"limit-instructions", required_argument, 0, ED_OPT_LIMIT_INSTRUCTIONS},
        {"limit-memory", required_argument, 0, ED_OPT_LIMIT_MEMORY},
        {"limit-time", required_argument, 0, ED_OPT_LIMIT_TIME},
        {"help", no_argument, 0, ED_OPT_HELP},
        {0, 0, 0, 0}};
    ed_cli from_cli, to_cli;
    ed_cli_init(&from_cli);
    ed_cli_init(&to_cli);
    ed_diff_options diff_opt = {NULL, NULL, ED_DIFF_TEXT};
    int status = ED_EXIT_OK, opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case O_FROM: ed_cli_add_pack_dir(&from_cli, optarg); continue;
        case O_TO: ed_cli_add_pack_dir(&to_cli, optarg); continue;
        case O_TENANT: diff_opt.tenant = optarg; continue;
        case O_JSON: diff_opt.format = ED_DIFF_JSON; continue;
        case O_AS_OF: {
            ed_time t;
            char why[160];
            if (ed_time_parse(optarg, strlen(optarg), 0, &t, why, sizeof why) != 0) {
                fprintf(stderr, "edict: --as-of: %s\n", why);
                status = ED_EXIT_USAGE;
                goto done;
            }
            diff_opt.as_of = optarg;
            continue;
        }
        case ED_OPT_HELP:
            fputs(usage, stdout);
            goto done;
        default:
            break;
        }
        /* --tenants and the limits hold for both sides */
        int shared = opt == '?' ? 0 : ed_cli_option(&from_cli, opt, optarg);
        if (shared > 0) {
            ed_cli_option(&to_cli, opt, optarg);
            continue;
        }
        if (shared == 0) {
            fputs(usage, stderr);
        }
        status = ED_EXIT_USAGE;
        goto done;
    }
    if (from_cli.n_pack_dirs == 0 || to_cli.n_pack_dirs == 0) {
        fputs("edict diff: give the packs to compare with --from DIR and "
              "--to DIR\n", stderr);
        status = ED_EXIT_USAGE;
        goto done;
    }
    if (argc - optind > 1) {
        fputs("edict diff: give one input file (or - for stdin)\n", stderr);
        status = ED_EXIT_USAGE;
        goto done;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    FILE *in = ed_decider_open_input(path);
    if (in == NULL) {
        fprintf(stderr, "edict: cannot open %s: %s\n", path, strerror(errno));
        status = ED_EXIT_HOST;
        goto done;
    }

    ed_differ *differ = NULL;
    ed_buf err = {0};
    ed_catalog *from = side_catalog(&from_cli, "--from");
    ed_catalog *to = side_catalog(&to_cli, "--to");
    if (from->problems > 0 || to->problems > 0) {
        status = ED_EXIT_HOST;
        goto close;
    }
    differ = ed_differ_new(from, to, &diff_opt, &err);
    if (differ == NULL) {
        fprintf(stderr, "edict: %s\n", err.data ? err.data : "cannot compare");
        status = ED_EXIT_HOST;
        goto close;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    if (ed_differ_read_file(differ, in, path, stdout, stderr) != 0) {
        status = ED_EXIT_HOST;
    } else {
        const ed_diff_counts *counts = ed_differ_counts(differ);
        status = counts->refused ? ED_EXIT_BAD_INPUT
                 : counts->changed ? ED_EXIT_CHANGED : ED_EXIT_OK;
    }
    fflush(stdout);
close:
    if (in != stdin) {
        fclose(in);
    }
    ed_differ_free(differ);
    ed_buf_free(&err);
    ed_catalog_free(from);
    ed_catalog_free(to);
done:
    ed_cli_free(&from_cli);
    ed_cli_free(&to_cli);
    return status;
}
