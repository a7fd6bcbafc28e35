/*
 * Promote: development's catalog into production from the dashboard — what `solder export --env
 * development` then `solder import --env production` do, first shown, then applied in one
 * transaction. Not here: the document itself (api/catalog_doc.c).
 */
#include "api/api.h"
#include "api/catalog_doc.h"

/* The development document and its problems; false after replying when the store fails. */
static bool source(struct request *req, cJSON **doc, cJSON **problems, struct environment *to)
{
    struct environment from;
    struct store *s = req->app->store;
    if (store_environment_by_name(s, "development", &from) != STORE_OK ||
        store_environment_by_name(s, "production", to) != STORE_OK ||
        !(*doc = catalog_doc_export(s, from.id))) {
        reply_store_error(req, STORE_ERROR, "catalog");
        return false;
    }
    *problems = catalog_doc_problems(*doc);
    return true;
}

void api_promote_preview(struct request *req)
{
    cJSON *doc, *problems, *changes = NULL;
    struct environment to;
    if (!source(req, &doc, &problems, &to))
        return;
    int rc = cJSON_GetArraySize(problems) == 0
                 ? catalog_doc_import(req->app->store, to.id, doc, true, true, NULL, &changes, NULL)
                 : STORE_OK;
    cJSON_Delete(doc);
    if (rc != STORE_OK) {
        cJSON_Delete(problems);
        cJSON_Delete(changes);
        reply_store_error(req, rc, "catalog");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "changes", changes ? changes : cJSON_CreateArray());
    cJSON_AddItemToObject(out, "errors", problems);
    reply_json(req, 200, out);
}

void api_promote(struct request *req)
{
    cJSON *doc, *problems, *changes = NULL;
    struct environment to;
    if (!source(req, &doc, &problems, &to))
        return;
    if (cJSON_GetArraySize(problems) > 0) {
        cJSON_Delete(doc);
        api_reply_invalid(
            req, "development has drafts that cannot be released; nothing was promoted", problems);
        return;
    }
    cJSON_Delete(problems);
    struct store *s = req->app->store;
    char actor[API_ACTOR_MAX + 1];
    api_actor(req, actor);
    int rc = store_begin(s);
    if (rc == STORE_OK)
        rc =
            catalog_doc_import(s, to.id, doc, true, false, actor[0] ? actor : NULL, &changes, NULL);
    if (rc == STORE_OK)
        rc = store_commit(s);
    else
        store_rollback(s);
    cJSON_Delete(doc);
    if (rc != STORE_OK) {
        cJSON_Delete(changes);
        reply_store_error(req, rc, "catalog");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "changes", changes);
    reply_json(req, 200, out);
}
