/*
 * Signatures: every Standard Webhooks vector (tests/conformance/standard-webhooks/vectors.json, or
 * the file STANDARD_WEBHOOKS_VECTORS names; sign and verify), secret
 * parsing errors, generated secrets, and the RSA X-Alloy-Signature round trip with tampering.
 */
#include "cli/cli.h"
#include "check.h"
#include "../skip.h"

#include "crypto/sign.h"
#include "json/json.h"
#include "util/base64.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set when the vector file is missing: the run then ends as skipped (failed in CI). */
static char vectors_missing[1200];

static void run_vectors(void)
{
    const char *env = getenv("STANDARD_WEBHOOKS_VECTORS");
    const char *path =
        env && env[0] ? env : SOLDER_CONFORMANCE_DIR "/standard-webhooks/vectors.json";
    size_t len;
    char *text = cli_read_file(path, &len);
    if (!text) {
        snprintf(vectors_missing, sizeof vectors_missing,
                 "Standard Webhooks vectors not found at %.1000s (set STANDARD_WEBHOOKS_VECTORS)",
                 path);
        return;
    }
    cJSON *doc = json_parse(text, len, JSON_MAX_DEPTH, NULL);
    free(text);
    CHECK(doc != NULL);
    if (!doc)
        return;
    const cJSON *tol = cJSON_GetObjectItem(doc, "tolerance_seconds");
    int64_t tolerance = cJSON_IsNumber(tol) ? (int64_t)tol->valuedouble : SIGN_TOLERANCE_S;

    int n_sign = 0, n_verify = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(doc, "sign"))
    {
        const char *payload = json_get_str(v, "payload");
        char *got = sign_standard_webhook(json_get_str(v, "secret"), json_get_str(v, "msg_id"),
                                          (int64_t)cJSON_GetObjectItem(v, "timestamp")->valuedouble,
                                          payload, strlen(payload));
        CHECK_STR(got, json_get_str(v, "expected_signature"));
        if (!got || strcmp(got, json_get_str(v, "expected_signature")) != 0)
            fprintf(stderr, "  sign vector: %s\n", json_get_str(v, "name"));
        free(got);
        n_sign++;
    }
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(doc, "verify"))
    {
        const cJSON *h = cJSON_GetObjectItem(v, "headers");
        const char *payload = json_get_str(v, "payload");
        bool want = cJSON_IsTrue(cJSON_GetObjectItem(v, "expect_valid"));
        char err[128] = "";
        bool got = sign_standard_webhook_verify(
            json_get_str(v, "secret"), json_get_str(h, "webhook-id"),
            json_get_str(h, "webhook-timestamp"), json_get_str(h, "webhook-signature"), payload,
            strlen(payload), (int64_t)cJSON_GetObjectItem(v, "now")->valuedouble, tolerance, err,
            sizeof err);
        CHECK_INT(got, want);
        if (got != want)
            fprintf(stderr, "  verify vector: %s (%s)\n", json_get_str(v, "name"), err);
        if (!got)
            CHECK(err[0] != '\0');
        n_verify++;
    }
    /* The file holds 2 sign and 16 verify vectors; fewer means it was not read as intended. */
    CHECK(n_sign >= 2);
    CHECK(n_verify >= 16);
    printf("standard-webhooks vectors: %d sign, %d verify\n", n_sign, n_verify);
    cJSON_Delete(doc);
}

