/*
 * Amazon EventBridge PutEvents: the signed request (SigV4, crypto/sigv4.h) for up to ten entries,
 * and the reading of its answer per entry. Shared by the eventbridge block (eventbridge_block.c)
 * and the error stream (engine/maintenance.c), which each send it their own way. No I/O here.
 *
 * Ownership: everything returned is malloc'd and belongs to the caller.
 */
#ifndef SOLDER_EVENTBRIDGE_H
#define SOLDER_EVENTBRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "engine/http_client.h"

/* PutEvents' own limits: entries per request and bytes of one request's entries. */
#define EVENTBRIDGE_MAX_ENTRIES 10
#define EVENTBRIDGE_MAX_BYTES   (256 * 1024)

/* Where events go and who signs them. Borrowed. */
struct eventbridge_target {
    const char *region;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL for long-term keys */
    const char *endpoint;      /* NULL: https://events.REGION.amazonaws.com */
};

/* One signed request: POST url with these header lines and body. Release with
 * eventbridge_request_free. */
struct eventbridge_request {
    char *url;
    char *lines[8];
    size_t count;
    char *body;
};

/*
 * One PutEvents entry from {source, detailType, detail, eventBusName, resources, time} (detail an
 * object, or a string holding one; bus defaults to default_bus, then to "default"). Returns the
 * API's {Source, DetailType, Detail, EventBusName, Resources?, Time?}, or NULL with err set.
 */
cJSON *eventbridge_entry(const cJSON *in, const char *default_bus, char *err, size_t err_len);

/* The request for entries (an array of eventbridge_entry results) signed at now_s. Returns 0, or
 * -1 with err set (no region, a bad endpoint, too many entries or bytes, signing failed). */
int eventbridge_request(const struct eventbridge_target *t, const cJSON *entries, int64_t now_s,
                        struct eventbridge_request *out, char *err, size_t err_len);
void eventbridge_request_free(struct eventbridge_request *r);

enum eventbridge_verdict {
    EVENTBRIDGE_OK,      /* every entry was accepted */
    EVENTBRIDGE_PARTIAL, /* some entries failed (FailedEntryCount): see results */
    EVENTBRIDGE_RETRY,   /* nothing accepted; throttled, unavailable or no answer: try again */
    EVENTBRIDGE_FAIL,    /* nothing accepted and trying again will not help */
};

/*
 * Reads the answer to a request of n entries. results (caller owns, may be NULL) receives one
 * object per entry, {"eventId"} or {"errorCode", "errorMessage"}; retry[i] (n booleans, may be
 * NULL) says whether failed entry i may succeed when sent again (throttled, internal failure).
 * msg receives a sentence for a failure.
 */
enum eventbridge_verdict eventbridge_answer(const struct http_response *resp, int n,
                                            cJSON **results, bool *retry, char *msg,
                                            size_t msg_len);

#endif
