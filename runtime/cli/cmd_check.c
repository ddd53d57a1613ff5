/*
 * cmd_check.c — `edict check`: load packs and tenant overlays (and their
 * fixture files) and report every problem with its file:line; `edict
 * packs`: list what is loaded.
 */
#define cmd_check_c

#include "cli.h"

#include "decider/fixtures.h"
#include "engine/event_types.h"
#include "util/fsutil.h"
#include "util/jsonstr.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char check_usage[] =
    "usage: edict check [--strict] [--format text|json] [--tenants DIR] [PACK_DIR...]\n"
    "\n"
    "Load the packs in each PACK_DIR (a pack folder, or a folder of packs;\n"
    "default: the shipped rules/ and jurisdictions/, and tenants/) and report\n"
    "every problem as file:line: message: Lua syntax errors, manifest fields\n"
    "missing or of the wrong type, rules without id/on/severity/cite/check,\n"
    "severities outside critical/major/minor/info, duplicate rule ids,\n"
    "overlapping effective dates between versions of one pack, tenant\n"
    "overrides and waivers that name nothing; fixture files (tests/*.lua)\n"
    "that do not load or do not return a list of fixtures with an event and\n"
    "an expect table. A pack or tenant without fixtures is a warning.\n"
    "\n"
    "options:\n"
    "  --strict        warnings are problems: a pack or tenant without fixtures,\n"
    "                  the event catalogue's (a rule on a slip of a type, a read\n"
    "                  of a data field its types do not declare)\n"
    "  --format F      text (default) or json: {problems, warnings, packs,\n"
    "                  summary}, each finding {where, message}\n"
    "  --tenants DIR   also check the tenant overlays in DIR\n"
    ED_CLI_LIMIT_HELP
    "  --help          this text\n"
    "\n"
    "exit status: 0 when every pack is sound, 1 otherwise.\n";

static const char packs_usage[] =
    "usage: edict packs [--packs DIR]... [--tenants DIR] [--format text|json]\n"
    "       edict packs publish DIR --store postgres://...  (see its --help)\n"
    "\n"
    "List the loaded packs: name, version, jurisdictions, effective window,\n"
    "rule count, digest and folder; then the tenant overlays. publish stores\n"
    "a pack tree in a PostgreSQL store for every edict serve node on it.\n"
    "--format json writes one JSON array: {folder, name, version, tenant,\n"
    "jurisdictions, effective_from, effective_until, rules, waivers, digest}.\n";

/* Parse the options of check, packs (and test). Returns -1 to exit with
 * *status, else 0. */
int ed_cli_parse_pack_command(int argc, char **argv, ed_cli *cli, int positional_packs,
                 const char *usage, int *status)
{
    static const struct option options[] = {ED_CLI_SHARED_OPTIONS, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        int shared = ed_cli_option(cli, opt, optarg);
        if (shared < 0) {
            *status = ED_EXIT_USAGE;
            return -1;
        }
        if (shared == 0) {
            FILE *to = opt == ED_OPT_HELP ? stdout : stderr;
            fputs(usage, to);
            *status = opt == ED_OPT_HELP ? ED_EXIT_OK : ED_EXIT_USAGE;
            return -1;
        }
    }
    if (optind < argc && !positional_packs) {
        fputs(usage, stderr);
        *status = ED_EXIT_USAGE;
        return -1;
    }
    for (int i = optind; i < argc; i++) {
        ed_cli_add_pack_dir(cli, argv[i]);
    }
    return 0;
}

enum { OPT_STRICT = ED_OPT_OWN };

/* Is label one of the lines of list? */
static int listed(const ed_buf *list, const char *label)
{
    size_t len = strlen(label);
    for (const char *p = list->data; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && memcmp(p, label, len) == 0) {
            return 1;
        }
        p += n + (end != NULL);
    }
    return 0;
}

/* --format text|json, taken out of argv before the shared options are
 * parsed (check and packs). 0, or -1 for a bad value (printed). */
