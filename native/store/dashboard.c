/* Store: dashboard operator accounts, sessions, the setup token and failed sign-ins (dashboard.h).
 * Hashes are kept as lowercase hex text. */
#include "store/dashboard.h"
#include "store/catalog.h"
#include "store/store_internal.h"

#include "json/json.h"
#include "util/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hash_hex(const unsigned char hash[32], char out[65])
{
    hex_encode(hash, 32, out);
}

void store_dashboard_account_clear(struct dashboard_account *a)
{
    free(a->password_hash);
    memset(a, 0, sizeof *a);
}

int store_dashboard_account_count(struct store *s)
{
    cJSON *rows;
    int rc = store_query(s, "SELECT count(*) AS n FROM dashboard_accounts", &rows, "");
    if (rc != STORE_OK)
        return STORE_ERROR;
    const cJSON *n = cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "n");
    int count = cJSON_IsNumber(n) ? n->valueint : STORE_ERROR;
    cJSON_Delete(rows);
    return count;
}

int store_dashboard_account_insert(struct store *s, const char *id, const char *email,
                                   const char *password_hash)
{
    return store_query(s,
                       "INSERT INTO dashboard_accounts(id, email, password_hash, created_at, "
                       "updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                       NULL, "sssi", id, email, password_hash, store_now());
}

static void account_from_row(const cJSON *row, struct dashboard_account *out)
{
    snprintf(out->id, sizeof out->id, "%s", json_get_str(row, "id"));
    snprintf(out->email, sizeof out->email, "%s", json_get_str(row, "email"));
    const char *hash = json_get_str(row, "password_hash");
    out->password_hash = hash ? strdup(hash) : NULL;
    out->created_at = (int64_t)cJSON_GetObjectItem(row, "created_at")->valuedouble;
}

int store_dashboard_account_find(struct store *s, const char *email_or_id,
                                 struct dashboard_account *out)
{
    memset(out, 0, sizeof *out);
    cJSON *rows, *row;
    int rc = store_query(s,
                         "SELECT id, email, password_hash, created_at FROM dashboard_accounts "
                         "WHERE lower(email) = lower(?1) OR id = ?1 LIMIT 1",
                         &rows, "s", email_or_id);
    if (store_one_row(rc, rows, &row) != STORE_OK)
        return rc;
    if (!row)
        return STORE_NOT_FOUND;
    account_from_row(row, out);
    cJSON_Delete(row);
    return out->password_hash ? STORE_OK : STORE_ERROR;
}

int store_dashboard_account_each(struct store *s,
                                 int (*fn)(const struct dashboard_account *, void *), void *arg)
{
    cJSON *rows;
    int rc = store_query(s,
                         "SELECT id, email, created_at FROM dashboard_accounts "
                         "ORDER BY created_at, id",
                         &rows, "");
    if (rc != STORE_OK)
        return rc;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        struct dashboard_account a = {0};
        account_from_row(row, &a);
        int stop = fn(&a, arg);
        store_dashboard_account_clear(&a);
        if (stop)
            break;
    }
    cJSON_Delete(rows);
    return STORE_OK;
}

int store_dashboard_account_delete(struct store *s, const char *id)
{
    int rc = store_query(s, "DELETE FROM dashboard_accounts WHERE id = ?1", NULL, "s", id);
    return store_changed(s, rc);
}

int store_dashboard_account_set_password(struct store *s, const char *id, const char *password_hash)
{
    if (store_begin(s) != STORE_OK)
        return STORE_ERROR;
    int rc = store_changed(s, store_query(s,
                                          "UPDATE dashboard_accounts SET password_hash = ?2, "
                                          "updated_at = ?3 WHERE id = ?1",
                                          NULL, "ssi", id, password_hash, store_now()));
    if (rc == STORE_OK)
        rc = store_query(s, "DELETE FROM dashboard_sessions WHERE account_id = ?1", NULL, "s", id);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK)
        store_rollback(s);
    return rc;
}

