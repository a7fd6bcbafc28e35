/*
 * The execution engine: a pool of worker threads that claim due executions from the store's queue,
 * run them with the workflow executor, call out over HTTP, record steps and errors, retry with
 * backoff, and stream errors to the ISV's webhook. Lifecycle: engine_start after the store exists,
 * engine_stop before it is closed (waits for the workers to finish what they hold).
 */
#ifndef SOLDER_ENGINE_H
#define SOLDER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct http_client_options;

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

struct engine_config {
    int workers;             /* threads; -1 = one per core; 0 = none (jobs wait in the queue) */
    bool allow_private;      /* outbound calls may reach private/loopback addresses */
    const char *allow_hosts; /* comma-separated hosts (or host:port) allowed despite the guard */
    bool no_rsa_signature;   /* leave out X-Alloy-Signature (an RSA-2048 signature per call) */
    long lease_ms;           /* lease of a claimed execution; 0 = ENGINE_LEASE_MS */
    size_t max_step_output;  /* 0 = ENGINE_DEFAULT_MAX_STEP_OUTPUT */
};

int engine_start(struct app *app, const struct engine_config *cfg);
void engine_stop(struct app *app);

/* New work was committed: wake a worker now rather than at its next poll. Thread-safe. */
void engine_wake(struct app *app);

/* An installation changed (activated, deactivated, upgraded, removed): hooks for subscriptions
 * and live updates. Called on the API thread. */
void engine_notify_installation(struct app *app, const char *env_id, const char *user_id,
                                const char *workflow_id);

/* The options of the engine's outbound HTTP clients (the network guard's settings), for other
 * threads that call out the same way; NULL before engine_start. */
const struct http_client_options *engine_http_options(struct app *app);

/* The PEM of the public key that verifies X-Alloy-Signature, or NULL before engine_start. */
const char *engine_signature_public_pem(struct app *app);

/*
 * Sends a sample execution error to the environment's error webhook the way the error stream
 * sends real ones (signed, X-Alloy-* headers), on the calling thread and waiting at most
 * ENGINE_WEBHOOK_TEST_TIMEOUT_MS. Returns {"status": "delivered" | "failed", "httpStatus"?,
 * "error"?} (caller owns), or NULL before engine_start.
 */
#define ENGINE_WEBHOOK_TEST_TIMEOUT_MS 5000L
struct cJSON *engine_error_webhook_test(struct app *app, const char *env_id);

#endif