static int take_format(int *argc, char **argv, const char *cmd, int *json)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--format") == 0 && i + 1 < *argc) {
            v = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            v = argv[i] + 9;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        if (strcmp(v, "json") == 0 || strcmp(v, "text") == 0) {
            *json = strcmp(v, "json") == 0;
        } else {
            fprintf(stderr, "edict %s: --format is text or json, not '%s'\n", cmd, v);
            return -1;
        }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

static void json_string(ed_buf *b, const char *s)
{
    ed_json_escape(b, s ? s : "", s ? strlen(s) : 0);
}

/* One finding of check's JSON: {"where", "message"}. */
static void json_finding(ed_buf *b, int *first, const char *where, size_t wlen,
                         const char *message, size_t mlen)
{
    ed_buf_puts(b, *first ? "{\"where\":" : ",{\"where\":");
    ed_json_escape(b, where, wlen);
    ed_buf_puts(b, ",\"message\":");
    ed_json_escape(b, message, mlen);
    ed_buf_putc(b, '}');
    *first = 0;
}

/* The lines "WHERE: warning: MESSAGE" of text as findings. */
static void json_warnings(ed_buf *b, int *first, const ed_buf *text)
{
    for (const char *l = text->data; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *mark = strstr(l, ": warning: ");
        if (mark != NULL && mark < l + len) {
            json_finding(b, first, l, (size_t)(mark - l), mark + 11,
                         (size_t)(l + len - mark - 11));
        }
        l += len + (e != NULL);
    }
}

static void json_pack(ed_buf *b, const ed_pack *p, int ok)
{
    ed_buf_puts(b, "{\"folder\":");
    json_string(b, p->label);
    ed_buf_puts(b, ",\"name\":");
    json_string(b, p->name);
    ed_buf_puts(b, ",\"version\":");
    json_string(b, p->version);
    ed_buf_printf(b, ",\"tenant\":%s,\"jurisdictions\":[", p->is_tenant ? "true" : "false");
    for (size_t j = 0; j < p->n_jurisdictions; j++) {
        ed_buf_puts(b, j ? "," : "");
        json_string(b, p->jurisdictions[j]);
    }
    ed_buf_puts(b, "],\"effective_from\":");
    if (p->from_text[0]) {
        json_string(b, p->from_text);
    } else {
        ed_buf_puts(b, "null");
    }
    ed_buf_puts(b, ",\"effective_until\":");
    if (p->until_text[0]) {
        json_string(b, p->until_text);
    } else {
        ed_buf_puts(b, "null");
    }
    ed_buf_printf(b, ",\"rules\":%zu,\"waivers\":%zu,\"digest\":", p->n_rules, p->n_waivers);
    json_string(b, p->digest);
    if (ok >= 0) {
        ed_buf_printf(b, ",\"ok\":%s", ok ? "true" : "false");
    }
    ed_buf_putc(b, '}');
}

/* Every file a finding names, as a path that opens from here (decisions
 * keep the folder labels; a person at this shell wants the file). */
static void openable(const ed_catalog *c, ed_diags *d, ed_buf *lines)
{
    ed_buf b = {0};
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].where != NULL && d->items[i].where[0] != '\0') {
            ed_buf_reset(&b);
            ed_catalog_openable(c, d->items[i].where, &b);
            free(d->items[i].where);
            d->items[i].where = ed_strdup(b.data);
        }
    }
    ed_buf_free(&b);
    ed_cli_openable_lines(c, lines);
}

