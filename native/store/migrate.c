/*
 * Store: copying a whole installation into another store (migrate.h), table by table from the list
 * of every column of the schema below, row by row as the source hands them over: each row read is
 * written into the target at once, so no table sits in memory whole (a PostgreSQL source is read
 * through a cursor, in batches). Rows come in insertion order: SQLite's rowid; on PostgreSQL the
 * seq column of the tables whose order the API shows (users, executions) and the physical order of
 * the others. Bytes travel as hex text, which both engines write and read alike.
 * Not here: opening the stores or checking that nothing writes the source (the command's work),
 * and the master key: sealed values are copied as they are.
 *
 * The statements are made from the list once per process into static buffers that never change
 * afterwards, so the backends may cache their prepared forms by address as they do literals'.
 */
#include "store/migrate.h"

#include "store/store_internal.h"

#include "util/hex.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS(...)                                                                               \
    (const struct store_migrate_column[]){__VA_ARGS__},                                            \
        sizeof((const struct store_migrate_column[]){__VA_ARGS__}) /                               \
            sizeof(struct store_migrate_column)

/* Every table of the schema and every column but PostgreSQL's seq, in foreign-key order (a table
 * comes after those it references). tests/unit/test_store_migrate.c fails when a table or a column
 * of a fresh store is missing here. */
