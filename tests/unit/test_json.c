/* JSON helpers and base64: depth bound, error positions, trailing text, equality, codecs. */
#include "check.h"

#include "json/json.h"
#include "util/base64.h"
#include "util/buf.h"

#include <stdlib.h>

int main(void)
{
    struct json_error err;
    const char *ok = "{\"a\":[1,2,{\"b\":null}]}";
    cJSON *v = json_parse(ok, strlen(ok), JSON_MAX_DEPTH, &err);
    CHECK(v != NULL);
    cJSON_Delete(v);

    /* 64 levels pass, 65 do not. */
    char deep[200];
    for (int depth = 64; depth <= 65; depth++) {
        int n = 0;
        for (int i = 0; i < depth; i++)
            deep[n++] = '[';
        for (int i = 0; i < depth; i++)
            deep[n++] = ']';
        v = json_parse(deep, (size_t)n, JSON_MAX_DEPTH, &err);
        CHECK(depth == 64 ? v != NULL : v == NULL);
        cJSON_Delete(v);
    }
    CHECK_INT(err.column, 65);

    /* Brackets inside strings do not count. */
    const char *s = "{\"x\":\"[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"}";
    v = json_parse(s, strlen(s), 2, &err);
    CHECK(v != NULL);
    cJSON_Delete(v);

    CHECK(json_parse("{\"a\":1} x", 9, 64, &err) == NULL);
    CHECK_INT(err.column, 9);
    CHECK(json_parse("{\"a\":\n  tru}", 12, 64, &err) == NULL);
    CHECK_INT(err.line, 2);
    CHECK(json_parse("   ", 3, 64, &err) == NULL);
    CHECK_STR(err.message, "empty JSON document");
    CHECK(json_parse("{\"a\":1", 6, 64, &err) == NULL);

    cJSON *a = cJSON_Parse("{\"x\":1,\"y\":[1,2.0,{\"z\":\"s\"}]}");
    cJSON *b = cJSON_Parse("{\"y\":[1,2,{\"z\":\"s\"}],\"x\":1.0}");
    cJSON *c = cJSON_Parse("{\"y\":[1,2],\"x\":1}");
    CHECK(json_equal(a, b));
    CHECK(!json_equal(a, c));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);

    const char *samples[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *e = base64_encode(samples[i], strlen(samples[i]), false);
        CHECK_STR(e, std[i]);
        size_t n;
        unsigned char *d = base64_decode(e, strlen(e), false, &n);
        CHECK_INT(n, strlen(samples[i]));
        CHECK(d && memcmp(d, samples[i], n) == 0);
        free(e);
        free(d);
    }
    unsigned char bin[] = {0xfb, 0xff, 0xfe};
    char *u = base64_encode(bin, 3, true);
    CHECK_STR(u, "-__-");
    free(u);
    CHECK(base64_decode("ab$d", 4, true, NULL) == NULL);
    CHECK(base64_decode("abcde", 5, true, NULL) == NULL);

    struct buf bf = {0};
    for (int i = 0; i < 1000; i++)
        buf_printf(&bf, "%d,", i);
    char *t = buf_take(&bf);
    CHECK(t && strncmp(t, "0,1,2,", 6) == 0 && strlen(t) == 3890);
    free(t);

    /* An empty buffer still takes as an empty string (regression: it was unterminated). */
    struct buf empty = {0};
    t = buf_take(&empty);
    CHECK(t && t[0] == '\0');
    free(t);
    /* Values too large to keep: a marker with the text's size and a preview cut on a character. */
    cJSON *small = cJSON_Parse("{\"a\":[1,2,\"three\"]}");
    CHECK(json_truncation(small, 19, 8) == NULL);
    CHECK(json_truncation(NULL, 1, 8) == NULL);
    cJSON *m = json_truncation(small, 18, 8);
    char *mt = json_print(m);
    CHECK_STR(mt, "{\"truncated\":true,\"bytes\":19,\"preview\":\"{\\\"a\\\":[1,\"}");
    free(mt);
    cJSON_Delete(m);
    cJSON_Delete(small);
    cJSON *accents = cJSON_CreateString("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    m = json_truncation(accents, 4, 4); /* text "éééé" in quotes: the 4th byte is inside an é */
    CHECK_STR(json_get_str(m, "preview"), "\"\xc3\xa9");
    CHECK_INT(cJSON_GetObjectItem(m, "bytes")->valueint, 10);
    cJSON_Delete(m);
    cJSON_Delete(accents);
    m = json_truncated_marker(123, NULL, 10);
    CHECK(cJSON_GetObjectItem(m, "preview") == NULL);
    cJSON_Delete(m);

    return check_summary("json");
}
