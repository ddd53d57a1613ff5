/*
 * intake.c — the event reader shared by `edict eval` and `edict diff`:
 * an object, an array of objects or NDJSON (with pretty-printed events)
 * from a file or stdin, each decoded event handed to a callback, each
 * unreadable one reported through another. See intake.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "intake.h"

#include "engine/json.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct reader {
    const ed_intake *in;
    int stopped; /* a callback asked to stop */
} reader;

static int json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The event about to be decided is text[0..len) at offset: without the
 * whitespace around it. */
static void set_span(reader *r, const char *text, size_t len, size_t offset)
{
    if (r->in->span == NULL) {
        return;
    }
    size_t a = 0, b = len;
    while (a < b && json_space(text[a])) {
        a++;
    }
    while (b > a && json_space(text[b - 1])) {
        b--;
    }
    r->in->span->text = text + a;
    r->in->span->len = b - a;
    r->in->span->offset = offset + a;
}

static void no_span(reader *r)
{
    if (r->in->span != NULL) {
        r->in->span->text = NULL;
        r->in->span->len = 0;
        r->in->span->offset = 0;
    }
}

static void decide(reader *r, const char *unit, long where)
{
    r->stopped = r->in->decide(r->in->arg, r->in->L, unit, where) != 0;
}

static void report_bad(reader *r, const char *unit, long where,
                       const char *message)
{
    r->stopped = r->in->bad(r->in->arg, unit, where, NULL, message) != 0;
}

static void report_json_error(reader *r, long line)
{
    ed_buf msg = {0};
    ed_buf_printf(&msg, "invalid JSON: %s", r->in->err->data);
    report_bad(r, "line", line, msg.data);
    ed_buf_free(&msg);
}

/* Input must be UTF-8 (decisions are JSON, and JSON is UTF-8). Returns 1,
 * or 0 with the reason in the error buffer (reset either way). */
static int utf8_ok(reader *r, const char *text, size_t len)
{
    size_t bad;
    ed_buf_reset(r->in->err);
    if (ed_utf8_valid(text, len, &bad)) {
        return 1;
    }
    ed_buf_printf(r->in->err, "not UTF-8 at byte %zu", bad + 1);
    return 0;
}

/* What decoding text will cost, before cjson decodes it: its nesting
 * depth, how many values it holds at most (containers and commas outside
 * strings), and how many top-level elements an array has. Not a parser:
 * it counts brackets and commas so that a small text that would decode
 * into a huge tree (a megabyte of "[]," is 350,000 tables, and their
 * read-only copies three times that) is refused before it costs anything.
 * Whether the text is JSON at all is cjson's to say. */
typedef struct json_cost {
    size_t values, depth, top_level;
} json_cost;

static void measure(const char *text, size_t len, json_cost *c)
{
    size_t depth = 0;
    int in_string = 0;
    memset(c, 0, sizeof *c);
    c->values = 1;
    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            /* most bytes are inside strings: skip to the next quote or
             * backslash in a tight loop, not through the switch */
            while (i < len && text[i] != '"' && text[i] != '\\') {
                i++;
            }
            if (i < len && text[i] == '\\') {
                i++;
            } else {
                in_string = 0;
            }
            continue;
        }
        char ch = text[i];
        switch (ch) {
        case '"': in_string = 1; break;
        case '[': case '{':
            depth++;
            c->values++;
            if (depth > c->depth) {
                c->depth = depth;
            }
            if (depth == 2) {
                c->top_level++;
            }
            break;
        case ']': case '}':
            depth -= depth > 0;
            break;
        case ',':
            c->values++;
            break;
        default:
            if (depth == 1 && c->top_level == 0 && ch != ' ' && ch != '\t' &&
                ch != '\r' && ch != '\n') {
                c->top_level = 1; /* a scalar first element */
            }
        }
    }
}

/* Refuse text whose decoding would cost more than `events` events may:
 * ED_INTAKE_MAX_VALUES values and ED_INTAKE_MAX_DEPTH levels each. 1 when
 * it may be decoded; else 0 after reporting it at (unit, where). */
