/*
 * cmd_new.c — `edict new pack DIR --jurisdiction X [--zone Z]`: a pack an
 * analyst starts from that already passes `edict check` and `edict test`:
 * a manifest, one rule, two fixtures (one fires, one holds), a README that
 * says what to change, and a .luacheckrc that knows the sandbox's globals.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include "util/fsutil.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char usage[] =
    "usage: edict new pack DIR --jurisdiction X [--zone ZONE] [--name NAME]\n"
    "\n"
    "Write a new pack into DIR (which must not exist, or be empty): pack.lua,\n"
    "rules.lua with one example rule, tests/example.lua with two fixtures\n"
    "(one fires, one holds), README.md and .luacheckrc. It passes\n"
    "`edict check DIR` and `edict test DIR` as written; RULES.md says what to\n"
    "change next.\n"
    "\n"
    "options:\n"
    "  --jurisdiction X  what the pack's events name: US-CO, EU, or * for any\n"
    "  --zone ZONE       the pack's clock, an IANA zone such as America/Denver\n"
    "                    (default UTC): dates the rules compare are local dates\n"
    "                    there\n"
    "  --name NAME       the pack's name (default: DIR's last component)\n"
    "  --help            this text\n";

/* A pack name, as rule ids use it: lower-case letters, digits, '-'. */
static int good_name(const char *s)
{
    if (!*s || *s == '-') {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Write text (with every "@NAME@", "@JUR@", "@ZONE@", "@YEAR@" filled in)
 * to dir/file. 0, or -1 with the reason on stderr. */
static int write_file(const char *dir, const char *file, const char *text, const char *name,
                      const char *jur, const char *zone, const char *year)
{
    char *path = ed_path_join(dir, file);
    FILE *f = fopen(path, "wx");
    if (f == NULL) {
        fprintf(stderr, "edict: cannot write %s: %s\n", path, strerror(errno));
        free(path);
        return -1;
    }
    for (const char *p = text; *p;) {
        const char *subst = NULL;
        size_t skip = 0;
        static const char *const keys[] = {"@NAME@", "@JUR@", "@ZONE@", "@YEAR@"};
        const char *vals[] = {name, jur, zone, year};
        for (size_t k = 0; k < 4 && subst == NULL; k++) {
            if (strncmp(p, keys[k], strlen(keys[k])) == 0) {
                subst = vals[k];
                skip = strlen(keys[k]);
            }
        }
        if (subst) {
            fputs(subst, f);
            p += skip;
        } else {
            fputc(*p++, f);
        }
    }
    int rc = fclose(f) == 0 ? 0 : -1;
    if (rc != 0) {
        fprintf(stderr, "edict: cannot write %s: %s\n", path, strerror(errno));
    }
    free(path);
    return rc;
}

static const char manifest[] =
    "-- @NAME@/pack.lua — the manifest of pack @NAME@ (RULES.md, \"Packs\").\n"
    "-- Say here what the pack encodes and which law, with its section.\n"
    "return {\n"
    "  name = \"@NAME@\",\n"
    "  version = \"@YEAR@.1\",\n"
    "  jurisdiction = \"@JUR@\",\n"
    "  title = \"@NAME@: what this pack checks (say it here)\",\n"
    "  effective_from = \"@YEAR@-01-01\",\n"
    "  -- the pack's clock: the dates its rules compare are local dates here\n"
    "  zone = \"@ZONE@\",\n"
    "  params = {\n"
    "    -- the figure the example rule compares with; a tenant may change it\n"
    "    -- in its policy.lua. A figure a statute sets can carry its bound:\n"
    "    -- { default = 24, max = 24, cite = \"...\" } (RULES.md)\n"
    "    max_weight_g = 10000,\n"
    "  },\n"
    "  -- the event types its rules are on (`edict events` lists the catalogue)\n"
    "  events = { \"waste.recorded\" },\n"
    "  rules = { \"rules.lua\" },\n"
    "}\n";

static const char rules[] =
    "-- @NAME@/rules.lua — the rules of pack @NAME@ (RULES.md, \"Rules\"). One\n"
    "-- example to start from: a waste.recorded event whose weight_g is over\n"
    "-- params.max_weight_g is a major finding. `edict events` lists the event\n"
    "-- types, `edict events waste.recorded` the fields of one.\n"
    "-- luacheck: globals rule\n"
    "\n"
    "local read = require \"edict.read\"\n"
    "\n"
    "rule {\n"
    "  id = \"@NAME@/over-limit\",\n"
    "  on = \"waste.recorded\",\n"
    "  severity = \"major\",\n"
    "  cite = \"the regulation or policy this encodes, with its section\",\n"
    "  check = function(e, ctx)\n"
    "    local grams = read.number(e.data.weight_g)\n"
    "    if grams == nil then\n"
    "      return (\"weight_g is %s: cannot be checked\"):format(read.describe(e.data.weight_g))\n"
    "    end\n"
    "    if grams > ctx.params.max_weight_g then\n"
    "      return (\"%s g is over the limit of %s g\"):format(grams, ctx.params.max_weight_g)\n"
    "    end\n"
    "  end,\n"
    "}\n";

static const char fixtures[] =
    "-- @NAME@/tests/example.lua — fixtures of pack @NAME@ (RULES.md,\n"
    "-- \"Fixtures\"): `edict test` decides each event and compares.\n"
    "local function waste(grams)\n"
    "  return { type = \"waste.recorded\", occurred_at = \"@YEAR@-02-01T12:00:00Z\",\n"
    "           data = { waste_id = \"W-1\", weight_g = grams } }\n"
    "end\n"
    "\n"
    "return {\n"
    "  { name = \"a weight within the limit holds\",\n"
    "    event = waste(3000),\n"
    "    expect = { flag = \"green\", findings = {} } },\n"
    "  { name = \"a weight over the limit: major\",\n"
    "    event = waste(12000),\n"
    "    expect = { flag = \"yellow\", score = 90, findings = { \"@NAME@/over-limit\" } } },\n"
    "}\n";

static const char readme[] =
    "# Pack @NAME@\n"
    "\n"
    "Written by `edict new pack`. It passes as it is:\n"
    "\n"
    "```sh\n"
    "edict check @NAME@     # every problem with its file:line\n"
    "edict test @NAME@      # the fixtures in tests/\n"
    "```\n"
    "\n"
    "| file | what it holds |\n"
    "| --- | --- |\n"
    "| `pack.lua` | the manifest: name, version, jurisdiction (@JUR@), the first day in force, the zone (@ZONE@), the params |\n"
    "| `rules.lua` | the rules; one example, `@NAME@/over-limit` |\n"
    "| `tests/example.lua` | fixtures: one event the rule fires on, one it holds for |\n"
    "| `.luacheckrc` | for `luacheck`: the globals the sandbox gives rules |\n"
    "\n"
    "Next: replace the example rule with the law's (its `cite` names the section),\n"
    "write a fixture for each side of every boundary, and say in this file what\n"
    "reading you took where the law is silent (RULES.md, \"Readings we chose\").\n";

static const char luacheckrc[] =
    "-- .luacheckrc — what a rule file of pack @NAME@ can use: the sandbox's\n"
    "-- globals (RULES.md, \"What a rule can use\"); no io, os or debug.\n"
    "std = \"none\"\n"
    "globals = { \"rule\" }\n"
    "read_globals = {\n"
    "  \"assert\", \"error\", \"getmetatable\", \"setmetatable\", \"ipairs\", \"pairs\",\n"
    "  \"next\", \"pcall\", \"xpcall\", \"print\", \"rawequal\", \"rawget\", \"rawset\",\n"
    "  \"rawlen\", \"select\", \"tonumber\", \"tostring\", \"type\", \"require\", \"load\",\n"
    "  \"_VERSION\", \"string\", \"table\", \"math\", \"utf8\", \"coroutine\",\n"
    "}\n";

int ed_cmd_new(int argc, char **argv)
{
    enum { O_JURISDICTION = 1, O_ZONE, O_NAME, O_HELP };
    static const struct option options[] = {
        {"jurisdiction", required_argument, 0, O_JURISDICTION},
        {"zone", required_argument, 0, O_ZONE},
        {"name", required_argument, 0, O_NAME},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        fputs(usage, stdout);
        return ED_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "pack") != 0) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    const char *jur = NULL, *zone = "UTC", *name = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (opt) {
        case O_JURISDICTION: jur = optarg; break;
        case O_ZONE: zone = optarg; break;
        case O_NAME: name = optarg; break;
        case O_HELP: fputs(usage, stdout); return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc - 1 || jur == NULL || !*jur) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    const char *dir = argv[optind + 1];
    char *base = ed_path_base(dir);
    if (name == NULL) {
        name = base;
    }
    int status = ED_EXIT_USAGE;
    if (!good_name(name)) {
        fprintf(stderr, "edict: '%s' is not a pack name: lower-case letters, digits and "
                "'-' (--name NAME)\n", name);
        goto out;
    }
    if (strpbrk(jur, "\"\\\n") || strpbrk(zone, "\"\\\n")) {
        fputs("edict: --jurisdiction and --zone take plain text\n", stderr);
        goto out;
    }
    if (ed_make_dirs(dir, 0755) < 0) {
        fprintf(stderr, "edict: cannot make %s: %s\n", dir, strerror(errno));
        status = ED_EXIT_HOST;
        goto out;
    }
    char *tests = ed_path_join(dir, "tests");
    int made = ed_make_dirs(tests, 0755);
    free(tests);
    if (made < 0) {
        fprintf(stderr, "edict: cannot make %s/tests: %s\n", dir, strerror(errno));
        status = ED_EXIT_HOST;
        goto out;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char year[16];
    snprintf(year, sizeof year, "%04d", tm.tm_year + 1900);
    /* files are created exclusively: an existing pack is never overwritten */
    status = ED_EXIT_HOST;
    if (write_file(dir, "pack.lua", manifest, name, jur, zone, year) != 0 ||
        write_file(dir, "rules.lua", rules, name, jur, zone, year) != 0 ||
        write_file(dir, "tests/example.lua", fixtures, name, jur, zone, year) != 0 ||
        write_file(dir, "README.md", readme, name, jur, zone, year) != 0 ||
        write_file(dir, ".luacheckrc", luacheckrc, name, jur, zone, year) != 0) {
        goto out;
    }
    printf("wrote pack %s in %s: pack.lua, rules.lua, tests/example.lua, README.md, "
           ".luacheckrc\nnext: edict check %s && edict test %s\n", name, dir, dir, dir);
    status = ED_EXIT_OK;
out:
    free(base);
    return status;
}
