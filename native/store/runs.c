/* Store: installations, install sessions, accepted events, executions, steps and errors. */
#include "store/runs.h"
#include "store/catalog.h"
#include "store/store_internal.h"

#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A new id in SQL: 4-byte big-endian seconds then 8 random bytes, as util/id.c makes them. */
#define SQL_NEW_ID "printf('%08x', unixepoch()) || lower(hex(randomblob(8)))"

/* Reading a store_query row into a struct: text into a fixed buffer ("" when NULL), a malloc'd
 * copy (NULL when NULL), a number (0 when NULL), and a parsed JSON column taken over. */
static void row_copy(const cJSON *row, const char *key, char *dst, size_t cap)
{
    const char *v = json_get_str(row, key);
    snprintf(dst, cap, "%s", v ? v : "");
}

static char *row_strdup(const cJSON *row, const char *key)
{
    const char *v = json_get_str(row, key);
    return v ? strdup(v) : NULL;
}

static int64_t row_int(const cJSON *row, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static cJSON *row_take(cJSON *row, const char *key)
{
    return cJSON_DetachItemFromObjectCaseSensitive(row, key);
}

/* Turns the rows of store_query (consumed) into an array of *n items of size bytes, each filled
 * by fill. *rc is store_query's result, and becomes STORE_ERROR when out of memory. */
static void *rows_to_list(int *rc, cJSON *rows, size_t size, void (*fill)(cJSON *row, void *item),
                          size_t *n)
{
    *n = 0;
    size_t count = *rc == STORE_OK ? (size_t)cJSON_GetArraySize(rows) : 0;
    char *list = count ? calloc(count, size) : NULL;
    if (count && !list)
        *rc = STORE_ERROR;
    if (list) {
        size_t i = 0;
        cJSON *row;
        cJSON_ArrayForEach(row, rows) fill(row, list + size * i++);
        *n = count;
    }
    cJSON_Delete(rows);
    return list;
}

/* The single row of store_query (consumed) into *item by fill: STORE_NOT_FOUND without one. */
static int row_to_item(int rc, cJSON *rows, void (*fill)(cJSON *row, void *item), void *item)
{
    cJSON *row = NULL;
    rc = store_one_row(rc, rows, &row);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
    if (row)
        fill(row, item);
    cJSON_Delete(row);
    return rc;
}

int store_installation_upsert(struct store *s, const char *env, const char *workflow_id,
                              const char *user_id, const char *integration_id, int version,
                              const cJSON *config, const char *trigger_type,
                              const char *trigger_event, char id[ID_LEN + 1])
{
    char fresh[ID_LEN + 1];
    if (id_new(fresh) != 0)
        return STORE_ERROR;
    cJSON *rows;
    int rc =
        store_query(s,
                    "INSERT INTO installations(id, env_id, workflow_id, user_id, integration_id,"
                    " version, active, config, trigger_type, trigger_event, installed_at,"
                    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?10) "
                    "ON CONFLICT(workflow_id, user_id) DO UPDATE SET version = ?6, active = 1,"
                    " config = ?7, trigger_type = ?8, trigger_event = ?9, updated_at = ?10 "
                    "RETURNING id",
                    &rows, "sssssijssi", fresh, env, workflow_id, user_id, integration_id,
                    (int64_t)version, config, trigger_type, trigger_event, store_now());
    cJSON *row = rc == STORE_OK ? store_first_row(rows) : NULL;
    if (rc == STORE_OK && !row)
        rc = STORE_ERROR;
    if (row)
        snprintf(id, ID_LEN + 1, "%s", json_get_str(row, "id"));
    cJSON_Delete(row);
    return rc;
}

int store_installation_set_credentials(struct store *s, const char *id, const cJSON *credential_ids)
{
    return store_query(s, "UPDATE installations SET credential_ids = ?2 WHERE id = ?1", NULL, "sj",
                       id, credential_ids);
}

#define INSTALLATION_COLUMNS                                                                       \
    "SELECT i.id AS installationId, i.workflow_id AS workflowId, i.user_id AS userId, "            \
    "i.integration_id AS integrationId, i.version, i.active, i.config AS config_json, "            \
    "i.trigger_type AS triggerType, i.trigger_event AS triggerEvent, "                             \
    "i.installed_at AS installedAt, i.updated_at AS updatedAt, "                                   \
    "i.credential_ids AS credentialIds_json"

