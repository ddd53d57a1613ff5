/*
 * hash.c — SHA-256, SHA-512 and HMAC-SHA256 over OpenSSL EVP for the host,
 * and the `edict.hash` module rules use to check evidence digests.
 *
 * Every Lua function checks its arguments, then charges the sandbox budget
 * for the bytes it is about to hash (HASH_BYTES_PER_STEP per instruction),
 * then does the work. The only C resource a rule can hold is a streaming
 * hasher's EVP_MD_CTX, and the hasher userdata owns it (__gc, __close), so
 * any raise, budget stops included, leaks nothing.
 */
#define hash_c

#include "hash.h"

#include "engine/budget.h"

#include <lauxlib.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Work charged to the sandbox: one instruction per 64 bytes (one block of
 * SHA-256) hashed, compared or converted. */
#define HASH_BYTES_PER_STEP 64

/* Metatable of streaming hashers (hash.hasher()). */
#define HASHER_MT "edict.hash.hasher"

struct ed_sha256 {
    EVP_MD_CTX *md;
};

/* ------------------------------------------------------------------ */
/* Algorithms, fetched once                                            */
/* ------------------------------------------------------------------ */

/* OpenSSL 3 looks the algorithm up on every EVP_sha256() digest unless it
 * is fetched once; decision ids hash every event, so fetch it once. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_md ? sha256_md : EVP_sha256();
}

static EVP_MD *sha512_md;
static pthread_once_t sha512_once = PTHREAD_ONCE_INIT;

static void fetch_sha512(void)
{
    sha512_md = EVP_MD_fetch(NULL, "SHA512", NULL);
}

static const EVP_MD *sha512(void)
{
    pthread_once(&sha512_once, fetch_sha512);
    return sha512_md ? sha512_md : EVP_sha512();
}

/* The HMAC implementation; NULL if the provider has none (then every
 * HMAC fails cleanly). */
static EVP_MAC *hmac_mac;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void fetch_hmac(void)
{
    hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static EVP_MAC *hmac(void)
{
    pthread_once(&hmac_once, fetch_hmac);
    return hmac_mac;
}

/* ------------------------------------------------------------------ */
/* Host API                                                            */
/* ------------------------------------------------------------------ */

/* Write 2n lowercase hex digits of raw[0..n) to hex (no NUL). */
static void hex_encode(const unsigned char *raw, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
}

void ed_hex(const unsigned char *raw, size_t n, char *hex)
{
    hex_encode(raw, n, hex);
    hex[2 * n] = '\0';
}

ed_sha256 *ed_sha256_new(void)
{
    ed_sha256 *h = malloc(sizeof *h);
    if (h == NULL) {
        return NULL;
    }
    h->md = EVP_MD_CTX_new();
    if (h->md == NULL || EVP_DigestInit_ex(h->md, sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->md);
        free(h);
        return NULL;
    }
    return h;
}

void ed_sha256_update(ed_sha256 *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->md, data, len);
}

void ed_sha256_final(ed_sha256 *h, char hex[ED_SHA256_HEX_LEN + 1])
{
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->md, raw, &n);
    ed_hex(raw, n, hex);
    EVP_MD_CTX_free(h->md);
    free(h);
}

/* One-shot digest of a host buffer; aborts if OpenSSL fails. */
static unsigned int digest_raw(const EVP_MD *md, const char *name, const void *data,
                               size_t len, unsigned char raw[EVP_MAX_MD_SIZE])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, raw, &n, md, NULL) != 1) {
        fprintf(stderr, "edict: %s failed\n", name);
        abort();
    }
    return n;
}

static void digest_hex(const EVP_MD *md, const char *name, const void *data,
                       size_t len, char *hex)
{
    unsigned char raw[EVP_MAX_MD_SIZE];
    ed_hex(raw, digest_raw(md, name, data, len, raw), hex);
}

void ed_sha256_raw(const void *data, size_t len, unsigned char out[ED_SHA256_LEN])
{
    unsigned char raw[EVP_MAX_MD_SIZE];
    digest_raw(sha256(), "SHA-256", data, len, raw);
    memcpy(out, raw, ED_SHA256_LEN);
}

