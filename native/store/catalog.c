/* Store: integrations, workflows and their released versions, custom events, settings. */
#include "store/catalog.h"
#include "store/store_internal.h"

#include "json/json.h"

#include <stdlib.h>

int store_integration_insert(struct store *s, const char *env, const char *id, const char *name,
                             const char *app, const char *icon, const char *description)
{
    int64_t now = store_now();
    return store_query(s,
                       "INSERT INTO integrations(id, env_id, name, app, icon, description, "
                       "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                       NULL, "ssssssi", id, env, name, app, icon, description, now);
}

#define INTEGRATION_COLUMNS                                                                        \
    "SELECT id AS integrationId, name, app, icon, description, created_at AS createdAt, "          \
    "updated_at AS updatedAt FROM integrations "

int store_integrations(struct store *s, const char *env, cJSON **rows)
{
    return store_query(s, INTEGRATION_COLUMNS "WHERE env_id = ?1 ORDER BY created_at, id", rows,
                       "s", env);
}

int store_integration_find(struct store *s, const char *env, const char *id_or_name, cJSON **row)
{
    cJSON *rows;
    int rc = store_query(s,
                         INTEGRATION_COLUMNS "WHERE env_id = ?1 AND (id = ?2 OR name = ?2 OR "
                                             "(app = ?2 AND app IS NOT NULL)) "
                                             "ORDER BY id = ?2 DESC, name = ?2 DESC LIMIT 1",
                         &rows, "ss", env, id_or_name);
    return store_one_row(rc, rows, row);
}

int store_integration_update(struct store *s, const char *env, const char *id, const char *name,
                             const char *app, const char *icon, const char *description)
{
    return store_query(
        s,
        "UPDATE integrations SET name = coalesce(?3, name), app = coalesce(?4, app), "
        "icon = coalesce(?5, icon), description = coalesce(?6, description), "
        "updated_at = ?7 WHERE env_id = ?1 AND id = ?2",
        NULL, "ssssssi", env, id, name, app, icon, description, store_now());
}

int store_integration_delete(struct store *s, const char *env, const char *id)
{
    cJSON *rows;
    int rc =
        store_query(s, "SELECT 1 FROM workflows WHERE integration_id = ?1 LIMIT 1", &rows, "s", id);
    if (rc != STORE_OK)
        return rc;
    bool used = cJSON_GetArraySize(rows) > 0;
    cJSON_Delete(rows);
    if (used)
        return STORE_CONFLICT;
    rc = store_query(s, "DELETE FROM integrations WHERE env_id = ?1 AND id = ?2", NULL, "ss", env,
                     id);
    return store_changed(s, rc);
}

int store_workflow_insert(struct store *s, const char *env, const char *id,
                          const char *integration_id, const char *name, const cJSON *draft)
{
    return store_query(s,
                       "INSERT INTO workflows(id, env_id, integration_id, name, draft, version, "
                       "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
                       NULL, "ssssji", id, env, integration_id, name, draft, store_now());
}

int store_workflow_update_draft(struct store *s, const char *env, const char *id, const char *name,
                                const cJSON *draft)
{
    int rc = store_query(s,
                         "UPDATE workflows SET name = ?3, draft = ?4, updated_at = ?5 "
                         "WHERE env_id = ?1 AND id = ?2",
                         NULL, "sssji", env, id, name, draft, store_now());
    return store_changed(s, rc);
}

#define WORKFLOW_COLUMNS                                                                           \
    "SELECT id AS workflowId, integration_id AS integrationId, name, draft AS draft_json, "        \
    "version, created_at AS createdAt, updated_at AS updatedAt FROM workflows "

int store_workflow_find(struct store *s, const char *env, const char *id_or_name, cJSON **row)
{
    cJSON *rows;
    int rc = store_query(s,
                         WORKFLOW_COLUMNS "WHERE env_id = ?1 AND (id = ?2 OR name = ?2) "
                                          "ORDER BY id = ?2 DESC LIMIT 1",
                         &rows, "ss", env, id_or_name);
    return store_one_row(rc, rows, row);
}

int store_workflows_of_integration(struct store *s, const char *integration_id, cJSON **rows)
{
    return store_query(s, WORKFLOW_COLUMNS "WHERE integration_id = ?1 ORDER BY created_at, id",
                       rows, "s", integration_id);
}

int store_workflows(struct store *s, const char *env, cJSON **rows)
{
    return store_query(s, WORKFLOW_COLUMNS "WHERE env_id = ?1 ORDER BY created_at, id", rows, "s",
                       env);
}

int store_workflow_release(struct store *s, const char *env, const char *id,
                           const cJSON *definition, const char *trigger_type,
                           const char *trigger_event, const cJSON *blocks, const cJSON *fields,
                           const char *released_by, int *version)
{
    bool own = sqlite3_get_autocommit(s->db) != 0; /* else part of the caller's transaction */
    if (own && store_begin(s) != STORE_OK)
        return STORE_ERROR;
    cJSON *rows;
    int rc = store_query(s,
                         "UPDATE workflows SET version = version + 1, updated_at = ?3 "
                         "WHERE env_id = ?1 AND id = ?2 RETURNING version",
                         &rows, "ssi", env, id, store_now());
    cJSON *row = rc == STORE_OK ? store_first_row(rows) : NULL;
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK) {
        *version = cJSON_GetObjectItem(row, "version")->valueint;
        rc = store_query(s,
                         "INSERT INTO workflow_versions(workflow_id, version, definition, "
                         "trigger_type, trigger_event, blocks, fields, released_at, released_by) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         NULL, "sijssjjis", id, (int64_t)*version, definition, trigger_type,
                         trigger_event, blocks, fields, store_now(), released_by);
    }
    cJSON_Delete(row);
    if (own && rc == STORE_OK)
        rc = store_commit(s);
    if (own && rc != STORE_OK)
        store_rollback(s);
    return rc;
}

