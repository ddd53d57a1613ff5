/*
 * diff.h — what would change if one set of packs replaced another: decide
 * the same events under two catalogs (never journaled) and compare the
 * decisions, reporting only the events whose decision changes.
 *
 * A decision changes when its flag, score, findings (by rule id and
 * severity, with counts; or, counts equal, their message or details),
 * obligations, retention_until, errors or waivers differ, or when the
 * event is refused under one catalog and decided under the other. What
 * always differs between two catalogs is not a change on its own: the
 * decision id, the pack digests, the folder an error's `where` names, and
 * the pack versions in force (a new version that decides alike). The
 * versions are reported with every changed event, and the summary counts
 * the events decided by other versions.
 *
 * `edict diff` (cmd_diff.c) drives it event by event; the HTTP server's
 * POST /v1/admin/diff is meant to call it over a tenant's journaled events,
 * passing the journaled decision as the "from" side when it has one.
 */
#ifndef EDICT_DIFF_H
#define EDICT_DIFF_H

#include <lua.h>
#include <stdio.h>

#include "util/buf.h"
#include "engine/catalog.h"

/* Exit status of `edict diff` when some decision changed. */
#define ED_EXIT_CHANGED 4

typedef enum ed_diff_format {
    ED_DIFF_TEXT = 0, /* one block per changed event, for people */
    ED_DIFF_JSON      /* one JSON object per line, for machines */
} ed_diff_format;

typedef struct ed_diff_options {
    const char *tenant;   /* as eval --tenant: the events' tenant; may be NULL */
    const char *as_of;    /* as eval --as-of (already checked); may be NULL */
    ed_diff_format format;
} ed_diff_options;

/* What became of one event. */
typedef enum ed_diff_result {
    ED_DIFF_UNCHANGED = 0,
    ED_DIFF_CHANGED,
    ED_DIFF_REFUSED,      /* unreadable, or refused under both catalogs */
    ED_DIFF_HOST_FAILURE  /* edict itself failed; stop */
} ed_diff_result;

/* A side's outcome in the transition counts: the three flags, then
 * "refused" (the event was refused under that catalog). */
#define ED_DIFF_REFUSED_SIDE 3
#define ED_DIFF_OUTCOMES 4

typedef struct ed_diff_counts {
    long events;    /* changed + unchanged + refused */
    long changed;
    long unchanged;
    long refused;
    long versions_changed; /* decided on both sides, by other pack versions */
    /* changed events by outcome under "from", then under "to" */
    long transitions[ED_DIFF_OUTCOMES][ED_DIFF_OUTCOMES];
} ed_diff_counts;

/* "green", "yellow", "red" or "refused". */
const char *ed_diff_outcome_name(int outcome);

typedef struct ed_differ ed_differ;

/* Start a comparison of `from` and `to` (borrowed: they must outlive the
 * differ; both must be free of problems). `from` may be NULL when every
 * event comes with its "from" decision (ed_differ_event's from_decision).
 * opt's strings are borrowed too. Returns NULL with err set when the
 * JSON state cannot be made. MUST BE FREED with ed_differ_free. */
ed_differ *ed_differ_new(const ed_catalog *from, const ed_catalog *to,
                         const ed_diff_options *opt, ed_buf *err);
void ed_differ_free(ed_differ *df);

/* Compare the decisions on the decoded event at the top of L (a plain
 * state holding cjson values, such as ed_json_host_state's; the event is
 * popped). The event is decided under `to`, and under `from` unless
 * from_decision (JSON text, from_len bytes) is the decision the caller
 * already has for it.
 *
 * Appends to out, in the differ's format:
 *   CHANGED:   the report of the event (a text block ending in a blank
 *              line, or one JSON object and a newline);
 *   REFUSED:   an error line naming `unit` ("line", "index") and `where`,
 *              as `edict eval` writes them; err holds the bare reason;
 *   UNCHANGED: nothing;
 *   HOST_FAILURE: nothing; err says what failed.
 * Every result but HOST_FAILURE is counted. */
ed_diff_result ed_differ_event(ed_differ *df, lua_State *L, const char *unit,
                               long where, const char *from_decision,
                               size_t from_len, ed_buf *out, ed_buf *err);

/* Count and report an event the caller could not decode (invalid JSON,
 * too large): appends its error line to out, like a refused event. */
void ed_differ_refuse(ed_differ *df, const char *unit, long where,
                      const char *event_id, const char *message, ed_buf *out);

const ed_diff_counts *ed_differ_counts(const ed_differ *df);

/* Append the summary: in text "N events, N changed (green→red: n, …),
 * N unchanged, N refused" and a newline, after "other pack versions
 * decided N events (changed or not)" when there are such; in JSON one line
 * {"summary":{"events":N,"changed":N,"unchanged":N,"refused":N,
 * "versions_changed":N,"transitions":[{"from":..,"to":..,"count":n},…]}}. */
void ed_differ_summary(const ed_differ *df, ed_buf *out);

/* The whole comparison at once: every decoded event of the array at idx in
 * L (unit "index"), then the summary, appended to out; the counts in
 * *counts when not NULL. Returns 0, or -1 with err set on a host failure
 * (out then holds the reports of the events before it). */
int ed_diff_events(const ed_catalog *from, const ed_catalog *to,
                   const ed_diff_options *opt, lua_State *L, int idx,
                   ed_buf *out, ed_diff_counts *counts, ed_buf *err);

/* Read every event of in (path names it in messages; intake.c's forms)
 * and compare each, writing the reports and then the summary to out and
 * each refused event's line to msgs. 0, or -1 on a host failure (said on
 * msgs; no summary then). */
int ed_differ_read_file(ed_differ *df, FILE *in, const char *path, FILE *out, FILE *msgs);

#endif
