/*
 * What the workflow builder reads beyond the Alloy API: an integration's workflows with their
 * drafts (GET /integrations/{id}/workflows; the Alloy views list released workflows only) and one
 * released version's definition (GET /workflows/{id}/versions/{version}), for the versions diff.
 * API key or dashboard session. Writing drafts and releasing stay in workflows.c.
 */
#include "api/api.h"

#include "json/json.h"
#include "store/catalog.h"

#include <stdlib.h>

void api_builder_workflows(struct request *req)
{
    cJSON *integ = api_load_integration(req, req->params[0]);
    if (!integ)
        return;
    cJSON *rows = NULL;
    int rc = store_workflows_of_integration(req->app->store, json_get_str(integ, "integrationId"),
                                            &rows);
    cJSON_Delete(integ);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "workflow");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    const cJSON *wf;
    cJSON_ArrayForEach(wf, rows)
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workflowId", json_get_str(wf, "workflowId"));
        cJSON_AddStringToObject(o, "name", json_get_str(wf, "name"));
        cJSON_AddNumberToObject(o, "version", cJSON_GetObjectItem(wf, "version")->valuedouble);
        api_add_time(o, "createdAt", wf, "createdAt");
        api_add_time(o, "updatedAt", wf, "updatedAt");
        const cJSON *draft = cJSON_GetObjectItem(wf, "draft");
        cJSON_AddItemToObject(o, "draft",
                              draft ? cJSON_Duplicate(draft, true) : cJSON_CreateNull());
        cJSON_AddItemToArray(data, o);
    }
    cJSON_Delete(rows);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

void api_builder_version(struct request *req)
{
    char *end;
    long version = strtol(req->params[1], &end, 10);
    if (*end || version < 1 || version > 1000000) {
        reply_error(req, 400, "bad_request", "version must be a released version number");
        return;
    }
    cJSON *wf = api_load_workflow(req, req->params[0]);
    if (!wf)
        return;
    cJSON *row = NULL;
    int rc =
        store_workflow_version(req->app->store, json_get_str(wf, "workflowId"), (int)version, &row);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "workflow");
    } else if (!row || cJSON_GetObjectItem(row, "version")->valuedouble != (double)version) {
        reply_error(req, 404, "not_found", "version %ld of this workflow was never released",
                    version);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workflowId", json_get_str(wf, "workflowId"));
        cJSON_AddNumberToObject(o, "versionId", (double)version);
        api_add_time(o, "releasedAt", row, "releasedAt");
        cJSON *def = cJSON_DetachItemFromObject(row, "definition");
        cJSON_AddItemToObject(o, "definition", def ? def : cJSON_CreateNull());
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "data", o);
        reply_json(req, 200, out);
    }
    cJSON_Delete(row);
    cJSON_Delete(wf);
}
