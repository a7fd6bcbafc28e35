/*
 * Connector definitions (DESIGN §6, docs/connectors.md): one app described as data — its
 * credential form and how a credential is applied to requests, its base URL, actions and webhook
 * triggers — parsed once and then used to render concrete HTTP requests. No I/O here: the server
 * sends what this module renders, and reads the files it parses.
 *
 * Two kinds of text appear in a definition. Templates ("/v2/orders/{inputs.id}") substitute
 * `{path.to.value}` looked up in a scope object (percent-encoded in paths; `{+path}` inserts the
 * value as it is); expressions (query, body, output, filter,
 * payload, errorMessage) are JSONata evaluated over the same scope. The scope of a request is
 * {"inputs", "credential", "subscription", "delivery", "enriched"}, members present as they apply.
 *
 * Ownership rule: arguments are borrowed. A parsed connector is owned by the caller
 * (connector_free) and immutable after connector_parse, so many threads may render from it at once.
 * Everything returned belongs to the caller.
 */
#ifndef SOLDER_CONNECTOR_H
#define SOLDER_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "mapping/mapping.h"
#include "schema/schema.h"

/* Shortest polling interval: a definition cannot make the server hammer an app. */
#define CONNECTOR_MIN_POLL_SECONDS 1
/* Interval of a polling trigger that names none. */
#define CONNECTOR_DEFAULT_POLL_SECONDS 300
/* Header lines one rendered request may carry: bounds a definition's or credential's reach. */
#define CONNECTOR_MAX_HEADERS 32
/* Longest template result: a URL or header value longer than this is an error, not a request. */
#define CONNECTOR_MAX_TEMPLATE 8192

/* How one HTTP request is built. */
struct connector_request {
    char *method;                /* "GET", "PUT", ... */
    char *path;                  /* template appended to the base URL; may be absolute */
    cJSON *headers;              /* {name: template} or NULL */
    struct mapping_expr *query;  /* -> object of query parameters, or NULL */
    struct mapping_expr *body;   /* -> JSON body, or NULL for none */
    struct mapping_expr *output; /* over {status, body, inputs}: the result; NULL = body */
};

/* Items asked per request when a pagination names no size. */
#define CONNECTOR_DEFAULT_PAGE_SIZE 50
/* Largest page size a definition may ask for. */
#define CONNECTOR_MAX_PAGE_SIZE 10000
/* Requests one paginated call makes when the definition names no maxPages. */
#define CONNECTOR_DEFAULT_MAX_PAGES 100
/* Largest maxPages: one step cannot walk an endless listing (each page is held in memory). */
#define CONNECTOR_MAX_PAGES 1000
/* The block input that caps a paginated call's items (added to the action's input schema). */
#define CONNECTOR_MAX_ITEMS_INPUT "maxItems"

enum connector_page_style {
    PAGE_STYLE_PAGE,   /* param = 1, 2, 3 ... (from start) */
    PAGE_STYLE_OFFSET, /* param = start, start + size, ... */
    PAGE_STYLE_CURSOR, /* param = the cursor the previous page's nextCursor gave */
    PAGE_STYLE_LINK,   /* the URL of the previous response's Link rel="next" */
};

/* How a list action walks the pages of its answer (an action's "pagination" member). */
struct connector_pagination {
    enum connector_page_style style;
    char *param;                      /* query parameter of the page, offset or cursor */
    char *size_param;                 /* query parameter of the page size, or NULL */
    int size;                         /* items asked per request */
    long start;                       /* first page number (page) or offset (offset) */
    struct mapping_expr *items;       /* over the body: the page's items; NULL = the body */
    struct mapping_expr *next_cursor; /* cursor style, over the body: the next cursor */
    struct mapping_expr *total_pages; /* over the body: how many pages there are, or NULL */
    int max_pages;
};

struct connector_action {
    char *name;
    char *title;
    char *description;
    cJSON *input_schema;  /* JSON Schema of the inputs, or NULL */
    cJSON *output_schema; /* JSON Schema of the output (documentation, not enforced), or NULL */
    schema_t *inputs;     /* compiled input_schema, or NULL */
    struct connector_request request;
    struct connector_pagination *pagination; /* NULL: one request, one answer */
};

enum connector_verify { VERIFY_NONE, VERIFY_SECRET_HEADER, VERIFY_HMAC_SHA256 };

struct connector_trigger {
    char *name;
    char *title;
    char *event; /* the provider's event name ("store/order/created") */
    struct connector_request subscribe;
    bool has_unsubscribe;
    struct connector_request unsubscribe;
    enum connector_verify verify;
    char *verify_header;         /* header carrying the secret or signature */
    char *verify_secret;         /* template of the secret / HMAC key */
    bool verify_hex;             /* HMAC digest encoding: hex, else base64 */
    struct mapping_expr *filter; /* over the scope: false drops a delivery; NULL keeps all */
    bool has_enrich;
    struct connector_request enrich;
    /* polling triggers (polling is true): the request run every interval_s seconds over
     * {credential, subscription, cursor}; items (over {status, body, cursor}) yields the new
     * items, key (over one item) the id that makes an item run at most once, cursor (over {body,
     * items, cursor}) the value the next poll starts from. */
    bool polling;
    struct connector_request poll;
    int interval_s;
    struct mapping_expr *items;
    struct mapping_expr *key;
    struct mapping_expr *cursor;
    struct mapping_expr *payload; /* over the scope: the workflow's event; NULL = enriched or
                                     delivery */
};

