/*
 * libFuzzer target for the OpenAPI importer (solder connector import-openapi): a YAML or JSON
 * document goes through the YAML reader and, when it is a mapping, through the converter (an
 * "openapi" member is added when missing so that inputs reach the conversion). Whatever connector
 * comes out must build with connector_parse, as the server would load it; anything else — a crash,
 * a leak, a sanitizer report, a hang or a connector that does not build — is a bug.
 */
#include "cli/openapi.h"
#include "cli/yaml.h"
#include "connector/connector.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cli_yaml_error yerr;
    cJSON *doc = cli_yaml_parse((const char *)data, size, &yerr);
    if (!doc)
        return 0;
    if (cJSON_IsObject(doc) && !cJSON_GetObjectItem(doc, "openapi"))
        cJSON_AddStringToObject(doc, "openapi", "3.0.3");
    /* Some inputs also exercise the subset options. */
    const char *tags[] = {"orders"};
    const char *operations[] = {"getOrder"};
    struct openapi_options opts = {.app = "fuzzed"};
    if (size % 5 == 0) {
        opts.tags = tags;
        opts.ntags = 1;
    } else if (size % 5 == 1) {
        opts.operations = operations;
        opts.noperations = 1;
    }
    cJSON *warnings = cJSON_CreateArray();
    char err[300];
    cJSON *conn = openapi_to_connector(doc, &opts, warnings, err, sizeof err);
    if (conn) {
        struct connector *c = connector_parse(conn, err, sizeof err);
        if (!c) {
            fprintf(stderr, "the generated connector does not build: %s\n", err);
            abort();
        }
        connector_free(c);
    }
    cJSON_Delete(conn);
    cJSON_Delete(warnings);
    cJSON_Delete(doc);
    return 0;
}
