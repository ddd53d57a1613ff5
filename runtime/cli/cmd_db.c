/*
 * cmd_db.c — `edict db`: the PostgreSQL store's schema. `migrate` applies
 * the numbered migrations this edict carries, each in one transaction;
 * `status` says where a database stands. A node refuses to serve on a
 * schema it does not know, so migrate before starting a new edict.
 */
#define cmd_db_c

#include "cli.h"

#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: edict db migrate --store postgres://user@host:port/db\n"
    "       edict db status [--store postgres://…]\n"
    "\n"
    "migrate  apply the migrations the database lacks, each in one\n"
    "         transaction, recorded in edict.schema_version; running it\n"
    "         again applies nothing. Run it as the role that owns the schema\n"
    "         (it makes the group role edict_app once; docs/DEPLOY.md).\n"
    "status   the database's schema version, each migration and when it was\n"
    "         applied, and what this edict would apply\n"
    "\n"
    "options:\n"
    "  --store S   the store (default: $EDICT_JOURNAL_DIR). The password comes\n"
    "              from PGPASSFILE, PGPASSWORD or the file\n"
    "              $EDICT_PG_PASSWORD_FILE names, and is never printed.\n"
    "  --help      this text\n"
    "\n"
    "exit status: 0; 1 when the database cannot be reached or migrated, or\n"
    "(status) is not at this edict's version.\n";

int ed_cmd_db(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "migrate") && strcmp(argv[1], "status"))) {
        int help = argc >= 2 && strcmp(argv[1], "--help") == 0;
        fputs(usage, help ? stdout : stderr);
        return help ? ED_EXIT_OK : ED_EXIT_USAGE;
    }
    int migrate = strcmp(argv[1], "migrate") == 0;
    enum { O_STORE = ED_OPT_OWN, O_HELP };
    static const struct option options[] = {
        {"store", required_argument, 0, O_STORE},
        {"journal", required_argument, 0, O_STORE},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *location = ed_store_default_location();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (opt) {
        case O_STORE: location = optarg; break;
        case O_HELP: fputs(usage, stdout); return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    ed_buf err = {0};
    int rc = migrate ? ed_store_migrate(location, stdout, &err)
                     : ed_store_schema_status(location, stdout, &err);
    if (rc < 0) {
        fprintf(stderr, "edict db %s: %s\n", argv[1], err.data);
    }
    ed_buf_free(&err);
    return rc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}
