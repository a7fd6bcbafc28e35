/*
 * Inside the store: reading the members of a store_query row (a cJSON object keyed by the
 * statement's column aliases) into the typed structs the store hands out. Only the store's .c
 * files include this; nothing outside native/store/ sees a row.
 */
#ifndef SOLDER_STORE_ROW_H
#define SOLDER_STORE_ROW_H

#include <cJSON.h>

#include <stddef.h>
#include <stdint.h>

/* malloc'd copy of a text column, NULL when absent (SQL NULL) or not text. */
char *row_strdup(const cJSON *row, const char *column);
/* Copies a text column into a fixed buffer (truncating; "" when absent). */
void row_copy(const cJSON *row, const char *column, char *dst, size_t cap);
/* An integer column, 0 when absent. */
int64_t row_int(const cJSON *row, const char *column);
/* Detaches a JSON document column from the row (the caller owns it), NULL when absent. */
cJSON *row_take(cJSON *row, const char *column);
/* Frees a malloc'd secret after zeroing it (NULL is fine). */
void row_secret_free(char *secret);

/* For a query that finds at most one row (rows consumed): fill(row, out), STORE_NOT_FOUND without
 * a row, rc when the query failed. */
int row_one(int rc, cJSON *rows, void (*fill)(cJSON *row, void *item), void *out);
/* Converts every row of rows (consumed) with fill into a calloc'd array of n structs of size size.
 * rc when the query failed (rc != STORE_OK), STORE_ERROR when out of memory (nothing allocated
 * then), else STORE_OK. */
int row_list(int rc, cJSON *rows, size_t size, void (*fill)(cJSON *row, void *item), void **items,
             size_t *n);

#endif
