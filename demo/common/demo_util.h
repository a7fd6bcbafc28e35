/*
 * What the demo's two servers (AcmeCo and the BigCommerce sandbox) both need and Solder's own code
 * does not offer them (they link only libwebsockets, cJSON, libcurl): a request's method and body
 * as libwebsockets hands them over, form values, HTML escaping, and whole-file reads and atomic
 * JSON writes for the data they keep between runs.
 */
#ifndef DEMO_UTIL_H
#define DEMO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cJSON.h>
#include <libwebsockets.h>

/* The request's method as lws parsed it: "GET", "POST", "PUT", "DELETE" or "OTHER". */
const char *demo_http_method(struct lws *wsi);

/* Appends n bytes of a request body to *body (*len bytes so far, kept NUL-terminated). false, with
 * nothing appended, when the body would pass max bytes or memory ran out. */
bool demo_body_append(char **body, size_t *len, const void *in, size_t n, size_t max);

/* The value of name in an application/x-www-form-urlencoded text (a=1&b=2), decoded into out
 * (cap bytes, always terminated; "" when absent). */
void demo_form_value(const char *form, const char *name, char *out, size_t cap);

/* Writes s to f with <, >, &, " and ' escaped for HTML text and attribute values. */
void demo_html_escape(FILE *f, const char *s);

/* The whole file at path (malloc'd, NUL-terminated, length in *len), or NULL when it cannot be read
 * or is larger than max bytes. */
char *demo_read_file(const char *path, size_t max, size_t *len);

/* Writes doc to path through path.tmp and a rename, so a crash leaves the old file or the new one,
 * never half of one. false (and a line on stderr naming who) when it could not. */
bool demo_write_json(const char *path, const cJSON *doc, const char *who);

#endif
