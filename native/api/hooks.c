/*
 * POST /hooks/{subscriptionId}: an app's webhook delivery. Public (the provider has no API key):
 * the delivery proves itself with the trigger's signature scheme, checked before anything is
 * stored. Accepted deliveries are answered at once and run on the hooks thread.
 */
#include "api/api.h"
#include "api/credentials.h"
#include "connectors/hooks.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

/* Longest header name looked up: bounds the lowercase copy lws wants ("name:"). */
#define HEADER_NAME_MAX 100

static char *request_header(void *ctx, const char *name)
{
    struct request *req = ctx;
    char key[HEADER_NAME_MAX + 2];
    size_t n = strlen(name);
    if (!req->wsi || n == 0 || n > HEADER_NAME_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        key[i] = (char)tolower((unsigned char)name[i]);
    key[n] = ':';
    key[n + 1] = '\0';
    int len = lws_hdr_custom_length(req->wsi, key, (int)n + 1);
    if (len <= 0)
        return NULL;
    char *v = malloc((size_t)len + 1);
    if (v && lws_hdr_custom_copy(req->wsi, v, len + 1, key, (int)n + 1) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

void api_hooks_receive(struct request *req)
{
    char msg[160];
    int status = connectors_hook_accept(req->app->connectors, req->app->store, req->params[0],
                                        req->body.data ? req->body.data : "", req->body.len,
                                        request_header, req, msg, sizeof msg);
    if (status != 200) {
        fprintf(stderr, "solder: hook %s refused (%d): %s\n", req->params[0], status, msg);
        reply_error(req, status, status == 401 ? "unauthorized" : "refused", "%s", msg);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "accepted");
    reply_json(req, 200, out);
}
