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
    sqlite3_stmt *st = store_stmt(s, STMT_USER_INSERT);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->env_id, -1, SQLITE_STATIC);
    store_bind_text(st, 3, u->username);
    store_bind_text(st, 4, u->full_name);
    sqlite3_bind_int64(st, 5, u->created_at);
    return store_exec_stmt(s, st);
}

static void user_row(sqlite3_stmt *st, struct user *out)
{
    store_column_copy(st, 0, out->id, sizeof out->id);
    store_column_copy(st, 1, out->env_id, sizeof out->env_id);
    out->username = store_column_strdup(st, 2);
    out->full_name = store_column_strdup(st, 3);
    out->created_at = sqlite3_column_int64(st, 4);
    out->updated_at = sqlite3_column_int64(st, 5);
}

static int find_one(struct store *s, enum store_stmt_id id, const char *env_id, const char *key,
                    struct user *out)
{
    sqlite3_stmt *st = store_stmt(s, id);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, env_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int result = STORE_NOT_FOUND;
    if (rc == SQLITE_ROW) {
        user_row(st, out);
        result = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        result = store_fail(s, rc);
    }
    store_done(st);
    return result;
}

int store_user_find(struct store *s, const char *env_id, const char *id_or_name, struct user *out)
{
    memset(out, 0, sizeof *out);
    if (id_valid(id_or_name)) {
        int rc = find_one(s, STMT_USER_BY_ID, env_id, id_or_name, out);
        if (rc != STORE_NOT_FOUND)
            return rc;
    }
    return find_one(s, STMT_USER_BY_NAME, env_id, id_or_name, out);
}

int store_user_find_id(struct store *s, const char *env_id, const char *id, struct user *out)
{
    memset(out, 0, sizeof *out);
    return id_valid(id) ? find_one(s, STMT_USER_BY_ID, env_id, id, out) : STORE_NOT_FOUND;
}

int store_user_update(struct store *s, const char *env_id, const char *id, const char *username,
                      const char *full_name, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, STMT_USER_UPDATE);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, env_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    store_bind_text(st, 3, username);
    store_bind_text(st, 4, full_name);
    sqlite3_bind_int64(st, 5, now);
    int rc = store_exec_stmt(s, st);
    if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
        return STORE_NOT_FOUND;
    return rc;
}

int store_user_delete(struct store *s, const char *env_id, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, STMT_USER_DELETE);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, env_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = store_exec_stmt(s, st);
    if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
        return STORE_NOT_FOUND;
    return rc;
}

int store_user_each(struct store *s, const char *env_id, int (*fn)(const struct user *, void *),
                    void *arg)
{
    sqlite3_stmt *st = store_stmt(s, STMT_USER_LIST);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, env_id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct user u;
        user_row(st, &u);
        int stop = fn(&u, arg);
        store_user_clear(&u);
        if (stop)
            break;
    }
    int result = rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc);
    store_done(st);
    return result;
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

static void user_list_row(sqlite3_stmt *st, void *item)
{
    struct user *u = item;
    user_row(st, u);
}

int store_users_search(struct store *s, const char *env_id, const char *search, int offset,
                       int limit, struct user_list *out, int64_t *total)
{
    *out = (struct user_list){NULL, 0};
    *total = 0;
    char *pattern = search && *search ? like_pattern(search) : NULL;
    if (search && *search && !pattern)
        return store_out_of_memory(s);
#define USERS_MATCH                                                                                \
    "FROM users WHERE env_id = ?1 AND (?2 IS NULL OR username LIKE ?2 ESCAPE '\\' "                \
    "OR full_name LIKE ?2 ESCAPE '\\' OR id LIKE ?2 ESCAPE '\\') "
    int rc = store_rows(s, "SELECT count(*) " USERS_MATCH, store_row_int64, total, "ss", env_id,
                        pattern);
    if (rc == STORE_OK)
        rc = store_rows_list(
            s,
            "SELECT id, env_id, username, full_name, created_at, updated_at " USERS_MATCH
            "ORDER BY created_at DESC, rowid DESC LIMIT ?4 OFFSET ?3",
            user_list_row, sizeof *out->items, &out->items, &out->n, "ssii", env_id, pattern,
            (int64_t)offset, (int64_t)limit);
#undef USERS_MATCH
    free(pattern);
    if (rc != STORE_OK)
        store_user_list_free(out);
    return rc;
}
