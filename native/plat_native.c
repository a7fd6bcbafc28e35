/* Native implementation of shared/plat.h: wall clock and OpenSSL's CSPRNG. */
#include "plat.h"

#include <openssl/rand.h>

#include <string.h>
#include <time.h>

int64_t plat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Small requests (ids, nonces) are served from a per-thread block of RAND_bytes output: one DRBG
 * call per 512 bytes instead of one per id. Bytes are handed out once and wiped as they go; large
 * requests go straight to RAND_bytes. (No fork after start, so no two processes share a block.)
 */
#define RANDOM_BLOCK 512

int plat_random(void *buf, size_t n)
{
    static _Thread_local unsigned char block[RANDOM_BLOCK];
    static _Thread_local size_t left;
    if (n > RANDOM_BLOCK / 4)
        return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
    if (left < n) {
        if (RAND_bytes(block, RANDOM_BLOCK) != 1)
            return -1;
        left = RANDOM_BLOCK;
    }
    unsigned char *from = block + RANDOM_BLOCK - left;
    memcpy(buf, from, n);
    memset(from, 0, n);
    left -= n;
    return 0;
}
