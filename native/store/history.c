/*
 * The look back over executions and execution errors (see history.h), and their expiry. Read-only
 * but for the expiry: runs.c writes these tables; the per-workflow log of the Alloy API stays there
 * too.
 */
#include "store/history.h"
#include "store/runs.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t column_time(const struct store_row *st, int col)
{
    return store_col_null(st, col) ? 0 : store_col_int64(st, col);
}

static void execution_summary_clear(void *item)
{
    struct execution_summary *x = item;
    free(x->workflow_name);
    free(x->username);
    free(x->error);
    free(x->error_block);
}

void store_execution_summary_list_free(struct execution_summary_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, execution_summary_clear);
}

static void summary_row(const struct store_row *st, void *item)
{
    struct execution_summary *x = item;
    store_column_copy(st, 0, x->id, sizeof x->id);
    store_column_copy(st, 1, x->workflow_id, sizeof x->workflow_id);
    x->workflow_name = store_column_strdup(st, 2);
    store_column_copy(st, 3, x->installation_id, sizeof x->installation_id);
    store_column_copy(st, 4, x->user_id, sizeof x->user_id);
    x->username = store_column_strdup(st, 5);
    x->version = store_col_int64(st, 6);
    store_column_copy(st, 7, x->status, sizeof x->status);
    x->attempt = store_col_int64(st, 8);
    x->error = store_column_strdup(st, 9);
    x->error_block = store_column_strdup(st, 10);
    x->created_at = store_col_int64(st, 11);
    x->started_at = column_time(st, 12);
    x->finished_at = column_time(st, 13);
}

/* One page of an environment's executions, newest first; those created in the same millisecond by
 * insertion order (rowid is SQLite's, seq PostgreSQL's). */
#define EXECUTION_HISTORY(rowid)                                                                   \
    "SELECT e.id, e.workflow_id, w.name, e.installation_id, e.user_id, u.username, e.version, "    \
    "e.status, e.attempt, e.error, e.error_block, e.created_at, e.started_at, e.finished_at "      \
    "FROM executions e "                                                                           \
    "LEFT JOIN workflows w ON w.id = e.workflow_id LEFT JOIN users u ON u.id = e.user_id "         \
    "WHERE e.env_id = ?1 AND (?2 IS NULL OR e.workflow_id = ?2) "                                  \
    "AND (?3 IS NULL OR e.user_id = ?3) AND (?4 IS NULL OR e.status = ?4) "                        \
    "AND (?5 = 0 OR e.created_at >= ?5) AND (?6 = 0 OR e.created_at < ?6) "                        \
    "ORDER BY e.created_at DESC, " rowid " DESC LIMIT ?7 OFFSET ?8"

int store_executions_filtered(struct store *s, const char *env, const struct execution_filter *f,
                              int offset, int limit, struct execution_summary_list *out)
{
    return store_rows_list(
        s, STORE_SQL(s, EXECUTION_HISTORY("e.rowid"), EXECUTION_HISTORY("e.seq")), summary_row,
        execution_summary_clear, sizeof *out->items, &out->items, &out->n,
        STORE_ARGS(store_text(env), store_text(f->workflow_id), store_text(f->user_id),
                   store_text(f->status), store_int(f->since_ms), store_int(f->until_ms),
                   store_int((int64_t)limit), store_int((int64_t)offset)));
}

void store_execution_bucket_list_free(struct execution_bucket_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, NULL);
}

static void bucket_row(const struct store_row *st, void *item)
{
    struct execution_bucket *x = item;
    x->t = store_col_int64(st, 0);
    x->runs = store_col_int64(st, 1);
    x->errors = store_col_int64(st, 2);
}

int store_execution_buckets(struct store *s, const char *env, const char *workflow_id,
                            int64_t since_ms, int64_t bucket_ms, struct execution_bucket_list *out)
{
    return store_rows_list(s,
                           "SELECT (created_at / ?4) * ?4, count(*), "
                           "sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) "
                           "FROM executions WHERE env_id = ?1 AND (?2 IS NULL OR workflow_id = ?2) "
                           "AND created_at >= ?3 GROUP BY 1 ORDER BY 1",
                           bucket_row, NULL, sizeof *out->items, &out->items, &out->n,
                           STORE_ARGS(store_text(env), store_text(workflow_id), store_int(since_ms),
                                      store_int(bucket_ms)));
}

static void failing_block_clear(void *item)
{
    struct failing_block *x = item;
    free(x->workflow_name);
    free(x->block);
}

void store_failing_block_list_free(struct failing_block_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, failing_block_clear);
}

static void block_row(const struct store_row *st, void *item)
{
    struct failing_block *x = item;
    store_column_copy(st, 0, x->workflow_id, sizeof x->workflow_id);
    x->workflow_name = store_column_strdup(st, 1);
    x->block = store_column_strdup(st, 2);
    x->errors = store_col_int64(st, 3);
    x->last_at = store_col_int64(st, 4);
}

