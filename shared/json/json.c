/*
 * JSON helpers: typed member access, equality, a value as text, and markers that stand for values
 * too large to keep. The reader is parse.c, the writer print.c and number.c.
 */
#include "json/json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *json_get_str(const cJSON *obj, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* Objects wider than this are compared through a sorted index of the second one's member names
 * (n log n) rather than a lookup per member (n * n). */
#define WIDE_OBJECT 32

/* A member of an object with its position, for a name index that finds the first occurrence. */
struct named {
    const char *name;
    size_t pos;
    const cJSON *value;
};

static int named_cmp(const void *x, const void *y)
{
    const struct named *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* The first member of the index named name (what cJSON_GetObjectItemCaseSensitive finds). */
static const cJSON *named_find(const struct named *v, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(v[lo].name, name) == 0 ? v[lo].value : NULL;
}

/* json_equal for two objects of the same size: each member of a equals b's member of its name. */
static bool members_equal(const cJSON *a, const cJSON *b)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, a)
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, m->string);
        if (!o || !json_equal(m, o))
            return false;
    }
    return true;
}

/* members_equal for objects of size members each, wider than WIDE_OBJECT. */
static bool wide_objects_equal(const cJSON *a, const cJSON *b, size_t size)
{
    struct named *index = malloc(size * sizeof *index);
    if (!index)
        return members_equal(a, b);
    size_t n = 0;
    /* cJSON's lookup stops at a member without a name: the ones after it are never found. */
    for (const cJSON *m = b->child; m && m->string; m = m->next, n++)
        index[n] = (struct named){m->string, n, m};
    qsort(index, n, sizeof *index, named_cmp);
    bool equal = true;
    for (const cJSON *m = a->child; m && equal; m = m->next) {
        const cJSON *o = m->string ? named_find(index, n, m->string) : NULL;
        equal = o && json_equal(m, o);
    }
    free(index);
    return equal;
}

bool json_equal(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble || (isnan(a->valuedouble) && isnan(b->valuedouble));
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        int size = cJSON_GetArraySize(a);
        if (size != cJSON_GetArraySize(b))
            return false;
        return size > WIDE_OBJECT ? wide_objects_equal(a, b, (size_t)size) : members_equal(a, b);
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

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The text's bytes eight at a time, each word mixed into the state, which starts from the seed. */
static uint64_t text_hash(const char *s, uint64_t seed)
{
    size_t len = strlen(s), i = 0;
    uint64_t h = mix(seed ^ (len * 0x9e3779b97f4a7c15ull));
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = mix(h ^ w);
    }
    uint64_t w = 0;
    memcpy(&w, s + i, len - i);
    return mix(h ^ w);
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Whether two members of obj (n of them, names hashed into names) share a name. */
static bool repeats_a_name(const cJSON *obj, uint64_t *names, size_t n)
{
    qsort(names, n, sizeof *names, u64_cmp);
    for (size_t i = 1; i < n; i++)
        if (names[i] == names[i - 1]) {
            /* Equal hashes: look for two equal names the slow way (rare). */
            for (const cJSON *x = obj->child; x; x = x->next)
                for (const cJSON *y = x->next; y; y = y->next)
                    if (strcmp(x->string, y->string) == 0)
                        return true;
            return false;
        }
    return false;
}

uint64_t json_hash(const cJSON *v, uint64_t seed, bool *unhashable)
{
    int type = v->type & 0xFF;
    uint64_t h = mix(seed + (uint64_t)type * 0x9e3779b97f4a7c15ull);
    if (type == cJSON_Number) {
        double d = v->valuedouble;
        if (d == 0)
            d = 0; /* -0 equals 0 */
        if (isnan(d))
            d = NAN;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return h ^ mix(bits);
    }
    if (type == cJSON_String || type == cJSON_Raw)
        return v->valuestring ? h ^ text_hash(v->valuestring, seed) : h;
    if (type == cJSON_Array) {
        for (const cJSON *e = v->child; e; e = e->next)
            h = mix(h * 31 + json_hash(e, seed, unhashable));
        return h;
    }
    if (type != cJSON_Object)
        return h;
    /* Members in any order: a sum of per-member hashes, each mixing name and value. */
    size_t n = 0;
    for (const cJSON *m = v->child; m; m = m->next)
        n++;
    uint64_t small[16];
    uint64_t *names = n <= sizeof small / sizeof small[0] ? small : malloc(n * sizeof *names);
    size_t named = 0;
    for (const cJSON *m = v->child; m; m = m->next) {
        if (!m->string) {
            *unhashable = true;
            continue;
        }
        uint64_t nh = text_hash(m->string, seed);
        if (names)
            names[named++] = nh;
        h += mix(nh ^ (json_hash(m, seed, unhashable) * 0xff51afd7ed558ccdull));
    }
    if (!names || (named == n && repeats_a_name(v, names, n)))
        *unhashable = true;
    if (names != small)
        free(names);
    return mix(h + (uint64_t)n);
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
