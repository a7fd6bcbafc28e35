/*
 * The outbound HTTP client over one reused libcurl easy handle (see http_client.h). It validates
 * the request, applies the limits, runs the SSRF guard from curl's open-socket callback (which sees
 * the resolved address, so DNS rebinding cannot slip past a name check), and maps curl's results
 * onto struct http_response. It does not retry, sign or add headers: engine/retry and
 * engine/delivery do.
 */
#include "engine/http_client.h"

#include "engine/ssrf.h"
#include "plat.h"
#include "util/buf.h"

#include <curl/curl.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netdb.h>
#include <sys/socket.h>

/* Longest method token accepted; real methods are short, and it bounds what reaches the wire. */
#define HTTP_METHOD_MAX 16

struct http_client {
    CURL *easy;
    struct ssrf_policy policy;
    char **allow_hosts; /* owned copy; policy.allow_hosts points here */
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_bytes;
    long max_redirects;
};

/* State of one call, shared with the curl callbacks. */
struct transfer {
    struct http_client *client;
    struct buf body;
    bool too_large;
    int64_t retry_after_ms;
    bool refused;
    char refusal[200];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void init_curl(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct http_client *http_client_new(const struct http_client_options *options, char *err,
                                    size_t err_len)
{
    static const struct http_client_options defaults = {0};
    const struct http_client_options *o = options ? options : &defaults;
    pthread_once(&curl_once, init_curl);
    struct http_client *c = calloc(1, sizeof *c);
    if (!c || curl_init_result != CURLE_OK || !(c->easy = curl_easy_init())) {
        free(c);
        if (err && err_len)
            snprintf(err, err_len, "could not initialise libcurl");
        return NULL;
    }
    size_t n = 0;
    while (o->allow_hosts && o->allow_hosts[n])
        n++;
    c->allow_hosts = calloc(n + 1, sizeof *c->allow_hosts);
    for (size_t i = 0; c->allow_hosts && i < n; i++) {
        if (!(c->allow_hosts[i] = strdup(o->allow_hosts[i]))) {
            http_client_free(c);
            c = NULL;
            break;
        }
    }
    if (!c || !c->allow_hosts) {
        http_client_free(c);
        if (err && err_len)
            snprintf(err, err_len, "out of memory");
        return NULL;
    }
    c->policy.allow_private = o->allow_private;
    c->policy.allow_hosts = (const char *const *)c->allow_hosts;
    c->connect_timeout_ms =
        o->connect_timeout_ms > 0 ? o->connect_timeout_ms : HTTP_CONNECT_TIMEOUT_MS;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : HTTP_TIMEOUT_MS;
    c->max_response_bytes = o->max_response_bytes ? o->max_response_bytes : HTTP_MAX_RESPONSE_BYTES;
    c->max_redirects = o->max_redirects > 0 ? o->max_redirects : 0;
    return c;
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    if (c->easy)
        curl_easy_cleanup(c->easy);
    for (size_t i = 0; c->allow_hosts && c->allow_hosts[i]; i++)
        free(c->allow_hosts[i]);
    free(c->allow_hosts);
    free(c);
}

void http_response_free(struct http_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    free(resp->content_type);
    free(resp->link);
    resp->body = resp->content_type = resp->link = NULL;
    resp->body_len = 0;
}

int64_t http_parse_retry_after(const char *value, int64_t now_s)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                 value[n - 1] == '\n'))
        n--;
    if (n == 0 || n > 64)
        return -1;
    char text[65];
    memcpy(text, value, n);
    text[n] = '\0';
    if (strspn(text, "0123456789") == n) {
        /* Nine digits already exceed any delay the retry policy would honour; saturate there. */
        if (n > 9)
            return (int64_t)999999999 * 1000;
        return (int64_t)strtol(text, NULL, 10) * 1000;
    }
    time_t at = curl_getdate(text, NULL);
    if (at == -1)
        return -1;
    int64_t delta = (int64_t)at - now_s;
    return delta > 0 ? delta * 1000 : 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;
    if (t->body.len + n > t->client->max_response_bytes) {
        t->too_large = true;
        return 0;
    }
    buf_append(&t->body, data, n);
    return t->body.oom ? 0 : n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
        t->retry_after_ms = -1; /* a new response (after 1xx or a redirect) starts afresh */
    } else if (n > sizeof name - 1 && n < 128 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char value[128];
        memcpy(value, data + sizeof name - 1, n - (sizeof name - 1));
        value[n - (sizeof name - 1)] = '\0';
        t->retry_after_ms = http_parse_retry_after(value, plat_now_ms() / 1000);
    }
    return n;
}