int store_failing_blocks(struct store *s, const char *env, const char *workflow_id,
                         int64_t since_ms, int limit, struct failing_block_list *out)
{
    return store_rows_list(
        s,
        "SELECT x.workflow_id, w.name, coalesce(x.block, ''), count(*) AS errors, "
        "max(x.created_at) AS lastAt FROM execution_errors x "
        "LEFT JOIN workflows w ON w.id = x.workflow_id "
        "WHERE x.env_id = ?1 AND (?2 IS NULL OR x.workflow_id = ?2) "
        "AND x.created_at >= ?3 GROUP BY x.workflow_id, w.name, x.block "
        "ORDER BY errors DESC, lastAt DESC LIMIT ?4",
        block_row, failing_block_clear, sizeof *out->items, &out->items, &out->n,
        STORE_ARGS(store_text(env), store_text(workflow_id), store_int(since_ms),
                   store_int((int64_t)limit)));
}

static void error_log_entry_clear(void *item)
{
    struct error_log_entry *x = item;
    free(x->message);
    free(x->block);
    free(x->workflow_name);
    free(x->username);
    free(x->full_name);
}

void store_error_log_list_free(struct error_log_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, error_log_entry_clear);
}

static void error_row(const struct store_row *st, void *item)
{
    struct error_log_entry *e = item;
    store_column_copy(st, 0, e->id, sizeof e->id);
    store_column_copy(st, 1, e->execution_id, sizeof e->execution_id);
    store_column_copy(st, 2, e->workflow_id, sizeof e->workflow_id);
    store_column_copy(st, 3, e->installation_id, sizeof e->installation_id);
    store_column_copy(st, 4, e->user_id, sizeof e->user_id);
    e->message = store_column_strdup(st, 5);
    e->block = store_column_strdup(st, 6);
    e->created_at = store_col_int64(st, 7);
    e->version = store_col_int64(st, 8);
    e->started_at = column_time(st, 9);
    e->finished_at = column_time(st, 10);
    e->workflow_name = store_column_strdup(st, 11);
    store_column_copy(st, 12, e->integration_id, sizeof e->integration_id);
    e->username = store_column_strdup(st, 13);
    e->full_name = store_column_strdup(st, 14);
}

int store_error_log(struct store *s, const char *env, const struct error_log_filter *f,
                    int64_t offset, int64_t limit, struct error_log_list *out, int64_t *total)
{
    *total = 0;
    int rc = store_rows_list(
        s,
        "SELECT e.id, e.execution_id, e.workflow_id, e.installation_id, e.user_id, e.message, "
        "e.block, e.created_at, x.version, x.started_at, x.finished_at, w.name, "
        "w.integration_id, u.username, u.full_name "
        "FROM execution_errors e JOIN executions x ON x.id = e.execution_id "
        "JOIN workflows w ON w.id = e.workflow_id JOIN users u ON u.id = e.user_id "
        "WHERE e.env_id = ?1 AND (?2 IS NULL OR e.workflow_id = ?2) "
        "AND (?3 IS NULL OR e.user_id = ?3 OR u.username = ?3) "
        "ORDER BY e.created_at DESC LIMIT ?4 OFFSET ?5",
        error_row, error_log_entry_clear, sizeof *out->items, &out->items, &out->n,
        STORE_ARGS(store_text(env), store_text(f->workflow_id), store_text(f->user),
                   store_int(limit), store_int(offset)));
    if (rc == STORE_OK)
        rc = store_rows(
            s,
            "SELECT count(*) FROM execution_errors e JOIN users u ON "
            "u.id = e.user_id WHERE e.env_id = ?1 AND (?2 IS NULL OR e.workflow_id = ?2)"
            " AND (?3 IS NULL OR e.user_id = ?3 OR u.username = ?3)",
            store_row_int64, total,
            STORE_ARGS(store_text(env), store_text(f->workflow_id), store_text(f->user)));
    if (rc != STORE_OK)
        store_error_log_list_free(out);
    return rc;
}

/* Days of log retention when an environment has no settings row. */
#define LOG_RETENTION_DEFAULT_DAYS 60

struct retention {
    char env[ID_LEN + 1];
    int64_t days;
};

static void retention_row(const struct store_row *st, void *item)
{
    struct retention *r = item;
    store_column_copy(st, 0, r->env, sizeof r->env);
    r->days = store_col_int64(st, 1);
}

int store_logs_expire(struct store *s, int64_t now)
{
    struct retention *envs;
    size_t n_envs;
    int rc = store_rows_list(s,
                             "SELECT e.id, coalesce(st.log_retention_days, ?1) FROM environments e "
                             "LEFT JOIN settings st ON st.env_id = e.id",
                             retention_row, NULL, sizeof *envs, &envs, &n_envs,
                             STORE_ARGS(store_int((int64_t)LOG_RETENTION_DEFAULT_DAYS)));
    int removed = 0;
    for (size_t i = 0; rc == STORE_OK && i < n_envs; i++) {
        int n = store_purge_before(s, envs[i].env, now - envs[i].days * 86400000);
        if (n > 0)
            removed += n;
    }
    free(envs);
    if (rc != STORE_OK)
        return rc;
    if (removed > 0)
        store_query(s, STORE_SQL(s, "PRAGMA incremental_vacuum", "SELECT 1"), NULL, STORE_NO_ARGS);
    return removed;
}
