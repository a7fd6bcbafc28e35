/* Store: installations, install sessions, accepted events, executions, steps and errors. Rows are
 * read into the structs of runs.h here; no row leaves this file. */
#include "store/runs.h"
#include "store/catalog.h"
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* A new id in SQL: 4-byte big-endian seconds then 8 random bytes, as util/id.c makes them. */
#define SQL_NEW_ID "printf('%08x', unixepoch()) || lower(hex(randomblob(8)))"
#define PG_NEW_ID                                                                                  \
    "lpad(to_hex(extract(epoch from now())::bigint), 8, '0') || "                                  \
    "substr(encode(sha256(gen_random_uuid()::text::bytea), 'hex'), 1, 16)"

/* On PostgreSQL, a one-row table whose reading signals the nodes' idle workers (store_bus_start)
 * when the transaction commits; joined to a statement that queues executions. */
#define PG_WORK_SIGNAL "(SELECT pg_notify('" STORE_CHANNEL_WORK "', '')) AS signal"

/* A row's first column, an id, into the char[ID_LEN + 1] at item. */
static void id_fill(const struct store_row *st, void *item)
{
    store_column_copy(st, 0, item, ID_LEN + 1);
}

int store_installation_upsert(struct store *s, const char *env, const char *workflow_id,
                              const char *user_id, const char *integration_id, int version,
                              const cJSON *config, const char *trigger_type,
                              const char *trigger_event, char id[ID_LEN + 1])
{
    char fresh[ID_LEN + 1];
    if (id_new(fresh) != 0)
        return STORE_ERROR;
    int rc = store_rows_one(
        s,
        "INSERT INTO installations(id, env_id, workflow_id, user_id, integration_id, version,"
        " active, config, trigger_type, trigger_event, installed_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?10) "
        "ON CONFLICT(workflow_id, user_id) DO UPDATE SET version = ?6, active = 1, config = ?7,"
        " trigger_type = ?8, trigger_event = ?9, updated_at = ?10 RETURNING id",
        id_fill, id, "sssssijssi", fresh, env, workflow_id, user_id, integration_id,
        (int64_t)version, config, trigger_type, trigger_event, store_now());
    return rc == STORE_NOT_FOUND ? STORE_ERROR : rc;
}

int store_installation_set_credentials(struct store *s, const char *id, const cJSON *credential_ids)
{
    return store_query(s, "UPDATE installations SET credential_ids = ?2 WHERE id = ?1", NULL, "sj",
                       id, credential_ids);
}

#define INSTALLATION_COLUMNS                                                                       \
    "SELECT i.id, i.workflow_id, i.user_id, i.integration_id, i.version, i.active, i.config, "     \
    "i.trigger_type, i.trigger_event, i.installed_at, i.updated_at, i.credential_ids"

static void installation_free(void *item)
{
    struct installation *inst = item;
    cJSON_Delete(inst->config);
    cJSON_Delete(inst->credential_ids);
    free(inst->trigger_type);
    free(inst->trigger_event);
    free(inst->username);
    free(inst->full_name);
    memset(inst, 0, sizeof *inst);
}

void store_installation_clear(struct installation *inst)
{
    installation_free(inst);
}

void store_installation_list_free(struct installation_list *list)
{
    store_items_free(&list->items, &list->n, sizeof *list->items, installation_free);
}

/* The columns of INSTALLATION_COLUMNS. */
static void installation_fill(const struct store_row *st, void *item)
{
    struct installation *inst = item;
    store_column_copy(st, 0, inst->id, sizeof inst->id);
    store_column_copy(st, 1, inst->workflow_id, sizeof inst->workflow_id);
    store_column_copy(st, 2, inst->user_id, sizeof inst->user_id);
    store_column_copy(st, 3, inst->integration_id, sizeof inst->integration_id);
    inst->version = store_col_int(st, 4);
    inst->active = store_col_int(st, 5) != 0;
    inst->config = store_column_json(st, 6);
    if (!inst->config)
        inst->config = cJSON_CreateObject();
    inst->trigger_type = store_column_strdup(st, 7);
    inst->trigger_event = store_column_strdup(st, 8);
    inst->installed_at = store_col_int64(st, 9);
    inst->updated_at = store_col_int64(st, 10);
    inst->credential_ids = store_column_json(st, 11);
}

/* INSTALLATION_COLUMNS, then the end user's username and full name. */
static void installation_user_fill(const struct store_row *st, void *item)
{
    struct installation *inst = item;
    installation_fill(st, inst);
    inst->username = store_column_strdup(st, 12);
    inst->full_name = store_column_strdup(st, 13);
}

int store_installation_find(struct store *s, const char *workflow_id, const char *user_id,
                            struct installation *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s,
                          INSTALLATION_COLUMNS " FROM installations i "
                                               "WHERE i.workflow_id = ?1 AND i.user_id = ?2",
                          installation_fill, out, "ss", workflow_id, user_id);
}

