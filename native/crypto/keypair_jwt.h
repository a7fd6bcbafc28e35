/*
 * Key-pair JWTs as Snowflake's SQL API takes them: RS256 over {"iss": "ACCOUNT.USER.SHA256:<fp>",
 * "sub": "ACCOUNT.USER", "iat", "exp"}, where <fp> is the base64 SHA-256 of the public key's DER
 * (SubjectPublicKeyInfo) and ACCOUNT is the account identifier upper-cased without any region
 * part. OpenSSL signs; nothing is sent here.
 *
 * Ownership: returned strings are malloc'd and belong to the caller. Error texts never contain key
 * material.
 */
#ifndef SOLDER_KEYPAIR_JWT_H
#define SOLDER_KEYPAIR_JWT_H

#include <stddef.h>
#include <stdint.h>

/* The longest lifetime Snowflake accepts for such a token. */
#define KEYPAIR_JWT_MAX_LIFETIME_S 3600

/*
 * A token for account and user signed with private_pem (an RSA key, PKCS#8 or PKCS#1, encrypted
 * when passphrase is given), issued at now_s and valid lifetime_s (at most
 * KEYPAIR_JWT_MAX_LIFETIME_S). fingerprint (may be NULL, n bytes) receives "SHA256:<base64>".
 * Returns the compact JWT, or NULL with err set.
 */
char *keypair_jwt(const char *private_pem, const char *passphrase, const char *account,
                  const char *user, int64_t now_s, int64_t lifetime_s, char *fingerprint,
                  size_t fingerprint_len, char *err, size_t err_len);

/* The account part of a JWT's claims: upper-cased, without a ".region..." suffix of a locator. */
void keypair_jwt_account(const char *account, char *out, size_t n);

#endif
