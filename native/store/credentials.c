/* Store: app credentials, webhook subscriptions of app triggers and inbound deliveries. Rows are
 * read into the structs of credentials.h here; no row leaves this file. */
#include "store/credentials.h"
#include "store/store_internal.h"

#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void credential_free(void *item)
{
    struct credential *c = item;
    free(c->type);
    free(c->name);
    store_secret_free(c->sealed);
    free(c->error);
    memset(c, 0, sizeof *c);
}

void store_credential_clear(struct credential *c)
{
    credential_free(c);
}

void store_credential_list_free(struct credential_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, credential_free);
}

/* One credential with its sealed data: id, app, name, sealed, error. */
static void credential_fill(const struct store_row *st, void *item)
{
    struct credential *c = item;
    store_column_copy(st, 0, c->id, sizeof c->id);
    c->type = store_column_strdup(st, 1);
    c->name = store_column_strdup(st, 2);
    c->sealed = store_column_strdup(st, 3);
    c->error = store_column_strdup(st, 4);
}

/* One credential of a listing: id, app, name, created_at, updated_at. */
static void credential_listed_fill(const struct store_row *st, void *item)
{
    struct credential *c = item;
    store_column_copy(st, 0, c->id, sizeof c->id);
    c->type = store_column_strdup(st, 1);
    c->name = store_column_strdup(st, 2);
    c->created_at = store_col_int64(st, 3);
    c->updated_at = store_col_int64(st, 4);
}

int store_credential_insert(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *name, const char *sealed, char id[ID_LEN + 1])
{
    if (id_new(id) != 0)
        return STORE_ERROR;
    return store_query(s,
                       "INSERT INTO credentials(id, env_id, user_id, app, name, sealed, created_at,"
                       " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                       NULL,
                       STORE_ARGS(store_text(id), store_text(env), store_text(user_id),
                                  store_text(app), store_text(name), store_text(sealed),
                                  store_int(store_now())));
}

int store_credentials_of_user(struct store *s, const char *env, const char *user_id,
                              struct credential_list *out)
{
    return store_rows_list(s,
                           "SELECT id, app, name, created_at, updated_at FROM credentials "
                           "WHERE env_id = ?1 AND user_id = ?2 ORDER BY created_at, id",
                           credential_listed_fill, credential_free, sizeof *out->items, &out->items,
                           &out->n, STORE_ARGS(store_text(env), store_text(user_id)));
}

/* A user's newest credential for an app, the one installation ?4 chose first; chosen reads the
 * installation's choice for app ?3 from its credential_ids document. */
#define LATEST_CREDENTIAL(chosen)                                                                  \
    "SELECT id, app, name, sealed, error FROM credentials "                                        \
    "WHERE env_id = ?1 AND user_id = ?2 AND app = ?3 "                                             \
    "ORDER BY id IS NOT DISTINCT FROM (SELECT " chosen " FROM installations WHERE id = ?4) DESC, " \
    "created_at DESC, id DESC LIMIT 1"

int store_credential_latest(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *installation_id, struct credential *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(
        s,
        STORE_SQL(s, LATEST_CREDENTIAL("json_extract(credential_ids, '$.\"' || ?3 || '\"')"),
                  LATEST_CREDENTIAL("credential_ids::jsonb ->> ?3")),
        credential_fill, out,
        STORE_ARGS(store_text(env), store_text(user_id), store_text(app),
                   store_text(installation_id)));
}

int store_installation_credential_choice(struct store *s, const char *installation_id,
                                         const char *app, char id[ID_LEN + 1])
{
    id[0] = '\0';
    cJSON *rows = NULL, *row = NULL;
    int rc = store_query(s,
                         "SELECT credential_ids AS \"credentialIds_json\" FROM installations "
                         "WHERE id = ?1",
                         &rows, STORE_ARGS(store_text(installation_id)));
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
    return store_rows_one(s,
                          "SELECT id, app, name, sealed, error FROM credentials "
                          "WHERE env_id = ?1 AND user_id = ?2 AND id = ?3",
                          credential_fill, out,
                          STORE_ARGS(store_text(env), store_text(user_id), store_text(id)));
}

int store_credential_delete(struct store *s, const char *env, const char *user_id, const char *id)
{
    return store_changed(
        s, store_query(s,
                       "DELETE FROM credentials WHERE env_id = ?1 AND user_id = ?2 "
                       "AND id = ?3",
                       NULL, STORE_ARGS(store_text(env), store_text(user_id), store_text(id))));
}

