/*
 * Address classification and allow-list matching for the SSRF guard (see ssrf.h). The special
 * ranges live in one table (RFC 6890 and the IANA special-purpose registries); the first matching
 * row wins, so narrower rows come before the wider ones containing them. It does not resolve names
 * and does not open sockets: the HTTP client calls it with addresses the resolver produced.
 */
#include "engine/ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One special-purpose range. kind NULL: the range embeds an IPv4 address at byte v4_at, judged by
 * the IPv4 table. */
struct special_range {
    int family;
    unsigned char prefix[16];
    int bits;
    const char *kind;
    int v4_at;
};

static const struct special_range RANGES[] = {
    {AF_INET, {0}, 8, "unspecified", 0},
    {AF_INET, {10}, 8, "private", 0},
    {AF_INET, {100, 64}, 10, "carrier-grade NAT", 0},
    {AF_INET, {127}, 8, "loopback", 0},
    {AF_INET, {169, 254}, 16, "link-local", 0},
    {AF_INET, {172, 16}, 12, "private", 0},
    {AF_INET, {192, 0, 0}, 24, "reserved", 0},
    {AF_INET, {192, 0, 2}, 24, "documentation", 0},
    {AF_INET, {192, 88, 99}, 24, "reserved", 0},
    {AF_INET, {192, 168}, 16, "private", 0},
    {AF_INET, {198, 18}, 15, "reserved", 0},
    {AF_INET, {198, 51, 100}, 24, "documentation", 0},
    {AF_INET, {203, 0, 113}, 24, "documentation", 0},
    {AF_INET, {224}, 4, "multicast", 0},
    {AF_INET, {240}, 4, "reserved", 0},

    {AF_INET6, {0}, 128, "unspecified", 0},
    {AF_INET6, {[15] = 1}, 128, "loopback", 0},
    {AF_INET6, {[10] = 0xff, [11] = 0xff}, 96, NULL, 12},
    {AF_INET6, {0}, 96, "reserved", 0}, /* IPv4-compatible, deprecated */
    {AF_INET6, {0x00, 0x64, 0xff, 0x9b}, 96, NULL, 12},
    {AF_INET6, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "private", 0},
    {AF_INET6, {0x01}, 64, "reserved", 0}, /* discard-only 100::/64 */
    {AF_INET6, {0x20, 0x01, 0x0d, 0xb8}, 32, "documentation", 0},
    {AF_INET6, {0x20, 0x02}, 16, NULL, 2},
    {AF_INET6, {0xfc}, 7, "unique local", 0},
    {AF_INET6, {0xfe, 0x80}, 10, "link-local", 0},
    {AF_INET6, {0xfe, 0xc0}, 10, "site-local", 0},
    {AF_INET6, {0xff}, 8, "multicast", 0},
};

static bool prefix_match(const unsigned char *addr, const unsigned char *prefix, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(addr, prefix, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (addr[whole] & mask) == (prefix[whole] & mask);
}

static const char *kind_of(int family, const unsigned char *bytes)
{
    for (size_t i = 0; i < sizeof RANGES / sizeof RANGES[0]; i++) {
        const struct special_range *r = &RANGES[i];
        if (r->family != family || !prefix_match(bytes, r->prefix, r->bits))
            continue;
        return r->kind ? r->kind : kind_of(AF_INET, bytes + r->v4_at);
    }
    return NULL;
}

/* The raw address bytes of addr (4 or 16) and its port; 0 for other families. */
static size_t addr_bytes(const struct sockaddr *addr, unsigned char out[16], int *port)
{
    if (addr->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, addr, sizeof in);
        memcpy(out, &in.sin_addr, 4);
        *port = ntohs(in.sin_port);
        return 4;
    }
    if (addr->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, addr, sizeof in6);
        memcpy(out, &in6.sin6_addr, 16);
        *port = ntohs(in6.sin6_port);
        return 16;
    }
    return 0;
}

