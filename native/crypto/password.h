/*
 * Dashboard passwords: Argon2id hashes in libsodium's self-describing string form
 * ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), so the cost can be raised later without breaking
 * hashes already stored. Passwords are never stored, logged or returned.
 */
#ifndef SOLDER_CRYPTO_PASSWORD_H
#define SOLDER_CRYPTO_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Room for a hash string (libsodium's crypto_pwhash_STRBYTES). */
#define PASSWORD_HASH_MAX 128
/* Shortest password accepted. */
#define PASSWORD_MIN_CHARS 10
/* Longest password accepted: bounds the work one sign-in attempt can ask for. */
#define PASSWORD_MAX_BYTES 1024

/* Hashes password into out; 0 on success, -1 when libsodium fails (out of memory). */
int crypto_password_hash(const char *password, char out[PASSWORD_HASH_MAX]);
/* True when password matches hash. */
bool crypto_password_verify(const char *hash, const char *password);
/* Spends the time of one verification without a stored hash, so that an unknown email takes as
 * long to refuse as a wrong password. */
void crypto_password_verify_none(const char *password);
/* NULL when password is acceptable, else why not (a static message). */
const char *crypto_password_weakness(const char *password);

#endif
