/*
 * JWT parsing and claim checks (see token.h). Deliberately no signature code: that lives in
 * native/crypto/jwt.c, which calls token_parse first so that a token naming another algorithm
 * (or "none") never reaches the verifier.
 */
#include "token/token.h"

#include "json/json.h"
#include "util/base64.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum token_status fail(enum token_status s, char *msg, size_t msg_len, const char *text)
{
    if (msg && msg_len)
        snprintf(msg, msg_len, "%s", text);
    return s;
}

static cJSON *decode_part(const char *p, size_t n)
{
    size_t raw_len = 0;
    unsigned char *raw = base64_decode(p, n, true, &raw_len);
    if (!raw)
        return NULL;
    cJSON *v = json_parse((const char *)raw, raw_len, 8, NULL);
    free(raw);
    if (v && !cJSON_IsObject(v)) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}

/* NumericDate claim: -1 absent, -2 present but not a finite number. */
static int64_t numeric_date(const cJSON *payload, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(payload, name);
    if (!v)
        return -1;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
        v->valuedouble > 9.0e15)
        return -2;
    return (int64_t)v->valuedouble;
}

enum token_status token_parse(const char *text, size_t len, struct token *t, char *msg,
                              size_t msg_len)
{
    memset(t, 0, sizeof *t);
    if (!text || len == 0)
        return fail(TOKEN_MALFORMED, msg, msg_len, "token is empty");
    if (len > TOKEN_MAX_LEN)
        return fail(TOKEN_MALFORMED, msg, msg_len, "token is too long");
    const char *dot1 = memchr(text, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - text)) : NULL;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - text)))
        return fail(TOKEN_MALFORMED, msg, msg_len, "token must have three dot-separated parts");
    cJSON *header = decode_part(text, (size_t)(dot1 - text));
    if (!header)
        return fail(TOKEN_MALFORMED, msg, msg_len, "token header is not base64url JSON object");
    cJSON *payload = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!payload) {
        cJSON_Delete(header);
        return fail(TOKEN_MALFORMED, msg, msg_len, "token payload is not base64url JSON object");
    }
    t->header = header;
    t->payload = payload;
    t->alg = json_get_str(header, "alg");
    t->sub = json_get_str(payload, "sub");
    t->user_id = json_get_str(payload, "userId");
    t->username = json_get_str(payload, "username");
    t->env = json_get_str(payload, "env");
    t->iss = json_get_str(payload, "iss");
    t->jti = json_get_str(payload, "jti");
    t->aud = cJSON_GetObjectItemCaseSensitive(payload, "aud");
    t->iat = numeric_date(payload, "iat");
    t->exp = numeric_date(payload, "exp");
    t->nbf = numeric_date(payload, "nbf");
    t->signing_input_len = (size_t)(dot2 - text);
    if (!t->alg) {
        token_free(t);
        return fail(TOKEN_MALFORMED, msg, msg_len, "token header has no alg");
    }
    if (strcmp(t->alg, "none") == 0) {
        token_free(t);
        return fail(TOKEN_UNSUPPORTED_ALG, msg, msg_len, "unsigned tokens (alg none) are refused");
    }
    if (t->iat == -2 || t->exp == -2 || t->nbf == -2) {
        token_free(t);
        return fail(TOKEN_MALFORMED, msg, msg_len, "token time claims must be numbers");
    }
    return TOKEN_OK;
}

static int aud_contains(const cJSON *aud, const char *want)
{
    if (cJSON_IsString(aud))
        return strcmp(aud->valuestring, want) == 0;
    const cJSON *a;
    if (cJSON_IsArray(aud))
        cJSON_ArrayForEach(a, aud) if (cJSON_IsString(a) &&
                                       strcmp(a->valuestring, want) == 0) return 1;
    return 0;
}

enum token_status token_check(const struct token *t, const struct token_expect *want, char *msg,
                              size_t msg_len)
{
    if (want->alg && strcmp(t->alg, want->alg) != 0) {
        char m[96];
        snprintf(m, sizeof m, "token algorithm must be %s", want->alg);
        return fail(TOKEN_UNSUPPORTED_ALG, msg, msg_len, m);
    }
    if (t->exp < 0)
        return fail(TOKEN_MISSING_CLAIM, msg, msg_len, "token has no exp claim");
    if (want->now >= t->exp + want->leeway)
        return fail(TOKEN_EXPIRED, msg, msg_len, "token has expired");
    if (t->nbf >= 0 && want->now + want->leeway < t->nbf)
        return fail(TOKEN_NOT_YET_VALID, msg, msg_len, "token is not valid yet (nbf)");
    if (t->iat >= 0 && want->now + want->leeway < t->iat)
        return fail(TOKEN_NOT_YET_VALID, msg, msg_len, "token was issued in the future (iat)");
    if (want->audience && !aud_contains(t->aud, want->audience))
        return fail(TOKEN_WRONG_AUDIENCE, msg, msg_len, "token is for another audience");
    if (want->issuer && (!t->iss || strcmp(t->iss, want->issuer) != 0))
        return fail(TOKEN_WRONG_ISSUER, msg, msg_len, "token is from another issuer");
    if (!t->sub)
        return fail(TOKEN_MISSING_CLAIM, msg, msg_len, "token has no sub claim");
    return TOKEN_OK;
}

static const char *const STATUS_NAMES[] = {
    [TOKEN_OK] = "ok",
    [TOKEN_MALFORMED] = "malformed",
    [TOKEN_UNSUPPORTED_ALG] = "unsupported_alg",
    [TOKEN_EXPIRED] = "expired",
    [TOKEN_NOT_YET_VALID] = "not_yet_valid",
    [TOKEN_WRONG_AUDIENCE] = "wrong_audience",
    [TOKEN_WRONG_ISSUER] = "wrong_issuer",
    [TOKEN_MISSING_CLAIM] = "missing_claim",
};

const char *token_status_name(enum token_status s)
{
    return (unsigned)s < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0] ? STATUS_NAMES[s] : "unknown";
}

void token_free(struct token *t)
{
    cJSON_Delete(t->header);
    cJSON_Delete(t->payload);
    memset(t, 0, sizeof *t);
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

char *token_inspect_json(const char *text, const char *alg, const char *audience,
                         const char *issuer, double now, double leeway)
{
    struct token t;
    char msg[160] = "";
    enum token_status s = token_parse(text, text ? strlen(text) : 0, &t, msg, sizeof msg);
    if (s == TOKEN_OK) {
        struct token_expect want = {nonempty(alg), nonempty(audience), nonempty(issuer),
                                    (int64_t)now, (int64_t)leeway};
        s = token_check(&t, &want, msg, sizeof msg);
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "ok", s == TOKEN_OK);
    if (s == TOKEN_OK) {
        cJSON_AddItemToObject(out, "claims", cJSON_Duplicate(t.payload, true));
    } else {
        cJSON_AddStringToObject(out, "error", token_status_name(s));
        cJSON_AddStringToObject(out, "message", msg);
    }
    if (t.header)
        token_free(&t);
    char *json = json_print(out);
    cJSON_Delete(out);
    return json;
}
