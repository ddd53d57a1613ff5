/*
 * jsonstr.h — writing a JSON string literal in plain C, with no Lua state:
 * the decision writer, the server's logs and every JSON answer share it.
 */
#ifndef EDICT_JSONSTR_H
#define EDICT_JSONSTR_H

#include <stddef.h>

#include "util/buf.h"

/* Append s[0..n) to out as a quoted JSON string.
 *
 * The escapes are lua-cjson's (2.1, as Debian ships it), byte for byte:
 * '"' and '\\' as \" and \\, \b \t \n \f \r by name, every other byte
 * below 0x20 and 0x7f as \u00xx in lowercase hex; bytes from 0x80 up are
 * copied. Two differences, both what edict has always written (decisions,
 * journals and fixtures hold these bytes):
 *   - '/' is copied, where cjson writes "\/" (both are valid JSON);
 *   - a byte that does not start well-formed UTF-8 becomes U+FFFD, so the
 *     output is valid JSON even for a rule's binary strings (cjson copies
 *     such bytes).
 * Never fails: out aborts on allocation failure (buf.h). */
void ed_json_escape(ed_buf *out, const char *s, size_t n);

/* Append the error answer of the HTTP API to out:
 * {"error":{"code":"<code>","message":<message>}} and a newline. code is
 * a plain identifier; message is escaped. */
void ed_json_error(ed_buf *out, const char *code, const char *message);

#endif
