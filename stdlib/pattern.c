/*
 * pattern.c — string.find, string.match, string.gmatch and string.gsub for
 * rule code, with every matching step charged to the evaluation budget.
 *
 * Why it exists: the sandbox's count hook fires only between VM
 * instructions, never inside a C function, so the stock matcher can keep
 * the host busy for hours on a backtracking pattern such as
 * ("a"):rep(40000):find(("a-"):rep(40).."b"). This file implements the same
 * pattern language (reference manual §6.4.1) with the same results,
 * captures and error messages as Lua 5.4, but counts its work and charges
 * it with ed_budget_charge(), so the instruction and wall-time limits stop
 * a runaway match like any Lua loop.
 *
 * A step is one entry into the core routine (match_here), one single-char
 * attempt (plus one per 4 bytes of a set), one subject byte scanned by %b,
 * 128 bytes compared by a back-reference and 32 by a plain find (which
 * compares in chunks), so a step costs about the same everywhere. Steps are
 * charged every STEP_QUANTUM, and the remainder when each Lua-visible call
 * ends.
 *
 * Recursion mirrors the reference implementation exactly (captures,
 * repetitions and '?' recurse; single items, %b, %f and back-references
 * continue in a loop), so "pattern too complex" fires on the same patterns.
 *
 * Nothing here uses malloc: the match state lives on the C stack and
 * results go through luaL_Buffer and the Lua stack, so a charge or error
 * that raises (longjmp) leaks nothing.
 */
#define pattern_c

#include "pattern.h"

#include "engine/budget.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ESC '%'
#define MAX_CAPTURES 32 /* LUA_MAXCAPTURES of the stock library */
#define MAX_DEPTH 200   /* MAXCCALLS: nesting of match_here */
#define STEP_QUANTUM 1000

/* capture.len while the capture is open, or for a position capture "()". */
#define CAP_OPEN (-1)
#define CAP_POSITION (-2)

/* gmatch_state.last before the first match. */
#define NO_MATCH SIZE_MAX

typedef struct capture {
    const char *start;
    ptrdiff_t len; /* or CAP_OPEN / CAP_POSITION */
} capture;

typedef struct matcher {
    const char *subj;     /* subject */
    const char *subj_end; /* one past its last byte */
    const char *pat_end;  /* one past the pattern's last byte */
    lua_State *L;
    int depth_left; /* nested match_here calls still allowed */
    int ncap;       /* captures open or closed so far */
    int64_t steps;  /* work not yet charged */
    capture cap[MAX_CAPTURES];
} matcher;

static const char *match_here(matcher *m, const char *s, const char *p);

/* ------------------------------------------------------------------ */
/* Budget                                                               */
/* ------------------------------------------------------------------ */

/* Charge the steps counted so far; may raise (nothing is held here). */
static void charge(matcher *m)
{
    int64_t n = m->steps;
    m->steps = 0;
    ed_budget_charge(m->L, n);
}

static void tick(matcher *m, int64_t n)
{
    m->steps += n;
    if (m->steps >= STEP_QUANTUM) {
        charge(m);
    }
}

/* ------------------------------------------------------------------ */
/* Single-character items                                               */
/* ------------------------------------------------------------------ */

/* Does byte c belong to class %cl (%a, %d, ...; upper case complements)?
 * Any other cl stands for itself (%., %%, %]). */
static int class_has(int c, int cl)
{
    int in;
    switch (tolower(cl)) {
    case 'a': in = isalpha(c); break;
    case 'c': in = iscntrl(c); break;
    case 'd': in = isdigit(c); break;
    case 'g': in = isgraph(c); break;
    case 'l': in = islower(c); break;
    case 'p': in = ispunct(c); break;
    case 's': in = isspace(c); break;
    case 'u': in = isupper(c); break;
    case 'w': in = isalnum(c); break;
    case 'x': in = isxdigit(c); break;
    case 'z': in = (c == 0); break; /* deprecated, still accepted */
    default: return cl == c;
    }
    return islower(cl) ? in != 0 : in == 0;
}

