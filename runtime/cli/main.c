/*
 * main.c — the edict command: dispatch to eval, check, test and packs.
 */
#define main_c

#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: edict <command> [options]\n"
    "\n"
    "edict decides compliance events with sandboxed Lua rule packs.\n"
    "\n"
    "commands:\n"
    "  eval [FILE|-]       decide events (JSON object, array or NDJSON) and\n"
    "                      write one decision per line\n"
    "  check [PACK_DIR...] load packs and report every problem with file:line\n"
    "  test [PACK_DIR...]  run the packs' fixtures\n"
    "  lint [PACK_DIR...]  luacheck with the sandbox's globals, and edict's own\n"
    "                      checks (ctx.parms) with file:line\n"
    "  packs [publish DIR] list the loaded packs; publish a tree to every node\n"
    "  new pack DIR        write a new pack that passes check and test, to\n"
    "                      start from\n"
    "  events [TYPE]       the event catalogue: types, the fields of their\n"
    "                      data, a JSON Schema for integrators\n"
    "  diff                what changes between two sets of packs, event by event\n"
    "  audit verify|keygen|checkpoint|export|package|verify-package\n"
    "                      the audit journal: verify its hash chains, sign\n"
    "                      their heads, export a tenant's entries or a\n"
    "                      regulator package (tar) of them\n"
    "  serve               the HTTP service: evaluate, webhooks, decisions,\n"
    "                      audit, packs, hot reload, metrics\n"
    "  evidence put|get|list\n"
    "                      the evidence vault: store a file, content-addressed\n"
    "                      and encrypted; read it back checked; list uploads\n"
    "  report monthly      a tenant's month for a compliance manager: flags,\n"
    "                      findings, obligations, waste, waivers, evidence\n"
    "  replay DECISION_ID|--tenant T [--from D --to D]\n"
    "                      decide journaled decisions again from the event\n"
    "                      bytes and pack versions kept with them; byte for\n"
    "                      byte the same, or where they differ\n"
    "  retention status|archive\n"
    "                      what is past its retention date; archive it\n"
    "  db migrate|status   the PostgreSQL store's schema\n"
    "  metrc sync|outbox|status\n"
    "                      Metrc: pull a licence's data into the store; the\n"
    "                      outbox of writes for Metrc\n"
    "\n"
    "  edict <command> --help   options of a command (also -h, edict help <command>)\n"
    "  edict --version          edict's version and the pack API it implements\n"
    "\n"
    "Default packs: rules/ and jurisdictions/ (and tenants/) under EDICT_HOME,\n"
    "else the install's share/edict, else the source tree edict was built in.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    char help_flag[] = "--help";
    if (strcmp(argv[1], "help") == 0 && argc > 2) {
        /* edict help eval [verify]: edict eval [verify] --help */
        argv[1] = argv[2];
        argv[2] = help_flag;
    }
    /* -h is --help for every command and subcommand */
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0) {
            argv[i] = help_flag;
        }
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return ED_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("edict %s (pack API %d)\n", EDICT_VERSION, ED_PACK_API);
        return ED_EXIT_OK;
    }
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {"eval", ed_cmd_eval},
        {"check", ed_cmd_check},
        {"test", ed_cmd_test},
        {"packs", ed_cmd_packs},
        {"audit", ed_cmd_audit},
        {"retention", ed_cmd_retention},
        {"serve", ed_cmd_serve},
        {"diff", ed_cmd_diff},
        {"new", ed_cmd_new},
        {"events", ed_cmd_events},
        {"lint", ed_cmd_lint},
        {"db", ed_cmd_db},
        {"metrc", ed_cmd_metrc},
        {"evidence", ed_cmd_evidence},
        {"report", ed_cmd_report},
        {"replay", ed_cmd_replay},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "edict: unknown command '%s'\n\n%s", cmd, usage);
    return ED_EXIT_USAGE;
}
