/*
 * log.c — JSON log lines on stderr (log.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "log.h"

#include "util/buf.h"
#include "util/jsonstr.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

double ed_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ed_now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ed_log(const char *level, const char *msg, const char *extra)
{
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ed_buf b = {0};
    ed_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level);
    ed_json_escape(&b, msg, strlen(msg));
    ed_buf_printf(&b, "%s}\n", extra ? extra : "");
    pthread_mutex_lock(&log_mu);
    fwrite(b.data, 1, b.len, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_mu);
    ed_buf_free(&b);
}