static int cost_ok(reader *r, const char *text, size_t len, size_t events,
                   const char *unit, long where)
{
    json_cost c;
    measure(text, len, &c);
    size_t depth_allowed = ED_INTAKE_MAX_DEPTH + (events > 1 ? 1 : 0);
    char msg[160];
    if (c.depth > depth_allowed) {
        snprintf(msg, sizeof msg, "event too deep: %zu levels of arrays and objects (at "
                 "most %d)", c.depth, ED_INTAKE_MAX_DEPTH);
    } else if (c.values > (size_t)ED_INTAKE_MAX_VALUES * (events ? events : 1)) {
        snprintf(msg, sizeof msg, "event too large: about %zu values (at most %d per "
                 "event)", c.values, ED_INTAKE_MAX_VALUES);
    } else {
        return 1;
    }
    report_bad(r, unit, where, msg);
    return 0;
}

/* Decode text (at offset in the input) as one event and decide it. */
static void decide_text(reader *r, const char *text, size_t len, long line, size_t offset)
{
    if (!cost_ok(r, text, len, 1, "line", line)) {
        return;
    }
    if (!utf8_ok(r, text, len) ||
        ed_json_decode(r->in->L, text, len, r->in->err) != 0) {
        report_json_error(r, line);
        return;
    }
    set_span(r, text, len, offset);
    decide(r, "line", line);
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            return 0;
        }
    }
    return 1;
}

/* A lone "{" (pretty-printed object) starts an event of several lines;
 * returns its indentation, or -1. */
static long lone_brace(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    if (i >= n || s[i] != '{' || !blank(s + i + 1, n - i - 1)) {
        return -1;
    }
    return (long)i;
}

/* Can this line close the object opened at indentation `indent`: a "}"
 * indented no deeper? (Whether it does is cjson's to say.) */
static int closing_brace(const char *s, size_t n, long indent)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    return (long)i <= indent && i < n && s[i] == '}';
}

/* Has cjson stopped because the text ended, not because it is wrong? */
static int incomplete(const ed_buf *err)
{
    return err->data && strstr(err->data, "T_END") != NULL;
}

/* NDJSON, with pretty-printed objects; first is its first non-blank line. */
static int run_lines(reader *r, FILE *f, const char *first, size_t first_len, size_t offset)
{
    size_t pending_off = 0;
    ed_buf *err = r->in->err;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    ed_buf pending = {0};
    long pending_line = 0, pending_indent = 0;
    int have_first = first != NULL;
    int rc = 0;
    for (;;) {
        const char *text;
        size_t len;
        if (have_first) {
            text = first;
            len = first_len;
            have_first = 0;
        } else {
            n = getline(&line, &cap, f);
            if (n < 0) {
                break;
            }
            text = line;
            len = (size_t)n;
        }
        lineno++;
        size_t at = offset;
        offset += len;
        if (r->stopped) {
            break;
        }
        if (pending_line) {
            ed_buf_append(&pending, text, len);
            if (pending.len > ED_INTAKE_MAX_EVENT) {
                report_bad(r, "line", pending_line, "event larger than 8 MiB");
                ed_buf_reset(&pending);
                pending_line = 0;
                continue;
            }
            /* the object ends at the first "}" line where it decodes */
            if (closing_brace(text, len, pending_indent) &&
                !cost_ok(r, pending.data, pending.len, 1, "line", pending_line)) {
                ed_buf_reset(&pending);
                pending_line = 0;
                continue;
            }
            if (closing_brace(text, len, pending_indent) &&
                (!utf8_ok(r, pending.data, pending.len) ||
                 ed_json_decode(r->in->L, pending.data, pending.len, err) == 0 ||
                 !incomplete(err))) {
                if (err->len == 0) {
                    set_span(r, pending.data, pending.len, pending_off);
                    decide(r, "line", pending_line);
                } else {
                    report_json_error(r, pending_line);
                }
                ed_buf_reset(&pending);
                pending_line = 0;
            }
            continue;
        }
        if (blank(text, len)) {
            continue;
        }
        if ((pending_indent = lone_brace(text, len)) >= 0) {
            ed_buf_append(&pending, text, len);
            pending_line = lineno;
            pending_off = at;
            continue;
        }
        if (len > ED_INTAKE_MAX_EVENT) {
            report_bad(r, "line", lineno, "event larger than 8 MiB");
            continue;
        }
        decide_text(r, text, len, lineno, at);
    }
    /* an object still open at the end: whatever cjson makes of it */
    if (pending_line && !r->stopped) {
        decide_text(r, pending.data, pending.len, pending_line, pending_off);
    }
    if (ferror(f)) {
        fprintf(stderr, "edict: reading input: %s\n", strerror(errno));
        rc = -1;
    }
    ed_buf_free(&pending);
    free(line);
    return rc;
}

