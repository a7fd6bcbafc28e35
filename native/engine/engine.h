/*
 * The execution engine: a pool of worker threads that claim due executions from the store's queue,
 * run them with the workflow executor, call out over HTTP, record steps and errors, retry with
 * backoff, and stream errors to the ISV's webhook. Lifecycle: engine_start after the store exists,
 * engine_stop before it is closed (waits for the workers to finish what they hold).
 *
 * The engine knows neither the HTTP server nor the connectors: it reports progress and installation
 * changes, and hands over the blocks it does not run itself, through the hooks it is given at start
 * (struct engine_hooks, wired by cli/serve_parts.c).
 */
#ifndef SOLDER_ENGINE_H
#define SOLDER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct engine;
struct http_client_options;
struct outbound_ctx;
struct secrets_key;
struct store;
struct wf_block;
struct wf_call_result;

/* A claimed execution's lease. The process renews the leases it holds every third of this
 * (engine.c, leases_main), so a live worker never loses one however long its blocks take; after a
 * crash or a stall of that long (SIGSTOP, a frozen VM) other processes sharing the database take
 * the executions over. */
#define ENGINE_LEASE_MS 30000
/* Shortest lease --lease-ms accepts (a setting for tests): a renewal every third of it must not
 * come faster than a busy store commits. */
#define ENGINE_LEASE_MIN_MS 300
/* Bytes of a step's recorded inputs or output by default: a bigger one is stored as a marker with
 * a preview, so one expression cannot fill the disk (or a logs answer) with a single step. */
#define ENGINE_DEFAULT_MAX_STEP_OUTPUT (1024 * 1024)

/* The budget of every expression the server evaluates outside a request — workflow inputs in the
 * workers, connector actions, app triggers' hooks and polls: a runaway expression fails (U1001)
 * instead of holding a thread for minutes or taking a gigabyte. */
#define ENGINE_EXPRESSION_LIMITS                                                                   \
    {                                                                                              \
        .time_ms = 1000, .max_memory = (size_t)64 << 20                                            \
    }

/* One call of a block that another part runs for the engine (an app action, a destination block),
 * with what that part needs of the execution. Borrowed for the call. */
struct engine_block_call {
    struct store *store; /* the worker's own connection */
    const char *env_id;
    const char *user_id;
    const char *installation_id; /* whose chosen credentials apply; may be NULL */
    const struct outbound_ctx *outbound;
    const char *step_key;
    int attempt; /* the execution's attempt: 1 on the first run */
};

/*
 * What the engine is given at start: where progress and installation changes go, and who runs the
 * blocks it does not run itself. ctx comes back to every call; a NULL function is not called.
 * has_subscribers, publish and run_block are called on worker threads, publish and
 * installation_changed also on API threads (engine_notify_installation).
 */
struct engine_hooks {
    void *ctx;
    /* Whether anyone listens for live updates: progress events are built only then. */
    bool (*has_subscribers)(void *ctx);
    /* One live update for the subscribers of env_id's user_id (event borrowed). */
    void (*publish)(void *ctx, const char *env_id, const char *user_id, const struct cJSON *event);
    /* An installation changed (after its update was published). */
    void (*installation_changed)(void *ctx);
    /* Runs block and returns true when it is of a type run outside the engine (res filled); false
     * leaves it to the engine's own outbound path. */
    bool (*run_block)(void *ctx, const struct engine_block_call *call, const struct wf_block *block,
                      const struct cJSON *inputs, struct wf_call_result *res);
};

struct engine_config {
    int workers;             /* threads; -1 = one per core; 0 = none (jobs wait in the queue) */
    bool allow_private;      /* outbound calls may reach private/loopback addresses */
    const char *allow_hosts; /* comma-separated hosts (or host:port) allowed despite the guard */
    bool no_rsa_signature;   /* leave out X-Alloy-Signature (an RSA-2048 signature per call) */
    long lease_ms;           /* lease of a claimed execution; 0 = ENGINE_LEASE_MS */
    size_t max_step_output;  /* 0 = ENGINE_DEFAULT_MAX_STEP_OUTPUT */
    /* Borrowed until engine_stop: */
    const char *db_path;              /* each thread of the engine opens its own connection */
    const struct secrets_key *master; /* opens the sealed keys and settings */
    struct engine_hooks hooks;
};

/* Starts the engine; s is the calling thread's connection (the signature key, orphaned claims).
 * Returns NULL when it cannot start (said on stderr). */
struct engine *engine_start(const struct engine_config *cfg, struct store *s);
void engine_stop(struct engine *e);

/* New work was committed: wake a worker now rather than at its next poll. Thread-safe; e may be
 * NULL. */
void engine_wake(struct engine *e);

/* Wakes the maintenance thread only (an error is waiting to be streamed). Thread-safe. */
void engine_wake_maintenance(struct engine *e);

/* An installation changed (activated, deactivated, upgraded, removed): its live update, then the
 * installation_changed hook (app-trigger subscriptions). Called on the API thread. */
void engine_notify_installation(struct engine *e, const char *env_id, const char *user_id,
                                const char *workflow_id);

/* The options of the engine's outbound HTTP clients (the network guard's settings), for other
 * threads that call out the same way; NULL when e is NULL. */
const struct http_client_options *engine_http_options(struct engine *e);

/* The PEM of the public key that verifies X-Alloy-Signature, or NULL when e is NULL. */
const char *engine_signature_public_pem(struct engine *e);

/*
 * Sends a sample execution error to the environment's error webhook the way the error stream
 * sends real ones (signed, X-Alloy-* headers), on the calling thread and waiting at most
 * ENGINE_WEBHOOK_TEST_TIMEOUT_MS. Returns {"status": "delivered" | "failed", "httpStatus"?,
 * "error"?} (caller owns), or NULL when e is NULL. s is the calling thread's connection.
 */
#define ENGINE_WEBHOOK_TEST_TIMEOUT_MS 5000L
struct cJSON *engine_error_webhook_test(struct engine *e, struct store *s, const char *env_id);

#endif
