/* Server start-up and tear-down around the HTTP loop: data directory, store, keys, and the
 * dashboard's setup token while it has no account. */
#include "app.h"
#include "base/log.h"

#include "plat.h"
#include "store/dashboard.h"
#include "util/base64.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store *app_open_store(const char *data_dir, const char *database, char *err, size_t err_len)
{
    char path[1024];
    if (store_locate(database, data_dir, path, sizeof path, err, err_len) != STORE_OK)
        return NULL;
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create data directory %s: %s", data_dir, strerror(errno));
        return NULL;
    }
    struct store *s = store_open(path, err, err_len);
    if (!s)
        return NULL;
    bool created;
    if (store_account_ensure(s, &created) != STORE_OK) {
        snprintf(err, err_len, "cannot create the account: %s", store_errmsg(s));
        store_close(s);
        return NULL;
    }
    return s;
}

static int write_secret_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    int ok = write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    return close(fd) == 0 && ok ? 0 : -1;
}

/* How long the dashboard's one-time setup link works. */
#define SETUP_TOKEN_TTL_MS (3600 * 1000LL)

/* While no dashboard account exists: a fresh one-time setup token (replacing any earlier one) in
 * app->setup_token, printed once the server listens (http/server.c). */
static int make_setup_token(struct app *app)
{
    int accounts = store_dashboard_account_count(app->store);
    if (accounts != 0)
        return accounts > 0 ? 0 : -1;
    unsigned char raw[32], hash[32];
    if (plat_random(raw, sizeof raw) != 0)
        return -1;
    char *token = base64_encode(raw, sizeof raw, true);
    OPENSSL_cleanse(raw, sizeof raw);
    if (!token)
        return -1;
    crypto_sha256(token, strlen(token), hash);
    int rc = store_setup_token_replace(app->store, hash, store_now() + SETUP_TOKEN_TTL_MS);
    if (rc == STORE_OK)
        snprintf(app->setup_token, sizeof app->setup_token, "%s", token);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    return rc == STORE_OK ? 0 : -1;
}

int app_signing_key_ensure(struct store *s, const struct secrets_key *master,
                           struct signing_key *out, char *err, size_t err_len)
{
    int rc = store_signing_key_current(s, out);
    if (rc == STORE_OK) {
        bool was_clear;
        char *pem = secrets_key_open_stored(master, out->private_pem, &was_clear, err, err_len);
        if (!pem) {
            store_signing_key_clear(out);
            return -1;
        }
        free(out->private_pem);
        out->private_pem = pem;
        if (was_clear) {
            char *sealed = secrets_seal(master, pem, strlen(pem));
            int set = sealed ? store_signing_key_set_private(s, out->id, sealed) : STORE_ERROR;
            free(sealed);
            if (set != STORE_OK) {
                snprintf(err, err_len, "cannot seal the token signing key: %s", store_errmsg(s));
                store_signing_key_clear(out);
                return -1;
            }
        }
        return 0;
    }
    if (rc != STORE_NOT_FOUND) {
        snprintf(err, err_len, "cannot read signing key: %s", store_errmsg(s));
        return -1;
    }
    if (crypto_signing_key_generate(out) != 0) {
        snprintf(err, err_len, "cannot create the token signing key");
        return -1;
    }
    /* Stored sealed; kept in clear in memory only. */
    struct signing_key stored = *out;
    stored.private_pem = secrets_seal(master, out->private_pem, strlen(out->private_pem));
    rc = stored.private_pem ? store_signing_key_insert(s, &stored) : STORE_ERROR;
    free(stored.private_pem);
    if (rc != STORE_OK) {
        snprintf(err, err_len, "cannot store the token signing key");
        store_signing_key_clear(out);
        return -1;
    }
    return 0;
}

int app_prepare(struct app *app, char *err, size_t err_len)
{
    if (store_locate(app->cfg.database, app->cfg.data_dir, app->db_path, sizeof app->db_path, err,
                     err_len) != STORE_OK)
        return -1;
    app->store = app_open_store(app->cfg.data_dir, app->cfg.database, err, err_len);
    if (!app->store)
        return -1;
    if (secrets_key_load(app->cfg.data_dir, &app->master, err, err_len) != 0 ||
        app_signing_key_ensure(app->store, &app->master, &app->signing_key, err, err_len) != 0)
        return -1;
    app->jwks = crypto_jwks_json(&app->signing_key);
    if (!app->jwks) {
        snprintf(err, err_len, "cannot build the JWKS document");
        return -1;
    }
    if (make_setup_token(app) != 0) {
        snprintf(err, err_len, "cannot create the dashboard setup token: %s",
                 store_errmsg(app->store));
        return -1;
    }
    if (store_api_key_count(app->store) == 0) {
        struct environment env;
        struct api_key rec;
        char key[API_KEY_MAX + 1];
        unsigned char hash[32];
        if (store_environment_by_name(app->store, "development", &env) != STORE_OK ||
            crypto_api_key_new(env.name, key, hash) != 0 ||
            store_api_key_create(app->store, &env, key, hash, &rec) != STORE_OK) {
            snprintf(err, err_len, "cannot create the first API key: %s", store_errmsg(app->store));
            return -1;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/dev-api-key", app->cfg.data_dir);
        if (write_secret_file(path, key) != 0)
            log_error("warning: cannot write %s: %s\n", path, strerror(errno));
        log_info("first start: created the development API key (shown once, also in %s):\n"
                 "\n    %s\n\n",
                 path, key);
    }
    return 0;
}

void app_release(struct app *app)
{
    free(app->jwks);
    app->jwks = NULL;
    store_signing_key_clear(&app->signing_key);
    OPENSSL_cleanse(&app->master, sizeof app->master);
    store_close(app->store);
    app->store = NULL;
}
