/*
 * PutEvents for Amazon EventBridge (see eventbridge.h): entries in the API's shape, the JSON 1.1
 * request signed with SigV4 for the "events" service, and the answer read per entry, with AWS's
 * error types sorted into worth retrying (throttling, internal failures) or not (access denied,
 * validation, an unknown bus). Sending belongs to the callers.
 */
#include "destinations/eventbridge.h"

#include "crypto/sigv4.h"
#include "json/json.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AWS error types a later attempt may get past; any other 4xx type is final. */
static const char *const RETRYABLE_TYPES[] = {
    "ThrottlingException",      "ThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded",
    "InternalFailure",          "InternalException",
    "ServiceUnavailable",       "ServiceUnavailableException",
    "RequestTimeout",
};

static bool retryable_type(const char *type)
{
    if (!type)
        return false;
    const char *hash = strrchr(type, '#'); /* "com.amazonaws.events#ThrottlingException" */
    if (hash)
        type = hash + 1;
    for (size_t i = 0; i < sizeof RETRYABLE_TYPES / sizeof RETRYABLE_TYPES[0]; i++)
        if (strcmp(type, RETRYABLE_TYPES[i]) == 0)
            return true;
    return false;
}

cJSON *eventbridge_entry(const cJSON *in, const char *default_bus, char *err, size_t n)
{
    if (!cJSON_IsObject(in)) {
        snprintf(err, n, "an entry must be an object {source, detailType, detail}");
        return NULL;
    }
    const char *source = json_get_str(in, "source"), *type = json_get_str(in, "detailType");
    const char *bus = json_get_str(in, "eventBusName");
    const cJSON *detail = cJSON_GetObjectItem(in, "detail");
    if (!source || !*source || !type || !*type) {
        snprintf(err, n, "an entry needs a non-empty source and detailType");
        return NULL;
    }
    char *detail_text = NULL;
    if (cJSON_IsObject(detail)) {
        detail_text = json_print(detail);
    } else if (cJSON_IsString(detail)) {
        cJSON *parsed =
            json_parse(detail->valuestring, strlen(detail->valuestring), JSON_MAX_DEPTH, NULL);
        if (cJSON_IsObject(parsed))
            detail_text = strdup(detail->valuestring);
        cJSON_Delete(parsed);
    }
    if (!detail_text) {
        snprintf(err, n, "an entry's detail must be an object (or the JSON text of one)");
        return NULL;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "Source", source);
    cJSON_AddStringToObject(e, "DetailType", type);
    cJSON_AddStringToObject(e, "Detail", detail_text);
    free(detail_text);
    cJSON_AddStringToObject(e, "EventBusName",
                            bus && *bus                   ? bus
                            : default_bus && *default_bus ? default_bus
                                                          : "default");
    const cJSON *resources = cJSON_GetObjectItem(in, "resources"), *r;
    if (cJSON_IsArray(resources)) {
        cJSON *list = cJSON_AddArrayToObject(e, "Resources");
        cJSON_ArrayForEach(r, resources) if (cJSON_IsString(r))
            cJSON_AddItemToArray(list, cJSON_CreateString(r->valuestring));
    }
    const cJSON *time = cJSON_GetObjectItem(in, "time");
    if (cJSON_IsString(time) || cJSON_IsNumber(time))
        cJSON_AddItemToObject(e, "Time", cJSON_Duplicate(time, false));
    return e;
}

/* Splits an endpoint "http(s)://host[:port][/path]" into its host (as the Host header writes it)
 * and path. */
static bool split_endpoint(const char *url, char *host, size_t hn, const char **path)
{
    const char *p = strncmp(url, "https://", 8) == 0  ? url + 8
                    : strncmp(url, "http://", 7) == 0 ? url + 7
                                                      : NULL;
    if (!p)
        return false;
    size_t len = strcspn(p, "/?#");
    if (len == 0 || len >= hn || p[len] == '?' || p[len] == '#')
        return false;
    memcpy(host, p, len);
    host[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)host[i]) && !strchr(".-:[]", host[i]))
            return false;
    *path = p[len] ? p + len : "/";
    return true;
}

static bool valid_region(const char *r)
{
    if (!r || !*r || strlen(r) > 32)
        return false;
    for (; *r; r++)
        if (!islower((unsigned char)*r) && !isdigit((unsigned char)*r) && *r != '-')
            return false;
    return true;
}

static char *line(const char *name, const char *value)
{
    struct buf b = {0};
    buf_printf(&b, "%s: %s", name, value);
    return buf_take(&b);
}

