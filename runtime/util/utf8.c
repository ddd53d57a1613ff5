/*
 * utf8.c — UTF-8 well-formedness (see utf8.h), per RFC 3629.
 */
#define utf8_c

#include "utf8.h"

size_t ed_utf8_sequence(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    size_t len;
    unsigned long cp, min;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (u[i] & 0x3f);
    }
    /* min catches overlong forms of the 3- and 4-byte lengths (0xc0 and
     * 0xc1 were refused above) */
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

int ed_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = ed_utf8_sequence(s + i, len - i);
        if (n == 0) {
            *bad = i;
            return 0;
        }
        i += n;
    }
    return 1;
}
