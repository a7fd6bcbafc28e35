/*
 * Process-wide counters for the metrics (http/metrics.c renders them): executions by outcome,
 * retries, the latency of outbound calls, and the histogram type the HTTP layer's request
 * latencies use too. Every member is a relaxed atomic: any thread adds, the metrics reader reads,
 * and nothing here takes a lock or allocates.
 */
#ifndef SOLDER_BASE_STATS_H
#define SOLDER_BASE_STATS_H

#include <stdatomic.h>
#include <stdint.h>

/* Upper bounds (seconds) of the latency buckets, Prometheus' "le"; the last bucket is +Inf. */
#define STATS_BUCKETS 13
extern const double STATS_BUCKET_BOUNDS[STATS_BUCKETS - 1];

/* A fixed-bucket latency histogram: counts per bucket (not cumulative), the sum in microseconds. */
struct stats_histogram {
    _Atomic uint64_t bucket[STATS_BUCKETS];
    _Atomic uint64_t sum_us;
    _Atomic uint64_t count;
};

void stats_observe(struct stats_histogram *h, int64_t micros);

/* What became of executions as their outcome was recorded. */
enum stats_outcome {
    STATS_SUCCESS,
    STATS_ERROR,
    STATS_STOPPED,
    STATS_RETRY,   /* requeued to try again after a retryable failure */
    STATS_DELAYED, /* requeued by a delay block */
    STATS_OUTCOMES
};
extern const char *const STATS_OUTCOME_NAMES[STATS_OUTCOMES];

struct engine_stats {
    _Atomic uint64_t outcomes[STATS_OUTCOMES];
    struct stats_histogram delivery; /* outbound calls (blocks, app actions), send to answer */
};

extern struct engine_stats ENGINE_STATS;

void stats_outcome(enum stats_outcome o);

#endif