/* Every Link header of the last response, joined as one list (RFC 8288 allows either form). */
static char *link_headers(CURL *easy)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(easy, "Link", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
        return NULL;
    struct buf out = {0};
    size_t amount = h->amount;
    for (size_t i = 0; i < amount; i++) {
        if (curl_easy_header(easy, "Link", i, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
            break;
        if (out.len)
            buf_puts(&out, ", ");
        buf_puts(&out, h->value);
    }
    if (out.oom) {
        buf_free(&out);
        return NULL;
    }
    return buf_take(&out);
}

/* The host of the URL curl is connecting for (after redirects), without IPv6 brackets. */
static void current_host(CURL *easy, char *out, size_t out_len)
{
    out[0] = '\0';
    char *url = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || !url)
        return;
    CURLU *u = curl_url();
    char *host = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        const char *h = host;
        size_t n = strlen(h);
        if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
            h++;
            n -= 2;
        }
        snprintf(out, out_len, "%.*s", (int)n, h);
    }
    curl_free(host);
    curl_url_cleanup(u);
}

static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose,
                                    struct curl_sockaddr *address)
{
    struct transfer *t = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, &address->addr, address->addrlen < sizeof ss ? address->addrlen : sizeof ss);
    char host[256];
    current_host(t->client->easy, host, sizeof host);
    if (!ssrf_permits(&t->client->policy, host, (const struct sockaddr *)&ss, t->refusal,
                      sizeof t->refusal)) {
        t->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

static bool is_token_char(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Headers the client owns: framing set by the caller could make the receiver read a different
 * request than the one that was signed (request smuggling). */
static const char *const RESERVED_HEADERS[] = {"Content-Length", "Transfer-Encoding"};

/* A header line must be "Name: value" with a token name, no CR, LF or NUL in the value, no
 * reserved name, and fit in HTTP_MAX_HEADER_BYTES. */
static bool header_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h || strlen(h) > HTTP_MAX_HEADER_BYTES)
        return false;
    for (const char *p = h; p < colon; p++)
        if (!is_token_char((unsigned char)*p))
            return false;
    size_t name_len = (size_t)(colon - h);
    for (size_t i = 0; i < sizeof RESERVED_HEADERS / sizeof RESERVED_HEADERS[0]; i++)
        if (strlen(RESERVED_HEADERS[i]) == name_len &&
            strncasecmp(h, RESERVED_HEADERS[i], name_len) == 0)
            return false;
    return strpbrk(colon, "\r\n") == NULL;
}

static int fail(struct http_response *resp, enum http_failure why, const char *msg)
{
    resp->failure = why;
    resp->network_error = why == HTTP_FAIL_NETWORK || why == HTTP_FAIL_TIMEOUT;
    snprintf(resp->error, sizeof resp->error, "%s", msg);
    return -1;
}

/* Checks the URL's scheme and host before curl sees it, for a clear error message. */
static bool url_ok(const char *url, char *err, size_t err_len)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    bool ok = false;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, err_len, "invalid URL");
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(err, err_len, "only http and https URLs are allowed");
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
        snprintf(err, err_len, "URL has no host");
    } else {
        ok = true;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* Sets the method and body options; false when the method is not a valid token. */
static bool set_method(CURL *e, const struct http_request *req)
{
    const char *m = req->method ? req->method : (req->body_len ? "POST" : "GET");
    size_t n = strlen(m);
    if (n == 0 || n > HTTP_METHOD_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_token_char((unsigned char)m[i]))
            return false;
    bool with_body = req->body_len > 0 || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
                     strcmp(m, "PATCH") == 0;
    if (with_body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body_len ? req->body : "");
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        if (strcmp(m, "GET") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    }
    return true;
}

static void configure(struct http_client *c, struct transfer *t, const struct http_request *req,
                      struct curl_slist *headers, char *errbuf)
{
    CURL *e = c->easy;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, c->max_redirects > 0 ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, c->max_redirects);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response_bytes);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
}

/*
 * Whether DNS answered that host does not exist, rather than failing to answer: curl reports both
 * as "could not resolve", but only the first is worth no retry. Asks the system resolver again (the
 * one curl uses), on the failure path only; a name that now resolves, or a lookup that fails for
 * another reason (no answer, a server failure), is not called missing.
 */
