/* Calls to Solder's API over libcurl (see solder.h). */
#include "solder.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char base[512];
static char auth[512];

void solder_configure(const char *base_url, const char *api_key)
{
    snprintf(base, sizeof base, "%s", base_url);
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        base[--n] = '\0';
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", api_key ? api_key : "");
}

const char *solder_url(void)
{
    return base;
}

struct sink {
    char *data;
    size_t len;
};

/* Answers from Solder are small; this bounds what a misbehaving server can make AcmeCo hold. */
#define SOLDER_MAX_ANSWER (4 * 1024 * 1024)

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t add = size * n;
    if (s->len + add > SOLDER_MAX_ANSWER)
        return 0;
    char *grown = realloc(s->data, s->len + add + 1);
    if (!grown)
        return 0;
    s->data = grown;
    memcpy(s->data + s->len, p, add);
    s->len += add;
    s->data[s->len] = '\0';
    return add;
}

/* One request to url; with_key sends the API key (the public key's path needs none). */
static long perform(const char *method, const char *url, bool with_key, const char *body,
                    struct sink *out)
{
    CURL *c = curl_easy_init();
    if (!c)
        return 0;
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    if (with_key)
        h = curl_slist_append(h, auth);
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, SOLDER_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

long solder_call(const char *method, const char *path, const cJSON *body, cJSON **out)
{
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    char url[1024];
    snprintf(url, sizeof url, "%s/2024-03%s", base, path);
    struct sink s = {0};
    long status = perform(method, url, true, text, &s);
    free(text);
    *out = s.data ? cJSON_Parse(s.data) : NULL;
    if (!*out)
        *out = cJSON_CreateString(s.data ? s.data : "");
    free(s.data);
    return status;
}

char *solder_get_text(const char *path)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", base, path);
    struct sink s = {0};
    if (perform("GET", url, false, NULL, &s) != 200) {
        free(s.data);
        return NULL;
    }
    return s.data;
}