/* The spans of the top-level elements of the JSON array text (cjson has
 * decoded it: it is JSON). Not a parser: brackets and commas outside
 * strings at depth 1. Their count; *spans malloc'd (start, end pairs). */
static size_t array_spans(const char *text, size_t len, size_t **spans)
{
    size_t n = 0, cap = 0, depth = 0, start = 0;
    int in_string = 0;
    *spans = NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (in_string) {
            if (ch == '\\') {
                i++;
            } else if (ch == '"') {
                in_string = 0;
            }
            continue;
        }
        if (ch == '"') {
            in_string = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth == 1) {
                start = i + 1;
            }
        } else if (ch == ']' || ch == '}' || ch == ',') {
            if (depth == 1 && (ch == ',' || ch == ']')) {
                size_t a = start, b = i;
                while (a < b && json_space(text[a])) {
                    a++;
                }
                if (a < b) {
                    if (n == cap) {
                        cap = cap ? 2 * cap : 64;
                        size_t *p = realloc(*spans, 2 * cap * sizeof *p);
                        if (p == NULL) {
                            abort();
                        }
                        *spans = p;
                    }
                    (*spans)[2 * n] = a;
                    (*spans)[2 * n + 1] = b;
                    n++;
                }
                start = i + 1;
            }
            if (ch != ',') {
                depth -= depth > 0;
            }
        }
    }
    return n;
}

/* A JSON array of events: decoded whole, decided element by element. */
static int run_array(reader *r, FILE *f, const char *first, size_t first_len, size_t offset)
{
    ed_buf all = {0};
    ed_buf_append(&all, first, first_len);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        ed_buf_append(&all, chunk, n);
    }
    if (ferror(f)) {
        fprintf(stderr, "edict: reading input: %s\n", strerror(errno));
        ed_buf_free(&all);
        return -1;
    }
    lua_State *L = r->in->L;
    json_cost c;
    measure(all.data, all.len, &c);
    if (r->in->max_events > 0 && c.top_level > r->in->max_events) {
        /* a request over its event limit: nothing is decoded */
        if (r->in->too_many) {
            *r->in->too_many = 1;
        }
        ed_buf_free(&all);
        return 0;
    }
    if (!cost_ok(r, all.data, all.len, c.top_level, "line", 1)) {
        ed_buf_free(&all);
        return 0;
    }
    if (!utf8_ok(r, all.data, all.len) ||
        ed_json_decode(L, all.data, all.len, r->in->err) != 0) {
        report_json_error(r, 1);
        ed_buf_free(&all);
        return 0;
    }
    lua_Integer count = (lua_Integer)lua_rawlen(L, -1);
    size_t *spans = NULL;
    size_t n_spans = r->in->span ? array_spans(all.data, all.len, &spans) : 0;
    for (lua_Integer i = 1; i <= count && !r->stopped; i++) {
        lua_rawgeti(L, -1, i);
        if ((size_t)count == n_spans) {
            size_t a = spans[2 * (i - 1)], b = spans[2 * (i - 1) + 1];
            set_span(r, all.data + a, b - a, offset + a);
        } else {
            no_span(r);
        }
        decide(r, "index", (long)i);
    }
    free(spans);
    ed_buf_free(&all);
    lua_pop(L, 1);
    return 0;
}

int ed_intake_read(const ed_intake *in, FILE *f, const char *path)
{
    reader r = {in, 0};
    int rc = 0;
    /* Look at the first non-blank byte: '[' is an array, else NDJSON. */
    char *first = NULL;
    size_t cap = 0, offset = 0;
    ssize_t n;
    while ((n = getline(&first, &cap, f)) >= 0 && blank(first, (size_t)n)) {
        offset += (size_t)n;
    }
    if (n < 0 && ferror(f)) {
        fprintf(stderr, "edict: reading %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (n >= 0) {
        size_t i = 0;
        while (first[i] == ' ' || first[i] == '\t') {
            i++;
        }
        if (first[i] == '[') {
            rc = run_array(&r, f, first, (size_t)n, offset);
        } else {
            rc = run_lines(&r, f, first, (size_t)n, offset);
        }
    }
    free(first);
    return rc;
}

FILE *ed_intake_open(const char *path)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct stat sb;
    if (in != NULL && fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(in);
        in = NULL;
        errno = EISDIR;
    }
    return in;
}
