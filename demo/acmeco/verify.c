/*
 * Signature checks of AcmeCo's webhook receiver (see verify.h), on OpenSSL's HMAC and EVP
 * verification. Comparisons of secrets run in constant time. No state, no I/O.
 */
#include "verify.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes standard base64 (with padding) into out; returns the length or -1. */
static int b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    if (len == 0 || len % 4 != 0 || (len / 4) * 3 > cap)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0)
        return -1;
    if (in[len - 1] == '=')
        n--;
    if (in[len - 2] == '=')
        n--;
    return n;
}

bool verify_standard_webhook(const char *secret, const char *id, const char *timestamp,
                             const char *signature_list, const char *body, size_t body_len,
                             time_t now, const char **why)
{
    *why = "missing webhook-id, webhook-timestamp or webhook-signature";
    if (!secret || !id || !timestamp || !signature_list || !*id || !*timestamp)
        return false;
    char *end;
    long long ts = strtoll(timestamp, &end, 10);
    *why = "webhook-timestamp is too far from now";
    if (*end || llabs((long long)now - ts) > VERIFY_TOLERANCE_S)
        return false;
    *why = "the signing secret is not whsec_ + base64";
    if (strncmp(secret, "whsec_", 6) != 0)
        return false;
    unsigned char key[256];
    int klen = b64_decode(secret + 6, strlen(secret + 6), key, sizeof key);
    if (klen <= 0)
        return false;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    size_t ilen = strlen(id), tlen = strlen(timestamp), clen = ilen + tlen + 2 + body_len;
    unsigned char *signed_content = malloc(clen + 1);
    if (!signed_content)
        return false;
    snprintf((char *)signed_content, ilen + tlen + 3, "%s.%s.", id, timestamp);
    memcpy(signed_content + ilen + tlen + 2, body, body_len);
    HMAC(EVP_sha256(), key, klen, signed_content, clen, mac, &mlen);
    free(signed_content);
    OPENSSL_cleanse(key, sizeof key);
    *why = "no webhook-signature entry matches";
    for (const char *p = signature_list; *p;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n > 3 && strncmp(p, "v1,", 3) == 0) {
            unsigned char got[128];
            int glen = b64_decode(p + 3, n - 3, got, sizeof got);
            if (glen == (int)mlen && CRYPTO_memcmp(got, mac, mlen) == 0)
                return true;
        }
        p += n;
    }
    return false;
}

bool verify_alloy_signature(const char *public_pem, const char *method, const char *url,
                            const char *body, size_t body_len, const char *hex)
{
    size_t hlen = hex ? strlen(hex) : 0;
    if (!public_pem || hlen == 0 || hlen % 2 != 0 || hlen > 2048)
        return false;
    unsigned char sig[1024];
    for (size_t i = 0; i < hlen / 2; i++) {
        unsigned int v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return false;
        sig[i] = (unsigned char)v;
    }
    BIO *bio = BIO_new_mem_buf(public_pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!key)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestVerifyUpdate(ctx, method, strlen(method)) == 1 &&
              EVP_DigestVerifyUpdate(ctx, url, strlen(url)) == 1 &&
              EVP_DigestVerifyUpdate(ctx, body, body_len) == 1 &&
              EVP_DigestVerifyFinal(ctx, sig, hlen / 2) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}
