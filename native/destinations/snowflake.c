/*
 * The Snowflake destination, through the SQL API v2: POST /api/v2/statements with the statement,
 * its bindings ({"1": {"type": "FIXED", "value": "42"}, ...}), the statement timeout and the
 * credential's warehouse, database, schema and role, authenticated by a key-pair JWT
 * (crypto/keypair_jwt.h). An answer of 202 (still running) is polled at the statement's status URL
 * until it ends or the block's time runs out; a retry sends the same requestId with retry=true, so
 * Snowflake answers with the statement it already ran rather than running it twice. Requests go
 * through the one outbound path (engine/outbound.h).
 */
#include "destinations/internal.h"

#include "crypto/keypair_jwt.h"
#include "engine/delivery.h"
#include "engine/outbound.h"
#include "json/json.h"
#include "store/store.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Lifetime of the token a call signs: well inside Snowflake's hour. */
#define TOKEN_LIFETIME_S 3000
/* Polling of a statement still running: first wait, growth up to the longest wait. */
#define POLL_FIRST_MS 200
#define POLL_MAX_MS   2000

static const struct sql_dialect SF_DIALECT = {
    .quote = '"',
    .fold_upper = true,
    .returning = "",
    .upsert = UPSERT_MERGE,
};

static const char *binding_type(enum sql_kind k)
{
    static const char *const TYPES[] = {
        [SQL_NULL] = "TEXT", [SQL_TEXT] = "TEXT",    [SQL_INT] = "FIXED",
        [SQL_REAL] = "REAL", [SQL_BOOL] = "BOOLEAN",
    };
    return TYPES[k];
}

static cJSON *bindings(const struct sql_params *p)
{
    cJSON *b = cJSON_CreateObject();
    for (int i = 0; i < p->count; i++) {
        char n[16];
        snprintf(n, sizeof n, "%d", i + 1);
        cJSON *one = cJSON_AddObjectToObject(b, n);
        cJSON_AddStringToObject(one, "type", binding_type(p->items[i].kind));
        if (p->items[i].text)
            cJSON_AddStringToObject(one, "value", p->items[i].text);
        else
            cJSON_AddNullToObject(one, "value");
    }
    return b;
}

/* The account's API origin: the credential's baseUrl, else https://ACCOUNT.snowflakecomputing.com
 * (lower case, '_' as '-', as Snowflake's URLs write it). */
static char *origin_of(const cJSON *cred)
{
    const char *base = json_get_str(cred, "baseUrl");
    struct buf b = {0};
    if (base && *base) {
        buf_puts(&b, base);
        while (b.len > 0 && b.data[b.len - 1] == '/')
            b.data[--b.len] = 0;
        return buf_take(&b);
    }
    const char *account = json_get_str(cred, "account");
    buf_puts(&b, "https://");
    for (const char *p = account ? account : ""; *p; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (!(isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_'))
            continue; /* nothing else may stand in the host */
        buf_putc(&b, c == '_' ? '-' : c);
    }
    buf_puts(&b, ".snowflakecomputing.com");
    return buf_take(&b);
}

/* A value of a result cell by its column's type: numbers, booleans and semi-structured values as
 * JSON, everything else as Snowflake's text. */
static cJSON *cell(const cJSON *v, const char *type)
{
    if (!cJSON_IsString(v))
        return cJSON_CreateNull();
    const char *s = v->valuestring;
    if (type && (strcmp(type, "fixed") == 0 || strcmp(type, "real") == 0)) {
        char *end;
        double d = strtod(s, &end);
        if (!*end && d == d && d < 9007199254740992.0 && d > -9007199254740992.0)
            return cJSON_CreateNumber(d);
    } else if (type && strcmp(type, "boolean") == 0) {
        return cJSON_CreateBool(strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
    } else if (type && (strcmp(type, "variant") == 0 || strcmp(type, "object") == 0 ||
                        strcmp(type, "array") == 0)) {
        cJSON *j = json_parse(s, strlen(s), JSON_MAX_DEPTH, NULL);
        if (j)
            return j;
    }
    return cJSON_CreateString(s);
}

/* The block's output from a ResultSet: statementHandle, rows as objects, stats. */
static cJSON *result_output(const cJSON *body)
{
    cJSON *out = cJSON_CreateObject();
    const char *handle = json_get_str(body, "statementHandle");
    if (handle)
        cJSON_AddStringToObject(out, "statementHandle", handle);
    const cJSON *types =
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "resultSetMetaData"), "rowType");
    cJSON *rows = cJSON_AddArrayToObject(out, "rows");
    const cJSON *row;
    int n = 0;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(body, "data"))
    {
        if (n++ >= DEST_MAX_ROWS) {
            cJSON_AddTrueToObject(out, "truncated");
            break;
        }
        cJSON *o = cJSON_CreateObject();
        const cJSON *v;
        int i = 0;
        cJSON_ArrayForEach(v, row)
        {
            const cJSON *t = cJSON_GetArrayItem(types, i++);
            const char *name = json_get_str(t, "name");
            char fallback[16];
            snprintf(fallback, sizeof fallback, "%d", i);
            cJSON_AddItemToObject(o, name ? name : fallback, cell(v, json_get_str(t, "type")));
        }
        cJSON_AddItemToArray(rows, o);
    }
    const cJSON *stats = cJSON_GetObjectItem(body, "stats");
    if (cJSON_IsObject(stats)) {
        double affected = 0;
        const cJSON *s;
        cJSON_ArrayForEach(s, stats) if (cJSON_IsNumber(s)) affected += s->valuedouble;
        cJSON_AddNumberToObject(out, "rowsAffected", affected);
        cJSON_AddItemToObject(out, "stats", cJSON_Duplicate(stats, true));
    }
    return out;
}

