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

static int64_t column_time(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, col);
}

void store_execution_summary_list_free(struct execution_summary_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].workflow_name);
        free(l->items[i].username);
        free(l->items[i].error);
        free(l->items[i].error_block);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

typedef STORE_LIST_BUILDER(struct execution_summary) summary_builder;

static int summary_row(sqlite3_stmt *st, void *arg)
{
    summary_builder *b = arg;
    struct execution_summary *x = store_list_grow(&b->items, &b->n, &b->cap, sizeof *x);
    if (!x)
        return store_out_of_memory(b->s);
    store_column_copy(st, 0, x->id, sizeof x->id);
    store_column_copy(st, 1, x->workflow_id, sizeof x->workflow_id);
    x->workflow_name = store_column_strdup(st, 2);
    store_column_copy(st, 3, x->installation_id, sizeof x->installation_id);
    store_column_copy(st, 4, x->user_id, sizeof x->user_id);
    x->username = store_column_strdup(st, 5);
    x->version = sqlite3_column_int64(st, 6);
    store_column_copy(st, 7, x->status, sizeof x->status);
    x->attempt = sqlite3_column_int64(st, 8);
    x->error = store_column_strdup(st, 9);
    x->error_block = store_column_strdup(st, 10);
    x->created_at = sqlite3_column_int64(st, 11);
    x->started_at = column_time(st, 12);
    x->finished_at = column_time(st, 13);
    return STORE_OK;
}

int store_executions_filtered(struct store *s, const char *env, const struct execution_filter *f,
                              int offset, int limit, struct execution_summary_list *out)
{
    summary_builder b = {.s = s};
    int rc = store_rows(
        s,
        "SELECT e.id, e.workflow_id, w.name, e.installation_id, e.user_id, u.username, e.version, "
        "e.status, e.attempt, e.error, e.error_block, e.created_at, e.started_at, e.finished_at "
        "FROM executions e "
        "LEFT JOIN workflows w ON w.id = e.workflow_id LEFT JOIN users u ON u.id = e.user_id "
        "WHERE e.env_id = ?1 AND (?2 IS NULL OR e.workflow_id = ?2) "
        "AND (?3 IS NULL OR e.user_id = ?3) AND (?4 IS NULL OR e.status = ?4) "
        "AND (?5 = 0 OR e.created_at >= ?5) AND (?6 = 0 OR e.created_at < ?6) "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT ?7 OFFSET ?8",
        summary_row, &b, "ssssiiii", env, f->workflow_id, f->user_id, f->status, f->since_ms,
        f->until_ms, (int64_t)limit, (int64_t)offset);
    *out = (struct execution_summary_list){b.items, b.n};
    if (rc != STORE_OK)
        store_execution_summary_list_free(out);
    return rc;
}

void store_execution_bucket_list_free(struct execution_bucket_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

typedef STORE_LIST_BUILDER(struct execution_bucket) bucket_builder;

static int bucket_row(sqlite3_stmt *st, void *arg)
{
    bucket_builder *b = arg;
    struct execution_bucket *x = store_list_grow(&b->items, &b->n, &b->cap, sizeof *x);
    if (!x)
        return store_out_of_memory(b->s);
    x->t = sqlite3_column_int64(st, 0);
    x->runs = sqlite3_column_int64(st, 1);
    x->errors = sqlite3_column_int64(st, 2);
    return STORE_OK;
}

int store_execution_buckets(struct store *s, const char *env, const char *workflow_id,
                            int64_t since_ms, int64_t bucket_ms, struct execution_bucket_list *out)
{
    bucket_builder b = {.s = s};
    int rc = store_rows(s,
                        "SELECT (created_at / ?4) * ?4, count(*), sum(status = 'error') "
                        "FROM executions WHERE env_id = ?1 AND (?2 IS NULL OR workflow_id = ?2) "
                        "AND created_at >= ?3 GROUP BY 1 ORDER BY 1",
                        bucket_row, &b, "ssii", env, workflow_id, since_ms, bucket_ms);
    *out = (struct execution_bucket_list){b.items, b.n};
    if (rc != STORE_OK)
        store_execution_bucket_list_free(out);
    return rc;
}

void store_failing_block_list_free(struct failing_block_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].workflow_name);
        free(l->items[i].block);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

typedef STORE_LIST_BUILDER(struct failing_block) block_builder;

static int block_row(sqlite3_stmt *st, void *arg)
{
    block_builder *b = arg;
    struct failing_block *x = store_list_grow(&b->items, &b->n, &b->cap, sizeof *x);
    if (!x)
        return store_out_of_memory(b->s);
    store_column_copy(st, 0, x->workflow_id, sizeof x->workflow_id);
    x->workflow_name = store_column_strdup(st, 1);
    x->block = store_column_strdup(st, 2);
    x->errors = sqlite3_column_int64(st, 3);
    x->last_at = sqlite3_column_int64(st, 4);
    return STORE_OK;
}

