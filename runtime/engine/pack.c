/*
 * pack.c — reading, checking and loading rule packs and tenant overlays
 * (see pack.h).
 *
 * Loading runs author code, so all of it happens inside the sandbox under
 * limits: the manifest (pack.lua / policy.lua) in a bare environment, the
 * rule files in an environment that has rule() and require(). rule() does
 * not raise on a bad definition: it records the definition and the place
 * it was made, and the checks below turn every problem into a diagnostic
 * with that place, so one `edict check` shows them all.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#define pack_c

#include "pack.h"

#include "util/buf.h"
#include "util/fsutil.h"
#include "bytecode.h"
#include "modules.h"
#include "readonly.h"
#include "stdlib/hash.h"
#include "stdlib/time.h"
#include "stdlib/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PACK_DEPTH 8
#define MAX_PACK_FILES 1000
/* Largest file a pack may hold. Far above any rule file; and it keeps a
 * table constructor far below the 2^31 fields at which Lua 5.4.4's parser
 * overflows its count of [exp] = exp fields (fixed in 5.4.8, 267ef461). */
#define MAX_PACK_FILE_BYTES ((size_t)16 << 20)

static const char *const severity_names[ED_SEV_COUNT] = {
    "critical", "major", "minor", "info"};

const char *ed_severity_name(ed_severity s)
{
    return (s >= 0 && s < ED_SEV_COUNT) ? severity_names[s] : "?";
}

int ed_severity_parse(const char *s, ed_severity *out)
{
    for (int i = 0; i < ED_SEV_COUNT; i++) {
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (ed_severity)i;
            return 0;
        }
    }
    return -1;
}

/* Push t[k] raw. Manifests and rule definitions are author tables: a
 * metamethod there would run author code in host context, outside every
 * limit, so the host never triggers one. */
static int rawfield(lua_State *L, int t, const char *k)
{
    t = lua_absindex(L, t);
    lua_pushstring(L, k);
    return lua_rawget(L, t);
}

/* ------------------------------------------------------------------ */
/* Reading a pack folder                                                */
/* ------------------------------------------------------------------ */

static int compare_files(const void *a, const void *b)
{
    return strcmp(((const ed_file *)a)->path, ((const ed_file *)b)->path);
}

/* Is `path` (a real path: absolute, no symbolic link, no "..") `root`
 * itself or inside it? */
static int inside(const char *root, const char *path)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/') {
        return 1;
    }
    return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Read the regular file at `path`, which must be inside `root` (a real
 * path) and at most MAX_PACK_FILE_BYTES long. The check is made on what
 * was opened (its path as the kernel has it in /proc/self/fd), so a link
 * swapped in after the folder was listed is refused too. Returns the data
 * (malloc'd, NUL-terminated) or NULL with the reason in why. */
static char *read_inside(const char *root, const char *path, size_t *len,
                         char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return NULL;
    }
    char link[64], real[PATH_MAX + 1];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t rn = readlink(link, real, sizeof real - 1);
    struct stat st;
    char *data = NULL;
    if (rn >= 0) {
        real[rn] = '\0';
    }
    if (rn >= 0 && !inside(root, real)) {
        snprintf(why, whylen, "it is outside the pack folder (%s)", real);
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
    } else if ((size_t)st.st_size > MAX_PACK_FILE_BYTES) {
        snprintf(why, whylen, "larger than %zu MiB", MAX_PACK_FILE_BYTES >> 20);
    } else if ((data = malloc((size_t)st.st_size + 2)) == NULL) {
        snprintf(why, whylen, "out of memory");
    } else {
        /* one byte past the size seen, to notice a file still growing */
        size_t got = 0, want = (size_t)st.st_size + 1;
        while (got < want) {
            ssize_t r = read(fd, data + got, want - got);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                break;
            }
            got += (size_t)r;
        }
        if (got != (size_t)st.st_size) {
            snprintf(why, whylen, "it changed while it was read");
            free(data);
            data = NULL;
        } else {
            data[got] = '\0';
            *len = got;
        }
    }
    close(fd);
    return data;
}

/* Add every regular file under dir/rel (hidden ones excepted). `root` is
 * the real path of the pack folder: a symbolic link is followed only
 * when its target is inside it, so no file of the pack can be another
 * tenant's, another pack's or the host's. */
static int read_tree(ed_pack *p, const char *root, const char *rel, int depth,
                     ed_diags *diags, size_t *cap)
{
    char *dir = ed_path_join(p->dir, rel);
    char **names;
    int n = ed_list_dir(dir, &names);
    if (n < 0) {
        ed_diags_add(diags, p->label, "cannot read folder %s: %s", dir,
                     strerror(errno));
        free(dir);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (names[i][0] == '.') {
            continue;
        }
        char *path = ed_path_join(dir, names[i]);
        char *relpath = ed_path_join(rel, names[i]);
        char *shown = ed_path_join(p->label, relpath);
        struct stat st;
        int is_dir = 0, is_file = 0;
        if (lstat(path, &st) != 0) {
            ed_diags_add(diags, shown, "cannot read: %s", strerror(errno));
            rc = -1;
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX + 1], real[PATH_MAX];
            ssize_t tn = readlink(path, target, sizeof target - 1);
            target[tn > 0 ? tn : 0] = '\0';
            if (realpath(path, real) == NULL) {
                ed_diags_add(diags, shown, "a symbolic link to %s, which cannot be "
                             "read (%s)", target, strerror(errno));
                rc = -1;
            } else if (!inside(root, real)) {
                ed_diags_add(diags, shown, "a symbolic link to %s, outside the "
                             "%s folder: refused", target,
                             p->is_tenant ? "overlay" : "pack");
                rc = -1;
            } else if (stat(real, &st) == 0) {
                is_dir = S_ISDIR(st.st_mode);
                is_file = S_ISREG(st.st_mode);
            }
        } else {
            is_dir = S_ISDIR(st.st_mode);
            is_file = S_ISREG(st.st_mode);
        }
        if (rc != 0) {
            free(relpath);
        } else if (is_dir) {
            if (depth >= MAX_PACK_DEPTH) {
                ed_diags_add(diags, p->label, "folders nested deeper than %d",
                             MAX_PACK_DEPTH);
                rc = -1;
            } else {
                rc = read_tree(p, root, relpath, depth + 1, diags, cap);
            }
            free(relpath);
        } else if (is_file) {
            char why[PATH_MAX + 64];
            size_t len = 0;
            char *data = NULL;
            if (p->n_files >= MAX_PACK_FILES) {
                ed_diags_add(diags, p->label, "more than %d files", MAX_PACK_FILES);
                rc = -1;
            } else if ((data = read_inside(root, path, &len, why, sizeof why)) == NULL) {
                ed_diags_add(diags, shown, "cannot read: %s", why);
                rc = -1;
            }
            if (data == NULL) {
                free(relpath);
            } else {
                if (p->n_files == *cap) {
                    *cap = *cap ? *cap * 2 : 16;
                    ed_file *f = realloc(p->files, *cap * sizeof *f);
                    if (f == NULL) {
                        abort();
                    }
                    p->files = f;
                }
                p->files[p->n_files].path = relpath;
                p->files[p->n_files].data = data;
                p->files[p->n_files].len = len;
                p->n_files++;
            }
        } else {
            free(relpath);
        }
        free(shown);
        free(path);
    }
    ed_free_names(names, n);
    free(dir);
    return rc;
}