static void run_secret_parsing(void)
{
    static const struct {
        const char *secret;
        const char *error; /* NULL: decodes */
    } cases[] = {
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL},
        {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL},
        {"", "secret is empty"},
        {"whsec_", "secret is empty"},
        {"whsec_not base64!", "secret is not valid base64"},
        {"whsec_abcde", "secret is not valid base64"},
        {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "secret is not valid base64"},
        {"whsec_MfKQ-r8GKYqrTwjUPD8ILPZIo2LaLaSw", "secret is not valid base64"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[128] = "";
        size_t n = 0;
        unsigned char *key = sign_secret_decode(cases[i].secret, &n, err, sizeof err);
        if (cases[i].error) {
            CHECK(key == NULL);
            CHECK_STR(err, cases[i].error);
        } else {
            CHECK(key != NULL);
            CHECK_INT(n, 24);
        }
        free(key);
    }
    CHECK(sign_secret_decode(NULL, &(size_t){0}, NULL, 0) == NULL);

    /* Too long: 2 KiB of key material. */
    unsigned char big[2048] = {0};
    char *b64 = base64_encode(big, sizeof big, false);
    char err[128] = "";
    CHECK(sign_secret_decode(b64, &(size_t){0}, err, sizeof err) == NULL);
    CHECK(strstr(err, "longer than") != NULL);
    free(b64);

    /* Signing refuses a bad secret and an id that contains the separator. */
    CHECK(sign_standard_webhook("whsec_!!", "msg_1", 1, "{}", 2) == NULL);
    CHECK(sign_standard_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg.1", 1, "{}", 2) ==
          NULL);
    CHECK(sign_standard_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "", 1, "{}", 2) == NULL);
}

static void run_generated_secret(void)
{
    char *a = sign_whsec_generate(), *b = sign_whsec_generate();
    CHECK(a && strncmp(a, "whsec_", 6) == 0);
    CHECK(a && b && strcmp(a, b) != 0);
    size_t n = 0;
    unsigned char *key = a ? sign_secret_decode(a, &n, NULL, 0) : NULL;
    CHECK(key != NULL);
    CHECK(n >= 24 && n <= 64);
    free(key);

    /* A generated secret signs and verifies; a rotated-out secret does not. */
    const char *body = "{\"order\":42}";
    char *sig = a ? sign_standard_webhook(a, "msg_abc", 1700000000, body, strlen(body)) : NULL;
    CHECK(sig != NULL);
    char header[256];
    snprintf(header, sizeof header, "v1,bm90IGl0 %s", sig ? sig : "");
    CHECK(sign_standard_webhook_verify(a, "msg_abc", "1700000000", header, body, strlen(body),
                                       1700000100, SIGN_TOLERANCE_S, NULL, 0));
    CHECK(!sign_standard_webhook_verify(b, "msg_abc", "1700000000", header, body, strlen(body),
                                        1700000100, SIGN_TOLERANCE_S, NULL, 0));
    /* The id is part of what is signed. */
    CHECK(!sign_standard_webhook_verify(a, "msg_abd", "1700000000", header, body, strlen(body),
                                        1700000100, SIGN_TOLERANCE_S, NULL, 0));
    /* An empty body signs as "id.ts." */
    char *empty = a ? sign_standard_webhook(a, "msg_abc", 1700000000, NULL, 0) : NULL;
    CHECK(empty != NULL);
    CHECK(sign_standard_webhook_verify(a, "msg_abc", "1700000000", empty, "", 0, 1700000000,
                                       SIGN_TOLERANCE_S, NULL, 0));
    free(empty);
    free(sig);
    free(a);
    free(b);
}

