/*
 * HTTP layer: the request every handler sees, the route table's shape, and the reply helpers.
 *
 * One struct request exists per HTTP transaction. The server fills it (method, path, query,
 * selected headers, body, route parameters, the authenticated identity), runs the pipeline of
 * STYLE.md (route -> auth -> limits -> JSON parse) and then calls the handler, which answers with
 * exactly one reply_* call. Everything a handler reads through the request lives until the reply is
 * written.
 *
 * Threading: handlers run on an API thread (http/pool.c), ROUTE_INLINE ones on the lws service
 * thread. A request belongs to one thread at a time; a handler never touches lws itself
 * (request_header asks the service thread when needed).
 */
#ifndef SOLDER_HTTP_H
#define SOLDER_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>

#include "store/store.h"
#include "util/buf.h"

struct app;

enum http_method {
    HTTP_GET,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_HEAD,
    HTTP_OTHER
};

const char *http_method_name(enum http_method m);

/* Route flags. */
#define ROUTE_PUBLIC     0x01u /* no credentials needed */
#define ROUTE_USER_TOKEN 0x02u /* also accepts a user token in x-alloy-user-token */
#define ROUTE_BROWSER    0x04u /* answers CORS preflights and adds CORS headers */
#define ROUTE_BATCH      0x08u /* runs on the batch thread; writes through app_write (group commit) */
#define ROUTE_SESSION    0x10u /* only a dashboard session may call it (not an API key) */
/* An install link's token may call it (with ROUTE_USER_TOKEN): what the install modal needs to
 * read and install the link's one integration. Other routes answer its token 403. */
#define ROUTE_INSTALL_LINK 0x20u
#define ROUTE_INLINE       0x40u /* public and instant: answered on the lws service thread itself */
/* Only the bearer token of --metrics-token may call it (GET /metrics). */
#define ROUTE_METRICS 0x80u
/* Counted against the per-user /run/event bucket of the body's userId, not the caller's
 * (http/ratelimit.c). */
#define ROUTE_PER_USER_LIMIT 0x100u
/* Counted against no rate limit. */
#define ROUTE_NO_LIMIT 0x200u
/* The route's body schema applies when a body is sent; none is needed. */
#define ROUTE_BODY_OPTIONAL 0x400u

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX  256

struct request;

/* One row of the route table, which scripts/routes.mjs generates from the route descriptions in
 * native/api/routes/ (docs/architecture.md, "Routes as data"). */
struct route {
    enum http_method method;
    const char *pattern; /* "/users/:userId/token"; ":name" matches one non-empty segment */
    void (*handler)(struct request *req);
    unsigned flags;
    const char *body_schema; /* JSON Schema of the request body as JSON text, or NULL */
};

/* Who is calling, once auth has run. */
struct identity {
    enum { IDENTITY_NONE, IDENTITY_API_KEY, IDENTITY_USER_TOKEN, IDENTITY_SESSION } kind;
    struct environment env;
    char key_id[ID_LEN + 1];         /* API key */
    char user_id[ID_LEN + 1];        /* user token: the only user it may act for */
    char jti[ID_LEN + 1];            /* user token: its id */
    bool install_link;               /* the token of a hosted install link (single use) */
    char integration_id[ID_LEN + 1]; /* install link: the one integration it may install */
    int64_t token_exp;               /* user token: expiry, seconds */
    char session[48];                /* dashboard session: the cookie's value (http/session.h) */
    char account[ID_LEN + 1];        /* dashboard session: the operator account */
};

