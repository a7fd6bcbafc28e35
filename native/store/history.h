/*
 * Store: the look back over an environment's runs — executions across workflows with filters, runs
 * and errors per time bucket, the blocks that fail most, the execution errors' log — and how long
 * runs are kept. Lists come back as typed arrays freed by their store_*_list_free.
 */
#ifndef SOLDER_STORE_HISTORY_H
#define SOLDER_STORE_HISTORY_H

#include "store/store.h"

/* What store_executions_filtered keeps; NULL strings and zero times do not filter. */
struct execution_filter {
    const char *workflow_id; /* the parent workflow (template) */
    const char *user_id;
    const char *status; /* queued, running, success, stopped or error */
    int64_t since_ms;   /* created at or after */
    int64_t until_ms;   /* created before */
};

/* One execution as listed across workflows. */
struct execution_summary {
    char id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char installation_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char status[16];     /* queued, running, success, stopped or error */
    char *workflow_name; /* NULL when the workflow is gone */
    char *username;      /* NULL when the user has none or is gone */
    char *error;         /* the last error's message, or NULL */
    char *error_block;   /* the block that failed, or NULL */
    int64_t version;
    int64_t attempt;
    int64_t created_at;
    int64_t started_at;  /* 0 until it starts */
    int64_t finished_at; /* 0 until it ends */
};

struct execution_summary_list {
    struct execution_summary *items;
    size_t n;
};
void store_execution_summary_list_free(struct execution_summary_list *l);

/* One environment's executions, newest first, paged. */
int store_executions_filtered(struct store *s, const char *env, const struct execution_filter *f,
                              int offset, int limit, struct execution_summary_list *out);

/* Executions created in one bucket of time. */
struct execution_bucket {
    int64_t t; /* the bucket's start, ms */
    int64_t runs;
    int64_t errors;
};

struct execution_bucket_list {
    struct execution_bucket *items;
    size_t n;
};
void store_execution_bucket_list_free(struct execution_bucket_list *l);

/* Executions created since since_ms counted per bucket of bucket_ms (optionally of one workflow),
 * oldest bucket first; empty buckets are absent. */
int store_execution_buckets(struct store *s, const char *env, const char *workflow_id,
                            int64_t since_ms, int64_t bucket_ms, struct execution_bucket_list *out);

/* A block and how often its runs failed. */
struct failing_block {
    char workflow_id[ID_LEN + 1];
    char *workflow_name; /* NULL when the workflow is gone */
    char *block;         /* "" for errors outside any block */
    int64_t errors;
    int64_t last_at;
};

struct failing_block_list {
    struct failing_block *items;
    size_t n;
};
void store_failing_block_list_free(struct failing_block_list *l);

/* The blocks with the most execution errors since since_ms, most first. */
int store_failing_blocks(struct store *s, const char *env, const char *workflow_id,
                         int64_t since_ms, int limit, struct failing_block_list *out);

/* One execution error with its run, workflow and user, as the error log lists it. */
struct error_log_entry {
    char id[ID_LEN + 1];
    char execution_id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char installation_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char integration_id[ID_LEN + 1];
    char *message;
    char *block; /* NULL outside any block */
    char *workflow_name;
    char *username;  /* may be NULL */
    char *full_name; /* may be NULL */
    int64_t version;
    int64_t created_at;
    int64_t started_at;  /* 0 when it never started */
    int64_t finished_at; /* 0 while it runs */
};

struct error_log_list {
    struct error_log_entry *items;
    size_t n;
};
void store_error_log_list_free(struct error_log_list *l);

/* What store_error_log keeps; NULL does not filter. */
struct error_log_filter {
    const char *workflow_id;
    const char *user; /* a user's id or username */
};

/* One page of an environment's execution errors, newest first; *total counts all that match. */
int store_error_log(struct store *s, const char *env, const struct error_log_filter *f,
                    int64_t offset, int64_t limit, struct error_log_list *out, int64_t *total);

/* Removes, in every environment, the executions finished before its log retention (days of its
 * settings, 60 without) counted back from now, and returns the freed pages to the file system.
 * Returns the rows removed (>= 0) or STORE_ERROR. */
int store_logs_expire(struct store *s, int64_t now);

#endif
