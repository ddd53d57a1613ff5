/*
 * chain.c — the `edict.chain` module: chain-of-custody and transformation
 * graphs built from plain Lua tables (see chain.h for the Lua API).
 *
 * Representation. Node ids are interned to 0-based integers in input
 * order; an id that only an edge names (a dangling reference) is interned
 * after the real nodes as a "phantom" node, so every edge has two ends and
 * traversals can say which unknown ids they met. Adjacency is CSR: for
 * node v, its incoming edges are in_edge[in_off[v] .. in_off[v+1]) and its
 * outgoing edges out_edge[out_off[v] .. out_off[v+1]), each in input
 * order.
 *
 * Memory. Nothing here calls malloc: the graph is a userdata (header plus
 * the two offset arrays) whose uservalues hold the per-edge arrays (a
 * second userdata) and three Lua tables (index -> id, id -> index, edge
 * index -> edge id). Scratch space for a traversal is a userdata pushed for
 * the call. The sandbox's allocator accounts all of it, the collector frees
 * it, and any luaL_error or budget stop can longjmp at any point without
 * leaking.
 *
 * Inputs are read raw (lua_rawget/lua_rawgeti), so no metamethod of the
 * caller's tables runs. Read-only proxies (how events and params reach
 * rules) are read through their backing table, which holds the same data.
 */
#define chain_c

#include "chain.h"

#include "time.h"
#include "engine/budget.h"

#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GRAPH_MT "edict.chain.graph"

/* Charge the sandbox budget once per this many units of work (a node
 * visited, an edge looked at, a result entry made). */
#define CHARGE_EVERY 4096

/* Most nodes or edges a graph takes: phantoms (at most two per edge) plus
 * nodes still fit an int32_t. */
#define MAX_ITEMS (INT32_MAX / 4)

/* e_day of an edge without a date. */
#define NO_DATE INT32_MIN

/* The graph userdata's uservalues. */
enum {
    UV_IDS = 1,  /* table: index + 1 -> id (nodes, then phantoms) */
    UV_INDEX,    /* table: id -> index + 1 */
    UV_LABELS,   /* table: edge index + 1 -> edge id, when given */
    UV_EDGES,    /* userdata: the per-edge arrays */
    UV_SCRATCH,  /* userdata: walk scratch, made by the first walk */
    UV_COUNT
};

typedef struct graph {
    int32_t n_nodes;    /* nodes given in `nodes` */
    int32_t n_all;      /* n_nodes plus phantom nodes */
    int32_t n_edges;
    int32_t n_dangling; /* edge ends naming an unknown node */
    uint32_t gen;       /* mark[v] == gen: v seen by the current walk */
    /* Per edge, in the UV_EDGES userdata: */
    int32_t *e_from, *e_to; /* node indices */
    int32_t *e_day;         /* day number of the date, or NO_DATE */
    int32_t *in_edge, *out_edge;
    /* Per node plus one, after this header: */
    int32_t *in_off, *out_off;
} graph;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Work counted towards the next ed_budget_charge. */
typedef struct meter {
    lua_State *L;
    int64_t steps;
} meter;

/* Count n units; may raise (a budget stop), so call it holding nothing. */
static void tick(meter *m, int64_t n)
{
    m->steps += n;
    if (m->steps >= CHARGE_EVERY) {
        int64_t s = m->steps;
        m->steps = 0;
        ed_budget_charge(m->L, s);
    }
}

static void settle(meter *m)
{
    int64_t s = m->steps;
    m->steps = 0;
    ed_budget_charge(m->L, s);
}

/* Is the value at the top of the stack a table? A read-only proxy is
 * replaced, in its slot, by its backing table. */
static int top_table(lua_State *L)
{
    if (lua_type(L, -1) != LUA_TTABLE) {
        return 0;
    }
    if (ed_readonly_is(L, -1)) {
        ed_readonly_backing(L, -1);
        lua_remove(L, -2);
    }
    return 1;
}

/* Can the value at idx be a node id: a string, or a number but NaN? */
static int is_id(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    if (t == LUA_TNUMBER) {
        lua_Number x = lua_tonumber(L, idx);
        return x == x;
    }
    return t == LUA_TSTRING;
}

