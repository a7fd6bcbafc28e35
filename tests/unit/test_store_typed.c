/* Store: the typed results of store.h's listings (API keys, the users search), of history.h
 * (executions across workflows, buckets, failing blocks, the execution errors' log, log expiry)
 * and of sealing.h: fields filled, absent columns as NULL or 0, lists freed (under ASan). */
#include "check.h"
#include "store_fixture.h"

#include "crypto/crypto.h"
#include "store/history.h"
#include "store/sealing.h"
#include "store/store.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define DAY_MS 86400000LL

static void add_user(struct store *s, const char *env, const char *id, const char *name,
                     const char *full_name, int64_t at)
{
    struct user u = {.username = (char *)name, .full_name = (char *)full_name, .created_at = at};
    snprintf(u.id, sizeof u.id, "%s", id);
    snprintf(u.env_id, sizeof u.env_id, "%s", env);
    CHECK_INT(store_user_insert(s, &u), STORE_OK);
}

static void add_execution(struct store *s, const char *env, const char *id, const char *user,
                          const char *status, int64_t created, int64_t finished)
{
    CHECK_INT(store_query(s,
                          "INSERT INTO executions(id, env_id, installation_id, workflow_id, "
                          "user_id, version, status, attempt, run_at, state, error, created_at, "
                          "started_at, finished_at) VALUES (?1, ?2, 'inst00000000000000000001', "
                          "'wf0000000000000000000001', ?3, 2, ?4, 1, 0, '{}', "
                          "CASE ?4 WHEN 'error' THEN 'boom' END, ?5, "
                          "CASE WHEN ?6 = 0 THEN NULL ELSE ?5 END, nullif(?6, 0))",
                          NULL,
                          STORE_ARGS(store_text(id), store_text(env), store_text(user),
                                     store_text(status), store_int(created), store_int(finished))),
              STORE_OK);
}

static void add_error(struct store *s, const char *env, const char *id, const char *execution,
                      const char *user, const char *block, int64_t at)
{
    CHECK_INT(store_query(s,
                          "INSERT INTO execution_errors(id, env_id, execution_id, workflow_id, "
                          "installation_id, user_id, block, message, created_at) VALUES "
                          "(?1, ?2, ?3, 'wf0000000000000000000001', 'inst00000000000000000001', "
                          "?4, ?5, 'it failed', ?6)",
                          NULL,
                          STORE_ARGS(store_text(id), store_text(env), store_text(execution),
                                     store_text(user), store_text(block), store_int(at))),
              STORE_OK);
}

static void check_keys(struct store *s, const struct environment *dev)
{
    char key[API_KEY_MAX + 1];
    unsigned char hash[32];
    struct api_key a, b;
    CHECK_INT(crypto_api_key_new(dev->name, key, hash), 0);
    CHECK_INT(store_api_key_create(s, dev, key, hash, &a), STORE_OK);
    CHECK_INT(crypto_api_key_new(dev->name, key, hash), 0);
    CHECK_INT(store_api_key_create(s, dev, key, hash, &b), STORE_OK);
    struct api_key found;
    CHECK_INT(store_api_key_lookup(s, hash, &found), STORE_OK); /* b is used once */
    CHECK_INT(store_api_key_revoke(s, a.id, store_now()), STORE_OK);

    struct api_key_list keys;
    CHECK_INT(store_api_keys_of(s, dev->id, &keys), STORE_OK);
    CHECK_INT(keys.n, 1); /* the revoked one is not listed */
    CHECK_STR(keys.items[0].id, b.id);
    CHECK_STR(keys.items[0].prefix, b.prefix);
    CHECK_STR(keys.items[0].env_name, "development");
    CHECK_STR(keys.items[0].env_id, dev->id);
    CHECK_INT(keys.items[0].created_at, b.created_at);
    CHECK(keys.items[0].last_used_at > 0);
    CHECK_INT(keys.items[0].revoked_at, 0);
    store_api_key_list_free(&keys);
    CHECK(keys.items == NULL && keys.n == 0);

    CHECK_INT(crypto_api_key_new(dev->name, key, hash), 0);
    CHECK_INT(store_api_key_create(s, dev, key, hash, &a), STORE_OK);
    CHECK_INT(store_api_keys_of(s, dev->id, &keys), STORE_OK);
    CHECK_INT(keys.n, 2);
    CHECK_INT(keys.items[0].created_at >= keys.items[1].created_at, 1);
    const struct api_key *fresh =
        strcmp(keys.items[0].id, a.id) == 0 ? &keys.items[0] : &keys.items[1];
    CHECK_STR(fresh->id, a.id);
    CHECK_INT(fresh->last_used_at, 0); /* never used */
    store_api_key_list_free(&keys);
}

