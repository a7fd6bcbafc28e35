/*
 * The MySQL and MariaDB driver (MariaDB Connector/C): connects with the credential's host, port,
 * database, user, password and TLS mode (disabled, required, verify-full; an optional CA
 * certificate), LOAD DATA LOCAL off; reads a table's columns from information_schema; runs one
 * prepared statement with every value bound by its kind (text, integer, double, boolean as 1/0,
 * NULL) and reads any rows back as JSON. Failures are classified by error number: a lost or
 * refused connection, too many connections, a lock timeout, a deadlock or a statement timeout may
 * pass on retry; a duplicate key, a NULL into NOT NULL or a bad value will not.
 */
#include "destinations/internal.h"

#include "json/json.h"

#include <mysql.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of one cell read back: a statement's output is for a workflow, not a bulk export. */
#define CELL_MAX_BYTES (1 << 20)

/* One connection. timeout_ms: the statement time limit last set; mariadb: which variable sets it.
 */
struct my_conn {
    MYSQL *m;
    long timeout_ms;
    bool mariadb;
};

static const struct sql_dialect MY_DIALECT = {
    .quote = '`',
    .names_ci = true,
    .returning = "",
    .upsert = UPSERT_ON_DUPLICATE_KEY,
    .booleans_as_ints = true,
    .timestamps_plain = true,
};

/* Error numbers a retry may get past (client: 2xxx, server: 1xxx). */
static const unsigned RETRYABLE[] = {
    2002, 2003, 2005, 2006, 2011, 2013, 2055, /* cannot connect, server gone, lost connection */
    1040, 1053, 1129, 1152, 1153, 1159, 1160, 1161, 1927, /* too many, shutdown, aborted, killed */
    1205, 1213,                                           /* lock wait timeout, deadlock */
    1317, 1969, 3024,                                     /* interrupted, statement time limits */
};
/* Of those, the ones after which the connection is unusable. */
static const unsigned BROKEN[] = {2006, 2013, 2055, 1053, 1152, 1153, 1159, 1160, 1161, 1927};

static bool listed(const unsigned *list, size_t n, unsigned code)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == code)
            return true;
    return false;
}

static void set_error(struct dest_error *err, const char *prefix, unsigned code, const char *msg)
{
    dest_error_set(err, listed(RETRYABLE, sizeof RETRYABLE / sizeof RETRYABLE[0], code),
                   "%s[%u] %.260s", prefix, code, msg ? msg : "");
    err->broken = code >= 2000 || listed(BROKEN, sizeof BROKEN / sizeof BROKEN[0], code);
}

static void *my_connect(const cJSON *cred, const struct dest_env *env, struct dest_error *err)
{
    char ca[600] = "", addr[64];
    const char *host = json_get_str(cred, "host");
    if (!host || !*host)
        host = "localhost";
    if (dest_resolve(env, host, addr, sizeof addr, err) != 0)
        return NULL;
    const char *pem = json_get_str(cred, "caCertificate");
    if (pem && *pem && dest_ca_file(env->files_dir, pem, ca, sizeof ca, err) != 0)
        return NULL;
    MYSQL *m = mysql_init(NULL);
    if (!m) {
        dest_error_set(err, true, "out of memory");
        return NULL;
    }
    unsigned connect_s = DEST_CONNECT_TIMEOUT_S;
    /* The statement limit is set per statement; the socket's is a bound above it. */
    unsigned io_s = DEST_TIMEOUT_MAX_MS / 1000 + 5;
    my_bool off = 0, on = 1;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_s);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
    mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &off);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const char *tls = json_get_str(cred, "tls");
    if (!tls || strcmp(tls, "disabled") != 0) {
        mysql_ssl_set(m, NULL, NULL, ca[0] ? ca : NULL, NULL, NULL);
        mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
        if (tls && strcmp(tls, "verify-full") == 0)
            mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    }
    const cJSON *port = cJSON_GetObjectItem(cred, "port");
    /* The address the guard checked, unless the certificate's name must match the host. */
    bool by_name = tls && strcmp(tls, "verify-full") == 0;
    if (!mysql_real_connect(m, by_name ? host : addr, json_get_str(cred, "user"),
                            json_get_str(cred, "password"), json_get_str(cred, "database"),
                            cJSON_IsNumber(port) ? (unsigned)port->valueint : 3306, NULL, 0)) {
        unsigned code = mysql_errno(m);
        set_error(err, "cannot connect: ", code, mysql_error(m));
        /* Refused credentials, an unknown database or a TLS mismatch stay that way. */
        if (code == 2026 || code == 1044 || code == 1045 || code == 1049 || code == 1698)
            err->retryable = false;
        mysql_close(m);
        return NULL;
    }
    struct my_conn *c = calloc(1, sizeof *c);
    if (!c) {
        mysql_close(m);
        dest_error_set(err, true, "out of memory");
        return NULL;
    }
    c->m = m;
    const char *server = mysql_get_server_info(m);
    c->mariadb = server && strstr(server, "MariaDB");
    return c;
}

