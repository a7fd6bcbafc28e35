/*
 * Rate limits (http/ratelimit.c): token buckets per API key or dashboard session, per user token,
 * per client address on unauthenticated routes, and per end user on /run/event and /run/workflow,
 * checked by the request pipeline. The server's limits come from --rate-limit; an environment may
 * set its own in /settings (rateLimits).
 */
#ifndef SOLDER_HTTP_RATELIMIT_H
#define SOLDER_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct request;
struct store;

/* One bucket: rate requests per second on average, burst at once. rate 0: no limit. */
struct rate_bucket {
    double rate;
    double burst;
};

/* The kinds of bucket, each with its own limit. */
enum rate_kind {
    RATE_KEY,     /* an API key or a dashboard session (per key, per session's account) */
    RATE_USER,    /* a user token (per end user) */
    RATE_ADDRESS, /* unauthenticated routes (per client address) */
    RATE_EVENT,   /* /run/event and /run/workflow (per end user named in the body) */
    RATE_KINDS
};

struct rate_limits {
    struct rate_bucket kind[RATE_KINDS];
};

/* The limits a server has without --rate-limit. */
extern const struct rate_limits RATE_LIMITS_DEFAULT;

/* The names of the kinds as --rate-limit and /settings spell them ("key", "user", ...). */
extern const char *const RATE_KIND_NAMES[RATE_KINDS];

/*
 * Parses --rate-limit: "off", or comma-separated KIND=RATE[/BURST] (RATE per second, a decimal;
 * BURST defaults to twice RATE, at least 1; RATE 0 lifts that kind's limit), each changing *out's
 * kind. Returns false with err set on a malformed spec.
 */
bool ratelimit_parse(const char *spec, struct rate_limits *out, char *err, size_t err_len);

/*
 * The pipeline steps (API threads; the service thread for ROUTE_INLINE routes). ratelimit_check
 * counts the request against its caller's bucket (after authentication); ratelimit_check_user
 * against the per-user bucket of the userId a /run/event or /run/workflow names (after the body's
 * schema check). Each returns true when the request may go on, adding
 * RateLimit-Limit/-Remaining/-Reset to the answer, and otherwise replies 429 with Retry-After and
 * returns false.
 */
bool ratelimit_check(struct request *req);
bool ratelimit_check_user(struct request *req);

/* An environment's limits changed (PUT /settings): they are read again at its next request. */
void ratelimit_environment_changed(const char *env_id);

/* The limits in force for an environment, as /settings shows them: {key, user, event}, each
 * {rate, burst, source: "environment" | "server"} or null when unlimited. The caller owns it. */
struct cJSON *ratelimit_environment_json(struct request *req);

/* Forgets every bucket and cached environment (at shutdown, and between tests). */
void ratelimit_reset(void);

#endif
