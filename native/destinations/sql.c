/*
 * SQL for the database destinations: identifiers quoted per dialect, one row's INSERT or upsert
 * (ON CONFLICT, ON DUPLICATE KEY UPDATE, MERGE) built from names checked against the live schema,
 * and JSON values turned into bound parameters by the column's type. Values never enter the
 * statement's text. Not here: connections and execution (the drivers).
 */
#include "destinations/internal.h"

#include "json/json.h"
#include "util/buf.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Column names a refusal lists: enough to spot the right one, bounded for the message. */
#define LISTED_COLUMNS 12

void sql_params_free(struct sql_params *p)
{
    for (int i = 0; i < p->count; i++)
        free(p->items[i].text);
    free(p->items);
    p->items = NULL;
    p->count = 0;
}

static bool plain_name(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '$'))
            return false;
    return true;
}

void sql_quote(const struct sql_dialect *d, struct buf *b, const char *name)
{
    bool upper = d->fold_upper && plain_name(name);
    buf_putc(b, d->quote);
    for (const char *s = name; *s; s++) {
        if (*s == d->quote)
            buf_putc(b, d->quote);
        buf_putc(b, upper ? (char)toupper((unsigned char)*s) : *s);
    }
    buf_putc(b, d->quote);
}

void sql_split_table(const char *qualified, char **schema, char **table)
{
    const char *dot = strrchr(qualified, '.');
    *schema = dot ? strndup(qualified, (size_t)(dot - qualified)) : NULL;
    *table = strdup(dot ? dot + 1 : qualified);
}

void sql_quote_table(const struct sql_dialect *d, struct buf *b, const char *qualified)
{
    for (const char *p = qualified;;) {
        const char *dot = strchr(p, '.');
        char *part = dot ? strndup(p, (size_t)(dot - p)) : strdup(p);
        sql_quote(d, b, part ? part : "");
        free(part);
        if (!dot)
            break;
        buf_putc(b, '.');
        p = dot + 1;
    }
}

/* ---- values ---- */

static bool type_is(const char *type, const char *const *names)
{
    for (; type && *names; names++)
        if (strncmp(type, *names, strlen(*names)) == 0)
            return true;
    return false;
}

/* An ISO 8601 date-time ("2024-05-01T10:20:30.5Z", "+02:00" offsets) as UTC "Y-m-d H:M:S[.f]",
 * the form DATETIME and TIMESTAMP columns take; NULL when text is not one. */
static char *plain_timestamp(const char *text)
{
    int y, mo, d, h, mi, consumed = 0;
    double sec;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6)
        return NULL;
    const char *zone = text + consumed;
    int offset_min = 0;
    if (*zone == 'Z' || *zone == 'z') {
        zone++;
    } else if (*zone == '+' || *zone == '-') {
        int oh, om;
        if (sscanf(zone + 1, "%2d:%2d", &oh, &om) != 2)
            return NULL;
        offset_min = (oh * 60 + om) * (*zone == '-' ? -1 : 1);
        zone += 6;
    }
    if (*zone || sec < 0 || sec >= 61)
        return NULL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = (int)sec};
    time_t t = timegm(&tm) - (time_t)offset_min * 60;
    struct tm u;
    gmtime_r(&t, &u);
    char out[48];
    size_t n = strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &u);
    double frac = sec - floor(sec);
    if (frac > 0)
        snprintf(out + n, sizeof out - n, ".%06d", (int)lround(frac * 1e6) % 1000000);
    return strdup(out);
}

