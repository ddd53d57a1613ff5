/*
 * sandbox.c — sandboxed Lua states for rule code (see sandbox.h).
 *
 * Three mechanisms keep a rule inside its limits:
 *  - a lua_Alloc that counts every byte and refuses growth past the limit;
 *  - a count hook that spends a shared instruction budget and checks the
 *    wall clock; C functions that can loop (pattern matching, string.rep,
 *    the table library, the string and utf8 scanners) charge their work
 *    to the same budget as they go;
 *  - once a limit is hit the sandbox is stopped: the hook is re-armed to
 *    fire on every instruction and raises again, so a pcall in rule code
 *    can catch the error but cannot go on running.
 * The environment is an allow-list: frozen copies of the safe parts of the
 * standard library, and reads of undeclared globals raise.
 */
#define _POSIX_C_SOURCE 200809L
#define sandbox_c

#include "sandbox.h"

#include "arena.h"
#include "bytecode.h"
#include "order.h"
#include "readonly.h"
#include "tablib.h"
#include "stdlib/pattern.h"
#include "util/buf.h"
#include "util/jsonstr.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Instructions between two firings of the count hook. Smaller is more
 * precise (a coroutine can run at most this many unbudgeted instructions,
 * which is why creating one is charged this much) and slower. */
#define HOOK_INTERVAL 1000

/* Bytes allocated during a call that count as one instruction. */
#define ALLOC_BYTES_PER_STEP 64

/* Bytes a string function reads or writes that count as one instruction. */
#define SCAN_BYTES_PER_STEP 16

/* An allocation at least this large looks at the clock. */
#define ALLOC_CLOCK_BYTES ((size_t)1 << 20)

/* Registry key of the frozen safe globals (the fallback of every env). */
#define REGISTRY_GLOBALS "edict.sandbox.globals"
#define REGISTRY_GLOBAL_NAMES "edict.global_names"

/* Small blocks come from a region per state (arena.h): 8 MiB reserved,
 * a tenant's state is ~1.5 MiB. */
#define ARENA_BYTES ((size_t)8 << 20)

struct ed_sandbox {
    lua_State *L;
    ed_arena *arena;     /* small blocks (NULL: malloc only) */
    size_t mem_used;     /* bytes allocated by the state now */
    size_t mem_limit;    /* 0: no limit (outside budgeted calls) */
    size_t mem_entry;    /* mem_used when the call began */
    size_t mem_peak;
    int armed;           /* inside ed_sandbox_call */
    int refused;         /* the last request was refused... */
    void *refused_ptr;   /* ...this one */
    size_t refused_size;
    ed_stop stop;
    int64_t steps_left;
    int64_t deadline_ns;
    int closing;         /* inside coroutine.close */
    ed_limits limits;
    char message[1024];
    char where[256];
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ed_limits_clamp(ed_limits *l)
{
    if (l->instructions <= 0 || l->instructions > ED_LIMIT_INSTRUCTIONS_MAX) {
        l->instructions = ED_LIMIT_INSTRUCTIONS_MAX;
    }
    if (l->memory_bytes == 0 || l->memory_bytes > ED_LIMIT_MEMORY_MAX) {
        l->memory_bytes = ED_LIMIT_MEMORY_MAX;
    }
    if (l->time_ms <= 0 || l->time_ms > ED_LIMIT_TIME_MAX_MS) {
        l->time_ms = ED_LIMIT_TIME_MAX_MS;
    }
}

const char *ed_stop_name(ed_stop stop)
{
    static const char *const names[ED_STOP_COUNT] = {
        "none", "memory", "instructions", "time"};
    return (stop >= 0 && stop < ED_STOP_COUNT) ? names[stop] : "unknown";
}

/* ------------------------------------------------------------------ */
/* Allocator                                                            */
/* ------------------------------------------------------------------ */

static void note_where(ed_sandbox *sb, lua_State *L, int level);
static void budget_hook(lua_State *L, lua_Debug *ar);

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    ed_sandbox *sb = ud;
    if (ptr == NULL) {
        osize = 0; /* osize encodes the object type, not a size */
    }
    if (nsize == 0) {
        ed_arena_release(sb->arena, ptr, osize);
        sb->mem_used -= osize;
        return NULL;
    }
    /* Lua answers a refused allocation with an emergency full collection
     * and asks again for the same block right away (lauxlib's buffers do
     * not: they raise at once). So a refusal stops the call, and the very
     * next request, when it is that retry and succeeds, takes the stop
     * back: the live data fitted once the garbage was gone. */
    int retry = sb->refused && sb->refused_ptr == ptr && sb->refused_size == nsize;
    sb->refused = 0;
    if (nsize > osize && sb->mem_limit != 0 &&
        sb->mem_used + (nsize - osize) > sb->mem_limit) {
        if (sb->armed && sb->stop == ED_STOP_NONE) {
            sb->stop = ED_STOP_MEMORY;
            sb->refused = 1;
            sb->refused_ptr = ptr;
            sb->refused_size = nsize;
            /* memory errors skip the message handler: note the place now
             * (reading the call stack allocates nothing) */
            sb->where[0] = '\0';
            note_where(sb, sb->L, 0);
        }
        return NULL;
    }
    void *p = ed_arena_resize(sb->arena, ptr, osize, nsize);
    if (p == NULL) {
        return NULL;
    }
    if (retry && sb->stop == ED_STOP_MEMORY) {
        sb->stop = ED_STOP_NONE;
        sb->where[0] = '\0';
    }
    sb->mem_used = sb->mem_used - osize + nsize;
    if (sb->mem_used > sb->mem_peak) {
        sb->mem_peak = sb->mem_used;
    }
    if (sb->armed && nsize > osize) {
        /* producing data is work: concatenating or growing large values
         * costs few instructions but much time. The count hook checks the
         * budget; the allocator must not raise. But it can make the hook
         * look at once: when this charge overdraws the budget, or a large
         * block is made past the deadline, the main thread's hook fires
         * at its next instruction instead of up to HOOK_INTERVAL later
         * (a coroutine's fires at its own next interval). lua_sethook is
         * safe at any point, as lua.c's signal handler relies on. */
        int64_t before = sb->steps_left;
        sb->steps_left -= (int64_t)((nsize - osize) / ALLOC_BYTES_PER_STEP);
        if ((before >= 0 && sb->steps_left < 0) ||
            (nsize - osize >= ALLOC_CLOCK_BYTES && now_ns() > sb->deadline_ns)) {
            lua_sethook(sb->L, budget_hook, LUA_MASKCOUNT, 1);
        }
    }
    return p;
}

