/*
 * signing.h — Ed25519 keys and signatures (OpenSSL) for the journal's
 * signed checkpoints.
 */
#ifndef EDICT_SIGNING_H
#define EDICT_SIGNING_H

#include <stddef.h>

#include "util/buf.h"

typedef struct ed_key ed_key;

/* Make a key pair: the private key at path (PEM, created 0600, never over
 * an existing file) and the public key at path.pub. 0, or -1 with err. */
int ed_key_generate(const char *path, ed_buf *err);

/* Load a private key (PEM) or a public key (PEM) from a file. NULL with
 * err set. MUST BE FREED with ed_key_free. */
ed_key *ed_key_load_private(const char *path, ed_buf *err);
ed_key *ed_key_load_public(const char *path, ed_buf *err);
void ed_key_free(ed_key *k);

/* Sign msg with a private key: hex signature (129 bytes with the NUL). */
int ed_key_sign(ed_key *k, const void *msg, size_t len, char sig_hex[129],
                ed_buf *err);

/* 1 when sig_hex is a valid signature of msg under k, else 0. */
int ed_key_verify(ed_key *k, const void *msg, size_t len, const char *sig_hex);

#endif
