/*
 * tz.c — IANA time zones from the system tz database (see tz.h).
 *
 * A zone file is TZif (RFC 8536, now RFC 9636): a version-1 block with
 * 32-bit times, which a version 2+ file repeats with 64-bit times, then a
 * footer "\n<POSIX TZ string>\n" that describes every instant after the
 * last stored transition. This reader skips the version-1 block, keeps the
 * 64-bit transitions and local time types, and parses the footer into a
 * rule evaluated on demand, so instants past 2037 (or past the last
 * transition of a "slim" file) work.
 *
 * Cache: one process-wide table of parsed zones behind a pthread mutex,
 * rather than a per-state table in each Lua registry. Zone data is
 * immutable once parsed and the same for every sandbox, so one copy
 * serves every state and thread, a zone file is read once per process
 * instead of once per state, and the copies are not charged to a rule's
 * memory budget. Entries are never freed or changed after insertion, so
 * a pointer taken under the lock stays valid after it is released; the
 * lock covers only the table lookup and insert, never a file read and
 * never anything that can raise a Lua error. The table is bounded by the
 * files that exist (unknown names are not cached) and capped besides.
 * A tzdata upgrade is seen after a restart.
 *
 * Layout: helpers, POSIX TZ strings, TZif files, the cache, the API.
 */
#define _POSIX_C_SOURCE 200809L
#define edict_tz_c

#include "tz.h"
#include "time.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__GNUC__)
#define ED_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ED_PRINTF(f, a)
#endif

#define SECS_PER_DAY 86400
#define TZ_FILE_MAX 65536   /* tzdata zones are < 5 KiB; refuse anything huge */
#define TZ_FOOTER_MAX 127   /* longest POSIX TZ string accepted */
#define TZ_ABBR_MAX 15      /* longest designation kept (ed_tz_info.abbr) */
#define CACHE_BUCKETS 64
#define CACHE_MAX 4096      /* zones kept; tzdata ships about 1,800 files */

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    ED_PRINTF(4, 5);

/* Write the reason to err (when there is room) and return code. */
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}


static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

/* Two's complement without implementation-defined conversions. */
static int64_t be32s(const unsigned char *p)
{
    uint32_t v = be32(p);
    return v <= (uint32_t)INT32_MAX ? (int64_t)v : (int64_t)v - 4294967296LL;
}

static int64_t be64(const unsigned char *p)
{
    uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
    return v <= (uint64_t)INT64_MAX ? (int64_t)v
                                    : -(int64_t)(~v) - 1;
}

/* ------------------------------------------------------------------ */
/* POSIX TZ strings (the TZif footer)                                  */
/* ------------------------------------------------------------------ */

/* One end of the daylight saving period: a date rule and the local time
 * of day (seconds, may be negative or past 24h per RFC 8536 §3.3.1). */
typedef struct tz_when {
    char kind;     /* 'J': Jn, 1..365 without Feb 29; 'N': n, 0..365;
                    * 'M': Mm.w.d */
    int n, m, w, d;
    int32_t secs;
} tz_when;

typedef struct tz_posix {
    int present;             /* the footer is nonempty */
    int has_dst;
    int32_t std_off, dst_off; /* seconds east of UTC (POSIX writes west) */
    char std_abbr[TZ_ABBR_MAX + 1], dst_abbr[TZ_ABBR_MAX + 1];
    tz_when start, end;      /* start in standard time, end in DST */
} tz_posix;

/* std or dst designation: 3+ letters, or <...> of letters, digits, + and
 * - (such as "<-03>"), stored without the brackets. */
static int parse_abbr(const char **sp, char *out)
{
    const char *s = *sp;
    size_t n = 0;
    if (*s == '<') {
        for (s++; is_alpha(*s) || is_digit(*s) || *s == '+' || *s == '-'; s++) {
            if (n == TZ_ABBR_MAX)
                return -1;
            out[n++] = *s;
        }
        if (*s != '>')
            return -1;
        s++;
    } else {
        for (; is_alpha(*s); s++) {
            if (n == TZ_ABBR_MAX)
                return -1;
            out[n++] = *s;
        }
    }
    if (n < 3)
        return -1;
    out[n] = '\0';
    *sp = s;
    return 0;
}