/* The failure of an answer: Snowflake's code, SQL state and message when it gave them. */
static void answer_error(const struct http_response *resp, const cJSON *body, char *msg, size_t n)
{
    const char *code = json_get_str(body, "code"), *state = json_get_str(body, "sqlState");
    const char *text = json_get_str(body, "message");
    if (!resp->status)
        snprintf(msg, n, "%s", resp->error);
    else if (text)
        snprintf(msg, n, "HTTP %ld [%s%s%s] %.200s", resp->status, code ? code : "",
                 state ? "/" : "", state ? state : "", text);
    else
        snprintf(msg, n, "HTTP %ld %.200s", resp->status, resp->body ? resp->body : "");
}

static bool valid_handle(const char *h)
{
    if (!h || !*h || strlen(h) > 128)
        return false;
    for (; *h; h++)
        if (!isalnum((unsigned char)*h) && *h != '-' && *h != '_')
            return false;
    return true;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void snowflake_run(const struct destination_call *call, const struct wf_block *block,
                   const cJSON *cred, const cJSON *inputs, struct wf_call_result *res)
{
    struct sql_params params = {0};
    struct dest_error derr = {0};
    char *sql = NULL;
    res->failed = true;
    if (block->db.operation == WF_DB_STATEMENT) {
        const cJSON *list = cJSON_GetObjectItem(inputs, "parameters"), *v;
        if (list && !cJSON_IsArray(list)) {
            snprintf(res->message, sizeof res->message,
                     "Snowflake: input 'parameters' must evaluate to an array");
            return;
        }
        cJSON_ArrayForEach(v, list) sql_params_add(&params, &SF_DIALECT, v, NULL);
        sql = strdup(block->db.sql);
    } else {
        const cJSON *values = cJSON_GetObjectItem(inputs, "values");
        if (!cJSON_IsObject(values) || !values->child) {
            snprintf(res->message, sizeof res->message,
                     "Snowflake: input 'values' must evaluate to an object of column name to "
                     "value");
            return;
        }
        sql = sql_build_write(&SF_DIALECT, block->db.table, values, NULL, block->db.key,
                              block->db.operation == WF_DB_UPSERT ? block->db.nkey : 0, &params,
                              &derr);
    }
    char err[256] = "", fp[80];
    char *token =
        sql ? keypair_jwt(json_get_str(cred, "privateKey"),
                          json_get_str(cred, "privateKeyPassphrase"), json_get_str(cred, "account"),
                          json_get_str(cred, "user"), store_now() / 1000, TOKEN_LIFETIME_S, fp,
                          sizeof fp, err, sizeof err)
            : NULL;
    if (!sql || !token) {
        snprintf(res->message, sizeof res->message, "Snowflake: %.240s", sql ? err : derr.message);
        res->retryable = !sql && derr.retryable;
        free(sql);
        sql_params_free(&params);
        return;
    }
    outbound_secret_add(call->outbound->secrets, token);
    long timeout_ms = dest_timeout_ms(inputs);

    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "statement", sql);
    cJSON_AddNumberToObject(body, "timeout", (double)((timeout_ms + 999) / 1000));
    static const char *const CONTEXT[] = {"database", "schema", "warehouse", "role"};
    for (size_t i = 0; i < sizeof CONTEXT / sizeof CONTEXT[0]; i++) {
        const char *v = json_get_str(cred, CONTEXT[i]);
        if (v && *v)
            cJSON_AddStringToObject(body, CONTEXT[i], v);
    }
    if (params.count)
        cJSON_AddItemToObject(body, "bindings", bindings(&params));
    char *text = json_print(body);
    cJSON_Delete(body);
    free(sql);
    sql_params_free(&params);

    /* requestId: a UUID stable across retries (the execution and step), so a retry finds the
     * statement Snowflake already ran. */
    char key[33];
    delivery_idempotency_key(call->outbound->execution_id, call->step_key, key);
    char *origin = origin_of(cred);
    struct buf url = {0};
    buf_printf(&url, "%s/api/v2/statements?requestId=%.8s-%.4s-%.4s-%.4s-%.12s%s", origin, key,
               key + 8, key + 12, key + 16, key + 20, call->attempt > 1 ? "&retry=true" : "");
    char *target = buf_take(&url);
    struct buf auth = {0};
    buf_printf(&auth, "Authorization: Bearer %s", token);
    char *auth_line = buf_take(&auth);
    const char *headers[] = {auth_line, "X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT",
                             "Content-Type: application/json", "Accept: application/json",
                             "User-Agent: Solder/1.0"};
    struct outbound_request req = {
        .block = block,
        .step_key = call->step_key,
        .method = "POST",
        .url = target,
        .headers = headers,
        .header_count = sizeof headers / sizeof headers[0],
        .body = text,
        .body_len = text ? strlen(text) : 0,
        .timeout_ms = timeout_ms + 5000,
    };
    int64_t deadline = mono_ms() + timeout_ms;
    long wait = POLL_FIRST_MS;
    struct http_response resp;
    enum retry_verdict verdict;
    char *poll_url = NULL;
    for (;;) {
        if (outbound_send(call->outbound, &req, &resp, &verdict, err, sizeof err) != 0) {
            snprintf(res->message, sizeof res->message, "Snowflake: %.240s", err);
            break;
        }
        cJSON *answer =
            resp.body_len ? json_parse(resp.body, resp.body_len, JSON_MAX_DEPTH, NULL) : NULL;
        if (resp.status == 200) {
            res->failed = false;
            res->output = result_output(answer);
        } else if (resp.status == 202) {
            const char *handle = json_get_str(answer, "statementHandle");
            if (!valid_handle(handle) || mono_ms() + wait > deadline) {
                res->retryable = valid_handle(handle);
                snprintf(res->message, sizeof res->message,
                         "Snowflake: statement %.64s is still running after %ld ms",
                         handle ? handle : "(no handle)", timeout_ms);
            } else {
                sleep_ms(wait);
                wait = wait * 2 > POLL_MAX_MS ? POLL_MAX_MS : wait * 2;
                free(poll_url);
                struct buf pu = {0};
                buf_printf(&pu, "%s/api/v2/statements/%s", origin, handle);
                poll_url = buf_take(&pu);
                req.method = "GET";
                req.url = poll_url;
                req.body = NULL;
                req.body_len = 0;
                cJSON_Delete(answer);
                http_response_free(&resp);
                continue;
            }
        } else {
            outbound_fail(res, verdict, &resp);
            char msg[240];
            answer_error(&resp, answer, msg, sizeof msg);
            snprintf(res->message, sizeof res->message, "Snowflake: %s", msg);
        }
        cJSON_Delete(answer);
        http_response_free(&resp);
        break;
    }
    free(poll_url);
    free(origin);
    free(target);
    free(text);
    memset(auth_line, 0, strlen(auth_line));
    free(auth_line);
    memset(token, 0, strlen(token));
    free(token);
}
