/* The engine's counters and the latency histogram (see stats.h). */
#include "base/stats.h"

const double STATS_BUCKET_BOUNDS[STATS_BUCKETS - 1] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                       0.1,   0.25,   0.5,   1,    2.5,   10};

const char *const STATS_OUTCOME_NAMES[STATS_OUTCOMES] = {"success", "error", "stopped", "retry",
                                                         "delayed"};

struct engine_stats ENGINE_STATS;

void stats_observe(struct stats_histogram *h, int64_t micros)
{
    if (micros < 0)
        micros = 0;
    double s = (double)micros / 1e6;
    int b = 0;
    while (b < STATS_BUCKETS - 1 && s > STATS_BUCKET_BOUNDS[b])
        b++;
    atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, (uint64_t)micros, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void stats_outcome(enum stats_outcome o)
{
    atomic_fetch_add_explicit(&ENGINE_STATS.outcomes[o], 1, memory_order_relaxed);
}
