/*
 * fixtures.h — the fixtures of packs and tenant overlays as a library:
 * each fixture's result handed back as a structure, for `edict test`
 * (which prints them), for `edict check` (which loads the fixture files
 * only) and for a reload (which refuses packs whose fixtures fail, and
 * says which).
 */
#ifndef EDICT_FIXTURES_H
#define EDICT_FIXTURES_H

#include "engine/catalog.h"

/* One fixture's result. A fixture file that cannot be read is one failed
 * result with name NULL. */
typedef struct ed_fixture_result {
    const char *file;  /* "<pack label>/<path>" */
    int line;          /* the line of the fixture's table in file; 0 when
                        * it cannot be told (or, name NULL, the error's) */
    const char *name;  /* the fixture's name, or NULL */
    int ok;
    const char *why;   /* on failure: what was expected and got, a line
                        * each, each line starting "\n    " (for a file:
                        * its error) */
} ed_fixture_result;

typedef void (*ed_fixture_fn)(void *arg, const ed_fixture_result *r);

/* What a run selects and collects. */
typedef struct ed_fixture_options {
    /* run only the fixtures whose "file: name" contains one of these
     * (plain substrings, case-sensitive); none: every fixture */
    char *const *run;
    size_t n_run;
    int coverage;      /* fill the coverage table (decides with --explain) */
} ed_fixture_options;

/* Per rule (of every pack version and tenant in the catalog): did some
 * fixture make it fire (a finding, noted or waived), or hold? */
typedef struct ed_rule_coverage {
    const char *label;  /* the pack's folder label */
    const char *pack, *version;
    const char *rule;
    const char *where;  /* file:line of the rule */
    int fired, held;
} ed_rule_coverage;

typedef struct ed_fixture_coverage {
    ed_rule_coverage *rules;
    size_t n;
} ed_fixture_coverage;

void ed_fixture_coverage_free(ed_fixture_coverage *c);

/* Run every fixture of cat's packs and tenants, calling report for each.
 * 0 with the counts, or -1 when they could not be run. */
int ed_fixtures_run(const ed_catalog *cat, ed_fixture_fn report, void *arg,
                    int *passed, int *failed);

/* The same, with options; cov (when opt->coverage) is filled and must be
 * freed by the caller. */
int ed_fixtures_run_with(const ed_catalog *cat, const ed_fixture_options *opt,
                         ed_fixture_fn report, void *arg, int *passed, int *failed,
                         ed_fixture_coverage *cov);

/* Load (without deciding anything) every fixture file of cat's packs and
 * tenants: a file that does not compile, fails while it runs, or does not
 * return a list of fixtures with an event and an expect table each is a
 * diagnostic at its file:line in d. The label of each pack or tenant with
 * no fixture file is appended to missing, and of each with a fixture
 * problem to broken (either NULL: not asked), a line each. Returns the
 * number of problems added. */
int ed_fixtures_check(const ed_catalog *cat, ed_diags *d, ed_buf *missing, ed_buf *broken);

#endif
