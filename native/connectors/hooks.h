/* Inbound webhook deliveries of app triggers, checked on the API thread (connectors/hooks.c). */
#ifndef SOLDER_CONNECTORS_HOOKS_H
#define SOLDER_CONNECTORS_HOOKS_H

#include <stddef.h>

#include "connectors/connectors.h"

/*
 * Accepts one delivery for subscription_id: verifies it as the trigger says (header(hctx, name)
 * returns a malloc'd header value or NULL), then stores it for the hooks thread. Returns the HTTP
 * status to answer: 200 accepted, 401 signature refused (nothing stored), 404 unknown
 * subscription, 400 not JSON, 410 app gone, 500 store failure; msg says why.
 */
int connectors_hook_accept(struct connectors *c, struct store *s, const char *subscription_id,
                           const char *body, size_t body_len,
                           char *(*header)(void *ctx, const char *name), void *hctx, char *msg,
                           size_t msg_len);

#endif
