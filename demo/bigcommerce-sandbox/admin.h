/*
 * The sandbox's store-admin pages: HTML for a person placing orders and watching their statuses,
 * with each store's API credentials shown to copy into an install modal. Text only: the server
 * (main.c) routes and sends; the stylesheet and script are files in web/.
 */
#ifndef SANDBOX_ADMIN_H
#define SANDBOX_ADMIN_H

#include "shop.h"

/* The admin page of current among the n stores; api_url is the sandbox's own URL as the browser
 * reached it ("http://127.0.0.1:8082"), the base of every store's API. Returns malloc'd HTML. */
char *admin_page(struct shop *const *shops, int n, const struct shop *current, const char *api_url);

#endif
