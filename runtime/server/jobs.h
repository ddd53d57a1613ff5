/*
 * jobs.h — the scheduled work of `edict serve` on a store several nodes
 * share (PostgreSQL): the main thread calls ed_jobs_poll at jobs_poll_ms,
 * and whichever node claims a due job runs it (store.h, ed_store_job_run),
 * so with N nodes each job runs once per period. The jobs: the retention
 * sweep (what `edict retention archive` does, as of today) and each
 * configured licence's Metrc sync and, between syncs, its outbox push
 * (`metrc = {…}` in the configuration;
 * on the file store, due by this node's own clock).
 */
#ifndef EDICT_JOBS_H
#define EDICT_JOBS_H

#include "config.h"
#include "metrics.h"
#include "store/store.h"

/* Run what is due. 0; ED_STORE_UNSUPPORTED when the store has no shared
 * scheduling (the file store: the caller stops polling). Outcomes and
 * errors are logged; Metrc syncs and outbox states go to metrics. */
int ed_jobs_poll(ed_store *s, const ed_config *cfg, const char *holder, ed_metrics *metrics);

/* What rules' edict.metrc calls may ask (adapters/metrc, ed_metrc_lookup):
 * each configured (tenant, licence) with its own keys, and nothing else.
 * NULL when none is configured, or with err when a keys file cannot be
 * read. Free with ed_metrc_lookups_free. */
struct ed_metrc_lookups;
struct ed_metrc_lookups *ed_jobs_metrc_lookups(const ed_config *cfg, ed_buf *err);

#endif
