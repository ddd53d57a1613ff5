/*
 * buf.h — a growable byte buffer for output the host assembles in C
 * (decision JSON, reports). Not for Lua values: those use luaL_Buffer.
 */
#ifndef EDICT_BUF_H
#define EDICT_BUF_H

#include <stddef.h>

typedef struct ed_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} ed_buf;

/* All appends abort the process on allocation failure: the host cannot
 * produce a partial decision. */
void ed_buf_append(ed_buf *b, const void *p, size_t n);
void ed_buf_puts(ed_buf *b, const char *s);
void ed_buf_putc(ed_buf *b, char c);
void ed_buf_printf(ed_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ed_buf_reset(ed_buf *b);
/* Room for `extra` more bytes (and the NUL) past len, for writing into
 * data directly. */
void ed_buf_reserve(ed_buf *b, size_t extra);
void ed_buf_free(ed_buf *b);

#endif
