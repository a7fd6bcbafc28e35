/*
 * The pipeline's schema step: each route's request-body JSON Schema (the route table's
 * body_schema, described in native/api/routes/) compiled once at start, and every body checked
 * against it after the JSON parse and before the handler. A body that does not fit is answered
 * 422 {message, code: "validation_failed", errors: [{instancePath, keywordLocation, keyword,
 * message}]}, the message naming the first problem in the words handlers used before
 * ("username is required", "name must be a string").
 * It does not check what a schema cannot say (a user that must exist, a name that must be free):
 * handlers still do that.
 *
 * Threading: http_validate_start runs before the server thread starts; the compiled schemas are
 * immutable afterwards, shared by the API threads (a compiled schema may be used by any number of
 * threads at once, schema/schema.h).
 */
#include "app.h"

#include "http/validate.h"
#include "json/json.h"
#include "schema/schema.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct route *http_routes;
size_t http_route_count;

/* The compiled schema of each row of http_routes (NULL: no body schema) and its JSON, which the
 * messages read bounds and names from. */
static schema_t **compiled;
static cJSON **documents;

int http_validate_start(const struct route *routes, size_t count, char *err, size_t err_len)
{
    if (compiled)
        return 0;
    http_routes = routes;
    http_route_count = count;
    compiled = calloc(http_route_count, sizeof *compiled);
    documents = calloc(http_route_count, sizeof *documents);
    if (!compiled || !documents) {
        snprintf(err, err_len, "out of memory compiling the request schemas");
        http_validate_stop();
        return -1;
    }
    for (size_t i = 0; i < http_route_count; i++) {
        const struct route *r = &http_routes[i];
        if (!r->body_schema)
            continue;
        char *why = NULL;
        documents[i] = cJSON_Parse(r->body_schema);
        compiled[i] = documents[i] ? schema_compile(documents[i], NULL, &why) : NULL;
        if (!compiled[i]) {
            snprintf(err, err_len, "the body schema of %s %s does not compile: %s",
                     http_method_name(r->method), r->pattern, why ? why : "not JSON");
            free(why);
            http_validate_stop();
            return -1;
        }
    }
    return 0;
}

void http_validate_stop(void)
{
    for (size_t i = 0; compiled && i < http_route_count; i++) {
        schema_free(compiled[i]);
        cJSON_Delete(documents[i]);
    }
    free(compiled);
    free(documents);
    compiled = NULL;
    documents = NULL;
}

/* The value a JSON Pointer names in doc, or NULL. */
static const cJSON *pointer_get(const cJSON *doc, const char *ptr)
{
    const cJSON *at = doc;
    while (at && *ptr == '/') {
        ptr++;
        char token[256];
        size_t n = 0;
        for (; *ptr && *ptr != '/' && n + 1 < sizeof token; ptr++) {
            char c = *ptr;
            if (c == '~' && (ptr[1] == '0' || ptr[1] == '1'))
                c = *++ptr == '0' ? '~' : '/';
            token[n++] = c;
        }
        token[n] = '\0';
        if (cJSON_IsArray(at)) {
            char *end;
            long i = strtol(token, &end, 10);
            at = *token && !*end ? cJSON_GetArrayItem(at, (int)i) : NULL;
        } else {
            at = cJSON_GetObjectItemCaseSensitive(at, token);
        }
    }
    return *ptr ? NULL : at;
}

/* A JSON Pointer into the body as a field name: "/definition/name" -> "definition.name". */
static void field_name(struct buf *out, const char *ptr)
{
    for (const char *p = ptr; *p; p++) {
        if (*p == '/')
            buf_puts(out, p == ptr ? "" : ".");
        else if (*p == '~' && (p[1] == '0' || p[1] == '1'))
            buf_putc(out, *++p == '0' ? '~' : '/');
        else
            buf_putc(out, *p);
    }
}

/* The schema location up tokens above location (its owner's owner ... ), as a pointer into doc. */
static const cJSON *schema_above(const cJSON *doc, const char *location, int up)
{
    char *loc = strdup(location);
    for (int k = 0; loc && k < up; k++) {
        char *slash = strrchr(loc, '/');
        if (slash)
            *slash = '\0';
    }
    const cJSON *s = loc ? pointer_get(doc, loc) : NULL;
    free(loc);
    return s;
}