ed_sandbox *ed_sandbox_of(lua_State *L)
{
    /* Only states made by ed_sandbox_new() carry a sandbox: a plain host
     * state (the intake decoder, a test) has garbage in its extra space. */
    void *ud;
    if (lua_getallocf(L, &ud) != sandbox_alloc) {
        return NULL;
    }
    return ud;
}

lua_State *ed_sandbox_state(ed_sandbox *sb) { return sb->L; }

size_t ed_sandbox_memory(ed_sandbox *sb) { return sb->mem_used; }

/* Under lua_pcall: the globals' names joined, kept in the registry. Listed
 * first, then joined: a luaL_Buffer wants nothing of ours between its box
 * and the value it adds, and lua_next keeps a key there. */
static int list_global_names(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    ed_readonly_backing(L, -1);
    int g = lua_gettop(L);
    lua_newtable(L);
    int list = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, g) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, list, ++n);
        }
    }
    luaL_Buffer names;
    luaL_buffinit(L, &names);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        luaL_addvalue(&names);
        luaL_addchar(&names, '\n');
    }
    luaL_pushresult(&names);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBAL_NAMES);
    return 0;
}

const char *ed_sandbox_global_names(ed_sandbox *sb)
{
    /* made on first use, for linters: no sandbox pays for it otherwise */
    lua_State *L = sb->L;
    if (lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBAL_NAMES) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushcfunction(L, list_global_names);
        if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
            lua_pop(L, 1);
            return "";
        }
        lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBAL_NAMES);
    }
    const char *names = lua_tostring(L, -1); /* kept alive by the registry */
    lua_pop(L, 1);
    return names ? names : "";
}

/* ------------------------------------------------------------------ */
/* Budget                                                               */
/* ------------------------------------------------------------------ */

/* Record the innermost Lua frame at or above `level` as the stop's place. */
static void note_where(ed_sandbox *sb, lua_State *L, int level)
{
    lua_Debug ar;
    if (sb->where[0] != '\0') {
        return;
    }
    for (; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(sb->where, sizeof sb->where, "%s:%d", ar.short_src,
                     ar.currentline);
            return;
        }
    }
}

static void stop_message(ed_sandbox *sb, char *buf, size_t len)
{
    switch (sb->stop) {
    case ED_STOP_MEMORY:
        snprintf(buf, len, "memory limit exceeded (%zu KiB)",
                 sb->limits.memory_bytes / 1024);
        break;
    case ED_STOP_INSTRUCTIONS:
        snprintf(buf, len, "instruction limit exceeded (%lld instructions)",
                 (long long)sb->limits.instructions);
        break;
    case ED_STOP_TIME:
        snprintf(buf, len, "time limit exceeded (%lld ms)",
                 (long long)sb->limits.time_ms);
        break;
    default:
        snprintf(buf, len, "stopped");
        break;
    }
}

/* Raise the stop error, and make sure every later instruction on this
 * thread raises it again. */
static int raise_stop(lua_State *L, ed_sandbox *sb, int level)
{
    char msg[128];
    note_where(sb, L, level);
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    stop_message(sb, msg, sizeof msg);
    lua_pushstring(L, msg);
    return lua_error(L);
}

