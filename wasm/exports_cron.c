/*
 * WASM export of shared/workflow/cron: the workflow builder's schedule helper shows when a cron
 * expression fires next, computed by the same C the server's scheduler runs. Returns malloc'd
 * JSON text that the caller frees with solder_free.
 */
#include "json/json.h"
#include "workflow/cron.h"

#include <cJSON.h>
#include <emscripten.h>

/* Most upcoming times one call lists: the helper shows a handful, a caller cannot ask for more
 * work than that. */
#define CRON_NEXT_MAX 20

/* {"next": [unix seconds, …]} (count times strictly after `after`, at most CRON_NEXT_MAX) or
 * {"error": "minute: '61' is out of range"}. */
EMSCRIPTEN_KEEPALIVE char *solder_cron_next(const char *text, double after, int count)
{
    struct cron c;
    char err[160];
    cJSON *out = cJSON_CreateObject();
    if (cron_parse(text, &c, err, sizeof err) != 0) {
        cJSON_AddStringToObject(out, "error", err);
    } else {
        cJSON *next = cJSON_AddArrayToObject(out, "next");
        int64_t t = (int64_t)after;
        for (int i = 0; i < count && i < CRON_NEXT_MAX; i++) {
            t = cron_next(&c, t);
            if (t < 0)
                break;
            cJSON_AddItemToArray(next, cJSON_CreateNumber((double)t));
        }
    }
    char *text_out = json_print(out);
    cJSON_Delete(out);
    return text_out;
}
