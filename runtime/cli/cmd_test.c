/*
 * cmd_test.c — `edict test`: run the fixtures of packs and tenant overlays.
 *
 * A fixture file (a .lua file in a pack's tests folder) returns a list of
 *   { name = ..., event = {...}, expect = { flag = ..., findings = {...}, ... } }
 * decider/fixtures.c runs them (the path `edict eval` takes); this prints
 * the results as text (failures and the summary; -v every fixture), JSON,
 * JUnit XML or TAP, and with --coverage which rules fired and held.
 */
#define _POSIX_C_SOURCE 200809L
#define cmd_test_c

#include "cli.h"

#include "decider/fixtures.h"
#include "util/jsonstr.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: edict test [options] [PACK_DIR...]\n"
    "\n"
    "Run the fixtures (tests/*.lua) of every pack in each PACK_DIR (default:\n"
    "the shipped rules/ and jurisdictions/, and tenants/). Prints each failing\n"
    "fixture as FAIL - file:line: name, with what was expected and got, and\n"
    "ends with 'N passed, N failed'. A pack's fixtures run against every\n"
    "version of that pack and nothing else; a tenant's against its whole policy.\n"
    "\n"
    "options:\n"
    "  -v, --verbose   also list every passing fixture (ok - file:line: name)\n"
    "  --run TEXT      run only the fixtures whose \"file: name\" contains TEXT\n"
    "                  (a plain substring, case-sensitive, e.g. --run 'us-or/' or\n"
    "                  --run 'certs.lua: expires'); may be repeated (any matches)\n"
    "  --format F      text (the default), json, junit (JUnit XML) or tap\n"
    "  --coverage      per rule: whether some fixture made it fire and some made\n"
    "                  it hold; rules no fixture exercised are listed\n"
    "  --tenants DIR   also run the fixtures of the tenant overlays in DIR\n"
    ED_CLI_LIMIT_HELP
    "  --help          this text\n"
    "\n"
    "exit status: 0 when every fixture passes, 1 otherwise (also when --run\n"
    "selects no fixture); 64 for a bad option.\n";

enum { OPT_RUN = ED_OPT_OWN, OPT_FORMAT, OPT_COVERAGE, OPT_VERBOSE };
enum { F_TEXT, F_JSON, F_JUNIT, F_TAP };

/* A result kept for the formats that need all of them first. */
typedef struct kept {
    char *file, *name, *why;
    int line, ok;
} kept;

typedef struct printer {
    int format, verbose;
    int number;        /* TAP's test number */
    kept *items;
    size_t n, cap;
} printer;

/* The why text as lines without the "\n    " indentation. */
static void why_lines(const char *why, ed_buf *out, const char *sep)
{
    const char *p = why;
    int first = 1;
    while (p && *p) {
        while (*p == '\n' || *p == ' ') {
            p++;
        }
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) {
            ed_buf_printf(out, "%s%.*s", first ? "" : sep, (int)len, p);
            first = 0;
        }
        p += len;
    }
}

static void put_where(FILE *out, const ed_fixture_result *r)
{
    if (r->line > 0) {
        fprintf(out, "%s:%d", r->file, r->line);
    } else {
        fputs(r->file, out);
    }
}

static void print_text(printer *pr, const ed_fixture_result *r)
{
    if (r->ok && !pr->verbose) {
        return;
    }
    fputs(r->ok ? "ok - " : "FAIL - ", stdout);
    put_where(stdout, r);
    if (r->name == NULL) {
        printf(": %s\n", r->why);
    } else {
        printf(": %s%s\n", r->name, r->ok ? "" : r->why);
    }
}

static void print_tap(printer *pr, const ed_fixture_result *r)
{
    if (pr->number == 0) {
        puts("TAP version 13");
    }
    pr->number++;
    printf("%s %d - ", r->ok ? "ok" : "not ok", pr->number);
    /* a '#' would start a TAP directive; a newline would end the line */
    ed_buf d = {0};
    ed_buf_printf(&d, "%s: %s", r->file, r->name ? r->name : "(file)");
    for (const char *p = d.data; *p; p++) {
        if (*p == '#' || *p == '\\') {
            putchar('\\');
        }
        putchar(*p == '\n' ? ' ' : *p);
    }
    putchar('\n');
    ed_buf_free(&d);
    if (!r->ok) {
        ed_buf b = {0};
        why_lines(r->why, &b, "\n    ");
        printf("  ---\n  at: ");
        put_where(stdout, r);
        printf("\n  message: |\n    %s\n  ...\n", b.data ? b.data : "");
        ed_buf_free(&b);
    }
}

