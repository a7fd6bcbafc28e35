/* Request helpers for handlers: query parameters and the reply functions (see http.h). */
#include "app.h"
#include "base/log.h"

#include "http/pool.h"
#include "json/json.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest header name looked up: bounds the lowercase copy lws wants ("name:"). */
#define HEADER_NAME_MAX 100

/* A header lws parses itself ("accept:" is WSI_TOKEN_HTTP_ACCEPT), by its lowercase "name:". */
static char *token_header(struct lws *wsi, const char *key, size_t n)
{
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        const char *s = (const char *)lws_token_to_string((enum lws_token_indexes)t);
        if (!s || strncmp(s, key, n) != 0 || s[n] != '\0')
            continue;
        int len = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
        if (len <= 0)
            return NULL;
        char *v = malloc((size_t)len + 1);
        if (v && lws_hdr_copy(wsi, v, len + 1, (enum lws_token_indexes)t) < 0) {
            free(v);
            return NULL;
        }
        return v;
    }
    return NULL;
}

char *request_header(const struct request *req, const char *name)
{
    char key[HEADER_NAME_MAX + 2];
    size_t n = strlen(name);
    if (!req->wsi || n == 0 || n > HEADER_NAME_MAX)
        return NULL;
    if (pool_on_api_thread())
        return pool_header(req->app->pool, req, name);
    for (size_t i = 0; i < n; i++)
        key[i] = (char)tolower((unsigned char)name[i]);
    key[n] = ':';
    key[n + 1] = '\0';
    int len = lws_hdr_custom_length(req->wsi, key, (int)n + 1);
    if (len <= 0)
        return token_header(req->wsi, key, n + 1);
    char *v = malloc((size_t)len + 1);
    if (v && lws_hdr_custom_copy(req->wsi, v, len + 1, key, (int)n + 1) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

char *request_query(const struct request *req, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = req->query;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        size_t klen = eq ? (size_t)(eq - p) : seg;
        char key[128];
        if (klen < sizeof key && url_decode(p, klen, key, sizeof key, true) &&
            strlen(key) == nlen && memcmp(key, name, nlen) == 0) {
            const char *v = eq ? eq + 1 : p + seg;
            size_t vlen = (size_t)(p + seg - v);
            char *out = malloc(vlen + 1);
            if (out && !url_decode(v, vlen, out, vlen + 1, true)) {
                free(out);
                return NULL;
            }
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

void reply_raw(struct request *req, int status, const char *type, char *body, size_t len)
{
    if (req->replied) {
        free(body);
        return;
    }
    req->replied = true;
    req->status = status;
    req->resp_type = type;
    req->resp_body = body;
    req->resp_len = len;
}

void reply_json(struct request *req, int status, cJSON *body)
{
    char *text = body ? json_print(body) : NULL;
    cJSON_Delete(body);
    if (!text) {
        reply_raw(req, 500, "application/json",
                  strdup("{\"message\":\"out of memory\",\"code\":\"internal\"}"), 44);
        return;
    }
    reply_raw(req, status, "application/json", text, strlen(text));
}

void reply_error(struct request *req, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "message", msg);
    cJSON_AddStringToObject(body, "code", code);
    if (status >= 500)
        cJSON_AddStringToObject(body, "requestId", req->request_id);
    reply_json(req, status, body);
}

void reply_header(struct request *req, const char *name, const char *value)
{
    buf_printf(&req->resp_headers, "%s: %s\r\n", name, value);
}

void reply_store_error(struct request *req, int rc, const char *what)
{
    if (rc == STORE_NOT_FOUND)
        reply_error(req, 404, "not_found", "%s not found", what);
    else if (rc == STORE_CONFLICT)
        reply_error(req, 409, "conflict", "%s already exists", what);
    else {
        /* The store's message names no value (SQLite's and PostgreSQL's primary messages). */
        log_error("request %s: %s: %s\n", req->request_id, what,
                  req->app && req->app->store ? store_errmsg(req->app->store) : "store error");
        reply_error(req, 500, "internal", "internal error (request %s)", req->request_id);
    }
}