static void check_users(struct store *s, const char *env)
{
    /* 20 users, so that the list grows past its first allocation. */
    for (int i = 0; i < 20; i++) {
        char id[ID_LEN + 1], name[32];
        snprintf(id, sizeof id, "user%020d", i);
        snprintf(name, sizeof name, i % 2 ? "odd-%d" : "even-%d", i);
        add_user(s, env, id, name, i == 3 ? NULL : "Full Name", 1000 + i);
    }
    add_user(s, env, "user_no_name_00000000000", NULL, NULL, 5000);
    struct user_list users;
    int64_t total;
    CHECK_INT(store_users_search(s, env, NULL, 0, 100, &users, &total), STORE_OK);
    CHECK_INT(total, 21);
    CHECK_INT(users.n, 21);
    CHECK_STR(users.items[0].id, "user_no_name_00000000000"); /* newest first */
    CHECK(users.items[0].username == NULL);
    CHECK(users.items[0].full_name == NULL);
    CHECK_INT(users.items[0].created_at, 5000);
    CHECK_STR(users.items[0].env_id, env);
    CHECK_STR(users.items[1].username, "odd-19");
    CHECK_STR(users.items[1].full_name, "Full Name");
    store_user_list_free(&users);
    CHECK(users.items == NULL && users.n == 0);

    CHECK_INT(store_users_search(s, env, "ODD", 2, 3, &users, &total), STORE_OK);
    CHECK_INT(total, 10);
    CHECK_INT(users.n, 3);
    CHECK_STR(users.items[0].username, "odd-15");
    CHECK_STR(users.items[2].username, "odd-11");
    store_user_list_free(&users);
    CHECK_INT(store_users_search(s, env, "odd-3", 0, 10, &users, &total), STORE_OK);
    CHECK_INT(users.n, 1);
    CHECK(users.items[0].full_name == NULL);
    store_user_list_free(&users);
    CHECK_INT(store_users_search(s, env, "%", 0, 10, &users, &total), STORE_OK);
    CHECK_INT(total, 0);
    CHECK_INT(users.n, 0);
    store_user_list_free(&users);
}

