/* Native implementation of shared/plat.h: wall clock and OpenSSL's CSPRNG. */
#include "plat.h"

#include <openssl/rand.h>
#include <time.h>

int64_t plat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int plat_random(void *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}