ed_pack *ed_pack_read(const char *dir, const char *label, int is_tenant,
                      ed_diags *diags)
{
    ed_pack *p = calloc(1, sizeof *p);
    if (p == NULL) {
        abort();
    }
    p->is_tenant = is_tenant;
    p->dir = ed_strdup(dir);
    p->label = ed_strdup(label);
    p->manifest = ed_strdup(is_tenant ? "policy.lua" : "pack.lua");
    p->from_day = ED_DAY_MIN;
    p->until_day = ED_DAY_MAX;
    size_t cap = 0;
    char root[PATH_MAX];
    if (realpath(dir, root) == NULL) {
        ed_diags_add(diags, p->label, "cannot read folder %s: %s", dir,
                     strerror(errno));
        ed_pack_free(p);
        return NULL;
    }
    if (read_tree(p, root, "", 0, diags, &cap) != 0) {
        ed_pack_free(p);
        return NULL;
    }
    if (p->n_files > 1) {
        qsort(p->files, p->n_files, sizeof *p->files, compare_files);
    }
    /* Digest: for each file in path order, path NUL length NUL bytes, so
     * no two different trees can frame to the same stream. */
    ed_sha256 *h = ed_sha256_new();
    if (h == NULL) {
        abort();
    }
    for (size_t i = 0; i < p->n_files; i++) {
        char len[32];
        int n = snprintf(len, sizeof len, "%zu", p->files[i].len);
        ed_sha256_update(h, p->files[i].path, strlen(p->files[i].path) + 1);
        ed_sha256_update(h, len, (size_t)n + 1);
        ed_sha256_update(h, p->files[i].data, p->files[i].len);
    }
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_final(h, hex);
    snprintf(p->digest, sizeof p->digest, "sha256:%s", hex);
    if (ed_pack_file(p, p->manifest) == NULL) {
        ed_diags_add(diags, p->label, "no %s in this folder", p->manifest);
        ed_pack_free(p);
        return NULL;
    }
    return p;
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i]);
    }
    free(s);
}

void ed_pack_free(ed_pack *p)
{
    if (p == NULL) {
        return;
    }
    free(p->name);
    free(p->version);
    free(p->title);
    free(p->zone);
    free_strings(p->jurisdictions, p->n_jurisdictions);
    free(p->dir);
    free(p->label);
    free(p->manifest);
    for (size_t i = 0; i < p->n_files; i++) {
        free(p->files[i].path);
        free(p->files[i].data);
    }
    free(p->files);
    free_strings(p->rule_files, p->n_rule_files);
    free_strings(p->events, p->n_events);
    for (size_t i = 0; i < p->n_rules; i++) {
        free(p->rules[i].id);
        free(p->rules[i].cite);
        free_strings(p->rules[i].on, p->rules[i].n_on);
        free_strings(p->rules[i].jurisdictions, p->rules[i].n_jurisdictions);
        free(p->rules[i].where);
    }
    free(p->rules);
    for (size_t i = 0; i < p->n_params; i++) {
        free(p->params[i].pack);
        free(p->params[i].key);
        free(p->params[i].where);
        free(p->params[i].cite);
        free_strings(p->params[i].rules, p->params[i].n_rules);
    }
    free(p->params);
    for (size_t i = 0; i < p->n_waivers; i++) {
        free(p->waivers[i].rule);
        free(p->waivers[i].reason);
        free(p->waivers[i].where);
    }
    free(p->waivers);
    free(p);
}

const ed_file *ed_pack_file(const ed_pack *p, const char *path)
{
    for (size_t i = 0; i < p->n_files; i++) {
        if (strcmp(p->files[i].path, path) == 0) {
            return &p->files[i];
        }
    }
    return NULL;
}

int ed_pack_in_force(const ed_pack *p, int64_t day)
{
    return day >= p->from_day && day <= p->until_day;
}

int64_t ed_pack_local_day(const ed_pack *p, const ed_time *t)
{
    int offset;
    if (p->zone == NULL || !t->has_time ||
        ed_tz_offset(p->zone, t->epoch, &offset, NULL, 0) != ED_TZ_OK) {
        return ed_time_day_number(t);
    }
    return ed_floor_div(t->epoch + offset, 86400);
}

int ed_pack_serves(const ed_pack *p, const char *jurisdiction)
{
    if (p->any_jurisdiction) {
        return 1;
    }
    for (size_t i = 0; i < p->n_jurisdictions; i++) {
        if (strcmp(p->jurisdictions[i], jurisdiction) == 0) {
            return 1;
        }
    }
    return 0;
}

