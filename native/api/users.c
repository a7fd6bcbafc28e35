/*
 * Users API: end users of the caller's environment, and the short-lived tokens the browser SDK
 * uses for them. Shapes follow the 2024-03 reference.
 */
#include "api/api.h"

#include "json/json.h"
#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest username or full name a batch entry may have: generous for emails, small enough to
 * index (the same bound the routes' schemas put on single users). */
#define USER_FIELD_MAX 255
/* Largest page of GET /users?search=: a screenful for a search box, not an export (without
 * search, page and limit the whole list is answered, as the reference does). */
#define USERS_PAGE_MAX     100
#define USERS_PAGE_DEFAULT 50
/* Highest page number accepted: keeps page * limit within an int. */
#define USERS_MAX_PAGE 1000000

void api_users_create(struct request *req)
{
    const char *username = json_get_str(req->json, "username");
    const char *full_name = json_get_str(req->json, "fullName");
    struct user u = {.username = (char *)username, .full_name = (char *)full_name};
    snprintf(u.env_id, sizeof u.env_id, "%s", req->who.env.id);
    u.created_at = u.updated_at = plat_now_ms();
    if (id_new(u.id) != 0) {
        reply_error(req, 500, "internal", "no randomness available");
        return;
    }
    int rc = store_user_insert(req->app->store, &u);
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "a user with username '%s' already exists", username);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "user");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "userId", u.id);
    reply_json(req, 200, out);
}

/* Whether one batch entry can be created; the reason is not reported per entry (reference shape).
 */
static bool batch_entry_valid(const cJSON *e)
{
    if (!cJSON_IsObject(e))
        return false;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "username");
    const cJSON *full = cJSON_GetObjectItemCaseSensitive(e, "fullName");
    return cJSON_IsString(name) && name->valuestring[0] &&
           strlen(name->valuestring) <= USER_FIELD_MAX &&
           (!full || cJSON_IsNull(full) ||
            (cJSON_IsString(full) && strlen(full->valuestring) <= USER_FIELD_MAX));
}

void api_users_batch(struct request *req)
{
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(req->json, "users");
    struct store *s = req->app->store;
    cJSON *invalid = cJSON_CreateArray(), *created = cJSON_CreateArray();
    if (store_begin(s) != STORE_OK) {
        cJSON_Delete(invalid);
        cJSON_Delete(created);
        reply_store_error(req, STORE_ERROR, "user");
        return;
    }
    int64_t now = plat_now_ms();
    const cJSON *e;
    cJSON_ArrayForEach(e, users)
    {
        int rc = STORE_CONFLICT;
        struct user u = {.created_at = now, .updated_at = now};
        if (batch_entry_valid(e) && id_new(u.id) == 0) {
            snprintf(u.env_id, sizeof u.env_id, "%s", req->who.env.id);
            u.username = cJSON_GetObjectItemCaseSensitive(e, "username")->valuestring;
            u.full_name = (char *)json_get_str(e, "fullName");
            rc = store_user_insert(s, &u);
        }
        if (rc == STORE_OK) {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "userId", u.id);
            cJSON_AddStringToObject(c, "username", u.username);
            cJSON_AddItemToArray(created, c);
        } else if (rc == STORE_CONFLICT) {
            cJSON_AddItemToArray(invalid, cJSON_Duplicate(e, true));
        } else {
            store_rollback(s);
            cJSON_Delete(invalid);
            cJSON_Delete(created);
            reply_store_error(req, rc, "user");
            return;
        }
    }
    if (store_commit(s) != STORE_OK) {
        store_rollback(s);
        cJSON_Delete(invalid);
        cJSON_Delete(created);
        reply_store_error(req, STORE_ERROR, "user");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "message", "success");
    cJSON_AddItemToObject(out, "invalidUsers", invalid);
    cJSON_AddItemToObject(out, "users", created);
    reply_json(req, 200, out);
}

static int collect_user(const struct user *u, void *arg)
{
    cJSON_AddItemToArray(arg, api_user_json(u));
    return 0;
}