void store_installation_clear(struct installation *inst)
{
    cJSON_Delete(inst->config);
    cJSON_Delete(inst->credential_ids);
    free(inst->trigger_type);
    free(inst->trigger_event);
    free(inst->username);
    free(inst->full_name);
    memset(inst, 0, sizeof *inst);
}

void store_installation_list_free(struct installation_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        store_installation_clear(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static void installation_fill(cJSON *row, void *item)
{
    struct installation *inst = item;
    row_copy(row, "installationId", inst->id, sizeof inst->id);
    row_copy(row, "workflowId", inst->workflow_id, sizeof inst->workflow_id);
    row_copy(row, "userId", inst->user_id, sizeof inst->user_id);
    row_copy(row, "integrationId", inst->integration_id, sizeof inst->integration_id);
    inst->version = (int)row_int(row, "version");
    inst->active = row_int(row, "active") != 0;
    inst->config = row_take(row, "config");
    if (!inst->config)
        inst->config = cJSON_CreateObject();
    inst->trigger_type = row_strdup(row, "triggerType");
    inst->trigger_event = row_strdup(row, "triggerEvent");
    inst->credential_ids = row_take(row, "credentialIds");
    inst->installed_at = row_int(row, "installedAt");
    inst->updated_at = row_int(row, "updatedAt");
    inst->username = row_strdup(row, "username");
    inst->full_name = row_strdup(row, "fullName");
}

int store_installation_find(struct store *s, const char *workflow_id, const char *user_id,
                            struct installation *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc = store_query(s,
                         INSTALLATION_COLUMNS " FROM installations i "
                                              "WHERE i.workflow_id = ?1 AND i.user_id = ?2",
                         &rows, "ss", workflow_id, user_id);
    return row_to_item(rc, rows, installation_fill, out);
}

int store_installations_of_workflow(struct store *s, const char *workflow_id,
                                    struct installation_list *out)
{
    cJSON *rows;
    int rc =
        store_query(s,
                    INSTALLATION_COLUMNS ", u.username, u.full_name AS fullName "
                                         "FROM installations i JOIN users u ON u.id = i.user_id "
                                         "WHERE i.workflow_id = ?1 ORDER BY i.installed_at, i.id",
                    &rows, "s", workflow_id);
    out->items = rows_to_list(&rc, rows, sizeof *out->items, installation_fill, &out->n);
    return rc;
}

int store_installations_of_env(struct store *s, const char *env, struct installation_list *out)
{
    cJSON *rows;
    int rc =
        store_query(s,
                    INSTALLATION_COLUMNS " FROM installations i WHERE i.env_id = ?1 "
                                         "ORDER BY i.user_id, i.integration_id, i.installed_at",
                    &rows, "s", env);
    out->items = rows_to_list(&rc, rows, sizeof *out->items, installation_fill, &out->n);
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

static void install_session_fill(cJSON *row, void *item)
{
    struct install_session *session = item;
    row_copy(row, "installationId", session->id, sizeof session->id);
    row_copy(row, "userId", session->user_id, sizeof session->user_id);
    row_copy(row, "integrationId", session->integration_id, sizeof session->integration_id);
    session->workflow_ids = row_take(row, "workflowIds");
    if (!session->workflow_ids)
        session->workflow_ids = cJSON_CreateArray();
    session->versions = row_take(row, "versions");
    session->credential_ids = row_take(row, "credentialIds");
    row_copy(row, "state", session->state, sizeof session->state);
    session->created_at = row_int(row, "createdAt");
}

int store_install_session_find(struct store *s, const char *env, const char *id,
                               struct install_session *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT id AS installationId, user_id AS userId, "
                    "integration_id AS integrationId, workflow_ids AS workflowIds_json, "
                    "versions AS versions_json, credential_ids AS credentialIds_json, state, "
                    "created_at AS createdAt FROM install_sessions WHERE env_id = ?1 AND id = ?2",
                    &rows, "ss", env, id);
    return row_to_item(rc, rows, install_session_fill, out);
}

int store_install_session_complete(struct store *s, const char *id)
{
    return store_changed(
        s, store_query(s, "UPDATE install_sessions SET state = 'complete' WHERE id = ?1", NULL, "s",
                       id));
}

bool store_token_used(struct store *s, const char *jti)
{
    cJSON *rows = NULL;
    bool used = store_query(s, "SELECT 1 AS used FROM used_tokens WHERE jti = ?1", &rows, "s",
                            jti) != STORE_OK ||
                cJSON_GetArraySize(rows) > 0;
    cJSON_Delete(rows);
    return used;
}

int store_token_use(struct store *s, const char *jti, int64_t expires_at)
{
    store_query(s, "DELETE FROM used_tokens WHERE expires_at < ?1", NULL, "i", store_now() / 1000);
    return store_query(s, "INSERT OR IGNORE INTO used_tokens(jti, expires_at) VALUES (?1, ?2)",
                       NULL, "si", jti, expires_at);
}

void store_execution_ids_free(struct execution_ids *ids)
{
    free(ids->ids);
    ids->ids = NULL;
    ids->n = 0;
}

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
    cJSON *rows;
    rc = store_query(s,
                     "INSERT INTO executions(id, env_id, installation_id, workflow_id, user_id, "
                     "version, event_id, status, attempt, run_at, state, created_at) "
                     "SELECT " SQL_NEW_ID ", i.env_id, i.id, i.workflow_id, i.user_id, i.version, "
                     "?4, 'queued', 0, ?5, '{}', ?5 FROM installations i "
                     "WHERE i.user_id = ?1 AND i.active = 1 AND i.trigger_type = ?2 "
                     "AND (?3 IS NULL OR i.trigger_event = ?3) "
                     "AND (?6 IS NULL OR i.workflow_id = ?6) RETURNING id",
                     &rows, "ssssis", user_id, trigger_type, trigger_event, event_id, now,
                     workflow_id);
    if (rc != STORE_OK)
        return rc;
    size_t n = (size_t)cJSON_GetArraySize(rows);
    executions->ids = n ? malloc(n * sizeof *executions->ids) : NULL;
    if (n && !executions->ids) {
        cJSON_Delete(rows);
        return STORE_ERROR;
    }
    const cJSON *r;
    cJSON_ArrayForEach(r, rows) row_copy(r, "id", executions->ids[executions->n++], ID_LEN + 1);
    cJSON_Delete(rows);
    return STORE_OK;
}

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
        rc =
            store_query(s,
                        "INSERT INTO executions(id, env_id, installation_id, workflow_id, user_id, "
                        "version, event_id, status, attempt, run_at, state, created_at) "
                        "SELECT ?1, env_id, id, workflow_id, user_id, version, ?2, 'queued', 0, "
                        "?3, '{}', ?3 FROM installations WHERE id = ?4",
                        NULL, "ssis", exec_id, event_id, now, installation_id);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK)
        store_rollback(s);
    return rc;
}

