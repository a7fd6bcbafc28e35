/* Router: pattern matching, parameters, version prefixes, wrong methods, URL decoding. */
#include "check.h"

#include "http/http.h"

static void h(struct request *req)
{
    (void)req;
}

static const struct route TABLE[] = {
    {HTTP_GET, "/healthz", h, ROUTE_PUBLIC, NULL},
    {HTTP_POST, "/users", h, 0, NULL},
    {HTTP_GET, "/users", h, 0, NULL},
    {HTTP_POST, "/users/batch", h, 0, NULL},
    {HTTP_GET, "/users/:userId", h, 0, NULL},
    {HTTP_DELETE, "/users/:userId", h, 0, NULL},
    {HTTP_GET, "/users/:userId/token", h, 0, NULL},
    {HTTP_GET, "/users/:userId/integrations/:integrationId/install-url", h, 0, NULL},
};
#define N (sizeof TABLE / sizeof TABLE[0])

static const struct route *match(enum http_method m, const char *path, int *np, bool *wrong,
                                 char params[][ROUTE_PARAM_MAX])
{
    return router_match(TABLE, N, m, path, params, np, wrong);
}

int main(void)
{
    char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
    int np;
    bool wrong;

    CHECK(match(HTTP_GET, "/healthz", &np, &wrong, params) == &TABLE[0]);
    CHECK(match(HTTP_HEAD, "/healthz", &np, &wrong, params) == &TABLE[0]);
    CHECK(match(HTTP_GET, "/users", &np, &wrong, params) == &TABLE[2]);
    CHECK(match(HTTP_GET, "/users/", &np, &wrong, params) == &TABLE[2]);
    CHECK(match(HTTP_POST, "/users/batch", &np, &wrong, params) == &TABLE[3]);

    const struct route *r = match(HTTP_GET, "/users/gregg/token", &np, &wrong, params);
    CHECK(r == &TABLE[6]);
    CHECK_INT(np, 1);
    CHECK_STR(params[0], "gregg");

    r = match(HTTP_GET, "/users/support%40runalloy.com", &np, &wrong, params);
    CHECK(r == &TABLE[4]);
    CHECK_STR(params[0], "support@runalloy.com");

    r = match(HTTP_GET, "/users/u1/integrations/i2/install-url", &np, &wrong, params);
    CHECK(r == &TABLE[7]);
    CHECK_INT(np, 2);
    CHECK_STR(params[1], "i2");

    /* A path served for other methods only. */
    CHECK(match(HTTP_PUT, "/users", &np, &wrong, params) == NULL);
    CHECK(wrong);
    /* Nothing at all. */
    CHECK(match(HTTP_GET, "/nope", &np, &wrong, params) == NULL);
    CHECK(!wrong);
    CHECK(match(HTTP_GET, "/users//token", &np, &wrong, params) == NULL);
    CHECK(match(HTTP_GET, "/users/a/b/c", &np, &wrong, params) == NULL);
    /* Bad escapes and NUL bytes are refused, never decoded. */
    CHECK(match(HTTP_GET, "/users/%zz", &np, &wrong, params) == NULL);
    CHECK(match(HTTP_GET, "/users/a%00b", &np, &wrong, params) == NULL);
    CHECK(match(HTTP_GET, "/users/abc%4", &np, &wrong, params) == NULL);

    char version[8];
    CHECK_STR(router_strip_version("/2023-12/users", version), "/users");
    CHECK_STR(version, "2023-12");
    CHECK_STR(router_strip_version("/2024-03", version), "/");
    CHECK_STR(router_strip_version("/users", version), "/users");
    CHECK_STR(version, "");
    CHECK_STR(router_strip_version("/2024-3/users", version), "/2024-3/users");
    CHECK_STR(router_strip_version("/2024-031/users", version), "/2024-031/users");

    char out[16];
    CHECK(url_decode("a+b%20c", 7, out, sizeof out, true));
    CHECK_STR(out, "a b c");
    CHECK(url_decode("a+b", 3, out, sizeof out, false));
    CHECK_STR(out, "a+b");
    CHECK(!url_decode("0123456789abcdefXYZ", 19, out, sizeof out, false));
    return check_summary("router");
}