static char *dup_text(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d == NULL) {
        abort();
    }
    return d;
}

static void report(void *arg, const ed_fixture_result *r)
{
    printer *pr = arg;
    if (pr->format == F_TEXT) {
        print_text(pr, r);
        return;
    }
    if (pr->format == F_TAP) {
        print_tap(pr, r);
        return;
    }
    if (pr->n == pr->cap) {
        pr->cap = pr->cap ? pr->cap * 2 : 64;
        kept *more = realloc(pr->items, pr->cap * sizeof *more);
        if (more == NULL) {
            abort();
        }
        pr->items = more;
    }
    kept *k = &pr->items[pr->n++];
    k->file = dup_text(r->file);
    k->name = r->name ? dup_text(r->name) : NULL;
    k->why = dup_text(r->why);
    k->line = r->line;
    k->ok = r->ok;
}

/* XML text or attribute value: & < > " ' escaped; bytes below 0x20 other
 * than tab and newline are not allowed in XML 1.0 and become '?'. */
static void xml_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        case '\n': fputs("&#10;", out); break;
        case '\t': fputs("&#9;", out); break;
        default:
            fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
        }
    }
}

static void print_junit(const printer *pr, const ed_diags *d, int failed)
{
    puts("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    printf("<testsuites name=\"edict test\" tests=\"%zu\" failures=\"%d\">\n",
           pr->n + d->n, failed);
    /* one testsuite per fixture file, in the order they ran */
    for (size_t i = 0; i < pr->n;) {
        size_t j = i, fails = 0;
        while (j < pr->n && strcmp(pr->items[j].file, pr->items[i].file) == 0) {
            fails += !pr->items[j].ok;
            j++;
        }
        fputs("  <testsuite name=\"", stdout);
        xml_escape(stdout, pr->items[i].file);
        printf("\" tests=\"%zu\" failures=\"%zu\">\n", j - i, fails);
        for (size_t k = i; k < j; k++) {
            const kept *t = &pr->items[k];
            fputs("    <testcase classname=\"", stdout);
            xml_escape(stdout, t->file);
            fputs("\" name=\"", stdout);
            xml_escape(stdout, t->name ? t->name : "(file)");
            fputs("\" file=\"", stdout);
            xml_escape(stdout, t->file);
            printf("\" line=\"%d\"", t->line);
            if (t->ok) {
                puts("/>");
                continue;
            }
            ed_buf b = {0};
            why_lines(t->why, &b, "\n");
            /* the message: where, and the first thing that differs */
            ed_buf msg = {0};
            if (t->line > 0) {
                ed_buf_printf(&msg, "%s:%d: ", t->file, t->line);
            } else {
                ed_buf_printf(&msg, "%s: ", t->file);
            }
            const char *nl = b.data ? strchr(b.data, '\n') : NULL;
            ed_buf_printf(&msg, "%.*s", nl ? (int)(nl - b.data) : (int)b.len,
                          b.data ? b.data : "");
            fputs(">\n      <failure message=\"", stdout);
            xml_escape(stdout, msg.data);
            ed_buf_free(&msg);
            fputs("\">", stdout);
            xml_escape(stdout, b.data ? b.data : "");
            puts("</failure>\n    </testcase>");
            ed_buf_free(&b);
        }
        puts("  </testsuite>");
        i = j;
    }
    if (d->n > 0) {
        printf("  <testsuite name=\"packs\" tests=\"%zu\" failures=\"%zu\">\n", d->n, d->n);
        for (size_t i = 0; i < d->n; i++) {
            ed_buf b = {0};
            ed_diag_text(&d->items[i], &b);
            fputs("    <testcase classname=\"packs\" name=\"", stdout);
            xml_escape(stdout, d->items[i].where);
            fputs("\">\n      <failure message=\"", stdout);
            xml_escape(stdout, b.data);
            fputs("\">", stdout);
            xml_escape(stdout, b.data);
            puts("</failure>\n    </testcase>");
            ed_buf_free(&b);
        }
        puts("  </testsuite>");
    }
    puts("</testsuites>");
}

