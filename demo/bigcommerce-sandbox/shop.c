/*
 * The sandbox store's data and its webhook sender. Webhooks go out the way BigCommerce sends
 * them: a POST of {scope, store_id, data: {type, id}, hash, created_at, producer} with the hook's
 * custom headers, from a short-lived thread so the server loop never waits on a receiver. No
 * retries, no persistence: the sandbox forgets everything when it stops.
 */
#include "shop.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct shop {
    char hash[64];
    char name[128];
    char token[256];
    cJSON *orders;
    cJSON *hooks;
    cJSON *products;
    long next_order;
    long next_hook;
    long next_product;
};

static const char *const STATUS_NAMES[15] = {"Incomplete",
                                             "Pending",
                                             "Shipped",
                                             "Partially Shipped",
                                             "Refunded",
                                             "Cancelled",
                                             "Declined",
                                             "Awaiting Payment",
                                             "Awaiting Pickup",
                                             "Awaiting Shipment",
                                             "Completed",
                                             "Awaiting Fulfillment",
                                             "Manual Verification Required",
                                             "Disputed",
                                             "Partially Refunded"};

static cJSON *statuses;

const cJSON *shop_statuses(void)
{
    if (!statuses) {
        statuses = cJSON_CreateArray();
        for (int i = 0; i < 15; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "id", i);
            cJSON_AddStringToObject(o, "name", STATUS_NAMES[i]);
            cJSON_AddStringToObject(o, "system_label", STATUS_NAMES[i]);
            cJSON_AddStringToObject(o, "custom_label", STATUS_NAMES[i]);
            cJSON_AddStringToObject(o, "system_description", "");
            cJSON_AddNumberToObject(o, "order", i);
            cJSON_AddItemToArray(statuses, o);
        }
    }
    return statuses;
}

static void rfc2822_now(char out[64])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

struct shop *shop_new(const char *store_hash)
{
    struct shop *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->hash, sizeof s->hash, "%s", store_hash);
    s->orders = cJSON_CreateArray();
    s->hooks = cJSON_CreateArray();
    s->products = cJSON_CreateArray();
    s->next_order = 100;
    s->next_hook = 1000;
    s->next_product = 111;
    shop_statuses();
    return s;
}

/* Webhooks in flight, each on its own thread: shop_cleanup waits for them, so that the process
 * never tears curl down under a send. */
static pthread_mutex_t sends_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sends_done = PTHREAD_COND_INITIALIZER;
static int sends;

void shop_free(struct shop *s)
{
    if (!s)
        return;
    cJSON_Delete(s->orders);
    cJSON_Delete(s->hooks);
    cJSON_Delete(s->products);
    free(s);
}

void shop_cleanup(void)
{
    pthread_mutex_lock(&sends_mu);
    while (sends > 0)
        pthread_cond_wait(&sends_done, &sends_mu);
    pthread_mutex_unlock(&sends_mu);
    cJSON_Delete(statuses);
    statuses = NULL;
}

const char *shop_hash(const struct shop *s)
{
    return s->hash;
}

const char *shop_name(const struct shop *s)
{
    return s->name;
}

void shop_set_name(struct shop *s, const char *name)
{
    snprintf(s->name, sizeof s->name, "%s", name ? name : "");
}

const char *shop_token(const struct shop *s)
{
    return s->token;
}

void shop_set_token(struct shop *s, const char *token)
{
    snprintf(s->token, sizeof s->token, "%s", token ? token : "");
}

cJSON *shop_info(const struct shop *s)
{
    char domain[96], email[112];
    snprintf(domain, sizeof domain, "%.63s.mybigcommerce.com", s->hash);
    snprintf(email, sizeof email, "owner@%s", domain);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", s->hash);
    cJSON_AddStringToObject(o, "domain", domain);
    cJSON_AddStringToObject(o, "name", s->name[0] ? s->name : s->hash);
    cJSON_AddStringToObject(o, "admin_email", email);
    cJSON_AddStringToObject(o, "currency", "USD");
    cJSON_AddStringToObject(o, "status", "live");
    cJSON_AddStringToObject(o, "plan_name", "Sandbox");
    return o;
}

