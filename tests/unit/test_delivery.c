/*
 * Outbound delivery: the HTTP client against a small HTTP/1.1 server running in this process on
 * 127.0.0.1 (canned routes: ok, echo, 500, 429 with Retry-After, slow, oversized, dropped,
 * redirect), the SSRF guard (address table, refusals before any connection, allow-list), the retry
 * policy, the standard delivery headers, checked as the receiver sees them, and the one outbound
 * path (engine/outbound.h) that adds them — which sends nothing when signing fails.
 *
 * Nothing leaves the machine: private and special addresses are refused by the guard before a
 * socket is opened, and the only address ever connected to is the test server's.
 */
#include "check.h"

#include "crypto/sign.h"
#include "engine/delivery.h"
#include "engine/http_client.h"
#include "engine/outbound.h"
#include "engine/retry.h"
#include "engine/ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the in-process test server -------------------------------------------------------------- */

#define SERVER_MAX_CONNS 128
#define REQUEST_MAX      (256 * 1024)

struct test_server {
    int fd;
    int port;
    pthread_t acceptor;
    pthread_mutex_t mu;
    int accepted;           /* connections accepted so far */
    char last[REQUEST_MAX]; /* the last complete request, head and body */
    size_t last_len;
    int flaky_hits;
    char flaky_keys[3][128]; /* Idempotency-Key of the first three /flaky requests */
    pthread_t conns[SERVER_MAX_CONNS];
    int n_conns;
};

static struct test_server srv;

struct conn {
    int fd;
};

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Value of header name in a raw request head, copied to out; false when absent. */
static bool header_value(const char *head, const char *name, char *out, size_t out_len)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t len = end ? (size_t)(end - v) : strlen(v);
            snprintf(out, out_len, "%.*s", (int)len, v);
            return true;
        }
    }
    return false;
}

/* Reads one request into buf; returns its total length, or 0 when the peer closed. */
static size_t read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    char *end = NULL;
    while (!(end = len ? strstr(buf, "\r\n\r\n") : NULL)) {
        if (len + 1 >= cap)
            return 0;
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r <= 0)
            return 0;
        len += (size_t)r;
        buf[len] = '\0';
    }
    size_t head = (size_t)(end - buf) + 4;
    char cl[32];
    size_t body = header_value(buf, "Content-Length", cl, sizeof cl) ? strtoul(cl, NULL, 10) : 0;
    if (head + body >= cap)
        return 0;
    while (len < head + body) {
        ssize_t r = recv(fd, buf + len, head + body - len, 0);
        if (r <= 0)
            return 0;
        len += (size_t)r;
    }
    buf[len] = '\0';
    return len;
}

static void respond(int fd, const char *status, const char *extra, const char *body)
{
    char head[512];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n%s\r\n", status,
                     strlen(body), extra);
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
}

/* Serves requests on one connection until the peer closes it or a route closes it. */
static void *serve_conn(void *arg)
{
    struct conn *c = arg;
    char *req = malloc(REQUEST_MAX);
    for (;;) {
        size_t n = read_request(c->fd, req, REQUEST_MAX);
        if (n == 0)
            break;
        pthread_mutex_lock(&srv.mu);
        memcpy(srv.last, req, n + 1);
        srv.last_len = n;
        pthread_mutex_unlock(&srv.mu);

        char path[256] = "";
        sscanf(req, "%*s %255s", path);
        const char *body = strstr(req, "\r\n\r\n") + 4;
        bool keep = true;
        if (strcmp(path, "/ok") == 0) {
            respond(c->fd, "200 OK", "Content-Type: text/plain\r\n", "hello");
        } else if (strcmp(path, "/echo") == 0) {
            respond(c->fd, "200 OK", "Content-Type: application/json\r\n", body);
        } else if (strcmp(path, "/fail") == 0) {
            respond(c->fd, "500 Internal Server Error", "", "boom");
        } else if (strcmp(path, "/busy") == 0) {
            respond(c->fd, "429 Too Many Requests", "Retry-After: 2\r\n", "slow down");
        } else if (strcmp(path, "/busy-date") == 0) {
            char extra[128], date[64];
            time_t at = time(NULL) + 120;
            struct tm tm;
            gmtime_r(&at, &tm);
            strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
            snprintf(extra, sizeof extra, "Retry-After: %s\r\n", date);
            respond(c->fd, "503 Service Unavailable", extra, "");
        } else if (strcmp(path, "/slow") == 0) {
            /* Wait for the client to give up (it closes the connection), at most 5 s. */
            struct pollfd p = {.fd = c->fd, .events = POLLIN};
            poll(&p, 1, 5000);
            keep = false;
        } else if (strcmp(path, "/big") == 0) {
            char big[5001] = {0}; /* per connection: connections run on threads of their own */
            memset(big, 'x', 5000);
            respond(c->fd, "200 OK", "", big);
        } else if (strcmp(path, "/stream") == 0) {
            /* 2 MiB without Content-Length, ended by closing the connection. */
            const char *head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
            send_all(c->fd, head, strlen(head));
            char chunk[64 * 1024];
            memset(chunk, 'y', sizeof chunk);
            for (int i = 0; i < 32; i++)
                send_all(c->fd, chunk, sizeof chunk);
            keep = false;
        } else if (strcmp(path, "/drop") == 0) {
            keep = false;
        } else if (strcmp(path, "/redirect") == 0) {
            respond(c->fd, "302 Found", "Location: /ok\r\n", "");
        } else if (strcmp(path, "/redirect-away") == 0) {
            respond(c->fd, "302 Found", "Location: http://169.254.169.254/latest/meta-data\r\n",
                    "");
        } else if (strcmp(path, "/flaky") == 0) {
            pthread_mutex_lock(&srv.mu);
            int hit = srv.flaky_hits++;
            if (hit < 3)
                header_value(req, "Idempotency-Key", srv.flaky_keys[hit],
                             sizeof srv.flaky_keys[hit]);
            pthread_mutex_unlock(&srv.mu);
            if (hit < 2)
                respond(c->fd, "503 Service Unavailable", "", "");
            else
                respond(c->fd, "200 OK", "", "done");
        } else {
            respond(c->fd, "404 Not Found", "", "no such route");
        }
        if (!keep)
            break;
    }
    free(req);
    close(c->fd);
    free(c);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(srv.fd, NULL, NULL);
        if (fd < 0)
            break;
        struct conn *c = malloc(sizeof *c);
        c->fd = fd;
        pthread_mutex_lock(&srv.mu);
        srv.accepted++;
        bool room = srv.n_conns < SERVER_MAX_CONNS;
        if (room && pthread_create(&srv.conns[srv.n_conns], NULL, serve_conn, c) == 0)
            srv.n_conns++;
        else
            room = false;
        pthread_mutex_unlock(&srv.mu);
        if (!room) {
            close(fd);
            free(c);
        }
    }
    return NULL;
}