int ed_cmd_check(int argc, char **argv)
{
    int json = 0;
    if (take_format(&argc, argv, "check", &json) != 0) {
        return ED_EXIT_USAGE;
    }
    ed_cli cli;
    ed_cli_init(&cli);
    static const struct option options[] = {
        ED_CLI_SHARED_OPTIONS, {"strict", no_argument, 0, OPT_STRICT}, {0, 0, 0, 0}};
    int status = ED_EXIT_OK, opt, strict = 0;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == OPT_STRICT) {
            strict = 1;
            continue;
        }
        int shared = ed_cli_option(&cli, opt, optarg);
        if (shared <= 0) {
            if (shared == 0) {
                fputs(check_usage, opt == ED_OPT_HELP ? stdout : stderr);
            }
            ed_cli_free(&cli);
            return shared == 0 && opt == ED_OPT_HELP ? ED_EXIT_OK : ED_EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++) {
        ed_cli_add_pack_dir(&cli, argv[i]);
    }
    ed_diags d = {0};
    ed_catalog *c = ed_cli_catalog(&cli, &d);
    ed_buf missing = {0}, broken = {0}, warned = {0};
    int problems = c->problems + ed_fixtures_check(c, &d, &missing, &broken);
    /* a pack or tenant without fixtures: a warning, a problem with --strict */
    int warnings = 0;
    for (const char *p = missing.data; p && *p; warnings++) {
        const char *end = strchr(p, '\n');
        int len = end ? (int)(end - p) : (int)strlen(p);
        ed_buf_printf(&warned, "%.*s: warning: no fixtures (tests/*.lua)\n", len, p);
        p += len + (end != NULL);
    }
    /* how the packs use the event catalogue: warnings too */
    for (size_t i = 0; i < c->n_packs + c->n_tenants; i++) {
        const ed_pack *p = i < c->n_packs ? c->packs[i] : c->tenants[i - c->n_packs];
        warnings += (int)ed_event_types_lint(p, &warned);
    }
    if (strict) {
        problems += warnings;
    }
    status = problems ? ED_EXIT_HOST : ED_EXIT_OK;
    openable(c, &d, &warned);
    ed_buf out = {0};
    if (json) {
        int first = 1;
        ed_buf_puts(&out, "{\"problems\":[");
        for (size_t i = 0; i < d.n; i++) {
            const char *w = d.items[i].where ? d.items[i].where : "";
            json_finding(&out, &first, w, strlen(w), d.items[i].message,
                         strlen(d.items[i].message));
        }
        if (strict) {
            json_warnings(&out, &first, &warned);
        }
        ed_buf_puts(&out, "],\"warnings\":[");
        first = 1;
        if (!strict) {
            json_warnings(&out, &first, &warned);
        }
        ed_buf_puts(&out, "],\"packs\":[");
        for (size_t i = 0; i < c->n_packs + c->n_tenants; i++) {
            const ed_pack *p = i < c->n_packs ? c->packs[i] : c->tenants[i - c->n_packs];
            ed_buf_puts(&out, i ? "," : "");
            json_pack(&out, p, !listed(&broken, p->label));
        }
        ed_buf_printf(&out, "],\"summary\":{\"packs\":%zu,\"tenants\":%zu,\"problems\":%d,"
                      "\"warnings\":%d}}\n", c->n_packs, c->n_tenants, problems,
                      strict ? 0 : warnings);
        fwrite(out.data, 1, out.len, stdout);
        goto done;
    }
    ed_diags_print(&d, stdout, 0);
    /* with --strict the warnings are problems, and say so */
    for (const char *l = warned.data; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *mark = strstr(l, ": warning: ");
        if (strict && mark != NULL && mark < l + len) {
            printf("%.*s: %.*s\n", (int)(mark - l), l, (int)(l + len - mark - 11), mark + 11);
        } else {
            printf("%.*s\n", (int)len, l);
        }
        l += len + (e != NULL);
    }
    /* a pack whose fixture files have problems is not ok */
    for (size_t i = 0; i < c->n_packs; i++) {
        const ed_pack *p = c->packs[i];
        if (listed(&broken, p->label)) {
            continue;
        }
        printf("ok %s (%s %s, %zu rule%s)\n", p->label, p->name, p->version,
               p->n_rules, p->n_rules == 1 ? "" : "s");
    }
    for (size_t i = 0; i < c->n_tenants; i++) {
        const ed_pack *p = c->tenants[i];
        if (listed(&broken, p->label)) {
            continue;
        }
        printf("ok %s (tenant %s, %zu rule%s, %zu waiver%s)\n", p->label, p->name,
               p->n_rules, p->n_rules == 1 ? "" : "s", p->n_waivers,
               p->n_waivers == 1 ? "" : "s");
    }
    printf("%zu pack%s, %zu tenant%s, %d problem%s", c->n_packs,
           c->n_packs == 1 ? "" : "s", c->n_tenants, c->n_tenants == 1 ? "" : "s",
           problems, problems == 1 ? "" : "s");
    if (!strict && warnings > 0) {
        printf(", %d warning%s", warnings, warnings == 1 ? "" : "s");
    }
    putchar('\n');
