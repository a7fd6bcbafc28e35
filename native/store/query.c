/*
 * store_query and store_rows: one call that binds and runs a statement of the store's own on the
 * store's backend, handing each row to a reader of typed fields (store_rows) or turning rows into
 * JSON objects (store_query). Not here: what any statement means, or how a backend runs it.
 */
#include "store/store_internal.h"

#include "json/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void free_args(struct store_arg *args, int n)
{
    for (int i = 0; i < n; i++)
        if (args[i].type == 'J')
            free((char *)args[i].text);
}

static cJSON *column_value(const struct store_row *r, int i, bool as_json)
{
    const char *t = store_col_text(r, i);
    if (!t)
        return NULL;
    if (as_json) {
        cJSON *v = json_parse(t, store_col_bytes(r, i), STORE_JSON_MAX_DEPTH, NULL);
        return v ? v : cJSON_CreateNull();
    }
    if (r->ops->numeric && r->ops->numeric(r->h, r->i, i))
        return cJSON_CreateNumber(strtod(t, NULL));
    return cJSON_CreateString(t);
}

/* Copies the n values at in into args, a JSON document printed into its text ('J', freed by
 * free_args); their count, or STORE_ERROR. */
static int collect_args(struct store *s, struct store_arg *args, const struct store_arg *in, int n)
{
    if (n > STORE_ARGS_MAX)
        return store_set_error(s, "more than %d values bound", STORE_ARGS_MAX);
    for (int i = 0; i < n; i++) {
        args[i] = in[i];
        if (in[i].type != 'j')
            continue;
        args[i].type = 'J';
        args[i].json = NULL;
        if (in[i].json && !(args[i].text = json_print(in[i].json))) {
            free_args(args, i);
            return store_out_of_memory(s);
        }
    }
    return n;
}

static cJSON *row_json(const struct store_row *r)
{
    cJSON *row = cJSON_CreateObject();
    int n = r->ops->count(r->h);
    for (int i = 0; i < n; i++) {
        const char *name = r->ops->name(r->h, i);
        size_t len = strlen(name);
        bool as_json = len > 5 && strcmp(name + len - 5, "_json") == 0;
        cJSON *v = column_value(r, i, as_json);
        if (!v)
            continue;
        if (as_json) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(len - 5), name);
            cJSON_AddItemToObject(row, key, v);
        } else {
            cJSON_AddItemToObject(row, name, v);
        }
    }
    return row;
}

/* What run hands each row to: the caller's reader, or the JSON array being built. */
struct run_reader {
    store_row_fn *fn;
    void *arg;
    cJSON *out;
};

static int read_row(const struct store_row *r, void *arg)
{
    struct run_reader *rd = arg;
    if (rd->fn)
        return rd->fn(r, rd->arg);
    cJSON_AddItemToArray(rd->out, row_json(r));
    return STORE_OK;
}

/* Binds and runs sql on the store's backend; each row goes to fn when given, else into *rows when
 * rows is not NULL. */
static int run(struct store *s, const char *sql, cJSON **rows, store_row_fn *fn, void *arg,
               const struct store_arg *in, int nin)
{
    struct store_arg args[STORE_ARGS_MAX];
    int n = collect_args(s, args, in, nin);
    if (n < 0)
        return STORE_ERROR;
    struct run_reader rd = {fn, arg, rows ? cJSON_CreateArray() : NULL};
    int result = s->drv->run(s, sql, args, n, fn || rd.out ? read_row : NULL, &rd);
    free_args(args, n);
    if (result != STORE_OK) {
        cJSON_Delete(rd.out);
        return result;
    }
    if (rows)
        *rows = rd.out;
    return STORE_OK;
}

int store_query(struct store *s, const char *sql, cJSON **rows, const struct store_arg *args, int n)
{
    if (rows)
        *rows = NULL;
    return run(s, sql, rows, NULL, NULL, args, n);
}

int store_rows(struct store *s, const char *sql, store_row_fn *fn, void *arg,
               const struct store_arg *args, int n)
{
    return run(s, sql, NULL, fn, arg, args, n);
}

