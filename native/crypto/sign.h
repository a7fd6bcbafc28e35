/*
 * Signatures on outgoing calls, and their verification.
 *
 * Two schemes ride on every workflow request (docs/delivery.md shows a receiver's side):
 *   - Standard Webhooks v1: HMAC-SHA256 over "msg_id.timestamp.body" with a shared `whsec_` secret,
 *     sent as "v1,<base64>" in `webhook-signature`. The verifier also serves inbound webhooks.
 *   - X-Alloy-Signature: RSA-SHA256 (PKCS#1 v1.5) over METHOD + URL + BODY concatenated without
 *     separators, lowercase hex. Receivers check it with the server's public key.
 *
 * Ownership: every returned char * is malloc'd and belongs to the caller. Error texts are written
 * to caller buffers (err, err_len) and are safe to show to an ISV; they never contain secret
 * material.
 */
#ifndef SOLDER_SIGN_H
#define SOLDER_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGN_WHSEC_PREFIX "whsec_"

/* Bytes of randomness in a generated secret; the spec asks for 24 to 64. */
#define SIGN_WHSEC_BYTES 32

/*
 * Longest decoded secret accepted. Real secrets are 24-64 bytes; the bound stops a configured or
 * hostile multi-megabyte "secret" from being decoded and hashed on every delivery.
 */
#define SIGN_SECRET_MAX_BYTES 1024

/* Default replay window for sign_standard_webhook_verify, in seconds (the spec's five minutes). */
#define SIGN_TOLERANCE_S 300

/*
 * Decodes a Standard Webhooks secret: optional "whsec_" prefix, then standard base64 with padding
 * optional. Returns the key bytes (caller frees) and their count in *key_len, or NULL with err set
 * ("secret is empty", "secret is not valid base64", "secret is longer than N bytes").
 */
unsigned char *sign_secret_decode(const char *secret, size_t *key_len, char *err, size_t err_len);

/* A new secret, "whsec_" + base64 of SIGN_WHSEC_BYTES random bytes. NULL when randomness failed. */
char *sign_whsec_generate(void);

/*
 * The `webhook-signature` value "v1,<base64 HMAC-SHA256(key, msg_id.timestamp_s.body)>". Returns
 * NULL when the secret does not decode or msg_id is empty or contains '.' (the spec forbids it: a
 * dot would let one (id, timestamp) pair pass for another).
 */
char *sign_standard_webhook(const char *secret, const char *msg_id, int64_t timestamp_s,
                            const void *body, size_t len);

/*
 * Checks a received webhook. msg_id, timestamp and signatures are the raw header values (NULL when
 * the header was missing); signatures is a space-separated list ("v1,abc= v1,def= v1a,...") and one
 * matching "v1," entry suffices, compared in constant time. The timestamp must be decimal seconds
 * within tolerance_s of now_s, in either direction. Returns true when valid; otherwise false with
 * the reason in err.
 */
bool sign_standard_webhook_verify(const char *secret, const char *msg_id, const char *timestamp,
                                  const char *signatures, const void *body, size_t len,
                                  int64_t now_s, int64_t tolerance_s, char *err, size_t err_len);

/*
 * A fresh RSA-2048 key pair as PEM text (PKCS#8 private key, SubjectPublicKeyInfo public key).
 * Returns 0 with both strings set (caller frees), or -1 with err set.
 */
int sign_rsa_generate(char **private_pem, char **public_pem, char *err, size_t err_len);

/*
 * An RSA private key parsed once from PEM, for signing X-Alloy-Signature on every request.
 * Lifecycle: sign_rsa_new at start-up, shared by all worker threads, sign_rsa_free at shutdown
 * after the workers stopped. Signing only reads the key and uses a fresh digest context per call,
 * so concurrent sign_rsa_sign calls on one signer are safe.
 */
struct rsa_signer;

/* Parses a private key PEM; it must be RSA of at least 2048 bits. NULL with err set otherwise. */
struct rsa_signer *sign_rsa_new(const char *private_pem, char *err, size_t err_len);
void sign_rsa_free(struct rsa_signer *s);

/* The matching public key as PEM (caller frees), as served at /security/public_key.pem. */
char *sign_rsa_public_pem(const struct rsa_signer *s);

/* The X-Alloy-Signature value: lowercase hex of RSA-SHA256(method + url + body). NULL on failure.
 */
char *sign_rsa_sign(const struct rsa_signer *s, const char *method, const char *url,
                    const void *body, size_t len);

/* True when hex is a valid X-Alloy-Signature of method + url + body under public_pem. */
bool sign_rsa_verify(const char *public_pem, const char *method, const char *url, const void *body,
                     size_t len, const char *hex);

#endif
