/*
 * The outbound HTTP client: every call Solder makes to a third-party API or an ISV's webhook goes
 * through here (libcurl underneath).
 *
 * Lifecycle: one struct http_client per worker thread, created with http_client_new and kept for
 * the thread's life, so connections (and TLS sessions, DNS answers) are reused between calls. A
 * client is NOT thread-safe: never use one from two threads at once. http_client_free closes its
 * connections.
 *
 * What every call enforces:
 *   - only http:// and https:// URLs (also for redirects);
 *   - redirects are not followed unless max_redirects > 0; a 3xx is returned as the response;
 *   - proxy environment variables (http_proxy, HTTPS_PROXY, ALL_PROXY...) are ignored;
 *   - a connect timeout and a total timeout per call;
 *   - a response-size cap: a larger body aborts the transfer and closes the connection;
 *   - the SSRF guard (engine/ssrf.h) on every socket, after DNS resolution: refused addresses are
 *     never connected to.
 */
#ifndef SOLDER_HTTP_CLIENT_H
#define SOLDER_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default connect timeout: a dead host must not hold a worker longer than this per attempt. */
#define HTTP_CONNECT_TIMEOUT_MS 10000L
/* Default total time per call (connect, send, wait, receive): bounds how long a slow or stalled
 * receiver can hold a worker thread. */
#define HTTP_TIMEOUT_MS 30000L
/* Default response-size cap: a receiver cannot make a worker buffer an unbounded body. */
#define HTTP_MAX_RESPONSE_BYTES ((size_t)1 << 20)
/* Most request headers accepted per call, and longest header line: keep one request's header
 * block bounded. */
#define HTTP_MAX_HEADERS      64
#define HTTP_MAX_HEADER_BYTES 8192

/* Configuration of a client. Everything is copied by http_client_new. Zero means the default. */
struct http_client_options {
    bool allow_private;             /* lift the SSRF guard entirely */
    const char *const *allow_hosts; /* NULL-terminated allow-list, forms in engine/ssrf.h */
    long connect_timeout_ms;        /* default HTTP_CONNECT_TIMEOUT_MS */
    long timeout_ms;                /* default total per call; HTTP_TIMEOUT_MS */
    size_t max_response_bytes;      /* default HTTP_MAX_RESPONSE_BYTES */
    long max_redirects;             /* 0: redirects are returned, not followed */
};

/* One outgoing request; the client only borrows it for the duration of http_client_send. */
struct http_request {
    const char *method;         /* "GET", "POST", ...; NULL means GET, or POST with a body */
    const char *url;            /* absolute http:// or https:// URL */
    const char *const *headers; /* "Name: value" strings; not Content-Length or
                                   Transfer-Encoding, which the client sets itself */
    size_t header_count;
    const char *body; /* may be NULL when body_len is 0 */
    size_t body_len;
    long timeout_ms; /* 0: the client's default */
};

/* Why a call produced no HTTP status. */
enum http_failure {
    HTTP_FAIL_NONE = 0,  /* a response arrived; see status */
    HTTP_FAIL_NETWORK,   /* DNS, connect, TLS, reset, empty reply: may work on retry */
    HTTP_FAIL_TIMEOUT,   /* the connect or total timeout expired: may work on retry */
    HTTP_FAIL_TOO_LARGE, /* the response exceeded the size cap */
    HTTP_FAIL_REFUSED,   /* the SSRF guard refused every address of the host */
    HTTP_FAIL_NO_HOST,   /* DNS says the host name does not exist (not a lookup that failed) */
    HTTP_FAIL_INVALID,   /* the request itself is unusable: URL, scheme, method or header */
};

/*
 * The outcome of one call. Owns body and content_type; release with http_response_free. body is
 * NUL-terminated (body_len excludes the NUL) and may be partial after HTTP_FAIL_TOO_LARGE.
 */
struct http_response {
    long status; /* HTTP status, 0 when none arrived */
    char *body;
    size_t body_len;
    char *content_type;     /* NULL when absent */
    char *link;             /* the Link header(s), joined with ", "; NULL when absent */
    int64_t retry_after_ms; /* Retry-After in ms (delta-seconds or HTTP-date), -1 when absent */
    bool network_error;     /* failure is HTTP_FAIL_NETWORK or HTTP_FAIL_TIMEOUT */
    enum http_failure failure;
    char error[256]; /* why failure != HTTP_FAIL_NONE; empty otherwise */
};

struct http_client;

/* Creates a client. Returns NULL with err set when libcurl cannot be initialised. */
struct http_client *http_client_new(const struct http_client_options *options, char *err,
                                    size_t err_len);
void http_client_free(struct http_client *c);

/*
 * Performs req. Always fills *resp (the caller frees it with http_response_free, whatever the
 * result). Returns 0 when an HTTP status arrived (any status, 2xx or not), -1 otherwise with
 * resp->failure and resp->error set.
 */
int http_client_send(struct http_client *c, const struct http_request *req,
                     struct http_response *resp);

void http_response_free(struct http_response *resp);

/*
 * Parses a Retry-After value: delta-seconds or an HTTP-date (a date in the past gives 0). Returns
 * milliseconds, or -1 when value is neither. now_s is the current time in seconds.
 */
int64_t http_parse_retry_after(const char *value, int64_t now_s);

#endif
