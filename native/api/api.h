/*
 * API handlers, one file per area, and the checks they share. Every handler runs after the
 * pipeline of http/server.c, so the caller is authenticated and req->json is parsed JSON or NULL,
 * and fits the route's body schema (native/api/routes/) when the route declares one.
 */
#ifndef SOLDER_API_H
#define SOLDER_API_H

#include "app.h"

/* The route table of every API area (generated from the descriptions in native/api/routes/),
 * which `solder serve` gives the server. */
extern const struct route API_ROUTES[];
extern const size_t API_ROUTE_COUNT;
/* The OpenAPI document describing the table, generated with it. */
extern const char API_OPENAPI_JSON[];

/* api/health.c */
void api_healthz(struct request *req);
void api_jwks(struct request *req);
void api_signature_key(struct request *req);
void api_openapi(struct request *req);

/* api/users.c */

/* Signs a token for user u in the caller's environment, valid ttl seconds; scope and
 * integration_id mark a hosted install link's token (both NULL for a plain user token).
 * Returns malloc'd text or NULL. */
char *api_mint_token(struct request *req, const struct user *u, int64_t ttl, const char *scope,
                     const char *integration_id);
void api_users_create(struct request *req);
void api_users_batch(struct request *req);
void api_users_list(struct request *req);
void api_users_get(struct request *req);
void api_users_update(struct request *req);
void api_users_delete(struct request *req);
void api_users_token(struct request *req);

/* api/common.c */

/*
 * Loads the user named by an id or username within the caller's environment. A user token may only
 * name its own user. Replies 404 and returns false when there is no such user for this caller.
 */
bool api_load_user(struct request *req, const char *id_or_name, struct user *out);

/* The workflow template or integration named by id or name in the caller's environment into *out
 * (the caller clears it); replies 404 (or 500) and returns false when there is none, 403 when the
 * caller is an install link for another integration. */
struct workflow;
struct integration;
bool api_load_workflow(struct request *req, const char *id_or_name, struct workflow *out);
bool api_load_integration(struct request *req, const char *id_or_name, struct integration *out);

/* Whether the caller may act on integration_id: always, unless it is an install link's token,
 * which may only act on its own integration. Replies 403 and returns false otherwise. */
bool api_integration_allowed(struct request *req, const char *integration_id);

/* {userId, username?, fullName?} for a user. */
cJSON *api_user_json(const struct user *u);

/* Longest text api_actor writes: an email address or "API key " and a key's prefix. */
#define API_ACTOR_MAX 320

/* Who is calling, as a workflow's versions list names who released each: the dashboard account's
 * email for a session, "API key <prefix>" for an API key, else "" (when the store cannot say).
 * Writes at most API_ACTOR_MAX bytes and a NUL to out. */
void api_actor(struct request *req, char out[API_ACTOR_MAX + 1]);

/* api/common.c, continued */

/* The workflow a body names by "workflowId" or "workflowName" (either may hold an id or a name);
 * replies 400 and returns NULL when neither is given. */
const char *api_workflow_ref(struct request *req, const cJSON *body);

/* Answers 422 {message, code: "validation_failed", errors} (takes errors). */
void api_reply_invalid(struct request *req, const char *message, cJSON *errors);

/*
 * The end user a call is about: `userId` from the query string or else the body (id or username).
 * With a user token the token's own user is used (another user named: 404). Replies 400 when
 * required and missing, 404 when unknown, and returns false then. *present tells whether one was
 * named.
 */
bool api_user_param(struct request *req, const cJSON *body, bool required, struct user *out,
                    bool *present);

/* api/workflows.c: the users who installed a workflow (id or name), in installation order, as
 * {userId, username?, fullName}; with detail also workflowActive, installedVersion, installedAt.
 * NULL after replying 404 (or 500). */
cJSON *api_workflow_installers(struct request *req, const char *workflow, bool detail);