/* Is byte c in the set that opens at p ('[') and closes at close (']')? */
static int set_has(int c, const char *p, const char *close)
{
    int hit = 1; /* what a member returns: 0 for a complemented set */
    p++;
    if (*p == '^') {
        hit = 0;
        p++;
    }
    for (; p < close; p++) {
        if (*p == ESC) {
            p++;
            if (class_has(c, (unsigned char)*p)) {
                return hit;
            }
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) {
                return hit;
            }
            p += 2;
        } else if ((unsigned char)*p == c) {
            return hit;
        }
    }
    return !hit;
}

/* The end of the single-char item at p: one past 'x', '%x' or '[...]'.
 * Raises on a malformed item. The first byte of a set (after an optional
 * '^') is always a member, even ']'. */
static const char *item_end(matcher *m, const char *p)
{
    const char *end = m->pat_end;
    char c = *p++;
    if (c == ESC) {
        if (p >= end) {
            luaL_error(m->L, "malformed pattern (ends with '%%')");
        }
        return p + 1;
    }
    if (c == '[') {
        if (p < end && *p == '^') {
            p++;
        }
        do {
            if (p >= end) {
                luaL_error(m->L, "malformed pattern (missing ']')");
            }
            if (*p++ == ESC && p < end) {
                p++; /* an escaped byte, e.g. %] */
            }
        } while (p >= end || *p != ']');
        return p + 1;
    }
    return p;
}

/* Does the subject byte at s match the item [p, ep)? Counts one step
 * (plus the length of a long set). */
static int item_matches(matcher *m, const char *s, const char *p,
                        const char *ep)
{
    m->steps++;
    if (s >= m->subj_end) {
        return 0;
    }
    int c = (unsigned char)*s;
    switch (*p) {
    case '.':
        return 1;
    case ESC:
        return class_has(c, (unsigned char)p[1]);
    case '[':
        m->steps += (ep - p) >> 2; /* a long set costs more */
        return set_has(c, p, ep - 1);
    default:
        return (unsigned char)*p == c;
    }
}

/* ------------------------------------------------------------------ */
/* Pattern items that are not single characters                         */
/* ------------------------------------------------------------------ */

/* %bxy at p (p points at x): a balanced run from x to its matching y. */
static const char *match_balanced(matcher *m, const char *s, const char *p)
{
    if (p + 1 >= m->pat_end) {
        luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    }
    if (s >= m->subj_end || *s != p[0]) {
        return NULL;
    }
    char open = p[0], close = p[1];
    int depth = 1;
    const char *q = s;
    while (++q < m->subj_end) {
        if (*q == close) {
            if (--depth == 0) {
                tick(m, q - s);
                return q + 1;
            }
        } else if (*q == open) {
            depth++;
        }
    }
    tick(m, q - s);
    return NULL;
}

/* %1-%9 (digit is the character after '%'): the text of a closed capture
 * again. A back-reference to a position capture never matches. */
static const char *match_backref(matcher *m, const char *s, int digit)
{
    int i = digit - '1';
    if (i < 0 || i >= m->ncap || m->cap[i].len == CAP_OPEN) {
        luaL_error(m->L, "invalid capture index %%%d", i + 1);
    }
    if (m->cap[i].len == CAP_POSITION) {
        return NULL;
    }
    size_t len = (size_t)m->cap[i].len;
    if ((size_t)(m->subj_end - s) < len) {
        return NULL;
    }
    tick(m, 1 + (int64_t)(len >> 7)); /* memcmp is fast */
    return memcmp(m->cap[i].start, s, len) == 0 ? s + len : NULL;
}

