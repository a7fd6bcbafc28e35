/*
 * Store: end users' app credentials (kept sealed: the store never sees a secret in clear), the
 * webhook subscriptions of app triggers, and inbound webhook deliveries waiting to be enriched.
 * Row-returning functions give cJSON objects or arrays (see store_query), owned by the caller.
 */
#ifndef SOLDER_STORE_CREDENTIALS_H
#define SOLDER_STORE_CREDENTIALS_H

#include <cJSON.h>

#include "store/store.h"

/* ---- credentials ---- */

/* Inserts a credential; *id receives its id. sealed is the output of secrets_seal. */
int store_credential_insert(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *name, const char *sealed, char id[ID_LEN + 1]);
/* Columns: credentialId, type, name, createdAt, updatedAt (oldest first). */
int store_credentials_of_user(struct store *s, const char *env, const char *user_id, cJSON **rows);
/* The credential of the user for app: the one the installation chose (credentialIds), else the
 * newest. installation_id may be NULL. Columns: credentialId, type, name, sealed. *row is NULL
 * (and STORE_OK returned) when there is none. */
int store_credential_latest(struct store *s, const char *env, const char *user_id, const char *app,
                            const char *installation_id, cJSON **row);
/* The credential the installation chose for app at installation (credentialIds) into id, or ""
 * when it chose none. */
int store_installation_credential_choice(struct store *s, const char *installation_id,
                                         const char *app, char id[ID_LEN + 1]);
/* One credential by id (same columns as store_credential_latest); STORE_NOT_FOUND when absent. */
int store_credential_find(struct store *s, const char *env, const char *user_id, const char *id,
                          cJSON **row);
int store_credential_delete(struct store *s, const char *env, const char *user_id, const char *id);
/* Replaces a credential's sealed data (a refreshed token) and clears its error. */
int store_credential_reseal(struct store *s, const char *id, const char *sealed);
/* Marks a credential unusable (a refresh the provider refused), with the reason. */
int store_credential_set_error(struct store *s, const char *id, const char *error);

/* ---- OAuth2 authorization requests in flight ---- */

/* params: the credential form's values as the caller stores them (sealed, connectors/oauth.c). */
int store_oauth_state_insert(struct store *s, const char *state, const char *env,
                             const char *user_id, const char *app, const char *sealed_verifier,
                             const cJSON *params, const char *redirect_uri);
/* Records the code the provider returned for state, once, within max_age_ms of the request.
 * STORE_NOT_FOUND when the state is unknown, used or too old. */
int store_oauth_state_code(struct store *s, const char *state, const char *sealed_code,
                           int64_t max_age_ms);
/* Requests with a code waiting to be exchanged. Columns: state, envId, userId, app,
 * sealedVerifier, params (JSON), redirectUri, sealedCode. */
int store_oauth_states_ready(struct store *s, cJSON **rows);
/* Removes a request, and every request older than max_age_ms. */
int store_oauth_state_delete(struct store *s, const char *state, int64_t max_age_ms);

/* ---- webhook subscriptions of app triggers (one per installation) ---- */

/*
 * Creates the subscription row of an installation in state 'pending', or returns the existing one.
 * Columns of *row: subscriptionId, envId, userId, workflowId, app, trigger, credentialId,
 * sealedSecret, remote (JSON), state, error, attempts (failed in a row), retryAt (ms, only while in
 * error), lastAttemptAt (ms).
 */
int store_subscription_ensure(struct store *s, const char *env, const char *user_id,
                              const char *workflow_id, const char *app, const char *trigger,
                              const char *sealed_secret, cJSON **row);
int store_subscription_find(struct store *s, const char *id, cJSON **row);
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
/* Active installations with an app trigger and no subscription yet (or one left pending).
 * Columns: envId, userId, workflowId, version, installationId. */
int store_subscriptions_missing(struct store *s, cJSON **rows);
/* Active installations whose failed subscription is due for another attempt (retryAt <= now),
 * at most limit, the longest waiting first. Columns as store_subscriptions_missing. */
int store_subscriptions_due(struct store *s, int64_t now, int limit, cJSON **rows);
/* Every subscription of an environment, for the installations list. Columns: subscriptionId,
 * workflowId, userId, app, trigger, state, error, lastAttemptAt, retryAt. */
int store_subscriptions_of_env(struct store *s, const char *env, cJSON **rows);
/* Active subscriptions with their installation's version (same columns as
 * store_subscription_find, plus version): checked against the installed trigger after upgrades. */
int store_subscriptions_active(struct store *s, cJSON **rows);
/* Subscriptions whose installation is gone, inactive or no longer app-triggered (same columns as
 * store_subscription_find). */
int store_subscriptions_stale(struct store *s, cJSON **rows);

/* ---- polling triggers ---- */

/* Records key as seen for a subscription. STORE_OK when new, STORE_CONFLICT when already seen. */
int store_poll_seen_insert(struct store *s, const char *subscription_id, const char *key);
/* Forgets keys seen before cutoff (ms) for a subscription, and all keys of deleted ones. */
int store_poll_seen_prune(struct store *s, const char *subscription_id, int64_t cutoff);

/* ---- inbound deliveries, verified and waiting for enrichment ---- */

int store_delivery_insert(struct store *s, const char *subscription_id, const char *payload);
/* The oldest deliveries. Columns: id, subscriptionId, payload (text), createdAt. */
int store_deliveries_next(struct store *s, int limit, cJSON **rows);
int store_delivery_delete(struct store *s, const char *id);

#endif
