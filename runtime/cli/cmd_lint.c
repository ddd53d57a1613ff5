/*
 * cmd_lint.c — `edict lint [PACK_DIR...]`: luacheck (Debian's lua-check)
 * over every Lua file of the packs with the sandbox's globals, then
 * edict's own checks a linter cannot know: `ctx.X` that ctx does not have
 * (ctx.parms), `ctx.params.X` the pack does not declare, and the event
 * catalogue's warnings (check's). Every finding with file:line.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include "engine/event_types.h"
#include "engine/sandbox.h"
#include "util/buf.h"
#include "util/luascan.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "usage: edict lint [PACK_DIR...] [options]\n"
    "\n"
    "Lint packs and tenant overlays (default: those check loads): luacheck\n"
    "(Debian's lua-check; LUACHECK names another) over every .lua file with the\n"
    "globals the sandbox gives rules, then edict's own checks: a read of a ctx\n"
    "field that does not exist (ctx.parms), of a param the pack does not\n"
    "declare (ctx.params.limt), and check's event-catalogue warnings (shown,\n"
    "not counted). Each finding is a line FILE:LINE[:COL]: ...; exit 1 when\n"
    "there is one.\n"
    "\n"
    "options:\n"
    "  --packs DIR     add a folder of packs (repeatable)\n"
    "  --tenants DIR   tenant overlays from DIR\n"
    "  --help          this text\n";

/* What ctx holds for a rule (RULES.md, "ctx"). */
static const char *const ctx_fields[] = {
    "as_of", "as_of_date", "zone", "bounds", "params", "tenant", "jurisdiction",
    "pack", "version", "obligation", "retain_until", "metrc_write", "evidence_in_vault",
    NULL};

static int known_ctx_field(const char *name, size_t len)
{
    for (int i = 0; ctx_fields[i]; i++) {
        if (strlen(ctx_fields[i]) == len && memcmp(ctx_fields[i], name, len) == 0) {
            return 1;
        }
    }
    return 0;
}

typedef struct lint_file {
    const ed_pack *p;
    const ed_pack *params_of; /* whose params ctx.params reads (NULL: unknown) */
    const ed_file *f;
    ed_buf *out;
    int found;
} lint_file;

static void ctx_read(void *arg, int line, const char *name, size_t len)
{
    lint_file *lf = arg;
    if (!known_ctx_field(name, len)) {
        ed_buf_printf(lf->out, "%s/%s:%d: ctx.%.*s: ctx has no such field (it has ",
                      lf->p->label, lf->f->path, line, (int)len, name);
        for (int i = 0; ctx_fields[i]; i++) {
            ed_buf_printf(lf->out, "%s%s", i ? ", " : "", ctx_fields[i]);
        }
        ed_buf_puts(lf->out, ")\n");
        lf->found++;
    }
}

static void param_read(void *arg, int line, const char *name, size_t len)
{
    lint_file *lf = arg;
    const ed_pack *p = lf->params_of;
    for (size_t i = 0; i < p->n_params; i++) {
        if (strlen(p->params[i].key) == len && memcmp(p->params[i].key, name, len) == 0) {
            return;
        }
    }
    ed_buf_printf(lf->out, "%s/%s:%d: ctx.params.%.*s: pack %s declares no such param\n",
                  lf->p->label, lf->f->path, line, (int)len, name, p->name);
    lf->found++;
}

static int is_lua(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".lua") == 0;
}

/* edict's own checks of one pack or tenant. */
static int own_checks(const ed_pack *p, ed_buf *out)
{
    int found = 0;
    for (size_t i = 0; i < p->n_files; i++) {
        const ed_file *f = &p->files[i];
        if (!is_lua(f->path) || strncmp(f->path, "tests/", 6) == 0) {
            continue;
        }
        /* a tenant's rules read params of the packs they run beside:
         * only a pack's own are known here */
        lint_file lf = {p, p->is_tenant ? NULL : p, f, out, 0};
        ed_lua_field_reads(f->data, f->len, "ctx", ctx_read, &lf);
        if (lf.params_of != NULL) {
            ed_lua_field_reads(f->data, f->len, "ctx.params", param_read, &lf);
        }
        found += lf.found;
    }
    /* the catalogue's are warnings (a tenant's own field is fine): shown,
     * not counted */
    ed_event_types_lint(p, out);
    return found;
}

/* The names a rule finds defined: the sandbox's globals, and what a pack
 * file's environment adds (rule, require). */
static int sandbox_globals(char ***names, size_t *n)
{
    ed_sandbox *sb = ed_sandbox_new();
    if (sb == NULL) {
        return -1;
    }
    const char *all = ed_sandbox_global_names(sb);
    size_t cap = 2;
    for (const char *q = all; *q; q++) {
        cap += *q == '\n';
    }
    *names = calloc(cap, sizeof **names);
    *n = 0;
    (*names)[(*n)++] = strdup("rule");
    (*names)[(*n)++] = strdup("require");
    for (const char *l = all; *l && *n < cap;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        if (!(len == 7 && memcmp(l, "require", 7) == 0)) {
            (*names)[(*n)++] = strndup(l, len);
        }
        l += len + (e != NULL);
    }
    ed_sandbox_free(sb);
    return 0;
}

/* Run luacheck over the .lua files of p; its findings, with the pack's
 * folder shown as its label, appended to out. 0 clean, 1 findings, -1
 * luacheck could not run (why in out). */
