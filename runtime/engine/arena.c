/*
 * arena.c — a region of small blocks for a Lua state's allocator (see
 * arena.h).
 *
 * Blocks of a class have (class + 1) * 16 bytes. A block keeps at least
 * the class size of what Lua last called it: growing within its class or
 * shrinking leaves it in place (so a shrink never fails), and it is freed
 * into the class of the size Lua then reports, which it still covers.
 * Under AddressSanitizer, free blocks and the untouched rest of the region
 * are poisoned.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#define arena_c

#include "arena.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define GRAIN 16
#define CLASSES (ED_ARENA_MAX / GRAIN)

struct ed_arena {
    char *base;            /* the reserved region */
    char *next;            /* its first byte never handed out */
    char *end;
    size_t bytes;
    void *free[CLASSES];   /* freed blocks, by class */
    size_t live;           /* ed_arena_state: bytes its state holds */
    int owned;             /* ...and the state frees the region */
};

ed_arena *ed_arena_new(size_t bytes)
{
    ed_arena *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return NULL;
    }
    void *region = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) {
        free(a);
        return NULL;
    }
    a->base = a->next = region;
    a->end = a->base + bytes;
    a->bytes = bytes;
    POISON(region, bytes);
    return a;
}

void ed_arena_free(ed_arena *a)
{
    if (a != NULL) {
        UNPOISON(a->base, a->bytes);
        munmap(a->base, a->bytes);
        free(a);
    }
}

/* The class of a block of n bytes, 0 < n <= ED_ARENA_MAX. */
static size_t class_of(size_t n) { return (n - 1) / GRAIN; }

static int holds(const ed_arena *a, const void *p)
{
    uintptr_t x = (uintptr_t)p;
    return a != NULL && x >= (uintptr_t)a->base && x < (uintptr_t)a->end;
}

/* A block of at least n bytes (n <= ED_ARENA_MAX), or NULL when the
 * region is used up. */
static void *take(ed_arena *a, size_t n)
{
    if (a == NULL) {
        return NULL;
    }
    size_t c = class_of(n), size = (c + 1) * GRAIN;
    void *p = a->free[c];
    if (p != NULL) {
        UNPOISON(p, size);
        memcpy(&a->free[c], p, sizeof(void *));
        return p;
    }
    if ((size_t)(a->end - a->next) >= size) {
        p = a->next;
        a->next += size;
        UNPOISON(p, size);
        return p;
    }
    return NULL;
}

static void give(ed_arena *a, void *p, size_t osize)
{
    size_t c = class_of(osize);
    memcpy(p, &a->free[c], sizeof(void *));
    a->free[c] = p;
    POISON(p, (c + 1) * GRAIN);
}

void *ed_arena_resize(ed_arena *a, void *ptr, size_t osize, size_t nsize)
{
    if (ptr != NULL && !holds(a, ptr)) {
        return realloc(ptr, nsize);
    }
    if (ptr != NULL && (nsize <= osize ||
                        (nsize <= ED_ARENA_MAX && class_of(nsize) == class_of(osize)))) {
        return ptr;
    }
    void *p = nsize <= ED_ARENA_MAX ? take(a, nsize) : NULL;
    if (p == NULL && (p = malloc(nsize)) == NULL) {
        return NULL;
    }
    if (ptr != NULL) {
        memcpy(p, ptr, osize);
        give(a, ptr, osize);
    }
    return p;
}

void ed_arena_release(ed_arena *a, void *ptr, size_t osize)
{
    if (holds(a, ptr)) {
        give(a, ptr, osize);
    } else {
        free(ptr);
    }
}

/* The allocator of ed_arena_state: the state's last block (its main
 * thread, freed last by lua_close) takes the region with it. */
static void *state_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    ed_arena *a = ud;
    if (ptr == NULL) {
        osize = 0; /* osize encodes the object type, not a size */
    }
    if (nsize == 0) {
        ed_arena_release(a, ptr, osize);
        a->live -= osize;
        if (a->live == 0 && a->owned) {
            ed_arena_free(a);
        }
        return NULL;
    }
    void *p = ed_arena_resize(a, ptr, osize, nsize);
    if (p != NULL) {
        a->live = a->live - osize + nsize;
    }
    return p;
}

static int panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n",
            msg ? msg : "error object is not a string");
    return 0;
}

lua_State *ed_arena_state(size_t bytes)
{
    ed_arena *a = ed_arena_new(bytes);
    if (a == NULL) {
        return luaL_newstate();
    }
    lua_State *L = lua_newstate(state_alloc, a);
    if (L == NULL) {
        ed_arena_free(a);   /* lua_newstate freed what it had made */
        return NULL;
    }
    a->owned = 1;
    lua_atpanic(L, panic);
    return L;
}