/* '(' or '()': open a capture at s and match the rest; undone on failure. */
static const char *open_capture(matcher *m, const char *s, const char *p,
                                ptrdiff_t kind)
{
    int i = m->ncap;
    if (i >= MAX_CAPTURES) {
        luaL_error(m->L, "too many captures");
    }
    m->cap[i].start = s;
    m->cap[i].len = kind;
    m->ncap = i + 1;
    const char *res = match_here(m, s, p);
    if (res == NULL) {
        m->ncap--;
    }
    return res;
}

/* ')': close the innermost open capture at s and match the rest. */
static const char *close_capture(matcher *m, const char *s, const char *p)
{
    int i = m->ncap - 1;
    while (i >= 0 && m->cap[i].len != CAP_OPEN) {
        i--;
    }
    if (i < 0) {
        luaL_error(m->L, "invalid pattern capture");
    }
    m->cap[i].len = s - m->cap[i].start;
    const char *res = match_here(m, s, p);
    if (res == NULL) {
        m->cap[i].len = CAP_OPEN;
    }
    return res;
}

/* item* (and item+ after its first match): as many as possible, then
 * give back one at a time until the rest (after ep's suffix) matches. */
static const char *repeat_greedy(matcher *m, const char *s, const char *p,
                                 const char *ep)
{
    ptrdiff_t n = 0;
    while (item_matches(m, s + n, p, ep)) {
        n++;
    }
    tick(m, 0);
    for (; n >= 0; n--) {
        const char *res = match_here(m, s + n, ep + 1);
        if (res != NULL) {
            return res;
        }
    }
    return NULL;
}

/* item-: as few as possible, one more each time the rest fails. */
static const char *repeat_lazy(matcher *m, const char *s, const char *p,
                               const char *ep)
{
    for (;;) {
        const char *res = match_here(m, s, ep + 1);
        if (res != NULL) {
            return res;
        }
        if (!item_matches(m, s, p, ep)) {
            return NULL;
        }
        s++;
    }
}

/* ------------------------------------------------------------------ */
/* The core routine                                                     */
/* ------------------------------------------------------------------ */

/* Match the pattern from p to its end against the subject at s. Returns
 * the end of the match, or NULL. Items that need no backtracking loop
 * here; the others recurse, at most MAX_DEPTH deep. */
