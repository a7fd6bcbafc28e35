/*
 * The chunked request-body decoder over the cases of tests/cases/chunked.json: each input is fed
 * whole and then one byte at a time, and must give the same outcome, body and bytes used.
 */
#include "check.h"

#include "cli/cli.h"
#include "http/chunked.h"
#include "json/json.h"

#include <stdlib.h>

#ifndef SOLDER_CASES_DIR
#define SOLDER_CASES_DIR "tests/cases"
#endif

static const char *const STATUS[] = {
    [CHUNKED_MORE] = "more",
    [CHUNKED_DONE] = "done",
    [CHUNKED_BAD] = "bad",
    [CHUNKED_TOO_LARGE] = "too large",
};

/* Feeds in, piece bytes at a time; returns the outcome, the body in out, the bytes used in *used.
 */
static enum chunked_status feed(const char *in, size_t len, size_t piece, size_t max,
                                struct buf *out, size_t *used)
{
    struct chunked c = {0};
    enum chunked_status st = CHUNKED_MORE;
    size_t off = 0;
    while (off < len && st == CHUNKED_MORE) {
        size_t n = len - off < piece ? len - off : piece, u;
        st = chunked_feed(&c, in + off, n, out, max, &u);
        off += u;
    }
    *used = off;
    return st;
}

int main(void)
{
    cJSON *cases = cli_read_json(SOLDER_CASES_DIR "/chunked.json");
    CHECK(cJSON_GetArraySize(cases) >= 19);
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *desc = json_get_str(c, "description");
        const char *in = json_get_str(c, "input");
        const cJSON *max = cJSON_GetObjectItemCaseSensitive(c, "max");
        const cJSON *used_want = cJSON_GetObjectItemCaseSensitive(c, "used");
        const char *body = json_get_str(c, "body");
        size_t limit = cJSON_IsNumber(max) ? (size_t)max->valuedouble : 1024;
        for (size_t piece = strlen(in); piece >= 1; piece = piece > 1 ? 1 : 0) {
            struct buf out = {0};
            size_t used;
            enum chunked_status st = feed(in, strlen(in), piece, limit, &out, &used);
            const char *got = STATUS[st];
            if (strcmp(got, json_get_str(c, "status")) != 0)
                fprintf(stderr, "%s (pieces of %zu):\n", desc, piece);
            CHECK_STR(got, json_get_str(c, "status"));
            if (body) {
                buf_putc(&out, '\0');
                CHECK_STR(out.data, body);
            }
            if (cJSON_IsNumber(used_want))
                CHECK_INT(used, (long long)used_want->valuedouble);
            buf_free(&out);
        }
    }
    cJSON_Delete(cases);
    return check_summary("chunked");
}