static void schedule_fill(cJSON *row, void *item)
{
    struct schedule_due *d = item;
    row_copy(row, "installationId", d->installation_id, sizeof d->installation_id);
    row_copy(row, "workflowId", d->workflow_id, sizeof d->workflow_id);
    row_copy(row, "envId", d->env_id, sizeof d->env_id);
    row_copy(row, "userId", d->user_id, sizeof d->user_id);
    d->version = (int)row_int(row, "version");
    d->next_run_at = row_int(row, "nextRunAt");
}

int store_schedules_due(struct store *s, int64_t now, int limit, struct schedule_due **items,
                        size_t *n)
{
    cJSON *rows;
    int rc = store_query(s,
                         "SELECT id AS installationId, workflow_id AS workflowId, version, "
                         "env_id AS envId, user_id AS userId, next_run_at AS nextRunAt "
                         "FROM installations WHERE trigger_type = 'schedule' AND active = 1 "
                         "AND (next_run_at IS NULL OR next_run_at <= ?1) LIMIT ?2",
                         &rows, "ii", now, (int64_t)limit);
    *items = rows_to_list(&rc, rows, sizeof **items, schedule_fill, n);
    return rc;
}

int store_schedule_set(struct store *s, const char *installation_id, int64_t next_run_at)
{
    return store_query(s, "UPDATE installations SET next_run_at = ?2 WHERE id = ?1", NULL, "si",
                       installation_id, next_run_at);
}