/* Push an id (string or number) as text for a message: strings quoted. */
static const char *push_id_text(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        return lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx));
    }
    lua_pushvalue(L, idx);
    return lua_tostring(L, -1); /* converts the copy */
}

static void push_label(lua_State *L, int labels, int32_t e)
{
    if (lua_rawgeti(L, labels, (lua_Integer)e + 1) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushinteger(L, (lua_Integer)e + 1);
    }
}

/* The graph argument (self). A missing further argument is reported by
 * its own check ("node id (string or number) expected, got no value"). */
static graph *check_graph(lua_State *L)
{
    return luaL_checkudata(L, 1, GRAPH_MT);
}

/* The index of the node named by argument 2, or -1 when it names no node
 * (phantoms are not nodes). Raises when argument 2 cannot be an id. */
static int32_t find_node(lua_State *L, const graph *g)
{
    if (!is_id(L, 2)) {
        luaL_typeerror(L, 2, "node id (string or number)");
    }
    lua_getiuservalue(L, 1, UV_INDEX);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    lua_Integer ix = lua_isinteger(L, -1) ? lua_tointeger(L, -1) - 1 : -1;
    lua_pop(L, 2);
    return ix >= 0 && ix < g->n_nodes ? (int32_t)ix : -1;
}

/* Return nil, "no node <id> in the graph". */
static int no_node(lua_State *L)
{
    lua_pushnil(L);
    push_id_text(L, 2);
    lua_pushfstring(L, "no node %s in the graph", lua_tostring(L, -1));
    lua_remove(L, -2);
    return 2;
}

/* Scratch for a backward walk of the graph at index 1: order[n_all] then
 * mark[n_all]. Made once per graph and kept as a uservalue, so a rule
 * tracing many batches does not allocate (and clear) O(nodes) per call;
 * a new generation number stands for clearing the marks. A walk cut short
 * by a budget stop leaves only stale marks. Pushes the userdata. */
static int32_t *push_walk_scratch(lua_State *L, graph *g, uint32_t **mark)
{
    size_t n = (size_t)g->n_all;
    int32_t *order;
    if (lua_getiuservalue(L, 1, UV_SCRATCH) == LUA_TUSERDATA) {
        order = lua_touserdata(L, -1);
        *mark = (uint32_t *)(order + n);
    } else {
        lua_pop(L, 1);
        order = lua_newuserdatauv(L, n * 2 * sizeof(int32_t) + 1, 0);
        *mark = (uint32_t *)(order + n);
        memset(*mark, 0, n * sizeof(uint32_t));
        g->gen = 0;
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 1, UV_SCRATCH);
    }
    if (++g->gen == 0) {
        memset(*mark, 0, n * sizeof(uint32_t));
        g->gen = 1;
    }
    return order;
}

/* Breadth-first over incoming edges from `start`: the nodes reached go to
 * order[] in discovery order (start first) and get mark[v] = g->gen.
 * Returns how many. Iterative, so depth costs no C stack. */
static int32_t walk_back(meter *m, const graph *g, int32_t start,
                         uint32_t *mark, int32_t *order)
{
    int32_t head = 0, tail = 0;
    uint32_t gen = g->gen;
    mark[start] = gen;
    order[tail++] = start;
    while (head < tail) {
        int32_t v = order[head++];
        int32_t lo = g->in_off[v], hi = g->in_off[v + 1];
        for (int32_t k = lo; k < hi; k++) {
            int32_t u = g->e_from[g->in_edge[k]];
            if (mark[u] != gen) {
                mark[u] = gen;
                order[tail++] = u;
            }
        }
        tick(m, 1 + (hi - lo));
    }
    return tail;
}

/* ------------------------------------------------------------------ */
/* chain.graph{nodes = {...}, edges = {...}}                           */
/* ------------------------------------------------------------------ */

/* Fixed stack slots of l_chain_graph. */
enum {
    S_ARG = 1,
    S_KID, S_KFROM, S_KTO, S_KDATE, S_KQTY, /* field names, pushed once */
    S_NODES, S_EDGES, S_IDS, S_INDEX, S_LABELS, S_EBLOCK, S_GRAPH
};

static int graph_error(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return luaL_argerror(L, 1, msg);
}

/* Intern the id at the top of the stack (left there) as a node named only
 * by an edge, unless it is known. Returns its index. */
