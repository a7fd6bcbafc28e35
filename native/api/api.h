/*
 * API handlers, one file per area, and the checks they share. Every handler runs after the
 * pipeline of http/server.c, so the caller is authenticated and req->json is parsed JSON or NULL.
 */
#ifndef SOLDER_API_H
#define SOLDER_API_H

#include "app.h"

/* api/health.c */
void api_healthz(struct request *req);
void api_jwks(struct request *req);

/* api/users.c */
void api_users_create(struct request *req);
void api_users_batch(struct request *req);
void api_users_list(struct request *req);
void api_users_get(struct request *req);
void api_users_update(struct request *req);
void api_users_delete(struct request *req);
void api_users_token(struct request *req);

/* api/common.c */

/* The body as an object; replies 400 and returns NULL when it is missing or not an object. */
const cJSON *api_body_object(struct request *req);

/*
 * Reads an optional string member: returns true and sets *out (borrowed, NULL when absent or null);
 * replies 400 naming the field and returns false when it has another type or exceeds max_len.
 */
bool api_optional_string(struct request *req, const cJSON *obj, const char *field, size_t max_len,
                         const char **out);

/*
 * Loads the user named by an id or username within the caller's environment. A user token may only
 * name its own user. Replies 404 and returns false when there is no such user for this caller.
 */
bool api_load_user(struct request *req, const char *id_or_name, struct user *out);

/* {userId, username?, fullName?} for a user. */
cJSON *api_user_json(const struct user *u);

#endif
