/* Store: queries of the start-up pass that seals secrets kept in clear (see sealing.h). */
#include "store/sealing.h"

#include "store/store_internal.h"

int store_settings_secrets(struct store *s, cJSON **rows)
{
    return store_query(s,
                       "SELECT env_id AS envId, error_webhook_secret AS errorWebhookSecret, "
                       "signing_secret AS signingSecret FROM settings",
                       rows, "");
}

int store_settings_secrets_set(struct store *s, const char *env, const char *error_webhook_secret,
                               const char *signing_secret)
{
    return store_query(s,
                       "UPDATE settings SET error_webhook_secret = ?2, signing_secret = ?3 "
                       "WHERE env_id = ?1",
                       NULL, "sss", env, error_webhook_secret, signing_secret);
}

int store_installations_with_secret_fields(struct store *s, cJSON **rows)
{
    return store_query(s,
                       "SELECT i.id, i.workflow_id AS workflowId, i.version, "
                       "i.config AS config_json FROM installations i "
                       "JOIN workflow_versions v ON v.workflow_id = i.workflow_id "
                       "AND v.version = i.version "
                       "WHERE v.fields LIKE '%password%' OR v.fields LIKE '%writeOnly%'",
                       rows, "");
}

int store_installation_set_config(struct store *s, const char *id, const cJSON *config)
{
    return store_query(s, "UPDATE installations SET config = ?2 WHERE id = ?1", NULL, "sj", id,
                       config);
}

int store_wal_fold(struct store *s)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}
