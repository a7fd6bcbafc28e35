/*
 * Retry classification and exponential backoff with full jitter (see retry.h). It decides; it does
 * not sleep, schedule or count attempts: the job queue stores the next run time and the attempt.
 */
#include "engine/retry.h"

#include "plat.h"

/* Status ranges and their verdicts; a status in no row fails. */
static const struct {
    long lo, hi;
    enum retry_verdict verdict;
} STATUS_VERDICTS[] = {
    {200, 299, RETRY_SUCCESS},
    {408, 408, RETRY_AGAIN}, /* Request Timeout */
    {429, 429, RETRY_AGAIN}, /* Too Many Requests */
    {500, 599, RETRY_AGAIN},
};

enum retry_verdict retry_classify(const struct http_response *resp)
{
    if (resp->failure != HTTP_FAIL_NONE)
        return resp->network_error ? RETRY_AGAIN : RETRY_FAIL;
    for (size_t i = 0; i < sizeof STATUS_VERDICTS / sizeof STATUS_VERDICTS[0]; i++)
        if (resp->status >= STATUS_VERDICTS[i].lo && resp->status <= STATUS_VERDICTS[i].hi)
            return STATUS_VERDICTS[i].verdict;
    return RETRY_FAIL;
}

int64_t retry_delay_ms(int attempt, int64_t retry_after_ms, uint32_t random)
{
    int64_t window = RETRY_BASE_DELAY_MS;
    for (int i = 1; i < attempt && window < RETRY_MAX_DELAY_MS; i++)
        window *= 2;
    if (window > RETRY_MAX_DELAY_MS)
        window = RETRY_MAX_DELAY_MS;
    /* random / 2^32 * (window + 1): uniform over [0, window], no modulo bias worth noting. */
    int64_t delay = (int64_t)(((uint64_t)random * (uint64_t)(window + 1)) >> 32);
    if (retry_after_ms > delay)
        delay = retry_after_ms;
    return delay > RETRY_MAX_DELAY_MS ? RETRY_MAX_DELAY_MS : delay;
}

uint32_t retry_random(void)
{
    uint32_t r = 0;
    if (plat_random(&r, sizeof r) != 0)
        return 0;
    return r;
}
