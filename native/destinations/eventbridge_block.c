/*
 * The eventbridge block: its entries (the 'entries' input, or one event from source, detailType,
 * detail, eventBusName), sent with PutEvents through the one outbound path, signed with the
 * credential's keys (static, or with a session token). Entries the answer reports throttled or
 * internally failed are sent again, alone, twice at most within the call; what still failed is
 * reported per entry. The block is retried as a whole only when nothing was accepted, so accepted
 * events are not sent twice.
 */
#include "destinations/internal.h"

#include "destinations/eventbridge.h"
#include "engine/outbound.h"
#include "json/json.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Sends of the failed entries after the first, and the pause before the first of them (doubling).
 */
#define ENTRY_RESENDS   2
#define RESEND_PAUSE_MS 200

/* The entries the block's inputs describe, in the API's shape; NULL with msg set. */
static cJSON *entries_of(const cJSON *inputs, char *msg, size_t n)
{
    const cJSON *given = cJSON_GetObjectItem(inputs, "entries");
    const char *bus = json_get_str(inputs, "eventBusName");
    cJSON *single = NULL;
    if (!given) {
        single = cJSON_CreateArray();
        cJSON_AddItemToArray(single, cJSON_Duplicate(inputs, true));
        given = single;
    } else if (cJSON_IsObject(given)) {
        single = cJSON_CreateArray();
        cJSON_AddItemToArray(single, cJSON_Duplicate(given, true));
        given = single;
    }
    int count = cJSON_GetArraySize(given);
    cJSON *out = NULL;
    if (!cJSON_IsArray(given) || count < 1 || count > EVENTBRIDGE_MAX_ENTRIES) {
        snprintf(msg, n, "input 'entries' must evaluate to 1 to %d entries (PutEvents' limit)",
                 EVENTBRIDGE_MAX_ENTRIES);
    } else {
        out = cJSON_CreateArray();
        const cJSON *e;
        int i = 0;
        cJSON_ArrayForEach(e, given)
        {
            char err[200];
            cJSON *one = eventbridge_entry(e, bus, err, sizeof err);
            if (!one) {
                snprintf(msg, n, "entry %d: %s", i, err);
                cJSON_Delete(out);
                out = NULL;
                break;
            }
            cJSON_AddItemToArray(out, one);
            i++;
        }
    }
    cJSON_Delete(single);
    return out;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void eventbridge_run(const struct destination_call *call, const struct wf_block *block,
                     const cJSON *cred, const cJSON *inputs, struct wf_call_result *res)
{
    res->failed = true;
    char msg[256] = "";
    cJSON *entries = entries_of(inputs, msg, sizeof msg);
    if (!entries) {
        snprintf(res->message, sizeof res->message, "Amazon EventBridge: %.230s", msg);
        return;
    }
    struct eventbridge_target target = {
        .region = json_get_str(cred, "region"),
        .access_key_id = json_get_str(cred, "accessKeyId"),
        .secret_access_key = json_get_str(cred, "secretAccessKey"),
        .session_token = json_get_str(cred, "sessionToken"),
        .endpoint = json_get_str(cred, "baseUrl"),
    };
    int n = cJSON_GetArraySize(entries);
    cJSON *results = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(results, cJSON_CreateNull());
    int pending[EVENTBRIDGE_MAX_ENTRIES], npending = n, accepted = 0;
    for (int i = 0; i < n; i++)
        pending[i] = i;
    /* final_failure: the request itself will not pass; entries_final: an entry was refused for
     * good (a validation error, an unknown bus). */
    bool retry_whole = false, final_failure = false, entries_final = false;
    for (int round = 0; round <= ENTRY_RESENDS && npending > 0; round++) {
        if (round > 0)
            pause_ms(RESEND_PAUSE_MS << (round - 1));
        cJSON *batch = cJSON_CreateArray();
        for (int i = 0; i < npending; i++)
            cJSON_AddItemToArray(batch,
                                 cJSON_Duplicate(cJSON_GetArrayItem(entries, pending[i]), true));
        struct eventbridge_request req;
        char err[256];
        if (eventbridge_request(&target, batch, store_now() / 1000, &req, err, sizeof err) != 0) {
            snprintf(msg, sizeof msg, "%s", err);
            cJSON_Delete(batch);
            final_failure = true;
            break;
        }
        cJSON_Delete(batch);
        struct outbound_request oreq = {
            .block = block,
            .step_key = call->step_key,
            .method = "POST",
            .url = req.url,
            .headers = (const char *const *)req.lines,
            .header_count = req.count,
            .body = req.body,
            .body_len = strlen(req.body),
            .timeout_ms = dest_timeout_ms(inputs),
        };
        struct http_response resp;
        enum retry_verdict verdict;
        int rc = outbound_send(call->outbound, &oreq, &resp, &verdict, err, sizeof err);
        eventbridge_request_free(&req);
        if (rc != 0) {
            snprintf(msg, sizeof msg, "%s", err);
            final_failure = true;
            break;
        }
        cJSON *answers = NULL;
        bool again[EVENTBRIDGE_MAX_ENTRIES];
        enum eventbridge_verdict v =
            eventbridge_answer(&resp, npending, &answers, again, msg, sizeof msg);
        http_response_free(&resp);
        if (v == EVENTBRIDGE_RETRY || v == EVENTBRIDGE_FAIL) {
            retry_whole = v == EVENTBRIDGE_RETRY && accepted == 0;
            final_failure = v == EVENTBRIDGE_FAIL;
            break;
        }
        int still = 0;
        for (int i = 0; i < npending; i++) {
            cJSON *a = cJSON_DetachItemFromArray(answers, 0);
            cJSON_ReplaceItemInArray(results, pending[i], a);
            if (json_get_str(a, "eventId"))
                accepted++;
            else if (again[i])
                pending[still++] = pending[i];
            else
                entries_final = true;
        }
        cJSON_Delete(answers);
        npending = still;
    }
    int failed = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, results) failed += !json_get_str(r, "eventId");
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "failedEntryCount", failed);
    cJSON_AddItemToObject(out, "entries", results);
    cJSON_Delete(entries);
    if (failed == 0) {
        res->failed = false;
        res->output = out;
        return;
    }
    res->output = out;
    res->retryable = accepted == 0 && !final_failure && !entries_final;
    if (retry_whole || final_failure) {
        snprintf(res->message, sizeof res->message, "Amazon EventBridge: %.230s", msg);
        return;
    }
    size_t len = (size_t)snprintf(res->message, sizeof res->message,
                                  "Amazon EventBridge: %d of %d entries failed", failed, n);
    const cJSON *e;
    int i = 0, listed = 0;
    cJSON_ArrayForEach(e, results)
    {
        if (!json_get_str(e, "eventId") && len + 2 < sizeof res->message)
            len += (size_t)snprintf(res->message + len, sizeof res->message - len, "%s [%d] %.40s",
                                    listed++ ? ";" : ":", i,
                                    json_get_str(e, "errorCode") ? json_get_str(e, "errorCode")
                                                                 : "not sent");
        i++;
    }
}