int ed_rule_on(const ed_rule *r, const char *type)
{
    for (size_t i = 0; i < r->n_on; i++) {
        if (strcmp(r->on[i], type) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Places in author files                                               */
/* ------------------------------------------------------------------ */

/* Does the line at q assign field: `field =`, `["field"] =` or
 * `['field'] =`? */
static int assigns(const char *q, const char *field, size_t flen)
{
    char quote = 0;
    if (q[0] == '[' && (q[1] == '"' || q[1] == '\'')) {
        quote = q[1];
        q += 2;
    }
    if (strncmp(q, field, flen) != 0) {
        return 0;
    }
    const char *r = q + flen;
    if (quote) {
        if (r[0] != quote || r[1] != ']') {
            return 0;
        }
        r += 2;
    }
    while (*r == ' ' || *r == '\t') {
        r++;
    }
    return *r == '=' && r[1] != '=';
}

/* The line of the manifest that assigns field, or 0. */
static int field_line(const ed_pack *p, const char *field, int *return_line)
{
    const ed_file *f = ed_pack_file(p, p->manifest);
    int line = 1;
    size_t flen = field ? strlen(field) : 0;
    const char *s = f ? f->data : "";
    *return_line = 0;
    while (*s) {
        const char *q = s;
        while (*q == ' ' || *q == '\t') {
            q++;
        }
        if (field && assigns(q, field, flen)) {
            return line;
        }
        if (!*return_line && strncmp(q, "return", 6) == 0) {
            *return_line = line;
        }
        const char *nl = strchr(s, '\n');
        if (nl == NULL) {
            break;
        }
        s = nl + 1;
        line++;
    }
    return 0;
}

char *ed_pack_field_where(const ed_pack *p, const char *field)
{
    return ed_pack_field_where_in(p, field, NULL);
}

char *ed_pack_field_where_in(const ed_pack *p, const char *field, const char *outer)
{
    int return_line;
    int found = field_line(p, field, &return_line);
    if (!found && outer != NULL) {
        int ignored;
        found = field_line(p, outer, &ignored); /* `outer = { field = … }` on one line */
    }
    ed_buf b = {0};
    ed_buf_printf(&b, "%s/%s:%d", p->label, p->manifest,
                  found ? found : (return_line ? return_line : 1));
    return b.data;
}

static void diag_field(ed_diags *d, const ed_pack *p, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A problem with a manifest field, placed at the line that sets it. */
static void diag_field(ed_diags *d, const ed_pack *p, const char *field,
                       const char *fmt, ...)
{
    char *where = ed_pack_field_where(p, field);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ed_diags_add(d, where, "%s", msg);
    free(where);
}

/* ------------------------------------------------------------------ */
/* Running author code                                                  */
/* ------------------------------------------------------------------ */

static void add_call_diag(ed_diags *d, const ed_call_result *res,
                          const char *fallback)
{
    ed_diags_add(d, res->where[0] ? res->where : fallback, "%s%s",
                 res->message, res->stop ? " while loading" : "");
}

/* Load the chunk of file f (no call). Pushes the function and returns 0,
 * or adds a diagnostic and returns -1. */
static int load_file(lua_State *L, const ed_pack *p, const ed_file *f,
                     ed_diags *d)
{
    ed_buf name = {0};
    ed_buf_printf(&name, "@%s/%s", p->label, f->path);
    int status = luaL_loadbufferx(L, f->data, f->len, name.data, "t");
    if (status != LUA_OK) {
        /* Syntax errors read "label/file:line: message"; other load errors
         * (a binary chunk) name no file, so give them this one. */
        const char *msg = lua_tostring(L, -1);
        const char *shown = name.data + 1;
        int named = msg && strncmp(msg, shown, strlen(shown)) == 0;
        ed_diags_add(d, named ? "" : shown, "%s", msg ? msg : "cannot load chunk");
        lua_pop(L, 1);
    } else {
        /* code Lua 5.4.4 cannot name in its error messages (bytecode.h) */
        char msg[512];
        size_t work;
        if (ed_bytecode_check(L, msg, sizeof msg, &work) != 0) {
            ed_diags_add(d, "", "%s", msg);
            lua_pop(L, 1);
            status = LUA_ERRSYNTAX;
        }
    }
    ed_buf_free(&name);
    return status == LUA_OK ? 0 : -1;
}

/* Run the manifest in a bare environment; pushes its result (a table). */
static int run_manifest(ed_sandbox *sb, const ed_pack *p,
                        const ed_limits *limits, ed_diags *d)
{
    lua_State *L = ed_sandbox_state(sb);
    if (load_file(L, p, ed_pack_file(p, p->manifest), d) != 0) {
        return -1;
    }
    ed_sandbox_push_env(sb);
    lua_setupvalue(L, -2, 1);
    ed_call_result res;
    ed_sandbox_call(sb, 0, 1, limits, &res);
    if (res.status != LUA_OK) {
        char *where = ed_pack_field_where(p, NULL);
        add_call_diag(d, &res, where);
        free(where);
        return -1;
    }
    if (!lua_istable(L, -1)) {
        diag_field(d, p, NULL, "%s must return a table, not %s", p->manifest,
                   luaL_typename(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

/* rule{...}: record the definition and where it was made. Upvalues: the
 * list of definitions, the loading flag. */
static int l_pack_rule(lua_State *L)
{
    const int *loading = lua_touserdata(L, lua_upvalueindex(2));
    if (!*loading) {
        return luaL_error(L, "rule() can only be called while the pack loads");
    }
    lua_Debug ar;
    char where[300] = "";
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) &&
        ar.currentline > 0) {
        snprintf(where, sizeof where, "%s:%d", ar.short_src, ar.currentline);
    }
    lua_settop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "def");
    lua_pushstring(L, where);
    lua_setfield(L, -2, "where");
    lua_rawseti(L, lua_upvalueindex(1),
                (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)) + 1);
    return 0;
}

/* Is `name` a safe module name: letters, digits, '_', '-', dots between? */
static int module_name_ok(const char *name)
{
    if (*name == '\0' || *name == '.') {
        return 0;
    }
    for (const char *s = name; *s; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                 (c == '.' && s[1] != '.' && s[1] != '\0');
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

/* require(name): the stdlib modules, or a Lua file of this pack.
 * Upvalues: cache table, loading flag, env, the pack (light userdata). */
static int l_pack_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (rawfield(L, lua_upvalueindex(1), name) != LUA_TNIL) {
        if (lua_rawequal(L, -1, lua_upvalueindex(2))) {
            return luaL_error(L, "require '%s': a require cycle (the module "
                                 "requires itself, directly or not)", name);
        }
        return 1;
    }
    lua_pop(L, 1);
    if (ed_modules_require(L, name)) {
        return 1;
    }
    const int *loading = lua_touserdata(L, lua_upvalueindex(2));
    const ed_pack *p = lua_touserdata(L, lua_upvalueindex(4));
    if (strncmp(name, "edict.", 6) == 0) {
        return luaL_error(L, "module '%s' not found (the stdlib has %s)", name,
                          ed_modules_names());
    }
    if (!module_name_ok(name)) {
        return luaL_error(L, "bad module name '%s' (a pack module is named "
                             "like 'lib.dates', for lib/dates.lua)", name);
    }
    if (!*loading) {
        return luaL_error(L, "require '%s': pack files can only be required "
                             "while the pack loads", name);
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *s = name; *s; s++) {
        luaL_addchar(&b, *s == '.' ? '/' : *s);
    }
    luaL_addstring(&b, ".lua");
    luaL_pushresult(&b);
    const ed_file *f = ed_pack_file(p, lua_tostring(L, -1));
    if (f == NULL) {
        return luaL_error(L, "module '%s' not found: no file %s in %s", name,
                          lua_tostring(L, -1), p->label);
    }
    lua_pop(L, 1);
    /* Mark it as loading (with the flag userdata, which nothing else can
     * return), so a cycle gives an error, not a stack overflow. */
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_setfield(L, lua_upvalueindex(1), name);
    ed_buf chunk = {0};
    ed_buf_printf(&chunk, "@%s/%s", p->label, f->path);
    int status = luaL_loadbufferx(L, f->data, f->len, chunk.data, "t");
    ed_buf_free(&chunk);
    if (status != LUA_OK) {
        return lua_error(L);
    }
    char msg[512];
    size_t work;
    status = ed_bytecode_check(L, msg, sizeof msg, &work);
    ed_budget_charge(L, (int64_t)(work / 16));
    if (status != 0) {
        lua_pushstring(L, msg); /* already "file:line: why" */
        return lua_error(L);
    }
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_setupvalue(L, -2, 1);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, lua_upvalueindex(1), name);
    return 1;
}

/* Run the rule files in a fresh environment with rule() and require().
 * Leaves the list of recorded definitions and the upvalue restore list
 * (ed_readonly_freeze_deep) on the stack; returns the number of problems
 * found. */
static int run_rule_files(ed_sandbox *sb, const ed_pack *p,
                          const ed_limits *limits, ed_diags *d)
{
    lua_State *L = ed_sandbox_state(sb);
    int problems = 0;
    lua_newtable(L);                              /* definitions */
    int defs = lua_gettop(L);
    int *loading = lua_newuserdatauv(L, sizeof *loading, 0);
    *loading = 1;
    int flag = lua_gettop(L);
    lua_newtable(L);                              /* require's modules */
    int cache = lua_gettop(L);
    ed_sandbox_push_env(sb);
    int env = lua_gettop(L);

    lua_pushvalue(L, defs);
    lua_pushvalue(L, flag);
    lua_pushcclosure(L, l_pack_rule, 2);
    lua_setfield(L, env, "rule");
    lua_pushvalue(L, cache);
    lua_pushvalue(L, flag);
    lua_pushvalue(L, env);
    lua_pushlightuserdata(L, (void *)p);
    lua_pushcclosure(L, l_pack_require, 4);
    lua_setfield(L, env, "require");

    for (size_t i = 0; i < p->n_rule_files; i++) {
        const ed_file *f = ed_pack_file(p, p->rule_files[i]);
        if (f == NULL) {
            char *where = ed_pack_field_where(p, "rules");
            ed_diags_add(d, where, "rules: no file '%s' in %s",
                         p->rule_files[i], p->label);
            free(where);
            problems++;
            continue;
        }
        if (load_file(L, p, f, d) != 0) {
            problems++;
            continue;
        }
        lua_pushvalue(L, env);
        lua_setupvalue(L, -2, 1);
        ed_call_result res;
        ed_sandbox_call(sb, 0, 0, limits, &res);
        if (res.status != LUA_OK) {
            ed_buf fallback = {0};
            ed_buf_printf(&fallback, "%s/%s", p->label, f->path);
            add_call_diag(d, &res, fallback.data);
            ed_buf_free(&fallback);
            problems++;
        }
    }
    *loading = 0;
    /* From now on the pack's globals are fixed, and so is every table
     * they hold or its checks close over: a check that assigns one gets
     * an error instead of changing what the next rule or event sees. */
    ed_readonly_freeze_in_place(L, env, "_ENV");
    /* Plain values checks close over (`local n = 0`) cannot be frozen: the
     * engine sets them back to these load-time values after every event. */
    lua_newtable(L);
    int restore = lua_gettop(L);
    char what[128] = "";
    int kept = ed_readonly_freeze_deep(L, env, "pack data", restore, what, sizeof what);
    size_t n = lua_rawlen(L, defs);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, defs, (lua_Integer)i);
        if (lua_istable(L, -1) && rawfield(L, -1, "def") == LUA_TTABLE &&
            rawfield(L, -1, "check") == LUA_TFUNCTION) {
            kept += ed_readonly_freeze_deep(L, -1, "pack data", restore, what,
                                            kept ? 0 : sizeof what);
        }
        lua_settop(L, restore);
    }
    /* What require returned while the pack loaded, whether or not a global
     * or a check holds it: a check can require it again and get it. (A
     * module that failed to load still holds the loading flag.) */
    lua_pushnil(L);
    while (lua_next(L, cache) != 0) {
        if (!lua_rawequal(L, -1, flag)) {
            kept += ed_readonly_freeze_deep(L, -1, "pack data", restore, what,
                                            kept ? 0 : sizeof what);
        }
        lua_pop(L, 1);
    }
    if (kept > 0) {
        ed_diags_add(d, p->label, "the pack keeps %s made while it loaded%s; "
                     "it would carry state from one event to the next: make it "
                     "inside check", what, kept > 1 ? " (and more like it)" : "");
        problems++;
    }
    /* Stack now: defs flag cache env restore -> defs restore */
    lua_replace(L, flag);
    lua_settop(L, flag);
    return problems;
}

/* ------------------------------------------------------------------ */
/* Checking definitions                                                 */
/* ------------------------------------------------------------------ */

/* Read a string or a non-empty list of strings at field `name` of the
 * table at t into a malloc'd array. Returns 0, 1 if absent, -1 if bad. */
/* A non-empty string at idx that C reads whole: no NUL byte in it (a
 * type "\0x" would be "" once copied, and match what it should not). */
static int plain_text(lua_State *L, int idx)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    return len > 0 && memchr(s, '\0', len) == NULL;
}

static int string_list(lua_State *L, int t, const char *name, char ***out,
                       size_t *n)
{
    *out = NULL;
    *n = 0;
    int type = rawfield(L, t, name);
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return 1;
    }
    if (type == LUA_TSTRING) {
        if (!plain_text(L, -1)) {
            lua_pop(L, 1);
            return -1;
        }
        *out = malloc(sizeof **out);
        if (*out == NULL) {
            abort();
        }
        (*out)[0] = ed_strdup(lua_tostring(L, -1));
        *n = 1;
        lua_pop(L, 1);
        return 0;
    }
    if (type != LUA_TTABLE) {
        lua_pop(L, 1);
        return -1;
    }
    size_t len = lua_rawlen(L, -1);
    if (len == 0) {
        lua_pop(L, 1);
        return -1;
    }
    char **list = calloc(len, sizeof *list);
    if (list == NULL) {
        abort();
    }
    for (size_t i = 0; i < len; i++) {
        if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TSTRING ||
            !plain_text(L, -1)) {
            lua_pop(L, 2);
            free_strings(list, i);
            return -1;
        }
        list[i] = ed_strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    *out = list;
    *n = len;
    return 0;
}

