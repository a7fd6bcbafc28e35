/*
 * Store: who may sign in to the dashboard. Operator accounts (email + an Argon2id hash made by
 * crypto/password.c), their sessions and the one-time setup token — sessions and the token are
 * known only by the SHA-256 hash of their random value — and the failed sign-ins counted for
 * throttling. Times are milliseconds; return values follow store.h.
 */
#ifndef SOLDER_STORE_DASHBOARD_H
#define SOLDER_STORE_DASHBOARD_H

#include "store/store.h"
#include "util/email.h"

/* Longest email address stored (util/email.h). */
#define DASHBOARD_EMAIL_MAX EMAIL_MAX

struct dashboard_account {
    char id[ID_LEN + 1];
    char email[DASHBOARD_EMAIL_MAX + 1];
    char *password_hash; /* malloc'd; released by store_dashboard_account_clear */
    int64_t created_at;
};

void store_dashboard_account_clear(struct dashboard_account *a);
/* Accounts that exist (>= 0), or STORE_ERROR. */
int store_dashboard_account_count(struct store *s);
/* STORE_CONFLICT when the email (any case) is taken. */
int store_dashboard_account_insert(struct store *s, const char *id, const char *email,
                                   const char *password_hash);
/* By email (any case) or id. */
int store_dashboard_account_find(struct store *s, const char *email_or_id,
                                 struct dashboard_account *out);
/* Calls fn for every account (password_hash NULL), oldest first. */
int store_dashboard_account_each(struct store *s,
                                 int (*fn)(const struct dashboard_account *, void *), void *arg);
/* Deletes the account and its sessions. */
int store_dashboard_account_delete(struct store *s, const char *id);
/* Replaces the password hash and ends every session of the account. */
int store_dashboard_account_set_password(struct store *s, const char *id,
                                         const char *password_hash);

struct dashboard_session {
    char account_id[ID_LEN + 1];
    char email[DASHBOARD_EMAIL_MAX + 1];
    char environment[16]; /* "development" or "production" */
    int64_t created_at;
    int64_t last_seen_at;
};

int store_dashboard_session_insert(struct store *s, const unsigned char hash[32],
                                   const char *account_id, const char *environment, int64_t now);
int store_dashboard_session_find(struct store *s, const unsigned char hash[32],
                                 struct dashboard_session *out);
int store_dashboard_session_touch(struct store *s, const unsigned char hash[32], int64_t now);
int store_dashboard_session_set_environment(struct store *s, const unsigned char hash[32],
                                            const char *environment);
int store_dashboard_session_delete(struct store *s, const unsigned char hash[32]);
/* Deletes sessions created before created_before or last seen before seen_before. */
int store_dashboard_sessions_purge(struct store *s, int64_t created_before, int64_t seen_before);

/* Makes hash the only setup token, valid until expires_at. */
int store_setup_token_replace(struct store *s, const unsigned char hash[32], int64_t expires_at);
/* Uses up the token: STORE_OK when it existed and had not expired at now (it is deleted either
 * way), STORE_NOT_FOUND otherwise. */
int store_setup_token_take(struct store *s, const unsigned char hash[32], int64_t now);

/* Failed sign-ins counted under key since *first_at (both 0 when none). */
int store_login_failures(struct store *s, const char *key, int *failures, int64_t *first_at);
/* Counts one more failure; a count older than window_ms starts again at one. Other keys' counts
 * older than window_ms are deleted. */
int store_login_failure_add(struct store *s, const char *key, int64_t now, int64_t window_ms);
int store_login_failures_clear(struct store *s, const char *key);

#endif
