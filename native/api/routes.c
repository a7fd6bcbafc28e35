/*
 * The route table: every API path Solder serves, with its handler and flags. Served under any dated
 * prefix (/2023-12/..., /2024-03/...) and unversioned. Literal segments come before parameters
 * that would also match them (/users/batch before /users/:userId).
 */
#include "api/api.h"

const struct route API_ROUTES[] = {
    {HTTP_GET, "/healthz", api_healthz, ROUTE_PUBLIC | ROUTE_BROWSER},
    {HTTP_GET, "/.well-known/jwks.json", api_jwks, ROUTE_PUBLIC | ROUTE_BROWSER},

    {HTTP_POST, "/users", api_users_create, 0},
    {HTTP_GET, "/users", api_users_list, 0},
    {HTTP_POST, "/users/batch", api_users_batch, 0},
    {HTTP_GET, "/users/:userId", api_users_get, ROUTE_USER_TOKEN | ROUTE_BROWSER},
    {HTTP_PUT, "/users/:userId", api_users_update, 0},
    {HTTP_DELETE, "/users/:userId", api_users_delete, 0},
    {HTTP_GET, "/users/:userId/token", api_users_token, 0},
    {HTTP_GET, "/user/:userId/token", api_users_token, 0},
};

const size_t API_ROUTE_COUNT = sizeof API_ROUTES / sizeof API_ROUTES[0];
