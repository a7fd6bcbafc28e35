/* API keys: generated from 32 random bytes, shown once, stored as SHA-256 hashes only. */
#include "crypto/crypto.h"

#include "plat.h"
#include "util/base64.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void crypto_sha256(const void *data, size_t n, unsigned char out[32])
{
    SHA256(data, n, out);
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
