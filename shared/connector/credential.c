/*
 * What a credential's values may make a connector do: the hosts its requests may go to (the
 * connector's own "hosts" plus what the server allows), and the defaults of its credential form.
 * A credential can carry a base URL (a sandbox store's "API URL", or the older "baseUrl"
 * override); this is the check that keeps it, and everything the credential then signs, on hosts
 * the connector or the operator named. String work only: no name is resolved here (the network
 * guard of the server's HTTP client still checks every address it connects to).
 */
#include "connector/connector.h"
#include "connector/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest host (with port) considered; a longer one is never permitted. */
#define HOST_MAX 260

/* Splits url's authority into host (without IPv6 brackets) and port (-1 when absent). false when
 * url is not http(s) or carries user information. */
static bool url_host(const char *url, char host[HOST_MAX], int *port)
{
    const char *p;
    int default_port;
    if (strncasecmp(url, "http://", 7) == 0) {
        p = url + 7;
        default_port = 80;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        p = url + 8;
        default_port = 443;
    } else {
        return false;
    }
    size_t len = strcspn(p, "/?#");
    if (len == 0 || len >= HOST_MAX || memchr(p, '@', len) || memchr(p, '\\', len))
        return false;
    char auth[HOST_MAX];
    memcpy(auth, p, len);
    auth[len] = '\0';
    char *colon = auth[0] == '[' ? strchr(auth, ']') : auth;
    if (auth[0] == '[') {
        if (!colon)
            return false;
        *colon = '\0';
        colon = colon[1] == ':' ? colon + 1 : NULL;
        memmove(auth, auth + 1, strlen(auth + 1) + 1);
        if (colon)
            colon -= 1;
    } else {
        colon = strchr(auth, ':');
    }
    *port = default_port;
    if (colon) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (*end || v <= 0 || v > 65535)
            return false;
        *port = (int)v;
        *colon = '\0';
    }
    snprintf(host, HOST_MAX, "%s", auth);
    return host[0] != '\0';
}

bool connector_host_matches(const char *pattern, const char *host)
{
    if (*pattern == '*') {
        for (size_t k = 1; host[k - 1] && host[k - 1] != '.' && host[k - 1] != ':'; k++)
            if (connector_host_matches(pattern + 1, host + k))
                return true;
        return false;
    }
    if (!*pattern)
        return !*host;
    return tolower((unsigned char)*pattern) == *host &&
           connector_host_matches(pattern + 1, host + 1);
}

/* "name" or "name:port" ('*' for one label, see connector_host_matches) against host and port. */
static bool pattern_matches(const char *pattern, const char *host, int port)
{
    char name[HOST_MAX], lower[HOST_MAX];
    snprintf(name, sizeof name, "%s", pattern);
    char *colon = strrchr(name, ':');
    if (colon && !strchr(name, ']') && strchr(name, ':') == colon) {
        if (atoi(colon + 1) != port)
            return false;
        *colon = '\0';
    }
    size_t i = 0;
    for (; host[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)host[i]);
    lower[i] = '\0';
    return connector_host_matches(name, lower);
}