/* "2024-05-01T11:50:14.043Z" for a time in milliseconds. */
cJSON *api_time_json(int64_t ms);
void api_time_text(int64_t ms, char out[32]);
/* Adds o[name] = the time of row[column] (ms) as api_time_json, when that column is a number. */
void api_add_time(cJSON *o, const char *name, const cJSON *row, const char *column);
/* Adds o[name] = the time ms as api_time_json, when it is not 0 (absent). */
void api_add_time_ms(cJSON *o, const char *name, int64_t ms);
/* Adds o[name] = text when text is not NULL. */
void api_add_str(cJSON *o, const char *name, const char *text);

/* Answers 200 {"data": data, "page", "limit"} (takes data), with "truncated": true when something
 * was left out to keep the answer within its budget. */
void api_reply_page(struct request *req, cJSON *data, long page, long limit, bool truncated);

/* An integer query parameter within [min, max], else def; replies 400 and returns false when it is
 * present but not an integer in range. */
bool api_query_int(struct request *req, const char *name, long min, long max, long def, long *out);

/* The byte budget of one logs answer (step inputs and outputs it may carry, see
 * --max-logs-response); api_execution_json takes from it. */
struct logs_budget {
    size_t left;
    bool truncated; /* something was left out */
};
/* The budget of one answer: the server's --max-logs-response. */
struct logs_budget api_logs_budget(const struct request *req);

/* api/logs.c: one execution (as store_execution_find gives it) with its steps, in the
 * reference's log shape (results, inputs), within b: once it is spent, step data is replaced by
 * truncation markers and further steps are left out. The caller owns the answer. */
struct execution;
cJSON *api_execution_json(struct store *s, const struct execution *x, struct logs_budget *b);

/* api/history.c */
void api_history_executions(struct request *req);
void api_history_execution(struct request *req);
void api_history_analytics(struct request *req);

/* api/builder.c */
void api_builder_workflows(struct request *req);
void api_builder_version(struct request *req);

/* api/integrations.c */
void api_integrations_create(struct request *req);
void api_integrations_list(struct request *req);
void api_integrations_get(struct request *req);
void api_integrations_update(struct request *req);
void api_integrations_delete(struct request *req);

/* api/workflows.c */

/* A released workflow as the reference's Workflow object, with the user's installed state when u
 * names one. */
cJSON *api_workflow_view(struct request *req, const struct workflow *wf, const struct user *u);

void api_workflows_create(struct request *req);
void api_workflows_update(struct request *req);
void api_workflows_release(struct request *req);
void api_workflows_versions(struct request *req);
void api_workflows_list(struct request *req);
void api_workflows_get(struct request *req);
void api_workflows_activate(struct request *req);
void api_workflows_deactivate(struct request *req);
void api_workflows_upgrade(struct request *req);
void api_workflows_uninstall(struct request *req);
void api_workflows_users(struct request *req);

/* api/installations.c */
void api_installations_list(struct request *req);
void api_headless_start(struct request *req);
void api_headless_complete(struct request *req);
void api_users_deactivate_workflows(struct request *req);
void api_users_install_url(struct request *req);

/* api/events.c */
void api_events_list(struct request *req);
void api_events_create(struct request *req);
void api_events_get(struct request *req);
void api_events_update(struct request *req);
void api_events_delete(struct request *req);
void api_run_event(struct request *req);
void api_run_workflow(struct request *req);

/* api/logs.c */
void api_workflow_logs(struct request *req);
void api_workflow_errors(struct request *req);
void api_workflow_analytics(struct request *req);
void api_workflow_rerun(struct request *req);
void api_logs(struct request *req);
void api_users_delete_logs(struct request *req);

/* api/auth.c: dashboard sign-in */
void api_auth_state(struct request *req);
void api_auth_setup(struct request *req);
void api_auth_login(struct request *req);
void api_auth_session_get(struct request *req);
void api_auth_session_put(struct request *req);
void api_auth_logout(struct request *req);

/* api/settings.c */
void api_settings_get(struct request *req);
void api_settings_update(struct request *req);
void api_settings_rotate_signing_secret(struct request *req);
void api_settings_test_error_webhook(struct request *req);

/* api/apikeys.c */
void api_keys_list(struct request *req);
void api_keys_create(struct request *req);
void api_keys_revoke(struct request *req);

/* api/promote.c */
void api_promote_preview(struct request *req);
void api_promote(struct request *req);

#endif
