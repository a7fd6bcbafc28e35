/*
 * `solder connector`: tools for connector files. import-openapi reads an OpenAPI 3 document (JSON
 * or YAML), converts it (cli/openapi.c), checks that the result builds the way the server builds
 * connectors, and writes it. Exit status: 0 written, 1 the file could not be read or written, 2
 * the command line or the document is wrong.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "cli/openapi.h"
#include "cli/yaml.h"
#include "connector/connector.h"
#include "json/json.h"
#include "util/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest spec read: the biggest public specs are a few megabytes; this stops a stray huge file. */
#define SPEC_MAX_BYTES (32 * 1024 * 1024)
/* What the server reads of one connector file (native/connectors/registry.c). */
#define CONNECTOR_FILE_LIMIT (4 * 1024 * 1024)
/* Output width: a container whose compact form fits stays on one line. */
/* Repeatable --tag and --operation values. */
#define MAX_SELECT 64

#define CONNECTOR_USAGE                                                                            \
    "solder connector import-openapi SPEC --app NAME [--name TITLE] [--out FILE]\n"                \
    "                 [--tag T]... [--operation ID]... [--base-url URL] [--dump-json]"
#define CONNECTOR_ABOUT                                                                            \
    "import-openapi  turns an OpenAPI 3.0/3.1 document (JSON or YAML; \"-\" reads stdin) into a\n" \
    "                connector file: servers[0] becomes baseUrl (server variables credential\n"    \
    "                fields), a security scheme the auth section, each operation an action\n"      \
    "                named after its operationId with its parameters and JSON body as inputs.\n"   \
    "                What cannot be expressed is reported as a warning on stderr.\n"               \
    "                See docs/connectors.md, \"Starting from an OpenAPI spec\".\n"                 \
    "                Exit status: 0 written, 1 a file could not be read or written, 2 the\n"       \
    "                command line or the document is wrong."

#define PREFIX "solder connector import-openapi"

/* Collected values of a repeatable option. */
struct select {
    const char *values[MAX_SELECT];
    int n;
    bool overflow;
};

static void add_select(const char *value, void *arg)
{
    struct select *s = arg;
    if (s->n < MAX_SELECT)
        s->values[s->n++] = value;
    else
        s->overflow = true;
}

static int write_out(const char *path, const cJSON *v, size_t *size)
{
    struct buf b = {0};
    cli_json_text(&b, v);
    if (!b.data) {
        fprintf(stderr, PREFIX ": out of memory\n");
        return 1;
    }
    *size = b.len;
    FILE *f = path ? fopen(path, "wb") : stdout;
    bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    if (f && f != stdout)
        ok = fclose(f) == 0 && ok;
    else if (f)
        ok = fflush(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, PREFIX ": cannot write %s: %s\n", path ? path : "stdout", strerror(errno));
    buf_free(&b);
    return ok ? 0 : 1;
}

/* ---- reading -----------------------------------------------------------------------------------
 */

/* The spec as JSON, read by the YAML reader (JSON is YAML, and the reader refuses duplicate
 * keys and says where). A document that looks like JSON and that libyaml refuses for a reason
 * other than a duplicate key (an over-long key, say) gets a second chance with the JSON parser.
 * Returns NULL after printing why (*status 1: unreadable, 2: not JSON or YAML). */
static cJSON *read_spec(const char *path, int *status)
{
    size_t len = 0;
    char *text = cli_read_file(path, &len);
    const char *shown = strcmp(path, "-") == 0 ? "(stdin)" : path;
    if (!text) {
        fprintf(stderr, PREFIX ": cannot read %s: %s\n", shown, strerror(errno));
        *status = 1;
        return NULL;
    }
    *status = 2;
    if (len > SPEC_MAX_BYTES) {
        fprintf(stderr, PREFIX ": %s is larger than %d bytes\n", shown, SPEC_MAX_BYTES);
        free(text);
        return NULL;
    }
    struct cli_yaml_error e;
    cJSON *doc = cli_yaml_parse(text, len, &e);
    size_t i = strncmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < len && strchr(" \t\r\n", text[i]))
        i++;
    if (!doc && i < len && text[i] == '{' && !strstr(e.message, "duplicate key"))
        doc = json_parse(text, len, JSON_MAX_DEPTH, NULL);
    if (!doc)
        fprintf(stderr, PREFIX ": %s:%d:%d: invalid %s: %s\n", shown, e.line, e.column,
                i < len && text[i] == '{' ? "JSON" : "YAML", e.message);
    free(text);
    return doc;
}

