/*
 * fuzz_pack.c — libFuzzer harness for reading and checking a pack: the
 * input is a manifest and one rule file, separated by the line
 *
 *     --8<--
 *
 * (a Lua comment, so either half stays valid Lua when the separator ends
 * up inside it). They are written to a temporary folder as pack.lua and
 * rules.lua (no separator: rules.lua is empty), then ed_pack_read +
 * ed_pack_inspect run with small limits, as `edict check` would. When the
 * input starts with the line "--tenant", the manifest is written as
 * policy.lua and read as a tenant overlay instead.
 *
 * Invariants (a violation aborts, so libFuzzer saves the input):
 *  - no crash, leak or UB (ASan/UBSan/LSan), no hang (-timeout);
 *  - ed_pack_inspect returns > 0 exactly when it added diagnostics;
 *  - with no problems, the pack has a name and version (packs), and every
 *    rule has an id, a cite and a non-empty `on` list of non-empty types;
 *  - with no problems, ed_pack_load loads it into a fresh sandbox with one
 *    check function per rule and leaves exactly one table on the stack
 *    (unless a limit stopped the second load).
 */
#define _POSIX_C_SOURCE 200809L

#include "engine/pack.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SEP[] = "\n--8<--\n";
static const char TENANT[] = "--tenant\n";

static char dir[64];
static char pack_path[128], policy_path[128], rules_path[128];

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_pack: INVARIANT BROKEN: %s%s%s\n", what,
            detail ? ": " : "", detail ? detail : "");
    abort();
}

static void cleanup(void)
{
    unlink(pack_path);
    unlink(policy_path);
    unlink(rules_path);
    rmdir(dir);
}

static void init(void)
{
    snprintf(dir, sizeof dir, "/tmp/edict-fuzz-pack-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("fuzz_pack: mkdtemp");
        exit(1);
    }
    snprintf(pack_path, sizeof pack_path, "%s/pack.lua", dir);
    snprintf(policy_path, sizeof policy_path, "%s/policy.lua", dir);
    snprintf(rules_path, sizeof rules_path, "%s/rules.lua", dir);
    atexit(cleanup);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

static const uint8_t *find(const uint8_t *h, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);
    for (size_t i = 0; i + nn <= hn; i++) {
        if (memcmp(h + i, needle, nn) == 0) {
            return h + i;
        }
    }
    return NULL;
}

static void check_clean_pack(const ed_pack *p)
{
    if (!p->is_tenant && (p->name == NULL || p->version == NULL)) {
        die("a pack without problems has no name or version", NULL);
    }
    for (size_t i = 0; i < p->n_rules; i++) {
        const ed_rule *r = &p->rules[i];
        if (r->id == NULL || r->id[0] == '\0') {
            die("a rule without an id passed inspection", r->where);
        }
        if (r->cite == NULL || r->cite[0] == '\0') {
            die("a rule without a cite passed inspection", r->id);
        }
        if (r->on == NULL || r->n_on == 0) {
            die("a rule without 'on' passed inspection", r->id);
        }
        for (size_t k = 0; k < r->n_on; k++) {
            if (r->on[k] == NULL || r->on[k][0] == '\0') {
                die("a rule with an empty 'on' type passed inspection", r->id);
            }
        }
        if (r->severity < 0 || r->severity >= ED_SEV_COUNT) {
            die("a rule with a bad severity passed inspection", r->id);
        }
    }
}

/* Load the inspected pack again as a context would, in a fresh sandbox. */
static void check_load(const ed_pack *p, const ed_limits *limits)
{
    ed_sandbox *sb = ed_sandbox_new();
    if (sb == NULL) {
        die("ed_sandbox_new failed", NULL);
    }
    lua_State *L = ed_sandbox_state(sb);
    int top = lua_gettop(L);
    ed_diags d = {0};
    if (ed_pack_load(sb, p, limits, &d) != 0) {
        int stopped = 0;
        for (size_t i = 0; i < d.n; i++) {
            stopped = stopped || strstr(d.items[i].message, "limit exceeded");
        }
        if (lua_gettop(L) != top) {
            die("ed_pack_load failed and left the stack changed", NULL);
        }
        if (!stopped) {
            ed_diags_print(&d, stderr, 0);
            die("a pack that passed inspection does not load", p->name);
        }
    } else {
        if (lua_gettop(L) != top + 1 || !lua_istable(L, -1)) {
            die("ed_pack_load did not leave one table", p->name);
        }
        lua_getfield(L, -1, "checks");
        if (!lua_istable(L, -1) || lua_rawlen(L, -1) != p->n_rules) {
            die("ed_pack_load: checks do not match the rules", p->name);
        }
        for (size_t i = 1; i <= p->n_rules; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TFUNCTION) {
                die("ed_pack_load: a check is not a function", p->rules[i - 1].id);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    ed_diags_free(&d);
    ed_sandbox_free(sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        init();
    }
    if (size > 256 * 1024) {
        return 0;
    }
    int is_tenant = 0;
    if (size >= sizeof TENANT - 1 && memcmp(data, TENANT, sizeof TENANT - 1) == 0) {
        is_tenant = 1;
    }
    const uint8_t *sep = find(data, size, SEP);
    size_t man_len = sep ? (size_t)(sep - data) : size;
    const uint8_t *rules = sep ? sep + strlen(SEP) : data + size;
    size_t rules_len = (size_t)(data + size - rules);
    write_file(is_tenant ? policy_path : pack_path, data, man_len);
    write_file(rules_path, rules, rules_len);

    ed_limits limits = {(size_t)8 << 20, 200000, 200};
    ed_diags d = {0};
    ed_pack *p = ed_pack_read(dir, "fuzz", is_tenant, &d);
    /* the pack is in memory now: leave only an empty folder if we crash */
    unlink(pack_path);
    unlink(policy_path);
    unlink(rules_path);
    if (p == NULL) {
        if (d.n == 0) {
            die("ed_pack_read failed without a diagnostic", NULL);
        }
        ed_diags_free(&d);
        return 0;
    }
    size_t before = d.n;
    int problems = ed_pack_inspect(p, &limits, &d);
    if (problems < 0) {
        die("ed_pack_inspect returned a negative count", NULL);
    }
    if ((problems > 0) != (d.n > before)) {
        ed_diags_print(&d, stderr, 0);
        fprintf(stderr, "problems=%d diagnostics=%zu\n", problems, d.n - before);
        die("ed_pack_inspect's count disagrees with its diagnostics", NULL);
    }
    if (problems == 0) {
        check_clean_pack(p);
        check_load(p, &limits);
    }
    ed_pack_free(p);
    ed_diags_free(&d);
    return 0;
}