int store_workflow_version(struct store *s, const char *workflow_id, int version, cJSON **row)
{
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT version, definition AS definition_json, trigger_type AS triggerType, "
                    "trigger_event AS triggerEvent, blocks AS blocks_json, "
                    "fields AS fields_json, released_at AS releasedAt FROM workflow_versions "
                    "WHERE workflow_id = ?1 AND (version = ?2 OR ?2 = 0) "
                    "ORDER BY version DESC LIMIT 1",
                    &rows, "si", workflow_id, (int64_t)version);
    return store_one_row(rc, rows, row);
}

int store_workflow_versions(struct store *s, const char *workflow_id, cJSON **rows)
{
    return store_query(s,
                       "SELECT version, trigger_type AS triggerType, released_at AS releasedAt, "
                       "released_by AS releasedBy FROM workflow_versions WHERE workflow_id = ?1 "
                       "ORDER BY version",
                       rows, "s", workflow_id);
}

int store_event_upsert(struct store *s, const char *env, const char *name, const char *description,
                       const cJSON *body, const cJSON *schema, bool create_only)
{
    if (create_only)
        return store_query(
            s,
            "INSERT INTO events(env_id, name, description, body, schema, created_at, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            NULL, "sssjji", env, name, description, body, schema, store_now());
    int rc = store_query(s,
                         "UPDATE events SET description = coalesce(?3, description), body = ?4, "
                         "schema = ?5, updated_at = ?6 WHERE env_id = ?1 AND name = ?2",
                         NULL, "sssjji", env, name, description, body, schema, store_now());
    return store_changed(s, rc);
}

#define EVENT_COLUMNS                                                                              \
    "SELECT name, description, body AS body_json, schema AS schema_json, updated_at AS updatedAt " \
    "FROM events "

int store_events(struct store *s, const char *env, cJSON **rows)
{
    return store_query(s, EVENT_COLUMNS "WHERE env_id = ?1 ORDER BY created_at, name", rows, "s",
                       env);
}

int store_event_find(struct store *s, const char *env, const char *name, cJSON **row)
{
    cJSON *rows;
    int rc =
        store_query(s, EVENT_COLUMNS "WHERE env_id = ?1 AND name = ?2", &rows, "ss", env, name);
    return store_one_row(rc, rows, row);
}

int store_event_updated_at(struct store *s, const char *env, const char *name, int64_t *updated_at)
{
    cJSON *rows;
    int rc = store_query(s, "SELECT updated_at AS u FROM events WHERE env_id = ?1 AND name = ?2",
                         &rows, "ss", env, name);
    if (rc != STORE_OK)
        return rc;
    const cJSON *u = cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "u");
    rc = cJSON_IsNumber(u) ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK)
        *updated_at = (int64_t)u->valuedouble;
    cJSON_Delete(rows);
    return rc;
}

