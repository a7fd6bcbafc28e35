/*
 * The database destinations' statement building (native/destinations/sql.c) without a server:
 * identifiers quoted per dialect (embedded quotes doubled, dots inside a column name kept, unicode
 * passed through, snowflake's upper-casing only of plain names), qualified tables quoted part by
 * part, INSERT / upsert text for each dialect with values only as placeholders, unknown columns
 * and missing keys refused with the table's columns, and (through a fake driver and pool.c) an
 * unknown table refused clearly and a table's columns read once per cache period.
 */
#include "check.h"

#include "destinations/internal.h"
#include "json/json.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

/* snowflake.c keeps its dialect private; this one writes the same way. */
static const struct sql_dialect SNOWFLAKE = {
    .quote = '"', .fold_upper = true, .returning = "", .upsert = UPSERT_MERGE};

static char *quoted(const struct sql_dialect *d, const char *name)
{
    struct buf b = {0};
    sql_quote(d, &b, name);
    return buf_take(&b);
}

static char *quoted_table(const struct sql_dialect *d, const char *name)
{
    struct buf b = {0};
    sql_quote_table(d, &b, name);
    return buf_take(&b);
}

#define CHECK_QUOTE(fn, d, in, want)                                                               \
    do {                                                                                           \
        char *got_ = fn(d, in);                                                                    \
        CHECK_STR(got_, want);                                                                     \
        free(got_);                                                                                \
    } while (0)

static void test_quoting(void)
{
    const struct sql_dialect *pg = postgresql_driver.dialect, *my = mysql_driver.dialect;
    CHECK_QUOTE(quoted, pg, "orders", "\"orders\"");
    CHECK_QUOTE(quoted, pg, "ord\"ers", "\"ord\"\"ers\"");
    CHECK_QUOTE(quoted, pg, "\"", "\"\"\"\"");
    CHECK_QUOTE(quoted, pg, "a.b", "\"a.b\""); /* a column name keeps its dot */
    CHECK_QUOTE(quoted, pg, "Größe €", "\"Größe €\"");
    CHECK_QUOTE(quoted, pg, "x\"; DROP TABLE t; --", "\"x\"\"; DROP TABLE t; --\"");
    CHECK_QUOTE(quoted, my, "ord`ers", "`ord``ers`");
    CHECK_QUOTE(quoted, my, "it's \"fine\"", "`it's \"fine\"`");
    CHECK_QUOTE(quoted, my, "注文", "`注文`");
    /* snowflake folds plain names to upper case (as unquoted names resolve), not the others */
    CHECK_QUOTE(quoted, &SNOWFLAKE, "order_id$2", "\"ORDER_ID$2\"");
    CHECK_QUOTE(quoted, &SNOWFLAKE, "Mixed Case", "\"Mixed Case\"");
    CHECK_QUOTE(quoted, &SNOWFLAKE, "größe", "\"größe\"");
    CHECK_QUOTE(quoted, &SNOWFLAKE, "1st", "\"1st\"");
    CHECK_QUOTE(quoted, &SNOWFLAKE, "a\"b", "\"a\"\"b\"");

    CHECK_QUOTE(quoted_table, pg, "public.orders", "\"public\".\"orders\"");
    CHECK_QUOTE(quoted_table, pg, "sales.ord\"ers", "\"sales\".\"ord\"\"ers\"");
    CHECK_QUOTE(quoted_table, my, "shop.orders", "`shop`.`orders`");
    CHECK_QUOTE(quoted_table, &SNOWFLAKE, "sales.public.orders", "\"SALES\".\"PUBLIC\".\"ORDERS\"");

    char *schema, *table;
    sql_split_table("sales.public.orders", &schema, &table);
    CHECK_STR(schema, "sales.public");
    CHECK_STR(table, "orders");
    free(schema);
    free(table);
    sql_split_table("orders", &schema, &table);
    CHECK(schema == NULL);
    CHECK_STR(table, "orders");
    free(table);
}

static cJSON *parse(const char *text)
{
    return json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
}

/* Builds the write of values into table (columns: the live schema, or NULL) and checks its text
 * (want NULL: refused, with the message containing why). */
static void check_write(const struct sql_dialect *d, const char *table, const char *values,
                        const char *columns, char *const *key, int nkey, const char *want,
                        const char *why, int params)
{
    cJSON *v = parse(values), *c = columns ? parse(columns) : NULL;
    struct sql_params p = {0};
    struct dest_error err = {0};
    char *sql = sql_build_write(d, table, v, c, key, nkey, &p, &err);
    if (want) {
        CHECK_STR(sql, want);
        CHECK_INT(p.count, params);
    } else {
        CHECK(sql == NULL);
        CHECK(!err.retryable);
        CHECK(why && strstr(err.message, why) != NULL);
        if (!why || !strstr(err.message, why))
            fprintf(stderr, "  message: %s\n", err.message);
    }
    free(sql);
    sql_params_free(&p);
    cJSON_Delete(v);
    cJSON_Delete(c);
}

