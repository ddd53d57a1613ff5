/*
 * cli.h — what the edict commands share: where the default packs live,
 * the common options (pack folders, tenants, limits), building the catalog
 * from them, and the commands' entry points.
 */
#ifndef EDICT_CLI_H
#define EDICT_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "engine/catalog.h"

#define EDICT_VERSION "0.1.0"

/* Exit statuses shared by the commands. */
#define ED_EXIT_OK 0
#define ED_EXIT_HOST 1     /* edict's own failure, or unusable packs */
#define ED_EXIT_BAD_INPUT 2
#define ED_EXIT_FLAGGED 3  /* --fail-on reached */
#define ED_EXIT_USAGE 64

typedef struct ed_cli {
    char **pack_dirs;      /* --packs or positional folders */
    size_t n_pack_dirs;
    const char *tenants_dir;
    int tenants_explicit;  /* a missing tenants folder is an error only then */
    ed_limits limits;
} ed_cli;

/* The folder holding the shipped rules/, jurisdictions/ and tenants/:
 * $EDICT_HOME, else <bin>/../share/edict when installed, else the source
 * tree edict was built in. */
const char *ed_home(void);

void ed_cli_init(ed_cli *cli);
void ed_cli_free(ed_cli *cli);
void ed_cli_add_pack_dir(ed_cli *cli, const char *dir);
/* getopt_long codes of the options every command shares. */
enum {
    ED_OPT_PACKS = 256,
    ED_OPT_TENANTS,
    ED_OPT_LIMIT_INSTRUCTIONS,
    ED_OPT_LIMIT_MEMORY,
    ED_OPT_LIMIT_TIME,
    ED_OPT_HELP,
    ED_OPT_OWN /* the first code free for a command's own options */
};

#define ED_CLI_SHARED_OPTIONS                                               \
    {"packs", required_argument, 0, ED_OPT_PACKS},                          \
    {"tenants", required_argument, 0, ED_OPT_TENANTS},                      \
    {"limit-instructions", required_argument, 0, ED_OPT_LIMIT_INSTRUCTIONS}, \
    {"limit-memory", required_argument, 0, ED_OPT_LIMIT_MEMORY},            \
    {"limit-time", required_argument, 0, ED_OPT_LIMIT_TIME},                \
    {"help", no_argument, 0, ED_OPT_HELP}

/* Apply a shared option (not --help, which prints the command's own
 * usage). Returns 1 when applied, 0 when opt is not a shared option, -1
 * when its value is bad (the message is printed). */
int ed_cli_option(ed_cli *cli, int opt, const char *arg);
/* Fill defaults for what was not given (rules/ and jurisdictions/ of
 * ed_home(), and its tenants/ unless pack folders were given), read and check everything. Diagnostics go to
 * d; the catalog is returned even when it has problems. */
ed_catalog *ed_cli_catalog(ed_cli *cli, ed_diags *d);

/* Long options every command that loads packs understands. */
#define ED_CLI_LIMIT_HELP                                                         \
    "  --limit-instructions N  instructions one rule may run (default 5000000)\n" \
    "  --limit-memory MB       memory one rule may add (default 16)\n"            \
    "  --limit-time MS         wall time one rule may take (default 1000)\n"

/* Parse the options of the commands that take pack folders (check, test,
 * packs): the shared options, and folders as arguments when
 * positional_packs. Returns 0, or -1 with the exit status in *status. */
int ed_cli_parse_pack_command(int argc, char **argv, ed_cli *cli,
                              int positional_packs, const char *usage,
                              int *status);

/* Each line "WHERE: ..." of lines with WHERE as a path that opens from
 * the current directory (ed_catalog_openable): what check and lint print. */
void ed_cli_openable_lines(const ed_catalog *c, ed_buf *lines);

int ed_cmd_eval(int argc, char **argv);
int ed_cmd_check(int argc, char **argv);
int ed_cmd_test(int argc, char **argv);
int ed_cmd_packs(int argc, char **argv);
int ed_cmd_packs_publish(int argc, char **argv);
int ed_cmd_audit(int argc, char **argv);
int ed_cmd_retention(int argc, char **argv);
int ed_cmd_diff(int argc, char **argv);
int ed_cmd_serve(int argc, char **argv);
int ed_cmd_db(int argc, char **argv);
int ed_cmd_new(int argc, char **argv);
int ed_cmd_events(int argc, char **argv);
int ed_cmd_lint(int argc, char **argv);
int ed_cmd_metrc(int argc, char **argv);
int ed_cmd_evidence(int argc, char **argv);
int ed_cmd_report(int argc, char **argv);
int ed_cmd_replay(int argc, char **argv);

/* Who runs this command, for the journal: "cli:<user name>". */
void ed_cli_who(char *out, size_t cap);

#endif
