/*
 * AES-256-GCM sealing of stored secrets and the master key's loading. Does not rotate keys: a
 * rotation would re-seal every row under a new key, which is a separate command.
 */
#include "crypto/secrets.h"

#include "plat.h"
#include "util/base64.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NONCE_LEN 12
#define TAG_LEN   16
#define PREFIX    "v1."

static int decode_key(const char *text, struct secrets_key *out)
{
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    size_t n = 0;
    unsigned char *raw = base64_decode(text, len, false, &n);
    int rc = raw && n == SECRETS_KEY_LEN ? 0 : -1;
    if (rc == 0)
        memcpy(out->key, raw, SECRETS_KEY_LEN);
    if (raw) {
        memset(raw, 0, n);
        free(raw);
    }
    return rc;
}

int secrets_key_load(const char *data_dir, struct secrets_key *out, char *err, size_t err_len)
{
    const char *env = getenv("SOLDER_MASTER_KEY");
    if (env && *env) {
        if (decode_key(env, out) != 0) {
            snprintf(err, err_len, "SOLDER_MASTER_KEY must be the base64 of 32 bytes");
            return -1;
        }
        return 0;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/master.key", data_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char text[128] = {0};
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        if (decode_key(text, out) != 0) {
            snprintf(err, err_len, "%s must hold the base64 of 32 bytes", path);
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (plat_random(out->key, SECRETS_KEY_LEN) != 0) {
        snprintf(err, err_len, "no randomness for the master key");
        return -1;
    }
    char *text = base64_encode(out->key, SECRETS_KEY_LEN, false);
    int fd = text ? open(path, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
    bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
              write(fd, "\n", 1) == 1;
    if (fd >= 0)
        close(fd);
    free(text);
    if (!ok) {
        snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

char *secrets_seal(const struct secrets_key *k, const void *plain, size_t n)
{
    if (n > (size_t)1 << 24)
        return NULL;
    unsigned char *raw = malloc(NONCE_LEN + n + TAG_LEN);
    if (!raw || plat_random(raw, NONCE_LEN) != 0) {
        free(raw);
        return NULL;
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->key, raw) == 1 &&
              EVP_EncryptUpdate(ctx, raw + NONCE_LEN, &len, plain, (int)n) == 1 &&
              EVP_EncryptFinal_ex(ctx, raw + NONCE_LEN + len, &fin) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, raw + NONCE_LEN + n) == 1;
    EVP_CIPHER_CTX_free(ctx);
    char *b64 = ok ? base64_encode(raw, NONCE_LEN + n + TAG_LEN, false) : NULL;
    free(raw);
    if (!b64)
        return NULL;
    char *out = malloc(strlen(PREFIX) + strlen(b64) + 1);
    if (out)
        sprintf(out, "%s%s", PREFIX, b64);
    free(b64);
    return out;
}

char *secrets_open(const struct secrets_key *k, const char *sealed, size_t *n_out)
{
    if (!sealed || strncmp(sealed, PREFIX, strlen(PREFIX)) != 0)
        return NULL;
    const char *b64 = sealed + strlen(PREFIX);
    size_t n = 0;
    unsigned char *raw = base64_decode(b64, strlen(b64), false, &n);
    if (!raw || n < NONCE_LEN + TAG_LEN) {
        free(raw);
        return NULL;
    }
    size_t clen = n - NONCE_LEN - TAG_LEN;
    char *plain = malloc(clen + 1);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok =
        plain && ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->key, raw) == 1 &&
        EVP_DecryptUpdate(ctx, (unsigned char *)plain, &len, raw + NONCE_LEN, (int)clen) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, raw + NONCE_LEN + clen) == 1 &&
        EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + len, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    free(raw);
    if (!ok) {
        free(plain);
        return NULL;
    }
    plain[clen] = '\0';
    if (n_out)
        *n_out = clen;
    return plain;
}

char *secrets_key_open_stored(const struct secrets_key *k, const char *stored, bool *was_clear,
                              char *err, size_t err_len)
{
    *was_clear = false;
    if (!stored) {
        snprintf(err, err_len, "no private key stored");
        return NULL;
    }
    if (strncmp(stored, "-----BEGIN ", 11) == 0) {
        *was_clear = true;
        return strdup(stored);
    }
    char *pem = secrets_open(k, stored, NULL);
    if (!pem)
        snprintf(err, err_len,
                 "a stored private key does not open under the master key (was SOLDER_MASTER_KEY "
                 "or DATA/master.key changed?)");
    return pem;
}

void secrets_free(char *text)
{
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
}
