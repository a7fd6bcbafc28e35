/*
 * Store: what end users install and what runs — installations, install sessions, accepted events,
 * executions (which are also the durable job queue), their steps and errors. Reading functions
 * fill typed structs (JSON documents — configuration, event payloads, saved state, step inputs and
 * outputs — stay cJSON members); each struct is released by its store_<thing>_clear, each list by
 * its store_<thing>_list_free.
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
/* One user's installation of a workflow. */
struct installation {
    char id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char integration_id[ID_LEN + 1];
    int version;
    bool active;
    cJSON *config;         /* the configured field values (secret ones sealed); never NULL */
    char *trigger_type;    /* never NULL once found */
    char *trigger_event;   /* NULL when the trigger names none */
    cJSON *credential_ids; /* {app: credentialId}; NULL until chosen */
    int64_t installed_at;
    int64_t updated_at;
    char *username;  /* store_installations_of_workflow only; NULL when unset */
    char *full_name; /* store_installations_of_workflow only; NULL when unset */
};
struct installation_list {
    struct installation *items;
    size_t n;
};
void store_installation_clear(struct installation *inst);
void store_installation_list_free(struct installation_list *list);

/* STORE_NOT_FOUND (*out cleared) when the user has no installation of the workflow. */
int store_installation_find(struct store *s, const char *workflow_id, const char *user_id,
                            struct installation *out);
/* Binds the credentials an installation's app actions use ({app: credentialId}). */
int store_installation_set_credentials(struct store *s, const char *id,
                                       const cJSON *credential_ids);
/* A workflow's installations, oldest first, with each user's username and full name. */
int store_installations_of_workflow(struct store *s, const char *workflow_id,
                                    struct installation_list *out);
/* An environment's installations, by user, integration, then oldest first. */
int store_installations_of_env(struct store *s, const char *env, struct installation_list *out);
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
/* An install session (headless or modal): what completing it installs. */
struct install_session {
    char id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char integration_id[ID_LEN + 1];
    cJSON *workflow_ids;   /* array of the workflow ids to install */
    cJSON *versions;       /* array: the version per workflow, 0 = latest; NULL in sessions of
                            * older servers */
    cJSON *credential_ids; /* {app: credentialId}; NULL when none were chosen */
    char state[16];        /* "started" or "complete" */
    int64_t created_at;
};
void store_install_session_clear(struct install_session *session);
/* STORE_NOT_FOUND (*out cleared) when the environment has no such session. */
int store_install_session_find(struct store *s, const char *env, const char *id,
                               struct install_session *out);
int store_install_session_complete(struct store *s, const char *id);

/* Single-use tokens (install links): whether jti was used, and recording its use. */
bool store_token_used(struct store *s, const char *jti);
int store_token_use(struct store *s, const char *jti, int64_t expires_at);

/* ---- accepting work ---- */

/*
 * Records an accepted event and queues one execution for every active installation of the user
 * whose trigger matches (trigger_event NULL matches any event of the type; workflow_id NULL matches
 * any workflow), in the caller's transaction. *event_id receives the event's id; *executions the
 * ids of the new executions (store_execution_ids_free releases them).
 */
struct execution_ids {
    char (*ids)[ID_LEN + 1];
    size_t n;
};
void store_execution_ids_free(struct execution_ids *ids);
int store_enqueue(struct store *s, const char *env, const char *user_id, const char *name,
                  const char *trigger_type, const char *trigger_event, const char *workflow_id,
                  const char *payload, char event_id[ID_LEN + 1], struct execution_ids *executions);

/* Queues a new execution of one installation with the given event payload (reruns, manual runs),
 * in its own transaction; STORE_NOT_FOUND (nothing written) when the installation is gone. */
int store_enqueue_installation(struct store *s, const char *installation_id, const char *payload,
                               char exec_id[ID_LEN + 1]);

/* An active schedule-triggered installation whose next run is due or not yet planned. */
struct schedule_due {
    char installation_id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char env_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    int version;
    int64_t next_run_at; /* 0 when not yet planned */
};
/* At most limit of them into *items (caller frees the array), *n their number. */
int store_schedules_due(struct store *s, int64_t now, int limit, struct schedule_due **items,
                        size_t *n);
int store_schedule_set(struct store *s, const char *installation_id, int64_t next_run_at);

/* ---- running ---- */

/* A claimed execution: what its run reads, fetched by the claim itself. */
struct claimed_execution {
    char id[ID_LEN + 1];
    char env_id[ID_LEN + 1];
    char installation_id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char event_id[ID_LEN + 1]; /* "" without an event */
    int version;
    int attempt;  /* the claim's fencing token */
    cJSON *state; /* the saved state ({} for a fresh execution); never NULL */
    int64_t created_at;
    cJSON *event_payload;  /* NULL without an event */
    cJSON *install_config; /* NULL when the installation is gone */
    char *username;        /* NULL when unset */
    char *full_name;       /* NULL when unset */
};
struct claimed_execution_list {
    struct claimed_execution *items;
    size_t n;
};
void store_claimed_execution_list_free(struct claimed_execution_list *list);

/*
 * Claims up to limit due executions (running with an expired lease first, then queued and due, the
 * longest due first), marking
 * them running until now + lease_ms under owner (the claiming process's token, see
 * store_leases_renew) and counting the attempt: the attempt number is the claim's fencing token.
 */
