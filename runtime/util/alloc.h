/*
 * alloc.h — allocation for host memory that cannot fail: on out-of-memory
 * the process says so on stderr and aborts, as ed_buf does. The host has
 * no sensible way on with half an object (a decision, a table entry), and
 * a NULL checked in a hundred places would be checked wrong in one.
 *
 * Not for memory a rule controls: that is Lua's, under the sandbox's
 * limit. The aborting strdup is ed_strdup (fsutil.h).
 */
#ifndef EDICT_ALLOC_H
#define EDICT_ALLOC_H

#include <stddef.h>

/* malloc, calloc and realloc that never return NULL. A size of 0 is
 * served as 1, so every call returns a pointer that must be freed. */
void *ed_xmalloc(size_t size);
void *ed_xcalloc(size_t n, size_t size);
void *ed_xrealloc(void *p, size_t size);

#endif
