/*
 * luascan.c — field reads in Lua source text (see luascan.h).
 */
#include "luascan.h"

#include <string.h>

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* Is [p, p+n) in [start, stop) the name `name`, standing alone on its left? */
static int word_at(const char *start, const char *stop, const char *p, const char *name,
                   size_t n)
{
    return (size_t)(stop - p) >= n && memcmp(p, name, n) == 0 &&
           (p == start || (!ident_char(p[-1]) && p[-1] != '.'));
}

/* The name bound by `local NAME = base` on this line (not `= base.x`). */
static size_t alias_on(const char *ls, const char *stop, const char *base, char *out,
                       size_t cap)
{
    size_t blen = strlen(base);
    for (const char *q = ls; q + 6 < stop; q++) {
        if (!word_at(ls, stop, q, "local ", 6)) {
            continue;
        }
        const char *name = q + 6, *ne = name;
        while (ne < stop && ident_char(*ne)) {
            ne++;
        }
        const char *v = ne;
        while (v < stop && (*v == ' ' || *v == '\t' || *v == '=')) {
            v++;
        }
        size_t n = (size_t)(ne - name);
        if (n > 0 && n < cap && (size_t)(stop - v) >= blen && memcmp(v, base, blen) == 0 &&
            (v + blen == stop || (!ident_char(v[blen]) && v[blen] != '.'))) {
            memcpy(out, name, n);
            out[n] = '\0';
            return n;
        }
        return 0;
    }
    return 0;
}

void ed_lua_field_reads(const char *src, size_t len, const char *base, ed_lua_read_fn fn,
                        void *arg)
{
    char alias[64] = "";
    size_t blen = strlen(base), alen = 0;
    int line = 1, in_long_comment = 0;
    const char *end = src + len;
    for (const char *ls = src; ls < end; line++) {
        const char *le = memchr(ls, '\n', (size_t)(end - ls));
        le = le ? le : end;
        const char *from = ls, *stop = le;
        if (in_long_comment) {
            const char *close = NULL;
            for (const char *q = ls; q + 1 < le; q++) {
                if (q[0] == ']' && q[1] == ']') {
                    close = q;
                    break;
                }
            }
            if (close == NULL) {
                ls = le < end ? le + 1 : end;
                continue;
            }
            in_long_comment = 0;
            from = close + 2;
        }
        for (const char *q = from; q + 1 < le; q++) {
            if (q[0] == '-' && q[1] == '-') {
                stop = q;
                in_long_comment = q + 3 < le && q[2] == '[' && q[3] == '[';
                break;
            }
        }
        if (alen == 0) {
            alen = alias_on(from, stop, base, alias, sizeof alias);
        }
        for (const char *q = from; q < stop; q++) {
            size_t skip = 0;
            if (word_at(from, stop, q, base, blen) && q + blen < stop && q[blen] == '.') {
                skip = blen + 1;
            } else if (alen && word_at(from, stop, q, alias, alen) && q + alen < stop &&
                       q[alen] == '.') {
                skip = alen + 1;
            }
            if (skip == 0) {
                continue;
            }
            const char *name = q + skip, *ne = name;
            while (ne < stop && ident_char(*ne)) {
                ne++;
            }
            if (ne > name) {
                fn(arg, line, name, (size_t)(ne - name));
            }
            q = ne - 1;
        }
        ls = le < end ? le + 1 : end;
    }
}
