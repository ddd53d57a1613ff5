/*
 * hash.c — SHA-256 over OpenSSL EVP for the host, and the `edict.hash`
 * module rules use to check evidence digests.
 */
#define hash_c

#include "hash.h"

#include <lauxlib.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct ed_sha256 {
    EVP_MD_CTX *md;
};

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

static void to_hex(const unsigned char *raw, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
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
    to_hex(raw, n, hex);
    EVP_MD_CTX_free(h->md);
    free(h);
}

void ed_sha256_hex(const void *data, size_t len, char hex[ED_SHA256_HEX_LEN + 1])
{
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, raw, &n, sha256(), NULL) != 1) {
        fputs("edict: SHA-256 failed\n", stderr);
        abort();
    }
    to_hex(raw, n, hex);
}

/* edict.hash.sha256(s) -> lowercase hex digest of the string s. */
static int l_hash_sha256(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char hex[ED_SHA256_HEX_LEN + 1];
    ed_sha256_hex(s, len, hex);
    lua_pushstring(L, hex);
    return 1;
}

int luaopen_edict_hash(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"sha256", l_hash_sha256},
        {NULL, NULL}};
    luaL_newlib(L, functions);
    return 1;
}
