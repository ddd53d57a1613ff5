/*
 * sandbox.h — sandboxed Lua states for rule code: allocator with a memory
 * limit, a shared instruction/wall-time budget per evaluation, and a safe
 * standard environment built from an allow-list.
 *
 * A sandbox owns one lua_State. Rule code runs only inside ed_sandbox_call(),
 * which arms the limits; when a limit is hit the sandbox is "stopped" and
 * stays stopped (every further instruction raises again) until the call
 * returns, so a pcall inside rule code cannot swallow the stop.
 */
#ifndef EDICT_SANDBOX_H
#define EDICT_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>

#include "budget.h"

/* Why an evaluation was stopped; ED_STOP_COUNT bounds the enum. */
typedef enum ed_stop {
    ED_STOP_NONE = 0,
    ED_STOP_MEMORY,
    ED_STOP_INSTRUCTIONS,
    ED_STOP_TIME,
    ED_STOP_COUNT
} ed_stop;

/* Limits for one budgeted call (one rule check, one file load). */
typedef struct ed_limits {
    size_t memory_bytes;  /* growth allowed above the state's size at entry */
    int64_t instructions; /* VM instructions plus charged C work */
    int64_t time_ms;      /* wall time */
} ed_limits;

#define ED_LIMIT_MEMORY_DEFAULT ((size_t)16 << 20)
#define ED_LIMIT_INSTRUCTIONS_DEFAULT ((int64_t)5000000)
#define ED_LIMIT_TIME_DEFAULT_MS ((int64_t)1000)

/* The host's ceilings: no option or tenant policy can go past them. */
#define ED_LIMIT_MEMORY_MAX ((size_t)1 << 30)
#define ED_LIMIT_INSTRUCTIONS_MAX ((int64_t)1000000000)
#define ED_LIMIT_TIME_MAX_MS ((int64_t)60000)

/* Bring each limit within (0, ceiling]. */
void ed_limits_clamp(ed_limits *l);

typedef struct ed_sandbox ed_sandbox;

/* The outcome of ed_sandbox_call(). `message` and `where` are owned by the
 * sandbox and valid until the next call. */
typedef struct ed_call_result {
    int status;           /* LUA_OK or an error status */
    ed_stop stop;         /* which limit stopped the call, if any */
    const char *message;  /* error text without the file:line prefix */
    const char *where;    /* "file:line" of the innermost Lua frame, or "" */
    int64_t instructions; /* instructions used by the call */
    size_t memory_peak;   /* peak bytes above the entry size */
} ed_call_result;

/* Create a sandboxed state with the safe environment installed.
 * Returns NULL when memory is exhausted. MUST BE FREED with
 * ed_sandbox_free(). */
ed_sandbox *ed_sandbox_new(void);
void ed_sandbox_free(ed_sandbox *sb);
lua_State *ed_sandbox_state(ed_sandbox *sb);

/* The sandbox a state (or any of its coroutines) belongs to; NULL for a
 * state ed_sandbox_new() did not make. */
ed_sandbox *ed_sandbox_of(lua_State *L);

/* Seconds of wall time the running ed_sandbox_call has left (0 when
 * spent), or -1 outside one (edict.metrc bounds its waits by it). */
double ed_sandbox_time_left(lua_State *L);

/* Push a fresh environment table for a chunk of rule code: its reads fall
 * through to the frozen safe globals; its writes stay in the table. */
void ed_sandbox_push_env(ed_sandbox *sb);

/* The names of the safe globals rule code finds ("assert\nerror\n..."),
 * for linters; valid while sb lives. */
const char *ed_sandbox_global_names(ed_sandbox *sb);

/* Call the function below `nargs` arguments on the stack with the limits
 * armed. Pops the function and arguments; on success leaves `nresults`
 * results (LUA_MULTRET allowed), on error leaves nothing. */
void ed_sandbox_call(ed_sandbox *sb, int nargs, int nresults,
                     const ed_limits *limits, ed_call_result *result);

/* ed_budget_charge, the C side of a rule's budget, is declared in
 * budget.h: the one header stdlib modules use. */

/* Work done in a C loop, charged as it goes: ed_meter_add() counts steps
 * and charges them every ED_METER_QUANTUM (which also looks at the clock),
 * ed_meter_done() charges the rest. A loop whose count a rule controls
 * (a __len, an index range) is stopped by the limits like a Lua loop.
 * Both can raise: hold no C resource across them. */
#define ED_METER_QUANTUM 1024
typedef struct ed_meter {
    lua_State *L;
    int64_t pending;
} ed_meter;

static inline void ed_meter_init(ed_meter *m, lua_State *L)
{
    m->L = L;
    m->pending = 0;
}

static inline void ed_meter_add(ed_meter *m, int64_t steps)
{
    m->pending += steps;
    if (m->pending >= ED_METER_QUANTUM) {
        int64_t n = m->pending;
        m->pending = 0;
        ed_budget_charge(m->L, n);
    }
}

static inline void ed_meter_done(ed_meter *m)
{
    int64_t n = m->pending;
    m->pending = 0;
    ed_budget_charge(m->L, n);
}

/* Is the value at idx a metatable view (what setmetatable installs in
 * place of the table a rule gives it; sandbox.c)? Views are hidden from
 * rules and never change. */
int ed_sandbox_is_view(lua_State *L, int idx);

/* Name of a stop reason: "memory", "instructions", "time". */
const char *ed_stop_name(ed_stop stop);

/* Total bytes allocated by the state now. */
size_t ed_sandbox_memory(ed_sandbox *sb);

#endif
