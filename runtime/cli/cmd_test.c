/*
 * cmd_test.c — `edict test`: run the fixtures of packs and tenant overlays.
 *
 * A fixture file (a .lua file in a pack's tests folder) returns a list of
 *   { name = ..., event = {...}, expect = { flag = ..., findings = {...}, ... } }
 * decider/fixtures.c runs them (the path `edict eval` takes); this prints
 * an ok or FAIL line per fixture and the summary.
 */
#define _POSIX_C_SOURCE 200809L
#define cmd_test_c

#include "cli.h"

#include "decider/fixtures.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: edict test [--tenants DIR] [PACK_DIR...]\n"
    "\n"
    "Run the fixtures (tests/*.lua) of every pack in each PACK_DIR (default:\n"
    "the shipped rules/ and jurisdictions/, and tenants/). Prints one line per\n"
    "fixture, ok or FAIL with expected and got, and ends with\n"
    "'N passed, N failed'. A pack's fixtures run against every version of\n"
    "that pack and nothing else; a tenant's against its whole policy.\n"
    "\n"
    "options:\n"
    "  --tenants DIR   also run the fixtures of the tenant overlays in DIR\n"
    ED_CLI_LIMIT_HELP
    "  --help          this text\n"
    "\n"
    "exit status: 0 when every fixture passes, 1 otherwise.\n";

static void print_result(void *arg, const ed_fixture_result *r)
{
    FILE *out = arg;
    if (r->name == NULL) {
        fprintf(out, "FAIL - %s: %s\n", r->file, r->why);
    } else if (r->ok) {
        fprintf(out, "ok - %s: %s\n", r->file, r->name);
    } else {
        fprintf(out, "FAIL - %s: %s%s\n", r->file, r->name, r->why);
    }
}

int ed_cmd_test(int argc, char **argv)
{
    ed_cli cli;
    ed_cli_init(&cli);
    int status;
    if (ed_cli_parse_pack_command(argc, argv, &cli, 1, usage, &status) != 0) {
        ed_cli_free(&cli);
        return status;
    }
    ed_diags d = {0};
    ed_catalog *cat = ed_cli_catalog(&cli, &d);
    /* Packs with problems are reported and counted as one failure each;
     * the sound ones are still tested. */
    ed_diags_print(&d, stdout, 0);
    int passed = 0, failed = 0;
    if (ed_fixtures_run(cat, print_result, stdout, &passed, &failed) != 0) {
        fputs("edict: cannot start\n", stderr);
        status = ED_EXIT_HOST;
    } else {
        failed += cat->problems;
        printf("%d passed, %d failed\n", passed, failed);
        status = failed ? ED_EXIT_HOST : ED_EXIT_OK;
    }
    ed_catalog_free(cat);
    ed_diags_free(&d);
    ed_cli_free(&cli);
    return status;
}
