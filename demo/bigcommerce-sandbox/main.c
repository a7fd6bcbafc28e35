/*
 * bigcommerce-sandbox: a small BigCommerce-compatible store for tests and the demo. Serves, under
 * /stores/{store_hash}: v2 orders (list, get, create, update status), v2 order statuses and v3
 * hooks, authenticated with X-Auth-Token; and at / a page to place an order and watch statuses
 * change. Registered hooks receive store/order/created as BigCommerce sends it.
 *
 * Not a BigCommerce emulator: no pagination, filters, products or customers, and state lives in
 * memory only.
 *
 *   bigcommerce-sandbox [--listen ADDR:PORT] [--store-hash HASH] [--token TOKEN]
 */
#include "shop.h"

#include <ctype.h>
#include <curl/curl.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest request body read: orders and hooks are small; this bounds memory per connection. */
#define MAX_BODY (256 * 1024)

/* BigCommerce's page sizes: 50 when a list call names none, at most 250. */
#define PAGE_DEFAULT_LIMIT 50
#define PAGE_MAX_LIMIT     250

struct conn {
    char method[8];
    char path[512];
    char query[1024]; /* the decoded query arguments, "a=1&b=2" */
    char token[256];
    char *body;
    size_t body_len;
    bool too_large;
    int status;
    char *resp;
    const char *type;
    char location[64];
};

static struct shop *shop;
static char token[256] = "sandbox-token";
static volatile sig_atomic_t stopping;
static struct lws_context *context;

static void reply(struct conn *c, int status, cJSON *body)
{
    c->status = status;
    free(c->resp);
    c->resp = body ? cJSON_PrintUnformatted(body) : strdup("");
    c->type = "application/json";
    cJSON_Delete(body);
}

static void reply_error(struct conn *c, int status, const char *title)
{
    cJSON *arr = cJSON_CreateArray(), *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "message", title);
    cJSON_AddItemToArray(arr, o);
    reply(c, status, arr);
}

static cJSON *body_json(struct conn *c)
{
    return c->body ? cJSON_ParseWithLength(c->body, c->body_len) : NULL;
}

/* The value of name in an application/x-www-form-urlencoded body, decoded into out. */
static void form_value(const char *body, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t o = 0;
            for (size_t i = nl + 1; i < len && o + 1 < cap; i++) {
                if (p[i] == '+')
                    out[o++] = ' ';
                else if (p[i] == '%' && i + 2 < len && isxdigit((unsigned char)p[i + 1]) &&
                         isxdigit((unsigned char)p[i + 2])) {
                    char hex[3] = {p[i + 1], p[i + 2], 0};
                    out[o++] = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else
                    out[o++] = p[i];
            }
            out[o] = '\0';
            return;
        }
        p = amp ? amp + 1 : NULL;
    }
}

/* A whole-number query argument, clamped to [min, max]; dflt when absent or not a number. */
static long query_long(const struct conn *c, const char *name, long dflt, long min, long max)
{
    char v[32];
    form_value(c->query, name, v, sizeof v);
    char *end;
    long n = strtol(v, &end, 10);
    if (!v[0] || *end)
        return dflt;
    return n < min ? min : n > max ? max : n;
}

/* The items of page (from 1) of limit items each: a copy of that slice of all. */
static cJSON *slice(const cJSON *all, long page, long limit)
{
    cJSON *out = cJSON_CreateArray();
    long first = (page - 1) * limit, i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, all)
    {
        if (i >= first && i < first + limit)
            cJSON_AddItemToArray(out, cJSON_Duplicate(it, true));
        i++;
    }
    return out;
}

/* A v3 list answer as BigCommerce pages it: ?page and ?limit, the slice in data and
 * meta.pagination (a page past the end is an empty data array). */
static cJSON *v3_list(const struct conn *c, const cJSON *all)
{
    long limit = query_long(c, "limit", PAGE_DEFAULT_LIMIT, 1, PAGE_MAX_LIMIT);
    long page = query_long(c, "page", 1, 1, 1000000);
    long total = cJSON_GetArraySize(all), pages = (total + limit - 1) / limit;
    cJSON *o = cJSON_CreateObject();
    cJSON *data = slice(all, page, limit);
    long count = cJSON_GetArraySize(data);
    cJSON_AddItemToObject(o, "data", data);
    cJSON *p = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "meta"), "pagination");
    cJSON_AddNumberToObject(p, "total", (double)total);
    cJSON_AddNumberToObject(p, "count", (double)count);
    cJSON_AddNumberToObject(p, "per_page", (double)limit);
    cJSON_AddNumberToObject(p, "current_page", (double)page);
    cJSON_AddNumberToObject(p, "total_pages", (double)pages);
    cJSON *links = cJSON_AddObjectToObject(p, "links");
    char link[64];
    snprintf(link, sizeof link, "?page=%ld&limit=%ld", page, limit);
    cJSON_AddStringToObject(links, "current", link);
    if (page > 1) {
        snprintf(link, sizeof link, "?page=%ld&limit=%ld", page - 1, limit);
        cJSON_AddStringToObject(links, "previous", link);
    }
    if (page < pages) {
        snprintf(link, sizeof link, "?page=%ld&limit=%ld", page + 1, limit);
        cJSON_AddStringToObject(links, "next", link);
    }
    return o;
}

