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
    struct integration integ;
    if (!api_load_integration(req, req->params[0], &integ))
        return;
    struct workflow_list wfs;
    int rc = store_workflows_of_integration(req->app->store, integ.id, &wfs);
    store_integration_clear(&integ);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "workflow");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    for (size_t k = 0; k < wfs.n; k++) {
        const struct workflow *wf = &wfs.items[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workflowId", wf->id);
        cJSON_AddStringToObject(o, "name", wf->name);
        cJSON_AddNumberToObject(o, "version", wf->version);
        cJSON_AddItemToObject(o, "createdAt", api_time_json(wf->created_at));
        cJSON_AddItemToObject(o, "updatedAt", api_time_json(wf->updated_at));
        cJSON_AddItemToObject(o, "draft",
                              wf->draft ? cJSON_Duplicate(wf->draft, true) : cJSON_CreateNull());
        cJSON_AddItemToArray(data, o);
    }
    store_workflow_list_free(&wfs);
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
    struct workflow wf;
    if (!api_load_workflow(req, req->params[0], &wf))
        return;
    struct workflow_version ver;
    int rc = store_workflow_version(req->app->store, wf.id, (int)version, &ver);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        reply_store_error(req, rc, "workflow");
    } else if (rc == STORE_NOT_FOUND || ver.version != version) {
        reply_error(req, 404, "not_found", "version %ld of this workflow was never released",
                    version);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workflowId", wf.id);
        cJSON_AddNumberToObject(o, "versionId", (double)version);
        cJSON_AddItemToObject(o, "releasedAt", api_time_json(ver.released_at));
        cJSON_AddItemToObject(o, "definition",
                              ver.definition ? ver.definition : cJSON_CreateNull());
        ver.definition = NULL;
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "data", o);
        reply_json(req, 200, out);
    }
    store_workflow_version_clear(&ver);
    store_workflow_clear(&wf);
}
