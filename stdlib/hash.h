/*
 * hash.h — SHA-256, SHA-512 and HMAC-SHA256 for the host (pack digests,
 * decision ids, evidence, the journal) and the Lua module `edict.hash` for
 * rules. Everything goes through OpenSSL's EVP.
 */
#ifndef EDICT_HASH_H
#define EDICT_HASH_H

#include <stddef.h>
#include <lua.h>

#define ED_SHA256_LEN 32
#define ED_SHA256_HEX_LEN 64
#define ED_SHA512_LEN 64
#define ED_SHA512_HEX_LEN 128

typedef struct ed_sha256 ed_sha256;

/* Incremental SHA-256. ed_sha256_new returns NULL on allocation failure;
 * ed_sha256_final writes 64 hex digits and a NUL to hex (65 bytes) and
 * frees the hasher. */
ed_sha256 *ed_sha256_new(void);
void ed_sha256_update(ed_sha256 *h, const void *data, size_t len);
void ed_sha256_final(ed_sha256 *h, char hex[ED_SHA256_HEX_LEN + 1]);

/* One-shot SHA-256 as hex, or as the raw 32 bytes. */
void ed_sha256_hex(const void *data, size_t len, char hex[ED_SHA256_HEX_LEN + 1]);
void ed_sha256_raw(const void *data, size_t len, unsigned char out[ED_SHA256_LEN]);

/* Write the 2n lowercase hex digits of raw[0..n) and a NUL to hex
 * (2n + 1 bytes). */
void ed_hex(const unsigned char *raw, size_t n, char *hex);

/* Decode len hex digits (either case; len even) into len / 2 bytes at
 * out. 0, or -1 when hex holds a non-hex character or len is odd. */
int ed_unhex(const char *hex, size_t len, unsigned char *out);

/**
 * One-shot SHA-512 as lowercase hex.
 * @param hex receives 128 hex digits and a NUL (129 bytes).
 * Aborts the process if OpenSSL fails (out of memory), like ed_sha256_hex.
 */
void ed_sha512_hex(const void *data, size_t len, char hex[ED_SHA512_HEX_LEN + 1]);

/**
 * HMAC-SHA256 (RFC 2104) of `msg` under `key`; any key length, an empty
 * key included (key may be NULL when keylen is 0, msg when len is 0).
 * @param out receives the 32-byte MAC.
 * @return 0 on success, -1 when OpenSSL fails (out of memory); out is then
 *         unspecified.
 */
int ed_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
                   unsigned char out[ED_SHA256_LEN]);

/* Lua module entry point: require "edict.hash". */
int luaopen_edict_hash(lua_State *L);

#endif
