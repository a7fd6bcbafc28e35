/*
 * GET /headless/oauthUrl: the provider URL that starts an OAuth2 authorization for a user; GET
 * /oauth/callback: where the provider sends the user back. The code is exchanged on the hooks
 * thread; the callback page only says the authorization was received.
 */
#include "api/api.h"
#include "api/credentials.h"
#include "connectors/connectors.h"
#include "json/json.h"

#include <stdlib.h>
#include <string.h>

/* Query parameters other than userId and app: the credential form's values. */
static cJSON *form_params(struct request *req)
{
    cJSON *params = cJSON_CreateObject();
    for (char *p = req->query; p && *p;) {
        char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        char *eq = memchr(p, '=', len);
        char name[128], value[1024];
        if (eq && (size_t)(eq - p) < sizeof name &&
            url_decode(p, (size_t)(eq - p), name, sizeof name, true) &&
            url_decode(eq + 1, len - (size_t)(eq - p) - 1, value, sizeof value, true) &&
            strcmp(name, "userId") != 0 && strcmp(name, "app") != 0 &&
            !cJSON_GetObjectItem(params, name))
            cJSON_AddStringToObject(params, name, value);
        p = amp ? amp + 1 : NULL;
    }
    return params;
}

void api_oauth_url(struct request *req)
{
    struct user u;
    if (!api_user_param(req, NULL, true, &u, NULL))
        return;
    char *app = request_query(req, "app");
    const struct connector *conn = connectors_find(req->app->connectors, app);
    if (!conn) {
        reply_error(req, 422, "unknown_app", "app must name an OAuth2 app");
        free(app);
        store_user_clear(&u);
        return;
    }
    free(app);
    cJSON *params = form_params(req);
    struct schema_result sr = {0};
    if (conn->auth_schema && !schema_validate(conn->auth_schema, params, &sr)) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "message", "the parameters do not fit the app's form");
        cJSON_AddStringToObject(out, "code", "validation_failed");
        cJSON_AddItemToObject(out, "errors", schema_result_to_json(&sr));
        schema_result_free(&sr);
        reply_json(req, 422, out);
        cJSON_Delete(params);
        store_user_clear(&u);
        return;
    }
    int status = 500;
    char err[256];
    char *url =
        connectors_oauth_url(req->app->connectors, req->app->store, req->who.env.id, u.id, conn,
                             params, req->app->cfg.public_url, &status, err, sizeof err);
    cJSON_Delete(params);
    store_user_clear(&u);
    if (!url) {
        reply_error(req, status, status == 422 ? "validation_failed" : "internal", "%s", err);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "oauthUrl", url);
    free(url);
    reply_json(req, 200, out);
}

void api_oauth_callback(struct request *req)
{
    char *state = request_query(req, "state"), *code = request_query(req, "code");
    char *denied = request_query(req, "error");
    char err[256] = "";
    int status = denied ? 400
                        : connectors_oauth_callback(req->app->connectors, req->app->store, state,
                                                    code, err, sizeof err);
    if (denied)
        snprintf(err, sizeof err, "the provider refused the authorization");
    free(state);
    free(code);
    free(denied);
    const char *title = status == 200 ? "Connected" : "Not connected";
    const char *text = status == 200 ? "The app is connected. You can close this window." : err;
    size_t cap = 512 + strlen(text);
    char *page = malloc(cap);
    if (!page) {
        reply_error(req, 500, "internal", "out of memory");
        return;
    }
    int n = snprintf(page, cap,
                     "<!doctype html><html><head><meta charset=utf-8><title>%s</title></head>"
                     "<body><h1>%s</h1><p>%s</p><script>window.opener&&window.opener.postMessage("
                     "{type:'oauth',ok:%s},'*')</script></body></html>",
                     title, title, text, status == 200 ? "true" : "false");
    reply_raw(req, status, "text/html; charset=utf-8", page, (size_t)n);
}