static int32_t intern_edge_end(lua_State *L, int32_t *n_all)
{
    lua_pushvalue(L, -1);
    if (lua_rawget(L, S_INDEX) != LUA_TNIL) {
        int32_t ix = (int32_t)lua_tointeger(L, -1) - 1;
        lua_pop(L, 1);
        return ix;
    }
    lua_pop(L, 1);
    int32_t ix = (*n_all)++;
    lua_pushvalue(L, -1);
    lua_pushinteger(L, (lua_Integer)ix + 1);
    lua_rawset(L, S_INDEX);
    lua_pushvalue(L, -1);
    lua_rawseti(L, S_IDS, (lua_Integer)ix + 1);
    return ix;
}

/* Read and check nodes[1..nn]: fill the id tables. */
static void read_nodes(lua_State *L, meter *m, lua_Integer nn)
{
    for (lua_Integer i = 1; i <= nn; i++) {
        lua_rawgeti(L, S_NODES, i);
        if (!top_table(L)) {
            graph_error(L, "nodes[%I] must be a table (got %s)", i,
                        luaL_typename(L, -1));
        }
        lua_pushvalue(L, S_KID);
        lua_rawget(L, -2);
        /* Stack now: ... node id */
        if (!is_id(L, -1)) {
            graph_error(L, "nodes[%I].id must be a string or number (got %s)",
                        i, luaL_typename(L, -1));
        }
        lua_pushvalue(L, -1);
        if (lua_rawget(L, S_INDEX) != LUA_TNIL) {
            lua_Integer first = lua_tointeger(L, -1);
            graph_error(L, "nodes[%I].id %s is also nodes[%I].id", i,
                        push_id_text(L, -2), first);
        }
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushinteger(L, i);
        lua_rawset(L, S_INDEX);
        lua_rawseti(L, S_IDS, i);
        lua_pop(L, 1);
        tick(m, 1);
    }
}

/* Read and check edges[1..ne] into the per-edge arrays. Returns the number
 * of nodes including phantoms; counts dangling ends in *dangling. */
static int32_t read_edges(lua_State *L, meter *m, lua_Integer ne,
                          int32_t nn, int32_t *e_from, int32_t *e_to,
                          int32_t *e_day, int32_t *dangling)
{
    int32_t n_all = nn;
    for (lua_Integer i = 1; i <= ne; i++) {
        lua_rawgeti(L, S_EDGES, i);
        if (!top_table(L)) {
            graph_error(L, "edges[%I] must be a table (got %s)", i,
                        luaL_typename(L, -1));
        }
        int edge = lua_gettop(L);
        for (int side = 0; side < 2; side++) {
            lua_pushvalue(L, side == 0 ? S_KFROM : S_KTO);
            lua_rawget(L, edge);
            if (!is_id(L, -1)) {
                graph_error(L, "edges[%I].%s must be a string or number (got %s)",
                            i, side == 0 ? "from" : "to", luaL_typename(L, -1));
            }
            int32_t ix = intern_edge_end(L, &n_all);
            lua_pop(L, 1);
            (side == 0 ? e_from : e_to)[i - 1] = ix;
            *dangling += ix >= nn;
        }
        int t = (lua_pushvalue(L, S_KDATE), lua_rawget(L, edge));
        if (t == LUA_TNIL) {
            e_day[i - 1] = NO_DATE;
        } else if (t == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            char err[128];
            ed_time t_;
            if (ed_time_parse(s, len, 1, &t_, err, sizeof err) != 0) {
                graph_error(L, "edges[%I].date: %s", i, err);
            }
            e_day[i - 1] = (int32_t)ed_time_day_number(&t_);
        } else {
            graph_error(L, "edges[%I].date must be a string (got %s)", i,
                        luaL_typename(L, -1));
        }
        lua_pop(L, 1);
        t = (lua_pushvalue(L, S_KQTY), lua_rawget(L, edge));
        if (t != LUA_TNIL && t != LUA_TNUMBER) {
            graph_error(L, "edges[%I].quantity must be a number (got %s)", i,
                        luaL_typename(L, -1));
        }
        lua_pop(L, 1);
        t = (lua_pushvalue(L, S_KID), lua_rawget(L, edge));
        if (t == LUA_TNIL) {
            lua_pop(L, 1);
        } else if (is_id(L, -1)) {
            lua_rawseti(L, S_LABELS, i);
        } else {
            graph_error(L, "edges[%I].id must be a string or number (got %s)",
                        i, luaL_typename(L, -1));
        }
        lua_settop(L, edge - 1);
        tick(m, 1);
    }
    return n_all;
}