static void check_history(struct store *s, const char *env, int64_t now)
{
    const char *user = "user00000000000000000001"; /* odd-1 */
    add_execution(s, env, "x1", user, "success", now - 3 * DAY_MS, now - 3 * DAY_MS + 5);
    add_execution(s, env, "x2", user, "error", now - 2 * DAY_MS, now - 2 * DAY_MS + 5);
    add_execution(s, env, "x3", "gone", "queued", now - DAY_MS, 0);
    add_error(s, env, "e1", "x2", user, "send", now - 2 * DAY_MS + 5);
    add_error(s, env, "e2", "x2", user, NULL, now - 2 * DAY_MS + 6);

    struct execution_filter all = {0};
    struct execution_summary_list xs;
    CHECK_INT(store_executions_filtered(s, env, &all, 0, 10, &xs), STORE_OK);
    CHECK_INT(xs.n, 3);
    CHECK_STR(xs.items[0].id, "x3");
    CHECK(xs.items[0].username == NULL); /* the user is gone */
    CHECK_INT(xs.items[0].started_at, 0);
    CHECK_INT(xs.items[0].finished_at, 0);
    CHECK(xs.items[0].error == NULL);
    CHECK_STR(xs.items[0].status, "queued");
    CHECK_STR(xs.items[1].id, "x2");
    CHECK_STR(xs.items[1].workflow_name, "Sync orders");
    CHECK_STR(xs.items[1].username, "odd-1");
    CHECK_STR(xs.items[1].error, "boom");
    CHECK_STR(xs.items[1].workflow_id, "wf0000000000000000000001");
    CHECK_STR(xs.items[1].installation_id, "inst00000000000000000001");
    CHECK_INT(xs.items[1].version, 2);
    CHECK_INT(xs.items[1].attempt, 1);
    CHECK_INT(xs.items[1].finished_at, now - 2 * DAY_MS + 5);
    store_execution_summary_list_free(&xs);
    struct execution_filter errors = {.status = "error"};
    CHECK_INT(store_executions_filtered(s, env, &errors, 0, 10, &xs), STORE_OK);
    CHECK_INT(xs.n, 1);
    store_execution_summary_list_free(&xs);

    struct execution_bucket_list buckets;
    CHECK_INT(store_execution_buckets(s, env, NULL, now - 10 * DAY_MS, DAY_MS, &buckets), STORE_OK);
    CHECK_INT(buckets.n, 3);
    int64_t runs = 0, failed = 0;
    for (size_t i = 0; i < buckets.n; i++) {
        CHECK_INT(buckets.items[i].t % DAY_MS, 0);
        runs += buckets.items[i].runs;
        failed += buckets.items[i].errors;
    }
    CHECK_INT(runs, 3);
    CHECK_INT(failed, 1);
    store_execution_bucket_list_free(&buckets);

    struct failing_block_list blocks;
    CHECK_INT(store_failing_blocks(s, env, NULL, now - 10 * DAY_MS, 10, &blocks), STORE_OK);
    CHECK_INT(blocks.n, 2);
    CHECK_STR(blocks.items[0].block, ""); /* errors outside a block, newest */
    CHECK_STR(blocks.items[0].workflow_name, "Sync orders");
    CHECK_INT(blocks.items[0].errors, 1);
    CHECK_INT(blocks.items[0].last_at, now - 2 * DAY_MS + 6);
    CHECK_STR(blocks.items[1].block, "send");
    store_failing_block_list_free(&blocks);

    struct error_log_filter by_name = {.user = "odd-1"};
    struct error_log_list log;
    int64_t total;
    CHECK_INT(store_error_log(s, env, &by_name, 0, 1, &log, &total), STORE_OK);
    CHECK_INT(total, 2);
    CHECK_INT(log.n, 1);
    CHECK_STR(log.items[0].id, "e2");
    CHECK(log.items[0].block == NULL);
    CHECK_STR(log.items[0].message, "it failed");
    CHECK_STR(log.items[0].execution_id, "x2");
    CHECK_STR(log.items[0].user_id, user);
    CHECK_STR(log.items[0].username, "odd-1");
    CHECK_STR(log.items[0].full_name, "Full Name");
    CHECK_STR(log.items[0].workflow_name, "Sync orders");
    CHECK_STR(log.items[0].integration_id, "integ0000000000000000001");
    CHECK_INT(log.items[0].version, 2);
    CHECK_INT(log.items[0].started_at, now - 2 * DAY_MS);
    CHECK_INT(log.items[0].finished_at, now - 2 * DAY_MS + 5);
    store_error_log_list_free(&log);
    CHECK_INT(store_error_log(s, env, &by_name, 1, 10, &log, &total), STORE_OK);
    CHECK_INT(log.n, 1);
    CHECK_STR(log.items[0].block, "send");
    store_error_log_list_free(&log);
    struct error_log_filter other = {.workflow_id = "nope"};
    CHECK_INT(store_error_log(s, env, &other, 0, 10, &log, &total), STORE_OK);
    CHECK_INT(total, 0);
    CHECK_INT(log.n, 0);
    store_error_log_list_free(&log);

    /* Expiry: with a retention of one day, the runs finished two and three days ago go (with
     * their errors); the queued one stays. Without a settings row, 60 days keep everything. */
    CHECK_INT(store_logs_expire(s, now), 0);
    CHECK_INT(store_query(s, "INSERT INTO settings(env_id, log_retention_days) VALUES (?1, 1)",
                          NULL, STORE_ARGS(store_text(env))),
              STORE_OK);
    CHECK_INT(store_logs_expire(s, now), 2);
    CHECK_INT(store_executions_filtered(s, env, &all, 0, 10, &xs), STORE_OK);
    CHECK_INT(xs.n, 1);
    CHECK_STR(xs.items[0].id, "x3");
    store_execution_summary_list_free(&xs);
    struct error_log_filter any = {0};
    CHECK_INT(store_error_log(s, env, &any, 0, 10, &log, &total), STORE_OK);
    CHECK_INT(total, 0);
    store_error_log_list_free(&log);
}