static int over_budget(ed_sandbox *sb, int64_t steps)
{
    if (sb->stop != ED_STOP_NONE) {
        return 1;
    }
    /* saturating: a charge never refunds, and never wraps around */
    if (steps < 0 || steps > sb->steps_left) {
        sb->steps_left = -1;
    } else {
        sb->steps_left -= steps;
    }
    if (sb->steps_left < 0) {
        sb->stop = ED_STOP_INSTRUCTIONS;
    } else if (now_ns() > sb->deadline_ns) {
        sb->stop = ED_STOP_TIME;
    }
    return sb->stop != ED_STOP_NONE;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    ed_sandbox *sb = ed_sandbox_of(L);
    if (!sb->armed) {
        return;
    }
    if (over_budget(sb, HOOK_INTERVAL)) {
        raise_stop(L, sb, 0);
    }
    if (lua_gethookcount(L) != HOOK_INTERVAL) {
        /* a coroutine kept from a stopped call still fires every
         * instruction: give it the normal interval back */
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
    }
}

double ed_sandbox_time_left(lua_State *L)
{
    ed_sandbox *sb = ed_sandbox_of(L);
    if (sb == NULL || !sb->armed) {
        return -1;
    }
    int64_t left = sb->deadline_ns - now_ns();
    return left > 0 ? (double)left / 1e9 : 0;
}

void ed_budget_charge(lua_State *L, int64_t steps)
{
    ed_sandbox *sb = ed_sandbox_of(L);
    if (sb == NULL || !sb->armed) {
        return;
    }
    if (steps == 0 && sb->steps_left >= 0 && sb->stop == ED_STOP_NONE) {
        return; /* small work: the count hook will look at the clock */
    }
    /* (a charge of 0 still stops a call the allocator has overdrawn) */
    if (over_budget(sb, steps)) {
        raise_stop(L, sb, 1);
    }
}

/* ------------------------------------------------------------------ */
/* Safe replacements for standard functions                              */
/* ------------------------------------------------------------------ */

/* Call the original function (upvalue 1) with all arguments, directly on
 * this frame: every function wrapped here is a stock C function of the
 * standard library that uses no upvalues, so it can run as the wrapper's
 * own body, without the cost of a second call (string.format runs several
 * times per rule). */
static int call_original(lua_State *L)
{
    lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(1));
    return original(L);
}

/* ------------------------------------------------------------------ */
/* Metatables                                                           */
/* ------------------------------------------------------------------ */

/* The metatable a rule gives setmetatable is not the one Lua uses: Lua
 * uses a "view", a copy of its metamethods made at that moment, which no
 * rule can reach (getmetatable answers with the rule's table, through the
 * view's __metatable). So what a metatable does is fixed when it is set:
 *  - a metamethod the sandbox refuses cannot be added afterwards, as
 *    `mt.__mode = "k"` after setmetatable would in stock Lua (the collector
 *    reads __mode at every cycle, and __concat at every concatenation);
 *  - a pack's tables can be frozen whole, their own `__*` fields included,
 *    because the objects using them as metatables read the views.
 * The refused ones: __gc (a finaliser runs outside any rule's limits),
 * __mode (a weak table holds what the collector has not yet taken: a
 * decision would depend on the collector's timing, and Lua 5.4.4 can use
 * a weak metatable's __newindex after an emergency collection freed it)
 * and __concat (Lua 5.4.4's luaV_concat keeps a pointer into the stack
 * across the call, and a __concat that grows the stack makes it write to
 * freed memory: bug 603b2c64, shipped by Debian's CVE-2022-33099 patch). */

/* The value of a view's VIEW_MARK field: whether the rule's table had a
 * __metatable of its own (then, as in Lua, the metatable is protected). */
static const char view_open, view_protected;
#define VIEW_MARK "__edict_view"

static const char *const view_fields[] = {
    "__index", "__newindex", "__call", "__tostring", "__name", "__len",
    "__eq", "__lt", "__le", "__unm", "__add", "__sub", "__mul", "__div",
    "__mod", "__pow", "__idiv", "__band", "__bor", "__bxor", "__shl",
    "__shr", "__bnot", "__close", "__pairs", NULL};

/* &view_open or &view_protected if the table at idx is a view, else NULL. */
static const void *view_kind(lua_State *L, int idx)
{
    const void *kind = NULL;
    idx = lua_absindex(L, idx);
    lua_pushliteral(L, VIEW_MARK);
    if (lua_rawget(L, idx) == LUA_TLIGHTUSERDATA) {
        kind = lua_touserdata(L, -1);
        if (kind != &view_open && kind != &view_protected) {
            kind = NULL;
        }
    }
    lua_pop(L, 1);
    return kind;
}

int ed_sandbox_is_view(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TTABLE && view_kind(L, idx) != NULL;
}

/* Push the view of the metatable at `mt` (a read-only table is read
 * through its backing table, where its fields are). */