/* Build CSR offsets (n + 1 entries) and the edge lists, stable in input
 * order. */
static void build_csr(int32_t n, int32_t ne, const int32_t *ends,
                      int32_t *off, int32_t *list)
{
    memset(off, 0, ((size_t)n + 1) * sizeof *off);
    for (int32_t e = 0; e < ne; e++) {
        off[ends[e]]++;
    }
    for (int32_t v = 1; v <= n; v++) {
        off[v] += off[v - 1];       /* off[v] = end of v's range */
    }
    for (int32_t e = ne - 1; e >= 0; e--) {
        list[--off[ends[e]]] = e;   /* off[v] ends as the start */
    }
}

/* chain.graph(spec) -> graph. Raises naming the first bad field. */
static int l_chain_graph(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (ed_readonly_is(L, 1)) {
        ed_readonly_backing(L, 1);
        lua_replace(L, 1);
    }
    lua_pushliteral(L, "id");
    lua_pushliteral(L, "from");
    lua_pushliteral(L, "to");
    lua_pushliteral(L, "date");
    lua_pushliteral(L, "quantity");
    lua_pushliteral(L, "nodes");
    lua_rawget(L, 1);
    if (!top_table(L)) {
        graph_error(L, "nodes must be a table (got %s)", luaL_typename(L, -1));
    }
    lua_pushliteral(L, "edges");
    lua_rawget(L, 1);
    if (!top_table(L)) {
        graph_error(L, "edges must be a table (got %s)", luaL_typename(L, -1));
    }
    lua_Unsigned nn = lua_rawlen(L, S_NODES), ne = lua_rawlen(L, S_EDGES);
    if (nn > MAX_ITEMS || ne > MAX_ITEMS) {
        graph_error(L, "too many %s (at most %d)", nn > MAX_ITEMS ? "nodes" : "edges",
                    (int)MAX_ITEMS);
    }
    lua_createtable(L, (int)nn, 0);                     /* S_IDS */
    lua_createtable(L, 0, (int)nn);                     /* S_INDEX */
    lua_newtable(L);                                    /* S_LABELS */
    int32_t *eb = lua_newuserdatauv(L, 5 * (size_t)ne * sizeof(int32_t) + 1, 0);
    /* Stack now: arg keys... nodes edges ids index labels eblock */
    int32_t *e_from = eb, *e_to = eb + ne, *e_day = eb + 2 * ne;
    meter m = {L, 0};
    int32_t dangling = 0;
    read_nodes(L, &m, (lua_Integer)nn);
    int32_t n_all = read_edges(L, &m, (lua_Integer)ne, (int32_t)nn, e_from,
                               e_to, e_day, &dangling);

    size_t offs = 2 * ((size_t)n_all + 1) * sizeof(int32_t);
    graph *g = lua_newuserdatauv(L, sizeof(graph) + offs, UV_COUNT);
    g->n_nodes = (int32_t)nn;
    g->n_all = n_all;
    g->n_edges = (int32_t)ne;
    g->n_dangling = dangling;
    g->gen = 0;
    g->e_from = e_from;
    g->e_to = e_to;
    g->e_day = e_day;
    g->in_edge = eb + 3 * ne;
    g->out_edge = eb + 4 * ne;
    g->in_off = (int32_t *)(g + 1);
    g->out_off = g->in_off + n_all + 1;
    for (int uv = UV_IDS; uv <= UV_EDGES; uv++) {
        lua_pushvalue(L, S_IDS + uv - UV_IDS);
        lua_setiuservalue(L, S_GRAPH, uv);
    }
    luaL_setmetatable(L, GRAPH_MT);
    build_csr(n_all, g->n_edges, e_to, g->in_off, g->in_edge);
    build_csr(n_all, g->n_edges, e_from, g->out_off, g->out_edge);
    tick(&m, 2 * ((int64_t)n_all + g->n_edges) / 8);
    settle(&m);
    return 1;
}

/* ------------------------------------------------------------------ */
/* g:trace(id)                                                         */
/* ------------------------------------------------------------------ */

