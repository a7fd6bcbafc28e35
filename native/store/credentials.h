/*
 * Store: end users' app credentials (kept sealed: the store never sees a secret in clear), the
 * webhook subscriptions of app triggers, and inbound webhook deliveries waiting to be enriched.
 * Reads fill typed structs owned by the caller, each released by its _clear or _list_free (which
 * also accept a zeroed struct, and zero the sealed members before freeing them).
 */
#ifndef SOLDER_STORE_CREDENTIALS_H
#define SOLDER_STORE_CREDENTIALS_H

#include <cJSON.h>

#include "store/store.h"

/* ---- credentials ---- */

/* One credential of a user. sealed (the output of secrets_seal) and error are filled by
 * store_credential_find and store_credential_latest only; created_at and updated_at by
 * store_credentials_of_user only. */
struct credential {
    char id[ID_LEN + 1];
    char *type; /* the app */
    char *name; /* may be NULL */
    char *sealed;
    char *error; /* NULL while usable; why a refresh was refused otherwise */
    int64_t created_at;
    int64_t updated_at;
};

struct credential_list {
    struct credential *items;
    size_t n;
};

void store_credential_clear(struct credential *c);
void store_credential_list_free(struct credential_list *l);

/* Inserts a credential; *id receives its id. sealed is the output of secrets_seal. */
int store_credential_insert(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *name, const char *sealed, char id[ID_LEN + 1]);
/* Oldest first. */
int store_credentials_of_user(struct store *s, const char *env, const char *user_id,
                              struct credential_list *out);
/* The credential of the user for app: the one the installation chose (credentialIds), else the
 * newest. installation_id may be NULL. STORE_NOT_FOUND when there is none. */
int store_credential_latest(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *installation_id, struct credential *out);
/* The credential the installation chose for app at installation (credentialIds) into id, or ""
 * when it chose none. */
int store_installation_credential_choice(struct store *s, const char *installation_id,
                                         const char *app, char id[ID_LEN + 1]);
/* One credential by id (as store_credential_latest fills it); STORE_NOT_FOUND when absent. */
int store_credential_find(struct store *s, const char *env, const char *user_id, const char *id,
                          struct credential *out);
int store_credential_delete(struct store *s, const char *env, const char *user_id, const char *id);
/* Replaces a credential's sealed data (a refreshed token) and clears its error. */
int store_credential_reseal(struct store *s, const char *id, const char *sealed);
/* Marks a credential unusable (a refresh the provider refused), with the reason. */
int store_credential_set_error(struct store *s, const char *id, const char *error);

/* ---- OAuth2 authorization requests in flight ---- */

/* A request whose code came back: the verifier and code sealed (zeroed by the clear), the
 * credential form's values (params) as the caller stored them. */
struct oauth_state {
    char *state;
    char env_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char *app;
    char *sealed_verifier;
    cJSON *params;
    char *redirect_uri;
    char *sealed_code;
};

struct oauth_state_list {
    struct oauth_state *items;
    size_t n;
};

void store_oauth_state_list_free(struct oauth_state_list *l);

/* params: the credential form's values as the caller stores them (sealed, connectors/oauth.c). */
int store_oauth_state_insert(struct store *s, const char *state, const char *env,
                             const char *user_id, const char *app, const char *sealed_verifier,
                             const cJSON *params, const char *redirect_uri);
/* Records the code the provider returned for state, once, within max_age_ms of the request.
 * STORE_NOT_FOUND when the state is unknown, used or too old. */
int store_oauth_state_code(struct store *s, const char *state, const char *sealed_code,
                           int64_t max_age_ms);
/* Requests with a code waiting to be exchanged, oldest first. */
int store_oauth_states_ready(struct store *s, struct oauth_state_list *out);
/* Removes a request, and every request older than max_age_ms. */
int store_oauth_state_delete(struct store *s, const char *state, int64_t max_age_ms);

/* ---- webhook subscriptions of app triggers (one per installation) ---- */

/* The subscription of an installation. remote is the provider's answer (a JSON document, NULL when
 * none); sealed_secret is zeroed by the clear. */