/* Members of an exported store and their counters, in one table for export and import. */
static const char *const LISTS[] = {"orders", "hooks", "products"};

static cJSON **list_of(struct shop *s, int i)
{
    cJSON **lists[] = {&s->orders, &s->hooks, &s->products};
    return lists[i];
}

static long *next_of(struct shop *s, int i)
{
    long *next[] = {&s->next_order, &s->next_hook, &s->next_product};
    return next[i];
}

static const char *const NEXT_NAMES[] = {"nextOrder", "nextHook", "nextProduct"};

cJSON *shop_export(const struct shop *s)
{
    struct shop *m = (struct shop *)s;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "hash", s->hash);
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON_AddStringToObject(o, "token", s->token);
    for (int i = 0; i < 3; i++) {
        cJSON_AddItemToObject(o, LISTS[i], cJSON_Duplicate(*list_of(m, i), true));
        cJSON_AddNumberToObject(o, NEXT_NAMES[i], (double)*next_of(m, i));
    }
    return o;
}

struct shop *shop_import(const cJSON *doc)
{
    const char *hash = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "hash"));
    if (!hash || !*hash)
        return NULL;
    struct shop *s = shop_new(hash);
    if (!s)
        return NULL;
    shop_set_name(s, cJSON_GetStringValue(cJSON_GetObjectItem(doc, "name")));
    shop_set_token(s, cJSON_GetStringValue(cJSON_GetObjectItem(doc, "token")));
    for (int i = 0; i < 3; i++) {
        const cJSON *list = cJSON_GetObjectItem(doc, LISTS[i]);
        if (cJSON_IsArray(list)) {
            cJSON_Delete(*list_of(s, i));
            *list_of(s, i) = cJSON_Duplicate(list, true);
        }
        const cJSON *next = cJSON_GetObjectItem(doc, NEXT_NAMES[i]);
        if (cJSON_IsNumber(next) && next->valuedouble > *next_of(s, i))
            *next_of(s, i) = (long)next->valuedouble;
    }
    return s;
}

const cJSON *shop_orders(const struct shop *s)
{
    return s->orders;
}

static cJSON *find_by_id(const cJSON *list, long id)
{
    cJSON *o;
    cJSON_ArrayForEach(o, list) if ((long)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id")) ==
                                    id) return o;
    return NULL;
}

const cJSON *shop_order(const struct shop *s, long id)
{
    return find_by_id(s->orders, id);
}

/* One webhook in flight: everything copied, owned by the sending thread. */
struct send_job {
    char *url;
    char *body;
    struct curl_slist *headers;
};

static void *send_main(void *arg)
{
    struct send_job *j = arg;
    CURL *c = curl_easy_init();
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, j->url);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->headers);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        fprintf(stderr, "sandbox: webhook to %s: %s %ld\n", j->url,
                rc == CURLE_OK ? "HTTP" : curl_easy_strerror(rc), status);
        curl_easy_cleanup(c);
    }
    curl_slist_free_all(j->headers);
    free(j->url);
    free(j->body);
    free(j);
    pthread_mutex_lock(&sends_mu);
    if (--sends == 0)
        pthread_cond_broadcast(&sends_done);
    pthread_mutex_unlock(&sends_mu);
    return NULL;
}

static bool scope_matches(const char *pattern, const char *scope)
{
    size_t n = strlen(pattern);
    if (n >= 2 && strcmp(pattern + n - 2, "/*") == 0)
        return strncmp(pattern, scope, n - 1) == 0;
    return strcmp(pattern, scope) == 0;
}

