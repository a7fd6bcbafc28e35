/*
 * Connectors: the request cases of tests/cases/connector/render.json rendered against the shipped
 * connector files, every shipped file valid under connectors/connector.schema.json, the registry
 * skipping a broken file with its path, and secrets sealed with AES-256-GCM (round trip, tamper,
 * wrong key, the master key file).
 */
#include "cli/cli.h"
#include "check.h"

#include "connector/connector.h"
#include "connectors/connectors.h"
#include "crypto/secrets.h"
#include "json/json.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONNECTORS_DIR SOLDER_CASES_DIR "/../../connectors"

static struct connector *load(const cJSON *spec)
{
    char err[256];
    if (cJSON_IsObject(spec))
        return connector_parse(spec, err, sizeof err);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", CONNECTORS_DIR, spec->valuestring);
    cJSON *doc = cli_read_json(path);
    struct connector *c = doc ? connector_parse(doc, err, sizeof err) : NULL;
    if (!c)
        fprintf(stderr, "%s: %s\n", path, err);
    cJSON_Delete(doc);
    return c;
}

static const struct connector_request *find_request(const struct connector *c, const char *what)
{
    char kind[32], name[64], part[32] = "";
    if (sscanf(what, "%31[^.].%63[^.].%31s", kind, name, part) < 2)
        return NULL;
    if (strcmp(kind, "actions") == 0) {
        const struct connector_action *a = connector_action(c, name);
        return a ? &a->request : NULL;
    }
    const struct connector_trigger *t = connector_trigger(c, name);
    if (!t)
        return NULL;
    if (strcmp(part, "subscribe") == 0)
        return &t->subscribe;
    if (strcmp(part, "unsubscribe") == 0)
        return t->has_unsubscribe ? &t->unsubscribe : NULL;
    return t->has_enrich ? &t->enrich : NULL;
}

static void run_case(const cJSON *tc)
{
    const char *name = json_get_str(tc, "name");
    struct connector *c = load(cJSON_GetObjectItem(tc, "connector"));
    CHECK(c != NULL);
    if (!c)
        return;
    const char *what = json_get_str(tc, "request");
    const char *url_tmpl = strcmp(what, "auth.authorizeUrl") == 0 ? c->oauth_authorize_url
                           : strcmp(what, "auth.tokenUrl") == 0   ? c->oauth_token_url
                           : strcmp(what, "baseUrl") == 0         ? c->base_url
                                                                  : NULL;
    const struct connector_request *r = url_tmpl ? NULL : find_request(c, what);
    CHECK(r != NULL || url_tmpl != NULL);
    /* "network": what the server allows besides the connector's hosts (--allow-hosts and
     * --allow-private-network), as connectors_set_network gives it. */
    const cJSON *net = cJSON_GetObjectItem(tc, "network"), *allowed;
    const char *hosts[8] = {NULL};
    int nh = 0;
    cJSON_ArrayForEach(allowed, cJSON_GetObjectItem(net, "allowHosts")) if (nh < 7) hosts[nh++] =
        allowed->valuestring;
    struct connector_network network = {cJSON_IsTrue(cJSON_GetObjectItem(net, "allowPrivate")),
                                        hosts};
    if (net)
        c->network = &network;
    struct connector_http h;
    char err[256] = "";
    int rc = -1;
    if (url_tmpl) {
        /* A URL template alone: the result stands in h.url. */
        memset(&h, 0, sizeof h);
        h.url = connector_url(c, url_tmpl, cJSON_GetObjectItem(tc, "scope"), err, sizeof err);
        rc = h.url ? 0 : -1;
    } else if (r) {
        rc = connector_render(c, r, cJSON_GetObjectItem(tc, "scope"), json_get_str(tc, "base"),
                              NULL, &h, err, sizeof err);
    }
    const char *want_err = json_get_str(tc, "error");
    if (want_err) {
        CHECK(rc != 0);
        if (rc == 0 || !strstr(err, want_err))
            fprintf(stderr, "case '%s': expected an error with '%s', got '%s'\n", name, want_err,
                    err);
        CHECK(rc != 0 && strstr(err, want_err));
        if (rc == 0)
            connector_http_clear(&h);
        connector_free(c);
        return;
    }
    CHECK_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "case '%s': %s\n", name, err);
        connector_free(c);
        return;
    }
    const cJSON *expect = cJSON_GetObjectItem(tc, "expect"), *e;
    if (json_get_str(expect, "method"))
        CHECK_STR(h.method, json_get_str(expect, "method"));
    if (json_get_str(expect, "url"))
        CHECK_STR(h.url, json_get_str(expect, "url"));
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(expect, "headers"))
    {
        bool found = false;
        for (size_t i = 0; i < h.nheaders; i++)
            found = found || strcmp(h.headers[i], e->valuestring) == 0;
        if (!found)
            fprintf(stderr, "case '%s': no header '%s'\n", name, e->valuestring);
        CHECK(found);
    }
    const cJSON *body = cJSON_GetObjectItem(expect, "body");
    if (cJSON_IsNull(body)) {
        CHECK(h.body == NULL);
    } else if (body) {
        cJSON *got = h.body ? json_parse(h.body, strlen(h.body), JSON_MAX_DEPTH, NULL) : NULL;
        bool eq = got && json_equal(got, body);
        if (!eq)
            fprintf(stderr, "case '%s': body %s\n", name, h.body ? h.body : "(none)");
        CHECK(eq);
        cJSON_Delete(got);
    }
    connector_http_clear(&h);
    connector_free(c);
}

