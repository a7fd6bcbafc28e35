/* Helpers shared by the demo's servers (see demo_util.h). */
#include "demo_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void demo_form_value(const char *form, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = form; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t o = 0;
            for (size_t i = nl + 1; i < len && o + 1 < cap; i++) {
                if (p[i] == '+') {
                    out[o++] = ' ';
                } else if (p[i] == '%' && i + 2 < len && isxdigit((unsigned char)p[i + 1]) &&
                           isxdigit((unsigned char)p[i + 2])) {
                    char hex[3] = {p[i + 1], p[i + 2], 0};
                    out[o++] = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else {
                    out[o++] = p[i];
                }
            }
            out[o] = '\0';
            return;
        }
        p = amp ? amp + 1 : NULL;
    }
}

void demo_html_escape(FILE *f, const char *s)
{
    static const struct {
        char c;
        const char *entity;
    } ENTITIES[] = {{'<', "&lt;"}, {'>', "&gt;"}, {'&', "&amp;"}, {'"', "&quot;"}, {'\'', "&#39;"}};
    for (; s && *s; s++) {
        size_t i = 0;
        while (i < sizeof ENTITIES / sizeof ENTITIES[0] && ENTITIES[i].c != *s)
            i++;
        if (i < sizeof ENTITIES / sizeof ENTITIES[0])
            fputs(ENTITIES[i].entity, f);
        else
            fputc(*s, f);
    }
}

char *demo_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = malloc(max + 1);
    size_t n = text ? fread(text, 1, max + 1, f) : 0;
    fclose(f);
    if (!text || n > max) {
        free(text);
        return NULL;
    }
    text[n] = '\0';
    *len = n;
    return text;
}

bool demo_write_json(const char *path, const cJSON *doc, const char *who)
{
    char *text = cJSON_Print(doc);
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = text ? fopen(tmp, "w") : NULL;
    bool ok = f && fputs(text, f) >= 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        fprintf(stderr, "%s: cannot write %s\n", who, path);
    free(text);
    return ok;
}

const char *demo_http_method(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes tok;
        const char *name;
    } METHODS[] = {{WSI_TOKEN_GET_URI, "GET"},
                   {WSI_TOKEN_POST_URI, "POST"},
                   {WSI_TOKEN_PUT_URI, "PUT"},
                   {WSI_TOKEN_DELETE_URI, "DELETE"}};
    for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++)
        if (lws_hdr_total_length(wsi, METHODS[i].tok) > 0)
            return METHODS[i].name;
    return "OTHER";
}

bool demo_body_append(char **body, size_t *len, const void *in, size_t n, size_t max)
{
    if (*len + n > max)
        return false;
    char *grown = realloc(*body, *len + n + 1);
    if (!grown)
        return false;
    memcpy(grown + *len, in, n);
    *len += n;
    grown[*len] = '\0';
    *body = grown;
    return true;
}