enum connector_auth { AUTH_NONE, AUTH_API_KEY, AUTH_BASIC, AUTH_OAUTH2 };

struct connector {
    char *app;
    char *name;
    char *icon;
    char *description;
    char *base_url; /* template, may be overridden by a credential's baseUrl */
    char **hosts;   /* declared host patterns ("*.myshopify.com"; NULL-terminated), or NULL: see
                       connector_url */
    const struct connector_network *network; /* hosts the server allows besides (borrowed) */
    enum connector_auth auth;
    cJSON *auth_fields;    /* JSON Schema of a credential's data */
    schema_t *auth_schema; /* compiled auth_fields */
    cJSON *auth_headers;   /* {name: template} applied to every request, or NULL */
    cJSON *auth_query;     /* {name: template}, or NULL */
    char *basic_username;  /* templates, basic auth */
    char *basic_password;
    char *credential_name;     /* template naming a credential in listings, or NULL */
    char *oauth_authorize_url; /* oauth2: template over {credential: the oauthUrl parameters} */
    char *oauth_token_url;     /* oauth2: template, same scope */
    char *oauth_scopes;        /* oauth2: space-separated, or NULL */
    bool has_test;             /* Connect sends test with a new credential */
    struct connector_request test;
    struct mapping_expr *error_message; /* over {status, body}: the provider's message */
    struct connector_action *actions;
    int nactions;
    struct connector_trigger *triggers;
    int ntriggers;
};

/*
 * Builds a connector from a document already checked against connectors/connector.schema.json
 * (the shape), checking what the schema cannot: expressions compile, the auth form is a valid
 * schema, names are unique. Returns the connector, or NULL with a message in err naming the
 * member ("actions.getOrder.body: ...").
 */
struct connector *connector_parse(const cJSON *doc, char *err, size_t err_len);
void connector_free(struct connector *c);

const struct connector_action *connector_action(const struct connector *c, const char *name);
const struct connector_trigger *connector_trigger(const struct connector *c, const char *name);

/* {name, icon, isOauth, properties:[{name, displayName, description?}]} as the metadata API shows
 * a credential type; key is "name" or "connector" (the 2025-09 spelling). */
cJSON *connector_credential_metadata(const struct connector *c, const char *key);

/* One rendered request, ready to send. Lifecycle: filled by connector_render, released with
 * connector_http_clear. */
struct connector_http {
    char *method;
    char *url;
    char *headers[CONNECTOR_MAX_HEADERS]; /* "Name: value" */
    size_t nheaders;
    char *body; /* NULL for none */
};

void connector_http_clear(struct connector_http *h);

/*
 * Renders r for c over scope (see the top of this file): base URL (base_override when not NULL,
 * else c's template), path, query, headers, the credential applied as the auth section says, and
 * the body. Returns 0, or -1 with err set (a missing template value, an expression error, a value
 * with CR/LF in a header). limits bounds every expression (NULL: mapping's defaults).
 */
int connector_render(const struct connector *c, const struct connector_request *r,
                     const cJSON *scope, const char *base_override,
                     const struct mapping_limits *limits, struct connector_http *out, char *err,
                     size_t err_len);

/* Expands one template over scope into a malloc'd string; NULL with err set when a value is
 * missing or the result is too long. encode percent-encodes substituted values (path segments). */
char *connector_template(const char *tmpl, const cJSON *scope, bool encode, char *err,
                         size_t err_len);

/*
 * Expands a URL template (baseUrl, an absolute request path, authorizeUrl, tokenUrl) over scope
 * into a malloc'd URL. A value substituted into the host must be one hostname label, or, when the
 * credential form declares a pattern for its field, a host name matching that pattern; values
 * anywhere else are percent-encoded. The host of the result must match one of the connector's
 * declared hosts ('*' standing for one label's characters), or, when it declares none, the
 * template's own host with '*' where values were substituted. NULL with err set otherwise: a
 * parameter an end user chose can never send a request (and the secrets it carries) elsewhere.
 */
char *connector_url(const struct connector *c, const char *tmpl, const cJSON *scope, char *err,
                    size_t err_len);

/* Evaluates an optional expression (NULL expr: returns a copy of dflt, NULL when dflt is NULL).
 * Returns the result (NULL when undefined) and 0, or -1 with err set. */
int connector_eval(const struct mapping_expr *expr, const cJSON *scope, const cJSON *dflt,
                   const struct mapping_limits *limits, cJSON **result, char *err, size_t err_len);

