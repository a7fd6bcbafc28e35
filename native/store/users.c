/* Store: end users of an environment. Username is unique within an environment. */
#include "store/store_internal.h"

#include "json/json.h"

#include <stdlib.h>
#include <string.h>

void store_user_clear(struct user *u)
{
    free(u->username);
    free(u->full_name);
    memset(u, 0, sizeof *u);
}

int store_user_insert(struct store *s, const struct user *u)
{
    return store_query(s,
                       "INSERT INTO users(id, env_id, username, full_name, created_at, "
                       "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                       NULL,
                       STORE_ARGS(store_text(u->id), store_text(u->env_id), store_text(u->username),
                                  store_text(u->full_name), store_int(u->created_at)));
}

static void user_fill(const struct store_row *st, void *item)
{
    struct user *out = item;
    store_column_copy(st, 0, out->id, sizeof out->id);
    store_column_copy(st, 1, out->env_id, sizeof out->env_id);
    out->username = store_column_strdup(st, 2);
    out->full_name = store_column_strdup(st, 3);
    out->created_at = store_col_int64(st, 4);
    out->updated_at = store_col_int64(st, 5);
}

#define USER_COLUMNS "id, env_id, username, full_name, created_at, updated_at"

static int find_by_id(struct store *s, const char *env_id, const char *id, struct user *out)
{
    return store_rows_one(s, "SELECT " USER_COLUMNS " FROM users WHERE env_id = ?1 AND id = ?2",
                          user_fill, out, STORE_ARGS(store_text(env_id), store_text(id)));
}

int store_user_find(struct store *s, const char *env_id, const char *id_or_name, struct user *out)
{
    memset(out, 0, sizeof *out);
    if (id_valid(id_or_name)) {
        int rc = find_by_id(s, env_id, id_or_name, out);
        if (rc != STORE_NOT_FOUND)
            return rc;
    }
    return store_rows_one(s,
                          "SELECT " USER_COLUMNS " FROM users WHERE env_id = ?1 AND username = ?2",
                          user_fill, out, STORE_ARGS(store_text(env_id), store_text(id_or_name)));
}

int store_user_find_id(struct store *s, const char *env_id, const char *id, struct user *out)
{
    memset(out, 0, sizeof *out);
    return id_valid(id) ? find_by_id(s, env_id, id, out) : STORE_NOT_FOUND;
}

int store_user_update(struct store *s, const char *env_id, const char *id, const char *username,
                      const char *full_name, int64_t now)
{
    return store_changed(
        s, store_query(s,
                       "UPDATE users SET username = coalesce(?3, username), "
                       "full_name = coalesce(?4, full_name), updated_at = ?5 "
                       "WHERE env_id = ?1 AND id = ?2",
                       NULL,
                       STORE_ARGS(store_text(env_id), store_text(id), store_text(username),
                                  store_text(full_name), store_int(now))));
}

int store_user_delete(struct store *s, const char *env_id, const char *id)
{
    int rc = store_changed(s, store_query(s, "DELETE FROM users WHERE env_id = ?1 AND id = ?2",
                                          NULL, STORE_ARGS(store_text(env_id), store_text(id))));
    return rc == STORE_OK ? store_signal(s, STORE_CHANNEL_AUTH) : rc;
}

/* The caller's function and its argument, for each user store_user_each reads. */
struct user_visit {
    int (*fn)(const struct user *, void *);
    void *arg;
};

static int user_visit_row(const struct store_row *st, void *arg)
{
    struct user_visit *v = arg;
    struct user u = {0};
    user_fill(st, &u);
    int stop = v->fn(&u, v->arg);
    store_user_clear(&u);
    return stop ? STORE_NOT_FOUND : STORE_OK; /* stops; not an error */
}

int store_user_each(struct store *s, const char *env_id, int (*fn)(const struct user *, void *),
                    void *arg)
{
    struct user_visit v = {fn, arg};
    int rc = store_rows(s,
                        "SELECT " USER_COLUMNS " FROM users WHERE env_id = ?1 "
                        "ORDER BY created_at, id",
                        user_visit_row, &v, STORE_ARGS(store_text(env_id)));
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

/* The LIKE pattern "%search%" with the pattern's own characters (%, _ and the escape \) escaped;
 * malloc'd, NULL when out of memory. */
static char *like_pattern(const char *search)
{
    size_t n = strlen(search);
    char *p = malloc(2 * n + 3), *w = p;
    if (!p)
        return NULL;
    *w++ = '%';
    for (const char *c = search; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            *w++ = '\\';
        *w++ = *c;
    }
    *w++ = '%';
    *w = '\0';
    return p;
}

static void user_clear(void *item)
{
    store_user_clear(item);
}

void store_user_list_free(struct user_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, user_clear);
}

int store_users_search(struct store *s, const char *env_id, const char *search, int offset,
                       int limit, struct user_list *out, int64_t *total)
{
    *out = (struct user_list){NULL, 0};
    *total = 0;
    char *pattern = search && *search ? like_pattern(search) : NULL;
    if (search && *search && !pattern)
        return store_out_of_memory(s);
        /* SQLite's LIKE ignores the case of ASCII letters, PostgreSQL's ILIKE too; users created in
         * the same millisecond come newest first by insertion order (SQLite's rowid, seq there). */
#define USERS_MATCH(like)                                                                          \
    "FROM users WHERE env_id = ?1 AND (?2 IS NULL OR username " like " ?2 ESCAPE '\\' "            \
    "OR full_name " like " ?2 ESCAPE '\\' OR id " like " ?2 ESCAPE '\\') "
    int rc =
        store_rows(s,
                   STORE_SQL(s, "SELECT count(*) " USERS_MATCH("LIKE"),
                             "SELECT count(*) " USERS_MATCH("ILIKE")),
                   store_row_int64, total, STORE_ARGS(store_text(env_id), store_text(pattern)));
    if (rc == STORE_OK)
        rc = store_rows_list(
            s,
            STORE_SQL(
                s,
                "SELECT " USER_COLUMNS
                " " USERS_MATCH("LIKE") "ORDER BY created_at DESC, rowid DESC LIMIT ?4 OFFSET ?3",
                "SELECT " USER_COLUMNS
                " " USERS_MATCH("ILIKE") "ORDER BY created_at DESC, seq DESC LIMIT ?4 OFFSET ?3"),
            user_fill, user_clear, sizeof *out->items, &out->items, &out->n,
            STORE_ARGS(store_text(env_id), store_text(pattern), store_int((int64_t)offset),
                       store_int((int64_t)limit)));
#undef USERS_MATCH
    free(pattern);
    return rc;
}
