/*
 * bytecode.c — bounding the walk Lua 5.4.4 makes to name a value in an
 * error message (see bytecode.h).
 *
 * The model of Lua 5.4.4's ldebug.c. getobjname(p, pc, reg):
 *  - stops when reg is an active local variable at pc (luaF_getlocalname
 *    scans the function's local variables);
 *  - else finds the last instruction before pc that changed reg
 *    (findsetreg scans the code from 0 to pc) and, for the instruction it
 *    finds, recurses: MOVE on its source, GETFIELD on its table, GETTABLE
 *    on its table and its key, SELF on its key register.
 * One pass over each function's code keeps, for every register, the cost
 * and depth of the walk its last setter would start. Conditional code is
 * treated as always run (findsetreg then gives up and returns "no
 * setter"), and an arithmetic result keeps the walk of what the register
 * held before (an error in the arithmetic names that), so the bounds are
 * conservative: a chunk that passes cannot make the walk deeper than
 * ED_BYTECODE_MAX_NAME_DEPTH or longer than ED_BYTECODE_MAX_NAME_COST.
 *
 * The dump (ldump.c, format 0 of Lua 5.4) is read from a malloc'd copy;
 * between the malloc and the free nothing calls Lua, so nothing can
 * longjmp past them.
 */
#define bytecode_c

#include "bytecode.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opcodes of Lua 5.4 (lopcodes.h, "ORDER OP") that the walk looks at. */
enum {
    OP_MOVE = 0,
    OP_LOADNIL = 8,
    OP_GETTABUP = 11,
    OP_GETTABLE = 12,
    OP_GETI = 13,
    OP_GETFIELD = 14,
    OP_SELF = 20,
    OP_ADDI = 21, /* OP_ADDI..OP_SHR: arithmetic, followed by OP_MMBIN* */
    OP_SHR = 45,
    OP_JMP = 56,
    OP_CALL = 68,
    OP_TAILCALL = 69,
    OP_TFORCALL = 76,
    NUM_OPCODES = 83
};

/* Does the opcode set register A (testAMode, from lopcodes.c 5.4.4)? */
static const char AMODE[NUM_OPCODES + 1] =
    "11111111110111100001111111111111111111111111110001111100000000000001110001100101110";

#define GET_OP(i) ((int)((i) & 0x7F))
#define GET_A(i) ((int)(((i) >> 7) & 0xFF))
#define GET_K(i) ((int)(((i) >> 15) & 0x1))
#define GET_B(i) ((int)(((i) >> 16) & 0xFF))
#define GET_C(i) ((int)(((i) >> 24) & 0xFF))

#define HEADER_SIZE (4 + 1 + 1 + 6 + 1 + 1 + 1 + 8 + 8)
#define MAX_PROTO_NESTING 250  /* the parser allows fewer ("C levels") */
#define MAX_DUMP_BYTES ((size_t)1 << 30)
#define ABSLINEINFO (-0x80)

typedef struct reader {
    const unsigned char *p, *end;
    int bad;
} reader;

typedef struct verdict {
    int line;          /* where the bound was passed, 0 if not */
    int too_deep;      /* 1: depth, 0: cost */
} verdict;

