/*
 * Standard Webhooks v1 (HMAC-SHA256) signing and verification, and the RSA-SHA256
 * X-Alloy-Signature (see sign.h). Uses OpenSSL's libcrypto. Does not implement the asymmetric
 * Standard Webhooks scheme ("v1a", ed25519): Solder's asymmetric signature is X-Alloy-Signature.
 */
#include "crypto/sign.h"

#include "crypto/crypto.h"
#include "plat.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Smallest RSA modulus accepted for X-Alloy-Signature; shorter keys are forgeable in practice. */
#define SIGN_RSA_MIN_BITS 2048
/* Size of generated keys: the minimum, because every delivery pays for one private-key operation.
 */
#define SIGN_RSA_GEN_BITS 2048

static void set_err(char *err, size_t err_len, const char *msg)
{
    if (err && err_len)
        snprintf(err, err_len, "%s", msg);
}

unsigned char *sign_secret_decode(const char *secret, size_t *key_len, char *err, size_t err_len)
{
    if (!secret) {
        set_err(err, err_len, "secret is empty");
        return NULL;
    }
    size_t plen = strlen(SIGN_WHSEC_PREFIX);
    if (strncmp(secret, SIGN_WHSEC_PREFIX, plen) == 0)
        secret += plen;
    size_t n = strlen(secret);
    if (n == 0) {
        set_err(err, err_len, "secret is empty");
        return NULL;
    }
    if (n / 4 * 3 > SIGN_SECRET_MAX_BYTES + 3) {
        if (err && err_len)
            snprintf(err, err_len, "secret is longer than %d bytes", SIGN_SECRET_MAX_BYTES);
        return NULL;
    }
    size_t len = 0;
    unsigned char *key = base64_decode(secret, n, false, &len);
    if (!key || len == 0) {
        free(key);
        set_err(err, err_len, "secret is not valid base64");
        return NULL;
    }
    if (len > SIGN_SECRET_MAX_BYTES) {
        free(key);
        if (err && err_len)
            snprintf(err, err_len, "secret is longer than %d bytes", SIGN_SECRET_MAX_BYTES);
        return NULL;
    }
    *key_len = len;
    return key;
}

char *sign_whsec_generate(void)
{
    unsigned char raw[SIGN_WHSEC_BYTES];
    if (plat_random(raw, sizeof raw) != 0)
        return NULL;
    char *b64 = base64_encode(raw, sizeof raw, false);
    OPENSSL_cleanse(raw, sizeof raw);
    if (!b64)
        return NULL;
    struct buf b = {0};
    buf_puts(&b, SIGN_WHSEC_PREFIX);
    buf_puts(&b, b64);
    free(b64);
    return buf_take(&b);
}

/* base64 of HMAC-SHA256(key, id "." ts "." body); NULL on allocation failure. */
static char *hmac_b64(const unsigned char *key, size_t key_len, const char *msg_id,
                      const char *timestamp, const void *body, size_t len)
{
    struct buf m = {0};
    buf_printf(&m, "%s.%s.", msg_id, timestamp);
    if (len)
        buf_append(&m, body, len);
    if (m.oom) {
        buf_free(&m);
        return NULL;
    }
    unsigned char mac[32];
    int rc = crypto_hmac_sha256(key, key_len, m.data, m.len, mac);
    buf_free(&m);
    return rc == 0 ? base64_encode(mac, sizeof mac, false) : NULL;
}

char *sign_standard_webhook(const char *secret, const char *msg_id, int64_t timestamp_s,
                            const void *body, size_t len)
{
    if (!msg_id || !msg_id[0] || strchr(msg_id, '.'))
        return NULL;
    size_t key_len;
    unsigned char *key = sign_secret_decode(secret, &key_len, NULL, 0);
    if (!key)
        return NULL;
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)timestamp_s);
    char *mac = hmac_b64(key, key_len, msg_id, ts, body, len);
    OPENSSL_cleanse(key, key_len);
    free(key);
    if (!mac)
        return NULL;
    struct buf b = {0};
    buf_puts(&b, "v1,");
    buf_puts(&b, mac);
    free(mac);
    return buf_take(&b);
}

/* Parses a header timestamp: 1 to 18 decimal digits, nothing else. */
static bool parse_timestamp(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool sign_standard_webhook_verify(const char *secret, const char *msg_id, const char *timestamp,
                                  const char *signatures, const void *body, size_t len,
                                  int64_t now_s, int64_t tolerance_s, char *err, size_t err_len)
{
    if (!msg_id || !msg_id[0]) {
        set_err(err, err_len, "missing webhook-id header");
        return false;
    }
    if (!timestamp || !timestamp[0]) {
        set_err(err, err_len, "missing webhook-timestamp header");
        return false;
    }
    if (!signatures || !signatures[0]) {
        set_err(err, err_len, "missing webhook-signature header");
        return false;
    }
    int64_t ts;
    if (!parse_timestamp(timestamp, &ts)) {
        set_err(err, err_len, "webhook-timestamp is not a number of seconds");
        return false;
    }
    if (ts < now_s - tolerance_s) {
        set_err(err, err_len, "webhook-timestamp is too old");
        return false;
    }
    if (ts > now_s + tolerance_s) {
        set_err(err, err_len, "webhook-timestamp is in the future");
        return false;
    }
    size_t key_len;
    unsigned char *key = sign_secret_decode(secret, &key_len, err, err_len);
    if (!key)
        return false;
    char *want = hmac_b64(key, key_len, msg_id, timestamp, body, len);
    OPENSSL_cleanse(key, key_len);
    free(key);
    if (!want) {
        set_err(err, err_len, "out of memory");
        return false;
    }
    size_t want_len = strlen(want);
    bool match = false;
    const char *p = signatures;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        size_t n = (size_t)(end - p);
        if (n > 3 && memcmp(p, "v1,", 3) == 0 && n - 3 == want_len &&
            CRYPTO_memcmp(p + 3, want, want_len) == 0)
            match = true;
        p = end;
    }
    free(want);
    if (!match)
        set_err(err, err_len, "no matching signature");
    return match;
}

