/*
 * Native cryptography: API key generation and hashing, the server's token signing key (ES256),
 * user-token minting and verification (libjwt), and the JWKS document.
 */
#ifndef SOLDER_CRYPTO_H
#define SOLDER_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/secrets.h"
#include "token/token.h"

/* Longest API key: "sk_prod_" + 43 base64url characters. */
#define API_KEY_MAX 64

void crypto_sha256(const void *data, size_t n, unsigned char out[32]);
/* HMAC-SHA256 of data under key; 0 on success. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                       unsigned char out[32]);

/*
 * A new API key for the environment named env_name: 32 random bytes, base64url, prefixed sk_dev_ /
 * sk_prod_ ("production"). Writes the key text to key_out and its SHA-256, all that is ever
 * stored, to hash. Returns 0, or -1 when no randomness or memory was available.
 */
int crypto_api_key_new(const char *env_name, char key_out[API_KEY_MAX + 1], unsigned char hash[32]);

/* A new ES256 (P-256) pair with a new id in *out, its PEMs malloc'd (the caller frees them, as
 * store_signing_key_clear does). Returns 0, or -1 with nothing to free. */
int crypto_signing_key_generate(struct signing_key *out);

/* Claims of a user token about to be minted. */
struct token_subject {
    const char *user_id;
    const char *username; /* may be NULL */
    const char *env;      /* environment name */
    const char *issuer;   /* the server's public URL */
    const char *audience;
    int64_t now;                /* seconds */
    int64_t ttl;                /* seconds */
    const char *scope;          /* NULL, or "install" for a hosted install link's token */
    const char *integration_id; /* install scope: the integration the link installs */
};

/* Signs a user token. Returns malloc'd compact JWT, or NULL. */
char *crypto_token_mint(const struct signing_key *key, const struct token_subject *sub);

/*
 * Verifies a compact JWT: shape and header first (shared/token), then the ES256 signature against
 * the key, then the claims. Returns TOKEN_OK with *t filled (caller calls token_free), or a failure
 * status with msg set; a bad signature is TOKEN_MALFORMED with message "token signature is
 * invalid".
 */
enum token_status crypto_token_verify(const struct signing_key *key, const char *text,
                                      const struct token_expect *want, struct token *t, char *msg,
                                      size_t msg_len);

/* The JWKS document {"keys":[{kty, crv, x, y, kid, alg, use}]} as malloc'd JSON. */
char *crypto_jwks_json(const struct signing_key *key);

#endif
