/* Store: store_query rows read into typed structs (row.h). No SQL here. */
#include "store/row.h"
#include "store/store_internal.h"

#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *row_strdup(const cJSON *row, const char *column)
{
    const char *v = json_get_str(row, column);
    return v ? strdup(v) : NULL;
}

void row_copy(const cJSON *row, const char *column, char *dst, size_t cap)
{
    const char *v = json_get_str(row, column);
    snprintf(dst, cap, "%s", v ? v : "");
}

int64_t row_int(const cJSON *row, const char *column)
{
    const cJSON *v = cJSON_GetObjectItem(row, column);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

cJSON *row_take(cJSON *row, const char *column)
{
    return cJSON_DetachItemFromObject(row, column);
}

void row_secret_free(char *secret)
{
    if (!secret)
        return;
    volatile char *p = secret;
    while (*p)
        *p++ = 0;
    free(secret);
}

int row_list(int rc, cJSON *rows, size_t size, void (*fill)(cJSON *row, void *item), void **items,
             size_t *n)
{
    *items = NULL;
    *n = 0;
    if (rc != STORE_OK) {
        cJSON_Delete(rows);
        return rc;
    }
    size_t count = (size_t)cJSON_GetArraySize(rows);
    char *out = count ? calloc(count, size) : NULL;
    if (count && !out) {
        cJSON_Delete(rows);
        return STORE_ERROR;
    }
    size_t i = 0;
    cJSON *row;
    cJSON_ArrayForEach(row, rows) fill(row, out + size * i++);
    cJSON_Delete(rows);
    *items = out;
    *n = count;
    return STORE_OK;
}

int row_one(int rc, cJSON *rows, void (*fill)(cJSON *row, void *item), void *out)
{
    cJSON *row;
    rc = store_one_row(rc, rows, &row);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        fill(row, out);
    cJSON_Delete(row);
    return rc;
}