/* Report fields of the table at t that are not in `allowed`. */
static int unknown_fields(lua_State *L, int t, const char *const *allowed,
                          ed_diags *d, const ed_pack *p, const char *where,
                          const char *what)
{
    int problems = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        int known = 0;
        if (lua_type(L, -1) == LUA_TSTRING) {
            for (int i = 0; allowed[i]; i++) {
                if (strcmp(allowed[i], lua_tostring(L, -1)) == 0) {
                    known = 1;
                }
            }
        }
        if (!known) {
            const char *key = lua_type(L, -1) == LUA_TSTRING
                                  ? lua_tostring(L, -1)
                                  : luaL_typename(L, -1);
            if (where) {
                ed_diags_add(d, where, "%s: unknown field '%s'", what, key);
            } else {
                diag_field(d, p, key, "%s: unknown field '%s'", what, key);
            }
            problems++;
        }
    }
    return problems;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

static int jurisdiction_ok(const char *j)
{
    if (strcmp(j, "*") == 0) {
        return 1;
    }
    if (*j == '\0') {
        return 0;
    }
    for (; *j; j++) {
        if (!((*j >= 'A' && *j <= 'Z') || (*j >= '0' && *j <= '9') || *j == '-')) {
            return 0;
        }
    }
    return 1;
}

/* An effective date field: "YYYY-MM-DD". Returns 0 ok, 1 absent, -1 bad. */
static int date_field(lua_State *L, int t, const char *name, ed_pack *p,
                      ed_diags *d, int64_t *day, char *text, size_t textlen)
{
    int type = rawfield(L, t, name);
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return 1;
    }
    ed_time tm;
    char err[160];
    size_t len = 0;
    const char *s = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (s == NULL || len != 10 || ed_time_parse(s, len, 1, &tm, err, sizeof err) != 0) {
        if (s != NULL && len != 10) {
            snprintf(err, sizeof err, "expected a date YYYY-MM-DD");
        } else if (s == NULL) {
            snprintf(err, sizeof err, "expected a date string, got %s",
                     luaL_typename(L, -1));
        }
        diag_field(d, p, name, "%s: %s", name, err);
        lua_pop(L, 1);
        return -1;
    }
    *day = ed_time_day_number(&tm);
    snprintf(text, textlen, "%s", s);
    lua_pop(L, 1);
    return 0;
}

/* Is the value at v data: a string, number or boolean, or a table of them
 * with string or number keys and no metatable, nested at most
 * ED_READONLY_MAX_DEPTH deep? Params reach every check as ctx.params: a
 * function, coroutine or userdata there (or a metatable's __index) would
 * run or keep state from one event to the next. Returns 1, or 0 with the
 * path of the first value that is not (from `path`) in bad. */
