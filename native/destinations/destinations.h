/*
 * Destination blocks: PostgreSQL, MySQL/MariaDB, Snowflake and Amazon EventBridge, run for the
 * workflow executor on worker threads only, handed over by the engine's run_block hook
 * (cli/serve_parts.c).
 *
 * Each destination is an app with a credential form (connectors/NAME.json: the connection, its TLS
 * options and secrets), so its credentials are sealed, chosen at installation and created through
 * the modal or headlessly exactly like an app's. A block uses the credential its installation
 * chose, else the user's newest one of that app.
 *
 * Lifecycle: destinations_new before the engine starts, destinations_free after it stopped (its
 * workers joined); it closes every pooled database connection. Database connections
 * are pooled per credential (pool.c), bounded, and only ever used by one worker at a time.
 */
#ifndef SOLDER_DESTINATIONS_H
#define SOLDER_DESTINATIONS_H

#include <stdbool.h>

#include <cJSON.h>

#include "store/store.h"
#include "workflow/workflow.h"

struct connectors;
struct destinations;
struct engine_block_call;

/* The pools of database connections. allow_private and allow_hosts (borrowed for the module's
 * life) are the SSRF guard's policy, which database hosts pass like URLs. dir holds files the
 * drivers need on disk (a credential's CA certificate, which libpq and Connector/C only read from a
 * file): DATA/destinations. Returns NULL when memory ran out. */
struct destinations *destinations_new(const char *dir, bool allow_private,
                                      const char *const *allow_hosts);
void destinations_free(struct destinations *d);

/* Whether block type is a destination this module runs. */
bool destinations_handles(enum wf_block_type type);

/*
 * Runs block (a destination) with its evaluated inputs and fills res: the output on success, or a
 * failure with its message ("PostgreSQL: duplicate key value violates unique constraint ...")
 * and whether a retry may help (a lost connection, a timeout, throttling: yes; a constraint
 * violation, an unknown column, refused credentials: no). The credential's secret values are
 * added to the execution's secrets first, so no message or recorded value shows them. The
 * credential is the one call's installation chose, else the user's newest (c finds it); HTTP
 * requests take call's outbound path.
 */
void destinations_run(struct destinations *d, struct connectors *c,
                      const struct engine_block_call *call, const struct wf_block *block,
                      const cJSON *inputs, struct wf_call_result *res);

/* Who a workflow is being installed for, and the credentials the installation will use:
 * credential_ids ({app: credentialId}, NULL when none was chosen), else the ones installation_id
 * (the user's installation of it so far, NULL when new) chose, else the user's newest. */
struct destinations_check_call {
    const char *env_id;
    const char *user_id;
    const char *installation_id;
    const cJSON *credential_ids;
};

/*
 * Checks def's database blocks (insert, upsert: PostgreSQL, MySQL) against the live schema of the
 * database the installation's credential reaches, when an installation is completed: appends
 * {path, message} to errors for a table that does not exist (path ".../table") or a column it lacks
 * (".../inputs/values/NAME", ".../key/N"), and to warnings when a database could not be checked
 * (no credential, not reachable): names are then checked when the workflow runs, as always. Uses
 * the credential's pool; the schema read is not cached. Any thread; blocks for at most one
 * connection attempt per database destination.
 */
void destinations_check(struct destinations *d, struct connectors *c, struct store *s,
                        const struct destinations_check_call *call, const struct workflow_def *def,
                        cJSON *errors, cJSON *warnings);

#endif