/* GET /users?parentWorkflowId=: the users who installed that workflow, in installation order. */
static void users_of_workflow(struct request *req, const char *workflow)
{
    cJSON *data = api_workflow_installers(req, workflow, false);
    if (!data)
        return;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

/* GET /users?search=&page=&limit=: one page of the users matching a search, newest first. */
static void users_page(struct request *req)
{
    long page, limit;
    if (!api_query_int(req, "page", 0, USERS_MAX_PAGE, 0, &page) ||
        !api_query_int(req, "limit", 1, USERS_PAGE_MAX, USERS_PAGE_DEFAULT, &limit))
        return;
    char *search = request_query(req, "search");
    if (search && strlen(search) > USER_FIELD_MAX) {
        free(search);
        reply_error(req, 400, "bad_request", "search may hold at most %d characters",
                    USER_FIELD_MAX);
        return;
    }
    struct user_list users;
    int64_t total;
    int rc = store_users_search(req->app->store, req->who.env.id, search, (int)(page * limit),
                                (int)limit, &users, &total);
    free(search);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "user");
        return;
    }
    cJSON *rows = cJSON_CreateArray();
    for (size_t i = 0; i < users.n; i++) {
        const struct user *u = &users.items[i];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "userId", u->id);
        api_add_str(r, "username", u->username);
        api_add_str(r, "fullName", u->full_name);
        cJSON_AddItemToObject(r, "createdAt", api_time_json(u->created_at));
        cJSON_AddItemToArray(rows, r);
    }
    store_user_list_free(&users);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", rows);
    cJSON_AddNumberToObject(out, "page", (double)page);
    cJSON_AddNumberToObject(out, "limit", (double)limit);
    cJSON_AddNumberToObject(out, "total", (double)total);
    reply_json(req, 200, out);
}

void api_users_list(struct request *req)
{
    char *parent = request_query(req, "parentWorkflowId");
    if (parent && *parent) {
        users_of_workflow(req, parent);
        free(parent);
        return;
    }
    free(parent);
    static const char *const PAGED[] = {"search", "page", "limit"};
    for (size_t i = 0; i < sizeof PAGED / sizeof PAGED[0]; i++) {
        char *v = request_query(req, PAGED[i]);
        bool named = v != NULL;
        free(v);
        if (named) {
            users_page(req);
            return;
        }
    }
    cJSON *data = cJSON_CreateArray();
    int rc = store_user_each(req->app->store, req->who.env.id, collect_user, data);
    if (rc != STORE_OK) {
        cJSON_Delete(data);
        reply_store_error(req, rc, "user");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_users_get(struct request *req)
{
    struct user u;
    if (!api_load_user(req, req->params[0], &u))
        return;
    reply_json(req, 200, api_user_json(&u));
    store_user_clear(&u);
}

void api_users_update(struct request *req)
{
    const char *username = json_get_str(req->json, "username");
    const char *full_name = json_get_str(req->json, "fullName");
    struct user u;
    if (!api_load_user(req, req->params[0], &u))
        return;
    int rc = store_user_update(req->app->store, req->who.env.id, u.id, username, full_name,
                               plat_now_ms());
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "a user with username '%s' already exists", username);
    } else if (rc != STORE_OK) {
        reply_store_error(req, rc, "user");
    } else {
        struct user updated;
        if (api_load_user(req, u.id, &updated)) {
            reply_json(req, 200, api_user_json(&updated));
            store_user_clear(&updated);
        }
    }
    store_user_clear(&u);
}

void api_users_delete(struct request *req)
{
    struct user u;
    if (!api_load_user(req, req->params[0], &u))
        return;
    int rc = store_user_delete(req->app->store, req->who.env.id, u.id);
    store_user_clear(&u);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "user");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "success");
    reply_json(req, 200, out);
}

char *api_mint_token(struct request *req, const struct user *u, int64_t ttl, const char *scope,
                     const char *integration_id)
{
    struct token_subject sub = {
        .user_id = u->id,
        .username = u->username,
        .env = req->who.env.name,
        .issuer = req->app->cfg.public_url,
        .audience = APP_TOKEN_AUDIENCE,
        .now = plat_now_ms() / 1000,
        .ttl = ttl,
        .scope = scope,
        .integration_id = integration_id,
    };
    return crypto_token_mint(&req->app->signing_key, &sub);
}

void api_users_token(struct request *req)
{
    struct user u;
    if (!api_load_user(req, req->params[0], &u))
        return;
    char *token = api_mint_token(req, &u, APP_TOKEN_TTL, NULL, NULL);
    store_user_clear(&u);
    if (!token) {
        reply_error(req, 500, "internal", "could not sign the token (request %s)", req->request_id);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "token", token);
    free(token);
    reply_json(req, 200, out);
}
