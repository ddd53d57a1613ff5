/*
 * primusgfs.h — PrimusGFS, the GFSI-recognised food-safety audit scheme:
 * the interface a PrimusGFS adapter would implement. A PLACEHOLDER:
 * nothing implements it. PrimusGFS has no regulator reporting: audit
 * reports go to the certification body and to buyers (FACTS §6), so what
 * edict would exchange is audit evidence (the records kept per module,
 * 3 months of them before a first audit), not filings.
 */
#ifndef EDICT_PRIMUSGFS_H
#define EDICT_PRIMUSGFS_H

#include <stddef.h>

#include "util/buf.h"

/* A record offered as audit evidence for a module (1: food-safety
 * management system, 2: farm GAP, 8: grains and pulses, 9: IPM…). */
typedef struct ed_primus_record {
    int module;
    const char *kind;        /* e.g. "water_test", "pest_control_log" */
    const char *recorded_at; /* RFC 3339 */
    const char *json;        /* the record */
} ed_primus_record;

typedef struct ed_primusgfs_adapter {
    /* gather the records of [from, to] for an audit, as the body wants them */
    int (*evidence)(void *self, const char *from, const char *to, const ed_primus_record *recs,
                    size_t n, ed_buf *out, ed_buf *err);
    void *self;
} ed_primusgfs_adapter;

#endif