int sql_params_add(struct sql_params *p, const struct sql_dialect *d, const cJSON *value,
                   const char *column_type)
{
    static const char *const JSON_TYPES[] = {"json", NULL};
    static const char *const TIME_TYPES[] = {"datetime", "timestamp", NULL};
    struct sql_param *grown = realloc(p->items, (size_t)(p->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    p->items = grown;
    struct sql_param *out = &p->items[p->count];
    memset(out, 0, sizeof *out);
    bool json_column = type_is(column_type, JSON_TYPES);
    if (!value || cJSON_IsNull(value)) {
        out->kind = SQL_NULL;
    } else if (json_column) {
        out->kind = SQL_TEXT;
        out->text = json_print(value);
    } else if (cJSON_IsBool(value)) {
        out->kind = SQL_BOOL;
        out->text = strdup(cJSON_IsTrue(value) ? (d->booleans_as_ints ? "1" : "true")
                                               : (d->booleans_as_ints ? "0" : "false"));
    } else if (cJSON_IsNumber(value)) {
        double v = value->valuedouble;
        out->kind = v == floor(v) && fabs(v) < 9007199254740992.0 ? SQL_INT : SQL_REAL;
        out->text = json_print(value);
    } else if (cJSON_IsString(value)) {
        out->kind = SQL_TEXT;
        if (d->timestamps_plain && type_is(column_type, TIME_TYPES))
            out->text = plain_timestamp(value->valuestring);
        if (!out->text)
            out->text = strdup(value->valuestring);
    } else {
        out->kind = SQL_TEXT;
        out->text = json_print(value);
    }
    if (out->kind != SQL_NULL && !out->text)
        return -1;
    p->count++;
    return 0;
}

/* ---- statements ---- */

/* The column of columns named name (the dialect's case rule), or NULL. */
static const cJSON *find_column(const struct sql_dialect *d, const cJSON *columns, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, columns)
    {
        if (d->names_ci ? strcasecmp(c->string, name) == 0 : strcmp(c->string, name) == 0)
            return c;
    }
    return NULL;
}

static void unknown_column(const cJSON *columns, const char *table, const char *name,
                           struct dest_error *err)
{
    struct buf list = {0};
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, columns)
    {
        if (n++ < LISTED_COLUMNS)
            buf_printf(&list, "%s%s", n > 1 ? ", " : "", c->string);
    }
    dest_error_set(err, false, "column '%.80s' is not in table %.80s (its columns: %.160s%s)", name,
                   table, list.data ? list.data : "none", n > LISTED_COLUMNS ? ", ..." : "");
    buf_free(&list);
}

static void placeholder(const struct sql_dialect *d, struct buf *b, int n)
{
    if (d->numbered)
        buf_printf(b, "$%d", n);
    else
        buf_putc(b, '?');
}

/* Whether value is bound as JSON text that the dialect must parse (snowflake's VARIANT). */
static bool parses_json(const struct sql_dialect *d, const cJSON *value)
{
    return d->upsert == UPSERT_MERGE && (cJSON_IsObject(value) || cJSON_IsArray(value));
}

static void bound_value(const struct sql_dialect *d, struct buf *b, const cJSON *value, int n)
{
    if (parses_json(d, value)) {
        buf_puts(b, "PARSE_JSON(");
        placeholder(d, b, n);
        buf_putc(b, ')');
    } else {
        placeholder(d, b, n);
    }
}

static bool is_key(const struct sql_dialect *d, char *const *key, int nkey, const char *name)
{
    for (int i = 0; i < nkey; i++)
        if (d->names_ci ? strcasecmp(key[i], name) == 0 : strcmp(key[i], name) == 0)
            return true;
    return false;
}

/* MERGE INTO t USING (SELECT ? AS "a", ...) s ON t."k" = s."k" WHEN MATCHED THEN UPDATE ...
 * WHEN NOT MATCHED THEN INSERT ... (snowflake). */
static void build_merge(const struct sql_dialect *d, struct buf *b, const char *table,
                        const cJSON *values, char *const *key, int nkey)
{
    buf_puts(b, "MERGE INTO ");
    sql_quote_table(d, b, table);
    buf_puts(b, " AS t USING (SELECT ");
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, values)
    {
        buf_puts(b, n ? ", " : "");
        bound_value(d, b, v, ++n);
        buf_puts(b, " AS ");
        sql_quote(d, b, v->string);
    }
    buf_puts(b, ") AS s ON ");
    for (int i = 0; i < nkey; i++) {
        buf_puts(b, i ? " AND t." : "t.");
        sql_quote(d, b, key[i]);
        buf_puts(b, " = s.");
        sql_quote(d, b, key[i]);
    }
    int updates = 0;
    cJSON_ArrayForEach(v, values)
    {
        if (is_key(d, key, nkey, v->string))
            continue;
        buf_puts(b, updates++ ? ", t." : " WHEN MATCHED THEN UPDATE SET t.");
        sql_quote(d, b, v->string);
        buf_puts(b, " = s.");
        sql_quote(d, b, v->string);
    }
    buf_puts(b, " WHEN NOT MATCHED THEN INSERT (");
    n = 0;
    cJSON_ArrayForEach(v, values)
    {
        buf_puts(b, n++ ? ", " : "");
        sql_quote(d, b, v->string);
    }
    buf_puts(b, ") VALUES (");
    n = 0;
    cJSON_ArrayForEach(v, values)
    {
        buf_puts(b, n++ ? ", s." : "s.");
        sql_quote(d, b, v->string);
    }
    buf_putc(b, ')');
}