static int param_data(lua_State *L, int v, int depth, const char *path,
                      char *bad, size_t badlen)
{
    int t = lua_type(L, v);
    if (t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN) {
        return 1;
    }
    if (t != LUA_TTABLE) {
        snprintf(bad, badlen, "%s is a %s", path, luaL_typename(L, v));
        return 0;
    }
    if (depth >= ED_READONLY_MAX_DEPTH) {
        snprintf(bad, badlen, "%s is nested deeper than %d levels", path,
                 ED_READONLY_MAX_DEPTH);
        return 0;
    }
    if (lua_getmetatable(L, v)) {
        lua_pop(L, 1);
        snprintf(bad, badlen, "%s has a metatable", path);
        return 0;
    }
    luaL_checkstack(L, 4, "params");
    v = lua_absindex(L, v);
    lua_pushnil(L);
    while (lua_next(L, v) != 0) {
        char sub[256];
        int kt = lua_type(L, -2);
        if (kt == LUA_TSTRING) {
            snprintf(sub, sizeof sub, "%s.%s", path, lua_tostring(L, -2));
        } else if (kt == LUA_TNUMBER) {
            lua_pushvalue(L, -2);
            snprintf(sub, sizeof sub, "%s[%s]", path, lua_tostring(L, -1));
            lua_pop(L, 1);
        } else {
            snprintf(bad, badlen, "%s has a key of type %s", path, luaL_typename(L, -2));
            lua_pop(L, 2);
            return 0;
        }
        if (!param_data(L, lua_gettop(L), depth + 1, sub, bad, badlen)) {
            lua_pop(L, 2);
            return 0;
        }
        lua_pop(L, 1);
    }
    return 1;
}

/* Refuse params that are not data (param_data), placed at `field`. */
static int check_params_data(lua_State *L, int t, const char *path, ed_pack *p,
                             ed_diags *d)
{
    char bad[320];
    if (param_data(L, t, 0, path, bad, sizeof bad)) {
        return 0;
    }
    diag_field(d, p, "params", "%s: params must be data (strings, numbers, "
               "booleans and tables of them): they reach every check, and "
               "anything else could run or keep state from one event to the "
               "next", bad);
    return 1;
}

/* Push the raw field `name` of the table at v and return its type: the
 * declaration is an author table, and reading it must run no author code
 * (a metatable is refused later, by param_data). */
static int rawfield_of(lua_State *L, int v, const char *name)
{
    v = lua_absindex(L, v);
    lua_pushstring(L, name);
    return lua_rawget(L, v);
}

/* Is the value at v a param declaration: a table with a `default`? */
static int is_declaration(lua_State *L, int v)
{
    if (lua_type(L, v) != LUA_TTABLE) {
        return 0;
    }
    lua_pushliteral(L, "default");
    int t = lua_rawget(L, v);
    lua_pop(L, 1);
    return t != LUA_TNIL;
}

