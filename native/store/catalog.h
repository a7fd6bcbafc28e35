/*
 * Store: what the ISV builds — integrations, workflows (draft + released versions), custom events
 * and environment settings, plus the server's named key pairs. Reads fill typed structs owned by
 * the caller (each released by its _clear or _list_free, which also accepts a zeroed struct). All
 * functions but the server keys are scoped by environment id.
 */
#ifndef SOLDER_STORE_CATALOG_H
#define SOLDER_STORE_CATALOG_H

#include <cJSON.h>

#include "store/store.h"

/* ---- integrations ---- */

/* One integration of an environment. Filled by the store; released by store_integration_clear. */
struct integration {
    char id[ID_LEN + 1];
    char *name;
    char *app;         /* may be NULL */
    char *icon;        /* may be NULL */
    char *description; /* may be NULL */
    int64_t created_at;
    int64_t updated_at;
};

struct integration_list {
    struct integration *items;
    size_t n;
};

void store_integration_clear(struct integration *i);
void store_integration_list_free(struct integration_list *l);

int store_integration_insert(struct store *s, const char *env, const char *id, const char *name,
                             const char *app, const char *icon, const char *description);
/* Oldest first. */
int store_integrations(struct store *s, const char *env, struct integration_list *out);
/* By id, name or app; STORE_NOT_FOUND when absent. */
int store_integration_find(struct store *s, const char *env, const char *id_or_name,
                           struct integration *out);
int store_integration_update(struct store *s, const char *env, const char *id, const char *name,
                             const char *app, const char *icon, const char *description);
/* Refuses (STORE_CONFLICT) while the integration has workflows. */
int store_integration_delete(struct store *s, const char *env, const char *id);

/* ---- workflows (the draft) and their released versions ---- */

/* One workflow: its draft definition (a JSON document, NULL when unreadable) and the number of its
 * latest released version (0 while never released). Released by store_workflow_clear. */
struct workflow {
    char id[ID_LEN + 1];
    char integration_id[ID_LEN + 1];
    char *name;
    cJSON *draft;
    int version;
    int64_t created_at;
    int64_t updated_at;
};

struct workflow_list {
    struct workflow *items;
    size_t n;
};

void store_workflow_clear(struct workflow *w);
void store_workflow_list_free(struct workflow_list *l);

int store_workflow_insert(struct store *s, const char *env, const char *id,
                          const char *integration_id, const char *name, const cJSON *draft);
int store_workflow_update_draft(struct store *s, const char *env, const char *id, const char *name,
                                const cJSON *draft);
/* By id or name; STORE_NOT_FOUND when absent. */
int store_workflow_find(struct store *s, const char *env, const char *id_or_name,
                        struct workflow *out);
/* Oldest first (both). */
int store_workflows_of_integration(struct store *s, const char *integration_id,
                                   struct workflow_list *out);
int store_workflows(struct store *s, const char *env, struct workflow_list *out);
/* Releases the draft as version n+1 (in one transaction, or inside the caller's when one is open),
 * recording who released it (released_by, shown as is; NULL when unknown); *version receives n+1.
 */
int store_workflow_release(struct store *s, const char *env, const char *id,
                           const cJSON *definition, const char *trigger_type,
                           const char *trigger_event, const cJSON *blocks, const cJSON *fields,
                           const char *released_by, int *version);

/* One released version. definition, blocks and fields are JSON documents (NULL when absent or not
 * read); released_by is NULL when unknown. Released by store_workflow_version_clear. */
struct workflow_version {
    int version;
    char *trigger_type;
    char *trigger_event; /* NULL unless a custom event starts it */
    cJSON *definition;
    cJSON *blocks;
    cJSON *fields;
    int64_t released_at;
    char *released_by;
};

struct workflow_version_list {
    struct workflow_version *items;
    size_t n;
};

void store_workflow_version_clear(struct workflow_version *v);
void store_workflow_version_list_free(struct workflow_version_list *l);

/* Every member but released_by; version 0 = the latest. STORE_NOT_FOUND when there is none. */
int store_workflow_version(struct store *s, const char *workflow_id, int version,
                           struct workflow_version *out);
/* version, trigger_type, released_at and released_by of every version, oldest first (no
 * documents). */
int store_workflow_versions(struct store *s, const char *workflow_id,
                            struct workflow_version_list *out);

/* ---- custom events ---- */

/* One custom event: its sample body and JSON Schema are documents (NULL when absent). Released by
 * store_custom_event_clear. */
struct custom_event {
    char *name;
    char *description; /* may be NULL */
    cJSON *body;
    cJSON *schema;
    int64_t updated_at;
};

struct custom_event_list {
    struct custom_event *items;
    size_t n;
};

void store_custom_event_clear(struct custom_event *e);
void store_custom_event_list_free(struct custom_event_list *l);

int store_event_upsert(struct store *s, const char *env, const char *name, const char *description,
                       const cJSON *body, const cJSON *schema, bool create_only);
/* Oldest first. */
int store_events(struct store *s, const char *env, struct custom_event_list *out);
/* STORE_NOT_FOUND when absent. */
int store_event_find(struct store *s, const char *env, const char *name, struct custom_event *out);
/* Only the event's updatedAt (ms): enough to tell whether a cached schema is current. */
int store_event_updated_at(struct store *s, const char *env, const char *name, int64_t *updated_at);
int store_event_delete(struct store *s, const char *env, const char *name);

/* ---- environment settings ---- */

/* An environment's settings (defaults when none were set). The secrets are as stored: sealed by
 * the caller (engine/sealed.h), never in clear; store_settings_clear zeroes them. rate_limits and
 * error_eventbridge are JSON text (the EventBridge secret values sealed), NULL when unset. */
struct settings {
    char env_id[ID_LEN + 1];
    char *error_webhook_url;
    char *error_webhook_secret;
    char *signing_secret;
    int log_retention_days;
    char *rate_limits;
    char *error_eventbridge;
};

void store_settings_clear(struct settings *st);

/* STORE_NOT_FOUND when the environment does not exist. */
int store_settings(struct store *s, const char *env, struct settings *out);
/* Sets (or with NULL removes) the environment's EventBridge error stream: JSON text whose secret
 * values are already sealed (api/settings.c). */
int store_settings_eventbridge_set(struct store *s, const char *env, const char *config);
int store_settings_update(struct store *s, const char *env, const char *url,
                          const char *sealed_secret, int retention_days, const char *rate_limits);

/* The environment's settings (with signing_secret, the outbound whsec_ secret, sealed). The first
 * time, a secret from make_secret(arg) (malloc'd, sealed) is stored; afterwards this is a read. */
int store_signing_secret(struct store *s, const char *env, char *(*make_secret)(void *arg),
                         void *arg, struct settings *out);
/* Replaces the environment's outbound signing secret (sealed) — a rotation. */
int store_signing_secret_set(struct store *s, const char *env, const char *sealed_secret);

/* ---- server key pairs ---- */

/* A named server key pair: the private half as stored (sealed, or in clear from older versions);
 * store_server_key_clear zeroes it. */
struct server_key {
    char *private_pem;
    char *public_pem;
};

void store_server_key_clear(struct server_key *k);

/* A named server key pair (e.g. the X-Alloy-Signature RSA key): inserted when private_pem is given
 * and none exists; STORE_NOT_FOUND when there is none. */
int store_server_key(struct store *s, const char *name, const char *private_pem,
                     const char *public_pem, struct server_key *out);
/* Replaces the stored private half of the named key (sealing one stored in clear). */
int store_server_key_set_private(struct store *s, const char *name, const char *private_pem);

#endif
