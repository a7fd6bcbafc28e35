/* The PostgreSQL backend's own texts (store/postgres/wire.h): ?N written as $N outside quotes, and
 * the bus's live updates read back. */
#include "check.h"

#include "store/postgres/wire.h"

#include <stdlib.h>
#include <string.h>

static void dollars(const char *sql, const char *want)
{
    char *got = store_pg_dollar_params(sql);
    CHECK_STR(got, want);
    free(got);
}

int main(void)
{
    dollars("SELECT ?1, ?12 FROM t WHERE a = ?2", "SELECT $1, $12 FROM t WHERE a = $2");
    dollars("SELECT '?1', \"?2\", 'it''s ?3', ?4", "SELECT '?1', \"?2\", 'it''s ?3', $4");
    dollars("SELECT ? , ?x, ?", "SELECT ? , ?x, ?"); /* only numbered parameters */
    dollars("", "");

    char node[STORE_BUS_NODE_LEN + 1], env[ID_LEN + 1], user[ID_LEN + 1];
    const char *event = NULL;
    CHECK(store_bus_parse_live("0123456789abcdef 6b1235148f577068b49784ef - {\"a\": 1}", node, env,
                               user, &event));
    CHECK_STR(node, "0123456789abcdef");
    CHECK_STR(env, "6b1235148f577068b49784ef");
    CHECK_STR(user, "");
    CHECK_STR(event, "{\"a\": 1}");
    CHECK(store_bus_parse_live("0123456789abcdef e u {}", node, env, user, &event));
    CHECK_STR(user, "u");
    CHECK(!store_bus_parse_live("0123456789abcdef0 e u {}", node, env, user, &event));
    CHECK(!store_bus_parse_live("n 6b1235148f577068b49784ef0 u {}", node, env, user, &event));
    CHECK(!store_bus_parse_live("n e u", node, env, user, &event)); /* no event */
    CHECK(!store_bus_parse_live("n  u {}", node, env, user, &event));
    CHECK(!store_bus_parse_live("", node, env, user, &event));
    return check_summary("pgwire");
}
