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

int crypto_api_key_create(struct store *s, const struct environment *env,
                          char key_out[API_KEY_MAX + 1], struct api_key *rec)
{
    unsigned char raw[32];
    if (plat_random(raw, sizeof raw) != 0)
        return STORE_ERROR;
    char *secret = base64_encode(raw, sizeof raw, true);
    if (!secret)
        return STORE_ERROR;
    const char *prefix = strcmp(env->name, "production") == 0 ? "sk_prod_" : "sk_dev_";
    snprintf(key_out, API_KEY_MAX + 1, "%s%s", prefix, secret);
    free(secret);

    memset(rec, 0, sizeof *rec);
    if (id_new(rec->id) != 0)
        return STORE_ERROR;
    snprintf(rec->env_id, sizeof rec->env_id, "%s", env->id);
    snprintf(rec->env_name, sizeof rec->env_name, "%s", env->name);
    snprintf(rec->prefix, sizeof rec->prefix, "%.12s", key_out);
    rec->created_at = store_now();
    unsigned char hash[32];
    crypto_sha256(key_out, strlen(key_out), hash);
    return store_api_key_insert(s, rec, hash);
}
