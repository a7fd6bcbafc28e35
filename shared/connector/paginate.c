/*
 * Pagination of list actions: what the next request asks for (page number, offset, cursor or the
 * provider's next link), the items of each answer gathered in order, and when to stop — an empty
 * answer or 204, a page shorter than the page size (page and offset styles), no next cursor or
 * link, the provider's page count, maxPages, or the block's maxItems. Planning only: rendering
 * and sending belong to the caller, so the rules are the same wherever the core runs.
 */
#include "connector/connector.h"
#include "connector/internal.h"

#include "json/json.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest cursor or next link kept: a provider cannot make one request line unbounded. */
#define PAGE_TOKEN_MAX 4096

void connector_pages_begin(struct connector_pages *pg, const struct connector_pagination *p,
                           long max_items)
{
    memset(pg, 0, sizeof *pg);
    pg->p = p;
    pg->max_items = max_items > 0 ? max_items : 0;
    pg->size = p->size;
    if (pg->max_items && pg->max_items < pg->size)
        pg->size = (int)pg->max_items;
    pg->position = p->start;
    pg->items = cJSON_CreateArray();
}

cJSON *connector_pages_query(const struct connector_pages *pg)
{
    const struct connector_pagination *p = pg->p;
    cJSON *q = cJSON_CreateObject();
    if (p->style == PAGE_STYLE_LINK && pg->next_url)
        return q;
    if (p->size_param)
        cJSON_AddNumberToObject(q, p->size_param, pg->size);
    if (p->style == PAGE_STYLE_PAGE || p->style == PAGE_STYLE_OFFSET)
        cJSON_AddNumberToObject(q, p->param, (double)pg->position);
    else if (p->style == PAGE_STYLE_CURSOR && pg->cursor)
        cJSON_AddStringToObject(q, p->param, pg->cursor);
    return q;
}

const char *connector_pages_url(const struct connector_pages *pg)
{
    return pg->p->style == PAGE_STYLE_LINK ? pg->next_url : NULL;
}

static void stop(struct connector_pages *pg, const char *why, bool truncated)
{
    pg->done = true;
    pg->truncated = truncated;
    pg->stop = why;
}

/* Length of the scheme://host:port prefix of an absolute http(s) URL, or 0. */
static size_t origin_len(const char *url)
{
    const char *rest = strncmp(url, "https://", 8) == 0  ? url + 8
                       : strncmp(url, "http://", 7) == 0 ? url + 7
                                                         : NULL;
    if (!rest)
        return 0;
    return (size_t)(rest - url) + strcspn(rest, "/?#");
}

/* The absolute URL of target, relative to base (a link may be "/v1/items?page=2"); NULL when
 * it is on another origin than base. */
static char *resolve_same_origin(const char *target, const char *base)
{
    size_t bo = origin_len(base);
    if (!bo)
        return NULL;
    struct buf b = {0};
    if (origin_len(target)) {
        if (origin_len(target) != bo || strncasecmp(target, base, bo) != 0)
            return NULL;
        buf_puts(&b, target);
    } else if (target[0] == '/' && target[1] != '/') {
        buf_append(&b, base, bo);
        buf_puts(&b, target);
    } else if (target[0] == '?') {
        buf_append(&b, base, strcspn(base, "?#"));
        buf_puts(&b, target);
    } else {
        return NULL;
    }
    return buf_take(&b);
}

char *connector_link_next(const char *link)
{
    /* Link: <url>; rel="next", <url>; rel="prev"; title="x" — a rel may list several types. */
    for (const char *p = link; p && *p;) {
        const char *open = strchr(p, '<');
        const char *close = open ? strchr(open, '>') : NULL;
        if (!close)
            return NULL;
        const char *params = close + 1;
        size_t plen = strcspn(params, "<");
        /* This link's parameters end at the comma before the next '<'. */
        bool next = false;
        for (const char *r = params; r < params + plen; r++) {
            if (strncasecmp(r, "rel", 3) != 0)
                continue;
            const char *v = r + 3;
            while (*v == ' ')
                v++;
            if (*v != '=')
                continue;
            v++;
            while (*v == ' ')
                v++;
            bool quoted = *v == '"';
            v += quoted;
            const char *end = v + strcspn(v, quoted ? "\"" : ";, ");
            for (const char *t = v; t < end;) {
                size_t tl = strcspn(t, " ");
                if ((size_t)(end - t) < tl)
                    tl = (size_t)(end - t);
                if (tl == 4 && strncasecmp(t, "next", 4) == 0)
                    next = true;
                t += tl;
                while (t < end && *t == ' ')
                    t++;
            }
            break;
        }
        if (next && close - open - 1 > 0 && close - open - 1 <= PAGE_TOKEN_MAX) {
            char *out = malloc((size_t)(close - open));
            if (out) {
                memcpy(out, open + 1, (size_t)(close - open - 1));
                out[close - open - 1] = '\0';
            }
            return out;
        }
        p = params + plen;
    }
    return NULL;
}