static void run_cases(void)
{
    cJSON *cases = cli_read_json(SOLDER_CASES_DIR "/connector/render.json"), *tc;
    CHECK(cJSON_GetArraySize(cases) > 0);
    cJSON_ArrayForEach(tc, cases) run_case(tc);
    cJSON_Delete(cases);
}

/* The shipped files all load; a broken one in a copy of the directory is skipped and named. */
static void run_registry(void)
{
    char dir[] = "/tmp/solder-connectors-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *log_text = NULL;
    size_t log_len = 0;
    FILE *log = open_memstream(&log_text, &log_len);
    char err[256];
    struct connectors *reg = connectors_load(CONNECTORS_DIR, dir, log, err, sizeof err);
    fclose(log);
    CHECK(reg != NULL);
    CHECK_STR(log_text, "");
    CHECK(connectors_find(reg, "bigcommerce") && connectors_find(reg, "BigCommerce") &&
          connectors_find(reg, "shopify") && connectors_find(reg, "http"));
    connectors_free(reg);
    free(log_text);

    char path[512];
    const char *files[][2] = {
        {"connector.schema.json", NULL},
        {"good.json", "{\"app\":\"good\",\"name\":\"Good\",\"auth\":{\"type\":\"none\"}}"},
        {"typo.json",
         "{\"app\":\"typo\",\"name\":\"T\",\"auth\":{\"type\":\"none\"},\"action\":{}}"},
        {"badexpr.json", "{\"app\":\"e\",\"name\":\"E\",\"auth\":{\"type\":\"none\"},\"actions\":"
                         "{\"a\":{\"method\":\"GET\",\"path\":\"/\",\"body\":\"{\"}}}"},
        {"notjson.json", "{"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
        FILE *f = fopen(path, "w");
        if (!files[i][1]) {
            cJSON *schema = cli_read_json(CONNECTORS_DIR "/connector.schema.json");
            char *text = json_print(schema);
            fputs(text, f);
            free(text);
            cJSON_Delete(schema);
        } else {
            fputs(files[i][1], f);
        }
        fclose(f);
    }
    log = open_memstream(&log_text, &log_len);
    reg = connectors_load(dir, dir, log, err, sizeof err);
    fclose(log);
    CHECK_INT(connectors_count(reg), 1);
    CHECK(connectors_find(reg, "good") != NULL);
    CHECK(strstr(log_text, "typo.json skipped") != NULL);
    CHECK(strstr(log_text, "badexpr.json skipped: actions.a.body") != NULL);
    CHECK(strstr(log_text, "notjson.json skipped: line 1") != NULL);
    connectors_free(reg);
    free(log_text);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/master.key", dir);
    unlink(path);
    rmdir(dir);
}

static void run_secrets(void)
{
    char dir[] = "/tmp/solder-secrets-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    unsetenv("SOLDER_MASTER_KEY");
    struct secrets_key k1, k2, other;
    char err[256];
    CHECK_INT(secrets_key_load(dir, &k1, err, sizeof err), 0);
    CHECK_INT(secrets_key_load(dir, &k2, err, sizeof err), 0);
    CHECK(memcmp(k1.key, k2.key, sizeof k1.key) == 0);
    char path[512];
    snprintf(path, sizeof path, "%s/master.key", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

    const char *plain = "{\"access_token\":\"s3cr3t\"}";
    char *a = secrets_seal(&k1, plain, strlen(plain)), *b = secrets_seal(&k1, plain, strlen(plain));
    CHECK(a && b && strcmp(a, b) != 0);
    CHECK(a && !strstr(a, "s3cr3t"));
    size_t n = 0;
    char *opened = secrets_open(&k1, a, &n);
    CHECK_STR(opened, plain);
    CHECK_INT(n, strlen(plain));
    free(opened);
    a[10] = a[10] == 'A' ? 'B' : 'A';
    CHECK(secrets_open(&k1, a, NULL) == NULL);
    setenv("SOLDER_MASTER_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1);
    CHECK_INT(secrets_key_load(dir, &other, err, sizeof err), 0);
    CHECK(secrets_open(&other, b, NULL) == NULL);
    setenv("SOLDER_MASTER_KEY", "c2hvcnQ=", 1);
    CHECK_INT(secrets_key_load(dir, &other, err, sizeof err), -1);
    unsetenv("SOLDER_MASTER_KEY");
    CHECK(secrets_open(&k1, "v1.!!", NULL) == NULL);
    CHECK(secrets_open(&k1, "plain text", NULL) == NULL);
    free(a);
    free(b);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    run_cases();
    run_registry();
    run_secrets();
    return check_summary("test_connector");
}