static void push_view(lua_State *L, int mt)
{
    static const struct {
        const char *field, *why;
    } refused[] = {
        {"__gc", "__gc metamethods are not allowed in rules (a finaliser would "
                 "run outside the rule's limits)"},
        {"__mode", "__mode is not allowed in rules: a weak table holds what the "
                   "collector has not taken yet, so a decision would depend on "
                   "when it runs"},
        {"__concat", "__concat metamethods are not allowed in rules (Lua 5.4.4 "
                     "can write to freed memory calling one)"},
    };
    mt = lua_absindex(L, mt);
    ed_readonly_backing(L, mt);
    int src = lua_gettop(L);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        lua_pushstring(L, refused[i].field);
        if (lua_rawget(L, src) != LUA_TNIL) {
            luaL_error(L, "%s", refused[i].why);
        }
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 4);
    int view = lua_gettop(L);
    for (int i = 0; view_fields[i]; i++) {
        lua_pushstring(L, view_fields[i]);
        if (lua_rawget(L, src) != LUA_TNIL) {
            lua_setfield(L, view, view_fields[i]);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pushliteral(L, "__metatable");
    int protected_mt = lua_rawget(L, src) != LUA_TNIL;
    if (!protected_mt) {
        lua_pop(L, 1);
        lua_pushvalue(L, mt);
    }
    lua_setfield(L, view, "__metatable");
    lua_pushlightuserdata(L, (void *)(protected_mt ? &view_protected : &view_open));
    lua_setfield(L, view, VIEW_MARK);
    lua_remove(L, src);
}

/* setmetatable(t, mt): as Lua's, with the view of mt as t's metatable. */
static int l_sandbox_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (lua_getmetatable(L, 1)) {
        /* a view made here can be replaced unless the rule protected it;
         * any other metatable with __metatable is protected, and so is
         * every read-only proxy's (an event's has no __metatable) */
        const void *kind = view_kind(L, -1);
        lua_pushliteral(L, "__metatable");
        if (kind == &view_protected ||
            (kind == NULL && lua_rawget(L, -2) != LUA_TNIL) ||
            ed_readonly_is(L, 1)) {
            return luaL_error(L, "cannot change a protected metatable");
        }
    }
    lua_settop(L, 2);
    if (t == LUA_TTABLE) {
        push_view(L, 2);
    }
    lua_setmetatable(L, 1);
    lua_settop(L, 1);
    return 1;
}

/* getmetatable(v): as Lua's, and "read-only" for every read-only proxy,
 * which an event's answers without a __metatable field (readonly.c). */
static int l_sandbox_getmetatable(lua_State *L)
{
    luaL_checkany(L, 1);
    if (ed_readonly_is(L, 1)) {
        lua_pushliteral(L, "read-only");
        return 1;
    }
    return call_original(L);
}

static int l_sandbox_rawset(lua_State *L)
{
    if (ed_readonly_is(L, 1)) {
        return luaL_error(L, "rawset: the table is read-only");
    }
    return call_original(L);
}

/* load(chunk [, chunkname [, mode [, env]]]): text only, explicit env. */
static int l_sandbox_load(lua_State *L)
{
    luaL_checktype(L, 4, LUA_TTABLE);
    if (!lua_isnoneornil(L, 3)) {
        const char *mode = luaL_checkstring(L, 3);
        luaL_argcheck(L, strcmp(mode, "t") == 0, 3,
                      "only text chunks may be loaded (mode must be \"t\")");
    }
    lua_settop(L, 4);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    if (lua_type(L, 1) == LUA_TSTRING) {
        /* compiling is work too, linear in the source */
        ed_budget_charge(L, (int64_t)(lua_rawlen(L, 1) / SCAN_BYTES_PER_STEP));
    }
    int n = call_original(L);
    if (n >= 1 && lua_type(L, -n) == LUA_TFUNCTION) {
        /* code whose error messages Lua 5.4.4 cannot name safely is
         * refused as a load error (bytecode.h) */
        char msg[512];
        size_t work;
        lua_settop(L, lua_gettop(L) - n + 1);
        int bad = ed_bytecode_check(L, msg, sizeof msg, &work);
        ed_budget_charge(L, (int64_t)(work / SCAN_BYTES_PER_STEP));
        if (bad) {
            luaL_pushfail(L);
            lua_pushstring(L, msg);
            return 2;
        }
        return 1;
    }
    return n;
}

/* Push tostring(v) for the value at idx without the address Lua adds to
 * tables, functions and threads ("table: 0x55..."): it differs from run
 * to run and would tell a rule where the heap is. */
static void push_tostring(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: case LUA_TBOOLEAN: case LUA_TNUMBER: case LUA_TSTRING:
        luaL_tolstring(L, idx, NULL);
        return;
    default:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
            lua_pop(L, 1);
            luaL_tolstring(L, idx, NULL);
            return;
        }
        int t = luaL_getmetafield(L, idx, "__name");
        if (t == LUA_TSTRING) {
            return;             /* "edict.chain.cursor" */
        }
        if (t != LUA_TNIL) {
            lua_pop(L, 1);
        }
        lua_pushstring(L, luaL_typename(L, idx));
    }
}