void store_claimed_execution_list_free(struct claimed_execution_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        struct claimed_execution *x = &list->items[i];
        cJSON_Delete(x->state);
        cJSON_Delete(x->event_payload);
        cJSON_Delete(x->install_config);
        free(x->username);
        free(x->full_name);
    }
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static void claimed_fill(cJSON *row, void *item)
{
    struct claimed_execution *x = item;
    row_copy(row, "id", x->id, sizeof x->id);
    row_copy(row, "envId", x->env_id, sizeof x->env_id);
    row_copy(row, "installationId", x->installation_id, sizeof x->installation_id);
    row_copy(row, "workflowId", x->workflow_id, sizeof x->workflow_id);
    row_copy(row, "userId", x->user_id, sizeof x->user_id);
    row_copy(row, "eventId", x->event_id, sizeof x->event_id);
    x->version = (int)row_int(row, "version");
    x->attempt = (int)row_int(row, "attempt");
    x->state = row_take(row, "state");
    if (!x->state)
        x->state = cJSON_CreateObject();
    x->created_at = row_int(row, "createdAt");
    x->event_payload = row_take(row, "eventPayload");
    x->install_config = row_take(row, "installConfig");
    x->username = row_strdup(row, "username");
    x->full_name = row_strdup(row, "fullName");
}

int store_claim(struct store *s, int64_t now, int64_t lease_ms, int limit, const char *owner,
                struct claimed_execution_list *out)
{
    cJSON *rows;
    int rc = store_query(
        s,
        "UPDATE executions SET status = 'running', lease_until = ?1 + ?2, lease_owner = ?4, "
        "attempt = attempt + 1, started_at = coalesce(started_at, ?1) "
        /* Expired leases first: work a stalled or dead process held waits no longer for the
         * backlog queued after it. */
        "WHERE id IN (SELECT id FROM (SELECT id FROM executions "
        "  WHERE status = 'running' AND lease_until < ?1 LIMIT ?3) "
        "  UNION ALL SELECT id FROM (SELECT id FROM executions "
        "  WHERE status = 'queued' AND run_at <= ?1 ORDER BY run_at LIMIT ?3) LIMIT ?3) "
        "RETURNING id, env_id AS envId, installation_id AS installationId, "
        "workflow_id AS workflowId, user_id AS userId, version, event_id AS eventId, "
        "attempt, state AS state_json, created_at AS createdAt, "
        /* What the run reads, fetched here rather than by three queries per execution. */
        "(SELECT payload FROM run_events WHERE id = event_id) AS eventPayload_json, "
        "(SELECT config FROM installations WHERE id = installation_id) AS installConfig_json, "
        "(SELECT username FROM users WHERE id = user_id) AS username, "
        "(SELECT full_name FROM users WHERE id = user_id) AS fullName",
        &rows, "iiis", now, lease_ms, (int64_t)limit, owner);
    out->items = rows_to_list(&rc, rows, sizeof *out->items, claimed_fill, &out->n);
    return rc;
}