typedef struct id_key {
    int32_t ix;
    int cls;            /* 0 origin, 1 unknown id */
    int is_str, is_int;
    const char *s;
    size_t len;
    lua_Integer i;
    lua_Number x;
} id_key;

/* Class, then numbers before strings, numbers by value, strings
 * bytewise; the index breaks ties (1 and 1.0 are one id anyway). */
static int cmp_key(const void *pa, const void *pb)
{
    const id_key *a = pa, *b = pb;
    if (a->cls != b->cls) {
        return a->cls - b->cls;
    }
    if (a->is_str != b->is_str) {
        return a->is_str - b->is_str;
    }
    int c = 0;
    if (a->is_str) {
        size_t n = a->len < b->len ? a->len : b->len;
        c = memcmp(a->s, b->s, n);
        if (c == 0) {
            c = (a->len > b->len) - (a->len < b->len);
        }
    } else if (a->is_int && b->is_int) {
        c = (a->i > b->i) - (a->i < b->i);
    } else {
        c = (a->x > b->x) - (a->x < b->x);
    }
    return c != 0 ? c : (a->ix > b->ix) - (a->ix < b->ix);
}

/* g:trace(id) -> origins, unknown: the origin nodes (no incoming edge)
 * reachable backwards from id, and the ids named only by edges met on the
 * way (dangling references: the chain is broken there), each sorted.
 * nil, message when id is not a node. */
static int l_graph_trace(lua_State *L)
{
    graph *g = check_graph(L);
    int32_t start = find_node(L, g);
    if (start < 0) {
        return no_node(L);
    }
    lua_settop(L, 2);
    lua_getiuservalue(L, 1, UV_IDS);                    /* 3 */
    meter m = {L, 0};
    uint32_t *mark;
    int32_t *order = push_walk_scratch(L, g, &mark);    /* 4 */
    int32_t n = walk_back(&m, g, start, mark, order);
    int32_t k = 0, unknown = 0;
    for (int32_t j = 0; j < n; j++) {
        int32_t v = order[j];
        if (v >= g->n_nodes) {
            order[k++] = v;
            unknown++;
        } else if (g->in_off[v] == g->in_off[v + 1]) {
            order[k++] = v;
        }
    }
    tick(&m, n);
    id_key *keys = lua_newuserdatauv(L, (size_t)k * sizeof(id_key) + 1, 0); /* 5 */
    for (int32_t j = 0; j < k; j++) {
        id_key *key = &keys[j];
        key->ix = order[j];
        key->cls = order[j] >= g->n_nodes;
        lua_rawgeti(L, 3, (lua_Integer)order[j] + 1);
        key->is_str = lua_type(L, -1) == LUA_TSTRING;
        key->is_int = lua_isinteger(L, -1);
        key->i = key->is_int ? lua_tointeger(L, -1) : 0;
        key->x = key->is_str ? 0 : lua_tonumber(L, -1);
        /* The ids table anchors the string, so the pointer stays valid
         * after the pop (Lua 5.4 never moves a string). */
        key->s = key->is_str ? lua_tolstring(L, -1, &key->len) : NULL;
        lua_pop(L, 1);
    }
    qsort(keys, (size_t)k, sizeof *keys, cmp_key);
    tick(&m, k);
    settle(&m);
    lua_createtable(L, k - unknown, 0);                 /* 6 origins */
    lua_createtable(L, unknown, 0);                     /* 7 unknown */
    for (int32_t j = 0; j < k; j++) {
        lua_rawgeti(L, 3, (lua_Integer)keys[j].ix + 1);
        if (keys[j].cls == 0) {
            lua_rawseti(L, 6, (lua_Integer)j + 1);
        } else {
            lua_rawseti(L, 7, (lua_Integer)(j - (k - unknown)) + 1);
        }
    }
    return 2;
}

/* ------------------------------------------------------------------ */
/* g:cycles()                                                          */
/* ------------------------------------------------------------------ */

/* Tarjan's strongly connected components, iterative: comp[v] gets the
 * component of every node. Returns the number of components. Scratch:
 * idx, low, pos, stk, cs (n each). */
