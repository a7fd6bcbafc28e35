/*
 * The dashboard's queries over executions and execution errors (see history.h). Read-only: runs.c
 * writes these tables; the per-workflow log of the Alloy API stays there too.
 */
#include "store/history.h"

int store_executions_filtered(struct store *s, const char *env, const struct execution_filter *f,
                              int offset, int limit, cJSON **rows)
{
    return store_query(
        s,
        "SELECT e.id AS executionId, e.workflow_id AS workflowId, w.name AS workflowName, "
        "e.installation_id AS installationId, e.user_id AS userId, u.username AS username, "
        "e.version AS version, e.status AS status, e.attempt AS attempt, e.error AS error, "
        "e.error_block AS errorBlock, e.created_at AS createdAt, e.started_at AS startedAt, "
        "e.finished_at AS finishedAt FROM executions e "
        "LEFT JOIN workflows w ON w.id = e.workflow_id LEFT JOIN users u ON u.id = e.user_id "
        "WHERE e.env_id = ?1 AND (?2 IS NULL OR e.workflow_id = ?2) "
        "AND (?3 IS NULL OR e.user_id = ?3) AND (?4 IS NULL OR e.status = ?4) "
        "AND (?5 = 0 OR e.created_at >= ?5) AND (?6 = 0 OR e.created_at < ?6) "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT ?7 OFFSET ?8",
        rows, "ssssiiii", env, f->workflow_id, f->user_id, f->status, f->since_ms, f->until_ms,
        (int64_t)limit, (int64_t)offset);
}

int store_execution_buckets(struct store *s, const char *env, const char *workflow_id,
                            int64_t since_ms, int64_t bucket_ms, cJSON **rows)
{
    return store_query(s,
                       "SELECT (created_at / ?4) * ?4 AS t, count(*) AS runs, "
                       "sum(status = 'error') AS errors FROM executions "
                       "WHERE env_id = ?1 AND (?2 IS NULL OR workflow_id = ?2) "
                       "AND created_at >= ?3 GROUP BY 1 ORDER BY 1",
                       rows, "ssii", env, workflow_id, since_ms, bucket_ms);
}

int store_failing_blocks(struct store *s, const char *env, const char *workflow_id,
                         int64_t since_ms, int limit, cJSON **rows)
{
    return store_query(s,
                       "SELECT x.workflow_id AS workflowId, w.name AS workflowName, "
                       "coalesce(x.block, '') AS block, count(*) AS errors, "
                       "max(x.created_at) AS lastAt FROM execution_errors x "
                       "LEFT JOIN workflows w ON w.id = x.workflow_id "
                       "WHERE x.env_id = ?1 AND (?2 IS NULL OR x.workflow_id = ?2) "
                       "AND x.created_at >= ?3 GROUP BY x.workflow_id, x.block "
                       "ORDER BY errors DESC, lastAt DESC LIMIT ?4",
                       rows, "ssii", env, workflow_id, since_ms, (int64_t)limit);
}