int store_installations_of_workflow(struct store *s, const char *workflow_id,
                                    struct installation_list *out)
{
    int rc = store_rows_list(
        s,
        INSTALLATION_COLUMNS ", u.username, u.full_name "
                             "FROM installations i JOIN users u ON u.id = i.user_id "
                             "WHERE i.workflow_id = ?1 ORDER BY i.installed_at, i.id",
        installation_user_fill, sizeof *out->items, &out->items, &out->n, "s", workflow_id);
    if (rc != STORE_OK)
        store_installation_list_free(out);
    return rc;
}

int store_installations_of_env(struct store *s, const char *env, struct installation_list *out)
{
    int rc =
        store_rows_list(s,
                        INSTALLATION_COLUMNS " FROM installations i WHERE i.env_id = ?1 "
                                             "ORDER BY i.user_id, i.integration_id, i.installed_at",
                        installation_fill, sizeof *out->items, &out->items, &out->n, "s", env);
    if (rc != STORE_OK)
        store_installation_list_free(out);
    return rc;
}

int store_installation_set_active(struct store *s, const char *workflow_id, const char *user_id,
                                  bool active)
{
    return store_changed(s, store_query(s,
                                        "UPDATE installations SET active = ?3, updated_at = ?4 "
                                        "WHERE workflow_id = ?1 AND user_id = ?2",
                                        NULL, "ssii", workflow_id, user_id, (int64_t)active,
                                        store_now()));
}

int store_installation_set_version(struct store *s, const char *workflow_id, const char *user_id,
                                   int version, const char *trigger_type, const char *trigger_event)
{
    return store_changed(s, store_query(s,
                                        "UPDATE installations SET version = ?3, trigger_type = ?4, "
                                        "trigger_event = ?5, updated_at = ?6 "
                                        "WHERE workflow_id = ?1 AND user_id = ?2",
                                        NULL, "ssissi", workflow_id, user_id, (int64_t)version,
                                        trigger_type, trigger_event, store_now()));
}

int store_installation_delete(struct store *s, const char *workflow_id, const char *user_id)
{
    return store_changed(
        s, store_query(s, "DELETE FROM installations WHERE workflow_id = ?1 AND user_id = ?2", NULL,
                       "ss", workflow_id, user_id));
}

int store_installations_deactivate_user(struct store *s, const char *user_id)
{
    return store_query(s, "UPDATE installations SET active = 0, updated_at = ?2 WHERE user_id = ?1",
                       NULL, "si", user_id, store_now());
}

int store_install_session_insert(struct store *s, const char *env, const char *id,
                                 const char *user_id, const char *integration_id,
                                 const cJSON *workflow_ids, const cJSON *versions,
                                 const cJSON *credential_ids)
{
    return store_query(s,
                       "INSERT INTO install_sessions(id, env_id, user_id, integration_id, "
                       "workflow_ids, versions, credential_ids, state, created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'started', ?8)",
                       NULL, "ssssjjji", id, env, user_id, integration_id, workflow_ids, versions,
                       credential_ids, store_now());
}

void store_install_session_clear(struct install_session *session)
{
    cJSON_Delete(session->workflow_ids);
    cJSON_Delete(session->versions);
    cJSON_Delete(session->credential_ids);
    memset(session, 0, sizeof *session);
}

static void install_session_fill(const struct store_row *st, void *item)
{
    struct install_session *session = item;
    store_column_copy(st, 0, session->id, sizeof session->id);
    store_column_copy(st, 1, session->user_id, sizeof session->user_id);
    store_column_copy(st, 2, session->integration_id, sizeof session->integration_id);
    session->workflow_ids = store_column_json(st, 3);
    if (!session->workflow_ids)
        session->workflow_ids = cJSON_CreateArray();
    session->versions = store_column_json(st, 4);
    session->credential_ids = store_column_json(st, 5);
    store_column_copy(st, 6, session->state, sizeof session->state);
    session->created_at = store_col_int64(st, 7);
}

int store_install_session_find(struct store *s, const char *env, const char *id,
                               struct install_session *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s,
                          "SELECT id, user_id, integration_id, workflow_ids, versions, "
                          "credential_ids, state, created_at FROM install_sessions "
                          "WHERE env_id = ?1 AND id = ?2",
                          install_session_fill, out, "ss", env, id);
}

int store_install_session_complete(struct store *s, const char *id)
{
    return store_changed(
        s, store_query(s, "UPDATE install_sessions SET state = 'complete' WHERE id = ?1", NULL, "s",
                       id));
}

bool store_token_used(struct store *s, const char *jti)
{
    int64_t used = 0;
    return store_rows(s, "SELECT 1 FROM used_tokens WHERE jti = ?1", store_row_int64, &used, "s",
                      jti) != STORE_OK ||
           used != 0;
}

int store_token_use(struct store *s, const char *jti, int64_t expires_at)
{
    store_query(s, "DELETE FROM used_tokens WHERE expires_at < ?1", NULL, "i", store_now() / 1000);
    return store_query(s,
                       "INSERT INTO used_tokens(jti, expires_at) VALUES (?1, ?2) "
                       "ON CONFLICT DO NOTHING",
                       NULL, "si", jti, expires_at);
}

void store_execution_ids_free(struct execution_ids *ids)
{
    store_items_free(&ids->ids, &ids->n, sizeof *ids->ids, NULL);
}

