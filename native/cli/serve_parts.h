/*
 * What `solder serve` wires between the parts around the HTTP loop (cli/serve_parts.c). One server
 * per process: serve_parts_start once the store, the connectors and the websocket hub exist,
 * serve_parts_stop after the server loop ended.
 */
#ifndef SOLDER_SERVE_PARTS_H
#define SOLDER_SERVE_PARTS_H

struct app;
struct engine_config;

/* Starts the destination blocks' pools and the engine with its hooks (app->engine), and gives the
 * server its route table and the engine's wake. allow_hosts is the --allow-host list. Returns 0,
 * or -1 with nothing left running. */
int serve_parts_start(struct app *app, struct engine_config *cfg, const char *allow_hosts);
void serve_parts_stop(struct app *app);

#endif
