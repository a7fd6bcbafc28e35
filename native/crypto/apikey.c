/* API keys: generated from 32 random bytes, shown once, stored as SHA-256 hashes only. */
#include "crypto/crypto.h"

#include "plat.h"
#include "util/base64.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm up in the provider registry on every
 * call, which costs more than hashing a short message; fetch each algorithm once per process.
 */
static EVP_MD *sha256_md;
static EVP_MAC *hmac_mac;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_algorithms(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

void crypto_sha256(const void *data, size_t n, unsigned char out[32])
{
    pthread_once(&fetch_once, fetch_algorithms);
    if (!sha256_md || EVP_Digest(data, n, out, NULL, sha256_md, NULL) != 1)
        SHA256(data, n, out);
}

int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                       unsigned char out[32])
{
    pthread_once(&fetch_once, fetch_algorithms);
    EVP_MAC_CTX *ctx = hmac_mac ? EVP_MAC_CTX_new(hmac_mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t len = 0;
    bool ok = ctx && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
              EVP_MAC_update(ctx, data, n) == 1 && EVP_MAC_final(ctx, out, &len, 32) == 1 &&
              len == 32;
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

int crypto_api_key_new(const char *env_name, char key_out[API_KEY_MAX + 1], unsigned char hash[32])
{
    unsigned char raw[32];
    if (plat_random(raw, sizeof raw) != 0)
        return -1;
    char *secret = base64_encode(raw, sizeof raw, true);
    if (!secret)
        return -1;
    const char *prefix = strcmp(env_name, "production") == 0 ? "sk_prod_" : "sk_dev_";
    snprintf(key_out, API_KEY_MAX + 1, "%s%s", prefix, secret);
    free(secret);
    crypto_sha256(key_out, strlen(key_out), hash);
    return 0;
}
