/* Store: the account, its two environments, API keys and token signing keys. */
#include "store/store_internal.h"

#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ENV_NAMES[] = {"development", "production"};

int store_account_ensure(struct store *s, bool *created)
{
    *created = false;
    sqlite3_stmt *st = store_stmt(s, STMT_ACCOUNT_COUNT);
    if (!st)
        return STORE_ERROR;
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    store_done(st);
    if (n < 0)
        return store_fail(s, SQLITE_ERROR);
    if (n > 0)
        return STORE_OK;

    char account[ID_LEN + 1];
    if (id_new(account) != 0 || store_begin(s) != STORE_OK)
        return STORE_ERROR;
    int64_t now = store_now();
    st = store_stmt(s, STMT_ACCOUNT_INSERT);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, "default", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    if (store_exec_stmt(s, st) != STORE_OK)
        goto fail;
    for (size_t i = 0; i < sizeof ENV_NAMES / sizeof ENV_NAMES[0]; i++) {
        char env[ID_LEN + 1];
        if (id_new(env) != 0 || !(st = store_stmt(s, STMT_ENV_INSERT)))
            goto fail;
        sqlite3_bind_text(st, 1, env, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, ENV_NAMES[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        if (store_exec_stmt(s, st) != STORE_OK)
            goto fail;
    }
    if (store_commit(s) != STORE_OK)
        goto fail;
    *created = true;
    return STORE_OK;
fail:
    store_rollback(s);
    return STORE_ERROR;
}

static int environment_row(struct store *s, sqlite3_stmt *st, struct environment *out)
{
    int rc = sqlite3_step(st);
    int result = STORE_NOT_FOUND;
    if (rc == SQLITE_ROW) {
        store_column_copy(st, 0, out->id, sizeof out->id);
        store_column_copy(st, 1, out->account_id, sizeof out->account_id);
        store_column_copy(st, 2, out->name, sizeof out->name);
        result = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        result = store_fail(s, rc);
    }
    store_done(st);
    return result;
}

int store_environment_by_name(struct store *s, const char *name, struct environment *out)
{
    sqlite3_stmt *st = store_stmt(s, STMT_ENV_BY_NAME);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    return environment_row(s, st, out);
}

int store_environment_by_id(struct store *s, const char *id, struct environment *out)
{
    sqlite3_stmt *st = store_stmt(s, STMT_ENV_BY_ID);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    return environment_row(s, st, out);
}

int store_api_key_insert(struct store *s, const struct api_key *k, const unsigned char hash[32])
{
    sqlite3_stmt *st = store_stmt(s, STMT_KEY_INSERT);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, k->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, k->env_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, k->prefix, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, k->created_at);
    return store_exec_stmt(s, st);
}

int store_api_key_create(struct store *s, const struct environment *env, const char *key,
                         const unsigned char hash[32], struct api_key *rec)
{
    memset(rec, 0, sizeof *rec);
    if (id_new(rec->id) != 0)
        return STORE_ERROR;
    snprintf(rec->env_id, sizeof rec->env_id, "%s", env->id);
    snprintf(rec->env_name, sizeof rec->env_name, "%s", env->name);
    snprintf(rec->prefix, sizeof rec->prefix, "%.12s", key);
    rec->created_at = store_now();
    return store_api_key_insert(s, rec, hash);
}

static void key_row(sqlite3_stmt *st, struct api_key *out)
{
    store_column_copy(st, 0, out->id, sizeof out->id);
    store_column_copy(st, 1, out->env_id, sizeof out->env_id);
    store_column_copy(st, 2, out->env_name, sizeof out->env_name);
    store_column_copy(st, 3, out->prefix, sizeof out->prefix);
    out->created_at = sqlite3_column_int64(st, 4);
    out->revoked_at = sqlite3_column_int64(st, 5);
    out->last_used_at = sqlite3_column_int64(st, 6);
}

/* How stale a key's last-used time may get: one write a minute per key in use, not one per call. */
#define KEY_USED_RESOLUTION_MS 60000

static void key_used(struct store *s, const struct api_key *k)
{
    int64_t now = store_now();
    if (now - k->last_used_at < KEY_USED_RESOLUTION_MS)
        return;
    sqlite3_stmt *st = store_stmt(s, STMT_KEY_USED);
    if (!st)
        return;
    sqlite3_bind_text(st, 1, k->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    store_exec_stmt(s, st);
}

int store_api_key_lookup(struct store *s, const unsigned char hash[32], struct api_key *out)
{
    sqlite3_stmt *st = store_stmt(s, STMT_KEY_LOOKUP);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int result = STORE_NOT_FOUND;
    if (rc == SQLITE_ROW) {
        key_row(st, out);
        result = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        result = store_fail(s, rc);
    }
    store_done(st);
    if (result == STORE_OK)
        key_used(s, out);
    return result;
}

void store_api_key_list_free(struct api_key_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, NULL);
}

static void key_list_row(sqlite3_stmt *st, void *item)
{
    struct api_key *k = item;
    key_row(st, k);
}

int store_api_keys_of(struct store *s, const char *env_id, struct api_key_list *out)
{
    int rc = store_rows_list(s,
                             "SELECT k.id, k.env_id, e.name, k.prefix, k.created_at, 0, "
                             "coalesce(k.last_used_at, 0) FROM api_keys k JOIN environments e "
                             "ON e.id = k.env_id WHERE k.env_id = ?1 AND k.revoked_at IS NULL "
                             "ORDER BY k.created_at DESC, k.id",
                             key_list_row, sizeof *out->items, &out->items, &out->n, "s", env_id);
    if (rc != STORE_OK)
        store_api_key_list_free(out);
    return rc;
}

int store_api_key_prefix(struct store *s, const char *id, char out[24])
{
    cJSON *rows = NULL, *row;
    int rc = store_query(s, "SELECT prefix FROM api_keys WHERE id = ?1", &rows, "s", id);
    rc = store_one_row(rc, rows, &row);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
    if (row)
        snprintf(out, 24, "%s", json_get_str(row, "prefix") ? json_get_str(row, "prefix") : "");
    cJSON_Delete(row);
    return rc;
}

int store_api_key_revoke(struct store *s, const char *id, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, STMT_KEY_REVOKE);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    int rc = store_exec_stmt(s, st);
    if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
        return STORE_NOT_FOUND;
    return rc;
}

