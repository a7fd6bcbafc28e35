/*
 * Inside the PostgreSQL backend: the texts it reads and writes that are not PostgreSQL's — a
 * statement's parameters written the PostgreSQL way, and a live update as it crosses the bus
 * between nodes. Pure functions (no connection), so that their fuzz target needs no database.
 */
#ifndef SOLDER_STORE_POSTGRES_WIRE_H
#define SOLDER_STORE_POSTGRES_WIRE_H

#include "util/id.h"

#include <stdbool.h>

/* sql with SQLite's numbered parameters ?N written as PostgreSQL's $N (outside quoted strings and
 * identifiers); malloc'd, NULL when out of memory. */
char *store_pg_dollar_params(const char *sql);

/* The bus's name of a node: 16 hex digits. */
#define STORE_BUS_NODE_LEN 16

/* A live update on the bus: "NODE ENV USER EVENT" (USER "-" for an environment-wide update). Fills
 * node, env and user ("" for "-") and points *event into payload; false when payload is not of that
 * form (a field missing or too long). */
bool store_bus_parse_live(const char *payload, char node[STORE_BUS_NODE_LEN + 1],
                          char env[ID_LEN + 1], char user[ID_LEN + 1], const char **event);

#endif
