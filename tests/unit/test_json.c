/*
 * JSON helpers and base64: depth bound, error positions, trailing text, equality, codecs; the
 * number printer against JavaScript's own texts (tests/cases/json/numbers.json, which the WASM
 * build reads too) and the printer over cJSON trees.
 */
#include "check.h"
#include "cli/cli.h"

#include "json/json.h"
#include "util/base64.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef SOLDER_CASES_DIR
#define SOLDER_CASES_DIR "tests/cases"
#endif

/* The "cases" array of a case file in tests/cases/json (doc owns it; the caller deletes doc). */
static const cJSON *load_cases(const char *file, cJSON **doc)
{
    char path[512];
    snprintf(path, sizeof path, "%s/json/%s", SOLDER_CASES_DIR, file);
    *doc = cli_read_json(path);
    CHECK(*doc != NULL);
    return cJSON_GetObjectItem(*doc, "cases");
}

/* Every number of the case file prints as JavaScript printed it, alone and inside json_print. */
static void test_number_cases(void)
{
    cJSON *doc;
    const cJSON *cases = load_cases("numbers.json", &doc);
    CHECK(cJSON_GetArraySize(cases) > 4000);
    int bad = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *bits = cJSON_GetArrayItem(c, 0)->valuestring;
        const char *want = cJSON_GetArrayItem(c, 1)->valuestring;
        uint64_t u = strtoull(bits, NULL, 16);
        double n;
        memcpy(&n, &u, sizeof n);
        char got[JSON_NUMBER_MAX];
        size_t glen = json_number_text(got, n);
        cJSON *num = cJSON_CreateNumber(n);
        char *printed = json_print(num);
        cJSON_Delete(num);
        bool finite = strcmp(want, "NaN") != 0 && strstr(want, "Infinity") == NULL;
        if (strcmp(got, want) != 0 || glen != strlen(want) || !printed ||
            strcmp(printed, finite ? want : "null") != 0) {
            if (bad++ < 20)
                fprintf(stderr, "number %s: got %s / %s, JavaScript prints %s\n", bits, got,
                        printed ? printed : "(null)", want);
        }
        free(printed);
    }
    CHECK_INT(bad, 0);
    cJSON_Delete(doc);
}

/* json_parse then json_print on every text of the case file (the WASM build runs it too). */
static void test_parse_cases(void)
{
    cJSON *doc;
    const cJSON *cases = load_cases("parse.json", &doc);
    CHECK(cJSON_GetArraySize(cases) >= 30);
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *name = json_get_str(c, "name"), *src = json_get_str(c, "text");
        const char *want = json_get_str(c, "result"), *want_err = json_get_str(c, "error");
        struct json_error err = {0};
        cJSON *v = json_parse(src, strlen(src), JSON_MAX_DEPTH, &err);
        char *got = v ? json_print(v) : NULL;
        bool good = want ? got && strcmp(got, want) == 0
                         : !v && want_err && strcmp(err.message, want_err) == 0 &&
                               err.line == cJSON_GetObjectItem(c, "line")->valueint &&
                               err.column == cJSON_GetObjectItem(c, "column")->valueint;
        CHECK(good);
        if (!good)
            fprintf(stderr, "  case \"%s\": got %s (%s at %d:%d)\n", name, got ? got : "no value",
                    err.message, err.line, err.column);
        free(got);
        cJSON_Delete(v);
    }
    cJSON_Delete(doc);

    /* Lengths, not NULs, end the text: a NUL inside is refused, trailing NULs are allowed. */
    cJSON *nul = json_parse("[1]\0\0", 5, JSON_MAX_DEPTH, NULL);
    CHECK(nul != NULL);
    cJSON_Delete(nul);
    struct json_error err;
    CHECK(json_parse("[1\0]", 4, JSON_MAX_DEPTH, &err) == NULL);
    CHECK(json_parse("[1,2]", 3, JSON_MAX_DEPTH, &err) == NULL);
    CHECK_STR(err.message, "unexpected end of JSON");
}