/* [+-]h[hh][:mm[:ss]] with hours up to max_hours, as signed seconds. */
static int parse_hms(const char **sp, int max_hours, int32_t *secs)
{
    const char *s = *sp;
    int sign = 1, h = 0, m = 0, sec = 0, nd = 0;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    for (; is_digit(*s) && nd < 3; s++, nd++)
        h = h * 10 + (*s - '0');
    if (nd == 0 || is_digit(*s) || h > max_hours)
        return -1;
    if (*s == ':') {
        if (!is_digit(s[1]) || !is_digit(s[2]))
            return -1;
        m = (s[1] - '0') * 10 + (s[2] - '0');
        s += 3;
        if (*s == ':') {
            if (!is_digit(s[1]) || !is_digit(s[2]))
                return -1;
            sec = (s[1] - '0') * 10 + (s[2] - '0');
            s += 3;
        }
    }
    if (m > 59 || sec > 59)
        return -1;
    *secs = sign * (h * 3600 + m * 60 + sec);
    *sp = s;
    return 0;
}

/* A non-negative decimal of at most 3 digits in lo..hi. */
static int parse_small(const char **sp, int lo, int hi, int *v)
{
    const char *s = *sp;
    int x = 0, nd = 0;
    for (; is_digit(*s) && nd < 3; s++, nd++)
        x = x * 10 + (*s - '0');
    if (nd == 0 || is_digit(*s) || x < lo || x > hi)
        return -1;
    *v = x;
    *sp = s;
    return 0;
}

/* date[/time]: Jn | n | Mm.w.d, time defaulting to 02:00:00. */
static int parse_when(const char **sp, tz_when *w)
{
    const char *s = *sp;
    memset(w, 0, sizeof *w);
    if (*s == 'J') {
        s++;
        w->kind = 'J';
        if (parse_small(&s, 1, 365, &w->n) != 0)
            return -1;
    } else if (*s == 'M') {
        s++;
        w->kind = 'M';
        if (parse_small(&s, 1, 12, &w->m) != 0 || *s++ != '.' ||
            parse_small(&s, 1, 5, &w->w) != 0 || *s++ != '.' ||
            parse_small(&s, 0, 6, &w->d) != 0)
            return -1;
    } else {
        w->kind = 'N';
        if (parse_small(&s, 0, 365, &w->n) != 0)
            return -1;
    }
    w->secs = 2 * 3600;
    if (*s == '/') {
        s++;
        /* RFC 8536 §3.3.1 extends POSIX to -167..167 hours. */
        if (parse_hms(&s, 167, &w->secs) != 0)
            return -1;
    }
    *sp = s;
    return 0;
}

/* Parse std offset [dst [offset] ,start[/time],end[/time]]. A DST name
 * without a rule is refused: POSIX leaves its dates to the
 * implementation, and zic never writes one. Returns 0 or -1. */
static int parse_posix(const char *s, tz_posix *p)
{
    int32_t off;
    memset(p, 0, sizeof *p);
    if (*s == '\0')
        return 0; /* no footer: the last transition's type holds */
    p->present = 1;
    if (parse_abbr(&s, p->std_abbr) != 0 || parse_hms(&s, 24, &off) != 0)
        return -1;
    p->std_off = -off;
    if (*s == '\0')
        return 0;
    if (parse_abbr(&s, p->dst_abbr) != 0)
        return -1;
    p->has_dst = 1;
    p->dst_off = p->std_off + 3600;
    if (*s != ',') {
        if (parse_hms(&s, 24, &off) != 0)
            return -1;
        p->dst_off = -off;
    }
    if (*s++ != ',' || parse_when(&s, &p->start) != 0 || *s++ != ',' ||
        parse_when(&s, &p->end) != 0 || *s != '\0')
        return -1;
    return 0;
}

