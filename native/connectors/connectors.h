/*
 * The server's connectors: the registry of the connector files (connectors/NAME.json) loaded at
 * start, credentials sealed under the master key, app actions run for the engine, and webhook app
 * triggers (subscriptions, inbound deliveries, enrichment) run on one background thread of this
 * module.
 *
 * Lifecycle: connectors_load before the engine starts (a broken file is reported and skipped);
 * connectors_start once the engine runs (starts the hooks thread); connectors_stop before
 * engine_stop; connectors_free last. The registry never changes after load, so any thread may read
 * it; the functions below say which thread they expect.
 */
#ifndef SOLDER_CONNECTORS_H
#define SOLDER_CONNECTORS_H

#include <stdbool.h>
#include <stdio.h>

#include <cJSON.h>

#include "connector/connector.h"
#include "crypto/secrets.h"
#include "store/store.h"
#include "workflow/workflow.h"

struct engine;
struct engine_block_call;
struct http_client;
struct connectors;
struct outbound_ctx;

/*
 * Loads every DIR/NAME.json except connector.schema.json, validating each against
 * DIR/connector.schema.json and then connector_parse; problems go to log with the file's path.
 * data_dir locates the master key. Returns the registry (possibly empty), or NULL with err set when
 * the master key cannot be loaded.
 */
struct connectors *connectors_load(const char *dir, const char *data_dir, FILE *log, char *err,
                                   size_t err_len);
void connectors_free(struct connectors *c);
/* The hosts the server allows besides each connector's own (see connector_url_permitted):
 * allow_private (--allow-private-network) and allow_hosts (--allow-hosts, comma-separated, may be
 * NULL). Call once after connectors_load, before the engine starts. */
void connectors_set_network(struct connectors *c, bool allow_private, const char *allow_hosts);

int connectors_count(const struct connectors *c);
const struct connector *connectors_at(const struct connectors *c, int i);
/* By app id ("bigcommerce"), case-insensitively, or by display name ("BigCommerce"). */
const struct connector *connectors_find(const struct connectors *c, const char *app);
const struct secrets_key *connectors_key(const struct connectors *c);

/* ---- credentials (connectors/credentials.c) ---- */

/* A credential's data in clear (caller frees with cJSON_Delete), or NULL when it cannot be opened.
 */
cJSON *connectors_credential_open(const struct connectors *c, const char *sealed);

/*
 * The credential an installation uses for app: the one it chose at installation (credentialIds),
 * else the user's newest credential of that app (installation_id may be NULL). A chosen credential
 * that was deleted is not replaced by another. Returns STORE_OK with *data (clear data, owned) and
 * id filled; STORE_NOT_FOUND when the user has none, or the chosen one was deleted (id names it);
 * STORE_CONFLICT when it is marked invalid (a refused refresh); STORE_ERROR (also when it cannot be
 * opened). Whenever it fails, err says why in words an end user's ISV can pass on.
 */
int connectors_credential_for(const struct connectors *c, struct store *s, const char *env_id,
                              const char *user_id, const char *app, const char *installation_id,
                              cJSON **data, char id[ID_LEN + 1], char *err, size_t err_len);
/* The same with the choice given: credential chosen (an id of the user's), or the user's newest of
 * app when chosen is NULL or empty (an installation being completed, before it is stored). */
int connectors_credential_chosen(const struct connectors *c, struct store *s, const char *env_id,
                                 const char *user_id, const char *app, const char *chosen,
                                 cJSON **data, char id[ID_LEN + 1], char *err, size_t err_len);

/*
 * Sends conn's test request (auth.test) with a new credential's clear data through a client made
 * with options, as Connect does before storing it. Returns true when the app answered 2xx; false
 * with the app's refusal or the network failure in err ("BigCommerce refused the credential: HTTP
 * 401 Unauthorized: …"). Any thread; conn without a test request passes.
 */
struct http_client_options;
bool connectors_credential_test(const struct connector *conn, const cJSON *data,
                                const struct http_client_options *options, char *err,
                                size_t err_len);

/* ---- OAuth2 authorization code with PKCE (connectors/oauth.c) ---- */

/* How long an authorization may take from oauthUrl to the callback. */
#define OAUTH_STATE_MAX_AGE_MS (10 * 60 * 1000)

/*
 * Starts an authorization for user: a random state bound to the user and app, a PKCE verifier
 * (both stored, the verifier sealed), and the provider's authorize URL with client id, redirect
 * URI (public_url + "/oauth/callback"), scopes, state and S256 challenge. params (borrowed) are the
 * credential form's values (e.g. shopSubdomain), kept into the credential. Returns the URL
 * (malloc'd), or NULL with an HTTP status in *status and err set.
 */
