/*
 * The outbound request path shared by workflow blocks and app actions (see outbound.h): delivery
 * headers, send, retry verdict; the http/streamData block's request built from its inputs; and the
 * redaction of what is recorded of a call. Not here: rendering a connector's request (connectors/
 * action.c renders, then sends through here) and the retry schedule (engine/retry.c).
 */
#include "engine/outbound.h"

#include "crypto/secrets.h"
#include "engine/delivery.h"
#include "base/stats.h"
#include "json/json.h"
#include "store/store.h"
#include "util/base64.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest per-block timeout a workflow may ask for: a call never holds a worker longer. */
#define BLOCK_TIMEOUT_MAX_MS 120000
/* Deepest value the redaction walks into; anything deeper is replaced whole, so a hostile output
 * can neither overflow the stack nor hide a secret below the walk. */
#define REDACT_MAX_DEPTH 64
/* Longest name looked at by the name-based net. */
#define SECRET_NAME_MAX 128

/* ---- secret values ---- */

static bool secrets_has(const struct outbound_secrets *s, const char *v)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->values[i], v) == 0)
            return true;
    return false;
}

/* Inserts a copy of v keeping the list longest first, so a secret that contains another is
 * replaced whole before its part is. */
static void secrets_insert(struct outbound_secrets *s, const char *v)
{
    if (!v || strlen(v) < OUTBOUND_SECRET_MIN || s->count >= OUTBOUND_SECRETS_MAX ||
        secrets_has(s, v))
        return;
    if (!s->values && !(s->values = calloc(OUTBOUND_SECRETS_MAX, sizeof *s->values)))
        return;
    char *copy = strdup(v);
    if (!copy)
        return;
    size_t len = strlen(v), at = s->count;
    while (at > 0 && strlen(s->values[at - 1]) < len) {
        s->values[at] = s->values[at - 1];
        at--;
    }
    s->values[at] = copy;
    s->count++;
}

void outbound_secret_add(struct outbound_secrets *s, const char *value)
{
    if (!s || !value)
        return;
    secrets_insert(s, value);
    struct buf enc = {0};
    buf_put_urlencoded(&enc, value);
    char *e = buf_take(&enc);
    if (e && strcmp(e, value) != 0)
        secrets_insert(s, e);
    free(e);
}

void outbound_secrets_add_all(struct outbound_secrets *s, const cJSON *v, const char *skip)
{
    const cJSON *c;
    if (cJSON_IsString(v)) {
        outbound_secret_add(s, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        char *text = json_print(v);
        outbound_secret_add(s, text);
        free(text);
    }
    const cJSON *container = cJSON_IsObject(v) || cJSON_IsArray(v) ? v : NULL;
    cJSON_ArrayForEach(c, container)
    {
        if (!skip || !c->string || strcmp(c->string, skip) != 0)
            outbound_secrets_add_all(s, c, NULL);
    }
}

void outbound_secrets_free(struct outbound_secrets *s)
{
    for (size_t i = 0; s && i < s->count; i++)
        secrets_free(s->values[i]);
    if (s) {
        free(s->values);
        s->values = NULL;
        s->count = 0;
    }
}

/* ---- the name-based net ---- */

/* Words that make a name secret wherever they appear in it ("X-Session", "refresh_token"). */
static const char *const SECRET_WORDS[] = {
    "authorization", "auth",       "token",   "secret", "password",  "passwd", "pwd",
    "passphrase",    "credential", "session", "cookie", "signature", "apikey", "jwt",
};
/* Pairs of neighbouring words that do ("api_key", "X-Access-Key"); "key" alone does not
 * ("Idempotency-Key", a dedupe "key"). */
static const char *const SECRET_PAIRS[][2] = {
    {"api", "key"}, {"access", "key"}, {"private", "key"}, {"client", "key"}, {"master", "key"},
};

/* Splits name into lower-case words at non-alphanumerics and camelCase boundaries ("APIKey" ->
 * "api key"). Returns the number of words written into words (each NUL-terminated in buf). */
static int split_words(const char *name, char *buf, size_t cap, const char **words, int max)
{
    int n = 0;
    size_t k = 0;
    bool in_word = false;
    for (size_t i = 0; name[i] && k + 2 < cap; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (!isalnum(ch)) {
            in_word = false;
            continue;
        }
        bool boundary =
            in_word && isupper(ch) &&
            (islower((unsigned char)name[i - 1]) || isdigit((unsigned char)name[i - 1]) ||
             (isupper((unsigned char)name[i - 1]) && islower((unsigned char)name[i + 1])));
        if (!in_word || boundary) {
            if (n == max)
                break;
            if (n > 0)
                buf[k++] = '\0';
            words[n++] = buf + k;
            in_word = true;
        }
        buf[k++] = (char)tolower(ch);
    }
    buf[k] = '\0';
    return n;
}

bool outbound_secret_name(const char *name)
{
    if (!name)
        return false;
    char buf[SECRET_NAME_MAX * 2];
    const char *words[16];
    int n = split_words(name, buf, sizeof buf, words, 16);
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof SECRET_WORDS / sizeof SECRET_WORDS[0]; k++)
            if (strcmp(words[i], SECRET_WORDS[k]) == 0 ||
                (strncmp(words[i], SECRET_WORDS[k], strlen(SECRET_WORDS[k])) == 0 &&
                 strcmp(words[i] + strlen(SECRET_WORDS[k]), "s") == 0))
                return true;
        for (size_t k = 0; i + 1 < n && k < sizeof SECRET_PAIRS / sizeof SECRET_PAIRS[0]; k++)
            if (strcmp(words[i], SECRET_PAIRS[k][0]) == 0 &&
                strcmp(words[i + 1], SECRET_PAIRS[k][1]) == 0)
                return true;
    }
    return false;
}

