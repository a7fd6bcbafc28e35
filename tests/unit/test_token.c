/*
 * Tokens: the shared claim checks over tests/cases/token.json (the WASM build runs the same file),
 * and native signing/verification: mint, verify, tamper, wrong key, alg confusion.
 */
#include "check.h"

#include "app.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "json/json.h"
#include "plat.h"
#include "store/store.h"
#include "util/base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void run_cases(void)
{
    size_t len;
    char *text = cli_read_file(SOLDER_CASES_DIR "/token.json", &len);
    CHECK(text != NULL);
    if (!text)
        return;
    cJSON *doc = json_parse(text, len, JSON_MAX_DEPTH, NULL);
    free(text);
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases"))
    {
        const cJSON *e = cJSON_GetObjectItem(c, "expect"), *r = cJSON_GetObjectItem(c, "result");
        char *out = token_inspect_json(json_get_str(c, "token"), json_get_str(e, "alg"),
                                       json_get_str(e, "audience"), json_get_str(e, "issuer"),
                                       cJSON_GetObjectItem(e, "now")->valuedouble,
                                       cJSON_GetObjectItem(e, "leeway")->valuedouble);
        cJSON *got = cJSON_Parse(out);
        bool want_ok = cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"));
        bool ok = cJSON_IsTrue(cJSON_GetObjectItem(got, "ok"));
        if (want_ok) {
            const cJSON *claims = cJSON_GetObjectItem(got, "claims");
            CHECK(ok);
            CHECK_STR(json_get_str(claims, "userId"), json_get_str(r, "userId"));
        } else {
            CHECK(!ok);
            CHECK_STR(json_get_str(got, "error"), json_get_str(r, "error"));
            CHECK(json_get_str(got, "message") && json_get_str(got, "message")[0]);
        }
        if (want_ok != ok)
            fprintf(stderr, "  case: %s -> %s\n", json_get_str(c, "name"), out);
        cJSON_Delete(got);
        free(out);
        n++;
    }
    CHECK(n >= 20);
    cJSON_Delete(doc);
}

