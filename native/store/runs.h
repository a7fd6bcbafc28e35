/*
 * Store: what end users install and what runs — installations, install sessions, accepted events,
 * executions (which are also the durable job queue), their steps and errors. Row-returning
 * functions give cJSON arrays of objects (see store_query), owned by the caller.
 *
 * An execution row is its own job: status 'queued' (waiting for run_at), 'running' (claimed, with a
 * lease that its process renews while it lives; a lease that runs out makes it claimable again, so
 * a crashed or stalled process loses nothing), then 'success', 'stopped' or 'error'. Each claim
 * counts an attempt, and the writes of a run's outcome name that attempt, so a claim that was
 * taken over writes nothing.
 */
#ifndef SOLDER_STORE_RUNS_H
#define SOLDER_STORE_RUNS_H

#include <cJSON.h>

#include "store/store.h"

/* ---- installations (the per-user "child" workflows) ---- */

/* Installs or reinstalls (new version, config, active again). *id receives the installation id. */
int store_installation_upsert(struct store *s, const char *env, const char *workflow_id,
                              const char *user_id, const char *integration_id, int version,
                              const cJSON *config, const char *trigger_type,
                              const char *trigger_event, char id[ID_LEN + 1]);
/* Columns: installationId, workflowId, userId, integrationId, version, active, config (JSON),
 * triggerType, triggerEvent, installedAt, updatedAt, credentialIds (JSON app -> id, when chosen).
 */
int store_installation_find(struct store *s, const char *workflow_id, const char *user_id,
                            cJSON **row);
/* Binds the credentials an installation's app actions use ({app: credentialId}). */
int store_installation_set_credentials(struct store *s, const char *id,
                                       const cJSON *credential_ids);
/* Adds username, fullName. */
int store_installations_of_workflow(struct store *s, const char *workflow_id, cJSON **rows);
int store_installations_of_env(struct store *s, const char *env, cJSON **rows);
int store_installation_set_active(struct store *s, const char *workflow_id, const char *user_id,
                                  bool active);
int store_installation_set_version(struct store *s, const char *workflow_id, const char *user_id,
                                   int version, const char *trigger_type,
                                   const char *trigger_event);
int store_installation_delete(struct store *s, const char *workflow_id, const char *user_id);
int store_installations_deactivate_user(struct store *s, const char *user_id);

int store_install_session_insert(struct store *s, const char *env, const char *id,
                                 const char *user_id, const char *integration_id,
                                 const cJSON *workflow_ids, const cJSON *versions,
                                 const cJSON *credential_ids);
/* Columns: installationId, userId, integrationId, workflowIds (JSON), versions (JSON: the version
 * to install per workflow, 0 = latest; absent in sessions of older servers), state, createdAt. */
int store_install_session_find(struct store *s, const char *env, const char *id, cJSON **row);
int store_install_session_complete(struct store *s, const char *id);

/* Single-use tokens (install links): whether jti was used, and recording its use. */
bool store_token_used(struct store *s, const char *jti);
int store_token_use(struct store *s, const char *jti, int64_t expires_at);

/* ---- accepting work ---- */

/*
 * Records an accepted event and queues one execution for every active installation of the user
 * whose trigger matches (trigger_event NULL matches any event of the type; workflow_id NULL matches
 * any workflow), in the caller's transaction. *event_id receives the event's id; *executions an
 * array of the new execution ids.
 */
int store_enqueue(struct store *s, const char *env, const char *user_id, const char *name,
                  const char *trigger_type, const char *trigger_event, const char *workflow_id,
                  const char *payload, char event_id[ID_LEN + 1], cJSON **executions);

/* Queues a new execution of one installation with the given event payload (reruns, manual runs),
 * in its own transaction; STORE_NOT_FOUND (nothing written) when the installation is gone. */
int store_enqueue_installation(struct store *s, const char *installation_id, const char *payload,
                               char exec_id[ID_LEN + 1]);

/* Active schedule-triggered installations whose next run is due or not yet planned (next_run_at
 * absent). Columns: installationId, workflowId, version, envId, userId, nextRunAt. */
int store_schedules_due(struct store *s, int64_t now, int limit, cJSON **rows);
int store_schedule_set(struct store *s, const char *installation_id, int64_t next_run_at);

/* ---- running ---- */

/*
 * Claims up to limit due executions (running with an expired lease first, then queued and due, the
 * longest due first), marking
 * them running until now + lease_ms under owner (the claiming process's token, see
 * store_leases_renew) and counting the attempt: the attempt number is the claim's fencing token.
 * Columns: id, envId, installationId, workflowId, userId, version, eventId, attempt, state (JSON),
 * createdAt, and what the run reads: eventPayload (JSON, absent without an event), installConfig
 * (JSON, absent when the installation is gone), username and fullName (absent when unset).
 */
