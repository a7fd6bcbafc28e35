/*
 * What the files of shared/connector/ share and do not export: the error helper every parser and
 * renderer here reports through.
 */
#ifndef SOLDER_CONNECTOR_INTERNAL_H
#define SOLDER_CONNECTOR_INTERNAL_H

#include <stddef.h>

/* Writes a formatted message into err (n bytes, always terminated). */
void connector_fail(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
