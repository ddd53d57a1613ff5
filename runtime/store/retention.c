/*
 * retention.c — what both stores' retention reports share (store_impl.h):
 * an entry's day, whether it is past its own retention date, and the
 * per-tenant tally a walk of the chains adds up and each report prints.
 * How an entry is archived stays each store's own.
 */
#include "store_impl.h"

#include "util/fsutil.h"

#include <stdlib.h>
#include <string.h>

int32_t ed_store_day_of(const char *s, size_t n)
{
    if (n < 10 || s[4] != '-' || s[7] != '-') {
        return 0;
    }
    int32_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            continue;
        }
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int ed_store_past_retention(const char *until, size_t n, const char *as_of)
{
    return n == 10 && ed_store_day_of(until, n) > 0 && strncmp(until, as_of, 10) < 0;
}

ed_retention_count *ed_retention_of(ed_retention_tally *r, const char *name)
{
    if (r->n > 0 && strcmp(r->t[r->n - 1].name, name) == 0) {
        return &r->t[r->n - 1]; /* a walk gives a tenant's entries together */
    }
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->t[i].name, name) == 0) {
            return &r->t[i];
        }
    }
    ed_retention_count *t = realloc(r->t, (r->n + 1) * sizeof *t);
    if (t == NULL) {
        abort();
    }
    r->t = t;
    t = &r->t[r->n++];
    memset(t, 0, sizeof *t);
    t->name = ed_strdup(name);
    return t;
}

int ed_retention_visit(void *arg, const ed_entry *e)
{
    ed_retention_tally *r = arg;
    ed_retention_count *t = ed_retention_of(r, e->tenant);
    t->entries++;
    size_t n = strlen(e->retention_until);
    if (e->bytes == NULL) {
        t->archived++;
    } else if (n == 0) {
        t->undated++;
    } else if (ed_store_past_retention(e->retention_until, n, r->as_of)) {
        t->past++;
    } else if (t->next[0] == '\0' || strcmp(e->retention_until, t->next) < 0) {
        snprintf(t->next, sizeof t->next, "%.10s", e->retention_until);
    }
    return 0;
}

void ed_retention_report(FILE *out, const ed_retention_count *t, const char *as_of,
                         int archived_now, size_t archived)
{
    fprintf(out, "tenant %s: %zu entries; %zu past retention on %s%s; %zu without a "
            "retention date (kept); %zu archived; %s%s\n", t->name, t->entries, t->past,
            as_of, archived_now ? " (archived now)" : "", t->undated, archived,
            t->next[0] ? "the next may go after " : "nothing else has a date", t->next);
}

void ed_retention_free(ed_retention_tally *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->t[i].name);
    }
    free(r->t);
    r->t = NULL;
    r->n = 0;
}