char *connectors_oauth_url(struct connectors *c, struct store *s, const char *env_id,
                           const char *user_id, const struct connector *conn, const cJSON *params,
                           const char *public_url, int *status, char *err, size_t err_len);

/* The provider's redirect: records code for state (once, within OAUTH_STATE_MAX_AGE_MS) and
 * wakes the hooks thread, which exchanges it. Returns an HTTP status (200, 400, 404). API thread.
 */
int connectors_oauth_callback(struct connectors *c, struct store *s, const char *state,
                              const char *code, char *err, size_t err_len);

/*
 * The provider's redirect with error= (the user denied, or the provider refused): for a state
 * this process started and that has not been used, the authorization ends as failed with the
 * provider's error and description (either may be NULL) in err, and the state is forgotten.
 * Returns 400 then, 404 (generic err) for an unknown or used state. API thread.
 */
int connectors_oauth_denied(struct connectors *c, struct store *s, const char *state,
                            const char *error, const char *description, char *err, size_t err_len);

/* Where an authorization stands, for GET /oauth/status and the callback page. */
enum oauth_phase {
    OAUTH_AUTHORIZING, /* the user is at the provider */
    OAUTH_EXCHANGING,  /* the code came back; the hooks thread is exchanging it */
    OAUTH_CONNECTED,   /* the credential is stored: credential_id */
    OAUTH_FAILED,      /* refused or unusable: error */
};

struct oauth_status {
    enum oauth_phase phase;
    char app[64];
    char credential_id[ID_LEN + 1];
    char error[256]; /* OAUTH_FAILED: why; OAUTH_EXCHANGING: the last retryable failure, or "" */
};

/* Fills *out for state and returns true, or false when this process does not know the state (never
 * started here, started before a restart, or older than OAUTH_STATE_MAX_AGE_MS). Any thread. */
bool connectors_oauth_status(struct connectors *c, const char *state, struct oauth_status *out);

/* On the hooks thread: exchanges every recorded code for tokens and stores the credential. */
void connectors_oauth_exchange(struct connectors *c, struct store *s, struct http_client *http);

/*
 * Makes *data (an OAuth2 credential's clear data, replaced in place) carry a usable access token:
 * refreshes it when it expires within a minute, or always when force (the provider answered 401
 * to it). One refresh at a time per process: a caller that waited finds the token another thread
 * refreshed and uses it. A refused refresh marks the credential invalid. Returns 0, or -1 with err
 * set and *retryable telling whether trying later may help.
 */
int connectors_oauth_refresh(struct connectors *c, struct store *s, struct http_client *http,
                             const struct connector *conn, const char *env_id, const char *user_id,
                             const char *credential_id, cJSON **data, bool force, bool *retryable,
                             char *err, size_t err_len);

/* ---- app actions (connectors/action.c), on a worker thread ---- */

/*
 * Runs block (an appAction) with its evaluated inputs for the execution call describes: finds the
 * connector and action, checks the inputs, loads the credential the installation chose, else the
 * user's newest (its values become secrets of the execution), renders, sends through call's
 * outbound path (engine/outbound.h: client, X-Alloy-* headers, signatures) and fills res: the
 * action's output on success; on failure the provider's status and message, retryable as
 * engine/retry.h decides (network errors, 408, 429, 5xx), or the reason the request could not be
 * signed.
 */
void connectors_action_run(struct connectors *c, const struct engine_block_call *call,
                           const struct wf_block *block, const cJSON *inputs,
                           struct wf_call_result *res);

/* ---- app triggers: webhooks and polling (connectors/hooks.c) ---- */

/* Starts the hooks thread (own connection to the store at db_path, and an HTTP client with the
 * engine's options). db_path and public_url are borrowed until connectors_stop; public_url may
 * still be empty and filled once the server listens. Returns 0 or -1. */
int connectors_start(struct connectors *c, struct engine *engine, const char *db_path,
                     const char *public_url);
void connectors_stop(struct connectors *c);
/* An installation changed: subscriptions are reconciled soon on the hooks thread. Any thread. */
void connectors_notify(struct connectors *c);
/* A credential of user_id for app (NULL: any app) was added, replaced or removed: the user's failed
 * subscriptions are tried again now rather than at their next backoff. Any thread, with its own
 * store connection s. */
void connectors_credentials_changed(struct connectors *c, struct store *s, const char *env_id,
                                    const char *user_id, const char *app);

#endif