void ed_sha256_hex(const void *data, size_t len, char hex[ED_SHA256_HEX_LEN + 1])
{
    digest_hex(sha256(), "SHA-256", data, len, hex);
}

void ed_sha512_hex(const void *data, size_t len, char hex[ED_SHA512_HEX_LEN + 1])
{
    digest_hex(sha512(), "SHA-512", data, len, hex);
}

int ed_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
                   unsigned char out[ED_SHA256_LEN])
{
    /* EVP_MAC_init() reads a NULL key as "keep the previous key", and a
     * fresh context has none: pass a real (empty) buffer instead. */
    static const unsigned char empty[1];
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end()};
    size_t n = 0;
    int rc = -1;
    EVP_MAC *mac = hmac();
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    if (ctx == NULL) {
        return -1;
    }
    if (EVP_MAC_init(ctx, key ? key : empty, keylen, params) != 1 ||
        EVP_MAC_update(ctx, msg ? msg : (const void *)empty, len) != 1 ||
        EVP_MAC_final(ctx, out, &n, ED_SHA256_LEN) != 1 || n != ED_SHA256_LEN) {
        goto err;
    }
    rc = 0;
err:
    EVP_MAC_CTX_free(ctx);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Lua: one-shot functions                                             */
/* ------------------------------------------------------------------ */

/* Charge the running sandbox call for work over `len` bytes. May raise
 * (budget stop): call it only while holding no C resource. */
static void charge(lua_State *L, size_t len)
{
    ed_budget_charge(L, (int64_t)(len / HASH_BYTES_PER_STEP));
}

/* Push a digest or MAC: lowercase hex, or the raw bytes. */
static void push_digest(lua_State *L, const unsigned char *raw, size_t n, int raw_out)
{
    if (raw_out) {
        lua_pushlstring(L, (const char *)raw, n);
    } else {
        char hex[2 * EVP_MAX_MD_SIZE];
        hex_encode(raw, n, hex);
        lua_pushlstring(L, hex, 2 * n);
    }
}

/* The body of sha256/sha512 and their _raw twins: digest argument 1. */
static int digest(lua_State *L, const EVP_MD *md, const char *name, int raw_out)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    charge(L, len);
    /* EVP_Digest frees its own context before returning, failed or not. */
    if (EVP_Digest(s, len, raw, &n, md, NULL) != 1) {
        return luaL_error(L, "%s failed", name);
    }
    push_digest(L, raw, n, raw_out);
    return 1;
}

/* edict.hash.sha256(s) -> lowercase hex SHA-256 of the string s. */
static int l_hash_sha256(lua_State *L)
{
    return digest(L, sha256(), "sha256", 0);
}

/* edict.hash.sha256_raw(s) -> the 32 raw bytes of SHA-256(s). */
static int l_hash_sha256_raw(lua_State *L)
{
    return digest(L, sha256(), "sha256_raw", 1);
}

/* edict.hash.sha512(s) -> lowercase hex SHA-512 of the string s. */
static int l_hash_sha512(lua_State *L)
{
    return digest(L, sha512(), "sha512", 0);
}

/* edict.hash.sha512_raw(s) -> the 64 raw bytes of SHA-512(s). */
static int l_hash_sha512_raw(lua_State *L)
{
    return digest(L, sha512(), "sha512_raw", 1);
}

/* The body of hmac_sha256 and hmac_sha256_raw: MAC of argument 2 under
 * the key in argument 1. */
static int hmac_sha256(lua_State *L, const char *name, int raw_out)
{
    size_t keylen, len;
    const char *key = luaL_checklstring(L, 1, &keylen);
    const char *msg = luaL_checklstring(L, 2, &len);
    unsigned char mac[ED_SHA256_LEN];
    charge(L, keylen + len);
    if (ed_hmac_sha256(key, keylen, msg, len, mac) != 0) {
        return luaL_error(L, "%s failed", name);
    }
    push_digest(L, mac, sizeof mac, raw_out);
    return 1;
}