static int l_sandbox_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    push_tostring(L, 1);
    return 1;
}

/* string.format without %p, and with %s of a table or function written as
 * tostring would (no address). */
static int l_sandbox_format(lua_State *L)
{
    size_t len;
    const char *fmt = luaL_checklstring(L, 1, &len);
    int arg = 1;
    for (size_t i = 0; i < len; i++) {
        if (fmt[i] != '%') {
            continue;
        }
        if (++i < len && fmt[i] == '%') {
            continue;
        }
        while (i < len && strchr("-+ #0123456789.", fmt[i]) != NULL) {
            i++;
        }
        if (i >= len) {
            break;
        }
        arg++;
        if (fmt[i] == 'p') {
            return luaL_error(L, "string.format: %%p is not available to rules "
                                 "(addresses differ from run to run)");
        }
        if (fmt[i] == 's' && arg <= lua_gettop(L) && !lua_isstring(L, arg) &&
            lua_type(L, arg) != LUA_TNIL && lua_type(L, arg) != LUA_TBOOLEAN) {
            push_tostring(L, arg);
            lua_replace(L, arg);
        }
    }
    ed_budget_charge(L, (int64_t)((len + (size_t)lua_gettop(L)) / SCAN_BYTES_PER_STEP));
    return call_original(L);
}

/* What one print may put in the log. */
#define ED_PRINT_MAX_BYTES 4096

static int l_sandbox_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) {
            luaL_addchar(&b, '\t');
        }
        push_tostring(L, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    /* a JSON log line, whatever the rule printed: a newline in it cannot
     * forge another line, and its size is bounded */
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    size_t shown = len > ED_PRINT_MAX_BYTES ? ED_PRINT_MAX_BYTES : len;
    ed_buf line = {0};
    ed_buf_puts(&line, "{\"level\":\"info\",\"msg\":\"rule print\",\"text\":");
    ed_json_escape(&line, text, shown);
    if (shown < len) {
        ed_buf_printf(&line, ",\"truncated_bytes\":%zu", len - shown);
    }
    ed_buf_puts(&line, "}\n");
    fwrite(line.data, 1, line.len, stderr);
    ed_buf_free(&line);
    return 0;
}

static int l_sandbox_rep(lua_State *L)
{
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        /* The stock rep loops n times even when nothing is copied. */
        lua_pushliteral(L, "");
        return 1;
    }
    ed_budget_charge(L, n);
    return call_original(L);
}

/* A function whose work is linear in the bytes it reads and writes
 * (upper, byte, utf8.len, tonumber...) or in its arguments (string.char
 * of a million numbers): charge those. */
static int l_sandbox_scan(lua_State *L)
{
    int n = lua_gettop(L);
    size_t bytes = (size_t)n;
    for (int i = 1; i <= n; i++) {
        /* strings read; what is produced is charged by the allocator */
        if (lua_type(L, i) == LUA_TSTRING) {
            bytes += lua_rawlen(L, i);
        }
    }
    ed_budget_charge(L, (int64_t)(bytes / SCAN_BYTES_PER_STEP));
    return call_original(L);
}

/* The iterator utf8.codes returns (upvalue 1: the stock one). Given any
 * position it first skips the continuation bytes there, and a rule can
 * call it directly: iter(s, 0) on a string of a million continuation
 * bytes is a million steps of C per call. Count them and charge them. */
static int l_sandbox_codes_iter(lua_State *L)
{
    /* charged every CODES_CHUNK bytes skipped, and the rest at the end */
    enum { CODES_CHUNK = 1 << 16 };
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Unsigned n = (lua_Unsigned)lua_tointeger(L, 2);
    size_t skipped = 0;
    while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80) {
        n++;
        if (++skipped % CODES_CHUNK == 0) {
            ed_budget_charge(L, CODES_CHUNK / SCAN_BYTES_PER_STEP);
        }
    }
    ed_budget_charge(L, (int64_t)((skipped % CODES_CHUNK) / SCAN_BYTES_PER_STEP));
    lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(1));
    return original(L);
}

/* utf8.codes(s [, lax]): the stock function, with its iterator replaced
 * by the budgeted one. */
static int l_sandbox_codes(lua_State *L)
{
    int n = call_original(L);
    if (n >= 1 && lua_iscfunction(L, -n)) {
        lua_pushvalue(L, -n);
        lua_pushcclosure(L, l_sandbox_codes_iter, 1);
        lua_replace(L, -n - 1);
    }
    return n;
}

/* xpcall(f, msgh, ...): the handler runs after the error has unwound, not
 * at the point of the error. Lua calls a message handler with hooks off
 * when the error was raised by a hook (a limit stop), so a handler that
 * loops there would run unbudgeted; here it runs like any other code. Rules
 * have no debug library, so a handler could not look at the failed frames
 * anyway. */