/* Day number of a rule date in year y. */
static int64_t when_day(const tz_when *w, int64_t y)
{
    int64_t jan1 = ed_days_from_civil(y, 1, 1);
    if (w->kind == 'J') /* Feb 29 is never counted */
        return jan1 + w->n - 1 + (ed_is_leap_year(y) && w->n >= 60);
    if (w->kind == 'N')
        return jan1 + w->n;
    /* Mm.w.d: the w-th weekday d (0 = Sunday) of month m, 5 = last. */
    int64_t first = ed_days_from_civil(y, w->m, 1);
    int wd_first = (int)ed_floor_mod(first + 4, 7); /* 1970-01-01: Thursday */
    int64_t day = first + (w->d - wd_first + 7) % 7 + 7 * (w->w - 1);
    int64_t next = ed_days_from_civil(y, w->m + 1, 1);
    while (day >= next)
        day -= 7;
    return day;
}

/* The rule's answer at t: the latest transition at or before t among the
 * years around t's. Looking at three years handles rule times past
 * midnight or negative, and southern-hemisphere rules (DST spanning New
 * Year). On a tie DST wins, so "DST all year" rules (end of one year at
 * the same instant as the start of the next) stay in DST. */
static void posix_at(const tz_posix *p, int64_t t, ed_tz_info *out)
{
    int dst = 0;
    if (p->has_dst) {
        int y0, mo, da;
        int64_t best = INT64_MIN;
        ed_civil_from_days(ed_floor_div(t + p->std_off, SECS_PER_DAY), &y0, &mo, &da);
        for (int64_t y = (int64_t)y0 - 1; y <= (int64_t)y0 + 1; y++) {
            /* The start is written in standard time, the end in DST. */
            int64_t s = when_day(&p->start, y) * SECS_PER_DAY + p->start.secs -
                        p->std_off;
            int64_t e = when_day(&p->end, y) * SECS_PER_DAY + p->end.secs -
                        p->dst_off;
            if (s <= t && s >= best) {
                best = s;
                dst = 1;
            }
            if (e <= t && e > best) {
                best = e;
                dst = 0;
            }
        }
    }
    out->offset_seconds = dst ? p->dst_off : p->std_off;
    out->isdst = dst;
    memcpy(out->abbr, dst ? p->dst_abbr : p->std_abbr, sizeof out->abbr);
}

/* ------------------------------------------------------------------ */
/* TZif files                                                          */
/* ------------------------------------------------------------------ */

typedef struct tz_type {
    int32_t utoff;
    int isdst;
    char abbr[TZ_ABBR_MAX + 1];
} tz_type;

/* A parsed zone, one allocation: the struct, then trans[timecnt],
 * types[typecnt], idx[timecnt] and the NUL-terminated name. Immutable
 * once in the cache. */
typedef struct tz_zone {
    struct tz_zone *next; /* cache bucket chain */
    size_t timecnt, typecnt;
    const int64_t *trans; /* transition instants, strictly ascending */
    const tz_type *types;
    const unsigned char *idx; /* type index of each transition */
    tz_posix footer;
    const char *name;
} tz_zone;

#define TZIF_HEADER 44

/* The six counts of a TZif header at p. */
typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static void read_counts(const unsigned char *p, tzif_counts *c)
{
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
}

/* Size of a data block with time_size-byte times (4 or 8). Counts are
 * below 2^32 and the factors small, so this cannot overflow 64 bits. */
static uint64_t block_size(const tzif_counts *c, int time_size)
{
    return (uint64_t)c->time * (uint64_t)(time_size + 1) + (uint64_t)c->type * 6 +
           c->chars + (uint64_t)c->leap * (uint64_t)(time_size + 4) + c->isstd +
           c->isut;
}

/* Parse a TZif v2+ file. Returns a zone that MUST BE FREED by the caller
 * (free()), or NULL with the reason in why. */
