/*
 * libFuzzer target for the YAML reader (native/cli/yaml.c). Input: any bytes, read as one YAML
 * document. A document that converts is printed and copied, as the CLI does with a spec. Any
 * crash, leak, sanitizer report or hang (an alias bomb that escapes the budget among them) is a
 * bug.
 */
#include "cli/yaml.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cli_yaml_error err;
    cJSON *doc = cli_yaml_parse((const char *)data, size, &err);
    if (!doc) {
        if (!err.message[0] || err.line < 0 || err.column < 0)
            abort(); /* every refusal says why and where */
        return 0;
    }
    char *text = cJSON_PrintUnformatted(doc);
    free(text);
    cJSON *copy = cJSON_Duplicate(doc, true);
    cJSON_Delete(copy);
    cJSON_Delete(doc);
    return 0;
}
