/*
 * tz.h — IANA time zones for edict.time: a small reader of the system's
 * compiled tz database (TZif version 2+, RFC 8536 / RFC 9636, Debian
 * package tzdata) and a process-wide cache of the zones read so far.
 *
 * Nothing here touches the C library's time zone state (no TZ, tzset or
 * localtime), so it is safe from any thread and leaves other code alone.
 * Results depend on the installed tzdata version (zone rules change by
 * law); everything else in edict.time is a pure function.
 */
#ifndef EDICT_TZ_H
#define EDICT_TZ_H

#include <stddef.h>
#include <stdint.h>

/* Where zone files are read from. */
#define ED_TZ_DIR "/usr/share/zoneinfo"

/* Longest zone name accepted (the longest IANA name has 32 bytes). */
#define ED_TZ_NAME_MAX 128

/* Status codes of ed_tz_lookup / ed_tz_offset. */
#define ED_TZ_OK 0
#define ED_TZ_EUNKNOWN (-1) /* no such zone file */
#define ED_TZ_EINVAL (-2)   /* the name is not a zone name (pattern, length) */
#define ED_TZ_EBADFILE (-3) /* a file exists but is not a usable TZif v2+ */
#define ED_TZ_ERANGE (-4)   /* instant outside 0001-01-01 .. 9999-12-31 */

/* What a zone says about one instant. */
typedef struct ed_tz_info {
    int offset_seconds; /* local time minus UTC */
    int isdst;          /* 1 in daylight saving (or other "summer") time */
    char abbr[16];      /* designation, e.g. "PDT", "CET", "-03" */
} ed_tz_info;

/**
 * Local time type of `zone` at `epoch` (seconds since 1970-01-01T00:00:00Z).
 *
 * @param zone  IANA name such as "America/New_York"; must match
 *              ^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$ and be at most
 *              ED_TZ_NAME_MAX bytes. "localtime" (the machine's own zone)
 *              is unknown: results must not depend on host configuration.
 * @param epoch instant; must lie within years 0001..9999 UTC.
 * @param out   written only on success.
 * @param err   on failure, a message such as
 *              "unknown time zone 'Mars/Olympus'" (may be NULL).
 * @return ED_TZ_OK or a negative ED_TZ_E* code.
 *
 * Thread-safe. The first call for a zone reads its file (< 5 KiB for
 * tzdata zones; larger files are refused) and caches it for the life of
 * the process; later calls take a mutex only for the cache lookup.
 */
int ed_tz_lookup(const char *zone, int64_t epoch, ed_tz_info *out, char *err,
                 size_t errlen);

/* ed_tz_lookup for a counted name (a Lua string); a NUL inside the name
 * makes it invalid. */
int ed_tz_lookup_len(const char *zone, size_t len, int64_t epoch,
                     ed_tz_info *out, char *err, size_t errlen);

/**
 * UTC offset of `zone` at `epoch`, in seconds east of UTC; the same
 * contract as ed_tz_lookup.
 */
int ed_tz_offset(const char *zone, int64_t epoch, int *offset_seconds,
                 char *err, size_t errlen);

/**
 * Whether `name` has the shape of a zone name (the pattern and length
 * above). Does not look at the file system.
 */
int ed_tz_valid_name(const char *name);

#endif
