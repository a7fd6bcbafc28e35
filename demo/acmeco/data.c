/*
 * AcmeCo's tenants and orders (see data.h). An order is kept as AcmeCo needs it — id, customer,
 * total, BigCommerce status at arrival, fulfilment — not as the whole BigCommerce payload.
 */
#include "data.h"
#include "demo_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Processed webhook ids remembered: enough for a demo's redeliveries, bounded so the file stays
 * small. */
#define SEEN_MAX 1000
/* Largest data file read back. */
#define DATA_MAX_FILE (8 * 1024 * 1024)

static struct tenant TENANTS[] = {
    {"gregg", "Gregg Mojica", "Gregg's Garden Supplies", ""},
    {"ada", "Ada Lovelace", "Ada's Analytical Books", ""},
};

static const char *file;
static cJSON *orders; /* [{tenant, id, customer, email, total, currency, createdAt, storeStatus,
                         fulfilment, receivedAt}] oldest first */
static cJSON *seen;   /* [webhook ids], oldest first */

struct tenant *data_tenants(int *n)
{
    *n = (int)(sizeof TENANTS / sizeof TENANTS[0]);
    return TENANTS;
}

struct tenant *data_tenant(const char *username)
{
    for (size_t i = 0; username && i < sizeof TENANTS / sizeof TENANTS[0]; i++)
        if (strcmp(TENANTS[i].username, username) == 0)
            return &TENANTS[i];
    return NULL;
}

struct tenant *data_tenant_by_user_id(const char *user_id)
{
    for (size_t i = 0; user_id && i < sizeof TENANTS / sizeof TENANTS[0]; i++)
        if (TENANTS[i].user_id[0] && strcmp(TENANTS[i].user_id, user_id) == 0)
            return &TENANTS[i];
    return NULL;
}

bool data_load(const char *path)
{
    file = path;
    orders = cJSON_CreateArray();
    seen = cJSON_CreateArray();
    FILE *exists = fopen(path, "rb");
    if (!exists)
        return true;
    fclose(exists);
    size_t len = 0;
    char *text = demo_read_file(path, DATA_MAX_FILE, &len);
    cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return false;
    }
    const cJSON *users = cJSON_GetObjectItem(doc, "userIds"), *u;
    cJSON_ArrayForEach(u, users)
    {
        struct tenant *t = data_tenant(u->string);
        if (t && cJSON_IsString(u))
            snprintf(t->user_id, sizeof t->user_id, "%s", u->valuestring);
    }
    cJSON *o = cJSON_DetachItemFromObject(doc, "orders");
    cJSON *s = cJSON_DetachItemFromObject(doc, "seen");
    if (cJSON_IsArray(o)) {
        cJSON_Delete(orders);
        orders = o;
    } else {
        cJSON_Delete(o);
    }
    if (cJSON_IsArray(s)) {
        cJSON_Delete(seen);
        seen = s;
    } else {
        cJSON_Delete(s);
    }
    cJSON_Delete(doc);
    return true;
}

void data_save(void)
{
    if (!file)
        return;
    cJSON *doc = cJSON_CreateObject(), *users = cJSON_AddObjectToObject(doc, "userIds");
    for (size_t i = 0; i < sizeof TENANTS / sizeof TENANTS[0]; i++)
        if (TENANTS[i].user_id[0])
            cJSON_AddStringToObject(users, TENANTS[i].username, TENANTS[i].user_id);
    cJSON_AddItemReferenceToObject(doc, "orders", orders);
    cJSON_AddItemReferenceToObject(doc, "seen", seen);
    demo_write_json(file, doc, "acmeco");
    cJSON_Delete(doc);
}

void data_free(void)
{
    cJSON_Delete(orders);
    cJSON_Delete(seen);
    orders = seen = NULL;
}

cJSON *data_orders(const struct tenant *t)
{
    cJSON *out = cJSON_CreateArray();
    for (int i = cJSON_GetArraySize(orders) - 1; i >= 0; i--) {
        const cJSON *o = cJSON_GetArrayItem(orders, i);
        const char *owner = cJSON_GetStringValue(cJSON_GetObjectItem(o, "tenant"));
        if (owner && strcmp(owner, t->username) == 0)
            cJSON_AddItemToArray(out, cJSON_Duplicate(o, true));
    }
    return out;
}

static const char *member(const cJSON *o, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItem(o, a);
    if (b)
        v = cJSON_GetObjectItem(v, b);
    return cJSON_GetStringValue(v) ? cJSON_GetStringValue(v) : "";
}

bool data_order_add(const struct tenant *t, const char *webhook_id, const cJSON *order)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, seen) if (cJSON_IsString(s) &&
                                    strcmp(s->valuestring, webhook_id) == 0) return false;
    cJSON_AddItemToArray(seen, cJSON_CreateString(webhook_id));
    while (cJSON_GetArraySize(seen) > SEEN_MAX)
        cJSON_DeleteItemFromArray(seen, 0);
    char id[32];
    const cJSON *idv = cJSON_GetObjectItem(order, "id");
    if (cJSON_IsNumber(idv))
        snprintf(id, sizeof id, "%.0f", idv->valuedouble);
    else
        snprintf(id, sizeof id, "%.30s", member(order, "id", NULL));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "tenant", t->username);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "customer", member(order, "billing_address", "first_name"));
    cJSON_AddStringToObject(o, "email", member(order, "billing_address", "email"));
    cJSON_AddNumberToObject(o, "total", atof(member(order, "total_inc_tax", NULL)));
    const char *currency = member(order, "currency_code", NULL);
    cJSON_AddStringToObject(o, "currency", *currency ? currency : "USD");
    cJSON_AddStringToObject(o, "createdAt", member(order, "date_created", NULL));
    cJSON_AddStringToObject(o, "storeStatus", member(order, "status", NULL));
    cJSON_AddStringToObject(o, "fulfilment", "Unfulfilled");
    cJSON_AddNumberToObject(o, "receivedAt", (double)time(NULL));
    cJSON_AddItemToArray(orders, o);
    data_save();
    return true;
}

const cJSON *data_order_fulfil(const struct tenant *t, const char *order_id, const char *fulfilment)
{
    cJSON *o;
    cJSON_ArrayForEach(o, orders)
    {
        if (strcmp(member(o, "tenant", NULL), t->username) != 0 ||
            strcmp(member(o, "id", NULL), order_id) != 0)
            continue;
        cJSON_ReplaceItemInObject(o, "fulfilment", cJSON_CreateString(fulfilment));
        data_save();
        return o;
    }
    return NULL;
}
