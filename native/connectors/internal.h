/* Inside the connectors module: the registry and the hooks thread's state. */
#ifndef SOLDER_CONNECTORS_INTERNAL_H
#define SOLDER_CONNECTORS_INTERNAL_H

#include <pthread.h>

#include "connectors/connectors.h"

/* Deliveries enriched per pass of the hooks thread: bounds one store round trip. */
#define HOOKS_BATCH 16
/* A delivery whose enrichment keeps failing (the app is down) is dropped after this long, so a
 * dead provider cannot keep a growing backlog forever. */
#define HOOKS_DELIVERY_MAX_AGE_MS (24LL * 3600 * 1000)
/* Keys of polled items are remembered this long: an item that reappears later runs again. */
#define HOOKS_POLL_SEEN_MAX_AGE_MS (30LL * 24 * 3600 * 1000)
/* Longest wait of the idle hooks thread: deliveries left over by a crash are picked up this late.
 */
#define HOOKS_IDLE_MS 1000

/* Recent OAuth2 authorizations remembered for GET /oauth/status: a modal waits on a handful at a
 * time, so a small ring is enough; the oldest entry is reused when it is full. */
#define OAUTH_OUTCOMES 128
/* Longest state accepted from a query string (ours are 32 characters). */
#define OAUTH_STATE_MAX 64

/* One authorization from connectors_oauth_url until its outcome is older than
 * OAUTH_STATE_MAX_AGE_MS. Kept in memory only: after a restart its state is unknown here. */
struct oauth_outcome {
    char state[OAUTH_STATE_MAX + 1];
    struct oauth_status status;
    int64_t at; /* ms, when the authorization started */
};

struct connectors {
    struct connector **items;
    int count;
    struct connector_network network; /* what the server allows besides each connector's hosts */
    char **allow_hosts;               /* network.allow_hosts, owned */
    struct secrets_key key;
    pthread_mutex_t refresh_mu;  /* one OAuth2 refresh at a time (connectors/oauth.c) */
    pthread_mutex_t outcomes_mu; /* guards outcomes */
    struct oauth_outcome outcomes[OAUTH_OUTCOMES];

    /* hooks thread */
    struct engine *engine; /* the hooks thread calls out with its options and wakes it */
    const char *db_path;
    const char *public_url; /* borrowed; filled when the server listens when not configured */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    bool sync_wanted;
    bool work_wanted;
};

/* The scope member "credential" for rendering: the data without the baseUrl override. */
cJSON *connectors_credential_scope(const cJSON *data);

#endif
