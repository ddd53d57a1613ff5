/*
 * pack.h — rule packs: a folder with a manifest (pack.lua), rule files and
 * fixtures (the tests folder); tenant overlays (policy.lua) are packs of the
 * tenant kind.
 *
 * A pack is read from disk once: its files are kept in memory, and its
 * digest is computed over exactly those bytes, so every state that loads
 * the pack runs the code the digest names. ed_pack_inspect() loads it into
 * a scratch sandbox to validate it and learn its rules; ed_pack_load()
 * loads it into a tenant's sandbox for evaluation.
 */
#ifndef EDICT_PACK_H
#define EDICT_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"
#include "sandbox.h"

/* The pack API this engine implements: the manifest fields, rule{}, what
 * check receives and may return, and the edict.* modules, as RULES.md
 * describes them. Raised when a pack written for this engine could stop
 * loading or deciding the same way; `edict --version` names it. */
#define ED_PACK_API 1

typedef enum ed_severity {
    ED_SEV_CRITICAL = 0,
    ED_SEV_MAJOR,
    ED_SEV_MINOR,
    ED_SEV_INFO,
    ED_SEV_COUNT
} ed_severity;

const char *ed_severity_name(ed_severity s);
int ed_severity_parse(const char *s, ed_severity *out); /* 0 or -1 */

/* Open ends of an effective window. */
#define ED_DAY_MIN INT64_MIN
#define ED_DAY_MAX INT64_MAX

typedef struct ed_file {
    char *path; /* relative to the pack folder, '/'-separated */
    char *data;
    size_t len;
} ed_file;

typedef struct ed_rule {
    char *id;
    char *cite;
    ed_severity severity;
    char **on;           /* event types */
    size_t n_on;
    char **jurisdictions; /* tenant rules may narrow; NULL = the pack's */
    size_t n_jurisdictions;
    char *where;         /* file:line of the rule{} call */
} ed_rule;

/* A parameter a pack declares, or a tenant overrides. */
typedef struct ed_param {
    char *pack;  /* tenant overrides only */
    char *key;
    int type;    /* LUA_T* (a declaration's: its default's) */
    char *where;
    /* Packs: a declaration { default =, min =, max =, cite =, rules = }
     * bounds the param by a statute a tenant may tighten, not loosen. */
    int integer;          /* declared type = "integer" (packs), or the value is one (overrides) */
    int has_min, has_max;
    double min, max;
    char *cite;           /* the statute the bound encodes, or NULL */
    char **rules;         /* the rules it governs; none: every rule */
    size_t n_rules;
    /* Tenant overrides: the value, when it is a number. */
    int has_num;
    double num;
} ed_param;

typedef struct ed_waiver {
    char *rule;
    char *reason;
    char *where;
} ed_waiver;

typedef struct ed_pack {
    int is_tenant;
    char *name;          /* pack name, or the tenant's name */
    char *version;
    char *title;
    char **jurisdictions; /* "*" means any; a tenant's list may be empty (all) */
    size_t n_jurisdictions;
    int any_jurisdiction;
    char *zone;          /* IANA zone of the pack's dates, or NULL (as written) */
    int64_t from_day, until_day; /* inclusive day numbers */
    char from_text[16], until_text[16];
    char *dir;           /* folder on disk */
    char *label;         /* the folder as shown in messages and chunk names */
    char *manifest;      /* "pack.lua" or "policy.lua" */
    char digest[80];     /* "sha256:<hex>" */
    ed_file *files;
    size_t n_files;
    char **rule_files;
    size_t n_rule_files;
    char **events;       /* the event types the pack says it decides
                          * (manifest `events`), or NULL: not declared */
    size_t n_events;
    ed_rule *rules;
    size_t n_rules;
    ed_param *params;    /* declared params (packs) or overrides (tenants) */
    size_t n_params;
    ed_waiver *waivers;  /* tenants only */
    size_t n_waivers;
    ed_limits limits;    /* tenants only; zero fields keep the default */
} ed_pack;

/* Read the pack (or tenant overlay) in `dir` into memory and compute its
 * digest. `label` is how its folder is shown ("jurisdictions/us-or").
 * Returns NULL and adds a diagnostic when the folder cannot be read. */
ed_pack *ed_pack_read(const char *dir, const char *label, int is_tenant,
                      ed_diags *diags);
void ed_pack_free(ed_pack *p);

/* Load the pack into a scratch sandbox, check its manifest and rules, and
 * fill in the metadata. Returns the number of problems added to diags. */
int ed_pack_inspect(ed_pack *p, const ed_limits *limits, ed_diags *diags);

/* Load an inspected pack into sb for evaluation. Pushes a table
 * { params = <manifest params or tenant params>, checks = { fn, ... },
 *   restore = <upvalues to set back after each event> }
 * with one check function per ed_rule, in order; plus for tenants
 * `overrides` (pack name -> table). Returns 0, or -1 with diagnostics and
 * nothing pushed. */
int ed_pack_load(ed_sandbox *sb, const ed_pack *p, const ed_limits *limits,
                 ed_diags *diags);

/* "label/pack.lua:N" for the line where `field = ...` is written in the
 * manifest (or the line of its `return`), so a problem with a field
 * points at it. malloc'd: MUST BE FREED by the caller. */
char *ed_pack_field_where(const ed_pack *p, const char *field);

/* The same, where field sits inside outer's table: when field is not on a
 * line of its own (`["us-ca"] = { window = 12 }`), outer's line. */
char *ed_pack_field_where_in(const ed_pack *p, const char *field, const char *outer);

/* The file with this relative path, or NULL. */
const ed_file *ed_pack_file(const ed_pack *p, const char *path);

/* Does the pack's effective window contain this day number? */
int ed_pack_in_force(const ed_pack *p, int64_t day);

/* The local date (day number) of the instant t on the pack's clock: its
 * date in the pack's zone, or, for a pack without a zone or a plain date,
 * t's date as written. */
struct ed_time;
int64_t ed_pack_local_day(const ed_pack *p, const struct ed_time *t);

/* Does the pack (or tenant rule) serve this jurisdiction? */
int ed_pack_serves(const ed_pack *p, const char *jurisdiction);
int ed_rule_on(const ed_rule *r, const char *type);

#endif
