/*
 * libFuzzer target for workflow definitions. Input: a definition's JSON text, optionally followed
 * by a NUL byte and an event's JSON text. A valid definition is also summarised, compared with
 * itself, checked against an empty configuration and executed over the event (resumed after
 * delays and retries) by a host whose calls mostly succeed, under tight expression limits. Any
 * crash, leak, sanitizer report or hang is a bug.
 */
#include "json/json.h"
#include "workflow/workflow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void echo_call(void *ctx, const struct wf_call *call, struct wf_call_result *res)
{
    int *calls = ctx;
    if (++*calls % 3 == 0) {
        res->failed = true;
        res->retryable = *calls % 2;
        return;
    }
    res->output = cJSON_Duplicate(call->inputs, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t def_len = nul ? (size_t)(nul - data) : size;
    cJSON *doc = json_parse((const char *)data, def_len, JSON_MAX_DEPTH, NULL);
    if (!doc)
        return 0;
    cJSON *event =
        nul ? json_parse((const char *)nul + 1, size - def_len - 1, JSON_MAX_DEPTH, NULL) : NULL;
    struct workflow_errors errs = {0};
    struct workflow_def *def = workflow_parse(doc, &errs);
    cJSON_Delete(workflow_errors_json(&errs));
    workflow_errors_free(&errs);
    if (def) {
        cJSON_Delete(workflow_blocks_summary(def));
        cJSON_Delete(workflow_fields_json(def));
        char reason[128];
        workflow_fields_compatible(def, def, reason, sizeof reason);
        workflow_config_validate(def, NULL, &errs);
        workflow_errors_free(&errs);

        int calls = 0;
        struct mapping_limits limits = {64, 20000, 0, (size_t)16 << 20};
        struct wf_host host = {echo_call, NULL, &calls, &limits};
        struct wf_state st;
        memset(&st, 0, sizeof st);
        st.context = workflow_context_new(event, NULL, NULL, "x", 1);
        for (int run = 0; run < 4 && st.context; run++) {
            enum wf_outcome o = workflow_execute(def, &st, &host);
            if (o != WF_RETRY && o != WF_DELAYED)
                break;
        }
        workflow_state_clear(&st);
        workflow_free(def);
    }
    char *text = malloc(def_len + 1);
    if (text) {
        memcpy(text, data, def_len);
        text[def_len] = 0;
        free(workflow_validate_json(text));
        free(text);
    }
    cJSON_Delete(doc);
    cJSON_Delete(event);
    return 0;
}