static void test_statements(void)
{
    const struct sql_dialect *pg = postgresql_driver.dialect, *my = mysql_driver.dialect;
    const char *odd = "{\"id\": 1, \"we\\\"ird\": \"'); DROP TABLE orders; --\", \"a.b\": true}";
    const char *odd_columns =
        "{\"id\": \"integer\", \"we\\\"ird\": \"text\", \"a.b\": \"boolean\"}";
    char *id[] = {"id"};
    check_write(
        pg, "public.orders", odd, odd_columns, NULL, 0,
        "INSERT INTO \"public\".\"orders\" (\"id\", \"we\"\"ird\", \"a.b\") VALUES ($1, $2, "
        "$3) RETURNING *",
        NULL, 3);
    check_write(pg, "orders", odd, odd_columns, id, 1,
                "INSERT INTO \"orders\" (\"id\", \"we\"\"ird\", \"a.b\") VALUES ($1, $2, $3) ON "
                "CONFLICT (\"id\") DO UPDATE SET \"we\"\"ird\" = EXCLUDED.\"we\"\"ird\", \"a.b\" = "
                "EXCLUDED.\"a.b\" RETURNING *",
                NULL, 3);
    check_write(pg, "orders", "{\"id\": 1}", "{\"id\": \"integer\"}", id, 1,
                "INSERT INTO \"orders\" (\"id\") VALUES ($1) ON CONFLICT (\"id\") DO NOTHING "
                "RETURNING *",
                NULL, 1);
    /* mysql: names compare without case, backquotes, ON DUPLICATE KEY UPDATE */
    check_write(my, "orders", "{\"ID\": 1, \"Stat`us\": \"new\"}",
                "{\"id\": \"int\", \"stat`us\": \"varchar\"}", id, 1,
                "INSERT INTO `orders` (`ID`, `Stat``us`) VALUES (?, ?) ON DUPLICATE KEY UPDATE "
                "`Stat``us` = VALUES(`Stat``us`)",
                NULL, 2);
    /* snowflake: MERGE, JSON through PARSE_JSON, no live schema */
    check_write(
        &SNOWFLAKE, "sales.public.orders", "{\"id\": 1, \"data\": {\"a\": 1}}", NULL, id, 1,
        "MERGE INTO \"SALES\".\"PUBLIC\".\"ORDERS\" AS t USING (SELECT ? AS \"ID\", "
        "PARSE_JSON(?) AS \"DATA\") AS s ON t.\"ID\" = s.\"ID\" WHEN MATCHED THEN UPDATE "
        "SET t.\"DATA\" = s.\"DATA\" WHEN NOT MATCHED THEN INSERT (\"ID\", \"DATA\") VALUES "
        "(s.\"ID\", s.\"DATA\")",
        NULL, 2);

    /* refusals: an unknown column (case matters for postgresql), a key without a value, a key
     * column the table lacks */
    check_write(pg, "orders", "{\"id\": 1, \"Status\": \"x\"}",
                "{\"id\": \"integer\", \"status\": \"text\"}", NULL, 0, NULL,
                "column 'Status' is not in table orders (its columns: id, status)", 0);
    check_write(pg, "orders", "{\"id\": 1, \"we\\\"ird\": 2}", "{\"id\": \"integer\"}", NULL, 0,
                NULL, "column 'we\"ird' is not in table orders", 0);
    char *missing[] = {"sku"};
    check_write(pg, "orders", "{\"id\": 1}", "{\"id\": \"integer\", \"sku\": \"text\"}", missing, 1,
                NULL, "the key column 'sku' has no value in 'values'", 0);
    check_write(my, "orders", "{\"id\": 1, \"sku\": 2}", "{\"id\": \"int\"}", missing, 1, NULL,
                "column 'sku' is not in table orders (its columns: id)", 0);
}

