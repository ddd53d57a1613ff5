/*
 * cmd_serve.c — `edict serve`: its options, the configuration, then the
 * server (runtime/server/server.h) until it is told to stop.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include "server/server.h"
#include "stdlib/hash.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: edict serve [--config FILE] [--hash-token]\n"
    "\n"
    "Serve the HTTP API (README.md, \"edict serve\"): evaluate, webhooks,\n"
    "decisions, audit verify, packs, reload, health and metrics. Packs are\n"
    "reloaded on SIGHUP, POST /v1/admin/reload and changes under the pack\n"
    "folders; a reload that does not pass check and the fixtures keeps the\n"
    "current packs. SIGTERM or SIGINT: stop accepting, finish in-flight\n"
    "requests, flush the journal, exit.\n"
    "\n"
    "options:\n"
    "  --config FILE   the configuration (a Lua file returning a table);\n"
    "                  without it: 127.0.0.1:8080, the shipped packs, no\n"
    "                  tenant tokens\n"
    "  --hash-token    read a token on stdin and print the SHA-256 the\n"
    "                  configuration wants (token_sha256 = ...)\n"
    "  --check         read the configuration and the packs, then exit\n"
    "  --help          this text\n"
    "\n"
    "exit status: 0 after a clean shutdown; 1 when it cannot start; 64 usage.\n";

static int hash_token(void)
{
    char line[4096];
    if (fgets(line, sizeof line, stdin) == NULL) {
        fputs("edict: no token on stdin\n", stderr);
        return ED_EXIT_USAGE;
    }
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (n < 16) {
        fputs("edict: a token needs at least 16 characters\n", stderr);
        return ED_EXIT_USAGE;
    }
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(line, n, hex);
    puts(hex);
    return ED_EXIT_OK;
}

int ed_cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"hash-token", no_argument, 0, 't'},
        {"check", no_argument, 0, 'k'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *config_path = NULL;
    int only_check = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config_path = optarg; break;
        case 't': return hash_token();
        case 'k': only_check = 1; break;
        case 'h': fputs(usage, stdout); return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "edict: serve takes no arguments ('%s')\n\n%s", argv[optind], usage);
        return ED_EXIT_USAGE;
    }
    ed_config cfg;
    ed_config_defaults(&cfg);
    ed_buf err = {0};
    if (config_path && ed_config_load(&cfg, config_path, &err) != 0) {
        fputs(err.data, stderr);
        ed_buf_free(&err);
        ed_config_free(&cfg);
        return ED_EXIT_HOST;
    }
    int status = ed_serve(&cfg, only_check);
    ed_config_free(&cfg);
    ed_buf_free(&err);
    return status == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}