static const char *match_here(matcher *m, const char *s, const char *p)
{
    const char *end = m->pat_end;
    if (m->depth_left-- == 0) {
        luaL_error(m->L, "pattern too complex");
    }
    tick(m, 1);
    while (p < end) {
        switch (*p) {
        case '(':
            if (p + 1 < end && p[1] == ')') {
                s = open_capture(m, s, p + 2, CAP_POSITION);
            } else {
                s = open_capture(m, s, p + 1, CAP_OPEN);
            }
            goto done;
        case ')':
            s = close_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 == end) { /* anchor only as the last byte */
                if (s != m->subj_end) {
                    s = NULL;
                }
                goto done;
            }
            break;
        case ESC:
            if (p + 1 >= end) {
                break; /* item_end reports the lone '%' */
            }
            switch (p[1]) {
            case 'b':
                s = match_balanced(m, s, p + 2);
                if (s == NULL) {
                    goto done;
                }
                p += 4;
                continue;
            case 'f': {
                p += 2;
                if (p >= end || *p != '[') {
                    luaL_error(m->L, "missing '[' after '%%f' in pattern");
                }
                const char *ep = item_end(m, p);
                int before = (s == m->subj) ? 0 : (unsigned char)s[-1];
                int here = (s < m->subj_end) ? (unsigned char)*s : 0;
                m->steps += 1 + ((ep - p) >> 1); /* 3 scans of the set */
                if (!set_has(before, p, ep - 1) && set_has(here, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                s = match_backref(m, s, (unsigned char)p[1]);
                if (s == NULL) {
                    goto done;
                }
                p += 2;
                continue;
            default:
                break; /* a class such as %a or an escaped byte */
            }
            break;
        default:
            break;
        }

        /* A single-char item with an optional suffix * + - ?. */
        const char *ep = item_end(m, p);
        char suffix = (ep < end) ? *ep : '\0';
        if (!item_matches(m, s, p, ep)) {
            if (suffix == '*' || suffix == '?' || suffix == '-') {
                p = ep + 1; /* zero repetitions are fine */
                continue;
            }
            s = NULL;
            goto done;
        }
        switch (suffix) {
        case '?': {
            const char *res = match_here(m, s + 1, ep + 1);
            if (res != NULL) {
                s = res;
                goto done;
            }
            p = ep + 1;
            continue;
        }
        case '+':
            s = repeat_greedy(m, s + 1, p, ep);
            goto done;
        case '*':
            s = repeat_greedy(m, s, p, ep);
            goto done;
        case '-':
            s = repeat_lazy(m, s, p, ep);
            goto done;
        default:
            s++;
            p = ep;
            continue;
        }
    }
done:
    m->depth_left++;
    return s;
}

/* ------------------------------------------------------------------ */
/* Captures out to Lua                                                  */
/* ------------------------------------------------------------------ */

static void matcher_init(matcher *m, lua_State *L, const char *s, size_t sl,
                         const char *p, size_t pl)
{
    m->subj = s;
    m->subj_end = s + sl;
    m->pat_end = p + pl;
    m->L = L;
    m->depth_left = MAX_DEPTH;
    m->ncap = 0;
    m->steps = 0;
}

/* Forget the captures of a failed attempt before the next one. */
static void matcher_reset(matcher *m)
{
    m->ncap = 0;
    m->depth_left = MAX_DEPTH;
}

/* Capture i of the match [s, e): returns its length and sets *start, or
 * pushes its position and returns CAP_POSITION. Capture 0 of a pattern
 * without captures is the whole match. */
static ptrdiff_t get_capture(matcher *m, int i, const char *s, const char *e,
                             const char **start)
{
    if (i >= m->ncap) {
        if (i != 0) {
            luaL_error(m->L, "invalid capture index %%%d", i + 1);
        }
        *start = s;
        return e - s;
    }
    ptrdiff_t len = m->cap[i].len;
    *start = m->cap[i].start;
    if (len == CAP_OPEN) {
        luaL_error(m->L, "unfinished capture");
    } else if (len == CAP_POSITION) {
        lua_pushinteger(m->L, (m->cap[i].start - m->subj) + 1);
    }
    return len;
}

static void push_capture(matcher *m, int i, const char *s, const char *e)
{
    const char *start;
    ptrdiff_t len = get_capture(m, i, s, e, &start);
    if (len != CAP_POSITION) {
        lua_pushlstring(m->L, start, (size_t)len);
    }
}

/* Push every capture, or the whole match [s, e) when there are none and
 * s is not NULL. Returns how many values were pushed. */
static int push_captures(matcher *m, const char *s, const char *e)
{
    int n = (m->ncap == 0 && s != NULL) ? 1 : m->ncap;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) {
        push_capture(m, i, s, e);
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* find and match                                                       */
/* ------------------------------------------------------------------ */

/* A 1-based, possibly negative string position as a 0-based offset; may
 * be past the end. */
static size_t start_offset(lua_Integer pos, size_t len)
{
    if (pos > 0) {
        return (size_t)pos - 1;
    }
    if (pos == 0 || pos < -(lua_Integer)len) {
        return 0;
    }
    return (size_t)((lua_Integer)len + pos);
}

static int has_specials(const char *p, size_t pl)
{
    for (size_t i = 0; i < pl; i++) {
        switch (p[i]) {
        case '^': case '$': case '*': case '+': case '?':
        case '.': case '(': case '[': case '%': case '-':
            return 1;
        default:
            break;
        }
    }
    return 0;
}

/* The first occurrence of [p, p+pl) in [s, s+sl), or NULL. */
static const char *find_plain(matcher *m, const char *s, size_t sl,
                              const char *p, size_t pl)
{
    if (pl == 0) {
        return s;
    }
    if (pl > sl) {
        return NULL;
    }
    const char *last = s + (sl - pl); /* the last possible start */
    const char *q = s;
    while (q <= last) {
        const char *hit = memchr(q, p[0], (size_t)(last - q) + 1);
        if (hit == NULL) {
            tick(m, (last - q) >> 6);
            return NULL;
        }
        tick(m, 1 + ((hit - q) >> 6));
        size_t off = 1;
        while (off < pl) {
            size_t n = pl - off < 32 ? pl - off : 32;
            if (memcmp(hit + off, p + off, n) != 0) {
                break;
            }
            off += n;
            m->steps++;
        }
        if (off >= pl) {
            return hit;
        }
        q = hit + 1;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int is_find)
{
    size_t sl, pl;
    const char *s = luaL_checklstring(L, 1, &sl);
    const char *p = luaL_checklstring(L, 2, &pl);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), sl);
    matcher m;
    if (init > sl) {
        luaL_pushfail(L);
        return 1;
    }
    if (is_find && (lua_toboolean(L, 4) || !has_specials(p, pl))) {
        matcher_init(&m, L, s, sl, p, pl);
        const char *hit = find_plain(&m, s + init, sl - init, p, pl);
        charge(&m);
        if (hit != NULL) {
            lua_pushinteger(L, (hit - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(hit - s) + pl));
            return 2;
        }
    } else {
        int anchored = (pl > 0 && *p == '^');
        if (anchored) {
            p++;
            pl--;
        }
        matcher_init(&m, L, s, sl, p, pl);
        const char *start = s + init;
        do {
            matcher_reset(&m);
            const char *e = match_here(&m, start, p);
            if (e != NULL) {
                charge(&m);
                if (!is_find) {
                    return push_captures(&m, start, e);
                }
                lua_pushinteger(L, (start - s) + 1);
                lua_pushinteger(L, e - s);
                return push_captures(&m, NULL, NULL) + 2;
            }
        } while (start++ < m.subj_end && !anchored);
        charge(&m);
    }
    luaL_pushfail(L);
    return 1;
}

/* string.find(s, pattern [, init [, plain]]) */
static int l_string_find(lua_State *L)
{
    return find_or_match(L, 1);
}

/* string.match(s, pattern [, init]) */
static int l_string_match(lua_State *L)
{
    return find_or_match(L, 0);
}

/* ------------------------------------------------------------------ */
/* gmatch                                                               */
/* ------------------------------------------------------------------ */

/* The iterator's state (a full userdata, upvalue 3); the subject and the
 * pattern are upvalues 1 and 2. Offsets, not pointers. */
typedef struct gmatch_state {
    size_t pos;  /* where the next search starts; may be len + 1 */
    size_t last; /* end of the previous match, or NO_MATCH */
} gmatch_state;

static int l_string_gmatch_iter(lua_State *L)
{
    size_t sl, pl;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &sl);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &pl);
    gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
    matcher m;
    matcher_init(&m, L, s, sl, p, pl);
    for (size_t pos = g->pos; pos <= sl; pos++) {
        matcher_reset(&m);
        const char *e = match_here(&m, s + pos, p);
        /* In 5.4 an empty match right where the last one ended is skipped. */
        if (e != NULL && (size_t)(e - s) != g->last) {
            g->pos = g->last = (size_t)(e - s);
            charge(&m);
            return push_captures(&m, s + pos, e);
        }
    }
    charge(&m);
    return 0;
}

