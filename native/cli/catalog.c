/*
 * `solder import` and `solder export`: an environment's custom events, integrations and workflow
 * definitions as one JSON document, so an ISV keeps them in version control and loads them into
 * any server. Import validates the whole document before writing anything, then creates or updates
 * each object by name and releases every workflow whose definition differs from its latest release.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "app.h"
#include "json/json.h"
#include "schema/schema.h"
#include "store/catalog.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char IMPORT_USAGE[] = "solder import FILE --env development|production [--data DIR] "
                                   "[--no-release]";
static const char IMPORT_ABOUT[] =
    "Loads custom events, integrations and workflows from FILE (\"-\" for stdin; the format is\n"
    "docs/workflows.md's catalog document, as `solder export` writes it). Everything is validated\n"
    "first; nothing is written when any part is invalid. Objects are matched by name: new ones "
    "are\n"
    "created, existing ones updated; a workflow whose definition differs from its latest released\n"
    "version is released as a new version (unless --no-release).";
static const char EXPORT_USAGE[] = "solder export --env development|production [--data DIR]";
static const char EXPORT_ABOUT[] =
    "Writes the environment's custom events, integrations and workflow drafts as one JSON\n"
    "document on stdout, in the format `solder import` reads.";

/* The JSON Schema of an event entry (sample style converted). NULL with a message on failure. */
static cJSON *event_schema(const cJSON *ev, char **err)
{
    const cJSON *schema = cJSON_GetObjectItem(ev, "schema"),
                *body = cJSON_GetObjectItem(ev, "body");
    if (schema)
        return cJSON_Duplicate(schema, true);
    if (cJSON_IsObject(body))
        return schema_is_sample(body) ? schema_from_sample(body, err) : cJSON_Duplicate(body, true);
    *err = strdup("needs body (sample schema) or schema (JSON Schema)");
    return NULL;
}

static int problem(const char *where, const char *msg)
{
    fprintf(stderr, "solder import: %s: %s\n", where, msg);
    return 1;
}

/* Checks the whole document; prints every problem; returns how many there are. */
static int validate(const cJSON *doc)
{
    int problems = 0;
    char where[160];
    const cJSON *ev, *integ, *wf;
    int i = 0;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "events"))
    {
        snprintf(where, sizeof where, "/events/%d", i++);
        char *err = NULL;
        cJSON *schema = json_get_str(ev, "name") ? event_schema(ev, &err) : NULL;
        schema_t *compiled = schema ? schema_compile(schema, NULL, &err) : NULL;
        if (!json_get_str(ev, "name"))
            problems += problem(where, "name is required");
        else if (!compiled)
            problems += problem(where, err ? err : "invalid schema");
        schema_free(compiled);
        cJSON_Delete(schema);
        free(err);
    }
    i = 0;
    cJSON_ArrayForEach(integ, cJSON_GetObjectItem(doc, "integrations"))
    {
        snprintf(where, sizeof where, "/integrations/%d", i);
        if (!json_get_str(integ, "name"))
            problems += problem(where, "name is required");
        int j = 0;
        cJSON_ArrayForEach(wf, cJSON_GetObjectItem(integ, "workflows"))
        {
            struct workflow_errors errs = {0};
            struct workflow_def *def = workflow_parse(wf, &errs);
            for (size_t k = 0; k < errs.count; k++) {
                char at[400];
                snprintf(at, sizeof at, "/integrations/%d/workflows/%d%s", i, j,
                         errs.items[k].path);
                problems += problem(at, errs.items[k].message);
            }
            workflow_errors_free(&errs);
            workflow_free(def);
            j++;
        }
        i++;
    }
    return problems;
}

static int import_workflow(struct store *s, const char *env, const char *integration_id,
                           const cJSON *wf, bool release)
{
    const char *name = json_get_str(wf, "name");
    cJSON *row = NULL;
    store_workflow_find(s, env, name, &row);
    char id[ID_LEN + 1];
    int rc;
    if (row) {
        snprintf(id, sizeof id, "%s", json_get_str(row, "workflowId"));
        rc = store_workflow_update_draft(s, env, id, name, wf);
    } else {
        id_new(id);
        rc = store_workflow_insert(s, env, id, integration_id, name, wf);
    }
    cJSON_Delete(row);
    if (rc != STORE_OK || !release)
        return rc;
    cJSON *latest = NULL;
    store_workflow_version(s, id, 0, &latest);
    bool same = latest && json_equal(cJSON_GetObjectItem(latest, "definition"), wf);
    cJSON_Delete(latest);
    if (same) {
        printf("workflow %s: unchanged\n", name);
        return STORE_OK;
    }
    struct workflow_def *def = workflow_parse(wf, NULL);
    if (!def)
        return STORE_ERROR;
    cJSON *blocks = workflow_blocks_summary(def), *fields = workflow_fields_json(def);
    int version = 0;
    rc = store_workflow_release(s, env, id, wf, def->trigger.type_name, def->trigger.event, blocks,
                                fields, &version);
    if (rc == STORE_OK)
        printf("workflow %s: released version %d (%s)\n", name, version, id);
    cJSON_Delete(blocks);
    cJSON_Delete(fields);
    workflow_free(def);
    return rc;
}

