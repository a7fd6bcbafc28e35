/*
 * Destination blocks: PostgreSQL, MySQL/MariaDB, Snowflake and Amazon EventBridge, run for the
 * workflow executor by the worker's host (engine/worker.c), on worker threads only.
 *
 * Each destination is an app with a credential form (connectors/NAME.json: the connection, its TLS
 * options and secrets), so its credentials are sealed, chosen at installation and created through
 * the modal or headlessly exactly like an app's. A block uses the credential its installation
 * chose, else the user's newest one of that app.
 *
 * Lifecycle: destinations_new when the engine starts (before the workers), destinations_free after
 * the workers have been joined; it closes every pooled database connection. Database connections
 * are pooled per credential (pool.c), bounded, and only ever used by one worker at a time.
 */
#ifndef SOLDER_DESTINATIONS_H
#define SOLDER_DESTINATIONS_H

#include <stdbool.h>

#include <cJSON.h>

#include "store/store.h"
#include "workflow/workflow.h"

struct connectors;
struct outbound_ctx;
struct destinations;

/* The pools of database connections. allow_private and allow_hosts (borrowed for the module's
 * life) are the SSRF guard's policy, which database hosts pass like URLs. dir holds files the
 * drivers need on disk (a credential's CA certificate, which libpq and Connector/C only read from a
 * file): DATA/destinations. Returns NULL when memory ran out. */
struct destinations *destinations_new(const char *dir, bool allow_private,
                                      const char *const *allow_hosts);
void destinations_free(struct destinations *d);

/* Whether block type is a destination this module runs. */
bool destinations_handles(enum wf_block_type type);

/* Who a destination call is for, and the outbound path its HTTP requests take. Borrowed. */
struct destination_call {
    struct connectors *connectors;
    struct store *store;
    const char *env_id;
    const char *user_id;
    const char *installation_id; /* whose chosen credentials apply; may be NULL */
    const struct outbound_ctx *outbound;
    const char *step_key;
    int attempt; /* the execution's attempt: 1 on the first run */
};

/*
 * Runs block (a destination) with its evaluated inputs and fills res: the output on success, or a
 * failure with its message ("PostgreSQL: duplicate key value violates unique constraint ...")
 * and whether a retry may help (a lost connection, a timeout, throttling: yes; a constraint
 * violation, an unknown column, refused credentials: no). The credential's secret values are
 * added to the execution's secrets first, so no message or recorded value shows them.
 */
void destinations_run(struct destinations *d, const struct destination_call *call,
                      const struct wf_block *block, const cJSON *inputs,
                      struct wf_call_result *res);

#endif