/* The next cursor as text (a number counts), or NULL when there is none. */
static char *cursor_text(const cJSON *v)
{
    if (cJSON_IsString(v) && *v->valuestring && strlen(v->valuestring) <= PAGE_TOKEN_MAX)
        return strdup(v->valuestring);
    if (cJSON_IsNumber(v))
        return json_print(v);
    return NULL;
}

int connector_pages_take(struct connector_pages *pg, long status, const cJSON *body,
                         const char *link, const char *url, const struct mapping_limits *limits,
                         char *err, size_t n)
{
    const struct connector_pagination *p = pg->p;
    pg->fetched++;
    if (status == 204) {
        stop(pg, "no content", false);
        return 0;
    }
    cJSON *items = NULL;
    if (body && connector_eval(p->items, body, body, limits, &items, err, n) != 0)
        return -1;
    if (items && !cJSON_IsArray(items)) {
        /* A single value counts as one item (JSONata gives one match without its array). */
        cJSON *one = cJSON_CreateArray();
        cJSON_AddItemToArray(one, items);
        items = one;
    }
    int count = cJSON_GetArraySize(items);
    while (items && items->child) {
        if (pg->max_items && cJSON_GetArraySize(pg->items) >= pg->max_items)
            break;
        cJSON_AddItemToArray(pg->items, cJSON_DetachItemViaPointer(items, items->child));
    }
    cJSON_Delete(items);
    if (count == 0) {
        stop(pg, "empty page", false);
        return 0;
    }
    if (pg->max_items && cJSON_GetArraySize(pg->items) >= pg->max_items) {
        stop(pg, "maxItems reached", true);
        return 0;
    }
    if (p->total_pages) {
        cJSON *total = NULL;
        if (connector_eval(p->total_pages, body, NULL, limits, &total, err, n) != 0)
            return -1;
        bool last = cJSON_IsNumber(total) && pg->fetched >= total->valuedouble;
        cJSON_Delete(total);
        if (last) {
            stop(pg, "last page", false);
            return 0;
        }
    }
    if ((p->style == PAGE_STYLE_PAGE || p->style == PAGE_STYLE_OFFSET) && count < pg->size) {
        stop(pg, "short page", false);
        return 0;
    }
    if (p->style == PAGE_STYLE_CURSOR) {
        cJSON *next = NULL;
        if (connector_eval(p->next_cursor, body, NULL, limits, &next, err, n) != 0)
            return -1;
        char *cursor = cursor_text(next);
        cJSON_Delete(next);
        /* A provider that hands back the cursor it was given would loop for ever. */
        if (!cursor || (pg->cursor && strcmp(cursor, pg->cursor) == 0)) {
            free(cursor);
            stop(pg, "no next cursor", false);
            return 0;
        }
        free(pg->cursor);
        pg->cursor = cursor;
    } else if (p->style == PAGE_STYLE_LINK) {
        char *target = connector_link_next(link);
        char *next = target && url ? resolve_same_origin(target, url) : NULL;
        if (target && !next) {
            connector_fail(err, n,
                           "pagination: the next link %.120s is not on the origin of %.120s",
                           target, url ? url : "the request");
            free(target);
            return -1;
        }
        free(target);
        if (!next || (pg->next_url && strcmp(next, pg->next_url) == 0)) {
            free(next);
            stop(pg, "no next link", false);
            return 0;
        }
        free(pg->next_url);
        pg->next_url = next;
    } else {
        pg->position += p->style == PAGE_STYLE_PAGE ? 1 : pg->size;
    }
    if (pg->fetched >= p->max_pages) {
        stop(pg, "maxPages reached", true);
        return 0;
    }
    return 0;
}

cJSON *connector_pages_result(struct connector_pages *pg)
{
    cJSON *items = pg->items ? pg->items : cJSON_CreateArray();
    pg->items = NULL;
    return items;
}

void connector_pages_clear(struct connector_pages *pg)
{
    free(pg->cursor);
    free(pg->next_url);
    cJSON_Delete(pg->items);
    memset(pg, 0, sizeof *pg);
}
