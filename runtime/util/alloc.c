/*
 * alloc.c — allocation that aborts on out-of-memory (see alloc.h).
 */
#define alloc_c

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>

static void *checked(void *p)
{
    if (p == NULL) {
        fputs("edict: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *ed_xmalloc(size_t size)
{
    return checked(malloc(size ? size : 1));
}

void *ed_xcalloc(size_t n, size_t size)
{
    /* calloc checks n * size for overflow */
    return checked(calloc(n ? n : 1, size ? size : 1));
}

void *ed_xrealloc(void *p, size_t size)
{
    /* realloc(p, 0) may free p and return NULL: never ask for 0 */
    return checked(realloc(p, size ? size : 1));
}