static const struct store_migrate_table TABLES[] = {
    {"accounts", false, COLUMNS({"id", 's'}, {"name", 's'}, {"created_at", 'i'})},
    {"environments", false,
     COLUMNS({"id", 's'}, {"account_id", 's'}, {"name", 's'}, {"created_at", 'i'})},
    {"api_keys", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"hash", 'b'}, {"prefix", 's'}, {"created_at", 'i'},
             {"revoked_at", 'i'}, {"last_used_at", 'i'})},
    {"users", true,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"username", 's'}, {"full_name", 's'},
             {"created_at", 'i'}, {"updated_at", 'i'})},
    {"signing_keys", false,
     COLUMNS({"id", 's'}, {"alg", 's'}, {"private_pem", 's'}, {"public_pem", 's'},
             {"created_at", 'i'}, {"retired_at", 'i'})},
    {"integrations", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"name", 's'}, {"app", 's'}, {"icon", 's'},
             {"description", 's'}, {"created_at", 'i'}, {"updated_at", 'i'})},
    {"workflows", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"integration_id", 's'}, {"name", 's'}, {"draft", 's'},
             {"version", 'i'}, {"created_at", 'i'}, {"updated_at", 'i'})},
    {"workflow_versions", false,
     COLUMNS({"workflow_id", 's'}, {"version", 'i'}, {"definition", 's'}, {"trigger_type", 's'},
             {"trigger_event", 's'}, {"blocks", 's'}, {"fields", 's'}, {"released_at", 'i'},
             {"released_by", 's'})},
    {"events", false,
     COLUMNS({"env_id", 's'}, {"name", 's'}, {"description", 's'}, {"body", 's'}, {"schema", 's'},
             {"created_at", 'i'}, {"updated_at", 'i'})},
    {"installations", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"workflow_id", 's'}, {"user_id", 's'},
             {"integration_id", 's'}, {"version", 'i'}, {"active", 'i'}, {"config", 's'},
             {"trigger_type", 's'}, {"trigger_event", 's'}, {"installed_at", 'i'},
             {"updated_at", 'i'}, {"next_run_at", 'i'}, {"credential_ids", 's'})},
    {"install_sessions", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"user_id", 's'}, {"integration_id", 's'},
             {"workflow_ids", 's'}, {"state", 's'}, {"created_at", 'i'}, {"versions", 's'},
             {"credential_ids", 's'})},
    {"run_events", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"user_id", 's'}, {"name", 's'}, {"payload", 's'},
             {"created_at", 'i'})},
    {"executions", true,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"installation_id", 's'}, {"workflow_id", 's'},
             {"user_id", 's'}, {"version", 'i'}, {"event_id", 's'}, {"status", 's'},
             {"attempt", 'i'}, {"run_at", 'i'}, {"lease_until", 'i'}, {"state", 's'},
             {"error", 's'}, {"error_block", 's'}, {"created_at", 'i'}, {"started_at", 'i'},
             {"finished_at", 'i'}, {"lease_owner", 's'})},
    {"execution_steps", false,
     COLUMNS({"execution_id", 's'}, {"seq", 'i'}, {"block_id", 's'}, {"block_type", 's'},
             {"block_name", 's'}, {"step_key", 's'}, {"status", 's'}, {"attempt", 'i'},
             {"started_at", 'i'}, {"stopped_at", 'i'}, {"inputs", 's'}, {"output", 's'},
             {"error", 's'})},
    {"execution_errors", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"execution_id", 's'}, {"workflow_id", 's'},
             {"installation_id", 's'}, {"user_id", 's'}, {"block", 's'}, {"message", 's'},
             {"created_at", 'i'}, {"streamed", 'i'}, {"kind", 's'})},
    {"settings", false,
     COLUMNS({"env_id", 's'}, {"error_webhook_url", 's'}, {"error_webhook_secret", 's'},
             {"signing_secret", 's'}, {"log_retention_days", 'i'}, {"error_eventbridge", 's'},
             {"rate_limits", 's'})},
    {"server_keys", false,
     COLUMNS({"name", 's'}, {"private_pem", 's'}, {"public_pem", 's'}, {"created_at", 'i'})},
    {"credentials", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"user_id", 's'}, {"app", 's'}, {"name", 's'},
             {"sealed", 's'}, {"created_at", 'i'}, {"updated_at", 'i'}, {"error", 's'})},
    {"app_subscriptions", false,
     COLUMNS({"id", 's'}, {"env_id", 's'}, {"user_id", 's'}, {"workflow_id", 's'}, {"app", 's'},
             {"trigger_name", 's'}, {"credential_id", 's'}, {"sealed_secret", 's'}, {"remote", 's'},
             {"state", 's'}, {"error", 's'}, {"created_at", 'i'}, {"updated_at", 'i'},
             {"attempts", 'i'}, {"retry_at", 'i'}, {"last_attempt_at", 'i'})},
    {"app_deliveries", false,
     COLUMNS({"id", 's'}, {"subscription_id", 's'}, {"payload", 's'}, {"created_at", 'i'})},
    {"used_tokens", false, COLUMNS({"jti", 's'}, {"expires_at", 'i'})},
    {"oauth_states", false,
     COLUMNS({"state", 's'}, {"env_id", 's'}, {"user_id", 's'}, {"app", 's'},
             {"sealed_verifier", 's'}, {"params", 's'}, {"redirect_uri", 's'}, {"sealed_code", 's'},
             {"created_at", 'i'})},
    {"poll_seen", false, COLUMNS({"subscription_id", 's'}, {"key", 's'}, {"created_at", 'i'})},
    {"dashboard_accounts", false,
     COLUMNS({"id", 's'}, {"email", 's'}, {"password_hash", 's'}, {"created_at", 'i'},
             {"updated_at", 'i'})},
    {"dashboard_sessions", false,
     COLUMNS({"id_hash", 's'}, {"account_id", 's'}, {"environment", 's'}, {"created_at", 'i'},
             {"last_seen_at", 'i'})},
    {"dashboard_setup_tokens", false, COLUMNS({"hash", 's'}, {"expires_at", 'i'})},
    {"login_failures", false, COLUMNS({"key", 's'}, {"failures", 'i'}, {"first_at", 'i'})},
};

#define TABLE_COUNT (sizeof TABLES / sizeof TABLES[0])

_Static_assert(TABLE_COUNT <= STORE_MIGRATE_TABLES_MAX, "a report holds every table");

const struct store_migrate_table *store_migrate_tables(size_t *n)
{
    *n = TABLE_COUNT;
    return TABLES;
}

/* Rows of a PostgreSQL source held in memory at once (libpq keeps a whole result): enough that
 * round trips do not dominate, few enough that a table of millions of executions never does. */
