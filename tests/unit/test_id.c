/* Ids: shape, uniqueness and the timestamp prefix. */
#include "check.h"

#include "plat.h"
#include "util/id.h"

#include <stdint.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

int main(void)
{
    enum { N = 2000 };
    static char ids[N][ID_LEN + 1];
    for (int i = 0; i < N; i++) {
        CHECK_INT(id_new(ids[i]), 0);
    }
    int valid = 0;
    for (int i = 0; i < N; i++)
        valid += id_valid(ids[i]);
    CHECK_INT(valid, N);
    qsort(ids, N, sizeof ids[0], cmp);
    int dups = 0;
    for (int i = 1; i < N; i++)
        dups += strcmp(ids[i - 1], ids[i]) == 0;
    CHECK_INT(dups, 0);

    /* The first 8 hex digits are the creation time in seconds. */
    char id[ID_LEN + 1];
    id_new(id);
    char secs_hex[9];
    memcpy(secs_hex, id, 8);
    secs_hex[8] = '\0';
    long long secs = strtoll(secs_hex, NULL, 16);
    long long now = plat_now_ms() / 1000;
    CHECK(secs <= now && secs >= now - 2);

    CHECK(!id_valid(NULL));
    CHECK(!id_valid(""));
    CHECK(!id_valid("6323d7c9122ae69742a5d0a"));   /* 23 chars */
    CHECK(!id_valid("6323d7c9122ae69742a5d0a2f")); /* 25 chars */
    CHECK(!id_valid("6323D7C9122AE69742A5D0A2"));  /* upper case */
    CHECK(!id_valid("gregg-is-not-an-id-at-al"));
    CHECK(id_valid("6323d7c9122ae69742a5d0a2"));
    return check_summary("ids");
}
