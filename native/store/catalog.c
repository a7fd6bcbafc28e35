/* Store: integrations, workflows and their released versions, custom events, settings, server
 * keys. Rows are read into the structs of catalog.h here; no row leaves this file. */
#include "store/catalog.h"
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

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
    "SELECT id, name, app, icon, description, created_at, updated_at FROM integrations "

static void integration_free(void *item)
{
    struct integration *i = item;
    free(i->name);
    free(i->app);
    free(i->icon);
    free(i->description);
    memset(i, 0, sizeof *i);
}

void store_integration_clear(struct integration *i)
{
    integration_free(i);
}

void store_integration_list_free(struct integration_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, integration_free);
}

static void integration_fill(const struct store_row *st, void *item)
{
    struct integration *i = item;
    store_column_copy(st, 0, i->id, sizeof i->id);
    i->name = store_column_strdup(st, 1);
    i->app = store_column_strdup(st, 2);
    i->icon = store_column_strdup(st, 3);
    i->description = store_column_strdup(st, 4);
    i->created_at = store_col_int64(st, 5);
    i->updated_at = store_col_int64(st, 6);
}

int store_integrations(struct store *s, const char *env, struct integration_list *out)
{
    int rc = store_rows_list(s, INTEGRATION_COLUMNS "WHERE env_id = ?1 ORDER BY created_at, id",
                             integration_fill, sizeof *out->items, &out->items, &out->n, "s", env);
    if (rc != STORE_OK)
        store_integration_list_free(out);
    return rc;
}

int store_integration_find(struct store *s, const char *env, const char *id_or_name,
                           struct integration *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s,
                          INTEGRATION_COLUMNS "WHERE env_id = ?1 AND (id = ?2 OR name = ?2 OR "
                                              "(app = ?2 AND app IS NOT NULL)) "
                                              "ORDER BY id = ?2 DESC, name = ?2 DESC LIMIT 1",
                          integration_fill, out, "ss", env, id_or_name);
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
    "SELECT id, integration_id, name, draft, version, created_at, updated_at FROM workflows "

static void workflow_free(void *item)
{
    struct workflow *w = item;
    free(w->name);
    cJSON_Delete(w->draft);
    memset(w, 0, sizeof *w);
}

void store_workflow_clear(struct workflow *w)
{
    workflow_free(w);
}

void store_workflow_list_free(struct workflow_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, workflow_free);
}

static void workflow_fill(const struct store_row *st, void *item)
{
    struct workflow *w = item;
    store_column_copy(st, 0, w->id, sizeof w->id);
    store_column_copy(st, 1, w->integration_id, sizeof w->integration_id);
    w->name = store_column_strdup(st, 2);
    w->draft = store_column_json(st, 3);
    w->version = store_col_int(st, 4);
    w->created_at = store_col_int64(st, 5);
    w->updated_at = store_col_int64(st, 6);
}

int store_workflow_find(struct store *s, const char *env, const char *id_or_name,
                        struct workflow *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s,
                          WORKFLOW_COLUMNS "WHERE env_id = ?1 AND (id = ?2 OR name = ?2) "
                                           "ORDER BY id = ?2 DESC LIMIT 1",
                          workflow_fill, out, "ss", env, id_or_name);
}

int store_workflows_of_integration(struct store *s, const char *integration_id,
                                   struct workflow_list *out)
{
    int rc = store_rows_list(
        s, WORKFLOW_COLUMNS "WHERE integration_id = ?1 ORDER BY created_at, id", workflow_fill,
        sizeof *out->items, &out->items, &out->n, "s", integration_id);
    if (rc != STORE_OK)
        store_workflow_list_free(out);
    return rc;
}

int store_workflows(struct store *s, const char *env, struct workflow_list *out)
{
    int rc = store_rows_list(s, WORKFLOW_COLUMNS "WHERE env_id = ?1 ORDER BY created_at, id",
                             workflow_fill, sizeof *out->items, &out->items, &out->n, "s", env);
    if (rc != STORE_OK)
        store_workflow_list_free(out);
    return rc;
}

int store_workflow_release(struct store *s, const char *env, const char *id,
                           const cJSON *definition, const char *trigger_type,
                           const char *trigger_event, const cJSON *blocks, const cJSON *fields,
                           const char *released_by, int *version)
{
    bool own = !store_in_transaction(s); /* else part of the caller's transaction */
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

static void version_free(void *item)
{
    struct workflow_version *v = item;
    free(v->trigger_type);
    free(v->trigger_event);
    cJSON_Delete(v->definition);
    cJSON_Delete(v->blocks);
    cJSON_Delete(v->fields);
    free(v->released_by);
    memset(v, 0, sizeof *v);
}

void store_workflow_version_clear(struct workflow_version *v)
{
    version_free(v);
}

void store_workflow_version_list_free(struct workflow_version_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, version_free);
}

static void version_fill(const struct store_row *st, void *item)
{
    struct workflow_version *v = item;
    v->version = store_col_int(st, 0);
    v->definition = store_column_json(st, 1);
    v->trigger_type = store_column_strdup(st, 2);
    v->trigger_event = store_column_strdup(st, 3);
    v->blocks = store_column_json(st, 4);
    v->fields = store_column_json(st, 5);
    v->released_at = store_col_int64(st, 6);
}