static bool server_start(void)
{
    pthread_mutex_init(&srv.mu, NULL);
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(srv.fd, 64) != 0 || getsockname(srv.fd, (struct sockaddr *)&a, &len) != 0)
        return false;
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.acceptor, NULL, accept_loop, NULL) == 0;
}

static void server_stop(void)
{
    shutdown(srv.fd, SHUT_RDWR);
    pthread_join(srv.acceptor, NULL);
    close(srv.fd);
    for (int i = 0; i < srv.n_conns; i++)
        pthread_join(srv.conns[i], NULL);
    pthread_mutex_destroy(&srv.mu);
}

static int accepted_count(void)
{
    pthread_mutex_lock(&srv.mu);
    int n = srv.accepted;
    pthread_mutex_unlock(&srv.mu);
    return n;
}

/* A copy of the last request the server received (caller frees). */
static char *last_request(void)
{
    pthread_mutex_lock(&srv.mu);
    char *copy = strdup(srv.last);
    pthread_mutex_unlock(&srv.mu);
    return copy;
}

static void url_for(char *out, size_t n, const char *path)
{
    snprintf(out, n, "http://127.0.0.1:%d%s", srv.port, path);
}

/* Sends method to path on the test server with client c; resp must be freed by the caller. */
static int get(struct http_client *c, const char *path, struct http_response *resp)
{
    char url[128];
    url_for(url, sizeof url, path);
    struct http_request req = {.method = "GET", .url = url};
    return http_client_send(c, &req, resp);
}

static const char *const LOOPBACK_ONLY[] = {"127.0.0.1", NULL};

/* Cleared when a loopback call got past the SSRF guard; calls to other addresses are then skipped.
 */
static bool wired = true;

/* ---- the HTTP client ------------------------------------------------------------------------- */