/* ---- redaction ---- */

/* Copies text into out replacing every secret value. */
static void scrub_values(const struct outbound_secrets *s, const char *text, struct buf *out)
{
    for (const char *p = text; *p;) {
        size_t hit = 0;
        for (size_t i = 0; s && i < s->count && !hit; i++) {
            size_t len = strlen(s->values[i]);
            if (*p == s->values[i][0] && strncmp(p, s->values[i], len) == 0)
                hit = len;
        }
        if (hit) {
            buf_puts(out, OUTBOUND_REDACTED);
            p += hit;
        } else {
            buf_putc(out, *p++);
        }
    }
}

/* Whether p ends a parameter's value inside free text (a message goes on with ": "). */
static bool value_end(const char *p)
{
    return !*p || strchr("&#;\"'", *p) || isspace((unsigned char)*p) ||
           (p[0] == ':' && p[1] == ' ');
}

/* Copies text into out replacing the values of secret-looking parameters (name=value after '?',
 * '&', ';', a space or the start: URLs, form bodies, cookies). */
static void scrub_params(const char *text, struct buf *out)
{
    for (const char *p = text; *p;) {
        bool starts = p == text || strchr("?&; ", p[-1]);
        size_t name_len = starts ? strcspn(p, "=&?#; \"'\t\r\n") : 0;
        if (starts && name_len > 0 && name_len < SECRET_NAME_MAX && p[name_len] == '=') {
            char name[SECRET_NAME_MAX];
            snprintf(name, sizeof name, "%.*s", (int)name_len, p);
            if (outbound_secret_name(name)) {
                buf_append(out, p, name_len + 1);
                buf_puts(out, OUTBOUND_REDACTED);
                p += name_len + 1;
                while (!value_end(p))
                    p++;
                continue;
            }
        }
        buf_putc(out, *p++);
    }
}

/* Whether text may need a replacement: it holds a parameter or a secret value. Most recorded
 * strings hold neither, and are then left alone without a copy. */
static bool may_hold_secret(const struct outbound_secrets *s, const char *text)
{
    if (strchr(text, '='))
        return true;
    for (size_t i = 0; s && i < s->count; i++)
        if (strstr(text, s->values[i]))
            return true;
    return false;
}

char *outbound_redact_text(const struct outbound_secrets *s, const char *text)
{
    if (!text)
        return NULL;
    if (!may_hold_secret(s, text))
        return strdup(text);
    struct buf values = {0}, params = {0};
    scrub_values(s, text, &values);
    scrub_params(values.data ? values.data : "", &params);
    buf_free(&values);
    char *out = buf_take(&params);
    return out ? out : strdup("");
}

void outbound_redact_buffer(const struct outbound_secrets *s, char *buf, size_t cap)
{
    char *clean = outbound_redact_text(s, buf);
    if (clean)
        snprintf(buf, cap, "%s", clean);
    free(clean);
}

