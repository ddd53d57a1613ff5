/*
 * jsonstr.c — JSON string literals without Lua (see jsonstr.h).
 */
#define jsonstr_c

#include "jsonstr.h"

#include <string.h>

#include "util/utf8.h"

/* Append the escape of a byte below 0x20, '"', '\\' or 0x7f, as cjson
 * writes it. */
static void put_escape(ed_buf *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
    switch (c) {
    case '"':  ed_buf_append(out, "\\\"", 2); break;
    case '\\': ed_buf_append(out, "\\\\", 2); break;
    case '\b': ed_buf_append(out, "\\b", 2); break;
    case '\t': ed_buf_append(out, "\\t", 2); break;
    case '\n': ed_buf_append(out, "\\n", 2); break;
    case '\f': ed_buf_append(out, "\\f", 2); break;
    case '\r': ed_buf_append(out, "\\r", 2); break;
    default:   ed_buf_append(out, u, sizeof u); break;
    }
}

void ed_json_escape(ed_buf *out, const char *s, size_t n)
{
    if (n == 0) {
        /* s may be NULL then, and even s + 0 would be undefined */
        ed_buf_append(out, "\"\"", 2);
        return;
    }
    ed_buf_putc(out, '"');
    /* Bytes that need nothing are copied in runs, not one by one: most
     * strings are a single run. */
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t seq = 1;
        if (c >= 0x80) {
            seq = ed_utf8_sequence(s + i, n - i);
            if (seq > 0) {
                i += seq;
                continue;
            }
        } else if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            i++;
            continue;
        }
        ed_buf_append(out, s + run, i - run);
        if (seq == 0) {
            ed_buf_append(out, "\xef\xbf\xbd", 3); /* U+FFFD */
        } else {
            put_escape(out, c);
        }
        run = ++i;
    }
    ed_buf_append(out, s + run, n - run);
    ed_buf_putc(out, '"');
}

void ed_json_error(ed_buf *out, const char *code, const char *message)
{
    ed_buf_printf(out, "{\"error\":{\"code\":\"%s\",\"message\":", code);
    ed_json_escape(out, message, strlen(message));
    ed_buf_puts(out, "}}\n");
}