/* An execution for each active installation of user ?1's that trigger ?2 (event ?3, workflow ?6
 * when not NULL) starts. */
#define ENQUEUE_EVENT(new_id)                                                                      \
    "INSERT INTO executions(id, env_id, installation_id, workflow_id, user_id, "                   \
    "version, event_id, status, attempt, run_at, state, created_at) "                              \
    "SELECT " new_id ", i.env_id, i.id, i.workflow_id, i.user_id, i.version, "                     \
    "?4, 'queued', 0, ?5, '{}', ?5 FROM installations i "                                          \
    "WHERE i.user_id = ?1 AND i.active = 1 AND i.trigger_type = ?2 "                               \
    "AND (?3 IS NULL OR i.trigger_event = ?3) "                                                    \
    "AND (?6 IS NULL OR i.workflow_id = ?6) RETURNING id"

int store_enqueue(struct store *s, const char *env, const char *user_id, const char *name,
                  const char *trigger_type, const char *trigger_event, const char *workflow_id,
                  const char *payload, char event_id[ID_LEN + 1], struct execution_ids *executions)
{
    executions->ids = NULL;
    executions->n = 0;
    if (id_new(event_id) != 0)
        return STORE_ERROR;
    int64_t now = store_now();
    int rc = store_query(s,
                         "INSERT INTO run_events(id, env_id, user_id, name, payload, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         NULL, "sssssi", event_id, env, user_id, name, payload, now);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_list(
        s,
        STORE_SQL(s, ENQUEUE_EVENT(SQL_NEW_ID),
                  "WITH q AS (" ENQUEUE_EVENT(PG_NEW_ID) ") SELECT q.id FROM q, " PG_WORK_SIGNAL),
        id_fill, sizeof *executions->ids, &executions->ids, &executions->n, "ssssis", user_id,
        trigger_type, trigger_event, event_id, now, workflow_id);
    if (rc != STORE_OK)
        store_execution_ids_free(executions);
    return rc;
}

/* An execution of installation ?4 (joined to signal, on PostgreSQL). */
#define ENQUEUE_INSTALLATION(signal)                                                               \
    "INSERT INTO executions(id, env_id, installation_id, workflow_id, user_id, "                   \
    "version, event_id, status, attempt, run_at, state, created_at) "                              \
    "SELECT ?1, env_id, id, workflow_id, user_id, version, ?2, 'queued', 0, "                      \
    "?3, '{}', ?3 FROM installations" signal " WHERE id = ?4"

int store_enqueue_installation(struct store *s, const char *installation_id, const char *payload,
                               char exec_id[ID_LEN + 1])
{
    char event_id[ID_LEN + 1];
    int64_t now = store_now();
    if (id_new(event_id) != 0 || id_new(exec_id) != 0 || store_begin(s) != STORE_OK)
        return STORE_ERROR;
    int rc =
        store_query(s,
                    "INSERT INTO run_events(id, env_id, user_id, name, payload, created_at) "
                    "SELECT ?1, env_id, user_id, 'rerun', ?2, ?3 FROM installations WHERE id = ?4",
                    NULL, "ssis", event_id, payload, now, installation_id);
    if (rc == STORE_OK && store_changes(s) == 0)
        rc = STORE_NOT_FOUND; /* no such installation */
    if (rc == STORE_OK)
        rc = store_query(
            s, STORE_SQL(s, ENQUEUE_INSTALLATION(""), ENQUEUE_INSTALLATION(", " PG_WORK_SIGNAL)),
            NULL, "ssis", exec_id, event_id, now, installation_id);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK)
        store_rollback(s);
    return rc;
}

static void schedule_fill(const struct store_row *st, void *item)
{
    struct schedule_due *d = item;
    store_column_copy(st, 0, d->installation_id, sizeof d->installation_id);
    store_column_copy(st, 1, d->workflow_id, sizeof d->workflow_id);
    d->version = store_col_int(st, 2);
    store_column_copy(st, 3, d->env_id, sizeof d->env_id);
    store_column_copy(st, 4, d->user_id, sizeof d->user_id);
    d->next_run_at = store_col_int64(st, 5);
}

int store_schedules_due(struct store *s, int64_t now, int limit, struct schedule_due **items,
                        size_t *n)
{
    int rc = store_rows_list(s,
                             "SELECT id, workflow_id, version, env_id, user_id, next_run_at "
                             "FROM installations WHERE trigger_type = 'schedule' AND active = 1 "
                             "AND (next_run_at IS NULL OR next_run_at <= ?1) LIMIT ?2",
                             schedule_fill, sizeof **items, items, n, "ii", now, (int64_t)limit);
    if (rc != STORE_OK)
        store_items_free(items, n, sizeof **items, NULL);
    return rc;
}

int store_schedule_set(struct store *s, const char *installation_id, int64_t next_run_at)
{
    return store_query(s, "UPDATE installations SET next_run_at = ?2 WHERE id = ?1", NULL, "si",
                       installation_id, next_run_at);
}

