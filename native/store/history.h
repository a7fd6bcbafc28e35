/*
 * Store: the dashboard's look back over an environment's runs — executions across workflows with
 * filters, runs and errors per time bucket, the blocks that fail most. Row-returning functions give
 * cJSON arrays of objects (see store_query), owned by the caller.
 */
#ifndef SOLDER_STORE_HISTORY_H
#define SOLDER_STORE_HISTORY_H

#include <cJSON.h>

#include "store/store.h"

/* What store_executions_filtered keeps; NULL strings and zero times do not filter. */
struct execution_filter {
    const char *workflow_id; /* the parent workflow (template) */
    const char *user_id;
    const char *status; /* queued, running, success, stopped or error */
    int64_t since_ms;   /* created at or after */
    int64_t until_ms;   /* created before */
};

/* One environment's executions, newest first, paged. Columns: executionId, workflowId,
 * workflowName, installationId, userId, username, version, status, attempt, error, errorBlock,
 * createdAt, startedAt, finishedAt. */
int store_executions_filtered(struct store *s, const char *env, const struct execution_filter *f,
                              int offset, int limit, cJSON **rows);

/* Executions created since since_ms counted per bucket of bucket_ms (optionally of one workflow),
 * oldest bucket first; empty buckets are absent. Columns: t (the bucket's start, ms), runs, errors.
 */
int store_execution_buckets(struct store *s, const char *env, const char *workflow_id,
                            int64_t since_ms, int64_t bucket_ms, cJSON **rows);

/* The blocks with the most execution errors since since_ms, most first. Columns: workflowId,
 * workflowName, block, errors, lastAt. */
int store_failing_blocks(struct store *s, const char *env, const char *workflow_id,
                         int64_t since_ms, int limit, cJSON **rows);

#endif
