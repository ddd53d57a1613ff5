/*
 * utf8.h — UTF-8 well-formedness, with one decoder for both jobs the host
 * has: refusing input that is not UTF-8 (request bodies, event files) and
 * repairing output that must be valid JSON (jsonstr.c).
 */
#ifndef EDICT_UTF8_H
#define EDICT_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at s (1 to 4 bytes, reading at
 * most n >= 1), or 0 when s does not start one: stray continuation bytes,
 * overlong forms, surrogates, code points past U+10FFFF, truncation. */
size_t ed_utf8_sequence(const char *s, size_t n);

/* Is s[0..len) well-formed UTF-8? On failure *bad is the offset of the
 * first byte that does not start a well-formed sequence. */
int ed_utf8_valid(const char *s, size_t len, size_t *bad);

#endif