static int l_sandbox_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 1);
    for (int i = 3; i <= n; i++) {
        lua_pushvalue(L, i);
    }
    int base = n;
    if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_insert(L, base + 1);
        return lua_gettop(L) - base;
    }
    /* Stack now: args... error. Call the handler with the error. */
    lua_pushvalue(L, 2);
    lua_insert(L, -2);
    /* an error in the handler is returned as the message, as Lua does */
    (void)lua_pcall(L, 1, 1, 0);
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

static int l_sandbox_newthread(lua_State *L)
{
    /* A new coroutine starts with a fresh hook countdown: charge it as
     * if it had used a whole interval, so no thread runs unbudgeted. */
    ed_budget_charge(L, HOOK_INTERVAL);
    return call_original(L);
}

/* coroutine.close(co): Lua 5.4.4 runs co's __close metamethods without
 * counting the C stack of the code that closes it (lua_resetthread took
 * no `from`; fixed in 5.4.5 by 1e64c139), so coroutines closing one
 * another from their __close, each inside nested pcalls, overflow the C
 * stack. One close at a time: a __close (or anything it calls) cannot
 * close another coroutine. Nesting through coroutine.wrap's errors is
 * counted by Lua (lua_resume carries it). */
static int l_sandbox_coclose(lua_State *L)
{
    ed_sandbox *sb = ed_sandbox_of(L);
    if (sb->closing) {
        return luaL_error(L, "coroutine.close: a coroutine cannot be closed while "
                             "another is being closed (Lua 5.4.4 loses count of the "
                             "C stack across nested closes)");
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    sb->closing = 1;
    int status = lua_pcall(L, n, LUA_MULTRET, 0);
    sb->closing = 0;
    if (status != LUA_OK) {
        return lua_error(L);
    }
    return lua_gettop(L);
}

static int l_sandbox_random(lua_State *L)
{
    return luaL_error(L, "math.random is not available to rules: a decision "
                         "must depend only on the event, the packs and as_of");
}

static int undeclared_global(lua_State *L)
{
    const char *name = lua_tostring(L, 2);
    static const char *const denied[] = {
        "io", "os", "debug", "package", "dofile", "loadfile", "loadstring",
        "collectgarbage", "_G", NULL};
    if (name == NULL) {
        return luaL_error(L, "undeclared global of type %s",
                          luaL_typename(L, 2));
    }
    for (int i = 0; denied[i]; i++) {
        if (strcmp(name, denied[i]) == 0) {
            return luaL_error(L, "'%s' is not available to rules (the sandbox "
                                 "has no io, os, debug, package or file access)",
                              name);
        }
    }
    return luaL_error(L, "undeclared global '%s'", name);
}

/* ------------------------------------------------------------------ */
/* Building the safe environment                                        */
/* ------------------------------------------------------------------ */

/* Copy the named fields of the table at `from` into the table at `to`. */
static void copy_fields(lua_State *L, int from, int to,
                        const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        lua_getfield(L, from, names[i]);
        lua_setfield(L, to, names[i]);
    }
}

/* Replace field `name` of the table at `t` with `fn` closing over the
 * original value. */
static void wrap_field(lua_State *L, int t, const char *name,
                       lua_CFunction fn)
{
    lua_getfield(L, t, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, t, name);
}

/* Open a standard library and push a fresh copy of the named fields. */
static int push_lib_copy(lua_State *L, const char *name, lua_CFunction open,
                         const char *const *fields)
{
    luaL_requiref(L, name, open, 0);
    int lib = lua_gettop(L);
    lua_newtable(L);
    copy_fields(L, lib, lib + 1, fields);
    lua_remove(L, lib);
    return lua_gettop(L);
}