static void run_signing(void)
{
    char path[] = "/tmp/solder-token-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char err[256];
    struct store *s = store_open(path, err, sizeof err);
    CHECK(s != NULL);
    struct secrets_key master, wrong;
    CHECK_INT(plat_random(master.key, sizeof master.key), 0);
    CHECK_INT(plat_random(wrong.key, sizeof wrong.key), 0);
    struct signing_key key, other, raw;
    CHECK_INT(app_signing_key_ensure(s, &master, &key, err, sizeof err), 0);
    CHECK(strncmp(key.private_pem, "-----BEGIN ", 11) == 0);
    /* Stored sealed: the row holds no PEM. */
    CHECK_INT(store_signing_key_current(s, &raw), STORE_OK);
    CHECK(strncmp(raw.private_pem, "v1.", 3) == 0);
    CHECK(strstr(raw.private_pem, "PRIVATE KEY") == NULL);
    store_signing_key_clear(&raw);
    /* A second call loads the same key rather than making another. */
    CHECK_INT(app_signing_key_ensure(s, &master, &other, err, sizeof err), 0);
    CHECK_STR(other.id, key.id);
    CHECK_STR(other.private_pem, key.private_pem);
    store_signing_key_clear(&other);
    /* Another master key cannot open it, and says why. */
    CHECK_INT(app_signing_key_ensure(s, &wrong, &other, err, sizeof err), -1);
    CHECK(strstr(err, "master key") != NULL);
    /* A key stored in clear (older versions) is loaded and sealed in place. */
    CHECK_INT(store_signing_key_set_private(s, key.id, key.private_pem), STORE_OK);
    CHECK_INT(app_signing_key_ensure(s, &master, &other, err, sizeof err), 0);
    CHECK_STR(other.private_pem, key.private_pem);
    store_signing_key_clear(&other);
    CHECK_INT(store_signing_key_current(s, &raw), STORE_OK);
    CHECK(strncmp(raw.private_pem, "v1.", 3) == 0);
    store_signing_key_clear(&raw);

    struct token_subject sub = {.user_id = "6b0a98128c6a4441d7253951",
                                .username = "gregg",
                                .env = "development",
                                .issuer = "http://127.0.0.1:8080",
                                .audience = "solder-embedded",
                                .now = 1000000,
                                .ttl = 3600};
    char *jwt = crypto_token_mint(&key, &sub);
    CHECK(jwt != NULL);
    struct token_expect want = {"ES256", "solder-embedded", "http://127.0.0.1:8080", 1000100, 0};
    struct token t;
    char msg[160];
    CHECK_INT(crypto_token_verify(&key, jwt, &want, &t, msg, sizeof msg), TOKEN_OK);
    CHECK_STR(t.user_id, sub.user_id);
    CHECK_STR(t.username, "gregg");
    CHECK_STR(t.env, "development");
    CHECK_INT(t.exp - t.iat, 3600);
    CHECK(t.jti && id_valid(t.jti));
    token_free(&t);

    /* Expired an hour later. */
    want.now = 1000000 + 3600;
    CHECK_INT(crypto_token_verify(&key, jwt, &want, &t, msg, sizeof msg), TOKEN_EXPIRED);
    want.now = 1000100;

    /* Tampered payload: a different user id, same signature. */
    char *dot1 = strchr(jwt, '.'), *dot2 = strchr(dot1 + 1, '.');
    size_t plen;
    unsigned char *payload = base64_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), true, &plen);
    char *swapped = strdup((char *)payload);
    char *at = strstr(swapped, "6b0a98128c6a4441d7253951");
    memcpy(at, "ffffffffffffffffffffffff", 24);
    char *p64 = base64_encode(swapped, strlen(swapped), true);
    char forged[2048];
    snprintf(forged, sizeof forged, "%.*s.%s%s", (int)(dot1 - jwt), jwt, p64, dot2);
    CHECK_INT(crypto_token_verify(&key, forged, &want, &t, msg, sizeof msg), TOKEN_MALFORMED);
    CHECK_STR(msg, "token signature is invalid");
    free(payload);
    free(swapped);
    free(p64);

    /* alg none with the original payload. */
    char none[2048];
    snprintf(none, sizeof none, "eyJhbGciOiJub25lIn0%.*s.", (int)(dot2 - dot1), dot1);
    CHECK_INT(crypto_token_verify(&key, none, &want, &t, msg, sizeof msg), TOKEN_UNSUPPORTED_ALG);

    /* A key the server does not hold. */
    struct signing_key stranger = {0};
    char path2[] = "/tmp/solder-token2-XXXXXX";
    fd = mkstemp(path2);
    close(fd);
    struct store *s2 = store_open(path2, err, sizeof err);
    CHECK_INT(app_signing_key_ensure(s2, &master, &stranger, err, sizeof err), 0);
    CHECK_INT(crypto_token_verify(&stranger, jwt, &want, &t, msg, sizeof msg), TOKEN_MALFORMED);

    char *jwks = crypto_jwks_json(&key);
    cJSON *doc = cJSON_Parse(jwks);
    const cJSON *k0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "keys"), 0);
    CHECK_STR(json_get_str(k0, "kty"), "EC");
    CHECK_STR(json_get_str(k0, "kid"), key.id);
    CHECK_INT(strlen(json_get_str(k0, "x")), 43);
    cJSON_Delete(doc);
    free(jwks);

    free(jwt);
    store_signing_key_clear(&key);
    store_signing_key_clear(&stranger);
    store_close(s);
    store_close(s2);
    for (int i = 0; i < 2; i++) {
        char f[64];
        const char *base = i ? path2 : path;
        unlink(base);
        snprintf(f, sizeof f, "%s-wal", base);
        unlink(f);
        snprintf(f, sizeof f, "%s-shm", base);
        unlink(f);
    }
}

int main(void)
{
    run_cases();
    run_signing();
    return check_summary("token");
}
