/*
 * signing.c — Ed25519 through OpenSSL EVP (see signing.h).
 */
#define _POSIX_C_SOURCE 200809L
#define signing_c

#include "signing.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ed_key {
    EVP_PKEY *pkey;
};

static void openssl_error(ed_buf *err, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ed_buf_printf(err, "%s: %s", what, e ? buf : "failed");
}

int ed_key_generate(const char *path, ed_buf *err)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (pkey == NULL) {
        openssl_error(err, "generating an Ed25519 key");
        return -1;
    }
    int rc = -1;
    FILE *priv = NULL, *pub = NULL;
    char *pubpath = malloc(strlen(path) + 5);
    if (pubpath == NULL) {
        abort();
    }
    sprintf(pubpath, "%s.pub", path);
    /* the private key is made readable by its owner only, and never
     * written over an existing key */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        ed_buf_printf(err, "cannot create %s: %s", path, strerror(errno));
        goto done;
    }
    priv = fdopen(fd, "w");
    if (priv == NULL) {
        close(fd);
        ed_buf_printf(err, "cannot write %s: %s", path, strerror(errno));
        goto done;
    }
    if (PEM_write_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        openssl_error(err, "writing the private key");
        goto done;
    }
    pub = fopen(pubpath, "w");
    if (pub == NULL || PEM_write_PUBKEY(pub, pkey) != 1) {
        ed_buf_printf(err, "cannot write %s", pubpath);
        goto done;
    }
    rc = 0;
done:
    if (priv && fclose(priv) != 0) {
        rc = -1;
    }
    if (pub && fclose(pub) != 0) {
        rc = -1;
    }
    free(pubpath);
    EVP_PKEY_free(pkey);
    return rc;
}

static ed_key *load(const char *path, int private, ed_buf *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        ed_buf_printf(err, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *pkey = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                             : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pkey);
        ed_buf_printf(err, "%s is not an Ed25519 %s key (PEM)", path,
                      private ? "private" : "public");
        return NULL;
    }
    ed_key *k = malloc(sizeof *k);
    if (k == NULL) {
        abort();
    }
    k->pkey = pkey;
    return k;
}

ed_key *ed_key_load_private(const char *path, ed_buf *err) { return load(path, 1, err); }
ed_key *ed_key_load_public(const char *path, ed_buf *err) { return load(path, 0, err); }

void ed_key_free(ed_key *k)
{
    if (k) {
        EVP_PKEY_free(k->pkey);
        free(k);
    }
}

int ed_key_sign(ed_key *k, const void *msg, size_t len, char sig_hex[129],
                ed_buf *err)
{
    unsigned char sig[64];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == 64;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        openssl_error(err, "signing");
        return -1;
    }
    for (size_t i = 0; i < 64; i++) {
        sprintf(sig_hex + 2 * i, "%02x", sig[i]);
    }
    return 0;
}

int ed_key_verify(ed_key *k, const void *msg, size_t len, const char *sig_hex)
{
    unsigned char sig[64];
    if (strlen(sig_hex) != 128) {
        return 0;
    }
    for (size_t i = 0; i < 64; i++) {
        unsigned int v;
        if (sscanf(sig_hex + 2 * i, "%2x", &v) != 1) {
            return 0;
        }
        sig[i] = (unsigned char)v;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}
