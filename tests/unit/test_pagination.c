/*
 * Pagination of list actions (shared/connector/paginate.c): the cases of
 * tests/unit/pagination.json, each a pagination definition (parsed as an action of a connector),
 * an optional maxItems and the answers a provider gives in turn. Checked: the query parameters (and
 * link-style URLs) of every request, the items gathered, why and whether it stopped early, errors,
 * and the reasons bad definitions are refused. Also the Link header parser on its own.
 */
#include "cli/cli.h"
#include "check.h"

#include "connector/connector.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A connector with one action "list" carrying the case's pagination (and output, if any). */
static struct connector *parse_case(const cJSON *tc, char *err, size_t n)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "app", "paged");
    cJSON_AddStringToObject(doc, "name", "Paged");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "auth"), "type", "none");
    cJSON *action = cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "actions"), "list");
    cJSON_AddStringToObject(action, "method", "GET");
    cJSON_AddStringToObject(action, "path", "/items");
    cJSON_AddItemToObject(action, "pagination",
                          cJSON_Duplicate(cJSON_GetObjectItem(tc, "pagination"), true));
    const char *output = json_get_str(tc, "output");
    if (output)
        cJSON_AddStringToObject(action, "output", output);
    struct connector *c = connector_parse(doc, err, n);
    cJSON_Delete(doc);
    return c;
}

static void run_case(const cJSON *tc)
{
    const char *name = json_get_str(tc, "name");
    const cJSON *expect = cJSON_GetObjectItem(tc, "expect");
    char err[256] = "";
    struct connector *c = parse_case(tc, err, sizeof err);
    const char *parse_error = json_get_str(tc, "parseError");
    if (parse_error) {
        CHECK(c == NULL);
        if (!strstr(err, parse_error))
            fprintf(stderr, "%s: refused with \"%s\", expected \"%s\"\n", name, err, parse_error);
        CHECK(strstr(err, parse_error) != NULL);
        connector_free(c);
        return;
    }
    if (!c) {
        fprintf(stderr, "%s: %s\n", name, err);
        CHECK(c != NULL);
        return;
    }
    const struct connector_action *a = connector_action(c, "list");
    const cJSON *max = cJSON_GetObjectItem(tc, "maxItems");
    struct connector_pages pg;
    connector_pages_begin(&pg, a->pagination, cJSON_IsNumber(max) ? (long)max->valuedouble : 0);
    const cJSON *answers = cJSON_GetObjectItem(tc, "answers");
    const cJSON *queries = cJSON_GetObjectItem(expect, "queries");
    const cJSON *urls = cJSON_GetObjectItem(expect, "urls");
    int requests = 0, failed = 0;
    while (!pg.done && requests < cJSON_GetArraySize(answers)) {
        cJSON *q = connector_pages_query(&pg);
        const cJSON *want = cJSON_GetArrayItem(queries, requests);
        if (!json_equal(q, want)) {
            char *got = json_print(q);
            fprintf(stderr, "%s: request %d asked %s\n", name, requests + 1, got);
            free(got);
        }
        CHECK(json_equal(q, want));
        cJSON_Delete(q);
        const cJSON *want_url = cJSON_GetArrayItem(urls, requests);
        const char *url = connector_pages_url(&pg);
        if (cJSON_IsString(want_url))
            CHECK_STR(url, want_url->valuestring);
        else
            CHECK(url == NULL);
        const cJSON *ans = cJSON_GetArrayItem(answers, requests);
        const cJSON *status = cJSON_GetObjectItem(ans, "status");
        requests++;
        if (connector_pages_take(&pg, cJSON_IsNumber(status) ? (long)status->valuedouble : 200,
                                 cJSON_GetObjectItem(ans, "body"), json_get_str(ans, "link"),
                                 json_get_str(ans, "url"), NULL, err, sizeof err) != 0) {
            failed = 1;
            break;
        }
    }
    CHECK_INT(requests, cJSON_GetArraySize(queries));
    const char *want_error = json_get_str(expect, "error");
    if (want_error) {
        CHECK(failed);
        if (!strstr(err, want_error))
            fprintf(stderr, "%s: failed with \"%s\", expected \"%s\"\n", name, err, want_error);
        CHECK(strstr(err, want_error) != NULL);
    } else {
        if (failed)
            fprintf(stderr, "%s: %s\n", name, err);
        CHECK(!failed);
        CHECK(pg.done);
        CHECK_STR(pg.stop, json_get_str(expect, "stop"));
        CHECK_INT(pg.truncated, cJSON_IsTrue(cJSON_GetObjectItem(expect, "truncated")));
        cJSON *items = connector_pages_result(&pg);
        if (!json_equal(items, cJSON_GetObjectItem(expect, "items"))) {
            char *got = json_print(items);
            fprintf(stderr, "%s: items %s\n", name, got);
            free(got);
        }
        CHECK(json_equal(items, cJSON_GetObjectItem(expect, "items")));
        cJSON_Delete(items);
    }
    connector_pages_clear(&pg);
    connector_free(c);
}

static void test_link_header(void)
{
    static const struct {
        const char *header, *next;
    } CASES[] = {
        {"<https://a/x?page=2>; rel=\"next\"", "https://a/x?page=2"},
        {"<https://a/x?page=1>; rel=\"prev\", <https://a/x?page=3>; rel=\"next\"",
         "https://a/x?page=3"},
        {"<https://a/x?page=3>; rel=\"prev next\"; title=\"more\"", "https://a/x?page=3"},
        {"<https://a/x?page=3>; REL=Next", "https://a/x?page=3"},
        {"<https://a/x?page=3>; rel=\"nextpage\"", NULL},
        {"<https://a/x?page=1>; rel=\"prev\"", NULL},
        {"<https://a/x?page=3; rel=next", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char *next = connector_link_next(CASES[i].header);
        if (CASES[i].next)
            CHECK_STR(next, CASES[i].next);
        else
            CHECK(next == NULL);
        free(next);
    }
    CHECK(connector_link_next(NULL) == NULL);
}

/* A paginated action's inputs accept maxItems even when its schema forbids other members. */
static cJSON *parse(const char *text)
{
    return json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
}

static void test_max_items_input(void)
{
    char err[256];
    cJSON *doc = parse("{\"app\":\"p\",\"name\":\"P\",\"auth\":{\"type\":\"none\"},"
                       "\"actions\":{\"list\":{\"method\":\"GET\",\"path\":\"/x\","
                       "\"inputs\":{\"type\":\"object\",\"additionalProperties\":false},"
                       "\"pagination\":{\"style\":\"page\",\"param\":\"page\"}}}}");
    struct connector *c = connector_parse(doc, err, sizeof err);
    CHECK(c != NULL);
    const struct connector_action *a = c ? connector_action(c, "list") : NULL;
    cJSON *ok = parse("{\"maxItems\": 5}");
    cJSON *bad = parse("{\"maxItems\": 0}");
    struct schema_result r = {0};
    CHECK(a && schema_validate(a->inputs, ok, &r));
    schema_result_free(&r);
    CHECK(a && !schema_validate(a->inputs, bad, &r));
    schema_result_free(&r);
    cJSON_Delete(ok);
    cJSON_Delete(bad);
    cJSON_Delete(doc);
    connector_free(c);
}

int main(void)
{
    cJSON *cases = cli_read_json(SOLDER_CASES_DIR "/../unit/pagination.json"), *tc;
    CHECK(cJSON_GetArraySize(cases) > 0);
    cJSON_ArrayForEach(tc, cases) run_case(tc);
    cJSON_Delete(cases);
    test_link_header();
    test_max_items_input();
    return check_summary("test_pagination");
}
