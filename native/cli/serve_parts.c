/*
 * The wiring of `solder serve`: the engine's hooks (live updates to the websocket hub, installation
 * changes to the connectors' subscriptions, app actions to connectors/, destination blocks to
 * destinations/), the store's bus between nodes (signals to the engine and the websocket hub, live
 * updates both ways), the destination blocks' pools, and what the HTTP part is given of the API
 * (its route table), of the engine (the wake after a group commit) and of the destinations (the
 * schema check of an installation). No logic of its own: each hook is
 * one call into the part that does the work, which is how the engine stays below http/ and
 * connectors/ (docs/architecture.md).
 */
#include "cli/serve_parts.h"

#include "api/api.h"
#include "app.h"
#include "connectors/connectors.h"
#include "destinations/destinations.h"
#include "engine/engine.h"
#include "engine/ssrf.h"
#include "http/ws.h"
#include "json/json.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the hooks reach (their ctx): the one server of the process, from serve_parts_start, before
 * the engine starts, to serve_parts_stop, after it stopped. */
struct serve_parts {
    struct app *app;
    struct destinations *destinations;
    char **allow_hosts;    /* the destinations' network guard, borrowed by them */
    struct store_bus *bus; /* NULL on SQLite */
    /* The engine, for the bus thread, which starts before it and stops before it ends. */
    _Atomic(struct engine *) engine;
};
static struct serve_parts parts;

static bool has_subscribers(void *ctx)
{
    struct serve_parts *p = ctx;
    return ws_has_subscribers(p->app) || store_bus_remote_subscribers(p->bus);
}

static void publish(void *ctx, const char *env_id, const char *user_id, const cJSON *event)
{
    struct serve_parts *p = ctx;
    ws_publish(p->app, env_id, user_id, event);
    if (p->bus && store_bus_remote_subscribers(p->bus)) {
        char *text = json_print(event);
        store_bus_publish(p->bus, env_id, user_id, text);
        free(text);
    }
}

/* The bus's hooks: what other nodes signal. */
static void bus_work(void *ctx)
{
    struct serve_parts *p = ctx;
    engine_wake(atomic_load(&p->engine));
}

static void bus_auth(void *ctx)
{
    struct serve_parts *p = ctx;
    ws_recheck_all(p->app);
}

static void bus_live(void *ctx, const char *env_id, const char *user_id, const char *event)
{
    struct serve_parts *p = ctx;
    cJSON *e = json_parse(event, strlen(event), JSON_MAX_DEPTH, NULL);
    if (e)
        ws_publish(p->app, env_id, user_id, e);
    cJSON_Delete(e);
}

static bool bus_subscribers(void *ctx)
{
    struct serve_parts *p = ctx;
    return ws_has_subscribers(p->app);
}

static void bus_installations(void *ctx)
{
    struct serve_parts *p = ctx;
    connectors_notify(p->app->connectors);
}

static void installation_changed(void *ctx)
{
    struct serve_parts *p = ctx;
    connectors_notify(p->app->connectors);
    store_bus_installations_changed(p->bus);
}

static bool run_block(void *ctx, const struct engine_block_call *call, const struct wf_block *block,
                      const cJSON *inputs, struct wf_call_result *res)
{
    struct serve_parts *p = ctx;
    if (block->type == WF_BLOCK_APP_ACTION) {
        connectors_action_run(p->app->connectors, call, block, inputs, res);
        return true;
    }
    if (!destinations_handles(block->type))
        return false;
    destinations_run(p->destinations, p->app->connectors, call, block, inputs, res);
    return true;
}

static void check_installation(struct app *app, const char *env_id, const char *user_id,
                               const char *installation_id, const cJSON *credential_ids,
                               const struct workflow_def *def, cJSON *errors, cJSON *warnings)
{
    struct destinations_check_call call = {env_id, user_id, installation_id, credential_ids};
    destinations_check(parts.destinations, app->connectors, app->store, &call, def, errors,
                       warnings);
}

int serve_parts_start(struct app *app, struct engine_config *cfg, const char *allow_hosts)
{
    parts.app = app;
    app->routes = API_ROUTES;
    app->route_count = API_ROUTE_COUNT;
    app->work_committed = engine_wake;
    app->check_installation = check_installation;
    char dir[sizeof app->cfg.data_dir + 16];
    snprintf(dir, sizeof dir, "%s/destinations", app->cfg.data_dir);
    parts.allow_hosts = ssrf_hosts_parse(allow_hosts);
    parts.destinations =
        destinations_new(dir, cfg->allow_private, (const char *const *)parts.allow_hosts);
    char err[256];
    struct store_bus_hooks bus_hooks = {&parts,   bus_work,        bus_auth,
                                        bus_live, bus_subscribers, bus_installations};
    if (store_bus_start(app->db_path, &bus_hooks, &parts.bus, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "solder: %s\n", err);
        serve_parts_stop(app);
        return -1;
    }
    cfg->db_path = app->db_path;
    cfg->master = &app->master;
    cfg->hooks = (struct engine_hooks){.ctx = &parts,
                                       .has_subscribers = has_subscribers,
                                       .publish = publish,
                                       .installation_changed = installation_changed,
                                       .run_block = run_block};
    app->engine = engine_start(cfg, app->store);
    if (!app->engine) {
        serve_parts_stop(app);
        return -1;
    }
    atomic_store(&parts.engine, app->engine);
    return 0;
}

void serve_parts_stop(struct app *app)
{
    store_bus_stop(parts.bus); /* no bus hook runs past here; publishing still queues */
    engine_stop(app->engine);
    app->engine = NULL;
    store_bus_free(parts.bus);
    parts.bus = NULL;
    destinations_free(parts.destinations); /* the workers that used its pools are gone */
    ssrf_hosts_free(parts.allow_hosts);
    parts.destinations = NULL;
    parts.allow_hosts = NULL;
    parts.app = NULL;
}