static int luacheck(const ed_pack *p, char **globals, size_t n_globals, ed_buf *out)
{
    const char *prog = getenv("LUACHECK");
    prog = prog && *prog ? prog : "luacheck";
    size_t max = 16 + n_globals + p->n_files;
    char **argv = calloc(max, sizeof *argv);
    size_t a = 0;
    argv[a++] = (char *)prog;
    argv[a++] = (char *)"--no-color";
    argv[a++] = (char *)"--codes";
    argv[a++] = (char *)"--formatter=plain";
    argv[a++] = (char *)"--std=none";
    /* check(e, ctx) is the rule API: an unused ctx is no finding */
    argv[a++] = (char *)"--no-unused-args";
    argv[a++] = (char *)"--no-max-line-length";
    /* `not (x > y)` is how rules keep NaN out of a comparison */
    argv[a++] = (char *)"--ignore=581";
    argv[a++] = (char *)"--read-globals";
    for (size_t i = 0; i < n_globals; i++) {
        argv[a++] = globals[i];
    }
    argv[a++] = (char *)"--";
    size_t first = a;
    for (size_t i = 0; i < p->n_files; i++) {
        if (is_lua(p->files[i].path)) {
            argv[a++] = (char *)p->files[i].path;
        }
    }
    int rc = 0;
    if (a == first) {
        free(argv);
        return 0;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        ed_buf_printf(out, "edict lint: pipe: %s\n", strerror(errno));
        free(argv);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* in the pack's folder, so that findings name pack-relative files */
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        if (chdir(p->dir) != 0) {
            _exit(126);
        }
        execvp(prog, argv);
        _exit(127);
    }
    close(fds[1]);
    ed_buf got = {0};
    char chunk[4096];
    ssize_t r;
    while ((r = read(fds[0], chunk, sizeof chunk)) > 0 || (r < 0 && errno == EINTR)) {
        if (r > 0) {
            ed_buf_append(&got, chunk, (size_t)r);
        }
    }
    close(fds[0]);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int code = pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 127 || code < 0) {
        ed_buf_printf(out, "edict lint: cannot run %s (Debian: apt-get install lua-check; "
                      "LUACHECK names another)\n", prog);
        rc = -1;
    } else if (code > 0) {
        /* plain lines "file:line:col: (W113) ..." relative to the pack */
        for (const char *l = got.data; l && *l;) {
            const char *e = strchr(l, '\n');
            size_t len = e ? (size_t)(e - l) : strlen(l);
            if (len > 0) {
                ed_buf_printf(out, "%s/%.*s\n", p->label, (int)len, l);
            }
            l += len + (e != NULL);
        }
        /* 1: warnings, 2: errors in the files, 3 and up: luacheck failed */
        rc = code <= 2 ? 1 : -1;
    }
    ed_buf_free(&got);
    free(argv);
    return rc;
}

int ed_cmd_lint(int argc, char **argv)
{
    ed_cli cli;
    ed_cli_init(&cli);
    int status = ED_EXIT_OK;
    if (ed_cli_parse_pack_command(argc, argv, &cli, 1, usage, &status) != 0) {
        ed_cli_free(&cli);
        return status;
    }
    ed_diags d = {0};
    ed_catalog *c = ed_cli_catalog(&cli, &d);
    if (c->problems > 0) {
        /* a pack that does not load is check's to report */
        ed_buf problems = {0};
        ed_diags_text(&d, &problems);
        ed_cli_openable_lines(c, &problems);
        fputs(problems.data ? problems.data : "", stdout);
        ed_buf_free(&problems);
        printf("edict lint: the packs have problems; fix what `edict check` reports first\n");
        ed_catalog_free(c);
        ed_diags_free(&d);
        ed_cli_free(&cli);
        return ED_EXIT_HOST;
    }
    char **globals = NULL;
    size_t n_globals = 0;
    if (sandbox_globals(&globals, &n_globals) != 0) {
        fprintf(stderr, "edict lint: cannot make a sandbox\n");
        ed_catalog_free(c);
        ed_diags_free(&d);
        ed_cli_free(&cli);
        return ED_EXIT_HOST;
    }
    int found = 0, failed = 0;
    ed_buf out = {0};
    for (size_t i = 0; i < c->n_packs + c->n_tenants; i++) {
        const ed_pack *p = i < c->n_packs ? c->packs[i] : c->tenants[i - c->n_packs];
        int rc = luacheck(p, globals, n_globals, &out);
        failed |= rc < 0;
        found += rc > 0;
        found += own_checks(p, &out);
        ed_cli_openable_lines(c, &out);
        if (out.len > 0) {
            fwrite(out.data, 1, out.len, stdout);
            ed_buf_reset(&out);
        }
        if (failed) {
            break;
        }
    }
    if (!failed) {
        printf("%zu pack%s, %zu tenant%s linted: %s\n", c->n_packs, c->n_packs == 1 ? "" : "s",
               c->n_tenants, c->n_tenants == 1 ? "" : "s", found ? "findings above" : "clean");
    }
    for (size_t i = 0; i < n_globals; i++) {
        free(globals[i]);
    }
    free(globals);
    ed_buf_free(&out);
    ed_catalog_free(c);
    ed_diags_free(&d);
    ed_cli_free(&cli);
    return failed ? ED_EXIT_HOST : found ? ED_EXIT_HOST : ED_EXIT_OK;
}