static int apply(struct store *s, const char *env, const cJSON *doc, bool release)
{
    const cJSON *ev, *integ, *wf;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "events"))
    {
        char *err = NULL;
        cJSON *schema = event_schema(ev, &err);
        free(err);
        const cJSON *body = cJSON_GetObjectItem(ev, "body");
        const char *name = json_get_str(ev, "name");
        int rc = store_event_upsert(s, env, name, json_get_str(ev, "description"),
                                    body ? body : schema, schema, false);
        if (rc == STORE_NOT_FOUND)
            rc = store_event_upsert(s, env, name, json_get_str(ev, "description"),
                                    body ? body : schema, schema, true);
        cJSON_Delete(schema);
        if (rc != STORE_OK)
            return rc;
        printf("event %s: saved\n", name);
    }
    cJSON_ArrayForEach(integ, cJSON_GetObjectItem(doc, "integrations"))
    {
        const char *name = json_get_str(integ, "name");
        cJSON *row = NULL;
        store_integration_find(s, env, name, &row);
        char id[ID_LEN + 1];
        int rc;
        if (row) {
            snprintf(id, sizeof id, "%s", json_get_str(row, "integrationId"));
            rc = store_integration_update(s, env, id, name, json_get_str(integ, "app"),
                                          json_get_str(integ, "icon"),
                                          json_get_str(integ, "description"));
        } else {
            id_new(id);
            const char *app = json_get_str(integ, "app");
            rc = store_integration_insert(s, env, id, name, app ? app : name,
                                          json_get_str(integ, "icon"),
                                          json_get_str(integ, "description"));
        }
        cJSON_Delete(row);
        if (rc != STORE_OK)
            return rc;
        printf("integration %s: saved (%s)\n", name, id);
        cJSON_ArrayForEach(wf, cJSON_GetObjectItem(integ, "workflows"))
        {
            rc = import_workflow(s, env, id, wf, release);
            if (rc != STORE_OK)
                return rc;
        }
    }
    return STORE_OK;
}

static struct store *open_env(const char *data, const char *env_name, struct environment *env,
                              const char *cmd)
{
    if (!env_name || (strcmp(env_name, "development") && strcmp(env_name, "production"))) {
        fprintf(stderr, "solder %s: --env must be development or production\n", cmd);
        return NULL;
    }
    umask(077);
    char err[512];
    struct store *s = app_open_store(data, err, sizeof err);
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
    const char *data = "./data", *env_name = NULL;
    int no_release = 0;
    const struct cli_opt opts[] = {
        {"env", "ENV", "environment to load into", NULL, &env_name, NULL, NULL, NULL},
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
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
    int problems = validate(doc);
    if (problems) {
        fprintf(stderr, "solder import: %d problem%s; nothing was imported\n", problems,
                problems == 1 ? "" : "s");
        cJSON_Delete(doc);
        return 1;
    }
    struct environment env;
    struct store *s = open_env(data, env_name, &env, "import");
    if (!s) {
        cJSON_Delete(doc);
        return 2;
    }
    rc = apply(s, env.id, doc, !no_release);
    if (rc != STORE_OK)
        fprintf(stderr, "solder import: %s\n",
                rc == STORE_CONFLICT ? "a name is already taken" : store_errmsg(s));
    store_close(s);
    cJSON_Delete(doc);
    return rc == STORE_OK ? 0 : 1;
}

int cli_export(int argc, char **argv)
{
    const char *data = "./data", *env_name = NULL;
    const struct cli_opt opts[] = {
        {"env", "ENV", "environment to export", NULL, &env_name, NULL, NULL, NULL},
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, EXPORT_USAGE, EXPORT_ABOUT, pos, 0, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    struct environment env;
    struct store *s = open_env(data, env_name, &env, "export");
    if (!s)
        return 2;
    cJSON *doc = cJSON_CreateObject(), *events = NULL, *integs = NULL;
    store_events(s, env.id, &events);
    cJSON *ev_out = cJSON_AddArrayToObject(doc, "events");
    const cJSON *r;
    cJSON_ArrayForEach(r, events)
    {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", json_get_str(r, "name"));
        if (json_get_str(r, "description"))
            cJSON_AddStringToObject(e, "description", json_get_str(r, "description"));
        cJSON_AddItemToObject(e, "body", cJSON_Duplicate(cJSON_GetObjectItem(r, "body"), true));
        cJSON_AddItemToArray(ev_out, e);
    }
    store_integrations(s, env.id, &integs);
    cJSON *in_out = cJSON_AddArrayToObject(doc, "integrations");
    cJSON_ArrayForEach(r, integs)
    {
        cJSON *o = cJSON_CreateObject(), *wfs = NULL;
        const char *keys[] = {"name", "app", "icon", "description"};
        for (size_t k = 0; k < 4; k++)
            if (json_get_str(r, keys[k]))
                cJSON_AddStringToObject(o, keys[k], json_get_str(r, keys[k]));
        cJSON *list = cJSON_AddArrayToObject(o, "workflows");
        store_workflows_of_integration(s, json_get_str(r, "integrationId"), &wfs);
        const cJSON *w;
        cJSON_ArrayForEach(w, wfs)
            cJSON_AddItemToArray(list, cJSON_Duplicate(cJSON_GetObjectItem(w, "draft"), true));
        cJSON_Delete(wfs);
        cJSON_AddItemToArray(in_out, o);
    }
    struct buf text = {0};
    cli_json_text(&text, doc);
    fputs(text.data ? text.data : "", stdout);
    buf_free(&text);
    cJSON_Delete(doc);
    cJSON_Delete(events);
    cJSON_Delete(integs);
    store_close(s);
    return 0;
}
