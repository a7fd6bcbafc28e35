/* Store: migrations, account bootstrap, API keys, users and environment isolation. */
#include "check.h"

#include "crypto/crypto.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int count_users(const struct user *u, void *arg)
{
    (void)u;
    (*(int *)arg)++;
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/solder-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/solder.db", dir);

    struct store *s = store_open(path, err, sizeof err);
    CHECK(s != NULL);
    CHECK(store_schema_version(s) >= 1);

    bool created;
    CHECK_INT(store_account_ensure(s, &created), STORE_OK);
    CHECK(created);
    CHECK_INT(store_account_ensure(s, &created), STORE_OK);
    CHECK(!created);

    struct environment dev, prod, again;
    CHECK_INT(store_environment_by_name(s, "development", &dev), STORE_OK);
    CHECK_INT(store_environment_by_name(s, "production", &prod), STORE_OK);
    CHECK_INT(store_environment_by_name(s, "staging", &again), STORE_NOT_FOUND);
    CHECK(strcmp(dev.id, prod.id) != 0);
    CHECK_STR(dev.account_id, prod.account_id);

    /* API keys: only a hash is stored; lookup by the key's hash; revocation. */
    char key[API_KEY_MAX + 1];
    struct api_key rec, found;
    unsigned char hash[32], check[32];
    CHECK_INT(crypto_api_key_new(prod.name, key, hash), 0);
    CHECK_INT(store_api_key_create(s, &prod, key, hash, &rec), STORE_OK);
    CHECK(strncmp(key, "sk_prod_", 8) == 0);
    CHECK_INT(strlen(key), 8 + 43);
    crypto_sha256(key, strlen(key), check);
    CHECK(memcmp(hash, check, 32) == 0);
    CHECK_INT(store_api_key_lookup(s, hash, &found), STORE_OK);
    CHECK_STR(found.env_name, "production");
    CHECK_INT(store_api_key_count(s), 1);
    CHECK_INT(store_api_key_revoke(s, rec.id, store_now()), STORE_OK);
    CHECK_INT(store_api_key_lookup(s, hash, &found), STORE_NOT_FOUND);
    CHECK_INT(store_api_key_revoke(s, rec.id, store_now()), STORE_NOT_FOUND);

    /* Users: unique username per environment, found by id or username, isolated. */
    struct user u = {.username = "gregg", .full_name = "Gregg M", .created_at = 1, .updated_at = 1};
    id_new(u.id);
    snprintf(u.env_id, sizeof u.env_id, "%s", dev.id);
    CHECK_INT(store_user_insert(s, &u), STORE_OK);
    struct user dup = u;
    id_new(dup.id);
    CHECK_INT(store_user_insert(s, &dup), STORE_CONFLICT);
    snprintf(dup.env_id, sizeof dup.env_id, "%s", prod.id);
    CHECK_INT(store_user_insert(s, &dup), STORE_OK); /* same username, other environment */

    struct user got;
    CHECK_INT(store_user_find(s, dev.id, u.id, &got), STORE_OK);
    CHECK_STR(got.username, "gregg");
    CHECK_STR(got.full_name, "Gregg M");
    store_user_clear(&got);
    CHECK_INT(store_user_find(s, dev.id, "gregg", &got), STORE_OK);
    CHECK_STR(got.id, u.id);
    store_user_clear(&got);
    CHECK_INT(store_user_find(s, prod.id, u.id, &got), STORE_NOT_FOUND);

    CHECK_INT(store_user_update(s, dev.id, u.id, NULL, "Gregg Mojica", 2), STORE_OK);
    CHECK_INT(store_user_find(s, dev.id, u.id, &got), STORE_OK);
    CHECK_STR(got.username, "gregg");
    CHECK_STR(got.full_name, "Gregg Mojica");
    CHECK_INT(got.updated_at, 2);
    store_user_clear(&got);
    CHECK_INT(store_user_update(s, prod.id, u.id, "x", NULL, 3), STORE_NOT_FOUND);

    int n = 0;
    CHECK_INT(store_user_each(s, dev.id, count_users, &n), STORE_OK);
    CHECK_INT(n, 1);
    CHECK_INT(store_user_delete(s, prod.id, u.id), STORE_NOT_FOUND);
    CHECK_INT(store_user_delete(s, dev.id, u.id), STORE_OK);
    CHECK_INT(store_user_find(s, dev.id, "gregg", &got), STORE_NOT_FOUND);

    /* A rolled back transaction leaves nothing behind. */
    struct user t = {.username = "temp", .created_at = 1, .updated_at = 1};
    id_new(t.id);
    snprintf(t.env_id, sizeof t.env_id, "%s", dev.id);
    CHECK_INT(store_begin(s), STORE_OK);
    CHECK_INT(store_user_insert(s, &t), STORE_OK);
    store_rollback(s);
    CHECK_INT(store_user_find(s, dev.id, "temp", &got), STORE_NOT_FOUND);

    /* With the checkpointer running, commits leave the WAL to it: the database file takes the
     * pages and no commit checkpoints on its own. */
    CHECK_INT(store_checkpointer_start(path, err, sizeof err), 0);
    struct stat before_st;
    CHECK(stat(path, &before_st) == 0);
    char *big = malloc(3001);
    memset(big, 'x', 3000);
    big[3000] = '\0';
    for (int batch = 0; batch < 20; batch++) {
        CHECK_INT(store_begin(s), STORE_OK);
        for (int i = 0; i < 100; i++) {
            struct user b = {.created_at = 1, .updated_at = 1, .full_name = big};
            char name[32];
            snprintf(name, sizeof name, "bulk-%d-%d", batch, i);
            b.username = name;
            id_new(b.id);
            snprintf(b.env_id, sizeof b.env_id, "%s", dev.id);
            CHECK_INT(store_user_insert(s, &b), STORE_OK);
        }
        CHECK_INT(store_commit(s), STORE_OK);
    }
    free(big);
    long background = 0, inline_runs = 0;
    struct stat after_st = before_st;
    for (int i = 0; i < 100 && (background == 0 || after_st.st_size <= before_st.st_size); i++) {
        usleep(50000);
        store_checkpoint_counts(&background, &inline_runs);
        CHECK(stat(path, &after_st) == 0);
    }
    CHECK(background > 0);
    CHECK_INT((int)inline_runs, 0);
    CHECK(after_st.st_size > before_st.st_size + 4 * 1024 * 1024);
    store_checkpointer_stop();

    store_close(s);

    /* Reopening keeps data and does not migrate twice. */
    s = store_open(path, err, sizeof err);
    CHECK(s != NULL);
    CHECK_INT(store_user_find(s, prod.id, "gregg", &got), STORE_OK);
    store_user_clear(&got);
    store_close(s);

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_summary("store");
}
