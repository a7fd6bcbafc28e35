/*
 * Secrets at rest (DESIGN §8): AES-256-GCM under the server's master key. A sealed value is text,
 * "v1." followed by base64(nonce || ciphertext || tag), so it can live in a TEXT column; a fresh
 * random nonce per seal means equal secrets never look equal in the database.
 *
 * The master key comes from SOLDER_MASTER_KEY (base64 of 32 bytes) or else from DATA/master.key,
 * created with mode 0600 on first start. Losing the key makes every stored credential unreadable.
 */
#ifndef SOLDER_SECRETS_H
#define SOLDER_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#define SECRETS_KEY_LEN 32

struct secrets_key {
    unsigned char key[SECRETS_KEY_LEN];
};

/* Loads (or on first start creates) the master key for data_dir. Returns 0, or -1 with err set. */
int secrets_key_load(const char *data_dir, struct secrets_key *out, char *err, size_t err_len);

/* Seals plain (n bytes). Returns malloc'd text, or NULL when encryption failed. */
char *secrets_seal(const struct secrets_key *k, const void *plain, size_t n);

/* Opens a sealed text. Returns a malloc'd NUL-terminated plaintext (*n its length, n may be NULL),
 * or NULL when the text is malformed or was not sealed under this key (tampered, other key). */
char *secrets_open(const struct secrets_key *k, const char *sealed, size_t *n);

/* Overwrites a secret's clear text with zeros and frees it (NULL is fine): opened secrets do not
 * linger in freed memory. */
void secrets_free(char *text);

/*
 * Private keys the server signs with (user tokens, X-Alloy-Signature) are stored sealed too.
 * secrets_key_open_stored opens a stored private key: a sealed value is opened; a clear PEM, as
 * versions before sealing wrote, is returned as it is with *was_clear set so that the caller stores
 * it sealed. NULL (with err) when a sealed value does not open under this master key.
 */
char *secrets_key_open_stored(const struct secrets_key *k, const char *stored, bool *was_clear,
                              char *err, size_t err_len);

#endif