static void run_client_basics(void)
{
    struct http_client_options o = {.allow_hosts = LOOPBACK_ONLY};
    struct http_client *c = http_client_new(&o, NULL, 0);
    CHECK(c != NULL);
    struct http_response r;

    CHECK_INT(get(c, "/ok", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "hello");
    CHECK_INT(r.body_len, 5);
    CHECK_STR(r.content_type, "text/plain");
    CHECK_INT(r.retry_after_ms, -1);
    CHECK(!r.network_error);
    CHECK_INT(r.failure, HTTP_FAIL_NONE);
    CHECK_STR(r.error, "");
    http_response_free(&r);

    /* A second call reuses the kept-alive connection. */
    int before = accepted_count();
    CHECK_INT(get(c, "/ok", &r), 0);
    CHECK_INT(r.status, 200);
    http_response_free(&r);
    CHECK_INT(accepted_count(), before);

    /* Custom headers and the body arrive as sent. */
    char url[128];
    url_for(url, sizeof url, "/echo");
    const char *headers[] = {"X-Custom: yes", "Content-Type: application/json"};
    const char *body = "{\"hello\":\"world\"}";
    struct http_request req = {.method = "POST",
                               .url = url,
                               .headers = headers,
                               .header_count = 2,
                               .body = body,
                               .body_len = strlen(body)};
    CHECK_INT(http_client_send(c, &req, &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, body);
    CHECK_STR(r.content_type, "application/json");
    http_response_free(&r);
    char *seen = last_request();
    char v[128] = "";
    CHECK(strncmp(seen, "POST /echo HTTP/1.1\r\n", 21) == 0);
    CHECK(header_value(seen, "X-Custom", v, sizeof v));
    CHECK_STR(v, "yes");
    CHECK(!header_value(seen, "Expect", v, sizeof v));
    const char *got_body = strstr(seen, "\r\n\r\n");
    CHECK_STR(got_body ? got_body + 4 : NULL, body);
    free(seen);

    /* PUT with a body, and DELETE without one. */
    req.method = "PUT";
    CHECK_INT(http_client_send(c, &req, &r), 0);
    CHECK_STR(r.body, body);
    http_response_free(&r);
    seen = last_request();
    CHECK(strncmp(seen, "PUT /echo HTTP/1.1\r\n", 20) == 0);
    free(seen);
    struct http_request del = {.method = "DELETE", .url = url};
    CHECK_INT(http_client_send(c, &del, &r), 0);
    CHECK_INT(r.status, 200);
    http_response_free(&r);
    seen = last_request();
    CHECK(strncmp(seen, "DELETE /echo HTTP/1.1\r\n", 23) == 0);
    free(seen);

    /* Error statuses are responses, not failures. */
    CHECK_INT(get(c, "/fail", &r), 0);
    CHECK_INT(r.status, 500);
    CHECK_STR(r.body, "boom");
    CHECK_INT(r.failure, HTTP_FAIL_NONE);
    http_response_free(&r);

    CHECK_INT(get(c, "/busy", &r), 0);
    CHECK_INT(r.status, 429);
    CHECK_INT(r.retry_after_ms, 2000);
    http_response_free(&r);

    CHECK_INT(get(c, "/busy-date", &r), 0);
    CHECK_INT(r.status, 503);
    /* The server said "now + 120 s" as an HTTP-date; allow for a slow machine, not for -1. */
    CHECK(r.retry_after_ms > 60000 && r.retry_after_ms <= 121000);
    http_response_free(&r);

    /* Redirects are returned, not followed. */
    CHECK_INT(get(c, "/redirect", &r), 0);
    CHECK_INT(r.status, 302);
    http_response_free(&r);

    /* A dropped connection is a network error. */
    CHECK_INT(get(c, "/drop", &r), -1);
    CHECK_INT(r.status, 0);
    CHECK(r.network_error);
    CHECK_INT(r.failure, HTTP_FAIL_NETWORK);
    CHECK(strncmp(r.error, "network error: ", 15) == 0);
    http_response_free(&r);

    /* The client is still usable after a failure. */
    CHECK_INT(get(c, "/ok", &r), 0);
    CHECK_INT(r.status, 200);
    http_response_free(&r);
    http_client_free(c);
}

static void run_client_limits(void)
{
    struct http_client_options o = {.allow_hosts = LOOPBACK_ONLY, .timeout_ms = 300};
    struct http_client *c = http_client_new(&o, NULL, 0);
    struct http_response r;

    CHECK_INT(get(c, "/slow", &r), -1);
    CHECK_INT(r.failure, HTTP_FAIL_TIMEOUT);
    CHECK(r.network_error);
    CHECK(strncmp(r.error, "timed out after 300 ms", 22) == 0);
    http_response_free(&r);

    /* A per-request timeout overrides the client's. */
    char url[128];
    url_for(url, sizeof url, "/slow");
    struct http_request req = {.url = url, .timeout_ms = 200};
    CHECK_INT(http_client_send(c, &req, &r), -1);
    CHECK_INT(r.failure, HTTP_FAIL_TIMEOUT);
    CHECK(strncmp(r.error, "timed out after 200 ms", 22) == 0);
    http_response_free(&r);

    /* Default cap (1 MiB) against a 2 MiB body of unknown length. */
    CHECK_INT(get(c, "/stream", &r), -1);
    CHECK_INT(r.failure, HTTP_FAIL_TOO_LARGE);
    CHECK(!r.network_error);
    CHECK_STR(r.error, "response larger than 1048576 bytes");
    CHECK(r.body_len <= HTTP_MAX_RESPONSE_BYTES);
    http_response_free(&r);
    http_client_free(c);

    /* A smaller cap, hit by a declared Content-Length and by streamed bytes. */
    o.max_response_bytes = 1000;
    o.timeout_ms = 5000;
    c = http_client_new(&o, NULL, 0);
    CHECK_INT(get(c, "/big", &r), -1);
    CHECK_INT(r.failure, HTTP_FAIL_TOO_LARGE);
    CHECK_STR(r.error, "response larger than 1000 bytes");
    http_response_free(&r);
    CHECK_INT(get(c, "/stream", &r), -1);
    CHECK_INT(r.failure, HTTP_FAIL_TOO_LARGE);
    http_response_free(&r);
    CHECK_INT(get(c, "/ok", &r), 0);
    CHECK_STR(r.body, "hello");
    http_response_free(&r);

    /* Requests that never reach the network. */
    static const struct {
        const char *method, *url, *header, *error;
    } bad[] = {
        {"GET", "ftp://127.0.0.1/x", NULL, "only http and https URLs are allowed"},
        {"GET", "file:///etc/passwd", NULL, "only http and https URLs are allowed"},
        {"GET", "gopher://127.0.0.1:70/", NULL, "only http and https URLs are allowed"},
        {"GET", "not a url", NULL, "invalid URL"},
        {"GE T", "http://127.0.0.1/", NULL, "invalid request method"},
        {"GET", "http://127.0.0.1/", "X-Evil: a\r\nX-Injected: b", "invalid request header"},
        {"GET", "http://127.0.0.1/", "No colon", "invalid request header"},
        {"GET", "http://127.0.0.1/", "Bad Name: x", "invalid request header"},
        {"POST", "http://127.0.0.1/", "Content-Length: 0", "invalid request header"},
        {"POST", "http://127.0.0.1/", "transfer-encoding: chunked", "invalid request header"},
        {"GET", "http://127.0.0.1/a\r\nX-Injected: 1", NULL, "invalid URL"},
        {"GET", "http://127.0.0.1/a b", NULL, "invalid URL"},
        {"GET", "http://", NULL, "invalid URL"},
        {"GET", "", NULL, "invalid URL"},
    };
    int before = accepted_count();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *hs[] = {bad[i].header};
        struct http_request b = {.method = bad[i].method,
                                 .url = bad[i].url,
                                 .headers = hs,
                                 .header_count = bad[i].header ? 1 : 0};
        CHECK_INT(http_client_send(c, &b, &r), -1);
        CHECK_INT(r.failure, HTTP_FAIL_INVALID);
        CHECK_STR(r.error, bad[i].error);
        http_response_free(&r);
    }
    CHECK_INT(accepted_count(), before);
    http_client_free(c);

    /* Proxy variables in the environment are ignored: the call still goes straight to the server.
     */
    setenv("http_proxy", "http://192.0.2.1:9", 1);
    setenv("ALL_PROXY", "http://192.0.2.1:9", 1);
    o = (struct http_client_options){.allow_hosts = LOOPBACK_ONLY, .connect_timeout_ms = 2000};
    c = http_client_new(&o, NULL, 0);
    CHECK_INT(get(c, "/ok", &r), 0);
    CHECK_INT(r.status, 200);
    http_response_free(&r);
    http_client_free(c);
    unsetenv("http_proxy");
    unsetenv("ALL_PROXY");
}

/* ---- the SSRF guard ------------------------------------------------------------------------- */

static void run_address_table(void)
{
    static const struct {
        const char *addr;
        const char *kind; /* NULL: public */
    } cases[] = {
        {"127.0.0.1", "loopback"},
        {"127.255.0.9", "loopback"},
        {"10.1.2.3", "private"},
        {"172.16.0.1", "private"},
        {"172.31.255.255", "private"},
        {"172.32.0.1", NULL},
        {"192.168.0.1", "private"},
        {"169.254.169.254", "link-local"},
        {"100.64.0.1", "carrier-grade NAT"},
        {"100.127.255.255", "carrier-grade NAT"},
        {"100.128.0.1", NULL},
        {"0.0.0.0", "unspecified"},
        {"224.0.0.1", "multicast"},
        {"239.255.255.250", "multicast"},
        {"255.255.255.255", "reserved"},
        {"198.18.0.1", "reserved"},
        {"192.0.2.10", "documentation"},
        {"8.8.8.8", NULL},
        {"1.1.1.1", NULL},
        {"::", "unspecified"},
        {"::1", "loopback"},
        {"::ffff:10.0.0.1", "private"},
        {"::ffff:127.0.0.1", "loopback"},
        {"::ffff:8.8.8.8", NULL},
        {"64:ff9b::a9fe:a9fe", "link-local"},
        {"2002:7f00:1::", "loopback"},
        {"2002:0808:0808::1", NULL},
        {"fc00::1", "unique local"},
        {"fd12:3456::1", "unique local"},
        {"fe80::1", "link-local"},
        {"fec0::1", "site-local"},
        {"ff02::1", "multicast"},
        {"2001:db8::1", "documentation"},
        {"::10.0.0.1", "reserved"},
        {"2606:4700:4700::1111", NULL},
        {"2a00:1450:4001::200e", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        if (strchr(cases[i].addr, ':')) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            a->sin6_family = AF_INET6;
            CHECK(inet_pton(AF_INET6, cases[i].addr, &a->sin6_addr) == 1);
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            a->sin_family = AF_INET;
            CHECK(inet_pton(AF_INET, cases[i].addr, &a->sin_addr) == 1);
        }
        const char *kind = ssrf_address_kind((struct sockaddr *)&ss);
        if (cases[i].kind)
            CHECK_STR(kind, cases[i].kind);
        else
            CHECK(kind == NULL);
        if ((kind == NULL) != (cases[i].kind == NULL))
            fprintf(stderr, "  address %s: got %s\n", cases[i].addr, kind ? kind : "public");
    }
}

static void run_allow_list(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
    inet_pton(AF_INET, "10.0.0.5", &a.sin_addr);
    const struct sockaddr *sa = (const struct sockaddr *)&a;
    char err[200] = "";
    struct ssrf_policy p = {0};
    CHECK(!ssrf_permits(&p, "10.0.0.5", sa, err, sizeof err));
    CHECK_STR(err, "refused: 10.0.0.5 is a private address (allow it with "
                   "--allow-private-network)");
    p.allow_private = true;
    CHECK(ssrf_permits(&p, "10.0.0.5", sa, NULL, 0));

    static const struct {
        const char *entry, *host;
        bool allowed;
    } cases[] = {
        {"10.0.0.5", "10.0.0.5", true},
        {"10.0.0.5:8080", "10.0.0.5", true},
        {"10.0.0.5:8081", "10.0.0.5", false},
        {"10.0.0.6", "10.0.0.5", false},
        {"10.0.0.0/8", "10.0.0.5", true},
        {"10.0.0.0/30", "10.0.0.5", false},
        {"internal.example", "internal.example", true},
        {"INTERNAL.example:8080", "internal.example", true},
        {"internal.example:9090", "internal.example", false},
        {"internal.example", "other.example", false},
        {"::1", "10.0.0.5", false},
        {"", "10.0.0.5", false},
        {"internal.example:", "internal.example", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *list[] = {cases[i].entry, NULL};
        struct ssrf_policy q = {.allow_hosts = list};
        CHECK_INT(ssrf_permits(&q, cases[i].host, sa, NULL, 0), cases[i].allowed);
    }

    struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
    inet_pton(AF_INET6, "fd00::7", &b.sin6_addr);
    const char *v6[] = {"[fd00::7]:443", NULL}, *v6net[] = {"fd00::/8", NULL},
               *v6port[] = {"[fd00::7]:80", NULL};
    struct ssrf_policy q = {.allow_hosts = v6};
    CHECK(ssrf_permits(&q, "fd00::7", (struct sockaddr *)&b, NULL, 0));
    q.allow_hosts = v6net;
    CHECK(ssrf_permits(&q, "fd00::7", (struct sockaddr *)&b, NULL, 0));
    q.allow_hosts = v6port;
    CHECK(!ssrf_permits(&q, "fd00::7", (struct sockaddr *)&b, err, sizeof err));
    CHECK_STR(err, "refused: fd00::7 is a unique local address (allow it with "
                   "--allow-private-network)");
}

/* True when the guard, with no allowances, refuses the literal address in url ("//ADDR/" or
 * "//[ADDR]/"). Checked before a call so that a broken classifier cannot send anything out. */
static bool guard_refuses(const char *url)
{
    char addr[64] = "";
    const char *p = strstr(url, "//") + 2;
    size_t n = strcspn(p, "/:]");
    if (*p == '[') {
        p++;
        n = strcspn(p, "]");
    }
    snprintf(addr, sizeof addr, "%.*s", (int)n, p);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1)
        v4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1)
        v6->sin6_family = AF_INET6;
    else
        return false;
    struct ssrf_policy none = {0};
    return !ssrf_permits(&none, NULL, (struct sockaddr *)&ss, NULL, 0);
}