static void claimed_execution_free(void *item)
{
    struct claimed_execution *x = item;
    cJSON_Delete(x->state);
    cJSON_Delete(x->event_payload);
    cJSON_Delete(x->install_config);
    free(x->username);
    free(x->full_name);
}

void store_claimed_execution_list_free(struct claimed_execution_list *list)
{
    store_items_free(&list->items, &list->n, sizeof *list->items, claimed_execution_free);
}

static void claimed_fill(const struct store_row *st, void *item)
{
    struct claimed_execution *x = item;
    store_column_copy(st, 0, x->id, sizeof x->id);
    store_column_copy(st, 1, x->env_id, sizeof x->env_id);
    store_column_copy(st, 2, x->installation_id, sizeof x->installation_id);
    store_column_copy(st, 3, x->workflow_id, sizeof x->workflow_id);
    store_column_copy(st, 4, x->user_id, sizeof x->user_id);
    x->version = store_col_int(st, 5);
    store_column_copy(st, 6, x->event_id, sizeof x->event_id);
    x->attempt = store_col_int(st, 7);
    x->state = store_column_json(st, 8);
    if (!x->state)
        x->state = cJSON_CreateObject();
    x->created_at = store_col_int64(st, 9);
    x->event_payload = store_column_json(st, 10);
    x->install_config = store_column_json(st, 11);
    x->username = store_column_strdup(st, 12);
    x->full_name = store_column_strdup(st, 13);
}

/* Claims up to ?3 executions: expired leases first, so that work a stalled or dead process held
 * waits no longer for the backlog queued after it, then the queue in order. lock is "" or, on
 * PostgreSQL, FOR UPDATE SKIP LOCKED. The run's inputs are read here rather than by three queries
 * per execution. */
#define CLAIM(lock)                                                                                \
    "UPDATE executions SET status = 'running', lease_until = ?1 + ?2, lease_owner = ?4, "          \
    "attempt = attempt + 1, started_at = coalesce(started_at, ?1) "                                \
    "WHERE id IN (SELECT id FROM (SELECT id FROM executions "                                      \
    "  WHERE status = 'running' AND lease_until < ?1 LIMIT ?3" lock ") AS expired "                \
    "  UNION ALL SELECT id FROM (SELECT id FROM executions "                                       \
    "  WHERE status = 'queued' AND run_at <= ?1 ORDER BY run_at LIMIT ?3" lock ") AS due "         \
    "  LIMIT ?3) "                                                                                 \
    "RETURNING id, env_id, installation_id, workflow_id, user_id, version, event_id, "             \
    "attempt, state, created_at, "                                                                 \
    "(SELECT payload FROM run_events WHERE id = event_id), "                                       \
    "(SELECT config FROM installations WHERE id = installation_id), "                              \
    "(SELECT username FROM users WHERE id = user_id), "                                            \
    "(SELECT full_name FROM users WHERE id = user_id)"

int store_claim(struct store *s, int64_t now, int64_t lease_ms, int limit, const char *owner,
                struct claimed_execution_list *out)
{
    int rc =
        store_rows_list(s,
                        STORE_SQL(s, CLAIM(""),
                                  /* Rows another node is claiming are skipped, not waited for. */
                                  CLAIM(" FOR UPDATE SKIP LOCKED")),
                        claimed_fill, sizeof *out->items, &out->items, &out->n, "iiis", now,
                        lease_ms, (int64_t)limit, owner);
    if (rc != STORE_OK)
        store_claimed_execution_list_free(out);
    return rc;
}

int store_leases_renew(struct store *s, const char *owner, int64_t lease_until)
{
    /* On PostgreSQL a row another transaction holds is skipped, not waited for: it is this
     * process's recorder writing the outcome (which ends the lease) or a node taking an expired
     * lease over. Waiting on the recorder, whose group locks its rows in another order, deadlocked
     * the two until the server broke it, which rolled back a group of outcomes or let leases run
     * out, and either way ran the executions again. */
    int rc = store_query(s,
                         STORE_SQL(s,
                                   "UPDATE executions SET lease_until = ?2 "
                                   "WHERE status = 'running' AND lease_owner = ?1",
                                   "UPDATE executions SET lease_until = ?2 WHERE id IN (SELECT id "
                                   "FROM executions WHERE status = 'running' AND lease_owner = ?1 "
                                   "FOR UPDATE SKIP LOCKED)"),
                         NULL, "si", owner, lease_until);
    return rc == STORE_OK ? store_changes(s) : rc;
}

int store_lease_renew(struct store *s, const char *id, int attempt, int64_t lease_until)
{
    return store_changed(s, store_query(s,
                                        "UPDATE executions SET lease_until = ?3 WHERE id = ?1 "
                                        "AND attempt = ?2 AND status = 'running'",
                                        NULL, "sii", id, (int64_t)attempt, lease_until));
}

int store_lease_release(struct store *s, const char *id, int attempt)
{
    return store_changed(s, store_query(s,
                                        "UPDATE executions SET lease_owner = NULL WHERE id = ?1 "
                                        "AND attempt = ?2 AND status = 'running'",
                                        NULL, "si", id, (int64_t)attempt));
}

