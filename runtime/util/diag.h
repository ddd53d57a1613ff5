/*
 * diag.h — diagnostics for pack authors: a list of "file:line: message"
 * problems, collected rather than raised, so `edict check` can report
 * every problem in one run.
 */
#ifndef EDICT_DIAG_H
#define EDICT_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

typedef struct ed_diag {
    char *where;   /* "file:line", "file", or "" */
    char *message;
} ed_diag;

typedef struct ed_diags {
    ed_diag *items;
    size_t n, cap;
} ed_diags;

void ed_diags_add(ed_diags *d, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Print each as "where: message" (or the message alone) to f. */
void ed_diags_print(const ed_diags *d, FILE *f, size_t from);
/* Append the same text to b: one diagnostic (no newline), or all of them
 * (each ending in a newline). */
void ed_diag_text(const ed_diag *item, ed_buf *b);
void ed_diags_text(const ed_diags *d, ed_buf *b);
void ed_diags_free(ed_diags *d);

#endif
