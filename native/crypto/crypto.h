/*
 * Native cryptography: API key generation and hashing, the server's token signing key (ES256),
 * user-token minting and verification (libjwt), and the JWKS document.
 */
#ifndef SOLDER_CRYPTO_H
#define SOLDER_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/secrets.h"
#include "store/store.h"
#include "token/token.h"

/* Longest API key: "sk_prod_" + 43 base64url characters. */
#define API_KEY_MAX 64

void crypto_sha256(const void *data, size_t n, unsigned char out[32]);
/* HMAC-SHA256 of data under key; 0 on success. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                       unsigned char out[32]);

/*
 * Creates a key for the environment: 32 random bytes, base64url, prefixed sk_dev_ / sk_prod_.
 * Stores only its hash. Writes the key text to key_out and its record to *rec.
 */
int crypto_api_key_create(struct store *s, const struct environment *env,
                          char key_out[API_KEY_MAX + 1], struct api_key *rec);

/* Loads the current signing key, creating an ES256 pair when the store has none. The private half
 * is stored sealed under master (a clear one left by an older version is sealed on the way). */
int crypto_signing_key_ensure(struct store *s, const struct secrets_key *master,
                              struct signing_key *out, char *err, size_t err_len);

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
