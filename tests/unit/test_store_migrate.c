/* Store: store_migrate's column list covers every table and column of a fresh store (a migration
 * that adds one fails here until the list names it), with the declared types and in foreign-key
 * order; a SQLite-to-SQLite copy keeps every row, NULLs, bytes and the users' insertion order; a
 * target holding rows is refused, and a copy that fails half-way leaves the target as it was. */
#include "check.h"
#include "store_fixture.h"

#include "crypto/crypto.h"
#include "store/migrate.h"
#include "store/store.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct store_migrate_table *listed(const char *name, size_t *index)
{
    size_t n;
    const struct store_migrate_table *t = store_migrate_tables(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0) {
            if (index)
                *index = i;
            return &t[i];
        }
    return NULL;
}

static const struct store_migrate_column *listed_column(const struct store_migrate_table *t,
                                                        const char *name)
{
    for (size_t i = 0; t && i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0)
            return &t->columns[i];
    return NULL;
}

/* The copy type a declared SQLite column type needs. */
static char type_of(const char *declared)
{
    if (strcmp(declared, "INTEGER") == 0)
        return 'i';
    if (strcmp(declared, "BLOB") == 0)
        return 'b';
    return 's';
}

static void check_coverage(struct store *s)
{
    cJSON *tables = NULL;
    CHECK_INT(store_query(s,
                          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                          "'sqlite_%' ORDER BY name",
                          &tables, STORE_NO_ARGS),
              STORE_OK);
    size_t ntables = 0, nlisted;
    store_migrate_tables(&nlisted);
    const cJSON *row;
    cJSON_ArrayForEach(row, tables)
    {
        const char *name = cJSON_GetObjectItem(row, "name")->valuestring;
        size_t index = 0;
        const struct store_migrate_table *t = listed(name, &index);
        ntables++;
        if (!t) {
            fprintf(stderr, "table %s is not in store/migrate.c's list\n", name);
            CHECK(t != NULL);
            continue;
        }
        cJSON *columns = NULL;
        CHECK_INT(store_query(s, "SELECT name, type FROM pragma_table_info(?1)", &columns,
                              STORE_ARGS(store_text(name))),
                  STORE_OK);
        size_t ncolumns = 0;
        const cJSON *col;
        cJSON_ArrayForEach(col, columns)
        {
            const char *cname = cJSON_GetObjectItem(col, "name")->valuestring;
            const struct store_migrate_column *c = listed_column(t, cname);
            ncolumns++;
            if (!c) {
                fprintf(stderr, "column %s.%s is not in store/migrate.c's list\n", name, cname);
                CHECK(c != NULL);
            } else if (c->type != type_of(cJSON_GetObjectItem(col, "type")->valuestring)) {
                fprintf(stderr, "column %s.%s is listed as '%c'\n", name, cname, c->type);
                CHECK(c->type == type_of(cJSON_GetObjectItem(col, "type")->valuestring));
            }
        }
        if (ncolumns != t->ncolumns)
            fprintf(stderr, "table %s: %zu columns, %zu listed\n", name, ncolumns, t->ncolumns);
        CHECK_INT(t->ncolumns, ncolumns);
        cJSON_Delete(columns);

        cJSON *refs = NULL;
        CHECK_INT(store_query(s, "SELECT \"table\" AS target FROM pragma_foreign_key_list(?1)",
                              &refs, STORE_ARGS(store_text(name))),
                  STORE_OK);
        const cJSON *ref;
        cJSON_ArrayForEach(ref, refs)
        {
            size_t at = nlisted;
            listed(cJSON_GetObjectItem(ref, "target")->valuestring, &at);
            if (at >= index)
                fprintf(stderr, "table %s comes before %s, which it references\n", name,
                        cJSON_GetObjectItem(ref, "target")->valuestring);
            CHECK(at < index);
        }
        cJSON_Delete(refs);
    }
    cJSON_Delete(tables);
    CHECK_INT(ntables, nlisted);
    CHECK(nlisted <= STORE_MIGRATE_TABLES_MAX);
}

/* Users inserted in one millisecond, ids out of their insertion order. */
static const char *const USERS[] = {"user_c000000000000000000", "user_a000000000000000000",
                                    "user_b000000000000000000"};

static void fill(struct store *s, const struct environment *dev, unsigned char hash[32])
{
    for (size_t i = 0; i < 3; i++) {
        struct user u = {.username = (char *)USERS[i] + 5, .created_at = 1000};
        snprintf(u.id, sizeof u.id, "%s", USERS[i]);
        snprintf(u.env_id, sizeof u.env_id, "%s", dev->id);
        CHECK_INT(store_user_insert(s, &u), STORE_OK);
    }
    char key[API_KEY_MAX + 1];
    struct api_key rec;
    CHECK_INT(crypto_api_key_new(dev->name, key, hash), 0);
    CHECK_INT(store_api_key_create(s, dev, key, hash, &rec), STORE_OK);
    CHECK_INT(store_query(s,
                          "INSERT INTO executions(id, env_id, installation_id, workflow_id, "
                          "user_id, version, status, attempt, run_at, state, created_at) VALUES "
                          "('x1', ?1, 'i1', 'w1', ?2, 1, 'queued', 0, 5, '{\"a\":[1,2]}', 7)",
                          NULL, STORE_ARGS(store_text(dev->id), store_text(USERS[0]))),
              STORE_OK);
}

static int64_t count_of(const struct store_migrate_report *r, const char *table)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->tables[i].table, table) == 0)
            return r->tables[i].rows;
    return -1;
}

