/* The process-wide cache of parsed released workflow versions (see definitions.h). */
#include "engine/definitions.h"
#include "base/log.h"

#include "json/json.h"
#include "store/catalog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cached_def {
    char workflow_id[ID_LEN + 1];
    int version;
    struct workflow_def *def;
    struct cached_def *next;
};

/* Buckets of the cache; released versions are few compared with executions. */
#define DEF_BUCKETS 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_def *buckets[DEF_BUCKETS];

static unsigned bucket_of(const char *id, int version)
{
    unsigned h = 2166136261u;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (h ^ (unsigned)version) % DEF_BUCKETS;
}

static const struct workflow_def *lookup(const char *id, int version)
{
    for (struct cached_def *c = buckets[bucket_of(id, version)]; c; c = c->next)
        if (c->version == version && strcmp(c->workflow_id, id) == 0)
            return c->def;
    return NULL;
}

const struct workflow_def *definitions_get(struct store *s, const char *workflow_id, int version,
                                           int *version_out)
{
    if (version > 0) {
        pthread_mutex_lock(&lock);
        const struct workflow_def *d = lookup(workflow_id, version);
        pthread_mutex_unlock(&lock);
        if (d) {
            if (version_out)
                *version_out = version;
            return d;
        }
    }
    struct workflow_version row;
    if (store_workflow_version(s, workflow_id, version, &row) != STORE_OK)
        return NULL;
    int found = row.version;
    if (version_out)
        *version_out = found;
    pthread_mutex_lock(&lock);
    const struct workflow_def *d = lookup(workflow_id, found);
    pthread_mutex_unlock(&lock);
    if (d) {
        store_workflow_version_clear(&row);
        return d;
    }
    struct workflow_errors errs = {0};
    struct workflow_def *parsed = workflow_parse(row.definition, &errs);
    store_workflow_version_clear(&row);
    if (!parsed) {
        cJSON *e = workflow_errors_json(&errs);
        char *text = json_print(e);
        log_error("workflow %s version %d does not parse: %s\n", workflow_id, found,
                  text ? text : "");
        free(text);
        cJSON_Delete(e);
        workflow_errors_free(&errs);
        return NULL;
    }
    workflow_errors_free(&errs);
    pthread_mutex_lock(&lock);
    d = lookup(workflow_id, found);
    if (d) {
        workflow_free(parsed); /* another thread parsed it meanwhile */
    } else {
        struct cached_def *c = calloc(1, sizeof *c);
        if (!c) {
            pthread_mutex_unlock(&lock);
            workflow_free(parsed);
            return NULL;
        }
        snprintf(c->workflow_id, sizeof c->workflow_id, "%s", workflow_id);
        c->version = found;
        c->def = parsed;
        unsigned b = bucket_of(workflow_id, found);
        c->next = buckets[b];
        buckets[b] = c;
        d = parsed;
    }
    pthread_mutex_unlock(&lock);
    return d;
}

void definitions_shutdown(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < DEF_BUCKETS; i++) {
        struct cached_def *c = buckets[i];
        while (c) {
            struct cached_def *next = c->next;
            workflow_free(c->def);
            free(c);
            c = next;
        }
        buckets[i] = NULL;
    }
    pthread_mutex_unlock(&lock);
}