const char *ssrf_address_kind(const struct sockaddr *addr)
{
    unsigned char bytes[16];
    int port;
    size_t n = addr_bytes(addr, bytes, &port);
    if (n == 0)
        return "reserved";
    return kind_of(n == 4 ? AF_INET : AF_INET6, bytes);
}

/* Parses an address literal into bytes; returns 4, 16, or 0 when text is not an address. */
static size_t parse_ip(const char *text, unsigned char out[16])
{
    if (inet_pton(AF_INET, text, out) == 1)
        return 4;
    if (inet_pton(AF_INET6, text, out) == 1)
        return 16;
    return 0;
}

/* Longest allow-list entry considered; longer entries never match (no host name is that long). */
#define SSRF_ENTRY_MAX 300

/*
 * Does one allow-list entry admit (host, address, port)? Entry forms are listed in ssrf.h; an entry
 * that fits none of them matches nothing.
 */
static bool entry_matches(const char *entry, const char *host, const unsigned char *bytes, size_t n,
                          int port)
{
    char name[SSRF_ENTRY_MAX];
    int want_port = -1;
    size_t len = strlen(entry);
    if (len == 0 || len >= sizeof name)
        return false;
    const char *colon = strrchr(entry, ':');
    if (entry[0] == '[') {
        const char *close = strchr(entry, ']');
        if (!close)
            return false;
        memcpy(name, entry + 1, (size_t)(close - entry - 1));
        name[close - entry - 1] = '\0';
        if (close[1] == ':')
            want_port = atoi(close + 2);
        else if (close[1] != '\0')
            return false;
    } else if (colon && strchr(entry, ':') == colon) {
        memcpy(name, entry, (size_t)(colon - entry));
        name[colon - entry] = '\0';
        want_port = atoi(colon + 1);
        if (want_port <= 0)
            return false;
    } else {
        memcpy(name, entry, len + 1);
    }
    if (want_port >= 0 && want_port != port)
        return false;

    char *slash = strchr(name, '/');
    if (slash) {
        *slash = '\0';
        unsigned char net[16];
        size_t net_n = parse_ip(name, net);
        int bits = atoi(slash + 1);
        if (net_n == 0 || net_n != n || bits < 0 || (size_t)bits > n * 8)
            return false;
        return prefix_match(bytes, net, bits);
    }
    unsigned char lit[16];
    size_t lit_n = parse_ip(name, lit);
    if (lit_n)
        return lit_n == n && memcmp(lit, bytes, n) == 0;
    return host && strcasecmp(name, host) == 0;
}

bool ssrf_permits(const struct ssrf_policy *policy, const char *host, const struct sockaddr *addr,
                  char *err, size_t err_len)
{
    const char *kind = ssrf_address_kind(addr);
    if (!kind || policy->allow_private)
        return true;
    unsigned char bytes[16];
    int port = 0;
    size_t n = addr_bytes(addr, bytes, &port);
    for (const char *const *e = policy->allow_hosts; n && e && *e; e++)
        if (entry_matches(*e, host, bytes, n, port))
            return true;
    char text[INET6_ADDRSTRLEN] = "?";
    if (n)
        inet_ntop(n == 4 ? AF_INET : AF_INET6, bytes, text, sizeof text);
    if (err && err_len) {
        bool vowel = strchr("aeio", kind[0]) || strcmp(kind, "unspecified") == 0;
        const char *article = vowel ? "an" : "a";
        snprintf(err, err_len, "refused: %s is %s %s address (" SSRF_ALLOW_HINT ")", text, article,
                 kind);
    }
    return false;
}

char **ssrf_hosts_parse(const char *list)
{
    int n = 1;
    for (const char *p = list; p && *p; p++)
        n += *p == ',';
    char **out = calloc((size_t)n + 1, sizeof *out);
    int i = 0;
    const char *p = list;
    while (p && *p && out) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len)
            out[i++] = strndup(p, len);
        p = comma ? comma + 1 : NULL;
    }
    return out;
}

void ssrf_hosts_free(char **hosts)
{
    for (char **h = hosts; h && *h; h++)
        free(*h);
    free(hosts);
}