int store_event_delete(struct store *s, const char *env, const char *name)
{
    int rc =
        store_query(s, "DELETE FROM events WHERE env_id = ?1 AND name = ?2", NULL, "ss", env, name);
    return store_changed(s, rc);
}

int store_settings(struct store *s, const char *env, cJSON **row)
{
    cJSON *rows;
    int rc = store_query(
        s,
        "SELECT e.id AS envId, st.error_webhook_url AS errorWebhookUrl, "
        "st.error_webhook_secret AS errorWebhookSecret, st.signing_secret AS signingSecret, "
        "coalesce(st.log_retention_days, 60) AS logRetentionDays, st.rate_limits AS rateLimits, "
        "st.error_eventbridge AS errorEventBridge "
        "FROM environments e LEFT JOIN settings st ON st.env_id = e.id "
        "WHERE e.id = ?1",
        &rows, "s", env);
    return store_one_row(rc, rows, row);
}

int store_settings_update(struct store *s, const char *env, const char *url, const char *secret,
                          int retention_days, const char *rate_limits)
{
    return store_query(s,
                       "INSERT INTO settings(env_id, error_webhook_url, error_webhook_secret, "
                       "log_retention_days, rate_limits) VALUES (?1, ?2, ?3, ?4, ?5) "
                       "ON CONFLICT(env_id) DO UPDATE SET error_webhook_url = ?2, "
                       "error_webhook_secret = ?3, log_retention_days = ?4, rate_limits = ?5",
                       NULL, "sssis", env, url, secret, (int64_t)retention_days, rate_limits);
}

int store_settings_eventbridge_set(struct store *s, const char *env, const char *config)
{
    return store_query(s,
                       "INSERT INTO settings(env_id, error_eventbridge) VALUES (?1, ?2) "
                       "ON CONFLICT(env_id) DO UPDATE SET error_eventbridge = ?2",
                       NULL, "ss", env, config);
}

int store_signing_secret(struct store *s, const char *env, char *(*make_secret)(void *arg),
                         void *arg, cJSON **row)
{
    int rc = store_settings(s, env, row);
    if (rc != STORE_OK || (*row && json_get_str(*row, "signingSecret")))
        return rc;
    cJSON_Delete(*row);
    *row = NULL;
    /* First use: set one (coalesce keeps a secret another connection set meanwhile). */
    char *fresh = make_secret(arg);
    if (!fresh)
        return STORE_ERROR;
    rc = store_query(s,
                     "INSERT INTO settings(env_id, signing_secret) VALUES (?1, ?2) "
                     "ON CONFLICT(env_id) DO UPDATE SET signing_secret = "
                     "coalesce(signing_secret, ?2)",
                     NULL, "ss", env, fresh);
    free(fresh);
    return rc == STORE_OK ? store_settings(s, env, row) : rc;
}

int store_signing_secret_set(struct store *s, const char *env, const char *sealed_secret)
{
    return store_query(s,
                       "INSERT INTO settings(env_id, signing_secret) VALUES (?1, ?2) "
                       "ON CONFLICT(env_id) DO UPDATE SET signing_secret = ?2",
                       NULL, "ss", env, sealed_secret);
}

int store_server_key_set_private(struct store *s, const char *name, const char *private_pem)
{
    return store_query(s, "UPDATE server_keys SET private_pem = ?2 WHERE name = ?1", NULL, "ss",
                       name, private_pem);
}

int store_server_key(struct store *s, const char *name, const char *private_pem,
                     const char *public_pem, cJSON **row)
{
    int rc = STORE_OK;
    if (private_pem)
        rc = store_query(s,
                         "INSERT OR IGNORE INTO server_keys(name, private_pem, public_pem, "
                         "created_at) VALUES (?1, ?2, ?3, ?4)",
                         NULL, "sssi", name, private_pem, public_pem, store_now());
    cJSON *rows;
    if (rc == STORE_OK)
        rc = store_query(
            s,
            "SELECT private_pem AS privatePem, public_pem AS publicPem FROM server_keys "
            "WHERE name = ?1",
            &rows, "s", name);
    *row = rc == STORE_OK ? store_first_row(rows) : NULL;
    return rc;
}
