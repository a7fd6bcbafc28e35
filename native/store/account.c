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
    int64_t n = -1;
    if (store_rows(s, "SELECT count(*) FROM accounts", store_row_int64, &n, STORE_NO_ARGS) !=
        STORE_OK)
        return STORE_ERROR;
    if (n > 0)
        return STORE_OK;

    char account[ID_LEN + 1];
    if (id_new(account) != 0 || store_begin(s) != STORE_OK)
        return STORE_ERROR;
    int64_t now = store_now();
    if (store_query(s, "INSERT INTO accounts(id, name, created_at) VALUES (?1, ?2, ?3)", NULL,
                    STORE_ARGS(store_text(account), store_text("default"), store_int(now))) !=
        STORE_OK)
        goto fail;
    for (size_t i = 0; i < sizeof ENV_NAMES / sizeof ENV_NAMES[0]; i++) {
        char env[ID_LEN + 1];
        if (id_new(env) != 0 ||
            store_query(s,
                        "INSERT INTO environments(id, account_id, name, created_at) "
                        "VALUES (?1, ?2, ?3, ?4)",
                        NULL,
                        STORE_ARGS(store_text(env), store_text(account), store_text(ENV_NAMES[i]),
                                   store_int(now))) != STORE_OK)
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

static void environment_fill(const struct store_row *st, void *item)
{
    struct environment *out = item;
    store_column_copy(st, 0, out->id, sizeof out->id);
    store_column_copy(st, 1, out->account_id, sizeof out->account_id);
    store_column_copy(st, 2, out->name, sizeof out->name);
}

int store_environment_by_name(struct store *s, const char *name, struct environment *out)
{
    return store_rows_one(s, "SELECT id, account_id, name FROM environments WHERE name = ?1",
                          environment_fill, out, STORE_ARGS(store_text(name)));
}

int store_environment_by_id(struct store *s, const char *id, struct environment *out)
{
    return store_rows_one(s, "SELECT id, account_id, name FROM environments WHERE id = ?1",
                          environment_fill, out, STORE_ARGS(store_text(id)));
}

int store_api_key_insert(struct store *s, const struct api_key *k, const unsigned char hash[32])
{
    return store_query(s,
                       "INSERT INTO api_keys(id, env_id, hash, prefix, created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
                       NULL,
                       STORE_ARGS(store_text(k->id), store_text(k->env_id),
                                  store_bytes((const void *)hash, (size_t)32),
                                  store_text(k->prefix), store_int(k->created_at)));
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

static void key_fill(const struct store_row *st, void *item)
{
    struct api_key *out = item;
    store_column_copy(st, 0, out->id, sizeof out->id);
    store_column_copy(st, 1, out->env_id, sizeof out->env_id);
    store_column_copy(st, 2, out->env_name, sizeof out->env_name);
    store_column_copy(st, 3, out->prefix, sizeof out->prefix);
    out->created_at = store_col_int64(st, 4);
    out->revoked_at = store_col_int64(st, 5);
    out->last_used_at = store_col_int64(st, 6);
}

/* How stale a key's last-used time may get: one write a minute per key in use, not one per call. */
#define KEY_USED_RESOLUTION_MS 60000

static void key_used(struct store *s, const struct api_key *k)
{
    int64_t now = store_now();
    if (now - k->last_used_at < KEY_USED_RESOLUTION_MS)
        return;
    store_query(s, "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", NULL,
                STORE_ARGS(store_text(k->id), store_int(now)));
}

int store_api_key_lookup(struct store *s, const unsigned char hash[32], struct api_key *out)
{
    int rc = store_rows_one(
        s,
        "SELECT k.id, k.env_id, e.name, k.prefix, k.created_at, 0, coalesce(k.last_used_at, 0) "
        "FROM api_keys k JOIN environments e ON e.id = k.env_id "
        "WHERE k.hash = ?1 AND k.revoked_at IS NULL",
        key_fill, out, STORE_ARGS(store_bytes((const void *)hash, (size_t)32)));
    if (rc == STORE_OK)
        key_used(s, out);
    return rc;
}

void store_api_key_list_free(struct api_key_list *l)
{
    store_items_free(&l->items, &l->n, sizeof *l->items, NULL);
}

int store_api_keys_of(struct store *s, const char *env_id, struct api_key_list *out)
{
    return store_rows_list(s,
                           "SELECT k.id, k.env_id, e.name, k.prefix, k.created_at, 0, "
                           "coalesce(k.last_used_at, 0) FROM api_keys k JOIN environments e "
                           "ON e.id = k.env_id WHERE k.env_id = ?1 AND k.revoked_at IS NULL "
                           "ORDER BY k.created_at DESC, k.id",
                           key_fill, NULL, sizeof *out->items, &out->items, &out->n,
                           STORE_ARGS(store_text(env_id)));
}

int store_api_key_prefix(struct store *s, const char *id, char out[24])
{
    cJSON *rows = NULL, *row;
    int rc = store_query(s, "SELECT prefix FROM api_keys WHERE id = ?1", &rows,
                         STORE_ARGS(store_text(id)));
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
    int rc = store_changed(
        s,
        store_query(s, "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    NULL, STORE_ARGS(store_text(id), store_int(now))));
    return rc == STORE_OK ? store_signal(s, STORE_CHANNEL_AUTH) : rc;
}

int store_api_key_count(struct store *s)
{
    int64_t n = 0;
    int rc = store_rows(s, "SELECT count(*) FROM api_keys", store_row_int64, &n, STORE_NO_ARGS);
    return rc == STORE_OK ? (int)n : STORE_ERROR;
}

/* The caller's function and its argument, for each key store_api_key_each reads. */
struct key_visit {
    int (*fn)(const struct api_key *, void *);
    void *arg;
};

static int key_visit_row(const struct store_row *st, void *arg)
{
    struct key_visit *v = arg;
    struct api_key k;
    key_fill(st, &k);
    return v->fn(&k, v->arg) ? STORE_NOT_FOUND : STORE_OK; /* stops; not an error */
}

int store_api_key_each(struct store *s, int (*fn)(const struct api_key *, void *), void *arg)
{
    struct key_visit v = {fn, arg};
    int rc = store_rows(s,
                        "SELECT k.id, k.env_id, e.name, k.prefix, k.created_at, "
                        "coalesce(k.revoked_at, 0), coalesce(k.last_used_at, 0) "
                        "FROM api_keys k JOIN environments e ON e.id = k.env_id "
                        "ORDER BY k.created_at DESC, k.id",
                        key_visit_row, &v, STORE_NO_ARGS);
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

void store_signing_key_clear(struct signing_key *k)
{
    free(k->private_pem);
    free(k->public_pem);
    memset(k, 0, sizeof *k);
}

int store_signing_key_insert(struct store *s, const struct signing_key *k)
{
    return store_query(s,
                       "INSERT INTO signing_keys(id, alg, private_pem, public_pem, created_at) "
                       "VALUES (?1, 'ES256', ?2, ?3, ?4)",
                       NULL,
                       STORE_ARGS(store_text(k->id), store_text(k->private_pem),
                                  store_text(k->public_pem), store_int(store_now())));
}

int store_signing_key_set_private(struct store *s, const char *id, const char *private_pem)
{
    return store_query(s, "UPDATE signing_keys SET private_pem = ?2 WHERE id = ?1", NULL,
                       STORE_ARGS(store_text(id), store_text(private_pem)));
}

static void signing_key_fill(const struct store_row *st, void *item)
{
    struct signing_key *out = item;
    store_column_copy(st, 0, out->id, sizeof out->id);
    out->private_pem = store_column_strdup(st, 1);
    out->public_pem = store_column_strdup(st, 2);
}

int store_signing_key_current(struct store *s, struct signing_key *out)
{
    memset(out, 0, sizeof *out);
    int rc = store_rows_one(s,
                            "SELECT id, private_pem, public_pem FROM signing_keys "
                            "WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
                            signing_key_fill, out, STORE_NO_ARGS);
    if (rc == STORE_OK && (!out->private_pem || !out->public_pem)) {
        store_signing_key_clear(out);
        return store_out_of_memory(s);
    }
    return rc;
}