static void run_rsa(void)
{
    char *priv = NULL, *pub = NULL, err[128] = "";
    CHECK_INT(sign_rsa_generate(&priv, &pub, err, sizeof err), 0);
    CHECK(priv && strstr(priv, "BEGIN PRIVATE KEY"));
    CHECK(pub && strstr(pub, "BEGIN PUBLIC KEY"));
    struct rsa_signer *s = priv ? sign_rsa_new(priv, err, sizeof err) : NULL;
    CHECK(s != NULL);
    if (!s) {
        free(priv);
        free(pub);
        return;
    }
    char *served = sign_rsa_public_pem(s);
    CHECK_STR(served, pub);
    free(served);

    const char *url = "https://hooks.example.com/solder?x=1";
    const char *body = "{\"event\":\"order.created\"}";
    char *hex = sign_rsa_sign(s, "POST", url, body, strlen(body));
    CHECK(hex != NULL);
    CHECK_INT(hex ? strlen(hex) : 0, 512);
    CHECK(hex && strspn(hex, "0123456789abcdef") == strlen(hex));
    if (hex) {
        CHECK(sign_rsa_verify(pub, "POST", url, body, strlen(body), hex));
        CHECK(!sign_rsa_verify(pub, "PUT", url, body, strlen(body), hex));
        CHECK(!sign_rsa_verify(pub, "POST", "https://hooks.example.com/solder?x=2", body,
                               strlen(body), hex));
        CHECK(!sign_rsa_verify(pub, "POST", url, "{\"event\":\"order.created\" }", strlen(body) + 1,
                               hex));
        /* The three parts are concatenated: moving bytes between them keeps the signature. */
        CHECK(sign_rsa_verify(pub, "POS",
                              "T"
                              "https://hooks.example.com/solder?x=1",
                              body, strlen(body), hex));
        char bad[1024];
        snprintf(bad, sizeof bad, "%s", hex);
        bad[10] = bad[10] == '0' ? '1' : '0';
        CHECK(!sign_rsa_verify(pub, "POST", url, body, strlen(body), bad));
        CHECK(!sign_rsa_verify(pub, "POST", url, body, strlen(body), "zz"));
        CHECK(!sign_rsa_verify(pub, "POST", url, body, strlen(body), ""));
        CHECK(!sign_rsa_verify("not a key", "POST", url, body, strlen(body), hex));
    }
    /* Deterministic scheme: the same input signs identically (PKCS#1 v1.5). */
    char *again = sign_rsa_sign(s, "POST", url, body, strlen(body));
    CHECK_STR(again, hex);
    free(again);
    /* A GET without a body signs METHOD + URL. */
    char *get = sign_rsa_sign(s, "GET", url, NULL, 0);
    CHECK(get && sign_rsa_verify(pub, "GET", url, NULL, 0, get));
    free(get);
    free(hex);

    /* Another key's public half does not verify. */
    char *priv2 = NULL, *pub2 = NULL;
    CHECK_INT(sign_rsa_generate(&priv2, &pub2, NULL, 0), 0);
    char *h1 = sign_rsa_sign(s, "POST", url, body, strlen(body));
    CHECK(h1 && !sign_rsa_verify(pub2, "POST", url, body, strlen(body), h1));
    free(h1);
    free(priv2);
    free(pub2);
    sign_rsa_free(s);

    /* Not a key, and a public key where a private one is required. */
    CHECK(sign_rsa_new("garbage", err, sizeof err) == NULL);
    CHECK_STR(err, "not a PEM private key");
    CHECK(sign_rsa_new(pub, err, sizeof err) == NULL);
    CHECK(sign_rsa_new(NULL, err, sizeof err) == NULL);
    free(priv);
    free(pub);
}

/* One signer shared by several threads, as the worker pool uses it. */
struct signing_thread {
    const struct rsa_signer *signer;
    const char *expected;
    int mismatches;
};

static void *sign_repeatedly(void *arg)
{
    struct signing_thread *t = arg;
    for (int i = 0; i < 25; i++) {
        char *hex = sign_rsa_sign(t->signer, "POST", "https://example.com/hook", "{}", 2);
        if (!hex || strcmp(hex, t->expected) != 0)
            t->mismatches++;
        free(hex);
    }
    return NULL;
}

static void run_rsa_threads(void)
{
    char *priv = NULL, *pub = NULL;
    CHECK_INT(sign_rsa_generate(&priv, &pub, NULL, 0), 0);
    struct rsa_signer *s = sign_rsa_new(priv, NULL, 0);
    char *expected = s ? sign_rsa_sign(s, "POST", "https://example.com/hook", "{}", 2) : NULL;
    CHECK(expected != NULL);
    if (expected) {
        pthread_t th[4];
        struct signing_thread args[4];
        for (int i = 0; i < 4; i++) {
            args[i] = (struct signing_thread){.signer = s, .expected = expected};
            CHECK_INT(pthread_create(&th[i], NULL, sign_repeatedly, &args[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            pthread_join(th[i], NULL);
            CHECK_INT(args[i].mismatches, 0);
        }
    }
    free(expected);
    sign_rsa_free(s);
    free(priv);
    free(pub);
}

int main(void)
{
    run_vectors();
    run_secret_parsing();
    run_generated_secret();
    run_rsa();
    run_rsa_threads();
    int status = check_summary("test_sign");
    return status == 0 && vectors_missing[0] ? test_skip("test_sign", vectors_missing) : status;
}
