/*
 * server.h — `edict serve`, the face of runtime/server/: the listening
 * socket, worker threads each with a libev loop and a decider, HTTP/1.1
 * connections (http-parser), pack reloads by signal and folder watch, and
 * graceful shutdown. The endpoints are api.c's.
 *
 * Threads: one main thread (signals, pack-folder watchers, reload
 * debouncing) and N workers, all accepting from one listening socket.
 * What the workers share (api.h's ed_service) is behind a mutex each.
 */
#ifndef EDICT_SERVER_H
#define EDICT_SERVER_H

#include "config.h"

/* Serve cfg until SIGTERM/SIGINT (or, with only_check, load the packs
 * and return). An exit status: 0, or 1 when it cannot start. */
int ed_serve(ed_config *cfg, int only_check);

#endif
