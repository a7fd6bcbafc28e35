/*
 * Snowflake's key-pair JWT (see keypair_jwt.h): reads the RSA private key, takes the public key's
 * fingerprint, builds the claims and signs them with RS256 (RSASSA-PKCS1-v1_5, SHA-256). It does
 * not cache tokens or talk to Snowflake (destinations/snowflake.c does).
 */
#include "crypto/keypair_jwt.h"

#include "crypto/crypto.h"
#include "json/json.h"
#include "util/base64.h"
#include "util/buf.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void keypair_jwt_account(const char *account, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = account ? account : ""; *p && *p != '.' && k + 1 < n; p++)
        out[k++] = (char)toupper((unsigned char)*p);
    if (n)
        out[k] = 0;
}

static void upper(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++)
        out[k++] = (char)toupper((unsigned char)*s);
    if (n)
        out[k] = 0;
}

static EVP_PKEY *read_key(const char *pem, const char *passphrase, char *err, size_t n)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key =
        bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)(passphrase ? passphrase : ""))
            : NULL;
    BIO_free(bio);
    if (!key) {
        snprintf(err, n, "the private key cannot be read (a PEM RSA key%s)",
                 passphrase ? " and its passphrase" : "; an encrypted one needs its passphrase");
        return NULL;
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        snprintf(err, n, "the private key must be an RSA key");
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

/* "SHA256:" + base64 of the SHA-256 of the public key's DER, or -1. */
static int fingerprint_of(EVP_PKEY *key, char *out, size_t n)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    if (len <= 0)
        return -1;
    unsigned char h[32];
    crypto_sha256(der, (size_t)len, h);
    OPENSSL_free(der);
    char *b64 = base64_encode(h, sizeof h, false);
    if (!b64)
        return -1;
    snprintf(out, n, "SHA256:%s", b64);
    free(b64);
    return 0;
}

static char *b64url_json(const cJSON *o)
{
    char *text = json_print(o);
    char *b = text ? base64_encode(text, strlen(text), true) : NULL;
    free(text);
    return b;
}

char *keypair_jwt(const char *private_pem, const char *passphrase, const char *account,
                  const char *user, int64_t now_s, int64_t lifetime_s, char *fingerprint,
                  size_t fingerprint_len, char *err, size_t n)
{
    if (!private_pem || !account || !*account || !user || !*user) {
        snprintf(err, n, "an account, a user and a private key are needed");
        return NULL;
    }
    if (lifetime_s <= 0 || lifetime_s > KEYPAIR_JWT_MAX_LIFETIME_S)
        lifetime_s = KEYPAIR_JWT_MAX_LIFETIME_S;
    EVP_PKEY *key = read_key(private_pem, passphrase && *passphrase ? passphrase : NULL, err, n);
    if (!key)
        return NULL;
    char fp[80], acct[256], usr[256], iss[700], sub[600];
    if (fingerprint_of(key, fp, sizeof fp) != 0) {
        snprintf(err, n, "the public key's fingerprint cannot be computed");
        EVP_PKEY_free(key);
        return NULL;
    }
    keypair_jwt_account(account, acct, sizeof acct);
    upper(user, usr, sizeof usr);
    snprintf(sub, sizeof sub, "%s.%s", acct, usr);
    snprintf(iss, sizeof iss, "%s.%s", sub, fp);
    if (fingerprint)
        snprintf(fingerprint, fingerprint_len, "%s", fp);

    cJSON *header = cJSON_CreateObject(), *claims = cJSON_CreateObject();
    cJSON_AddStringToObject(header, "alg", "RS256");
    cJSON_AddStringToObject(header, "typ", "JWT");
    cJSON_AddStringToObject(claims, "iss", iss);
    cJSON_AddStringToObject(claims, "sub", sub);
    cJSON_AddNumberToObject(claims, "iat", (double)now_s);
    cJSON_AddNumberToObject(claims, "exp", (double)(now_s + lifetime_s));
    char *h = b64url_json(header), *c = b64url_json(claims);
    cJSON_Delete(header);
    cJSON_Delete(claims);
    struct buf input = {0};
    buf_printf(&input, "%s.%s", h ? h : "", c ? c : "");
    free(h);
    free(c);

    unsigned char sig[1024];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && !input.oom && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input.data, input.len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    char *s = ok ? base64_encode(sig, siglen, true) : NULL;
    char *token = NULL;
    if (s) {
        buf_printf(&input, ".%s", s);
        token = buf_take(&input);
    }
    free(s);
    buf_free(&input);
    if (!token)
        snprintf(err, n, "the token cannot be signed (a key over 8192 bits?)");
    return token;
}
