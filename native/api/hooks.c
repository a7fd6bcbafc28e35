/*
 * POST /hooks/{subscriptionId}: an app's webhook delivery. Public (the provider has no API key):
 * the delivery proves itself with the trigger's signature scheme, checked before anything is
 * stored. Accepted deliveries are answered at once and run on the hooks thread.
 */
#include "api/api.h"
#include "base/log.h"
#include "api/credentials.h"
#include "connectors/hooks.h"

#include <stdlib.h>
#include <string.h>

/* The header reader connectors_hook_accept calls back. */
static char *hook_header(void *ctx, const char *name)
{
    return request_header(ctx, name);
}

void api_hooks_receive(struct request *req)
{
    char msg[160];
    int status = connectors_hook_accept(req->app->connectors, req->app->store, req->params[0],
                                        req->body.data ? req->body.data : "", req->body.len,
                                        hook_header, req, msg, sizeof msg);
    if (status != 200) {
        log_error("hook %s refused (%d): %s\n", req->params[0], status, msg);
        reply_error(req, status, status == 401 ? "unauthorized" : "refused", "%s", msg);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "accepted");
    reply_json(req, 200, out);
}