/* The bound values: nothing of a value reaches the statement, each gets its kind. */
static void test_params(void)
{
    const struct sql_dialect *pg = postgresql_driver.dialect, *my = mysql_driver.dialect;
    cJSON *v =
        parse("{\"n\": 42, \"r\": 1.5, \"b\": true, \"s\": \"x\", \"z\": null, \"j\": {\"k\": "
              "[1]}, \"t\": \"2024-05-01T12:20:30+02:00\"}");
    cJSON *cols = parse("{\"n\": \"int\", \"r\": \"double\", \"b\": \"tinyint\", \"s\": \"text\", "
                        "\"z\": \"text\", \"j\": \"json\", \"t\": \"datetime\"}");
    struct sql_params p = {0};
    struct dest_error err = {0};
    char *sql = sql_build_write(my, "t", v, cols, NULL, 0, &p, &err);
    CHECK_STR(sql,
              "INSERT INTO `t` (`n`, `r`, `b`, `s`, `z`, `j`, `t`) VALUES (?, ?, ?, ?, ?, ?, ?)");
    CHECK_INT(p.count, 7);
    if (p.count == 7) {
        CHECK_INT(p.items[0].kind, SQL_INT);
        CHECK_INT(p.items[1].kind, SQL_REAL);
        CHECK_INT(p.items[2].kind, SQL_BOOL);
        CHECK_STR(p.items[2].text, "1");
        CHECK_STR(p.items[3].text, "x");
        CHECK_INT(p.items[4].kind, SQL_NULL);
        CHECK_STR(p.items[5].text, "{\"k\":[1]}");
        CHECK_STR(p.items[6].text, "2024-05-01 10:20:30");
    }
    free(sql);
    sql_params_free(&p);
    sql = sql_build_write(pg, "t", v, NULL, NULL, 0, &p, &err);
    CHECK(sql && strstr(sql, "$7") && !strstr(sql, "2024"));
    if (p.count == 7) {
        CHECK_STR(p.items[2].text, "true");
        CHECK_STR(p.items[6].text, "2024-05-01T12:20:30+02:00"); /* postgresql parses it */
    }
    free(sql);
    sql_params_free(&p);
    cJSON_Delete(v);
    cJSON_Delete(cols);
}

/* ---- the schema check through a pool, with a driver that knows one table ---- */

static int fake_columns_calls;
static int fake_conn;

static void *fake_connect(const cJSON *credential, const struct dest_env *env,
                          struct dest_error *err)
{
    (void)credential;
    (void)env;
    (void)err;
    return &fake_conn;
}

static void fake_close(void *conn)
{
    (void)conn;
}

static int fake_columns(void *conn, const char *schema, const char *table, cJSON **cols,
                        struct dest_error *err)
{
    (void)conn;
    (void)err;
    fake_columns_calls++;
    *cols = NULL;
    if (strcmp(table, "orders") == 0 && (!schema || strcmp(schema, "shop") == 0)) {
        *cols = cJSON_CreateObject();
        cJSON_AddStringToObject(*cols, "id", "integer");
    }
    return 0;
}

static int fake_execute(void *conn, const char *sql, const struct sql_params *params,
                        long timeout_ms, cJSON **out, struct dest_error *err)
{
    (void)conn;
    (void)sql;
    (void)params;
    (void)timeout_ms;
    (void)out;
    dest_error_set(err, false, "not used");
    return -1;
}

static void test_unknown_table(void)
{
    const struct sql_driver fake = {.name = "Fake",
                                    .app = "fake",
                                    .dialect = postgresql_driver.dialect,
                                    .connect = fake_connect,
                                    .close = fake_close,
                                    .columns = fake_columns,
                                    .execute = fake_execute};
    struct dest_env env = {.files_dir = "."};
    struct pools *pools = pools_new(&env);
    struct pool *pool = pools_acquire(pools, &fake, "fake:1");
    CHECK(pool != NULL);
    if (!pool) {
        pools_free(pools);
        return;
    }
    bool reused;
    struct dest_error err = {0};
    void *conn = pool_checkout(pool, NULL, &reused, &err);
    CHECK(conn == &fake_conn);

    cJSON *cols = pool_columns(pool, conn, "shop.nope", false, &err);
    CHECK(cols == NULL);
    CHECK_STR(err.message,
              "table shop.nope does not exist (or the credential's user cannot see it)");
    CHECK(!err.retryable);
    memset(&err, 0, sizeof err);
    cols = pool_columns(pool, conn, "ord\"ers", false, &err);
    CHECK(cols == NULL && strstr(err.message, "table ord\"ers does not exist") != NULL);

    /* a known table is read once, then served from the cache until refreshed */
    fake_columns_calls = 0;
    for (int i = 0; i < 3; i++) {
        cols = pool_columns(pool, conn, "shop.orders", false, &err);
        CHECK(cJSON_IsString(cJSON_GetObjectItem(cols, "id")));
        cJSON_Delete(cols);
    }
    CHECK_INT(fake_columns_calls, 1);
    cols = pool_columns(pool, conn, "shop.orders", true, &err);
    cJSON_Delete(cols);
    CHECK_INT(fake_columns_calls, 2);

    pool_checkin(pool, conn, false);
    pools_release(pools, pool);
    pools_free(pools);
}

int main(void)
{
    test_quoting();
    test_statements();
    test_params();
    test_unknown_table();
    return check_summary("destinations_sql");
}
