/*
 * The retry policy for outgoing calls (DESIGN §7): which outcomes are retried, and how long to wait
 * before the next attempt. Pure functions; the caller supplies the randomness, so a fixed random
 * value gives a fixed delay (tests, replays).
 */
#ifndef SOLDER_RETRY_H
#define SOLDER_RETRY_H

#include <stdint.h>

#include "engine/http_client.h"

/*
 * Attempts per call, the first one included. With the windows below, the backoff between the first
 * and the last attempt adds up to at most 127 s (1+2+...+64 s), plus whatever Retry-After asked
 * for: enough to ride out a restart or a brief overload, while a dead endpoint does not keep a job,
 * its payload and its worker slot around for long. The bound is what stops an endless retry loop.
 */
#define RETRY_MAX_ATTEMPTS 8

/* Backoff window before the second attempt; doubles per attempt. */
#define RETRY_BASE_DELAY_MS 1000
/*
 * Longest wait between two attempts, whatever the backoff or the receiver's Retry-After says: a
 * hostile or mistaken "Retry-After: 31536000" must not park a job for a year.
 */
#define RETRY_MAX_DELAY_MS (10 * 60 * 1000)

enum retry_verdict {
    RETRY_SUCCESS, /* 2xx: done */
    RETRY_AGAIN,   /* network error, timeout, 408, 429, 5xx: try again after a delay */
    RETRY_FAIL,    /* other 1xx/3xx/4xx, blocked by the network guard, a host name DNS says does not
                      exist, too large, invalid request: retrying won't help */
};

/* Classifies the outcome of one attempt. */
enum retry_verdict retry_classify(const struct http_response *resp);

/*
 * Milliseconds to wait after the given failed attempt (1 for the first) before the next one.
 * Full jitter: a uniform value in [0, min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS *
 * 2^(attempt-1))], chosen by random (any 32-bit value, e.g. from plat_random). Spreading retries
 * over the whole window keeps many jobs that failed together from hammering the receiver together
 * when it comes back. When the receiver sent Retry-After (retry_after_ms >= 0) the wait is at least
 * that long, still never above RETRY_MAX_DELAY_MS.
 */
int64_t retry_delay_ms(int attempt, int64_t retry_after_ms, uint32_t random);

/* A random value for retry_delay_ms from the platform's source (0 if that fails). */
uint32_t retry_random(void);

#endif
