/*
 * The request pipeline's schema step (http/validate.c): request bodies checked against the JSON
 * Schema their route describes, before the handler runs.
 */
#ifndef SOLDER_HTTP_VALIDATE_H
#define SOLDER_HTTP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

struct request;
struct route;

/* The route table the server was given (the api part's, handed over by the command that starts
 * the server), which the schema step and the metrics index by route. */
extern const struct route *http_routes;
extern size_t http_route_count;

/* Keeps routes (count rows) as http_routes and compiles every route's body schema (once per
 * process). Returns 0, or -1 with err naming the route whose schema does not compile. */
int http_validate_start(const struct route *routes, size_t count, char *err, size_t err_len);
void http_validate_stop(void);

/* Whether req->json fits its route's body schema (true when the route has none); otherwise
 * replies 422 with every error and returns false. A missing body is checked as null unless the
 * route marks its body optional. */
bool http_validate_body(struct request *req);

#endif
