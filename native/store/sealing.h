/*
 * Store: the rows of the start-up pass that seals secrets older versions kept in clear
 * (engine/sealed.c): every environment's settings secrets, and the configurations of installations
 * whose version declares secret-looking fields. Rows are cJSON arrays owned by the caller.
 */
#ifndef SOLDER_STORE_SEALING_H
#define SOLDER_STORE_SEALING_H

#include <cJSON.h>

#include "store/store.h"

/* Columns: envId, errorWebhookSecret, signingSecret (each as stored; absent when NULL). */
int store_settings_secrets(struct store *s, cJSON **rows);
/* Stores both secrets of env as given (NULL stores NULL). */
int store_settings_secrets_set(struct store *s, const char *env, const char *error_webhook_secret,
                               const char *signing_secret);

/* Columns: id, workflowId, version, config (JSON): installations whose released version's fields
 * mention "password" or "writeOnly" — a superset of those with secret fields. */
int store_installations_with_secret_fields(struct store *s, cJSON **rows);
int store_installation_set_config(struct store *s, const char *id, const cJSON *config);

/* Folds the WAL back into the database file and truncates it: after values were replaced by their
 * sealed form (the replaced text is zeroed in the pages, secure_delete being on), no copy of the
 * clear text survives in the WAL either. */
int store_wal_fold(struct store *s);

#endif
