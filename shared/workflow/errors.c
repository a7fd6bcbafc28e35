/* The error list of a workflow validation: bounded, in document order, exportable as JSON. */
#include "workflow/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wf_error_add(struct workflow_errors *errs, const char *path, const char *fmt, ...)
{
    if (!errs)
        return;
    if (errs->count >= WF_MAX_ERRORS) {
        errs->truncated = true;
        return;
    }
    if (errs->count == errs->cap) {
        size_t cap = errs->cap ? errs->cap * 2 : 8;
        struct workflow_error *items = realloc(errs->items, cap * sizeof *items);
        if (!items)
            return;
        errs->items = items;
        errs->cap = cap;
    }
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char *p = strdup(path ? path : ""), *m = strdup(message);
    if (!p || !m) {
        free(p);
        free(m);
        return;
    }
    errs->items[errs->count].path = p;
    errs->items[errs->count].message = m;
    errs->count++;
}

void workflow_errors_free(struct workflow_errors *errs)
{
    if (!errs)
        return;
    for (size_t i = 0; i < errs->count; i++) {
        free(errs->items[i].path);
        free(errs->items[i].message);
    }
    free(errs->items);
    memset(errs, 0, sizeof *errs);
}

cJSON *workflow_errors_json(const struct workflow_errors *errs)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && errs && i < errs->count; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, e);
        cJSON_AddStringToObject(e, "path", errs->items[i].path);
        cJSON_AddStringToObject(e, "message", errs->items[i].message);
    }
    if (arr && errs && errs->truncated) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, e);
        cJSON_AddStringToObject(e, "path", "");
        cJSON_AddStringToObject(e, "message", "too many errors; the rest are not listed");
    }
    return arr;
}
