/*
 * Static files of the front end (web/): the SDK, the install modal, the dashboard and the icons of
 * apps and blocks, served from the web directory (--web-dir, default the source tree's web/). Only
 * GET and HEAD, only files below the directory, never a path with ".." or a hidden segment.
 */
#ifndef SOLDER_STATIC_H
#define SOLDER_STATIC_H

#include <stdbool.h>

#include "http/http.h"

/* Answers req from the web directory when path names a static page or file (a dashboard page
 * among them); false otherwise. For paths no API route serves. */
bool static_serve(struct request *req, const char *web_dir, const char *path);

/*
 * Answers a browser opening a dashboard page — GET or HEAD of "/" or a path below one of the
 * dashboard's page segments (/integrations, /users, /settings, /sign-in, ...; static.c lists
 * them), with Accept naming text/html — with the single-page app's shell; false otherwise. Runs
 * before routing, so /users is the Users page to a browser and the API to every other client.
 * Dashboard files carry a strict Content-Security-Policy, X-Frame-Options DENY and
 * Referrer-Policy same-origin; the install modal's pages stay frameable.
 */
bool static_serve_dashboard(struct request *req, const char *web_dir);

#endif
