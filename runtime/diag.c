/*
 * diag.c — collected diagnostics (see diag.h).
 */
#define diag_c

#include "diag.h"

#include "buf.h"
#include "fsutil.h"

#include <stdarg.h>
#include <stdlib.h>

void ed_diags_add(ed_diags *d, const char *where, const char *fmt, ...)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        ed_diag *p = realloc(d->items, cap * sizeof *p);
        if (p == NULL) {
            fputs("edict: out of memory\n", stderr);
            abort();
        }
        d->items = p;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (msg == NULL) {
        fputs("edict: out of memory\n", stderr);
        abort();
    }
    va_start(ap, fmt);
    vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    va_end(ap);
    d->items[d->n].where = ed_strdup(where ? where : "");
    d->items[d->n].message = msg;
    d->n++;
}

void ed_diags_print(const ed_diags *d, FILE *f, size_t from)
{
    for (size_t i = from; i < d->n; i++) {
        if (d->items[i].where[0]) {
            fprintf(f, "%s: %s\n", d->items[i].where, d->items[i].message);
        } else {
            fprintf(f, "%s\n", d->items[i].message);
        }
    }
}

void ed_diags_free(ed_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].where);
        free(d->items[i].message);
    }
    free(d->items);
    d->items = NULL;
    d->n = d->cap = 0;
}
