/*
 * Store: what the ISV builds — integrations, workflows (draft + released versions), custom events
 * and environment settings. Row-returning functions give cJSON arrays of objects (see store_query),
 * owned by the caller. All functions are scoped by environment id.
 */
#ifndef SOLDER_STORE_CATALOG_H
#define SOLDER_STORE_CATALOG_H

#include <cJSON.h>

#include "store/store.h"

int store_integration_insert(struct store *s, const char *env, const char *id, const char *name,
                             const char *app, const char *icon, const char *description);
/* Columns: integrationId, name, app, icon, description, createdAt, updatedAt */
int store_integrations(struct store *s, const char *env, cJSON **rows);
/* By id or name; *row is NULL when absent. */
int store_integration_find(struct store *s, const char *env, const char *id_or_name, cJSON **row);
int store_integration_update(struct store *s, const char *env, const char *id, const char *name,
                             const char *app, const char *icon, const char *description);
/* Refuses (STORE_CONFLICT) while the integration has workflows. */
int store_integration_delete(struct store *s, const char *env, const char *id);

int store_workflow_insert(struct store *s, const char *env, const char *id,
                          const char *integration_id, const char *name, const cJSON *draft);
int store_workflow_update_draft(struct store *s, const char *env, const char *id, const char *name,
                                const cJSON *draft);
/* Columns: workflowId, integrationId, name, draft (JSON), version, createdAt, updatedAt */
int store_workflow_find(struct store *s, const char *env, const char *id_or_name, cJSON **row);
int store_workflows_of_integration(struct store *s, const char *integration_id, cJSON **rows);
int store_workflows(struct store *s, const char *env, cJSON **rows);
/* Releases the draft as version n+1 (in one transaction, or inside the caller's when one is open),
 * recording who released it (released_by, shown as is; NULL when unknown); *version receives n+1.
 */
int store_workflow_release(struct store *s, const char *env, const char *id,
                           const cJSON *definition, const char *trigger_type,
                           const char *trigger_event, const cJSON *blocks, const cJSON *fields,
                           const char *released_by, int *version);
/* Columns: version, definition (JSON), triggerType, triggerEvent, blocks (JSON), fields (JSON),
 * releasedAt. version 0 = the latest. */
int store_workflow_version(struct store *s, const char *workflow_id, int version, cJSON **row);
/* Columns: version, triggerType, releasedAt, releasedBy (absent when unknown); oldest first. */
int store_workflow_versions(struct store *s, const char *workflow_id, cJSON **rows);

int store_event_upsert(struct store *s, const char *env, const char *name, const char *description,
                       const cJSON *body, const cJSON *schema, bool create_only);
/* Columns: name, description, body (JSON), schema (JSON), updatedAt */
int store_events(struct store *s, const char *env, cJSON **rows);
int store_event_find(struct store *s, const char *env, const char *name, cJSON **row);
/* Only the event's updatedAt (ms): enough to tell whether a cached schema is current. */
int store_event_updated_at(struct store *s, const char *env, const char *name, int64_t *updated_at);
int store_event_delete(struct store *s, const char *env, const char *name);

/* Columns: errorWebhookUrl, errorWebhookSecret, signingSecret, logRetentionDays (defaults when
 * unset), rateLimits (JSON text or absent). The secrets are as stored: sealed by the caller
 * (engine/sealed.h), never in clear. */
int store_settings(struct store *s, const char *env, cJSON **row);
/* Sets (or with NULL removes) the environment's EventBridge error stream: JSON text whose secret
 * values are already sealed (api/settings.c). */
int store_settings_eventbridge_set(struct store *s, const char *env, const char *config);
int store_settings_update(struct store *s, const char *env, const char *url,
                          const char *sealed_secret, int retention_days, const char *rate_limits);

/* The environment's settings row (with signingSecret, the outbound whsec_ secret, sealed). The
 * first time, a secret from make_secret(arg) (malloc'd, sealed) is stored; afterwards this is a
 * read. */
int store_signing_secret(struct store *s, const char *env, char *(*make_secret)(void *arg),
                         void *arg, cJSON **row);
/* Replaces the environment's outbound signing secret (sealed) — a rotation. */
int store_signing_secret_set(struct store *s, const char *env, const char *sealed_secret);

/* A named server key pair (e.g. the X-Alloy-Signature RSA key): inserted when private_pem is given
 * and none exists; *row gets {privatePem, publicPem} or NULL. */
int store_server_key(struct store *s, const char *name, const char *private_pem,
                     const char *public_pem, cJSON **row);
/* Replaces the stored private half of the named key (sealing one stored in clear). */
int store_server_key_set_private(struct store *s, const char *name, const char *private_pem);

#endif