int store_requeue_orphans(struct store *s)
{
    int rc = store_query(s,
                         "UPDATE executions SET status = 'queued', lease_until = NULL, "
                         "lease_owner = NULL WHERE status = 'running'",
                         NULL, "");
    return rc == STORE_OK ? store_changes(s) : rc;
}

/* Every write of a run's outcome is fenced by the claim it ran under: the execution must still be
 * running with the attempt number that claim gave it, or the write changes nothing. */

int store_execution_finish(struct store *s, const char *id, int attempt, const char *status,
                           const char *error, const char *error_block, const cJSON *state)
{
    return store_changed(
        s, store_query(s,
                       "UPDATE executions SET status = ?2, error = ?3, error_block = ?4, state = "
                       "coalesce(?5, '{}'), lease_until = NULL, lease_owner = NULL, "
                       "finished_at = ?6 WHERE id = ?1 AND attempt = ?7 AND status = 'running'",
                       NULL, "ssssjii", id, status, error, error_block, state, store_now(),
                       (int64_t)attempt));
}

int store_execution_requeue(struct store *s, const char *id, int attempt, int64_t run_at,
                            const cJSON *state, const char *error, const char *error_block)
{
    return store_changed(
        s, store_query(s,
                       "UPDATE executions SET status = 'queued', run_at = ?2, state = ?3, "
                       "error = ?4, error_block = ?5, lease_until = NULL, lease_owner = NULL "
                       "WHERE id = ?1 AND attempt = ?6 AND status = 'running'",
                       NULL, "sijssi", id, run_at, state, error, error_block, (int64_t)attempt));
}

int store_step_insert(struct store *s, const char *execution_id, int seq, const char *block_id,
                      const char *block_type, const char *block_name, const char *step_key,
                      const char *status, int attempt, int64_t started, int64_t stopped,
                      const cJSON *inputs, const cJSON *output, const char *error)
{
    return store_changed(
        s, store_query(s,
                       "INSERT INTO execution_steps(execution_id, seq, block_id, block_type, "
                       "block_name, step_key, status, attempt, started_at, stopped_at, inputs, "
                       "output, error) SELECT ?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13 "
                       "WHERE EXISTS (SELECT 1 FROM executions WHERE id = ?1 AND attempt = ?8 "
                       "AND status = 'running')",
                       NULL, "sisssssiiijjs", execution_id, (int64_t)seq, block_id, block_type,
                       block_name, step_key, status, (int64_t)attempt, started, stopped, inputs,
                       output, error));
}

/* One row of execution_errors; kind is 'execution' or 'subscription' (of_id names which). */
static int error_insert(struct store *s, const char *kind, const char *env, const char *of_id,
                        const char *workflow_id, const char *installation_id, const char *user_id,
                        const char *block, const char *message)
{
    char id[ID_LEN + 1];
    if (id_new(id) != 0)
        return STORE_ERROR;
    return store_query(s,
                       "INSERT INTO execution_errors(id, env_id, execution_id, workflow_id, "
                       "installation_id, user_id, block, message, created_at, kind) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                       NULL, "ssssssssis", id, env, of_id, workflow_id, installation_id, user_id,
                       block, message, store_now(), kind);
}

int store_error_insert(struct store *s, const char *env, const char *execution_id,
                       const char *workflow_id, const char *installation_id, const char *user_id,
                       const char *block, const char *message)
{
    return error_insert(s, "execution", env, execution_id, workflow_id, installation_id, user_id,
                        block, message);
}

int store_error_insert_subscription(struct store *s, const char *env, const char *subscription_id,
                                    const char *workflow_id, const char *installation_id,
                                    const char *user_id, const char *block, const char *message)
{
    return error_insert(s, "subscription", env, subscription_id, workflow_id, installation_id,
                        user_id, block, message);
}

static void execution_error_free(void *item)
{
    struct execution_error *e = item;
    free(e->block);
    free(e->message);
    free(e->url);
    free(e->secret);
    free(e->event_bridge);
    memset(e, 0, sizeof *e);
}

void store_execution_error_clear(struct execution_error *e)
{
    execution_error_free(e);
}

void store_execution_error_list_free(struct execution_error_list *list)
{
    store_items_free(&list->items, &list->n, sizeof *list->items, execution_error_free);
}

/* The columns both error lists start with: kind, workflow, execution (or subscription),
 * installation, user, block, message, created_at. */
static void execution_error_fill(const struct store_row *st, void *item)
{
    struct execution_error *e = item;
    store_column_copy(st, 0, e->kind, sizeof e->kind);
    store_column_copy(st, 1, e->workflow_id, sizeof e->workflow_id);
    store_column_copy(st, 2, e->execution_id, sizeof e->execution_id);
    store_column_copy(st, 3, e->installation_id, sizeof e->installation_id);
    store_column_copy(st, 4, e->user_id, sizeof e->user_id);
    e->block = store_column_strdup(st, 5);
    e->message = store_column_strdup(st, 6);
    e->created_at = store_col_int64(st, 7);
}

