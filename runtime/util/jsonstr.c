/*
 * jsonstr.c — JSON string escaping without Lua (jsonstr.h).
 */
#include "jsonstr.h"

void ed_json_escape(ed_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    ed_buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '/': esc = "\\/"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
                u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
                esc = u;
            }
        }
        if (esc) {
            ed_buf_append(out, s + i - run, run);
            run = 0;
            ed_buf_puts(out, esc);
        } else {
            run++;
        }
    }
    ed_buf_append(out, s + n - run, run);
    ed_buf_putc(out, '"');
}