/* An http block's auth object: its type, username and header name stay readable. */
static void redact_auth(cJSON *auth)
{
    static const char *const KEEP[] = {"type", "username", "name"};
    for (cJSON *a = auth->child, *next; a; a = next) {
        next = a->next;
        bool keep = false;
        for (size_t i = 0; i < sizeof KEEP / sizeof KEEP[0]; i++)
            keep |= a->string && strcmp(a->string, KEEP[i]) == 0 && !cJSON_IsObject(a);
        if (!keep)
            json_replace(auth, a, cJSON_CreateString(OUTBOUND_REDACTED));
    }
}

static void redact_node(const struct outbound_secrets *s, cJSON *node, int depth)
{
    for (cJSON *c = node->child, *next; c; c = next) {
        next = c->next; /* c may be replaced */
        if (cJSON_IsObject(node) && c->string && outbound_secret_name(c->string)) {
            if (strcmp(c->string, "auth") == 0 && cJSON_IsObject(c))
                redact_auth(c);
            else
                json_replace(node, c, cJSON_CreateString(OUTBOUND_REDACTED));
        } else if (cJSON_IsString(c) && may_hold_secret(s, c->valuestring)) {
            char *clean = outbound_redact_text(s, c->valuestring);
            if (clean && strcmp(clean, c->valuestring) != 0)
                json_replace(node, c, cJSON_CreateString(clean));
            free(clean);
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            if (depth >= REDACT_MAX_DEPTH)
                json_replace(node, c, cJSON_CreateString(OUTBOUND_REDACTED));
            else
                redact_node(s, c, depth + 1);
        }
    }
}

cJSON *outbound_redact(const struct outbound_secrets *s, const cJSON *v)
{
    if (!v)
        return NULL;
    if (cJSON_IsString(v)) {
        char *clean = outbound_redact_text(s, v->valuestring);
        cJSON *out = cJSON_CreateString(clean ? clean : "");
        free(clean);
        return out;
    }
    cJSON *copy = cJSON_Duplicate(v, true);
    if (copy && (cJSON_IsObject(copy) || cJSON_IsArray(copy)))
        redact_node(s, copy, 0);
    return copy;
}

/* ---- sending ---- */

/* Remembers the value of a secret-looking "Name: value" line, and its credential without the
 * scheme ("Basic dXNlcjpwYXNz" -> "dXNlcjpwYXNz"). */
static void learn_header(struct outbound_secrets *s, const char *line)
{
    const char *colon = strchr(line, ':');
    if (!s || !colon || colon - line >= SECRET_NAME_MAX)
        return;
    char name[SECRET_NAME_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(colon - line), line);
    if (!outbound_secret_name(name))
        return;
    const char *value = colon + 1;
    while (*value == ' ')
        value++;
    outbound_secret_add(s, value);
    const char *space = strchr(value, ' ');
    if (space)
        outbound_secret_add(s, space + 1);
}

int outbound_send(const struct outbound_ctx *ctx, const struct outbound_request *req,
                  struct http_response *resp, enum retry_verdict *verdict, char *err, size_t n)
{
    memset(resp, 0, sizeof *resp);
    *verdict = RETRY_FAIL;
    if (req->header_count > HTTP_MAX_HEADERS - DELIVERY_MAX_HEADERS) {
        snprintf(err, n, "more than %d headers", HTTP_MAX_HEADERS - DELIVERY_MAX_HEADERS);
        return -1;
    }
    const struct wf_block *b = req->block;
    char key[33];
    delivery_idempotency_key(ctx->execution_id, req->step_key, key);
    struct delivery d = {
        .workflow_id = ctx->workflow_id,
        .user_id = ctx->user_id,
        .block_name = b->name ? b->name : b->id,
        .block_type = b->type_name,
        .execution_uuid = ctx->execution_id,
        .idempotency_key = key,
        .timestamp_s = store_now() / 1000,
        .webhook_secret = ctx->webhook_secret,
        .signer = ctx->signer,
        .method = req->method,
        .url = req->url,
        .body = req->body ? req->body : "",
        .body_len = req->body ? req->body_len : 0,
    };
    struct delivery_headers dh;
    char why[200];
    if (delivery_headers(&d, &dh, why, sizeof why) != 0) {
        snprintf(err, n, "cannot sign the request: %s", why);
        return -1;
    }
    const char *lines[HTTP_MAX_HEADERS];
    size_t count = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        learn_header(ctx->secrets, req->headers[i]);
        lines[count++] = req->headers[i];
    }
    for (size_t i = 0; i < dh.count; i++)
        lines[count++] = dh.lines[i];
    struct http_request hreq = {
        .method = req->method,
        .url = req->url,
        .headers = lines,
        .header_count = count,
        .body = req->body,
        .body_len = req->body ? req->body_len : 0,
        .timeout_ms = req->timeout_ms,
    };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    http_client_send(ctx->http, &hreq, resp);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stats_observe(&ENGINE_STATS.delivery,
                  (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
    delivery_headers_free(&dh);
    *verdict = retry_classify(resp);
    return 0;
}

void outbound_fail(struct wf_call_result *res, enum retry_verdict verdict,
                   const struct http_response *resp)
{
    res->failed = true;
    res->retryable = verdict == RETRY_AGAIN;
    if (res->retryable && resp && resp->retry_after_ms > 0)
        res->retry_after_ms = resp->retry_after_ms;
}

/* ---- http and streamData blocks ---- */

/* Appends ?k=v&… from an object of query parameters, percent-encoding values. */
static void append_query(struct buf *url, const cJSON *query)
{
    bool first = !strchr(url->data ? url->data : "", '?');
    const cJSON *q;
    cJSON_ArrayForEach(q, query)
    {
        char *v = json_text(q);
        buf_putc(url, first ? '?' : '&');
        first = false;
        buf_put_urlencoded(url, q->string);
        buf_putc(url, '=');
        buf_put_urlencoded(url, v);
        free(v);
    }
}

/* The response as a block output: {status, body} with the body parsed when it is JSON. */
static cJSON *response_output(const struct http_response *resp)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "status", (double)resp->status);
    cJSON *body =
        resp->body_len ? json_parse(resp->body, resp->body_len, JSON_MAX_DEPTH, NULL) : NULL;
    if (!body)
        body = cJSON_CreateString(resp->body ? resp->body : "");
    cJSON_AddItemToObject(out, "body", body);
    return out;
}

