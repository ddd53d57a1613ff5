/*
 * log.h — the server's log: one JSON object per line on stderr, written
 * whole under a lock so that lines of several threads never interleave.
 * Text is escaped in plain C: a tenant's print output or a request path
 * cannot forge a line.
 */
#ifndef EDICT_LOG_H
#define EDICT_LOG_H

/* {"ts":..,"level":..,"msg":..} plus the fields already formatted in extra
 * (",\"k\":v..." or NULL). */
void ed_log(const char *level, const char *msg, const char *extra);

/* Monotonic seconds. */
double ed_now_mono(void);

/* Seconds since the epoch (wall clock), for what must hold across a
 * restart. */
double ed_now_wall(void);

#endif