int ed_pattern_is_iterator(lua_CFunction f)
{
    return f == l_string_gmatch_iter;
}

/* string.gmatch(s, pattern [, init]); '^' is not an anchor here (5.4). */
static int l_string_gmatch(lua_State *L)
{
    size_t sl, pl;
    luaL_checklstring(L, 1, &sl);
    luaL_checklstring(L, 2, &pl);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), sl);
    lua_settop(L, 2); /* the strings become the iterator's upvalues */
    gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->pos = (init > sl) ? sl + 1 : init;
    g->last = NO_MATCH;
    lua_pushcclosure(L, l_string_gmatch_iter, 3);
    return 1;
}

/* ------------------------------------------------------------------ */
/* gsub                                                                 */
/* ------------------------------------------------------------------ */

/* Append the replacement string t (with %0-%9 and %%) for match [s, e). */
static void add_template(matcher *m, luaL_Buffer *b, const char *s,
                         const char *e, const char *t, size_t tl)
{
    const char *tend = t + tl;
    const char *q;
    while ((q = memchr(t, ESC, (size_t)(tend - t))) != NULL) {
        luaL_addlstring(b, t, (size_t)(q - t));
        q++; /* the byte after '%' */
        char c = (q < tend) ? *q : '\0';
        if (c == ESC) {
            luaL_addchar(b, ESC);
        } else if (c == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)c)) {
            const char *start;
            ptrdiff_t len = get_capture(m, c - '1', s, e, &start);
            if (len == CAP_POSITION) {
                luaL_addvalue(b); /* the position get_capture pushed */
            } else {
                luaL_addlstring(b, start, (size_t)len);
            }
        } else {
            luaL_error(m->L, "invalid use of '%c' in replacement string", ESC);
        }
        t = q + 1;
    }
    luaL_addlstring(b, t, (size_t)(tend - t));
}

