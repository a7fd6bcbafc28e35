/*
 * The generated route table against the generated OpenAPI document (both from native/api/routes/):
 * every row of API_ROUTES is an operation of the document with the same method, path, callers and
 * request body, and the document has no operation the table lacks; every body schema compiles;
 * literal segments come before parameters that would also match them.
 */
#include "check.h"

#include "api/api.h"
#include "app.h"
#include "http/validate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const METHODS[] = {"get", "post", "put", "patch", "delete"};

/* "/users/:userId/token" -> "/users/{userId}/token" */
static void templated(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 2 < cap; p++) {
        if (*p == ':') {
            out[o++] = '{';
            while (p[1] && p[1] != '/' && o + 2 < cap)
                out[o++] = *++p;
            out[o++] = '}';
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static bool security_allows(const cJSON *op, const char *scheme)
{
    const cJSON *req;
    cJSON_ArrayForEach(
        req, cJSON_GetObjectItem(op, "security")) if (cJSON_GetObjectItem(req, scheme)) return true;
    return false;
}

int main(void)
{
    cJSON *doc = cJSON_Parse(API_OPENAPI_JSON);
    CHECK(doc != NULL);
    const cJSON *paths = cJSON_GetObjectItem(doc, "paths");
    CHECK_STR(cJSON_GetObjectItem(doc, "openapi")->valuestring, "3.1.0");

    for (size_t i = 0; i < API_ROUTE_COUNT; i++) {
        const struct route *r = &API_ROUTES[i];
        char path[512];
        templated(r->pattern, path, sizeof path);
        const cJSON *item = cJSON_GetObjectItem(paths, path);
        const cJSON *op = NULL;
        for (size_t m = 0; m < sizeof METHODS / sizeof METHODS[0]; m++) {
            const char *name = http_method_name(r->method);
            if (strcasecmp(name, METHODS[m]) == 0)
                op = cJSON_GetObjectItem(item, METHODS[m]);
        }
        if (!op) {
            fprintf(stderr, "%s %s is not in the OpenAPI document\n", http_method_name(r->method),
                    r->pattern);
            CHECK(op != NULL);
            continue;
        }
        int schemes = cJSON_GetArraySize(cJSON_GetObjectItem(op, "security"));
        CHECK(((r->flags & ROUTE_PUBLIC) != 0) == (schemes == 0));
        CHECK(((r->flags & ROUTE_USER_TOKEN) != 0) == security_allows(op, "userToken"));
        CHECK(((r->flags & ROUTE_METRICS) != 0) == security_allows(op, "metricsToken"));
        if (r->flags & ROUTE_SESSION)
            CHECK(schemes == 1 && security_allows(op, "session"));
        CHECK((r->body_schema != NULL) == (cJSON_GetObjectItem(op, "requestBody") != NULL));
        CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(op, "responses"), "500") != NULL);

        /* No earlier row with a parameter where this one has a literal may match its paths. */
        for (size_t j = 0; j < i; j++) {
            char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
            int n;
            bool wrong;
            char probe[512];
            snprintf(probe, sizeof probe, "%s", r->pattern);
            for (char *c = probe; (c = strchr(c, ':'));)
                *c = 'x';
            const struct route *hit =
                router_match(&API_ROUTES[j], 1, API_ROUTES[j].method, probe, params, &n, &wrong);
            if (hit && API_ROUTES[j].method == r->method) {
                fprintf(stderr, "%s %s is shadowed by %s\n", http_method_name(r->method),
                        r->pattern, API_ROUTES[j].pattern);
                CHECK(hit == NULL);
            }
        }
    }

    /* The document has no operation the table lacks. */
    size_t operations = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, paths)
    {
        const cJSON *op;
        cJSON_ArrayForEach(op, item) operations++;
    }
    CHECK_INT(operations, API_ROUTE_COUNT);

    char err[256];
    CHECK_INT(http_validate_start(API_ROUTES, API_ROUTE_COUNT, err, sizeof err), 0);
    http_validate_stop();
    cJSON_Delete(doc);
    return check_summary("test_routes");
}