static int32_t tarjan(meter *m, const graph *g, int32_t *idx, int32_t *low,
                      int32_t *pos, int32_t *stk, int32_t *cs, int32_t *comp)
{
    int32_t n = g->n_all, counter = 0, sp = 0, ncomp = 0;
    for (int32_t v = 0; v < n; v++) {
        idx[v] = -1;
        comp[v] = -1;
    }
    for (int32_t s = 0; s < n; s++) {
        if (idx[s] != -1) {
            continue;
        }
        int32_t csp = 0;
        idx[s] = low[s] = counter++;
        stk[sp++] = s;
        pos[s] = g->out_off[s];
        cs[csp++] = s;
        while (csp > 0) {
            int32_t v = cs[csp - 1];
            if (pos[v] < g->out_off[v + 1]) {
                int32_t w = g->e_to[g->out_edge[pos[v]++]];
                if (idx[w] == -1) {
                    idx[w] = low[w] = counter++;
                    stk[sp++] = w;
                    pos[w] = g->out_off[w];
                    cs[csp++] = w;
                } else if (comp[w] == -1 && idx[w] < low[v]) {
                    low[v] = idx[w]; /* w is on the stack */
                }
            } else {
                if (--csp > 0 && low[v] < low[cs[csp - 1]]) {
                    low[cs[csp - 1]] = low[v];
                }
                if (low[v] == idx[v]) {
                    int32_t w;
                    do {
                        w = stk[--sp];
                        comp[w] = ncomp;
                    } while (w != v);
                    ncomp++;
                }
            }
            tick(m, 1);
        }
    }
    return ncomp;
}

/* g:cycles() -> { {id, ...}, ... }: for each strongly connected component
 * that holds a cycle (two or more nodes, or a self-loop), one shortest
 * cycle through its first node (input order), as the list of nodes
 * v1 -> v2 -> ... -> vk (-> v1). Components in input order of their first
 * node. */
static int l_graph_cycles(lua_State *L)
{
    graph *g = check_graph(L);
    lua_settop(L, 1);
    lua_getiuservalue(L, 1, UV_IDS);                    /* 2 */
    int32_t n = g->n_all;
    int32_t *idx = lua_newuserdatauv(L, 6 * (size_t)n * sizeof(int32_t) + 1, 0); /* 3 */
    int32_t *low = idx + n, *pos = low + n, *stk = pos + n, *cs = stk + n;
    int32_t *comp = cs + n;
    meter m = {L, 0};
    int32_t ncomp = tarjan(&m, g, idx, low, pos, stk, cs, comp);
    /* Reuse: low[c] = size of component c, pos[c] = reported. */
    for (int32_t c = 0; c < ncomp; c++) {
        low[c] = 0;
        pos[c] = 0;
    }
    for (int32_t v = 0; v < n; v++) {
        low[comp[v]]++;
    }
    lua_newtable(L);                                    /* 4 */
    lua_Integer found = 0;
    for (int32_t v = 0; v < n; v++) {
        int32_t c = comp[v];
        if (pos[c]) {
            continue;
        }
        pos[c] = 1;
        /* Breadth-first inside component c from v until an edge returns
         * to v; idx[] marks visited (-2), cs[] holds parents. */
        int32_t head = 0, tail = 0, end = -1;
        stk[tail++] = v;
        idx[v] = -2;
        while (head < tail && end < 0) {
            int32_t x = stk[head++];
            for (int32_t k = g->out_off[x]; k < g->out_off[x + 1]; k++) {
                int32_t w = g->e_to[g->out_edge[k]];
                if (comp[w] != c) {
                    continue;
                }
                if (w == v) {
                    end = x;
                    break;
                }
                if (idx[w] != -2) {
                    idx[w] = -2;
                    cs[w] = x;
                    stk[tail++] = w;
                }
            }
            tick(&m, 1 + g->out_off[x + 1] - g->out_off[x]);
        }
        if (end < 0) {
            continue; /* a single node without a self-loop */
        }
        int32_t len = 1;
        for (int32_t x = end; x != v; x = cs[x]) {
            len++;
        }
        tick(&m, len);
        lua_createtable(L, len, 0);
        int32_t x = end;
        for (int32_t i = len; i >= 1; i--) {
            lua_rawgeti(L, 2, (lua_Integer)x + 1);
            lua_rawseti(L, -2, i);
            x = i > 1 ? cs[x] : v;
        }
        lua_rawseti(L, 4, ++found);
    }
    settle(&m);
    return 1;
}