static void run_guarded_client(void)
{
    struct http_client_options o = {.connect_timeout_ms = 2000, .timeout_ms = 3000};
    struct http_client *c = http_client_new(&o, NULL, 0);
    /*
     * Loopback targets come first. Should one of them get through, the guard is not wired into
     * the client, and the private addresses after them are not tried: nothing may leave the
     * machine, even from a broken build.
     */
    static const struct {
        const char *url, *error;
        bool local;
    } refused[] = {
        {"http://127.0.0.1:%d/ok", "refused: 127.0.0.1 is a loopback address", true},
        {"http://[::1]:%d/ok", "refused: ::1 is a loopback address", true},
        {"http://0.0.0.0:%d/ok", "refused: 0.0.0.0 is an unspecified address", true},
        {"http://[::ffff:127.0.0.1]:%d/ok", "refused: ::ffff:127.0.0.1 is a loopback address",
         true},
        {"http://localhost:%d/ok", "refused: ", true},
        {"http://2130706433:%d/ok", "refused: 127.0.0.1 is a loopback address", true},
        {"http://0x7f.1:%d/ok", "refused: 127.0.0.1 is a loopback address", true},
        {"http://10.1.2.3/", "refused: 10.1.2.3 is a private address", false},
        {"http://169.254.169.254/latest/meta-data", "refused: 169.254.169.254 is a link-local",
         false},
        {"http://192.168.0.1/", "refused: 192.168.0.1 is a private address", false},
        {"http://100.64.0.1/", "refused: 100.64.0.1 is a carrier-grade NAT address", false},
        {"https://[fd00::1]/", "refused: fd00::1 is a unique local address", false},
    };
    int before = accepted_count();
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (!refused[i].local && !wired) {
            fprintf(stderr, "  not trying %s: the guard let a loopback call through\n",
                    refused[i].url);
            CHECK(wired);
            continue;
        }
        if (!refused[i].local && !guard_refuses(refused[i].url)) {
            fprintf(stderr, "  not trying %s: the guard does not classify it\n", refused[i].url);
            CHECK(!"address classified as public");
            continue;
        }
        char url[128];
        snprintf(url, sizeof url, refused[i].url, srv.port);
        struct http_request req = {.url = url};
        struct http_response r;
        CHECK_INT(http_client_send(c, &req, &r), -1);
        CHECK_INT(r.failure, HTTP_FAIL_REFUSED);
        CHECK(!r.network_error);
        CHECK(strncmp(r.error, refused[i].error, strlen(refused[i].error)) == 0);
        CHECK(strstr(r.error, "--allow-private-network") != NULL);
        if (r.failure != HTTP_FAIL_REFUSED) {
            fprintf(stderr, "  %s: %s\n", url, r.error);
            if (refused[i].local)
                wired = false;
        }
        CHECK_INT(retry_classify(&r), RETRY_FAIL);
        http_response_free(&r);
    }
    /* Nothing reached the server. */
    CHECK_INT(accepted_count(), before);
    http_client_free(c);

    /* The allow-list lets exactly what it names through. */
    char port_entry[64], name_entry[64], wrong_port[64];
    snprintf(port_entry, sizeof port_entry, "127.0.0.1:%d", srv.port);
    snprintf(name_entry, sizeof name_entry, "localhost:%d", srv.port);
    snprintf(wrong_port, sizeof wrong_port, "127.0.0.1:%d", srv.port == 1 ? 2 : 1);
    static const char *const *lists[5];
    const char *l0[] = {"127.0.0.1", NULL}, *l1[] = {port_entry, NULL},
               *l2[] = {"127.0.0.0/8", NULL}, *l3[] = {name_entry, NULL},
               *l4[] = {wrong_port, NULL};
    lists[0] = l0;
    lists[1] = l1;
    lists[2] = l2;
    lists[3] = l3;
    lists[4] = l4;
    for (int i = 0; i < 5; i++) {
        o.allow_hosts = lists[i];
        c = http_client_new(&o, NULL, 0);
        char url[128];
        snprintf(url, sizeof url, "http://%s:%d/ok", i == 3 ? "localhost" : "127.0.0.1", srv.port);
        struct http_request req = {.url = url};
        struct http_response r;
        int rc = http_client_send(c, &req, &r);
        if (i < 4) {
            CHECK_INT(rc, 0);
            CHECK_INT(r.status, 200);
        } else {
            CHECK_INT(rc, -1);
            CHECK_INT(r.failure, HTTP_FAIL_REFUSED);
        }
        http_response_free(&r);
        http_client_free(c);
    }

    /* allow_private lifts the guard. */
    o = (struct http_client_options){.allow_private = true};
    c = http_client_new(&o, NULL, 0);
    struct http_response r;
    CHECK_INT(get(c, "/ok", &r), 0);
    CHECK_INT(r.status, 200);
    http_response_free(&r);
    http_client_free(c);

    /* A followed redirect is guarded like the first request: an allowed host cannot bounce the
     * client to the metadata address. */
    if (!wired || !guard_refuses("http://169.254.169.254/"))
        return;
    o = (struct http_client_options){.allow_hosts = LOOPBACK_ONLY, .max_redirects = 3};
    c = http_client_new(&o, NULL, 0);
    CHECK_INT(get(c, "/redirect", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "hello");
    http_response_free(&r);
    CHECK_INT(get(c, "/redirect-away", &r), -1);
    CHECK_INT(r.failure, HTTP_FAIL_REFUSED);
    CHECK(strncmp(r.error, "refused: 169.254.169.254", 24) == 0);
    http_response_free(&r);
    http_client_free(c);
}