/* Fill q's bound from the declaration at v (checked by check_declarations). */
static void record_declaration(lua_State *L, int v, ed_param *q)
{
    rawfield_of(L, v, "default");
    q->type = lua_type(L, -1);
    lua_pop(L, 1);
    if (rawfield_of(L, v, "min") == LUA_TNUMBER) {
        q->has_min = 1;
        q->min = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    if (rawfield_of(L, v, "max") == LUA_TNUMBER) {
        q->has_max = 1;
        q->max = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    if (rawfield_of(L, v, "cite") == LUA_TSTRING) {
        q->cite = ed_strdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    if (rawfield_of(L, v, "type") == LUA_TSTRING) {
        q->integer = strcmp(lua_tostring(L, -1), "integer") == 0;
    }
    lua_pop(L, 1);
    if (rawfield_of(L, v, "rules") == LUA_TTABLE) {
        size_t n = lua_rawlen(L, -1);
        q->rules = calloc(n ? n : 1, sizeof *q->rules);
        if (q->rules == NULL) {
            abort();
        }
        for (size_t i = 1; i <= n; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i) == LUA_TSTRING) {
                q->rules[q->n_rules++] = ed_strdup(lua_tostring(L, -1));
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

/* Check every param declaration of the params table at t: only the known
 * fields; a default; numeric bounds with the statute they encode, the
 * default within them; rules a list of rule ids. */
static int check_declarations(lua_State *L, int t, ed_pack *p, ed_diags *d)
{
    static const char *const fields[] = {"default", "min", "max", "cite", "rules", "type",
                                         NULL};
    int problems = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        int v = lua_gettop(L);
        if (lua_type(L, -2) != LUA_TSTRING || !is_declaration(L, v)) {
            lua_pop(L, 1);
            continue;
        }
        const char *key = lua_tostring(L, -2);
        lua_pushnil(L);
        while (lua_next(L, v) != 0) {
            int known = 0;
            if (lua_type(L, -2) == LUA_TSTRING) {
                for (int i = 0; fields[i]; i++) {
                    known = known || strcmp(lua_tostring(L, -2), fields[i]) == 0;
                }
            }
            if (!known) {
                diag_field(d, p, key, "params.%s: unknown field '%s' in a param "
                           "declaration (default, min, max, cite, rules, type)", key,
                           lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                          : luaL_typename(L, -2));
                problems++;
            }
            lua_pop(L, 1);
        }
        int dt = rawfield_of(L, v, "default");
        double def = dt == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
        lua_pop(L, 1);
        int mt = rawfield_of(L, v, "min");
        double min = lua_tonumber(L, -1);
        lua_pop(L, 1);
        int xt = rawfield_of(L, v, "max");
        double max = lua_tonumber(L, -1);
        lua_pop(L, 1);
        int ct = rawfield_of(L, v, "cite");
        lua_pop(L, 1);
        int rt = rawfield_of(L, v, "rules");
        lua_pop(L, 1);
        int tt = rawfield_of(L, v, "type");
        int integer = tt == LUA_TSTRING && strcmp(lua_tostring(L, -1), "integer") == 0;
        lua_pop(L, 1);
        if (tt != LUA_TNIL && !integer) {
            diag_field(d, p, key, "params.%s: type must be \"integer\" (any other "
                       "type is the default's own)", key);
            problems++;
        } else if (integer) {
            rawfield_of(L, v, "default");
            int ok = lua_isinteger(L, -1);
            lua_pop(L, 1);
            if (!ok) {
                diag_field(d, p, key, "params.%s: type \"integer\" needs a whole "
                           "number as its default", key);
                problems++;
            }
        }
        int bounded = mt != LUA_TNIL || xt != LUA_TNIL;
        if ((mt != LUA_TNIL && mt != LUA_TNUMBER) || (xt != LUA_TNIL && xt != LUA_TNUMBER)) {
            diag_field(d, p, key, "params.%s: min and max must be numbers", key);
            problems++;
        } else if (bounded && dt != LUA_TNUMBER) {
            diag_field(d, p, key, "params.%s: a bounded param needs a number as its "
                       "default", key);
            problems++;
        } else if ((mt == LUA_TNUMBER && def < min) || (xt == LUA_TNUMBER && def > max)) {
            diag_field(d, p, key, "params.%s: the default %g is outside its own "
                       "bound", key, def);
            problems++;
        }
        if (bounded && ct != LUA_TSTRING) {
            diag_field(d, p, key, "params.%s: a bound needs the statute it encodes "
                       "(cite = \"...\")", key);
            problems++;
        } else if (ct != LUA_TNIL && ct != LUA_TSTRING) {
            diag_field(d, p, key, "params.%s: cite must be text", key);
            problems++;
        }
        if (rt != LUA_TNIL && rt != LUA_TTABLE) {
            diag_field(d, p, key, "params.%s: rules must be a list of rule ids", key);
            problems++;
        }
        lua_pop(L, 1);
    }
    return problems;
}

/* Record the names and types of the params table at t (for a pack, with
 * the bounds of its declarations; for a tenant's overrides, their numeric
 * values). */
static void record_params(lua_State *L, int t, ed_pack *p, const char *pack)
{
    size_t cap = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            if (p->n_params == cap) {
                cap = cap ? cap * 2 : 8;
                ed_param *np = realloc(p->params, cap * sizeof *np);
                if (np == NULL) {
                    abort();
                }
                p->params = np;
            }
            ed_param *q = &p->params[p->n_params++];
            memset(q, 0, sizeof *q);
            q->pack = pack ? ed_strdup(pack) : NULL;
            q->key = ed_strdup(lua_tostring(L, -2));
            q->type = lua_type(L, -1);
            q->where = ed_pack_field_where_in(p, lua_tostring(L, -2), pack);
            if (pack == NULL && is_declaration(L, lua_gettop(L))) {
                record_declaration(L, lua_gettop(L), q);
            } else if (pack != NULL && q->type == LUA_TNUMBER) {
                q->has_num = 1;
                q->num = lua_tonumber(L, -1);
                q->integer = lua_isinteger(L, -1);
            }
        }
        lua_pop(L, 1);
    }
}

static int check_pack_manifest(lua_State *L, int m, ed_pack *p, ed_diags *d)
{
    static const char *const allowed[] = {
        "name", "version", "jurisdiction", "title", "description", "zone",
        "effective_from", "effective_until", "params", "rules", "events", NULL};
    int problems = unknown_fields(L, m, allowed, d, p, NULL, "pack.lua");

    if (rawfield(L, m, "name") != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
        diag_field(d, p, "name", "name: expected a pack name (string)");
        problems++;
    } else {
        const char *name = lua_tostring(L, -1);
        int ok = is_name_char(*name) && *name != '.' && *name != '-';
        for (const char *s = name; *s; s++) {
            ok = ok && is_name_char(*s);
        }
        if (!ok) {
            diag_field(d, p, "name", "name: '%s' is not a pack name (lower-case "
                       "letters, digits, '-', '_', '.')", name);
            problems++;
        }
        p->name = ed_strdup(name);
    }
    lua_pop(L, 1);

    if (rawfield(L, m, "version") != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
        diag_field(d, p, "version", "version: expected a version string "
                   "(e.g. \"2026.1\")");
        problems++;
    } else {
        p->version = ed_strdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);

    int t = rawfield(L, m, "title");
    if (t == LUA_TSTRING) {
        p->title = ed_strdup(lua_tostring(L, -1));
    } else if (t != LUA_TNIL) {
        diag_field(d, p, "title", "title: expected a string");
        problems++;
    }
    lua_pop(L, 1);

    /* zone: the clock of the pack's dates (version choice, ctx.zone,
     * ctx.as_of_date); a known IANA zone */
    t = rawfield(L, m, "zone");
    if (t == LUA_TSTRING) {
        char err[160];
        int offset;
        const char *z = lua_tostring(L, -1);
        if (ed_tz_offset(z, 0, &offset, err, sizeof err) != ED_TZ_OK) {
            diag_field(d, p, "zone", "zone: %s", err);
            problems++;
        } else {
            p->zone = ed_strdup(z);
        }
    } else if (t != LUA_TNIL) {
        diag_field(d, p, "zone", "zone: expected an IANA time zone name "
                   "(e.g. \"America/Los_Angeles\")");
        problems++;
    }
    lua_pop(L, 1);

    int rc = string_list(L, m, "jurisdiction", &p->jurisdictions,
                         &p->n_jurisdictions);
    if (rc != 0) {
        diag_field(d, p, "jurisdiction", "jurisdiction: expected a jurisdiction "
                   "code (\"US-OR\"), a list of them, or \"*\" for any");
        problems++;
    }
    for (size_t i = 0; i < p->n_jurisdictions; i++) {
        if (!jurisdiction_ok(p->jurisdictions[i])) {
            diag_field(d, p, "jurisdiction", "jurisdiction: '%s' is not a "
                       "jurisdiction code (upper-case letters, digits, '-')",
                       p->jurisdictions[i]);
            problems++;
        }
        if (strcmp(p->jurisdictions[i], "*") == 0) {
            p->any_jurisdiction = 1;
        }
    }

    if (date_field(L, m, "effective_from", p, d, &p->from_day, p->from_text,
                   sizeof p->from_text) < 0) {
        problems++;
    }
    if (date_field(L, m, "effective_until", p, d, &p->until_day,
                   p->until_text, sizeof p->until_text) < 0) {
        problems++;
    }
    if (p->from_day != ED_DAY_MIN && p->until_day != ED_DAY_MAX &&
        p->from_day > p->until_day) {
        diag_field(d, p, "effective_until", "effective_until %s is before "
                   "effective_from %s", p->until_text, p->from_text);
        problems++;
    }

    t = rawfield(L, m, "params");
    if (t == LUA_TTABLE) {
        record_params(L, lua_gettop(L), p, NULL);
        problems += check_params_data(L, lua_gettop(L), "params", p, d);
        problems += check_declarations(L, lua_gettop(L), p, d);
    } else if (t != LUA_TNIL) {
        diag_field(d, p, "params", "params: expected a table");
        problems++;
    }
    lua_pop(L, 1);

    /* events: the types the pack decides; then a rule on any other is a
     * problem (a typo in `on` would never run). Types outside the event
     * catalogue are the pack's own. */
    rc = string_list(L, m, "events", &p->events, &p->n_events);
    if (rc < 0) {
        diag_field(d, p, "events", "events: expected the event types the pack decides "
                   "(e.g. { \"waste.recorded\" }; `edict events` lists the catalogue)");
        problems++;
    }

    rc = string_list(L, m, "rules", &p->rule_files, &p->n_rule_files);
    if (rc != 0) {
        diag_field(d, p, "rules", "rules: expected a list of rule files "
                   "(e.g. { \"waste.lua\" })");
        problems++;
    }
    return problems;
}

static int check_tenant_manifest(lua_State *L, int m, ed_pack *p, ed_diags *d)
{
    static const char *const allowed[] = {
        "tenant", "version", "title", "description", "jurisdictions",
        "params", "rules", "waivers", "limits", NULL};
    int problems = unknown_fields(L, m, allowed, d, p, NULL, "policy.lua");
    char *folder = ed_path_base(p->dir);

    int t = rawfield(L, m, "tenant");
    if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), folder) != 0) {
        diag_field(d, p, "tenant", "tenant: '%s' differs from the folder name "
                   "'%s'", lua_tostring(L, -1), folder);
        problems++;
    } else if (t != LUA_TSTRING && t != LUA_TNIL) {
        diag_field(d, p, "tenant", "tenant: expected a string");
        problems++;
    }
    lua_pop(L, 1);
    p->name = folder;

    t = rawfield(L, m, "version");
    p->version = ed_strdup(t == LUA_TSTRING ? lua_tostring(L, -1) : "1");
    lua_pop(L, 1);
    t = rawfield(L, m, "title");
    if (t == LUA_TSTRING) {
        p->title = ed_strdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);

    int rc = string_list(L, m, "jurisdictions", &p->jurisdictions,
                         &p->n_jurisdictions);
    if (rc < 0) {
        diag_field(d, p, "jurisdictions", "jurisdictions: expected a list of "
                   "jurisdiction codes");
        problems++;
    }
    for (size_t i = 0; i < p->n_jurisdictions; i++) {
        if (!jurisdiction_ok(p->jurisdictions[i]) ||
            strcmp(p->jurisdictions[i], "*") == 0) {
            diag_field(d, p, "jurisdictions", "jurisdictions: '%s' is not a "
                       "jurisdiction code", p->jurisdictions[i]);
            problems++;
        }
    }
    p->any_jurisdiction = p->n_jurisdictions == 0;

    t = rawfield(L, m, "params");
    if (t == LUA_TTABLE) {
        int params = lua_gettop(L);
        problems += check_params_data(L, params, "params", p, d);
        lua_pushnil(L);
        while (lua_next(L, params) != 0) {
            if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
                diag_field(d, p, "params", "params: expected { [\"<pack>\"] = "
                           "{ <param> = <value> } }");
                problems++;
            } else {
                record_params(L, lua_gettop(L), p, lua_tostring(L, -2));
            }
            lua_pop(L, 1);
        }
    } else if (t != LUA_TNIL) {
        diag_field(d, p, "params", "params: expected a table");
        problems++;
    }
    lua_pop(L, 1);

    rc = string_list(L, m, "rules", &p->rule_files, &p->n_rule_files);
    if (rc < 0) {
        diag_field(d, p, "rules", "rules: expected a list of rule files");
        problems++;
    }

    t = rawfield(L, m, "waivers");
    if (t == LUA_TTABLE) {
        int w = lua_gettop(L);
        size_t cap = 0;
        lua_pushnil(L);
        while (lua_next(L, w) != 0) {
            /* the entry's own line when it has one, else the table's */
            char *where = lua_type(L, -2) == LUA_TSTRING
                              ? ed_pack_field_where_in(p, lua_tostring(L, -2), "waivers")
                              : ed_pack_field_where(p, "waivers");
            if (lua_type(L, -2) != LUA_TSTRING) {
                ed_diags_add(d, where, "waivers: expected [\"<rule id>\"] = "
                             "\"<written reason>\"");
                problems++;
            } else if (lua_type(L, -1) != LUA_TSTRING ||
                       lua_rawlen(L, -1) < 10) {
                ed_diags_add(d, where, "waivers: the waiver of '%s' needs a "
                             "written reason (a string of at least 10 characters)",
                             lua_tostring(L, -2));
                problems++;
            } else {
                if (p->n_waivers == cap) {
                    cap = cap ? cap * 2 : 4;
                    ed_waiver *nw = realloc(p->waivers, cap * sizeof *nw);
                    if (nw == NULL) {
                        abort();
                    }
                    p->waivers = nw;
                }
                ed_waiver *wv = &p->waivers[p->n_waivers++];
                wv->rule = ed_strdup(lua_tostring(L, -2));
                wv->reason = ed_strdup(lua_tostring(L, -1));
                wv->where = ed_strdup(where);
            }
            free(where);
            lua_pop(L, 1);
        }
    } else if (t != LUA_TNIL) {
        diag_field(d, p, "waivers", "waivers: expected a table");
        problems++;
    }
    lua_pop(L, 1);

    t = rawfield(L, m, "limits");
    if (t == LUA_TTABLE) {
        static const char *const lim_fields[] = {"instructions", "memory_mb",
                                                 "time_ms", NULL};
        int l = lua_gettop(L);
        char *where = ed_pack_field_where(p, "limits");
        problems += unknown_fields(L, l, lim_fields, d, p, where, "limits");
        for (int i = 0; lim_fields[i]; i++) {
            int lt = rawfield(L, l, lim_fields[i]);
            if (lt != LUA_TNIL) {
                static const lua_Integer ceilings[] = {
                    ED_LIMIT_INSTRUCTIONS_MAX, (lua_Integer)(ED_LIMIT_MEMORY_MAX >> 20),
                    ED_LIMIT_TIME_MAX_MS};
                if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) <= 0) {
                    ed_diags_add(d, where, "limits.%s: expected a positive integer",
                                 lim_fields[i]);
                    problems++;
                } else if (lua_tointeger(L, -1) > ceilings[i]) {
                    ed_diags_add(d, where, "limits.%s: %lld is past the host's "
                                 "ceiling of %lld", lim_fields[i],
                                 (long long)lua_tointeger(L, -1), (long long)ceilings[i]);
                    problems++;
                } else {
                    lua_Integer v = lua_tointeger(L, -1);
                    if (i == 0) {
                        p->limits.instructions = v;
                    } else if (i == 1) {
                        p->limits.memory_bytes = (size_t)v << 20;
                    } else {
                        p->limits.time_ms = v;
                    }
                }
            }
            lua_pop(L, 1);
        }
        free(where);
    } else if (t != LUA_TNIL) {
        diag_field(d, p, "limits", "limits: expected a table");
        problems++;
    }
    lua_pop(L, 1);
    return problems;
}

