/* Serving web/ (see static.h). Files are read whole: the front end is small. */
#include "http/static.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Largest static file served: the SDK bundle and WASM module are far below it. */
#define STATIC_MAX_BYTES (8u << 20)

/* Pages with a fixed path: the install modal under the names Alloy's SDK uses. */
static const struct {
    const char *path;
    const char *file;
} PAGES[] = {
    {"/forge-install", "modal/index.html"},
    {"/embedded-install", "modal/index.html"},
    {"/dashboard", "dashboard/index.html"},
    {"/dashboard/", "dashboard/index.html"},
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
    reply_raw(req, 200, content_type(rel), data, got);
    return true;
}

bool static_claims(const char *path)
{
    for (size_t i = 0; i < sizeof PAGES / sizeof PAGES[0]; i++)
        if (strcmp(path, PAGES[i].path) == 0)
            return true;
    for (size_t i = 0; i < sizeof FOLDERS / sizeof FOLDERS[0]; i++)
        if (strncmp(path, FOLDERS[i], strlen(FOLDERS[i])) == 0)
            return true;
    return false;
}

bool static_serve(struct request *req, const char *web_dir, const char *path)
{
    if ((req->method != HTTP_GET && req->method != HTTP_HEAD) || !web_dir || !*web_dir)
        return false;
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