static unsigned rd_byte(reader *r)
{
    if (r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}

static size_t rd_size(reader *r)
{
    size_t x = 0;
    unsigned b;
    int n = 0;
    do {
        b = rd_byte(r);
        if (++n > 10) {
            r->bad = 1;
            return 0;
        }
        x = (x << 7) | (b & 0x7F);
    } while ((b & 0x80) == 0 && !r->bad);
    return x;
}

static const unsigned char *rd_block(reader *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *at = r->p;
    r->p += n;
    return at;
}

static void skip_string(reader *r)
{
    size_t n = rd_size(r);
    if (n > 0) {
        rd_block(r, n - 1);
    }
}

/* Saturating addition of costs. */
static uint64_t add_cost(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The walk a query for `reg` at `pc` starts: nothing more when reg is an
 * active local there, else a scan of the code up to pc plus what the
 * register's last setter recorded. */
static uint64_t query_cost(int reg, int pc, const int *nactive, size_t nloc,
                           const uint64_t *cost)
{
    uint64_t c = nloc + 1;
    if (reg < nactive[pc]) {
        return c;
    }
    return add_cost(add_cost(c, (uint64_t)pc), cost[reg]);
}

static int query_depth(int reg, int pc, const int *nactive, const int *depth)
{
    return reg < nactive[pc] ? 1 : 1 + depth[reg];
}

static int line_of(const signed char *lineinfo, size_t nlineinfo,
                   const reader *abs, size_t nabs, int linedefined, size_t pc)
{
    reader r = *abs;
    long line = linedefined;
    size_t next_abs = 0;
    for (size_t i = 0; i <= pc && i < nlineinfo; i++) {
        if (lineinfo[i] == ABSLINEINFO) {
            size_t at = 0, l = 0;
            while (next_abs < nabs && !r.bad) {
                at = rd_size(&r);
                l = rd_size(&r);
                next_abs++;
                if (at == i) {
                    break;
                }
            }
            line = (long)l;
        } else {
            line += lineinfo[i];
        }
    }
    return (int)line;
}

/* Walk the code of one function (already read) and fill *v when a bound
 * is passed. Returns -1 when out of memory. */
static int check_code(const unsigned char *code, size_t ncode,
                      const reader *locvars, size_t nloc,
                      const signed char *lineinfo, size_t nlineinfo,
                      const reader *abs, size_t nabs, int linedefined,
                      verdict *v)
{
    uint64_t cost[256];
    int depth[256];
    int *nactive = calloc(ncode + 1, sizeof *nactive);
    if (nactive == NULL) {
        return -1;
    }
    memset(cost, 0, sizeof cost);
    memset(depth, 0, sizeof depth);
    /* active locals at each pc: +1 at startpc, -1 at endpc, summed */
    reader r = *locvars;
    for (size_t i = 0; i < nloc && !r.bad; i++) {
        skip_string(&r);
        size_t start = rd_size(&r), end = rd_size(&r);
        if (start < end && start <= ncode) {
            nactive[start]++;
            if (end <= ncode) {
                nactive[end]--;
            }
        }
    }
    for (size_t pc = 1; pc <= ncode; pc++) {
        nactive[pc] += nactive[pc - 1];
    }
    for (size_t pc = 0; pc < ncode && v->line == 0; pc++) {
        uint32_t i;
        memcpy(&i, code + pc * 4, 4);
        int op = GET_OP(i), a = GET_A(i), b = GET_B(i), c = GET_C(i);
        int ipc = (int)pc;
        uint64_t walk = 0;
        int deep = 0, sets_a = 0;
        if (op >= NUM_OPCODES) {
            continue;
        }
        switch (op) {
        case OP_MOVE:
            sets_a = 1;
            if (b < a) {
                walk = query_cost(b, ipc, nactive, nloc, cost);
                deep = query_depth(b, ipc, nactive, depth);
            }
            break;
        case OP_GETTABLE:
            sets_a = 1;
            walk = add_cost(query_cost(b, ipc, nactive, nloc, cost),
                            query_cost(c, ipc, nactive, nloc, cost));
            deep = query_depth(b, ipc, nactive, depth);
            if (query_depth(c, ipc, nactive, depth) > deep) {
                deep = query_depth(c, ipc, nactive, depth);
            }
            break;
        case OP_GETFIELD:
            sets_a = 1;
            walk = query_cost(b, ipc, nactive, nloc, cost);
            deep = query_depth(b, ipc, nactive, depth);
            break;
        case OP_SELF:
            sets_a = 1;
            if (!GET_K(i)) {
                walk = query_cost(c, ipc, nactive, nloc, cost);
                deep = query_depth(c, ipc, nactive, depth);
            }
            break;
        case OP_LOADNIL:
            for (int r2 = a; r2 <= a + b && r2 < 256; r2++) {
                cost[r2] = 0;
                depth[r2] = 0;
            }
            break;
        case OP_TFORCALL:
        case OP_CALL:
        case OP_TAILCALL:
            for (int r2 = op == OP_TFORCALL ? a + 2 : a; r2 < 256; r2++) {
                cost[r2] = 0;
                depth[r2] = 0;
            }
            break;
        case OP_JMP:
            break;
        default:
            if (op >= OP_ADDI && op <= OP_SHR) {
                break; /* keeps what it had: see the top of the file */
            }
            sets_a = AMODE[op] == '1';
            break;
        }
        if (!sets_a) {
            continue;
        }
        cost[a] = walk;
        depth[a] = deep;
        /* the worst query of this value: at the end of the code */
        uint64_t worst = add_cost(add_cost(walk, (uint64_t)ncode), nloc + 1);
        if (deep + 1 > ED_BYTECODE_MAX_NAME_DEPTH || worst > ED_BYTECODE_MAX_NAME_COST) {
            v->too_deep = deep + 1 > ED_BYTECODE_MAX_NAME_DEPTH;
            v->line = line_of(lineinfo, nlineinfo, abs, nabs, linedefined, pc);
            if (v->line <= 0) {
                v->line = linedefined > 0 ? linedefined : 1;
            }
        }
    }
    free(nactive);
    return 0;
}

/* Read one function of the dump (and its nested ones). */
static int check_function(reader *r, int nesting, verdict *v)
{
    if (nesting > MAX_PROTO_NESTING) {
        r->bad = 1;
        return 0;
    }
    skip_string(r);                       /* source */
    int linedefined = (int)rd_size(r);
    rd_size(r);                           /* lastlinedefined */
    rd_byte(r);                           /* numparams */
    rd_byte(r);                           /* is_vararg */
    rd_byte(r);                           /* maxstacksize */
    size_t ncode = rd_size(r);
    if (ncode > (size_t)(r->end - r->p) / 4) {
        r->bad = 1;
        return 0;
    }
    const unsigned char *code = rd_block(r, ncode * 4);
    size_t nk = rd_size(r);
    for (size_t i = 0; i < nk && !r->bad; i++) {
        unsigned tt = rd_byte(r);
        switch (tt) {
        case 3:  /* LUA_VNUMINT */
        case 19: /* LUA_VNUMFLT */
            rd_block(r, 8);
            break;
        case 4:  /* LUA_VSHRSTR */
        case 20: /* LUA_VLNGSTR */
            skip_string(r);
            break;
        default: /* nil, false, true */
            break;
        }
    }
    size_t nup = rd_size(r);
    if (nup > (size_t)(r->end - r->p) / 3) {
        r->bad = 1;
        return 0;
    }
    rd_block(r, nup * 3);
    size_t nprotos = rd_size(r);
    for (size_t i = 0; i < nprotos && !r->bad; i++) {
        if (check_function(r, nesting + 1, v) != 0) {
            return -1;
        }
    }
    size_t nlineinfo = rd_size(r);
    const signed char *lineinfo = (const signed char *)rd_block(r, nlineinfo);
    size_t nabs = rd_size(r);
    reader abs = *r;
    for (size_t i = 0; i < nabs && !r->bad; i++) {
        rd_size(r);
        rd_size(r);
    }
    size_t nloc = rd_size(r);
    reader locvars = *r;
    for (size_t i = 0; i < nloc && !r->bad; i++) {
        skip_string(r);
        rd_size(r);
        rd_size(r);
    }
    size_t nupnames = rd_size(r);
    for (size_t i = 0; i < nupnames && !r->bad; i++) {
        skip_string(r);
    }
    if (r->bad || v->line != 0) {
        return 0;
    }
    return check_code(code, ncode, &locvars, nloc, lineinfo, nlineinfo,
                      &abs, nabs, linedefined, v);
}

typedef struct dump_buf {
    unsigned char *data;
    size_t len, cap;
} dump_buf;

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    dump_buf *d = ud;
    if (sz > MAX_DUMP_BYTES - d->len) {
        return 1;
    }
    if (d->len + sz > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < d->len + sz) {
            cap *= 2;
        }
        unsigned char *grown = realloc(d->data, cap);
        if (grown == NULL) {
            return 1;
        }
        d->data = grown;
        d->cap = cap;
    }
    memcpy(d->data + d->len, p, sz);
    d->len += sz;
    return 0;
}

