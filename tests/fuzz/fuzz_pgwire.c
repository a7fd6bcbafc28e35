/* libFuzzer target: the PostgreSQL backend's own texts on arbitrary input — a statement's ?N
 * parameters rewritten as $N, and a live update read off the bus between nodes. */
#include "store/postgres/wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *sql = store_pg_dollar_params(text);
    /* Only '?' before a digit changes (to '$'), so the length stays. */
    if (sql && strlen(sql) != strlen(text))
        abort();
    free(sql);
    char node[STORE_BUS_NODE_LEN + 1], env[ID_LEN + 1], user[ID_LEN + 1];
    const char *event = NULL;
    if (store_bus_parse_live(text, node, env, user, &event) &&
        (strlen(node) > STORE_BUS_NODE_LEN || strlen(env) > ID_LEN || strlen(user) > ID_LEN ||
         event < text || event > text + strlen(text)))
        abort();
    free(text);
    return 0;
}
