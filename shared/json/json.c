/*
 * JSON helpers: typed member access, equality, a value as text. The reader is parse.c, the writer
 * print.c and number.c.
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
