/*
 * Live updates over a websocket (/ws, subprotocol "solder-events"): installation changes and
 * execution progress pushed to the identities allowed to see them.
 *
 * Threading: ws_publish may be called from any thread (workers publish progress); it queues the
 * event and wakes the lws thread, which delivers it. Everything else runs on the lws thread.
 * Lifecycle: ws_hub_new before the server starts (app->ws), ws_hub_free after it stopped.
 */
#ifndef SOLDER_WS_H
#define SOLDER_WS_H

#include <stdbool.h>

#include <cJSON.h>
#include <libwebsockets.h>

struct app;
struct ws_hub;

/* The protocol entry the server registers next to "http". */
struct lws_protocols ws_protocol(void);

struct ws_hub *ws_hub_new(void);
void ws_hub_free(struct ws_hub *hub);

/*
 * Queues event (copied) for subscribers of the environment; user_id non-NULL restricts it to that
 * end user's sessions plus the environment's API-key sessions. Thread-safe.
 */
/* Whether anyone listens at all: lets publishers skip building events nobody would get. */
bool ws_has_subscribers(struct app *app);
/* The websocket sessions open and authenticated now (any thread; for the metrics). */
size_t ws_open_count(struct app *app);

void ws_publish(struct app *app, const char *env_id, const char *user_id, const cJSON *event);

/* Delivers queued events; the server calls it on the lws thread when the service is woken. */
void ws_flush(struct app *app);
/* Checks every session's credential again at the next ws_flush (any thread): a key was revoked or a
 * user deleted, perhaps by another node. */
void ws_recheck_all(struct app *app);

#endif