int store_credential_reseal(struct store *s, const char *id, const char *sealed)
{
    return store_changed(
        s,
        store_query(s,
                    "UPDATE credentials SET sealed = ?2, error = NULL, updated_at = ?3 "
                    "WHERE id = ?1",
                    NULL, STORE_ARGS(store_text(id), store_text(sealed), store_int(store_now()))));
}

int store_credential_set_error(struct store *s, const char *id, const char *error)
{
    return store_changed(
        s, store_query(s, "UPDATE credentials SET error = ?2, updated_at = ?3 WHERE id = ?1", NULL,
                       STORE_ARGS(store_text(id), store_text(error), store_int(store_now()))));
}

int store_oauth_state_insert(struct store *s, const char *state, const char *env,
                             const char *user_id, const char *app, const char *sealed_verifier,
                             const cJSON *params, const char *redirect_uri)
{
    return store_query(s,
                       "INSERT INTO oauth_states(state, env_id, user_id, app, sealed_verifier, "
                       "params, redirect_uri, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                       NULL,
                       STORE_ARGS(store_text(state), store_text(env), store_text(user_id),
                                  store_text(app), store_text(sealed_verifier), store_json(params),
                                  store_text(redirect_uri), store_int(store_now())));
}

int store_oauth_state_code(struct store *s, const char *state, const char *sealed_code,
                           int64_t max_age_ms)
{
    return store_changed(s, store_query(s,
                                        "UPDATE oauth_states SET sealed_code = ?2 WHERE state = ?1 "
                                        "AND sealed_code IS NULL AND created_at >= ?3",
                                        NULL,
                                        STORE_ARGS(store_text(state), store_text(sealed_code),
                                                   store_int(store_now() - max_age_ms))));
}

static void oauth_state_free(void *item)
{
    struct oauth_state *o = item;
    free(o->state);
    free(o->app);
    store_secret_free(o->sealed_verifier);
    cJSON_Delete(o->params);
    free(o->redirect_uri);
    store_secret_free(o->sealed_code);
    memset(o, 0, sizeof *o);
}

void store_oauth_state_list_free(struct oauth_state_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, oauth_state_free);
}

static void oauth_state_fill(const struct store_row *st, void *item)
{
    struct oauth_state *o = item;
    o->state = store_column_strdup(st, 0);
    store_column_copy(st, 1, o->env_id, sizeof o->env_id);
    store_column_copy(st, 2, o->user_id, sizeof o->user_id);
    o->app = store_column_strdup(st, 3);
    o->sealed_verifier = store_column_strdup(st, 4);
    o->params = store_column_json(st, 5);
    o->redirect_uri = store_column_strdup(st, 6);
    o->sealed_code = store_column_strdup(st, 7);
}

int store_oauth_states_ready(struct store *s, struct oauth_state_list *out)
{
    return store_rows_list(s,
                           "SELECT state, env_id, user_id, app, sealed_verifier, params, "
                           "redirect_uri, sealed_code FROM oauth_states "
                           "WHERE sealed_code IS NOT NULL ORDER BY created_at",
                           oauth_state_fill, oauth_state_free, sizeof *out->items, &out->items,
                           &out->n, STORE_NO_ARGS);
}

int store_oauth_state_delete(struct store *s, const char *state, int64_t max_age_ms)
{
    return store_query(s, "DELETE FROM oauth_states WHERE state = ?1 OR created_at < ?2", NULL,
                       STORE_ARGS(store_text(state), store_int(store_now() - max_age_ms)));
}

/* The columns subscription_fill reads, in its order; a query adds i.version (the installation's)
 * as a 15th. */
#define SUBSCRIPTION_COLUMNS                                                                       \
    "SELECT a.id, a.env_id, a.user_id, a.workflow_id, a.app, a.trigger_name, a.credential_id, "    \
    "a.sealed_secret, a.remote, a.state, a.error, a.attempts, a.retry_at, a.last_attempt_at "

static void subscription_free(void *item)
{
    struct subscription *sub = item;
    free(sub->app);
    free(sub->trigger);
    store_secret_free(sub->sealed_secret);
    cJSON_Delete(sub->remote);
    free(sub->error);
    memset(sub, 0, sizeof *sub);
}

void store_subscription_clear(struct subscription *sub)
{
    subscription_free(sub);
}

void store_subscription_list_free(struct subscription_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, subscription_free);
}