/* ------------------------------------------------------------------ */
/* g:dangling(), g:gaps(id), g:stats()                                 */
/* ------------------------------------------------------------------ */

/* g:dangling() -> { {edge = <edge id or index>, missing = <id>,
 * side = "from"|"to"}, ... } in edge order, "from" before "to". */
static int l_graph_dangling(lua_State *L)
{
    graph *g = check_graph(L);
    lua_settop(L, 1);
    lua_getiuservalue(L, 1, UV_IDS);                    /* 2 */
    lua_getiuservalue(L, 1, UV_LABELS);                 /* 3 */
    lua_createtable(L, g->n_dangling, 0);               /* 4 */
    meter m = {L, 0};
    lua_Integer k = 0;
    for (int32_t e = 0; e < g->n_edges; e++) {
        for (int side = 0; side < 2; side++) {
            int32_t ix = side == 0 ? g->e_from[e] : g->e_to[e];
            if (ix < g->n_nodes) {
                continue;
            }
            lua_createtable(L, 0, 3);
            push_label(L, 3, e);
            lua_setfield(L, -2, "edge");
            lua_rawgeti(L, 2, (lua_Integer)ix + 1);
            lua_setfield(L, -2, "missing");
            lua_pushstring(L, side == 0 ? "from" : "to");
            lua_setfield(L, -2, "side");
            lua_rawseti(L, 4, ++k);
        }
        tick(&m, 1);
    }
    settle(&m);
    return 1;
}

/* g:gaps(id) -> { {from_edge =, to_edge =, node =, days =}, ... }: for
 * every node X on a custody path into id (id included), every dated edge
 * into X paired with every dated edge out of X that stays on such a path;
 * days = date(out) - date(in), negative when the goods left before they
 * arrived. Nodes in breadth-first order back from id, edges in input
 * order. Undated edges are skipped. nil, message when id is not a node. */
static int l_graph_gaps(lua_State *L)
{
    graph *g = check_graph(L);
    int32_t start = find_node(L, g);
    if (start < 0) {
        return no_node(L);
    }
    lua_settop(L, 2);
    lua_getiuservalue(L, 1, UV_IDS);                    /* 3 */
    lua_getiuservalue(L, 1, UV_LABELS);                 /* 4 */
    meter m = {L, 0};
    uint32_t *mark;
    int32_t *order = push_walk_scratch(L, g, &mark);    /* 5 */
    int32_t n = walk_back(&m, g, start, mark, order);
    lua_newtable(L);                                    /* 6 */
    lua_Integer k = 0;
    for (int32_t j = 0; j < n; j++) {
        int32_t x = order[j];
        for (int32_t a = g->in_off[x]; a < g->in_off[x + 1]; a++) {
            int32_t ei = g->in_edge[a];
            if (g->e_day[ei] == NO_DATE) {
                continue;
            }
            for (int32_t b = g->out_off[x]; b < g->out_off[x + 1]; b++) {
                int32_t eo = g->out_edge[b];
                if (mark[g->e_to[eo]] != g->gen || g->e_day[eo] == NO_DATE) {
                    continue;
                }
                lua_createtable(L, 0, 4);
                push_label(L, 4, ei);
                lua_setfield(L, -2, "from_edge");
                push_label(L, 4, eo);
                lua_setfield(L, -2, "to_edge");
                lua_rawgeti(L, 3, (lua_Integer)x + 1);
                lua_setfield(L, -2, "node");
                lua_pushinteger(L, (lua_Integer)g->e_day[eo] - g->e_day[ei]);
                lua_setfield(L, -2, "days");
                lua_rawseti(L, 6, ++k);
                tick(&m, 1);
            }
            tick(&m, 1 + g->out_off[x + 1] - g->out_off[x]);
        }
    }
    settle(&m);
    return 1;
}

/* g:stats() -> {nodes =, edges =, dangling =} */
static int l_graph_stats(lua_State *L)
{
    graph *g = check_graph(L);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, g->n_nodes);
    lua_setfield(L, -2, "nodes");
    lua_pushinteger(L, g->n_edges);
    lua_setfield(L, -2, "edges");
    lua_pushinteger(L, g->n_dangling);
    lua_setfield(L, -2, "dangling");
    return 1;
}