/* The block's own timeout (input timeoutMs, 1 ms to 2 min), or 0 for the client's default. */
static long block_timeout_ms(const cJSON *in)
{
    const cJSON *t = cJSON_GetObjectItem(in, "timeoutMs");
    if (!cJSON_IsNumber(t) || t->valuedouble < 1)
        return 0;
    return t->valuedouble > BLOCK_TIMEOUT_MAX_MS ? BLOCK_TIMEOUT_MAX_MS : (long)t->valuedouble;
}

/* Remembers the values under secret-looking names anywhere inside v (a body, a query object). */
static void learn_named(struct outbound_secrets *s, const cJSON *v, int depth)
{
    const cJSON *c,
        *container = depth < REDACT_MAX_DEPTH && (cJSON_IsObject(v) || cJSON_IsArray(v)) ? v : NULL;
    cJSON_ArrayForEach(c, container)
    {
        if (c->string && outbound_secret_name(c->string))
            outbound_secrets_add_all(s, c, NULL);
        else
            learn_named(s, c, depth + 1);
    }
}

/* Remembers the values of the URL's secret-looking query parameters. */
static void learn_url(struct outbound_secrets *s, const char *url)
{
    const char *q = strchr(url, '?');
    for (const char *p = q; p && *p;) {
        p++;
        size_t len = strcspn(p, "&#");
        const char *eq = memchr(p, '=', len);
        if (eq && eq - p < SECRET_NAME_MAX) {
            char name[SECRET_NAME_MAX];
            snprintf(name, sizeof name, "%.*s", (int)(eq - p), p);
            char *value =
                outbound_secret_name(name) ? strndup(eq + 1, len - (size_t)(eq - p) - 1) : NULL;
            outbound_secret_add(s, value);
            free(value);
        }
        p += len;
        if (*p != '&')
            break;
    }
}

/* One "Name: value" line, or NULL when the name or value could split the header block. */
static char *header_line(const char *name, const char *prefix, const char *value)
{
    if (!name || !value || !*name || strpbrk(name, ":\r\n") || strpbrk(value, "\r\n"))
        return NULL;
    struct buf line = {0};
    buf_printf(&line, "%s: %s%s", name, prefix, value);
    return buf_take(&line);
}

