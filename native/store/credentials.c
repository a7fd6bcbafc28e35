/* Store: app credentials, webhook subscriptions of app triggers and inbound deliveries. Rows are
 * read into the structs of credentials.h here; no row leaves this file. */
#include "store/credentials.h"
#include "store/row.h"
#include "store/store_internal.h"

#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_credential_clear(struct credential *c)
{
    free(c->type);
    free(c->name);
    row_secret_free(c->sealed);
    free(c->error);
    memset(c, 0, sizeof *c);
}

void store_credential_list_free(struct credential_list *l)
{
    for (size_t k = 0; k < l->n; k++)
        store_credential_clear(&l->items[k]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void credential_fill(cJSON *row, void *item)
{
    struct credential *c = item;
    row_copy(row, "credentialId", c->id, sizeof c->id);
    c->type = row_strdup(row, "type");
    c->name = row_strdup(row, "name");
    c->sealed = row_strdup(row, "sealed");
    c->error = row_strdup(row, "error");
    c->created_at = row_int(row, "createdAt");
    c->updated_at = row_int(row, "updatedAt");
}

int store_credential_insert(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *name, const char *sealed, char id[ID_LEN + 1])
{
    if (id_new(id) != 0)
        return STORE_ERROR;
    return store_query(s,
                       "INSERT INTO credentials(id, env_id, user_id, app, name, sealed, created_at,"
                       " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                       NULL, "ssssssi", id, env, user_id, app, name, sealed, store_now());
}

int store_credentials_of_user(struct store *s, const char *env, const char *user_id,
                              struct credential_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT id AS credentialId, app AS type, name, created_at AS createdAt, "
                    "updated_at AS updatedAt FROM credentials WHERE env_id = ?1 AND user_id = ?2 "
                    "ORDER BY created_at, id",
                    &rows, "ss", env, user_id);
    return row_list(rc, rows, sizeof *out->items, credential_fill, (void **)&out->items, &out->n);
}

int store_credential_latest(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *installation_id, struct credential *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT id AS credentialId, app AS type, name, sealed, error FROM credentials "
                    "WHERE env_id = ?1 AND user_id = ?2 AND app = ?3 "
                    "ORDER BY id IS (SELECT json_extract(credential_ids, '$.\"' || ?3 || '\"') "
                    "  FROM installations WHERE id = ?4) DESC, created_at DESC, id DESC LIMIT 1",
                    &rows, "ssss", env, user_id, app, installation_id);
    return row_one(rc, rows, credential_fill, out);
}

int store_installation_credential_choice(struct store *s, const char *installation_id,
                                         const char *app, char id[ID_LEN + 1])
{
    id[0] = '\0';
    cJSON *rows = NULL, *row = NULL;
    int rc = store_query(s,
                         "SELECT credential_ids AS credentialIds_json FROM installations "
                         "WHERE id = ?1",
                         &rows, "s", installation_id);
    rc = store_one_row(rc, rows, &row);
    const char *chosen = json_get_str(cJSON_GetObjectItemCaseSensitive(row, "credentialIds"), app);
    if (chosen)
        snprintf(id, ID_LEN + 1, "%s", chosen);
    cJSON_Delete(row);
    return rc;
}

int store_credential_find(struct store *s, const char *env, const char *user_id, const char *id,
                          struct credential *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT id AS credentialId, app AS type, name, sealed, error FROM credentials "
                    "WHERE env_id = ?1 AND user_id = ?2 AND id = ?3",
                    &rows, "sss", env, user_id, id);
    return row_one(rc, rows, credential_fill, out);
}

int store_credential_delete(struct store *s, const char *env, const char *user_id, const char *id)
{
    return store_changed(s,
                         store_query(s,
                                     "DELETE FROM credentials WHERE env_id = ?1 AND user_id = ?2 "
                                     "AND id = ?3",
                                     NULL, "sss", env, user_id, id));
}

int store_credential_reseal(struct store *s, const char *id, const char *sealed)
{
    return store_changed(
        s, store_query(s,
                       "UPDATE credentials SET sealed = ?2, error = NULL, updated_at = ?3 "
                       "WHERE id = ?1",
                       NULL, "ssi", id, sealed, store_now()));
}

int store_credential_set_error(struct store *s, const char *id, const char *error)
{
    return store_changed(
        s, store_query(s, "UPDATE credentials SET error = ?2, updated_at = ?3 WHERE id = ?1", NULL,
                       "ssi", id, error, store_now()));
}