static bool names_required(const cJSON *object_schema, const char *name)
{
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(object_schema, "required"), *r;
    cJSON_ArrayForEach(r,
                       req) if (cJSON_IsString(r) && strcmp(r->valuestring, name) == 0) return true;
    return false;
}

/* "a or b", "one of a, b or c" for an enum of strings; false when it holds anything else. */
static bool enum_words(struct buf *out, const cJSON *values)
{
    int n = cJSON_GetArraySize(values), i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, values) if (!cJSON_IsString(v)) return false;
    if (n > 2)
        buf_puts(out, "one of ");
    cJSON_ArrayForEach(v, values)
    {
        buf_puts(out, i == 0 ? "" : i == n - 1 ? " or " : ", ");
        buf_puts(out, v->valuestring);
        i++;
    }
    return n > 0;
}

/* The answer's message for the first error e of a body validated against route i's schema. */
static char *describe(size_t i, const cJSON *body, const struct schema_error *e)
{
    struct buf field = {0}, msg = {0};
    field_name(&field, e->instance_path);
    const char *where = field.len ? field.data : "request body";
    const cJSON *owner = schema_above(documents[i], e->keyword_location, 1);
    if (strcmp(e->keyword, "required") == 0 && e->message[0] == '\'') {
        const char *end = strstr(e->message + 1, "' is a required property");
        int len = end ? (int)(end - e->message - 1) : 0;
        buf_printf(&msg, "%s%s%.*s is required", field.len ? field.data : "", field.len ? "." : "",
                   len, e->message + 1);
    } else if (strcmp(e->keyword, "type") == 0 &&
               strncmp(e->message, "must be an object", 17) == 0) {
        buf_printf(&msg, "%s must be a JSON object%s", where, e->message + 17);
    } else if (strcmp(e->keyword, "minLength") == 0 &&
               cJSON_IsString(pointer_get(body, e->instance_path)) &&
               !pointer_get(body, e->instance_path)->valuestring[0]) {
        /* An empty name is no name: "is required" when its object needs it. */
        const char *slash = strrchr(e->instance_path, '/');
        const cJSON *object_schema = schema_above(documents[i], e->keyword_location, 3);
        bool required = slash && names_required(object_schema, slash + 1);
        buf_printf(&msg, "%s %s", where, required ? "is required" : "must not be empty");
    } else if ((strcmp(e->keyword, "minimum") == 0 || strcmp(e->keyword, "maximum") == 0) &&
               cJSON_IsNumber(cJSON_GetObjectItem(owner, "minimum")) &&
               cJSON_IsNumber(cJSON_GetObjectItem(owner, "maximum"))) {
        const cJSON *type = cJSON_GetObjectItem(owner, "type");
        buf_printf(&msg, "%s must be %s from %g to %g", where,
                   cJSON_IsString(type) && strcmp(type->valuestring, "integer") == 0 ? "an integer"
                                                                                     : "a number",
                   cJSON_GetObjectItem(owner, "minimum")->valuedouble,
                   cJSON_GetObjectItem(owner, "maximum")->valuedouble);
    } else if (strcmp(e->keyword, "enum") == 0) {
        buf_printf(&msg, "%s must be ", where);
        if (!enum_words(&msg, cJSON_GetObjectItem(owner, "enum"))) {
            msg.len = 0;
            buf_printf(&msg, "%s %s", where, e->message);
        }
    } else {
        buf_printf(&msg, "%s %s", where, e->message);
    }
    buf_free(&field);
    return buf_take(&msg);
}

bool http_validate_body(struct request *req)
{
    size_t i = (size_t)(req->route - http_routes);
    if (!compiled || req->route < http_routes || i >= http_route_count || !compiled[i])
        return true;
    if (!req->json && (req->route->flags & ROUTE_BODY_OPTIONAL))
        return true;
    cJSON *absent = NULL;
    const cJSON *body = req->json ? req->json : (absent = cJSON_CreateNull());
    if (schema_validate(compiled[i], body, NULL)) {
        cJSON_Delete(absent);
        return true;
    }
    struct schema_result result = {0};
    schema_validate(compiled[i], body, &result);
    char *message = result.count ? describe(i, body, &result.errors[0]) : NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "message",
                            message ? message : "the request body does not fit its schema");
    cJSON_AddStringToObject(out, "code", "validation_failed");
    cJSON_AddItemToObject(out, "errors", schema_result_to_json(&result));
    reply_json(req, 422, out);
    free(message);
    schema_result_free(&result);
    cJSON_Delete(absent);
    return false;
}
