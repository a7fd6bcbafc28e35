/*
 * The YAML reader (native/cli/yaml.c): core-schema scalars, anchors and aliases, the alias-bomb
 * budget, the depth limit, duplicate keys and error positions. Cases are (YAML, expected JSON)
 * and (YAML, expected error, line, column) rows.
 */
#include "check.h"

#include "cli/yaml.h"
#include "json/json.h"

#include <stdlib.h>

/* A document and the JSON it must read as. */
static const struct {
    const char *yaml;
    const char *json;
} GOOD[] = {
    /* null, booleans: exactly the core schema's spellings; yes/no/on are strings (1.1 only) */
    {"[null, Null, NULL, ~, ]", "[null,null,null,null]"},
    {"a:\nb: ~", "{\"a\":null,\"b\":null}"},
    {"[true, True, TRUE, false, False, FALSE, yes, no, on, tRUE]",
     "[true,true,true,false,false,false,\"yes\",\"no\",\"on\",\"tRUE\"]"},
    /* integers: decimal, octal 0o, hex 0x; 0123 is decimal in 1.2 */
    {"[0, -12, +7, 0o17, 0x1F, 0123]", "[0,-12,7,15,31,123]"},
    {"[0o, 0x, 0o8, 0xG, 1_000, +, -]", "[\"0o\",\"0x\",\"0o8\",\"0xG\",\"1_000\",\"+\",\"-\"]"},
    /* floats */
    {"[1.5, -.5, 3., 1e3, 2.5E-2, +1.0e+2]", "[1.5,-0.5,3,1000,0.025,100]"},
    {"[1.2.3, e3, 1e, .e1, '1.5']", "[\"1.2.3\",\"e3\",\"1e\",\".e1\",\"1.5\"]"},
    /* quoted and block scalars are strings whatever they look like */
    {"['1', \"true\", '~', \"null\", 'it''s']", "[\"1\",\"true\",\"~\",\"null\",\"it's\"]"},
    {"a: |\n  one\n  two\nb: >-\n  folded\n  line\n",
     "{\"a\":\"one\\ntwo\\n\",\"b\":\"folded line\"}"},
    {"\"tab\\there \\u00e9\"", "\"tab\\there \u00e9\""},
    /* tags of the core schema */
    {"[!!str 12, !!int \"12\", !!float 3, !!null '', !!bool false, ! 12]",
     "[\"12\",12,3,null,false,\"12\"]"},
    /* keys are the scalar's text */
    {"{200: ok, true: t, ~: n, 1.50: f}",
     "{\"200\":\"ok\",\"true\":\"t\",\"~\":\"n\",\"1.50\":\"f\"}"},
    {"? explicit\n: value", "{\"explicit\":\"value\"}"},
    {".inf: 1\n.nan: 2\n\"\": 3", "{\".inf\":1,\".nan\":2,\"\":3}"},
    /* anchors and aliases: copies of the node */
    {"base: &b {type: object}\ncopy: *b",
     "{\"base\":{\"type\":\"object\"},\"copy\":{\"type\":\"object\"}}"},
    {"a: &s 010\nb: *s", "{\"a\":10,\"b\":10}"},
    {"- &k name\n- {*k : v}", "[\"name\",{\"name\":\"v\"}]"},
    {"x: &a 1\ny: &a 2\nz: *a", "{\"x\":1,\"y\":2,\"z\":2}"},
    {"&k key: value\nother: *k", "{\"key\":\"value\",\"other\":\"key\"}"},
    /* "<<" is an ordinary key (merge keys are YAML 1.1) */
    {"a: &m {x: 1}\nb: {<<: *m}", "{\"a\":{\"x\":1},\"b\":{\"<<\":{\"x\":1}}}"},
    /* JSON is YAML */
    {"{\"a\": [1, 2.5, true, null, {\"b\": {}}]}", "{\"a\":[1,2.5,true,null,{\"b\":{}}]}"},
    {"---\nplain\n...\n", "\"plain\""},
    {"# only a comment\n---\n", "null"},
};

/* A document that must be refused, with a part of the message and its position. */
static const struct {
    const char *yaml;
    const char *message;
    int line;
    int column;
} BAD[] = {
    {"a: 1\nb: 2\na: 3\n", "duplicate key 'a'", 3, 1},
    {"x:\n  k: 1\n  k: 2\n", "duplicate key 'k'", 3, 3},
    {"{a: 1, \"a\": 2}", "duplicate key 'a'", 1, 8},
    {"a: 1\nb: [1, 2\nc: 3\n", "", 3, 2},
    {"a: b: c", "mapping values are not allowed", 1, 5},
    {"key: \"unterminated\n", "", 2, 1},
    {"a: *nope", "unknown alias *nope", 1, 4},
    {"a: &x\n  - *x\n", "refers to a node that contains it", 2, 5},
    {"[a, b]: c", "keys must be scalars", 1, 1},
    {"- &m {a: 1}\n- {*m : x}", "a key must be a scalar", 2, 4},
    {"one: 1\n---\ntwo: 2\n", "a second document", 2, 1},
    {"", "no YAML document", 1, 1},
    {"a: .inf", "cannot be represented in JSON", 1, 4},
    {"a: .nan", "cannot be represented in JSON", 1, 4},
    {"a: 1e999", "cannot be represented in JSON", 1, 4},
    {"a: \"nul\\0here\"", "NUL character", 1, 4},
    {"a: !custom x", "unsupported tag !custom", 1, 4},
    {"a: !!int twelve", "not a valid int", 1, 4},
    {"a: !!set {x}", "unsupported tag", 1, 4},
    {"a: 1\n\tb: 2\n", "", 2, 1},
    {"ok: 1\nbad: \"\xff\"\n", "", 2, 7},
};

