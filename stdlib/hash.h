/*
 * hash.h — SHA-256 for the host (pack digests, decision ids) and the Lua
 * module `edict.hash` for rules. Everything goes through OpenSSL's EVP.
 */
#ifndef EDICT_HASH_H
#define EDICT_HASH_H

#include <stddef.h>
#include <lua.h>

#define ED_SHA256_LEN 32
#define ED_SHA256_HEX_LEN 64

typedef struct ed_sha256 ed_sha256;

/* Incremental SHA-256. ed_sha256_new returns NULL on allocation failure;
 * ed_sha256_final writes 64 hex digits and a NUL to hex (65 bytes) and
 * frees the hasher. */
ed_sha256 *ed_sha256_new(void);
void ed_sha256_update(ed_sha256 *h, const void *data, size_t len);
void ed_sha256_final(ed_sha256 *h, char hex[ED_SHA256_HEX_LEN + 1]);

/* One-shot SHA-256 as hex. */
void ed_sha256_hex(const void *data, size_t len, char hex[ED_SHA256_HEX_LEN + 1]);

/* Lua module entry point: require "edict.hash". */
int luaopen_edict_hash(lua_State *L);

#endif
