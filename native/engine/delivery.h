/*
 * The headers every workflow request carries (DESIGN §7, docs/delivery.md): who sent it
 * (X-Alloy-*), an Idempotency-Key stable across retries, the Standard Webhooks trio and
 * X-Alloy-Signature. Built fresh for each attempt: the id stays, the timestamp and signatures are
 * those of the attempt.
 */
#ifndef SOLDER_DELIVERY_H
#define SOLDER_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/sign.h"

#ifndef SOLDER_VERSION
#define SOLDER_VERSION "0.1.0"
#endif

/* Headers produced by delivery_headers: 12 standard ones plus room for the caller's own. */
#define DELIVERY_MAX_HEADERS 32

/* What one attempt of one outgoing call is about. Borrowed by delivery_headers. */
struct delivery {
    const char *workflow_id;
    const char *user_id;
    const char *block_name;
    const char *block_type;
    const char *execution_uuid;
    const char *idempotency_key;     /* also the webhook-id; same on every attempt, no '.' */
    int64_t timestamp_s;             /* this attempt's time, seconds since the epoch */
    const char *webhook_secret;      /* "whsec_..."; NULL: no webhook-signature header */
    const struct rsa_signer *signer; /* NULL: no X-Alloy-Signature header */
    const char *method; /* method and URL exactly as sent: X-Alloy-Signature covers them */
    const char *url;
    const char *body;
    size_t body_len;
};

/* The header lines of one attempt, "Name: value" each. Owns the strings; free with
 * delivery_headers_free. */
struct delivery_headers {
    char *lines[DELIVERY_MAX_HEADERS];
    size_t count;
};

/*
 * Builds the standard headers for d into *out (zeroed first). Returns 0, or -1 with err set when a
 * required value is missing or unusable: every X-Alloy-* value and the key must be present and free
 * of CR, LF and other control characters; the secret must decode; signing must succeed. On failure
 * *out holds nothing to free.
 */
int delivery_headers(const struct delivery *d, struct delivery_headers *out, char *err,
                     size_t err_len);

void delivery_headers_free(struct delivery_headers *h);

/* The Idempotency-Key of one step of one execution: 32 hex characters of SHA-256 over
 * "execution/stepKey", so every retry of the step sends the same key. */
void delivery_idempotency_key(const char *execution_id, const char *step_key, char out[33]);

#endif