static void good_cases(void)
{
    for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++) {
        struct cli_yaml_error err;
        cJSON *v = cli_yaml_parse(GOOD[i].yaml, strlen(GOOD[i].yaml), &err);
        cJSON *want = json_parse(GOOD[i].json, strlen(GOOD[i].json), JSON_MAX_DEPTH, NULL);
        CHECK(want != NULL);
        if (!v)
            fprintf(stderr, "case %zu: %d:%d: %s\n", i, err.line, err.column, err.message);
        bool same = v && want && json_equal(v, want);
        if (v && !same) {
            char *got = cJSON_PrintUnformatted(v);
            fprintf(stderr, "case %zu: got %s, want %s\n", i, got, GOOD[i].json);
            free(got);
        }
        CHECK(same);
        cJSON_Delete(v);
        cJSON_Delete(want);
    }
}

static void bad_cases(void)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        struct cli_yaml_error err;
        cJSON *v = cli_yaml_parse(BAD[i].yaml, strlen(BAD[i].yaml), &err);
        CHECK(v == NULL);
        cJSON_Delete(v);
        if (v)
            continue;
        bool ok = strstr(err.message, BAD[i].message) && err.message[0] &&
                  err.line == BAD[i].line && err.column == BAD[i].column;
        if (!ok)
            fprintf(stderr, "case %zu: got %d:%d: %s; want %d:%d: %s\n", i, err.line, err.column,
                    err.message, BAD[i].line, BAD[i].column, BAD[i].message);
        CHECK(ok);
    }
}

/* The classic billion laughs: nine levels of nine aliases would be 387 million strings. */
static void alias_bomb(void)
{
    static const char BOMB[] = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
                               "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                               "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                               "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                               "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                               "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                               "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                               "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                               "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    struct cli_yaml_error err;
    cJSON *v = cli_yaml_parse(BOMB, strlen(BOMB), &err);
    CHECK(v == NULL);
    cJSON_Delete(v);
    CHECK(strstr(err.message, "alias bomb") != NULL);
    CHECK(err.line >= 7 && err.line <= 9);

    /* Four levels (6561 strings) are an ordinary document. */
    char small[400];
    snprintf(small, sizeof small, "%.*s", (int)(strstr(BOMB, "e:") - BOMB), BOMB);
    v = cli_yaml_parse(small, strlen(small), &err);
    CHECK(v != NULL);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(v, "d")), 9);
    cJSON_Delete(v);

    /* One huge string aliased many times counts its bytes each time. */
    size_t n = 2 * 1024 * 1024;
    char *big = malloc(n + 4096);
    size_t len = (size_t)snprintf(big, 32, "s: &s ");
    memset(big + len, 'x', n);
    len += n;
    len += (size_t)snprintf(big + len, 32, "\nl: [");
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(big + len, 8, "*s,");
    len += (size_t)snprintf(big + len, 8, "*s]\n");
    v = cli_yaml_parse(big, len, &err);
    CHECK(v == NULL);
    CHECK(strstr(err.message, "bytes of text") != NULL);
    cJSON_Delete(v);
    free(big);
}

/* CLI_YAML_MAX_DEPTH collections nest; one more is refused at its position. An alias cannot
 * smuggle in more depth either. */
static void depth_limit(void)
{
    char text[400];
    struct cli_yaml_error err;
    for (int depth = CLI_YAML_MAX_DEPTH; depth <= CLI_YAML_MAX_DEPTH + 1; depth++) {
        int n = 0;
        for (int i = 0; i < depth; i++)
            text[n++] = '[';
        for (int i = 0; i < depth; i++)
            text[n++] = ']';
        cJSON *v = cli_yaml_parse(text, (size_t)n, &err);
        CHECK(depth == CLI_YAML_MAX_DEPTH ? v != NULL : v == NULL);
        cJSON_Delete(v);
    }
    CHECK(strstr(err.message, "nesting deeper than") != NULL);
    CHECK_INT(err.line, 1);
    CHECK_INT(err.column, CLI_YAML_MAX_DEPTH + 1);

    int n = snprintf(text, sizeof text, "a: &a ");
    for (int i = 0; i < 40; i++)
        text[n++] = '[';
    for (int i = 0; i < 40; i++)
        text[n++] = ']';
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]");
    cJSON *v = cli_yaml_parse(text, (size_t)n, &err);
    CHECK(v == NULL);
    CHECK(strstr(err.message, "nests deeper") != NULL);
    CHECK_INT(err.line, 2);
    cJSON_Delete(v);
}

int main(void)
{
    good_cases();
    bad_cases();
    alias_bomb();
    depth_limit();
    return check_summary("test_yaml");
}
