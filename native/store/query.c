/*
 * store_query and store_rows: one call that prepares (once), binds and steps a statement of the
 * store's own, handing each row to a reader of typed fields (store_rows) or turning rows into JSON
 * objects (store_query). Hot paths use STORE_STATEMENTS. Not here: what any statement means.
 */
#include "store/store_internal.h"

#include "json/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static sqlite3_stmt *cached(struct store *s, const char *sql)
{
    size_t h = ((uintptr_t)sql >> 3) % STORE_QUERY_CACHE;
    for (size_t i = 0; i < STORE_QUERY_CACHE; i++) {
        size_t k = (h + i) % STORE_QUERY_CACHE;
        if (s->cache[k].sql == sql)
            return s->cache[k].stmt;
        if (!s->cache[k].sql) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                SQLITE_OK) {
                store_fail(s, SQLITE_ERROR);
                return NULL;
            }
            s->cache[k].sql = sql;
            s->cache[k].stmt = st;
            return st;
        }
    }
    /* Cache full: a programming error (more distinct statements than slots). */
    snprintf(s->errmsg, sizeof s->errmsg, "statement cache full");
    return NULL;
}

static cJSON *column_value(sqlite3_stmt *st, int i, bool as_json)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return cJSON_CreateNumber((double)sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return cJSON_CreateNumber(sqlite3_column_double(st, i));
    case SQLITE_NULL:
        return NULL;
    default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        int n = sqlite3_column_bytes(st, i);
        if (as_json) {
            cJSON *v = json_parse(t, (size_t)n, STORE_JSON_MAX_DEPTH, NULL);
            return v ? v : cJSON_CreateNull();
        }
        return cJSON_CreateString(t);
    }
    }
}

/* Binds the parameters of st by types (see store_query); STORE_OK or STORE_ERROR on a bad type. */
static int bind_all(struct store *s, sqlite3_stmt *st, const char *types, va_list ap)
{
    for (int i = 0; types && types[i]; i++) {
        int idx = i + 1;
        switch (types[i]) {
        case 's': {
            const char *v = va_arg(ap, const char *);
            store_bind_text(st, idx, v);
            break;
        }
        case 'i':
            sqlite3_bind_int64(st, idx, va_arg(ap, int64_t));
            break;
        case 'd':
            sqlite3_bind_double(st, idx, va_arg(ap, double));
            break;
        case 'j': {
            const cJSON *v = va_arg(ap, const cJSON *);
            if (v) {
                char *text = json_print(v);
                sqlite3_bind_text(st, idx, text, -1, free);
            } else {
                sqlite3_bind_null(st, idx);
            }
            break;
        }
        default:
            snprintf(s->errmsg, sizeof s->errmsg, "bad bind type '%c'", types[i]);
            return STORE_ERROR;
        }
    }
    return STORE_OK;
}

static cJSON *row_json(sqlite3_stmt *st)
{
    cJSON *row = cJSON_CreateObject();
    int n = sqlite3_column_count(st);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        size_t len = strlen(name);
        bool as_json = len > 5 && strcmp(name + len - 5, "_json") == 0;
        cJSON *v = column_value(st, i, as_json);
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

/* Prepares (once), binds and steps sql; each row goes to fn when given, else into *rows when
 * rows is not NULL. */
static int run(struct store *s, const char *sql, cJSON **rows, store_row_fn *fn, void *arg,
               const char *types, va_list ap)
{
    sqlite3_stmt *st = cached(s, sql);
    if (!st)
        return STORE_ERROR;
    if (bind_all(s, st, types, ap) != STORE_OK) {
        store_done(st);
        return STORE_ERROR;
    }
    cJSON *out = rows ? cJSON_CreateArray() : NULL;
    int rc, result = STORE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn) {
            result = fn(st, arg);
            if (result != STORE_OK)
                break;
        } else if (out) {
            cJSON_AddItemToArray(out, row_json(st));
        }
    }
    if (result == STORE_OK)
        result = rc == SQLITE_DONE ? STORE_OK : store_fail(s, rc);
    store_done(st);
    if (result != STORE_OK) {
        cJSON_Delete(out);
        return result;
    }
    if (rows)
        *rows = out;
    return STORE_OK;
}

int store_query(struct store *s, const char *sql, cJSON **rows, const char *types, ...)
{
    if (rows)
        *rows = NULL;
    va_list ap;
    va_start(ap, types);
    int rc = run(s, sql, rows, NULL, NULL, types, ap);
    va_end(ap);
    return rc;
}

int store_rows(struct store *s, const char *sql, store_row_fn *fn, void *arg, const char *types,
               ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = run(s, sql, NULL, fn, arg, types, ap);
    va_end(ap);
    return rc;
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

static int list_row(sqlite3_stmt *st, void *arg)
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

int store_rows_list(struct store *s, const char *sql, store_fill_fn *fill, size_t size, void *items,
                    size_t *n, const char *types, ...)
{
    struct list_builder b = {s, fill, size, items, n, 0};
    *b.items = NULL;
    *n = 0;
    va_list ap;
    va_start(ap, types);
    int rc = run(s, sql, NULL, list_row, &b, types, ap);
    va_end(ap);
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

static int one_row(sqlite3_stmt *st, void *arg)
{
    struct one_reader *r = arg;
    if (!r->found)
        r->fill(st, r->out);
    r->found = true;
    return STORE_OK;
}

int store_rows_one(struct store *s, const char *sql, store_fill_fn *fill, void *out,
                   const char *types, ...)
{
    struct one_reader r = {fill, out, false};
    va_list ap;
    va_start(ap, types);
    int rc = run(s, sql, NULL, one_row, &r, types, ap);
    va_end(ap);
    return rc == STORE_OK && !r.found ? STORE_NOT_FOUND : rc;
}

cJSON *store_column_json(sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    if (!text)
        return NULL;
    cJSON *v = json_parse(text, (size_t)sqlite3_column_bytes(st, col), STORE_JSON_MAX_DEPTH, NULL);
    return v ? v : cJSON_CreateNull();
}

void store_secret_free(char *text)
{
    if (text)
        explicit_bzero(text, strlen(text));
    free(text);
}

int store_row_int64(sqlite3_stmt *st, void *arg)
{
    *(int64_t *)arg = sqlite3_column_int64(st, 0);
    return STORE_OK;
}

int store_out_of_memory(struct store *s)
{
    snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
    return STORE_ERROR;
}

int store_changes(struct store *s)
{
    return sqlite3_changes(s->db);
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
