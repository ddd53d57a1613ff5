/*
 * fixtures.h — the fixtures of packs and tenant overlays as a library:
 * each fixture's result handed back as a structure, for `edict test`
 * (which prints them) and for a reload (which refuses packs whose
 * fixtures fail, and says which).
 */
#ifndef EDICT_FIXTURES_H
#define EDICT_FIXTURES_H

#include "engine/catalog.h"

/* One fixture's result. A fixture file that cannot be read is one failed
 * result with name NULL. */
typedef struct ed_fixture_result {
    const char *file;  /* "<pack label>/<path>" */
    const char *name;  /* the fixture's name, or NULL */
    int ok;
    const char *why;   /* on failure: what was expected and got, a line
                        * each, each line starting "\n    " (for a file:
                        * its error) */
} ed_fixture_result;

typedef void (*ed_fixture_fn)(void *arg, const ed_fixture_result *r);

/* Run every fixture of cat's packs and tenants, calling report for each.
 * 0 with the counts, or -1 when they could not be run. */
int ed_fixtures_run(const ed_catalog *cat, ed_fixture_fn report, void *arg,
                    int *passed, int *failed);

#endif
