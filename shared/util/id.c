/* Object id generation and shape check (see id.h). */
#include "util/id.h"

#include "plat.h"
#include "util/hex.h"

#include <stdint.h>
#include <string.h>

int id_new(char out[ID_LEN + 1])
{
    unsigned char raw[12];
    uint32_t secs = (uint32_t)(plat_now_ms() / 1000);
    raw[0] = (unsigned char)(secs >> 24);
    raw[1] = (unsigned char)(secs >> 16);
    raw[2] = (unsigned char)(secs >> 8);
    raw[3] = (unsigned char)secs;
    if (plat_random(raw + 4, 8) != 0)
        return -1;
    hex_encode(raw, sizeof raw, out);
    return 0;
}

bool id_valid(const char *s)
{
    if (!s || strlen(s) != ID_LEN)
        return false;
    for (int i = 0; i < ID_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}