static int install_globals(lua_State *L)
{
    static const char *const base_names[] = {
        "assert", "error", "getmetatable", "ipairs", "pcall", "rawequal",
        "rawget", "rawlen", "select", "tonumber", "type", "_VERSION", NULL};
    static const char *const string_scanners[] = {
        "byte", "lower", "upper", "reverse", "sub", "pack",
        "unpack", "char", NULL};
    static const char *const utf8_scanners[] = {
        "len", "codepoint", "offset", "char", NULL};
    static const char *const string_names[] = {
        "byte", "char", "find", "format", "gmatch", "gsub", "len", "lower",
        "match", "rep", "reverse", "sub", "upper", "pack", "packsize",
        "unpack", NULL};
    static const char *const table_names[] = {
        "concat", "insert", "move", "pack", "remove", "sort", "unpack", NULL};
    static const char *const math_names[] = {
        "abs", "ceil", "cos", "deg", "exp", "floor", "fmod", "huge", "log",
        "max", "maxinteger", "min", "mininteger", "modf", "pi", "rad",
        "sin", "sqrt", "tan", "tointeger", "type", "ult", "acos", "asin",
        "atan", NULL};
    static const char *const utf8_names[] = {
        "char", "charpattern", "codes", "codepoint", "len", "offset", NULL};
    static const char *const coroutine_names[] = {
        "create", "isyieldable", "resume", "running", "status", "wrap",
        "yield", "close", NULL};

    luaL_requiref(L, "_G", luaopen_base, 1);
    int real = lua_gettop(L);
    lua_newtable(L);
    int g = lua_gettop(L);
    copy_fields(L, real, g, base_names);
    /* tonumber parses the whole string: linear in its length */
    wrap_field(L, g, "tonumber", l_sandbox_scan);
    lua_pushcfunction(L, l_sandbox_setmetatable);
    lua_setfield(L, g, "setmetatable");
    lua_getfield(L, real, "rawset");
    lua_pushcclosure(L, l_sandbox_rawset, 1);
    lua_setfield(L, g, "rawset");
    wrap_field(L, g, "getmetatable", l_sandbox_getmetatable);
    lua_getfield(L, real, "load");
    lua_pushcclosure(L, l_sandbox_load, 1);
    lua_setfield(L, g, "load");
    lua_pushcfunction(L, l_sandbox_print);
    lua_setfield(L, g, "print");
    lua_pushcfunction(L, l_sandbox_xpcall);
    lua_setfield(L, g, "xpcall");
    /* stable iteration order and no addresses: decisions must not depend
     * on the string hash seed or on where the heap is */
    lua_pushcfunction(L, ed_order_pairs);
    lua_setfield(L, g, "pairs");
    lua_pushcfunction(L, ed_order_next);
    lua_setfield(L, g, "next");
    lua_pushcfunction(L, l_sandbox_tostring);
    lua_setfield(L, g, "tostring");

    /* string: budgeted patterns, safe rep, no dump. The string metatable
     * is shared by every string in the state, so it gets the frozen copy
     * and hides itself from getmetatable. */
    int s = push_lib_copy(L, LUA_STRLIBNAME, luaopen_string, string_names);
    ed_pattern_install(L);
    wrap_field(L, s, "rep", l_sandbox_rep);
    wrap_field(L, s, "format", l_sandbox_format);
    for (int i = 0; string_scanners[i]; i++) {
        wrap_field(L, s, string_scanners[i], l_sandbox_scan);
    }
    ed_readonly_wrap(L, s, "string");
    lua_pushvalue(L, -1);
    lua_setfield(L, g, "string");
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "string");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 4);

    int t = push_lib_copy(L, LUA_TABLIBNAME, luaopen_table, table_names);
    ed_tablib_install(L); /* budgeted, __len read once, stable sort */
    ed_readonly_wrap(L, t, "table");
    lua_setfield(L, g, "table");
    lua_pop(L, 1);

    int m = push_lib_copy(L, LUA_MATHLIBNAME, luaopen_math, math_names);
    lua_pushcfunction(L, l_sandbox_random);
    lua_setfield(L, m, "random");
    lua_pushcfunction(L, l_sandbox_random);
    lua_setfield(L, m, "randomseed");
    ed_readonly_wrap(L, m, "math");
    lua_setfield(L, g, "math");
    lua_pop(L, 1);

    int u = push_lib_copy(L, LUA_UTF8LIBNAME, luaopen_utf8, utf8_names);
    for (int i = 0; utf8_scanners[i]; i++) {
        wrap_field(L, u, utf8_scanners[i], l_sandbox_scan);
    }
    wrap_field(L, u, "codes", l_sandbox_codes);
    ed_readonly_wrap(L, -1, "utf8");
    lua_setfield(L, g, "utf8");
    lua_pop(L, 1);

    int co = push_lib_copy(L, LUA_COLIBNAME, luaopen_coroutine,
                           coroutine_names);
    wrap_field(L, co, "create", l_sandbox_newthread);
    wrap_field(L, co, "wrap", l_sandbox_newthread);
    wrap_field(L, co, "close", l_sandbox_coclose);
    ed_readonly_wrap(L, co, "coroutine");
    lua_setfield(L, g, "coroutine");
    lua_pop(L, 1);

    /* Reads of names nobody declared raise instead of giving nil. */
    lua_newtable(L);
    lua_pushcfunction(L, undeclared_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, g);

    ed_readonly_wrap(L, g, "the globals");
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    lua_pop(L, 2); /* g, real */
    return 0;
}

ed_sandbox *ed_sandbox_new(void)
{
    ed_sandbox *sb = calloc(1, sizeof *sb);
    if (sb == NULL) {
        return NULL;
    }
    sb->arena = ed_arena_new(ARENA_BYTES); /* NULL: every block from malloc */
    sb->L = lua_newstate(sandbox_alloc, sb);
    if (sb->L == NULL) {
        ed_sandbox_free(sb);
        return NULL;
    }
    /* The hook stays installed for the state's life: only rule code runs
     * Lua instructions here, and it does nothing while no call is armed.
     * Setting it per call would cost two lua_sethook per rule. */
    lua_sethook(sb->L, budget_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
    lua_pushcfunction(sb->L, install_globals);
    if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
        ed_sandbox_free(sb);
        return NULL;
    }
    /* Lua 5.4.4 makes this message where it must not raise (after an
     * error in a message handler; luaD_seterrorobj, fixed in 5.4.8 by
     * 25da574f): with the memory limit reached, making it raised outside
     * any protected call. Kept alive here, it is found, never made. */
    lua_pushliteral(sb->L, "error in error handling");
    lua_setfield(sb->L, LUA_REGISTRYINDEX, "edict.sandbox.errerr");
    return sb;
}