static void subscription_fill(const struct store_row *st, void *item)
{
    struct subscription *sub = item;
    store_column_copy(st, 0, sub->id, sizeof sub->id);
    store_column_copy(st, 1, sub->env_id, sizeof sub->env_id);
    store_column_copy(st, 2, sub->user_id, sizeof sub->user_id);
    store_column_copy(st, 3, sub->workflow_id, sizeof sub->workflow_id);
    sub->app = store_column_strdup(st, 4);
    sub->trigger = store_column_strdup(st, 5);
    store_column_copy(st, 6, sub->credential_id, sizeof sub->credential_id);
    sub->sealed_secret = store_column_strdup(st, 7);
    sub->remote = store_column_json(st, 8);
    store_column_copy(st, 9, sub->state, sizeof sub->state);
    sub->error = store_column_strdup(st, 10);
    sub->attempts = store_col_int(st, 11);
    sub->has_retry_at = !store_col_null(st, 12);
    sub->retry_at = store_col_int64(st, 12);
    sub->last_attempt_at = store_col_int64(st, 13);
    if (st->ops->count(st->h) > 14)
        sub->version = store_col_int(st, 14);
}

void store_subscription_need_list_free(struct subscription_need_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, NULL);
}

static void need_fill(const struct store_row *st, void *item)
{
    struct subscription_need *n = item;
    store_column_copy(st, 0, n->env_id, sizeof n->env_id);
    store_column_copy(st, 1, n->user_id, sizeof n->user_id);
    store_column_copy(st, 2, n->workflow_id, sizeof n->workflow_id);
    n->version = store_col_int(st, 3);
    store_column_copy(st, 4, n->installation_id, sizeof n->installation_id);
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
                         NULL,
                         STORE_ARGS(store_text(id), store_text(env), store_text(user_id),
                                    store_text(workflow_id), store_text(app), store_text(trigger),
                                    store_text(sealed_secret), store_int(now)));
    if (rc != STORE_OK)
        return rc;
    return store_rows_one(s,
                          SUBSCRIPTION_COLUMNS "FROM app_subscriptions a "
                                               "WHERE a.workflow_id = ?1 AND a.user_id = ?2",
                          subscription_fill, out,
                          STORE_ARGS(store_text(workflow_id), store_text(user_id)));
}

int store_subscription_find(struct store *s, const char *id, struct subscription *out)
{
    memset(out, 0, sizeof *out);
    return store_rows_one(s, SUBSCRIPTION_COLUMNS "FROM app_subscriptions a WHERE a.id = ?1",
                          subscription_fill, out, STORE_ARGS(store_text(id)));
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
                       NULL,
                       STORE_ARGS(store_text(id), store_text(state), store_text(credential_id),
                                  store_json(remote), store_text(error), store_int(store_now()))));
}

int store_subscription_fail(struct store *s, const char *id, const char *credential_id,
                            const char *error, int64_t retry_at)
{
    return store_changed(
        s, store_query(s,
                       "UPDATE app_subscriptions SET state = 'error', credential_id = ?2, "
                       "remote = NULL, error = ?3, attempts = attempts + 1, retry_at = ?4, "
                       "updated_at = ?5, last_attempt_at = ?5 WHERE id = ?1",
                       NULL,
                       STORE_ARGS(store_text(id), store_text(credential_id), store_text(error),
                                  store_int(retry_at), store_int(store_now()))));
}

int store_subscriptions_retry_now(struct store *s, const char *env, const char *user_id,
                                  const char *app)
{
    return store_query(s,
                       "UPDATE app_subscriptions SET retry_at = 0 WHERE env_id = ?1 "
                       "AND user_id = ?2 AND (?3 IS NULL OR lower(app) = lower(?3)) "
                       "AND retry_at IS NOT NULL",
                       NULL, STORE_ARGS(store_text(env), store_text(user_id), store_text(app)));
}

int store_subscription_delete(struct store *s, const char *id)
{
    return store_changed(s, store_query(s, "DELETE FROM app_subscriptions WHERE id = ?1", NULL,
                                        STORE_ARGS(store_text(id))));
}

int store_subscriptions_missing(struct store *s, struct subscription_need_list *out)
{
    return store_rows_list(s,
                           "SELECT i.env_id, i.user_id, i.workflow_id, i.version, i.id "
                           "FROM installations i LEFT JOIN app_subscriptions a "
                           "ON a.workflow_id = i.workflow_id AND a.user_id = i.user_id "
                           "WHERE i.trigger_type = 'app' AND i.active = 1 "
                           "AND (a.id IS NULL OR a.state = 'pending') ORDER BY i.installed_at",
                           need_fill, NULL, sizeof *out->items, &out->items, &out->n,
                           STORE_NO_ARGS);
}