/* json_print: strings escaped as cJSON escapes them, numbers as JavaScript writes them. */
static void test_print(void)
{
    const char *src = "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u001f é/\",\"n\":[1e-7,1e21,-0,0.1,"
                      "123456789012,2.5e-8],\"o\":{},\"a\":[],\"t\":true,\"f\":false,\"z\":null}";
    cJSON *v = cJSON_Parse(src);
    char *mine = json_print(v);
    CHECK_STR(mine, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u001f é/\",\"n\":[1e-7,1e+21,0,0.1,"
                    "123456789012,2.5e-8],\"o\":{},\"a\":[],\"t\":true,\"f\":false,\"z\":null}");
    /* Apart from numbers, byte for byte what cJSON writes. */
    cJSON_DeleteItemFromObject(v, "n");
    char *theirs = cJSON_PrintUnformatted(v);
    free(mine);
    mine = json_print(v);
    CHECK_STR(mine, theirs);
    free(mine);
    free(theirs);
    cJSON_Delete(v);

    cJSON *inf = cJSON_CreateArray();
    cJSON_AddItemToArray(inf, cJSON_CreateNumber(1.0 / 0.0));
    cJSON_AddItemToArray(inf, cJSON_CreateNumber(0.0 / 0.0));
    char *t = json_print(inf);
    CHECK_STR(t, "[null,null]");
    free(t);
    cJSON_Delete(inf);

    /* A regression: the mapping path and the cJSON path printed 1e-7 differently. */
    char num[JSON_NUMBER_MAX];
    json_number_text(num, 1e-7);
    CHECK_STR(num, "1e-7");
    json_number_text(num, -1.5e300);
    CHECK_STR(num, "-1.5e+300");
}

int main(void)
{
    test_number_cases();
    test_parse_cases();
    test_print();

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

    /* Equal values hash alike under any seed: 1 and 1.0, -0 and 0, member order, nested arrays. */
    const char *same[][2] = {
        {"1", "1.0"},
        {"-0", "0"},
        {"{\"a\":1,\"b\":[1,[2,{\"c\":null}]]}", "{\"b\":[1.0,[2,{\"c\":null}]],\"a\":1}"},
        {"[[],{}]", "[[],{}]"},
        {"\"text longer than eight bytes\"", "\"text longer than eight bytes\""},
    };
    const char *differ[][2] = {
        {"1", "\"1\""},
        {"[1,2]", "[2,1]"},
        {"{\"a\":1}", "{\"a\":1,\"b\":1}"},
        {"[]", "{}"},
        {"true", "false"},
        {"\"text longer than eight bytes\"", "\"text longer than eight byteS\""},
    };
    for (uint64_t seed = 0; seed < 3; seed++) {
        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
            cJSON *x = cJSON_Parse(same[i][0]), *y = cJSON_Parse(same[i][1]);
            bool unhashable = false;
            CHECK(json_equal(x, y));
            CHECK(json_hash(x, seed, &unhashable) == json_hash(y, seed, &unhashable));
            CHECK(!unhashable);
            cJSON_Delete(x);
            cJSON_Delete(y);
        }
        for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
            cJSON *x = cJSON_Parse(differ[i][0]), *y = cJSON_Parse(differ[i][1]);
            bool unhashable = false;
            CHECK(!json_equal(x, y));
            CHECK(json_hash(x, seed, &unhashable) != json_hash(y, seed, &unhashable));
            cJSON_Delete(x);
            cJSON_Delete(y);
        }
    }
    /* An object that repeats a member name is flagged, even deep inside. */
    cJSON *rep = cJSON_Parse("[1,{\"k\":{\"n\":1,\"n\":2}}]");
    bool unhashable = false;
    json_hash(rep, 7, &unhashable);
    CHECK(unhashable);
    cJSON_Delete(rep);

    /* Wide objects (compared through a sorted index) agree with the member-by-member rule:
     * any order; the first of repeated names is the one looked up. */
    cJSON *w1 = cJSON_CreateObject(), *w2 = cJSON_CreateObject(), *w3 = cJSON_CreateObject();
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        cJSON_AddNumberToObject(w1, name, i);
        snprintf(name, sizeof name, "m%d", 99 - i);
        cJSON_AddNumberToObject(w2, name, 99 - i);
        cJSON_AddNumberToObject(w3, i == 50 ? "m48" : name, 99 - i);
    }
    CHECK(json_equal(w1, w2) && json_equal(w2, w1));
    CHECK(!json_equal(w1, w3) && !json_equal(w3, w1));
    cJSON_ReplaceItemInObject(w2, "m7", cJSON_CreateString("7"));
    CHECK(!json_equal(w1, w2));
    cJSON_Delete(w1);
    cJSON_Delete(w2);
    cJSON_Delete(w3);

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
