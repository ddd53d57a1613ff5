/*
 * ctls.h — Health Canada's Cannabis Tracking and Licensing System: the
 * interface a CTLS adapter would implement. A PLACEHOLDER: nothing
 * implements it and edict sends nothing to CTLS (seed 000 asks for the
 * shape only). CTLS takes monthly reports entered by hand or uploaded as
 * CSV (FACTS §6 [P C2]); no API for integrators was found. The report's
 * one check known (opening vs last month's closing, 5 %) is the rule pack
 * jurisdictions/ca-ctls.
 */
#ifndef EDICT_CTLS_H
#define EDICT_CTLS_H

#include <stddef.h>

#include "util/buf.h"

/* One inventory category of a monthly report: kg, or a count for plants. */
typedef struct ed_ctls_line {
    const char *category;
    const char *unit; /* "kg" or "count" */
    double opening, closing;
} ed_ctls_line;

typedef struct ed_ctls_report {
    const char *licence;
    const char *month; /* YYYY-MM */
    const ed_ctls_line *lines;
    size_t n_lines;
} ed_ctls_report;

/* What an implementation provides: the report as CTLS's CSV upload, and
 * (were there an API) its submission. 0, or -1 with err. */
typedef struct ed_ctls_adapter {
    int (*report_csv)(void *self, const ed_ctls_report *r, ed_buf *csv, ed_buf *err);
    int (*submit)(void *self, const ed_ctls_report *r, ed_buf *receipt, ed_buf *err);
    void *self;
} ed_ctls_adapter;

#endif