int store_claim(struct store *s, int64_t now, int64_t lease_ms, int limit, const char *owner,
                cJSON **rows);
/* Extends to lease_until the lease of every execution owner still holds (the heartbeat of a live
 * process). Returns the number renewed, or STORE_ERROR. */
int store_leases_renew(struct store *s, const char *owner, int64_t lease_until);
/* Extends the lease of one execution claimed as attempt: STORE_OK while that claim still holds it,
 * STORE_NOT_FOUND once it was lost (taken over by another claim, or requeued). */
int store_lease_renew(struct store *s, const char *id, int attempt, int64_t lease_until);
/* Stops renewing one claim (its outcome could not be written): the lease runs out and the
 * execution is claimed again. STORE_NOT_FOUND when the claim was already lost. */
int store_lease_release(struct store *s, const char *id, int attempt);
/* Makes every 'running' execution queued again, for a process that knows no other process uses the
 * database (their claims are void). Returns the number requeued, or STORE_ERROR. */
int store_requeue_orphans(struct store *s);

/* The writes of a run's outcome, each fenced by the claim (attempt) it ran under: STORE_NOT_FOUND,
 * with nothing written, when that claim no longer holds the execution. */
int store_execution_finish(struct store *s, const char *id, int attempt, const char *status,
                           const char *error, const char *error_block, const cJSON *state);
int store_execution_requeue(struct store *s, const char *id, int attempt, int64_t run_at,
                            const cJSON *state, const char *error, const char *error_block);
int store_step_insert(struct store *s, const char *execution_id, int seq, const char *block_id,
                      const char *block_type, const char *block_name, const char *step_key,
                      const char *status, int attempt, int64_t started, int64_t stopped,
                      const cJSON *inputs, const cJSON *output, const char *error);
int store_error_insert(struct store *s, const char *env, const char *execution_id,
                       const char *workflow_id, const char *installation_id, const char *user_id,
                       const char *block, const char *message);
/* An app-trigger subscription that failed (kind 'subscription'; its id stands in executionId). */
int store_error_insert_subscription(struct store *s, const char *env, const char *subscription_id,
                                    const char *workflow_id, const char *installation_id,
                                    const char *user_id, const char *block, const char *message);
/* Errors not yet streamed to the ISV's webhook or EventBridge bus, oldest first (with the env's
 * error-stream settings: url, secret, eventBridge; and each error's kind: 'execution' or
 * 'subscription'). */
int store_errors_unstreamed(struct store *s, int limit, cJSON **rows);
int store_error_mark_streamed(struct store *s, const char *id);

/* ---- looking back ---- */

/* Executions of a parent workflow (optionally one user), newest or oldest first, paged. */
int store_executions_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                                 bool errors_only, bool ascending, int offset, int limit,
                                 cJSON **rows);
int store_execution_find(struct store *s, const char *id, cJSON **row);
/* The first limit steps of an execution. inputs and output (JSON) are left out when their text is
 * longer than max_bytes; inputsBytes and outputBytes give every text's length in bytes. */
int store_steps_of_execution(struct store *s, const char *execution_id, int64_t max_bytes,
                             int limit, cJSON **rows);
/*
 * A workflow's errors (of one user when user_id is not NULL), newest first, at most 1000. Columns:
 * kind ('execution' or 'subscription'), workflowId, executionId (a subscription's id for kind
 * 'subscription'), installationId, userId, block, message, createdAt, status ('failed': not tried
 * again; 'retrying': another attempt comes, at nextAttemptAt when known; 'resolved': a later
 * attempt of the subscription succeeded), nextAttemptAt, attempt. Executions between attempts are
 * listed as 'retrying' with their last error.
 */
int store_errors_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                             cJSON **rows);
int store_workflow_counts(struct store *s, const char *workflow_id, cJSON **row);
/* The queue's depth for the metrics: executions waiting (due now or later) and running, counted
 * over the partial indexes of those states (not the history). Columns: queued, running. */
int store_queue_depth(struct store *s, cJSON **row);
int store_event_payload(struct store *s, const char *event_id, cJSON **row);

/* Removes every execution, step, error and accepted event of a user and scrubs the freed pages. */
int store_user_logs_delete(struct store *s, const char *user_id);
/* Removes executions finished before the cutoff (per environment retention). Returns rows removed.
 */
int store_purge_before(struct store *s, const char *env, int64_t cutoff);

#endif