/* The four bytes of a dotted IPv4 literal, or false. */
static bool ipv4(const char *s, unsigned char out[4])
{
    int a, b, c, d;
    char tail;
    if (sscanf(s, "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) != 4 || a < 0 || a > 255 || b < 0 ||
        b > 255 || c < 0 || c > 255 || d < 0 || d > 255)
        return false;
    out[0] = (unsigned char)a, out[1] = (unsigned char)b, out[2] = (unsigned char)c,
    out[3] = (unsigned char)d;
    return true;
}

/* Loopback and private literals: what --allow-private-network opens to connector hosts. */
static bool private_literal(const char *host)
{
    unsigned char ip[4];
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
        return true;
    if (!ipv4(host, ip))
        return false;
    return ip[0] == 127 || ip[0] == 10 || (ip[0] == 192 && ip[1] == 168) ||
           (ip[0] == 172 && ip[1] >= 16 && ip[1] <= 31);
}

/* One --allow-hosts entry: a name or address (with or without port) or an IPv4 network. */
static bool allow_entry_matches(const char *entry, const char *host, int port)
{
    const char *slash = strchr(entry, '/');
    if (!slash)
        return pattern_matches(entry, host, port);
    char net[64];
    unsigned char a[4], b[4];
    snprintf(net, sizeof net, "%.*s", (int)(slash - entry), entry);
    int bits = atoi(slash + 1);
    if (!ipv4(net, a) || !ipv4(host, b) || bits < 0 || bits > 32)
        return false;
    unsigned long ua = (unsigned long)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
    unsigned long ub = (unsigned long)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
    unsigned long mask = bits == 0 ? 0 : (0xfffffffful << (32 - bits)) & 0xfffffffful;
    return (ua & mask) == (ub & mask);
}

bool connector_url_permitted(const struct connector *c, const char *url, char *err, size_t n)
{
    char host[HOST_MAX];
    int port;
    if (!c->hosts)
        return true;
    if (!url_host(url, host, &port)) {
        connector_fail(err, n, "%.200s is not an http(s) URL without user information", url);
        return false;
    }
    for (char **h = c->hosts; *h; h++)
        if (pattern_matches(*h, host, port))
            return true;
    const struct connector_network *net = c->network;
    if (net && net->allow_private && private_literal(host))
        return true;
    for (const char *const *e = net ? net->allow_hosts : NULL; e && *e; e++)
        if (allow_entry_matches(*e, host, port))
            return true;
    connector_fail(err, n,
                   "%.100s:%d is not a %.60s host (%.80s%s); the server allows other hosts with "
                   "--allow-hosts",
                   host, port, c->name, c->hosts[0] ? c->hosts[0] : "none",
                   c->hosts[0] && c->hosts[1] ? ", …" : "");
    return false;
}

bool connector_url_own_host(const struct connector *c, const char *url, char *authority, size_t n)
{
    char host[HOST_MAX];
    int port;
    if (!url_host(url, host, &port)) {
        snprintf(authority, n, "%s", "");
        return false;
    }
    snprintf(authority, n, "%s:%d", host, port);
    for (char **h = c->hosts; h && *h; h++)
        if (pattern_matches(*h, host, port))
            return true;
    return false;
}

void connector_credential_defaults(const struct connector *c, cJSON *data)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(c->auth_fields, "properties"))
    {
        const cJSON *dflt = cJSON_GetObjectItem(p, "default");
        if (dflt && p->string && !cJSON_GetObjectItemCaseSensitive(data, p->string))
            cJSON_AddItemToObject(data, p->string, cJSON_Duplicate(dflt, true));
    }
}

cJSON *connector_scope_defaults(const struct connector *c, const cJSON *scope)
{
    const cJSON *cred = cJSON_GetObjectItem(scope, "credential"), *p;
    bool lacks = false;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(c->auth_fields, "properties"))
    {
        if (cJSON_GetObjectItem(p, "default") && p->string &&
            !cJSON_GetObjectItemCaseSensitive(cred, p->string))
            lacks = true;
    }
    if (!cJSON_IsObject(cred) || !lacks)
        return NULL;
    cJSON *copy = cJSON_Duplicate(scope, true);
    connector_credential_defaults(c, cJSON_GetObjectItem(copy, "credential"));
    return copy;
}

bool connector_base_url_field(const struct connector *c, char *out, size_t n)
{
    static const char PREFIX[] = "{+credential.";
    if (!c->base_url || strncmp(c->base_url, PREFIX, sizeof PREFIX - 1) != 0)
        return false;
    const char *name = c->base_url + sizeof PREFIX - 1;
    size_t len = strcspn(name, "}");
    if (name[len] != '}' || len == 0 || len >= n)
        return false;
    snprintf(out, n, "%.*s", (int)len, name);
    return true;
}