static char *pem_of(EVP_PKEY *key, bool private_part)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return NULL;
    int ok = private_part ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
                          : PEM_write_bio_PUBKEY(bio, key);
    char *out = NULL;
    if (ok) {
        char *data;
        long n = BIO_get_mem_data(bio, &data);
        out = malloc((size_t)n + 1);
        if (out) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(bio);
    return out;
}

int sign_rsa_generate(char **private_pem, char **public_pem, char *err, size_t err_len)
{
    *private_pem = *public_pem = NULL;
    EVP_PKEY *key = EVP_RSA_gen(SIGN_RSA_GEN_BITS);
    if (!key) {
        set_err(err, err_len, "RSA key generation failed");
        return -1;
    }
    *private_pem = pem_of(key, true);
    *public_pem = pem_of(key, false);
    EVP_PKEY_free(key);
    if (!*private_pem || !*public_pem) {
        free(*private_pem);
        free(*public_pem);
        *private_pem = *public_pem = NULL;
        set_err(err, err_len, "could not encode the RSA key as PEM");
        return -1;
    }
    return 0;
}

struct rsa_signer {
    EVP_PKEY *key; /* read-only after sign_rsa_new; OpenSSL allows concurrent signing with it */
};

struct rsa_signer *sign_rsa_new(const char *private_pem, char *err, size_t err_len)
{
    BIO *bio = private_pem ? BIO_new_mem_buf(private_pem, -1) : NULL;
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!key) {
        set_err(err, err_len, "not a PEM private key");
        return NULL;
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < SIGN_RSA_MIN_BITS) {
        EVP_PKEY_free(key);
        if (err && err_len)
            snprintf(err, err_len, "the signing key must be RSA of at least %d bits",
                     SIGN_RSA_MIN_BITS);
        return NULL;
    }
    struct rsa_signer *s = calloc(1, sizeof *s);
    if (!s) {
        EVP_PKEY_free(key);
        set_err(err, err_len, "out of memory");
        return NULL;
    }
    s->key = key;
    return s;
}

void sign_rsa_free(struct rsa_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    free(s);
}

char *sign_rsa_public_pem(const struct rsa_signer *s)
{
    return pem_of(s->key, false);
}

/* Feeds METHOD, URL and BODY, in that order and without separators, into a sign or verify context.
 */
static bool feed(EVP_MD_CTX *ctx, bool signing, const char *method, const char *url,
                 const void *body, size_t len)
{
    const void *parts[3] = {method, url, body};
    size_t lens[3] = {strlen(method), strlen(url), len};
    for (int i = 0; i < 3; i++) {
        if (lens[i] == 0)
            continue;
        int ok = signing ? EVP_DigestSignUpdate(ctx, parts[i], lens[i])
                         : EVP_DigestVerifyUpdate(ctx, parts[i], lens[i]);
        if (ok != 1)
            return false;
    }
    return true;
}

char *sign_rsa_sign(const struct rsa_signer *s, const char *method, const char *url,
                    const void *body, size_t len)
{
    if (!s || !method || !url || (!body && len))
        return NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    char *hex = NULL;
    size_t sig_len = 0;
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->key) != 1 ||
        !feed(ctx, true, method, url, body, len) || EVP_DigestSignFinal(ctx, NULL, &sig_len) != 1)
        goto done;
    sig = malloc(sig_len);
    if (!sig || EVP_DigestSignFinal(ctx, sig, &sig_len) != 1)
        goto done;
    hex = malloc(sig_len * 2 + 1);
    if (!hex)
        goto done;
    hex_encode(sig, sig_len, hex);
done:
    free(sig);
    EVP_MD_CTX_free(ctx);
    return hex;
}

bool sign_rsa_verify(const char *public_pem, const char *method, const char *url, const void *body,
                     size_t len, const char *hex)
{
    if (!public_pem || !method || !url || !hex || (!body && len))
        return false;
    size_t n = strlen(hex);
    /* An RSA signature is as long as the modulus; 16384 bits bounds the decode. */
    if (n == 0 || n % 2 || n > 4096)
        return false;
    unsigned char sig[2048];
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        sig[i] = (unsigned char)(hi << 4 | lo);
    }
    BIO *bio = BIO_new_mem_buf(public_pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!key)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
              EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
              feed(ctx, false, method, url, body, len) &&
              EVP_DigestVerifyFinal(ctx, sig, n / 2) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}