struct request {
    struct app *app; /* on an API thread: that thread's view (its own store connection) */
    struct lws *wsi;
    struct request *next;     /* in the API threads' queues */
    atomic_bool abandoned;    /* the connection closed: the reply will never be written */
    bool deferred;            /* the reply waits for the store writer's group commit (app_write) */
    struct pool_write *write; /* app_write: that write, until the reply is made */
    /* http_defer: a job's thread has the request; resume(req, resume_arg) runs next, on an API
     * thread, once the job is done (resume_ready) and the handler has let go of it (parked;
     * also for app_write: its reply is made once the write is done and parked is set). */
    bool waiting, parked, resume_ready;
    void (*resume)(struct request *req, void *arg);
    void *resume_arg;
    enum http_method method;
    char path[1024];
    const char *route_path; /* path without its dated version prefix, once routed */
    char *query;            /* raw query string without '?', never NULL after setup */
    char request_id[17];
    char peer[48]; /* the client's address, as text */
    int64_t started_us;

    /* Selected request headers (malloc'd or NULL). */
    char *authorization;
    char *user_token;
    char *api_version;
    char *origin;

    struct buf body;
    size_t content_length;
    bool has_content_length;
    bool body_too_large;
    cJSON *json; /* parsed body for requests that carry one, else NULL */

    const struct route *route;
    int nparams;
    char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
    struct identity who;

    /* The reply. */
    bool replied;
    int status;
    char *resp_body;
    size_t resp_len;
    const char *resp_type;
    struct buf resp_headers; /* extra "name: value\r\n" lines */
};

/*
 * Finds the route for method and path (a dated version prefix already removed). params receives the
 * ":name" segments, percent-decoded. Returns the route; NULL with *wrong_method set when the path
 * exists for other methods only, NULL with *wrong_method clear when nothing matches.
 */
const struct route *router_match(const struct route *table, size_t n, enum http_method method,
                                 const char *path, char params[][ROUTE_PARAM_MAX], int *nparams,
                                 bool *wrong_method);

/* Strips a leading "/YYYY-MM" segment. Returns the rest ("/" when nothing is left). */
const char *router_strip_version(const char *path, char version[8]);

/* Percent-decodes src into dst (cap bytes). Returns false on bad escapes, NUL bytes or overflow. */
bool url_decode(const char *src, size_t len, char *dst, size_t cap, bool plus_is_space);

/* The decoded value of query parameter name (malloc'd), or NULL when absent. */
char *request_query(const struct request *req, const char *name);
/* A request header by name (any case); malloc'd, NULL if absent. From an API thread this asks the
 * lws thread, which owns the headers, and waits for its answer. */
char *request_header(const struct request *req, const char *name);

/* Replies. Each takes ownership of what it is given; the first reply wins, later ones are ignored.
 */
void reply_json(struct request *req, int status, cJSON *body);
void reply_raw(struct request *req, int status, const char *type, char *body, size_t len);
void reply_error(struct request *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void reply_header(struct request *req, const char *name, const char *value);

/*
 * Identities shared by the request pipeline and the websocket channel (http/server.c). Both fill
 * *who. http_identify_api_key takes the bare key (no "Bearer ") and returns STORE_OK,
 * STORE_NOT_FOUND for an unknown or revoked key, or another store status. http_identify_user_token
 * verifies the signature and claims and that the user still exists; false with the reason in msg
 * otherwise.
 */
int http_identify_api_key(struct app *app, const char *key, size_t klen, struct identity *who);
bool http_identify_user_token(struct app *app, const char *token, struct identity *who, char *msg,
                              size_t msg_len);

/*
 * Work off the API threads (http/defer.c), for a handler (on an API thread): runs work(arg) on a
 * thread of its own, then done(req, arg) back on an API thread, which replies; meanwhile the
 * request waits. When the connection closed in between, done gets req NULL (and only frees arg).
 * Returns false, with nothing started, when too many jobs run already: the handler replies itself
 * then.
 */
bool http_defer(struct request *req, void (*work)(void *arg),
                void (*done)(struct request *req, void *arg), void *arg);
/* Waits for every job's work to end (at shutdown, before the API threads stop). */
void http_defer_drain(void);

/* Maps a store status to the matching reply (404 / 409 / 500). what names the object ("user"). */
void reply_store_error(struct request *req, int rc, const char *what);

#endif