int store_workflow_version(struct store *s, const char *workflow_id, int version,
                           struct workflow_version *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(
        s,
        "SELECT version, definition, trigger_type, trigger_event, blocks, fields, "
        "released_at FROM workflow_versions "
        "WHERE workflow_id = ?1 AND (version = ?2 OR ?2 = 0) "
        "ORDER BY version DESC LIMIT 1",
        version_fill, out, "si", workflow_id, (int64_t)version);
}

static void version_summary_fill(const struct store_row *st, void *item)
{
    struct workflow_version *v = item;
    v->version = store_col_int(st, 0);
    v->trigger_type = store_column_strdup(st, 1);
    v->released_at = store_col_int64(st, 2);
    v->released_by = store_column_strdup(st, 3);
}

int store_workflow_versions(struct store *s, const char *workflow_id,
                            struct workflow_version_list *out)
{
    int rc = store_rows_list(s,
                             "SELECT version, trigger_type, released_at, released_by "
                             "FROM workflow_versions WHERE workflow_id = ?1 ORDER BY version",
                             version_summary_fill, sizeof *out->items, &out->items, &out->n, "s",
                             workflow_id);
    if (rc != STORE_OK)
        store_workflow_version_list_free(out);
    return rc;
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

#define EVENT_COLUMNS "SELECT name, description, body, schema, updated_at FROM events "

static void event_free(void *item)
{
    struct custom_event *e = item;
    free(e->name);
    free(e->description);
    cJSON_Delete(e->body);
    cJSON_Delete(e->schema);
    memset(e, 0, sizeof *e);
}

void store_custom_event_clear(struct custom_event *e)
{
    event_free(e);
}

void store_custom_event_list_free(struct custom_event_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, event_free);
}

static void event_fill(const struct store_row *st, void *item)
{
    struct custom_event *e = item;
    e->name = store_column_strdup(st, 0);
    e->description = store_column_strdup(st, 1);
    e->body = store_column_json(st, 2);
    e->schema = store_column_json(st, 3);
    e->updated_at = store_col_int64(st, 4);
}

int store_events(struct store *s, const char *env, struct custom_event_list *out)
{
    int rc = store_rows_list(s, EVENT_COLUMNS "WHERE env_id = ?1 ORDER BY created_at, name",
                             event_fill, sizeof *out->items, &out->items, &out->n, "s", env);
    if (rc != STORE_OK)
        store_custom_event_list_free(out);
    return rc;
}

int store_event_find(struct store *s, const char *env, const char *name, struct custom_event *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s, EVENT_COLUMNS "WHERE env_id = ?1 AND name = ?2", event_fill, out, "ss",
                          env, name);
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

void store_settings_clear(struct settings *st)
{
    free(st->error_webhook_url);
    store_secret_free(st->error_webhook_secret);
    store_secret_free(st->signing_secret);
    free(st->rate_limits);
    store_secret_free(st->error_eventbridge);
    memset(st, 0, sizeof *st);
}

static void settings_fill(const struct store_row *st, void *item)
{
    struct settings *x = item;
    store_column_copy(st, 0, x->env_id, sizeof x->env_id);
    x->error_webhook_url = store_column_strdup(st, 1);
    x->error_webhook_secret = store_column_strdup(st, 2);
    x->signing_secret = store_column_strdup(st, 3);
    x->log_retention_days = store_col_int(st, 4);
    x->rate_limits = store_column_strdup(st, 5);
    x->error_eventbridge = store_column_strdup(st, 6);
}

int store_settings(struct store *s, const char *env, struct settings *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(
        s,
        "SELECT e.id, st.error_webhook_url, st.error_webhook_secret, st.signing_secret, "
        "coalesce(st.log_retention_days, 60), st.rate_limits, st.error_eventbridge "
        "FROM environments e LEFT JOIN settings st ON st.env_id = e.id WHERE e.id = ?1",
        settings_fill, out, "s", env);
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
                         void *arg, struct settings *out)
{
    int rc = store_settings(s, env, out);
    if (rc != STORE_OK || out->signing_secret)
        return rc;
    store_settings_clear(out);
    /* First use: set one (coalesce keeps a secret another connection set meanwhile). */
    char *fresh = make_secret(arg);
    if (!fresh)
        return STORE_ERROR;
    rc = store_query(s,
                     "INSERT INTO settings(env_id, signing_secret) VALUES (?1, ?2) "
                     "ON CONFLICT(env_id) DO UPDATE SET signing_secret = "
                     "coalesce(settings.signing_secret, ?2)",
                     NULL, "ss", env, fresh);
    free(fresh);
    return rc == STORE_OK ? store_settings(s, env, out) : rc;
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

void store_server_key_clear(struct server_key *k)
{
    store_secret_free(k->private_pem);
    free(k->public_pem);
    memset(k, 0, sizeof *k);
}

static void server_key_fill(const struct store_row *st, void *item)
{
    struct server_key *k = item;
    k->private_pem = store_column_strdup(st, 0);
    k->public_pem = store_column_strdup(st, 1);
}

int store_server_key(struct store *s, const char *name, const char *private_pem,
                     const char *public_pem, struct server_key *out)
{
    memset(out, 0, sizeof *out);
    int rc = STORE_OK;
    if (private_pem)
        rc = store_query(s,
                         "INSERT INTO server_keys(name, private_pem, public_pem, created_at) "
                         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                         NULL, "sssi", name, private_pem, public_pem, store_now());
    if (rc != STORE_OK)
        return rc;
    return store_rows_one(s, "SELECT private_pem, public_pem FROM server_keys WHERE name = ?1",
                          server_key_fill, out, "s", name);
}