static void fire(struct shop *s, const char *scope, const char *type, long id)
{
    cJSON *h;
    cJSON_ArrayForEach(h, s->hooks)
    {
        const char *pattern = cJSON_GetStringValue(cJSON_GetObjectItem(h, "scope"));
        if (!pattern || !scope_matches(pattern, scope) ||
            !cJSON_IsTrue(cJSON_GetObjectItem(h, "is_active")))
            continue;
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "scope", scope);
        cJSON_AddStringToObject(body, "store_id", "1001");
        cJSON *data = cJSON_AddObjectToObject(body, "data");
        cJSON_AddStringToObject(data, "type", type);
        cJSON_AddNumberToObject(data, "id", (double)id);
        char hash[48];
        snprintf(hash, sizeof hash, "%08lx%08lx", (unsigned long)time(NULL), (unsigned long)id);
        cJSON_AddStringToObject(body, "hash", hash);
        cJSON_AddNumberToObject(body, "created_at", (double)time(NULL));
        char producer[96];
        snprintf(producer, sizeof producer, "stores/%s", s->hash);
        cJSON_AddStringToObject(body, "producer", producer);
        struct send_job *j = calloc(1, sizeof *j);
        j->url = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(h, "destination")));
        j->body = cJSON_PrintUnformatted(body);
        cJSON_Delete(body);
        j->headers = curl_slist_append(NULL, "Content-Type: application/json");
        const cJSON *hv;
        cJSON_ArrayForEach(hv, cJSON_GetObjectItem(h, "headers")) if (cJSON_IsString(hv))
        {
            char line[1024];
            snprintf(line, sizeof line, "%s: %s", hv->string, hv->valuestring);
            j->headers = curl_slist_append(j->headers, line);
        }
        pthread_mutex_lock(&sends_mu);
        sends++;
        pthread_mutex_unlock(&sends_mu);
        pthread_t t;
        if (pthread_create(&t, NULL, send_main, j) == 0)
            pthread_detach(t);
        else
            send_main(j);
    }
}

static void set_status(cJSON *order, int status_id)
{
    char now[64];
    rfc2822_now(now);
    cJSON_ReplaceItemInObject(order, "status_id", cJSON_CreateNumber(status_id));
    cJSON_ReplaceItemInObject(order, "status", cJSON_CreateString(STATUS_NAMES[status_id]));
    cJSON_ReplaceItemInObject(order, "custom_status", cJSON_CreateString(STATUS_NAMES[status_id]));
    cJSON_ReplaceItemInObject(order, "date_modified", cJSON_CreateString(now));
}

const cJSON *shop_order_create(struct shop *s, const cJSON *in)
{
    cJSON *o = cJSON_CreateObject();
    long id = s->next_order++;
    char now[64], money[32], url[160];
    rfc2822_now(now);
    cJSON_AddNumberToObject(o, "id", (double)id);
    const cJSON *cust = cJSON_GetObjectItem(in, "customer_id");
    cJSON_AddNumberToObject(o, "customer_id", cJSON_IsNumber(cust) ? cust->valuedouble : 0);
    cJSON_AddStringToObject(o, "date_created", now);
    cJSON_AddStringToObject(o, "date_modified", now);
    cJSON_AddNumberToObject(o, "status_id", 11);
    cJSON_AddStringToObject(o, "status", STATUS_NAMES[11]);
    cJSON_AddStringToObject(o, "custom_status", STATUS_NAMES[11]);
    double total = 0;
    int items = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(in, "products"))
    {
        int q = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "quantity"));
        double price = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "price_inc_tax"));
        if (q > 0 && price == price) {
            items += q;
            total += q * price;
        }
    }
    snprintf(money, sizeof money, "%.4f", total);
    cJSON_AddStringToObject(o, "subtotal_inc_tax", money);
    cJSON_AddStringToObject(o, "total_inc_tax", money);
    cJSON_AddNumberToObject(o, "items_total", items);
    cJSON_AddStringToObject(o, "currency_code", "USD");
    cJSON_AddStringToObject(o, "payment_method", "Test Payment Gateway");
    const cJSON *billing = cJSON_GetObjectItem(in, "billing_address");
    cJSON_AddItemToObject(o, "billing_address",
                          billing ? cJSON_Duplicate(billing, true) : cJSON_CreateObject());
    cJSON *products = cJSON_AddObjectToObject(o, "products");
    snprintf(url, sizeof url, "https://api.bigcommerce.com/stores/%s/v2/orders/%ld/products",
             s->hash, id);
    cJSON_AddStringToObject(products, "url", url);
    snprintf(url, sizeof url, "/orders/%ld/products", id);
    cJSON_AddStringToObject(products, "resource", url);
    cJSON_AddItemToArray(s->orders, o);
    fire(s, "store/order/created", "order", id);
    return o;
}

