/*
 * Admission of TCP connections: every open connection is counted against its client address and
 * against the server's total, and the idle ones (no request in progress: still sending headers,
 * or kept alive between requests) are kept oldest first. When an address is at its cap, or the
 * server is full, a newcomer takes the place of the oldest idle connection (of that address, or
 * anywhere) instead of being refused; it is refused only when every counted connection is busy.
 * So a flood of idle or trickling sockets, from one address or many, cannot lock other clients
 * out, and the header buffers lws keeps per connection (one per admitted connection) never run
 * out.
 *
 * Addresses: IPv4 by address, IPv6 by its /64 prefix (one host usually owns a whole /64).
 *
 * Threading: lws service thread only. Lifecycle: conns_new before the lws context serves,
 * conns_free after it is destroyed (every record is closed by then).
 */
#ifndef SOLDER_CONNS_H
#define SOLDER_CONNS_H

#include <stdbool.h>
#include <sys/socket.h>

struct lws;
struct conns;
struct conn_rec;

/* max_total connections in all; max_per_address from one address (0: no per-address cap). */
struct conns *conns_new(int max_total, int max_per_address);
void conns_free(struct conns *c);

/*
 * At accept (LWS_CALLBACK_FILTER_NETWORK_CONNECTION): true when a connection from addr may open,
 * after closing the oldest idle connection that stands in its way; false when it would exceed a
 * cap and nothing can make room.
 */
bool conns_admit(struct conns *c, const struct sockaddr *addr);

/*
 * The accepted connection wsi starts (LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED): counts it,
 * idle, and keeps its record as the wsi's opaque user data. Returns false when memory ran out.
 */
bool conns_opened(struct conns *c, struct lws *wsi);

/* A request began on wsi (headers complete), or its websocket authenticated: not idle. A
 * websocket that has not authenticated yet counts as idle. */
void conns_busy(struct conns *c, struct lws *wsi);
/* wsi finished its request and waits for the next one. */
void conns_idle(struct conns *c, struct lws *wsi);
/* The client address of an admitted connection, as text ("" when unknown); lives with wsi. */
const char *conns_address(struct lws *wsi);

/* wsi is going away (LWS_CALLBACK_WSI_DESTROY): forgets it. Any wsi may be passed. */
void conns_closed(struct conns *c, struct lws *wsi);

#endif
