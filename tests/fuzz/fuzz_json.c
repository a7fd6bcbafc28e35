/*
 * libFuzzer target for the JSON reader and writer (json_parse, json_print, json_number_text): any
 * text json_parse accepts prints to a text that reads back and prints the same again (numbers
 * included: the shortest digits read back as the same double); a refused text has its error inside
 * it. Any crash, leak, sanitizer report, hang or broken
 * round trip is a bug.
 */
#include "json/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_error err;
    cJSON *v = json_parse((const char *)data, size, JSON_MAX_DEPTH, &err);
    if (!v) {
        if (err.offset > size)
            abort();
        return 0;
    }
    char *once = json_print(v);
    cJSON *back = once ? json_parse(once, strlen(once), JSON_MAX_DEPTH, &err) : NULL;
    char *twice = back ? json_print(back) : NULL;
    if (once && (!back || !twice || strcmp(once, twice) != 0))
        abort();
    free(once);
    free(twice);
    cJSON_Delete(back);
    cJSON_Delete(v);
    return 0;
}
