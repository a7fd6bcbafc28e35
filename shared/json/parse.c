/*
 * The JSON reader behind json_parse: RFC 8259 text into cJSON nodes in one pass, with a nesting
 * bound and the byte offset and reason of the first problem.
 *
 * It takes the place of cJSON's own parser, which writes a process-wide error pointer on every
 * call (a data race between the threads that parse at once: the API thread, workers, hooks) and
 * reads each number through a 64-byte copy (longer numbers came out cut). It is as strict as
 * JSON.parse: no leading zeros, no raw control characters in strings, no trailing commas, no
 * comments; it also refuses \u escapes that leave a surrogate unpaired, which UTF-8 cannot carry.
 * String bytes are kept as they are, without UTF-8 validation. Numbers are read with strtod in the
 * C locale, which the server never changes. Nodes are made by cJSON's functions and filled in
 * place, so cJSON_Delete frees them (cJSON's default allocator, which Solder never replaces).
 */
#include "json/json.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Numbers up to this many characters are read from a stack copy; longer ones from the heap. */
#define NUMBER_STACK_COPY 64
/* Integers of at most this many digits are exact in a double and computed without strtod. */
#define NUMBER_FAST_DIGITS 15

struct reader {
    const char *p, *end;
    int depth, max_depth;
    const char *why; /* the first problem (a static string); NULL while all is well */
    const char *at;  /* where it is */
};

static cJSON *fail(struct reader *r, const char *at, const char *why)
{
    if (!r->why) {
        r->why = why;
        r->at = at;
    }
    return NULL;
}