static void put_json(ed_buf *b, const char *s)
{
    ed_json_escape(b, s, strlen(s));
}

static void print_json(const printer *pr, const ed_diags *d, const ed_fixture_coverage *cov,
                       int coverage, int passed, int failed)
{
    ed_buf b = {0};
    ed_buf_printf(&b, "{\"passed\":%d,\"failed\":%d,\"fixtures\":[", passed, failed);
    for (size_t i = 0; i < pr->n; i++) {
        const kept *t = &pr->items[i];
        ed_buf_puts(&b, i ? ",{\"file\":" : "{\"file\":");
        put_json(&b, t->file);
        ed_buf_printf(&b, ",\"line\":%d,\"name\":", t->line);
        if (t->name) {
            put_json(&b, t->name);
        } else {
            ed_buf_puts(&b, "null");
        }
        ed_buf_printf(&b, ",\"ok\":%s,\"why\":[", t->ok ? "true" : "false");
        ed_buf lines = {0};
        why_lines(t->why, &lines, "\n");
        const char *p = lines.data;
        for (int n = 0; p && *p; n++) {
            const char *end = strchr(p, '\n');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            ed_buf_puts(&b, n ? "," : "");
            ed_json_escape(&b, p, len);
            p += len + (end != NULL);
        }
        ed_buf_free(&lines);
        ed_buf_puts(&b, "]}");
    }
    ed_buf_puts(&b, "],\"problems\":[");
    for (size_t i = 0; i < d->n; i++) {
        ed_buf t = {0};
        ed_diag_text(&d->items[i], &t);
        ed_buf_puts(&b, i ? "," : "");
        put_json(&b, t.data);
        ed_buf_free(&t);
    }
    ed_buf_putc(&b, ']');
    if (coverage) {
        ed_buf_puts(&b, ",\"coverage\":[");
        for (size_t i = 0; i < cov->n; i++) {
            const ed_rule_coverage *rc = &cov->rules[i];
            ed_buf_puts(&b, i ? ",{\"rule\":" : "{\"rule\":");
            put_json(&b, rc->rule);
            ed_buf_puts(&b, ",\"pack\":");
            put_json(&b, rc->label);
            ed_buf_puts(&b, ",\"version\":");
            put_json(&b, rc->version);
            ed_buf_puts(&b, ",\"where\":");
            put_json(&b, rc->where ? rc->where : "");
            ed_buf_printf(&b, ",\"fired\":%s,\"held\":%s}", rc->fired ? "true" : "false",
                          rc->held ? "true" : "false");
        }
        ed_buf_putc(&b, ']');
    }
    ed_buf_puts(&b, "}\n");
    fputs(b.data, stdout);
    ed_buf_free(&b);
}

static void print_coverage_text(const ed_fixture_coverage *cov, FILE *out)
{
    size_t fired = 0, held = 0, never = 0;
    fputs("coverage (fired, held, rule, where):\n", out);
    for (size_t i = 0; i < cov->n; i++) {
        const ed_rule_coverage *rc = &cov->rules[i];
        fired += rc->fired != 0;
        held += rc->held != 0;
        never += !rc->fired && !rc->held;
        fprintf(out, "  %-5s %-5s %s %s\n", rc->fired ? "fired" : "-",
                rc->held ? "held" : "-", rc->rule, rc->where ? rc->where : rc->label);
    }
    if (never > 0) {
        fputs("rules no fixture exercised:", out);
        for (size_t i = 0; i < cov->n; i++) {
            if (!cov->rules[i].fired && !cov->rules[i].held) {
                fprintf(out, " %s", cov->rules[i].rule);
            }
        }
        fputc('\n', out);
    }
    fprintf(out, "coverage: %zu rules, %zu fired, %zu held, %zu never exercised\n", cov->n,
            fired, held, never);
}