/* The Authorization (or named) header the block's auth input asks for, or NULL for none. */
static char *auth_line(const cJSON *auth)
{
    const char *type = json_get_str(auth, "type");
    if (!type)
        return NULL;
    if (strcmp(type, "basic") == 0) {
        const char *user = json_get_str(auth, "username"), *pass = json_get_str(auth, "password");
        struct buf cred = {0};
        buf_printf(&cred, "%s:%s", user ? user : "", pass ? pass : "");
        char *b64 = base64_encode(cred.data ? cred.data : "", cred.len, false);
        buf_free(&cred);
        char *line = b64 ? header_line("Authorization", "Basic ", b64) : NULL;
        free(b64);
        return line;
    }
    if (strcmp(type, "bearer") == 0)
        return header_line("Authorization", "Bearer ", json_get_str(auth, "token"));
    if (strcmp(type, "header") == 0)
        return header_line(json_get_str(auth, "name"), "", json_get_str(auth, "value"));
    return NULL;
}

void outbound_block(const struct outbound_ctx *ctx, const struct wf_call *call,
                    const cJSON *context, struct wf_call_result *res)
{
    const struct wf_block *b = call->block;
    const cJSON *in = call->inputs;
    const char *url = json_get_str(in, "url");
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        res->failed = true;
        snprintf(res->message, sizeof res->message, "input 'url' must be an http(s) URL");
        return;
    }
    const char *method = json_get_str(in, "method");
    if (!method)
        method = b->type == WF_BLOCK_STREAM_DATA ? "POST" : "GET";
    const cJSON *auth = cJSON_GetObjectItem(in, "auth");
    if (ctx->secrets) {
        static const char *const AUTH_SECRETS[] = {"password", "token", "value"};
        for (size_t i = 0; i < sizeof AUTH_SECRETS / sizeof AUTH_SECRETS[0]; i++)
            outbound_secret_add(ctx->secrets, json_get_str(auth, AUTH_SECRETS[i]));
        learn_named(ctx->secrets, cJSON_GetObjectItem(in, "headers"), 0);
        learn_named(ctx->secrets, cJSON_GetObjectItem(in, "query"), 0);
        learn_named(ctx->secrets, cJSON_GetObjectItem(in, "body"), 0);
        learn_url(ctx->secrets, url);
    }

    /* Body: a string is sent as it is; anything else as JSON. Stream Data defaults to the event. */
    const cJSON *body = cJSON_GetObjectItem(in, "body");
    if (!body && b->type == WF_BLOCK_STREAM_DATA)
        body = cJSON_GetObjectItem(context, "event");
    char *payload = NULL;
    if (cJSON_IsString(body))
        payload = strdup(body->valuestring);
    else if (body)
        payload = json_print(body);

    struct buf full_url = {0};
    buf_puts(&full_url, url);
    append_query(&full_url, cJSON_GetObjectItem(in, "query"));
    char *target = buf_take(&full_url);

    /* The block's own headers, then authentication; outbound_send adds ours. */
    char *owned[HTTP_MAX_HEADERS - DELIVERY_MAX_HEADERS];
    size_t nowned = 0;
    const size_t room = sizeof owned / sizeof owned[0] - 1; /* one left for auth */
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(in, "headers"))
    {
        char *v = nowned < room && h->string ? json_text(h) : NULL;
        char *line = v ? header_line(h->string, "", v) : NULL;
        free(v);
        if (line)
            owned[nowned++] = line;
    }
    char *a = auth_line(auth);
    if (a)
        owned[nowned++] = a;

    struct outbound_request req = {
        .block = b,
        .step_key = call->step_key,
        .method = method,
        .url = target,
        .headers = (const char *const *)owned,
        .header_count = nowned,
        .body = payload,
        .body_len = payload ? strlen(payload) : 0,
        .timeout_ms = block_timeout_ms(in),
    };
    struct http_response resp;
    enum retry_verdict verdict;
    char err[256];
    /* Messages name the URL without the values of its secret-looking parameters. */
    char *shown = outbound_redact_text(ctx->secrets, url);
    if (outbound_send(ctx, &req, &resp, &verdict, err, sizeof err) != 0) {
        res->failed = true;
        snprintf(res->message, sizeof res->message, "%.200s", err);
    } else if (verdict == RETRY_SUCCESS) {
        res->output = response_output(&resp);
    } else {
        outbound_fail(res, verdict, &resp);
        if (!res->retryable && resp.status)
            res->output = response_output(&resp);
        if (resp.status)
            snprintf(res->message, sizeof res->message, "%.10s %.120s: HTTP %ld %.100s", method,
                     shown ? shown : "", resp.status, resp.body ? resp.body : "");
        else
            snprintf(res->message, sizeof res->message, "%.10s %.120s: %.100s", method,
                     shown ? shown : "", resp.error);
    }
    free(shown);
    http_response_free(&resp);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(payload);
    free(target);
}