int store_subscriptions_due(struct store *s, int64_t now, int limit,
                            struct subscription_need_list *out)
{
    return store_rows_list(s,
                           "SELECT i.env_id, i.user_id, i.workflow_id, i.version, i.id "
                           "FROM app_subscriptions a JOIN installations i "
                           "ON i.workflow_id = a.workflow_id AND i.user_id = a.user_id "
                           "WHERE a.retry_at <= ?1 AND i.trigger_type = 'app' AND i.active = 1 "
                           "ORDER BY a.retry_at LIMIT ?2",
                           need_fill, NULL, sizeof *out->items, &out->items, &out->n,
                           STORE_ARGS(store_int(now), store_int((int64_t)limit)));
}

int store_subscriptions_of_env(struct store *s, const char *env, struct subscription_list *out)
{
    /* Every column but the secret and the provider's answer, which the listing never shows. */
    return store_rows_list(
        s,
        "SELECT a.id, a.env_id, a.user_id, a.workflow_id, a.app, a.trigger_name, a.credential_id, "
        "NULL, NULL, a.state, a.error, a.attempts, a.retry_at, a.last_attempt_at "
        "FROM app_subscriptions a WHERE a.env_id = ?1",
        subscription_fill, subscription_free, sizeof *out->items, &out->items, &out->n,
        STORE_ARGS(store_text(env)));
}

int store_subscriptions_stale(struct store *s, struct subscription_list *out)
{
    return store_rows_list(s,
                           SUBSCRIPTION_COLUMNS "FROM app_subscriptions a "
                                                "LEFT JOIN installations i "
                                                "ON i.workflow_id = a.workflow_id "
                                                "AND i.user_id = a.user_id WHERE i.id IS NULL "
                                                "OR i.active = 0 OR i.trigger_type != 'app'",
                           subscription_fill, subscription_free, sizeof *out->items, &out->items,
                           &out->n, STORE_NO_ARGS);
}

int store_subscriptions_active(struct store *s, struct subscription_list *out)
{
    return store_rows_list(s,
                           SUBSCRIPTION_COLUMNS ", i.version FROM app_subscriptions a "
                                                "JOIN installations i "
                                                "ON i.workflow_id = a.workflow_id "
                                                "AND i.user_id = a.user_id "
                                                "WHERE a.state = 'active' AND i.active = 1",
                           subscription_fill, subscription_free, sizeof *out->items, &out->items,
                           &out->n, STORE_NO_ARGS);
}

int store_poll_seen_insert(struct store *s, const char *subscription_id, const char *key)
{
    return store_query(
        s, "INSERT INTO poll_seen(subscription_id, key, created_at) VALUES (?1, ?2, ?3)", NULL,
        STORE_ARGS(store_text(subscription_id), store_text(key), store_int(store_now())));
}

int store_poll_seen_prune(struct store *s, const char *subscription_id, int64_t cutoff)
{
    return store_query(s,
                       "DELETE FROM poll_seen WHERE (subscription_id = ?1 AND created_at < ?2) "
                       "OR subscription_id NOT IN (SELECT id FROM app_subscriptions)",
                       NULL, STORE_ARGS(store_text(subscription_id), store_int(cutoff)));
}

int store_delivery_insert(struct store *s, const char *subscription_id, const char *payload)
{
    char id[ID_LEN + 1];
    if (id_new(id) != 0)
        return STORE_ERROR;
    return store_query(s,
                       "INSERT INTO app_deliveries(id, subscription_id, payload, created_at) "
                       "VALUES (?1, ?2, ?3, ?4)",
                       NULL,
                       STORE_ARGS(store_text(id), store_text(subscription_id), store_text(payload),
                                  store_int(store_now())));
}

static void delivery_free(void *item)
{
    struct delivery *d = item;
    free(d->payload);
}

void store_delivery_list_free(struct delivery_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, delivery_free);
}

static void delivery_fill(const struct store_row *st, void *item)
{
    struct delivery *d = item;
    store_column_copy(st, 0, d->id, sizeof d->id);
    store_column_copy(st, 1, d->subscription_id, sizeof d->subscription_id);
    d->payload = store_column_strdup(st, 2);
    d->created_at = store_col_int64(st, 3);
}

int store_deliveries_next(struct store *s, int limit, struct delivery_list *out)
{
    return store_rows_list(s,
                           "SELECT id, subscription_id, payload, created_at FROM app_deliveries "
                           "ORDER BY created_at, id LIMIT ?1",
                           delivery_fill, delivery_free, sizeof *out->items, &out->items, &out->n,
                           STORE_ARGS(store_int((int64_t)limit)));
}

int store_delivery_delete(struct store *s, const char *id)
{
    return store_query(s, "DELETE FROM app_deliveries WHERE id = ?1", NULL,
                       STORE_ARGS(store_text(id)));
}