/* Append the replacement (argument 3, of type rtype) for match [s, e).
 * Returns 0 when a function or table gave false or nil, so the match was
 * kept as it was. */
static int add_replacement(matcher *m, luaL_Buffer *b, const char *s,
                           const char *e, int rtype)
{
    lua_State *L = m->L;
    if (rtype == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (rtype == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else { /* a string or a number */
        size_t tl;
        const char *t = lua_tolstring(L, 3, &tl);
        add_template(m, b, s, e, t, tl);
        return 1;
    }
    /* Stack now: ... value */
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) {
        return luaL_error(L, "invalid replacement value (a %s)",
                          luaL_typename(L, -1));
    }
    luaL_addvalue(b);
    return 1;
}

/* string.gsub(s, pattern, repl [, n]) */
static int l_string_gsub(lua_State *L)
{
    size_t sl, pl;
    const char *src = luaL_checklstring(L, 1, &sl);
    const char *p = luaL_checklstring(L, 2, &pl);
    int rtype = lua_type(L, 3);
    lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)sl + 1);
    luaL_argexpected(L, rtype == LUA_TNUMBER || rtype == LUA_TSTRING ||
                            rtype == LUA_TFUNCTION || rtype == LUA_TTABLE,
                     3, "string/function/table");
    int anchored = (pl > 0 && *p == '^');
    if (anchored) {
        p++;
        pl--;
    }
    matcher m;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    matcher_init(&m, L, src, sl, p, pl);
    const char *last = NULL;
    lua_Integer n = 0;
    int changed = 0;
    while (n < max_n) {
        matcher_reset(&m);
        const char *e = match_here(&m, src, p);
        if (e != NULL && e != last) {
            n++;
            changed |= add_replacement(&m, &b, src, e, rtype);
            src = last = e;
        } else if (src < m.subj_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchored) {
            break;
        }
    }
    charge(&m);
    if (!changed) {
        lua_pushvalue(L, 1); /* nothing replaced: the subject itself */
    } else {
        luaL_addlstring(&b, src, (size_t)(m.subj_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

/* ------------------------------------------------------------------ */
/* Registration                                                         */
/* ------------------------------------------------------------------ */

void ed_pattern_install(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"find", l_string_find},
        {"match", l_string_match},
        {"gmatch", l_string_gmatch},
        {"gsub", l_string_gsub},
        {NULL, NULL},
    };
    luaL_setfuncs(L, funcs, 0);
}