struct subscription {
    char id[ID_LEN + 1];
    char env_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char *app;
    char *trigger;
    char credential_id[ID_LEN + 1]; /* "" when none was used yet */
    char *sealed_secret;
    cJSON *remote;
    char state[16]; /* "pending", "active" or "error" */
    char *error;    /* may be NULL */
    int attempts;   /* failed in a row */
    bool has_retry_at;
    int64_t retry_at;        /* ms, only while in error (0 = at once) */
    int64_t last_attempt_at; /* ms, 0 before the first */
    int version;             /* the installation's, from store_subscriptions_active only */
};

struct subscription_list {
    struct subscription *items;
    size_t n;
};

void store_subscription_clear(struct subscription *sub);
void store_subscription_list_free(struct subscription_list *l);

/* An active app-triggered installation that needs its subscription (created or retried). */
struct subscription_need {
    char env_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char installation_id[ID_LEN + 1];
    int version;
};

struct subscription_need_list {
    struct subscription_need *items;
    size_t n;
};

void store_subscription_need_list_free(struct subscription_need_list *l);

/* Creates the subscription of an installation in state 'pending', or returns the existing one. */
int store_subscription_ensure(struct store *s, const char *env, const char *user_id,
                              const char *workflow_id, const char *app, const char *trigger,
                              const char *sealed_secret, struct subscription *out);
/* STORE_NOT_FOUND when absent. */
int store_subscription_find(struct store *s, const char *id, struct subscription *out);
/* Sets state ('active', 'error'), the provider's answer (remote, may be NULL) and an error text;
 * the time of the attempt. 'active' also ends a series of failures (attempts, retryAt). */
int store_subscription_update(struct store *s, const char *id, const char *state,
                              const char *credential_id, const cJSON *remote, const char *error);
/* Records a failed attempt: state 'error', the reason, one more attempt, the next at retry_at. */
int store_subscription_fail(struct store *s, const char *id, const char *credential_id,
                            const char *error, int64_t retry_at);
/* The failed subscriptions of a user (of app, or every app when NULL) are retried at once: the
 * user's credentials changed. */
int store_subscriptions_retry_now(struct store *s, const char *env, const char *user_id,
                                  const char *app);
int store_subscription_delete(struct store *s, const char *id);
/* Active installations with an app trigger and no subscription yet (or one left pending), the
 * oldest installed first. */
int store_subscriptions_missing(struct store *s, struct subscription_need_list *out);
/* Active installations whose failed subscription is due for another attempt (retry_at <= now),
 * at most limit, the longest waiting first. */
int store_subscriptions_due(struct store *s, int64_t now, int limit,
                            struct subscription_need_list *out);
/* Every subscription of an environment, for the installations list: every member but
 * sealed_secret, remote and version. */
int store_subscriptions_of_env(struct store *s, const char *env, struct subscription_list *out);
/* Active subscriptions with their installation's version: checked against the installed trigger
 * after upgrades. */
int store_subscriptions_active(struct store *s, struct subscription_list *out);
/* Subscriptions whose installation is gone, inactive or no longer app-triggered (version 0). */
int store_subscriptions_stale(struct store *s, struct subscription_list *out);

/* ---- polling triggers ---- */

/* Records key as seen for a subscription. STORE_OK when new, STORE_CONFLICT when already seen. */
int store_poll_seen_insert(struct store *s, const char *subscription_id, const char *key);
/* Forgets keys seen before cutoff (ms) for a subscription, and all keys of deleted ones. */
int store_poll_seen_prune(struct store *s, const char *subscription_id, int64_t cutoff);

/* ---- inbound deliveries, verified and waiting for enrichment ---- */

/* One inbound delivery: its payload as received (JSON text). */
struct delivery {
    char id[ID_LEN + 1];
    char subscription_id[ID_LEN + 1];
    char *payload;
    int64_t created_at;
};

struct delivery_list {
    struct delivery *items;
    size_t n;
};

void store_delivery_list_free(struct delivery_list *l);

int store_delivery_insert(struct store *s, const char *subscription_id, const char *payload);
/* The oldest deliveries, at most limit. */
int store_deliveries_next(struct store *s, int limit, struct delivery_list *out);
int store_delivery_delete(struct store *s, const char *id);

#endif
