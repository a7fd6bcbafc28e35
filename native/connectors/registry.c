/*
 * The connector registry: reads the connector files at start, checks each file against the
 * connector schema and then builds it. A broken file is reported with its path and skipped; the
 * server runs with the rest. Files are not watched: a changed connector takes effect at the next
 * start.
 */
#include "connectors/internal.h"

#include "json/json.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest connector file read: a definition is a few kilobytes; this stops a stray huge file. */
#define CONNECTOR_MAX_FILE (4 * 1024 * 1024)
/* Connector files loaded from one directory. */
#define CONNECTOR_MAX_FILES 1000

static cJSON *read_json(const char *path, char *err, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, n, "cannot open");
        return NULL;
    }
    char *text = malloc(CONNECTOR_MAX_FILE + 1);
    size_t len = text ? fread(text, 1, CONNECTOR_MAX_FILE + 1, f) : 0;
    fclose(f);
    if (!text || len > CONNECTOR_MAX_FILE) {
        snprintf(err, n, "larger than %d bytes", CONNECTOR_MAX_FILE);
        free(text);
        return NULL;
    }
    struct json_error je;
    cJSON *doc = json_parse(text, len, JSON_MAX_DEPTH, &je);
    free(text);
    if (!doc)
        snprintf(err, n, "line %d column %d: %s", je.line, je.column, je.message);
    return doc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct connectors *connectors_load(const char *dir, const char *data_dir, FILE *log, char *err,
                                   size_t err_len)
{
    struct connectors *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->refresh_mu, NULL);
    pthread_mutex_init(&c->outcomes_mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (secrets_key_load(data_dir, &c->key, err, err_len) != 0) {
        connectors_free(c);
        return NULL;
    }
    if (!dir || !*dir)
        return c;
    char path[1024], msg[512];
    snprintf(path, sizeof path, "%s/connector.schema.json", dir);
    cJSON *schema_doc = read_json(path, msg, sizeof msg);
    char *schema_err = NULL;
    schema_t *schema = schema_doc ? schema_compile(schema_doc, NULL, &schema_err) : NULL;
    cJSON_Delete(schema_doc);
    if (!schema) {
        if (log)
            fprintf(log, "solder: %s: %s; no connectors loaded\n", path,
                    schema_err ? schema_err : msg);
        free(schema_err);
        return c;
    }
    DIR *d = opendir(dir);
    char *names[CONNECTOR_MAX_FILES];
    int nnames = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && nnames < CONNECTOR_MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0 &&
            strcmp(e->d_name, "connector.schema.json") != 0 && e->d_name[0] != '.')
            names[nnames++] = strdup(e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)nnames, sizeof names[0], by_name);
    c->items = calloc((size_t)(nnames ? nnames : 1), sizeof *c->items);
    for (int i = 0; i < nnames; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        free(names[i]);
        cJSON *doc = read_json(path, msg, sizeof msg);
        struct schema_result res = {0};
        if (doc && !schema_validate(schema, doc, &res)) {
            if (res.count)
                snprintf(msg, sizeof msg, "%s%s%s", res.errors[0].instance_path,
                         res.errors[0].instance_path[0] ? ": " : "", res.errors[0].message);
            else
                snprintf(msg, sizeof msg, "does not match the connector schema");
            schema_result_free(&res);
            cJSON_Delete(doc);
            doc = NULL;
        }
        struct connector *conn = doc ? connector_parse(doc, msg, sizeof msg) : NULL;
        cJSON_Delete(doc);
        if (conn && connectors_find(c, conn->app)) {
            snprintf(msg, sizeof msg, "app '%s' is already defined by another file", conn->app);
            connector_free(conn);
            conn = NULL;
        }
        if (!conn) {
            if (log)
                fprintf(log, "solder: connector %s skipped: %s\n", path, msg);
            continue;
        }
        if (c->items)
            c->items[c->count++] = conn;
        else
            connector_free(conn);
    }
    schema_free(schema);
    return c;
}

void connectors_set_network(struct connectors *c, bool allow_private, const char *allow_hosts)
{
    int n = 0;
    for (const char *p = allow_hosts; p && *p; p++)
        n += *p == ',';
    c->allow_hosts = calloc((size_t)n + 2, sizeof *c->allow_hosts);
    int k = 0;
    for (const char *p = allow_hosts; c->allow_hosts && p && *p;) {
        size_t len = strcspn(p, ",");
        while (len && *p == ' ')
            p++, len--;
        size_t l = len;
        while (l && p[l - 1] == ' ')
            l--;
        if (l)
            c->allow_hosts[k++] = strndup(p, l);
        p += len;
        if (*p == ',')
            p++;
    }
    c->network.allow_private = allow_private;
    c->network.allow_hosts = (const char *const *)c->allow_hosts;
    for (int i = 0; i < c->count; i++)
        c->items[i]->network = &c->network;
}

void connectors_free(struct connectors *c)
{
    if (!c)
        return;
    for (char **h = c->allow_hosts; h && *h; h++)
        free(*h);
    free(c->allow_hosts);
    for (int i = 0; i < c->count; i++)
        connector_free(c->items[i]);
    free(c->items);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->refresh_mu);
    pthread_mutex_destroy(&c->outcomes_mu);
    pthread_cond_destroy(&c->cv);
    memset(&c->key, 0, sizeof c->key);
    free(c);
}

int connectors_count(const struct connectors *c)
{
    return c ? c->count : 0;
}

const struct connector *connectors_at(const struct connectors *c, int i)
{
    return c && i >= 0 && i < c->count ? c->items[i] : NULL;
}

const struct connector *connectors_find(const struct connectors *c, const char *app)
{
    for (int i = 0; c && app && i < c->count; i++)
        if (strcasecmp(c->items[i]->app, app) == 0 || strcmp(c->items[i]->name, app) == 0)
            return c->items[i];
    return NULL;
}

const struct secrets_key *connectors_key(const struct connectors *c)
{
    return &c->key;
}
