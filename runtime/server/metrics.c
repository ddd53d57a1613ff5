/*
 * metrics.c — counters, gauges, histograms and their Prometheus text
 * exposition (see metrics.h).
 *
 * Series live in one table keyed by "name\0labels" (NUL cannot occur in
 * either), hashed with SipHash under a random key per object (table.h):
 * label values come from requests (tenant names), and a predictable hash
 * would let them pile into one chain. Each family also lists its series,
 * for rendering and for the per-family cap.
 */
#define _POSIX_C_SOURCE 200809L
#define metrics_c

#include "metrics.h"
#include "util/alloc.h"
#include "util/fsutil.h"
#include "util/table.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROPPED_NAME "edict_metrics_dropped_series_total"

typedef enum { COUNTER, GAUGE, HISTOGRAM } metric_type;

static const char *const type_names[] = {"counter", "gauge", "histogram"};

typedef struct series series;

typedef struct family {
    char *name;
    char *help;
    metric_type type;
    double *bounds;    /* histogram bucket upper bounds, ascending, no +Inf */
    size_t n_bounds;
    series **series;   /* in creation order; sorted only while rendering */
    size_t n_series, cap_series;
} family;

/* The value of a table entry; its key (name, NUL, labels) is the table's. */
struct series {
    family *fam;
    double value;      /* counter, gauge; histogram: the sum */
    uint64_t count;    /* histogram observations */
    uint64_t *buckets; /* histogram: n_bounds + 1 per-bucket (not cumulative) counts, the last +Inf */
    const char *labels; /* points into the entry's key, after the name's NUL */
};

struct ed_metrics {
    pthread_mutex_t lock; /* guards everything below */
    family **families;
    size_t n_families, cap_families;
    ed_table *series;     /* "name\0labels" -> series */
    series *dropped;      /* the edict_metrics_dropped_series_total series */
};

/* ------------------------------------------------------------------ */
/* Families and series                                                  */
/* ------------------------------------------------------------------ */

static family *find_family(ed_metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n_families; i++) {
        if (strcmp(m->families[i]->name, name) == 0) {
            return m->families[i];
        }
    }
    return NULL;
}

/* A new series of fam for k ("name\0labels"), or NULL when fam is at its
 * cap. */
static series *add_series(ed_metrics *m, family *fam, ed_table_key k)
{
    if (fam->n_series >= ED_METRICS_MAX_SERIES) {
        return NULL;
    }
    series *s = ed_table_insert(m->series, k, sizeof *s);
    const char *id = ed_table_key_bytes(s, NULL);
    s->labels = id + strlen(id) + 1;
    s->fam = fam;
    if (fam->type == HISTOGRAM) {
        s->buckets = ed_xcalloc(fam->n_bounds + 1, sizeof *s->buckets);
    }
    if (fam->n_series == fam->cap_series) {
        fam->cap_series = fam->cap_series ? fam->cap_series * 2 : 8;
        fam->series = ed_xrealloc(fam->series, fam->cap_series * sizeof *fam->series);
    }
    fam->series[fam->n_series++] = s;
    return s;
}

/* The series for name{labels}, created if its family allows; NULL when
 * the update must be dropped. Called with the lock held. */
static series *lookup(ed_metrics *m, const char *name, const char *labels, ed_table_key k)
{
    series *s = ed_table_find(m->series, k);
    if (s != NULL) {
        return s;
    }
    family *fam = find_family(m, name);
    if (fam == NULL || strchr(labels, '\n') != NULL) {
        return NULL; /* undescribed, or a label value left unescaped */
    }
    return add_series(m, fam, k);
}

typedef enum { OP_INC, OP_SET, OP_OBSERVE } op_kind;

/* Every update: find or make the series, check the call fits its type,
 * apply it, or count it as dropped. */