static void my_close(void *conn)
{
    struct my_conn *c = conn;
    if (c)
        mysql_close(c->m);
    free(c);
}

/* The server's own statement time limit: MariaDB's max_statement_time (seconds), else MySQL's
 * max_execution_time (milliseconds, SELECT only). A server without either runs unbounded by it;
 * the socket timeout still bounds the wait. */
static void set_timeout(struct my_conn *c, long timeout_ms)
{
    if (c->timeout_ms == timeout_ms)
        return;
    char sql[80];
    if (c->mariadb)
        snprintf(sql, sizeof sql, "SET SESSION max_statement_time = %.3f", timeout_ms / 1000.0);
    else
        snprintf(sql, sizeof sql, "SET SESSION max_execution_time = %ld", timeout_ms);
    if (mysql_query(c->m, sql) == 0)
        c->timeout_ms = timeout_ms;
}

static cJSON *cell(const MYSQL_FIELD *f, const char *v, unsigned long len)
{
    switch (f->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL: {
        char *end;
        double d = strtod(v, &end);
        if (*end || d > 9007199254740992.0 || d < -9007199254740992.0)
            return cJSON_CreateString(v);
        return cJSON_CreateNumber(d);
    }
    case MYSQL_TYPE_JSON: {
        cJSON *j = json_parse(v, len, JSON_MAX_DEPTH, NULL);
        return j ? j : cJSON_CreateString(v);
    }
    default:
        return cJSON_CreateString(v);
    }
}

/* Reads the result set of an executed statement into rows. Returns 0 or -1 with err. */
static int fetch_rows(MYSQL_STMT *st, MYSQL_RES *meta, cJSON *rows, bool *truncated,
                      struct dest_error *err)
{
    my_bool update = 1;
    mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update);
    if (mysql_stmt_store_result(st) != 0) {
        set_error(err, "", mysql_stmt_errno(st), mysql_stmt_error(st));
        return -1;
    }
    unsigned nf = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    MYSQL_BIND *bind = calloc(nf ? nf : 1, sizeof *bind);
    unsigned long *lengths = calloc(nf ? nf : 1, sizeof *lengths);
    my_bool *nulls = calloc(nf ? nf : 1, sizeof *nulls);
    char **cells = calloc(nf ? nf : 1, sizeof *cells);
    int rc = bind && lengths && nulls && cells ? 0 : -1;
    for (unsigned i = 0; rc == 0 && i < nf; i++) {
        unsigned long cap =
            fields[i].max_length < CELL_MAX_BYTES ? fields[i].max_length + 1 : CELL_MAX_BYTES;
        cells[i] = calloc(1, cap + 1);
        bind[i].buffer_type = MYSQL_TYPE_STRING;
        bind[i].buffer = cells[i];
        bind[i].buffer_length = cap;
        bind[i].length = &lengths[i];
        bind[i].is_null = &nulls[i];
        rc = cells[i] ? 0 : -1;
    }
    if (rc == 0 && mysql_stmt_bind_result(st, bind) != 0)
        rc = -1;
    int n = 0;
    for (int f; rc == 0 && (f = mysql_stmt_fetch(st)) != MYSQL_NO_DATA;) {
        if (f == 1) {
            rc = -1;
            break;
        }
        if (n++ >= DEST_MAX_ROWS) {
            *truncated = true;
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        for (unsigned i = 0; i < nf; i++) {
            unsigned long len =
                lengths[i] < bind[i].buffer_length ? lengths[i] : bind[i].buffer_length - 1;
            cells[i][len] = 0;
            cJSON_AddItemToObject(o, fields[i].name,
                                  nulls[i] ? cJSON_CreateNull() : cell(&fields[i], cells[i], len));
        }
        cJSON_AddItemToArray(rows, o);
    }
    if (rc != 0)
        set_error(err, "", mysql_stmt_errno(st), mysql_stmt_error(st));
    for (unsigned i = 0; cells && i < nf; i++)
        free(cells[i]);
    free(cells);
    free(nulls);
    free(lengths);
    free(bind);
    return rc;
}

