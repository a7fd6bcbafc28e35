/*
 * Builds the standard header set of an outgoing workflow request (see delivery.h). The fields come
 * from a table, so adding a header is one row. It does not send anything and does not decide on
 * retries; the engine hands the lines to http_client_send.
 */
#include "engine/delivery.h"

#include "crypto/crypto.h"
#include "util/buf.h"
#include "util/hex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The identifying headers, each taken from one field of struct delivery. */
static const struct {
    const char *name;
    size_t offset;
} ID_HEADERS[] = {
    {"X-Alloy-WorkflowId", offsetof(struct delivery, workflow_id)},
    {"X-Alloy-UserId", offsetof(struct delivery, user_id)},
    {"X-Alloy-BlockName", offsetof(struct delivery, block_name)},
    {"X-Alloy-BlockType", offsetof(struct delivery, block_type)},
    {"X-Alloy-ExecutionUuid", offsetof(struct delivery, execution_uuid)},
    {"Idempotency-Key", offsetof(struct delivery, idempotency_key)},
    {"webhook-id", offsetof(struct delivery, idempotency_key)},
};

/* Header values travel verbatim: a control character could split the header block. */
static bool value_ok(const char *v)
{
    if (!v || !v[0])
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

static int add(struct delivery_headers *h, const char *name, const char *value)
{
    if (h->count >= DELIVERY_MAX_HEADERS)
        return -1;
    struct buf b = {0};
    buf_printf(&b, "%s: %s", name, value);
    char *line = buf_take(&b);
    if (!line)
        return -1;
    h->lines[h->count++] = line;
    return 0;
}

static int failed(struct delivery_headers *h, char *err, size_t err_len, const char *msg,
                  const char *what)
{
    delivery_headers_free(h);
    if (err && err_len)
        snprintf(err, err_len, "%s%s", msg, what ? what : "");
    return -1;
}

int delivery_headers(const struct delivery *d, struct delivery_headers *out, char *err,
                     size_t err_len)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof ID_HEADERS / sizeof ID_HEADERS[0]; i++) {
        const char *v = *(const char *const *)((const char *)d + ID_HEADERS[i].offset);
        if (!value_ok(v))
            return failed(out, err, err_len, "missing or invalid value for ", ID_HEADERS[i].name);
        if (add(out, ID_HEADERS[i].name, v) != 0)
            return failed(out, err, err_len, "out of memory", NULL);
    }
    if (strchr(d->idempotency_key, '.'))
        return failed(out, err, err_len, "the idempotency key must not contain '.'", NULL);
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)d->timestamp_s);
    if (add(out, "webhook-timestamp", ts) != 0)
        return failed(out, err, err_len, "out of memory", NULL);
    if (d->webhook_secret) {
        char *sig = sign_standard_webhook(d->webhook_secret, d->idempotency_key, d->timestamp_s,
                                          d->body, d->body_len);
        if (!sig)
            return failed(out, err, err_len, "the webhook secret is not a valid whsec_ secret",
                          NULL);
        int rc = add(out, "webhook-signature", sig);
        free(sig);
        if (rc != 0)
            return failed(out, err, err_len, "out of memory", NULL);
    }
    if (d->signer) {
        if (!d->method || !d->url)
            return failed(out, err, err_len, "method and URL are needed for X-Alloy-Signature",
                          NULL);
        char *sig = sign_rsa_sign(d->signer, d->method, d->url, d->body, d->body_len);
        if (!sig)
            return failed(out, err, err_len, "X-Alloy-Signature could not be computed", NULL);
        int rc = add(out, "X-Alloy-Signature", sig);
        free(sig);
        if (rc != 0)
            return failed(out, err, err_len, "out of memory", NULL);
    }
    if (add(out, "Content-Type", "application/json") != 0 ||
        add(out, "User-Agent", "Solder/" SOLDER_VERSION) != 0)
        return failed(out, err, err_len, "out of memory", NULL);
    return 0;
}

void delivery_headers_free(struct delivery_headers *h)
{
    for (size_t i = 0; i < h->count; i++)
        free(h->lines[i]);
    h->count = 0;
}

void delivery_idempotency_key(const char *execution_id, const char *step_key, char out[33])
{
    struct buf b = {0};
    buf_printf(&b, "%s/%s", execution_id, step_key);
    unsigned char hash[32];
    crypto_sha256(b.data ? b.data : "", b.len, hash);
    buf_free(&b);
    hex_encode(hash, 16, out);
}
