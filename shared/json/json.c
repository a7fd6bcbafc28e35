/*
 * JSON helpers: typed member access, equality, a value as text, and markers that stand for values
 * too large to keep. The reader is parse.c, the writer print.c and number.c.
 */
#include "json/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *json_get_str(const cJSON *obj, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

bool json_equal(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble || (isnan(a->valuedouble) && isnan(b->valuedouble));
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return false;
        const cJSON *m;
        cJSON_ArrayForEach(m, a)
        {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, m->string);
            if (!o || !json_equal(m, o))
                return false;
        }
        return true;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!json_equal(x, y))
                return false;
        return !x && !y;
    }
    return cJSON_Compare(a, b, true);
}

char *json_text(const cJSON *v)
{
    return cJSON_IsString(v) ? strdup(v->valuestring) : json_print(v);
}

void json_replace(cJSON *parent, cJSON *item, cJSON *with)
{
    if (!with)
        return;
    if (item->string) {
        if (with->string && !(with->type & cJSON_StringIsConst))
            free(with->string);
        with->string = strdup(item->string);
        with->type &= ~cJSON_StringIsConst;
    }
    cJSON_ReplaceItemViaPointer(parent, item, with);
}

/* An upper bound of the length of v's compact text (with its member name), which stops counting
 * once it passes limit: each string byte counted as a six-byte \u escape, each number as 32. */
static size_t text_bound(const cJSON *v, size_t limit)
{
    size_t n = v->string ? 6 * strlen(v->string) + 3 : 0;
    if ((cJSON_IsString(v) || cJSON_IsRaw(v)) && v->valuestring) {
        n += 6 * strlen(v->valuestring) + 2;
    } else if (cJSON_IsNumber(v)) {
        n += 32;
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        n += 2;
        for (const cJSON *c = v->child; c && n <= limit; c = c->next)
            n += text_bound(c, limit - n) + 1;
    } else {
        n += 5;
    }
    return n;
}

cJSON *json_truncated_marker(size_t bytes, const char *text, size_t preview_bytes)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddTrueToObject(m, "truncated");
    cJSON_AddNumberToObject(m, "bytes", (double)bytes);
    if (text) {
        size_t n = preview_bytes < bytes ? preview_bytes : bytes;
        while (n > 0 && n < bytes && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* not inside a UTF-8 sequence */
        char *preview = strndup(text, n);
        cJSON_AddStringToObject(m, "preview", preview ? preview : "");
        free(preview);
    }
    return m;
}

cJSON *json_truncation(const cJSON *v, size_t max_bytes, size_t preview_bytes)
{
    if (!v || text_bound(v, max_bytes) <= max_bytes)
        return NULL;
    char *text = json_print(v);
    size_t len = text ? strlen(text) : 0;
    cJSON *m = !text || len > max_bytes ? json_truncated_marker(len, text, preview_bytes) : NULL;
    free(text);
    return m;
}
