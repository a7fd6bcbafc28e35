/*
 * The PostgreSQL driver (libpq): connects with the credential's host, port, database, user,
 * password and TLS mode (sslmode, an optional CA certificate), reads a table's columns from the
 * catalog, and runs one statement with every value bound as a parameter ($1, $2...), the server
 * inferring types from the columns. Failures are classified by SQLSTATE: a lost connection,
 * serialization failure, deadlock, lack of resources or a statement timeout may pass on retry; a
 * constraint violation, a type error or unknown names will not.
 */
#include "destinations/internal.h"

#include "json/json.h"
#include "util/buf.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs from pg_type.h whose values become JSON numbers, booleans or JSON. */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
    OID_JSONB = 3802,
};

/* One connection; timeout_ms is the statement_timeout last set on it. */
struct pg_conn {
    PGconn *pg;
    long timeout_ms;
};

static const struct sql_dialect PG_DIALECT = {
    .quote = '"',
    .numbered = true,
    .returning = " RETURNING *",
    .upsert = UPSERT_ON_CONFLICT,
};

static const char *str(const cJSON *o, const char *key, const char *fallback)
{
    const char *v = json_get_str(o, key);
    return v && *v ? v : fallback;
}

/* libpq's message without its trailing line break. */
static void set_message(struct dest_error *err, bool retryable, const char *prefix,
                        const char *text)
{
    char clean[300];
    snprintf(clean, sizeof clean, "%s", text ? text : "");
    for (char *p = clean; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(clean);
    while (n > 0 && clean[n - 1] == ' ')
        clean[--n] = 0;
    dest_error_set(err, retryable, "%s%s", prefix, clean);
}

/* A failed connection may pass later, unless the server refused who we are or what we asked. */
static bool connect_retryable(const char *message)
{
    static const char *const FINAL[] = {
        "authentication failed", "does not exist", "no pg_hba.conf entry", "does not support SSL",
        "certificate",           "sslmode",        "permission denied",
    };
    for (size_t i = 0; i < sizeof FINAL / sizeof FINAL[0]; i++)
        if (message && strstr(message, FINAL[i]))
            return false;
    return true;
}

static void *pg_connect(const cJSON *cred, const struct dest_env *env, struct dest_error *err)
{
    char port[16], timeout[16], ca[600] = "", addr[64];
    const char *host = str(cred, "host", "localhost");
    if (dest_resolve(env, host, addr, sizeof addr, err) != 0)
        return NULL;
    const cJSON *p = cJSON_GetObjectItem(cred, "port");
    snprintf(port, sizeof port, "%d", cJSON_IsNumber(p) ? p->valueint : 5432);
    snprintf(timeout, sizeof timeout, "%d", DEST_CONNECT_TIMEOUT_S);
    const char *pem = json_get_str(cred, "caCertificate");
    if (pem && *pem && dest_ca_file(env->files_dir, pem, ca, sizeof ca, err) != 0)
        return NULL;
    const char *keys[16], *values[16];
    int n = 0;
#define PARAM(k, v)                                                                                \
    do {                                                                                           \
        keys[n] = (k);                                                                             \
        values[n++] = (v);                                                                         \
    } while (0)
    PARAM("host", host);
    PARAM("hostaddr", addr); /* the address the guard checked; host stays for TLS names */
    PARAM("port", port);
    PARAM("dbname", str(cred, "database", "postgres"));
    PARAM("user", str(cred, "user", "postgres"));
    if (json_get_str(cred, "password"))
        PARAM("password", json_get_str(cred, "password"));
    PARAM("sslmode", str(cred, "sslmode", "require"));
    if (ca[0])
        PARAM("sslrootcert", ca);
    PARAM("connect_timeout", timeout);
    PARAM("application_name", "solder");
    PARAM("client_encoding", "UTF8");
    PARAM("keepalives", "1");
    keys[n] = values[n] = NULL;
#undef PARAM
    PGconn *pg = PQconnectdbParams(keys, values, 0);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        const char *msg = pg ? PQerrorMessage(pg) : "out of memory";
        set_message(err, connect_retryable(msg), "cannot connect: ", msg);
        PQfinish(pg);
        return NULL;
    }
    struct pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        PQfinish(pg);
        dest_error_set(err, true, "out of memory");
        return NULL;
    }
    c->pg = pg;
    return c;
}

static void pg_close(void *conn)
{
    struct pg_conn *c = conn;
    if (c)
        PQfinish(c->pg);
    free(c);
}

/* Classifies a failed result: retryable by SQLSTATE class, broken when the connection is gone. */
static void result_error(struct pg_conn *c, PGresult *r, struct dest_error *err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    bool gone = PQstatus(c->pg) != CONNECTION_OK;
    /* 08 connection, 40 rollback (serialization, deadlock), 53 resources, 57 operator
     * intervention (statement timeout, shutdown), 58 system error. */
    static const char *const RETRY_CLASSES[] = {"08", "40", "53", "57", "58"};
    bool retry = gone || !state;
    for (size_t i = 0; state && i < sizeof RETRY_CLASSES / sizeof RETRY_CLASSES[0]; i++)
        retry |= strncmp(state, RETRY_CLASSES[i], 2) == 0;
    char text[300];
    if (primary)
        snprintf(text, sizeof text, "%s%s%s%s%s", primary, detail ? " (" : "", detail ? detail : "",
                 detail ? ")" : "", "");
    else
        snprintf(text, sizeof text, "%s", PQerrorMessage(c->pg));
    char prefix[24] = "";
    if (state)
        snprintf(prefix, sizeof prefix, "[%s] ", state);
    set_message(err, retry, prefix, text);
    err->broken = gone || (state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0));
}

