/*
 * The PostgreSQL backend's own texts (wire.h): parameters rewritten for PostgreSQL, and the live
 * updates the bus carries. No I/O, no libpq.
 */
#include "store/postgres/wire.h"

#include <stdlib.h>
#include <string.h>

char *store_pg_dollar_params(const char *sql)
{
    char *out = malloc(strlen(sql) + 1);
    if (!out)
        return NULL;
    char *w = out, quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?' && p[1] >= '0' && p[1] <= '9') {
            *w++ = '$';
            continue;
        }
        *w++ = *p;
    }
    *w = '\0';
    return out;
}

/* Copies the field at *p up to the next space into out (at most cap - 1 bytes, at least one) and
 * moves *p past the space; false when the field is empty, too long or not followed by a space. */
static bool field(const char **p, char *out, size_t cap)
{
    const char *end = strchr(*p, ' ');
    size_t n = end ? (size_t)(end - *p) : 0;
    if (!end || n == 0 || n >= cap)
        return false;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p = end + 1;
    return true;
}

bool store_bus_parse_live(const char *payload, char node[STORE_BUS_NODE_LEN + 1],
                          char env[ID_LEN + 1], char user[ID_LEN + 1], const char **event)
{
    const char *p = payload;
    if (!field(&p, node, STORE_BUS_NODE_LEN + 1) || !field(&p, env, ID_LEN + 1) ||
        !field(&p, user, ID_LEN + 1))
        return false;
    if (strcmp(user, "-") == 0)
        user[0] = '\0';
    *event = p;
    return true;
}