static void html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

static void page(struct conn *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fprintf(f, "<!doctype html><html><head><meta charset=utf-8><meta http-equiv=refresh "
               "content=3><title>BigCommerce sandbox</title><style>body{font:15px system-ui;"
               "margin:2em}td,th{padding:.3em .8em;text-align:left}</style></head><body>");
    fprintf(f, "<h1>BigCommerce sandbox &middot; store ");
    html_escape(f, shop_hash(shop));
    fprintf(f, "</h1><form method=post action=/place-order><input name=first_name "
               "placeholder='First name' required> <input name=email placeholder=Email "
               "type=email required> <input name=amount placeholder=Amount value=25 "
               "inputmode=decimal> <button>Place order</button></form>");
    fprintf(f, "<h2>Orders</h2><table><tr><th>Id</th><th>Customer</th><th>Total</th>"
               "<th>Status</th><th>Modified</th></tr>");
    const cJSON *o;
    cJSON_ArrayForEach(o, shop_orders(shop))
    {
        const cJSON *b = cJSON_GetObjectItem(o, "billing_address");
        fprintf(f, "<tr><td>%d</td><td>", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id")));
        html_escape(f, cJSON_GetStringValue(cJSON_GetObjectItem(b, "email")));
        fprintf(f, "</td><td>");
        html_escape(f, cJSON_GetStringValue(cJSON_GetObjectItem(o, "total_inc_tax")));
        fprintf(f, "</td><td class=status>");
        html_escape(f, cJSON_GetStringValue(cJSON_GetObjectItem(o, "status")));
        fprintf(f, "</td><td>");
        html_escape(f, cJSON_GetStringValue(cJSON_GetObjectItem(o, "date_modified")));
        fprintf(f, "</td></tr>");
    }
    fprintf(f, "</table><h2>Webhooks</h2><ul>");
    cJSON_ArrayForEach(o, shop_hooks(shop))
    {
        fprintf(f, "<li>");
        html_escape(f, cJSON_GetStringValue(cJSON_GetObjectItem(o, "scope")));
        fprintf(f, " &rarr; ");
        html_escape(f, cJSON_GetStringValue(cJSON_GetObjectItem(o, "destination")));
        fprintf(f, "</li>");
    }
    fprintf(f, "</ul></body></html>");
    fclose(f);
    c->status = 200;
    free(c->resp);
    c->resp = text;
    c->type = "text/html; charset=utf-8";
}

static void place_order(struct conn *c)
{
    char name[128], email[128], amount[32];
    form_value(c->body ? c->body : "", "first_name", name, sizeof name);
    form_value(c->body ? c->body : "", "email", email, sizeof email);
    form_value(c->body ? c->body : "", "amount", amount, sizeof amount);
    cJSON *in = cJSON_CreateObject();
    cJSON *b = cJSON_AddObjectToObject(in, "billing_address");
    cJSON_AddStringToObject(b, "first_name", name);
    cJSON_AddStringToObject(b, "email", email);
    cJSON *products = cJSON_AddArrayToObject(in, "products"), *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", "Sandbox item");
    cJSON_AddNumberToObject(p, "quantity", 1);
    cJSON_AddNumberToObject(p, "price_inc_tax", atof(amount));
    cJSON_AddItemToArray(products, p);
    shop_order_create(shop, in);
    cJSON_Delete(in);
    c->status = 303;
    snprintf(c->location, sizeof c->location, "/");
    free(c->resp);
    c->resp = strdup("");
    c->type = "text/plain";
}

static cJSON *v3_wrap(const cJSON *data)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "data", cJSON_Duplicate(data, true));
    cJSON_AddObjectToObject(o, "meta");
    return o;
}