int ed_cmd_test(int argc, char **argv)
{
    ed_cli cli;
    ed_cli_init(&cli);
    static const struct option options[] = {
        ED_CLI_SHARED_OPTIONS,
        {"run", required_argument, 0, OPT_RUN},
        {"format", required_argument, 0, OPT_FORMAT},
        {"coverage", no_argument, 0, OPT_COVERAGE},
        {"verbose", no_argument, 0, OPT_VERBOSE},
        {0, 0, 0, 0}};
    printer pr = {0};
    ed_fixture_options fo = {0};
    char **run = calloc((size_t)argc + 1, sizeof *run);
    if (run == NULL) {
        abort();
    }
    int status = ED_EXIT_OK, opt, stop = 0;
    while (!stop && (opt = getopt_long(argc, argv, "v", options, NULL)) != -1) {
        switch (opt) {
        case OPT_RUN:
            run[fo.n_run++] = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") == 0) {
                pr.format = F_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                pr.format = F_JSON;
            } else if (strcmp(optarg, "junit") == 0) {
                pr.format = F_JUNIT;
            } else if (strcmp(optarg, "tap") == 0) {
                pr.format = F_TAP;
            } else {
                fprintf(stderr, "edict test: --format: '%s' is not one of text, json, "
                                "junit, tap\n", optarg);
                status = ED_EXIT_USAGE, stop = 1;
            }
            break;
        case OPT_COVERAGE:
            fo.coverage = 1;
            break;
        case 'v':
        case OPT_VERBOSE:
            pr.verbose = 1;
            break;
        default: {
            int shared = ed_cli_option(&cli, opt, optarg);
            if (shared < 0) {
                status = ED_EXIT_USAGE, stop = 1;
            } else if (shared == 0) {
                fputs(usage, opt == ED_OPT_HELP ? stdout : stderr);
                status = opt == ED_OPT_HELP ? ED_EXIT_OK : ED_EXIT_USAGE;
                stop = 1;
            }
        }
        }
    }
    /* --help wins over everything else on the line */
    for (int i = 1; i < argc && status != ED_EXIT_OK; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            status = ED_EXIT_OK;
        }
    }
    if (stop) {
        free(run);
        ed_cli_free(&cli);
        return status;
    }
    for (int i = optind; i < argc; i++) {
        ed_cli_add_pack_dir(&cli, argv[i]);
    }
    fo.run = run;
    ed_diags d = {0};
    ed_catalog *cat = ed_cli_catalog(&cli, &d);
    /* Packs with problems are reported and counted as one failure each;
     * the sound ones are still tested. */
    ed_diags_print(&d, pr.format == F_TEXT ? stdout : stderr, 0);
    int passed = 0, failed = 0;
    ed_fixture_coverage cov = {0};
    if (ed_fixtures_run_with(cat, &fo, report, &pr, &passed, &failed, &cov) != 0) {
        fputs("edict: cannot start\n", stderr);
        status = ED_EXIT_HOST;
    } else {
        failed += cat->problems;
        if (fo.n_run > 0 && passed + failed == 0) {
            fputs("edict test: --run selects no fixture\n", stderr);
            failed = 1;
        }
        switch (pr.format) {
        case F_TEXT:
            if (fo.coverage) {
                print_coverage_text(&cov, stdout);
            }
            printf("%d passed, %d failed\n", passed, failed);
            break;
        case F_TAP:
            for (size_t i = 0; i < d.n; i++) {
                ed_buf b = {0};
                ed_diag_text(&d.items[i], &b);
                printf("not ok %d - %s\n", ++pr.number, b.data);
                ed_buf_free(&b);
            }
            if (pr.number == 0) {
                puts("TAP version 13");
            }
            printf("1..%d\n", pr.number);
            if (fo.coverage) {
                ed_buf b = {0};
                FILE *m = open_memstream(&b.data, &b.len);
                if (m) {
                    print_coverage_text(&cov, m);
                    fclose(m);
                    for (char *line = strtok(b.data, "\n"); line; line = strtok(NULL, "\n")) {
                        printf("# %s\n", line);
                    }
                    free(b.data);
                }
            }
            printf("# %d passed, %d failed\n", passed, failed);
            break;
        case F_JUNIT:
            print_junit(&pr, &d, failed);
            if (fo.coverage) {
                print_coverage_text(&cov, stderr);
            }
            break;
        case F_JSON:
            print_json(&pr, &d, &cov, fo.coverage, passed, failed);
            break;
        }
        status = failed ? ED_EXIT_HOST : ED_EXIT_OK;
    }
    for (size_t i = 0; i < pr.n; i++) {
        free(pr.items[i].file);
        free(pr.items[i].name);
        free(pr.items[i].why);
    }
    free(pr.items);
    ed_fixture_coverage_free(&cov);
    free(run);
    ed_catalog_free(cat);
    ed_diags_free(&d);
    ed_cli_free(&cli);
    return status;
}
