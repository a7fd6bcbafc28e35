/*
 * JSONata lexer: turns expression text into tokens (names, $variables, string and number literals,
 * regex literals, operators). Comments are skipped here. It does not decide precedence (parser.c).
 */
#include "mapping/internal.h"
#include "util/hex.h"
#include "util/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void compile_fail(struct mapping_error *err, jmp_buf *jmp, const char *code, int pos,
                            const char *fmt, ...)
{
    snprintf(err->code, sizeof err->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->position = pos;
    longjmp(*jmp, 1);
}

/* Operators, longest first so two-character operators win. */
static const char *const operators[] = {
    "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??", ".", "[", "]", "{", "}", "(", ")", ",",
    "@",  "#",  ";",  ":",  "?",  "+",  "-",  "*",  "/",  "%", "|", "=", "<", ">", "^", "&"};

static bool is_name_end(char c)
{
    return c == 0 || strchr(" \t\n\r\v\f.[]{}()),@#;:?+-*/%|=<>^&!~\"'`", c) != NULL;
}

static int read_hex4(struct lexer *lx, size_t at)
{
    if (at + 4 > lx->len)
        return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hex_digit(lx->src[at + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static void lex_string(struct lexer *lx, struct token *t)
{
    char quote = lx->src[lx->i];
    size_t start = lx->i++;
    char *out = arena_alloc(lx->arena, lx->len - lx->i + 1);
    size_t o = 0;
    while (lx->i < lx->len) {
        char c = lx->src[lx->i];
        if (c == quote) {
            lx->i++;
            out[o] = 0;
            t->type = TK_STR;
            t->s = out;
            t->len = o;
            t->pos = (int)lx->i;
            return;
        }
        if (c == '\\') {
            lx->i++;
            if (lx->i >= lx->len)
                break;
            char esc = lx->src[lx->i];
            switch (esc) {
            case '"':
            case '\\':
            case '/':
            case '\'':
                out[o++] = esc;
                break;
            case 'b':
                out[o++] = '\b';
                break;
            case 'f':
                out[o++] = '\f';
                break;
            case 'n':
                out[o++] = '\n';
                break;
            case 'r':
                out[o++] = '\r';
                break;
            case 't':
                out[o++] = '\t';
                break;
            case 'u': {
                int cp = read_hex4(lx, lx->i + 1);
                if (cp < 0)
                    compile_fail(lx->err, lx->jmp, "S0104", (int)lx->i,
                                 "The escape sequence \\u must be followed by 4 hex digits");
                lx->i += 4;
                uint32_t c32 = (uint32_t)cp;
                if (cp >= 0xD800 && cp <= 0xDBFF && lx->i + 2 < lx->len &&
                    lx->src[lx->i + 1] == '\\' && lx->src[lx->i + 2] == 'u') {
                    int lo = read_hex4(lx, lx->i + 3);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        c32 = 0x10000 + (((uint32_t)cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                        lx->i += 6;
                    }
                }
                o += utf8_encode(c32, out + o);
                break;
            }
            default:
                compile_fail(lx->err, lx->jmp, "S0103", (int)lx->i,
                             "Unsupported escape sequence: \\%c", esc);
            }
            lx->i++;
            continue;
        }
        out[o++] = c;
        lx->i++;
    }
    compile_fail(lx->err, lx->jmp, "S0101", (int)start,
                 "String literal must be terminated by a matching quote");
}

static void lex_regex(struct lexer *lx, struct token *t)
{
    size_t start = ++lx->i;
    int depth = 0;
    while (lx->i < lx->len) {
        char c = lx->src[lx->i];
        if (c == '/' && depth == 0) {
            if (lx->i == start)
                compile_fail(lx->err, lx->jmp, "S0301", (int)lx->i,
                             "Empty regular expressions are not allowed");
            t->type = TK_REGEX;
            t->s = arena_strndup(lx->arena, lx->src + start, lx->i - start);
            t->len = lx->i - start;
            lx->i++;
            size_t fstart = lx->i;
            while (lx->i < lx->len && strchr("gimsuy", lx->src[lx->i]) && lx->src[lx->i])
                lx->i++;
            t->flags = arena_strndup(lx->arena, lx->src + fstart, lx->i - fstart);
            t->pos = (int)lx->i;
            return;
        }
        if (c == '[')
            depth = 1;
        else if (c == ']')
            depth = 0;
        else if (c == '\\')
            lx->i++;
        lx->i++;
    }
    compile_fail(lx->err, lx->jmp, "S0302", (int)start, "No terminating / in regular expression");
}

void lexer_next(struct lexer *lx, struct token *t, bool prefix)
{
    memset(t, 0, sizeof *t);
    const char *s = lx->src;
    for (;;) {
        while (lx->i < lx->len && strchr(" \t\n\r\v\f", s[lx->i]) && s[lx->i])
            lx->i++;
        if (lx->i + 1 < lx->len && s[lx->i] == '/' && s[lx->i + 1] == '*') {
            size_t start = lx->i;
            lx->i += 2;
            while (lx->i + 1 < lx->len && !(s[lx->i] == '*' && s[lx->i + 1] == '/'))
                lx->i++;
            if (lx->i + 1 >= lx->len)
                compile_fail(lx->err, lx->jmp, "S0106", (int)start, "Comment has no closing tag");
            lx->i += 2;
            continue;
        }
        break;
    }
    if (lx->i >= lx->len) {
        t->type = TK_END;
        t->pos = (int)lx->i;
        return;
    }
    char c = s[lx->i];
    if (prefix && c == '/') {
        lex_regex(lx, t);
        return;
    }
    if (c == '"' || c == '\'') {
        lex_string(lx, t);
        return;
    }
    /* a number: digits with optional fraction and exponent */
    if (c >= '0' && c <= '9') {
        size_t st = lx->i;
        size_t j = lx->i;
        if (s[j] == '0')
            j++;
        else
            while (j < lx->len && s[j] >= '0' && s[j] <= '9')
                j++;
        if (j + 1 < lx->len && s[j] == '.' && s[j + 1] >= '0' && s[j + 1] <= '9') {
            j++;
            while (j < lx->len && s[j] >= '0' && s[j] <= '9')
                j++;
        }
        if (j < lx->len && (s[j] == 'e' || s[j] == 'E')) {
            size_t k = j + 1;
            if (k < lx->len && (s[k] == '+' || s[k] == '-'))
                k++;
            if (k < lx->len && s[k] >= '0' && s[k] <= '9') {
                while (k < lx->len && s[k] >= '0' && s[k] <= '9')
                    k++;
                j = k;
            }
        }
        char *txt = arena_strndup(lx->arena, s + st, j - st);
        double d = strtod(txt, NULL);
        if (!isfinite(d))
            compile_fail(lx->err, lx->jmp, "S0102", (int)st, "Number out of range: %s", txt);
        lx->i = j;
        t->type = TK_NUM;
        t->num = d;
        t->pos = (int)j;
        return;
    }
    if (c == '`') {
        size_t st = ++lx->i;
        while (lx->i < lx->len && s[lx->i] != '`')
            lx->i++;
        if (lx->i >= lx->len)
            compile_fail(lx->err, lx->jmp, "S0105", (int)st,
                         "Quoted property name must be terminated with a backquote (`)");
        t->type = TK_NAME;
        t->s = arena_strndup(lx->arena, s + st, lx->i - st);
        t->len = lx->i - st;
        lx->i++;
        t->pos = (int)lx->i;
        return;
    }
    for (size_t k = 0; k < sizeof operators / sizeof operators[0]; k++) {
        size_t ol = strlen(operators[k]);
        if (lx->i + ol <= lx->len && memcmp(s + lx->i, operators[k], ol) == 0) {
            /* ".." must not swallow the "." of a following number like "1..5"? it cannot: a
             * number never starts with "." in JSONata */
            t->type = TK_OP;
            t->op = operators[k];
            lx->i += ol;
            t->pos = (int)lx->i;
            return;
        }
    }
    /* a name or a $variable: runs to the next delimiter */
    size_t st = lx->i;
    bool var = c == '$';
    if (var)
        lx->i++;
    size_t ns = lx->i;
    while (lx->i < lx->len && !is_name_end(s[lx->i]))
        lx->i++;
    if (!var && lx->i == st) {
        compile_fail(lx->err, lx->jmp, "S0204", (int)st, "Unknown operator: \"%c\"", c);
    }
    size_t n = lx->i - ns;
    t->s = arena_strndup(lx->arena, s + ns, n);
    t->len = n;
    t->pos = (int)lx->i;
    if (var) {
        t->type = TK_VAR;
        return;
    }
    if ((n == 3 && memcmp(t->s, "and", 3) == 0) || (n == 2 && memcmp(t->s, "or", 2) == 0) ||
        (n == 2 && memcmp(t->s, "in", 2) == 0)) {
        t->type = TK_OP;
        t->op = n == 3 ? "and" : (t->s[0] == 'o' ? "or" : "in");
        return;
    }
    if ((n == 4 && (memcmp(t->s, "true", 4) == 0 || memcmp(t->s, "null", 4) == 0)) ||
        (n == 5 && memcmp(t->s, "false", 5) == 0)) {
        t->type = TK_VALUE;
        return;
    }
    t->type = TK_NAME;
}