int store_failing_blocks(struct store *s, const char *env, const char *workflow_id,
                         int64_t since_ms, int limit, struct failing_block_list *out)
{
    block_builder b = {.s = s};
    int rc = store_rows(s,
                        "SELECT x.workflow_id, w.name, coalesce(x.block, ''), count(*) AS errors, "
                        "max(x.created_at) AS lastAt FROM execution_errors x "
                        "LEFT JOIN workflows w ON w.id = x.workflow_id "
                        "WHERE x.env_id = ?1 AND (?2 IS NULL OR x.workflow_id = ?2) "
                        "AND x.created_at >= ?3 GROUP BY x.workflow_id, x.block "
                        "ORDER BY errors DESC, lastAt DESC LIMIT ?4",
                        block_row, &b, "ssii", env, workflow_id, since_ms, (int64_t)limit);
    *out = (struct failing_block_list){b.items, b.n};
    if (rc != STORE_OK)
        store_failing_block_list_free(out);
    return rc;
}

void store_execution_error_list_free(struct execution_error_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct execution_error *e = &l->items[i];
        free(e->message);
        free(e->block);
        free(e->workflow_name);
        free(e->username);
        free(e->full_name);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

typedef STORE_LIST_BUILDER(struct execution_error) error_builder;

static int error_row(sqlite3_stmt *st, void *arg)
{
    error_builder *b = arg;
    struct execution_error *e = store_list_grow(&b->items, &b->n, &b->cap, sizeof *e);
    if (!e)
        return store_out_of_memory(b->s);
    store_column_copy(st, 0, e->id, sizeof e->id);
    store_column_copy(st, 1, e->execution_id, sizeof e->execution_id);
    store_column_copy(st, 2, e->workflow_id, sizeof e->workflow_id);
    store_column_copy(st, 3, e->installation_id, sizeof e->installation_id);
    store_column_copy(st, 4, e->user_id, sizeof e->user_id);
    e->message = store_column_strdup(st, 5);
    e->block = store_column_strdup(st, 6);
    e->created_at = sqlite3_column_int64(st, 7);
    e->version = sqlite3_column_int64(st, 8);
    e->started_at = column_time(st, 9);
    e->finished_at = column_time(st, 10);
    e->workflow_name = store_column_strdup(st, 11);
    store_column_copy(st, 12, e->integration_id, sizeof e->integration_id);
    e->username = store_column_strdup(st, 13);
    e->full_name = store_column_strdup(st, 14);
    return STORE_OK;
}

int store_execution_errors(struct store *s, const char *env, const struct execution_error_filter *f,
                           int64_t offset, int64_t limit, struct execution_error_list *out,
                           int64_t *total)
{
    error_builder b = {.s = s};
    *total = 0;
    int rc = store_rows(
        s,
        "SELECT e.id, e.execution_id, e.workflow_id, e.installation_id, e.user_id, e.message, "
        "e.block, e.created_at, x.version, x.started_at, x.finished_at, w.name, "
        "w.integration_id, u.username, u.full_name "
        "FROM execution_errors e JOIN executions x ON x.id = e.execution_id "
        "JOIN workflows w ON w.id = e.workflow_id JOIN users u ON u.id = e.user_id "
        "WHERE e.env_id = ?1 AND (?2 IS NULL OR e.workflow_id = ?2) "
        "AND (?3 IS NULL OR e.user_id = ?3 OR u.username = ?3) "
        "ORDER BY e.created_at DESC LIMIT ?4 OFFSET ?5",
        error_row, &b, "sssii", env, f->workflow_id, f->user, limit, offset);
    *out = (struct execution_error_list){b.items, b.n};
    if (rc == STORE_OK)
        rc =
            store_rows(s,
                       "SELECT count(*) FROM execution_errors e JOIN users u ON "
                       "u.id = e.user_id WHERE e.env_id = ?1 AND (?2 IS NULL OR e.workflow_id = ?2)"
                       " AND (?3 IS NULL OR e.user_id = ?3 OR u.username = ?3)",
                       store_row_int64, total, "sss", env, f->workflow_id, f->user);
    if (rc != STORE_OK)
        store_execution_error_list_free(out);
    return rc;
}

/* Days of log retention when an environment has no settings row. */
#define LOG_RETENTION_DEFAULT_DAYS 60

struct retention {
    char env[ID_LEN + 1];
    int64_t days;
};

typedef STORE_LIST_BUILDER(struct retention) retention_builder;

static int retention_row(sqlite3_stmt *st, void *arg)
{
    retention_builder *b = arg;
    struct retention *r = store_list_grow(&b->items, &b->n, &b->cap, sizeof *r);
    if (!r)
        return store_out_of_memory(b->s);
    store_column_copy(st, 0, r->env, sizeof r->env);
    r->days = sqlite3_column_int64(st, 1);
    return STORE_OK;
}

int store_logs_expire(struct store *s, int64_t now)
{
    retention_builder b = {.s = s};
    int rc = store_rows(s,
                        "SELECT e.id, coalesce(st.log_retention_days, ?1) FROM environments e "
                        "LEFT JOIN settings st ON st.env_id = e.id",
                        retention_row, &b, "i", (int64_t)LOG_RETENTION_DEFAULT_DAYS);
    int removed = 0;
    for (size_t i = 0; rc == STORE_OK && i < b.n; i++) {
        int n = store_purge_before(s, b.items[i].env, now - b.items[i].days * 86400000);
        if (n > 0)
            removed += n;
    }
    free(b.items);
    if (rc != STORE_OK)
        return rc;
    if (removed > 0)
        store_query(s, "PRAGMA incremental_vacuum", NULL, "");
    return removed;
}