static tz_zone *parse_tzif(const unsigned char *buf, size_t len, const char *name,
                           const char **why)
{
    tzif_counts c;
    uint64_t pos;
    if (len < TZIF_HEADER || memcmp(buf, "TZif", 4) != 0) {
        *why = "not a TZif file";
        return NULL;
    }
    if (buf[4] < '2') {
        *why = "TZif version 1 is not supported";
        return NULL;
    }
    read_counts(buf, &c);
    pos = TZIF_HEADER + block_size(&c, 4);
    if (pos + TZIF_HEADER > len || memcmp(buf + pos, "TZif", 4) != 0) {
        *why = "truncated";
        return NULL;
    }
    read_counts(buf + pos, &c);
    pos += TZIF_HEADER;
    const unsigned char *data = buf + pos;
    if (pos + block_size(&c, 8) > len) {
        *why = "truncated";
        return NULL;
    }
    if (c.leap != 0) {
        /* "right/" zones count leap seconds inside time_t; POSIX time,
         * which edict uses throughout, does not. */
        *why = "leap second tables are not supported";
        return NULL;
    }
    if (c.type == 0 || c.type > 256 || c.chars == 0 ||
        (c.isstd != 0 && c.isstd != c.type) || (c.isut != 0 && c.isut != c.type)) {
        *why = "bad header counts";
        return NULL;
    }
    pos += block_size(&c, 8);

    /* Footer: "\n" TZ string "\n". */
    char footer[TZ_FOOTER_MAX + 1];
    size_t flen = 0;
    if (pos >= len || buf[pos] != '\n') {
        *why = "missing footer";
        return NULL;
    }
    for (pos++; pos < len && buf[pos] != '\n'; pos++) {
        if (flen == TZ_FOOTER_MAX || buf[pos] == '\0') {
            *why = "bad footer";
            return NULL;
        }
        footer[flen++] = (char)buf[pos];
    }
    if (pos >= len) {
        *why = "missing footer";
        return NULL;
    }
    footer[flen] = '\0';

    /* One allocation; sizeof(tz_zone) is a multiple of its alignment,
     * which an int64 array needs no more than. */
    size_t nlen = strlen(name);
    size_t size = sizeof(tz_zone) + c.time * sizeof(int64_t) +
                  c.type * sizeof(tz_type) + c.time + nlen + 1;
    tz_zone *z = malloc(size);
    if (z == NULL) {
        *why = "out of memory";
        return NULL;
    }
    memset(z, 0, sizeof *z);
    int64_t *trans = (int64_t *)(void *)(z + 1);
    tz_type *types = (tz_type *)(void *)(trans + c.time);
    unsigned char *idx = (unsigned char *)(types + c.type);
    char *zname = (char *)(idx + c.time);
    z->timecnt = c.time;
    z->typecnt = c.type;
    z->trans = trans;
    z->types = types;
    z->idx = idx;
    z->name = zname;
    memcpy(zname, name, nlen + 1);

    const unsigned char *p = data;
    for (uint32_t i = 0; i < c.time; i++, p += 8) {
        trans[i] = be64(p);
        if (i > 0 && trans[i] <= trans[i - 1]) {
            *why = "transitions out of order";
            goto err;
        }
    }
    for (uint32_t i = 0; i < c.time; i++, p++) {
        if (*p >= c.type) {
            *why = "bad type index";
            goto err;
        }
        idx[i] = *p;
    }
    const unsigned char *chars = p + 6 * (size_t)c.type;
    for (uint32_t i = 0; i < c.type; i++, p += 6) {
        int64_t off = be32s(p);
        unsigned di = p[5];
        /* RFC 9636: -89999 <= utoff <= 93599. */
        if (off < -89999 || off > 93599 || p[4] > 1 || di >= c.chars) {
            *why = "bad local time type";
            goto err;
        }
        types[i].utoff = (int32_t)off;
        types[i].isdst = p[4];
        size_t k = 0;
        for (; di + k < c.chars && chars[di + k] != '\0'; k++) {
            if (k < TZ_ABBR_MAX)
                types[i].abbr[k] = (char)chars[di + k];
        }
        if (di + k == c.chars) {
            *why = "bad designation";
            goto err;
        }
        types[i].abbr[k < TZ_ABBR_MAX ? k : TZ_ABBR_MAX] = '\0';
    }
    if (parse_posix(footer, &z->footer) != 0) {
        *why = "bad TZ string in footer";
        goto err;
    }
    return z;
err:
    free(z);
    return NULL;
}