/* edict.hash.hmac_sha256(key, message) -> lowercase hex HMAC-SHA256. */
static int l_hash_hmac_sha256(lua_State *L)
{
    return hmac_sha256(L, "hmac_sha256", 0);
}

/* edict.hash.hmac_sha256_raw(key, message) -> the 32 raw bytes. */
static int l_hash_hmac_sha256_raw(lua_State *L)
{
    return hmac_sha256(L, "hmac_sha256_raw", 1);
}

/* edict.hash.equal(a, b) -> whether the strings are equal, in time that
 * depends only on their lengths (for comparing MACs and digests). */
static int l_hash_equal(lua_State *L)
{
    size_t la, lb;
    const char *a = luaL_checklstring(L, 1, &la);
    const char *b = luaL_checklstring(L, 2, &lb);
    if (la != lb) {
        lua_pushboolean(L, 0);
        return 1;
    }
    charge(L, la);
    lua_pushboolean(L, CRYPTO_memcmp(a, b, la) == 0);
    return 1;
}

/* edict.hash.hex(s) -> s as lowercase hex, two digits per byte. */
static int l_hash_hex(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    if (len > (SIZE_MAX - 1) / 2) {
        return luaL_error(L, "string too large");
    }
    charge(L, len);
    /* The buffer is Lua memory (a box on the stack): raising is safe. */
    char *out = luaL_buffinitsize(L, &b, 2 * len);
    hex_encode((const unsigned char *)s, len, out);
    luaL_pushresultsize(&b, 2 * len);
    return 1;
}