/* ---- the retry policy ----------------------------------------------------------------------- */

static void run_retry_policy(void)
{
    static const struct {
        long status;
        enum http_failure failure;
        enum retry_verdict verdict;
    } table[] = {
        {200, HTTP_FAIL_NONE, RETRY_SUCCESS}, {201, HTTP_FAIL_NONE, RETRY_SUCCESS},
        {204, HTTP_FAIL_NONE, RETRY_SUCCESS}, {299, HTTP_FAIL_NONE, RETRY_SUCCESS},
        {100, HTTP_FAIL_NONE, RETRY_FAIL},    {301, HTTP_FAIL_NONE, RETRY_FAIL},
        {304, HTTP_FAIL_NONE, RETRY_FAIL},    {400, HTTP_FAIL_NONE, RETRY_FAIL},
        {401, HTTP_FAIL_NONE, RETRY_FAIL},    {403, HTTP_FAIL_NONE, RETRY_FAIL},
        {404, HTTP_FAIL_NONE, RETRY_FAIL},    {409, HTTP_FAIL_NONE, RETRY_FAIL},
        {422, HTTP_FAIL_NONE, RETRY_FAIL},    {408, HTTP_FAIL_NONE, RETRY_AGAIN},
        {429, HTTP_FAIL_NONE, RETRY_AGAIN},   {500, HTTP_FAIL_NONE, RETRY_AGAIN},
        {502, HTTP_FAIL_NONE, RETRY_AGAIN},   {503, HTTP_FAIL_NONE, RETRY_AGAIN},
        {599, HTTP_FAIL_NONE, RETRY_AGAIN},   {600, HTTP_FAIL_NONE, RETRY_FAIL},
        {0, HTTP_FAIL_NETWORK, RETRY_AGAIN},  {0, HTTP_FAIL_TIMEOUT, RETRY_AGAIN},
        {0, HTTP_FAIL_TOO_LARGE, RETRY_FAIL}, {0, HTTP_FAIL_REFUSED, RETRY_FAIL},
        {0, HTTP_FAIL_INVALID, RETRY_FAIL},   {0, HTTP_FAIL_NO_HOST, RETRY_FAIL},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct http_response r = {.status = table[i].status, .failure = table[i].failure};
        r.network_error =
            table[i].failure == HTTP_FAIL_NETWORK || table[i].failure == HTTP_FAIL_TIMEOUT;
        CHECK_INT(retry_classify(&r), table[i].verdict);
        if (retry_classify(&r) != table[i].verdict)
            fprintf(stderr, "  status %ld failure %d\n", table[i].status, (int)table[i].failure);
    }

    /* Fixed random values give fixed delays: the top of each window, then the bottom. */
    CHECK_INT(retry_delay_ms(1, -1, UINT32_MAX), 1000);
    CHECK_INT(retry_delay_ms(2, -1, UINT32_MAX), 2000);
    CHECK_INT(retry_delay_ms(3, -1, UINT32_MAX), 4000);
    CHECK_INT(retry_delay_ms(8, -1, UINT32_MAX), 128000);
    CHECK_INT(retry_delay_ms(10, -1, UINT32_MAX), 512000);
    CHECK_INT(retry_delay_ms(11, -1, UINT32_MAX), RETRY_MAX_DELAY_MS);
    CHECK_INT(retry_delay_ms(1000, -1, UINT32_MAX), RETRY_MAX_DELAY_MS);
    CHECK_INT(retry_delay_ms(5, -1, 0), 0);
    CHECK_INT(retry_delay_ms(3, -1, UINT32_MAX / 2), 2000);
    CHECK_INT(retry_delay_ms(3, -1, 12345), retry_delay_ms(3, -1, 12345));

    /* Windows grow with the attempt; delays stay in [0, cap] for any random value. */
    static const uint32_t randoms[] = {0, 1, 12345, 0x80000000u, 0xdeadbeefu, UINT32_MAX};
    int64_t prev = 0;
    for (int attempt = 1; attempt <= 40; attempt++) {
        int64_t top = retry_delay_ms(attempt, -1, UINT32_MAX);
        CHECK(top >= prev);
        prev = top;
        for (size_t i = 0; i < sizeof randoms / sizeof randoms[0]; i++) {
            int64_t d = retry_delay_ms(attempt, -1, randoms[i]);
            CHECK(d >= 0 && d <= top && d <= RETRY_MAX_DELAY_MS);
        }
    }
    CHECK_INT(prev, RETRY_MAX_DELAY_MS);

    /* Retry-After is a floor, itself capped. */
    CHECK_INT(retry_delay_ms(1, 2000, 0), 2000);
    CHECK_INT(retry_delay_ms(1, 2000, UINT32_MAX), 2000);
    CHECK_INT(retry_delay_ms(9, 2000, UINT32_MAX), 256000);
    CHECK_INT(retry_delay_ms(1, 0, 0), 0);
    CHECK_INT(retry_delay_ms(1, (int64_t)31536000 * 1000, 0), RETRY_MAX_DELAY_MS);
    CHECK(RETRY_MAX_ATTEMPTS >= 2);

    /* Retry-After parsing. */
    CHECK_INT(http_parse_retry_after("2", 0), 2000);
    CHECK_INT(http_parse_retry_after(" 120 \r\n", 0), 120000);
    CHECK_INT(http_parse_retry_after("0", 0), 0);
    CHECK_INT(http_parse_retry_after("soon", 0), -1);
    CHECK_INT(http_parse_retry_after("", 0), -1);
    CHECK_INT(http_parse_retry_after("-5", 0), -1);
    CHECK_INT(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 30), 30000);
    CHECK_INT(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 30), 0);
    CHECK(http_parse_retry_after("99999999999999999999", 0) >= RETRY_MAX_DELAY_MS);
}