static void update(ed_metrics *m, op_kind op, const char *name, const char *labels, double v)
{
    if (m == NULL) {
        return;
    }
    if (labels == NULL) {
        labels = "";
    }
    int valid = name != NULL;
    char stack_id[256], *owned = NULL, *id = stack_id;
    ed_table_key k = {NULL, 0, 0};
    if (valid) {
        size_t ln = strlen(name), ll = strlen(labels);
        size_t id_len = ln + 1 + ll;
        if (id_len + 1 > sizeof stack_id) {
            id = owned = ed_xmalloc(id_len + 1);
        }
        memcpy(id, name, ln + 1);
        memcpy(id + ln + 1, labels, ll + 1);
        k = ed_table_key_of(m->series, id, id_len); /* no lock needed */
    }

    pthread_mutex_lock(&m->lock);
    series *s = valid ? lookup(m, name, labels, k) : NULL;
    metric_type type = s ? s->fam->type : COUNTER;
    if (s == NULL) {
        valid = 0;
    } else if (op == OP_INC) {
        valid = (type == COUNTER && isfinite(v) && v >= 0) || (type == GAUGE && isfinite(v));
    } else if (op == OP_SET) {
        valid = type == GAUGE;
    } else {
        valid = type == HISTOGRAM && !isnan(v);
    }
    if (!valid) {
        m->dropped->value += 1;
    } else if (op == OP_INC) {
        s->value += v;
    } else if (op == OP_SET) {
        s->value = v;
    } else {
        /* The first bound >= v: le means "less than or equal". */
        size_t lo = 0, hi = s->fam->n_bounds;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->fam->bounds[mid] >= v) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        s->buckets[lo]++; /* lo == n_bounds: only +Inf */
        s->count++;
        s->value += v;
    }
    pthread_mutex_unlock(&m->lock);
    free(owned);
}

/* ------------------------------------------------------------------ */
/* The API                                                              */
/* ------------------------------------------------------------------ */

static int valid_name(const char *name)
{
    if (name == NULL || name[0] == '\0' || (name[0] >= '0' && name[0] <= '9')) {
        return 0;
    }
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':')) {
            return 0;
        }
    }
    return 1;
}