int store_leases_renew(struct store *s, const char *owner, int64_t lease_until)
{
    int rc = store_query(s,
                         "UPDATE executions SET lease_until = ?2 "
                         "WHERE status = 'running' AND lease_owner = ?1",
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

void store_execution_error_clear(struct execution_error *e)
{
    free(e->block);
    free(e->message);
    free(e->url);
    free(e->secret);
    free(e->event_bridge);
    memset(e, 0, sizeof *e);
}

void store_execution_error_list_free(struct execution_error_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        store_execution_error_clear(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static void execution_error_fill(cJSON *row, void *item)
{
    struct execution_error *e = item;
    row_copy(row, "id", e->id, sizeof e->id);
    row_copy(row, "envId", e->env_id, sizeof e->env_id);
    row_copy(row, "kind", e->kind, sizeof e->kind);
    row_copy(row, "executionId", e->execution_id, sizeof e->execution_id);
    row_copy(row, "workflowId", e->workflow_id, sizeof e->workflow_id);
    row_copy(row, "installationId", e->installation_id, sizeof e->installation_id);
    row_copy(row, "userId", e->user_id, sizeof e->user_id);
    e->block = row_strdup(row, "block");
    e->message = row_strdup(row, "message");
    e->created_at = row_int(row, "createdAt");
    row_copy(row, "status", e->status, sizeof e->status);
    e->next_attempt_at = row_int(row, "nextAttemptAt");
    e->has_attempt = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(row, "attempt"));
    e->attempt = (int)row_int(row, "attempt");
    e->url = row_strdup(row, "url");
    e->secret = row_strdup(row, "secret");
    e->event_bridge = row_strdup(row, "eventBridge");
}

int store_errors_unstreamed(struct store *s, int limit, struct execution_error_list *out)
{
    cJSON *rows;
    int rc = store_query(s,
                         "SELECT e.id, e.env_id AS envId, e.execution_id AS executionId, "
                         "e.workflow_id AS workflowId, e.installation_id AS installationId, "
                         "e.user_id AS userId, e.block, e.message, e.created_at AS createdAt, "
                         "e.kind, st.error_webhook_url AS url, st.error_webhook_secret AS secret, "
                         "st.error_eventbridge AS eventBridge "
                         "FROM execution_errors e LEFT JOIN settings st ON st.env_id = e.env_id "
                         "WHERE e.streamed = 0 ORDER BY e.created_at LIMIT ?1",
                         &rows, "i", (int64_t)limit);
    out->items = rows_to_list(&rc, rows, sizeof *out->items, execution_error_fill, &out->n);
    return rc;
}

int store_error_mark_streamed(struct store *s, const char *id)
{
    return store_query(s, "UPDATE execution_errors SET streamed = 1 WHERE id = ?1", NULL, "s", id);
}

#define EXECUTION_COLUMNS                                                                          \
    "SELECT id AS executionId, installation_id AS installationId, workflow_id AS workflowId, "     \
    "user_id AS userId, version, event_id AS eventId, status, attempt, error, "                    \
    "error_block AS errorBlock, created_at AS createdAt, started_at AS startedAt, "                \
    "finished_at AS finishedAt FROM executions "

void store_execution_clear(struct execution *x)
{
    free(x->error);
    free(x->error_block);
    memset(x, 0, sizeof *x);
}

void store_execution_list_free(struct execution_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        store_execution_clear(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static void execution_fill(cJSON *row, void *item)
{
    struct execution *x = item;
    row_copy(row, "executionId", x->id, sizeof x->id);
    row_copy(row, "installationId", x->installation_id, sizeof x->installation_id);
    row_copy(row, "workflowId", x->workflow_id, sizeof x->workflow_id);
    row_copy(row, "userId", x->user_id, sizeof x->user_id);
    row_copy(row, "eventId", x->event_id, sizeof x->event_id);
    x->version = (int)row_int(row, "version");
    row_copy(row, "status", x->status, sizeof x->status);
    x->attempt = (int)row_int(row, "attempt");
    x->error = row_strdup(row, "error");
    x->error_block = row_strdup(row, "errorBlock");
    x->created_at = row_int(row, "createdAt");
    x->started_at = row_int(row, "startedAt");
    x->finished_at = row_int(row, "finishedAt");
}

int store_executions_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                                 bool errors_only, bool ascending, int offset, int limit,
                                 struct execution_list *out)
{
    cJSON *rows;
    int rc;
    if (ascending)
        rc = store_query(s,
                         EXECUTION_COLUMNS "WHERE workflow_id = ?1 AND (?2 IS NULL OR user_id = ?2)"
                                           " AND (?3 = 0 OR status = 'error') "
                                           "ORDER BY created_at, rowid LIMIT ?4 OFFSET ?5",
                         &rows, "ssiii", workflow_id, user_id, (int64_t)errors_only, (int64_t)limit,
                         (int64_t)offset);
    else
        rc =
            store_query(s,
                        EXECUTION_COLUMNS "WHERE workflow_id = ?1 AND (?2 IS NULL OR user_id = ?2)"
                                          " AND (?3 = 0 OR status = 'error') "
                                          "ORDER BY created_at DESC, rowid DESC LIMIT ?4 OFFSET ?5",
                        &rows, "ssiii", workflow_id, user_id, (int64_t)errors_only, (int64_t)limit,
                        (int64_t)offset);
    out->items = rows_to_list(&rc, rows, sizeof *out->items, execution_fill, &out->n);
    return rc;
}

int store_execution_find(struct store *s, const char *id, struct execution *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc = store_query(s, EXECUTION_COLUMNS "WHERE id = ?1", &rows, "s", id);
    return row_to_item(rc, rows, execution_fill, out);
}

void store_execution_step_list_free(struct execution_step_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        struct execution_step *st = &list->items[i];
        free(st->block_id);
        free(st->block_type);
        free(st->block_name);
        free(st->step_key);
        free(st->status);
        cJSON_Delete(st->inputs);
        cJSON_Delete(st->output);
        free(st->error);
    }
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static void step_fill(cJSON *row, void *item)
{
    struct execution_step *st = item;
    st->seq = (int)row_int(row, "seq");
    st->block_id = row_strdup(row, "blockId");
    st->block_type = row_strdup(row, "blockType");
    st->block_name = row_strdup(row, "blockName");
    st->step_key = row_strdup(row, "stepKey");
    st->status = row_strdup(row, "status");
    st->attempt = (int)row_int(row, "attempt");
    st->started_at = row_int(row, "startedAt");
    st->stopped_at = row_int(row, "stoppedAt");
    st->inputs = row_take(row, "inputs");
    st->output = row_take(row, "output");
    st->inputs_bytes =
        cJSON_GetObjectItemCaseSensitive(row, "inputsBytes") ? row_int(row, "inputsBytes") : -1;
    st->output_bytes =
        cJSON_GetObjectItemCaseSensitive(row, "outputBytes") ? row_int(row, "outputBytes") : -1;
    st->error = row_strdup(row, "error");
}

int store_steps_of_execution(struct store *s, const char *execution_id, int64_t max_bytes,
                             int limit, struct execution_step_list *out)
{
    cJSON *rows;
    int rc = store_query(
        s,
        "SELECT seq, block_id AS blockId, block_type AS blockType, block_name AS blockName, "
        "step_key AS stepKey, status, attempt, started_at AS startedAt, stopped_at AS stoppedAt, "
        "CASE WHEN length(CAST(inputs AS BLOB)) <= ?2 THEN inputs END AS inputs_json, "
        "length(CAST(inputs AS BLOB)) AS inputsBytes, "
        "CASE WHEN length(CAST(output AS BLOB)) <= ?2 THEN output END AS output_json, "
        "length(CAST(output AS BLOB)) AS outputBytes, error "
        "FROM execution_steps WHERE execution_id = ?1 ORDER BY seq LIMIT ?3",
        &rows, "sii", execution_id, max_bytes, (int64_t)limit);
    out->items = rows_to_list(&rc, rows, sizeof *out->items, step_fill, &out->n);
    return rc;
}

/* Executions waiting for (or running) their next attempt after a failed one, as entries of the
 * error list: when the failing step stopped, and when the next attempt runs. Each reads its
 * status's partial index, so the cost follows the queue, not the workflow's history. */
#define RETRYING_EXECUTIONS(status, index, next_at)                                                \
    "SELECT 'execution', x.workflow_id, x.id, x.installation_id, x.user_id, x.error_block, "       \
    "x.error, coalesce((SELECT max(stopped_at) FROM execution_steps WHERE execution_id = x.id), "  \
    "x.started_at, x.created_at), 'retrying', " next_at ", x.attempt FROM executions x "           \
    "INDEXED BY " index " WHERE x.status = '" status "' AND x.error IS NOT NULL "                  \
    "AND x.workflow_id = ?1 AND (?2 IS NULL OR x.user_id = ?2) "
#define RETRYING_QUEUED  RETRYING_EXECUTIONS("queued", "executions_due", "x.run_at")
#define RETRYING_RUNNING RETRYING_EXECUTIONS("running", "executions_leased", "NULL")

int store_errors_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                             struct execution_error_list *out)
{
    cJSON *rows;
    int rc = store_query(
        s,
        "SELECT e.kind, e.workflow_id AS workflowId, e.execution_id AS executionId, "
        "e.installation_id AS installationId, e.user_id AS userId, e.block, e.message, "
        "e.created_at AS createdAt, "
        /* A subscription's latest error is retried while it lasts; an earlier one was resolved. */
        "CASE WHEN e.kind != 'subscription' OR a.id IS NULL THEN 'failed' "
        "  WHEN EXISTS (SELECT 1 FROM execution_errors n WHERE n.kind = 'subscription' "
        "    AND n.execution_id = e.execution_id AND n.created_at > e.created_at) "
        "    OR a.state = 'active' THEN 'resolved' "
        "  WHEN a.retry_at IS NOT NULL THEN 'retrying' ELSE 'failed' END AS status, "
        "CASE WHEN a.state = 'error' THEN a.retry_at END AS nextAttemptAt, "
        "CASE WHEN a.state = 'error' THEN a.attempts END AS attempt "
        "FROM execution_errors e LEFT JOIN app_subscriptions a "
        "ON e.kind = 'subscription' AND a.id = e.execution_id "
        "WHERE e.workflow_id = ?1 AND (?2 IS NULL OR e.user_id = ?2) "
        "UNION ALL " RETRYING_QUEUED "UNION ALL " RETRYING_RUNNING
        "ORDER BY createdAt DESC LIMIT 1000",
        &rows, "ss", workflow_id, user_id);
    out->items = rows_to_list(&rc, rows, sizeof *out->items, execution_error_fill, &out->n);
    return rc;
}

static void counts_fill(cJSON *row, void *item)
{
    struct workflow_counts *c = item;
    c->runs = row_int(row, "totalWorkflowRuns");
    c->errors = row_int(row, "totalErrors");
    c->app_actions = row_int(row, "totalAppActions");
}

int store_workflow_counts(struct store *s, const char *workflow_id, struct workflow_counts *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc = store_query(
        s,
        "SELECT (SELECT count(*) FROM executions WHERE workflow_id = ?1) AS totalWorkflowRuns, "
        "(SELECT count(*) FROM execution_errors WHERE workflow_id = ?1) AS totalErrors, "
        "(SELECT count(*) FROM execution_steps st JOIN executions x ON x.id = st.execution_id "
        " WHERE x.workflow_id = ?1 AND st.block_type IN ('http', 'streamData', 'appAction')) "
        "AS totalAppActions",
        &rows, "s", workflow_id);
    return row_to_item(rc, rows, counts_fill, out);
}

int store_queue_depth(struct store *s, int64_t *queued, int64_t *running)
{
    *queued = *running = 0;
    cJSON *rows, *row;
    int rc =
        store_query(s,
                    "SELECT (SELECT count(*) FROM executions WHERE status = 'queued') AS queued, "
                    "(SELECT count(*) FROM executions WHERE status = 'running') AS running",
                    &rows, "");
    rc = store_one_row(rc, rows, &row);
    if (rc == STORE_OK && !row)
        rc = STORE_ERROR;
    if (row) {
        *queued = row_int(row, "queued");
        *running = row_int(row, "running");
    }
    cJSON_Delete(row);
    return rc;
}

void store_run_event_clear(struct run_event *ev)
{
    free(ev->name);
    cJSON_Delete(ev->payload);
    memset(ev, 0, sizeof *ev);
}

static void run_event_fill(cJSON *row, void *item)
{
    struct run_event *ev = item;
    ev->name = row_strdup(row, "name");
    ev->payload = row_take(row, "payload");
    ev->created_at = row_int(row, "createdAt");
}

int store_event_payload(struct store *s, const char *event_id, struct run_event *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc = store_query(s,
                         "SELECT name, payload AS payload_json, created_at AS createdAt "
                         "FROM run_events WHERE id = ?1",
                         &rows, "s", event_id);
    return row_to_item(rc, rows, run_event_fill, out);
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
    char *msg = NULL;
    sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, &msg);
    sqlite3_free(msg);
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