/* Check one recorded rule definition (table at `entry`: {def, where}) and
 * append it to p->rules when sound. `seen` maps the ids met so far to
 * where they were defined. */
static int check_rule(lua_State *L, int entry, int seen, ed_pack *p,
                      ed_diags *d, size_t *cap)
{
    static const char *const allowed[] = {
        "id", "on", "severity", "cite", "check", "title", "description",
        "jurisdiction", NULL};
    rawfield(L, entry, "where");
    char *where = ed_strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    int problems = 0;
    if (rawfield(L, entry, "def") != LUA_TTABLE) {
        ed_diags_add(d, where, "rule expects a table ({ id = ..., on = ..., "
                     "severity = ..., cite = ..., check = ... }), got %s",
                     luaL_typename(L, -1));
        lua_pop(L, 1);
        free(where);
        return 1;
    }
    int def = lua_gettop(L);
    problems += unknown_fields(L, def, allowed, d, p, where, "rule");

    ed_rule r = {0};
    r.where = where;
    const char *id_text = "?";
    if (rawfield(L, def, "id") != LUA_TSTRING) {
        ed_diags_add(d, where, "rule without an id (expected id = \"%s/<name>\")",
                     p->name ? p->name : "<pack>");
        problems++;
    } else {
        id_text = lua_tostring(L, -1);
        size_t plen = p->name ? strlen(p->name) : 0;
        int ok = p->name && strncmp(id_text, p->name, plen) == 0 &&
                 id_text[plen] == '/' && id_text[plen + 1] != '\0';
        for (const char *s = ok ? id_text + plen + 1 : ""; *s && ok; s++) {
            ok = is_name_char(*s) || (*s >= 'A' && *s <= 'Z');
        }
        if (!ok) {
            ed_diags_add(d, where, "rule id '%s' must be '%s/<name>' (letters, "
                         "digits, '-', '_', '.')", id_text,
                         p->name ? p->name : "<pack>");
            problems++;
        }
        r.id = ed_strdup(id_text);
    }
    lua_pop(L, 1);

    if (string_list(L, def, "on", &r.on, &r.n_on) != 0) {
        ed_diags_add(d, where, "rule '%s': 'on' must name an event type or a "
                     "list of them", id_text);
        problems++;
    }
    for (size_t i = 0; p->events != NULL && i < r.n_on; i++) {
        size_t k = 0;
        while (k < p->n_events && strcmp(p->events[k], r.on[i]) != 0) {
            k++;
        }
        if (k == p->n_events) {
            ed_buf declared = {0};
            for (k = 0; k < p->n_events; k++) {
                ed_buf_printf(&declared, "%s%s", k ? ", " : "", p->events[k]);
            }
            ed_diags_add(d, where, "rule '%s' is on '%s', which is not among the events "
                         "pack %s decides (events = { %s } in pack.lua)", id_text,
                         r.on[i], p->name ? p->name : "<pack>", declared.data);
            ed_buf_free(&declared);
            problems++;
        }
    }
    if (rawfield(L, def, "severity") != LUA_TSTRING ||
        ed_severity_parse(lua_tostring(L, -1), &r.severity) != 0) {
        ed_diags_add(d, where, "rule '%s': severity %s%s%s is not one of "
                     "critical, major, minor, info", id_text,
                     lua_type(L, -1) == LUA_TSTRING ? "'" : "",
                     lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                     : "(missing)",
                     lua_type(L, -1) == LUA_TSTRING ? "'" : "");
        problems++;
    }
    lua_pop(L, 1);
    if (rawfield(L, def, "cite") != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
        ed_diags_add(d, where, "rule '%s': cite must name the regulation or "
                     "policy it encodes", id_text);
        problems++;
    } else {
        r.cite = ed_strdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    if (rawfield(L, def, "check") != LUA_TFUNCTION) {
        ed_diags_add(d, where, "rule '%s': check must be a function(e, ctx)",
                     id_text);
        problems++;
    }
    lua_pop(L, 1);
    int jt = string_list(L, def, "jurisdiction", &r.jurisdictions,
                         &r.n_jurisdictions);
    if (jt < 0 || (jt == 0 && !p->is_tenant)) {
        ed_diags_add(d, where, "rule '%s': %s", id_text,
                     p->is_tenant ? "jurisdiction must be a code or a list of codes"
                                  : "jurisdiction belongs in pack.lua, not in a rule");
        problems++;
    }
    if (r.id) {
        /* ids of every definition so far, sound or not: a duplicate is a
         * problem of its own even when the first definition has others */
        rawfield(L, seen, r.id);
        if (lua_isstring(L, -1)) {
            ed_diags_add(d, where, "duplicate rule id '%s' (first defined at %s)",
                         r.id, lua_tostring(L, -1));
            problems++;
        } else {
            lua_pushstring(L, where);
            lua_setfield(L, seen, r.id);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* def */
    if (problems) {
        free(r.id);
        free(r.cite);
        free_strings(r.on, r.n_on);
        free_strings(r.jurisdictions, r.n_jurisdictions);
        free(r.where);
        return problems;
    }
    if (p->n_rules == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        ed_rule *nr = realloc(p->rules, *cap * sizeof *nr);
        if (nr == NULL) {
            abort();
        }
        p->rules = nr;
    }
    p->rules[p->n_rules++] = r;
    return 0;
}

typedef struct inspect_args {
    ed_sandbox *sb;
    ed_pack *p;
    const ed_limits *limits;
    ed_diags *d;
    int problems;
} inspect_args;

/* The body of ed_pack_inspect, run protected: host code here can still
 * raise (out of memory), and must not take the process down. */
static int inspect_protected(lua_State *L)
{
    inspect_args *a = lua_touserdata(L, 1);
    ed_sandbox *sb = a->sb;
    ed_pack *p = a->p;
    const ed_limits *limits = a->limits;
    ed_diags *d = a->d;
    lua_settop(L, 0);
    int problems = 0;
    if (run_manifest(sb, p, limits, d) != 0) {
        a->problems = 1;
        return 0;
    }
    int m = lua_gettop(L);
    problems += p->is_tenant ? check_tenant_manifest(L, m, p, d)
                             : check_pack_manifest(L, m, p, d);
    if (p->name == NULL) {
        p->name = ed_strdup("?");
    }
    problems += run_rule_files(sb, p, limits, d);
    int defs = lua_gettop(L) - 1;
    size_t n = lua_rawlen(L, defs), cap = 0;
    lua_newtable(L);
    int seen = lua_gettop(L);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, defs, (lua_Integer)i);
        problems += check_rule(L, lua_gettop(L), seen, p, d, &cap);
        lua_pop(L, 1);
    }
    a->problems = problems;
    return 0;
}

int ed_pack_inspect(ed_pack *p, const ed_limits *limits, ed_diags *d)
{
    ed_sandbox *sb = ed_sandbox_new();
    if (sb == NULL) {
        ed_diags_add(d, p->label, "out of memory creating a sandbox");
        return 1;
    }
    lua_State *L = ed_sandbox_state(sb);
    inspect_args a = {sb, p, limits, d, 0};
    lua_pushcfunction(L, inspect_protected);
    lua_pushlightuserdata(L, &a);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        ed_diags_add(d, p->label, "checking the pack failed: %s",
                     lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        a.problems++;
    }
    ed_sandbox_free(sb);
    return a.problems;
}

int ed_pack_load(ed_sandbox *sb, const ed_pack *p, const ed_limits *limits,
                 ed_diags *d)
{
    lua_State *L = ed_sandbox_state(sb);
    int top = lua_gettop(L);
    if (run_manifest(sb, p, limits, d) != 0) {
        return -1;
    }
    int m = lua_gettop(L);
    lua_createtable(L, 0, 3);
    int out = lua_gettop(L);
    if (rawfield(L, m, "params") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    if (p->is_tenant) {
        /* tenant params are overrides keyed by pack name; under its own
         * name, the params of the tenant's own rules */
        lua_pushvalue(L, -1);
        lua_setfield(L, out, "overrides");
        lua_pushstring(L, p->name);
        if (lua_rawget(L, -2) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
        }
        lua_remove(L, -2);
        lua_newtable(L);
    } else {
        /* a declaration gives its default; its bound goes to `bounds` */
        int params = lua_gettop(L);
        lua_newtable(L);
        lua_pushnil(L);
        while (lua_next(L, params) != 0) {
            if (lua_type(L, -2) == LUA_TSTRING && is_declaration(L, lua_gettop(L))) {
                lua_pushvalue(L, -2);
                lua_pushvalue(L, -2);
                lua_rawset(L, params + 1);    /* bounds[key] = declaration */
                rawfield_of(L, -1, "default");
                lua_pushvalue(L, -3);
                lua_insert(L, -2);
                lua_rawset(L, params);        /* params[key] = default */
            }
            lua_pop(L, 1);
        }
    }
    lua_setfield(L, out, "bounds");
    lua_setfield(L, out, "params");
    if (run_rule_files(sb, p, limits, d) != 0) {
        lua_settop(L, top);
        return -1;
    }
    lua_setfield(L, out, "restore");
    int defs = lua_gettop(L);
    size_t n = lua_rawlen(L, defs);
    if (n != p->n_rules) {
        ed_diags_add(d, p->label, "pack defined %zu rules when loaded, %zu when "
                     "checked (rules must not depend on anything but the pack)",
                     n, p->n_rules);
        lua_settop(L, top);
        return -1;
    }
    lua_createtable(L, (int)n, 0);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, defs, (lua_Integer)i);
        rawfield(L, -1, "def");
        rawfield(L, -1, "check");
        lua_rawseti(L, -4, (lua_Integer)i);
        lua_pop(L, 2);
    }
    lua_setfield(L, out, "checks");
    lua_pushvalue(L, out);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return 0;
}