#define MIGRATE_BATCH 500
#define MIGRATE_FETCH "FETCH 500 FROM migrate_rows"

/* Room for one statement of the list: the longest (executions' SELECT) takes about 400. */
#define MIGRATE_SQL_MAX 2048

struct copy;

/* How a column of one type is selected (as a printf format of its name) and read into the value
 * bound on the target. */
struct column_kind {
    char type;
    char bind; /* the store_arg type written */
    const char *lite;
    const char *pg;
    int (*read)(struct copy *c, const struct store_row *row, int col, struct store_arg *a);
};

/* One table being copied: the target, what a row is read into, and what went wrong. */
struct copy {
    struct store *to;
    const struct store_migrate_table *t;
    const char *insert;
    int64_t rows;
    bool target_failed; /* the write failed (else the read): whose message to give */
    char why[128];      /* a value that could not be read, when not the store's message */
    struct {
        unsigned char *data;
        size_t cap;
    } bytes[STORE_ARGS_MAX]; /* decoded 'b' columns, grown as needed, freed after the table */
};

static int read_text(struct copy *c, const struct store_row *row, int col, struct store_arg *a)
{
    (void)c;
    a->text = store_col_text(row, col);
    return STORE_OK;
}

static int read_int(struct copy *c, const struct store_row *row, int col, struct store_arg *a)
{
    (void)c;
    a->null = store_col_null(row, col);
    a->i = store_col_int64(row, col);
    return STORE_OK;
}

/* A bytes column selected as hex text (either case), decoded. */
static int read_hex(struct copy *c, const struct store_row *row, int col, struct store_arg *a)
{
    const char *hex = store_col_text(row, col);
    a->null = hex == NULL;
    if (!hex)
        return STORE_OK;
    size_t len = strlen(hex);
    if (len % 2) {
        snprintf(c->why, sizeof c->why, "%s.%s is not hex", c->t->name, c->t->columns[col].name);
        return STORE_ERROR;
    }
    if (c->bytes[col].cap < len / 2 + 1) {
        unsigned char *more = realloc(c->bytes[col].data, len / 2 + 1);
        if (!more) {
            snprintf(c->why, sizeof c->why, "out of memory");
            return STORE_ERROR;
        }
        c->bytes[col].data = more;
        c->bytes[col].cap = len / 2 + 1;
    }
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            snprintf(c->why, sizeof c->why, "%s.%s is not hex", c->t->name,
                     c->t->columns[col].name);
            return STORE_ERROR;
        }
        c->bytes[col].data[i] = (unsigned char)(hi << 4 | lo);
    }
    a->blob = c->bytes[col].data;
    a->len = len / 2;
    return STORE_OK;
}

static const struct column_kind KINDS[] = {
    {'s', 's', "\"%s\"", "\"%s\"", read_text},
    {'i', 'i', "\"%s\"", "\"%s\"", read_int},
    /* SQLite's hex() makes "" of NULL: a NULL stays NULL. */
    {'b', 'b', "CASE WHEN \"%1$s\" IS NULL THEN NULL ELSE hex(\"%1$s\") END",
     "encode(\"%s\", 'hex')", read_hex},
};

static const struct column_kind *kind_of(char type)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (KINDS[i].type == type)
            return &KINDS[i];
    return NULL;
}

/* The statements of one table: its SELECT on SQLite, the cursor over it on PostgreSQL, the INSERT
 * and a probe for any row. */
struct table_sql {
    char select_lite[MIGRATE_SQL_MAX];
    char declare_pg[MIGRATE_SQL_MAX];
    char insert[MIGRATE_SQL_MAX];
    char probe[MIGRATE_SQL_MAX];
};

static struct table_sql SQL[TABLE_COUNT];
static bool sql_ok;
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

/* Appends to out (cap bytes) at *len; false when it does not fit. */
static bool append(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool append(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len)
        return false;
    *len += (size_t)n;
    return true;
}

/* How append_columns writes each column: its name, or what selects it on one engine. */
enum column_text { COLUMN_NAME, COLUMN_SELECT_LITE, COLUMN_SELECT_PG };

