/*
 * Compact JWT (RFC 7519) parsing and claim checks, without cryptography: the server verifies the
 * signature natively (libjwt) after token_parse has accepted the header; the browser only reads the
 * claims to fail early and clearly on a malformed or expired token.
 *
 * Lifecycle of struct token: token_parse fills it, token_free releases what it owns. The string
 * members point into the owned payload and live until token_free.
 */
#ifndef SOLDER_TOKEN_H
#define SOLDER_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>

#include "util/id.h"

/* The server's token signing key: an ES256 pair in PEM, its id the JWKS "kid". The store keeps it
 * (the private half sealed), native/crypto signs and verifies with it. */
struct signing_key {
    char id[ID_LEN + 1];
    char *private_pem;
    char *public_pem;
};

/* Longest token accepted: a user token is ~500 bytes; the cap keeps hostile headers cheap. */
#define TOKEN_MAX_LEN 8192

enum token_status {
    TOKEN_OK = 0,
    TOKEN_MALFORMED,       /* not three base64url parts of JSON objects */
    TOKEN_UNSUPPORTED_ALG, /* alg is not the one expected (alg "none" always lands here) */
    TOKEN_EXPIRED,
    TOKEN_NOT_YET_VALID, /* nbf or iat in the future beyond the allowed skew */
    TOKEN_WRONG_AUDIENCE,
    TOKEN_WRONG_ISSUER,
    TOKEN_MISSING_CLAIM,
};

struct token {
    cJSON *header;
    cJSON *payload;
    const char *alg;
    const char *sub;
    const char *user_id;
    const char *username;
    const char *env;
    const char *iss;
    const char *jti;
    const cJSON *aud;         /* string or array of strings */
    int64_t iat, exp, nbf;    /* -1 when absent */
    size_t signing_input_len; /* bytes of "header.payload" at the start of the token */
};

/* What a caller requires of a token. NULL strings are not checked. */
struct token_expect {
    const char *alg;      /* required header alg, e.g. "ES256"; NULL accepts any but "none" */
    const char *audience; /* must appear in aud */
    const char *issuer;   /* must equal iss */
    int64_t now;          /* seconds since the epoch */
    int64_t leeway;       /* seconds of clock skew tolerated */
};

/*
 * Parses text (len bytes) into *t. Returns TOKEN_OK, or TOKEN_MALFORMED / TOKEN_UNSUPPORTED_ALG
 * with a human message in msg (msg_len bytes). On failure *t holds nothing to free.
 */
enum token_status token_parse(const char *text, size_t len, struct token *t, char *msg,
                              size_t msg_len);

/* Checks the claims of a parsed token: alg, exp (required), nbf, iat, aud, iss, sub. */
enum token_status token_check(const struct token *t, const struct token_expect *want, char *msg,
                              size_t msg_len);

/* Stable machine name of a status ("ok", "malformed", "expired", …). */
const char *token_status_name(enum token_status s);

void token_free(struct token *t);

/*
 * One call for both builds (WASM export and native tests use it): parses and checks, and returns a
 * malloc'd JSON text {"ok":true,"claims":{…}} or {"ok":false,"error":"expired","message":"…"}.
 * alg/audience/issuer may be NULL or empty to skip the check.
 */
char *token_inspect_json(const char *text, const char *alg, const char *audience,
                         const char *issuer, double now, double leeway);

#endif
