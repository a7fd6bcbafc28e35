/*
 * What AcmeCo checks before it accepts a call from Solder: the Standard Webhooks signature
 * (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256 keyed with the environment's
 * whsec_ secret) and X-Alloy-Signature (RSA-SHA256 over method + URL + body, verified with the
 * public key fetched once from Solder's /security/public_key.pem). Pure functions over bytes.
 */
#ifndef ACMECO_VERIFY_H
#define ACMECO_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* How far webhook-timestamp may be from our clock: a captured call cannot be replayed later. */
#define VERIFY_TOLERANCE_S 300

/* True when one v1 entry of signature_list is the HMAC of "id.timestamp.body" under secret
 * ("whsec_" + base64) and timestamp is within VERIFY_TOLERANCE_S of now; else false with why. */
bool verify_standard_webhook(const char *secret, const char *id, const char *timestamp,
                             const char *signature_list, const char *body, size_t body_len,
                             time_t now, const char **why);

/* True when hex is the RSA-SHA256 signature of method + url + body under the PEM public key. */
bool verify_alloy_signature(const char *public_pem, const char *method, const char *url,
                            const char *body, size_t body_len, const char *hex);

#endif
