/*
 * What the files of shared/connector/ share and do not export: the error helper every parser and
 * renderer here reports through, and the one host-pattern matcher.
 */
#ifndef SOLDER_CONNECTOR_INTERNAL_H
#define SOLDER_CONNECTOR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* Writes a formatted message into err (n bytes, always terminated). */
void connector_fail(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* pattern ("*.myshopify.com", "api.example.com:8443"): '*' stands for one or more characters of
 * a label (never '.' or ':'). host is lower-case. */
bool connector_host_matches(const char *pattern, const char *host);

#endif