static struct store *open_fresh(const struct store_fixture *f, const char *name)
{
    char path[200], err[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    struct store *s = store_open(path, err, sizeof err);
    if (!s)
        fprintf(stderr, "store_open %s: %s\n", path, err);
    CHECK(s != NULL);
    return s;
}

static void check_copy(struct store_fixture *f)
{
    unsigned char hash[32];
    fill(f->s, &f->dev, hash);
    struct store *to = open_fresh(f, "copy.db");
    if (!to)
        return;
    struct store_migrate_report r;
    char err[512] = "";
    CHECK_INT(store_migrate(f->s, to, &r, err, sizeof err), STORE_OK);
    size_t nlisted;
    store_migrate_tables(&nlisted);
    CHECK_INT(r.n, nlisted);
    CHECK_INT(count_of(&r, "accounts"), 1);
    CHECK_INT(count_of(&r, "environments"), 2);
    CHECK_INT(count_of(&r, "users"), 3);
    CHECK_INT(count_of(&r, "api_keys"), 1);
    CHECK_INT(count_of(&r, "executions"), 1);
    CHECK_INT(r.rows, 1 + 2 + 3 + 1 + 1);

    struct user_list users;
    int64_t total;
    CHECK_INT(store_users_search(to, f->dev.id, NULL, 0, 10, &users, &total), STORE_OK);
    CHECK_INT(users.n, 3);
    for (size_t i = 0; i < users.n && i < 3; i++) /* newest first: the last inserted first */
        CHECK_STR(users.items[i].id, USERS[2 - i]);
    store_user_list_free(&users);

    struct api_key k;
    CHECK_INT(store_api_key_lookup(to, hash, &k), STORE_OK);
    CHECK_STR(k.env_id, f->dev.id);
    CHECK_INT(k.revoked_at, 0);

    cJSON *rows = NULL;
    CHECK_INT(store_query(to,
                          "SELECT typeof(finished_at) AS fin, typeof(run_at) AS run, state, "
                          "typeof(lease_owner) AS owner FROM executions",
                          &rows, STORE_NO_ARGS),
              STORE_OK);
    cJSON *x = store_first_row(rows);
    CHECK_STR(cJSON_GetObjectItem(x, "fin")->valuestring, "null");
    CHECK_STR(cJSON_GetObjectItem(x, "run")->valuestring, "integer");
    CHECK_STR(cJSON_GetObjectItem(x, "owner")->valuestring, "null");
    CHECK_STR(cJSON_GetObjectItem(x, "state")->valuestring, "{\"a\":[1,2]}");
    cJSON_Delete(x);

    /* A second copy into the same target: refused, nothing written. */
    CHECK_INT(store_migrate(f->s, to, &r, err, sizeof err), STORE_CONFLICT);
    CHECK(strstr(err, "already holds an account") != NULL);
    CHECK_INT(r.rows, 0);
    CHECK_INT(store_users_search(to, f->dev.id, NULL, 0, 10, &users, &total), STORE_OK);
    CHECK_INT(total, 3);
    store_user_list_free(&users);
    store_close(to);

    /* A target with no account but some other row: refused too. */
    to = open_fresh(f, "used.db");
    if (to) {
        CHECK_INT(store_query(to, "INSERT INTO used_tokens(jti, expires_at) VALUES ('j', 1)", NULL,
                              STORE_NO_ARGS),
                  STORE_OK);
        CHECK_INT(store_migrate(f->s, to, &r, err, sizeof err), STORE_CONFLICT);
        CHECK(strstr(err, "used_tokens") != NULL);
        store_close(to);
    }

    /* A copy whose write fails half-way (a credential of no user: the target's foreign key
     * refuses it) leaves the target empty. */
    CHECK_INT(store_query(f->s, "PRAGMA foreign_keys = OFF", NULL, STORE_NO_ARGS), STORE_OK);
    CHECK_INT(store_query(f->s,
                          "INSERT INTO credentials(id, env_id, user_id, app, name, sealed, "
                          "created_at, updated_at) VALUES ('c1', ?1, 'nobody', 'shopify', 'n', "
                          "'v1.x', 1, 1)",
                          NULL, STORE_ARGS(store_text(f->dev.id))),
              STORE_OK);
    to = open_fresh(f, "half.db");
    if (to) {
        CHECK_INT(store_migrate(f->s, to, &r, err, sizeof err), STORE_ERROR);
        CHECK(strstr(err, "target: credentials") != NULL);
        CHECK_INT(r.rows, 0);
        int64_t n = -1;
        CHECK_INT(
            store_rows(to, "SELECT count(*) FROM accounts", store_row_int64, &n, STORE_NO_ARGS),
            STORE_OK);
        CHECK_INT(n, 0);
        CHECK_INT(store_rows(to, "SELECT count(*) FROM users", store_row_int64, &n, STORE_NO_ARGS),
                  STORE_OK);
        CHECK_INT(n, 0);
        /* The target is still usable: its savepoints and transaction were all ended. */
        CHECK_INT(store_query(f->s, "DELETE FROM credentials WHERE id = 'c1'", NULL, STORE_NO_ARGS),
                  STORE_OK);
        CHECK_INT(store_migrate(f->s, to, &r, err, sizeof err), STORE_OK);
        CHECK_INT(count_of(&r, "users"), 3);
        store_close(to);
    }
}

int main(void)
{
    struct store_fixture f;
    if (store_fixture_open(&f, "migrate")) {
        check_coverage(f.s);
        check_copy(&f);
    }
    store_fixture_close(&f);
    return check_summary("test_store_migrate");
}