static void check_sealing(struct store *s, const char *env)
{
    CHECK_INT(store_query(s,
                          "INSERT INTO workflow_versions(workflow_id, version, definition, "
                          "trigger_type, blocks, fields, released_at) VALUES "
                          "('wf0000000000000000000001', 2, '{}', 'event', '[]', "
                          "'[{\"name\":\"pw\",\"type\":\"password\"}]', 0)",
                          NULL, STORE_NO_ARGS),
              STORE_OK);
    CHECK_INT(
        store_query(s,
                    "INSERT INTO installations(id, env_id, workflow_id, user_id, "
                    "integration_id, version, active, config, trigger_type, installed_at, "
                    "updated_at) VALUES ('inst00000000000000000001', ?1, "
                    "'wf0000000000000000000001', 'user00000000000000000001', "
                    "'integ0000000000000000001', 2, 1, '{\"pw\":\"hunter2\"}', 'event', 0, 0)",
                    NULL, STORE_ARGS(store_text(env))),
        STORE_OK);
    struct sealing_installation_list insts;
    CHECK_INT(store_installations_with_secret_fields(s, &insts), STORE_OK);
    CHECK_INT(insts.n, 1);
    CHECK_STR(insts.items[0].id, "inst00000000000000000001");
    CHECK_STR(insts.items[0].workflow_id, "wf0000000000000000000001");
    CHECK_INT(insts.items[0].version, 2);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(insts.items[0].config, "pw")), "hunter2");
    store_sealing_installation_list_free(&insts);
    CHECK(insts.items == NULL && insts.n == 0);

    /* The settings row of check_history: no secrets (NULL); then one in clear. */
    struct sealing_settings_list settings;
    CHECK_INT(store_settings_secrets(s, &settings), STORE_OK);
    CHECK_INT(settings.n, 1);
    CHECK_STR(settings.items[0].env_id, env);
    CHECK(settings.items[0].error_webhook_secret == NULL);
    CHECK(settings.items[0].signing_secret == NULL);
    store_sealing_settings_list_free(&settings);
    CHECK_INT(store_settings_secrets_set(s, env, NULL, "whsec_clear"), STORE_OK);
    CHECK_INT(store_settings_secrets(s, &settings), STORE_OK);
    CHECK_INT(settings.n, 1);
    CHECK(settings.items[0].error_webhook_secret == NULL);
    CHECK_STR(settings.items[0].signing_secret, "whsec_clear");
    store_sealing_settings_list_free(&settings);
}

int main(void)
{
    struct store_fixture fx;
    struct store *s = store_fixture_open(&fx, "typed");
    if (!s)
        return check_summary("test_store_typed");
    struct environment dev = fx.dev;

    char backend[64];
    store_backend_version(backend, sizeof backend);
    CHECK(strncmp(backend, "SQLite 3.", 9) == 0);

    check_keys(s, &dev);
    check_users(s, dev.id);

    int64_t now = store_now();
    CHECK_INT(store_query(s,
                          "INSERT INTO integrations(id, env_id, name, created_at, updated_at) "
                          "VALUES ('integ0000000000000000001', ?1, 'Shop', 0, 0)",
                          NULL, STORE_ARGS(store_text(dev.id))),
              STORE_OK);
    CHECK_INT(store_query(s,
                          "INSERT INTO workflows(id, env_id, integration_id, name, draft, "
                          "created_at, updated_at) VALUES ('wf0000000000000000000001', ?1, "
                          "'integ0000000000000000001', 'Sync orders', '{}', 0, 0)",
                          NULL, STORE_ARGS(store_text(dev.id))),
              STORE_OK);
    check_history(s, dev.id, now);
    check_sealing(s, dev.id);

    store_fixture_close(&fx);
    return check_summary("test_store_typed");
}
