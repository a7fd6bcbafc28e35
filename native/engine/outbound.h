/*
 * The one outbound request path of workflows (DESIGN §7, §11): every request an http or streamData
 * block or a connector's app action sends goes through outbound_send, which adds the delivery
 * headers (engine/delivery.h: X-Alloy-*, Idempotency-Key, Standard Webhooks, X-Alloy-Signature)
 * after the caller's own, sends, and classifies the answer for retries (engine/retry.h). When the
 * headers cannot be built — signing failed, an identifying value is unusable — nothing is sent and
 * the call fails with that reason; no request ever leaves unsigned.
 *
 * The path also learns which values of an execution are secret (struct outbound_secrets): values
 * of credentials and of password/writeOnly configurable fields, values under secret-looking names
 * (headers, query parameters, body members, auth), and the Authorization values it builds. What is
 * recorded or shown of the execution — step inputs, outputs, errors — goes through outbound_redact,
 * which replaces those values wherever they landed, plus anything under a secret-looking name.
 *
 * Threading: a worker's calls run on the worker's thread with its own client; nothing here is
 * shared between threads except the engine's settings generation (atomic).
 */
#ifndef SOLDER_OUTBOUND_H
#define SOLDER_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "crypto/sign.h"
#include "engine/http_client.h"
#include "engine/retry.h"
#include "workflow/workflow.h"

/* What stands where a secret was. */
#define OUTBOUND_REDACTED "[redacted]"
/* Secret values shorter than this are not scrubbed by value (they would blank unrelated text such
 * as "us" or "1"); the name-based net still catches them where a secret-looking name holds them. */
#define OUTBOUND_SECRET_MIN 6
/* Secret values one execution remembers: bounds the memory and the scrubbing time of a run that
 * handles very many credentials. Values beyond it are still caught by the name-based net. */
#define OUTBOUND_SECRETS_MAX 256

/* The secret values of one execution, longest first. Lifecycle: zero-initialised, filled while the
 * execution runs, released with outbound_secrets_free. */
struct outbound_secrets {
    char **values;
    size_t count;
};

/* Remembers value (copied) and its percent-encoded form; ignores short, repeated or NULL values. */
void outbound_secret_add(struct outbound_secrets *s, const char *value);
/* Remembers every string (and number) inside v, except members named skip (may be NULL). */
void outbound_secrets_add_all(struct outbound_secrets *s, const cJSON *v, const char *skip);
void outbound_secrets_free(struct outbound_secrets *s);

/* Whether a header, parameter or member name looks like it holds a secret (authorization, token,
 * secret, password, session, cookie, api key, ...), by its words: "X-Auth-Key", "access_token",
 * "apiKey" do; "Idempotency-Key", "author" do not. */
bool outbound_secret_name(const char *name);

/* A copy of v (caller owns) with every secret value of s replaced inside its strings, every member
 * under a secret-looking name replaced whole (an http block's "auth" object keeps its type,
 * username and name), and secret-looking query parameters inside strings replaced. s may be NULL.
 */
cJSON *outbound_redact(const struct outbound_secrets *s, const cJSON *v);
/* text with the same replacements (malloc'd), or NULL for NULL. */
char *outbound_redact_text(const struct outbound_secrets *s, const char *text);
/* The same, in place in a fixed buffer of cap bytes (truncated when longer). */
void outbound_redact_buffer(const struct outbound_secrets *s, char *buf, size_t cap);

/* Who the calls of one execution are for and how they are signed. Borrowed by the calls. */
struct outbound_ctx {
    struct http_client *http;
    const char *workflow_id;
    const char *user_id;
    const char *execution_id;
    const char *webhook_secret;       /* the environment's whsec_ secret (opened) */
    const struct rsa_signer *signer;  /* X-Alloy-Signature, or NULL when it is switched off */
    struct outbound_secrets *secrets; /* learns the secret values of each call; may be NULL */
};

/* One request. Borrowed for the duration of outbound_send. */
struct outbound_request {
    const struct wf_block *block; /* names the call (X-Alloy-BlockName, X-Alloy-BlockType) */
    const char *step_key;         /* with the execution id: the Idempotency-Key */
    const char *method;
    const char *url;
    const char *const *headers; /* the caller's own "Name: value" lines, sent first */
    size_t header_count;
    const char *body; /* NULL for none */
    size_t body_len;
    long timeout_ms; /* 0: the client's default */
};

/*
 * Sends req with the delivery headers of ctx. Returns 0 with *resp filled (the caller frees it with
 * http_response_free) and *verdict the retry classification of the answer; or -1 with err set and
 * *resp empty when the headers could not be built (nothing was sent). The values of the caller's
 * secret-looking headers are added to ctx->secrets.
 */
int outbound_send(const struct outbound_ctx *ctx, const struct outbound_request *req,
                  struct http_response *resp, enum retry_verdict *verdict, char *err,
                  size_t err_len);

/* Marks res failed as verdict says (retryable, with the receiver's Retry-After). */
void outbound_fail(struct wf_call_result *res, enum retry_verdict verdict,
                   const struct http_response *resp);

/*
 * Runs an http or streamData block through outbound_send: the inputs url (http/https), method,
 * query, headers, auth ({type: basic|bearer|header, ...}), body (streamData: the event by default,
 * from context) and timeoutMs. Fills res: {status, body} on success; a failure with the status and
 * a message in which the URL's secret-looking parameters are replaced.
 */
void outbound_block(const struct outbound_ctx *ctx, const struct wf_call *call,
                    const cJSON *context, struct wf_call_result *res);

#endif
