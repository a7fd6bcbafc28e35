/*
 * User tokens: ES256 key pair management (OpenSSL), signing and verification (libjwt), JWKS.
 * Verification refuses any token whose header is not ES256 before libjwt sees it, so "alg: none"
 * and algorithm-confusion tokens never reach a verifier.
 */
#include "crypto/crypto.h"

#include "json/json.h"
#include "plat.h"
#include "util/base64.h"

#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *bio_text(BIO *b)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    char *out = malloc((size_t)n + 1);
    if (out) {
        memcpy(out, p, (size_t)n);
        out[n] = '\0';
    }
    return out;
}

int crypto_signing_key_generate(struct signing_key *k)
{
    memset(k, 0, sizeof *k);
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (!pkey)
        return -1;
    BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
    int ok = priv && pub && PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) &&
             PEM_write_bio_PUBKEY(pub, pkey);
    if (ok) {
        k->private_pem = bio_text(priv);
        k->public_pem = bio_text(pub);
        ok = k->private_pem && k->public_pem;
    }
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(pkey);
    if (ok && id_new(k->id) == 0)
        return 0;
    if (k->private_pem)
        OPENSSL_cleanse(k->private_pem, strlen(k->private_pem));
    free(k->private_pem);
    free(k->public_pem);
    memset(k, 0, sizeof *k);
    return -1;
}

char *crypto_token_mint(const struct signing_key *key, const struct token_subject *sub)
{
    jwt_t *jwt = NULL;
    char *out = NULL;
    char jti[ID_LEN + 1];
    if (id_new(jti) != 0 || jwt_new(&jwt) != 0)
        return NULL;
    int ok =
        jwt_add_grant(jwt, "iss", sub->issuer) == 0 &&
        jwt_add_grant(jwt, "sub", sub->user_id) == 0 &&
        jwt_add_grant(jwt, "userId", sub->user_id) == 0 &&
        (!sub->username || jwt_add_grant(jwt, "username", sub->username) == 0) &&
        jwt_add_grant(jwt, "env", sub->env) == 0 && jwt_add_grant(jwt, "aud", sub->audience) == 0 &&
        jwt_add_grant_int(jwt, "iat", (long)sub->now) == 0 &&
        jwt_add_grant_int(jwt, "exp", (long)(sub->now + sub->ttl)) == 0 &&
        jwt_add_grant(jwt, "jti", jti) == 0 &&
        (!sub->scope || jwt_add_grant(jwt, "scope", sub->scope) == 0) &&
        (!sub->integration_id || jwt_add_grant(jwt, "integrationId", sub->integration_id) == 0) &&
        jwt_add_header(jwt, "kid", key->id) == 0 &&
        jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)key->private_pem,
                    (int)strlen(key->private_pem)) == 0;
    if (ok)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    return out;
}

enum token_status crypto_token_verify(const struct signing_key *key, const char *text,
                                      const struct token_expect *want, struct token *t, char *msg,
                                      size_t msg_len)
{
    enum token_status st = token_parse(text, strlen(text), t, msg, msg_len);
    if (st != TOKEN_OK)
        return st;
    if (strcmp(t->alg, "ES256") != 0) {
        token_free(t);
        snprintf(msg, msg_len, "token algorithm must be ES256");
        return TOKEN_UNSUPPORTED_ALG;
    }
    jwt_t *jwt = NULL;
    int rc = jwt_decode(&jwt, text, (const unsigned char *)key->public_pem,
                        (int)strlen(key->public_pem));
    if (rc != 0 || !jwt || jwt_get_alg(jwt) != JWT_ALG_ES256) {
        jwt_free(jwt);
        token_free(t);
        snprintf(msg, msg_len, "token signature is invalid");
        return TOKEN_MALFORMED;
    }
    jwt_free(jwt);
    st = token_check(t, want, msg, msg_len);
    if (st != TOKEN_OK)
        token_free(t);
    return st;
}

char *crypto_jwks_json(const struct signing_key *key)
{
    BIO *b = BIO_new_mem_buf(key->public_pem, -1);
    EVP_PKEY *pkey = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!pkey)
        return NULL;
    unsigned char x[32], y[32];
    BIGNUM *bx = NULL, *by = NULL;
    int ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) &&
             EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) &&
             BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32;
    BN_free(bx);
    BN_free(by);
    EVP_PKEY_free(pkey);
    if (!ok)
        return NULL;
    char *xs = base64_encode(x, 32, true), *ys = base64_encode(y, 32, true);
    cJSON *doc = cJSON_CreateObject();
    cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
    cJSON *jwk = cJSON_CreateObject();
    cJSON_AddStringToObject(jwk, "kty", "EC");
    cJSON_AddStringToObject(jwk, "crv", "P-256");
    cJSON_AddStringToObject(jwk, "x", xs ? xs : "");
    cJSON_AddStringToObject(jwk, "y", ys ? ys : "");
    cJSON_AddStringToObject(jwk, "kid", key->id);
    cJSON_AddStringToObject(jwk, "alg", "ES256");
    cJSON_AddStringToObject(jwk, "use", "sig");
    cJSON_AddItemToArray(keys, jwk);
    free(xs);
    free(ys);
    char *out = json_print(doc);
    cJSON_Delete(doc);
    return out;
}