static int my_execute(void *conn, const char *sql, const struct sql_params *params, long timeout_ms,
                      cJSON **out, struct dest_error *err)
{
    struct my_conn *c = conn;
    *out = NULL;
    set_timeout(c, timeout_ms);
    MYSQL_STMT *st = mysql_stmt_init(c->m);
    if (!st) {
        set_error(err, "", mysql_errno(c->m), mysql_error(c->m));
        return -1;
    }
    int rc = -1;
    MYSQL_BIND *bind = calloc(params->count ? (size_t)params->count : 1, sizeof *bind);
    long long *ints = calloc(params->count ? (size_t)params->count : 1, sizeof *ints);
    double *reals = calloc(params->count ? (size_t)params->count : 1, sizeof *reals);
    unsigned long *lens = calloc(params->count ? (size_t)params->count : 1, sizeof *lens);
    if (!bind || !ints || !reals || !lens) {
        dest_error_set(err, true, "out of memory");
    } else if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        set_error(err, "", mysql_stmt_errno(st), mysql_stmt_error(st));
    } else if (mysql_stmt_param_count(st) != (unsigned long)params->count) {
        dest_error_set(err, false,
                       "the statement has %lu placeholders but %d parameters were given",
                       mysql_stmt_param_count(st), params->count);
    } else {
        for (int i = 0; i < params->count; i++) {
            const struct sql_param *p = &params->items[i];
            switch (p->kind) {
            case SQL_NULL:
                bind[i].buffer_type = MYSQL_TYPE_NULL;
                break;
            case SQL_INT:
            case SQL_BOOL:
                ints[i] = strtoll(p->text, NULL, 10);
                bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
                bind[i].buffer = &ints[i];
                break;
            case SQL_REAL:
                reals[i] = strtod(p->text, NULL);
                bind[i].buffer_type = MYSQL_TYPE_DOUBLE;
                bind[i].buffer = &reals[i];
                break;
            case SQL_TEXT:
                lens[i] = strlen(p->text);
                bind[i].buffer_type = MYSQL_TYPE_STRING;
                bind[i].buffer = p->text;
                bind[i].buffer_length = lens[i];
                bind[i].length = &lens[i];
                break;
            }
        }
        if ((params->count && mysql_stmt_bind_param(st, bind) != 0) ||
            mysql_stmt_execute(st) != 0) {
            set_error(err, "", mysql_stmt_errno(st), mysql_stmt_error(st));
        } else {
            cJSON *o = cJSON_CreateObject();
            MYSQL_RES *meta = mysql_stmt_result_metadata(st);
            bool truncated = false;
            rc = 0;
            if (meta) {
                cJSON *rows = cJSON_AddArrayToObject(o, "rows");
                rc = fetch_rows(st, meta, rows, &truncated, err);
                mysql_free_result(meta);
                cJSON_AddNumberToObject(o, "rowsAffected", cJSON_GetArraySize(rows));
            } else {
                cJSON_AddNumberToObject(o, "rowsAffected", (double)mysql_stmt_affected_rows(st));
                if (mysql_stmt_insert_id(st))
                    cJSON_AddNumberToObject(o, "insertId", (double)mysql_stmt_insert_id(st));
            }
            if (truncated)
                cJSON_AddTrueToObject(o, "truncated");
            if (rc == 0)
                *out = o;
            else
                cJSON_Delete(o);
        }
    }
    free(bind);
    free(ints);
    free(reals);
    free(lens);
    mysql_stmt_close(st);
    return rc;
}

static int my_columns(void *conn, const char *schema, const char *table, cJSON **cols,
                      struct dest_error *err)
{
    *cols = NULL;
    struct sql_params params = {0};
    cJSON *s = schema ? cJSON_CreateString(schema) : cJSON_CreateNull();
    cJSON *t = cJSON_CreateString(table);
    int rc = sql_params_add(&params, &MY_DIALECT, s, NULL) == 0 &&
                     sql_params_add(&params, &MY_DIALECT, t, NULL) == 0
                 ? 0
                 : -1;
    cJSON_Delete(s);
    cJSON_Delete(t);
    cJSON *out = NULL;
    if (rc == 0)
        rc = my_execute(conn,
                        "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM "
                        "information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) "
                        "AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                        &params, DEST_TIMEOUT_MS, &out, err);
    else
        dest_error_set(err, true, "out of memory");
    sql_params_free(&params);
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(out, "rows"))
    {
        if (!*cols)
            *cols = cJSON_CreateObject();
        const char *type = json_get_str(row, "type");
        cJSON_AddStringToObject(*cols, json_get_str(row, "name"), type ? type : "");
    }
    cJSON_Delete(out);
    return rc;
}

const struct sql_driver mysql_driver = {
    .name = "MySQL",
    .app = "mysql",
    .dialect = &MY_DIALECT,
    .connect = my_connect,
    .close = my_close,
    .columns = my_columns,
    .execute = my_execute,
};

void mysql_driver_init(void)
{
    mysql_library_init(0, NULL, NULL);
}

void mysql_driver_end(void)
{
    mysql_library_end();
}