static int l_graph_tostring(lua_State *L)
{
    graph *g = check_graph(L);
    lua_pushfstring(L, GRAPH_MT " (%d nodes, %d edges)", (int)g->n_nodes,
                    (int)g->n_edges);
    return 1;
}

/* ------------------------------------------------------------------ */
/* chain.mass_balance(transformations[, tolerance])                    */
/* ------------------------------------------------------------------ */

/* transformations[i].field at the top of stack t: a finite number >= 0. */
static lua_Number check_kg(lua_State *L, int t, lua_Integer i,
                           const char *field)
{
    lua_pushstring(L, field);
    if (lua_rawget(L, t) != LUA_TNUMBER) {
        luaL_argerror(L, 1, lua_pushfstring(L,
            "transformations[%I].%s must be a number (got %s)", i, field,
            luaL_typename(L, -1)));
    }
    lua_Number x = lua_tonumber(L, -1);
    if (!(x >= 0) || !isfinite(x)) {
        luaL_argerror(L, 1, lua_pushfstring(L,
            "transformations[%I].%s must be a finite number >= 0", i, field));
    }
    lua_pop(L, 1);
    return x;
}

/* chain.mass_balance(transformations[, tolerance = 0.01]) ->
 * { {id =, expected_kg =, actual_kg =, ratio =, ok =}, ... }, one per
 * transformation {id, input_kg, output_kg, yield_ratio, ...}: expected =
 * input_kg * yield_ratio, actual = output_kg, ratio = actual / expected
 * (absent when expected is 0), ok = |actual - expected| <= tolerance *
 * expected. */
static int l_chain_mass_balance(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Number tol = luaL_optnumber(L, 2, 0.01);
    luaL_argcheck(L, tol >= 0 && isfinite(tol), 2,
                  "tolerance must be a finite number >= 0");
    lua_settop(L, 1);
    lua_pushvalue(L, 1);
    top_table(L);                                       /* 2: backing */
    lua_Unsigned n = lua_rawlen(L, 2);
    if (n > MAX_ITEMS) {
        luaL_argerror(L, 1, "too many transformations");
    }
    lua_createtable(L, (int)n, 0);                      /* 3 */
    meter m = {L, 0};
    for (lua_Integer i = 1; i <= (lua_Integer)n; i++) {
        lua_rawgeti(L, 2, i);
        if (!top_table(L)) {
            luaL_argerror(L, 1, lua_pushfstring(L,
                "transformations[%I] must be a table (got %s)", i,
                luaL_typename(L, -1)));
        }
        int t = lua_gettop(L);
        lua_Number in = check_kg(L, t, i, "input_kg");
        lua_Number out = check_kg(L, t, i, "output_kg");
        lua_Number yield = check_kg(L, t, i, "yield_ratio");
        lua_Number expected = in * yield;
        lua_createtable(L, 0, 5);
        lua_pushliteral(L, "id");
        lua_rawget(L, t);
        lua_setfield(L, -2, "id");
        lua_pushnumber(L, expected);
        lua_setfield(L, -2, "expected_kg");
        lua_pushnumber(L, out);
        lua_setfield(L, -2, "actual_kg");
        if (expected > 0) {
            lua_pushnumber(L, out / expected);
            lua_setfield(L, -2, "ratio");
        }
        lua_pushboolean(L, fabs(out - expected) <= tol * expected);
        lua_setfield(L, -2, "ok");
        lua_rawseti(L, 3, i);
        lua_settop(L, 3);
        tick(&m, 1);
    }
    settle(&m);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

static const luaL_Reg chain_funcs[] = {
    {"graph", l_chain_graph},
    {"mass_balance", l_chain_mass_balance},
    {NULL, NULL},
};

static const luaL_Reg graph_methods[] = {
    {"trace", l_graph_trace},
    {"cycles", l_graph_cycles},
    {"dangling", l_graph_dangling},
    {"gaps", l_graph_gaps},
    {"stats", l_graph_stats},
    {NULL, NULL},
};

int luaopen_edict_chain(lua_State *L)
{
    if (luaL_newmetatable(L, GRAPH_MT)) {
        luaL_newlib(L, graph_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_graph_tostring);
        lua_setfield(L, -2, "__tostring");
        /* Shared by every pack in the state: hide it from getmetatable. */
        lua_pushliteral(L, GRAPH_MT);
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    luaL_newlib(L, chain_funcs);
    return 1;
}
