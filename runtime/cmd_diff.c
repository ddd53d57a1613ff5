/*
 * cmd_diff.c — `edict diff`: decide the same events under two sets of packs
 * (--from and --to) and report every decision that would change, for a
 * person (text blocks) or a machine (--json). The comparison itself is
 * diff.c's; this file reads the options and the events.
 *
 * Input is what `edict eval` takes: a JSON object, a JSON array of
 * objects, or NDJSON (an event may span lines when its first line is a lone
 * "{"). A bad event gets an error line and the rest are compared. Nothing
 * is journaled.
 */
#define _POSIX_C_SOURCE 200809L
#define cmd_diff_c

#include "cli.h"

#include "diff.h"
#include "json.h"
#include "../stdlib/time.h"

#include <errno.h>
#include <getopt.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_EVENT_BYTES ((size_t)8 << 20)

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

typedef struct diff_run {
    ed_differ *differ;
    lua_State *intake;
    int host_failure;
    ed_buf out, err;
} diff_run;

/* Write what the differ appended to run->out. */
static void flush_report(diff_run *run)
{
    if (run->out.len > 0) {
        fwrite(run->out.data, 1, run->out.len, stdout);
        ed_buf_reset(&run->out);
    }
}

static void report_bad(diff_run *run, const char *unit, long where,
                       const char *message)
{
    ed_differ_refuse(run->differ, unit, where, NULL, message, &run->out);
    flush_report(run);
    fprintf(stderr, "edict: %s %ld: %s\n", unit, where, message);
}

/* Compare the decoded event at the top of the intake stack (popped). */
static void compare_event(diff_run *run, const char *unit, long where)
{
    ed_diff_result r = ed_differ_event(run->differ, run->intake, unit, where,
                                       NULL, 0, &run->out, &run->err);
    flush_report(run);
    if (r == ED_DIFF_REFUSED) {
        fprintf(stderr, "edict: %s %ld: %s\n", unit, where, run->err.data);
    } else if (r == ED_DIFF_HOST_FAILURE) {
        fprintf(stderr, "edict: %s\n", run->err.data);
        run->host_failure = 1;
    }
}

static void report_json_error(diff_run *run, long line)
{
    ed_buf msg = {0};
    ed_buf_printf(&msg, "invalid JSON: %s", run->err.data);
    report_bad(run, "line", line, msg.data);
    ed_buf_free(&msg);
}

/* Input must be UTF-8. Returns 1, or 0 with the reason in run->err. */
static int utf8_ok(diff_run *run, const char *text, size_t len)
{
    size_t bad;
    ed_buf_reset(&run->err);
    if (ed_utf8_valid(text, len, &bad)) {
        return 1;
    }
    ed_buf_printf(&run->err, "not UTF-8 at byte %zu", bad + 1);
    return 0;
}

static void compare_text(diff_run *run, const char *text, size_t len, long line)
{
    if (!utf8_ok(run, text, len) ||
        ed_json_decode(run->intake, text, len, &run->err) != 0) {
        report_json_error(run, line);
        return;
    }
    compare_event(run, "line", line);
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            return 0;
        }
    }
    return 1;
}

/* A lone "{" starts a pretty-printed event; returns its indentation, or -1. */
static long lone_brace(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    if (i >= n || s[i] != '{' || !blank(s + i + 1, n - i - 1)) {
        return -1;
    }
    return (long)i;
}

/* Could this line close the object opened at `indent`? */
static int closing_brace(const char *s, size_t n, long indent)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    return (long)i <= indent && i < n && s[i] == '}';
}

/* Has cjson stopped because the text ended, not because it is wrong? */
static int incomplete(const ed_buf *err)
{
    return err->data && strstr(err->data, "T_END") != NULL;
}

