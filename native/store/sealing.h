/*
 * Store: the rows of the start-up pass that seals secrets older versions kept in clear
 * (engine/sealed.c): every environment's settings secrets, and the configurations of installations
 * whose version declares secret-looking fields. Lists come back typed, freed by their
 * store_*_list_free (which zero the secrets' text first).
 */
#ifndef SOLDER_STORE_SEALING_H
#define SOLDER_STORE_SEALING_H

#include <cJSON.h>

#include "store/store.h"

/* One environment's settings secrets, each as stored (sealed, or clear from older versions). */
struct sealing_settings {
    char env_id[ID_LEN + 1];
    char *error_webhook_secret; /* NULL when none */
    char *signing_secret;       /* NULL when none */
};

struct sealing_settings_list {
    struct sealing_settings *items;
    size_t n;
};
void store_sealing_settings_list_free(struct sealing_settings_list *l);

int store_settings_secrets(struct store *s, struct sealing_settings_list *out);
/* Stores both secrets of env as given (NULL stores NULL). */
int store_settings_secrets_set(struct store *s, const char *env, const char *error_webhook_secret,
                               const char *signing_secret);

/* An installation and its configured field values. */
struct sealing_installation {
    char id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    int version;
    cJSON *config; /* the configuration document (JSON null when the stored text does not parse) */
};

struct sealing_installation_list {
    struct sealing_installation *items;
    size_t n;
};
void store_sealing_installation_list_free(struct sealing_installation_list *l);

/* Installations whose released version's fields mention "password" or "writeOnly" — a superset of
 * those with secret fields. */
int store_installations_with_secret_fields(struct store *s, struct sealing_installation_list *out);
int store_installation_set_config(struct store *s, const char *id, const cJSON *config);

/* Folds the WAL back into the database file and truncates it: after values were replaced by their
 * sealed form (the replaced text is zeroed in the pages, secure_delete being on), no copy of the
 * clear text survives in the WAL either. */
int store_wal_fold(struct store *s);

#endif
