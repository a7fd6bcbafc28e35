/*
 * Secrets the engine keeps at rest, sealed under the master key like credentials
 * (crypto/secrets.h): the environment's error-webhook secret and outbound signing secret, and the
 * values of configurable fields declared `format: password` or `writeOnly: true`. The store only
 * ever holds their sealed form; they are opened in memory where they are used (signing, the
 * context of an execution) and never returned by the API.
 *
 * A sealed field value is stored in the installation's config as {"$sealed": "v1...."}: the
 * sealed JSON text of the value. Older versions stored all of these in clear; sealed_upgrade seals
 * what it finds at start.
 */
#ifndef SOLDER_SEALED_H
#define SOLDER_SEALED_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "crypto/secrets.h"
#include "engine/outbound.h"
#include "store/store.h"
#include "workflow/workflow.h"

struct engine;

/* Whether a configurable field holds a secret: its schema says format "password" or writeOnly. */
bool sealed_field_secret(const struct wf_field *f);

/* Seals, in place, config's values of def's secret fields; values already sealed stay as they
 * are. Returns 0, or -1 when sealing failed (config is then unchanged in part). */
int sealed_config_seal(const struct secrets_key *k, const struct workflow_def *def, cJSON *config);

/*
 * Sets into config (in place) the opened value of each of def's secret fields that stored (an
 * installation's config as stored) holds; a value stored in clear is taken as it is. Each opened
 * value is remembered in secrets (may be NULL). Returns 0, or -1 with err set when a value does not
 * open under k.
 */
int sealed_config_open(const struct secrets_key *k, const struct workflow_def *def,
                       const cJSON *stored, cJSON *config, struct outbound_secrets *secrets,
                       char *err, size_t err_len);

/* Removes, in place, the values of def's secret fields (def may be NULL) and any sealed value: for
 * answers and saved execution state, which never carry them. */
void sealed_config_hide(const struct workflow_def *def, cJSON *config);

/* A settings secret sealed for the store (malloc'd), or NULL when sealing failed. */
char *sealed_setting_seal(const struct secrets_key *k, const char *secret);
/* A stored settings secret opened (malloc'd): a sealed value is opened, a clear "whsec_" value (as
 * older versions stored) is returned as it is; NULL for NULL or a value that does not open. */
char *sealed_setting_open(const struct secrets_key *k, const char *stored);

/* A new outbound signing secret (whsec_...), sealed under key (a struct secrets_key *): the shape
 * of store_signing_secret's make_secret. NULL when randomness or sealing failed. */
char *sealed_new_signing_secret(void *key);

/* At start, before the workers: seals every settings secret and secret field value an older
 * version stored in clear, then folds the WAL so the clear text lingers nowhere (the store zeroes
 * replaced content: secure_delete). Returns 0, or -1 with err set. */
int sealed_upgrade(struct store *s, const struct secrets_key *k, char *err, size_t err_len);

/* The environment's outbound signing secret changed: workers drop their cached copies. Any thread.
 */
void engine_settings_changed(struct engine *e);

#endif
