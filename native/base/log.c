/*
 * Log lines in text or JSON (see log.h). JSON lines: {"time", "level", "message"} for the server's
 * notices and errors, {"time", "level": "info", "kind": "access", "requestId", "method", "path",
 * "status", "durationMs"} for the access log; strings escaped as JSON requires. Does not rotate
 * or ship logs: stdout and stderr go where the service manager sends them.
 */
#include "base/log.h"

#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* A message longer than this is cut: one runaway message (a huge upstream error body) cannot
 * flood the log or the collector behind it. */
#define LOG_MESSAGE_MAX 2048

static enum log_format format = LOG_TEXT;

void log_set_format(enum log_format f)
{
    format = f;
}

enum log_format log_format(void)
{
    return format;
}

static void put_time(struct buf *b, long long ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    buf_printf(b, "%s.%03dZ", when, (int)(ms % 1000));
}

static long long wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* s as a JSON string, quotes included. */
static void put_string(struct buf *b, const char *s, size_t n)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c == '\n')
            buf_puts(b, "\\n");
        else if (c == '\t')
            buf_puts(b, "\\t");
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

static void emit(FILE *to, const char *level, const char *fmt, va_list ap)
{
    struct buf line = {0};
    char text[LOG_MESSAGE_MAX];
    int n = vsnprintf(text, sizeof text, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    if (len && text[len - 1] == '\n')
        len--;
    if (format == LOG_JSON) {
        buf_puts(&line, "{\"time\":\"");
        put_time(&line, wall_ms());
        buf_printf(&line, "\",\"level\":\"%s\",\"message\":", level);
        put_string(&line, text, len);
        buf_puts(&line, "}\n");
    } else {
        buf_printf(&line, "solder: %.*s\n", (int)len, text);
    }
    if (line.data)
        fwrite(line.data, 1, line.len, to);
    buf_free(&line);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(stdout, "info", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(stderr, "error", fmt, ap);
    va_end(ap);
}

void log_access(long long at_ms, const char *request_id, const char *method, const char *path,
                int status, double duration_ms)
{
    struct buf line = {0};
    if (format == LOG_JSON) {
        buf_puts(&line, "{\"time\":\"");
        put_time(&line, at_ms);
        buf_printf(&line,
                   "\",\"level\":\"info\",\"kind\":\"access\",\"requestId\":\"%s\","
                   "\"method\":\"%s\",\"path\":",
                   request_id, method);
        put_string(&line, path, strlen(path));
        buf_printf(&line, ",\"status\":%d,\"durationMs\":%.2f}\n", status, duration_ms);
    } else {
        put_time(&line, at_ms);
        buf_printf(&line, " %s %s %s %d %.2fms\n", request_id, method, path, status, duration_ms);
    }
    if (line.data)
        fwrite(line.data, 1, line.len, stdout);
    buf_free(&line);
}