/* A list under construction by store_rows_list: the caller's array and count, its room. */
struct list_builder {
    struct store *s;
    store_fill_fn *fill;
    size_t size;
    void **items;
    size_t *n;
    size_t cap;
};

static int list_row(const struct store_row *st, void *arg)
{
    struct list_builder *b = arg;
    if (*b->n == b->cap) {
        size_t want = b->cap ? 2 * b->cap : 8;
        void *more = realloc(*b->items, want * b->size);
        if (!more)
            return store_out_of_memory(b->s);
        *b->items = more;
        b->cap = want;
    }
    char *item = (char *)*b->items + *b->n * b->size;
    memset(item, 0, b->size);
    (*b->n)++;
    b->fill(st, item);
    return STORE_OK;
}

int store_rows_list(struct store *s, const char *sql, store_fill_fn *fill,
                    void (*clear)(void *item), size_t size, void *items, size_t *n,
                    const struct store_arg *args, int nargs)
{
    struct list_builder b = {s, fill, size, items, n, 0};
    *b.items = NULL;
    *n = 0;
    int rc = run(s, sql, NULL, list_row, &b, args, nargs);
    if (rc != STORE_OK)
        store_items_free(items, n, size, clear);
    return rc;
}

void store_items_free(void *items, size_t *n, size_t size, void (*clear)(void *item))
{
    char *array = *(void **)items;
    for (size_t i = 0; clear && i < *n; i++)
        clear(array + i * size);
    free(array);
    *(void **)items = NULL;
    *n = 0;
}

/* The one row store_rows_one reads: filled once. */
struct one_reader {
    store_fill_fn *fill;
    void *out;
    bool found;
};

static int one_row(const struct store_row *st, void *arg)
{
    struct one_reader *r = arg;
    if (!r->found)
        r->fill(st, r->out);
    r->found = true;
    return STORE_OK;
}

int store_rows_one(struct store *s, const char *sql, store_fill_fn *fill, void *out,
                   const struct store_arg *args, int n)
{
    struct one_reader r = {fill, out, false};
    int rc = run(s, sql, NULL, one_row, &r, args, n);
    return rc == STORE_OK && !r.found ? STORE_NOT_FOUND : rc;
}

cJSON *store_column_json(const struct store_row *row, int col)
{
    const char *text = store_col_text(row, col);
    if (!text)
        return NULL;
    cJSON *v = json_parse(text, store_col_bytes(row, col), STORE_JSON_MAX_DEPTH, NULL);
    return v ? v : cJSON_CreateNull();
}

char *store_column_strdup(const struct store_row *row, int col)
{
    const char *t = store_col_text(row, col);
    return t ? strdup(t) : NULL;
}

void store_column_copy(const struct store_row *row, int col, char *dst, size_t cap)
{
    const char *t = store_col_text(row, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

int store_set_error(struct store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
    return STORE_ERROR;
}

bool store_in_transaction(struct store *s)
{
    return s->drv->in_transaction(s);
}

int store_fold_log(struct store *s)
{
    return s->drv->fold_log(s);
}

void store_secret_free(char *text)
{
    if (text)
        explicit_bzero(text, strlen(text));
    free(text);
}

int store_row_int64(const struct store_row *row, void *arg)
{
    *(int64_t *)arg = store_col_int64(row, 0);
    return STORE_OK;
}

int store_out_of_memory(struct store *s)
{
    snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
    return STORE_ERROR;
}

int store_changes(struct store *s)
{
    return s->drv->changes(s);
}

cJSON *store_first_row(cJSON *rows)
{
    cJSON *first = rows && rows->child ? cJSON_DetachItemFromArray(rows, 0) : NULL;
    cJSON_Delete(rows);
    return first;
}

int store_one_row(int rc, cJSON *rows, cJSON **row)
{
    *row = rc == STORE_OK ? store_first_row(rows) : NULL;
    if (rc != STORE_OK)
        cJSON_Delete(rows);
    return rc;
}

int store_changed(struct store *s, int rc)
{
    return rc == STORE_OK && store_changes(s) == 0 ? STORE_NOT_FOUND : rc;
}