/* The column list of t, comma-separated; false when a column's type is unknown or it does not fit.
 */
static bool append_columns(char *out, size_t *len, const struct store_migrate_table *t,
                           enum column_text how)
{
    bool ok = true;
    for (size_t i = 0; ok && i < t->ncolumns; i++) {
        const struct column_kind *k = kind_of(t->columns[i].type);
        if (!k)
            return false;
        const char *fmt = how == COLUMN_NAME          ? "\"%s\""
                          : how == COLUMN_SELECT_LITE ? k->lite
                                                      : k->pg;
        ok = append(out, MIGRATE_SQL_MAX, len, "%s", i ? ", " : "") &&
             append(out, MIGRATE_SQL_MAX, len, fmt, t->columns[i].name);
    }
    return ok;
}

static bool build_table(const struct store_migrate_table *t, struct table_sql *q)
{
    size_t a = 0, b = 0, c = 0, d = 0;
    if (t->ncolumns > STORE_ARGS_MAX)
        return false;
    bool ok = append(q->select_lite, MIGRATE_SQL_MAX, &a, "SELECT ") &&
              append_columns(q->select_lite, &a, t, COLUMN_SELECT_LITE) &&
              append(q->select_lite, MIGRATE_SQL_MAX, &a, " FROM \"%s\" ORDER BY rowid", t->name);
    ok = ok &&
         append(q->declare_pg, MIGRATE_SQL_MAX, &b,
                "DECLARE migrate_rows NO SCROLL CURSOR FOR SELECT ") &&
         append_columns(q->declare_pg, &b, t, COLUMN_SELECT_PG) &&
         append(q->declare_pg, MIGRATE_SQL_MAX, &b, " FROM \"%s\" ORDER BY %s", t->name,
                t->seq ? "seq" : "ctid");
    ok = ok && append(q->insert, MIGRATE_SQL_MAX, &c, "INSERT INTO \"%s\"(", t->name) &&
         append_columns(q->insert, &c, t, COLUMN_NAME) &&
         append(q->insert, MIGRATE_SQL_MAX, &c, ") VALUES (");
    for (size_t i = 0; ok && i < t->ncolumns; i++)
        ok = append(q->insert, MIGRATE_SQL_MAX, &c, "%s?%zu", i ? ", " : "", i + 1);
    return ok && append(q->insert, MIGRATE_SQL_MAX, &c, ")") &&
           append(q->probe, MIGRATE_SQL_MAX, &d, "SELECT 1 FROM \"%s\" LIMIT 1", t->name);
}

static void build_sql(void)
{
    bool ok = true;
    for (size_t i = 0; ok && i < TABLE_COUNT; i++)
        ok = build_table(&TABLES[i], &SQL[i]);
    sql_ok = ok;
}

/* Reads one source row and writes it into the target. */
static int copy_row(const struct store_row *row, void *arg)
{
    struct copy *c = arg;
    struct store_arg args[STORE_ARGS_MAX];
    int n = (int)c->t->ncolumns;
    for (int i = 0; i < n; i++) {
        const struct column_kind *k = kind_of(c->t->columns[i].type);
        memset(&args[i], 0, sizeof args[i]);
        args[i].type = k->bind;
        if (k->read(c, row, i, &args[i]) != STORE_OK)
            return STORE_ERROR;
    }
    int rc = c->to->drv->run(c->to, c->insert, args, n, NULL, NULL);
    if (rc != STORE_OK) {
        c->target_failed = true;
        return STORE_ERROR; /* a taken key too: the target was checked empty */
    }
    c->rows++;
    return STORE_OK;
}

/* Copies table i of the list from from into c->to. */
static int copy_table(struct store *from, size_t i, struct copy *c)
{
    if (from->drv->dialect == STORE_DIALECT_SQLITE)
        return from->drv->run(from, SQL[i].select_lite, NULL, 0, copy_row, c);
    if (from->drv->exec(from, SQL[i].declare_pg) != STORE_OK)
        return STORE_ERROR;
    int rc;
    int64_t before;
    do {
        before = c->rows;
        rc = from->drv->run(from, MIGRATE_FETCH, NULL, 0, copy_row, c);
    } while (rc == STORE_OK && c->rows - before == MIGRATE_BATCH);
    if (rc == STORE_OK)
        rc = from->drv->exec(from, "CLOSE migrate_rows");
    return rc;
}

