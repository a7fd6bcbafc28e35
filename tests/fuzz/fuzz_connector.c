/*
 * libFuzzer target for connector definitions. Input: a connector's JSON text, optionally followed
 * by a NUL byte and a scope's JSON text ({"inputs", "credential", "subscription", "delivery"}). A
 * definition that parses has every action and trigger request rendered over the scope, its URL
 * templates (baseUrl, authorizeUrl, tokenUrl) expanded under the host rules, its credential
 * metadata built and an error text derived from the scope; a paginated action is run
 * over the scope's "pages" (answers), whose Link values also go through the Link header parser.
 * Any crash, leak, sanitizer report or hang is a bug.
 */
#include "connector/connector.h"
#include "json/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct mapping_limits LIMITS = {.max_steps = 20000, .time_ms = 200};

static void render(const struct connector *c, const struct connector_request *r, const cJSON *scope)
{
    struct connector_http h;
    char err[128];
    if (connector_render(c, r, scope, NULL, &LIMITS, &h, err, sizeof err) == 0)
        connector_http_clear(&h);
}

/* Drives a paginated action over the scope's "pages" (a list of {status, body, link, url}) and
 * feeds each "link" to the Link header parser on its own. */
static void paginate(const struct connector_action *a, const cJSON *scope)
{
    const cJSON *pages = cJSON_GetObjectItem(scope, "pages"), *page;
    cJSON_ArrayForEach(page, pages)
    {
        const cJSON *link = cJSON_GetObjectItem(page, "link");
        free(connector_link_next(cJSON_IsString(link) ? link->valuestring : NULL));
    }
    if (!a->pagination)
        return;
    const cJSON *max = cJSON_GetObjectItem(scope, "maxItems");
    struct connector_pages pg;
    connector_pages_begin(&pg, a->pagination, cJSON_IsNumber(max) ? (long)max->valuedouble : 0);
    char err[128];
    cJSON_ArrayForEach(page, pages)
    {
        if (pg.done)
            break;
        cJSON_Delete(connector_pages_query(&pg));
        (void)connector_pages_url(&pg);
        const cJSON *status = cJSON_GetObjectItem(page, "status");
        const cJSON *link = cJSON_GetObjectItem(page, "link"),
                    *url = cJSON_GetObjectItem(page, "url");
        if (connector_pages_take(&pg, cJSON_IsNumber(status) ? (long)status->valuedouble : 200,
                                 cJSON_GetObjectItem(page, "body"),
                                 cJSON_IsString(link) ? link->valuestring : NULL,
                                 cJSON_IsString(url) ? url->valuestring : "https://h/items",
                                 &LIMITS, err, sizeof err) != 0)
            break;
    }
    cJSON_Delete(connector_pages_result(&pg));
    connector_pages_clear(&pg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t def_len = nul ? (size_t)(nul - data) : size;
    cJSON *doc = json_parse((const char *)data, def_len, JSON_MAX_DEPTH, NULL);
    if (!doc)
        return 0;
    cJSON *scope =
        nul ? json_parse((const char *)nul + 1, size - def_len - 1, JSON_MAX_DEPTH, NULL) : NULL;
    char err[256];
    struct connector *c = connector_parse(doc, err, sizeof err);
    if (c) {
        for (int i = 0; i < c->nactions; i++) {
            render(c, &c->actions[i].request, scope);
            paginate(&c->actions[i], scope);
        }
        for (int i = 0; i < c->ntriggers; i++) {
            if (c->triggers[i].polling) {
                render(c, &c->triggers[i].poll, scope);
                cJSON *items = NULL;
                if (connector_eval(c->triggers[i].items, scope, NULL, &LIMITS, &items, err,
                                   sizeof err) == 0) {
                    const cJSON *item;
                    cJSON_ArrayForEach(item, items)
                    {
                        cJSON *key = NULL;
                        connector_eval(c->triggers[i].key, item, NULL, &LIMITS, &key, err,
                                       sizeof err);
                        cJSON_Delete(key);
                    }
                }
                cJSON_Delete(items);
                continue;
            }
            render(c, &c->triggers[i].subscribe, scope);
            if (c->triggers[i].has_unsubscribe)
                render(c, &c->triggers[i].unsubscribe, scope);
            if (c->triggers[i].has_enrich)
                render(c, &c->triggers[i].enrich, scope);
            if (c->triggers[i].verify_secret) {
                char *s =
                    connector_template(c->triggers[i].verify_secret, scope, false, err, sizeof err);
                free(s);
            }
        }
        const char *urls[] = {c->oauth_authorize_url, c->oauth_token_url, c->base_url};
        for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
            free(urls[i] ? connector_url(c, urls[i], scope, err, sizeof err) : NULL);
        cJSON_Delete(connector_credential_metadata(c, "name"));
        char msg[128];
        connector_error_text(c, 400, cJSON_GetObjectItem(scope, "delivery"), msg, sizeof msg);
        connector_free(c);
    }
    cJSON_Delete(scope);
    cJSON_Delete(doc);
    return 0;
}
