/*
 * cli.c — shared command-line plumbing (see cli.h).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#define cli_c

#include "cli.h"

#include "util/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef EDICT_SOURCE_ROOT
#define EDICT_SOURCE_ROOT "."
#endif

/* Found on first use; under pthread_once because server threads may ask
 * first (a catalog built for a reload or a diff). */
static char edict_home[PATH_MAX];
static pthread_once_t home_once = PTHREAD_ONCE_INIT;

static void find_home(void)
{
    const char *env = getenv("EDICT_HOME");
    if (env && *env) {
        snprintf(edict_home, sizeof edict_home, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char candidate[PATH_MAX + 32];
            snprintf(candidate, sizeof candidate, "%s/../share/edict", exe);
            char real[PATH_MAX];
            if (realpath(candidate, real) && ed_is_dir(real)) {
                snprintf(edict_home, sizeof edict_home, "%s", real);
                return;
            }
        }
    }
    snprintf(edict_home, sizeof edict_home, "%s", EDICT_SOURCE_ROOT);
}

const char *ed_home(void)
{
    pthread_once(&home_once, find_home);
    return edict_home;
}

void ed_cli_init(ed_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->limits.memory_bytes = ED_LIMIT_MEMORY_DEFAULT;
    cli->limits.instructions = ED_LIMIT_INSTRUCTIONS_DEFAULT;
    cli->limits.time_ms = ED_LIMIT_TIME_DEFAULT_MS;
}

void ed_cli_free(ed_cli *cli)
{
    for (size_t i = 0; i < cli->n_pack_dirs; i++) {
        free(cli->pack_dirs[i]);
    }
    free(cli->pack_dirs);
}

void ed_cli_add_pack_dir(ed_cli *cli, const char *dir)
{
    char **p = realloc(cli->pack_dirs, (cli->n_pack_dirs + 1) * sizeof *p);
    if (p == NULL) {
        abort();
    }
    p[cli->n_pack_dirs++] = ed_strdup(dir);
    cli->pack_dirs = p;
}

static int limit_value(const char *option, const char *value, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || *end || end == value || v <= 0) {
        fprintf(stderr, "edict: %s needs a positive whole number, not '%s'\n",
                option, value);
        return -1;
    }
    *out = v;
    return 0;
}

static int beyond(const char *option, long long v, long long max)
{
    if (v > max) {
        fprintf(stderr, "edict: %s %lld is past the ceiling of %lld\n", option,
                v, max);
        return 1;
    }
    return 0;
}

int ed_cli_option(ed_cli *cli, int opt, const char *arg)
{
    long long v;
    switch (opt) {
    case ED_OPT_PACKS:
        ed_cli_add_pack_dir(cli, arg);
        return 1;
    case ED_OPT_TENANTS:
        cli->tenants_dir = arg;
        cli->tenants_explicit = 1;
        return 1;
    case ED_OPT_LIMIT_INSTRUCTIONS:
        if (limit_value("--limit-instructions", arg, &v) != 0 ||
            beyond("--limit-instructions", v, ED_LIMIT_INSTRUCTIONS_MAX)) {
            return -1;
        }
        cli->limits.instructions = v;
        return 1;
    case ED_OPT_LIMIT_MEMORY:
        if (limit_value("--limit-memory", arg, &v) != 0 ||
            beyond("--limit-memory", v, (long long)(ED_LIMIT_MEMORY_MAX >> 20))) {
            return -1;
        }
        cli->limits.memory_bytes = (size_t)v << 20;
        return 1;
    case ED_OPT_LIMIT_TIME:
        if (limit_value("--limit-time", arg, &v) != 0 ||
            beyond("--limit-time", v, ED_LIMIT_TIME_MAX_MS)) {
            return -1;
        }
        cli->limits.time_ms = v;
        return 1;
    default:
        return 0;
    }
}

ed_catalog *ed_cli_catalog(ed_cli *cli, ed_diags *d)
{
    const char *home = ed_home();
    char *default_tenants = NULL;
    if (cli->n_pack_dirs == 0) {
        /* The shipped tenants go with the shipped packs only: their
         * policies name those packs. */
        if (cli->tenants_dir == NULL) {
            default_tenants = ed_path_join(home, "tenants");
            cli->tenants_dir = default_tenants;
        }
        char *rules = ed_path_join(home, "rules");
        char *juris = ed_path_join(home, "jurisdictions");
        if (ed_is_dir(rules)) {
            ed_cli_add_pack_dir(cli, rules);
        }
        if (ed_is_dir(juris)) {
            ed_cli_add_pack_dir(cli, juris);
        }
        free(rules);
        free(juris);
    }
    ed_catalog *c = ed_catalog_load(&cli->limits, cli->pack_dirs, cli->n_pack_dirs,
                                    cli->tenants_dir, cli->tenants_explicit, d);
    if (default_tenants) {
        cli->tenants_dir = NULL;
        free(default_tenants);
    }
    return c;
}

void ed_cli_openable_lines(const ed_catalog *c, ed_buf *lines)
{
    ed_buf out = {0}, where = {0};
    for (const char *l = lines->data; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        const char *colon = memchr(l, ':', len);
        size_t wl = colon ? (size_t)(colon - l) : len;
        ed_buf_reset(&where);
        ed_buf_append(&where, l, wl);
        ed_catalog_openable(c, where.data ? where.data : "", &out);
        ed_buf_append(&out, l + wl, len - wl);
        ed_buf_putc(&out, '\n');
        l += len + (e != NULL);
    }
    ed_buf_reset(lines);
    if (out.len) {
        ed_buf_append(lines, out.data, out.len);
    }
    ed_buf_free(&out);
    ed_buf_free(&where);
}

void ed_cli_who(char *out, size_t cap)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res) {
        snprintf(out, cap, "cli:%s", res->pw_name);
    } else {
        snprintf(out, cap, "cli:uid-%ld", (long)getuid());
    }
}
