/*
 * `solder import` and `solder export`: an environment's custom events, integrations and workflow
 * definitions as one JSON document, so an ISV keeps them in version control and loads them into
 * any server. Import validates the whole document before writing anything, then creates or updates
 * each object by name and releases every workflow whose definition differs from its latest release,
 * all in one transaction. The document itself is api/catalog_doc.c's, shared with promote.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "api/catalog_doc.h"
#include "app.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char IMPORT_USAGE[] =
    "solder import FILE --env development|production [--data DIR] [--database URL] "
    "[--no-release]";
static const char IMPORT_ABOUT[] =
    "Loads custom events, integrations and workflows from FILE (\"-\" for stdin; the format is\n"
    "docs/workflows.md's catalog document, as `solder export` writes it). Everything is validated\n"
    "first; nothing is written when any part is invalid. Objects are matched by name: new ones "
    "are\n"
    "created, existing ones updated; a workflow whose definition differs from its latest released\n"
    "version is released as a new version (unless --no-release).";
static const char EXPORT_USAGE[] =
    "solder export --env development|production [--data DIR] [--database URL]";
static const char EXPORT_ABOUT[] =
    "Writes the environment's custom events, integrations and workflow drafts as one JSON\n"
    "document on stdout, in the format `solder import` reads.";

static struct store *open_env(const char *data, const char *database, const char *env_name,
                              struct environment *env, const char *cmd)
{
    if (!env_name || (strcmp(env_name, "development") && strcmp(env_name, "production"))) {
        fprintf(stderr, "solder %s: --env must be development or production\n", cmd);
        return NULL;
    }
    umask(077);
    char err[512];
    struct store *s = app_open_store(data, database, err, sizeof err);
    if (!s)
        fprintf(stderr, "solder %s: %s\n", cmd, err);
    else if (store_environment_by_name(s, env_name, env) != STORE_OK) {
        fprintf(stderr, "solder %s: no environment %s\n", cmd, env_name);
        store_close(s);
        s = NULL;
    }
    return s;
}

int cli_import(int argc, char **argv)
{
    const char *data = "./data", *env_name = NULL, *database = NULL;
    int no_release = 0;
    const struct cli_opt opts[] = {
        {"env", "ENV", "environment to load into", NULL, &env_name, NULL, NULL, NULL},
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
        CLI_OPT_DATABASE(database),
        {"no-release", NULL, "save drafts only, release nothing", NULL, NULL, &no_release, NULL,
         NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, IMPORT_USAGE, IMPORT_ABOUT, pos, 1, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    if (npos != 1) {
        cli_usage(stderr, IMPORT_USAGE, IMPORT_ABOUT, opts);
        return 2;
    }
    size_t len;
    char *text = cli_read_file(pos[0], &len);
    if (!text) {
        fprintf(stderr, "solder import: cannot read %s\n", pos[0]);
        return 1;
    }
    struct json_error jerr;
    cJSON *doc = json_parse(text, len, 256, &jerr);
    free(text);
    if (!cJSON_IsObject(doc)) {
        if (doc)
            fprintf(stderr, "solder import: %s: the document must be a JSON object\n", pos[0]);
        else
            fprintf(stderr, "solder import: %s:%d:%d: %s\n", pos[0], jerr.line, jerr.column,
                    jerr.message);
        cJSON_Delete(doc);
        return 1;
    }
    cJSON *list = catalog_doc_problems(doc);
    int problems = cJSON_GetArraySize(list);
    const cJSON *p;
    cJSON_ArrayForEach(p, list) fprintf(stderr, "solder import: %s: %s\n", json_get_str(p, "path"),
                                        json_get_str(p, "message"));
    cJSON_Delete(list);
    if (problems) {
        fprintf(stderr, "solder import: %d problem%s; nothing was imported\n", problems,
                problems == 1 ? "" : "s");
        cJSON_Delete(doc);
        return 1;
    }
    struct environment env;
    struct store *s = open_env(data, database, env_name, &env, "import");
    if (!s) {
        cJSON_Delete(doc);
        return 2;
    }
    rc = store_begin(s);
    if (rc == STORE_OK)
        rc = catalog_doc_import(s, env.id, doc, !no_release, false, "solder import", NULL, stdout);
    if (rc == STORE_OK)
        rc = store_commit(s);
    else
        store_rollback(s);
    if (rc != STORE_OK)
        fprintf(stderr, "solder import: %s\n",
                rc == STORE_CONFLICT ? "a name is already taken" : store_errmsg(s));
    store_close(s);
    cJSON_Delete(doc);
    return rc == STORE_OK ? 0 : 1;
}

int cli_export(int argc, char **argv)
{
    const char *data = "./data", *env_name = NULL, *database = NULL;
    const struct cli_opt opts[] = {
        {"env", "ENV", "environment to export", NULL, &env_name, NULL, NULL, NULL},
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
        CLI_OPT_DATABASE(database),
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, EXPORT_USAGE, EXPORT_ABOUT, pos, 0, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    struct environment env;
    struct store *s = open_env(data, database, env_name, &env, "export");
    if (!s)
        return 2;
    cJSON *doc = catalog_doc_export(s, env.id);
    if (!doc) {
        fprintf(stderr, "solder export: %s\n", store_errmsg(s));
        store_close(s);
        return 1;
    }
    struct buf text = {0};
    cli_json_text(&text, doc);
    fputs(text.data ? text.data : "", stdout);
    buf_free(&text);
    cJSON_Delete(doc);
    store_close(s);
    return 0;
}
