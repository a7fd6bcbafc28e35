/*
 * Static files of the front end (web/): the SDK, the install modal, the dashboard and the icons of
 * apps and blocks, served from the web directory (--web-dir, default the source tree's web/). Only
 * GET and HEAD, only files below the directory, never a path with ".." or a hidden segment.
 */
#ifndef SOLDER_STATIC_H
#define SOLDER_STATIC_H

#include <stdbool.h>

#include "http/http.h"

/* Whether path is one static_serve may answer (a page, a dashboard page or a path in a served
 * folder), from the path alone: no file is looked at. */
bool static_claims(const char *path);

/* Answers req from the web directory when path names a static page or file (a dashboard page
 * among them); false otherwise. For paths no API route serves, and for the dashboard pages
 * static_claims_dashboard claims. Reads the file: run it where blocking is harmless (an API
 * thread). */
bool static_serve(struct request *req, const char *web_dir, const char *path);

/*
 * Whether req is a browser opening a dashboard page — GET or HEAD of "/" or a path below one of the
 * dashboard's page segments (/integrations, /users, /settings, /sign-in, ...; static.c lists
 * them), with Accept naming text/html — to be answered with the single-page app's shell by
 * static_serve. Asked before routing (on the lws thread: it reads the headers), so /users is the
 * Users page to a browser and the API to every other client. Dashboard files carry a strict
 * Content-Security-Policy, X-Frame-Options DENY and Referrer-Policy same-origin; the install
 * modal's pages stay frameable.
 */
bool static_claims_dashboard(const struct request *req, const char *web_dir);

#endif
