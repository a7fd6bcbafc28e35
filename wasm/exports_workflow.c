/*
 * WASM export of shared/workflow: the workflow builder validates a definition as it is edited,
 * with the same C the server runs when the definition is saved. Takes NUL-terminated UTF-8 and
 * returns malloc'd JSON text that the caller frees with solder_free.
 */
#include "workflow/workflow.h"

#include <emscripten.h>

/* {"valid":true,"blocks":[...],"fields":[...]} or {"valid":false,"errors":[{path,message}]}
 * (see workflow_validate_json). */
EMSCRIPTEN_KEEPALIVE char *solder_workflow_validate(const char *json)
{
    return workflow_validate_json(json);
}