int store_api_key_count(struct store *s)
{
    sqlite3_stmt *st = store_stmt(s, STMT_KEY_COUNT);
    if (!st)
        return STORE_ERROR;
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : STORE_ERROR;
    store_done(st);
    return n;
}

int store_api_key_each(struct store *s, int (*fn)(const struct api_key *, void *), void *arg)
{
    sqlite3_stmt *st = store_stmt(s, STMT_KEY_LIST);
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct api_key k;
        key_row(st, &k);
        if (fn(&k, arg))
            break;
    }
    int result = rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc);
    store_done(st);
    return result;
}

void store_signing_key_clear(struct signing_key *k)
{
    free(k->private_pem);
    free(k->public_pem);
    memset(k, 0, sizeof *k);
}

int store_signing_key_insert(struct store *s, const struct signing_key *k)
{
    sqlite3_stmt *st = store_stmt(s, STMT_SIGNKEY_INSERT);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, k->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, k->private_pem, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, k->public_pem, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, store_now());
    return store_exec_stmt(s, st);
}

int store_signing_key_set_private(struct store *s, const char *id, const char *private_pem)
{
    return store_query(s, "UPDATE signing_keys SET private_pem = ?2 WHERE id = ?1", NULL, "ss", id,
                       private_pem);
}

int store_signing_key_current(struct store *s, struct signing_key *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_stmt(s, STMT_SIGNKEY_CURRENT);
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    int result = STORE_NOT_FOUND;
    if (rc == SQLITE_ROW) {
        store_column_copy(st, 0, out->id, sizeof out->id);
        out->private_pem = store_column_strdup(st, 1);
        out->public_pem = store_column_strdup(st, 2);
        result = out->private_pem && out->public_pem ? STORE_OK : STORE_ERROR;
    } else if (rc != SQLITE_DONE) {
        result = store_fail(s, rc);
    }
    store_done(st);
    return result;
}
