/*
 * Metrics (http/metrics.c): counted by the request pipeline, rendered in Prometheus' text format
 * at GET /metrics (behind --metrics-token) or on a listener of their own (--metrics-listen).
 */
#ifndef SOLDER_HTTP_METRICS_H
#define SOLDER_HTTP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct request;
struct store;

/* Counts an answered request: its route, method, status and how long it took (service thread). */
void metrics_request_done(const struct request *req, int64_t micros);

/* The metrics as text (malloc'd, *len its length); store is the calling thread's connection,
 * which reads the queue's depth. NULL when memory ran out. */
char *metrics_render(struct app *app, struct store *store, size_t *len);

/* The auth step of GET /metrics on the API's listener: the bearer token must be --metrics-token
 * (404 when none is set, 401 when it differs). */
bool metrics_authenticate(struct request *req);

/* Serves GET /metrics on host:port (port 0 picks a free one, printed) from a thread of its own
 * with its own store connection. Returns 0, or -1 with err set. */
int metrics_listen_start(struct app *app, const char *host, int port, char *err, size_t err_len);
void metrics_listen_stop(void);

#endif
