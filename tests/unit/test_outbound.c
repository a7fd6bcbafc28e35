/*
 * Redaction of what is recorded of outbound calls (engine/outbound.h): the name-based net and the
 * replacement of declared secret values, as the cases of tests/cases/outbound/redact.json say.
 * Sending through the outbound path is tested against a live server in test_delivery.c.
 */
#include "check.h"

#include "cli/cli.h"
#include "engine/outbound.h"
#include "json/json.h"

#include <stdlib.h>
#include <string.h>

static void run_names(const cJSON *names)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(names, "secret"))
    {
        if (!outbound_secret_name(n->valuestring))
            fprintf(stderr, "'%s' should be a secret name\n", n->valuestring);
        CHECK(outbound_secret_name(n->valuestring));
    }
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(names, "plain"))
    {
        if (outbound_secret_name(n->valuestring))
            fprintf(stderr, "'%s' should not be a secret name\n", n->valuestring);
        CHECK(!outbound_secret_name(n->valuestring));
    }
}

static void run_case(const cJSON *tc)
{
    const char *name = json_get_str(tc, "name");
    struct outbound_secrets secrets = {0};
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(tc, "secrets"))
        outbound_secret_add(&secrets, v->valuestring);
    const char *text = json_get_str(tc, "input_text");
    cJSON *input = text ? json_parse(text, strlen(text), 64, NULL)
                        : cJSON_Duplicate(cJSON_GetObjectItem(tc, "input"), true);
    CHECK(input != NULL);
    cJSON *got = outbound_redact(&secrets, input);
    char *printed = json_print(got);
    const char *want_text = json_get_str(tc, "expect_text");
    bool ok;
    if (want_text) {
        ok = printed && strcmp(printed, want_text) == 0;
    } else {
        ok = json_equal(got, cJSON_GetObjectItem(tc, "expect"));
    }
    if (!ok)
        fprintf(stderr, "case '%s': got %s\n", name, printed ? printed : "(null)");
    CHECK(ok);
    free(printed);
    cJSON_Delete(got);
    cJSON_Delete(input);
    outbound_secrets_free(&secrets);
}

int main(void)
{
    cJSON *doc = cli_read_json(SOLDER_CASES_DIR "/outbound/redact.json"), *tc;
    CHECK(doc != NULL);
    run_names(cJSON_GetObjectItem(doc, "names"));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "cases")) > 0);
    cJSON_ArrayForEach(tc, cJSON_GetObjectItem(doc, "cases")) run_case(tc);
    cJSON_Delete(doc);
    return check_summary("test_outbound");
}