/* Whether the target holds a row in any table: STORE_OK when none, STORE_CONFLICT naming one. */
static int check_empty(struct store *to, char *err, size_t err_len)
{
    for (size_t i = 0; i < TABLE_COUNT; i++) {
        int64_t any = 0;
        if (to->drv->run(to, SQL[i].probe, NULL, 0, store_row_int64, &any) != STORE_OK) {
            snprintf(err, err_len, "target: %s: %s", TABLES[i].name, store_errmsg(to));
            return STORE_ERROR;
        }
        if (any) {
            snprintf(err, err_len,
                     i == 0 ? "the target already holds an account: migrate-store copies only "
                              "into an empty store"
                            : "the target is not empty (table %s has rows): migrate-store copies "
                              "only into an empty store",
                     TABLES[i].name);
            return STORE_CONFLICT;
        }
    }
    return STORE_OK;
}

/* Opens the read transaction the source is copied in: one snapshot of it. */
static int source_begin(struct store *from)
{
    return from->drv->exec(
        from, STORE_SQL(from, "BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
}

static int copy_all(struct store *from, struct store *to, struct store_migrate_report *report,
                    char *err, size_t err_len)
{
    if (source_begin(from) != STORE_OK) {
        snprintf(err, err_len, "source: %s", store_errmsg(from));
        return STORE_ERROR;
    }
    int rc = STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < TABLE_COUNT; i++) {
        struct copy c = {.to = to, .t = &TABLES[i], .insert = SQL[i].insert};
        rc = copy_table(from, i, &c);
        for (size_t k = 0; k < STORE_ARGS_MAX; k++)
            free(c.bytes[k].data);
        if (rc != STORE_OK) {
            snprintf(err, err_len, "%s: %s: %s", c.target_failed ? "target" : "source",
                     TABLES[i].name, c.why[0] ? c.why : store_errmsg(c.target_failed ? to : from));
            rc = STORE_ERROR;
        }
        report->tables[i].table = TABLES[i].name;
        report->tables[i].rows = c.rows;
        report->rows += c.rows;
        report->n = i + 1;
    }
    from->drv->exec(from, "ROLLBACK");
    return rc;
}

int store_migrate(struct store *from, struct store *to, struct store_migrate_report *report,
                  char *err, size_t err_len)
{
    memset(report, 0, sizeof *report);
    pthread_once(&sql_once, build_sql);
    if (!sql_ok) {
        snprintf(err, err_len, "a table of the copy list does not fit its statements");
        return STORE_ERROR;
    }
    if (store_begin(to) != STORE_OK) {
        snprintf(err, err_len, "target: %s", store_errmsg(to));
        return STORE_ERROR;
    }
    int rc = check_empty(to, err, err_len);
    if (rc == STORE_OK && store_savepoint(to) != STORE_OK) {
        snprintf(err, err_len, "target: %s", store_errmsg(to));
        rc = STORE_ERROR;
    } else if (rc == STORE_OK) {
        /* The savepoint bounds every write: PostgreSQL then runs no savepoint per statement. */
        rc = copy_all(from, to, report, err, err_len);
        if (store_savepoint_end(to, rc == STORE_OK) != STORE_OK && rc == STORE_OK) {
            snprintf(err, err_len, "target: %s", store_errmsg(to));
            rc = STORE_ERROR;
        }
    }
    if (rc == STORE_OK && store_commit(to) != STORE_OK) {
        snprintf(err, err_len, "target: %s", store_errmsg(to));
        rc = STORE_ERROR;
    }
    if (rc != STORE_OK) {
        store_rollback(to);
        memset(report, 0, sizeof *report);
    }
    return rc;
}