void ed_sandbox_free(ed_sandbox *sb)
{
    if (sb != NULL) {
        if (sb->L != NULL) {
            lua_close(sb->L);
        }
        ed_arena_free(sb->arena);
        free(sb);
    }
}

void ed_sandbox_push_env(ed_sandbox *sb)
{
    lua_State *L = sb->L;
    lua_createtable(L, 0, 8);
    lua_createtable(L, 0, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* Message handler: turn any error value into a string and, when the error
 * did not come from a limit, note the innermost Lua frame. */
static int msghandler(lua_State *L)
{
    ed_sandbox *sb = ed_sandbox_of(L);
    if (sb->stop == ED_STOP_NONE) {
        note_where(sb, L, 1);
    }
    if (lua_type(L, 1) != LUA_TSTRING) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            return 1;
        }
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    return 1;
}

/* Is msg[0..n) the name of a chunk: a Lua file ("x/y.lua") or a string
 * chunk ("[string ...]")? Only those make a "name:line: " prefix a
 * position; "cutoff 17:00: late" is a message. */
static int chunk_name(const char *msg, size_t n)
{
    return (n > 4 && memcmp(msg + n - 4, ".lua", 4) == 0) ||
           (n > 8 && memcmp(msg, "[string ", 8) == 0 && msg[n - 1] == ']');
}

/* Split "file:line: message" into where and message when the error text
 * carries Lua's usual position prefix. */
static void split_position(ed_sandbox *sb, const char *msg)
{
    const char *colon = strchr(msg, ':');
    while (colon != NULL) {
        const char *p = colon + 1;
        const char *digits = p;
        while (*p >= '0' && *p <= '9') {
            p++;
        }
        if (p > digits && p[0] == ':' && p[1] == ' ' &&
            chunk_name(msg, (size_t)(colon - msg))) {
            size_t n = (size_t)(p - msg);
            if (n < sizeof sb->where) {
                memcpy(sb->where, msg, n);
                sb->where[n] = '\0';
                snprintf(sb->message, sizeof sb->message, "%s", p + 2);
                return;
            }
        }
        if (memchr(msg, '\n', (size_t)(colon - msg)) != NULL) {
            break;
        }
        colon = strchr(colon + 1, ':');
    }
    snprintf(sb->message, sizeof sb->message, "%s", msg);
}

void ed_sandbox_call(ed_sandbox *sb, int nargs, int nresults,
                     const ed_limits *limits, ed_call_result *result)
{
    lua_State *L = sb->L;
    int base = lua_gettop(L) - nargs; /* the function */
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);

    sb->stop = ED_STOP_NONE;
    sb->closing = 0;
    sb->where[0] = '\0';
    sb->message[0] = '\0';
    /* ed_limits_clamp keeps every limit small enough for this arithmetic */
    ed_limits lim = *limits;
    ed_limits_clamp(&lim);
    sb->limits = lim;
    sb->steps_left = lim.instructions;
    sb->deadline_ns = now_ns() + lim.time_ms * 1000000;
    sb->mem_entry = sb->mem_used;
    sb->mem_peak = sb->mem_used;
    sb->mem_limit = sb->mem_used + lim.memory_bytes;
    sb->refused = 0;
    sb->armed = 1;

    int status = lua_pcall(L, nargs, nresults, base);

    sb->armed = 0;
    sb->mem_limit = 0;
    if (sb->stop != ED_STOP_NONE) {
        /* raise_stop left the hook firing on every instruction */
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_INTERVAL);
    }
    lua_remove(L, base); /* the message handler */

    result->stop = sb->stop;
    result->instructions = lim.instructions - (sb->steps_left < 0 ? 0 : sb->steps_left);
    result->memory_peak = sb->mem_peak - sb->mem_entry;
    if (sb->stop != ED_STOP_NONE) {
        /* A limit stop wins over whatever the code did after it, even a
         * normal return from a pcall that caught the first error. */
        if (status == LUA_OK) {
            lua_settop(L, base - 1);
        } else {
            lua_pop(L, 1);
        }
        status = LUA_ERRRUN;
        stop_message(sb, sb->message, sizeof sb->message);
        if (sb->stop == ED_STOP_MEMORY) {
            lua_gc(L, LUA_GCCOLLECT);
        }
    } else if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        char where[sizeof sb->where];
        memcpy(where, sb->where, sizeof where);
        split_position(sb, msg ? msg : "(no message)");
        if (sb->where[0] == '\0') {
            memcpy(sb->where, where, sizeof where);
        }
        lua_pop(L, 1);
    }
    result->status = status;
    result->message = sb->message;
    result->where = sb->where;
}
