/*
 * Alloy's sample-schema style ({"orderId": "String", "items": [{"sku": "String"}]}) and its
 * conversion to an equivalent JSON Schema, so an ISV can write either style.
 *
 * Rules: every key of a sample object is required; additional properties stay allowed (a sample
 * describes what an event carries at least, not all it may carry); an array holds one sample that
 * every item follows ([] = any items). Literal values other than the type names (dummy data such as
 * 42 or true) convert to their JSON type in schema_from_sample, but only type names, nested sample
 * objects and arrays make schema_is_sample say yes, so a JSON Schema is never mistaken for one.
 */
#include "schema/schema.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds conversion recursion; sample documents come from ISVs and are untrusted. */
#define SAMPLE_MAX_DEPTH 64

static const struct {
    const char *name;
    const char *type;
    const char *format;
} SAMPLE_TYPES[] = {
    {"String", "string", NULL},      {"Number", "number", NULL}, {"Integer", "integer", NULL},
    {"Boolean", "boolean", NULL},    {"Object", "object", NULL}, {"Array", "array", NULL},
    {"Date", "string", "date-time"},
};

#define N_SAMPLE_TYPES (sizeof SAMPLE_TYPES / sizeof SAMPLE_TYPES[0])

static int sample_type(const char *name)
{
    for (size_t i = 0; i < N_SAMPLE_TYPES; i++)
        if (strcmp(SAMPLE_TYPES[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool is_sample_value(const cJSON *v, int depth)
{
    if (depth > SAMPLE_MAX_DEPTH)
        return false;
    if (cJSON_IsString(v))
        return sample_type(v->valuestring) >= 0;
    if (cJSON_IsObject(v)) {
        const cJSON *m;
        cJSON_ArrayForEach(m, v)
        {
            if (!is_sample_value(m, depth + 1))
                return false;
        }
        return true;
    }
    if (cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v);
        return n == 0 || (n == 1 && is_sample_value(v->child, depth + 1));
    }
    return false;
}

bool schema_is_sample(const cJSON *doc)
{
    return cJSON_IsObject(doc) && doc->child && is_sample_value(doc, 0);
}

struct conv {
    char *err;
};

static void conv_fail(struct conv *c, const struct buf *path, const char *msg)
{
    if (c->err)
        return;
    struct buf b = {0};
    buf_printf(&b, "%s: %s", path->len ? path->data : "(root)", msg);
    c->err = buf_take(&b);
}

static cJSON *convert(struct conv *c, const cJSON *v, struct buf *path, int depth);

static cJSON *convert_object(struct conv *c, const cJSON *v, struct buf *path, int depth)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", "object");
    if (!v->child)
        return s;
    cJSON *props = cJSON_AddObjectToObject(s, "properties");
    cJSON *req = cJSON_AddArrayToObject(s, "required");
    const cJSON *m;
    cJSON_ArrayForEach(m, v)
    {
        size_t len = path->len;
        buf_printf(path, "%s%s", len ? "." : "", m->string);
        cJSON *sub = convert(c, m, path, depth + 1);
        path->len = len;
        if (path->data)
            path->data[len] = '\0';
        if (!sub) {
            cJSON_Delete(s);
            return NULL;
        }
        cJSON_AddItemToObject(props, m->string, sub);
        cJSON_AddItemToArray(req, cJSON_CreateString(m->string));
    }
    return s;
}

static cJSON *convert(struct conv *c, const cJSON *v, struct buf *path, int depth)
{
    if (depth > SAMPLE_MAX_DEPTH) {
        conv_fail(c, path, "sample nested too deeply");
        return NULL;
    }
    if (cJSON_IsObject(v))
        return convert_object(c, v, path, depth);
    if (cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v);
        if (n > 1) {
            conv_fail(c, path, "an array in a sample schema holds one sample item");
            return NULL;
        }
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "type", "array");
        if (n == 1) {
            size_t len = path->len;
            buf_puts(path, "[]");
            cJSON *items = convert(c, v->child, path, depth + 1);
            path->len = len;
            if (path->data)
                path->data[len] = '\0';
            if (!items) {
                cJSON_Delete(s);
                return NULL;
            }
            cJSON_AddItemToObject(s, "items", items);
        }
        return s;
    }
    cJSON *s = cJSON_CreateObject();
    if (cJSON_IsString(v)) {
        int t = sample_type(v->valuestring);
        if (t >= 0) {
            cJSON_AddStringToObject(s, "type", SAMPLE_TYPES[t].type);
            if (SAMPLE_TYPES[t].format)
                cJSON_AddStringToObject(s, "format", SAMPLE_TYPES[t].format);
        } else {
            cJSON_AddStringToObject(s, "type", "string");
        }
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        cJSON_AddStringToObject(s, "type", floor(d) == d ? "integer" : "number");
    } else if (cJSON_IsBool(v)) {
        cJSON_AddStringToObject(s, "type", "boolean");
    } else {
        cJSON_AddStringToObject(s, "type", "null");
    }
    return s;
}

cJSON *schema_from_sample(const cJSON *sample, char **err)
{
    if (err)
        *err = NULL;
    if (!cJSON_IsObject(sample)) {
        if (err)
            *err = strdup("a sample schema must be a JSON object");
        return NULL;
    }
    struct conv c = {0};
    struct buf path = {0};
    cJSON *body = convert(&c, sample, &path, 0);
    buf_free(&path);
    if (!body) {
        if (err)
            *err = c.err ? c.err : strdup("out of memory");
        else
            free(c.err);
        return NULL;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "$schema", "https://json-schema.org/draft/2020-12/schema");
    cJSON *m = body->child;
    body->child = NULL;
    while (m) {
        cJSON *next = m->next;
        m->prev = m->next = NULL;
        cJSON_AddItemToObject(out, m->string, m);
        m = next;
    }
    cJSON_Delete(body);
    return out;
}
