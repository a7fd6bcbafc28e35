/* Serving web/ (see static.h). Files are read whole: the front end is small. */
#include "http/static.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Largest static file served: the SDK bundle and WASM module are far below it. */
#define STATIC_MAX_BYTES (8u << 20)

/* The dashboard's single-page app shell, in which the front end's bundle (dashboard/dist/) runs. */
#define DASHBOARD_SHELL "dashboard/index.html"

/* Pages with a fixed path: the install modal under the names Alloy's SDK uses. */
static const struct {
    const char *path;
    const char *file;
} PAGES[] = {
    {"/forge-install", "modal/index.html"},
    {"/embedded-install", "modal/index.html"},
    {"/dashboard", DASHBOARD_SHELL},
    {"/dashboard/", DASHBOARD_SHELL},
};

/* The first path segments of the dashboard's pages (client-side routes of its single-page app),
 * each with anything below it; "/" is the dashboard's home. */
static const char *const DASHBOARD_PAGES[] = {
    "integrations", "workflows", "events", "users",   "executions",
    "analytics",    "settings",  "setup",  "sign-in",
};

/* What a dashboard page may load and who may frame it: only this origin's files, no inline script,
 * and no framing at all (the install modal's pages, framed by the ISV's app, do not get these). */
static const struct {
    const char *name, *value;
} DASHBOARD_HEADERS[] = {
    {"content-security-policy",
     "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
     "img-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; "
     "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {"x-frame-options", "DENY"},
    {"referrer-policy", "same-origin"},
};

/* Folders below web/ that are served as they are. */
static const char *const FOLDERS[] = {"/sdk/", "/modal/", "/dashboard/", "/icons/", "/demo/"};

/* Files the build generates (the browser's WASM core) are looked up in the build tree's web/
 * when web/ does not have them (tests/e2e/e2e.cmake defines the directory). */
#ifdef SOLDER_GENERATED_WEB_DIR
static const char *const GENERATED_DIR = SOLDER_GENERATED_WEB_DIR;
#else
static const char *const GENERATED_DIR = NULL;
#endif

static const struct {
    const char *ext;
    const char *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".wasm", "application/wasm"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
};

static const char *content_type(const char *file)
{
    const char *dot = strrchr(file, '.');
    for (size_t i = 0; dot && i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(dot, TYPES[i].ext) == 0)
            return TYPES[i].type;
    return "application/octet-stream";
}

static bool safe_relative(const char *rel)
{
    if (!*rel || strstr(rel, "..") || strstr(rel, "//") || strstr(rel, "/.") || rel[0] == '.')
        return false;
    for (const char *p = rel; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\\')
            return false;
    return true;
}

static bool send_file(struct request *req, const char *web_dir, const char *rel)
{
    bool dashboard = strncmp(rel, "dashboard/", 10) == 0;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", web_dir, rel);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > STATIC_MAX_BYTES)
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char *data = malloc((size_t)st.st_size + 1);
    size_t got = data ? fread(data, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!data || got != (size_t)st.st_size) {
        free(data);
        return false;
    }
    reply_header(req, "cache-control", "no-cache");
    reply_header(req, "x-content-type-options", "nosniff");
    for (size_t i = 0; dashboard && i < sizeof DASHBOARD_HEADERS / sizeof DASHBOARD_HEADERS[0]; i++)
        reply_header(req, DASHBOARD_HEADERS[i].name, DASHBOARD_HEADERS[i].value);
    reply_raw(req, 200, content_type(rel), data, got);
    return true;
}

static bool dashboard_page(const char *path)
{
    if (strcmp(path, "/") == 0)
        return true;
    const char *seg = path + 1, *end = strchr(seg, '/');
    size_t n = end ? (size_t)(end - seg) : strlen(seg);
    for (size_t i = 0; path[0] == '/' && i < sizeof DASHBOARD_PAGES / sizeof DASHBOARD_PAGES[0];
         i++)
        if (strlen(DASHBOARD_PAGES[i]) == n && strncmp(seg, DASHBOARD_PAGES[i], n) == 0)
            return true;
    return false;
}

/* Whether the request's Accept header names HTML, as a browser's navigation does. */
static bool accepts_html(const struct request *req)
{
    char accept[512];
    if (!req->wsi || lws_hdr_copy(req->wsi, accept, sizeof accept, WSI_TOKEN_HTTP_ACCEPT) <= 0)
        return false;
    return strstr(accept, "text/html") != NULL;
}

static bool is_get(const struct request *req, const char *web_dir)
{
    return (req->method == HTTP_GET || req->method == HTTP_HEAD) && web_dir && *web_dir;
}

bool static_claims(const char *path)
{
    if (dashboard_page(path))
        return true;
    for (size_t i = 0; i < sizeof PAGES / sizeof PAGES[0]; i++)
        if (strcmp(path, PAGES[i].path) == 0)
            return true;
    for (size_t i = 0; i < sizeof FOLDERS / sizeof FOLDERS[0]; i++)
        if (strncmp(path, FOLDERS[i], strlen(FOLDERS[i])) == 0)
            return true;
    return false;
}

bool static_claims_dashboard(const struct request *req, const char *web_dir)
{
    return is_get(req, web_dir) && dashboard_page(req->path) && accepts_html(req);
}

bool static_serve(struct request *req, const char *web_dir, const char *path)
{
    if (!is_get(req, web_dir))
        return false;
    if (dashboard_page(path))
        return send_file(req, web_dir, DASHBOARD_SHELL);
    for (size_t i = 0; i < sizeof PAGES / sizeof PAGES[0]; i++)
        if (strcmp(path, PAGES[i].path) == 0)
            return send_file(req, web_dir, PAGES[i].file);
    for (size_t i = 0; i < sizeof FOLDERS / sizeof FOLDERS[0]; i++) {
        size_t n = strlen(FOLDERS[i]);
        if (strncmp(path, FOLDERS[i], n) == 0) {
            const char *rel = path + 1;
            return safe_relative(rel) && (send_file(req, web_dir, rel) ||
                                          (GENERATED_DIR && send_file(req, GENERATED_DIR, rel)));
        }
    }
    return false;
}