/* NDJSON, with pretty-printed objects: as `edict eval` reads it. */
static void run_lines(diff_run *run, FILE *in, char *first, size_t first_len)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    ed_buf pending = {0};
    long pending_line = 0, pending_indent = 0;
    int have_first = first != NULL;
    for (;;) {
        const char *text;
        size_t len;
        if (have_first) {
            text = first;
            len = first_len;
            have_first = 0;
        } else {
            n = getline(&line, &cap, in);
            if (n < 0) {
                break;
            }
            text = line;
            len = (size_t)n;
        }
        lineno++;
        if (run->host_failure) {
            break;
        }
        if (pending_line) {
            ed_buf_append(&pending, text, len);
            if (pending.len > MAX_EVENT_BYTES) {
                report_bad(run, "line", pending_line, "event larger than 8 MiB");
                ed_buf_reset(&pending);
                pending_line = 0;
                continue;
            }
            if (closing_brace(text, len, pending_indent) &&
                (!utf8_ok(run, pending.data, pending.len) ||
                 ed_json_decode(run->intake, pending.data, pending.len,
                                &run->err) == 0 ||
                 !incomplete(&run->err))) {
                if (run->err.len == 0) {
                    compare_event(run, "line", pending_line);
                } else {
                    report_json_error(run, pending_line);
                }
                ed_buf_reset(&pending);
                pending_line = 0;
            }
            continue;
        }
        if (blank(text, len)) {
            continue;
        }
        if ((pending_indent = lone_brace(text, len)) >= 0) {
            ed_buf_append(&pending, text, len);
            pending_line = lineno;
            continue;
        }
        if (len > MAX_EVENT_BYTES) {
            report_bad(run, "line", lineno, "event larger than 8 MiB");
            continue;
        }
        compare_text(run, text, len, lineno);
    }
    if (pending_line && !run->host_failure) {
        compare_text(run, pending.data, pending.len, pending_line);
    }
    if (ferror(in)) {
        fprintf(stderr, "edict: reading input: %s\n", strerror(errno));
        run->host_failure = 1;
    }
    ed_buf_free(&pending);
    free(line);
}

/* A JSON array of events: decoded whole, compared element by element. */
static void run_array(diff_run *run, FILE *in, char *first, size_t first_len)
{
    ed_buf all = {0};
    ed_buf_append(&all, first, first_len);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        ed_buf_append(&all, chunk, n);
    }
    if (ferror(in)) {
        fprintf(stderr, "edict: reading input: %s\n", strerror(errno));
        run->host_failure = 1;
        ed_buf_free(&all);
        return;
    }
    lua_State *L = run->intake;
    if (!utf8_ok(run, all.data, all.len) ||
        ed_json_decode(L, all.data, all.len, &run->err) != 0) {
        report_json_error(run, 1);
        ed_buf_free(&all);
        return;
    }
    ed_buf_free(&all);
    lua_Integer count = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= count && !run->host_failure; i++) {
        lua_rawgeti(L, -1, i);
        compare_event(run, "index", (long)i);
    }
    lua_pop(L, 1);
}

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
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct stat sb;
    if (in != NULL && fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(in);
        in = NULL;
        errno = EISDIR;
    }
    if (in == NULL) {
        fprintf(stderr, "edict: cannot open %s: %s\n", path, strerror(errno));
        status = ED_EXIT_HOST;
        goto done;
    }

    diff_run run;
    memset(&run, 0, sizeof run);
    ed_catalog *from = side_catalog(&from_cli, "--from");
    ed_catalog *to = side_catalog(&to_cli, "--to");
    if (from->problems > 0 || to->problems > 0) {
        status = ED_EXIT_HOST;
        goto close;
    }
    run.intake = ed_json_host_state();
    run.differ = run.intake ? ed_differ_new(from, to, &diff_opt, &run.err) : NULL;
    if (run.differ == NULL) {
        fputs("edict: cannot start the JSON decoder\n", stderr);
        status = ED_EXIT_HOST;
        goto close;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    /* The first non-blank byte: '[' is an array, else NDJSON. */
    char *first = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&first, &cap, in)) >= 0 && blank(first, (size_t)n)) {
    }
    if (n < 0 && ferror(in)) {
        fprintf(stderr, "edict: reading %s: %s\n", path, strerror(errno));
        run.host_failure = 1;
    }
    if (n >= 0) {
        size_t i = 0;
        while (first[i] == ' ' || first[i] == '\t') {
            i++;
        }
        if (first[i] == '[') {
            run_array(&run, in, first, (size_t)n);
        } else {
            run_lines(&run, in, first, (size_t)n);
        }
    }
    free(first);
    const ed_diff_counts *counts = ed_differ_counts(run.differ);
    if (run.host_failure) {
        status = ED_EXIT_HOST;
    } else {
        ed_differ_summary(run.differ, &run.out);
        flush_report(&run);
        status = counts->refused ? ED_EXIT_BAD_INPUT
                 : counts->changed ? ED_EXIT_CHANGED : ED_EXIT_OK;
    }
    fflush(stdout);
close:
    if (in != stdin) {
        fclose(in);
    }
    ed_differ_free(run.differ);
    if (run.intake) {
        lua_close(run.intake);
    }
    ed_buf_free(&run.out);
    ed_buf_free(&run.err);
    ed_catalog_free(from);
    ed_catalog_free(to);
done:
    ed_cli_free(&from_cli);
    ed_cli_free(&to_cli);
    return status;
}