/* ---- delivery headers ----------------------------------------------------------------------- */

static const char *find_line(const struct delivery_headers *h, const char *name)
{
    size_t n = strlen(name);
    const char *found = NULL;
    for (size_t i = 0; i < h->count; i++)
        if (strncmp(h->lines[i], name, n) == 0 && h->lines[i][n] == ':') {
            if (found)
                return "(duplicate)";
            found = h->lines[i] + n + 2;
        }
    return found;
}

static void run_delivery_headers(void)
{
    char *priv = NULL, *pub = NULL;
    CHECK_INT(sign_rsa_generate(&priv, &pub, NULL, 0), 0);
    struct rsa_signer *signer = sign_rsa_new(priv, NULL, 0);
    CHECK(signer != NULL);
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    char url[128];
    url_for(url, sizeof url, "/echo");
    const char *body = "{\"orderId\":\"1001\",\"status\":\"shipped\"}";
    int64_t now = time(NULL);
    struct delivery d = {.workflow_id = "wf_123",
                         .user_id = "user_9",
                         .block_name = "Stream Data to sink",
                         .block_type = "streamData",
                         .execution_uuid = "3f1c0b7e-6a53-4c43-9a43-1f2a9c1d5e10",
                         .idempotency_key = "exec_3f1c0b7e-step_2",
                         .timestamp_s = now,
                         .webhook_secret = secret,
                         .signer = signer,
                         .method = "POST",
                         .url = url,
                         .body = body,
                         .body_len = strlen(body)};
    struct delivery_headers h;
    char err[160] = "";
    CHECK_INT(delivery_headers(&d, &h, err, sizeof err), 0);
    CHECK_INT(h.count, 12);
    CHECK_STR(find_line(&h, "X-Alloy-WorkflowId"), "wf_123");
    CHECK_STR(find_line(&h, "X-Alloy-UserId"), "user_9");
    CHECK_STR(find_line(&h, "X-Alloy-BlockName"), "Stream Data to sink");
    CHECK_STR(find_line(&h, "X-Alloy-BlockType"), "streamData");
    CHECK_STR(find_line(&h, "X-Alloy-ExecutionUuid"), "3f1c0b7e-6a53-4c43-9a43-1f2a9c1d5e10");
    CHECK_STR(find_line(&h, "Idempotency-Key"), "exec_3f1c0b7e-step_2");
    CHECK_STR(find_line(&h, "webhook-id"), "exec_3f1c0b7e-step_2");
    CHECK_STR(find_line(&h, "Content-Type"), "application/json");
    CHECK_STR(find_line(&h, "User-Agent"), "Solder/" SOLDER_VERSION);
    CHECK(find_line(&h, "webhook-signature") != NULL);
    CHECK(find_line(&h, "X-Alloy-Signature") != NULL);

    /* Send it and verify both signatures from what the receiver got. */
    struct http_client_options o = {.allow_hosts = LOOPBACK_ONLY};
    struct http_client *c = http_client_new(&o, NULL, 0);
    struct http_request req = {.method = "POST",
                               .url = url,
                               .headers = (const char *const *)h.lines,
                               .header_count = h.count,
                               .body = body,
                               .body_len = strlen(body)};
    struct http_response r;
    CHECK_INT(http_client_send(c, &req, &r), 0);
    CHECK_INT(r.status, 200);
    http_response_free(&r);
    char *seen = last_request();
    char id[128] = "", ts[32] = "", sig[512] = "", rsa[1100] = "", ua[64] = "";
    CHECK(header_value(seen, "webhook-id", id, sizeof id));
    CHECK(header_value(seen, "webhook-timestamp", ts, sizeof ts));
    CHECK(header_value(seen, "webhook-signature", sig, sizeof sig));
    CHECK(header_value(seen, "X-Alloy-Signature", rsa, sizeof rsa));
    CHECK(header_value(seen, "User-Agent", ua, sizeof ua));
    CHECK_STR(ua, "Solder/" SOLDER_VERSION);
    const char *got = strstr(seen, "\r\n\r\n") + 4;
    CHECK(sign_standard_webhook_verify(secret, id, ts, sig, got, strlen(got), now, SIGN_TOLERANCE_S,
                                       err, sizeof err));
    CHECK(sign_rsa_verify(pub, "POST", url, got, strlen(got), rsa));
    free(seen);
    delivery_headers_free(&h);

    /* Without a secret or signer those headers are left out. */
    d.webhook_secret = NULL;
    d.signer = NULL;
    CHECK_INT(delivery_headers(&d, &h, err, sizeof err), 0);
    CHECK_INT(h.count, 10);
    CHECK(find_line(&h, "webhook-signature") == NULL);
    CHECK(find_line(&h, "X-Alloy-Signature") == NULL);
    delivery_headers_free(&h);

    /* Bad input fails with a reason and leaves nothing allocated. */
    struct delivery bad = d;
    bad.workflow_id = NULL;
    CHECK_INT(delivery_headers(&bad, &h, err, sizeof err), -1);
    CHECK_STR(err, "missing or invalid value for X-Alloy-WorkflowId");
    CHECK_INT(h.count, 0);
    bad = d;
    bad.block_name = "Stream\r\nX-Injected: 1";
    CHECK_INT(delivery_headers(&bad, &h, err, sizeof err), -1);
    CHECK_STR(err, "missing or invalid value for X-Alloy-BlockName");
    bad = d;
    bad.idempotency_key = "a.b";
    CHECK_INT(delivery_headers(&bad, &h, err, sizeof err), -1);
    CHECK_STR(err, "the idempotency key must not contain '.'");
    bad = d;
    bad.webhook_secret = "whsec_***";
    CHECK_INT(delivery_headers(&bad, &h, err, sizeof err), -1);
    CHECK_STR(err, "the webhook secret is not a valid whsec_ secret");

    /* A receiver that fails twice then succeeds sees the same Idempotency-Key three times, with a
     * fresh signature for each attempt's timestamp. */
    url_for(url, sizeof url, "/flaky");
    d.webhook_secret = secret;
    d.signer = signer;
    int attempt = 0;
    enum retry_verdict v = RETRY_AGAIN;
    while (v == RETRY_AGAIN && attempt < RETRY_MAX_ATTEMPTS) {
        attempt++;
        d.timestamp_s = now + attempt;
        CHECK_INT(delivery_headers(&d, &h, err, sizeof err), 0);
        req.url = url;
        req.headers = (const char *const *)h.lines;
        req.header_count = h.count;
        http_client_send(c, &req, &r);
        v = retry_classify(&r);
        if (v == RETRY_AGAIN)
            CHECK(retry_delay_ms(attempt, r.retry_after_ms, retry_random()) <= RETRY_MAX_DELAY_MS);
        http_response_free(&r);
        delivery_headers_free(&h);
    }
    CHECK_INT(v, RETRY_SUCCESS);
    CHECK_INT(attempt, 3);
    pthread_mutex_lock(&srv.mu);
    CHECK_STR(srv.flaky_keys[0], "exec_3f1c0b7e-step_2");
    CHECK_STR(srv.flaky_keys[1], "exec_3f1c0b7e-step_2");
    CHECK_STR(srv.flaky_keys[2], "exec_3f1c0b7e-step_2");
    pthread_mutex_unlock(&srv.mu);

    http_client_free(c);
    sign_rsa_free(signer);
    free(priv);
    free(pub);
}

