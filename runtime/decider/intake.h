/*
 * intake.h — reading events from a file or stdin, for the commands that
 * take them (`edict eval`, `edict diff`): one reader, so both accept the
 * same input and number bad events the same way.
 *
 * Input is a JSON object, a JSON array of objects, or NDJSON (an event per
 * line; an event may span lines when its first line is a lone "{", as
 * pretty-printers write it). The first non-blank byte decides: '[' is an
 * array, decoded whole; anything else is read line by line. Input must be
 * UTF-8, and one line (or one pretty-printed event) at most
 * ED_INTAKE_MAX_EVENT bytes. An event is placed by "line" (its first line,
 * from 1) or, in an array, by "index" (from 1).
 *
 * The reader hands every decoded event to `decide` and every event it
 * cannot decode to `bad` (which writes its {"line":N,"error":...} line);
 * a bad event never stops the reading.
 */
#ifndef EDICT_INTAKE_H
#define EDICT_INTAKE_H

#include <stdio.h>
#include <lua.h>

#include "util/buf.h"

/* Largest event accepted, in bytes ("event larger than 8 MiB"). */
#define ED_INTAKE_MAX_EVENT ((size_t)8 << 20)

/* What one event may hold: values (objects, arrays, scalars) and levels of
 * nesting. Checked before decoding, so that what an event costs in memory
 * is bounded whatever its bytes are ("event too large", "event too deep"). */
#define ED_INTAKE_MAX_VALUES 100000
#define ED_INTAKE_MAX_DEPTH 64

/* Where the event handed to `decide` is in the input: its exact bytes
 * (the JSON value, without the whitespace around it), valid during the
 * call, and their offset from the start of the input. len 0: not known. */
typedef struct ed_intake_span {
    const char *text;
    size_t len;
    size_t offset;
} ed_intake_span;

typedef struct ed_intake {
    /* A host state with lua-cjson (ed_json_host_state) to decode into. */
    lua_State *L;
    /* Scratch for decode errors; the reader resets it before each
     * decode, so it may be the caller's own error buffer. */
    ed_buf *err;
    /* A decoded event is at the top of L: decide it and pop it. unit is
     * "line" or "index", where its number. Returns nonzero to stop the
     * reading (a host failure). */
    int (*decide)(void *arg, lua_State *L, const char *unit, long where);
    /* An event that could not be read (not UTF-8, invalid JSON, too
     * large): report it. event_id is NULL (the reader never knows it).
     * Returns nonzero to stop the reading. */
    int (*bad)(void *arg, const char *unit, long where, const char *event_id,
               const char *message);
    void *arg;
    /* An array with more elements than this (0: no limit) is not decoded:
     * *too_many is set and nothing is handed on. */
    size_t max_events;
    int *too_many;
    /* When set, filled before each call of decide (replay keeps each
     * event's exact bytes with its decision). */
    ed_intake_span *span;
} ed_intake;

/* Open the input the commands take: a file, or "-" for stdin. A folder
 * is refused (EISDIR). NULL with errno set. */
FILE *ed_intake_open(const char *path);

/* Read every event of f (named path in messages) and hand each to the
 * callbacks, in input order, until the end of f or a callback asks to
 * stop. Returns 0, or -1 when f could not be read (said on stderr). */
int ed_intake_read(const ed_intake *in, FILE *f, const char *path);

#endif
