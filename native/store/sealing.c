/* Store: queries of the start-up pass that seals secrets kept in clear (see sealing.h). */
#include "store/sealing.h"

#include "store/store_internal.h"

#include "json/json.h"

#include <stdlib.h>
#include <string.h>

static void sealing_settings_clear(void *item)
{
    struct sealing_settings *x = item;
    store_secret_free(x->error_webhook_secret);
    store_secret_free(x->signing_secret);
}

void store_sealing_settings_list_free(struct sealing_settings_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, sealing_settings_clear);
}

static void settings_row(const struct store_row *st, void *item)
{
    struct sealing_settings *x = item;
    store_column_copy(st, 0, x->env_id, sizeof x->env_id);
    x->error_webhook_secret = store_column_strdup(st, 1);
    x->signing_secret = store_column_strdup(st, 2);
}

int store_settings_secrets(struct store *s, struct sealing_settings_list *out)
{
    return store_rows_list(s, "SELECT env_id, error_webhook_secret, signing_secret FROM settings",
                           settings_row, sealing_settings_clear, sizeof *out->items, &out->items,
                           &out->n, STORE_NO_ARGS);
}

int store_settings_secrets_set(struct store *s, const char *env, const char *error_webhook_secret,
                               const char *signing_secret)
{
    return store_query(
        s,
        "UPDATE settings SET error_webhook_secret = ?2, signing_secret = ?3 "
        "WHERE env_id = ?1",
        NULL,
        STORE_ARGS(store_text(env), store_text(error_webhook_secret), store_text(signing_secret)));
}

static void sealing_installation_clear(void *item)
{
    struct sealing_installation *x = item;
    cJSON_Delete(x->config);
}

void store_sealing_installation_list_free(struct sealing_installation_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, sealing_installation_clear);
}

static void installation_row(const struct store_row *st, void *item)
{
    struct sealing_installation *x = item;
    store_column_copy(st, 0, x->id, sizeof x->id);
    store_column_copy(st, 1, x->workflow_id, sizeof x->workflow_id);
    x->version = store_col_int(st, 2);
    x->config = store_column_json(st, 3);
    if (!x->config)
        x->config = cJSON_CreateNull();
}

int store_installations_with_secret_fields(struct store *s, struct sealing_installation_list *out)
{
    return store_rows_list(s,
                           "SELECT i.id, i.workflow_id, i.version, i.config FROM installations i "
                           "JOIN workflow_versions v ON v.workflow_id = i.workflow_id "
                           "AND v.version = i.version "
                           "WHERE lower(v.fields) LIKE '%password%' "
                           "OR lower(v.fields) LIKE '%writeonly%'",
                           installation_row, sealing_installation_clear, sizeof *out->items,
                           &out->items, &out->n, STORE_NO_ARGS);
}

int store_installation_set_config(struct store *s, const char *id, const cJSON *config)
{
    return store_query(s, "UPDATE installations SET config = ?2 WHERE id = ?1", NULL,
                       STORE_ARGS(store_text(id), store_json(config)));
}

int store_wal_fold(struct store *s)
{
    return store_fold_log(s);
}