static void type_info(const tz_type *ty, ed_tz_info *out)
{
    out->offset_seconds = ty->utoff;
    out->isdst = ty->isdst;
    memcpy(out->abbr, ty->abbr, sizeof out->abbr);
}

/* The zone's local time type at t. Before the first transition: type 0
 * (RFC 9636 §3.2); at or after the last one (or always, with no
 * transitions): the footer, when there is one. */
static void zone_at(const tz_zone *z, int64_t t, ed_tz_info *out)
{
    size_t n = z->timecnt;
    if (n == 0 || t >= z->trans[n - 1]) {
        if (z->footer.present)
            posix_at(&z->footer, t, out);
        else
            type_info(&z->types[n == 0 ? 0 : z->idx[n - 1]], out);
        return;
    }
    if (t < z->trans[0]) {
        type_info(&z->types[0], out);
        return;
    }
    /* Largest i with trans[i] <= t; trans[0] <= t < trans[n - 1]. */
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    type_info(&z->types[z->idx[lo]], out);
}

/* ------------------------------------------------------------------ */
/* Zone names and files                                                */
/* ------------------------------------------------------------------ */

static int name_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-';
}

/* ^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$, at most ED_TZ_NAME_MAX bytes:
 * no "." at all (so no ".."), no leading or doubled "/". */
static int valid_name(const char *s, size_t len)
{
    if (len == 0 || len > ED_TZ_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/') {
            if (i == 0 || i + 1 == len || s[i - 1] == '/')
                return 0;
        } else if (!name_char(s[i])) {
            return 0;
        }
    }
    return 1;
}

int ed_tz_valid_name(const char *name)
{
    return name != NULL && valid_name(name, strlen(name));
}