/* Routes one request below /stores/{hash}; rest is the path after the hash. */
static void store_api(struct conn *c, const char *rest)
{
    long id = 0;
    char tail[8];
    bool get = strcmp(c->method, "GET") == 0, put = strcmp(c->method, "PUT") == 0,
         post = strcmp(c->method, "POST") == 0, del = strcmp(c->method, "DELETE") == 0;
    if (strcmp(rest, "/v2/orders") == 0 && get) {
        /* v2 pages with ?page and ?limit, oldest order first; a page with nothing on it is 204. */
        cJSON *page = slice(shop_orders(shop), query_long(c, "page", 1, 1, 1000000),
                            query_long(c, "limit", PAGE_DEFAULT_LIMIT, 1, PAGE_MAX_LIMIT));
        if (cJSON_GetArraySize(page) == 0) {
            cJSON_Delete(page);
            reply(c, 204, NULL);
        } else {
            reply(c, 200, page);
        }
    } else if (strcmp(rest, "/v2/orders") == 0 && post) {
        cJSON *in = body_json(c);
        reply(c, 201, cJSON_Duplicate(shop_order_create(shop, in), true));
        cJSON_Delete(in);
    } else if (sscanf(rest, "/v2/orders/%ld%7s", &id, tail) == 1 && (get || put)) {
        const cJSON *o = shop_order(shop, id);
        if (!o) {
            reply_error(c, 404, "The requested resource was not found.");
            return;
        }
        if (put) {
            cJSON *in = body_json(c);
            const cJSON *st = cJSON_GetObjectItem(in, "status_id");
            o = cJSON_IsNumber(st) ? shop_order_set_status(shop, id, st->valueint) : NULL;
            cJSON_Delete(in);
            if (!o) {
                reply_error(c, 400, "The field 'status_id' is invalid.");
                return;
            }
        }
        reply(c, 200, cJSON_Duplicate(o, true));
    } else if (strcmp(rest, "/v2/order_statuses") == 0 && get) {
        reply(c, 200, cJSON_Duplicate(shop_statuses(), true));
    } else if (sscanf(rest, "/v2/order_statuses/%ld%7s", &id, tail) == 1 && get) {
        const cJSON *st = cJSON_GetArrayItem(shop_statuses(), (int)id);
        if (id < 0 || !st)
            reply_error(c, 404, "The requested resource was not found.");
        else
            reply(c, 200, cJSON_Duplicate(st, true));
    } else if (strcmp(rest, "/v3/hooks") == 0 && get) {
        reply(c, 200, v3_list(c, shop_hooks(shop)));
    } else if (strcmp(rest, "/v3/catalog/products") == 0 && get) {
        reply(c, 200, v3_list(c, shop_products(shop)));
    } else if (strcmp(rest, "/v3/catalog/products") == 0 && post) {
        cJSON *in = body_json(c);
        const cJSON *p = shop_product_create(shop, in);
        cJSON_Delete(in);
        if (!p) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "status", 422);
            cJSON_AddStringToObject(e, "title", "name (a string) is required; price is a number");
            reply(c, 422, e);
        } else {
            reply(c, 200, v3_wrap(p));
        }
    } else if (strcmp(rest, "/v3/hooks") == 0 && post) {
        cJSON *in = body_json(c);
        const cJSON *h = shop_hook_create(shop, in);
        cJSON_Delete(in);
        if (!h) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "status", 422);
            cJSON_AddStringToObject(e, "title", "scope and destination (http or https) required");
            reply(c, 422, e);
        } else {
            reply(c, 200, v3_wrap(h));
        }
    } else if (sscanf(rest, "/v3/hooks/%ld%7s", &id, tail) == 1 && (get || del)) {
        const cJSON *h = shop_hook(shop, id);
        if (!h) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "status", 404);
            cJSON_AddStringToObject(e, "title", "Webhook not found");
            reply(c, 404, e);
            return;
        }
        cJSON *out = v3_wrap(h);
        if (del)
            shop_hook_delete(shop, id);
        reply(c, 200, out);
    } else {
        reply_error(c, 404, "The requested resource was not found.");
    }
}

static void route(struct conn *c)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "/stores/%s/", shop_hash(shop));
    if (c->too_large) {
        reply_error(c, 413, "Request body too large.");
    } else if (strcmp(c->path, "/") == 0 && strcmp(c->method, "GET") == 0) {
        page(c);
    } else if (strcmp(c->path, "/place-order") == 0 && strcmp(c->method, "POST") == 0) {
        place_order(c);
    } else if (strncmp(c->path, "/stores/", 8) == 0) {
        if (strncmp(c->path, prefix, strlen(prefix)) != 0) {
            reply_error(c, 404, "Store not found.");
        } else if (strcmp(c->token, token) != 0) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "status", 401);
            cJSON_AddStringToObject(e, "title", "Unauthorized: missing or invalid X-Auth-Token");
            reply(c, 401, e);
        } else {
            store_api(c, c->path + strlen(prefix) - 1);
        }
    } else {
        reply_error(c, 404, "Not found.");
    }
    fprintf(stderr, "sandbox: %s %s %d\n", c->method, c->path, c->status);
}