/* ---- the outbound path ------------------------------------------------------------------------
 */

static void run_outbound(void)
{
    struct http_client_options o = {.allow_hosts = LOOPBACK_ONLY};
    struct http_client *c = http_client_new(&o, NULL, 0);
    char *secret = sign_whsec_generate();
    struct outbound_secrets secrets = {0};
    struct outbound_ctx ctx = {c, "wf1", "user1", "exec1", secret, NULL, &secrets};
    struct wf_block block = {.id = "b1", .name = "Push", .type_name = "http"};
    char url[128];
    url_for(url, sizeof url, "/echo");
    const char *mine[] = {"X-Auth-Key: key-0123456789", "Accept: text/plain"};
    struct outbound_request req = {&block, "b1", "POST", url, mine, 2, "{\"a\":1}", 7, 0};
    struct http_response resp;
    enum retry_verdict verdict;
    char err[256] = "";
    CHECK_INT(outbound_send(&ctx, &req, &resp, &verdict, err, sizeof err), 0);
    CHECK_INT(verdict, RETRY_SUCCESS);
    char *seen = last_request();
    CHECK(strstr(seen, "X-Auth-Key: key-0123456789\r\n") != NULL);
    CHECK(strstr(seen, "webhook-signature: v1,") != NULL);
    CHECK(strstr(seen, "X-Alloy-BlockName: Push\r\n") != NULL);
    free(seen);
    http_response_free(&resp);
    /* The caller's secret-looking header values are now secrets of the execution. */
    char *shown = outbound_redact_text(&secrets, "got key-0123456789 back");
    CHECK_STR(shown, "got [redacted] back");
    free(shown);

    /* Signing that fails sends nothing and says why, whoever calls (block or app action). */
    struct http_client *fresh = http_client_new(&o, NULL, 0);
    ctx.http = fresh;
    ctx.webhook_secret = "whsec_not base64!";
    int before = accepted_count();
    CHECK_INT(outbound_send(&ctx, &req, &resp, &verdict, err, sizeof err), -1);
    CHECK(strstr(err, "cannot sign the request: the webhook secret is not a valid whsec_ secret") !=
          NULL);
    CHECK_INT(resp.status, 0);
    http_response_free(&resp);
    CHECK_INT(accepted_count(), before);
    http_client_free(fresh);
    outbound_secrets_free(&secrets);
    free(secret);
    http_client_free(c);
}

int main(void)
{
    run_address_table();
    run_allow_list();
    run_retry_policy();
    if (!server_start()) {
        fprintf(stderr, "could not start the test server on 127.0.0.1\n");
        return 1;
    }
    run_client_basics();
    run_client_limits();
    run_guarded_client();
    run_delivery_headers();
    run_outbound();
    server_stop();
    return check_summary("test_delivery");
}
