/*
 * metrics.h — counters, gauges and histograms for `edict serve`, rendered
 * in the Prometheus text exposition format 0.0.4 for GET /metrics.
 *
 * A metric (a family: one name, type and help text) is described once;
 * its series (one per label set) appear at their first update. Labels are
 * passed already formatted, without braces, e.g.
 *     route="/v1/evaluate",status="200"
 * with every value escaped by ed_metrics_label_escape. "" (or NULL) is
 * the series without labels. The label set is used as given, byte for
 * byte: format it the same way each time (same names, same order), or the
 * same series will be counted twice.
 *
 * Updates never fail loudly: an update that cannot be applied (the metric
 * was never described, the call does not fit its type, a negative or
 * non-finite counter increment, a NaN observation, a label set holding a
 * newline, or a new series past ED_METRICS_MAX_SERIES for that metric) is
 * dropped and counted in the counter edict_metrics_dropped_series_total,
 * which is always rendered. The cap is what keeps a flood of tenants from
 * exhausting memory through per-tenant labels.
 *
 * Threads: one ed_metrics may be shared by any number of threads; every
 * call takes the object's own mutex (an update holds it for one hash
 * lookup; a render for the whole text).
 *
 * Out of memory aborts the process (as ed_buf does).
 */
#ifndef EDICT_METRICS_H
#define EDICT_METRICS_H

#include <stddef.h>

#include "util/buf.h"

/* Most series (label sets) one metric may have. */
#define ED_METRICS_MAX_SERIES 10000

typedef struct ed_metrics ed_metrics;

ed_metrics *ed_metrics_new(void);
void ed_metrics_free(ed_metrics *m);

/* Describe a metric before its first update. type is "counter", "gauge"
 * or "histogram". help is free text (rendered with \ and newline
 * escaped). For a histogram, buckets are the upper bounds, finite and
 * strictly ascending; +Inf is implicit and must not be listed; NULL/0
 * means +Inf only. buckets is ignored for other types. The name must match
 * [a-zA-Z_:][a-zA-Z0-9_:]*. Returns 0; or -1 when the arguments are
 * invalid or the name is already described differently (the first
 * description stays; describing again identically returns 0). */
int ed_metrics_describe(ed_metrics *m, const char *name, const char *type, const char *help,
                        const double *buckets, size_t n_buckets);

/* Counter: add by (finite, >= 0). Gauge: add by (finite, may be negative:
 * an in-flight gauge goes up and down). */
void ed_metrics_inc(ed_metrics *m, const char *name, const char *labels, double by);

/* Gauge: set to value (any double, NaN and infinities included). */
void ed_metrics_set(ed_metrics *m, const char *name, const char *labels, double value);

/* Histogram: count value in every bucket whose bound is >= value (le is
 * "less than or equal"), in +Inf, in _count, and add it to _sum. */
void ed_metrics_observe(ed_metrics *m, const char *name, const char *labels, double value);

/* Append the exposition text to out: for each metric, sorted by name,
 * "# HELP" and "# TYPE" lines (also for a metric with no series yet: a
 * series appears at its first update, so to export 0 for an unlabelled
 * counter from the start, inc it by 0), then its series sorted bytewise
 * by label set. A histogram series is its cumulative _bucket{...,le="b"}
 * lines in ascending b, then le="+Inf", then _sum and _count. Numbers:
 * integers up to 2^53 in plain digits ("12", never "1.2e+01"), other
 * values in the shortest form that reads back exactly ("0.1", "1e-05"),
 * and +Inf, -Inf, NaN. Bucket bounds use the same form (le="0.5",
 * le="1"). The same updates always render the same bytes. */
void ed_metrics_render(ed_metrics *m, ed_buf *out);

/* Append value escaped for use inside a label value's double quotes:
 * \ as \\, " as \", newline as \n; other bytes unchanged. Returns the
 * number of bytes appended. */
size_t ed_metrics_label_escape(const char *value, ed_buf *out);

#endif