int store_dashboard_session_insert(struct store *s, const unsigned char hash[32],
                                   const char *account_id, const char *environment, int64_t now)
{
    char h[65];
    hash_hex(hash, h);
    return store_query(s,
                       "INSERT INTO dashboard_sessions(id_hash, account_id, environment, "
                       "created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                       NULL, "sssi", h, account_id, environment, now);
}

int store_dashboard_session_find(struct store *s, const unsigned char hash[32],
                                 struct dashboard_session *out)
{
    memset(out, 0, sizeof *out);
    char h[65];
    hash_hex(hash, h);
    cJSON *rows, *row;
    int rc = store_query(s,
                         "SELECT d.account_id, a.email, d.environment, d.created_at, "
                         "d.last_seen_at FROM dashboard_sessions d JOIN dashboard_accounts a "
                         "ON a.id = d.account_id WHERE d.id_hash = ?1",
                         &rows, "s", h);
    if (store_one_row(rc, rows, &row) != STORE_OK)
        return rc;
    if (!row)
        return STORE_NOT_FOUND;
    snprintf(out->account_id, sizeof out->account_id, "%s", json_get_str(row, "account_id"));
    snprintf(out->email, sizeof out->email, "%s", json_get_str(row, "email"));
    snprintf(out->environment, sizeof out->environment, "%s", json_get_str(row, "environment"));
    out->created_at = (int64_t)cJSON_GetObjectItem(row, "created_at")->valuedouble;
    out->last_seen_at = (int64_t)cJSON_GetObjectItem(row, "last_seen_at")->valuedouble;
    cJSON_Delete(row);
    return STORE_OK;
}

int store_dashboard_session_touch(struct store *s, const unsigned char hash[32], int64_t now)
{
    char h[65];
    hash_hex(hash, h);
    return store_query(s, "UPDATE dashboard_sessions SET last_seen_at = ?2 WHERE id_hash = ?1",
                       NULL, "si", h, now);
}

int store_dashboard_session_set_environment(struct store *s, const unsigned char hash[32],
                                            const char *environment)
{
    char h[65];
    hash_hex(hash, h);
    int rc = store_query(s, "UPDATE dashboard_sessions SET environment = ?2 WHERE id_hash = ?1",
                         NULL, "ss", h, environment);
    return store_changed(s, rc);
}

int store_dashboard_session_delete(struct store *s, const unsigned char hash[32])
{
    char h[65];
    hash_hex(hash, h);
    int rc = store_query(s, "DELETE FROM dashboard_sessions WHERE id_hash = ?1", NULL, "s", h);
    return store_changed(s, rc);
}

int store_dashboard_sessions_purge(struct store *s, int64_t created_before, int64_t seen_before)
{
    return store_query(s,
                       "DELETE FROM dashboard_sessions WHERE created_at < ?1 OR last_seen_at < ?2",
                       NULL, "ii", created_before, seen_before);
}

int store_setup_token_replace(struct store *s, const unsigned char hash[32], int64_t expires_at)
{
    char h[65];
    hash_hex(hash, h);
    if (store_begin(s) != STORE_OK)
        return STORE_ERROR;
    int rc = store_query(s, "DELETE FROM dashboard_setup_tokens", NULL, "");
    if (rc == STORE_OK)
        rc = store_query(s, "INSERT INTO dashboard_setup_tokens(hash, expires_at) VALUES (?1, ?2)",
                         NULL, "si", h, expires_at);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK)
        store_rollback(s);
    return rc;
}

int store_setup_token_take(struct store *s, const unsigned char hash[32], int64_t now)
{
    char h[65];
    hash_hex(hash, h);
    cJSON *rows, *row;
    int rc = store_query(s, "SELECT expires_at FROM dashboard_setup_tokens WHERE hash = ?1", &rows,
                         "s", h);
    if (store_one_row(rc, rows, &row) != STORE_OK)
        return rc;
    if (!row)
        return STORE_NOT_FOUND;
    bool valid = cJSON_GetObjectItem(row, "expires_at")->valuedouble > (double)now;
    cJSON_Delete(row);
    rc = store_query(s, "DELETE FROM dashboard_setup_tokens WHERE hash = ?1", NULL, "s", h);
    if (rc != STORE_OK)
        return rc;
    return valid ? STORE_OK : STORE_NOT_FOUND;
}

int store_login_failures(struct store *s, const char *key, int *failures, int64_t *first_at)
{
    *failures = 0;
    *first_at = 0;
    cJSON *rows, *row;
    int rc = store_query(s, "SELECT failures, first_at FROM login_failures WHERE key = ?1", &rows,
                         "s", key);
    if (store_one_row(rc, rows, &row) != STORE_OK)
        return rc;
    if (row) {
        *failures = cJSON_GetObjectItem(row, "failures")->valueint;
        *first_at = (int64_t)cJSON_GetObjectItem(row, "first_at")->valuedouble;
        cJSON_Delete(row);
    }
    return STORE_OK;
}

int store_login_failure_add(struct store *s, const char *key, int64_t now, int64_t window_ms)
{
    /* Counts whose window is over count for nothing: drop them, so guessed emails do not pile up.
     */
    int rc = store_query(s, "DELETE FROM login_failures WHERE first_at + ?2 <= ?1 AND key <> ?3",
                         NULL, "iis", now, window_ms, key);
    if (rc != STORE_OK)
        return rc;
    return store_query(
        s,
        "INSERT INTO login_failures(key, failures, first_at) VALUES (?1, 1, ?2) "
        "ON CONFLICT(key) DO UPDATE SET "
        "failures = CASE WHEN login_failures.first_at + ?3 <= ?2 THEN 1 "
        "ELSE login_failures.failures + 1 END, first_at = CASE WHEN "
        "login_failures.first_at + ?3 <= ?2 THEN ?2 ELSE login_failures.first_at END",
        NULL, "sii", key, now, window_ms);
}

int store_login_failures_clear(struct store *s, const char *key)
{
    return store_query(s, "DELETE FROM login_failures WHERE key = ?1", NULL, "s", key);
}