static cJSON *cell(PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return cJSON_CreateNull();
    const char *v = PQgetvalue(r, row, col);
    switch (PQftype(r, col)) {
    case OID_BOOL:
        return cJSON_CreateBool(v[0] == 't');
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC: {
        char *end;
        double d = strtod(v, &end);
        /* NaN, Infinity and integers beyond 2^53 keep their exact text. */
        if (*end || d != d || d > 9007199254740992.0 || d < -9007199254740992.0)
            return cJSON_CreateString(v);
        return cJSON_CreateNumber(d);
    }
    case OID_JSON:
    case OID_JSONB: {
        cJSON *j = json_parse(v, strlen(v), JSON_MAX_DEPTH, NULL);
        return j ? j : cJSON_CreateString(v);
    }
    default:
        return cJSON_CreateString(v);
    }
}

static cJSON *rows_json(PGresult *r, bool *truncated)
{
    cJSON *rows = cJSON_CreateArray();
    int n = PQntuples(r), cols = PQnfields(r);
    *truncated = n > DEST_MAX_ROWS;
    for (int i = 0; i < n && i < DEST_MAX_ROWS; i++) {
        cJSON *o = cJSON_CreateObject();
        for (int c = 0; c < cols; c++)
            cJSON_AddItemToObject(o, PQfname(r, c), cell(r, i, c));
        cJSON_AddItemToArray(rows, o);
    }
    return rows;
}

static int set_timeout(struct pg_conn *c, long timeout_ms, struct dest_error *err)
{
    if (c->timeout_ms == timeout_ms)
        return 0;
    char sql[64];
    snprintf(sql, sizeof sql, "SET statement_timeout = %ld", timeout_ms);
    PGresult *r = PQexec(c->pg, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc != 0)
        result_error(c, r, err);
    else
        c->timeout_ms = timeout_ms;
    PQclear(r);
    return rc;
}

static int pg_execute(void *conn, const char *sql, const struct sql_params *params, long timeout_ms,
                      cJSON **out, struct dest_error *err)
{
    struct pg_conn *c = conn;
    *out = NULL;
    if (set_timeout(c, timeout_ms, err) != 0)
        return -1;
    const char **values = params->count ? calloc((size_t)params->count, sizeof *values) : NULL;
    for (int i = 0; values && i < params->count; i++)
        values[i] = params->items[i].text;
    PGresult *r = PQexecParams(c->pg, sql, params->count, NULL, values, NULL, NULL, 0);
    free(values);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        result_error(c, r, err);
        PQclear(r);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    const char *affected = PQcmdTuples(r);
    cJSON_AddNumberToObject(o, "rowsAffected", affected && *affected ? atof(affected) : 0);
    if (st == PGRES_TUPLES_OK) {
        bool truncated;
        cJSON *rows = rows_json(r, &truncated);
        if (cJSON_GetArraySize(rows) == 1 && strncmp(sql, "INSERT", 6) == 0)
            cJSON_AddItemToObject(o, "row", cJSON_DetachItemFromArray(rows, 0));
        if (strncmp(sql, "INSERT", 6) != 0 || cJSON_GetArraySize(rows) > 0)
            cJSON_AddItemToObject(o, "rows", rows);
        else
            cJSON_Delete(rows);
        if (truncated)
            cJSON_AddTrueToObject(o, "truncated");
    }
    PQclear(r);
    *out = o;
    return 0;
}

static int pg_columns(void *conn, const char *schema, const char *table, cJSON **cols,
                      struct dest_error *err)
{
    struct pg_conn *c = conn;
    *cols = NULL;
    struct buf name = {0};
    if (schema) {
        sql_quote(&PG_DIALECT, &name, schema);
        buf_putc(&name, '.');
    }
    sql_quote(&PG_DIALECT, &name, table);
    char *qualified = buf_take(&name);
    const char *values[1] = {qualified};
    PGresult *r = PQexecParams(c->pg,
                               "SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
                               "FROM pg_attribute a WHERE a.attrelid = to_regclass($1) "
                               "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                               1, NULL, values, NULL, NULL, 0);
    free(qualified);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        result_error(c, r, err);
        PQclear(r);
        return -1;
    }
    if (PQntuples(r) > 0) {
        *cols = cJSON_CreateObject();
        for (int i = 0; i < PQntuples(r); i++)
            cJSON_AddStringToObject(*cols, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    }
    PQclear(r);
    return 0;
}

const struct sql_driver postgresql_driver = {
    .name = "PostgreSQL",
    .app = "postgresql",
    .dialect = &PG_DIALECT,
    .connect = pg_connect,
    .close = pg_close,
    .columns = pg_columns,
    .execute = pg_execute,
};