int ed_bytecode_check(lua_State *L, char *msg, size_t msglen, size_t *work)
{
    dump_buf d = {NULL, 0, 0};
    verdict v = {0, 0};
    int rc = 0;
    *work = 0;
    if (lua_dump(L, dump_writer, &d, 0) != 0) {
        rc = -2;
    } else {
        reader r = {d.data, d.data + d.len, 0};
        *work = d.len;
        if (rd_block(&r, HEADER_SIZE) == NULL) {
            rc = -2;
        } else {
            rd_byte(&r); /* the main function's number of upvalues */
            if (check_function(&r, 0, &v) != 0) {
                rc = -2;
            } else if (r.bad) {
                rc = -2;
            }
        }
    }
    free(d.data);
    if (rc == 0 && v.line == 0) {
        return 0;
    }
    /* the chunk's name as Lua shows it ("label/file.lua", [string "..."]) */
    lua_Debug ar;
    lua_pushvalue(L, -1);
    const char *src = lua_getinfo(L, ">S", &ar) ? ar.short_src : "?";
    if (rc != 0) {
        snprintf(msg, msglen, "%s: cannot check the compiled chunk (out of memory)",
                 src);
    } else if (v.too_deep) {
        snprintf(msg, msglen, "%s:%d: more than %d table reads or moves of one value "
                 "in a row (like t.a.a.a...): Lua 5.4.4 recurses once per link to "
                 "name a value in an error message", src, v.line,
                 ED_BYTECODE_MAX_NAME_DEPTH);
    } else {
        snprintf(msg, msglen, "%s:%d: function too large for Lua 5.4.4 to name its "
                 "values in error messages (more than %d steps): split it", src,
                 v.line, ED_BYTECODE_MAX_NAME_COST);
    }
    return -1;
}