done:
    ed_buf_free(&out);
    ed_buf_free(&warned);
    ed_buf_free(&missing);
    ed_buf_free(&broken);
    ed_catalog_free(c);
    ed_diags_free(&d);
    ed_cli_free(&cli);
    return status;
}

static void print_list(char **items, size_t n, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", i ? "," : "", items[i]);
    }
}

int ed_cmd_packs(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "publish") == 0) {
        return ed_cmd_packs_publish(argc - 1, argv + 1);
    }
    int json = 0;
    if (take_format(&argc, argv, "packs", &json) != 0) {
        return ED_EXIT_USAGE;
    }
    ed_cli cli;
    ed_cli_init(&cli);
    int status;
    if (ed_cli_parse_pack_command(argc, argv, &cli, 0, packs_usage, &status) != 0) {
        ed_cli_free(&cli);
        return status;
    }
    ed_diags d = {0};
    ed_catalog *c = ed_cli_catalog(&cli, &d);
    ed_diags_print(&d, stderr, 0);
    if (json) {
        ed_buf out = {0};
        ed_buf_puts(&out, "[");
        for (size_t i = 0; i < c->n_packs + c->n_tenants; i++) {
            const ed_pack *p = i < c->n_packs ? c->packs[i] : c->tenants[i - c->n_packs];
            ed_buf_puts(&out, i ? "," : "");
            json_pack(&out, p, -1);
        }
        ed_buf_puts(&out, "]\n");
        fwrite(out.data, 1, out.len, stdout);
        ed_buf_free(&out);
        status = c->problems ? ED_EXIT_HOST : ED_EXIT_OK;
        ed_catalog_free(c);
        ed_diags_free(&d);
        ed_cli_free(&cli);
        return status;
    }
    printf("%-18s %-10s %-14s %-24s %5s  %-19s %s\n", "NAME", "VERSION",
           "JURISDICTION", "EFFECTIVE", "RULES", "DIGEST", "FOLDER");
    for (size_t i = 0; i < c->n_packs; i++) {
        const ed_pack *p = c->packs[i];
        char juris[128], window[48];
        print_list(p->jurisdictions, p->n_jurisdictions, juris, sizeof juris);
        snprintf(window, sizeof window, "%s..%s", p->from_text, p->until_text);
        printf("%-18s %-10s %-14s %-24s %5zu  %-19.19s %s\n", p->name, p->version,
               juris, window, p->n_rules, p->digest, p->label);
    }
    for (size_t i = 0; i < c->n_tenants; i++) {
        const ed_pack *p = c->tenants[i];
        char juris[128];
        print_list(p->jurisdictions, p->n_jurisdictions, juris, sizeof juris);
        printf("tenant %-11s %-10s %-14s %-24s %5zu  %-19.19s %s\n", p->name,
               p->version, juris[0] ? juris : "(all)", "", p->n_rules, p->digest,
               p->label);
    }
    status = c->problems ? ED_EXIT_HOST : ED_EXIT_OK;
    ed_catalog_free(c);
    ed_diags_free(&d);
    ed_cli_free(&cli);
    return status;
}