int store_claim(struct store *s, int64_t now, int64_t lease_ms, int limit, const char *owner,
                struct claimed_execution_list *out);
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
/* One recorded error: of an execution, or of an app-trigger subscription. */
struct execution_error {
    char id[ID_LEN + 1];           /* store_errors_unstreamed only */
    char env_id[ID_LEN + 1];       /* store_errors_unstreamed only */
    char kind[16];                 /* "execution" or "subscription" */
    char execution_id[ID_LEN + 1]; /* the subscription's id for kind "subscription" */
    char workflow_id[ID_LEN + 1];
    char installation_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char *block;   /* NULL when no block failed */
    char *message; /* never NULL once read */
    int64_t created_at;
    /* store_errors_of_workflow: "failed" (not tried again), "retrying" (another attempt comes, at
     * next_attempt_at when known, else 0) or "resolved" (a later attempt of the subscription
     * succeeded); the attempt that failed, when known (has_attempt). */
    char status[16];
    int64_t next_attempt_at;
    bool has_attempt;
    int attempt;
    /* store_errors_unstreamed: the environment's error-stream settings, NULL when unset (secret
     * sealed; event_bridge the stored target's JSON text). */
    char *url;
    char *secret;
    char *event_bridge;
};
struct execution_error_list {
    struct execution_error *items;
    size_t n;
};
void store_execution_error_clear(struct execution_error *e);
void store_execution_error_list_free(struct execution_error_list *list);

/* Errors not yet streamed to the ISV's webhook or EventBridge bus, oldest first, with their
 * environment's error-stream settings. */
int store_errors_unstreamed(struct store *s, int limit, struct execution_error_list *out);
int store_error_mark_streamed(struct store *s, const char *id);

/* ---- looking back ---- */

/* One execution as the logs show it. */
struct execution {
    char id[ID_LEN + 1];
    char installation_id[ID_LEN + 1];
    char workflow_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];
    char event_id[ID_LEN + 1]; /* "" without an event */
    int version;
    char status[16]; /* queued, running, success, stopped or error */
    int attempt;
    char *error;       /* NULL without one */
    char *error_block; /* NULL without one */
    int64_t created_at;
    int64_t started_at;  /* 0 until claimed */
    int64_t finished_at; /* 0 until finished */
};
struct execution_list {
    struct execution *items;
    size_t n;
};
void store_execution_clear(struct execution *x);
void store_execution_list_free(struct execution_list *list);

/* Executions of a parent workflow (optionally one user), newest or oldest first, paged. */
int store_executions_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                                 bool errors_only, bool ascending, int offset, int limit,
                                 struct execution_list *out);
/* STORE_NOT_FOUND (*out cleared) when there is no such execution. */
int store_execution_find(struct store *s, const char *id, struct execution *out);

/* One recorded step of an execution. */
struct execution_step {
    int seq;
    char *block_id;
    char *block_type;
    char *block_name; /* NULL when the block has none */
    char *step_key;
    char *status;
    int attempt;
    int64_t started_at;
    int64_t stopped_at;
    cJSON *inputs;        /* NULL when none were stored or their text is over max_bytes */
    cJSON *output;        /* likewise */
    int64_t inputs_bytes; /* the stored text's length in bytes; -1 when none was stored */
    int64_t output_bytes;
    char *error; /* NULL without one */
};
struct execution_step_list {
    struct execution_step *items;
    size_t n;
};
void store_execution_step_list_free(struct execution_step_list *list);
/* The first limit steps of an execution. inputs and output are left out (NULL) when their text is
 * longer than max_bytes; inputs_bytes and output_bytes give every text's length in bytes. */
int store_steps_of_execution(struct store *s, const char *execution_id, int64_t max_bytes,
                             int limit, struct execution_step_list *out);
/*
 * A workflow's errors (of one user when user_id is not NULL), newest first, at most 1000, with
 * their status. Executions between attempts are listed as "retrying" with their last error.
 */
int store_errors_of_workflow(struct store *s, const char *workflow_id, const char *user_id,
                             struct execution_error_list *out);

struct workflow_counts {
    int64_t runs;        /* executions */
    int64_t errors;      /* recorded errors */
    int64_t app_actions; /* steps of http, streamData and appAction blocks */
};
int store_workflow_counts(struct store *s, const char *workflow_id, struct workflow_counts *out);
/* The queue's depth for the metrics: executions waiting (due now or later) and running, counted
 * over the partial indexes of those states (not the history). */
int store_queue_depth(struct store *s, int64_t *queued, int64_t *running);

/* An accepted event, as an execution ran from it. */
struct run_event {
    char *name;
    cJSON *payload;
    int64_t created_at;
};
void store_run_event_clear(struct run_event *ev);
/* STORE_NOT_FOUND (*out cleared) when the event was purged. */
int store_event_payload(struct store *s, const char *event_id, struct run_event *out);

/* Removes every execution, step, error and accepted event of a user and scrubs the freed pages. */
int store_user_logs_delete(struct store *s, const char *user_id);
/* Removes executions finished before the cutoff (per environment retention). Returns rows removed.
 */
int store_purge_before(struct store *s, const char *env, int64_t cutoff);

#endif
