/*
 * Inside the store: the helpers the table-group files run their statements with, over whichever
 * backend the store was opened on (driver.h). Every statement is a string literal, prepared once
 * per connection on first use.
 */
#ifndef SOLDER_STORE_INTERNAL_H
#define SOLDER_STORE_INTERNAL_H

#include "store/store.h"

#include "store/driver.h"

#include <cJSON.h>

/* First row of rows (detached, caller owns) or NULL; frees rows. */
cJSON *store_first_row(cJSON *rows);
/* For a query that finds at most one row: *row gets it (or NULL); rows is consumed. Returns rc. */
int store_one_row(int rc, cJSON *rows, cJSON **row);
/* rc, or STORE_NOT_FOUND when a successful statement changed no row. */
int store_changed(struct store *s, int rc);

/*
 * The values a statement binds, in order of its parameters ?1, ?2, …: STORE_ARGS(store_text(id),
 * store_int(now)), or STORE_NO_ARGS. Each constructor takes its C type, so the compiler checks
 * every value bound.
 */
static inline struct store_arg store_text(const char *v) /* NULL binds NULL */
{
    return (struct store_arg){.type = 's', .text = v};
}
static inline struct store_arg store_int(int64_t v)
{
    return (struct store_arg){.type = 'i', .i = v};
}
static inline struct store_arg store_real(double v)
{
    return (struct store_arg){.type = 'd', .d = v};
}
/* A JSON document, stored as its compact text (NULL binds NULL). */
static inline struct store_arg store_json(const cJSON *v)
{
    return (struct store_arg){.type = 'j', .json = v};
}
static inline struct store_arg store_bytes(const void *p, size_t len)
{
    return (struct store_arg){.type = 'b', .blob = p, .len = len};
}
#define STORE_ARGS(...)                                                                            \
    (const struct store_arg[]){__VA_ARGS__},                                                       \
        (int)(sizeof((const struct store_arg[]){__VA_ARGS__}) / sizeof(struct store_arg))
#define STORE_NO_ARGS NULL, 0

/*
 * Runs one SQL statement of the store's own (sql must be a string literal: its prepared statement
 * is cached by the literal's address) with the n values at args (STORE_ARGS). When rows is not
 * NULL it receives an array with one object per result row, keyed by column name; a column named
 * "x_json" is parsed as JSON and appears as "x"; SQL NULL columns are left out. Returns STORE_OK,
 * STORE_CONFLICT or STORE_ERROR.
 */
int store_query(struct store *s, const char *sql, cJSON **rows, const struct store_arg *args,
                int n);

/* store_query's statement and bindings, each row handed to fn instead of turned into JSON. */
int store_rows(struct store *s, const char *sql, store_row_fn *fn, void *arg,
               const struct store_arg *args, int n);

/* A store_row_fn reading a row's first column into the int64_t at arg (a count, a sum). */
int store_row_int64(const struct store_row *row, void *arg);

/* Fills the zeroed element at item from one result row of store_rows_list. */
typedef void store_fill_fn(const struct store_row *row, void *item);
/* Runs sql as store_query does and gives the rows as an array of elements of size bytes, one per
 * row filled by fill: *items (void ** in truth: the address of the caller's array pointer) gets
 * the array (malloc'd, NULL when no row) and *n its length. On failure the elements read so far
 * are freed (clear, when not NULL, on each first) and the list is left empty. */
int store_rows_list(struct store *s, const char *sql, store_fill_fn *fill,
                    void (*clear)(void *item), size_t size, void *items, size_t *n,
                    const struct store_arg *args, int nargs);
/* Frees a list of store_rows_list (items and n as there), calling clear (when not NULL) on each
 * element first. */
void store_items_free(void *items, size_t *n, size_t size, void (*clear)(void *item));
/* Runs sql as store_query does and fills the zeroed *out from its first row with fill.
 * STORE_NOT_FOUND when there is no row. */
int store_rows_one(struct store *s, const char *sql, store_fill_fn *fill, void *out,
                   const struct store_arg *args, int n);

/* How deep a JSON document stored in a column may nest: beyond any the product writes; bounds the
 * parse of a damaged one. */
#define STORE_JSON_MAX_DEPTH 1000
/* A column holding a JSON document, parsed (caller owns): NULL for SQL NULL, a JSON null when the
 * text does not parse. */
cJSON *store_column_json(const struct store_row *row, int col);
/* Frees text after zeroing it: a sealed value, or a secret in clear. */
void store_secret_free(char *text);

/* Records "out of memory" as the store's message and returns STORE_ERROR. */
int store_out_of_memory(struct store *s);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int store_changes(struct store *s);

/* A result row's columns (0-based). NULL reads as 0, 0.0 and a NULL text. */
static inline bool store_col_null(const struct store_row *r, int col)
{
    return r->ops->null(r->h, r->i, col);
}
static inline int64_t store_col_int64(const struct store_row *r, int col)
{
    return r->ops->int64(r->h, r->i, col);
}
static inline int store_col_int(const struct store_row *r, int col)
{
    return (int)r->ops->int64(r->h, r->i, col);
}
static inline double store_col_double(const struct store_row *r, int col)
{
    return r->ops->real(r->h, r->i, col);
}
static inline const char *store_col_text(const struct store_row *r, int col)
{
    return r->ops->text(r->h, r->i, col);
}
static inline size_t store_col_bytes(const struct store_row *r, int col)
{
    return r->ops->bytes(r->h, r->i, col);
}

/* malloc'd copy of a text column, NULL for SQL NULL. */
char *store_column_strdup(const struct store_row *row, int col);

/* Copies a text column into a fixed buffer (truncating). */
void store_column_copy(const struct store_row *row, int col, char *dst, size_t cap);

/* Records sqlite's or PostgreSQL's message as the store's; returns STORE_ERROR. */
int store_set_error(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether a transaction is open on s (a function joins the caller's or opens its own). */
bool store_in_transaction(struct store *s);

/* Folds the WAL back into the database after a purge (driver.h fold_log). */
int store_fold_log(struct store *s);

#endif
