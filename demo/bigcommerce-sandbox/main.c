/*
 * bigcommerce-sandbox: a small BigCommerce-compatible server of one or more stores, for tests and
 * the demo. Serves, under /stores/{store_hash}: v2 orders (list, get, create, update status), v2
 * order statuses, the v2 store, v3 hooks and v3 catalog products, authenticated with the store's
 * X-Auth-Token; and at / a store-admin page (admin.c) to place orders, watch their statuses and
 * copy each store's API credentials. Registered hooks receive store/order/created as BigCommerce
 * sends it.
 *
 * Not a BigCommerce emulator: no filters, customers or checkout. With --data FILE the stores are
 * kept in FILE (rewritten after every change) and read back at the next start; without it they
 * live in memory only.
 *
 *   bigcommerce-sandbox [--listen ADDR:PORT] [--store-hash HASH] [--token TOKEN]
 *                       [--store HASH[:TOKEN[:NAME]]]... [--data FILE] [--seed N]
 *                       [--hooks-scope yes|no]
 *
 * --hooks-scope no: the API accounts lack the scope webhooks need, so registering a hook is refused
 * (403) as BigCommerce refuses it; everything else works. For tests of a refused subscription.
 */
#include "admin.h"
#include "demo_util.h"
#include "shop.h"

#include <curl/curl.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Largest request body read: orders and hooks are small; this bounds memory per connection. */
#define MAX_BODY (256 * 1024)

/* Stores one sandbox serves: a demo needs a few; this bounds the store table. */
#define MAX_STORES 16
/* Largest data file read back: a demo's stores are small; this stops a stray huge file. */
#define MAX_DATA_FILE (16 * 1024 * 1024)

/* BigCommerce's page sizes: 50 when a list call names none, at most 250. */
#define PAGE_DEFAULT_LIMIT 50
#define PAGE_MAX_LIMIT     250

struct conn {
    char method[8];
    char path[512];
    char query[1024]; /* the decoded query arguments, "a=1&b=2" */
    char token[256];
    char host[128]; /* the Host header, for the API URL the admin page shows */
    char *body;
    size_t body_len;
    bool too_large;
    int status;
    char *resp;
    const char *type;
    char location[64];
};

static struct shop *shops[MAX_STORES];
static int nshops;
static const char *data_file;
static bool hooks_scope = true; /* --hooks-scope */
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

/* A whole-number query argument, clamped to [min, max]; dflt when absent or not a number. */
static long query_long(const struct conn *c, const char *name, long dflt, long min, long max)
{
    char v[32];
    demo_form_value(c->query, name, v, sizeof v);
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

static struct shop *find_shop(const char *hash, size_t len)
{
    for (int i = 0; i < nshops; i++)
        if (strlen(shop_hash(shops[i])) == len && strncmp(shop_hash(shops[i]), hash, len) == 0)
            return shops[i];
    return NULL;
}

/* Writes every store to data_file (through a temporary file and a rename, so a crash leaves the
 * old or the new file, never half of one). */
static void save(void)
{
    if (!data_file)
        return;
    cJSON *doc = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(doc, "stores");
    for (int i = 0; i < nshops; i++)
        cJSON_AddItemToArray(list, shop_export(shops[i]));
    demo_write_json(data_file, doc, "sandbox");
    cJSON_Delete(doc);
}

/* Reads the stores of data_file; false when it exists but is not a stores file. */
static bool load(void)
{
    FILE *exists = fopen(data_file, "rb");
    if (!exists)
        return true;
    fclose(exists);
    size_t len = 0;
    char *text = demo_read_file(data_file, MAX_DATA_FILE, &len);
    cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    const cJSON *list = cJSON_GetObjectItem(doc, "stores"), *it;
    bool ok = cJSON_IsArray(list);
    cJSON_ArrayForEach(it, list)
    {
        struct shop *s = shop_import(it);
        if (s && nshops < MAX_STORES && !find_shop(shop_hash(s), strlen(shop_hash(s))))
            shops[nshops++] = s;
        else
            shop_free(s);
    }
    cJSON_Delete(doc);
    return ok;
}

/* The store a form or page names with ?store= (or store=), else the first. */
static struct shop *chosen_shop(const char *args)
{
    char hash[64];
    demo_form_value(args ? args : "", "store", hash, sizeof hash);
    struct shop *s = find_shop(hash, strlen(hash));
    return s ? s : shops[0];
}

static void page(struct conn *c)
{
    char url[160];
    snprintf(url, sizeof url, "http://%s", c->host[0] ? c->host : "127.0.0.1");
    c->status = 200;
    free(c->resp);
    c->resp = admin_page(shops, nshops, chosen_shop(c->query), url);
    c->type = "text/html; charset=utf-8";
}

/* The admin page's stylesheet and script (web/), read at each request: a demo, not a CDN. */
static void asset(struct conn *c, const char *name, const char *type)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", SANDBOX_WEB_DIR, name);
    size_t len;
    char *text = demo_read_file(path, MAX_BODY, &len);
    if (!text) {
        reply_error(c, 404, "Not found.");
        return;
    }
    c->status = 200;
    free(c->resp);
    c->resp = text;
    c->type = type;
}