static void skip_space(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static cJSON *read_number(struct reader *r)
{
    const char *s = r->p, *q = s;
    if (q < r->end && *q == '-')
        q++;
    if (q >= r->end || !is_digit(*q))
        return fail(r, q, "invalid number");
    const char *digits = q;
    if (*q == '0')
        q++;
    else
        while (q < r->end && is_digit(*q))
            q++;
    bool plain = true;
    size_t ndigits = (size_t)(q - digits);
    if (q < r->end && *q == '.') {
        plain = false;
        if (++q >= r->end || !is_digit(*q))
            return fail(r, q, "invalid number: a digit must follow the decimal point");
        while (q < r->end && is_digit(*q))
            q++;
    }
    if (q < r->end && (*q == 'e' || *q == 'E')) {
        plain = false;
        q++;
        if (q < r->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= r->end || !is_digit(*q))
            return fail(r, q, "invalid number: the exponent has no digits");
        while (q < r->end && is_digit(*q))
            q++;
    }
    if (q < r->end && is_digit(*q))
        return fail(r, q, "invalid number: leading zero");
    double v;
    if (plain && ndigits <= NUMBER_FAST_DIGITS) {
        int64_t n = 0;
        for (const char *d = digits; d < q; d++)
            n = n * 10 + (*d - '0');
        v = *s == '-' ? -(double)n : (double)n;
    } else {
        size_t len = (size_t)(q - s);
        char stack[NUMBER_STACK_COPY], *copy = len < sizeof stack ? stack : malloc(len + 1);
        if (!copy)
            return fail(r, s, "out of memory");
        memcpy(copy, s, len);
        copy[len] = '\0';
        v = strtod(copy, NULL);
        if (copy != stack)
            free(copy);
    }
    r->p = q;
    cJSON *item = cJSON_CreateNumber(v);
    return item ? item : fail(r, s, "out of memory");
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Reads the string at r->p (its opening quote) into a malloc'd NUL-terminated copy; NULL with the
 * problem recorded on failure. Escapes never make the text longer, so the raw length bounds it. */
static char *read_string(struct reader *r)
{
    const char *open = r->p, *q = open + 1;
    while (q < r->end && *q != '"') {
        if ((unsigned char)*q < 0x20)
            return (char *)fail(r, q, "control character in a string (escape it)");
        q += *q == '\\' ? 2 : 1;
    }
    if (q >= r->end)
        return (char *)fail(r, r->end, "unexpected end of JSON in a string");
    const char *close = q;
    char *out = malloc((size_t)(close - open));
    if (!out)
        return (char *)fail(r, open, "out of memory");
    char *o = out;
    for (const char *s = open + 1; s < close;) {
        const char *run = s;
        while (s < close && *s != '\\')
            s++;
        memcpy(o, run, (size_t)(s - run));
        o += s - run;
        if (s >= close)
            break;
        const char *esc = s++;
        char c = *s++;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = c ? strchr(from, c) : NULL;
        if (k) {
            *o++ = to[k - from];
            continue;
        }
        int cp = c == 'u' && close - s >= 4 ? hex4(s) : -1;
        if (cp < 0) {
            free(out);
            return (char *)fail(r, esc, c == 'u' ? "invalid \\u escape" : "invalid escape");
        }
        s += 4;
        if (cp >= 0xdc00 && cp <= 0xdfff) {
            free(out);
            return (char *)fail(r, esc, "\\u escape of an unpaired low surrogate");
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            int lo = close - s >= 6 && s[0] == '\\' && s[1] == 'u' ? hex4(s + 2) : -1;
            if (lo < 0xdc00 || lo > 0xdfff) {
                free(out);
                return (char *)fail(r, esc, "\\u escape of an unpaired high surrogate");
            }
            s += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        o += utf8_encode((uint32_t)cp, o);
    }
    *o = '\0';
    r->p = close + 1;
    return out;
}

static cJSON *read_value(struct reader *r);

/* Appends item to parent's children, keeping cJSON's convention: the first child's prev is the
 * last child. */
static void append(cJSON *parent, cJSON **last, cJSON *item)
{
    if (*last) {
        (*last)->next = item;
        item->prev = *last;
    } else {
        parent->child = item;
    }
    parent->child->prev = item;
    *last = item;
}

static cJSON *read_container(struct reader *r, bool object)
{
    const char *open = r->p;
    if (++r->depth > r->max_depth)
        return fail(r, open, "nesting");
    cJSON *c = object ? cJSON_CreateObject() : cJSON_CreateArray();
    if (!c)
        return fail(r, open, "out of memory");
    char close = object ? '}' : ']';
    cJSON *last = NULL;
    r->p++;
    skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        r->depth--;
        return c;
    }
    for (;;) {
        char *key = NULL;
        if (object) {
            skip_space(r);
            if (r->p >= r->end || *r->p != '"') {
                cJSON_Delete(c);
                return fail(r, r->p, "expected a member name in double quotes");
            }
            key = read_string(r);
            skip_space(r);
            if (key && (r->p >= r->end || *r->p != ':')) {
                free(key);
                key = NULL;
                fail(r, r->p, "expected ':' after a member name");
            }
            if (!key) {
                cJSON_Delete(c);
                return NULL;
            }
            r->p++;
        }
        cJSON *item = read_value(r);
        if (!item) {
            free(key);
            cJSON_Delete(c);
            return NULL;
        }
        item->string = key;
        append(c, &last, item);
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            r->depth--;
            return c;
        }
        cJSON_Delete(c);
        return fail(r, r->p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static cJSON *read_literal(struct reader *r, const char *word, size_t n, cJSON *item)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) {
        cJSON_Delete(item);
        return fail(r, r->p, "expected a value");
    }
    if (!item)
        return fail(r, r->p, "out of memory");
    r->p += n;
    return item;
}

static cJSON *read_value(struct reader *r)
{
    skip_space(r);
    if (r->p >= r->end)
        return fail(r, r->p, "expected a value");
    switch (*r->p) {
    case '{':
        return read_container(r, true);
    case '[':
        return read_container(r, false);
    case '"': {
        const char *at = r->p;
        char *s = read_string(r);
        if (!s)
            return NULL;
        cJSON *item = cJSON_CreateNull();
        if (!item) {
            free(s);
            return fail(r, at, "out of memory");
        }
        item->type = cJSON_String;
        item->valuestring = s;
        return item;
    }
    case 't':
        return read_literal(r, "true", 4, cJSON_CreateTrue());
    case 'f':
        return read_literal(r, "false", 5, cJSON_CreateFalse());
    case 'n':
        return read_literal(r, "null", 4, cJSON_CreateNull());
    default:
        if (*r->p == '-' || is_digit(*r->p))
            return read_number(r);
        return fail(r, r->p, "expected a value");
    }
}

static void set_error(struct json_error *err, const char *text, size_t offset, const char *msg)
{
    if (!err)
        return;
    snprintf(err->message, sizeof err->message, "%s", msg);
    err->offset = offset;
    err->line = 1;
    err->column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            err->line++;
            err->column = 1;
        } else {
            err->column++;
        }
    }
}

cJSON *json_parse(const char *text, size_t len, int max_depth, struct json_error *err)
{
    struct reader r = {.p = text, .end = text + len, .max_depth = max_depth};
    skip_space(&r);
    if (r.p >= r.end) {
        set_error(err, text, len, "empty JSON document");
        return NULL;
    }
    cJSON *v = read_value(&r);
    if (v) {
        skip_space(&r);
        while (r.p < r.end && *r.p == '\0') /* a terminating NUL counted in len */
            r.p++;
        if (r.p < r.end) {
            cJSON_Delete(v);
            v = fail(&r, r.p, "unexpected text after the JSON value");
        }
    }
    if (!v) {
        char msg[96];
        if (strcmp(r.why, "nesting") == 0)
            snprintf(msg, sizeof msg, "JSON nesting deeper than %d levels", max_depth);
        else if (r.at >= r.end && strcmp(r.why, "expected a value") == 0)
            snprintf(msg, sizeof msg, "unexpected end of JSON");
        else
            snprintf(msg, sizeof msg, "%s", r.why);
        set_error(err, text, (size_t)(r.at - text), msg);
    }
    return v;
}
