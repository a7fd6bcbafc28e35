/*
 * The SSRF guard: decides whether an outgoing connection may be opened to a resolved address.
 *
 * Workflows let an ISV (and, through mappings, end-user data) choose URLs, so a URL must not be a
 * way into the machine or network Solder runs in (cloud metadata at 169.254.169.254, an admin port
 * on 127.0.0.1, the office LAN). The HTTP client asks this module about every socket it opens,
 * after DNS resolution, so a name that resolves (or re-resolves) to a private address is refused
 * too.
 *
 * Pure functions over addresses and strings; no I/O.
 */
#ifndef SOLDER_SSRF_H
#define SOLDER_SSRF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* How an operator lifts the guard; quoted in refusal messages. */
#define SSRF_ALLOW_HINT "allow it with --allow-private-network"

/*
 * What may be reached besides public unicast addresses. The struct only borrows allow_hosts.
 *   allow_private: every address is allowed (development, tests, on-premises installs).
 *   allow_hosts:   NULL-terminated list of entries, each one of
 *                    "name" or "name:port"          (host name as written in the URL)
 *                    "1.2.3.4", "1.2.3.4:8080"      (an address, any or one port)
 *                    "::1", "[::1]", "[::1]:8080"   (IPv6, brackets needed with a port)
 *                    "10.0.0.0/8", "fd00::/8"       (a network, any port)
 *                  A name entry trusts whatever that name resolves to.
 */
struct ssrf_policy {
    bool allow_private;
    const char *const *allow_hosts;
};

/*
 * The kind of a non-public address ("private", "loopback", "link-local", "carrier-grade NAT",
 * "multicast", "unspecified", "reserved", "documentation", "unique local", "site-local"), or NULL
 * for a public unicast address. IPv4 addresses embedded in IPv6 (mapped ::ffff:a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address. Families other than AF_INET and
 * AF_INET6 are "reserved".
 */
const char *ssrf_address_kind(const struct sockaddr *addr);

/*
 * True when policy lets a connection to addr be opened; host is the host of the URL being fetched
 * (without IPv6 brackets; may be NULL). Otherwise false with err set to e.g.
 * "refused: 10.0.0.5 is a private address (allow it with --allow-private-network)".
 */
bool ssrf_permits(const struct ssrf_policy *policy, const char *host, const struct sockaddr *addr,
                  char *err, size_t err_len);

/* The allow_hosts list of "a,b,c" (--allow-host), NULL-terminated, for ssrf_policy; NULL list gives
 * an empty one. Release with ssrf_hosts_free. Returns NULL when memory ran out. */
char **ssrf_hosts_parse(const char *list);
void ssrf_hosts_free(char **hosts);

#endif