/* The common columns, then the error's id and environment and that environment's stream. */
static void unstreamed_error_fill(const struct store_row *st, void *item)
{
    struct execution_error *e = item;
    execution_error_fill(st, e);
    store_column_copy(st, 8, e->id, sizeof e->id);
    store_column_copy(st, 9, e->env_id, sizeof e->env_id);
    e->url = store_column_strdup(st, 10);
    e->secret = store_column_strdup(st, 11);
    e->event_bridge = store_column_strdup(st, 12);
}

int store_errors_unstreamed(struct store *s, int limit, struct execution_error_list *out)
{
    int rc = store_rows_list(
        s,
        "SELECT e.kind, e.workflow_id, e.execution_id, e.installation_id, e.user_id, e.block, "
        "e.message, e.created_at, e.id, e.env_id, st.error_webhook_url, st.error_webhook_secret, "
        "st.error_eventbridge "
        "FROM execution_errors e LEFT JOIN settings st ON st.env_id = e.env_id "
        "WHERE e.streamed = 0 ORDER BY e.created_at LIMIT ?1",
        unstreamed_error_fill, sizeof *out->items, &out->items, &out->n, "i", (int64_t)limit);
    if (rc != STORE_OK)
        store_execution_error_list_free(out);
    return rc;
}

int store_error_mark_streamed(struct store *s, const char *id)
{
    return store_query(s, "UPDATE execution_errors SET streamed = 1 WHERE id = ?1", NULL, "s", id);
}

#define EXECUTION_COLUMNS                                                                          \
    "SELECT id, installation_id, workflow_id, user_id, version, event_id, status, attempt, "       \
    "error, error_block, created_at, started_at, finished_at FROM executions "

static void execution_free(void *item)
{
    struct execution *x = item;
    free(x->error);
    free(x->error_block);
    memset(x, 0, sizeof *x);
}

void store_execution_clear(struct execution *x)
{
    execution_free(x);
}

void store_execution_list_free(struct execution_list *list)
{
    store_items_free(&list->items, &list->n, sizeof *list->items, execution_free);
}

static void execution_fill(const struct store_row *st, void *item)
{
    struct execution *x = item;
    store_column_copy(st, 0, x->id, sizeof x->id);
    store_column_copy(st, 1, x->installation_id, sizeof x->installation_id);
    store_column_copy(st, 2, x->workflow_id, sizeof x->workflow_id);
    store_column_copy(st, 3, x->user_id, sizeof x->user_id);
    x->version = store_col_int(st, 4);
    store_column_copy(st, 5, x->event_id, sizeof x->event_id);
    store_column_copy(st, 6, x->status, sizeof x->status);
    x->attempt = store_col_int(st, 7);
    x->error = store_column_strdup(st, 8);
    x->error_block = store_column_strdup(st, 9);
    x->created_at = store_col_int64(st, 10);
    x->started_at = store_col_int64(st, 11);
    x->finished_at = store_col_int64(st, 12);
}

/* One page of a workflow's executions in the order given; those created in the same millisecond
 * by insertion order (SQLite's rowid, seq on PostgreSQL). */
#define EXECUTIONS_OF_WORKFLOW(order)                                                              \
    EXECUTION_COLUMNS "WHERE workflow_id = ?1 AND (?2 IS NULL OR user_id = ?2)"                    \
                      " AND (?3 = 0 OR status = 'error') ORDER BY " order " LIMIT ?4 OFFSET ?5"

int store_executions_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                                 bool errors_only, bool ascending, int offset, int limit,
                                 struct execution_list *out)
{
    int rc;
    if (ascending)
        rc = store_rows_list(s,
                             STORE_SQL(s, EXECUTIONS_OF_WORKFLOW("created_at, rowid"),
                                       EXECUTIONS_OF_WORKFLOW("created_at, seq")),
                             execution_fill, sizeof *out->items, &out->items, &out->n, "ssiii",
                             workflow_id, user_id, (int64_t)errors_only, (int64_t)limit,
                             (int64_t)offset);
    else
        rc = store_rows_list(s,
                             STORE_SQL(s, EXECUTIONS_OF_WORKFLOW("created_at DESC, rowid DESC"),
                                       EXECUTIONS_OF_WORKFLOW("created_at DESC, seq DESC")),
                             execution_fill, sizeof *out->items, &out->items, &out->n, "ssiii",
                             workflow_id, user_id, (int64_t)errors_only, (int64_t)limit,
                             (int64_t)offset);
    if (rc != STORE_OK)
        store_execution_list_free(out);
    return rc;
}

int store_execution_find(struct store *s, const char *id, struct execution *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s, EXECUTION_COLUMNS "WHERE id = ?1", execution_fill, out, "s", id);
}

static void execution_step_free(void *item)
{
    struct execution_step *step = item;
    free(step->block_id);
    free(step->block_type);
    free(step->block_name);
    free(step->step_key);
    free(step->status);
    cJSON_Delete(step->inputs);
    cJSON_Delete(step->output);
    free(step->error);
}

void store_execution_step_list_free(struct execution_step_list *list)
{
    store_items_free(&list->items, &list->n, sizeof *list->items, execution_step_free);
}

/* A document's length in bytes, -1 for SQL NULL (no document). */
static int64_t column_bytes(const struct store_row *st, int col)
{
    return store_col_null(st, col) ? -1 : store_col_int64(st, col);
}

