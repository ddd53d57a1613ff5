/*
 * arena.h — a region of small blocks for a Lua state's allocator.
 *
 * Lua's strings, tables, nodes and closures are mostly small and short
 * lived: several are made and freed for every event. A region reserved per
 * state hands out blocks of up to ED_ARENA_MAX bytes, in classes of 16
 * bytes with a free list per class: a pop or a bump, no lock and no
 * search, and one state's objects lie together instead of interleaved
 * with every other state's in one malloc heap (50 tenants' states run in
 * cold caches). The region is reserved, not committed: a page counts once
 * touched. What a state frees stays on its free lists for its own next
 * blocks, at most the region's size. Larger blocks, and every block once
 * the region is used up, come from malloc; a block's address tells which.
 */
#ifndef EDICT_ARENA_H
#define EDICT_ARENA_H

#include <stddef.h>
#include <lua.h>

#define ED_ARENA_MAX 256

typedef struct ed_arena ed_arena;

/* A region of `bytes` (reserved with mmap), or NULL when none can be had:
 * ed_arena_resize and ed_arena_release accept NULL and use malloc. */
ed_arena *ed_arena_new(size_t bytes);
void ed_arena_free(ed_arena *a);

/* realloc(ptr, nsize) for a lua_Alloc: ptr is NULL or a block Lua knows
 * as osize bytes. NULL (ptr untouched) when no memory is left; a shrink
 * never fails. */
void *ed_arena_resize(ed_arena *a, void *ptr, size_t osize, size_t nsize);

/* free(ptr) of a block Lua knows as osize bytes (ptr may be NULL). */
void ed_arena_release(ed_arena *a, void *ptr, size_t osize);

/* A plain Lua state (as luaL_newstate, standard libraries not opened)
 * whose allocator uses a region of `bytes` of its own, freed by
 * lua_close with the state. NULL when out of memory. */
lua_State *ed_arena_state(size_t bytes);

#endif