static int same_bounds(const family *f, const double *b, size_t n)
{
    if (f->n_bounds != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (f->bounds[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

int ed_metrics_describe(ed_metrics *m, const char *name, const char *type, const char *help,
                        const double *buckets, size_t n_buckets)
{
    if (m == NULL || !valid_name(name) || type == NULL) {
        return -1;
    }
    if (help == NULL) {
        help = "";
    }
    metric_type t;
    if (strcmp(type, "counter") == 0) {
        t = COUNTER;
    } else if (strcmp(type, "gauge") == 0) {
        t = GAUGE;
    } else if (strcmp(type, "histogram") == 0) {
        t = HISTOGRAM;
    } else {
        return -1;
    }
    if (t != HISTOGRAM) {
        n_buckets = 0;
    }
    if (n_buckets > 0 && buckets == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n_buckets; i++) {
        if (!isfinite(buckets[i]) || (i > 0 && !(buckets[i] > buckets[i - 1]))) {
            return -1;
        }
    }

    pthread_mutex_lock(&m->lock);
    int rc = 0;
    family *f = find_family(m, name);
    if (f != NULL) {
        int same = f->type == t && strcmp(f->help, help) == 0 && same_bounds(f, buckets, n_buckets);
        rc = same ? 0 : -1;
    } else {
        f = ed_xcalloc(1, sizeof *f);
        f->name = ed_strdup(name);
        f->help = ed_strdup(help);
        f->type = t;
        f->n_bounds = n_buckets;
        if (n_buckets > 0) {
            f->bounds = ed_xcalloc(n_buckets, sizeof *f->bounds);
            memcpy(f->bounds, buckets, n_buckets * sizeof *f->bounds);
        }
        if (m->n_families == m->cap_families) {
            m->cap_families = m->cap_families ? m->cap_families * 2 : 16;
            m->families = ed_xrealloc(m->families, m->cap_families * sizeof *m->families);
        }
        m->families[m->n_families++] = f;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

ed_metrics *ed_metrics_new(void)
{
    ed_metrics *m = ed_xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->series = ed_table_new();
    ed_metrics_describe(m, DROPPED_NAME, "counter",
                        "metric updates dropped: a new series past the per-metric cap, an "
                        "undescribed metric, or a call or value that does not fit the metric",
                        NULL, 0);
    static const char dropped_id[] = DROPPED_NAME "\0";
    m->dropped = add_series(m, m->families[0],
                            ed_table_key_of(m->series, dropped_id, sizeof dropped_id - 1));
    return m;
}

void ed_metrics_free(ed_metrics *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->n_families; i++) {
        family *f = m->families[i];
        for (size_t j = 0; j < f->n_series; j++) {
            free(f->series[j]->buckets); /* the series themselves are the table's */
        }
        free(f->series);
        free(f->bounds);
        free(f->name);
        free(f->help);
        free(f);
    }
    free(m->families);
    ed_table_free(m->series);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void ed_metrics_inc(ed_metrics *m, const char *name, const char *labels, double by)
{
    update(m, OP_INC, name, labels, by);
}

void ed_metrics_set(ed_metrics *m, const char *name, const char *labels, double value)
{
    update(m, OP_SET, name, labels, value);
}

void ed_metrics_observe(ed_metrics *m, const char *name, const char *labels, double value)
{
    update(m, OP_OBSERVE, name, labels, value);
}

size_t ed_metrics_label_escape(const char *value, ed_buf *out)
{
    size_t before = out->len;
    const char *plain = value; /* start of the run needing no escape */
    for (const char *p = value; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : *p == '\n' ? "\\n" : NULL;
        if (esc != NULL) {
            ed_buf_append(out, plain, (size_t)(p - plain));
            ed_buf_append(out, esc, 2);
            plain = p + 1;
        }
    }
    ed_buf_puts(out, plain);
    return out->len - before;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                            */
/* ------------------------------------------------------------------ */

/* v as the exposition format reads it (Go's ParseFloat): see metrics.h. */
static void put_number(ed_buf *out, double v)
{
    if (isnan(v)) {
        ed_buf_puts(out, "NaN");
    } else if (isinf(v)) {
        ed_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) <= 9007199254740992.0 /* 2^53 */) {
        ed_buf_printf(out, "%.0f", v == 0 ? 0.0 : v); /* no "-0" */
    } else {
        /* %.15g is the shortest exact form whenever one of at most 15
         * digits exists; otherwise 16 or 17 digits are needed. */
        char text[32];
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(text, sizeof text, "%.*g", digits, v);
            if (strtod(text, NULL) == v) {
                break;
            }
        }
        ed_buf_puts(out, text);
    }
}

static void put_help(ed_buf *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\') {
            ed_buf_puts(out, "\\\\");
        } else if (*p == '\n') {
            ed_buf_puts(out, "\\n");
        } else {
            ed_buf_putc(out, *p);
        }
    }
}

/* name{labels} or name{labels,le="bound"} (bound NULL: none), then a
 * space, the value and a newline. */
static void put_sample(ed_buf *out, const char *name, const char *suffix, const char *labels,
                       const double *bound, double value)
{
    ed_buf_puts(out, name);
    ed_buf_puts(out, suffix);
    if (labels[0] != '\0' || bound != NULL) {
        ed_buf_putc(out, '{');
        ed_buf_puts(out, labels);
        if (bound != NULL) {
            ed_buf_puts(out, labels[0] != '\0' ? ",le=\"" : "le=\"");
            put_number(out, *bound);
            ed_buf_putc(out, '"');
        }
        ed_buf_putc(out, '}');
    }
    ed_buf_putc(out, ' ');
    put_number(out, value);
    ed_buf_putc(out, '\n');
}

static int by_family_name(const void *a, const void *b)
{
    return strcmp((*(family *const *)a)->name, (*(family *const *)b)->name);
}

static int by_labels(const void *a, const void *b)
{
    return strcmp((*(series *const *)a)->labels, (*(series *const *)b)->labels);
}

void ed_metrics_render(ed_metrics *m, ed_buf *out)
{
    static const double inf = INFINITY;
    pthread_mutex_lock(&m->lock);
    /* Sorting in place is harmless: nothing else depends on these orders. */
    if (m->n_families > 1) {
        qsort(m->families, m->n_families, sizeof *m->families, by_family_name);
    }
    for (size_t i = 0; i < m->n_families; i++) {
        family *f = m->families[i];
        ed_buf_printf(out, "# HELP %s ", f->name);
        put_help(out, f->help);
        ed_buf_printf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
        if (f->n_series > 1) { /* f->series is NULL while there are none */
            qsort(f->series, f->n_series, sizeof *f->series, by_labels);
        }
        for (size_t j = 0; j < f->n_series; j++) {
            series *s = f->series[j];
            if (f->type != HISTOGRAM) {
                put_sample(out, f->name, "", s->labels, NULL, s->value);
                continue;
            }
            uint64_t cumulative = 0;
            for (size_t k = 0; k < f->n_bounds; k++) {
                cumulative += s->buckets[k];
                put_sample(out, f->name, "_bucket", s->labels, &f->bounds[k], (double)cumulative);
            }
            put_sample(out, f->name, "_bucket", s->labels, &inf, (double)s->count);
            put_sample(out, f->name, "_sum", s->labels, NULL, s->value);
            put_sample(out, f->name, "_count", s->labels, NULL, (double)s->count);
        }
    }
    pthread_mutex_unlock(&m->lock);
}