char *sql_build_write(const struct sql_dialect *d, const char *table, const cJSON *values,
                      const cJSON *columns, char *const *key, int nkey, struct sql_params *params,
                      struct dest_error *err)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, values)
    {
        if (columns && !find_column(d, columns, v->string)) {
            unknown_column(columns, table, v->string, err);
            return NULL;
        }
    }
    for (int i = 0; i < nkey; i++) {
        bool given = false;
        cJSON_ArrayForEach(v, values) given |= is_key(d, &key[i], 1, v->string);
        if (!given) {
            dest_error_set(err, false, "the key column '%.80s' has no value in 'values'", key[i]);
            return NULL;
        }
        if (columns && !find_column(d, columns, key[i])) {
            unknown_column(columns, table, key[i], err);
            return NULL;
        }
    }
    cJSON_ArrayForEach(v, values)
    {
        const cJSON *col = columns ? find_column(d, columns, v->string) : NULL;
        if (sql_params_add(params, d, v, cJSON_IsString(col) ? col->valuestring : NULL) != 0) {
            dest_error_set(err, true, "out of memory");
            return NULL;
        }
    }
    struct buf b = {0};
    if (nkey > 0 && d->upsert == UPSERT_MERGE) {
        build_merge(d, &b, table, values, key, nkey);
        return buf_take(&b);
    }
    buf_puts(&b, "INSERT INTO ");
    sql_quote_table(d, &b, table);
    buf_puts(&b, " (");
    int n = 0;
    cJSON_ArrayForEach(v, values)
    {
        buf_puts(&b, n++ ? ", " : "");
        sql_quote(d, &b, v->string);
    }
    /* snowflake takes PARSE_JSON only in a SELECT, not in VALUES */
    buf_puts(&b, d->upsert == UPSERT_MERGE ? ") SELECT " : ") VALUES (");
    n = 0;
    cJSON_ArrayForEach(v, values)
    {
        buf_puts(&b, n ? ", " : "");
        bound_value(d, &b, v, ++n);
    }
    if (d->upsert != UPSERT_MERGE)
        buf_putc(&b, ')');
    if (nkey > 0 && d->upsert == UPSERT_ON_CONFLICT) {
        buf_puts(&b, " ON CONFLICT (");
        for (int i = 0; i < nkey; i++) {
            buf_puts(&b, i ? ", " : "");
            sql_quote(d, &b, key[i]);
        }
        int updates = 0;
        cJSON_ArrayForEach(v, values)
        {
            if (is_key(d, key, nkey, v->string))
                continue;
            buf_puts(&b, updates++ ? ", " : ") DO UPDATE SET ");
            sql_quote(d, &b, v->string);
            buf_puts(&b, " = EXCLUDED.");
            sql_quote(d, &b, v->string);
        }
        if (!updates)
            buf_puts(&b, ") DO NOTHING");
    } else if (nkey > 0 && d->upsert == UPSERT_ON_DUPLICATE_KEY) {
        buf_puts(&b, " ON DUPLICATE KEY UPDATE ");
        int updates = 0;
        cJSON_ArrayForEach(v, values)
        {
            if (is_key(d, key, nkey, v->string))
                continue;
            buf_puts(&b, updates++ ? ", " : "");
            sql_quote(d, &b, v->string);
            buf_puts(&b, " = VALUES(");
            sql_quote(d, &b, v->string);
            buf_putc(&b, ')');
        }
        if (!updates) {
            sql_quote(d, &b, key[0]);
            buf_puts(&b, " = ");
            sql_quote(d, &b, key[0]);
        }
    }
    buf_puts(&b, d->returning ? d->returning : "");
    char *sql = buf_take(&b);
    if (!sql)
        dest_error_set(err, true, "out of memory");
    return sql;
}
