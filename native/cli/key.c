/* `solder key create|list|revoke`: API key management straight on the store. */
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "app.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char USAGE[] =
    "solder key create --env development|production [--data DIR] [--database URL]\n"
    "       solder key list [--data DIR] [--database URL]\n"
    "       solder key revoke ID [--data DIR] [--database URL]";
static const char ABOUT[] =
    "Manages API keys. 'create' prints only the new key on stdout (it is shown once;\n"
    "only its hash is stored). 'list' shows id, environment, prefix, created and revoked\n"
    "times. 'revoke' disables a key at once.";

static int print_key(const struct api_key *k, void *arg)
{
    char created[32], revoked[32] = "-";
    time_t c = (time_t)(k->created_at / 1000);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&c));
    if (k->revoked_at) {
        time_t r = (time_t)(k->revoked_at / 1000);
        strftime(revoked, sizeof revoked, "%Y-%m-%dT%H:%M:%SZ", gmtime(&r));
    }
    printf("%s  %-11s  %-12s  %s  %s\n", k->id, k->env_name, k->prefix, created, revoked);
    return 0;
}

int cli_key(int argc, char **argv)
{
    const char *data = "./data", *env = NULL, *database = NULL;
    const struct cli_opt opts[] = {
        {"env", "ENV", "environment of a new key: development or production", NULL, &env, NULL,
         NULL, NULL},
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
        CLI_OPT_DATABASE(database),
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[2];
    int npos;
    int rc = cli_parse(argc, argv, opts, USAGE, ABOUT, pos, 2, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    if (npos == 0) {
        cli_usage(stderr, USAGE, ABOUT, opts);
        return 2;
    }
    const char *action = pos[0];
    bool create = strcmp(action, "create") == 0, list = strcmp(action, "list") == 0,
         revoke = strcmp(action, "revoke") == 0;
    if (!create && !list && !revoke) {
        fprintf(stderr, "solder key: unknown action '%s' (create, list or revoke)\n", action);
        return 2;
    }
    if ((revoke && npos != 2) || (!revoke && npos != 1)) {
        fprintf(stderr, "solder key %s: wrong number of arguments\n", action);
        return 2;
    }
    if (create && (!env || (strcmp(env, "development") && strcmp(env, "production")))) {
        fprintf(stderr, "solder key create: --env must be development or production\n");
        return 2;
    }

    umask(077);
    char err[512];
    struct store *s = app_open_store(data, database, err, sizeof err);
    if (!s) {
        fprintf(stderr, "solder key: %s\n", err);
        return 1;
    }
    rc = 0;
    if (create) {
        struct environment e;
        struct api_key rec;
        char key[API_KEY_MAX + 1];
        unsigned char hash[32];
        if (store_environment_by_name(s, env, &e) != STORE_OK ||
            crypto_api_key_new(e.name, key, hash) != 0 ||
            store_api_key_create(s, &e, key, hash, &rec) != STORE_OK) {
            fprintf(stderr, "solder key create: %s\n", store_errmsg(s));
            rc = 1;
        } else {
            printf("%s\n", key);
        }
    } else if (list) {
        if (store_api_key_each(s, print_key, NULL) != STORE_OK) {
            fprintf(stderr, "solder key list: %s\n", store_errmsg(s));
            rc = 1;
        }
    } else {
        int r = store_api_key_revoke(s, pos[1], store_now());
        if (r == STORE_NOT_FOUND) {
            fprintf(stderr, "solder key revoke: no active key with id %s\n", pos[1]);
            rc = 1;
        } else if (r != STORE_OK) {
            fprintf(stderr, "solder key revoke: %s\n", store_errmsg(s));
            rc = 1;
        } else {
            printf("revoked %s\n", pos[1]);
        }
    }
    store_close(s);
    return rc;
}
