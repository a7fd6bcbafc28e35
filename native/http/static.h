/*
 * Static files of the front end (web/): the SDK, the install modal and the dashboard, served from
 * the web directory (--web-dir, default the source tree's web/). Only GET and HEAD, only files
 * below the directory, never a path with ".." or a hidden segment.
 */
#ifndef SOLDER_STATIC_H
#define SOLDER_STATIC_H

#include <stdbool.h>

#include "http/http.h"

/* Answers req from the web directory when path names a static page or file; false otherwise. */
bool static_serve(struct request *req, const char *web_dir, const char *path);

#endif