/* Value of one hex digit (either case), or -1. */
static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int ed_unhex(const char *hex, size_t len, unsigned char *out)
{
    if (len % 2 != 0) {
        return -1;
    }
    for (size_t i = 0; i < len / 2; i++) {
        /* the low digit is not read after a bad high one: a NUL there
         * ends the string */
        int hi = hex_digit((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* edict.hash.unhex(s) -> the bytes the hex string s spells (either case,
 * even length); raises "not a hex string" otherwise. */
static int l_hash_unhex(lua_State *L)
{
    size_t len;
    const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    luaL_argcheck(L, len % 2 == 0, 1, "not a hex string");
    charge(L, len);
    char *out = luaL_buffinitsize(L, &b, len / 2);
    if (ed_unhex((const char *)s, len, (unsigned char *)out) != 0) {
        return luaL_argerror(L, 1, "not a hex string");
    }
    luaL_pushresultsize(&b, len / 2);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Lua: streaming hashers                                              */
/* ------------------------------------------------------------------ */

/* OpenSSL allocates about 300 bytes per context (the EVP_MD_CTX and the
 * provider's digest state) with malloc, where the sandbox's memory limit
 * cannot see them. Each hasher reserves this much Lua memory on their
 * behalf, so a rule that makes hashers in a loop meets its memory limit
 * and the collector's pace sees their real size. */
#define HASHER_EXTERNAL_BYTES 320

enum { ALG_SHA256, ALG_SHA512 };

static const char *const alg_names[] = {"sha256", "sha512", NULL};

typedef struct hasher {
    EVP_MD_CTX *ctx;  /* owned; NULL once closed (or if allocation failed) */
    int alg;          /* ALG_* */
    int finalized;    /* final() called since creation or reset() */
    unsigned char reserved[HASHER_EXTERNAL_BYTES]; /* accounting only */
} hasher;

static const EVP_MD *alg_md(int alg)
{
    return alg == ALG_SHA512 ? sha512() : sha256();
}

/* The hasher at argument 1 of a method taking at most `nargs` arguments
 * (self included); raises if it is not a hasher, has extra arguments or
 * was closed. */
static hasher *check_hasher(lua_State *L, int nargs)
{
    hasher *h = luaL_checkudata(L, 1, HASHER_MT);
    if (lua_gettop(L) > nargs) {
        luaL_argerror(L, nargs + 1, "no value expected");
    }
    if (h->ctx == NULL) {
        luaL_error(L, "hasher is closed");
    }
    return h;
}

/* edict.hash.hasher(name) -> a new streaming hasher for "sha256" or
 * "sha512". */
static int l_hash_hasher(lua_State *L)
{
    int alg = luaL_checkoption(L, 1, NULL, alg_names);
    /* The userdata first, owning nothing yet: if making it raises (memory),
     * nothing leaks; once it exists, __gc frees whatever it holds. */
    hasher *h = lua_newuserdatauv(L, sizeof *h, 0);
    h->ctx = NULL;
    h->alg = alg;
    h->finalized = 0;
    luaL_setmetatable(L, HASHER_MT);
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, alg_md(alg), NULL) != 1) {
        return luaL_error(L, "hasher: cannot create a %s context", alg_names[alg]);
    }
    return 1;
}

/* h:update(s) -> h, having fed the string s to the hasher. */
static int l_hasher_update(lua_State *L)
{
    hasher *h = check_hasher(L, 2);
    size_t len;
    const char *s = luaL_checklstring(L, 2, &len);
    if (h->finalized) {
        return luaL_error(L, "hasher already finalized");
    }
    charge(L, len);
    if (EVP_DigestUpdate(h->ctx, s, len) != 1) {
        return luaL_error(L, "hasher: update failed");
    }
    lua_settop(L, 1); /* self, for chaining */
    return 1;
}

/* h:final([format]) -> the digest of everything fed since creation or the
 * last reset, as lowercase hex ("hex", the default) or raw bytes ("raw").
 * The hasher then refuses update and final until reset. */
static int l_hasher_final(lua_State *L)
{
    static const char *const formats[] = {"hex", "raw", NULL};
    hasher *h = check_hasher(L, 2);
    int raw_out = luaL_checkoption(L, 2, "hex", formats);
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (h->finalized) {
        return luaL_error(L, "hasher already finalized");
    }
    if (EVP_DigestFinal_ex(h->ctx, raw, &n) != 1) {
        return luaL_error(L, "hasher: final failed");
    }
    h->finalized = 1;
    push_digest(L, raw, n, raw_out);
    return 1;
}

/* h:reset() -> h, emptied: as if just made by hasher() with the same
 * algorithm, finalized or not. */
static int l_hasher_reset(lua_State *L)
{
    hasher *h = check_hasher(L, 1);
    if (EVP_DigestInit_ex(h->ctx, alg_md(h->alg), NULL) != 1) {
        return luaL_error(L, "hasher: reset failed");
    }
    h->finalized = 0;
    lua_settop(L, 1);
    return 1;
}

/* __gc and __close: free the context (once; a closed hasher then raises
 * "hasher is closed" from every method). */
static int l_hasher_close(lua_State *L)
{
    hasher *h = luaL_checkudata(L, 1, HASHER_MT);
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    return 0;
}

static void register_hasher(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"update", l_hasher_update},
        {"final", l_hasher_final},
        {"reset", l_hasher_reset},
        {NULL, NULL}};
    static const luaL_Reg metamethods[] = {
        {"__gc", l_hasher_close},
        {"__close", l_hasher_close},
        {NULL, NULL}};
    if (luaL_newmetatable(L, HASHER_MT)) { /* also sets __name */
        luaL_setfuncs(L, metamethods, 0);
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        /* Every pack in a state shares this metatable: hide it from
         * getmetatable (and setmetatable) so no rule can change it. */
        lua_pushliteral(L, HASHER_MT);
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

int luaopen_edict_hash(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"sha256", l_hash_sha256},
        {"sha256_raw", l_hash_sha256_raw},
        {"sha512", l_hash_sha512},
        {"sha512_raw", l_hash_sha512_raw},
        {"hmac_sha256", l_hash_hmac_sha256},
        {"hmac_sha256_raw", l_hash_hmac_sha256_raw},
        {"hasher", l_hash_hasher},
        {"equal", l_hash_equal},
        {"hex", l_hash_hex},
        {"unhex", l_hash_unhex},
        {NULL, NULL}};
    register_hasher(L);
    luaL_newlib(L, functions);
    return 1;
}