static bool host_missing(CURL *easy)
{
    char host[256];
    current_host(easy, host, sizeof host);
    if (!host[0])
        return false;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *found = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &found);
    if (found)
        freeaddrinfo(found);
#ifdef EAI_NODATA
    if (rc == EAI_NODATA)
        return true;
#endif
    return rc == EAI_NONAME;
}

/* Maps a failed transfer onto resp->failure and resp->error. */
static int map_error(struct http_client *c, struct transfer *t, CURLcode rc, const char *errbuf,
                     long timeout, struct http_response *resp)
{
    char msg[256];
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(msg, sizeof msg, "response larger than %zu bytes", c->max_response_bytes);
        return fail(resp, HTTP_FAIL_TOO_LARGE, msg);
    }
    if (t->refused && rc == CURLE_COULDNT_CONNECT)
        return fail(resp, HTTP_FAIL_REFUSED, t->refusal);
    if (rc == CURLE_COULDNT_RESOLVE_HOST && host_missing(c->easy)) {
        char host[256];
        current_host(c->easy, host, sizeof host);
        snprintf(msg, sizeof msg, "the host %.200s does not exist (DNS name not found)", host);
        return fail(resp, HTTP_FAIL_NO_HOST, msg);
    }
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(msg, sizeof msg, "timed out after %ld ms (%.200s)", timeout, detail);
        return fail(resp, HTTP_FAIL_TIMEOUT, msg);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        snprintf(msg, sizeof msg, "invalid request: %.200s", detail);
        return fail(resp, HTTP_FAIL_INVALID, msg);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_WRITE_ERROR:
        return fail(resp, HTTP_FAIL_NETWORK, "out of memory while receiving the response");
    default:
        snprintf(msg, sizeof msg, "network error: %.200s", detail);
        return fail(resp, HTTP_FAIL_NETWORK, msg);
    }
}

int http_client_send(struct http_client *c, const struct http_request *req,
                     struct http_response *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->retry_after_ms = -1;
    if (!req->url)
        return fail(resp, HTTP_FAIL_INVALID, "invalid URL");
    char msg[128];
    if (!url_ok(req->url, msg, sizeof msg))
        return fail(resp, HTTP_FAIL_INVALID, msg);
    if (req->header_count > HTTP_MAX_HEADERS)
        return fail(resp, HTTP_FAIL_INVALID, "too many request headers");
    if (req->body_len && !req->body)
        return fail(resp, HTTP_FAIL_INVALID, "request body missing");

    struct curl_slist *headers = NULL;
    for (size_t i = 0; i < req->header_count; i++) {
        if (!req->headers[i] || !header_ok(req->headers[i])) {
            curl_slist_free_all(headers);
            return fail(resp, HTTP_FAIL_INVALID, "invalid request header");
        }
        struct curl_slist *next = curl_slist_append(headers, req->headers[i]);
        if (!next) {
            curl_slist_free_all(headers);
            return fail(resp, HTTP_FAIL_INVALID, "out of memory");
        }
        headers = next;
    }
    /* No "Expect: 100-continue" round trip before large bodies. */
    struct curl_slist *next = curl_slist_append(headers, "Expect:");
    if (!next) {
        curl_slist_free_all(headers);
        return fail(resp, HTTP_FAIL_INVALID, "out of memory");
    }
    headers = next;

    struct transfer t = {.client = c, .retry_after_ms = -1};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c->easy);
    configure(c, &t, req, headers, errbuf);
    if (!set_method(c->easy, req)) {
        curl_slist_free_all(headers);
        return fail(resp, HTTP_FAIL_INVALID, "invalid request method");
    }
    CURLcode rc = curl_easy_perform(c->easy);
    curl_slist_free_all(headers);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);

    int result = 0;
    if (rc != CURLE_OK) {
        long timeout = req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms;
        result = map_error(c, &t, rc, errbuf, timeout, resp);
    } else {
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &resp->status);
        char *ct = NULL;
        if (curl_easy_getinfo(c->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
            resp->content_type = strdup(ct);
        resp->retry_after_ms = t.retry_after_ms;
        resp->link = link_headers(c->easy);
    }
    if (t.body.oom) {
        buf_free(&t.body);
        http_response_free(resp);
        resp->status = 0;
        return fail(resp, HTTP_FAIL_NETWORK, "out of memory while receiving the response");
    }
    resp->body_len = t.body.len;
    resp->body = buf_take(&t.body);
    if (!resp->body)
        resp->body = calloc(1, 1);
    return result;
}
