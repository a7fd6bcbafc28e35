/*
 * JSON text from cJSON trees, compact, with numbers as JavaScript writes them (number.c) — the
 * writer behind json_print and so behind every API answer, stored document and outgoing body.
 * Strings are escaped as cJSON escapes them (quote, backslash, control characters; other bytes
 * pass through). NaN and infinities, which JSON cannot carry, are written as null. Does not indent;
 * the CLI's file layout (cli.c) builds on json_write.
 */
#include "json/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void json_write_string(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    const char *run = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(out, run, (size_t)(p - run));
        run = p + 1;
        char esc[6] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex_digits[c >> 4];
            esc[5] = hex_digits[c & 15];
            n = 6;
        }
        buf_append(out, esc, n);
    }
    buf_append(out, run, strlen(run));
    buf_putc(out, '"');
}

void json_write_number(struct buf *out, double n)
{
    if (!isfinite(n)) {
        buf_append(out, "null", 4);
        return;
    }
    char text[JSON_NUMBER_MAX];
    buf_append(out, text, json_number_text(text, n));
}

void json_write(struct buf *out, const cJSON *v)
{
    if (!v) {
        buf_append(out, "null", 4);
        return;
    }
    switch (v->type & 0xff) {
    case cJSON_False:
        buf_append(out, "false", 5);
        break;
    case cJSON_True:
        buf_append(out, "true", 4);
        break;
    case cJSON_Number:
        json_write_number(out, v->valuedouble);
        break;
    case cJSON_String:
        json_write_string(out, v->valuestring ? v->valuestring : "");
        break;
    case cJSON_Raw:
        buf_puts(out, v->valuestring ? v->valuestring : "null");
        break;
    case cJSON_Array:
    case cJSON_Object: {
        bool obj = (v->type & 0xff) == cJSON_Object;
        buf_putc(out, obj ? '{' : '[');
        for (const cJSON *c = v->child; c; c = c->next) {
            if (obj) {
                json_write_string(out, c->string ? c->string : "");
                buf_putc(out, ':');
            }
            json_write(out, c);
            if (c->next)
                buf_putc(out, ',');
        }
        buf_putc(out, obj ? '}' : ']');
        break;
    }
    default:
        buf_append(out, "null", 4);
    }
}

char *json_print(const cJSON *v)
{
    if (!v)
        return NULL;
    struct buf out = {0};
    json_write(&out, v);
    return buf_take(&out);
}
