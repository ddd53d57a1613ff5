/*
 * cmd_publish.c — `edict packs publish DIR`: the pack tree under DIR (its
 * files and their SHA-256) stored in a PostgreSQL store as a new
 * generation. Every `edict serve` node on that database hears of it
 * (LISTEN/NOTIFY, and a poll), builds and vets it as a reload does, and
 * serves it when it passes; one that does not pass is refused by each
 * node as a reload would be (the current generation stays).
 */
#define _POSIX_C_SOURCE 200809L
#define cmd_publish_c

#include "cli.h"

#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: edict packs publish DIR [--store postgres://user@host:port/db] [--by NAME]\n"
    "\n"
    "Store the packs under DIR (every file, with its SHA-256) in the database\n"
    "as a new generation. Each edict serve node on that database builds and\n"
    "vets it as a reload does and serves it in place of its configured pack\n"
    "folders when it passes (GET /v1/packs names it); a node where it does not\n"
    "pass keeps what it serves and logs why.\n"
    "\n"
    "options:\n"
    "  --store S   the store (default: $EDICT_JOURNAL_DIR): PostgreSQL only\n"
    "  --by NAME   who published (default: $USER@host)\n"
    "  --help      this text\n"
    "\n"
    "exit status: 0 published; 1 not (DIR cannot be read, the store cannot be\n"
    "reached or is not PostgreSQL).\n";

int ed_cmd_packs_publish(int argc, char **argv)
{
    enum { O_STORE = ED_OPT_OWN, O_BY, O_HELP };
    static const struct option options[] = {
        {"store", required_argument, 0, O_STORE},
        {"journal", required_argument, 0, O_STORE},
        {"by", required_argument, 0, O_BY},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *location = ed_store_default_location();
    char by[256];
    {
        char host[128] = "";
        gethostname(host, sizeof host - 1);
        const char *user = getenv("USER");
        snprintf(by, sizeof by, "%s@%s", user && *user ? user : "someone", host);
    }
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case O_STORE: location = optarg; break;
        case O_BY: snprintf(by, sizeof by, "%s", optarg); break;
        case O_HELP: fputs(usage, stdout); return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    const char *dir = argv[optind];
    ed_buf err = {0};
    ed_store_options so = {.mode = ED_STORE_READ};
    ed_store *s = ed_store_open(location, &so, &err);
    if (s == NULL) {
        fprintf(stderr, "edict packs publish: %s\n", err.data);
        ed_buf_free(&err);
        return ED_EXIT_HOST;
    }
    long long id = ed_store_packs_publish(s, dir, by, &err);
    if (id == ED_STORE_UNSUPPORTED) {
        fprintf(stderr, "edict packs publish: %s is not a PostgreSQL store: nodes on a "
                "folder read their packs from files\n", location);
    } else if (id < 0) {
        fprintf(stderr, "edict packs publish: %s\n", err.data ? err.data : "failed");
    } else {
        printf("published %s as generation %lld\n", dir, id);
    }
    ed_store_close(s);
    ed_buf_free(&err);
    return id > 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}