static int write_reply(struct lws *wsi, struct conn *c)
{
    size_t blen = c->resp ? strlen(c->resp) : 0;
    unsigned char *buf = malloc(LWS_PRE + 1024 + blen);
    if (!buf)
        return -1;
    unsigned char *start = buf + LWS_PRE, *p = start, *end = start + 1024;
    int rc = -1;
    if (lws_add_http_header_status(wsi, (unsigned)c->status, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)c->type, (int)strlen(c->type), &p,
                                     end) ||
        lws_add_http_header_content_length(wsi, blen, &p, end))
        goto out;
    if (c->location[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_LOCATION,
                                                       (const unsigned char *)c->location,
                                                       (int)strlen(c->location), &p, end))
        goto out;
    if (lws_finalize_http_header(wsi, &p, end))
        goto out;
    memcpy(p, c->resp ? c->resp : "", blen);
    p += blen;
    if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL) == (int)(p - start))
        rc = 0;
out:
    free(buf);
    return rc;
}

static void reset(struct conn *c)
{
    free(c->body);
    free(c->resp);
    memset(c, 0, sizeof *c);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        reset(c);
        static const struct {
            enum lws_token_indexes tok;
            const char *name;
        } METHODS[] = {{WSI_TOKEN_GET_URI, "GET"},
                       {WSI_TOKEN_POST_URI, "POST"},
                       {WSI_TOKEN_PUT_URI, "PUT"},
                       {WSI_TOKEN_DELETE_URI, "DELETE"}};
        snprintf(c->method, sizeof c->method, "OTHER");
        for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++)
            if (lws_hdr_total_length(wsi, METHODS[i].tok) > 0)
                snprintf(c->method, sizeof c->method, "%s", METHODS[i].name);
        snprintf(c->path, sizeof c->path, "%s", (const char *)in);
        char arg[256];
        size_t qlen = 0;
        for (int i = 0; qlen + 1 < sizeof c->query &&
                        lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
             i++)
            qlen += (size_t)snprintf(c->query + qlen, sizeof c->query - qlen, "%s%s",
                                     qlen ? "&" : "", arg);
            /* lws knows X-Auth-Token as a header of its own when built with the uncommon ones. */
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS)
        lws_hdr_copy(wsi, c->token, sizeof c->token, WSI_TOKEN_X_AUTH_TOKEN);
#endif
        if (!c->token[0])
            lws_hdr_custom_copy(wsi, c->token, sizeof c->token, "x-auth-token:", 13);
        char cl[32] = "";
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        if ((strcmp(c->method, "POST") == 0 || strcmp(c->method, "PUT") == 0) && atol(cl) > 0)
            return 0;
        route(c);
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (c->body_len + len > MAX_BODY) {
            c->too_large = true;
            return 0;
        }
        c->body = realloc(c->body, c->body_len + len + 1);
        memcpy(c->body + c->body_len, in, len);
        c->body_len += len;
        c->body[c->body_len] = '\0';
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        route(c);
        lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!c->status)
            return 0;
        int rc = write_reply(wsi, c);
        reset(c);
        if (rc < 0)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
        reset(c);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
    if (context)
        lws_cancel_service(context);
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8091", *hash = "sandbox1";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--listen") == 0)
            listen = argv[i + 1];
        else if (strcmp(argv[i], "--store-hash") == 0)
            hash = argv[i + 1];
        else if (strcmp(argv[i], "--token") == 0)
            snprintf(token, sizeof token, "%s", argv[i + 1]);
        else {
            fprintf(stderr, "usage: bigcommerce-sandbox [--listen ADDR:PORT] [--store-hash HASH] "
                            "[--token TOKEN]\n");
            return 2;
        }
    }
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) {
        fprintf(stderr, "bigcommerce-sandbox: --listen takes ADDR:PORT\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    shop = shop_new(hash);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    static struct lws_protocols protocols[] = {
        {"http", callback, sizeof(struct conn), 0, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = atoi(colon + 1);
    info.iface = host;
    info.protocols = protocols;
    lws_set_log_level(LLL_ERR, NULL);
    context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "bigcommerce-sandbox: cannot listen on %s\n", listen);
        return 1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(context, "default");
    printf("sandbox: listening on http://%s:%d store %s\n", host,
           vh ? lws_get_vhost_listen_port(vh) : info.port, hash);
    fflush(stdout);
    while (!stopping)
        if (lws_service(context, 0) < 0)
            break;
    lws_context_destroy(context);
    shop_free(shop);
    curl_global_cleanup();
    return 0;
}
