/*
 * AcmeCo's own data: its tenants (each one an end user in Solder), the orders that reached it from
 * workflow #1 and the webhook ids already processed. Kept in one JSON file (rewritten after every
 * change) so the demo keeps its orders between runs. Single-threaded: the server loop owns it.
 */
#ifndef ACMECO_DATA_H
#define ACMECO_DATA_H

#include <stdbool.h>
#include <cJSON.h>

/* One of AcmeCo's customers: who signs in, and the Solder user that stands for them. */
struct tenant {
    const char *username; /* "gregg": also the Solder username */
    const char *full_name;
    const char *company;
    char user_id[32]; /* Solder's userId, "" until created */
};

/* The demo's tenants (a fixed table) and their count. */
struct tenant *data_tenants(int *n);
struct tenant *data_tenant(const char *username);
struct tenant *data_tenant_by_user_id(const char *user_id);

/* Reads path (absent: an empty start); false when it exists and is not AcmeCo's file. */
bool data_load(const char *path);
void data_save(void);
void data_free(void);

/* The tenant's orders, newest first (caller owns the copy). */
cJSON *data_orders(const struct tenant *t);
/* Records an order that arrived from workflow #1 under webhook_id; false when that id was
 * processed already (a redelivery: nothing changes). Takes nothing: order is copied. */
bool data_order_add(const struct tenant *t, const char *webhook_id, const cJSON *order);
/* Sets an order's fulfilment ("Fulfilled", "Cancelled"); NULL when the tenant has no such order.
 */
const cJSON *data_order_fulfil(const struct tenant *t, const char *order_id,
                               const char *fulfilment);

#endif
