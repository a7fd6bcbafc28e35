/*
 * AWS Signature Version 4 (HMAC-SHA256): the canonical request, the string to sign and the
 * Authorization header of one request, as AWS documents them and its test suite checks them
 * (tests/conformance/sigv4_suite.c). Used by the EventBridge destination and error stream.
 *
 * Ownership: the request is borrowed; every string of struct sigv4_signature is malloc'd and
 * released with sigv4_signature_free. Error texts never contain key material.
 */
#ifndef SOLDER_SIGV4_H
#define SOLDER_SIGV4_H

#include <stddef.h>
#include <stdint.h>

/* "20150830T123600Z": the X-Amz-Date form, 16 characters. */
#define SIGV4_DATE_LEN 16
/* Headers one request may sign: bounds the sort and the canonical block. */
#define SIGV4_MAX_HEADERS 64

struct sigv4_header {
    const char *name;
    const char *value;
};

/* The keys of one AWS identity; session_token is NULL for long-term keys. */
struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
};

/* One request to sign. Every header given is signed (Host and X-Amz-Date included: the caller
 * sends exactly these). path is the path as sent, without the query; query the text after '?'
 * (NULL or "" for none). */
struct sigv4_request {
    const char *method;
    const char *path;
    const char *query;
    const struct sigv4_header *headers;
    size_t header_count;
    const void *body;
    size_t body_len;
    const char *region;
    const char *service;
    const char *amz_date; /* SIGV4_DATE_LEN characters, UTC */
};

struct sigv4_signature {
    char *canonical_request;
    char *string_to_sign;
    char *authorization; /* the Authorization header's value */
};

/*
 * Signs req with creds. A session token that is not already among the headers is signed as
 * x-amz-security-token, and the caller sends it as X-Amz-Security-Token. Returns 0 with *out
 * filled, or -1 with err set (a missing key, region or service, a malformed date, too many headers,
 * no memory) and *out empty.
 */
int sigv4_sign(const struct sigv4_credentials *creds, const struct sigv4_request *req,
               struct sigv4_signature *out, char *err, size_t err_len);

void sigv4_signature_free(struct sigv4_signature *sig);

/* Writes the X-Amz-Date form of unix_s (seconds, UTC) into out (SIGV4_DATE_LEN + 1 bytes). */
void sigv4_date(int64_t unix_s, char out[SIGV4_DATE_LEN + 1]);

#endif