/* A refused name, quoted safely: printable ASCII only, truncated. */
static void quote_name(const char *s, size_t len, char *out, size_t outlen)
{
    size_t n = 0, keep = len < 40 ? len : 40;
    for (size_t i = 0; i < keep && n + 1 < outlen; i++)
        out[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (keep < len && n + 4 < outlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* Read and parse the zone file of a valid name. On success *out is a
 * zone that MUST BE FREED by the caller (or handed to the cache). */
static int load_zone(const char *name, tz_zone **out, char *err, size_t errlen)
{
    char path[sizeof ED_TZ_DIR + 1 + ED_TZ_NAME_MAX + 1];
    struct stat st;
    const char *why = NULL;
    snprintf(path, sizeof path, "%s/%s", ED_TZ_DIR, name);

    /* O_NONBLOCK: a FIFO planted in the tree must not hang us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return fail(err, errlen, ED_TZ_EUNKNOWN, "unknown time zone '%s'", name);
        return fail(err, errlen, ED_TZ_EBADFILE,
                    "cannot read time zone '%s' (errno %d)", name, errno);
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd); /* a directory such as "America" is not a zone */
        return fail(err, errlen, ED_TZ_EUNKNOWN, "unknown time zone '%s'", name);
    }
    if (st.st_size > TZ_FILE_MAX) {
        close(fd);
        return fail(err, errlen, ED_TZ_EBADFILE,
                    "time zone '%s' is not a usable TZif file (too large)", name);
    }
    unsigned char *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        return fail(err, errlen, ED_TZ_EBADFILE, "time zone '%s': out of memory",
                    name);
    }
    /* Read one byte past the size seen, to notice a file still growing. */
    size_t len = 0, want = (size_t)st.st_size + 1;
    while (len < want) {
        ssize_t r = read(fd, buf + len, want - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (len != (size_t)st.st_size)
        why = "read failed";
    else
        *out = parse_tzif(buf, len, name, &why);
    free(buf);
    if (why != NULL)
        return fail(err, errlen, ED_TZ_EBADFILE,
                    "time zone '%s' is not a usable TZif file (%s)", name, why);
    return ED_TZ_OK;
}

/* ------------------------------------------------------------------ */
/* Cache                                                               */
/* ------------------------------------------------------------------ */

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static tz_zone *cache[CACHE_BUCKETS];
static size_t cache_count;

/* A process forked while another thread holds the cache (a server's rule
 * evaluator) would find it locked forever: the fork waits for it. */
static void cache_lock(void) { pthread_mutex_lock(&cache_mu); }
static void cache_unlock(void) { pthread_mutex_unlock(&cache_mu); }

__attribute__((constructor)) static void cache_guard_fork(void)
{
    pthread_atfork(cache_lock, cache_unlock, cache_unlock);
}

static size_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % CACHE_BUCKETS;
}

/* Call with cache_mu held. */
static tz_zone *cache_find(const char *name, size_t bucket)
{
    for (tz_zone *z = cache[bucket]; z != NULL; z = z->next) {
        if (strcmp(z->name, name) == 0)
            return z;
    }
    return NULL;
}

/* The parsed zone of a valid name. *owned is set when the cache was full
 * and the caller MUST free the returned zone. */
static int get_zone(const char *name, const tz_zone **out, int *owned, char *err,
                    size_t errlen)
{
    size_t bucket = name_hash(name);
    tz_zone *z, *loaded = NULL;

    pthread_mutex_lock(&cache_mu);
    z = cache_find(name, bucket);
    pthread_mutex_unlock(&cache_mu);
    *owned = 0;
    if (z != NULL) {
        *out = z;
        return ED_TZ_OK;
    }

    /* Read outside the lock; two threads may load the same zone at once,
     * and the second to insert drops its copy. */
    int rc = load_zone(name, &loaded, err, errlen);
    if (rc != ED_TZ_OK)
        return rc;
    pthread_mutex_lock(&cache_mu);
    z = cache_find(name, bucket);
    if (z == NULL && cache_count < CACHE_MAX) {
        loaded->next = cache[bucket];
        cache[bucket] = loaded;
        cache_count++;
        z = loaded;
        loaded = NULL;
    }
    pthread_mutex_unlock(&cache_mu);
    if (z != NULL) {
        free(loaded);
        *out = z;
    } else {
        *out = loaded;
        *owned = 1;
    }
    return ED_TZ_OK;
}

/* ------------------------------------------------------------------ */
/* API                                                                 */
/* ------------------------------------------------------------------ */

int ed_tz_lookup_len(const char *zone, size_t len, int64_t epoch, ed_tz_info *out,
                     char *err, size_t errlen)
{
    const tz_zone *z;
    int owned, rc;
    char shown[48];

    if (zone == NULL || !valid_name(zone, len)) {
        quote_name(zone ? zone : "", zone ? len : 0, shown, sizeof shown);
        return fail(err, errlen, ED_TZ_EINVAL, "invalid time zone name '%s'", shown);
    }
    /* /usr/share/zoneinfo/localtime links to /etc/localtime: the host's
     * own zone, which a rule must never silently depend on. */
    if (len == 9 && memcmp(zone, "localtime", 9) == 0)
        return fail(err, errlen, ED_TZ_EUNKNOWN, "unknown time zone '%s'", zone);
    if (epoch < ED_TIME_DAY_MIN * SECS_PER_DAY ||
        epoch >= (ED_TIME_DAY_MAX + 1) * SECS_PER_DAY)
        return fail(err, errlen, ED_TZ_ERANGE, "instant out of range");
    rc = get_zone(zone, &z, &owned, err, errlen);
    if (rc != ED_TZ_OK)
        return rc;
    zone_at(z, epoch, out);
    if (owned)
        free((void *)z);
    return ED_TZ_OK;
}

int ed_tz_lookup(const char *zone, int64_t epoch, ed_tz_info *out, char *err,
                 size_t errlen)
{
    return ed_tz_lookup_len(zone, zone ? strlen(zone) : 0, epoch, out, err, errlen);
}

int ed_tz_offset(const char *zone, int64_t epoch, int *offset_seconds, char *err,
                 size_t errlen)
{
    ed_tz_info info;
    int rc = ed_tz_lookup(zone, epoch, &info, err, errlen);
    if (rc == ED_TZ_OK)
        *offset_seconds = info.offset_seconds;
    return rc;
}