static void place_order(struct conn *c)
{
    char name[128], email[128], amount[32];
    const char *body = c->body ? c->body : "";
    struct shop *shop = chosen_shop(body);
    demo_form_value(body, "first_name", name, sizeof name);
    demo_form_value(body, "email", email, sizeof email);
    demo_form_value(body, "amount", amount, sizeof amount);
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
    save();
    c->status = 303;
    snprintf(c->location, sizeof c->location, "/?store=%.40s", shop_hash(shop));
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
static void store_api(struct conn *c, struct shop *shop, const char *rest)
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
    } else if (strcmp(rest, "/v2/store") == 0 && get) {
        reply(c, 200, shop_info(shop));
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
    } else if (strcmp(rest, "/v3/hooks") == 0 && post && !hooks_scope) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "status", 403);
        cJSON_AddStringToObject(e, "title", "This API account lacks the scope to manage webhooks");
        reply(c, 403, e);
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
    if (c->too_large) {
        reply_error(c, 413, "Request body too large.");
    } else if (strcmp(c->path, "/") == 0 && strcmp(c->method, "GET") == 0) {
        page(c);
    } else if (strcmp(c->path, "/admin/admin.css") == 0) {
        asset(c, "admin.css", "text/css; charset=utf-8");
    } else if (strcmp(c->path, "/admin/admin.js") == 0) {
        asset(c, "admin.js", "text/javascript; charset=utf-8");
    } else if (strcmp(c->path, "/place-order") == 0 && strcmp(c->method, "POST") == 0) {
        place_order(c);
    } else if (strncmp(c->path, "/stores/", 8) == 0) {
        const char *hash = c->path + 8, *slash = strchr(hash, '/');
        struct shop *shop = slash ? find_shop(hash, (size_t)(slash - hash)) : NULL;
        if (!shop) {
            reply_error(c, 404, "Store not found.");
        } else if (!c->token[0] || strcmp(c->token, shop_token(shop)) != 0) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "status", 401);
            cJSON_AddStringToObject(e, "title", "Unauthorized: missing or invalid X-Auth-Token");
            reply(c, 401, e);
        } else {
            store_api(c, shop, slash);
            if (strcmp(c->method, "GET") != 0 && c->status < 300)
                save();
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
        snprintf(c->method, sizeof c->method, "%s", demo_http_method(wsi));
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
        lws_hdr_copy(wsi, c->host, sizeof c->host, WSI_TOKEN_HOST);
        char cl[32] = "";
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        if ((strcmp(c->method, "POST") == 0 || strcmp(c->method, "PUT") == 0) && atol(cl) > 0)
            return 0;
        route(c);
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (!c->too_large && !demo_body_append(&c->body, &c->body_len, in, len, MAX_BODY))
            c->too_large = true;
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

static void usage(void)
{
    fprintf(stderr, "usage: bigcommerce-sandbox [--listen ADDR:PORT] [--store-hash HASH] "
                    "[--token TOKEN]\n"
                    "                           [--store HASH[:TOKEN[:NAME]]]... [--data FILE] "
                    "[--seed N]\n"
                    "                           [--hooks-scope yes|no]\n");
}

/* A random access token for a store that names none (the demo shows it to copy). */
static void random_token(char *out, size_t cap)
{
    static const char ALPHABET[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[24] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(bytes, 1, sizeof bytes, f) != sizeof bytes)
        for (size_t i = 0; i < sizeof bytes; i++)
            bytes[i] = (unsigned char)rand();
    if (f)
        fclose(f);
    size_t n = 0;
    for (size_t i = 0; i < sizeof bytes && n + 1 < cap; i++)
        out[n++] = ALPHABET[bytes[i] % (sizeof ALPHABET - 1)];
    out[n] = '\0';
}

/* A few orders in a new store, as if shoppers had been there (no webhooks exist yet). */
static void seed(struct shop *s, int count)
{
    static const struct {
        const char *name, *email;
        double amount;
    } SHOPPERS[] = {{"Grace", "grace@example.com", 42.50},
                    {"Alan", "alan@example.com", 18.00},
                    {"Barbara", "barbara@example.com", 129.99},
                    {"Edsger", "edsger@example.com", 7.25}};
    for (int i = 0; i < count; i++) {
        cJSON *in = cJSON_CreateObject();
        cJSON *b = cJSON_AddObjectToObject(in, "billing_address");
        cJSON_AddStringToObject(b, "first_name", SHOPPERS[i % 4].name);
        cJSON_AddStringToObject(b, "email", SHOPPERS[i % 4].email);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", "Sandbox item");
        cJSON_AddNumberToObject(p, "quantity", 1);
        cJSON_AddNumberToObject(p, "price_inc_tax", SHOPPERS[i % 4].amount);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "products"), p);
        const cJSON *o = shop_order_create(s, in);
        cJSON_Delete(in);
        if (i % 3 == 1)
            shop_order_set_status(s, (long)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id")), 10);
    }
}