/* "^[a-zA-Z][a-zA-Z0-9_-]{0,63}$", the connector schema's pattern for app. */
static bool valid_app(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static int import_openapi(int argc, char **argv)
{
    const char *app = NULL, *name = NULL, *out = NULL, *base = NULL;
    int dump = 0;
    struct select tags = {0}, ops = {0};
    const struct cli_opt opts[] = {
        {"app", "NAME", "the connector's id (letters, digits, _ and -), also its display name",
         NULL, &app, NULL, NULL, NULL},
        {"name", "TITLE", "the display name (default: NAME)", NULL, &name, NULL, NULL, NULL},
        {"out", "FILE", "write the connector to FILE instead of stdout", NULL, &out, NULL, NULL,
         NULL},
        {"tag", "T", "only operations tagged T (repeatable)", NULL, NULL, NULL, add_select, &tags},
        {"operation", "ID", "only this operationId or action name (repeatable)", NULL, NULL, NULL,
         add_select, &ops},
        {"base-url", "URL", "the base URL instead of servers[0].url", NULL, &base, NULL, NULL,
         NULL},
        {"dump-json", NULL, "print SPEC as JSON (as read) and stop", NULL, NULL, &dump, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos = 0;
    int rc = cli_parse(argc, argv, opts, CONNECTOR_USAGE, CONNECTOR_ABOUT, pos, 1, &npos);
    if (rc == CLI_HELP)
        return 0;
    if (rc)
        return rc;
    if (npos < 1) {
        fprintf(stderr, PREFIX ": missing SPEC (see solder connector --help)\n");
        return 2;
    }
    if (!dump && !app) {
        fprintf(stderr, PREFIX ": missing --app NAME, the connector's id\n");
        return 2;
    }
    if (app && !valid_app(app)) {
        fprintf(stderr,
                PREFIX ": --app '%s': a letter, then up to 63 letters, digits, '_' or '-'\n", app);
        return 2;
    }
    if (base && strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
        fprintf(stderr, PREFIX ": --base-url must be an http(s) URL\n");
        return 2;
    }
    if (tags.overflow || ops.overflow) {
        fprintf(stderr, PREFIX ": more than %d --tag or --operation values\n", MAX_SELECT);
        return 2;
    }
    int status;
    cJSON *spec = read_spec(pos[0], &status);
    if (!spec)
        return status;
    size_t size = 0;
    if (dump) {
        rc = write_out(out, spec, &size);
        cJSON_Delete(spec);
        return rc;
    }
    struct openapi_options o = {.app = app,
                                .name = name,
                                .base_url = base,
                                .tags = tags.values,
                                .ntags = tags.n,
                                .operations = ops.values,
                                .noperations = ops.n};
    cJSON *warnings = cJSON_CreateArray();
    char err[300];
    cJSON *conn = openapi_to_connector(spec, &o, warnings, err, sizeof err);
    cJSON_Delete(spec);
    const cJSON *w;
    cJSON_ArrayForEach(w, warnings) fprintf(stderr, PREFIX ": warning: %s\n", w->valuestring);
    int nwarnings = cJSON_GetArraySize(warnings);
    cJSON_Delete(warnings);
    if (!conn) {
        fprintf(stderr, PREFIX ": %s: %s\n", strcmp(pos[0], "-") == 0 ? "(stdin)" : pos[0], err);
        return 2;
    }
    /* The server builds every connector file with connector_parse: so does this, before writing. */
    struct connector *built = connector_parse(conn, err, sizeof err);
    if (!built) {
        fprintf(stderr, PREFIX ": the generated connector does not build: %s\n", err);
        cJSON_Delete(conn);
        return 1;
    }
    int nactions = built->nactions;
    connector_free(built);
    rc = write_out(out, conn, &size);
    cJSON_Delete(conn);
    if (rc == 0 && size > CONNECTOR_FILE_LIMIT)
        fprintf(stderr,
                PREFIX ": warning: %zu bytes: the server reads connector files of at most %d "
                       "bytes; pick operations with --tag or --operation\n",
                size, CONNECTOR_FILE_LIMIT);
    if (rc == 0)
        fprintf(stderr, PREFIX ": %d actions, %d warnings%s%s\n", nactions, nwarnings,
                out ? ", written to " : "", out ? out : "");
    return rc;
}

static const struct cli_subcommand CONNECTOR_COMMANDS[] = {
    {"import-openapi", import_openapi},
};

int cli_connector(int argc, char **argv)
{
    return cli_subcommands("connector", CONNECTOR_COMMANDS,
                           sizeof CONNECTOR_COMMANDS / sizeof CONNECTOR_COMMANDS[0],
                           CONNECTOR_USAGE, CONNECTOR_ABOUT, argc, argv);
}
