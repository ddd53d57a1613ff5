/*
 * keyhash.c — keyed hashing of hash-table keys with OpenSSL's SipHash (see
 * keyhash.h): a random key per table so clients cannot force collisions.
 */
#define _POSIX_C_SOURCE 200809L
#define keyhash_c

#include "keyhash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

#define KEY_SIZE 16 /* SipHash's key */
#define OUT_SIZE 8  /* 64-bit output: what the tables index by */

void ed_keyhash_free(ed_keyhash *k)
{
    if (k == NULL) {
        return;
    }
    EVP_MAC_CTX_free(k->keyed);
    EVP_MAC_free(k->mac);
    k->keyed = NULL;
    k->mac = NULL;
}

int ed_keyhash_init_key(ed_keyhash *k, const unsigned char key[16])
{
    k->mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    k->keyed = k->mac ? EVP_MAC_CTX_new(k->mac) : NULL;
    /* The output size goes in with the key: SipHash's initial state
     * depends on it. */
    size_t out_size = OUT_SIZE;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
        OSSL_PARAM_construct_end(),
    };
    if (k->keyed == NULL || EVP_MAC_init(k->keyed, key, KEY_SIZE, params) != 1 ||
        EVP_MAC_CTX_get_mac_size(k->keyed) != OUT_SIZE) {
        ed_keyhash_free(k);
        return -1;
    }
    return 0;
}

int ed_keyhash_init(ed_keyhash *k)
{
    unsigned char key[KEY_SIZE];
    int rc = -1;
    if (RAND_bytes(key, sizeof key) == 1) {
        rc = ed_keyhash_init_key(k, key);
    } else {
        k->mac = NULL;
        k->keyed = NULL;
    }
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

uint64_t ed_keyhash_of(const ed_keyhash *k, const void *data, size_t len)
{
    /* A private copy of the keyed state: k->keyed itself is only read, so
     * concurrent calls need no lock. */
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(k->keyed);
    unsigned char out[OUT_SIZE];
    size_t out_len = 0;
    int ok = ctx != NULL && EVP_MAC_update(ctx, data, len) == 1 &&
             EVP_MAC_final(ctx, out, &out_len, sizeof out) == 1 && out_len == OUT_SIZE;
    EVP_MAC_CTX_free(ctx);
    if (!ok) {
        fputs("edict: keyed hash failed (OpenSSL SipHash; out of memory?)\n", stderr);
        abort();
    }
    uint64_t h = 0;
    for (int i = OUT_SIZE - 1; i >= 0; i--) {
        h = (h << 8) | out[i];
    }
    return h;
}
