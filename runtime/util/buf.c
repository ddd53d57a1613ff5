/*
 * buf.c — growable byte buffer (see buf.h).
 */
#define buf_c

#include "buf.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(ed_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    b->data = ed_xrealloc(b->data, cap);
    b->cap = cap;
}

void ed_buf_reserve(ed_buf *b, size_t extra)
{
    reserve(b, extra);
    b->data[b->len] = '\0';
}

void ed_buf_append(ed_buf *b, const void *p, size_t n)
{
    reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ed_buf_puts(ed_buf *b, const char *s) { ed_buf_append(b, s, strlen(s)); }

void ed_buf_putc(ed_buf *b, char c) { ed_buf_append(b, &c, 1); }

void ed_buf_printf(ed_buf *b, const char *fmt, ...)
{
    /* One pass when the text fits in what is left, which is nearly always. */
    reserve(b, 64);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void ed_buf_reset(ed_buf *b)
{
    b->len = 0;
    if (b->data) {
        b->data[0] = '\0';
    }
}

void ed_buf_free(ed_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
