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

struct connector_action {
    char *name;
    char *title;
    char *description;
    cJSON *input_schema; /* JSON Schema of the inputs, or NULL */
    schema_t *inputs;    /* compiled input_schema, or NULL */
    struct connector_request request;
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

/* Evaluates an optional expression (NULL expr: returns a copy of dflt, NULL when dflt is NULL).
 * Returns the result (NULL when undefined) and 0, or -1 with err set. */
int connector_eval(const struct mapping_expr *expr, const cJSON *scope, const cJSON *dflt,
                   const struct mapping_limits *limits, cJSON **result, char *err, size_t err_len);

/* The provider's message for a failed response: the errorMessage expression when given, else the
 * first of body.title, body.message, body.error, body[0].message, body.errors[0].message, or the
 * body text. Writes at most n bytes to out. */
void connector_error_text(const struct connector *c, long status, const cJSON *body, char *out,
                          size_t n);

#endif