const cJSON *shop_order_set_status(struct shop *s, long id, int status_id)
{
    cJSON *o = find_by_id(s->orders, id);
    if (!o || status_id < 0 || status_id > 14)
        return NULL;
    set_status(o, status_id);
    fire(s, "store/order/statusUpdated", "order", id);
    return o;
}

const cJSON *shop_hooks(const struct shop *s)
{
    return s->hooks;
}

const cJSON *shop_hook_create(struct shop *s, const cJSON *in)
{
    const char *scope = cJSON_GetStringValue(cJSON_GetObjectItem(in, "scope"));
    const char *dest = cJSON_GetStringValue(cJSON_GetObjectItem(in, "destination"));
    if (!scope || !dest || (strncmp(dest, "http://", 7) != 0 && strncmp(dest, "https://", 8) != 0))
        return NULL;
    const cJSON *headers = cJSON_GetObjectItem(in, "headers");
    cJSON *h = cJSON_CreateObject();
    cJSON_AddNumberToObject(h, "id", (double)s->next_hook++);
    cJSON_AddNumberToObject(h, "client_id", 0);
    cJSON_AddStringToObject(h, "store_hash", s->hash);
    cJSON_AddStringToObject(h, "scope", scope);
    cJSON_AddStringToObject(h, "destination", dest);
    cJSON_AddItemToObject(h, "headers",
                          cJSON_IsObject(headers) ? cJSON_Duplicate(headers, true)
                                                  : cJSON_CreateObject());
    const cJSON *active = cJSON_GetObjectItem(in, "is_active");
    cJSON_AddBoolToObject(h, "is_active", !active || cJSON_IsTrue(active));
    cJSON_AddNumberToObject(h, "created_at", (double)time(NULL));
    cJSON_AddNumberToObject(h, "updated_at", (double)time(NULL));
    cJSON_AddItemToArray(s->hooks, h);
    return h;
}

const cJSON *shop_hook(const struct shop *s, long id)
{
    return find_by_id(s->hooks, id);
}

bool shop_hook_delete(struct shop *s, long id)
{
    int i = 0;
    cJSON *h;
    cJSON_ArrayForEach(h, s->hooks)
    {
        if ((long)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "id")) == id) {
            cJSON_DeleteItemFromArray(s->hooks, i);
            return true;
        }
        i++;
    }
    return false;
}

const cJSON *shop_products(const struct shop *s)
{
    return s->products;
}

const cJSON *shop_product_create(struct shop *s, const cJSON *in)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(in, "name"));
    const cJSON *price = cJSON_GetObjectItem(in, "price");
    if (!name || !*name || (price && !cJSON_IsNumber(price)))
        return NULL;
    const char *sku = cJSON_GetStringValue(cJSON_GetObjectItem(in, "sku"));
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "id", (double)s->next_product++);
    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddStringToObject(p, "type", "physical");
    cJSON_AddStringToObject(p, "sku", sku ? sku : "");
    cJSON_AddNumberToObject(p, "price", price ? price->valuedouble : 0);
    cJSON_AddNumberToObject(p, "weight", 0);
    cJSON_AddBoolToObject(p, "is_visible", true);
    cJSON_AddItemToArray(s->products, p);
    return p;
}