int store_oauth_state_insert(struct store *s, const char *state, const char *env,
                             const char *user_id, const char *app, const char *sealed_verifier,
                             const cJSON *params, const char *redirect_uri)
{
    return store_query(s,
                       "INSERT INTO oauth_states(state, env_id, user_id, app, sealed_verifier, "
                       "params, redirect_uri, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                       NULL, "sssssjsi", state, env, user_id, app, sealed_verifier, params,
                       redirect_uri, store_now());
}

int store_oauth_state_code(struct store *s, const char *state, const char *sealed_code,
                           int64_t max_age_ms)
{
    return store_changed(s, store_query(s,
                                        "UPDATE oauth_states SET sealed_code = ?2 WHERE state = ?1 "
                                        "AND sealed_code IS NULL AND created_at >= ?3",
                                        NULL, "ssi", state, sealed_code, store_now() - max_age_ms));
}

static void oauth_state_clear(struct oauth_state *o)
{
    free(o->state);
    free(o->app);
    row_secret_free(o->sealed_verifier);
    cJSON_Delete(o->params);
    free(o->redirect_uri);
    row_secret_free(o->sealed_code);
    memset(o, 0, sizeof *o);
}

void store_oauth_state_list_free(struct oauth_state_list *l)
{
    for (size_t k = 0; k < l->n; k++)
        oauth_state_clear(&l->items[k]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void oauth_state_fill(cJSON *row, void *item)
{
    struct oauth_state *o = item;
    o->state = row_strdup(row, "state");
    row_copy(row, "envId", o->env_id, sizeof o->env_id);
    row_copy(row, "userId", o->user_id, sizeof o->user_id);
    o->app = row_strdup(row, "app");
    o->sealed_verifier = row_strdup(row, "sealedVerifier");
    o->params = row_take(row, "params");
    o->redirect_uri = row_strdup(row, "redirectUri");
    o->sealed_code = row_strdup(row, "sealedCode");
}

int store_oauth_states_ready(struct store *s, struct oauth_state_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc = store_query(s,
                         "SELECT state, env_id AS envId, user_id AS userId, app, "
                         "sealed_verifier AS sealedVerifier, params AS params_json, "
                         "redirect_uri AS redirectUri, sealed_code AS sealedCode FROM oauth_states "
                         "WHERE sealed_code IS NOT NULL ORDER BY created_at",
                         &rows, "");
    return row_list(rc, rows, sizeof *out->items, oauth_state_fill, (void **)&out->items, &out->n);
}

int store_oauth_state_delete(struct store *s, const char *state, int64_t max_age_ms)
{
    return store_query(s, "DELETE FROM oauth_states WHERE state = ?1 OR created_at < ?2", NULL,
                       "si", state, store_now() - max_age_ms);
}

#define SUBSCRIPTION_COLUMNS                                                                       \
    "SELECT id AS subscriptionId, env_id AS envId, user_id AS userId, workflow_id AS workflowId, " \
    "app, trigger_name AS trigger, credential_id AS credentialId, "                                \
    "sealed_secret AS sealedSecret, remote AS remote_json, state, error, attempts, "               \
    "retry_at AS retryAt, last_attempt_at AS lastAttemptAt "

void store_subscription_clear(struct subscription *sub)
{
    free(sub->app);
    free(sub->trigger);
    row_secret_free(sub->sealed_secret);
    cJSON_Delete(sub->remote);
    free(sub->error);
    memset(sub, 0, sizeof *sub);
}

void store_subscription_list_free(struct subscription_list *l)
{
    for (size_t k = 0; k < l->n; k++)
        store_subscription_clear(&l->items[k]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void subscription_fill(cJSON *row, void *item)
{
    struct subscription *sub = item;
    row_copy(row, "subscriptionId", sub->id, sizeof sub->id);
    row_copy(row, "envId", sub->env_id, sizeof sub->env_id);
    row_copy(row, "userId", sub->user_id, sizeof sub->user_id);
    row_copy(row, "workflowId", sub->workflow_id, sizeof sub->workflow_id);
    sub->app = row_strdup(row, "app");
    sub->trigger = row_strdup(row, "trigger");
    row_copy(row, "credentialId", sub->credential_id, sizeof sub->credential_id);
    sub->sealed_secret = row_strdup(row, "sealedSecret");
    sub->remote = row_take(row, "remote");
    row_copy(row, "state", sub->state, sizeof sub->state);
    sub->error = row_strdup(row, "error");
    sub->attempts = (int)row_int(row, "attempts");
    sub->has_retry_at = cJSON_IsNumber(cJSON_GetObjectItem(row, "retryAt"));
    sub->retry_at = row_int(row, "retryAt");
    sub->last_attempt_at = row_int(row, "lastAttemptAt");
    sub->version = (int)row_int(row, "version");
}

static int subscription_list(int rc, cJSON *rows, struct subscription_list *out)
{
    return row_list(rc, rows, sizeof *out->items, subscription_fill, (void **)&out->items, &out->n);
}

void store_subscription_need_list_free(struct subscription_need_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void need_fill(cJSON *row, void *item)
{
    struct subscription_need *n = item;
    row_copy(row, "envId", n->env_id, sizeof n->env_id);
    row_copy(row, "userId", n->user_id, sizeof n->user_id);
    row_copy(row, "workflowId", n->workflow_id, sizeof n->workflow_id);
    row_copy(row, "installationId", n->installation_id, sizeof n->installation_id);
    n->version = (int)row_int(row, "version");
}

static int need_list(int rc, cJSON *rows, struct subscription_need_list *out)
{
    return row_list(rc, rows, sizeof *out->items, need_fill, (void **)&out->items, &out->n);
}

int store_subscription_ensure(struct store *s, const char *env, const char *user_id,
                              const char *workflow_id, const char *app, const char *trigger,
                              const char *sealed_secret, struct subscription *out)
{
    memset(out, 0, sizeof *out);
    char id[ID_LEN + 1];
    if (id_new(id) != 0)
        return STORE_ERROR;
    int64_t now = store_now();
    int rc = store_query(s,
                         "INSERT INTO app_subscriptions(id, env_id, user_id, workflow_id, app, "
                         "trigger_name, sealed_secret, state, created_at, updated_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?8) "
                         "ON CONFLICT(workflow_id, user_id) DO NOTHING",
                         NULL, "sssssssi", id, env, user_id, workflow_id, app, trigger,
                         sealed_secret, now);
    if (rc != STORE_OK)
        return rc;
    cJSON *rows;
    rc = store_query(
        s, SUBSCRIPTION_COLUMNS "FROM app_subscriptions WHERE workflow_id = ?1 AND user_id = ?2",
        &rows, "ss", workflow_id, user_id);
    return row_one(rc, rows, subscription_fill, out);
}

int store_subscription_find(struct store *s, const char *id, struct subscription *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s, SUBSCRIPTION_COLUMNS "FROM app_subscriptions WHERE id = ?1", &rows, "s", id);
    return row_one(rc, rows, subscription_fill, out);
}

int store_subscription_update(struct store *s, const char *id, const char *state,
                              const char *credential_id, const cJSON *remote, const char *error)
{
    return store_changed(
        s, store_query(s,
                       "UPDATE app_subscriptions SET state = ?2, credential_id = ?3, "
                       "remote = ?4, error = ?5, updated_at = ?6, last_attempt_at = ?6, "
                       "attempts = CASE WHEN ?2 = 'active' THEN 0 ELSE attempts END, "
                       "retry_at = CASE WHEN ?2 = 'active' THEN NULL ELSE retry_at END "
                       "WHERE id = ?1",
                       NULL, "sssjsi", id, state, credential_id, remote, error, store_now()));
}

int store_subscription_fail(struct store *s, const char *id, const char *credential_id,
                            const char *error, int64_t retry_at)
{
    return store_changed(
        s, store_query(s,
                       "UPDATE app_subscriptions SET state = 'error', credential_id = ?2, "
                       "remote = NULL, error = ?3, attempts = attempts + 1, retry_at = ?4, "
                       "updated_at = ?5, last_attempt_at = ?5 WHERE id = ?1",
                       NULL, "sssii", id, credential_id, error, retry_at, store_now()));
}

int store_subscriptions_retry_now(struct store *s, const char *env, const char *user_id,
                                  const char *app)
{
    return store_query(s,
                       "UPDATE app_subscriptions SET retry_at = 0 WHERE env_id = ?1 "
                       "AND user_id = ?2 AND (?3 IS NULL OR app = ?3 COLLATE NOCASE) "
                       "AND retry_at IS NOT NULL",
                       NULL, "sss", env, user_id, app);
}

int store_subscription_delete(struct store *s, const char *id)
{
    return store_changed(
        s, store_query(s, "DELETE FROM app_subscriptions WHERE id = ?1", NULL, "s", id));
}

int store_subscriptions_missing(struct store *s, struct subscription_need_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT i.env_id AS envId, i.user_id AS userId, i.workflow_id AS workflowId,"
                    " i.version, i.id AS installationId FROM installations i "
                    "LEFT JOIN app_subscriptions a "
                    "ON a.workflow_id = i.workflow_id AND a.user_id = i.user_id "
                    "WHERE i.trigger_type = 'app' AND i.active = 1 "
                    "AND (a.id IS NULL OR a.state = 'pending') ORDER BY i.installed_at",
                    &rows, "");
    return need_list(rc, rows, out);
}

int store_subscriptions_due(struct store *s, int64_t now, int limit,
                            struct subscription_need_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT i.env_id AS envId, i.user_id AS userId, i.workflow_id AS workflowId,"
                    " i.version, i.id AS installationId FROM app_subscriptions a "
                    "JOIN installations i ON i.workflow_id = a.workflow_id "
                    "AND i.user_id = a.user_id WHERE a.retry_at <= ?1 "
                    "AND i.trigger_type = 'app' AND i.active = 1 ORDER BY a.retry_at LIMIT ?2",
                    &rows, "ii", now, (int64_t)limit);
    return need_list(rc, rows, out);
}

int store_subscriptions_of_env(struct store *s, const char *env, struct subscription_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT id AS subscriptionId, workflow_id AS workflowId, user_id AS userId, "
                    "app, trigger_name AS trigger, state, error, "
                    "last_attempt_at AS lastAttemptAt, retry_at AS retryAt "
                    "FROM app_subscriptions WHERE env_id = ?1",
                    &rows, "s", env);
    return subscription_list(rc, rows, out);
}

int store_subscriptions_stale(struct store *s, struct subscription_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc = store_query(s,
                         "SELECT a.id AS subscriptionId, a.env_id AS envId, a.user_id AS userId, "
                         "a.workflow_id AS workflowId, a.app, a.trigger_name AS trigger, "
                         "a.credential_id AS credentialId, a.sealed_secret AS sealedSecret, "
                         "a.remote AS remote_json, a.state, a.error FROM app_subscriptions a "
                         "LEFT JOIN installations i ON i.workflow_id = a.workflow_id "
                         "AND i.user_id = a.user_id "
                         "WHERE i.id IS NULL OR i.active = 0 OR i.trigger_type != 'app'",
                         &rows, "");
    return subscription_list(rc, rows, out);
}

int store_subscriptions_active(struct store *s, struct subscription_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc =
        store_query(s,
                    "SELECT a.id AS subscriptionId, a.env_id AS envId, a.user_id AS userId, "
                    "a.workflow_id AS workflowId, a.app, a.trigger_name AS trigger, "
                    "a.credential_id AS credentialId, a.sealed_secret AS sealedSecret, "
                    "a.remote AS remote_json, a.state, a.error, i.version FROM app_subscriptions a "
                    "JOIN installations i ON i.workflow_id = a.workflow_id "
                    "AND i.user_id = a.user_id WHERE a.state = 'active' AND i.active = 1",
                    &rows, "");
    return subscription_list(rc, rows, out);
}

int store_poll_seen_insert(struct store *s, const char *subscription_id, const char *key)
{
    return store_query(
        s, "INSERT INTO poll_seen(subscription_id, key, created_at) VALUES (?1, ?2, ?3)", NULL,
        "ssi", subscription_id, key, store_now());
}

int store_poll_seen_prune(struct store *s, const char *subscription_id, int64_t cutoff)
{
    return store_query(s,
                       "DELETE FROM poll_seen WHERE (subscription_id = ?1 AND created_at < ?2) "
                       "OR subscription_id NOT IN (SELECT id FROM app_subscriptions)",
                       NULL, "si", subscription_id, cutoff);
}

int store_delivery_insert(struct store *s, const char *subscription_id, const char *payload)
{
    char id[ID_LEN + 1];
    if (id_new(id) != 0)
        return STORE_ERROR;
    return store_query(s,
                       "INSERT INTO app_deliveries(id, subscription_id, payload, created_at) "
                       "VALUES (?1, ?2, ?3, ?4)",
                       NULL, "sssi", id, subscription_id, payload, store_now());
}

void store_delivery_list_free(struct delivery_list *l)
{
    for (size_t k = 0; k < l->n; k++)
        free(l->items[k].payload);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void delivery_fill(cJSON *row, void *item)
{
    struct delivery *d = item;
    row_copy(row, "id", d->id, sizeof d->id);
    row_copy(row, "subscriptionId", d->subscription_id, sizeof d->subscription_id);
    d->payload = row_strdup(row, "payload");
    d->created_at = row_int(row, "createdAt");
}

int store_deliveries_next(struct store *s, int limit, struct delivery_list *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows;
    int rc = store_query(s,
                         "SELECT id, subscription_id AS subscriptionId, payload, "
                         "created_at AS createdAt FROM app_deliveries "
                         "ORDER BY created_at, id LIMIT ?1",
                         &rows, "i", (int64_t)limit);
    return row_list(rc, rows, sizeof *out->items, delivery_fill, (void **)&out->items, &out->n);
}

int store_delivery_delete(struct store *s, const char *id)
{
    return store_query(s, "DELETE FROM app_deliveries WHERE id = ?1", NULL, "s", id);
}
