/*
 * The caller-filled registry of schema documents that references may name (the conformance suite's
 * remotes, an ISV's shared definitions). A list: registries hold tens of documents, looked up only
 * while compiling. Never fetches anything.
 */
#include "schema/internal.h"

#include <stdlib.h>
#include <string.h>

struct registry_entry {
    char *uri;
    cJSON *doc;
    struct registry_entry *next;
};

struct schema_registry {
    struct registry_entry *head;
};

struct schema_registry *schema_registry_new(void)
{
    return calloc(1, sizeof(struct schema_registry));
}

int schema_registry_add(struct schema_registry *reg, const char *uri, const cJSON *doc)
{
    if (!reg || !doc)
        return -1;
    if (!uri) {
        const cJSON *id = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "$id") : NULL;
        if (!cJSON_IsString(id))
            return -1;
        uri = id->valuestring;
    }
    size_t n = schema_uri_strip_fragment(uri);
    cJSON *copy = cJSON_Duplicate(doc, true);
    char *key = strndup(uri, n);
    if (!copy || !key) {
        cJSON_Delete(copy);
        free(key);
        return -1;
    }
    for (struct registry_entry *e = reg->head; e; e = e->next) {
        if (strcmp(e->uri, key) == 0) {
            cJSON_Delete(e->doc);
            e->doc = copy;
            free(key);
            return 0;
        }
    }
    struct registry_entry *e = malloc(sizeof *e);
    if (!e) {
        cJSON_Delete(copy);
        free(key);
        return -1;
    }
    e->uri = key;
    e->doc = copy;
    e->next = reg->head;
    reg->head = e;
    return 0;
}

const cJSON *schema_registry_find(const struct schema_registry *reg, const char *uri)
{
    for (const struct registry_entry *e = reg ? reg->head : NULL; e; e = e->next)
        if (strcmp(e->uri, uri) == 0)
            return e->doc;
    return NULL;
}

void schema_registry_free(struct schema_registry *reg)
{
    if (!reg)
        return;
    struct registry_entry *e = reg->head;
    while (e) {
        struct registry_entry *next = e->next;
        free(e->uri);
        cJSON_Delete(e->doc);
        free(e);
        e = next;
    }
    free(reg);
}