static void step_fill(const struct store_row *st, void *item)
{
    struct execution_step *step = item;
    step->seq = store_col_int(st, 0);
    step->block_id = store_column_strdup(st, 1);
    step->block_type = store_column_strdup(st, 2);
    step->block_name = store_column_strdup(st, 3);
    step->step_key = store_column_strdup(st, 4);
    step->status = store_column_strdup(st, 5);
    step->attempt = store_col_int(st, 6);
    step->started_at = store_col_int64(st, 7);
    step->stopped_at = store_col_int64(st, 8);
    step->inputs = store_column_json(st, 9);
    step->inputs_bytes = column_bytes(st, 10);
    step->output = store_column_json(st, 11);
    step->output_bytes = column_bytes(st, 12);
    step->error = store_column_strdup(st, 13);
}

/* An execution's steps, with inputs and output left out (NULL) beyond ?2 bytes; in_bytes and
 * out_bytes measure them in the backend's SQL. */
#define STEPS_OF_EXECUTION(in_bytes, out_bytes)                                                    \
    "SELECT seq, block_id, block_type, block_name, step_key, status, attempt, started_at, "        \
    "stopped_at, CASE WHEN " in_bytes " <= ?2 THEN inputs END, " in_bytes ", "                     \
    "CASE WHEN " out_bytes " <= ?2 THEN output END, " out_bytes ", error "                         \
    "FROM execution_steps WHERE execution_id = ?1 ORDER BY seq LIMIT ?3"

int store_steps_of_execution(struct store *s, const char *execution_id, int64_t max_bytes,
                             int limit, struct execution_step_list *out)
{
    int rc = store_rows_list(
        s,
        STORE_SQL(
            s, STEPS_OF_EXECUTION("length(CAST(inputs AS BLOB))", "length(CAST(output AS BLOB))"),
            STEPS_OF_EXECUTION("octet_length(inputs)", "octet_length(output)")),
        step_fill, sizeof *out->items, &out->items, &out->n, "sii", execution_id, max_bytes,
        (int64_t)limit);
    if (rc != STORE_OK)
        store_execution_step_list_free(out);
    return rc;
}

/* Executions waiting for (or running) their next attempt after a failed one, as entries of the
 * error list: when the failing step stopped, and when the next attempt runs. Each reads its
 * status's partial index, so the cost follows the queue, not the workflow's history: SQLite is told
 * so (indexed_by), PostgreSQL's planner finds it. */
#define RETRYING_EXECUTIONS(status, indexed_by, next_at)                                           \
    "SELECT 'execution', x.workflow_id, x.id, x.installation_id, x.user_id, x.error_block, "       \
    "x.error, coalesce((SELECT max(stopped_at) FROM execution_steps WHERE execution_id = x.id), "  \
    "x.started_at, x.created_at), 'retrying', " next_at                                            \
    ", x.attempt FROM executions x " indexed_by "WHERE x.status = '" status                        \
    "' AND x.error IS NOT NULL "                                                                   \
    "AND x.workflow_id = ?1 AND (?2 IS NULL OR x.user_id = ?2) "

/* The common columns, then the error's status, when the next attempt runs and the attempt that
 * failed (both SQL NULL when unknown). */
static void workflow_error_fill(const struct store_row *st, void *item)
{
    struct execution_error *e = item;
    execution_error_fill(st, e);
    store_column_copy(st, 8, e->status, sizeof e->status);
    e->next_attempt_at = store_col_int64(st, 9);
    e->has_attempt = !store_col_null(st, 10);
    e->attempt = store_col_int(st, 10);
}

/* A workflow's error list: errors recorded, newest first, and executions retrying. */
#define WORKFLOW_ERRORS(queued_index, running_index)                                               \
    "SELECT e.kind, e.workflow_id AS workflowId, e.execution_id AS executionId, "                  \
    "e.installation_id AS installationId, e.user_id AS userId, e.block, e.message, "               \
    "e.created_at AS createdAt, " /* A subscription's latest error is retried while it lasts; an   \
                                     earlier one was resolved. */                                  \
    "CASE WHEN e.kind != 'subscription' OR a.id IS NULL THEN 'failed' "                            \
    "  WHEN EXISTS (SELECT 1 FROM execution_errors n WHERE n.kind = 'subscription' "               \
    "    AND n.execution_id = e.execution_id AND n.created_at > e.created_at) "                    \
    "    OR a.state = 'active' THEN 'resolved' "                                                   \
    "  WHEN a.retry_at IS NOT NULL THEN 'retrying' ELSE 'failed' END AS status, "                  \
    "CASE WHEN a.state = 'error' THEN a.retry_at END AS nextAttemptAt, "                           \
    "CASE WHEN a.state = 'error' THEN a.attempts END AS attempt "                                  \
    "FROM execution_errors e LEFT JOIN app_subscriptions a "                                       \
    "ON e.kind = 'subscription' AND a.id = e.execution_id "                                        \
    "WHERE e.workflow_id = ?1 AND (?2 IS NULL OR e.user_id = ?2) "                                 \
    "UNION ALL " RETRYING_EXECUTIONS(                                                              \
        "queued", queued_index,                                                                    \
        "x.run_at") "UNION ALL " RETRYING_EXECUTIONS("running", running_index,                     \
                                                     "NULL") "ORDER BY createdAt DESC LIMIT 1000"