int eventbridge_request(const struct eventbridge_target *t, const cJSON *entries, int64_t now_s,
                        struct eventbridge_request *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    if (!valid_region(t->region)) {
        snprintf(err, n, "region must be an AWS region name such as us-east-1");
        return -1;
    }
    int count = cJSON_GetArraySize(entries);
    if (count < 1 || count > EVENTBRIDGE_MAX_ENTRIES) {
        snprintf(err, n, "PutEvents takes 1 to %d entries, not %d", EVENTBRIDGE_MAX_ENTRIES, count);
        return -1;
    }
    struct buf ep = {0};
    if (t->endpoint && *t->endpoint)
        buf_puts(&ep, t->endpoint);
    else
        buf_printf(&ep, "https://events.%s.amazonaws.com/", t->region);
    char *endpoint = buf_take(&ep);
    char host[256];
    const char *path;
    if (!endpoint || !split_endpoint(endpoint, host, sizeof host, &path)) {
        snprintf(err, n, "the endpoint must be an http(s) URL without a query");
        free(endpoint);
        return -1;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "Entries", cJSON_Duplicate(entries, true));
    out->body = json_print(body);
    cJSON_Delete(body);
    if (!out->body || strlen(out->body) > EVENTBRIDGE_MAX_BYTES) {
        snprintf(err, n, "the entries are larger than PutEvents' %d bytes", EVENTBRIDGE_MAX_BYTES);
        free(endpoint);
        eventbridge_request_free(out);
        return -1;
    }
    char date[SIGV4_DATE_LEN + 1];
    sigv4_date(now_s, date);
    struct sigv4_header headers[] = {
        {"Content-Type", "application/x-amz-json-1.1"},
        {"Host", host},
        {"X-Amz-Date", date},
        {"X-Amz-Target", "AWSEvents.PutEvents"},
    };
    struct sigv4_credentials creds = {t->access_key_id, t->secret_access_key,
                                      t->session_token && *t->session_token ? t->session_token
                                                                            : NULL};
    struct sigv4_request req = {
        .method = "POST",
        .path = path,
        .headers = headers,
        .header_count = sizeof headers / sizeof headers[0],
        .body = out->body,
        .body_len = strlen(out->body),
        .region = t->region,
        .service = "events",
        .amz_date = date,
    };
    struct sigv4_signature sig;
    if (sigv4_sign(&creds, &req, &sig, err, n) != 0) {
        free(endpoint);
        eventbridge_request_free(out);
        return -1;
    }
    out->url = endpoint;
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        out->lines[out->count++] = line(headers[i].name, headers[i].value);
    if (creds.session_token)
        out->lines[out->count++] = line("X-Amz-Security-Token", creds.session_token);
    out->lines[out->count++] = line("Authorization", sig.authorization);
    sigv4_signature_free(&sig);
    return 0;
}

void eventbridge_request_free(struct eventbridge_request *r)
{
    free(r->url);
    for (size_t i = 0; i < r->count; i++)
        free(r->lines[i]);
    free(r->body);
    memset(r, 0, sizeof *r);
}

enum eventbridge_verdict eventbridge_answer(const struct http_response *resp, int n,
                                            cJSON **results, bool *retry, char *msg, size_t len)
{
    if (results)
        *results = NULL;
    for (int i = 0; retry && i < n; i++)
        retry[i] = false;
    cJSON *body =
        resp->body_len ? json_parse(resp->body, resp->body_len, JSON_MAX_DEPTH, NULL) : NULL;
    if (!resp->status) {
        snprintf(msg, len, "%s", resp->error[0] ? resp->error : "no answer");
        cJSON_Delete(body);
        return resp->failure == HTTP_FAIL_NETWORK || resp->failure == HTTP_FAIL_TIMEOUT
                   ? EVENTBRIDGE_RETRY
                   : EVENTBRIDGE_FAIL;
    }
    if (resp->status < 200 || resp->status >= 300) {
        const char *type = json_get_str(body, "__type");
        const char *text = json_get_str(body, "message") ? json_get_str(body, "message")
                                                         : json_get_str(body, "Message");
        snprintf(msg, len, "HTTP %ld %.80s%s%.160s", resp->status, type ? type : "",
                 type && text ? ": " : "", text ? text : "");
        bool again = resp->status >= 500 || resp->status == 429 || resp->status == 408 ||
                     retryable_type(type);
        cJSON_Delete(body);
        return again ? EVENTBRIDGE_RETRY : EVENTBRIDGE_FAIL;
    }
    const cJSON *entries = cJSON_GetObjectItem(body, "Entries");
    if (!cJSON_IsArray(entries) || cJSON_GetArraySize(entries) != n) {
        snprintf(msg, len, "the answer does not list one result per entry");
        cJSON_Delete(body);
        return EVENTBRIDGE_FAIL;
    }
    cJSON *out = cJSON_CreateArray();
    int failed = 0, i = 0;
    const cJSON *e;
    char first[200] = "";
    cJSON_ArrayForEach(e, entries)
    {
        cJSON *r = cJSON_CreateObject();
        const char *id = json_get_str(e, "EventId"), *code = json_get_str(e, "ErrorCode");
        if (code) {
            const char *text = json_get_str(e, "ErrorMessage");
            cJSON_AddStringToObject(r, "errorCode", code);
            cJSON_AddStringToObject(r, "errorMessage", text ? text : "");
            if (retry)
                retry[i] = retryable_type(code);
            if (!failed++)
                snprintf(first, sizeof first, "[%d] %.60s: %.120s", i, code, text ? text : "");
        } else {
            cJSON_AddStringToObject(r, "eventId", id ? id : "");
        }
        cJSON_AddItemToArray(out, r);
        i++;
    }
    cJSON_Delete(body);
    if (results)
        *results = out;
    else
        cJSON_Delete(out);
    if (failed)
        snprintf(msg, len, "%d of %d entries failed, first %s", failed, n, first);
    return failed ? EVENTBRIDGE_PARTIAL : EVENTBRIDGE_OK;
}
