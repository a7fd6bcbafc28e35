/*
 * Static files of the front end (web/): the SDK, the install modal and the dashboard, served from
 * the web directory (--web-dir, default the source tree's web/). Only GET and HEAD, only files
 * below the directory, never a path with ".." or a hidden segment.
 */
#ifndef SOLDER_STATIC_H
#define SOLDER_STATIC_H

#include <stdbool.h>

#include "http/http.h"

/* Whether path is one static_serve may answer (a page or a path in a served folder), from the
 * path alone: no file is looked at. */
bool static_claims(const char *path);

/* Answers req from the web directory when path names a static page or file; false otherwise.
 * Reads the file: run it where blocking is harmless (an API thread). */
bool static_serve(struct request *req, const char *web_dir, const char *path);

#endif
