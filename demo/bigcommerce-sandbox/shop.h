/*
 * One sandbox store's state: its name and API token, orders, the fixed order statuses, registered
 * webhooks and products — the part of BigCommerce's v2 orders and v3 hooks APIs the Solder
 * connector uses. Single-threaded: only the server loop touches it (webhook sending copies what it
 * needs). shop_export/shop_import turn a store into JSON and back, so the server can keep its
 * stores in a file between runs.
 */
#ifndef SANDBOX_SHOP_H
#define SANDBOX_SHOP_H

#include <stdbool.h>
#include <cJSON.h>

struct shop;

struct shop *shop_new(const char *store_hash);
void shop_free(struct shop *s);
/* At exit, after the last shop_free: waits for the webhooks still being sent (each gives up after
 * 10 s) and frees the shared status list. */
void shop_cleanup(void);
const char *shop_hash(const struct shop *s);
/* The store's display name ("" until set) and API token (X-Auth-Token). */
const char *shop_name(const struct shop *s);
void shop_set_name(struct shop *s, const char *name);
const char *shop_token(const struct shop *s);
void shop_set_token(struct shop *s, const char *token);
/* BigCommerce's GET /v2/store answer for this store (caller owns). */
cJSON *shop_info(const struct shop *s);

/* The whole store as JSON (caller owns), and a store rebuilt from it (NULL when doc is not one). */
cJSON *shop_export(const struct shop *s);
struct shop *shop_import(const cJSON *doc);

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
