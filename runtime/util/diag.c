/*
 * diag.c — collected diagnostics (see diag.h).
 */
#define diag_c

#include "diag.h"

#include "alloc.h"
#include "buf.h"
#include "fsutil.h"

#include <stdarg.h>
#include <stdlib.h>

void ed_diags_add(ed_diags *d, const char *where, const char *fmt, ...)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        d->items = ed_xrealloc(d->items, cap * sizeof *d->items);
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = ed_xmalloc(n > 0 ? (size_t)n + 1 : 1);
    va_start(ap, fmt);
    vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    va_end(ap);
    d->items[d->n].where = ed_strdup(where ? where : "");
    d->items[d->n].message = msg;
    d->n++;
}

void ed_diag_text(const ed_diag *item, ed_buf *b)
{
    if (item->where && item->where[0]) {
        ed_buf_printf(b, "%s: %s", item->where, item->message);
    } else {
        ed_buf_puts(b, item->message);
    }
}

void ed_diags_text(const ed_diags *d, ed_buf *b)
{
    for (size_t i = 0; i < d->n; i++) {
        ed_diag_text(&d->items[i], b);
        ed_buf_putc(b, '\n');
    }
}

void ed_diags_print(const ed_diags *d, FILE *f, size_t from)
{
    ed_buf b = {0};
    for (size_t i = from; i < d->n; i++) {
        ed_buf_reset(&b);
        ed_diag_text(&d->items[i], &b);
        fprintf(f, "%s\n", b.data ? b.data : "");
    }
    ed_buf_free(&b);
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
