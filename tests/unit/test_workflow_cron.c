/* Cron: parsing and next firing times over tests/cases/workflow/cron/cron.json. */
#include "check.h"

#include "cli/cli.h"
#include "json/json.h"
#include "workflow/cron.h"

#include <stdlib.h>
#include <time.h>

static int64_t iso_seconds(const char *s)
{
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return -2;
    return (int64_t)timegm(&tm);
}

static void format_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t < 0 || !gmtime_r(&tt, &tm))
        snprintf(out, 32, "%lld", (long long)t);
    else
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int main(void)
{
    cJSON *doc = cli_read_json(SOLDER_CASES_DIR "/workflow/cron/cron.json");
    CHECK(doc != NULL);
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "next"))
    {
        const char *expr = json_get_str(c, "cron");
        struct cron cron;
        char err[160] = "";
        int rc = cron_parse(expr, &cron, err, sizeof err);
        CHECK_INT(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "  '%s': %s\n", expr, err);
            continue;
        }
        int64_t t = iso_seconds(json_get_str(c, "after"));
        const cJSON *want;
        cJSON_ArrayForEach(want, cJSON_GetObjectItem(c, "next"))
        {
            t = cron_next(&cron, t);
            char got[32];
            format_time(t, got);
            if (strcmp(got, want->valuestring) != 0)
                fprintf(stderr, "  cron '%s'\n", expr);
            CHECK_STR(got, want->valuestring);
        }
        n++;
    }
    CHECK(n >= 20);
    n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "invalid"))
    {
        const char *expr = json_get_str(c, "cron");
        struct cron cron;
        char err[160] = "";
        int rc = cron_parse(expr, &cron, err, sizeof err);
        CHECK_INT(rc, -1);
        bool named = strstr(err, json_get_str(c, "contains")) != NULL;
        if (!named)
            fprintf(stderr, "  cron '%s': message '%s' lacks '%s'\n", expr, err,
                    json_get_str(c, "contains"));
        CHECK(named);
        n++;
    }
    CHECK(n >= 15);
    cJSON_Delete(doc);

    struct cron cron;
    CHECK_INT(cron_parse(NULL, &cron, NULL, 0), -1);
    CHECK_INT(cron_parse("* * * * *", &cron, NULL, 0), 0);
    CHECK_INT(cron_next(&cron, -5), -1);
    CHECK_INT(cron_next(&cron, INT64_MAX), -1);
    CHECK_INT(cron_next(&cron, 253402300740LL), 253402300800LL);
    return check_summary("test_workflow_cron");
}