/* Adds the store a --store (or --store-hash/--token) names, unless the data file had it. */
static bool add_store(const char *spec, const char *dflt_token, int seed_orders)
{
    char hash[64] = "", tok[256] = "", name[128] = "";
    const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    snprintf(hash, sizeof hash, "%.*s", (int)(c1 ? c1 - spec : (long)strlen(spec)), spec);
    if (c1)
        snprintf(tok, sizeof tok, "%.*s", (int)(c2 ? c2 - c1 - 1 : (long)strlen(c1 + 1)), c1 + 1);
    if (c2)
        snprintf(name, sizeof name, "%s", c2 + 1);
    if (!hash[0] || strspn(hash, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(hash))
        return false;
    if (find_shop(hash, strlen(hash)))
        return true;
    if (nshops >= MAX_STORES)
        return false;
    if (!tok[0] && dflt_token)
        snprintf(tok, sizeof tok, "%s", dflt_token);
    if (!tok[0])
        random_token(tok, sizeof tok);
    struct shop *s = shop_new(hash);
    shop_set_token(s, tok);
    shop_set_name(s, name);
    seed(s, seed_orders);
    shops[nshops++] = s;
    return true;
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8091", *hash = NULL, *token = NULL, *specs[MAX_STORES];
    int nspecs = 0, seed_orders = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--listen") == 0)
            listen = argv[i + 1];
        else if (strcmp(argv[i], "--store-hash") == 0)
            hash = argv[i + 1];
        else if (strcmp(argv[i], "--token") == 0)
            token = argv[i + 1];
        else if (strcmp(argv[i], "--store") == 0 && nspecs < MAX_STORES)
            specs[nspecs++] = argv[i + 1];
        else if (strcmp(argv[i], "--data") == 0)
            data_file = argv[i + 1];
        else if (strcmp(argv[i], "--seed") == 0)
            seed_orders = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--hooks-scope") == 0 &&
                 (strcmp(argv[i + 1], "yes") == 0 || strcmp(argv[i + 1], "no") == 0))
            hooks_scope = strcmp(argv[i + 1], "yes") == 0;
        else {
            usage();
            return 2;
        }
    }
    if (argc % 2 == 0) {
        usage();
        return 2;
    }
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) {
        fprintf(stderr, "bigcommerce-sandbox: --listen takes ADDR:PORT\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    if (data_file && !load()) {
        fprintf(stderr, "bigcommerce-sandbox: %s is not a sandbox data file\n", data_file);
        return 1;
    }
    bool fresh = nshops == 0;
    if (nspecs == 0 && (hash || nshops == 0) &&
        !add_store(hash ? hash : "sandbox1", token ? token : "sandbox-token", seed_orders)) {
        fprintf(stderr, "bigcommerce-sandbox: a store hash is lowercase letters and digits\n");
        return 2;
    }
    for (int i = 0; i < nspecs; i++)
        if (!add_store(specs[i], token, seed_orders)) {
            fprintf(stderr,
                    "bigcommerce-sandbox: --store takes HASH[:TOKEN[:NAME]] (HASH: "
                    "lowercase letters and digits), got '%s'\n",
                    specs[i]);
            return 2;
        }
    if (fresh || nspecs)
        save();
    curl_global_init(CURL_GLOBAL_DEFAULT);
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
    int port = vh ? lws_get_vhost_listen_port(vh) : info.port;
    printf("sandbox: listening on http://%s:%d store %s\n", host, port, shop_hash(shops[0]));
    for (int i = 0; i < nshops; i++)
        printf("sandbox: store %s %s\n", shop_hash(shops[i]), shop_name(shops[i]));
    fflush(stdout);
    while (!stopping)
        if (lws_service(context, 0) < 0)
            break;
    lws_context_destroy(context);
    for (int i = 0; i < nshops; i++)
        shop_free(shops[i]);
    shop_cleanup();
    curl_global_cleanup();
    return 0;
}
