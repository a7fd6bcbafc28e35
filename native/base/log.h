/*
 * The server's log lines (native/base/log.c): notices on stdout, warnings and errors on stderr, and
 * the access log on stdout — as text ("solder: MESSAGE", the access log's own columns) or, with
 * --log-format json, one JSON object per line with the same fields.
 * Any thread may log; each line is written with one call, so lines never interleave.
 */
#ifndef SOLDER_LOG_H
#define SOLDER_LOG_H

#include <stdbool.h>

enum log_format { LOG_TEXT, LOG_JSON };

/* Set once at start, before any thread logs. */
void log_set_format(enum log_format format);
enum log_format log_format(void);

/* A server notice (stdout) or error (stderr); one trailing newline of the text is dropped. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One answered request: at (ms since 1970), its id, method, path, status and duration. */
void log_access(long long at_ms, const char *request_id, const char *method, const char *path,
                int status, double duration_ms);

#endif
