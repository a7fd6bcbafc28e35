/*
 * The sandbox store's state: orders, the fixed order statuses, and registered webhooks — the part
 * of BigCommerce's v2 orders and v3 hooks APIs the Solder connector uses. Single-threaded: only
 * the server loop touches it (webhook sending copies what it needs).
 */
#ifndef SANDBOX_SHOP_H
#define SANDBOX_SHOP_H

#include <stdbool.h>
#include <cJSON.h>

struct shop;

struct shop *shop_new(const char *store_hash);
void shop_free(struct shop *s);
const char *shop_hash(const struct shop *s);

/* Orders as BigCommerce's v2 order objects (owned by the shop; borrowed by callers). */
const cJSON *shop_orders(const struct shop *s);
const cJSON *shop_order(const struct shop *s, long id);
/* Creates an order from {customer_id?, billing_address?, products?: [{name, quantity,
 * price_inc_tax}]} and sends store/order/created to matching hooks. Returns the new order
 * (borrowed). */
const cJSON *shop_order_create(struct shop *s, const cJSON *in);
/* Sets an order's status; returns the order, or NULL when the order or the status is unknown. */
const cJSON *shop_order_set_status(struct shop *s, long id, int status_id);

/* The fixed list of 15 statuses: [{id, name, system_label, custom_label, system_description}]. */
const cJSON *shop_statuses(void);

/* v3 hooks: create from {scope, destination, is_active?, headers?}; NULL when invalid. */
const cJSON *shop_hooks(const struct shop *s);
const cJSON *shop_hook_create(struct shop *s, const cJSON *in);
const cJSON *shop_hook(const struct shop *s, long id);
bool shop_hook_delete(struct shop *s, long id);

/* v3 catalog products (a few members of BigCommerce's shape): create from {name, sku?, price?};
 * NULL when name is missing. */
const cJSON *shop_products(const struct shop *s);
const cJSON *shop_product_create(struct shop *s, const cJSON *in);

#endif
