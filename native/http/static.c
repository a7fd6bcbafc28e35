/* Serving web/ (see static.h). Files are read whole: the front end is small. A file with a
 * gzipped sibling (FILE.gz, written by the build) is sent as that sibling, Content-Encoding: gzip,
 * to a client whose Accept-Encoding allows gzip; nothing is compressed while serving. */
#include "http/static.h"

#include <libwebsockets.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* Whether Accept-Encoding lists gzip (or *) without q=0. */
static bool accepts_gzip(const struct request *req)
{
    char enc[512];
    if (!req->wsi || lws_hdr_copy(req->wsi, enc, sizeof enc, WSI_TOKEN_HTTP_ACCEPT_ENCODING) <= 0)
        return false;
    for (char *save = NULL, *item = strtok_r(enc, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        item += strspn(item, " \t");
        size_t n = strcspn(item, " \t;");
        if (!((n == 4 && strncasecmp(item, "gzip", 4) == 0) || (n == 1 && item[0] == '*')))
            continue;
        const char *q = strstr(item + n, "q=");
        return !q || strtod(q + 2, NULL) > 0;
    }
    return false;
}

/* Whether gz_path is a gzip file of size bytes: its trailer's ISIZE (the length mod 2^32) says
 * so. A sibling left from an earlier build of a file that has changed since is not sent for it
 * (build tools touch outputs, so modification times cannot tell). */
static bool gz_sibling_of(const char *gz_path, off_t size)
{
    struct stat st;
    if (stat(gz_path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 18 ||
        (size_t)st.st_size > STATIC_MAX_BYTES)
        return false;
    FILE *f = fopen(gz_path, "rb");
    unsigned char head[2] = {0}, tail[4] = {0};
    bool ok = f && fread(head, 1, 2, f) == 2 && head[0] == 0x1f && head[1] == 0x8b &&
              fseek(f, -4, SEEK_END) == 0 && fread(tail, 1, 4, f) == 4;
    if (f)
        fclose(f);
    uint32_t isize = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                     (uint32_t)tail[3] << 24;
    return ok && isize == (uint32_t)size;
}

static bool send_file(struct request *req, const char *web_dir, const char *rel)
{
    bool dashboard = strncmp(rel, "dashboard/", 10) == 0;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", web_dir, rel);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > STATIC_MAX_BYTES)
        return false;
    char gz_path[sizeof path + 3];
    snprintf(gz_path, sizeof gz_path, "%s.gz", path);
    bool has_gz = gz_sibling_of(gz_path, st.st_size);
    bool gzipped = has_gz && accepts_gzip(req) && stat(gz_path, &st) == 0;
    FILE *f = fopen(gzipped ? gz_path : path, "rb");
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
    if (has_gz)
        reply_header(req, "vary", "accept-encoding");
    if (gzipped)
        reply_header(req, "content-encoding", "gzip");
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