int store_errors_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                             struct execution_error_list *out)
{
    int rc = store_rows_list(
        s,
        STORE_SQL(s, WORKFLOW_ERRORS("INDEXED BY executions_due ", "INDEXED BY executions_leased "),
                  WORKFLOW_ERRORS("", "")),
        workflow_error_fill, sizeof *out->items, &out->items, &out->n, "ss", workflow_id, user_id);
    if (rc != STORE_OK)
        store_execution_error_list_free(out);
    return rc;
}

static void counts_fill(const struct store_row *st, void *item)
{
    struct workflow_counts *c = item;
    c->runs = store_col_int64(st, 0);
    c->errors = store_col_int64(st, 1);
    c->app_actions = store_col_int64(st, 2);
}

int store_workflow_counts(struct store *s, const char *workflow_id, struct workflow_counts *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(
        s,
        "SELECT (SELECT count(*) FROM executions WHERE workflow_id = ?1), "
        "(SELECT count(*) FROM execution_errors WHERE workflow_id = ?1), "
        "(SELECT count(*) FROM execution_steps st JOIN executions x ON x.id = st.execution_id "
        " WHERE x.workflow_id = ?1 AND st.block_type IN ('http', 'streamData', 'appAction'))",
        counts_fill, out, "s", workflow_id);
}

/* Queued and running counts into the int64_t[2] at item. */
static void depth_fill(const struct store_row *st, void *item)
{
    int64_t *depth = item;
    depth[0] = store_col_int64(st, 0);
    depth[1] = store_col_int64(st, 1);
}

int store_queue_depth(struct store *s, int64_t *queued, int64_t *running)
{
    *queued = *running = 0;
    int64_t depth[2] = {0, 0};
    int rc = store_rows_one(s,
                            "SELECT (SELECT count(*) FROM executions WHERE status = 'queued'), "
                            "(SELECT count(*) FROM executions WHERE status = 'running')",
                            depth_fill, depth, "");
    *queued = depth[0];
    *running = depth[1];
    return rc == STORE_NOT_FOUND ? STORE_ERROR : rc;
}

void store_run_event_clear(struct run_event *ev)
{
    free(ev->name);
    cJSON_Delete(ev->payload);
    memset(ev, 0, sizeof *ev);
}

static void run_event_fill(const struct store_row *st, void *item)
{
    struct run_event *ev = item;
    ev->name = store_column_strdup(st, 0);
    ev->payload = store_column_json(st, 1);
    ev->created_at = store_col_int64(st, 2);
}

int store_event_payload(struct store *s, const char *event_id, struct run_event *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s, "SELECT name, payload, created_at FROM run_events WHERE id = ?1",
                          run_event_fill, out, "s", event_id);
}

int store_user_logs_delete(struct store *s, const char *user_id)
{
    if (store_begin(s) != STORE_OK)
        return STORE_ERROR;
    int rc = store_query(s,
                         "DELETE FROM execution_steps WHERE execution_id IN "
                         "(SELECT id FROM executions WHERE user_id = ?1)",
                         NULL, "s", user_id);
    if (rc == STORE_OK)
        rc = store_query(s, "DELETE FROM executions WHERE user_id = ?1", NULL, "s", user_id);
    if (rc == STORE_OK)
        rc = store_query(s, "DELETE FROM execution_errors WHERE user_id = ?1", NULL, "s", user_id);
    if (rc == STORE_OK)
        rc = store_query(s, "DELETE FROM run_events WHERE user_id = ?1", NULL, "s", user_id);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK) {
        store_rollback(s);
        return rc;
    }
    /* The freed pages were zeroed (secure_delete); fold the WAL back so no copy survives there. */
    store_fold_log(s);
    return STORE_OK;
}

int store_purge_before(struct store *s, const char *env, int64_t cutoff)
{
    int rc = store_query(s,
                         "DELETE FROM execution_steps WHERE execution_id IN (SELECT id FROM "
                         "executions WHERE env_id = ?1 AND finished_at < ?2)",
                         NULL, "si", env, cutoff);
    if (rc != STORE_OK)
        return rc;
    rc = store_query(s, "DELETE FROM executions WHERE env_id = ?1 AND finished_at < ?2", NULL, "si",
                     env, cutoff);
    int removed = store_changes(s);
    if (rc == STORE_OK)
        rc = store_query(s, "DELETE FROM execution_errors WHERE env_id = ?1 AND created_at < ?2",
                         NULL, "si", env, cutoff);
    if (rc == STORE_OK)
        rc =
            store_query(s,
                        "DELETE FROM run_events WHERE env_id = ?1 AND created_at < ?2 AND id NOT IN"
                        " (SELECT event_id FROM executions WHERE event_id IS NOT NULL)",
                        NULL, "si", env, cutoff);
    return rc == STORE_OK ? removed : rc;
}