/*
 * One paginated call in progress (connector/paginate.c): what the next request asks for, the
 * items gathered so far, and whether to stop. Planning only: the caller renders and sends.
 *
 * Lifecycle: connector_pages_begin; then, until done, connector_pages_query (and, for the link
 * style, connector_pages_url) for the next request, send it, connector_pages_take its answer;
 * then connector_pages_result (the items, owned by the caller) and connector_pages_clear.
 */
struct connector_pages {
    const struct connector_pagination *p; /* borrowed */
    int size;                             /* items per request: p->size, or max_items if smaller */
    long max_items;                       /* 0: no cap */
    int fetched;                          /* answers taken so far */
    long position;                        /* page number or offset of the next request */
    char *cursor;                         /* cursor style: for the next request, NULL at first */
    char *next_url;                       /* link style: the next request's URL, NULL at first */
    cJSON *items;                         /* gathered, in order */
    bool done;
    bool truncated;   /* stopped by maxPages or max_items while more might exist */
    const char *stop; /* why it stopped (static text) */
};

/* max_items: the block's cap (0 for none). */
void connector_pages_begin(struct connector_pages *pg, const struct connector_pagination *p,
                           long max_items);
/* Query parameters of the next request ({} for a link-style follow-up); caller owns. They replace
 * the action's own parameters of the same names. */
cJSON *connector_pages_query(const struct connector_pages *pg);
/* Link style after the first answer: the URL to request instead of the action's (borrowed, valid
 * until the next take); else NULL. */
const char *connector_pages_url(const struct connector_pages *pg);
/*
 * Takes one successful answer (status, parsed body, the Link header or NULL, and the URL that was
 * requested): gathers its items up to max_items and decides whether another request is needed.
 * Items that are not an array count as one item. Returns 0, or -1 with err set when an expression
 * fails, or when a next link leaves the origin of the request (credentials would go to another
 * host).
 */
int connector_pages_take(struct connector_pages *pg, long status, const cJSON *body,
                         const char *link, const char *url, const struct mapping_limits *limits,
                         char *err, size_t err_len);
/* The gathered items (an array, possibly empty), owned by the caller; pg keeps none. */
cJSON *connector_pages_result(struct connector_pages *pg);
void connector_pages_clear(struct connector_pages *pg);

/* The target of the rel="next" link of an RFC 8288 Link header value (malloc'd), or NULL. */
char *connector_link_next(const char *link);

/*
 * As connector_render, for one page of a paginated call: page_query's parameters replace the
 * request's own of the same names, and url (when not NULL) replaces the base URL, path and query
 * (the credential's query parameters are still applied). connector_render is this with neither.
 */
int connector_render_page(const struct connector *c, const struct connector_request *r,
                          const cJSON *scope, const char *base_override, const cJSON *page_query,
                          const char *url, const struct mapping_limits *limits,
                          struct connector_http *out, char *err, size_t err_len);

/* ---- what a credential may be (connector/credential.c) ---- */

/*
 * Hosts the server allows besides a connector's own "hosts" (its --allow-hosts entries and its
 * private-network setting), so that a credential may point a connector at a sandbox or a test
 * server the operator allowed. Set on a connector (c->network) once, before it is used.
 */
struct connector_network {
    bool allow_private;             /* loopback and private address literals, and localhost */
    const char *const *allow_hosts; /* NULL-terminated: "name", "name:port", "1.2.3.4[:port]",
                                       "10.0.0.0/8" */
};

/*
 * True when url may be requested for c: c declares no hosts, or the URL's host (and port) matches
 * one of c->hosts ("api.example.com", "*.example.com", either with ":port"), or c->network allows
 * it. Otherwise false with err naming the host and what would allow it. A URL with user
 * information (user@host) or without an http(s) scheme is never permitted.
 */
bool connector_url_permitted(const struct connector *c, const char *url, char *err, size_t err_len);

/* True when url's host is one of c's own hosts; authority receives "host:port" either way ("" when
 * url is not an http(s) URL). A credential pointed elsewhere (a sandbox) is named with it. */
bool connector_url_own_host(const struct connector *c, const char *url, char *authority, size_t n);

/* Adds to data (a credential's values) the default of every property of c's credential form that
 * data lacks. */
void connector_credential_defaults(const struct connector *c, cJSON *data);

/* A copy of scope whose credential has the defaults of c's credential form added, or NULL when
 * scope has no credential or it lacks nothing (then scope itself serves). */
cJSON *connector_scope_defaults(const struct connector *c, const cJSON *scope);

/* The credential property a "{+credential.NAME}" at the start of c's base URL names (e.g.
 * "api_url"), copied into out; false when the base URL starts otherwise. */
bool connector_base_url_field(const struct connector *c, char *out, size_t n);

/* The provider's message for a failed response: the errorMessage expression when given, else the
 * first of body.title, body.message, body.error, body[0].message, body.errors[0].message, or the
 * body text. Writes at most n bytes to out. */
void connector_error_text(const struct connector *c, long status, const cJSON *body, char *out,
                          size_t n);

#endif
